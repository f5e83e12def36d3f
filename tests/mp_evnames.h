/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * mp_evnames.h: epoll's event bits and their names, the one table of them.
 * The operation language and the transcripts write "IN|ET"; fuzz_test's C
 * scenarios, the shim's MINIPOLL_DEBUG trace, minipoll-inspect and the demo
 * write "EPOLLIN|EPOLLET". It lives with the tests because they must build
 * alone (as a kernel tree's tools/testing/selftests/minipoll); user/
 * compiles mp_evnames.c from here, as it does mp_ops.c.
 */
#ifndef MP_EVNAMES_H
#define MP_EVNAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The uapi has these, glibc's <sys/epoll.h> does not. */
#ifndef EPOLLNVAL
#define EPOLLNVAL		0x00000020U
#endif
#ifndef POLLFREE
#define POLLFREE		0x00004000U
#endif
#ifndef EPOLL_URING_WAKE
#define EPOLL_URING_WAKE	(1U << 27)
#endif

/* In bit order. */
struct mp_evname {
	uint32_t bit;
	const char *name;	/* in the operation language: "IN" */
	const char *macro;	/* in C: "EPOLLIN" */
};
extern const struct mp_evname mp_evnames[];
extern const unsigned int mp_nevnames;

/*
 * Write events into buf as their names joined by sep, unknown bits as a
 * trailing hex number, none as "0"; truncates to len and returns buf.
 */
const char *mp_evstr_fmt(uint32_t events, bool macros, const char *sep,
			 char *buf, size_t len);

/* "IN|ET" */
static inline const char *mp_evstr(uint32_t events, char *buf, size_t len)
{
	return mp_evstr_fmt(events, false, "|", buf, len);
}

/* "EPOLLIN|EPOLLET" */
static inline const char *mp_events_str(uint32_t events, char *buf, size_t len)
{
	return mp_evstr_fmt(events, true, "|", buf, len);
}

/* "EPOLL_CTL_ADD", ..., or "op?" for anything else. */
const char *mp_op_name(int op);

#endif /* MP_EVNAMES_H */

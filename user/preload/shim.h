/* SPDX-License-Identifier: MIT OR LGPL-2.1-or-later */
/*
 * The LD_PRELOAD shim's internals: preload.c holds the interposed entry
 * points, route.c decides where each call goes, trace.c prints
 * MINIPOLL_DEBUG lines. The work itself is libminipoll's (lib/).
 */
#ifndef MINIPOLL_SHIM_H
#define MINIPOLL_SHIM_H

#include <stdbool.h>

#include "internal.h"

/* Settings read from the environment once, on first use. */
#define SHIM_STRICT	(1 << 0)	/* MINIPOLL_STRICT=1 */
#define SHIM_DEBUG	(1 << 1)	/* MINIPOLL_DEBUG=1 */
int shim_flags(void);

/*
 * The next definition of a libc function after ours (RTLD_NEXT), looked up
 * on first use and kept in *slot. Aborts if there is none.
 */
void *shim_real(const char *name, void **slot);
#define REAL(fn) ({							\
	static void *real_##fn;						\
	(__typeof__(&fn))shim_real(#fn, &real_##fn);			\
})

/*
 * Create an instance with mp_create(arg) (minipoll_create or
 * minipoll_create1), or with real_create(arg) once /dev/minipoll has
 * proved unavailable: that is said once on stderr, or is fatal with
 * MINIPOLL_STRICT=1.
 */
int shim_create(int (*mp_create)(int), int (*real_create)(int), int arg,
		const char **via);

/* Whether calls on epfd should go to minipoll (see route.c). */
bool shim_route(int epfd);
/* The ioctl showed that epfd is not an instance (any more). */
void shim_forget(int epfd);

/*
 * Send a call to minipoll when epfd is (or was) an instance, to the real
 * epoll otherwise or when the ioctl shows epfd is no longer one (refused
 * before the module ran, see mp_missed_instance(): nothing was done, so
 * the real call gives the right result, or errno in epoll's order). Sets
 * via to the implementation that answered.
 */
#define SHIM_ROUTE(epfd, via, mp_call, real_call) ({			\
	long ret_ = 0;							\
	bool mp_ = shim_route(epfd);					\
	if (mp_) {							\
		ret_ = (mp_call);					\
		if (ret_ < 0 && mp_missed_instance(epfd, errno)) {	\
			shim_forget(epfd);				\
			mp_ = false;					\
		}							\
	}								\
	if (!mp_)							\
		ret_ = (real_call);					\
	(via) = mp_ ? "minipoll" : "epoll";				\
	ret_;								\
})

/*
 * epoll_wait() on instance epfd, through its fed ring when it has one
 * (ring.c); returns like epoll_wait().
 */
int shim_wait(int epfd, struct epoll_event *events, int maxevents, int timeout);
/* fd was closed or replaced: drop the ring the shim made for it. */
void shim_ring_forget(int fd);

/*
 * MINIPOLL_DEBUG: one stderr line per interposed call, after it returns:
 * the call (printf-style), its result or errno, and who answered. For a
 * wait, pass its buffer as out: the events it returned are listed. errno
 * is kept. Nothing is formatted when debugging is off.
 */
void shim_trace(long ret, const char *via, const struct epoll_event *out,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The same for epoll_ctl(), showing the event once it proved readable;
 * call is what precedes the arguments, "epoll_ctl(" or "syscall(...,". */
void shim_trace_ctl(long ret, const char *via, const char *call, int epfd,
		    int op, int fd, const struct epoll_event *event);

#endif /* MINIPOLL_SHIM_H */

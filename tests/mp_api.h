/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * mp_api.h: the epoll API as one table of calls. mp_epoll is libc's epoll,
 * mp_minipoll is libminipoll, whose calls have epoll's signatures: code
 * written once against the table runs on either. The differential tests
 * (mp_impl.h, with their mutants), minipoll-inspect, mpbench and
 * minipoll-echo all call through it. It lives with the tests because they
 * must build alone; user/ compiles it from here.
 */
#ifndef MP_API_H
#define MP_API_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <sys/epoll.h>

struct mp_impl {
	const char *name;	/* "epoll", "minipoll" */
	int (*create)(int size);
	int (*create1)(int flags);
	int (*ctl)(int epfd, int op, int fd, struct epoll_event *event);
	int (*wait)(int epfd, struct epoll_event *events, int maxevents, int timeout);
	int (*pwait)(int epfd, struct epoll_event *events, int maxevents, int timeout,
		     const sigset_t *sigmask);
	int (*pwait2)(int epfd, struct epoll_event *events, int maxevents,
		      const struct timespec *timeout, const sigset_t *sigmask);
	/*
	 * The raw call with an explicit sigsetsize (libc always passes 8):
	 * epoll_pwait/epoll_pwait2 by syscall(), minipoll's WAIT ioctl.
	 * Only meaningful on a valid instance fd. ts == NULL with use_ts
	 * means epoll_pwait2 with a NULL timeout.
	 */
	int (*pwait_raw)(int epfd, struct epoll_event *events, int maxevents,
			 int timeout, bool use_ts, const struct timespec *ts,
			 const void *sigmask, size_t sigsetsize);
};

/*
 * An implementation is one family of calls, prefix_create() to
 * prefix_pwait2(), and its raw wait. The family is named once so that a
 * table cannot mix in another's call: a minipoll table with one epoll call
 * in it would compare epoll with itself there, and always pass.
 */
#define MP_IMPL(impl_name, prefix, raw) {				\
	.name = impl_name,						\
	.create = prefix##_create,					\
	.create1 = prefix##_create1,					\
	.ctl = prefix##_ctl,						\
	.wait = prefix##_wait,						\
	.pwait = prefix##_pwait,					\
	.pwait2 = prefix##_pwait2,					\
	.pwait_raw = raw,						\
}

extern const struct mp_impl mp_epoll;
extern const struct mp_impl mp_minipoll;

/* Raw minipoll ioctls (mp_raw.c: it includes only the uapi header). */
int mp_raw_wait(int fd, void *events, int maxevents, int timeout_ms,
		bool use_ts, const void *ts, const void *sigmask, size_t sigsetsize);

#endif /* MP_API_H */

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mp_api.c: libc's epoll and libminipoll as mp_api.h's tables.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <unistd.h>
#include <sys/syscall.h>

#include "minipoll.h"
#include "mp_api.h"

static int ep_pwait_raw(int epfd, struct epoll_event *events, int maxevents, int timeout,
			bool use_ts, const struct timespec *ts, const void *sigmask,
			size_t sigsetsize)
{
	if (use_ts)
		return syscall(SYS_epoll_pwait2, epfd, events, maxevents, ts, sigmask,
			       sigsetsize);
	return syscall(SYS_epoll_pwait, epfd, events, maxevents, timeout, sigmask,
		       sigsetsize);
}

static int mp_pwait_raw(int epfd, struct epoll_event *events, int maxevents, int timeout,
			bool use_ts, const struct timespec *ts, const void *sigmask,
			size_t sigsetsize)
{
	return mp_raw_wait(epfd, events, maxevents, timeout, use_ts, ts, sigmask, sigsetsize);
}

const struct mp_impl mp_epoll = MP_IMPL("epoll", epoll, ep_pwait_raw);
const struct mp_impl mp_minipoll = MP_IMPL("minipoll", minipoll, mp_pwait_raw);

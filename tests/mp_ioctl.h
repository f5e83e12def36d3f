/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bare ioctls, for the tests that look at the module itself (its dump,
 * its tracepoints) rather than compare it with epoll through mp_impl.h.
 */
#ifndef MP_IOCTL_H
#define MP_IOCTL_H

#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>

#include <linux/minipoll.h>

static inline int mp_ctl(int mp, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };
	struct minipoll_ctl c = { .op = op, .fd = fd, .event = (uintptr_t)&ev };

	return ioctl(mp, MINIPOLL_IOC_CTL, &c);
}

static inline int mp_wait(int mp, struct epoll_event *evs, int max, int timeout_ms)
{
	struct minipoll_wait w = {
		.events = (uintptr_t)evs, .maxevents = max, .timeout_ms = timeout_ms,
	};

	return ioctl(mp, MINIPOLL_IOC_WAIT, &w);
}

#endif

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mp_raw.c: minipoll's WAIT ioctl called directly, for the one thing the
 * library cannot express: a sigsetsize other than libc's 8.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include <linux/minipoll.h>

int mp_raw_wait(int fd, void *events, int maxevents, int timeout_ms,
		bool use_ts, const void *ts, const void *sigmask, size_t sigsetsize);

int mp_raw_wait(int fd, void *events, int maxevents, int timeout_ms,
		bool use_ts, const void *ts, const void *sigmask, size_t sigsetsize)
{
	struct minipoll_wait w = {
		.events = (uintptr_t)events,
		.maxevents = maxevents,
		.timeout_ms = timeout_ms,
		.sigmask = (uintptr_t)sigmask,
		.sigsetsize = (uint32_t)sigsetsize,
	};

	/* epoll_pwait2 with a NULL timeout waits forever, as timeout_ms < 0. */
	if (use_ts && ts) {
		w.flags = MINIPOLL_WAIT_TIMESPEC;
		w.timeout = (uintptr_t)ts;
	} else if (use_ts) {
		w.timeout_ms = -1;
	}
	return ioctl(fd, MINIPOLL_IOC_WAIT, &w);
}

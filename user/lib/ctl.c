// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * The interest set: epoll_ctl() as MINIPOLL_IOC_CTL, cf. do_epoll_ctl().
 */
#include <stdint.h>
#include <sys/ioctl.h>

#include "internal.h"

int mp_ctl_ioctl(int mpfd, int op, int fd, struct epoll_event *event)
{
	struct minipoll_ctl ctl = {
		.op	= op,
		.fd	= fd,
		/* The module copies the event itself, so a bad pointer is
		 * its EFAULT, checked where epoll checks it. */
		.event	= (uintptr_t)event,
	};

	return ioctl(mpfd, MINIPOLL_IOC_CTL, &ctl);
}

int minipoll_ctl(int mpfd, int op, int fd, struct epoll_event *event)
{
	int ret = mp_ctl_ioctl(mpfd, op, fd, event);

	if (ret < 0 && mp_missed_instance(mpfd, errno))
		return mp_replay_ctl(op, fd, event);
	return ret;
}

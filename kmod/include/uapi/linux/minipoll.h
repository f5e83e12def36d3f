/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * minipoll: the eventpoll core as a character device.
 *
 * This header is the whole user ABI of /dev/minipoll. The module, the
 * library (libminipoll), the LD_PRELOAD shim and the tests all include it;
 * nothing else defines the ioctls.
 *
 * Instances
 *	Every open() of /dev/minipoll creates one instance: an interest set of
 *	watched (file, fd) pairs, a ready list and a queue of waiters, like one
 *	epoll_create1() call. close() of the last reference destroys it. The
 *	instance fd is itself pollable (EPOLLIN when an item is ready), so it
 *	can be watched by another instance or by a real epoll. read() and
 *	write() fail with EINVAL, as on an epoll fd.
 *
 * Event format
 *	Events and flags are epoll's: struct epoll_event and the EPOLL* bits
 *	from <sys/epoll.h> (or <linux/eventpoll.h> in the kernel). This header
 *	includes neither, since the two clash, and needs neither: its structs
 *	carry user pointers as __u64. On x86-64 struct epoll_event is packed
 *	(12 bytes), so 32-bit and 64-bit callers share one layout.
 *
 * MINIPOLL_IOC_CTL (struct minipoll_ctl)
 *	epoll_ctl(): op is EPOLL_CTL_ADD, EPOLL_CTL_MOD or EPOLL_CTL_DEL, fd
 *	the target, event a user pointer to one struct epoll_event (read
 *	unless op is EPOLL_CTL_DEL; may be 0 then). Returns 0, or -1 with
 *	epoll_ctl()'s errno, checked in epoll_ctl()'s order.
 *
 * MINIPOLL_IOC_WAIT (struct minipoll_wait)
 *	epoll_wait(), epoll_pwait() and epoll_pwait2() in one call. events
 *	points to an array of maxevents struct epoll_event. Without
 *	MINIPOLL_WAIT_TIMESPEC, timeout_ms is epoll_wait()'s timeout (negative:
 *	infinite, 0: do not block). With it, timeout points to a struct
 *	__kernel_timespec, relative, as for epoll_pwait2() (0: infinite).
 *	sigmask, if not 0, points to a sigset of sigsetsize bytes that is
 *	the thread's signal mask for the duration of the wait, as for
 *	epoll_pwait(). Returns the number of events stored, or -1 with
 *	epoll_pwait2()'s errno in its order of checks.
 *
 * Reserved fields and unknown flags must be zero, else EINVAL. An unknown
 * ioctl command gives ENOTTY. A bad pointer gives EFAULT.
 */
#ifndef _UAPI_LINUX_MINIPOLL_H
#define _UAPI_LINUX_MINIPOLL_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define MINIPOLL_DEVICE		"/dev/minipoll"

/* 0xB8 is free in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define MINIPOLL_IOC_MAGIC	0xB8

struct minipoll_ctl {
	__s32 op;		/* EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL */
	__s32 fd;		/* the file descriptor to watch */
	__u64 event;		/* user pointer to struct epoll_event */
	__u32 flags;		/* none defined yet: must be zero */
	__u32 __reserved;	/* must be zero */
};

/* minipoll_wait.flags */
#define MINIPOLL_WAIT_TIMESPEC	0x1U		/* use .timeout, not .timeout_ms */
#define MINIPOLL_WAIT_FLAGS	(MINIPOLL_WAIT_TIMESPEC)

struct minipoll_wait {
	__u64 events;		/* user pointer to struct epoll_event[maxevents] */
	__s32 maxevents;	/* 1 .. INT_MAX / sizeof(struct epoll_event) */
	__s32 timeout_ms;	/* epoll_wait() timeout, without ..._TIMESPEC */
	__u64 timeout;		/* user pointer to struct __kernel_timespec */
	__u64 sigmask;		/* user pointer to a sigset, or 0 */
	__u32 sigsetsize;	/* sizeof the kernel sigset (8) when sigmask */
	__u32 flags;		/* MINIPOLL_WAIT_* */
	__u64 __reserved;	/* must be zero */
};

#define MINIPOLL_IOC_CTL	_IOW(MINIPOLL_IOC_MAGIC, 1, struct minipoll_ctl)
#define MINIPOLL_IOC_WAIT	_IOW(MINIPOLL_IOC_MAGIC, 2, struct minipoll_wait)

#endif /* _UAPI_LINUX_MINIPOLL_H */

/* SPDX-License-Identifier: MIT OR LGPL-2.1-or-later */
/*
 * libminipoll internals, shared by the library's files and the LD_PRELOAD
 * shim (which links the same objects). Nothing here is exported: every
 * declaration is hidden, and the linker maps list only the public API.
 */
#ifndef LIBMINIPOLL_INTERNAL_H
#define LIBMINIPOLL_INTERNAL_H

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/single_threaded.h>

#include "minipoll.h"

#include <linux/minipoll.h>

#define MP_HIDDEN __attribute__((visibility("hidden")))

/*
 * The kernel's sigset is 64 bits (_NSIG - 1 signals), what epoll_pwait()
 * expects as sigsetsize; glibc's sigset_t is 128 bytes, so never pass
 * sizeof(sigset_t). glibc's own epoll_pwait() passes the same 8.
 */
#define MP_KERNEL_SIGSET_SIZE	((_NSIG - 1) / 8)

/*
 * One ioctl, no errno fix-up: these return what the kernel said, also
 * when mpfd was no instance (see mp_missed_instance()). The public calls
 * then replay the call for epoll's errno (errno_order.c); the shim makes
 * the real epoll call instead.
 */
MP_HIDDEN int mp_ctl_ioctl(int mpfd, int op, int fd, struct epoll_event *event);
MP_HIDDEN int mp_wait_ioctl(int mpfd, struct epoll_event *events, int maxevents,
			    int timeout_ms, const struct timespec *timeout,
			    int use_timespec, const void *sigmask,
			    size_t sigsetsize);

/*
 * An ioctl that may block, as a cancellation point: wait.c says why and
 * how. The single-threaded test is inline, as every wait pays it; the
 * guard, for multi-threaded processes, is a call.
 */
MP_HIDDEN extern const volatile char *mp_libc_single_threaded;
MP_HIDDEN int mp_ioctl_async_cancel(int fd, unsigned long cmd, void *arg);

static inline int mp_ioctl_cancellable(int fd, unsigned long cmd, void *arg)
{
	const volatile char *home = mp_libc_single_threaded;

	if (__libc_single_threaded && home && *home)
		return ioctl(fd, cmd, arg);
	return mp_ioctl_async_cancel(fd, cmd, arg);
}

/*
 * After a failed ioctl on mpfd: did the call miss the instance, i.e. was
 * it refused before any module code ran, with nothing done?
 *   ENOTTY  yes: the module knows both commands, so another file said it.
 *   EBADF   mpfd is not open; or the module's own EBADF (closed target).
 *   EINVAL  the module's; or, since Linux 6.9, a real epoll fd's ioctl
 *           refusing an unknown command.
 * The last two are told apart with an fstat() (error paths only). errno
 * is kept.
 */
static inline int mp_missed_instance(int mpfd, int err)
{
	int missed;

	if (err == ENOTTY)
		return 1;
	if (err != EBADF && err != EINVAL)
		return 0;
	missed = !minipoll_is_instance(mpfd);
	errno = err;
	return missed;
}

/* errno_order.c: after such a miss, fix errno to what epoll would say. */
MP_HIDDEN int mp_replay_ctl(int op, int fd, struct epoll_event *event);
MP_HIDDEN int mp_replay_pwait(struct epoll_event *events, int maxevents,
			      int timeout, const sigset_t *sigmask);
MP_HIDDEN int mp_replay_pwait2(struct epoll_event *events, int maxevents,
			       const struct timespec *timeout,
			       const sigset_t *sigmask);

#endif /* LIBMINIPOLL_INTERNAL_H */

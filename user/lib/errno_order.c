// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * The errno of a call that never reached an instance.
 *
 * epoll checks some arguments before it looks at the epoll fd: epoll_ctl()
 * copies the event first (EFAULT), and on 6.1 epoll_wait() checks
 * maxevents (EINVAL) and the buffer (EFAULT) first; epoll_pwait2() reads
 * its timespec and then the signal mask before either. minipoll's module
 * makes the same checks in the same order, but only once its ioctl
 * handler runs, and an ioctl on the wrong fd never gets there:
 *
 *   mpfd not open               ioctl() fails EBADF  (epoll: maybe EFAULT
 *                                                     or EINVAL first)
 *   mpfd open, not an instance  ioctl() fails ENOTTY (epoll: EINVAL, after
 *                                                     EFAULT, a closed
 *                                                     target's EBADF, EPERM)
 *   mpfd a real epoll, >= 6.9   ioctl() fails EINVAL (epoll's own ioctl)
 *
 * (mp_missed_instance() tells these from the module's own EBADF/EINVAL.)
 *
 * Rather than copying epoll's checks (and getting them wrong on the next
 * kernel: 6.15 moved the epfd check first), the slow path asks the real
 * epoll the same question with an epoll fd that cannot act:
 *
 *   EBADF   replay with epfd -1: epoll makes its early checks and then
 *           says EBADF, exactly what it says for a closed epfd.
 *   other   replay with a stand-in epfd that is open and cannot be an
 *           epoll instance: a private eventfd, opened for the replay and
 *           closed after it. epoll then makes all its checks up to
 *           "not an epoll" and reports the first that fails.
 *
 * The replay never uses the caller's fd as the epoll fd: it might be a
 * real epoll instance, and then the "replay" would really add, remove or
 * consume events. The stand-in is opened on demand rather than cached so
 * that no fd of ours lingers where a program's close_range() or dup2()
 * could swap a real epoll in under its number.
 *
 * A replay that succeeds would mean the kernel accepted a call on an fd
 * that cannot be an epoll; that cannot happen, but if it ever did, the
 * original error stands.
 *
 * This is the slow path only: success and the module's own errors cost
 * one ioctl (and an fstat() for EBADF or EINVAL), never a replay.
 */
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/*
 * Replay system call @nr with the epoll fd chosen as above and the
 * caller's other arguments a1..a5; @target is the watched fd for
 * epoll_ctl() (-1 for the waits). Returns -1 with epoll's errno.
 */
static int mp_replay(long nr, int target, long a1, long a2, long a3, long a4,
		     long a5)
{
	int orig = errno, standin = -1, epfd = -1, err;
	long ret;

	if (orig != EBADF) {
		standin = eventfd(0, EFD_CLOEXEC);
		if (standin < 0) {
			/* fd table full: no stand-in, so skip to epoll's
			 * last verdict for a non-epoll epfd. */
			errno = EINVAL;
			return -1;
		}
		/*
		 * eventfd() taking the target's number means the target is
		 * closed: epfd -1 gives what epoll gives then (EFAULT, else
		 * EBADF) instead of EPERM for the stand-in as a target.
		 */
		if (standin != target)
			epfd = standin;
	}
	ret = syscall(nr, epfd, a1, a2, a3, a4, a5);
	err = ret < 0 ? errno : orig;
	if (standin >= 0)
		close(standin);
	errno = err;
	return -1;
}

int mp_replay_ctl(int op, int fd, struct epoll_event *event)
{
	return mp_replay(SYS_epoll_ctl, fd, op, fd, (long)event, 0, 0);
}

/* The stand-in never blocks, since epoll rejects it before waiting. */
int mp_replay_pwait(struct epoll_event *events, int maxevents, int timeout,
		    const sigset_t *sigmask)
{
	return mp_replay(SYS_epoll_pwait, -1, (long)events, maxevents, timeout,
			 (long)sigmask, MP_KERNEL_SIGSET_SIZE);
}

int mp_replay_pwait2(struct epoll_event *events, int maxevents,
		     const struct timespec *timeout, const sigset_t *sigmask)
{
	return mp_replay(SYS_epoll_pwait2, -1, (long)events, maxevents,
			 (long)timeout, (long)sigmask, MP_KERNEL_SIGSET_SIZE);
}

// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * Waiting: epoll_wait(), epoll_pwait() and epoll_pwait2() as one
 * MINIPOLL_IOC_WAIT, cf. do_epoll_pwait() and ep_poll().
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "internal.h"

/*
 * The module reads the caller's struct timespec as a struct
 * __kernel_timespec, so the two must have one layout (true on 64-bit
 * ABIs). A 32-bit port would have to convert, and lose EFAULT.
 */
_Static_assert(sizeof(struct timespec) == 16 &&
	       offsetof(struct timespec, tv_nsec) == 8,
	       "struct timespec is not struct __kernel_timespec");

/*
 * glibc makes epoll_wait() a cancellation point, and ioctl() is not one:
 * without this a thread blocked in a minipoll wait could not be cancelled.
 * Asynchronous cancellation around the blocking call is how glibc itself
 * implemented cancellation points for years; the ioctl holds nothing in
 * user space that unwinding could leak. No system call is added: both
 * pthread_setcanceltype() calls stay in user space.
 *
 * Like glibc's own cancellation points, skip that (two calls into libc
 * on every wait) while the process is single-threaded: only another thread
 * could ask for a cancellation during the call, and a thread that cancels
 * itself makes glibc count the process as multi-threaded from then on, so
 * the pending request is still acted on here, as epoll_wait() would.
 *
 * glibc's public flag, __libc_single_threaded, is read twice. glibc 2.36
 * keeps its own copy of the flag and, after a thread cancelled itself,
 * updates only that one; a program that references the flag directly
 * (libstdc++'s inline code does) reads a copy relocated into it, which
 * then says "single-threaded" for good. The flag's home in libc, found
 * once with dlsym(), catches that; each alone can only be late in turning
 * false, so both true means single-threaded. Not found: always guard.
 */
const volatile char *mp_libc_single_threaded;

__attribute__((constructor)) static void mp_find_libc_single_threaded(void)
{
	mp_libc_single_threaded = dlsym(RTLD_NEXT, "__libc_single_threaded");
}

__attribute__((noinline)) int mp_ioctl_async_cancel(int fd, unsigned long cmd, void *arg)
{
	int oldtype, ret, err;

	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &oldtype);
	ret = ioctl(fd, cmd, arg);
	err = errno;
	pthread_setcanceltype(oldtype, NULL);
	errno = err;
	return ret;
}

static inline void mp_wait_block(struct minipoll_wait *w, struct epoll_event *events,
				 int maxevents, int timeout_ms,
				 const struct timespec *timeout, int use_timespec,
				 const void *sigmask, size_t sigsetsize)
{
	*w = (struct minipoll_wait){
		.events		= (uintptr_t)events,
		.maxevents	= maxevents,
		.timeout_ms	= timeout_ms,
		.timeout	= (uintptr_t)timeout,
		.sigmask	= (uintptr_t)sigmask,
		.sigsetsize	= sigmask ? sigsetsize : 0,
		.flags		= use_timespec ? MINIPOLL_WAIT_TIMESPEC : 0,
	};
}

int mp_wait_ioctl(int mpfd, struct epoll_event *events, int maxevents,
		  int timeout_ms, const struct timespec *timeout,
		  int use_timespec, const void *sigmask, size_t sigsetsize)
{
	struct minipoll_wait w;

	mp_wait_block(&w, events, maxevents, timeout_ms, timeout, use_timespec,
		      sigmask, sigsetsize);
	return mp_ioctl_cancellable(mpfd, MINIPOLL_IOC_WAIT, &w);
}

/*
 * A public wait failed: if it missed the instance, replay it for epoll's
 * errno. The call's arguments are read back from its block, so that the
 * common path keeps none of them alive across the ioctl (no registers to
 * save and restore on every wait).
 */
static __attribute__((noinline, cold)) int mp_wait_failed(int mpfd,
							  const struct minipoll_wait *w)
{
	struct epoll_event *events = (void *)(uintptr_t)w->events;
	const sigset_t *sigmask = (const void *)(uintptr_t)w->sigmask;

	if (!mp_missed_instance(mpfd, errno))
		return -1;
	if (w->flags & MINIPOLL_WAIT_TIMESPEC)
		return mp_replay_pwait2(events, w->maxevents,
					(const void *)(uintptr_t)w->timeout, sigmask);
	return mp_replay_pwait(events, w->maxevents, w->timeout_ms, sigmask);
}

/* The public waits' ioctl, and epoll's errno should it miss the instance. */
static inline int mp_wait_or_replay(int mpfd, struct minipoll_wait *w)
{
	int ret = mp_ioctl_cancellable(mpfd, MINIPOLL_IOC_WAIT, w);

	return ret < 0 ? mp_wait_failed(mpfd, w) : ret;
}

int minipoll_pwait(int mpfd, struct epoll_event *events, int maxevents,
		   int timeout, const sigset_t *sigmask)
{
	struct minipoll_wait w;

	mp_wait_block(&w, events, maxevents, timeout, NULL, 0, sigmask,
		      MP_KERNEL_SIGSET_SIZE);
	return mp_wait_or_replay(mpfd, &w);
}

int minipoll_wait(int mpfd, struct epoll_event *events, int maxevents,
		  int timeout)
{
	return minipoll_pwait(mpfd, events, maxevents, timeout, NULL);
}

int minipoll_pwait2(int mpfd, struct epoll_event *events, int maxevents,
		    const struct timespec *timeout, const sigset_t *sigmask)
{
	struct minipoll_wait w;

	mp_wait_block(&w, events, maxevents, 0, timeout, 1, sigmask,
		      MP_KERNEL_SIGSET_SIZE);
	return mp_wait_or_replay(mpfd, &w);
}

// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * libminipoll-preload.so: run unmodified programs on minipoll.
 *
 * Loaded with LD_PRELOAD (see minipoll-run), this file's definitions come
 * before libc's, so a program's calls to the six epoll functions, and to
 * syscall() with an epoll system call number, land here. Each one goes to
 * libminipoll or to the real epoll as route.c decides.
 *
 * What it cannot see (the program then simply uses the kernel's epoll):
 *   - statically linked programs: there is no dynamic linking to interpose;
 *   - setuid/setgid and other secure-execution programs: ld.so ignores
 *     LD_PRELOAD for them (unless the library is in a system directory and
 *     itself setuid, which this one is not);
 *   - system calls made without libc's syscall(): inline assembly, Go's
 *     runtime (its own syscall layer), or io_uring's IORING_OP_EPOLL_CTL;
 *   - programs that clear or rewrite LD_PRELOAD before exec'ing children.
 * Such an epoll fd is still handled right if it reaches an interposed
 * call: it is not an instance, so the real epoll gets it.
 */
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

/* ---- creation ---- */

int epoll_create(int size)
{
	const char *via;
	int ret = shim_create(minipoll_create, REAL(epoll_create), size, &via);

	shim_trace(ret, via, NULL, "epoll_create(%d)", size);
	return ret;
}

int epoll_create1(int flags)
{
	const char *via;
	int ret = shim_create(minipoll_create1, REAL(epoll_create1), flags,
			      &via);

	shim_trace(ret, via, NULL, "epoll_create1(%#x)", flags);
	return ret;
}

/* ---- the interest set ---- */

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	const char *via;
	int ret = SHIM_ROUTE(epfd, via, mp_ctl_ioctl(epfd, op, fd, event),
			     REAL(epoll_ctl)(epfd, op, fd, event));

	shim_trace_ctl(ret, via, "epoll_ctl(", epfd, op, fd, event);
	return ret;
}

/* ---- waiting ---- */

int epoll_wait(int epfd, struct epoll_event *events, int maxevents,
	       int timeout)
{
	const char *via;
	int ret = SHIM_ROUTE(epfd, via,
			     shim_wait(epfd, events, maxevents, timeout),
			     REAL(epoll_wait)(epfd, events, maxevents,
					      timeout));

	shim_trace(ret, via, events, "epoll_wait(%d, %d, %d)", epfd,
		   maxevents, timeout);
	return ret;
}

int epoll_pwait(int epfd, struct epoll_event *events, int maxevents,
		int timeout, const sigset_t *sigmask)
{
	const char *via;
	int ret = SHIM_ROUTE(epfd, via,
			     mp_wait_ioctl(epfd, events, maxevents, timeout,
					   NULL, 0, sigmask,
					   MP_KERNEL_SIGSET_SIZE),
			     REAL(epoll_pwait)(epfd, events, maxevents,
					       timeout, sigmask));

	shim_trace(ret, via, events, "epoll_pwait(%d, %d, %d, %p)", epfd,
		   maxevents, timeout, (const void *)sigmask);
	return ret;
}

int epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
		 const struct timespec *timeout, const sigset_t *sigmask)
{
	const char *via;
	int ret = SHIM_ROUTE(epfd, via,
			     mp_wait_ioctl(epfd, events, maxevents, 0,
					   timeout, 1, sigmask,
					   MP_KERNEL_SIGSET_SIZE),
			     REAL(epoll_pwait2)(epfd, events, maxevents,
						timeout, sigmask));

	shim_trace(ret, via, events, "epoll_pwait2(%d, %d, %p, %p)", epfd,
		   maxevents, (const void *)timeout, (const void *)sigmask);
	return ret;
}

/* ---- fds that stop naming an instance ---- */

/* A ring the shim made for fd would outlive it: see ring.c. */
int close(int fd)
{
	shim_ring_forget(fd);
	return REAL(close)(fd);
}

int dup2(int oldfd, int newfd)
{
	if (oldfd != newfd)
		shim_ring_forget(newfd);
	return REAL(dup2)(oldfd, newfd);
}

int dup3(int oldfd, int newfd, int flags)
{
	shim_ring_forget(newfd);
	return REAL(dup3)(oldfd, newfd, flags);
}

/* ---- syscall() ---- */

/*
 * syscall() returns like libc's wrapper (-1 and errno), as does everything
 * the epoll cases call, so results pass straight through. The real
 * syscall() is always called with six arguments: it passes six registers
 * whatever the number needs, as the kernel ignores the rest.
 */
#define REAL_SYSCALL(nr, a)						\
	REAL(syscall)(nr, (a)[0], (a)[1], (a)[2], (a)[3], (a)[4], (a)[5])

static int sys_epoll_create(int size)
{
	return REAL(syscall)(SYS_epoll_create, size);
}

static int sys_epoll_create1(int flags)
{
	return REAL(syscall)(SYS_epoll_create1, flags);
}

static const char *sys_wait_name(long nr)
{
	return nr == SYS_epoll_wait ? "SYS_epoll_wait" :
	       nr == SYS_epoll_pwait ? "SYS_epoll_pwait" : "SYS_epoll_pwait2";
}

/* The epoll system calls, on minipoll when a[0] is an instance. */
static long shim_epoll_syscall(long nr, const long a[6])
{
	struct epoll_event *ev = (struct epoll_event *)a[1];
	const char *via;
	long ret;

	switch (nr) {
	case SYS_epoll_create:
		ret = shim_create(minipoll_create, sys_epoll_create, a[0], &via);
		shim_trace(ret, via, NULL, "syscall(SYS_epoll_create, %ld)",
			   a[0]);
		return ret;
	case SYS_epoll_create1:
		ret = shim_create(minipoll_create1, sys_epoll_create1, a[0],
				  &via);
		shim_trace(ret, via, NULL, "syscall(SYS_epoll_create1, %#lx)",
			   a[0]);
		return ret;
	case SYS_epoll_ctl:
		ev = (struct epoll_event *)a[3];
		ret = SHIM_ROUTE(a[0], via,
				 mp_ctl_ioctl(a[0], a[1], a[2], ev),
				 REAL_SYSCALL(nr, a));
		shim_trace_ctl(ret, via, "syscall(SYS_epoll_ctl, ", a[0], a[1],
			       a[2], ev);
		return ret;
	case SYS_epoll_wait:
		ret = SHIM_ROUTE(a[0], via, shim_wait(a[0], ev, a[2], a[3]),
				 REAL_SYSCALL(nr, a));
		break;
	case SYS_epoll_pwait:
		ret = SHIM_ROUTE(a[0], via,
				 mp_wait_ioctl(a[0], ev, a[2], a[3], NULL, 0,
					       (const void *)a[4], a[5]),
				 REAL_SYSCALL(nr, a));
		break;
	default: /* SYS_epoll_pwait2 */
		ret = SHIM_ROUTE(a[0], via,
				 mp_wait_ioctl(a[0], ev, a[2], 0,
					       (const struct timespec *)a[3], 1,
					       (const void *)a[4], a[5]),
				 REAL_SYSCALL(nr, a));
		break;
	}
	shim_trace(ret, via, ev, "syscall(%s, %ld, %ld, %#lx, %#lx, %ld)",
		   sys_wait_name(nr), a[0], a[2], a[3], a[4], a[5]);
	return ret;
}

long syscall(long nr, ...)
{
	va_list ap;
	long a[6];
	int i;

	/*
	 * Six arguments are read whatever the caller passed, as libc's
	 * own syscall() does: on x86-64 the extra ones are stale register
	 * or stack slots, read but never used.
	 */
	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);

	switch (nr) {
	case SYS_epoll_create:
	case SYS_epoll_create1:
	case SYS_epoll_ctl:
	case SYS_epoll_wait:
	case SYS_epoll_pwait:
	case SYS_epoll_pwait2:
		return shim_epoll_syscall(nr, a);
	default:
		return REAL_SYSCALL(nr, a);
	}
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bare ioctls, for the tests that look at the module itself (its dump,
 * its tracepoints) rather than compare it with epoll through mp_impl.h.
 */
#ifndef MP_IOCTL_H
#define MP_IOCTL_H

#include <signal.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

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

/*
 * A signalfd for sig whose item (events, data) a forked child added to mp
 * on the child's own signal handlers, then exited: once it is reaped the
 * handlers are gone and their queue has said POLLFREE. The signalfd, or -1.
 */
static inline int mp_signalfd_of_reaped_child(int mp, int sig, uint32_t events, uint64_t data)
{
	sigset_t mask;
	int sfd, status;
	pid_t pid;

	sigemptyset(&mask);
	sigaddset(&mask, sig);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return -1;
	pid = fork();
	if (pid == 0)
		_exit(mp_ctl(mp, EPOLL_CTL_ADD, sfd, events, data) ? 1 : 0);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		close(sfd);
		return -1;
	}
	return sfd;
}

#endif

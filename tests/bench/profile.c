// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * mpbench's differential probes: where minipoll's instructions go next to
 * epoll's. Each probe is a call that stops at a known point of the path;
 * the difference between two probes is the cost of the stretch between
 * them (Documentation/performance.md reads them):
 *
 *   syscall        getppid(): entering and leaving the kernel
 *   badfd          the call on fd -1: + fd lookup fails (EBADF)
 *   notty          an unknown ioctl on the instance: + the ioctl entry,
 *                  the LSM hook and the driver's dispatch (ENOTTY); for
 *                  epoll, the same ioctl on the epoll fd (the VFS gives
 *                  ENOTTY; on 6.9 and later epoll's own ioctl, EINVAL)
 *   einval         a wait the module rejects after copying its argument
 *                  struct (minipoll), maxevents 0 (epoll, before the fd)
 *   wait0_raw      a wait that returns 0 at once on an empty set, as a bare
 *                  ioctl (minipoll) or epoll_wait()
 *   wait0          the same through libminipoll (+ its cancellation guard)
 *   mod_raw, mod   EPOLL_CTL_MOD of a watched fd, bare and through the library
 *   write_read     write() and read() of an eventfd one instance watches:
 *                  the wake-up callback's cost (the read's EPOLLOUT wake-up
 *                  is filtered out by both) on top of eventfd's own
 *   wait1_raw      a wait that returns one level-triggered event (never
 *                  drained, so always ready), bare
 *   cancelguard    the two pthread_setcanceltype() calls libminipoll puts
 *                  around a wait, alone
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/minipoll.h>
#include <minipoll.h>

#include "mpbench.h"

#define BAD_CMD _IO(MINIPOLL_IOC_MAGIC, 0x7f)

struct pr_ctx {
	int mp, ep, efd;
	int mp_efd, ep_efd;	/* watched by one instance only */
	int mp1, ep1;		/* one ready item each */
	struct epoll_event out[8];
};

/* Each probe returns 0 when the call ended as the probe expects. */
static int expect(int ret, int want_errno)
{
	if (want_errno)
		return ret == -1 && errno == want_errno ? 0 : (errno = EPROTO, -1);
	return ret == 0 ? 0 : (errno = EPROTO, -1);
}

static int p_syscall(void *p, long i)
{
	(void)p;
	(void)i;
	getppid();
	return 0;
}

static int p_ep_badfd(void *p, long i)
{
	struct pr_ctx *c = p;

	(void)i;
	return expect(epoll_wait(-1, c->out, 8, 0), EBADF);
}

static int p_mp_badfd(void *p, long i)
{
	struct minipoll_wait w = { 0 };

	(void)p;
	(void)i;
	return expect(ioctl(-1, MINIPOLL_IOC_WAIT, &w), EBADF);
}

static int p_ep_notty(void *p, long i)
{
	struct pr_ctx *c = p;

	(void)i;
	return ioctl(c->ep, BAD_CMD, 0) == -1 && (errno == ENOTTY || errno == EINVAL) ?
	       0 : (errno = EPROTO, -1);
}

static int p_mp_notty(void *p, long i)
{
	struct pr_ctx *c = p;

	(void)i;
	return expect(ioctl(c->mp, BAD_CMD, 0), ENOTTY);
}

static int p_ep_einval(void *p, long i)
{
	struct pr_ctx *c = p;

	(void)i;
	return expect(epoll_wait(c->ep, c->out, 0, 0), EINVAL);
}

static int p_mp_einval(void *p, long i)
{
	struct pr_ctx *c = p;
	struct minipoll_wait w = { .flags = 0x80000000u };

	(void)i;
	return expect(ioctl(c->mp, MINIPOLL_IOC_WAIT, &w), EINVAL);
}

static int p_ep_wait0(void *p, long i)
{
	struct pr_ctx *c = p;

	(void)i;
	return expect(epoll_wait(c->ep, c->out, 8, 0), 0);
}

static int p_mp_wait0_raw(void *p, long i)
{
	struct pr_ctx *c = p;
	struct minipoll_wait w = {
		.events = (uintptr_t)c->out, .maxevents = 8, .timeout_ms = 0,
	};

	(void)i;
	return expect(ioctl(c->mp, MINIPOLL_IOC_WAIT, &w), 0);
}

static int p_mp_wait0(void *p, long i)
{
	struct pr_ctx *c = p;

	(void)i;
	return expect(minipoll_wait(c->mp, c->out, 8, 0), 0);
}

static uint32_t mod_events(long i)
{
	return i & 1 ? EPOLLIN : EPOLLIN | EPOLLET;
}

static int p_ep_mod(void *p, long i)
{
	struct pr_ctx *c = p;
	struct epoll_event ev = { .events = mod_events(i) };

	return epoll_ctl(c->ep, EPOLL_CTL_MOD, c->efd, &ev);
}

static int p_mp_mod_raw(void *p, long i)
{
	struct pr_ctx *c = p;
	struct epoll_event ev = { .events = mod_events(i) };
	struct minipoll_ctl ctl = {
		.op = EPOLL_CTL_MOD, .fd = c->efd, .event = (uintptr_t)&ev,
	};

	return ioctl(c->mp, MINIPOLL_IOC_CTL, &ctl);
}

static int p_mp_mod(void *p, long i)
{
	struct pr_ctx *c = p;
	struct epoll_event ev = { .events = mod_events(i) };

	return minipoll_ctl(c->mp, EPOLL_CTL_MOD, c->efd, &ev);
}

static int write_read(int efd)
{
	uint64_t v = 1;

	if (write(efd, &v, sizeof(v)) != sizeof(v) || read(efd, &v, sizeof(v)) != sizeof(v))
		return -1;
	return 0;
}

static int p_ep_write_read(void *p, long i)
{
	(void)i;
	return write_read(((struct pr_ctx *)p)->ep_efd);
}

static int p_mp_write_read(void *p, long i)
{
	(void)i;
	return write_read(((struct pr_ctx *)p)->mp_efd);
}

static int p_ep_wait1(void *p, long i)
{
	struct pr_ctx *c = p;

	(void)i;
	return epoll_wait(c->ep1, c->out, 8, 0) == 1 ? 0 : (errno = EPROTO, -1);
}

static int p_mp_wait1_raw(void *p, long i)
{
	struct pr_ctx *c = p;
	struct minipoll_wait w = {
		.events = (uintptr_t)c->out, .maxevents = 8, .timeout_ms = 0,
	};

	(void)i;
	return ioctl(c->mp1, MINIPOLL_IOC_WAIT, &w) == 1 ? 0 : (errno = EPROTO, -1);
}

static int p_cancelguard(void *p, long i)
{
	int old;

	(void)p;
	(void)i;
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old);
	pthread_setcanceltype(old, NULL);
	return 0;
}

static const struct probe {
	const char *name, *impl;
	mpb_op op;
} probes[] = {
	{ "syscall", "kernel", p_syscall },
	{ "cancelguard", "user", p_cancelguard },
	{ "badfd", "epoll", p_ep_badfd },
	{ "badfd", "minipoll", p_mp_badfd },
	{ "notty", "epoll", p_ep_notty },
	{ "notty", "minipoll", p_mp_notty },
	{ "einval", "epoll", p_ep_einval },
	{ "einval", "minipoll", p_mp_einval },
	{ "wait0_raw", "epoll", p_ep_wait0 },
	{ "wait0_raw", "minipoll", p_mp_wait0_raw },
	{ "wait0", "epoll", p_ep_wait0 },
	{ "wait0", "minipoll", p_mp_wait0 },
	{ "mod_raw", "epoll", p_ep_mod },
	{ "mod_raw", "minipoll", p_mp_mod_raw },
	{ "mod", "epoll", p_ep_mod },
	{ "mod", "minipoll", p_mp_mod },
	{ "write_read", "epoll", p_ep_write_read },
	{ "write_read", "minipoll", p_mp_write_read },
	{ "wait1_raw", "epoll", p_ep_wait1 },
	{ "wait1_raw", "minipoll", p_mp_wait1_raw },
};

void mpb_w_profile(void)
{
	struct pr_ctx c;
	struct epoll_event ev = { .events = EPOLLIN };
	char metric[48];
	size_t i;

	int *efd = mpb_eventfds(4);

	c.mp = minipoll_create1(0);
	c.ep = epoll_create1(0);
	c.mp1 = minipoll_create1(0);
	c.ep1 = epoll_create1(0);
	if (c.mp < 0 || c.ep < 0 || c.mp1 < 0 || c.ep1 < 0)
		mp_die("profile: setup: %s", strerror(errno));
	c.efd = efd[0];
	c.mp_efd = efd[1];
	c.ep_efd = efd[2];
	mpb_efd_signal(efd[3]);		/* ready for good: the wait1 probes */
	if (minipoll_ctl(c.mp, EPOLL_CTL_ADD, c.efd, &ev) ||
	    epoll_ctl(c.ep, EPOLL_CTL_ADD, c.efd, &ev) ||
	    minipoll_ctl(c.mp, EPOLL_CTL_ADD, c.mp_efd, &ev) ||
	    epoll_ctl(c.ep, EPOLL_CTL_ADD, c.ep_efd, &ev) ||
	    minipoll_ctl(c.mp1, EPOLL_CTL_ADD, efd[3], &ev) ||
	    epoll_ctl(c.ep1, EPOLL_CTL_ADD, efd[3], &ev))
		mp_die("profile: add: %s", strerror(errno));
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		/* Recorded as "%s_<probe>", the unit filled in by mpb_record(). */
		snprintf(metric, sizeof(metric), "%%s_%s", probes[i].name);
		mpb_record(1, probes[i].impl, metric, mpb_measure(probes[i].op, &c, 10));
	}
	mpb_close_fds(efd, 4);
	close(c.ep);
	close(c.mp);
	close(c.ep1);
	close(c.mp1);
}

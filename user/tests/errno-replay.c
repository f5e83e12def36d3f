// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * errno-replay: libminipoll on fds that are not instances gives exactly
 * the running kernel's epoll answer (return value and errno), for every
 * combination of bad arguments, and has no side effect on a real epoll.
 * Needs no module: these calls never reach one.
 *
 *	minipoll_ctl/wait/pwait/pwait2(mpfd, ...)   vs   epoll_*(epfd, ...)
 *	mpfd = epfd: closed | a pipe (open, not epoll)
 *	mpfd: a real epoll, epfd: a pipe (to minipoll, an epoll fd is just
 *	      another non-instance; its interest set must stay empty)
 *	args: good | bad pointer | NULL | out of range | closed target ...
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <minipoll.h>

#include "mp_fdinfo.h"

#define BAD_PTR ((void *)1)

static int checks, failures;

/* Compare one minipoll result with epoll's; r = return, e = errno. */
static void expect_same(const char *what, int mr, int me, int er, int ee)
{
	checks++;
	if (mr == er && (mr >= 0 || me == ee))
		return;
	failures++;
	printf("not ok: %s: minipoll %d (%s), epoll %d (%s)\n", what, mr,
	       mr < 0 ? strerror(me) : "-", er, er < 0 ? strerror(ee) : "-");
}

/* A free fd number: the next open() (or the replay's stand-in) takes it. */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

static void check_ctl(int mpfd, int epfd, const char *mpname, int pipe_w,
		      int regular)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 };
	int ops[] = { EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL, 99 };
	void *evs[] = { &ev, BAD_PTR, NULL };
	/* 1000: a closed target; "lowest": one the replay's stand-in will
	 * be given, the case errno_order.c must catch. */
	int targets[] = { pipe_w, regular, 1000, -1, mpfd, 0 /* lowest */ };
	size_t o, t, p;

	for (o = 0; o < sizeof(ops) / sizeof(ops[0]); o++)
	for (t = 0; t < sizeof(targets) / sizeof(targets[0]); t++)
	for (p = 0; p < sizeof(evs) / sizeof(evs[0]); p++) {
		int fd = t == 5 ? lowest_free_fd() : targets[t];
		int mr, me, er, ee;
		char what[128];

		errno = 0;
		mr = minipoll_ctl(mpfd, ops[o], fd, evs[p]);
		me = errno;
		errno = 0;
		er = syscall(SYS_epoll_ctl, epfd, ops[o], fd, evs[p]);
		ee = errno;
		snprintf(what, sizeof(what), "ctl(%s, op %d, fd %d, event %p)",
			 mpname, ops[o], fd, evs[p]);
		expect_same(what, mr, me, er, ee);
	}
}

static void check_waits(int mpfd, int epfd, const char *mpname)
{
	struct epoll_event buf[4];
	sigset_t set;
	struct timespec ts_zero = { 0, 0 }, ts_neg = { -1, 0 },
			ts_big = { 0, 2000000000L };
	int maxes[] = { -1, 0, 1, INT_MAX };
	void *bufs[] = { buf, BAD_PTR, NULL };
	const sigset_t *masks[] = { NULL, &set, BAD_PTR };
	const struct timespec *tss[] = { NULL, &ts_zero, &ts_neg, &ts_big,
					 BAD_PTR };
	size_t m, b, s, t;

	sigemptyset(&set);
	for (m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++)
	for (b = 0; b < sizeof(bufs) / sizeof(bufs[0]); b++)
	for (s = 0; s < sizeof(masks) / sizeof(masks[0]); s++) {
		int mr, me, er, ee;
		char what[128];

		errno = 0;
		mr = minipoll_pwait(mpfd, bufs[b], maxes[m], 0, masks[s]);
		me = errno;
		errno = 0;
		er = epoll_pwait(epfd, bufs[b], maxes[m], 0, masks[s]);
		ee = errno;
		snprintf(what, sizeof(what), "pwait(%s, %p, %d, 0, %p)",
			 mpname, bufs[b], maxes[m], (void *)masks[s]);
		expect_same(what, mr, me, er, ee);

		for (t = 0; t < sizeof(tss) / sizeof(tss[0]); t++) {
			errno = 0;
			mr = minipoll_pwait2(mpfd, bufs[b], maxes[m], tss[t],
					     masks[s]);
			me = errno;
			errno = 0;
			er = epoll_pwait2(epfd, bufs[b], maxes[m], tss[t],
					  masks[s]);
			ee = errno;
			snprintf(what, sizeof(what),
				 "pwait2(%s, %p, %d, %p, %p)", mpname, bufs[b],
				 maxes[m], (void *)tss[t], (void *)masks[s]);
			expect_same(what, mr, me, er, ee);
		}
		if (s == 0) {
			errno = 0;
			mr = minipoll_wait(mpfd, bufs[b], maxes[m], 0);
			me = errno;
			errno = 0;
			er = epoll_wait(epfd, bufs[b], maxes[m], 0);
			ee = errno;
			snprintf(what, sizeof(what), "wait(%s, %p, %d, 0)",
				 mpname, bufs[b], maxes[m]);
			expect_same(what, mr, me, er, ee);
		}
	}
}

static void check_create_and_is_instance(int pipe_r)
{
	int fd, err;

	checks += 5;
	errno = 0;
	if (minipoll_create1(~EPOLL_CLOEXEC) != -1 || errno != EINVAL)
		failures++, printf("not ok: create1(bad flags) not EINVAL\n");
	if (minipoll_create(0) != -1 || errno != EINVAL)
		failures++, printf("not ok: create(0) not EINVAL\n");
	if (minipoll_is_instance(1000) != 0 || errno != EBADF)
		failures++, printf("not ok: is_instance(closed) not 0/EBADF\n");
	errno = 0;
	if (minipoll_is_instance(pipe_r) != 0 || errno != 0)
		failures++, printf("not ok: is_instance(pipe) not 0, errno kept\n");

	/* Without the module, ENOENT; with it, a real instance. */
	fd = minipoll_create1(EPOLL_CLOEXEC);
	err = errno;
	if (fd < 0 ? err != ENOENT : minipoll_is_instance(fd) != 1)
		failures++, printf("not ok: create1(EPOLL_CLOEXEC) = %d (%s)\n",
				   fd, strerror(err));
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	int p[2], regular, closed, ep;

	if (pipe2(p, O_CLOEXEC) < 0)
		return perror("pipe2"), 2;
	regular = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	/* Well above anything the stand-in or ep could be given. */
	closed = 1001;
	if (fcntl(closed, F_GETFD) != -1)
		return printf("fd %d is open\n", closed), 2;

	ep = epoll_create1(EPOLL_CLOEXEC);

	check_ctl(closed, closed, "closed", p[1], regular);
	check_ctl(p[0], p[0], "pipe", p[1], regular);
	check_ctl(ep, p[0], "epoll", p[1], regular);
	check_waits(closed, closed, "closed");
	check_waits(p[0], p[0], "pipe");
	check_waits(ep, p[0], "epoll");
	checks++;
	if (mp_fdinfo_tfds(ep, -1, NULL, 0) != 0) {
		failures++;
		printf("not ok: the real epoll's interest set changed\n");
	}
	check_create_and_is_instance(p[0]);

	printf("%s: errno-replay: %d checks, %d failures\n",
	       failures ? "FAIL" : "ok", checks, failures);
	return failures != 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * fanout_bench: how much work one write() can start through wake-up paths
 * that run from minipoll into the real epoll, which neither side counts
 * (Documentation/differences.md, "Wake-up paths that cross into the real
 * epoll").
 *
 *                  Y (a real epoll)
 *                  |  J items, all on X (one per fd number)
 *                  X (the middle instance)
 *                  |  D items, all on the pipe's read end (one per fd number)
 *              pipe <-- write(1 byte)
 *
 * An item is keyed by (file, fd), so one file can be added under every fd
 * number below RLIMIT_NOFILE: dup2() it there, ADD, close the number
 * again; past the fd numbers, D spreads over more read ends of the pipe
 * (opened through /proc/self/fd/N) and J over more Ys. Each write wakes
 * the D items of X; each of them wakes X's pollers, the J items on X: D +
 * D * J callbacks in the writer's system call, with interrupts off for up
 * to 64 * J of them at a time (the pipe's wake-up drops its lock every 64
 * entries, the nested one never).
 *
 * X is a minipoll instance ("mixed"), or for comparison a real epoll
 * ("epoll": epoll counts D * J paths of length 2 and refuses past 500) or
 * another minipoll instance under a minipoll Y ("minipoll": the same
 * limit). The tool reports how many of the J ADDs succeeded, and how long
 * writes took.
 *
 *	fanout_bench [-u] [-n WRITES] MODE D J [MODE D J ...]
 *	fanout_bench [-u] [-n WRITES] chain M E
 *
 * "chain M E" builds the deepest chain instead: the pipe in M minipoll
 * instances nested one in the next, the last of them in E real epolls
 * nested likewise. Each side lets 5 instances into a chain and sees only
 * its own, so one write's wake-up recurses through up to 10. The tool
 * reports where an ADD failed, the time of a write and whether the top
 * epoll then reports the event.
 *
 * -u: run as nobody (uid/gid 65534) after raising RLIMIT_NOFILE's soft
 * limit to the hard one, as any user may. Not a test: `make check` does
 * not run it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/param.h>
#include <sys/resource.h>

#include "mp_ioctl.h"

enum mode { MIXED, EPOLL, MINIPOLL, CHAIN };

static const char *const mode_name[] = { "mixed", "epoll", "minipoll", "chain" };

static int writes = 5;

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static int new_minipoll(void)
{
	return open("/dev/minipoll", O_RDWR | O_CLOEXEC);
}

static int add(int ep, bool is_minipoll, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = fd };

	if (is_minipoll)
		return mp_ctl(ep, EPOLL_CTL_ADD, fd, EPOLLIN, fd);
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/*
 * Add @file to @ep under up to @n fd numbers from @first on; returns how
 * many ADDs succeeded, *err the errno of the one that failed (0 if none).
 */
static int add_many(int ep, bool is_minipoll, int file, int first, int n, int *err)
{
	int i, fd;

	*err = 0;
	for (i = 0; i < n; i++) {
		fd = first + i;
		if (dup2(file, fd) != fd) {
			*err = errno;
			break;
		}
		if (add(ep, is_minipoll, fd)) {
			*err = errno;
			close(fd);
			break;
		}
		close(fd);
	}
	return i;
}

/* Time @writes one-byte writes to p[1], each read back; ns, in order. */
static void time_writes(int p[2], long *ns)
{
	char c = 'x';
	long t0;
	int i;

	for (i = 0; i < writes; i++) {
		t0 = now_ns();
		if (write(p[1], &c, 1) != 1) {
			perror("write");
			exit(1);
		}
		ns[i] = now_ns() - t0;
		if (read(p[0], &c, 1) != 1) {
			perror("read");
			exit(1);
		}
	}
}

/* Files held open (pipe, X, read ends, Ys) stay below this fd number. */
#define KEY_FD_BASE	64

/*
 * Add the D items to X spread over as many read ends of the pipe as the fd
 * numbers require (opening /proc/self/fd/N again gives another file of the
 * same pipe, on the same wait queue), and the J items on X spread over as
 * many Ys.
 */
static void run(enum mode mode, int d, int j)
{
	bool x_mp = mode != EPOLL, y_mp = mode == MINIPOLL;
	int p[2], x, y[KEY_FD_BASE], r[KEY_FD_BASE], nr, ny, range, got_d = 0, got_j = 0;
	int err_d = 0, err_j = 0, i, n;
	long ns[64], first, median;
	struct rlimit rl;
	char path[64];
	double calls;

	getrlimit(RLIMIT_NOFILE, &rl);
	range = (int)rl.rlim_cur - KEY_FD_BASE;
	nr = (d + range - 1) / range;
	ny = (j + range - 1) / range;
	if (range <= 0 || nr + ny + 8 > KEY_FD_BASE) {
		fprintf(stderr, "fanout_bench: D or J too large for RLIMIT_NOFILE\n");
		exit(2);
	}
	if (pipe2(p, O_CLOEXEC)) {
		perror("pipe2");
		exit(1);
	}
	r[0] = p[0];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	for (i = 1; i < nr; i++) {
		r[i] = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (r[i] < 0) {
			perror("reopen the pipe");
			exit(1);
		}
	}
	x = x_mp ? new_minipoll() : epoll_create1(EPOLL_CLOEXEC);
	if (x < 0) {
		perror("create");
		exit(1);
	}
	for (i = 0; i < ny; i++) {
		y[i] = y_mp ? new_minipoll() : epoll_create1(EPOLL_CLOEXEC);
		if (y[i] < 0) {
			perror("create");
			exit(1);
		}
	}
	for (i = 0; i < nr && !err_d; i++)
		got_d += add_many(x, x_mp, r[i], KEY_FD_BASE, MIN(d - got_d, range), &err_d);
	for (i = 0; i < ny && !err_j; i++)
		got_j += add_many(y[i], y_mp, x, KEY_FD_BASE, MIN(j - got_j, range), &err_j);

	time_writes(p, ns);
	first = ns[0];
	qsort(ns, writes, sizeof(ns[0]), cmp_long);
	median = ns[writes / 2];
	calls = got_d + (double)got_d * got_j;
	printf("%-8s D=%d", mode_name[mode], got_d);
	if (err_d)
		printf(" (ADD %d: %s)", got_d + 1, strerrorname_np(err_d));
	printf(" J=%d", got_j);
	if (err_j)
		printf(" (ADD %d: %s)", got_j + 1, strerrorname_np(err_j));
	printf(": %.0f callbacks per write; write() %ld us first, %ld us median of %d",
	       calls, first / 1000, median / 1000, writes);
	if (calls >= 1000)
		printf(", %.0f ns per callback", median / calls);
	printf("\n");
	fflush(stdout);

	for (n = 0; n < ny; n++)
		close(y[n]);
	close(x);
	for (n = 1; n < nr; n++)
		close(r[n]);
	close(p[0]);
	close(p[1]);
}

#define CHAIN_MAX 8

static void chain(int m, int e)
{
	int p[2], mp[CHAIN_MAX], ep[CHAIN_MAX], got_m, got_e, err = 0, n;
	struct epoll_event ev;
	long ns[64];

	if (m < 1 || e < 1 || m > CHAIN_MAX || e > CHAIN_MAX) {
		fprintf(stderr, "fanout_bench: chain lengths are 1 to %d\n", CHAIN_MAX);
		exit(2);
	}
	if (pipe2(p, O_CLOEXEC)) {
		perror("pipe2");
		exit(1);
	}
	for (got_m = 0; got_m < m; got_m++) {
		mp[got_m] = new_minipoll();
		if (mp[got_m] < 0) {
			perror("open /dev/minipoll");
			exit(1);
		}
		if (add(mp[got_m], true, got_m ? mp[got_m - 1] : p[0])) {
			err = errno;
			close(mp[got_m]);
			break;
		}
	}
	for (got_e = 0; got_e < e && !err && got_m; got_e++) {
		ep[got_e] = epoll_create1(EPOLL_CLOEXEC);
		if (add(ep[got_e], false, got_e ? ep[got_e - 1] : mp[got_m - 1])) {
			err = errno;
			close(ep[got_e]);
			break;
		}
	}

	time_writes(p, ns);
	/* The last write's byte was read back: write one more and leave it. */
	if (write(p[1], "x", 1) != 1) {
		perror("write");
		exit(1);
	}
	n = got_e ? epoll_wait(ep[got_e - 1], &ev, 1, 0) : -1;
	printf("chain    M=%d E=%d", got_m, got_e);
	if (err)
		printf(" (next ADD: %s)", strerrorname_np(err));
	printf(": write() %ld us first; the top epoll reports %d event%s\n", ns[0] / 1000,
	       n, n == 1 ? "" : "s");
	fflush(stdout);
	while (got_e)
		close(ep[--got_e]);
	while (got_m)
		close(mp[--got_m]);
	close(p[0]);
	close(p[1]);
}

static void limits(void)
{
	char buf[64];
	struct rlimit rl;
	FILE *f;

	getrlimit(RLIMIT_NOFILE, &rl);
	printf("uid %d, RLIMIT_NOFILE %lu/%lu", (int)getuid(), (unsigned long)rl.rlim_cur,
	       (unsigned long)rl.rlim_max);
	f = fopen("/proc/sys/fs/epoll/max_user_watches", "r");
	if (f && fgets(buf, sizeof(buf), f))
		printf(", epoll max_user_watches %ld", atol(buf));
	if (f)
		fclose(f);
	f = fopen("/sys/module/minipoll/parameters/max_user_watches", "r");
	if (f && fgets(buf, sizeof(buf), f))
		printf(", minipoll max_user_watches %ld", atol(buf));
	if (f)
		fclose(f);
	printf("\n");
}

static enum mode parse_mode(const char *s)
{
	int m;

	for (m = MIXED; m <= CHAIN; m++)
		if (!strcmp(s, mode_name[m]))
			return m;
	fprintf(stderr, "fanout_bench: unknown mode '%s'\n", s);
	exit(2);
}

int main(int argc, char **argv)
{
	bool nobody = false;
	struct rlimit rl;
	int opt, i;

	while ((opt = getopt(argc, argv, "un:")) != -1) {
		switch (opt) {
		case 'u':
			nobody = true;
			break;
		case 'n':
			writes = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (writes < 1 || writes > 64 || optind == argc || (argc - optind) % 3)
		goto usage;

	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (nobody && (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		       setresuid(65534, 65534, 65534))) {
		perror("fanout_bench: becoming nobody");
		return 1;
	}
	limits();
	for (i = optind; i < argc; i += 3) {
		enum mode mode = parse_mode(argv[i]);

		if (mode == CHAIN)
			chain(atoi(argv[i + 1]), atoi(argv[i + 2]));
		else
			run(mode, atoi(argv[i + 1]), atoi(argv[i + 2]));
	}
	return 0;

usage:
	fprintf(stderr, "usage: fanout_bench [-u] [-n WRITES (1-64)] {mixed|epoll|minipoll} D J | chain M E ...\n");
	return 2;
}

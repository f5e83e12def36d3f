// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * What every mpbench workload stands on: the clock, a loop of many
 * iterations timed as a whole less the cost of the loop itself, passes
 * that time their own phases; and the fixtures: the eventfds a workload
 * watches, a set watching them on each mechanism in turn, signalling and
 * draining them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "mpbench.h"

/* ---- Timing ---- */

uint64_t mpb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int empty_op(void *ctx, long i)
{
	(void)ctx;
	(void)i;
	return 0;
}

/* The cost of a timed loop around nothing, subtracted from every loop. */
static double loop_overhead;

/* Not inlined: the empty loop must be the very loop the workloads run. */
static __attribute__((noinline)) double timed_loop(mpb_op op, void *ctx, long iters)
{
	uint64_t t0, t1;
	long i;

	t0 = mpb_now();
	for (i = 0; i < iters; i++)
		if (op(ctx, i))
			mp_die("an operation failed: %s", strerror(errno));
	t1 = mpb_now();
	return (double)(t1 - t0);
}

#define MPB_MAX_ITERS 1000000

double mpb_measure(mpb_op op, void *ctx, long min_iters)
{
	long warm = min_iters < 4 ? min_iters : 4, iters;
	double est, total;

	/* Warm up (first-touch page faults, lazy allocations), estimate. */
	est = timed_loop(op, ctx, warm) / warm;
	iters = est > 0 ? (long)(mpb_opts.budget / est) : MPB_MAX_ITERS;
	if (iters < min_iters)
		iters = min_iters;
	if (iters > MPB_MAX_ITERS)
		iters = MPB_MAX_ITERS;
	total = timed_loop(op, ctx, iters) - loop_overhead * iters;
	return total / iters;
}

/* The least of several runs: another guest task may interrupt one. */
void mpb_calibrate(void)
{
	/* volatile: calls through a pointer unknown to the compiler */
	mpb_op volatile empty = empty_op;
	long iters = 10000;
	double c;
	int i;

	loop_overhead = 0;
	for (i = 0; i < 10; i++) {
		c = timed_loop(empty, NULL, iters) / iters;
		if (i == 0 || c < loop_overhead)
			loop_overhead = c;
	}
	mpb_note("timed-loop overhead %.2f %s per iteration", loop_overhead,
		 mpb_unit());
}

long mpb_passes(void (*pass)(void *ctx, uint64_t *t), void *ctx,
		uint64_t pass_cost, uint64_t *t)
{
	long passes = mpb_opts.budget / pass_cost + 1, p;
	uint64_t warm[MPB_PHASES] = { 0 };

	pass(ctx, warm);
	if (passes == 1) {
		memcpy(t, warm, sizeof(warm));
		return 1;
	}
	for (p = 1; p < passes; p++)
		pass(ctx, t);
	return passes - 1;
}

/* ---- Fixtures ---- */

int *mpb_eventfds(long n)
{
	int *fds = malloc(n * sizeof(*fds));
	long i;

	if (!fds)
		mp_die("out of memory");
	for (i = 0; i < n; i++) {
		fds[i] = eventfd(0, EFD_NONBLOCK);
		if (fds[i] < 0)
			mp_die("eventfd #%ld: %s", i, strerror(errno));
	}
	return fds;
}

void mpb_close_fds(int *fds, long n)
{
	long i;

	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
}

struct mpb_set *mpb_set_create(const struct mpb_impl *im, const int *fds,
			       long n, uint32_t events)
{
	struct mpb_set *s = im->create(im, n);
	long i;

	for (i = 0; i < n; i++)
		if (im->add(s, fds[i], events))
			mp_die("%s: add fd %d (#%ld): %s", im->name, fds[i], i,
			       strerror(errno));
	mpb_settle();
	return s;
}

void mpb_for_each_n_impl(long min_n, void (*fn)(const struct mpb_impl *im,
						const int *fds, long n))
{
	int k;

	for (k = 0; mpb_opts.ns[k]; k++) {
		long n = mpb_opts.ns[k];
		int *fds, j;

		if (n < min_n)
			continue;
		fds = mpb_eventfds(n);
		for (j = 0; mpb_impls[j]; j++)
			if (mpb_impl_selected(mpb_impls[j]) && n <= mpb_impls[j]->max_n)
				fn(mpb_impls[j], fds, n);
		mpb_close_fds(fds, n);
	}
}

void mpb_sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * Let the kernel finish the work a set-up deferred before the first timed
 * loop: minipoll's table of watched files grows in a kworker, and that
 * rehash (millions of instructions at 100,000 files) would otherwise land
 * in whichever figure runs next. Sleeping costs nothing under icount.
 */
void mpb_settle(void)
{
	mpb_sleep_us(50000);
}

void mpb_efd_signal(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		mp_die("eventfd write: %s", strerror(errno));
}

void mpb_efd_drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) != sizeof(v) && errno != EAGAIN)
		mp_die("eventfd read: %s", strerror(errno));
}

void mpb_efd_spread(const int *fds, long n, long k, void (*fn)(int fd))
{
	long i;

	for (i = 0; i < k; i++)
		fn(fds[i * (n / k)]);
}

// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * mpbench's timing: a loop of many iterations timed as a whole, less the
 * cost of the loop itself, and passes that time their own phases.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "mpbench.h"

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

double mpb_measure(mpb_op op, void *ctx, long min_iters, long max_iters)
{
	long warm = min_iters < 4 ? min_iters : 4, iters;
	double est, total;

	/* Warm up (first-touch page faults, lazy allocations), estimate. */
	est = timed_loop(op, ctx, warm) / warm;
	iters = est > 0 ? (long)(mpb_opts.budget / est) : max_iters;
	if (iters < min_iters)
		iters = min_iters;
	if (iters > max_iters)
		iters = max_iters;
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

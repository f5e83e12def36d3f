/* SPDX-License-Identifier: MIT OR LGPL-2.1-or-later */
/*
 * mpbench: minipoll against epoll, poll and select, in instructions (in a
 * guest booted with scripts/vm-run --icount, where CLOCK_MONOTONIC counts
 * one nanosecond per instruction) or in wall-clock nanoseconds (--wall).
 *
 * Every measurement is a loop of many iterations timed as a whole; the
 * figure recorded is the loop's cost divided by its iterations. Results are
 * records {workload, n, impl, metric, value}, written as JSON and as a
 * table (results.c). Each workload is one entry of the table of workloads
 * (main.c); each waiting mechanism is one struct mpb_impl (impl.c).
 */
#ifndef MPBENCH_H
#define MPBENCH_H

#include <stdint.h>
#include <sys/epoll.h>

#include "tool.h"

/* ---- Options ---- */

struct mpb_opts {
	int wall;		/* --wall: units are ns, not instructions */
	int quick;		/* --quick: smoke-test sizes */
	int verbose;
	uint64_t budget;	/* clock units spent per measurement */
	int ns[8];		/* the N values to run, 0-terminated */
	const char *impls;	/* comma-separated filter, or NULL for all */
};

extern struct mpb_opts mpb_opts;

/* ---- Workloads ---- */

struct mpb_impl;

struct mpb_workload {
	const char *name;	/* as in results.json */
	const char *what;	/* one line for --list and --help */
	/* For every N and selected mechanism (mpb_for_each_n_impl)... */
	void (*each)(const struct mpb_impl *im, const int *fds, long n);
	/* ...or, when each is NULL, once. */
	void (*run)(void);
};

void mpb_w_roundtrip(const struct mpb_impl *im, const int *fds, long n);
void mpb_w_ctl(const struct mpb_impl *im, const int *fds, long n);
void mpb_w_kready(const struct mpb_impl *im, const int *fds, long n);
void mpb_w_wakeup(const struct mpb_impl *im, const int *fds, long n);
void mpb_w_ctl_batch(const struct mpb_impl *im, const int *fds, long n);
void mpb_w_ring(const struct mpb_impl *im, const int *fds, long n);
void mpb_w_ring_fed(const struct mpb_impl *im, const int *fds, long n);
void mpb_w_herd(void);
void mpb_w_memory(void);
void mpb_w_profile(void);

/* ---- Results (results.c) ---- */

/* The unit of timed metrics: "instr" (icount) or "ns" (--wall). */
const char *mpb_unit(void);
/* The workload the records that follow belong to. */
void mpb_begin(const struct mpb_workload *w);
/* Record one result; metric may contain "%s", replaced by mpb_unit(). */
void mpb_record(long n, const char *impl, const char *metric, double value);
void mpb_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mpb_write_json(const char *path);
/* The table, with the verdicts; returns the number of missed targets. */
int mpb_print_table(void);

/* ---- Timing (harness.c) ---- */

uint64_t mpb_now(void);
/* Measure the cost of the timed loop itself, subtracted from every loop. */
void mpb_calibrate(void);

/*
 * Run op(ctx, i) for a number of iterations chosen so that the loop takes
 * about mpb_opts.budget clock units (at least min_iters, at most a
 * million), after a few warm-up iterations; return the cost of one
 * iteration. op returns 0, or -1 for a failure (fatal: a benchmark whose
 * operation fails measures nothing).
 */
typedef int (*mpb_op)(void *ctx, long i);
double mpb_measure(mpb_op op, void *ctx, long min_iters);

/*
 * For loops that time their phases themselves: pass(ctx, t) adds the time
 * of each phase to t[0], t[1], ... (up to MPB_PHASES; t zeroed by the
 * caller). Runs enough passes for the budget, pass_cost an estimate of one;
 * the first is a warm-up, left out when there are more. Returns the
 * number of passes in t.
 */
#define MPB_PHASES 4
long mpb_passes(void (*pass)(void *ctx, uint64_t *t), void *ctx,
		uint64_t pass_cost, uint64_t *t);

/* ---- Waiting mechanisms ---- */

/*
 * One interest set on one mechanism. For poll and select the set is the
 * caller's array (struct pollfd[], fd_set), kept up to date by add, mod and
 * del in user space, as a program using them keeps it.
 */
struct mpb_set;
struct mp_impl;

struct mpb_impl {
	const char *name;	/* "minipoll", "epoll", "poll", "select" */
	long max_n;		/* the most fds it can watch here */
	/* The calls of an interest set in the kernel; NULL for poll, select. */
	const struct mp_impl *api;
	struct mpb_set *(*create)(const struct mpb_impl *im, long capacity);
	int (*add)(struct mpb_set *s, int fd, uint32_t events);
	int (*mod)(struct mpb_set *s, int fd, uint32_t events);
	int (*del)(struct mpb_set *s, int fd);
	/* Ready events into out[0..max), like epoll_wait(); timeout in ms. */
	int (*wait)(struct mpb_set *s, struct epoll_event *out, int max,
		    int timeout);
	void (*destroy)(struct mpb_set *s);
	/* The instance's fd (minipoll, epoll), else -1. */
	int (*fd)(struct mpb_set *s);
};

extern const struct mpb_impl *const mpb_impls[];	/* NULL-terminated */
int mpb_impl_selected(const struct mpb_impl *im);

/* ---- Shared fixtures (harness.c) ---- */

/* n fresh eventfds (non-blocking), or the process dies trying. */
int *mpb_eventfds(long n);
void mpb_close_fds(int *fds, long n);
/* A set of im watching fds[0..n) for events, settled (mpb_settle()). */
struct mpb_set *mpb_set_create(const struct mpb_impl *im, const int *fds,
			       long n, uint32_t events);
void mpb_sleep_us(long us);
/* Sleep a moment so that work the kernel deferred is done before timing. */
void mpb_settle(void);
/*
 * For every N of the options (from min_n up) a fresh set of N eventfds,
 * and fn(im, fds, N) for every selected mechanism that can hold N.
 */
void mpb_for_each_n_impl(long min_n, void (*fn)(const struct mpb_impl *im,
						const int *fds, long n));
void mpb_efd_signal(int fd);
void mpb_efd_drain(int fd);
/* fn() on k of fds[0..n), spread evenly: the ready ones of a K of N. */
void mpb_efd_spread(const int *fds, long n, long k, void (*fn)(int fd));

#endif /* MPBENCH_H */

// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * mpbench's single-threaded workloads: 1 (round trip), 2 (ctl) and 3 (K
 * ready of N). Each runs, for every N, one fresh set of N eventfds under
 * every selected mechanism in turn.
 */
#include <errno.h>
#include <string.h>

#include "mpbench.h"

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

/* ---- 1. Round trip: write + wait + read, one active fd of N ---- */

struct rt_ctx {
	const struct mpb_impl *im;
	struct mpb_set *s;
	int active;
};

static int rt_op(void *p, long i)
{
	struct rt_ctx *c = p;
	struct epoll_event out[8];

	(void)i;
	mpb_efd_signal(c->active);
	if (c->im->wait(c->s, out, 8, -1) != 1 || out[0].data.fd != c->active)
		return errno = EPROTO, -1;
	mpb_efd_drain(c->active);
	return 0;
}

static void roundtrip_one(const struct mpb_impl *im, const int *fds, long n)
{
	struct rt_ctx c = { im, mpb_watch_all(im, fds, n), fds[n / 2] };

	mpb_record("roundtrip", n, im->name, "%s_per_roundtrip",
		   mpb_measure(rt_op, &c, 3, 1000000));
	im->destroy(c.s);
}

void mpb_w_roundtrip(void)
{
	mpb_for_each_n_impl(0, roundtrip_one);
}

/* ---- 2. ctl: ADD, MOD, DEL and an ADD+DEL pair with N watched ---- */

struct ctl_ctx {
	const struct mpb_impl *im;
	struct mpb_set *s;
	const int *fds;
	long n;
};

/* DEL then ADD again of one watched fd: the set keeps N members. */
static int ctl_pair_op(void *p, long i)
{
	struct ctl_ctx *c = p;
	int fd = c->fds[i % c->n];

	if (c->im->del(c->s, fd))
		return -1;
	return c->im->add(c->s, fd, EPOLLIN);
}

/* Switch between level and edge triggering: neither makes an fd ready. */
static int ctl_mod_op(void *p, long i)
{
	struct ctl_ctx *c = p;

	return c->im->mod(c->s, c->fds[i % c->n],
			  (i / c->n) & 1 ? EPOLLIN : EPOLLIN | EPOLLET);
}

static void ctl_one(const struct mpb_impl *im, const int *fds, long n)
{
	struct ctl_ctx c = { im, mpb_watch_all(im, fds, n), fds, n };
	/* ADD and DEL alone: delete m of the N, then add them back. */
	long m = n < 256 ? (n + 1) / 2 : 256, passes, p, i;
	uint64_t t_add = 0, t_del = 0, t0, t1, t2;

	mpb_record("ctl", n, im->name, "%s_per_add_del",
		   mpb_measure(ctl_pair_op, &c, 3, 1000000));
	mpb_record("ctl", n, im->name, "%s_per_mod",
		   mpb_measure(ctl_mod_op, &c, 3, 1000000));
	passes = mpb_opts.budget / (m * 4000) + 1;
	for (p = 0; p < passes; p++) {
		t0 = mpb_now();
		for (i = 0; i < m; i++)
			if (im->del(c.s, fds[i]))
				mp_die("%s: del: %s", im->name, strerror(errno));
		t1 = mpb_now();
		for (i = 0; i < m; i++)
			if (im->add(c.s, fds[i], EPOLLIN))
				mp_die("%s: add: %s", im->name, strerror(errno));
		t2 = mpb_now();
		/* The first pass is the warm-up. */
		if (p || passes == 1) {
			t_del += t1 - t0;
			t_add += t2 - t1;
		}
	}
	if (passes > 1)
		passes--;
	mpb_record("ctl", n, im->name, "%s_per_add", (double)t_add / (passes * m));
	mpb_record("ctl", n, im->name, "%s_per_del", (double)t_del / (passes * m));
	im->destroy(c.s);
}

void mpb_w_ctl(void)
{
	mpb_for_each_n_impl(0, ctl_one);
}

/* ---- 3. K ready of N: the cost of one wait, per harvested event ---- */

struct kr_ctx {
	const struct mpb_impl *im;
	struct mpb_set *s;
	struct epoll_event out[64];
	int k;
};

static int kr_op(void *p, long i)
{
	struct kr_ctx *c = p;

	(void)i;
	/* Level-triggered and never drained: the same K are ready each time. */
	if (c->im->wait(c->s, c->out, c->k, 0) != c->k)
		return errno = EPROTO, -1;
	return 0;
}

static void kready_one(const struct mpb_impl *im, const int *fds, long n)
{
	struct kr_ctx c = { .im = im, .k = n < 64 ? n : 64 };
	long i;

	c.s = mpb_watch_all(im, fds, n);
	/* Spread the K ready fds over the N. */
	for (i = 0; i < c.k; i++)
		mpb_efd_signal(fds[i * (n / c.k)]);
	mpb_record("kready", n, im->name, "%s_per_event",
		   mpb_measure(kr_op, &c, 3, 1000000) / c.k);
	for (i = 0; i < c.k; i++)
		mpb_efd_drain(fds[i * (n / c.k)]);
	im->destroy(c.s);
}

void mpb_w_kready(void)
{
	mpb_for_each_n_impl(0, kready_one);
}

// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * mpbench's single-threaded workloads: 1 (round trip), 2 (ctl) and 3 (K
 * ready of N), each one N on one mechanism.
 */
#include <errno.h>
#include <string.h>

#include "mpbench.h"

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

void mpb_w_roundtrip(const struct mpb_impl *im, const int *fds, long n)
{
	struct rt_ctx c = { im, mpb_set_create(im, fds, n, EPOLLIN), fds[n / 2] };

	mpb_record(n, im->name, "%s_per_roundtrip", mpb_measure(rt_op, &c, 3));
	im->destroy(c.s);
}

/* ---- 2. ctl: ADD, MOD, DEL and an ADD+DEL pair with N watched ---- */

struct ctl_ctx {
	const struct mpb_impl *im;
	struct mpb_set *s;
	const int *fds;
	long n;
	long m;		/* deleted and added back by ctl_pass() */
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

/* ADD and DEL alone: delete m of the N (t[0]), then add them back (t[1]). */
static void ctl_pass(void *p, uint64_t *t)
{
	struct ctl_ctx *c = p;
	const struct mpb_impl *im = c->im;
	const int *fds = c->fds;
	long i, m = c->m;
	uint64_t t0, t1, t2;

	t0 = mpb_now();
	for (i = 0; i < m; i++)
		if (im->del(c->s, fds[i]))
			mp_die("%s: del: %s", im->name, strerror(errno));
	t1 = mpb_now();
	for (i = 0; i < m; i++)
		if (im->add(c->s, fds[i], EPOLLIN))
			mp_die("%s: add: %s", im->name, strerror(errno));
	t2 = mpb_now();
	t[0] += t1 - t0;
	t[1] += t2 - t1;
}

void mpb_w_ctl(const struct mpb_impl *im, const int *fds, long n)
{
	struct ctl_ctx c = { im, mpb_set_create(im, fds, n, EPOLLIN), fds, n,
			     n < 256 ? (n + 1) / 2 : 256 };
	uint64_t t[MPB_PHASES] = { 0 };
	long passes;

	mpb_record(n, im->name, "%s_per_add_del", mpb_measure(ctl_pair_op, &c, 3));
	mpb_record(n, im->name, "%s_per_mod", mpb_measure(ctl_mod_op, &c, 3));
	passes = mpb_passes(ctl_pass, &c, c.m * 4000, t);
	mpb_record(n, im->name, "%s_per_add", (double)t[1] / (passes * c.m));
	mpb_record(n, im->name, "%s_per_del", (double)t[0] / (passes * c.m));
	im->destroy(c.s);
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

void mpb_w_kready(const struct mpb_impl *im, const int *fds, long n)
{
	struct kr_ctx c = { .im = im, .k = n < 64 ? n : 64 };

	c.s = mpb_set_create(im, fds, n, EPOLLIN);
	mpb_efd_spread(fds, n, c.k, mpb_efd_signal);
	mpb_record(n, im->name, "%s_per_event", mpb_measure(kr_op, &c, 3) / c.k);
	mpb_efd_spread(fds, n, c.k, mpb_efd_drain);
	im->destroy(c.s);
}

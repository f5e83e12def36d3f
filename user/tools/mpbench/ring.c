// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * mpbench: the ready ring against epoll_wait() in workload 3's setting: K =
 * min(64, N) of N ready, level-triggered and never drained, harvested K at
 * a time; minipoll through minipoll_ring_wait() on a ring of 64 slots,
 * epoll through epoll_wait(). No target: the fed ring below is the one
 * that can beat epoll_wait().
 *
 * A ring is filled only when empty, by one transfer of up to its size: at
 * K = 64 and 64 slots every wait is a fill, as every epoll_wait() is a
 * system call. So a second figure takes 8 events a call (per_event_take8):
 * there the ring makes one system call per 64 events where epoll_wait()
 * makes one per 8.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <minipoll.h>

#include "mpbench.h"

#define RING_K 64

struct rg_ctx {
	struct minipoll_ring *ring;
	int epfd, k, take;
	struct epoll_event out[RING_K];
};

static int rg_ring_op(void *p, long i)
{
	struct rg_ctx *c = p;

	(void)i;
	return minipoll_ring_wait(c->ring, c->out, c->take, 0) == c->take ? 0 : (errno = EPROTO, -1);
}

static int rg_epoll_op(void *p, long i)
{
	struct rg_ctx *c = p;

	(void)i;
	return epoll_wait(c->epfd, c->out, c->take, 0) == c->take ? 0 : (errno = EPROTO, -1);
}

/* The cost per event of taking c->take at a time. */
static void ring_record(struct rg_ctx *c, long n, const char *impl,
			const char *metric)
{
	mpb_record(n, impl, metric,
		   mpb_measure(c->ring ? rg_ring_op : rg_epoll_op, c, 3,
			       1000000) / c->take);
}

void mpb_w_ring(const struct mpb_impl *im, const int *fds, long n)
{
	struct rg_ctx c = { .k = n < RING_K ? n : RING_K };
	struct mpb_set *s;

	if (!im->kernel_set)
		return;		/* poll and select: see kready */
	s = mpb_set_create(im, fds, n, EPOLLIN);
	mpb_efd_spread(fds, n, c.k, mpb_efd_signal);
	if (!strcmp(im->name, "minipoll")) {
		c.ring = minipoll_ring_open(im->fd(s), RING_K);
		if (!c.ring)
			mp_die("minipoll_ring_open: %s", strerror(errno));
	} else {
		c.epfd = im->fd(s);
	}
	c.take = c.k;
	ring_record(&c, n, im->name, "%s_per_event");
	/* 8 at a time: K/8 calls use up one fill of the ring (K = 64). */
	if (c.k % 8 == 0) {
		c.take = 8;
		ring_record(&c, n, im->name, "%s_per_event_take8");
	}
	if (c.ring)
		minipoll_ring_close(c.ring);
	mpb_efd_spread(fds, n, c.k, mpb_efd_drain);
	im->destroy(s);
}

/*
 * The fed ring: K = min(64, N) of N eventfds watched edge-triggered get a
 * new edge (a write) and are harvested, K at a time; minipoll through a
 * fed ring (the callback publishes, the harvest makes no system call),
 * epoll through epoll_wait(). The figure per event is the mechanism's
 * whole share: the wake-up callback inside the write plus the harvest -
 * the writes' own cost, measured on K eventfds nobody watches, is taken
 * out.
 */
struct fed_ctx {
	struct minipoll_ring *ring;
	int epfd, k;
	const int *fds;
	long n;
	struct epoll_event out[RING_K];
};

static void fed_signal(struct fed_ctx *c)
{
	long i;

	for (i = 0; i < c->k; i++)
		mpb_efd_signal(c->fds[i * (c->n / c->k)]);
}

static int fed_writes_op(void *p, long i)
{
	(void)i;
	fed_signal(p);
	return 0;
}

static int fed_ring_op(void *p, long i)
{
	struct fed_ctx *c = p;

	(void)i;
	fed_signal(c);
	return minipoll_ring_wait(c->ring, c->out, c->k, 0) == c->k ? 0 : (errno = EPROTO, -1);
}

static int fed_epoll_op(void *p, long i)
{
	struct fed_ctx *c = p;

	(void)i;
	fed_signal(c);
	return epoll_wait(c->epfd, c->out, c->k, 0) == c->k ? 0 : (errno = EPROTO, -1);
}

void mpb_w_ring_fed(const struct mpb_impl *im, const int *fds, long n)
{
	struct fed_ctx c = { .k = n < RING_K ? n : RING_K, .fds = fds, .n = n };
	struct fed_ctx idle = c;
	struct mpb_set *s;
	double writes;
	int *spare;

	if (!im->kernel_set)
		return;
	s = mpb_set_create(im, fds, n, EPOLLIN | EPOLLET);
	if (!strcmp(im->name, "minipoll")) {
		c.ring = minipoll_ring_open2(im->fd(s), RING_K, MINIPOLL_RING_OPEN_FED);
		if (!c.ring)
			mp_die("minipoll_ring_open2: %s", strerror(errno));
	} else {
		c.epfd = im->fd(s);
	}
	/* The same writes to eventfds nobody watches: the part to take out. */
	spare = mpb_eventfds(c.k);
	idle.fds = spare;
	idle.n = c.k;
	writes = mpb_measure(fed_writes_op, &idle, 3, 1000000);
	mpb_record(n, im->name, "%s_per_event",
		   (mpb_measure(c.ring ? fed_ring_op : fed_epoll_op, &c, 3, 1000000) - writes) /
		   c.k);
	mpb_close_fds(spare, c.k);
	if (c.ring)
		minipoll_ring_close(c.ring);
	im->destroy(s);
}

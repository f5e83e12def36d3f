// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * mpbench: what minipoll does that epoll cannot, against the nearest thing
 * epoll has; on the kernel's interest sets only (poll and select have no
 * batch and no ring). The targets are in results.c.
 *
 * ctl_batch: registering, modifying and removing N fds with
 * minipoll_ctl_batch() (up to MP_BATCH operations a call) against N
 * epoll_ctl() calls. A batch saves each operation's share of the call
 * (entry, copies, lock round trip).
 *
 * ring: the ready ring against epoll_wait() in workload 3's setting: K =
 * min(64, N) of N ready, level-triggered and never drained, harvested K at
 * a time; minipoll through minipoll_ring_wait() on a ring of 64 slots,
 * epoll through epoll_wait(). No target: the fed ring is the one that can
 * beat epoll_wait(). A ring is filled only when empty, by one transfer of
 * up to its size: at K = 64 and 64 slots every wait is a fill, as every
 * epoll_wait() is a system call. So a second figure takes 8 events a call
 * (per_event_take8): there the ring makes one system call per 64 events
 * where epoll_wait() makes one per 8.
 *
 * ring_fed: K = min(64, N) of N eventfds watched edge-triggered get a new
 * edge (a write) and are harvested, K at a time; minipoll through a fed
 * ring (the callback publishes, the harvest makes no system call), epoll
 * through epoll_wait(). Two figures per event: per_event, the harvest
 * alone, timed apart from the writes (the target's "per event against
 * epoll_wait()'s"); per_event_with_wakeup, the mechanism's whole share,
 * the wake-up callback inside the write plus the harvest - the writes'
 * own cost, measured on K eventfds nobody watches, taken out. A fed ring
 * moves work from the harvest into the callback: the second figure shows
 * what that costs the writer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <minipoll.h>

#include "mpbench.h"

/* The most operations minipoll_ctl_batch() takes in one call. */
#define MP_BATCH 65536
#define RING_K 64

static int is_minipoll(const struct mpb_impl *im)
{
	return !strcmp(im->name, "minipoll");
}

/*
 * A set of im watching fds[0..n) for events and, on minipoll, a ring of
 * RING_K slots opened with flags (*ring); on epoll, the set's fd (*epfd).
 */
static struct mpb_set *ring_set(const struct mpb_impl *im, const int *fds,
				long n, uint32_t events, unsigned int flags,
				struct minipoll_ring **ring, int *epfd)
{
	struct mpb_set *s = mpb_set_create(im, fds, n, events);

	if (!is_minipoll(im)) {
		*epfd = im->fd(s);
		return s;
	}
	*ring = minipoll_ring_open2(im->fd(s), RING_K, flags);
	if (!*ring)
		mp_die("minipoll_ring_open2: %s", strerror(errno));
	return s;
}

static void ring_set_destroy(const struct mpb_impl *im, struct mpb_set *s,
			     struct minipoll_ring *ring)
{
	if (ring)
		minipoll_ring_close(ring);
	im->destroy(s);
}

enum { B_ADD, B_MOD, B_DEL, B_NR };
static const int batch_op[B_NR] = { EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL };
static const char *const batch_metric[B_NR] = {
	"%s_per_add", "%s_per_mod", "%s_per_del",
};

static void batch_fill(struct minipoll_ctl_op *ops, const int *fds, long n, int op)
{
	long i;

	for (i = 0; i < n; i++)
		ops[i] = (struct minipoll_ctl_op){
			.op = op, .fd = fds[i],
			.events = op == EPOLL_CTL_MOD ? EPOLLIN | EPOLLET : EPOLLIN,
			.data.fd = fds[i],
		};
}

static void batch_apply(int mpfd, struct minipoll_ctl_op *ops, long n)
{
	long done, i;

	for (done = 0; done < n; done += MP_BATCH) {
		unsigned int nr = n - done < MP_BATCH ? n - done : MP_BATCH;

		if (minipoll_ctl_batch(mpfd, ops + done, nr) != (int)nr)
			mp_die("minipoll_ctl_batch: %s", strerror(errno));
	}
	for (i = 0; i < n; i++)
		if (ops[i].result)
			mp_die("minipoll_ctl_batch: op %ld: %s", i, strerror(-ops[i].result));
}

static void epoll_apply(int epfd, const int *fds, long n, int op)
{
	struct epoll_event ev;
	long i;

	for (i = 0; i < n; i++) {
		ev.events = op == EPOLL_CTL_MOD ? EPOLLIN | EPOLLET : EPOLLIN;
		ev.data.fd = fds[i];
		if (epoll_ctl(epfd, op, fds[i], &ev))
			mp_die("epoll_ctl: %s", strerror(errno));
	}
}

struct cb_ctx {
	int is_mp, fd;
	struct minipoll_ctl_op *ops[B_NR];	/* minipoll's, built once */
	const int *fds;
	long n;
};

/* One pass: ADD, MOD, DEL of all n, each timed into t[]. */
static void batch_pass(void *p, uint64_t *t)
{
	struct cb_ctx *c = p;
	int b;

	for (b = 0; b < B_NR; b++) {
		uint64_t t0 = mpb_now();

		if (c->is_mp)
			batch_apply(c->fd, c->ops[b], c->n);
		else
			epoll_apply(c->fd, c->fds, c->n, batch_op[b]);
		t[b] += mpb_now() - t0;
	}
}

void mpb_w_ctl_batch(const struct mpb_impl *im, const int *fds, long n)
{
	struct cb_ctx c = { .is_mp = is_minipoll(im), .fds = fds, .n = n };
	uint64_t t[MPB_PHASES] = { 0 };
	struct mpb_set *s;
	long passes;
	int b;

	if (!im->api)
		return;		/* poll and select have nothing to batch */
	s = im->create(im, n);
	c.fd = im->fd(s);
	/* The op arrays are built outside the timed part, once. */
	for (b = 0; c.is_mp && b < B_NR; b++) {
		c.ops[b] = malloc(n * sizeof(*c.ops[b]));
		if (!c.ops[b])
			mp_die("out of memory");
		batch_fill(c.ops[b], fds, n, batch_op[b]);
	}
	passes = mpb_passes(batch_pass, &c, n * 3000, t);
	for (b = 0; b < B_NR; b++) {
		mpb_record(n, im->name, batch_metric[b], (double)t[b] / (passes * n));
		free(c.ops[b]);
	}
	im->destroy(s);
}

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
		   mpb_measure(c->ring ? rg_ring_op : rg_epoll_op, c, 3) / c->take);
}

void mpb_w_ring(const struct mpb_impl *im, const int *fds, long n)
{
	struct rg_ctx c = { .k = n < RING_K ? n : RING_K };
	struct mpb_set *s;

	if (!im->api)
		return;		/* poll and select: see kready */
	s = ring_set(im, fds, n, EPOLLIN, 0, &c.ring, &c.epfd);
	mpb_efd_spread(fds, n, c.k, mpb_efd_signal);
	c.take = c.k;
	ring_record(&c, n, im->name, "%s_per_event");
	/* 8 at a time: K/8 calls use up one fill of the ring (K = 64). */
	if (c.k % 8 == 0) {
		c.take = 8;
		ring_record(&c, n, im->name, "%s_per_event_take8");
	}
	mpb_efd_spread(fds, n, c.k, mpb_efd_drain);
	ring_set_destroy(im, s, c.ring);
}

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

/* Take the K new edges: from the fed ring, or with epoll_wait(). */
static int fed_harvest(struct fed_ctx *c)
{
	return c->ring ? minipoll_ring_wait(c->ring, c->out, c->k, 0) :
			 epoll_wait(c->epfd, c->out, c->k, 0);
}

static int fed_op(void *p, long i)
{
	struct fed_ctx *c = p;

	(void)i;
	fed_signal(c);
	return fed_harvest(c) == c->k ? 0 : (errno = EPROTO, -1);
}

/* The writes (t[0]), then their harvest (t[1]), timed apart. */
static void fed_pass(void *p, uint64_t *t)
{
	struct fed_ctx *c = p;
	uint64_t t0, t1, t2;
	int got;

	t0 = mpb_now();
	fed_signal(c);
	t1 = mpb_now();
	got = fed_harvest(c);
	t2 = mpb_now();
	if (got != c->k)
		mp_die("ring_fed: harvested %d of %d: %s", got, c->k, strerror(errno));
	t[0] += t1 - t0;
	t[1] += t2 - t1;
}

void mpb_w_ring_fed(const struct mpb_impl *im, const int *fds, long n)
{
	struct fed_ctx c = { .k = n < RING_K ? n : RING_K, .fds = fds, .n = n };
	struct fed_ctx idle = c;
	uint64_t t[MPB_PHASES] = { 0 };
	struct mpb_set *s;
	double writes;
	long passes;
	int *spare;

	if (!im->api)
		return;
	s = ring_set(im, fds, n, EPOLLIN | EPOLLET, MINIPOLL_RING_OPEN_FED,
		     &c.ring, &c.epfd);
	/* The same writes to eventfds nobody watches: the part to take out. */
	spare = mpb_eventfds(c.k);
	idle.fds = spare;
	idle.n = c.k;
	writes = mpb_measure(fed_writes_op, &idle, 3);
	passes = mpb_passes(fed_pass, &c, c.k * 2000, t);
	mpb_record(n, im->name, "%s_per_event", (double)t[1] / (passes * c.k));
	mpb_record(n, im->name, "%s_per_event_with_wakeup",
		   (mpb_measure(fed_op, &c, 3) - writes) / c.k);
	mpb_close_fds(spare, c.k);
	ring_set_destroy(im, s, c.ring);
}

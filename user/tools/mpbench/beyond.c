// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * mpbench: what minipoll does that epoll cannot, against the nearest thing
 * epoll has.
 *
 * ctl_batch: registering, modifying and removing N fds with
 * minipoll_ctl_batch() (up to MP_BATCH operations a call) against N
 * epoll_ctl() calls. A batch saves each operation's share of the call
 * (entry, copies, lock round trip); the targets are in results.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <minipoll.h>

#include "mpbench.h"

/* The most operations minipoll_ctl_batch() takes in one call. */
#define MP_BATCH 65536

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
	struct cb_ctx c = { .is_mp = !strcmp(im->name, "minipoll"), .fds = fds, .n = n };
	uint64_t t[MPB_PHASES] = { 0 };
	struct mpb_set *s;
	long passes;
	int b;

	if (!im->kernel_set)
		return;		/* poll and select have nothing to batch */
	s = im->create(n);
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

// SPDX-License-Identifier: GPL-2.0
/*
 * batch_test: MINIPOLL_IOC_CTL_BATCH and minipoll_ctl_batch(), which go
 * beyond epoll.
 *
 * Differential scenarios: on minipoll the ops go in one batch; on epoll
 * (the oracle) the same ops are made one by one with epoll_ctl(). Each
 * op's result and the events waits see afterwards must be identical:
 * that is the batch's contract (every op attempted, in order, each with
 * the errno epoll_ctl() would give at that point). The raw tests check
 * what has no epoll counterpart: the batch's own errors.
 */
#include "mp_impl.h"
#include "minipoll.h"

#include <linux/minipoll.h>

#define NOFD		9999

MP_FIXTURE(batch);

/*
 * Apply ops[0..n) to ep: in one batch on minipoll, one by one elsewhere.
 * Records the batch's return and every op's result.
 */
static void batch(struct mp_tr *t, const struct mp_impl *I, int ep,
		  struct minipoll_ctl_op *ops, unsigned int n)
{
	unsigned int i;
	int ret;

	if (I == &mp_minipoll) {
		ret = minipoll_ctl_batch(ep, ops, n);
	} else {
		for (i = 0; i < n; i++) {
			struct epoll_event ev = { .events = ops[i].events, .data = ops[i].data };

			ops[i].result = I->ctl(ep, ops[i].op, ops[i].fd,
					       ops[i].op == EPOLL_CTL_DEL ? NULL : &ev) ? -errno : 0;
		}
		ret = n;
	}
	NOTE("batch of %u = %d", n, ret);
	for (i = 0; i < n; i++)
		NOTE("  op %u: %d fd %d %#x -> %s", i, ops[i].op, ops[i].fd, ops[i].events,
		     ops[i].result ? mp_errname(-ops[i].result) : "0");
}

#define OP(o, f, e, d) ((struct minipoll_ctl_op){ .op = (o), .fd = (f), .events = (e), \
						  .data.u64 = (d) })

/* Every per-op error of epoll_ctl() in one batch, between ops that work. */
MP_SCENARIO(batch, errors_and_successes)
{
	struct epoll_event evs[8];
	int ep, p[2], efd, reg, closed;

	ep = I->create1(EPOLL_CLOEXEC);
	REQUIRE(ep >= 0 && !mp_pipe(p));
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	reg = memfd_create("batch", MFD_CLOEXEC);
	closed = open("/dev/null", O_RDONLY | O_CLOEXEC);
	REQUIRE(efd >= 0 && reg >= 0 && closed >= 0);
	close(closed);

	struct minipoll_ctl_op ops[] = {
		OP(EPOLL_CTL_ADD, p[0], EPOLLIN, 1),
		OP(EPOLL_CTL_ADD, efd, EPOLLIN | EPOLLET, 2),
		OP(EPOLL_CTL_ADD, p[0], EPOLLIN, 3),			/* EEXIST */
		OP(EPOLL_CTL_MOD, p[1], EPOLLOUT, 4),			/* ENOENT */
		OP(EPOLL_CTL_DEL, p[1], 0, 5),				/* ENOENT */
		OP(EPOLL_CTL_ADD, NOFD, EPOLLIN, 6),			/* EBADF */
		OP(EPOLL_CTL_ADD, closed, EPOLLIN, 7),			/* EBADF */
		OP(EPOLL_CTL_ADD, reg, EPOLLIN, 8),			/* EPERM */
		OP(EPOLL_CTL_ADD, ep, EPOLLIN, 9),			/* EINVAL: itself */
		OP(EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLEXCLUSIVE | EPOLLONESHOT, 10),
		OP(EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLEXCLUSIVE, 11),
		OP(EPOLL_CTL_MOD, p[1], EPOLLOUT | EPOLLEXCLUSIVE, 12),	/* EINVAL */
		OP(EPOLL_CTL_MOD, p[1], EPOLLOUT, 13),			/* EINVAL: exclusive */
		OP(99, p[0], EPOLLIN, 14),				/* EINVAL: op */
		OP(EPOLL_CTL_ADD, reg, EPOLLIN, 15),			/* EPERM before EBADF? */
		OP(EPOLL_CTL_MOD, efd, EPOLLIN | EPOLLONESHOT, 16),
		OP(EPOLL_CTL_DEL, p[0], 0, 17),
		OP(EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLRDNORM, 18),
		OP(EPOLL_CTL_DEL, p[1], EPOLLIN, 19),
	};
	batch(t, I, ep, ops, sizeof(ops) / sizeof(ops[0]));

	REQUIRE(mp_put(p[1], "x") == 1 && !mp_efd_write(efd, 1));
	W(evs, I->wait(ep, evs, 8, 0));
	W(evs, I->wait(ep, evs, 8, 0));
	REQUIRE(!mp_efd_write(efd, 1));
	W(evs, I->wait(ep, evs, 8, 0));		/* ONESHOT: disarmed */
	FDINFO(ep);
}

/* ADD, MOD and DEL over many fds, then what is ready, in order. */
MP_SCENARIO(batch, many)
{
	enum { N = 1000 };
	static struct minipoll_ctl_op ops[3 * N];
	static int efd[N];
	struct epoll_event evs[64];
	unsigned int i, n = 0;
	int ep, r;

	REQUIRE(mp_raise_nofile(N + 64) == 0);
	ep = I->create1(EPOLL_CLOEXEC);
	REQUIRE(ep >= 0);
	for (i = 0; i < N; i++) {
		efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		REQUIRE(efd[i] >= 0);
		/* Some are ready when added: they queue in op order. */
		if (i % 7 == 0)
			REQUIRE(!mp_efd_write(efd[i], 1));
	}
	for (i = 0; i < N; i++)
		ops[n++] = OP(EPOLL_CTL_ADD, efd[i], EPOLLIN | (i % 3 ? 0 : EPOLLET), i);
	for (i = 0; i < N; i += 2)
		ops[n++] = OP(EPOLL_CTL_MOD, efd[i], EPOLLIN | EPOLLOUT, 100000 + i);
	for (i = 0; i < N; i += 3)
		ops[n++] = OP(EPOLL_CTL_DEL, efd[i], 0, 0);
	for (i = 0; i < N; i += 5)
		ops[n++] = OP(EPOLL_CTL_ADD, efd[i], EPOLLIN, 200000 + i);

	if (I == &mp_minipoll) {
		r = minipoll_ctl_batch(ep, ops, n);
	} else {
		for (i = 0; i < n; i++) {
			struct epoll_event ev = { .events = ops[i].events, .data = ops[i].data };

			ops[i].result = I->ctl(ep, ops[i].op, ops[i].fd, &ev) ? -errno : 0;
		}
		r = n;
	}
	NOTE("batch of %u = %d", n, r);
	/* Results, compressed: the errno of each op that failed. */
	for (i = 0; i < n; i++)
		if (ops[i].result)
			NOTE("op %u: %s", i, mp_errname(-ops[i].result));

	for (i = N / 2; i < N; i += 11)
		REQUIRE(!mp_efd_write(efd[i], 1));
	while (W(evs, I->wait(ep, evs, 64, 0)) == 64)
		;
	W(evs, I->wait(ep, evs, 64, 0));
}

/*
 * Nested instances: ADDs that need the loop and path checks take the slow
 * path in the middle of a batch. A watches B; a batch on B that adds A
 * gets ELOOP and goes on. Then a batch on A, which is now watched by a
 * parent P, so every ADD on it runs the full checks.
 */
MP_SCENARIO(batch, nested_eloop)
{
	struct epoll_event evs[8];
	int a, b, c, par, p[2];

	a = I->create1(EPOLL_CLOEXEC);
	b = I->create1(EPOLL_CLOEXEC);
	c = I->create1(EPOLL_CLOEXEC);
	par = I->create1(EPOLL_CLOEXEC);
	REQUIRE(a >= 0 && b >= 0 && c >= 0 && par >= 0 && !mp_pipe(p));
	tr_tag(t, a, "A");
	tr_tag(t, b, "B");
	tr_tag(t, c, "C");

	struct minipoll_ctl_op on_a[] = {
		OP(EPOLL_CTL_ADD, b, EPOLLIN, 1),
	};
	batch(t, I, a, on_a, 1);

	struct minipoll_ctl_op on_b[] = {
		OP(EPOLL_CTL_ADD, c, EPOLLIN, 2),
		OP(EPOLL_CTL_ADD, a, EPOLLIN, 3),		/* ELOOP */
		OP(EPOLL_CTL_ADD, p[0], EPOLLIN, 4),
		OP(EPOLL_CTL_ADD, a, EPOLLIN, 5),		/* ELOOP again */
		OP(EPOLL_CTL_DEL, c, 0, 6),
	};
	batch(t, I, b, on_b, 5);

	REQUIRE(I->ctl(par, EPOLL_CTL_ADD, a, EV(EPOLLIN, 7)) == 0);
	struct minipoll_ctl_op on_a2[] = {
		OP(EPOLL_CTL_ADD, p[0], EPOLLIN, 8),
		OP(EPOLL_CTL_ADD, c, EPOLLIN, 9),
		OP(EPOLL_CTL_ADD, par, EPOLLIN, 10),		/* ELOOP */
		OP(EPOLL_CTL_ADD, p[0], EPOLLIN, 11),		/* EEXIST */
		OP(EPOLL_CTL_MOD, c, EPOLLIN | EPOLLET, 12),
	};
	batch(t, I, a, on_a2, 5);

	REQUIRE(mp_put(p[1], "x") == 1);
	W(evs, I->wait(par, evs, 8, 0));
	W(evs, I->wait(a, evs, 8, 0));
	W(evs, I->wait(b, evs, 8, 0));
}

/* ------------------------------------------------------------------------ */
/* The batch's own errors: no epoll counterpart */

MP_RAW_FIXTURE(raw);

static int raw_batch(int mp, uint64_t ops, uint32_t nr, uint32_t flags, uint64_t res)
{
	struct minipoll_ctl_batch b = {
		.ops = ops, .nr = nr, .flags = flags, .__reserved = res,
	};

	return ioctl(mp, MINIPOLL_IOC_CTL_BATCH, &b);
}

TEST_F(raw, layout)
{
	EXPECT_EQ(32, (int)sizeof(struct minipoll_batch_op));
	EXPECT_EQ(24, (int)sizeof(struct minipoll_ctl_batch));
	EXPECT_EQ(sizeof(struct minipoll_batch_op), sizeof(struct minipoll_ctl_op));
}

TEST_F(raw, bad_pointers_efault)
{
	struct minipoll_ctl_op op = OP(EPOLL_CTL_ADD, 0, EPOLLIN, 0);
	void *ro;

	NEED_RAW_MINIPOLL();
	op.fd = self->p[0];
	errno = 0;
	EXPECT_EQ(-1, raw_batch(self->mp, 1, 1, 0, 0));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, raw_batch(self->mp, 0xffff888000000000ULL, 4, 0, 0));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->mp, MINIPOLL_IOC_CTL_BATCH, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, minipoll_ctl_batch(self->mp, (void *)16, 3));
	EXPECT_EQ(EFAULT, errno);
	/* Nothing was applied. */
	EXPECT_EQ(0, minipoll_ctl(self->mp, EPOLL_CTL_ADD, self->p[0], EV(EPOLLIN, 0)));
	EXPECT_EQ(0, minipoll_ctl(self->mp, EPOLL_CTL_DEL, self->p[0], NULL));

	/* Readable, not writable: the results cannot be stored. */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	memcpy(ro, &op, sizeof(op));
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	errno = 0;
	EXPECT_EQ(-1, minipoll_ctl_batch(self->mp, ro, 1));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, 4096);
}

/* An array that ends in an unmapped page: the ops before it are applied. */
TEST_F(raw, partial_array)
{
	enum { N = 40 };
	struct minipoll_ctl_op *ops;
	int efd[N], r, i;
	char *map;

	NEED_RAW_MINIPOLL();
	map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, munmap(map + 4096, 4096));
	/* The last 8 entries fall into the hole. */
	ops = (struct minipoll_ctl_op *)(map + 4096) - (N - 8);
	for (i = 0; i < N - 8; i++) {
		efd[i] = eventfd(0, EFD_CLOEXEC);
		ASSERT_LE(0, efd[i]);
		ops[i] = OP(EPOLL_CTL_ADD, efd[i], EPOLLIN, i);
	}
	r = minipoll_ctl_batch(self->mp, ops, N);
	ASSERT_LE(0, r);
	ASSERT_GE(N - 8, r);
	for (i = 0; i < N - 8; i++) {
		if (i < r)
			EXPECT_EQ(0, ops[i].result);
		/* Applied exactly the first r ops. */
		EXPECT_EQ(i < r ? 0 : -1, minipoll_ctl(self->mp, EPOLL_CTL_DEL, efd[i], NULL));
		close(efd[i]);
	}
	munmap(map, 4096);
}

TEST_F(raw, sizes_and_reserved_einval)
{
	struct minipoll_ctl_op ops[3] = {
		OP(EPOLL_CTL_ADD, 0, EPOLLIN, 1),
		OP(EPOLL_CTL_ADD, 0, EPOLLIN, 2),
		OP(EPOLL_CTL_ADD, 0, EPOLLIN, 3),
	};

	NEED_RAW_MINIPOLL();
	errno = 0;
	EXPECT_EQ(-1, minipoll_ctl_batch(self->mp, ops, MINIPOLL_CTL_BATCH_MAX + 1));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, minipoll_ctl_batch(self->mp, ops, ~0U));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, raw_batch(self->mp, (uintptr_t)ops, 1, 1, 0));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, raw_batch(self->mp, (uintptr_t)ops, 1, 0x80000000U, 0));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, raw_batch(self->mp, (uintptr_t)ops, 1, 0, 1ULL << 63));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, minipoll_ctl_batch(self->mp, ops, 0));
	EXPECT_EQ(0, minipoll_ctl_batch(self->mp, NULL, 0));

	/* Per op: EINVAL for that op only, which is not applied. */
	ops[0].fd = ops[1].fd = self->p[0];
	ops[2].fd = self->p[1];
	ops[0].flags = 1;
	ops[1].reserved = 1U << 31;
	ops[2].events = EPOLLOUT;
	EXPECT_EQ(3, minipoll_ctl_batch(self->mp, ops, 3));
	EXPECT_EQ(-EINVAL, ops[0].result);
	EXPECT_EQ(-EINVAL, ops[1].result);
	EXPECT_EQ(0, ops[2].result);
	EXPECT_EQ(-1, minipoll_ctl(self->mp, EPOLL_CTL_DEL, self->p[0], NULL));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, minipoll_ctl(self->mp, EPOLL_CTL_DEL, self->p[1], NULL));
}

/* mpfd itself: not open EBADF, not an instance EINVAL, as epoll_ctl(). */
TEST_F(raw, bad_instance)
{
	struct minipoll_ctl_op op = OP(EPOLL_CTL_ADD, 0, EPOLLIN, 1);
	int ep = epoll_create1(EPOLL_CLOEXEC);

	NEED_RAW_MINIPOLL();
	op.fd = self->p[0];
	errno = 0;
	EXPECT_EQ(-1, minipoll_ctl_batch(NOFD, &op, 1));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, minipoll_ctl_batch(self->p[0], &op, 1));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, minipoll_ctl_batch(ep, &op, 1));
	EXPECT_EQ(EINVAL, errno);
	close(ep);
}

TEST_HARNESS_MAIN

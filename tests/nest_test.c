// SPDX-License-Identifier: GPL-2.0
/*
 * nest_test: instances inside instances (EPOLL-SEMANTICS 4.8): wakeups
 * through a chain, poll() on an instance, the depth and loop checks (ELOOP)
 * measured bottom-up and top-down, the reverse-path limits (EINVAL), and an
 * instance inside a real epoll. Compared with epoll.
 *
 * One difference is by design and tested on its own, minipoll only: a real
 * epoll cannot be put inside a minipoll instance (EOPNOTSUPP), because
 * neither side could see a cycle through the other.
 */
#include "mp_impl.h"

MP_FIXTURE(nest);

/* Create n instances into e[0..n-1]. */
static bool instances_open(const struct mp_impl *I, int *e, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		e[i] = I->create1(0);
		if (e[i] < 0)
			return false;
	}
	return true;
}

/*
 * The chain most scenarios start from: a pipe's read end in inner
 * (IN, data 0x1), inner in outer (events, data 0x2).
 */
struct chain {
	int outer, inner, p[2];
};

static bool chain_open(struct mp_tr *t, const struct mp_impl *I, struct chain *c,
		       uint32_t events)
{
	c->outer = I->create1(0);
	c->inner = I->create1(0);
	if (c->outer < 0 || c->inner < 0 || mp_pipe(c->p))
		return false;
	R(I->ctl(c->inner, EPOLL_CTL_ADD, c->p[0], EV(EPOLLIN, 0x1)));
	R(I->ctl(c->outer, EPOLL_CTL_ADD, c->inner, EV(events, 0x2)));
	return true;
}

static void chain_close(struct chain *c)
{
	MP_CLOSE(c->outer, c->inner, c->p[0], c->p[1]);
}

/*
 *     outer
 *       | (IN)
 *     inner
 *       | (IN)
 *      p[0]
 *
 * A write to the pipe makes inner readable, which outer reports.
 */
MP_SCENARIO(nest, chain_of_two)
{
	struct epoll_event evs[4];
	struct chain c;

	REQUIRE(chain_open(t, I, &c, EPOLLIN | EPOLLOUT | EPOLLRDNORM));
	W(evs, I->wait(c.outer, evs, 4, 0));
	REQUIRE(mp_put(c.p[1], "x") == 1);
	W(evs, I->wait(c.outer, evs, 4, 0));
	W(evs, I->wait(c.outer, evs, 4, 0));
	W(evs, I->wait(c.inner, evs, 4, 0));
	mp_drain(c.p[0]);
	W(evs, I->wait(c.outer, evs, 4, 0));
	FDINFO(c.outer);
	chain_close(&c);
}

/*
 *     outer
 *       | (ET)
 *     inner
 *      / \
 *    a    b     (ET in inner)
 *
 * Every wakeup of inner is a new edge for outer, and draining inner makes
 * outer's LT item go away.
 */
MP_SCENARIO(nest, et_outer_lt_outer)
{
	struct epoll_event evs[4];
	int outer, inner, a[2], b[2];

	outer = I->create1(0);
	inner = I->create1(0);
	REQUIRE(outer >= 0 && inner >= 0 && mp_pipe(a) == 0 && mp_pipe(b) == 0);
	R(I->ctl(inner, EPOLL_CTL_ADD, a[0], EV(EPOLLIN | EPOLLET, 0xa)));
	R(I->ctl(inner, EPOLL_CTL_ADD, b[0], EV(EPOLLIN | EPOLLET, 0xb)));
	R(I->ctl(outer, EPOLL_CTL_ADD, inner, EV(EPOLLIN | EPOLLET, 0x1)));
	REQUIRE(mp_put(a[1], "x") == 1);
	W(evs, I->wait(outer, evs, 4, 0));
	W(evs, I->wait(outer, evs, 4, 0));
	REQUIRE(mp_put(b[1], "x") == 1);
	W(evs, I->wait(outer, evs, 4, 0));
	REQUIRE(mp_put(a[1], "x") == 1);
	W(evs, I->wait(outer, evs, 4, 0));
	NOTE("now level-triggered in outer:");
	R(I->ctl(outer, EPOLL_CTL_MOD, inner, EV(EPOLLIN, 0x2)));
	W(evs, I->wait(outer, evs, 4, 0));
	W(evs, I->wait(inner, evs, 4, 0));
	W(evs, I->wait(outer, evs, 4, 0));
	MP_CLOSE(outer, inner, a[0], a[1], b[0], b[1]);
}

/*
 *     inst
 *      / \
 *    a    b
 *
 * poll() on an instance: POLLIN only when an item is really ready; a queued
 * item whose readiness is gone does not count (and is dropped).
 */
MP_SCENARIO(nest, poll_on_instance)
{
	struct epoll_event evs[4];
	struct pollfd pfd;
	int ep, a[2], b[2];

	ep = I->create1(0);
	REQUIRE(ep >= 0 && mp_pipe(a) == 0 && mp_pipe(b) == 0);
	pfd = (struct pollfd){ .fd = ep, .events = POLLIN | POLLOUT | POLLPRI | POLLRDNORM };
	R(I->ctl(ep, EPOLL_CTL_ADD, a[0], EV(EPOLLIN, 0xa)));
	R(I->ctl(ep, EPOLL_CTL_ADD, b[0], EV(EPOLLIN | EPOLLET, 0xb)));
	R(poll(&pfd, 1, 0));
	NOTE("revents %#x", pfd.revents);
	REQUIRE(mp_put(a[1], "x") == 1);
	R(poll(&pfd, 1, 0));
	NOTE("revents %#x", pfd.revents);
	mp_drain(a[0]);
	R(poll(&pfd, 1, 0));
	NOTE("revents %#x (queued but no longer ready)", pfd.revents);
	REQUIRE(mp_put(b[1], "x") == 1);
	R(poll(&pfd, 1, 0));
	NOTE("revents %#x", pfd.revents);
	R(poll(&pfd, 1, 0));
	NOTE("revents %#x (polling does not consume an ET event)", pfd.revents);
	W(evs, I->wait(ep, evs, 4, 0));
	R(poll(&pfd, 1, 0));
	NOTE("revents %#x", pfd.revents);
	MP_CLOSE(ep, a[0], a[1], b[0], b[1]);
}

struct blocked_poll {
	int fd;
	int ret;
	short revents;
	pid_t tid;
};

static void *poll_thread(void *arg)
{
	struct blocked_poll *bp = arg;
	struct pollfd pfd = { .fd = bp->fd, .events = POLLIN };

	bp->tid = mp_gettid();
	bp->ret = poll(&pfd, 1, 20000);
	bp->revents = pfd.revents;
	return NULL;
}

struct blocked_wait {
	const struct mp_impl *I;
	int ep;
	int ret;
	struct epoll_event ev[4];
	pid_t tid;
};

static void *wait_thread(void *arg)
{
	struct blocked_wait *bw = arg;

	bw->tid = mp_gettid();
	bw->ret = bw->I->wait(bw->ep, bw->ev, 4, 20000);
	return NULL;
}

/*
 *   thread A: poll(top)      thread B: wait(top)
 *                \              /
 *                 top
 *                  |
 *                 mid
 *                  |
 *                 bot
 *                  |
 *                 p[0]   <-- write
 *
 * A wakeup from the bottom of a chain reaches a poller and a waiter at its top.
 */
MP_SCENARIO(nest, wakeup_through_chain)
{
	struct blocked_poll bp = { 0 };
	struct blocked_wait bw = { 0 };
	int top, mid, bot, p[2];
	pthread_t ta, tb;

	top = I->create1(0);
	mid = I->create1(0);
	bot = I->create1(0);
	REQUIRE(top >= 0 && mid >= 0 && bot >= 0 && mp_pipe(p) == 0);
	R(I->ctl(bot, EPOLL_CTL_ADD, p[0], EV(EPOLLIN, 0x1)));
	R(I->ctl(mid, EPOLL_CTL_ADD, bot, EV(EPOLLIN, 0x2)));
	R(I->ctl(top, EPOLL_CTL_ADD, mid, EV(EPOLLIN, 0x3)));
	bp.fd = top;
	bw.I = I;
	bw.ep = top;
	ta = mp_thread(poll_thread, &bp);
	tb = mp_thread(wait_thread, &bw);
	while (!bp.tid || !bw.tid)
		mp_msleep(5);
	mp_wait_blocked(bp.tid);
	mp_wait_blocked(bw.tid);
	REQUIRE(mp_put(p[1], "x") == 1);
	mp_join(ta);
	mp_join(tb);
	NOTE("poll: %d, revents %#x", bp.ret, bp.revents);
	tr_events(t, __LINE__, "wait in thread B", bw.ret, 0, bw.ev, 4);
	MP_CLOSE(top, mid, bot, p[0], p[1]);
}

/*
 *   e7 ... e2
 *    |      |
 *   ...    e1
 *           |
 *          p[0]
 *
 * Bottom-up: e1 watches the pipe, e2 watches e1, and so on: at most five
 * instances in a chain, the sixth ADD is ELOOP.
 */
MP_SCENARIO(nest, eloop_bottom_up)
{
	int e[8], p[2], i;

	REQUIRE(mp_pipe(p) == 0 && instances_open(I, e + 1, 7));
	R(I->ctl(e[1], EPOLL_CTL_ADD, p[0], EV(EPOLLIN, 1)));
	for (i = 2; i < 8; i++) {
		NOTE("e%d <- e%d", i, i - 1);
		R(I->ctl(e[i], EPOLL_CTL_ADD, e[i - 1], EV(EPOLLIN, i)));
	}
	mp_close_fds(e + 1, 7);
	MP_CLOSE(p[0], p[1]);
}

/*
 *   t0
 *    |
 *   t1
 *    |
 *   ...      Top-down: t1 is added into t0 first, then t2 into t1, ...
 *    |
 *   t6
 */
MP_SCENARIO(nest, eloop_top_down)
{
	int e[8], p[2], i;

	REQUIRE(mp_pipe(p) == 0 && instances_open(I, e, 8));
	for (i = 1; i < 8; i++) {
		NOTE("t%d <- t%d", i - 1, i);
		R(I->ctl(e[i - 1], EPOLL_CTL_ADD, e[i], EV(EPOLLIN, i)));
	}
	/* a plain file at the bottom of the longest chain is fine */
	R(I->ctl(e[4], EPOLL_CTL_ADD, p[0], EV(EPOLLIN, 100)));
	mp_close_fds(e, 8);
	MP_CLOSE(p[0], p[1]);
}

/*
 *   a1 -> a2 -> a3        two chains joined in the middle: the depth of
 *   b1 -> b2 -> b3        the result counts both halves.
 *
 * ("x -> y": x is inside y.)
 */
MP_SCENARIO(nest, eloop_joined_chains)
{
	int a[4], b[4], c[3];

	REQUIRE(instances_open(I, a + 1, 3) && instances_open(I, b + 1, 3) &&
		instances_open(I, c, 3));
	R(I->ctl(a[2], EPOLL_CTL_ADD, a[1], EV(EPOLLIN, 1)));
	R(I->ctl(a[3], EPOLL_CTL_ADD, a[2], EV(EPOLLIN, 2)));
	R(I->ctl(b[2], EPOLL_CTL_ADD, b[1], EV(EPOLLIN, 3)));
	R(I->ctl(b[3], EPOLL_CTL_ADD, b[2], EV(EPOLLIN, 4)));
	NOTE("a3 (depth 3 below) into b1 (2 above): 3 + 3 = 6 instances");
	R(I->ctl(b[1], EPOLL_CTL_ADD, a[3], EV(EPOLLIN, 5)));
	NOTE("a2 (2 below) into b1: 2 + 3 = 5");
	R(I->ctl(b[1], EPOLL_CTL_ADD, a[2], EV(EPOLLIN, 6)));
	NOTE("a1 into b2 too (a second path to a1)");
	R(I->ctl(b[2], EPOLL_CTL_ADD, a[1], EV(EPOLLIN, 7)));
	NOTE("a3 into c0, then c0 into b1: 4 + 3 = 7");
	R(I->ctl(c[0], EPOLL_CTL_ADD, a[3], EV(EPOLLIN, 8)));
	R(I->ctl(b[1], EPOLL_CTL_ADD, c[0], EV(EPOLLIN, 9)));
	NOTE("c1 -> c2 -> b3? b3 is 3 deep: 3 + 2 = 5 ok, then one more on top");
	R(I->ctl(c[1], EPOLL_CTL_ADD, b[3], EV(EPOLLIN, 10)));
	R(I->ctl(c[2], EPOLL_CTL_ADD, c[1], EV(EPOLLIN, 11)));
	mp_close_fds(a + 1, 3);
	mp_close_fds(b + 1, 3);
	mp_close_fds(c, 3);
}

/*
 *   e1 -> e2 -> e1 ?      cycles of two and three instances: ELOOP,
 *   e1 -> e2 -> e3 -> e1 ?    and ELOOP comes before EEXIST.
 */
MP_SCENARIO(nest, eloop_cycles)
{
	int e[4];

	REQUIRE(instances_open(I, e + 1, 3));
	R(I->ctl(e[2], EPOLL_CTL_ADD, e[1], EV(EPOLLIN, 1)));
	R(I->ctl(e[1], EPOLL_CTL_ADD, e[2], EV(EPOLLIN, 2)));
	R(I->ctl(e[3], EPOLL_CTL_ADD, e[2], EV(EPOLLIN, 3)));
	R(I->ctl(e[1], EPOLL_CTL_ADD, e[3], EV(EPOLLIN, 4)));
	R(I->ctl(e[2], EPOLL_CTL_ADD, e[1], EV(EPOLLIN, 5)));
	R(I->ctl(e[2], EPOLL_CTL_MOD, e[1], EV(EPOLLOUT, 6)));
	R(I->ctl(e[2], EPOLL_CTL_ADD, e[3], EV(EPOLLIN, 7)));
	/* after breaking the chain, the cycle check passes and a new ADD works */
	R(I->ctl(e[3], EPOLL_CTL_DEL, e[2], NULL));
	R(I->ctl(e[1], EPOLL_CTL_ADD, e[3], EV(EPOLLIN, 8)));
	FDINFO(e[1]);
	FDINFO(e[2]);
	FDINFO(e[3]);
	mp_close_fds(e + 1, 3);
}

/* ADD fd into ep (data i); a refusal is noted as "ADD <what, with i + 1>: -1 ERRNO". */
static int add_or_note(struct mp_tr *t, const struct mp_impl *I, int ep, int fd, int i,
		       const char *what)
{
	char name[32];

	if (!I->ctl(ep, EPOLL_CTL_ADD, fd, EV(EPOLLIN, i)))
		return 0;
	snprintf(name, sizeof(name), what, i + 1);
	NOTE("ADD %s: -1 %s", name, mp_errname(errno));
	return -1;
}

/*
 *               top
 *      /     /   |   \      \
 *    e1    e2   e3   ...    eN       each ei watches the same pipe, and top
 *      \     \   |   /      /        watches every ei: N wakeup paths of
 *               p[0]                 length 2 from the pipe (limit 500).
 *
 * Order A: pipe into ei, then ei into top. Order B: ei into top first.
 */
static void reverse_paths(struct mp_tr *t, const struct mp_impl *I, bool top_first)
{
	int top, p[2], e[520], i, n = 0, r = 0;

	REQUIRE(mp_raise_nofile(1200) == 0);
	top = I->create1(0);
	REQUIRE(top >= 0 && mp_pipe(p) == 0);
	for (i = 0; i < 520; i++) {
		e[i] = I->create1(0);
		REQUIRE(e[i] >= 0);
		n++;
		if (top_first)
			r = add_or_note(t, I, top, e[i], i, "e%d into top") ?:
			    add_or_note(t, I, e[i], p[0], i, "pipe into e%d");
		else
			r = add_or_note(t, I, e[i], p[0], i, "pipe into e%d") ?:
			    add_or_note(t, I, top, e[i], i, "e%d into top");
		if (r)
			break;
	}
	NOTE("instances created: %d, last result %d", n, r);
	/* the refused one left nothing behind: a wakeup still works */
	REQUIRE(mp_put(p[1], "x") == 1);
	{
		struct epoll_event evs[4];

		W(evs, I->wait(top, evs, 4, 0));
	}
	mp_close_fds(e, n);
	MP_CLOSE(top, p[0], p[1]);
}

MP_SCENARIO_TIMEOUT(nest, reverse_path_limit_add_pipe_first, 60)
{
	reverse_paths(t, I, false);
}

MP_SCENARIO_TIMEOUT(nest, reverse_path_limit_add_top_first, 60)
{
	reverse_paths(t, I, true);
}

/*
 *        top
 *         |
 *         m
 *      /  |  \
 *    e1  e2 ... eN      paths of length 3 from the pipe (limit 100)
 *      \  |  /
 *       p[0]
 */
MP_SCENARIO_TIMEOUT(nest, reverse_path_limit_length3, 60)
{
	int top, m, p[2], e[120], i, n = 0;

	top = I->create1(0);
	m = I->create1(0);
	REQUIRE(top >= 0 && m >= 0 && mp_pipe(p) == 0);
	R(I->ctl(top, EPOLL_CTL_ADD, m, EV(EPOLLIN, 0)));
	for (i = 0; i < 120; i++) {
		e[i] = I->create1(0);
		REQUIRE(e[i] >= 0);
		n++;
		if (add_or_note(t, I, e[i], p[0], i, "pipe into e%d") ||
		    add_or_note(t, I, m, e[i], i, "e%d into m"))
			break;
	}
	NOTE("instances: %d", n);
	mp_close_fds(e, n);
	MP_CLOSE(m, top, p[0], p[1]);
}

/*
 *   e1   e2   ...   e1100      one pipe in 1100 unrelated instances: paths
 *     \   |         /          of length 1 are not limited.
 *         p[0]
 */
MP_SCENARIO_TIMEOUT(nest, flat_fanout_unlimited, 60)
{
	struct epoll_event evs[2];
	int p[2], e[1100], i, fails = 0, ready = 0;

	REQUIRE(mp_raise_nofile(2300) == 0);
	REQUIRE(mp_pipe(p) == 0);
	for (i = 0; i < 1100; i++) {
		e[i] = I->create1(0);
		REQUIRE(e[i] >= 0);
		if (I->ctl(e[i], EPOLL_CTL_ADD, p[0], EV(EPOLLIN, i)))
			fails++;
	}
	NOTE("failed ADDs: %d", fails);
	REQUIRE(mp_put(p[1], "x") == 1);
	for (i = 0; i < 1100; i++)
		if (I->wait(e[i], evs, 2, 0) == 1 && evs[0].data.u64 == (uint64_t)i)
			ready++;
	NOTE("instances reporting the pipe: %d", ready);
	mp_close_fds(e, 1100);
	MP_CLOSE(p[0], p[1]);
}

/*
 *    outer
 *      |
 *    inner   <-- closed: outer forgets it
 *      |
 *     p[0]
 */
MP_SCENARIO(nest, close_inner)
{
	struct epoll_event evs[4];
	struct chain c;

	REQUIRE(chain_open(t, I, &c, EPOLLIN));
	REQUIRE(mp_put(c.p[1], "x") == 1);
	FDINFO(c.outer);
	close(c.inner);
	FDINFO(c.outer);
	W(evs, I->wait(c.outer, evs, 4, 0));
	/* the number is free again: a new instance under it is a new item */
	c.inner = I->create1(0);
	R(I->ctl(c.outer, EPOLL_CTL_MOD, c.inner, EV(EPOLLIN, 0x3)));
	R(I->ctl(c.outer, EPOLL_CTL_ADD, c.inner, EV(EPOLLIN, 0x3)));
	FDINFO(c.outer);
	chain_close(&c);
}

/*
 *    outer (ONESHOT on inner)
 *      |
 *    inner
 *      |
 *     p[0]
 */
MP_SCENARIO(nest, oneshot_on_instance)
{
	struct epoll_event evs[4];
	struct chain c;

	REQUIRE(chain_open(t, I, &c, EPOLLIN | EPOLLONESHOT));
	REQUIRE(mp_put(c.p[1], "x") == 1);
	W(evs, I->wait(c.outer, evs, 4, 0));
	W(evs, I->wait(c.outer, evs, 4, 0));
	R(I->ctl(c.outer, EPOLL_CTL_MOD, c.inner, EV(EPOLLIN | EPOLLONESHOT, 0x3)));
	W(evs, I->wait(c.outer, evs, 4, 0));
	chain_close(&c);
}

/*
 *    real epoll  (always libc's epoll)
 *        |
 *      inner      (the implementation under test)
 *        |
 *       p[0]
 *
 * An instance inside a real epoll: wakeups propagate, a waiter on the
 * epoll wakes, and the epoll's view follows inner's readiness.
 */
MP_SCENARIO(nest, instance_inside_real_epoll)
{
	struct blocked_wait bw = { 0 };
	struct epoll_event evs[4];
	int outer, inner, p[2];
	pthread_t th;

	outer = epoll_create1(EPOLL_CLOEXEC);
	inner = I->create1(EPOLL_CLOEXEC);
	REQUIRE(outer >= 0 && inner >= 0 && mp_pipe(p) == 0);
	R(I->ctl(inner, EPOLL_CTL_ADD, p[0], EV(EPOLLIN, 0x1)));
	R(epoll_ctl(outer, EPOLL_CTL_ADD, inner, EV(EPOLLIN, 0x2)));
	W(evs, epoll_wait(outer, evs, 4, 0));
	bw.I = &mp_epoll;
	bw.ep = outer;
	th = mp_thread(wait_thread, &bw);
	while (!bw.tid)
		mp_msleep(5);
	mp_wait_blocked(bw.tid);
	REQUIRE(mp_put(p[1], "x") == 1);
	mp_join(th);
	tr_events(t, __LINE__, "epoll_wait(outer) in a thread", bw.ret, 0, bw.ev, 4);
	W(evs, epoll_wait(outer, evs, 4, 0));
	mp_drain(p[0]);
	W(evs, epoll_wait(outer, evs, 4, 0));
	R(epoll_ctl(outer, EPOLL_CTL_MOD, inner, EV(EPOLLIN | EPOLLET, 0x3)));
	REQUIRE(mp_put(p[1], "x") == 1);
	W(evs, epoll_wait(outer, evs, 4, 0));
	W(evs, epoll_wait(outer, evs, 4, 0));
	close(inner);
	W(evs, epoll_wait(outer, evs, 4, 0));
	MP_CLOSE(outer, p[0], p[1]);
}

/*
 * minipoll only: a real epoll inside a minipoll instance is refused with
 * EOPNOTSUPP (documented difference: neither implementation can see a cycle
 * that runs through the other). Not a comparison.
 */
TEST(minipoll_only_refuses_real_epoll_target)
{
	int mp, ep, ep2;

	if (!mp_have_minipoll())
		SKIP(return, "/dev/minipoll is absent (module not loaded)");
	mp = mp_minipoll.create1(EPOLL_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, mp);
	ASSERT_LE(0, ep);
	errno = 0;
	EXPECT_EQ(-1, mp_minipoll.ctl(mp, EPOLL_CTL_ADD, ep, EV(EPOLLIN, 1)));
	EXPECT_EQ(EOPNOTSUPP, errno) TH_LOG("ADD of a real epoll: %s", strerror(errno));
	/* the same for a real epoll that itself contains a minipoll instance */
	ep2 = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep2);
	ASSERT_EQ(0, epoll_ctl(ep2, EPOLL_CTL_ADD, mp, EV(EPOLLIN, 2)));
	errno = 0;
	EXPECT_EQ(-1, mp_minipoll.ctl(mp, EPOLL_CTL_ADD, ep2, EV(EPOLLIN, 3)));
	EXPECT_EQ(EOPNOTSUPP, errno) TH_LOG("ADD of an epoll watching mp: %s", strerror(errno));
	MP_CLOSE(ep2, ep, mp);
}

TEST_HARNESS_MAIN

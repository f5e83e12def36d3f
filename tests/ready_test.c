// SPDX-License-Identifier: GPL-2.0
/*
 * ready_test: the ready list (EPOLL-SEMANTICS 4.5): level- and edge-
 * triggered reporting, EPOLLONESHOT, the order of events (round robin over
 * level-triggered items, leftovers back at the head), ADD and MOD of targets
 * that are already ready, and which bits are reported. Compared with epoll.
 *
 * Targets are pipes and eventfds; "a", "b", "c"... are items whose data is
 * 0xa, 0xb, 0xc... so the transcripts read as the pictures do.
 */
#include "mp_impl.h"

MP_FIXTURE(ready);

#define NP 8

struct pipes {
	int ep;
	int p[NP][2];	/* p[i][0] read end, p[i][1] write end */
	struct epoll_event evs[NP];
};

static bool pipes_open(const struct mp_impl *I, struct pipes *g)
{
	int i;

	g->ep = I->create1(EPOLL_CLOEXEC);
	if (g->ep < 0)
		return false;
	for (i = 0; i < NP; i++)
		if (mp_pipe(g->p[i]))
			return false;
	return true;
}

enum { READ, WRITE };	/* the ends of a pipe */

/* ADD the given end of the first n pipes as items a, b, c... (data 0xa + i). */
static void pipes_add(struct mp_tr *t, const struct mp_impl *I, struct pipes *g, int n,
		      int end, uint32_t events)
{
	int i;

	for (i = 0; i < n; i++)
		R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[i][end], EV(events, 0xa + i)));
}

/* Write one byte into each pipe named, in order: "cab" is c, then a, then b. */
static bool pipes_put(struct pipes *g, const char *items)
{
	for (; *items; items++)
		if (mp_put(g->p[*items - 'a'][1], "x") != 1)
			return false;
	return true;
}

static void pipes_close(struct pipes *g)
{
	int i;

	close(g->ep);
	for (i = 0; i < NP; i++)
		MP_CLOSE(g->p[i][0], g->p[i][1]);
}

/*
 * PIPES_SCENARIO(name): a scenario whose body finds an instance g->ep and
 * NP pipes g->p open (targets of its own, such as eventfds, it opens and
 * closes itself). HARVEST(n): a wait for at most n events that does not block.
 */
#define PIPES_SCENARIO(name) \
	MP_SCENARIO_ON(ready, name, struct pipes, g, pipes_open, pipes_close)

#define HARVEST(n) W_N(g->evs, n, I->wait(g->ep, g->evs, n, 0))

/*
 *      ep
 *       | (LT, IN)
 *      a = p[0] read end, with data
 *
 * A level-triggered item is reported as long as it is ready.
 */
PIPES_SCENARIO(lt_rereported_while_ready)
{
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0][0], EV(EPOLLIN, 0xa)));
	HARVEST(4);
	REQUIRE(mp_put(g->p[0][1], "xyz") == 3);
	HARVEST(4);
	HARVEST(4);
	W_N(g->evs, 4, I->wait(g->ep, g->evs, 4, -1));
	R(read(g->p[0][0], (char[2]){ 0 }, 2));
	HARVEST(4);
	R(read(g->p[0][0], (char[2]){ 0 }, 2));
	HARVEST(4);
}

/*
 * Round robin over level-triggered items that are always ready, as a
 * table: each row is a separate TEST_F variant on each implementation.
 *
 *            ep
 *      /   /   \   \   \      n items, all LT, always ready
 *     a   b     c   d   (e)   (pipe write ends, OUT)
 *
 * Each wait takes maxevents and reports the ones after the last delivered:
 * with 4 items and maxevents 1, a b c d a ...; with 5 items and
 * maxevents 3, [a b c] [d e a] [b c d] ...
 */
struct rr_row {
	int items;	/* at most NP */
	int maxevents;	/* at most RR_MAX */
	int waits;
};

#define RR_MAX 3

FIXTURE(round_robin) { int unused; };
FIXTURE_VARIANT(round_robin) {
	const struct mp_impl *impl;
	struct rr_row row;
};
FIXTURE_VARIANT_ADD(round_robin, epoll_4_items_max1) {
	.impl = &mp_epoll, .row = { .items = 4, .maxevents = 1, .waits = 9 },
};
FIXTURE_VARIANT_ADD(round_robin, minipoll_4_items_max1) {
	.impl = &mp_minipoll, .row = { .items = 4, .maxevents = 1, .waits = 9 },
};
FIXTURE_VARIANT_ADD(round_robin, epoll_5_items_max3) {
	.impl = &mp_epoll, .row = { .items = 5, .maxevents = 3, .waits = 6 },
};
FIXTURE_VARIANT_ADD(round_robin, minipoll_5_items_max3) {
	.impl = &mp_minipoll, .row = { .items = 5, .maxevents = 3, .waits = 6 },
};
FIXTURE_SETUP(round_robin) { }
FIXTURE_TEARDOWN(round_robin) { }

/* The row the scenario runs: set by the TEST_F, inherited by the forked runs. */
static struct rr_row rr;

MP_SCENARIO_FN(lt_round_robin)
{
	struct epoll_event evs[RR_MAX];
	struct pipes g;
	int i;

	NOTE("%d items, maxevents %d", rr.items, rr.maxevents);
	REQUIRE(pipes_open(I, &g));
	pipes_add(t, I, &g, rr.items, WRITE, EPOLLOUT);
	for (i = 0; i < rr.waits; i++)
		W_N(evs, rr.maxevents, I->wait(g.ep, evs, rr.maxevents, 0));
	pipes_close(&g);
}

TEST_F_TIMEOUT(round_robin, lt, 2 * MP_RUN_TIMEOUT + 10)
{
	rr = variant->row;
	ASSERT_TRUE(rr.items <= NP && rr.maxevents <= RR_MAX);
	mp_compare(_metadata, variant->impl, scn_lt_round_robin, "lt_round_robin",
		   MP_RUN_TIMEOUT);
}

/*
 *            ep
 *      /   /   \   \
 *     a   b     c   d     LT and ready
 *
 * maxevents 2: [a b]; the undelivered c, d stay at the head, the
 * delivered a, b go to the tail: the next wait gives [c d a b].
 */
PIPES_SCENARIO(leftovers_stay_at_head_lt)
{
	pipes_add(t, I, g, 4, WRITE, EPOLLOUT);
	HARVEST(2);
	HARVEST(8);
	/* a new ready item lands behind all of them */
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[4][1], EV(EPOLLOUT, 0xe)));
	HARVEST(3);
	HARVEST(8);
}

/*
 *            ep
 *      /   /   \   \
 *     a   b     c   d     ET, eventfds
 *
 * maxevents 2: [a b]; c, d stay queued; a new edge on a queues it behind
 * them: [c d a].
 */
PIPES_SCENARIO(leftovers_stay_at_head_et)
{
	int efd[4], i;

	for (i = 0; i < 4; i++) {
		efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		REQUIRE(efd[i] >= 0);
		R(I->ctl(g->ep, EPOLL_CTL_ADD, efd[i], EV(EPOLLIN | EPOLLET, 0xa + i)));
	}
	for (i = 0; i < 4; i++)
		REQUIRE(mp_efd_write(efd[i], 1) == 0);
	HARVEST(2);
	REQUIRE(mp_efd_write(efd[0], 1) == 0);
	HARVEST(8);
	HARVEST(8);
	mp_close_fds(efd, 4);
}

/*
 *      ep
 *       | (ET, IN)
 *      a (pipe read end)
 *
 * Once per edge: each write is an edge, a partial read is not.
 */
PIPES_SCENARIO(et_once_per_edge)
{
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0][0], EV(EPOLLIN | EPOLLET, 0xa)));
	HARVEST(4);
	REQUIRE(mp_put(g->p[0][1], "ab") == 2);
	HARVEST(4);
	HARVEST(4);
	R(read(g->p[0][0], (char[1]){ 0 }, 1));
	HARVEST(4);
	REQUIRE(mp_put(g->p[0][1], "c") == 1);
	HARVEST(4);
	HARVEST(4);
	mp_drain(g->p[0][0]);
	HARVEST(4);
	REQUIRE(mp_put(g->p[0][1], "d") == 1);
	REQUIRE(mp_put(g->p[0][1], "e") == 1);
	HARVEST(4);
	HARVEST(4);
}

/*
 *      ep
 *       | (ET, OUT)
 *      a (pipe write end)
 *
 * Output edges: the first report on ADD, then only when the reader frees room.
 */
PIPES_SCENARIO(et_output_edges)
{
	char buf[8192];

	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0][1], EV(EPOLLOUT | EPOLLET, 0xa)));
	HARVEST(4);
	HARVEST(4);
	NOTE("filled %d bytes", mp_fill(g->p[0][1]));
	HARVEST(4);
	R(read(g->p[0][0], buf, 1));
	HARVEST(4);
	R(read(g->p[0][0], buf, sizeof(buf)));
	HARVEST(4);
	NOTE("drained %d bytes", mp_drain(g->p[0][0]));
	HARVEST(4);
	HARVEST(4);
}

/*
 *      ep
 *       | (ET, IN)
 *      e (eventfd; EFD_SEMAPHORE in the second half)
 *
 * Every write to an eventfd is an edge, even while the counter is not zero.
 */
PIPES_SCENARIO(et_eventfd_every_write)
{
	int e, s;

	e = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC | EFD_SEMAPHORE);
	REQUIRE(e >= 0 && s >= 0);
	R(I->ctl(g->ep, EPOLL_CTL_ADD, e, EV(EPOLLIN | EPOLLET, 0xe)));
	REQUIRE(mp_efd_write(e, 1) == 0);
	HARVEST(4);
	HARVEST(4);
	REQUIRE(mp_efd_write(e, 1) == 0);
	HARVEST(4);
	NOTE("read %llu", (unsigned long long)mp_efd_read(e));
	HARVEST(4);
	R(I->ctl(g->ep, EPOLL_CTL_ADD, s, EV(EPOLLIN | EPOLLET, 0x5e)));
	REQUIRE(mp_efd_write(s, 3) == 0);
	HARVEST(4);
	NOTE("read %llu", (unsigned long long)mp_efd_read(s));
	HARVEST(4);
	NOTE("read %llu", (unsigned long long)mp_efd_read(s));
	REQUIRE(mp_efd_write(s, 1) == 0);
	HARVEST(4);
	MP_CLOSE(e, s);
}

/*
 *      ep
 *       | (ONESHOT, IN)
 *      a
 *
 * Reported once, then disarmed (fdinfo keeps only the private bits) until
 * MOD re-arms it; a re-armed target that is ready is queued at once.
 */
PIPES_SCENARIO(oneshot_disarm_and_rearm)
{
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0][0], EV(EPOLLIN | EPOLLONESHOT, 0xa)));
	REQUIRE(pipes_put(g, "a"));
	HARVEST(4);
	FDINFO(g->ep);
	HARVEST(4);
	REQUIRE(mp_put(g->p[0][1], "y") == 1);
	HARVEST(4);
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0][0], EV(EPOLLIN | EPOLLONESHOT, 0xa1)));
	FDINFO(g->ep);
	HARVEST(4);
	HARVEST(4);
	/* re-armed while not ready: reported on the next write */
	mp_drain(g->p[0][0]);
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0][0], EV(EPOLLIN | EPOLLONESHOT, 0xa2)));
	HARVEST(4);
	REQUIRE(mp_put(g->p[0][1], "z") == 1);
	HARVEST(4);
	/* a disarmed item still cannot be ADDed again */
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0][0], EV(EPOLLIN, 0xa3)));
	/* re-armed without ONESHOT: plain LT from now on */
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0][0], EV(EPOLLIN, 0xa4)));
	HARVEST(4);
	HARVEST(4);
}

/*
 *      ep
 *       | (ONESHOT | ET, IN)
 *      a
 */
PIPES_SCENARIO(oneshot_with_et)
{
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0][0], EV(EPOLLIN | EPOLLONESHOT | EPOLLET, 0xa)));
	REQUIRE(pipes_put(g, "aa"));
	HARVEST(4);
	REQUIRE(pipes_put(g, "a"));
	HARVEST(4);
	FDINFO(g->ep);
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0][0], EV(EPOLLIN | EPOLLONESHOT | EPOLLET, 0xa1)));
	HARVEST(4);
	HARVEST(4);
}

/*
 *        ep
 *      /  |  \
 *     a   b   c     ready before they are added: ADD queues them at once,
 *                   in ADD order; ET ones are reported once.
 */
PIPES_SCENARIO(add_already_ready)
{
	REQUIRE(pipes_put(g, "abc"));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[2][0], EV(EPOLLIN, 0xc)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0][0], EV(EPOLLIN | EPOLLET, 0xa)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[1][0], EV(EPOLLIN, 0xb)));
	HARVEST(4);
	HARVEST(4);
}

/*
 *        ep
 *      /  |  \
 *     a   b   c     not ready when added; they become ready in the order
 *                   c, a, b and are reported in that order.
 */
PIPES_SCENARIO(order_follows_readiness)
{
	pipes_add(t, I, g, 3, READ, EPOLLIN);
	REQUIRE(pipes_put(g, "cab"));
	/* a second write to an already queued item does not move it */
	REQUIRE(pipes_put(g, "c"));
	HARVEST(4);
	HARVEST(4);
}

/*
 *        ep
 *      /  |  \
 *     a   b   c     a, b LT ready; after [a] (maxevents 1) c becomes
 *                   ready: the list is b, a, c.
 */
PIPES_SCENARIO(requeue_then_new_ready)
{
	pipes_add(t, I, g, 3, READ, EPOLLIN);
	REQUIRE(pipes_put(g, "ab"));
	HARVEST(1);
	REQUIRE(pipes_put(g, "c"));
	HARVEST(4);
	/* DEL and re-ADD of b puts it last */
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->p[1][0], NULL));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[1][0], EV(EPOLLIN, 0xb1)));
	HARVEST(4);
}

/*
 *      ep
 *     /  \
 *    a    w      a: pipe read end registered for OUT (never ready);
 *                w: an ET item on an always-writable write end.
 *
 * MOD re-polls: a target ready for the new mask is queued at once, even
 * an ET one that was already reported.
 */
PIPES_SCENARIO(mod_of_ready_target)
{
	REQUIRE(pipes_put(g, "a"));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0][0], EV(EPOLLOUT, 0xa)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[1][1], EV(EPOLLOUT | EPOLLET, 0xb)));
	HARVEST(4);
	HARVEST(4);
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0][0], EV(EPOLLIN, 0xa1)));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[1][1], EV(EPOLLOUT | EPOLLET, 0xb1)));
	HARVEST(4);
	HARVEST(4);
	/* MOD of a queued item changes the data it is reported with */
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0][0], EV(EPOLLIN, 0xa2)));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0][0], EV(EPOLLIN | EPOLLRDNORM, 0xa3)));
	HARVEST(4);
}

/*
 *      ep
 *       |
 *      a   (pipe read end with data, LT IN, queued)
 *
 * MOD to 0 (ERR|HUP stay): the queued item is dropped at harvest; when the
 * writer goes away HUP is still reported.
 */
PIPES_SCENARIO(mod_to_zero)
{
	REQUIRE(pipes_put(g, "a"));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0][0], EV(EPOLLIN, 0xa)));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0][0], EV(0, 0xa0)));
	FDINFO(g->ep);
	HARVEST(4);
	REQUIRE(mp_put(g->p[0][1], "y") == 1);
	HARVEST(4);
	close(g->p[0][1]);
	g->p[0][1] = dup(g->p[1][1]);
	HARVEST(4);
	HARVEST(4);
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0][0], EV(EPOLLET, 0xa1)));
	HARVEST(4);
	HARVEST(4);
}

/*
 *        ep
 *      /  |  \
 *     a   b   c     all queued; DEL b: b is not reported.
 */
PIPES_SCENARIO(del_while_queued)
{
	pipes_add(t, I, g, 3, WRITE, EPOLLOUT | EPOLLET);
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->p[1][1], NULL));
	HARVEST(4);
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->p[0][1], NULL));
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->p[2][1], NULL));
	HARVEST(4);
	FDINFO(g->ep);
}

/*
 *        ep
 *      /    \
 *     a      a'      a = one end of a unix stream pair with IN,
 *                    a' = its dup with IN|RDHUP; the peer shuts down writing.
 *
 * EPOLLRDHUP is reported only to the item that asked for it.
 */
MP_SCENARIO(ready, rdhup_only_when_requested)
{
	struct epoll_event evs[4];
	int ep, sv[2], d;

	ep = I->create1(0);
	REQUIRE(ep >= 0 && mp_socketpair(SOCK_STREAM, sv) == 0);
	d = dup(sv[0]);
	REQUIRE(d >= 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, sv[0], EV(EPOLLIN, 0xa)));
	R(I->ctl(ep, EPOLL_CTL_ADD, d, EV(EPOLLIN | EPOLLRDHUP, 0xa1)));
	W(evs, I->wait(ep, evs, 4, 0));
	R(shutdown(sv[1], SHUT_WR));
	W(evs, I->wait(ep, evs, 4, 0));
	R(I->ctl(ep, EPOLL_CTL_MOD, sv[0], EV(EPOLLRDHUP, 0xa2)));
	W(evs, I->wait(ep, evs, 4, 0));
	R(shutdown(sv[1], SHUT_RD));
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(d, sv[0], sv[1], ep);
}

/*
 *        ep
 *      /    \
 *     r      w       r: read end registered for OUT only, w: write end for IN only
 *
 * Neither is ever "ready" for its mask, but HUP (writer gone) and ERR
 * (reader gone) are always reported.
 */
PIPES_SCENARIO(err_hup_always_reported)
{
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0][0], EV(EPOLLOUT, 0xa)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[1][1], EV(EPOLLIN, 0xb)));
	REQUIRE(pipes_put(g, "a"));
	HARVEST(4);
	close(g->p[0][1]);
	g->p[0][1] = dup(g->p[2][1]);
	HARVEST(4);
	close(g->p[1][0]);
	g->p[1][0] = dup(g->p[2][0]);
	HARVEST(4);
	HARVEST(4);
}

/*
 *      ep
 *     / | \
 *    a  b  c     one pipe read end with data, registered under three fds
 *                (dups) with different masks: each reports only its own bits.
 */
PIPES_SCENARIO(reported_bits_follow_mask)
{
	int d1, d2;

	d1 = dup(g->p[0][0]);
	d2 = dup(g->p[0][0]);
	REQUIRE(d1 >= 0 && d2 >= 0);
	REQUIRE(pipes_put(g, "a"));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0][0], EV(EPOLLIN | EPOLLRDNORM, 0xa)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, d1, EV(EPOLLRDNORM, 0xb)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, d2, EV(EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLRDBAND, 0xc)));
	HARVEST(4);
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0][1], EV(EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND, 0xd)));
	HARVEST(4);
	MP_CLOSE(d1, d2);
}

/*
 *        ep
 *      /    \
 *     a      a'     the same read end twice (dup): a LT, a' ET.
 *
 * One write: both are reported; afterwards only the LT one.
 */
PIPES_SCENARIO(lt_and_et_on_one_file)
{
	int d;

	d = dup(g->p[0][0]);
	REQUIRE(d >= 0);
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0][0], EV(EPOLLIN, 0xa)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, d, EV(EPOLLIN | EPOLLET, 0xa1)));
	REQUIRE(pipes_put(g, "a"));
	HARVEST(4);
	HARVEST(4);
	HARVEST(4);
	REQUIRE(pipes_put(g, "a"));
	HARVEST(4);
	close(d);
}

/*
 *      ep
 *       |
 *      a    ready, then drained before the wait: the queued item is
 *           re-polled at harvest and dropped silently.
 */
PIPES_SCENARIO(not_ready_at_harvest_dropped)
{
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0][0], EV(EPOLLIN, 0xa)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[1][0], EV(EPOLLIN | EPOLLET, 0xb)));
	REQUIRE(pipes_put(g, "ab"));
	mp_drain(g->p[0][0]);
	mp_drain(g->p[1][0]);
	HARVEST(4);
	REQUIRE(pipes_put(g, "ba"));
	HARVEST(4);
}

/*
 *              ep
 *    /  /  /  /  \  \  \  \
 *   a  b  c  d    e  f  g  h     a mix: a, c, e, g LT; b, d, f, h ET;
 *                                all ready; maxevents 3, then 8.
 */
PIPES_SCENARIO(mixed_lt_et_many)
{
	int i;

	for (i = 0; i < 8; i++)
		R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[i][1],
			 EV(EPOLLOUT | (i & 1 ? EPOLLET : 0), 0xa + i)));
	for (i = 0; i < 5; i++)
		HARVEST(3);
	HARVEST(8);
	/* new edges on f and b */
	mp_fill(g->p[5][1]);
	mp_drain(g->p[5][0]);
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[1][1], EV(EPOLLOUT | EPOLLET, 0xb1)));
	HARVEST(8);
}

/*
 *      ep
 *       | (IN | OUT)
 *      s    one end of a unix stream pair: OUT at once, IN|OUT when the
 *           peer writes, OUT gone when the buffer is full.
 */
MP_SCENARIO(ready, in_and_out_together)
{
	struct epoll_event evs[4];
	int ep, sv[2];

	ep = I->create1(0);
	REQUIRE(ep >= 0 && mp_socketpair(SOCK_STREAM, sv) == 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, sv[0], EV(EPOLLIN | EPOLLOUT, 0x5)));
	W(evs, I->wait(ep, evs, 4, 0));
	REQUIRE(mp_put(sv[1], "hello") == 5);
	W(evs, I->wait(ep, evs, 4, 0));
	NOTE("filled: %s", mp_fill(sv[0]) > 0 ? "yes" : "no");
	W(evs, I->wait(ep, evs, 4, 0));
	NOTE("peer drained: %s", mp_drain(sv[1]) > 0 ? "yes" : "no");
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(sv[0], sv[1], ep);
}

TEST_HARNESS_MAIN

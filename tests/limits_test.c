// SPDX-License-Identifier: GPL-2.0
/*
 * limits_test: the per-user watch limit (ENOSPC, EPOLL-SEMANTICS 4.3 row 13),
 * compared with epoll.
 *
 * epoll's limit is the sysctl fs.epoll.max_user_watches, minipoll's the
 * module parameter max_user_watches; both are set to the same small value
 * for the test and restored afterwards. They are global knobs, so these
 * tests run only where minipoll is loaded (the test guest), as root.
 *
 *   uid 4242 (a child process)
 *       ep1              ep2
 *     / | \  \            |
 *   p0 p1 p2 .. p(L)     q        the (L+1)th watch of the user is refused,
 *                                 in any of its instances
 */
#include "mp_impl.h"

#define LIMIT		6
#define TEST_UID	4242

MP_FIXTURE(limits);

struct saved {
	long epoll, minipoll;
};

/* Returns a reason to skip, or NULL. */
static const char *limits_save(struct saved *s)
{
	if (geteuid() != 0)
		return "needs root to change the watch limits";
	if (access("/sys/module/minipoll", F_OK))
		return "changes global limits: runs only where minipoll is loaded (the test guest)";
	s->epoll = mp_read_knob(MP_EPOLL_WATCHES_KNOB);
	s->minipoll = mp_read_knob(MP_MINIPOLL_WATCHES_KNOB);
	if (s->epoll < 0)
		return "no " MP_EPOLL_WATCHES_KNOB;
	return NULL;
}

static void limits_restore(const struct saved *s)
{
	mp_write_knob(MP_EPOLL_WATCHES_KNOB, s->epoll);
	if (s->minipoll >= 0)
		mp_write_knob(MP_MINIPOLL_WATCHES_KNOB, s->minipoll);
}

/* Set the limit of the implementation under test; record that it worked. */
static void set_limit(struct mp_tr *t, const struct mp_impl *I, long v)
{
	const char *knob = I == &mp_epoll ? MP_EPOLL_WATCHES_KNOB : MP_MINIPOLL_WATCHES_KNOB;
	bool ok = mp_write_knob(knob, v);

	NOTE("watch limit set to %ld: %s", v, ok ? "yes" : "no");
}

/* Add pipe read ends to ep until it fails; returns how many went in. */
static int fill_watches(struct mp_tr *t, const struct mp_impl *I, int ep, int (*p)[2], int max)
{
	int i;

	for (i = 0; i < max; i++) {
		if (I->ctl(ep, EPOLL_CTL_ADD, p[i][0], EV(EPOLLIN, i))) {
			NOTE("ADD #%d: -1 %s", i + 1, mp_errname(errno));
			break;
		}
	}
	return i;
}

static void as_user(struct mp_tr *t, void *arg)
{
	const struct mp_impl *I = t->I;
	int p[LIMIT + 4][2], ep1, ep2, inner, i, n;

	if (setresgid(TEST_UID, TEST_UID, TEST_UID) || setresuid(TEST_UID, TEST_UID, TEST_UID)) {
		NOTE("setresuid: %s", mp_errname(errno));
		return;
	}
	for (i = 0; i < LIMIT + 4; i++)
		REQUIRE(mp_pipe(p[i]) == 0);
	ep1 = I->create1(0);
	ep2 = I->create1(0);
	REQUIRE(ep1 >= 0 && ep2 >= 0);
	n = fill_watches(t, I, ep1, p, LIMIT + 3);
	NOTE("uid %d: %d watches in ep1", TEST_UID, n);
	/* at the limit: EEXIST is checked before the limit, a new one is ENOSPC */
	R(I->ctl(ep1, EPOLL_CTL_ADD, p[0][0], EV(EPOLLIN, 0)));
	R(I->ctl(ep2, EPOLL_CTL_ADD, p[LIMIT + 3][0], EV(EPOLLIN, 99)));
	/* MOD needs no new watch */
	R(I->ctl(ep1, EPOLL_CTL_MOD, p[0][0], EV(EPOLLOUT, 0)));
	/* DEL frees one, for any instance of the user */
	R(I->ctl(ep1, EPOLL_CTL_DEL, p[1][0], NULL));
	R(I->ctl(ep2, EPOLL_CTL_ADD, p[LIMIT + 3][0], EV(EPOLLIN, 99)));
	R(I->ctl(ep2, EPOLL_CTL_ADD, p[1][0], EV(EPOLLIN, 1)));
	/* an instance inside another is a watch too */
	inner = I->create1(0);
	REQUIRE(inner >= 0);
	R(I->ctl(ep2, EPOLL_CTL_ADD, inner, EV(EPOLLIN, 100)));
	/* closing a watched file frees its watch */
	close(p[2][0]);
	R(I->ctl(ep2, EPOLL_CTL_ADD, inner, EV(EPOLLIN, 100)));
	R(I->ctl(ep2, EPOLL_CTL_ADD, p[LIMIT + 2][0], EV(EPOLLIN, 101)));
	/* closing an instance frees all of its watches */
	close(ep1);
	n = fill_watches(t, I, ep2, p + 3, LIMIT);
	NOTE("after closing ep1: %d more in ep2", n);
	FDINFO(ep2);
	close(ep2);
	close(inner);
}

MP_SCENARIO_FN(watch_limit_unprivileged_body)
{
	set_limit(t, I, LIMIT);
	mp_in_child(t, as_user, NULL);
}

static void as_root(struct mp_tr *t, void *arg)
{
	const struct mp_impl *I = t->I;
	int p[LIMIT + 4][2], ep, i, n;

	for (i = 0; i < LIMIT + 4; i++)
		REQUIRE(mp_pipe(p[i]) == 0);
	ep = I->create1(0);
	REQUIRE(ep >= 0);
	/* root's other watches, if any, count too: record only whether it is limited */
	errno = 0;
	n = 0;
	for (i = 0; i < LIMIT + 4; i++, n++)
		if (I->ctl(ep, EPOLL_CTL_ADD, p[i][0], EV(EPOLLIN, i)))
			break;
	NOTE("root limited: %s (%s)", n <= LIMIT ? "yes" : "no", n <= LIMIT ? mp_errname(errno) : "-");
	close(ep);
}

MP_SCENARIO_FN(watch_limit_root_body)
{
	set_limit(t, I, LIMIT);
	mp_in_child(t, as_root, NULL);
}

/*
 * The tests proper: save both knobs, compare, restore, whatever happened
 * in between (each run is a child process, so a crash cannot skip this).
 */
TEST_F_TIMEOUT(limits, watch_limit_unprivileged, 70)
{
	const char *why;
	struct saved s;

	why = limits_save(&s);
	if (why)
		SKIP(return, "%s", why);
	mp_compare(_metadata, variant->impl, scn_watch_limit_unprivileged_body,
		   "watch_limit_unprivileged", 30);
	limits_restore(&s);
}

TEST_F_TIMEOUT(limits, watch_limit_root, 70)
{
	const char *why;
	struct saved s;

	why = limits_save(&s);
	if (why)
		SKIP(return, "%s", why);
	mp_compare(_metadata, variant->impl, scn_watch_limit_root_body, "watch_limit_root", 30);
	limits_restore(&s);
}

TEST_HARNESS_MAIN

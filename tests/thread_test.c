// SPDX-License-Identifier: GPL-2.0
/*
 * thread_test: wakeups of threads blocked in a wait, with outcomes that do
 * not depend on scheduling: how many waiters wake (LT chains, ET, exclusive
 * and non-exclusive herds), MOD racing with a wait, a timeout racing with
 * an event; and the wait as a cancellation point, in a multi-threaded
 * process and in a single-threaded one. Compared with epoll.
 *
 * Every test starts its waiters, then confirms through /proc that each one
 * sleeps in its wait before acting (mp_wait_blocked), and records only what
 * is deterministic: counts, and sorted sets of what was received.
 */
#include "mp_impl.h"

#include <semaphore.h>
#include <sys/single_threaded.h>

MP_FIXTURE(thread);

struct waiter {
	const struct mp_impl *I;
	int ep;
	int timeout;
	int maxevents;
	int ret;
	int err;
	struct epoll_event ev[4];
	volatile pid_t tid;
	volatile int done;
	pthread_t th;
};

/* Waiters that should stay asleep are ended by this eventfd's data, not by a timeout. */
#define STOP_DATA 0x5709

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;

	w->tid = mp_gettid();
	w->ret = w->I->wait(w->ep, w->ev, w->maxevents, w->timeout);
	w->err = w->ret < 0 ? errno : 0;
	w->done = 1;
	return NULL;
}

static void start_waiters(struct waiter *w, int n, const struct mp_impl *I, const int *eps,
			  int timeout, int maxevents)
{
	int i;

	for (i = 0; i < n; i++) {
		w[i] = (struct waiter){ .I = I, .ep = eps[i], .timeout = timeout,
					.maxevents = maxevents };
		w[i].th = mp_thread(waiter_fn, &w[i]);
	}
	for (i = 0; i < n; i++) {
		while (!w[i].tid)
			mp_msleep(2);
		mp_wait_blocked(w[i].tid);
	}
}

/*
 * Wait until `expect` waiters have returned (then a little longer, in case
 * more would), count them, and wake the rest through the stop eventfd.
 */
static int stop_rest(struct waiter *w, int n, int expect, int stop)
{
	long deadline = mp_now_ms() + 10000;
	int i, returned;

	do {
		mp_msleep(10);
		for (i = 0, returned = 0; i < n; i++)
			returned += w[i].done;
	} while (returned < expect && mp_now_ms() < deadline);
	mp_msleep(mp_settle_ms());
	for (i = 0, returned = 0; i < n; i++)
		returned += w[i].done;
	mp_efd_write(stop, 1);
	return returned;
}

static int join_waiters(struct waiter *w, int n)
{
	int i, woke = 0;

	for (i = 0; i < n; i++) {
		mp_join(w[i].th);
		if (w[i].ret > 0)
			woke++;
	}
	return woke;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Record the results of n waiters as a sorted list (thread identity is not deterministic). */
static void record_waiters(struct mp_tr *t, struct waiter *w, int n)
{
	uint64_t key[64];
	char buf[64];
	int i, j;

	for (i = 0; i < n; i++) {
		key[i] = (uint64_t)(w[i].ret + 1) << 56;
		if (w[i].ret > 0)
			key[i] |= (w[i].ev[0].data.u64 & 0xffff) << 32 | w[i].ev[0].events;
		else if (w[i].ret < 0)
			key[i] |= w[i].err;
	}
	qsort(key, n, sizeof(key[0]), cmp_u64);
	for (i = 0; i < n; i = j) {
		int ret = (int)(key[i] >> 56) - 1;

		for (j = i; j < n && key[j] == key[i]; j++)
			;
		if (ret > 0 && ((key[i] >> 32) & 0xffff) == STOP_DATA)
			tr_printf(t, "    %d waiter(s): woken by stop\n", j - i);
		else if (ret > 0)
			tr_printf(t, "    %d waiter(s): %d event(s), first %s data=%#llx\n", j - i, ret,
				  mp_evstr((uint32_t)key[i], buf, sizeof(buf)),
				  (unsigned long long)((key[i] >> 32) & 0xffff));
		else if (ret < 0)
			tr_printf(t, "    %d waiter(s): -1 %s\n", j - i, mp_errname((int)(key[i] & 0xffff)));
		else
			tr_printf(t, "    %d waiter(s): 0 (timed out)\n", j - i);
	}
}

/* n LT waiters on one eventfd item and one write: who wakes, and with what. */
static void lt_waiters_one_write(struct mp_tr *t, const struct mp_impl *I, int n)
{
	struct waiter w[3];
	int ep, efd, eps[3], i;

	ep = I->create1(0);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	REQUIRE(n <= 3 && ep >= 0 && efd >= 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, efd, EV(EPOLLIN, 0xe)));
	for (i = 0; i < n; i++)
		eps[i] = ep;
	start_waiters(w, n, I, eps, 20000, 1);
	REQUIRE(mp_efd_write(efd, 1) == 0);
	NOTE("woke: %d", join_waiters(w, n));
	record_waiters(t, w, n);
	MP_CLOSE(efd, ep);
}

/*
 *   t0     t1
 *    \     /        both wait (maxevents 1) on ep
 *      ep
 *      | (LT)
 *     efd           one write
 *
 * The first waiter takes the event; the level-triggered item goes back on
 * the ready list, which wakes the second one too.
 */
MP_SCENARIO(thread, two_lt_waiters_both_wake)
{
	lt_waiters_one_write(t, I, 2);
}

/*
 *   t0   t1   t2
 *     \   |   /     three LT waiters, one write: the wakeup chains through all.
 *        ep
 *        | (LT)
 *       efd
 */
MP_SCENARIO(thread, three_lt_waiters_chain)
{
	lt_waiters_one_write(t, I, 3);
}

/*
 *   t0     t1
 *    \     /        both wait on ep
 *      ep
 *     |   \ (ET)
 *   stop   efd      one write to efd: one edge, one waiter; the other one
 *                   is then woken through `stop`
 */
MP_SCENARIO(thread, two_et_waiters_one_wakes)
{
	struct waiter w[2];
	int ep, efd, stop, eps[2];

	ep = I->create1(0);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	stop = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	REQUIRE(ep >= 0 && efd >= 0 && stop >= 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, efd, EV(EPOLLIN | EPOLLET, 0xe)));
	R(I->ctl(ep, EPOLL_CTL_ADD, stop, EV(EPOLLIN, STOP_DATA)));
	eps[0] = eps[1] = ep;
	start_waiters(w, 2, I, eps, 20000, 1);
	REQUIRE(mp_efd_write(efd, 1) == 0);
	NOTE("woke by the write: %d", stop_rest(w, 2, 1, stop));
	join_waiters(w, 2);
	record_waiters(t, w, 2);
	MP_CLOSE(stop, efd, ep);
}

/*
 * Eight instances ep[i], each with an item on efd (IN | flags, data + i)
 * and one on the eventfd stop that ends the waiters left asleep.
 */
static bool herd_open(struct mp_tr *t, const struct mp_impl *I, int ep[8], int *efd, int *stop,
		      uint32_t flags, uint64_t data)
{
	int i;

	*efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	*stop = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (*efd < 0 || *stop < 0)
		return false;
	for (i = 0; i < 8; i++) {
		ep[i] = I->create1(0);
		if (ep[i] < 0)
			return false;
		R(I->ctl(ep[i], EPOLL_CTL_ADD, *efd, EV(EPOLLIN | flags, data + i)));
		R(I->ctl(ep[i], EPOLL_CTL_ADD, *stop, EV(EPOLLIN, STOP_DATA)));
	}
	return true;
}

/*
 *   t0   t1  ...  t7        one thread per instance
 *    |    |        |
 *   ep0  ep1 ...  ep7       each watches efd with EPOLLEXCLUSIVE (or not)
 *     \   |       /
 *         efd               one write (and a plain `stop` eventfd in each
 *                           instance, to end the waiters that stay asleep)
 *
 * Exclusive: the wakeup stops at the first instance with a waiter, one
 * thread wakes. Non-exclusive: all eight.
 */
static void herd(struct mp_tr *t, const struct mp_impl *I, bool exclusive)
{
	struct waiter w[8];
	int ep[8], efd, stop, i;

	REQUIRE(herd_open(t, I, ep, &efd, &stop, exclusive ? EPOLLEXCLUSIVE : 0, 0xe0));
	start_waiters(w, 8, I, ep, 20000, 1);
	REQUIRE(mp_efd_write(efd, 1) == 0);
	NOTE("woke by the write: %d of 8", stop_rest(w, 8, exclusive ? 1 : 8, stop));
	join_waiters(w, 8);
	for (i = 0; i < 8; i++)		/* which instance woke is not deterministic */
		if (w[i].ret > 0 && w[i].ev[0].data.u64 != STOP_DATA)
			w[i].ev[0].data.u64 = 0xe0;
	record_waiters(t, w, 8);
	mp_close_fds(ep, 8);
	MP_CLOSE(stop, efd);
}

MP_SCENARIO(thread, exclusive_herd_of_8)
{
	herd(t, I, true);
}

MP_SCENARIO(thread, nonexclusive_herd_of_8)
{
	herd(t, I, false);
}

/*
 *   t0 ... t7 on ep0 ... ep7, all EPOLLEXCLUSIVE on efd.
 *
 * Three writes, each after the previous wakeup has been seen: each wakes
 * exactly one more thread (instances without a waiter are skipped).
 */
MP_SCENARIO(thread, exclusive_herd_one_per_write)
{
	struct waiter w[8];
	int ep[8], efd, stop, i, k, woke;

	REQUIRE(herd_open(t, I, ep, &efd, &stop, EPOLLEXCLUSIVE, 0));
	start_waiters(w, 8, I, ep, 20000, 1);
	for (k = 1; k <= 3; k++) {
		long deadline = mp_now_ms() + 5000;

		REQUIRE(mp_efd_write(efd, 1) == 0);
		do {
			mp_msleep(20);
			for (i = 0, woke = 0; i < 8; i++)
				woke += w[i].ret > 0;
		} while (woke < k && mp_now_ms() < deadline);
		mp_msleep(mp_settle_ms());
		for (i = 0, woke = 0; i < 8; i++)
			woke += w[i].ret > 0;
		NOTE("after write %d: %d woken", k, woke);
	}
	mp_efd_write(stop, 1);
	join_waiters(w, 8);
	for (i = 0, woke = 0; i < 8; i++)
		woke += w[i].ret > 0 && w[i].ev[0].data.u64 == STOP_DATA;
	NOTE("in the end: %d of 8 woken by stop", woke);
	mp_close_fds(ep, 8);
	MP_CLOSE(stop, efd);
}

struct modder {
	const struct mp_impl *I;
	int ep;
	int n;
	sem_t got;
	uint64_t seen[64];
	volatile pid_t tid;
};

static void *mod_waiter(void *arg)
{
	struct modder *m = arg;
	struct epoll_event ev;
	int i;

	m->tid = mp_gettid();
	for (i = 0; i < m->n; i++) {
		if (m->I->wait(m->ep, &ev, 1, 10000) != 1)
			m->seen[i] = ~0ULL;
		else
			m->seen[i] = ev.data.u64;
		sem_post(&m->got);
	}
	return NULL;
}

/*
 *   waiter: wait(ep) in a loop          main: MOD(efd, OUT|ONESHOT, i)
 *              |                                 i = 1, 2, ... 50
 *             ep
 *              | (ONESHOT)
 *             efd (always writable)
 *
 * Each MOD re-arms the disarmed item while the waiter is, or is about to be,
 * asleep: every MOD must wake it exactly once, with that MOD's data.
 */
MP_SCENARIO(thread, mod_racing_with_wait)
{
	struct modder m = { .I = I, .n = 50 };
	int efd, i, inorder = 0;
	pthread_t th;

	m.ep = I->create1(0);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	REQUIRE(m.ep >= 0 && efd >= 0 && sem_init(&m.got, 0, 0) == 0);
	R(I->ctl(m.ep, EPOLL_CTL_ADD, efd, EV(EPOLLIN | EPOLLONESHOT, 0)));
	th = mp_thread(mod_waiter, &m);
	while (!m.tid)
		mp_msleep(2);
	for (i = 1; i <= m.n; i++) {
		if (i == 1 || i % 10 == 0)
			mp_wait_blocked(m.tid);		/* sometimes surely asleep */
		if (I->ctl(m.ep, EPOLL_CTL_MOD, efd, EV(EPOLLOUT | EPOLLONESHOT, i)))
			NOTE("MOD %d: %s", i, mp_errname(errno));
		sem_wait(&m.got);
	}
	mp_join(th);
	for (i = 0; i < m.n; i++)
		if (m.seen[i] == (uint64_t)i + 1)
			inorder++;
	NOTE("wakeups with the right data, in order: %d of %d", inorder, m.n);
	for (i = 0; i < m.n; i++)
		if (m.seen[i] != (uint64_t)i + 1) {
			NOTE("first wrong: #%d got %#llx", i + 1, (unsigned long long)m.seen[i]);
			break;
		}
	sem_destroy(&m.got);
	MP_CLOSE(efd, m.ep);
}

struct racer {
	const struct mp_impl *I;
	int ep, rounds;
	sem_t go, done;
	int got, dups, lost;
};

static void *race_waiter(void *arg)
{
	struct racer *r = arg;
	struct epoll_event ev[2];
	int i, n, tries;

	for (i = 0; i < r->rounds; i++) {
		sem_wait(&r->go);
		/* short timeouts that expire around the time of the write */
		for (tries = 0; tries < 2000; tries++) {
			n = r->I->wait(r->ep, ev, 2, 1 + (i + tries) % 3);
			if (n > 0)
				break;
		}
		if (n > 0) {
			r->got++;
			if (r->I->wait(r->ep, ev, 2, 0) > 0)
				r->dups++;
		} else {
			r->lost++;
		}
		sem_post(&r->done);
	}
	return NULL;
}

/*
 *   waiter: wait(ep, timeout 1..3 ms) until it gets the edge
 *             |
 *            ep
 *             | (ET)
 *            efd      main writes at 0..2.9 ms into each round
 *
 * However the timeout and the write interleave, each write is delivered
 * exactly once: never lost, never twice.
 */
MP_SCENARIO(thread, timeout_racing_event)
{
	struct racer r = { .I = I, .rounds = 40 };
	int efd, i;
	pthread_t th;

	r.ep = I->create1(0);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	REQUIRE(r.ep >= 0 && efd >= 0);
	REQUIRE(sem_init(&r.go, 0, 0) == 0 && sem_init(&r.done, 0, 0) == 0);
	R(I->ctl(r.ep, EPOLL_CTL_ADD, efd, EV(EPOLLIN | EPOLLET, 0xe)));
	th = mp_thread(race_waiter, &r);
	for (i = 0; i < r.rounds; i++) {
		sem_post(&r.go);
		usleep((i % 30) * 100);
		REQUIRE(mp_efd_write(efd, 1) == 0);
		sem_wait(&r.done);
		mp_efd_read(efd);
	}
	mp_join(th);
	NOTE("rounds %d: delivered %d, twice %d, lost %d", r.rounds, r.got, r.dups, r.lost);
	sem_destroy(&r.go);
	sem_destroy(&r.done);
	MP_CLOSE(efd, r.ep);
}

/*
 *   t0 (waiting)          main: ADD of a ready target, then DEL of the only
 *      |                        item and a write to it
 *     ep
 *
 * ADD of a ready target wakes a waiter; after DEL the target's writes do not.
 */
MP_SCENARIO(thread, ctl_while_waiting)
{
	struct waiter w[1];
	int ep, p[2], q[2], eps[1];

	ep = I->create1(0);
	REQUIRE(ep >= 0 && mp_pipe(p) == 0 && mp_pipe(q) == 0);
	eps[0] = ep;
	start_waiters(w, 1, I, eps, 20000, 4);
	R(I->ctl(ep, EPOLL_CTL_ADD, p[1], EV(EPOLLOUT, 0xa)));
	join_waiters(w, 1);
	record_waiters(t, w, 1);
	R(I->ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
	R(I->ctl(ep, EPOLL_CTL_ADD, q[0], EV(EPOLLIN, 0xb)));
	w[0].timeout = 1000;
	start_waiters(w, 1, I, eps, 1000, 4);
	R(I->ctl(ep, EPOLL_CTL_DEL, q[0], NULL));
	REQUIRE(mp_put(q[1], "x") == 1);
	join_waiters(w, 1);
	record_waiters(t, w, 1);
	MP_CLOSE(p[0], p[1], q[0], q[1], ep);
}

/*
 *   t0  t1  t2  t3     four waiters (maxevents 1)
 *     \  |  |  /
 *        ep
 *     /  |  |  \       four ET eventfds, written one at a time
 *    e0 e1  e2  e3
 *
 * Each write wakes one waiter with that eventfd: four events, each once.
 */
MP_SCENARIO(thread, four_waiters_four_edges)
{
	struct waiter w[4];
	int ep, efd[4], eps[4], i;

	ep = I->create1(0);
	REQUIRE(ep >= 0);
	for (i = 0; i < 4; i++) {
		efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		REQUIRE(efd[i] >= 0);
		R(I->ctl(ep, EPOLL_CTL_ADD, efd[i], EV(EPOLLIN | EPOLLET, 0xe0 + i)));
		eps[i] = ep;
	}
	start_waiters(w, 4, I, eps, 20000, 1);
	for (i = 0; i < 4; i++) {
		REQUIRE(mp_efd_write(efd[i], 1) == 0);
		mp_msleep(50);
	}
	NOTE("woke: %d", join_waiters(w, 4));
	record_waiters(t, w, 4);
	for (i = 0; i < 4; i++)
		close(efd[i]);
	close(ep);
}

/*
 * Cancel a waiter blocked in a wait: the wait is a cancellation point
 * (glibc's epoll_wait() is one; libminipoll makes its ioctl one). A waiter
 * still blocked after 10 s is recorded as such and woken by a write.
 */
static void cancel_waiter(struct mp_tr *t, const struct mp_impl *I)
{
	struct timespec deadline;
	struct waiter w[1];
	int ep, efd, eps[1];
	void *res = NULL;

	ep = I->create1(0);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	REQUIRE(ep >= 0 && efd >= 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, efd, EV(EPOLLIN, STOP_DATA)));
	eps[0] = ep;
	start_waiters(w, 1, I, eps, -1, 1);
	NOTE("pthread_cancel: %d", pthread_cancel(w[0].th));
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 10;
	if (pthread_timedjoin_np(w[0].th, &res, &deadline) == ETIMEDOUT) {
		NOTE("still blocked in its wait after 10 s");
		REQUIRE(mp_efd_write(efd, 1) == 0);
		pthread_join(w[0].th, &res);
	}
	NOTE("waiter: %s", res == PTHREAD_CANCELED ? "cancelled" : "returned");
	MP_CLOSE(efd, ep);
}

/*
 *   t0 (waiting, forever)     main: pthread_cancel(t0)
 *      |
 *     ep
 */
MP_SCENARIO(thread, cancel_blocked_waiter)
{
	cancel_waiter(t, I);
}

/*
 * The same after the main thread cancelled itself with cancellation
 * disabled (so the request stays pending and harmless). glibc 2.36 then
 * forgets to clear the copy of __libc_single_threaded that a program
 * referencing it holds (this test reads it, so it has one): the copy says
 * single-threaded while the waiter runs. libminipoll must not trust it.
 */
MP_SCENARIO(thread, cancel_waiter_after_self_cancel)
{
	pthread_t self = pthread_self();

	REQUIRE(pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL) == 0);
	REQUIRE(pthread_cancel(self) == 0);
	cancel_waiter(t, I);
	/* Only for the copy relocation above; glibc-dependent, same on both. */
	NOTE("the program's __libc_single_threaded: %d", __libc_single_threaded);
}

/*
 * A single-threaded process cancels itself, then waits (timeout 0): the
 * wait acts on the pending request, and the process ends there (the
 * transcript stops, exit 0) - though no other thread exists.
 */
MP_SCENARIO(thread, self_cancel_then_wait)
{
	struct epoll_event ev[1];
	int ep;

	ep = I->create1(0);
	REQUIRE(ep >= 0);
	NOTE("pthread_cancel(self): %d", pthread_cancel(pthread_self()));
	NOTE("wait returned %d", I->wait(ep, ev, 1, 0));
	close(ep);
}

TEST_HARNESS_MAIN

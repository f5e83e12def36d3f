// SPDX-License-Identifier: GPL-2.0
/*
 * ring_fed_test: the ready ring fed by the wake-up callback
 * (MINIPOLL_RING_FED; minipoll_ring_open2()).
 *
 * Differential scenarios: on minipoll every wait is minipoll_ring_wait()
 * on a fed ring, on epoll (the oracle) epoll_wait() with the same
 * maxevents. For edge-triggered and one-shot items the events, their
 * coalescing and their order must be epoll's - with the ring set up
 * before and after the items, through MOD, DEL and close of items whose
 * entry is still in the ring, a ring too small for what is ready, a
 * wake-up that says nothing (the ready list's path), and the first
 * level-triggered item, which ends the feeding.
 *
 * Minipoll only: events published while the consumer harvests come out
 * without a system call; producers on every CPU against one consumer
 * lose nothing; ctl and close racing them leave no kernel report; a
 * forked child and an ordinary wait take entries as a consumer does;
 * unmapping leaves the instance working.
 */
#include "mp_impl.h"
#include "minipoll.h"

#include <linux/minipoll.h>

MP_FIXTURE(fed);

/* The fed ring of the scenario's instance on minipoll; NULL on epoll. */
static struct minipoll_ring *fed_ring(const struct mp_impl *I, int ep, unsigned int entries)
{
	return I == &mp_minipoll ? minipoll_ring_open2(ep, entries, MINIPOLL_RING_OPEN_FED) : NULL;
}

#define RW(max, timeout) W_N(evs, max, mp_ring_or_wait(I, r, ep, evs, max, timeout))
#define RING(entries) do {						\
	r = fed_ring(I, ep, entries);					\
	REQUIRE(I != &mp_minipoll || r);				\
} while (0)

/* N pipes watched with @flags (data i), none written yet. */
static bool pipes(const struct mp_impl *I, int ep, int (*p)[2], int n, uint32_t flags)
{
	int i;

	for (i = 0; i < n; i++)
		if (mp_pipe(p[i]) || I->ctl(ep, EPOLL_CTL_ADD, p[i][0], EV(EPOLLIN | flags, i)))
			return false;
	return true;
}

/*
 * FED_SCENARIO(name, entries, n, flags): a scenario whose body starts on an
 * instance with a fed ring of @entries (on minipoll) and @n pipes watched
 * with @flags, none written yet; the ring is closed after the body. The
 * body gets evs, r, ep and p (room for FED_MAX_PIPES, so that it may watch
 * more) as the other scenarios declare them, so that its steps read alike.
 */
#define FED_MAX_PIPES	10
#define FED_SCENARIO(name, entries, n, flags)				\
	static void steps_##name(struct mp_tr *t, const struct mp_impl *I,	\
			       struct epoll_event *evs, struct minipoll_ring *r, \
			       int ep, int (*p)[2]);			\
	MP_SCENARIO(fed, name)						\
	{								\
		struct epoll_event evs[16];				\
		struct minipoll_ring *r;				\
		int ep, p[FED_MAX_PIPES][2];				\
									\
		ep = I->create1(EPOLL_CLOEXEC);				\
		REQUIRE(ep >= 0);					\
		RING(entries);						\
		REQUIRE(pipes(I, ep, p, n, flags));			\
		steps_##name(t, I, evs, r, ep, p);			\
		minipoll_ring_close(r);					\
	}								\
	static void steps_##name(struct mp_tr *t, const struct mp_impl *I,	\
			       struct epoll_event *evs, struct minipoll_ring *r, \
			       int ep, int (*p)[2])

/* Edges published as they happen, merged until harvested, in wake order. */
MP_SCENARIO(fed, edges_in_wake_order)
{
	struct epoll_event evs[16];
	struct minipoll_ring *r;
	int ep, p[4][2], efd;

	ep = I->create1(EPOLL_CLOEXEC);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	REQUIRE(ep >= 0 && efd >= 0);
	RING(8);
	REQUIRE(pipes(I, ep, p, 4, EPOLLET));
	REQUIRE(I->ctl(ep, EPOLL_CTL_ADD, efd, EV(EPOLLIN | EPOLLET, 50)) == 0);
	RW(16, 0);			/* nothing yet */
	REQUIRE(mp_put(p[2][1], "a") == 1 && mp_put(p[0][1], "b") == 1);
	REQUIRE(!mp_efd_write(efd, 1) && mp_put(p[3][1], "c") == 1);
	RW(16, 0);			/* in the order they woke */
	RW(16, 0);			/* no new edge */
	REQUIRE(!mp_efd_write(efd, 1) && !mp_efd_write(efd, 1));
	REQUIRE(mp_put(p[1][1], "d") == 1 && mp_put(p[1][1], "e") == 1);
	RW(1, 0);			/* two wake-ups each, one event each */
	RW(1, 0);
	RW(1, 0);
	REQUIRE(mp_put(p[2][1], "f") == 1);
	RW(16, 0);			/* a new edge after the harvest */
	minipoll_ring_close(r);
}

/* Ready when added, with the ring made before and after the ADDs. */
MP_SCENARIO(fed, ready_at_add)
{
	struct epoll_event evs[16];
	struct minipoll_ring *r;
	int ep, p[3][2], i;

	ep = I->create1(EPOLL_CLOEXEC);
	REQUIRE(ep >= 0);
	RING(8);
	for (i = 0; i < 3; i++) {
		REQUIRE(mp_pipe(p[i]) == 0 && mp_put(p[i][1], "x") == 1);
		REQUIRE(I->ctl(ep, EPOLL_CTL_ADD, p[i][0], EV(EPOLLIN | EPOLLET, i)) == 0);
	}
	RW(16, 0);
	RW(16, 0);
	minipoll_ring_close(r);

	/* A second instance whose ring comes after its items. */
	ep = I->create1(EPOLL_CLOEXEC);
	REQUIRE(ep >= 0);
	for (i = 0; i < 3; i++)
		REQUIRE(I->ctl(ep, EPOLL_CTL_ADD, p[i][0], EV(EPOLLIN | EPOLLET, 10 + i)) == 0);
	RING(8);
	RW(2, 0);			/* from the ready list: a fill */
	REQUIRE(mp_put(p[0][1], "y") == 1);
	RW(16, 0);			/* the fill's third, then the new edge */
	RW(16, 0);
	minipoll_ring_close(r);
}

/* One-shot: disarmed when published; MOD re-arms and reports again. */
FED_SCENARIO(oneshot, 4, 3, EPOLLONESHOT)
{
	REQUIRE(mp_put(p[1][1], "a") == 1 && mp_put(p[0][1], "b") == 1);
	REQUIRE(mp_put(p[1][1], "c") == 1);	/* disarmed: nothing more */
	RW(16, 0);
	RW(16, 0);
	REQUIRE(I->ctl(ep, EPOLL_CTL_MOD, p[1][0], EV(EPOLLIN | EPOLLONESHOT, 7)) == 0);
	RW(16, 0);			/* still readable: reported at once */
	REQUIRE(I->ctl(ep, EPOLL_CTL_MOD, p[2][0], EV(EPOLLIN | EPOLLONESHOT | EPOLLET, 9)) == 0);
	REQUIRE(mp_put(p[2][1], "d") == 1);
	RW(16, 0);
}

/* DEL, MOD and close of items whose entry is not harvested yet. */
FED_SCENARIO(ctl_with_entries_in_flight, 8, 4, EPOLLET)
{
	REQUIRE(mp_put(p[0][1], "a") == 1 && mp_put(p[1][1], "b") == 1);
	REQUIRE(mp_put(p[2][1], "c") == 1 && mp_put(p[3][1], "d") == 1);
	REQUIRE(I->ctl(ep, EPOLL_CTL_DEL, p[1][0], NULL) == 0);
	REQUIRE(close(p[2][0]) == 0);		/* its last fd: the item goes */
	RW(16, 0);			/* neither the removed nor the closed one */
	REQUIRE(mp_put(p[3][1], "e") == 1);
	/* MOD with a new mask and data: only the new ones are reported. */
	REQUIRE(I->ctl(ep, EPOLL_CTL_MOD, p[3][0], EV(EPOLLIN | EPOLLOUT | EPOLLET, 33)) == 0);
	RW(16, 0);
	REQUIRE(mp_put(p[3][1], "f") == 1);
	REQUIRE(I->ctl(ep, EPOLL_CTL_MOD, p[3][0], EV(EPOLLOUT | EPOLLET, 34)) == 0);
	RW(16, 0);			/* a read end is never writable: nothing */
	close(p[2][1]);
}

/* More edges than slots: the rest goes through the ready list, in order. */
FED_SCENARIO(overflow_keeps_order, 4, 10, EPOLLET)
{
	int i;

	for (i = 9; i >= 0; i--)
		REQUIRE(mp_put(p[i][1], "x") == 1);
	RW(16, 0);			/* all ten, in the order they woke */
	for (i = 0; i < 10; i += 3)
		REQUIRE(mp_put(p[i][1], "y") == 1);
	for (i = 1; i < 10; i += 3)
		REQUIRE(mp_put(p[i][1], "y") == 1);
	RW(3, 0);
	RW(3, 0);
	RW(3, 0);
	RW(16, 0);
}

/* Wake-ups that say nothing (a pipe's writer goes away) take the ready list. */
FED_SCENARIO(keyless_wakeup, 8, 3, EPOLLET)
{
	REQUIRE(mp_put(p[0][1], "a") == 1);
	REQUIRE(close(p[1][1]) == 0);		/* hang-up: no key */
	REQUIRE(mp_put(p[2][1], "b") == 1);
	RW(16, 0);
	REQUIRE(close(p[2][1]) == 0);
	RW(16, 0);
}

/* The first level-triggered item ends the feeding; epoll's LT from then on. */
FED_SCENARIO(level_triggered_item_ends_feeding, 8, 2, EPOLLET)
{
	REQUIRE(mp_put(p[0][1], "a") == 1);	/* published */
	REQUIRE(pipes(I, ep, p + 2, 1, 0));
	REQUIRE(mp_put(p[2][1], "b") == 1 && mp_put(p[1][1], "c") == 1);
	RW(16, 0);			/* the published entry first, then the rest */
	RW(16, 0);			/* LT: again */
	RW(16, 0);
	REQUIRE(I->ctl(ep, EPOLL_CTL_MOD, p[2][0], EV(EPOLLIN | EPOLLET, 2)) == 0);
	REQUIRE(mp_put(p[0][1], "d") == 1);
	RW(16, 0);
	RW(16, 0);
}

/* The instance is readable for poll() and a parent while entries wait. */
MP_SCENARIO(fed, instance_readable_with_entries)
{
	struct epoll_event evs[16];
	struct minipoll_ring *r;
	int ep, parent, p[1][2];
	struct pollfd pfd;

	ep = I->create1(EPOLL_CLOEXEC);
	parent = I->create1(EPOLL_CLOEXEC);
	REQUIRE(ep >= 0 && parent >= 0);
	RING(8);
	REQUIRE(pipes(I, ep, p, 1, EPOLLET));
	REQUIRE(I->ctl(parent, EPOLL_CTL_ADD, ep, EV(EPOLLIN, 99)) == 0);
	pfd = (struct pollfd){ .fd = ep, .events = POLLIN };
	NOTE("poll before: %d", poll(&pfd, 1, 0));
	REQUIRE(mp_put(p[0][1], "a") == 1);
	NOTE("poll after the edge: %d revents %#x", poll(&pfd, 1, 0), pfd.revents);
	W_N(evs, 16, I->wait(parent, evs, 16, 0));
	RW(16, 0);
	NOTE("poll after the harvest: %d", poll(&pfd, 1, 0));
	W_N(evs, 16, I->wait(parent, evs, 16, 0));
	minipoll_ring_close(r);
}

/* ------------------------------------------------------------------------ */
/* Minipoll only */

MP_RAW_FIXTURE(raw);

static struct minipoll_ring *open_fed(int mp, unsigned int entries)
{
	return minipoll_ring_open2(mp, entries, MINIPOLL_RING_OPEN_FED);
}

TEST_F(raw, setup_flags)
{
	struct minipoll_ring_setup s = { .entries = 8, .flags = MINIPOLL_RING_FED };
	struct minipoll_ring_hdr *h;
	void *m;

	NEED_RAW_MINIPOLL();
	ASSERT_EQ(0, ioctl(self->mp, MINIPOLL_IOC_RING_SETUP, &s));
	m = mmap(NULL, s.size, PROT_READ | PROT_WRITE, MAP_SHARED, self->mp, 0);
	ASSERT_NE(MAP_FAILED, m);
	h = m;
	EXPECT_EQ(1u, h->feeding);
	EXPECT_EQ(0u, h->queued);
	/* An LT item ends the feeding. */
	ASSERT_EQ(0, minipoll_ctl(self->mp, EPOLL_CTL_ADD, self->p[0], EV(EPOLLIN, 1)));
	EXPECT_EQ(0u, h->feeding);
	munmap(m, s.size);
	errno = 0;
	EXPECT_EQ(NULL, minipoll_ring_open2(self->mp, 8, 2));
	EXPECT_EQ(EINVAL, errno);
}

/*
 * Published while the consumer harvests: no system call. After the first
 * harvest ioctl() is forbidden (seccomp); new edges keep coming out.
 */
TEST_F(raw, edges_without_syscall)
{
	struct epoll_event evs[8];
	struct minipoll_ring *r;
	int q[4][2], i;
	pid_t pid;

	NEED_RAW_MINIPOLL();
	r = open_fed(self->mp, 16);
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, mp_watch_pipes(self->mp, q, 4, EPOLLIN | EPOLLET, 0, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int round, got = 0, k;

		if (mp_forbid_ioctl())
			_exit(errno == EINVAL ? MP_NO_SECCOMP_EXIT : 11);
		for (round = 0; round < 50; round++) {
			for (i = 0; i < 4; i++)
				if (mp_put(q[i][1], "x") != 1)
					_exit(12);
			k = minipoll_ring_wait(r, evs, 8, 0);
			if (k != 4)
				_exit(13);
			got += k;
			for (i = 0; i < 4; i++)
				mp_drain(q[i][0]);
		}
		/* Nothing published: the ioctl is needed, and refused. */
		k = minipoll_ring_wait(r, evs, 8, 0);
		_exit(got == 200 && k == -1 && errno == ENOTRECOVERABLE ? 0 : 14);
	}
	MP_EXPECT_SECCOMP_CHILD(pid, out);
out:
	minipoll_ring_close(r);
	mp_close_pipes(q, 4);
}

/* An ordinary wait, and a forked child, take the entries as a consumer. */
TEST_F(raw, other_consumers)
{
	struct epoll_event evs[8];
	struct minipoll_ring *r;
	int q[3][2], status;
	pid_t pid;

	NEED_RAW_MINIPOLL();
	r = open_fed(self->mp, 8);
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, mp_watch_pipes(self->mp, q, 3, EPOLLIN | EPOLLET, 0, "x"));
	ASSERT_EQ(2, minipoll_wait(self->mp, evs, 2, 0));
	EXPECT_EQ(0u, evs[0].data.u64);
	EXPECT_EQ(1u, evs[1].data.u64);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(minipoll_ring_wait(r, evs, 8, 0) == 1 && evs[0].data.u64 == 2 ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, minipoll_ring_wait(r, evs, 8, 0));
	/* Unmapped: the instance still publishes, an ordinary wait takes it. */
	minipoll_ring_close(r);
	ASSERT_EQ(1, mp_put(q[1][1], "y"));
	ASSERT_EQ(1, minipoll_wait(self->mp, evs, 8, 0));
	EXPECT_EQ(1u, evs[0].data.u64);
	mp_close_pipes(q, 3);
}

/*
 * Producers on every CPU, one consumer: each producer writes a byte to
 * its own pipe and waits until the consumer has read it, so every write
 * is one edge the consumer must see - a lost publication or wake-up
 * hangs the producer, and the consumer's 5 s timeout fails the test.
 */
#define PRODUCERS	4
#define ROUNDS		2000

struct producer {
	int wfd;
	unsigned int acked;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	unsigned int i;

	for (i = 0; i < ROUNDS; i++) {
		if (mp_put(p->wfd, "x") != 1)
			return (void *)1;
		while (__atomic_load_n(&p->acked, __ATOMIC_ACQUIRE) <= i)
			sched_yield();
	}
	return NULL;
}

/* MOD and re-ADD an unrelated item in a loop, while the others run. */
struct churn {
	int mp, fd;
	bool stop;
};

static void *churn(void *arg)
{
	struct churn *c = arg;
	unsigned int i = 0;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		minipoll_ctl(c->mp, EPOLL_CTL_MOD, c->fd, EV(EPOLLIN | EPOLLOUT | EPOLLET, 100 + i));
		if (++i % 16 == 0) {
			minipoll_ctl(c->mp, EPOLL_CTL_DEL, c->fd, NULL);
			minipoll_ctl(c->mp, EPOLL_CTL_ADD, c->fd, EV(EPOLLOUT | EPOLLET, 100));
		}
	}
	return NULL;
}

TEST_F_TIMEOUT(raw, producers_on_every_cpu, 120)
{
	struct producer prod[PRODUCERS];
	struct churn ch = { .mp = self->mp };
	int q[PRODUCERS][2], cp[2], i, n, k;
	unsigned int total = 0, bytes;
	struct epoll_event evs[8];
	pthread_t th[PRODUCERS], cth;
	struct minipoll_ring *r;
	char buf[64];

	NEED_RAW_MINIPOLL();
	r = open_fed(self->mp, 4);	/* small: overflow is part of it */
	ASSERT_NE(NULL, r);
	for (i = 0; i < PRODUCERS; i++) {
		ASSERT_EQ(0, mp_pipe(q[i]));
		ASSERT_EQ(0, minipoll_ctl(self->mp, EPOLL_CTL_ADD, q[i][0],
					  EV(EPOLLIN | EPOLLET, i)));
		prod[i] = (struct producer){ .wfd = q[i][1] };
	}
	ASSERT_EQ(0, mp_pipe(cp));
	ch.fd = cp[1];
	ASSERT_EQ(0, minipoll_ctl(self->mp, EPOLL_CTL_ADD, cp[1], EV(EPOLLOUT | EPOLLET, 100)));
	cth = mp_thread(churn, &ch);
	for (i = 0; i < PRODUCERS; i++)
		th[i] = mp_thread(produce, &prod[i]);
	while (total < PRODUCERS * ROUNDS) {
		n = minipoll_ring_wait(r, evs, 8, 5000);
		ASSERT_LT(0, n) TH_LOG("after %u of %u bytes", total, PRODUCERS * ROUNDS);
		for (k = 0; k < n; k++) {
			if (evs[k].data.u64 >= PRODUCERS)
				continue;	/* the churned item */
			i = evs[k].data.u64;
			bytes = 0;
			while (read(q[i][0], buf, sizeof(buf)) > 0)
				bytes++;
			/* Each edge's byte, once: ET with the pipe drained. */
			total += bytes ? 1 : 0;
			if (bytes)
				__atomic_add_fetch(&prod[i].acked, 1, __ATOMIC_RELEASE);
		}
	}
	__atomic_store_n(&ch.stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < PRODUCERS; i++)
		EXPECT_EQ(NULL, mp_join(th[i]));
	mp_join(cth);
	EXPECT_EQ((unsigned int)(PRODUCERS * ROUNDS), total);
	minipoll_ring_close(r);
	for (i = 0; i < PRODUCERS; i++) {
		close(q[i][0]);
		close(q[i][1]);
	}
	close(cp[0]);
	close(cp[1]);
}

/* The watched files' last close races the harvest and the instance's close. */
static void *close_soon(void *arg)
{
	int *fds = arg;

	mp_put(fds[1], "x");
	close(fds[0]);
	close(fds[1]);
	return NULL;
}

TEST_F_TIMEOUT(raw, close_races, 120)
{
	struct epoll_event evs[8];
	int round, i, mp, q[8][2];
	struct minipoll_ring *r;
	pthread_t th[8];

	NEED_RAW_MINIPOLL();
	for (round = 0; round < 200; round++) {
		mp = minipoll_create1(EPOLL_CLOEXEC);
		ASSERT_LE(0, mp);
		r = open_fed(mp, 4);
		ASSERT_NE(NULL, r);
		for (i = 0; i < 8; i++) {
			ASSERT_EQ(0, mp_pipe(q[i]));
			ASSERT_EQ(0, minipoll_ctl(mp, EPOLL_CTL_ADD, q[i][0],
						  EV(EPOLLIN | EPOLLET | (i % 2 ? EPOLLONESHOT : 0), i)));
		}
		for (i = 0; i < 8; i++)
			th[i] = mp_thread(close_soon, q[i]);
		minipoll_ring_wait(r, evs, 8, 0);
		if (round % 2)
			close(mp);	/* the instance goes while the files close */
		for (i = 0; i < 8; i++)
			mp_join(th[i]);
		minipoll_ring_wait(r, evs, 8, 0);
		minipoll_ring_close(r);
		if (!(round % 2))
			close(mp);
	}
}

TEST_HARNESS_MAIN

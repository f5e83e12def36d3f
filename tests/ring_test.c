// SPDX-License-Identifier: GPL-2.0
/*
 * ring_test: the ready ring (MINIPOLL_IOC_RING_SETUP, mmap(),
 * MINIPOLL_IOC_RING_WAIT; minipoll_ring_open() and minipoll_ring_wait()),
 * which goes beyond epoll.
 *
 * Differential scenarios: on minipoll every wait is minipoll_ring_wait()
 * on a ring; on epoll (the oracle) it is epoll_wait() with the same
 * maxevents. LT, ET and ONESHOT must give the same events in the same
 * order, including when the ring is smaller than what is ready (the rest
 * waits on the ready list) and when the caller takes fewer events than a
 * fill published (the rest is handed out without a system call). The raw
 * tests check what epoll has no counterpart for: that a harvest of
 * published events makes no system call, setup and mmap errors, and
 * unmap/close orders.
 */
#include "mp_impl.h"
#include "minipoll.h"

#include <stddef.h>
#include <linux/minipoll.h>

MP_FIXTURE(ring);

/* The scenario's instance and, on minipoll, its ring (*r is NULL on epoll). */
static bool ring_instance(const struct mp_impl *I, int *ep, struct minipoll_ring **r,
			  unsigned int entries)
{
	*ep = I->create1(EPOLL_CLOEXEC);
	if (*ep < 0)
		return false;
	*r = I == &mp_minipoll ? minipoll_ring_open(*ep, entries) : NULL;
	return I != &mp_minipoll || *r;
}

#define RW(max, timeout) W_N(evs, max, mp_ring_or_wait(I, r, ep, evs, max, timeout))

/* N pipes watched with @flags, each made readable. */
static bool pipes(const struct mp_impl *I, int ep, int (*p)[2], int n, uint32_t flags)
{
	int i;

	for (i = 0; i < n; i++) {
		if (mp_pipe(p[i]) || I->ctl(ep, EPOLL_CTL_ADD, p[i][0], EV(EPOLLIN | flags, i)))
			return false;
		if (mp_put(p[i][1], "x") != 1)
			return false;
	}
	return true;
}

MP_SCENARIO(ring, level_triggered)
{
	struct epoll_event evs[16];
	struct minipoll_ring *r;
	int ep, p[5][2];

	REQUIRE(ring_instance(I, &ep, &r, 16));
	REQUIRE(pipes(I, ep, p, 5, 0));
	RW(16, 0);
	RW(16, 0);			/* still ready: reported again */
	REQUIRE(mp_drain(p[2][0]) == 1);
	RW(16, 0);			/* drained: gone */
	REQUIRE(I->ctl(ep, EPOLL_CTL_MOD, p[1][0], EV(EPOLLOUT, 100)) == 0);
	REQUIRE(I->ctl(ep, EPOLL_CTL_DEL, p[3][0], NULL) == 0);
	RW(16, 0);
	/*
	 * Fewer than published: the rest comes next, in order. (Taking
	 * the rest of a fill is not a re-poll: a harvest of 16 right after
	 * the third one would give 4 alone, where epoll_wait() gives 4 and
	 * 0 - see Documentation/ring.md. Hence the fourth.)
	 */
	RW(1, 0);
	RW(1, 0);
	RW(1, 0);
	RW(1, 0);
	RW(16, 0);
	minipoll_ring_close(r);
}

MP_SCENARIO(ring, edge_triggered)
{
	struct epoll_event evs[16];
	struct minipoll_ring *r;
	int ep, p[4][2], efd;

	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	REQUIRE(efd >= 0 && ring_instance(I, &ep, &r, 8));
	REQUIRE(pipes(I, ep, p, 4, EPOLLET));
	REQUIRE(I->ctl(ep, EPOLL_CTL_ADD, efd, EV(EPOLLIN | EPOLLET, 50)) == 0);
	RW(16, 0);			/* the adds found them ready */
	RW(16, 0);			/* no new edge: nothing */
	REQUIRE(!mp_efd_write(efd, 1) && mp_put(p[1][1], "y") == 1);
	RW(16, 0);			/* one edge each */
	RW(16, 0);
	REQUIRE(!mp_efd_write(efd, 1));
	REQUIRE(!mp_efd_write(efd, 1));
	RW(1, 0);			/* two writes before the harvest: one event */
	RW(1, 0);
	minipoll_ring_close(r);
}

MP_SCENARIO(ring, oneshot)
{
	struct epoll_event evs[16];
	struct minipoll_ring *r;
	int ep, p[3][2];

	REQUIRE(ring_instance(I, &ep, &r, 4));
	REQUIRE(pipes(I, ep, p, 3, EPOLLONESHOT));
	RW(16, 0);
	RW(16, 0);			/* disarmed when published */
	REQUIRE(mp_put(p[0][1], "z") == 1);
	RW(16, 0);
	REQUIRE(I->ctl(ep, EPOLL_CTL_MOD, p[0][0], EV(EPOLLIN | EPOLLONESHOT, 7)) == 0);
	REQUIRE(I->ctl(ep, EPOLL_CTL_MOD, p[2][0], EV(EPOLLIN | EPOLLONESHOT | EPOLLET, 9)) == 0);
	RW(16, 0);
	RW(16, 0);
	minipoll_ring_close(r);
}

/* More ready than the ring holds: the rest waits on the ready list, in order. */
MP_SCENARIO(ring, small_ring_overflow)
{
	struct epoll_event evs[16];
	struct minipoll_ring *r;
	int ep, p[10][2], i;

	REQUIRE(ring_instance(I, &ep, &r, 4));
	REQUIRE(pipes(I, ep, p, 7, 0));
	REQUIRE(pipes(I, ep, p + 7, 3, EPOLLET));
	for (i = 0; i < 6; i++)
		RW(4, 0);
	REQUIRE(mp_drain(p[0][0]) == 1 && mp_drain(p[5][0]) == 1);
	for (i = 0; i < 4; i++)
		RW(4, 0);
	minipoll_ring_close(r);
}

struct later {
	int fd;
	int ms;
};

static void *write_later(void *arg)
{
	struct later *l = arg;

	mp_msleep(l->ms);
	mp_efd_write(l->fd, 1);
	return NULL;
}

/* Empty ring: the wait blocks until another thread makes an item ready. */
MP_SCENARIO(ring, blocks_until_woken)
{
	struct epoll_event evs[4];
	struct minipoll_ring *r;
	struct later l;
	pthread_t th;
	long t0;
	int ep;

	l.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	l.ms = 200;
	REQUIRE(l.fd >= 0 && ring_instance(I, &ep, &r, 2));
	REQUIRE(I->ctl(ep, EPOLL_CTL_ADD, l.fd, EV(EPOLLIN | EPOLLET, 3)) == 0);
	t0 = mp_now_ms();
	RW(4, 50);			/* times out */
	NOTE("timed out after >= 50 ms: %d", mp_now_ms() - t0 >= 50);
	th = mp_thread(write_later, &l);
	t0 = mp_now_ms();
	RW(4, -1);
	NOTE("woke after the write: %d", mp_now_ms() - t0 >= 150);
	mp_join(th);
	RW(4, 0);
	minipoll_ring_close(r);
}

/* ------------------------------------------------------------------------ */
/* Minipoll only */

MP_RAW_FIXTURE(raw);

static int setup(int fd, uint32_t entries, struct minipoll_ring_setup *s)
{
	memset(s, 0, sizeof(*s));
	s->entries = entries;
	return ioctl(fd, MINIPOLL_IOC_RING_SETUP, s);
}

#define EXPECT_ERR(err, expr) do {					\
	errno = 0;							\
	EXPECT_EQ(-1, (long)(expr));					\
	EXPECT_EQ(err, errno) TH_LOG("%s: %s", #expr, mp_errname(errno)); \
} while (0)

#define EXPECT_NULL_ERR(err, expr) do {					\
	errno = 0;							\
	EXPECT_EQ(NULL, (expr));					\
	EXPECT_EQ(err, errno) TH_LOG("%s: %s", #expr, mp_errname(errno)); \
} while (0)

TEST_F(raw, layout)
{
	EXPECT_EQ(32, (int)sizeof(struct minipoll_ring_setup));
	EXPECT_EQ(192, (int)sizeof(struct minipoll_ring_hdr));
	EXPECT_EQ(16, (int)sizeof(struct minipoll_ring_event));
	EXPECT_EQ(16, (int)sizeof(struct minipoll_ring_wait));
	EXPECT_EQ(64, (int)offsetof(struct minipoll_ring_hdr, tail));
}

TEST_F(raw, setup_errors)
{
	const uint32_t bad[] = { 0, 3, 6, 100, MINIPOLL_RING_MAX_ENTRIES + 1,
				 2 * MINIPOLL_RING_MAX_ENTRIES, 0x80000000U, ~0U };
	struct minipoll_ring_setup s;
	unsigned int i;

	NEED_RAW_MINIPOLL();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERR(EINVAL, setup(self->mp, bad[i], &s));
	memset(&s, 0, sizeof(s));
	s.entries = 8;
	s.flags = ~MINIPOLL_RING_FLAGS;
	EXPECT_ERR(EINVAL, ioctl(self->mp, MINIPOLL_IOC_RING_SETUP, &s));
	s.flags = 0;
	s.__reserved[2] = 1;
	EXPECT_ERR(EINVAL, ioctl(self->mp, MINIPOLL_IOC_RING_SETUP, &s));
	EXPECT_ERR(EFAULT, ioctl(self->mp, MINIPOLL_IOC_RING_SETUP, (void *)8));
	EXPECT_NULL_ERR(EINVAL, minipoll_ring_open(self->mp, 5));
	EXPECT_NULL_ERR(EINVAL, minipoll_ring_open(self->p[0], 8));
	EXPECT_NULL_ERR(EBADF, minipoll_ring_open(9999, 8));

	/* Largest and smallest work; once per instance. */
	ASSERT_EQ(0, setup(self->mp, MINIPOLL_RING_MAX_ENTRIES, &s));
	EXPECT_EQ(4096 + 16 * MINIPOLL_RING_MAX_ENTRIES, (long)s.size);
	EXPECT_EQ(192, (int)s.events_off);
	EXPECT_ERR(EBUSY, setup(self->mp, 8, &s));
	EXPECT_NULL_ERR(EBUSY, minipoll_ring_open(self->mp, 8));
}

TEST_F(raw, wait_errors)
{
	struct minipoll_ring_wait w = { 0 };
	struct minipoll_ring_setup s;

	NEED_RAW_MINIPOLL();
	EXPECT_ERR(ENXIO, ioctl(self->mp, MINIPOLL_IOC_RING_WAIT, &w));
	w.flags = 1;
	EXPECT_ERR(EINVAL, ioctl(self->mp, MINIPOLL_IOC_RING_WAIT, &w));
	w.flags = 0;
	w.__reserved = 1;
	EXPECT_ERR(EINVAL, ioctl(self->mp, MINIPOLL_IOC_RING_WAIT, &w));
	EXPECT_ERR(EFAULT, ioctl(self->mp, MINIPOLL_IOC_RING_WAIT, (void *)8));
	ASSERT_EQ(0, setup(self->mp, 1, &s));
	w.__reserved = 0;
	EXPECT_EQ(0, ioctl(self->mp, MINIPOLL_IOC_RING_WAIT, &w));
}

TEST_F(raw, mmap_errors)
{
	struct minipoll_ring_setup s;
	void *m;

	NEED_RAW_MINIPOLL();
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, self->mp, 0);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(ENODEV, errno);	/* as on an epoll fd (instance_test compares) */
	ASSERT_EQ(0, setup(self->mp, 1024, &s));
	ASSERT_EQ(4096 * 5, (long)s.size);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->mp, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, s.size + 4096, PROT_READ, MAP_SHARED, self->mp, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, s.size, PROT_READ, MAP_SHARED, self->mp, 4096));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, s.size, PROT_READ | PROT_WRITE, MAP_PRIVATE,
				   self->mp, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, s.size, PROT_READ | PROT_EXEC, MAP_SHARED, self->mp, 0));
	EXPECT_EQ(EPERM, errno);
	m = mmap(NULL, s.size, PROT_READ, MAP_SHARED, self->mp, 0);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_NE(0, mprotect(m, s.size, PROT_READ | PROT_EXEC));
	/* No growing it. */
	EXPECT_EQ(MAP_FAILED, mremap(m, s.size, s.size + 4096, MREMAP_MAYMOVE));
	EXPECT_EQ(1024, (int)((struct minipoll_ring_hdr *)m)->entries);
	munmap(m, s.size);
}

/*
 * The raw protocol by hand: the tail moves only on a fill, a fill is
 * only made into an empty ring, and the head the consumer stores frees
 * the slots.
 */
TEST_F(raw, protocol)
{
	struct minipoll_ring_wait w = { 0 };
	struct minipoll_ring_setup s;
	struct minipoll_ring_event *ev;
	struct minipoll_ring_hdr *h;
	int q[3][2];
	void *m;

	NEED_RAW_MINIPOLL();
	ASSERT_EQ(0, setup(self->mp, 2, &s));
	m = mmap(NULL, s.size, PROT_READ | PROT_WRITE, MAP_SHARED, self->mp, 0);
	ASSERT_NE(MAP_FAILED, m);
	h = m;
	ev = (struct minipoll_ring_event *)((char *)m + s.events_off);
	ASSERT_EQ(0, mp_watch_pipes(self->mp, q, 3, EPOLLIN | EPOLLET, 10, "x"));
	EXPECT_EQ(0u, h->tail);
	EXPECT_EQ(2, ioctl(self->mp, MINIPOLL_IOC_RING_WAIT, &w));
	EXPECT_EQ(2u, __atomic_load_n(&h->tail, __ATOMIC_ACQUIRE));
	EXPECT_EQ((uint32_t)EPOLLIN, ev[0].events);
	EXPECT_EQ(10u, ev[0].data);
	EXPECT_EQ(11u, ev[1].data);
	/* Not empty: no fill, the count of what waits. */
	EXPECT_EQ(2, ioctl(self->mp, MINIPOLL_IOC_RING_WAIT, &w));
	__atomic_store_n(&h->head, 1, __ATOMIC_RELEASE);
	EXPECT_EQ(1, ioctl(self->mp, MINIPOLL_IOC_RING_WAIT, &w));
	EXPECT_EQ(2u, h->tail);
	__atomic_store_n(&h->head, 2, __ATOMIC_RELEASE);
	EXPECT_EQ(1, ioctl(self->mp, MINIPOLL_IOC_RING_WAIT, &w));
	EXPECT_EQ(3u, h->tail);
	EXPECT_EQ(12u, ev[0].data);		/* wrapped */
	/*
	 * A garbage head, tail and mask. The kernel reads only the head,
	 * against its own tail (3 here): a head other than that tail is
	 * tail - head entries waiting (modulo 2^32), clamped to the ring's
	 * size, and no fill.
	 */
	h->tail = 7;
	h->mask = ~0U;
	h->head = 0x12345;			/* 3 - 0x12345 = 0xfffedcbe */
	EXPECT_EQ(2, ioctl(self->mp, MINIPOLL_IOC_RING_WAIT, &w));
	h->head = 4;				/* one past the tail: 0xffffffff */
	EXPECT_EQ(2, ioctl(self->mp, MINIPOLL_IOC_RING_WAIT, &w));
	h->head = 2;				/* one behind: as it says */
	EXPECT_EQ(1, ioctl(self->mp, MINIPOLL_IOC_RING_WAIT, &w));
	EXPECT_EQ(7u, h->tail);			/* no fill wrote it */
	/* The head at the kernel's tail: empty, whatever the shared tail says. */
	h->head = 3;
	EXPECT_EQ(0, ioctl(self->mp, MINIPOLL_IOC_RING_WAIT, &w));
	ASSERT_EQ(1, mp_put(q[0][1], "x"));	/* a new edge */
	EXPECT_EQ(1, ioctl(self->mp, MINIPOLL_IOC_RING_WAIT, &w));
	EXPECT_EQ(4u, __atomic_load_n(&h->tail, __ATOMIC_ACQUIRE));
	EXPECT_EQ(10u, ev[3 & 1].data);		/* at the kernel's index, its mask */
	munmap(m, s.size);
	mp_close_pipes(q, 3);
}

/*
 * Published events are harvested without a system call: after the first
 * harvest, ioctl() is forbidden (seccomp), and the rest of the fill still
 * comes out; the harvest after that needs the ioctl and fails. A kernel
 * without seccomp filters (the debug kernel's small config) cannot forbid
 * it: skipped there, and nothing of the kernel runs in that harvest.
 */
TEST_F(raw, harvest_without_syscall)
{
	struct epoll_event evs[8];
	struct minipoll_ring *r;
	int q[8][2];
	pid_t pid;

	NEED_RAW_MINIPOLL();
	r = minipoll_ring_open(self->mp, 16);
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, mp_watch_pipes(self->mp, q, 8, EPOLLIN, 0, "x"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int n = 0, k;

		if (minipoll_ring_wait(r, evs, 3, 0) != 3)
			_exit(10);
		if (mp_forbid_ioctl())
			_exit(errno == EINVAL ? MP_NO_SECCOMP_EXIT : 11);
		while ((k = minipoll_ring_wait(r, evs, 3, 0)) > 0)
			n += k;
		/* 5 more from the same fill, then the ioctl is refused. */
		_exit(n == 5 && k == -1 && errno == ENOTRECOVERABLE ? 0 : 12);
	}
	MP_EXPECT_SECCOMP_CHILD(pid, out);
out:
	minipoll_ring_close(r);
	mp_close_pipes(q, 8);
}

/* Several consumers of one ring: every event of a fill once, none lost. */
struct consumer {
	struct minipoll_ring *r;
	int got[64];
};

static void *consume(void *arg)
{
	struct consumer *c = arg;
	struct epoll_event ev;

	while (minipoll_ring_wait(c->r, &ev, 1, 0) == 1)
		c->got[ev.data.u64]++;
	return NULL;
}

TEST_F(raw, concurrent_harvest)
{
	struct consumer c[4] = { 0 };
	struct minipoll_ring *r;
	int q[64][2], i, j, sum;
	pthread_t th[4];

	NEED_RAW_MINIPOLL();
	r = minipoll_ring_open(self->mp, 64);
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, mp_watch_pipes(self->mp, q, 64, EPOLLIN | EPOLLONESHOT, 0, "x"));
	for (j = 0; j < 4; j++) {
		c[j].r = r;
		th[j] = mp_thread(consume, &c[j]);
	}
	for (j = 0; j < 4; j++)
		mp_join(th[j]);
	for (i = 0; i < 64; i++) {
		for (sum = 0, j = 0; j < 4; j++)
			sum += c[j].got[i];
		EXPECT_EQ(1, sum) TH_LOG("item %d", i);
		close(q[i][0]);
		close(q[i][1]);
	}
	minipoll_ring_close(r);
}

/* Teardown in every order: the mapping outlives the fd, and the reverse. */
TEST_F(raw, unmap_close_orders)
{
	struct minipoll_ring_setup s;
	struct epoll_event ev;
	struct minipoll_ring *r;
	int fd, go[2], status;
	void *m1, *m2;
	pid_t pid;

	NEED_RAW_MINIPOLL();
	/* Close the fd first: the mappings keep the ring. */
	fd = minipoll_create1(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setup(fd, 8, &s));
	m1 = mmap(NULL, s.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	m2 = mmap(NULL, s.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m1);
	ASSERT_NE(MAP_FAILED, m2);
	close(fd);
	((struct minipoll_ring_hdr *)m1)->head = 5;
	EXPECT_EQ(5u, ((struct minipoll_ring_hdr *)m2)->head);	/* one memory */
	munmap(m1, s.size);
	EXPECT_EQ(8u, ((struct minipoll_ring_hdr *)m2)->entries);
	munmap(m2, s.size);

	/* The library: closing the fd under an open ring. */
	fd = minipoll_create1(0);
	ASSERT_LE(0, fd);
	r = minipoll_ring_open(fd, 4);
	ASSERT_NE(NULL, r);
	close(fd);
	EXPECT_ERR(EBADF, minipoll_ring_wait(r, &ev, 1, 0));
	minipoll_ring_close(r);

	/* Unmap first, then close; and a ring never mapped. */
	fd = minipoll_create1(0);
	ASSERT_LE(0, fd);
	r = minipoll_ring_open(fd, 4);
	ASSERT_NE(NULL, r);
	minipoll_ring_close(r);
	close(fd);
	fd = minipoll_create1(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setup(fd, 4, &s));
	close(fd);

	/*
	 * A forked child shares the ring and outlives the parent's close
	 * and unmap: it reads the header only after both (told by a pipe).
	 */
	fd = minipoll_create1(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setup(fd, 4, &s));
	m1 = mmap(NULL, s.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m1);
	close(fd);
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct minipoll_ring_hdr *h = m1;
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		h->head = 9;
		_exit(h->entries == 4 && h->mask == 3 && h->head == 9 ? 0 : 1);
	}
	close(go[0]);
	munmap(m1, s.size);
	ASSERT_EQ(1, write(go[1], "g", 1));
	close(go[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status %#x", status);
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN

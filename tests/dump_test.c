// SPDX-License-Identifier: GPL-2.0
/*
 * dump_test: MINIPOLL_IOC_DUMP and /sys/kernel/debug/minipoll/<id>.
 *
 * The dump has no counterpart in epoll, so most checks are on its own
 * invariants: the tree it reports is a valid red-black tree over all the
 * items, in the order fdinfo lists them; ids name the same object with the
 * same id; wait entries, queue lengths and counters follow what the test
 * did to the targets. Where epoll has the same behaviour it is the oracle:
 * the ready list the dump shows is the order in which the real epoll,
 * watching the very same files, delivers their events.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <linux/minipoll.h>

#include "kselftest_harness.h"
#include "mp_impl.h"
#include "mp_ioctl.h"

_Static_assert(sizeof(struct minipoll_dump) == 80, "struct minipoll_dump is 80 bytes");
_Static_assert(sizeof(struct minipoll_dump_item) == 88, "struct minipoll_dump_item is 88 bytes");
_Static_assert(sizeof(struct minipoll_dump_wq) == 40, "struct minipoll_dump_wq is 40 bytes");

#define MAX_ITEMS	256
#define MAX_WQS		512

/* A kernel address: fails access_ok() for any size. */
#define KERNEL_PTR ((uint64_t)0xffff888000000000ULL)

struct dump {
	struct minipoll_dump d;
	struct minipoll_dump_item items[MAX_ITEMS];
	struct minipoll_dump_wq wqs[MAX_WQS];
};

#define NEED_MINIPOLL() do {						\
	if (!mp_have_minipoll())					\
		SKIP(return, MINIPOLL_DEVICE " is absent (module not loaded)"); \
} while (0)

static int mp_new(void)
{
	return open(MINIPOLL_DEVICE, O_RDWR | O_CLOEXEC);
}

static int dump(int mp, struct dump *x)
{
	memset(x, 0, sizeof(*x));
	x->d.items = (uintptr_t)x->items;
	x->d.wqs = (uintptr_t)x->wqs;
	x->d.max_items = MAX_ITEMS;
	x->d.max_wqs = MAX_WQS;
	return ioctl(mp, MINIPOLL_IOC_DUMP, &x->d);
}

/* The index of the item added with @data, or -1. */
static int by_data(const struct dump *x, uint64_t data)
{
	unsigned int i;

	for (i = 0; i < x->d.nr_items; i++)
		if (x->items[i].data == data)
			return i;
	return -1;
}

/*
 * Check the red-black tree below @i: links both ways, in-order indexes,
 * no red node with a red child. Returns the black height, -1 if broken;
 * *next is the in-order index the subtree must start at.
 */
static int rb_check(struct __test_metadata *_metadata, const struct dump *x, int i,
		    int parent, int *next)
{
	const struct minipoll_dump_item *it;
	int lh, rh;

	if (i < 0)
		return 1;
	if (i >= (int)x->d.nr_items)
		return -1;
	it = &x->items[i];
	EXPECT_EQ(parent, it->parent);
	if (it->color == MINIPOLL_DUMP_RED) {
		if (it->left >= 0)
			EXPECT_EQ(MINIPOLL_DUMP_BLACK, x->items[it->left].color);
		if (it->right >= 0)
			EXPECT_EQ(MINIPOLL_DUMP_BLACK, x->items[it->right].color);
	} else {
		EXPECT_EQ(MINIPOLL_DUMP_BLACK, it->color);
	}
	lh = rb_check(_metadata, x, it->left, i, next);
	/* In-order: the whole left subtree comes before us. */
	EXPECT_EQ(*next, i);
	(*next)++;
	rh = rb_check(_metadata, x, it->right, i, next);
	if (lh < 0 || rh < 0 || lh != rh)
		return -1;
	return lh + (it->color == MINIPOLL_DUMP_BLACK);
}

FIXTURE(dump) {
	int mp;
	struct dump *x;
};

FIXTURE_SETUP(dump)
{
	self->mp = -1;
	self->x = calloc(1, sizeof(*self->x));
	ASSERT_NE(NULL, self->x);
	if (!mp_have_minipoll())
		return;
	self->mp = mp_new();
	ASSERT_LE(0, self->mp) TH_LOG("open: %s", strerror(errno));
}

FIXTURE_TEARDOWN(dump)
{
	if (self->mp >= 0)
		close(self->mp);
	free(self->x);
}

/* An empty instance: no items, root -1, a fresh id. */
TEST_F(dump, empty)
{
	struct dump *x = self->x;
	uint64_t id;
	int other;

	NEED_MINIPOLL();
	ASSERT_EQ(0, dump(self->mp, x));
	EXPECT_EQ(0U, x->d.nr_items);
	EXPECT_EQ(0U, x->d.nr_wqs);
	EXPECT_EQ(0U, x->d.nr_ready);
	EXPECT_EQ(0U, x->d.nr_ovf);
	EXPECT_EQ(0U, x->d.nr_waiters);
	EXPECT_EQ(0U, x->d.nr_pollers);
	EXPECT_EQ(-1, x->d.root);
	EXPECT_NE(0U, x->d.id);
	id = x->d.id;

	/* Later instances get larger ids; the same instance keeps its id. */
	other = mp_new();
	ASSERT_LE(0, other);
	ASSERT_EQ(0, dump(other, x));
	EXPECT_LT(id, x->d.id);
	ASSERT_EQ(0, dump(self->mp, x));
	EXPECT_EQ(id, x->d.id);
	close(other);
}

/*
 * 100 pipes, some read ends under several fds: the dump is a valid
 * red-black tree over all items, its in-order sequence is fdinfo's, and
 * dups of one file sit together, by fd, with one file id.
 */
TEST_F(dump, tree_shape_and_order)
{
	int p[100][2], dups[10], fds[MAX_ITEMS];
	struct dump *x = self->x;
	int i, n, next = 0, bh;

	NEED_MINIPOLL();
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, pipe2(p[i], O_CLOEXEC));
		ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, p[i][0], EPOLLIN, 1000 + p[i][0]));
	}
	for (i = 0; i < 10; i++) {
		dups[i] = dup(p[i * 5][0]);
		ASSERT_LE(0, dups[i]);
		ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, dups[i], EPOLLIN, 1000 + dups[i]));
	}
	/* Some removals, so that the tree has been rebalanced both ways. */
	for (i = 50; i < 60; i++)
		ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_DEL, p[i][0], 0, 0));

	ASSERT_EQ(0, dump(self->mp, x));
	ASSERT_EQ(100U, x->d.nr_items);
	ASSERT_LE(0, x->d.root);
	EXPECT_EQ(MINIPOLL_DUMP_BLACK, x->items[x->d.root].color);
	bh = rb_check(_metadata, x, x->d.root, -1, &next);
	EXPECT_LT(0, bh) TH_LOG("unequal black heights");
	EXPECT_EQ(100, next);

	/* The dump's order is fdinfo's, which is the tree's. */
	n = mp_fdinfo_tfds(self->mp, -1, fds, MAX_ITEMS);
	ASSERT_EQ(100, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(fds[i], x->items[i].fd) TH_LOG("position %d", i);
		EXPECT_EQ((uint64_t)(1000 + x->items[i].fd), x->items[i].data);
		EXPECT_STREQ("pipe", x->items[i].kind);
		EXPECT_EQ((uint32_t)(EPOLLIN | EPOLLERR | EPOLLHUP), x->items[i].events);
		EXPECT_EQ(0, x->items[i].state);
	}

	/* One id per file: dups share it and are adjacent, by fd. */
	for (i = 0; i < 10; i++) {
		int a = by_data(x, 1000 + p[i * 5][0]), b = by_data(x, 1000 + dups[i]);

		ASSERT_LE(0, a);
		ASSERT_LE(0, b);
		EXPECT_EQ(x->items[a].file_id, x->items[b].file_id);
		EXPECT_EQ(a + 1, b) TH_LOG("dup %d of fd %d not next to it", dups[i], p[i * 5][0]);
	}
	for (i = 1; i < n; i++) {
		int j;

		if (x->items[i].file_id == x->items[i - 1].file_id)
			continue;
		/* A file's items are contiguous: its id never reappears. */
		for (j = i; j < n; j++)
			EXPECT_NE(x->items[i - 1].file_id, x->items[j].file_id);
	}

	for (i = 0; i < 100; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
	for (i = 0; i < 10; i++)
		close(dups[i]);
}

/*
 * The ready list, in the order the real epoll - watching the same
 * eventfds, added in the same order - delivers them: first as they woke,
 * then after a partial level-triggered harvest (delivered items go to the
 * tail), then after one of them stops being ready.
 */
TEST_F(dump, ready_order_is_epoll_delivery_order)
{
	const int wake[6] = { 3, 0, 5, 1, 4, 2 };
	struct epoll_event evs[8];
	struct dump *x = self->x;
	int e[6], ep, i, round;
	uint64_t one = 1;

	NEED_MINIPOLL();
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	for (i = 0; i < 6; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = i };

		e[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_LE(0, e[i]);
		ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, e[i], &ev));
		ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, e[i], EPOLLIN, i));
	}
	for (i = 0; i < 6; i++)
		ASSERT_EQ(8, write(e[wake[i]], &one, 8));

	for (round = 0; round < 3; round++) {
		int n, got;

		ASSERT_EQ(0, dump(self->mp, x));
		n = epoll_wait(ep, evs, 8, 0);
		ASSERT_EQ((int)x->d.nr_ready, n) TH_LOG("round %d", round);
		for (i = 0; i < n; i++) {
			int idx = by_data(x, evs[i].data.u64);

			ASSERT_LE(0, idx);
			EXPECT_EQ(i, x->items[idx].ready_pos)
				TH_LOG("round %d: epoll delivers %llu at %d", round,
				       (unsigned long long)evs[i].data.u64, i);
			EXPECT_TRUE(!!(x->items[idx].state & MINIPOLL_DUMP_READY));
		}
		/* Epoll's wait above took everything and re-queued it in the same order. */
		if (round == 0) {
			/* Harvest two on both: they move to the tail. */
			ASSERT_EQ(2, epoll_wait(ep, evs, 2, 0));
			got = mp_wait(self->mp, evs, 2, 0);
			ASSERT_EQ(2, got);
		} else if (round == 1) {
			/* Drain one eventfd: it leaves both ready lists at the next harvest. */
			uint64_t v;

			ASSERT_EQ(8, read(e[5], &v, 8));
			ASSERT_EQ(5, epoll_wait(ep, evs, 8, 0));
			ASSERT_EQ(5, mp_wait(self->mp, evs, 8, 0));
		}
	}
	EXPECT_EQ(0U, x->d.nr_ovf);
	for (i = 0; i < 6; i++)
		close(e[i]);
	close(ep);
}

/*
 * Wait entries and kinds per target: one entry for a pipe end, a socket,
 * an eventfd, a timerfd, a signalfd (on the signal handlers' queue), a
 * nested instance; two for a FIFO open for reading and writing.
 */
TEST_F(dump, wait_entries_and_kinds)
{
	struct {
		int fd;
		const char *kind, *owner;
		unsigned int nr_wqs;
	} t[10];
	struct dump *x = self->x;
	int p[2], sv[2], tcp, udp, child, fifo, nt = 0, i;
	unsigned int next_wq = 0;
	char fifo_path[64];
	sigset_t mask;

	NEED_MINIPOLL();
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	t[nt++] = (typeof(t[0])){ p[0], "pipe", "pipe", 1 };
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	t[nt++] = (typeof(t[0])){ sv[0], "UNIX", "UNIX", 1 };
	tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, tcp);
	t[nt++] = (typeof(t[0])){ tcp, "TCP", "TCP", 1 };
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, udp);
	t[nt++] = (typeof(t[0])){ udp, "UDP", "UDP", 1 };
	t[nt] = (typeof(t[0])){ eventfd(0, EFD_CLOEXEC), "eventfd", "eventfd", 1 };
	ASSERT_LE(0, t[nt++].fd);
	t[nt] = (typeof(t[0])){ timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC), "timerfd", "timerfd", 1 };
	ASSERT_LE(0, t[nt++].fd);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	t[nt] = (typeof(t[0])){ signalfd(-1, &mask, SFD_CLOEXEC), "signalfd", "sighand", 1 };
	ASSERT_LE(0, t[nt++].fd);
	child = mp_new();
	ASSERT_LE(0, child);
	t[nt++] = (typeof(t[0])){ child, "minipoll", "minipoll", 1 };
	snprintf(fifo_path, sizeof(fifo_path), "/tmp/dump_test.fifo.%d", getpid());
	ASSERT_EQ(0, mkfifo(fifo_path, 0600));
	fifo = open(fifo_path, O_RDWR | O_CLOEXEC);
	unlink(fifo_path);
	ASSERT_LE(0, fifo);
	t[nt++] = (typeof(t[0])){ fifo, "FIFO", "FIFO", 2 };

	for (i = 0; i < nt; i++)
		ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, t[i].fd, EPOLLIN | EPOLLOUT, i));

	ASSERT_EQ(0, dump(self->mp, x));
	ASSERT_EQ((unsigned int)nt, x->d.nr_items);
	for (i = 0; i < nt; i++) {
		int idx = by_data(x, i);
		const struct minipoll_dump_item *it;
		unsigned int w, total = 0;

		ASSERT_LE(0, idx);
		it = &x->items[idx];
		EXPECT_STREQ(t[i].kind, it->kind);
		EXPECT_EQ(t[i].nr_wqs, it->nr_wqs) TH_LOG("%s", t[i].kind);
		for (w = it->first_wq; w < it->first_wq + it->nr_wqs; w++) {
			EXPECT_EQ((unsigned int)idx, x->wqs[w].item);
			EXPECT_STREQ(t[i].owner, x->wqs[w].owner);
			EXPECT_NE(0U, x->wqs[w].head_id);
			EXPECT_EQ(0U, x->wqs[w].flags);
			/* Nobody else waits on these queues: just our entry. */
			EXPECT_EQ(1U, x->wqs[w].queue_len) TH_LOG("%s", t[i].kind);
			total++;
		}
		EXPECT_EQ(t[i].nr_wqs, total);
	}
	/* The FIFO's two entries are on two different queues. */
	i = by_data(x, nt - 1);
	EXPECT_NE(x->wqs[x->items[i].first_wq].head_id, x->wqs[x->items[i].first_wq + 1].head_id);

	/* Entries are numbered in item order, without gaps. */
	for (i = 0; i < (int)x->d.nr_items; i++) {
		EXPECT_EQ(next_wq, x->items[i].first_wq);
		next_wq += x->items[i].nr_wqs;
	}
	EXPECT_EQ(next_wq, x->d.nr_wqs);

	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
	for (i = 2; i < nt; i++)
		close(t[i].fd);
}

/*
 * The same queue seen from several entries: two instances and a dup on
 * one pipe - one head id, queue length 3; EPOLLEXCLUSIVE is flagged.
 */
TEST_F(dump, shared_queue_and_exclusive)
{
	struct dump *x = self->x;
	uint64_t head, file;
	int p[2], d, other, i;

	NEED_MINIPOLL();
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	d = dup(p[0]);
	ASSERT_LE(0, d);
	other = mp_new();
	ASSERT_LE(0, other);
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, p[0], EPOLLIN, 1));
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, d, EPOLLIN, 2));
	ASSERT_EQ(0, mp_ctl(other, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 3));

	ASSERT_EQ(0, dump(self->mp, x));
	ASSERT_EQ(2U, x->d.nr_items);
	ASSERT_EQ(2U, x->d.nr_wqs);
	head = x->wqs[0].head_id;
	file = x->items[0].file_id;
	EXPECT_EQ(file, x->items[1].file_id);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(head, x->wqs[i].head_id);
		EXPECT_EQ(3U, x->wqs[i].queue_len);
		EXPECT_EQ(0U, x->wqs[i].flags);
	}

	ASSERT_EQ(0, dump(other, x));
	ASSERT_EQ(1U, x->d.nr_wqs);
	EXPECT_EQ(file, x->items[0].file_id);
	EXPECT_EQ(head, x->wqs[0].head_id);
	EXPECT_EQ(MINIPOLL_DUMP_WQ_EXCLUSIVE, x->wqs[0].flags);
	EXPECT_EQ(3U, x->wqs[0].queue_len);
	/* Ids are not the addresses: a kernel pointer would start with 0xffff. */
	EXPECT_NE(0xffffULL, file >> 48);

	/* Gone from the queue when deleted. */
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_DEL, d, 0, 0));
	ASSERT_EQ(0, dump(other, x));
	EXPECT_EQ(2U, x->wqs[0].queue_len);

	close(other);
	close(d);
	close(p[0]);
	close(p[1]);
}

/*
 * Counters: a wake-up the item wants is a callback; one it does not
 * (EPOLLOUT only, the key says IN) or cannot take (disarmed ONESHOT) is
 * also ignored; deliveries count events copied out.
 */
TEST_F(dump, counters)
{
	struct dump *x = self->x;
	struct epoll_event evs[4];
	uint64_t one = 1;
	int e, o;

	NEED_MINIPOLL();
	e = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	o = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, e);
	ASSERT_LE(0, o);
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, 1));
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, o, EPOLLIN | EPOLLONESHOT, 2));

	ASSERT_EQ(0, dump(self->mp, x));
	EXPECT_EQ(0U, x->items[by_data(x, 1)].callbacks);
	EXPECT_EQ(0U, x->items[by_data(x, 1)].deliveries);

	ASSERT_EQ(8, write(e, &one, 8));
	ASSERT_EQ(8, write(e, &one, 8));
	ASSERT_EQ(1, mp_wait(self->mp, evs, 4, 0));
	ASSERT_EQ(0, dump(self->mp, x));
	EXPECT_EQ(2U, x->items[by_data(x, 1)].callbacks);
	EXPECT_EQ(0U, x->items[by_data(x, 1)].ignored);
	EXPECT_EQ(1U, x->items[by_data(x, 1)].deliveries);

	/* Wanting only OUT: eventfd's IN wake-up is ignored. */
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_MOD, e, EPOLLOUT | EPOLLET, 1));
	ASSERT_EQ(1, mp_wait(self->mp, evs, 4, 0));	/* MOD found OUT ready */
	ASSERT_EQ(8, write(e, &one, 8));
	ASSERT_EQ(0, dump(self->mp, x));
	EXPECT_EQ(3U, x->items[by_data(x, 1)].callbacks);
	EXPECT_EQ(1U, x->items[by_data(x, 1)].ignored);
	EXPECT_EQ(2U, x->items[by_data(x, 1)].deliveries);
	EXPECT_EQ(-1, x->items[by_data(x, 1)].ready_pos);

	/* ONESHOT: fires once, then is disarmed and ignores wake-ups. */
	ASSERT_EQ(8, write(o, &one, 8));
	ASSERT_EQ(1, mp_wait(self->mp, evs, 4, 0));
	EXPECT_EQ(2U, evs[0].data.u64);
	ASSERT_EQ(0, dump(self->mp, x));
	EXPECT_EQ(MINIPOLL_DUMP_DISARMED, x->items[by_data(x, 2)].state);
	EXPECT_EQ((uint32_t)EPOLLONESHOT, x->items[by_data(x, 2)].events);
	ASSERT_EQ(8, write(o, &one, 8));
	ASSERT_EQ(0, dump(self->mp, x));
	EXPECT_EQ(2U, x->items[by_data(x, 2)].callbacks);
	EXPECT_EQ(1U, x->items[by_data(x, 2)].ignored);
	EXPECT_EQ(1U, x->items[by_data(x, 2)].deliveries);
	EXPECT_EQ(0U, x->d.nr_ready);

	close(e);
	close(o);
}

/*
 * POLLFREE: a signalfd registered by a child process hangs on the child's
 * signal handlers; when the child is reaped they go away, the queue says
 * POLLFREE, and the entry shows as freed. The item is ready (HUP), as
 * epoll reports it.
 */
TEST_F(dump, pollfree_signalfd)
{
	struct dump *x = self->x;
	int sfd;

	NEED_MINIPOLL();
	sfd = mp_signalfd_of_reaped_child(self->mp, SIGUSR2, EPOLLIN, 7);
	ASSERT_LE(0, sfd);

	ASSERT_EQ(0, dump(self->mp, x));
	ASSERT_EQ(1U, x->d.nr_items);
	ASSERT_EQ(1U, x->items[0].nr_wqs);
	EXPECT_EQ(MINIPOLL_DUMP_WQ_FREED, x->wqs[0].flags);
	EXPECT_EQ(0U, x->wqs[0].queue_len);
	EXPECT_EQ(1U, x->items[0].callbacks);
	EXPECT_EQ(0, x->items[0].ready_pos);
	EXPECT_EQ(1U, x->d.nr_ready);
	close(sfd);
}

static void *waiter(void *arg)
{
	struct epoll_event ev;

	mp_wait(*(int *)arg, &ev, 1, 5000);
	return NULL;
}

/* A thread in MINIPOLL_IOC_WAIT is a waiter; a real epoll watching us, a poller. */
TEST_F(dump, waiters_and_pollers)
{
	struct dump *x = self->x;
	struct epoll_event ev = { .events = EPOLLIN };
	pthread_t th;
	int ep, e, i;
	uint64_t one = 1;

	NEED_MINIPOLL();
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->mp, &ev));
	e = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, e);
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, e, EPOLLIN, 1));

	ASSERT_EQ(0, pthread_create(&th, NULL, waiter, &self->mp));
	for (i = 0; i < 500; i++) {
		ASSERT_EQ(0, dump(self->mp, x));
		if (x->d.nr_waiters)
			break;
		usleep(10000);
	}
	EXPECT_EQ(1U, x->d.nr_waiters);
	EXPECT_EQ(1U, x->d.nr_pollers);
	ASSERT_EQ(8, write(e, &one, 8));
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(0, dump(self->mp, x));
	EXPECT_EQ(0U, x->d.nr_waiters);
	close(e);
	close(ep);
}

/*
 * Small arrays: at most max entries are written, the rest of the buffer
 * is untouched, and the counts are the full ones. No arrays at all: counts.
 */
TEST_F(dump, partial_arrays_and_counts_only)
{
	struct dump *x = self->x;
	struct minipoll_dump d = { 0 };
	int p[8][2], i;

	NEED_MINIPOLL();
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, pipe2(p[i], O_CLOEXEC));
		ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, p[i][0], EPOLLIN, i));
	}
	memset(x, 0xa5, sizeof(*x));
	x->d = (struct minipoll_dump){
		.items = (uintptr_t)x->items, .max_items = 3,
		.wqs = (uintptr_t)x->wqs, .max_wqs = 5,
	};
	ASSERT_EQ(0, ioctl(self->mp, MINIPOLL_IOC_DUMP, &x->d));
	EXPECT_EQ(8U, x->d.nr_items);
	EXPECT_EQ(8U, x->d.nr_wqs);
	EXPECT_EQ(0xa5a5a5a5U, (uint32_t)x->items[3].fd);
	EXPECT_EQ(0xa5a5a5a5U, x->wqs[5].item);
	EXPECT_EQ(2U, x->wqs[2].item);
	EXPECT_STREQ("pipe", x->items[2].kind);

	ASSERT_EQ(0, ioctl(self->mp, MINIPOLL_IOC_DUMP, &d));
	EXPECT_EQ(8U, d.nr_items);
	EXPECT_EQ(8U, d.nr_wqs);
	EXPECT_LE(0, d.root);
	for (i = 0; i < 8; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
}

/* EINVAL for flags and reserved, EFAULT for bad pointers (counts still filled). */
TEST_F(dump, errors)
{
	struct minipoll_dump d = { 0 };
	int p[2];
	void *none;

	NEED_MINIPOLL();
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, p[0], EPOLLIN, 1));

	d.flags = 1;
	EXPECT_EQ(-1, ioctl(self->mp, MINIPOLL_IOC_DUMP, &d));
	EXPECT_EQ(EINVAL, errno);
	d.flags = 0x80000000;
	EXPECT_EQ(-1, ioctl(self->mp, MINIPOLL_IOC_DUMP, &d));
	EXPECT_EQ(EINVAL, errno);
	d.flags = 0;
	d.__reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->mp, MINIPOLL_IOC_DUMP, &d));
	EXPECT_EQ(EINVAL, errno);
	d.__reserved[1] = 0;

	none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	EXPECT_EQ(-1, ioctl(self->mp, MINIPOLL_IOC_DUMP, none));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->mp, MINIPOLL_IOC_DUMP, NULL));
	EXPECT_EQ(EFAULT, errno);

	d.items = (uintptr_t)none;
	d.max_items = 1;
	EXPECT_EQ(-1, ioctl(self->mp, MINIPOLL_IOC_DUMP, &d));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(1U, d.nr_items);
	EXPECT_EQ(1U, d.nr_wqs);

	memset(&d, 0, sizeof(d));
	d.wqs = KERNEL_PTR;
	d.max_wqs = 1;
	EXPECT_EQ(-1, ioctl(self->mp, MINIPOLL_IOC_DUMP, &d));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(1U, d.nr_items);

	/* An array with capacity 0 is never touched. */
	memset(&d, 0, sizeof(d));
	d.items = (uintptr_t)none;
	EXPECT_EQ(0, ioctl(self->mp, MINIPOLL_IOC_DUMP, &d));

	/* Neighbouring commands are still unknown. */
	EXPECT_EQ(-1, ioctl(self->mp, _IOR(MINIPOLL_IOC_MAGIC, 3, struct minipoll_dump), &d));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->mp, _IOWR(MINIPOLL_IOC_MAGIC, 3, struct minipoll_ctl), &d));
	EXPECT_EQ(ENOTTY, errno);

	/* Not an instance: the ioctl is the pipe's business (ENOTTY). */
	EXPECT_EQ(-1, ioctl(p[0], MINIPOLL_IOC_DUMP, &d));
	EXPECT_EQ(ENOTTY, errno);

	munmap(none, 4096);
	close(p[0]);
	close(p[1]);
}

/* Root's view: /sys/kernel/debug/minipoll/<id>, there while the instance is. */
TEST_F(dump, debugfs_file)
{
	char path[96], buf[8192], head[64];
	struct dump *x = self->x;
	ssize_t n;
	int p[2], f, e;

	NEED_MINIPOLL();
	if (geteuid() != 0)
		SKIP(return, "debugfs is for root");
	if (access("/sys/kernel/debug/minipoll", F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (access("/sys/kernel/debug/minipoll", F_OK))
		SKIP(return, "no debugfs");

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	e = eventfd(1, EFD_CLOEXEC);
	ASSERT_LE(0, e);
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, p[0], EPOLLIN, 0x1234));
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, e, EPOLLIN, 0x5678));
	ASSERT_EQ(0, dump(self->mp, x));
	snprintf(path, sizeof(path), "/sys/kernel/debug/minipoll/%llu",
		 (unsigned long long)x->d.id);
	f = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, f) TH_LOG("%s: %s", path, strerror(errno));
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	ASSERT_LT(0, n);
	buf[n] = 0;
	TH_LOG("%s", buf);

	snprintf(head, sizeof(head), "instance %llu: items 2 ready 1 ovf 0",
		 (unsigned long long)x->d.id);
	EXPECT_NE(NULL, strstr(buf, head));
	EXPECT_NE(NULL, strstr(buf, "kind pipe"));
	EXPECT_NE(NULL, strstr(buf, "kind eventfd"));
	EXPECT_NE(NULL, strstr(buf, "data 0000000000001234"));
	EXPECT_NE(NULL, strstr(buf, "state ready"));
	EXPECT_NE(NULL, strstr(buf, "owner pipe len 1"));
	EXPECT_NE(NULL, strstr(buf, "wqs 2\n"));
	snprintf(head, sizeof(head), "file %016llx", (unsigned long long)x->items[0].file_id);
	EXPECT_NE(NULL, strstr(buf, head));

	close(self->mp);
	self->mp = -1;
	EXPECT_NE(0, access(path, F_OK)) TH_LOG("%s outlived its instance", path);
	close(e);
	close(p[0]);
	close(p[1]);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * mpbench's multi-threaded workloads: 4 (cross-thread wakeup) and 5 (a herd
 * of 8 waiters on one eventfd, with and without EPOLLEXCLUSIVE).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mpbench.h"

/* ---- 4. Cross-thread wakeup ---- */

/*
 * Thread B waits on a set of N fds of which one, `active`, is ever
 * signalled; thread A writes it and blocks reading `back` until B has
 * returned from the wait, drained `active` and written `back`. One
 * iteration is one such exchange: two wakeups and two context switches,
 * the same for every mechanism but B's wait.
 */
struct wk_ctx {
	const struct mpb_impl *im;
	struct mpb_set *s;
	int active, back;
	atomic_int stop;
};

static void *wk_waiter(void *p)
{
	struct wk_ctx *c = p;
	struct epoll_event out[8];

	for (;;) {
		if (c->im->wait(c->s, out, 8, -1) != 1)
			mp_die("%s: wakeup: wait: %s", c->im->name, strerror(errno));
		if (atomic_load(&c->stop))
			return NULL;
		mpb_efd_drain(c->active);
		mpb_efd_signal(c->back);
	}
}

static int wk_op(void *p, long i)
{
	struct wk_ctx *c = p;
	uint64_t v;

	(void)i;
	mpb_efd_signal(c->active);
	/* back is blocking: A sleeps until B answers. */
	return read(c->back, &v, sizeof(v)) == sizeof(v) ? 0 : -1;
}

void mpb_w_wakeup(const struct mpb_impl *im, const int *fds, long n)
{
	struct wk_ctx c = { im, mpb_set_create(im, fds, n, EPOLLIN), fds[n / 2], -1, 0 };
	pthread_t t;

	c.back = eventfd(0, 0);
	if (c.back < 0)
		mp_die("eventfd: %s", strerror(errno));
	if (pthread_create(&t, NULL, wk_waiter, &c))
		mp_die("pthread_create failed");
	mpb_record(n, im->name, "%s_per_wakeup", mpb_measure(wk_op, &c, 3));
	atomic_store(&c.stop, 1);
	mpb_efd_signal(c.active);
	pthread_join(t, NULL);
	mpb_efd_drain(c.active);
	close(c.back);
	im->destroy(c.s);
}

/* ---- 5. Herd ---- */

#define HERD 8

/*
 * HERD threads, each with its own set watching the one eventfd `src`.
 * A round: the main thread waits until all are asleep in their wait,
 * writes `src` once (timed: the write runs every waiter's callback), waits
 * until the woken ones have run and parked, counts them, drains `src` and
 * releases them to wait again. Without EPOLLEXCLUSIVE all HERD wake; with
 * it, epoll wakes one. "Asleep" is read from /proc (state S): a thread is
 * asleep only in its wait or, once counted, parked on the futex, so the
 * count does not depend on how fast the machine is.
 */
struct herd_ctx {
	const struct mpb_impl *im;
	int src;
	uint32_t events;
	atomic_int waiting;	/* threads in (or about to enter) a wait */
	atomic_int woken;	/* waits that returned the event */
	atomic_int gen;		/* round number, a futex word */
	atomic_int stop;
};

struct herd_thread {
	struct herd_ctx *c;
	struct mpb_set *s;
	pthread_t t;
	atomic_int tid;
};

static void futex_wait(atomic_int *word, int val)
{
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake_all(atomic_int *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1 << 30, NULL, NULL, 0);
}

static void *herd_waiter(void *p)
{
	struct herd_thread *h = p;
	struct herd_ctx *c = h->c;
	struct epoll_event out[1];

	atomic_store(&h->tid, (int)syscall(SYS_gettid));
	while (!atomic_load(&c->stop)) {
		int gen = atomic_load(&c->gen), r;

		atomic_fetch_add(&c->waiting, 1);
		r = c->im->wait(h->s, out, 1, 1000);
		atomic_fetch_sub(&c->waiting, 1);
		if (r < 0)
			mp_die("%s: herd: wait: %s", c->im->name, strerror(errno));
		if (r == 0)
			continue;	/* timed out: wait again */
		atomic_fetch_add(&c->woken, 1);
		while (atomic_load(&c->gen) == gen && !atomic_load(&c->stop))
			futex_wait(&c->gen, gen);
	}
	return NULL;
}

/* 1 if thread tid of this process sleeps (state S), else 0. */
static int asleep(int tid)
{
	char path[64], buf[512], *p;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		mp_die("%s: %s", path, strerror(errno));
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		mp_die("%s: cannot read", path);
	buf[len] = 0;
	p = strrchr(buf, ')');	/* the state follows the command's name */
	return p && p[1] == ' ' && p[2] == 'S';
}

/* Wait until every waiter is asleep (and, with all_in_wait, in its wait). */
static void herd_settle(struct herd_ctx *c, struct herd_thread *h, int all_in_wait)
{
	int i;

	for (;;) {
		if (!all_in_wait || atomic_load(&c->waiting) == HERD) {
			for (i = 0; i < HERD; i++)
				if (!atomic_load(&h[i].tid) || !asleep(h[i].tid))
					break;
			if (i == HERD)
				return;
		}
		mpb_sleep_us(200);
	}
}

static void herd_run(const struct mpb_impl *im, int exclusive)
{
	struct herd_ctx c = { .im = im, .events = EPOLLIN };
	struct herd_thread h[HERD];
	int rounds = mpb_opts.quick ? 3 : 40, r, i;
	uint64_t t_write = 0, t0;
	long woken = 0;

	if (exclusive)
		c.events |= EPOLLEXCLUSIVE;
	c.src = eventfd(0, EFD_NONBLOCK);
	if (c.src < 0)
		mp_die("eventfd: %s", strerror(errno));
	for (i = 0; i < HERD; i++) {
		h[i].c = &c;
		h[i].s = im->create(im, 1);
		atomic_store(&h[i].tid, 0);
		if (im->add(h[i].s, c.src, c.events))
			mp_die("%s: herd: add: %s", im->name, strerror(errno));
		if (pthread_create(&h[i].t, NULL, herd_waiter, &h[i]))
			mp_die("pthread_create failed");
	}
	for (r = 0; r <= rounds; r++) {
		herd_settle(&c, h, 1);
		atomic_store(&c.woken, 0);
		t0 = mpb_now();
		mpb_efd_signal(c.src);
		if (r)			/* round 0 is the warm-up */
			t_write += mpb_now() - t0;
		herd_settle(&c, h, 0);	/* the woken ones run and park */
		if (r)
			woken += atomic_load(&c.woken);
		mpb_efd_drain(c.src);
		atomic_fetch_add(&c.gen, 1);
		futex_wake_all(&c.gen);
	}
	atomic_store(&c.stop, 1);
	atomic_fetch_add(&c.gen, 1);
	futex_wake_all(&c.gen);
	for (i = 0; i < HERD; i++) {
		pthread_join(h[i].t, NULL);
		im->destroy(h[i].s);
	}
	close(c.src);
	mpb_record(HERD, im->name,
		   exclusive ? "wakeups_per_event_exclusive" : "wakeups_per_event",
		   (double)woken / rounds);
	mpb_record(HERD, im->name,
		   exclusive ? "%s_per_write_exclusive" : "%s_per_write",
		   (double)t_write / rounds);
}

void mpb_w_herd(void)
{
	int j;

	for (j = 0; mpb_impls[j]; j++) {
		if (!mpb_impl_selected(mpb_impls[j]))
			continue;
		herd_run(mpb_impls[j], 0);
		/* EPOLLEXCLUSIVE exists only for the kernel's interest sets. */
		if (mpb_impls[j]->api)
			herd_run(mpb_impls[j], 1);
	}
}

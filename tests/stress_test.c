// SPDX-License-Identifier: GPL-2.0
/*
 * stress_test: races and scale, on epoll (which shows that the test itself
 * is sound) and on minipoll. Nothing is compared event by event: threads
 * race for a fixed time, and a case passes when nothing crashed or hung,
 * every call failed only in ways epoll can fail, every event carried data
 * that some ctl put there, and the final state adds up (the items left
 * match what MOD finds; when every watched file is closed, no item is
 * left; the instance still delivers an event). What a race does to the
 * kernel - KASAN, lockdep, list corruption, a WARN - is checked by vm-run
 * in the kernel log after the run, and by make check-debug on the debug
 * kernel.
 *
 * Guest only for minipoll (the epoll variants run anywhere). Each case
 * races for MP_STRESS_MS milliseconds (default 2000) per variant;
 * MP_STRESS_ONLY=case[,case] runs only those.
 *
 *   ctl_wait_race        ctl ADD/MOD/DEL, wait, write, close and dup2 on one
 *                        instance from six threads
 *   close_while_waiting  close an instance (and one nested in it) while
 *                        threads wait on it, then wake them
 *   close_while_firing   close watched pipes and sockets while writers make
 *                        their callbacks fire, and replace them
 *   nested_teardown      chains and a diamond of instances closed in all 120
 *                        orders, events flowing in between
 *   mixed_epoll_cycle    real epoll and minipoll each trying to watch the
 *                        other at once (minipoll only: EOPNOTSUPP, no hang)
 *   signalfd_pollfree    tasks sharing our fd table register their signalfd
 *                        and exit: POLLFREE while other threads wait and MOD
 *   watch_100k           100,000 eventfds in one instance (minipoll only)
 *   fork_shared          children of a fork work on the shared instance
 */
#include "mp_impl.h"

#include <sched.h>

#include "minipoll.h"

#define TAG		0x5eed000000000000ULL	/* high bits of every data value */
#define TAG_MASK	0xffff000000000000ULL

static int stress_ms(void)
{
	const char *v = getenv("MP_STRESS_MS");

	return v && atoi(v) > 0 ? atoi(v) : 2000;
}

/* ------------------------------------------------------------------------ */
/* Shared state of a race */

struct race {
	const struct mp_impl *I;
	int ep;
	int *fds, nfds;		/* stable targets: never closed during the race */
	int *vol, nvol;		/* volatile fd numbers: closed, replaced, dup2'ed over */
	int stop;		/* __atomic */
	long ops;		/* __atomic: calls made */
	long events;		/* __atomic: events harvested */
	int bad;		/* __atomic: unexpected results */
	char why[160];		/* the first of them */
	pthread_mutex_t lock;
};

struct worker {
	struct race *r;
	uint64_t rng;
	int id;
};

static uint64_t wrnd(struct worker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

static int wpick(struct worker *w, int n)
{
	return n > 0 ? (int)(wrnd(w) % n) : 0;
}

static bool stopped(struct race *r)
{
	return __atomic_load_n(&r->stop, __ATOMIC_RELAXED);
}

static void race_bad(struct race *r, const char *fmt, ...)
{
	va_list ap;

	if (__atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED))
		return;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

static void race_init(struct race *r, const struct mp_impl *I)
{
	memset(r, 0, sizeof(*r));
	r->I = I;
	r->ep = -1;
	pthread_mutex_init(&r->lock, NULL);
}

static bool errno_in(int err, const int *ok)
{
	for (; *ok; ok++)
		if (err == *ok)
			return true;
	return false;
}

static const int ctl_errs[] = { EEXIST, ENOENT, EBADF, EINVAL, 0 };
static const int wait_errs[] = { EBADF, EINVAL, EINTR, 0 };

static uint32_t rnd_events(struct worker *w)
{
	static const uint32_t ev[] = {
		EPOLLIN, EPOLLOUT, EPOLLIN | EPOLLOUT, EPOLLIN | EPOLLET,
		EPOLLIN | EPOLLONESHOT, EPOLLIN | EPOLLOUT | EPOLLET | EPOLLONESHOT,
		EPOLLIN | EPOLLEXCLUSIVE, EPOLLOUT | EPOLLEXCLUSIVE | EPOLLET, EPOLLRDHUP,
		0, EPOLLET | EPOLLONESHOT,
	};

	return ev[wpick(w, sizeof(ev) / sizeof(ev[0]))];
}

/* A harvested event must carry data some ctl stored. */
static void check_events(struct race *r, const struct epoll_event *evs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if ((evs[i].data.u64 & TAG_MASK) != TAG)
			race_bad(r, "wait returned data %#llx that no ctl stored",
				 (unsigned long long)evs[i].data.u64);
	__atomic_fetch_add(&r->events, n, __ATOMIC_RELAXED);
}

/* A fresh eventfd in epfd, written once: one wait must return exactly it. */
static bool round_trip(const struct mp_impl *I, int epfd)
{
	struct epoll_event evs[8];
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), n;
	bool ok;

	if (efd < 0)
		return false;
	if (I->ctl(epfd, EPOLL_CTL_ADD, efd, EV(EPOLLIN | EPOLLET, TAG | 0xfeed))) {
		close(efd);
		return false;
	}
	mp_efd_write(efd, 1);
	n = I->wait(epfd, evs, 8, 5000);
	ok = n == 1 && evs[0].data.u64 == (TAG | 0xfeed) && (evs[0].events & EPOLLIN);
	ok = ok && I->ctl(epfd, EPOLL_CTL_DEL, efd, NULL) == 0;
	close(efd);
	return ok;
}

static void run_threads(struct race *r, void *(*fns[])(void *), int n, int ms)
{
	struct worker w[16];
	pthread_t th[16];
	int i;

	for (i = 0; i < n && i < 16; i++) {
		w[i].r = r;
		w[i].id = i;
		w[i].rng = 0x9e3779b97f4a7c15ULL * (i + 1) + (uint64_t)mp_now_ms();
		th[i] = mp_thread(fns[i], &w[i]);
	}
	mp_msleep(ms);
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < n && i < 16; i++)
		mp_join(th[i]);
}

/* ------------------------------------------------------------------------ */
/* Threads of ctl_wait_race */

static int any_target(struct worker *w)
{
	struct race *r = w->r;
	int i = wpick(w, r->nfds + r->nvol);

	return i < r->nfds ? r->fds[i] : __atomic_load_n(&r->vol[i - r->nfds], __ATOMIC_RELAXED);
}

static void *t_ctl(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;

	while (!stopped(r)) {
		struct epoll_event ev = { .events = rnd_events(w), .data.u64 = TAG | wrnd(w) >> 16 };
		int op = 1 + wpick(w, 3), fd = any_target(w);

		if (r->I->ctl(r->ep, op, fd, op == EPOLL_CTL_DEL && wpick(w, 2) ? NULL : &ev) &&
		    !errno_in(errno, ctl_errs))
			race_bad(r, "ctl(%d, fd %d): %s", op, fd, mp_errname(errno));
		__atomic_fetch_add(&r->ops, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *t_wait(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;
	struct epoll_event evs[16];
	sigset_t none;
	int n;

	sigemptyset(&none);
	while (!stopped(r)) {
		switch (wpick(w, 3)) {
		case 0:
			n = r->I->wait(r->ep, evs, 1 + wpick(w, 16), wpick(w, 5));
			break;
		case 1:
			n = r->I->pwait(r->ep, evs, 16, 0, &none);
			break;
		default:
			n = r->I->pwait2(r->ep, evs, 2, &(struct timespec){ 0, 1000000 }, NULL);
			break;
		}
		if (n < 0 && !errno_in(errno, wait_errs))
			race_bad(r, "wait: %s", mp_errname(errno));
		if (n > 0)
			check_events(r, evs, n);
		__atomic_fetch_add(&r->ops, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Writes and reads on every kind of target; any of them may be closed meanwhile. */
static void *t_write(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;
	char buf[64];

	while (!stopped(r)) {
		int fd = any_target(w);

		if (wpick(w, 3))
			mp_efd_write(fd, 1);
		else
			(void)!read(fd, buf, sizeof(buf));
		__atomic_fetch_add(&r->ops, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Close, replace and dup2 over the volatile fd numbers. */
static void *t_dup2(void *arg)
{
	struct worker *w = arg;
	struct race *r = w->r;

	while (!stopped(r)) {
		int i = wpick(w, r->nvol), num = r->vol[i], nf;

		switch (wpick(w, 3)) {
		case 0:		/* a new file under the same number */
			nf = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
			if (nf >= 0 && nf != num) {
				dup2(nf, num);
				close(nf);
			}
			break;
		case 1:		/* the number becomes another name of a stable target */
			dup2(r->fds[wpick(w, r->nfds)], num);
			break;
		default:	/* closed for a moment */
			pthread_mutex_lock(&r->lock);
			close(num);
			nf = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
			if (nf >= 0 && nf != num) {
				dup2(nf, num);
				close(nf);
			}
			pthread_mutex_unlock(&r->lock);
			break;
		}
		__atomic_fetch_add(&r->ops, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

FIXTURE(stress) {
	const struct mp_impl *I;
};

FIXTURE_VARIANT(stress) {
	const struct mp_impl *impl;
};

FIXTURE_VARIANT_ADD(stress, epoll) { .impl = &mp_epoll };
FIXTURE_VARIANT_ADD(stress, minipoll) { .impl = &mp_minipoll };

FIXTURE_SETUP(stress)
{
	self->I = variant->impl;
	signal(SIGPIPE, SIG_IGN);
}

FIXTURE_TEARDOWN(stress) { }

/* MP_STRESS_ONLY=name[,name]: run only these cases. */
static bool case_wanted(const char *name)
{
	const char *only = getenv("MP_STRESS_ONLY"), *p;
	size_t len = strlen(name);

	if (!only || !*only)
		return true;
	for (p = only; (p = strstr(p, name)); p += len)
		if ((p == only || p[-1] == ',') && (p[len] == 0 || p[len] == ','))
			return true;
	return false;
}

#define NEED_IMPL() do {						\
	if (!case_wanted(_metadata->name))				\
		SKIP(return, "not in MP_STRESS_ONLY");			\
	if (self->I == &mp_minipoll && !mp_have_minipoll())		\
		SKIP(return, "/dev/minipoll is absent (module not loaded)"); \
} while (0)

#define MINIPOLL_ONLY(why) do {						\
	NEED_IMPL();							\
	if (self->I != &mp_minipoll)					\
		SKIP(return, "minipoll only: %s", why);			\
} while (0)

#define RACE_OK(r) do {							\
	EXPECT_EQ(0, (r)->bad) TH_LOG("%d unexpected results; the first: %s", \
				      (r)->bad, (r)->why);		\
	TH_LOG("%ld calls, %ld events", (r)->ops, (r)->events);		\
} while (0)

/*
 *   t_ctl x2  t_wait x2   t_write   t_dup2
 *        \      |           |         |
 *         ep <- 24 stable eventfds and pipes, 8 volatile numbers
 *
 * Afterwards: the items on the stable numbers are exactly those MOD finds;
 * once every target is closed, ep has no item left and still works.
 */
TEST_F_TIMEOUT(stress, ctl_wait_race, 90)
{
	void *(*fns[])(void *) = { t_ctl, t_ctl, t_wait, t_wait, t_write, t_dup2 };
	int stable[24], vol[8], i, registered = 0, listed = 0, p[2];
	struct race r;

	NEED_IMPL();
	race_init(&r, self->I);
	r.ep = self->I->create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, r.ep);
	for (i = 0; i < 24; i += 2) {
		if (i % 4 == 0) {
			ASSERT_EQ(0, mp_pipe(p));
			stable[i] = p[0];
			stable[i + 1] = p[1];
		} else {
			stable[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
			stable[i + 1] = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC | EFD_SEMAPHORE);
		}
	}
	for (i = 0; i < 8; i++)
		vol[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	r.fds = stable;
	r.nfds = 24;
	r.vol = vol;
	r.nvol = 8;
	run_threads(&r, fns, 6, stress_ms());
	RACE_OK(&r);

	for (i = 0; i < 24; i++) {
		int items = mp_fdinfo_tfds(r.ep, stable[i], NULL, 0);
		int mod = self->I->ctl(r.ep, EPOLL_CTL_MOD, stable[i], EV(EPOLLIN, TAG));

		/* MOD fails on an exclusive item (EINVAL), which is registered too */
		registered += mod == 0 || errno == EINVAL;
		listed += items;
		EXPECT_TRUE(mod == 0 || errno == ENOENT || errno == EINVAL)
			TH_LOG("MOD stable fd %d: %s", stable[i], mp_errname(errno));
	}
	EXPECT_EQ(registered, listed) TH_LOG("items on stable fds: MOD finds %d, fdinfo lists %d",
					     registered, listed);
	for (i = 0; i < 24; i++)
		close(stable[i]);
	for (i = 0; i < 8; i++)
		close(vol[i]);
	EXPECT_EQ(0, mp_fdinfo_tfds(r.ep, -1, NULL, 0))
		TH_LOG("items left after every target was closed");
	EXPECT_TRUE(round_trip(self->I, r.ep));
	close(r.ep);
}

/* ------------------------------------------------------------------------ */
/* close_while_waiting */

struct cw {
	const struct mp_impl *I;
	int ep;
	int timeout;
	int bad;
	int got;
};

static void *cw_waiter(void *arg)
{
	struct cw *c = arg;
	struct epoll_event evs[4];
	int n, i;

	for (;;) {
		n = c->I->wait(c->ep, evs, 4, c->timeout);
		if (n < 0) {
			if (errno != EBADF && errno != EINVAL)
				__atomic_fetch_add(&c->bad, 1, __ATOMIC_RELAXED);
			return NULL;
		}
		for (i = 0; i < n; i++)
			if ((evs[i].data.u64 & TAG_MASK) != TAG)
				__atomic_fetch_add(&c->bad, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&c->got, n, __ATOMIC_RELAXED);
		if (n)
			mp_msleep(1);
	}
}

static void *cw_modder(void *arg)
{
	struct cw *c = arg;
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	while (c->I->ctl(c->ep, EPOLL_CTL_ADD, efd, EV(EPOLLIN, TAG)) == 0 &&
	       c->I->ctl(c->ep, EPOLL_CTL_DEL, efd, NULL) == 0)
		;
	if (errno != EBADF && errno != EINVAL)
		__atomic_fetch_add(&c->bad, 1, __ATOMIC_RELAXED);
	close(efd);
	return NULL;
}

/*
 *   waiters (infinite, 20 ms)     waiters on outer
 *            \                      |
 *             ep  <-- close() --   outer (watches ep)
 *             |
 *            efd  (written after the close: wakes everyone)
 *
 * The waiters hold the file, so the instance outlives close(); once they
 * return, the last reference goes while outer still watches it.
 */
TEST_F_TIMEOUT(stress, close_while_waiting, 90)
{
	long end = mp_now_ms() + stress_ms();
	int rounds = 0, bad = 0, got = 0;

	NEED_IMPL();
	while (mp_now_ms() < end || rounds < 5) {
		struct cw inner[4], outer = { .I = self->I, .timeout = 20 };
		pthread_t th[6];
		int efd, i;

		for (i = 0; i < 4; i++)
			inner[i] = (struct cw){ .I = self->I, .timeout = i < 2 ? -1 : 20 };
		inner[0].ep = self->I->create1(EPOLL_CLOEXEC);
		ASSERT_LE(0, inner[0].ep);
		outer.ep = self->I->create1(EPOLL_CLOEXEC);
		ASSERT_LE(0, outer.ep);
		efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ASSERT_EQ(0, self->I->ctl(inner[0].ep, EPOLL_CTL_ADD, efd, EV(EPOLLIN, TAG | 1)));
		ASSERT_EQ(0, self->I->ctl(outer.ep, EPOLL_CTL_ADD, inner[0].ep,
					  EV(EPOLLIN, TAG | 2)));
		for (i = 1; i < 4; i++)
			inner[i].ep = inner[0].ep;
		for (i = 0; i < 4; i++)
			th[i] = mp_thread(cw_waiter, &inner[i]);
		th[4] = mp_thread(cw_modder, &inner[0]);
		th[5] = mp_thread(cw_waiter, &outer);
		mp_msleep(rounds % 3 * 5);
		close(inner[0].ep);
		mp_efd_write(efd, 1);		/* LT: every waiter wakes in turn */
		for (i = 0; i < 5; i++)
			mp_join(th[i]);
		close(outer.ep);		/* the outer waiter ends with EBADF */
		mp_join(th[5]);
		close(efd);
		for (i = 0; i < 4; i++) {
			bad += inner[i].bad;
			got += inner[i].got;
		}
		bad += outer.bad;
		rounds++;
	}
	EXPECT_EQ(0, bad);
	TH_LOG("%d rounds, %d events", rounds, got);
}

/* ------------------------------------------------------------------------ */
/* close_while_firing */

#define SLOTS 16

struct slot {
	int a, b;		/* pipe r/w or socketpair; both watched */
};

struct firing {
	struct race r;
	struct slot s[SLOTS];
	long replaced;
};

static int slot_fd(struct firing *f, int i, bool a)
{
	return __atomic_load_n(a ? &f->s[i].a : &f->s[i].b, __ATOMIC_RELAXED);
}

static void *f_writer(void *arg)
{
	struct worker *w = arg;
	struct firing *f = (struct firing *)w->r;
	char buf[512] = { 0 };

	while (!stopped(&f->r)) {
		int i = wpick(w, SLOTS);

		(void)!write(slot_fd(f, i, false), buf, 1 + wpick(w, sizeof(buf)));
		(void)!write(slot_fd(f, i, true), buf, 1);
		if (!wpick(w, 4))
			(void)!read(slot_fd(f, i, true), buf, sizeof(buf));
	}
	return NULL;
}

static void slot_make(struct firing *f, int i, int kind)
{
	const struct mp_impl *I = f->r.I;
	int p[2];

	if (kind == 0 ? mp_pipe(p) : mp_socketpair(kind == 1 ? SOCK_STREAM : SOCK_DGRAM, p))
		return;
	I->ctl(f->r.ep, EPOLL_CTL_ADD, p[0], EV(EPOLLIN | (kind ? EPOLLRDHUP : 0), TAG | 2 * i));
	I->ctl(f->r.ep, EPOLL_CTL_ADD, p[1], EV(EPOLLOUT | EPOLLET, TAG | (2 * i + 1)));
	__atomic_store_n(&f->s[i].a, p[0], __ATOMIC_RELAXED);
	__atomic_store_n(&f->s[i].b, p[1], __ATOMIC_RELAXED);
}

static void *f_closer(void *arg)
{
	struct worker *w = arg;
	struct firing *f = (struct firing *)w->r;

	while (!stopped(&f->r)) {
		int i = wpick(w, SLOTS), a = slot_fd(f, i, true), b = slot_fd(f, i, false);
		bool a_first = wpick(w, 2);

		/* close one end, then the other, while the writers go on */
		close(a_first ? a : b);
		sched_yield();
		close(a_first ? b : a);
		slot_make(f, i, wpick(w, 3));
		__atomic_fetch_add(&f->replaced, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 *   f_writer x3 --> pipes and unix sockets (both ends watched) <-- f_closer
 *                             |
 *                    ep (t_wait x2 harvest)
 */
TEST_F_TIMEOUT(stress, close_while_firing, 90)
{
	void *(*fns[])(void *) = { f_writer, f_writer, f_writer, f_closer, t_wait, t_wait };
	struct firing f;
	int i;

	NEED_IMPL();
	memset(&f, 0, sizeof(f));
	race_init(&f.r, self->I);
	f.r.ep = self->I->create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, f.r.ep);
	for (i = 0; i < SLOTS; i++)
		slot_make(&f, i, i % 3);
	run_threads(&f.r, fns, 6, stress_ms());
	RACE_OK(&f.r);
	TH_LOG("%ld targets replaced", f.replaced);
	for (i = 0; i < SLOTS; i++) {
		close(f.s[i].a);
		close(f.s[i].b);
	}
	EXPECT_EQ(0, mp_fdinfo_tfds(f.r.ep, -1, NULL, 0))
		TH_LOG("items left after every target was closed");
	EXPECT_TRUE(round_trip(self->I, f.r.ep));
	close(f.r.ep);
}

/* ------------------------------------------------------------------------ */
/* nested_teardown */

/* Permutation number k of n items (k < n!). */
static void nth_perm(int k, int n, int *out)
{
	int pool[8], i, j, f;

	for (i = 0; i < n; i++)
		pool[i] = i;
	for (i = 0; i < n; i++) {
		for (f = 1, j = 2; j < n - i; j++)
			f *= j;
		j = k / f;
		k %= f;
		out[i] = pool[j];
		memmove(&pool[j], &pool[j + 1], (n - i - j - 1) * sizeof(int));
	}
}

/*
 * Objects 0-3 are instances, 4 the pipe's read end. chain: 0 > 1 > 2 > 3 >
 * pipe. diamond: 0 > 1, 0 > 2, 1 > 3, 2 > 3, 3 > pipe.
 *
 *   chain          diamond
 *    e0              e0
 *    e1            e1  e2
 *    e2              e3
 *    e3              |
 *    pipe           pipe
 */
static int nested_build(const struct mp_impl *I, bool diamond, int obj[5], int *w)
{
	static const int chain_edges[][2] = { { 0, 1 }, { 1, 2 }, { 2, 3 }, { 3, 4 } };
	static const int diamond_edges[][2] = { { 0, 1 }, { 0, 2 }, { 1, 3 }, { 2, 3 }, { 3, 4 } };
	const int (*edges)[2] = diamond ? diamond_edges : chain_edges;
	int nedges = diamond ? 5 : 4, i, p[2];

	for (i = 0; i < 4; i++)
		obj[i] = I->create1(EPOLL_CLOEXEC);
	if (mp_pipe(p))
		return -1;
	obj[4] = p[0];
	*w = p[1];
	for (i = 0; i < nedges; i++)
		if (I->ctl(obj[edges[i][0]], EPOLL_CTL_ADD, obj[edges[i][1]],
			   EV(EPOLLIN | (i % 2 ? EPOLLET : 0), TAG | i)))
			return -1;
	return 0;
}

TEST_F_TIMEOUT(stress, nested_teardown, 120)
{
	struct epoll_event evs[8];
	int topo, k, i, j, bad = 0, top_events = 0;

	NEED_IMPL();
	for (topo = 0; topo < 2; topo++)
		for (k = 0; k < 120; k++) {
			int obj[5], order[5], w, n;
			bool open[5] = { true, true, true, true, true };

			ASSERT_EQ(0, nested_build(self->I, topo, obj, &w));
			mp_efd_write(w, 1);
			n = self->I->wait(obj[0], evs, 8, 0);
			top_events += n;
			if (n != (topo ? 2 : 1))	/* e1 (and e2) */
				bad++;
			nth_perm(k, 5, order);
			for (i = 0; i < 5; i++) {
				close(obj[order[i]]);
				open[order[i]] = false;
				/* events flow through what is left */
				mp_efd_write(w, 1);
				for (j = 0; j < 4; j++)
					if (open[j] && self->I->wait(obj[j], evs, 8, 0) < 0)
						bad++;
			}
			close(w);
		}
	EXPECT_EQ(0, bad);
	TH_LOG("240 teardowns, %d top-level events", top_events);
}

/* ------------------------------------------------------------------------ */
/* mixed_epoll_cycle */

struct mixed {
	struct race r;
	int ep;		/* a real epoll */
	int mp;		/* a minipoll instance */
	int mp2;	/* another, nested in mp */
	long refused;
};

/* The real epoll adds and removes the instances, as fast as it can. */
static void *m_epoll_side(void *arg)
{
	struct worker *w = arg;
	struct mixed *m = (struct mixed *)w->r;

	while (!stopped(&m->r)) {
		int t = wpick(w, 2) ? m->mp : m->mp2;

		if (epoll_ctl(m->ep, EPOLL_CTL_ADD, t, EV(EPOLLIN, TAG)) && errno != EEXIST)
			race_bad(&m->r, "epoll ADD of an instance: %s", mp_errname(errno));
		if (epoll_ctl(m->ep, EPOLL_CTL_DEL, t, NULL) && errno != ENOENT)
			race_bad(&m->r, "epoll DEL of an instance: %s", mp_errname(errno));
		__atomic_fetch_add(&m->r.ops, 2, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* The instances try to watch the epoll: always refused. */
static void *m_minipoll_side(void *arg)
{
	struct worker *w = arg;
	struct mixed *m = (struct mixed *)w->r;

	while (!stopped(&m->r)) {
		int in = wpick(w, 2) ? m->mp : m->mp2;

		if (minipoll_ctl(in, EPOLL_CTL_ADD, m->ep, EV(EPOLLIN | (wpick(w, 2) ? EPOLLET : 0),
							     TAG)) == 0)
			race_bad(&m->r, "an instance accepted a real epoll as a target");
		else if (errno != EOPNOTSUPP)
			race_bad(&m->r, "ADD of a real epoll: %s, not EOPNOTSUPP", mp_errname(errno));
		else
			__atomic_fetch_add(&m->refused, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&m->r.ops, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Waits on both sides, and events that run up through both. */
static void *m_waiter(void *arg)
{
	struct worker *w = arg;
	struct mixed *m = (struct mixed *)w->r;
	struct epoll_event evs[8];
	int n;

	while (!stopped(&m->r)) {
		if (w->id % 2)
			n = epoll_wait(m->ep, evs, 8, 2);
		else
			n = minipoll_wait(m->mp, evs, 8, 2);
		if (n < 0)
			race_bad(&m->r, "wait: %s", mp_errname(errno));
		else
			check_events(&m->r, evs, n);
	}
	return NULL;
}

static void *m_writer(void *arg)
{
	struct worker *w = arg;
	struct mixed *m = (struct mixed *)w->r;

	while (!stopped(&m->r)) {
		mp_efd_write(m->r.fds[0], 1);
		mp_efd_read(m->r.fds[0]);
		sched_yield();
	}
	return NULL;
}

/*
 *        ep (real epoll) --watches--> mp --> mp2 --> efd
 *        ^                            |      |
 *        +--- tries to watch ---------+------+   (EOPNOTSUPP, always)
 *
 * A cycle through both implementations could be checked by neither, so
 * minipoll refuses real epoll targets; the refusal must hold while epoll
 * adds and removes the instances at the same time, and nothing may hang.
 */
TEST_F_TIMEOUT(stress, mixed_epoll_cycle, 90)
{
	void *(*fns[])(void *) = { m_epoll_side, m_minipoll_side, m_minipoll_side,
				   m_waiter, m_waiter, m_writer };
	struct mixed m;
	int efd;

	MINIPOLL_ONLY("the refusal of real epoll targets");
	memset(&m, 0, sizeof(m));
	race_init(&m.r, self->I);
	m.ep = epoll_create1(EPOLL_CLOEXEC);
	m.mp = minipoll_create1(EPOLL_CLOEXEC);
	m.mp2 = minipoll_create1(EPOLL_CLOEXEC);
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_LE(0, m.ep);
	ASSERT_LE(0, m.mp);
	ASSERT_LE(0, m.mp2);
	ASSERT_EQ(0, minipoll_ctl(m.mp2, EPOLL_CTL_ADD, efd, EV(EPOLLIN, TAG | 1)));
	ASSERT_EQ(0, minipoll_ctl(m.mp, EPOLL_CTL_ADD, m.mp2, EV(EPOLLIN, TAG | 2)));
	m.r.fds = &efd;
	m.r.nfds = 1;
	run_threads(&m.r, fns, 6, stress_ms());
	RACE_OK(&m.r);
	EXPECT_LT(0, m.refused);
	TH_LOG("%ld refusals", m.refused);
	/* and plainly, with the epoll watching the instance right now */
	epoll_ctl(m.ep, EPOLL_CTL_ADD, m.mp, EV(EPOLLIN, TAG));
	EXPECT_EQ(-1, minipoll_ctl(m.mp, EPOLL_CTL_ADD, m.ep, EV(EPOLLIN, TAG)));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_TRUE(round_trip(self->I, m.mp));
	close(m.ep);
	close(m.mp2);
	close(m.mp);
	close(efd);
}

/* ------------------------------------------------------------------------ */
/* signalfd_pollfree */

struct pf {
	struct race r;
	int sfds[64];		/* signalfds the tasks left behind */
	int nsfd;		/* __atomic */
};

/*
 * A task sharing our fd table (clone(CLONE_FILES), its own sighand):
 * create a signalfd, register it in ep, report its number, exit. Its
 * sighand - where the signalfd's wait queue lives - goes when it is reaped.
 */
static pid_t spawn_sfd_task(const struct mp_impl *I, int ep, int report)
{
	pid_t pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, NULL, NULL, NULL, NULL);
	sigset_t mask;
	int sfd;

	if (pid != 0)
		return pid;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd >= 0)
		I->ctl(ep, EPOLL_CTL_ADD, sfd, EV(EPOLLIN, TAG | sfd));
	(void)!write(report, &sfd, sizeof(sfd));
	syscall(SYS_exit, 0);
	return 0;
}

static void *pf_modder(void *arg)
{
	struct worker *w = arg;
	struct pf *p = (struct pf *)w->r;

	while (!stopped(&p->r)) {
		int n = __atomic_load_n(&p->nsfd, __ATOMIC_ACQUIRE), fd;

		if (!n) {
			sched_yield();
			continue;
		}
		fd = p->sfds[wpick(w, n)];
		if (p->r.I->ctl(p->r.ep, EPOLL_CTL_MOD, fd,
				EV(EPOLLIN | (wpick(w, 2) ? EPOLLET : 0), TAG | fd)) &&
		    !errno_in(errno, ctl_errs))
			race_bad(&p->r, "MOD of a signalfd: %s", mp_errname(errno));
		if (!wpick(w, 8))
			kill(getpid(), SIGUSR1);
	}
	return NULL;
}

/*
 *   task (CLONE_FILES) x N: sfd = signalfd(); ADD sfd to ep; exit; reaped
 *                                        |  POLLFREE: the queue is gone
 *   t_wait x2, pf_modder (MOD, kill) --- ep --- sfd ... (items stay)
 */
TEST_F_TIMEOUT(stress, signalfd_pollfree, 90)
{
	void *(*fns[])(void *) = { t_wait, t_wait, pf_modder };
	struct worker w[3];
	pthread_t th[3];
	long end = mp_now_ms() + stress_ms();
	sigset_t block;
	struct pf p;
	int rep[2], i, reaped = 0;

	NEED_IMPL();
	memset(&p, 0, sizeof(p));
	race_init(&p.r, self->I);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);	/* also in the threads */
	p.r.ep = self->I->create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, p.r.ep);
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	for (i = 0; i < 3; i++) {
		w[i] = (struct worker){ .r = &p.r, .id = i, .rng = 77 + i };
		th[i] = mp_thread(fns[i], &w[i]);
	}
	while ((mp_now_ms() < end || reaped < 8) && p.nsfd < 64) {
		pid_t pids[4];
		int k, fd, status;

		for (k = 0; k < 4; k++)
			pids[k] = spawn_sfd_task(self->I, p.r.ep, rep[1]);
		for (k = 0; k < 4; k++) {
			if (pids[k] < 0)
				continue;
			if (read(rep[0], &fd, sizeof(fd)) == sizeof(fd) && fd >= 0 && p.nsfd < 64) {
				p.sfds[p.nsfd] = fd;
				__atomic_store_n(&p.nsfd, p.nsfd + 1, __ATOMIC_RELEASE);
			}
		}
		for (k = 0; k < 4; k++)
			if (pids[k] > 0 && waitpid(pids[k], &status, 0) == pids[k])
				reaped++;	/* POLLFREE for its signalfd */
	}
	__atomic_store_n(&p.r.stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 3; i++)
		mp_join(th[i]);
	RACE_OK(&p.r);
	TH_LOG("%d tasks reaped, %d signalfds left watched", reaped, p.nsfd);
	EXPECT_EQ(p.nsfd, mp_fdinfo_tfds(p.r.ep, -1, NULL, 0));
	/* the items re-poll against our own sighand after a MOD */
	for (i = 0; i < p.nsfd; i++)
		EXPECT_EQ(0, self->I->ctl(p.r.ep, EPOLL_CTL_MOD, p.sfds[i],
					  EV(EPOLLIN, TAG | p.sfds[i])));
	for (i = 0; i < p.nsfd; i++)
		close(p.sfds[i]);
	EXPECT_EQ(0, mp_fdinfo_tfds(p.r.ep, -1, NULL, 0));
	EXPECT_TRUE(round_trip(self->I, p.r.ep));
	close(p.r.ep);
	close(rep[0]);
	close(rep[1]);
	/* drain our pending SIGUSR1 */
	{
		struct timespec zero = { 0, 0 };

		while (sigtimedwait(&block, NULL, &zero) > 0)
			;
	}
}

/* ------------------------------------------------------------------------ */
/* watch_100k */

/* 100,000; MP_STRESS_WATCHES=n for another count (a debug kernel is slow). */
static int many_watches(void)
{
	const char *v = getenv("MP_STRESS_WATCHES");

	return v && atoi(v) > 1 ? atoi(v) : 100000;
}

/* Microseconds per item since *t, and restart the clock. */
static long us_per(long *t, int n)
{
	long now = mp_now_ms(), us = n ? (now - *t) * 1000 / n : 0;

	*t = now;
	return us;
}

/*
 *   ep --> efd[0] ... efd[99999]
 *
 * ADD all; one written eventfd is the one event; the rest stay quiet; DEL
 * half; close the instance with the other half still in it; close all.
 * The epoll variant is a baseline of the cost per item, on at most 20,000.
 */
TEST_F_TIMEOUT(stress, watch_100k, 600)
{
	int many = many_watches();
	struct epoll_event evs[16];
	long limit = -1, t0 = mp_now_ms(), t = t0, add_us, del_us, close_us;
	int *fds, ep, i, n, added = 0, deleted = 0;

	NEED_IMPL();
	if (self->I == &mp_epoll && many > 20000)
		many = 20000;
	if (geteuid() != 0)
		SKIP(return, "needs root for RLIMIT_NOFILE above %d", many);
	if (self->I == &mp_minipoll) {
		limit = mp_read_knob(MP_MINIPOLL_WATCHES_KNOB);
		if (limit >= 0 && limit < many + 100)
			ASSERT_TRUE(mp_write_knob(MP_MINIPOLL_WATCHES_KNOB, many + 100));
	}
	if (mp_raise_nofile(many + 100))
		SKIP(return, "cannot raise RLIMIT_NOFILE to %d: %s", many + 100, strerror(errno));
	fds = calloc(many, sizeof(*fds));
	ep = self->I->create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	for (i = 0; i < many; i++) {
		fds[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ASSERT_LE(0, fds[i]) TH_LOG("eventfd #%d: %s", i, strerror(errno));
		added += self->I->ctl(ep, EPOLL_CTL_ADD, fds[i], EV(EPOLLIN, TAG | i)) == 0;
	}
	add_us = us_per(&t, many);
	EXPECT_EQ(many, added);
	EXPECT_EQ(many, mp_fdinfo_tfds(ep, -1, NULL, 0));

	EXPECT_EQ(0, self->I->wait(ep, evs, 16, 0));
	mp_efd_write(fds[many / 2 + 7], 1);
	n = self->I->wait(ep, evs, 16, 1000);
	EXPECT_EQ(1, n);
	if (n == 1)
		EXPECT_EQ(TAG | (many / 2 + 7), evs[0].data.u64);
	mp_efd_read(fds[many / 2 + 7]);
	EXPECT_EQ(0, self->I->wait(ep, evs, 16, 0));

	us_per(&t, 0);
	for (i = 0; i < many; i += 2)
		deleted += self->I->ctl(ep, EPOLL_CTL_DEL, fds[i], NULL) == 0;
	del_us = us_per(&t, many / 2);
	EXPECT_EQ(many / 2, deleted);
	EXPECT_EQ(many - many / 2, mp_fdinfo_tfds(ep, -1, NULL, 0));
	us_per(&t, 0);
	close(ep);	/* with half of the items still in it */
	close_us = us_per(&t, many - many / 2);
	for (i = 0; i < many; i++)
		close(fds[i]);
	free(fds);
	if (limit >= 0 && limit < many + 100)
		mp_write_knob(MP_MINIPOLL_WATCHES_KNOB, limit);
	TH_LOG("%d items: eventfd+ADD %ld us, DEL %ld us, close with items %ld us each; %ld ms in all",
	       many, add_us, del_us, close_us, mp_now_ms() - t0);
}

/* ------------------------------------------------------------------------ */
/* fork_shared */

#define FORKS		4
#define PER_CHILD	7	/* the exit status carries the bitmask */

/*
 * Child c works on targets [c*PER_CHILD, (c+1)*PER_CHILD) of the shared
 * instance: random ADD/MOD/DEL, writes, waits; at the end it reports which
 * of its targets it left registered (a bitmask, the exit status).
 */
static void fork_child(const struct mp_impl *I, int ep, const int *fds, int c, int ms)
{
	struct worker w = { .rng = 1234567 + c };
	struct epoll_event evs[8];
	long end = mp_now_ms() + ms;
	unsigned int reg = 0;
	int i;

	while (mp_now_ms() < end) {
		int k = wpick(&w, PER_CHILD), fd = fds[c * PER_CHILD + k], ret;

		switch (wpick(&w, 5)) {
		case 0:
			ret = I->ctl(ep, EPOLL_CTL_ADD, fd, EV(rnd_events(&w) & ~EPOLLEXCLUSIVE,
							      TAG | fd));
			if (ret == 0)
				reg |= 1u << k;
			else if (errno != EEXIST)
				_exit(200);
			break;
		case 1:
			ret = I->ctl(ep, EPOLL_CTL_DEL, fd, NULL);
			if (ret == 0)
				reg &= ~(1u << k);
			else if (errno != ENOENT)
				_exit(201);
			break;
		case 2:
			ret = I->ctl(ep, EPOLL_CTL_MOD, fd, EV(rnd_events(&w) & ~EPOLLEXCLUSIVE,
							      TAG | fd));
			if (ret != 0 && errno != ENOENT)
				_exit(202);
			break;
		case 3:
			mp_efd_write(fd, 1);
			break;
		default:
			ret = I->wait(ep, evs, 8, 1);
			if (ret < 0)
				_exit(203);
			for (i = 0; i < ret; i++)
				if ((evs[i].data.u64 & TAG_MASK) != TAG)
					_exit(204);
			break;
		}
	}
	_exit(reg);
}

/*
 *   parent (waits) ---+
 *   child 0..3 -------+-- ep (one file, shared by fork) --> 32 eventfds,
 *                                                          8 per child
 */
TEST_F_TIMEOUT(stress, fork_shared, 90)
{
	struct epoll_event evs[8];
	int fds[FORKS * PER_CHILD], ep, c, i, status, expect = 0, waits = 0;
	pid_t pids[FORKS];

	NEED_IMPL();
	ep = self->I->create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	for (i = 0; i < FORKS * PER_CHILD; i++)
		fds[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	for (c = 0; c < FORKS; c++) {
		pids[c] = fork();
		ASSERT_LE(0, pids[c]);
		if (pids[c] == 0)
			fork_child(self->I, ep, fds, c, stress_ms());
	}
	for (c = 0; c < FORKS; ) {
		pid_t p = waitpid(-1, &status, WNOHANG);
		int n;

		if (p > 0) {
			ASSERT_TRUE(WIFEXITED(status)) TH_LOG("a child was killed: %d", status);
			ASSERT_GT(200, WEXITSTATUS(status)) TH_LOG("a child failed: %d",
								   WEXITSTATUS(status));
			for (i = 0; i < FORKS; i++)
				if (pids[i] == p)
					break;
			ASSERT_GT(FORKS, i);
			expect += __builtin_popcount(WEXITSTATUS(status));
			c++;
			continue;
		}
		n = self->I->wait(ep, evs, 8, 5);
		ASSERT_LE(0, n);
		waits++;
	}
	/* the children's items outlive them: the parent holds the files */
	EXPECT_EQ(expect, mp_fdinfo_tfds(ep, -1, NULL, 0));
	for (i = 0; i < FORKS * PER_CHILD; i++)
		close(fds[i]);
	EXPECT_EQ(0, mp_fdinfo_tfds(ep, -1, NULL, 0));
	EXPECT_TRUE(round_trip(self->I, ep));
	close(ep);
	TH_LOG("%d items left by the children, %d waits in the parent", expect, waits);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * wait_test: epoll_wait, epoll_pwait and epoll_pwait2 (EPOLL-SEMANTICS 4.4):
 * argument checks and their order, EFAULT with the item kept, timeouts
 * and timer slack, signals and signal masks, compared with epoll.
 *
 * The usual topology: one instance watching the two ends of a pipe, and
 * sometimes a helper thread that writes to the pipe or signals the waiter
 * once the waiter sleeps.
 *
 *      main (waits) <-- SIGUSR1 --  kicker thread
 *        |                              |
 *        ep                             |
 *       /  \                            |
 *    p[0]  p[1]  <------- write --------+
 */
#include "mp_impl.h"

#include <sys/prctl.h>

#define KERNPTR		((struct epoll_event *)0xffff888000000000ULL)
#define EP_MAX_EVENTS	((int)(INT32_MAX / sizeof(struct epoll_event)))

MP_FIXTURE(wait);

static volatile sig_atomic_t hits;

static void on_usr1(int sig)
{
	hits++;
}

static void handle_usr1(int flags)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	hits = 0;
}

static bool usr1_pending(void)
{
	sigset_t set;

	sigpending(&set);
	return sigismember(&set, SIGUSR1);
}

static bool usr1_blocked(void)
{
	sigset_t set;

	pthread_sigmask(SIG_BLOCK, NULL, &set);
	return sigismember(&set, SIGUSR1);
}

static void block_usr1(bool block)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* SIGUSR1 handled, blocked, and one already pending. */
static void usr1_blocked_and_pending(void)
{
	handle_usr1(0);
	block_usr1(true);
	raise(SIGUSR1);
}

/* Record where SIGUSR1 stands: handler runs so far, pending, blocked. */
#define NOTE_USR1() \
	NOTE("handler ran %d, pending %d, blocked %d", (int)hits, usr1_pending(), usr1_blocked())

/* A helper that acts once the waiting thread sleeps in its wait. */
struct kicker {
	pthread_t thread;	/* to signal */
	pid_t tid;		/* to watch */
	int sig;		/* signal to send, or 0 */
	int fd;			/* fd to write a byte to, or -1 */
	int extra_ms;		/* wait this much longer first */
};

static void *kicker_fn(void *arg)
{
	struct kicker *k = arg;

	mp_wait_blocked(k->tid);
	if (k->extra_ms)
		mp_msleep(k->extra_ms);
	if (k->sig)
		pthread_kill(k->thread, k->sig);
	if (k->fd >= 0 && write(k->fd, "k", 1) != 1)
		perror("kicker write");
	return NULL;
}

static pthread_t kick(struct kicker *k, int sig, int fd, int extra_ms)
{
	*k = (struct kicker){ .thread = pthread_self(), .tid = mp_gettid(), .sig = sig,
			      .fd = fd, .extra_ms = extra_ms };
	return mp_thread(kicker_fn, k);
}

struct fixture {
	int ep, p[2];
};

static bool fixture_open_idle(const struct mp_impl *I, struct fixture *f)
{
	f->ep = I->create1(EPOLL_CLOEXEC);
	if (f->ep < 0 || mp_pipe(f->p))
		return false;
	return I->ctl(f->ep, EPOLL_CTL_ADD, f->p[0], EV(EPOLLIN, 0xa)) == 0;
}

static bool fixture_open_ready(const struct mp_impl *I, struct fixture *f)
{
	return fixture_open_idle(I, f) && mp_put(f->p[1], "x") == 1;
}

static void fixture_close(struct fixture *f)
{
	MP_CLOSE(f->ep, f->p[0], f->p[1]);
}

/*
 * ONE_ITEM_SCENARIO(name, ready): a scenario whose body finds f->ep, an
 * instance with one item (the read end of the pipe f->p, IN, data 0xa),
 * readable when ready is true.
 */
#define ONE_ITEM_SCENARIO(name, ready)					\
	MP_SCENARIO_ON(wait, name, struct fixture, f,			\
		       (ready) ? fixture_open_ready : fixture_open_idle, fixture_close)

/* maxevents must be in 1..EP_MAX_EVENTS, for all three calls. */
ONE_ITEM_SCENARIO(maxevents_bounds, true)
{
	static const int maxes[] = {
		0, -1, INT32_MIN, 1, EP_MAX_EVENTS, EP_MAX_EVENTS + 1, INT32_MAX,
	};
	struct timespec zero = { 0, 0 };
	struct epoll_event evs[4];
	unsigned int i;

	NOTE("EP_MAX_EVENTS %d", EP_MAX_EVENTS);
	for (i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		NOTE("maxevents %d", maxes[i]);
		W(evs, I->wait(f->ep, evs, maxes[i], 0));
		W(evs, I->pwait(f->ep, evs, maxes[i], 0, NULL));
		W(evs, I->pwait2(f->ep, evs, maxes[i], &zero, NULL));
	}
}

/* On 6.1, maxevents and the buffer's access_ok() are checked before epfd. */
ONE_ITEM_SCENARIO(order_maxevents_buffer_epfd, true)
{
	struct timespec zero = { 0, 0 };
	struct epoll_event evs[4];
	int closed;

	closed = dup(0);
	close(closed);
	W(evs, I->wait(-1, evs, 0, 0));
	W(evs, I->wait(closed, evs, -5, 0));
	W(evs, I->wait(f->p[0], evs, EP_MAX_EVENTS + 1, 0));
	W(evs, I->pwait(-1, evs, 0, 0, NULL));
	W(evs, I->pwait2(-1, evs, 0, &zero, NULL));
	/* access_ok() of a kernel address comes before epfd too */
	W(evs, I->wait(-1, KERNPTR, 1, 0));
	W(evs, I->wait(f->p[0], KERNPTR, 1, 0));
	W(evs, I->pwait(closed, KERNPTR, 4, 0, NULL));
	/* but a bad maxevents comes first */
	W(evs, I->wait(f->ep, KERNPTR, 0, 0));
	W(evs, I->wait(-1, KERNPTR, 0, 0));
	/* a user address that access_ok() accepts is only copied to later */
	W(evs, I->wait(-1, NULL, 1, 0));
	W(evs, I->wait(f->p[0], NULL, 1, 0));
}

/* epfd: not open, O_PATH, or not an instance. */
ONE_ITEM_SCENARIO(bad_epfd, false)
{
	struct timespec zero = { 0, 0 };
	struct epoll_event evs[4];
	int opath, reg;

	opath = open("/dev/null", O_PATH | O_CLOEXEC);
	reg = memfd_create("x", MFD_CLOEXEC);
	REQUIRE(opath >= 0 && reg >= 0);
	W(evs, I->wait(-1, evs, 4, 0));
	W(evs, I->wait(9999, evs, 4, 0));
	W(evs, I->wait(opath, evs, 4, 0));
	W(evs, I->wait(f->p[0], evs, 4, 0));
	W(evs, I->wait(f->p[1], evs, 4, -1));
	W(evs, I->wait(reg, evs, 4, 0));
	W(evs, I->pwait(reg, evs, 4, 0, NULL));
	W(evs, I->pwait2(reg, evs, 4, &zero, NULL));
	W(evs, I->pwait2(opath, evs, 4, NULL, NULL));
	MP_CLOSE(opath, reg);
}

/* A kernel-space or wrapping buffer fails access_ok(): EFAULT, item untouched. */
ONE_ITEM_SCENARIO(efault_access_ok, true)
{
	struct epoll_event evs[4];

	W(evs, I->wait(f->ep, KERNPTR, 1, 0));
	W(evs, I->wait(f->ep, (struct epoll_event *)(uintptr_t)-12, 1, 0));
	W(evs, I->wait(f->ep, (struct epoll_event *)0x7ffffffff000ULL, EP_MAX_EVENTS, 0));
	W(evs, I->wait(f->ep, evs, 4, 0));
}

/* A NULL buffer: fine while nothing is ready, EFAULT once something is, and the item is kept. */
ONE_ITEM_SCENARIO(efault_null_buffer_item_kept, false)
{
	struct epoll_event evs[4];

	W(evs, I->wait(f->ep, NULL, 4, 0));
	W(evs, I->wait(f->ep, NULL, 4, 50));
	REQUIRE(mp_put(f->p[1], "x") == 1);
	W(evs, I->wait(f->ep, NULL, 4, 0));
	W(evs, I->wait(f->ep, NULL, 4, -1));
	W(evs, I->wait(f->ep, evs, 4, 0));
	W(evs, I->wait(f->ep, evs, 4, 0));
}

/*
 * Two ready items, a buffer whose second slot is unwritable: the first
 * event is returned, the second item goes back to the head.
 *
 *        ep
 *      /    \
 *   a(LT)  b(LT)      buffer: [slot 0 ok | slot 1 PROT_NONE]
 */
MP_SCENARIO(wait, efault_second_slot_partial)
{
	struct epoll_event evs[4], *edge;
	int ep, a[2], b[2];
	long pg = sysconf(_SC_PAGESIZE);
	char *map;

	map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(map != MAP_FAILED);
	REQUIRE(mprotect(map + pg, pg, PROT_NONE) == 0);
	edge = (struct epoll_event *)(map + pg - sizeof(struct epoll_event));
	ep = I->create1(0);
	REQUIRE(ep >= 0 && mp_pipe(a) == 0 && mp_pipe(b) == 0);
	REQUIRE(mp_put(a[1], "a") == 1 && mp_put(b[1], "b") == 1);
	R(I->ctl(ep, EPOLL_CTL_ADD, a[0], EV(EPOLLIN, 0xa)));
	R(I->ctl(ep, EPOLL_CTL_ADD, b[0], EV(EPOLLIN, 0xb)));
	W_N(edge, 1, I->wait(ep, edge, 2, 0));
	W(evs, I->wait(ep, evs, 4, 0));
	/* a read-only buffer: EFAULT on the very first event */
	REQUIRE(mprotect(map, pg, PROT_READ) == 0);
	W_N(edge, 1, I->wait(ep, edge, 2, 0));
	W(evs, I->wait(ep, evs, 4, 0));
	munmap(map, 2 * pg);
	MP_CLOSE(ep, a[0], a[1], b[0], b[1]);
}

/* EFAULT leaves an EPOLLONESHOT item armed, and an EPOLLET item queued. */
MP_SCENARIO(wait, efault_oneshot_et_kept)
{
	struct epoll_event evs[4];
	int ep, a[2], b[2];

	ep = I->create1(0);
	REQUIRE(ep >= 0 && mp_pipe(a) == 0 && mp_pipe(b) == 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, a[0], EV(EPOLLIN | EPOLLONESHOT, 0xa)));
	R(I->ctl(ep, EPOLL_CTL_ADD, b[0], EV(EPOLLIN | EPOLLET, 0xb)));
	REQUIRE(mp_put(a[1], "a") == 1 && mp_put(b[1], "b") == 1);
	W(evs, I->wait(ep, NULL, 4, 0));
	FDINFO(ep);
	W(evs, I->wait(ep, evs, 1, 0));
	W(evs, I->wait(ep, NULL, 4, 0));
	W(evs, I->wait(ep, evs, 4, 0));
	W(evs, I->wait(ep, evs, 4, 0));
	FDINFO(ep);
	MP_CLOSE(ep, a[0], a[1], b[0], b[1]);
}

/* timeout 0 does not block; a positive timeout lasts at least that long. */
ONE_ITEM_SCENARIO(timeout_zero_and_positive, false)
{
	struct epoll_event evs[4];
	long t0, dt;
	int ms[] = { 1, 20, 150 }, i;

	t0 = mp_now_ms();
	W(evs, I->wait(f->ep, evs, 4, 0));
	W(evs, I->pwait(f->ep, evs, 4, 0, NULL));
	NOTE("two zero timeouts returned within 2 s: %s", mp_now_ms() - t0 < 2000 ? "yes" : "no");
	for (i = 0; i < 3; i++) {
		t0 = mp_now_ms();
		W(evs, I->wait(f->ep, evs, 4, ms[i]));
		dt = mp_now_ms() - t0;
		NOTE("timeout %d ms: waited at least that long: %s", ms[i],
		     dt >= ms[i] - 1 ? "yes" : "no");
	}
}

/* Any negative timeout is infinite: the wait ends only when the kicker writes. */
ONE_ITEM_SCENARIO(timeout_negative_infinite, false)
{
	int tmo[] = { -1, -2, -1000, INT32_MIN }, i;
	struct epoll_event evs[4];
	struct kicker k;
	pthread_t th;
	long t0;

	for (i = 0; i < 4; i++) {
		NOTE("timeout %d", tmo[i]);
		th = kick(&k, 0, f->p[1], 200);
		t0 = mp_now_ms();
		W(evs, I->wait(f->ep, evs, 4, tmo[i]));
		NOTE("blocked until the write (>= 200 ms): %s",
		     mp_now_ms() - t0 >= 200 ? "yes" : "no");
		mp_join(th);
		mp_drain(f->p[0]);
	}
	/* a huge positive timeout behaves the same */
	th = kick(&k, 0, f->p[1], 0);
	W(evs, I->wait(f->ep, evs, 4, INT32_MAX));
	mp_join(th);
}

/* A signal interrupts a blocked wait: EINTR, with or without SA_RESTART. */
ONE_ITEM_SCENARIO(eintr_by_signal, false)
{
	struct timespec ts = { 30, 0 };
	struct epoll_event evs[4];
	struct kicker k;
	pthread_t th;

	handle_usr1(0);
	th = kick(&k, SIGUSR1, -1, 0);
	W(evs, I->wait(f->ep, evs, 4, -1));
	mp_join(th);
	NOTE("handler ran %d times", (int)hits);
	handle_usr1(SA_RESTART);
	th = kick(&k, SIGUSR1, -1, 0);
	W(evs, I->wait(f->ep, evs, 4, 30000));
	mp_join(th);
	NOTE("handler ran %d times", (int)hits);
	th = kick(&k, SIGUSR1, -1, 0);
	W(evs, I->pwait(f->ep, evs, 4, -1, NULL));
	mp_join(th);
	th = kick(&k, SIGUSR1, -1, 0);
	W(evs, I->pwait2(f->ep, evs, 4, &ts, NULL));
	mp_join(th);
	th = kick(&k, SIGUSR1, -1, 0);
	W(evs, I->pwait2(f->ep, evs, 4, NULL, NULL));
	mp_join(th);
	NOTE("handler ran %d times", (int)hits);
	/* an ignored signal does not interrupt */
	signal(SIGUSR1, SIG_IGN);
	th = kick(&k, SIGUSR1, f->p[1], 100);
	W(evs, I->wait(f->ep, evs, 4, -1));
	mp_join(th);
}

/* sigsetsize must be sizeof(sigset_t) (8) when a mask is given; with no mask it is ignored. */
ONE_ITEM_SCENARIO(pwait_sigsetsize, true)
{
	size_t sizes[] = { 0, 4, 7, 8, 9, 16, 128 };
	struct timespec zero = { 0, 0 };
	struct epoll_event evs[4];
	sigset_t mask;
	unsigned int i;

	sigemptyset(&mask);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		NOTE("sigsetsize %zu", sizes[i]);
		W(evs, I->pwait_raw(f->ep, evs, 4, 0, false, NULL, &mask, sizes[i]));
		W(evs, I->pwait_raw(f->ep, evs, 4, 0, false, NULL, NULL, sizes[i]));
		W(evs, I->pwait_raw(f->ep, evs, 4, 0, true, &zero, &mask, sizes[i]));
		W(evs, I->pwait_raw(f->ep, evs, 4, 0, true, &zero, NULL, sizes[i]));
		/* the mask is looked at before maxevents and the buffer */
		W(evs, I->pwait_raw(f->ep, evs, 0, 0, false, NULL, (void *)1, sizes[i]));
		W(evs, I->pwait_raw(f->ep, KERNPTR, 4, 0, true, &zero, &mask, sizes[i]));
	}
}

/* A mask that cannot be read: EFAULT, before every other check of the wait. */
ONE_ITEM_SCENARIO(pwait_sigmask_efault, true)
{
	struct timespec zero = { 0, 0 };
	struct epoll_event evs[4];
	sigset_t *bad = (sigset_t *)1;

	W(evs, I->pwait(f->ep, evs, 4, 0, bad));
	W(evs, I->pwait(f->ep, evs, 0, 0, bad));
	W(evs, I->pwait(-1, evs, 4, 0, bad));
	W(evs, I->pwait(f->p[0], evs, 4, 0, bad));
	W(evs, I->pwait(f->ep, KERNPTR, 4, 0, bad));
	W(evs, I->pwait2(f->ep, evs, 4, &zero, bad));
	W(evs, I->pwait2(-1, evs, 0, &zero, bad));
	W(evs, I->pwait2(f->ep, evs, 4, &zero, (sigset_t *)0xffff888000000000ULL));
	W(evs, I->wait(f->ep, evs, 4, 0));
	NOTE("SIGUSR1 blocked afterwards: %d", usr1_blocked());
}

/*
 * pwait's mask blocks SIGUSR1 for the wait only: the signal sent during
 * the wait stays pending, the wait times out, the handler runs on return.
 */
ONE_ITEM_SCENARIO(pwait_mask_blocks_signal, false)
{
	struct epoll_event evs[4];
	struct kicker k;
	sigset_t mask;
	pthread_t th;

	handle_usr1(0);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	th = kick(&k, SIGUSR1, -1, 0);
	W(evs, I->pwait(f->ep, evs, 4, 1500, &mask));
	mp_join(th);
	NOTE_USR1();
	/* all signals in the mask (SIGKILL and SIGSTOP are dropped from it) */
	sigfillset(&mask);
	th = kick(&k, SIGUSR1, f->p[1], 100);
	W(evs, I->pwait(f->ep, evs, 4, -1, &mask));
	mp_join(th);
	NOTE_USR1();
}

/*
 * SIGUSR1 blocked and already pending; pwait's mask unblocks it: EINTR at
 * once, the handler runs, and the old mask (blocking) is back afterwards.
 */
ONE_ITEM_SCENARIO(pwait_mask_unblocks_pending, false)
{
	struct timespec ts = { 20, 0 };
	struct epoll_event evs[4];
	sigset_t empty;
	long t0;

	usr1_blocked_and_pending();
	sigemptyset(&empty);
	NOTE("before: pending %d, blocked %d", usr1_pending(), usr1_blocked());
	t0 = mp_now_ms();
	W(evs, I->pwait(f->ep, evs, 4, 20000, &empty));
	NOTE("returned within 10 s: %s", mp_now_ms() - t0 < 10000 ? "yes" : "no");
	NOTE_USR1();
	raise(SIGUSR1);
	W(evs, I->pwait2(f->ep, evs, 4, &ts, &empty));
	NOTE_USR1();
	raise(SIGUSR1);
	W(evs, I->pwait2(f->ep, evs, 4, NULL, &empty));
	NOTE_USR1();
}

/*
 * The unblocked pending signal loses to ready events and to timeout 0:
 * the events (or 0) are returned, the mask is restored at once and the
 * handler does not run.
 */
ONE_ITEM_SCENARIO(pwait_pending_signal_vs_events, false)
{
	struct timespec zero = { 0, 0 };
	struct epoll_event evs[4];
	sigset_t empty;

	usr1_blocked_and_pending();
	sigemptyset(&empty);
	NOTE("nothing ready, timeout 0:");
	W(evs, I->pwait(f->ep, evs, 4, 0, &empty));
	NOTE_USR1();
	W(evs, I->pwait2(f->ep, evs, 4, &zero, &empty));
	NOTE_USR1();
	REQUIRE(mp_put(f->p[1], "x") == 1);
	NOTE("an event ready, timeout -1:");
	W(evs, I->pwait(f->ep, evs, 4, -1, &empty));
	NOTE_USR1();
	W(evs, I->pwait2(f->ep, evs, 4, NULL, &empty));
	NOTE_USR1();
	NOTE("now unblocking it:");
	block_usr1(false);
	NOTE("handler ran %d, pending %d", (int)hits, usr1_pending());
}

/* pwait2's timeout: NULL is infinite, {0,0} does not block, else relative. */
ONE_ITEM_SCENARIO(pwait2_timeouts, false)
{
	struct timespec zero = { 0, 0 }, t100 = { 0, 100 * 1000000L };
	struct timespec big = { INT64_MAX, 999999999 }, maxns = { 0, 999999999 };
	struct epoll_event evs[4];
	struct kicker k;
	pthread_t th;
	long t0;

	W(evs, I->pwait2(f->ep, evs, 4, &zero, NULL));
	t0 = mp_now_ms();
	W(evs, I->pwait2(f->ep, evs, 4, &t100, NULL));
	NOTE("100 ms timeout lasted at least 99 ms: %s", mp_now_ms() - t0 >= 99 ? "yes" : "no");
	t0 = mp_now_ms();
	W(evs, I->pwait2(f->ep, evs, 4, &maxns, NULL));
	NOTE("999999999 ns timeout lasted at least 999 ms: %s",
	     mp_now_ms() - t0 >= 999 ? "yes" : "no");
	th = kick(&k, 0, f->p[1], 200);
	t0 = mp_now_ms();
	W(evs, I->pwait2(f->ep, evs, 4, NULL, NULL));
	NOTE("NULL blocked until the write: %s", mp_now_ms() - t0 >= 200 ? "yes" : "no");
	mp_join(th);
	mp_drain(f->p[0]);
	th = kick(&k, 0, f->p[1], 200);
	t0 = mp_now_ms();
	W(evs, I->pwait2(f->ep, evs, 4, &big, NULL));
	NOTE("{INT64_MAX, 999999999} blocked until the write: %s",
	     mp_now_ms() - t0 >= 200 ? "yes" : "no");
	mp_join(th);
}

/* An invalid timespec is EINVAL; the timeout is checked first of all. */
ONE_ITEM_SCENARIO(pwait2_invalid_timespec, true)
{
	static const struct timespec bad[] = {
		{ 0, -1 }, { 0, 1000000000 }, { -1, 0 }, { -1, -1 }, { 1, INT64_MAX },
		{ INT64_MIN, 0 },
	};
	struct epoll_event evs[4];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		NOTE("{%lld, %lld}", (long long)bad[i].tv_sec, (long long)bad[i].tv_nsec);
		W(evs, I->pwait2(f->ep, evs, 4, &bad[i], NULL));
		W(evs, I->pwait2(-1, evs, 4, &bad[i], NULL));
		W(evs, I->pwait2(f->p[0], KERNPTR, 0, &bad[i], NULL));
		W(evs, I->pwait2(f->ep, evs, 4, &bad[i], (sigset_t *)1));
	}
	W(evs, I->pwait2(f->ep, evs, 4, NULL, NULL));
}

/* A timespec that cannot be read: EFAULT, before the mask and the wait's own checks. */
ONE_ITEM_SCENARIO(pwait2_timespec_efault, true)
{
	const struct timespec *badts[] = {
		(struct timespec *)1, (struct timespec *)0xffff888000000000ULL,
	};
	struct epoll_event evs[4];
	unsigned int i;
	sigset_t mask;

	sigemptyset(&mask);
	for (i = 0; i < 2; i++) {
		W(evs, I->pwait2(f->ep, evs, 4, badts[i], NULL));
		W(evs, I->pwait2(f->ep, evs, 0, badts[i], NULL));
		W(evs, I->pwait2(-1, evs, 4, badts[i], NULL));
		W(evs, I->pwait2(f->ep, evs, 4, badts[i], (sigset_t *)1));
		W(evs, I->pwait2(f->ep, KERNPTR, 4, badts[i], &mask));
		W(evs, I->pwait_raw(f->ep, evs, 4, 0, true, badts[i], &mask, 4));
	}
	W(evs, I->wait(f->ep, evs, 4, 0));
}

/*
 *            ep
 *    /   /   |   \   \
 *   w0  w1   w2  w3  w4     five ET write ends, re-armed by MOD: maxevents
 *                           smaller than, equal to, larger than the ready count.
 */
MP_SCENARIO(wait, maxevents_vs_ready_count)
{
	struct epoll_event evs[8];
	int ep, p[5][2], i;

	ep = I->create1(0);
	REQUIRE(ep >= 0);
	for (i = 0; i < 5; i++) {
		REQUIRE(mp_pipe(p[i]) == 0);
		R(I->ctl(ep, EPOLL_CTL_ADD, p[i][1], EV(EPOLLOUT | EPOLLET, i)));
	}
	W(evs, I->wait(ep, evs, 3, 0));
	W(evs, I->wait(ep, evs, 3, 0));
	W(evs, I->wait(ep, evs, 3, 0));
	for (i = 0; i < 5; i++)
		R(I->ctl(ep, EPOLL_CTL_MOD, p[i][1], EV(EPOLLOUT | EPOLLET, 10 + i)));
	W(evs, I->wait(ep, evs, 5, 0));
	for (i = 0; i < 5; i++)
		R(I->ctl(ep, EPOLL_CTL_MOD, p[i][1], EV(EPOLLOUT | EPOLLET, 20 + i)));
	W(evs, I->wait(ep, evs, 8, 0));
	W(evs, I->wait(ep, evs, 8, 0));
	for (i = 0; i < 5; i++) {
		MP_CLOSE(p[i][0], p[i][1]);
	}
	close(ep);
}

/*
 *      ep    (no items): a timed wait returns 0, a pwait2 {0,0} too.
 */
MP_SCENARIO(wait, empty_instance)
{
	struct timespec zero = { 0, 0 };
	struct epoll_event evs[2];
	int ep;

	ep = I->create1(0);
	REQUIRE(ep >= 0);
	W(evs, I->wait(ep, evs, 2, 0));
	W(evs, I->wait(ep, evs, 2, 30));
	W(evs, I->pwait2(ep, evs, 2, &zero, NULL));
	W(evs, I->wait(ep, NULL, 2, 10));
	close(ep);
}

/*
 * Timer slack. A timed wait may end late by up to the task's timer slack
 * (select_estimate_accuracy()), but a real-time or deadline task's timer
 * is exact. Each implementation waits 10 ms on an empty instance with
 * PR_SET_TIMERSLACK at 100 ms, as SCHED_OTHER (both return after about
 * 110 ms), SCHED_FIFO and SCHED_DEADLINE (about 10 ms). Paired: epoll's
 * waits are measured in the same process, alternating with the other
 * implementation's, and the two must agree within SLACK_MARGIN_MS.
 *
 * Compared is the median of SLACK_SAMPLES waits. Any interrupt on the CPU
 * after 10 ms ends a wait that has slack, so some of those come back
 * early, at any time in between; and a stall of the emulator on a busy
 * host makes any wait longer, by up to tens of milliseconds. The median
 * moves only when most waits do.
 */
#define SLACK_NS		100000000UL
#define SLACK_WAIT_MS		10
#define SLACK_SAMPLES		9
/* Less than half the slack: an RT wait that got the slack is ~100 ms off. */
#define SLACK_MARGIN_MS		45

/* <linux/sched/types.h>'s struct sched_attr, which glibc does not declare. */
struct slack_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

/* Become @policy with a 100 ms timer slack asked for before and after. */
static int slack_policy(int policy)
{
	struct slack_sched_attr attr = { .size = sizeof(attr), .sched_policy = policy };
	int ret;

	prctl(PR_SET_TIMERSLACK, SLACK_NS);
	if (policy == SCHED_FIFO) {
		attr.sched_priority = 1;
	} else if (policy == SCHED_DEADLINE) {
		attr.sched_runtime = 50 * 1000000ULL;
		attr.sched_deadline = 100 * 1000000ULL;
		attr.sched_period = 100 * 1000000ULL;
	}
	ret = syscall(SYS_sched_setattr, 0, &attr, 0);
	/* Kernels that keep an RT task's slack at 0 ignore this; 6.1 before 6.1.132 takes it. */
	prctl(PR_SET_TIMERSLACK, SLACK_NS);
	return ret;
}

static long slack_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

static int slack_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/* How long SLACK_WAIT_MS waits on ep[0] and ep[1] last: the median of SLACK_SAMPLES. */
static void slack_measure(const struct mp_impl *Ip[2], int ep[2], long took_us[2])
{
	long us[2][SLACK_SAMPLES], t0;
	struct epoll_event evs[4];
	int i, k;

	for (i = 0; i < SLACK_SAMPLES; i++)
		for (k = 0; k < 2; k++) {
			t0 = slack_now_us();
			Ip[k]->wait(ep[k], evs, 4, SLACK_WAIT_MS);
			us[k][i] = slack_now_us() - t0;
		}
	for (k = 0; k < 2; k++) {
		qsort(us[k], SLACK_SAMPLES, sizeof(us[k][0]), slack_cmp);
		took_us[k] = us[k][SLACK_SAMPLES / 2];
	}
}

MP_PAIRED(wait, timer_slack_by_policy)
{
	static const struct { int policy; const char *name; } pol[] = {
		{ SCHED_OTHER, "SCHED_OTHER" },
		{ SCHED_FIFO, "SCHED_FIFO" },
		{ SCHED_DEADLINE, "SCHED_DEADLINE" },
	};
	struct mp_tr *t = tp[0];
	long took[2], diff;
	unsigned int i;
	int ep[2], k;

	for (k = 0; k < 2; k++) {
		ep[k] = Ip[k]->create1(EPOLL_CLOEXEC);
		REQUIRE(ep[k] >= 0);
	}
	for (i = 0; i < sizeof(pol) / sizeof(pol[0]); i++) {
		if (slack_policy(pol[i].policy)) {
			/* Same process, same answer in both transcripts. */
			for (k = 0; k < 2; k++)
				tr_printf(tp[k], "%d: %s: unavailable (%s)\n", __LINE__,
					  pol[i].name, mp_errname(errno));
			continue;
		}
		slack_measure(Ip, ep, took);
		fprintf(stderr, "# %s, timer slack %d ns: %d ms waits took %ld us on %s, %ld us on %s (medians of %d)\n",
			pol[i].name, prctl(PR_GET_TIMERSLACK), SLACK_WAIT_MS, took[0], Ip[0]->name,
			took[1], Ip[1]->name, SLACK_SAMPLES);
		for (k = 0; k < 2; k++) {
			diff = labs(took[k] - took[0]);
			tr_printf(tp[k], "%d: %s: the wait lasts as long as on epoll (within %d ms): %s\n",
				  __LINE__, pol[i].name, SLACK_MARGIN_MS,
				  diff <= SLACK_MARGIN_MS * 1000L ? "yes" : "no");
		}
	}
	for (k = 0; k < 2; k++)
		close(ep[k]);
}

TEST_HARNESS_MAIN

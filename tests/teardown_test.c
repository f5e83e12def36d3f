// SPDX-License-Identifier: GPL-2.0
/*
 * teardown_test: an instance closed while the files it watches close too.
 *
 * Every round builds an instance watching the read end of a pipe, one end
 * of a socketpair, an eventfd and a second instance (itself watching a
 * pipe), then lets threads race: one closes the instance, one closes the
 * last fd of every watched file, in a random order and after a random
 * delay, and one keeps calling ctl and wait on the instance and writing
 * into the watched files until both are done. On minipoll the closes of
 * the watched files run the release hook while the instance's release
 * detaches the same items: this is where the two meet.
 *
 * Each round must end as it ends on epoll: the pipes and the socket are
 * really closed (a write to the other end fails with EPIPE), every call
 * failed only as epoll's can (EBADF once the instance or the target is
 * closed, ENOENT once the item is gone, EAGAIN from a full pipe). The
 * epoll variant runs the same rounds and shows that these checks hold on
 * the real thing. What the race does to the kernel - a use-after-free, a
 * lockdep report, a WARN - is caught by vm-run in the kernel log, and on
 * the debug kernel by KASAN (make check-debug runs it for 60 seconds).
 *
 * On minipoll a fourth thread, when run as root, tries to unload the
 * module all along (delete_module with O_NONBLOCK): an extra instance held
 * open for the whole run must keep every attempt failing with EWOULDBLOCK,
 * however the other instances come and go.
 *
 * MP_RACE_SECONDS sets how long minipoll races (default 5); epoll races
 * for at most 5 seconds, enough to check the test itself.
 */
#include "mp_impl.h"

#include <sched.h>

#define NTHREADS	4	/* closer of the instance, of the targets, user, unloader */

struct round {
	int ep;			/* the instance */
	int pipe_r, pipe_w;	/* watched: pipe_r */
	int sock, peer;		/* watched: sock */
	int efd;		/* watched */
	int inner, inner_r, inner_w;	/* watched: inner, which watches inner_r */
};

struct race {
	const struct mp_impl *I;
	pthread_barrier_t start, done;
	struct round rd;
	uint64_t seed;
	int targets_closed;	/* __atomic: the targets' closer is done */
	int ep_closed;		/* __atomic: the instance's closer is done */
	int stop;		/* __atomic: no more rounds */
	bool unload;		/* a thread tries to unload the module */
	long rounds, calls, unload_tries;	/* __atomic */
	int bad;		/* __atomic: unexpected results */
	char why[200];		/* the first of them */
};

static void race_bad(struct race *r, const char *what, int err)
{
	if (__atomic_fetch_add(&r->bad, 1, __ATOMIC_RELAXED) == 0)
		snprintf(r->why, sizeof(r->why), "%s: %s", what, mp_errname(err));
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Up to a few microseconds of spinning: the threads meet at varying points. */
static void jitter(uint64_t *s)
{
	volatile unsigned int n = xorshift(s) % 2048;

	while (n)
		n--;
}

static int race_seconds(const struct mp_impl *I)
{
	const char *v = getenv("MP_RACE_SECONDS");
	int s = v && atoi(v) > 0 ? atoi(v) : 5;

	return I == &mp_epoll && s > 5 ? 5 : s;
}

/* A new round's files; false (errno set) if one cannot be made. */
static bool round_open(struct race *r)
{
	const struct mp_impl *I = r->I;
	struct round *rd = &r->rd;
	int p[2], s[2];

	rd->ep = I->create1(EPOLL_CLOEXEC);
	rd->inner = I->create1(EPOLL_CLOEXEC);
	if (rd->ep < 0 || rd->inner < 0)
		return false;
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC))
		return false;
	rd->pipe_r = p[0];
	rd->pipe_w = p[1];
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC))
		return false;
	rd->inner_r = p[0];
	rd->inner_w = p[1];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, s))
		return false;
	rd->sock = s[0];
	rd->peer = s[1];
	rd->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (rd->efd < 0)
		return false;

	if (I->ctl(rd->inner, EPOLL_CTL_ADD, rd->inner_r,
		   &(struct epoll_event){ .events = EPOLLIN, .data.u64 = 1 }) ||
	    I->ctl(rd->ep, EPOLL_CTL_ADD, rd->pipe_r,
		   &(struct epoll_event){ .events = EPOLLIN, .data.u64 = 2 }) ||
	    I->ctl(rd->ep, EPOLL_CTL_ADD, rd->sock,
		   &(struct epoll_event){ .events = EPOLLIN | EPOLLET, .data.u64 = 3 }) ||
	    I->ctl(rd->ep, EPOLL_CTL_ADD, rd->efd,
		   &(struct epoll_event){ .events = EPOLLIN | EPOLLONESHOT, .data.u64 = 4 }) ||
	    I->ctl(rd->ep, EPOLL_CTL_ADD, rd->inner,
		   &(struct epoll_event){ .events = EPOLLIN, .data.u64 = 5 }))
		return false;
	/* Some items start ready, so that closes meet ready lists too. */
	if (write(rd->pipe_w, "x", 1) != 1 || write(rd->inner_w, "x", 1) != 1)
		return false;
	return true;
}

/* After the race: the watched ends are really closed, as on epoll. */
static void round_check_and_close(struct race *r)
{
	struct round *rd = &r->rd;

	errno = 0;
	if (write(rd->pipe_w, "y", 1) != -1 || errno != EPIPE)
		race_bad(r, "write to the pipe whose reader closed", errno);
	errno = 0;
	if (write(rd->inner_w, "y", 1) != -1 || errno != EPIPE)
		race_bad(r, "write to the inner instance's pipe", errno);
	errno = 0;
	if (send(rd->peer, "y", 1, MSG_NOSIGNAL) != -1 || errno != EPIPE)
		race_bad(r, "send to the closed socket's peer", errno);
	close(rd->pipe_w);
	close(rd->inner_w);
	close(rd->peer);
}

/* Each thread's round: false once the main thread has ended the race. */
static bool round_starts(struct race *r)
{
	pthread_barrier_wait(&r->start);
	return !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE);
}

static bool closers_done(struct race *r)
{
	return __atomic_load_n(&r->ep_closed, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&r->targets_closed, __ATOMIC_ACQUIRE);
}

static void *t_close_ep(void *arg)
{
	struct race *r = arg;
	uint64_t s = r->seed ^ 0x1111;

	while (round_starts(r)) {
		jitter(&s);
		if (close(r->rd.ep))
			race_bad(r, "close(instance)", errno);
		__atomic_store_n(&r->ep_closed, 1, __ATOMIC_RELEASE);
		pthread_barrier_wait(&r->done);
	}
	return NULL;
}

static void *t_close_targets(void *arg)
{
	struct race *r = arg;
	uint64_t s = r->seed ^ 0x2222;
	int i, fds[4];

	while (round_starts(r)) {
		fds[0] = r->rd.pipe_r;
		fds[1] = r->rd.sock;
		fds[2] = r->rd.efd;
		fds[3] = r->rd.inner;
		/* A random order: any of them may meet the instance's close. */
		for (i = 3; i > 0; i--) {
			int j = xorshift(&s) % (i + 1), tmp = fds[i];

			fds[i] = fds[j];
			fds[j] = tmp;
		}
		jitter(&s);
		for (i = 0; i < 4; i++)
			if (close(fds[i]))
				race_bad(r, "close(target)", errno);
		/* The inner instance's own target, last. */
		if (close(r->rd.inner_r))
			race_bad(r, "close(inner target)", errno);
		__atomic_store_n(&r->targets_closed, 1, __ATOMIC_RELEASE);
		pthread_barrier_wait(&r->done);
	}
	return NULL;
}

/* ctl, wait and writes on the round's files until both closers are done. */
static void *t_use(void *arg)
{
	struct race *r = arg;
	const struct mp_impl *I = r->I;
	struct epoll_event evs[8];
	uint64_t s = r->seed ^ 0x3333, one = 1;
	long calls = 0;

	while (round_starts(r)) {
		while (!closers_done(r)) {
			struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.u64 = 9 };
			int ret;

			switch (xorshift(&s) % 5) {
			case 0:
				ret = I->wait(r->rd.ep, evs, 8, 0);
				if (ret < 0 && errno != EBADF)
					race_bad(r, "wait", errno);
				break;
			case 1:
				/* The fds stay unused until the round ends: never reused. */
				ret = I->ctl(r->rd.ep, EPOLL_CTL_MOD, r->rd.sock, &ev);
				if (ret < 0 && errno != EBADF && errno != ENOENT)
					race_bad(r, "ctl MOD", errno);
				break;
			case 2:
				ret = I->ctl(r->rd.ep, EPOLL_CTL_MOD, r->rd.efd, &ev);
				if (ret < 0 && errno != EBADF && errno != ENOENT)
					race_bad(r, "ctl MOD eventfd", errno);
				break;
			case 3:
				/* Wake-ups on queues that are being torn down. */
				if (write(r->rd.pipe_w, "z", 1) < 0 &&
				    errno != EPIPE && errno != EAGAIN)
					race_bad(r, "write pipe", errno);
				if (send(r->rd.peer, "z", 1, MSG_NOSIGNAL) < 0 &&
				    errno != EPIPE && errno != EAGAIN && errno != ECONNRESET)
					race_bad(r, "send", errno);
				break;
			default:
				if (write(r->rd.inner_w, "z", 1) < 0 &&
				    errno != EPIPE && errno != EAGAIN)
					race_bad(r, "write inner pipe", errno);
				/* efd may be closed already: EBADF is fine. */
				if (write(r->rd.efd, &one, sizeof(one)) < 0 && errno != EBADF &&
				    errno != EAGAIN)
					race_bad(r, "write eventfd", errno);
				break;
			}
			calls++;
		}
		pthread_barrier_wait(&r->done);
	}
	__atomic_fetch_add(&r->calls, calls, __ATOMIC_RELAXED);
	return NULL;
}

static void *t_unload(void *arg)
{
	struct race *r = arg;
	long tries = 0;

	while (round_starts(r)) {
		while (!closers_done(r)) {
			if (r->unload) {
				errno = 0;
				if (syscall(SYS_delete_module, "minipoll", O_NONBLOCK) == 0)
					race_bad(r, "delete_module succeeded with an instance open", 0);
				else if (errno != EWOULDBLOCK)
					race_bad(r, "delete_module", errno);
				tries++;
			}
			/* Often enough to meet every phase, without starving the others. */
			usleep(100);
		}
		pthread_barrier_wait(&r->done);
	}
	__atomic_fetch_add(&r->unload_tries, tries, __ATOMIC_RELAXED);
	return NULL;
}

FIXTURE(teardown) {
	const struct mp_impl *I;
};

FIXTURE_VARIANT(teardown) {
	const struct mp_impl *impl;
};

FIXTURE_VARIANT_ADD(teardown, epoll) { .impl = &mp_epoll };
FIXTURE_VARIANT_ADD(teardown, minipoll) { .impl = &mp_minipoll };

FIXTURE_SETUP(teardown)
{
	self->I = variant->impl;
	signal(SIGPIPE, SIG_IGN);
}

FIXTURE_TEARDOWN(teardown) { }

/*
 *    ep  <- closed by thread 1
 *   / | \ \
 *  p  s  e inner <- last fds closed by thread 2, in a random order
 *            \
 *             q  <- closed last by thread 2
 *
 * thread 3: wait, MOD, writes to p, s, e, q; thread 4: delete_module.
 */
TEST_F_TIMEOUT(teardown, close_instance_vs_last_fd, 300)
{
	void *(*fns[NTHREADS])(void *) = { t_close_ep, t_close_targets, t_use, t_unload };
	pthread_t th[NTHREADS];
	struct race r = { .I = self->I };
	struct timespec t0, now;
	int anchor = -1, i;

	if (self->I == &mp_minipoll && !mp_have_minipoll())
		SKIP(return, "/dev/minipoll is absent (module not loaded)");
	r.seed = (uint64_t)time(NULL) * 2654435761u | 1;
	TH_LOG("seed %llu, %d s", (unsigned long long)r.seed, race_seconds(self->I));
	if (self->I == &mp_minipoll) {
		/* Keeps the module in use: every unload attempt must fail. */
		anchor = self->I->create1(EPOLL_CLOEXEC);
		ASSERT_LE(0, anchor);
		r.unload = geteuid() == 0;
	}
	ASSERT_EQ(0, pthread_barrier_init(&r.start, NULL, NTHREADS + 1));
	ASSERT_EQ(0, pthread_barrier_init(&r.done, NULL, NTHREADS + 1));
	for (i = 0; i < NTHREADS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, fns[i], &r));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (!round_open(&r)) {
			race_bad(&r, "setting up a round", errno);
			break;
		}
		r.ep_closed = r.targets_closed = 0;
		pthread_barrier_wait(&r.start);
		pthread_barrier_wait(&r.done);
		round_check_and_close(&r);
		r.rounds++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (!r.bad && now.tv_sec - t0.tv_sec < race_seconds(self->I));

	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_barrier_wait(&r.start);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	if (anchor >= 0)
		close(anchor);

	TH_LOG("%ld rounds, %ld calls racing, %ld unload attempts",
	       r.rounds, r.calls, r.unload_tries);
	EXPECT_EQ(0, r.bad) TH_LOG("%d unexpected results; the first: %s", r.bad, r.why);
	EXPECT_LT(0, r.rounds);
}

TEST_HARNESS_MAIN

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mp_impl.h: the differential test kit shared by minipoll's test programs.
 *
 * Implementations
 *	struct mp_impl (mp_api.h) is one implementation of the epoll API:
 *	mp_epoll is libc's epoll (the oracle), mp_minipoll is libminipoll.
 *	Scenarios call only through the table, so one scenario body
 *	exercises either.
 *
 * Scenarios and transcripts
 *	A scenario is a function (struct mp_tr *t, const struct mp_impl *I)
 *	that sets up its targets, performs its steps on I and records every
 *	observable result in the transcript t: return values and errno (R()),
 *	the events a wait returned, in order (W()), fdinfo lines (FDINFO()),
 *	and free-form facts (NOTE()). Nothing is compared with constants: each
 *	scenario runs once on the real epoll and once on the variant's
 *	implementation, each run in a fresh child process forked from the test
 *	(so fd numbers, signal state and threads start out identical), and the
 *	two transcripts must be byte-identical. The variant `epoll` compares
 *	epoll with itself: it proves that the scenario is deterministic.
 *
 *	MP_SCENARIO(fixture, name) { body } declares the scenario and its
 *	TEST_F; the fixture comes from MP_FIXTURE(fixture). Setup that must
 *	hold uses REQUIRE(cond): a failure ends the run and is written into the
 *	transcript (and fails the test outright when it happens on epoll).
 *
 * Paired scenarios
 *	MP_PAIRED(fixture, name) gets one transcript per implementation and
 *	both implementations in the same run, for what only makes sense on the
 *	very same files: the rbtree order of fdinfo lines, which follows the
 *	addresses of the target files.
 */
#ifndef MP_IMPL_H
#define MP_IMPL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#ifndef MP_IMPL_NO_HARNESS
#include "kselftest_harness.h"
#endif
/* mp_evstr() and the operations fuzz_test runs */
#include "mp_ops.h"
/* struct mp_impl, mp_epoll and mp_minipoll */
#include "mp_api.h"
/* mp_fdinfo_tfds(): the items an instance's fdinfo lists */
#include "mp_fdinfo.h"

/* ------------------------------------------------------------------------ */
/* Implementations */

bool mp_have_minipoll(void);
/* The implementation a variant runs: minipoll's, or a mutant under MP_MUTANT. */
const struct mp_impl *mp_variant_impl(const struct mp_impl *impl);
extern const struct mp_impl mp_mutant;

/* ------------------------------------------------------------------------ */
/* Transcripts */

struct mp_tr {
	char *buf;		/* shared with the parent: survives a crash */
	size_t len, cap;
	const struct mp_impl *I;
	bool aborted;		/* a REQUIRE() failed */
	bool skipped;		/* SKIP_SCENARIO(): the environment lacks something */
	char skip_reason[128];
	char tags[64][16];	/* names of fds, by fd number */
};

void tr_printf(struct mp_tr *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tr_ret(struct mp_tr *t, int line, const char *what, long ret, int err);
void tr_events(struct mp_tr *t, int line, const char *what, long ret, int err,
	       const struct epoll_event *evs, int nevs);
void tr_fdinfo(struct mp_tr *t, int line, int epfd, bool sorted);
void tr_require_failed(struct mp_tr *t, int line, const char *cond, int err);
const char *mp_errname(int err);

/*
 * R(expr): evaluate expr (a call returning an int, -1 with errno on error)
 * and record "expr = ret" or "expr = -1 ENAME". The expression's text is the
 * label, so both runs label their steps identically.
 */
#define R(expr) ({							\
	long __r;							\
	int __e;							\
	errno = 0;							\
	__r = (long)(expr);						\
	__e = errno;							\
	tr_ret(t, __LINE__, #expr, __r, __e);				\
	errno = __e;							\
	(int)__r;							\
})

/*
 * W(evs, expr): a wait into the array evs returning a count; records the
 * count and the returned events, in order. W_N for a pointer to n events.
 */
#define W_N(evs, n, expr) W__(evs, n, #expr, expr)
#define W__(evs, n, label, expr) ({					\
	long __r;							\
	int __e;							\
	errno = 0;							\
	__r = (long)(expr);						\
	__e = errno;							\
	tr_events(t, __LINE__, label, __r, __e, (evs), (n));		\
	errno = __e;							\
	(int)__r;							\
})
#define W(evs, expr) W__(evs, (int)(sizeof(evs) / sizeof((evs)[0])), #expr, expr)

/* FDINFO(epfd): the instance's fdinfo items, sorted by tfd (see mp_impl.c). */
#define FDINFO(epfd)		tr_fdinfo(t, __LINE__, (epfd), true)
/* FDINFO_ORDER(epfd): as listed, in rbtree order: only for one file and its dups. */
#define FDINFO_ORDER(epfd)	tr_fdinfo(t, __LINE__, (epfd), false)
#define NOTE(fmt, ...)		tr_printf(t, "%d: " fmt "\n", __LINE__, ##__VA_ARGS__)

#define REQUIRE(cond) do {						\
	if (!(cond)) {							\
		tr_require_failed(t, __LINE__, #cond, errno);		\
		return;							\
	}								\
} while (0)

/*
 * SKIP_SCENARIO(reason): this machine cannot run the scenario (no pty, not
 * root, ...). Decided by the run on epoll; the test is reported as skipped.
 */
#define SKIP_SCENARIO(fmt, ...) do {					\
	snprintf(t->skip_reason, sizeof(t->skip_reason), fmt, ##__VA_ARGS__); \
	tr_printf(t, "%d: SKIP: %s\n", __LINE__, t->skip_reason);	\
	t->skipped = true;						\
	return;								\
} while (0)

/* Name an fd in the transcript ("fd 5 (pipe.r)" rather than a bare number). */
void tr_tag(struct mp_tr *t, int fd, const char *name);

/* ------------------------------------------------------------------------ */
/* Running scenarios */

typedef void (*mp_scenario_fn)(struct mp_tr *t, const struct mp_impl *I);
typedef void (*mp_paired_fn)(struct mp_tr *t[2], const struct mp_impl *I[2]);

/* Seconds a single run may take before it is killed and reported as hung. */
#define MP_RUN_TIMEOUT 25

/*
 * Run fn on impl in a forked child; returns the transcript (malloc'ed),
 * ending with how the run ended. *setup_failed tells whether a REQUIRE()
 * failed. For paired scenarios, fn2 is used and out2 gets the second
 * transcript.
 */
struct mp_result {
	bool setup_failed;
	bool skipped;
	char skip_reason[128];
};
char *mp_run(const struct mp_impl *impl, mp_scenario_fn fn, int timeout, struct mp_result *res);
void mp_run_paired(const struct mp_impl *impl, mp_paired_fn fn, int timeout,
		   char **out_epoll, char **out_impl, struct mp_result *res);
/* A line diff of a and b; calls emit once per output line. */
void mp_diff(const char *a, const char *b, const char *name_a, const char *name_b,
	     void (*emit)(void *ctx, const char *line), void *ctx);
bool mp_verbose(void);
void mp_each_line(const char *s, void (*emit)(void *ctx, const char *line), void *ctx);

#ifndef MP_IMPL_NO_HARNESS

static inline void mp_emit_log(void *ctx, const char *line)
{
	struct __test_metadata *_metadata = ctx;

	TH_LOG("%s", line);
}

static inline void mp_report(struct __test_metadata *_metadata, const char *name,
			     const char *impl_name, const char *oracle, const char *got,
			     bool setup_failed)
{
	bool same = strcmp(oracle, got) == 0;

	if (mp_verbose() || !same) {
		TH_LOG("transcript on epoll (the oracle):");
		mp_each_line(oracle, mp_emit_log, _metadata);
	}
	if (!same) {
		TH_LOG("epoll and %s differ (- epoll, + %s):", impl_name, impl_name);
		mp_diff(oracle, got, "epoll", impl_name, mp_emit_log, _metadata);
	}
	EXPECT_FALSE(setup_failed) TH_LOG("%s: scenario setup failed on epoll", name);
	EXPECT_TRUE(same) TH_LOG("%s: %s does not behave as epoll", name, impl_name);
}

static inline void mp_compare(struct __test_metadata *_metadata, const struct mp_impl *impl,
			      mp_scenario_fn fn, const char *name, int timeout)
{
	struct mp_result ro, ri;
	char *oracle, *got;

	impl = mp_variant_impl(impl);
	if (impl == &mp_minipoll && !mp_have_minipoll())
		SKIP(return, "/dev/minipoll is absent (module not loaded)");
	oracle = mp_run(&mp_epoll, fn, timeout, &ro);
	if (ro.skipped) {
		free(oracle);
		SKIP(return, "%s", ro.skip_reason);
	}
	got = mp_run(impl, fn, timeout, &ri);
	mp_report(_metadata, name, impl->name, oracle, got, ro.setup_failed);
	free(oracle);
	free(got);
}

static inline void mp_compare_paired(struct __test_metadata *_metadata,
				     const struct mp_impl *impl, mp_paired_fn fn,
				     const char *name, int timeout)
{
	struct mp_result res;
	char *oracle, *got;

	impl = mp_variant_impl(impl);
	if (impl == &mp_minipoll && !mp_have_minipoll())
		SKIP(return, "/dev/minipoll is absent (module not loaded)");
	mp_run_paired(impl, fn, timeout, &oracle, &got, &res);
	if (res.skipped) {
		free(oracle);
		free(got);
		SKIP(return, "%s", res.skip_reason);
	}
	mp_report(_metadata, name, impl->name, oracle, got, res.setup_failed);
	free(oracle);
	free(got);
}

#endif /* MP_IMPL_NO_HARNESS */

/*
 * Wait for the child @pid of a seccomp test: skip (going to @out) when it
 * found no seccomp filters, else expect it to have exited 0.
 */
#define MP_EXPECT_SECCOMP_CHILD(pid, out) do {				\
	int st_;							\
									\
	ASSERT_EQ(pid, waitpid(pid, &st_, 0));				\
	EXPECT_TRUE(WIFEXITED(st_));					\
	if (WEXITSTATUS(st_) == MP_NO_SECCOMP_EXIT)			\
		SKIP(goto out, "no seccomp filters (CONFIG_SECCOMP_FILTER) in this kernel"); \
	EXPECT_EQ(0, WEXITSTATUS(st_));					\
} while (0)

#define MP_FIXTURE(fx)							\
	FIXTURE(fx) { int unused; };					\
	FIXTURE_VARIANT(fx) { const struct mp_impl *impl; };		\
	FIXTURE_VARIANT_ADD(fx, epoll) { .impl = &mp_epoll };		\
	FIXTURE_VARIANT_ADD(fx, minipoll) { .impl = &mp_minipoll };	\
	FIXTURE_SETUP(fx) { }						\
	FIXTURE_TEARDOWN(fx) { }

/*
 * MP_RAW_FIXTURE(fx): for minipoll-only tests of ioctls epoll has no
 * counterpart for. self->mp is an instance, -1 without the module (then
 * NEED_RAW_MINIPOLL() skips); self->p is a pipe. Needs <minipoll.h>.
 */
#define MP_RAW_FIXTURE(fx)						\
	FIXTURE(fx) { int mp; int p[2]; };				\
	FIXTURE_SETUP(fx)						\
	{								\
		self->mp = -1;						\
		if (!mp_have_minipoll())				\
			return;						\
		self->mp = minipoll_create1(EPOLL_CLOEXEC);		\
		ASSERT_LE(0, self->mp);					\
		ASSERT_EQ(0, mp_pipe(self->p));				\
	}								\
	FIXTURE_TEARDOWN(fx)						\
	{								\
		if (self->mp < 0)					\
			return;						\
		close(self->mp);					\
		close(self->p[0]);					\
		close(self->p[1]);					\
	}

#define NEED_RAW_MINIPOLL() do {					\
	if (self->mp < 0)						\
		SKIP(return, "/dev/minipoll is absent (module not loaded)"); \
} while (0)

#define MP_SCENARIO_TIMEOUT(fx, name, secs)				\
	static void scn_##name(struct mp_tr *t, const struct mp_impl *I); \
	TEST_F_TIMEOUT(fx, name, 2 * (secs) + 10)			\
	{								\
		mp_compare(_metadata, variant->impl, scn_##name, #name, secs); \
	}								\
	static void scn_##name(struct mp_tr *t, const struct mp_impl *I)

#define MP_SCENARIO(fx, name) MP_SCENARIO_TIMEOUT(fx, name, MP_RUN_TIMEOUT)

/*
 * MP_SCENARIO_ON(fx, name, type, var, open, close): a scenario whose body
 * gets the setup it shares with its neighbours as `type *var`: opened by
 * REQUIRE(open(I, var)) before the body, closed by close(var) after it, so
 * that the body holds only its steps. A test file names its own, e.g.
 *	#define PIPES_SCENARIO(name) \
 *		MP_SCENARIO_ON(ready, name, struct pipes, g, pipes_open, pipes_close)
 */
#define MP_SCENARIO_ON(fx, name, type, var, open, close)		\
	static void on_##name(struct mp_tr *t, const struct mp_impl *I, type *var); \
	MP_SCENARIO(fx, name)						\
	{								\
		type var;						\
									\
		REQUIRE((open)(I, &var));				\
		on_##name(t, I, &var);					\
		(close)(&var);						\
	}								\
	static void on_##name(struct mp_tr *t, const struct mp_impl *I, type *var)

/* A scenario without its TEST_F, for tests that wrap mp_compare() themselves. */
#define MP_SCENARIO_FN(name) \
	static void scn_##name(struct mp_tr *t, const struct mp_impl *I)

#define MP_PAIRED(fx, name)						\
	static void scn_##name(struct mp_tr *tp[2], const struct mp_impl *Ip[2]); \
	TEST_F_TIMEOUT(fx, name, MP_RUN_TIMEOUT + 10)			\
	{								\
		mp_compare_paired(_metadata, variant->impl, scn_##name, #name, \
				  MP_RUN_TIMEOUT);			\
	}								\
	static void scn_##name(struct mp_tr *tp[2], const struct mp_impl *Ip[2])

/* ------------------------------------------------------------------------ */
/* Targets and other helpers (all return -1 with errno on failure) */

struct epoll_event mp_ev(uint32_t events, uint64_t data);
/* &mp_ev(...) is not addressable: EV() gives a pointer to a compound literal. */
#define EV(e_, d_) (&(struct epoll_event){ .events = (e_), .data.u64 = (d_) })

/* mp_pipe(), mp_socketpair(), mp_tcp_pair(), mp_udp_pair(): mp_ops.h */
/* Close the fds of a list in order, skipping negative ones: MP_CLOSE(ep, p[0], p[1]). */
void mp_close_fds(const int *fds, int n);
#define MP_CLOSE(...)							\
	mp_close_fds((const int[]){ __VA_ARGS__ },			\
		     (int)(sizeof((const int[]){ __VA_ARGS__ }) / sizeof(int)))
int mp_fill(int fd);			/* write until EAGAIN; bytes written */
int mp_drain(int fd);			/* read until EAGAIN or EOF; bytes read */
int mp_put(int fd, const char *s);	/* write(fd, s, strlen(s)) */
uint64_t mp_efd_read(int fd);		/* eventfd read, 0 on EAGAIN */
int mp_efd_write(int fd, uint64_t v);
int mp_tmpdir(char *buf, size_t len);	/* a fresh writable directory */
/*
 * Loopback traffic is not always delivered by the time send() returns (a
 * busy machine defers softirq work to ksoftirqd): before recording what a
 * packet changed, wait for it with plain poll() on the receiving socket.
 * mp_await: until revents has a bit of mask (ERR/HUP count only if asked);
 * mp_await_backlog: until a TCP listener has n connections to accept.
 */
short mp_await(int fd, short mask, int ms);
int mp_await_backlog(int listener, int n, int ms);
int mp_next_fd(void);			/* the lowest free fd number */
int mp_raise_nofile(int want);		/* RLIMIT_NOFILE soft limit to >= want */

/* The per-user watch limits: epoll's sysctl and minipoll's module parameter. */
#define MP_EPOLL_WATCHES_KNOB	 "/proc/sys/fs/epoll/max_user_watches"
#define MP_MINIPOLL_WATCHES_KNOB "/sys/module/minipoll/parameters/max_user_watches"
long mp_read_knob(const char *path);	/* the number in a /proc or /sys file; -1 if none */
bool mp_write_knob(const char *path, long v);	/* as root; false if it was refused */

void mp_msleep(int ms);
long mp_now_ms(void);			/* CLOCK_MONOTONIC */
/* How long to let threads settle under slow emulation (MP_SETTLE_MS, default 300). */
int mp_settle_ms(void);

/*
 * Block until thread tid sleeps in a poll-type syscall (epoll_wait and
 * friends, ioctl, poll), as seen in /proc/self/task/TID/{stat,syscall}, then
 * settle a little more. Falls back to sleeping when /proc does not say.
 * Returns true when it could confirm.
 */
bool mp_wait_blocked(pid_t tid);
pid_t mp_gettid(void);

/* A thread that runs fn(arg); mp_join returns its result. */
pthread_t mp_thread(void *(*fn)(void *), void *arg);
void *mp_join(pthread_t th);

/*
 * Forbid ioctl() from now on in this thread (a seccomp filter: it fails
 * with ENOTRECOVERABLE), to show a harvest made no system call. -1 with
 * EINVAL on a kernel without seccomp filters: a child then exits with
 * MP_NO_SECCOMP_EXIT, which its parent reports as a skip.
 */
int mp_forbid_ioctl(void);

/*
 * @n pipes whose read ends instance @mpfd watches with @events (data
 * @base + i), each written @put if not NULL: 0, or -1 with errno.
 */
int mp_watch_pipes(int mpfd, int (*q)[2], int n, uint32_t events, uint64_t base,
		   const char *put);
void mp_close_pipes(int (*q)[2], int n);

struct minipoll_ring;
/* A scenario's wait: minipoll_ring_wait() on minipoll, epoll_wait() on epoll. */
int mp_ring_or_wait(const struct mp_impl *I, struct minipoll_ring *r, int ep,
		    struct epoll_event *evs, int max, int timeout);
#define MP_NO_SECCOMP_EXIT	13

/* Run fn(arg) in a forked child whose transcript lines are appended to t. */
void mp_in_child(struct mp_tr *t, void (*fn)(struct mp_tr *t, void *arg), void *arg);

#endif /* MP_IMPL_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test: a differential fuzzer. A seed becomes a random sequence of
 * operations on instances and their targets; the sequence runs on epoll and
 * on minipoll, each in a fresh child process (mp_run()), and the two
 * transcripts - every return value, errno, event list, fdinfo line - must be
 * identical. A difference is reported with its seed, the first differing
 * step and, with --minimize, a delta-debugged reproducer that
 * `fuzz_test --replay FILE` runs again and `--c` prints as a scenario.
 *
 * Operations are written in the language of mp_ops.h, one line each in a
 * replay file (hN names an fd a step made, fd=N is a raw number):
 *
 *   inst h0 cloexec | pipe h1 h2 | ctl h0 ADD h1 events=IN|ET data=0x5
 *   wait h0 max=8 via=pwait2 buf=ok | write h2 val=1 | close h1 | ...
 *
 * Determinism (the `epoll` variant runs epoll against itself to prove it):
 * waits never block (timeout 0); timers only expire at once, and a step
 * that arms one waits until it has fired; signals are blocked and sent to
 * ourselves; a forked child is waited for. Loopback traffic is the hard
 * part: the process is pinned to one CPU, so every packet it sends queues
 * on that CPU's backlog in order, and after a step that may send one the
 * run "settles": UDP probes sent after it must come through, and every open
 * TCP socket must be in a quiet state with nothing unacknowledged (data is
 * written in small pieces with TCP_NODELAY, so no ACK ever wakes a writer).
 *
 * Two modes:
 *   fuzz_test                        kselftest harness: a fixed set of seeds
 *   fuzz_test --seed N --ops M [--seconds S] [--minimize] [--c]
 *   fuzz_test --replay FILE [--minimize] [--c]
 *   fuzz_test --seed N --ops M --print
 * See Documentation/reliability.md.
 */
#include "mp_impl.h"

#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <sys/sysmacros.h>
#include <linux/sockios.h>

#include "minipoll.h"
#include "mp_ops.h"

/* A kernel address: fails access_ok() for any size. */
#define KERNEL_PTR ((void *)0xffff888000000000ULL)
/* INT_MAX / sizeof(struct epoll_event) on x86-64 */
#define EP_MAX_EVENTS (INT_MAX / 12)

/* ------------------------------------------------------------------------ */
/* Generating a sequence from a seed */

static uint64_t rng;

static uint64_t rnd64(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rnd(unsigned int n)
{
	return n ? (unsigned int)(rnd64() % n) : 0;
}

static bool chance(unsigned int pct)
{
	return rnd(100) < pct;
}

/* Pick an index by weight; w ends with a negative entry. */
static int pick(const int *w)
{
	int i, total = 0, x;

	for (i = 0; w[i] >= 0; i++)
		total += w[i];
	x = rnd(total);
	for (i = 0; w[i] >= 0; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return 0;
}

/* What the generator believes a handle is. */
enum { G_INST, G_PIPE_R, G_PIPE_W, G_SOCK, G_TCP, G_EFD, G_TFD, G_SFD, G_FILE, G_BAD };

struct gen {
	struct mp_op *ops;
	int n, cap;
	int *gkind;		/* by handle */
	bool *closed;		/* by handle: closed by a step (its number may be reused) */
	int nh;
	int (*added)[2];	/* (instance, target) handle pairs ADDed */
	int nadded;
};

static struct mp_op *gen_push(struct gen *g, int kind)
{
	struct mp_op *o;

	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 512;
		g->ops = realloc(g->ops, g->cap * sizeof(*g->ops));
	}
	o = &g->ops[g->n++];
	mp_op_init(o, kind);
	return o;
}

static int gen_handle(struct gen *g, int gkind)
{
	g->gkind = realloc(g->gkind, (g->nh + 1) * sizeof(*g->gkind));
	g->closed = realloc(g->closed, (g->nh + 1) * sizeof(*g->closed));
	g->gkind[g->nh] = gkind;
	g->closed[g->nh] = false;
	return g->nh++;
}

static bool gen_fits(struct gen *g, int h, int gkind, bool open_only)
{
	return (gkind < 0 || g->gkind[h] == gkind) && (!open_only || !g->closed[h]);
}

/*
 * A random handle of kind gkind (-1: any kind), mostly one that is still
 * open; -1 if none.
 */
static int gen_any(struct gen *g, int gkind)
{
	bool open_only = chance(92);
	int i, n = 0, x;

	for (i = 0; i < g->nh; i++)
		n += gen_fits(g, i, gkind, open_only);
	if (!n && open_only) {
		open_only = false;
		for (i = 0; i < g->nh; i++)
			n += gen_fits(g, i, gkind, open_only);
	}
	if (!n)
		return -1;
	x = rnd(n);
	for (i = 0; i < g->nh; i++)
		if (gen_fits(g, i, gkind, open_only) && x-- == 0)
			return i;
	return -1;
}

/* fd numbers no handle is meant to have: closed, negative, huge, reused */
static struct mp_ref gen_raw(void)
{
	static const int raws[] = { -1, -2, INT_MIN, INT_MAX, 1 << 20, 65536, 1023 };
	struct mp_ref r = { .h = -1 };

	if (chance(50))
		r.raw = 3 + rnd(40);
	else
		r.raw = raws[rnd(sizeof(raws) / sizeof(raws[0]))];
	return r;
}

static struct mp_ref gen_ref(struct gen *g, int gkind, int pct_raw)
{
	struct mp_ref r = { .h = -1 };

	if (!chance(pct_raw)) {
		r.h = gen_any(g, gkind);
		if (r.h < 0)
			r.h = gen_any(g, -1);
	}
	if (r.h < 0)
		return gen_raw();
	return r;
}

static uint32_t gen_events(void)
{
	static const uint32_t base[] = {
		EPOLLIN, EPOLLOUT, EPOLLIN | EPOLLOUT, EPOLLIN | EPOLLRDHUP, EPOLLPRI,
		EPOLLIN | EPOLLPRI | EPOLLRDHUP, EPOLLRDNORM, EPOLLWRNORM | EPOLLWRBAND,
		EPOLLERR | EPOLLHUP, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI,
		EPOLLMSG | EPOLLRDBAND, 0x20 /* NVAL */, 0x4000 /* POLLFREE */,
	};
	uint32_t e;

	if (chance(3))
		return (uint32_t)rnd64();
	if (chance(3))
		return 0;
	if (chance(2))
		return EPOLLET | EPOLLONESHOT | (chance(50) ? EPOLLWAKEUP : 0);
	e = base[rnd(sizeof(base) / sizeof(base[0]))];
	if (chance(30))
		e |= EPOLLET;
	if (chance(15))
		e |= EPOLLONESHOT;
	if (chance(6))
		e |= EPOLLEXCLUSIVE;
	if (chance(5))
		e |= EPOLLWAKEUP;
	if (chance(2))
		e |= 1U << 27;
	return e;
}

static void gen_ctl(struct gen *g, struct mp_op *o, int k)
{
	static const int opw[] = { 45, 30, 20, 5, -1 };
	static const int bad_ops[] = { 0, 4, -1, 1000 };
	int which = pick(opw);

	o->ref[0] = gen_ref(g, G_INST, 5);
	if (chance(4))
		o->ref[0].h = gen_any(g, -1);
	o->arg = which == 0 ? EPOLL_CTL_ADD : which == 1 ? EPOLL_CTL_MOD :
		 which == 2 ? EPOLL_CTL_DEL : bad_ops[rnd(4)];
	if (o->arg != EPOLL_CTL_ADD && g->nadded && chance(65)) {
		int i = rnd(g->nadded);

		o->ref[0].h = g->added[i][0];
		o->ref[1].h = g->added[i][1];
	} else if (chance(5)) {
		o->ref[1] = o->ref[0];		/* the instance itself */
	} else {
		o->ref[1] = gen_ref(g, chance(20) ? G_INST : -1, 8);
		if (o->ref[1].h >= 0 && o->ref[1].h == o->ref[0].h)
			o->ref[1] = gen_ref(g, -1, 8);
	}
	o->events = gen_events();
	o->val = chance(10) ? rnd64() : (uint64_t)k;
	o->via = chance(96) ? E_OK : chance(50) ? E_NULL : E_KERNEL;
	if (o->arg == EPOLL_CTL_ADD && o->ref[0].h >= 0 && o->ref[1].h >= 0 &&
	    o->ref[0].h != o->ref[1].h) {
		g->added = realloc(g->added, (g->nadded + 1) * sizeof(*g->added));
		g->added[g->nadded][0] = o->ref[0].h;
		g->added[g->nadded][1] = o->ref[1].h;
		g->nadded++;
	}
}

static void gen_wait(struct gen *g, struct mp_op *o)
{
	static const int maxes[] = { 1, 1, 1, 2, 2, 3, 4, 8, 8, 64, 64, 64, 64, 64 };
	static const int bad_maxes[] = { 0, -1, INT_MIN, INT_MAX, EP_MAX_EVENTS,
					  EP_MAX_EVENTS + 1 };
	static const int viaw[] = { 45, 10, 6, 5, 15, 4, 1, 1, 1, 2, 2, -1 };
	static const int bufw[] = { 92, 2, 2, 2, 4, -1 };

	o->ref[0] = gen_ref(g, G_INST, 3);
	if (chance(3))
		o->ref[0].h = gen_any(g, -1);
	o->arg = chance(90) ? maxes[rnd(sizeof(maxes) / sizeof(maxes[0]))] :
			      bad_maxes[rnd(sizeof(bad_maxes) / sizeof(bad_maxes[0]))];
	o->via = pick(viaw);
	o->buf = pick(bufw);
}

/* One target-making op; n is how many handles exist. */
static void gen_create(struct gen *g)
{
	static const int w[] = { 22, 14, 14, 4, 5, 14, 6, 6, 5, -1 };
	static const int instw[] = { 45, 45, 3, 3, 2, 2, -1 };
	int kind = pick(w);
	struct mp_op *o = gen_push(g, kind);

	switch (kind) {
	case OP_INST:
		o->arg = pick(instw);
		o->def[0] = gen_handle(g, o->arg == 2 || o->arg >= 4 ? G_BAD : G_INST);
		break;
	case OP_PIPE:
		o->def[0] = gen_handle(g, G_PIPE_R);
		o->def[1] = gen_handle(g, G_PIPE_W);
		break;
	case OP_UNIX:
		o->arg = rnd(3);
		/* fallthrough */
	case OP_UDP:
		o->def[0] = gen_handle(g, G_SOCK);
		o->def[1] = gen_handle(g, G_SOCK);
		break;
	case OP_TCP:
		o->def[0] = gen_handle(g, G_TCP);
		o->def[1] = gen_handle(g, G_TCP);
		break;
	case OP_EVENTFD:
		o->val = chance(60) ? 0 : rnd(4);
		o->via = chance(30);
		o->def[0] = gen_handle(g, G_EFD);
		break;
	case OP_TIMERFD:
		o->arg = rnd(3);
		o->def[0] = gen_handle(g, G_TFD);
		break;
	case OP_SIGNALFD:
		o->arg = rnd(3);
		o->def[0] = gen_handle(g, G_SFD);
		break;
	case OP_FILE:
		o->arg = rnd(4);
		o->def[0] = gen_handle(g, G_FILE);
		break;
	}
}

/* A writer end: pipe write ends, sockets, eventfds. */
static int gen_writable(struct gen *g)
{
	static const int kinds[] = { G_PIPE_W, G_SOCK, G_TCP, G_EFD };
	int h = gen_any(g, kinds[rnd(4)]);

	return h >= 0 ? h : gen_any(g, -1);
}

static int gen_readable(struct gen *g)
{
	static const int kinds[] = { G_PIPE_R, G_SOCK, G_TCP, G_EFD, G_TFD, G_SFD };
	int h = gen_any(g, kinds[rnd(6)]);

	return h >= 0 ? h : gen_any(g, -1);
}

/* One action; in_child limits it to what a forked child does. */
static void gen_action(struct gen *g, bool in_child)
{
	static const int w[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
		/* ctl wait write fill read shut close dup dup2 timer kill fdinfo poll fork */
		34, 20, 10, 2, 8, 2, 4, 3, 2, 2, 2, 3, 2, 1, -1 };
	static const int readlen[] = { 1, 8, 8, 128, 4096, 65536 };
	int kind, k = g->n;
	struct mp_op *o;

	do {
		kind = pick(w);
	} while (in_child && (kind == OP_FORK || kind == OP_DUP || kind == OP_DUP2 ||
			      kind == OP_TIMER));
	o = gen_push(g, kind);
	switch (kind) {
	case OP_CTL:
		gen_ctl(g, o, k);
		break;
	case OP_WAIT:
		gen_wait(g, o);
		break;
	case OP_WRITE:
		o->ref[0].h = gen_writable(g);
		o->val = chance(90) ? 1 + rnd(3) : rnd64();
		break;
	case OP_FILL:
		o->ref[0].h = gen_writable(g);
		break;
	case OP_READ:
		o->ref[0].h = gen_readable(g);
		o->arg = readlen[rnd(sizeof(readlen) / sizeof(readlen[0]))];
		break;
	case OP_SHUTDOWN:
		o->ref[0].h = gen_any(g, chance(50) ? G_TCP : G_SOCK);
		if (o->ref[0].h < 0)
			o->ref[0].h = gen_any(g, -1);
		o->arg = rnd(3);
		break;
	case OP_CLOSE:
		o->ref[0] = gen_ref(g, -1, 5);
		if (o->ref[0].h >= 0 && !in_child)
			g->closed[o->ref[0].h] = true;
		break;
	case OP_DUP:
		o->ref[0] = gen_ref(g, -1, 3);
		o->def[0] = gen_handle(g, o->ref[0].h >= 0 ? g->gkind[o->ref[0].h] : G_FILE);
		break;
	case OP_DUP2:
		o->ref[0] = gen_ref(g, -1, 3);
		o->ref[1].h = gen_any(g, -1);
		if (o->ref[0].h >= 0 && o->ref[1].h >= 0) {
			g->gkind[o->ref[1].h] = g->gkind[o->ref[0].h];
			g->closed[o->ref[1].h] = g->closed[o->ref[0].h];
		}
		break;
	case OP_TIMER:
		o->ref[0].h = gen_any(g, chance(90) ? G_TFD : -1);
		if (o->ref[0].h < 0)
			o->ref[0].h = gen_any(g, -1);
		o->arg = chance(75) ? 0 : 1;
		break;
	case OP_KILL:
		o->arg = rnd(2);
		break;
	case OP_FDINFO:
	case OP_POLL:
		o->ref[0] = gen_ref(g, chance(80) ? G_INST : -1, 2);
		break;
	case OP_FORK: {
		int i, n = 1 + rnd(4);

		for (i = 0; i < n; i++)
			gen_action(g, true);
		gen_push(g, OP_ENDFORK);
		break;
	}
	}
}

/* The sequence for seed: about nops operations. */
static struct mp_op *generate(uint64_t seed, int nops, int *n_out)
{
	struct gen g = { 0 };
	int live = 0;

	rng = seed * 0x2545f4914f6cdd1dULL + 1;
	/* an instance and a pipe to start with, most of the time */
	if (chance(90)) {
		struct mp_op *o = gen_push(&g, OP_INST);

		o->arg = rnd(2);
		o->def[0] = gen_handle(&g, G_INST);
	}
	if (chance(70)) {
		struct mp_op *o = gen_push(&g, OP_PIPE);

		o->def[0] = gen_handle(&g, G_PIPE_R);
		o->def[1] = gen_handle(&g, G_PIPE_W);
	}
	while (g.n < nops) {
		live = g.nh;
		if (live < 4 || (live < 120 && chance(12)))
			gen_create(&g);
		else
			gen_action(&g, false);
	}
	free(g.gkind);
	free(g.closed);
	free(g.added);
	*n_out = g.n;
	return g.ops;
}

/* ------------------------------------------------------------------------ */
/* Running a sequence */

/*
 * The settling probes' fds: beyond any fd a step makes (all below 512) or
 * names (raw numbers: small, 1023, or far beyond any limit).
 */
#define PROBE_FD	1500
#define EVBUF_MIN	1024

static volatile sig_atomic_t sig_count[2];

static void on_usr(int sig)
{
	sig_count[sig == SIGUSR2]++;
}

struct rt {
	struct mp_tr *t;
	const struct mp_impl *I;
	int *fd;		/* by handle */
	bool *set;		/* the handle was defined */
	int nh;
	int maxfd;		/* highest fd number any step returned */
	bool net;		/* an AF_INET socket exists: settle after closes */
	bool in_child;
	int probe[2];		/* UDP pair for settling */
	struct epoll_event *evbuf;
	int nevbuf;
	struct epoll_event *ro;	/* a read-only page */
	struct epoll_event *tail2;	/* room for 2 events, then PROT_NONE */
	int seen_sig[2];
	unsigned long anon_ino, dev_ino;	/* see rec_fdinfo() */
	unsigned int anon_dev, dev_dev;
};

/* The sequence the scenario runs (set before mp_run(); children inherit it). */
static const struct mp_op *g_ops;
static int g_nops;
/* What a replay file called its handles; NULL: h0, h1, ... as numbered. */
static const struct mp_names *g_names;

static int max_handle(const struct mp_op *ops, int n)
{
	int i, j, m = -1;

	for (i = 0; i < n; i++)
		for (j = 0; j < 2; j++) {
			if (ops[i].def[j] > m)
				m = ops[i].def[j];
			if (ops[i].ref[j].h > m)
				m = ops[i].ref[j].h;
		}
	return m;
}

static void note_fd(struct rt *r, int fd)
{
	if (fd > r->maxfd && fd < 512)
		r->maxfd = fd;
}

static bool is_instance(const struct rt *r, int fd)
{
	char path[64], link[64];
	ssize_t n;

	if (r->I == &mp_minipoll)
		return minipoll_is_instance(fd);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = 0;
	return !strcmp(link, "anon_inode:[eventpoll]");
}

static bool is_anon(int fd, const char *name)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return false;
	link[n] = 0;
	return !strcmp(link, name);
}

/* A socket's SOL_SOCKET option opt (SO_PROTOCOL, SO_DOMAIN); -1 if none. */
static int sock_opt(int fd, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, opt, &v, &len))
		return -1;
	return v;
}

/*
 * Every open TCP socket is quiet: no handshake or close under way, nothing
 * unacknowledged. TCP_INFO takes the socket lock, so any softirq still
 * working on the socket has finished when it returns.
 */
static bool tcp_quiet(struct rt *r)
{
	struct tcp_info ti;
	socklen_t len;
	int fd, outq;

	for (fd = 0; fd <= r->maxfd; fd++) {
		if (sock_opt(fd, SO_PROTOCOL) != IPPROTO_TCP)
			continue;
		len = sizeof(ti);
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
			continue;
		switch (ti.tcpi_state) {
		case TCP_CLOSE: case TCP_LISTEN: case TCP_TIME_WAIT:
			continue;	/* (a reset leaves the send sequence as it was) */
		case TCP_ESTABLISHED: case TCP_FIN_WAIT2: case TCP_CLOSE_WAIT:
			break;
		default:
			return false;
		}
		if (ti.tcpi_unacked || (!ioctl(fd, SIOCOUTQ, &outq) && outq))
			return false;
	}
	return true;
}

/* One datagram through loopback: everything queued before it is processed. */
static bool probe(struct rt *r)
{
	char c = 'p';

	if (send(r->probe[0], &c, 1, 0) != 1)
		return false;
	if (!(mp_await(r->probe[1], POLLIN, 5000) & POLLIN))
		return false;
	return recv(r->probe[1], &c, 1, 0) == 1;
}

/* Wait until what the last step sent over loopback has arrived, and its replies. */
static void settle(struct rt *r)
{
	long deadline = mp_now_ms() + 10000;

	for (;;) {
		if (!probe(r) || !probe(r)) {
			tr_printf(r->t, "settle: PROBE LOST\n");
			return;
		}
		if (tcp_quiet(r))
			break;
		if (mp_now_ms() > deadline) {
			tr_printf(r->t, "settle: TIMEOUT (TCP not quiet)\n");
			return;
		}
		mp_msleep(1);
	}
	probe(r);
	tcp_quiet(r);
}

static int fd_of(struct rt *r, const struct mp_ref *ref, bool *ok)
{
	*ok = true;
	if (ref->h < 0)
		return ref->raw;
	if (ref->h >= r->nh || !r->set[ref->h]) {
		*ok = false;
		return -1;
	}
	return r->fd[ref->h];
}

static void define(struct rt *r, int h, int fd)
{
	if (h < 0 || h >= r->nh)
		return;
	r->fd[h] = fd;
	r->set[h] = true;
	note_fd(r, fd);
}

static void rec(struct rt *r, int k, const char *what, long ret, int err)
{
	tr_ret(r->t, k, what, ret, err);
}

#define REC(what, expr) ({						\
	long __r;							\
	int __e;							\
	errno = 0;							\
	__r = (long)(expr);						\
	__e = errno;							\
	rec(r, k, what, __r, __e);					\
	__r;								\
})

static void rec_signals(struct rt *r, int k)
{
	if (sig_count[0] == r->seen_sig[0] && sig_count[1] == r->seen_sig[1])
		return;
	r->seen_sig[0] = sig_count[0];
	r->seen_sig[1] = sig_count[1];
	tr_printf(r->t, "%d: handled: usr1 %d, usr2 %d\n", k, r->seen_sig[0], r->seen_sig[1]);
}

static void do_create(struct rt *r, int k, const struct mp_op *o)
{
	int p[2] = { -1, -1 }, one = 1;
	const char *what;
	long ret;

	errno = 0;
	ret = mp_op_make(o, r->I->create1, r->I->create, p, &what);
	rec(r, k, what, ret, errno);
	if (o->kind == OP_TCP && ret == 0) {
		setsockopt(p[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(p[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	if ((o->kind == OP_TCP || o->kind == OP_UDP) && ret == 0)
		r->net = true;
	if (mp_op_ndefs[o->kind] == 2)
		tr_printf(r->t, "%d: fds %d %d\n", k, p[0], p[1]);
	define(r, o->def[0], p[0]);
	define(r, o->def[1], p[1]);
	if (o->kind == OP_TCP || o->kind == OP_UDP)
		settle(r);
}

static void do_ctl(struct rt *r, int k, const struct mp_op *o, int epfd, int fd)
{
	struct epoll_event ev = { .events = o->events, .data.u64 = o->val };
	struct epoll_event *evp = o->via == E_NULL ? NULL : o->via == E_KERNEL ? KERNEL_PTR : &ev;

	REC("ctl", r->I->ctl(epfd, o->arg, fd, evp));
}

static void do_wait(struct rt *r, int k, const struct mp_op *o, int epfd)
{
	struct timespec ts = { 0, 0 };
	struct epoll_event *buf;
	sigset_t mask;
	int nbuf, ret, err;

	switch (o->buf) {
	case B_NULL: buf = NULL; nbuf = 0; break;
	case B_RO: buf = r->ro; nbuf = 0; break;
	case B_KERNEL: buf = KERNEL_PTR; nbuf = 0; break;
	case B_TAIL2: buf = r->tail2; nbuf = 2; break;
	default: buf = r->evbuf; nbuf = r->nevbuf; break;
	}
	if (o->via == V_PWAIT_EMPTY || o->via == V_PWAIT2_EMPTY)
		sigemptyset(&mask);
	else
		sigfillset(&mask);
	if ((o->via == V_RAW_SS4 || o->via == V_RAW_SS16) && !is_instance(r, epfd)) {
		/* the raw call exists only on an instance (mp_impl.h) */
		tr_printf(r->t, "%d: skipped: not an instance\n", k);
		return;
	}
	errno = 0;
	switch (o->via) {
	case V_PWAIT:
		ret = r->I->pwait(epfd, buf, o->arg, 0, NULL);
		break;
	case V_PWAIT_EMPTY:
	case V_PWAIT_FULL:
		ret = r->I->pwait(epfd, buf, o->arg, 0, &mask);
		break;
	case V_PWAIT2:
		ret = r->I->pwait2(epfd, buf, o->arg, &ts, NULL);
		break;
	case V_PWAIT2_EMPTY:
		ret = r->I->pwait2(epfd, buf, o->arg, &ts, &mask);
		break;
	case V_PWAIT2_NEGNSEC:
		ts.tv_nsec = -1;
		ret = r->I->pwait2(epfd, buf, o->arg, &ts, NULL);
		break;
	case V_PWAIT2_NEGSEC:
		ts.tv_sec = -1;
		ret = r->I->pwait2(epfd, buf, o->arg, &ts, NULL);
		break;
	case V_PWAIT2_BIGNSEC:
		ts.tv_nsec = 1000000000;
		ret = r->I->pwait2(epfd, buf, o->arg, &ts, NULL);
		break;
	case V_RAW_SS4:
		ret = r->I->pwait_raw(epfd, buf, o->arg, 0, false, NULL, &mask, 4);
		break;
	case V_RAW_SS16:
		ret = r->I->pwait_raw(epfd, buf, o->arg, 0, true, &ts, &mask, 16);
		break;
	default:
		ret = r->I->wait(epfd, buf, o->arg, 0);
		break;
	}
	err = errno;
	tr_events(r->t, k, "wait", ret, err, buf, nbuf);
	rec_signals(r, k);
}

/* Write until the target is full; small pieces, so that sockets account alike. */
static void do_fill(struct rt *r, int k, int fd)
{
	static char chunk[1024];
	long total = 0;
	ssize_t n = 0;
	int i, err = 0;

	if (is_anon(fd, "anon_inode:[eventfd]")) {
		uint64_t v = 0xfffffffffffffffeULL;

		REC("fill eventfd", write(fd, &v, sizeof(v)));
		return;
	}
	if (sock_opt(fd, SO_PROTOCOL) == IPPROTO_TCP) {
		/* A full TCP buffer would make ACKs wake the writer later. */
		REC("fill tcp (one piece)", write(fd, chunk, 8));
		settle(r);
		return;
	}
	for (i = 0; i < 4096; i++) {
		n = write(fd, chunk, sizeof(chunk));
		if (n <= 0) {
			err = errno;
			break;
		}
		total += n;
	}
	tr_printf(r->t, "%d: fill: %ld bytes, then %s\n", k, total,
		  n < 0 ? mp_errname(err) : n == 0 ? "0" : "more");
	if (r->net && sock_opt(fd, SO_DOMAIN) == AF_INET)
		settle(r);
}

static void do_read(struct rt *r, int k, const struct mp_op *o, int fd)
{
	static char buf[65536];
	uint64_t v;
	long ret;

	ret = REC("read", read(fd, buf, o->arg > 0 && o->arg <= (int)sizeof(buf) ? o->arg : 8));
	if (ret == 8) {
		memcpy(&v, buf, 8);
		tr_printf(r->t, "%d: value %llu\n", k, (unsigned long long)v);
	}
	if (r->net && sock_opt(fd, SO_DOMAIN) == AF_INET)
		settle(r);
}

static void do_timer(struct rt *r, int k, const struct mp_op *o, int fd)
{
	/* an absolute time long past: expires at once */
	struct itimerspec its = { .it_value = { 0, o->arg == 0 ? 1 : 0 } };
	short rev;

	if (REC("timerfd_settime", timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL)) ||
	    o->arg != 0)
		return;
	rev = mp_await(fd, POLLIN, 5000);
	tr_printf(r->t, "%d: timer %s\n", k, rev & POLLIN ? "fired" : "DID NOT FIRE");
}

static void do_poll(struct rt *r, int k, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT | POLLPRI | POLLRDHUP };
	char buf[160];
	int ret;

	ret = REC("poll", poll(&pfd, 1, 0));
	if (ret > 0)
		tr_printf(r->t, "%d: revents %s\n", k, mp_evstr(pfd.revents, buf, sizeof(buf)));
}

struct fdline {
	int tfd, seq;
	unsigned long ino;
	unsigned int sdev;
	char text[256];		/* up to " ino:" */
};

static int fdline_cmp(const void *a, const void *b)
{
	const struct fdline *x = a, *y = b;
	const char *px = strstr(x->text, "  pos:"), *py = strstr(y->text, "  pos:");
	int c;

	if (x->tfd != y->tfd)
		return x->tfd < y->tfd ? -1 : 1;
	/* one number, several files: by events and data */
	c = strncmp(x->text, y->text, px && py && px - x->text == py - y->text ?
		    (size_t)(px - x->text) : sizeof(x->text));
	return c ? c : x->seq - y->seq;
}

/* The kernel's dev_t (as fdinfo prints it) of a user-space st_dev. */
static unsigned int kdev(dev_t d)
{
	return (major(d) << 20) | minor(d);
}

/* v's number in order of appearance: its index in seen, which it joins if new. */
static int number_of(unsigned long *seen, int *n, unsigned long v)
{
	int j;

	for (j = 0; j < *n && seen[j] != v; j++)
		;
	if (j == *n && *n < 64)
		seen[(*n)++] = v;
	return j;
}

/*
 * fdinfo of fd as tr_fdinfo() records it - items sorted by tfd, inode and
 * device numbers as I0, D0, ... in order of appearance - except that a
 * target on the anon inode (eventfd, timerfd, signalfd, an epoll instance)
 * or on /dev/minipoll's (a minipoll instance) shows "ino:anon sdev:anon".
 * An epoll instance shares its inode with the anon files, a minipoll
 * instance has the device's: not a difference of the interest list.
 */
static void rec_fdinfo(struct rt *r, int k, int fd)
{
	static struct fdline lines[4096];
	unsigned long inos[64], devs[64];
	int nino = 0, ndev = 0, n = 0, i;
	char path[64], buf[256], *ino, *sdev;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f) {
		tr_printf(r->t, "%d: fdinfo: open: %s\n", k, mp_errname(errno));
		return;
	}
	tr_printf(r->t, "%d: fdinfo:\n", k);
	while (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = 0;
		if (!strncmp(buf, "pos:", 4) || !strncmp(buf, "flags:", 6)) {
			tr_printf(r->t, "    %s\n", buf);
			continue;
		}
		if (strncmp(buf, "tfd:", 4) || n == 4096)
			continue;
		ino = strstr(buf, " ino:");
		sdev = strstr(buf, " sdev:");
		lines[n].tfd = atoi(buf + 4);
		lines[n].seq = n;
		lines[n].ino = ino ? strtoul(ino + 5, NULL, 16) : 0;
		lines[n].sdev = sdev ? (unsigned int)strtoul(sdev + 6, NULL, 16) : 0;
		if (ino)
			*ino = 0;
		snprintf(lines[n].text, sizeof(lines[n].text), "%s", buf);
		n++;
	}
	fclose(f);
	qsort(lines, n, sizeof(lines[0]), fdline_cmp);
	for (i = 0; i < n; i++) {
		struct fdline *l = &lines[i];

		if ((l->ino == r->anon_ino && l->sdev == r->anon_dev) ||
		    (r->dev_ino && l->ino == r->dev_ino && l->sdev == r->dev_dev)) {
			tr_printf(r->t, "    %s ino:anon sdev:anon\n", l->text);
			continue;
		}
		tr_printf(r->t, "    %s ino:I%d sdev:D%d\n", l->text,
			  number_of(inos, &nino, l->ino), number_of(devs, &ndev, l->sdev));
	}
	tr_printf(r->t, "    (%d items)\n", n);
}

/* fdinfo of every instance, in fd order. */
static void final_fdinfo(struct rt *r)
{
	int fd;

	tr_printf(r->t, "final:\n");
	for (fd = 0; fd <= r->maxfd; fd++)
		if (is_instance(r, fd)) {
			tr_printf(r->t, "instance fd %d\n", fd);
			rec_fdinfo(r, 0, fd);
		}
}

static void exec_op(struct rt *r, int k, const struct mp_op *o)
{
	char text[512];
	int a = -1, b = -1;
	bool ok0 = true, ok1 = true;
	long ret;

	mp_op_str(o, g_names, NULL, text, sizeof(text));
	tr_printf(r->t, "#%d %s\n", k, text);
	if (mp_op_nrefs[o->kind] >= 1)
		a = fd_of(r, &o->ref[0], &ok0);
	if (mp_op_nrefs[o->kind] >= 2)
		b = fd_of(r, &o->ref[1], &ok1);
	if (!ok0 || !ok1) {
		tr_printf(r->t, "%d: skipped: undefined handle\n", k);
		return;
	}
	switch (o->kind) {
	case OP_INST: case OP_PIPE: case OP_UNIX: case OP_UDP: case OP_TCP:
	case OP_EVENTFD: case OP_TIMERFD: case OP_SIGNALFD: case OP_FILE:
		do_create(r, k, o);
		break;
	case OP_CTL:
		do_ctl(r, k, o, a, b);
		break;
	case OP_WAIT:
		do_wait(r, k, o, a);
		break;
	case OP_WRITE: {
		uint64_t v = o->val;

		REC("write", write(a, &v, sizeof(v)));
		if (r->net && sock_opt(a, SO_DOMAIN) == AF_INET)
			settle(r);
		break;
	}
	case OP_FILL:
		do_fill(r, k, a);
		break;
	case OP_READ:
		do_read(r, k, o, a);
		break;
	case OP_SHUTDOWN: {
		bool inet = sock_opt(a, SO_DOMAIN) == AF_INET;

		REC("shutdown", shutdown(a, o->arg == 0 ? SHUT_RD : o->arg == 1 ? SHUT_WR :
					 SHUT_RDWR));
		if (r->net && inet)
			settle(r);
		break;
	}
	case OP_CLOSE:
		REC("close", close(a));
		if (r->net)
			settle(r);
		break;
	case OP_DUP:
		ret = REC("dup", fcntl(a, F_DUPFD_CLOEXEC, 0));
		define(r, o->def[0], (int)ret);
		break;
	case OP_DUP2:
		ret = REC("dup2", dup2(a, b));
		note_fd(r, (int)ret);
		if (r->net)
			settle(r);
		break;
	case OP_TIMER:
		do_timer(r, k, o, a);
		break;
	case OP_KILL:
		REC("kill", kill(getpid(), o->arg ? SIGUSR2 : SIGUSR1));
		break;
	case OP_FDINFO:
		rec_fdinfo(r, k, a);
		break;
	case OP_POLL:
		do_poll(r, k, a);
		break;
	case OP_SETTLE:
		if (r->net)
			settle(r);
		break;
	case OP_SLEEPER:
	case OP_PAUSE:
		tr_printf(r->t, "%d: skipped: minipoll-inspect's step\n", k);
		break;
	}
}

static bool rt_setup(struct rt *r, struct mp_tr *t, const struct mp_impl *I, int nops, int nh)
{
	struct sigaction sa = { .sa_handler = on_usr };
	long pg = sysconf(_SC_PAGESIZE);
	int probe_fd = PROBE_FD;
	struct rlimit rl;
	cpu_set_t cpus;
	sigset_t block;
	struct stat st;
	char *m;
	int a, b;

	memset(r, 0, sizeof(*r));
	r->t = t;
	r->I = I;
	r->nh = nh;
	r->fd = calloc(nh + 1, sizeof(*r->fd));
	r->set = calloc(nh + 1, sizeof(*r->set));
	r->maxfd = 2;

	/* One CPU: our loopback packets queue on one backlog, in order. */
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);

	a = eventfd(0, EFD_CLOEXEC);
	if (a >= 0 && !fstat(a, &st)) {
		r->anon_ino = st.st_ino;
		r->anon_dev = kdev(st.st_dev);
	}
	close(a);
	if (!stat("/dev/minipoll", &st)) {
		r->dev_ino = st.st_ino;
		r->dev_dev = kdev(st.st_dev);
	}

	/* Out of the way of every fd a step makes or names, if the limit allows. */
	r->probe[0] = r->probe[1] = -1;
	if (mp_raise_nofile(PROBE_FD + 64) && !getrlimit(RLIMIT_NOFILE, &rl))
		probe_fd = rl.rlim_cur > 512 + 16 ? (int)rl.rlim_cur - 16 : 512;
	if (mp_udp_pair(&a, &b) == 0) {
		r->probe[0] = fcntl(a, F_DUPFD_CLOEXEC, probe_fd);
		r->probe[1] = fcntl(b, F_DUPFD_CLOEXEC, probe_fd);
		close(a);
		close(b);
	}
	if (r->probe[0] < 0 || r->probe[1] < 0) {
		tr_require_failed(t, __LINE__, "UDP probe sockets at fd >= PROBE_FD", errno);
		return false;
	}

	r->nevbuf = nops + EVBUF_MIN;
	m = mmap(NULL, pg + r->nevbuf * sizeof(struct epoll_event), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m != MAP_FAILED) {
		mprotect(m, pg, PROT_READ);
		r->ro = (void *)m;
		r->evbuf = (void *)(m + pg);
	}
	m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m != MAP_FAILED) {
		mprotect(m + pg, pg, PROT_NONE);
		r->tail2 = (void *)(m + pg - 2 * sizeof(struct epoll_event));
	}
	return true;
}

/* MP_FUZZ_SLOW=ms: say on stderr which steps take longer (not in the transcript). */
static void slow_step(int k, const struct mp_op *o, long t0)
{
	static int slow = -1;
	long dt = mp_now_ms() - t0;

	if (slow < 0)
		slow = getenv("MP_FUZZ_SLOW") ? atoi(getenv("MP_FUZZ_SLOW")) : 0;
	if (slow > 0 && dt >= slow)
		fprintf(stderr, "fuzz: step #%d %s took %ld ms\n", k, mp_op_kinds[o->kind], dt);
}

static void run_ops(struct rt *r, const struct mp_op *ops, int n)
{
	int k, status;
	pid_t pid;

	for (k = 0; k < n; k++) {
		const struct mp_op *o = &ops[k];
		long t0 = mp_now_ms();

		if (o->kind == OP_ENDFORK) {
			if (r->in_child)
				_exit(0);
			tr_printf(r->t, "#%d endfork (no fork)\n", k);
			continue;
		}
		if (o->kind != OP_FORK) {
			exec_op(r, k, o);
			slow_step(k, o, t0);
			continue;
		}
		tr_printf(r->t, "#%d fork\n", k);
		if (r->in_child) {
			tr_printf(r->t, "%d: skipped: already in a child\n", k);
			continue;
		}
		pid = fork();
		if (pid < 0) {
			tr_printf(r->t, "%d: fork: %s\n", k, mp_errname(errno));
			continue;
		}
		if (pid == 0) {
			r->in_child = true;
			continue;
		}
		/* the parent goes on after the child's part */
		while (k + 1 < n && ops[k + 1].kind != OP_ENDFORK)
			k++;
		if (k + 1 < n)
			k++;
		{
			long deadline = mp_now_ms() + 20000;
			pid_t w;

			while ((w = waitpid(pid, &status, WNOHANG)) == 0 &&
			       mp_now_ms() < deadline)
				mp_msleep(1);
			if (w != pid) {
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				tr_printf(r->t, "#%d endfork: child HUNG\n", k);
			} else {
				tr_printf(r->t, "#%d endfork: child %s %d\n", k,
					  WIFEXITED(status) ? "exit" : "signal",
					  WIFEXITED(status) ? WEXITSTATUS(status) :
					  WTERMSIG(status));
			}
		}
		if (r->net)
			settle(r);
	}
	if (r->in_child)
		_exit(0);
}

static void fuzz_scenario(struct mp_tr *t, const struct mp_impl *I)
{
	struct rt r;

	if (!rt_setup(&r, t, I, g_nops, max_handle(g_ops, g_nops) + 1))
		return;
	run_ops(&r, g_ops, g_nops);
	final_fdinfo(&r);
}

/* ------------------------------------------------------------------------ */
/* Comparing, minimizing, reporting */

#define RUN_TIMEOUT 120

static bool verbose;

struct outcome {
	char *oracle, *got;
	bool differ;
	bool setup_failed;
};

static void run_both(const struct mp_impl *impl, const struct mp_op *ops, int n, struct outcome *out)
{
	struct mp_result ro, ri;

	g_ops = ops;
	g_nops = n;
	out->oracle = mp_run(&mp_epoll, fuzz_scenario, RUN_TIMEOUT, &ro);
	out->got = mp_run(impl, fuzz_scenario, RUN_TIMEOUT, &ri);
	out->differ = strcmp(out->oracle, out->got) != 0;
	out->setup_failed = ro.setup_failed;
}

static void outcome_free(struct outcome *out)
{
	free(out->oracle);
	free(out->got);
	out->oracle = out->got = NULL;
}

/* The step whose results differ first: the last "#k" line before the first difference. */
static int first_diff_step(const char *a, const char *b)
{
	int step = -1;

	while (*a && *a == *b) {
		if ((a[0] == '#') && isdigit((unsigned char)a[1]))
			step = atoi(a + 1);
		if (!strncmp(a, "final:", 6))
			step = INT_MAX;
		while (*a && *a == *b && *a != '\n')
			a++, b++;
		if (*a != *b)
			break;
		if (*a)
			a++, b++;
	}
	return step;
}

static void print_lines(const char *s, const char *prefix)
{
	char *dup = strdup(s), *save, *l;

	for (l = strtok_r(dup, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		printf("# %s%s\n", prefix, l);
	free(dup);
}

struct diffbuf {
	int n, max;
};

static void diff_line(void *ctx, const char *line)
{
	struct diffbuf *d = ctx;

	if (d->n++ < d->max)
		printf("# %s\n", line);
	else if (d->n == d->max + 1)
		printf("# ... (diff cut)\n");
}

static void print_diff(const char *impl_name, const struct outcome *out, int max)
{
	struct diffbuf d = { 0, max };

	mp_diff(out->oracle, out->got, "epoll", impl_name, diff_line, &d);
}

/* Dense handle numbers (h0, h1, ... in order of appearance) for printing. */
static int *handle_map(const struct mp_op *ops, int n)
{
	int m = max_handle(ops, n) + 1, *map = malloc((m + 1) * sizeof(int)), next = 0, i, j;

	for (i = 0; i <= m; i++)
		map[i] = -1;
	for (i = 0; i < n; i++) {
		for (j = 0; j < 2; j++)
			if (ops[i].ref[j].h >= 0 && map[ops[i].ref[j].h] < 0)
				map[ops[i].ref[j].h] = next++;
		for (j = 0; j < 2; j++)
			if (ops[i].def[j] >= 0 && map[ops[i].def[j]] < 0)
				map[ops[i].def[j]] = next++;
	}
	return map;
}

/* Rewrite the handles of ops densely, as handle_map() numbers them. */
static void renumber(struct mp_op *ops, int n)
{
	int *map = handle_map(ops, n), i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < 2; j++) {
			if (ops[i].def[j] >= 0)
				ops[i].def[j] = map[ops[i].def[j]];
			if (ops[i].ref[j].h >= 0)
				ops[i].ref[j].h = map[ops[i].ref[j].h];
		}
	free(map);
}

static void print_ops(const struct mp_op *ops, int n, const char *title)
{
	int *map = handle_map(ops, n), i;
	char text[512];

	printf("# --- reproducer: %s (fuzz_test --replay FILE) ---\n", title);
	for (i = 0; i < n; i++) {
		mp_op_str(&ops[i], NULL, map, text, sizeof(text));
		printf("# %s\n", text);
	}
	printf("# --- end ---\n");
	free(map);
}

/* ---- the same as C: a scenario body for a test program (mp_impl.h) ---- */

static void c_ref(const struct mp_ref *r, const int *map, char *buf, size_t len)
{
	if (r->h >= 0)
		snprintf(buf, len, "h[%d]", map[r->h]);
	else
		snprintf(buf, len, "%d", r->raw);
}

static void print_c(const struct mp_op *ops, int n, const char *name)
{
	static const char *const via_c[] = {
		"I->wait(%s, %s, %d, 0)", "I->pwait(%s, %s, %d, 0, NULL)",
		"I->pwait(%s, %s, %d, 0, &none)", "I->pwait(%s, %s, %d, 0, &all)",
		"I->pwait2(%s, %s, %d, &ts0, NULL)", "I->pwait2(%s, %s, %d, &ts0, &none)",
		"I->pwait2(%s, %s, %d, &(struct timespec){ 0, -1 }, NULL)",
		"I->pwait2(%s, %s, %d, &(struct timespec){ -1, 0 }, NULL)",
		"I->pwait2(%s, %s, %d, &(struct timespec){ 0, 1000000000 }, NULL)",
		"I->pwait_raw(%s, %s, %d, 0, false, NULL, &all, 4)",
		"I->pwait_raw(%s, %s, %d, 0, true, &ts0, &all, 16)",
	};
	static const char *const buf_c[] = { "evs", "NULL", "ro", "(void *)0xffff888000000000",
					     "tail2" };
	/* The ops whose C is their operands a and b in a format. */
	static const char *const plain_c[OP_NR] = {
		[OP_FILL] = "R(mp_fill(%s));",
		[OP_CLOSE] = "R(close(%s));",
		[OP_DUP2] = "R(dup2(%s, %s));",
		[OP_FDINFO] = "FDINFO(%s);",
		[OP_POLL] = "R(poll(&(struct pollfd){ .fd = %s, .events = POLLIN | POLLOUT }, 1, 0));",
		[OP_FORK] = "if (fork() == 0) {",
		[OP_ENDFORK] = "\t_exit(0);\n# \t}\n# \twait(NULL);",
	};
	int *map = handle_map(ops, n), i, nh = 0;
	char a[32], b[32], e[256], opn[24], call[256];

	for (i = 0; i <= max_handle(ops, n); i++)
		if (map[i] + 1 > nh)
			nh = map[i] + 1;
	printf("# --- as C: a scenario for mp_impl.h (settling is approximate) ---\n");
	printf("# MP_SCENARIO(fuzz, %s)\n# {\n", name);
	printf("# \tstatic struct epoll_event evs[%d];\n", EVBUF_MIN);
	printf("# \tstruct timespec ts0 = { 0, 0 };\n# \tsigset_t none, all;\n");
	printf("# \tint h[%d], p[2];\n#\n", nh ? nh : 1);
	printf("# \tsigemptyset(&none);\n# \tsigfillset(&all);\n");
	printf("# \tsigprocmask(SIG_BLOCK, &all, NULL);\t/* SIGUSR1/2 stay pending */\n");
	for (i = 0; i < n; i++) {
		const struct mp_op *o = &ops[i];
		int d0 = o->def[0] >= 0 ? map[o->def[0]] : 0, d1 = o->def[1] >= 0 ? map[o->def[1]] : 0;

		c_ref(&o->ref[0], map, a, sizeof(a));
		c_ref(&o->ref[1], map, b, sizeof(b));
		if (plain_c[o->kind]) {
			snprintf(call, sizeof(call), plain_c[o->kind], a, b);
			printf("# \t%s\n", call);
			continue;
		}
		switch (o->kind) {
		case OP_INST: {
			static const char *const c[] = { "I->create1(EPOLL_CLOEXEC)", "I->create1(0)",
				"I->create1(1)", "I->create(1)", "I->create(0)", "I->create(-1)" };
			printf("# \th[%d] = R(%s);\n", d0, c[o->arg % 6]);
			break;
		}
		case OP_PIPE:
			printf("# \tR(mp_pipe(p));\n# \th[%d] = p[0];\n# \th[%d] = p[1];\n", d0, d1);
			break;
		case OP_UNIX:
			printf("# \tR(mp_socketpair(%s, p));\n# \th[%d] = p[0];\n# \th[%d] = p[1];\n",
			       o->arg == 0 ? "SOCK_STREAM" : o->arg == 1 ? "SOCK_DGRAM" :
			       "SOCK_SEQPACKET", d0, d1);
			break;
		case OP_UDP:
		case OP_TCP:
			printf("# \tR(mp_%s_pair(&h[%d], &h[%d]));\n", o->kind == OP_UDP ? "udp" : "tcp",
			       d0, d1);
			break;
		case OP_EVENTFD:
			printf("# \th[%d] = R(eventfd(%llu, EFD_NONBLOCK%s));\n", d0,
			       (unsigned long long)o->val, o->via ? " | EFD_SEMAPHORE" : "");
			break;
		case OP_TIMERFD:
			printf("# \th[%d] = R(timerfd_create(%s, TFD_NONBLOCK));\n", d0,
			       o->arg == 0 ? "CLOCK_MONOTONIC" : o->arg == 1 ? "CLOCK_REALTIME" :
			       "CLOCK_BOOTTIME");
			break;
		case OP_SIGNALFD:
			printf("# \t/* signalfd(%s) */\n# \th[%d] = R(signalfd(-1, &all, SFD_NONBLOCK));\n",
			       mp_var_name(mp_op_vars[OP_SIGNALFD], o->arg), d0);
			break;
		case OP_FILE:
			printf("# \th[%d] = R(%s);\n", d0, o->arg == 0 ? "memfd_create(\"f\", 0)" :
			       o->arg == 1 ? "open(\"/\", O_RDONLY | O_DIRECTORY)" :
			       o->arg == 2 ? "open(\"/\", O_PATH)" : "open(\"/dev/null\", O_RDWR)");
			break;
		case OP_CTL:
			printf("# \tR(I->ctl(%s, %s, %s, %s));\n", a,
			       o->arg == EPOLL_CTL_ADD ? "EPOLL_CTL_ADD" :
			       o->arg == EPOLL_CTL_MOD ? "EPOLL_CTL_MOD" :
			       o->arg == EPOLL_CTL_DEL ? "EPOLL_CTL_DEL" :
			       (snprintf(opn, sizeof(opn), "%d", o->arg), opn), b,
			       o->via == E_NULL ? "NULL" : o->via == E_KERNEL ?
			       "(void *)0xffff888000000000" :
			       (snprintf(call, sizeof(call), "EV(%s, %#llx)",
					 mp_evstr_fmt(o->events, true, " | ",
						      e, sizeof(e)),
					 (unsigned long long)o->val), call));
			break;
		case OP_WAIT:
			snprintf(call, sizeof(call), via_c[o->via % 11], a, buf_c[o->buf % 5], o->arg);
			if (o->buf == B_OK)
				printf("# \tW(evs, %s);\n", call);
			else
				printf("# \tR(%s);\n", call);
			break;
		case OP_WRITE:
			printf("# \tR(write(%s, &(uint64_t){ %lluULL }, 8));\n", a,
			       (unsigned long long)o->val);
			break;
		case OP_READ:
			printf("# \tR(read(%s, (char [65536]){ 0 }, %d));\n", a, o->arg);
			break;
		case OP_SHUTDOWN:
			printf("# \tR(shutdown(%s, %s));\n", a, o->arg == 0 ? "SHUT_RD" :
			       o->arg == 1 ? "SHUT_WR" : "SHUT_RDWR");
			break;
		case OP_DUP:
			printf("# \th[%d] = R(dup(%s));\n", d0, a);
			break;
		case OP_TIMER:
			printf("# \tR(timerfd_settime(%s, TFD_TIMER_ABSTIME, &(struct itimerspec){ .it_value = { 0, %d } }, NULL));\n",
			       a, o->arg == 0);
			if (o->arg == 0)
				printf("# \tmp_await(%s, POLLIN, 5000);\n", a);
			break;
		case OP_KILL:
			printf("# \tR(kill(getpid(), %s));\n", o->arg ? "SIGUSR2" : "SIGUSR1");
			break;
		default:
			printf("# \t/* %s */\n", mp_op_kinds[o->kind]);
			break;
		}
	}
	printf("# }\n# --- end ---\n");
	free(map);
}

/*
 * Drop the ops that became no-ops when others went: those naming a handle
 * no earlier op defines, and an endfork without its fork. Returns the new n.
 */
static int drop_orphans(struct mp_op *ops, int n)
{
	int m = 0, i, j, nh = max_handle(ops, n) + 1;
	bool *def = calloc(nh + 1, sizeof(*def)), keep, forked = false;

	for (i = 0; i < n; i++) {
		keep = true;
		for (j = 0; j < mp_op_nrefs[ops[i].kind]; j++)
			if (ops[i].ref[j].h >= 0 && !def[ops[i].ref[j].h])
				keep = false;
		if (ops[i].kind == OP_ENDFORK)
			keep = forked;
		forked = ops[i].kind == OP_FORK ? true : ops[i].kind == OP_ENDFORK ? false : forked;
		if (!keep)
			continue;
		for (j = 0; j < 2; j++)
			if (ops[i].def[j] >= 0)
				def[ops[i].def[j]] = true;
		ops[m++] = ops[i];
	}
	free(def);
	return m;
}

/* ddmin over the op list: drop chunks while the difference persists. */
static struct mp_op *minimize(const struct mp_impl *impl, const struct mp_op *ops, int n, int *n_out,
			   int budget_s, int *runs_out)
{
	struct mp_op *cur = malloc(n * sizeof(*cur)), *trial = malloc(n * sizeof(*trial));
	long deadline = mp_now_ms() + budget_s * 1000L;
	int len = n, chunks = 2, runs = 0;

	memcpy(cur, ops, n * sizeof(*cur));
	while (len >= 2 && mp_now_ms() < deadline) {
		int size = (len + chunks - 1) / chunks, c;
		bool reduced = false;

		for (c = 0; c < chunks && mp_now_ms() < deadline; c++) {
			int lo = c * size, hi = lo + size > len ? len : lo + size, m = 0, i;
			struct outcome out;

			if (lo >= len)
				break;
			for (i = 0; i < len; i++)
				if (i < lo || i >= hi)
					trial[m++] = cur[i];
			m = drop_orphans(trial, m);
			if (m == len)
				continue;
			run_both(impl, trial, m, &out);
			runs++;
			if (out.differ && !out.setup_failed) {
				memcpy(cur, trial, m * sizeof(*cur));
				len = m;
				chunks = chunks > 2 ? chunks - 1 : 2;
				reduced = true;
				outcome_free(&out);
				printf("# minimize: %d ops\n", len);
				fflush(stdout);
				break;
			}
			outcome_free(&out);
		}
		if (!reduced) {
			if (chunks >= len)
				break;
			chunks = chunks * 2 > len ? len : chunks * 2;
		}
	}
	/* Then fold dups into their source where the difference stays. */
	for (int i = len - 1; i >= 0 && mp_now_ms() < deadline; i--) {
		struct outcome out;
		struct mp_ref src;
		int d, m = 0, j, x;

		if (cur[i].kind != OP_DUP || cur[i].def[0] < 0)
			continue;
		d = cur[i].def[0];
		src = cur[i].ref[0];
		for (j = 0; j < len; j++) {
			if (j == i)
				continue;
			trial[m] = cur[j];
			for (x = 0; x < 2; x++)
				if (trial[m].ref[x].h == d)
					trial[m].ref[x] = src;
			m++;
		}
		m = drop_orphans(trial, m);
		run_both(impl, trial, m, &out);
		runs++;
		if (out.differ && !out.setup_failed) {
			memcpy(cur, trial, m * sizeof(*cur));
			len = m;
			i = len;
			printf("# minimize: %d ops (a dup folded)\n", len);
		}
		outcome_free(&out);
	}
	free(trial);
	*n_out = len;
	*runs_out = runs;
	return cur;
}

struct report_opts {
	bool minimize;
	bool c;
	int min_budget;
};

/*
 * A sequence whose transcripts differ: say where, check that epoll agrees
 * with itself, and minimize. Returns true if it is a real difference.
 */
static bool report(const struct mp_impl *impl, const char *what, const struct mp_op *ops, int n,
		   struct outcome *out, const struct report_opts *ro)
{
	char text[512], name[64];
	int step = first_diff_step(out->oracle, out->got), m, runs;
	struct outcome again;
	struct mp_op *min;
	long t0;

	printf("# MISMATCH: %s: epoll and %s differ\n", what, impl->name);
	if (step >= 0 && step < n) {
		mp_op_str(&ops[step], g_names, NULL, text, sizeof(text));
		printf("# first differing step: #%d %s\n", step, text);
	} else {
		printf("# first differing step: after the last op (final state)\n");
	}
	print_diff(impl->name, out, 60);

	/* Is epoll itself deterministic on this sequence? */
	g_ops = ops;
	g_nops = n;
	{
		struct mp_result r2;
		char *o2 = mp_run(&mp_epoll, fuzz_scenario, RUN_TIMEOUT, &r2);

		if (strcmp(o2, out->oracle)) {
			printf("# NOT A MINIPOLL BUG: epoll disagrees with itself on this sequence"
			       " (a fuzzer determinism bug):\n");
			again.oracle = out->oracle;
			again.got = o2;
			print_diff("epoll (again)", &again, 40);
			free(o2);
			return false;
		}
		free(o2);
	}
	if (!ro->minimize) {
		printf("# (run with --minimize for a minimal reproducer)\n");
		return true;
	}
	printf("# minimizing (at most %d s)...\n", ro->min_budget);
	fflush(stdout);
	t0 = mp_now_ms();
	min = minimize(impl, ops, n, &m, ro->min_budget, &runs);
	printf("# minimized %d ops to %d in %d runs (%.1f s)\n", n, m, runs,
	       (mp_now_ms() - t0) / 1000.0);
	renumber(min, m);
	g_names = NULL;
	snprintf(text, sizeof(text), "%s, minimized", what);
	print_ops(min, m, text);
	run_both(impl, min, m, &again);
	if (again.differ) {
		step = first_diff_step(again.oracle, again.got);
		printf("# the minimized sequence on epoll (the oracle):\n");
		print_lines(again.oracle, "  ");
		printf("# epoll and %s differ (- epoll, + %s):\n", impl->name, impl->name);
		print_diff(impl->name, &again, 60);
	} else {
		printf("# (the minimized sequence no longer differs on its own: flaky?)\n");
	}
	outcome_free(&again);
	if (ro->c) {
		snprintf(name, sizeof(name), "fuzz_repro");
		print_c(min, m, name);
	}
	free(min);
	return true;
}

/* ------------------------------------------------------------------------ */
/* Harness mode: a fixed set of seeds */

#define HARNESS_SEEDS	20
#define HARNESS_OPS	300

static bool harness_minimized;

static void fuzz_seed(struct __test_metadata *_metadata, const struct mp_impl *impl,
		      uint64_t seed)
{
	struct report_opts ro = { .minimize = true, .c = true, .min_budget = 120 };
	struct outcome out;
	struct mp_op *ops;
	char what[64];
	int n;

	ops = generate(seed, HARNESS_OPS, &n);
	run_both(impl, ops, n, &out);
	if (mp_verbose())
		print_lines(out.oracle, "epoll: ");
	EXPECT_FALSE(out.setup_failed);
	if (out.differ) {
		snprintf(what, sizeof(what), "seed %llu, %d ops", (unsigned long long)seed, n);
		/* one minimization per program run: the kselftest timeout is shared */
		ro.minimize = !harness_minimized;
		harness_minimized = true;
		report(impl, what, ops, n, &out, &ro);
		printf("# again: fuzz_test --seed %llu --ops %d --minimize\n",
		       (unsigned long long)seed, HARNESS_OPS);
	}
	EXPECT_FALSE(out.differ) TH_LOG("seed %llu: epoll and %s differ",
					(unsigned long long)seed, impl->name);
	outcome_free(&out);
	free(ops);
}

/*
 * fuzz.seed_N: epoll against minipoll (or MP_MUTANT's mutant), seeds 1-20.
 * fuzz_epoll.seed_N: epoll against itself on seeds 1-5: the sequences are
 * deterministic, so that a difference means a difference.
 */
FIXTURE(fuzz) {
	int unused;
};
FIXTURE_SETUP(fuzz) { }
FIXTURE_TEARDOWN(fuzz) { }

FIXTURE(fuzz_epoll) {
	int unused;
};
FIXTURE_SETUP(fuzz_epoll) { }
FIXTURE_TEARDOWN(fuzz_epoll) { }

#define FUZZ_SEED(n)							\
	TEST_F_TIMEOUT(fuzz, seed_##n, 280)				\
	{								\
		const struct mp_impl *impl = mp_variant_impl(&mp_minipoll); \
									\
		if (impl == &mp_minipoll && !mp_have_minipoll())	\
			SKIP(return, "/dev/minipoll is absent (module not loaded)"); \
		fuzz_seed(_metadata, impl, (n));			\
	}
#define FUZZ_EPOLL_SEED(n)						\
	TEST_F_TIMEOUT(fuzz_epoll, seed_##n, 280)			\
	{								\
		fuzz_seed(_metadata, &mp_epoll, (n));			\
	}

FUZZ_EPOLL_SEED(1) FUZZ_EPOLL_SEED(2) FUZZ_EPOLL_SEED(3) FUZZ_EPOLL_SEED(4)
FUZZ_EPOLL_SEED(5)
FUZZ_SEED(1) FUZZ_SEED(2) FUZZ_SEED(3) FUZZ_SEED(4) FUZZ_SEED(5)
FUZZ_SEED(6) FUZZ_SEED(7) FUZZ_SEED(8) FUZZ_SEED(9) FUZZ_SEED(10)
FUZZ_SEED(11) FUZZ_SEED(12) FUZZ_SEED(13) FUZZ_SEED(14) FUZZ_SEED(15)
FUZZ_SEED(16) FUZZ_SEED(17) FUZZ_SEED(18) FUZZ_SEED(19) FUZZ_SEED(20)

/* ------------------------------------------------------------------------ */
/* Standalone mode */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fuzz_test                         (kselftest harness: seeds 1-%d, %d ops)\n"
		"       fuzz_test --seed N [--ops M] [--seconds S] [--minimize] [--c]\n"
		"       fuzz_test --replay FILE [--minimize] [--c]\n"
		"       fuzz_test --seed N [--ops M] --print\n"
		"\n"
		"  --seed N       the first seed (default: from the clock with --seconds, else 1)\n"
		"  --ops M        operations per seed (default %d)\n"
		"  --seconds S    fuzz seeds N, N+1, ... until S seconds have passed\n"
		"  --minimize     on a mismatch, delta-debug the sequence to a minimal one\n"
		"  --min-seconds S  time limit of the minimization (default 600)\n"
		"  --keep-going   with --seconds, go on after a mismatch\n"
		"  --c            also print the reproducer as a C scenario\n"
		"  --replay FILE  run the ops in FILE (as printed between the reproducer lines)\n"
		"  --print        print the sequence of the seed and exit\n"
		"  --impl NAME    compare epoll with minipoll (default) or with epoll\n"
		"  --verbose      print the epoll transcript of every run\n"
		"MP_MUTANT=name compares with a deliberately broken epoll (tests/README.md).\n"
		"Exit status: 0 no difference, 1 a difference, 2 usage, 4 skipped.\n",
		HARNESS_SEEDS, HARNESS_OPS, HARNESS_OPS);
}

static struct mp_op *read_replay(const char *path, struct mp_names *nm, int *n_out)
{
	const char *caption;
	char line[1024];
	struct mp_op *ops = NULL, o;
	int n = 0, cap = 0, lineno = 0, r;
	bool marked = false, inside = false;
	FILE *f = fopen(path, "re");

	if (!f) {
		fprintf(stderr, "fuzz_test: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	/* Between "--- reproducer" and "--- end" if the file has those lines. */
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "--- reproducer"))
			marked = true;
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		lineno++;
		if (marked) {
			if (strstr(line, "--- reproducer")) {
				if (n)		/* the last block wins */
					n = 0;
				inside = true;
				continue;
			}
			if (strstr(line, "--- end")) {
				inside = false;
				continue;
			}
			if (!inside)
				continue;
		}
		/* as printed: "# op ...", or "# # op ..." from a log that prefixes again */
		for (;;) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (p[0] != '#' || p[1] != ' ')
				break;
			p += 2;
		}
		r = mp_op_parse(p, &o, nm, &caption);
		if (r < 0) {
			fprintf(stderr, "fuzz_test: %s:%d: cannot parse: %s", path, lineno, line);
			fclose(f);
			free(ops);
			return NULL;
		}
		if (r == 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			ops = realloc(ops, cap * sizeof(*ops));
		}
		ops[n++] = o;
	}
	fclose(f);
	*n_out = n;
	return ops;
}

static int fuzz_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'o' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "minimize", no_argument, NULL, 'm' },
		{ "min-seconds", required_argument, NULL, 'M' },
		{ "keep-going", no_argument, NULL, 'k' },
		{ "c", no_argument, NULL, 'c' },
		{ "replay", required_argument, NULL, 'r' },
		{ "print", no_argument, NULL, 'p' },
		{ "impl", required_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct report_opts ro = { .min_budget = 600 };
	const struct mp_impl *impl = &mp_minipoll;
	const char *replay = NULL;
	bool have_seed = false, print_only = false, keep_going = false;
	uint64_t seed = 1, nseeds = 0, totalops = 0;
	int nops = HARNESS_OPS, seconds = 0, c, n, failures = 0;
	struct outcome out;
	struct mp_op *ops;
	long t0 = mp_now_ms();
	char what[96];

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': seed = strtoull(optarg, NULL, 0); have_seed = true; break;
		case 'o': nops = atoi(optarg); break;
		case 'S': seconds = atoi(optarg); break;
		case 'm': ro.minimize = true; break;
		case 'M': ro.min_budget = atoi(optarg); break;
		case 'k': keep_going = true; break;
		case 'c': ro.c = true; break;
		case 'r': replay = optarg; break;
		case 'p': print_only = true; break;
		case 'i':
			if (!strcmp(optarg, "epoll"))
				impl = &mp_epoll;
			else if (strcmp(optarg, "minipoll"))
				return usage(stderr), 2;
			break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || nops < 1) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	impl = mp_variant_impl(impl);

	if (print_only && !replay) {
		ops = generate(seed, nops, &n);
		snprintf(what, sizeof(what), "seed %llu, %d ops", (unsigned long long)seed, n);
		print_ops(ops, n, what);
		if (ro.c)
			print_c(ops, n, "fuzz_seed");
		free(ops);
		return 0;
	}
	printf("TAP version 13\n1..1\n");
	if (impl == &mp_minipoll && !mp_have_minipoll()) {
		printf("ok 1 # SKIP /dev/minipoll is absent (module not loaded)\n");
		return 4;
	}
	if (replay) {
		struct mp_names nm = { 0 };

		ops = read_replay(replay, &nm, &n);
		if (!ops)
			return 2;
		g_names = &nm;
		snprintf(what, sizeof(what), "%s, %d ops", replay, n);
		run_both(impl, ops, n, &out);
		if (verbose || !out.differ || out.setup_failed)
			print_lines(out.oracle, "epoll: ");
		if (out.differ && report(impl, what, ops, n, &out, &ro))
			failures++;
		failures += out.setup_failed;
		printf("%s 1 fuzz: replay of %s (%d ops) on epoll and %s\n",
		       failures ? "not ok" : "ok", replay, n, impl->name);
		outcome_free(&out);
		free(ops);
		mp_names_free(&nm);
		return failures ? 1 : 0;
	}
	if (seconds > 0 && !have_seed)
		seed = (uint64_t)time(NULL) % 1000000007ULL;
	printf("# fuzz: epoll vs %s, seeds from %llu, %d ops each%s\n", impl->name,
	       (unsigned long long)seed, nops, seconds > 0 ? "" : " (one seed)");
	do {
		ops = generate(seed, nops, &n);
		run_both(impl, ops, n, &out);
		nseeds++;
		totalops += n;
		if (verbose || out.setup_failed)
			print_lines(out.oracle, "epoll: ");
		if (out.setup_failed) {
			printf("# seed %llu: the run failed to set up (see above)\n",
			       (unsigned long long)seed);
			failures++;
		}
		if (out.differ) {
			snprintf(what, sizeof(what), "seed %llu, %d ops", (unsigned long long)seed, n);
			if (report(impl, what, ops, n, &out, &ro)) {
				failures++;
				printf("# again: fuzz_test --seed %llu --ops %d --minimize\n",
				       (unsigned long long)seed, nops);
			}
		}
		outcome_free(&out);
		free(ops);
		if (nseeds % 100 == 0)
			printf("# %llu seeds, %.0f s\n", (unsigned long long)nseeds,
			       (mp_now_ms() - t0) / 1000.0);
		seed++;
	} while (seconds > 0 && mp_now_ms() - t0 < seconds * 1000L &&
		 (!failures || keep_going));
	printf("%s 1 fuzz: %llu seeds (%llu..%llu), %llu ops, %.0f s, %d with differences\n",
	       failures ? "not ok" : "ok", (unsigned long long)nseeds,
	       (unsigned long long)(seed - nseeds), (unsigned long long)(seed - 1),
	       (unsigned long long)totalops, (mp_now_ms() - t0) / 1000.0, failures);
	return failures ? 1 : 0;
}

/* As TEST_HARNESS_MAIN, but options select the standalone mode. */
static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return fuzz_main(argc, argv);
	return test_harness_run(argc, argv);
}

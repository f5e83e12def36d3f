// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_test: /dev/minipoll under hostile input (minipoll only).
 *
 * Bad pointers of every kind in every pointer field, extreme counts and
 * timeouts, wrong ioctl sizes and commands, reserved bits, bad fds; what a
 * user can read back (events, fdinfo, the ioctl structs, module
 * parameters, the kernel log) carries nothing of kernel memory; a user
 * without privileges can use the device.
 *
 * Where the same input exists for epoll, the expected result is epoll's:
 * the test does the same to a real epoll (through libc) and to minipoll
 * (through libminipoll, or the raw ioctl when only it can express the
 * input) and compares. Only the raw ABI's own rules - reserved fields,
 * ioctl numbers - are constants, named RAW_* below. Bad pointers must fail
 * cleanly; that nothing was touched is the business of the kernel log
 * check (vm-run) and of KASAN in make check-debug.
 */
#include "mp_impl.h"

#include <ctype.h>
#include <limits.h>
#include <sys/time.h>

#include <linux/minipoll.h>

#include "minipoll.h"

/* Raw-ABI rules (kmod/include/uapi/linux/minipoll.h); nothing to compare with. */
#define RAW_RESERVED_ERRNO	EINVAL	/* a reserved field or unknown flag set */
#define RAW_BAD_CMD_ERRNO	ENOTTY	/* an ioctl the device does not define */

#define KERNEL_PTR	0xffff888000000000ULL	/* the direct map: fails access_ok() */
#define EP_MAX_EVENTS	(INT_MAX / 12)

/* One verdict: a return value and errno. */
struct res {
	long ret;
	int err;
};

#define CALL(expr) ({ struct res __r; errno = 0; __r.ret = (long)(expr); \
		      __r.err = __r.ret < 0 ? errno : 0; __r; })

#define EXPECT_SAME(ep, mp, what, ...) do {				\
	EXPECT_TRUE((ep).ret == (mp).ret && (ep).err == (mp).err)	\
		TH_LOG(what ": epoll %ld %s, minipoll %ld %s", ##__VA_ARGS__, \
		       (ep).ret, mp_errname((ep).err), (mp).ret, mp_errname((mp).err)); \
} while (0)

static int raw_ctl(int mp, int op, int fd, uint64_t event)
{
	struct minipoll_ctl c = { .op = op, .fd = fd, .event = event };

	return ioctl(mp, MINIPOLL_IOC_CTL, &c);
}

/* Addresses that cannot be read or written, one of each kind. */
struct badmem {
	char *none;		/* a PROT_NONE page */
	char *gone;		/* an unmapped page */
	char *ro;		/* a read-only page */
	char *edge;		/* a writable page followed by a PROT_NONE page */
	long pg;
};

static void badmem_init(struct badmem *b)
{
	b->pg = sysconf(_SC_PAGESIZE);
	b->none = mmap(NULL, b->pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	b->ro = mmap(NULL, b->pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	b->edge = mmap(NULL, 2 * b->pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(b->edge + b->pg, b->pg, PROT_NONE);
	memset(b->edge, 0, b->pg);
	/* last, a hole between two mappings (a later mmap could fill it: see gone_ok()) */
	b->gone = mmap(NULL, 3 * b->pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	b->gone += b->pg;
	munmap(b->gone, b->pg);
}

/* b->gone is still unmapped (msync() says ENOMEM for a hole). */
static bool gone_ok(struct badmem *b)
{
	return msync(b->gone, b->pg, MS_ASYNC) == -1 && errno == ENOMEM;
}

/* The end of the writable page of edge, less `before` bytes. */
static char *edge_at(struct badmem *b, int before)
{
	return b->edge + b->pg - before;
}

/* A pipe with data in it, watched by ep (either implementation). */
struct ready {
	int ep, p[2];
	int dups[4], ndups;
};

static int ready_make(struct ready *r, const struct mp_impl *I, int nitems)
{
	int i;

	r->ndups = 0;
	r->ep = I->create1(EPOLL_CLOEXEC);
	if (r->ep < 0 || mp_pipe(r->p))
		return -1;
	if (write(r->p[1], "x", 1) != 1)
		return -1;
	if (I->ctl(r->ep, EPOLL_CTL_ADD, r->p[0], EV(EPOLLIN, 0x1000)))
		return -1;
	for (i = 1; i < nitems && i < 5; i++) {	/* the same file under other fds */
		r->dups[r->ndups] = fcntl(r->p[0], F_DUPFD_CLOEXEC, 0);
		if (I->ctl(r->ep, EPOLL_CTL_ADD, r->dups[r->ndups++], EV(EPOLLIN, 0x1000 + i)))
			return -1;
	}
	return 0;
}

static void ready_free(struct ready *r)
{
	while (r->ndups)
		close(r->dups[--r->ndups]);
	close(r->ep);
	close(r->p[0]);
	close(r->p[1]);
}

FIXTURE(hostile) {
	struct badmem b;
	int mp;		/* an instance */
	int ep;		/* a real epoll */
	int pfd[2];	/* a pipe */
};

FIXTURE_SETUP(hostile)
{
	self->mp = self->ep = -1;
	/* no SKIP() here: in 6.1 the body would still run */
	if (!mp_have_minipoll())
		return;
	badmem_init(&self->b);
	self->mp = minipoll_create1(EPOLL_CLOEXEC);
	self->ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, self->mp);
	ASSERT_LE(0, self->ep);
	ASSERT_EQ(0, mp_pipe(self->pfd));
	signal(SIGPIPE, SIG_IGN);
}

FIXTURE_TEARDOWN(hostile)
{
	if (self->mp >= 0) {
		close(self->mp);
		close(self->ep);
		close(self->pfd[0]);
		close(self->pfd[1]);
	}
}

#define NEED_MINIPOLL() do {						\
	if (!mp_have_minipoll())					\
		SKIP(return, "/dev/minipoll is absent (module not loaded)"); \
} while (0)

/* ------------------------------------------------------------------------ */
/* Pointers */

/*
 * The ioctl's own struct at every bad address, and straddling into a
 * PROT_NONE page by every possible number of bytes: EFAULT, nothing read
 * in part. (The struct has no epoll counterpart: EFAULT is the only sane
 * answer for an unreadable argument.)
 */
TEST_F(hostile, struct_pointers_efault)
{
	const uint64_t addrs[] = { 0, 1, 4095, KERNEL_PTR, ~0ULL, 1ULL << 47,
				   (uintptr_t)self->b.none, (uintptr_t)self->b.gone };
	const struct { unsigned long cmd; int size; } cmds[] = {
		{ MINIPOLL_IOC_CTL, sizeof(struct minipoll_ctl) },
		{ MINIPOLL_IOC_WAIT, sizeof(struct minipoll_wait) },
	};
	unsigned int c, i;
	int off;

	NEED_MINIPOLL();
	ASSERT_TRUE(gone_ok(&self->b));
	for (c = 0; c < 2; c++) {
		for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
			errno = 0;
			EXPECT_EQ(-1, ioctl(self->mp, cmds[c].cmd, addrs[i]));
			EXPECT_EQ(EFAULT, errno) TH_LOG("cmd %#lx at %#llx: %s", cmds[c].cmd,
							(unsigned long long)addrs[i],
							mp_errname(errno));
		}
		for (off = 1; off < cmds[c].size; off++) {
			errno = 0;
			EXPECT_EQ(-1, ioctl(self->mp, cmds[c].cmd, edge_at(&self->b, off)));
			EXPECT_EQ(EFAULT, errno) TH_LOG("cmd %#lx, %d bytes before a hole",
							cmds[c].cmd, off);
		}
	}
}

/*
 * ctl's event pointer: every bad address for every op, compared with
 * epoll_ctl() given the same pointer (EFAULT for all but DEL, which does
 * not read it; an unknown op reads it too).
 */
TEST_F(hostile, ctl_event_pointer)
{
	const int ops[] = { EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL, 0, 4, -1 };
	uint64_t addrs[8 + 11];
	unsigned int o, i, n = 0;

	NEED_MINIPOLL();
	ASSERT_TRUE(gone_ok(&self->b));
	addrs[n++] = 0;
	addrs[n++] = 1;
	addrs[n++] = KERNEL_PTR;
	addrs[n++] = ~0ULL - 3;
	addrs[n++] = (uintptr_t)self->b.none;
	addrs[n++] = (uintptr_t)self->b.gone;
	for (i = 1; i < 12; i++)	/* an epoll_event straddling a hole */
		addrs[n++] = (uintptr_t)edge_at(&self->b, i);
	for (o = 0; o < sizeof(ops) / sizeof(ops[0]); o++)
		for (i = 0; i < n; i++) {
			/* MOD and DEL need an item: the pipe is in both */
			struct res e, m;

			epoll_ctl(self->ep, EPOLL_CTL_ADD, self->pfd[0], EV(EPOLLIN, 1));
			minipoll_ctl(self->mp, EPOLL_CTL_ADD, self->pfd[0], EV(EPOLLIN, 1));
			e = CALL(epoll_ctl(self->ep, ops[o], self->pfd[0],
					   (void *)(uintptr_t)addrs[i]));
			m = CALL(minipoll_ctl(self->mp, ops[o], self->pfd[0],
					      (void *)(uintptr_t)addrs[i]));
			EXPECT_SAME(e, m, "op %d, event at %#llx", ops[o],
				    (unsigned long long)addrs[i]);
			/* and through the raw ioctl, which the library just wraps */
			minipoll_ctl(self->mp, EPOLL_CTL_ADD, self->pfd[0], EV(EPOLLIN, 1));
			m = CALL(raw_ctl(self->mp, ops[o], self->pfd[0], addrs[i]));
			EXPECT_SAME(e, m, "raw: op %d, event at %#llx", ops[o],
				    (unsigned long long)addrs[i]);
		}
}

/*
 * The events buffer: NULL, bad, read-only, room for less than one event,
 * room for one of two ready events - with and without something ready.
 * epoll's answer is the rule; afterwards both must still hold the item
 * (an event that could not be copied is not lost).
 */
TEST_F(hostile, wait_events_pointer)
{
	uint64_t addrs[16];
	unsigned int i, n = 0;
	int items, before;

	NEED_MINIPOLL();
	ASSERT_TRUE(gone_ok(&self->b));
	addrs[n++] = 0;
	addrs[n++] = 1;
	addrs[n++] = KERNEL_PTR;
	addrs[n++] = ~0ULL - 11;
	addrs[n++] = (uintptr_t)self->b.none;
	addrs[n++] = (uintptr_t)self->b.gone;
	addrs[n++] = (uintptr_t)self->b.ro;
	for (before = 1; before < 12; before += 5)
		addrs[n++] = (uintptr_t)edge_at(&self->b, before);
	addrs[n++] = (uintptr_t)edge_at(&self->b, 12);		/* room for exactly one */
	addrs[n++] = (uintptr_t)edge_at(&self->b, 12 + 6);	/* one and a half */
	for (items = 0; items <= 2; items++)
		for (i = 0; i < n; i++) {
			struct ready re, rm;
			struct epoll_event ee[4], me[4];
			struct res e, m;
			int k;

			ASSERT_EQ(0, ready_make(&re, &mp_epoll, items ? items : 1));
			ASSERT_EQ(0, ready_make(&rm, &mp_minipoll, items ? items : 1));
			if (!items) {	/* nothing ready */
				mp_drain(re.p[0]);
				mp_drain(rm.p[0]);
			}
			e = CALL(epoll_wait(re.ep, (void *)(uintptr_t)addrs[i], 4, 0));
			m = CALL(minipoll_wait(rm.ep, (void *)(uintptr_t)addrs[i], 4, 0));
			EXPECT_SAME(e, m, "%d ready, events at %#llx", items,
				    (unsigned long long)addrs[i]);
			/* what was not delivered is still there */
			e = CALL(epoll_wait(re.ep, ee, 4, 0));
			m = CALL(minipoll_wait(rm.ep, me, 4, 0));
			EXPECT_SAME(e, m, "the wait after, %d ready, events at %#llx", items,
				    (unsigned long long)addrs[i]);
			for (k = 0; k < e.ret && k < m.ret; k++)
				EXPECT_EQ(ee[k].data.u64, me[k].data.u64);
			ready_free(&re);
			ready_free(&rm);
		}
}

/* pwait2's timespec and pwait's sigmask at bad addresses. */
TEST_F(hostile, wait_timeout_sigmask_pointers)
{
	const uint64_t addrs[] = { 1, KERNEL_PTR, ~0ULL - 7, (uintptr_t)self->b.none,
				   (uintptr_t)self->b.gone, (uintptr_t)edge_at(&self->b, 8),
				   (uintptr_t)edge_at(&self->b, 4) };
	struct epoll_event evs[4];
	unsigned int i;

	NEED_MINIPOLL();
	ASSERT_TRUE(gone_ok(&self->b));
	ASSERT_EQ(1, write(self->pfd[1], "x", 1));
	ASSERT_EQ(0, epoll_ctl(self->ep, EPOLL_CTL_ADD, self->pfd[0], EV(EPOLLIN, 7)));
	ASSERT_EQ(0, minipoll_ctl(self->mp, EPOLL_CTL_ADD, self->pfd[0], EV(EPOLLIN, 7)));
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		void *a = (void *)(uintptr_t)addrs[i];
		struct res e, m;

		e = CALL(epoll_pwait2(self->ep, evs, 4, a, NULL));
		m = CALL(minipoll_pwait2(self->mp, evs, 4, a, NULL));
		EXPECT_SAME(e, m, "pwait2 timespec at %#llx", (unsigned long long)addrs[i]);
		e = CALL(epoll_pwait(self->ep, evs, 4, 0, a));
		m = CALL(minipoll_pwait(self->mp, evs, 4, 0, a));
		EXPECT_SAME(e, m, "pwait sigmask at %#llx", (unsigned long long)addrs[i]);
		e = CALL(epoll_pwait2(self->ep, evs, 4, &(struct timespec){ 0, 0 }, a));
		m = CALL(minipoll_pwait2(self->mp, evs, 4, &(struct timespec){ 0, 0 }, a));
		EXPECT_SAME(e, m, "pwait2 sigmask at %#llx", (unsigned long long)addrs[i]);
	}
}

/* ------------------------------------------------------------------------ */
/* Counts, sizes, timeouts */

/* maxevents at its edges, with one event ready and with a NULL buffer. */
TEST_F(hostile, maxevents_extremes)
{
	const int maxes[] = { 0, -1, INT_MIN, INT_MAX, EP_MAX_EVENTS + 1, EP_MAX_EVENTS,
			      EP_MAX_EVENTS - 1, INT_MAX / 2, 1 };
	static struct epoll_event evs[16];
	unsigned int i, nul;

	NEED_MINIPOLL();
	for (nul = 0; nul < 2; nul++)
		for (i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
			struct ready re, rm;
			struct res e, m;

			ASSERT_EQ(0, ready_make(&re, &mp_epoll, 1));
			ASSERT_EQ(0, ready_make(&rm, &mp_minipoll, 1));
			e = CALL(epoll_wait(re.ep, nul ? NULL : evs, maxes[i], 0));
			m = CALL(minipoll_wait(rm.ep, nul ? NULL : evs, maxes[i], 0));
			EXPECT_SAME(e, m, "maxevents %d%s", maxes[i], nul ? ", NULL buffer" : "");
			e = CALL(epoll_pwait2(re.ep, nul ? NULL : evs, maxes[i],
					      &(struct timespec){ 0, 0 }, NULL));
			m = CALL(minipoll_pwait2(rm.ep, nul ? NULL : evs, maxes[i],
						 &(struct timespec){ 0, 0 }, NULL));
			EXPECT_SAME(e, m, "pwait2, maxevents %d%s", maxes[i],
				    nul ? ", NULL buffer" : "");
			ready_free(&re);
			ready_free(&rm);
		}
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	alarms++;
}

/* Arm a one-shot SIGALRM (no SA_RESTART) in ms milliseconds. */
static void alarm_in(int ms)
{
	struct itimerval it = { .it_value = { ms / 1000, (ms % 1000) * 1000 } };
	struct sigaction sa = { .sa_handler = on_alarm };

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * Timeouts at their edges on an instance with nothing ready. A valid
 * timeout that is huge or infinite must really wait - a signal ends it
 * with EINTR, as on epoll - and must not wrap around into "expired"; an
 * invalid one is EINVAL at once.
 */
TEST_F_TIMEOUT(hostile, timeout_extremes, 60)
{
	const int ms[] = { INT_MIN, -1, INT_MAX, INT_MAX - 1 };
	const struct timespec ts[] = {
		{ LLONG_MAX, 999999999 }, { LLONG_MAX, 0 }, { LLONG_MAX / 1000, 0 },
		{ 1LL << 62, 1 }, { INT_MAX, 999999999 },		/* valid: wait */
		{ 0, -1 }, { -1, 0 }, { 0, 1000000000 }, { LLONG_MIN, 0 },
		{ 0, LONG_MAX }, { -1, -1 },				/* invalid */
	};
	struct epoll_event evs[4];
	unsigned int i;
	int impl;

	NEED_MINIPOLL();
	for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		struct res r[2];

		for (impl = 0; impl < 2; impl++) {
			alarm_in(50);
			r[impl] = impl ? CALL(minipoll_wait(self->mp, evs, 4, ms[i])) :
					 CALL(epoll_wait(self->ep, evs, 4, ms[i]));
			alarm_in(0);
		}
		EXPECT_SAME(r[0], r[1], "timeout %d ms", ms[i]);
		EXPECT_EQ(EINTR, r[1].err) TH_LOG("timeout %d ms did not wait", ms[i]);
	}
	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		struct res r[2];

		for (impl = 0; impl < 2; impl++) {
			alarm_in(50);
			r[impl] = impl ? CALL(minipoll_pwait2(self->mp, evs, 4, &ts[i], NULL)) :
					 CALL(epoll_pwait2(self->ep, evs, 4, &ts[i], NULL));
			alarm_in(0);
		}
		EXPECT_SAME(r[0], r[1], "timespec { %lld, %ld }", (long long)ts[i].tv_sec,
			    ts[i].tv_nsec);
	}
	/* pwait2 with no timespec at all: forever */
	alarm_in(50);
	EXPECT_EQ(-1, minipoll_pwait2(self->mp, evs, 4, NULL, NULL));
	EXPECT_EQ(EINTR, errno);
	alarm_in(0);
}

/* sigsetsize other than the kernel's 8, on both raw calls. */
TEST_F(hostile, sigsetsize_extremes)
{
	const size_t sizes[] = { 0, 1, 4, 7, 9, 16, 128, 4096, 0xffffffffUL };
	struct epoll_event evs[4];
	sigset_t set;
	unsigned int i;

	NEED_MINIPOLL();
	sigemptyset(&set);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct res e, m;

		e = CALL(mp_epoll.pwait_raw(self->ep, evs, 4, 0, false, NULL, &set, sizes[i]));
		m = CALL(mp_minipoll.pwait_raw(self->mp, evs, 4, 0, false, NULL, &set, sizes[i]));
		EXPECT_SAME(e, m, "pwait, sigsetsize %zu", sizes[i]);
		e = CALL(mp_epoll.pwait_raw(self->ep, evs, 4, 0, true, &(struct timespec){ 0, 0 },
					    &set, sizes[i]));
		m = CALL(mp_minipoll.pwait_raw(self->mp, evs, 4, 0, true,
					       &(struct timespec){ 0, 0 }, &set, sizes[i]));
		EXPECT_SAME(e, m, "pwait2, sigsetsize %zu", sizes[i]);
	}
}

/* ------------------------------------------------------------------------ */
/* The raw ABI: commands, sizes, reserved fields */

/*
 * Every command number of the magic, in every direction and with the
 * sizes of both structs, is ENOTTY but the defined ones; so are the
 * defined numbers with any other size. (abi_test has a few of these.)
 */
TEST_F(hostile, unknown_commands_enotty)
{
	const int dirs[] = { _IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE };
	const int sizes[] = { 0, 1, 8, 12, 16, 23, 24, 25, 40, 47, 48, 49, 64, 4096, 0x3fff };
	char buf[64] = { 0 };
	unsigned int d, s, nr;
	int n = 0;

	NEED_MINIPOLL();
	for (d = 0; d < 4; d++)
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (nr = 0; nr < 256; nr++) {
				unsigned long cmd = _IOC(dirs[d], MINIPOLL_IOC_MAGIC, nr, sizes[s]);

				if (cmd == MINIPOLL_IOC_CTL || cmd == MINIPOLL_IOC_WAIT ||
				    cmd == MINIPOLL_IOC_CTL_BATCH ||
				    cmd == MINIPOLL_IOC_RING_SETUP ||
				    cmd == MINIPOLL_IOC_RING_WAIT)
					continue;
				errno = 0;
				if (ioctl(self->mp, cmd, buf) != -1 || errno != RAW_BAD_CMD_ERRNO) {
					n++;
					TH_LOG("cmd %#lx: %s", cmd, mp_errname(errno));
				}
			}
	EXPECT_EQ(0, n);
}

/*
 * Commands of other drivers and the VFS's own: whatever an epoll fd
 * answers, an instance answers (the VFS handles FIONBIO, FIOCLEX, ...; the
 * rest reach the driver, which knows none of them).
 */
TEST_F(hostile, foreign_commands_as_epoll)
{
	/*
	 * Not those that depend on the filesystem of the inode (FIGETBSZ,
	 * FS_IOC_*, FICLONE) or act on it (FIFREEZE): anon_inodefs and
	 * devtmpfs may differ there, and that is not minipoll's business.
	 */
	const unsigned long cmds[] = {
		FIONBIO, FIOCLEX, FIONCLEX, FIOASYNC, FIOQSIZE, FIONREAD,
		TCGETS, TIOCGWINSZ, TIOCOUTQ, SIOCGIFCONF, SIOCATMARK,
		_IOR(0x12, 114, size_t) /* BLKGETSIZE64 */, _IOWR(0xB7, 1, uint64_t), 0, ~0UL,
	};
	unsigned int i;

	NEED_MINIPOLL();
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		long be = 0, bm = 0;	/* FIONBIO & co. read an int: 0 */
		struct res e, m;

		e = CALL(ioctl(self->ep, cmds[i], &be));
		m = CALL(ioctl(self->mp, cmds[i], &bm));
		EXPECT_SAME(e, m, "ioctl %#lx", cmds[i]);
	}
}

/* Every bit of every reserved field and of the unknown flags: EINVAL. */
TEST_F(hostile, reserved_bits_einval)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 }, evs[4];
	int bit, n = 0;

	NEED_MINIPOLL();
	for (bit = 0; bit < 32; bit++) {
		struct minipoll_ctl c = { .op = EPOLL_CTL_ADD, .fd = self->pfd[0],
					  .event = (uintptr_t)&ev };

		c.flags = 1U << bit;
		errno = 0;
		n += ioctl(self->mp, MINIPOLL_IOC_CTL, &c) != -1 || errno != RAW_RESERVED_ERRNO;
		c.flags = 0;
		c.__reserved = 1U << bit;
		errno = 0;
		n += ioctl(self->mp, MINIPOLL_IOC_CTL, &c) != -1 || errno != RAW_RESERVED_ERRNO;
	}
	for (bit = 0; bit < 64; bit++) {
		struct minipoll_wait w = { .events = (uintptr_t)evs, .maxevents = 4 };

		if (bit < 32 && !((1U << bit) & MINIPOLL_WAIT_FLAGS)) {
			w.flags = 1U << bit;
			errno = 0;
			n += ioctl(self->mp, MINIPOLL_IOC_WAIT, &w) != -1 ||
			     errno != RAW_RESERVED_ERRNO;
			w.flags = 0;
		}
		w.__reserved = 1ULL << bit;
		errno = 0;
		n += ioctl(self->mp, MINIPOLL_IOC_WAIT, &w) != -1 || errno != RAW_RESERVED_ERRNO;
	}
	EXPECT_EQ(0, n) TH_LOG("%d reserved bits were accepted or gave another errno", n);
	/* none of the refused ADDs went through */
	EXPECT_EQ(-1, minipoll_ctl(self->mp, EPOLL_CTL_DEL, self->pfd[0], NULL));
	EXPECT_EQ(ENOENT, errno);
}

/* ------------------------------------------------------------------------ */
/* fds */

/* Negative, huge and odd target fds and epfds, compared with epoll. */
TEST_F(hostile, bad_fds_as_epoll)
{
	struct rlimit rl;
	int fds[16], n = 0, i, op, opath;
	struct epoll_event evs[4];

	NEED_MINIPOLL();
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	opath = open("/dev/minipoll", O_PATH | O_CLOEXEC);
	fds[n++] = -1;
	fds[n++] = -2;
	fds[n++] = INT_MIN;
	fds[n++] = INT_MAX;
	fds[n++] = 1 << 20;
	fds[n++] = 65535;
	fds[n++] = (int)rl.rlim_cur;
	fds[n++] = (int)rl.rlim_cur - 1;
	fds[n++] = opath;
	for (op = 1; op <= 3; op++)
		for (i = 0; i < n; i++) {
			struct res e, m;

			e = CALL(epoll_ctl(self->ep, op, fds[i], EV(EPOLLIN, 1)));
			m = CALL(minipoll_ctl(self->mp, op, fds[i], EV(EPOLLIN, 1)));
			EXPECT_SAME(e, m, "op %d, target fd %d", op, fds[i]);
			m = CALL(raw_ctl(self->mp, op, fds[i], (uintptr_t)EV(EPOLLIN, 1)));
			EXPECT_SAME(e, m, "raw: op %d, target fd %d", op, fds[i]);
			/* the same numbers as the instance fd */
			e = CALL(epoll_ctl(fds[i], op, self->pfd[0], EV(EPOLLIN, 1)));
			m = CALL(minipoll_ctl(fds[i], op, self->pfd[0], EV(EPOLLIN, 1)));
			EXPECT_SAME(e, m, "op %d, epfd %d", op, fds[i]);
			e = CALL(epoll_wait(fds[i], evs, 4, 0));
			m = CALL(minipoll_wait(fds[i], evs, 4, 0));
			EXPECT_SAME(e, m, "wait on epfd %d", fds[i]);
		}
	close(opath);
	/* the instance itself as its target, through the raw call */
	errno = 0;
	EXPECT_EQ(-1, raw_ctl(self->mp, EPOLL_CTL_ADD, self->mp, (uintptr_t)EV(EPOLLIN, 1)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, epoll_ctl(self->ep, EPOLL_CTL_ADD, self->ep, EV(EPOLLIN, 1)));
}

/* ADD and MOD with masks of random bits: epoll's verdict and epoll's stored mask. */
TEST_F(hostile, random_masks_as_epoll)
{
	uint64_t x = 0x243f6a8885a308d3ULL;
	int i, bad = 0;

	NEED_MINIPOLL();
	for (i = 0; i < 2000; i++) {
		uint32_t mask;
		struct res e, m;
		int op = i % 3 == 2 ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		mask = (uint32_t)x & (i % 2 ? 0xffffffff : (uint32_t)(x >> 32));
		e = CALL(epoll_ctl(self->ep, op, self->pfd[0], EV(mask, i)));
		m = CALL(minipoll_ctl(self->mp, op, self->pfd[0], EV(mask, i)));
		if (e.ret != m.ret || e.err != m.err) {
			if (bad++ < 5)
				TH_LOG("%s %#x: epoll %ld %s, minipoll %ld %s",
				       op == EPOLL_CTL_ADD ? "ADD" : "MOD", mask, e.ret,
				       mp_errname(e.err), m.ret, mp_errname(m.err));
		}
		if (i % 7 == 6) {
			epoll_ctl(self->ep, EPOLL_CTL_DEL, self->pfd[0], NULL);
			minipoll_ctl(self->mp, EPOLL_CTL_DEL, self->pfd[0], NULL);
		}
	}
	EXPECT_EQ(0, bad);
}

/* ------------------------------------------------------------------------ */
/* What comes back */

/*
 * Returned events: exactly as many as reported, each with data a ctl
 * stored and only bits that were asked for (or ERR/HUP); nothing written
 * past them; the ioctl's own struct left as it was.
 */
TEST_F(hostile, events_carry_only_user_data)
{
	struct epoll_event *evs = (void *)self->b.edge;
	struct minipoll_wait w, before;
	int efd[3], i, n, k;
	unsigned char *bytes = (void *)self->b.edge;

	NEED_MINIPOLL();
	for (i = 0; i < 3; i++) {
		efd[i] = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);
		ASSERT_EQ(0, minipoll_ctl(self->mp, EPOLL_CTL_ADD, efd[i],
					  EV(i == 1 ? EPOLLIN : EPOLLIN | EPOLLOUT, 0xa0 + i)));
	}
	memset(self->b.edge, 0xa5, self->b.pg);
	w = (struct minipoll_wait){ .events = (uintptr_t)evs, .maxevents = 64, .timeout_ms = 0 };
	memset(&before, 0, sizeof(before));
	before = w;
	n = ioctl(self->mp, MINIPOLL_IOC_WAIT, &w);
	EXPECT_EQ(3, n);
	EXPECT_EQ(0, memcmp(&w, &before, sizeof(w))) TH_LOG("the ioctl wrote into its argument");
	for (i = 0; i < n && i < 3; i++) {
		uint32_t asked = evs[i].data.u64 == 0xa1 ? EPOLLIN : EPOLLIN | EPOLLOUT;

		EXPECT_TRUE(evs[i].data.u64 >= 0xa0 && evs[i].data.u64 <= 0xa2)
			TH_LOG("event %d: data %#llx", i, (unsigned long long)evs[i].data.u64);
		EXPECT_EQ(0U, evs[i].events & ~(asked | EPOLLERR | EPOLLHUP))
			TH_LOG("event %d: events %#x", i, evs[i].events);
	}
	for (k = 3 * (int)sizeof(*evs); k < self->b.pg; k++)
		if (bytes[k] != 0xa5)
			break;
	EXPECT_EQ(self->b.pg, k) TH_LOG("byte %d past the %d events was written", k, n);
	/* the same through a ctl: its struct is not written either */
	{
		struct minipoll_ctl c = { .op = EPOLL_CTL_MOD, .fd = efd[0],
					  .event = (uintptr_t)EV(EPOLLIN, 0xa0) }, cb = c;

		EXPECT_EQ(0, ioctl(self->mp, MINIPOLL_IOC_CTL, &c));
		EXPECT_EQ(0, memcmp(&c, &cb, sizeof(c)));
	}
	for (i = 0; i < 3; i++)
		close(efd[i]);
}

static bool looks_like_kernel_pointer(unsigned long long v)
{
	return v >= 0xffff800000000000ULL && v != ~0ULL;
}

/* Every hex and decimal number in s: none may look like a kernel address. */
static int kernel_pointers_in(const char *s, char *first, size_t len)
{
	int n = 0;

	while (*s) {
		if (isxdigit((unsigned char)*s) && (s[-1] == ' ' || s[-1] == ':' || s[-1] == '\t' ||
						    s[-1] == 'x' || s[-1] == '\n')) {
			char *end;
			unsigned long long v = strtoull(s, &end, 16);

			if (end > s && looks_like_kernel_pointer(v) && n++ == 0)
				snprintf(first, len, "%.*s", (int)(end - s), s);
			s = end > s ? end : s + 1;
			continue;
		}
		s++;
	}
	return n;
}

static char *slurp(const char *path)
{
	static char buf[1 << 16];
	size_t n = 0;
	FILE *f = fopen(path, "re");

	buf[0] = ' ';
	if (!f)
		return NULL;
	n = fread(buf + 1, 1, sizeof(buf) - 2, f);
	buf[n + 1] = 0;
	fclose(f);
	return buf + 1;
}

/*
 * fdinfo of an instance watching one of everything, with small data: its
 * keys are epoll's, every item line has epoll's format with the data and
 * mask the user gave, and no number in it looks like a kernel address.
 * The module's parameters and its kernel log lines say no addresses either.
 */
TEST_F(hostile, no_kernel_pointers)
{
	char path[64], first[64], keys_mp[256] = "", keys_ep[256] = "", *s, *line, *save;
	int efd, tfd, sfd, inner, sv[2], nitems = 0, i, fds[6];
	sigset_t mask;
	FILE *f;

	NEED_MINIPOLL();
	efd = eventfd(0, EFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	inner = minipoll_create1(EPOLL_CLOEXEC);
	ASSERT_EQ(0, mp_socketpair(SOCK_STREAM, sv));
	fds[0] = self->pfd[0]; fds[1] = efd; fds[2] = tfd; fds[3] = sfd; fds[4] = inner;
	fds[5] = sv[0];
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(0, minipoll_ctl(self->mp, EPOLL_CTL_ADD, fds[i], EV(EPOLLIN, 0x10 + i)));
		ASSERT_EQ(0, epoll_ctl(self->ep, EPOLL_CTL_ADD, fds[i], EV(EPOLLIN, 0x10 + i)));
	}
	/* keys of both, and the item lines of minipoll's */
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", self->ep);
	s = slurp(path);
	ASSERT_NE(NULL, s);
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "tfd:", 4))
			snprintf(keys_ep + strlen(keys_ep), sizeof(keys_ep) - strlen(keys_ep),
				 "%.*s ", (int)strcspn(line, ":"), line);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", self->mp);
	s = slurp(path);
	ASSERT_NE(NULL, s);
	EXPECT_EQ(0, kernel_pointers_in(s, first, sizeof(first)))
		TH_LOG("fdinfo shows %s:\n%s", first, s);
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int t, got;
		unsigned int ev;
		unsigned long long data, ino;
		long long pos;
		unsigned int dev;

		if (strncmp(line, "tfd:", 4)) {
			snprintf(keys_mp + strlen(keys_mp), sizeof(keys_mp) - strlen(keys_mp),
				 "%.*s ", (int)strcspn(line, ":"), line);
			continue;
		}
		got = sscanf(line, "tfd: %8d events: %8x data: %16llx  pos:%lli ino:%llx sdev:%x",
			     &t, &ev, &data, &pos, &ino, &dev);
		EXPECT_EQ(6, got) TH_LOG("not epoll's format: %s", line);
		for (i = 0; i < 6 && fds[i] != t; i++)
			;
		EXPECT_GT(6, i) TH_LOG("an item for fd %d, which was never added", t);
		if (i < 6) {
			EXPECT_EQ(0x10ULL + i, data);
			EXPECT_EQ((unsigned int)(EPOLLIN | EPOLLERR | EPOLLHUP), ev);
		}
		nitems++;
	}
	EXPECT_EQ(6, nitems);
	EXPECT_STREQ(keys_ep, keys_mp);

	/* module parameters */
	f = popen("cat /sys/module/minipoll/parameters/* 2>/dev/null", "re");
	if (f) {
		char buf[4096];
		size_t n = fread(buf + 1, 1, sizeof(buf) - 2, f);

		buf[0] = ' ';
		buf[n + 1] = 0;
		pclose(f);
		EXPECT_EQ(0, kernel_pointers_in(buf + 1, first, sizeof(first)))
			TH_LOG("a module parameter shows %s", first);
	}
	/* the module's kernel log lines (dmesg needs root or dmesg_restrict=0) */
	f = popen("dmesg 2>/dev/null | grep -i minipoll", "re");
	if (f) {
		char buf[512];

		while (fgets(buf, sizeof(buf) - 1, f)) {
			char *p = strchr(buf, ']');	/* past the timestamp */

			memmove(buf + 1, p ? p + 1 : buf, strlen(p ? p + 1 : buf) + 1);
			buf[0] = ' ';
			EXPECT_EQ(0, kernel_pointers_in(buf + 1, first, sizeof(first)))
				TH_LOG("the kernel log says %s: %s", first, buf + 1);
		}
		pclose(f);
	}
	close(efd);
	close(tfd);
	close(sfd);
	close(inner);
	close(sv[0]);
	close(sv[1]);
}

/* ------------------------------------------------------------------------ */
/* A user without privileges */

#define NOBODY 65534

/* Steps of the unprivileged child; its exit status names the first that failed. */
enum { U_OK, U_SETUID, U_OPEN, U_ADD, U_WAIT, U_MOD, U_DEL, U_MANY, U_WAKEUP, U_KNOB };

static int unprivileged_steps(void)
{
	struct epoll_event evs[4];
	int mp, ep, p[2], i, efds[32];
	char buf[256], *l;
	FILE *f;

	if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
		return U_SETUID;
	mp = minipoll_create1(EPOLL_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (mp < 0 || ep < 0 || mp_pipe(p))
		return U_OPEN;
	if (minipoll_ctl(mp, EPOLL_CTL_ADD, p[0], EV(EPOLLIN, 42)))
		return U_ADD;
	if (write(p[1], "x", 1) != 1 || minipoll_wait(mp, evs, 4, 1000) != 1 ||
	    evs[0].data.u64 != 42)
		return U_WAIT;
	if (minipoll_ctl(mp, EPOLL_CTL_MOD, p[0], EV(EPOLLIN | EPOLLET, 43)))
		return U_MOD;
	if (minipoll_ctl(mp, EPOLL_CTL_DEL, p[0], NULL))
		return U_DEL;
	/* a few dozen watches: well within the limit */
	for (i = 0; i < 32; i++) {
		efds[i] = eventfd(0, EFD_CLOEXEC);
		if (minipoll_ctl(mp, EPOLL_CTL_ADD, efds[i], EV(EPOLLIN, i)))
			return U_MANY;
	}
	/* EPOLLWAKEUP without CAP_BLOCK_SUSPEND: dropped silently, as by epoll */
	if (minipoll_ctl(mp, EPOLL_CTL_ADD, p[1], EV(EPOLLOUT | EPOLLWAKEUP, 7)) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, p[1], EV(EPOLLOUT | EPOLLWAKEUP, 7)))
		return U_WAKEUP;
	for (i = 0; i < 2; i++) {
		snprintf(buf, sizeof(buf), "/proc/self/fdinfo/%d", i ? ep : mp);
		f = fopen(buf, "re");
		if (!f)
			return U_WAKEUP;
		while ((l = fgets(buf, sizeof(buf), f)))
			if (!strncmp(l, "tfd:", 4) && atoi(l + 4) == p[1] &&
			    (strtoul(strstr(l, "events:") + 7, NULL, 16) & EPOLLWAKEUP))
				return U_WAKEUP;
		fclose(f);
	}
	/* and the limit itself is root's to change */
	f = fopen("/sys/module/minipoll/parameters/max_user_watches", "we");
	if (f || errno != EACCES)
		return U_KNOB;
	return U_OK;
}

/*
 * The device is for everyone (0666): uid 65534 creates an instance, adds,
 * waits, modifies, deletes and holds a few dozen watches (limits_test has
 * the limit itself); it cannot keep EPOLLWAKEUP, nor change the limit.
 */
TEST_F(hostile, unprivileged_user)
{
	static const char *const steps[] = { "ok", "setresuid", "open", "ADD", "wait", "MOD",
					     "DEL", "32 watches", "EPOLLWAKEUP", "limit knob" };
	int status;
	pid_t pid;

	NEED_MINIPOLL();
	if (geteuid() != 0)
		SKIP(return, "needs root to become another user");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(unprivileged_steps());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(U_OK, WEXITSTATUS(status)) TH_LOG("uid %d: step \"%s\" failed", NOBODY,
						      steps[WEXITSTATUS(status) % 10]);
}

/* ------------------------------------------------------------------------ */
/* The buffer goes away during the wait */

struct unmap_wait {
	const struct mp_impl *I;
	int ep;
	void *buf;
	pid_t tid;
	struct res r;
};

static void *unmap_waiter(void *arg)
{
	struct unmap_wait *u = arg;

	u->tid = mp_gettid();
	u->r = CALL(u->I->wait(u->ep, u->buf, 4, 10000));
	return NULL;
}

/*
 *   waiter: wait(ep, buf) ...        main: munmap(buf); write(pipe)
 *
 * The event cannot be copied out: EFAULT, and the item stays for the next
 * wait - as on epoll.
 */
TEST_F_TIMEOUT(hostile, buffer_unmapped_during_wait, 60)
{
	struct res r[2], after[2];
	int impl;

	NEED_MINIPOLL();
	for (impl = 0; impl < 2; impl++) {
		const struct mp_impl *I = impl ? &mp_minipoll : &mp_epoll;
		struct unmap_wait u = { .I = I };
		struct epoll_event evs[4];
		pthread_t th;
		int p[2];

		u.ep = I->create1(EPOLL_CLOEXEC);
		ASSERT_EQ(0, mp_pipe(p));
		ASSERT_EQ(0, I->ctl(u.ep, EPOLL_CTL_ADD, p[0], EV(EPOLLIN, 0x77)));
		u.buf = mmap(NULL, self->b.pg, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, u.buf);
		th = mp_thread(unmap_waiter, &u);
		while (!__atomic_load_n(&u.tid, __ATOMIC_ACQUIRE))
			mp_msleep(1);
		mp_wait_blocked(u.tid);
		munmap(u.buf, self->b.pg);
		ASSERT_EQ(1, write(p[1], "x", 1));
		mp_join(th);
		r[impl] = u.r;
		after[impl] = CALL(I->wait(u.ep, evs, 4, 0));
		if (after[impl].ret == 1)
			EXPECT_EQ(0x77ULL, evs[0].data.u64);
		close(u.ep);
		close(p[0]);
		close(p[1]);
	}
	EXPECT_SAME(r[0], r[1], "the wait whose buffer went away");
	EXPECT_SAME(after[0], after[1], "the wait after it");
}

TEST_HARNESS_MAIN

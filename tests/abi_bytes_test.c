// SPDX-License-Identifier: GPL-2.0
/*
 * abi_bytes_test: every byte /dev/minipoll hands to user space, one by one
 * (minipoll only, with epoll as the oracle where it has the same copy-out).
 *
 * Before each call that writes user memory the test fills that memory with
 * a poison byte, 0xa5. Afterwards every byte must be accounted for, by the
 * layouts of <linux/minipoll.h>:
 *   - padding and reserved fields are zero;
 *   - a string is NUL-terminated and followed by zeros to its array's end;
 *   - a value field is no longer all poison (the kernel wrote it);
 *   - bytes past what the call says it wrote still hold the poison, and
 *     bytes the caller wrote (a batch's ops) hold what it wrote.
 * The events of a wait are compared with epoll_wait()'s for the same files,
 * byte for byte, poisoned tail included.
 *
 * A byte the module forgets to write holds what its stack or its memory
 * held before. Debian's kernel zeroes stack variables (INIT_STACK_ALL_ZERO)
 * and so hides a gap on the stack; the debug kernel (INIT_STACK_NONE)
 * shows it, and the dumps are repeated so that an earlier item's longer
 * string is likely to be left behind the NUL of a later, shorter one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <netinet/in.h>
#include <unistd.h>

#include <linux/minipoll.h>

#include "kselftest_harness.h"
#include "mp_ioctl.h"

#define POISON		0xa5
#define MAX_ITEMS	32
#define MAX_WQS		64
#define DUMP_ROUNDS	64

enum fkind {
	F_VAL,		/* written by the kernel, or by the caller for an input */
	F_ZERO,		/* padding or reserved: zero */
	F_STR,		/* NUL-terminated, zeros after the NUL */
};

struct field {
	const char *name;
	size_t off, size;
	enum fkind kind;
};

#define FIELD(type, m, k) { #m, offsetof(type, m), sizeof(((type *)0)->m), k }
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct layout {
	const char *name;
	size_t size;
	const struct field *fields;
	size_t nfields;
};

/*
 * LAYOUT(var, rows...) describes the struct that LAYOUT_OF names, defined
 * just before it: every row is one field with its kind, VAL(), ZERO() or
 * STR(), in the header's order (the order of the messages).
 */
#define VAL(m)		FIELD(LAYOUT_OF, m, F_VAL)
#define ZERO(m)		FIELD(LAYOUT_OF, m, F_ZERO)
#define STR(m)		FIELD(LAYOUT_OF, m, F_STR)
#define QUOTE_(x)	#x
#define QUOTE(x)	QUOTE_(x)
#define LAYOUT(var, ...)						\
	static const struct field var##_fields[] = { __VA_ARGS__ };	\
	static const struct layout var = {				\
		QUOTE(LAYOUT_OF), sizeof(LAYOUT_OF),			\
		var##_fields, ARRAY_LEN(var##_fields)			\
	}

#define LAYOUT_OF struct minipoll_dump
LAYOUT(dump_layout,
	VAL(items), VAL(wqs), VAL(max_items), VAL(max_wqs), VAL(nr_items), VAL(nr_wqs),
	VAL(nr_ready), VAL(nr_ovf), VAL(nr_waiters), VAL(nr_pollers), VAL(id), VAL(root),
	ZERO(flags), ZERO(__reserved));
#undef LAYOUT_OF

#define LAYOUT_OF struct minipoll_dump_item
LAYOUT(item_layout,
	VAL(data), VAL(file_id), VAL(fd), VAL(events), VAL(parent), VAL(left), VAL(right),
	VAL(ready_pos), VAL(ovf_pos), VAL(first_wq), VAL(nr_wqs), VAL(callbacks),
	VAL(deliveries), VAL(ignored), VAL(color), VAL(state), ZERO(__pad), STR(kind));
#undef LAYOUT_OF

#define LAYOUT_OF struct minipoll_dump_wq
LAYOUT(wq_layout,
	VAL(head_id), VAL(item), VAL(flags), VAL(queue_len), ZERO(__pad), STR(owner));
#undef LAYOUT_OF

#define LAYOUT_OF struct minipoll_ring_setup
LAYOUT(setup_layout,
	VAL(entries), ZERO(flags), VAL(size), VAL(events_off), ZERO(__reserved));
#undef LAYOUT_OF

#define LAYOUT_OF struct minipoll_ring_hdr
LAYOUT(hdr_layout,
	VAL(head), VAL(lock), ZERO(__pad0), VAL(tail), ZERO(__pad1), VAL(entries),
	VAL(mask), VAL(fills), VAL(queued), VAL(feeding), ZERO(__pad2));
#undef LAYOUT_OF

#define LAYOUT_OF struct minipoll_ring_event
LAYOUT(slot_layout, VAL(events), ZERO(__pad), VAL(data));
#undef LAYOUT_OF

#define LAYOUT_OF struct minipoll_batch_op
LAYOUT(op_layout,
	VAL(op), VAL(fd), VAL(events), ZERO(flags), VAL(data), VAL(result), ZERO(__reserved));
#undef LAYOUT_OF

static const struct layout *const layouts[] = {
	&dump_layout, &item_layout, &wq_layout, &setup_layout, &hdr_layout,
	&slot_layout, &op_layout,
};

static int have_minipoll(void)
{
	struct stat st;

	return stat(MINIPOLL_DEVICE, &st) == 0 && S_ISCHR(st.st_mode);
}

#define NEED_MINIPOLL() do {						\
	if (!have_minipoll())						\
		SKIP(return, MINIPOLL_DEVICE " is absent (module not loaded)"); \
} while (0)

/* "a5 a5 00 ..." of @n bytes, into @out. */
static const char *hex(char *out, size_t outlen, const unsigned char *p, size_t n)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < n && len + 4 < outlen; i++)
		len += snprintf(out + len, outlen - len, "%s%02x", i ? " " : "", p[i]);
	return out;
}

static int all_poison(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != POISON)
			return 0;
	return 1;
}

/*
 * Check one object of layout @l at @obj, named @what in the messages.
 * @poisoned: the object was all poison before the call, so a value field
 * that still is was never written. Prints each bad field with its bytes;
 * returns how many fields were bad.
 */
static int check_object(const char *what, const void *obj, const struct layout *l,
			int poisoned)
{
	const unsigned char *base = obj;
	char buf[512];
	int bad = 0;
	size_t i, j;

	for (i = 0; i < l->nfields; i++) {
		const struct field *f = &l->fields[i];
		const unsigned char *p = base + f->off;
		const char *why = NULL;

		switch (f->kind) {
		case F_VAL:
			if (poisoned && all_poison(p, f->size))
				why = "never written (still poison)";
			break;
		case F_ZERO:
			for (j = 0; j < f->size; j++)
				if (p[j])
					why = "padding/reserved not zero";
			break;
		case F_STR:
			for (j = 0; j < f->size && p[j]; j++)
				;
			if (j == f->size)
				why = "no NUL";
			for (; j < f->size; j++)
				if (p[j])
					why = "bytes after the NUL not zero";
			break;
		}
		if (why) {
			fprintf(stderr, "# %s.%s (offset %zu, %zu bytes): %s: %s\n", what, f->name,
				f->off, f->size, why, hex(buf, sizeof(buf), p, f->size));
			bad++;
		}
	}
	return bad;
}

/* Bytes of @p that are not the poison: the kernel wrote what it must not. */
static int check_untouched(const char *what, const void *p, size_t n)
{
	const unsigned char *b = p;
	char buf[512];
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i] != POISON) {
			fprintf(stderr, "# %s: byte %zu written past the end: %s\n", what, i,
				hex(buf, sizeof(buf), b + i, n - i < 16 ? n - i : 16));
			return 1;
		}
	}
	return 0;
}

/* Every byte of every uapi struct is a named field: no implicit padding. */
TEST(layout_has_no_implicit_padding)
{
	unsigned int i;
	size_t j, b;

	for (i = 0; i < ARRAY_LEN(layouts); i++) {
		const struct layout *l = layouts[i];
		unsigned char covered[256] = { 0 };

		ASSERT_GE(sizeof(covered), l->size);
		for (j = 0; j < l->nfields; j++)
			for (b = 0; b < l->fields[j].size; b++)
				covered[l->fields[j].off + b]++;
		for (b = 0; b < l->size; b++) {
			EXPECT_EQ(1, covered[b])
				TH_LOG("%s: byte %zu is in %d fields", l->name, b, covered[b]);
		}
	}
	/* struct epoll_event, which MINIPOLL_IOC_WAIT writes: packed, no holes. */
	EXPECT_EQ(12, (int)sizeof(struct epoll_event));
	EXPECT_EQ(4, (int)offsetof(struct epoll_event, data));
}

/* Targets of many kinds, so that owner and kind strings of many lengths alternate. */
struct targets {
	int fds[16];
	int n;
};

static void targets_open(struct __test_metadata *_metadata, struct targets *t)
{
	int p[2], sv[2], inner, i;
	sigset_t mask;

	t->n = 0;
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	t->fds[t->n++] = p[0];
	t->fds[t->n++] = p[1];
	t->fds[t->n++] = eventfd(0, EFD_CLOEXEC);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	t->fds[t->n++] = sv[0];
	t->fds[t->n++] = sv[1];
	t->fds[t->n++] = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	t->fds[t->n++] = signalfd(-1, &mask, SFD_CLOEXEC);	/* owner "sighand" */
	t->fds[t->n++] = inotify_init1(IN_CLOEXEC);
	t->fds[t->n++] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	inner = open(MINIPOLL_DEVICE, O_RDWR | O_CLOEXEC);
	t->fds[t->n++] = inner;
	for (i = 0; i < t->n; i++) {
		ASSERT_LE(0, t->fds[i]) TH_LOG("target %d: %s", i, strerror(errno));
	}
	/* Something ready, so that ready positions and counters are not all -1/0. */
	ASSERT_EQ(1, write(p[1], "x", 1));
}

static void targets_close(struct targets *t)
{
	for (int i = 0; i < t->n; i++)
		close(t->fds[i]);
}

/* An epoll instance and a minipoll one, to be given the same items. */
static void open_pair(struct __test_metadata *_metadata, int *ep, int *mp)
{
	*ep = epoll_create1(EPOLL_CLOEXEC);
	*mp = open(MINIPOLL_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, *ep);
	ASSERT_LE(0, *mp);
}

/* Every target in epoll @ep and minipoll @mp alike: IN|OUT, data @base + its index. */
static void watch_targets(struct __test_metadata *_metadata, const struct targets *t,
			  int ep, int mp, uint64_t base)
{
	for (int i = 0; i < t->n; i++) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.u64 = base + i };

		ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, t->fds[i], &ev));
		ASSERT_EQ(0, mp_ctl(mp, EPOLL_CTL_ADD, t->fds[i], ev.events, ev.data.u64));
	}
}

struct dump_buf {
	struct minipoll_dump d;
	struct minipoll_dump_item items[MAX_ITEMS + 2];
	struct minipoll_dump_wq wqs[MAX_WQS + 2];
};

/*
 * Dump @mp into poisoned memory with capacities @max_items and @max_wqs
 * and check every byte. Returns the number of bad fields or ranges.
 */
static int dump_and_check(struct __test_metadata *_metadata, int mp, unsigned int max_items,
			  unsigned int max_wqs)
{
	static struct dump_buf x;
	unsigned int i, n;
	char what[64];
	int bad = 0;

	memset(&x, POISON, sizeof(x));
	x.d.items = (uintptr_t)x.items;
	x.d.wqs = (uintptr_t)x.wqs;
	x.d.max_items = max_items;
	x.d.max_wqs = max_wqs;
	x.d.flags = 0;
	memset(x.d.__reserved, 0, sizeof(x.d.__reserved));
	EXPECT_EQ(0, ioctl(mp, MINIPOLL_IOC_DUMP, &x.d)) TH_LOG("dump: %s", strerror(errno));

	bad += check_object("dump", &x.d, &dump_layout, 1);
	n = x.d.nr_items < max_items ? x.d.nr_items : max_items;
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "item[%u]", i);
		bad += check_object(what, &x.items[i], &item_layout, 1);
	}
	bad += check_untouched("items", &x.items[n], sizeof(x.items) - n * sizeof(x.items[0]));
	n = x.d.nr_wqs < max_wqs ? x.d.nr_wqs : max_wqs;
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "wq[%u] (item %u)", i, x.wqs[i].item);
		bad += check_object(what, &x.wqs[i], &wq_layout, 1);
	}
	bad += check_untouched("wqs", &x.wqs[n], sizeof(x.wqs) - n * sizeof(x.wqs[0]));
	return bad;
}

/*
 * MINIPOLL_IOC_DUMP: the header, every item and every wait entry, with
 * room to spare and with one entry too few; repeated on fresh instances.
 */
TEST(dump_every_byte)
{
	struct targets t;
	int round, bad = 0;

	NEED_MINIPOLL();
	targets_open(_metadata, &t);
	for (round = 0; round < DUMP_ROUNDS; round++) {
		int mp = open(MINIPOLL_DEVICE, O_RDWR | O_CLOEXEC);
		int i, items;

		ASSERT_LE(0, mp);
		for (i = 0; i < t.n; i++) {
			ASSERT_EQ(0, mp_ctl(mp, EPOLL_CTL_ADD, t.fds[i],
					    EPOLLIN | EPOLLOUT | (i & 1 ? EPOLLET : 0),
					    0x1000 + i)) TH_LOG("add target %d: %s", i, strerror(errno));
		}
		items = t.n;
		bad += dump_and_check(_metadata, mp, MAX_ITEMS, MAX_WQS);
		bad += dump_and_check(_metadata, mp, items - 1, items - 1);
		close(mp);
		if (bad)
			break;
	}
	EXPECT_EQ(0, bad) TH_LOG("round %d: %d bad fields or ranges (above)", round, bad);
	targets_close(&t);
}

/*
 * MINIPOLL_IOC_WAIT: the events array against epoll_wait()'s for the same
 * files, poisoned the same way: the same bytes everywhere, the tail past
 * the returned count untouched.
 */
TEST(wait_events_as_epoll)
{
	struct epoll_event e_ev[8], m_ev[8];
	char b1[512], b2[512];
	int ep, mp, n_e, n_m, i;
	struct targets t;

	NEED_MINIPOLL();
	targets_open(_metadata, &t);
	open_pair(_metadata, &ep, &mp);
	watch_targets(_metadata, &t, ep, mp, 0x1122334455660000ULL);
	/* Fewer slots than ready items: a full array, then the rest. */
	for (i = 0; i < 3; i++) {
		memset(e_ev, POISON, sizeof(e_ev));
		memset(m_ev, POISON, sizeof(m_ev));
		n_e = epoll_wait(ep, e_ev, 5, 0);
		n_m = mp_wait(mp, m_ev, 5, 0);
		EXPECT_EQ(n_e, n_m);
		ASSERT_LT(0, n_e);
		EXPECT_EQ(0, memcmp(e_ev, m_ev, sizeof(e_ev)))
			TH_LOG("wait %d:\n# epoll    %s\n# minipoll %s", i,
			       hex(b1, sizeof(b1), (void *)e_ev, sizeof(e_ev)),
			       hex(b2, sizeof(b2), (void *)m_ev, sizeof(m_ev)));
		EXPECT_EQ(0, check_untouched("minipoll events", &m_ev[n_m],
					     sizeof(m_ev) - n_m * sizeof(m_ev[0])));
	}
	close(mp);
	close(ep);
	targets_close(&t);
}

/*
 * The ready ring: the setup struct, then the whole mapping - header,
 * the gap before the slots, the slots a fill wrote (events as epoll's),
 * the slots it did not, and the end of the last page.
 */
TEST(ring_every_byte)
{
	struct epoll_event e_ev[4];
	struct minipoll_ring_setup s;
	struct minipoll_ring_wait w = { .timeout_ms = 0 };
	const struct minipoll_ring_hdr *hdr;
	const struct minipoll_ring_event *slots;
	struct targets t;
	const unsigned char *map;
	unsigned int entries = 4, i, n;
	int ep, mp, fill, bad = 0;
	char what[32];
	size_t b;

	NEED_MINIPOLL();
	targets_open(_metadata, &t);
	open_pair(_metadata, &ep, &mp);

	memset(&s, POISON, sizeof(s));
	s.entries = entries;
	s.flags = 0;
	memset(s.__reserved, 0, sizeof(s.__reserved));
	ASSERT_EQ(0, ioctl(mp, MINIPOLL_IOC_RING_SETUP, &s)) TH_LOG("%s", strerror(errno));
	bad += check_object("ring_setup", &s, &setup_layout, 1);
	EXPECT_EQ(entries, s.entries);
	ASSERT_LE(sizeof(*hdr), s.events_off);
	ASSERT_LE(s.events_off + entries * sizeof(*slots), s.size);

	map = mmap(NULL, s.size, PROT_READ | PROT_WRITE, MAP_SHARED, mp, 0);
	ASSERT_NE(MAP_FAILED, map);
	hdr = (const void *)map;
	slots = (const void *)(map + s.events_off);

	/* Before the first fill: all zero but entries and mask. */
	bad += check_object("hdr", hdr, &hdr_layout, 0);
	for (b = sizeof(*hdr); b < s.size; b++)
		if (map[b]) {
			fprintf(stderr, "# ring byte %zu is %02x before any fill\n", b, map[b]);
			bad++;
			break;
		}

	watch_targets(_metadata, &t, ep, mp, 0x5566778800000000ULL);
	/* Two fills: the second one writes the slots again, from the start. */
	for (fill = 0; fill < 2; fill++) {
		int got = ioctl(mp, MINIPOLL_IOC_RING_WAIT, &w);

		n = epoll_wait(ep, e_ev, entries, 0);
		EXPECT_EQ((int)n, got);
		ASSERT_EQ(n, hdr->tail - hdr->head);
		bad += check_object("hdr", hdr, &hdr_layout, 0);
		for (i = 0; i < n; i++) {
			const struct minipoll_ring_event *sl = &slots[(hdr->head + i) & (entries - 1)];

			snprintf(what, sizeof(what), "slot[%u]", i);
			bad += check_object(what, sl, &slot_layout, 0);
			EXPECT_EQ(e_ev[i].events, sl->events) TH_LOG("fill %d slot %u", fill, i);
			EXPECT_EQ(e_ev[i].data.u64, sl->data) TH_LOG("fill %d slot %u", fill, i);
		}
		for (b = sizeof(*hdr); b < s.events_off; b++)
			if (map[b]) {
				fprintf(stderr, "# ring gap byte %zu is %02x\n", b, map[b]);
				bad++;
				break;
			}
		for (b = s.events_off + entries * sizeof(*slots); b < s.size; b++)
			if (map[b]) {
				fprintf(stderr, "# ring byte %zu past the slots is %02x\n", b, map[b]);
				bad++;
				break;
			}
		/* Consume everything. */
		__atomic_store_n((uint32_t *)&hdr->head, hdr->tail, __ATOMIC_RELEASE);
	}
	EXPECT_EQ(0, bad);
	munmap((void *)map, s.size);
	close(mp);
	close(ep);
	targets_close(&t);
}

/*
 * MINIPOLL_IOC_CTL_BATCH writes back whole entries: every byte but the
 * result is what the caller wrote, each result is the one epoll_ctl()
 * gives for the same op, and the entries after nr are not touched.
 */
TEST(batch_every_byte)
{
	struct minipoll_batch_op ops[8], before[8];
	struct minipoll_ctl_batch b = { 0 };
	int ep, mp, efd, p[2], i, nr, want;
	char what[32];
	int bad = 0;

	NEED_MINIPOLL();
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	efd = eventfd(0, EFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	mp = open(MINIPOLL_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_LE(0, ep);
	ASSERT_LE(0, mp);

	/* Successes and failures (EEXIST, ENOENT, EBADF) in one batch. */
	const int op_fd[][2] = {
		{ EPOLL_CTL_ADD, p[0] }, { EPOLL_CTL_ADD, p[0] }, { EPOLL_CTL_ADD, efd },
		{ EPOLL_CTL_MOD, p[1] }, { EPOLL_CTL_DEL, -1 }, { EPOLL_CTL_MOD, efd },
	};

	memset(ops, POISON, sizeof(ops));
	nr = ARRAY_LEN(op_fd);
	for (i = 0; i < nr; i++) {
		ops[i].op = op_fd[i][0];
		ops[i].fd = op_fd[i][1];
		ops[i].events = EPOLLIN;
		ops[i].flags = 0;
		ops[i].data = 0x7700 + i;
		ops[i].__reserved = 0;
	}
	memcpy(before, ops, sizeof(ops));
	b.ops = (uintptr_t)ops;
	b.nr = nr;
	EXPECT_EQ(nr, ioctl(mp, MINIPOLL_IOC_CTL_BATCH, &b)) TH_LOG("%s", strerror(errno));

	for (i = 0; i < nr; i++) {
		struct epoll_event ev = { .events = before[i].events, .data.u64 = before[i].data };
		char bb[512];

		want = epoll_ctl(ep, before[i].op, before[i].fd, &ev) ? -errno : 0;
		EXPECT_EQ(want, ops[i].result) TH_LOG("op %d", i);
		snprintf(what, sizeof(what), "op[%d]", i);
		bad += check_object(what, &ops[i], &op_layout, 1);
		/* Every byte but the result as written. */
		ops[i].result = before[i].result;
		if (memcmp(&ops[i], &before[i], sizeof(ops[i]))) {
			fprintf(stderr, "# op[%d] changed outside result: %s\n", i,
				hex(bb, sizeof(bb), (void *)&ops[i], sizeof(ops[i])));
			bad++;
		}
	}
	bad += check_untouched("ops past nr", &ops[nr], sizeof(ops) - nr * sizeof(ops[0]));
	EXPECT_EQ(0, bad);
	close(mp);
	close(ep);
	close(efd);
	close(p[0]);
	close(p[1]);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * trace_test: minipoll's tracepoints (Documentation/tracepoints.md).
 *
 * Each test enables the minipoll events in tracefs, drives one part of the
 * core through the ioctls and reads the trace back: every transition must
 * leave its event with the right fields. Where a field has a meaning in
 * epoll too (the mask an item stores, how many events a wait returns), the
 * expected value is what the real epoll reports for the same operation.
 * The overflow outcome needs a callback during a transfer, which no test
 * can schedule deterministically; the outcome-1 path is covered by the
 * stress tests and shown by mptrace.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/minipoll.h>

#include "kselftest_harness.h"
#include "mp_ioctl.h"

#define TRACEFS		"/sys/kernel/tracing"
#define TRACE_SIZE	(1 << 20)

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/*
 * Enabling an event patches code: the static keys at its call sites and,
 * while the "record-cmd" option is on, the sched_switch tracepoint inside
 * __schedule(), which the other vCPU is always running. Under QEMU's
 * multi-threaded TCG a vCPU can keep executing a stale translation of
 * such a site: it traps on an int3 the kernel has already removed, and
 * the guest hangs (Documentation/tracepoints.md). So the events are
 * enabled once for the whole program, with record-cmd off, by the
 * harness's parent process; each test only clears the buffer.
 */
static pid_t trace_owner;
static char trace_record_cmd[8];

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static void __attribute__((constructor)) trace_enable(void)
{
	struct stat st;

	if (stat(TRACEFS "/events", &st))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	if (stat(TRACEFS "/events/minipoll", &st))
		return;
	if (read_file(TRACEFS "/options/record-cmd", trace_record_cmd,
		      sizeof(trace_record_cmd)) ||
	    write_file(TRACEFS "/options/record-cmd", "0") ||
	    write_file(TRACEFS "/events/minipoll/enable", "1"))
		return;
	trace_owner = getpid();
}

/* Only in the parent: the tests' children leave with _exit(). */
static void __attribute__((destructor)) trace_disable(void)
{
	if (trace_owner != getpid())
		return;
	write_file(TRACEFS "/events/minipoll/enable", "0");
	write_file(TRACEFS "/options/record-cmd", trace_record_cmd);
}

/* An empty trace buffer, recording; 0 when the events are unavailable. */
static int trace_start(void)
{
	return trace_owner &&
	       !write_file(TRACEFS "/tracing_on", "0") &&
	       !write_file(TRACEFS "/trace", "") &&
	       !write_file(TRACEFS "/tracing_on", "1");
}

/* The whole trace buffer as text (caller frees). */
static char *trace_read(void)
{
	char *buf = calloc(1, TRACE_SIZE);
	ssize_t n, len = 0;
	int fd;

	fd = open(TRACEFS "/trace", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf)
		abort();
	while ((n = read(fd, buf + len, TRACE_SIZE - 1 - len)) > 0)
		len += n;
	close(fd);
	return buf;
}

/*
 * Is there a line of event @event whose fields start with the formatted
 * text? The fields follow "<event>: " in the trace's default format.
 */
static int __attribute__((format(printf, 3, 4)))
has(const char *trace, const char *event, const char *fmt, ...)
{
	char want[512], needle[600];
	const char *p = trace;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	snprintf(needle, sizeof(needle), "%s: %s", event, want);
	while ((p = strstr(p, needle))) {
		const char *end = p + strlen(needle);

		/* A whole field: followed by a space or the end of the line. */
		if (*end == ' ' || *end == '\n' || !*end)
			return 1;
		p = end;
	}
	return 0;
}

static unsigned long long mp_id(int mp)
{
	struct minipoll_dump d = { 0 };

	if (ioctl(mp, MINIPOLL_IOC_DUMP, &d))
		return 0;
	return d.id;
}

/* The mask epoll stores for an ADD of @events (fdinfo's "events:"). */
static unsigned int epoll_stored_mask(int fd, unsigned int events)
{
	struct epoll_event ev = { .events = events };
	char path[64], line[256];
	unsigned int mask = 0;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	FILE *f;

	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", ep);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "tfd: %*d events: %x", &mask) == 1)
			break;
	if (f)
		fclose(f);
	close(ep);
	return mask;
}

FIXTURE(trace) {
	int mp;
	unsigned long long id;
	char *out;
};

FIXTURE_SETUP(trace)
{
	struct stat st;

	self->out = NULL;
	self->mp = -1;
	if (stat(MINIPOLL_DEVICE, &st))
		SKIP(return, "no " MINIPOLL_DEVICE);
	if (!trace_start())
		SKIP(return, "no tracefs or no minipoll events");
	self->mp = open(MINIPOLL_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->mp);
	self->id = mp_id(self->mp);
	ASSERT_NE(0ULL, self->id);
}

FIXTURE_TEARDOWN(trace)
{
	free(self->out);
	if (self->mp >= 0)
		close(self->mp);
}

/* ADD, MOD, DEL: the item events and its wait entry coming and going. */
TEST_F(trace, item_and_wait_entry)
{
	unsigned int stored;
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	stored = epoll_stored_mask(p[0], EPOLLIN);
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, p[0], EPOLLIN, 0x1234));
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, 0x99));
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_DEL, p[0], 0, 0));
	self->out = trace_read();

	EXPECT_TRUE(has(self->out, "minipoll_item_insert",
			"id=%llu fd=%d events=0x%x data=0x1234", self->id, p[0], stored));
	EXPECT_TRUE(strstr(self->out, "kind=pipe") != NULL);
	EXPECT_TRUE(has(self->out, "minipoll_wq_add", "id=%llu fd=%d exclusive=0",
			self->id, p[0]));
	EXPECT_TRUE(strstr(self->out, "owner=pipe") != NULL);
	EXPECT_TRUE(has(self->out, "minipoll_item_modify", "id=%llu fd=%d events=0x%x data=0x99",
			self->id, p[0], epoll_stored_mask(p[0], EPOLLIN | EPOLLET)));
	EXPECT_TRUE(has(self->out, "minipoll_item_remove", "id=%llu fd=%d reason=del",
			self->id, p[0]));
	EXPECT_TRUE(has(self->out, "minipoll_wq_remove", "id=%llu fd=%d pollfree=0",
			self->id, p[0]));
	close(p[0]);
	close(p[1]);
}

/* A write queues the item; a wait transfers it; LT puts it back. */
TEST_F(trace, callback_transfer_level_triggered)
{
	struct epoll_event evs[8], ev = { .events = EPOLLIN };
	uint64_t one = 1;
	int efd, ep, n_epoll;

	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, efd, EPOLLIN, 1));
	ASSERT_EQ(8, write(efd, &one, 8));
	ASSERT_EQ(8, write(efd, &one, 8));
	ASSERT_EQ(1, mp_wait(self->mp, evs, 8, 0));
	self->out = trace_read();

	/* The oracle: epoll delivers as many events for the same state. */
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev));
	n_epoll = epoll_wait(ep, evs, 8, 0);

	EXPECT_TRUE(has(self->out, "minipoll_callback", "id=%llu fd=%d key=0x%x events=0x%x outcome=queued",
			self->id, efd, EPOLLIN, epoll_stored_mask(efd, EPOLLIN)));
	EXPECT_TRUE(has(self->out, "minipoll_callback", "id=%llu fd=%d key=0x%x events=0x%x outcome=already-queued",
			self->id, efd, EPOLLIN, epoll_stored_mask(efd, EPOLLIN)));
	EXPECT_TRUE(has(self->out, "minipoll_transfer_start", "id=%llu maxevents=8 nr_ready=1",
			self->id));
	EXPECT_TRUE(has(self->out, "minipoll_deliver", "id=%llu fd=%d revents=0x%x requeued=1",
			self->id, efd, EPOLLIN));
	EXPECT_TRUE(has(self->out, "minipoll_transfer_end", "id=%llu delivered=%d requeued=1 overflowed=0",
			self->id, n_epoll));
	close(ep);
	close(efd);
}

/* Callbacks that do not queue: outside the mask, and after ONESHOT fired. */
TEST_F(trace, callback_ignored)
{
	struct epoll_event evs[4];
	uint64_t one = 1;
	int out, os;

	out = eventfd(0, EFD_CLOEXEC);
	os = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, out);
	ASSERT_LE(0, os);
	/* A write wakes an eventfd's queue with EPOLLIN only. */
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, out, EPOLLOUT | EPOLLET, 1));
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, os, EPOLLIN | EPOLLONESHOT, 2));
	ASSERT_EQ(1, mp_wait(self->mp, evs, 4, 0));	/* "out" is writable */
	ASSERT_EQ(8, write(out, &one, 8));
	ASSERT_EQ(8, write(os, &one, 8));
	ASSERT_EQ(1, mp_wait(self->mp, evs, 4, 0));	/* fires and disarms */
	ASSERT_EQ(8, write(os, &one, 8));
	self->out = trace_read();

	EXPECT_TRUE(has(self->out, "minipoll_callback", "id=%llu fd=%d key=0x%x events=0x%x outcome=ignored-mask",
			self->id, out, EPOLLIN, epoll_stored_mask(out, EPOLLOUT | EPOLLET)));
	EXPECT_TRUE(has(self->out, "minipoll_deliver", "id=%llu fd=%d revents=0x%x requeued=0",
			self->id, os, EPOLLIN));
	EXPECT_TRUE(has(self->out, "minipoll_callback", "id=%llu fd=%d key=0x%x events=0x%x outcome=ignored-disarmed",
			self->id, os, EPOLLIN, epoll_stored_mask(os, EPOLLONESHOT) & EPOLLONESHOT));
	close(out);
	close(os);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void *write_later(void *arg)
{
	uint64_t one = 1;

	usleep(100 * 1000);
	if (write(*(int *)arg, &one, 8) != 8)
		abort();
	return NULL;
}

/* A waiter sleeps and wakes for each of the three reasons. */
TEST_F(trace, sleep_and_wake)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct epoll_event evs[1];
	pthread_t th;
	long long ns;
	const char *p;
	int efd;

	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, efd, EPOLLIN, 1));

	EXPECT_EQ(0, mp_wait(self->mp, evs, 1, 50));		/* timeout */
	ASSERT_EQ(0, pthread_create(&th, NULL, write_later, &efd));
	EXPECT_EQ(1, mp_wait(self->mp, evs, 1, -1));		/* events */
	pthread_join(th, NULL);
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_DEL, efd, 0, 0));
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	alarm(1);
	EXPECT_EQ(-1, mp_wait(self->mp, evs, 1, -1));		/* signal */
	EXPECT_EQ(EINTR, errno);
	self->out = trace_read();

	p = strstr(self->out, "minipoll_wait_sleep: ");
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ(1, sscanf(p, "minipoll_wait_sleep: id=%*u timeout_ns=%lld", &ns));
	EXPECT_TRUE(ns > 0 && ns <= 50 * 1000 * 1000);
	EXPECT_TRUE(has(self->out, "minipoll_wait_sleep", "id=%llu timeout_ns=-1", self->id));
	EXPECT_TRUE(has(self->out, "minipoll_wait_wake", "id=%llu reason=timeout", self->id));
	EXPECT_TRUE(has(self->out, "minipoll_wait_wake", "id=%llu reason=events", self->id));
	EXPECT_TRUE(has(self->out, "minipoll_wait_wake", "id=%llu reason=signal", self->id));
	close(efd);
}

/* The signal handlers a signalfd waits on go away: POLLFREE. */
TEST_F(trace, pollfree)
{
	int sfd;

	sfd = mp_signalfd_of_reaped_child(self->mp, SIGUSR2, EPOLLIN, 7);
	ASSERT_LE(0, sfd);
	self->out = trace_read();

	EXPECT_TRUE(strstr(self->out, "owner=sighand") != NULL);
	EXPECT_TRUE(strstr(self->out, "outcome=pollfree") != NULL);
	EXPECT_TRUE(has(self->out, "minipoll_wq_remove", "id=%llu fd=%d pollfree=1",
			self->id, sfd));
	close(sfd);
}

/* A nested instance wakes its poller, the outer instance. */
TEST_F(trace, propagate_to_parent)
{
	struct epoll_event evs[2];
	unsigned long long inner_id;
	uint64_t one = 1;
	int inner, efd;

	inner = open(MINIPOLL_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, inner);
	inner_id = mp_id(inner);
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, mp_ctl(inner, EPOLL_CTL_ADD, efd, EPOLLIN, 1));
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, inner, EPOLLIN, 2));
	ASSERT_EQ(8, write(efd, &one, 8));
	ASSERT_EQ(1, mp_wait(self->mp, evs, 2, 0));
	self->out = trace_read();

	EXPECT_TRUE(has(self->out, "minipoll_propagate", "id=%llu key=0x%x pollers=1",
			inner_id, EPOLLIN));
	EXPECT_TRUE(has(self->out, "minipoll_callback", "id=%llu fd=%d key=0x%x",
			self->id, inner, EPOLLIN));
	close(efd);
	close(inner);
}

/* Closing the instance removes its items with reason "closed". */
TEST_F(trace, instance_close)
{
	int efd = eventfd(0, EFD_CLOEXEC);

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, efd, EPOLLIN, 1));
	close(self->mp);
	self->mp = -1;
	self->out = trace_read();
	EXPECT_TRUE(has(self->out, "minipoll_item_remove", "id=%llu fd=%d reason=closed",
			self->id, efd));
	close(efd);
}

/*
 * The raw records (trace_pipe_raw: the ring buffer's pages as they are).
 * A tracepoint writes its record straight into ring-buffer memory that is
 * reused without being cleared, so every byte of a minipoll record must be
 * written by the tracepoint itself: a field's value, a string's zeros after
 * its NUL, and zeros in the bytes that no field of the event's format
 * covers (the record's tail padding).
 */
#define RAW_POISON	0xa5
#define RAW_MAX_EVENTS	32

struct raw_field {
	char name[32];
	int off, size;
	int is_string;
};

struct raw_event {
	char name[48];
	int id;
	int nfields;
	struct raw_field fields[16];
	int seen;
};

/* One event's format file: its id and fields (common ones included). */
static int raw_read_format(struct raw_event *ev)
{
	char path[256], *buf, *p;
	int ok = 0;

	buf = calloc(1, 8192);
	snprintf(path, sizeof(path), TRACEFS "/events/minipoll/%.47s/format", ev->name);
	if (!buf || read_file(path, buf, 8192))
		goto out;
	p = strstr(buf, "\nID: ");
	if (!p || sscanf(p, "\nID: %d", &ev->id) != 1)
		goto out;
	ev->nfields = 0;
	for (p = strstr(buf, "field:"); p && ev->nfields < 16; p = strstr(p + 1, "field:")) {
		struct raw_field *f = &ev->fields[ev->nfields];
		char decl[96], *name, *br;

		if (sscanf(p, "field:%95[^;];\toffset:%d;\tsize:%d;", decl, &f->off, &f->size) != 3)
			goto out;
		/* "char kind[16]": a string; the name is the last word, less "[..]". */
		br = strchr(decl, '[');
		f->is_string = !strncmp(decl, "char ", 5) && br;
		if (br)
			*br = '\0';
		name = strrchr(decl, ' ');
		snprintf(f->name, sizeof(f->name), "%.31s", name ? name + 1 : decl);
		ev->nfields++;
	}
	ok = ev->nfields > 0;
out:
	free(buf);
	return ok ? 0 : -1;
}

static int raw_read_events(struct raw_event *evs)
{
	struct dirent *de;
	DIR *dir;
	int n = 0;

	dir = opendir(TRACEFS "/events/minipoll");
	if (!dir)
		return -1;
	while ((de = readdir(dir)) && n < RAW_MAX_EVENTS) {
		if (strncmp(de->d_name, "minipoll_", 9))
			continue;
		memset(&evs[n], 0, sizeof(evs[n]));
		snprintf(evs[n].name, sizeof(evs[n].name), "%.47s", de->d_name);
		if (raw_read_format(&evs[n]))
			return -1;
		n++;
	}
	closedir(dir);
	return n;
}

/* "a5 a5 ..." of bytes @from .. @to - 1 of @rec, printed after @what. */
static void raw_print_bytes(const char *what, const unsigned char *rec, int from, int to)
{
	char buf[3 * 256 + 1];
	int i, len = 0;

	for (i = from; i < to; i++)
		len += snprintf(buf + len, sizeof(buf) - len, " %02x", rec[i]);
	buf[len] = '\0';
	fprintf(stderr, "# %s:%s\n", what, buf);
}

/*
 * Check one record of @len bytes; prints each field or range with bytes
 * the tracepoint did not write, returns how many such bytes.
 */
static int raw_check_record(struct raw_event *ev, const unsigned char *rec, int len)
{
	unsigned char covered[256] = { 0 };
	char what[160];
	int bad = 0, i, j, from;

	if (len > (int)sizeof(covered))
		return 1;
	ev->seen++;
	for (i = 0; i < ev->nfields; i++) {
		const struct raw_field *f = &ev->fields[i];
		int nul, n = 0;

		for (j = 0; j < f->size && f->off + j < len; j++)
			covered[f->off + j] = 1;
		if (!f->is_string || f->off + f->size > len)
			continue;
		for (nul = 0; nul < f->size && rec[f->off + nul]; nul++)
			;
		for (j = nul + 1; j < f->size; j++)
			n += rec[f->off + j] != 0;
		if (!n)
			continue;
		snprintf(what, sizeof(what), "%.47s.%.31s \"%.*s\": %d of the bytes after the NUL not zero",
			 ev->name, f->name, nul, (const char *)rec + f->off, n);
		raw_print_bytes(what, rec, f->off + nul + 1, f->off + f->size);
		bad += n;
	}
	for (i = 0; i < len; i = j) {
		for (j = i; j < len && covered[j] == covered[i]; j++)
			;
		if (covered[i])
			continue;
		for (from = i; from < j && !rec[from]; from++)
			;
		if (from == j)
			continue;
		snprintf(what, sizeof(what), "%.47s: bytes %d-%d of %d, in no field, not zero",
			 ev->name, i, j - 1, len);
		raw_print_bytes(what, rec, i, j);
		for (; from < j; from++)
			bad += rec[from] != 0;
	}
	return bad;
}

/*
 * Walk one page of trace_pipe_raw: a header (time stamp, commit), then
 * events, each behind a 32-bit header whose low 5 bits are its type_len:
 * 1..28 data of type_len * 4 bytes, 0 data whose length is in the next
 * word, 29 padding, 30 and 31 time stamps (8 bytes in all).
 */
static int raw_check_page(struct raw_event *evs, int nevs, const unsigned char *page,
			  int data_off, int commit_off)
{
	const unsigned char *p = page + data_off, *end;
	uint64_t commit;
	int bad = 0;

	memcpy(&commit, page + commit_off, sizeof(commit));
	end = p + (commit & 0xfffff);
	while (p + 4 <= end) {
		uint32_t h, len;
		const unsigned char *rec;
		unsigned short type;
		int i;

		memcpy(&h, p, 4);
		switch (h & 0x1f) {
		case 29:			/* padding */
			if (!(h >> 5))
				return bad;	/* the rest of the page */
			memcpy(&len, p + 4, 4);
			p += 4 + len;
			continue;
		case 30:
		case 31:
			p += 8;
			continue;
		case 0:
			memcpy(&len, p + 4, 4);
			if (len < 4)
				return bad + 1;
			rec = p + 8;
			len -= 4;
			break;
		default:
			len = (h & 0x1f) * 4;
			rec = p + 4;
			break;
		}
		p = rec + len;
		if (p > end)
			break;
		memcpy(&type, rec, sizeof(type));
		for (i = 0; i < nevs; i++)
			if (evs[i].id == type)
				bad += raw_check_record(&evs[i], rec, len);
	}
	return bad;
}

static int raw_header_offset(const char *header, const char *field)
{
	const char *p = strstr(header, field);
	int off;

	if (!p || !(p = strstr(p, "offset:")) || sscanf(p, "offset:%d", &off) != 1)
		return -1;
	return off;
}

/*
 * Every minipoll event with a record to check, on one CPU: the buffer's
 * pages are first filled with trace_marker writes of RAW_POISON, then
 * cleared (which rewinds to the same pages, their bytes left as they are),
 * then the events are driven and read back raw.
 */
TEST_F(trace, raw_records_every_byte)
{
	struct raw_event evs[RAW_MAX_EVENTS];
	char path[128], header[2048], poison[1000];
	unsigned char *page;
	struct epoll_event out[4];
	int nevs, cpu, fd, i, p[2], data_off, commit_off, bad = 0;
	cpu_set_t set;
	uint64_t one = 1;
	int efd;
	ssize_t n;

	nevs = raw_read_events(evs);
	ASSERT_LT(0, nevs);
	ASSERT_EQ(0, read_file(TRACEFS "/events/header_page", header, sizeof(header)));
	commit_off = raw_header_offset(header, "commit;");
	data_off = raw_header_offset(header, "data;");
	ASSERT_LE(0, commit_off);
	ASSERT_LT(commit_off, data_off);

	/* One CPU, one per-CPU buffer: the records land on the poisoned pages. */
	cpu = sched_getcpu();
	ASSERT_LE(0, cpu);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));

	memset(poison, RAW_POISON, sizeof(poison));
	fd = open(TRACEFS "/trace_marker", O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (i = 0; i < 16; i++) {
		ASSERT_EQ((ssize_t)sizeof(poison), write(fd, poison, sizeof(poison)));
	}
	close(fd);
	ASSERT_TRUE(trace_start());

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, p[0], EPOLLIN, 1));
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_ADD, efd, EPOLLIN | EPOLLET, 2));
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_MOD, efd, EPOLLIN, 3));
	ASSERT_EQ(0, mp_wait(self->mp, out, 4, 10));		/* sleep, timeout */
	ASSERT_EQ(1, write(p[1], "x", 1));
	ASSERT_EQ(8, write(efd, &one, 8));
	ASSERT_EQ(2, mp_wait(self->mp, out, 4, 0));		/* transfer, LT requeue */
	ASSERT_EQ(0, mp_ctl(self->mp, EPOLL_CTL_DEL, p[0], 0, 0));

	snprintf(path, sizeof(path), TRACEFS "/per_cpu/cpu%d/trace_pipe_raw", cpu);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, fd);
	page = malloc(4096);
	ASSERT_NE(NULL, page);
	while ((n = read(fd, page, 4096)) > 0)
		bad += raw_check_page(evs, nevs, page, data_off, commit_off);
	close(fd);
	free(page);

	for (i = 0; i < nevs; i++) {
		if (strcmp(evs[i].name, "minipoll_item_insert") &&
		    strcmp(evs[i].name, "minipoll_wq_add") &&
		    strcmp(evs[i].name, "minipoll_deliver") &&
		    strcmp(evs[i].name, "minipoll_transfer_end") &&
		    strcmp(evs[i].name, "minipoll_wait_wake"))
			continue;
		EXPECT_LT(0, evs[i].seen) TH_LOG("no raw record of %s", evs[i].name);
	}
	EXPECT_EQ(0, bad) TH_LOG("%d bytes no tracepoint wrote (above)", bad);
	close(efd);
	close(p[0]);
	close(p[1]);
}

TEST_HARNESS_MAIN

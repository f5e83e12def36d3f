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
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
	sigset_t mask;
	int sfd, status;
	pid_t pid;

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	ASSERT_LE(0, sfd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)	/* registers on the child's own signal handlers */
		_exit(mp_ctl(self->mp, EPOLL_CTL_ADD, sfd, EPOLLIN, 7) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
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

TEST_HARNESS_MAIN

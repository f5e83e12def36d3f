// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * minipoll-demo: a newcomer's tour of minipoll, printed step by step.
 *
 * Each step says in one line what it does and why, does it, and shows
 * what really happened. Every step is done twice, on a minipoll instance
 * and on the kernel's own epoll, and the two must agree: any error or
 * difference stops the tour with exit status 1, so `make demo` checks the
 * core too. Needs the module loaded (/dev/minipoll).
 *
 *	  instance (minipoll)        epoll (the kernel's)
 *	          \                      /
 *	           +--- pipe read end ---+     <- written through the pipe
 *	           +--- socket A --------+     <- written from socket B
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <minipoll.h>

#include "mp_evnames.h"

#define MAX_EVENTS	8

struct tour {
	int mp;			/* the minipoll instance */
	int ep;			/* the real epoll, for comparison */
	int pipe[2];		/* [0] read end (watched), [1] write end */
	int sock[2];		/* [0] watched, [1] its peer, to write from */
	int steps;		/* steps done so far */
};

/* ---- narration ---- */

static void step(struct tour *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void step(struct tour *t, const char *fmt, ...)
{
	va_list ap;

	printf("\n%2d. ", ++t->steps);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("    ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("    FAILED: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static const char *label(const struct tour *t, int fd)
{
	if (fd == t->pipe[0] || fd == t->pipe[1])
		return "pipe";
	if (fd == t->sock[0] || fd == t->sock[1])
		return "socket";
	return "?";
}

/* "fd 5 (pipe)    EPOLLIN", the data field holding the fd number. */
static void say_events(const struct tour *t, const struct epoll_event *ev,
		       int n)
{
	char names[256];
	int i;

	if (n == 0)
		say("-> no events");
	for (i = 0; i < n; i++) {
		int fd = (int)ev[i].data.u64;
		char what[16];

		snprintf(what, sizeof(what), "(%s)", label(t, fd));
		say("-> fd %d %-8s  %s", fd, what,
		    mp_events_str(ev[i].events, names, sizeof(names)));
	}
}

/* ---- each operation on both implementations ---- */

static void ctl_both(struct tour *t, int op, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = fd };
	char names[256];

	mp_events_str(events, names, sizeof(names));
	if (minipoll_ctl(t->mp, op, fd, op == EPOLL_CTL_DEL ? NULL : &ev) < 0)
		fail("minipoll_ctl(%s, fd %d, %s): %s", mp_op_name(op), fd,
		     names, strerror(errno));
	if (epoll_ctl(t->ep, op, fd, &ev) < 0)
		fail("epoll_ctl(%s, fd %d, %s): %s", mp_op_name(op), fd,
		     names, strerror(errno));
	if (op == EPOLL_CTL_DEL)
		say("-> minipoll_ctl(%s, fd %d) = 0, as epoll_ctl()",
		    mp_op_name(op), fd);
	else
		say("-> minipoll_ctl(%s, fd %d, %s) = 0, as epoll_ctl()",
		    mp_op_name(op), fd, names);
}

/* Wait on both; they must return the same events in the same order. */
static int wait_both(struct tour *t, int timeout_ms)
{
	struct epoll_event mp[MAX_EVENTS], ep[MAX_EVENTS];
	int n, m;

	n = minipoll_wait(t->mp, mp, MAX_EVENTS, timeout_ms);
	if (n < 0)
		fail("minipoll_wait: %s", strerror(errno));
	m = epoll_wait(t->ep, ep, MAX_EVENTS, timeout_ms);
	if (m < 0)
		fail("epoll_wait: %s", strerror(errno));
	say_events(t, mp, n);
	if (n != m || memcmp(mp, ep, n * sizeof(mp[0])) != 0) {
		say("but the kernel's epoll reported:");
		say_events(t, ep, m);
		fail("minipoll and epoll disagree");
	}
	say("   (the kernel's epoll reported exactly the same)");
	return n;
}

static void write_to(int fd, const char *what)
{
	if (write(fd, what, strlen(what)) != (ssize_t)strlen(what))
		fail("write to fd %d: %s", fd, strerror(errno));
}

/* ---- fdinfo ---- */

/*
 * Print /proc/self/fdinfo/<fd> and keep its "tfd:" lines (one per watched
 * item) in items, to compare; the lines before them describe the
 * instance's own file (position, flags, mount, inode) and may differ.
 */
static void show_fdinfo(const char *who, int fd, char *items, size_t len)
{
	char path[64], line[256];
	size_t used = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		fail("%s: %s", path, strerror(errno));
	say("%s, %s:", who, path);
	items[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		printf("      %s", line);
		if (strncmp(line, "tfd:", 4) == 0 && used + strlen(line) < len) {
			strcpy(items + used, line);
			used += strlen(line);
		}
	}
	fclose(f);
	if (!used)
		fail("%s lists no tfd: lines", path);
}

/* ---- the tour ---- */

static void tour_create(struct tour *t)
{
	step(t, "Create an instance with minipoll_create1(EPOLL_CLOEXEC): it opens /dev/minipoll, and each open is a new, empty instance.");
	t->mp = minipoll_create1(EPOLL_CLOEXEC);
	if (t->mp < 0 && errno == ENOENT)
		fail("/dev/minipoll does not exist: load the module first");
	if (t->mp < 0)
		fail("minipoll_create1: %s", strerror(errno));
	say("-> instance fd %d; minipoll_is_instance(%d) = %d",
	    t->mp, t->mp, minipoll_is_instance(t->mp));
	if (minipoll_is_instance(t->mp) != 1)
		fail("the new fd is not recognised as an instance");

	step(t, "Create a real epoll too: every step is done on both, to compare.");
	t->ep = epoll_create1(EPOLL_CLOEXEC);
	if (t->ep < 0)
		fail("epoll_create1: %s", strerror(errno));
	say("-> epoll fd %d; minipoll_is_instance(%d) = %d",
	    t->ep, t->ep, minipoll_is_instance(t->ep));
	if (minipoll_is_instance(t->ep) != 0)
		fail("an epoll fd is taken for an instance");

	step(t, "Make things to watch: a pipe and a connected pair of Unix sockets.");
	if (pipe(t->pipe) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, t->sock) < 0)
		fail("pipe/socketpair: %s", strerror(errno));
	say("-> pipe: read end fd %d, write end fd %d; sockets: fd %d and fd %d",
	    t->pipe[0], t->pipe[1], t->sock[0], t->sock[1]);
}

static void tour_level_triggered(struct tour *t)
{
	step(t, "Watch the pipe's read end for EPOLLIN (readable), level-triggered; the event's data is the fd number.");
	ctl_both(t, EPOLL_CTL_ADD, t->pipe[0], EPOLLIN);

	step(t, "Watch socket fd %d for EPOLLIN|EPOLLOUT: ADD polls it at once, and an empty socket is writable, so it is queued already.",
	     t->sock[0]);
	ctl_both(t, EPOLL_CTL_ADD, t->sock[0], EPOLLIN | EPOLLOUT);

	step(t, "Wait without blocking (timeout 0): only the socket is ready, and only for writing.");
	wait_both(t, 0);

	step(t, "Write \"hello\" into the pipe and into socket fd %d, the peer of fd %d: both watched fds become readable.",
	     t->sock[1], t->sock[0]);
	write_to(t->pipe[1], "hello");
	write_to(t->sock[1], "hello");
	say("-> wrote 5 bytes to fd %d and 5 bytes to fd %d",
	    t->pipe[1], t->sock[1]);

	step(t, "Wait: both are reported, the socket now readable and writable.");
	wait_both(t, 0);

	step(t, "Wait again without reading anything: level-triggered items stay ready while data is unread, so they come again.");
	wait_both(t, 0);
}

static void tour_fdinfo(struct tour *t)
{
	char mp_items[1024], ep_items[1024];

	step(t, "Look inside: /proc/self/fdinfo lists each watched item on a \"tfd:\" line, in epoll's format. ADD always adds EPOLLERR|EPOLLHUP (0x18).");
	show_fdinfo("the instance", t->mp, mp_items, sizeof(mp_items));
	show_fdinfo("the epoll", t->ep, ep_items, sizeof(ep_items));
	if (strcmp(mp_items, ep_items) != 0)
		fail("the tfd: lines differ");
	say("-> the tfd: lines are identical (the lines above them describe each instance's own file)");
}

static void tour_edge_triggered(struct tour *t)
{
	step(t, "Stop watching the socket with EPOLL_CTL_DEL.");
	ctl_both(t, EPOLL_CTL_DEL, t->sock[0], 0);

	step(t, "Make the pipe edge-triggered with EPOLL_CTL_MOD (EPOLLIN|EPOLLET): MOD polls it again, finds it readable and queues it once.");
	ctl_both(t, EPOLL_CTL_MOD, t->pipe[0], EPOLLIN | EPOLLET);

	step(t, "Wait: the pipe is reported for that edge.");
	wait_both(t, 0);

	step(t, "Wait up to 100 ms: the data is still unread, but edge-triggered means once per change, so the wait times out empty.");
	wait_both(t, 100);

	step(t, "Write into the pipe again: new data is a new edge.");
	write_to(t->pipe[1], "again");
	say("-> wrote 5 more bytes to fd %d", t->pipe[1]);

	step(t, "Wait: the pipe is reported once more.");
	wait_both(t, 0);

	step(t, "Close the pipe's write end: the reader gets EPOLLHUP, reported although never asked for.");
	if (close(t->pipe[1]) < 0)
		fail("close: %s", strerror(errno));
	t->pipe[1] = -1;
	wait_both(t, 0);
}

static void tour_close(struct tour *t)
{
	int fds[] = { t->pipe[0], t->sock[0], t->sock[1], t->ep, t->mp };
	size_t i;

	step(t, "Close everything: closing the instance frees it and every item it still watches.");
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (close(fds[i]) < 0)
			fail("close(%d): %s", fds[i], strerror(errno));
	say("-> closed fds %d, %d, %d, %d and %d", fds[0], fds[1], fds[2],
	    fds[3], fds[4]);
}

int main(int argc, char **argv)
{
	struct tour t = { .steps = 0 };

	if (argc > 1) {
		bool help = !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help");

		fprintf(help ? stdout : stderr,
			"Usage: minipoll-demo\n"
			"A step-by-step tour of minipoll, compared with the kernel's epoll.\n"
			"Needs /dev/minipoll (the module loaded); exits 1 if a step fails.\n");
		return help ? 0 : 2;
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("minipoll-demo: a tour of minipoll, the eventpoll core behind /dev/minipoll.\n"
	       "Each step says what it does and why, then shows what really happened.\n"
	       "Every step is also done on the kernel's own epoll, and the two must agree.\n");
	tour_create(&t);
	tour_level_triggered(&t);
	tour_fdinfo(&t);
	tour_edge_triggered(&t);
	tour_close(&t);
	printf("\nAll %d steps done; minipoll and the kernel's epoll agreed at every one.\n",
	       t.steps);
	return 0;
}

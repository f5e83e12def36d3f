// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * MINIPOLL_DEBUG=1: one line on stderr per interposed call, e.g.
 *   minipoll: epoll_ctl(3, EPOLL_CTL_ADD, 5, {EPOLLIN, 0x5}) = 0 [minipoll]
 *   minipoll: epoll_wait(3, 8, -1) = 1 [minipoll] {EPOLLIN, 0x5}
 * User memory is printed only after the kernel has shown it readable (a
 * successful ADD/MOD read the event; a wait wrote its results), so a call
 * that fails with EFAULT does not crash the trace.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "mp_evnames.h"
#include "shim.h"

/* Events listed per traced wait; the rest are counted as "...". */
#define TRACE_MAX_EVENTS	8

struct trace_line {
	char buf[1024];
	size_t len;
};

/* Append to the line, truncating it (always leaving room for '\n'). */
static void trace_vadd(struct trace_line *t, const char *fmt, va_list ap)
{
	size_t room = sizeof(t->buf) - 1 - t->len;
	int n = vsnprintf(t->buf + t->len, room, fmt, ap);

	if (n > 0)
		t->len += (size_t)n < room ? (size_t)n : room - 1;
}

static void trace_add(struct trace_line *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void trace_add(struct trace_line *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	trace_vadd(t, fmt, ap);
	va_end(ap);
}

static void trace_event(struct trace_line *t, const struct epoll_event *ev)
{
	char names[256];

	trace_add(t, " {%s, %#llx}", mp_events_str(ev->events, names,
						   sizeof(names)),
		  (unsigned long long)ev->data.u64);
}

/* " = 3 [minipoll]" or " = -1 EBADF (Bad file descriptor) [epoll]" */
static void trace_result(struct trace_line *t, long ret, int err,
			 const char *via)
{
	if (ret < 0)
		trace_add(t, " = -1 errno %d (%s) [%s]", err, strerror(err),
			  via);
	else
		trace_add(t, " = %ld [%s]", ret, via);
}

static void trace_emit(struct trace_line *t, int err)
{
	t->buf[t->len++] = '\n';
	if (write(STDERR_FILENO, t->buf, t->len) < 0) {
		/* Nowhere to report it. */
	}
	errno = err;
}

void shim_trace(long ret, const char *via, const struct epoll_event *out,
		const char *fmt, ...)
{
	struct trace_line t = { .len = 0 };
	int err = errno;
	va_list ap;
	long i;

	if (!(shim_flags() & SHIM_DEBUG))
		return;
	trace_add(&t, "minipoll: ");
	va_start(ap, fmt);
	trace_vadd(&t, fmt, ap);
	va_end(ap);
	trace_result(&t, ret, err, via);
	for (i = 0; out && i < ret && i < TRACE_MAX_EVENTS; i++)
		trace_event(&t, &out[i]);
	if (out && ret > TRACE_MAX_EVENTS)
		trace_add(&t, " ...");
	trace_emit(&t, err);
}

void shim_trace_ctl(long ret, const char *via, const char *call, int epfd,
		    int op, int fd, const struct epoll_event *event)
{
	struct trace_line t = { .len = 0 };
	int err = errno;

	if (!(shim_flags() & SHIM_DEBUG))
		return;
	trace_add(&t, "minipoll: %s%d, %s, %d,", call, epfd, mp_op_name(op),
		  fd);
	if (ret == 0 && op != EPOLL_CTL_DEL)
		trace_event(&t, event);
	else
		trace_add(&t, " %p", (const void *)event);
	trace_add(&t, ")");
	trace_result(&t, ret, err, via);
	trace_emit(&t, err);
}

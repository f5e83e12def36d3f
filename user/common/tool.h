/* SPDX-License-Identifier: MIT OR LGPL-2.1-or-later */
/*
 * What minipoll's tools share beyond epoll's names: messages and error
 * exits under the tool's name, option parsing, a clock, and a loopback TCP
 * listener. Not part of the library.
 */
#ifndef MINIPOLL_TOOL_H
#define MINIPOLL_TOOL_H

#include <getopt.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>

/* The tool's name for its messages, "mpbench"; each tool defines it. */
extern const char mp_prog[];

/* "PROG: MESSAGE" on stderr. */
void mp_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mp_vwarn(const char *fmt, va_list ap);

/* "PROG: MESSAGE" on stderr, then exit(1). */
void mp_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* "PROG: MESSAGE" and the usage on stderr, then exit(2). */
void mp_usage_die(void (*usage)(FILE *f), const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/*
 * getopt_long() with what every tool does the same way: -h (--help) prints
 * the usage on stdout and exits 0, an unknown option or a missing argument
 * prints it on stderr and exits 2. Returns the next option, or -1.
 */
int mp_getopt(int argc, char **argv, const char *optstring,
	      const struct option *longopts, void (*usage)(FILE *f));

/* name is one of the words of a comma-separated list (NULL: no words). */
int mp_in_list(const char *list, const char *name);

/* s, whole, as a number in [lo, hi] into *v: 0, or -1 and *v untouched. */
int mp_parse_long(const char *s, long lo, long hi, long *v);
int mp_parse_double(const char *s, double lo, double hi, double *v);

/* CLOCK_MONOTONIC in seconds. */
double mp_now_s(void);

/*
 * A TCP socket listening on 127.0.0.1 at a port the kernel picks, its
 * address in *addr; flags (SOCK_NONBLOCK, SOCK_CLOEXEC) go to socket().
 * Returns the fd, or -1 with errno set.
 */
int mp_tcp_listen(struct sockaddr_in *addr, int backlog, int flags);

#endif /* MINIPOLL_TOOL_H */

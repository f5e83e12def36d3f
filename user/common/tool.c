// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

void mp_vwarn(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", mp_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void mp_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mp_vwarn(fmt, ap);
	va_end(ap);
}

void mp_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mp_vwarn(fmt, ap);
	va_end(ap);
	exit(1);
}

void mp_usage_die(void (*usage)(FILE *f), const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mp_vwarn(fmt, ap);
	va_end(ap);
	usage(stderr);
	exit(2);
}

int mp_getopt(int argc, char **argv, const char *optstring,
	      const struct option *longopts, void (*usage)(FILE *f))
{
	int c = getopt_long(argc, argv, optstring, longopts, NULL);

	if (c == 'h') {
		usage(stdout);
		exit(0);
	}
	if (c == '?' || c == ':') {
		usage(stderr);
		exit(2);
	}
	return c;
}

int mp_in_list(const char *list, const char *name)
{
	size_t len = strlen(name);

	while (list && *list) {
		if (!strncmp(list, name, len) && (list[len] == ',' || !list[len]))
			return 1;
		list = strchr(list, ',');
		if (list)
			list++;
	}
	return 0;
}

int mp_parse_long(const char *s, long lo, long hi, long *v)
{
	char *end;
	long l;

	errno = 0;
	l = strtol(s, &end, 10);
	if (errno || end == s || *end || l < lo || l > hi)
		return -1;
	*v = l;
	return 0;
}

int mp_parse_double(const char *s, double lo, double hi, double *v)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || *end || !(d >= lo && d <= hi))
		return -1;
	*v = d;
	return 0;
}

double mp_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int mp_tcp_listen(struct sockaddr_in *addr, int backlog, int flags)
{
	socklen_t len = sizeof(*addr);
	int fd, one = 1, err;

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | flags, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) < 0 ||
	    listen(fd, backlog) < 0 ||
	    getsockname(fd, (struct sockaddr *)addr, &len) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

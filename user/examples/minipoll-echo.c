// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * minipoll-echo: one TCP echo server, written once against the epoll API,
 * run on the real epoll or on minipoll, serving a burst of loopback
 * clients. mptrace(8) watches it in `make demo` and in tests/mptrace_test.sh.
 *
 * The server is a single thread with one instance watching the listening
 * socket, each connection (EPOLLIN, level-triggered unless --et) and an
 * eventfd that says stop. With --et every fd is edge-triggered and each
 * event is followed by reads until EAGAIN, as ET servers do; run with
 * --epoll under minipoll-run, that is a server the shim serves from a fed
 * ready ring (Documentation/ring.md). The clients are threads with blocking sockets and no epoll of
 * their own, so that everything the tracer counts is the server's: each
 * sends a message, reads the echo back whole and checks it, ROUNDS times.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <minipoll.h>

#include "mp_api.h"
#include "tool.h"

#define MAX_EVENTS	64
#define MAX_CLIENTS	256
#define MAX_SIZE	65536

const char mp_prog[] = "minipoll-echo";

/* The server runs on the real epoll, on minipoll, or on each in turn. */
static const struct mp_impl *const impls[] = { &mp_epoll, &mp_minipoll };

struct server {
	const struct mp_impl *impl;
	int inst;		/* the instance */
	int lfd;		/* listening socket */
	int stopfd;		/* eventfd: written when the clients are done */
	struct sockaddr_in addr;
	unsigned long events;	/* events the waits returned */
	int err;		/* errno of the first failure, else 0 */
};

struct client {
	const struct sockaddr_in *addr;
	int rounds, size;
	int err;		/* errno of the first failure, or EBADMSG */
	pthread_t thread;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: minipoll-echo [--epoll|--minipoll|--both] [--et] [-c CLIENTS] [-n ROUNDS] [-s SIZE]\n"
"\n"
"A TCP echo server on 127.0.0.1 written against the epoll API, run on the\n"
"real epoll (--epoll), on minipoll (--minipoll, the default) or on one then\n"
"the other (--both), serving CLIENTS loopback clients (default 8) that each\n"
"send ROUNDS messages (default 200) of SIZE bytes (default 64) and check the\n"
"echoes. --et watches every fd edge-triggered and reads until EAGAIN.\n"
"Exit status 0 when every echo came back intact.\n");
}

static int parse_int(const char *opt, const char *s, int lo, int hi)
{
	long v;

	if (mp_parse_long(s, lo, hi, &v) < 0) {
		fprintf(stderr, "%s: %s: '%s' is not in [%d, %d]\n", mp_prog, opt, s, lo, hi);
		exit(2);
	}
	return (int)v;
}

/* ---- the server ---- */

/* EPOLLET with --et. */
static uint32_t watch_flags;

static int watch(struct server *s, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN | watch_flags, .data.fd = fd };

	return s->impl->ctl(s->inst, EPOLL_CTL_ADD, fd, &ev);
}

/*
 * Echo what one read brings: 1 if more may be there, 0 when nothing is
 * (EAGAIN), -1 when the connection is finished with.
 */
static int echo_once(int fd)
{
	char buf[MAX_SIZE];
	ssize_t n, off, w;

	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	/* The client waits for its echo before sending more: this fits. */
	for (off = 0; off < n; off += w) {
		w = write(fd, buf + off, n - off);
		if (w < 0)
			return -1;
	}
	return 1;
}

/* Echo what is there (all of it with --et); false when finished with. */
static bool echo(int fd)
{
	int r;

	do
		r = echo_once(fd);
	while (r > 0 && watch_flags);
	return r >= 0;
}

static void *serve(void *arg)
{
	struct server *s = arg;
	struct epoll_event evs[MAX_EVENTS];
	int i, n, fd;

	for (;;) {
		n = s->impl->wait(s->inst, evs, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			s->err = errno;
			return NULL;
		}
		s->events += n;
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == s->stopfd)
				return NULL;
			if (fd == s->lfd) {
				while ((fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					if (watch(s, fd) < 0) {
						s->err = errno;
						close(fd);
					}
				}
				continue;
			}
			if (!echo(fd)) {
				s->impl->ctl(s->inst, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
			}
		}
	}
}

static int server_open(struct server *s, const struct mp_impl *impl)
{
	memset(s, 0, sizeof(*s));
	s->impl = impl;
	s->inst = impl->create1(EPOLL_CLOEXEC);
	if (s->inst < 0)
		return -1;
	s->lfd = mp_tcp_listen(&s->addr, MAX_CLIENTS, SOCK_NONBLOCK | SOCK_CLOEXEC);
	s->stopfd = eventfd(0, EFD_CLOEXEC);
	if (s->lfd < 0 || s->stopfd < 0)
		return -1;
	if (watch(s, s->lfd) < 0 || watch(s, s->stopfd) < 0)
		return -1;
	return 0;
}

/* ---- the clients ---- */

static void *client_run(void *arg)
{
	struct client *c = arg;
	char out[MAX_SIZE], in[MAX_SIZE];
	int fd, r, one = 1;
	ssize_t n, got;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)c->addr, sizeof(*c->addr)) < 0) {
		c->err = errno;
		goto out;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (r = 0; r < c->rounds; r++) {
		memset(out, 'a' + r % 26, c->size);
		if (write(fd, out, c->size) != c->size) {
			c->err = errno ? errno : EIO;
			goto out;
		}
		for (got = 0; got < c->size; got += n) {
			n = read(fd, in + got, c->size - got);
			if (n <= 0) {
				c->err = n < 0 ? errno : ECONNRESET;
				goto out;
			}
		}
		if (memcmp(in, out, c->size) != 0) {
			c->err = EBADMSG;
			goto out;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* One server on impl, nclients clients; 0 if every echo came back. */
static int run(const struct mp_impl *impl, int nclients, int rounds, int size)
{
	static struct client clients[MAX_CLIENTS];
	struct server s;
	pthread_t srv;
	uint64_t one = 1;
	double t0, t;
	int i, err, failed = 0;

	if (server_open(&s, impl) < 0) {
		fprintf(stderr, "minipoll-echo: %s: cannot set up the server: %s%s\n",
			impl->name, strerror(errno),
			errno == ENOENT ? " (is the minipoll module loaded?)" : "");
		return 1;
	}
	err = pthread_create(&srv, NULL, serve, &s);
	if (err) {
		fprintf(stderr, "minipoll-echo: pthread_create: %s\n", strerror(err));
		return 1;
	}
	t0 = mp_now_s();
	for (i = 0; i < nclients; i++) {
		clients[i] = (struct client){ .addr = &s.addr, .rounds = rounds, .size = size };
		err = pthread_create(&clients[i].thread, NULL, client_run, &clients[i]);
		if (err)
			mp_die("pthread_create: %s", strerror(err));
	}
	for (i = 0; i < nclients; i++) {
		pthread_join(clients[i].thread, NULL);
		if (clients[i].err && !failed++)
			fprintf(stderr, "minipoll-echo: %s: client %d: %s\n", impl->name, i,
				strerror(clients[i].err));
	}
	t = mp_now_s() - t0;
	if (write(s.stopfd, &one, sizeof(one)) != sizeof(one))
		fprintf(stderr, "minipoll-echo: eventfd write: %s\n", strerror(errno));
	pthread_join(srv, NULL);
	if (s.err) {
		fprintf(stderr, "minipoll-echo: %s: server: %s\n", impl->name, strerror(s.err));
		failed++;
	}
	printf("minipoll-echo: %-8s %d clients x %d round trips of %d bytes in %.2f s "
	       "(%.0f/s), %lu events from the waits%s\n",
	       impl->name, nclients, rounds, size, t, nclients * rounds / t, s.events,
	       failed ? ", FAILED" : "");
	fflush(stdout);
	close(s.lfd);
	close(s.stopfd);
	close(s.inst);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "epoll", no_argument, NULL, 'e' },
		{ "minipoll", no_argument, NULL, 'm' },
		{ "both", no_argument, NULL, 'b' },
		{ "et", no_argument, NULL, 'E' },
		{ "clients", required_argument, NULL, 'c' },
		{ "rounds", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int nclients = 8, rounds = 200, size = 64, c, rc = 0;
	bool use[2] = { false, true };

	while ((c = getopt_long(argc, argv, "c:n:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			use[0] = true;
			use[1] = false;
			break;
		case 'm':
			use[0] = false;
			use[1] = true;
			break;
		case 'b':
			use[0] = use[1] = true;
			break;
		case 'E':
			watch_flags = EPOLLET;
			break;
		case 'c':
			nclients = parse_int("-c", optarg, 1, MAX_CLIENTS);
			break;
		case 'n':
			rounds = parse_int("-n", optarg, 1, 1000000);
			break;
		case 's':
			size = parse_int("-s", optarg, 1, MAX_SIZE);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	for (c = 0; c < 2; c++)
		if (use[c])
			rc |= run(impls[c], nclients, rounds, size);
	return rc;
}

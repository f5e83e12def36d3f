// SPDX-License-Identifier: GPL-2.0
/*
 * ring_burst: an edge-triggered worker loop written against epoll alone,
 * for ring_shim_test.sh to run under minipoll-run. A client thread writes
 * one byte to each of SOCKETS socket pairs, ROUNDS times, keeping at most
 * two rounds ahead of the worker. The worker is what nginx-style and
 * Go-netpoller-style loops do: epoll_wait() for a few events, read each
 * socket until EAGAIN, handle what it read (a little work), wait again -
 * so events keep arriving while it works. It prints how many epoll_wait() calls
 * it made and how many returned events; the test compares that with the
 * system calls strace saw.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define SOCKETS		16
#define ROUNDS		200
#define MAXEVENTS	8
#define WORK		20000	/* loop turns per request handled */

static int sv[SOCKETS][2];
static unsigned int consumed;

/* Handling a request: time in which more events arrive. */
static void handle(void)
{
	volatile unsigned int i;

	for (i = 0; i < WORK; i++)
		;
}

static void *client(void *arg)
{
	unsigned int round, i;

	(void)arg;
	for (round = 1; round <= ROUNDS; round++) {
		for (i = 0; i < SOCKETS; i++)
			if (write(sv[i][1], "x", 1) != 1)
				exit(3);
		while (__atomic_load_n(&consumed, __ATOMIC_ACQUIRE) + 2 * SOCKETS <
		       round * SOCKETS)
			sched_yield();
	}
	return NULL;
}

int main(void)
{
	struct epoll_event ev, evs[MAXEVENTS];
	unsigned long calls = 0, with_events = 0;
	pthread_t th;
	char buf[16];
	int ep, i, n;
	ssize_t got;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return 2;
	for (i = 0; i < SOCKETS; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv[i]))
			return 2;
		ev.events = EPOLLIN | EPOLLET;
		ev.data.u32 = i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, sv[i][0], &ev))
			return 2;
	}
	if (pthread_create(&th, NULL, client, NULL))
		return 2;
	while (__atomic_load_n(&consumed, __ATOMIC_RELAXED) < ROUNDS * SOCKETS) {
		n = epoll_wait(ep, evs, MAXEVENTS, 5000);
		calls++;
		if (n <= 0) {
			fprintf(stderr, "ring_burst: epoll_wait: %d (%m)\n", n);
			return 1;
		}
		with_events++;
		for (i = 0; i < n; i++)
			while ((got = read(sv[evs[i].data.u32][0], buf, sizeof(buf))) > 0) {
				handle();
				__atomic_add_fetch(&consumed, got, __ATOMIC_RELEASE);
			}
	}
	pthread_join(th, NULL);
	printf("calls %lu with_events %lu\n", calls, with_events);
	return 0;
}

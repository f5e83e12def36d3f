// SPDX-License-Identifier: GPL-2.0
/*
 * patterns_test: the ways real programs drive epoll, replayed on each
 * implementation: Go's netpoller, a main/sub reactor, and an accept loop
 * shared by workers with EPOLLEXCLUSIVE. Compared with epoll.
 */
#include "mp_impl.h"

MP_FIXTURE(patterns);

#define GO_EVENTS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)

/*
 * Go's runtime/netpoll_epoll.go: every event becomes 'r' and/or 'w' for the
 * goroutines parked on that fd; the break eventfd is drained.
 */
static void go_netpoll(struct mp_tr *t, const struct mp_impl *I, int ep, int brk, int delay_ms,
		       const char *what)
{
	struct epoll_event evs[128];
	char line[512];
	int n, i, off;

	n = I->wait(ep, evs, 128, delay_ms);
	off = snprintf(line, sizeof(line), "netpoll(%s) = %d:", what, n);
	for (i = 0; i < n && off < (int)sizeof(line) - 32; i++) {
		uint32_t e = evs[i].events;
		char mode[3] = { 0 }, *m = mode;

		if (evs[i].data.u64 == (uint64_t)brk) {
			off += snprintf(line + off, sizeof(line) - off, " break");
			mp_efd_read(brk);
			continue;
		}
		if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			*m++ = 'r';
		if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			*m++ = 'w';
		off += snprintf(line + off, sizeof(line) - off, " fd%llu:%s%s",
				(unsigned long long)evs[i].data.u64, mode,
				e & EPOLLERR ? "(err)" : "");
	}
	if (n < 0)
		snprintf(line + off, sizeof(line) - off, " %s", mp_errname(errno));
	tr_printf(t, "    %s\n", line);
}

/* Read until EAGAIN, as a goroutine does after 'r'. */
static void go_read(struct mp_tr *t, int fd, const char *who)
{
	char buf[256];
	int total = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	tr_printf(t, "    %s read %d bytes, then %s\n", who, total,
		  n == 0 ? "EOF" : mp_errname(errno));
}

/*
 *                  ep (Go's netpoller)
 *      /        /      |      \        \
 *   brk(efd)  lis    conn1   conn2    conn3      all IN|OUT|RDHUP|ET,
 *   (IN, LT)                                     registered once for life
 *                     ^        ^        ^
 *                  client1  client2  client3   (plain sockets, not watched)
 */
MP_SCENARIO(patterns, go_netpoller_connections)
{
	int ep, brk, lis, port, cli[3], srv[3], i, n = 0;
	char msg[32];

	ep = I->create1(EPOLL_CLOEXEC);
	brk = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	REQUIRE(ep >= 0 && brk >= 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, brk, EV(EPOLLIN, brk)));
	lis = mp_tcp_listener(&port);
	if (lis < 0)
		SKIP_SCENARIO("no TCP on 127.0.0.1: %s", mp_errname(errno));
	REQUIRE(fcntl(lis, F_SETFL, O_NONBLOCK) == 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, lis, EV(GO_EVENTS, lis)));
	go_netpoll(t, I, ep, brk, 0, "0");
	for (i = 0; i < 3; i++) {
		cli[i] = mp_tcp_connect(port);
		REQUIRE(cli[i] >= 0);
	}
	REQUIRE(mp_await_backlog(lis, 3, 5000) == 0);
	go_netpoll(t, I, ep, brk, 1000, "1000");
	/* the accepting goroutine: accept until EAGAIN, register each conn */
	while (n < 3 && (srv[n] = accept4(lis, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		R(I->ctl(ep, EPOLL_CTL_ADD, srv[n], EV(GO_EVENTS, srv[n])));
		n++;
	}
	REQUIRE(n == 3);
	R(accept4(lis, NULL, NULL, SOCK_NONBLOCK));
	go_netpoll(t, I, ep, brk, 0, "0");
	go_netpoll(t, I, ep, brk, 0, "0");
	/* requests arrive in the order 2, 0, 1 */
	for (i = 0; i < 3; i++) {
		int c = (i + 2) % 3;

		snprintf(msg, sizeof(msg), "GET /%d", c);
		REQUIRE(mp_put(cli[c], msg) == (int)strlen(msg));
		mp_await(srv[c], POLLIN, 5000);
	}
	go_netpoll(t, I, ep, brk, 0, "0");
	for (i = 0; i < 3; i++) {
		go_read(t, srv[i], "conn");
		snprintf(msg, sizeof(msg), "200 OK %d", i);
		REQUIRE(mp_put(srv[i], msg) == (int)strlen(msg));
	}
	/* a partial read leaves data but gives no new edge */
	REQUIRE(mp_put(cli[0], "more") == 4);
	mp_await(srv[0], POLLIN, 5000);
	go_netpoll(t, I, ep, brk, 0, "0");
	R(read(srv[0], msg, 2));
	go_netpoll(t, I, ep, brk, 0, "0");
	go_read(t, srv[0], "conn0");
	/* client 1 hangs up: 'r' with RDHUP, read gives EOF, the fd is closed without DEL */
	mp_await(cli[1], POLLIN, 5000);		/* its reply is there, unread */
	close(cli[1]);
	mp_await(srv[1], POLLRDHUP | POLLERR | POLLHUP, 5000);
	go_netpoll(t, I, ep, brk, 0, "0");
	go_read(t, srv[1], "conn1");
	close(srv[1]);
	/* a deadline with nothing to do */
	go_netpoll(t, I, ep, brk, 20, "20");
	FDINFO(ep);
	for (i = 0; i < 3; i++) {
		if (i != 1) {
			close(cli[i]);
			close(srv[i]);
		}
	}
	close(lis);
	close(brk);
	close(ep);
}

struct go_poller {
	struct mp_tr *t;
	const struct mp_impl *I;
	int ep, brk;
	volatile pid_t tid;
};

static void *go_poller_thread(void *arg)
{
	struct go_poller *g = arg;

	g->tid = mp_gettid();
	go_netpoll(g->t, g->I, g->ep, g->brk, -1, "-1, in the poller thread");
	return NULL;
}

/*
 *   poller thread: netpoll(-1)        main: netpollBreak() = write(brk)
 *         |
 *         ep
 *        /   \
 *     brk     a socket with nothing to say
 *
 * A blocked netpoll is broken by the eventfd and returns only it.
 */
MP_SCENARIO(patterns, go_netpoll_break)
{
	struct go_poller g = { .t = t, .I = I };
	int sv[2];
	pthread_t th;

	g.ep = I->create1(EPOLL_CLOEXEC);
	g.brk = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	REQUIRE(g.ep >= 0 && g.brk >= 0 && mp_socketpair(SOCK_STREAM, sv) == 0);
	R(I->ctl(g.ep, EPOLL_CTL_ADD, g.brk, EV(EPOLLIN, g.brk)));
	R(I->ctl(g.ep, EPOLL_CTL_ADD, sv[0], EV(GO_EVENTS, sv[0])));
	go_netpoll(t, I, g.ep, g.brk, 0, "0");
	th = mp_thread(go_poller_thread, &g);
	while (!g.tid)
		mp_msleep(2);
	mp_wait_blocked(g.tid);
	REQUIRE(mp_efd_write(g.brk, 1) == 0);
	mp_join(th);
	go_netpoll(t, I, g.ep, g.brk, 0, "0");
	/* two breaks in a row before the poller runs: one wakeup */
	REQUIRE(mp_efd_write(g.brk, 1) == 0);
	REQUIRE(mp_efd_write(g.brk, 1) == 0);
	go_netpoll(t, I, g.ep, g.brk, 0, "0");
	go_netpoll(t, I, g.ep, g.brk, 0, "0");
	close(sv[0]);
	close(sv[1]);
	close(g.brk);
	close(g.ep);
}

#define NSUB 3
#define NCONN 7

struct sub_reactor {
	const struct mp_impl *I;
	int ep, stop, id;
	int served;			/* connections that reached EOF here */
	char log[NCONN][64];		/* what each connection said, by connection id */
	volatile pid_t tid;
};

static void *sub_loop(void *arg)
{
	struct sub_reactor *s = arg;
	struct epoll_event evs[16];
	char buf[128], reply[160];
	int n, i, running = 1;

	s->tid = mp_gettid();
	while (running) {
		n = s->I->wait(s->ep, evs, 16, -1);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			int fd = (int)(evs[i].data.u64 & 0xffff);
			int id = (int)(evs[i].data.u64 >> 16);
			ssize_t r;

			if (fd == s->stop) {
				running = 0;
				continue;
			}
			while ((r = read(fd, buf, sizeof(buf) - 1)) > 0) {
				buf[r] = 0;
				snprintf(s->log[id], sizeof(s->log[id]), "%.60s", buf);
				snprintf(reply, sizeof(reply), "%s -> sub%d", buf, s->id);
				if (write(fd, reply, strlen(reply)) < 0)
					break;
			}
			if (r == 0) {
				s->I->ctl(s->ep, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
				s->served++;
			}
		}
	}
	return NULL;
}

/*
 *        main reactor (main thread)            sub reactors (threads)
 *               ep_main                     ep_sub0   ep_sub1   ep_sub2
 *                  |                         /   \     /   \       |
 *              listener  -- accept -->   conn0  conn3 conn1 conn4  conn2 ...
 *                                       (handed over round robin by ADD
 *                                        from the main thread while the
 *                                        sub reactor sleeps in its wait)
 *
 * Each client sends one line, gets the echo from the sub reactor that owns
 * its connection, and hangs up; the sub reactor sees EOF and closes.
 */
MP_SCENARIO_TIMEOUT(patterns, main_sub_reactor, 60)
{
	struct sub_reactor sub[NSUB];
	struct epoll_event evs[4];
	pthread_t th[NSUB];
	int ep_main, lis, port, cli[NCONN], i, k;
	char buf[128];

	ep_main = I->create1(EPOLL_CLOEXEC);
	REQUIRE(ep_main >= 0);
	lis = mp_tcp_listener(&port);
	if (lis < 0)
		SKIP_SCENARIO("no TCP on 127.0.0.1: %s", mp_errname(errno));
	REQUIRE(fcntl(lis, F_SETFL, O_NONBLOCK) == 0);
	R(I->ctl(ep_main, EPOLL_CTL_ADD, lis, EV(EPOLLIN, 0x1)));
	for (k = 0; k < NSUB; k++) {
		sub[k] = (struct sub_reactor){ .I = I, .id = k };
		sub[k].ep = I->create1(EPOLL_CLOEXEC);
		sub[k].stop = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		REQUIRE(sub[k].ep >= 0 && sub[k].stop >= 0);
		R(I->ctl(sub[k].ep, EPOLL_CTL_ADD, sub[k].stop, EV(EPOLLIN, sub[k].stop)));
		th[k] = mp_thread(sub_loop, &sub[k]);
	}
	for (k = 0; k < NSUB; k++) {
		while (!sub[k].tid)
			mp_msleep(2);
		mp_wait_blocked(sub[k].tid);
	}
	for (i = 0; i < NCONN; i++) {
		int conn, n;
		struct pollfd pfd;

		cli[i] = mp_tcp_connect(port);
		REQUIRE(cli[i] >= 0);
		n = W(evs, I->wait(ep_main, evs, 4, 5000));
		conn = accept4(lis, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		REQUIRE(n == 1 && conn >= 0);
		k = i % NSUB;
		R(I->ctl(sub[k].ep, EPOLL_CTL_ADD, conn,
			 EV(EPOLLIN | EPOLLRDHUP, (uint64_t)i << 16 | conn)));
		snprintf(buf, sizeof(buf), "hello from client %d", i);
		REQUIRE(mp_put(cli[i], buf) == (int)strlen(buf));
		pfd = (struct pollfd){ .fd = cli[i], .events = POLLIN };
		R(poll(&pfd, 1, 10000));
		mp_msleep(20);
		n = read(cli[i], buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = 0;
		NOTE("client %d got: %s", i, buf);
	}
	W(evs, I->wait(ep_main, evs, 4, 0));
	for (i = 0; i < NCONN; i++)
		close(cli[i]);
	/* let the sub reactors see every EOF, then stop them */
	for (k = 0; k < NSUB; k++) {
		long deadline = mp_now_ms() + 10000;
		int want = (NCONN - k + NSUB - 1) / NSUB;

		while (sub[k].served < want && mp_now_ms() < deadline)
			mp_msleep(10);
		REQUIRE(mp_efd_write(sub[k].stop, 1) == 0);
		mp_join(th[k]);
		NOTE("sub%d served %d connections", k, sub[k].served);
		for (i = 0; i < NCONN; i++)
			if (sub[k].log[i][0])
				NOTE("sub%d conn %d said: %s", k, i, sub[k].log[i]);
		FDINFO(sub[k].ep);
		close(sub[k].ep);
		close(sub[k].stop);
	}
	close(lis);
	close(ep_main);
}

struct worker {
	const struct mp_impl *I;
	int ep, lis, stop;
	volatile int wakeups, accepted, empty;
	volatile pid_t tid;
};

static void *worker_loop(void *arg)
{
	struct worker *w = arg;
	struct epoll_event ev[4];
	int n, i, c;

	w->tid = mp_gettid();
	for (;;) {
		n = w->I->wait(w->ep, ev, 4, -1);
		if (n <= 0)
			return NULL;
		w->wakeups++;
		for (i = 0; i < n; i++) {
			if (ev[i].data.u64 == 1)
				return NULL;
			c = accept4(w->lis, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0) {
				w->accepted++;
				close(c);
			} else {
				w->empty++;
			}
		}
	}
}

/*
 *   worker0   worker1   worker2   worker3      each in its own instance,
 *      |         |         |         |         waiting
 *     ep0       ep1       ep2       ep3
 *       \        |         |        /
 *        listener (EPOLLEXCLUSIVE in each)
 *
 * One connection at a time: each wakes exactly one worker, which accepts it.
 */
MP_SCENARIO_TIMEOUT(patterns, exclusive_accept_workers, 60)
{
	struct worker w[4];
	pthread_t th[4];
	int lis, port, i, k, c, wakeups, accepted, empty;

	lis = mp_tcp_listener(&port);
	if (lis < 0)
		SKIP_SCENARIO("no TCP on 127.0.0.1: %s", mp_errname(errno));
	REQUIRE(fcntl(lis, F_SETFL, O_NONBLOCK) == 0);
	for (k = 0; k < 4; k++) {
		w[k] = (struct worker){ .I = I, .lis = lis };
		w[k].ep = I->create1(EPOLL_CLOEXEC);
		w[k].stop = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		REQUIRE(w[k].ep >= 0 && w[k].stop >= 0);
		R(I->ctl(w[k].ep, EPOLL_CTL_ADD, lis, EV(EPOLLIN | EPOLLEXCLUSIVE, 0)));
		R(I->ctl(w[k].ep, EPOLL_CTL_ADD, w[k].stop, EV(EPOLLIN, 1)));
		th[k] = mp_thread(worker_loop, &w[k]);
	}
	for (i = 1; i <= 6; i++) {
		long deadline = mp_now_ms() + 10000;

		for (k = 0; k < 4; k++) {
			while (!w[k].tid)
				mp_msleep(2);
			mp_wait_blocked(w[k].tid);
		}
		c = mp_tcp_connect(port);
		REQUIRE(c >= 0);
		do {
			mp_msleep(10);
			for (k = 0, accepted = 0; k < 4; k++)
				accepted += w[k].accepted;
		} while (accepted < i && mp_now_ms() < deadline);
		close(c);
	}
	mp_msleep(mp_settle_ms());
	for (k = 0, wakeups = 0, accepted = 0, empty = 0; k < 4; k++) {
		wakeups += w[k].wakeups;
		accepted += w[k].accepted;
		empty += w[k].empty;
	}
	NOTE("6 connections: %d wakeups, %d accepted, %d accepts found nothing", wakeups, accepted,
	     empty);
	for (k = 0; k < 4; k++) {
		REQUIRE(mp_efd_write(w[k].stop, 1) == 0);
		mp_join(th[k]);
		close(w[k].ep);
		close(w[k].stop);
	}
	close(lis);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * targets_test: every kind of file an instance watches, through the states
 * that change its readiness: pipes and FIFOs, unix stream, datagram and
 * seqpacket sockets, TCP and UDP on 127.0.0.1, eventfd (plain and
 * EFD_SEMAPHORE), timerfd, signalfd, pidfd, inotify and ttys. Compared with
 * epoll.
 *
 * Each test watches one target (sometimes its peer too) from one instance:
 *
 *      ep
 *     /  \
 *   fd    peer         and the scenario drives the pair from outside.
 */
#include "mp_impl.h"

#include <sys/inotify.h>
#include <termios.h>

MP_FIXTURE(targets);

/* Wait for up to ms for an asynchronous event (tty work, timers): record what comes. */
#define WAIT_ASYNC(ep, evs, ms) W(evs, I->wait(ep, evs, (int)(sizeof(evs) / sizeof((evs)[0])), ms))

/*
 *      ep
 *     /  \
 *    r    w     a pipe: IN with data, OUT until full, HUP without writers,
 *               ERR without readers.
 */
MP_SCENARIO(targets, pipe_states)
{
	struct epoll_event evs[4];
	int ep, p[2];

	ep = I->create1(0);
	REQUIRE(ep >= 0 && mp_pipe(p) == 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, p[0], EV(EPOLLIN | EPOLLOUT | EPOLLRDHUP, 0x70)));
	R(I->ctl(ep, EPOLL_CTL_ADD, p[1], EV(EPOLLIN | EPOLLOUT | EPOLLRDHUP, 0x71)));
	W(evs, I->wait(ep, evs, 4, 0));
	REQUIRE(mp_put(p[1], "data") == 4);
	W(evs, I->wait(ep, evs, 4, 0));
	NOTE("filled: %d", mp_fill(p[1]) > 0);
	W(evs, I->wait(ep, evs, 4, 0));
	NOTE("drained: %d", mp_drain(p[0]) > 0);
	W(evs, I->wait(ep, evs, 4, 0));
	REQUIRE(mp_put(p[1], "x") == 1);
	close(p[1]);
	W(evs, I->wait(ep, evs, 4, 0));
	mp_drain(p[0]);
	W(evs, I->wait(ep, evs, 4, 0));
	FDINFO(ep);
	close(p[0]);
	/* the write end alone, reader gone: ERR */
	REQUIRE(mp_pipe(p) == 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, p[1], EV(EPOLLOUT, 0x72)));
	close(p[0]);
	W(evs, I->wait(ep, evs, 4, 0));
	R(write(p[1], "x", 1));
	MP_CLOSE(p[1], ep);
}

/*
 *      ep
 *     /  \
 *    r    w     a FIFO: a reader that never had a writer is not HUP; one
 *               whose writer left is.
 */
MP_SCENARIO(targets, fifo_states)
{
	struct epoll_event evs[4];
	char dir[128], path[160];
	int ep, r, w, w2;

	REQUIRE(mp_tmpdir(dir, sizeof(dir)) == 0);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	REQUIRE(mkfifo(path, 0600) == 0);
	ep = I->create1(0);
	r = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	REQUIRE(ep >= 0 && r >= 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, r, EV(EPOLLIN | EPOLLRDHUP, 0xf0)));
	W(evs, I->wait(ep, evs, 4, 0));
	w = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	REQUIRE(w >= 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, w, EV(EPOLLOUT | EPOLLET, 0xf1)));
	W(evs, I->wait(ep, evs, 4, 0));
	REQUIRE(mp_put(w, "hello") == 5);
	W(evs, I->wait(ep, evs, 4, 0));
	mp_drain(r);
	close(w);
	W(evs, I->wait(ep, evs, 4, 0));
	/* a new writer: no HUP any more */
	w2 = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	REQUIRE(w2 >= 0);
	W(evs, I->wait(ep, evs, 4, 0));
	FDINFO(ep);
	MP_CLOSE(w2, r, ep);
	unlink(path);
	rmdir(dir);
}

/*
 *      ep
 *     /  \
 *    a    b      a unix stream socketpair: OUT, IN, RDHUP after SHUT_WR,
 *                HUP after both directions, and after close.
 */
MP_SCENARIO(targets, unix_stream_pair)
{
	struct epoll_event evs[4];
	int ep, sv[2];

	ep = I->create1(0);
	REQUIRE(ep >= 0 && mp_socketpair(SOCK_STREAM, sv) == 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, sv[0], EV(EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI, 0xa)));
	W(evs, I->wait(ep, evs, 4, 0));
	REQUIRE(mp_put(sv[1], "x") == 1);
	W(evs, I->wait(ep, evs, 4, 0));
	mp_drain(sv[0]);
	R(shutdown(sv[1], SHUT_WR));
	W(evs, I->wait(ep, evs, 4, 0));
	R(shutdown(sv[0], SHUT_WR));
	W(evs, I->wait(ep, evs, 4, 0));
	close(sv[1]);
	W(evs, I->wait(ep, evs, 4, 0));
	/* a second pair: the peer closes outright */
	close(sv[0]);
	REQUIRE(mp_socketpair(SOCK_STREAM, sv) == 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, sv[0], EV(EPOLLIN | EPOLLOUT | EPOLLRDHUP, 0xb)));
	close(sv[1]);
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(sv[0], ep);
}

/*
 *      ep
 *     /  \
 *    a    b      unix datagram and seqpacket pairs.
 */
MP_SCENARIO(targets, unix_dgram_and_seqpacket)
{
	struct epoll_event evs[4];
	int ep, d[2], s[2];

	ep = I->create1(0);
	REQUIRE(ep >= 0 && mp_socketpair(SOCK_DGRAM, d) == 0 &&
		mp_socketpair(SOCK_SEQPACKET, s) == 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, d[0], EV(EPOLLIN | EPOLLOUT | EPOLLRDHUP, 0xd0)));
	R(I->ctl(ep, EPOLL_CTL_ADD, s[0], EV(EPOLLIN | EPOLLOUT | EPOLLRDHUP, 0x50)));
	W(evs, I->wait(ep, evs, 4, 0));
	REQUIRE(mp_put(d[1], "dgram") == 5);
	REQUIRE(mp_put(s[1], "seq") == 3);
	W(evs, I->wait(ep, evs, 4, 0));
	mp_drain(d[0]);
	mp_drain(s[0]);
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(d[1], s[1]);
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(d[0], s[0], ep);
}

/*
 *      ep
 *       |
 *    listener (unix stream)  <-- connect
 *
 * A pending connection makes the listener readable; accepting clears it.
 */
MP_SCENARIO(targets, unix_listener)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event evs[4];
	int ep, l, c1, c2, a;

	ep = I->create1(0);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	REQUIRE(ep >= 0 && l >= 0);
	/* abstract name, unique per process */
	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "minipoll-test-%d", getpid());
	REQUIRE(bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(l, 8) == 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, l, EV(EPOLLIN | EPOLLOUT | EPOLLRDHUP, 0x1)));
	W(evs, I->wait(ep, evs, 4, 0));
	c1 = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	c2 = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	REQUIRE(c1 >= 0 && c2 >= 0);
	R(connect(c1, (struct sockaddr *)&sa, sizeof(sa)));
	R(connect(c2, (struct sockaddr *)&sa, sizeof(sa)));
	W(evs, I->wait(ep, evs, 4, 0));
	a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	W(evs, I->wait(ep, evs, 4, 0));
	close(a);
	a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(a, c1, c2, l, ep);
}

/*
 *      ep
 *     /  \
 *    c    s      a TCP connection on 127.0.0.1: OUT, IN on data, RDHUP on FIN,
 *                ERR|HUP on RST (close with unread data).
 */
MP_SCENARIO(targets, tcp_connection)
{
	struct epoll_event evs[4];
	int ep, c, s;

	ep = I->create1(0);
	REQUIRE(ep >= 0);
	if (mp_tcp_pair(&c, &s))
		SKIP_SCENARIO("no TCP on 127.0.0.1: %s", mp_errname(errno));
	R(I->ctl(ep, EPOLL_CTL_ADD, c, EV(EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI, 0xc)));
	R(I->ctl(ep, EPOLL_CTL_ADD, s, EV(EPOLLIN | EPOLLRDHUP | EPOLLPRI, 0x5)));
	W(evs, I->wait(ep, evs, 4, 0));
	REQUIRE(mp_put(c, "request") == 7);
	mp_await(s, POLLIN, 5000);
	W(evs, I->wait(ep, evs, 4, 0));
	mp_drain(s);
	REQUIRE(mp_put(s, "reply") == 5);
	R(shutdown(s, SHUT_WR));
	mp_await(c, POLLRDHUP, 5000);
	W(evs, I->wait(ep, evs, 4, 0));
	mp_drain(c);
	W(evs, I->wait(ep, evs, 4, 0));
	/* unread data at close: the peer gets a reset */
	REQUIRE(mp_put(c, "unread") == 6);
	mp_await(s, POLLIN, 5000);
	close(s);
	mp_await(c, POLLERR, 5000);
	W(evs, I->wait(ep, evs, 4, 0));
	R(write(c, "x", 1));
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(c, ep);
}

/*
 *      ep
 *     /  \
 *    c    s      urgent data (MSG_OOB) makes the receiver EPOLLPRI.
 */
MP_SCENARIO(targets, tcp_urgent_pri)
{
	struct epoll_event evs[4];
	char b;
	int ep, c, s;

	ep = I->create1(0);
	REQUIRE(ep >= 0);
	if (mp_tcp_pair(&c, &s))
		SKIP_SCENARIO("no TCP on 127.0.0.1: %s", mp_errname(errno));
	R(I->ctl(ep, EPOLL_CTL_ADD, s, EV(EPOLLIN | EPOLLPRI | EPOLLRDBAND, 0x5)));
	R(send(c, "u", 1, MSG_OOB));
	mp_await(s, POLLPRI, 5000);
	W(evs, I->wait(ep, evs, 4, 0));
	R(recv(s, &b, 1, MSG_OOB));
	W(evs, I->wait(ep, evs, 4, 0));
	R(I->ctl(ep, EPOLL_CTL_MOD, s, EV(EPOLLPRI, 0x51)));
	R(send(c, "ab", 2, MSG_OOB));
	mp_await(s, POLLPRI, 5000);
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(c, s, ep);
}

/*
 *      ep
 *     /  \
 *    l    x      a TCP listener (IN when a connection is pending) and a
 *                client whose connect is refused (ERR|HUP).
 */
MP_SCENARIO(targets, tcp_listener_and_refused)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct epoll_event evs[4];
	int ep, l, port, c, a, x, err;
	socklen_t len = sizeof(err);

	ep = I->create1(0);
	REQUIRE(ep >= 0);
	l = mp_tcp_listener(&port);
	if (l < 0)
		SKIP_SCENARIO("no TCP on 127.0.0.1: %s", mp_errname(errno));
	R(I->ctl(ep, EPOLL_CTL_ADD, l, EV(EPOLLIN | EPOLLOUT | EPOLLRDHUP, 0x1)));
	W(evs, I->wait(ep, evs, 4, 0));
	c = mp_tcp_connect(port);
	REQUIRE(c >= 0);
	W(evs, I->wait(ep, evs, 4, 1000));
	a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	REQUIRE(a >= 0);
	W(evs, I->wait(ep, evs, 4, 0));
	/* connect to the listener's port once it is gone */
	MP_CLOSE(a, c, l);
	x = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	REQUIRE(x >= 0);
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	R(I->ctl(ep, EPOLL_CTL_ADD, x, EV(EPOLLIN | EPOLLOUT | EPOLLRDHUP, 0x2)));
	W(evs, I->wait(ep, evs, 4, 0));
	R(connect(x, (struct sockaddr *)&sin, sizeof(sin)));
	W(evs, I->wait(ep, evs, 4, 2000));
	R(getsockopt(x, SOL_SOCKET, SO_ERROR, &err, &len));
	NOTE("SO_ERROR %s", mp_errname(err));
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(x, ep);
}

/*
 *      ep
 *     /  \
 *    a    b      connected UDP sockets: OUT always, IN per datagram,
 *                ERR after a datagram to a closed port (ICMP).
 */
MP_SCENARIO(targets, udp_sockets)
{
	struct epoll_event evs[4];
	int ep, a, b, err;
	socklen_t len = sizeof(err);

	ep = I->create1(0);
	REQUIRE(ep >= 0);
	if (mp_udp_pair(&a, &b))
		SKIP_SCENARIO("no UDP on 127.0.0.1: %s", mp_errname(errno));
	R(I->ctl(ep, EPOLL_CTL_ADD, a, EV(EPOLLIN | EPOLLOUT | EPOLLRDHUP, 0xa)));
	R(I->ctl(ep, EPOLL_CTL_ADD, b, EV(EPOLLIN | EPOLLET, 0xb)));
	W(evs, I->wait(ep, evs, 4, 0));
	REQUIRE(mp_put(a, "one") == 3);
	mp_await(b, POLLIN, 5000);
	W(evs, I->wait(ep, evs, 4, 0));
	W(evs, I->wait(ep, evs, 4, 0));
	R(recv(b, (char[8]){ 0 }, 8, 0));
	REQUIRE(mp_put(a, "two") == 3);
	mp_await(b, POLLIN, 5000);
	W(evs, I->wait(ep, evs, 4, 0));
	R(recv(b, (char[8]){ 0 }, 8, 0));
	R(recv(b, (char[8]){ 0 }, 8, 0));
	W(evs, I->wait(ep, evs, 4, 0));
	/* b goes away: a's next datagram draws an ICMP port unreachable */
	close(b);
	REQUIRE(mp_put(a, "lost") == 4);
	mp_await(a, POLLERR, 5000);
	W(evs, I->wait(ep, evs, 4, 0));
	R(getsockopt(a, SOL_SOCKET, SO_ERROR, &err, &len));
	NOTE("SO_ERROR %s", mp_errname(err));
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(a, ep);
}

/*
 *      ep
 *     /  \
 *    e    s      eventfds: e plain, s with EFD_SEMAPHORE. IN while the
 *                counter is not zero, OUT while one more write fits.
 */
MP_SCENARIO(targets, eventfd_counter)
{
	struct epoll_event evs[4];
	int ep, e, s;

	ep = I->create1(0);
	e = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s = eventfd(2, EFD_NONBLOCK | EFD_CLOEXEC | EFD_SEMAPHORE);
	REQUIRE(ep >= 0 && e >= 0 && s >= 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, e, EV(EPOLLIN | EPOLLOUT, 0xe)));
	R(I->ctl(ep, EPOLL_CTL_ADD, s, EV(EPOLLIN, 0x5)));
	W(evs, I->wait(ep, evs, 4, 0));
	REQUIRE(mp_efd_write(e, 5) == 0);
	W(evs, I->wait(ep, evs, 4, 0));
	NOTE("e read %llu", (unsigned long long)mp_efd_read(e));
	NOTE("s read %llu", (unsigned long long)mp_efd_read(s));
	W(evs, I->wait(ep, evs, 4, 0));
	NOTE("s read %llu", (unsigned long long)mp_efd_read(s));
	W(evs, I->wait(ep, evs, 4, 0));
	/* the counter at its maximum, 0xfffffffffffffffe: not writable */
	REQUIRE(mp_efd_write(e, 0xfffffffffffffffeULL) == 0);
	W(evs, I->wait(ep, evs, 4, 0));
	R(write(e, &(uint64_t){ 1 }, 8));
	NOTE("e read %#llx", (unsigned long long)mp_efd_read(e));
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(e, s, ep);
}

/*
 *      ep
 *     /  \
 *    t    p      timerfds: t one-shot after 50 ms, p periodic (ET) and an
 *                absolute time in the past (ready at once).
 */
MP_SCENARIO(targets, timerfd_expiry)
{
	struct itimerspec once = { .it_value = { 0, 50 * 1000000L } };
	struct itimerspec per = { .it_value = { 0, 20 * 1000000L },
				  .it_interval = { 0, 20 * 1000000L } };
	struct itimerspec past = { .it_value = { 1, 0 } };
	struct epoll_event evs[4];
	uint64_t n;
	int ep, tf, pf;

	ep = I->create1(0);
	tf = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	pf = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	REQUIRE(ep >= 0 && tf >= 0 && pf >= 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, tf, EV(EPOLLIN | EPOLLOUT, 0x7)));
	W(evs, I->wait(ep, evs, 4, 0));
	R(timerfd_settime(tf, 0, &once, NULL));
	W(evs, I->wait(ep, evs, 4, 0));
	W(evs, I->wait(ep, evs, 4, 10000));
	R(read(tf, &n, 8));
	W(evs, I->wait(ep, evs, 4, 0));
	/* an absolute time in the past expires at once, but through the timer: wait for it */
	R(timerfd_settime(tf, TFD_TIMER_ABSTIME, &past, NULL));
	W(evs, I->wait(ep, evs, 4, 10000));
	R(read(tf, &n, 8));
	/* periodic and edge-triggered: each expiry is an edge (the timer re-arms on read) */
	R(I->ctl(ep, EPOLL_CTL_ADD, pf, EV(EPOLLIN | EPOLLET, 0x8)));
	R(timerfd_settime(pf, 0, &per, NULL));
	W(evs, I->wait(ep, evs, 4, 10000));
	R(read(pf, &n, 8));
	W(evs, I->wait(ep, evs, 4, 10000));
	R(read(pf, &n, 8));
	R(timerfd_settime(pf, 0, &(struct itimerspec){ 0 }, NULL));
	mp_msleep(50);
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(tf, pf, ep);
}

/*
 *      ep
 *       |
 *      sfd     signalfd for SIGUSR2 (blocked): IN while it is pending.
 */
MP_SCENARIO(targets, signalfd_pending)
{
	struct signalfd_siginfo si;
	struct epoll_event evs[4];
	sigset_t set;
	int ep, sfd;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	REQUIRE(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	ep = I->create1(0);
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	REQUIRE(ep >= 0 && sfd >= 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, sfd, EV(EPOLLIN | EPOLLOUT, 0x5f)));
	W(evs, I->wait(ep, evs, 4, 0));
	R(raise(SIGUSR2));
	W(evs, I->wait(ep, evs, 4, 0));
	W(evs, I->wait(ep, evs, 4, 0));
	R(read(sfd, &si, sizeof(si)));
	NOTE("signal %d", si.ssi_signo);
	W(evs, I->wait(ep, evs, 4, 0));
	/* queued from outside the thread: kill() to the process */
	R(kill(getpid(), SIGUSR2));
	W(evs, I->wait(ep, evs, 4, 0));
	R(read(sfd, &si, sizeof(si)));
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(sfd, ep);
}

/*
 *      ep
 *       |
 *     pidfd    of a child: IN when the child exits.
 */
MP_SCENARIO(targets, pidfd_exit)
{
	struct epoll_event evs[4];
	int ep, pfd, go[2], status;
	pid_t pid;

	ep = I->create1(0);
	REQUIRE(ep >= 0 && pipe2(go, O_CLOEXEC) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(7);
	}
	close(go[0]);
	pfd = syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		SKIP_SCENARIO("pidfd_open: %s", mp_errname(errno));
	}
	R(I->ctl(ep, EPOLL_CTL_ADD, pfd, EV(EPOLLIN | EPOLLOUT | EPOLLHUP, 0x9)));
	W(evs, I->wait(ep, evs, 4, 0));
	close(go[1]);
	W(evs, I->wait(ep, evs, 4, 10000));
	R(waitpid(pid, &status, 0) == pid);
	NOTE("exit status %d", WEXITSTATUS(status));
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(pfd, ep);
}

/*
 *      ep
 *       |
 *    inotify    watching a fresh directory: IN per batch of events.
 */
MP_SCENARIO(targets, inotify_events)
{
	struct epoll_event evs[4];
	char dir[128], path[160], buf[4096];
	int ep, in, fd;

	REQUIRE(mp_tmpdir(dir, sizeof(dir)) == 0);
	ep = I->create1(0);
	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	REQUIRE(ep >= 0 && in >= 0);
	REQUIRE(inotify_add_watch(in, dir, IN_CREATE | IN_DELETE) >= 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, in, EV(EPOLLIN | EPOLLET, 0x1)));
	W(evs, I->wait(ep, evs, 4, 0));
	snprintf(path, sizeof(path), "%s/a", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	REQUIRE(fd >= 0);
	close(fd);
	W(evs, I->wait(ep, evs, 4, 0));
	unlink(path);
	W(evs, I->wait(ep, evs, 4, 0));
	NOTE("read something: %d", read(in, buf, sizeof(buf)) > 0);
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(in, ep);
	rmdir(dir);
}

static int open_pty(int *master, int *slave)
{
	char *name;

	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0)
		return -1;
	if (grantpt(*master) || unlockpt(*master) || !(name = ptsname(*master))) {
		close(*master);
		return -1;
	}
	*slave = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (*slave < 0) {
		close(*master);
		return -1;
	}
	fcntl(*master, F_SETFL, O_NONBLOCK);
	return 0;
}

/*
 *     ep_m      ep_s
 *      |         |
 *    master === slave      a pty (echo off): canonical input is readable
 *                          after a newline; output reaches the master;
 *                          closing the slave hangs up the master. tty work
 *                          is asynchronous, so each change is awaited.
 */
MP_SCENARIO(targets, pty_pair)
{
	struct epoll_event evs[4];
	struct termios tio;
	int epm, eps, m, s;

	if (open_pty(&m, &s))
		SKIP_SCENARIO("no pty (/dev/ptmx, devpts): %s", mp_errname(errno));
	REQUIRE(tcgetattr(s, &tio) == 0);
	tio.c_lflag &= ~(ECHO | ECHONL);
	REQUIRE(tcsetattr(s, TCSANOW, &tio) == 0);
	epm = I->create1(0);
	eps = I->create1(0);
	REQUIRE(epm >= 0 && eps >= 0);
	R(I->ctl(eps, EPOLL_CTL_ADD, s, EV(EPOLLIN | EPOLLRDHUP, 0x5)));
	R(I->ctl(epm, EPOLL_CTL_ADD, m, EV(EPOLLIN | EPOLLRDHUP, 0x3)));
	W(evs, I->wait(eps, evs, 4, 0));
	W(evs, I->wait(epm, evs, 4, 0));
	REQUIRE(mp_put(m, "partial") == 7);
	mp_msleep(200);
	NOTE("no newline yet:");
	W(evs, I->wait(eps, evs, 4, 0));
	REQUIRE(mp_put(m, " line\n") == 6);
	WAIT_ASYNC(eps, evs, 5000);
	NOTE("slave read %d", mp_drain(s));
	W(evs, I->wait(eps, evs, 4, 0));
	W(evs, I->wait(epm, evs, 4, 0));
	REQUIRE(mp_put(s, "out\n") == 4);
	WAIT_ASYNC(epm, evs, 5000);
	mp_msleep(200);
	NOTE("master read %d", mp_drain(m));
	W(evs, I->wait(epm, evs, 4, 0));
	close(s);
	WAIT_ASYNC(epm, evs, 5000);
	W(evs, I->wait(epm, evs, 4, 0));
	MP_CLOSE(m, epm, eps);
}

/*
 *      ep
 *       |
 *     slave (OUT, ET)     output edges on a tty: the first on ADD.
 */
MP_SCENARIO(targets, pty_output)
{
	struct epoll_event evs[4];
	int ep, m, s;

	if (open_pty(&m, &s))
		SKIP_SCENARIO("no pty (/dev/ptmx, devpts): %s", mp_errname(errno));
	ep = I->create1(0);
	REQUIRE(ep >= 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, s, EV(EPOLLOUT | EPOLLET, 0x5)));
	R(I->ctl(ep, EPOLL_CTL_ADD, m, EV(EPOLLOUT, 0x3)));
	W(evs, I->wait(ep, evs, 4, 0));
	W(evs, I->wait(ep, evs, 4, 0));
	FDINFO(ep);
	MP_CLOSE(m, s, ep);
}

TEST_HARNESS_MAIN

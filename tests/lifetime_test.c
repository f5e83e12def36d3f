// SPDX-License-Identifier: GPL-2.0
/*
 * lifetime_test: what happens to items when fds and files go away
 * (EPOLL-SEMANTICS 4.7): an item belongs to its (file, fd) pair; dup and
 * close keep it while the file lives; the last close removes it; fork shares
 * the instance; a closed TCP socket is really closed (the peer sees EOF at
 * once). Compared with epoll.
 */
#include "mp_impl.h"

#include <sys/mount.h>

MP_FIXTURE(lifetime);

/*
 *      ep
 *       |  (key: file A, fd a)
 *       A  <- a (closed), d = dup(a) (open)
 *
 * After close(a) the item stays and keeps reporting; DEL a is EBADF (a is
 * not open), d is another key (ENOENT). The last close (d) removes it.
 */
MP_SCENARIO(lifetime, dup_close_keeps_item)
{
	struct epoll_event evs[4];
	int ep, p[2], d, a;

	ep = I->create1(0);
	REQUIRE(ep >= 0 && mp_pipe(p) == 0);
	a = p[0];
	R(I->ctl(ep, EPOLL_CTL_ADD, a, EV(EPOLLIN, 0xa)));
	d = dup(a);
	REQUIRE(d >= 0);
	close(a);
	FDINFO(ep);
	REQUIRE(mp_put(p[1], "x") == 1);
	W(evs, I->wait(ep, evs, 4, 0));
	R(I->ctl(ep, EPOLL_CTL_DEL, a, NULL));
	R(I->ctl(ep, EPOLL_CTL_MOD, a, EV(EPOLLIN, 1)));
	R(I->ctl(ep, EPOLL_CTL_DEL, d, NULL));
	R(I->ctl(ep, EPOLL_CTL_MOD, d, EV(EPOLLIN, 1)));
	R(I->ctl(ep, EPOLL_CTL_ADD, d, EV(EPOLLIN | EPOLLET, 0xd)));
	FDINFO(ep);
	W(evs, I->wait(ep, evs, 4, 0));
	W(evs, I->wait(ep, evs, 4, 0));
	close(d);
	NOTE("after the last close:");
	FDINFO(ep);
	W(evs, I->wait(ep, evs, 4, 0));
	R(write(p[1], "y", 1));
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(p[1], ep);
}

/*
 *      ep
 *     /  \
 *    A    B      A was added as fd n, then n was closed (A kept alive by a
 *                dup) and reused for B: two items with tfd n, different files.
 */
MP_SCENARIO(lifetime, fd_number_reused)
{
	struct epoll_event evs[4];
	int ep, a[2], b[2], n, keep;

	ep = I->create1(0);
	REQUIRE(ep >= 0 && mp_pipe(a) == 0);
	n = a[0];
	R(I->ctl(ep, EPOLL_CTL_ADD, n, EV(EPOLLIN, 0xa)));
	keep = dup(n);
	REQUIRE(keep >= 0);
	close(n);
	REQUIRE(mp_pipe(b) == 0);
	NOTE("B's read end took the number: %s", b[0] == n ? "yes" : "no");
	R(I->ctl(ep, EPOLL_CTL_MOD, n, EV(EPOLLIN, 0xb)));
	R(I->ctl(ep, EPOLL_CTL_ADD, n, EV(EPOLLIN, 0xb)));
	FDINFO(ep);
	REQUIRE(mp_put(a[1], "x") == 1);
	REQUIRE(mp_put(b[1], "x") == 1);
	W(evs, I->wait(ep, evs, 4, 0));
	R(I->ctl(ep, EPOLL_CTL_DEL, n, NULL));
	FDINFO(ep);
	W(evs, I->wait(ep, evs, 4, 0));
	R(I->ctl(ep, EPOLL_CTL_DEL, n, NULL));
	close(keep);
	FDINFO(ep);
	MP_CLOSE(a[1], b[0], b[1], ep);
}

/*
 *      ep
 *     /  \
 *    a    b      a: closed while queued (ready, not yet harvested);
 *                b: replaced with dup2() by another file.
 */
MP_SCENARIO(lifetime, close_and_dup2_over_item)
{
	struct epoll_event evs[4];
	int ep, a[2], b[2], c[2];

	ep = I->create1(0);
	REQUIRE(ep >= 0 && mp_pipe(a) == 0 && mp_pipe(b) == 0 && mp_pipe(c) == 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, a[0], EV(EPOLLIN, 0xa)));
	R(I->ctl(ep, EPOLL_CTL_ADD, b[0], EV(EPOLLIN, 0xb)));
	REQUIRE(mp_put(a[1], "x") == 1);
	REQUIRE(mp_put(b[1], "x") == 1);
	close(a[0]);
	REQUIRE(dup2(c[0], b[0]) == b[0]);
	FDINFO(ep);
	W(evs, I->wait(ep, evs, 4, 0));
	R(I->ctl(ep, EPOLL_CTL_MOD, b[0], EV(EPOLLIN, 0xc)));
	R(I->ctl(ep, EPOLL_CTL_ADD, b[0], EV(EPOLLIN, 0xc)));
	REQUIRE(mp_put(c[1], "x") == 1);
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(a[1], b[0], b[1], c[0], c[1], ep);
}

/*
 *      ep
 *       | (IN)
 *      r      the write end closes: HUP for the read end's item;
 *             the read end closes: the item goes.
 */
MP_SCENARIO(lifetime, writer_close_gives_hup)
{
	struct epoll_event evs[4];
	int ep, p[2];

	ep = I->create1(0);
	REQUIRE(ep >= 0 && mp_pipe(p) == 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, p[0], EV(EPOLLIN | EPOLLET, 0x1)));
	close(p[1]);
	W(evs, I->wait(ep, evs, 4, 0));
	W(evs, I->wait(ep, evs, 4, 0));
	FDINFO(ep);
	close(p[0]);
	FDINFO(ep);
	W(evs, I->wait(ep, evs, 4, 0));
	close(ep);
}

struct forked {
	int ep, p[2], q[2];
};

static void child_side(struct mp_tr *t, void *arg)
{
	const struct mp_impl *I = t->I;
	struct forked *f = arg;
	struct epoll_event evs[4];
	int mine[2];

	NOTE("child:");
	W(evs, I->wait(f->ep, evs, 4, 0));
	close(f->p[0]);
	W(evs, I->wait(f->ep, evs, 4, 0));
	R(I->ctl(f->ep, EPOLL_CTL_DEL, f->p[0], NULL));
	R(I->ctl(f->ep, EPOLL_CTL_ADD, f->q[1], EV(EPOLLOUT, 0xc1)));
	REQUIRE(mp_pipe(mine) == 0);
	R(I->ctl(f->ep, EPOLL_CTL_ADD, mine[1], EV(EPOLLOUT, 0xc2)));
	FDINFO(f->ep);
	R(I->ctl(f->ep, EPOLL_CTL_DEL, f->p[0], NULL));
	/* exit without closing: the child's own pipe goes with its last fd */
}

/*
 *    parent ----fork----> child
 *       \                   /
 *        ep (one open file, shared)
 *       /  |  \
 *      p   q   child's own pipe
 *
 * The child sees the parent's items, adds its own; at its exit, items on
 * files only it had are gone, the others stay.
 */
MP_SCENARIO(lifetime, fork_shares_instance)
{
	struct epoll_event evs[4];
	struct forked f;

	f.ep = I->create1(0);
	REQUIRE(f.ep >= 0 && mp_pipe(f.p) == 0 && mp_pipe(f.q) == 0);
	R(I->ctl(f.ep, EPOLL_CTL_ADD, f.p[0], EV(EPOLLIN, 0xa)));
	REQUIRE(mp_put(f.p[1], "x") == 1);
	mp_in_child(t, child_side, &f);
	NOTE("parent:");
	FDINFO(f.ep);
	W(evs, I->wait(f.ep, evs, 4, 0));
	R(I->ctl(f.ep, EPOLL_CTL_DEL, f.q[1], NULL));
	R(I->ctl(f.ep, EPOLL_CTL_DEL, f.p[0], NULL));
	FDINFO(f.ep);
	MP_CLOSE(f.p[0], f.p[1], f.q[0], f.q[1], f.ep);
}

static void child_closes_instance(struct mp_tr *t, void *arg)
{
	struct forked *f = arg;

	close(f->ep);
	NOTE("child closed its instance fd");
}

/* A child closing its copy of the instance fd changes nothing for the parent. */
MP_SCENARIO(lifetime, fork_child_closes_instance)
{
	struct epoll_event evs[4];
	struct forked f;

	f.ep = I->create1(0);
	REQUIRE(f.ep >= 0 && mp_pipe(f.p) == 0 && mp_pipe(f.q) == 0);
	R(I->ctl(f.ep, EPOLL_CTL_ADD, f.p[1], EV(EPOLLOUT, 0xa)));
	mp_in_child(t, child_closes_instance, &f);
	W(evs, I->wait(f.ep, evs, 4, 0));
	FDINFO(f.ep);
	MP_CLOSE(f.p[0], f.p[1], f.q[0], f.q[1], f.ep);
}

/*
 * Whether the peer sees EOF. How soon is printed for information (not
 * compared: loopback delivery time depends on the machine's load); on an
 * idle guest it is "at once", i.e. before close() returns.
 */
static const char *peer_state(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLRDHUP };
	long t0 = mp_now_ms();

	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLRDHUP)) {
		fprintf(stderr, "# info: the peer saw EOF at once\n");
		return "EOF";
	}
	if (mp_await(fd, POLLRDHUP, 2000) & POLLRDHUP) {
		fprintf(stderr, "# info: the peer saw EOF after %ld ms\n", mp_now_ms() - t0);
		return "EOF";
	}
	return pfd.revents & POLLIN ? "readable, no EOF within 2 s" : "nothing within 2 s";
}

/*
 *     ep1     ep2
 *      |     /   \
 *      c    c'    (c' = dup(c))        s = the server side, not watched
 *       \   /
 *        TCP  ====== s
 *
 * Closing a registered socket closes it: once its last fd is gone the peer
 * sees EOF immediately, and the instances forget it.
 */
MP_SCENARIO(lifetime, tcp_close_registered_socket)
{
	struct epoll_event evs[4];
	int ep1, ep2, c, s, d;

	ep1 = I->create1(0);
	ep2 = I->create1(0);
	REQUIRE(ep1 >= 0 && ep2 >= 0);
	if (mp_tcp_pair(&c, &s))
		SKIP_SCENARIO("no TCP on 127.0.0.1: %s", mp_errname(errno));
	R(I->ctl(ep1, EPOLL_CTL_ADD, c, EV(EPOLLIN | EPOLLOUT | EPOLLRDHUP, 0xc)));
	NOTE("one fd, one instance; close(c):");
	close(c);
	NOTE("peer: %s", peer_state(s));
	R(read(s, (char[4]){ 0 }, 4));
	FDINFO(ep1);
	W(evs, I->wait(ep1, evs, 4, 0));
	close(s);

	if (mp_tcp_pair(&c, &s))
		SKIP_SCENARIO("no TCP on 127.0.0.1: %s", mp_errname(errno));
	d = dup(c);
	REQUIRE(d >= 0);
	R(I->ctl(ep1, EPOLL_CTL_ADD, c, EV(EPOLLIN | EPOLLRDHUP, 0xc1)));
	R(I->ctl(ep2, EPOLL_CTL_ADD, c, EV(EPOLLIN | EPOLLRDHUP, 0xc2)));
	R(I->ctl(ep2, EPOLL_CTL_ADD, d, EV(EPOLLIN | EPOLLRDHUP | EPOLLET, 0xd2)));
	NOTE("two fds, two instances; close(c):");
	close(c);
	{
		struct pollfd pfd = { .fd = s, .events = POLLIN | POLLRDHUP };

		R(poll(&pfd, 1, 200));
	}
	REQUIRE(mp_put(s, "still there") == 11);
	mp_await(d, POLLIN, 5000);
	W(evs, I->wait(ep1, evs, 4, 0));
	W(evs, I->wait(ep2, evs, 4, 0));
	NOTE("then close(d):");
	close(d);
	NOTE("peer: %s", peer_state(s));
	FDINFO(ep1);
	FDINFO(ep2);
	MP_CLOSE(s, ep1, ep2);
}

struct closer {
	const struct mp_impl *I;
	int ep;
	pid_t tid;
	int ret;
	struct epoll_event ev[4];
};

static void *closer_waiter(void *arg)
{
	struct closer *c = arg;

	c->tid = mp_gettid();
	c->ret = c->I->wait(c->ep, c->ev, 4, 10000);
	return NULL;
}

/*
 *   thread: wait(ep) ...       main: close(ep), then write(p[1])
 *            |
 *           ep
 *            |
 *           p[0]
 *
 * Closing the instance fd while a thread waits on it: the waiter's
 * reference keeps the instance alive and the event still arrives.
 */
MP_SCENARIO(lifetime, close_instance_during_wait)
{
	struct closer c = { 0 };
	int p[2];
	pthread_t th;

	c.I = I;
	c.ep = I->create1(0);
	REQUIRE(c.ep >= 0 && mp_pipe(p) == 0);
	R(I->ctl(c.ep, EPOLL_CTL_ADD, p[0], EV(EPOLLIN, 0x1)));
	th = mp_thread(closer_waiter, &c);
	while (!c.tid)
		mp_msleep(5);
	mp_wait_blocked(c.tid);
	R(close(c.ep));
	REQUIRE(mp_put(p[1], "x") == 1);
	mp_join(th);
	tr_events(t, __LINE__, "wait in the thread", c.ret, 0, c.ev, 4);
	MP_CLOSE(p[0], p[1]);
}

/*
 *      ep
 *       |
 *      r    r is sent over a unix socket (SCM_RIGHTS) and closed: the file
 *           in flight keeps the item; received and closed again, it goes.
 */
MP_SCENARIO(lifetime, fd_in_flight_keeps_item)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct epoll_event evs[4];
	struct cmsghdr *cm;
	int ep, p[2], sv[2], got = -1;

	ep = I->create1(0);
	REQUIRE(ep >= 0 && mp_pipe(p) == 0 && mp_socketpair(SOCK_DGRAM, sv) == 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, p[0], EV(EPOLLIN, 0x1)));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
	R(sendmsg(sv[0], &msg, 0));
	close(p[0]);
	FDINFO(ep);
	REQUIRE(mp_put(p[1], "x") == 1);
	W(evs, I->wait(ep, evs, 4, 0));
	memset(cbuf, 0, sizeof(cbuf));
	msg.msg_controllen = sizeof(cbuf);
	R(recvmsg(sv[1], &msg, MSG_CMSG_CLOEXEC));
	cm = CMSG_FIRSTHDR(&msg);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&got, CMSG_DATA(cm), sizeof(int));
	NOTE("received an fd: %s", got >= 0 ? "yes" : "no");
	W(evs, I->wait(ep, evs, 4, 0));
	close(got);
	FDINFO(ep);
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(p[1], sv[0], sv[1], ep);
}

/*
 *    ep1   ep2      one pipe watched by two instances; closing ep1 with
 *      \   /        items in it leaves ep2 and the pipe working.
 *       p[0]
 */
MP_SCENARIO(lifetime, close_instance_with_items)
{
	struct epoll_event evs[4];
	int ep1, ep2, p[2];

	ep1 = I->create1(0);
	ep2 = I->create1(0);
	REQUIRE(ep1 >= 0 && ep2 >= 0 && mp_pipe(p) == 0);
	R(I->ctl(ep1, EPOLL_CTL_ADD, p[0], EV(EPOLLIN, 0x1)));
	R(I->ctl(ep1, EPOLL_CTL_ADD, p[1], EV(EPOLLOUT, 0x2)));
	R(I->ctl(ep2, EPOLL_CTL_ADD, p[0], EV(EPOLLIN, 0x3)));
	REQUIRE(mp_put(p[1], "x") == 1);
	close(ep1);
	W(evs, I->wait(ep2, evs, 4, 0));
	REQUIRE(mp_put(p[1], "x") == 1);
	W(evs, I->wait(ep2, evs, 4, 0));
	FDINFO(ep2);
	ep1 = I->create1(0);
	R(I->ctl(ep1, EPOLL_CTL_ADD, p[0], EV(EPOLLIN, 0x4)));
	W(evs, I->wait(ep1, evs, 4, 0));
	MP_CLOSE(ep1, ep2, p[0], p[1]);
}

/*
 * Without a working release hook minipoll cannot see a watched file's last
 * close, so it must not rely on the hook then: it pins the files it
 * watches instead (Documentation/differences.md, section 1). kprobes are
 * disarmed for the whole system through debugfs (root), with one item
 * attached before and one after; their pipes must stay open while
 * watched, where epoll's closes; deleting the items (closing the
 * instance) drops the pins; once kprobes are armed again, a new item
 * follows its file's lifetime as on epoll. Raw, not a scenario: epoll's
 * answers are taken in the same run, and the two are meant to differ.
 */
#define KPROBES_ENABLED "/sys/kernel/debug/kprobes/enabled"

/* Close @p[0] (watched), then write to @p[1]: 1, or -errno. */
static int write_after_reader_close(int p[2])
{
	int ret;

	close(p[0]);
	ret = write(p[1], "x", 1);
	return ret < 0 ? -errno : ret;
}

static int kprobes_enable(int ctl, bool on)
{
	return pwrite(ctl, on ? "1" : "0", 1, 0) == 1 ? 0 : -errno;
}

TEST(hook_disarmed_pins_files)
{
	int ctl, mp, ep, a[2], b[2], c[2], d[2], wa, wb, wc;
	struct epoll_event ev = { .events = EPOLLIN };

	if (!mp_have_minipoll())
		SKIP(return, "/dev/minipoll is absent (module not loaded)");
	if (access("/sys/kernel/debug/kprobes", F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	ctl = open(KPROBES_ENABLED, O_WRONLY | O_CLOEXEC);
	if (ctl < 0)
		SKIP(return, "%s: %s (needs root and debugfs)", KPROBES_ENABLED, strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	mp = mp_minipoll.create1(0);
	ep = epoll_create1(0);
	ASSERT_LE(0, mp);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, mp_pipe(a));
	ASSERT_EQ(0, mp_pipe(b));
	ASSERT_EQ(0, mp_pipe(c));
	ASSERT_EQ(0, mp_minipoll.ctl(mp, EPOLL_CTL_ADD, a[0], &ev));

	ASSERT_EQ(0, kprobes_enable(ctl, false));
	/* Nothing may fail before kprobes are armed again. */
	ev.data.u64 = 1;
	if (mp_minipoll.ctl(mp, EPOLL_CTL_ADD, b[0], &ev) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, c[0], &ev)) {
		int err = errno;

		kprobes_enable(ctl, true);
		ASSERT_EQ(0, err) TH_LOG("ADD with kprobes disarmed: %s", strerror(err));
	}
	wa = write_after_reader_close(a);
	wb = write_after_reader_close(b);
	wc = write_after_reader_close(c);
	ASSERT_EQ(0, kprobes_enable(ctl, true));

	EXPECT_EQ(-EPIPE, wc) TH_LOG("epoll: the watched pipe closes");
	EXPECT_EQ(1, wa) TH_LOG("minipoll, item added before the disarm: pipe pinned");
	EXPECT_EQ(1, wb) TH_LOG("minipoll, item added after the disarm: pipe pinned");

	/* The pins go with the items. */
	close(mp);
	EXPECT_EQ(-EPIPE, write(a[1], "x", 1) < 0 ? -errno : 1);
	EXPECT_EQ(-EPIPE, write(b[1], "x", 1) < 0 ? -errno : 1);

	/* Armed again: a new item follows its file, as epoll's does. */
	mp = mp_minipoll.create1(0);
	ASSERT_LE(0, mp);
	ASSERT_EQ(0, mp_pipe(d));
	ASSERT_EQ(0, mp_minipoll.ctl(mp, EPOLL_CTL_ADD, d[0], &ev));
	EXPECT_EQ(wc, write_after_reader_close(d));

	MP_CLOSE(mp, ep, ctl, a[1], b[1], c[1], d[1]);
}

TEST_HARNESS_MAIN

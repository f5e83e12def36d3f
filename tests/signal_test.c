// SPDX-License-Identifier: GPL-2.0
/*
 * signal_test: signalfd targets whose wait queue goes away before the item
 * does (POLLFREE, EPOLL-SEMANTICS 4.6), compared with epoll.
 *
 * A signalfd's wait queue lives in the sighand_struct of the process that
 * polled it. Here a child process creates a signalfd, registers it in an
 * instance it shares with its parent, passes the signalfd to the parent over
 * a unix socket and exits. When the parent reaps it, the child's sighand is
 * freed and its signalfd wait queue is torn down with a POLLFREE wakeup: the
 * item must let go of that queue at once (else: use after free, which the
 * guest's kernel log check reports) yet stay in the instance, where a MOD
 * re-polls it, now against the parent.
 *
 *   parent                       child (exits, is reaped)
 *     |  <---- sfd (SCM_RIGHTS,  -- sfd = signalfd(SIGUSR1)
 *     |         same fd number)
 *     |                             ADD sfd to ep
 *     ep  (one file, shared by fork)
 *     |
 *    sfd --- its wait queue: in the child's sighand (gone after the reap)
 *
 * And the mask of epoll_pwait()/epoll_pwait2() as a signal handler sees it:
 * a signal that the call's mask unblocks interrupts the wait, and its
 * handler runs under the call's mask (plus the signal), not the caller's;
 * the caller's mask is back once the handler returns.
 */
#include "mp_impl.h"

MP_FIXTURE(signal);

/* Send fd; the payload byte is its number (they are small here). */
static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte = (char)fd;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/* Receive an fd and put it under the sender's number, so that (file, fd) keys match. */
static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd = -1;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if (fd >= 0 && fd != (unsigned char)byte) {
		if (dup3(fd, (unsigned char)byte, O_CLOEXEC) < 0)
			return -1;
		close(fd);
		fd = (unsigned char)byte;
	}
	return fd;
}

static void block_usr1(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/*
 * Fork a child that registers a fresh signalfd for SIGUSR1 in `ep` with
 * `events`, hands it over and exits. Returns the signalfd in the parent and
 * the child's pid (not yet reaped) in *pid.
 */
static int child_signalfd(const struct mp_impl *I, int ep, uint32_t events, pid_t *pid)
{
	int sv[2], sfd;
	sigset_t set;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	fflush(stdout);
	*pid = fork();
	if (*pid < 0)
		return -1;
	if (*pid == 0) {
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
		if (sfd < 0 || I->ctl(ep, EPOLL_CTL_ADD, sfd, EV(events, 0x5f)) ||
		    send_fd(sv[0], sfd))
			_exit(1);
		_exit(0);
	}
	close(sv[0]);
	sfd = recv_fd(sv[1]);
	close(sv[1]);
	return sfd;
}

static void reap(struct mp_tr *t, pid_t pid)
{
	int status = 0;

	waitpid(pid, &status, 0);
	NOTE("child reaped (its sighand is gone): exit %d", WEXITSTATUS(status));
}

/*
 * SIGUSR1 blocked, a new instance *ep, and in it an item (events) on a
 * signalfd that a child registered and handed over (child_signalfd()).
 */
static bool signalfd_item_from_child(const struct mp_impl *I, uint32_t events, int *ep,
				     int *sfd, pid_t *pid)
{
	block_usr1();
	*ep = I->create1(EPOLL_CLOEXEC);
	if (*ep < 0)
		return false;
	*sfd = child_signalfd(I, *ep, events, pid);
	return *sfd >= 0;
}

/* The basic case: after the reap the item stays, silent, until MOD re-polls it. */
MP_SCENARIO(signal, pollfree_item_stays_silent)
{
	struct epoll_event evs[4];
	int ep, sfd;
	pid_t pid;

	REQUIRE(signalfd_item_from_child(I, EPOLLIN, &ep, &sfd, &pid));
	NOTE("before the reap:");
	FDINFO(ep);
	W(evs, I->wait(ep, evs, 4, 0));
	reap(t, pid);
	W(evs, I->wait(ep, evs, 4, 0));
	FDINFO(ep);
	/* a signal for the parent: nobody polls the parent's queue yet */
	R(raise(SIGUSR1));
	W(evs, I->wait(ep, evs, 4, 0));
	/* MOD polls again, from the parent: pending, so ready */
	R(I->ctl(ep, EPOLL_CTL_MOD, sfd, EV(EPOLLIN, 0x5e)));
	W(evs, I->wait(ep, evs, 4, 0));
	R(read(sfd, (char[128]){ 0 }, 128));
	W(evs, I->wait(ep, evs, 4, 0));
	R(I->ctl(ep, EPOLL_CTL_DEL, sfd, NULL));
	FDINFO(ep);
	MP_CLOSE(sfd, ep);
}

/*
 * A signal already pending in the parent at the reap: the POLLFREE wakeup
 * queues the item and the harvest, running in the parent, finds it ready.
 */
MP_SCENARIO(signal, pollfree_with_parent_signal_pending)
{
	struct epoll_event evs[4];
	int ep, sfd;
	pid_t pid;

	REQUIRE(signalfd_item_from_child(I, EPOLLIN | EPOLLET, &ep, &sfd, &pid));
	R(raise(SIGUSR1));
	W(evs, I->wait(ep, evs, 4, 0));
	reap(t, pid);
	W(evs, I->wait(ep, evs, 4, 0));
	W(evs, I->wait(ep, evs, 4, 0));
	R(read(sfd, (char[128]){ 0 }, 128));
	W(evs, I->wait(ep, evs, 4, 0));
	close(sfd);
	FDINFO(ep);
	close(ep);
}

/* The same through an EPOLLEXCLUSIVE item. */
MP_SCENARIO(signal, pollfree_exclusive_item)
{
	struct epoll_event evs[4];
	int ep, sfd;
	pid_t pid;

	REQUIRE(signalfd_item_from_child(I, EPOLLIN | EPOLLEXCLUSIVE, &ep, &sfd, &pid));
	FDINFO(ep);
	reap(t, pid);
	W(evs, I->wait(ep, evs, 4, 0));
	R(raise(SIGUSR1));
	W(evs, I->wait(ep, evs, 4, 0));
	R(I->ctl(ep, EPOLL_CTL_DEL, sfd, NULL));
	R(I->ctl(ep, EPOLL_CTL_ADD, sfd, EV(EPOLLIN, 0x5d)));
	W(evs, I->wait(ep, evs, 4, 0));
	MP_CLOSE(sfd, ep);
}

/*
 *    outer
 *      |
 *    inner <-- the child's signalfd item
 *
 * POLLFREE under a nested instance: the outer instance sees only what the
 * inner one really has.
 */
MP_SCENARIO(signal, pollfree_nested)
{
	struct epoll_event evs[4];
	int outer, inner, sfd;
	pid_t pid;

	block_usr1();
	outer = I->create1(EPOLL_CLOEXEC);
	inner = I->create1(EPOLL_CLOEXEC);
	REQUIRE(outer >= 0 && inner >= 0);
	R(I->ctl(outer, EPOLL_CTL_ADD, inner, EV(EPOLLIN, 0x1)));
	sfd = child_signalfd(I, inner, EPOLLIN, &pid);
	REQUIRE(sfd >= 0);
	reap(t, pid);
	W(evs, I->wait(outer, evs, 4, 0));
	W(evs, I->wait(inner, evs, 4, 0));
	R(raise(SIGUSR1));
	R(I->ctl(inner, EPOLL_CTL_MOD, sfd, EV(EPOLLIN, 0x2)));
	W(evs, I->wait(outer, evs, 4, 0));
	W(evs, I->wait(inner, evs, 4, 0));
	MP_CLOSE(sfd, inner, outer);
}

/*
 * Many children in a row, each leaving a POLLFREE'd item behind, with new
 * sighands reusing the freed memory meanwhile; then everything is removed.
 * The result is simple; the kernel log check is the real judge here.
 */
MP_SCENARIO_TIMEOUT(signal, pollfree_repeated, 60)
{
	struct epoll_event evs[32];
	int ep, sfd[20], i, n, silent = 0;
	pid_t pid;

	block_usr1();
	ep = I->create1(EPOLL_CLOEXEC);
	REQUIRE(ep >= 0);
	for (i = 0; i < 20; i++) {
		sfd[i] = child_signalfd(I, ep, i & 1 ? EPOLLIN | EPOLLET : EPOLLIN, &pid);
		REQUIRE(sfd[i] >= 0);
		waitpid(pid, NULL, 0);
		n = I->wait(ep, evs, 32, 0);
		if (n == 0)
			silent++;
	}
	NOTE("waits after each reap that returned nothing: %d of 20", silent);
	R(raise(SIGUSR1));
	W(evs, I->wait(ep, evs, 32, 0));
	for (i = 0; i < 20; i++)
		if (I->ctl(ep, EPOLL_CTL_MOD, sfd[i], EV(EPOLLIN, i)))
			NOTE("MOD %d: %s", i, mp_errname(errno));
	n = I->wait(ep, evs, 32, 0);
	NOTE("after MOD of all 20, with SIGUSR1 pending: %d ready", n);
	for (i = 0; i < 20; i += 2)
		R(I->ctl(ep, EPOLL_CTL_DEL, sfd[i], NULL));
	for (i = 0; i < 20; i++)
		close(sfd[i]);
	FDINFO(ep);
	close(ep);
}

struct sfd_thread {
	const struct mp_impl *I;
	int ep, sfd;
};

static void *thread_makes_signalfd(void *arg)
{
	struct sfd_thread *s = arg;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	s->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sfd >= 0 && s->I->ctl(s->ep, EPOLL_CTL_ADD, s->sfd, EV(EPOLLIN, 0x7)))
		s->sfd = -2;
	return NULL;
}

/*
 * A thread shares its process's sighand: when it exits there is no
 * POLLFREE, and a signal to the process wakes the item as usual.
 */
MP_SCENARIO(signal, thread_exit_keeps_queue)
{
	struct sfd_thread s = { .I = I };
	struct epoll_event evs[4];

	block_usr1();
	s.ep = I->create1(EPOLL_CLOEXEC);
	REQUIRE(s.ep >= 0);
	mp_join(mp_thread(thread_makes_signalfd, &s));
	REQUIRE(s.sfd >= 0);
	W(evs, I->wait(s.ep, evs, 4, 0));
	R(kill(getpid(), SIGUSR1));
	W(evs, I->wait(s.ep, evs, 4, 0));
	R(read(s.sfd, (char[128]){ 0 }, 128));
	W(evs, I->wait(s.ep, evs, 4, 0));
	MP_CLOSE(s.sfd, s.ep);
}

/* What the SIGUSR1 handler saw: its mask, taken inside it. */
static volatile sig_atomic_t handler_runs;
static sigset_t handler_mask;

static void record_mask(int sig)
{
	sigprocmask(SIG_BLOCK, NULL, &handler_mask);
	handler_runs++;
}

/* The signals a mask blocks, by number ("10 12"), for the transcript. */
static const char *mask_str(const sigset_t *set, char *buf, size_t len)
{
	size_t n = 0;
	int sig;

	buf[0] = 0;
	for (sig = 1; sig < NSIG && n < len; sig++)
		if (sigismember(set, sig) == 1)
			n += snprintf(buf + n, len - n, "%s%d", n ? " " : "", sig);
	return n ? buf : "none";
}

/* Equal masks: the kernel fills only the first 64 bits of a sigset_t. */
static bool same_mask(const sigset_t *a, const sigset_t *b)
{
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		if (sigismember(a, sig) != sigismember(b, sig))
			return false;
	return true;
}

struct kick {
	pthread_t target;
	pid_t tid;
};

/* Send SIGUSR1 to the waiting thread once it sleeps in its wait. */
static void *usr1_when_asleep(void *arg)
{
	struct kick *k = arg;

	mp_wait_blocked(k->tid);
	pthread_kill(k->target, SIGUSR1);
	return NULL;
}

/*
 *    main: SIGUSR1 blocked           kicker thread
 *      pwait(mask: USR2 blocked,        |
 *            USR1 not)  <-- SIGUSR1 ----+  (once main sleeps)
 *      handler: records its mask
 *
 * SIGUSR1 (blocked by the caller) is unblocked by the wait's mask, which
 * blocks SIGUSR2 instead. The signal sent during the wait interrupts it
 * (-1 EINTR); the handler runs on the way out, under the wait's mask plus
 * SIGUSR1 itself: SIGUSR2 blocked. After the handler the caller's mask is
 * back: SIGUSR1 blocked, SIGUSR2 not. The same with epoll_pwait2().
 */
MP_SCENARIO(signal, pwait_mask_in_handler)
{
	struct sigaction sa = { .sa_handler = record_mask };
	struct timespec ts = { 20, 0 };
	struct epoll_event evs[4];
	sigset_t usr1, caller, wait_mask, now;
	char buf[256];
	struct kick k;
	pthread_t th;
	int ep, p[2], round;

	sigemptyset(&sa.sa_mask);
	REQUIRE(sigaction(SIGUSR1, &sa, NULL) == 0);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	REQUIRE(sigprocmask(SIG_BLOCK, &usr1, &caller) == 0);
	REQUIRE(sigprocmask(SIG_BLOCK, NULL, &caller) == 0);
	wait_mask = caller;
	sigdelset(&wait_mask, SIGUSR1);
	sigaddset(&wait_mask, SIGUSR2);
	ep = I->create1(EPOLL_CLOEXEC);
	REQUIRE(ep >= 0 && mp_pipe(p) == 0);
	REQUIRE(I->ctl(ep, EPOLL_CTL_ADD, p[0], EV(EPOLLIN, 1)) == 0);
	NOTE("caller's mask: %s", mask_str(&caller, buf, sizeof(buf)));
	NOTE("wait's mask: %s", mask_str(&wait_mask, buf, sizeof(buf)));
	for (round = 0; round < 2; round++) {
		handler_runs = 0;
		sigemptyset(&handler_mask);
		k = (struct kick){ .target = pthread_self(), .tid = mp_gettid() };
		th = mp_thread(usr1_when_asleep, &k);
		if (round == 0)
			W(evs, I->pwait(ep, evs, 4, 20000, &wait_mask));
		else
			W(evs, I->pwait2(ep, evs, 4, &ts, &wait_mask));
		mp_join(th);
		NOTE("handler ran %d time(s)", (int)handler_runs);
		NOTE("in the handler: %s", mask_str(&handler_mask, buf, sizeof(buf)));
		NOTE("in the handler: SIGUSR2 blocked %d, SIGUSR1 blocked %d",
		     sigismember(&handler_mask, SIGUSR2), sigismember(&handler_mask, SIGUSR1));
		sigprocmask(SIG_BLOCK, NULL, &now);
		NOTE("after: %s", mask_str(&now, buf, sizeof(buf)));
		NOTE("after: the caller's mask back %d",
		     sigismember(&now, SIGUSR1) == 1 && sigismember(&now, SIGUSR2) == 0 &&
		     same_mask(&now, &caller));
		sigpending(&now);
		NOTE("after: SIGUSR1 pending %d", sigismember(&now, SIGUSR1));
	}
	MP_CLOSE(p[0], p[1], ep);
}

TEST_HARNESS_MAIN

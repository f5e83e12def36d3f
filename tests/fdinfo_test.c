// SPDX-License-Identifier: GPL-2.0
/*
 * fdinfo_test: /proc/PID/fdinfo of an instance (EPOLL-SEMANTICS 4.9): the
 * exact line format and the rbtree order of the items (by file address,
 * then fd). Compared with epoll.
 *
 * The order across different files depends on where the kernel allocated
 * their struct file, so it can only be compared on the very same files:
 * the paired tests watch one set of targets from an epoll and from an
 * instance of the implementation under test, in the same run, and compare
 * the two listings line by line (inode numbers mapped to I0, I1, ... in
 * order of appearance, so that they match exactly when the order does).
 */
#include "mp_impl.h"

MP_FIXTURE(fdinfo);

/*
 *      ep
 *     / | \
 *    r  r' r''     one pipe read end under three fd numbers (dups; the
 *                  highest dup2'ed to 1000): same file, so ordered by fd.
 */
MP_SCENARIO(fdinfo, one_file_dups_in_fd_order)
{
	int ep, p[2], d1, d2;

	REQUIRE(mp_raise_nofile(1100) == 0);
	ep = I->create1(0);
	REQUIRE(ep >= 0 && mp_pipe(p) == 0);
	d1 = dup(p[0]);
	d2 = dup2(p[0], 1000);
	REQUIRE(d1 >= 0 && d2 == 1000);
	R(I->ctl(ep, EPOLL_CTL_ADD, d2, EV(EPOLLIN | EPOLLET, 0xffffffffffffffffULL)));
	R(I->ctl(ep, EPOLL_CTL_ADD, p[0], EV(EPOLLIN, 0)));
	R(I->ctl(ep, EPOLL_CTL_ADD, d1, EV(EPOLLIN | EPOLLONESHOT | EPOLLRDHUP, 0x1122334455667788ULL)));
	FDINFO_ORDER(ep);
	R(I->ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
	R(I->ctl(ep, EPOLL_CTL_ADD, p[0], EV(EPOLLPRI, 7)));
	FDINFO_ORDER(ep);
	MP_CLOSE(d1, d2, p[0], p[1], ep);
}

/*
 *      ep
 *       |
 *    /proc/self/mounts, read 10 bytes: the target's own f_pos shows as pos:
 */
MP_SCENARIO(fdinfo, target_file_position)
{
	char buf[64];
	int ep, fd;

	ep = I->create1(0);
	fd = open("/proc/self/mounts", O_RDONLY | O_CLOEXEC);
	REQUIRE(ep >= 0 && fd >= 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, fd, EV(EPOLLIN | EPOLLPRI | EPOLLERR, 0x30)));
	FDINFO_ORDER(ep);
	R(read(fd, buf, 10));
	FDINFO_ORDER(ep);
	R(read(fd, buf, 23));
	FDINFO_ORDER(ep);
	R(lseek(fd, 0, SEEK_SET));
	FDINFO_ORDER(ep);
	MP_CLOSE(fd, ep);
}

/*
 *      ep
 *       |
 *      e  (eventfd)    what ADD and MOD store: events (with ERR|HUP added),
 *                      private bits, all 64 bits of data; ONESHOT disarm.
 */
MP_SCENARIO(fdinfo, events_and_data_fields)
{
	struct epoll_event evs[2];
	int ep, e;

	ep = I->create1(EPOLL_CLOEXEC);
	e = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
	REQUIRE(ep >= 0 && e >= 0);
	R(I->ctl(ep, EPOLL_CTL_ADD, e, EV(0, 0)));
	FDINFO_ORDER(ep);
	R(I->ctl(ep, EPOLL_CTL_MOD, e, EV(EPOLLIN | EPOLLOUT | EPOLLONESHOT | EPOLLET, 0x8000000000000000ULL)));
	FDINFO_ORDER(ep);
	W(evs, I->wait(ep, evs, 2, 0));
	FDINFO_ORDER(ep);
	R(I->ctl(ep, EPOLL_CTL_MOD, e, EV(EPOLLRDNORM | EPOLLWRBAND | EPOLLMSG, 12345678)));
	FDINFO_ORDER(ep);
	MP_CLOSE(e, ep);
}

/*
 *    outer
 *     / \
 *  inner  p[0]     an instance as a target has its own line like any file.
 */
MP_SCENARIO(fdinfo, instance_as_target)
{
	int outer, inner, p[2];

	outer = I->create1(0);
	inner = I->create1(0);
	REQUIRE(outer >= 0 && inner >= 0 && mp_pipe(p) == 0);
	R(I->ctl(inner, EPOLL_CTL_ADD, p[0], EV(EPOLLIN, 1)));
	R(I->ctl(outer, EPOLL_CTL_ADD, inner, EV(EPOLLIN, 2)));
	FDINFO_ORDER(outer);
	FDINFO_ORDER(inner);
	MP_CLOSE(outer, inner, p[0], p[1]);
}

/* ------------------------------------------------------------------------ */
/* Paired: the same targets in an epoll and in an instance under test. */

#define NT 12

struct shared_targets {
	int fd[3 * NT];
	int n;
	int pipes[NT][2];
	int efd[NT];
	int sv[NT][2];
	int ep[2];	/* ep[0] on epoll, ep[1] on the implementation under test */
};

static bool targets_make(struct shared_targets *s)
{
	int i;

	s->n = 0;
	for (i = 0; i < NT; i++) {
		if (mp_pipe(s->pipes[i]) || mp_socketpair(SOCK_STREAM, s->sv[i]))
			return false;
		s->efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (s->efd[i] < 0)
			return false;
	}
	/* a mixed bag in an order unrelated to anything: some with dups */
	for (i = 0; i < NT; i++) {
		s->fd[s->n++] = s->sv[(i * 5) % NT][0];
		s->fd[s->n++] = s->pipes[(i * 7) % NT][i & 1];
		s->fd[s->n++] = s->efd[(i * 11) % NT];
	}
	return true;
}

static void targets_free(struct shared_targets *s)
{
	int i;

	for (i = 0; i < NT; i++)
		MP_CLOSE(s->pipes[i][0], s->pipes[i][1], s->sv[i][0], s->sv[i][1], s->efd[i]);
}

/* The targets, and an instance on each side: ep[0] on epoll, ep[1] on the one under test. */
static bool shared_open(struct shared_targets *s, const struct mp_impl *Ip[2])
{
	if (!targets_make(s))
		return false;
	s->ep[0] = Ip[0]->create1(0);
	s->ep[1] = Ip[1]->create1(0);
	return s->ep[0] >= 0 && s->ep[1] >= 0;
}

static void shared_close(struct shared_targets *s)
{
	MP_CLOSE(s->ep[0], s->ep[1]);
	targets_free(s);
}

static void add_all(struct mp_tr *t, const struct mp_impl *I, int ep, const int *fds, int n,
		    int step)
{
	int i, k;

	for (i = 0, k = 0; i < n; i++, k = (k + step) % n)
		if (I->ctl(ep, EPOLL_CTL_ADD, fds[k], EV(EPOLLIN | EPOLLOUT, fds[k])))
			NOTE("ADD fd %d: %s", fds[k], mp_errname(errno));
}

/*
 * SHARED_PAIRED(name): a paired scenario whose body finds the targets and
 * both instances open (shared_open()), and leaves them to be closed after
 * it.
 */
#define SHARED_PAIRED(name)						\
	static void shared_##name(struct mp_tr *tp[2], const struct mp_impl *Ip[2],	\
				  struct shared_targets *s);		\
	MP_PAIRED(fdinfo, name)						\
	{								\
		struct mp_tr *t = tp[0];				\
		struct shared_targets s;				\
									\
		REQUIRE(shared_open(&s, Ip));				\
		shared_##name(tp, Ip, &s);				\
		shared_close(&s);					\
	}								\
	static void shared_##name(struct mp_tr *tp[2], const struct mp_impl *Ip[2],	\
				  struct shared_targets *s)

/*
 *        epoll            instance under test
 *      /  |  ...  \       /   |   ...  \
 *   12 pipes (one end each), 12 socketpair ends, 12 eventfds, plus dups:
 *   both list them in the same order: file address, then fd.
 */
SHARED_PAIRED(rb_order_many_files)
{
	struct mp_tr *t = tp[0];
	int k, dups[6], i;

	for (i = 0; i < 6; i++) {
		dups[i] = dup(s->fd[i * 5]);
		REQUIRE(dups[i] >= 0);
	}
	for (k = 0; k < 2; k++) {
		add_all(tp[k], Ip[k], s->ep[k], s->fd, s->n, 7);
		add_all(tp[k], Ip[k], s->ep[k], dups, 6, 5);
		tr_fdinfo(tp[k], __LINE__, s->ep[k], false);
	}
	mp_close_fds(dups, 6);
}

/*
 * The same, after DELs and re-ADDs in another order, and MODs: the order
 * depends only on the keys.
 */
SHARED_PAIRED(rb_order_after_churn)
{
	int k, i;

	for (k = 0; k < 2; k++) {
		add_all(tp[k], Ip[k], s->ep[k], s->fd, s->n, 1);
		for (i = 0; i < s->n; i += 3)
			Ip[k]->ctl(s->ep[k], EPOLL_CTL_DEL, s->fd[i], NULL);
		for (i = 1; i < s->n; i += 4)
			Ip[k]->ctl(s->ep[k], EPOLL_CTL_MOD, s->fd[i], EV(EPOLLIN | EPOLLET, i));
		tr_fdinfo(tp[k], __LINE__, s->ep[k], false);
		for (i = s->n - 1; i >= 0; i -= 3)
			Ip[k]->ctl(s->ep[k], EPOLL_CTL_ADD, s->fd[i], EV(EPOLLOUT, 1000 + i));
		tr_fdinfo(tp[k], __LINE__, s->ep[k], false);
	}
}

/*
 * The order also decides ready-list independent things such as which items
 * a closed instance had; here: closing a file removes exactly its lines.
 */
SHARED_PAIRED(rb_order_after_closing_files)
{
	int k, i;

	for (k = 0; k < 2; k++)
		add_all(tp[k], Ip[k], s->ep[k], s->fd, s->n, 5);
	/* close some files outright (all their fds), keep others through dups */
	for (i = 0; i < NT; i += 3) {
		close(s->efd[i]);
		s->efd[i] = -1;
	}
	for (k = 0; k < 2; k++)
		tr_fdinfo(tp[k], __LINE__, s->ep[k], false);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_test: epoll_ctl's errors, their order, and what ADD/MOD/DEL store
 * (EPOLL-SEMANTICS 4.3), compared with epoll.
 *
 * Most tests use one instance and a handful of targets, some of which are
 * not pollable or not open:
 *
 *            ep  (the instance under test)
 *       _____|_________________________
 *      |     |       |        |        |
 *     p[0]  p[1]   reg      dir     opath     ...and bad fds: -1, closed, 9999
 *    (pipe ends)  (memfd) ("/")   (O_PATH)
 *
 * "notep" is an fd that is open and pollable but is not an instance (the
 * read end of a second pipe): using it as epfd is EINVAL.
 */
#include "mp_impl.h"

#include <sys/mman.h>
#include <sys/stat.h>

#define BADPTR		((struct epoll_event *)1)
#define KERNPTR		((struct epoll_event *)0xffff888000000000ULL)
#define NOFD		9999

MP_FIXTURE(ctl);

struct targets {
	int ep;		/* the instance */
	int p[2];	/* a pipe */
	int notep;	/* an open, pollable fd that is not an instance */
	int notep_w;
	int reg;	/* a regular file (memfd): no ->poll */
	int dir;	/* a directory */
	int opath;	/* an O_PATH fd */
	int closed;	/* a number that was just closed */
};

static bool targets_open(const struct mp_impl *I, struct targets *g)
{
	int q[2];

	g->ep = I->create1(EPOLL_CLOEXEC);
	if (g->ep < 0 || mp_pipe(g->p) || mp_pipe(q))
		return false;
	g->notep = q[0];
	g->notep_w = q[1];
	g->reg = memfd_create("minipoll-test", MFD_CLOEXEC);
	g->dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	g->opath = open("/dev/null", O_PATH | O_CLOEXEC);
	g->closed = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (g->reg < 0 || g->dir < 0 || g->opath < 0 || g->closed < 0)
		return false;
	close(g->closed);
	return true;
}

static void targets_close(struct targets *g)
{
	MP_CLOSE(g->ep, g->p[0], g->p[1], g->notep, g->notep_w, g->reg, g->dir, g->opath);
}

/* TARGETS_SCENARIO(name): a scenario whose body finds g->ep and the targets open. */
#define TARGETS_SCENARIO(name) \
	MP_SCENARIO_ON(ctl, name, struct targets, g, targets_open, targets_close)

/*
 * Row 0: for every op but DEL the event is copied first, so a bad pointer
 * is EFAULT whatever else is wrong.
 */
TARGETS_SCENARIO(efault_event_first)
{
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], NULL));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], BADPTR));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], KERNPTR));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0], NULL));
	/* ... before EBADF of epfd or fd */
	R(I->ctl(-1, EPOLL_CTL_ADD, g->p[0], NULL));
	R(I->ctl(g->closed, EPOLL_CTL_MOD, g->p[0], BADPTR));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, -1, NULL));
	R(I->ctl(-1, EPOLL_CTL_ADD, -1, KERNPTR));
	/* ... before EPERM, EINVAL (self, not an instance) */
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->reg, NULL));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->ep, NULL));
	R(I->ctl(g->notep, EPOLL_CTL_ADD, g->p[0], NULL));
	/* DEL does not read the event: the pointer may be anything. */
	R(I->ctl(-1, EPOLL_CTL_DEL, g->p[0], NULL));
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->p[0], BADPTR));
	FDINFO(g->ep);
}

/* An unknown op is "not DEL", so its event is copied too: EFAULT, then the rest, then EINVAL. */
TARGETS_SCENARIO(unknown_op)
{
	int op;

	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[1], EV(EPOLLOUT, 1)));
	for (op = -1; op <= 5; op++) {
		if (op == EPOLL_CTL_ADD || op == EPOLL_CTL_DEL || op == EPOLL_CTL_MOD)
			continue;
		NOTE("op %d", op);
		R(I->ctl(g->ep, op, g->p[0], NULL));
		R(I->ctl(g->ep, op, g->p[0], EV(EPOLLIN, 2)));
		R(I->ctl(g->ep, op, g->p[1], EV(EPOLLIN, 2)));
		R(I->ctl(-1, op, g->p[0], EV(EPOLLIN, 2)));
		R(I->ctl(g->ep, op, NOFD, EV(EPOLLIN, 2)));
		R(I->ctl(g->ep, op, g->reg, EV(EPOLLIN, 2)));
		R(I->ctl(g->notep, op, g->p[0], EV(EPOLLIN, 2)));
		R(I->ctl(g->ep, op, g->p[0], EV(EPOLLIN | EPOLLEXCLUSIVE, 2)));
	}
	R(I->ctl(g->ep, 0x7fffffff, g->p[0], EV(EPOLLIN, 2)));
	R(I->ctl(g->ep, (int)0x80000000, g->p[0], EV(EPOLLIN, 2)));
	FDINFO(g->ep);
}

/* Row 1: epfd not open. */
TARGETS_SCENARIO(ebadf_epfd)
{
	int ops[] = { EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL }, i;

	for (i = 0; i < 3; i++) {
		NOTE("op %d", ops[i]);
		R(I->ctl(-1, ops[i], g->p[0], EV(EPOLLIN, 1)));
		R(I->ctl(g->closed, ops[i], g->p[0], EV(EPOLLIN, 1)));
		R(I->ctl(NOFD, ops[i], g->p[0], EV(EPOLLIN, 1)));
		R(I->ctl(INT32_MAX, ops[i], g->p[0], EV(EPOLLIN, 1)));
		R(I->ctl(INT32_MIN, ops[i], g->p[0], EV(EPOLLIN, 1)));
		/* epfd is checked before fd, EPERM and EINVAL */
		R(I->ctl(-1, ops[i], -1, EV(EPOLLIN, 1)));
		R(I->ctl(-1, ops[i], g->reg, EV(EPOLLIN, 1)));
		R(I->ctl(-1, ops[i], g->p[0], EV(EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 1)));
		R(I->ctl(g->opath, ops[i], g->p[0], EV(EPOLLIN, 1)));
	}
}

/* Row 2: fd not open, O_PATH fds included (fdget() does not see them). */
TARGETS_SCENARIO(ebadf_fd)
{
	int ops[] = { EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL }, i;
	int dpath;

	dpath = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	REQUIRE(dpath >= 0);
	for (i = 0; i < 3; i++) {
		NOTE("op %d", ops[i]);
		R(I->ctl(g->ep, ops[i], -1, EV(EPOLLIN, 1)));
		R(I->ctl(g->ep, ops[i], g->closed, EV(EPOLLIN, 1)));
		R(I->ctl(g->ep, ops[i], NOFD, EV(EPOLLIN, 1)));
		R(I->ctl(g->ep, ops[i], g->opath, EV(EPOLLIN, 1)));
		R(I->ctl(g->ep, ops[i], dpath, EV(EPOLLIN, 1)));
		/* fd is checked before "epfd is not an instance" and the EXCLUSIVE rules */
		R(I->ctl(g->notep, ops[i], -1, EV(EPOLLIN, 1)));
		R(I->ctl(g->reg, ops[i], g->opath, EV(EPOLLIN, 1)));
		R(I->ctl(g->ep, ops[i], -1, EV(EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 1)));
	}
	close(dpath);
}

/* Row 3: a target without ->poll is EPERM, for every op. */
TARGETS_SCENARIO(eperm_no_poll)
{
	static const char *const paths[] = {
		"/dev/null", "/dev/zero", "/proc/self/status", "/proc/self/stat",
	};
	char dir[128], file[160];
	unsigned int i;
	int fd;

	NOTE("memfd");
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->reg, EV(EPOLLIN, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->reg, EV(EPOLLIN, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->reg, NULL));
	NOTE("directory");
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->dir, EV(EPOLLIN, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->dir, NULL));
	REQUIRE(mp_tmpdir(dir, sizeof(dir)) == 0);
	snprintf(file, sizeof(file), "%s/file", dir);
	fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	REQUIRE(fd >= 0);
	NOTE("file on tmpfs or the like");
	R(I->ctl(g->ep, EPOLL_CTL_ADD, fd, EV(EPOLLIN | EPOLLOUT, 1)));
	close(fd);
	unlink(file);
	rmdir(dir);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		fd = open(paths[i], O_RDONLY | O_CLOEXEC);
		NOTE("%s: %s", paths[i], fd >= 0 ? "open" : mp_errname(errno));
		R(I->ctl(g->ep, EPOLL_CTL_ADD, fd, EV(EPOLLIN, 1)));
		if (fd >= 0)
			close(fd);
	}
	FDINFO(g->ep);
}

/* Some pseudo files do poll: procfs and sysfs entries that say so are accepted. */
TARGETS_SCENARIO(pollable_pseudo_files)
{
	static const char *const paths[] = {
		"/proc/self/mounts", "/proc/self/mountinfo", "/proc/meminfo",
		"/proc/sys/kernel/hostname", "/sys/kernel/uevent_seqnum", "/dev/random",
		"/dev/urandom", "/dev/tty",
	};
	unsigned int i;
	int fd[8];

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		fd[i] = open(paths[i], O_RDONLY | O_CLOEXEC | O_NOCTTY);
		NOTE("%s: %s", paths[i], fd[i] >= 0 ? "open" : mp_errname(errno));
		R(I->ctl(g->ep, EPOLL_CTL_ADD, fd[i], EV(EPOLLIN | EPOLLPRI | EPOLLERR, i)));
	}
	NOTE("fdinfo pos/events only: the order of several files is compared in fdinfo_test");
	FDINFO(g->ep);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (fd[i] >= 0)
			close(fd[i]);
}

/* EPERM (row 3) comes before "epfd is not an instance" (row 5). */
TARGETS_SCENARIO(eperm_before_einval)
{
	R(I->ctl(g->notep, EPOLL_CTL_ADD, g->reg, EV(EPOLLIN, 1)));
	R(I->ctl(g->notep, EPOLL_CTL_DEL, g->dir, NULL));
	R(I->ctl(g->reg, EPOLL_CTL_ADD, g->reg, EV(EPOLLIN, 1)));
	R(I->ctl(g->reg, EPOLL_CTL_ADD, g->dir, EV(EPOLLIN, 1)));
	/* ... and before the EXCLUSIVE checks */
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->reg, EV(EPOLLIN | EPOLLEXCLUSIVE, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->reg, EV(EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 1)));
	/* a regular file as epfd with a pollable target: EINVAL */
	R(I->ctl(g->reg, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN, 1)));
	R(I->ctl(g->dir, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN, 1)));
}

/* Row 5: epfd is open but not an instance. */
TARGETS_SCENARIO(einval_epfd_not_instance)
{
	int efd, sv[2], devnull;

	efd = eventfd(0, EFD_CLOEXEC);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	REQUIRE(efd >= 0 && devnull >= 0 && mp_socketpair(SOCK_STREAM, sv) == 0);
	R(I->ctl(g->notep, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN, 1)));
	R(I->ctl(g->notep, EPOLL_CTL_MOD, g->p[0], EV(EPOLLIN, 1)));
	R(I->ctl(g->notep, EPOLL_CTL_DEL, g->p[0], NULL));
	R(I->ctl(efd, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN, 1)));
	R(I->ctl(sv[0], EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN, 1)));
	R(I->ctl(devnull, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN, 1)));
	R(I->ctl(g->p[1], EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN, 1)));
	/* not an instance, and fd == epfd */
	R(I->ctl(g->notep, EPOLL_CTL_ADD, g->notep, EV(EPOLLIN, 1)));
	MP_CLOSE(efd, devnull, sv[0], sv[1]);
}

/* Row 5: an instance cannot watch itself, under any fd number or op. */
TARGETS_SCENARIO(einval_self)
{
	int dup_ep;

	dup_ep = dup(g->ep);
	REQUIRE(dup_ep >= 0);
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->ep, EV(EPOLLIN, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->ep, EV(EPOLLIN, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->ep, NULL));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, dup_ep, EV(EPOLLIN, 1)));
	R(I->ctl(dup_ep, EPOLL_CTL_ADD, g->ep, EV(EPOLLIN, 1)));
	R(I->ctl(dup_ep, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN, 2)));
	/* self comes before the EXCLUSIVE rules */
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->ep, EV(EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->ep, EV(EPOLLIN | EPOLLEXCLUSIVE, 1)));
	FDINFO(g->ep);
	close(dup_ep);
}

/* Row 6: EPOLLEXCLUSIVE with MOD, registered or not (before ENOENT). */
TARGETS_SCENARIO(exclusive_with_mod)
{
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0], EV(EPOLLIN | EPOLLEXCLUSIVE, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0], EV(EPOLLIN | EPOLLEXCLUSIVE, 2)));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0], EV(EPOLLEXCLUSIVE, 2)));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0], EV(EPOLLOUT, 3)));
	/* DEL ignores the event and its flags */
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->p[0], EV(EPOLLIN | EPOLLEXCLUSIVE, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->p[1], EV(EPOLLIN | EPOLLEXCLUSIVE, 1)));
	FDINFO(g->ep);
}

/* Row 7: which bits may accompany EPOLLEXCLUSIVE on ADD. */
TARGETS_SCENARIO(exclusive_add_bits)
{
	static const uint32_t bits[] = {
		0, EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLWAKEUP, EPOLLET,
		EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLET, EPOLLPRI, EPOLLRDHUP,
		EPOLLRDNORM, EPOLLRDBAND, EPOLLWRNORM, EPOLLWRBAND, EPOLLMSG, EPOLLONESHOT,
		1U << 20, 1U << 27, EPOLLIN | EPOLLONESHOT, EPOLLOUT | EPOLLPRI,
	};
	char buf[128];
	unsigned int i;

	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		NOTE("EXCLUSIVE | %s", mp_evstr(bits[i], buf, sizeof(buf)));
		if (R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[1], EV(EPOLLEXCLUSIVE | bits[i], i))) == 0) {
			FDINFO(g->ep);
			R(I->ctl(g->ep, EPOLL_CTL_DEL, g->p[1], NULL));
		}
	}
}

/*
 *      ep
 *       | (EXCLUSIVE?)
 *     inner       Row 7: an instance cannot be an EXCLUSIVE target.
 */
TARGETS_SCENARIO(exclusive_instance_target)
{
	int inner;

	inner = I->create1(EPOLL_CLOEXEC);
	REQUIRE(inner >= 0);
	R(I->ctl(g->ep, EPOLL_CTL_ADD, inner, EV(EPOLLIN | EPOLLEXCLUSIVE, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, inner, EV(EPOLLEXCLUSIVE, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, inner, EV(EPOLLIN, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, inner, EV(EPOLLIN | EPOLLEXCLUSIVE, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, inner, EV(EPOLLIN | EPOLLEXCLUSIVE, 1)));
	FDINFO(g->ep);
	close(inner);
}

/* Rows 7 and 9: bad EXCLUSIVE bits beat EEXIST; good ones meet it. */
TARGETS_SCENARIO(exclusive_before_eexist)
{
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 2)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP, 2)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN | EPOLLEXCLUSIVE, 2)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN, 2)));
	FDINFO(g->ep);
}

/* Row 11: an item added with EPOLLEXCLUSIVE cannot be modified, only deleted. */
TARGETS_SCENARIO(exclusive_item_not_modifiable)
{
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN | EPOLLEXCLUSIVE, 1)));
	FDINFO(g->ep);
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0], EV(EPOLLIN, 2)));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0], EV(0, 2)));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0], EV(EPOLLIN | EPOLLEXCLUSIVE, 2)));
	FDINFO(g->ep);
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->p[0], NULL));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN, 3)));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0], EV(EPOLLOUT, 4)));
	FDINFO(g->ep);
}

/* Rows 9 and 10: EEXIST and ENOENT. */
TARGETS_SCENARIO(eexist_enoent)
{
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0], EV(EPOLLIN, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->p[0], NULL));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], EV(EPOLLOUT | EPOLLET, 9)));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0], EV(EPOLLIN | EPOLLET, 2)));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[1], EV(EPOLLIN, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->p[1], NULL));
	FDINFO(g->ep);
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->p[0], NULL));
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->p[0], NULL));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0], EV(EPOLLIN, 1)));
	FDINFO(g->ep);
}

/* The key is (file, fd): a dup of a registered fd is a different item. */
TARGETS_SCENARIO(dup_is_another_key)
{
	int d;

	d = dup(g->p[0]);
	REQUIRE(d >= 0);
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, d, EV(EPOLLIN, 2)));
	R(I->ctl(g->ep, EPOLL_CTL_DEL, d, NULL));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, d, EV(EPOLLIN | EPOLLET, 2)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, d, EV(EPOLLIN, 3)));
	FDINFO_ORDER(g->ep);
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->p[0], NULL));
	FDINFO_ORDER(g->ep);
	R(I->ctl(g->ep, EPOLL_CTL_MOD, d, EV(EPOLLOUT, 4)));
	FDINFO_ORDER(g->ep);
	close(d);
}

/* ADD and MOD always OR in EPOLLERR|EPOLLHUP, as fdinfo shows (19, 1c, 18). */
TARGETS_SCENARIO(err_hup_always_added)
{
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[1], EV(EPOLLOUT, 2)));
	FDINFO(g->ep);
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0], EV(0, 3)));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[1], EV(EPOLLERR | EPOLLHUP, 4)));
	FDINFO(g->ep);
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0], EV(EPOLLET, 5)));
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[1], EV(EPOLLONESHOT, 6)));
	FDINFO(g->ep);
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->p[0], NULL));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], EV(0, 7)));
	FDINFO(g->ep);
}

/* Every flag, and unknown bits, are stored as given (WAKEUP: root keeps it). */
TARGETS_SCENARIO(event_bits_stored)
{
	static const uint32_t masks[] = {
		EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDNORM | EPOLLRDBAND | EPOLLWRNORM |
			EPOLLWRBAND | EPOLLMSG | EPOLLRDHUP,
		EPOLLIN | EPOLLET | EPOLLONESHOT,
		EPOLLIN | EPOLLWAKEUP,
		0x20 | 0x4000 | (1U << 20) | (1U << 27),
		0x0fff0000,
		0xffffffff & ~EPOLLEXCLUSIVE,
	};
	unsigned int i;

	NOTE("euid %d", geteuid() == 0 ? 0 : 1);
	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], EV(masks[i], i)));
		FDINFO(g->ep);
		R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0], EV(masks[(i + 1) % 6], i + 100)));
		FDINFO(g->ep);
		R(I->ctl(g->ep, EPOLL_CTL_DEL, g->p[0], NULL));
	}
}

/*
 *   child (uid 65534, no CAP_BLOCK_SUSPEND) --ADD/MOD--> ep <--MOD-- parent (root)
 *                                                      /  \
 *                                                   p[0]  p[1]
 *
 * EPOLLWAKEUP is silently dropped for a caller without CAP_BLOCK_SUSPEND.
 */
static void wakeup_unprivileged(struct mp_tr *t, void *arg)
{
	const struct mp_impl *I = t->I;
	struct targets *g = arg;

	if (geteuid() == 0 &&
	    (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))) {
		NOTE("setresuid: %s", mp_errname(errno));
		return;
	}
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN | EPOLLWAKEUP, 1)));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[1], EV(EPOLLOUT | EPOLLWAKEUP | EPOLLEXCLUSIVE, 2)));
	FDINFO(g->ep);
	R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[0], EV(EPOLLIN | EPOLLWAKEUP | EPOLLET, 3)));
	FDINFO(g->ep);
}

MP_SCENARIO(ctl, wakeup_dropped_without_cap)
{
	struct targets g;

	REQUIRE(targets_open(I, &g));
	mp_in_child(t, wakeup_unprivileged, &g);
	NOTE("in the parent:");
	FDINFO(g.ep);
	R(I->ctl(g.ep, EPOLL_CTL_MOD, g.p[0], EV(EPOLLIN | EPOLLWAKEUP, 4)));
	FDINFO(g.ep);
	targets_close(&g);
}

/* 64-bit data survives ADD, MOD and the trip through wait. */
TARGETS_SCENARIO(data_roundtrip)
{
	static const uint64_t data[] = {
		0, 1, 0xffffffffffffffffULL, 0x8000000000000001ULL, 0x1122334455667788ULL,
		0x00000000ffffffffULL,
	};
	struct epoll_event evs[2];
	unsigned int i;

	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[1], EV(EPOLLOUT, data[0])));
	for (i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
		R(I->ctl(g->ep, EPOLL_CTL_MOD, g->p[1], EV(EPOLLOUT, data[i])));
		W(evs, I->wait(g->ep, evs, 2, 0));
	}
	FDINFO(g->ep);
}

/* DEL then ADD gives a fresh item with the new mask and data. */
TARGETS_SCENARIO(del_then_readd)
{
	struct epoll_event evs[2];

	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[1], EV(EPOLLOUT | EPOLLONESHOT, 1)));
	W(evs, I->wait(g->ep, evs, 2, 0));
	W(evs, I->wait(g->ep, evs, 2, 0));
	FDINFO(g->ep);
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->p[1], NULL));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[1], EV(EPOLLOUT | EPOLLONESHOT, 2)));
	FDINFO(g->ep);
	W(evs, I->wait(g->ep, evs, 2, 0));
	R(I->ctl(g->ep, EPOLL_CTL_DEL, g->p[1], NULL));
	R(I->ctl(g->ep, EPOLL_CTL_ADD, g->p[1], EV(EPOLLOUT | EPOLLET, 3)));
	W(evs, I->wait(g->ep, evs, 2, 0));
	W(evs, I->wait(g->ep, evs, 2, 0));
}

/*
 *    ep2 (closed)   d = dup(ep2) (open)
 *        \          /
 *         instance        ctl through the closed number: EBADF; through
 *            |            the dup: the same instance.
 *           p[0]
 */
TARGETS_SCENARIO(ctl_on_closed_instance)
{
	int ep2, d;

	ep2 = I->create1(0);
	REQUIRE(ep2 >= 0);
	d = dup(ep2);
	REQUIRE(d >= 0);
	R(I->ctl(ep2, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN, 1)));
	close(ep2);
	R(I->ctl(ep2, EPOLL_CTL_ADD, g->p[1], EV(EPOLLOUT, 2)));
	R(I->ctl(d, EPOLL_CTL_ADD, g->p[1], EV(EPOLLOUT, 2)));
	R(I->ctl(d, EPOLL_CTL_ADD, g->p[0], EV(EPOLLIN, 2)));
	FDINFO(d);
	close(d);
	R(I->ctl(d, EPOLL_CTL_DEL, g->p[0], NULL));
}

/*
 *                 ep
 *     /    /    ...    \     \
 *   r0  w0    ...     r39  w39     40 pipes, both ends: every ADD, MOD and
 *                                  DEL lands on the right item.
 */
TARGETS_SCENARIO(many_items)
{
	struct epoll_event evs[64];
	int p[40][2], i, n;

	for (i = 0; i < 40; i++)
		REQUIRE(mp_pipe(p[i]) == 0);
	for (i = 0; i < 40; i++) {
		R(I->ctl(g->ep, EPOLL_CTL_ADD, p[i][0], EV(EPOLLIN, i)));
		R(I->ctl(g->ep, EPOLL_CTL_ADD, p[i][1], EV(EPOLLOUT | EPOLLET, 1000 + i)));
	}
	for (i = 0; i < 40; i += 3)
		R(I->ctl(g->ep, EPOLL_CTL_DEL, p[i][1], NULL));
	for (i = 1; i < 40; i += 3)
		R(I->ctl(g->ep, EPOLL_CTL_MOD, p[i][0], EV(EPOLLIN | EPOLLOUT, 2000 + i)));
	FDINFO(g->ep);
	for (i = 0; i < 40; i += 5)
		REQUIRE(mp_put(p[i][1], "x") == 1);
	n = W(evs, I->wait(g->ep, evs, 64, 0));
	NOTE("%d", n);
	for (i = 0; i < 40; i++) {
		MP_CLOSE(p[i][0], p[i][1]);
	}
}

TEST_HARNESS_MAIN

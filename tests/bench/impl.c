// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * mpbench's waiting mechanisms: minipoll (through libminipoll), epoll,
 * poll and select, behind one struct mpb_impl.
 * For poll and select, add/mod/del keep the caller's array as a program
 * would; their wait scans it for the ready fds, which is part of what
 * using them costs.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <minipoll.h>

#include "mp_api.h"
#include "mpbench.h"

struct mpb_set {
	int fd;				/* minipoll, epoll */
	const struct mp_impl *k;	/* their calls */
	/* poll: pfd[0..n), slot[fd] = index + 1 (0: not watched) */
	struct pollfd *pfd;
	long n, cap;
	int *slot;
	long nslot;
	/* select */
	fd_set rset;
	int maxfd;
};

static struct mpb_set *set_alloc(void)
{
	struct mpb_set *s = calloc(1, sizeof(*s));

	if (!s)
		mp_die("out of memory");
	s->fd = -1;
	s->maxfd = -1;
	return s;
}

static int set_fd(struct mpb_set *s)
{
	return s->fd;
}

/*
 * ---- minipoll and epoll: libminipoll's calls have epoll's signatures, so
 * one set of wrappers serves both, through struct mp_impl ----
 */
static struct mpb_set *k_create(const struct mpb_impl *im, long cap)
{
	struct mpb_set *s = set_alloc();

	(void)cap;
	s->k = im->api;
	s->fd = s->k->create1(0);
	if (s->fd < 0)
		mp_die("%s_create1%s: %s", im->name,
		       s->k == &mp_minipoll ? " (is minipoll.ko loaded?)" : "",
		       strerror(errno));
	return s;
}

static int k_ctl3(struct mpb_set *s, int op, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	return s->k->ctl(s->fd, op, fd, &ev);
}

static int k_add(struct mpb_set *s, int fd, uint32_t events)
{
	return k_ctl3(s, EPOLL_CTL_ADD, fd, events);
}

static int k_mod(struct mpb_set *s, int fd, uint32_t events)
{
	return k_ctl3(s, EPOLL_CTL_MOD, fd, events);
}

static int k_del(struct mpb_set *s, int fd)
{
	return s->k->ctl(s->fd, EPOLL_CTL_DEL, fd, NULL);
}

static int k_wait(struct mpb_set *s, struct epoll_event *out, int max, int timeout)
{
	return s->k->wait(s->fd, out, max, timeout);
}

static void k_destroy(struct mpb_set *s)
{
	close(s->fd);
	free(s);
}

/* ---- poll: an array of struct pollfd, compacted on delete ---- */

static struct mpb_set *poll_create(const struct mpb_impl *im, long cap)
{
	struct mpb_set *s = set_alloc();

	(void)im;
	s->cap = cap > 0 ? cap : 1;
	s->pfd = calloc(s->cap, sizeof(*s->pfd));
	if (!s->pfd)
		mp_die("out of memory");
	return s;
}

static int poll_add(struct mpb_set *s, int fd, uint32_t events)
{
	if (fd >= s->nslot) {
		long ns = fd + 1024;
		int *slot = realloc(s->slot, ns * sizeof(*slot));

		if (!slot)
			mp_die("out of memory");
		memset(slot + s->nslot, 0, (ns - s->nslot) * sizeof(*slot));
		s->slot = slot;
		s->nslot = ns;
	}
	if (s->slot[fd])
		return errno = EEXIST, -1;
	if (s->n == s->cap) {
		s->cap *= 2;
		s->pfd = realloc(s->pfd, s->cap * sizeof(*s->pfd));
		if (!s->pfd)
			mp_die("out of memory");
	}
	s->pfd[s->n] = (struct pollfd){ .fd = fd, .events = (short)events };
	s->slot[fd] = ++s->n;
	return 0;
}

static int poll_mod(struct mpb_set *s, int fd, uint32_t events)
{
	if (fd < 0 || fd >= s->nslot || !s->slot[fd])
		return errno = ENOENT, -1;
	s->pfd[s->slot[fd] - 1].events = (short)events;
	return 0;
}

static int poll_del(struct mpb_set *s, int fd)
{
	long i;

	if (fd < 0 || fd >= s->nslot || !s->slot[fd])
		return errno = ENOENT, -1;
	i = s->slot[fd] - 1;
	s->pfd[i] = s->pfd[--s->n];
	s->slot[s->pfd[i].fd] = i + 1;
	s->slot[fd] = 0;
	return 0;
}

static int poll_wait(struct mpb_set *s, struct epoll_event *out, int max, int timeout)
{
	int r = poll(s->pfd, s->n, timeout), k = 0;
	long i;

	for (i = 0; r > 0 && i < s->n && k < max; i++) {
		if (!s->pfd[i].revents)
			continue;
		out[k].events = s->pfd[i].revents;
		out[k++].data.fd = s->pfd[i].fd;
		r--;
	}
	return r < 0 ? -1 : k;
}

static void poll_destroy(struct mpb_set *s)
{
	free(s->pfd);
	free(s->slot);
	free(s);
}

/* ---- select: one fd_set of readers (fds below FD_SETSIZE) ---- */

static struct mpb_set *sel_create(const struct mpb_impl *im, long cap)
{
	struct mpb_set *s = set_alloc();

	(void)im;
	(void)cap;
	FD_ZERO(&s->rset);
	return s;
}

static int sel_add(struct mpb_set *s, int fd, uint32_t events)
{
	if (fd < 0 || fd >= FD_SETSIZE || !(events & EPOLLIN))
		return errno = EINVAL, -1;
	if (FD_ISSET(fd, &s->rset))
		return errno = EEXIST, -1;
	FD_SET(fd, &s->rset);
	if (fd > s->maxfd)
		s->maxfd = fd;
	return 0;
}

static int sel_mod(struct mpb_set *s, int fd, uint32_t events)
{
	if (fd < 0 || fd >= FD_SETSIZE || !FD_ISSET(fd, &s->rset))
		return errno = ENOENT, -1;
	/* Only readers are watched: EPOLLIN stays, the rest has no place. */
	(void)events;
	return 0;
}

static int sel_del(struct mpb_set *s, int fd)
{
	if (fd < 0 || fd >= FD_SETSIZE || !FD_ISSET(fd, &s->rset))
		return errno = ENOENT, -1;
	FD_CLR(fd, &s->rset);
	return 0;
}

static int sel_wait(struct mpb_set *s, struct epoll_event *out, int max, int timeout)
{
	struct timeval tv = { timeout / 1000, (timeout % 1000) * 1000 };
	fd_set r = s->rset;
	int n, k = 0, fd;

	n = select(s->maxfd + 1, &r, NULL, NULL, timeout < 0 ? NULL : &tv);
	for (fd = 0; n > 0 && fd <= s->maxfd && k < max; fd++) {
		if (!FD_ISSET(fd, &r))
			continue;
		out[k].events = EPOLLIN;
		out[k++].data.fd = fd;
		n--;
	}
	return n < 0 ? -1 : k;
}

static const struct mpb_impl impl_minipoll = {
	"minipoll", 1 << 20, &mp_minipoll, k_create, k_add, k_mod, k_del,
	k_wait, k_destroy, set_fd,
};
static const struct mpb_impl impl_epoll = {
	"epoll", 1 << 20, &mp_epoll, k_create, k_add, k_mod, k_del, k_wait,
	k_destroy, set_fd,
};
static const struct mpb_impl impl_poll = {
	"poll", 1 << 20, NULL, poll_create, poll_add, poll_mod, poll_del,
	poll_wait, poll_destroy, set_fd,
};
/* The N fds of a workload are opened first, from fd 3 or so: 1000 fit. */
static const struct mpb_impl impl_select = {
	"select", 1000, NULL, sel_create, sel_add, sel_mod, sel_del, sel_wait,
	poll_destroy, set_fd,
};

const struct mpb_impl *const mpb_impls[] = {
	&impl_minipoll, &impl_epoll, &impl_poll, &impl_select, NULL,
};

int mpb_impl_selected(const struct mpb_impl *im)
{
	return !mpb_opts.impls || mp_in_list(mpb_opts.impls, im->name);
}

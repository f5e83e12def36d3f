// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * The ready ring: MINIPOLL_IOC_RING_SETUP, mmap() and the consumer side.
 *
 * The kernel fills the ring only when it is empty (one event transfer,
 * as one epoll_wait() with maxevents = the ring's size) and publishes
 * the slots before the tail with a release store. Here the tail is
 * loaded with acquire, the slots are read, and the head is advanced with
 * a release compare-and-swap, so that several threads may harvest one
 * ring: a thread whose swap fails lost its slots to another (and maybe
 * read slots the kernel was already refilling), drops what it read and
 * tries again. Only when the ring is empty does a harvest cost a system
 * call, MINIPOLL_IOC_RING_WAIT, which fills it or sleeps.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "internal.h"

struct minipoll_ring {
	int fd;
	uint32_t mask;
	size_t size;
	struct minipoll_ring_hdr *hdr;
	struct minipoll_ring_event *slots;
};

struct minipoll_ring *minipoll_ring_open(int mpfd, unsigned int entries)
{
	struct minipoll_ring_setup s = { .entries = entries };
	struct minipoll_ring *r;
	void *map;
	int err;

	if (ioctl(mpfd, MINIPOLL_IOC_RING_SETUP, &s) < 0) {
		/* Not an instance: what epoll_ctl() says for a non-epoll epfd. */
		if (mp_missed_instance(mpfd, errno))
			errno = fcntl(mpfd, F_GETFD) < 0 ? EBADF : EINVAL;
		return NULL;
	}
	map = mmap(NULL, s.size, PROT_READ | PROT_WRITE, MAP_SHARED, mpfd, 0);
	if (map == MAP_FAILED)
		return NULL;
	r = malloc(sizeof(*r));
	if (!r) {
		err = errno;
		munmap(map, s.size);
		errno = err;
		return NULL;
	}
	r->fd = mpfd;
	r->size = s.size;
	r->hdr = map;
	r->slots = (struct minipoll_ring_event *)((char *)map + s.events_off);
	r->mask = entries - 1;	/* ours: the shared copy is writable */
	return r;
}

/* Take at most max events from the ring; no system call. */
static int mp_ring_harvest(struct minipoll_ring *r, struct epoll_event *events, int max)
{
	uint32_t head, tail, n, i;

	head = __atomic_load_n(&r->hdr->head, __ATOMIC_RELAXED);
	do {
		/* Acquire: pairs with the kernel's release of the tail. */
		tail = __atomic_load_n(&r->hdr->tail, __ATOMIC_ACQUIRE);
		n = tail - head;
		if (n > r->mask + 1)	/* a stale head under a racing harvest */
			n = 0;
		if (n > (uint32_t)max)
			n = max;
		if (!n)
			return 0;
		for (i = 0; i < n; i++) {
			const struct minipoll_ring_event *slot = &r->slots[(head + i) & r->mask];

			events[i].events = __atomic_load_n(&slot->events, __ATOMIC_RELAXED);
			events[i].data.u64 = __atomic_load_n(&slot->data, __ATOMIC_RELAXED);
		}
		/*
		 * Release: our reads of the slots are done before the kernel
		 * can see them free (it loads the head with acquire). On
		 * failure head is reloaded and we start over.
		 */
	} while (!__atomic_compare_exchange_n(&r->hdr->head, &head, head + n, 0,
					      __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	return n;
}

int minipoll_ring_wait(struct minipoll_ring *r, struct epoll_event *events, int maxevents,
		       int timeout)
{
	struct minipoll_ring_wait w = { .timeout_ms = timeout };
	int n, ret;

	if (maxevents <= 0) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		n = mp_ring_harvest(r, events, maxevents);
		if (n)
			return n;
		ret = mp_ioctl_cancellable(r->fd, MINIPOLL_IOC_RING_WAIT, &w);
		if (ret <= 0)
			return ret;	/* timeout, or -1 with errno */
		/* Filled; another thread may take it first: then wait again. */
	}
}

void minipoll_ring_close(struct minipoll_ring *r)
{
	if (!r)
		return;
	munmap(r->hdr, r->size);
	free(r);
}

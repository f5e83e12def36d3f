// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * The ready ring: MINIPOLL_IOC_RING_SETUP, mmap() and the consumer side.
 *
 * A plain ring is filled by the kernel only when it is empty (one event
 * transfer, as one epoll_wait() with maxevents = the ring's size), slots
 * before the tail, the tail with a release store. Here the tail is
 * loaded with acquire, the slots are read, and the head is advanced with
 * a release compare-and-swap, so that several threads may harvest one
 * ring: a thread whose swap fails lost its slots to another (and maybe
 * read slots the kernel was already refilling), drops what it read and
 * tries again. Only when the ring is empty does a harvest cost a system
 * call, MINIPOLL_IOC_RING_WAIT, which fills it or sleeps.
 *
 * A fed ring is also written by the wake-up callback, which merges a
 * second wake-up into an entry not yet taken. Its consumer claims each
 * entry by exchanging its events for 0 (an entry already 0 was taken
 * back by the kernel, or merged away: skipped), so a merge either lands
 * before the claim or finds 0 and publishes anew. The data of a slot is
 * stable until the head passes it, so it is read before the claim.
 * Consumers take turns under a lock in the shared header, which also
 * covers a forked child harvesting the same mapping and the kernel,
 * which takes the entries for an ordinary wait on the instance.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "internal.h"

struct minipoll_ring {
	int fd;
	uint32_t mask;
	bool fed;
	size_t size;
	struct minipoll_ring_hdr *hdr;
	struct minipoll_ring_event *slots;
};

struct minipoll_ring *minipoll_ring_open2(int mpfd, unsigned int entries, unsigned int flags)
{
	struct minipoll_ring_setup s = { .entries = entries };
	struct minipoll_ring *r;
	void *map;
	int err;

	if (flags & ~MINIPOLL_RING_OPEN_FED) {
		errno = EINVAL;
		return NULL;
	}
	if (flags & MINIPOLL_RING_OPEN_FED)
		s.flags = MINIPOLL_RING_FED;
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
	r->fed = flags & MINIPOLL_RING_OPEN_FED;
	return r;
}

struct minipoll_ring *minipoll_ring_open(int mpfd, unsigned int entries)
{
	return minipoll_ring_open2(mpfd, entries, 0);
}

/* Take at most max events from a plain ring; no system call. */
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

/* The fed ring's consumer lock: held for one harvest, a few slots' work. */
static void mp_ring_lock(struct minipoll_ring *r)
{
	unsigned int spins = 0;

	while (__atomic_exchange_n(&r->hdr->lock, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&r->hdr->lock, __ATOMIC_RELAXED))
			if (++spins % 64 == 0)
				sched_yield();	/* the holder may be off the CPU */
	}
}

static void mp_ring_unlock(struct minipoll_ring *r)
{
	__atomic_store_n(&r->hdr->lock, 0, __ATOMIC_RELEASE);
}

/* Take at most max events from a fed ring; no system call. */
static int mp_ring_harvest_fed(struct minipoll_ring *r, struct epoll_event *events, int max)
{
	uint32_t head, tail, ev;
	int n = 0;

	/* Nothing published: no need for the lock. */
	if (__atomic_load_n(&r->hdr->tail, __ATOMIC_RELAXED) ==
	    __atomic_load_n(&r->hdr->head, __ATOMIC_RELAXED))
		return 0;
	mp_ring_lock(r);
	head = __atomic_load_n(&r->hdr->head, __ATOMIC_RELAXED);
	/* Acquire: pairs with the kernel's release of the tail. */
	tail = __atomic_load_n(&r->hdr->tail, __ATOMIC_ACQUIRE);
	if (tail - head > r->mask + 1)	/* our own head went bad: start over */
		head = tail;
	for (; head != tail && n < max; head++) {
		struct minipoll_ring_event *slot = &r->slots[head & r->mask];
		uint64_t data = __atomic_load_n(&slot->data, __ATOMIC_RELAXED);

		/* The claim: a merge after it finds 0 and publishes anew. */
		ev = __atomic_exchange_n(&slot->events, 0, __ATOMIC_ACQ_REL);
		if (!ev)
			continue;
		events[n].events = ev;
		events[n].data.u64 = data;
		n++;
	}
	/* Release: the slots are ours until the kernel sees the head pass them. */
	__atomic_store_n(&r->hdr->head, head, __ATOMIC_RELEASE);
	mp_ring_unlock(r);
	return n;
}

static int mp_ring_fill(struct minipoll_ring *r, int timeout)
{
	struct minipoll_ring_wait w = { .timeout_ms = timeout };

	return mp_ioctl_cancellable(r->fd, MINIPOLL_IOC_RING_WAIT, &w);
}

/*
 * A fed ring. While it is fed, what is published is taken here, without
 * a system call; a harvest with room left also fetches what the ready
 * list holds (items whose wake-up said nothing, or that found the ring
 * full), so that one call returns what one epoll_wait() would. Once a
 * level-triggered item ended the feeding, every wait is an ordinary one,
 * which takes the entries left in the ring first (in the kernel) and
 * re-polls LT items as epoll_wait() does.
 */
static int mp_ring_wait_fed(struct minipoll_ring *r, struct epoll_event *events,
			    int maxevents, int timeout)
{
	int n, m;

	for (;;) {
		if (!__atomic_load_n(&r->hdr->feeding, __ATOMIC_ACQUIRE))
			return minipoll_wait(r->fd, events, maxevents, timeout);
		n = mp_ring_harvest_fed(r, events, maxevents);
		if (n) {
			if (n < maxevents && __atomic_load_n(&r->hdr->queued, __ATOMIC_RELAXED)) {
				m = minipoll_wait(r->fd, events + n, maxevents - n, 0);
				if (m > 0)
					n += m;
			}
			return n;
		}
		m = mp_ring_fill(r, timeout);
		if (m <= 0)
			return m;	/* timeout, or -1 with errno */
	}
}

int minipoll_ring_wait(struct minipoll_ring *r, struct epoll_event *events, int maxevents,
		       int timeout)
{
	int n, ret;

	if (maxevents <= 0) {
		errno = EINVAL;
		return -1;
	}
	if (r->fed)
		return mp_ring_wait_fed(r, events, maxevents, timeout);
	for (;;) {
		n = mp_ring_harvest(r, events, maxevents);
		if (n)
			return n;
		ret = mp_ring_fill(r, timeout);
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

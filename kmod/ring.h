/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minipoll: the ready ring's kernel side, shared by ring.c (its memory:
 * setup, mmap, free) and ring_entries.c (what goes in and out of its
 * slots). The rules for the slots and the tail are in ring_entries.c.
 */
#ifndef MINIPOLL_RING_H
#define MINIPOLL_RING_H

#include <linux/minipoll.h>

#include "mp.h"		/* EPOLLET and the rest, in the order they build */

struct mp_ring {
	/* Header and slots: one vmalloc area, shared with user space. */
	struct minipoll_ring_hdr *hdr;
	struct minipoll_ring_event *slots;
	/* Bytes of the area, a multiple of the page size. Constant. */
	size_t size;
	/* Number of slots - 1. Constant; the shared copy is not trusted. */
	u32 mask;
	/* One past the newest published slot. See ring_entries.c. */
	u32 tail;
	/* Fed rings (MINIPOLL_RING_FED): the callback publishes. Constant. */
	bool fed;
	/* Until a level-triggered item comes; then false for good. mp->lock. */
	bool feeding;
	/* Fed rings: the item each slot was published for. As the tail. */
	struct mp_item **owner;
};

/* Level-triggered: reported at every wait while ready, never published. */
static inline bool mp_events_lt(__poll_t events)
{
	return !(events & (EPOLLET | EPOLLONESHOT));
}

#endif /* MINIPOLL_RING_H */

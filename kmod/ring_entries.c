// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: the ready ring's entries - how events get into the slots
 * shared with user space, and out of them.
 *
 * A plain ring is a fill-when-empty buffer, not a second ready list. A
 * fill (MINIPOLL_IOC_RING_WAIT finding the ring empty) is exactly one
 * event transfer of MINIPOLL_IOC_WAIT, mp_send_events() itself, with
 * maxevents = the ring's size and the slots as the destination: the same
 * re-poll of each ready item, the same ONESHOT disarm, the same LT
 * re-queue at the tail of the ready list, the same ET "once per edge".
 * User space then takes the events in as many pieces as it likes, with
 * no system call until the ring is empty again. So LT, ET and ONESHOT
 * keep epoll's meaning, with one rule to state: the events of one fill
 * are the result of one epoll_wait(), and a consumer that takes them in
 * pieces sees each piece as of the fill (as it would walking the array
 * of one big epoll_wait()). Filling only an empty ring keeps an item
 * from being in it twice (an LT item re-queued by a fill is polled again
 * only by the next fill), and the ring cannot overflow - what does not
 * fit stays on the ready list, in order, for the next fill.
 *
 * A fed ring (MINIPOLL_RING_FED) has a second producer: the wake-up
 * itself. For an edge-triggered or one-shot item, the callback puts
 * what the wake-up says (its key, within the item's mask) in the next
 * slot, so a consumer keeps harvesting without a system call while
 * events arrive; level-triggered items, and wake-ups that say nothing,
 * still go through the ready list and a fill. The rules that keep this
 * in epoll's order and without loss:
 *
 *  - The callback publishes only while the ready list is empty and no
 *    transfer scans it. Every entry is then older than anything on the
 *    ready list, and the next fill, which waits for an empty ring,
 *    comes after them. A full ring sends the event to the ready list,
 *    and the ones after it follow it there.
 *  - An item has at most one unconsumed entry: owner[] names the item
 *    each slot was published for, mpi->ring_slot the item's slot. A
 *    second wake-up merges its bits into that entry with a
 *    compare-and-swap, which fails once the consumer has claimed the
 *    entry by exchanging its events for 0; then it publishes anew.
 *  - A one-shot item is disarmed when it is published, as a transfer
 *    disarms it when it reports it.
 *  - DEL, MOD and the watched file's close take an unconsumed entry
 *    back (its events become 0, and consumers skip such entries).
 *  - An ordinary wait takes the entries first, as a consumer would, so
 *    that no event waits in a ring nobody harvests.
 *  - The first level-triggered item ends the feeding for good.
 *
 * The tail, the slots and owner[] are written by a fill while its scan
 * runs (callbacks meanwhile chain on the overflow list and publish
 * nothing), or under mp->lock while no scan runs.
 *
 * Ordering: the slots are written, then the tail is stored with release;
 * the head the consumer stored with release is loaded with acquire
 * before slots are reused, so the consumer's reads of them are done. The
 * kernel never reads the shared tail, entries or mask; a garbage head
 * makes the ring look full or empty to the kernel, never an
 * out-of-bounds write, since every index is masked with the kernel's
 * own mask.
 *
 * Nothing here takes mp->mtx (the callers hold it where said): the
 * release path's reaper reaches mp_ring_retract().
 */
#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include <linux/minipoll.h>

#include "mp.h"
#include "ring.h"

/*
 * Entries the consumer has not taken yet, at most the ring's size. The
 * tail moves under mp->mtx only: a fill, holding it, reads the current
 * one; the ring wait's peek, without it, may read a stale one, and the
 * fill it leads to checks again under the lock.
 */
u32 mp_ring_pending(struct mp_ring *ring)
{
	/* Acquire: the consumer's reads of the slots it took are done. */
	u32 used = READ_ONCE(ring->tail) - smp_load_acquire(&ring->hdr->head);

	return min(used, ring->mask + 1);
}

/*
 * How many slots a fill may use: all of them when the ring is empty.
 * Otherwise no fill: minus the number of entries waiting, which
 * mp_send_events() returns as is. mp->mtx.
 */
int mp_ring_space(struct mp_ring *ring)
{
	u32 used = mp_ring_pending(ring);

	return used ? -(int)used : (int)(ring->mask + 1);
}

/* Write @mpi's event in the slot @i places past the tail; not yet visible. */
static void mp_ring_write(struct mp_ring *ring, u32 i, struct mp_item *mpi, __poll_t revents)
{
	u32 s = (ring->tail + i) & ring->mask;
	struct minipoll_ring_event *slot = &ring->slots[s];

	/* Consumers may read a slot being rewritten (and then drop what they read). */
	WRITE_ONCE(slot->events, (__force u32)revents);
	WRITE_ONCE(slot->data, mpi->event.data);
	if (ring->fed) {
		ring->owner[s] = mpi;
		mpi->ring_slot = s;
	}
}

/* Write the @i-th event of the current fill. mp->mtx, scan running. */
void mp_ring_put(struct mp_ring *ring, int i, struct mp_item *mpi, __poll_t revents)
{
	mp_ring_write(ring, i, mpi, revents);
}

/* End a fill of @n events: make them visible. Returns @n. mp->mtx. */
int mp_ring_publish(struct mp_ring *ring, int n)
{
	if (!n)
		return 0;
	/* Read without mp->mtx by mp_ring_pending(). */
	WRITE_ONCE(ring->tail, ring->tail + n);
	ring->hdr->fills++;
	/* Release: the slots are written before the consumer sees the tail. */
	smp_store_release(&ring->hdr->tail, ring->tail);
	return n;
}

/* Is @ring fed by the callback? See mp_ring_fed() in mp.h. */
bool mp_ring_is_fed(struct mp_ring *ring)
{
	return ring->fed;
}

/*
 * Is slot @s unconsumed, by the consumer's head? A head that makes the
 * ring look overfull is garbage: then nothing is.
 */
static bool mp_ring_unconsumed(struct mp_ring *ring, u32 s)
{
	/* Acquire: the consumer's claim of what it took is visible. */
	u32 head = smp_load_acquire(&ring->hdr->head);
	u32 used = ring->tail - head;

	return used <= ring->mask + 1 && ((s - head) & ring->mask) < used;
}

/* @mpi's unconsumed entry in a fed ring, or NULL. As the tail. */
static struct minipoll_ring_event *mp_ring_entry(struct mp_ring *ring, struct mp_item *mpi)
{
	u32 s = mpi->ring_slot;

	if (s > ring->mask || ring->owner[s] != mpi || !mp_ring_unconsumed(ring, s))
		return NULL;
	return &ring->slots[s];
}

/*
 * Merge @revents into an entry the consumer has not claimed. False when
 * it has (the events are 0): the entry is the consumer's now.
 */
static bool mp_ring_merge(struct minipoll_ring_event *slot, __poll_t revents)
{
	u32 old = READ_ONCE(slot->events);

	while (old) {
		if (try_cmpxchg(&slot->events, &old, old | (__force u32)revents))
			return true;
	}
	return false;
}

/*
 * The callback (or ADD, MOD) found @mpi, an ET or ONESHOT item of a fed
 * ring, ready with @revents: publish it, or merge it into its entry.
 * MP_CB_QUEUED means neither - the ready list holds items, or the ring
 * is full - and the caller queues the item as usual. mp->lock held, no
 * scan running (mp->ovflist inactive).
 */
enum mp_cb_outcome mp_ring_feed(struct mp_instance *mp, struct mp_item *mpi, __poll_t revents)
{
	struct mp_ring *ring = mp->ring;
	struct minipoll_ring_event *slot;
	u32 head;

	lockdep_assert_held(&mp->lock);

	slot = mp_ring_entry(ring, mpi);
	if (slot) {
		if (mp_ring_merge(slot, revents))
			return MP_CB_MERGED;
		ring->owner[mpi->ring_slot] = NULL;
	}
	/* Entries must stay older than what the ready list holds. */
	if (!ring->feeding || !list_empty(&mp->rdllist))
		return MP_CB_QUEUED;
	/* Acquire: the consumer is done with the slots it freed. */
	head = smp_load_acquire(&ring->hdr->head);
	if (ring->tail - head > ring->mask)
		return MP_CB_QUEUED;	/* full (or a garbage head) */

	mp_ring_write(ring, 0, mpi, revents);
	/*
	 * Release, both: the slot is written before a consumer sees the
	 * tail - user space, or mp_ring_take(), which reads ours.
	 */
	smp_store_release(&ring->tail, ring->tail + 1);
	smp_store_release(&ring->hdr->tail, ring->tail);	/* see above */
	mpi->deliveries++;
	if (mpi->event.events & EPOLLONESHOT)
		WRITE_ONCE(mpi->event.events, mpi->event.events & MP_PRIVATE_BITS);
	return MP_CB_PUBLISHED;
}

/*
 * Take back @mpi's unconsumed entry, if it has one: it is being removed,
 * modified, or its file is gone. Then no owner[] names it. mp->lock
 * held, no scan running.
 */
void mp_ring_retract(struct mp_instance *mp, struct mp_item *mpi)
{
	struct mp_ring *ring = mp->ring;
	u32 s = mpi->ring_slot;

	lockdep_assert_held(&mp->lock);

	if (s > ring->mask || ring->owner[s] != mpi)
		return;
	ring->owner[s] = NULL;
	if (mp_ring_unconsumed(ring, s))
		xchg(&ring->slots[s].events, 0);
}

/* A fed ring's consumer lock, taken by the kernel: tried, never waited for. */
static bool mp_ring_trylock(struct mp_ring *ring)
{
	return !READ_ONCE(ring->hdr->lock) && !cmpxchg_acquire(&ring->hdr->lock, 0, 1);
}

static void mp_ring_unlock(struct mp_ring *ring)
{
	/* Release: our reads and the head's store come before the unlock. */
	smp_store_release(&ring->hdr->lock, 0);
}

/*
 * Does a fed ring hold entries an ordinary wait could take now? Racy;
 * the wait checks again under mp->lock. A consumer holding the lock is
 * taking them itself.
 */
bool mp_ring_takeable(struct mp_instance *mp)
{
	struct mp_ring *ring = mp->ring;

	return ring->fed && mp_ring_pending(ring) && !READ_ONCE(ring->hdr->lock);
}

/*
 * An ordinary wait (MINIPOLL_IOC_WAIT) on an instance with a fed ring
 * takes the ring's entries first, as a user-space consumer would: they
 * are older than anything on the ready list, and a wait that left them
 * could sleep on events that were already published. So the ring never
 * strands an event, whoever waits. Copies at most @max to @uevents
 * (checked by access_ok()). Returns the number copied, or -EFAULT when
 * the first could not be written (it is put back). mp->mtx.
 */
int mp_ring_take(struct mp_instance *mp, struct epoll_event __user *uevents, int max)
{
	struct mp_ring *ring = mp->ring;
	u32 head, tail, ev;
	int n = 0, err = 0;

	lockdep_assert_held(&mp->mtx);

	if (!ring->fed || !mp_ring_trylock(ring))
		return 0;
	head = READ_ONCE(ring->hdr->head);
	/* Acquire: the callback wrote the slots before it moved our tail. */
	tail = smp_load_acquire(&ring->tail);
	if (tail - head > ring->mask + 1)
		head = tail;	/* a garbage head: what it hid is lost to its owner */
	for (; head != tail && n < max; head++) {
		struct minipoll_ring_event *slot = &ring->slots[head & ring->mask];
		u64 data = READ_ONCE(slot->data);

		ev = xchg(&slot->events, 0);
		if (!ev)
			continue;	/* taken back, or merged away */
		if (!epoll_put_uevent((__force __poll_t)ev, data, uevents + n)) {
			/*
			 * Put it back for the next wait. A wake-up that found
			 * it 0 meanwhile published anew: then it shows twice.
			 */
			cmpxchg(&slot->events, 0, ev);
			err = -EFAULT;
			break;
		}
		n++;
	}
	/* Release: the slots' reads are done before the callback reuses them. */
	smp_store_release(&ring->hdr->head, head);
	mp_ring_unlock(ring);
	return n ? n : err;
}

/*
 * Tell a fed ring's consumer whether the ready list holds items: events
 * it should also fetch (with a fill) when it has room. mp->lock.
 */
void mp_ring_set_queued(struct mp_instance *mp, bool queued)
{
	lockdep_assert_held(&mp->lock);
	WRITE_ONCE(mp->ring->hdr->queued, queued);
}

/*
 * The callback stops feeding the ring, for good: from now on everything
 * goes through the ready list, and the ordinary wait sees it all. Kept
 * simple on purpose - a feed that could resume would strand entries
 * while a thread sleeps in the ordinary wait. mp->lock.
 */
static void mp_ring_stop_feeding(struct mp_ring *ring)
{
	ring->feeding = false;
	WRITE_ONCE(ring->hdr->feeding, 0);
}

/*
 * ADD or MOD gives an item @events. A level-triggered item in a fed
 * instance ends the feeding (see above): its consumer then waits the
 * ordinary way, after taking the entries already published. mp->mtx.
 */
void __mp_ring_watch(struct mp_instance *mp, __poll_t events)
{
	lockdep_assert_held(&mp->mtx);

	if (!mp_events_lt(events) || !mp_ring_fed(mp) || !mp->ring->feeding)
		return;
	spin_lock_irq(&mp->lock);
	mp_ring_stop_feeding(mp->ring);
	spin_unlock_irq(&mp->lock);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minipoll: the event transfer - cf. ep_send_events() - moving ready
 * events out of an instance, into a sink: the caller's epoll_event array
 * (MINIPOLL_IOC_WAIT) or the slots of the ready ring (MINIPOLL_IOC_RING_WAIT).
 *
 * A header of static inline code, included by wait.c alone: each wait
 * ioctl gets its own copy, in which the other sink's branches fold away
 * and no call is made (item 3 of "Where minipoll's instructions go" in
 * Documentation/performance.md prices the calls).
 */
#ifndef _MP_TRANSFER_H
#define _MP_TRANSFER_H

#include <linux/eventpoll.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>

#include "mp.h"
#include "mp_lock.h"
#include "mp_trace.h"

/*
 * Where a transfer puts its events: @ring's slots when @ring is set, the
 * user array @uevents of @maxevents entries (checked by access_ok()
 * already) otherwise. Built by the caller on its stack for one call.
 */
struct mp_sink {
	struct epoll_event __user *uevents;
	int maxevents;
	struct mp_ring *ring;
};

/* Length of a transfer's list, for the minipoll_transfer_start tracepoint. */
static inline u32 mp_list_len(struct list_head *head)
{
	struct list_head *pos;
	u32 n = 0;

	list_for_each(pos, head)
		n++;
	return n;
}

/*
 * Take the sink's room, under mp->mtx with the scan running (a fed
 * ring's callback publishes only outside scans): the array's size, or
 * the ring's free slots - all of them when it is empty, else none
 * (ring.c fills only an empty ring) and minus the entries still waiting.
 */
static __always_inline int mp_sink_room(struct mp_sink *sink)
{
	return sink->ring ? mp_ring_space(sink->ring) : sink->maxevents;
}

/*
 * Put the @i-th event of this transfer. False when the user array
 * faulted: the caller keeps the item for the next call. The ring is
 * kernel memory and cannot fault.
 */
static __always_inline bool mp_sink_put(struct mp_sink *sink, int i, struct mp_item *mpi,
					__poll_t revents)
{
	if (sink->ring) {
		mp_ring_put(sink->ring, i, mpi, revents);
		return true;
	}
	/* The kernel's helper; the array passed access_ok() in mp_wait(). */
	sink->uevents = epoll_put_uevent(revents, mpi->event.data, sink->uevents);
	return !!sink->uevents;
}

/* The transfer put @n events (or failed: @n < 0): make them visible. Returns @n. */
static __always_inline int mp_sink_done(struct mp_sink *sink, int n)
{
	return sink->ring ? mp_ring_publish(sink->ring, n) : n;
}

/*
 * cf. ep_send_events(): re-poll each ready item, hand out what is true
 * now, disarm ONESHOT items, put LT items back at the tail of the ready
 * list. Returns the number of events, or -EFAULT if the first one could
 * not be written, or -EINTR for a dying task; with a ring that is not
 * empty, the entries still waiting in it.
 */
static __always_inline int mp_send_events(struct mp_instance *mp, struct mp_sink *sink)
{
	unsigned int requeued = 0, overflowed;
	struct mp_item *mpi, *tmp;
	LIST_HEAD(txlist);
	int maxevents;
	poll_table pt;
	int taken = 0;
	int res = 0;

	/* A dying task should leave, not loop on ever-ready items. */
	if (fatal_signal_pending(current))
		return -EINTR;

	init_poll_funcptr(&pt, NULL);

	/*
	 * A ring with entries waiting is not filled: say so without a scan,
	 * whose overflow list would divert a fed ring's wake-ups meanwhile.
	 * Racy (the consumer may empty it now); checked again in the scan.
	 */
	if (sink->ring) {
		res = mp_ring_pending(sink->ring);
		if (res)
			return res;
	}

	mp_lock(mp, 0);
	/* A fed ring's entries first: they are older than the ready list. */
	if (!sink->ring && unlikely(mp->ring)) {
		taken = mp_ring_take(mp, sink->uevents, sink->maxevents);
		if (taken < 0 || taken == sink->maxevents) {
			mp_unlock(mp);
			return taken;
		}
		sink->uevents += taken;
		sink->maxevents -= taken;
	}
	mp_start_scan(mp, &txlist);
	maxevents = mp_sink_room(sink);
	if (maxevents <= 0) {
		mp_done_scan(mp, &txlist);
		mp_unlock(mp);
		return -maxevents;
	}
	if (trace_minipoll_transfer_start_enabled())
		trace_minipoll_transfer_start(mp, maxevents, mp_list_len(&txlist));

	/*
	 * The list is ours and mp->mtx keeps ctl away, so it is walked
	 * without mp->lock; see "The ready list and event transfers" in core.c.
	 */
	list_for_each_entry_safe(mpi, tmp, &txlist, rdllink) {
		struct wakeup_source *ws;
		__poll_t revents;

		if (res >= maxevents)
			break;

		/*
		 * Hand the item's wakeup source over to the instance's, which
		 * stays active until the transfer ends; taking ours first
		 * leaves no gap where the system could suspend.
		 */
		ws = mp_item_ws(mpi);
		if (ws) {
			if (ws->active)
				__pm_stay_awake(mp->ws);
			__pm_relax(ws);
		}

		list_del_init(&mpi->rdllink);

		/* Queued by a wake-up; only a fresh poll says what is true now. */
		revents = mp_item_poll(mpi, &pt, 1);
		if (!revents)
			continue;

		if (!mp_sink_put(sink, res, mpi, revents)) {
			/* Keep the event for the next call. */
			list_add(&mpi->rdllink, &txlist);
			mp_pm_stay_awake(mpi);
			if (!res)
				res = -EFAULT;
			break;
		}
		res++;
		mpi->deliveries++;

		if (mpi->event.events & EPOLLONESHOT) {
			/* Disarm until EPOLL_CTL_MOD. */
			WRITE_ONCE(mpi->event.events, mpi->event.events & MP_PRIVATE_BITS);
			trace_minipoll_deliver(mpi, revents, 0);
		} else if (mpi->event.events & EPOLLET) {
			trace_minipoll_deliver(mpi, revents, 0);
		} else {
			/*
			 * Level-triggered: back at the tail, so the next wait
			 * polls it again and busy items take turns. Callbacks
			 * use ovflist meanwhile, so rdllist is still ours.
			 */
			list_add_tail(&mpi->rdllink, &mp->rdllist);
			mp_pm_stay_awake(mpi);
			requeued++;
			trace_minipoll_deliver(mpi, revents, 1);
		}
	}
	res = mp_sink_done(sink, res);
	if (taken)
		res = res < 0 ? taken : res + taken;
	overflowed = mp_done_scan(mp, &txlist);
	trace_minipoll_transfer_end(mp, res, requeued, overflowed);
	mp_unlock(mp);
	return res;
}

#endif /* _MP_TRANSFER_H */

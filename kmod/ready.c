// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: how items become ready - the wait entries an item hangs on its
 * target, the callback the target runs when it wakes them, the ready list
 * and overflow list they feed, and ->poll() of an instance.
 *
 * The rules for mp->lock are in mp_lock.h, those for the ready list and
 * transfers at the top of core.c.
 */
#include <linux/device.h>
#include <linux/file.h>
#include <linux/slab.h>

#include "mp.h"
#include "mp_lock.h"
#include "mp_trace.h"

/*
 * cf. ep_events_available(). Lockless, so it may miss an item being
 * queued right now: callers either recheck under mp->lock or, for a
 * zero timeout, accept the miss as epoll does.
 */
bool mp_events_available(struct mp_instance *mp)
{
	return !list_empty_careful(&mp->rdllist) ||
	       READ_ONCE(mp->ovflist) != MP_OVF_INACTIVE;
}

/* cf. ep_start_scan(): take the ready list for a transfer. */
void mp_start_scan(struct mp_instance *mp, struct list_head *txlist)
{
	lockdep_assert_held(&mp->mtx);
	lockdep_assert_irqs_enabled();

	spin_lock_irq(&mp->lock);
	list_splice_init(&mp->rdllist, txlist);
	WRITE_ONCE(mp->ovflist, NULL);
	spin_unlock_irq(&mp->lock);
}

/*
 * cf. ep_done_scan(): end a transfer; @txlist holds what was not taken.
 * Returns how many items the overflow list brought back (for tracing).
 */
unsigned int mp_done_scan(struct mp_instance *mp, struct list_head *txlist)
{
	struct mp_item *mpi, *next;
	unsigned int overflowed = 0;

	lockdep_assert_held(&mp->mtx);

	spin_lock_irq(&mp->lock);
	/*
	 * Items woken during the transfer. The chain is newest first, so
	 * adding each at the head leaves them in the order they woke. An
	 * item still linked is on @txlist or was re-queued by the transfer.
	 */
	for (mpi = mp->ovflist; mpi; mpi = next) {
		next = mpi->next;
		mpi->next = MP_OVF_INACTIVE;
		if (!mpi->dead && !mp_item_linked(mpi)) {
			list_add(&mpi->rdllink, &mp->rdllist);
			mp_pm_stay_awake(mpi);
			overflowed++;
		}
	}
	WRITE_ONCE(mp->ovflist, MP_OVF_INACTIVE);

	/* What the transfer did not take goes first next time. */
	list_splice(txlist, &mp->rdllist);
	__pm_relax(mp->ws);
	if (mp_ring_fed(mp))
		mp_ring_set_queued(mp, !list_empty(&mp->rdllist));

	/*
	 * Someone else may want what is left - a level-triggered item that
	 * stays ready, or events this transfer had no room for.
	 */
	if (!list_empty(&mp->rdllist) && waitqueue_active(&mp->wq))
		wake_up(&mp->wq);
	spin_unlock_irq(&mp->lock);
	return overflowed;
}

/*
 * cf. ep_poll_safewake(): tell the instance's pollers it has events.
 * @mpi is the item whose callback got us here, or NULL.
 *
 * The pollers may be parent instances whose callbacks wake their own
 * pollers in turn, all under poll_wait locks of a single lockdep class.
 * Each level records its depth in mp->nests, which the level above reads
 * (stable: the level below holds its lock) to pick the next subclass.
 * The depth is bounded by the nesting limits (nest.c).
 */
void mp_poll_safewake(struct mp_instance *mp, struct mp_item *mpi, __poll_t pollflags)
{
	unsigned long flags;
	u8 nests = 0;

	if (mpi) {
		/* The target is alive: our wait entry is still on its queue. */
		if (is_file_minipoll(mpi->file))
			nests = ((struct mp_instance *)mpi->file->private_data)->nests;
		else
			nests = 1;
	}

	spin_lock_irqsave_nested(&mp->poll_wait.lock, flags, nests);
	if (trace_minipoll_propagate_enabled())
		trace_minipoll_propagate(mp, EPOLLIN | pollflags,
					 mp_queue_len(&mp->poll_wait));
	mp->nests = nests + 1;
	wake_up_locked_poll(&mp->poll_wait, EPOLLIN | pollflags);
	mp->nests = 0;
	spin_unlock_irqrestore(&mp->poll_wait.lock, flags);
}

/*
 * Queue an item that is not queued, outside a transfer: in the fed ring
 * when it takes an ET or ONESHOT item's @revents (the wake-up's key, or
 * a poll's result; 0 when the wake-up said nothing), else at the tail of
 * the ready list. Returns what was done. mp->lock.
 */
static enum mp_cb_outcome mp_queue(struct mp_instance *mp, struct mp_item *mpi,
				   __poll_t revents)
{
	enum mp_cb_outcome outcome = MP_CB_QUEUED;
	bool fed = mp_ring_fed(mp);

	/* EPOLLWAKEUP items stay on the ready list, which keeps us awake. */
	if (fed && revents && (mpi->event.events & (EPOLLET | EPOLLONESHOT)) &&
	    !(mpi->event.events & EPOLLWAKEUP))
		outcome = mp_ring_feed(mp, mpi, revents & ~MP_PRIVATE_BITS);
	if (outcome != MP_CB_QUEUED)
		return outcome;
	list_add_tail(&mpi->rdllink, &mp->rdllist);
	if (fed)
		mp_ring_set_queued(mp, true);
	return outcome;
}

/*
 * Does this wake-up of an EPOLLEXCLUSIVE item count as the one exclusive
 * wake-up the target asked for? Only if it brings IN or OUT as the item
 * wants, or says nothing about IN and OUT at all.
 */
static int mp_exclusive_woke(__poll_t events, __poll_t pollflags)
{
	__poll_t inout = pollflags & (EPOLLIN | EPOLLOUT);

	if (!inout)
		return 1;
	if (inout == EPOLLIN)
		return !!(events & EPOLLIN);
	if (inout == EPOLLOUT)
		return !!(events & EPOLLOUT);
	return 0;
}

/*
 * cf. ep_poll_callback(): a target woke one of its queues. Runs with the
 * queue's lock held, in whatever context the target woke it. The return
 * value matters for exclusive entries only: 1 means "a waiter took it",
 * and the target stops waking further exclusive entries.
 */
static int mp_poll_callback(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct mp_pwq *pwq = container_of(wait, struct mp_pwq, wait);
	struct mp_item *mpi = mp_pwq_item(pwq);
	struct mp_instance *mp = mpi->mp;
	__poll_t pollflags = key_to_poll(key);
	enum mp_cb_outcome outcome;
	unsigned long flags;
	bool pwake = false;
	__poll_t events;
	int ewake = 0;

	/* whead->lock is held: the entry's counters are ours. */
	pwq->callbacks++;

	spin_lock_irqsave(&mp->lock, flags);
	events = READ_ONCE(mpi->event.events);

	/* Disarmed (EPOLLONESHOT fired, or MOD to no events): ignore. */
	if (!(events & ~MP_PRIVATE_BITS)) {
		outcome = MP_CB_IGN_DISARMED;
		goto out_ignored;
	}

	/* Targets that tell what happened: ignore what was not asked for. */
	if (pollflags && !(pollflags & events)) {
		outcome = MP_CB_IGN_MASK;
		goto out_ignored;
	}

	outcome = MP_CB_ALREADY;
	if (READ_ONCE(mp->ovflist) != MP_OVF_INACTIVE) {
		/* A transfer owns the ready list: chain the item, once. */
		if (mpi->next == MP_OVF_INACTIVE) {
			mpi->next = READ_ONCE(mp->ovflist);
			WRITE_ONCE(mp->ovflist, mpi);
			mp_pm_stay_awake_rcu(mpi);
			outcome = MP_CB_CHAINED;
		}
	} else if (!mp_item_linked(mpi)) {
		outcome = mp_queue(mp, mpi, pollflags & events);
		if (outcome == MP_CB_QUEUED)
			mp_pm_stay_awake_rcu(mpi);
	}

	/* Waiters queue and leave under mp->lock, held here: no barrier needed. */
	if (waitqueue_active(&mp->wq)) {
		if ((events & EPOLLEXCLUSIVE) && !(pollflags & POLLFREE))
			ewake = mp_exclusive_woke(events, pollflags);
		if (sync)
			wake_up_sync(&mp->wq);
		else
			wake_up(&mp->wq);
	}
	/* Pollers are woken below, without mp->lock; a racy peek is fine. */
	pwake = waitqueue_active(&mp->poll_wait);
	goto out_unlock;

out_ignored:
	pwq->ignored++;
out_unlock:
	spin_unlock_irqrestore(&mp->lock, flags);

	if (pollflags & POLLFREE)
		outcome = MP_CB_POLLFREE;
	trace_minipoll_callback(mpi, pollflags, events, outcome);

	/* Outside mp->lock: a parent's callback may run from here. */
	if (pwake)
		mp_poll_safewake(mp, mpi, pollflags & EPOLL_URING_WAKE);

	if (!(events & EPOLLEXCLUSIVE))
		ewake = 1;

	if (pollflags & POLLFREE) {
		/*
		 * The queue is about to be freed (signalfd whose sighand goes
		 * away, for one). Unlink ourselves; whead = NULL then tells
		 * removers there is nothing left to remove. A remover that read
		 * whead before our store still removes the entry after us,
		 * under whead->lock, so the unlink must be one that can be
		 * repeated: list_del_init(), not __remove_wait_queue().
		 */
		list_del_init(&wait->entry);
		trace_minipoll_wq_remove(mpi, pwq->whead, 1);
		/*
		 * Release: the unlink above is visible to whoever sees NULL.
		 * After this store, nothing keeps pwq, mpi or mp alive for us.
		 */
		smp_store_release(&pwq->whead, NULL);
	}
	return ewake;
}

/*
 * cf. ep_ptable_queue_proc(): the target's ->poll() offers one of its wait
 * queues; hang a callback entry of the item on it. Runs under mp->mtx,
 * with the target pinned, during EPOLL_CTL_ADD only.
 */
void mp_ptable_queue_proc(struct file *file, wait_queue_head_t *whead, poll_table *pt)
{
	struct mp_pqueue *pq = container_of(pt, struct mp_pqueue, pt);
	struct mp_item *mpi = pq->mpi;
	struct mp_pwq *pwq;

	if (unlikely(!mpi))	/* an earlier queue of this target failed */
		return;

	pwq = kmem_cache_alloc(mp_pwq_cache, GFP_KERNEL);
	if (unlikely(!pwq)) {
		pq->mpi = NULL;
		return;
	}
	init_waitqueue_func_entry(&pwq->wait, mp_poll_callback);
	pwq->wait.private = mpi;
	pwq->whead = whead;
	pwq->callbacks = 0;
	pwq->ignored = 0;
	if (mpi->event.events & EPOLLEXCLUSIVE)
		add_wait_queue_exclusive(whead, &pwq->wait);
	else
		add_wait_queue(whead, &pwq->wait);
	pwq->next = mpi->pwqlist;
	mpi->pwqlist = pwq;
	trace_minipoll_wq_add(mpi, whead, file);
}

/*
 * Queue an item that a poll just found ready with @revents (ADD, MOD)
 * unless it already is, and wake whoever waits for it. Caller holds
 * mp->mtx.
 */
void mp_queue_if_ready(struct mp_instance *mp, struct mp_item *mpi, __poll_t revents)
{
	bool pwake = false;

	lockdep_assert_held(&mp->mtx);

	spin_lock_irq(&mp->lock);
	if (!mp_item_linked(mpi)) {
		if (mp_queue(mp, mpi, revents) == MP_CB_QUEUED)
			mp_pm_stay_awake(mpi);
		/* As in the callback: waiters come and go under mp->lock. */
		if (waitqueue_active(&mp->wq))
			wake_up(&mp->wq);
		/* Racy peek; the pollers are woken without mp->lock. */
		pwake = waitqueue_active(&mp->poll_wait);
	}
	spin_unlock_irq(&mp->lock);

	if (pwake)
		mp_poll_safewake(mp, NULL, 0);
}

static __poll_t __mp_poll(struct mp_instance *mp, struct file *file, poll_table *wait,
			  int depth);

/*
 * cf. ep_item_poll(): what the item's target reports now, limited to what
 * the item asked for. @depth is the nesting depth of the instance owning
 * the item plus one, for the lockdep subclass of a nested instance's mtx.
 * A target on its way out reports nothing.
 */
__poll_t mp_item_poll(struct mp_item *mpi, poll_table *pt, int depth)
{
	struct file *file = mp_item_fget(mpi);
	__poll_t res;

	if (!file)
		return 0;

	pt->_key = mpi->event.events;
	if (is_file_minipoll(file))
		res = __mp_poll(file->private_data, file, pt, depth);
	else
		res = vfs_poll(file, pt);
	/*
	 * Should the file have been closed meanwhile, this is its last
	 * reference; fput() then defers the release to task work, outside
	 * our locks.
	 */
	fput(file);
	return res & mpi->event.events;
}

/*
 * cf. __ep_eventpoll_poll(): an instance is readable when one of its
 * queued items really has an event. Items queued by a wake-up that
 * brought nothing they asked for are dropped from the ready list here.
 */
static __poll_t __mp_poll(struct mp_instance *mp, struct file *file, poll_table *wait,
			  int depth)
{
	struct mp_item *mpi, *tmp;
	LIST_HEAD(txlist);
	__poll_t res = 0;
	poll_table pt;

	init_poll_funcptr(&pt, NULL);

	poll_wait(file, &mp->poll_wait, wait);

	mp_lock(mp, depth);
	/* Entries a fed ring's consumer has not taken are events too. */
	if (mp_ring_fed(mp) && mp_ring_pending(mp->ring)) {
		mp_unlock(mp);
		return EPOLLIN | EPOLLRDNORM;
	}
	mp_start_scan(mp, &txlist);
	list_for_each_entry_safe(mpi, tmp, &txlist, rdllink) {
		if (mp_item_poll(mpi, &pt, depth + 1)) {
			res = EPOLLIN | EPOLLRDNORM;
			break;
		}
		__pm_relax(mp_item_ws(mpi));
		list_del_init(&mpi->rdllink);
	}
	mp_done_scan(mp, &txlist);
	mp_unlock(mp);
	return res;
}

/* ->poll() of an instance file: poll(), select(), a real epoll. */
__poll_t mp_poll(struct file *file, poll_table *wait)
{
	return __mp_poll(file->private_data, file, wait, 0);
}

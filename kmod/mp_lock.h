/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minipoll: the locks, their order, and the wrappers every mp->mtx
 * section goes through.
 *
 * Lock order
 * ----------
 * From outermost to innermost; code holding one lock may take only locks
 * further down the list:
 *
 *  1. mp_nest_mutex (nest.c), global. EPOLL_CTL_ADD takes it when the new
 *     link could close a loop of instances or lengthen a chain of nested
 *     instances or of wake-up paths. It keeps the graph the checks walk
 *     still, and keeps two such checks from each approving half of a loop.
 *
 *  2. mp->mtx, per instance. A mutex because its holders sleep: they copy
 *     events to user memory, call the targets' ->poll() and allocate. It
 *     guards the rbtree and each item's mask and data, and serialises
 *     ctl, event transfer, the instance's own ->poll() scan, fdinfo and
 *     the reaping of dead items. A scan that polls a nested instance takes
 *     the child's mtx inside the parent's, with the nesting depth as the
 *     lockdep subclass (0 outermost); the loop check, which holds only
 *     mp_nest_mutex, uses depth + 1.
 *
 *  3. tfile->lock, the lock of one watched file's record in the table of
 *     watched files (lifetime.c), a spinlock. The release hook takes it
 *     in atomic context. It guards which items watch that file, and
 *     whoever detaches an item holds it while taking the item's wait
 *     entries off the target's queues. The table's own bucket locks
 *     (rhashtable's) nest inside it when the last item goes.
 *
 *  4. whead->lock, the lock of a target's wait queue. The target holds it
 *     while it runs our callback; add_wait_queue() and remove_wait_queue()
 *     take it.
 *
 *  5. mp->lock, a spinlock taken with interrupts off, since targets wake
 *     their queues from any context, hard interrupts included. It guards
 *     the ready list, the overflow list, the dead list, and mp->wq:
 *     waiters are queued and woken only under it. The release hook queues
 *     mp->reap_work under it (mp_item_kill()), so the workqueue's own
 *     locks nest inside it.
 *
 * Pollers of an instance (mp->poll_wait) are woken after mp->lock is
 * dropped, because waking them can run a parent instance's callback,
 * which takes the parent's mp->lock. Every instance's poll_wait lock is
 * of one lockdep class, so each level of such a chain takes it with its
 * own subclass (mp->nests): see mp_poll_safewake().
 */
#ifndef MINIPOLL_MP_LOCK_H
#define MINIPOLL_MP_LOCK_H

#include <linux/mutex.h>

#include "mp.h"

/*
 * Every mp->mtx section begins here: items whose file went away are
 * taken out of the tree before anyone can look them up. @subclass is the
 * lockdep subclass of lock 2 above: the nesting depth, 0 outermost.
 */
static inline void mp_lock(struct mp_instance *mp, unsigned int subclass)
{
	mutex_lock_nested(&mp->mtx, subclass);
	mp_reap(mp);
}

static inline void mp_unlock(struct mp_instance *mp)
{
	mutex_unlock(&mp->mtx);
}

#endif /* MINIPOLL_MP_LOCK_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: instances and items - their life, their tree, their locks.
 *
 * Locks
 * -----
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
 *     waiters are queued and woken only under it.
 *
 * Pollers of an instance (mp->poll_wait) are woken after mp->lock is
 * dropped, because waking them can run a parent instance's callback,
 * which takes the parent's mp->lock. Every instance's poll_wait lock is
 * of one lockdep class, so each level of such a chain takes it with its
 * own subclass (mp->nests): see mp_poll_safewake().
 *
 * The ready list and event transfers
 * ----------------------------------
 * A transfer (MINIPOLL_IOC_WAIT, or a ->poll() scan) holds mp->mtx and
 * may sleep, so it cannot hold mp->lock while it handles ready items. It
 * takes the whole ready list onto a private list under mp->lock and turns
 * mp->ovflist from MP_OVF_INACTIVE into an empty chain. Until it is done:
 *  - the callback chains woken items on ovflist and leaves rdllist alone;
 *  - the release hook leaves the items' rdllink alone;
 *  - so the transferring thread alone touches rdllist and the links of
 *    the items it took, and does so without mp->lock.
 * At the end, under mp->lock, chained items join the ready list in the
 * order they woke, ovflist is MP_OVF_INACTIVE again and the items not
 * transferred go back to the head of the ready list (ready.c).
 *
 * Lifetimes
 * ---------
 * An item is freed under mp->mtx, after an RCU grace period because nest
 * checks walk the lists of items watching a file under RCU. When its file
 * goes away the release hook unhooks it and the reaper frees it
 * (lifetime.c). An instance goes when its file is released: once every
 * item is unhooked, neither the hook nor a callback can reach it. A hook
 * that took an item from the closing instance may still be handing it
 * over (mp->dead, reap_work, mp->user), always inside one RCU read-side
 * section: the release waits a grace period for it, then cancels the
 * reap work, and frees the memory after another grace period, for the
 * nest walks.
 */
#include <linux/device.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "mp.h"
#include "mp_trace.h"

static struct kmem_cache *mp_item_cache __read_mostly;

/* Instance ids, from 1, never reused while the module is loaded. */
static atomic64_t mp_last_id = ATOMIC64_INIT(0);
struct kmem_cache *mp_pwq_cache __read_mostly;

int mp_cache_init(void)
{
	/* Keep the item within two cache lines: see struct mp_item. */
	BUILD_BUG_ON(sizeof(void *) <= 8 && sizeof(struct mp_item) > 128);
	/* One 64-byte slab object per wait entry: see struct mp_pwq. */
	BUILD_BUG_ON(sizeof(void *) <= 8 && sizeof(struct mp_pwq) > 64);

	mp_item_cache = kmem_cache_create("minipoll_mpi", sizeof(struct mp_item), 0,
					  SLAB_HWCACHE_ALIGN | SLAB_ACCOUNT, NULL);
	if (!mp_item_cache)
		return -ENOMEM;
	mp_pwq_cache = kmem_cache_create("minipoll_pwq", sizeof(struct mp_pwq), 0,
					 SLAB_ACCOUNT, NULL);
	if (!mp_pwq_cache) {
		kmem_cache_destroy(mp_item_cache);
		return -ENOMEM;
	}
	return 0;
}

void mp_cache_exit(void)
{
	/* Items are freed from RCU callbacks: let the last ones run. */
	rcu_barrier();
	kmem_cache_destroy(mp_pwq_cache);
	kmem_cache_destroy(mp_item_cache);
}

struct mp_item *mp_item_alloc(void)
{
	return kmem_cache_zalloc(mp_item_cache, GFP_KERNEL);
}

/* For an item that never became visible to anyone else. */
void mp_item_free_now(struct mp_item *mpi)
{
	kmem_cache_free(mp_item_cache, mpi);
}

static void mp_item_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(mp_item_cache, container_of(head, struct mp_item, rcu));
}

/* cf. ep_alloc() */
struct mp_instance *mp_instance_alloc(struct file *file)
{
	struct mp_instance *mp;

	mp = kzalloc(sizeof(*mp), GFP_KERNEL_ACCOUNT);
	if (!mp)
		return NULL;
	mp->user = mp_user_get();
	if (!mp->user) {
		kfree(mp);
		return NULL;
	}
	mutex_init(&mp->mtx);
	spin_lock_init(&mp->lock);
	init_waitqueue_head(&mp->wq);
	init_waitqueue_head(&mp->poll_wait);
	INIT_LIST_HEAD(&mp->rdllist);
	mp->items = RB_ROOT_CACHED;
	mp->ovflist = MP_OVF_INACTIVE;
	INIT_WORK(&mp->reap_work, mp_reap_work);
	mp->file = file;
	mp->id = atomic64_inc_return(&mp_last_id);
	return mp;
}

/*
 * Every mp->mtx section begins here: items whose file went away are
 * taken out of the tree before anyone can look them up.
 */
void mp_lock(struct mp_instance *mp, unsigned int subclass)
{
	mutex_lock_nested(&mp->mtx, subclass);
	mp_reap(mp);
}

void mp_unlock(struct mp_instance *mp)
{
	mutex_unlock(&mp->mtx);
}

/* cf. ep_cmp_ffd(): by file pointer, then by fd, as epoll orders fdinfo. */
static int mp_cmp_key(const struct file *file, int fd, const struct mp_item *mpi)
{
	if (file != mpi->file)
		return file > mpi->file ? 1 : -1;
	if (fd != mpi->fd)
		return fd > mpi->fd ? 1 : -1;
	return 0;
}

/* cf. ep_find() */
struct mp_item *mp_find(struct mp_instance *mp, struct file *file, int fd)
{
	struct rb_node *rbp = mp->items.rb_root.rb_node;

	lockdep_assert_held(&mp->mtx);

	while (rbp) {
		struct mp_item *mpi = rb_entry(rbp, struct mp_item, rbn);
		int cmp = mp_cmp_key(file, fd, mpi);

		if (!cmp)
			return mpi;
		rbp = cmp > 0 ? rbp->rb_right : rbp->rb_left;
	}
	return NULL;
}

/* cf. ep_rbtree_insert() */
void mp_rb_insert(struct mp_instance *mp, struct mp_item *mpi)
{
	struct rb_node **p = &mp->items.rb_root.rb_node, *parent = NULL;
	bool leftmost = true;

	lockdep_assert_held(&mp->mtx);

	while (*p) {
		parent = *p;
		if (mp_cmp_key(mpi->file, mpi->fd, rb_entry(parent, struct mp_item, rbn)) > 0) {
			p = &parent->rb_right;
			leftmost = false;
		} else {
			p = &parent->rb_left;
		}
	}
	rb_link_node(&mpi->rbn, parent, p);
	rb_insert_color_cached(&mpi->rbn, &mp->items, leftmost);
}

/*
 * cf. ep_remove_epi(): forget an item that is already detached from its
 * file (no wait entries, not in any tfile). Caller holds mp->mtx, so no
 * transfer is running and the ready list may be edited under mp->lock.
 */
void mp_item_free(struct mp_instance *mp, struct mp_item *mpi)
{
	lockdep_assert_held(&mp->mtx);

	rb_erase_cached(&mpi->rbn, &mp->items);

	spin_lock_irq(&mp->lock);
	if (mp_item_linked(mpi))
		list_del_init(&mpi->rdllink);
	spin_unlock_irq(&mp->lock);

	wakeup_source_unregister(mp_item_ws(mpi));
	call_rcu(&mpi->rcu, mp_item_free_rcu);
}

/*
 * cf. ep_remove(): EPOLL_CTL_DEL, close, or an insert that failed late.
 * @reason is the minipoll_item_remove tracepoint's (MP_TRACE_RM_*).
 * Returns false when the release hook won the race for the item: the
 * reaper frees it, and the hook may still be handing it over.
 */
bool mp_item_remove(struct mp_instance *mp, struct mp_item *mpi, u32 reason)
{
	if (!mp_item_detach(mpi))
		return false;
	trace_minipoll_item_remove(mpi, reason);
	mp_item_free(mp, mpi);
	return true;
}

/* Free the items the release hook marked dead. */
void mp_reap(struct mp_instance *mp)
{
	struct mp_item *mpi, *next;

	lockdep_assert_held(&mp->mtx);

	if (!READ_ONCE(mp->dead))
		return;
	spin_lock_irq(&mp->lock);
	mpi = mp->dead;
	mp->dead = NULL;
	spin_unlock_irq(&mp->lock);

	for (; mpi; mpi = next) {
		next = mpi->dead_next;
		trace_minipoll_item_remove(mpi, MP_TRACE_RM_RELEASED);
		mp_item_free(mp, mpi);
	}
}

/* Scheduled by the release hook, so dead items do not wait for a ctl. */
void mp_reap_work(struct work_struct *work)
{
	struct mp_instance *mp = container_of(work, struct mp_instance, reap_work);

	mp_lock(mp, 0);
	mp_unlock(mp);
}

/* cf. ep_clear_and_put(): the instance's file is being released. */
void mp_instance_release(struct mp_instance *mp)
{
	struct rb_node *rbp, *next;
	bool hook_won = false;

	/* Pollers still queued on us (poll(), select()) must re-poll. */
	if (waitqueue_active(&mp->poll_wait))
		mp_poll_safewake(mp, NULL, 0);

	mp_lock(mp, 0);
	for (rbp = rb_first_cached(&mp->items); rbp; rbp = next) {
		next = rb_next(rbp);
		if (!mp_item_remove(mp, rb_entry(rbp, struct mp_item, rbn),
				    MP_TRACE_RM_CLOSED))
			hook_won = true;
		cond_resched();
	}
	mp_unlock(mp);

	/*
	 * Every item is now off its tfile, by us or by the release hook, so
	 * no hook can find this instance again. But a hook that took an item
	 * from us may still be running: it unhooks the item (and uncharges
	 * mp->user) before it parks it on mp->dead and schedules the reap
	 * work. It does all of that inside one RCU read-side section, so a
	 * grace period is enough to see it finished (see mp_item_kill()).
	 */
	if (hook_won)
		synchronize_rcu();
	/* No hook can schedule the work now. Free what the hooks handed over. */
	cancel_work_sync(&mp->reap_work);
	mp_lock(mp, 0);
	mp_unlock(mp);
	WARN_ON_ONCE(!RB_EMPTY_ROOT(&mp->items.rb_root));

	mp_user_put(mp->user);
	wakeup_source_unregister(mp->ws);
	mutex_destroy(&mp->mtx);
	/* Nest walks may still look at mp->gen and mp->file under RCU. */
	kfree_rcu(mp, rcu);
}

/* The item's wakeup source; caller holds mp->mtx. */
struct wakeup_source *mp_item_ws(struct mp_item *mpi)
{
	return rcu_dereference_check(mpi->ws, lockdep_is_held(&mpi->mp->mtx));
}

/* cf. ep_pm_stay_awake(); caller holds mp->mtx. */
void mp_pm_stay_awake(struct mp_item *mpi)
{
	struct wakeup_source *ws = mp_item_ws(mpi);

	if (ws)
		__pm_stay_awake(ws);
}

/* cf. ep_pm_stay_awake_rcu(): from the callback, without mp->mtx. */
void mp_pm_stay_awake_rcu(struct mp_item *mpi)
{
	struct wakeup_source *ws;

	rcu_read_lock();
	ws = rcu_dereference(mpi->ws);
	if (ws)
		__pm_stay_awake(ws);
	rcu_read_unlock();
}

/*
 * cf. ep_create_wakeup_source(): EPOLLWAKEUP keeps the system out of
 * suspend while the item is ready, and the instance's own source covers
 * the moment a transfer hands the event to user space.
 */
int mp_create_wakeup_source(struct mp_item *mpi)
{
	struct mp_instance *mp = mpi->mp;
	struct wakeup_source *ws;
	struct name_snapshot n;

	lockdep_assert_held(&mp->mtx);

	if (!mp->ws) {
		mp->ws = wakeup_source_register(NULL, "minipoll");
		if (!mp->ws)
			return -ENOMEM;
	}

	/* Named after the target, as epoll names its sources. */
	take_dentry_name_snapshot(&n, mpi->file->f_path.dentry);
	ws = wakeup_source_register(NULL, (const char *)n.name.name);
	release_dentry_name_snapshot(&n);
	if (!ws)
		return -ENOMEM;
	rcu_assign_pointer(mpi->ws, ws);
	return 0;
}

/* cf. ep_destroy_wakeup_source(): EPOLL_CTL_MOD dropped EPOLLWAKEUP. */
void mp_destroy_wakeup_source(struct mp_item *mpi)
{
	struct wakeup_source *ws = mp_item_ws(mpi);

	RCU_INIT_POINTER(mpi->ws, NULL);
	/* The callback may be using it under RCU. */
	synchronize_rcu();
	wakeup_source_unregister(ws);
}

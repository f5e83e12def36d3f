// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: instances and items - their memory, their tree, and the
 * reaping of items whose file went away. The locks and their order are
 * described in mp_lock.h.
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
 * (lifetime.c). An instance goes when its file is released
 * (mp_instance_release(), main.c): once every item is unhooked, neither
 * the hook nor a callback can reach it. A hook that took an item from
 * the closing instance may still be handing it over (mp->dead, reap_work,
 * mp->user), always inside one RCU read-side section: the release waits a
 * grace period for it, then cancels the reap work, and frees the memory
 * after another grace period, for the nest walks.
 */
#include <linux/device.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "mp.h"
#include "mp_lock.h"
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
	if (mp_ring_fed(mp))
		mp_ring_retract(mp, mpi);
	spin_unlock_irq(&mp->lock);

	wakeup_source_unregister(mp_item_ws(mpi));
	call_rcu(&mpi->rcu, mp_item_free_rcu);
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

// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: how an item learns that its file is gone.
 *
 * An epoll item lives exactly as long as its file: when the last reference
 * to the file goes, __fput() calls into eventpoll before ->release(), and
 * eventpoll drops every item of every instance watching that file. The
 * item holds no reference of its own, so closing the last fd of a socket
 * really closes it, while a dup() or a fork() keeps the item alive.
 *
 * A module has no such call in __fput(). minipoll gets the same moment
 * from a kprobe on __fput() (or, if that cannot be probed, on
 * locks_remove_file(), which __fput() calls just after the eventpoll
 * hook). The probe handler, the "release hook", runs in atomic context on
 * the task doing the final fput, before the file's ->release(), so the
 * target's wait queues still exist.
 *
 * Every watched file has an mp_tfile in a hash table keyed by the file
 * pointer; the tfile lists the items watching the file. The per-bucket
 * spinlock protects the chain, the tfiles in it and their item lists, and
 * it is what makes the teardown of an item's wait entries safe: whoever
 * detaches an item - the hook, or a ctl/close path under mp->mtx - does
 * so under the bucket lock, removing the wait entries before dropping it.
 * Once the hook has run, nobody touches the target's wait queues again;
 * and a remover that wins the race has taken the entries off before
 * ->release() can free the queues.
 *
 * The hook cannot take mp->mtx, so it cannot take the item out of the
 * rbtree. It marks the item dead, takes it off the ready list (unless an
 * event transfer owns the list), parks it on mp->dead and schedules the
 * instance's reap work. Every mp->mtx section starts by reaping (mp_lock),
 * so a dead item is never found under the mutex: a new file allocated at
 * the same address cannot meet the old item.
 *
 * Paths that call into the target after registration (re-poll, fdinfo,
 * nest checks) pin it with mp_item_fget(): under RCU, a live item's file
 * is valid memory (files are freed by call_rcu() in 6.1, after __fput()
 * and so after the hook marked the item dead), and inc-not-zero on
 * f_count fails once the file is on its way out.
 *
 * Without kprobes (or with release_hook=0) items pin their file with
 * get_file() instead: then a watched file stays open until it is deleted
 * from every instance or the instances are closed. This is announced once
 * in the kernel log.
 */
#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/hash.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "mp.h"

#define MP_TFILE_HASH_BITS	10

struct mp_bucket {
	spinlock_t lock;	/* the chain, its tfiles and their item lists */
	struct hlist_head head;	/* tfiles hashing here */
};

static struct mp_bucket *mp_buckets;

/* Number of watched files: the hook's almost free early exit. */
static atomic_t mp_nr_tfiles = ATOMIC_INIT(0);

/* Items hold a reference on their file (no release hook available). */
static bool mp_pin_files;

static bool release_hook = true;
module_param(release_hook, bool, 0444);
MODULE_PARM_DESC(release_hook,
		 "Drop items when their file's last reference goes, via a kprobe on __fput (default: on)");

static struct mp_bucket *mp_bucket_of(const struct file *file)
{
	return &mp_buckets[hash_ptr(file, MP_TFILE_HASH_BITS)];
}

/* Under the bucket lock, or under RCU. */
static struct mp_tfile *mp_tfile_find(struct mp_bucket *b, const struct file *file)
{
	struct mp_tfile *tfile;

	hlist_for_each_entry_rcu(tfile, &b->head, node, lockdep_is_held(&b->lock)) {
		if (tfile->file == file)
			return tfile;
	}
	return NULL;
}

/* The tfile of @file, if some item watches it. Caller holds rcu_read_lock(). */
struct mp_tfile *mp_tfile_lookup_rcu(struct file *file)
{
	return mp_tfile_find(mp_bucket_of(file), file);
}

/* Is some item, of any instance, watching @file? */
bool mp_file_watched(struct file *file)
{
	bool watched;

	rcu_read_lock();
	watched = mp_tfile_lookup_rcu(file);
	rcu_read_unlock();
	return watched;
}

/*
 * Hook a new item onto its file's tfile, creating the tfile if needed.
 * The caller holds mp->mtx and a reference on the file, so the release
 * hook cannot run for the file meanwhile.
 */
int mp_item_attach(struct mp_item *mpi)
{
	struct mp_bucket *b = mp_bucket_of(mpi->file);
	struct mp_tfile *tfile, *fresh = NULL;

	for (;;) {
		spin_lock(&b->lock);
		tfile = mp_tfile_find(b, mpi->file);
		if (tfile || fresh)
			break;
		spin_unlock(&b->lock);
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
		if (!fresh)
			return -ENOMEM;
	}
	if (!tfile) {
		tfile = fresh;
		fresh = NULL;
		tfile->file = mpi->file;
		INIT_HLIST_HEAD(&tfile->items);
		hlist_add_head_rcu(&tfile->node, &b->head);
		atomic_inc(&mp_nr_tfiles);
	}
	hlist_add_head_rcu(&mpi->tlink, &tfile->items);
	spin_unlock(&b->lock);
	kfree(fresh);

	if (mp_pin_files)
		get_file(mpi->file);
	return 0;
}

/*
 * Take @mpi's wait entries off the target's queues and the item off its
 * tfile, and stop charging its owner for it. From here on the item is
 * invisible to the release hook.
 */
static void mp_item_unhook(struct mp_bucket *b, struct mp_item *mpi)
{
	struct mp_tfile *tfile;

	lockdep_assert_held(&b->lock);

	mp_unregister_pollwait(mpi);
	tfile = mp_tfile_find(b, mpi->file);
	hlist_del_rcu(&mpi->tlink);
	if (hlist_empty(&tfile->items)) {
		hlist_del_rcu(&tfile->node);
		tfile->unhashed = true;
		atomic_dec(&mp_nr_tfiles);
		/* A nest check still walking it frees it when done. */
		if (!tfile->listed)
			kfree_rcu(tfile, rcu);
	}
	mp_watch_uncharge(mpi->mp->user);
}

/*
 * Detach @mpi for a removal under mp->mtx (EPOLL_CTL_DEL, close, failed
 * insert). Returns false if the release hook got there first: the item is
 * then dead and the reaper frees it.
 */
bool mp_item_detach(struct mp_item *mpi)
{
	struct mp_bucket *b = mp_bucket_of(mpi->file);

	lockdep_assert_held(&mpi->mp->mtx);

	spin_lock(&b->lock);
	if (mpi->dead) {
		spin_unlock(&b->lock);
		return false;
	}
	mp_item_unhook(b, mpi);
	spin_unlock(&b->lock);

	if (mp_pin_files)
		fput(mpi->file);
	return true;
}

/*
 * The release hook's part for one item: unhook it, then mark it dead and
 * hand it to the instance's reaper. Atomic context, bucket lock held.
 */
static void mp_item_kill(struct mp_bucket *b, struct mp_item *mpi)
{
	struct mp_instance *mp = mpi->mp;
	unsigned long flags;

	mp_item_unhook(b, mpi);

	spin_lock_irqsave(&mp->lock, flags);
	WRITE_ONCE(mpi->dead, true);
	/*
	 * Outside a transfer the ready list is ours to edit under mp->lock.
	 * During one, the transferring thread owns the item's link; it will
	 * see that the file is gone and drop the item itself.
	 */
	if (READ_ONCE(mp->ovflist) == MP_OVF_INACTIVE && !list_empty(&mpi->rdllink))
		list_del_init(&mpi->rdllink);
	mpi->dead_next = mp->dead;
	mp->dead = mpi;
	spin_unlock_irqrestore(&mp->lock, flags);

	/* Under the bucket lock: the instance cannot be freed meanwhile. */
	schedule_work(&mp->reap_work);
}

/* cf. eventpoll_release_file(): the last reference to @file is gone. */
static void mp_file_release(struct file *file)
{
	struct mp_bucket *b = mp_bucket_of(file);
	struct mp_tfile *tfile;
	bool watched;

	/*
	 * No item of this file can be attached concurrently: attaching
	 * needs a reference on the file, and there is none left.
	 */
	rcu_read_lock();
	watched = mp_tfile_find(b, file);
	rcu_read_unlock();
	if (!watched)
		return;

	spin_lock(&b->lock);
	while ((tfile = mp_tfile_find(b, file)))
		mp_item_kill(b, hlist_entry(tfile->items.first, struct mp_item, tlink));
	spin_unlock(&b->lock);
}

/*
 * Pin the target of a live item for a call into it. Returns NULL when the
 * file is being torn down: the caller then treats the item as not ready.
 */
struct file *mp_item_fget(struct mp_item *mpi)
{
	struct file *file = NULL;

	rcu_read_lock();
	if (!READ_ONCE(mpi->dead) && atomic_long_inc_not_zero(&mpi->file->f_count))
		file = mpi->file;
	rcu_read_unlock();
	return file;
}

/* nest.c: put @file's tfile on the check list at *head, once. */
void mp_tfile_list(struct file *file, struct mp_tfile **head)
{
	struct mp_bucket *b = mp_bucket_of(file);
	struct mp_tfile *tfile;

	spin_lock(&b->lock);
	tfile = mp_tfile_find(b, file);
	if (tfile && !tfile->listed) {
		tfile->listed = true;
		tfile->check_next = *head;
		*head = tfile;
	}
	spin_unlock(&b->lock);
}

/* nest.c: take @tfile off the check list; free it if it emptied meanwhile. */
void mp_tfile_unlist(struct mp_tfile *tfile)
{
	struct mp_bucket *b = mp_bucket_of(tfile->file);

	spin_lock(&b->lock);
	tfile->listed = false;
	if (tfile->unhashed)
		kfree_rcu(tfile, rcu);
	spin_unlock(&b->lock);
}

#ifdef CONFIG_KPROBES
static int mp_hook_pre(struct kprobe *kp, struct pt_regs *regs)
{
	if (atomic_read(&mp_nr_tfiles))
		mp_file_release((struct file *)regs_get_kernel_argument(regs, 0));
	return 0;
}

/* __fput() first; locks_remove_file() runs a few lines later in it. */
static struct kprobe mp_hooks[] = {
	{ .symbol_name = "__fput", .pre_handler = mp_hook_pre },
	{ .symbol_name = "locks_remove_file", .pre_handler = mp_hook_pre },
};

static struct kprobe *mp_hook;

static void mp_hook_register(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(mp_hooks); i++) {
		if (!register_kprobe(&mp_hooks[i])) {
			mp_hook = &mp_hooks[i];
			pr_info("items follow their file's lifetime (kprobe on %s%s)\n",
				mp_hook->symbol_name,
				kprobe_ftrace(mp_hook) ? ", ftrace-based" : "");
			return;
		}
	}
}

static void mp_hook_unregister(void)
{
	if (!mp_hook)
		return;
	unregister_kprobe(mp_hook);
	/*
	 * A hit is missed only if __fput() ran inside another kprobe's
	 * handler on the same CPU; an item could then have outlived its file.
	 */
	if (mp_hook->nmissed)
		pr_err("the file release hook missed %lu calls\n", mp_hook->nmissed);
	mp_hook = NULL;
}
#else
static struct kprobe *mp_hook;
static inline void mp_hook_register(void) { }
static inline void mp_hook_unregister(void) { }
#endif

int mp_lifetime_init(void)
{
	int i;

	mp_buckets = kvcalloc(1 << MP_TFILE_HASH_BITS, sizeof(*mp_buckets), GFP_KERNEL);
	if (!mp_buckets)
		return -ENOMEM;
	for (i = 0; i < 1 << MP_TFILE_HASH_BITS; i++) {
		spin_lock_init(&mp_buckets[i].lock);
		INIT_HLIST_HEAD(&mp_buckets[i].head);
	}

	if (release_hook)
		mp_hook_register();
	if (!mp_hook) {
		mp_pin_files = true;
		pr_warn("no file release hook: watched files stay open until removed from every instance\n");
	}
	return 0;
}

/* After the last instance is gone: no item, no tfile is left. */
void mp_lifetime_exit(void)
{
	/* Returns once no handler runs any more. */
	mp_hook_unregister();
	/* Let kfree_rcu() of the last tfiles finish with the table idle. */
	synchronize_rcu();
	kvfree(mp_buckets);
}

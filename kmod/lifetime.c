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
 * Every watched file has an mp_tfile in a resizable hash table (an
 * rhashtable) keyed by the file pointer; the tfile lists the items watching
 * the file. The table grows with the number of watched files (it does
 * not shrink: see mp_tfile_params), so finding a file's tfile costs the
 * same at 10 watched files as at 100,000. Lookups run under RCU and take
 * no lock; the table's own bucket locks serialise insertions and
 * removals.
 *
 * Each tfile's spinlock protects its item list and its flags, and it is
 * what makes the teardown of an item's wait entries safe: whoever
 * detaches an item - the hook, or a ctl/close path under mp->mtx - does
 * so under that lock, removing the wait entries before dropping it. Once
 * the hook has run, nobody touches the target's wait queues again; and a
 * remover that wins the race has taken the entries off before ->release()
 * can free the queues. Whoever takes the last item off a tfile removes
 * the tfile from the table under its lock and marks it unhashed; a path
 * that found it by a lookup, then took its lock, checks that mark before
 * using it. An unhashed tfile is freed after a grace period, so a lookup
 * under RCU can always take its lock.
 *
 * The hook cannot take mp->mtx, so it cannot take the item out of the
 * rbtree. It marks the item dead, takes it off the ready list (unless an
 * event transfer owns the list), parks it on mp->dead and schedules the
 * instance's reap work. Every mp->mtx section starts by reaping (mp_lock),
 * so a dead item is never found under the mutex: a new file allocated at
 * the same address cannot meet the old item.
 *
 * A closing instance may lose the race for an item to the hook. The hook
 * does all of its work - unhooking, uncharging the owner, parking the
 * item on mp->dead and queueing the reap work, these two under mp->lock
 * - inside one RCU read-side section, so the instance's release waits a
 * grace period before it frees what the hook touches
 * (mp_instance_release()). An item the reaper already took needs no
 * wait: the hook finished with the instance before the reaper could
 * see it.
 *
 * Paths that call into the target after registration (re-poll, fdinfo,
 * nest checks) pin it with mp_item_fget(): under RCU, a live item's file
 * is valid memory (files are freed after __fput(), so after the hook
 * marked the item dead, and only after a grace period), and inc-not-zero
 * on f_count fails once the file is on its way out.
 *
 * Failing closed
 * --------------
 * Items hold no reference, so a hook that does not fire would leave wait
 * entries on queues that ->release() frees. The hook is therefore used
 * only while it can be trusted (mp_hook_trusted()): its kprobe is
 * registered and has never missed a hit, and a kprobe of the same kind
 * on a function of ours fires when ADD calls it. When it cannot be
 * trusted, the tfile of the file being added takes a reference on the
 * file ("pins" it): the file then stays open until it is deleted from
 * every instance or the instances are closed, as with release_hook=0 or
 * a kernel without kprobes. Writing to debugfs' kprobes/enabled, which
 * can disarm every kprobe at once, first pins every watched file (a
 * kprobe on the write handler), so that items attached before the write
 * are covered too. Each change of mode is announced in the kernel log.
 */
#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/hash.h>
#include <linux/kprobes.h>
#include <linux/kstrtox.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mp.h"
#include "mp_trace.h"

/* The table of watched files, of struct mp_tfile. Lookups under RCU. */
static struct rhashtable mp_tfiles;

/*
 * The key is a pointer: one multiplication (hash_64()) mixes it well
 * enough and costs less than the default jhash2() over its two words.
 */
static u32 mp_tfile_hashfn(const void *data, u32 len, u32 seed)
{
	return hash_64((unsigned long)*(struct file *const *)data ^ seed, 32);
}

/* And a key compare that is one load, not a memcmp() call of key_len. */
static int mp_tfile_cmpfn(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct mp_tfile *tfile = obj;

	return tfile->file != *(struct file *const *)arg->key;
}

static const struct rhashtable_params mp_tfile_params = {
	.key_len = sizeof(struct file *),
	.key_offset = offsetof(struct mp_tfile, file),
	.head_offset = offsetof(struct mp_tfile, node),
	.hashfn = mp_tfile_hashfn,
	.obj_cmpfn = mp_tfile_cmpfn,
	/*
	 * Each resize is a rehash in a kworker: thousands of instructions
	 * for the switch alone, ~100 per entry moved. The table starts at
	 * 1,024 buckets (8 KiB) and only grows: a set that comes and goes
	 * pays its growth once, not a shrink and a regrowth per swing. The
	 * cost is memory: 8 bytes a bucket, up to ~21 per file at the most
	 * files ever watched at once, until the module is unloaded.
	 */
	.min_size = 1024,
};

/* Number of watched files: the hook's almost free early exit. */
static atomic_t mp_nr_tfiles = ATOMIC_INIT(0);

static bool release_hook = true;
module_param(release_hook, bool, 0444);
MODULE_PARM_DESC(release_hook,
		 "Drop items when their file's last reference goes, via a kprobe on __fput (default: on)");

/* The tfile of @file, if some item watches it. Caller holds rcu_read_lock(). */
struct mp_tfile *mp_tfile_lookup_rcu(struct file *file)
{
	return rhashtable_lookup(&mp_tfiles, &file, mp_tfile_params);
}

/*
 * Keep the watched instance's count of watchers (mp->watchers). The
 * instance lives at least as long as the item is attached: its file's
 * ->release() runs after the release hook has unhooked every item.
 */
static void mp_watchers_add(struct mp_item *mpi, int delta)
{
	if (is_file_minipoll(mpi->file))
		atomic_add(delta, &((struct mp_instance *)mpi->file->private_data)->watchers);
}

/* Make @tfile hold a reference on its file, unless it holds one or is going. */
static void mp_tfile_pin(struct mp_tfile *tfile)
{
	lockdep_assert_held(&tfile->lock);

	/*
	 * Hashed means the hook has not run for the file, so the file is
	 * valid memory; a zero count means __fput() is under way and the
	 * hook, waiting for our lock, unhooks every item.
	 */
	if (!tfile->unhashed && !tfile->pinned &&
	    atomic_long_inc_not_zero(&tfile->file->f_count))
		tfile->pinned = true;
}

static bool mp_hook_trusted(void);

/*
 * Hook a new item onto its file's tfile, creating the tfile if needed.
 * The caller holds mp->mtx and a reference on the file, so the release
 * hook cannot run for the file meanwhile; another instance's DEL may
 * empty and unhash the tfile we find, and then we start again.
 *
 * The common case, a file no other item watches, costs one lookup and
 * one insertion: the new tfile goes into the table with the item already
 * on its list, so it needs no lock.
 */
int mp_item_attach(struct mp_item *mpi)
{
	struct mp_tfile *tfile, *fresh = NULL;
	bool pin = !mp_hook_trusted();

	for (;;) {
		bool joined = false;

		/*
		 * A tfile found by the lookup may be emptied and unhashed
		 * before we get its lock; its memory stays valid until the
		 * grace period ends.
		 */
		rcu_read_lock();
		tfile = mp_tfile_lookup_rcu(mpi->file);
		if (tfile) {
			spin_lock(&tfile->lock);
			joined = !tfile->unhashed;
			if (joined)
				hlist_add_head_rcu(&mpi->tlink, &tfile->items);
			spin_unlock(&tfile->lock);
		}
		rcu_read_unlock();
		if (joined)
			break;

		if (!fresh) {
			fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
			if (!fresh)
				return -ENOMEM;
			fresh->file = mpi->file;
			spin_lock_init(&fresh->lock);
		}
		INIT_HLIST_HEAD(&fresh->items);
		hlist_add_head_rcu(&mpi->tlink, &fresh->items);
		tfile = rhashtable_lookup_get_insert_fast(&mp_tfiles, &fresh->node,
							  mp_tfile_params);
		if (!tfile) {
			atomic_inc(&mp_nr_tfiles);
			tfile = fresh;
			fresh = NULL;
			break;
		}
		if (IS_ERR(tfile)) {
			/*
			 * No memory for a bigger table (-ENOMEM), or a rehash
			 * already under way with chains too long (-EBUSY): an
			 * ADD that cannot find room, as epoll's ENOMEM.
			 */
			kfree(fresh);
			return -ENOMEM;
		}
		/* Inserted by another instance meanwhile: join it. */
	}
	kfree(fresh);
	mp_watchers_add(mpi, 1);

	/*
	 * Our item keeps the tfile hashed, and the caller's reference keeps
	 * the hook away: the tfile found or inserted above is still ours.
	 */
	if (pin) {
		spin_lock(&tfile->lock);
		mp_tfile_pin(tfile);
		spin_unlock(&tfile->lock);
	}
	return 0;
}

/* cf. ep_remove_wait_queue() */
static void mp_pwq_remove(struct mp_pwq *pwq)
{
	wait_queue_head_t *whead;

	/*
	 * A queue that announced POLLFREE is freed only after an RCU grace
	 * period; NULL here (paired with the callback's release) means the
	 * callback already unlinked us. Otherwise whead->lock orders us
	 * against the callback.
	 */
	rcu_read_lock();
	/* Acquire: pairs with the release in mp_poll_callback(). */
	whead = smp_load_acquire(&pwq->whead);
	if (whead) {
		remove_wait_queue(whead, &pwq->wait);
		trace_minipoll_wq_remove(mp_pwq_item(pwq), whead, 0);
	}
	rcu_read_unlock();
}

/*
 * cf. ep_unregister_pollwait(). Called by whoever detaches the item,
 * under the lock of its file's tfile; after this no callback
 * of the item runs or will run.
 */
void mp_unregister_pollwait(struct mp_item *mpi)
{
	struct mp_pwq *pwq;

	while ((pwq = mpi->pwqlist)) {
		mpi->pwqlist = pwq->next;
		mp_pwq_remove(pwq);
		kmem_cache_free(mp_pwq_cache, pwq);
	}
}

/*
 * Take @mpi's wait entries off the target's queues and the item off its
 * tfile, and stop charging its owner for it. From here on the item is
 * invisible to the release hook.
 */
static void mp_item_unhook(struct mp_tfile *tfile, struct mp_item *mpi)
{
	lockdep_assert_held(&tfile->lock);

	mp_unregister_pollwait(mpi);
	hlist_del_rcu(&mpi->tlink);
	mp_watchers_add(mpi, -1);
	if (hlist_empty(&tfile->items)) {
		/* Cannot fail: the tfile is in the table, we hold its lock. */
		rhashtable_remove_fast(&mp_tfiles, &tfile->node, mp_tfile_params);
		tfile->unhashed = true;
		atomic_dec(&mp_nr_tfiles);
		/*
		 * The hook never runs for a pinned file, so this is a ctl or
		 * close path in task context: the final __fput(), if this is
		 * it, is deferred to task work or a kworker.
		 */
		if (tfile->pinned)
			fput(tfile->file);
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
	struct mp_tfile *tfile;
	bool live = false;

	lockdep_assert_held(&mpi->mp->mtx);

	/*
	 * A live item is on its file's tfile, which stays in the table while
	 * the item is on it. No tfile, an unhashed one, or one that is not
	 * the item's (its file went away and the address was reused) means
	 * the hook killed the item; dead, set under the lock the hook held
	 * before the tfile went, says so.
	 */
	rcu_read_lock();
	tfile = mp_tfile_lookup_rcu(mpi->file);
	if (tfile) {
		spin_lock(&tfile->lock);
		live = !tfile->unhashed && !mpi->dead;
		if (live)
			mp_item_unhook(tfile, mpi);
		spin_unlock(&tfile->lock);
	}
	rcu_read_unlock();
	return live;
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

/*
 * The release hook's part for one item: unhook it, then mark it dead and
 * hand it to the instance's reaper. Atomic context, tfile lock held, and
 * inside the RCU read-side section that mp_instance_release() waits for
 * when the item's instance is closing: after mp_item_unhook() the
 * instance no longer finds the item, and may be on its way to freeing
 * mp->user and the reap work, which only that grace period holds back.
 */
static void mp_item_kill(struct mp_tfile *tfile, struct mp_item *mpi)
{
	struct mp_instance *mp = mpi->mp;
	unsigned long flags;

	mp_item_unhook(tfile, mpi);

	spin_lock_irqsave(&mp->lock, flags);
	WRITE_ONCE(mpi->dead, true);
	/*
	 * Outside a transfer the ready list is ours to edit under mp->lock.
	 * During one, the transferring thread owns the item's link; it will
	 * see that the file is gone and drop the item itself.
	 */
	if (READ_ONCE(mp->ovflist) == MP_OVF_INACTIVE) {
		if (!list_empty(&mpi->rdllink))
			list_del_init(&mpi->rdllink);
		/* The fd is closed: its entry goes, as it leaves the ready list. */
		if (mp_ring_fed(mp))
			mp_ring_retract(mp, mpi);
	}
	mpi->dead_next = mp->dead;
	mp->dead = mpi;
	/*
	 * Queued before the item can be reaped: once the item is taken off
	 * mp->dead under this lock, by any mp_lock(), the hook is done with
	 * the instance. A closing instance that reaped it before its walk
	 * (and so saw no item lost to the hook, and waits no grace period)
	 * then finds the work queued, and cancel_work_sync() catches it.
	 * Queued after the unlock, it could come after that cancel and run
	 * on a freed instance.
	 */
	schedule_work(&mp->reap_work);
	spin_unlock_irqrestore(&mp->lock, flags);
}

/* cf. eventpoll_release_file(): the last reference to @file is gone. */
static void mp_file_release(struct file *file)
{
	struct mp_tfile *tfile;
	struct mp_item *mpi;
	struct hlist_node *n;

	/*
	 * No item of this file can be attached concurrently: attaching
	 * needs a reference on the file, and there is none left. A DEL
	 * racing with us may empty the tfile first; then it is unhashed.
	 */
	rcu_read_lock();
	tfile = mp_tfile_lookup_rcu(file);
	if (tfile) {
		spin_lock(&tfile->lock);
		/*
		 * Emptied and unhashed meanwhile: the list is empty. The
		 * last kill unhashes the tfile, which stays ours to unlock.
		 */
		hlist_for_each_entry_safe(mpi, n, &tfile->items, tlink)
			mp_item_kill(tfile, mpi);
		spin_unlock(&tfile->lock);
	}
	rcu_read_unlock();
}

/*
 * Pin the target of a live item for a call into it. Returns NULL when the
 * file is being torn down: the caller then treats the item as not ready.
 */
struct file *mp_item_fget(struct mp_item *mpi)
{
	struct file *file = NULL;

	rcu_read_lock();
	if (!READ_ONCE(mpi->dead) && atomic_long_inc_not_zero(&mpi->file->f_count)) {
		file = mpi->file;
		/*
		 * Where the file cache reuses a freed file within a grace
		 * period (SLAB_TYPESAFE_BY_RCU), the count may be a new
		 * file's. The hook marks the item dead before the old file
		 * is freed, and the increment is a full barrier: an item
		 * still alive now means the file is the one we watch.
		 */
		if (READ_ONCE(mpi->dead)) {
			fput(file);
			file = NULL;
		}
	}
	rcu_read_unlock();
	return file;
}

/* nest.c: put @file's tfile on the check list at *head, once. */
void mp_tfile_list(struct file *file, struct mp_tfile **head)
{
	struct mp_tfile *tfile;

	rcu_read_lock();
	tfile = mp_tfile_lookup_rcu(file);
	if (tfile) {
		spin_lock(&tfile->lock);
		if (!tfile->unhashed && !tfile->listed) {
			tfile->listed = true;
			tfile->check_next = *head;
			*head = tfile;
		}
		spin_unlock(&tfile->lock);
	}
	rcu_read_unlock();
}

/* nest.c: take @tfile off the check list; free it if it emptied meanwhile. */
void mp_tfile_unlist(struct mp_tfile *tfile)
{
	bool unhashed;

	spin_lock(&tfile->lock);
	tfile->listed = false;
	unhashed = tfile->unhashed;
	spin_unlock(&tfile->lock);
	/* Unhashed: nobody else can reach it to take the lock any more. */
	if (unhashed)
		kfree_rcu(tfile, rcu);
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

/* The registered hook, or NULL. Set at load, cleared at unload. */
static struct kprobe *mp_hook;

/*
 * The canary: a function of ours with a kprobe of the hook's kind on it.
 * Whatever stops the hook from firing - kprobes disarmed, ftrace shut
 * down after a fault - stops the canary too, and ADD sees that at once.
 */
static DEFINE_PER_CPU(bool, mp_canary_hit);

static noinline void mp_hook_canary(void)
{
	/*
	 * Not to be merged away: the probe sits on its first instruction.
	 * The clobber tells the caller the call may write memory, as the
	 * probe's handler does: where per-CPU accesses are plain C (6.12's
	 * __seg_gs), the flag would otherwise be read as written before it.
	 */
	barrier();
}

static int mp_canary_pre(struct kprobe *kp, struct pt_regs *regs)
{
	__this_cpu_write(mp_canary_hit, true);
	return 0;
}

static struct kprobe mp_canary = {
	.symbol_name = KBUILD_MODNAME ":mp_hook_canary",
	.pre_handler = mp_canary_pre,
};

static bool mp_canary_registered;

/* Pin every watched file: kprobes are about to be disarmed. */
static void mp_pin_all(void)
{
	struct rhashtable_iter iter;
	struct mp_tfile *tfile;

	rhashtable_walk_enter(&mp_tfiles, &iter);
	rhashtable_walk_start(&iter);
	while ((tfile = rhashtable_walk_next(&iter))) {
		/* -EAGAIN: a resize rewound the walk; pinning twice is a no-op. */
		if (IS_ERR(tfile))
			continue;
		spin_lock(&tfile->lock);
		mp_tfile_pin(tfile);
		spin_unlock(&tfile->lock);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

/*
 * Before a write to debugfs' kprobes/enabled: one that disarms kprobes
 * (or that we cannot read) would leave the items attached so far without
 * a hook, so their files are pinned now, while the hook still works.
 * Runs in the writer's task with preemption off.
 */
static int mp_disarm_pre(struct kprobe *kp, struct pt_regs *regs)
{
	const char __user *ubuf = (const char __user *)regs_get_kernel_argument(regs, 1);
	size_t count = regs_get_kernel_argument(regs, 2);
	char buf[3] = { };
	bool enable;

	if (count < 1 || copy_from_user_nofault(buf, ubuf, min_t(size_t, count, 2)) ||
	    kstrtobool(buf, &enable) || !enable) {
		if (atomic_read(&mp_nr_tfiles)) {
			pr_warn("kprobes may be disarmed: every watched file is pinned until removed\n");
			mp_pin_all();
		}
	}
	return 0;
}

static struct kprobe mp_disarm_guard = {
	.symbol_name = "write_enabled_file_bool",
	.pre_handler = mp_disarm_pre,
};

static bool mp_guard_registered;

/* Whether the last check trusted the hook; logs each change once. */
static atomic_t mp_hook_ok = ATOMIC_INIT(1);

/*
 * May a new item rely on the release hook? Only if the hook is there,
 * has never missed a call (a miss means an item may have outlived its
 * file: nothing can repair that, but no new item is exposed to it), and
 * the canary fires now. Costs one ftrace-based kprobe hit per ADD.
 */
static bool mp_hook_trusted(void)
{
	bool ok;

	/* Without them, every file is pinned: said once at load. */
	if (!mp_hook || !mp_canary_registered)
		return false;

	ok = !READ_ONCE(mp_hook->nmissed);
	if (ok) {
		preempt_disable();
		__this_cpu_write(mp_canary_hit, false);
		mp_hook_canary();
		ok = __this_cpu_read(mp_canary_hit);
		preempt_enable();
	}
	if (unlikely(atomic_read(&mp_hook_ok) != ok) &&
	    atomic_xchg(&mp_hook_ok, ok) != ok) {
		if (ok)
			pr_info("the file release hook fires again: new watches follow their file's lifetime\n");
		else
			pr_warn("the file release hook cannot be trusted (%s): new watches pin their file\n",
				mp_hook->nmissed ? "it missed calls" : "kprobes disarmed");
	}
	return ok;
}

/* A kprobe whose handler runs in task context, or -errno. */
static int mp_register_ftrace_kprobe(struct kprobe *kp)
{
	int error = register_kprobe(kp);

	if (error)
		return error;
	/*
	 * The handlers take rhashtable bucket locks with local_bh_disable(),
	 * which an int3-based probe (NMI-like context) cannot do.
	 */
	if (!kprobe_ftrace(kp)) {
		unregister_kprobe(kp);
		return -EOPNOTSUPP;
	}
	return 0;
}

static void mp_hook_register(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(mp_hooks); i++) {
		if (mp_register_ftrace_kprobe(&mp_hooks[i]))
			continue;
		mp_hook = &mp_hooks[i];
		break;
	}
	if (!mp_hook)
		return;
	mp_canary_registered = !mp_register_ftrace_kprobe(&mp_canary);
	mp_guard_registered = !mp_register_ftrace_kprobe(&mp_disarm_guard);
	if (!mp_canary_registered)
		pr_warn("cannot check the release hook (no canary probe): watched files are pinned\n");
	else
		pr_info("items follow their file's lifetime (ftrace-based kprobe on %s)\n",
			mp_hook->symbol_name);
	if (!mp_guard_registered)
		pr_info("no probe on kprobes/enabled: a disarm is seen at the next ADD\n");
}

static void mp_hook_unregister(void)
{
	if (mp_guard_registered)
		unregister_kprobe(&mp_disarm_guard);
	if (mp_canary_registered)
		unregister_kprobe(&mp_canary);
	mp_guard_registered = false;
	mp_canary_registered = false;
	if (!mp_hook)
		return;
	unregister_kprobe(mp_hook);
	if (mp_hook->nmissed)
		pr_err("the file release hook missed %lu calls\n", mp_hook->nmissed);
	mp_hook = NULL;
}
#else
static bool mp_hook_trusted(void)
{
	return false;
}

static inline void mp_hook_register(void) { }
static inline void mp_hook_unregister(void) { }
#endif

int mp_lifetime_init(void)
{
	int error;

	error = rhashtable_init(&mp_tfiles, &mp_tfile_params);
	if (error)
		return error;

	if (release_hook)
		mp_hook_register();
	if (!mp_hook)
		pr_warn("no file release hook: watched files stay open until removed from every instance\n");
	return 0;
}

/* After the last instance is gone: no item, no tfile is left. */
void mp_lifetime_exit(void)
{
	/* Returns once no handler runs any more. */
	mp_hook_unregister();
	/* Let kfree_rcu() of the last tfiles finish with the table idle. */
	synchronize_rcu();
	/* Empty by now: the last tfile left with the last item. */
	rhashtable_destroy(&mp_tfiles);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minipoll: the structures of the eventpoll core and the functions the
 * files of the module share.
 *
 * Vocabulary, used in every file:
 *	mp	an instance: one open() of /dev/minipoll (cf. struct eventpoll)
 *	mpi	an item: one watched (file, fd) pair of an instance (cf. epitem)
 *	pwq	one wait-queue entry an item hung on a target's wait queue
 *	tfile	the bookkeeping of one watched struct file, shared by all
 *		the items of all instances that watch it
 *
 * The locks named in the field comments are described, with their order,
 * in mp_lock.h.
 */
#ifndef MINIPOLL_MP_H
#define MINIPOLL_MP_H

#include <linux/capability.h>
#include <linux/fs.h>		/* before eventpoll.h, which needs it */
#include <linux/eventpoll.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rbtree.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "compat.h"

/* Bits of an item's mask that steer minipoll itself and are never reported. */
#define MP_PRIVATE_BITS	(EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)

/* The only bits an EPOLLEXCLUSIVE registration may carry. */
#define MP_EXCLUSIVE_OK_BITS	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | \
				 EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)

/* At most this many instances may sit below one another, plus the top one. */
#define MP_MAX_NESTS	4

/* Largest maxevents a wait accepts: the byte count must fit an int. */
#define MP_MAX_EVENTS	(INT_MAX / sizeof(struct epoll_event))

/* mp->ovflist and mpi->next when no event transfer is running. */
#define MP_OVF_INACTIVE	((void *)-1L)

/*
 * What one run of the wake-up callback did for its item: the outcome of
 * the minipoll_callback tracepoint (Documentation/tracepoints.md).
 */
enum mp_cb_outcome {
	MP_CB_QUEUED = 0,	/* added to the ready list */
	MP_CB_CHAINED = 1,	/* chained on the overflow list (transfer running) */
	MP_CB_ALREADY = 2,	/* already on the ready or overflow list */
	MP_CB_IGN_MASK = 3,	/* the key holds nothing the item asked for */
	MP_CB_IGN_DISARMED = 4,	/* EPOLLONESHOT fired: no events until MOD */
	MP_CB_POLLFREE = 5,	/* the queue is going away (handled as above, too) */
	MP_CB_PUBLISHED = 6,	/* published in the fed ring */
	MP_CB_MERGED = 7,	/* merged into its entry still in the fed ring */
};

struct mp_instance;
struct seq_file;
struct mp_user;
struct mp_ring;
struct vm_area_struct;

/*
 * The bookkeeping of one watched struct file: every item, of any instance,
 * that watches it. Lives in a resizable hash table keyed by the file
 * pointer (lifetime.c) for as long as some item watches the file.
 */
struct mp_tfile {
	/* Link in the table. The table's bucket locks; RCU for lookups. */
	struct rhash_head node;
	/* The watched file: the hash key. Constant. */
	struct file *file;
	/* Items watching the file, via mpi->tlink. lock; RCU walks. */
	struct hlist_head items;
	/* Next entry on the nest check list (nest.c). mp_nest_mutex. */
	struct mp_tfile *check_next;
	/*
	 * Guards items, listed and unhashed; whoever detaches an item holds
	 * it (lifetime.c). Taken by the release hook in atomic context.
	 */
	spinlock_t lock;
	/* On the check list: must outlive its last item. lock. */
	bool listed;
	/* Taken out of the table because no item is left. lock. */
	bool unhashed;
	/*
	 * The tfile holds a reference on the file, because the release hook
	 * could not be trusted when an item was attached or since: see
	 * mp_hook_trusted() in lifetime.c. Dropped when the tfile is
	 * unhashed. lock.
	 */
	bool pinned;
	struct rcu_head rcu;
};

/*
 * One wait-queue entry of an item on one wait queue of its target. Sized
 * to one 64-byte slab object: the owning item lives in wait.private, which
 * wake-ups ignore for entries with their own func (only
 * default_wake_function() reads it), so the counters below cost nothing.
 */
struct mp_pwq {
	/*
	 * Linked on *whead; our callback is its func, the item its private.
	 * whead->lock.
	 */
	wait_queue_entry_t wait;
	/*
	 * The queue the entry is on. Set to NULL (release) by the callback
	 * when the queue announces POLLFREE; read with acquire under RCU.
	 */
	wait_queue_head_t *whead;
	/* Next entry of the same item. See mpi->pwqlist. */
	struct mp_pwq *next;
	/*
	 * Statistics for the dump: callbacks that ran for this entry, and
	 * those that found nothing for the item (key outside its mask, or
	 * disarmed). Written by the callback, so under whead->lock; final
	 * once whead is NULL.
	 */
	u32 callbacks;
	u32 ignored;
};

/* The item a wait entry wakes. Constant. */
static inline struct mp_item *mp_pwq_item(const struct mp_pwq *pwq)
{
	return pwq->wait.private;
}

/*
 * One watched (file, fd) pair. A busy server has hundreds of thousands of
 * these, so the structure is kept within two cache lines (128 bytes on
 * 64-bit): think twice before adding a field.
 */
struct mp_item {
	union {
		/* Node in mp->items, keyed by (file, fd). mp->mtx. */
		struct rb_node rbn;
		/* Frees the item after an RCU grace period. */
		struct rcu_head rcu;
	};
	/*
	 * Link on mp->rdllist or on the private list of the event transfer
	 * that took it (see core.c). Empty when the item is not queued.
	 */
	struct list_head rdllink;
	/* Chain of mp->ovflist, or MP_OVF_INACTIVE when unchained. mp->lock. */
	struct mp_item *next;
	/* The watched file, a key only: no reference is held (lifetime.c). */
	struct file *file;
	/* The fd number the item was added with; second half of the key. */
	int fd;
	/*
	 * The file's last reference went away and lifetime.c unhooked the
	 * item. Set once, under the tfile's lock and mp->lock.
	 */
	bool dead;
	/*
	 * The slot of the item's last entry in a fed ring (ring.c), valid
	 * only while that slot's owner is this item. Fits the padding
	 * after dead: a ring has at most 65536 slots. mp->lock, or a fill.
	 */
	u16 ring_slot;
	/*
	 * Wait entries the item registered. Built while the target file is
	 * pinned; freed by whoever detaches the item, under the tfile's lock.
	 */
	struct mp_pwq *pwqlist;
	/* The instance that owns the item. Constant. */
	struct mp_instance *mp;
	/* Link in the tfile's list of items watching the same file. Its lock. */
	struct hlist_node tlink;
	/* Next item on mp->dead, waiting to be reaped. mp->lock. */
	struct mp_item *dead_next;
	/* Keeps the system awake while an EPOLLWAKEUP item is ready. RCU. */
	struct wakeup_source __rcu *ws;
	/*
	 * What the caller asked for and the data to report. Written under
	 * mp->mtx; events is also read by the wake-up callback without it.
	 */
	struct epoll_event event;
	/*
	 * Events of this item copied to user space, for the dump. mp->mtx,
	 * or mp->lock outside scans when a fed ring publishes it.
	 * Fills the tail padding left by the packed 12-byte epoll_event of
	 * x86-64; where epoll_event is 16 bytes this would cost 8 more.
	 */
	u32 deliveries;
};

/* One instance: the private data of an open /dev/minipoll file. */
struct mp_instance {
	/*
	 * Serialises ctl, event transfer, scans from ->poll, fdinfo and the
	 * reaping of dead items. Nested instances take it with the nesting
	 * depth as lockdep subclass.
	 */
	struct mutex mtx;
	/* Threads sleeping in MINIPOLL_IOC_WAIT. Changed under mp->lock. */
	wait_queue_head_t wq;
	/* Pollers of the instance file: poll(), real epoll, parent instances. */
	wait_queue_head_t poll_wait;
	/* Items with events to report. mp->lock; see the transfer rules. */
	struct list_head rdllist;
	/* Protects rdllist, ovflist, dead and wq; the callback runs in IRQs. */
	spinlock_t lock;
	/* All items, ordered by (file pointer, fd) as epoll orders them. mp->mtx. */
	struct rb_root_cached items;
	/*
	 * Items woken while an event transfer runs without mp->lock, chained
	 * through mpi->next (newest first); MP_OVF_INACTIVE outside a
	 * transfer. mp->lock.
	 */
	struct mp_item *ovflist;
	/*
	 * Items whose file went away, to be reaped under mp->mtx. mp->lock;
	 * an item joins it in the same section that queues reap_work.
	 */
	struct mp_item *dead;
	/*
	 * Reaps dead items soon after their file went away. Queued by the
	 * release hook under mp->lock as it parks the item on mp->dead,
	 * inside its RCU read-side section: the instance's release waits a
	 * grace period before cancelling it whenever a hook took one of its
	 * items still in the tree, and an item already reaped had its work
	 * queued first (mp_instance_release()).
	 */
	struct work_struct reap_work;
	/* Held while a transfer moves EPOLLWAKEUP items. mp->mtx. */
	struct wakeup_source *ws;
	/*
	 * The user charged for our items (watch limit). Constant. The
	 * release hook uncharges it without mp->mtx: it is put only after
	 * the grace period above.
	 */
	struct mp_user *user;
	/* The instance's own file: a lookup key, never dereferenced. Constant. */
	struct file *file;
	/* Generation of the last loop/depth visit. mp_nest_mutex. */
	u64 gen;
	/* Depth found by that visit. mp_nest_mutex. */
	int loop_depth;
	/*
	 * The ready ring (ring.c), NULL until MINIPOLL_IOC_RING_SETUP. Set
	 * once under mp->mtx with release, read with acquire by mmap(),
	 * which cannot take mp->mtx; freed with the instance.
	 */
	struct mp_ring *ring;
	/*
	 * Items, of any instance, watching this instance's file: what
	 * ADD asks to know whether new wake-up paths of length 2 can form
	 * (cf. epoll's READ_ONCE(file->f_ep)), without a table lookup.
	 * Atomic: changed where those items are attached and unhooked
	 * (lifetime.c), under no lock shared by all of them; read racily.
	 */
	atomic_t watchers;
	/* Wake-up nesting level for lockdep. poll_wait.lock. */
	u8 nests;
	/* Frees the instance after a grace period (nest walks run under RCU). */
	struct rcu_head rcu;
	/* Names the instance in dumps, tracepoints and debugfs. Constant. */
	u64 id;
	/* Its file in debugfs (dump.c), or an error pointer. Constant. */
	struct dentry *debugfs;
	/* Busy-poll parameters of EPIOCSPARAMS (main.c). READ/WRITE_ONCE. */
	struct mp_epoll_params params;
};

/* Wrapper handed to vfs_poll() when an item registers its wait entries. */
struct mp_pqueue {
	poll_table pt;
	/* The item being registered; NULL once an allocation failed. */
	struct mp_item *mpi;
};

/* main.c */
extern const struct file_operations mp_fops;
void mp_instance_release(struct mp_instance *mp);

static inline bool is_file_minipoll(const struct file *file)
{
	return file->f_op == &mp_fops;
}

/* Is the item on the ready list (or on a transfer's private list)? */
static inline bool mp_item_linked(const struct mp_item *mpi)
{
	return !list_empty(&mpi->rdllink);
}

/* core.c */
extern struct kmem_cache *mp_pwq_cache;
int mp_cache_init(void);
void mp_cache_exit(void);
struct mp_item *mp_item_alloc(void);
void mp_item_free_now(struct mp_item *mpi);
struct mp_instance *mp_instance_alloc(struct file *file);
struct mp_item *mp_find(struct mp_instance *mp, struct file *file, int fd);
void mp_rb_insert(struct mp_instance *mp, struct mp_item *mpi);
void mp_item_free(struct mp_instance *mp, struct mp_item *mpi);
void mp_reap(struct mp_instance *mp);
void mp_reap_work(struct work_struct *work);
struct wakeup_source *mp_item_ws(struct mp_item *mpi);
void mp_pm_stay_awake(struct mp_item *mpi);
void mp_pm_stay_awake_rcu(struct mp_item *mpi);
int mp_create_wakeup_source(struct mp_item *mpi);
void mp_destroy_wakeup_source(struct mp_item *mpi);

/* ready.c */
bool mp_events_available(struct mp_instance *mp);
void mp_start_scan(struct mp_instance *mp, struct list_head *txlist);
unsigned int mp_done_scan(struct mp_instance *mp, struct list_head *txlist);
void mp_poll_safewake(struct mp_instance *mp, struct mp_item *mpi, __poll_t pollflags);
void mp_ptable_queue_proc(struct file *file, wait_queue_head_t *whead, poll_table *pt);
void mp_queue_if_ready(struct mp_instance *mp, struct mp_item *mpi, __poll_t revents);
__poll_t mp_item_poll(struct mp_item *mpi, poll_table *pt, int depth);
__poll_t mp_poll(struct file *file, poll_table *wait);

/* ctl.c */
int mp_ctl_locked(struct mp_instance *mp, int op, int fd, struct epoll_event *ev);
long mp_ioctl_ctl(struct mp_instance *mp, void __user *argp);

/* batch.c */
long mp_ioctl_ctl_batch(struct mp_instance *mp, void __user *argp);

/* wait.c */
long mp_ioctl_wait(struct mp_instance *mp, void __user *argp);
long mp_ioctl_ring_wait(struct mp_instance *mp, void __user *argp);

/* ring.c */
long mp_ioctl_ring_setup(struct mp_instance *mp, void __user *argp);
int mp_ring_mmap(struct file *file, struct vm_area_struct *vma);
void mp_ring_free(struct mp_instance *mp);
u32 mp_ring_pending(struct mp_ring *ring);
int mp_ring_space(struct mp_ring *ring);
void mp_ring_put(struct mp_ring *ring, int i, struct mp_item *mpi, __poll_t revents);
int mp_ring_publish(struct mp_ring *ring, int n);
bool mp_ring_is_fed(struct mp_ring *ring);
enum mp_cb_outcome mp_ring_feed(struct mp_instance *mp, struct mp_item *mpi, __poll_t revents);
void mp_ring_retract(struct mp_instance *mp, struct mp_item *mpi);
void mp_ring_set_queued(struct mp_instance *mp, bool queued);
bool mp_ring_takeable(struct mp_instance *mp);
int mp_ring_take(struct mp_instance *mp, struct epoll_event __user *uevents, int max);
void __mp_ring_watch(struct mp_instance *mp, __poll_t events);

/*
 * Does @mp have a fed ring (ring_entries.c)? mp->ring is set once, before
 * any item can see it, and freed only when no item is left. The test for
 * a ring is inline: instances without one pay a load and a branch on the
 * hot paths, not a call.
 */
static inline bool mp_ring_fed(struct mp_instance *mp)
{
	struct mp_ring *ring = READ_ONCE(mp->ring);

	return unlikely(ring) && mp_ring_is_fed(ring);
}

/* ADD or MOD gives an item @events: see __mp_ring_watch(). mp->mtx. */
static inline void mp_ring_watch(struct mp_instance *mp, __poll_t events)
{
	if (unlikely(mp->ring))
		__mp_ring_watch(mp, events);
}

/* nest.c */
void mp_nest_begin(void);
void mp_nest_end(void);
bool mp_nest_touched(struct mp_instance *mp);
int mp_loop_check(struct mp_instance *mp, struct mp_instance *to);
void mp_list_file(struct file *file);
int mp_reverse_path_check(void);

/* lifetime.c */
int mp_lifetime_init(void);
void mp_lifetime_exit(void);
int mp_item_attach(struct mp_item *mpi);
bool mp_item_detach(struct mp_item *mpi);
bool mp_item_remove(struct mp_instance *mp, struct mp_item *mpi, u32 reason);
void mp_unregister_pollwait(struct mp_item *mpi);
struct file *mp_item_fget(struct mp_item *mpi);
struct mp_tfile *mp_tfile_lookup_rcu(struct file *file);
void mp_tfile_list(struct file *file, struct mp_tfile **head);
void mp_tfile_unlist(struct mp_tfile *tfile);

/* watches.c */
struct mp_user *mp_user_get(void);
void mp_user_put(struct mp_user *user);
bool mp_watch_charge(struct mp_user *user);
void mp_watch_uncharge(struct mp_user *user);
int mp_watches_init(void);

/* names.c */
void mp_names_init(void);
u64 mp_obj_id(const void *ptr);
void mp_file_kind(struct file *file, char *kind, size_t size);
void mp_queue_owner(const char *kind, char *owner, size_t size);
void mp_queue_owner_of(struct file *file, char *owner, size_t size);
u32 mp_queue_len(wait_queue_head_t *whead);

/* dump.c */
int mp_dump_init(void);
void mp_dump_exit(void);
void mp_debugfs_add(struct mp_instance *mp);
void mp_debugfs_remove(struct mp_instance *mp);
long mp_ioctl_dump(struct mp_instance *mp, void __user *argp);

/* fdinfo.c */
void mp_show_fdinfo(struct seq_file *m, struct file *file);

#endif /* MINIPOLL_MP_H */

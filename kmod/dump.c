// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: the state dump - MINIPOLL_IOC_DUMP and, for root, the same
 * content as text in /sys/kernel/debug/minipoll/<id>. Objects are named
 * as the tracepoints name them (names.c).
 *
 * What a dump can see
 *	The dump holds mp->mtx, like ctl and the event transfer, so it sees
 *	a tree that does not change and never a transfer in flight: the
 *	overflow list only exists during a transfer, so an ioctl dump
 *	always reports it empty (nr_ovf 0, every ovf_pos -1). The debugfs
 *	reader shows it: when it finds the mutex taken, it first prints the
 *	overflow chain as it is under mp->lock alone (items cannot be freed
 *	without the mutex, and the chain changes only under mp->lock), then
 *	waits for the mutex and prints the full state. Tracepoints
 *	(minipoll_callback with outcome 1) show chaining as it happens.
 *
 *	An item's wait entries are walked with its target pinned
 *	(mp_item_fget()): the release hook cannot detach the item then, and
 *	ctl cannot either, since we hold mp->mtx. Each queue's length and
 *	the entry's counters are read under the queue's own lock, reached
 *	under RCU as removers do (the queue may have announced POLLFREE). An
 *	item whose file is being torn down shows no entries.
 */
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/rbtree_augmented.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <linux/minipoll.h>

#include "mp.h"
#include "mp_lock.h"

static struct dentry *mp_debugfs_dir;

/* Where the dump goes: user memory (the ioctl) or a seq_file (debugfs). */
struct mp_dump_sink {
	struct minipoll_dump *d;
	struct minipoll_dump_item __user *uitems;
	struct minipoll_dump_wq __user *uwqs;
	struct seq_file *m;
	int err;
};

/* Per item, in tree order: what the rbtree and the lists say about it. */
struct mp_dump_node {
	struct mp_item *mpi;
	s32 ready_pos;
	s32 ovf_pos;
};

/* Index of @mpi in @nodes (tree order: by file pointer, then fd), or -1. */
static s32 mp_dump_index(const struct mp_dump_node *nodes, u32 n, const struct mp_item *mpi)
{
	u32 lo = 0, hi = n;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct mp_item *x = nodes[mid].mpi;

		if (x == mpi)
			return mid;
		if (mpi->file > x->file || (mpi->file == x->file && mpi->fd > x->fd))
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static s32 mp_dump_node_index(const struct mp_dump_node *nodes, u32 n, struct rb_node *rbn)
{
	return rbn ? mp_dump_index(nodes, n, rb_entry(rbn, struct mp_item, rbn)) : -1;
}

static void mp_dump_put_wq(struct mp_dump_sink *s, u32 index, const struct minipoll_dump_wq *wq)
{
	if (s->m) {
		seq_printf(s->m, "  wq %u: head %016llx owner %s len %u%s%s\n", index,
			   (unsigned long long)wq->head_id, wq->owner, wq->queue_len,
			   wq->flags & MINIPOLL_DUMP_WQ_EXCLUSIVE ? " exclusive" : "",
			   wq->flags & MINIPOLL_DUMP_WQ_FREED ? " pollfree" : "");
		return;
	}
	if (!s->err && index < s->d->max_wqs &&
	    copy_to_user(&s->uwqs[index], wq, sizeof(*wq)))
		s->err = -EFAULT;
}

static const char *const mp_dump_states[] = { "ready", "overflow", "disarmed", "dead" };

/* Text: the item's own lines, which come before its wait entries. */
static void mp_dump_show_item(struct seq_file *m, u32 index, const struct minipoll_dump_item *it)
{
	int i;

	seq_printf(m, "item %u: fd %d file %016llx kind %s events %08x data %016llx\n",
		   index, it->fd, (unsigned long long)it->file_id,
		   it->kind[0] ? it->kind : "-", it->events, (unsigned long long)it->data);
	seq_printf(m, "  tree %s parent %d left %d right %d ready %d ovf %d state",
		   it->color == MINIPOLL_DUMP_RED ? "red" : "black",
		   it->parent, it->left, it->right, it->ready_pos, it->ovf_pos);
	if (!it->state)
		seq_puts(m, " idle");
	for (i = 0; i < ARRAY_SIZE(mp_dump_states); i++)
		if (it->state & (1U << i))
			seq_printf(m, " %s", mp_dump_states[i]);
	seq_putc(m, '\n');
}

/* After its wait entries, which the counters are summed from. */
static void mp_dump_put_item(struct mp_dump_sink *s, u32 index,
			     const struct minipoll_dump_item *it)
{
	if (s->m) {
		seq_printf(s->m, "  callbacks %u deliveries %u ignored %u wqs %u first %u\n",
			   it->callbacks, it->deliveries, it->ignored, it->nr_wqs, it->first_wq);
		return;
	}
	if (!s->err && index < s->d->max_items &&
	    copy_to_user(&s->uitems[index], it, sizeof(*it)))
		s->err = -EFAULT;
}

/*
 * The wait entries of the item at @index, most recently registered first,
 * numbered from d->nr_wqs; adds their counters to @it. The caller pins
 * the item's file, which keeps the entries in place.
 */
static void mp_dump_wqs(struct mp_dump_sink *s, struct mp_item *mpi, u32 index,
			struct minipoll_dump_item *it)
{
	struct minipoll_dump *d = s->d;
	struct mp_pwq *pwq;
	char owner[16];

	mp_queue_owner(it->kind, owner, sizeof(owner));

	for (pwq = mpi->pwqlist; pwq; pwq = pwq->next) {
		struct minipoll_dump_wq wq = { .item = index };
		wait_queue_head_t *whead;
		unsigned long flags;

		memcpy(wq.owner, owner, sizeof(wq.owner));
		if (pwq->wait.flags & WQ_FLAG_EXCLUSIVE)
			wq.flags |= MINIPOLL_DUMP_WQ_EXCLUSIVE;

		/* As mp_pwq_remove(): a POLLFREE'd queue is freed after RCU. */
		rcu_read_lock();
		/* Acquire: pairs with the release in mp_poll_callback(). */
		whead = smp_load_acquire(&pwq->whead);
		if (whead) {
			spin_lock_irqsave(&whead->lock, flags);
			wq.head_id = mp_obj_id(whead);
			wq.queue_len = mp_queue_len(whead);
			it->callbacks += pwq->callbacks;
			it->ignored += pwq->ignored;
			spin_unlock_irqrestore(&whead->lock, flags);
		} else {
			/* The callback's last writes precede its release of NULL. */
			wq.flags |= MINIPOLL_DUMP_WQ_FREED;
			it->callbacks += pwq->callbacks;
			it->ignored += pwq->ignored;
		}
		rcu_read_unlock();

		mp_dump_put_wq(s, d->nr_wqs, &wq);
		d->nr_wqs++;
		it->nr_wqs++;
	}
}

static u32 mp_count_waiters(wait_queue_head_t *wq)
{
	unsigned long flags;
	u32 n;

	spin_lock_irqsave(&wq->lock, flags);
	n = mp_queue_len(wq);
	spin_unlock_irqrestore(&wq->lock, flags);
	return n;
}

/*
 * Fill d's counts and hand every item and wait entry to the sink, in tree
 * order. Caller holds mp->mtx. Returns 0 or -ENOMEM; copy errors are in
 * s->err.
 */
static int mp_dump_fill(struct mp_instance *mp, struct mp_dump_sink *s)
{
	struct minipoll_dump *d = s->d;
	struct mp_dump_node *nodes = NULL;
	struct rb_node *rbp;
	struct mp_item *mpi;
	u32 n = 0, i;
	s32 pos;

	lockdep_assert_held(&mp->mtx);

	for (rbp = rb_first_cached(&mp->items); rbp; rbp = rb_next(rbp))
		n++;
	if (n) {
		nodes = kvmalloc_array(n, sizeof(*nodes), GFP_KERNEL_ACCOUNT);
		if (!nodes)
			return -ENOMEM;
	}
	i = 0;
	for (rbp = rb_first_cached(&mp->items); rbp; rbp = rb_next(rbp)) {
		nodes[i].mpi = rb_entry(rbp, struct mp_item, rbn);
		nodes[i].ready_pos = -1;
		nodes[i].ovf_pos = -1;
		i++;
	}

	d->id = mp->id;
	d->nr_items = n;
	d->nr_wqs = 0;
	d->root = mp_dump_node_index(nodes, n, mp->items.rb_root.rb_node);

	/*
	 * No transfer runs (we hold mp->mtx), so the ready list is all on
	 * rdllist and ovflist is inactive; only the release hook and the
	 * callbacks change them meanwhile, under mp->lock.
	 */
	spin_lock_irq(&mp->lock);
	pos = 0;
	list_for_each_entry(mpi, &mp->rdllist, rdllink) {
		s32 idx = mp_dump_index(nodes, n, mpi);

		if (idx >= 0)
			nodes[idx].ready_pos = pos;
		pos++;
	}
	d->nr_ready = pos;
	pos = 0;
	if (mp->ovflist != MP_OVF_INACTIVE) {
		for (mpi = mp->ovflist; mpi; mpi = mpi->next) {
			s32 idx = mp_dump_index(nodes, n, mpi);

			if (idx >= 0)
				nodes[idx].ovf_pos = pos;
			pos++;
		}
	}
	d->nr_ovf = pos;
	d->nr_waiters = mp_queue_len(&mp->wq);
	spin_unlock_irq(&mp->lock);
	d->nr_pollers = mp_count_waiters(&mp->poll_wait);

	if (s->m)
		seq_printf(s->m, "instance %llu: items %u ready %u ovf %u waiters %u pollers %u root %d\n",
			   (unsigned long long)d->id, d->nr_items, d->nr_ready, d->nr_ovf,
			   d->nr_waiters, d->nr_pollers, d->root);

	for (i = 0; i < n; i++) {
		struct minipoll_dump_item it = {};
		struct file *file;
		struct rb_node *rbn;
		__poll_t events;

		mpi = nodes[i].mpi;
		rbn = &mpi->rbn;
		events = READ_ONCE(mpi->event.events);
		it.data = mpi->event.data;
		it.file_id = mp_obj_id(mpi->file);
		it.fd = mpi->fd;
		it.events = (__force u32)events;
		it.parent = mp_dump_node_index(nodes, n, rb_parent(rbn));
		it.left = mp_dump_node_index(nodes, n, rbn->rb_left);
		it.right = mp_dump_node_index(nodes, n, rbn->rb_right);
		it.ready_pos = nodes[i].ready_pos;
		it.ovf_pos = nodes[i].ovf_pos;
		it.deliveries = mpi->deliveries;
		it.color = rb_is_red(rbn) ? MINIPOLL_DUMP_RED : MINIPOLL_DUMP_BLACK;
		if (it.ready_pos >= 0)
			it.state |= MINIPOLL_DUMP_READY;
		if (it.ovf_pos >= 0)
			it.state |= MINIPOLL_DUMP_OVERFLOW;
		if (!(events & ~MP_PRIVATE_BITS))
			it.state |= MINIPOLL_DUMP_DISARMED;
		if (READ_ONCE(mpi->dead))
			it.state |= MINIPOLL_DUMP_DEAD;

		it.first_wq = d->nr_wqs;
		file = mp_item_fget(mpi);
		if (file)
			mp_file_kind(file, it.kind, sizeof(it.kind));
		if (s->m)
			mp_dump_show_item(s->m, i, &it);
		if (file) {
			mp_dump_wqs(s, mpi, i, &it);
			fput(file);
		}
		mp_dump_put_item(s, i, &it);
		cond_resched();
	}
	kvfree(nodes);
	return 0;
}

long mp_ioctl_dump(struct mp_instance *mp, void __user *argp)
{
	struct minipoll_dump d;
	struct mp_dump_sink s = { .d = &d };
	int err;

	if (copy_from_user(&d, argp, sizeof(d)))
		return -EFAULT;
	if (d.flags || d.__reserved[0] || d.__reserved[1])
		return -EINVAL;
	s.uitems = u64_to_user_ptr(d.items);
	s.uwqs = u64_to_user_ptr(d.wqs);

	mp_lock(mp, 0);
	err = mp_dump_fill(mp, &s);
	mp_unlock(mp);
	if (err)
		return err;

	/* The counts go back even when an array could not be written. */
	if (copy_to_user(argp, &d, sizeof(d)))
		return -EFAULT;
	return s.err;
}

/*
 * A transfer holds the mutex and may be in the middle of its copy-out:
 * show what only exists now, the overflow chain, newest first.
 */
static void mp_dump_show_transfer(struct seq_file *m, struct mp_instance *mp)
{
	struct mp_item *mpi;
	u32 n = 0;

	spin_lock_irq(&mp->lock);
	if (mp->ovflist == MP_OVF_INACTIVE) {
		spin_unlock_irq(&mp->lock);
		seq_puts(m, "busy: mutex held, no transfer in flight\n");
		return;
	}
	seq_puts(m, "busy: transfer in flight; overflow chain, newest first:\n");
	for (mpi = mp->ovflist; mpi; mpi = mpi->next)
		seq_printf(m, "  ovf %u: fd %d file %016llx\n", n++, mpi->fd,
			   (unsigned long long)mp_obj_id(mpi->file));
	spin_unlock_irq(&mp->lock);
}

static int mp_debugfs_show(struct seq_file *m, void *unused)
{
	struct mp_instance *mp = m->private;
	struct minipoll_dump d = {};
	struct mp_dump_sink s = { .d = &d, .m = m };
	int err;

	if (!mutex_trylock(&mp->mtx)) {
		mp_dump_show_transfer(m, mp);
		mutex_lock(&mp->mtx);
	}
	mp_reap(mp);
	err = mp_dump_fill(mp, &s);
	mp_unlock(mp);
	if (err)
		return err;
	seq_printf(m, "wqs %u\n", d.nr_wqs);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mp_debugfs);

void mp_debugfs_add(struct mp_instance *mp)
{
	char name[24];

	snprintf(name, sizeof(name), "%llu", (unsigned long long)mp->id);
	mp->debugfs = debugfs_create_file(name, 0400, mp_debugfs_dir, mp, &mp_debugfs_fops);
}

/* Returns once no reader is inside mp_debugfs_show(). */
void mp_debugfs_remove(struct mp_instance *mp)
{
	debugfs_remove(mp->debugfs);
}

int mp_dump_init(void)
{
	/* Without debugfs the dump still works through the ioctl. */
	mp_debugfs_dir = debugfs_create_dir("minipoll", NULL);
	return 0;
}

void mp_dump_exit(void)
{
	debugfs_remove(mp_debugfs_dir);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: MINIPOLL_IOC_CTL - epoll_ctl() on an instance.
 *
 * The checks run in epoll_ctl()'s order, so that every bad call fails with
 * the errno epoll would give first. The two checks on the instance fd
 * itself (not open: EBADF; not an instance: EINVAL) cannot happen here -
 * the ioctl reached an instance - and are left to the library.
 *
 * One addition: a real epoll instance cannot be watched (EOPNOTSUPP).
 * minipoll cannot see epoll's interest lists nor epoll minipoll's, so
 * neither side could check a loop that runs through both, and such a
 * loop would recurse without bound in wake-ups and deadlock in ctl. The
 * other way round is fine: a real epoll may watch an instance, because
 * an instance never watches back.
 */
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <linux/minipoll.h>

#include "mp.h"
#include "mp_lock.h"
#include "mp_trace.h"
#include "uargs.h"

/* eventpoll_fops is private: know a real epoll file by its anon inode. */
static bool is_file_epoll(struct file *file)
{
	return file_inode(file)->i_sb->s_magic == ANON_INODE_FS_MAGIC &&
	       !strcmp((const char *)file->f_path.dentry->d_name.name, "[eventpoll]");
}

/* EPOLLWAKEUP needs CAP_BLOCK_SUSPEND; without it the bit is dropped silently. */
static void mp_check_wakeup(struct epoll_event *ev)
{
	if (!(ev->events & EPOLLWAKEUP))
		return;
	if (!IS_ENABLED(CONFIG_PM_SLEEP) || !capable(CAP_BLOCK_SUSPEND))
		ev->events &= ~EPOLLWAKEUP;
}

/*
 * EPOLLEXCLUSIVE is decided when the wait entries are queued, so MOD
 * cannot change it; it is refused on nested instances, and may come only
 * with IN, OUT, ERR, HUP, WAKEUP and ET.
 */
static bool mp_exclusive_allowed(int op, const struct epoll_event *ev, struct file *tfile)
{
	if (op == EPOLL_CTL_MOD)
		return false;
	if (op == EPOLL_CTL_ADD &&
	    (is_file_minipoll(tfile) || is_file_epoll(tfile) ||
	     (ev->events & ~MP_EXCLUSIVE_OK_BITS)))
		return false;
	return true;
}

/* cf. ep_insert() */
static int mp_insert(struct mp_instance *mp, const struct epoll_event *ev,
		     struct file *tfile, int fd, bool full_check)
{
	struct mp_pqueue pq;
	struct mp_item *mpi;
	__poll_t revents;
	int error;

	lockdep_assert_held(&mp->mtx);
	lockdep_assert_irqs_enabled();

	if (!mp_watch_charge(mp->user))
		return -ENOSPC;

	mpi = mp_item_alloc();
	if (!mpi) {
		mp_watch_uncharge(mp->user);
		return -ENOMEM;
	}
	INIT_LIST_HEAD(&mpi->rdllink);
	mpi->next = MP_OVF_INACTIVE;
	mpi->mp = mp;
	mpi->file = tfile;
	mpi->fd = fd;
	mpi->event = *ev;

	error = mp_item_attach(mpi);
	if (error) {
		mp_item_free_now(mpi);
		mp_watch_uncharge(mp->user);
		return error;
	}
	if (full_check && !is_file_minipoll(tfile))
		mp_list_file(tfile);
	mp_rb_insert(mp, mpi);
	/* Before its wait entries; a late failure traces the removal. */
	trace_minipoll_item_insert(mpi);

	/* Counted with the new item in place: too many wake-up paths? */
	if (full_check && mp_reverse_path_check()) {
		mp_item_remove(mp, mpi, MP_TRACE_RM_CTL);
		return -EINVAL;
	}

	if (mpi->event.events & EPOLLWAKEUP) {
		error = mp_create_wakeup_source(mpi);
		if (error) {
			mp_item_remove(mp, mpi, MP_TRACE_RM_CTL);
			return error;
		}
	}

	/* Hang the wait entries; from here on the callback may run. */
	pq.mpi = mpi;
	init_poll_funcptr(&pq.pt, mp_ptable_queue_proc);
	revents = mp_item_poll(mpi, &pq.pt, 1);
	if (unlikely(!pq.mpi)) {
		mp_item_remove(mp, mpi, MP_TRACE_RM_CTL);
		return -ENOMEM;
	}

	mp_ring_watch(mp, mpi->event.events);
	/* Already ready: report it without waiting for the next wake-up. */
	if (revents)
		mp_queue_if_ready(mp, mpi, revents);
	return 0;
}

/* cf. ep_modify() */
static __always_inline int mp_modify(struct mp_instance *mp, struct mp_item *mpi,
				     const struct epoll_event *ev)
{
	__poll_t revents;
	poll_table pt;

	lockdep_assert_held(&mp->mtx);
	lockdep_assert_irqs_enabled();

	init_poll_funcptr(&pt, NULL);

	mp_ring_watch(mp, ev->events);
	if (mp_ring_fed(mp)) {
		/*
		 * A fed ring's callback reads the data and disarms ONESHOT
		 * items under mp->lock. The entry of the old mask goes; the
		 * poll below reports what the new one sees.
		 */
		spin_lock_irq(&mp->lock);
		mp_ring_retract(mp, mpi);
		WRITE_ONCE(mpi->event.events, ev->events);
		mpi->event.data = ev->data;
		spin_unlock_irq(&mp->lock);
	} else {
		/* The new mask must be in place before the poll below. */
		WRITE_ONCE(mpi->event.events, ev->events);
		mpi->event.data = ev->data;
	}
	if (mpi->event.events & EPOLLWAKEUP) {
		if (!rcu_access_pointer(mpi->ws))
			mp_create_wakeup_source(mpi);	/* best effort, as epoll */
	} else if (rcu_access_pointer(mpi->ws)) {
		mp_destroy_wakeup_source(mpi);
	}

	/*
	 * Publish the mask to callbacks on other CPUs (they read it without
	 * mp->mtx), and order it before the poll, which reads the target's
	 * state: then either a callback sees the new mask or the poll sees
	 * the event that callback was for - never neither. Pairs with the
	 * barrier of wq_has_sleeper() on the target's side.
	 */
	smp_mb();

	trace_minipoll_item_modify(mpi);
	revents = mp_item_poll(mpi, &pt, 1);
	if (revents)
		mp_queue_if_ready(mp, mpi, revents);
	return 0;
}

/*
 * An ADD that may change the graph of nested instances: the target is an
 * instance, or our instance is itself watched (new wake-up paths of
 * length 2 and more), or a nest check is walking us right now.
 */
static bool mp_add_needs_full_check(struct mp_instance *mp, struct file *tfile)
{
	return is_file_minipoll(tfile) || atomic_read(&mp->watchers) || mp_nest_touched(mp);
}

/*
 * cf. do_epoll_ctl() up to ep->mtx: the checks that need the target file
 * but not the instance's lock, in epoll's order.
 */
static __always_inline int mp_ctl_check(struct mp_instance *mp, int op,
					struct file *tfile, struct epoll_event *ev)
{
	if (!file_can_poll(tfile))
		return -EPERM;

	if (op != EPOLL_CTL_DEL)
		mp_check_wakeup(ev);

	if (tfile == mp->file)
		return -EINVAL;

	if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE) &&
	    !mp_exclusive_allowed(op, ev, tfile))
		return -EINVAL;

	if (op == EPOLL_CTL_ADD && is_file_epoll(tfile))
		return -EOPNOTSUPP;
	return 0;
}

/* cf. do_epoll_ctl() under ep->mtx: the op itself, after the nest checks. */
static __always_inline int mp_ctl_apply(struct mp_instance *mp, int op,
					struct file *tfile, int fd,
					struct epoll_event *ev, bool full_check)
{
	struct mp_item *mpi;

	lockdep_assert_held(&mp->mtx);

	mpi = mp_find(mp, tfile, fd);

	switch (op) {
	case EPOLL_CTL_ADD:
		if (mpi)
			return -EEXIST;
		ev->events |= EPOLLERR | EPOLLHUP;
		return mp_insert(mp, ev, tfile, fd, full_check);
	case EPOLL_CTL_DEL:
		if (!mpi)
			return -ENOENT;
		mp_item_remove(mp, mpi, MP_TRACE_RM_CTL);
		return 0;
	case EPOLL_CTL_MOD:
		if (!mpi)
			return -ENOENT;
		/* Exclusive items cannot be modified; see mp_exclusive_allowed(). */
		if (mpi->event.events & EPOLLEXCLUSIVE)
			return -EINVAL;
		ev->events |= EPOLLERR | EPOLLHUP;
		return mp_modify(mp, mpi, ev);
	default:
		return -EINVAL;
	}
}

/*
 * An op on a checked target, mp->mtx not held: takes it, and for an ADD
 * that may change the graph of instances, takes the nest mutex before it
 * and runs the loop check.
 */
static __always_inline int mp_ctl_slow(struct mp_instance *mp, int op,
				       struct file *tfile, int fd,
				       struct epoll_event *ev)
{
	bool full_check = false;
	int error;

	mp_lock(mp, 0);
	if (op == EPOLL_CTL_ADD && mp_add_needs_full_check(mp, tfile)) {
		/* The nest mutex comes first in the lock order. */
		mp_unlock(mp);
		mp_nest_begin();
		full_check = true;
		if (is_file_minipoll(tfile) && mp_loop_check(mp, tfile->private_data)) {
			mp_nest_end();
			return -ELOOP;
		}
		mp_lock(mp, 0);
	}
	error = mp_ctl_apply(mp, op, tfile, fd, ev, full_check);
	mp_unlock(mp);
	if (full_check)
		mp_nest_end();
	return error;
}

/*
 * cf. do_epoll_ctl(); @ev was copied from user space unless op is DEL.
 * The single ctl calls this with @locked false; a batch, through
 * mp_ctl_locked(), with mp->mtx held, which it keeps across ops except
 * for an ADD that needs the nest checks: that one drops it and takes the
 * slow path.
 *
 * Always inlined, with the helpers above but mp_insert(), so that each of
 * the two callers gets a copy with @locked folded and no calls on the way
 * (what the calls cost: the MOD probes in Documentation/performance.md).
 */
static __always_inline int __mp_ctl(struct mp_instance *mp, int op, int fd,
				    struct epoll_event *ev, bool locked)
{
	struct file *tfile;
	struct fd tf;
	int error;

	tf = fdget(fd);
	tfile = fd_file(tf);
	if (!tfile)
		return -EBADF;

	error = mp_ctl_check(mp, op, tfile, ev);
	if (error)
		goto out_fdput;

	if (!locked) {
		error = mp_ctl_slow(mp, op, tfile, fd, ev);
	} else if (op == EPOLL_CTL_ADD && mp_add_needs_full_check(mp, tfile)) {
		mp_unlock(mp);
		error = mp_ctl_slow(mp, op, tfile, fd, ev);
		mp_lock(mp, 0);
	} else {
		error = mp_ctl_apply(mp, op, tfile, fd, ev, false);
	}

out_fdput:
	fdput(tf);
	return error;
}

/* One op of a batch; the caller holds mp->mtx. */
int mp_ctl_locked(struct mp_instance *mp, int op, int fd, struct epoll_event *ev)
{
	lockdep_assert_held(&mp->mtx);
	return __mp_ctl(mp, op, fd, ev, true);
}

long mp_ioctl_ctl(struct mp_instance *mp, void __user *argp)
{
	struct epoll_event ev __aligned(4) = {};
	struct minipoll_ctl ctl;

	if (mp_get_uargs(&ctl, argp, sizeof(ctl)))
		return -EFAULT;
	if (ctl.flags || ctl.__reserved)
		return -EINVAL;

	/* epoll reads the event for every op but DEL, unknown ones included. */
	if (ctl.op != EPOLL_CTL_DEL &&
	    mp_get_uargs(&ev, u64_to_user_ptr(ctl.event), sizeof(ev)))
		return -EFAULT;

	return __mp_ctl(mp, ctl.op, ctl.fd, &ev, false);
}

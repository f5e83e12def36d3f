// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: module init/exit, the /dev/minipoll misc device and its file
 * operations. Every open() creates an instance (core.c), and its
 * release frees it (mp_instance_release()); the ioctls are the ctl
 * (ctl.c) and wait (wait.c) calls of epoll, a batched ctl (batch.c), the
 * ready ring (ring.c, with mmap()) and the state dump (dump.c); any other
 * command is answered as an epoll fd answers it (below).
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <linux/minipoll.h>

#include "mp.h"
#include "mp_lock.h"
#include "mp_trace.h"

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
	 * mp->user) before it parks it on mp->dead and queues the reap work.
	 * It does all of that inside one RCU read-side section, so a grace
	 * period is enough to see it finished (see mp_item_kill()). An item
	 * the hook had parked before our walk was reaped by a mp_lock() and
	 * is no longer in the tree: its hook queued the work, under mp->lock,
	 * before the reaper could take it, and touches us no more.
	 */
	if (hook_won)
		synchronize_rcu();
	/* No hook can queue the work now. Free what the hooks handed over. */
	cancel_work_sync(&mp->reap_work);
	mp_lock(mp, 0);
	mp_unlock(mp);
	WARN_ON_ONCE(!RB_EMPTY_ROOT(&mp->items.rb_root));

	/* Every mapping holds the file, and no item is left to publish. */
	mp_ring_free(mp);
	mp_user_put(mp->user);
	wakeup_source_unregister(mp->ws);
	mutex_destroy(&mp->mtx);
	/* Nest walks may still look at mp->gen and mp->file under RCU. */
	kfree_rcu(mp, rcu);
}

static int mp_open(struct inode *inode, struct file *file)
{
	struct mp_instance *mp;

	mp = mp_instance_alloc(file);
	if (!mp)
		return -ENOMEM;
	/*
	 * Look like an epoll fd, whose anon-inode file has neither: F_GETFL
	 * shows O_RDWR alone (open() added O_LARGEFILE), and pread()/pwrite()
	 * fail with ESPIPE before the missing read/write methods give EINVAL.
	 */
	file->f_flags &= ~O_LARGEFILE;
	file->f_mode &= ~(FMODE_PREAD | FMODE_PWRITE);
	file->private_data = mp;
	mp_debugfs_add(mp);
	return 0;
}

static int mp_release(struct inode *inode, struct file *file)
{
	/* First: a debugfs reader may be waiting for the mutex. */
	mp_debugfs_remove(file->private_data);
	mp_instance_release(file->private_data);
	return 0;
}

#if MP_HAVE_EPOLL_PARAMS
/*
 * cf. ep_eventpoll_bp_ioctl(): the busy-poll parameters, checked in
 * epoll's order and stored as epoll stores them. minipoll never busy-polls
 * (Documentation/differences.md), so they are only kept and read back.
 */
static long mp_ioctl_params(struct mp_instance *mp, unsigned int cmd, void __user *argp)
{
	struct epoll_params p;

	if (cmd == EPIOCGPARAMS) {
		memset(&p, 0, sizeof(p));
		p.busy_poll_usecs = READ_ONCE(mp->params.busy_poll_usecs);
		p.busy_poll_budget = READ_ONCE(mp->params.busy_poll_budget);
		p.prefer_busy_poll = READ_ONCE(mp->params.prefer_busy_poll);
		return copy_to_user(argp, &p, sizeof(p)) ? -EFAULT : 0;
	}

	if (copy_from_user(&p, argp, sizeof(p)))
		return -EFAULT;
	if (p.__pad)
		return -EINVAL;
	if (p.busy_poll_usecs > S32_MAX)
		return -EINVAL;
	if (p.prefer_busy_poll > 1)
		return -EINVAL;
	if (p.busy_poll_budget > NAPI_POLL_WEIGHT && !capable(CAP_NET_ADMIN))
		return -EPERM;
	WRITE_ONCE(mp->params.busy_poll_usecs, p.busy_poll_usecs);
	WRITE_ONCE(mp->params.busy_poll_budget, p.busy_poll_budget);
	WRITE_ONCE(mp->params.prefer_busy_poll, p.prefer_busy_poll);
	return 0;
}
#endif

/*
 * A command that is not one of minipoll's own gets an epoll fd's answer
 * (cf. ep_eventpoll_ioctl()): where the kernel's epoll has ioctls, its
 * busy-poll parameters and EINVAL for anything else; where it has none,
 * ENOTTY. An unknown number of minipoll's own type is always ENOTTY, the
 * driver's answer, whatever the kernel.
 */
static long mp_ioctl_epoll(struct mp_instance *mp, unsigned int cmd, void __user *argp)
{
	if (_IOC_TYPE(cmd) == MINIPOLL_IOC_MAGIC)
		return -ENOTTY;
#if MP_HAVE_EPOLL_PARAMS
	if (cmd == EPIOCSPARAMS || cmd == EPIOCGPARAMS) {
		if (!IS_ENABLED(CONFIG_NET_RX_BUSY_POLL))
			return -EOPNOTSUPP;
		return mp_ioctl_params(mp, cmd, argp);
	}
#endif
	return -MP_EPOLL_IOCTL_ERRNO;
}

static long mp_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mp_instance *mp = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case MINIPOLL_IOC_CTL:
		return mp_ioctl_ctl(mp, argp);
	case MINIPOLL_IOC_WAIT:
		return mp_ioctl_wait(mp, argp);
	case MINIPOLL_IOC_CTL_BATCH:
		return mp_ioctl_ctl_batch(mp, argp);
	case MINIPOLL_IOC_RING_SETUP:
		return mp_ioctl_ring_setup(mp, argp);
	case MINIPOLL_IOC_RING_WAIT:
		return mp_ioctl_ring_wait(mp, argp);
	case MINIPOLL_IOC_DUMP:
		return mp_ioctl_dump(mp, argp);
	default:
		return mp_ioctl_epoll(mp, cmd, argp);
	}
}

/* No .read or .write: both fail with EINVAL, as on an epoll fd. */
const struct file_operations mp_fops = {
	.owner		= THIS_MODULE,
	.open		= mp_open,
	.release	= mp_release,
	.poll		= mp_poll,
	.unlocked_ioctl	= mp_ioctl,
	.mmap		= mp_ring_mmap,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
#ifdef CONFIG_PROC_FS
	.show_fdinfo	= mp_show_fdinfo,
#endif
};

static struct miscdevice mp_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "minipoll",
	.fops	= &mp_fops,
	.mode	= 0666,
};

static int __init mp_init(void)
{
	int err;

	mp_names_init();
	err = mp_watches_init();
	if (err)
		return err;
	err = mp_cache_init();
	if (err)
		return err;
	err = mp_lifetime_init();
	if (err)
		goto err_cache;
	err = mp_dump_init();
	if (err)
		goto err_lifetime;
	err = misc_register(&mp_miscdev);
	if (err)
		goto err_dump;
	return 0;

err_dump:
	mp_dump_exit();
err_lifetime:
	mp_lifetime_exit();
err_cache:
	mp_cache_exit();
	return err;
}

static void __exit mp_exit(void)
{
	misc_deregister(&mp_miscdev);
	mp_dump_exit();
	mp_lifetime_exit();
	mp_cache_exit();
}

module_init(mp_init);
module_exit(mp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("minipoll: the eventpoll core as a character device");
MODULE_AUTHOR("minipoll developers");

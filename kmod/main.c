// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: module init/exit, the /dev/minipoll misc device and its file
 * operations. Every open() creates an instance (core.c); the ioctls are
 * the ctl (ctl.c) and wait (wait.c) calls of epoll, a batched ctl
 * (batch.c), the ready ring (ring.c, with mmap()) and the state dump
 * (dump.c).
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include <linux/minipoll.h>

#include "mp.h"

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
	/* Every mapping holds the file: none is left. */
	mp_ring_free(file->private_data);
	mp_instance_release(file->private_data);
	return 0;
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
		return -ENOTTY;
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

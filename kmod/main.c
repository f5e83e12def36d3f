// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: module init/exit and the /dev/minipoll misc device.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <linux/minipoll.h>

struct mp_instance {
	int placeholder;
};

static int mp_open(struct inode *inode, struct file *file)
{
	struct mp_instance *mp;

	mp = kzalloc(sizeof(*mp), GFP_KERNEL_ACCOUNT);
	if (!mp)
		return -ENOMEM;
	/* An epoll fd reports O_RDWR alone in F_GETFL: drop open()'s O_LARGEFILE. */
	file->f_flags &= ~O_LARGEFILE;
	file->private_data = mp;
	return 0;
}

static int mp_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static long mp_ioctl_ctl(struct mp_instance *mp, void __user *argp)
{
	struct minipoll_ctl ctl;

	if (copy_from_user(&ctl, argp, sizeof(ctl)))
		return -EFAULT;
	if (ctl.flags || ctl.__reserved)
		return -EINVAL;
	return -EOPNOTSUPP;
}

static long mp_ioctl_wait(struct mp_instance *mp, void __user *argp)
{
	struct minipoll_wait wait;

	if (copy_from_user(&wait, argp, sizeof(wait)))
		return -EFAULT;
	if ((wait.flags & ~MINIPOLL_WAIT_FLAGS) || wait.__reserved)
		return -EINVAL;
	return -EOPNOTSUPP;
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
	default:
		return -ENOTTY;
	}
}

static const struct file_operations mp_fops = {
	.owner		= THIS_MODULE,
	.open		= mp_open,
	.release	= mp_release,
	.unlocked_ioctl	= mp_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice mp_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "minipoll",
	.fops	= &mp_fops,
	.mode	= 0666,
};

static int __init mp_init(void)
{
	return misc_register(&mp_miscdev);
}

static void __exit mp_exit(void)
{
	misc_deregister(&mp_miscdev);
}

module_init(mp_init);
module_exit(mp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("minipoll: the eventpoll core as a character device");
MODULE_AUTHOR("minipoll developers");

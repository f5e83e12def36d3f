// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: /proc/PID/fdinfo/N of an instance.
 *
 * One line per item in tree order - by file pointer, then fd - in exactly
 * the format of epoll's fdinfo, so that tools and tests can read both.
 * The target's position, inode number and device come from the target
 * itself, which is pinned while it is read; an item whose file is being
 * torn down at this very moment is left out.
 */
#include <linux/file.h>
#include <linux/seq_file.h>

#include "mp.h"
#include "mp_lock.h"

/* cf. ep_show_fdinfo() */
void mp_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct mp_instance *mp = file->private_data;
	struct rb_node *rbp;

	mp_lock(mp, 0);
	for (rbp = rb_first_cached(&mp->items); rbp; rbp = rb_next(rbp)) {
		struct mp_item *mpi = rb_entry(rbp, struct mp_item, rbn);
		struct file *tfile = mp_item_fget(mpi);
		struct inode *inode;

		if (!tfile)
			continue;
		inode = file_inode(tfile);
		seq_printf(m, "tfd: %8d events: %8x data: %16llx  pos:%lli ino:%lx sdev:%x\n",
			   mpi->fd, (__force unsigned int)mpi->event.events,
			   (unsigned long long)mpi->event.data, (long long)tfile->f_pos,
			   inode->i_ino, inode->i_sb->s_dev);
		fput(tfile);
		if (seq_has_overflowed(m))
			break;
	}
	mp_unlock(mp);
}

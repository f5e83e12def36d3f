// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: the names the dump, debugfs and the tracepoints give to what
 * they show, so that all three agree.
 *
 * Files and wait-queue heads are named by ids: SipHash of the address
 * under a key drawn at module load. Equal ids mean the same object (for
 * as long as it lives and the module stays loaded), and the key keeps the
 * addresses from being recovered - also for root, so that a dump or a
 * trace can be shared. Instances are numbered from a counter at open()
 * (core.c).
 */
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/major.h>
#include <linux/net.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <net/sock.h>

#include "mp.h"

static siphash_key_t mp_id_key __read_mostly;

void mp_names_init(void)
{
	get_random_bytes(&mp_id_key, sizeof(mp_id_key));
}

u64 mp_obj_id(const void *ptr)
{
	return siphash_1u64((u64)(unsigned long)ptr, &mp_id_key);
}

static bool mp_is_tty(struct inode *inode)
{
	unsigned int major = imajor(inode);

	if (!S_ISCHR(inode->i_mode))
		return false;
	return major == TTY_MAJOR || major == TTYAUX_MAJOR ||
	       major == PTY_MASTER_MAJOR || major == PTY_SLAVE_MAJOR ||
	       (major >= UNIX98_PTY_MASTER_MAJOR &&
		major < UNIX98_PTY_MASTER_MAJOR + UNIX98_PTY_MAJOR_COUNT) ||
	       (major >= UNIX98_PTY_SLAVE_MAJOR &&
		major < UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT);
}

/*
 * What kind of file @file is, for people: "pipe", "FIFO", "TCP", "UNIX",
 * "eventfd", "epoll", "minipoll", "tty", ... The caller pins the file.
 * Most f_ops are private to their subsystem, so the kind comes from what
 * is public: the socket's protocol, the inode type, the name an anon
 * inode file was created with (constant), the filesystem.
 *
 * All @size bytes are written, zeros after the name: the array goes to
 * user space whole (the dump, tracepoint records), and strscpy() leaves
 * what follows the NUL as it was.
 */
void mp_file_kind(struct file *file, char *kind, size_t size)
{
	struct inode *inode = file_inode(file);
	struct socket *sock;

	memset(kind, 0, size);
	if (is_file_minipoll(file)) {
		strscpy(kind, "minipoll", size);
		return;
	}
	sock = sock_from_file(file);
	if (sock) {
		struct sock *sk = sock->sk;

		if (sk && sk->sk_family == AF_UNIX)
			strscpy(kind, "UNIX", size);
		else if (sk && sk->sk_prot)
			strscpy(kind, sk->sk_prot->name, size);
		else
			strscpy(kind, "socket", size);
		return;
	}
	if (S_ISFIFO(inode->i_mode)) {
		strscpy(kind, inode->i_sb->s_magic == PIPEFS_MAGIC ? "pipe" : "FIFO", size);
		return;
	}
	if (inode->i_sb->s_magic == ANON_INODE_FS_MAGIC) {
		const char *name = (const char *)file->f_path.dentry->d_name.name;
		size_t len;

		/* "[eventfd]" -> "eventfd"; epoll's is "[eventpoll]". */
		if (!strcmp(name, "[eventpoll]")) {
			strscpy(kind, "epoll", size);
			return;
		}
		if (*name == '[')
			name++;
		len = strcspn(name, "]");
		strscpy(kind, name, min(len + 1, size));
		return;
	}
	if (mp_is_tty(inode) || inode->i_sb->s_magic == DEVPTS_SUPER_MAGIC) {
		strscpy(kind, "tty", size);
		return;
	}
	/* Pollable files of proc, sysfs, cgroup, ...: their filesystem. */
	strscpy(kind, inode->i_sb->s_type->name, size);
}

/*
 * Who owns the queues of a file of kind @kind: the file's object itself,
 * except for signalfd, whose queue belongs to the signal handlers of the
 * thread group that created it. Zero-padded to @size, as mp_file_kind().
 */
void mp_queue_owner(const char *kind, char *owner, size_t size)
{
	strscpy_pad(owner, strcmp(kind, "signalfd") ? kind : "sighand", size);
}

/* The owner of the queues of @file, for the minipoll_wq_add tracepoint. */
void mp_queue_owner_of(struct file *file, char *owner, size_t size)
{
	char kind[16];

	mp_file_kind(file, kind, sizeof(kind));
	mp_queue_owner(kind, owner, size);
}

/*
 * Entries on a wait queue, all owners (the dump, a tracepoint). The caller
 * holds what keeps the list still: whead->lock, or for an instance's mp->wq
 * mp->lock, under which its waiters queue and leave (wait.c).
 */
u32 mp_queue_len(wait_queue_head_t *whead)
{
	wait_queue_entry_t *wait;
	u32 n = 0;

	list_for_each_entry(wait, &whead->head, entry)
		n++;
	return n;
}

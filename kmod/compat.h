/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minipoll: what differs between the kernels the module builds against
 * (Debian's 6.1 and 6.12), kept in this one file so that the core reads
 * as code for the newest of them.
 *
 * Every difference is detected from the headers being built against, never
 * from a version number: a macro the newer header defines, or an
 * MP_HAVE_* that the Kbuild file sets after looking for a declaration
 * that has no macro to test. Where the newer kernel has an interface the
 * older lacks, this file gives the older the newer's name, so the core
 * calls one interface everywhere.
 */
#ifndef MINIPOLL_COMPAT_H
#define MINIPOLL_COMPAT_H

#include <linux/eventpoll.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/types.h>

/*
 * struct fd: a struct with a .file member up to 6.11; one word holding
 * the pointer and flags since, read through fd_file() (a macro).
 */
#ifndef fd_file
#define fd_file(f)	((f).file)
#endif

/*
 * vma->vm_flags: written directly up to 6.2; read-only since, changed
 * only through vm_flags_set() and friends, which also take the VMA's
 * write lock. Kbuild defines MP_HAVE_VM_FLAGS_MOD when <linux/mm.h>
 * declares vm_flags_mod() (an inline function, not a macro). The mmap
 * handler runs with the mmap lock held for writing on either kernel.
 */
#ifndef MP_HAVE_VM_FLAGS_MOD
static inline void vm_flags_mod(struct vm_area_struct *vma,
				vm_flags_t set, vm_flags_t clear)
{
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
}
#endif

/*
 * An epoll fd's own ioctls. Up to 6.8 the epoll file has no ->ioctl, so
 * every command the VFS does not handle itself fails with ENOTTY. Since
 * 6.9 (<uapi/linux/eventpoll.h> defines EPIOCSPARAMS) it sets and reads
 * the per-instance busy-poll parameters, and any other command fails
 * with EINVAL. MP_EPOLL_IOCTL_ERRNO is that answer for a command the
 * instance does not define; struct mp_epoll_params holds what the
 * parameter ioctls store (nothing where they do not exist).
 */
#ifdef EPIOCSPARAMS
#define MP_HAVE_EPOLL_PARAMS	1
#define MP_EPOLL_IOCTL_ERRNO	EINVAL
struct mp_epoll_params {
	u32 busy_poll_usecs;
	u16 busy_poll_budget;
	u8 prefer_busy_poll;
};
#else
#define MP_HAVE_EPOLL_PARAMS	0
#define MP_EPOLL_IOCTL_ERRNO	ENOTTY
struct mp_epoll_params {
};
#endif

#endif /* MINIPOLL_COMPAT_H */

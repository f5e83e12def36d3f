/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minipoll: the small argument blocks that every wait, ctl and batch
 * reads from user space.
 *
 * copy_from_user() is an out-of-line call that also runs hardened
 * usercopy's bounds check of the destination and zeroes whatever a fault
 * left uncopied; for a block of a few words that is most of the cost
 * (the probes in Documentation/performance.md, "Where minipoll's
 * instructions go"). mp_get_uargs() reads the block word by word in one
 * user-access window instead. user_access_begin() checks the whole range
 * and fences speculation as copy_from_user() does, and a fault anywhere
 * is -EFAULT. The once-per-instance blocks (ring set-up, dump) keep
 * copy_from_user(): there the call costs nothing worth a second path.
 */
#ifndef MINIPOLL_UARGS_H
#define MINIPOLL_UARGS_H

#include <linux/build_bug.h>
#include <linux/types.h>
#include <linux/uaccess.h>

/*
 * Read @size bytes at @src into @dst; @size is a compile-time multiple of
 * four (every uapi block is, struct epoll_event included), so the loops
 * unroll into plain loads: eight bytes at a time when @size allows it,
 * and @dst is then aligned as its u64 fields are. Returns 0 or -EFAULT;
 * on -EFAULT @dst is partly written and must not be used.
 */
static __always_inline int mp_get_uargs(void *dst, const void __user *src, size_t size)
{
	size_t i;

	BUILD_BUG_ON(size % sizeof(u32));
	if (!user_access_begin(src, size))
		return -EFAULT;
	if (size % sizeof(u64) == 0) {
		const u64 __user *s = src;
		u64 *d = dst;

		for (i = 0; i < size / sizeof(u64); i++)
			unsafe_get_user(d[i], &s[i], efault);
	} else {
		const u32 __user *s = src;
		u32 *d = dst;

		for (i = 0; i < size / sizeof(u32); i++)
			unsafe_get_user(d[i], &s[i], efault);
	}
	user_access_end();
	return 0;
efault:
	user_access_end();
	return -EFAULT;
}

#endif /* MINIPOLL_UARGS_H */

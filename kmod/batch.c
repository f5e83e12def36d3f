// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: MINIPOLL_IOC_CTL_BATCH - many epoll_ctl() calls in one ioctl.
 *
 * Semantics are kqueue's changelist with EV_RECEIPT: every op is tried in
 * array order, each gets its own result, and a failing op does not stop
 * the ones after it. Each op runs through mp_ctl_locked(), the code of
 * the single MINIPOLL_IOC_CTL, so its checks, their order and its effect
 * are epoll_ctl()'s as if the ops had been made one by one.
 *
 * What a batch saves is everything around the op: one system call, one
 * copy in and one copy out per chunk instead of per op, and mp->mtx taken
 * once per chunk. An ADD that needs the nest checks (the target is an
 * instance, or ours is watched) cannot run under mp->mtx, since the nest
 * mutex comes first in the lock order: mp_ctl_locked() drops mp->mtx for
 * that op and takes the single call's path.
 *
 * The array is copied in chunks of MP_BATCH_CHUNK entries on the stack:
 * no allocation, and mp->mtx is released between chunks so that a long
 * batch neither starves waiters of the instance nor hogs the CPU.
 */
#include <linux/sched.h>
#include <linux/uaccess.h>

#include <linux/minipoll.h>

#include "mp.h"
#include "mp_lock.h"
#include "uargs.h"

/* 16 entries of 32 bytes: 512 bytes of stack. */
#define MP_BATCH_CHUNK	16

/* One op of a chunk; mp->mtx held. Returns its result, 0 or -errno. */
static int mp_batch_op(struct mp_instance *mp, const struct minipoll_batch_op *op)
{
	struct epoll_event ev = {};

	if (op->flags || op->__reserved)
		return -EINVAL;
	if (op->op != EPOLL_CTL_DEL) {
		ev.events = (__force __poll_t)op->events;
		ev.data = op->data;
	}
	return mp_ctl_locked(mp, op->op, op->fd, &ev);
}

long mp_ioctl_ctl_batch(struct mp_instance *mp, void __user *argp)
{
	struct minipoll_batch_op chunk[MP_BATCH_CHUNK];
	struct minipoll_batch_op __user *uops;
	struct minipoll_ctl_batch b;
	unsigned int done, n, i;

	BUILD_BUG_ON(sizeof(struct minipoll_batch_op) != 32);

	if (mp_get_uargs(&b, argp, sizeof(b)))
		return -EFAULT;
	if (b.flags || b.__reserved || b.nr > MINIPOLL_CTL_BATCH_MAX)
		return -EINVAL;
	uops = u64_to_user_ptr(b.ops);

	for (done = 0; done < b.nr; done += n) {
		n = min_t(unsigned int, b.nr - done, MP_BATCH_CHUNK);
		if (copy_from_user(chunk, uops + done, n * sizeof(chunk[0])))
			return done ? done : -EFAULT;

		mp_lock(mp, 0);
		for (i = 0; i < n; i++)
			chunk[i].result = mp_batch_op(mp, &chunk[i]);
		mp_unlock(mp);

		if (copy_to_user(uops + done, chunk, n * sizeof(chunk[0])))
			return -EFAULT;
		cond_resched();
	}
	return done;
}

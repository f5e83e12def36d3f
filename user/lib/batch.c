// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * The batched ctl: many epoll_ctl() calls as one MINIPOLL_IOC_CTL_BATCH.
 *
 * The public struct minipoll_ctl_op has the layout of the ABI's struct
 * minipoll_batch_op, checked below, so the caller's array goes to the
 * kernel as it is: no copy, no allocation.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "internal.h"

#define MP_SAME_FIELD(f, g)						\
	_Static_assert(offsetof(struct minipoll_ctl_op, f) ==		\
		       offsetof(struct minipoll_batch_op, g) &&		\
		       sizeof(((struct minipoll_ctl_op *)0)->f) ==	\
		       sizeof(((struct minipoll_batch_op *)0)->g),	\
		       "struct minipoll_ctl_op ." #f " is not the ABI's")

MP_SAME_FIELD(op, op);
MP_SAME_FIELD(fd, fd);
MP_SAME_FIELD(events, events);
MP_SAME_FIELD(flags, flags);
MP_SAME_FIELD(data, data);
MP_SAME_FIELD(result, result);
MP_SAME_FIELD(reserved, __reserved);
_Static_assert(sizeof(struct minipoll_ctl_op) == sizeof(struct minipoll_batch_op),
	       "struct minipoll_ctl_op is not the ABI's size");

int minipoll_ctl_batch(int mpfd, struct minipoll_ctl_op *ops, unsigned int nr)
{
	struct minipoll_ctl_batch b = {
		.ops	= (uintptr_t)ops,
		.nr	= nr,
	};
	int ret = ioctl(mpfd, MINIPOLL_IOC_CTL_BATCH, &b);

	/* Not an instance: what epoll_ctl() says for a non-epoll epfd. */
	if (ret < 0 && mp_missed_instance(mpfd, errno))
		errno = fcntl(mpfd, F_GETFD) < 0 ? EBADF : EINVAL;
	return ret;
}

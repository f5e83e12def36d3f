// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * Creating an instance: one open() of /dev/minipoll, cf. epoll_create1().
 */
#include <fcntl.h>

#include "internal.h"

int minipoll_create1(int flags)
{
	/* epoll_create1() checks its flags before anything else. */
	if (flags & ~EPOLL_CLOEXEC) {
		errno = EINVAL;
		return -1;
	}
	/*
	 * open()'s errno is kept as it is: ENOENT means the module is not
	 * loaded (devtmpfs removes the node on unload), which the header
	 * documents; EMFILE, ENFILE and ENOMEM are epoll_create1()'s too.
	 */
	return open(MINIPOLL_DEVICE,
		    O_RDWR | (flags & EPOLL_CLOEXEC ? O_CLOEXEC : 0));
}

int minipoll_create(int size)
{
	if (size <= 0) {
		errno = EINVAL;
		return -1;
	}
	return minipoll_create1(0);
}

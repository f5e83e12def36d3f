// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * Recognising an instance: an fd is one if it is a character device with
 * /dev/minipoll's device number (every open() of the device is an
 * instance, and nothing else has that number).
 */
#include <sys/stat.h>

#include "internal.h"

/*
 * /dev/minipoll's st_rdev, 0 until first needed. The minor is dynamic
 * (misc device), so after the module is reloaded it may change: a
 * character device that does not match makes us look again, which costs
 * a stat() only for character devices that are not instances. (A cached
 * number trusted without a stat() could, after an unload, belong to
 * another misc device; an ioctl on it fails and the shim re-checks.)
 */
static dev_t mp_rdev;

static dev_t mp_device_rdev(int refresh)
{
	dev_t rdev = __atomic_load_n(&mp_rdev, __ATOMIC_RELAXED);
	struct stat st;

	if (rdev && !refresh)
		return rdev;
	rdev = 0;
	if (stat(MINIPOLL_DEVICE, &st) == 0 && S_ISCHR(st.st_mode))
		rdev = st.st_rdev;
	__atomic_store_n(&mp_rdev, rdev, __ATOMIC_RELAXED);
	return rdev;
}

int minipoll_is_instance(int fd)
{
	struct stat st;
	int err = errno;
	dev_t rdev;

	if (fstat(fd, &st) < 0)
		return 0;		/* errno EBADF, as isatty() */
	if (!S_ISCHR(st.st_mode))
		return 0;
	rdev = mp_device_rdev(0);
	if (st.st_rdev != rdev)
		rdev = mp_device_rdev(1);
	errno = err;			/* a failed stat() is not our caller's */
	return rdev && st.st_rdev == rdev;
}

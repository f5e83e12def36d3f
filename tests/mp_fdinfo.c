// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mp_fdinfo.c: the fdinfo reader of mp_fdinfo.h.
 */
#include <stdio.h>

#include "mp_fdinfo.h"

int mp_fdinfo_tfds(int epfd, int fd, int *fds, int max)
{
	char path[64], buf[256];
	int n = 0, tfd;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", epfd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f)) {
		if (sscanf(buf, "tfd: %d", &tfd) != 1 || (fd >= 0 && tfd != fd))
			continue;
		if (n < max)
			fds[n] = tfd;
		n++;
	}
	fclose(f);
	return n;
}

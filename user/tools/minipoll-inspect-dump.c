// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * Fetching an instance's dump, and getting hold of another program's
 * instance.
 *
 * MINIPOLL_IOC_DUMP fills at most the capacities it is given and always
 * returns the full counts, so a first call with empty arrays sizes them
 * and a second fills them. The instance may grow in between (a running
 * program keeps adding): then we size again, a few times.
 *
 * Another program's instance: /proc/PID/fd/N is no use, since opening it
 * opens /dev/minipoll again, which is a NEW, empty instance. pidfd_getfd()
 * instead duplicates the program's own file into this process (the same
 * open file, as SCM_RIGHTS would), subject to ptrace access rights.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <minipoll.h>

#include "minipoll-inspect.h"
#include "tool.h"

#define FETCH_TRIES	8

int mpi_dump_fetch(int fd, struct mpi_dump *d)
{
	struct minipoll_dump_item *items = NULL;
	struct minipoll_dump_wq *wqs = NULL;
	unsigned int cap_items = 0, cap_wqs = 0;
	int i, err = -EAGAIN;

	/* A clean dump: after a failure, it holds nothing to free. */
	memset(d, 0, sizeof(*d));
	for (i = 0; i < FETCH_TRIES; i++) {
		struct minipoll_dump h = {
			.items = (unsigned long)items, .wqs = (unsigned long)wqs,
			.max_items = cap_items, .max_wqs = cap_wqs,
		};

		if (ioctl(fd, MINIPOLL_IOC_DUMP, &h) < 0) {
			err = -errno;
			break;
		}
		if (h.nr_items <= cap_items && h.nr_wqs <= cap_wqs) {
			d->hdr = h;
			d->items = items;
			d->wqs = wqs;
			return 0;
		}
		/* Grown (or first call): room for the counts and some more. */
		cap_items = h.nr_items + h.nr_items / 4 + 4;
		cap_wqs = h.nr_wqs + h.nr_wqs / 4 + 8;
		free(items);
		free(wqs);
		items = calloc(cap_items, sizeof(*items));
		wqs = calloc(cap_wqs, sizeof(*wqs));
		if (!items || !wqs) {
			err = -ENOMEM;
			break;
		}
	}
	free(items);
	free(wqs);
	return err;
}

/* Free the arrays of the n dumps at ds (fetched or not). */
void mpi_dump_free(struct mpi_dump *ds, int n)
{
	int k;

	for (k = 0; k < n; k++) {
		free(ds[k].items);
		free(ds[k].wqs);
	}
}

/* Why fetching fd's dump failed with err, in a reader's words. */
const char *mpi_dump_strerror(int fd, int err)
{
	struct stat st;

	if (err == EBADF)
		return "not an open file descriptor";
	if (stat(MINIPOLL_DEVICE, &st) < 0)
		return "the minipoll module is not loaded (no " MINIPOLL_DEVICE ")";
	if (!minipoll_is_instance(fd))
		return "not a minipoll instance";
	if (err == ENOTTY)
		return "this minipoll module has no MINIPOLL_IOC_DUMP (older than the tool?)";
	if (err == EAGAIN)
		return "the instance kept changing while it was read; try again";
	return strerror(err);
}

/*
 * Duplicate PID's fd into this process. Returns the new fd, or -1 after
 * saying why on stderr.
 */
int mpi_borrow_fd(pid_t pid, int fd)
{
	int pidfd, ours, err;

	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		err = errno;
		if (err == ESRCH)
			mpi_err("no process %d", (int)pid);
		else if (err == ENOSYS)
			mpi_err("pidfd_open() is not available (Linux 5.6 or later needed)");
		else
			mpi_err("pidfd_open(%d): %s", (int)pid, strerror(err));
		return -1;
	}
	ours = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	err = errno;
	close(pidfd);
	if (ours >= 0)
		return ours;
	if (err == EPERM)
		mpi_err("need ptrace rights over %d to take its fd %d (same user and kernel.yama.ptrace_scope 0, or root)",
			(int)pid, fd);
	else if (err == EBADF)
		mpi_err("process %d has no fd %d", (int)pid, fd);
	else if (err == ESRCH)
		mpi_err("process %d has exited", (int)pid);
	else if (err == ENOSYS)
		mpi_err("pidfd_getfd() is not available (Linux 5.6 or later needed)");
	else
		mpi_err("pidfd_getfd(%d, %d): %s", (int)pid, fd, strerror(err));
	return -1;
}

/*
 * The fds of PID that are minipoll instances, found by their /proc links
 * (readlink only: opening the link would make a new instance). Returns how
 * many were stored in fds (at most max), or -1 after a message.
 */
int mpi_find_instances(pid_t pid, int *fds, int max)
{
	char dir[64], path[PATH_MAX], link[PATH_MAX];
	struct dirent *de;
	DIR *dp;
	int n = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	dp = opendir(dir);
	if (!dp) {
		if (errno == ENOENT)
			mpi_err("no process %d", (int)pid);
		else if (errno == EACCES || errno == EPERM)
			mpi_err("need ptrace rights over %d to list its fds", (int)pid);
		else
			mpi_err("%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(dp)) && n < max) {
		ssize_t len;
		long fd;

		if (mp_parse_long(de->d_name, 0, INT_MAX, &fd) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0)
			continue;
		link[len] = '\0';
		if (!strcmp(link, MINIPOLL_DEVICE))
			fds[n++] = (int)fd;
	}
	closedir(dp);
	/* readdir's order is the directory's: sort for stable output. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];

			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	return n;
}

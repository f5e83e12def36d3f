// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * mpbench's fixtures: the eventfds a workload watches, a set watching
 * them on each mechanism in turn, signalling and draining them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "mpbench.h"

int *mpb_eventfds(long n)
{
	int *fds = malloc(n * sizeof(*fds));
	long i;

	if (!fds)
		mp_die("out of memory");
	for (i = 0; i < n; i++) {
		fds[i] = eventfd(0, EFD_NONBLOCK);
		if (fds[i] < 0)
			mp_die("eventfd #%ld: %s", i, strerror(errno));
	}
	return fds;
}

void mpb_close_fds(int *fds, long n)
{
	long i;

	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
}

struct mpb_set *mpb_watch_all(const struct mpb_impl *im, const int *fds, long n)
{
	struct mpb_set *s = im->create(n);
	long i;

	for (i = 0; i < n; i++)
		if (im->add(s, fds[i], EPOLLIN))
			mp_die("%s: add fd %d (#%ld): %s", im->name, fds[i], i,
			       strerror(errno));
	mpb_settle();
	return s;
}

void mpb_for_each_n_impl(long min_n, void (*fn)(const struct mpb_impl *im,
						const int *fds, long n))
{
	int k;

	for (k = 0; mpb_opts.ns[k]; k++) {
		long n = mpb_opts.ns[k];
		int *fds, j;

		if (n < min_n)
			continue;
		fds = mpb_eventfds(n);
		for (j = 0; mpb_impls[j]; j++)
			if (mpb_impl_selected(mpb_impls[j]) && n <= mpb_impls[j]->max_n)
				fn(mpb_impls[j], fds, n);
		mpb_close_fds(fds, n);
	}
}

void mpb_sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * Let the kernel finish the work a set-up deferred before the first timed
 * loop: minipoll's table of watched files grows in a kworker, and that
 * rehash (millions of instructions at 100,000 files) would otherwise land
 * in whichever figure runs next. Sleeping costs nothing under icount.
 */
void mpb_settle(void)
{
	mpb_sleep_us(50000);
}

void mpb_efd_signal(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		mp_die("eventfd write: %s", strerror(errno));
}

void mpb_efd_drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) != sizeof(v) && errno != EAGAIN)
		mp_die("eventfd read: %s", strerror(errno));
}

void mpb_efd_spread(const int *fds, long n, long k, void (*fn)(int fd))
{
	long i;

	for (i = 0; i < k; i++)
		fn(fds[i * (n / k)]);
}

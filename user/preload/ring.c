// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * epoll_wait() through a fed ready ring (minipoll_ring(3)).
 *
 * The first wait on an instance gives it a fed ring, unless
 * MINIPOLL_RING=0: from then on, while every item it watches is
 * edge-triggered or one-shot, the wake-up callback publishes their
 * events in shared memory and a wait takes them without a system call;
 * it sleeps with one only when there is nothing. A level-triggered item
 * ends the feeding and the waits are ordinary ones again (libminipoll
 * does that part). A ring that cannot be made (no memory, or the program
 * made one itself through libminipoll) leaves the instance on ordinary
 * waits.
 *
 * Only epoll_wait() and the waits without a signal mask come here: a
 * mask must be set and restored by the kernel around the sleep.
 *
 * Unlike the bitmap of route.c, the ring table must follow close(),
 * dup2() and dup3(): a wait that finds entries makes no system call that
 * could notice the fd now names another file. Each ring is counted: the
 * table holds one reference, each wait using it another, and the last
 * one unmaps it, so closing an instance while another thread waits on
 * it never unmaps memory under that thread.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

/* Slots of a shim-made ring: 4 KiB of events, plus its header page. */
#define SHIM_RING_ENTRIES	256
#define SHIM_RING_FDS		65536

struct shim_ring {
	struct minipoll_ring *ring;
	unsigned int refs;
};

/* A table slot without a ring: not tried yet (NULL) or refused. */
#define SHIM_RING_NONE	((struct shim_ring *)1)

static struct shim_ring *shim_rings[SHIM_RING_FDS];
/* Serialises table changes; a wait's lookup takes it only to take a ref. */
static pthread_mutex_t shim_ring_lock = PTHREAD_MUTEX_INITIALIZER;

static bool shim_ring_wanted(void)
{
	static int wanted = -1;
	int w = __atomic_load_n(&wanted, __ATOMIC_RELAXED);

	if (w < 0) {
		const char *v = getenv("MINIPOLL_RING");

		w = !(v && strcmp(v, "0") == 0);
		__atomic_store_n(&wanted, w, __ATOMIC_RELAXED);
	}
	return w;
}

static void shim_ring_put(struct shim_ring *sr)
{
	if (__atomic_sub_fetch(&sr->refs, 1, __ATOMIC_ACQ_REL))
		return;
	minipoll_ring_close(sr->ring);
	free(sr);
}

/* The ring of instance @epfd with a reference for the caller, or NULL. */
static struct shim_ring *shim_ring_get(int epfd)
{
	struct shim_ring *sr;

	if (epfd < 0 || epfd >= SHIM_RING_FDS || !shim_ring_wanted())
		return NULL;
	pthread_mutex_lock(&shim_ring_lock);
	sr = shim_rings[epfd];
	if (!sr) {
		sr = malloc(sizeof(*sr));
		if (sr) {
			sr->ring = minipoll_ring_open2(epfd, SHIM_RING_ENTRIES,
						       MINIPOLL_RING_OPEN_FED);
			sr->refs = 1;
			if (!sr->ring) {
				free(sr);
				sr = NULL;
			}
		}
		shim_rings[epfd] = sr ? sr : SHIM_RING_NONE;
	}
	if (sr == SHIM_RING_NONE)
		sr = NULL;
	if (sr)
		sr->refs++;
	pthread_mutex_unlock(&shim_ring_lock);
	return sr;
}

void shim_ring_forget(int fd)
{
	struct shim_ring *sr;

	if (fd < 0 || fd >= SHIM_RING_FDS ||
	    !__atomic_load_n(&shim_rings[fd], __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&shim_ring_lock);
	sr = shim_rings[fd];
	shim_rings[fd] = NULL;
	pthread_mutex_unlock(&shim_ring_lock);
	if (sr && sr != SHIM_RING_NONE)
		shim_ring_put(sr);
}

int shim_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	struct shim_ring *sr;
	int ret, err;

	/*
	 * The ring writes the array here, not in the kernel: leave the
	 * calls epoll fails with EINVAL or EFAULT to the ioctl's checks.
	 */
	if (maxevents <= 0 || !events)
		sr = NULL;
	else
		sr = shim_ring_get(epfd);
	if (!sr)
		return mp_wait_ioctl(epfd, events, maxevents, timeout, NULL, 0, NULL, 0);
	ret = minipoll_ring_wait(sr->ring, events, maxevents, timeout);
	err = errno;
	shim_ring_put(sr);
	errno = err;
	return ret;
}

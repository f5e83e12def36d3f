/* SPDX-License-Identifier: MIT OR LGPL-2.1-or-later */
/*
 * libminipoll: epoll's API on top of /dev/minipoll.
 *
 * Every call here has the signature and the semantics of its epoll
 * counterpart in <sys/epoll.h>: same arguments, same struct epoll_event,
 * same EPOLL* flags, same results and, on failure, the same errno, checked
 * in the same order as the running kernel's epoll checks it. A program
 * switches by renaming epoll_* to minipoll_*, or not at all: the LD_PRELOAD
 * shim (libminipoll-preload.so, minipoll-run(1)) does the renaming for
 * unmodified programs.
 *
 * Return convention (libc's, as for epoll): on success a non-negative
 * value, on failure -1 with errno set. No call here returns -errno.
 *
 * The ioctl ABI underneath is <linux/minipoll.h>; programs using this
 * library never need it.
 */
#ifndef LIBMINIPOLL_H
#define LIBMINIPOLL_H

/* ------------------------------------------------------------------ */
/* Portability                                                         */
/* ------------------------------------------------------------------ */

#include <signal.h>		/* sigset_t */
#include <stdint.h>		/* uint32_t */
#include <sys/epoll.h>		/* struct epoll_event, EPOLL*, EPOLL_CTL_* */
#include <time.h>		/* struct timespec */

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The library's version (the package's, ../VERSION). Symbols are versioned
 * LIBMINIPOLL_0.1 (the epoll API) and LIBMINIPOLL_0.2 (the batched ctl
 * and the ready ring, beyond epoll).
 */
#define LIBMINIPOLL_VERSION_MAJOR	0
#define LIBMINIPOLL_VERSION_MINOR	1

/* ------------------------------------------------------------------ */
/* Creating an instance                                                */
/* ------------------------------------------------------------------ */

/*
 * minipoll_create1 - open a new minipoll instance, like epoll_create1(2).
 *
 * flags is 0 or EPOLL_CLOEXEC (which sets FD_CLOEXEC on the new fd).
 * Returns the instance's file descriptor. Errors:
 *   EINVAL  flags has a bit other than EPOLL_CLOEXEC.
 *   ENOENT  /dev/minipoll does not exist: the minipoll module is not
 *           loaded. (Any other open(2) error is passed on as it is, e.g.
 *           EACCES, EMFILE, ENFILE, ENOMEM.)
 */
int minipoll_create1(int flags);

/*
 * minipoll_create - like epoll_create(2): size is ignored but must be
 * positive (else EINVAL); otherwise the same as minipoll_create1(0).
 */
int minipoll_create(int size);

/* ------------------------------------------------------------------ */
/* The interest set                                                    */
/* ------------------------------------------------------------------ */

/*
 * minipoll_ctl - add, modify or remove fd in mpfd's interest set, like
 * epoll_ctl(2). op is EPOLL_CTL_ADD, EPOLL_CTL_MOD or EPOLL_CTL_DEL; event
 * may be NULL for EPOLL_CTL_DEL. Returns 0.
 * Errors are epoll_ctl()'s, in its order (EFAULT, EBADF, EPERM, EINVAL,
 * ELOOP, EEXIST, ENOENT, ENOSPC, ENOMEM). In particular, mpfd open but not
 * a minipoll instance gives EINVAL, as a non-epoll fd does for epoll_ctl().
 */
int minipoll_ctl(int mpfd, int op, int fd, struct epoll_event *event);

/*
 * struct minipoll_ctl_op - one operation of minipoll_ctl_batch(): op, fd
 * and the event as for minipoll_ctl() (events and data ignored for
 * EPOLL_CTL_DEL); flags and reserved must be 0. result is written by the
 * call: 0, or the negated errno minipoll_ctl() would have set.
 */
struct minipoll_ctl_op {
	int op;
	int fd;
	uint32_t events;
	uint32_t flags;
	epoll_data_t data;
	int result;
	uint32_t reserved;
};

/*
 * minipoll_ctl_batch - apply nr operations to mpfd's interest set in one
 * system call. Beyond epoll (kqueue's changelist with EV_RECEIPT): every
 * operation is attempted in array order, each gets its own result, and a
 * failing one does not stop the others; the results are those of the
 * same minipoll_ctl() calls made one by one. Returns the number of
 * operations applied (nr, or fewer if the array became unreadable part
 * way). Errors: EBADF, EINVAL (mpfd not an instance, nr above 65536),
 * EFAULT (ops not readable and writable).
 */
int minipoll_ctl_batch(int mpfd, struct minipoll_ctl_op *ops, unsigned int nr);

/* ------------------------------------------------------------------ */
/* Waiting for events                                                  */
/* ------------------------------------------------------------------ */

/*
 * minipoll_wait - wait for events on mpfd, like epoll_wait(2).
 * Stores at most maxevents ready events in events and returns how many
 * (0 if timeout milliseconds passed first). timeout < 0 waits without
 * limit; timeout 0 returns at once.
 * Errors are epoll_wait()'s, in its order (EINVAL for maxevents, EFAULT,
 * EBADF, EINVAL for a non-instance mpfd, EINTR).
 *
 * Like epoll_wait(), the waits below are thread cancellation points.
 */
int minipoll_wait(int mpfd, struct epoll_event *events, int maxevents,
		  int timeout);

/*
 * minipoll_pwait - like epoll_pwait(2): minipoll_wait() with sigmask, if
 * not NULL, as the thread's signal mask for the duration of the wait.
 */
int minipoll_pwait(int mpfd, struct epoll_event *events, int maxevents,
		   int timeout, const sigset_t *sigmask);

/*
 * minipoll_pwait2 - like epoll_pwait2(2): minipoll_pwait() with a relative
 * struct timespec timeout; NULL waits without limit, {0, 0} returns at
 * once, a negative or non-normalised timespec gives EINVAL.
 */
int minipoll_pwait2(int mpfd, struct epoll_event *events, int maxevents,
		    const struct timespec *timeout, const sigset_t *sigmask);

/* ------------------------------------------------------------------ */
/* The ready ring (beyond epoll)                                       */
/* ------------------------------------------------------------------ */

/* Opaque: a ready ring mapped into this process. */
struct minipoll_ring;

/*
 * minipoll_ring_open - give mpfd a ready ring of entries slots (a power
 * of two, 1 .. 65536) and map it. Once per instance. Returns the ring,
 * or NULL with errno: EINVAL (bad entries; mpfd not an instance), EBADF,
 * EBUSY (the instance has a ring already), ENOMEM, or mmap()'s errors.
 */
struct minipoll_ring *minipoll_ring_open(int mpfd, unsigned int entries);

/* minipoll_ring_open2() flags. */
#define MINIPOLL_RING_OPEN_FED	0x1U	/* the wake-up callback publishes */

/*
 * minipoll_ring_open2 - minipoll_ring_open() with flags. With
 * MINIPOLL_RING_OPEN_FED the ring is fed by the wake-up callback: an
 * edge-triggered or one-shot item's event is published in the ring the
 * moment its file wakes, with the bits the wake-up brought, so that
 * minipoll_ring_wait() takes it without a system call even when the
 * ring was not empty. Level-triggered items go through refills as
 * without the flag; the first one the instance watches ends the feeding
 * for good, and minipoll_ring_wait() then waits as minipoll_wait() does
 * once the entries already published are taken. See minipoll_ring(3).
 */
struct minipoll_ring *minipoll_ring_open2(int mpfd, unsigned int entries, unsigned int flags);

/*
 * minipoll_ring_wait - like minipoll_wait() on the ring's instance, but
 * events the kernel already published in the ring are taken without a
 * system call; only an empty ring costs one, which refills it or sleeps
 * (timeout as for epoll_wait()). A refill is one epoll_wait() with
 * maxevents = the ring's size: LT items are re-polled at each refill, ET
 * items reported once per edge, ONESHOT items disarmed when published.
 * Safe to call from several threads. Errors: EINVAL (maxevents <= 0),
 * EINTR, EBADF (the instance fd was closed).
 */
int minipoll_ring_wait(struct minipoll_ring *r, struct epoll_event *events,
		       int maxevents, int timeout);

/*
 * minipoll_ring_close - unmap the ring and free r. The instance keeps
 * its ring (it lives as long as the instance); its fd is not closed.
 */
void minipoll_ring_close(struct minipoll_ring *r);

/* ------------------------------------------------------------------ */
/* Recognising instances                                               */
/* ------------------------------------------------------------------ */

/*
 * minipoll_is_instance - 1 if fd refers to a minipoll instance (its
 * st_rdev is /dev/minipoll's), else 0. Like isatty(3), it returns 0 with
 * errno EBADF when fd is not open; otherwise errno is left alone.
 */
int minipoll_is_instance(int fd);

#ifdef __cplusplus
}
#endif

#endif /* LIBMINIPOLL_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: the wait ioctls. MINIPOLL_IOC_WAIT is epoll_wait(),
 * epoll_pwait() and epoll_pwait2() in one ioctl; MINIPOLL_IOC_RING_WAIT
 * is the same wait filling the ready ring (ring.c) instead of an array.
 *
 * The arguments are checked in epoll_pwait2()'s order: the timeout, then
 * the signal mask, then maxevents and the buffer. The wait itself follows
 * ep_poll(): harvest if something may be ready, else queue as an exclusive
 * waiter and sleep until an item is queued, a signal arrives or the
 * deadline passes.
 *
 * Two kernel helpers epoll uses are not exported to modules, so their
 * effect is rebuilt here from exported pieces: set_user_sigmask() (see
 * mp_set_sigmask()) and select_estimate_accuracy() (see mp_timer_slack()).
 * The transfer of events into either destination is transfer.h's.
 */
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/minmax.h>
#include <linux/device.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/time64.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include <linux/minipoll.h>

#include "mp.h"
#include "mp_lock.h"
#include "mp_trace.h"
#include "transfer.h"
#include "uargs.h"

/* The most a sleeper's deadline is allowed to slip, as for select(). */
#define MP_MAX_SLACK	(100 * NSEC_PER_MSEC)

/* now + @rel on the monotonic clock, saturating at the end of time. */
static struct timespec64 mp_deadline(struct timespec64 rel)
{
	struct timespec64 now;
	u64 sec;
	long nsec;

	ktime_get_ts64(&now);
	sec = (u64)now.tv_sec + rel.tv_sec;
	nsec = now.tv_nsec + rel.tv_nsec;
	if (nsec >= NSEC_PER_SEC) {
		nsec -= NSEC_PER_SEC;
		sec++;
	}
	if (sec > TIME64_MAX)
		return (struct timespec64){ .tv_sec = TIME64_MAX };
	return (struct timespec64){ .tv_sec = sec, .tv_nsec = nsec };
}

/*
 * cf. ep_timeout_to_timespec(): epoll_wait()'s milliseconds. Negative
 * means forever (NULL), zero means do not block.
 */
static __always_inline struct timespec64 *mp_timeout_from_ms(struct timespec64 *to, int ms)
{
	if (ms < 0)
		return NULL;
	if (!ms) {
		*to = (struct timespec64){};
		return to;
	}
	*to = mp_deadline((struct timespec64){
		.tv_sec = ms / MSEC_PER_SEC,
		.tv_nsec = (ms % MSEC_PER_SEC) * NSEC_PER_MSEC,
	});
	return to;
}

/*
 * epoll_pwait2()'s timeout: a user pointer to a relative timespec, NULL
 * (0) meaning forever. Sets *top to the absolute deadline, or to NULL.
 */
static int mp_timeout_from_user(struct timespec64 *to, u64 uts, struct timespec64 **top)
{
	struct timespec64 ts;

	*top = NULL;
	if (!uts)
		return 0;
	if (get_timespec64(&ts, u64_to_user_ptr(uts)))
		return -EFAULT;
	if (!timespec64_valid(&ts))
		return -EINVAL;
	*to = (ts.tv_sec || ts.tv_nsec) ? mp_deadline(ts) : ts;
	*top = to;
	return 0;
}

/*
 * How late the timer may fire, so that wake-ups can be batched: 0.1% of
 * the time left (0.5% for a niced task), at most 100 ms, and never less
 * than the task's timer slack. cf. select_estimate_accuracy().
 *
 * A real-time or deadline task gets an exact timer. From 6.1.132 on, the
 * scheduler keeps such a task's timer_slack_ns at 0 (prctl() and
 * /proc/PID/timerslack_ns cannot raise it), and the kernel tests only
 * that; 6.1 kernels before 6.1.132 leave the field alone and test
 * rt_task() instead. Testing the policy as well agrees with both, except
 * for a normal task that an rt_mutex boosts to a real-time priority:
 * rt_task() on those older kernels counts it, the policy does not.
 */
static u64 mp_timer_slack(const struct timespec64 *deadline)
{
	u64 floor = current->timer_slack_ns;
	u64 div = task_nice(current) > 0 ? 200 : 1000;
	struct timespec64 now, left;
	u64 est;

	if (!floor || current->policy == SCHED_FIFO || current->policy == SCHED_RR ||
	    current->policy == SCHED_DEADLINE)
		return 0;

	ktime_get_ts64(&now);
	left = timespec64_sub(*deadline, now);
	if (left.tv_sec < 0)
		est = 0;
	else if (left.tv_sec >= MP_MAX_SLACK / (NSEC_PER_SEC / div))
		est = MP_MAX_SLACK;
	else
		est = min_t(u64, MP_MAX_SLACK, timespec64_to_ns(&left) / div);
	return max(est, floor);
}

/*
 * epoll_pwait()'s mask: in force for the duration of the call. The old
 * mask goes to current->saved_sigmask with TIF_RESTORE_SIGMASK set, as
 * set_user_sigmask() does, so that a signal interrupting the wait is
 * delivered under the temporary mask and the signal code restores the
 * old one after setting up the handler.
 */
static int mp_set_sigmask(u64 umask, u32 sigsetsize)
{
	sigset_t kmask;

	if (!umask)
		return 0;
	if (sigsetsize != sizeof(sigset_t))
		return -EINVAL;
	if (copy_from_user(&kmask, u64_to_user_ptr(umask), sizeof(kmask)))
		return -EFAULT;

	sigdelsetmask(&kmask, sigmask(SIGKILL) | sigmask(SIGSTOP));
	set_restore_sigmask();
	sigprocmask(SIG_SETMASK, &kmask, &current->saved_sigmask);
	return 0;
}

/*
 * cf. restore_saved_sigmask_unless(): put the caller's mask back now,
 * unless the wait was interrupted - then the signal code does it, after
 * the handler frame is built.
 */
static void mp_restore_sigmask(bool interrupted)
{
	if (interrupted)
		return;
	if (test_and_clear_restore_sigmask())
		sigprocmask(SIG_SETMASK, &current->saved_sigmask, NULL);
}

/* Time left until @to, -1 for no limit: for the minipoll_wait_sleep tracepoint. */
static s64 mp_time_left_ns(const ktime_t *to)
{
	return to ? ktime_to_ns(ktime_sub(*to, ktime_get())) : -1;
}

/*
 * cf. ep_autoremove_wake_function(): leave the queue on every wake-up,
 * even one that finds the task already awake, so the next wake-up goes to
 * the next waiter. The entry is never reused after a wake-up.
 */
static int mp_autoremove_wake(wait_queue_entry_t *wq_entry, unsigned int mode, int sync,
			      void *key)
{
	int ret = default_wake_function(wq_entry, mode, sync, key);

	/* Pairs with list_empty_careful() in mp_wait_events(). */
	list_del_init_careful(&wq_entry->entry);
	return ret;
}

/*
 * Events for @sink: on the ready list, or entries of the ring not taken
 * yet - which a fed ring's callback publishes under mp->lock, so that a
 * check under it cannot miss one whose wake-up came before we queued.
 */
static __always_inline bool mp_sink_available(struct mp_instance *mp, struct mp_sink *sink)
{
	if (mp_events_available(mp))
		return true;
	if (sink->ring)
		return mp_ring_pending(sink->ring);
	/* An ordinary wait takes a fed ring's entries too (mp_ring_take()). */
	return unlikely(READ_ONCE(mp->ring)) && mp_ring_takeable(mp);
}

/*
 * cf. ep_poll(). @timeout is an absolute deadline, {0, 0} for "do not
 * block", or NULL for "forever"; the events go to @sink.
 *
 * Always inlined, as the transfer is: each wait ioctl gets a copy for its
 * sink and makes no call on the way (see transfer.h).
 */
static __always_inline int mp_wait_events(struct mp_instance *mp, struct mp_sink *sink,
					  struct timespec64 *timeout)
{
	ktime_t expires, *to = NULL;
	wait_queue_entry_t wait;
	bool timed_out = false;
	bool eavail;
	u64 slack = 0;
	int res;

	lockdep_assert_irqs_enabled();

	if (timeout && (timeout->tv_sec || timeout->tv_nsec)) {
		slack = mp_timer_slack(timeout);
		expires = timespec64_to_ktime(*timeout);
		to = &expires;
	} else if (timeout) {
		/* Non-blocking: one harvest at most, no trip to the queue. */
		timed_out = true;
	}

	/* Racy on purpose: a waiter rechecks under mp->lock below. */
	eavail = mp_sink_available(mp, sink);

	for (;;) {
		if (eavail) {
			/* Zero events with time left: wait on for more luck. */
			res = mp_send_events(mp, sink);
			if (res)
				return res;
		}

		if (timed_out)
			return 0;

		if (signal_pending(current))
			return -EINTR;

		/*
		 * A fresh exclusive entry each round: one wake-up wakes one
		 * waiter, which leaves the queue at once, so the next
		 * wake-up finds the next waiter.
		 */
		init_wait(&wait);
		wait.func = mp_autoremove_wake;

		spin_lock_irq(&mp->lock);
		/*
		 * The callback tests waitqueue_active() under this same lock,
		 * so no barrier is needed between the state change and the
		 * final check.
		 */
		__set_current_state(TASK_INTERRUPTIBLE);
		/*
		 * Check again under the lock: a transfer in progress empties
		 * both lists for a moment while events are pending.
		 */
		eavail = mp_sink_available(mp, sink);
		if (!eavail)
			__add_wait_queue_exclusive(&mp->wq, &wait);
		spin_unlock_irq(&mp->lock);

		if (!eavail) {
			/* The clock is read only for a tracer. */
			if (trace_minipoll_wait_sleep_enabled())
				trace_minipoll_wait_sleep(mp, mp_time_left_ns(to));
			timed_out = !schedule_hrtimeout_range(to, slack, HRTIMER_MODE_ABS);
			trace_minipoll_wait_wake(mp, timed_out ? MP_TRACE_WAKE_TIMEOUT :
						 signal_pending(current) ? MP_TRACE_WAKE_SIGNAL :
						 MP_TRACE_WAKE_EVENTS);
		}
		__set_current_state(TASK_RUNNING);

		/* Woken (or the events were there): go and harvest. */
		eavail = true;

		if (!list_empty_careful(&wait.entry)) {
			spin_lock_irq(&mp->lock);
			/*
			 * Still queued after a timeout: nobody woke us, so
			 * nothing to harvest. Off the queue: a wake-up came
			 * after the timer fired - take its events.
			 */
			if (timed_out)
				eavail = list_empty(&wait.entry);
			__remove_wait_queue(&mp->wq, &wait);
			spin_unlock_irq(&mp->lock);
		}
	}
}

/* cf. do_epoll_wait(), less the fd checks the library already did. */
static __always_inline int mp_wait(struct mp_instance *mp, u64 uevents, int maxevents,
				   struct timespec64 *timeout)
{
	struct mp_sink sink = {
		.uevents = u64_to_user_ptr(uevents),
		.maxevents = maxevents,
	};

	if (maxevents <= 0 || maxevents > MP_MAX_EVENTS)
		return -EINVAL;
	if (!access_ok(sink.uevents, maxevents * sizeof(struct epoll_event)))
		return -EFAULT;
	return mp_wait_events(mp, &sink, timeout);
}

long mp_ioctl_wait(struct mp_instance *mp, void __user *argp)
{
	struct timespec64 ts, *to;
	struct minipoll_wait w;
	int res;

	if (mp_get_uargs(&w, argp, sizeof(w)))
		return -EFAULT;
	if ((w.flags & ~MINIPOLL_WAIT_FLAGS) || w.__reserved)
		return -EINVAL;

	if (w.flags & MINIPOLL_WAIT_TIMESPEC) {
		res = mp_timeout_from_user(&ts, w.timeout, &to);
		if (res)
			return res;
	} else {
		to = mp_timeout_from_ms(&ts, w.timeout_ms);
	}

	res = mp_set_sigmask(w.sigmask, w.sigsetsize);
	if (res)
		return res;

	res = mp_wait(mp, w.events, w.maxevents, to);

	mp_restore_sigmask(res == -EINTR);
	return res;
}

long mp_ioctl_ring_wait(struct mp_instance *mp, void __user *argp)
{
	struct minipoll_ring_wait w;
	struct mp_sink sink = {};
	struct timespec64 ts;
	u32 pending;

	if (mp_get_uargs(&w, argp, sizeof(w)))
		return -EFAULT;
	if (w.flags || w.__reserved)
		return -EINVAL;
	/* Stable: set once, before any ioctl that could see it. */
	sink.ring = smp_load_acquire(&mp->ring);
	if (!sink.ring)
		return -ENXIO;

	/* Entries still waiting: nothing to do (and no fill, see ring.c). */
	pending = mp_ring_pending(sink.ring);
	if (pending)
		return pending;

	return mp_wait_events(mp, &sink, mp_timeout_from_ms(&ts, w.timeout_ms));
}

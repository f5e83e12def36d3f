// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mptrace.bpf.c: count, per instance, what happens between an event on a
 * watched file and the waiter's return to user space, for the real epoll
 * and for minipoll.
 *
 * epoll (kprobes; its internals are read with CO-RE from vmlinux BTF):
 *	ep_poll_callback		callback: the item's epitem -> eventpoll
 *	ep_autoremove_wake_function	wakeup of a waiter sleeping in ep_poll
 *	do_epoll_wait (+ return)	deliveries; the end of a latency sample
 *	do_epoll_ctl (+ return)		ctl operations
 * ep_poll and ep_send_events are inlined into do_epoll_wait in Debian's
 * 6.1 build, so the wait is seen from do_epoll_wait.
 *
 * minipoll (its tracepoints, records as in mptrace.h):
 *	minipoll_callback, minipoll_wait_wake, minipoll_transfer_end,
 *	minipoll_item_insert/modify/remove.
 *
 * Latency: the first callback on an instance that may have made an item
 * ready stamps the instance (first_cb); the next wait that returns events
 * on it ends the sample and clears the stamp. For epoll the end is
 * do_epoll_wait's return, for minipoll the end of the transfer, the last
 * step of the ioctl before it returns.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "mptrace.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* include/uapi/linux/eventpoll.h and fs/eventpoll.c: macros are not in BTF */
#define EPOLLEXCLUSIVE	(1U << 28)
#define EPOLLWAKEUP	(1U << 29)
#define EPOLLONESHOT	(1U << 30)
#define EPOLLET		(1U << 31)
#define EP_PRIVATE_BITS	(EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)

/* x86-64's number for ioctl(2): minipoll is driven by ioctls. */
#define NR_IOCTL	16

#define MAX_INSTANCES	4096
#define MAX_THREADS	8192

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_INSTANCES);
	__type(key, struct mpt_key);
	__type(value, struct mpt_stats);
} stats SEC(".maps");

/* Per instance: when the oldest callback not yet followed by a return ran. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_INSTANCES);
	__type(key, struct mpt_key);
	__type(value, __u64);
} first_cb SEC(".maps");

/*
 * Per thread (pid_tgid): the eventpoll it is in do_epoll_wait or
 * do_epoll_ctl on, and its fd there, from the call's entry to its return.
 * One map serves both calls: a thread is in one system call at a time.
 * LRU: an entry whose return was missed (kretprobe instances run out when
 * very many threads sleep at once) ages out instead of filling the map.
 */
struct ep_call {
	__u64 ep;
	__s32 epfd;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_THREADS);
	__type(key, __u64);
	__type(value, struct ep_call);
} in_call SEC(".maps");

static const struct mpt_stats zero_stats;

static __always_inline struct mpt_stats *stats_of(__u32 impl, __u64 inst)
{
	struct mpt_key k = { .impl = impl, .inst = inst };
	struct mpt_stats *s;

	s = bpf_map_lookup_elem(&stats, &k);
	if (s)
		return s;
	/* Another CPU may create it first: then NOEXIST fails, harmlessly. */
	bpf_map_update_elem(&stats, &k, &zero_stats, BPF_NOEXIST);
	return bpf_map_lookup_elem(&stats, &k);
}

static __always_inline __u32 slot_of(__u64 ns)
{
	__u64 us = ns / 1000;
	__u32 slot = 0;
	int i;

	for (i = 0; i < MPT_SLOTS - 1; i++) {
		if (!us)
			break;
		us >>= 1;
		slot++;
	}
	return slot;
}

/*
 * A wake-up callback ran for one of the instance's items; ready: it may
 * have made the item ready, which starts a latency sample.
 */
static __always_inline int callback(__u32 impl, __u64 inst, bool ready)
{
	struct mpt_key k = { .impl = impl, .inst = inst };
	struct mpt_stats *s = stats_of(impl, inst);
	__u64 now;

	if (!s)
		return 0;
	__sync_fetch_and_add(&s->callbacks, 1);
	if (!ready)
		return 0;
	/* Only the oldest pending callback counts: keep an existing stamp. */
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&first_cb, &k, &now, BPF_NOEXIST);
	return 0;
}

/* A waiter sleeping on the instance was woken because events arrived. */
static __always_inline int woken(__u32 impl, __u64 inst)
{
	struct mpt_stats *s = stats_of(impl, inst);

	if (s)
		__sync_fetch_and_add(&s->wakeups, 1);
	return 0;
}

/*
 * The calling process's call on the instance, made with its fd, returned
 * n: a ctl 0, a wait the n > 0 events it delivered, which ends the latency
 * sample. The caller owns the instance for the table's label.
 */
static __always_inline int ended(__u32 impl, __u64 inst, __s32 fd, int n)
{
	struct mpt_key k = { .impl = impl, .inst = inst };
	struct mpt_stats *s = stats_of(impl, inst);
	__u64 *t0, delta;
	__u32 slot;

	if (!s)
		return 0;
	s->owner_tgid = bpf_get_current_pid_tgid() >> 32;
	s->owner_fd = fd;
	bpf_get_current_comm(s->owner_comm, sizeof(s->owner_comm));
	if (!n) {
		__sync_fetch_and_add(&s->ctl, 1);
		return 0;
	}
	__sync_fetch_and_add(&s->returns, 1);
	__sync_fetch_and_add(&s->deliveries, n);
	t0 = bpf_map_lookup_elem(&first_cb, &k);
	if (!t0)
		return 0;
	delta = bpf_ktime_get_ns() - *t0;
	bpf_map_delete_elem(&first_cb, &k);
	slot = slot_of(delta);
	if (slot >= MPT_SLOTS)
		return 0;
	__sync_fetch_and_add(&s->hist[slot], 1);
	__sync_fetch_and_add(&s->lat_count, 1);
	__sync_fetch_and_add(&s->lat_sum_ns, delta);
	return 0;
}

/* ---- the real epoll ---- */

/* The file behind the current task's fd, or NULL: the eventpoll's key. */
static __always_inline __u64 private_of_fd(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file **fds, *file = NULL;
	unsigned int max;

	if (fd < 0)
		return 0;
	max = BPF_CORE_READ(task, files, fdt, max_fds);
	if ((unsigned int)fd >= max)
		return 0;
	fds = BPF_CORE_READ(task, files, fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return 0;
	/* Not checked to be an epoll file: the call's return says so. */
	return (__u64)BPF_CORE_READ(file, private_data);
}

SEC("kprobe/ep_poll_callback")
int BPF_KPROBE(ep_callback, wait_queue_entry_t *wait, unsigned int mode,
	       int sync, void *key)
{
	struct eppoll_entry *pwq = container_of(wait, struct eppoll_entry, wait);
	struct epitem *epi = BPF_CORE_READ(pwq, base);
	__u64 ep = (__u64)BPF_CORE_READ(epi, ep);
	__u32 events = BPF_CORE_READ(epi, event.events);
	__u32 pollflags = (__u32)(unsigned long)key;

	if (!ep)
		return 0;
	/* As ep_poll_callback: not when disarmed, nor for an unwanted key. */
	return callback(MPT_EPOLL, ep, (events & ~EP_PRIVATE_BITS) &&
			(!pollflags || (pollflags & events)));
}

/* A waiter in ep_poll woken from ep->wq: the entry's task says who. */
SEC("kprobe/ep_autoremove_wake_function")
int BPF_KPROBE(ep_wake, struct wait_queue_entry *wq_entry)
{
	struct task_struct *task = BPF_CORE_READ(wq_entry, private);
	__u64 id = ((__u64)BPF_CORE_READ(task, tgid) << 32) |
		   (__u32)BPF_CORE_READ(task, pid);
	struct ep_call *call = bpf_map_lookup_elem(&in_call, &id);

	if (!call || !call->ep)
		return 0;
	return woken(MPT_EPOLL, call->ep);
}

static __always_inline int enter(int epfd)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ep_call call = { .ep = private_of_fd(epfd), .epfd = epfd };

	if (call.ep)
		bpf_map_update_elem(&in_call, &id, &call, BPF_ANY);
	return 0;
}

/*
 * The return of the call enter() saw begin: a wait that returned events,
 * or a ctl that succeeded, on an eventpoll (a non-epoll fd fails).
 */
static __always_inline int leave(long ret, bool wait)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct ep_call *call = bpf_map_lookup_elem(&in_call, &id);
	int n = (int)ret;

	if (!call)
		return 0;
	if (wait ? n > 0 : n == 0)
		ended(MPT_EPOLL, call->ep, call->epfd, n);
	bpf_map_delete_elem(&in_call, &id);
	return 0;
}

SEC("kprobe/do_epoll_wait")
int BPF_KPROBE(ep_wait_enter, int epfd)
{
	return enter(epfd);
}

SEC("kretprobe/do_epoll_wait")
int BPF_KRETPROBE(ep_wait_exit, long ret)
{
	return leave(ret, true);
}

SEC("kprobe/do_epoll_ctl")
int BPF_KPROBE(ep_ctl_enter, int epfd)
{
	return enter(epfd);
}

SEC("kretprobe/do_epoll_ctl")
int BPF_KRETPROBE(ep_ctl_exit, long ret)
{
	return leave(ret, false);
}

/* ---- minipoll's tracepoints (loaded only when the events exist) ---- */

/*
 * A ctl, a DEL or a transfer of minipoll is an ioctl on the instance's
 * own fd (the library's calls, the shim's, the batch, the ring's wait), so
 * the fd its owner knows it by is that system call's first argument. In
 * any other system call (none traced here today) it is not known: -1.
 */
static __always_inline __s32 mp_owner_fd(void)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	if (BPF_CORE_READ(regs, orig_ax) != NR_IOCTL)
		return -1;
	return (__s32)BPF_CORE_READ(regs, di);
}

SEC("tp/minipoll/minipoll_item_insert")
int mp_insert(struct mp_tp_item_insert *ctx)
{
	return ended(MPT_MINIPOLL, ctx->id, mp_owner_fd(), 0);
}

SEC("tp/minipoll/minipoll_item_modify")
int mp_modify(struct mp_tp_item_modify *ctx)
{
	return ended(MPT_MINIPOLL, ctx->id, mp_owner_fd(), 0);
}

/* Only EPOLL_CTL_DEL: the other removals are not the owner's calls. */
SEC("tp/minipoll/minipoll_item_remove")
int mp_remove(struct mp_tp_item_remove *ctx)
{
	if (ctx->reason != 0)
		return 0;
	return ended(MPT_MINIPOLL, ctx->id, mp_owner_fd(), 0);
}

SEC("tp/minipoll/minipoll_callback")
int mp_callback(struct mp_tp_callback *ctx)
{
	/* An event is on its way: queued, or in a fed ring. */
	return callback(MPT_MINIPOLL, ctx->id, ctx->outcome <= MP_CB_ALREADY ||
			ctx->outcome >= MP_CB_PUBLISHED);
}

SEC("tp/minipoll/minipoll_wait_wake")
int mp_wake(struct mp_tp_wait_wake *ctx)
{
	if (ctx->reason != MP_WAKE_EVENTS)
		return 0;
	return woken(MPT_MINIPOLL, ctx->id);
}

SEC("tp/minipoll/minipoll_transfer_end")
int mp_transfer_end(struct mp_tp_transfer_end *ctx)
{
	if (ctx->delivered <= 0)
		return 0;
	return ended(MPT_MINIPOLL, ctx->id, mp_owner_fd(), ctx->delivered);
}

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * minipoll: the eventpoll core as a character device.
 *
 * This header is the whole user ABI of /dev/minipoll. The module, the
 * library (libminipoll), the LD_PRELOAD shim and the tests all include it;
 * nothing else defines the ioctls.
 *
 * Instances
 *	Every open() of /dev/minipoll creates one instance: an interest set of
 *	watched (file, fd) pairs, a ready list and a queue of waiters, like one
 *	epoll_create1() call. close() of the last reference destroys it. The
 *	instance fd is itself pollable (EPOLLIN when an item is ready), so it
 *	can be watched by another instance or by a real epoll. read() and
 *	write() fail with EINVAL, as on an epoll fd.
 *
 * Event format
 *	Events and flags are epoll's: struct epoll_event and the EPOLL* bits
 *	from <sys/epoll.h> (or <linux/eventpoll.h> in the kernel). This header
 *	includes neither, since the two clash, and needs neither: its structs
 *	carry user pointers as __u64. On x86-64 struct epoll_event is packed
 *	(12 bytes), so 32-bit and 64-bit callers share one layout.
 *
 * MINIPOLL_IOC_CTL (struct minipoll_ctl)
 *	epoll_ctl(): op is EPOLL_CTL_ADD, EPOLL_CTL_MOD or EPOLL_CTL_DEL, fd
 *	the target, event a user pointer to one struct epoll_event (read
 *	unless op is EPOLL_CTL_DEL; may be 0 then). Returns 0, or -1 with
 *	epoll_ctl()'s errno, checked in epoll_ctl()'s order.
 *
 * MINIPOLL_IOC_WAIT (struct minipoll_wait)
 *	epoll_wait(), epoll_pwait() and epoll_pwait2() in one call. events
 *	points to an array of maxevents struct epoll_event. Without
 *	MINIPOLL_WAIT_TIMESPEC, timeout_ms is epoll_wait()'s timeout (negative:
 *	infinite, 0: do not block). With it, timeout points to a struct
 *	__kernel_timespec, relative, as for epoll_pwait2() (0: infinite).
 *	sigmask, if not 0, points to a sigset of sigsetsize bytes that is
 *	the thread's signal mask for the duration of the wait, as for
 *	epoll_pwait(). Returns the number of events stored, or -1 with
 *	epoll_pwait2()'s errno in its order of checks.
 *
 * MINIPOLL_IOC_CTL_BATCH (struct minipoll_ctl_batch)
 *	Many epoll_ctl() calls in one: ops points to an array of nr struct
 *	minipoll_ctl_op, each an op, an fd and the event (events, data)
 *	inline. Every op is attempted, in array order, whatever the others
 *	gave (kqueue's EV_RECEIPT): a failing op does not stop the batch.
 *	Each op's result, 0 or -errno, is stored in its result field; the
 *	errno is the one epoll_ctl() would give for that op at that point of
 *	the batch, in epoll_ctl()'s order of checks, except that the event is
 *	inline and cannot fault. An op with flags or __reserved not zero
 *	gets -EINVAL and is not applied. The kernel writes back whole
 *	entries, so the array must be writable. nr is 0 ..
 *	MINIPOLL_CTL_BATCH_MAX, else EINVAL. Returns the number of ops
 *	applied, nr unless the array became unreadable part way (then the
 *	count before that point; EFAULT if it was the first entry). EFAULT
 *	also when a result could not be written back: the ops of that chunk
 *	were applied.
 *
 * MINIPOLL_IOC_RING_SETUP (struct minipoll_ring_setup), mmap()
 *	Gives the instance a ready ring of entries slots (a power of two,
 *	1 .. MINIPOLL_RING_MAX_ENTRIES), once: a second setup gives EBUSY.
 *	Returns size and events_off; mmap() size bytes at offset 0 of the
 *	instance fd, MAP_SHARED, PROT_READ | PROT_WRITE: a struct
 *	minipoll_ring_hdr, then at events_off the slots, struct
 *	minipoll_ring_event[entries]. Any other length or offset, or a
 *	private mapping, is EINVAL; mmap() before the setup is ENXIO. The
 *	memory is charged to the caller's memory cgroup and lives as long
 *	as the instance file, which every mapping holds open.
 *	flags: 0 for a plain ring, filled only by MINIPOLL_IOC_RING_WAIT;
 *	MINIPOLL_RING_FED for a fed ring, where the wake-up callback also
 *	publishes the events of EPOLLET and EPOLLONESHOT items as their
 *	files wake (Documentation/ring.md), until the instance watches a
 *	level-triggered item (then hdr->feeding becomes 0 for good). A fed
 *	ring's consumer claims each entry by exchanging its events for 0,
 *	skips entries whose events are 0 (taken back, or merged), reads an
 *	entry's data before its claim, and holds hdr->lock (0 free, 1 held)
 *	while it harvests. MINIPOLL_IOC_WAIT takes a fed ring's entries
 *	first, as such a consumer.
 *
 * MINIPOLL_IOC_RING_WAIT (struct minipoll_ring_wait)
 *	Fill the ring: when it is empty (head == tail), do what one
 *	MINIPOLL_IOC_WAIT with maxevents = entries would do, but store the
 *	events in the slots after tail and then advance tail; sleep as that
 *	wait would (timeout_ms as epoll_wait()'s) while nothing is ready.
 *	LT items are re-polled at every fill, ET items are published once
 *	per edge, ONESHOT items are disarmed when published. A fill is
 *	never made into a ring that is not empty, so a ring never holds two
 *	entries of one item and never overflows: what does not fit stays on
 *	the ready list for the next fill. Returns the entries now in the
 *	ring (tail - head), 0 on timeout; ENXIO without a ring.
 *
 *	Memory ordering. Kernel (producer): writes the slots, then
 *	smp_store_release(&hdr->tail); reads hdr->head with
 *	smp_load_acquire() before it reuses slots. User (consumer): loads
 *	hdr->tail with acquire, reads slots head .. tail - 1, then stores
 *	hdr->head with release (a compare-and-swap where several threads
 *	consume). The kernel keeps its own copy of tail, entries and the
 *	mask and never trusts the shared ones; a bad head only corrupts the
 *	caller's own view.
 *
 * MINIPOLL_IOC_DUMP (struct minipoll_dump)
 *	A snapshot of the instance for study tools (minipoll-inspect): its
 *	items in rbtree order with the tree's shape and colours, the ready
 *	list and the overflow list in order, each item's wait-queue entries
 *	and counters, and the instance's waiters. The caller passes arrays
 *	and their capacities; the call fills at most that many entries and
 *	always returns the full counts, so a second call with larger arrays
 *	gets everything. Kernel addresses never reach user space: objects
 *	are named by ids, keyed hashes that are equal for the same object
 *	for as long as the module is loaded. The dump holds the instance's
 *	mutex, as an event transfer does, so it never sees a transfer in
 *	flight: nr_ovf is 0 (the debugfs file shows the overflow list).
 *
 * Reserved fields and unknown flags must be zero, else EINVAL. An unknown
 * ioctl command gives ENOTTY. A bad pointer gives EFAULT.
 */
#ifndef _UAPI_LINUX_MINIPOLL_H
#define _UAPI_LINUX_MINIPOLL_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define MINIPOLL_DEVICE		"/dev/minipoll"

/* 0xB8 is free in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define MINIPOLL_IOC_MAGIC	0xB8

struct minipoll_ctl {
	__s32 op;		/* EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL */
	__s32 fd;		/* the file descriptor to watch */
	__u64 event;		/* user pointer to struct epoll_event */
	__u32 flags;		/* none defined yet: must be zero */
	__u32 __reserved;	/* must be zero */
};

/* Most ops one MINIPOLL_IOC_CTL_BATCH takes. */
#define MINIPOLL_CTL_BATCH_MAX	65536

/* One op of a batch: 32 bytes, the same layout on every ABI. */
struct minipoll_batch_op {
	__s32 op;		/* EPOLL_CTL_ADD, EPOLL_CTL_MOD, EPOLL_CTL_DEL */
	__s32 fd;		/* the file descriptor to watch */
	__u32 events;		/* epoll_event.events (ignored for DEL) */
	__u32 flags;		/* none defined yet: must be zero */
	__u64 data;		/* epoll_event.data (ignored for DEL) */
	__s32 result;		/* out: 0 or -errno */
	__u32 __reserved;	/* must be zero */
};

struct minipoll_ctl_batch {
	__u64 ops;		/* user pointer to struct minipoll_batch_op[nr] */
	__u32 nr;		/* 0 .. MINIPOLL_CTL_BATCH_MAX */
	__u32 flags;		/* none defined yet: must be zero */
	__u64 __reserved;	/* must be zero */
};

/* Largest ring: 65536 slots of 16 bytes, 1 MiB. */
#define MINIPOLL_RING_MAX_ENTRIES	65536

struct minipoll_ring_setup {
	__u32 entries;		/* in: a power of two, 1 .. MINIPOLL_RING_MAX_ENTRIES */
	__u32 flags;		/* in: MINIPOLL_RING_* below */
	__u64 size;		/* out: bytes to mmap() at offset 0 */
	__u32 events_off;	/* out: offset of the slots in the mapping */
	__u32 __reserved[3];	/* must be zero */
};

/* minipoll_ring_setup.flags */
#define MINIPOLL_RING_FED	0x1U	/* the wake-up callback publishes ET and ONESHOT items */
#define MINIPOLL_RING_FLAGS	(MINIPOLL_RING_FED)

/* At offset 0 of the mapping; head and tail on cache lines of their own. */
struct minipoll_ring_hdr {
	__u32 head;		/* user: next slot to read; release after reading */
	__u32 lock;		/* user: a fed ring's consumer lock; the kernel ignores it */
	__u32 __pad0[14];
	__u32 tail;		/* kernel: one past the newest slot; release after writing */
	__u32 __pad1[15];
	__u32 entries;		/* kernel: number of slots (read only) */
	__u32 mask;		/* kernel: entries - 1 (read only) */
	__u32 fills;		/* kernel: fills made (statistics) */
	__u32 queued;		/* kernel, fed rings: the ready list holds items (a hint) */
	__u32 feeding;		/* kernel, fed rings: 1 until a level-triggered item comes */
	__u32 __pad2[11];
};

/* One slot: an event as epoll_wait() reports it, 16 bytes, aligned. */
struct minipoll_ring_event {
	__u32 events;
	__u32 __pad;
	__u64 data;
};

struct minipoll_ring_wait {
	__s32 timeout_ms;	/* as epoll_wait(): < 0 forever, 0 do not block */
	__u32 flags;		/* none defined yet, must be zero */
	__u64 __reserved;	/* must be zero */
};

/* minipoll_wait.flags */
#define MINIPOLL_WAIT_TIMESPEC	0x1U		/* use .timeout, not .timeout_ms */
#define MINIPOLL_WAIT_FLAGS	(MINIPOLL_WAIT_TIMESPEC)

struct minipoll_wait {
	__u64 events;		/* user pointer to struct epoll_event[maxevents] */
	__s32 maxevents;	/* 1 .. INT_MAX / sizeof(struct epoll_event) */
	__s32 timeout_ms;	/* epoll_wait() timeout, without ..._TIMESPEC */
	__u64 timeout;		/* user pointer to struct __kernel_timespec */
	__u64 sigmask;		/* user pointer to a sigset, or 0 */
	__u32 sigsetsize;	/* sizeof the kernel sigset (8) when sigmask */
	__u32 flags;		/* MINIPOLL_WAIT_* */
	__u64 __reserved;	/* must be zero */
};

/* minipoll_dump_item.color */
#define MINIPOLL_DUMP_RED	0
#define MINIPOLL_DUMP_BLACK	1

/* minipoll_dump_item.state */
#define MINIPOLL_DUMP_READY	0x1U	/* on the ready list */
#define MINIPOLL_DUMP_OVERFLOW	0x2U	/* chained on the overflow list */
#define MINIPOLL_DUMP_DISARMED	0x4U	/* EPOLLONESHOT fired: no events until MOD */
#define MINIPOLL_DUMP_DEAD	0x8U	/* file released, not yet reaped */

/* minipoll_dump_wq.flags */
#define MINIPOLL_DUMP_WQ_EXCLUSIVE	0x1U	/* added with EPOLLEXCLUSIVE */
#define MINIPOLL_DUMP_WQ_FREED		0x2U	/* the queue announced POLLFREE */

/* One item; indexes are positions in the items array (rbtree in-order). */
struct minipoll_dump_item {
	__u64 data;		/* epoll_event.data as added */
	__u64 file_id;		/* id of the watched struct file */
	__s32 fd;		/* the fd it was added with */
	__u32 events;		/* requested mask, EPOLLET/ONESHOT/... included */
	__s32 parent;		/* rbtree parent's index, -1 at the root */
	__s32 left;		/* left child's index, or -1 */
	__s32 right;		/* right child's index, or -1 */
	__s32 ready_pos;	/* position on the ready list, or -1 */
	__s32 ovf_pos;		/* position on the overflow chain, or -1 */
	__u32 first_wq;		/* its entries: wqs[first_wq .. +nr_wqs) */
	__u32 nr_wqs;
	__u32 callbacks;	/* wake-up callbacks that reached the item */
	__u32 deliveries;	/* events copied to user space */
	__u32 ignored;		/* callbacks outside its mask or while disarmed */
	__u8 color;		/* MINIPOLL_DUMP_RED or MINIPOLL_DUMP_BLACK */
	__u8 state;		/* MINIPOLL_DUMP_* state bits */
	__u8 __pad[6];		/* zeroed */
	char kind[16];		/* target: "pipe", "eventfd", "TCP", ... */
};

/* One wait-queue entry an item hung on a queue of its target. */
struct minipoll_dump_wq {
	__u64 head_id;		/* id of the wait_queue_head: same id, same queue; 0 if FREED */
	__u32 item;		/* index of the owning item */
	__u32 flags;		/* MINIPOLL_DUMP_WQ_* */
	__u32 queue_len;	/* entries on that queue now, all owners */
	__u32 __pad;		/* zeroed */
	char owner[16];		/* kind of file that owns the queue */
};

struct minipoll_dump {
	__u64 items;		/* user pointer to minipoll_dump_item[max_items] */
	__u64 wqs;		/* user pointer to minipoll_dump_wq[max_wqs] */
	__u32 max_items;	/* in: capacity of items */
	__u32 max_wqs;		/* in: capacity of wqs */
	__u32 nr_items;		/* out: items in the instance */
	__u32 nr_wqs;		/* out: wait entries of all items */
	__u32 nr_ready;		/* out: length of the ready list */
	__u32 nr_ovf;		/* out: length of the overflow chain */
	__u32 nr_waiters;	/* out: tasks sleeping in MINIPOLL_IOC_WAIT */
	__u32 nr_pollers;	/* out: entries on the instance's own poll queue */
	__u64 id;		/* out: instance id, as in tracepoints and debugfs */
	__s32 root;		/* out: index of the rbtree root, -1 when empty */
	__u32 flags;		/* in: none defined yet, must be zero */
	__u64 __reserved[2];	/* must be zero */
};

#define MINIPOLL_IOC_CTL	_IOW(MINIPOLL_IOC_MAGIC, 1, struct minipoll_ctl)
#define MINIPOLL_IOC_WAIT	_IOW(MINIPOLL_IOC_MAGIC, 2, struct minipoll_wait)
#define MINIPOLL_IOC_DUMP	_IOWR(MINIPOLL_IOC_MAGIC, 3, struct minipoll_dump)
#define MINIPOLL_IOC_CTL_BATCH	_IOW(MINIPOLL_IOC_MAGIC, 4, struct minipoll_ctl_batch)
#define MINIPOLL_IOC_RING_SETUP	_IOWR(MINIPOLL_IOC_MAGIC, 5, struct minipoll_ring_setup)
#define MINIPOLL_IOC_RING_WAIT	_IOW(MINIPOLL_IOC_MAGIC, 6, struct minipoll_ring_wait)
/* Number 7 is reserved. */

#endif /* _UAPI_LINUX_MINIPOLL_H */

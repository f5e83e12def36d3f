/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * mptrace.h: what mptrace's BPF programs and its user side share.
 *
 *  - the records of minipoll's tracepoints, as plain C structs, for
 *    SEC("tp/minipoll/...") programs. Documentation/tracepoints.md is the
 *    contract: the 8-byte common header, then the fields in order, with
 *    natural alignment. No module BTF is needed to read them;
 *  - the statistics map's key and value.
 *
 * Include it after vmlinux.h (BPF side) or <linux/types.h> (user side):
 * both define __u64 and friends.
 */
#ifndef MPTRACE_H
#define MPTRACE_H

/* ---- minipoll's tracepoint records (Documentation/tracepoints.md) ---- */

struct mp_tp_common {
	unsigned short common_type;
	unsigned char common_flags;
	unsigned char common_preempt_count;
	int common_pid;
};

#define MP_KIND_LEN	16

struct mp_tp_item_insert {
	struct mp_tp_common hdr;
	__u64 id;
	__s32 fd;
	__u32 events;
	__u64 data;
	__u64 file_id;
	char kind[MP_KIND_LEN];
};

struct mp_tp_item_modify {
	struct mp_tp_common hdr;
	__u64 id;
	__s32 fd;
	__u32 events;
	__u64 data;
};

struct mp_tp_item_remove {
	struct mp_tp_common hdr;
	__u64 id;
	__s32 fd;
	__u32 reason;
};

enum mp_cb_outcome {
	MP_CB_QUEUED = 0,	/* put on the ready list */
	MP_CB_OVERFLOW = 1,	/* chained on the overflow list */
	MP_CB_ALREADY = 2,	/* already queued */
	MP_CB_NOMATCH = 3,	/* ignored: key does not match the mask */
	MP_CB_DISARMED = 4,	/* ignored: EPOLLONESHOT fired */
	MP_CB_POLLFREE = 5,
	MP_CB_PUBLISHED = 6,	/* published in a fed ring */
	MP_CB_MERGED = 7,	/* merged into its entry in a fed ring */
};

struct mp_tp_callback {
	struct mp_tp_common hdr;
	__u64 id;
	__s32 fd;
	__u32 key;
	__u32 events;
	__u32 outcome;
};

enum mp_wake_reason {
	MP_WAKE_EVENTS = 0,
	MP_WAKE_TIMEOUT = 1,
	MP_WAKE_SIGNAL = 2,
};

struct mp_tp_wait_wake {
	struct mp_tp_common hdr;
	__u64 id;
	__u32 reason;
};

struct mp_tp_transfer_end {
	struct mp_tp_common hdr;
	__u64 id;
	__s32 delivered;
	__u32 requeued;
	__u32 overflowed;
};

/* ---- the statistics map ---- */

enum mpt_impl {
	MPT_EPOLL = 0,
	MPT_MINIPOLL = 1,
	MPT_NR_IMPL,
};

/*
 * Latency slots, log2 of microseconds: slot 0 is [0, 1) us, slot n is
 * [2^(n-1), 2^n) us; the last slot takes everything longer.
 */
#define MPT_SLOTS	24

/*
 * One instance: for epoll the kernel's struct eventpoll (its address is
 * only a key: the user side never prints it), for minipoll the instance id
 * of the tracepoints.
 */
struct mpt_key {
	__u32 impl;		/* enum mpt_impl */
	__u32 pad;
	__u64 inst;
};

/*
 * Counters since the tool started; the user side prints differences. The
 * BPF programs add with atomic adds, so concurrent CPUs lose nothing. The
 * counters, all __u64, come first: the user side adds and subtracts them
 * as one array, up to owner_tgid.
 */
struct mpt_stats {
	__u64 ctl;		/* insert/modify/remove (epoll: do_epoll_ctl calls) */
	__u64 callbacks;	/* wake-up callbacks run for the instance's items */
	__u64 wakeups;		/* sleeping waiters woken because events arrived */
	__u64 returns;		/* waits returned with at least one event */
	__u64 deliveries;	/* events copied out to user space */
	__u64 lat_count;	/* latency samples, in hist[] */
	__u64 lat_sum_ns;
	__u64 hist[MPT_SLOTS];
	__u32 owner_tgid;	/* last process seen waiting or changing it */
	__s32 owner_fd;		/* its fd in that process, else -1 */
	char owner_comm[16];
};

#endif /* MPTRACE_H */

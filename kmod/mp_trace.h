/* SPDX-License-Identifier: GPL-2.0 */
/*
 * minipoll's tracepoints: one per state transition of the eventpoll core.
 *
 * The record layouts are a contract with user space (mptrace reads them
 * through plain C structs): Documentation/tracepoints.md lists every field
 * in order. Change a layout only by adding fields at the end, and update
 * the document and user/tools/mptrace.h with it. Fields have fixed sizes
 * and no kernel address is recorded: files and queues are named by the
 * keyed ids of names.c.
 *
 * There is no DECLARE_EVENT_CLASS: events of one class share their fields
 * and names, and no two of these do (the closest, transfer_start and
 * propagate, differ in a field's sign and every name). A class would
 * change the formats that tests/trace_test.c and mptrace read.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM minipoll

#if !defined(MINIPOLL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define MINIPOLL_TRACE_H

#include <linux/tracepoint.h>
#include "mp.h"

/* minipoll_item_remove.reason */
#define MP_TRACE_RM_CTL		0	/* EPOLL_CTL_DEL */
#define MP_TRACE_RM_RELEASED	1	/* the watched file was released */
#define MP_TRACE_RM_CLOSED	2	/* the instance was closed */

/* minipoll_wait_wake.reason */
#define MP_TRACE_WAKE_EVENTS	0
#define MP_TRACE_WAKE_TIMEOUT	1
#define MP_TRACE_WAKE_SIGNAL	2

/*
 * A record is written into ring-buffer (or perf buffer) memory that is
 * reused without being cleared, and read raw by user space: every byte
 * must be written. Strings are zero-padded by their writers (names.c);
 * this clears, from TP_fast_assign(), the tail padding of a record whose
 * last field ends before its u64 alignment: the bytes from the end of
 * the last field (where __data[] starts) to the end of the record.
 */
#define mp_trace_clear_tail()						\
	memset(__entry->__data, 0,					\
	       sizeof(*__entry) - offsetof(typeof(*__entry), __data))

/*
 * The events of an instance start with its id; the events of an item
 * with its instance's id and its fd, as fdinfo names an item.
 */
#define MP_TRACE_INST_FIELDS __field(u64, id)
#define mp_trace_inst_assign(inst)	(__entry->id = (inst)->id)

#define MP_TRACE_ITEM_FIELDS __field(u64, id) __field(s32, fd)
#define mp_trace_item_assign(item)					\
	do {								\
		const struct mp_item *__mpi = (item);			\
									\
		__entry->id = __mpi->mp->id;				\
		__entry->fd = __mpi->fd;				\
	} while (0)

TRACE_EVENT(minipoll_item_insert,
	TP_PROTO(const struct mp_item *mpi),
	TP_ARGS(mpi),
	TP_STRUCT__entry(
		MP_TRACE_ITEM_FIELDS
		__field(u32, events)
		__field(u64, data)
		__field(u64, file_id)
		__array(char, kind, 16)
	),
	TP_fast_assign(
		mp_trace_item_assign(mpi);
		__entry->events = (__force u32)mpi->event.events;
		__entry->data = mpi->event.data;
		__entry->file_id = mp_obj_id(mpi->file);
		mp_file_kind(mpi->file, __entry->kind, sizeof(__entry->kind));
	),
	TP_printk("id=%llu fd=%d events=0x%x data=0x%llx file=%016llx kind=%s",
		  __entry->id, __entry->fd, __entry->events, __entry->data,
		  __entry->file_id, __entry->kind)
);

TRACE_EVENT(minipoll_item_modify,
	TP_PROTO(const struct mp_item *mpi),
	TP_ARGS(mpi),
	TP_STRUCT__entry(
		MP_TRACE_ITEM_FIELDS
		__field(u32, events)
		__field(u64, data)
	),
	TP_fast_assign(
		mp_trace_item_assign(mpi);
		__entry->events = (__force u32)mpi->event.events;
		__entry->data = mpi->event.data;
	),
	TP_printk("id=%llu fd=%d events=0x%x data=0x%llx",
		  __entry->id, __entry->fd, __entry->events, __entry->data)
);

TRACE_EVENT(minipoll_item_remove,
	TP_PROTO(const struct mp_item *mpi, u32 reason),
	TP_ARGS(mpi, reason),
	TP_STRUCT__entry(
		MP_TRACE_ITEM_FIELDS
		__field(u32, reason)
	),
	TP_fast_assign(
		mp_trace_item_assign(mpi);
		__entry->reason = reason;
	),
	TP_printk("id=%llu fd=%d reason=%s", __entry->id, __entry->fd,
		  __print_symbolic(__entry->reason,
				   { MP_TRACE_RM_CTL, "del" },
				   { MP_TRACE_RM_RELEASED, "released" },
				   { MP_TRACE_RM_CLOSED, "closed" }))
);

TRACE_EVENT(minipoll_wq_add,
	TP_PROTO(const struct mp_item *mpi, const wait_queue_head_t *whead,
		 struct file *file),
	TP_ARGS(mpi, whead, file),
	TP_STRUCT__entry(
		MP_TRACE_ITEM_FIELDS
		__field(u32, exclusive)
		__field(u64, head_id)
		__array(char, owner, 16)
	),
	TP_fast_assign(
		mp_trace_item_assign(mpi);
		__entry->exclusive = !!(mpi->event.events & EPOLLEXCLUSIVE);
		__entry->head_id = mp_obj_id(whead);
		mp_queue_owner_of(file, __entry->owner, sizeof(__entry->owner));
	),
	TP_printk("id=%llu fd=%d exclusive=%u head=%016llx owner=%s",
		  __entry->id, __entry->fd, __entry->exclusive,
		  __entry->head_id, __entry->owner)
);

TRACE_EVENT(minipoll_wq_remove,
	TP_PROTO(const struct mp_item *mpi, const wait_queue_head_t *whead,
		 u32 pollfree),
	TP_ARGS(mpi, whead, pollfree),
	TP_STRUCT__entry(
		MP_TRACE_ITEM_FIELDS
		__field(u32, pollfree)
		__field(u64, head_id)
	),
	TP_fast_assign(
		mp_trace_item_assign(mpi);
		__entry->pollfree = pollfree;
		__entry->head_id = mp_obj_id(whead);
	),
	TP_printk("id=%llu fd=%d pollfree=%u head=%016llx", __entry->id,
		  __entry->fd, __entry->pollfree, __entry->head_id)
);

TRACE_EVENT(minipoll_callback,
	TP_PROTO(const struct mp_item *mpi, __poll_t key, __poll_t events,
		 enum mp_cb_outcome outcome),
	TP_ARGS(mpi, key, events, outcome),
	TP_STRUCT__entry(
		MP_TRACE_ITEM_FIELDS
		__field(u32, key)
		__field(u32, events)
		__field(u32, outcome)
	),
	TP_fast_assign(
		mp_trace_item_assign(mpi);
		__entry->key = (__force u32)key;
		__entry->events = (__force u32)events;
		__entry->outcome = outcome;
	),
	TP_printk("id=%llu fd=%d key=0x%x events=0x%x outcome=%s",
		  __entry->id, __entry->fd, __entry->key, __entry->events,
		  __print_symbolic(__entry->outcome,
				   { MP_CB_QUEUED, "queued" },
				   { MP_CB_CHAINED, "overflow" },
				   { MP_CB_ALREADY, "already-queued" },
				   { MP_CB_IGN_MASK, "ignored-mask" },
				   { MP_CB_IGN_DISARMED, "ignored-disarmed" },
				   { MP_CB_POLLFREE, "pollfree" },
				   { MP_CB_PUBLISHED, "published" },
				   { MP_CB_MERGED, "merged" }))
);

TRACE_EVENT(minipoll_wait_sleep,
	TP_PROTO(const struct mp_instance *mp, s64 timeout_ns),
	TP_ARGS(mp, timeout_ns),
	TP_STRUCT__entry(
		MP_TRACE_INST_FIELDS
		__field(s64, timeout_ns)
	),
	TP_fast_assign(
		mp_trace_inst_assign(mp);
		__entry->timeout_ns = timeout_ns;
	),
	TP_printk("id=%llu timeout_ns=%lld", __entry->id, __entry->timeout_ns)
);

TRACE_EVENT(minipoll_wait_wake,
	TP_PROTO(const struct mp_instance *mp, u32 reason),
	TP_ARGS(mp, reason),
	TP_STRUCT__entry(
		MP_TRACE_INST_FIELDS
		__field(u32, reason)
	),
	TP_fast_assign(
		mp_trace_inst_assign(mp);
		__entry->reason = reason;
		mp_trace_clear_tail();
	),
	TP_printk("id=%llu reason=%s", __entry->id,
		  __print_symbolic(__entry->reason,
				   { MP_TRACE_WAKE_EVENTS, "events" },
				   { MP_TRACE_WAKE_TIMEOUT, "timeout" },
				   { MP_TRACE_WAKE_SIGNAL, "signal" }))
);

TRACE_EVENT(minipoll_transfer_start,
	TP_PROTO(const struct mp_instance *mp, int maxevents, u32 nr_ready),
	TP_ARGS(mp, maxevents, nr_ready),
	TP_STRUCT__entry(
		MP_TRACE_INST_FIELDS
		__field(s32, maxevents)
		__field(u32, nr_ready)
	),
	TP_fast_assign(
		mp_trace_inst_assign(mp);
		__entry->maxevents = maxevents;
		__entry->nr_ready = nr_ready;
	),
	TP_printk("id=%llu maxevents=%d nr_ready=%u", __entry->id,
		  __entry->maxevents, __entry->nr_ready)
);

TRACE_EVENT(minipoll_deliver,
	TP_PROTO(const struct mp_item *mpi, __poll_t revents, u32 requeued),
	TP_ARGS(mpi, revents, requeued),
	TP_STRUCT__entry(
		MP_TRACE_ITEM_FIELDS
		__field(u32, revents)
		__field(u32, requeued)
	),
	TP_fast_assign(
		mp_trace_item_assign(mpi);
		__entry->revents = (__force u32)revents;
		__entry->requeued = requeued;
		mp_trace_clear_tail();
	),
	TP_printk("id=%llu fd=%d revents=0x%x requeued=%u", __entry->id,
		  __entry->fd, __entry->revents, __entry->requeued)
);

TRACE_EVENT(minipoll_transfer_end,
	TP_PROTO(const struct mp_instance *mp, int delivered, u32 requeued,
		 u32 overflowed),
	TP_ARGS(mp, delivered, requeued, overflowed),
	TP_STRUCT__entry(
		MP_TRACE_INST_FIELDS
		__field(s32, delivered)
		__field(u32, requeued)
		__field(u32, overflowed)
	),
	TP_fast_assign(
		mp_trace_inst_assign(mp);
		__entry->delivered = delivered;
		__entry->requeued = requeued;
		__entry->overflowed = overflowed;
		mp_trace_clear_tail();
	),
	TP_printk("id=%llu delivered=%d requeued=%u overflowed=%u",
		  __entry->id, __entry->delivered, __entry->requeued,
		  __entry->overflowed)
);

TRACE_EVENT(minipoll_propagate,
	TP_PROTO(const struct mp_instance *mp, __poll_t key, u32 pollers),
	TP_ARGS(mp, key, pollers),
	TP_STRUCT__entry(
		MP_TRACE_INST_FIELDS
		__field(u32, key)
		__field(u32, pollers)
	),
	TP_fast_assign(
		mp_trace_inst_assign(mp);
		__entry->key = (__force u32)key;
		__entry->pollers = pollers;
	),
	TP_printk("id=%llu key=0x%x pollers=%u", __entry->id, __entry->key,
		  __entry->pollers)
);

#endif /* MINIPOLL_TRACE_H */

/* Out of tree: define_trace.h finds this file by path, not on the include path. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE mp_trace
#include <trace/define_trace.h>

// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: the ready ring - events published in memory shared with user
 * space, harvested there without a system call.
 *
 * The ring is a fill-when-empty buffer, not a second ready list. A fill
 * (MINIPOLL_IOC_RING_WAIT finding the ring empty) is exactly one event
 * transfer of MINIPOLL_IOC_WAIT, mp_send_events() itself, with
 * maxevents = the ring's size and the slots as the destination: the same
 * re-poll of each ready item, the same ONESHOT disarm, the same LT
 * re-queue at the tail of the ready list, the same ET "once per edge".
 * User space then takes the events in as many pieces as it likes, with
 * no system call until the ring is empty again. So LT, ET and ONESHOT
 * keep epoll's meaning, with one rule to state: the events of one fill
 * are the result of one epoll_wait(), and a consumer that takes them in
 * pieces sees each piece as of the fill (as it would walking the array
 * of one big epoll_wait()).
 *
 * Filling only an empty ring is what keeps it simple: an item is never
 * in the ring twice (an LT item re-queued by a fill is polled again only
 * by the next fill, after the consumer took the first report), nothing
 * is published from the wake-up callback (no slot writes in IRQ context,
 * no second "queued" state per item to keep coherent), and the ring
 * cannot overflow - what does not fit stays on the ready list, in order,
 * for the next fill.
 *
 * Memory: one vmalloc area of header + slots, charged to the caller's
 * memory cgroup (GFP_KERNEL_ACCOUNT), size fixed at setup and capped at
 * MINIPOLL_RING_MAX_ENTRIES. mmap() inserts its pages with
 * vm_insert_page(), which takes a reference on each: a page outlives
 * the area as long as it is mapped. The area itself is freed with the
 * instance, and every mapping holds the instance's file open, so it is
 * never freed while mapped anyway.
 *
 * Ordering, producer side (here, under mp->mtx, which serialises fills):
 * the slots are written, then the tail is stored with release; the head
 * the consumer stored with release is loaded with acquire before slots
 * are reused, so the consumer's reads of them are done. The kernel never
 * reads the shared tail, entries or mask; a garbage head makes the ring
 * look full or empty to the kernel, never an out-of-bounds write, since
 * every index is masked with the kernel's own mask.
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <linux/minipoll.h>

#include "mp.h"
#include "mp_lock.h"

struct mp_ring {
	/* Header and slots: one vmalloc area, shared with user space. */
	struct minipoll_ring_hdr *hdr;
	struct minipoll_ring_event *slots;
	/* Bytes of the area, a multiple of the page size. Constant. */
	size_t size;
	/* Number of slots - 1. Constant; the shared copy is not trusted. */
	u32 mask;
	/* One past the newest published slot. mp->mtx. */
	u32 tail;
};

/* Slots start on the first cache line after the header. */
#define MP_RING_EVENTS_OFF	ALIGN(sizeof(struct minipoll_ring_hdr), 64)

/*
 * Entries the consumer has not taken yet, at most the ring's size. The
 * tail moves under mp->mtx only: a fill, holding it, reads the current
 * one; the ring wait's peek, without it, may read a stale one, and the
 * fill it leads to checks again under the lock.
 */
u32 mp_ring_pending(struct mp_ring *ring)
{
	/* Acquire: the consumer's reads of the slots it took are done. */
	u32 used = READ_ONCE(ring->tail) - smp_load_acquire(&ring->hdr->head);

	return min(used, ring->mask + 1);
}

/*
 * How many slots a fill may use: all of them when the ring is empty.
 * Otherwise no fill: minus the number of entries waiting, which
 * mp_send_events() returns as is. mp->mtx.
 */
int mp_ring_space(struct mp_ring *ring)
{
	u32 used = mp_ring_pending(ring);

	return used ? -(int)used : (int)(ring->mask + 1);
}

/* Write the @i-th event of the current fill. mp->mtx. */
void mp_ring_put(struct mp_ring *ring, int i, __poll_t revents, __u64 data)
{
	struct minipoll_ring_event *slot = &ring->slots[(ring->tail + i) & ring->mask];

	/* Consumers may read a slot being rewritten (and then drop what they read). */
	WRITE_ONCE(slot->events, (__force u32)revents);
	WRITE_ONCE(slot->data, data);
}

/* End a fill of @n events: make them visible. Returns @n. mp->mtx. */
int mp_ring_publish(struct mp_ring *ring, int n)
{
	if (!n)
		return 0;
	/* Read without mp->mtx by mp_ring_pending(). */
	WRITE_ONCE(ring->tail, ring->tail + n);
	ring->hdr->fills++;
	/* Release: the slots are written before the consumer sees the tail. */
	smp_store_release(&ring->hdr->tail, ring->tail);
	return n;
}

long mp_ioctl_ring_setup(struct mp_instance *mp, void __user *argp)
{
	struct minipoll_ring_setup s;
	struct mp_ring *ring;
	size_t size;
	void *mem;
	int err;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	if (s.flags || s.__reserved[0] || s.__reserved[1] || s.__reserved[2])
		return -EINVAL;
	if (!s.entries || s.entries > MINIPOLL_RING_MAX_ENTRIES || !is_power_of_2(s.entries))
		return -EINVAL;

	size = PAGE_ALIGN(MP_RING_EVENTS_OFF + s.entries * sizeof(struct minipoll_ring_event));
	ring = kzalloc(sizeof(*ring), GFP_KERNEL_ACCOUNT);
	if (!ring)
		return -ENOMEM;
	/* Charged to the caller's memory cgroup; zeroed: no stale kernel data. */
	mem = __vmalloc(size, GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!mem) {
		kfree(ring);
		return -ENOMEM;
	}
	ring->hdr = mem;
	ring->slots = mem + MP_RING_EVENTS_OFF;
	ring->size = size;
	ring->mask = s.entries - 1;
	ring->hdr->entries = s.entries;
	ring->hdr->mask = ring->mask;

	s.size = size;
	s.events_off = MP_RING_EVENTS_OFF;

	mp_lock(mp, 0);
	err = -EBUSY;
	if (mp->ring)
		goto out_unlock;
	/* Before publishing: a caller who cannot learn the size gets no ring. */
	err = -EFAULT;
	if (copy_to_user(argp, &s, sizeof(s)))
		goto out_unlock;
	/* Release: mmap() reads it with acquire, without mp->mtx. */
	smp_store_release(&mp->ring, ring);
	mp_unlock(mp);
	return 0;

out_unlock:
	mp_unlock(mp);
	vfree(mem);
	kfree(ring);
	return err;
}

/* cf. io_uring's ring mmap: the whole area, shared, at offset 0. */
int mp_ring_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mp_instance *mp = file->private_data;
	/* Acquire: pairs with the setup's release; no mp->mtx here. */
	struct mp_ring *ring = smp_load_acquire(&mp->ring);
	unsigned long off;
	int err;

	/* Without a ring the fd is an epoll fd, which cannot be mapped. */
	if (!ring)
		return -ENODEV;
	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != ring->size)
		return -EINVAL;
	/* A private copy would never see the kernel's stores, nor it ours. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;

	vm_flags_mod(vma, VM_DONTEXPAND | VM_DONTDUMP, VM_MAYEXEC);
	for (off = 0; off < ring->size; off += PAGE_SIZE) {
		struct page *page = vmalloc_to_page((void *)ring->hdr + off);

		/* Takes a page reference: the page outlives any vfree(). */
		err = vm_insert_page(vma, vma->vm_start + off, page);
		if (err)
			return err;	/* the caller unmaps what was inserted */
	}
	return 0;
}

/* The instance is going away: no ioctl runs and nothing is mapped. */
void mp_ring_free(struct mp_instance *mp)
{
	struct mp_ring *ring = mp->ring;

	if (!ring)
		return;
	mp->ring = NULL;
	vfree(ring->hdr);
	kfree(ring);
}

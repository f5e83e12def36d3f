// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: the ready ring's memory - events published in memory shared
 * with user space, harvested there without a system call. What goes in
 * and out of the slots is ring_entries.c's.
 *
 * Memory: one vmalloc area of header + slots, charged to the caller's
 * memory cgroup (GFP_KERNEL_ACCOUNT), size fixed at setup and capped at
 * MINIPOLL_RING_MAX_ENTRIES; a fed ring adds a kernel-only array naming
 * the item of each slot. mmap() inserts the area's pages with
 * vm_insert_page(), which takes a reference on each: a page outlives the
 * area as long as it is mapped. The ring is freed with the instance,
 * after its last item, and every mapping holds the instance's file open,
 * so it is never freed while mapped or while a callback could publish.
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include <linux/minipoll.h>

#include "mp.h"
#include "mp_lock.h"
#include "ring.h"

/* Slots start on the first cache line after the header. */
#define MP_RING_EVENTS_OFF	ALIGN(sizeof(struct minipoll_ring_hdr), 64)

/* Does the instance watch a level-triggered item? mp->mtx. */
static bool mp_has_lt_item(struct mp_instance *mp)
{
	struct rb_node *rbp;

	for (rbp = rb_first_cached(&mp->items); rbp; rbp = rb_next(rbp))
		if (mp_events_lt(rb_entry(rbp, struct mp_item, rbn)->event.events))
			return true;
	return false;
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
	if ((s.flags & ~MINIPOLL_RING_FLAGS) ||
	    s.__reserved[0] || s.__reserved[1] || s.__reserved[2])
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
	if (s.flags & MINIPOLL_RING_FED) {
		ring->fed = true;
		ring->owner = kvcalloc(s.entries, sizeof(*ring->owner), GFP_KERNEL_ACCOUNT);
		if (!ring->owner) {
			vfree(mem);
			kfree(ring);
			return -ENOMEM;
		}
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
	if (ring->fed && !mp_has_lt_item(mp)) {
		ring->feeding = true;
		ring->hdr->feeding = 1;
	}
	/*
	 * Release: mmap() and the callback read it without mp->mtx. The
	 * callback takes mp->lock next, which orders its reads of the ring.
	 */
	smp_store_release(&mp->ring, ring);
	mp_unlock(mp);
	return 0;

out_unlock:
	mp_unlock(mp);
	kvfree(ring->owner);
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

/*
 * The instance is going away: no ioctl runs, nothing is mapped, and no
 * item is left whose callback could publish.
 */
void mp_ring_free(struct mp_instance *mp)
{
	struct mp_ring *ring = mp->ring;

	if (!ring)
		return;
	mp->ring = NULL;
	kvfree(ring->owner);
	vfree(ring->hdr);
	kfree(ring);
}

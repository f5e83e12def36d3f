// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: KUnit tests of the core's internal rules, built only when the
 * kernel has CONFIG_KUNIT (see Kbuild). The suites run when the module is
 * loaded; results are in the kernel log and in debugfs
 * (kunit/minipoll_tree/results, kunit/minipoll_ready/results), which
 * `make check-debug` collects (scripts/check-guest).
 *
 * The tests drive the module's own non-static functions (mp.h) on an
 * instance that no file owns: items get fake file pointers, which the
 * rbtree only compares, and hang their wait entries, through the real
 * mp_ptable_queue_proc(), on wait queues the test owns, so that a
 * wake_up_poll() of such a queue runs the real wake-up callback. What
 * the user-space suite cannot see - the tree's order, which list an item
 * is on during a transfer - is asserted here; what it can see (events
 * reported to user space) is compared with the real epoll there.
 *
 * KUnit runs a module's suites before the module's init function, so the
 * suites create the item caches themselves then (mp_kt_suite_init()).
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "mp.h"
#include "mp_lock.h"

#define MP_KT_ITEMS	6

struct mp_kt {
	struct mp_instance *mp;
	/*
	 * Allocated by mp_kt_init(). A test holds mp->mtx throughout, so it
	 * must not abort (no KUNIT_ASSERT, nothing to allocate): KUnit cleans
	 * up an aborted case from another thread, which could not unlock.
	 */
	struct mp_item *mpi[MP_KT_ITEMS];
	/* Which items mp_kt_item() put in the tree. */
	bool in_tree[MP_KT_ITEMS];
	/* One wait queue per item, standing in for its target's. */
	wait_queue_head_t whead[MP_KT_ITEMS];
	/* Fake files: only their addresses are used, as rbtree keys. */
	char files[MP_KT_ITEMS];
	/* mp_kt_init() took mp->mtx for the test, mp_kt_exit() drops it. */
	bool locked;
};

/* Whether this suite run created the caches (KUnit ran before mp_init()). */
static bool mp_kt_made_caches;

/*
 * KUnit runs a module's suites while the module is still coming up, before
 * mp_init() made the caches; kernels that run them later find the module
 * live and its caches made.
 */
static int mp_kt_suite_init(struct kunit_suite *suite)
{
	int err;

	if (THIS_MODULE->state == MODULE_STATE_LIVE)
		return 0;
	err = mp_cache_init();
	if (!err)
		mp_kt_made_caches = true;
	return err;
}

static void mp_kt_suite_exit(struct kunit_suite *suite)
{
	if (mp_kt_made_caches) {
		/* Waits for the items' RCU frees; mp_init() makes its own. */
		mp_cache_exit();
		mp_kt_made_caches = false;
	}
}

static struct file *mp_kt_file(struct mp_kt *kt, int i)
{
	return (struct file *)&kt->files[i];
}

/* Item @i keyed (file @f, @fd), put in the tree, wanting @events. */
static struct mp_item *mp_kt_item(struct kunit *test, int i, int f, int fd, __poll_t events)
{
	struct mp_kt *kt = test->priv;
	struct mp_item *mpi = kt->mpi[i];

	INIT_LIST_HEAD(&mpi->rdllink);
	mpi->next = MP_OVF_INACTIVE;
	mpi->mp = kt->mp;
	mpi->file = mp_kt_file(kt, f);
	mpi->fd = fd;
	mpi->event.events = events;
	mpi->event.data = i;
	mp_rb_insert(kt->mp, mpi);
	kt->in_tree[i] = true;
	return mpi;
}

/* Item @i, on wait queue @i, through the module's own queueing function. */
static struct mp_item *mp_kt_watched(struct kunit *test, int i, __poll_t events)
{
	struct mp_kt *kt = test->priv;
	struct mp_pqueue pq;

	pq.mpi = mp_kt_item(test, i, i, i, events);
	init_poll_funcptr(&pq.pt, mp_ptable_queue_proc);
	mp_ptable_queue_proc(NULL, &kt->whead[i], &pq.pt);
	KUNIT_EXPECT_PTR_EQ(test, pq.mpi, kt->mpi[i]);
	KUNIT_EXPECT_NOT_NULL(test, kt->mpi[i]->pwqlist);
	return kt->mpi[i];
}

/* What a target does when something happens: wake its queue. */
static void mp_kt_wake(struct kunit *test, int i, __poll_t what)
{
	struct mp_kt *kt = test->priv;

	wake_up_poll(&kt->whead[i], what);
}

/* Expect item @want[@k] at position @k of @n; false when past the end. */
static bool mp_kt_expect_nth(struct kunit *test, int k, const struct mp_item *mpi,
			     const int *want, int n)
{
	struct mp_kt *kt = test->priv;

	if (k >= n) {
		KUNIT_FAIL(test, "more than %d items", n);
		return false;
	}
	KUNIT_EXPECT_PTR_EQ_MSG(test, mpi, kt->mpi[want[k]],
				"position %d: item %llu, expected item %d",
				k, (unsigned long long)mpi->event.data, want[k]);
	return true;
}

/* Expect @list to hold exactly the items @want[0..n), in that order. */
static void mp_kt_expect_list(struct kunit *test, struct list_head *list,
			      const int *want, int n)
{
	struct mp_item *mpi;
	int k = 0;

	list_for_each_entry(mpi, list, rdllink) {
		if (!mp_kt_expect_nth(test, k, mpi, want, n))
			return;
		k++;
	}
	KUNIT_EXPECT_EQ(test, k, n);
}

static int mp_kt_init(struct kunit *test)
{
	struct mp_kt *kt;
	int i;

	kt = kunit_kzalloc(test, sizeof(*kt), GFP_KERNEL);
	if (!kt)
		return -ENOMEM;
	test->priv = kt;
	kt->mp = mp_instance_alloc(NULL);
	if (!kt->mp)
		return -ENOMEM;
	for (i = 0; i < MP_KT_ITEMS; i++) {
		kt->mpi[i] = mp_item_alloc();
		if (!kt->mpi[i])
			return -ENOMEM;
		init_waitqueue_head(&kt->whead[i]);
	}
	mp_lock(kt->mp, 0);
	kt->locked = true;
	return 0;
}

/* Also after a failed mp_kt_init(): frees whatever it got. */
static void mp_kt_exit(struct kunit *test)
{
	struct mp_kt *kt = test->priv;
	int i;

	if (!kt || !kt->mp)
		return;
	for (i = 0; i < MP_KT_ITEMS; i++) {
		if (!kt->mpi[i])
			continue;
		if (kt->in_tree[i]) {
			mp_unregister_pollwait(kt->mpi[i]);
			mp_item_free(kt->mp, kt->mpi[i]);
		} else {
			mp_item_free_now(kt->mpi[i]);
		}
	}
	if (kt->locked)
		mp_unlock(kt->mp);
	mp_instance_release(kt->mp);
}

/*
 * The tree orders items by file pointer, then fd (fdinfo lists them in
 * this order, as epoll's does), whatever the insertion order, and the
 * cached leftmost node is the smallest key.
 */
static void mp_kt_tree_order(struct kunit *test)
{
	/* (file, fd) keys, inserted in this order. */
	static const int key[MP_KT_ITEMS][2] = {
		{ 2, 7 }, { 0, 9 }, { 2, 3 }, { 1, 1 }, { 0, 4 }, { 2, 5 },
	};
	/* The same items, in the order of their keys. */
	static const int sorted[MP_KT_ITEMS] = { 4, 1, 3, 2, 5, 0 };
	struct mp_kt *kt = test->priv;
	struct rb_node *rbp;
	int i, k = 0;

	for (i = 0; i < MP_KT_ITEMS; i++)
		mp_kt_item(test, i, key[i][0], key[i][1], EPOLLIN);

	KUNIT_EXPECT_PTR_EQ(test, rb_first_cached(&kt->mp->items), &kt->mpi[sorted[0]]->rbn);
	for (rbp = rb_first_cached(&kt->mp->items); rbp; rbp = rb_next(rbp)) {
		if (!mp_kt_expect_nth(test, k, rb_entry(rbp, struct mp_item, rbn),
				      sorted, MP_KT_ITEMS))
			break;
		k++;
	}
	KUNIT_EXPECT_EQ(test, k, MP_KT_ITEMS);
}

/* mp_find() wants both halves of the key: the same fd of another file is another item. */
static void mp_kt_tree_find(struct kunit *test)
{
	struct mp_kt *kt = test->priv;

	mp_kt_item(test, 0, 0, 5, EPOLLIN);
	mp_kt_item(test, 1, 1, 5, EPOLLIN);
	mp_kt_item(test, 2, 1, 6, EPOLLIN);

	KUNIT_EXPECT_PTR_EQ(test, mp_find(kt->mp, mp_kt_file(kt, 0), 5), kt->mpi[0]);
	KUNIT_EXPECT_PTR_EQ(test, mp_find(kt->mp, mp_kt_file(kt, 1), 5), kt->mpi[1]);
	KUNIT_EXPECT_PTR_EQ(test, mp_find(kt->mp, mp_kt_file(kt, 1), 6), kt->mpi[2]);
	KUNIT_EXPECT_NULL(test, mp_find(kt->mp, mp_kt_file(kt, 0), 6));
	KUNIT_EXPECT_NULL(test, mp_find(kt->mp, mp_kt_file(kt, 1), 4));
	KUNIT_EXPECT_NULL(test, mp_find(kt->mp, mp_kt_file(kt, 2), 5));

	/* Gone from the tree, gone from lookups; the others stay found. */
	mp_item_free(kt->mp, kt->mpi[1]);
	kt->mpi[1] = NULL;
	KUNIT_EXPECT_NULL(test, mp_find(kt->mp, mp_kt_file(kt, 1), 5));
	KUNIT_EXPECT_PTR_EQ(test, mp_find(kt->mp, mp_kt_file(kt, 1), 6), kt->mpi[2]);
	KUNIT_EXPECT_PTR_EQ(test, mp_find(kt->mp, mp_kt_file(kt, 0), 5), kt->mpi[0]);
}

/* Outside a transfer, wake-ups queue items once each, in the order they woke. */
static void mp_kt_wake_queues_in_order(struct kunit *test)
{
	static const int want[] = { 2, 0, 1 };
	struct mp_kt *kt = test->priv;
	int i;

	for (i = 0; i < 3; i++)
		mp_kt_watched(test, i, EPOLLIN);
	KUNIT_EXPECT_FALSE(test, mp_events_available(kt->mp));

	mp_kt_wake(test, 2, EPOLLIN);
	mp_kt_wake(test, 0, EPOLLIN);
	mp_kt_wake(test, 2, EPOLLIN);	/* already queued: stays in place */
	mp_kt_wake(test, 1, EPOLLIN);
	mp_kt_wake(test, 0, EPOLLIN);

	KUNIT_EXPECT_TRUE(test, mp_events_available(kt->mp));
	KUNIT_EXPECT_PTR_EQ(test, kt->mp->ovflist, MP_OVF_INACTIVE);
	mp_kt_expect_list(test, &kt->mp->rdllist, want, ARRAY_SIZE(want));
}

/*
 * During a transfer the ready list belongs to the transferring thread:
 * wake-ups chain items on ovflist, once each. At the end, the items the
 * transfer did not take go first, then the chained ones in the order they
 * woke; an item still on the transfer's list is not queued twice.
 */
static void mp_kt_transfer_handoff(struct kunit *test)
{
	static const int taken_first[] = { 0, 1 };
	static const int want[] = { 1, 2, 3, 0 };
	struct mp_kt *kt = test->priv;
	LIST_HEAD(txlist);
	int i;

	for (i = 0; i < 4; i++)
		mp_kt_watched(test, i, EPOLLIN);
	mp_kt_wake(test, 0, EPOLLIN);
	mp_kt_wake(test, 1, EPOLLIN);

	mp_start_scan(kt->mp, &txlist);
	KUNIT_EXPECT_TRUE(test, list_empty(&kt->mp->rdllist));
	KUNIT_EXPECT_NULL(test, kt->mp->ovflist);
	/* Nothing on the ready list, yet events may be pending. */
	KUNIT_EXPECT_TRUE(test, mp_events_available(kt->mp));
	mp_kt_expect_list(test, &txlist, taken_first, ARRAY_SIZE(taken_first));

	/* The transfer reports item 0 (taken off its list); 1 stays. */
	list_del_init(&kt->mpi[0]->rdllink);

	mp_kt_wake(test, 2, EPOLLIN);
	mp_kt_wake(test, 3, EPOLLIN);
	mp_kt_wake(test, 0, EPOLLIN);
	mp_kt_wake(test, 2, EPOLLIN);	/* chained already */
	mp_kt_wake(test, 1, EPOLLIN);	/* still on the transfer's list */

	/* Chained newest first, each once; the ready list untouched. */
	KUNIT_EXPECT_TRUE(test, list_empty(&kt->mp->rdllist));
	KUNIT_EXPECT_PTR_EQ(test, kt->mp->ovflist, kt->mpi[1]);
	KUNIT_EXPECT_PTR_EQ(test, kt->mpi[1]->next, kt->mpi[0]);
	KUNIT_EXPECT_PTR_EQ(test, kt->mpi[0]->next, kt->mpi[3]);
	KUNIT_EXPECT_PTR_EQ(test, kt->mpi[3]->next, kt->mpi[2]);
	KUNIT_EXPECT_NULL(test, kt->mpi[2]->next);

	mp_done_scan(kt->mp, &txlist);

	KUNIT_EXPECT_PTR_EQ(test, kt->mp->ovflist, MP_OVF_INACTIVE);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_PTR_EQ(test, kt->mpi[i]->next, MP_OVF_INACTIVE);
	mp_kt_expect_list(test, &kt->mp->rdllist, want, ARRAY_SIZE(want));

	/* After the transfer, wake-ups go straight to the ready list again. */
	list_del_init(&kt->mpi[3]->rdllink);
	mp_kt_wake(test, 3, EPOLLIN);
	KUNIT_EXPECT_PTR_EQ(test, kt->mp->ovflist, MP_OVF_INACTIVE);
	KUNIT_EXPECT_PTR_EQ(test, list_last_entry(&kt->mp->rdllist, struct mp_item, rdllink),
			    kt->mpi[3]);
}

/*
 * Level-triggered: the transfer puts a reported item back at the tail of
 * the ready list itself (transfer.h); a wake-up meanwhile must not queue it a
 * second time. Edge-triggered: once reported it stays off the lists until
 * the next wake-up.
 */
static void mp_kt_transfer_lt_et(struct kunit *test)
{
	static const int want[] = { 0, 1 };
	struct mp_kt *kt = test->priv;
	LIST_HEAD(txlist);

	mp_kt_watched(test, 0, EPOLLIN);		/* level-triggered */
	mp_kt_watched(test, 1, EPOLLIN | EPOLLET);	/* edge-triggered */
	mp_kt_wake(test, 0, EPOLLIN);
	mp_kt_wake(test, 1, EPOLLIN);

	mp_start_scan(kt->mp, &txlist);
	/* Both reported; the level-triggered one goes back, as wait.c does. */
	list_del_init(&kt->mpi[0]->rdllink);
	list_add_tail(&kt->mpi[0]->rdllink, &kt->mp->rdllist);
	list_del_init(&kt->mpi[1]->rdllink);
	mp_kt_wake(test, 0, EPOLLIN);
	mp_done_scan(kt->mp, &txlist);

	KUNIT_EXPECT_TRUE(test, list_empty(&txlist));
	KUNIT_EXPECT_TRUE(test, list_is_singular(&kt->mp->rdllist));
	KUNIT_EXPECT_PTR_EQ(test, kt->mpi[0]->next, MP_OVF_INACTIVE);
	KUNIT_EXPECT_FALSE(test, mp_item_linked(kt->mpi[1]));

	/* The edge-triggered item comes back with its next edge only. */
	mp_kt_wake(test, 1, EPOLLIN);
	mp_kt_expect_list(test, &kt->mp->rdllist, want, ARRAY_SIZE(want));
}

/*
 * EPOLLONESHOT: once reported the item keeps only its private bits
 * (transfer.h) and wake-ups ignore it, in or out of a transfer, until a MOD
 * arms it again.
 */
static void mp_kt_oneshot(struct kunit *test)
{
	struct mp_kt *kt = test->priv;
	struct mp_item *mpi;
	LIST_HEAD(txlist);

	mpi = mp_kt_watched(test, 0, EPOLLIN | EPOLLONESHOT | EPOLLET);
	/* Disarmed, as the transfer leaves it after reporting. */
	mpi->event.events &= MP_PRIVATE_BITS;
	KUNIT_EXPECT_TRUE(test, mpi->event.events == (EPOLLONESHOT | EPOLLET));

	mp_kt_wake(test, 0, EPOLLIN);
	KUNIT_EXPECT_FALSE(test, mp_item_linked(mpi));
	mp_start_scan(kt->mp, &txlist);
	mp_kt_wake(test, 0, EPOLLIN);
	KUNIT_EXPECT_NULL(test, kt->mp->ovflist);
	mp_done_scan(kt->mp, &txlist);
	KUNIT_EXPECT_FALSE(test, mp_item_linked(mpi));
	KUNIT_EXPECT_FALSE(test, mp_events_available(kt->mp));

	/* Armed again (EPOLL_CTL_MOD): the next wake-up queues it. */
	mpi->event.events = EPOLLIN | EPOLLONESHOT;
	mp_kt_wake(test, 0, EPOLLIN);
	KUNIT_EXPECT_TRUE(test, mp_item_linked(mpi));
}

/*
 * A wake-up that says what happened queues the item only if it asked for
 * that; one that says nothing (key 0) always does, and a fresh poll
 * decides.
 */
static void mp_kt_wake_filter(struct kunit *test)
{
	struct mp_kt *kt = test->priv;
	struct mp_item *mpi;

	mpi = mp_kt_watched(test, 0, EPOLLOUT);
	mp_kt_wake(test, 0, EPOLLIN | EPOLLRDNORM);
	KUNIT_EXPECT_FALSE(test, mp_item_linked(mpi));
	mp_kt_wake(test, 0, EPOLLOUT);
	KUNIT_EXPECT_TRUE(test, mp_item_linked(mpi));

	mpi = mp_kt_watched(test, 1, EPOLLOUT);
	wake_up(&kt->whead[1]);
	KUNIT_EXPECT_TRUE(test, mp_item_linked(mpi));
}

/* An item whose file went away while it was chained is not queued. */
static void mp_kt_transfer_dead(struct kunit *test)
{
	static const int want[] = { 1 };
	struct mp_kt *kt = test->priv;
	LIST_HEAD(txlist);

	mp_kt_watched(test, 0, EPOLLIN);
	mp_kt_watched(test, 1, EPOLLIN);
	mp_start_scan(kt->mp, &txlist);
	mp_kt_wake(test, 0, EPOLLIN);
	mp_kt_wake(test, 1, EPOLLIN);
	/* What the release hook does, under mp->lock (lifetime.c). */
	spin_lock_irq(&kt->mp->lock);
	kt->mpi[0]->dead = true;
	spin_unlock_irq(&kt->mp->lock);
	mp_done_scan(kt->mp, &txlist);

	KUNIT_EXPECT_PTR_EQ(test, kt->mpi[0]->next, MP_OVF_INACTIVE);
	mp_kt_expect_list(test, &kt->mp->rdllist, want, ARRAY_SIZE(want));
}

static struct kunit_case mp_kt_tree_cases[] = {
	KUNIT_CASE(mp_kt_tree_order),
	KUNIT_CASE(mp_kt_tree_find),
	{}
};

static struct kunit_case mp_kt_ready_cases[] = {
	KUNIT_CASE(mp_kt_wake_queues_in_order),
	KUNIT_CASE(mp_kt_transfer_handoff),
	KUNIT_CASE(mp_kt_transfer_lt_et),
	KUNIT_CASE(mp_kt_oneshot),
	KUNIT_CASE(mp_kt_wake_filter),
	KUNIT_CASE(mp_kt_transfer_dead),
	{}
};

/* Both suites share the fixture: the caches per suite, an instance per case. */
#define MP_KT_SUITE(suite_name, cases)					\
	{								\
		.name = suite_name,					\
		.suite_init = mp_kt_suite_init,				\
		.suite_exit = mp_kt_suite_exit,				\
		.init = mp_kt_init,					\
		.exit = mp_kt_exit,					\
		.test_cases = cases,					\
	}

static struct kunit_suite mp_kt_tree_suite =
	MP_KT_SUITE("minipoll_tree", mp_kt_tree_cases);
static struct kunit_suite mp_kt_ready_suite =
	MP_KT_SUITE("minipoll_ready", mp_kt_ready_cases);

kunit_test_suites(&mp_kt_tree_suite, &mp_kt_ready_suite);

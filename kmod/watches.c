// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: the per-user limit on watched files.
 *
 * Like epoll, minipoll charges every item to the user who created the
 * instance (the real uid at open time) and refuses EPOLL_CTL_ADD with
 * ENOSPC once that user has max_user_watches items alive. The counter is
 * minipoll's own: epoll's lives in struct user_struct and is not ours to
 * touch. The limit is the module parameter
 * /sys/module/minipoll/parameters/max_user_watches, epoll's sysctl
 * fs.epoll.max_user_watches, with epoll's default: 4% of low memory
 * divided by the cost of one item with one wait entry.
 */
#include <linux/atomic.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/uidgid.h>

#include "mp.h"

/* One user with at least one open instance. */
struct mp_user {
	struct hlist_node node;	/* in mp_users; mp_users_lock */
	kuid_t uid;		/* real uid of the instances' creator */
	refcount_t ref;		/* one per instance; mp_users_lock drops to 0 */
	atomic_long_t watches;	/* items alive, charged by attach/unhook */
};

static DEFINE_HASHTABLE(mp_users, 6);
static DEFINE_SPINLOCK(mp_users_lock);

static long max_user_watches = -1;	/* -1 until mp_watches_init() */

static int mp_set_max_user_watches(const char *val, const struct kernel_param *kp)
{
	long v;
	int err;

	err = kstrtol(val, 0, &v);
	if (err)
		return err;
	if (v < 0)
		return -EINVAL;
	WRITE_ONCE(max_user_watches, v);
	return 0;
}

static const struct kernel_param_ops mp_max_user_watches_ops = {
	.set	= mp_set_max_user_watches,
	.get	= param_get_long,
};
module_param_cb(max_user_watches, &mp_max_user_watches_ops, &max_user_watches, 0644);
MODULE_PARM_DESC(max_user_watches,
		 "Items one user may have alive in all instances (default: as epoll's)");

static struct mp_user *mp_user_find(kuid_t uid)
{
	struct mp_user *user;

	lockdep_assert_held(&mp_users_lock);
	hash_for_each_possible(mp_users, user, node, __kuid_val(uid)) {
		if (uid_eq(user->uid, uid))
			return user;
	}
	return NULL;
}

/* The accounting record of the current real user, for a new instance. */
struct mp_user *mp_user_get(void)
{
	kuid_t uid = current_uid();
	struct mp_user *user, *fresh;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return NULL;

	spin_lock(&mp_users_lock);
	user = mp_user_find(uid);
	if (user) {
		refcount_inc(&user->ref);
	} else {
		user = fresh;
		fresh = NULL;
		user->uid = uid;
		refcount_set(&user->ref, 1);
		atomic_long_set(&user->watches, 0);
		hash_add(mp_users, &user->node, __kuid_val(uid));
	}
	spin_unlock(&mp_users_lock);
	kfree(fresh);
	return user;
}

/* An instance is freed: all its items are already uncharged. */
void mp_user_put(struct mp_user *user)
{
	bool last;

	spin_lock(&mp_users_lock);
	last = refcount_dec_and_test(&user->ref);
	if (last)
		hash_del(&user->node);
	spin_unlock(&mp_users_lock);
	if (last)
		kfree(user);
}

/* cf. the max_user_watches test of ep_insert(). */
bool mp_watch_charge(struct mp_user *user)
{
	if (atomic_long_inc_return(&user->watches) > READ_ONCE(max_user_watches)) {
		atomic_long_dec(&user->watches);
		return false;
	}
	return true;
}

/* Any context: also called by the release hook. */
void mp_watch_uncharge(struct mp_user *user)
{
	atomic_long_dec(&user->watches);
}

/* cf. eventpoll_init(): 4% of low memory, per user. */
int mp_watches_init(void)
{
	struct sysinfo si;

	if (max_user_watches >= 0)
		return 0;	/* given at load time */
	si_meminfo(&si);
	max_user_watches = (((si.totalram - si.totalhigh) / 25) << PAGE_SHIFT) /
			   (sizeof(struct mp_item) + sizeof(struct mp_pwq));
	return 0;
}

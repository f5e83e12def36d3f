// SPDX-License-Identifier: GPL-2.0
/*
 * minipoll: instances inside instances - loops, depth and wake-up paths.
 *
 * An instance may watch another instance. Two things must never happen:
 *
 *  - a loop (A watches B watches A): a wake-up would chase its own tail
 *    and a scan would take the same mutexes twice;
 *  - deep chains: wake-ups recurse once per level, on the kernel stack.
 *    At most MP_MAX_NESTS + 1 = 5 instances may sit in any chain: for
 *    the link being added, depth below the target + 1 + depth above the
 *    destination must not exceed MP_MAX_NESTS. Else ELOOP.
 *
 * Also, one file must not fan out into too many wake-up paths through
 * nested instances, or a single event would wake a storm: from each file
 * reachable from the new link, count the paths up to the instances at the
 * top; paths of length 2, 3, 4 and 5 are limited to 500, 100, 50 and 10
 * (paths of length 1, a file watched directly, are not limited). Past a
 * limit the ADD fails with EINVAL, after the item was tentatively added,
 * as epoll does.
 *
 * All of this runs under mp_nest_mutex, which an ADD takes only when the
 * graph can change in a way that matters (ctl.c). A generation number
 * marks the instances already visited by the current check, so that each
 * is walked once even where paths meet; it is bumped at the start and at
 * the end of every check, so a stale mark is never mistaken for a fresh
 * one.
 */
#include <linux/file.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include "mp.h"
#include "mp_lock.h"

static DEFINE_MUTEX(mp_nest_mutex);

/* Current check generation. mp_nest_mutex; read racily by mp_nest_touched(). */
static u64 mp_nest_gen = 1;

/* The instance receiving the new link: reaching it from below is a loop. */
static struct mp_instance *mp_inserting_into;

/* tfiles of the files reachable from the new link (reverse path check). */
static struct mp_tfile *mp_check_list;

/* Limits on wake-up paths per length - 1; length 1 is unlimited. */
static const int mp_path_limits[MP_MAX_NESTS + 1] = { 0, 500, 100, 50, 10 };
static int mp_path_count[MP_MAX_NESTS + 1];

void mp_nest_begin(void)
{
	mutex_lock(&mp_nest_mutex);
	WRITE_ONCE(mp_nest_gen, mp_nest_gen + 1);
}

void mp_nest_end(void)
{
	struct mp_tfile *tfile;

	lockdep_assert_held(&mp_nest_mutex);

	while ((tfile = mp_check_list)) {
		mp_check_list = tfile->check_next;
		mp_tfile_unlist(tfile);
	}
	mp_inserting_into = NULL;
	WRITE_ONCE(mp_nest_gen, mp_nest_gen + 1);
	mutex_unlock(&mp_nest_mutex);
}

/* Is a check walking @mp right now? Racy hint, cf. ep->gen == loop_check_gen. */
bool mp_nest_touched(struct mp_instance *mp)
{
	return READ_ONCE(mp->gen) == READ_ONCE(mp_nest_gen);
}

/* Put @file on the list of files the reverse path check examines. */
void mp_list_file(struct file *file)
{
	lockdep_assert_held(&mp_nest_mutex);
	mp_tfile_list(file, &mp_check_list);
}

/*
 * cf. ep_loop_check_proc(): the depth of the instances below @mp, or more
 * than MP_MAX_NESTS if they reach mp_inserting_into or go too deep. Plain
 * files met on the way go on the check list.
 */
static int mp_loop_check_proc(struct mp_instance *mp, int depth)
{
	struct rb_node *rbp;
	int result = 0;

	if (mp->gen == mp_nest_gen)
		return mp->loop_depth;

	mp_lock(mp, depth + 1);
	mp->gen = mp_nest_gen;
	for (rbp = rb_first_cached(&mp->items); rbp; rbp = rb_next(rbp)) {
		struct mp_item *mpi = rb_entry(rbp, struct mp_item, rbn);
		struct file *file = mp_item_fget(mpi);

		if (!file)	/* going away: no path through it */
			continue;
		if (is_file_minipoll(file)) {
			struct mp_instance *child = file->private_data;

			if (child == mp_inserting_into || depth > MP_MAX_NESTS)
				result = MP_MAX_NESTS + 1;
			else
				result = max(result, mp_loop_check_proc(child, depth + 1) + 1);
		} else {
			mp_list_file(file);
		}
		fput(file);
		if (result > MP_MAX_NESTS)
			break;
	}
	mp->loop_depth = result;
	mp_unlock(mp);
	return result;
}

/*
 * cf. ep_get_upwards_depth_proc(): how many instances sit above @mp. The
 * items watching an instance are those of its file's tfile. Under RCU.
 */
static int mp_upward_depth(struct mp_instance *mp)
{
	struct mp_tfile *tfile;
	struct mp_item *mpi;
	int result = 0;

	if (mp->gen == mp_nest_gen)
		return mp->loop_depth;

	tfile = mp_tfile_lookup_rcu(mp->file);
	if (tfile) {
		hlist_for_each_entry_rcu(mpi, &tfile->items, tlink)
			result = max(result, mp_upward_depth(mpi->mp) + 1);
	}
	mp->gen = mp_nest_gen;
	mp->loop_depth = result;
	return result;
}

/*
 * cf. ep_loop_check(): may instance @to be added to instance @mp? Returns
 * 0 if so, -1 for a loop or a chain too long.
 */
int mp_loop_check(struct mp_instance *mp, struct mp_instance *to)
{
	int down, up;

	lockdep_assert_held(&mp_nest_mutex);

	mp_inserting_into = mp;
	down = mp_loop_check_proc(to, 0);
	if (down > MP_MAX_NESTS)
		return -1;

	rcu_read_lock();
	up = mp_upward_depth(mp);
	rcu_read_unlock();

	return down + 1 + up > MP_MAX_NESTS ? -1 : 0;
}

static int mp_path_count_inc(int nests)
{
	if (!nests)
		return 0;
	if (++mp_path_count[nests] > mp_path_limits[nests])
		return -1;
	return 0;
}

/*
 * cf. reverse_path_check_proc(): count the paths from the watchers in
 * @tfile up to top-level instances, by length. Under RCU: a concurrent
 * DEL can only lower the count.
 */
static int mp_reverse_path_proc(struct mp_tfile *tfile, int depth)
{
	struct mp_item *mpi;
	int error = 0;

	if (depth > MP_MAX_NESTS)
		return -1;

	hlist_for_each_entry_rcu(mpi, &tfile->items, tlink) {
		struct mp_tfile *up = mp_tfile_lookup_rcu(mpi->mp->file);

		if (up)
			error = mp_reverse_path_proc(up, depth + 1);
		else
			error = mp_path_count_inc(depth);
		if (error)
			break;
	}
	return error;
}

/* cf. reverse_path_check(): 0, or -1 when a file has too many paths. */
int mp_reverse_path_check(void)
{
	struct mp_tfile *tfile;
	int error = 0;

	lockdep_assert_held(&mp_nest_mutex);

	for (tfile = mp_check_list; tfile && !error; tfile = tfile->check_next) {
		memset(mp_path_count, 0, sizeof(mp_path_count));
		rcu_read_lock();
		error = mp_reverse_path_proc(tfile, 0);
		rcu_read_unlock();
	}
	return error;
}

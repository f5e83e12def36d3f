// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * mpbench workload 6: kernel memory per watch. N eventfds are opened
 * first; then the kernel's slab use (/proc/slabinfo: active objects times
 * object size, summed over every cache, so merged caches and kmalloc'd
 * tables are counted too) and, where a cgroup v2 memory controller can be
 * had, the cgroup's slab bytes (memory.stat) are read before and after one
 * set registers all N. poll and select keep their sets in user memory: 8
 * bytes (struct pollfd) and one bit per fd.
 *
 * Frees lag behind a close (RCU, kfree_rcu batches, minipoll's reaper) and
 * memcg folds its per-CPU counts into memory.stat every 2 s: each reading
 * is taken after a pause longer than both, or the previous set's memory,
 * still being freed, would be subtracted from this one's.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mpbench.h"

#define CG_ROOT "/sys/fs/cgroup"
#define CG_DIR CG_ROOT "/mpbench"

/* The caches the two keep their watches in, for the verbose breakdown. */
static const char *const named[] = {
	"eventpoll_epi", "eventpoll_pwq", "minipoll_mpi", "minipoll_pwq",
};
#define NR_NAMED (sizeof(named) / sizeof(named[0]))

struct slab_snap {
	double total;
	double cache[NR_NAMED];
};

static void slab_snap(struct slab_snap *snap)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512], name[128];
	unsigned long active, num, size;
	size_t i;

	memset(snap, 0, sizeof(*snap));
	if (!f)
		mp_die("/proc/slabinfo: %s (run as root)", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %lu %lu %lu", name, &active, &num, &size) != 4)
			continue;	/* the header lines */
		snap->total += (double)active * size;
		for (i = 0; i < NR_NAMED; i++)
			if (!strcmp(name, named[i]))
				snap->cache[i] = (double)active * size;
	}
	fclose(f);
}

/* ---- cgroup v2: our own child cgroup with the memory controller ---- */

static int write_str(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = fputs(s, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static int cg_ready;

static void cg_enter(void)
{
	char pid[32];

	if (access(CG_ROOT "/cgroup.controllers", F_OK) &&
	    mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL)) {
		mpb_note("no cgroup v2 (%s): slab figures only", strerror(errno));
		return;
	}
	write_str(CG_ROOT "/cgroup.subtree_control", "+memory");
	if (mkdir(CG_DIR, 0755) && errno != EEXIST) {
		mpb_note("mkdir %s: %s: slab figures only", CG_DIR, strerror(errno));
		return;
	}
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (access(CG_DIR "/memory.stat", R_OK) ||
	    write_str(CG_DIR "/cgroup.procs", pid)) {
		mpb_note("no memory controller in %s: slab figures only", CG_DIR);
		rmdir(CG_DIR);
		return;
	}
	cg_ready = 1;
}

static void cg_leave(void)
{
	char pid[32];

	if (!cg_ready)
		return;
	snprintf(pid, sizeof(pid), "%d", getpid());
	write_str(CG_ROOT "/cgroup.procs", pid);
	rmdir(CG_DIR);
	cg_ready = 0;
}

/* The cgroup's slab bytes (reclaimable and not), or -1. */
static double cg_slab(void)
{
	FILE *f = fopen(CG_DIR "/memory.stat", "r");
	char key[64];
	unsigned long long v;
	double slab = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %llu", key, &v) == 2)
		if (!strcmp(key, "slab"))
			slab = (double)v;
	fclose(f);
	return slab;
}

/* Let pending frees and memcg's periodic stats flush happen (see above). */
static void settle(void)
{
	mpb_sleep_us(mpb_opts.quick ? 300000 : 2100000);
}

static void memory_one(const struct mpb_impl *im, const int *fds, long n)
{
	struct slab_snap a, b;
	double cg_a, cg_b;
	struct mpb_set *s;
	size_t i;

	if (!im->api) {
		mpb_record(n, im->name, "user_bytes_per_watch",
			   strcmp(im->name, "select") ? sizeof(struct pollfd) : 1 / 8.0);
		return;
	}
	settle();
	cg_a = cg_slab();
	slab_snap(&a);
	s = mpb_set_create(im, fds, n, EPOLLIN);
	settle();
	slab_snap(&b);
	cg_b = cg_slab();
	mpb_record(n, im->name, "slab_bytes_per_watch",
		   (b.total - a.total) / n);
	for (i = 0; i < NR_NAMED; i++)
		if (b.cache[i] != a.cache[i])
			mpb_note("  %s: %s %+.1f bytes per watch", im->name, named[i],
				 (b.cache[i] - a.cache[i]) / n);
	if (cg_a >= 0 && cg_b >= 0)
		mpb_record(n, im->name, "memcg_slab_bytes_per_watch",
			   (cg_b - cg_a) / n);
	im->destroy(s);
}

void mpb_w_memory(void)
{
	cg_enter();
	/* Below 1000 watches other allocations are more than noise. */
	mpb_for_each_n_impl(mpb_opts.quick ? 0 : 1000, memory_one);
	cg_leave();
}

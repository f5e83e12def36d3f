// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * mpbench: options and the table of workloads, run in order.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "mpbench.h"

const char mp_prog[] = "mpbench";

struct mpb_opts mpb_opts = {
	.budget = 20000000,
};

/*
 * In this order. The profile's probes come first, while the process is
 * single-threaded as in workloads 1-3: once a thread has been created,
 * glibc's epoll_wait() wraps the call in its cancellation handling (about
 * 130 more), which would shift the probes' epoll baseline.
 *
 * The targets are per metric, in results.c.
 */
static const struct mpb_workload workloads[] = {
	{ "profile", "where the instructions go: differential probes",
	  NULL, mpb_w_profile },
	{ "roundtrip", "1: write + wait + read, one active of N",
	  mpb_w_roundtrip, NULL },
	{ "ctl", "2: ADD, MOD, DEL and ADD+DEL with N watched",
	  mpb_w_ctl, NULL },
	{ "kready", "3: K = min(64, N) ready of N, cost per harvested event",
	  mpb_w_kready, NULL },
	{ "wakeup", "4: thread A writes, thread B blocked in wait returns",
	  mpb_w_wakeup, NULL },
	{ "herd", "5: 8 waiters on one eventfd, with and without EPOLLEXCLUSIVE",
	  NULL, mpb_w_herd },
	{ "memory", "6: kernel memory per watch (slab, memcg)",
	  NULL, mpb_w_memory },
	{ "ctl_batch", "beyond epoll: ADD, MOD, DEL of N in minipoll_ctl_batch() calls",
	  mpb_w_ctl_batch, NULL },
	{ "ring", "beyond epoll: workload 3 through minipoll_ring_wait() on a 64-slot ring",
	  mpb_w_ring, NULL },
	{ "ring_fed", "beyond epoll: K = min(64, N) ET edges of N, a fed ring against epoll_wait()",
	  mpb_w_ring_fed, NULL },
};
#define NR_WORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

static void list_workloads(FILE *f, const char *indent)
{
	size_t i;

	for (i = 0; i < NR_WORKLOADS; i++)
		fprintf(f, "%s%-10s %s\n", indent, workloads[i].name, workloads[i].what);
}

static void usage(FILE *f)
{
	fputs("usage: mpbench [OPTIONS]\n"
	      "Benchmark minipoll against epoll, poll and select. Run it in a guest\n"
	      "booted with scripts/vm-run --icount: figures are then instructions.\n\n"
	      "  -w, --workload LIST  workloads to run (default: all), comma-separated\n"
	      "  -n, --n LIST         watched-fd counts (default 10,100,1000,10000,100000)\n"
	      "  -i, --impl LIST      minipoll,epoll,poll,select (default: all)\n"
	      "  -b, --budget UNITS   clock units per measurement (default 20000000)\n"
	      "  -o, --json FILE      write the results as JSON to FILE\n"
	      "  -q, --quick          smoke test: N = 10,100, small budget\n"
	      "      --wall           wall-clock nanoseconds; no target verdicts\n"
	      "      --no-table       do not print the table\n"
	      "  -l, --list           list the workloads\n"
	      "  -v, --verbose        each result as it is measured, on stderr\n"
	      "  -h, --help           this text\n\nworkloads:\n", f);
	list_workloads(f, "  ");
}

static void parse_ns(const char *arg)
{
	char *end;
	int k = 0;

	while (*arg) {
		long v = strtol(arg, &end, 10);

		if (end == arg || v < 1 || v > 1000000 || (*end && *end != ',') ||
		    k == (int)(sizeof(mpb_opts.ns) / sizeof(mpb_opts.ns[0])) - 1)
			mp_die("bad --n list '%s' (at most 7 counts of 1..1000000)", arg);
		mpb_opts.ns[k++] = v;
		arg = *end ? end + 1 : end;
	}
	mpb_opts.ns[k] = 0;
}

/* Every name in the -w list must be a workload. */
static void check_workloads(const char *list)
{
	char name[32];
	size_t i, len;

	for (; *list; list += len + (list[len] == ',')) {
		len = strcspn(list, ",");
		snprintf(name, sizeof(name), "%.*s", (int)len, list);
		for (i = 0; i < NR_WORKLOADS && strcmp(workloads[i].name, name); i++)
			;
		if (i == NR_WORKLOADS)
			mp_die("unknown workload '%.*s' (see --list)", (int)len, list);
	}
}

/* Room for the largest N, its instances and the workloads' extra fds. */
static void raise_nofile(void)
{
	struct rlimit rl = { .rlim_cur = 1 << 20, .rlim_max = 1 << 20 };
	int i, max = 0;

	for (i = 0; mpb_opts.ns[i]; i++)
		if (mpb_opts.ns[i] > max)
			max = mpb_opts.ns[i];
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		return;
	rl.rlim_cur = rl.rlim_max = max + 1024;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		mpb_note("cannot raise RLIMIT_NOFILE to %ld: %s (large N may fail)",
			 (long)rl.rlim_cur, strerror(errno));
}

int main(int argc, char **argv)
{
	enum { OPT_WALL = 256, OPT_NO_TABLE };
	static const struct option longopts[] = {
		{ "workload", required_argument, NULL, 'w' },
		{ "n", required_argument, NULL, 'n' },
		{ "impl", required_argument, NULL, 'i' },
		{ "budget", required_argument, NULL, 'b' },
		{ "json", required_argument, NULL, 'o' },
		{ "quick", no_argument, NULL, 'q' },
		{ "wall", no_argument, NULL, OPT_WALL },
		{ "no-table", no_argument, NULL, OPT_NO_TABLE },
		{ "list", no_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *only = NULL, *json = NULL;
	int c, table = 1, have_ns = 0;
	long budget = 0;
	size_t i;

	parse_ns("10,100,1000,10000,100000");
	while ((c = mp_getopt(argc, argv, "w:n:i:b:o:qlvh", longopts, usage)) != -1) {
		switch (c) {
		case 'w':
			only = optarg;
			break;
		case 'n':
			parse_ns(optarg);
			have_ns = 1;
			break;
		case 'i':
			mpb_opts.impls = optarg;
			break;
		case 'b':
			if (mp_parse_long(optarg, 1, LONG_MAX, &budget) < 0)
				mp_die("bad --budget '%s'", optarg);
			break;
		case 'o':
			json = optarg;
			break;
		case 'q':
			mpb_opts.quick = 1;
			break;
		case OPT_WALL:
			mpb_opts.wall = 1;
			break;
		case OPT_NO_TABLE:
			table = 0;
			break;
		case 'l':
			list_workloads(stdout, "");
			return 0;
		case 'v':
			mpb_opts.verbose = 1;
			break;
		}
	}
	if (optind < argc)
		mp_usage_die(usage, "unexpected argument '%s'", argv[optind]);
	if (mpb_opts.quick && !have_ns)
		parse_ns("10,100");
	if (budget)
		mpb_opts.budget = budget;
	else if (mpb_opts.quick)
		mpb_opts.budget = 200000;
	if (only)
		check_workloads(only);
	raise_nofile();
	mpb_calibrate();
	for (i = 0; i < NR_WORKLOADS; i++) {
		const struct mpb_workload *w = &workloads[i];

		/* The profile is left out of a quick run unless asked for. */
		if (only ? !mp_in_list(only, w->name) :
		    !strcmp(w->name, "profile") && mpb_opts.quick)
			continue;
		if (!mpb_opts.quick)	/* progress, for long runs */
			fprintf(stderr, "mpbench: %s\n", w->name);
		mpb_begin(w);
		if (w->each)
			mpb_for_each_n_impl(0, w->each);
		else
			w->run();
	}
	if (json)
		mpb_write_json(json);
	if (table)
		mpb_print_table();
	return 0;
}

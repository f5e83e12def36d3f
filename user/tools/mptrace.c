// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mptrace: the real epoll and minipoll side by side, per instance and per
 * interval: ctl operations, callbacks, wakeups, deliveries, and the latency
 * from a callback to the waiter's return with the events. See mptrace(8)
 * and Documentation/mptrace.md.
 *
 * The BPF side (mptrace.bpf.c) keeps cumulative counters per instance in a
 * hash map; this side reads the map every interval and prints differences.
 * minipoll's programs are loaded only for the tracepoints that exist, so
 * without the module the tool traces epoll alone.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "mptrace.h"
#include "tool.h"
#include "mptrace.skel.h"

#define MAX_SEEN	4096
#define BAR_WIDTH	24

const char mp_prog[] = "mptrace";

static const char *const impl_name[MPT_NR_IMPL] = { "epoll", "minipoll" };

static struct options {
	double interval;	/* seconds between reports; 0: none */
	double duration;	/* seconds to trace; 0: until stopped */
	bool json;
	bool verbose;
	const char *btf;	/* --btf: kernel BTF other than the running one's */
	char **cmd;		/* -- CMD ARGS: trace while it runs */
} opts = { .interval = 1 };

/* An instance seen so far, with the counters printed last time. */
struct seen {
	struct mpt_key key;
	unsigned int seq;	/* epoll#1, minipoll#1, ...: numbered per kind */
	struct mpt_stats prev;
	struct mpt_stats cur;
};

static struct seen seen[MAX_SEEN];
static unsigned int nr_seen, next_seq[MPT_NR_IMPL];
static volatile sig_atomic_t stop;
static bool have_wakeups[MPT_NR_IMPL];

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: mptrace [-i SECS] [-d SECS] [-j] [-v] [--btf FILE] [-- CMD [ARGS...]]\n"
"\n"
"Trace the real epoll and minipoll side by side: per instance and interval,\n"
"ctl operations, callbacks, wakeups, deliveries and the latency from a\n"
"callback to the waiter's return with events. Needs root and kernel BTF.\n"
"\n"
"  -i, --interval SECS  report every SECS seconds (default 1; 0: only totals)\n"
"  -d, --duration SECS  stop after SECS seconds (default: Ctrl-C or SIGTERM)\n"
"  -j, --json           one JSON object per line instead of tables\n"
"  -v, --verbose        libbpf's messages too\n"
"      --btf FILE       the kernel's BTF from FILE, not /sys/kernel/btf/vmlinux\n"
"  -h, --help           this text\n"
"  -- CMD [ARGS...]     run CMD once tracing has started; stop when it exits\n"
"                       (the exit status is then CMD's)\n");
}

/* libbpf's warnings and information with -v; its debug output never. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (!opts.verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static double parse_secs(const char *opt, const char *s)
{
	double v;

	if (mp_parse_double(s, 0, 1e6, &v) < 0)
		mp_usage_die(usage, "%s: '%s' is not a number of seconds", opt, s);
	return v;
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "btf", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = mp_getopt(argc, argv, "+i:d:jvh", longopts, usage)) != -1) {
		switch (c) {
		case 'i':
			opts.interval = parse_secs("-i", optarg);
			break;
		case 'd':
			opts.duration = parse_secs("-d", optarg);
			break;
		case 'j':
			opts.json = true;
			break;
		case 'v':
			opts.verbose = true;
			break;
		case 'B':
			opts.btf = optarg;
			break;
		}
	}
	if (optind < argc)
		opts.cmd = &argv[optind];
	if (opts.interval > 0 && opts.interval < 0.01) {
		mp_warn("-i: the interval must be at least 0.01 s");
		exit(2);
	}
}

/* ---- what can be traced here ---- */

static const char *tracefs_events(void)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing/events",
		"/sys/kernel/debug/tracing/events",
	};
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			return dirs[i];
	return NULL;
}

/*
 * The fields of minipoll's records the programs read, where mptrace.h puts
 * them: checked against each event's format file, so that a record that
 * drifted from Documentation/tracepoints.md is refused, not misread.
 */
struct tp_field {
	const char *event, *field;
	size_t offset, size;
};

#define TP_FIELD(ev, type, f) \
	{ ev, #f, offsetof(struct type, f), sizeof(((struct type *)0)->f) }

static const struct tp_field tp_fields[] = {
	TP_FIELD("minipoll_item_insert", mp_tp_item_insert, id),
	TP_FIELD("minipoll_item_modify", mp_tp_item_modify, id),
	TP_FIELD("minipoll_item_remove", mp_tp_item_remove, id),
	TP_FIELD("minipoll_item_remove", mp_tp_item_remove, reason),
	TP_FIELD("minipoll_callback", mp_tp_callback, id),
	TP_FIELD("minipoll_callback", mp_tp_callback, outcome),
	TP_FIELD("minipoll_wait_wake", mp_tp_wait_wake, id),
	TP_FIELD("minipoll_wait_wake", mp_tp_wait_wake, reason),
	TP_FIELD("minipoll_transfer_end", mp_tp_transfer_end, id),
	TP_FIELD("minipoll_transfer_end", mp_tp_transfer_end, delivered),
};
#define NR_TP_FIELDS (sizeof(tp_fields) / sizeof(tp_fields[0]))

/* The event's record agrees with mptrace.h; else say how, and false. */
static bool layout_ok(const char *dir, const char *event)
{
	char path[600], line[512], *name, *semi;
	unsigned int off, size, found = 0;
	bool ok = true;
	size_t i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/format", dir);
	f = fopen(path, "r");
	if (!f) {
		mp_warn("%s: %s", path, strerror(errno));
		return false;
	}
	/* "\tfield:unsigned int reason;\toffset:20;\tsize:4;\tsigned:0;" */
	while (fgets(line, sizeof(line), f)) {
		name = strstr(line, "field:");
		semi = name ? strchr(name, ';') : NULL;
		if (!semi || sscanf(semi + 1, " offset:%u; size:%u;", &off, &size) != 2)
			continue;
		*semi = '\0';
		name = strrchr(name, ' ') ? strrchr(name, ' ') + 1 : name + 6;
		name[strcspn(name, "[")] = '\0';
		for (i = 0; i < NR_TP_FIELDS; i++) {
			const struct tp_field *t = &tp_fields[i];

			if (strcmp(t->event, event) || strcmp(t->field, name))
				continue;
			found |= 1u << i;
			if (off == t->offset && size == t->size)
				continue;
			mp_warn("%s.%s is at offset %u size %u, not %zu size %zu "
				"as in Documentation/tracepoints.md: not traced",
				event, name, off, size, t->offset, t->size);
			ok = false;
		}
	}
	fclose(f);
	for (i = 0; i < NR_TP_FIELDS; i++) {
		if (strcmp(tp_fields[i].event, event) || found & (1u << i))
			continue;
		mp_warn("%s has no field %s: not traced", event, tp_fields[i].field);
		ok = false;
	}
	return ok;
}

/*
 * Load minipoll's programs only for the tracepoints that exist, with the
 * layout mptrace.h expects: without the module (or with an older one) the
 * tool still traces epoll. Returns how many of them stay enabled.
 */
static int select_minipoll(struct mptrace_bpf *skel)
{
	const char *events = tracefs_events();
	struct bpf_program *prog;
	int enabled = 0, missing = 0;
	char path[512];

	bpf_object__for_each_program(prog, skel->obj) {
		const char *sec = bpf_program__section_name(prog);
		struct stat st;

		if (strncmp(sec, "tp/minipoll/", 12) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/minipoll/%s", events ? events : "", sec + 12);
		if (events && stat(path, &st) == 0 && layout_ok(path, sec + 12)) {
			enabled++;
			continue;
		}
		bpf_program__set_autoload(prog, false);
		missing++;
	}
	if (!events)
		mp_warn("tracefs is not mounted: tracing epoll only");
	else if (!enabled)
		mp_warn("no minipoll tracepoints (module not loaded, or built "
			"without them): tracing epoll only");
	else if (missing)
		mp_warn("%d of minipoll's tracepoints are missing or differ: "
			"their counts stay 0", missing);
	return enabled;
}

/*
 * Attach prog if it is loaded, into the skeleton's link (destroyed with
 * the skeleton); false if it is not attached.
 */
static bool attach(struct bpf_program *prog, struct bpf_link **link,
		   bool required)
{
	if (!bpf_program__autoload(prog))
		return false;
	*link = bpf_program__attach(prog);
	if (*link)
		return true;
	if (required)
		mp_die("cannot attach %s: %s", bpf_program__section_name(prog),
		       strerror(errno));
	mp_warn("cannot attach %s (%s): its counts stay 0",
		bpf_program__section_name(prog), strerror(errno));
	return false;
}

/* Attach skel's program p; required: the tool is no use without it. */
#define ATTACH(skel, p, required) \
	attach((skel)->progs.p, &(skel)->links.p, required)

static struct mptrace_bpf *start(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = opts.btf);
	struct mptrace_bpf *skel;
	int err, mp;

	if (geteuid() != 0)
		mp_die("needs root: it loads BPF programs and attaches kprobes "
		       "(CAP_BPF, CAP_PERFMON)");
	if (!opts.btf && access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		mp_die("the kernel has no BTF (/sys/kernel/btf/vmlinux: %s); it needs "
		       "CONFIG_DEBUG_INFO_BTF=y, or give --btf FILE", strerror(errno));
	if (opts.btf && access(opts.btf, R_OK) != 0)
		mp_die("--btf %s: %s", opts.btf, strerror(errno));

	skel = mptrace_bpf__open_opts(&open_opts);
	if (!skel)
		mp_die("cannot open the BPF object: %s", strerror(errno));
	mp = select_minipoll(skel);
	err = mptrace_bpf__load(skel);
	if (err) {
		if (err == -EPERM || err == -EACCES)
			mp_die("loading the BPF programs: %s (root with CAP_BPF and "
			       "CAP_PERFMON needed; is kernel.unprivileged_bpf_disabled "
			       "or lockdown in the way?)", strerror(-err));
		mp_die("loading the BPF programs: %s (run with -v for libbpf's log)",
		       strerror(-err));
	}

	ATTACH(skel, ep_callback, true);
	ATTACH(skel, ep_wait_enter, true);
	ATTACH(skel, ep_wait_exit, true);
	ATTACH(skel, ep_ctl_enter, false);
	ATTACH(skel, ep_ctl_exit, false);
	have_wakeups[MPT_EPOLL] = ATTACH(skel, ep_wake, false);
	ATTACH(skel, mp_insert, false);
	ATTACH(skel, mp_modify, false);
	ATTACH(skel, mp_remove, false);
	ATTACH(skel, mp_callback, false);
	have_wakeups[MPT_MINIPOLL] = ATTACH(skel, mp_wake, false);
	ATTACH(skel, mp_transfer_end, false);

	if (!opts.json)
		mp_warn("tracing epoll (kprobes)%s; %s",
			mp ? " and minipoll (tracepoints)" : "",
			opts.cmd ? "until the command exits" :
			opts.duration > 0 ? "for the given duration" : "Ctrl-C to end");
	return skel;
}

/* ---- reading and printing ---- */

static struct seen *find_seen(const struct mpt_key *k)
{
	struct seen *s;
	unsigned int i;

	for (i = 0; i < nr_seen; i++)
		if (seen[i].key.impl == k->impl && seen[i].key.inst == k->inst)
			return &seen[i];
	if (nr_seen == MAX_SEEN || k->impl >= MPT_NR_IMPL)
		return NULL;
	s = &seen[nr_seen++];
	memset(s, 0, sizeof(*s));
	s->key = *k;
	s->seq = ++next_seq[k->impl];
	return s;
}

static void read_stats(int fd)
{
	struct mpt_key key, next;
	struct mpt_key *prev = NULL;
	struct mpt_stats val;
	struct seen *s;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &val) != 0)
			continue;
		s = find_seen(&key);
		if (s)
			s->cur = val;
	}
}

/* The counters of struct mpt_stats, all __u64, come first (mptrace.h). */
#define NR_COUNTERS (offsetof(struct mpt_stats, owner_tgid) / sizeof(__u64))

/* d += sign * a, counter by counter (unsigned: -1 wraps as it should). */
static void stats_acc(struct mpt_stats *d, const struct mpt_stats *a, __u64 sign)
{
	__u64 *dc = (__u64 *)d;
	const __u64 *ac = (const __u64 *)a;
	size_t i;

	for (i = 0; i < NR_COUNTERS; i++)
		dc[i] += sign * ac[i];
}

static bool idle(const struct mpt_stats *d)
{
	return !d->ctl && !d->callbacks && !d->wakeups && !d->deliveries;
}

/* Slot n's upper bound in microseconds: 1, 2, 4, ... */
static unsigned long long slot_hi(int n)
{
	return 1ULL << n;
}

/* The upper bound of the slot holding the p-th percentile, or 0. */
static unsigned long long percentile(const struct mpt_stats *d, double p)
{
	unsigned long long want, acc = 0;
	int i;

	if (!d->lat_count)
		return 0;
	want = (unsigned long long)(d->lat_count * p / 100.0 + 0.999999);
	for (i = 0; i < MPT_SLOTS; i++) {
		acc += d->hist[i];
		if (acc >= want)
			return slot_hi(i);
	}
	return slot_hi(MPT_SLOTS - 1);
}

static void label(const struct seen *s, char *buf, size_t len)
{
	const struct mpt_stats *c = &s->cur;

	if (!c->owner_tgid)
		snprintf(buf, len, "#%u", s->seq);
	else if (c->owner_fd >= 0)
		snprintf(buf, len, "#%u %.15s[%u] fd %d", s->seq, c->owner_comm,
			 c->owner_tgid, c->owner_fd);
	else
		snprintf(buf, len, "#%u %.15s[%u]", s->seq, c->owner_comm, c->owner_tgid);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void json_row(const char *type, double t, unsigned int impl,
		     const struct seen *s, const struct mpt_stats *d)
{
	char comm[17];
	int i;

	printf("{\"type\":\"%s\",\"time\":%.3f,\"impl\":\"%s\"", type, t, impl_name[impl]);
	if (s) {
		snprintf(comm, sizeof(comm), "%s", d->owner_comm);
		printf(",\"instance\":%u,\"pid\":%u,\"fd\":%d,\"comm\":", s->seq,
		       d->owner_tgid, d->owner_fd);
		json_str(comm);
	}
	printf(",\"ctl\":%llu,\"callbacks\":%llu,\"wakeups\":",
	       (unsigned long long)d->ctl, (unsigned long long)d->callbacks);
	if (have_wakeups[impl])
		printf("%llu", (unsigned long long)d->wakeups);
	else
		printf("null");
	printf(",\"returns\":%llu,\"deliveries\":%llu,\"latency_samples\":%llu",
	       (unsigned long long)d->returns, (unsigned long long)d->deliveries,
	       (unsigned long long)d->lat_count);
	printf(",\"latency_avg_us\":%.1f,\"latency_p99_us_max\":%llu,\"hist_log2_us\":[",
	       d->lat_count ? d->lat_sum_ns / 1000.0 / d->lat_count : 0.0,
	       percentile(d, 99));
	for (i = 0; i < MPT_SLOTS; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)d->hist[i]);
	printf("]}\n");
}

static void table_header(void)
{
	printf("%-8s %-8s %-28s %6s %9s %8s %10s %9s %9s\n", "TIME", "IMPL",
	       "INSTANCE", "CTL", "CALLBACKS", "WAKEUPS", "DELIVERIES",
	       "LAT_AVG", "LAT_P99");
}

static void lat_str(char *buf, size_t len, double us)
{
	if (us >= 10000)
		snprintf(buf, len, "%.1fms", us / 1000);
	else
		snprintf(buf, len, "%.0fus", us);
}

static void table_row(const char *when, unsigned int impl, const struct seen *s,
		      const struct mpt_stats *d)
{
	char name[64] = "(all)", wake[24] = "-", avg[24] = "-", p99[24] = "-";

	if (s)
		label(s, name, sizeof(name));
	if (have_wakeups[impl])
		snprintf(wake, sizeof(wake), "%llu", (unsigned long long)d->wakeups);
	if (d->lat_count) {
		lat_str(avg, sizeof(avg), d->lat_sum_ns / 1000.0 / d->lat_count);
		snprintf(p99, sizeof(p99), "<%lluus", percentile(d, 99));
	}
	printf("%-8s %-8s %-28.28s %6llu %9llu %8s %10llu %9s %9s\n", when,
	       impl_name[impl], name, (unsigned long long)d->ctl,
	       (unsigned long long)d->callbacks, wake,
	       (unsigned long long)d->deliveries, avg, p99);
}

/* One instance's row (s), or an implementation's total (s NULL). */
static void print_row(const char *type, const char *when, double t,
		      unsigned int impl, const struct seen *s,
		      const struct mpt_stats *d)
{
	if (opts.json)
		json_row(type, t, impl, s, d);
	else
		table_row(when, impl, s, d);
}

/*
 * The instances with something to show, epoll's first: on an interval
 * what changed since the last one, else everything since the start; the
 * table's header before the first. Returns the number of rows.
 */
static int print_instances(const char *type, const char *when, double t,
			   bool interval)
{
	struct mpt_stats d;
	unsigned int impl, i;
	int rows = 0;

	for (impl = 0; impl < MPT_NR_IMPL; impl++) {
		for (i = 0; i < nr_seen; i++) {
			struct seen *s = &seen[i];

			if (s->key.impl != impl)
				continue;
			d = s->cur;
			if (interval) {
				stats_acc(&d, &s->prev, -1);
				s->prev = s->cur;
			}
			if (idle(&d))
				continue;
			if (!rows++ && !opts.json)
				table_header();
			print_row(type, when, t, impl, s, &d);
		}
	}
	return rows;
}

static void report(double t)
{
	char when[16];
	time_t wall = time(NULL);

	strftime(when, sizeof(when), "%H:%M:%S", localtime(&wall));
	if (print_instances("interval", when, t, true) && !opts.json)
		putchar('\n');
	fflush(stdout);
}

static void bar(char *buf, unsigned long long v, unsigned long long max)
{
	int n = max ? (int)((v * BAR_WIDTH + max - 1) / max) : 0;

	memset(buf, '*', n);
	buf[n] = '\0';
}

/* The two implementations' latency histograms, side by side. */
static void histograms(const struct mpt_stats *tot)
{
	unsigned long long max = 0;
	char b0[BAR_WIDTH + 1], b1[BAR_WIDTH + 1], range[48];
	int lo = MPT_SLOTS, hi = -1, i, k;

	for (k = 0; k < MPT_NR_IMPL; k++)
		for (i = 0; i < MPT_SLOTS; i++) {
			if (!tot[k].hist[i])
				continue;
			if (i < lo)
				lo = i;
			if (i > hi)
				hi = i;
			if (tot[k].hist[i] > max)
				max = tot[k].hist[i];
		}
	if (hi < 0) {
		printf("No latency samples (no wait returned events after a callback).\n");
		return;
	}
	printf("Latency, callback to the waiter's return with events (usecs):\n");
	printf("%17s %8s %-*s | %8s\n", "", "epoll", BAR_WIDTH, "", "minipoll");
	for (i = lo; i <= hi; i++) {
		if (i == 0)
			snprintf(range, sizeof(range), "0 -> 1");
		else if (i == MPT_SLOTS - 1)
			snprintf(range, sizeof(range), "%llu ->", slot_hi(i - 1));
		else
			snprintf(range, sizeof(range), "%llu -> %llu", slot_hi(i - 1), slot_hi(i));
		bar(b0, tot[0].hist[i], max);
		bar(b1, tot[1].hist[i], max);
		printf("%17s %8llu %-*s | %8llu%s%s\n", range,
		       (unsigned long long)tot[0].hist[i], BAR_WIDTH, b0,
		       (unsigned long long)tot[1].hist[i], *b1 ? " " : "", b1);
	}
}

static void summary(double t)
{
	struct mpt_stats tot[MPT_NR_IMPL] = { 0 };
	unsigned int impl, i;

	for (i = 0; i < nr_seen; i++)
		stats_acc(&tot[seen[i].key.impl], &seen[i].cur, 1);
	if (!opts.json)
		printf("Totals over %.1f s:\n", t);
	if (!print_instances("instance", "total", t, false) && !opts.json)
		table_header();
	for (impl = 0; impl < MPT_NR_IMPL; impl++)
		print_row("total", "total", t, impl, NULL, &tot[impl]);
	if (!opts.json) {
		putchar('\n');
		histograms(tot);
	}
	fflush(stdout);
}

/* ---- main loop ---- */

static pid_t run_cmd(char **cmd)
{
	pid_t pid = fork();

	if (pid < 0)
		mp_die("fork: %s", strerror(errno));
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(cmd[0], cmd);
		mp_warn("cannot run %s: %s", cmd[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Sleep until t (monotonic seconds), a signal, or the child's exit. */
static void sleep_until(double t, pid_t child, int *status, bool *exited)
{
	double left;

	while (!stop && !*exited && (left = t - mp_now_s()) > 0) {
		struct timespec ts;

		if (left > 0.05 && child > 0)
			left = 0.05;	/* poll the child often */
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
		if (child > 0 && waitpid(child, status, WNOHANG) == child)
			*exited = true;
	}
}

int main(int argc, char **argv)
{
	struct mptrace_bpf *skel;
	struct sigaction sa = { .sa_handler = on_signal };
	double t0, next, end;
	pid_t child = 0;
	bool exited = false;
	int status = 0, fd;

	parse_args(argc, argv);
	libbpf_set_print(libbpf_print);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	skel = start();
	fd = bpf_map__fd(skel->maps.stats);
	t0 = mp_now_s();
	end = opts.duration > 0 ? t0 + opts.duration : 0;
	if (opts.cmd) {
		fflush(stdout);
		child = run_cmd(opts.cmd);
	}

	for (;;) {
		next = opts.interval > 0 ? mp_now_s() + opts.interval : 1e300;
		if (end && next > end)
			next = end;
		sleep_until(next, child, &status, &exited);
		read_stats(fd);
		if (opts.interval > 0)
			report(mp_now_s() - t0);
		if (stop || exited || (end && mp_now_s() >= end))
			break;
	}
	if (child > 0 && !exited) {
		/* Stopped by a signal or -d: the command goes too. */
		kill(child, SIGTERM);
		waitpid(child, &status, 0);
	}
	read_stats(fd);
	summary(mp_now_s() - t0);
	mptrace_bpf__destroy(skel);
	if (child > 0) {
		if (WIFEXITED(status))
			return WEXITSTATUS(status);
		return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	}
	return 0;
}

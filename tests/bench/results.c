// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * mpbench's results: records {workload, n, impl, metric, value}, written
 * as JSON and as a table with minipoll's ratio to epoll and the verdict
 * against the row's target.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpbench.h"

struct record {
	const struct mpb_workload *w;
	const char *impl;
	char metric[48];
	long n;
	double value;
};

static struct record *records;
static size_t nr_records, cap_records;
static const struct mpb_workload *current;

/* The table's columns; a record of another impl follows its row. */
static const char *const cols[] = { "minipoll", "epoll", "poll", "select" };
#define NR_COLS (sizeof(cols) / sizeof(cols[0]))

void mpb_note(const char *fmt, ...)
{
	va_list ap;

	if (!mpb_opts.verbose)
		return;
	va_start(ap, fmt);
	mp_vwarn(fmt, ap);
	va_end(ap);
}

const char *mpb_unit(void)
{
	return mpb_opts.wall ? "ns" : "instr";
}

void mpb_begin(const struct mpb_workload *w)
{
	current = w;
}

void mpb_record(long n, const char *impl, const char *metric, double value)
{
	struct record *r;

	if (nr_records == cap_records) {
		cap_records = cap_records ? 2 * cap_records : 256;
		records = realloc(records, cap_records * sizeof(*records));
		if (!records)
			mp_die("out of memory");
	}
	r = &records[nr_records++];
	r->w = current;
	r->impl = impl;
	r->n = n;
	r->value = value;
	/* The metric names carry their unit: "%s_per_op" -> "instr_per_op". */
	snprintf(r->metric, sizeof(r->metric), metric, mpb_unit());
	mpb_note("%s n=%ld %s %s = %.1f", current->name, n, impl, r->metric, value);
}

/* One record a line, so that scripts can read it with grep and sed. */
void mpb_write_json(const char *path)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (!f)
		mp_die("cannot write %s: %s", path, strerror(errno));
	fputs("[\n", f);
	for (i = 0; i < nr_records; i++) {
		const struct record *r = &records[i];

		fprintf(f, "  {\"workload\": \"%s\", \"n\": %ld, \"impl\": \"%s\", "
			"\"metric\": \"%s\", \"value\": %.2f}%s\n",
			r->w->name, r->n, r->impl, r->metric, r->value,
			i + 1 < nr_records ? "," : "");
	}
	fputs("]\n", f);
	if (fclose(f))
		mp_die("cannot write %s: %s", path, strerror(errno));
}

/* Records of one row: the same workload, n and metric. */
static int same_row(const struct record *a, const struct record *b)
{
	return a->w == b->w && a->n == b->n && !strcmp(a->metric, b->metric);
}

enum { AT_N, FIRST_N, LAST_N };

/*
 * Of the records of @impl (NULL: any) with @row's workload and metric, the
 * one at @row's N, or the one with the smallest or the largest N.
 */
static const struct record *pick(const struct record *row, const char *impl,
				 int which)
{
	const struct record *best = NULL, *r;

	for (r = records; r < records + nr_records; r++) {
		if (r->w != row->w || strcmp(r->metric, row->metric) ||
		    (impl && strcmp(r->impl, impl)) || (which == AT_N && r->n != row->n))
			continue;
		if (!best || (which == FIRST_N && r->n < best->n) ||
		    (which == LAST_N && r->n > best->n))
			best = r;
	}
	return best;
}

static int is_column(const char *impl)
{
	size_t j;

	for (j = 0; j < NR_COLS; j++)
		if (!strcmp(impl, cols[j]))
			return 1;
	return 0;
}

/*
 * The targets, in instructions (none with --wall), per workload and
 * metric: the largest minipoll/epoll ratio, or the most instructions
 * minipoll may spend above epoll (the ioctl entry's ~270 that epoll does
 * not pay, and 80 more), or - for ADD - growth from the smallest N to
 * the largest no steeper than epoll's. A row without one has no verdict.
 */
enum mpb_target_kind { MPB_RATIO, MPB_PLUS, MPB_GROWTH };

struct mpb_target {
	const char *workload, *metric;
	enum mpb_target_kind kind;
	double value;
};

static const struct mpb_target targets[] = {
	{ "roundtrip", "instr_per_roundtrip", MPB_PLUS, 350 },
	{ "ctl", "instr_per_mod", MPB_PLUS, 350 },
	{ "ctl", "instr_per_add", MPB_GROWTH, 0 },
	{ "kready", "instr_per_event", MPB_RATIO, 1.05 },
	/* no worse than before the fed ring: 10,494 against 9,925 (1.057) */
	{ "wakeup", "instr_per_wakeup", MPB_RATIO, 1.058 },
	{ "memory", "slab_bytes_per_watch", MPB_RATIO, 1.00 },
	{ "ctl_batch", "instr_per_mod", MPB_RATIO, 0.65 },
	{ "ctl_batch", "instr_per_del", MPB_RATIO, 0.65 },
	{ "ctl_batch", "instr_per_add", MPB_RATIO, 0.85 },
	{ "ring_fed", "instr_per_event", MPB_RATIO, 0.40 },
};

static const struct mpb_target *target_of(const struct record *row)
{
	size_t i;

	if (mpb_opts.wall)
		return NULL;
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		if (!strcmp(targets[i].workload, row->w->name) &&
		    !strcmp(targets[i].metric, row->metric))
			return &targets[i];
	return NULL;
}

/*
 * The ratio and, where the row has a target, the verdict: 1 met, -1
 * missed. A growth target is judged on the largest N's row, against the
 * smallest N's.
 */
static int print_verdict(const struct record *row)
{
	const struct record *mp = pick(row, "minipoll", AT_N);
	const struct record *ep = pick(row, "epoll", AT_N);
	const struct mpb_target *t = target_of(row);
	const struct record *mp0, *ep0;
	double ratio;
	bool ok;

	if (!mp || !ep || ep->value <= 0)
		return 0;
	ratio = mp->value / ep->value;
	printf(" %6.2f", ratio);
	if (!t)
		return 0;
	switch (t->kind) {
	case MPB_RATIO:
		ok = ratio <= t->value + 1e-9;
		printf(" %5.3fx", t->value);
		break;
	case MPB_PLUS:
		ok = mp->value - ep->value <= t->value;
		printf(" %+6.0f ", t->value);
		break;
	default:	/* MPB_GROWTH */
		mp0 = pick(row, "minipoll", FIRST_N);
		ep0 = pick(row, "epoll", FIRST_N);
		if (pick(row, NULL, LAST_N)->n != row->n || mp0->n == row->n)
			return 0;
		ok = mp->value - mp0->value <= ep->value - ep0->value;
		printf(" %7s", "growth");
		break;
	}
	printf(" %s", ok ? "met" : "MISSED");
	return ok ? 1 : -1;
}

/*
 * One row per (workload, n, metric), in the order measured; a row is
 * printed where its first record is.
 */
int mpb_print_table(void)
{
	int missed = 0, met = 0, v;
	size_t i, j;

	printf("%-10s %7s %-28s %10s %10s %10s %10s %6s %6s %s\n", "workload",
	       "n", "metric", "minipoll", "epoll", "poll", "select", "mp/ep",
	       "target", "verdict");
	for (i = 0; i < nr_records; i++) {
		const struct record *r = &records[i];

		for (j = 0; j < i && !same_row(&records[j], r); j++)
			;
		if (j < i)
			continue;	/* row already printed */
		printf("%-10s %7ld %-28s", r->w->name, r->n, r->metric);
		for (j = 0; j < NR_COLS; j++) {
			const struct record *c = pick(r, cols[j], AT_N);

			if (c)
				printf(" %10.1f", c->value);
			else
				printf(" %10s", "-");
		}
		v = print_verdict(r);
		met += v > 0;
		missed += v < 0;
		/* e.g. a profile's reference probe, as impl=value */
		for (j = i; j < nr_records; j++)
			if (same_row(&records[j], r) && !is_column(records[j].impl))
				printf(" %s=%.1f", records[j].impl, records[j].value);
		putchar('\n');
	}
	if (!mpb_opts.wall)
		printf("targets: %d met, %d missed\n", met, missed);
	return missed;
}

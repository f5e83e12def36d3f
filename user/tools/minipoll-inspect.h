/* SPDX-License-Identifier: MIT OR LGPL-2.1-or-later */
/*
 * minipoll-inspect: an instance's state (MINIPOLL_IOC_DUMP) as text and as
 * a Graphviz picture, for a running program or for a scripted scenario.
 *
 *	minipoll-inspect.c		options, the pid/fd mode, main()
 *	minipoll-inspect-dump.c		fetching a dump, borrowing a remote fd
 *	minipoll-inspect-render.c	the text form and the dot form
 *	minipoll-inspect-scenario.c	scripts, built-in scenarios, steps
 */
#ifndef MINIPOLL_INSPECT_H
#define MINIPOLL_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include <linux/minipoll.h>

/* One instance's snapshot, with the arrays the kernel filled. */
struct mpi_dump {
	struct minipoll_dump hdr;	/* counts, id, root */
	struct minipoll_dump_item *items;	/* hdr.nr_items, in-order */
	struct minipoll_dump_wq *wqs;	/* hdr.nr_wqs */
	char name[32];			/* how the output names it */
	/* Scenario mode: names of the items' targets, by data; NULL else. */
	const char *(*target_name)(void *ctx, unsigned long long data);
	void *ctx;
};

/* A picture's extra edges: a nested instance's poll queue to its cluster. */
struct mpi_link {
	unsigned long long data;	/* the item (in dump from) watching it */
	int from;			/* index of the watching instance */
	int to;				/* index of the watched instance */
};

/* minipoll-inspect-dump.c */
int mpi_dump_fetch(int fd, struct mpi_dump *d);
void mpi_dump_free(struct mpi_dump *ds, int n);
const char *mpi_dump_strerror(int fd, int err);
int mpi_borrow_fd(pid_t pid, int fd);
int mpi_find_instances(pid_t pid, int *fds, int max);

/* minipoll-inspect-render.c */
void mpi_render_text(FILE *f, const struct mpi_dump *d);
int mpi_draw(const struct mpi_dump *ds, int n, const struct mpi_link *links,
	     int nlinks, const char *caption, const char *dot_path,
	     const char *out_path, const char *format);

/* minipoll-inspect-scenario.c */
struct mpi_run_opts {
	bool epoll;			/* run on the real epoll (--epoll-order) */
	bool quiet;			/* no text states */
	const char *steps_dir;		/* one picture per step, or NULL */
	const char *format;		/* "png" or "svg" */
	const char *dot_path;		/* the final state's dot, or NULL */
	const char *png_path;		/* its PNG, or NULL */
	const char *svg_path;		/* its SVG, or NULL */
};
const char *mpi_scenario_text(const char *name);
void mpi_scenario_list(FILE *f);
int mpi_run_script(const char *label, const char *text,
		   const struct mpi_run_opts *o);

/* Messages: "minipoll-inspect: ..." on stderr (mp_warn()), stdout flushed first. */
void mpi_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* MINIPOLL_INSPECT_H */

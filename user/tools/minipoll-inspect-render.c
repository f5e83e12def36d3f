// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * Rendering a dump: as text (one record per line, "kind key=value ...",
 * stable so that tests can parse it) and as Graphviz source (one cluster
 * per instance, wait queues outside them so that a queue two instances
 * share is one node).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "minipoll-inspect.h"
#include "mp_evnames.h"

/* Trees bigger than this are drawn without their NIL leaves. */
#define NIL_LEAVES_MAX	64

/* A kernel-supplied name (char[16], maybe unterminated) as one token. */
static const char *token(const char *src, size_t size, char *buf)
{
	size_t i;

	for (i = 0; i < size && src[i]; i++)
		buf[i] = (src[i] > ' ' && src[i] < 0x7f && src[i] != '"' &&
			  src[i] != '\\') ? src[i] : '_';
	if (!i)
		buf[i++] = '?';
	buf[i] = '\0';
	return buf;
}

/* Bits as their names, bit 0 first, those past the names in hex; "-" for none. */
static const char *flags_str(unsigned int v, const char *const *names,
			     unsigned int n, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		if (v & (1U << i))
			used += snprintf(buf + used, len - used, "%s%s",
					 used ? "," : "", names[i]);
	if (v >> n)
		snprintf(buf + used, len - used, "%s%#x", used ? "," : "",
			 v >> n << n);
	if (!buf[0])
		snprintf(buf, len, "-");
	return buf;
}

static const char *item_target(const struct mpi_dump *d, unsigned int i)
{
	const char *name = NULL;

	if (d->target_name)
		name = d->target_name(d->ctx, d->items[i].data);
	return name ? name : "-";
}

static int item_fd(const struct mpi_dump *d, int i)
{
	return i < 0 ? -1 : d->items[i].fd;
}

/* Index of the item at position pos of the ready (or overflow) list. */
static int item_at(const struct mpi_dump *d, int pos, bool ovf)
{
	unsigned int i;

	for (i = 0; i < d->hdr.nr_items; i++)
		if ((ovf ? d->items[i].ovf_pos : d->items[i].ready_pos) == pos)
			return (int)i;
	return -1;
}

static bool valid_index(const struct mpi_dump *d, int i)
{
	return i >= 0 && (unsigned int)i < d->hdr.nr_items;
}

/* The tree sideways, right subtree above: a picture for people. */
static void text_tree(FILE *f, const struct mpi_dump *d, int i, int depth)
{
	const struct minipoll_dump_item *it;

	if (!valid_index(d, i) || depth > (int)d->hdr.nr_items)
		return;
	it = &d->items[i];
	text_tree(f, d, it->right, depth + 1);
	fprintf(f, "#   %*s%s %s fd=%d\n", depth * 4, "",
		it->color == MINIPOLL_DUMP_RED ? "R" : "B", item_target(d, i),
		it->fd);
	text_tree(f, d, it->left, depth + 1);
}

void mpi_render_text(FILE *f, const struct mpi_dump *d)
{
	static const char *const states[] = { "ready", "overflow", "disarmed", "dead" };
	static const char *const wq_flags[] = { "exclusive", "freed" };
	const struct minipoll_dump *h = &d->hdr;
	char ev[160], st[64], kind[20];
	unsigned int i;
	int pos, ovf;

	fprintf(f, "instance name=%s id=0x%016llx items=%u wqs=%u ready=%u overflow=%u waiters=%u pollers=%u root=%d\n",
		d->name, (unsigned long long)h->id, h->nr_items, h->nr_wqs,
		h->nr_ready, h->nr_ovf, h->nr_waiters, h->nr_pollers, h->root);
	for (i = 0; i < h->nr_items; i++) {
		const struct minipoll_dump_item *it = &d->items[i];

		fprintf(f, "item %u target=%s fd=%d kind=%s events=%s data=0x%llx file=0x%016llx color=%s parent=%d left=%d right=%d ready=%d overflow=%d state=%s callbacks=%u deliveries=%u ignored=%u wqs=%u\n",
			i, item_target(d, i), it->fd,
			token(it->kind, sizeof(it->kind), kind),
			mp_events_str(it->events, ev, sizeof(ev)),
			(unsigned long long)it->data,
			(unsigned long long)it->file_id,
			it->color == MINIPOLL_DUMP_RED ? "red" : "black",
			it->parent, it->left, it->right, it->ready_pos,
			it->ovf_pos, flags_str(it->state, states, 4, st, sizeof(st)),
			it->callbacks, it->deliveries, it->ignored, it->nr_wqs);
	}
	for (i = 0; i < h->nr_wqs; i++) {
		const struct minipoll_dump_wq *w = &d->wqs[i];

		/* Bits the tool has no name for are not shown. */
		fprintf(f, "wq %u item=%u head=0x%016llx owner=%s queue_len=%u flags=%s\n",
			i, w->item, (unsigned long long)w->head_id,
			token(w->owner, sizeof(w->owner), kind), w->queue_len,
			flags_str(w->flags & (MINIPOLL_DUMP_WQ_EXCLUSIVE | MINIPOLL_DUMP_WQ_FREED),
				  wq_flags, 2, st, sizeof(st)));
	}
	for (ovf = 0; ovf < 2; ovf++)
		for (pos = 0; pos < (int)(ovf ? h->nr_ovf : h->nr_ready); pos++) {
			int it = item_at(d, pos, ovf);

			fprintf(f, "%s %d item=%d target=%s fd=%d\n",
				ovf ? "overflow" : "ready", pos, it,
				it < 0 ? "-" : item_target(d, it), item_fd(d, it));
		}
	if (h->nr_items) {
		fprintf(f, "# tree of %s (right subtree above, left below; R red, B black):\n",
			d->name);
		text_tree(f, d, h->root, 0);
	}
}

/* ---- Graphviz ---- */

/* A string as the inside of a dot "..." literal. */
static void dot_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* An item's depth in the tree (0 at the root), bounded against cycles. */
static int depth_of(const struct mpi_dump *d, int i)
{
	int depth = 0;

	while (valid_index(d, d->items[i].parent) && depth <= (int)d->hdr.nr_items) {
		i = d->items[i].parent;
		depth++;
	}
	return depth;
}

/*
 * The tree. Graphviz does not keep children in their left/right order on
 * its own, so every level is chained left to right with invisible edges,
 * by in-order position: item i at 2i + 1, the NIL leaf left of it at 2i,
 * the one right of it at 2i + 2 (a tree of n items has n + 1 NIL leaves,
 * at exactly the even positions).
 */
static void dot_tree(FILE *f, const struct mpi_dump *d, int k)
{
	unsigned int n = d->hdr.nr_items, i, keys = 2 * n + 1;
	bool nils = n <= NIL_LEAVES_MAX;
	char ev[160], kind[20];
	int *depth, level, maxdepth = 0;

	depth = malloc(keys * sizeof(*depth));
	if (!depth)
		return;
	for (i = 0; i < keys; i++)
		depth[i] = -1;
	for (i = 0; i < n; i++) {
		const struct minipoll_dump_item *it = &d->items[i];
		bool red = it->color == MINIPOLL_DUMP_RED;
		const char *target = item_target(d, i);
		const char *ring = (it->state & MINIPOLL_DUMP_READY) ? "#f9a825" :
				   (it->state & MINIPOLL_DUMP_OVERFLOW) ? "#1e88e5" : NULL;

		depth[2 * i + 1] = depth_of(d, (int)i);
		if (depth[2 * i + 1] + 1 > maxdepth)
			maxdepth = depth[2 * i + 1] + 1;
		fprintf(f, "    i%d_n%u [shape=box, style=\"rounded,filled\", fillcolor=\"%s\", fontcolor=white",
			k, 2 * i + 1, red ? "#c62828" : "#212121");
		if (ring)
			fprintf(f, ", color=\"%s\", penwidth=4", ring);
		fprintf(f, ", label=\"");
		if (strcmp(target, "-"))
			fprintf(f, "%s  ", target);
		fprintf(f, "fd %d (%s)\\n", it->fd,
			token(it->kind, sizeof(it->kind), kind));
		dot_str(f, mp_events_str(it->events, ev, sizeof(ev)));
		fprintf(f, "\\ncb %u  out %u  ign %u%s\"];\n", it->callbacks,
			it->deliveries, it->ignored,
			(it->state & MINIPOLL_DUMP_DISARMED) ? "  DISARMED" :
			(it->state & MINIPOLL_DUMP_DEAD) ? "  DEAD" : "");
	}
	for (i = 0; i < n; i++) {
		const struct minipoll_dump_item *it = &d->items[i];
		int side[2] = { it->left, it->right };
		int c;

		for (c = 0; c < 2; c++) {
			unsigned int nil = 2 * i + 2 * c;

			if (valid_index(d, side[c])) {
				fprintf(f, "    i%d_n%u -> i%d_n%d [arrowhead=none];\n",
					k, 2 * i + 1, k, 2 * side[c] + 1);
			} else if (nils) {
				depth[nil] = depth[2 * i + 1] + 1;
				fprintf(f, "    i%d_n%u [shape=point, width=0.08, color=black];\n",
					k, nil);
				fprintf(f, "    i%d_n%u -> i%d_n%u [arrowhead=none, color=gray];\n",
					k, 2 * i + 1, k, nil);
			}
		}
	}
	for (level = 0; level <= maxdepth; level++) {
		int m = 0;

		fprintf(f, "    { rank=same; ");
		for (i = 0; i < keys; i++)
			if (depth[i] == level)
				fprintf(f, "%si%d_n%u", m++ ? " -> " : "", k, i);
		fprintf(f, "%s }\n", m > 1 ? " [style=invis]" : "");
	}
	/* A floor under the deepest level, for the wait queues to hang below. */
	fprintf(f, "    i%d_floor [shape=point, style=invis];\n", k);
	for (i = 0; i < keys; i++)
		if (depth[i] == maxdepth || (depth[i] >= 0 && !nils && (i & 1)))
			fprintf(f, "    i%d_n%u -> i%d_floor [style=invis];\n", k, i, k);
	free(depth);
}

/* The ready list (or overflow chain) as a row of nodes, in order. */
static void dot_list(FILE *f, const struct mpi_dump *d, int k, bool ovf)
{
	unsigned int len = ovf ? d->hdr.nr_ovf : d->hdr.nr_ready;
	const char *tag = ovf ? "ovf" : "rdl";
	unsigned int pos;

	if (ovf && !len)
		return;
	fprintf(f, "    i%d_%s [shape=box, style=filled, fillcolor=\"%s\", label=\"%s\\n%u item%s\"];\n",
		k, tag, ovf ? "#bbdefb" : "#fff59d",
		ovf ? "overflow list (ovflist)" : "ready list (rdllist)",
		len, len == 1 ? "" : "s");
	for (pos = 0; pos < len; pos++) {
		int it = item_at(d, (int)pos, ovf);
		const char *target = it < 0 ? "?" : item_target(d, it);

		fprintf(f, "    i%d_%s%u [shape=box, style=\"rounded,filled\", fillcolor=\"%s\", label=\"%u. ",
			k, tag, pos, ovf ? "#e3f2fd" : "#fffde7", pos + 1);
		if (strcmp(target, "-"))
			fprintf(f, "%s ", target);
		fprintf(f, "fd %d\"];\n", item_fd(d, it));
		if (pos)
			fprintf(f, "    i%d_%s%u -> i%d_%s%u;\n", k, tag, pos - 1,
				k, tag, pos);
		else
			fprintf(f, "    i%d_%s -> i%d_%s0;\n", k, tag, k, tag);
	}
	fprintf(f, "    { rank=same; i%d_%s", k, tag);
	for (pos = 0; pos < len; pos++)
		fprintf(f, "; i%d_%s%u", k, tag, pos);
	fprintf(f, "; }\n");
}

/* Has head_id already been drawn (by an earlier entry or instance)? */
static bool wq_seen(const struct mpi_dump *ds, int k, unsigned int w)
{
	unsigned long long id = ds[k].wqs[w].head_id;
	unsigned int j;
	int m;

	for (m = 0; m <= k; m++)
		for (j = 0; j < (m == k ? w : ds[m].hdr.nr_wqs); j++)
			if (ds[m].wqs[j].head_id == id)
				return true;
	return false;
}

static void dot_wqs(FILE *f, const struct mpi_dump *ds, int n)
{
	unsigned long long prev = 0;
	char kind[20];
	unsigned int w;
	int k;
	bool any = false;

	/* In the order of the items that hang on them, left to right. */
	fprintf(f, "  subgraph wait_queues {\n    rank=sink;\n");
	for (k = 0; k < n; k++)
		for (w = 0; w < ds[k].hdr.nr_wqs; w++) {
			const struct minipoll_dump_wq *q = &ds[k].wqs[w];

			if (wq_seen(ds, k, w))
				continue;
			if (any)
				fprintf(f, "    wq_%016llx -> wq_%016llx [style=invis];\n",
					prev, (unsigned long long)q->head_id);
			prev = q->head_id;
			any = true;
			fprintf(f, "    wq_%016llx [shape=ellipse, style=filled, fillcolor=\"#cfd8dc\", label=\"wait queue %04llx\\nowner: %s\\n%u entr%s\"];\n",
				(unsigned long long)q->head_id,
				(unsigned long long)q->head_id & 0xffff,
				token(q->owner, sizeof(q->owner), kind),
				q->queue_len, q->queue_len == 1 ? "y" : "ies");
		}
	fprintf(f, "  }\n");
	for (k = 0; k < n; k++)
		for (w = 0; w < ds[k].hdr.nr_wqs; w++) {
			const struct minipoll_dump_wq *q = &ds[k].wqs[w];

			if (!valid_index(&ds[k], (int)q->item))
				continue;
			fprintf(f, "  i%d_floor -> wq_%016llx [style=invis];\n"
				"  i%d_n%u -> wq_%016llx [color=\"#607d8b\"",
				k, (unsigned long long)q->head_id,
				k, 2 * q->item + 1, (unsigned long long)q->head_id);
			if (q->flags & MINIPOLL_DUMP_WQ_EXCLUSIVE)
				fprintf(f, ", label=\"exclusive\", fontcolor=\"#6a1b9a\", color=\"#6a1b9a\"");
			if (q->flags & MINIPOLL_DUMP_WQ_FREED)
				fprintf(f, ", style=dashed, label=\"POLLFREE\"");
			fputs("];\n", f);
		}
}

static void render_dot(FILE *f, const struct mpi_dump *ds, int n,
		       const struct mpi_link *links, int nlinks, const char *caption)
{
	int k, l;

	/* newrank: rank=same inside clusters, which the tree's levels need. */
	fprintf(f, "digraph minipoll {\n  newrank=true;\n"
		"  graph [fontname=\"Helvetica\", fontsize=12, labelloc=t, labeljust=l, nodesep=0.25, ranksep=0.35");
	if (caption) {
		fputs(", label=\"", f);
		dot_str(f, caption);
		fputc('"', f);
	}
	fprintf(f, "];\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n");
	for (k = 0; k < n; k++) {
		const struct minipoll_dump *h = &ds[k].hdr;

		fprintf(f, "  subgraph cluster_i%d {\n"
			"    label=\"instance %s (id %04llx): %u item%s, %u ready, %u on overflow\";\n"
			"    style=rounded; color=\"#9e9e9e\";\n"
			"    i%d_tasks [shape=note, label=\"waiters: %u asleep in MINIPOLL_IOC_WAIT\\npollers: %u on its own poll queue\"];\n",
			k, ds[k].name, (unsigned long long)h->id & 0xffff,
			h->nr_items, h->nr_items == 1 ? "" : "s", h->nr_ready,
			h->nr_ovf, k, h->nr_waiters, h->nr_pollers);
		dot_list(f, &ds[k], k, false);
		dot_list(f, &ds[k], k, true);
		if (valid_index(&ds[k], h->root))
			fprintf(f, "    i%d_rbroot [shape=plaintext, label=\"rbtree\"];\n"
				"    i%d_rbroot -> i%d_n%d [arrowhead=none];\n",
				k, k, k, 2 * h->root + 1);
		/* Keep the lists above the tree. */
		fprintf(f, "    i%d_tasks -> i%d_rdl [style=invis];\n", k, k);
		if (h->nr_ovf)
			fprintf(f, "    i%d_rdl -> i%d_ovf [style=invis];\n", k, k);
		if (valid_index(&ds[k], h->root))
			fprintf(f, "    i%d_%s -> i%d_rbroot [style=invis];\n", k,
				h->nr_ovf ? "ovf" : "rdl", k);
		dot_tree(f, &ds[k], k);
		fprintf(f, "  }\n");
	}
	dot_wqs(f, ds, n);
	/* A watched instance: the queue its watcher hangs on is its poll queue. */
	for (l = 0; l < nlinks; l++) {
		const struct mpi_dump *from = &ds[links[l].from];
		unsigned int w;

		for (w = 0; w < from->hdr.nr_wqs; w++) {
			unsigned int it = from->wqs[w].item;

			if (it < from->hdr.nr_items &&
			    from->items[it].data == links[l].data)
				fprintf(f, "  i%d_tasks -> wq_%016llx [style=dashed, arrowhead=none, color=\"#6a1b9a\", label=\"its poll queue\", constraint=false];\n",
					links[l].to,
					(unsigned long long)from->wqs[w].head_id);
		}
	}
	fprintf(f, "}\n");
}

/* Run dot -T<format> -o out in; 0, or -1 after a message. */
static int run_dot(const char *in, const char *out, const char *format)
{
	char tflag[16];
	pid_t pid;
	int status;

	snprintf(tflag, sizeof(tflag), "-T%s", format);
	/* Else a child that fails to exec would print our pending output again. */
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		mpi_err("fork: %s", strerror(errno));
		return -1;
	}
	if (!pid) {
		execlp("dot", "dot", tflag, "-o", out, in, (char *)NULL);
		if (errno == ENOENT)
			mpi_err("dot not found: install Graphviz (Debian: graphviz)");
		else
			mpi_err("dot: %s", strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		mpi_err("waitpid: %s", strerror(errno));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 127)
			mpi_err("dot %s -o %s %s failed", tflag, out, in);
		return -1;
	}
	return 0;
}

/*
 * Write the dot source to dot_path (a temporary file when NULL) and, when
 * out_path is given, render it there; neither path: nothing to do. 0, or -1
 * after a message.
 */
int mpi_draw(const struct mpi_dump *ds, int n, const struct mpi_link *links,
	     int nlinks, const char *caption, const char *dot_path,
	     const char *out_path, const char *format)
{
	char tmp[] = "/tmp/minipoll-inspect.XXXXXX";
	const char *path = dot_path;
	FILE *f;
	int fd, ret;

	if (!path) {
		if (!out_path)
			return 0;
		fd = mkstemp(tmp);
		if (fd < 0) {
			mpi_err("%s: %s", tmp, strerror(errno));
			return -1;
		}
		f = fdopen(fd, "w");
		path = tmp;
	} else {
		f = fopen(path, "w");
	}
	if (!f) {
		mpi_err("%s: %s", path, strerror(errno));
		return -1;
	}
	render_dot(f, ds, n, links, nlinks, caption);
	if (fclose(f)) {
		mpi_err("%s: %s", path, strerror(errno));
		ret = -1;
	} else {
		ret = out_path ? run_dot(path, out_path, format) : 0;
	}
	if (!dot_path)
		unlink(tmp);
	return ret;
}

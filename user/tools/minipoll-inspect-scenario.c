// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * Scenarios: steps in the operation language of tests/mp_ops.h (fuzz_test's
 * too), run in this process on minipoll instances (or, for comparison, on
 * the real epoll), with every instance's state dumped after every step.
 *
 * Of the language, the tool runs what a picture needs: the steps that make
 * files (inst through file, as fuzz_test makes them; inst with create1()),
 * ctl, wait (timeout 0, max=1 to 64), write, read, close, sleeper, settle,
 * pause and show. A handle's name is
 * how dumps, events and pictures name the target: ctl's data defaults to
 * the target's handle number, and names it back.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <minipoll.h>

#include "mp_api.h"
#include "minipoll-inspect.h"
#include "mp_ops.h"

#define MAX_INSTS	8
#define MAX_SLEEPERS	8
#define MAX_EVENTS	64

/* Steps return 0, -1 (a step failed), or SCRIPT_ERR (exit status 2). */
#define SCRIPT_ERR	-2

/* The built-in scenarios, in the operation language. */
static const struct {
	const char *name;
	const char *about;
	const char *text;
} scenarios[] = {
	{ "lt-et-oneshot", "level- and edge-triggered and one-shot items side by side",
	  "inst main cloexec\n"
	  "pipe lt lt.w\n"
	  "pipe et et.w\n"
	  "pipe os os.w\n"
	  "ctl main ADD lt events=IN -- lt: level-triggered EPOLLIN; an entry on the pipe's reader queue\n"
	  "ctl main ADD et events=IN|ET -- et: edge-triggered (EPOLLET)\n"
	  "ctl main ADD os events=IN|ONESHOT -- os: one-shot (EPOLLONESHOT)\n"
	  "write lt.w -- 8 bytes into pipe lt: its callback puts lt on the ready list\n"
	  "write et.w -- et's callback: et joins the ready list behind lt\n"
	  "write os.w -- os's callback: os joins at the tail\n"
	  "wait main max=8 -- one wait takes all three; lt (level-triggered) goes back on the list\n"
	  "wait main max=8 -- only lt again: et had its edge, os is disarmed\n"
	  "write et.w -- new bytes, a new edge: et is queued again\n"
	  "write os.w -- os is disarmed: its callback ignores the wakeup\n"
	  "ctl main MOD os events=IN|ONESHOT -- EPOLL_CTL_MOD re-arms os; its data is there, so it is queued\n"
	  "wait main max=8 -- delivered in ready-list order: lt, et, os\n" },
	{ "nesting", "an instance watching another instance",
	  "inst main cloexec\n"
	  "inst inner cloexec\n"
	  "pipe p p.w\n"
	  "ctl inner ADD p events=IN -- the inner instance watches pipe p\n"
	  "ctl main ADD inner events=IN -- main watches inner: main's item hangs on inner's poll queue\n"
	  "write p.w -- p's callback queues p on inner; inner wakes its poll queue: main's item\n"
	  "wait main max=4 -- main delivers inner (EPOLLIN): inner has something ready\n"
	  "wait inner max=4 -- inner delivers p\n"
	  "read p len=4096 -- p drained\n"
	  "wait main max=4 -- main: inner is re-polled and has nothing ready now, so nothing\n" },
	{ "exclusive", "EPOLLEXCLUSIVE: one wakeup for two instances on one eventfd",
	  "inst main cloexec\n"
	  "eventfd e init=0\n"
	  "inst other cloexec\n"
	  "ctl main ADD e events=IN|EXCLUSIVE -- main hangs an exclusive entry on e's queue\n"
	  "ctl other ADD e events=IN|EXCLUSIVE -- other hangs a second exclusive entry on the same queue\n"
	  "sleeper main -- a thread sleeps in main\n"
	  "sleeper other -- a thread sleeps in other\n"
	  "write e val=1 -- e's queue is walked: main's callback wakes main's sleeper, and the walk stops there\n"
	  "settle -- main's sleeper returned; other's still sleeps, its item saw no callback\n" },
	{ "sockets", "data arriving on TCP and UNIX sockets",
	  "inst main cloexec\n"
	  "tcp t.w t\n"
	  "unix u u.w stream\n"
	  "ctl main ADD t events=IN|RDHUP -- the accepted TCP socket, for input and the peer's shutdown\n"
	  "ctl main ADD u events=IN|OUT -- u is writable at once: EPOLL_CTL_ADD itself queues it\n"
	  "write t.w -- 8 bytes arrive on t: TCP wakes the socket's queue, the callback queues t\n"
	  "wait main max=8 -- u and t, in the order they were queued\n"
	  "read t len=4096 -- t drained; t went back on the ready list after its delivery (level-triggered) and stays there until a wait polls it again\n"
	  "close t.w -- the client closes: EPOLLIN|EPOLLRDHUP\n"
	  "wait main max=8\n" },
	{ "shared", "one pipe watched by two instances and from both ends",
	  "inst main cloexec\n"
	  "pipe p p.w\n"
	  "inst other cloexec\n"
	  "ctl main ADD p events=IN -- main watches the read end: an entry on the pipe's reader queue\n"
	  "ctl other ADD p events=IN -- other watches the same file: a second entry on the same queue\n"
	  "ctl main ADD p.w events=OUT -- the write end polls the pipe's writer queue: another queue\n"
	  "write p.w -- the reader queue is woken: both instances' callbacks queue p\n"
	  "wait main max=8\n"
	  "wait other max=8\n" },
};

struct run {
	const struct mpi_run_opts *o;
	const struct mp_impl *impl;	/* minipoll, or the real epoll */
	struct mp_names nm;		/* the handles' names */
	int *fd;			/* by handle; -1 closed, -2 never made */
	int nfd;
	int insts[MAX_INSTS];		/* handles of the instances, in order */
	int ninsts;
	int nsleepers;
	int woken;		/* sleepers whose wait returned (atomic) */
	int step;
	const char *caption;
};

const char *mpi_scenario_text(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (!strcmp(scenarios[i].name, name))
			return scenarios[i].text;
	return NULL;
}

void mpi_scenario_list(FILE *f)
{
	size_t i;

	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		fprintf(f, "%-14s %s\n", scenarios[i].name, scenarios[i].about);
}

/* ---- handles ---- */

static const char *target_name(void *ctx, unsigned long long data)
{
	struct run *r = ctx;

	return data < (unsigned long long)r->nm.n ? r->nm.v[data] : NULL;
}

/*
 * Room in r->fd for every handle the names know, new ones never made;
 * 0, or -1 out of memory.
 */
static int grow(struct run *r)
{
	int *fd;

	if (r->nfd >= r->nm.n)
		return 0;
	fd = realloc(r->fd, r->nm.n * sizeof(*fd));
	if (!fd)
		return -1;
	while (r->nfd < r->nm.n)
		fd[r->nfd++] = -2;
	r->fd = fd;
	return 0;
}

/* The fd of an operand; SCRIPT_ERR for a handle no step made. */
static int fd_of(struct run *r, const struct mp_ref *ref)
{
	if (ref->h < 0)
		return ref->raw;
	if (r->fd[ref->h] == -2) {
		mpi_err("step %d: no target '%s'", r->step, r->nm.v[ref->h]);
		return SCRIPT_ERR;
	}
	return r->fd[ref->h];
}

static bool is_inst(struct run *r, int h)
{
	int k;

	for (k = 0; k < r->ninsts; k++)
		if (r->insts[k] == h)
			return true;
	return false;
}

/* Operand i of o as the output names it; a buffer per operand. */
static const char *ref_name(struct run *r, const struct mp_op *o, int i)
{
	static char buf[2][64];

	return mp_ref_str(&o->ref[i], &r->nm, buf[i], sizeof(buf[i]));
}

/* A step that makes files: their fds into the handles it defines. */
static int make(struct run *r, const struct mp_op *o)
{
	int fds[2] = { -1, -1 };
	const char *what;

	if (o->kind == OP_INST && o->arg > 2) {
		mpi_err("step %d: inst is cloexec, plain or badflags here", r->step);
		return SCRIPT_ERR;
	}
	if (o->kind == OP_INST && r->ninsts == MAX_INSTS) {
		mpi_err("step %d: more than %d instances", r->step, MAX_INSTS);
		return -1;
	}
	if (mp_op_make(o, r->impl->create1, NULL, fds, &what) < 0) {
		mpi_err("step %d: creating %s (%s): %s%s", r->step, r->nm.v[o->def[0]], what,
			strerror(errno), o->kind == OP_INST && errno == ENOENT ?
			" (the minipoll module is not loaded: no " MINIPOLL_DEVICE ")" : "");
		return -1;
	}
	if (o->kind == OP_INST)
		r->insts[r->ninsts++] = o->def[0];
	r->fd[o->def[0]] = fds[0];
	if (o->def[1] >= 0)
		r->fd[o->def[1]] = fds[1];
	return 0;
}

/* ---- dumping and drawing ---- */

/* Dump every instance into ds; 0, or -1 after a message. */
static int dump_all(struct run *r, struct mpi_dump *ds)
{
	int k, ret;

	for (k = 0; k < r->ninsts; k++) {
		int h = r->insts[k];

		ret = mpi_dump_fetch(r->fd[h], &ds[k]);
		if (ret < 0) {
			mpi_err("step %d: dumping instance %s: %s", r->step,
				r->nm.v[h], mpi_dump_strerror(r->fd[h], -ret));
			mpi_dump_free(ds, k);
			return -1;
		}
		snprintf(ds[k].name, sizeof(ds[k].name), "%s", r->nm.v[h]);
		ds[k].target_name = target_name;
		ds[k].ctx = r;
	}
	return 0;
}

/* Instances watched by instances: edges from their poll queue. */
static int draw(struct run *r, struct mpi_dump *ds, const char *caption,
		const char *dot_path, const char *out, const char *format)
{
	struct mpi_link links[MAX_INSTS * MAX_INSTS];
	int n = 0, k, i;

	for (k = 0; k < r->ninsts; k++)
		for (i = 0; i < r->ninsts; i++) {
			if (i == k)
				continue;
			links[n].from = k;
			links[n].to = i;
			links[n].data = r->insts[i];
			n++;
		}
	return mpi_draw(ds, r->ninsts, links, n, caption, dot_path, out, format);
}

/* After a step: print the state and draw the step's picture. */
static int after_step(struct run *r, const char *cmd)
{
	struct mpi_dump ds[MAX_INSTS];
	char caption[1024], dot[4096], out[4096];
	bool src_only = !strcmp(r->o->format, "dot");
	int k, ret = 0;

	if (r->o->epoll)
		return 0;
	if (dump_all(r, ds) < 0)
		return -1;
	if (!r->o->quiet)
		for (k = 0; k < r->ninsts; k++)
			mpi_render_text(stdout, &ds[k]);
	if (r->o->steps_dir) {
		snprintf(caption, sizeof(caption), "Step %d: %s%s%s", r->step,
			 cmd, r->caption[0] ? "\n" : "", r->caption);
		snprintf(dot, sizeof(dot), "%s/step-%02d.dot", r->o->steps_dir, r->step);
		snprintf(out, sizeof(out), "%s/step-%02d.%s", r->o->steps_dir,
			 r->step, r->o->format);
		/* --format dot: the source only, to be rendered elsewhere. */
		ret = draw(r, ds, caption, dot, src_only ? NULL : out, r->o->format);
		if (!ret && !r->o->quiet)
			printf("# picture %s\n", src_only ? dot : out);
	}
	mpi_dump_free(ds, r->ninsts);
	fflush(stdout);
	return ret;
}

static int final_pictures(struct run *r, const char *label)
{
	const struct mpi_run_opts *o = r->o;
	struct mpi_dump ds[MAX_INSTS];
	char caption[256];
	int ret = 0;

	if (o->epoll || (!o->dot_path && !o->png_path && !o->svg_path))
		return 0;
	if (dump_all(r, ds) < 0)
		return -1;
	snprintf(caption, sizeof(caption), "%s, after step %d", label, r->step);
	ret = draw(r, ds, caption, o->dot_path, o->png_path, "png");
	if (!ret)
		ret = draw(r, ds, caption, NULL, o->svg_path, "svg");
	mpi_dump_free(ds, r->ninsts);
	return ret;
}

/* ---- the steps ---- */

static const char *errname(long ret)
{
	return ret < 0 ? strerrorname_np(errno) : "0";
}

static int step_ctl(struct run *r, const struct mp_op *o, int epfd, int fd)
{
	struct epoll_event ev = { .events = o->events, .data.u64 = o->val };
	int ret = r->impl->ctl(epfd, o->arg, fd, &ev);

	printf("ctl step=%d instance=%s target=%s ret=%d errno=%s\n", r->step,
	       ref_name(r, o, 0), ref_name(r, o, 1), ret, errname(ret));
	return 0;
}

static int step_wait(struct run *r, const struct mp_op *o, int epfd)
{
	struct epoll_event evs[MAX_EVENTS];
	const char *iname = ref_name(r, o, 0);
	char buf[160];
	int n, i;

	if (o->arg < 1 || o->arg > MAX_EVENTS) {
		mpi_err("step %d: maxevents must be 1 to %d", r->step, MAX_EVENTS);
		return SCRIPT_ERR;
	}
	n = r->impl->wait(epfd, evs, o->arg, 0);
	printf("wait step=%d instance=%s max=%d ret=%d errno=%s\n", r->step,
	       iname, o->arg, n, errname(n));
	for (i = 0; i < n; i++) {
		const char *name = target_name(r, evs[i].data.u64);

		printf("event step=%d instance=%s n=%d target=%s events=%s\n",
		       r->step, iname, i, name ? name : "?",
		       mp_events_str(evs[i].events, buf, sizeof(buf)));
	}
	return 0;
}

/* write: 8 bytes, the value; read: len bytes, else 8 (fuzz_test's). */
static int step_io(struct run *r, const struct mp_op *o, int fd)
{
	static char buf[65536];
	uint64_t v = o->val;
	ssize_t n;

	if (o->kind == OP_WRITE)
		n = write(fd, &v, sizeof(v));
	else
		n = read(fd, buf, o->arg > 0 && o->arg <= (int)sizeof(buf) ? o->arg : 8);
	printf("%s step=%d target=%s ret=%zd errno=%s\n", mp_op_kinds[o->kind], r->step,
	       ref_name(r, o, 0), n, errname(n));
	return 0;
}

static int step_close(struct run *r, const struct mp_op *o, int fd)
{
	int ret;

	if (o->ref[0].h >= 0 && is_inst(r, o->ref[0].h)) {
		mpi_err("step %d: cannot close instance '%s'", r->step, r->nm.v[o->ref[0].h]);
		return SCRIPT_ERR;
	}
	ret = close(fd);
	printf("close step=%d fd=%s ret=%d\n", r->step, ref_name(r, o, 0), ret);
	if (o->ref[0].h >= 0)
		r->fd[o->ref[0].h] = -1;
	return 0;
}

struct sleeper_arg {
	const struct mp_impl *impl;
	int fd;
	int *woken;
};

static void *sleeper_main(void *p)
{
	struct sleeper_arg a = *(struct sleeper_arg *)p;
	struct epoll_event ev;

	free(p);
	a.impl->wait(a.fd, &ev, 1, -1);
	__atomic_add_fetch(a.woken, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The waiters of the instance at fd (0 if it cannot be dumped). */
static unsigned int waiters(int fd)
{
	struct mpi_dump d;
	unsigned int n = 0;

	if (mpi_dump_fetch(fd, &d) == 0)
		n = d.hdr.nr_waiters;
	mpi_dump_free(&d, 1);
	return n;
}

static int step_sleeper(struct run *r, const struct mp_op *o, int fd)
{
	unsigned int before = r->o->epoll ? 0 : waiters(fd);
	struct sleeper_arg *a;
	pthread_t t;
	int i;

	if (r->nsleepers == MAX_SLEEPERS) {
		mpi_err("step %d: at most %d sleepers", r->step, MAX_SLEEPERS);
		return -1;
	}
	a = malloc(sizeof(*a));
	if (!a)
		return -1;
	a->impl = r->impl;
	a->fd = fd;
	a->woken = &r->woken;
	if (pthread_create(&t, NULL, sleeper_main, a)) {
		free(a);
		mpi_err("step %d: pthread_create failed", r->step);
		return -1;
	}
	pthread_detach(t);
	r->nsleepers++;
	/* Until the instance counts one waiter more (up to ~5 s). */
	if (r->o->epoll)
		nap(100);
	for (i = 0; !r->o->epoll && waiters(fd) < before + 1; i++) {
		if (i == 500) {
			mpi_err("step %d: the sleeper did not go to sleep", r->step);
			break;
		}
		nap(10);
	}
	printf("sleeper step=%d instance=%s\n", r->step, ref_name(r, o, 0));
	return 0;
}

/*
 * Let woken sleepers return: a short pause, then (on minipoll) until the
 * instances' waiter counts add up to the sleepers not yet returned.
 */
static int step_settle(struct run *r)
{
	int i, k;

	nap(100);
	for (i = 0; i < 500 && !r->o->epoll; i++) {
		unsigned int n = 0;

		for (k = 0; k < r->ninsts; k++)
			n += waiters(r->fd[r->insts[k]]);
		if ((int)n == r->nsleepers - __atomic_load_n(&r->woken, __ATOMIC_SEQ_CST))
			break;
		nap(10);
	}
	printf("settle step=%d woken=%d\n", r->step,
	       __atomic_load_n(&r->woken, __ATOMIC_SEQ_CST));
	return 0;
}

static int run_op(struct run *r, const struct mp_op *o)
{
	int a = -1, b = -1;

	if ((o->via && o->kind != OP_EVENTFD) || o->buf) {
		mpi_err("step %d: via=, buf= and evptr= are fuzz_test's", r->step);
		return SCRIPT_ERR;
	}
	if (mp_op_nrefs[o->kind] >= 1 && (a = fd_of(r, &o->ref[0])) == SCRIPT_ERR)
		return SCRIPT_ERR;
	if (mp_op_nrefs[o->kind] >= 2 && (b = fd_of(r, &o->ref[1])) == SCRIPT_ERR)
		return SCRIPT_ERR;
	switch (o->kind) {
	case OP_INST: case OP_PIPE: case OP_UNIX: case OP_UDP: case OP_TCP:
	case OP_EVENTFD: case OP_TIMERFD: case OP_SIGNALFD: case OP_FILE:
		return make(r, o);
	case OP_CTL:
		return step_ctl(r, o, a, b);
	case OP_WAIT:
		return step_wait(r, o, a);
	case OP_WRITE: case OP_READ:
		return step_io(r, o, a);
	case OP_CLOSE:
		return step_close(r, o, a);
	case OP_SLEEPER:
		return step_sleeper(r, o, a);
	case OP_SETTLE:
		return step_settle(r);
	case OP_PAUSE:
		fflush(stdout);
		nap(o->arg * 1000L);
		return 0;
	case OP_SHOW:
		return 0;
	}
	mpi_err("step %d: minipoll-inspect does not run '%s'", r->step, mp_op_kinds[o->kind]);
	return SCRIPT_ERR;
}

static void close_all(struct run *r)
{
	int h;

	for (h = r->nfd - 1; h >= 0; h--)
		if (r->fd[h] >= 0)
			close(r->fd[h]);
}

/* The line without its leading and trailing blanks. */
static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/*
 * Run a script: text in the language above, label its name in messages
 * and captions. Returns 0, 1 when a step failed, 2 for a script error.
 */
int mpi_run_script(const char *label, const char *text,
		   const struct mpi_run_opts *o)
{
	struct run *r = calloc(1, sizeof(*r));
	char *copy = strdup(text), *rest = copy, *line;
	int ret = 0, lineno = 0;

	if (!r || !copy) {
		mpi_err("out of memory");
		free(r);
		free(copy);
		return 1;
	}
	r->o = o;
	r->impl = o->epoll ? &mp_epoll : &mp_minipoll;
	if (o->steps_dir && mkdir(o->steps_dir, 0755) < 0 && errno != EEXIST) {
		mpi_err("%s: %s", o->steps_dir, strerror(errno));
		ret = 1;
		goto out;
	}
	printf("scenario %s on %s\n", label, o->epoll ? "epoll" : "minipoll");
	while ((line = strsep(&rest, "\n"))) {
		struct mp_op op;
		int rc;

		lineno++;
		rc = mp_op_parse(line, &op, &r->nm, &r->caption);
		if (rc == 0)
			continue;
		if (rc < 0) {
			mpi_err("%s:%d: cannot parse '%s' (see minipoll-inspect(1))", label, lineno,
				trim(line));
			ret = 2;
			break;
		}
		if (grow(r) < 0) {
			mpi_err("out of memory");
			ret = 1;
			break;
		}
		r->step++;
		line = trim(line);
		printf("step %d: %s\n", r->step, line);
		if (r->caption[0])
			printf("# %s\n", r->caption);
		rc = run_op(r, &op);
		if (rc == SCRIPT_ERR) {
			ret = 2;
			break;
		}
		if (rc < 0 || after_step(r, line) < 0) {
			ret = 1;
			break;
		}
	}
	if (!ret && final_pictures(r, label) < 0)
		ret = 1;
	if (!ret)
		printf("end steps=%d\n", r->step);
out:
	fflush(stdout);
	/* Sleepers still asleep end with the process; their files stay open. */
	if (!r->nsleepers)
		close_all(r);
	mp_names_free(&r->nm);
	free(r->fd);
	free(copy);
	free(r);
	return ret;
}

// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * Scenarios: small scripts run in this process on a minipoll instance (or,
 * for comparison, on the real epoll), with the instance's state dumped
 * after every step.
 *
 * The script language, one command per line ('#' starts a comment line;
 * " -- text" at the end of a command is its caption):
 *
 *	pipe NAME		a pipe: NAME is the read end, NAME.w the write end
 *	socketpair NAME		AF_UNIX stream pair: NAME and its peer NAME.w
 *	tcp NAME		TCP over loopback: NAME the accepted side, NAME.w
 *				the client
 *	eventfd NAME		an eventfd (NAME.w is the same file)
 *	instance NAME		another instance (on the real epoll: an epoll),
 *				itself a target that can be added
 *	add TARGET EVENTS [@INST]	EPOLL_CTL_ADD, data names the target;
 *				EVENTS like in,et or EPOLLIN|EPOLLET
 *	mod TARGET EVENTS [@INST]	EPOLL_CTL_MOD
 *	del TARGET [@INST]	EPOLL_CTL_DEL
 *	write NAME [BYTES]	BYTES (default 1) into NAME from its other end
 *				(an eventfd: adds BYTES to its counter)
 *	read NAME [BYTES]	read up to BYTES (default all there is) at NAME
 *	hup NAME		close NAME's other end
 *	close TARGET		close TARGET's fd
 *	wait MAX [@INST]	wait with maxevents MAX and timeout 0, print events
 *	sleeper [@INST]		a thread that waits without timeout for 1 event
 *	settle			let woken sleepers return (until the waiter counts
 *				agree with the sleepers still asleep)
 *	pause SECONDS		sleep, with everything open (for -p from outside)
 *	show			nothing; a step to draw
 *
 * INST defaults to "main", the instance every scenario starts with.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <minipoll.h>

#include "api.h"
#include "epoll_names.h"
#include "minipoll-inspect.h"
#include "tool.h"

#define MAX_OBJS	32
#define MAX_INSTS	8
#define MAX_SLEEPERS	8
#define MAX_TOKENS	8
#define MAX_EVENTS	64
#define NAME_LEN	24

/* Commands return 0, -1 (a step failed), or one of these (exit status 2). */
#define ARGS_ERR	-2	/* wrong number of words */
#define SCRIPT_ERR	-3	/* unknown command, name or events */

/* The built-in scenarios, in the script language above. */
static const struct {
	const char *name;
	const char *about;
	const char *text;
} scenarios[] = {
	{ "lt-et-oneshot", "level- and edge-triggered and one-shot items side by side",
	  "pipe lt\n"
	  "pipe et\n"
	  "pipe os\n"
	  "add lt in -- lt: level-triggered EPOLLIN; an entry on the pipe's reader queue\n"
	  "add et in,et -- et: edge-triggered (EPOLLET)\n"
	  "add os in,oneshot -- os: one-shot (EPOLLONESHOT)\n"
	  "write lt -- a byte into pipe lt: its callback puts lt on the ready list\n"
	  "write et -- et's callback: et joins the ready list behind lt\n"
	  "write os -- os's callback: os joins at the tail\n"
	  "wait 8 -- one wait takes all three; lt (level-triggered) goes back on the list\n"
	  "wait 8 -- only lt again: et had its edge, os is disarmed\n"
	  "write et -- a new byte, a new edge: et is queued again\n"
	  "write os -- os is disarmed: its callback ignores the wakeup\n"
	  "mod os in,oneshot -- EPOLL_CTL_MOD re-arms os; its data is there, so it is queued\n"
	  "wait 8 -- delivered in ready-list order: lt, et, os\n" },
	{ "nesting", "an instance watching another instance",
	  "instance inner\n"
	  "pipe p\n"
	  "add p in @inner -- the inner instance watches pipe p\n"
	  "add inner in -- main watches inner: main's item hangs on inner's poll queue\n"
	  "write p -- p's callback queues p on inner; inner wakes its poll queue: main's item\n"
	  "wait 4 -- main delivers inner (EPOLLIN): inner has something ready\n"
	  "wait 4 @inner -- inner delivers p\n"
	  "read p -- p drained\n"
	  "wait 4 -- main: inner is re-polled and has nothing ready now, so nothing\n" },
	{ "exclusive", "EPOLLEXCLUSIVE: one wakeup for two instances on one eventfd",
	  "eventfd e\n"
	  "instance other\n"
	  "add e in,exclusive -- main hangs an exclusive entry on e's queue\n"
	  "add e in,exclusive @other -- other hangs a second exclusive entry on the same queue\n"
	  "sleeper -- a thread sleeps in main\n"
	  "sleeper @other -- a thread sleeps in other\n"
	  "write e -- e's queue is walked: main's callback wakes main's sleeper, and the walk stops there\n"
	  "settle -- main's sleeper returned; other's still sleeps, its item saw no callback\n" },
	{ "sockets", "data arriving on TCP and UNIX sockets",
	  "tcp t\n"
	  "socketpair u\n"
	  "add t in,rdhup -- the accepted TCP socket, for input and the peer's shutdown\n"
	  "add u in,out -- u is writable at once: EPOLL_CTL_ADD itself queues it\n"
	  "write t 5 -- 5 bytes arrive on t: TCP wakes the socket's queue, the callback queues t\n"
	  "wait 8 -- u and t, in the order they were queued\n"
	  "read t -- t drained; t went back on the ready list after its delivery (level-triggered) and stays there until a wait polls it again\n"
	  "hup t -- the client closes: EPOLLIN|EPOLLRDHUP\n"
	  "wait 8\n" },
	{ "shared", "one pipe watched by two instances and from both ends",
	  "pipe p\n"
	  "instance other\n"
	  "add p in -- main watches the read end: an entry on the pipe's reader queue\n"
	  "add p in @other -- other watches the same file: a second entry on the same queue\n"
	  "add p.w out -- the write end polls the pipe's writer queue: another queue\n"
	  "write p -- the reader queue is woken: both instances' callbacks queue p\n"
	  "wait 8\n"
	  "wait 8 @other\n" },
};

enum obj_kind { OBJ_PIPE, OBJ_SOCKPAIR, OBJ_TCP, OBJ_EVENTFD, OBJ_INSTANCE };

struct object {
	char name[NAME_LEN];
	enum obj_kind kind;
	int fd;			/* the end that is watched by name */
	int wfd;		/* the other end (NAME.w); fd for an eventfd */
	int inst;		/* OBJ_INSTANCE: index in run.insts */
};

struct run {
	const struct mpi_run_opts *o;
	const struct mp_api *impl;	/* minipoll, or the real epoll */
	struct object objs[MAX_OBJS];
	int nobjs;
	int insts[MAX_INSTS];	/* object index of each instance; 0 is main */
	int ninsts;
	pthread_t sleepers[MAX_SLEEPERS];
	int nsleepers;
	int woken;		/* sleepers whose wait returned (atomic) */
	int step;
	char caption[512];
	char name_buf[NAME_LEN + 4];
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

/* ---- objects and names ---- */

/* data of an item: which object, and whether its other end. */
static unsigned long long obj_data(int obj, bool other)
{
	return (unsigned long long)obj * 2 + other;
}

static const char *target_name(void *ctx, unsigned long long data)
{
	struct run *r = ctx;
	unsigned long long obj = data / 2;

	if (obj >= (unsigned long long)r->nobjs)
		return NULL;
	snprintf(r->name_buf, sizeof(r->name_buf), "%s%s", r->objs[obj].name,
		 data & 1 ? ".w" : "");
	return r->name_buf;
}

static int find_obj(struct run *r, const char *name)
{
	int i;

	for (i = 0; i < r->nobjs; i++)
		if (!strcmp(r->objs[i].name, name))
			return i;
	return -1;
}

/* TARGET ("a" or "a.w") to its object and end; -1 if unknown. */
static int resolve(struct run *r, const char *target, bool *other)
{
	char name[NAME_LEN];
	size_t len = strlen(target);

	*other = len > 2 && !strcmp(target + len - 2, ".w");
	if (*other)
		len -= 2;
	if (len >= sizeof(name))
		return -1;
	memcpy(name, target, len);
	name[len] = '\0';
	return find_obj(r, name);
}

static int new_obj(struct run *r, const char *name, enum obj_kind kind)
{
	struct object *ob;

	if (r->nobjs == MAX_OBJS) {
		mpi_err("step %d: more than %d objects", r->step, MAX_OBJS);
		return -1;
	}
	if (strlen(name) >= NAME_LEN || strchr(name, '.') || find_obj(r, name) >= 0) {
		mpi_err("step %d: bad or duplicate name '%s'", r->step, name);
		return SCRIPT_ERR;
	}
	ob = &r->objs[r->nobjs];
	memset(ob, 0, sizeof(*ob));
	snprintf(ob->name, sizeof(ob->name), "%s", name);
	ob->kind = kind;
	ob->fd = -1;
	ob->wfd = -1;
	ob->inst = -1;
	return r->nobjs++;
}

static int tcp_pair(int *server, int *client)
{
	struct sockaddr_in sa;
	int lfd, c = -1, s = -1;

	lfd = mp_tcp_listen(&sa, 1, SOCK_CLOEXEC);
	if (lfd < 0)
		return -1;
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto out;
	s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
out:
	close(lfd);
	if (s < 0) {
		int err = errno;

		if (c >= 0)
			close(c);
		errno = err;
		return -1;
	}
	*server = s;
	*client = c;
	return 0;
}

static int make_obj(struct run *r, enum obj_kind kind, const char *name)
{
	int i = new_obj(r, name, kind), fds[2];
	struct object *ob;

	if (i < 0)
		return i;
	ob = &r->objs[i];
	switch (kind) {
	case OBJ_PIPE:
		if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
			goto fail;
		ob->fd = fds[0];
		ob->wfd = fds[1];
		break;
	case OBJ_SOCKPAIR:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			       0, fds) < 0)
			goto fail;
		ob->fd = fds[0];
		ob->wfd = fds[1];
		break;
	case OBJ_TCP:
		if (tcp_pair(&ob->fd, &ob->wfd) < 0)
			goto fail;
		break;
	case OBJ_EVENTFD:
		ob->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (ob->fd < 0)
			goto fail;
		ob->wfd = ob->fd;
		break;
	case OBJ_INSTANCE:
		if (r->ninsts == MAX_INSTS) {
			errno = EMFILE;
			goto fail;
		}
		ob->fd = r->impl->create1(EPOLL_CLOEXEC);
		if (ob->fd < 0)
			goto fail;
		ob->inst = r->ninsts;
		r->insts[r->ninsts++] = i;
		break;
	}
	return 0;
fail:
	mpi_err("step %d: creating %s: %s%s", r->step, name, strerror(errno),
		kind == OBJ_INSTANCE && errno == ENOENT ?
		" (the minipoll module is not loaded: no " MINIPOLL_DEVICE ")" : "");
	return -1;
}

/* ---- dumping and drawing ---- */

static void free_dumps(struct mpi_dump *ds, int n)
{
	int k;

	for (k = 0; k < n; k++)
		mpi_dump_free(&ds[k]);
}

/* Dump every instance into ds; 0, or -1 after a message. */
static int dump_all(struct run *r, struct mpi_dump *ds)
{
	int k, ret;

	for (k = 0; k < r->ninsts; k++) {
		struct object *ob = &r->objs[r->insts[k]];

		memset(&ds[k], 0, sizeof(ds[k]));
		ret = mpi_dump_fetch(ob->fd, &ds[k]);
		if (ret < 0) {
			mpi_err("step %d: dumping instance %s: %s", r->step,
				ob->name, mpi_dump_strerror(ob->fd, -ret));
			free_dumps(ds, k);
			return -1;
		}
		snprintf(ds[k].name, sizeof(ds[k].name), "%s", ob->name);
		ds[k].target_name = target_name;
		ds[k].ctx = r;
	}
	return 0;
}

/* Instances watched by instances: edges from their poll queue. */
static int links_of(struct run *r, struct mpi_link *links)
{
	int n = 0, k, i;

	for (k = 0; k < r->ninsts; k++)
		for (i = 0; i < r->ninsts; i++) {
			if (i == k)
				continue;
			links[n].from = k;
			links[n].to = i;
			links[n].data = obj_data(r->insts[i], false);
			n++;
		}
	return n;
}

static int draw(struct run *r, struct mpi_dump *ds, const char *caption,
		const char *dot_path, const char *out, const char *format)
{
	struct mpi_link links[MAX_INSTS * MAX_INSTS];
	int n = links_of(r, links);

	return mpi_draw(ds, r->ninsts, links, n, caption, dot_path, out, format);
}

/* After a step: print the state and draw the step's picture. */
static int after_step(struct run *r, const char *cmd)
{
	struct mpi_dump ds[MAX_INSTS];
	char caption[1024], dot[4096], out[4096];
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
		if (!strcmp(r->o->format, "dot"))
			ret = draw(r, ds, caption, dot, NULL, NULL);
		else
			ret = draw(r, ds, caption, dot, out, r->o->format);
		if (!ret && !r->o->quiet)
			printf("# picture %s\n", strcmp(r->o->format, "dot") ? out : dot);
	}
	free_dumps(ds, r->ninsts);
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
	if (o->dot_path || o->png_path)
		ret = draw(r, ds, caption, o->dot_path, o->png_path, "png");
	if (!ret && o->svg_path)
		ret = draw(r, ds, caption, NULL, o->svg_path, "svg");
	free_dumps(ds, r->ninsts);
	return ret;
}

/* ---- the commands ---- */

/* "@NAME" to an instance's fd; "main" without one. */
static int inst_fd(struct run *r, const char *at, const char **name)
{
	int i;

	if (!at) {
		*name = r->objs[r->insts[0]].name;
		return r->objs[r->insts[0]].fd;
	}
	i = find_obj(r, at + 1);
	if (i < 0 || r->objs[i].kind != OBJ_INSTANCE) {
		mpi_err("step %d: no instance '%s'", r->step, at + 1);
		return SCRIPT_ERR;
	}
	*name = r->objs[i].name;
	return r->objs[i].fd;
}

static int cmd_ctl(struct run *r, int op, char **tok, int ntok, const char *at)
{
	struct epoll_event ev = { 0 };
	const char *iname;
	int obj, mpfd, fd, ret;
	uint32_t events = 0;
	bool other;

	if (ntok != (op == EPOLL_CTL_DEL ? 2 : 3))
		return ARGS_ERR;
	mpfd = inst_fd(r, at, &iname);
	if (mpfd < 0)
		return mpfd;
	obj = resolve(r, tok[1], &other);
	if (obj < 0) {
		mpi_err("step %d: no target '%s'", r->step, tok[1]);
		return SCRIPT_ERR;
	}
	fd = other ? r->objs[obj].wfd : r->objs[obj].fd;
	if (op != EPOLL_CTL_DEL && mp_events_parse(tok[2], &events) < 0) {
		mpi_err("step %d: bad events '%s'", r->step, tok[2]);
		return SCRIPT_ERR;
	}
	ev.events = events;
	ev.data.u64 = obj_data(obj, other);
	ret = r->impl->ctl(mpfd, op, fd, &ev);
	printf("ctl step=%d instance=%s target=%s ret=%d errno=%s\n", r->step,
	       iname, tok[1], ret, ret < 0 ? strerrorname_np(errno) : "0");
	return 0;
}

static int cmd_wait(struct run *r, char **tok, int ntok, const char *at)
{
	struct epoll_event evs[MAX_EVENTS];
	char buf[160];
	const char *iname;
	int mpfd, max, n, i;

	if (ntok != 2)
		return ARGS_ERR;
	max = atoi(tok[1]);
	if (max < 1 || max > MAX_EVENTS) {
		mpi_err("step %d: maxevents must be 1 to %d", r->step, MAX_EVENTS);
		return SCRIPT_ERR;
	}
	mpfd = inst_fd(r, at, &iname);
	if (mpfd < 0)
		return mpfd;
	n = r->impl->wait(mpfd, evs, max, 0);
	printf("wait step=%d instance=%s max=%d ret=%d errno=%s\n", r->step,
	       iname, max, n, n < 0 ? strerrorname_np(errno) : "0");
	for (i = 0; i < n; i++) {
		const char *name = target_name(r, evs[i].data.u64);

		printf("event step=%d instance=%s n=%d target=%s events=%s\n",
		       r->step, iname, i, name ? name : "?",
		       mp_events_str(evs[i].events, buf, sizeof(buf)));
	}
	return 0;
}

static int cmd_io(struct run *r, char **tok, int ntok, bool writing)
{
	char buf[4096];
	struct object *ob;
	int obj, fd;
	size_t len;
	bool other;
	ssize_t n;

	if (ntok < 2 || ntok > 3)
		return ARGS_ERR;
	obj = resolve(r, tok[1], &other);
	if (obj < 0 || r->objs[obj].kind == OBJ_INSTANCE) {
		mpi_err("step %d: no file '%s' to %s", r->step, tok[1],
			writing ? "write" : "read");
		return SCRIPT_ERR;
	}
	ob = &r->objs[obj];
	/* Writing to NAME comes from its other end, and the reverse. */
	fd = (writing != other) ? ob->wfd : ob->fd;
	len = ntok == 3 ? strtoul(tok[2], NULL, 0) : (writing ? 1 : sizeof(buf));
	if (len > sizeof(buf))
		len = sizeof(buf);
	if (ob->kind == OBJ_EVENTFD) {
		uint64_t v = ntok == 3 ? len : 1;

		n = writing ? write(fd, &v, sizeof(v)) : read(fd, &v, sizeof(v));
	} else if (writing) {
		memset(buf, 'x', len);
		n = write(fd, buf, len);
	} else {
		n = read(fd, buf, len);
	}
	printf("%s step=%d target=%s ret=%zd errno=%s\n",
	       writing ? "write" : "read", r->step, tok[1], n,
	       n < 0 ? strerrorname_np(errno) : "0");
	return 0;
}

static int cmd_close(struct run *r, char **tok, int ntok, bool hup)
{
	struct object *ob;
	bool other;
	int obj, *fdp;

	if (ntok != 2)
		return ARGS_ERR;
	obj = resolve(r, tok[1], &other);
	if (obj < 0) {
		mpi_err("step %d: no target '%s'", r->step, tok[1]);
		return SCRIPT_ERR;
	}
	ob = &r->objs[obj];
	fdp = (hup != other) ? &ob->wfd : &ob->fd;
	if (ob->kind == OBJ_EVENTFD || ob->kind == OBJ_INSTANCE) {
		mpi_err("step %d: cannot %s '%s'", r->step, hup ? "hup" : "close",
			tok[1]);
		return SCRIPT_ERR;
	}
	printf("close step=%d fd=%s ret=%d\n", r->step, tok[1], close(*fdp));
	*fdp = -1;
	return 0;
}

struct sleeper_arg {
	const struct mp_api *impl;
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

/* Wait until the instance's waiter count reaches want (up to ~5 s). */
static void await_waiters(struct run *r, int fd, unsigned int want)
{
	int i;

	for (i = 0; i < 500; i++) {
		struct mpi_dump d = { 0 };
		bool ok;

		if (mpi_dump_fetch(fd, &d) < 0)
			return;
		ok = d.hdr.nr_waiters >= want;
		mpi_dump_free(&d);
		if (ok)
			return;
		nap(10);
	}
	mpi_err("step %d: the sleeper did not go to sleep", r->step);
}

static int cmd_sleeper(struct run *r, int ntok, const char *at)
{
	struct sleeper_arg *a;
	const char *iname;
	unsigned int before = 0;
	int fd;

	if (ntok != 1)
		return ARGS_ERR;
	if (r->nsleepers == MAX_SLEEPERS) {
		mpi_err("step %d: at most %d sleepers", r->step, MAX_SLEEPERS);
		return -1;
	}
	fd = inst_fd(r, at, &iname);
	if (fd < 0)
		return fd;
	if (!r->o->epoll) {
		struct mpi_dump d = { 0 };

		if (mpi_dump_fetch(fd, &d) == 0)
			before = d.hdr.nr_waiters;
		mpi_dump_free(&d);
	}
	a = malloc(sizeof(*a));
	if (!a)
		return -1;
	a->impl = r->impl;
	a->fd = fd;
	a->woken = &r->woken;
	if (pthread_create(&r->sleepers[r->nsleepers], NULL, sleeper_main, a)) {
		free(a);
		mpi_err("step %d: pthread_create failed", r->step);
		return -1;
	}
	pthread_detach(r->sleepers[r->nsleepers++]);
	if (r->o->epoll)
		nap(100);
	else
		await_waiters(r, fd, before + 1);
	printf("sleeper step=%d instance=%s\n", r->step, iname);
	return 0;
}

/*
 * Let woken sleepers return: a short pause, then (on minipoll) until the
 * instances' waiter counts add up to the sleepers not yet returned.
 */
static int cmd_settle(struct run *r)
{
	int i, k;

	nap(100);
	for (i = 0; i < 500 && !r->o->epoll; i++) {
		unsigned int waiters = 0;

		for (k = 0; k < r->ninsts; k++) {
			struct mpi_dump d = { 0 };

			if (mpi_dump_fetch(r->objs[r->insts[k]].fd, &d) == 0)
				waiters += d.hdr.nr_waiters;
			mpi_dump_free(&d);
		}
		if ((int)waiters == r->nsleepers -
		    __atomic_load_n(&r->woken, __ATOMIC_SEQ_CST))
			break;
		nap(10);
	}
	printf("settle step=%d woken=%d\n", r->step,
	       __atomic_load_n(&r->woken, __ATOMIC_SEQ_CST));
	return 0;
}

/* Split line into tokens in place; the caption goes to r->caption. */
static int tokenize(struct run *r, char *line, char **tok)
{
	char *cap = strstr(line, " -- "), *save, *t;
	int n = 0;

	r->caption[0] = '\0';
	if (cap) {
		*cap = '\0';
		snprintf(r->caption, sizeof(r->caption), "%s", cap + 4);
	}
	for (t = strtok_r(line, " \t", &save); t && n < MAX_TOKENS;
	     t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	return t ? -1 : n;
}

static int run_cmd(struct run *r, char **tok, int ntok)
{
	static const struct {
		const char *word;
		enum obj_kind kind;
	} makers[] = {
		{ "pipe", OBJ_PIPE }, { "socketpair", OBJ_SOCKPAIR },
		{ "tcp", OBJ_TCP }, { "eventfd", OBJ_EVENTFD },
		{ "instance", OBJ_INSTANCE },
	};
	const char *at = NULL;
	size_t i;

	if (ntok > 1 && tok[ntok - 1][0] == '@')
		at = tok[--ntok];
	for (i = 0; i < sizeof(makers) / sizeof(makers[0]); i++)
		if (!strcmp(tok[0], makers[i].word))
			return ntok == 2 ? make_obj(r, makers[i].kind, tok[1]) : ARGS_ERR;
	if (!strcmp(tok[0], "add"))
		return cmd_ctl(r, EPOLL_CTL_ADD, tok, ntok, at);
	if (!strcmp(tok[0], "mod"))
		return cmd_ctl(r, EPOLL_CTL_MOD, tok, ntok, at);
	if (!strcmp(tok[0], "del"))
		return cmd_ctl(r, EPOLL_CTL_DEL, tok, ntok, at);
	if (!strcmp(tok[0], "wait"))
		return cmd_wait(r, tok, ntok, at);
	if (!strcmp(tok[0], "write") || !strcmp(tok[0], "read"))
		return cmd_io(r, tok, ntok, tok[0][0] == 'w');
	if (!strcmp(tok[0], "close") || !strcmp(tok[0], "hup"))
		return cmd_close(r, tok, ntok, tok[0][0] == 'h');
	if (!strcmp(tok[0], "sleeper"))
		return cmd_sleeper(r, ntok, at);
	if (!strcmp(tok[0], "settle"))
		return ntok == 1 ? cmd_settle(r) : ARGS_ERR;
	if (!strcmp(tok[0], "pause")) {
		if (ntok != 2)
			return ARGS_ERR;
		fflush(stdout);
		nap(atol(tok[1]) * 1000L);
		return 0;
	}
	if (!strcmp(tok[0], "show"))
		return ntok == 1 ? 0 : ARGS_ERR;
	mpi_err("step %d: unknown command '%s'", r->step, tok[0]);
	return SCRIPT_ERR;
}

/* Trim the line's ends; NULL for blank lines and comments. */
static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '#')
		return NULL;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static void close_all(struct run *r)
{
	int i;

	for (i = r->nobjs - 1; i >= 0; i--) {
		struct object *ob = &r->objs[i];

		if (ob->wfd >= 0 && ob->wfd != ob->fd)
			close(ob->wfd);
		if (ob->fd >= 0)
			close(ob->fd);
	}
}

/*
 * Run a script: text in the language above, label its name in messages
 * and captions. Returns 0, 1 when a step failed, 2 for a script error.
 */
int mpi_run_script(const char *label, const char *text,
		   const struct mpi_run_opts *o)
{
	struct run *r = calloc(1, sizeof(*r));
	char *copy = strdup(text), *line, *save, *tok[MAX_TOKENS];
	int ret = 0, lineno = 0, ntok;

	if (!r || !copy) {
		mpi_err("out of memory");
		free(r);
		free(copy);
		return 1;
	}
	r->o = o;
	r->impl = o->epoll ? &mp_api_epoll : &mp_api_minipoll;
	if (o->steps_dir && mkdir(o->steps_dir, 0755) < 0 && errno != EEXIST) {
		mpi_err("%s: %s", o->steps_dir, strerror(errno));
		ret = 1;
		goto out;
	}
	printf("scenario %s on %s\n", label, o->epoll ? "epoll" : "minipoll");
	/* Step 0 creates the instance every scenario starts with. */
	if (make_obj(r, OBJ_INSTANCE, "main") < 0) {
		ret = 1;
		goto out;
	}
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char cmd[512];
		int rc;

		lineno++;
		line = trim(line);
		if (!line)
			continue;
		r->step++;
		ntok = tokenize(r, line, tok);
		if (ntok <= 0) {
			mpi_err("%s:%d: too many words", label, lineno);
			ret = 2;
			break;
		}
		cmd[0] = '\0';
		for (int i = 0; i < ntok; i++)
			snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd),
				 "%s%s", i ? " " : "", tok[i]);
		printf("step %d: %s\n", r->step, cmd);
		if (r->caption[0])
			printf("# %s\n", r->caption);
		rc = run_cmd(r, tok, ntok);
		if (rc == ARGS_ERR)
			mpi_err("%s:%d: wrong number of arguments for '%s'",
				label, lineno, tok[0]);
		if (rc == ARGS_ERR || rc == SCRIPT_ERR) {
			ret = 2;
			break;
		}
		if (rc < 0 || after_step(r, cmd) < 0) {
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
	free(copy);
	free(r);
	return ret;
}

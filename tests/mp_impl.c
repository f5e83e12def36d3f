// SPDX-License-Identifier: GPL-2.0
/*
 * mp_impl.c: implementations, transcripts, runs and helpers of the
 * differential test kit (see mp_impl.h).
 *
 * This file does not include kselftest_harness.h: the harness defines
 * globals, and every test program includes it once already.
 */
#define MP_IMPL_NO_HARNESS
#include "mp_impl.h"

#include <ctype.h>
#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <arpa/inet.h>

#include "minipoll.h"

/* ------------------------------------------------------------------------ */
/* Implementations */

/*
 * Mutants: epoll with one deliberate bug each, to check that the scenarios
 * notice. MP_MUTANT=name makes the minipoll variant run one instead of
 * minipoll (see tests/README.md). Never used otherwise.
 */
static const char *mutant;

static int mut_errno(int r)
{
	if (r < 0 && mutant && !strcmp(mutant, "errno"))
		errno = errno == EINVAL ? EBADF : EINVAL;
	return r;
}

static uint32_t mut_flags(uint32_t e)
{
	if (!mutant)
		return e;
	if (!strcmp(mutant, "no-et"))
		e &= ~EPOLLET;
	if (!strcmp(mutant, "no-oneshot"))
		e &= ~EPOLLONESHOT;
	if (!strcmp(mutant, "no-exclusive"))
		e &= ~EPOLLEXCLUSIVE;
	return e;
}

static int mut_events(int n, struct epoll_event *evs)
{
	struct epoll_event tmp;
	int i;

	if (n <= 0 || !mutant)
		return mut_errno(n);
	if (!strcmp(mutant, "reverse"))
		for (i = 0; i < n / 2; i++) {
			tmp = evs[i];
			evs[i] = evs[n - 1 - i];
			evs[n - 1 - i] = tmp;
		}
	if (!strcmp(mutant, "drop-last"))
		n--;
	if (!strcmp(mutant, "no-rdhup"))
		for (i = 0; i < n; i++)
			evs[i].events &= ~EPOLLRDHUP;
	return n;
}

static int mut_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct epoll_event copy;

	if (ev && op != EPOLL_CTL_DEL && (uintptr_t)ev > 4096 && (uintptr_t)ev < (1ULL << 47)) {
		copy = *ev;
		copy.events = mut_flags(copy.events);
		ev = &copy;
	}
	return mut_errno(epoll_ctl(epfd, op, fd, ev));
}

static int mut_wait(int epfd, struct epoll_event *evs, int max, int timeout)
{
	return mut_events(epoll_wait(epfd, evs, max, timeout), evs);
}

static int mut_pwait(int epfd, struct epoll_event *evs, int max, int timeout,
		     const sigset_t *sigmask)
{
	return mut_events(epoll_pwait(epfd, evs, max, timeout, sigmask), evs);
}

static int mut_pwait2(int epfd, struct epoll_event *evs, int max, const struct timespec *ts,
		      const sigset_t *sigmask)
{
	return mut_events(epoll_pwait2(epfd, evs, max, ts, sigmask), evs);
}

static int mut_pwait_raw(int epfd, struct epoll_event *evs, int max, int timeout, bool use_ts,
			 const struct timespec *ts, const void *sigmask, size_t sigsetsize)
{
	return mut_events(mp_epoll.pwait_raw(epfd, evs, max, timeout, use_ts, ts, sigmask, sigsetsize),
			  evs);
}

static int mut_create(int size)
{
	return mut_errno(epoll_create(size));
}

static int mut_create1(int flags)
{
	return mut_errno(epoll_create1(flags));
}

const struct mp_impl mp_mutant = MP_IMPL("mutant", mut, mut_pwait_raw);

const struct mp_impl *mp_variant_impl(const struct mp_impl *impl)
{
	mutant = getenv("MP_MUTANT");
	if (mutant && !*mutant)
		mutant = NULL;
	return impl == &mp_minipoll && mutant ? &mp_mutant : impl;
}

bool mp_have_minipoll(void)
{
	struct stat st;

	return stat("/dev/minipoll", &st) == 0 && S_ISCHR(st.st_mode);
}

bool mp_verbose(void)
{
	const char *v = getenv("MP_VERBOSE");

	return v && *v && strcmp(v, "0");
}

/* ------------------------------------------------------------------------ */
/* Transcripts */

void tr_printf(struct mp_tr *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len >= t->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	t->len += (size_t)n < t->cap - t->len ? (size_t)n : t->cap - t->len - 1;
}

void tr_tag(struct mp_tr *t, int fd, const char *name)
{
	if (fd >= 0 && fd < 64)
		snprintf(t->tags[fd], sizeof(t->tags[fd]), "%s", name);
}

static const struct {
	int err;
	const char *name;
} errnames[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" }, { EINTR, "EINTR" },
	{ EIO, "EIO" }, { ENXIO, "ENXIO" }, { E2BIG, "E2BIG" }, { EBADF, "EBADF" },
	{ ECHILD, "ECHILD" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
	{ EFAULT, "EFAULT" }, { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
	{ ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" }, { EINVAL, "EINVAL" }, { ENFILE, "ENFILE" },
	{ EMFILE, "EMFILE" }, { ENOTTY, "ENOTTY" }, { ENOSPC, "ENOSPC" }, { ESPIPE, "ESPIPE" },
	{ EPIPE, "EPIPE" }, { ERANGE, "ERANGE" }, { ELOOP, "ELOOP" }, { ENOSYS, "ENOSYS" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { ECONNREFUSED, "ECONNREFUSED" },
	{ ECONNRESET, "ECONNRESET" }, { ENOTCONN, "ENOTCONN" }, { EINPROGRESS, "EINPROGRESS" },
	{ EOVERFLOW, "EOVERFLOW" }, { ENOTSOCK, "ENOTSOCK" }, { ETIMEDOUT, "ETIMEDOUT" },
};

const char *mp_errname(int err)
{
	static __thread char buf[24];
	unsigned int i;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].err == err)
			return errnames[i].name;
	snprintf(buf, sizeof(buf), "errno%d", err);
	return buf;
}

void tr_ret(struct mp_tr *t, int line, const char *what, long ret, int err)
{
	if (ret == -1)
		tr_printf(t, "%d: %s = -1 %s\n", line, what, mp_errname(err));
	else
		tr_printf(t, "%d: %s = %ld\n", line, what, ret);
}

void tr_events(struct mp_tr *t, int line, const char *what, long ret, int err,
	       const struct epoll_event *evs, int nevs)
{
	char buf[160];
	long i;

	tr_ret(t, line, what, ret, err);
	for (i = 0; i < ret && i < nevs && evs; i++)
		tr_printf(t, "    [%ld] %s data=%#llx\n", i,
			  mp_evstr(evs[i].events, buf, sizeof(buf)),
			  (unsigned long long)evs[i].data.u64);
	if (ret > nevs)
		tr_printf(t, "    (returned %ld > the %d the buffer holds)\n", ret, nevs);
}

void tr_require_failed(struct mp_tr *t, int line, const char *cond, int err)
{
	tr_printf(t, "%d: SETUP FAILED: REQUIRE(%s), errno %s\n", line, cond, mp_errname(err));
	t->aborted = true;
}

/*
 * fdinfo normalization. The header's mnt_id: and ino: belong to the instance
 * itself (anon inode or device node) and are dropped; pos: and flags: stay.
 * In "tfd:" lines, the target inode and superblock dev are replaced by
 * I0, I1, ... and D0, D1, ... in order of first appearance, so that equal
 * targets still show as equal; all else (spacing included) stays as the
 * kernel printed it.
 */
struct fdline {
	int tfd;
	int seq;
	char text[256];
};

/* By tfd; equal tfds (one number, several files) by events and data. */
static int fdline_cmp(const void *a, const void *b)
{
	const struct fdline *x = a, *y = b;
	const char *px = strstr(x->text, "  pos:"), *py = strstr(y->text, "  pos:");
	size_t lx = px ? (size_t)(px - x->text) : strlen(x->text);
	size_t ly = py ? (size_t)(py - y->text) : strlen(y->text);
	int c;

	if (x->tfd != y->tfd)
		return x->tfd < y->tfd ? -1 : 1;
	c = memcmp(x->text, y->text, lx < ly ? lx : ly);
	if (c || lx != ly)
		return c ? c : (lx < ly ? -1 : 1);
	return x->seq - y->seq;
}

static void subst_token(char *line, const char *key, char (*seen)[24], int *nseen, char prefix)
{
	char *p = strstr(line, key), *end;
	char tok[24], rep[24], rest[256];
	int i;

	if (!p)
		return;
	p += strlen(key);
	end = p;
	while (*end && !isspace((unsigned char)*end))
		end++;
	snprintf(tok, sizeof(tok), "%.*s", (int)(end - p), p);
	for (i = 0; i < *nseen; i++)
		if (!strcmp(seen[i], tok))
			break;
	if (i == *nseen && *nseen < 64)
		snprintf(seen[(*nseen)++], 24, "%s", tok);
	snprintf(rep, sizeof(rep), "%c%d", prefix, i);
	snprintf(rest, sizeof(rest), "%s", end);
	snprintf(p, 256 - (p - line), "%s%s", rep, rest);
}

void tr_fdinfo(struct mp_tr *t, int line, int epfd, bool sorted)
{
	static struct fdline lines[4096];
	char path[64], buf[250];
	char inos[64][24], devs[64][24];
	int nino = 0, ndev = 0, n = 0, i;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", epfd);
	f = fopen(path, "re");
	if (!f) {
		tr_printf(t, "%d: fdinfo: open: %s\n", line, mp_errname(errno));
		return;
	}
	tr_printf(t, "%d: fdinfo%s:\n", line, sorted ? " (sorted by tfd)" : "");
	while (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = 0;
		if (!strncmp(buf, "tfd:", 4)) {
			if (n < 4096) {
				lines[n].tfd = atoi(buf + 4);
				lines[n].seq = n;
				snprintf(lines[n].text, sizeof(lines[n].text), "%s", buf);
				n++;
			}
		} else if (!strncmp(buf, "pos:", 4) || !strncmp(buf, "flags:", 6)) {
			tr_printf(t, "    %s\n", buf);
		}
	}
	fclose(f);
	if (sorted)
		qsort(lines, n, sizeof(lines[0]), fdline_cmp);
	for (i = 0; i < n; i++) {
		subst_token(lines[i].text, " ino:", inos, &nino, 'I');
		subst_token(lines[i].text, " sdev:", devs, &ndev, 'D');
		tr_printf(t, "    %s\n", lines[i].text);
	}
	tr_printf(t, "    (%d items)\n", n);
}

/* ------------------------------------------------------------------------ */
/* Runs */

#define TR_CAP (4u << 20)

static struct mp_tr *tr_new_shared(const struct mp_impl *impl)
{
	void *m = mmap(NULL, sizeof(struct mp_tr) + TR_CAP, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct mp_tr *t;

	if (m == MAP_FAILED) {
		perror("mmap");
		abort();
	}
	t = m;
	memset(t, 0, sizeof(*t));
	t->buf = (char *)m + sizeof(*t);
	t->cap = TR_CAP;
	t->I = impl;
	return t;
}

static char *tr_take(struct mp_tr *t)
{
	char *s = malloc(t->len + 1);

	memcpy(s, t->buf, t->len);
	s[t->len] = 0;
	munmap(t, sizeof(struct mp_tr) + TR_CAP);
	return s;
}

int mp_next_fd(void)
{
	int fd = fcntl(0, F_DUPFD_CLOEXEC, 0);

	if (fd < 0) {
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
	}
	close(fd);
	return fd;
}

/* Wait for a run; returns a line saying how it ended. */
static void run_wait(pid_t pid, int timeout, char *how, size_t len)
{
	long deadline = mp_now_ms() + timeout * 1000L;
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			snprintf(how, len, "end: waitpid: %s\n", mp_errname(errno));
			return;
		}
		if (mp_now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			snprintf(how, len, "end: HUNG, killed after %d s\n", timeout);
			return;
		}
		usleep(5000);
	}
	if (WIFEXITED(status))
		snprintf(how, len, "end: exit %d\n", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(how, len, "end: killed by signal %d (%s)\n", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(how, len, "end: status %#x\n", status);
}

static void result_of(struct mp_result *res, struct mp_tr *t)
{
	res->setup_failed = t->aborted;
	res->skipped = t->skipped;
	snprintf(res->skip_reason, sizeof(res->skip_reason), "%s", t->skip_reason);
}

/*
 * A run on minipoll must really be on minipoll: a library that fell back to
 * epoll would make every comparison pass. Says so in the transcript if not.
 */
static void check_is_minipoll(struct mp_tr *t, const struct mp_impl *impl)
{
	struct stat st;
	int fd;

	if (impl != &mp_minipoll)
		return;
	fd = impl->create1(EPOLL_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISCHR(st.st_mode))
		tr_printf(t, "NOT ON MINIPOLL: create1() gave no /dev/minipoll instance\n");
	if (fd >= 0)
		close(fd);
}

/* Fork a scenario's run: the child ignores SIGPIPE (a closed peer is an EPIPE to record). */
static pid_t run_fork(void)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		abort();
	}
	if (pid == 0)
		signal(SIGPIPE, SIG_IGN);
	return pid;
}

char *mp_run(const struct mp_impl *impl, mp_scenario_fn fn, int timeout, struct mp_result *res)
{
	struct mp_tr *t = tr_new_shared(impl);
	char how[128];
	pid_t pid;

	pid = run_fork();
	if (pid == 0) {
		check_is_minipoll(t, impl);
		fn(t, impl);
		if (!t->aborted && !t->skipped)
			tr_printf(t, "next free fd: %d\n", mp_next_fd());
		_exit(t->aborted ? 3 : 0);
	}
	run_wait(pid, timeout, how, sizeof(how));
	tr_printf(t, "%s", how);
	result_of(res, t);
	return tr_take(t);
}

void mp_run_paired(const struct mp_impl *impl, mp_paired_fn fn, int timeout,
		   char **out_epoll, char **out_impl, struct mp_result *res)
{
	struct mp_tr *t[2] = { tr_new_shared(&mp_epoll), tr_new_shared(impl) };
	const struct mp_impl *I[2] = { &mp_epoll, impl };
	char how[128];
	pid_t pid;

	pid = run_fork();
	if (pid == 0) {
		check_is_minipoll(t[1], impl);
		fn(t, I);
		_exit(t[0]->aborted || t[1]->aborted ? 3 : 0);
	}
	run_wait(pid, timeout, how, sizeof(how));
	tr_printf(t[0], "%s", how);
	tr_printf(t[1], "%s", how);
	result_of(res, t[0]);
	*out_epoll = tr_take(t[0]);
	*out_impl = tr_take(t[1]);
}

void mp_in_child(struct mp_tr *t, void (*fn)(struct mp_tr *t, void *arg), void *arg)
{
	char how[128];
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		tr_printf(t, "fork: %s\n", mp_errname(errno));
		t->aborted = true;
		return;
	}
	if (pid == 0) {
		fn(t, arg);
		_exit(0);
	}
	run_wait(pid, MP_RUN_TIMEOUT, how, sizeof(how));
	tr_printf(t, "child %s", how);
}

/* ------------------------------------------------------------------------ */
/* Diff */

struct lines {
	const char **l;
	size_t *len;
	int n;
};

static void split_lines(const char *s, struct lines *out)
{
	const char *p;
	int n = 0, cap = 64;

	out->l = malloc(cap * sizeof(*out->l));
	out->len = malloc(cap * sizeof(*out->len));
	for (p = s; *p; ) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (n == cap) {
			cap *= 2;
			out->l = realloc(out->l, cap * sizeof(*out->l));
			out->len = realloc(out->len, cap * sizeof(*out->len));
		}
		out->l[n] = p;
		out->len[n] = len;
		n++;
		p += len + (e ? 1 : 0);
	}
	out->n = n;
}

static bool line_eq(const struct lines *a, int i, const struct lines *b, int j)
{
	return a->len[i] == b->len[j] && !memcmp(a->l[i], b->l[j], a->len[i]);
}

static void emit_line(void (*emit)(void *, const char *), void *ctx, char mark,
		      const struct lines *x, int i)
{
	char buf[600];

	snprintf(buf, sizeof(buf), "%c %.*s", mark, (int)(x->len[i] > 590 ? 590 : x->len[i]),
		 x->l[i]);
	emit(ctx, buf);
}

void mp_diff(const char *sa, const char *sb, const char *name_a, const char *name_b,
	     void (*emit)(void *ctx, const char *line), void *ctx)
{
	struct lines a, b;
	int pre = 0, suf = 0, n, m, i, j, ctxl = 3;
	unsigned short *lcs = NULL;
	char buf[160];

	split_lines(sa, &a);
	split_lines(sb, &b);
	while (pre < a.n && pre < b.n && line_eq(&a, pre, &b, pre))
		pre++;
	while (suf < a.n - pre && suf < b.n - pre &&
	       line_eq(&a, a.n - 1 - suf, &b, b.n - 1 - suf))
		suf++;
	n = a.n - pre - suf;
	m = b.n - pre - suf;
	snprintf(buf, sizeof(buf), "--- %s", name_a);
	emit(ctx, buf);
	snprintf(buf, sizeof(buf), "+++ %s", name_b);
	emit(ctx, buf);
	for (i = pre - ctxl < 0 ? 0 : pre - ctxl; i < pre; i++)
		emit_line(emit, ctx, ' ', &a, i);
	if ((long)n * m <= 4000000 && n < 65535 && m < 65535)
		lcs = calloc((size_t)(n + 1) * (m + 1), sizeof(*lcs));
	if (lcs) {
		/* lcs[i][j]: LCS length of a[pre+i..] and b[pre+j..] */
#define L(i, j) lcs[(size_t)(i) * (m + 1) + (j)]
		for (i = n - 1; i >= 0; i--)
			for (j = m - 1; j >= 0; j--)
				L(i, j) = line_eq(&a, pre + i, &b, pre + j) ? L(i + 1, j + 1) + 1 :
					  (L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1));
		i = j = 0;
		while (i < n || j < m) {
			if (i < n && j < m && line_eq(&a, pre + i, &b, pre + j)) {
				emit_line(emit, ctx, ' ', &a, pre + i);
				i++, j++;
			} else if (j < m && (i == n || L(i, j + 1) >= L(i + 1, j))) {
				emit_line(emit, ctx, '+', &b, pre + j++);
			} else {
				emit_line(emit, ctx, '-', &a, pre + i++);
			}
		}
#undef L
		free(lcs);
	} else {
		for (i = 0; i < n; i++)
			emit_line(emit, ctx, '-', &a, pre + i);
		for (j = 0; j < m; j++)
			emit_line(emit, ctx, '+', &b, pre + j);
	}
	for (i = a.n - suf; i < a.n && i < a.n - suf + ctxl; i++)
		emit_line(emit, ctx, ' ', &a, i);
	free(a.l);
	free(a.len);
	free(b.l);
	free(b.len);
}

void mp_each_line(const char *s, void (*emit)(void *ctx, const char *line), void *ctx)
{
	struct lines x;
	int i;

	split_lines(s, &x);
	for (i = 0; i < x.n; i++)
		emit_line(emit, ctx, ' ', &x, i);
	free(x.l);
	free(x.len);
}

/* ------------------------------------------------------------------------ */
/* Targets */

struct epoll_event mp_ev(uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return ev;
}

void mp_close_fds(const int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int mp_fill(int fd)
{
	static char buf[65536];
	int total = 0;
	ssize_t n;

	for (;;) {
		n = write(fd, buf, sizeof(buf));
		if (n < 0 && errno == EAGAIN) {
			/* A pipe may still take less than a page: write small. */
			n = write(fd, buf, 1);
			if (n <= 0)
				break;
		}
		if (n <= 0)
			break;
		total += n;
	}
	return total;
}

int mp_drain(int fd)
{
	char buf[65536];
	int total = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	return total;
}

int mp_put(int fd, const char *s)
{
	return write(fd, s, strlen(s));
}

uint64_t mp_efd_read(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

int mp_efd_write(int fd, uint64_t v)
{
	return write(fd, &v, sizeof(v)) == sizeof(v) ? 0 : -1;
}

int mp_tmpdir(char *buf, size_t len)
{
	static const char *const bases[] = { "/tmp", "/dev/shm", "/run" };
	unsigned int i;

	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		snprintf(buf, len, "%s/minipoll-test.XXXXXX", bases[i]);
		if (mkdtemp(buf))
			return 0;
	}
	return -1;
}

short mp_await(int fd, short mask, int ms)
{
	long deadline = mp_now_ms() + ms;
	struct pollfd pfd = { .fd = fd, .events = mask };

	for (;;) {
		long left = deadline - mp_now_ms();

		pfd.revents = 0;
		if (poll(&pfd, 1, left > 0 ? (int)(left < 20 ? left : 20) : 0) > 0 &&
		    (pfd.revents & mask))
			return pfd.revents;
		if (left <= 0)
			return pfd.revents;
	}
}

int mp_await_backlog(int listener, int n, int ms)
{
	long deadline = mp_now_ms() + ms;
	struct tcp_info ti;
	socklen_t len;

	for (;;) {
		len = sizeof(ti);
		/* for a listener, tcpi_unacked is the accept queue's length */
		if (!getsockopt(listener, IPPROTO_TCP, TCP_INFO, &ti, &len) &&
		    (int)ti.tcpi_unacked >= n)
			return 0;
		if (mp_now_ms() > deadline)
			return -1;
		mp_msleep(5);
	}
}

long mp_read_knob(const char *path)
{
	FILE *f = fopen(path, "re");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

bool mp_write_knob(const char *path, long v)
{
	FILE *f = fopen(path, "we");
	bool ok;

	if (!f)
		return false;
	ok = fprintf(f, "%ld\n", v) > 0;
	return fclose(f) == 0 && ok;
}

int mp_raise_nofile(int want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	if (rl.rlim_cur >= (rlim_t)want)
		return 0;
	if (rl.rlim_max < (rlim_t)want) {
		rl.rlim_max = want;	/* root may raise the hard limit */
	}
	rl.rlim_cur = want;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

/* ------------------------------------------------------------------------ */
/* Time and threads */

void mp_msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

long mp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

int mp_settle_ms(void)
{
	const char *v = getenv("MP_SETTLE_MS");

	return v && atoi(v) > 0 ? atoi(v) : 300;
}

pid_t mp_gettid(void)
{
	return syscall(SYS_gettid);
}

static bool poll_syscall(long nr)
{
	return nr == SYS_epoll_wait || nr == SYS_epoll_pwait || nr == SYS_epoll_pwait2 ||
	       nr == SYS_ioctl || nr == SYS_poll || nr == SYS_ppoll || nr == SYS_select ||
	       nr == SYS_pselect6;
}

bool mp_wait_blocked(pid_t tid)
{
	char path[64], buf[512], *p;
	long deadline = mp_now_ms() + 20000;
	bool seen = false;
	FILE *f;

	while (mp_now_ms() < deadline) {
		char state = 0;
		long nr = -1;

		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
		f = fopen(path, "re");
		if (!f)
			break;
		if (fgets(buf, sizeof(buf), f)) {
			p = strrchr(buf, ')');
			if (p && p[1] == ' ')
				state = p[2];
		}
		fclose(f);
		snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
		f = fopen(path, "re");
		if (!f)
			break;
		if (fgets(buf, sizeof(buf), f) && isdigit((unsigned char)buf[0]))
			nr = atol(buf);
		fclose(f);
		if (state == 'S' && poll_syscall(nr)) {
			seen = true;
			break;
		}
		mp_msleep(10);
	}
	mp_msleep(seen ? 50 : mp_settle_ms());
	return seen;
}

pthread_t mp_thread(void *(*fn)(void *), void *arg)
{
	pthread_t th;

	if (pthread_create(&th, NULL, fn, arg)) {
		perror("pthread_create");
		abort();
	}
	return th;
}

void *mp_join(pthread_t th)
{
	void *ret = NULL;

	pthread_join(th, &ret);
	return ret;
}

int mp_forbid_ioctl(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOTRECOVERABLE),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

int mp_watch_pipes(int mpfd, int (*q)[2], int n, uint32_t events, uint64_t base,
		   const char *put)
{
	int i;

	for (i = 0; i < n; i++) {
		if (mp_pipe(q[i]) || minipoll_ctl(mpfd, EPOLL_CTL_ADD, q[i][0], EV(events, base + i)))
			return -1;
		if (put && mp_put(q[i][1], put) != (int)strlen(put))
			return -1;
	}
	return 0;
}

void mp_close_pipes(int (*q)[2], int n)
{
	int i;

	for (i = 0; i < n; i++) {
		close(q[i][0]);
		close(q[i][1]);
	}
}

int mp_ring_or_wait(const struct mp_impl *I, struct minipoll_ring *r, int ep,
		    struct epoll_event *evs, int max, int timeout)
{
	if (I == &mp_minipoll)
		return minipoll_ring_wait(r, evs, max, timeout);
	return I->wait(ep, evs, max, timeout);
}

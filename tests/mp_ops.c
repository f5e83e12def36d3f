// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mp_ops.c: the operation language of mp_ops.h, parsed and printed, and
 * the files its steps make.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include "mp_ops.h"

const char *const mp_op_kinds[OP_NR] = {
	"inst", "pipe", "unix", "udp", "tcp", "eventfd", "timerfd", "signalfd", "file",
	"ctl", "wait", "write", "fill", "read", "shutdown", "close", "dup", "dup2",
	"timer", "kill", "fdinfo", "poll", "fork", "endfork", "sleeper", "settle",
	"pause", "show",
};

const int mp_op_ndefs[OP_NR] = {
	[OP_INST] = 1, [OP_PIPE] = 2, [OP_UNIX] = 2, [OP_UDP] = 2, [OP_TCP] = 2,
	[OP_EVENTFD] = 1, [OP_TIMERFD] = 1, [OP_SIGNALFD] = 1, [OP_FILE] = 1,
	[OP_DUP] = 1,
};

const int mp_op_nrefs[OP_NR] = {
	[OP_CTL] = 2, [OP_WAIT] = 1, [OP_WRITE] = 1, [OP_FILL] = 1, [OP_READ] = 1,
	[OP_SHUTDOWN] = 1, [OP_CLOSE] = 1, [OP_DUP] = 1, [OP_DUP2] = 2, [OP_TIMER] = 1,
	[OP_FDINFO] = 1, [OP_POLL] = 1, [OP_SLEEPER] = 1,
};

static const char *const inst_var[] = { "cloexec", "plain", "badflags", "size1", "size0",
					"sizeneg", NULL };
static const char *const unix_var[] = { "stream", "dgram", "seqpacket", NULL };
static const char *const timerfd_var[] = { "monotonic", "realtime", "boottime", NULL };
static const char *const signalfd_var[] = { "usr1", "usr2", "both", NULL };
static const char *const file_var[] = { "memfd", "dir", "opath", "devnull", NULL };
static const char *const shutdown_var[] = { "rd", "wr", "rdwr", NULL };
static const char *const timer_var[] = { "arm", "disarm", NULL };
static const char *const kill_var[] = { "usr1", "usr2", NULL };

const char *const *const mp_op_vars[OP_NR] = {
	[OP_INST] = inst_var, [OP_UNIX] = unix_var, [OP_TIMERFD] = timerfd_var,
	[OP_SIGNALFD] = signalfd_var, [OP_FILE] = file_var, [OP_SHUTDOWN] = shutdown_var,
	[OP_TIMER] = timer_var, [OP_KILL] = kill_var,
};

static const char *const via_var[] = { "wait", "pwait", "pwait-empty", "pwait-full",
				       "pwait2", "pwait2-empty", "pwait2-neg-nsec",
				       "pwait2-neg-sec", "pwait2-big-nsec", "raw-ss4",
				       "raw-ss16", NULL };
static const char *const buf_var[] = { "ok", "null", "ro", "kernel", "tail2", NULL };
static const char *const evptr_var[] = { "ok", "null", "kernel", NULL };

static bool parse_events(const char *s, uint32_t *out)
{
	char buf[256], *tok, *save;
	uint32_t e = 0;
	unsigned int i;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
		for (i = 0; i < mp_nevnames; i++)
			if (!strcmp(tok, mp_evnames[i].name))
				break;
		if (i < mp_nevnames)
			e |= mp_evnames[i].bit;
		else if (isdigit((unsigned char)tok[0]))
			e |= (uint32_t)strtoul(tok, NULL, 0);
		else
			return false;
	}
	*out = e;
	return true;
}

const char *mp_var_name(const char *const *vars, int i)
{
	int n = 0;

	while (vars[n])
		n++;
	return i >= 0 && i < n ? vars[i] : "?";
}

static int var_find(const char *const *vars, const char *s)
{
	int i;

	for (i = 0; vars[i]; i++)
		if (!strcmp(vars[i], s))
			return i;
	return -1;
}

void mp_names_free(struct mp_names *nm)
{
	int i;

	for (i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
	nm->v = NULL;
	nm->n = 0;
}

/* A name's handle number, numbering it if it is new; -1 if not a name. */
static int name_handle(struct mp_names *nm, const char *s)
{
	const char *p;
	int i;

	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return -1;
	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return -1;
	for (i = 0; i < nm->n; i++)
		if (!strcmp(nm->v[i], s))
			return i;
	nm->v = realloc(nm->v, (nm->n + 1) * sizeof(*nm->v));
	nm->v[nm->n] = strdup(s);
	return nm->n++;
}

static const char *handle_str(int h, const struct mp_names *nm, const int *map, char *buf,
			      size_t len)
{
	if (!map && nm && h < nm->n)
		return nm->v[h];
	snprintf(buf, len, "h%d", map ? map[h] : h);
	return buf;
}

const char *mp_ref_str(const struct mp_ref *r, const struct mp_names *nm, char *buf,
		       size_t len)
{
	if (r->h >= 0)
		return handle_str(r->h, nm, NULL, buf, len);
	snprintf(buf, len, "fd=%d", r->raw);
	return buf;
}

static const char *ctl_op_name(int op, char *buf, size_t len)
{
	switch (op) {
	case EPOLL_CTL_ADD: return "ADD";
	case EPOLL_CTL_MOD: return "MOD";
	case EPOLL_CTL_DEL: return "DEL";
	}
	snprintf(buf, len, "op=%d", op);
	return buf;
}

void mp_op_str(const struct mp_op *o, const struct mp_names *nm, const int *map,
	       char *buf, size_t len)
{
	char a[64], b[64], d[64], evs[160], opn[24];
	size_t off;
	int i;

	off = snprintf(buf, len, "%s", mp_op_kinds[o->kind]);
	for (i = 0; i < mp_op_ndefs[o->kind] && o->kind != OP_DUP; i++)
		off += snprintf(buf + off, len - off, " %s",
				handle_str(o->def[i], nm, map, d, sizeof(d)));
	for (i = 0; i < 2; i++) {
		char *s = i ? b : a;

		if (map && o->ref[i].h >= 0)
			handle_str(o->ref[i].h, nm, map, s, sizeof(a));
		else
			snprintf(s, sizeof(a), "%s", mp_ref_str(&o->ref[i], nm, d, sizeof(d)));
	}
	switch (o->kind) {
	case OP_EVENTFD:
		snprintf(buf + off, len - off, " init=%llu%s", (unsigned long long)o->val,
			 o->via ? " sem" : "");
		break;
	case OP_CTL:
		snprintf(buf + off, len - off, " %s %s %s events=%s data=%#llx%s%s", a,
			 ctl_op_name(o->arg, opn, sizeof(opn)), b,
			 mp_evstr(o->events, evs, sizeof(evs)), (unsigned long long)o->val,
			 o->via ? " evptr=" : "", o->via ? mp_var_name(evptr_var, o->via) : "");
		break;
	case OP_WAIT:
		snprintf(buf + off, len - off, " %s max=%d via=%s buf=%s", a, o->arg,
			 mp_var_name(via_var, o->via), mp_var_name(buf_var, o->buf));
		break;
	case OP_WRITE:
		snprintf(buf + off, len - off, " %s val=%llu", a, (unsigned long long)o->val);
		break;
	case OP_READ:
		snprintf(buf + off, len - off, " %s len=%d", a, o->arg);
		break;
	case OP_DUP:
		snprintf(buf + off, len - off, " %s %s", a,
			 handle_str(o->def[0], nm, map, d, sizeof(d)));
		break;
	case OP_DUP2:
		snprintf(buf + off, len - off, " %s %s", a, b);
		break;
	case OP_KILL:
		snprintf(buf + off, len - off, " %s", mp_var_name(mp_op_vars[o->kind], o->arg));
		break;
	case OP_PAUSE:
		snprintf(buf + off, len - off, " sec=%d", o->arg);
		break;
	default:
		if (mp_op_nrefs[o->kind] >= 1)
			off += snprintf(buf + off, len - off, " %s", a);
		if (mp_op_vars[o->kind])
			snprintf(buf + off, len - off, " %s",
				 mp_var_name(mp_op_vars[o->kind], o->arg));
		break;
	}
}

void mp_op_init(struct mp_op *o, int kind)
{
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->def[0] = o->def[1] = -1;
	o->ref[0].h = o->ref[1].h = -1;
}

/* A key=value or keyword word of kind's op into o; false if it is neither. */
static bool parse_setting(struct mp_op *o, int kind, const char *tok, bool *have_data)
{
	int v;

	if (!strcmp(tok, "ADD")) {
		o->arg = EPOLL_CTL_ADD;
	} else if (!strcmp(tok, "MOD")) {
		o->arg = EPOLL_CTL_MOD;
	} else if (!strcmp(tok, "DEL")) {
		o->arg = EPOLL_CTL_DEL;
	} else if (!strncmp(tok, "op=", 3)) {
		o->arg = (int)strtol(tok + 3, NULL, 0);
	} else if (!strncmp(tok, "events=", 7)) {
		return parse_events(tok + 7, &o->events);
	} else if (!strncmp(tok, "data=", 5) || !strncmp(tok, "val=", 4) ||
		   !strncmp(tok, "init=", 5)) {
		o->val = strtoull(strchr(tok, '=') + 1, NULL, 0);
		*have_data = true;
	} else if (!strncmp(tok, "evptr=", 6)) {
		return (o->via = var_find(evptr_var, tok + 6)) >= 0;
	} else if (!strncmp(tok, "max=", 4) || !strncmp(tok, "len=", 4) ||
		   !strncmp(tok, "sec=", 4)) {
		o->arg = (int)strtol(tok + 4, NULL, 0);
	} else if (!strncmp(tok, "via=", 4)) {
		return (o->via = var_find(via_var, tok + 4)) >= 0;
	} else if (!strncmp(tok, "buf=", 4)) {
		return (o->buf = var_find(buf_var, tok + 4)) >= 0;
	} else if (!strcmp(tok, "sem") && kind == OP_EVENTFD) {
		o->via = 1;
	} else if (mp_op_vars[kind] && (v = var_find(mp_op_vars[kind], tok)) >= 0) {
		o->arg = v;
	} else {
		return false;
	}
	return true;
}

int mp_op_parse(char *line, struct mp_op *o, struct mp_names *nm, const char **caption)
{
	char buf[1024], *tok, *save, *p, *cap;
	int kind, nrefs = 0, ndefs = 0, h;
	bool have_data = false;

	line[strcspn(line, "\r\n")] = 0;
	cap = strstr(line, " -- ");
	*caption = "";
	if (cap) {
		*cap = 0;
		*caption = cap + 4;
	}
	snprintf(buf, sizeof(buf), "%s", line);
	p = buf;
	while (*p == ' ' || *p == '\t')
		p++;
	/* "  12: op ..." as the reports number them */
	if (isdigit((unsigned char)*p)) {
		char *e;

		strtol(p, &e, 10);
		if (*e == ':')
			p = e + 1;
	}
	tok = strtok_r(p, " \t", &save);
	if (!tok || tok[0] == '#')
		return 0;
	for (kind = 0; kind < OP_NR; kind++)
		if (!strcmp(tok, mp_op_kinds[kind]))
			break;
	if (kind == OP_NR)
		return -1;
	mp_op_init(o, kind);
	o->arg = kind == OP_CTL ? EPOLL_CTL_ADD : -1;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		if (!strncmp(tok, "fd=", 3)) {
			if (nrefs >= 2)
				return -1;
			o->ref[nrefs].h = -1;
			o->ref[nrefs++].raw = (int)strtol(tok + 3, NULL, 0);
		} else if (parse_setting(o, kind, tok, &have_data)) {
			continue;
		} else if (strchr(tok, '=') || (h = name_handle(nm, tok)) < 0) {
			return -1;
		} else if (kind == OP_DUP ? nrefs >= 1 : mp_op_ndefs[kind] > 0) {
			if (ndefs >= 2)
				return -1;
			o->def[ndefs++] = h;
		} else {
			if (nrefs >= 2)
				return -1;
			o->ref[nrefs++].h = h;
		}
	}
	if (ndefs != mp_op_ndefs[kind] || nrefs != mp_op_nrefs[kind])
		return -1;
	if (o->arg < 0 && mp_op_vars[kind])
		return -1;
	if (kind == OP_CTL && !have_data && o->ref[1].h >= 0)
		o->val = o->ref[1].h;
	return 1;
}

/* ---- the files the steps make ---- */

int mp_pipe(int p[2])
{
	return pipe2(p, O_NONBLOCK | O_CLOEXEC);
}

int mp_socketpair(int type, int sv[2])
{
	return socketpair(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv);
}

int mp_tcp_listener(int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int one = 1, fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len)) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int mp_tcp_connect(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) || set_nonblock(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

int mp_tcp_pair(int *client, int *server)
{
	int port, l, c, s;

	l = mp_tcp_listener(&port);
	if (l < 0)
		return -1;
	c = mp_tcp_connect(port);
	if (c < 0) {
		close(l);
		return -1;
	}
	s = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	close(l);
	if (s < 0) {
		close(c);
		return -1;
	}
	*client = c;
	*server = s;
	return 0;
}

int mp_udp_pair(int *a, int *b)
{
	struct sockaddr_in sa = { .sin_family = AF_INET }, sb = sa;
	socklen_t len = sizeof(sa);
	int x, y;

	sa.sin_addr.s_addr = sb.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	x = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	y = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (x < 0 || y < 0)
		goto fail;
	if (bind(x, (struct sockaddr *)&sa, sizeof(sa)) ||
	    bind(y, (struct sockaddr *)&sb, sizeof(sb)))
		goto fail;
	if (getsockname(x, (struct sockaddr *)&sa, &len))
		goto fail;
	len = sizeof(sb);
	if (getsockname(y, (struct sockaddr *)&sb, &len))
		goto fail;
	if (connect(x, (struct sockaddr *)&sb, sizeof(sb)) ||
	    connect(y, (struct sockaddr *)&sa, sizeof(sa)))
		goto fail;
	*a = x;
	*b = y;
	return 0;
fail:
	if (x >= 0)
		close(x);
	if (y >= 0)
		close(y);
	return -1;
}

static long make_inst(const struct mp_op *o, int (*create1)(int), int (*create)(int),
		      const char **what)
{
	static const char *const whats[] = { "create1(CLOEXEC)", "create1(0)", "create1(1)",
					     "create(1)", "create(0)", "create(-1)" };
	static const int args[] = { EPOLL_CLOEXEC, 0, 1, 1, 0, -1 };

	*what = whats[o->arg];
	return o->arg < 3 ? create1(args[o->arg]) : create(args[o->arg]);
}

static long make_file(const struct mp_op *o, const char **what)
{
	static const char *const whats[] = { "memfd", "open dir", "open O_PATH",
					     "open /dev/null" };

	*what = whats[o->arg];
	switch (o->arg) {
	case 0: return memfd_create("fuzz", MFD_CLOEXEC);
	case 1: return open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	case 2: return open("/", O_PATH | O_CLOEXEC);
	}
	return open("/dev/null", O_RDWR | O_CLOEXEC);
}

long mp_op_make(const struct mp_op *o, int (*create1)(int flags), int (*create)(int size),
		int fds[2], const char **what)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	static const int clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME };
	sigset_t mask;
	long ret;

	switch (o->kind) {
	case OP_INST:
		ret = make_inst(o, create1, create, what);
		break;
	case OP_PIPE:
		*what = "pipe";
		return mp_pipe(fds);
	case OP_UNIX:
		*what = "socketpair";
		return mp_socketpair(types[o->arg], fds);
	case OP_UDP:
		*what = "udp pair";
		return mp_udp_pair(&fds[0], &fds[1]);
	case OP_TCP:
		*what = "tcp pair";
		return mp_tcp_pair(&fds[0], &fds[1]);
	case OP_EVENTFD:
		*what = "eventfd";
		ret = eventfd((unsigned int)o->val, EFD_NONBLOCK | EFD_CLOEXEC |
			      (o->via ? EFD_SEMAPHORE : 0));
		break;
	case OP_TIMERFD:
		*what = "timerfd";
		ret = timerfd_create(clocks[o->arg], TFD_NONBLOCK | TFD_CLOEXEC);
		break;
	case OP_SIGNALFD:
		*what = "signalfd";
		sigemptyset(&mask);
		if (o->arg != 1)
			sigaddset(&mask, SIGUSR1);
		if (o->arg != 0)
			sigaddset(&mask, SIGUSR2);
		ret = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
		break;
	case OP_FILE:
		ret = make_file(o, what);
		break;
	default:
		*what = mp_op_kinds[o->kind];
		errno = EINVAL;
		return -1;
	}
	fds[0] = (int)ret;
	return ret;
}

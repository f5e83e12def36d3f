/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * mp_ops.h: the operation language in which fuzz_test's sequences and
 * minipoll-inspect's scenarios are written: one operation per line, parsed
 * into struct mp_op and printed back the same way. Plain C, no test
 * harness: minipoll-inspect compiles mp_ops.c too (hence the licence, the
 * tests' and one the tool's own allows).
 *
 * A line is a kind, then words in any order: handles (a name the line
 * defines or uses: h0, lt, p.w), raw fd numbers (fd=N), variant keywords
 * and key=value settings. '#' starts a comment line; "N:" in front (as
 * reports number the steps) is skipped; " -- text" at the end is the
 * step's caption, for whoever shows the step.
 *
 *   inst h0 cloexec|plain|badflags|size1|size0|sizeneg
 *   pipe h1 h2 | unix h3 h4 stream|dgram|seqpacket | udp h5 h6
 *   tcp h7 h8 (client, accepted side)
 *   eventfd h9 init=N [sem] | timerfd h10 monotonic|realtime|boottime
 *   signalfd h11 usr1|usr2|both | file h12 memfd|dir|opath|devnull
 *   ctl h0 ADD|MOD|DEL|op=N h1 events=IN|ET [data=0x5] [evptr=null|kernel]
 *	(data defaults to the target's handle number, so that delivered
 *	events name their target)
 *   wait h0 max=N [via=wait|pwait|...] [buf=ok|null|ro|kernel|tail2]
 *   write h2 [val=N] (8 bytes, the value) | fill h2 | read h1 [len=N]
 *   shutdown h7 rd|wr|rdwr | close h1 | dup h1 h13 | dup2 h1 h9
 *   timer h10 arm|disarm | kill usr1|usr2 | fdinfo h0 | poll h0
 *   fork ... endfork		(the steps between run in a child)
 *   sleeper h0			a thread waiting in h0 without timeout
 *   settle			let what the last steps started come to rest
 *   pause sec=N | show		sleep with everything open; nothing
 */
#ifndef MP_OPS_H
#define MP_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mp_evnames.h"

enum mp_op_kind {
	OP_INST, OP_PIPE, OP_UNIX, OP_UDP, OP_TCP, OP_EVENTFD, OP_TIMERFD,
	OP_SIGNALFD, OP_FILE,
	OP_CTL, OP_WAIT, OP_WRITE, OP_FILL, OP_READ, OP_SHUTDOWN, OP_CLOSE,
	OP_DUP, OP_DUP2, OP_TIMER, OP_KILL, OP_FDINFO, OP_POLL, OP_FORK,
	OP_ENDFORK, OP_SLEEPER, OP_SETTLE, OP_PAUSE, OP_SHOW, OP_NR
};

/* By kind: its word, how many handles it defines, how many fds it uses. */
extern const char *const mp_op_kinds[OP_NR];
extern const int mp_op_ndefs[OP_NR];
extern const int mp_op_nrefs[OP_NR];
/* By kind: its variant keywords (the op's arg), NULL-terminated, or NULL. */
extern const char *const *const mp_op_vars[OP_NR];

/* wait: how (via=) and into what (buf=); ctl: the event pointer (evptr=) */
enum { V_WAIT, V_PWAIT, V_PWAIT_EMPTY, V_PWAIT_FULL, V_PWAIT2, V_PWAIT2_EMPTY,
       V_PWAIT2_NEGNSEC, V_PWAIT2_NEGSEC, V_PWAIT2_BIGNSEC, V_RAW_SS4, V_RAW_SS16 };
enum { B_OK, B_NULL, B_RO, B_KERNEL, B_TAIL2 };
enum { E_OK, E_NULL, E_KERNEL };

/* An fd operand: handle h (>= 0), or the raw number raw. */
struct mp_ref {
	int h;
	int raw;
};

struct mp_op {
	int kind;
	int def[2];		/* handles defined; -1: none */
	struct mp_ref ref[2];	/* fds used */
	int arg;		/* variant, ctl op, maxevents, read len, seconds */
	int via;		/* wait: V_*; ctl: E_*; eventfd: semaphore */
	int buf;		/* wait: B_* */
	uint32_t events;	/* ctl */
	uint64_t val;		/* ctl data, write value, eventfd initial value */
};

/* Handle names, by handle number: what a parsed sequence called them. */
struct mp_names {
	char **v;
	int n;
};

void mp_names_free(struct mp_names *nm);

/* The name of variant i in vars, "?" if out of range. */
const char *mp_var_name(const char *const *vars, int i);

void mp_op_init(struct mp_op *o, int kind);

/*
 * Parse one line into *o; handle names are numbered in nm in order of
 * appearance. line loses its caption (cut at " -- "), which *caption then
 * points to ("" without one). Returns 1 for an op, 0 for a line without
 * one (blank, comment), -1 for an error.
 */
int mp_op_parse(char *line, struct mp_op *o, struct mp_names *nm, const char **caption);

/*
 * One op as a line (no newline, no caption). Handles are printed as
 * h<map[h]> with map, else by their name in nm, else as h<h>.
 */
void mp_op_str(const struct mp_op *o, const struct mp_names *nm, const int *map,
	       char *buf, size_t len);

/* A handle's name as mp_op_str() prints it (without map). */
const char *mp_ref_str(const struct mp_ref *r, const struct mp_names *nm, char *buf,
		       size_t len);

/*
 * Make the files of a step of kind inst to file into fds[0] (and fds[1]
 * for a pair), non-blocking and close-on-exec, instances with create1 or
 * create. *what names the call for a transcript. Returns what the call
 * returned: a single file's fd, 0 for a pair, -1 with errno set.
 */
long mp_op_make(const struct mp_op *o, int (*create1)(int flags), int (*create)(int size),
		int fds[2], const char **what);

/* The files mp_op_make() makes, for tests that make their own. */
int mp_pipe(int p[2]);			/* O_NONBLOCK | O_CLOEXEC */
int mp_socketpair(int type, int sv[2]);	/* AF_UNIX, non-blocking */
int mp_tcp_listener(int *port);		/* 127.0.0.1, ephemeral port */
int mp_tcp_connect(int port);		/* blocking connect, then non-blocking */
int mp_tcp_pair(int *client, int *server);	/* connected, non-blocking */
int mp_udp_pair(int *a, int *b);	/* two connected UDP sockets on 127.0.0.1 */

#endif /* MP_OPS_H */

// SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
/*
 * minipoll-inspect: show a minipoll instance's insides - its rbtree with
 * the nodes' colours, the ready list and the overflow list in order, the
 * wait-queue entries of every item and the waiters - as text and as a
 * Graphviz picture.
 *
 * Two sources: a running program's instance (-p PID [-f FD]), taken with
 * pidfd_getfd(); or a scenario (-s NAME, --script FILE) run in this
 * process, dumped after every step, optionally one picture per step.
 * The text is one record per line ("kind key=value ..."), for people and
 * for tests; lines starting with '#' are commentary.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "minipoll-inspect.h"
#include "tool.h"

#define MAX_FDS	16

const char mp_prog[] = "minipoll-inspect";

static const char usage_text[] =
"usage: minipoll-inspect [OPTIONS] -p PID [-f FD]\n"
"       minipoll-inspect [OPTIONS] -f FD\n"
"       minipoll-inspect [OPTIONS] (-s NAME | --script FILE)\n"
"       minipoll-inspect --list\n"
"\n"
"Show a minipoll instance's state (MINIPOLL_IOC_DUMP): rbtree, ready list,\n"
"overflow list, wait-queue entries, waiters; as text on stdout and as a\n"
"Graphviz picture.\n"
"\n"
"  -p, --pid PID       the instances of process PID (all of them, or -f FD)\n"
"  -f, --fd FD         the instance at FD (of PID, else of this process)\n"
"  -s, --scenario NAME run a built-in scenario (see --list)\n"
"      --script FILE   run the scenario script in FILE (- for stdin)\n"
"      --epoll-order   run the scenario on the real epoll, print the results\n"
"                      and events only (no dumps: epoll has none)\n"
"      --steps DIR     one picture per scenario step: DIR/step-NN.png, .dot\n"
"      --format FMT    png (default), svg, or dot (the .dot files only),\n"
"                      for --steps\n"
"      --dot FILE      Graphviz source of the (final) state\n"
"      --png FILE      the picture as PNG (runs dot)\n"
"      --svg FILE      the picture as SVG (runs dot)\n"
"  -q, --quiet         no state on stdout (results and events only)\n"
"      --list          the built-in scenarios\n"
"  -h, --help          this text\n"
"\n"
"Exit status: 0 done; 1 an error (no module, no such process or fd, no\n"
"rights, not an instance, a failed step, dot failed); 2 bad usage.\n";

void mpi_err(const char *fmt, ...)
{
	va_list ap;

	/* The results printed so far come first where both go to one file. */
	fflush(stdout);
	va_start(ap, fmt);
	mp_vwarn(fmt, ap);
	va_end(ap);
}

static int usage_error(const char *msg)
{
	mpi_err("%s (see --help)", msg);
	return 2;
}

static int parse_int(const char *s, int *v)
{
	long l;

	if (mp_parse_long(s, 0, 0x7fffffff, &l) < 0)
		return -1;
	*v = (int)l;
	return 0;
}

/*
 * A script whole, read before it runs: its file holds no fd while the steps
 * make theirs, which are numbered as in a built-in scenario.
 */
static char *read_file(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	size_t cap = 0;
	char *buf = NULL;

	if (!f) {
		mpi_err("%s: %s", path, strerror(errno));
		return NULL;
	}
	/* To the end of the file: a NUL would end the script there anyway. */
	if (getdelim(&buf, &cap, '\0', f) < 0 && buf)
		buf[0] = '\0';
	if (f != stdin)
		fclose(f);
	if (!buf)
		mpi_err("out of memory");
	return buf;
}

/* Dump the instances at fds (this process's), print and draw them. */
static int inspect_fds(const int *fds, const int *their_fds, int n,
		       pid_t pid, const struct mpi_run_opts *o)
{
	struct mpi_dump ds[MAX_FDS];
	char caption[128];
	int k, ret = 0, got = 0;

	for (k = 0; k < n; k++) {
		int err = mpi_dump_fetch(fds[k], &ds[got]);

		if (err < 0) {
			if (pid)
				mpi_err("process %d fd %d: %s", (int)pid,
					their_fds[k], mpi_dump_strerror(fds[k], -err));
			else
				mpi_err("fd %d: %s", fds[k],
					mpi_dump_strerror(fds[k], -err));
			ret = 1;
			continue;
		}
		snprintf(ds[got].name, sizeof(ds[got].name), "fd%d", their_fds[k]);
		if (!o->quiet)
			mpi_render_text(stdout, &ds[got]);
		got++;
	}
	if (got) {
		snprintf(caption, sizeof(caption), "process %d", (int)(pid ? pid : getpid()));
		if (mpi_draw(ds, got, NULL, 0, caption, o->dot_path, o->png_path, "png") < 0)
			ret = 1;
		if (mpi_draw(ds, got, NULL, 0, caption, NULL, o->svg_path, "svg") < 0)
			ret = 1;
	}
	mpi_dump_free(ds, got);
	return ret;
}

static int inspect_pid(pid_t pid, int fd, const struct mpi_run_opts *o)
{
	int theirs[MAX_FDS], ours[MAX_FDS], n, k, ret;

	if (fd >= 0) {
		theirs[0] = fd;
		n = 1;
	} else {
		n = mpi_find_instances(pid, theirs, MAX_FDS);
		if (n < 0)
			return 1;
		if (!n) {
			mpi_err("process %d has no minipoll instance open", (int)pid);
			return 1;
		}
	}
	for (k = 0; k < n; k++) {
		ours[k] = mpi_borrow_fd(pid, theirs[k]);
		if (ours[k] < 0)
			return 1;
	}
	ret = inspect_fds(ours, theirs, n, pid, o);
	for (k = 0; k < n; k++)
		close(ours[k]);
	return ret;
}

int main(int argc, char **argv)
{
	enum { OPT_SCRIPT = 256, OPT_EPOLL, OPT_STEPS, OPT_FORMAT, OPT_DOT,
	       OPT_PNG, OPT_SVG, OPT_LIST };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "fd", required_argument, NULL, 'f' },
		{ "scenario", required_argument, NULL, 's' },
		{ "script", required_argument, NULL, OPT_SCRIPT },
		{ "epoll-order", no_argument, NULL, OPT_EPOLL },
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "dot", required_argument, NULL, OPT_DOT },
		{ "png", required_argument, NULL, OPT_PNG },
		{ "svg", required_argument, NULL, OPT_SVG },
		{ "quiet", no_argument, NULL, 'q' },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mpi_run_opts o = { .format = "png" };
	const char *scenario = NULL, *script = NULL;
	int pid = -1, fd = -1, c, ret;

	while ((c = getopt_long(argc, argv, "p:f:s:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_int(optarg, &pid) < 0 || pid == 0)
				return usage_error("-p needs a process id");
			break;
		case 'f':
			if (parse_int(optarg, &fd) < 0)
				return usage_error("-f needs a file descriptor number");
			break;
		case 's':
			scenario = optarg;
			break;
		case OPT_SCRIPT:
			script = optarg;
			break;
		case OPT_EPOLL:
			o.epoll = true;
			break;
		case OPT_STEPS:
			o.steps_dir = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "png") && strcmp(optarg, "svg") &&
			    strcmp(optarg, "dot"))
				return usage_error("--format is png, svg or dot");
			o.format = optarg;
			break;
		case OPT_DOT:
			o.dot_path = optarg;
			break;
		case OPT_PNG:
			o.png_path = optarg;
			break;
		case OPT_SVG:
			o.svg_path = optarg;
			break;
		case 'q':
			o.quiet = true;
			break;
		case OPT_LIST:
			mpi_scenario_list(stdout);
			return 0;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage_error("bad option");
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument");
	if ((scenario || script) && (pid > 0 || fd >= 0))
		return usage_error("a scenario or a process, not both");
	if (scenario && script)
		return usage_error("-s or --script, not both");
	if (!scenario && !script && pid < 0 && fd < 0)
		return usage_error("say what to inspect: -p, -f, -s or --script");
	if ((o.epoll || o.steps_dir) && !scenario && !script)
		return usage_error("--epoll-order and --steps need a scenario");

	if (scenario) {
		const char *text = mpi_scenario_text(scenario);

		if (!text) {
			mpi_err("no scenario '%s'; --list shows them", scenario);
			return 2;
		}
		return mpi_run_script(scenario, text, &o);
	}
	if (script) {
		char *text = read_file(script);

		if (!text)
			return 1;
		ret = mpi_run_script(script, text, &o);
		free(text);
		return ret;
	}
	if (pid > 0)
		return inspect_pid(pid, fd, &o);
	return inspect_fds(&fd, &fd, 1, 0, &o);
}

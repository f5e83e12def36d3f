#!/bin/sh
# SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
#
# mptrace-showcase.sh: the second half of `make demo`, run in the guest
# after minipoll-demo's step-by-step tour. One echo server, written against
# the epoll API (minipoll-echo), serves a burst of loopback clients on the
# real epoll and then on minipoll while mptrace counts, per instance and per
# second, the callbacks, wakeups and deliveries of each and the latency from
# a callback to the waiter's return; then minipoll-inspect draws a picture.
#
# usage: mptrace-showcase.sh BINDIR OUTDIR
#   BINDIR  where mptrace, minipoll-echo (and minipoll-inspect) are
#   OUTDIR  where the pictures go (created)
# Environment: SHOWCASE_CLIENTS (default 16), SHOWCASE_ROUNDS (default 300).
#
# Exit status: minipoll-echo's (0: every echo came back on both); a missing
# mptrace or minipoll-inspect only skips that part, with a message.

bin=${1:?usage: mptrace-showcase.sh BINDIR OUTDIR}
out=${2:?usage: mptrace-showcase.sh BINDIR OUTDIR}
clients=${SHOWCASE_CLIENTS:-16}
rounds=${SHOWCASE_ROUNDS:-300}

cat <<EOF

==============================================================================
 Showcase: the same echo server on the real epoll and on minipoll, traced
==============================================================================
minipoll-echo serves $clients loopback TCP clients, $rounds round trips each,
first on epoll, then on minipoll. mptrace watches both: epoll through kprobes
on ep_poll_callback, ep_autoremove_wake_function and do_epoll_wait/ctl,
minipoll through its tracepoints. Columns, per instance and per second:
  CALLBACKS   wake-up callbacks run on the instance's items (data arrived)
  WAKEUPS     sleeping waiters woken because events arrived
  DELIVERIES  events copied out to the waiter
  LAT_*       from the first callback to the waiter's return with events

EOF

status=0
if [ -x "$bin/mptrace" ]; then
	"$bin/mptrace" -i 1 -- "$bin/minipoll-echo" --both -c "$clients" -n "$rounds" ||
		status=$?
else
	echo "mptrace was not built (clang, bpftool or libbpf-dev missing: scripts/deps);"
	echo "running the servers untraced."
	"$bin/minipoll-echo" --both -c "$clients" -n "$rounds" || status=$?
fi

echo
mkdir -p "$out"
if [ -x "$bin/minipoll-inspect" ]; then
	# Data arriving on a TCP and a UNIX socket, drawn from a real instance:
	# the rbtree, the ready list and each item's wait-queue entries.
	if "$bin/minipoll-inspect" -q -s sockets --png "$out/sockets.png" \
		--dot "$out/sockets.dot" >"$out/sockets.txt" 2>&1; then
		echo "Pictures: $out/sockets.png (minipoll-inspect -s sockets: data arriving on"
		echo "          TCP and UNIX sockets; its steps in $out/sockets.txt)"
	else
		echo "Pictures: minipoll-inspect could not draw: $(tail -n1 "$out/sockets.txt")"
	fi
else
	echo "Pictures: none (minipoll-inspect was not built); they would go to $out/"
fi
exit $status

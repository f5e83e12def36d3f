#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mptrace_test.sh: mptrace counts what the echo server really did.
#
#   mptrace -j runs minipoll-echo on the real epoll and, when minipoll's
#   tracepoints exist, on minipoll. For each implementation the echo
#   server's instance must show callbacks, wakeups and latency samples, at
#   least 2 + CLIENTS ctl operations, and exactly as many deliveries as the
#   server's waits returned events (minipoll-echo prints that number),
#   and the fd the server holds the instance by, the same on both.
#   Then, if the module can be unloaded, mptrace must still trace epoll
#   without it (and say so), and the module is loaded again.
#
# SKIP: not root, no kernel BTF (the debug kernel has none) or no bpf(),
# mptrace not built; the minipoll half without its tracepoints, reported.
#
# Programs: $MPTRACE and $MINIPOLL_ECHO, else build/bin's (found from
# tests/, build/bin/tests or an installed kselftest dir), else $PATH.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=mp_lib.sh
. "$here/mp_lib.sh"
clients=4
rounds=50

fail() {
	echo "not ok: $*"
	exit 1
}

mptrace=$(mp_find_bin mptrace "${MPTRACE:-}")
echo_bin=$(mp_find_bin minipoll-echo "${MINIPOLL_ECHO:-}")

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root to load BPF programs"
	exit $ksft_skip
fi
if [ -z "$mptrace" ] || [ -z "$echo_bin" ]; then
	echo "SKIP: mptrace or minipoll-echo not built (set MPTRACE, MINIPOLL_ECHO)"
	exit $ksft_skip
fi
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	echo "SKIP: this kernel has no BTF (/sys/kernel/btf/vmlinux): mptrace cannot run"
	exit $ksft_skip
fi
echo "mptrace: $mptrace"
echo "echo server: $echo_bin"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mptrace_test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# num FILE IMPL FIELD: FIELD of the echo server's instance row for IMPL.
num() {
	grep '"type":"instance"' "$1" | grep "\"impl\":\"$2\"" |
		grep '"comm":"minipoll-echo"' | head -n1 |
		sed -n "s/.*\"$3\":\\([0-9]*\\).*/\\1/p"
}

# check IMPL: the echo server on IMPL, traced; its row must be right.
check() {
	local impl=$1 out=$tmp/$1.json log=$tmp/$1.log events v f

	"$mptrace" -j -i 0 -- "$echo_bin" --"$impl" -c $clients -n $rounds >"$out" 2>"$log"
	v=$?
	if [ $v -ne 0 ]; then
		cat "$log"
		case $(cat "$log") in
		*"loading the BPF programs"*|*"cannot open the BPF object"*)
			echo "SKIP: BPF is not usable here"
			exit $ksft_skip ;;
		esac
		fail "$impl: mptrace -- minipoll-echo exited $v"
	fi
	cat "$log"
	! grep -q 'not traced' "$log" ||
		fail "$impl: a minipoll tracepoint's record differs from Documentation/tracepoints.md"
	events=$(grep -o 'minipoll-echo: .* \([0-9]*\) events from the waits' "$out" |
		sed 's/.* \([0-9]*\) events from the waits/\1/')
	[ -n "$events" ] || fail "$impl: minipoll-echo did not say how many events its waits returned"
	grep '"type":"instance"' "$out" | grep "\"impl\":\"$impl\"" | grep minipoll-echo
	for f in callbacks wakeups latency_samples; do
		v=$(num "$out" "$impl" $f)
		[ "${v:-0}" -gt 0 ] || fail "$impl: $f is '${v:-missing}', expected > 0"
		echo "ok: $impl $f $v > 0"
	done
	v=$(num "$out" "$impl" ctl)
	[ "${v:-0}" -ge $((2 + clients)) ] ||
		fail "$impl: ctl is '${v:-missing}', expected >= $((2 + clients))"
	echo "ok: $impl ctl $v >= $((2 + clients))"
	v=$(num "$out" "$impl" deliveries)
	[ "${v:-x}" = "$events" ] ||
		fail "$impl: deliveries '${v:-missing}' != $events events the server's waits returned"
	echo "ok: $impl deliveries $v = the events the server's waits returned"
	# The server makes its instance first on either: the same fd number.
	v=$(num "$out" "$impl" fd)
	[ -n "$v" ] || fail "$impl: the instance's fd is not known (-1 or missing)"
	if [ "$impl" = epoll ]; then
		epoll_fd=$v
	else
		[ "$v" = "$epoll_fd" ] ||
			fail "minipoll: the instance's fd is $v, the same server's epoll fd was $epoll_fd"
		echo "ok: minipoll's instance shown with the server's fd $v, as epoll's"
	fi
}

check epoll

status=0
if [ ! -c /dev/minipoll ]; then
	echo "SKIP: /dev/minipoll is absent (module not loaded): epoll only"
	status=$ksft_skip
elif [ ! -d /sys/kernel/tracing/events/minipoll ]; then
	echo "SKIP: the module has no tracepoints (events/minipoll): epoll only"
	status=$ksft_skip
else
	check minipoll
fi

# Without the module: epoll still traced, minipoll's programs not loaded.
ko=${MINIPOLL_KO:-}
if [ -d /sys/module/minipoll ] && [ -n "$ko" ] && [ -f "$ko" ] &&
	rmmod minipoll 2>/dev/null; then
	"$mptrace" -j -i 0 -- "$echo_bin" --epoll -c 2 -n 10 >"$tmp/absent.json" 2>"$tmp/absent.log"
	v=$?
	insmod "$ko" || fail "insmod $ko after the module-absent run"
	cat "$tmp/absent.log"
	[ $v -eq 0 ] || fail "without the module: mptrace exited $v"
	grep -q 'tracing epoll only' "$tmp/absent.log" ||
		fail "without the module: mptrace did not say it traces epoll only"
	v=$(num "$tmp/absent.json" epoll callbacks)
	[ "${v:-0}" -gt 0 ] || fail "without the module: epoll callbacks '${v:-missing}'"
	echo "ok: without the module, epoll traced alone (callbacks $v)"
else
	echo "# module-absent run not done (module busy, or MINIPOLL_KO unset)"
fi
exit $status

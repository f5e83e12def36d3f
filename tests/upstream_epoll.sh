#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# upstream_epoll.sh: the kernel's own epoll selftest on minipoll.
#
#   epoll_wakeup_test (tools/testing/selftests/filesystems/epoll, 64 cases),
#   compiled from the unmodified file of the tested kernel's source
#   (linux-source-6.1 or -6.12; epoll_wakeup_main.c), runs once plainly,
#   on the real epoll (the control), and once under
#   `MINIPOLL_STRICT=1 minipoll-run`, on minipoll through the LD_PRELOAD shim.
#   minipoll 64/64 passes.
#
# Several upstream cases (epoll56-61 among them) race an emitter thread's
# second write against two pollers woken by its first; on a slow guest (TCG,
# the KASAN kernel, a loaded host) they fail now and then on the real epoll
# too: epoll58 alone passes 7 runs in 20 on either implementation under
# KASAN. So a case minipoll failed is not judged on one run: it is rerun
# alone, $RERUNS times (default 30) on each implementation, in alternating
# rounds of 5 so that both see the same guest, and the pass counts E (epoll)
# and M (minipoll) are compared:
#
#   E below a third of the runs    this guest cannot judge the case: skip
#   M below a quarter of E         minipoll fails what epoll passes: not ok
#   otherwise                      a timing race both share: ok
#
# A difference in semantics fails the case on minipoll every time (M = 0),
# so it is not ok wherever epoll passes it a third of the time. When both
# pass with the same odds p, M < E/4 has a chance below 0.3% for any p
# (binomial, 30 runs each). More than $MAX_RERUN (default 8) failed cases
# are not rerun: that many is not timing.
#
# The kselftest runner gives this script `timeout` seconds (settings: 600);
# a rerun round starts only if it fits in $UPSTREAM_BUDGET seconds (default
# 580) at the pace of the rounds so far. On an idle machine the first two
# runs take about 45 s each on Debian's kernel, 65 s on the KASAN kernel.
#
# Programs: $EPOLL_WAKEUP_TEST, else epoll_wakeup_test next to this script
# (build/bin/tests or an installed kselftest dir); $MINIPOLL_RUN, else
# minipoll-run from the build tree (build/bin) or $PATH.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=mp_lib.sh
. "$here/mp_lib.sh"
budget=${UPSTREAM_BUDGET:-580}
reruns=${RERUNS:-30}
max_rerun=${MAX_RERUN:-8}
round=5
start=$(date +%s)

bin=$(mp_find_bin tests/epoll_wakeup_test "${EPOLL_WAKEUP_TEST:-$here/epoll_wakeup_test}")
run=$(mp_find_bin minipoll-run "${MINIPOLL_RUN:-}")

if [ -z "$bin" ]; then
	echo "SKIP: epoll_wakeup_test not built (set EPOLL_WAKEUP_TEST)"
	exit "$ksft_skip"
fi
echo "upstream test: $bin (kernel $(uname -r))"
log=$(mktemp -d "${TMPDIR:-/tmp}/upstream_epoll.XXXXXX")
trap 'rm -rf "$log"' EXIT

# suite IMPL OUT [CASE...]: epoll_wakeup_test (all cases, or those named) on
# IMPL (epoll or minipoll), its TAP into OUT. Returns the program's status.
suite() {
	local impl=$1 out=$2

	shift 2
	if [ "$impl" = epoll ]; then
		(cd "$(dirname "$bin")" && "$bin" "$@") > "$out" 2>&1
	else
		(cd "$(dirname "$bin")" && MINIPOLL_STRICT=1 "$run" "$bin" "$@") > "$out" 2>&1
	fi
}

# totals OUT: "PASS FAIL" from the harness's Totals line, empty if none.
totals() {
	sed -n 's/^# Totals: pass:\([0-9]*\) fail:\([0-9]*\).*/\1 \2/p' "$1"
}

# failed OUT: the names of the cases that failed, one per line.
failed() {
	sed -n 's/^not ok [0-9]* global\.\(.*\)/\1/p' "$1"
}

# full IMPL: the whole suite once; prints one line; 0 if 64/64 passed.
full() {
	local impl=$1 out=$log/$1.full t0 rc tot

	t0=$(date +%s)
	suite "$impl" "$out"
	rc=$?
	tot=$(totals "$out")
	echo "$impl: exit $rc, passed ${tot% *}, failed ${tot#* }" \
	     "$(failed "$out" | tr '\n' ' ')in $(( $(date +%s) - t0 ))s"
	[ "$rc" -eq 0 ] && [ "$tot" = "64 0" ]
}

have_minipoll=1
if [ -z "$run" ]; then
	echo "SKIP: minipoll-run not found (set MINIPOLL_RUN): epoll only"
	have_minipoll=0
elif [ ! -c /dev/minipoll ]; then
	echo "SKIP: /dev/minipoll is absent (module not loaded): epoll only"
	have_minipoll=0
else
	echo "shim: $run"
fi

full epoll
epoll_ok=$?
if [ $have_minipoll -eq 0 ]; then
	[ $epoll_ok -eq 0 ] || { echo "not ok: epoll did not pass 64/64"; exit 1; }
	exit "$ksft_skip"
fi
if full minipoll; then
	echo "ok: minipoll 64/64"
	exit 0
fi

out=$log/minipoll.full
grep -E '^# .*(Expected|timeout|terminated)' "$out" | head -20
if [ -z "$(totals "$out")" ]; then
	echo "not ok: minipoll's run did not reach its totals"
	exit 1
fi
mapfile -t cases < <(failed "$out")
if [ ${#cases[@]} -eq 0 ]; then
	echo "not ok: minipoll's run failed without a failed case"
	exit 1
fi
if [ ${#cases[@]} -gt "$max_rerun" ]; then
	echo "not ok: minipoll failed ${#cases[@]} cases (more than $max_rerun is not timing)"
	exit 1
fi

# passes OUT CASE: how many runs of CASE passed in OUT.
passes() {
	grep -c "^ok [0-9]* global\.$2\$" "$1"
}

# Rerun the failed cases, alternating epoll and minipoll by rounds.
declare -A pass_epoll pass_minipoll
for c in "${cases[@]}"; do
	pass_epoll[$c]=0 pass_minipoll[$c]=0
done
ran=0 longest=0
while [ $ran -lt "$reruns" ]; do
	if [ $ran -gt 0 ] && [ $(( $(date +%s) - start + longest )) -gt "$budget" ]; then
		echo "no time left after $ran reruns of each (budget ${budget}s)"
		break
	fi
	t0=$(date +%s)
	args=()
	for c in "${cases[@]}"; do
		for _ in $(seq $round); do args+=("$c"); done
	done
	suite epoll "$log/epoll.rerun" "${args[@]}"
	suite minipoll "$log/minipoll.rerun" "${args[@]}"
	for c in "${cases[@]}"; do
		pass_epoll[$c]=$(( pass_epoll[$c] + $(passes "$log/epoll.rerun" "$c") ))
		pass_minipoll[$c]=$(( pass_minipoll[$c] + $(passes "$log/minipoll.rerun" "$c") ))
	done
	ran=$((ran + round))
	t=$(( $(date +%s) - t0 ))
	[ $t -gt $longest ] && longest=$t
done

verdict=0
for c in "${cases[@]}"; do
	e=${pass_epoll[$c]} m=${pass_minipoll[$c]}
	line="$c alone, $ran runs each: epoll passed $e, minipoll $m"
	if [ "$ran" -lt 10 ] || [ $((3 * e)) -lt "$ran" ]; then
		if [ "$ran" -lt 10 ]; then
			echo "skip: $line (too few runs to judge)"
		else
			echo "skip: $line (epoll passes it too rarely here to judge)"
		fi
		[ "$verdict" -eq 0 ] && verdict=$ksft_skip
	elif [ $((4 * m)) -lt "$e" ]; then
		echo "not ok: $line"
		verdict=1
	else
		echo "ok: $line (a timing race both share)"
	fi
done
case $verdict in
0) echo "ok: each case minipoll failed once passes as often as this guest lets epoll pass it" ;;
1) echo "not ok: minipoll fails what epoll passes" ;;
*) echo "SKIP: this guest is too slow to judge the timing cases" ;;
esac
exit "$verdict"

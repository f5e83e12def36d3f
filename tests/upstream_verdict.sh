#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# upstream_verdict.sh: upstream_epoll.sh's verdict on a rerun case, on
# counts given here rather than measured, so that it runs in a second, on
# the host as in the guest (where it also proves that the guest has the awk
# the verdict needs).
#
# Each row: runs per implementation, epoll's passes, minipoll's passes, the
# verdict upstream_epoll.sh must reach (one-sided Fisher's exact test at
# 0.01, skip when epoll passes under a third of the runs). The p-values in
# the comments are exact (hypergeometric, computed with integers); the rows
# around 0.01 put each side of the threshold to the test.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=mp_lib.sh
. "$here/mp_lib.sh"

table='
30 30  0 not-ok	minipoll never passes what epoll always does: p = 8.5e-18
30 10  0 not-ok	the fewest epoll passes still judged, minipoll none: p = 0.0004
30  9  0 skip	epoll passes under a third of the runs
30  0  0 skip	nobody passes
30 15 15 ok	equal counts: p = 0.60
30 30 30 ok	both always pass: p = 1
30 20 10 not-ok	p = 0.0097, just under 0.01
30 20 11 ok	p = 0.019
30 30 23 not-ok	p = 0.0053
30 30 24 ok	p = 0.012
30 13  4 ok	p = 0.0102, the nearest to 0.01 from above at 30 runs
30 10 30 ok	minipoll passes more often: one-sided, p = 1
 5  5  0 not-ok	the budget ended the reruns after one round: p = 1/252
 5  4  0 ok	p = 5/210
 4  3  1 ok	p = 17/70 = 0.24
'

fails=0 rows=0
while IFS=$'\t' read -r counts why; do
	[ -n "$counts" ] || continue
	read -r n e m want <<< "$counts"
	rows=$((rows + 1))
	out=$("$here/upstream_epoll.sh" --judge "$n" "$e" "$m" "row$rows")
	rc=$?
	case $want in
	ok) want_rc=0 ;;
	not-ok) want_rc=1 ;;
	skip) want_rc=$ksft_skip ;;
	esac
	if [ "$rc" -eq "$want_rc" ] && [ "${out%%:*}" = "${want/-/ }" ]; then
		echo "ok $rows $n runs, epoll $e, minipoll $m: ${want/-/ } ($why)"
	else
		echo "not ok $rows $n runs, epoll $e, minipoll $m: want ${want/-/ } ($why), got status $rc: $out"
		fails=$((fails + 1))
	fi
done <<< "$table"

# The printed p-value of a known table (Fisher's tea-tasting example, 3 of
# 4 against 1 of 4: 17/70).
rows=$((rows + 1))
out=$("$here/upstream_epoll.sh" --judge 4 3 1 tea)
if [ "$out" = "ok: tea alone, 4 runs each: epoll passed 3, minipoll 1 (p = 0.24: a timing race both share)" ]; then
	echo "ok $rows the printed p-value of 3 of 4 against 1 of 4 is 0.24"
else
	echo "not ok $rows the printed p-value of 3 of 4 against 1 of 4: $out"
	fails=$((fails + 1))
fi

echo "$((rows - fails)) of $rows verdicts as expected"
[ "$fails" -eq 0 ]

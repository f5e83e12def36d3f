#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench_smoke.sh: mpbench (Documentation/performance.md) in its smallest
# form. Not a measurement: it checks that every workload runs on every
# mechanism and that results.json is well-formed. mpbench --quick at N = 10
# with a small budget; then:
#   - the JSON is one list of records of the documented shape (python3's
#     json module too, where there is one);
#   - every workload has records for minipoll, epoll, poll and select
#     (profile, ctl_batch and ring: minipoll and epoll);
#   - every cost is positive, and the herd's wakeup counts are epoll's
#     (8 per event, 1 with EPOLLEXCLUSIVE).
#
# Program: $MPBENCH, else mpbench from the build tree or $PATH.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=mp_lib.sh
. "$here/mp_lib.sh"

bin=$(mp_find_bin mpbench "${MPBENCH:-}")
[ -n "$bin" ] || mp_skip "mpbench not built (set MPBENCH)"
mp_need_module

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
json=$tmp/results.json
fail=0
bad() { echo "not ok: $*"; fail=1; }

echo "# $bin --quick --wall -n 10"
if ! "$bin" --quick --wall -n 10 -b 50000 \
	-w roundtrip,ctl,kready,wakeup,herd,memory,profile,ctl_batch,ring -o "$json" > "$tmp/table"; then
	cat "$tmp/table"
	echo "not ok: mpbench failed"
	exit 1
fi
sed 's/^/# /' "$tmp/table"

# The shape: "[", records one a line with a comma after all but the last, "]".
rec='^  \{"workload": "[a-z_]+", "n": [0-9]+, "impl": "[a-z_]+", "metric": "[a-z0-9_]+", "value": -?[0-9]+\.[0-9]+\}'
awk -v rec="$rec" '
	NR == 1 { if ($0 != "[") exit 1; next }
	{ lines[NR] = $0 }
	END {
		if (NR < 3 || lines[NR] != "]") exit 1
		for (i = 2; i < NR; i++) {
			want = (i < NR - 1) ? rec ",$" : rec "$"
			if (lines[i] !~ want) { print "bad line " i ": " lines[i]; exit 1 }
		}
	}' "$json" || bad "results.json is not a well-formed list of records"
if command -v python3 >/dev/null && python3 -c 'import json' 2>/dev/null; then
	python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert isinstance(r, list) and r' \
		"$json" || bad "python3 cannot load results.json"
fi

field() {	# workload impl -> values of its records
	sed -n "s/.*\"workload\": \"$1\", \"n\": [0-9]*, \"impl\": \"$2\", \"metric\": \"$3\", \"value\": \\([-0-9.]*\\).*/\\1/p" "$json"
}

for w in roundtrip ctl kready wakeup herd memory profile ctl_batch ring; do
	impls="minipoll epoll poll select"
	case $w in profile|ctl_batch|ring) impls="minipoll epoll" ;; esac
	for i in $impls; do
		[ -n "$(field $w $i '[a-z_]*')" ] || bad "no $w record for $i"
	done
done

# Every timed cost is positive.
if grep -E '"metric": "ns_per_[a-z_]*", "value": (-|0\.00\})' "$json"; then
	bad "a cost above is not positive"
fi

for i in minipoll epoll; do
	[ "$(field herd $i wakeups_per_event)" = 8.00 ] ||
		bad "herd: $i woke $(field herd $i wakeups_per_event) per event, not 8"
	[ "$(field herd $i wakeups_per_event_exclusive)" = 1.00 ] ||
		bad "herd: $i with EPOLLEXCLUSIVE woke $(field herd $i wakeups_per_event_exclusive) per event, not 1"
done

[ $fail -eq 0 ] && echo "ok: $(grep -c '"workload"' "$json") records, every workload on every mechanism"
exit $fail

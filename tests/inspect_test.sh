#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# inspect_test.sh: minipoll-inspect's output, checked for structure.
#
#   Every built-in scenario runs on minipoll (with the state dumped after
#   each step) and on the real epoll (--epoll-order). Checked:
#     - both runs give the same results line for line (ctl, read, write,
#       wait, the events in order, settle's wakeup count);
#     - before every wait, the events epoll then delivers come in the
#       order of minipoll's dumped ready list (an ordered subsequence: an
#       item with nothing to report is dropped), and exactly so where the
#       scenario says;
#     - every dumped state: the counts agree with the records, each item's
#       wait entries are its own and there is one per item (every target
#       here has one queue per watching file), the rbtree has a black root,
#       no red child of a red node, equal black heights, parent links that
#       match, and an in-order walk that visits the items in array order;
#     - shared queues have one head id; EPOLLEXCLUSIVE wakes one instance;
#     - the Graphviz output parses (dot -Tsvg);
#     - -p PID finds a running program's instance through pidfd_getfd();
#     - errors: no such process, no such fd, not a minipoll fd, no ptrace
#       rights, bad usage: a clear message and a non-zero status.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=mp_lib.sh
. "$here/mp_lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "${bg:-}" ] && kill "$bg" 2>/dev/null' EXIT

tool=$(mp_find_bin minipoll-inspect "${MINIPOLL_INSPECT:-}")
[ -n "$tool" ] || mp_skip "minipoll-inspect not found (set MINIPOLL_INSPECT)"
mp_need_module

# A module without the dump (older than the tool) cannot be inspected.
if printf 'inst main cloexec\nshow\n' | "$tool" -q --script - 2>&1 >/dev/null | grep -q 'no MINIPOLL_IOC_DUMP'; then
	mp_skip "this minipoll module has no MINIPOLL_IOC_DUMP"
fi

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
bad() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }
check() { # check DESCRIPTION CMD...: ok when CMD succeeds
	local d=$1
	shift
	if "$@" >"$tmp/why" 2>&1; then ok "$d"; else bad "$d"; sed 's/^/# /' "$tmp/why"; fi
}

# The structure checks of one minipoll run's text: prints what is wrong.
structure() {
	awk '
	function fail(msg) { print "state after step " step ", " inst ": " msg; bad = 1 }
	function bh(i,   l, r) {	# black height of i, -1 when unequal
		if (i == -1) return 1
		if (++depth[0] > 4 * nitems + 8) return -1
		l = bh(left[i]); r = bh(right[i])
		if (l < 0 || r < 0 || l != r) return -1
		return l + (color[i] == "black")
	}
	function walk(i) {	# in-order: must visit 0, 1, 2, ...
		if (i == -1 || ++steps > nitems + 1) return
		walk(left[i])
		if (i != visited) fail("in-order walk met item " i " at position " visited)
		visited++
		walk(right[i])
	}
	function finish(   i) {
		if (inst == "") return
		if (nitems != want_items) fail(nitems " item lines, items=" want_items)
		if (nready != want_ready) fail(nready " ready lines, ready=" want_ready)
		if (nwqs != want_wqs) fail(nwqs " wq lines, wqs=" want_wqs)
		for (i = 0; i < nitems; i++) {
			if (owned[i] + 0 != wqs[i]) fail("item " i " has wqs=" wqs[i] " but " owned[i] + 0 " entries")
			if (wqs[i] != 1) fail("item " i " (" kind[i] ") has " wqs[i] " wait entries, expected 1")
		}
		if (nitems == 0) { if (root != -1) fail("empty tree with root " root); return }
		if (root < 0 || root >= nitems) { fail("root " root " out of range"); return }
		if (color[root] != "black") fail("red root")
		if (parent[root] != -1) fail("root has a parent")
		for (i = 0; i < nitems; i++) {
			if (left[i] != -1 && parent[left[i]] != i) fail("item " left[i] " parent is not " i)
			if (right[i] != -1 && parent[right[i]] != i) fail("item " right[i] " parent is not " i)
			if (color[i] == "red" && parent[i] != -1 && color[parent[i]] == "red")
				fail("red item " i " under red item " parent[i])
		}
		depth[0] = 0
		if (bh(root) < 0) fail("black heights differ")
		visited = 0; steps = 0
		walk(root)
		if (visited != nitems) fail("in-order walk visited " visited " of " nitems)
	}
	function kv(field,   p) { p = index(field, "="); return substr(field, p + 1) }
	/^step / { step = $2 + 0 }
	/^instance / {
		finish()
		inst = kv($2); want_items = kv($4); want_wqs = kv($5); want_ready = kv($6)
		root = kv($10) + 0
		nitems = 0; nready = 0; nwqs = 0
		delete left; delete right; delete parent; delete color; delete wqs
		delete owned; delete kind
	}
	/^item / {
		i = $2 + 0
		if (i != nitems) fail("item " i " out of order")
		nitems++
		for (f = 3; f <= NF; f++) {
			k = substr($f, 1, index($f, "=") - 1); v = kv($f)
			if (k == "left") left[i] = v + 0
			else if (k == "right") right[i] = v + 0
			else if (k == "parent") parent[i] = v + 0
			else if (k == "color") color[i] = v
			else if (k == "wqs") wqs[i] = v + 0
			else if (k == "kind") kind[i] = v
		}
	}
	/^wq / { nwqs++; owned[kv($3) + 0]++ }
	/^ready / { nready++ }
	END { finish(); exit bad }
	' "$1"
}

# The ready list of INSTANCE after step STEP, as target names.
ready_after() { # FILE STEP INSTANCE
	awk -v s="$2" -v want="$3" '
		/^step / { step = $2 + 0 }
		/^instance / { inst = substr($2, 6) }
		/^ready / && step == s && inst == want { sub("target=", "", $4); print $4 }
	' "$1"
}

# The events of the wait at STEP, as target names.
events_at() { # FILE STEP
	awk -v s="$2" '/^event / && $2 == "step=" s { sub("target=", "", $5); print $5 }' "$1"
}

# Is every line of file A in file B, in the same order?
subsequence() {
	awk 'BEGIN { n = 0; i = 0 } FILENAME == ARGV[1] { a[n++] = $0; next } i < n && $0 == a[i] { i++ } END { exit (i != n) }' "$1" "$2"
}

words() { paste -sd' '; }

results() { grep -E '^(ctl|wait|event|read|write|close|sleeper|settle|end) ' "$1"; }

for s in lt-et-oneshot nesting sockets shared exclusive; do
	mp=$tmp/$s.mp
	ep=$tmp/$s.ep
	"$tool" -s "$s" >"$mp" 2>"$mp.err"
	rc=$?
	"$tool" --epoll-order -s "$s" >"$ep" 2>"$ep.err"
	erc=$?
	if [ $rc -ne 0 ] || [ $erc -ne 0 ] || ! grep -q '^end ' "$mp"; then
		bad "$s: runs (minipoll status $rc, epoll status $erc)"
		sed 's/^/# /' "$mp.err" "$ep.err"
		continue
	fi
	ok "$s: runs on minipoll and on epoll"
	results "$mp" >"$mp.res"
	results "$ep" >"$ep.res"
	check "$s: same results and events as epoll" diff -u "$ep.res" "$mp.res"
	check "$s: every state is well formed (counts, wait entries, rbtree)" structure "$mp"

	# Before each wait: epoll's delivery order against minipoll's ready list.
	order_ok=1
	while read -r step inst; do
		ready_after "$mp" $((step - 1)) "$inst" >"$tmp/ready"
		events_at "$ep" "$step" >"$tmp/events"
		if ! subsequence "$tmp/events" "$tmp/ready"; then
			order_ok=0
			echo "# step $step ($inst): epoll delivered $(words <"$tmp/events"), minipoll's ready list was $(words <"$tmp/ready")"
		fi
	done < <(awk '/^wait / { sub("step=", "", $2); sub("instance=", "", $3); print $2, $3 }' "$ep")
	if [ $order_ok -eq 1 ]; then
		ok "$s: epoll delivers in the order of minipoll's ready list"
	else
		bad "$s: epoll delivers in the order of minipoll's ready list"
	fi
done

# Where the order is known exactly.
exact() { # SCENARIO STEP INSTANCE EXPECTED...
	local s=$1 step=$2 inst=$3
	shift 3
	got=$(ready_after "$tmp/$s.mp" $((step - 1)) "$inst" | words)
	eps=$(events_at "$tmp/$s.ep" "$step" | words)
	if [ "$got" = "$*" ] && [ "$eps" = "$*" ]; then
		ok "$s: before step $step the ready list is '$*', as epoll delivers"
	else
		bad "$s: before step $step: ready list '$got', epoll '$eps', expected '$*'"
	fi
}
exact lt-et-oneshot 11 main lt et os
exact lt-et-oneshot 12 main lt
exact lt-et-oneshot 16 main lt et os
exact sockets 7 main u t

# The last state of a run, one instance: its lines.
last_state() { # FILE INSTANCE
	awk -v want="$2" '
		/^step / { delete buf; n = 0 }
		/^instance / { cur = substr($2, 6) }
		/^(instance|item|wq|ready|overflow) / && cur == want { buf[n++] = $0 }
		END { for (i = 0; i < n; i++) print buf[i] }' "$1"
}
field() { # LINE KEY
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# shared: main's and other's entries for p hang on one queue; p.w elsewhere.
last_state "$tmp/shared.mp" main >"$tmp/sh.main"
last_state "$tmp/shared.mp" other >"$tmp/sh.other"
h_main=$(awk '/^item / && / target=p / { i = $2 } /^wq / && $3 == "item=" i { print $4 }' "$tmp/sh.main" | head -n1)
h_other=$(awk '/^wq / { print $4; exit }' "$tmp/sh.other")
h_w=$(awk '/^item / && / target=p.w / { i = $2 } /^wq / && $3 == "item=" i { print $4 }' "$tmp/sh.main" | tail -n1)
qlen=$(grep -m1 "$h_main" "$tmp/sh.main" | sed -n 's/.*queue_len=\([0-9]*\).*/\1/p')
if [ -n "$h_main" ] && [ "$h_main" = "$h_other" ] && [ "$h_w" != "$h_main" ] && [ "$qlen" = 2 ]; then
	ok "shared: two instances on one pipe share its queue's head id ($qlen entries)"
else
	bad "shared: heads main '$h_main' other '$h_other' write end '$h_w', queue_len '$qlen'"
fi

# exclusive: one wakeup; main was called back and woken, other was not.
last_state "$tmp/exclusive.mp" main >"$tmp/ex.main"
last_state "$tmp/exclusive.mp" other >"$tmp/ex.other"
m_inst=$(grep '^instance ' "$tmp/ex.main")
o_inst=$(grep '^instance ' "$tmp/ex.other")
m_cb=$(field "$(grep '^item ' "$tmp/ex.main")" callbacks)
o_cb=$(field "$(grep '^item ' "$tmp/ex.other")" callbacks)
excl=$(grep -c 'flags=exclusive' "$tmp/ex.main" "$tmp/ex.other" | awk -F: '{ s += $2 } END { print s }')
if [ "$(field "$m_inst" waiters)" = 0 ] && [ "$(field "$o_inst" waiters)" = 1 ] &&
   [ "$m_cb" = 1 ] && [ "$o_cb" = 0 ] && [ "$excl" = 2 ] &&
   grep -q '^settle .* woken=1$' "$tmp/exclusive.mp"; then
	ok "exclusive: one wakeup: main called back and woken, other's sleeper still asleep"
else
	bad "exclusive: main waiters $(field "$m_inst" waiters) callbacks $m_cb, other waiters $(field "$o_inst" waiters) callbacks $o_cb, exclusive entries $excl"
fi

# Graphviz: the files are written and dot reads them back.
if command -v dot >/dev/null; then
	if "$tool" -q -s nesting --dot "$tmp/n.dot" --svg "$tmp/n.svg" >/dev/null 2>"$tmp/dot.err" &&
	   [ -s "$tmp/n.svg" ] && dot -Tsvg "$tmp/n.dot" -o "$tmp/n2.svg" 2>>"$tmp/dot.err" &&
	   grep -q 'cluster_i1' "$tmp/n.dot"; then
		ok "dot: --dot and --svg written, the source parses (dot -Tsvg)"
	else
		bad "dot: output"
		sed 's/^/# /' "$tmp/dot.err"
	fi
	if "$tool" -q -s lt-et-oneshot --steps "$tmp/steps" --format dot >/dev/null 2>"$tmp/steps.err" &&
	   [ "$(find "$tmp/steps" -name 'step-[0-9][0-9].dot' | wc -l)" = 16 ]; then
		ok "--steps: one source per step (16)"
	else
		bad "--steps: $(find "$tmp/steps" -type f 2>/dev/null | wc -l) files"
		sed 's/^/# /' "$tmp/steps.err"
	fi
else
	ok "dot: # SKIP dot (graphviz) not installed"
fi

# -p PID: a running program's instance, through pidfd_getfd().
printf '%s\n' 'inst main cloexec' 'pipe a a.w' 'eventfd e init=0' 'ctl main ADD a events=IN' \
	'ctl main ADD e events=IN|ET' 'write e val=1' 'pause sec=60' >"$tmp/prog"
"$tool" -q --script "$tmp/prog" >/dev/null 2>&1 &
bg=$!
for _ in $(seq 100); do
	"$tool" -p "$bg" >"$tmp/pid.out" 2>"$tmp/pid.err" && grep -q '^ready 0 ' "$tmp/pid.out" && break
	sleep 0.1
done
if grep -q '^instance .* items=2 .*ready=1 ' "$tmp/pid.out" && structure "$tmp/pid.out" >/dev/null; then
	ok "-p PID: the program's own instance (2 items, 1 ready), not a new one"
else
	bad "-p PID: $(head -n1 "$tmp/pid.out") $(cat "$tmp/pid.err")"
fi
mpfd=$(sed -n 's/^instance name=fd\([0-9]*\) .*/\1/p' "$tmp/pid.out")
if [ -n "$mpfd" ] && "$tool" -q -p "$bg" -f "$mpfd" 2>/dev/null; then
	ok "-p PID -f $mpfd: that fd"
else
	bad "-p PID -f FD (fd '$mpfd')"
fi

# Errors: a message naming the problem, and a non-zero status.
expect_error() { # DESCRIPTION STATUS PATTERN CMD...
	local d=$1 want=$2 pat=$3
	shift 3
	"$@" >/dev/null 2>"$tmp/err"
	local rc=$?
	if [ $rc -eq "$want" ] && grep -q "$pat" "$tmp/err"; then
		ok "error: $d (status $rc: $(head -n1 "$tmp/err"))"
	else
		bad "error: $d: status $rc, wanted $want and /$pat/"
		sed 's/^/# /' "$tmp/err"
	fi
}
expect_error "no such process" 1 "no process" "$tool" -p 999999 -f 3
expect_error "no such fd" 1 "has no fd 1000" "$tool" -p "$bg" -f 1000
# (the program's fds: 3 its instance, 4 and 5 pipe a, 6 eventfd e)
expect_error "a pipe is not an instance" 1 "not a minipoll instance" "$tool" -p "$bg" -f 4
expect_error "this process's non-instance fd" 1 "not a minipoll instance" "$tool" -f 0 </dev/null
expect_error "unknown scenario" 2 "no scenario" "$tool" -s no-such-scenario
expect_error "bad usage" 2 "see --help" "$tool" --bogus
expect_error "script error" 2 "cannot parse" "$tool" --script - <<<"frobnicate x"
expect_error "a step the tool does not run" 2 "does not run 'fork'" "$tool" --script - <<<"fork"
if command -v setpriv >/dev/null; then
	# A copy nobody can run, whatever the permissions above the tree.
	cp "$tool" "$tmp/inspect-copy" && chmod 0755 "$tmp" "$tmp/inspect-copy"
	expect_error "no ptrace rights" 1 "need ptrace rights" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/inspect-copy" -p "$bg" -f "$mpfd"
else
	ok "error: no ptrace rights # SKIP setpriv not installed"
fi

kill "$bg" 2>/dev/null
wait "$bg" 2>/dev/null
bg=
echo "# $n checks, $failed failed"
[ $failed -eq 0 ]

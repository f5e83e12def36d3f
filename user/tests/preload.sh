#!/bin/sh
# SPDX-License-Identifier: MIT OR LGPL-2.1-or-later
# preload.sh BUILD: run preload-smoke under BUILD/bin/minipoll-run and check
# what the shim did. Without /dev/minipoll (the host): one warning line,
# the kernel's epoll answers, --strict exits 127. With it (the guest): no
# warning, and --debug shows minipoll answering every epoll call.
set -u
build=${1:?usage: preload.sh BUILD}
run=$build/bin/minipoll-run
smoke=$build/obj/user/tests/preload-smoke
warning="minipoll: /dev/minipoll not available (module not loaded?); using the kernel's epoll"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0

not_ok() { echo "not ok: $*"; fails=$((fails + 1)); }

"$run" "$smoke" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || not_ok "preload-smoke exited $rc: $(cat "$tmp/out")"

if [ ! -e /dev/minipoll ]; then
	[ "$(cat "$tmp/err")" = "$warning" ] ||
		not_ok "expected the one warning line, got: $(cat "$tmp/err")"

	"$run" --strict "$smoke" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq 127 ] || not_ok "--strict: exit $rc, expected 127"
	grep -q 'MINIPOLL_STRICT=1' "$tmp/err" ||
		not_ok "--strict: no message: $(cat "$tmp/err")"
else
	[ ! -s "$tmp/err" ] || not_ok "unexpected stderr: $(cat "$tmp/err")"

	"$run" --debug "$smoke" >"$tmp/out" 2>"$tmp/err" ||
		not_ok "--debug run failed"
	# Every call but the bad create and epoll_wait on a pipe is minipoll's.
	grep -v '\[minipoll\]' "$tmp/err" | grep -v -e '= -1 errno 22' \
		>"$tmp/other" && not_ok "calls not on minipoll: $(cat "$tmp/other")"
fi

# Options and help.
"$run" --help | grep -q '^Usage: minipoll-run' || not_ok "--help"
"$run" >/dev/null 2>&1; [ $? -eq 2 ] || not_ok "no command: not exit 2"
"$run" --bogus true 2>/dev/null; [ $? -eq 2 ] || not_ok "bad option: not exit 2"
MINIPOLL_PRELOAD=/nonexistent "$run" true 2>/dev/null
[ $? -eq 2 ] || not_ok "missing shim: not exit 2"

[ $fails -eq 0 ] && echo "ok: preload.sh" || echo "FAIL: preload.sh: $fails"
[ $fails -eq 0 ]

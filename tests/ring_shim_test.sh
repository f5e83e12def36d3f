#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ring_shim_test.sh: an unmodified edge-triggered program under
# minipoll-run takes its events from the fed ring without system calls.
#
#   ring_burst (plain epoll, no minipoll in it) runs under minipoll-run
#   with strace counting the shim's wait ioctls (MINIPOLL_IOC_WAIT and
#   MINIPOLL_IOC_RING_WAIT; the shim makes no epoll_wait system call). With
#   the ring (the default), at most half of its epoll_wait() calls may
#   cost one: in each round the first call sleeps, the ones that follow
#   find the events the wake-up callback already published. With
#   MINIPOLL_RING=0, every call costs one, which shows the count is real.
#
# SKIP: no /dev/minipoll, no strace, programs not built.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=mp_lib.sh
. "$here/mp_lib.sh"

run=$(mp_find_bin minipoll-run "${MINIPOLL_RUN:-}")
burst=$(mp_find_bin ring_burst "${RING_BURST:-$here/ring_burst}")
[ -n "$burst" ] || burst=$(mp_find_bin tests/ring_burst)
mp_need_module
command -v strace >/dev/null || mp_skip "no strace"
[ -n "$run" ] && [ -n "$burst" ] || mp_skip "minipoll-run or ring_burst not built"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0

# count_waits RING: run ring_burst with MINIPOLL_RING=RING; prints
# "CALLS WAIT_IOCTLS".
count_waits() {
	MINIPOLL_RING=$1 strace -f -qq -e trace=ioctl -o "$tmp/strace" \
		"$run" --strict "$burst" >"$tmp/out" 2>"$tmp/err" ||
		{ echo "ring_burst failed: $(cat "$tmp/err")" >&2; return 1; }
	# _IOC(_IOC_WRITE, 0xb8, 0x2 or 0x6, ...): the two wait ioctls.
	echo "$(awk '{ print $2 }' "$tmp/out")" \
	     "$(grep -c -E "0xb8, 0x[26]," "$tmp/strace")"
}

ring=$(count_waits 1) || exit 1
plain=$(count_waits 0) || exit 1
read -r rcalls rwaits <<<"$ring"
read -r pcalls pwaits <<<"$plain"
echo "# ring:  $rcalls epoll_wait() calls, $rwaits wait ioctls"
echo "# plain: $pcalls epoll_wait() calls, $pwaits wait ioctls"

if [ $((2 * rwaits)) -gt "$rcalls" ]; then
	echo "not ok: with the ring, $rwaits of $rcalls calls made a system call"
	fails=$((fails + 1))
fi
if [ "$pwaits" -lt "$pcalls" ]; then
	echo "not ok: without the ring, only $pwaits ioctls for $pcalls calls"
	fails=$((fails + 1))
fi
[ $fails -eq 0 ] && echo "ok: ring_shim_test.sh"
[ $fails -eq 0 ]

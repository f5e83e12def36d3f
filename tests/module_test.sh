#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# module_test.sh: minipoll.ko load and unload.
#
#   rmmod fails while an instance is open (one is held by a background
#   process), succeeds once it is closed, and insmod brings the device back.
#   The module is left loaded, as it was found.
#
# The module path is $MINIPOLL_KO, else build/minipoll.ko of the tree this
# script lives in (tests/, build/bin/tests/ or build/kselftest/minipoll/).

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=mp_lib.sh
. "$here/mp_lib.sh"

fail() {
	echo "not ok: $*"
	exit 1
}

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root to load and unload modules"
	exit $ksft_skip
fi

ko=$(mp_find_ko "${MINIPOLL_KO:-}")
if [ -z "$ko" ]; then
	echo "SKIP: minipoll.ko not found (set MINIPOLL_KO)"
	exit $ksft_skip
fi
echo "module: $ko"

loaded() {
	[ -d /sys/module/minipoll ]
}

wait_dev() {
	# devtmpfs creates the node at misc_register(); give it a moment.
	for _ in $(seq 50); do
		[ "$1" = present ] && [ -c /dev/minipoll ] && return 0
		[ "$1" = absent ] && [ ! -e /dev/minipoll ] && return 0
		sleep 0.1
	done
	return 1
}

if ! loaded; then
	insmod "$ko" || fail "initial insmod $ko"
fi
wait_dev present || fail "/dev/minipoll did not appear"
echo "ok: module loaded, /dev/minipoll present"

# Hold one instance open in a background process (its stdin).
sleep 600 < /dev/minipoll &
holder=$!
for _ in $(seq 50); do
	[ -e /proc/$holder/fd/0 ] && [ "$(readlink /proc/$holder/fd/0)" = /dev/minipoll ] && break
	sleep 0.1
done
[ "$(readlink /proc/$holder/fd/0)" = /dev/minipoll ] || fail "holder has no instance open"
refs=$(cat /sys/module/minipoll/refcnt)
echo "ok: instance held by pid $holder, refcnt $refs"
[ "$refs" -ge 1 ] || fail "refcnt is $refs with an instance open"

if rmmod minipoll 2>/dev/null; then
	kill $holder
	insmod "$ko"
	fail "rmmod succeeded while an instance was open"
fi
loaded || fail "module gone after a failed rmmod"
echo "ok: rmmod refused while an instance is open"

kill $holder
wait $holder 2>/dev/null
[ "$(cat /sys/module/minipoll/refcnt)" -eq 0 ] || fail "refcnt $(cat /sys/module/minipoll/refcnt) after the instance closed"
rmmod minipoll || fail "rmmod after the instance was closed"
loaded && fail "module still loaded after rmmod"
wait_dev absent || fail "/dev/minipoll still present after rmmod"
echo "ok: rmmod after close, /dev/minipoll gone"

insmod "$ko" || fail "insmod again"
wait_dev present || fail "/dev/minipoll did not come back"
exec 3<>/dev/minipoll || fail "open after reload"
exec 3>&-
echo "ok: insmod again, /dev/minipoll works"
exit 0

# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# mp_lib.sh: sourced by the shell tests. They run from tests/ in the tree,
# from build/bin/tests/ or from an installed kselftest collection
# (build/kselftest/minipoll/); these find the build's files from any of them.
# The caller sets $here to its own directory first.
# shellcheck disable=SC2154 # $here is the caller's

# shellcheck disable=SC2034 # the sourcing script's exit code for a skip
ksft_skip=4

# mp_skip REASON: ends the test as skipped, saying why.
mp_skip() {
	echo "SKIP: $*"
	exit $ksft_skip
}

# mp_need_module: skips the test unless the module's device is there.
mp_need_module() {
	[ -c /dev/minipoll ] || mp_skip "/dev/minipoll missing (minipoll.ko not loaded)"
}

# mp_find_bin NAME [OVERRIDE]: OVERRIDE if set, else the build's NAME, else
# NAME on $PATH; prints nothing when none is executable.
mp_find_bin() {
	local c

	for c in "${2:-}" "$here/../$1" "$here/../../bin/$1" \
		 "$here/../build/bin/$1" "$(command -v "$1")"; do
		if [ -n "$c" ] && [ -x "$c" ]; then
			echo "$c"
			return
		fi
	done
}

# mp_find_ko [OVERRIDE]: OVERRIDE if set, else the build's minipoll.ko.
mp_find_ko() {
	local c

	for c in "${1:-}" "$here/../build/minipoll.ko" "$here/../../minipoll.ko"; do
		if [ -n "$c" ] && [ -f "$c" ]; then
			echo "$c"
			return
		fi
	done
}

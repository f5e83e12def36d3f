#!/bin/sh
# The guest's PID 1 after switch_root, running on the host's root (read-only
# over 9p): make the writable places, load minipoll.ko, run the command that
# scripts/vm-run left in the run directory, check the kernel log, report the
# status to the host and power off.
#
# usage: guest.sh REPO RUNDIR

repo=$1
run=$2
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8
bb=/bin/busybox

# Find a virtio-serial port by the name vm-run gave it. The ports are probed
# asynchronously after virtio_console loads: give them a few seconds.
port() {
	tries=0
	while [ $tries -lt 100 ]; do
		for f in /sys/class/virtio-ports/vport*/name; do
			[ "$(cat "$f" 2>/dev/null)" = "$1" ] || continue
			d=${f%/name}
			[ -c "/dev/${d##*/}" ] || continue
			echo "/dev/${d##*/}"
			return 0
		done
		tries=$((tries + 1))
		sleep 0.05
	done
	echo "vm: no virtio port named $1; using the console" > /dev/console
	echo /dev/console
}

report() {
	echo "$1" > "$(port minipoll.ret)"
	echo "$1" > "$run/rc"
	echo "MINIPOLL-RC=$1" > /dev/console
	sync
	$bb poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
# What udev would create: programs reopen /dev/stdout (kselftest's runner).
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
for i in 0:stdin 1:stdout 2:stderr; do
	[ -e "/dev/${i#*:}" ] || ln -s "/proc/self/fd/${i%:*}" "/dev/${i#*:}"
done

# Copy-on-write overlays where programs expect to write. An overlay on a
# directory above the repository (a checkout under /tmp or /var) would
# cover its read-write mount with the host root's read-only view of the
# same files, and what the guest writes into the tree would land in the
# overlay and be lost; so the repository mount is kept at /run/repo
# meanwhile and bound back over its path afterwards (the command vm-run
# writes does the same after each --overlay).
mkdir -p /run/repo
mount --bind "$repo" /run/repo
for d in /tmp /var /lib/modules; do
	up=/run/ov$d
	mkdir -p "$up/upper" "$up/work"
	mount -t overlay -o "lowerdir=$d,upperdir=$up/upper,workdir=$up/work" \
		overlay "$d" || echo "vm: cannot overlay $d" >&2
	case $repo/ in
	"$d"/*) mount --bind /run/repo "$repo" || echo "vm: cannot uncover $repo" >&2 ;;
	esac
done
chmod 1777 /tmp
$bb hostname minipoll-vm
$bb ip link set lo up

out=$(port minipoll.out)
err=$(port minipoll.err)
kver=$(uname -r)

# The kernel log is judged from this line on.
echo "minipoll-vm: start" > /dev/kmsg

rc=0
if [ -f "$run/module" ]; then
	ko=$(cat "$run/module")
	# Tests that unload and reload the module reload this one.
	export MINIPOLL_KO="$ko"
	mkdir -p "/lib/modules/$kver/extra"
	cp "$ko" "/lib/modules/$kver/extra/minipoll.ko"
	# vm-run ran depmod on the host (over 9p it takes half a minute).
	cp "$run"/depmod/lib/modules/"$kver"/modules.* "/lib/modules/$kver/" 2>/dev/null
	if ! insmod "$ko" 2>"$err"; then
		echo "vm: insmod $ko failed" > "$err"
		rc=126
	fi
fi

# The command writes to FIFOs, not straight to the ports: a virtio port can
# be open only once, and programs (kselftest's runner) reopen /dev/stdout.
if [ $rc -eq 0 ]; then
	mkfifo /run/stdout /run/stderr
	cat /run/stdout > "$out" &
	cat_out=$!
	cat /run/stderr > "$err" &
	cat_err=$!
	sh "$run/cmd" < /dev/null > /run/stdout 2> /run/stderr
	rc=$?
	wait $cat_out $cat_err
fi

# kmemleak only reports after a scan; two scans let young objects age.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	sleep 1
	echo scan > /sys/kernel/debug/kmemleak
fi

dmesg | sed -n '/minipoll-vm: start/,$p' > /run/klog
[ -r /sys/kernel/debug/kmemleak ] && cat /sys/kernel/debug/kmemleak >> /run/klog
pattern='BUG:|WARNING:|Oops|KASAN|kmemleak|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|rcu.*stall|detected stall|sleeping function called from invalid context|list_add corruption|list_del corruption|general protection fault|Kernel panic|unreferenced object|hung_task|blocked for more than'
if grep -Eq "$pattern" /run/klog; then
	{
		echo "vm: the kernel log reports a problem:"
		cat /run/klog
	} > "$err"
	[ $rc -eq 0 ] && rc=125
fi
cp /run/klog "$run/dmesg" 2>/dev/null

report $rc

#!/bin/busybox sh
# /init of the second-kernel lane's initramfs (busybox ash). Mounts the pseudo filesystems, runs
# every /ktest/cases/*.sh and prints one line per case on the console:
#   SCRY-KTEST <case> PASS|FAIL|SKIP <reason>
# framed by SCRY-KTEST-BOOT <kernel release> and SCRY-KTEST-DONE, then powers off.
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
. /ktest/env # LD_LIBRARY_PATH, CASE_TIMEOUT, KTEST_VERBOSE

echo "SCRY-KTEST-BOOT $(uname -r)"
for c in /ktest/cases/*.sh; do
	name=$(basename "$c" .sh)
	start=$(cut -d' ' -f1 /proc/uptime)
	CASE=$name timeout -s KILL "$CASE_TIMEOUT" sh "$c" >"/tmp/$name.log" 2>&1
	rc=$?
	end=$(cut -d' ' -f1 /proc/uptime)
	reason=$(sed -n 's/^REASON: //p' "/tmp/$name.log" | tail -n 1)
	case $rc in
	0) res=PASS ;;
	77) res=SKIP ;;
	137) res=FAIL reason="killed after ${CASE_TIMEOUT} s" ;;
	*) res=FAIL ;;
	esac
	[ -n "$reason" ] || reason="exit status $rc"
	if [ "$res" = FAIL ] || [ "$KTEST_VERBOSE" = 1 ]; then
		sed "s/^/| $name: /" "/tmp/$name.log"
	fi
	echo "SCRY-KTEST $name $res $reason ($(echo "$start $end" | awk '{printf "%.1f", $2 - $1}') s)"
done
echo "SCRY-KTEST-DONE"
sync
poweroff -f
# if powering off did not work, ending init panics the kernel, and panic=-1 + -no-reboot stop qemu
exit 1

# A kprobe in a module (`kprobe:MODULE:FUNC`, attached as "MODULE:FUNC"): loop.ko's ioctl handler,
# lo_ioctl(bdev, mode, cmd, arg), gets LOOP_GET_STATUS64 (0x4c05) or LOOP_GET_STATUS (0x4c03) when
# losetup queries a loop device. Module globs list module functions as kprobe:MODULE:FUNC.
. /ktest/lib.sh
[ -f /ktest/modules/loop.ko ] || skip "loop.ko is not in the initramfs"
grep -q '^loop ' /proc/modules || insmod /ktest/modules/loop.ko || fail "insmod loop.ko failed"
scry_run 60 -l 'kprobe:loop:lo_*'
expect_rc 0
expect_line "kprobe:loop:lo_ioctl"
scry_start -e 'kprobe:loop:lo_ioctl { printf("%s cmd=0x%x\n", probe, arg2); exit(); }'
trigger_until_exit 30 losetup /dev/loop0
expect_rc 0
grep -qE '^kprobe:loop:lo_ioctl cmd=0x4c0[35]$' "$OUT" || fail "expected kprobe:loop:lo_ioctl cmd=0x4c05 or 0x4c03"
pass "kprobe:loop:lo_ioctl fired with the LOOP_GET_STATUS command"

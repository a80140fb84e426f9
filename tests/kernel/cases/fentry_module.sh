# fentry on a module function (split BTF in /sys/kernel/btf/loop): loop.ko's lo_ioctl(bdev, mode,
# cmd, arg) gets LOOP_GET_STATUS64 (0x4c05) or LOOP_GET_STATUS (0x4c03) from losetup; its args
# come from the module's BTF. Unknown functions and modules, and functions without BTF (the
# assembly entry_SYSCALL_64), are reported at expansion.
. /ktest/lib.sh
[ -f /ktest/modules/loop.ko ] || skip "loop.ko is not in the initramfs"
grep -q '^loop ' /proc/modules || insmod /ktest/modules/loop.ko || fail "insmod loop.ko failed"
scry_run 60 -l 'fentry:loop:lo_*'
expect_rc 0
expect_line "fentry:loop:lo_ioctl"
scry_start -e 'fentry:loop:lo_ioctl { printf("%s cmd=0x%x\n", probe, args.cmd); exit(); }'
trigger_until_exit 30 losetup /dev/loop0
expect_rc 0
grep -qE '^fentry:loop:lo_ioctl cmd=0x4c0[35]$' "$OUT" || fail "expected fentry:loop:lo_ioctl cmd=0x4c05 or 0x4c03"
scry_run 60 -e 'fentry:no_such_function_scry { exit(); }'
expect_rc 1
expect_text "unknown kernel function: no_such_function_scry"
scry_run 60 -e 'fentry:no_such_module_scry:lo_ioctl { exit(); }'
expect_rc 1
expect_text "kernel module no_such_module_scry is not loaded"
scry_run 60 -e 'fentry:entry_SYSCALL_64 { exit(); }'
expect_rc 1
expect_text "no BTF for kernel function entry_SYSCALL_64"
pass "fentry:loop:lo_ioctl fired with the LOOP_GET_STATUS command; errors reported"

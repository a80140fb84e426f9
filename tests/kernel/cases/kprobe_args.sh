# argN of a kprobe: do_sys_openat2(int dfd, filename, how) gets AT_FDCWD (-100) for an open(2)
# without a directory fd (arg0 is the whole 64-bit register, whose upper half the ABI leaves
# undefined for an int, hence the cast), and vfs_read(file, buf, count, pos) gets the block size
# dd asks for.
. /ktest/lib.sh
scry_start -e 'kprobe:do_sys_openat2 /comm == "cat"/ { printf("dfd=%d\n", (int32)arg0); exit(); }'
trigger_until_exit 30 cat /proc/version
expect_rc 0
expect_line "dfd=-100"
scry_start -e 'kprobe:vfs_read /comm == "dd"/ { printf("count=%d\n", arg2); exit(); }'
trigger_until_exit 30 dd if=/proc/version of=/dev/null bs=1234 count=1
expect_rc 0
expect_line "count=1234"
pass "arg0 = -100, arg2 = 1234"

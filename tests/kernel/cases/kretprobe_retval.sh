# retval of a kretprobe: do_sys_openat2 returns -ENOENT (-2) for a missing file.
. /ktest/lib.sh
scry_start -e 'kretprobe:do_sys_openat2 /comm == "cat"/ { printf("ret=%d\n", retval); exit(); }'
trigger_until_exit 30 cat /no/such/file
expect_rc 0
expect_line "ret=-2"
pass "retval = -2"

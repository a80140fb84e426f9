# A plain kprobe fires (no argN needed): do_sys_openat2 runs for every open(2).
. /ktest/lib.sh
scry_start -e 'kprobe:do_sys_openat2 /comm == "cat"/ { printf("hit %s\n", comm); exit(); }'
trigger_until_exit 30 cat /proc/version
expect_rc 0
expect_line "hit cat"
expect_line "Attached 1 probe"
pass "kprobe:do_sys_openat2 fired"

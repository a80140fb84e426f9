# A glob expands against available_filter_functions (one probe per function), `probe` names the
# function that fired, and -l lists the same functions.
. /ktest/lib.sh
scry_run 60 -l 'kprobe:vfs_read*'
expect_rc 0
expect_line "kprobe:vfs_read"
n=$(grep -c '^kprobe:vfs_read' "$OUT")
scry_start -e 'kprobe:vfs_read* /comm == "dd"/ { printf("%s\n", probe); exit(); }'
expect_line "Attached $n probes"
trigger_until_exit 30 dd if=/proc/version of=/dev/null bs=100 count=1
expect_rc 0
expect_line "kprobe:vfs_read"
pass "$n functions listed and attached, probe = kprobe:vfs_read"

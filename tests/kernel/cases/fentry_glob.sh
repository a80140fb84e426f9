# A glob expands over the functions with BTF that ftrace can patch (one program per function),
# `probe` names the one that fired, and -l lists the same functions as fentry:MODULE:FUNC (also
# when asked through the kfunc alias).
. /ktest/lib.sh
scry_run 60 -l 'fentry:vfs_read*'
expect_rc 0
expect_line "fentry:vmlinux:vfs_read"
n=$(grep -c '^fentry:vmlinux:vfs_read' "$OUT")
[ "$n" -ge 2 ] || fail "expected vfs_read and more functions in the listing"
scry_run 60 -l 'kfunc:vmlinux:vfs_read'
expect_rc 0
expect_line "fentry:vmlinux:vfs_read"
scry_start -e 'fexit:vfs_read* /comm == "dd"/ { printf("%s\n", probe); exit(); }'
expect_line "Attached $n probes"
trigger_until_exit 30 dd if=/proc/version of=/dev/null bs=100 count=1
expect_rc 0
expect_line "fexit:vmlinux:vfs_read"
pass "$n functions listed and attached, probe = fexit:vmlinux:vfs_read"

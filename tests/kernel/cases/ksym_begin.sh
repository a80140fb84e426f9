# ksym() resolves kernel addresses through /proc/kallsyms.
. /ktest/lib.sh
scry_start -e 'BEGIN { printf("s=%s\n", ksym(kaddr("vfs_read"))); exit(); }'
sleep 5
expect_line "s=vfs_read"
pass "ksym resolves"

# fentry: `args` is typed from the function's BTF prototype. do_sys_openat2(int dfd, const char
# __user *filename, struct open_how *how) gets AT_FDCWD (-100) and the path for an open(2)
# without a directory fd; str() reads the user string. vfs_read(file, buf, count, pos) gets the
# block size dd asks for, as args.count and as arg2 (the third u64 slot of the context).
. /ktest/lib.sh
scry_start -e 'fentry:do_sys_openat2 /comm == "cat"/ { printf("dfd=%d file=%s\n", args.dfd, str(args.filename)); exit(); }'
trigger_until_exit 30 cat /proc/version
expect_rc 0
expect_line "dfd=-100 file=/proc/version"
scry_start -e 'kfunc:vfs_read /comm == "dd"/ { printf("count=%d arg2=%d %s\n", args.count, arg2, probe); exit(); }'
trigger_until_exit 30 dd if=/proc/version of=/dev/null bs=1234 count=1
expect_rc 0
expect_line "count=1234 arg2=1234 fentry:vmlinux:vfs_read"
pass "args.dfd = -100, str(args.filename), args.count = arg2 = 1234"

# fexit: retval is the slot after the arguments, typed from the return type (long: -ENOENT is
# -2), and the arguments are still readable at return: vfs_read(file, buf, count, pos) returns
# the bytes read and has advanced *pos by as many; pointer arguments are walked through BTF types
# (file->f_path.dentry->d_name.name).
. /ktest/lib.sh
scry_start -e 'fexit:do_sys_openat2 /comm == "cat"/ { printf("ret=%d dfd=%d file=%s\n", retval, args.dfd, str(args.filename)); exit(); }'
trigger_until_exit 30 cat /no/such/file
expect_rc 0
expect_line "ret=-2 dfd=-100 file=/no/such/file"
scry_start -e 'fr:vfs_read /comm == "dd"/ { printf("ret=%d pos=%d name=%s\n", retval, *args.pos, str(args.file->f_path.dentry->d_name.name)); exit(); }'
trigger_until_exit 30 dd if=/proc/version of=/dev/null bs=5 count=1
expect_rc 0
expect_line "ret=5 pos=5 name=version"
pass "retval = -2 with the arguments; vfs_read returned 5 with *pos = 5 on /proc/version"

# Attach errors name the problem: a missing function, an offset inside an instruction.
. /ktest/lib.sh
scry_run 60 -e 'kprobe:no_such_function_scry { exit(); }'
expect_rc 1
expect_text "kprobe target not found: no_such_function_scry"
scry_run 60 -e 'kprobe:vfs_read+1 { exit(); }'
expect_rc 1
expect_text "is not at an instruction boundary of vfs_read"
pass "missing function and bad offset reported"

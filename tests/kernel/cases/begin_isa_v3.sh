# BEGIN runs, and scry picked BPF ISA v3: the 6.1 kernel rejects v4 instructions.
. /ktest/lib.sh
scry_run 60 -v -e 'BEGIN { printf("hello\n"); exit(); }'
expect_rc 0
expect_line hello
expect_text "generating BPF ISA v3"
pass "hello printed, ISA v3"

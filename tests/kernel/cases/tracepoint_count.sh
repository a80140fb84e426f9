# A tracepoint counts exactly the events the test causes: `cat` opens its three arguments.
. /ktest/lib.sh
scry_start -e 'tracepoint:syscalls:sys_enter_openat /comm == "cat"/ { @opens = count(); }'
cat /proc/version /proc/cpuinfo /proc/uptime >/dev/null
scry_stop
expect_line "@opens: 3"
pass "@opens: 3"

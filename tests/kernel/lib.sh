# Helpers for the cases of the second-kernel lane, sourced by every case inside the guest (busybox
# ash: POSIX sh, no bash). A case ends with pass/fail/skip; the last "REASON:" line it printed is
# reported by /init on the console as "SCRY-KTEST <case> PASS|FAIL|SKIP <reason>".

# Where the current scry run's stdout+stderr go.
OUT=/tmp/${CASE:-case}.out

pass() { echo "REASON: ${*:-ok}"; exit 0; }
fail() {
	echo "REASON: $*"
	if [ -s "$OUT" ]; then
		echo "--- scry output:"
		cat "$OUT"
	fi
	exit 1
}
skip() { echo "REASON: $*"; exit 77; }

# A process is running: it exists and is not a zombie. Shell builtins only: a helper process
# (cat, grep) here would fire the probes the cases filter on by comm.
alive() {
	stat=
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	# shellcheck disable=SC2086 # split the fields: pid (comm) state ...
	set -- $stat
	[ -n "$3" ] && [ "$3" != Z ]
}

# scry_run SECONDS ARGS...: run scry in the foreground; output in $OUT, exit status in $RC.
scry_run() {
	t=$1
	shift
	timeout -s KILL "$t" scry "$@" >"$OUT" 2>&1
	RC=$?
}

# scry_start ARGS...: start scry in the background and wait (up to 60 s) until it has attached
# every probe. Fails the case if scry exits first.
scry_start() {
	scry "$@" >"$OUT" 2>&1 &
	SCRY_PID=$!
	i=0
	while ! grep -q '^Attached [0-9]* probe' "$OUT"; do
		if ! alive "$SCRY_PID"; then
			wait "$SCRY_PID"
			fail "scry exited (status $?) before attaching"
		fi
		i=$((i + 1))
		[ "$i" -gt 300 ] && fail "scry did not attach within 60 s"
		sleep 0.2
	done
}

# scry_wait SECONDS: wait for the background scry to exit by itself; RC is its status. Interrupts
# (then kills) it and fails the case if it is still running after SECONDS.
scry_wait() {
	i=0
	while alive "$SCRY_PID"; do
		i=$((i + 1))
		if [ "$i" -gt $(($1 * 5)) ]; then
			scry_stop
			fail "scry did not exit within $1 s"
		fi
		sleep 0.2
	done
	wait "$SCRY_PID"
	RC=$?
}

# scry_stop: SIGINT the background scry (it prints its maps and exits); kill it after 20 s.
scry_stop() {
	kill -INT "$SCRY_PID" 2>/dev/null
	i=0
	while alive "$SCRY_PID" && [ "$i" -lt 100 ]; do
		i=$((i + 1))
		sleep 0.2
	done
	alive "$SCRY_PID" && kill -KILL "$SCRY_PID" 2>/dev/null
	wait "$SCRY_PID"
	RC=$?
}

# trigger_until_exit SECONDS CMD...: run CMD every 0.2 s until the background scry exits (the
# program calls exit()); fails the case if that takes longer than SECONDS.
trigger_until_exit() {
	t=$1
	shift
	i=0
	while alive "$SCRY_PID"; do
		"$@" >/dev/null 2>&1
		i=$((i + 1))
		if [ "$i" -gt $((t * 5)) ]; then
			scry_stop
			fail "scry did not exit within $t s of triggering its probe"
		fi
		sleep 0.2
	done
	wait "$SCRY_PID"
	RC=$?
}

# expect_line TEXT: $OUT has a line equal to TEXT.
expect_line() {
	grep -qxF -- "$1" "$OUT" || fail "expected the line \"$1\""
}

# expect_text TEXT: $OUT contains TEXT.
expect_text() {
	grep -qF -- "$1" "$OUT" || fail "expected \"$1\" in the output"
}

# expect_rc N
expect_rc() {
	[ "$RC" = "$1" ] || fail "scry exited with status $RC, expected $1"
}

/* builtins: the one list of builtin variables, functions and aggregations (X-macro). Sema and
 * codegen switch on enum builtin_id; name lookup tables are generated from this list. */
#ifndef SCRY_BUILTINS_H
#define SCRY_BUILTINS_H
#include <stdbool.h>

enum builtin_kind {
	BK_VAR,  /* context variable: pid, comm, ... (also callable with no args) */
	BK_FUNC, /* function: printf, str, ... */
	BK_AGG,  /* aggregation, only as @m[...] = f(...) */
};

/* X(id, name, kind, min_args, max_args, implemented) — `implemented` = accepted by sema today;
 * the others are recognised so the user gets "not yet supported" instead of "unknown function". */
#define BUILTIN_LIST(X)                                         \
	X(PID, "pid", BK_VAR, 0, 2, true)                       \
	X(TID, "tid", BK_VAR, 0, 2, true)                       \
	X(UID, "uid", BK_VAR, 0, 0, true)                       \
	X(GID, "gid", BK_VAR, 0, 0, true)                       \
	X(COMM, "comm", BK_VAR, 0, 1, true)                     \
	X(NSECS, "nsecs", BK_VAR, 0, 1, true)                   \
	X(ELAPSED, "elapsed", BK_VAR, 0, 0, true)               \
	X(CPU, "cpu", BK_VAR, 0, 0, true)                       \
	X(PROBE, "probe", BK_VAR, 0, 0, true)                   \
	X(ARGS, "args", BK_VAR, 0, 0, true)                     \
	X(USERNAME, "username", BK_VAR, 0, 0, true)             \
	X(PCOMM, "pcomm", BK_VAR, 0, 1, true)                   \
	X(LEADER_TID, "leader_tid", BK_VAR, 0, 1, true)         \
	X(LEADER_COMM, "leader_comm", BK_VAR, 0, 1, true)       \
	X(PPID, "ppid", BK_VAR, 0, 1, true)                     \
	X(JIFFIES, "jiffies", BK_VAR, 0, 0, true)               \
	X(NCPUS, "ncpus", BK_VAR, 0, 0, true)                   \
	X(NUMAID, "numaid", BK_VAR, 0, 0, true)                 \
	X(CURTASK, "curtask", BK_VAR, 0, 0, true)               \
	X(RAND, "rand", BK_VAR, 0, 0, true)                     \
	X(CGROUP, "cgroup", BK_VAR, 0, 0, true)                 \
	X(CPID, "cpid", BK_VAR, 0, 0, true)                     \
	X(HAS_CPID, "has_cpid", BK_VAR, 0, 0, true)             \
	X(KSTACK, "kstack", BK_VAR, 0, 2, true)                 \
	X(USTACK, "ustack", BK_VAR, 0, 2, true)                 \
	X(RETVAL, "retval", BK_VAR, 0, 0, true)                 \
	X(ARGN, "argN", BK_VAR, 0, 0, true) /* arg0, arg1, ... */ \
	X(FUNC, "func", BK_VAR, 0, 0, true)                     \
	X(CTX, "ctx", BK_VAR, 0, 0, true)                       \
	X(PROBETYPE, "probetype", BK_VAR, 0, 0, true)           \
	X(PRINTF, "printf", BK_FUNC, 1, 128, true)              \
	X(EXIT, "exit", BK_FUNC, 0, 1, true)                    \
	X(STR, "str", BK_FUNC, 1, 2, true)                      \
	X(PRINT, "print", BK_FUNC, 1, 3, true)                  \
	X(CLEAR, "clear", BK_FUNC, 1, 1, true)                  \
	X(DELETE, "delete", BK_FUNC, 1, 2, true)                \
	X(ZERO, "zero", BK_FUNC, 1, 1, true)                    \
	X(TIME, "time", BK_FUNC, 0, 1, true)                    \
	X(JOIN, "join", BK_FUNC, 1, 2, true)                    \
	X(BUF, "buf", BK_FUNC, 1, 2, true)                      \
	X(KSYM, "ksym", BK_FUNC, 1, 1, true)                    \
	X(USYM, "usym", BK_FUNC, 1, 1, true)                    \
	X(SYSTEM, "system", BK_FUNC, 1, 128, true)              \
	X(CAT, "cat", BK_FUNC, 1, 128, true)                    \
	X(HAS_KEY, "has_key", BK_FUNC, 2, 2, true)              \
	X(LEN, "len", BK_FUNC, 1, 1, true)                      \
	X(STRNCMP, "strncmp", BK_FUNC, 3, 3, true)              \
	X(BSWAP, "bswap", BK_FUNC, 1, 1, true)                  \
	X(REG, "reg", BK_FUNC, 1, 1, true)                      \
	X(NTOP, "ntop", BK_FUNC, 1, 2, true)                    \
	X(STRFTIME, "strftime", BK_FUNC, 2, 2, true)            \
	X(SYSCALL_NAME, "syscall_name", BK_FUNC, 1, 1, true)    \
	X(SIGNAL_NAME, "signal_name", BK_FUNC, 1, 1, true)      \
	X(STRERROR, "strerror", BK_FUNC, 1, 1, true)            \
	X(MACADDR, "macaddr", BK_FUNC, 1, 1, true)              \
	X(KADDR, "kaddr", BK_FUNC, 1, 1, true)                  \
	X(UADDR, "uaddr", BK_FUNC, 1, 2, true)                  \
	X(ASSERT, "assert", BK_FUNC, 2, 2, true)                \
	X(KPTR, "kptr", BK_FUNC, 1, 1, true)                    \
	X(UPTR, "uptr", BK_FUNC, 1, 1, true)                    \
	X(IS_ERR, "is_err", BK_FUNC, 1, 1, true)                \
	X(CONTAINER_OF, "container_of", BK_FUNC, 3, 3, true)    \
	X(STATIC_ASSERT, "static_assert", BK_FUNC, 2, 2, true)  \
	X(FAIL, "fail", BK_FUNC, 1, 128, true)                  \
	X(PTON, "pton", BK_FUNC, 1, 1, true)                    \
	X(CGROUPID, "cgroupid", BK_FUNC, 1, 1, true)            \
	X(CGROUP_PATH, "cgroup_path", BK_FUNC, 1, 2, true)      \
	X(USERMODE, "usermode", BK_VAR, 0, 0, true)             \
	X(SIGNAL, "signal", BK_FUNC, 1, 1, true)                \
	X(SIGNAL_THREAD, "signal_thread", BK_FUNC, 1, 1, true)  \
	X(STRLEN, "strlen", BK_FUNC, 1, 1, true)                \
	X(STRCONTAINS, "strcontains", BK_FUNC, 2, 2, true)      \
	X(STRSTR, "strstr", BK_FUNC, 2, 2, true)                \
	X(ERRORF, "errorf", BK_FUNC, 1, 128, true)              \
	X(WARNF, "warnf", BK_FUNC, 1, 128, true)                \
	X(DEBUGF, "debugf", BK_FUNC, 1, 13, true)               \
	X(COUNT, "count", BK_AGG, 0, 0, true)                   \
	X(SUM, "sum", BK_AGG, 1, 1, true)                       \
	X(MIN, "min", BK_AGG, 1, 1, true)                       \
	X(MAX, "max", BK_AGG, 1, 1, true)                       \
	X(AVG, "avg", BK_AGG, 1, 1, true)                       \
	X(STATS, "stats", BK_AGG, 1, 1, true)                   \
	X(HIST, "hist", BK_AGG, 1, 2, true)                     \
	X(LHIST, "lhist", BK_AGG, 4, 4, true)                   \
	X(TSERIES, "tseries", BK_AGG, 3, 4, false)

enum builtin_id {
	BI_NONE = 0,
#define X(id, name, kind, mn, mx, impl) BI_##id,
	BUILTIN_LIST(X)
#undef X
	BI_COUNT_
};

struct builtin_info {
	const char *name;
	enum builtin_kind kind;
	int min_args, max_args;
	bool implemented;
};

/* BI_NONE if `name` is not a builtin. arg0, arg1, ... are BI_ARGN (builtin_argn gives N). */
enum builtin_id builtin_lookup(const char *name);
const struct builtin_info *builtin_info(enum builtin_id id);
/* N for "argN" (N decimal, no leading zeros but "arg0"), or -1. */
int builtin_argn(const char *name);
#endif

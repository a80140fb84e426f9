/* resources: the contract between compiler and runtime. Sema builds it; codegen lays out maps and
 * events from it; the runtime decodes every map and event with it and never sees the AST. All
 * pointers are owned by the resources' arena (types by the type_ctx the resources reference). */
#ifndef SCRY_RESOURCES_H
#define SCRY_RESOURCES_H
#include <stdbool.h>
#include <stdint.h>

#include "ast/types.h"
#include "diag/diag.h"
#include "util/util.h"

struct probe_provider;

/* Event header at the start of every ring-buffer record. */
enum event_kind {
	EV_PRINTF = 1, /* id = res_printf index; payload = args laid out as res_printf.args */
	EV_EXIT = 2,   /* payload: int64 exit code */
	EV_PRINT = 3,  /* id = res_map index; payload: int64 top, int64 div */
	EV_CLEAR = 4,  /* id = res_map index */
	EV_PRINT_VALUE = 5, /* id = res_printf index used as a one-value layout (print(expr)) */
	EV_FORMATTED = 6,   /* id = res_printf index; time()/cat()/system(): kind says what to do */
	EV_ZERO = 7,        /* id = res_map index: set every value to zero */
};
struct event_hdr {
	uint32_t kind; /* enum event_kind */
	uint32_t id;
};

/* One BPF map made for a script map (@name). Layout (docs/internals.md):
 *  key   = key type bytes (8 zero bytes for a scalar map), then for hist/lhist a u64 bucket index
 *          at offset key_size - 8 (the key bytes are zero-padded to a multiple of 8)
 *  value = value type bytes (aggregations: per-CPU, merged by the runtime) */
struct res_map {
	const char *name;     /* "@x", "@" */
	const char *sym;      /* ELF symbol / BPF map name, e.g. "AT_x" */
	struct type *key;     /* NULL for a scalar map; a T_TUPLE for multi-key maps */
	struct type *value;   /* element type, e.g. int64, string[16], T_COUNT, T_HIST ... */
	uint32_t key_size;    /* bytes including the bucket index for hist/lhist */
	uint32_t value_size;
	int bpf_type;         /* BPF_MAP_TYPE_HASH / PERCPU_HASH / LRU_HASH ... */
	uint32_t max_entries;
	struct loc loc;       /* first use, for runtime warnings */
	const struct ast_node *decl; /* `let @m = lruhash(N);` declaring it, or NULL (compiler only) */
};

/* An argument of a formatted event (printf and friends). */
struct res_fmt_arg {
	struct type *type;
	uint32_t offset; /* from the start of the payload (after event_hdr) */
};

#define JOIN_MAX_ARGS 16
#define JOIN_ARG_SIZE 256
enum res_fmt_kind {
	FMT_PRINTF,      /* printf(fmt, args) */
	FMT_PRINT_VALUE, /* print(value) */
	FMT_TIME,        /* time(fmt): fmt is a strftime format, no args */
	FMT_CAT,         /* cat(fmt, args): print the file named by the formatted text */
	FMT_SYSTEM,      /* system(fmt, args): run the formatted command (--unsafe) */
	FMT_WARNF,       /* warnf(fmt, args): a located warning */
	FMT_ERRORF,      /* errorf(fmt, args) and failed assert(): a located error */
	FMT_JOIN,        /* join(argv, sep): fmt is the separator; payload { u64 n; char arg[16][256] } */
	FMT_STRFTIME,    /* strftime(fmt, ns): only the format, used to print T_TIMESTAMP values */
	FMT_CGROUP,      /* cgroup_path(id, filter): only the hierarchy glob, for T_CGROUP_PATH values */
};

struct res_printf {
	enum res_fmt_kind kind;
	const char *fmt;  /* format string as written (escapes decoded) */
	struct res_fmt_arg *args;
	uint32_t nargs;
	uint32_t size;    /* payload size */
	struct loc loc;
};

/* One concrete attach point = one BPF program. */
struct res_probe {
	const struct probe_provider *prov;
	const char *name;     /* full expanded name, e.g. "tracepoint:syscalls:sys_enter_openat" */
	const char *target;   /* provider-specific target, e.g. "syscalls:sys_enter_openat", or "s:1" */
	const char *prog;     /* BPF program (function) name */
	uint64_t period;      /* interval/profile: ns or hz value (see freq) */
	bool freq;            /* period is a frequency in Hz */
	int probe_index;      /* index of the AST probe it came from */
	struct type *args;    /* type of `args` for this target (tracepoint format), NULL if unused */
	int pid;              /* -p/-c: attach to / filter on this process only (0: all) */
	struct loc loc;       /* the attach point as written */
};

struct resources {
	struct arena arena;
	VEC(struct res_map) maps;
	VEC(struct res_printf) fmts;
	VEC(struct res_probe) probes;       /* in program order; begin/end included */
	uint32_t ringbuf_size;              /* bytes, power of 2 */
	uint32_t scratch_size;              /* per-CPU scratch bytes needed by the largest program */
	uint32_t max_map_keys;
	uint32_t ncpus;                     /* possible CPUs (slots of a per-CPU map value) */
	int target_pid;                     /* -p PID (0: none): non-begin/end probes filter on it */
	bool has_begin_end_only;            /* only begin/end probes: exit after END */
};

void resources_init(struct resources *r);
void resources_free(struct resources *r);
#endif

/* probes: one provider per probe kind (one file each) plus the registry table in registry.c.
 * A provider expands attach points into concrete targets, lists probes for -l, types `args`,
 * names the ELF section and attaches a loaded program. Strings it returns in probe_target are
 * allocated from the arena passed in; links are owned by the probe_links they were added to. */
#ifndef SCRY_PROBE_H
#define SCRY_PROBE_H
#include <stdbool.h>
#include <stdint.h>

#include "ast/types.h"
#include "util/util.h"

struct bpf_program;
struct bpf_link;
struct res_probe;
struct probe_provider;

/* Probes the runtime runs itself with BPF_PROG_TEST_RUN instead of attaching them: begin and end
 * (once, at start and at exit) and self:signal (each time scry gets SIGUSR1). */
enum probe_special { PS_NONE, PS_BEGIN, PS_END, PS_SIGNAL };

/* Values a provider can locate in its program's context (see probe_provider.ctx_offset). */
enum probe_ctx_value { PCTX_ARG, PCTX_RETVAL };

/* Where one argument (or the return value) of a concrete probe lives, for providers whose
 * arguments differ per target (USDT operand specs, fentry/fexit prototypes); see arg_loc. */
struct probe_arg_loc {
	enum { PARG_CTX, PARG_CONST, PARG_MEM } kind;
	int ctx_offset;   /* PARG_CTX/PARG_MEM: byte offset of a 64-bit slot (register) in the context */
	int64_t value;    /* PARG_CONST: the value; PARG_MEM: displacement added to the slot's value */
	uint8_t size;     /* 1, 2, 4 or 8: the argument's width (the slot/memory is read at this width) */
	bool is_signed;   /* sign-extend to 64 bits */
	bool user;        /* PARG_MEM: the address is in user memory (else kernel) */
};

/* pt_regs layout of this architecture (x86_64, arm64): offset of argument register n (-1 past the
 * last register argument) and of the return-value register. Shared by kprobe/uprobe/usdt. */
int probe_regs_arg_offset(int n);
int probe_regs_retval_offset(void);
/* Does this provider's program context start with pt_regs (kprobe-type and perf-event programs:
 * kprobe, uprobe, usdt, profile, interval, software, hardware)? reg() and usermode need it. */
bool probe_ctx_has_regs(const struct probe_provider *p);
/* Offset of the register named `name` ("ip", "sp", "di", "pc" ...) in pt_regs, or -1. */
int probe_regs_offset(const char *name);
/* Offset of the register holding the privilege level (x86_64: cs), and the user-mode value mask
 * test: (reg & mask) == value. Returns -1 where not known. */
int probe_regs_mode(uint64_t *mask, uint64_t *value);
/* ctx_offset hooks for pt_regs-based probes: at function entry (argN) and at return (retval). */
int probe_regs_entry_ctx(enum probe_ctx_value what, int n);
int probe_regs_return_ctx(enum probe_ctx_value what, int n);

/* One concrete attach point produced by expansion. */
struct probe_target {
	const char *name;   /* full name, e.g. "tracepoint:sched:sched_switch", "interval:s:1", "begin" */
	const char *target; /* provider-specific, e.g. "sched:sched_switch" */
	uint64_t period;    /* interval/profile: period in ns, or frequency if freq */
	bool freq;
};
typedef VEC(struct probe_target) probe_target_vec;

/* A live attachment: a libbpf link and, for perf-event based probes, the perf event fd we opened
 * (disabled first at shutdown so data stops at once, before the slow teardown). */
struct probe_link {
	struct bpf_link *link;
	int perf_fd; /* -1 if none; owned (closed) by `link` once attached, by us only without a link */
};
struct probe_links {
	VEC(struct probe_link) v;
};

struct probe_provider {
	const char *name;            /* canonical name, e.g. "tracepoint" */
	const char *const *aliases;  /* NULL-terminated, e.g. {"t", NULL} */
	int prog_type;               /* enum bpf_prog_type */
	enum probe_special special;
	bool has_args;               /* `args` is available */
	/* Expand the parts after the provider (e.g. {"sched", "sched_*"}) into concrete targets,
	 * appended to out. Returns 0, or -errno with *err set to a message (arena-allocated). */
	int (*expand)(const struct probe_provider *p, const char *const *parts, int nparts, struct arena *a,
		      probe_target_vec *out, const char **err);
	/* Append "provider:...\n" lines for every probe matching the glob parts (sorted) to out. */
	int (*list)(const struct probe_provider *p, const char *const *parts, int nparts, struct strbuf *out);
	/* The type of `args` for a target, or NULL with *err set. */
	struct type *(*args_type)(struct type_ctx *tc, const char *target, const char **err, struct arena *a);
	/* ELF section for a program attached to target. */
	const char *(*section)(const char *target, struct arena *a);
	/* Attach a loaded program; adds links to `links`. Returns 0 or -errno with *err set (malloc'ed). */
	int (*attach)(struct bpf_program *prog, const struct res_probe *rp, struct probe_links *links, char **err);
	/* Where `argN` (what = PCTX_ARG, n = N) and `retval` (PCTX_RETVAL) live in the program's
	 * context: a byte offset of a 64-bit slot, or -1 when the probe has no such value. NULL = none
	 * (sema then rejects argN/retval with a located error). Codegen loads the slot directly. */
	int (*ctx_offset)(enum probe_ctx_value what, int n);
	/* Per-target argument locations, preferred over ctx_offset when set: argument n (n >= 0) or
	 * the return value (n = -1) of rp. Returns 0, or -ENOENT when rp has no such value. */
	int (*arg_loc)(const struct res_probe *rp, int n, struct probe_arg_loc *out);
	/* Optional: what to tell the user when the kernel refuses to load this kind of program
	 * before the verifier runs (e.g. "fentry/fexit programs cannot be loaded on this kernel"). */
	const char *load_refused;
	/* Optional: adjust a program between open and load (e.g. its expected attach type). */
	int (*prepare)(struct bpf_program *prog, const struct res_probe *rp);
	/* list() already applied the parts it was given (its lines may name resolved paths the
	 * user's pattern does not match textually), so the caller must not filter them again. */
	bool list_filtered;
	/* Optional, for probes that run to completion instead of waiting for events (kernel
	 * iterators): called after the begin probes with the first link attach() added for rp;
	 * returns once the kernel has run the program for every element (the runtime then finishes
	 * as if exit() had been called). Returns 0, PROBE_RUN_PINNED when the probe was pinned
	 * instead of run (*note says where; its program must stay enabled after scry exits), or
	 * -errno with *err set. *note and *err are malloc'ed. A script with such a probe may have no
	 * other probes but begin/end. */
	int (*run)(const struct res_probe *rp, struct bpf_link *link, char **note, char **err);
	/* The context's pointers may be NULL (iterators): the verifier refuses arithmetic on them
	 * until they are checked, and the kernel runs the program once more after the last element
	 * with NULL objects. Codegen should skip the body when the pointer after `meta` (offset 8)
	 * is NULL and read args' pointer fields as plain numbers. */
	bool ctx_ptrs_nullable;
};
#define PROBE_RUN_PINNED 1

/* Registry: NULL if no provider has that name or alias (begin/end are case-insensitive). */
const struct probe_provider *probe_provider_find(const char *name);
/* All providers, NULL-terminated, in listing order. */
extern const struct probe_provider *const probe_providers[];

/* Disable every perf event in links (stops data), then destroy all links (in parallel threads
 * where that saves time). Safe on an empty set. */
void probe_links_disable(struct probe_links *links);
/* Attach prog to the perf event pfd and record the link. On failure pfd is closed and *err says
 * "cannot attach WHAT: reason" (malloc'ed). Returns 0 or -errno. */
int probe_links_add_perf(struct probe_links *links, struct bpf_program *prog, int pfd, const char *what,
			 char **err);
/* Record a link (and the perf event fd behind it, or -1). */
void probe_links_add(struct probe_links *links, struct bpf_link *link, int perf_fd);
void probe_links_destroy(struct probe_links *links);

/* tracefs root ("/sys/kernel/tracing"), mounting tracefs there if no tracefs is mounted. NULL if
 * unavailable. */
const char *tracefs_root(void);
#endif

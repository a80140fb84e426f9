/* codegen: lowers the typed AST + resources to one BPF ELF object in memory (LLVM C API).
 * The returned ELF buffer is malloc-owned by the cg_result; free with cg_result_free. */
#ifndef SCRY_CODEGEN_H
#define SCRY_CODEGEN_H
#include <stdio.h>

#include "ast/ast.h"
#include "sema/resources.h"

struct cg_opts {
	const char *cpu;      /* BPF ISA: "v3" or "v4" (probed by the runtime) */
	const char *src_path; /* readable file holding the script text, named in BTF line info */
	const char *license;  /* BPF license string (config license); NULL = "GPL" */
	FILE *dump_ir;        /* -d ir: IR before optimisation, or NULL */
	FILE *dump_ir_opt;    /* -d ir-opt: IR after optimisation, or NULL */
};

struct cg_result {
	void *elf;
	size_t size;
};

/* Returns 0, or -EINVAL with diagnostics added (or an internal LLVM error as a diagnostic). */
int cg_compile(const struct ast_node *prog, const struct resources *res, const struct cg_opts *o,
	       struct cg_result *out, struct diag_list *dl);
void cg_result_free(struct cg_result *r);

/* Names of the internal maps the runtime looks up in the object. */
#define CG_RINGBUF_MAP "scry_events"
#define CG_CFG_MAP "scry_cfg" /* ARRAY of u64: [0] start time (boot ns), [1] lost events, [2] stop
				* flag, [3] failed map updates (a map was full) */
#define CG_SCRATCH_MAP "scry_scratch"
enum { CG_CFG_START_NS = 0, CG_CFG_LOST = 1, CG_CFG_STOP = 2, CG_CFG_MAP_FULL = 3, CG_CFG_N = 4 };
#endif

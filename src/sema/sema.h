/* sema: expands probes through the providers, resolves identifiers, types every expression and
 * builds the resources. It annotates the AST in place (node->type, map/call res_id). */
#ifndef SCRY_SEMA_H
#define SCRY_SEMA_H
#include "ast/ast.h"
#include "sema/resources.h"

struct cdecl;

struct sema_opts {
	const char *const *params; /* positional parameters $1..$N */
	int nparams;
	uint32_t max_strlen;   /* bytes for str() values (config max_strlen) */
	uint32_t max_map_keys; /* max entries per map */
	uint32_t ringbuf_size; /* bytes */
	uint32_t ncpus;        /* possible CPUs (libbpf_num_possible_cpus()) */
	int target_pid;        /* -p PID: probes are limited to this process (0: all) */
	int cpid;              /* -c: the child's pid (0: no child) */
	int stack_mode;        /* default kstack/ustack mode (config stack_mode) */
	bool unsafe;           /* --unsafe: system() and the other unsafe functions are allowed */
	const struct cdecl *cdecl; /* the program's C preamble (types, #define/enum constants), or NULL */
};

/* Returns 0, or -EINVAL when it added error diagnostics. */
int sema_run(struct ast_node *prog, const struct sema_opts *o, struct type_ctx *tc, struct resources *res,
	     struct diag_list *dl);

#endif

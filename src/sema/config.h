/* config: the script's `config = { key = value; ... }` block and the BPFTRACE_<KEY> / SCRY_<KEY>
 * environment variables (the environment wins; SCRY_ over BPFTRACE_), validated against the one
 * table of keys in config.c. Strings in struct config point into the AST or the environment. */
#ifndef SCRY_CONFIG_H
#define SCRY_CONFIG_H
#include <stdbool.h>
#include <stdint.h>

#include "ast/ast.h"

enum missing_probes { MISSING_ERROR, MISSING_WARN, MISSING_IGNORE };

struct config {
	uint64_t max_strlen;        /* bytes of str() values */
	uint64_t max_map_keys;      /* entries per map */
	uint64_t perf_rb_pages;     /* ring buffer pages (0: default) */
	uint64_t max_probes;        /* attach points */
	uint64_t max_bpf_progs;     /* programs */
	uint64_t log_size;          /* verifier log bytes */
	uint64_t on_stack_limit;
	uint64_t max_cat_bytes;
	bool print_maps_on_exit;
	bool cpp_demangle;
	bool lazy_symbolication;
	bool show_debug_info;
	bool use_blazesym;
	const char *str_trunc_trailer;
	const char *license;
	const char *cache_user_symbols; /* PER_PID, PER_PROGRAM, NONE */
	int stack_mode;                 /* enum stack_mode (types.h) */
	enum missing_probes missing_probes;
	const char *unstable_tseries, *unstable_dw_ustack, *unstable_typeinfo, *unstable_import_statement;
};

/* Defaults, then the program's config blocks, then the environment. Errors (unknown or renamed
 * keys, bad values) are located at the key or value; environment errors are unlocated.
 * Returns 0 or -EINVAL. */
int config_eval(const struct ast_node *prog, struct config *cfg, struct diag_list *dl);
#endif

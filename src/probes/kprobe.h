/* kprobe: the pure parts of the kprobe/kretprobe provider (attach-point parsing, symbol-list
 * matching), exposed for unit tests. Symbol vectors own their malloc'ed strings (kprobe_syms_free);
 * strings in a kprobe_spec come from the arena passed to kprobe_spec_parse. */
#ifndef SCRY_KPROBE_H
#define SCRY_KPROBE_H
#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"

/* An attach point after the provider name: `[module:]func[+offset]` or a raw address. */
struct kprobe_spec {
	const char *module; /* NULL: any (one part given); "vmlinux" = built into the kernel */
	const char *func;   /* function name or glob; NULL for a raw address */
	uint64_t offset;    /* byte offset into func, or the address when func is NULL */
	bool has_offset;    /* "+offset" was written */
};

/* Parse the parts after "kprobe"/"kretprobe". Returns 0, or -EINVAL with *err (arena) set. */
int kprobe_spec_parse(const char *const *parts, int nparts, bool retprobe, struct arena *a,
		      struct kprobe_spec *spec, const char **err);

/* A traceable function from a symbol list. */
struct kprobe_sym {
	char *name;
	char *module; /* NULL: vmlinux */
};
typedef VEC(struct kprobe_sym) kprobe_sym_vec;

enum kprobe_symfmt {
	KSYM_KALLSYMS,     /* /proc/kallsyms: "ADDR TYPE NAME[\t[MODULE]]", functions are t/T */
	KSYM_FILTER_FUNCS, /* tracefs available_filter_functions: "NAME[ [MODULE]]" */
};

/* Append the functions of text whose name matches func_pat and whose module matches mod_pat
 * ("vmlinux" for built-in functions; NULL = any module) to out. Compiler-split parts (".cold")
 * and padding/CFI symbols (__pfx_, __cfi_) are not functions one can probe and are skipped. */
void kprobe_syms_match(const char *text, enum kprobe_symfmt fmt, const char *mod_pat, const char *func_pat,
		       kprobe_sym_vec *out);
/* Remove functions named in a kprobes blacklist ("0xSTART-0xEND\tNAME" per line). */
void kprobe_syms_drop_listed(kprobe_sym_vec *v, const char *blacklist);
/* Sort by name then module. by_name: keep one entry per name (preferring vmlinux), else one per
 * (module, name). */
void kprobe_syms_sort_unique(kprobe_sym_vec *v, bool by_name);
void kprobe_syms_free(kprobe_sym_vec *v);

/* Split a target made by expansion ("[MODULE:]FUNC[+OFFSET]" or "0xADDR") into its parts, into
 * buffers of len bytes. Returns false if it is malformed. */
bool kprobe_target_split(const char *target, char *module, char *func, size_t len, uint64_t *offset);
#endif

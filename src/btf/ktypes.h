/* btf/ktypes: kernel types from the running kernel's BTF (/sys/kernel/btf/vmlinux), loaded
 * lazily — the BTF is parsed only when a script names a kernel type — and converted to scry types
 * on demand: a struct's fields are converted only when one of them is used. Types are allocated
 * from the type_ctx passed in; the parsed BTF is kept for the process (one per program run). */
#ifndef SCRY_BTF_KTYPES_H
#define SCRY_BTF_KTYPES_H
#include "ast/types.h"

/* The type named `name`: "struct task_struct", "union x", "enum y", a typedef ("u32",
 * "pid_t") or a base type name. NULL with *err (static text) when there is no BTF or no such
 * type. */
struct type *ktype_lookup(struct type_ctx *tc, const char *name, const char **err);

/* Fill in t->fields for a struct/union type made from BTF (no-op otherwise or when done).
 * Returns 0, or -ENOENT if BTF is unavailable. */
int ktype_load_fields(struct type_ctx *tc, struct type *t);

struct btf;
/* The BTF to look kernel functions up in: the kernel's (module NULL or "vmlinux") or a loaded
 * module's split BTF (/sys/kernel/btf/MODULE) on top of it. Parsed on first use and kept for the
 * process, shared with the type conversions above. NULL with errno set when unavailable. */
const struct btf *ktype_btf(const char *module);

/* The parameters of the kernel function func_id (a BTF_KIND_FUNC in ktype_btf(module)) laid out
 * as the context of a fentry/fexit program, an array of u64 slots: a struct whose fields are the
 * parameters by name, each at 8 * its first slot (a struct passed by value may take two). *ret is
 * set to the return type (t_void for void). Pointers tagged `__user` in BTF are user pointers;
 * an untagged `char *` gets no address space (str() then reads user or kernel memory by address),
 * other pointers are kernel pointers. Types a module defines itself are converted shallowly
 * (their structs have no fields). NULL with *err (static text) when func_id is not a function. */
struct type *ktype_func_args(struct type_ctx *tc, const char *module, uint32_t func_id, struct type **ret,
			     const char **err);
#endif

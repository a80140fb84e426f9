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
#endif

/* btf/cdecl: the C preamble of a script (#include, #define, #if, struct/union/enum definitions,
 * typedefs) parsed by a small hand-written preprocessor and recursive-descent parser into scry
 * types, laid out as GCC lays them out on x86_64. Types (and their names and fields) are allocated
 * from the type_ctx passed to cdecl_parse and stay valid until type_ctx_free, even after
 * cdecl_free; everything else (tables, notes, macro texts) is owned by the struct cdecl. */
#ifndef SCRY_BTF_CDECL_H
#define SCRY_BTF_CDECL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast/types.h"

struct cdecl;

/* The first error in the preamble. Positions are 1-based and relative to the text passed to
 * cdecl_parse (line 1 = its first line; col counts bytes, a tab is one column). */
struct cdecl_error {
	int line, col;
	int len;        /* length of the offending token in bytes (>= 1): the caret/tilde range */
	char msg[256];  /* e.g. "unknown type name 'foo_t'", "expected ';' at end of member declaration" */
};

/* Things that were accepted but had no effect; the driver may print them with -v. */
enum cdecl_note_kind {
	CDECL_NOTE_INCLUDE,   /* #include: recorded, never read (kernel types come from BTF) */
	CDECL_NOTE_MACRO,     /* #define that is not an integer constant (function-like, string, ...) */
	CDECL_NOTE_DIRECTIVE, /* #pragma, #warning, #line, unknown directives */
	CDECL_NOTE_DECL,      /* a variable or function declaration: only types are kept */
};

struct cdecl_note {
	enum cdecl_note_kind kind;
	int line, col;    /* of the '#' or of the declared name */
	const char *text; /* include target as written ("<linux/sched.h>", "\"x.h\""), macro name,
	                     directive name, or declared name */
	const char *msg;  /* a full sentence, e.g. "#include <linux/sched.h> ignored: kernel types come from BTF" */
};

/* Resolves a type the preamble names but does not define: "struct task_struct", "union x",
 * "enum y" or a typedef name ("pid_t"). Returns NULL and sets *err (static text) when unknown. */
typedef struct type *(*cdecl_lookup_fn)(void *arg, struct type_ctx *tc, const char *name, const char **err);

struct cdecl_opts {
	bool have_btf;          /* predefine BPFTRACE_HAVE_BTF=1 for #if/#ifdef, as bpftrace does */
	cdecl_lookup_fn lookup; /* NULL: ktype_lookup (kernel BTF) */
	void *lookup_arg;
};

/* Parse `text` (NULL = empty). opts may be NULL: then BPFTRACE_HAVE_BTF is defined when
 * /sys/kernel/btf/vmlinux is readable and unknown types are looked up with ktype_lookup.
 * Returns NULL on the first error and fills *err (err may be NULL). No output is printed.
 *
 * A struct/union named but not defined in the preamble ("struct task_struct *t;") is not looked
 * up until its size is needed (used by value, in an array, in sizeof): a pointer to it points to a
 * named struct type without fields (fields_loaded = false), which sema resolves by name. */
struct cdecl *cdecl_parse(struct type_ctx *tc, const char *text, const struct cdecl_opts *opts,
			  struct cdecl_error *err);

/* A type defined in the preamble: "struct foo", "union u", "enum e" or a typedef name "foo_t".
 * NULL if the preamble does not define it (the caller then asks BTF). Enums are T_INT (4 bytes,
 * unsigned unless an enumerator is negative; 8 bytes if a value needs it), as GCC makes them. */
struct type *cdecl_type(const struct cdecl *cd, const char *name);

/* An integer constant: an enumerator, or an object-like #define whose replacement is an integer
 * constant expression (evaluated with C rules after the whole preamble, so it may use other
 * macros, enumerators, sizeof(type), casts). Values of unsigned expressions are returned as
 * their bit pattern. Predefined macros (BPFTRACE_HAVE_BTF) are not reported. */
bool cdecl_constant(const struct cdecl *cd, const char *name, int64_t *value);

/* The replacement text of an object-like #define (whitespace collapsed, "" for an empty one), or
 * NULL when no such macro is defined at the end of the preamble. */
const char *cdecl_macro(const struct cdecl *cd, const char *name);

/* The notes, in source order. Returns their number; *notes is valid until cdecl_free. */
size_t cdecl_notes(const struct cdecl *cd, const struct cdecl_note **notes);

void cdecl_free(struct cdecl *cd); /* NULL is fine */
#endif

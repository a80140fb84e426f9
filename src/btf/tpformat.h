/* btf/tpformat: where tracefs lives, and tracepoint `format` files turned into scry types. Every
 * string, field array and type returned here is allocated from the type_ctx passed in and lives
 * as long as it does; btf_tracefs_root()'s string is static. */
#ifndef SCRY_BTF_TPFORMAT_H
#define SCRY_BTF_TPFORMAT_H
#include <stdbool.h>
#include <stdint.h>

#include "ast/types.h"

/* Root of tracefs: "/sys/kernel/tracing" if it has an events/ directory, else
 * "/sys/kernel/debug/tracing"; if neither, tracefs is mounted at /sys/kernel/tracing. The answer
 * is computed once and cached (thread-safe). NULL with errno set if tracefs is unavailable. */
const char *btf_tracefs_root(void);

/* One `field:` line of a format file, as the kernel wrote it. */
struct tp_field {
	const char *decl;  /* declaration as written, e.g. "const char * filename", "char prev_comm[16]" */
	const char *name;  /* "filename" */
	uint32_t offset;   /* bytes from the start of the record (= the BPF program's ctx) */
	uint32_t size;
	bool is_signed;    /* the file's signed: flag */
	bool is_common;    /* common_* header field (not part of `args`) */
};

struct tp_format {
	uint32_t id;             /* event id from the ID: line (0 if absent) */
	struct tp_field *fields; /* every field in file order, common ones included */
	uint32_t nfields;
	/* T_STRUCT named "_tracepoint_SUBSYS_EVENT" (as bpftrace names it) holding the non-common
	 * fields at their record offsets; size = end of the last field of the record.
	 * Field types:
	 *  - integers: T_INT of the field's size; signed if the signed: flag says so or the C type is a
	 *    known signed one (syscall arguments are stored as 8-byte unsigned longs with signed:0, but
	 *    `int dfd` is still signed, as in bpftrace: args.dfd == -100 must hold); plain `char`
	 *    follows the flag (the kernel builds with -funsigned-char);
	 *  - pointers: T_PTR, AS_USER for syscalls:* events and AS_KERNEL otherwise, at every level;
	 *    pointee `char` → int8, other integer names → T_INT of their size, `void` → T_VOID,
	 *    `struct X`/`union X` → an opaque T_STRUCT named X (size 0, no fields: to be resolved
	 *    through BTF by name; the type model has no union kind), anything else (typedefs such as
	 *    sigset_t) → T_VOID;
	 *  - `char x[N]` → T_STRING of N; other fixed arrays → T_ARRAY (count taken from the size when
	 *    the written count is not a number);
	 *  - `__data_loc`/`__rel_loc` fields → T_INT of 4 bytes for now (the u32 offset|length word;
	 *    issue #4 turns them into strings);
	 *  - anything unknown (typedefs, enums, inline structs) → T_INT of the field size with the
	 *    file's signedness, or uint8[size] if the size is not 1, 2, 4 or 8. */
	struct type *type;
};

/* Parse the text of a format file for event SUBSYS:EVENT. Returns 0, or -EINVAL if the text has
 * no field lines. */
int btf_tp_format_parse(struct type_ctx *tc, const char *subsys, const char *event, const char *text,
			struct tp_format *out);
/* Read TRACEFS/events/SUBSYS/EVENT/format (that one file only) and parse it. Returns 0, -ENOENT if
 * there is no such event, -ENODEV if tracefs is unavailable, or another -errno. */
int btf_tp_format_load(struct type_ctx *tc, const char *subsys, const char *event, struct tp_format *out);
/* Read the event id from TRACEFS/events/SUBSYS/EVENT/id. Same errors as btf_tp_format_load. */
int btf_tp_event_id(const char *subsys, const char *event, uint32_t *id);
/* Is SUBSYS/EVENT a safe single path component pair (no '/', not "." or "..", not empty)? */
bool btf_tp_name_ok(const char *subsys, const char *event);
#endif

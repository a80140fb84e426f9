/* types: scry's type model, shared by sema, codegen and (for decoding) the runtime. Types are
 * allocated from the arena of the type_ctx that made them and live as long as it does. */
#ifndef SCRY_TYPES_H
#define SCRY_TYPES_H
#include <stdbool.h>
#include <stdint.h>

#include "util/util.h"

enum type_kind {
	T_NONE,    /* not yet typed / error */
	T_VOID,    /* statements, printf(), ... */
	T_INT,     /* size 1/2/4/8, is_signed */
	T_BOOL,    /* stored as 1 byte */
	T_STRING,  /* char[size], NUL-terminated */
	T_BUFFER,  /* buf(): u32 length + bytes */
	T_PTR,     /* elem = pointee, as = address space */
	T_ARRAY,   /* elem[nelem] */
	T_STRUCT,  /* C struct/union (fields with offsets) */
	T_TUPLE,   /* anonymous fields "0", "1", ... laid out C-style */
	T_RECORD,  /* named tuple */
	T_ENUM,    /* integer with symbolic names */
	T_PROBE,   /* `probe`: u64 index into resources' probe-name table */
	T_KSTACK,
	T_USTACK,
	T_KSYM,
	T_USYM,
	T_USERNAME,
	T_INET,
	T_MACADDR,
	T_TIMESTAMP,
	T_CGROUP_PATH,
	T_NAMED_INT, /* an integer printed as a name: syscall_name(), signal_name(), strerror() */
	/* map-value aggregations (only ever the value type of a map) */
	T_COUNT,
	T_SUM,
	T_MIN,
	T_MAX,
	T_AVG,
	T_STATS,
	T_HIST,
	T_LHIST,
	T_TSERIES,
};

enum addrspace { AS_NONE, AS_KERNEL, AS_USER };

struct type;
struct type_field {
	const char *name;
	struct type *type;
	uint32_t offset;        /* bytes from start of the containing object */
	uint16_t bit_offset;    /* bitfields: bit offset inside the storage unit at `offset` */
	uint16_t bit_width;     /* 0 = not a bitfield */
};

struct type {
	enum type_kind kind;
	uint32_t size;  /* storage size in bytes as laid out in maps/events */
	uint32_t align;
	bool is_signed; /* T_INT, T_SUM/T_MIN/T_MAX/T_AVG/T_STATS values */
	bool is_literal_str; /* T_STRING from a literal: may be widened when unified */
	enum addrspace as;
	const char *name;           /* struct/enum name or NULL */
	struct type *elem;          /* T_PTR pointee, T_ARRAY element */
	uint32_t nelem;             /* T_ARRAY length */
	struct type_field *fields;  /* T_STRUCT, T_TUPLE, T_RECORD */
	uint32_t nfields;
	/* aggregation parameters */
	int64_t lh_min, lh_max, lh_step; /* T_LHIST */
	int hist_k;                      /* T_HIST */
	/* Kernel types: the BTF type id this struct/union came from (0 if none) and whether its
	 * fields have been filled in (they are read from BTF only when a field is used). */
	uint32_t btf_id;
	bool fields_loaded;
	bool is_union;
	/* T_KSTACK / T_USTACK: how frames print and how many are kept (nelem). Layout:
	 * { u64 nframes; u64 pid (ustack; 0 for kstack); u64 ip[nelem]; } */
	enum stack_mode { STACK_BPFTRACE, STACK_PERF, STACK_RAW, STACK_BUILD_ID } stack_mode;
	/* T_ENUM: the enumerators (printed by name with %s and in maps) */
	struct type_enumerator {
		const char *name;
		int64_t value;
	} *enumerators;
	uint32_t nenumerators;
	/* T_NAMED_INT: which names (a u64 number is stored) */
	enum int_names { NAMES_SYSCALL, NAMES_SIGNAL, NAMES_ERRNO } names;
};

struct type_ctx {
	struct arena arena;
	struct type *t_none, *t_void, *t_bool, *t_probe;
	struct type *t_int[2][4]; /* [is_signed][log2(size)] */
};

void type_ctx_init(struct type_ctx *tc);
void type_ctx_free(struct type_ctx *tc);
struct type *type_new(struct type_ctx *tc, enum type_kind k, uint32_t size);
struct type *type_int(struct type_ctx *tc, uint32_t size, bool is_signed);
struct type *type_string(struct type_ctx *tc, uint32_t size);
struct type *type_ptr(struct type_ctx *tc, struct type *elem, enum addrspace as);
struct type *type_array(struct type_ctx *tc, struct type *elem, uint32_t n);
/* Tuple of n element types, laid out with C alignment rules. */
struct type *type_tuple(struct type_ctx *tc, struct type **elems, uint32_t n);
/* Aggregation value types: sizes fixed by the map layout documented in docs/internals.md. */
struct type *type_agg(struct type_ctx *tc, enum type_kind k, bool is_signed);

bool type_equal(const struct type *a, const struct type *b);
bool type_is_int(const struct type *t);      /* T_INT, T_BOOL, T_ENUM */
bool type_is_agg(const struct type *t);      /* T_COUNT .. T_TSERIES */
/* Human-readable name as bpftrace prints it: int64, uint32, string[16], (int64,string[4]), count_t ... */
void type_str(const struct type *t, struct strbuf *sb);
const char *type_kind_name(enum type_kind k);
#endif

/* value: the runtime's neutral value model. Bytes read from a map or an event are decoded with their
 * type (from the resources) into a struct rt_value tree; output backends render those trees as text
 * or JSON. Every rt_value and every string it points to is allocated from the arena of the decoder
 * that produced it and lives until that arena is freed. */
#ifndef SCRY_RT_VALUE_H
#define SCRY_RT_VALUE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast/types.h"
#include "util/util.h"

struct resources;

enum rv_kind {
	RV_NONE,   /* no value (void); text "null" */
	RV_BOOL,   /* b */
	RV_INT,    /* i: signed integers */
	RV_UINT,   /* u: unsigned integers */
	RV_STR,    /* s/len: strings, and resolved text (probe names, symbols, stacks, user names ...) */
	RV_SYM,    /* s/len = text, u = the number behind it (pointers "0x..", enums); JSON prints the number */
	RV_BUFFER, /* s/len = raw bytes of a buf() */
	RV_TUPLE,  /* elems[n]; text "(a, b)" */
	RV_ARRAY,  /* elems[n]; text "[a,b]" */
	RV_RECORD, /* elems[n] with names[n]; text "{ .a = 1, .b = 2 }" (structs, records, stats) */
};

struct rt_value {
	enum rv_kind kind;
	bool b;
	int64_t i;
	uint64_t u;
	const char *s;       /* RV_STR/RV_SYM/RV_BUFFER; NUL-terminated too (buffers may contain NULs) */
	size_t len;
	struct rt_value *elems;
	const char **names;  /* RV_RECORD field names */
	uint32_t n;
};

/* Resolves values the runtime cannot decode by itself (ksym/usym, stacks, timestamps, cgroup paths).
 * resolve() appends the text to out and returns 0, or returns a negative errno when it cannot; the
 * decoder then falls back to hex addresses. */
struct rt_resolver {
	int (*resolve)(void *ctx, const struct type *t, const void *bytes, struct strbuf *out);
	void *ctx;
};

struct rt_decoder {
	struct arena *arena;               /* owns every decoded value */
	const struct resources *res;       /* probe names for T_PROBE; may be NULL */
	const struct rt_resolver *resolver; /* may be NULL */
	const char *str_trailer;           /* appended to strings that fill their buffer; NULL = ".." */
};

/* Decode t->size bytes at `bytes` (no alignment required). Integers are read with the type's size and
 * sign/zero-extended. Strings stop at the first NUL; a string with no NUL in its buffer was truncated
 * and gets the trailer. Aggregation types decode a single (already CPU-merged) value: count/sum/min/max
 * to an integer, avg to its integer average, stats to the record { count, average, total }.
 * Layout assumptions for types whose layout the type model does not spell out:
 *   T_BUFFER  u32 length, then the bytes (length clamped to size - 4)
 *   T_INET    i64 address family (AF_INET/AF_INET6), then 16 address bytes
 *   T_MACADDR 6 bytes
 *   T_USERNAME / T_KSYM / T_USYM / T_PROBE  first 8 bytes = uid / address / probe index
 *   T_KSTACK / T_USTACK  u64 frame count, u64 pid, then u64 frames (hex without a resolver) */
struct rt_value *rt_decode(const struct rt_decoder *d, const struct type *t, const void *bytes);

/* Helpers for building values by hand (tests, synthetic values). */
struct rt_value *rv_new(struct arena *a, enum rv_kind k);
struct rt_value *rv_int(struct arena *a, int64_t v);
struct rt_value *rv_uint(struct arena *a, uint64_t v);
struct rt_value *rv_str(struct arena *a, const char *s, size_t len);

/* The name of a syscall number, signal number or errno (enum int_names), malloc'ed; the number
 * as text when unknown. */
char *rt_int_name(int which, int64_t v);
/* strftime() of a boot-clock timestamp in ns, with bpftrace's %f (microseconds). */
size_t rt_strftime(char *out, size_t size, const char *fmt, uint64_t boot_ns);

/* Read an integer of `size` bytes (1/2/4/8) and sign- or zero-extend it. */
int64_t rt_read_int(const void *p, uint32_t size, bool is_signed);

/* Total order used to sort map keys: ints numerically, strings and buffers bytewise, tuples/arrays/
 * records element by element, then by kind. */
int rt_value_cmp(const struct rt_value *a, const struct rt_value *b);

/* Append the text form of a value, exactly as print() shows it in text mode. */
void rt_value_text(struct strbuf *sb, const struct rt_value *v);
#endif

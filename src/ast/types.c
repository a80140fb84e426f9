#include "ast/types.h"

#include <string.h>

void type_ctx_init(struct type_ctx *tc)
{
	memset(tc, 0, sizeof(*tc));
	tc->t_none = type_new(tc, T_NONE, 0);
	tc->t_void = type_new(tc, T_VOID, 0);
	tc->t_bool = type_new(tc, T_BOOL, 1);
	tc->t_probe = type_new(tc, T_PROBE, 8);
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < 4; i++) {
			struct type *t = type_new(tc, T_INT, 1u << i);
			t->is_signed = s;
			tc->t_int[s][i] = t;
		}
}

void type_ctx_free(struct type_ctx *tc) { arena_free(&tc->arena); }

struct type *type_new(struct type_ctx *tc, enum type_kind k, uint32_t size)
{
	struct type *t = arena_alloc(&tc->arena, sizeof(*t));
	t->kind = k;
	t->size = size;
	t->align = size >= 8 ? 8 : size ? size : 1;
	return t;
}

struct type *type_int(struct type_ctx *tc, uint32_t size, bool is_signed)
{
	int i = size <= 1 ? 0 : size <= 2 ? 1 : size <= 4 ? 2 : 3;
	return tc->t_int[is_signed ? 1 : 0][i];
}

struct type *type_string(struct type_ctx *tc, uint32_t size)
{
	struct type *t = type_new(tc, T_STRING, size);
	t->align = 1;
	return t;
}

struct type *type_ptr(struct type_ctx *tc, struct type *elem, enum addrspace as)
{
	struct type *t = type_new(tc, T_PTR, 8);
	t->elem = elem;
	t->as = as;
	return t;
}

struct type *type_array(struct type_ctx *tc, struct type *elem, uint32_t n)
{
	struct type *t = type_new(tc, T_ARRAY, elem->size * n);
	t->elem = elem;
	t->nelem = n;
	t->align = elem->align;
	return t;
}

struct type *type_tuple(struct type_ctx *tc, struct type **elems, uint32_t n)
{
	struct type *t = type_new(tc, T_TUPLE, 0);
	t->fields = arena_alloc(&tc->arena, sizeof(struct type_field) * (n ? n : 1));
	t->nfields = n;
	uint32_t off = 0, align = 1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t a = elems[i]->align ? elems[i]->align : 1;
		off = (off + a - 1) / a * a;
		t->fields[i].name = arena_printf(&tc->arena, "%u", i);
		t->fields[i].type = elems[i];
		t->fields[i].offset = off;
		off += elems[i]->size;
		if (a > align)
			align = a;
	}
	t->align = align;
	t->size = (off + align - 1) / align * align;
	return t;
}

struct type *type_agg(struct type_ctx *tc, enum type_kind k, bool is_signed)
{
	/* per-CPU value layouts: count/sum u64|i64; min/max {i64 value; u64 set}; avg/stats {i64 total; u64 count};
	 * hist/lhist: u64 count per bucket (bucket index is part of the key) */
	uint32_t size = (k == T_MIN || k == T_MAX || k == T_AVG || k == T_STATS) ? 16 : 8;
	struct type *t = type_new(tc, k, size);
	t->is_signed = is_signed;
	return t;
}

bool type_is_int(const struct type *t) { return t && (t->kind == T_INT || t->kind == T_BOOL || t->kind == T_ENUM); }

bool type_is_agg(const struct type *t) { return t && t->kind >= T_COUNT && t->kind <= T_TSERIES; }

bool type_equal(const struct type *a, const struct type *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->kind != b->kind)
		return false;
	switch (a->kind) {
	case T_INT:
		return a->size == b->size && a->is_signed == b->is_signed;
	case T_STRING:
	case T_BUFFER:
		return a->size == b->size;
	case T_PTR:
		return type_equal(a->elem, b->elem);
	case T_ARRAY:
		return a->nelem == b->nelem && type_equal(a->elem, b->elem);
	case T_TUPLE:
	case T_RECORD:
		if (a->nfields != b->nfields)
			return false;
		for (uint32_t i = 0; i < a->nfields; i++)
			if (!type_equal(a->fields[i].type, b->fields[i].type) ||
			    (a->kind == T_RECORD && strcmp(a->fields[i].name, b->fields[i].name)))
				return false;
		return true;
	case T_STRUCT:
	case T_ENUM:
		return a->name && b->name && !strcmp(a->name, b->name);
	case T_LHIST:
		return a->lh_min == b->lh_min && a->lh_max == b->lh_max && a->lh_step == b->lh_step;
	case T_KSTACK:
	case T_USTACK:
		return a->nelem == b->nelem && a->stack_mode == b->stack_mode;
	case T_HIST:
		return a->hist_k == b->hist_k;
	default:
		return true;
	}
}

const char *type_kind_name(enum type_kind k)
{
	static const char *const names[] = {
		[T_NONE] = "none",       [T_VOID] = "void",         [T_INT] = "int",          [T_BOOL] = "bool",
		[T_STRING] = "string",   [T_BUFFER] = "buffer",     [T_PTR] = "pointer",      [T_ARRAY] = "array",
		[T_STRUCT] = "struct",   [T_TUPLE] = "tuple",       [T_RECORD] = "record",    [T_ENUM] = "enum",
		[T_PROBE] = "probe",     [T_KSTACK] = "kstack",     [T_USTACK] = "ustack",    [T_KSYM] = "ksym_t",
		[T_USYM] = "usym_t",     [T_USERNAME] = "username", [T_INET] = "inet",        [T_MACADDR] = "mac_address",
		[T_TIMESTAMP] = "timestamp", [T_CGROUP_PATH] = "cgroup_path_t", [T_NAMED_INT] = "name", [T_COUNT] = "count_t",
		[T_SUM] = "sum_t",       [T_MIN] = "min_t",         [T_MAX] = "max_t",        [T_AVG] = "avg_t",
		[T_STATS] = "stats_t",   [T_HIST] = "hist_t",       [T_LHIST] = "lhist_t",    [T_TSERIES] = "tseries_t",
	};
	return k < ARRAY_SIZE(names) && names[k] ? names[k] : "?";
}

void type_str(const struct type *t, struct strbuf *sb)
{
	if (!t) {
		sb_puts(sb, "none");
		return;
	}
	switch (t->kind) {
	case T_INT:
		sb_printf(sb, "%sint%u", t->is_signed ? "" : "u", t->size * 8);
		break;
	case T_STRING:
		sb_printf(sb, "string[%u]", t->size);
		break;
	case T_BUFFER:
		sb_printf(sb, "buffer[%u]", t->size);
		break;
	case T_PTR:
		type_str(t->elem, sb);
		sb_puts(sb, " *");
		break;
	case T_ARRAY:
		type_str(t->elem, sb);
		sb_printf(sb, "[%u]", t->nelem);
		break;
	case T_STRUCT:
		sb_printf(sb, "struct %s", t->name ? t->name : "<anon>");
		break;
	case T_ENUM:
		sb_printf(sb, "enum %s", t->name ? t->name : "<anon>");
		break;
	case T_TUPLE:
	case T_RECORD:
		sb_putc(sb, '(');
		for (uint32_t i = 0; i < t->nfields; i++) {
			if (i)
				sb_putc(sb, ',');
			if (t->kind == T_RECORD)
				sb_printf(sb, "%s=", t->fields[i].name);
			type_str(t->fields[i].type, sb);
		}
		sb_putc(sb, ')');
		break;
	case T_SUM:
	case T_MIN:
	case T_MAX:
	case T_AVG:
		/* bpftrace spells signed ones "sum_t", unsigned "usum_t" */
		sb_printf(sb, "%s%s", t->is_signed ? "" : "u", type_kind_name(t->kind));
		break;
	case T_KSTACK:
	case T_USTACK: {
		static const char *const modes[] = {"bpftrace", "perf", "raw", "build_id"};
		sb_printf(sb, "%s(%s, %u)", type_kind_name(t->kind), modes[t->stack_mode], t->nelem);
		break;
	}
	default:
		sb_puts(sb, type_kind_name(t->kind));
	}
}

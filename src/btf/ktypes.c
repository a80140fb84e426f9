/* ktypes: BTF → scry types, lazily (see ktypes.h). */
#include "btf/ktypes.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct {
	struct btf *btf;
	bool tried;
	struct type_ctx *tc;  /* owner of the cached types */
	struct type **by_id;  /* converted types by BTF id */
	uint32_t n;
} kt;

static struct btf *vmlinux(struct type_ctx *tc)
{
	if (!kt.tried) {
		kt.tried = true;
		kt.btf = btf__load_vmlinux_btf();
		if (kt.btf) {
			kt.n = btf__type_cnt(kt.btf);
			kt.by_id = xcalloc(kt.n, sizeof(*kt.by_id));
		}
	}
	if (kt.btf && kt.tc != tc) { /* a new compilation: cached types belonged to the old one */
		memset(kt.by_id, 0, kt.n * sizeof(*kt.by_id));
		kt.tc = tc;
	}
	return kt.btf;
}

static struct type *convert(struct type_ctx *tc, uint32_t id);

/* Skip typedefs and qualifiers. */
static uint32_t resolve(uint32_t id)
{
	for (int guard = 0; guard < 64 && id; guard++) {
		const struct btf_type *t = btf__type_by_id(kt.btf, id);
		if (!t)
			return 0;
		if (btf_is_typedef(t) || btf_is_const(t) || btf_is_volatile(t) || btf_is_restrict(t) ||
		    btf_is_type_tag(t) || btf_is_decl_tag(t))
			id = t->type;
		else
			return id;
	}
	return id;
}

static struct type *convert(struct type_ctx *tc, uint32_t id)
{
	id = resolve(id);
	if (id == 0)
		return tc->t_void;
	if (id < kt.n && kt.by_id[id])
		return kt.by_id[id];
	const struct btf_type *t = btf__type_by_id(kt.btf, id);
	struct type *r;
	switch (btf_kind(t)) {
	case BTF_KIND_INT: {
		uint8_t enc = btf_int_encoding(t);
		if (enc & BTF_INT_BOOL)
			r = tc->t_bool;
		else
			r = type_int(tc, t->size ? t->size : 1, (enc & BTF_INT_SIGNED) != 0);
		break;
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: {
		r = type_new(tc, T_ENUM, t->size ? t->size : 4);
		r->is_signed = btf_kflag(t);
		const char *nm = btf__name_by_offset(kt.btf, t->name_off);
		r->name = nm && *nm ? arena_strdup(&tc->arena, nm) : NULL;
		uint32_t n = btf_vlen(t);
		r->enumerators = arena_alloc(&tc->arena, sizeof(*r->enumerators) * (n ? n : 1));
		r->nenumerators = n;
		for (uint32_t i = 0; i < n; i++) {
			if (btf_is_enum(t)) {
				const struct btf_enum *e = btf_enum(t) + i;
				r->enumerators[i].name = arena_strdup(&tc->arena, btf__name_by_offset(kt.btf, e->name_off));
				r->enumerators[i].value = r->is_signed ? (int64_t)e->val : (int64_t)(uint32_t)e->val;
			} else {
				const struct btf_enum64 *e = btf_enum64(t) + i;
				r->enumerators[i].name = arena_strdup(&tc->arena, btf__name_by_offset(kt.btf, e->name_off));
				r->enumerators[i].value = (int64_t)btf_enum64_value(e);
			}
		}
		break;
	}
	case BTF_KIND_PTR: {
		/* the pointee is converted lazily too: structs start without fields */
		r = type_ptr(tc, NULL, AS_KERNEL);
		kt.by_id[id] = r; /* before recursing: pointers may be cyclic */
		r->elem = convert(tc, t->type);
		return r;
	}
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		struct type *el = convert(tc, a->type);
		if (el->kind == T_INT && el->size == 1)
			r = type_string(tc, a->nelems ? a->nelems : 1);
		else
			r = type_array(tc, el, a->nelems);
		break;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		r = type_new(tc, T_STRUCT, t->size);
		r->align = 8;
		r->is_union = btf_is_union(t);
		const char *nm = btf__name_by_offset(kt.btf, t->name_off);
		r->name = nm && *nm ? arena_strdup(&tc->arena, nm) : "(anonymous)";
		r->btf_id = id;
		break;
	}
	case BTF_KIND_FWD: {
		/* a forward declaration: use the full definition when the BTF has one */
		const char *nm = btf__name_by_offset(kt.btf, t->name_off);
		int full = nm ? btf__find_by_name_kind(kt.btf, nm, btf_kflag(t) ? BTF_KIND_UNION : BTF_KIND_STRUCT) : -1;
		if (full > 0) {
			r = convert(tc, (uint32_t)full);
		} else {
			r = type_new(tc, T_STRUCT, 0);
			r->name = nm ? arena_strdup(&tc->arena, nm) : "(anonymous)";
			r->fields_loaded = true;
		}
		break;
	}
	default: /* functions, function prototypes, floats...: opaque */
		r = tc->t_void;
		break;
	}
	kt.by_id[id] = r;
	return r;
}

int ktype_load_fields(struct type_ctx *tc, struct type *st)
{
	if (!st || st->kind != T_STRUCT || st->fields_loaded || !st->btf_id)
		return 0;
	if (!vmlinux(tc))
		return -ENOENT;
	const struct btf_type *t = btf__type_by_id(kt.btf, st->btf_id);
	uint32_t vlen = btf_vlen(t);
	/* anonymous struct/union members are flattened, as C lets you name their fields directly */
	VEC(struct type_field) fields = {0};
	const struct btf_member *m = btf_members(t);
	for (uint32_t i = 0; i < vlen; i++) {
		uint32_t bit_off = btf_member_bit_offset(t, i);
		uint32_t bits = btf_member_bitfield_size(t, i);
		const char *nm = btf__name_by_offset(kt.btf, m[i].name_off);
		struct type *ft = convert(tc, m[i].type);
		if ((!nm || !*nm) && ft->kind == T_STRUCT) {
			ktype_load_fields(tc, ft);
			for (uint32_t j = 0; j < ft->nfields; j++) {
				struct type_field f = ft->fields[j];
				f.offset += bit_off / 8;
				VEC_PUSH(fields, f);
			}
			continue;
		}
		struct type_field f = {.name = nm ? arena_strdup(&tc->arena, nm) : "", .type = ft};
		if (bits) {
			/* a bitfield: read the smallest power-of-two unit that holds it, then shift and mask */
			uint32_t first = bit_off / 8, shift = bit_off % 8, need = (shift + bits + 7) / 8;
			uint32_t unit = need <= 1 ? 1 : need <= 2 ? 2 : need <= 4 ? 4 : 8;
			f.offset = first;
			f.bit_offset = (uint16_t)shift;
			f.bit_width = (uint16_t)bits;
			f.type = type_int(tc, unit, false);
		} else {
			f.offset = bit_off / 8;
		}
		VEC_PUSH(fields, f);
	}
	st->fields = arena_alloc(&tc->arena, sizeof(struct type_field) * (fields.n ? fields.n : 1));
	memcpy(st->fields, fields.v, sizeof(struct type_field) * fields.n);
	st->nfields = (uint32_t)fields.n;
	st->fields_loaded = true;
	VEC_FREE(fields);
	return 0;
}

struct type *ktype_lookup(struct type_ctx *tc, const char *name, const char **err)
{
	if (!vmlinux(tc)) {
		*err = "this kernel has no BTF (/sys/kernel/btf/vmlinux), so kernel types are unknown";
		return NULL;
	}
	int kind = -1;
	if (!strncmp(name, "struct ", 7))
		kind = BTF_KIND_STRUCT, name += 7;
	else if (!strncmp(name, "union ", 6))
		kind = BTF_KIND_UNION, name += 6;
	else if (!strncmp(name, "enum ", 5))
		kind = BTF_KIND_ENUM, name += 5;
	int id;
	if (kind >= 0) {
		id = btf__find_by_name_kind(kt.btf, name, kind);
		if (id < 0 && kind == BTF_KIND_ENUM)
			id = btf__find_by_name_kind(kt.btf, name, BTF_KIND_ENUM64);
	} else {
		id = btf__find_by_name_kind(kt.btf, name, BTF_KIND_TYPEDEF);
		if (id < 0)
			id = btf__find_by_name_kind(kt.btf, name, BTF_KIND_INT);
	}
	if (id < 0) {
		*err = "no such type in the kernel's BTF";
		return NULL;
	}
	return convert(tc, (uint32_t)id);
}

/* ---- kernel functions: BTF for fentry/fexit ------------------------------------------------- */

/* Loaded modules' split BTF, parsed on first use and kept for the process. */
struct kt_module {
	char *name;
	struct btf *btf;
};
static VEC(struct kt_module) kt_modules;

/* The kernel's BTF without touching the per-compilation type cache (see vmlinux()). */
static struct btf *vmlinux_btf(void)
{
	if (!kt.tried) {
		kt.tried = true;
		kt.btf = btf__load_vmlinux_btf();
		if (kt.btf) {
			kt.n = btf__type_cnt(kt.btf);
			kt.by_id = xcalloc(kt.n, sizeof(*kt.by_id));
		}
	}
	if (!kt.btf)
		errno = ENOENT;
	return kt.btf;
}

const struct btf *ktype_btf(const char *module)
{
	struct btf *base = vmlinux_btf();
	if (!base || !module || !strcmp(module, "vmlinux"))
		return base;
	if (!*module || strchr(module, '/') || module[0] == '.') {
		errno = EINVAL;
		return NULL;
	}
	for (size_t i = 0; i < kt_modules.n; i++)
		if (!strcmp(kt_modules.v[i].name, module))
			return kt_modules.v[i].btf;
	char path[512];
	snprintf(path, sizeof(path), "/sys/kernel/btf/%s", module);
	struct btf *b = btf__parse_split(path, base);
	if (!b)
		return NULL;
	struct kt_module m = {xstrdup(module), b};
	VEC_PUSH(kt_modules, m);
	return b;
}

static bool is_modifier(const struct btf_type *t)
{
	return btf_is_typedef(t) || btf_is_const(t) || btf_is_volatile(t) || btf_is_restrict(t) ||
	       btf_is_type_tag(t) || btf_is_decl_tag(t);
}

/* A type defined by a module itself (not in the kernel's BTF), converted without its members:
 * integers, enums, pointers and arrays are exact, structs and unions opaque. */
static struct type *convert_module_type(struct type_ctx *tc, const struct btf *b, uint32_t id, int depth)
{
	if (id < kt.n)
		return convert(tc, id);
	const struct btf_type *t = btf__type_by_id(b, id);
	if (!t || depth > 64)
		return tc->t_void;
	if (is_modifier(t))
		return convert_module_type(tc, b, t->type, depth + 1);
	switch (btf_kind(t)) {
	case BTF_KIND_INT: {
		uint8_t enc = btf_int_encoding(t);
		if (enc & BTF_INT_BOOL)
			return tc->t_bool;
		return type_int(tc, t->size ? t->size : 1, (enc & BTF_INT_SIGNED) != 0);
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return type_int(tc, t->size, btf_kflag(t));
	case BTF_KIND_PTR:
		return type_ptr(tc, convert_module_type(tc, b, t->type, depth + 1), AS_KERNEL);
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		struct type *el = convert_module_type(tc, b, a->type, depth + 1);
		if (el->kind == T_INT && el->size == 1)
			return type_string(tc, a->nelems ? a->nelems : 1);
		return type_array(tc, el, a->nelems);
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_FWD: {
		struct type *r = type_new(tc, T_STRUCT, btf_is_fwd(t) ? 0 : t->size);
		r->align = 8;
		r->is_union = btf_is_union(t);
		const char *nm = btf__name_by_offset(b, t->name_off);
		r->name = nm && *nm ? arena_strdup(&tc->arena, nm) : "(anonymous)";
		r->fields_loaded = true; /* members of module types are not read */
		return r;
	}
	default:
		return tc->t_void;
	}
}

/* A parameter's (or return) type, with the address space of a pointer from its type tags. */
static struct type *param_type(struct type_ctx *tc, const struct btf *b, uint32_t id)
{
	struct type *conv = id < kt.n ? convert(tc, id) : convert_module_type(tc, b, id, 0);
	if (conv->kind != T_PTR)
		return conv;
	/* find the pointer, then look for a `user` tag among the pointee's modifiers */
	const struct btf_type *t = btf__type_by_id(b, id);
	for (int guard = 0; t && !btf_is_ptr(t) && is_modifier(t) && guard < 64; guard++)
		t = btf__type_by_id(b, t->type);
	bool user = false;
	const struct btf_type *pt = t && btf_is_ptr(t) ? btf__type_by_id(b, t->type) : NULL;
	for (int guard = 0; pt && is_modifier(pt) && guard < 64; guard++) {
		if (btf_is_type_tag(pt)) {
			const char *tag = btf__name_by_offset(b, pt->name_off);
			if (tag && !strcmp(tag, "user"))
				user = true;
		}
		pt = btf__type_by_id(b, pt->type);
	}
	if (user)
		return type_ptr(tc, conv->elem, AS_USER);
	if (conv->elem && conv->elem->kind == T_INT && conv->elem->size == 1)
		return type_ptr(tc, conv->elem, AS_NONE); /* user or kernel string: unknown without tags */
	return conv;
}

struct type *ktype_func_args(struct type_ctx *tc, const char *module, uint32_t func_id, struct type **ret,
			     const char **err)
{
	if (!vmlinux(tc)) {
		*err = "this kernel has no BTF (/sys/kernel/btf/vmlinux), so kernel functions are unknown";
		return NULL;
	}
	const struct btf *b = ktype_btf(module);
	if (!b) {
		*err = "cannot read the module's BTF";
		return NULL;
	}
	const struct btf_type *fn = btf__type_by_id(b, func_id);
	const struct btf_type *proto = fn && btf_is_func(fn) ? btf__type_by_id(b, fn->type) : NULL;
	if (!proto || !btf_is_func_proto(proto)) {
		*err = "not a function in the kernel's BTF";
		return NULL;
	}
	uint32_t vlen = btf_vlen(proto);
	const struct btf_param *prm = btf_params(proto);
	struct type *st = type_new(tc, T_STRUCT, 0);
	st->align = 8;
	st->name = arena_printf(&tc->arena, "_func_%s", btf__name_by_offset(b, fn->name_off));
	st->fields_loaded = true;
	st->fields = arena_alloc(&tc->arena, sizeof(struct type_field) * (vlen ? vlen : 1));
	uint32_t slot = 0, nf = 0;
	for (uint32_t i = 0; i < vlen; i++) {
		if (!prm[i].type) /* `...`: not passed in slots */
			break;
		const char *nm = btf__name_by_offset(b, prm[i].name_off);
		st->fields[nf++] = (struct type_field){
			.name = nm && *nm ? arena_strdup(&tc->arena, nm) : arena_printf(&tc->arena, "arg%u", i),
			.type = param_type(tc, b, prm[i].type),
			.offset = 8 * slot,
		};
		__s64 size = btf__resolve_size(b, prm[i].type);
		slot += size > 8 ? (uint32_t)((size + 7) / 8) : 1;
	}
	st->nfields = nf;
	st->size = 8 * slot;
	*ret = proto->type ? param_type(tc, b, proto->type) : tc->t_void;
	return st;
}

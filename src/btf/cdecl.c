/* cdecl: the C preamble (cdecl.h): recursive-descent parsing of declarations over the tokens
 * cdecl_pp.c produced, the symbol tables (tags, typedefs, enumerators), conversion to scry types
 * and GCC's x86_64 layout, and the public API. */
#include <stdio.h>
#include <unistd.h>

#include "btf/cdecl_int.h"
#include "btf/ktypes.h"

/* ------------------------------------------------------------------ symbol tables */

static struct tag *tag_find(struct cdp *p, const char *s, size_t len)
{
	for (size_t i = 0; i < p->cd->tags.n; i++) {
		struct tag *t = &p->cd->tags.v[i];
		if (strlen(t->name) == len && !memcmp(t->name, s, len))
			return t;
	}
	return NULL;
}
static struct tag *tag_by_type(struct cdp *p, const struct type *ty)
{
	for (size_t i = 0; i < p->cd->tags.n; i++)
		if (p->cd->tags.v[i].type == ty)
			return &p->cd->tags.v[i];
	return NULL;
}
static const char *kind_name(char k) { return k == 's' ? "struct" : k == 'u' ? "union" : "enum"; }

static bool is_pending(struct cdp *p, char kind, const struct tok *name)
{
	for (size_t i = 0; i < p->cd->pending.n; i++) {
		const char *s = p->cd->pending.v[i];
		if (s[0] == kind && strlen(s + 2) == name->len && !memcmp(s + 2, name->s, name->len))
			return true;
	}
	return false;
}

static struct tdef *tdef_find(struct cdecl *cd, const char *s, size_t len)
{
	for (size_t i = cd->tdefs.n; i-- > 0;) {
		struct tdef *t = &cd->tdefs.v[i];
		if (strlen(t->name) == len && !memcmp(t->name, s, len))
			return t;
	}
	return NULL;
}

static const struct {
	const char *name;
	uint8_t size;
	bool is_signed;
} fixed_types[] = {
	{"u8", 1, 0},        {"u16", 2, 0},       {"u32", 4, 0},       {"u64", 8, 0},        {"s8", 1, 1},
	{"s16", 2, 1},       {"s32", 4, 1},       {"s64", 8, 1},       {"__u8", 1, 0},       {"__u16", 2, 0},
	{"__u32", 4, 0},     {"__u64", 8, 0},     {"__s8", 1, 1},      {"__s16", 2, 1},      {"__s32", 4, 1},
	{"__s64", 8, 1},     {"uint8_t", 1, 0},   {"uint16_t", 2, 0},  {"uint32_t", 4, 0},   {"uint64_t", 8, 0},
	{"int8_t", 1, 1},    {"int16_t", 2, 1},   {"int32_t", 4, 1},   {"int64_t", 8, 1},    {"u_int8_t", 1, 0},
	{"u_int16_t", 2, 0}, {"u_int32_t", 4, 0}, {"u_int64_t", 8, 0}, {"size_t", 8, 0},     {"ssize_t", 8, 1},
	{"uintptr_t", 8, 0}, {"intptr_t", 8, 1},  {"ptrdiff_t", 8, 1}, {"pid_t", 4, 1},      {"uid_t", 4, 0},
	{"gid_t", 4, 0},     {"off_t", 8, 1},     {"loff_t", 8, 1},    {"time_t", 8, 1},     {"clockid_t", 4, 1},
	{"umode_t", 2, 0},   {"dev_t", 4, 0},     {"ino_t", 8, 0},     {"sector_t", 8, 0},   {"gfp_t", 4, 0},
	{"fmode_t", 4, 0},   {"__be16", 2, 0},    {"__le16", 2, 0},    {"__be32", 4, 0},     {"__le32", 4, 0},
	{"__be64", 8, 0},    {"__le64", 8, 0},    {"__wsum", 4, 0},    {"__sum16", 2, 0},    {"uint", 4, 0},
	{"ulong", 8, 0},     {"ushort", 2, 0},    {"__kernel_size_t", 8, 0},                 {"__kernel_pid_t", 4, 1},
};

static const char *const int_keywords[] = {"void",   "char",    "short",  "int",      "long",     "signed",
					   "__signed__", "__signed", "unsigned", "_Bool", "bool", "float",
					   "double", "__int128", "_Complex", NULL};
static const char *const qualifiers[] = {"const",      "__const",  "__const__",  "volatile", "__volatile",
					 "__volatile__", "restrict", "__restrict", "__restrict__", "_Atomic",
					 NULL};
static const char *const storage[] = {"extern", "static", "inline", "__inline", "__inline__", "register", "auto",
				      "_Thread_local", "__thread", "_Noreturn", "__extension__", NULL};

static bool fixed_find(const struct tok *t, struct type_ctx *tc, struct type **out)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixed_types); i++)
		if (tok_is(t, fixed_types[i].name)) {
			*out = type_int(tc, fixed_types[i].size, fixed_types[i].is_signed);
			return true;
		}
	return false;
}

/* Types a cast or sizeof may start with (kernel typedefs are not considered: ambiguous). */
bool cdp_is_type_start(struct cdp *p, const struct tok *t)
{
	struct type *dummy;
	if (t->kind != TK_IDENT)
		return false;
	return tok_any(t, int_keywords) || tok_any(t, qualifiers) || tok_is(t, "struct") || tok_is(t, "union") ||
	       tok_is(t, "enum") || tdef_find(p->cd, t->s, t->len) || fixed_find(t, p->tc, &dummy);
}

static struct type *lookup_external(struct cdp *p, const char *name, const char **err)
{
	*err = NULL;
	struct type *t = p->opts.lookup ? p->opts.lookup(p->opts.lookup_arg, p->tc, name, err)
					: ktype_lookup(p->tc, name, err);
	if (!t && !*err)
		*err = "not found";
	return t;
}

/* ------------------------------------------------------------------ types and layout */

/* Alignment of a struct from the kernel's BTF: the largest alignment of its fields (BTF has no
 * alignment), 1 if a field is misplaced for its alignment (a packed struct). */
static uint32_t kstruct_align(struct cdp *p, struct type *t, int depth)
{
	for (size_t i = 0; i < p->cd->kaligns.n; i++)
		if (p->cd->kaligns.v[i].t == t)
			return p->cd->kaligns.v[i].align;
	uint32_t a = 1;
	bool bits = false;
	if (depth > 16 || ktype_load_fields(p->tc, (struct type *)t) < 0)
		return 8;
	for (uint32_t i = 0; i < t->nfields; i++) {
		const struct type_field *f = &t->fields[i];
		if (f->bit_width) {
			bits = true;
			continue;
		}
		struct type *ft = f->type;
		while (ft->kind == T_ARRAY)
			ft = ft->elem;
		uint32_t fa = ft->kind == T_STRUCT && ft->btf_id ? kstruct_align(p, ft, depth + 1) : ft->align ? ft->align : 1;
		if (f->offset % fa) {
			a = 1;
			goto done;
		}
		if (fa > a)
			a = fa;
	}
	if (bits) /* bit-fields lost their declared type: assume the largest unit the size allows */
		while (a < 8 && t->size % (a * 2) == 0)
			a *= 2;
	if (t->size % a)
		a = 1;
done:;
	struct kalign k = {t, a};
	AVEC_PUSH(p->a, p->cd->kaligns, k);
	return a;
}

uint32_t cdp_type_align(struct cdp *p, const struct type *t)
{
	if (t->kind == T_ARRAY) { /* an array type made elsewhere may not know its element's alignment */
		uint32_t ea = cdp_type_align(p, t->elem);
		return t->align > ea ? t->align : ea;
	}
	if (t->kind == T_STRUCT && t->btf_id)
		return kstruct_align(p, (struct type *)t, 0);
	return t->align ? t->align : 1;
}

/* An opaque type of the right size and alignment: float, double, __int128 have no scry type. */
static struct type *opaque(struct cdp *p, uint32_t size, uint32_t align)
{
	struct type *t = type_array(p->tc, type_int(p->tc, 1, false), size);
	t->align = align;
	return t;
}

/* The type t must have a size here (a member, an array element, sizeof): struct/union types the
 * preamble only named are looked up now. */
struct type *cdp_complete(struct cdp *p, struct type *t, const struct tok *at, const char *what)
{
	if (t == p->t_func)
		cdp_fail(p, at, "%s has a function type", what);
	if (t->kind == T_VOID)
		cdp_fail(p, at, "%s has incomplete type 'void'", what);
	if (t->kind != T_STRUCT || t->fields_loaded || t->btf_id)
		return t;
	struct tag *tg = tag_by_type(p, t);
	const char *kn = t->is_union ? "union" : "struct";
	if (tg && tg->external) {
		const char *err;
		struct type *k = lookup_external(p, arena_printf(p->a, "%s %s", kn, t->name), &err);
		if (k && k->kind == T_STRUCT && (k->btf_id || k->size)) {
			uint32_t al = cdp_type_align(p, k);
			*t = *k; /* the named type becomes the kernel's, for pointers to it as well */
			t->align = al;
			return t;
		}
		if (k)
			err = "the kernel's type has no definition";
		cdp_fail(p, at, "%s has incomplete type '%s %s' (%s)", what, kn, t->name, err);
	}
	cdp_fail(p, at, "%s has incomplete type '%s %s'", what, kn, t->name);
}

static struct type *mkptr(struct cdp *p, struct type *elem)
{
	return type_ptr(p->tc, elem == p->t_func ? p->tc->t_void : elem, AS_NONE);
}

static struct type *mkarray(struct cdp *p, struct type *elem, int64_t n, bool pchar, const struct tok *at)
{
	elem = cdp_complete(p, elem, at, "array element");
	if (elem->size && (uint64_t)n * elem->size > UINT32_MAX)
		cdp_fail(p, at, "array is too large");
	if (pchar && n > 0)
		return type_string(p->tc, (uint32_t)n);
	struct type *t = type_array(p->tc, elem, (uint32_t)n);
	t->align = cdp_type_align(p, elem);
	return t;
}

struct member {
	const char *name; /* NULL: an unnamed bit-field or an anonymous struct/union */
	struct type *type;
	const struct tok *at;
	int bits; /* -1: not a bit-field */
	struct attrs attrs;
	bool anon; /* anonymous struct/union: its fields are the parent's */
};
typedef VEC(struct member) membervec;

static uint64_t round_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

typedef VEC(struct type_field) fieldvec;

static void add_field(struct cdp *p, fieldvec *fields, struct type_field f, const struct tok *at)
{
	for (size_t i = 0; i < fields->n; i++)
		if (!strcmp(fields->v[i].name, f.name))
			cdp_fail(p, at, "duplicate member '%s'", f.name);
	AVEC_PUSH(p->a, *fields, f);
}

/* GCC's x86_64 (System V) layout. Bit-fields: a field may not cross a boundary of its declared
 * type's alignment unless packed; unnamed ones do not raise the struct's alignment; `:0` pads to
 * its type's alignment. A bit-field is stored as {offset, bit_offset, bit_width} with an integer
 * type of the smallest naturally aligned 1/2/4/8-byte unit holding it (kept inside the struct). */
static void layout(struct cdp *p, struct type *st, membervec *ms, bool is_union, struct attrs sa)
{
	fieldvec fields = {0};
	VEC(bool) is_bf = {0};
	uint64_t bitpos = 0, maxbits = 0;
	uint32_t salign = 1;
	for (size_t i = 0; i < ms->n; i++) {
		struct member *m = &ms->v[i];
		struct type *t = m->type;
		uint32_t ta = cdp_type_align(p, t);
		bool packed = sa.packed || m->attrs.packed;
		uint32_t a = packed ? 1 : ta;
		if (m->attrs.align > a)
			a = m->attrs.align;
		if (is_union)
			bitpos = 0;
		if (m->bits == 0) {
			bitpos = round_up(bitpos, ta * 8ull);
		} else if (m->bits > 0) {
			uint64_t unit = ta * 8ull;
			if (!packed && bitpos / unit != (bitpos + (uint64_t)m->bits - 1) / unit)
				bitpos = round_up(bitpos, unit);
			if (m->attrs.align)
				bitpos = round_up(bitpos, m->attrs.align * 8ull);
			if (m->name) {
				uint64_t last = bitpos + (uint64_t)m->bits - 1, off;
				uint32_t u = 1;
				while (u < 8 && bitpos / (u * 8) != last / (u * 8))
					u *= 2;
				if (bitpos / (u * 8) == last / (u * 8)) {
					off = bitpos / (u * 8) * u;
				} else { /* packed across an 8-byte boundary: start at its first byte */
					off = bitpos / 8;
					if (last / 8 - off >= 8)
						cdp_fail(p, m->at, "bit-field '%s' spans %u bytes: scry reads at most 8", m->name,
						         (unsigned)(last / 8 - off + 1));
				}
				struct type_field f = {m->name, type_int(p->tc, u, t->kind == T_INT && t->is_signed),
						       (uint32_t)off, (uint16_t)(bitpos - off * 8), (uint16_t)m->bits};
				add_field(p, &fields, f, m->at);
				AVEC_PUSH(p->a, is_bf, true);
				if (a > salign)
					salign = a;
			}
			bitpos += (uint64_t)m->bits;
		} else {
			bitpos = round_up(bitpos, a * 8ull);
			uint32_t off = (uint32_t)(bitpos / 8);
			if (m->anon) {
				for (uint32_t j = 0; j < t->nfields; j++) {
					struct type_field f = t->fields[j];
					f.offset += off;
					add_field(p, &fields, f, m->at);
					AVEC_PUSH(p->a, is_bf, f.bit_width != 0);
				}
			} else {
				struct type_field f = {m->name, t, off, 0, 0};
				add_field(p, &fields, f, m->at);
				AVEC_PUSH(p->a, is_bf, false);
			}
			bitpos += t->size * 8ull;
			if (a > salign)
				salign = a;
		}
		if (bitpos > maxbits)
			maxbits = bitpos;
	}
	if (sa.align > salign)
		salign = sa.align;
	uint64_t size = round_up((maxbits + 7) / 8, salign);
	if (size > UINT32_MAX)
		cdp_fail(p, ms->n ? ms->v[0].at : peek(p), "struct is too large");
	/* a bit-field's unit must not reach past the end of the struct (packed structs) */
	for (size_t i = 0; i < fields.n; i++) {
		struct type_field *f = &fields.v[i];
		if (is_bf.v[i] && f->offset + f->type->size > size && size >= f->type->size) {
			uint32_t d = f->offset + f->type->size - (uint32_t)size;
			f->offset -= d;
			f->bit_offset = (uint16_t)(f->bit_offset + d * 8);
		}
	}
	st->size = (uint32_t)size;
	st->align = salign;
	st->fields = arena_alloc(&p->tc->arena, sizeof(struct type_field) * (fields.n ? fields.n : 1));
	if (fields.n)
		memcpy(st->fields, fields.v, sizeof(struct type_field) * fields.n);
	st->nfields = (uint32_t)fields.n;
	st->fields_loaded = true;
}

/* ------------------------------------------------------------------ declarations */

struct spec {
	struct type *type;
	const struct tok *at;
	bool pchar;      /* the plain `char` keyword: arrays of it are strings */
	bool is_typedef;
	bool has_body;   /* defined a struct/union/enum */
	bool anon;       /* ... without a tag */
	struct attrs attrs;
};

/* Qualifiers, __attribute__((...)), _Alignas(...), __aligned(N): consumed, attributes recorded. */
static bool attr_or_qual(struct cdp *p, struct attrs *at)
{
	struct tok *t = peek(p);
	if (t->kind != TK_IDENT)
		return false;
	if (tok_any(t, qualifiers)) {
		p->pos++;
		return true;
	}
	if (tok_is(t, "__attribute__") || tok_is(t, "__attribute")) {
		p->pos++;
		cdp_expect(p, '(', "after '__attribute__'");
		cdp_expect(p, '(', "after '__attribute__('");
		while (!is_p(peek(p), ')')) {
			struct tok *a = next(p);
			if (a->kind != TK_IDENT)
				cdp_fail(p, a, "expected an attribute name, got %s", cdp_describe(p, a));
			if (tok_is(a, "packed") || tok_is(a, "__packed__")) {
				at->packed = true;
			} else if (tok_is(a, "aligned") || tok_is(a, "__aligned__")) {
				uint32_t n = 16; /* __BIGGEST_ALIGNMENT__ */
				if (accept(p, '(')) {
					n = (uint32_t)cdp_const_int(p, "alignment", 1, 1 << 28);
					cdp_expect(p, ')', "after alignment");
				}
				if (n & (n - 1))
					cdp_fail(p, a, "requested alignment %u is not a power of 2", n);
				if (n > at->align)
					at->align = n;
			} else if (is_p(peek(p), '(')) {
				cdp_skip_balanced(p);
			}
			if (!accept(p, ','))
				break;
		}
		cdp_expect(p, ')', "after attribute");
		cdp_expect(p, ')', "after attribute");
		return true;
	}
	if ((tok_is(t, "__aligned") || tok_is(t, "_Alignas")) && is_p(peekn(p, 1), '(')) {
		p->pos += 2;
		struct tok *v = peek(p);
		uint32_t n;
		if (cdp_is_type_start(p, v))
			n = cdp_type_align(p, cdp_complete(p, cdp_type_name(p), v, "_Alignas"));
		else
			n = (uint32_t)cdp_const_int(p, "alignment", 0, 1 << 28);
		if (n & (n - 1))
			cdp_fail(p, v, "requested alignment %u is not a power of 2", n);
		cdp_expect(p, ')', "after alignment");
		if (n > at->align)
			at->align = n;
		return true;
	}
	return false;
}

static void static_assert_decl(struct cdp *p)
{
	struct tok *kw = next(p);
	cdp_expect(p, '(', "after '_Static_assert'");
	struct val v = cdp_cond_expr(p);
	const char *msg = "";
	if (accept(p, ',')) {
		struct tok *s = next(p);
		if (s->kind != TK_STR)
			cdp_fail(p, s, "expected a string literal, got %s", cdp_describe(p, s));
		msg = arena_printf(p->a, ": %.*s", (int)s->len - 2, s->s + 1);
	}
	cdp_expect(p, ')', "after static assertion");
	cdp_expect(p, ';', "after static assertion");
	if (!v.v)
		cdp_fail(p, kw, "static assertion failed%s", msg);
}

static struct type *declarator(struct cdp *p, struct type *base, bool pchar, const struct tok **name, bool abstract);
static void specifiers(struct cdp *p, struct spec *sp);

static struct type *enum_body(struct cdp *p, const struct tok *open)
{
	p->pos++;
	struct val next_v = {0, false, false};
	bool neg = false;
	uint64_t umax = 0; /* the largest non-negative value */
	int64_t smin = 0;  /* the smallest negative one */
	while (!is_p(peek(p), '}')) {
		struct tok *id = next(p);
		if (id->kind == TK_EOF)
			cdp_fail(p, open, "expected '}' to match this '{'");
		if (id->kind != TK_IDENT)
			cdp_fail(p, id, "expected an enumerator name, got %s", cdp_describe(p, id));
		struct attrs ignored = {0};
		while (attr_or_qual(p, &ignored))
			;
		struct val v = next_v;
		if (accept(p, '='))
			v = cdp_cond_expr(p);
		if (cdp_enum_find(p, id))
			cdp_fail(p, id, "redefinition of enumerator '%.*s'", (int)id->len, id->s);
		if (tdef_find(p->cd, id->s, id->len))
			cdp_fail(p, id, "'%.*s' is already a type name", (int)id->len, id->s);
		struct econst c = {arena_strndup(p->a, id->s, id->len), v};
		AVEC_PUSH(p->a, p->cd->consts, c);
		p->cd->nenum = p->cd->consts.n;
		if (!v.u && (int64_t)v.v < 0) {
			neg = true;
			if ((int64_t)v.v < smin)
				smin = (int64_t)v.v;
		} else if (v.v > umax) {
			umax = v.v;
		}
		/* the next value; it gets a wider type if it no longer fits (0x7fffffff + 1 is a long) */
		if ((v.u && v.v == UINT64_MAX) || (!v.u && v.v == (uint64_t)INT64_MAX))
			cdp_fail(p, id, "enumerator value overflows");
		next_v = v;
		next_v.v++;
		if (!next_v.wide && next_v.v != (next_v.u ? (uint32_t)next_v.v : (uint64_t)(int64_t)(int32_t)next_v.v))
			next_v.wide = true, next_v.u = false;
		if (!accept(p, ','))
			break;
	}
	if (!is_p(peek(p), '}'))
		cdp_fail_expected(p, '}', "at end of enum");
	p->pos++;
	/* GCC: unsigned int unless a value is negative; 8 bytes when the values need them */
	if (neg)
		return type_int(p->tc, smin >= INT32_MIN && umax <= INT32_MAX ? 4 : 8, true);
	return type_int(p->tc, umax <= UINT32_MAX ? 4 : 8, false);
}

static void struct_body(struct cdp *p, struct type *st, bool is_union, struct attrs pre)
{
	const struct tok *open = next(p);
	membervec ms = {0};
	while (!is_p(peek(p), '}')) {
		if (peek(p)->kind == TK_EOF)
			cdp_fail(p, open, "expected '}' to match this '{'");
		if (accept(p, ';'))
			continue;
		if (tok_is(peek(p), "_Static_assert") || tok_is(peek(p), "static_assert")) {
			static_assert_decl(p);
			continue;
		}
		struct spec sp;
		specifiers(p, &sp);
		if (sp.is_typedef)
			cdp_fail(p, sp.at, "typedef is not allowed in a struct member");
		if (accept(p, ';')) {
			if (sp.anon && sp.type->kind == T_STRUCT) {
				struct member m = {NULL, sp.type, sp.at, -1, sp.attrs, true};
				AVEC_PUSH(p->a, ms, m);
			}
			/* otherwise only a tag was declared (GCC: "declaration does not declare anything") */
			continue;
		}
		for (;;) {
			struct member m = {.bits = -1, .at = peek(p), .attrs = sp.attrs};
			const struct tok *name = NULL;
			struct type *t = sp.type;
			if (!is_p(peek(p), ':'))
				t = declarator(p, sp.type, sp.pchar, &name, false);
			if (name)
				m.at = name, m.name = arena_strndup(&p->tc->arena, name->s, name->len);
			struct tok *colon = peek(p);
			if (accept(p, ':')) {
				struct tok *wt = peek(p);
				struct val w = cdp_cond_expr(p);
				const char *nm = m.name ? m.name : "(anonymous)";
				if (t->kind != T_INT && t->kind != T_BOOL)
					cdp_fail(p, colon, "bit-field '%s' has non-integral type", nm);
				if (!w.u && (int64_t)w.v < 0)
					cdp_fail(p, wt, "bit-field '%s' has negative width", nm);
				if (w.v > (t->kind == T_BOOL ? 1 : t->size * 8ull))
					cdp_fail(p, wt, "width of bit-field '%s' (%llu bits) exceeds the width of its type (%u bit%s)",
					         nm, (unsigned long long)w.v, t->kind == T_BOOL ? 1 : t->size * 8,
					         t->kind == T_BOOL ? "" : "s");
				if (!w.v && m.name)
					cdp_fail(p, wt, "named bit-field '%s' has zero width", nm);
				m.bits = (int)w.v;
			}
			while (attr_or_qual(p, &m.attrs))
				;
			m.type = cdp_complete(p, t, m.at, m.name ? arena_printf(p->a, "member '%s'", m.name) : "member");
			AVEC_PUSH(p->a, ms, m);
			if (!accept(p, ','))
				break;
		}
		if (!accept(p, ';'))
			cdp_fail_expected(p, ';', "at end of member declaration");
	}
	p->pos++; /* '}' */
	while (attr_or_qual(p, &pre))
		;
	layout(p, st, &ms, is_union, pre);
}

static struct type *tagged(struct cdp *p, struct spec *sp)
{
	struct tok *kw = next(p);
	char kind = tok_is(kw, "struct") ? 's' : tok_is(kw, "union") ? 'u' : 'e';
	struct attrs a = {0};
	while (attr_or_qual(p, &a))
		;
	const struct tok *name = NULL;
	if (peek(p)->kind == TK_IDENT)
		name = next(p);
	while (attr_or_qual(p, &a))
		;
	struct tag *tg = name ? tag_find(p, name->s, name->len) : NULL;
	if (tg && tg->kind != kind)
		cdp_fail(p, name, "use of '%.*s' with tag type '%s' that does not match its declaration as '%s'",
		         (int)name->len, name->s, kind_name(kind), kind_name(tg->kind));
	if (!is_p(peek(p), '{')) {
		if (!name)
			cdp_fail(p, peek(p), "expected a name or '{' after '%s', got %s", kind_name(kind), cdp_describe(p, peek(p)));
		if (tg)
			return tg->type;
		struct tag ntg = {kind, arena_strndup(p->a, name->s, name->len), NULL, false, false};
		if (kind == 'e') {
			if (is_pending(p, kind, name)) {
				ntg.type = type_int(p->tc, 4, false);
			} else {
				const char *err;
				ntg.type = lookup_external(p, arena_printf(p->a, "enum %s", ntg.name), &err);
				if (!ntg.type)
					cdp_fail(p, name, "unknown type 'enum %s' (%s)", ntg.name, err);
				ntg.external = true;
			}
		} else {
			ntg.type = type_new(p->tc, T_STRUCT, 0);
			ntg.type->name = arena_strdup(&p->tc->arena, ntg.name);
			ntg.type->is_union = kind == 'u';
			ntg.type->align = 1;
			ntg.external = !is_pending(p, kind, name);
		}
		AVEC_PUSH(p->a, p->cd->tags, ntg);
		return ntg.type;
	}
	if (tg && tg->defined)
		cdp_fail(p, name, "redefinition of '%s %.*s'", kind_name(kind), (int)name->len, name->s);
	sp->has_body = true;
	sp->anon = !name;
	if (kind == 'e') {
		struct type *t = enum_body(p, peek(p));
		while (attr_or_qual(p, &a))
			;
		if (name) {
			if (tg) {
				tg->type = t, tg->defined = true;
			} else {
				struct tag ntg = {kind, arena_strndup(p->a, name->s, name->len), t, true, false};
				AVEC_PUSH(p->a, p->cd->tags, ntg);
			}
		}
		return t;
	}
	struct type *st;
	if (tg) {
		st = tg->type;
		tg->external = false;
	} else {
		st = type_new(p->tc, T_STRUCT, 0);
		st->name = name ? arena_strndup(&p->tc->arena, name->s, name->len) : "(anonymous)";
		st->is_union = kind == 'u';
		if (name) {
			struct tag ntg = {kind, arena_strndup(p->a, name->s, name->len), st, false, false};
			AVEC_PUSH(p->a, p->cd->tags, ntg);
		}
	}
	if (++p->depth > 100)
		cdp_fail(p, kw, "definitions nested too deeply");
	struct_body(p, st, kind == 'u', a);
	p->depth--;
	if (name)
		tag_find(p, name->s, name->len)->defined = true;
	return st;
}

static struct type *typedef_name(struct cdp *p, const struct tok *t)
{
	struct tdef *td = tdef_find(p->cd, t->s, t->len);
	if (td)
		return td->type;
	struct type *ft;
	if (fixed_find(t, p->tc, &ft))
		return ft;
	const char *err;
	char *name = tstr(p->a, t);
	struct type *k = lookup_external(p, name, &err);
	if (!k) {
		struct macro *m = cdp_macro_find(p, t->s, t->len);
		if (m && m->func)
			cdp_fail(p, t, "function-like macro '%s' is not supported", name);
		cdp_fail(p, t, "unknown type name '%s' (%s)", name, err);
	}
	struct tdef nt = {name, k, true};
	AVEC_PUSH(p->a, p->cd->tdefs, nt);
	return k;
}

static void specifiers(struct cdp *p, struct spec *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->at = peek(p);
	int kw[16] = {0}; /* counts, indexed like int_keywords */
	bool any_kw = false;
	for (;;) {
		struct tok *t = peek(p);
		if (attr_or_qual(p, &sp->attrs))
			continue;
		if (t->kind != TK_IDENT || (sp->has_body && t->bol)) /* a new definition without ';' */
			break;
		if (tok_is(t, "typedef")) {
			sp->is_typedef = true;
			p->pos++;
			continue;
		}
		if (tok_any(t, storage)) {
			p->pos++;
			continue;
		}
		if (tok_is(t, "bool") && (any_kw || sp->type)) /* typedef _Bool bool; */
			break;
		int k = -1;
		for (int i = 0; int_keywords[i]; i++)
			if (tok_is(t, int_keywords[i]))
				k = i;
		if (k >= 0) {
			if (sp->type)
				cdp_fail(p, t, "cannot combine '%.*s' with a previous type name", (int)t->len, t->s);
			kw[k]++, any_kw = true;
			p->pos++;
			continue;
		}
		if (tok_is(t, "struct") || tok_is(t, "union") || tok_is(t, "enum")) {
			if (sp->type || any_kw)
				cdp_fail(p, t, "cannot combine '%.*s' with a previous type", (int)t->len, t->s);
			sp->type = tagged(p, sp);
			continue;
		}
		if (tok_any(t, (const char *const[]){"typeof", "__typeof__", "__typeof", NULL}))
			cdp_fail(p, t, "typeof is not supported in the C preamble");
		if (!sp->type && !any_kw) {
			sp->type = typedef_name(p, t);
			p->pos++;
			continue;
		}
		break;
	}
	if (!any_kw) {
		if (!sp->type)
			cdp_fail(p, peek(p), "expected a type, got %s", cdp_describe(p, peek(p)));
		return;
	}
	/* void char short int long signed __signed__ __signed unsigned _Bool bool float double __int128 _Complex */
	int nvoid = kw[0], nchar = kw[1], nshort = kw[2], nint = kw[3], nlong = kw[4];
	int nsigned = kw[5] + kw[6] + kw[7], nunsigned = kw[8], nbool = kw[9] + kw[10], nfloat = kw[11],
	    ndouble = kw[12], n128 = kw[13], ncomplex = kw[14];
	int total = nvoid + nchar + nshort + nint + nlong + nsigned + nunsigned + nbool + nfloat + ndouble + n128 + ncomplex;
	bool sign = nsigned || nunsigned;
	struct type *t = NULL;
	if (nsigned > 1 || nunsigned > 1 || (nsigned && nunsigned) || nint > 1 || nchar > 1 || nshort > 1 || nlong > 2 ||
	    ncomplex)
		t = NULL;
	else if (nvoid && total == 1)
		t = p->tc->t_void;
	else if (nbool && total == 1)
		t = p->tc->t_bool;
	else if (nfloat && total == 1)
		t = opaque(p, 4, 4);
	else if (ndouble && total == 1)
		t = opaque(p, 8, 8);
	else if (ndouble && nlong == 1 && total == 2)
		t = opaque(p, 16, 16);
	else if (n128 == 1 && total == 1 + sign)
		t = opaque(p, 16, 16);
	else if (nchar && total == 1 + sign)
		t = type_int(p->tc, 1, !nunsigned), sp->pchar = !sign;
	else if (nshort && total == 1 + sign + nint)
		t = type_int(p->tc, 2, !nunsigned);
	else if (nlong && total == nlong + sign + nint)
		t = type_int(p->tc, 8, !nunsigned);
	else if (total == sign + nint && total)
		t = type_int(p->tc, 4, !nunsigned);
	if (!t)
		cdp_fail(p, sp->at, "invalid combination of type specifiers");
	sp->type = t;
}

static bool is_nested_declarator(struct cdp *p, bool abstract)
{
	const struct tok *n = peekn(p, 1);
	if (is_p(n, '*') || is_p(n, '(') || tok_is(n, "__attribute__"))
		return true;
	return n->kind == TK_IDENT && !abstract && !cdp_is_type_start(p, n);
}

/* Array and function suffixes: a[2][3] is an array of 2 arrays of 3. */
static struct type *suffixes(struct cdp *p, struct type *base, bool pchar)
{
	struct suf {
		int64_t n; /* -1: a function */
		const struct tok *at;
	} sv[32];
	int ns = 0;
	for (;;) {
		struct tok *t = peek(p);
		if (is_p(t, '[')) {
			p->pos++;
			while (tok_is(peek(p), "static") || tok_any(peek(p), qualifiers))
				p->pos++;
			int64_t n = 0;
			if (!is_p(peek(p), ']'))
				n = cdp_const_int(p, "array size", 0, INT32_MAX);
			cdp_expect(p, ']', "after array size");
			if (ns == 32)
				cdp_fail(p, t, "too many array dimensions");
			sv[ns++] = (struct suf){n, t};
		} else if (is_p(t, '(')) {
			cdp_skip_balanced(p);
			if (ns == 32)
				cdp_fail(p, t, "too many declarator suffixes");
			sv[ns++] = (struct suf){-1, t};
		} else {
			break;
		}
	}
	for (int i = ns - 1; i >= 0; i--) {
		if (sv[i].n < 0) {
			if (base == p->t_func || base->kind == T_ARRAY || base->kind == T_STRING)
				cdp_fail(p, sv[i].at, "function cannot return an array or a function");
			base = p->t_func;
		} else {
			if (base == p->t_func)
				cdp_fail(p, sv[i].at, "array of functions");
			base = mkarray(p, base, sv[i].n, pchar && i == ns - 1, sv[i].at);
		}
	}
	return base;
}

static struct type *declarator(struct cdp *p, struct type *base, bool pchar, const struct tok **name, bool abstract)
{
	if (++p->depth > 100)
		cdp_fail(p, peek(p), "declarator nested too deeply");
	struct attrs ignored = {0};
	while (attr_or_qual(p, &ignored))
		;
	while (accept(p, '*')) {
		base = mkptr(p, base);
		pchar = false;
		while (attr_or_qual(p, &ignored))
			;
	}
	struct type *t;
	if (is_p(peek(p), '(') && is_nested_declarator(p, abstract)) {
		size_t open = p->pos;
		cdp_skip_balanced(p);
		struct type *outer = suffixes(p, base, pchar);
		size_t end = p->pos;
		p->pos = open + 1;
		t = declarator(p, outer, pchar && outer == base, name, abstract);
		if (!is_p(peek(p), ')'))
			cdp_fail(p, peek(p), "unexpected %s in declarator", cdp_describe(p, peek(p)));
		p->pos = end;
	} else {
		if (peek(p)->kind == TK_IDENT && !(abstract && cdp_is_type_start(p, peek(p))))
			*name = next(p);
		else if (!abstract)
			cdp_fail(p, peek(p), "expected a name, got %s", cdp_describe(p, peek(p)));
		t = suffixes(p, base, pchar);
	}
	p->depth--;
	return t;
}

struct type *cdp_type_name(struct cdp *p)
{
	struct spec sp;
	specifiers(p, &sp);
	const struct tok *name = NULL;
	struct type *t = declarator(p, sp.type, sp.pchar, &name, true);
	if (name)
		cdp_fail(p, name, "unexpected name '%.*s' in a type name", (int)name->len, name->s);
	return t;
}

/* A top-level definition's ';' may be missing before the next line (bpftrace accepts
 * "struct S { int a; }" followed by probes). */
static bool implicit_end(struct cdp *p)
{
	const struct tok *t = peek(p);
	if (t->kind == TK_EOF)
		return true;
	if (!t->bol || is_p(t, '*') || is_p(t, '('))
		return false;
	return t->kind != TK_IDENT || cdp_is_type_start(p, t) || tok_is(t, "typedef") || tok_any(t, storage);
}

static void external_decl(struct cdp *p)
{
	if (accept(p, ';'))
		return;
	struct tok *first = peek(p);
	if (is_p(first, '}'))
		cdp_fail(p, first, "unexpected '}' (no '{' to close)");
	if (tok_is(first, "_Static_assert") || tok_is(first, "static_assert")) {
		static_assert_decl(p);
		return;
	}
	struct spec sp;
	specifiers(p, &sp);
	if (accept(p, ';'))
		return;
	if (sp.has_body && implicit_end(p))
		return;
	for (;;) {
		const struct tok *name = NULL;
		struct type *t = declarator(p, sp.type, sp.pchar, &name, false);
		struct attrs ignored = {0};
		while (attr_or_qual(p, &ignored))
			;
		char *nm = tstr(p->a, name);
		if (sp.is_typedef) {
			struct tdef *old = tdef_find(p->cd, name->s, name->len);
			if (old && !old->external && !type_equal(old->type, t))
				cdp_fail(p, name, "typedef redefinition with different types for '%s'", nm);
			if (cdp_enum_find(p, name))
				cdp_fail(p, name, "'%s' is already an enumerator", nm);
			if (sp.anon && t == sp.type && t->kind == T_STRUCT && !strcmp(t->name, "(anonymous)"))
				t->name = arena_strdup(&p->tc->arena, nm); /* typedef struct { ... } name; */
			struct tdef td = {nm, t, false};
			AVEC_PUSH(p->a, p->cd->tdefs, td);
		} else if (is_p(peek(p), '{') && t == p->t_func) {
			cdp_skip_balanced(p);
			cdp_note(p, CDECL_NOTE_DECL, name, nm,
			         arena_printf(p->a, "function '%s' ignored: only types are used from the C preamble", nm));
			return;
		} else {
			cdp_note(p, CDECL_NOTE_DECL, name, nm,
			         arena_printf(p->a, "declaration of '%s' ignored: only types are used from the C preamble", nm));
			if (accept(p, '=')) { /* skip the initializer */
				while (!is_p(peek(p), ',') && !is_p(peek(p), ';') && peek(p)->kind != TK_EOF) {
					if (is_p(peek(p), '(') || is_p(peek(p), '{') || is_p(peek(p), '['))
						cdp_skip_balanced(p);
					else
						p->pos++;
				}
			}
		}
		if (!accept(p, ','))
			break;
	}
	if (!accept(p, ';'))
		cdp_fail_expected(p, ';', "after declaration");
}

/* Tags the preamble defines, so a reference before the definition is not taken for a kernel type. */
static void prescan(struct cdp *p)
{
	struct tok *t = p->toks.v;
	for (size_t i = 0; t[i].kind != TK_EOF; i++) {
		if (!tok_is(&t[i], "struct") && !tok_is(&t[i], "union") && !tok_is(&t[i], "enum"))
			continue;
		size_t j = i + 1;
		while (tok_is(&t[j], "__attribute__") || tok_is(&t[j], "__attribute") || tok_is(&t[j], "__aligned") ||
		       tok_is(&t[j], "_Alignas")) {
			int depth = 0;
			j++;
			do {
				if (is_p(&t[j], '('))
					depth++;
				else if (is_p(&t[j], ')'))
					depth--;
				if (t[j].kind != TK_EOF)
					j++;
			} while (depth > 0 && t[j].kind != TK_EOF);
		}
		if (t[j].kind == TK_IDENT && is_p(&t[j + 1], '{')) {
			const char *s = arena_printf(p->a, "%c:%.*s", t[i].s[0], (int)t[j].len, t[j].s);
			AVEC_PUSH(p->a, p->cd->pending, s);
		}
	}
}

static bool btf_present(void) { return access("/sys/kernel/btf/vmlinux", R_OK) == 0; }

struct cdecl *cdecl_parse(struct type_ctx *tc, const char *text, const struct cdecl_opts *opts, struct cdecl_error *err)
{
	struct cdecl *cd = xcalloc(1, sizeof(*cd));
	cd->tc = tc;
	struct cdp *p = xcalloc(1, sizeof(*p));
	p->cd = cd, p->tc = tc, p->a = &cd->arena, p->err = err;
	if (opts)
		p->opts = *opts;
	else
		p->opts.have_btf = btf_present();
	if (err)
		memset(err, 0, sizeof(*err));
	jmp_buf jb;
	p->jb = &jb;
	if (setjmp(jb)) {
		free(p);
		cdecl_free(cd);
		return NULL;
	}
	p->t_func = type_new(tc, T_VOID, 0);
	if (p->opts.have_btf)
		cdp_macro_builtin(p, "BPFTRACE_HAVE_BTF", "1");
	/* kernel annotations, so definitions copied from kernel headers parse */
	static const char *const empty[] = {"__user", "__kernel", "__iomem", "__rcu", "__percpu", "__force",
					    "__bitwise", "__randomize_layout", "__private", "__must_check", "__safe"};
	for (size_t i = 0; i < ARRAY_SIZE(empty); i++)
		cdp_macro_builtin(p, empty[i], "");
	cdp_macro_builtin(p, "__packed", "__attribute__((packed))");
	cdp_lex(p, text ? text : "", &p->raw);
	cdp_preprocess(p);
	prescan(p);
	p->tv = p->toks.v, p->tn = p->toks.n, p->pos = 0;
	while (peek(p)->kind != TK_EOF) {
		p->depth = 0;
		external_decl(p);
	}
	cd->nenum = cd->consts.n;
	cdp_eval_macros(p);
	free(p);
	return cd;
}

struct type *cdecl_type(const struct cdecl *cd, const char *name)
{
	if (!cd || !name)
		return NULL;
	char kind = 0;
	if (!strncmp(name, "struct ", 7))
		kind = 's', name += 7;
	else if (!strncmp(name, "union ", 6))
		kind = 'u', name += 6;
	else if (!strncmp(name, "enum ", 5))
		kind = 'e', name += 5;
	while (*name == ' ')
		name++;
	if (kind) {
		for (size_t i = 0; i < cd->tags.n; i++) {
			const struct tag *t = &cd->tags.v[i];
			if (t->kind == kind && t->defined && !strcmp(t->name, name))
				return t->type;
		}
		return NULL;
	}
	for (size_t i = cd->tdefs.n; i-- > 0;)
		if (!cd->tdefs.v[i].external && !strcmp(cd->tdefs.v[i].name, name))
			return cd->tdefs.v[i].type;
	return NULL;
}

bool cdecl_constant(const struct cdecl *cd, const char *name, int64_t *value)
{
	if (!cd || !name)
		return false;
	/* a macro hides an enumerator of the same name; a non-constant macro hides it too */
	for (size_t i = cd->macros.n; i-- > 0;) {
		const struct macro *m = &cd->macros.v[i];
		if (!m->dead && !m->builtin && !m->func && !strcmp(m->name, name)) {
			for (size_t j = cd->nenum; j < cd->consts.n; j++)
				if (!strcmp(cd->consts.v[j].name, name)) {
					*value = (int64_t)cd->consts.v[j].v.v;
					return true;
				}
			return false;
		}
	}
	for (size_t i = 0; i < cd->nenum; i++)
		if (!strcmp(cd->consts.v[i].name, name)) {
			*value = (int64_t)cd->consts.v[i].v.v;
			return true;
		}
	return false;
}

const char *cdecl_macro(const struct cdecl *cd, const char *name)
{
	if (!cd || !name)
		return NULL;
	for (size_t i = cd->macros.n; i-- > 0;) {
		const struct macro *m = &cd->macros.v[i];
		if (!m->dead && !m->builtin && !m->func && !strcmp(m->name, name))
			return m->text;
	}
	return NULL;
}

size_t cdecl_notes(const struct cdecl *cd, const struct cdecl_note **notes)
{
	*notes = cd ? cd->notes.v : NULL;
	return cd ? cd->notes.n : 0;
}

void cdecl_free(struct cdecl *cd)
{
	if (!cd)
		return;
	arena_free(&cd->arena);
	free(cd);
}

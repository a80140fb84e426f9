/* cdecl_pp: the front of the C preamble parser (cdecl.h): the lexer (comments and line
 * continuations dropped; each token knows whether it starts a logical line), the preprocessor
 * (#define/#undef/#if/#ifdef/#elif/#else/#endif, #include recorded, object-like macro expansion)
 * and the evaluator of integer constant expressions with C's types (int and unsigned int are 32
 * bits; #if arithmetic is 64-bit), used for #if, array sizes, bit widths, enumerators and
 * #define constants. Errors longjmp out of cdecl_parse; memory comes from the cdecl's arena. */
#include <stdarg.h>
#include <stdio.h>

#include "btf/cdecl_int.h"
#include "btf/ktypes.h"

__attribute__((format(printf, 3, 4), noreturn)) void cdp_fail(struct cdp *p, const struct tok *t, const char *fmt, ...)
{
	if (p->err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
		va_end(ap);
		p->err->line = t ? t->line : 1;
		p->err->col = t ? t->col : 1;
		p->err->len = t && t->span > 0 ? t->span : 1;
	}
	longjmp(*p->jb, 1);
}

void cdp_note(struct cdp *p, enum cdecl_note_kind k, const struct tok *at, const char *text, const char *msg)
{
	struct cdecl_note n = {k, at->line, at->col, text, msg};
	AVEC_PUSH(p->a, p->cd->notes, n);
}

/* ------------------------------------------------------------------ lexer */

static bool is_id0(char c) { return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_id(char c) { return is_id0(c) || is_digit(c); }

void cdp_lex(struct cdp *p, const char *s, tokvec *out)
{
	static const struct {
		const char *s;
		int p;
	} ops[] = {{"...", P_ELLIPSIS}, {"<<", P_SHL}, {">>", P_SHR}, {"<=", P_LE},     {">=", P_GE},
		   {"==", P_EQ},        {"!=", P_NE},  {"&&", P_ANDAND}, {"||", P_OROR}, {"->", P_ARROW},
		   {"++", P_INC},       {"--", P_DEC}, {"##", P_HASHHASH}};
	size_t i = 0, ls = 0;
	int line = 1;
	bool bol = true, space = false;
	for (;;) {
		char c = s[i];
		if (c == '\n') {
			i++, line++, ls = i;
			bol = space = true;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			i++, space = true;
			continue;
		}
		if (c == '\\' && (s[i + 1] == '\n' || (s[i + 1] == '\r' && s[i + 2] == '\n'))) {
			i += s[i + 1] == '\n' ? 2 : 3;
			line++, ls = i, space = true;
			continue;
		}
		if (c == '/' && s[i + 1] == '/') {
			while (s[i] && s[i] != '\n')
				i++;
			space = true;
			continue;
		}
		struct tok t = {.s = s + i, .line = line, .col = (int)(i - ls + 1), .bol = bol, .space = space};
		if (c == '/' && s[i + 1] == '*') {
			t.span = 2;
			for (i += 2; s[i] && !(s[i] == '*' && s[i + 1] == '/'); i++)
				if (s[i] == '\n')
					line++, ls = i + 1;
			if (!s[i])
				cdp_fail(p, &t, "unterminated /* comment");
			i += 2, space = true;
			continue;
		}
		bol = space = false;
		size_t st = i;
		if (!c) {
			t.kind = TK_EOF;
			t.span = 1;
			AVEC_PUSH(p->a, *out, t);
			return;
		}
		if (is_id0(c)) {
			while (is_id(s[i]))
				i++;
			t.kind = TK_IDENT;
		} else if (is_digit(c) || (c == '.' && is_digit(s[i + 1]))) {
			for (i++; is_id(s[i]) || s[i] == '.' || ((s[i] == '+' || s[i] == '-') && strchr("eEpP", s[i - 1]));)
				i++;
			t.kind = TK_NUM;
		} else if (c == '"' || c == '\'') {
			for (i++; s[i] && s[i] != c && s[i] != '\n'; i++)
				if (s[i] == '\\' && s[i + 1] && s[i + 1] != '\n')
					i++;
			if (s[i] != c) { /* unterminated: a lone quote, an error only if it is parsed */
				i = st + 1;
				t.kind = TK_PUNCT;
				t.punct = c;
			} else {
				i++;
				t.kind = c == '"' ? TK_STR : TK_CHAR;
			}
		} else {
			t.kind = TK_PUNCT;
			t.punct = (unsigned char)c;
			i++;
			for (size_t k = 0; k < ARRAY_SIZE(ops); k++) {
				size_t n = strlen(ops[k].s);
				if (!strncmp(s + st, ops[k].s, n)) {
					t.punct = ops[k].p;
					i = st + n;
					break;
				}
			}
		}
		t.len = (uint32_t)(i - st);
		t.span = (int)t.len;
		AVEC_PUSH(p->a, *out, t);
	}
}

/* "'x'" or "end of input", for messages */
const char *cdp_describe(struct cdp *p, const struct tok *t)
{
	if (t->kind == TK_EOF)
		return "end of input";
	return arena_printf(p->a, "'%.*s'", (int)(t->len > 40 ? 40 : t->len), t->s);
}

static const char *punct_str(int c)
{
	static char buf[2];
	switch (c) {
	case P_SHL: return "<<";
	case P_SHR: return ">>";
	default: buf[0] = (char)c; return buf;
	}
}

/* Report a missing token just after the previous one, as compilers do. */
__attribute__((noreturn)) void cdp_fail_expected(struct cdp *p, int c, const char *where)
{
	const struct tok *prev = p->pos ? &p->tv[p->pos - 1] : peek(p);
	struct tok at = *prev;
	if (p->pos && peek(p)->line == prev->line) /* same line: point at what is there instead */
		at = *peek(p);
	else if (p->pos)
		at.col += at.span, at.span = 1;
	cdp_fail(p, &at, "expected '%s'%s%s, got %s", punct_str(c), where ? " " : "", where ? where : "",
	         cdp_describe(p, peek(p)));
}
void cdp_expect(struct cdp *p, int c, const char *where)
{
	if (!accept(p, c))
		cdp_fail_expected(p, c, where);
}

/* Skip from an opening '(' / '[' / '{' at pos past its partner. */
void cdp_skip_balanced(struct cdp *p)
{
	struct tok *open[256];
	int depth = 0;
	open[depth++] = next(p);
	while (depth) {
		struct tok *t = peek(p);
		if (t->kind == TK_EOF)
			cdp_fail(p, open[depth - 1], "'%c' is never closed", open[depth - 1]->punct);
		if (t->kind == TK_PUNCT && (t->punct == '(' || t->punct == '[' || t->punct == '{')) {
			if (depth == 256)
				cdp_fail(p, t, "brackets nested too deeply");
			open[depth++] = t;
		} else if (t->kind == TK_PUNCT && (t->punct == ')' || t->punct == ']' || t->punct == '}')) {
			int want = open[depth - 1]->punct == '(' ? ')' : open[depth - 1]->punct == '[' ? ']' : '}';
			if (t->punct != want)
				cdp_fail(p, open[depth - 1], "'%c' is never closed", open[depth - 1]->punct);
			depth--;
		}
		p->pos++;
	}
}

/* ------------------------------------------------------------------ preprocessor */

struct macro *cdp_macro_find(struct cdp *p, const char *s, size_t len)
{
	for (size_t i = p->cd->macros.n; i-- > 0;) {
		struct macro *m = &p->cd->macros.v[i];
		if (!m->dead && strlen(m->name) == len && !memcmp(m->name, s, len))
			return m;
	}
	return NULL;
}

static void macro_add(struct cdp *p, const struct tok *at, const char *name, size_t len, struct tok *body, size_t n,
		      const char *text, bool func, bool builtin)
{
	struct macro *old = cdp_macro_find(p, name, len);
	if (old)
		old->dead = true;
	struct macro m = {arena_strndup(p->a, name, len), body, n, text, func, builtin, false, at ? at->line : 0,
			  at ? at->col : 0};
	AVEC_PUSH(p->a, p->cd->macros, m);
}

void cdp_macro_builtin(struct cdp *p, const char *name, const char *body)
{
	tokvec tv = {0};
	cdp_lex(p, body, &tv);
	macro_add(p, NULL, name, strlen(name), tv.v, tv.n - 1, body, false, true);
}

/* Limit on the work of expanding one token: macros expanded plus tokens pushed. Object-like
 * macros can double at each level (#define A1 (A0 + A0)), so without it a few dozen lines
 * expand into gigabytes. */
#define CDP_EXPAND_MAX 65536

static void expand_in(struct cdp *p, tokvec *out, const struct tok *t, const struct tok *site, struct macro **act,
		      int nact, size_t *budget)
{
	if (!(*budget)--)
		cdp_fail(p, site, "macro expansion of '%.*s' is too large", (int)site->len, site->s);
	if (t->kind == TK_IDENT) {
		struct macro *m = cdp_macro_find(p, t->s, t->len);
		bool active = false;
		for (int i = 0; i < nact; i++)
			active |= act[i] == m;
		if (m && !m->func && !active) {
			if (nact >= 32)
				cdp_fail(p, site, "macro expansion of '%.*s' nested too deeply", (int)site->len, site->s);
			act[nact] = m;
			for (size_t i = 0; i < m->nbody; i++)
				expand_in(p, out, &m->body[i], site, act, nact + 1, budget);
			return;
		}
	}
	struct tok c = *t;
	if (site != t) {
		c.line = site->line, c.col = site->col, c.span = site->span;
		c.bol = false;
	}
	AVEC_PUSH(p->a, *out, c);
}

/* Push t, expanding object-like macros (a macro is not expanded inside its own expansion).
 * Expanded tokens are reported at the use `site`. */
static void expand(struct cdp *p, tokvec *out, const struct tok *t, const struct tok *site, struct macro **act,
		   int nact)
{
	size_t budget = CDP_EXPAND_MAX;
	expand_in(p, out, t, site, act, nact, &budget);
}

static struct val eval_pp(struct cdp *p, struct tok *d, size_t n);

/* Text of tokens d[0..n) as written, white space collapsed. */
static const char *tokens_text(struct cdp *p, const struct tok *d, size_t n)
{
	struct strbuf sb = {0};
	for (size_t i = 0; i < n; i++) {
		if (i && d[i].space)
			sb_putc(&sb, ' ');
		sb_putn(&sb, d[i].s, d[i].len);
	}
	const char *r = arena_strdup(p->a, sb.s ? sb.s : "");
	sb_free(&sb);
	return r;
}

struct cond {
	const struct tok *at;
	bool outer;    /* the enclosing region is active */
	bool taken;    /* some branch of this #if was active */
	bool seen_else;
};

static void directive(struct cdp *p, const struct tok *hash, struct tok *d, size_t n, struct cond *cs, int *ncs,
		      bool *active)
{
	if (!n)
		return; /* the null directive */
	const struct tok *name = &d[0];
	bool cond_dir = tok_any(name, (const char *const[]){"if", "ifdef", "ifndef", "elif", "else", "endif", NULL});
	if (cond_dir) {
		if (tok_is(name, "if") || tok_is(name, "ifdef") || tok_is(name, "ifndef")) {
			if (*ncs >= 64)
				cdp_fail(p, name, "#if nested too deeply");
			struct cond c = {hash, *active, false, false};
			bool v = false;
			if (*active) {
				if (tok_is(name, "if")) {
					v = eval_pp(p, d + 1, n - 1).v != 0;
				} else {
					if (n < 2 || d[1].kind != TK_IDENT)
						cdp_fail(p, n < 2 ? name : &d[1], "macro name missing after #%.*s", (int)name->len,
						         name->s);
					v = (cdp_macro_find(p, d[1].s, d[1].len) != NULL) == tok_is(name, "ifdef");
				}
			}
			c.taken = v;
			cs[(*ncs)++] = c;
			*active = *active && v;
			return;
		}
		if (!*ncs)
			cdp_fail(p, name, "#%.*s without #if", (int)name->len, name->s);
		struct cond *c = &cs[*ncs - 1];
		if (tok_is(name, "endif")) {
			*active = c->outer;
			(*ncs)--;
			return;
		}
		if (c->seen_else)
			cdp_fail(p, name, "#%.*s after #else", (int)name->len, name->s);
		if (tok_is(name, "else")) {
			c->seen_else = true;
			*active = c->outer && !c->taken;
			c->taken = true;
			return;
		}
		/* #elif */
		bool v = false;
		if (c->outer && !c->taken)
			v = eval_pp(p, d + 1, n - 1).v != 0;
		*active = v;
		c->taken |= v;
		return;
	}
	if (!*active)
		return;
	if (tok_is(name, "define")) {
		if (n < 2 || d[1].kind != TK_IDENT)
			cdp_fail(p, n < 2 ? name : &d[1], "macro name must be an identifier");
		bool func = n > 2 && is_p(&d[2], '(') && !d[2].space;
		const char *text = tokens_text(p, d + 2, n - 2);
		macro_add(p, hash, d[1].s, d[1].len, d + 2, n - 2, text, func, false);
		if (func)
			cdp_note(p, CDECL_NOTE_MACRO, hash, tstr(p->a, &d[1]),
			         arena_printf(p->a, "#define %.*s ignored: function-like macros are not supported", (int)d[1].len,
					  d[1].s));
	} else if (tok_is(name, "undef")) {
		if (n < 2 || d[1].kind != TK_IDENT)
			cdp_fail(p, n < 2 ? name : &d[1], "macro name must be an identifier");
		struct macro *m = cdp_macro_find(p, d[1].s, d[1].len);
		if (m)
			m->dead = true;
	} else if (tok_is(name, "include") || tok_is(name, "include_next")) {
		if (n < 2)
			cdp_fail(p, name, "#include expects \"FILENAME\" or <FILENAME>");
		const char *file = tokens_text(p, d + 1, n - 1);
		cdp_note(p, CDECL_NOTE_INCLUDE, hash, file,
		         arena_printf(p->a, "#include %s ignored: kernel types come from BTF", file));
	} else if (tok_is(name, "error")) {
		cdp_fail(p, hash, "#error %s", tokens_text(p, d + 1, n - 1));
	} else {
		const char *txt = tokens_text(p, d, n);
		cdp_note(p, CDECL_NOTE_DIRECTIVE, hash, tstr(p->a, name), arena_printf(p->a, "#%s ignored", txt));
	}
}

void cdp_preprocess(struct cdp *p)
{
	struct cond cs[64];
	int ncs = 0;
	bool active = true;
	struct macro *act[33];
	struct tok *r = p->raw.v;
	size_t i = 0;
	while (r[i].kind != TK_EOF) {
		if (r[i].bol && is_p(&r[i], '#')) {
			size_t j = i + 1, k = j;
			while (r[k].kind != TK_EOF && !r[k].bol)
				k++;
			directive(p, &r[i], &r[j], k - j, cs, &ncs, &active);
			i = k;
			continue;
		}
		if (active)
			expand(p, &p->toks, &r[i], &r[i], act, 0);
		i++;
	}
	if (ncs)
		cdp_fail(p, cs[ncs - 1].at, "unterminated conditional directive (missing #endif)");
	AVEC_PUSH(p->a, p->toks, r[i]);
}

/* ------------------------------------------------------------------ constant expressions */

static void normalize(struct val *x)
{
	if (!x->wide)
		x->v = x->u ? (uint32_t)x->v : (uint64_t)(int64_t)(int32_t)x->v;
}
static struct val mkint(struct cdp *p, int64_t v)
{
	struct val r = {(uint64_t)v, false, p->pp || v != (int32_t)v};
	return r;
}
/* the usual arithmetic conversions */
static void convert_pair(struct val *a, struct val *b)
{
	bool wide = a->wide || b->wide, u;
	if (a->wide == b->wide)
		u = a->u || b->u;
	else
		u = a->wide ? a->u : b->u;
	a->wide = b->wide = wide;
	a->u = b->u = u;
	normalize(a);
	normalize(b);
}

static struct val num_val(struct cdp *p, const struct tok *t)
{
	const char *s = t->s, *e = t->s + t->len;
	int base = 10;
	if (e - s > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (e - s > 1 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	else if (s[0] == '0')
		base = 8;
	uint64_t v = 0;
	bool overflow = false, any = false;
	for (; s < e; s++) {
		int d = is_digit(*s) ? *s - '0' : (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10 : (*s >= 'A' && *s <= 'F') ? *s - 'A' + 10 : 99;
		if (d >= base) {
			if (base == 10 && d < 16 && (*s == 'e' || *s == 'E'))
				cdp_fail(p, t, "floating-point constants are not supported");
			break;
		}
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			overflow = true;
		v = v * (uint64_t)base + (uint64_t)d;
		any = true;
	}
	if (s < e && (*s == '.' || ((*s == 'p' || *s == 'P') && base == 16)))
		cdp_fail(p, t, "floating-point constants are not supported");
	if (base == 8 && s < e && is_digit(*s))
		cdp_fail(p, t, "invalid digit '%c' in octal constant", *s);
	if (!any && base != 8)
		cdp_fail(p, t, "invalid integer constant '%.*s'", (int)t->len, t->s);
	int nu = 0, nl = 0;
	for (const char *q = s; q < e; q++) {
		if ((*q == 'u' || *q == 'U') && !nu)
			nu++;
		else if ((*q == 'l' || *q == 'L') && nl < 2 && (!nl || q[-1] == *q))
			nl++;
		else
			cdp_fail(p, t, "invalid suffix '%.*s' on integer constant", (int)(e - s), s);
	}
	if (overflow)
		cdp_fail(p, t, "integer constant '%.*s' is too large", (int)t->len, t->s);
	struct val r = {v, nu > 0, true};
	if (p->pp) {
		r.u = nu || v > INT64_MAX;
	} else if (!nu && !nl && v <= INT32_MAX) {
		r.wide = false;
	} else if (!nu && !nl && base != 10 && v <= UINT32_MAX) {
		r.wide = false, r.u = true;
	} else if (nu && !nl && v <= UINT32_MAX) {
		r.wide = false;
	} else {
		r.u = nu || v > INT64_MAX;
	}
	return r;
}

static struct val char_val(struct cdp *p, const struct tok *t)
{
	const char *s = t->s + 1, *e = t->s + t->len - 1;
	if (s >= e)
		cdp_fail(p, t, "empty character constant");
	int v;
	if (*s != '\\') {
		v = (unsigned char)*s++;
	} else {
		s++;
		switch (*s) {
		case 'n': v = '\n', s++; break;
		case 't': v = '\t', s++; break;
		case 'r': v = '\r', s++; break;
		case 'a': v = '\a', s++; break;
		case 'b': v = '\b', s++; break;
		case 'f': v = '\f', s++; break;
		case 'v': v = '\v', s++; break;
		case 'e': v = 27, s++; break;
		case 'x':
			v = 0;
			for (s++; s < e && strchr("0123456789abcdefABCDEF", *s); s++)
				v = v * 16 + (is_digit(*s) ? *s - '0' : (*s | 0x20) - 'a' + 10);
			break;
		default:
			if (*s >= '0' && *s <= '7') {
				v = 0;
				for (int k = 0; k < 3 && s < e && *s >= '0' && *s <= '7'; k++, s++)
					v = v * 8 + (*s - '0');
			} else {
				v = (unsigned char)*s++;
			}
		}
	}
	if (s != e)
		cdp_fail(p, t, "multi-character constants are not supported");
	return mkint(p, (signed char)v); /* char is signed on x86_64 */
}

static struct val cast_val(struct cdp *p, const struct type *ty, struct val v, const struct tok *at)
{
	if (ty->kind == T_BOOL)
		return mkint(p, v.v != 0);
	if (ty->kind == T_PTR || (ty->kind == T_INT && ty->size == 8))
		return (struct val){v.v, ty->kind == T_PTR || !ty->is_signed, true};
	if (ty->kind != T_INT)
		cdp_fail(p, at, "cannot cast to a non-scalar type in a constant expression");
	unsigned bits = ty->size * 8;
	uint64_t x = v.v & ((1ull << bits) - 1);
	if (ty->is_signed && (x >> (bits - 1)))
		x |= ~0ull << bits;
	struct val r = {x, ty->size == 4 && !ty->is_signed, false};
	normalize(&r);
	return r;
}

const struct econst *cdp_enum_find(struct cdp *p, const struct tok *t)
{
	for (size_t i = p->cd->nenum; i-- > 0;) {
		const struct econst *c = &p->cd->consts.v[i];
		if (strlen(c->name) == t->len && !memcmp(c->name, t->s, t->len))
			return c;
	}
	return NULL;
}

static const struct type_field *field_find(const struct type *st, const char *name, size_t len)
{
	for (uint32_t i = 0; i < st->nfields; i++)
		if (strlen(st->fields[i].name) == len && !memcmp(st->fields[i].name, name, len))
			return &st->fields[i];
	return NULL;
}

/* offsetof(type, a.b[2].c) */
static struct val offsetof_val(struct cdp *p)
{
	cdp_expect(p, '(', "after 'offsetof'");
	struct tok *tt = peek(p);
	struct type *t = cdp_complete(p, cdp_type_name(p), tt, "offsetof");
	cdp_expect(p, ',', "in offsetof");
	uint64_t off = 0;
	for (bool first = true;; first = false) {
		if (first || accept(p, '.')) {
			struct tok *f = next(p);
			if (f->kind != TK_IDENT)
				cdp_fail(p, f, "expected a member name, got %s", cdp_describe(p, f));
			if (t->kind != T_STRUCT)
				cdp_fail(p, f, "offsetof: '%.*s' is not a member of a struct or union", (int)f->len, f->s);
			ktype_load_fields(p->tc, t);
			const struct type_field *fld = field_find(t, f->s, f->len);
			if (!fld)
				cdp_fail(p, f, "no member named '%.*s'", (int)f->len, f->s);
			if (fld->bit_width)
				cdp_fail(p, f, "offsetof of bit-field '%.*s'", (int)f->len, f->s);
			off += fld->offset;
			t = cdp_complete(p, fld->type, f, "offsetof");
		} else if (is_p(peek(p), '[')) {
			struct tok *b = next(p);
			struct val i = cdp_cond_expr(p);
			cdp_expect(p, ']', "in offsetof");
			if (t->kind != T_ARRAY && t->kind != T_STRING)
				cdp_fail(p, b, "offsetof: subscript of a non-array");
			uint64_t esz = t->kind == T_STRING ? 1 : t->elem->size;
			off += i.v * esz;
			t = t->kind == T_STRING ? type_int(p->tc, 1, true) : t->elem;
		} else {
			break;
		}
	}
	cdp_expect(p, ')', "after offsetof");
	return (struct val){off, true, true};
}

static struct val unary1(struct cdp *p);
static struct val unary(struct cdp *p)
{
	if (++p->depth > 200)
		cdp_fail(p, peek(p), "expression nested too deeply");
	struct val v = unary1(p);
	p->depth--;
	return v;
}

static struct val unary1(struct cdp *p)
{
	struct tok *t = peek(p);
	if (t->kind == TK_PUNCT && (t->punct == '-' || t->punct == '+' || t->punct == '~' || t->punct == '!')) {
		p->pos++;
		struct val v = unary(p);
		if (t->punct == '-')
			v.v = 0 - v.v;
		else if (t->punct == '~')
			v.v = ~v.v;
		else if (t->punct == '!')
			return mkint(p, v.v == 0);
		normalize(&v);
		return v;
	}
	if (!p->pp && is_p(t, '(') && cdp_is_type_start(p, peekn(p, 1))) {
		p->pos++;
		struct type *ty = cdp_type_name(p);
		cdp_expect(p, ')', "after type name");
		return cast_val(p, ty, unary(p), t);
	}
	if (!p->pp && tok_any(t, (const char *const[]){"sizeof", "_Alignof", "__alignof__", "__alignof", "alignof", NULL})) {
		bool size = tok_is(t, "sizeof");
		p->pos++;
		if (is_p(peek(p), '(') && cdp_is_type_start(p, peekn(p, 1))) {
			p->pos++;
			struct tok *tt = peek(p);
			struct type *ty = cdp_complete(p, cdp_type_name(p), tt, size ? "sizeof" : "alignof");
			cdp_expect(p, ')', "after type name");
			return (struct val){size ? ty->size : cdp_type_align(p, ty), true, true};
		}
		struct val v = unary(p);
		return (struct val){v.wide ? 8 : 4, true, true};
	}
	if (!p->pp && tok_any(t, (const char *const[]){"__builtin_offsetof", "offsetof", NULL}) && is_p(peekn(p, 1), '(')) {
		p->pos++;
		return offsetof_val(p);
	}
	p->pos++;
	switch (t->kind) {
	case TK_NUM:
		return num_val(p, t);
	case TK_CHAR:
		return char_val(p, t);
	case TK_PUNCT:
		if (t->punct == '(') {
			struct val v = cdp_cond_expr(p);
			while (accept(p, ',')) /* the comma operator */
				v = cdp_cond_expr(p);
			cdp_expect(p, ')', "in expression");
			return v;
		}
		break;
	case TK_IDENT: {
		struct macro *m = cdp_macro_find(p, t->s, t->len);
		if (m && m->func && is_p(peek(p), '('))
			cdp_fail(p, t, "function-like macro '%.*s' is not supported", (int)t->len, t->s);
		if (p->pp)
			return mkint(p, 0);
		const struct econst *c = cdp_enum_find(p, t);
		if (c)
			return c->v;
		cdp_fail(p, t, "use of undeclared identifier '%.*s'", (int)t->len, t->s);
	}
	default:
		break;
	}
	cdp_fail(p, t, "expected an integer constant expression, got %s", cdp_describe(p, t));
}

static int binprec(const struct tok *t)
{
	if (t->kind != TK_PUNCT)
		return 0;
	switch (t->punct) {
	case P_OROR: return 1;
	case P_ANDAND: return 2;
	case '|': return 3;
	case '^': return 4;
	case '&': return 5;
	case P_EQ: case P_NE: return 6;
	case '<': case '>': case P_LE: case P_GE: return 7;
	case P_SHL: case P_SHR: return 8;
	case '+': case '-': return 9;
	case '*': case '/': case '%': return 10;
	default: return 0;
	}
}

static struct val apply(struct cdp *p, const struct tok *op, struct val l, struct val r)
{
	int o = op->punct;
	if (o == P_SHL || o == P_SHR) {
		uint64_t bits = l.wide ? 64 : 32;
		if ((!r.u && (int64_t)r.v < 0) || r.v >= bits) {
			if (!p->no_eval)
				cdp_fail(p, op, "shift count %lld is out of range for a %u-bit value", (long long)r.v,
				         (unsigned)bits);
			l.v = 0;
			return l;
		}
		if (o == P_SHL)
			l.v <<= r.v;
		else
			l.v = l.u ? l.v >> r.v : (uint64_t)((int64_t)l.v >> r.v);
		normalize(&l);
		return l;
	}
	convert_pair(&l, &r);
	int64_t sl = (int64_t)l.v, sr = (int64_t)r.v;
	switch (o) {
	case '+': l.v += r.v; break;
	case '-': l.v -= r.v; break;
	case '*': l.v *= r.v; break;
	case '&': l.v &= r.v; break;
	case '|': l.v |= r.v; break;
	case '^': l.v ^= r.v; break;
	case '/':
	case '%':
		if (!r.v) {
			if (!p->no_eval)
				cdp_fail(p, op, "division by zero in a constant expression");
			l.v = 0;
		} else if (l.u) {
			l.v = o == '/' ? l.v / r.v : l.v % r.v;
		} else if (sl == INT64_MIN && sr == -1) {
			l.v = o == '/' ? l.v : 0;
		} else {
			l.v = (uint64_t)(o == '/' ? sl / sr : sl % sr);
		}
		break;
	case P_EQ: return mkint(p, l.v == r.v);
	case P_NE: return mkint(p, l.v != r.v);
	case '<': return mkint(p, l.u ? l.v < r.v : sl < sr);
	case '>': return mkint(p, l.u ? l.v > r.v : sl > sr);
	case P_LE: return mkint(p, l.u ? l.v <= r.v : sl <= sr);
	case P_GE: return mkint(p, l.u ? l.v >= r.v : sl >= sr);
	}
	normalize(&l);
	return l;
}

static struct val binop(struct cdp *p, int minprec)
{
	struct val l = unary(p);
	for (;;) {
		struct tok *op = peek(p);
		int pr = binprec(op);
		if (!pr || pr < minprec)
			return l;
		p->pos++;
		if (op->punct == P_ANDAND || op->punct == P_OROR) {
			bool skip = (op->punct == P_ANDAND) == (l.v == 0);
			p->no_eval += skip;
			struct val r = binop(p, pr + 1);
			p->no_eval -= skip;
			l = mkint(p, op->punct == P_ANDAND ? (l.v && r.v) : (l.v || r.v));
			continue;
		}
		l = apply(p, op, l, binop(p, pr + 1));
	}
}

struct val cdp_cond_expr(struct cdp *p)
{
	if (++p->depth > 200)
		cdp_fail(p, peek(p), "expression nested too deeply");
	struct val c = binop(p, 1);
	if (accept(p, '?')) {
		bool t = c.v != 0;
		p->no_eval += !t;
		struct val a = cdp_cond_expr(p);
		p->no_eval -= !t;
		cdp_expect(p, ':', "in conditional expression");
		p->no_eval += t;
		struct val b = cdp_cond_expr(p);
		p->no_eval -= t;
		convert_pair(&a, &b);
		c = t ? a : b;
	}
	p->depth--;
	return c;
}

/* Evaluate tokens d[0..n) as a whole expression in the stream `tv` (which must end with EOF). */
static struct val eval_tokens(struct cdp *p, struct tok *tv, size_t tn, const struct tok *at, bool pp)
{
	struct tok *stv = p->tv;
	size_t stn = p->tn, spos = p->pos;
	bool spp = p->pp;
	p->tv = tv, p->tn = tn, p->pos = 0, p->pp = pp;
	if (peek(p)->kind == TK_EOF)
		cdp_fail(p, at, "expected an expression");
	struct val v = cdp_cond_expr(p);
	if (peek(p)->kind != TK_EOF)
		cdp_fail(p, peek(p), "unexpected %s in constant expression", cdp_describe(p, peek(p)));
	p->tv = stv, p->tn = stn, p->pos = spos, p->pp = spp;
	return v;
}

/* #if: `defined X` / `defined(X)` first, then macro expansion, then identifiers are 0. */
static struct val eval_pp(struct cdp *p, struct tok *d, size_t n)
{
	static struct tok one = {.kind = TK_NUM, .s = "1", .len = 1}, zero = {.kind = TK_NUM, .s = "0", .len = 1};
	tokvec out = {0};
	struct macro *act[33];
	for (size_t i = 0; i < n; i++) {
		if (tok_is(&d[i], "defined")) {
			size_t j = i + 1;
			bool paren = j < n && is_p(&d[j], '(');
			j += paren;
			if (j >= n || d[j].kind != TK_IDENT)
				cdp_fail(p, &d[i], "macro name missing after 'defined'");
			if (paren && (j + 1 >= n || !is_p(&d[j + 1], ')')))
				cdp_fail(p, &d[j], "missing ')' after 'defined'");
			struct tok r = cdp_macro_find(p, d[j].s, d[j].len) ? one : zero;
			r.line = d[i].line, r.col = d[i].col, r.span = d[i].span;
			AVEC_PUSH(p->a, out, r);
			i = j + paren;
			continue;
		}
		expand(p, &out, &d[i], &d[i], act, 0);
	}
	struct tok eof = {.kind = TK_EOF, .line = d[-1].line, .col = d[-1].col, .span = 1};
	AVEC_PUSH(p->a, out, eof);
	return eval_tokens(p, out.v, out.n, &d[-1], true);
}

int64_t cdp_const_int(struct cdp *p, const char *what, int64_t min, int64_t max)
{
	struct tok *at = peek(p);
	struct val v = cdp_cond_expr(p);
	if (!v.u && (int64_t)v.v < min)
		cdp_fail(p, at, "%s %lld is %s", what, (long long)v.v, (int64_t)v.v < 0 ? "negative" : "too small");
	if ((v.u && v.v > (uint64_t)max) || (!v.u && (int64_t)v.v > max))
		cdp_fail(p, at, "%s %llu is too large", what, (unsigned long long)v.v);
	return (int64_t)v.v;
}

/* Evaluate one object-like macro as a constant; false (and *why) if it is not one. */
static bool eval_macro(struct cdp *p, struct macro *m, struct val *out, struct cdecl_error *why)
{
	jmp_buf jb, *saved = p->jb;
	struct cdecl_error *serr = p->err;
	p->jb = &jb;
	p->err = why;
	p->no_eval = 0;
	p->depth = 0;
	bool ok = false;
	if (!setjmp(jb)) {
		tokvec toks = {0};
		struct macro *act[33] = {m};
		for (size_t k = 0; k < m->nbody; k++)
			expand(p, &toks, &m->body[k], &m->body[k], act, 1);
		struct tok eof = {.kind = TK_EOF, .line = 1, .col = 1, .span = 1};
		AVEC_PUSH(p->a, toks, eof);
		*out = eval_tokens(p, toks.v, toks.n, &eof, false);
		ok = true;
	}
	p->jb = saved;
	p->err = serr;
	return ok;
}

/* Object-like macros whose replacement is an integer constant expression become constants. */
void cdp_eval_macros(struct cdp *p)
{
	for (size_t i = 0; i < p->cd->macros.n; i++) {
		struct macro *m = &p->cd->macros.v[i];
		if (m->dead || m->func || m->builtin || !m->nbody)
			continue;
		struct val v;
		struct cdecl_error why = {0};
		if (eval_macro(p, m, &v, &why)) {
			struct econst c = {m->name, v};
			AVEC_PUSH(p->a, p->cd->consts, c);
		} else {
			struct tok at = {.line = m->line, .col = m->col};
			cdp_note(p, CDECL_NOTE_MACRO, &at, m->name,
			         arena_printf(p->a, "#define %s ignored: '%s' is not an integer constant (%s)", m->name,
					  m->text, why.msg));
		}
	}
}

/* cdecl: the C preamble (cdecl.h). Three stages over one token array:
 *   lex        text -> raw tokens (comments and line continuations dropped; each token knows
 *              whether it starts a logical line, for directives);
 *   preprocess directives (#define/#undef/#if.../#include), object-like macro expansion;
 *   parse      recursive descent over declarations, with an integer constant-expression
 *              evaluator (array sizes, bit widths, enumerators, #if) and GCC x86_64 layout.
 * Errors longjmp out to cdecl_parse; all temporary memory is in the cdecl's arena. */
#include "btf/cdecl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "btf/ktypes.h"

/* Growable array whose memory comes from an arena (so an error's longjmp leaks nothing). */
#define AVEC_PUSH(ar, vec, x)                                                                  \
	do {                                                                                   \
		if ((vec).n == (vec).cap) {                                                    \
			size_t nc_ = (vec).cap ? (vec).cap * 2 : 16;                           \
			void *nv_ = arena_alloc((ar), nc_ * sizeof(*(vec).v));                 \
			if ((vec).n)                                                           \
				memcpy(nv_, (vec).v, (vec).n * sizeof(*(vec).v));              \
			(vec).v = nv_;                                                         \
			(vec).cap = nc_;                                                       \
		}                                                                              \
		(vec).v[(vec).n++] = (x);                                                      \
	} while (0)

enum tok_kind { TK_EOF, TK_IDENT, TK_NUM, TK_STR, TK_CHAR, TK_PUNCT };
enum { P_SHL = 256, P_SHR, P_LE, P_GE, P_EQ, P_NE, P_ANDAND, P_OROR, P_ELLIPSIS, P_ARROW, P_INC, P_DEC,
       P_HASHHASH };

struct tok {
	enum tok_kind kind;
	int punct;        /* TK_PUNCT: the character, or P_* */
	const char *s;    /* spelling (not NUL-terminated) */
	uint32_t len;
	int line, col;    /* where it is reported: the token, or the macro use it was expanded from */
	int span;         /* reported length */
	bool bol, space;  /* first on a logical line; preceded by white space */
};
typedef VEC(struct tok) tokvec;

struct macro {
	const char *name;
	struct tok *body; /* replacement list */
	size_t nbody;
	const char *text; /* replacement text, white space collapsed */
	bool func, builtin, dead;
	int line, col;    /* of the '#' */
};

/* An integer constant: the value normalised to its C type (int / unsigned int are 32 bits). */
struct val {
	uint64_t v;
	bool u, wide;
};

struct tag {
	char kind; /* 's' struct, 'u' union, 'e' enum */
	const char *name;
	struct type *type;
	bool defined;  /* by the preamble */
	bool external; /* not defined by the preamble: a kernel type, looked up lazily (struct/union) */
};
struct tdef {
	const char *name;
	struct type *type;
	bool external; /* found through the lookup function, cached */
};
struct econst {
	const char *name;
	struct val v;
};
struct kalign {
	const struct type *t;
	uint32_t align;
};

struct cdecl {
	struct type_ctx *tc;
	struct arena arena;
	VEC(struct macro) macros;
	VEC(struct tag) tags;
	VEC(struct tdef) tdefs;
	VEC(struct econst) consts; /* enumerators, then evaluated object-like macros (is_macro) */
	size_t nenum;              /* consts[0..nenum) are enumerators */
	VEC(struct cdecl_note) notes;
	VEC(struct kalign) kaligns; /* alignment of kernel structs, computed from their fields */
	VEC(const char *) pending;  /* "s:name": tags the preamble defines (found by a pre-scan) */
};

struct cdp {
	struct cdecl *cd;
	struct type_ctx *tc;
	struct arena *a;
	struct cdecl_opts opts;
	struct cdecl_error *err;
	jmp_buf *jb;
	tokvec raw, toks;
	struct tok *tv; /* the stream being parsed (toks, or a directive's tokens) */
	size_t tn, pos;
	int no_eval; /* > 0: inside an operand that is not evaluated (x ? y : 1/0) */
	bool pp;     /* evaluating #if: identifiers are 0, all arithmetic is 64-bit */
	int depth;
	struct type *t_func; /* marker for "a function type" */
};

struct attrs {
	bool packed;
	uint32_t align;
};

__attribute__((format(printf, 3, 4), noreturn)) static void fail(struct cdp *p, const struct tok *t, const char *fmt, ...)
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

static void note(struct cdp *p, enum cdecl_note_kind k, const struct tok *at, const char *text, const char *msg)
{
	struct cdecl_note n = {k, at->line, at->col, text, msg};
	AVEC_PUSH(p->a, p->cd->notes, n);
}

/* ------------------------------------------------------------------ lexer */

static bool is_id0(char c) { return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_id(char c) { return is_id0(c) || is_digit(c); }

static void lex(struct cdp *p, const char *s, tokvec *out)
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
				fail(p, &t, "unterminated /* comment");
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

/* ------------------------------------------------------------------ token helpers */

static bool tok_is(const struct tok *t, const char *kw)
{
	return t->kind == TK_IDENT && t->len == strlen(kw) && !memcmp(t->s, kw, t->len);
}
static bool tok_any(const struct tok *t, const char *const *kws)
{
	for (; *kws; kws++)
		if (tok_is(t, *kws))
			return true;
	return false;
}
static bool is_p(const struct tok *t, int c) { return t->kind == TK_PUNCT && t->punct == c; }
static struct tok *peek(struct cdp *p) { return &p->tv[p->pos]; }
static struct tok *peekn(struct cdp *p, size_t k) { return &p->tv[p->pos + k < p->tn ? p->pos + k : p->tn - 1]; }
static struct tok *next(struct cdp *p)
{
	struct tok *t = &p->tv[p->pos];
	if (t->kind != TK_EOF)
		p->pos++;
	return t;
}
static bool accept(struct cdp *p, int c)
{
	if (!is_p(peek(p), c))
		return false;
	p->pos++;
	return true;
}
static char *tstr(struct arena *a, const struct tok *t) { return arena_strndup(a, t->s, t->len); }

/* "'x'" or "end of input", for messages */
static const char *describe(struct cdp *p, const struct tok *t)
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
__attribute__((noreturn)) static void fail_expected(struct cdp *p, int c, const char *where)
{
	const struct tok *prev = p->pos ? &p->tv[p->pos - 1] : peek(p);
	struct tok at = *prev;
	if (p->pos && peek(p)->line == prev->line) /* same line: point at what is there instead */
		at = *peek(p);
	else if (p->pos)
		at.col += at.span, at.span = 1;
	fail(p, &at, "expected '%s'%s%s, got %s", punct_str(c), where ? " " : "", where ? where : "",
	     describe(p, peek(p)));
}
static void expect(struct cdp *p, int c, const char *where)
{
	if (!accept(p, c))
		fail_expected(p, c, where);
}

/* Skip from an opening '(' / '[' / '{' at pos past its partner. */
static void skip_balanced(struct cdp *p)
{
	struct tok *open[256];
	int depth = 0;
	open[depth++] = next(p);
	while (depth) {
		struct tok *t = peek(p);
		if (t->kind == TK_EOF)
			fail(p, open[depth - 1], "'%c' is never closed", open[depth - 1]->punct);
		if (t->kind == TK_PUNCT && (t->punct == '(' || t->punct == '[' || t->punct == '{')) {
			if (depth == 256)
				fail(p, t, "brackets nested too deeply");
			open[depth++] = t;
		} else if (t->kind == TK_PUNCT && (t->punct == ')' || t->punct == ']' || t->punct == '}')) {
			int want = open[depth - 1]->punct == '(' ? ')' : open[depth - 1]->punct == '[' ? ']' : '}';
			if (t->punct != want)
				fail(p, open[depth - 1], "'%c' is never closed", open[depth - 1]->punct);
			depth--;
		}
		p->pos++;
	}
}

/* ------------------------------------------------------------------ preprocessor */

static struct macro *macro_find(struct cdp *p, const char *s, size_t len)
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
	struct macro *old = macro_find(p, name, len);
	if (old)
		old->dead = true;
	struct macro m = {arena_strndup(p->a, name, len), body, n, text, func, builtin, false, at ? at->line : 0,
			  at ? at->col : 0};
	AVEC_PUSH(p->a, p->cd->macros, m);
}

static void macro_builtin(struct cdp *p, const char *name, const char *body)
{
	tokvec tv = {0};
	lex(p, body, &tv);
	macro_add(p, NULL, name, strlen(name), tv.v, tv.n - 1, body, false, true);
}

/* Push t, expanding object-like macros (a macro is not expanded inside its own expansion).
 * Expanded tokens are reported at the use `site`. */
static void expand(struct cdp *p, tokvec *out, const struct tok *t, const struct tok *site, struct macro **act,
		   int nact)
{
	if (t->kind == TK_IDENT) {
		struct macro *m = macro_find(p, t->s, t->len);
		bool active = false;
		for (int i = 0; i < nact; i++)
			active |= act[i] == m;
		if (m && !m->func && !active) {
			if (nact >= 32)
				fail(p, site, "macro expansion of '%.*s' nested too deeply", (int)site->len, site->s);
			act[nact] = m;
			for (size_t i = 0; i < m->nbody; i++)
				expand(p, out, &m->body[i], site, act, nact + 1);
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
				fail(p, name, "#if nested too deeply");
			struct cond c = {hash, *active, false, false};
			bool v = false;
			if (*active) {
				if (tok_is(name, "if")) {
					v = eval_pp(p, d + 1, n - 1).v != 0;
				} else {
					if (n < 2 || d[1].kind != TK_IDENT)
						fail(p, n < 2 ? name : &d[1], "macro name missing after #%.*s", (int)name->len,
						     name->s);
					v = (macro_find(p, d[1].s, d[1].len) != NULL) == tok_is(name, "ifdef");
				}
			}
			c.taken = v;
			cs[(*ncs)++] = c;
			*active = *active && v;
			return;
		}
		if (!*ncs)
			fail(p, name, "#%.*s without #if", (int)name->len, name->s);
		struct cond *c = &cs[*ncs - 1];
		if (tok_is(name, "endif")) {
			*active = c->outer;
			(*ncs)--;
			return;
		}
		if (c->seen_else)
			fail(p, name, "#%.*s after #else", (int)name->len, name->s);
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
			fail(p, n < 2 ? name : &d[1], "macro name must be an identifier");
		bool func = n > 2 && is_p(&d[2], '(') && !d[2].space;
		const char *text = tokens_text(p, d + 2, n - 2);
		macro_add(p, hash, d[1].s, d[1].len, d + 2, n - 2, text, func, false);
		if (func)
			note(p, CDECL_NOTE_MACRO, hash, tstr(p->a, &d[1]),
			     arena_printf(p->a, "#define %.*s ignored: function-like macros are not supported", (int)d[1].len,
					  d[1].s));
	} else if (tok_is(name, "undef")) {
		if (n < 2 || d[1].kind != TK_IDENT)
			fail(p, n < 2 ? name : &d[1], "macro name must be an identifier");
		struct macro *m = macro_find(p, d[1].s, d[1].len);
		if (m)
			m->dead = true;
	} else if (tok_is(name, "include") || tok_is(name, "include_next")) {
		if (n < 2)
			fail(p, name, "#include expects \"FILENAME\" or <FILENAME>");
		const char *file = tokens_text(p, d + 1, n - 1);
		note(p, CDECL_NOTE_INCLUDE, hash, file,
		     arena_printf(p->a, "#include %s ignored: kernel types come from BTF", file));
	} else if (tok_is(name, "error")) {
		fail(p, hash, "#error %s", tokens_text(p, d + 1, n - 1));
	} else {
		const char *txt = tokens_text(p, d, n);
		note(p, CDECL_NOTE_DIRECTIVE, hash, tstr(p->a, name), arena_printf(p->a, "#%s ignored", txt));
	}
}

static void preprocess(struct cdp *p)
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
		fail(p, cs[ncs - 1].at, "unterminated conditional directive (missing #endif)");
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
				fail(p, t, "floating-point constants are not supported");
			break;
		}
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			overflow = true;
		v = v * (uint64_t)base + (uint64_t)d;
		any = true;
	}
	if (s < e && (*s == '.' || ((*s == 'p' || *s == 'P') && base == 16)))
		fail(p, t, "floating-point constants are not supported");
	if (base == 8 && s < e && is_digit(*s))
		fail(p, t, "invalid digit '%c' in octal constant", *s);
	if (!any && base != 8)
		fail(p, t, "invalid integer constant '%.*s'", (int)t->len, t->s);
	int nu = 0, nl = 0;
	for (const char *q = s; q < e; q++) {
		if ((*q == 'u' || *q == 'U') && !nu)
			nu++;
		else if ((*q == 'l' || *q == 'L') && nl < 2 && (!nl || q[-1] == *q))
			nl++;
		else
			fail(p, t, "invalid suffix '%.*s' on integer constant", (int)(e - s), s);
	}
	if (overflow)
		fail(p, t, "integer constant '%.*s' is too large", (int)t->len, t->s);
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
		fail(p, t, "empty character constant");
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
		fail(p, t, "multi-character constants are not supported");
	return mkint(p, (signed char)v); /* char is signed on x86_64 */
}

static struct val cond_expr(struct cdp *p);
static struct type *type_name(struct cdp *p);
static bool is_type_start(struct cdp *p, const struct tok *t);
static struct type *complete(struct cdp *p, struct type *t, const struct tok *at, const char *what);
static uint32_t type_align(struct cdp *p, const struct type *t);

static struct val cast_val(struct cdp *p, const struct type *ty, struct val v, const struct tok *at)
{
	if (ty->kind == T_BOOL)
		return mkint(p, v.v != 0);
	if (ty->kind == T_PTR || (ty->kind == T_INT && ty->size == 8))
		return (struct val){v.v, ty->kind == T_PTR || !ty->is_signed, true};
	if (ty->kind != T_INT)
		fail(p, at, "cannot cast to a non-scalar type in a constant expression");
	unsigned bits = ty->size * 8;
	uint64_t x = v.v & ((1ull << bits) - 1);
	if (ty->is_signed && (x >> (bits - 1)))
		x |= ~0ull << bits;
	struct val r = {x, ty->size == 4 && !ty->is_signed, false};
	normalize(&r);
	return r;
}

static const struct econst *enum_find(struct cdp *p, const struct tok *t)
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
	expect(p, '(', "after 'offsetof'");
	struct tok *tt = peek(p);
	struct type *t = complete(p, type_name(p), tt, "offsetof");
	expect(p, ',', "in offsetof");
	uint64_t off = 0;
	for (bool first = true;; first = false) {
		if (first || accept(p, '.')) {
			struct tok *f = next(p);
			if (f->kind != TK_IDENT)
				fail(p, f, "expected a member name, got %s", describe(p, f));
			if (t->kind != T_STRUCT)
				fail(p, f, "offsetof: '%.*s' is not a member of a struct or union", (int)f->len, f->s);
			ktype_load_fields(p->tc, t);
			const struct type_field *fld = field_find(t, f->s, f->len);
			if (!fld)
				fail(p, f, "no member named '%.*s'", (int)f->len, f->s);
			if (fld->bit_width)
				fail(p, f, "offsetof of bit-field '%.*s'", (int)f->len, f->s);
			off += fld->offset;
			t = complete(p, fld->type, f, "offsetof");
		} else if (is_p(peek(p), '[')) {
			struct tok *b = next(p);
			struct val i = cond_expr(p);
			expect(p, ']', "in offsetof");
			if (t->kind != T_ARRAY && t->kind != T_STRING)
				fail(p, b, "offsetof: subscript of a non-array");
			uint64_t esz = t->kind == T_STRING ? 1 : t->elem->size;
			off += i.v * esz;
			t = t->kind == T_STRING ? type_int(p->tc, 1, true) : t->elem;
		} else {
			break;
		}
	}
	expect(p, ')', "after offsetof");
	return (struct val){off, true, true};
}

static struct val unary1(struct cdp *p);
static struct val unary(struct cdp *p)
{
	if (++p->depth > 200)
		fail(p, peek(p), "expression nested too deeply");
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
	if (!p->pp && is_p(t, '(') && is_type_start(p, peekn(p, 1))) {
		p->pos++;
		struct type *ty = type_name(p);
		expect(p, ')', "after type name");
		return cast_val(p, ty, unary(p), t);
	}
	if (!p->pp && tok_any(t, (const char *const[]){"sizeof", "_Alignof", "__alignof__", "__alignof", "alignof", NULL})) {
		bool size = tok_is(t, "sizeof");
		p->pos++;
		if (is_p(peek(p), '(') && is_type_start(p, peekn(p, 1))) {
			p->pos++;
			struct tok *tt = peek(p);
			struct type *ty = complete(p, type_name(p), tt, size ? "sizeof" : "alignof");
			expect(p, ')', "after type name");
			return (struct val){size ? ty->size : type_align(p, ty), true, true};
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
			struct val v = cond_expr(p);
			while (accept(p, ',')) /* the comma operator */
				v = cond_expr(p);
			expect(p, ')', "in expression");
			return v;
		}
		break;
	case TK_IDENT: {
		struct macro *m = macro_find(p, t->s, t->len);
		if (m && m->func && is_p(peek(p), '('))
			fail(p, t, "function-like macro '%.*s' is not supported", (int)t->len, t->s);
		if (p->pp)
			return mkint(p, 0);
		const struct econst *c = enum_find(p, t);
		if (c)
			return c->v;
		fail(p, t, "use of undeclared identifier '%.*s'", (int)t->len, t->s);
	}
	default:
		break;
	}
	fail(p, t, "expected an integer constant expression, got %s", describe(p, t));
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
				fail(p, op, "shift count %lld is out of range for a %u-bit value", (long long)r.v,
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
				fail(p, op, "division by zero in a constant expression");
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

static struct val cond_expr(struct cdp *p)
{
	if (++p->depth > 200)
		fail(p, peek(p), "expression nested too deeply");
	struct val c = binop(p, 1);
	if (accept(p, '?')) {
		bool t = c.v != 0;
		p->no_eval += !t;
		struct val a = cond_expr(p);
		p->no_eval -= !t;
		expect(p, ':', "in conditional expression");
		p->no_eval += t;
		struct val b = cond_expr(p);
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
		fail(p, at, "expected an expression");
	struct val v = cond_expr(p);
	if (peek(p)->kind != TK_EOF)
		fail(p, peek(p), "unexpected %s in constant expression", describe(p, peek(p)));
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
				fail(p, &d[i], "macro name missing after 'defined'");
			if (paren && (j + 1 >= n || !is_p(&d[j + 1], ')')))
				fail(p, &d[j], "missing ')' after 'defined'");
			struct tok r = macro_find(p, d[j].s, d[j].len) ? one : zero;
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

static int64_t const_int(struct cdp *p, const char *what, int64_t min, int64_t max)
{
	struct tok *at = peek(p);
	struct val v = cond_expr(p);
	if (!v.u && (int64_t)v.v < min)
		fail(p, at, "%s %lld is %s", what, (long long)v.v, (int64_t)v.v < 0 ? "negative" : "too small");
	if ((v.u && v.v > (uint64_t)max) || (!v.u && (int64_t)v.v > max))
		fail(p, at, "%s %llu is too large", what, (unsigned long long)v.v);
	return (int64_t)v.v;
}

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
static bool is_type_start(struct cdp *p, const struct tok *t)
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

static uint32_t type_align(struct cdp *p, const struct type *t)
{
	if (t->kind == T_ARRAY) { /* an array type made elsewhere may not know its element's alignment */
		uint32_t ea = type_align(p, t->elem);
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
static struct type *complete(struct cdp *p, struct type *t, const struct tok *at, const char *what)
{
	if (t == p->t_func)
		fail(p, at, "%s has a function type", what);
	if (t->kind == T_VOID)
		fail(p, at, "%s has incomplete type 'void'", what);
	if (t->kind != T_STRUCT || t->fields_loaded || t->btf_id)
		return t;
	struct tag *tg = tag_by_type(p, t);
	const char *kn = t->is_union ? "union" : "struct";
	if (tg && tg->external) {
		const char *err;
		struct type *k = lookup_external(p, arena_printf(p->a, "%s %s", kn, t->name), &err);
		if (k && k->kind == T_STRUCT && (k->btf_id || k->size)) {
			uint32_t al = type_align(p, k);
			*t = *k; /* the named type becomes the kernel's, for pointers to it as well */
			t->align = al;
			return t;
		}
		if (k)
			err = "the kernel's type has no definition";
		fail(p, at, "%s has incomplete type '%s %s' (%s)", what, kn, t->name, err);
	}
	fail(p, at, "%s has incomplete type '%s %s'", what, kn, t->name);
}

static struct type *mkptr(struct cdp *p, struct type *elem)
{
	return type_ptr(p->tc, elem == p->t_func ? p->tc->t_void : elem, AS_NONE);
}

static struct type *mkarray(struct cdp *p, struct type *elem, int64_t n, bool pchar, const struct tok *at)
{
	elem = complete(p, elem, at, "array element");
	if (elem->size && (uint64_t)n * elem->size > UINT32_MAX)
		fail(p, at, "array is too large");
	if (pchar && n > 0)
		return type_string(p->tc, (uint32_t)n);
	struct type *t = type_array(p->tc, elem, (uint32_t)n);
	t->align = type_align(p, elem);
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
			fail(p, at, "duplicate member '%s'", f.name);
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
		uint32_t ta = type_align(p, t);
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
						fail(p, m->at, "bit-field '%s' spans %u bytes: scry reads at most 8", m->name,
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
		fail(p, ms->n ? ms->v[0].at : peek(p), "struct is too large");
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
		expect(p, '(', "after '__attribute__'");
		expect(p, '(', "after '__attribute__('");
		while (!is_p(peek(p), ')')) {
			struct tok *a = next(p);
			if (a->kind != TK_IDENT)
				fail(p, a, "expected an attribute name, got %s", describe(p, a));
			if (tok_is(a, "packed") || tok_is(a, "__packed__")) {
				at->packed = true;
			} else if (tok_is(a, "aligned") || tok_is(a, "__aligned__")) {
				uint32_t n = 16; /* __BIGGEST_ALIGNMENT__ */
				if (accept(p, '(')) {
					n = (uint32_t)const_int(p, "alignment", 1, 1 << 28);
					expect(p, ')', "after alignment");
				}
				if (n & (n - 1))
					fail(p, a, "requested alignment %u is not a power of 2", n);
				if (n > at->align)
					at->align = n;
			} else if (is_p(peek(p), '(')) {
				skip_balanced(p);
			}
			if (!accept(p, ','))
				break;
		}
		expect(p, ')', "after attribute");
		expect(p, ')', "after attribute");
		return true;
	}
	if ((tok_is(t, "__aligned") || tok_is(t, "_Alignas")) && is_p(peekn(p, 1), '(')) {
		p->pos += 2;
		struct tok *v = peek(p);
		uint32_t n;
		if (is_type_start(p, v))
			n = type_align(p, complete(p, type_name(p), v, "_Alignas"));
		else
			n = (uint32_t)const_int(p, "alignment", 0, 1 << 28);
		if (n & (n - 1))
			fail(p, v, "requested alignment %u is not a power of 2", n);
		expect(p, ')', "after alignment");
		if (n > at->align)
			at->align = n;
		return true;
	}
	return false;
}

static void static_assert_decl(struct cdp *p)
{
	struct tok *kw = next(p);
	expect(p, '(', "after '_Static_assert'");
	struct val v = cond_expr(p);
	const char *msg = "";
	if (accept(p, ',')) {
		struct tok *s = next(p);
		if (s->kind != TK_STR)
			fail(p, s, "expected a string literal, got %s", describe(p, s));
		msg = arena_printf(p->a, ": %.*s", (int)s->len - 2, s->s + 1);
	}
	expect(p, ')', "after static assertion");
	expect(p, ';', "after static assertion");
	if (!v.v)
		fail(p, kw, "static assertion failed%s", msg);
}

static struct type *declarator(struct cdp *p, struct type *base, bool pchar, const struct tok **name, bool abstract);
static void specifiers(struct cdp *p, struct spec *sp);

static struct type *enum_body(struct cdp *p, const struct tok *open)
{
	p->pos++;
	struct val next_v = {0, false, false};
	bool neg = false, any = false;
	uint64_t umax = 0;
	int64_t smin = 0, smax = 0;
	while (!is_p(peek(p), '}')) {
		struct tok *id = next(p);
		if (id->kind == TK_EOF)
			fail(p, open, "expected '}' to match this '{'");
		if (id->kind != TK_IDENT)
			fail(p, id, "expected an enumerator name, got %s", describe(p, id));
		struct attrs ignored = {0};
		while (attr_or_qual(p, &ignored))
			;
		struct val v = next_v;
		if (accept(p, '='))
			v = cond_expr(p);
		if (enum_find(p, id))
			fail(p, id, "redefinition of enumerator '%.*s'", (int)id->len, id->s);
		if (tdef_find(p->cd, id->s, id->len))
			fail(p, id, "'%.*s' is already a type name", (int)id->len, id->s);
		struct econst c = {arena_strndup(p->a, id->s, id->len), v};
		AVEC_PUSH(p->a, p->cd->consts, c);
		p->cd->nenum = p->cd->consts.n;
		if (!v.u && (int64_t)v.v < 0)
			neg = true;
		if (!v.u && (int64_t)v.v < smin)
			smin = (int64_t)v.v;
		if (v.u || (int64_t)v.v > smax)
			smax = v.u && v.v > INT64_MAX ? INT64_MAX : (int64_t)v.v;
		if ((v.u || (int64_t)v.v >= 0) && v.v > umax)
			umax = v.v;
		any = true;
		next_v = v;
		next_v.v++;
		if (!next_v.u && next_v.v == (uint64_t)INT64_MIN && (int64_t)v.v == INT64_MAX)
			fail(p, id, "enumerator value overflows");
		if (!next_v.wide && !next_v.u && (int64_t)next_v.v > INT32_MAX)
			next_v.wide = true;
		if (!accept(p, ','))
			break;
	}
	if (!is_p(peek(p), '}'))
		fail_expected(p, '}', "at end of enum");
	p->pos++;
	(void)any;
	/* GCC: unsigned int unless a value is negative; 8 bytes when the values need them */
	if (neg)
		return type_int(p->tc, smin >= INT32_MIN && smax <= INT32_MAX ? 4 : 8, true);
	return type_int(p->tc, umax <= UINT32_MAX ? 4 : 8, false);
}

static void struct_body(struct cdp *p, struct type *st, bool is_union, struct attrs pre)
{
	const struct tok *open = next(p);
	membervec ms = {0};
	while (!is_p(peek(p), '}')) {
		if (peek(p)->kind == TK_EOF)
			fail(p, open, "expected '}' to match this '{'");
		if (accept(p, ';'))
			continue;
		if (tok_is(peek(p), "_Static_assert") || tok_is(peek(p), "static_assert")) {
			static_assert_decl(p);
			continue;
		}
		struct spec sp;
		specifiers(p, &sp);
		if (sp.is_typedef)
			fail(p, sp.at, "typedef is not allowed in a struct member");
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
				struct val w = cond_expr(p);
				const char *nm = m.name ? m.name : "(anonymous)";
				if (t->kind != T_INT && t->kind != T_BOOL)
					fail(p, colon, "bit-field '%s' has non-integral type", nm);
				if (!w.u && (int64_t)w.v < 0)
					fail(p, wt, "bit-field '%s' has negative width", nm);
				if (w.v > (t->kind == T_BOOL ? 1 : t->size * 8ull))
					fail(p, wt, "width of bit-field '%s' (%llu bits) exceeds the width of its type (%u bit%s)",
					     nm, (unsigned long long)w.v, t->kind == T_BOOL ? 1 : t->size * 8,
					     t->kind == T_BOOL ? "" : "s");
				if (!w.v && m.name)
					fail(p, wt, "named bit-field '%s' has zero width", nm);
				m.bits = (int)w.v;
			}
			while (attr_or_qual(p, &m.attrs))
				;
			m.type = complete(p, t, m.at, m.name ? arena_printf(p->a, "member '%s'", m.name) : "member");
			AVEC_PUSH(p->a, ms, m);
			if (!accept(p, ','))
				break;
		}
		if (!accept(p, ';'))
			fail_expected(p, ';', "at end of member declaration");
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
		fail(p, name, "use of '%.*s' with tag type '%s' that does not match its declaration as '%s'",
		     (int)name->len, name->s, kind_name(kind), kind_name(tg->kind));
	if (!is_p(peek(p), '{')) {
		if (!name)
			fail(p, peek(p), "expected a name or '{' after '%s', got %s", kind_name(kind), describe(p, peek(p)));
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
					fail(p, name, "unknown type 'enum %s' (%s)", ntg.name, err);
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
		fail(p, name, "redefinition of '%s %.*s'", kind_name(kind), (int)name->len, name->s);
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
		fail(p, kw, "definitions nested too deeply");
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
		struct macro *m = macro_find(p, t->s, t->len);
		if (m && m->func)
			fail(p, t, "function-like macro '%s' is not supported", name);
		fail(p, t, "unknown type name '%s' (%s)", name, err);
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
		int k = -1;
		for (int i = 0; int_keywords[i]; i++)
			if (tok_is(t, int_keywords[i]))
				k = i;
		if (k >= 0) {
			if (sp->type)
				fail(p, t, "cannot combine '%.*s' with a previous type name", (int)t->len, t->s);
			kw[k]++, any_kw = true;
			p->pos++;
			continue;
		}
		if (tok_is(t, "struct") || tok_is(t, "union") || tok_is(t, "enum")) {
			if (sp->type || any_kw)
				fail(p, t, "cannot combine '%.*s' with a previous type", (int)t->len, t->s);
			sp->type = tagged(p, sp);
			continue;
		}
		if (tok_any(t, (const char *const[]){"typeof", "__typeof__", "__typeof", NULL}))
			fail(p, t, "typeof is not supported in the C preamble");
		if (!sp->type && !any_kw) {
			sp->type = typedef_name(p, t);
			p->pos++;
			continue;
		}
		break;
	}
	if (!any_kw) {
		if (!sp->type)
			fail(p, peek(p), "expected a type, got %s", describe(p, peek(p)));
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
		fail(p, sp->at, "invalid combination of type specifiers");
	sp->type = t;
}

static bool is_nested_declarator(struct cdp *p, bool abstract)
{
	const struct tok *n = peekn(p, 1);
	if (is_p(n, '*') || is_p(n, '(') || tok_is(n, "__attribute__"))
		return true;
	return n->kind == TK_IDENT && !abstract && !is_type_start(p, n);
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
				n = const_int(p, "array size", 0, INT32_MAX);
			expect(p, ']', "after array size");
			if (ns == 32)
				fail(p, t, "too many array dimensions");
			sv[ns++] = (struct suf){n, t};
		} else if (is_p(t, '(')) {
			skip_balanced(p);
			if (ns == 32)
				fail(p, t, "too many declarator suffixes");
			sv[ns++] = (struct suf){-1, t};
		} else {
			break;
		}
	}
	for (int i = ns - 1; i >= 0; i--) {
		if (sv[i].n < 0) {
			if (base == p->t_func || base->kind == T_ARRAY || base->kind == T_STRING)
				fail(p, sv[i].at, "function cannot return an array or a function");
			base = p->t_func;
		} else {
			if (base == p->t_func)
				fail(p, sv[i].at, "array of functions");
			base = mkarray(p, base, sv[i].n, pchar && i == ns - 1, sv[i].at);
		}
	}
	return base;
}

static struct type *declarator(struct cdp *p, struct type *base, bool pchar, const struct tok **name, bool abstract)
{
	if (++p->depth > 100)
		fail(p, peek(p), "declarator nested too deeply");
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
		skip_balanced(p);
		struct type *outer = suffixes(p, base, pchar);
		size_t end = p->pos;
		p->pos = open + 1;
		t = declarator(p, outer, pchar && outer == base, name, abstract);
		if (!is_p(peek(p), ')'))
			fail(p, peek(p), "unexpected %s in declarator", describe(p, peek(p)));
		p->pos = end;
	} else {
		if (peek(p)->kind == TK_IDENT && !(abstract && is_type_start(p, peek(p))))
			*name = next(p);
		else if (!abstract)
			fail(p, peek(p), "expected a name, got %s", describe(p, peek(p)));
		t = suffixes(p, base, pchar);
	}
	p->depth--;
	return t;
}

static struct type *type_name(struct cdp *p)
{
	struct spec sp;
	specifiers(p, &sp);
	const struct tok *name = NULL;
	struct type *t = declarator(p, sp.type, sp.pchar, &name, true);
	if (name)
		fail(p, name, "unexpected name '%.*s' in a type name", (int)name->len, name->s);
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
	return t->kind != TK_IDENT || is_type_start(p, t) || tok_is(t, "typedef") || tok_any(t, storage);
}

static void external_decl(struct cdp *p)
{
	if (accept(p, ';'))
		return;
	struct tok *first = peek(p);
	if (is_p(first, '}'))
		fail(p, first, "unexpected '}' (no '{' to close)");
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
				fail(p, name, "typedef redefinition with different types for '%s'", nm);
			if (enum_find(p, name))
				fail(p, name, "'%s' is already an enumerator", nm);
			if (sp.anon && t == sp.type && t->kind == T_STRUCT && !strcmp(t->name, "(anonymous)"))
				t->name = arena_strdup(&p->tc->arena, nm); /* typedef struct { ... } name; */
			struct tdef td = {nm, t, false};
			AVEC_PUSH(p->a, p->cd->tdefs, td);
		} else if (is_p(peek(p), '{') && t == p->t_func) {
			skip_balanced(p);
			note(p, CDECL_NOTE_DECL, name, nm,
			     arena_printf(p->a, "function '%s' ignored: only types are used from the C preamble", nm));
			return;
		} else {
			note(p, CDECL_NOTE_DECL, name, nm,
			     arena_printf(p->a, "declaration of '%s' ignored: only types are used from the C preamble", nm));
			if (accept(p, '=')) { /* skip the initializer */
				while (!is_p(peek(p), ',') && !is_p(peek(p), ';') && peek(p)->kind != TK_EOF) {
					if (is_p(peek(p), '(') || is_p(peek(p), '{') || is_p(peek(p), '['))
						skip_balanced(p);
					else
						p->pos++;
				}
			}
		}
		if (!accept(p, ','))
			break;
	}
	if (!accept(p, ';'))
		fail_expected(p, ';', "after declaration");
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
static void eval_macros(struct cdp *p)
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
			note(p, CDECL_NOTE_MACRO, &at, m->name,
			     arena_printf(p->a, "#define %s ignored: '%s' is not an integer constant (%s)", m->name,
					  m->text, why.msg));
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
		macro_builtin(p, "BPFTRACE_HAVE_BTF", "1");
	/* kernel annotations, so definitions copied from kernel headers parse */
	static const char *const empty[] = {"__user", "__kernel", "__iomem", "__rcu", "__percpu", "__force",
					    "__bitwise", "__randomize_layout", "__private", "__must_check", "__safe"};
	for (size_t i = 0; i < ARRAY_SIZE(empty); i++)
		macro_builtin(p, empty[i], "");
	macro_builtin(p, "__packed", "__attribute__((packed))");
	lex(p, text ? text : "", &p->raw);
	preprocess(p);
	prescan(p);
	p->tv = p->toks.v, p->tn = p->toks.n, p->pos = 0;
	while (peek(p)->kind != TK_EOF) {
		p->depth = 0;
		external_decl(p);
	}
	cd->nenum = cd->consts.n;
	eval_macros(p);
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

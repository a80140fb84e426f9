/* btf/cdecl_int: private to cdecl.c (declarations, layout, API) and cdecl_pp.c (lexer,
 * preprocessor, constant expressions): the token, the tables of a struct cdecl and the parser
 * state. Not for use outside src/btf/cdecl*.c. */
#ifndef SCRY_BTF_CDECL_INT_H
#define SCRY_BTF_CDECL_INT_H
#include <setjmp.h>
#include <string.h>

#include "btf/cdecl.h"

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
typedef VEC(struct tok) tokvec; /* grown with AVEC_PUSH */

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
	VEC(struct econst) consts; /* enumerators, then object-like macros that are constants */
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

/* ---- token helpers */
static inline bool tok_is(const struct tok *t, const char *kw)
{
	return t->kind == TK_IDENT && t->len == strlen(kw) && !memcmp(t->s, kw, t->len);
}
static inline bool tok_any(const struct tok *t, const char *const *kws)
{
	for (; *kws; kws++)
		if (tok_is(t, *kws))
			return true;
	return false;
}
static inline bool is_p(const struct tok *t, int c) { return t->kind == TK_PUNCT && t->punct == c; }
static inline struct tok *peek(struct cdp *p) { return &p->tv[p->pos]; }
static inline struct tok *peekn(struct cdp *p, size_t k) { return &p->tv[p->pos + k < p->tn ? p->pos + k : p->tn - 1]; }
static inline struct tok *next(struct cdp *p)
{
	struct tok *t = &p->tv[p->pos];
	if (t->kind != TK_EOF)
		p->pos++;
	return t;
}
static inline bool accept(struct cdp *p, int c)
{
	if (!is_p(peek(p), c))
		return false;
	p->pos++;
	return true;
}
static inline char *tstr(struct arena *a, const struct tok *t) { return arena_strndup(a, t->s, t->len); }

/* ---- cdecl_pp.c */
/* Record the first error at token t (t may be NULL) and longjmp out of the parse. */
__attribute__((format(printf, 3, 4), noreturn)) void cdp_fail(struct cdp *p, const struct tok *t, const char *fmt, ...);
void cdp_note(struct cdp *p, enum cdecl_note_kind k, const struct tok *at, const char *text, const char *msg);
void cdp_lex(struct cdp *p, const char *s, tokvec *out);           /* text -> tokens ending with TK_EOF */
const char *cdp_describe(struct cdp *p, const struct tok *t);      /* "'x'" or "end of input" */
__attribute__((noreturn)) void cdp_fail_expected(struct cdp *p, int c, const char *where);
void cdp_expect(struct cdp *p, int c, const char *where);
void cdp_skip_balanced(struct cdp *p); /* from an opening bracket past its partner */
struct macro *cdp_macro_find(struct cdp *p, const char *s, size_t len);
void cdp_macro_builtin(struct cdp *p, const char *name, const char *body);
void cdp_preprocess(struct cdp *p); /* p->raw -> p->toks */
struct val cdp_cond_expr(struct cdp *p);
int64_t cdp_const_int(struct cdp *p, const char *what, int64_t min, int64_t max);
const struct econst *cdp_enum_find(struct cdp *p, const struct tok *t);
void cdp_eval_macros(struct cdp *p); /* object-like macros -> constants or notes */

/* ---- cdecl.c, for sizeof/casts/offsetof in constant expressions */
bool cdp_is_type_start(struct cdp *p, const struct tok *t);
struct type *cdp_type_name(struct cdp *p);
struct type *cdp_complete(struct cdp *p, struct type *t, const struct tok *at, const char *what);
uint32_t cdp_type_align(struct cdp *p, const struct type *t);
#endif

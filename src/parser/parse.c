/* parse.c: runs the scanner and the grammar over one source, and the helpers the grammar and the
 * lexer share (attach point splitting, integer literal decoding). */
#include "parser/parse.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "parser.tab.h"
#define YYSTYPE SCRY_YYSTYPE
#define YYLTYPE SCRY_YYLTYPE
#include "lexer.yy.h"

struct ast_node *parse_node(struct parse_state *ps, enum ast_kind k, const struct loc *loc)
{
	struct ast_node *n = ast_new(ps->arena, k, loc);
	n->loc.src = NULL; /* set for imported files by the driver */
	return n;
}

struct ast_node *parse_type(struct parse_state *ps, const char *name, int ptr_depth, int array_len,
			    const struct loc *loc)
{
	struct ast_node *n = parse_node(ps, AST_TYPE, loc);
	n->typ.name = name;
	n->typ.ptr_depth = ptr_depth;
	n->typ.array_len = array_len;
	return n;
}

/* ------------------------------------------------------------------ attach points */

static bool is_ident_start(char c) { return c == '_' || isalpha((unsigned char)c); }
static bool is_ident_char(char c) { return c == '_' || isalnum((unsigned char)c); }

/* "name=provider:a:"b:c"" -> name, provider and parts; quotes are removed from parts (a quoted ':' does
 * not split) but kept in text. */
struct ast_node *parse_attach(struct parse_state *ps, const char *text, const struct loc *loc)
{
	struct ast_node *n = parse_node(ps, AST_ATTACH, loc);
	const char *p = text;
	if (is_ident_start(*p)) {
		const char *q = p;
		while (is_ident_char(*q))
			q++;
		if (*q == '=') {
			n->attach.name = arena_strndup(ps->arena, p, (size_t)(q - p));
			p = q + 1;
		}
	}
	n->attach.text = arena_strdup(ps->arena, p);

	VEC(const char *) pieces = {0};
	struct strbuf sb = {0};
	bool quoted = false;
	sb_putn(&sb, "", 0);
	for (; *p; p++) {
		if (quoted && *p == '\\' && p[1]) {
			sb_putc(&sb, *++p);
		} else if (*p == '"') {
			quoted = !quoted;
		} else if (*p == ':' && !quoted) {
			VEC_PUSH(pieces, arena_strndup(ps->arena, sb.s, sb.len));
			sb_reset(&sb);
		} else {
			sb_putc(&sb, *p);
		}
	}
	VEC_PUSH(pieces, arena_strndup(ps->arena, sb.s ? sb.s : "", sb.len));
	sb_free(&sb);

	n->attach.provider = pieces.v[0];
	n->attach.nparts = (int)pieces.n - 1;
	if (n->attach.nparts > 0) {
		n->attach.parts = arena_alloc(ps->arena, sizeof(*n->attach.parts) * (size_t)n->attach.nparts);
		for (int i = 0; i < n->attach.nparts; i++)
			n->attach.parts[i] = pieces.v[i + 1];
	}
	VEC_FREE(pieces);
	return n;
}

/* ------------------------------------------------------------------ integer literals */

/* Reads digits of `base` with single '_' separators between digits into v. Returns false on a
 * misplaced '_' or no digit; sets *overflow if the value does not fit. *pp is left after the digits. */
static bool read_digits(const char **pp, int base, uint64_t *v, bool *overflow, char *bad_digit)
{
	const char *p = *pp;
	int ndigits = 0;
	*v = 0;
	for (;;) {
		int d;
		char c = *p;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else if (c == '_' && ndigits > 0 && p[1] && isxdigit((unsigned char)p[1]) &&
			 (base == 16 || isdigit((unsigned char)p[1]))) {
			p++;
			continue;
		} else {
			break;
		}
		if (d >= base) {
			if (bad_digit && !*bad_digit)
				*bad_digit = c;
		} else if (*v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) {
			*overflow = true;
		} else {
			*v = *v * (uint64_t)base + (uint64_t)d;
		}
		ndigits++;
		p++;
	}
	*pp = p;
	return ndigits > 0;
}

static bool mul_overflows(uint64_t *v, uint64_t m)
{
	if (*v && m > UINT64_MAX / *v)
		return true;
	*v *= m;
	return false;
}

void parse_int_literal(struct parse_state *ps, const char *text, const struct loc *loc, struct int_lit *out)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} durations[] = {
		{"ns", 1ULL},		 {"us", 1000ULL},	   {"ms", 1000000ULL},
		{"s", 1000000000ULL},	 {"m", 60000000000ULL},	   {"h", 3600000000000ULL},
		{"d", 86400000000000ULL},
	};
	const char *p = text;
	uint64_t v = 0;
	bool overflow = false, is_unsigned = false, ok;
	char bad_digit = 0;

	out->value = 0;
	out->is_unsigned = false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		ok = read_digits(&p, 16, &v, &overflow, NULL);
	} else {
		/* leading 0 and more digits: octal, unless it turns out to have an exponent */
		const char *start = p;
		ok = read_digits(&p, 10, &v, &overflow, NULL);
		if (ok && (*p == 'e' || *p == 'E') && isdigit((unsigned char)p[1])) {
			uint64_t e;
			bool e_over = false;
			p++;
			ok = read_digits(&p, 10, &e, &e_over, NULL);
			if (v != 0 && (e_over || e > 19))
				overflow = true;
			while (ok && v != 0 && !overflow && e--)
				overflow = mul_overflows(&v, 10);
		} else if (ok && start[0] == '0' && p - start > 1) {
			const char *q = start;
			overflow = false;
			read_digits(&q, 8, &v, &overflow, &bad_digit);
			if (bad_digit) {
				diag_error(ps->dl, loc, "invalid digit '%c' in octal literal: %s", bad_digit, text);
				return;
			}
		}
		for (size_t i = 0; ok && *p && i < ARRAY_SIZE(durations); i++) {
			if (!strcmp(p, durations[i].suffix)) {
				if (mul_overflows(&v, durations[i].mult))
					overflow = true;
				p += strlen(p);
			}
		}
	}
	/* C integer suffixes: u, l, ul, lu, ll, ull, llu (any case) */
	if (ok && *p) {
		char suf[4] = {0};
		size_t n = strlen(p);
		for (size_t i = 0; i < n && i < 3; i++)
			suf[i] = (char)tolower((unsigned char)p[i]);
		static const char *const int_suffixes[] = {"u", "l", "ul", "lu", "ll", "ull", "llu"};
		bool found = false;
		for (size_t i = 0; n <= 3 && i < ARRAY_SIZE(int_suffixes); i++)
			if (!strcmp(suf, int_suffixes[i]))
				found = true;
		if (!found)
			ok = false;
		else
			is_unsigned = strchr(suf, 'u') != NULL;
	}
	if (!ok) {
		diag_error(ps->dl, loc, "invalid integer literal: %s", text);
		return;
	}
	if (overflow) {
		diag_error(ps->dl, loc, "overflow error, maximum value is %llu: %s", (unsigned long long)UINT64_MAX,
			   text);
		return;
	}
	out->value = v;
	out->is_unsigned = is_unsigned || v > (uint64_t)INT64_MAX;
}

/* ------------------------------------------------------------------ driver */

/* C definitions are not program items: their text goes to program.preamble, one per line. */
static void collect_preamble(struct ast_node *prog, struct arena *a)
{
	struct strbuf sb = {0};
	struct ast_node *head = NULL, *tail = NULL;
	for (struct ast_node *n = prog->program.items, *next; n; n = next) {
		next = n->next;
		n->next = NULL;
		if (n->kind == AST_C_DEFN) {
			sb_puts(&sb, n->cdefn.text);
			sb_putc(&sb, '\n');
			continue;
		}
		if (tail)
			tail->next = n;
		else
			head = n;
		tail = n;
	}
	prog->program.items = head;
	if (sb.len)
		prog->program.preamble = arena_strndup(a, sb.s, sb.len);
	sb_free(&sb);
}

int parse_program(const struct source *src, struct arena *a, struct diag_list *dl, struct ast_node **out)
{
	struct parse_state ps = {
		.arena = a,
		.dl = dl,
		.src_text = src->text,
		.line = 1,
		.col = 1,
		.step_line = 1,
		.step_col = 1,
		.prev_line = 1,
		.prev_col = 1,
	};
	int errors = dl->errors;
	yyscan_t scanner;

	if (scry_yylex_init_extra(&ps, &scanner))
		util_die("out of memory");
	YY_BUFFER_STATE buf = scry_yy_scan_bytes(src->text, (int)src->len, scanner);
	int rc = scry_yyparse(scanner, &ps);
	scry_yy_delete_buffer(buf, scanner);
	scry_yylex_destroy(scanner);
	sb_free(&ps.sb);

	if (rc != 0 && dl->errors == errors)
		diag_error(dl, NULL, rc == 2 ? "parser memory exhausted" : "syntax error");

	struct ast_node *prog = ps.root;
	if (!prog) {
		struct loc l = {1, 1, 1, 1};
		prog = ast_new(a, AST_PROGRAM, &l);
		prog->program.items = ps.items;
	}
	if (prog->loc.line == 0) /* empty program: no token gave it a range */
		prog->loc = (struct loc){1, 1, 1, 1};
	collect_preamble(prog, a);
	*out = prog;
	return dl->errors > errors ? -EINVAL : 0;
}

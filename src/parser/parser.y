/* parser.y: scry's grammar. Actions only build AST nodes (allocated from the arena in
 * struct parse_state); every diagnostic goes to the diag_list. Syntax errors recover at statement
 * level (error ';', error '}') and at the condition of if/while/for/unroll and predicates, so one run
 * reports several of them. */

%define api.pure full
%define api.prefix {scry_yy}
%define api.token.prefix {TOK_}
%define api.location.type {struct loc}
%define parse.error detailed
%locations
%expect 0

%param {yyscan_t scanner}
%parse-param {struct parse_state *ps}

%code requires {
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast/ast.h"
#include "diag/diag.h"
#include "util/util.h"

#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif

/* State shared by the lexer (lexer.l), the grammar actions and parse.c; private to src/parser.
 * One per parse_program call: there is no global state. */
struct parse_state {
	struct arena *arena;
	struct diag_list *dl;
	const char *src_text;   /* the whole source (C definitions are cut out of it) */
	struct ast_node *items; /* head of the top-level item list, kept for partial results */
	struct ast_node *root;  /* AST_PROGRAM once the whole input was reduced */
	/* lexer position (1-based) */
	int line, col;           /* position of the next input character */
	int step_line, step_col; /* where the next token's range starts (moved only by whitespace) */
	int prev_line, prev_col; /* position before the last match, to give characters back */
	size_t offset, prev_offset;
	int depth;          /* brace depth in probe bodies and other top-level blocks */
	int str_ret;        /* start condition to return to after a string literal */
	size_t cdef_start;  /* offset where the current C definition starts */
	bool cdef_typedef;  /* the current C definition is `typedef struct ... { } name;` */
	int cdef_depth;     /* brace depth in a C definition */
	struct strbuf sb;   /* string literal being decoded */
	/* the list most recently grown by list_add and its last node: appending to it again is O(1) */
	struct ast_node *app_head, *app_tail;
};

struct int_lit {
	uint64_t value;
	bool is_unsigned;
};
struct str_lit {
	const char *s;
	size_t len;
};

/* Helpers defined in parse.c. */
struct ast_node *parse_node(struct parse_state *ps, enum ast_kind k, const struct loc *loc);
struct ast_node *parse_attach(struct parse_state *ps, const char *text, const struct loc *loc);
struct ast_node *parse_type(struct parse_state *ps, const char *name, int ptr_depth, int array_len,
			    const struct loc *loc);
/* Decodes an integer literal token (hex/octal/decimal, '_' separators, C and duration suffixes,
 * 2e3 notation); reports a located error and yields 0 if it is invalid or out of range. */
void parse_int_literal(struct parse_state *ps, const char *text, const struct loc *loc, struct int_lit *out);
}

%code provides {
int scry_yylex(SCRY_YYSTYPE *yylval, SCRY_YYLTYPE *yylloc, yyscan_t scanner);
void scry_yyerror(SCRY_YYLTYPE *loc, yyscan_t scanner, struct parse_state *ps, const char *msg);
}

%code {
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                                               \
	do {                                                                                      \
		(Cur).src = NULL;                                                                 \
		if (N) {                                                                          \
			(Cur).line = YYRHSLOC(Rhs, 1).line;                                       \
			(Cur).col = YYRHSLOC(Rhs, 1).col;                                         \
			(Cur).end_line = YYRHSLOC(Rhs, N).end_line;                               \
			(Cur).end_col = YYRHSLOC(Rhs, N).end_col;                                 \
		} else {                                                                          \
			(Cur).line = (Cur).end_line = YYRHSLOC(Rhs, 0).end_line;                  \
			(Cur).col = (Cur).end_col = YYRHSLOC(Rhs, 0).end_col;                     \
		}                                                                                 \
	} while (0)

#define N(kind, l) parse_node(ps, kind, &(l))

static struct ast_node *mk_binop(struct parse_state *ps, enum ast_op op, struct ast_node *l,
				 struct ast_node *r, const struct loc *loc)
{
	struct ast_node *n = parse_node(ps, AST_BINOP, loc);
	n->binop.op = op;
	n->binop.l = l;
	n->binop.r = r;
	return n;
}

static struct ast_node *mk_unop(struct parse_state *ps, enum ast_kind k, enum ast_op op, struct ast_node *e,
				const struct loc *loc)
{
	struct ast_node *n = parse_node(ps, k, loc);
	n->unop.op = op;
	n->unop.e = e;
	return n;
}

static struct ast_node *mk_var(struct parse_state *ps, const char *name, const struct loc *loc)
{
	struct ast_node *n = parse_node(ps, AST_VAR, loc);
	n->var.name = name;
	return n;
}

static struct ast_node *mk_assign(struct parse_state *ps, struct ast_node *lhs, enum ast_op op,
				  struct ast_node *rhs, const struct loc *loc)
{
	struct ast_node *n = parse_node(ps, AST_ASSIGN, loc);
	n->assign.lhs = lhs;
	n->assign.op = op;
	n->assign.rhs = rhs;
	return n;
}

/* Append n to the list at head. Lists grow one element per reduction, so remembering the
 * last list's tail keeps long statement lists linear (ast_append walks the whole list). */
static struct ast_node *list_add(struct parse_state *ps, struct ast_node *head, struct ast_node *n)
{
	if (!n)
		return head;
	if (!head || head != ps->app_head || !ps->app_tail || ps->app_tail->next)
		head = ast_append(head, n);
	else
		ps->app_tail->next = n;
	ps->app_head = head;
	ps->app_tail = n;
	while (ps->app_tail->next)
		ps->app_tail = ps->app_tail->next;
	return head;
}

static struct ast_node *mk_block(struct parse_state *ps, struct ast_node *stmts, const struct loc *loc)
{
	struct ast_node *n = parse_node(ps, AST_BLOCK, loc);
	n->block.stmts = stmts;
	return n;
}

static struct ast_node *mk_field(struct parse_state *ps, struct ast_node *e, const char *name, bool arrow,
				 const struct loc *loc)
{
	struct ast_node *n = parse_node(ps, AST_FIELD, loc);
	n->field.e = e;
	n->field.name = name;
	n->field.arrow = arrow;
	return n;
}

static struct ast_node *mk_tuple(struct parse_state *ps, enum ast_kind k, struct ast_node *elems,
				 const struct loc *loc)
{
	struct ast_node *n = parse_node(ps, k, loc);
	n->tuple.elems = elems;
	n->tuple.n = ast_list_len(elems);
	return n;
}
}

%union {
	struct ast_node *node;
	const char *str;
	struct int_lit num;
	struct str_lit string;
	enum ast_op op;
	int n;
}

%token END 0 "end of file"
%token <str> ATTACH "attach point"
%token <str> IDENT "identifier"
%token <str> TYPE_IDENT "type identifier"
%token <str> TYPE_NAME "builtin type"
%token <str> VAR "variable"
%token <str> MAP "map"
%token <n> POSITIONAL "positional parameter"
%token POSITIONAL_COUNT "$#"
%token <num> INT "integer"
%token <string> STRING "string"
%token <str> CDEFN "C definition"
%token ENDPRED "end of predicate"

%token IF "if" ELSE "else" WHILE "while" FOR "for" UNROLL "unroll" BREAK "break" CONTINUE "continue"
%token RETURN "return" LET "let" CONFIG "config" IMPORT "import" MACRO "macro" SIZEOF "sizeof"
%token OFFSETOF "offsetof" TYPEOF "typeof" TRUE "true" FALSE "false" STRUCT "struct" UNION "union"
%token ENUM "enum"

%token SEMI ";" LBRACE "{" RBRACE "}" LPAREN "(" RPAREN ")" LBRACKET "[" RBRACKET "]" COMMA "\",\""
%token COLON ":" QUESTION "?" DOT "." ARROW "->" DOTDOT ".." ASSIGN "="
%token PLUS "+" MINUS "-" STAR "*" SLASH "/" PERCENT "%" AMP "&" PIPE "|" CARET "^" TILDE "~" BANG "!"
%token EQ "==" NE "!=" LT "<" LE "<=" GT ">" GE ">=" SHL "<<" SHR ">>" LAND "&&" LOR "||"
%token INC "++" DEC "--"
%token ADD_ASSIGN "+=" SUB_ASSIGN "-=" MUL_ASSIGN "*=" DIV_ASSIGN "/=" MOD_ASSIGN "%="
%token AND_ASSIGN "&=" OR_ASSIGN "|=" XOR_ASSIGN "^=" SHL_ASSIGN "<<=" SHR_ASSIGN ">>="

/* Precedence, lowest first. IDENT_LOW < RPAREN makes "(x)" shift its ')' so it can become a cast;
 * MAP_LOW < LBRACKET makes "@m[" always start the map's keys. */
%precedence IDENT_LOW
%precedence RPAREN
%precedence MAP_LOW
%precedence LBRACKET
%right QUESTION COLON
%left LOR
%left LAND
%left PIPE
%left CARET
%left AMP
%left EQ NE
%left LT LE GT GE
%left SHL SHR
%left PLUS MINUS
%left STAR SLASH PERCENT
/* "(x) - 1", "(x) * y", "(x) & y" are binary expressions, not casts of unary expressions */
%precedence PAREN_IDENT

%type <node> items item probe attach_list pred_opt block stmt_list simple_stmt block_stmt
%type <node> if_stmt for_stmt let_type_opt let_init_opt type type_any typeof
%type <node> expr unary postfix primary map_expr expr_list record_fields
%type <node> config cfg_list cfg_item map_decl import macro macro_params macro_param
%type <str> field_name field_path struct_kw
%type <op> compound_op
%type <n> stars stars_opt array_opt

%%

program:
	items {
		struct ast_node *p = N(AST_PROGRAM, @$);
		p->program.items = $1;
		ps->root = p;
	}
	;

items:
	%empty { $$ = NULL; }
|	items item { $$ = list_add(ps, $1, $2); ps->items = $$; }
	;

item:
	probe
|	config
|	map_decl
|	import
|	macro
|	CDEFN { $$ = N(AST_C_DEFN, @$); $$->cdefn.text = $1; }
	;

/* ---------------------------------------------------------------- probes */

probe:
	attach_list pred_opt block {
		$$ = N(AST_PROBE, @$);
		$$->probe.attach = $1;
		$$->probe.pred = $2;
		$$->probe.body = $3;
		$$->probe.index = -1;
	}
	;

attach_list:
	ATTACH { $$ = parse_attach(ps, $1, &@1); }
|	attach_list COMMA ATTACH { $$ = list_add(ps, $1, parse_attach(ps, $3, &@3)); }
	;

pred_opt:
	%empty { $$ = NULL; }
|	SLASH expr ENDPRED { $$ = $2; }
|	SLASH error ENDPRED { $$ = NULL; }
	;

/* ---------------------------------------------------------------- top-level items */

config:
	CONFIG ASSIGN LBRACE cfg_list RBRACE { $$ = N(AST_CONFIG, @$); $$->config.items = $4; }
|	CONFIG ASSIGN LBRACE cfg_list cfg_item RBRACE {
		$$ = N(AST_CONFIG, @$);
		$$->config.items = ast_append($4, $5);
	}
|	CONFIG ASSIGN LBRACE cfg_list error RBRACE { $$ = N(AST_CONFIG, @$); $$->config.items = $4; }
	;

cfg_list:
	%empty { $$ = NULL; }
|	cfg_list SEMI
|	cfg_list cfg_item SEMI { $$ = list_add(ps, $1, $2); }
|	cfg_list error SEMI
	;

cfg_item:
	IDENT ASSIGN expr {
		$$ = N(AST_CONFIG_ITEM, @$);
		$$->config_item.key = $1;
		$$->config_item.value = $3;
	}
	;

map_decl:
	LET MAP ASSIGN IDENT LPAREN INT RPAREN SEMI {
		$$ = N(AST_MAP_DECL, @$);
		$$->map_decl.name = $2;
		$$->map_decl.kind = $4;
		$$->map_decl.max_entries = $6.value;
	}
	;

import:
	IMPORT STRING SEMI { $$ = N(AST_IMPORT, @$); $$->import.path = $2.s; }
	;

macro:
	MACRO IDENT LPAREN RPAREN block {
		$$ = N(AST_MACRO, @$);
		$$->macro.name = $2;
		$$->macro.body = $5;
	}
|	MACRO IDENT LPAREN macro_params RPAREN block {
		$$ = N(AST_MACRO, @$);
		$$->macro.name = $2;
		$$->macro.params = $4;
		$$->macro.nparams = ast_list_len($4);
		$$->macro.body = $6;
	}
	;

macro_params:
	macro_param
|	macro_params COMMA macro_param { $$ = ast_append($1, $3); }
	;

macro_param:
	VAR { $$ = mk_var(ps, $1, &@$); }
|	MAP { $$ = N(AST_MAP, @$); $$->map.name = $1; }
|	IDENT { $$ = N(AST_IDENT, @$); $$->ident.name = $1; }
	;

/* ---------------------------------------------------------------- statements */

/* Statements are separated by ';' (the last one is optional, empty statements are fine); statements
 * that end in a block need no ';'. The last statement is part of this rule (not of a "stmts" rule) so
 * that after it the parser still expects "; or }" in its error messages. */
block:
	LBRACE stmt_list RBRACE { $$ = mk_block(ps, $2, &@$); }
|	LBRACE stmt_list simple_stmt RBRACE { $$ = mk_block(ps, list_add(ps, $2, $3), &@$); }
|	LBRACE stmt_list error RBRACE { $$ = mk_block(ps, $2, &@$); }
	;

stmt_list:
	%empty { $$ = NULL; }
|	stmt_list SEMI
|	stmt_list simple_stmt SEMI { $$ = list_add(ps, $1, $2); }
|	stmt_list block_stmt { $$ = list_add(ps, $1, $2); }
|	stmt_list error SEMI
	;

simple_stmt:
	expr { $$ = N(AST_EXPR_STMT, @$); $$->expr_stmt.expr = $1; }
|	VAR ASSIGN expr { $$ = mk_assign(ps, mk_var(ps, $1, &@1), OP_NONE, $3, &@$); }
|	VAR compound_op expr { $$ = mk_assign(ps, mk_var(ps, $1, &@1), $2, $3, &@$); }
|	map_expr ASSIGN expr { $$ = mk_assign(ps, $1, OP_NONE, $3, &@$); }
|	map_expr compound_op expr { $$ = mk_assign(ps, $1, $2, $3, &@$); }
|	LET VAR let_type_opt let_init_opt {
		$$ = N(AST_LET, @$);
		$$->let.var = mk_var(ps, $2, &@2);
		$$->let.vtype = $3;
		$$->let.init = $4;
	}
|	BREAK { $$ = N(AST_JUMP, @$); $$->jump.what = JUMP_BREAK; }
|	CONTINUE { $$ = N(AST_JUMP, @$); $$->jump.what = JUMP_CONTINUE; }
|	RETURN { $$ = N(AST_JUMP, @$); $$->jump.what = JUMP_RETURN; }
|	RETURN expr { $$ = N(AST_JUMP, @$); $$->jump.what = JUMP_RETURN; $$->jump.value = $2; }
	;

compound_op:
	ADD_ASSIGN { $$ = OP_ADD; }
|	SUB_ASSIGN { $$ = OP_SUB; }
|	MUL_ASSIGN { $$ = OP_MUL; }
|	DIV_ASSIGN { $$ = OP_DIV; }
|	MOD_ASSIGN { $$ = OP_MOD; }
|	AND_ASSIGN { $$ = OP_BAND; }
|	OR_ASSIGN { $$ = OP_BOR; }
|	XOR_ASSIGN { $$ = OP_BXOR; }
|	SHL_ASSIGN { $$ = OP_SHL; }
|	SHR_ASSIGN { $$ = OP_SHR; }
	;

let_type_opt:
	%empty { $$ = NULL; }
|	COLON type_any { $$ = $2; }
	;

let_init_opt:
	%empty { $$ = NULL; }
|	ASSIGN expr { $$ = $2; }
	;

block_stmt:
	if_stmt
|	for_stmt
|	WHILE expr block { $$ = N(AST_WHILE, @$); $$->while_.cond = $2; $$->while_.body = $3; }
|	WHILE error block { $$ = N(AST_WHILE, @$); $$->while_.body = $3; }
|	UNROLL expr block { $$ = N(AST_UNROLL, @$); $$->unroll.count = $2; $$->unroll.body = $3; }
|	UNROLL error block { $$ = N(AST_UNROLL, @$); $$->unroll.body = $3; }
|	block
	;

if_stmt:
	IF expr block { $$ = N(AST_IF, @$); $$->if_.cond = $2; $$->if_.then = $3; }
|	IF error block { $$ = N(AST_IF, @$); $$->if_.then = $3; }
|	IF expr block ELSE block {
		$$ = N(AST_IF, @$);
		$$->if_.cond = $2;
		$$->if_.then = $3;
		$$->if_.els = $5;
	}
|	IF expr block ELSE if_stmt {
		$$ = N(AST_IF, @$);
		$$->if_.cond = $2;
		$$->if_.then = $3;
		$$->if_.els = $5;
	}
	;

for_stmt:
	FOR LPAREN VAR COLON MAP RPAREN block {
		$$ = N(AST_FOR_MAP, @$);
		$$->for_map.var = mk_var(ps, $3, &@3);
		$$->for_map.map = N(AST_MAP, @5);
		$$->for_map.map->map.name = $5;
		$$->for_map.body = $7;
	}
|	FOR LPAREN VAR COLON unary DOTDOT unary RPAREN block {
		$$ = N(AST_FOR_RANGE, @$);
		$$->for_range.var = mk_var(ps, $3, &@3);
		$$->for_range.from = $5;
		$$->for_range.to = $7;
		$$->for_range.body = $9;
	}
|	FOR error block { $$ = N(AST_FOR_RANGE, @$); $$->for_range.body = $3; }
	;

/* ---------------------------------------------------------------- types */

stars:
	STAR { $$ = 1; }
|	stars STAR { $$ = $1 + 1; }
	;

stars_opt:
	%empty { $$ = 0; }
|	stars
	;

array_opt:
	%empty { $$ = -1; }
|	LBRACKET INT RBRACKET { $$ = $2.value > INT32_MAX ? INT32_MAX : (int)$2.value; }
	;

struct_kw:
	STRUCT { $$ = "struct"; }
|	UNION { $$ = "union"; }
|	ENUM { $$ = "enum"; }
	;

/* A type that cannot be mistaken for an expression. */
type:
	TYPE_NAME stars_opt array_opt { $$ = parse_type(ps, $1, $2, $3, &@$); }
|	struct_kw IDENT stars_opt {
		$$ = parse_type(ps, arena_printf(ps->arena, "%s %s", $1, $2), $3, -1, &@$);
	}
|	struct_kw TYPE_IDENT stars {
		$$ = parse_type(ps, arena_printf(ps->arena, "%s %s", $1, $2), $3, -1, &@$);
	}
|	TYPE_IDENT stars { $$ = parse_type(ps, $1, $2, -1, &@$); }
|	typeof
	;

/* Where only a type can appear (let $x: T), a plain identifier is a typedef name. */
type_any:
	type
|	IDENT stars_opt array_opt { $$ = parse_type(ps, $1, $2, $3, &@$); }
	;

typeof:
	TYPEOF LPAREN type RPAREN { $$ = N(AST_TYPEOF, @$); $$->sizeof_.arg = $3; }
|	TYPEOF LPAREN expr RPAREN { $$ = N(AST_TYPEOF, @$); $$->sizeof_.arg = $3; }
	;

/* ---------------------------------------------------------------- expressions */

expr:
	unary
|	expr QUESTION expr COLON expr {
		$$ = N(AST_TERNARY, @$);
		$$->ternary.cond = $1;
		$$->ternary.then = $3;
		$$->ternary.els = $5;
	}
|	expr QUESTION COLON expr %prec QUESTION {
		$$ = N(AST_TERNARY, @$);
		$$->ternary.cond = $1;
		$$->ternary.els = $4;
	}
|	expr LOR expr { $$ = mk_binop(ps, OP_LOR, $1, $3, &@$); }
|	expr LAND expr { $$ = mk_binop(ps, OP_LAND, $1, $3, &@$); }
|	expr PIPE expr { $$ = mk_binop(ps, OP_BOR, $1, $3, &@$); }
|	expr CARET expr { $$ = mk_binop(ps, OP_BXOR, $1, $3, &@$); }
|	expr AMP expr { $$ = mk_binop(ps, OP_BAND, $1, $3, &@$); }
|	expr EQ expr { $$ = mk_binop(ps, OP_EQ, $1, $3, &@$); }
|	expr NE expr { $$ = mk_binop(ps, OP_NE, $1, $3, &@$); }
|	expr LT expr { $$ = mk_binop(ps, OP_LT, $1, $3, &@$); }
|	expr LE expr { $$ = mk_binop(ps, OP_LE, $1, $3, &@$); }
|	expr GT expr { $$ = mk_binop(ps, OP_GT, $1, $3, &@$); }
|	expr GE expr { $$ = mk_binop(ps, OP_GE, $1, $3, &@$); }
|	expr SHL expr { $$ = mk_binop(ps, OP_SHL, $1, $3, &@$); }
|	expr SHR expr { $$ = mk_binop(ps, OP_SHR, $1, $3, &@$); }
|	expr PLUS expr { $$ = mk_binop(ps, OP_ADD, $1, $3, &@$); }
|	expr MINUS expr { $$ = mk_binop(ps, OP_SUB, $1, $3, &@$); }
|	expr STAR expr { $$ = mk_binop(ps, OP_MUL, $1, $3, &@$); }
|	expr SLASH expr { $$ = mk_binop(ps, OP_DIV, $1, $3, &@$); }
|	expr PERCENT expr { $$ = mk_binop(ps, OP_MOD, $1, $3, &@$); }
	;

unary:
	postfix
|	MINUS unary { $$ = mk_unop(ps, AST_UNOP, OP_NEG, $2, &@$); }
|	BANG unary { $$ = mk_unop(ps, AST_UNOP, OP_LNOT, $2, &@$); }
|	TILDE unary { $$ = mk_unop(ps, AST_UNOP, OP_BNOT, $2, &@$); }
|	STAR unary { $$ = mk_unop(ps, AST_UNOP, OP_DEREF, $2, &@$); }
|	AMP unary { $$ = mk_unop(ps, AST_UNOP, OP_ADDR, $2, &@$); }
|	INC VAR { $$ = mk_unop(ps, AST_INCDEC, OP_PRE_INC, mk_var(ps, $2, &@2), &@$); }
|	DEC VAR { $$ = mk_unop(ps, AST_INCDEC, OP_PRE_DEC, mk_var(ps, $2, &@2), &@$); }
|	INC map_expr { $$ = mk_unop(ps, AST_INCDEC, OP_PRE_INC, $2, &@$); }
|	DEC map_expr { $$ = mk_unop(ps, AST_INCDEC, OP_PRE_DEC, $2, &@$); }
|	LPAREN type RPAREN unary {
		$$ = N(AST_CAST, @$);
		$$->cast.to = $2;
		$$->cast.e = $4;
	}
|	LPAREN IDENT RPAREN unary {
		$$ = N(AST_CAST, @$);
		$$->cast.to = parse_type(ps, $2, 0, -1, &@2);
		$$->cast.e = $4;
	}
	;

postfix:
	primary
|	postfix DOT field_name { $$ = mk_field(ps, $1, $3, false, &@$); }
|	postfix DOT INT {
		$$ = mk_field(ps, $1, arena_printf(ps->arena, "%llu", (unsigned long long)$3.value), false, &@$);
	}
|	postfix ARROW field_name { $$ = mk_field(ps, $1, $3, true, &@$); }
|	postfix LBRACKET expr RBRACKET {
		$$ = N(AST_INDEX, @$);
		$$->index.e = $1;
		$$->index.index = $3;
	}
|	VAR INC { $$ = mk_unop(ps, AST_INCDEC, OP_POST_INC, mk_var(ps, $1, &@1), &@$); }
|	VAR DEC { $$ = mk_unop(ps, AST_INCDEC, OP_POST_DEC, mk_var(ps, $1, &@1), &@$); }
|	map_expr INC { $$ = mk_unop(ps, AST_INCDEC, OP_POST_INC, $1, &@$); }
|	map_expr DEC { $$ = mk_unop(ps, AST_INCDEC, OP_POST_DEC, $1, &@$); }
	;

primary:
	INT { $$ = N(AST_INT, @$); $$->num.value = $1.value; $$->num.is_unsigned = $1.is_unsigned; }
|	STRING { $$ = N(AST_STRING, @$); $$->str.s = $1.s; $$->str.len = $1.len; }
|	TRUE { $$ = N(AST_BOOL, @$); $$->boolean.value = true; }
|	FALSE { $$ = N(AST_BOOL, @$); $$->boolean.value = false; }
|	IDENT %prec IDENT_LOW { $$ = N(AST_IDENT, @$); $$->ident.name = $1; }
|	VAR { $$ = mk_var(ps, $1, &@$); }
|	map_expr
|	POSITIONAL { $$ = N(AST_POSITIONAL, @$); $$->positional.n = $1; }
|	POSITIONAL_COUNT { $$ = N(AST_POSITIONAL_COUNT, @$); }
|	IDENT LPAREN RPAREN { $$ = N(AST_CALL, @$); $$->call.name = $1; }
|	IDENT LPAREN expr_list RPAREN {
		$$ = N(AST_CALL, @$);
		$$->call.name = $1;
		$$->call.args = $3;
		$$->call.nargs = ast_list_len($3);
	}
|	IDENT LPAREN expr COMMA struct_kw IDENT COMMA IDENT RPAREN {
		/* container_of(ptr, struct T, member): a type argument, so a rule of its own */
		$$ = N(AST_CALL, @$);
		$$->call.name = $1;
		/* held as a pointer type: the call yields a pointer to the container */
		struct ast_node *t = parse_type(ps, arena_printf(ps->arena, "%s %s", $5, $6), 1, -1, &@5);
		struct ast_node *m = N(AST_IDENT, @8);
		m->ident.name = $8;
		$$->call.args = ast_append($3, ast_append(t, m));
		$$->call.nargs = 3;
	}
|	LPAREN expr RPAREN { $$ = $2; }
|	LPAREN IDENT RPAREN %prec PAREN_IDENT { $$ = N(AST_IDENT, @2); $$->ident.name = $2; }
|	LPAREN RPAREN { $$ = mk_tuple(ps, AST_TUPLE, NULL, &@$); }
|	LPAREN expr COMMA RPAREN { $$ = mk_tuple(ps, AST_TUPLE, $2, &@$); }
|	LPAREN expr COMMA expr_list RPAREN { $$ = mk_tuple(ps, AST_TUPLE, ast_append($2, $4), &@$); }
|	LPAREN record_fields RPAREN { $$ = mk_tuple(ps, AST_RECORD, $2, &@$); }
|	SIZEOF LPAREN type RPAREN { $$ = N(AST_SIZEOF, @$); $$->sizeof_.arg = $3; }
|	SIZEOF LPAREN expr RPAREN { $$ = N(AST_SIZEOF, @$); $$->sizeof_.arg = $3; }
|	OFFSETOF LPAREN type COMMA field_path RPAREN {
		$$ = N(AST_OFFSETOF, @$);
		$$->sizeof_.arg = $3;
		$$->sizeof_.field = $5;
	}
|	OFFSETOF LPAREN expr COMMA field_path RPAREN {
		$$ = N(AST_OFFSETOF, @$);
		$$->sizeof_.arg = $3;
		$$->sizeof_.field = $5;
	}
	;

map_expr:
	MAP %prec MAP_LOW { $$ = N(AST_MAP, @$); $$->map.name = $1; }
|	MAP LBRACKET expr_list RBRACKET {
		$$ = N(AST_MAP, @$);
		$$->map.name = $1;
		$$->map.keys = $3;
		$$->map.nkeys = ast_list_len($3);
	}
	;

expr_list:
	expr
|	expr COMMA expr_list { $$ = ast_append($1, $3); } /* right-recursive: see container_of */
	;

record_fields:
	IDENT ASSIGN expr {
		$$ = N(AST_CONFIG_ITEM, @$);
		$$->config_item.key = $1;
		$$->config_item.value = $3;
	}
|	record_fields COMMA IDENT ASSIGN expr {
		struct ast_node *f = parse_node(ps, AST_CONFIG_ITEM, &@3);
		f->loc.end_line = @5.end_line;
		f->loc.end_col = @5.end_col;
		f->config_item.key = $3;
		f->config_item.value = $5;
		$$ = ast_append($1, f);
	}
	;

field_path:
	field_name
|	field_path DOT field_name { $$ = arena_printf(ps->arena, "%s.%s", $1, $3); }
	;

/* Keywords and type names are valid field names: $task->if, args.string */
field_name:
	IDENT | TYPE_IDENT | TYPE_NAME
|	IF { $$ = "if"; } | ELSE { $$ = "else"; } | WHILE { $$ = "while"; } | FOR { $$ = "for"; }
|	UNROLL { $$ = "unroll"; } | BREAK { $$ = "break"; } | CONTINUE { $$ = "continue"; }
|	RETURN { $$ = "return"; } | LET { $$ = "let"; } | CONFIG { $$ = "config"; }
|	IMPORT { $$ = "import"; } | MACRO { $$ = "macro"; } | SIZEOF { $$ = "sizeof"; }
|	OFFSETOF { $$ = "offsetof"; } | TYPEOF { $$ = "typeof"; } | TRUE { $$ = "true"; }
|	FALSE { $$ = "false"; } | STRUCT { $$ = "struct"; } | UNION { $$ = "union"; } | ENUM { $$ = "enum"; }
	;

%%

void scry_yyerror(SCRY_YYLTYPE *loc, yyscan_t scanner, struct parse_state *ps, const char *msg)
{
	(void)scanner;
	struct loc l = *loc;
	l.src = NULL; /* the parsed source (the list's own) */
	diag_error(ps->dl, &l, "%s", msg);
}

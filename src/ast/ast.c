/* ast.c: node allocation, lists, names, and the stable dump used by -d ast / -d types and the golden
 * tests. Dump format: one node per line, children indented one more space than their parent. */
#include "ast/ast.h"

#include <string.h>

struct ast_node *ast_new(struct arena *a, enum ast_kind k, const struct loc *loc)
{
	struct ast_node *n = arena_alloc(a, sizeof(*n));
	n->kind = k;
	if (loc)
		n->loc = *loc;
	switch (k) {
	case AST_CALL:
		n->call.res_id = -1;
		break;
	case AST_MAP:
		n->map.res_id = -1;
		break;
	case AST_TYPE:
		n->typ.array_len = -1;
		break;
	case AST_PROBE:
		n->probe.index = -1;
		break;
	case AST_VAR:
		n->var.id = -1;
		break;
	default:
		break;
	}
	return n;
}

struct ast_node *ast_append(struct ast_node *head, struct ast_node *n)
{
	if (!n)
		return head;
	if (!head)
		return n;
	struct ast_node *t = head;
	while (t->next)
		t = t->next;
	t->next = n;
	return head;
}

int ast_list_len(const struct ast_node *head)
{
	int n = 0;
	for (; head; head = head->next)
		n++;
	return n;
}

const char *ast_kind_name(enum ast_kind k)
{
	static const char *const names[AST_KIND_COUNT] = {
		[AST_PROGRAM] = "program",
		[AST_PROBE] = "probe",
		[AST_ATTACH] = "attach",
		[AST_CONFIG] = "config",
		[AST_CONFIG_ITEM] = "config_item",
		[AST_MAP_DECL] = "map_decl",
		[AST_MACRO] = "macro",
		[AST_IMPORT] = "import",
		[AST_C_DEFN] = "c_defn",
		[AST_BLOCK] = "block",
		[AST_EXPR_STMT] = "expr_stmt",
		[AST_ASSIGN] = "assign",
		[AST_LET] = "let",
		[AST_IF] = "if",
		[AST_WHILE] = "while",
		[AST_UNROLL] = "unroll",
		[AST_FOR_MAP] = "for_map",
		[AST_FOR_RANGE] = "for_range",
		[AST_JUMP] = "jump",
		[AST_INT] = "int",
		[AST_STRING] = "string",
		[AST_BOOL] = "bool",
		[AST_IDENT] = "ident",
		[AST_POSITIONAL] = "positional",
		[AST_POSITIONAL_COUNT] = "positional_count",
		[AST_VAR] = "variable",
		[AST_MAP] = "map",
		[AST_CALL] = "call",
		[AST_BINOP] = "binop",
		[AST_UNOP] = "unop",
		[AST_INCDEC] = "incdec",
		[AST_TERNARY] = "ternary",
		[AST_FIELD] = "field",
		[AST_INDEX] = "index",
		[AST_TUPLE] = "tuple",
		[AST_RECORD] = "record",
		[AST_CAST] = "cast",
		[AST_SIZEOF] = "sizeof",
		[AST_OFFSETOF] = "offsetof",
		[AST_TYPEOF] = "typeof",
		[AST_TYPE] = "type",
	};
	if ((unsigned)k < AST_KIND_COUNT && names[k])
		return names[k];
	return "?";
}

const char *ast_op_str(enum ast_op op)
{
	static const char *const names[OP_COUNT] = {
		[OP_NONE] = "=",   [OP_ADD] = "+",	   [OP_SUB] = "-",	   [OP_MUL] = "*",
		[OP_DIV] = "/",	   [OP_MOD] = "%",	   [OP_BAND] = "&",	   [OP_BOR] = "|",
		[OP_BXOR] = "^",   [OP_SHL] = "<<",	   [OP_SHR] = ">>",	   [OP_LAND] = "&&",
		[OP_LOR] = "||",   [OP_EQ] = "==",	   [OP_NE] = "!=",	   [OP_LT] = "<",
		[OP_LE] = "<=",	   [OP_GT] = ">",	   [OP_GE] = ">=",	   [OP_NEG] = "-",
		[OP_LNOT] = "!",   [OP_BNOT] = "~",	   [OP_DEREF] = "*",	   [OP_ADDR] = "&",
		[OP_PRE_INC] = "++", [OP_PRE_DEC] = "--", [OP_POST_INC] = "++", [OP_POST_DEC] = "--",
	};
	if ((unsigned)op < OP_COUNT && names[op])
		return names[op];
	return "?";
}

/* ------------------------------------------------------------------ dump */

struct dumper {
	FILE *out;
	bool types;
	struct strbuf sb; /* scratch for type names */
};

static void dump_node(struct dumper *d, const struct ast_node *n, int depth);

static void indent(struct dumper *d, int depth)
{
	for (int i = 0; i < depth; i++)
		fputc(' ', d->out);
}

/* Ends a node's line: " :: <type>" for typed nodes when types are shown. */
static void eol(struct dumper *d, const struct ast_node *n)
{
	if (d->types && n && n->type) {
		sb_reset(&d->sb);
		type_str(n->type, &d->sb);
		fprintf(d->out, " :: %s", d->sb.s ? d->sb.s : "");
	}
	fputc('\n', d->out);
}

/* A label line that is not a node ("then", "body", "pred", ...). */
static void label(struct dumper *d, int depth, const char *s)
{
	indent(d, depth);
	fprintf(d->out, "%s\n", s);
}

static void dump_list(struct dumper *d, const struct ast_node *n, int depth)
{
	for (; n; n = n->next)
		dump_node(d, n, depth);
}

/* Statements of a block, or the block itself if it is not one. */
static void dump_body(struct dumper *d, const struct ast_node *n, int depth)
{
	if (n && n->kind == AST_BLOCK)
		dump_list(d, n->block.stmts, depth);
	else if (n)
		dump_node(d, n, depth);
}

static void put_escaped(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\r': fputs("\\r", out); break;
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		default:
			if (c < 0x20 || c >= 0x7f)
				fprintf(out, "\\x%02x", c);
			else
				fputc(c, out);
		}
	}
	fputc('"', out);
}

static void put_type(FILE *out, const struct ast_node *t)
{
	fputs(t->typ.name ? t->typ.name : "?", out);
	if (t->typ.ptr_depth > 0) {
		fputc(' ', out);
		for (int i = 0; i < t->typ.ptr_depth; i++)
			fputc('*', out);
	}
	if (t->typ.array_len >= 0)
		fprintf(out, "[%d]", t->typ.array_len);
}

static void dump_node(struct dumper *d, const struct ast_node *n, int depth)
{
	FILE *out = d->out;
	if (!n)
		return;
	if (n->kind == AST_EXPR_STMT) { /* transparent: the expression stands for the statement */
		dump_node(d, n->expr_stmt.expr, depth);
		return;
	}
	indent(d, depth);
	switch (n->kind) {
	case AST_PROGRAM:
		fputs("Program", out);
		eol(d, n);
		if (n->program.preamble) {
			label(d, depth + 1, "preamble");
			const char *p = n->program.preamble;
			while (*p) {
				const char *e = strchr(p, '\n');
				size_t len = e ? (size_t)(e - p) : strlen(p);
				indent(d, depth + 2);
				fprintf(out, "%.*s\n", (int)len, p);
				p += len + (e ? 1 : 0);
			}
		}
		dump_list(d, n->program.items, depth + 1);
		break;
	case AST_PROBE:
		/* attach points on their own lines ("a," "b"), then predicate and statements one level deeper */
		for (const struct ast_node *a = n->probe.attach; a; a = a->next) {
			if (a != n->probe.attach)
				indent(d, depth);
			if (a->attach.name)
				fprintf(out, "%s=", a->attach.name);
			fputs(a->attach.text, out);
			if (a->next)
				fputc(',', out);
			eol(d, a);
		}
		if (!n->probe.attach) {
			fputs("probe", out);
			eol(d, n);
		}
		if (n->probe.pred) {
			label(d, depth + 1, "pred");
			dump_node(d, n->probe.pred, depth + 2);
		}
		dump_body(d, n->probe.body, depth + 1);
		break;
	case AST_ATTACH:
		if (n->attach.name)
			fprintf(out, "%s=", n->attach.name);
		fputs(n->attach.text, out);
		eol(d, n);
		break;
	case AST_CONFIG:
		fputs("config", out);
		eol(d, n);
		dump_list(d, n->config.items, depth + 1);
		break;
	case AST_CONFIG_ITEM:
		fprintf(out, "%s =", n->config_item.key);
		eol(d, n);
		dump_node(d, n->config_item.value, depth + 1);
		break;
	case AST_MAP_DECL:
		fprintf(out, "map decl: %s = %s(%llu)", n->map_decl.name, n->map_decl.kind,
			(unsigned long long)n->map_decl.max_entries);
		eol(d, n);
		break;
	case AST_MACRO:
		fprintf(out, "macro: %s", n->macro.name);
		eol(d, n);
		if (n->macro.params) {
			label(d, depth + 1, "params");
			dump_list(d, n->macro.params, depth + 2);
		}
		label(d, depth + 1, "body");
		dump_body(d, n->macro.body, depth + 2);
		break;
	case AST_IMPORT:
		fputs("import: ", out);
		put_escaped(out, n->import.path, strlen(n->import.path));
		eol(d, n);
		break;
	case AST_C_DEFN:
		fprintf(out, "c definition: %s", n->cdefn.text);
		eol(d, n);
		break;
	case AST_BLOCK:
		fputs("block", out);
		eol(d, n);
		dump_list(d, n->block.stmts, depth + 1);
		break;
	case AST_EXPR_STMT:
		break; /* handled above */
	case AST_ASSIGN:
		if (n->assign.op == OP_NONE)
			fputs("=", out);
		else
			fprintf(out, "%s=", ast_op_str(n->assign.op));
		eol(d, n);
		dump_node(d, n->assign.lhs, depth + 1);
		dump_node(d, n->assign.rhs, depth + 1);
		break;
	case AST_LET:
		fputs("let", out);
		eol(d, n);
		dump_node(d, n->let.var, depth + 1);
		dump_node(d, n->let.vtype, depth + 1);
		dump_node(d, n->let.init, depth + 1);
		break;
	case AST_IF:
		fputs("if", out);
		eol(d, n);
		dump_node(d, n->if_.cond, depth + 1);
		label(d, depth + 1, "then");
		dump_body(d, n->if_.then, depth + 2);
		if (n->if_.els) {
			label(d, depth + 1, "else");
			dump_body(d, n->if_.els, depth + 2);
		}
		break;
	case AST_WHILE:
		fputs("while", out);
		eol(d, n);
		dump_node(d, n->while_.cond, depth + 1);
		label(d, depth + 1, "body");
		dump_body(d, n->while_.body, depth + 2);
		break;
	case AST_UNROLL:
		fputs("unroll", out);
		eol(d, n);
		dump_node(d, n->unroll.count, depth + 1);
		label(d, depth + 1, "body");
		dump_body(d, n->unroll.body, depth + 2);
		break;
	case AST_FOR_MAP:
		fputs("for", out);
		eol(d, n);
		dump_node(d, n->for_map.var, depth + 1);
		dump_node(d, n->for_map.map, depth + 1);
		label(d, depth + 1, "body");
		dump_body(d, n->for_map.body, depth + 2);
		break;
	case AST_FOR_RANGE:
		fputs("for", out);
		eol(d, n);
		dump_node(d, n->for_range.var, depth + 1);
		label(d, depth + 1, "range");
		dump_node(d, n->for_range.from, depth + 2);
		dump_node(d, n->for_range.to, depth + 2);
		label(d, depth + 1, "body");
		dump_body(d, n->for_range.body, depth + 2);
		break;
	case AST_JUMP:
		fputs(n->jump.what == JUMP_BREAK ? "break" : n->jump.what == JUMP_CONTINUE ? "continue" : "return",
		      out);
		eol(d, n);
		dump_node(d, n->jump.value, depth + 1);
		break;
	case AST_INT:
		fprintf(out, "int: %llu%s", (unsigned long long)n->num.value, n->num.is_unsigned ? " (unsigned)" : "");
		eol(d, n);
		break;
	case AST_STRING:
		fputs("string: ", out);
		put_escaped(out, n->str.s, n->str.len);
		eol(d, n);
		break;
	case AST_BOOL:
		fprintf(out, "bool: %s", n->boolean.value ? "true" : "false");
		eol(d, n);
		break;
	case AST_IDENT:
		fputs(n->ident.name, out);
		eol(d, n);
		break;
	case AST_POSITIONAL:
		fprintf(out, "param: $%d", n->positional.n);
		eol(d, n);
		break;
	case AST_POSITIONAL_COUNT:
		fputs("param: $#", out);
		eol(d, n);
		break;
	case AST_VAR:
		fprintf(out, "variable: %s", n->var.name);
		eol(d, n);
		break;
	case AST_MAP:
		fprintf(out, "map: %s", n->map.name);
		eol(d, n);
		dump_list(d, n->map.keys, depth + 1);
		break;
	case AST_CALL:
		fprintf(out, "call: %s", n->call.name);
		eol(d, n);
		dump_list(d, n->call.args, depth + 1);
		break;
	case AST_BINOP:
		fputs(ast_op_str(n->binop.op), out);
		eol(d, n);
		dump_node(d, n->binop.l, depth + 1);
		dump_node(d, n->binop.r, depth + 1);
		break;
	case AST_UNOP:
		fprintf(out, "unary %s", ast_op_str(n->unop.op));
		eol(d, n);
		dump_node(d, n->unop.e, depth + 1);
		break;
	case AST_INCDEC:
		fprintf(out, "%s (%s)", ast_op_str(n->unop.op),
			n->unop.op == OP_PRE_INC || n->unop.op == OP_PRE_DEC ? "pre" : "post");
		eol(d, n);
		dump_node(d, n->unop.e, depth + 1);
		break;
	case AST_TERNARY:
		fputs(n->ternary.then ? "?:" : "?: (short)", out);
		eol(d, n);
		dump_node(d, n->ternary.cond, depth + 1);
		dump_node(d, n->ternary.then, depth + 1);
		dump_node(d, n->ternary.els, depth + 1);
		break;
	case AST_FIELD:
		fprintf(out, "%s %s", n->field.arrow ? "->" : ".", n->field.name);
		eol(d, n);
		dump_node(d, n->field.e, depth + 1);
		break;
	case AST_INDEX:
		fputs("[]", out);
		eol(d, n);
		dump_node(d, n->index.e, depth + 1);
		dump_node(d, n->index.index, depth + 1);
		break;
	case AST_TUPLE:
		fputs("tuple", out);
		eol(d, n);
		dump_list(d, n->tuple.elems, depth + 1);
		break;
	case AST_RECORD:
		fputs("record", out);
		eol(d, n);
		dump_list(d, n->tuple.elems, depth + 1);
		break;
	case AST_CAST:
		fputs("cast", out);
		eol(d, n);
		dump_node(d, n->cast.to, depth + 1);
		dump_node(d, n->cast.e, depth + 1);
		break;
	case AST_SIZEOF:
		fputs("sizeof", out);
		eol(d, n);
		dump_node(d, n->sizeof_.arg, depth + 1);
		break;
	case AST_OFFSETOF:
		fprintf(out, "offsetof: %s", n->sizeof_.field ? n->sizeof_.field : "?");
		eol(d, n);
		dump_node(d, n->sizeof_.arg, depth + 1);
		break;
	case AST_TYPEOF:
		fputs("typeof", out);
		eol(d, n);
		dump_node(d, n->sizeof_.arg, depth + 1);
		break;
	case AST_TYPE:
		fputs("type: ", out);
		put_type(out, n);
		eol(d, n);
		break;
	case AST_KIND_COUNT:
		fputs("?", out);
		eol(d, n);
		break;
	}
}

void ast_dump(const struct ast_node *n, FILE *out, bool types)
{
	struct dumper d = {.out = out, .types = types};
	dump_node(&d, n, 0);
	sb_free(&d.sb);
}

void ast_children(struct ast_node *n, struct ast_node ***k)
{
	for (int i = 0; i < 4; i++)
		k[i] = NULL;
	switch (n->kind) {
	case AST_PROBE: k[0] = &n->probe.attach, k[1] = &n->probe.pred, k[2] = &n->probe.body; break;
	case AST_CONFIG: k[0] = &n->config.items; break;
	case AST_CONFIG_ITEM: k[0] = &n->config_item.value; break;
	case AST_MACRO: k[0] = &n->macro.params, k[1] = &n->macro.body; break;
	case AST_BLOCK: k[0] = &n->block.stmts; break;
	case AST_EXPR_STMT: k[0] = &n->expr_stmt.expr; break;
	case AST_ASSIGN: k[0] = &n->assign.lhs, k[1] = &n->assign.rhs; break;
	case AST_LET: k[0] = &n->let.var, k[1] = &n->let.vtype, k[2] = &n->let.init; break;
	case AST_IF: k[0] = &n->if_.cond, k[1] = &n->if_.then, k[2] = &n->if_.els; break;
	case AST_WHILE: k[0] = &n->while_.cond, k[1] = &n->while_.body; break;
	case AST_UNROLL: k[0] = &n->unroll.count, k[1] = &n->unroll.body; break;
	case AST_FOR_MAP: k[0] = &n->for_map.var, k[1] = &n->for_map.map, k[2] = &n->for_map.body; break;
	case AST_FOR_RANGE:
		k[0] = &n->for_range.var, k[1] = &n->for_range.from, k[2] = &n->for_range.to, k[3] = &n->for_range.body;
		break;
	case AST_JUMP: k[0] = &n->jump.value; break;
	case AST_MAP: k[0] = &n->map.keys; break;
	case AST_CALL: k[0] = &n->call.args; break;
	case AST_BINOP: k[0] = &n->binop.l, k[1] = &n->binop.r; break;
	case AST_UNOP:
	case AST_INCDEC: k[0] = &n->unop.e; break;
	case AST_TERNARY: k[0] = &n->ternary.cond, k[1] = &n->ternary.then, k[2] = &n->ternary.els; break;
	case AST_FIELD: k[0] = &n->field.e; break;
	case AST_INDEX: k[0] = &n->index.e, k[1] = &n->index.index; break;
	case AST_TUPLE:
	case AST_RECORD: k[0] = &n->tuple.elems; break;
	case AST_CAST: k[0] = &n->cast.to, k[1] = &n->cast.e; break;
	case AST_SIZEOF:
	case AST_OFFSETOF:
	case AST_TYPEOF: k[0] = &n->sizeof_.arg; break;
	default: break;
	}
}

struct ast_node *ast_clone(struct arena *a, const struct ast_node *n)
{
	if (!n)
		return NULL;
	struct ast_node *c = arena_alloc(a, sizeof(*c));
	*c = *n;
	c->next = NULL;
	c->type = NULL;
	struct ast_node **k[4];
	ast_children(c, k);
	for (int i = 0; i < 4; i++)
		if (k[i])
			*k[i] = ast_clone_list(a, *k[i]);
	return c;
}

struct ast_node *ast_clone_list(struct arena *a, const struct ast_node *list)
{
	struct ast_node *head = NULL, **tail = &head;
	for (const struct ast_node *n = list; n; n = n->next) {
		*tail = ast_clone(a, n);
		tail = &(*tail)->next;
	}
	return head;
}

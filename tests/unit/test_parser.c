/* Parser unit tests: programs go through parse_program; checks look at node kinds, literal values
 * and source locations. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "parser/parse.h"

struct parsed {
	struct source *src;
	struct arena arena;
	struct diag_list dl;
	struct ast_node *prog;
	int rc;
};

static void parse(struct parsed *p, const char *text)
{
	memset(p, 0, sizeof(*p));
	p->src = source_new("stdin", text, strlen(text));
	diag_init(&p->dl, p->src);
	p->rc = parse_program(p->src, &p->arena, &p->dl, &p->prog);
}

static void done(struct parsed *p)
{
	diag_free(&p->dl);
	arena_free(&p->arena);
	source_free(p->src);
}

static struct ast_node *nth(struct ast_node *n, int i)
{
	while (n && i-- > 0)
		n = n->next;
	return n;
}

/* The i-th statement of the first probe. */
static struct ast_node *stmt(struct parsed *p, int i)
{
	struct ast_node *probe = p->prog ? p->prog->program.items : NULL;
	if (!probe || probe->kind != AST_PROBE)
		return NULL;
	return nth(probe->probe.body->block.stmts, i);
}

/* The right-hand side of the i-th statement "@x = <expr>" of the first probe. */
static struct ast_node *rhs(struct parsed *p, int i)
{
	struct ast_node *s = stmt(p, i);
	return s && s->kind == AST_ASSIGN ? s->assign.rhs : NULL;
}

/* lp: a struct loc * */
#define CHECK_LOC(lp, l, c, el, ec)               \
	do {                                      \
		const struct loc *l_ = (lp);      \
		CHECK_INT(l_->line, l);           \
		CHECK_INT(l_->col, c);            \
		CHECK_INT(l_->end_line, el);      \
		CHECK_INT(l_->end_col, ec);       \
	} while (0)

static void test_integers(void)
{
	struct parsed p;
	parse(&p, "BEGIN { @a = 0x1F; @b = 017; @c = 1_000_000; @d = 2e3; @e = 5u; @f = 18446744073709551615;"
		  " @g = 9223372036854775807; @h = 0xdead_BEEF; @i = 7ULL; }");
	CHECK_INT(p.rc, 0);
	CHECK_INT(p.dl.errors, 0);
	struct {
		uint64_t v;
		bool u;
	} want[] = {{31, false},
		    {15, false},
		    {1000000, false},
		    {2000, false},
		    {5, true},
		    {UINT64_MAX, true},
		    {INT64_MAX, false},
		    {0xdeadbeef, false},
		    {7, true}};
	for (int i = 0; i < (int)ARRAY_SIZE(want); i++) {
		struct ast_node *n = rhs(&p, i);
		CHECK(n && n->kind == AST_INT);
		if (n && n->kind == AST_INT) {
			CHECK(n->num.value == want[i].v);
			CHECK_INT(n->num.is_unsigned, want[i].u);
		}
	}
	done(&p);
}

static void test_durations(void)
{
	struct parsed p;
	parse(&p, "BEGIN { @a = 1ns; @b = 1us; @c = 1ms; @d = 1s; @e = 1m; @f = 1h; @g = 1d; @h = 1_500ms; }");
	CHECK_INT(p.rc, 0);
	uint64_t want[] = {1ULL, 1000ULL, 1000000ULL, 1000000000ULL, 60000000000ULL, 3600000000000ULL,
			   86400000000000ULL, 1500000000ULL};
	for (int i = 0; i < (int)ARRAY_SIZE(want); i++) {
		struct ast_node *n = rhs(&p, i);
		CHECK(n && n->kind == AST_INT && n->num.value == want[i]);
	}
	done(&p);
}

static void test_int_errors(void)
{
	struct parsed p;
	parse(&p, "BEGIN { @a = 18446744073709551616; @b = 09; }");
	CHECK_INT(p.rc, -EINVAL);
	CHECK_INT(p.dl.errors, 2);
	if (p.dl.v.n == 2) {
		CHECK(strstr(p.dl.v.v[0].msg, "overflow") != NULL);
		CHECK_LOC(&p.dl.v.v[0].loc, 1, 14, 1, 34);
		CHECK(strstr(p.dl.v.v[1].msg, "octal") != NULL);
		CHECK_LOC(&p.dl.v.v[1].loc, 1, 41, 1, 43);
	}
	done(&p);
}

static void test_strings(void)
{
	struct parsed p;
	parse(&p, "BEGIN { @a = \"x\\n\\t\\r\\\"\\\\y\"; @b = \"\\101\\x42\\0z\"; @c = \"\"; }");
	CHECK_INT(p.rc, 0);
	struct ast_node *a = rhs(&p, 0), *b = rhs(&p, 1), *c = rhs(&p, 2);
	CHECK(a && a->kind == AST_STRING);
	if (a && a->kind == AST_STRING) {
		CHECK_INT(a->str.len, 7);
		CHECK(!memcmp(a->str.s, "x\n\t\r\"\\y", 8));
	}
	CHECK(b && b->kind == AST_STRING);
	if (b && b->kind == AST_STRING) {
		CHECK_INT(b->str.len, 4);
		CHECK(!memcmp(b->str.s, "AB\0z", 5));
	}
	CHECK(c && c->kind == AST_STRING && c->str.len == 0 && c->str.s && !*c->str.s);
	done(&p);

	parse(&p, "BEGIN { @a = \"a\\qb\"; }");
	CHECK_INT(p.rc, -EINVAL);
	CHECK_INT(p.dl.errors, 1);
	if (p.dl.v.n == 1) {
		CHECK_STR(p.dl.v.v[0].msg, "invalid escape character '\\q'");
		CHECK_LOC(&p.dl.v.v[0].loc, 1, 14, 1, 18);
	}
	done(&p);

	parse(&p, "BEGIN { @a = \"abc");
	CHECK_INT(p.rc, -EINVAL);
	CHECK_INT(p.dl.errors, 2);
	if (p.dl.v.n >= 1)
		CHECK_STR(p.dl.v.v[0].msg, "unterminated string");
	done(&p);
}

static void test_structure(void)
{
	struct parsed p;
	parse(&p, "#include <linux/sched.h>\n"
		  "kprobe:vfs_read, uprobe:/bin/bash:readline , usdt:/p:\"a::b\" / pid > 1 / { @x[pid, comm] = count(); }\n"
		  "n=BEGIN { $y = 1 }\n");
	CHECK_INT(p.rc, 0);
	CHECK(p.prog && p.prog->kind == AST_PROGRAM);
	if (!p.prog)
		return;
	CHECK_STR(p.prog->program.preamble, "#include <linux/sched.h>\n");
	struct ast_node *probe = p.prog->program.items;
	CHECK_INT(ast_list_len(probe), 2);
	CHECK(probe->kind == AST_PROBE);
	CHECK_INT(ast_list_len(probe->probe.attach), 3);
	struct ast_node *a0 = probe->probe.attach, *a1 = nth(a0, 1), *a2 = nth(a0, 2);
	CHECK_STR(a0->attach.text, "kprobe:vfs_read");
	CHECK_STR(a0->attach.provider, "kprobe");
	CHECK_INT(a0->attach.nparts, 1);
	CHECK_STR(a0->attach.parts[0], "vfs_read");
	CHECK_LOC(&a0->loc, 2, 1, 2, 16);
	CHECK_STR(a1->attach.provider, "uprobe");
	CHECK_INT(a1->attach.nparts, 2);
	CHECK_STR(a1->attach.parts[0], "/bin/bash");
	CHECK_STR(a1->attach.parts[1], "readline");
	CHECK_LOC(&a1->loc, 2, 18, 2, 43);
	CHECK_STR(a2->attach.text, "usdt:/p:\"a::b\"");
	CHECK_INT(a2->attach.nparts, 2);
	CHECK_STR(a2->attach.parts[1], "a::b");
	CHECK(a2->attach.name == NULL);

	struct ast_node *pred = probe->probe.pred;
	CHECK(pred && pred->kind == AST_BINOP && pred->binop.op == OP_GT);
	CHECK_LOC(&pred->loc, 2, 63, 2, 70);

	struct ast_node *s = stmt(&p, 0);
	CHECK(s && s->kind == AST_ASSIGN && s->assign.op == OP_NONE);
	if (s && s->kind == AST_ASSIGN) {
		struct ast_node *m = s->assign.lhs;
		CHECK(m->kind == AST_MAP);
		CHECK_STR(m->map.name, "@x");
		CHECK_INT(m->map.nkeys, 2);
		CHECK(m->map.keys->kind == AST_IDENT);
		CHECK_STR(m->map.keys->ident.name, "pid");
		CHECK(s->assign.rhs->kind == AST_CALL);
		CHECK_STR(s->assign.rhs->call.name, "count");
		CHECK_INT(s->assign.rhs->call.nargs, 0);
		CHECK_INT(s->assign.rhs->call.res_id, -1);
		CHECK_LOC(&s->loc, 2, 75, 2, 98);
	}

	struct ast_node *begin = nth(probe, 1);
	CHECK_STR(begin->probe.attach->attach.name, "n");
	CHECK_STR(begin->probe.attach->attach.provider, "BEGIN");
	CHECK_INT(begin->probe.attach->attach.nparts, 0);
	done(&p);
}

static void test_precedence(void)
{
	struct parsed p;
	parse(&p, "BEGIN { @a = 1 + 2 * 3; @b = $c ? 1 : $d ? 2 : 3; @c = -$x.y; @d = (uint32)-1; @e = (x) - 1;"
		  " @f = 1 - 2 - 3; @g = $c ?: 4; }");
	CHECK_INT(p.rc, 0);
	struct ast_node *a = rhs(&p, 0);
	CHECK(a->kind == AST_BINOP && a->binop.op == OP_ADD && a->binop.r->kind == AST_BINOP &&
	      a->binop.r->binop.op == OP_MUL);
	struct ast_node *b = rhs(&p, 1);
	CHECK(b->kind == AST_TERNARY && b->ternary.els->kind == AST_TERNARY);
	struct ast_node *c = rhs(&p, 2);
	CHECK(c->kind == AST_UNOP && c->unop.op == OP_NEG && c->unop.e->kind == AST_FIELD);
	struct ast_node *d = rhs(&p, 3);
	CHECK(d->kind == AST_CAST && d->cast.to->kind == AST_TYPE);
	CHECK_STR(d->cast.to->typ.name, "uint32");
	CHECK_INT(d->cast.to->typ.array_len, -1);
	struct ast_node *e = rhs(&p, 4);
	CHECK(e->kind == AST_BINOP && e->binop.op == OP_SUB && e->binop.l->kind == AST_IDENT);
	struct ast_node *f = rhs(&p, 5);
	CHECK(f->kind == AST_BINOP && f->binop.op == OP_SUB && f->binop.l->kind == AST_BINOP);
	struct ast_node *g = rhs(&p, 6);
	CHECK(g->kind == AST_TERNARY && g->ternary.then == NULL && g->ternary.els->kind == AST_INT);
	done(&p);
}

static void test_statements(void)
{
	struct parsed p;
	parse(&p, "BEGIN { let $x: string[16] = \"a\"; for ($kv : @m) { } for ($i : 0..10) { break; }"
		  " if (1) { } else if (2) { } else { } $y += 2; @z++; return }");
	CHECK_INT(p.rc, 0);
	struct ast_node *let = stmt(&p, 0);
	CHECK(let->kind == AST_LET && let->let.var->kind == AST_VAR);
	CHECK_STR(let->let.vtype->typ.name, "string");
	CHECK_INT(let->let.vtype->typ.array_len, 16);
	CHECK(let->let.init->kind == AST_STRING);
	CHECK(stmt(&p, 1)->kind == AST_FOR_MAP);
	struct ast_node *fr = stmt(&p, 2);
	CHECK(fr->kind == AST_FOR_RANGE && fr->for_range.to->num.value == 10);
	CHECK(fr->for_range.body->block.stmts->kind == AST_JUMP);
	struct ast_node *ifs = stmt(&p, 3);
	CHECK(ifs->kind == AST_IF && ifs->if_.els->kind == AST_IF && ifs->if_.els->if_.els->kind == AST_BLOCK);
	struct ast_node *as = stmt(&p, 4);
	CHECK(as->kind == AST_ASSIGN && as->assign.op == OP_ADD);
	struct ast_node *inc = stmt(&p, 5);
	CHECK(inc->kind == AST_EXPR_STMT && inc->expr_stmt.expr->kind == AST_INCDEC &&
	      inc->expr_stmt.expr->unop.op == OP_POST_INC);
	struct ast_node *ret = stmt(&p, 6);
	CHECK(ret->kind == AST_JUMP && ret->jump.what == JUMP_RETURN && !ret->jump.value);
	done(&p);
}

static void test_syntax_errors(void)
{
	struct parsed p;
	/* bpftrace: "stdin:1:16-18: ERROR: syntax error, unexpected ;" */
	parse(&p, "BEGIN { @x = 1 +; }");
	CHECK_INT(p.rc, -EINVAL);
	CHECK_INT(p.dl.errors, 1);
	if (p.dl.v.n == 1) {
		CHECK_STR(p.dl.v.v[0].msg, "syntax error, unexpected ;");
		CHECK_LOC(&p.dl.v.v[0].loc, 1, 16, 1, 18);
	}
	CHECK(p.prog != NULL);
	done(&p);

	/* several errors in one run; the good statements and probes are still there */
	parse(&p, "BEGIN { @a = 1 +; @b = 2; @c = ); }\nEND { @d = 1 @e = 2 }\nEND { @f = 3 }");
	CHECK_INT(p.rc, -EINVAL);
	CHECK_INT(p.dl.errors, 3);
	if (p.dl.v.n == 3) {
		CHECK_LOC(&p.dl.v.v[1].loc, 1, 32, 1, 33);
		CHECK_STR(p.dl.v.v[2].msg, "syntax error, unexpected map, expecting ; or }");
		CHECK_LOC(&p.dl.v.v[2].loc, 2, 14, 2, 16);
	}
	CHECK_INT(ast_list_len(p.prog->program.items), 3);
	CHECK_INT(ast_list_len(stmt(&p, 0)), 1); /* only @b = 2 survives in the first probe */
	done(&p);
}

int main(void)
{
	test_integers();
	test_durations();
	test_int_errors();
	test_strings();
	test_structure();
	test_precedence();
	test_statements();
	test_syntax_errors();
	return check_done();
}

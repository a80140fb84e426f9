/* macro: expansion of `macro name(params) { body }` before typing. A call is replaced by a block
 * expression holding a copy of the body: `$x` parameters bound to a caller's variable refer to it
 * (by reference), other `$x` arguments are evaluated once into a fresh variable, `@m` parameters
 * name the caller's map, bare-identifier parameters are replaced by the argument expression.
 * Every other variable of the body gets a fresh name per expansion (hygiene). */
#include "sema/macro.h"

#include <errno.h>
#include <string.h>

#define MAX_DEPTH 32

struct expander {
	struct arena *arena;
	struct diag_list *dl;
	VEC(struct ast_node *) macros;
	int serial; /* expansions so far: fresh names */
};

struct rename {
	const char *from, *to;
};

static struct ast_node *find_macro(struct expander *x, const char *name)
{
	for (size_t i = 0; i < x->macros.n; i++)
		if (!strcmp(x->macros.v[i]->macro.name, name))
			return x->macros.v[i];
	return NULL;
}

/* Rewrite the copied body: variable/map renames and identifier substitutions. */
static void rewrite(struct expander *x, struct ast_node *list, struct rename *vars, size_t nvars, int serial,
		    struct rename *maps, size_t nmaps, const struct ast_node *params, struct ast_node *const *args)
{
	for (struct ast_node *n = list; n; n = n->next) {
		if (n->kind == AST_VAR) {
			size_t i;
			for (i = 0; i < nvars && strcmp(vars[i].from, n->var.name); i++)
				;
			n->var.name = i < nvars ? vars[i].to
						: arena_printf(x->arena, "$__m%d_%s", serial, n->var.name + 1);
		} else if (n->kind == AST_MAP) {
			for (size_t i = 0; i < nmaps; i++)
				if (!strcmp(maps[i].from, n->map.name))
					n->map.name = maps[i].to;
		} else if (n->kind == AST_IDENT) {
			int i = 0;
			bool substituted = false;
			for (const struct ast_node *p = params; p; p = p->next, i++)
				if (p->kind == AST_IDENT && !strcmp(p->ident.name, n->ident.name)) {
					struct ast_node *next = n->next;
					*n = *ast_clone(x->arena, args[i]);
					n->next = next;
					substituted = true;
					break;
				}
			if (substituted)
				continue; /* the caller's expression: its names are the caller's */
		}
		struct ast_node **k[4];
		ast_children(n, k);
		for (int i = 0; i < 4; i++)
			if (k[i] && *k[i])
				rewrite(x, *k[i], vars, nvars, serial, maps, nmaps, params, args);
	}
}

static void expand_list(struct expander *x, struct ast_node *list, int depth);

/* Replace call node n (a call or a bare identifier) by the expansion of macro m. */
static void expand_one(struct expander *x, struct ast_node *n, struct ast_node *m, int depth)
{
	struct ast_node *args[64] = {0};
	int nargs = 0;
	if (n->kind == AST_CALL)
		for (struct ast_node *a = n->call.args; a && nargs < 64; a = a->next)
			args[nargs++] = a;
	if (nargs != m->macro.nparams) {
		diag_error(x->dl, &n->loc, "macro %s takes %d argument%s (%d given)", m->macro.name, m->macro.nparams,
			   m->macro.nparams == 1 ? "" : "s", nargs);
		return;
	}
	if (depth >= MAX_DEPTH) {
		diag_error(x->dl, &n->loc, "macro %s expands too deeply (recursion?)", m->macro.name);
		return;
	}
	int serial = ++x->serial;
	struct rename vars[64], maps[64];
	size_t nvars = 0, nmaps = 0;
	struct ast_node *pre = NULL; /* bindings evaluated before the body */
	int i = 0;
	for (struct ast_node *p = m->macro.params; p; p = p->next, i++) {
		struct ast_node *a = args[i];
		if (p->kind == AST_VAR) {
			if (a->kind == AST_VAR) {
				vars[nvars++] = (struct rename){p->var.name, a->var.name};
			} else {
				const char *fresh = arena_printf(x->arena, "$__m%d_%s", serial, p->var.name + 1);
				vars[nvars++] = (struct rename){p->var.name, fresh};
				struct ast_node *as = ast_new(x->arena, AST_ASSIGN, &a->loc);
				as->assign.lhs = ast_new(x->arena, AST_VAR, &a->loc);
				as->assign.lhs->var.name = fresh;
				as->assign.rhs = a;
				pre = ast_append(pre, as);
			}
		} else if (p->kind == AST_MAP) {
			if (a->kind != AST_MAP || a->map.keys) {
				diag_error(x->dl, &a->loc, "macro %s: argument %d must be a map (for %s)", m->macro.name, i + 1,
					   p->map.name);
				return;
			}
			maps[nmaps++] = (struct rename){p->map.name, a->map.name};
		}
	}
	for (struct ast_node *b = pre; b; b = b->next)
		b->assign.rhs->next = NULL; /* the argument left the call's list */
	struct ast_node *body = ast_clone_list(x->arena, m->macro.body->block.stmts);
	rewrite(x, body, vars, nvars, serial, maps, nmaps, m->macro.params, args);
	struct ast_node *next = n->next;
	struct loc loc = n->loc;
	memset(n, 0, sizeof(*n));
	n->kind = AST_BLOCK;
	n->loc = loc;
	n->next = next;
	n->block.stmts = pre ? ast_append(pre, body) : body;
	expand_list(x, n->block.stmts, depth + 1);
}

static void expand_list(struct expander *x, struct ast_node *list, int depth)
{
	for (struct ast_node *n = list; n; n = n->next) {
		struct ast_node *m = NULL;
		if (n->kind == AST_CALL)
			m = find_macro(x, n->call.name);
		else if (n->kind == AST_IDENT)
			m = find_macro(x, n->ident.name);
		if (m && (n->kind == AST_CALL || m->macro.nparams == 0)) {
			/* arguments first: they may use macros too */
			if (n->kind == AST_CALL)
				expand_list(x, n->call.args, depth);
			expand_one(x, n, m, depth);
			continue;
		}
		struct ast_node **k[4];
		ast_children(n, k);
		for (int i = 0; i < 4; i++)
			if (k[i] && *k[i])
				expand_list(x, *k[i], depth);
	}
}

int macro_expand(struct ast_node *prog, struct arena *a, struct diag_list *dl)
{
	struct expander x = {.arena = a, .dl = dl};
	int errs = dl->errors;
	for (struct ast_node *it = prog->program.items; it; it = it->next) {
		if (it->kind != AST_MACRO)
			continue;
		if (find_macro(&x, it->macro.name)) {
			diag_error(dl, &it->loc, "macro %s is defined twice", it->macro.name);
			continue;
		}
		VEC_PUSH(x.macros, it);
	}
	if (x.macros.n)
		for (struct ast_node *it = prog->program.items; it; it = it->next)
			if (it->kind == AST_PROBE) {
				if (it->probe.pred)
					expand_list(&x, it->probe.pred, 0);
				expand_list(&x, it->probe.body->block.stmts, 0);
			}
	VEC_FREE(x.macros);
	return dl->errors > errs ? -EINVAL : 0;
}

/* sema: probe expansion, name resolution, type checking and resource building.
 *
 * Typing runs twice over all probes: the first pass learns map types from every assignment
 * (a map may be read in the text before the probe that writes it), the second pass reports
 * errors and builds the resources. Scratch variables are scoped to their probe. */
#define _GNU_SOURCE
#include "sema/sema.h"

#include <ctype.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <elf.h>
#include <sys/stat.h>

#include "btf/cdecl.h"
#include "btf/elfsym.h"
#include "btf/ktypes.h"
#include "probes/probe.h"
#include "sema/macro.h"
#include "sema/printf_check.h"

/* A scratch variable in scope. Variables are block-scoped (a variable first assigned inside a
 * block ends with it) and never shadow one another; each declaration has an id that its uses
 * carry to codegen (sibling blocks may declare the same name with different types). */
struct var {
	const char *name;
	struct type *type;
	int id;
};

struct sema {
	struct type_ctx *tc;
	struct resources *res;
	struct diag_list *dl;
	const struct sema_opts *o;
	bool report; /* second pass: report errors, build resources */
	VEC(struct var) vars;
	int first_target, ntargets; /* res->probes range of the current probe */
	bool special;               /* current probe includes begin/end */
	int loop_depth;
	int next_var_id;
	int in_for_map; /* inside a for ($kv : @map) body (a callback: no probe context) */
};

#define serr(s, loc, ...)                                                                                      \
	do {                                                                                                   \
		if ((s)->report)                                                                               \
			diag_error((s)->dl, loc, __VA_ARGS__);                                                 \
	} while (0)

static const char *tstr(struct sema *s, const struct type *t)
{
	struct strbuf sb = {0};
	type_str(t, &sb);
	char *r = arena_strdup(&s->res->arena, sb.s ? sb.s : "");
	sb_free(&sb);
	return r;
}

static struct type *t_i64(struct sema *s) { return type_int(s->tc, 8, true); }
static struct type *t_u64(struct sema *s) { return type_int(s->tc, 8, false); }

/* ---- probes ---------------------------------------------------------------------------------- */

static void expand_probes(struct sema *s, struct ast_node *prog)
{
	int pi = 0;
	for (struct ast_node *p = prog->program.items; p; p = p->next) {
		if (p->kind != AST_PROBE)
			continue;
		p->probe.index = pi;
		for (struct ast_node *a = p->probe.attach; a; a = a->next) {
			const struct probe_provider *prov = probe_provider_find(a->attach.provider);
			if (!prov) {
				diag_error(s->dl, &a->loc, "Invalid probe type: %s", a->attach.provider);
				diag_hint(s->dl, "known types: begin, end, tracepoint, interval, profile (run scry -h)");
				continue;
			}
			probe_target_vec tv = {0};
			const char *err = NULL;
			int rc = prov->expand(prov, a->attach.parts, a->attach.nparts, &s->res->arena, &tv, &err);
			if (rc) {
				diag_error(s->dl, &a->loc, "%s", err ? err : strerror(-rc));
				VEC_FREE(tv);
				continue;
			}
			for (size_t i = 0; i < tv.n; i++) {
				struct res_probe rp = {
					.prov = prov,
					.name = tv.v[i].name,
					.target = tv.v[i].target,
					.period = tv.v[i].period,
					.freq = tv.v[i].freq,
					.probe_index = pi,
					.loc = a->loc,
				};
				rp.prog = arena_printf(&s->res->arena, "p%d_%zu", pi, s->res->probes.n);
				rp.pid = prov->special == PS_NONE ? (s->o->target_pid ? s->o->target_pid : s->o->cpid) : 0;
				VEC_PUSH(s->res->probes, rp);
			}
			VEC_FREE(tv);
		}
		pi++;
	}
}

/* ---- variables and maps ---------------------------------------------------------------------- */

static struct var *var_find(struct sema *s, const char *name)
{
	for (size_t i = 0; i < s->vars.n; i++)
		if (!strcmp(s->vars.v[i].name, name))
			return &s->vars.v[i];
	return NULL;
}

static struct var *var_declare(struct sema *s, struct ast_node *v, struct type *t)
{
	struct var nv = {v->var.name, t, s->next_var_id++};
	VEC_PUSH(s->vars, nv);
	v->var.id = nv.id;
	v->type = t;
	return &s->vars.v[s->vars.n - 1];
}

static int map_find(struct sema *s, const char *name)
{
	for (size_t i = 0; i < s->res->maps.n; i++)
		if (!strcmp(s->res->maps.v[i].name, name))
			return (int)i;
	return -1;
}

static int map_get(struct sema *s, const char *name, const struct loc *loc)
{
	int id = map_find(s, name);
	if (id >= 0)
		return id;
	struct res_map m = {.name = arena_strdup(&s->res->arena, name), .loc = *loc};
	struct strbuf sb = {0};
	sb_puts(&sb, "AT_");
	for (const char *p = name + 1; *p; p++)
		sb_putc(&sb, isalnum((unsigned char)*p) ? *p : '_');
	m.sym = arena_strdup(&s->res->arena, sb.s);
	sb_free(&sb);
	m.max_entries = s->o->max_map_keys;
	VEC_PUSH(s->res->maps, m);
	return (int)s->res->maps.n - 1;
}

/* The storage type of a value kept in a map or an event: integers widen to 64 bits. */
static struct type *storage_type(struct sema *s, struct type *t)
{
	if (!t)
		return NULL;
	if (t->kind == T_INT)
		return type_int(s->tc, 8, t->is_signed);
	if (t->kind == T_ENUM && t->size != 8) { /* 64-bit storage, names kept for printing */
		struct type *e = type_new(s->tc, T_ENUM, 8);
		*e = *t;
		e->size = e->align = 8;
		return e;
	}
	if (t->kind == T_BOOL)
		return t; /* kept as bool so it prints true/false */
	return t;
}

static bool storable(const struct type *t)
{
	switch (t->kind) {
	case T_TUPLE:
	case T_RECORD:
		return t->nfields > 0; /* an empty tuple has no bytes to store */
	case T_INT:
	case T_BOOL:
	case T_STRING:
	case T_PROBE:
	case T_ENUM:
	case T_PTR:
	case T_KSTACK:
	case T_USTACK:
	case T_KSYM:
	case T_USYM:
	case T_USERNAME:
	case T_BUFFER:
	case T_INET:
	case T_MACADDR:
	case T_NAMED_INT:
	case T_TIMESTAMP:
	case T_CGROUP_PATH:
		return true;
	default:
		return false;
	}
}

/* Unify a stored type with a new value's type; returns the unified type or NULL on mismatch. */
static struct type *unify(struct sema *s, struct type *old, struct type *nw)
{
	if (!old)
		return nw;
	if (old->kind == T_INT && nw->kind == T_INT)
		return old;
	if (old->kind == T_PTR && nw->kind == T_PTR)
		return old;
	if (old->kind == T_STRING && nw->kind == T_STRING)
		return old->size >= nw->size ? old : nw;
	if (old->kind == T_TUPLE && nw->kind == T_TUPLE && old->nfields == nw->nfields) {
		struct type *el[64];
		if (old->nfields > 64)
			return NULL;
		for (uint32_t i = 0; i < old->nfields; i++) {
			el[i] = unify(s, old->fields[i].type, nw->fields[i].type);
			if (!el[i])
				return NULL;
		}
		return type_tuple(s->tc, el, old->nfields);
	}
	if (type_equal(old, nw))
		return old;
	return NULL;
}

/* ---- expressions ----------------------------------------------------------------------------- */

static struct type *check_expr(struct sema *s, struct ast_node *e);
static void check_stmts(struct sema *s, struct ast_node *list);

static bool is_const_int(const struct ast_node *e, int64_t *v)
{
	if (e->kind == AST_INT) {
		*v = (int64_t)e->num.value;
		return true;
	}
	if (e->kind == AST_UNOP && e->unop.op == OP_NEG && e->unop.e->kind == AST_INT) {
		*v = (int64_t)(0 - e->unop.e->num.value); /* wraps like the run-time negation */
		return true;
	}
	return false;
}

/* constant folding for static_assert: integers, sizeof/offsetof (folded by check) and operators */
static bool const_eval(const struct ast_node *e, int64_t *v)
{
	int64_t a, b;
	if (is_const_int(e, v))
		return true;
	if (e->kind == AST_UNOP && (e->unop.op == OP_LNOT || e->unop.op == OP_BNOT) && const_eval(e->unop.e, &a)) {
		*v = e->unop.op == OP_LNOT ? !a : ~a;
		return true;
	}
	if (e->kind != AST_BINOP || !const_eval(e->binop.l, &a) || !const_eval(e->binop.r, &b))
		return false;
	switch (e->binop.op) {
	case OP_ADD: *v = (int64_t)((uint64_t)a + (uint64_t)b); return true;
	case OP_SUB: *v = (int64_t)((uint64_t)a - (uint64_t)b); return true;
	case OP_MUL: *v = (int64_t)((uint64_t)a * (uint64_t)b); return true;
	case OP_DIV: if (!b) return false; *v = a / b; return true;
	case OP_MOD: if (!b) return false; *v = a % b; return true;
	case OP_BAND: *v = a & b; return true;
	case OP_BOR: *v = a | b; return true;
	case OP_BXOR: *v = a ^ b; return true;
	case OP_LAND: *v = a && b; return true;
	case OP_LOR: *v = a || b; return true;
	case OP_EQ: *v = a == b; return true;
	case OP_NE: *v = a != b; return true;
	case OP_LT: *v = a < b; return true;
	case OP_LE: *v = a <= b; return true;
	case OP_GT: *v = a > b; return true;
	case OP_GE: *v = a >= b; return true;
	default: return false;
	}
}

static bool want_int(struct sema *s, struct ast_node *e, struct type *t, const char *what)
{
	if (t->kind == T_NONE)
		return false;
	if (type_is_int(t))
		return true;
	serr(s, &e->loc, "%s expects an integer, got %s", what, tstr(s, t));
	return false;
}

/* Key type of a map access (NULL for a scalar map); NULL with *bad = true on error. */
static struct type *key_type(struct sema *s, struct ast_node *m, bool *bad)
{
	*bad = false;
	if (!m->map.keys)
		return NULL;
	struct type *el[64];
	int n = 0;
	for (struct ast_node *k = m->map.keys; k; k = k->next) {
		struct type *t = check_expr(s, k);
		if (t->kind == T_NONE) {
			*bad = true;
			continue;
		}
		if (!storable(t)) {
			serr(s, &k->loc, "%s cannot be used as a map key", tstr(s, t));
			*bad = true;
			continue;
		}
		if (n == 64) {
			serr(s, &k->loc, "too many map keys (at most 64)");
			*bad = true;
			break;
		}
		el[n++] = storage_type(s, t);
	}
	if (*bad)
		return NULL;
	return n == 1 ? el[0] : type_tuple(s->tc, el, (uint32_t)n);
}

static void map_set_key(struct sema *s, struct ast_node *m, int id)
{
	bool bad;
	struct type *kt = key_type(s, m, &bad);
	if (bad)
		return;
	struct res_map *rm = &s->res->maps.v[id];
	bool known = rm->key || rm->value;
	if (!known) {
		rm->key = kt;
		return;
	}
	if (!rm->key != !kt) {
		serr(s, &m->loc, "%s used with %s key", m->map.name, kt ? "a" : "no");
		if (s->report)
			diag_hint(s->dl, "a map is either scalar (@m) or keyed (@m[k]) everywhere");
		return;
	}
	if (!kt)
		return;
	struct type *u = unify(s, rm->key, kt);
	if (!u) {
		serr(s, &m->loc, "Argument mismatch for %s: trying to access with arguments: '%s' when map expects "
				 "arguments: '%s'",
		     m->map.name, tstr(s, kt), tstr(s, rm->key));
		return;
	}
	rm->key = u;
}

static struct type *check_map_read(struct sema *s, struct ast_node *e)
{
	int id = map_find(s, e->map.name);
	if (id < 0) {
		if (s->report) {
			serr(s, &e->loc, "Undefined map: %s", e->map.name);
			return s->tc->t_none;
		}
		/* first pass: maybe assigned later in the text */
		bool bad;
		(void)key_type(s, e, &bad);
		return s->tc->t_none;
	}
	e->map.res_id = id;
	map_set_key(s, e, id);
	struct type *v = s->res->maps.v[id].value;
	if (!v)
		return s->tc->t_none;
	switch (v->kind) {
	case T_COUNT:
		return t_u64(s); /* read as the sum over every CPU */
	case T_SUM:
	case T_MIN:
	case T_MAX:
	case T_AVG:
		return type_int(s->tc, 8, v->is_signed);
	case T_STATS:
	case T_HIST:
	case T_LHIST:
	case T_TSERIES:
		serr(s, &e->loc, "the value of a %s map (%s) cannot be read in the program", type_kind_name(v->kind),
		     e->map.name);
		if (s->report)
			diag_hint(s->dl, "print it with print(%s) instead", e->map.name);
		return s->tc->t_none;
	default:
		return v;
	}
}

/* fail("fmt", args...): the message is built at compile time, so arguments must be constant
 * integers or string literals. False when an argument is not constant or the format is odd. */
static bool fail_format(const char *fmt, const struct ast_node *arg, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = 0;
	for (const char *p = fmt; *p && o + 1 < cap; p++) {
		if (*p != '%') {
			out[o++] = *p;
			continue;
		}
		if (p[1] == '%') {
			out[o++] = '%';
			p++;
			continue;
		}
		const char *q = p + 1;
		while (*q && strchr("-+ #0123456789.hlzjt", *q))
			q++;
		if (!*q || !arg)
			return false;
		int w;
		int64_t v;
		if (*q == 's' && arg->kind == AST_STRING)
			w = snprintf(out + o, cap - o, "%s", arg->str.s);
		else if (strchr("diuxXc", *q) && is_const_int(arg, &v)) {
			char spec[32];
			size_t k = 0;
			for (const char *c = p; c < q && k < sizeof spec - 4; c++)
				if (!strchr("hlzjt", *c))
					spec[k++] = *c;
			if (*q != 'c') {
				spec[k++] = 'l';
				spec[k++] = 'l';
			}
			spec[k++] = *q;
			spec[k] = 0;
			if (*q == 'c')
				w = snprintf(out + o, cap - o, spec, (int)v);
			else
				w = snprintf(out + o, cap - o, spec, (long long)v);
		} else
			return false;
		if (w < 0)
			return false;
		o += (size_t)w < cap - o ? (size_t)w : cap - o - 1;
		arg = arg->next;
		p = q;
	}
	out[o] = 0;
	return arg == NULL;
}

static struct type *check_call(struct sema *s, struct ast_node *e);
static void check_stmt(struct sema *s, struct ast_node *st);

/* Address of a kernel symbol from /proc/kallsyms (compile time), or 0. */
static uint64_t kallsyms_addr(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	if (!f)
		return 0;
	char line[512];
	uint64_t addr = 0;
	size_t n = strlen(name);
	while (fgets(line, sizeof(line), f)) {
		char *sym = strchr(line, ' ');
		sym = sym ? strchr(sym + 1, ' ') : NULL;
		if (!sym || strncmp(sym + 1, name, n) || (sym[1 + n] != '\n' && sym[1 + n] != '\t'))
			continue;
		addr = strtoull(line, NULL, 16);
		break;
	}
	fclose(f);
	return addr;
}

/* "SIGUSR1", "USR1", "9" -> the signal number, or 0. */
static int signal_number(const char *name)
{
	static const char *const names[] = {NULL,    "HUP",  "INT",  "QUIT", "ILL",    "TRAP", "ABRT", "BUS",
					    "FPE",   "KILL", "USR1", "SEGV", "USR2",   "PIPE", "ALRM", "TERM",
					    "STKFLT", "CHLD", "CONT", "STOP", "TSTP",   "TTIN", "TTOU", "URG",
					    "XCPU",  "XFSZ", "VTALRM", "PROF", "WINCH", "IO",   "PWR",  "SYS"};
	if (!strncmp(name, "SIG", 3))
		name += 3;
	for (int i = 1; i < (int)ARRAY_SIZE(names); i++)
		if (!strcmp(names[i], name))
			return i;
	char *end;
	long v = strtol(name, &end, 10);
	return *name && !*end && v > 0 && v <= 64 ? (int)v : 0;
}

/* reg() and usermode read pt_regs: every target of the probe must have them. */
static bool regs_everywhere(struct sema *s, struct ast_node *e, const char *what)
{
	for (int i = 0; i < s->ntargets; i++) {
		const struct res_probe *rp = &s->res->probes.v[s->first_target + i];
		if (!probe_ctx_has_regs(rp->prov) || s->in_for_map) {
			serr(s, &e->loc, "%s is not available in %s probes", what,
			     s->in_for_map ? "for-loop bodies of" : rp->prov->name);
			return false;
		}
	}
	return true;
}

/* kstack / ustack with optional (mode, limit) arguments: kstack(perf), kstack(10),
 * kstack(raw, 5). */
static struct type *stack_type(struct sema *s, struct ast_node *e, enum type_kind k)
{
	static const char *const modes[] = {"bpftrace", "perf", "raw", "build_id"};
	int mode = s->o->stack_mode;
	int64_t limit = 127;
	if (e->kind == AST_CALL) {
		for (struct ast_node *a = e->call.args; a; a = a->next) {
			int64_t v;
			if (a == e->call.args && a->kind == AST_IDENT) {
				size_t i;
				for (i = 0; i < ARRAY_SIZE(modes); i++)
					if (!strcmp(a->ident.name, modes[i]))
						break;
				if (i == ARRAY_SIZE(modes) || (i == STACK_BUILD_ID && k == T_KSTACK)) {
					serr(s, &a->loc, "unknown stack mode '%s' (expected bpftrace, perf, raw%s)", a->ident.name,
					     k == T_USTACK ? " or build_id" : "");
					return s->tc->t_none;
				}
				mode = (int)i;
			} else if (check_expr(s, a), is_const_int(a, &v)) {
				if (v < 1 || v > 1024) {
					serr(s, &a->loc, "stack limit must be from 1 to 1024");
					return s->tc->t_none;
				}
				limit = v;
			} else {
				serr(s, &a->loc, "%s() takes a mode (bpftrace, perf, raw) and/or a limit literal",
				     k == T_KSTACK ? "kstack" : "ustack");
				return s->tc->t_none;
			}
		}
	}
	for (int i = 0; i < s->ntargets; i++) {
		const struct res_probe *rp = &s->res->probes.v[s->first_target + i];
		if (rp->prov->special != PS_NONE) {
			serr(s, &e->loc, "%s is not available in %s probes (they have no stack to sample)",
			     k == T_KSTACK ? "kstack" : "ustack", rp->prov->name);
			return s->tc->t_none;
		}
	}
	struct type *t = type_new(s->tc, k, (uint32_t)(16 + 8 * limit));
	t->nelem = (uint32_t)limit;
	t->stack_mode = (enum stack_mode)mode;
	return t;
}

static int last_arg(const struct probe_provider *p)
{
	int n = 0;
	while (p->ctx_offset(PCTX_ARG, n + 1) >= 0 && n < 1000)
		n++;
	return n;
}

static struct type *builtin_var(struct sema *s, struct ast_node *e, enum builtin_id id)
{
	if (s->in_for_map && (id == BI_ARGS || id == BI_ARGN || id == BI_RETVAL || id == BI_KSTACK ||
			      id == BI_USTACK)) {
		serr(s, &e->loc, "%s is not available inside a for loop over a map", builtin_info(id)->name);
		return s->tc->t_none;
	}
	switch (id) {
	case BI_PID:
	case BI_TID:
	case BI_UID:
	case BI_GID:
		return type_int(s->tc, 4, false);
	case BI_NSECS:
	case BI_ELAPSED:
		return t_u64(s);
	case BI_CPU:
		return type_int(s->tc, 4, false);
	case BI_COMM:
		return type_string(s->tc, 16);
	case BI_KSTACK:
	case BI_USTACK:
		return stack_type(s, e, id == BI_KSTACK ? T_KSTACK : T_USTACK);
	case BI_USERNAME:
		return type_new(s->tc, T_USERNAME, 8);
	case BI_PROBETYPE: {
		/* the provider's name ("special" for begin/end), a constant per probe */
		const struct res_probe *rp = &s->res->probes.v[s->first_target];
		for (int i = 1; i < s->ntargets; i++)
			if (s->res->probes.v[s->first_target + i].prov != rp->prov) {
				serr(s, &e->loc, "probetype differs between the attach points of this probe");
				return s->tc->t_none;
			}
		const char *name = rp->prov->special != PS_NONE ? "special" : rp->prov->name;
		e->kind = AST_STRING;
		e->str.s = name;
		e->str.len = strlen(name);
		return check_expr(s, e);
	}
	case BI_FUNC: {
		/* the traced function: kprobe/fentry (kernel) or uprobe (user), via bpf_get_func_ip */
		bool user = false, kernel = false;
		for (int i = 0; i < s->ntargets; i++) {
			const struct probe_provider *p = s->res->probes.v[s->first_target + i].prov;
			bool u = !strcmp(p->name, "uprobe") || !strcmp(p->name, "uretprobe");
			/* kprobe/fentry: bpf_get_func_ip works there too, but on Debian's 6.1 kernel (our
			 * second-kernel lane) a script using it never delivered its output: not enabled
			 * until that is understood */
			bool k = false;
			if ((!u && !k) || s->in_for_map) {
				serr(s, &e->loc, "func is not available in %s probes", s->in_for_map ? "for-loop bodies of" : p->name);
				return s->tc->t_none;
			}
			user |= u;
			kernel |= k;
		}
		if (user && kernel) {
			serr(s, &e->loc, "func cannot mix kernel and user probes in one action");
			return s->tc->t_none;
		}
		return user ? type_new(s->tc, T_USYM, 16) : type_new(s->tc, T_KSYM, 8);
	}
	case BI_USERMODE:
		if (!regs_everywhere(s, e, "usermode"))
			return s->tc->t_none;
		return s->tc->t_bool;
	case BI_RAND:
	case BI_NUMAID:
		return type_int(s->tc, 4, false);
	case BI_JIFFIES:
	case BI_CGROUP:
		return t_u64(s);
	case BI_CPID:
		if (!s->o->cpid) {
			serr(s, &e->loc, "cpid is only available when a command is run with -c");
			return s->tc->t_none;
		}
		e->kind = AST_INT;
		e->num.value = (uint64_t)s->o->cpid;
		e->num.is_unsigned = false;
		return type_int(s->tc, 4, false);
	case BI_NCPUS: {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		e->kind = AST_INT; /* a constant of the machine scry runs on */
		e->num.value = (uint64_t)(n > 0 ? n : 1);
		e->num.is_unsigned = false;
		return t_i64(s);
	}
	case BI_HAS_CPID:
		e->kind = AST_INT; /* whether a command was started with -c */
		e->num.value = s->o->cpid ? 1 : 0;
		e->num.is_unsigned = false;
		return s->tc->t_bool;
	case BI_PPID:
	case BI_PCOMM:
	case BI_LEADER_TID:
	case BI_LEADER_COMM: {
		/* curtask->real_parent->tgid / ->comm, curtask->group_leader->pid / ->comm */
		bool leader = id == BI_LEADER_TID || id == BI_LEADER_COMM;
		struct ast_node *task = e->kind == AST_CALL ? e->call.args : NULL; /* pcomm(task) */
		if (!task) {
			task = ast_new(&s->res->arena, AST_IDENT, &e->loc);
			task->ident.name = "curtask";
		} else {
			struct type *tt = check_expr(s, task);
			if (tt->kind == T_NONE)
				return tt;
			if (tt->kind != T_PTR || !tt->elem || tt->elem->kind != T_STRUCT || !tt->elem->name ||
			    strcmp(tt->elem->name, "task_struct")) {
				serr(s, &task->loc, "%s() expects a struct task_struct *, not %s", builtin_info(id)->name,
				     tstr(s, tt));
				return s->tc->t_none;
			}
		}
		struct ast_node *parent = ast_new(&s->res->arena, AST_FIELD, &e->loc);
		parent->field.e = task;
		parent->field.name = leader ? "group_leader" : "real_parent";
		parent->field.arrow = true;
		e->kind = AST_FIELD;
		e->field.e = parent;
		e->field.name = id == BI_PPID ? "tgid" : id == BI_LEADER_TID ? "pid" : "comm";
		e->field.arrow = true;
		return check_expr(s, e);
	}
	case BI_CURTASK: {
		const char *err = NULL;
		struct type *task = ktype_lookup(s->tc, "struct task_struct", &err);
		if (!task) {
			serr(s, &e->loc, "curtask needs the kernel's BTF: %s", err);
			return s->tc->t_none;
		}
		return type_ptr(s->tc, task, AS_KERNEL);
	}
	case BI_PROBE:
		return s->tc->t_probe;
	case BI_ARGN:
	case BI_RETVAL: {
		enum probe_ctx_value what = id == BI_ARGN ? PCTX_ARG : PCTX_RETVAL;
		int n = id == BI_ARGN ? builtin_argn(e->ident.name) : 0;
		for (int i = 0; i < s->ntargets; i++) {
			const struct res_probe *rp = &s->res->probes.v[s->first_target + i];
			if (rp->prov->arg_loc) {
				struct probe_arg_loc loc;
				int rc = rp->prov->arg_loc(rp, id == BI_ARGN ? n : -1, &loc);
				if (rc == -EOPNOTSUPP) {
					serr(s, &e->loc, "%s of %s cannot be read: its operand is not supported (indexed "
							 "memory or floating point; see readelf -n)",
					     e->ident.name, rp->name);
					return s->tc->t_none;
				}
				if (rc) {
					if (id == BI_RETVAL)
						serr(s, &e->loc, "retval is not available in %s", rp->name);
					else
						serr(s, &e->loc, "%s does not exist in %s", e->ident.name, rp->name);
					return s->tc->t_none;
				}
				continue;
			}
			if (!rp->prov->ctx_offset || rp->prov->ctx_offset(what, n) < 0) {
				if (id == BI_RETVAL)
					serr(s, &e->loc, "retval is not available in %s probes", rp->prov->name);
				else if (rp->prov->ctx_offset && rp->prov->ctx_offset(PCTX_ARG, 0) >= 0)
					serr(s, &e->loc, "%s is out of range: %s probes have register arguments arg0 to "
							 "arg%d",
					     e->ident.name, rp->prov->name, last_arg(rp->prov));
				else
					serr(s, &e->loc, "%s is not available in %s probes", e->ident.name, rp->prov->name);
				return s->tc->t_none;
			}
		}
		return t_u64(s);
	}
	case BI_CTX:
		/* bpftrace's ctx: the iterator context (`ctx.task`), which is what args is there */
		for (int i = 0; i < s->ntargets; i++)
			if (!s->res->probes.v[s->first_target + i].prov->run) {
				serr(s, &e->loc, "ctx is only available in iter probes here (use args)");
				return s->tc->t_none;
			}
		__attribute__((fallthrough));
	case BI_ARGS: {
		struct type *first = NULL;
		for (int i = 0; i < s->ntargets; i++) {
			struct res_probe *rp = &s->res->probes.v[s->first_target + i];
			if (!rp->prov->has_args || !rp->prov->args_type) {
				serr(s, &e->loc, "args is not available in %s probes", rp->prov->name);
				return s->tc->t_none;
			}
			if (!rp->args) {
				const char *err = NULL;
				rp->args = rp->prov->args_type(s->tc, rp->target, &err, &s->res->arena);
				if (!rp->args) {
					serr(s, &e->loc, "cannot read the arguments of %s: %s", rp->name,
					     err ? err : "unknown error");
					return s->tc->t_none;
				}
			}
			if (!first)
				first = rp->args;
		}
		return first ? first : s->tc->t_none;
	}
	default:
		serr(s, &e->loc, "builtin '%s' is not supported yet", builtin_info(id)->name);
		return s->tc->t_none;
	}
}

static struct type *check_ident(struct sema *s, struct ast_node *e)
{
	enum builtin_id id = builtin_lookup(e->ident.name);
	e->ident.id = id;
	int64_t cval;
	if (id == BI_NONE && s->o->cdecl && cdecl_constant(s->o->cdecl, e->ident.name, &cval)) {
		e->kind = AST_INT; /* a #define or enum constant of the C preamble */
		e->num.value = (uint64_t)cval;
		e->num.is_unsigned = false;
		return t_i64(s);
	}
	if (id == BI_NONE) {
		serr(s, &e->loc, "Unknown identifier: '%s'", e->ident.name);
		return s->tc->t_none;
	}
	const struct builtin_info *bi = builtin_info(id);
	if (bi->kind != BK_VAR) {
		serr(s, &e->loc, "%s is a function: call it as %s(...)", bi->name, bi->name);
		return s->tc->t_none;
	}
	return builtin_var(s, e, id);
}

static struct type *field_of(struct sema *s, struct ast_node *e, struct type *st)
{
	for (uint32_t i = 0; i < st->nfields; i++)
		if (!strcmp(st->fields[i].name, e->field.name))
			return st->fields[i].type;
	return NULL;
}

/* A named type: the program's C preamble first, then the kernel's BTF. */
static struct type *named_type(struct sema *s, const char *name, const char **err)
{
	struct type *t = s->o->cdecl ? cdecl_type(s->o->cdecl, name) : NULL;
	return t ? t : ktype_lookup(s->tc, name, err);
}

/* Make sure a struct type has its fields: BTF structs are filled in on first use, and opaque
 * structs known only by name (e.g. `struct sock *` in a tracepoint format) are looked up in BTF.
 * Returns the type to use. */
static struct type *struct_fields(struct sema *s, struct type *t)
{
	if (t->btf_id) {
		ktype_load_fields(s->tc, t);
		return t;
	}
	if (!t->nfields && !t->fields_loaded && t->name) {
		char name[256];
		const char *err = NULL;
		snprintf(name, sizeof(name), "%s %s", t->is_union ? "union" : "struct", t->name);
		struct type *k = named_type(s, name, &err);
		if (k && k->kind == T_STRUCT) {
			ktype_load_fields(s->tc, k);
			return k;
		}
	}
	return t;
}

static struct type *check_field(struct sema *s, struct ast_node *e)
{
	struct type *t = check_expr(s, e->field.e);
	if (t->kind == T_NONE)
		return t;
	if (t->kind == T_PTR && t->elem && t->elem->kind == T_STRUCT) {
		struct type *st = struct_fields(s, t->elem);
		if (st != t->elem) /* resolved by name: the pointer now points to the full type */
			e->field.e->type = t = type_ptr(s->tc, st, t->as);
		t = st;
	} else if (t->kind == T_STRUCT) {
		t = struct_fields(s, t);
	}
	if (t->kind == T_TUPLE || t->kind == T_RECORD) {
		struct type *ft = field_of(s, e, t);
		if (!ft)
			serr(s, &e->loc, "%s has no field %s%s", tstr(s, t), t->kind == T_TUPLE ? "number " : "",
			     e->field.name);
		return ft ? ft : s->tc->t_none;
	}
	if (t->kind != T_STRUCT) {
		serr(s, &e->loc, "Can not access field '%s' on type '%s'", e->field.name, tstr(s, t));
		return s->tc->t_none;
	}
	struct type *ft = field_of(s, e, t);
	if (!ft) {
		serr(s, &e->loc, "Struct/union of type '%s' does not contain a field named '%s'", tstr(s, t),
		     e->field.name);
		return s->tc->t_none;
	}
	/* `args` of a wildcard probe: the field must exist with the same type in every target */
	if (e->field.e->kind == AST_IDENT && e->field.e->ident.id == BI_ARGS) {
		for (int i = 1; i < s->ntargets; i++) {
			struct res_probe *rp = &s->res->probes.v[s->first_target + i];
			struct type *other = rp->args ? field_of(s, e, rp->args) : NULL;
			if (!other) {
				serr(s, &e->loc, "%s has no field named '%s'", rp->name, e->field.name);
				return s->tc->t_none;
			}
			if (!type_equal(other, ft) && !(other->kind == T_INT && ft->kind == T_INT)) {
				serr(s, &e->loc, "args.%s has type %s in %s but %s in %s", e->field.name, tstr(s, ft),
				     s->res->probes.v[s->first_target].name, tstr(s, other), rp->name);
				return s->tc->t_none;
			}
		}
	}
	return ft;
}

static struct type *check_binop(struct sema *s, struct ast_node *e)
{
	struct type *l = check_expr(s, e->binop.l), *r = check_expr(s, e->binop.r);
	if (l->kind == T_NONE || r->kind == T_NONE)
		return s->tc->t_none;
	enum ast_op op = e->binop.op;
	bool cmp = op == OP_EQ || op == OP_NE || op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE;
	if ((l->kind == T_STRING || r->kind == T_STRING) && (op == OP_EQ || op == OP_NE)) {
		if (l->kind != r->kind) {
			serr(s, &e->loc, "Type mismatch for '%s': comparing '%s' with '%s'", ast_op_str(op),
			     tstr(s, l), tstr(s, r));
			return s->tc->t_none;
		}
		return s->tc->t_bool;
	}
	bool lp = l->kind == T_PTR, rp = r->kind == T_PTR;
	if ((!type_is_int(l) && !lp) || (!type_is_int(r) && !rp)) {
		serr(s, &e->loc, "The '%s' operator can not be used on expressions of types %s, %s", ast_op_str(op),
		     tstr(s, l), tstr(s, r));
		return s->tc->t_none;
	}
	if (cmp || op == OP_LAND || op == OP_LOR)
		return s->tc->t_bool;
	if (lp || rp) {
		/* C pointer arithmetic: p + n and p - n move by n elements; p - q counts elements */
		if (op == OP_SUB && lp && rp)
			return t_i64(s);
		if ((op == OP_ADD && lp != rp) || (op == OP_SUB && lp && !rp)) {
			struct type *pt = lp ? l : r;
			if (pt->elem && pt->elem->kind == T_STRUCT)
				struct_fields(s, pt->elem);
			return pt;
		}
		serr(s, &e->loc, "The '%s' operator can not be used on pointers", ast_op_str(op));
		return s->tc->t_none;
	}
	bool sg = (l->kind == T_INT ? l->is_signed : true) || (r->kind == T_INT ? r->is_signed : true);
	if (l->kind == T_INT && r->kind == T_INT && !l->is_signed && !r->is_signed)
		sg = false;
	if (op == OP_SUB)
		sg = true; /* bpftrace: subtraction yields a signed result */
	return type_int(s->tc, 8, sg);
}

/* A written type: integer names, bool, string / string[N]. NULL after a located error. */
static struct type *type_from_ast2(struct sema *s, struct ast_node *ty, bool value_ok);
static struct type *type_from_ast(struct sema *s, struct ast_node *ty) { return type_from_ast2(s, ty, false); }

/* value_ok: a struct by value is acceptable (sizeof, offsetof). */
static struct type *type_from_ast2(struct sema *s, struct ast_node *ty, bool value_ok)
{
	static const struct {
		const char *n;
		uint32_t size;
		bool sg;
	} ints[] = {{"int8", 1, 1},  {"int16", 2, 1},  {"int32", 4, 1},  {"int64", 8, 1},
		    {"uint8", 1, 0}, {"uint16", 2, 0}, {"uint32", 4, 0}, {"uint64", 8, 0}};
	if (ty->typ.ptr_depth == 0) {
		if (ty->typ.array_len < 0) {
			for (size_t i = 0; i < ARRAY_SIZE(ints); i++)
				if (!strcmp(ty->typ.name, ints[i].n))
					return type_int(s->tc, ints[i].size, ints[i].sg);
			if (!strcmp(ty->typ.name, "bool"))
				return s->tc->t_bool;
		}
		if (!strcmp(ty->typ.name, "string")) {
			if (ty->typ.array_len == 0) {
				serr(s, &ty->loc, "string[0] has no room for any character");
				return NULL;
			}
			return type_string(s->tc, ty->typ.array_len > 0 ? (uint32_t)ty->typ.array_len : s->o->max_strlen);
		}
	}
	/* pointers to base types, kernel types (struct/union/enum and typedefs) from BTF */
	struct type *base = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(ints) && !base; i++)
		if (!strcmp(ty->typ.name, ints[i].n))
			base = type_int(s->tc, ints[i].size, ints[i].sg);
	if (!base && !strcmp(ty->typ.name, "void"))
		base = s->tc->t_void;
	const char *err = NULL;
	if (!base)
		base = named_type(s, ty->typ.name, &err);
	if (!base) {
		serr(s, &ty->loc, "Unknown type: '%s' (%s)", ty->typ.name, err ? err : "not found");
		return NULL;
	}
	if (ty->typ.ptr_depth == 0 && !value_ok && (base->kind == T_STRUCT || base->kind == T_VOID)) {
		serr(s, &ty->loc, "a %s value cannot be used here; use a pointer: (%s *)", ty->typ.name, ty->typ.name);
		return NULL;
	}
	for (int i = 0; i < ty->typ.ptr_depth; i++)
		base = type_ptr(s->tc, base, AS_KERNEL);
	if (ty->typ.array_len >= 0) {
		serr(s, &ty->loc, "array types are not supported yet");
		return NULL;
	}
	return base;
}

/* sizeof(type or expression) and offsetof(type, a.b.c): folded to an integer literal; the
 * expression is not evaluated. */
static struct type *check_sizeof(struct sema *s, struct ast_node *e)
{
	struct ast_node *arg = e->sizeof_.arg;
	struct type *t = NULL;
	if (arg->kind == AST_TYPE) {
		t = type_from_ast2(s, arg, true);
	} else if (arg->kind == AST_IDENT && builtin_lookup(arg->ident.name) == BI_NONE) {
		const char *err = NULL;
		t = named_type(s, arg->ident.name, &err);
		if (!t)
			serr(s, &arg->loc, "Unknown type: '%s' (%s)", arg->ident.name, err);
	} else {
		t = check_expr(s, arg);
		if (t->kind == T_NONE)
			t = NULL;
	}
	if (!t)
		return e->type = s->tc->t_none;
	uint64_t v = t->size;
	if (e->kind == AST_OFFSETOF) {
		v = 0;
		char path[256];
		snprintf(path, sizeof(path), "%s", e->sizeof_.field ? e->sizeof_.field : "");
		for (char *f = path, *save = NULL; (f = strtok_r(f, ".", &save)); f = NULL) {
			if (t->kind == T_STRUCT)
				t = struct_fields(s, t);
			const struct type_field *fld = NULL;
			for (uint32_t i = 0; (t->kind == T_STRUCT || t->kind == T_RECORD || t->kind == T_TUPLE) &&
					     i < t->nfields; i++)
				if (!strcmp(t->fields[i].name, f))
					fld = &t->fields[i];
			if (!fld) {
				serr(s, &e->loc, "'%s' has no field named '%s'", tstr(s, t), f);
				return e->type = s->tc->t_none;
			}
			v += fld->offset;
			t = fld->type;
		}
	} else if (t->kind == T_STRUCT && t->btf_id) {
		v = t->size;
	}
	e->kind = AST_INT;
	e->num.value = v;
	e->num.is_unsigned = true;
	return e->type = type_int(s->tc, 8, false);
}

/* (a, b) and (name = a, ...): element types widened as stored, laid out like a C struct. */
static struct type *check_tuple(struct sema *s, struct ast_node *e)
{
	struct type *el[64];
	uint32_t n = 0;
	bool ok = true;
	for (struct ast_node *x = e->tuple.elems; x; x = x->next) {
		struct ast_node *v = e->kind == AST_RECORD ? x->config_item.value : x;
		struct type *t = check_expr(s, v);
		if (t->kind == T_NONE) {
			ok = false;
			continue;
		}
		if (!storable(t)) {
			serr(s, &v->loc, "a value of type %s cannot be part of a %s", tstr(s, t),
			     e->kind == AST_RECORD ? "record" : "tuple");
			ok = false;
			continue;
		}
		if (n == 64) {
			serr(s, &e->loc, "too many elements (at most 64)");
			return s->tc->t_none;
		}
		el[n++] = storage_type(s, t);
	}
	if (!ok)
		return s->tc->t_none;
	struct type *t = type_tuple(s->tc, el, n);
	if (e->kind == AST_RECORD) {
		t->kind = T_RECORD;
		uint32_t i = 0;
		for (struct ast_node *x = e->tuple.elems; x; x = x->next, i++) {
			for (uint32_t j = 0; j < i; j++)
				if (!strcmp(t->fields[j].name, x->config_item.key)) {
					serr(s, &x->loc, "duplicate field '%s' in record", x->config_item.key);
					return s->tc->t_none;
				}
			t->fields[i].name = x->config_item.key;
		}
	}
	return t;
}

/* t[i]: tuple element by a constant index (strings and arrays come later). */
static struct type *check_index(struct sema *s, struct ast_node *e)
{
	struct type *t = check_expr(s, e->index.e);
	check_expr(s, e->index.index);
	if (t->kind == T_NONE)
		return t;
	int64_t i;
	if (t->kind == T_PTR || t->kind == T_ARRAY || t->kind == T_STRING) {
		struct type *it = e->index.index->type;
		if (it && it->kind != T_NONE && !type_is_int(it)) {
			serr(s, &e->index.index->loc, "an index must be an integer, not %s", tstr(s, it));
			return s->tc->t_none;
		}
		struct type *el = t->kind == T_STRING ? type_int(s->tc, 1, true) : t->elem;
		if (!el || el->kind == T_VOID || el->size == 0) {
			serr(s, &e->loc, "cannot index a pointer to %s", el ? tstr(s, el) : "void");
			return s->tc->t_none;
		}
		uint32_t n = t->kind == T_STRING ? t->size : t->nelem;
		if (t->kind != T_PTR && is_const_int(e->index.index, &i) && (i < 0 || (uint64_t)i >= n)) {
			serr(s, &e->index.index->loc, "index %lld is out of range for %s", (long long)i, tstr(s, t));
			return s->tc->t_none;
		}
		if (el->kind == T_STRUCT)
			el = struct_fields(s, el);
		return el;
	}
	if (t->kind != T_TUPLE) {
		serr(s, &e->loc, "indexing a value of type %s is not supported yet", tstr(s, t));
		return s->tc->t_none;
	}
	if (!is_const_int(e->index.index, &i)) {
		serr(s, &e->index.index->loc, "a tuple index must be an integer literal");
		return s->tc->t_none;
	}
	if (i < 0 || (uint64_t)i >= t->nfields) {
		serr(s, &e->index.index->loc, "index %lld is out of range for %s", (long long)i, tstr(s, t));
		return s->tc->t_none;
	}
	return t->fields[i].type;
}

static struct type *check_expr_inner(struct sema *s, struct ast_node *e);

/* Expressions nest at most this deep (a + b + ... is a left-leaning tree): beyond it the
 * recursive passes (this one and codegen) would overflow the stack. */
#define MAX_EXPR_DEPTH 1000

static struct type *check_expr(struct sema *s, struct ast_node *e)
{
	static _Thread_local int depth;
	if (depth >= MAX_EXPR_DEPTH) {
		serr(s, &e->loc, "expression nested too deeply (more than %d levels)", MAX_EXPR_DEPTH);
		return e->type = s->tc->t_none;
	}
	depth++;
	struct type *t = check_expr_inner(s, e);
	depth--;
	return t;
}

static struct type *check_expr_inner(struct sema *s, struct ast_node *e)
{
	struct type *t = s->tc->t_none;
	switch (e->kind) {
	case AST_INT:
		t = e->num.is_unsigned ? t_u64(s) : t_i64(s);
		break;
	case AST_STRING:
		t = type_string(s->tc, (uint32_t)e->str.len + 1);
		t->is_literal_str = true;
		break;
	case AST_BOOL:
		t = s->tc->t_bool;
		break;
	case AST_POSITIONAL: {
		int n = e->positional.n;
		const char *v = n >= 1 && n <= s->o->nparams ? s->o->params[n - 1] : NULL;
		char *end = NULL;
		errno = 0;
		long long iv = v && *v ? strtoll(v, &end, 0) : 0;
		if (!v) {
			e->kind = AST_INT; /* unset positional parameter: 0 */
			e->num.value = 0;
			e->num.is_unsigned = false;
		} else if (*v && end && !*end && !errno) {
			e->kind = AST_INT;
			e->num.value = (uint64_t)iv;
			e->num.is_unsigned = false;
		} else {
			e->kind = AST_STRING;
			e->str.s = arena_strdup(&s->res->arena, v);
			e->str.len = strlen(v);
		}
		return check_expr(s, e);
	}
	case AST_POSITIONAL_COUNT:
		e->kind = AST_INT;
		e->num.value = (uint64_t)s->o->nparams;
		e->num.is_unsigned = false;
		return check_expr(s, e);
	case AST_IDENT:
		t = check_ident(s, e);
		break;
	case AST_VAR: {
		struct var *v = var_find(s, e->var.name);
		if (!v) {
			serr(s, &e->loc, "Undefined or undeclared variable: %s", e->var.name);
			break;
		}
		e->var.id = v->id;
		t = v->type;
		break;
	}
	case AST_TUPLE:
	case AST_RECORD:
		t = check_tuple(s, e);
		break;
	case AST_INDEX:
		t = check_index(s, e);
		break;
	case AST_MAP:
		t = check_map_read(s, e);
		break;
	case AST_CALL:
		t = check_call(s, e);
		break;
	case AST_BINOP:
		t = check_binop(s, e);
		break;
	case AST_UNOP: {
		struct type *a = check_expr(s, e->unop.e);
		if (a->kind == T_NONE)
			break;
		if (e->unop.op == OP_LNOT) {
			if (type_is_int(a) || a->kind == T_PTR)
				t = s->tc->t_bool;
			else
				serr(s, &e->loc, "The '!' operator can not be used on type %s", tstr(s, a));
		} else if (e->unop.op == OP_NEG || e->unop.op == OP_BNOT) {
			if (want_int(s, e->unop.e, a, e->unop.op == OP_NEG ? "'-'" : "'~'"))
				t = e->unop.op == OP_NEG ? t_i64(s) : type_int(s->tc, 8, a->is_signed);
		} else if (e->unop.op == OP_DEREF) {
			if (a->kind != T_PTR || !a->elem || a->elem->kind == T_VOID) {
				serr(s, &e->loc, "Can not dereference type '%s'", tstr(s, a));
			} else if (a->elem->kind == T_STRUCT) {
				t = struct_fields(s, a->elem);
			} else if (type_is_int(a->elem) || a->elem->kind == T_PTR) {
				t = a->elem;
			} else {
				serr(s, &e->loc, "dereferencing a pointer to %s is not supported yet", tstr(s, a->elem));
			}
		} else {
			serr(s, &e->loc, "the unary '%s' operator is not supported yet", ast_op_str(e->unop.op));
		}
		break;
	}
	case AST_INCDEC: {
		struct ast_node *x = e->unop.e;
		if (x->kind == AST_VAR) {
			struct var *v = var_find(s, x->var.name);
			if (!v) {
				serr(s, &x->loc, "Undefined or undeclared variable: %s", x->var.name);
				break;
			}
			x->type = v->type;
			x->var.id = v->id;
			if (want_int(s, x, v->type, ast_op_str(e->unop.op)))
				t = v->type;
		} else if (x->kind == AST_MAP) {
			int id = map_get(s, x->map.name, &x->loc);
			x->map.res_id = id;
			map_set_key(s, x, id);
			struct res_map *rm = &s->res->maps.v[id];
			if (!rm->value)
				rm->value = t_i64(s);
			x->type = rm->value;
			if (want_int(s, x, rm->value, ast_op_str(e->unop.op)))
				t = rm->value;
		} else {
			serr(s, &e->loc, "%s can only be applied to a variable or a map", ast_op_str(e->unop.op));
		}
		break;
	}
	case AST_TERNARY: {
		struct type *c = check_expr(s, e->ternary.cond);
		struct type *a = e->ternary.then ? check_expr(s, e->ternary.then) : c;
		struct type *b = check_expr(s, e->ternary.els);
		if (c->kind == T_NONE || a->kind == T_NONE || b->kind == T_NONE)
			break;
		if (!type_is_int(c) && c->kind != T_PTR) {
			serr(s, &e->ternary.cond->loc, "Invalid condition type: %s", tstr(s, c));
			break;
		}
		if (type_is_int(a) && type_is_int(b))
			t = type_int(s->tc, 8, a->is_signed || b->is_signed || a->kind == T_BOOL);
		else if (a->kind == T_STRING && b->kind == T_STRING)
			t = type_string(s->tc, a->size > b->size ? a->size : b->size);
		else if (type_equal(a, b))
			t = a;
		else
			serr(s, &e->loc, "Ternary operator must return the same type: have '%s' and '%s'", tstr(s, a),
			     tstr(s, b));
		break;
	}
	case AST_FIELD:
		t = check_field(s, e);
		break;
	case AST_SIZEOF:
	case AST_OFFSETOF:
		return check_sizeof(s, e);
	case AST_BLOCK: {
		/* a block expression (an expanded macro): its value is its last expression statement */
		size_t mark = s->vars.n;
		t = s->tc->t_void;
		for (struct ast_node *st = e->block.stmts; st; st = st->next) {
			if (!st->next && st->kind == AST_EXPR_STMT) {
				struct ast_node *x = st->expr_stmt.expr;
				t = x->kind == AST_CALL ? (x->type = check_call(s, x)) : check_expr(s, x);
			} else {
				check_stmt(s, st);
			}
		}
		s->vars.n = mark;
		break;
	}
	case AST_CAST: {
		struct type *a = check_expr(s, e->cast.e);
		if (a->kind == T_NONE)
			break;
		struct type *to = type_from_ast(s, e->cast.to);
		if (!to)
			break;
		if (to->kind != T_INT && to->kind != T_PTR && to->kind != T_ENUM) {
			serr(s, &e->cast.to->loc, "casts to %s are not supported yet", tstr(s, to));
			break;
		}
		if (!type_is_int(a) && a->kind != T_PTR) {
			serr(s, &e->loc, "Cannot cast from \"%s\" to \"%s\"", tstr(s, a), tstr(s, to));
			break;
		}
		t = to;
		break;
	}
	default:
		serr(s, &e->loc, "%s expressions are not supported yet", ast_kind_name(e->kind));
		break;
	}
	e->type = t;
	return t;
}

/* ---- calls ----------------------------------------------------------------------------------- */

static struct ast_node *arg_n(struct ast_node *e, int n)
{
	struct ast_node *a = e->call.args;
	while (a && n--)
		a = a->next;
	return a;
}

static int fmt_add(struct sema *s, enum res_fmt_kind kind, const char *fmt, struct ast_node *args,
		   const struct loc *loc)
{
	struct type *el[128];
	uint32_t n = 0;
	for (struct ast_node *a = args; a && n < 128; a = a->next)
		el[n++] = storage_type(s, a->type);
	struct type *layout = type_tuple(s->tc, el, n);
	struct res_printf f = {.kind = kind, .fmt = fmt, .nargs = n, .size = layout->size, .loc = *loc};
	f.args = arena_alloc(&s->res->arena, sizeof(*f.args) * (n ? n : 1));
	for (uint32_t i = 0; i < n; i++) {
		f.args[i].type = layout->fields[i].type;
		f.args[i].offset = layout->fields[i].offset;
	}
	VEC_PUSH(s->res->fmts, f);
	return (int)s->res->fmts.n - 1;
}

static bool args_typed(struct sema *s, struct ast_node *e, int from)
{
	bool ok = true;
	int i = 0;
	for (struct ast_node *a = e->call.args; a; a = a->next, i++)
		if (i >= from && check_expr(s, a)->kind == T_NONE)
			ok = false;
	return ok;
}

static int want_map_arg(struct sema *s, struct ast_node *e, struct ast_node *a, bool allow_keys)
{
	if (!a || a->kind != AST_MAP || (!allow_keys && a->map.keys)) {
		serr(s, a ? &a->loc : &e->loc, "%s() expects a map%s as its first argument", e->call.name,
		     allow_keys ? "" : " without a key");
		return -1;
	}
	int id = map_find(s, a->map.name);
	if (id < 0) {
		serr(s, &a->loc, "Undefined map: %s", a->map.name);
		return -1;
	}
	a->map.res_id = id;
	a->type = s->res->maps.v[id].value;
	return id;
}

/* printf(), cat(), system(), errorf(), warnf(): a literal format checked against the arguments,
 * then a formatted-output resource of that kind. */
static struct type *check_formatted(struct sema *s, struct ast_node *e, enum res_fmt_kind kind)
{
	struct ast_node *f = e->call.args;
	if (f->kind != AST_STRING) {
		serr(s, &f->loc, "%s() expects a string literal as its first argument", e->call.name);
		return s->tc->t_none;
	}
	if (!args_typed(s, e, 1))
		return s->tc->t_void;
	struct type *ts[128];
	int k = 0;
	for (struct ast_node *a = f->next; a && k < 128; a = a->next)
		ts[k++] = a->type;
	char *err = NULL;
	if (rt_format_check(e->call.name, f->str.s, ts, k, &err)) {
		serr(s, &e->loc, "%s", err ? err : "invalid format string");
		free(err);
		return s->tc->t_void;
	}
	free(err);
	if (s->report)
		e->call.res_id = fmt_add(s, kind, f->str.s, f->next, &e->loc);
	return s->tc->t_void;
}

/* debugf(fmt, ...) goes to the kernel's trace_pipe through bpf_trace_vprintk, whose format
 * language is smaller than printf's: integers (widened to 64 bits here), %c and strings. The
 * kernel-ready format is stored in the call's string literal. */
static struct type *check_debugf(struct sema *s, struct ast_node *e)
{
	struct ast_node *f = e->call.args;
	if (f->kind != AST_STRING) {
		serr(s, &f->loc, "debugf() expects a string literal as its first argument");
		return s->tc->t_none;
	}
	if (!args_typed(s, e, 1))
		return s->tc->t_void;
	struct strbuf out = {0};
	const struct ast_node *a = f->next;
	const char *err = NULL;
	for (const char *p = f->str.s; *p && !err; p++) {
		if (*p != '%') {
			sb_putn(&out, p, 1);
			continue;
		}
		if (p[1] == '%') {
			sb_puts(&out, "%%");
			p++;
			continue;
		}
		const char *q = p + 1;
		while (*q && strchr("-+ #0123456789.", *q))
			q++;
		const char *flags_end = q;
		while (*q && strchr("hlzjt", *q))
			q++;
		if (!*q || !strchr("diuxXcs", *q)) {
			err = "debugf() supports only %d %i %u %x %X %c %s (and %%)";
			break;
		}
		if (!a) {
			err = "debugf(): the format has more conversions than arguments";
			break;
		}
		const struct type *t = a->type;
		bool is_str = t->kind == T_STRING;
		if ((*q == 's') != is_str || (!is_str && !type_is_int(t) && t->kind != T_BOOL)) {
			err = *q == 's' ? "debugf(): %s needs a string argument" : "debugf(): this conversion needs an integer argument";
			break;
		}
		sb_putn(&out, p, (size_t)(flags_end - p));
		if (*q != 's' && *q != 'c')
			sb_puts(&out, "ll");
		sb_putn(&out, q, 1);
		a = a->next;
		p = q;
	}
	if (!err && a)
		err = "debugf(): more arguments than the format uses";
	if (err) {
		serr(s, &e->loc, "%s", err);
		sb_free(&out);
		return s->tc->t_void;
	}
	if (e->call.nargs - 1 > 12) {
		serr(s, &e->loc, "debugf() takes at most 12 arguments after the format");
		sb_free(&out);
		return s->tc->t_void;
	}
	/* the kernel-ready format replaces the literal (codegen puts it in .rodata) */
	size_t n = out.len;
	char *k = arena_alloc(&s->res->arena, n + 1);
	memcpy(k, out.s ? out.s : "", n);
	k[n] = 0;
	sb_free(&out);
	if (strcmp(f->str.s, k)) {
		f->str.s = k;
		f->str.len = n;
	}
	return s->tc->t_void;
}

static struct type *check_call(struct sema *s, struct ast_node *e)
{
	enum builtin_id id = builtin_lookup(e->call.name);
	e->call.id = id;
	e->call.res_id = -1;
	if (id == BI_NONE) {
		serr(s, &e->loc, "Unknown function: '%s'", e->call.name);
		return s->tc->t_none;
	}
	const struct builtin_info *bi = builtin_info(id);
	int n = e->call.nargs;
	if (n < bi->min_args || n > bi->max_args) {
		if (bi->min_args == bi->max_args)
			serr(s, &e->loc, "%s() requires %d argument%s (%d provided)", bi->name, bi->min_args,
			     bi->min_args == 1 ? "" : "s", n);
		else
			serr(s, &e->loc, "%s() takes %d to %d arguments (%d provided)", bi->name, bi->min_args,
			     bi->max_args, n);
		return s->tc->t_none;
	}
	if (bi->kind == BK_AGG) {
		serr(s, &e->loc, "%s() must be assigned directly to a map, e.g. @x = %s(...)", bi->name, bi->name);
		return s->tc->t_none;
	}
	if (!bi->implemented) {
		serr(s, &e->loc, "%s() is not supported yet", bi->name);
		return s->tc->t_none;
	}
	if (bi->kind == BK_VAR) {
		if (id == BI_KSTACK || id == BI_USTACK)
			return builtin_var(s, e, id);
		if (id == BI_NSECS && n == 1) {
			struct ast_node *c = e->call.args;
			static const char *const clocks[] = {"boot", "monotonic", "tai"};
			size_t i = 0;
			for (; c->kind == AST_IDENT && i < ARRAY_SIZE(clocks); i++)
				if (!strcmp(c->ident.name, clocks[i]))
					break;
			if (c->kind != AST_IDENT || i == ARRAY_SIZE(clocks)) {
				serr(s, &c->loc, "nsecs() takes a clock: boot, monotonic or tai");
				return s->tc->t_none;
			}
			e->call.res_id = (int)i; /* the clock, for codegen */
			return t_u64(s);
		}
		if ((id == BI_PID || id == BI_TID) && n == 1) {
			/* pid(init) is plain pid; pid(curr_ns) is the id in scry's own pid namespace */
			struct ast_node *c = e->call.args;
			bool init = c->kind == AST_IDENT && !strcmp(c->ident.name, "init");
			if (!init && !(c->kind == AST_IDENT && !strcmp(c->ident.name, "curr_ns"))) {
				serr(s, &c->loc, "%s() takes a pid namespace: curr_ns or init", bi->name);
				return s->tc->t_none;
			}
			struct stat st;
			if (!init && stat("/proc/self/ns/pid", &st)) {
				serr(s, &c->loc, "%s(curr_ns): /proc/self/ns/pid: %s", bi->name, strerror(errno));
				return s->tc->t_none;
			}
			if (!init) { /* the namespace's device and inode, for the helper */
				struct ast_node *dev = ast_new(&s->res->arena, AST_INT, &c->loc);
				struct ast_node *ino = ast_new(&s->res->arena, AST_INT, &c->loc);
				dev->num.value = (uint64_t)st.st_dev;
				ino->num.value = (uint64_t)st.st_ino;
				dev->num.is_unsigned = ino->num.is_unsigned = true;
				dev->next = ino;
				e->call.args = dev;
				e->call.nargs = 2;
				e->call.res_id = 1;
			} else {
				e->call.args = NULL;
				e->call.nargs = 0;
			}
			return type_int(s->tc, 4, false);
		}
		if ((id == BI_PID || id == BI_TID) && n == 2 && e->call.args->kind == AST_INT) {
			e->call.res_id = 1; /* already resolved to curr_ns (sema runs per probe) */
			return type_int(s->tc, 4, false);
		}
		if (n == 1 && (id == BI_PPID || id == BI_PCOMM || id == BI_LEADER_TID || id == BI_LEADER_COMM))
			return builtin_var(s, e, id); /* of the given task */
		if (n > 0) {
			serr(s, &e->loc, "%s with arguments is not supported yet", bi->name);
			return s->tc->t_none;
		}
		return builtin_var(s, e, id);
	}
	switch (id) {
	case BI_PRINTF:
		return check_formatted(s, e, FMT_PRINTF);
	case BI_TIME: {
		const char *fmt = "%H:%M:%S\n";
		if (n == 1) {
			if (e->call.args->kind != AST_STRING) {
				serr(s, &e->call.args->loc, "time() expects a string literal format");
				return s->tc->t_none;
			}
			fmt = e->call.args->str.s;
		}
		if (s->report)
			e->call.res_id = fmt_add(s, FMT_TIME, fmt, NULL, &e->loc);
		return s->tc->t_void;
	}
	case BI_CAT:
	case BI_SYSTEM: {
		if (id == BI_SYSTEM && !s->o->unsafe) {
			serr(s, &e->loc, "system() is an unsafe function: it runs commands");
			if (s->report)
				diag_hint(s->dl, "run scry with --unsafe to allow it");
			return s->tc->t_none;
		}
		return check_formatted(s, e, id == BI_CAT ? FMT_CAT : FMT_SYSTEM);
	}
	case BI_EXIT:
		if (n == 1) {
			struct type *t = check_expr(s, e->call.args);
			want_int(s, e->call.args, t, "exit()");
		}
		return s->tc->t_void;
	case BI_STR: {
		struct type *t = check_expr(s, e->call.args);
		if (t->kind == T_STRING)
			return t;
		if (t->kind != T_NONE && !type_is_int(t) && t->kind != T_PTR) {
			serr(s, &e->call.args->loc, "str() expects a pointer or an integer address, got %s", tstr(s, t));
			return s->tc->t_none;
		}
		uint32_t size = s->o->max_strlen;
		if (n == 2) {
			int64_t len;
			struct ast_node *l = arg_n(e, 1);
			check_expr(s, l);
			if (!is_const_int(l, &len)) {
				serr(s, &l->loc, "str(): a non-constant length is not supported yet");
				return s->tc->t_none;
			}
			if (len < 0) {
				serr(s, &l->loc, "str(): length must not be negative");
				return s->tc->t_none;
			}
			if ((uint64_t)len + 1 < size)
				size = (uint32_t)len + 1;
		}
		return type_string(s->tc, size);
	}
	case BI_HAS_KEY: {
		struct ast_node *a = e->call.args;
		/* has_key(@m, k) looks up @m[k]: the first pass moves the key into the map node (later
		 * passes find it there; nargs keeps counting what was written) */
		if (a->kind != AST_MAP || (a->map.keys && a->next)) {
			serr(s, &a->loc, "has_key() expects a map without a key as its first argument");
			return s->tc->t_none;
		}
		int mid = map_find(s, a->map.name);
		if (mid < 0) {
			serr(s, &a->loc, "Undefined map: %s", a->map.name);
			return s->tc->t_none;
		}
		if (!a->map.keys) {
			struct ast_node *k = a->next;
			a->next = NULL;
			a->map.keys = k;
			a->map.nkeys = 1;
			if (k->kind == AST_TUPLE) { /* has_key(@m, (a, b)) for a two-key map */
				a->map.keys = k->tuple.elems;
				a->map.nkeys = k->tuple.n;
			}
		}
		a->map.res_id = mid;
		map_set_key(s, a, mid);
		if (!s->res->maps.v[mid].key) {
			serr(s, &a->loc, "has_key() needs a map with keys; %s has none", a->map.name);
			return s->tc->t_none;
		}
		if (s->res->maps.v[mid].value && (s->res->maps.v[mid].value->kind == T_HIST ||
						  s->res->maps.v[mid].value->kind == T_LHIST)) {
			serr(s, &a->loc, "has_key() on a %s map is not supported", type_kind_name(s->res->maps.v[mid].value->kind));
			return s->tc->t_none;
		}
		e->call.res_id = mid;
		return s->tc->t_bool;
	}
	case BI_STRNCMP: {
		struct ast_node *a = e->call.args, *b = a->next, *n = b->next;
		struct type *ta = check_expr(s, a), *tb = check_expr(s, b);
		check_expr(s, n);
		int64_t len;
		if (ta->kind == T_NONE || tb->kind == T_NONE)
			return s->tc->t_none;
		if (ta->kind != T_STRING || tb->kind != T_STRING) {
			serr(s, &e->loc, "strncmp() compares two strings, got %s and %s", tstr(s, ta), tstr(s, tb));
			return s->tc->t_none;
		}
		if (!is_const_int(n, &len) || len < 0) {
			serr(s, &n->loc, "strncmp(): the length must be a non-negative integer literal");
			return s->tc->t_none;
		}
		return t_i64(s);
	}
	case BI_KSYM:
	case BI_USYM: {
		struct type *t = check_expr(s, e->call.args);
		if (t->kind != T_NONE && !type_is_int(t) && t->kind != T_PTR) {
			serr(s, &e->call.args->loc, "%s() expects an address, got %s", bi->name, tstr(s, t));
			return s->tc->t_none;
		}
		return type_new(s->tc, id == BI_KSYM ? T_KSYM : T_USYM, id == BI_KSYM ? 8 : 16);
	}
	case BI_BUF: {
		/* buf(ptr, len) with a literal len, or buf(array) of a known size */
		struct ast_node *a = e->call.args;
		struct type *t = check_expr(s, a);
		if (t->kind == T_NONE)
			return t;
		int64_t len = -1;
		if (n == 2) {
			check_expr(s, a->next);
			if (!is_const_int(a->next, &len) || len < 0) {
				serr(s, &a->next->loc, "buf(): the length must be a non-negative integer literal");
				return s->tc->t_none;
			}
		} else if (t->kind == T_ARRAY || t->kind == T_STRING) {
			len = t->size;
		} else {
			serr(s, &e->loc, "buf() needs a length unless its argument is an array");
			return s->tc->t_none;
		}
		if (t->kind != T_PTR && !type_is_int(t) && t->kind != T_ARRAY && t->kind != T_STRING) {
			serr(s, &a->loc, "buf() reads from a pointer or an array, not %s", tstr(s, t));
			return s->tc->t_none;
		}
		if ((uint64_t)len > s->o->max_strlen)
			len = s->o->max_strlen;
		struct type *b = type_new(s->tc, T_BUFFER, 4 + (uint32_t)len);
		b->align = 4;
		return b;
	}
	case BI_SYSCALL_NAME:
	case BI_SIGNAL_NAME:
	case BI_STRERROR: {
		if (!want_int(s, e->call.args, check_expr(s, e->call.args), bi->name))
			return s->tc->t_none;
		struct type *t = type_new(s->tc, T_NAMED_INT, 8);
		t->names = id == BI_SYSCALL_NAME ? NAMES_SYSCALL : id == BI_SIGNAL_NAME ? NAMES_SIGNAL : NAMES_ERRNO;
		return t;
	}
	case BI_STRFTIME: {
		struct ast_node *f = e->call.args;
		if (f->kind != AST_STRING) {
			serr(s, &f->loc, "strftime() expects a string literal format");
			return s->tc->t_none;
		}
		if (!want_int(s, f->next, check_expr(s, f->next), "strftime()"))
			return s->tc->t_none;
		struct type *t = type_new(s->tc, T_TIMESTAMP, 16); /* { u64 ns; u64 format index } */
		if (s->report)
			e->call.res_id = fmt_add(s, FMT_STRFTIME, f->str.s, NULL, &e->loc);
		return t;
	}
	case BI_CGROUP_PATH: {
		/* { u64 id; u64 filter format index or ~0 }: the path is found when printed */
		struct ast_node *a = e->call.args, *f = a->next;
		if (!want_int(s, a, check_expr(s, a), "cgroup_path()"))
			return s->tc->t_none;
		if (f && f->kind != AST_STRING) {
			serr(s, &f->loc, "cgroup_path(): the filter must be a string literal (a glob of hierarchy names)");
			return s->tc->t_none;
		}
		e->call.res_id = -1;
		if (f && s->report)
			e->call.res_id = fmt_add(s, FMT_CGROUP, f->str.s, NULL, &e->loc);
		return type_new(s->tc, T_CGROUP_PATH, 16);
	}
	case BI_JOIN: {
		struct ast_node *a = e->call.args;
		struct type *t = check_expr(s, a);
		if (t->kind == T_NONE)
			return t;
		if (!(t->kind == T_PTR && t->elem && t->elem->kind == T_PTR) && !type_is_int(t)) {
			serr(s, &a->loc, "join() expects an array of string pointers (char **), not %s", tstr(s, t));
			return s->tc->t_none;
		}
		const char *sep = " ";
		if (n == 2) {
			if (a->next->kind != AST_STRING) {
				serr(s, &a->next->loc, "join(): the separator must be a string literal");
				return s->tc->t_none;
			}
			sep = a->next->str.s;
		}
		if (s->report) {
			e->call.res_id = fmt_add(s, FMT_JOIN, sep, NULL, &e->loc);
			s->res->fmts.v[e->call.res_id].size = 8 + JOIN_MAX_ARGS * JOIN_ARG_SIZE;
		}
		return s->tc->t_void;
	}
	case BI_NTOP: {
		/* ntop(addr) / ntop(af, addr): addr an int (IPv4, network order) or char[4]/char[16] */
		struct ast_node *a = n == 2 ? e->call.args->next : e->call.args;
		if (n == 2 && !want_int(s, e->call.args, check_expr(s, e->call.args), "ntop()"))
			return s->tc->t_none;
		struct type *t = check_expr(s, a);
		if (t->kind == T_NONE)
			return t;
		bool ok = type_is_int(t) || ((t->kind == T_ARRAY || t->kind == T_STRING) && (t->size == 4 || t->size == 16));
		if (!ok) {
			serr(s, &a->loc, "ntop() takes an integer or a 4- or 16-byte array, not %s", tstr(s, t));
			return s->tc->t_none;
		}
		return type_new(s->tc, T_INET, 24);
	}
	case BI_MACADDR: {
		struct type *t = check_expr(s, e->call.args);
		if (t->kind == T_NONE)
			return t;
		if ((t->kind != T_ARRAY && t->kind != T_STRING && t->kind != T_PTR) || (t->kind != T_PTR && t->size < 6)) {
			serr(s, &e->call.args->loc, "macaddr() takes a 6-byte array or a pointer to one, not %s", tstr(s, t));
			return s->tc->t_none;
		}
		struct type *m = type_new(s->tc, T_MACADDR, 6);
		m->align = 1;
		return m;
	}
	case BI_KADDR: {
		struct ast_node *a = e->call.args;
		if (a->kind != AST_STRING) {
			serr(s, &a->loc, "kaddr() expects a kernel symbol name as a string literal");
			return s->tc->t_none;
		}
		uint64_t addr = kallsyms_addr(a->str.s);
		if (!addr) {
			serr(s, &a->loc, "kaddr(\"%s\"): no such kernel symbol in /proc/kallsyms", a->str.s);
			return s->tc->t_none;
		}
		e->kind = AST_INT;
		e->num.value = addr;
		e->num.is_unsigned = true;
		return t_u64(s);
	}
	case BI_STRCONTAINS:
	case BI_STRSTR: {
		struct type *h = check_expr(s, e->call.args), *nd = check_expr(s, e->call.args->next);
		if (h->kind == T_NONE || nd->kind == T_NONE)
			return s->tc->t_none;
		if (h->kind != T_STRING || nd->kind != T_STRING) {
			serr(s, &e->loc, "%s() takes two strings, got %s and %s", bi->name, tstr(s, h), tstr(s, nd));
			return s->tc->t_none;
		}
		if (nd->size > 65) {
			serr(s, &e->call.args->next->loc, "%s(): the needle may have at most 64 characters", bi->name);
			return s->tc->t_none;
		}
		return id == BI_STRSTR ? t_i64(s) : s->tc->t_bool;
	}
	case BI_DEBUGF:
		return check_debugf(s, e);
	case BI_ERRORF:
	case BI_WARNF:
		return check_formatted(s, e, id == BI_ERRORF ? FMT_ERRORF : FMT_WARNF);
	case BI_ASSERT: {
		struct ast_node *c = e->call.args, *m = c->next;
		struct type *t = check_expr(s, c);
		if (t->kind != T_NONE && !type_is_int(t) && t->kind != T_PTR)
			serr(s, &c->loc, "assert() needs a condition, not %s", tstr(s, t));
		if (m->kind != AST_STRING) {
			serr(s, &m->loc, "assert() expects a message string literal");
			return s->tc->t_none;
		}
		if (s->report)
			e->call.res_id = fmt_add(s, FMT_ERRORF, arena_printf(&s->res->arena, "assertion failed: %s", m->str.s),
						 NULL, &e->loc);
		return s->tc->t_void;
	}
	case BI_KPTR:
	case BI_UPTR: {
		/* mark where a pointer points: user or kernel memory (reads then use that helper) */
		struct type *t = check_expr(s, e->call.args);
		if (t->kind == T_NONE)
			return t;
		if (t->kind != T_PTR && !type_is_int(t)) {
			serr(s, &e->call.args->loc, "%s() expects a pointer or an address, not %s", bi->name, tstr(s, t));
			return s->tc->t_none;
		}
		return type_ptr(s->tc, t->kind == T_PTR ? t->elem : type_int(s->tc, 1, true),
				id == BI_KPTR ? AS_KERNEL : AS_USER);
	}
	case BI_IS_ERR: {
		struct type *t = check_expr(s, e->call.args);
		if (t->kind != T_NONE && t->kind != T_PTR && !type_is_int(t)) {
			serr(s, &e->call.args->loc, "is_err() expects a pointer, not %s", tstr(s, t));
			return s->tc->t_none;
		}
		return s->tc->t_bool;
	}
	case BI_CONTAINER_OF: {
		/* container_of(ptr, type, member): the struct that holds *ptr as member */
		struct ast_node *p = e->call.args, *ty = p->next, *mem = ty->next;
		struct type *pt = check_expr(s, p);
		if (pt->kind == T_NONE)
			return pt;
		if (pt->kind != T_PTR && !type_is_int(pt)) {
			serr(s, &p->loc, "container_of() expects a pointer, not %s", tstr(s, pt));
			return s->tc->t_none;
		}
		if (ty->kind != AST_TYPE || mem->kind != AST_IDENT) {
			serr(s, &e->loc, "container_of(ptr, type, member): type must be a type and member a field name");
			return s->tc->t_none;
		}
		struct type *t = type_from_ast(s, ty);
		if (!t)
			return s->tc->t_none;
		struct type *st = t->kind == T_PTR ? t->elem : NULL;
		if (!st || st->kind != T_STRUCT) {
			serr(s, &ty->loc, "container_of() needs a pointer to a struct type, e.g. (struct task_struct *)");
			return s->tc->t_none;
		}
		st = struct_fields(s, st);
		const struct type_field *f = NULL;
		for (uint32_t i = 0; i < st->nfields; i++)
			if (!strcmp(st->fields[i].name, mem->ident.name))
				f = &st->fields[i];
		if (!f) {
			serr(s, &mem->loc, "struct %s has no field named '%s'", st->name, mem->ident.name);
			return s->tc->t_none;
		}
		e->call.res_id = (int)f->offset; /* the member's offset, for codegen */
		return type_ptr(s->tc, st, pt->kind == T_PTR ? pt->as : AS_KERNEL);
	}
	case BI_STATIC_ASSERT: {
		struct ast_node *c = e->call.args, *m = c->next;
		int64_t v;
		check_expr(s, c);
		if (!const_eval(c, &v) || m->kind != AST_STRING) {
			serr(s, &e->loc, "static_assert(condition, \"message\") needs a constant condition and a string");
			return s->tc->t_none;
		}
		if (!v)
			serr(s, &e->loc, "static assertion failed: %s", m->str.s);
		return s->tc->t_void;
	}
	case BI_FAIL: {
		struct ast_node *f = e->call.args;
		if (f->kind != AST_STRING) {
			serr(s, &f->loc, "fail() expects a string literal");
			return s->tc->t_none;
		}
		char msg[512];
		if (fail_format(f->str.s, f->next, msg, sizeof msg))
			serr(s, &e->loc, "%s", msg);
		else
			serr(s, &e->loc, "fail(): arguments must be constants matching the format");
		return s->tc->t_void;
	}
	case BI_UADDR: {
		/* the address of a data symbol of the traced binary, as a typed user pointer */
		struct ast_node *a = e->call.args;
		uint64_t addr, size;
		if (a->kind == AST_INT && a->next && a->next->kind == AST_INT) { /* resolved by an earlier pass */
			addr = a->num.value;
			size = a->next->num.value;
		} else {
			if (a->kind != AST_STRING || a->next) {
				serr(s, &e->loc, "uaddr() expects a symbol name as a string literal");
				return s->tc->t_none;
			}
			const char *path = NULL;
			for (int i = 0; i < s->ntargets; i++) {
				const struct res_probe *rp = &s->res->probes.v[s->first_target + i];
				const char *colon = strchr(rp->target ? rp->target : "", ':');
				if ((strcmp(rp->prov->name, "uprobe") && strcmp(rp->prov->name, "uretprobe")) || !colon) {
					serr(s, &e->loc, "uaddr() is only available in uprobe and uretprobe probes");
					return s->tc->t_none;
				}
				if (path && strcmp(path, colon + 1)) {
					serr(s, &e->loc, "uaddr() in probes of different binaries (%s, %s)", path, colon + 1);
					return s->tc->t_none;
				}
				path = colon + 1;
			}
			if (!path)
				return s->tc->t_none;
			struct elf_object obj;
			char *err = NULL;
			if (btf_elf_object_find(path, a->str.s, &obj, &err)) {
				serr(s, &a->loc, "uaddr(\"%s\"): %s", a->str.s, err);
				free(err);
				return s->tc->t_none;
			}
			if (obj.e_type == ET_DYN) {
				serr(s, &e->loc, "uaddr(\"%s\"): %s is position-independent, so the symbol's address is "
				     "known only at run time (not supported)", a->str.s, path);
				return s->tc->t_none;
			}
			addr = obj.addr;
			size = obj.size;
			struct ast_node *na = ast_new(&s->res->arena, AST_INT, &a->loc);
			struct ast_node *ns = ast_new(&s->res->arena, AST_INT, &a->loc);
			na->num.value = addr;
			na->num.is_unsigned = ns->num.is_unsigned = true;
			ns->num.value = size;
			na->next = ns;
			e->call.args = na;
			e->call.nargs = 2;
		}
		uint32_t w = size == 1 || size == 2 || size == 4 ? (uint32_t)size : 8;
		return type_ptr(s->tc, type_int(s->tc, w, false), AS_USER);
	}
	case BI_PTON: {
		/* a literal address, turned into its bytes by codegen: char[4] or char[16] */
		struct ast_node *a = e->call.args;
		unsigned char buf[16];
		int n = 0;
		if (a->kind == AST_STRING) {
			if (inet_pton(AF_INET, a->str.s, buf) == 1)
				n = 4;
			else if (inet_pton(AF_INET6, a->str.s, buf) == 1)
				n = 16;
		}
		if (!n) {
			serr(s, &a->loc, "pton() expects an IPv4 or IPv6 address as a string literal");
			return s->tc->t_none;
		}
		return type_array(s->tc, type_int(s->tc, 1, false), (uint32_t)n);
	}
	case BI_CGROUPID: {
		struct ast_node *a = e->call.args;
		struct stat st;
		if (a->kind != AST_STRING) {
			serr(s, &a->loc, "cgroupid() expects a cgroup path as a string literal");
			return s->tc->t_none;
		}
		if (stat(a->str.s, &st)) {
			serr(s, &a->loc, "cgroupid(\"%s\"): %s", a->str.s, strerror(errno));
			return s->tc->t_none;
		}
		e->kind = AST_INT; /* a cgroup v2 id is the directory's inode number */
		e->num.value = (uint64_t)st.st_ino;
		e->num.is_unsigned = true;
		return t_u64(s);
	}
	case BI_REG: {
		struct ast_node *a = e->call.args;
		if (a->kind != AST_STRING || probe_regs_offset(a->str.s) < 0) {
			serr(s, &a->loc, "reg() expects the name of a register as a string literal, e.g. reg(\"ip\")");
			return s->tc->t_none;
		}
		if (!regs_everywhere(s, e, "reg()"))
			return s->tc->t_none;
		return t_u64(s);
	}
	case BI_SIGNAL:
	case BI_SIGNAL_THREAD: {
		if (!s->o->unsafe) {
			serr(s, &e->loc, "%s() is an unsafe function: it sends signals to the traced %s", bi->name,
			     id == BI_SIGNAL ? "process" : "thread");
			if (s->report)
				diag_hint(s->dl, "run scry with --unsafe to allow it");
			return s->tc->t_none;
		}
		struct ast_node *a = e->call.args;
		if (a->kind == AST_STRING) {
			int sig = signal_number(a->str.s);
			if (sig <= 0) {
				serr(s, &a->loc, "unknown signal '%s'", a->str.s);
				return s->tc->t_none;
			}
			a->kind = AST_INT;
			a->num.value = (uint64_t)sig;
			a->num.is_unsigned = false;
		}
		struct type *t = check_expr(s, a);
		int64_t v;
		if (!want_int(s, a, t, id == BI_SIGNAL ? "signal()" : "signal_thread()"))
			return s->tc->t_none;
		if (is_const_int(a, &v) && (v < 1 || v > 64)) {
			serr(s, &a->loc, "signal numbers go from 1 to 64");
			return s->tc->t_none;
		}
		return s->tc->t_void;
	}
	case BI_STRLEN: {
		struct type *t = check_expr(s, e->call.args);
		if (t->kind != T_NONE && t->kind != T_STRING) {
			serr(s, &e->call.args->loc, "strlen() expects a string, got %s", tstr(s, t));
			return s->tc->t_none;
		}
		return t_u64(s);
	}
	case BI_ZERO: {
		int mid = want_map_arg(s, e, e->call.args, false);
		e->call.res_id = mid;
		return s->tc->t_void;
	}
	case BI_BSWAP: {
		struct type *t = check_expr(s, e->call.args);
		if (!want_int(s, e->call.args, t, "bswap()"))
			return s->tc->t_none;
		return t->kind == T_INT ? t : t_u64(s);
	}
	case BI_PRINT: {
		struct ast_node *a = e->call.args;
		if (a->kind == AST_MAP && !a->map.keys) {
			int mid = want_map_arg(s, e, a, false);
			if (mid < 0)
				return s->tc->t_void;
			for (struct ast_node *x = a->next; x; x = x->next) {
				int64_t v;
				check_expr(s, x);
				if (!is_const_int(x, &v) || v < 0)
					serr(s, &x->loc, "print(): top and div must be non-negative integer literals");
			}
			e->call.res_id = mid;
			return s->tc->t_void;
		}
		if (n > 1) {
			serr(s, &e->loc, "print() of a value takes only one argument");
			return s->tc->t_void;
		}
		struct type *t = check_expr(s, a);
		if (t->kind != T_NONE && !storable(t)) {
			serr(s, &a->loc, "print() cannot print a value of type %s", tstr(s, t));
			return s->tc->t_void;
		}
		if (s->report && t->kind != T_NONE)
			e->call.res_id = fmt_add(s, FMT_PRINT_VALUE, "", a, &e->loc);
		return s->tc->t_void;
	}
	case BI_LEN: {
		struct ast_node *a = e->call.args;
		if (a->kind != AST_MAP) { /* len(ustack) / len(kstack): the number of frames */
			struct type *t = check_expr(s, a);
			if (t->kind == T_NONE)
				return t;
			if (t->kind != T_KSTACK && t->kind != T_USTACK) {
				serr(s, &a->loc, "len() expects a map, kstack or ustack, not %s", tstr(s, t));
				return s->tc->t_none;
			}
			return t_i64(s);
		}
		/* len(@m): the number of elements, counted by a walk over the map in the kernel */
		int mid = want_map_arg(s, e, e->call.args, false);
		if (mid < 0)
			return s->tc->t_none;
		const struct type *v = s->res->maps.v[mid].value;
		if (v && (v->kind == T_HIST || v->kind == T_LHIST)) {
			serr(s, &e->loc, "len() of a %s map is not supported (its entries are buckets)",
			     type_kind_name(v->kind));
			return s->tc->t_none;
		}
		e->call.res_id = mid;
		return t_i64(s);
	}
	case BI_CLEAR: {
		int mid = want_map_arg(s, e, e->call.args, false);
		e->call.res_id = mid;
		return s->tc->t_void;
	}
	case BI_DELETE: {
		struct ast_node *a = e->call.args;
		int mid = want_map_arg(s, e, a, n == 1);
		if (mid < 0)
			return s->tc->t_void;
		struct res_map *rm = &s->res->maps.v[mid];
		if (rm->value && (rm->value->kind == T_HIST || rm->value->kind == T_LHIST)) {
			serr(s, &e->loc, "delete() of a single %s entry is not supported yet; use clear()",
			     type_kind_name(rm->value->kind));
			return s->tc->t_void;
		}
		if (n == 1) {
			if (!a->map.keys && rm->key) {
				serr(s, &a->loc, "delete(%s) needs a key: delete(%s, key)", a->map.name, a->map.name);
				return s->tc->t_void;
			}
			map_set_key(s, a, mid);
		} else {
			if (a->map.keys) {
				serr(s, &a->loc, "delete(@m, key) takes the map without a key");
				return s->tc->t_void;
			}
			/* treat delete(@m, k) as delete(@m[k]): move the key into the map node */
			struct ast_node *k = a->next;
			a->next = NULL;
			a->map.keys = k;
			a->map.nkeys = 1;
			e->call.nargs = 1;
			map_set_key(s, a, mid);
		}
		e->call.res_id = mid;
		return s->tc->t_void;
	}
	default:
		serr(s, &e->loc, "%s() is not supported yet", bi->name);
		return s->tc->t_none;
	}
}

/* ---- statements ------------------------------------------------------------------------------ */

static struct type *agg_type(struct sema *s, struct ast_node *call)
{
	enum builtin_id id = builtin_lookup(call->call.name);
	call->call.id = id;
	call->call.res_id = -1;
	const struct builtin_info *bi = builtin_info(id);
	int n = call->call.nargs;
	if (n < bi->min_args || n > bi->max_args) {
		serr(s, &call->loc, "%s() requires %d argument%s (%d provided)", bi->name, bi->min_args,
		     bi->min_args == 1 ? "" : "s", n);
		return NULL;
	}
	if (!bi->implemented) {
		serr(s, &call->loc, "%s() is not supported yet", bi->name);
		return NULL;
	}
	bool typed = args_typed(s, call, 0);
	if (!typed && s->report)
		return NULL;
	/* while map types are still being learnt an argument may be untyped: the aggregation's
	 * type does not depend on it (only its signedness, settled in a later pass) */
	struct ast_node *v = call->call.args;
	if (typed && v && !want_int(s, v, v->type, bi->name))
		return NULL;
	bool sg = v && typed ? (v->type->kind == T_INT ? v->type->is_signed : true) : true;
	struct type *t = NULL;
	switch (id) {
	case BI_COUNT:
		return type_agg(s->tc, T_COUNT, false);
	case BI_SUM:
		return type_agg(s->tc, T_SUM, sg);
	case BI_MIN:
		return type_agg(s->tc, T_MIN, sg);
	case BI_MAX:
		return type_agg(s->tc, T_MAX, sg);
	case BI_AVG:
		return type_agg(s->tc, T_AVG, sg);
	case BI_STATS:
		return type_agg(s->tc, T_STATS, sg);
	case BI_HIST: {
		t = type_agg(s->tc, T_HIST, true);
		int64_t k = 0;
		if (n == 2 && (!is_const_int(v->next, &k) || k < 0 || k > 5)) {
			serr(s, &v->next->loc, "hist(): the second argument must be an integer literal from 0 to 5");
			return NULL;
		}
		t->hist_k = (int)k;
		return t;
	}
	case BI_LHIST: {
		int64_t p[3];
		struct ast_node *a = v->next;
		for (int i = 0; i < 3; i++, a = a->next)
			if (!is_const_int(a, &p[i])) {
				serr(s, &a->loc, "lhist(): min, max and step must be integer literals");
				return NULL;
			}
		if (p[2] <= 0) {
			serr(s, &call->loc, "lhist(): step must be greater than 0 (got %lld)", (long long)p[2]);
			return NULL;
		}
		if (p[1] <= p[0]) {
			serr(s, &call->loc, "lhist(): max (%lld) must be greater than min (%lld)", (long long)p[1],
			     (long long)p[0]);
			return NULL;
		}
		if (((uint64_t)p[1] - (uint64_t)p[0]) / (uint64_t)p[2] > 1000) { /* max > min: no overflow */
			serr(s, &call->loc, "lhist(): too many buckets ((max - min) / step must be at most 1000)");
			return NULL;
		}
		t = type_agg(s->tc, T_LHIST, true);
		t->lh_min = p[0], t->lh_max = p[1], t->lh_step = p[2];
		return t;
	}
	default:
		return NULL;
	}
}

static void check_assign_map(struct sema *s, struct ast_node *st)
{
	struct ast_node *m = st->assign.lhs, *rhs = st->assign.rhs;
	int id = map_get(s, m->map.name, &m->loc);
	m->map.res_id = id;
	map_set_key(s, m, id);
	struct res_map *rm;
	struct type *vt;
	bool is_agg = rhs->kind == AST_CALL && builtin_lookup(rhs->call.name) != BI_NONE &&
		      builtin_info(builtin_lookup(rhs->call.name))->kind == BK_AGG;
	if (is_agg) {
		if (st->assign.op != OP_NONE) {
			serr(s, &st->loc, "compound assignment of an aggregation is not allowed");
			return;
		}
		vt = agg_type(s, rhs);
		rhs->type = vt;
		if (!vt)
			return;
	} else {
		vt = check_expr(s, rhs);
		if (vt->kind == T_NONE)
			return;
		if (!storable(vt)) {
			serr(s, &rhs->loc, "a value of type %s cannot be stored in a map", tstr(s, vt));
			return;
		}
		vt = storage_type(s, vt);
		if (st->assign.op != OP_NONE && !want_int(s, rhs, vt, "compound assignment"))
			return;
	}
	rm = &s->res->maps.v[id];
	struct type *u = unify(s, rm->value, vt);
	if (!u) {
		serr(s, &m->loc, "Type mismatch for %s: trying to assign value of type '%s' when map already contains "
				 "a value of type '%s'",
		     m->map.name, tstr(s, vt), tstr(s, rm->value));
		return;
	}
	if (st->assign.op != OP_NONE && !type_is_int(u)) {
		serr(s, &st->loc, "compound assignment needs an integer map, %s holds %s", m->map.name, tstr(s, u));
		return;
	}
	rm->value = u;
	m->type = u;
}

static void check_assign(struct sema *s, struct ast_node *st)
{
	struct ast_node *lhs = st->assign.lhs;
	if (lhs->kind == AST_MAP) {
		check_assign_map(s, st);
		return;
	}
	if (lhs->kind != AST_VAR) {
		serr(s, &lhs->loc, "can only assign to a $variable or a @map");
		return;
	}
	struct type *t = check_expr(s, st->assign.rhs);
	if (t->kind == T_NONE)
		return;
	if (t->kind == T_VOID || !storable(t)) {
		serr(s, &st->assign.rhs->loc, "a value of type %s cannot be assigned to a variable", tstr(s, t));
		return;
	}
	t = storage_type(s, t);
	struct var *v = var_find(s, lhs->var.name);
	if (!v) {
		if (st->assign.op != OP_NONE) {
			serr(s, &lhs->loc, "Undefined or undeclared variable: %s", lhs->var.name);
			return;
		}
		var_declare(s, lhs, t);
		return;
	}
	lhs->var.id = v->id;
	struct type *u = unify(s, v->type, t);
	if (!u) {
		serr(s, &lhs->loc, "Type mismatch for %s: trying to assign value of type '%s' when variable "
				   "already contains a value of type '%s'",
		     lhs->var.name, tstr(s, t), tstr(s, v->type));
		return;
	}
	if (st->assign.op != OP_NONE && !type_is_int(u)) {
		serr(s, &st->loc, "compound assignment needs an integer variable");
		return;
	}
	v->type = u;
	lhs->type = u;
}

/* A block opens a scope: variables first declared in it end with it. */
static void check_block(struct sema *s, struct ast_node *block)
{
	size_t mark = s->vars.n;
	check_stmts(s, block->kind == AST_BLOCK ? block->block.stmts : block);
	s->vars.n = mark;
}

static void check_let(struct sema *s, struct ast_node *st)
{
	struct ast_node *v = st->let.var;
	struct var *old = var_find(s, v->var.name);
	if (old) {
		serr(s, &v->loc, "Variable %s is already declared", v->var.name);
		if (s->report)
			diag_hint(s->dl, "variables cannot be redeclared or shadowed; assign to it instead");
		return;
	}
	struct type *t = st->let.vtype ? type_from_ast(s, st->let.vtype) : NULL;
	if (st->let.vtype && !t)
		return;
	if (st->let.init) {
		struct type *it = check_expr(s, st->let.init);
		if (it->kind == T_NONE)
			return;
		if (!storable(it)) {
			serr(s, &st->let.init->loc, "a value of type %s cannot be assigned to a variable", tstr(s, it));
			return;
		}
		it = storage_type(s, it);
		if (t && !(type_is_int(t) && type_is_int(it)) && !(t->kind == T_STRING && it->kind == T_STRING &&
								   it->size <= t->size)) {
			serr(s, &st->let.init->loc, "Type mismatch for %s: declared as '%s' but initialised with '%s'",
			     v->var.name, tstr(s, t), tstr(s, it));
			return;
		}
		if (!t)
			t = it;
	}
	if (!t) {
		serr(s, &v->loc, "let %s needs a type or an initial value, e.g. let %s: int64;", v->var.name, v->var.name);
		return;
	}
	var_declare(s, v, t);
}

static void check_loop_body(struct sema *s, struct ast_node *body)
{
	s->loop_depth++;
	check_block(s, body);
	s->loop_depth--;
}

static void check_stmt(struct sema *s, struct ast_node *st)
{
	switch (st->kind) {
	case AST_EXPR_STMT: {
		struct ast_node *e = st->expr_stmt.expr;
		if (e->kind == AST_CALL)
			e->type = check_call(s, e);
		else
			check_expr(s, e);
		break;
	}
	case AST_ASSIGN:
		check_assign(s, st);
		break;
	case AST_LET:
		check_let(s, st);
		break;
	case AST_IF: {
		struct type *c = check_expr(s, st->if_.cond);
		if (c->kind != T_NONE && !type_is_int(c) && c->kind != T_PTR)
			serr(s, &st->if_.cond->loc, "Invalid condition in if(): %s", tstr(s, c));
		check_block(s, st->if_.then);
		if (st->if_.els)
			check_block(s, st->if_.els);
		break;
	}
	case AST_WHILE: {
		if (!st->while_.cond)
			break; /* a syntax error was reported */
		struct type *c = check_expr(s, st->while_.cond);
		if (c->kind != T_NONE && !type_is_int(c) && c->kind != T_PTR)
			serr(s, &st->while_.cond->loc, "Invalid condition in while(): %s", tstr(s, c));
		check_loop_body(s, st->while_.body);
		break;
	}
	case AST_UNROLL: {
		int64_t n;
		if (!st->unroll.count)
			break;
		check_expr(s, st->unroll.count);
		if (!is_const_int(st->unroll.count, &n) || n < 1 || n > 100) {
			serr(s, &st->unroll.count->loc, "unroll() needs an integer literal from 1 to 100");
			break;
		}
		check_block(s, st->unroll.body);
		break;
	}
	case AST_FOR_MAP: {
		struct ast_node *m = st->for_map.map, *v = st->for_map.var;
		if (!m || !v)
			break;
		int mid = map_find(s, m->map.name);
		if (mid < 0) {
			serr(s, &m->loc, "Undefined map: %s", m->map.name);
			break;
		}
		m->map.res_id = mid;
		struct res_map *rm = &s->res->maps.v[mid];
		if (!rm->value)
			break; /* learnt in a later pass */
		if (type_is_agg(rm->value)) {
			serr(s, &m->loc, "for loops over %s maps are not supported (%s)", type_kind_name(rm->value->kind),
			     m->map.name);
			break;
		}
		if (!rm->key) {
			serr(s, &m->loc, "%s has no keys to loop over", m->map.name);
			break;
		}
		if (var_find(s, v->var.name)) {
			serr(s, &v->loc, "Variable %s is already declared", v->var.name);
			break;
		}
		struct type *el[2] = {rm->key, rm->value};
		size_t mark = s->vars.n;
		var_declare(s, v, type_tuple(s->tc, el, 2));
		m->type = rm->value;
		s->in_for_map++;
		check_loop_body(s, st->for_map.body);
		s->in_for_map--;
		s->vars.n = mark;
		break;
	}
	case AST_FOR_RANGE: {
		if (!st->for_range.var)
			break;
		int64_t a, b;
		struct type *ta = check_expr(s, st->for_range.from), *tb = check_expr(s, st->for_range.to);
		if (ta->kind == T_NONE || tb->kind == T_NONE)
			break;
		if (!is_const_int(st->for_range.from, &a) || !is_const_int(st->for_range.to, &b)) {
			serr(s, &st->loc, "for-range bounds must be integer literals or positional parameters for now");
			break;
		}
		if (var_find(s, st->for_range.var->var.name)) {
			serr(s, &st->for_range.var->loc, "Variable %s is already declared", st->for_range.var->var.name);
			break;
		}
		size_t mark = s->vars.n;
		var_declare(s, st->for_range.var, t_i64(s));
		check_loop_body(s, st->for_range.body);
		s->vars.n = mark;
		break;
	}
	case AST_BLOCK:
		check_block(s, st);
		break;
	case AST_JUMP:
		if (st->jump.what == JUMP_RETURN && s->in_for_map)
			serr(s, &st->loc, "return is not allowed inside a for loop over a map");
		if (st->jump.what != JUMP_RETURN && s->loop_depth == 0)
			serr(s, &st->loc, "%s used outside of a loop", st->jump.what == JUMP_BREAK ? "break" : "continue");
		if (st->jump.value)
			serr(s, &st->loc, "return with a value is not allowed in a probe");
		break;
	default:
		serr(s, &st->loc, "%s statements are not supported yet", ast_kind_name(st->kind));
		break;
	}
}

static void check_stmts(struct sema *s, struct ast_node *list)
{
	for (struct ast_node *st = list; st; st = st->next)
		check_stmt(s, st);
}

static void check_probe(struct sema *s, struct ast_node *p)
{
	s->vars.n = 0;
	s->first_target = -1;
	s->ntargets = 0;
	s->special = false;
	for (size_t i = 0; i < s->res->probes.n; i++)
		if (s->res->probes.v[i].probe_index == p->probe.index) {
			if (s->first_target < 0)
				s->first_target = (int)i;
			s->ntargets++;
			if (s->res->probes.v[i].prov->special != PS_NONE)
				s->special = true;
		}
	if (s->ntargets == 0)
		return; /* expansion failed and was reported */
	if (p->probe.pred) {
		struct type *t = check_expr(s, p->probe.pred);
		if (t->kind != T_NONE && !type_is_int(t) && t->kind != T_PTR)
			serr(s, &p->probe.pred->loc, "Invalid type for predicate: %s", tstr(s, t));
	}
	check_stmts(s, p->probe.body->block.stmts);
}

/* `let @m = hash(N) | lruhash(N) | percpuhash(N) | percpulruhash(N);` */
static void apply_map_decl(struct sema *s, struct res_map *m, bool agg)
{
	static const struct {
		const char *name;
		int type;
		bool percpu;
	} kinds[] = {{"hash", BPF_MAP_TYPE_HASH, false},
		     {"lruhash", BPF_MAP_TYPE_LRU_HASH, false},
		     {"percpuhash", BPF_MAP_TYPE_PERCPU_HASH, true},
		     {"percpulruhash", BPF_MAP_TYPE_LRU_PERCPU_HASH, true}};
	const struct ast_node *d = m->decl;
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (strcmp(kinds[i].name, d->map_decl.kind))
			continue;
		if (kinds[i].percpu != agg) {
			diag_error(s->dl, &d->loc, "%s holds %s, which needs a %s map, not %s", m->name,
				   tstr(s, m->value), agg ? "per-CPU (percpuhash or percpulruhash)" : "hash or lruhash",
				   kinds[i].name);
			return;
		}
		if (d->map_decl.max_entries == 0 || d->map_decl.max_entries > (1u << 24)) {
			diag_error(s->dl, &d->loc, "%s: the number of entries must be from 1 to %u", m->name, 1u << 24);
			return;
		}
		m->bpf_type = kinds[i].type;
		if (m->value->kind != T_HIST && m->value->kind != T_LHIST)
			m->max_entries = (uint32_t)d->map_decl.max_entries;
		return;
	}
	diag_error(s->dl, &d->loc, "unknown map type '%s' (expected hash, lruhash, percpuhash or percpulruhash)",
		   d->map_decl.kind);
}

int sema_run(struct ast_node *prog, const struct sema_opts *o, struct type_ctx *tc, struct resources *res,
	     struct diag_list *dl)
{
	struct sema s = {.tc = tc, .res = res, .dl = dl, .o = o};
	int errs0 = dl->errors;
	res->max_map_keys = o->max_map_keys;
	res->ringbuf_size = o->ringbuf_size;
	res->ncpus = o->ncpus;
	res->target_pid = o->target_pid;
	if (macro_expand(prog, &res->arena, dl))
		goto out;
	for (struct ast_node *it = prog->program.items; it; it = it->next)
		if (it->kind == AST_MAP_DECL) {
			if (map_find(&s, it->map_decl.name) >= 0) {
				diag_error(dl, &it->loc, "%s is declared twice", it->map_decl.name);
				continue;
			}
			int id = map_get(&s, it->map_decl.name, &it->loc); /* may grow res->maps */
			res->maps.v[id].decl = it;
		} else if (it->kind != AST_PROBE && it->kind != AST_CONFIG && it->kind != AST_MACRO)
			diag_error(dl, &it->loc, "%s is not supported yet", ast_kind_name(it->kind));
	expand_probes(&s, prog);
	if (dl->errors > errs0)
		goto out;
	/* Silent passes learn map types until nothing new is learnt (a map may be read before the
	 * probe that writes it). Maps still untyped then are only ever written from their own value
	 * (@n = @n + 1): they hold int64, as in bpftrace. A last pass reports errors and builds the
	 * resources. */
	for (int pass = 0;; pass++) {
		size_t known = 0, after = 0;
		for (size_t i = 0; i < res->maps.n; i++)
			known += res->maps.v[i].value != NULL;
		for (struct ast_node *p = prog->program.items; p; p = p->next)
			if (p->kind == AST_PROBE)
				check_probe(&s, p);
		for (size_t i = 0; i < res->maps.n; i++)
			after += res->maps.v[i].value != NULL;
		if (after == known || pass > 16) {
			if (after == res->maps.n)
				break;
			for (size_t i = 0; i < res->maps.n; i++)
				if (!res->maps.v[i].value)
					res->maps.v[i].value = t_i64(&s);
		}
	}
	s.report = true;
	for (struct ast_node *p = prog->program.items; p; p = p->next)
		if (p->kind == AST_PROBE)
			check_probe(&s, p);
	bool only_special = true; /* begin/end only: exit after END (self:signal probes wait) */
	for (size_t i = 0; i < res->probes.n; i++)
		if (res->probes.v[i].prov->special == PS_NONE || res->probes.v[i].prov->special == PS_SIGNAL)
			only_special = false;
	res->has_begin_end_only = only_special;
	for (size_t i = 0; i < res->maps.n; i++) {
		struct res_map *m = &res->maps.v[i];
		if (!m->value)
			m->value = t_i64(&s);
		bool agg = type_is_agg(m->value);
		bool bucket = m->value->kind == T_HIST || m->value->kind == T_LHIST;
		/* hist/lhist: the u64 bucket index follows the key at an 8-aligned offset */
		m->key_size = bucket ? ((m->key ? m->key->size : 8) + 7) / 8 * 8 + 8 : (m->key ? m->key->size : 8);
		m->value_size = m->value->size;
		m->bpf_type = agg ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH;
		if (m->decl)
			apply_map_decl(&s, m, agg);
		if (bucket) { /* one element per bucket: room for every bucket of every key */
			uint64_t nb = m->value->kind == T_HIST
					      ? (64u << m->value->hist_k) + 1
					      : (uint64_t)((m->value->lh_max - m->value->lh_min) / m->value->lh_step) + 2;
			uint64_t total = (m->key ? o->max_map_keys : 1) * nb;
			m->max_entries = total > (1u << 24) ? (1u << 24) : (uint32_t)total;
		}
	}
out:
	VEC_FREE(s.vars);
	return dl->errors > errs0 ? -EINVAL : 0;
}

/* fentry/fexit providers: `fentry[:MODULE]:FUNC` (aliases f, kfunc) and `fexit[:MODULE]:FUNC`
 * (fr, kretfunc), globs in both parts. A BPF_PROG_TYPE_TRACING program called through the kernel's
 * BPF trampoline at the entry (BPF_TRACE_FENTRY) or return (BPF_TRACE_FEXIT) of a kernel function
 * that has BTF: the functions are the BTF_KIND_FUNCs of vmlinux and of the loaded modules' split
 * BTF (/sys/kernel/btf/MODULE). Every target is named "fentry:MODULE:FUNC" ("vmlinux" for the
 * kernel itself), as bpftrace lists them.
 *
 * The program's context is an array of u64 slots: the function's arguments in order (a struct
 * passed by value takes one slot per 8 bytes) and, for fexit, the return value after them. `args`
 * is that array typed from the function's BTF prototype (btf/ktypes), argN is the slot of argument
 * N and retval (fexit only) the slot after the last argument.
 *
 * libbpf resolves the attach point from the section name "fentry/FUNC" at load time, looking in
 * vmlinux first and then in each module's BTF (libbpf 1.1 has no "MODULE:FUNC" form). A module
 * function whose name vmlinux also has therefore cannot be attached and is refused at expansion.
 * Globs only match functions ftrace can patch (tracefs available_filter_functions) when that file
 * is readable: the trampoline needs the ftrace call site at the function's entry. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "btf/ktypes.h"
#include "probes/kprobe.h"
#include "probes/probe.h"
#include "sema/resources.h"

extern const struct probe_provider probe_fentry, probe_fexit;

static bool is_exit(const struct probe_provider *p) { return p == &probe_fexit; }

/* The kernel's KSYM_NAME_LEN: longer names cannot be functions. */
#define FUNC_NAME_MAX 512

/* ---- names and targets ------------------------------------------------------------------------- */

/* Characters of a function or module name, plus glob characters (function names may carry the
 * dots of compiler clones; module names may not). */
static bool name_ok(const char *s, bool dots)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_*?[]!-", *s) && !(dots && *s == '.'))
			return false;
	return true;
}

/* Split a target "MODULE:FUNC" into buffers of len bytes. */
static bool target_split(const char *target, char *module, char *func, size_t len)
{
	const char *colon = strchr(target, ':');
	if (!colon || (size_t)(colon - target) >= len || strlen(colon + 1) >= len)
		return false;
	memcpy(module, target, (size_t)(colon - target));
	module[colon - target] = 0;
	strcpy(func, colon + 1);
	return *module && *func;
}

static bool is_vmlinux(const char *module) { return !module || !strcmp(module, "vmlinux"); }

/* ---- BTF lookups ----------------------------------------------------------------------------- */

/* The id of function func among module's own BTF types (vmlinux: the kernel's), with the BTF in
 * *bp; -ENOENT if it has none, -errno if the BTF cannot be read. */
static int func_id(const char *module, const char *func, const struct btf **bp)
{
	const struct btf *b = ktype_btf(module);
	if (!b)
		return errno ? -errno : -ENOENT;
	*bp = b;
	if (is_vmlinux(module)) {
		int id = btf__find_by_name_kind(b, func, BTF_KIND_FUNC);
		return id > 0 ? id : -ENOENT;
	}
	const struct btf *base = btf__base_btf(b);
	for (__u32 id = base ? btf__type_cnt(base) : 1, n = btf__type_cnt(b); id < n; id++) {
		const struct btf_type *t = btf__type_by_id(b, id);
		if (btf_is_func(t) && !strcmp(btf__name_by_offset(b, t->name_off), func))
			return (int)id;
	}
	return -ENOENT;
}

/* The prototype of target ("MODULE:FUNC"), remembered for the next call (sema and codegen ask
 * for every argument of every target). NULL if the target has none. */
static const struct btf_type *target_proto(const char *target, const struct btf **bp)
{
	static char last[2 * FUNC_NAME_MAX];
	static const struct btf *last_btf;
	static const struct btf_type *last_proto;
	if (last_proto && !strcmp(last, target)) {
		*bp = last_btf;
		return last_proto;
	}
	char module[FUNC_NAME_MAX], func[FUNC_NAME_MAX];
	if (!target_split(target, module, func, sizeof(module)))
		return NULL;
	const struct btf *b;
	int id = func_id(module, func, &b);
	if (id < 0)
		return NULL;
	const struct btf_type *fn = btf__type_by_id(b, (__u32)id);
	const struct btf_type *proto = btf__type_by_id(b, fn->type);
	if (!proto || !btf_is_func_proto(proto))
		return NULL;
	snprintf(last, sizeof(last), "%s", target);
	last_btf = *bp = b;
	last_proto = proto;
	return proto;
}

typedef VEC(char *) str_vec;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Names of the loaded modules with BTF (malloc'ed), sorted. */
static void module_names(str_vec *out)
{
	DIR *d = opendir("/sys/kernel/btf");
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.' && strcmp(e->d_name, "vmlinux"))
			VEC_PUSH(*out, xstrdup(e->d_name));
	closedir(d);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(char *), cmp_str);
}

static void str_vec_free(str_vec *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	VEC_FREE(*v);
}


/* Functions ftrace can patch (available_filter_functions), to filter glob matches by. */
struct traceable {
	str_vec names; /* sorted */
	bool known;        /* false: the list is unreadable, everything passes */
};

static void traceable_load(const char *func_pat, struct traceable *tr)
{
	const char *root = tracefs_root();
	char path[512];
	char *text = NULL;
	if (root) {
		snprintf(path, sizeof(path), "%s/available_filter_functions", root);
		text = read_file(path, NULL);
	}
	if (!text)
		return;
	kprobe_sym_vec syms = {0};
	kprobe_syms_match(text, KSYM_FILTER_FUNCS, NULL, func_pat, &syms);
	free(text);
	for (size_t i = 0; i < syms.n; i++) {
		VEC_PUSH(tr->names, syms.v[i].name);
		syms.v[i].name = NULL;
	}
	kprobe_syms_free(&syms);
	if (tr->names.n > 1)
		qsort(tr->names.v, tr->names.n, sizeof(char *), cmp_str);
	tr->known = true;
}

static bool traceable_has(const struct traceable *tr, const char *name)
{
	return !tr->known || bsearch(&name, tr->names.v, tr->names.n, sizeof(char *), cmp_str);
}

static void traceable_free(struct traceable *tr) { str_vec_free(&tr->names); }

/* A kernel function found by a glob. Strings point into BTF kept for the process. */
struct kfunc {
	const char *module; /* "vmlinux" or a module name (malloc'ed with the module list) */
	const char *name;
	int rank;           /* 0 vmlinux, then modules by name: which copy of a name libbpf prefers */
};
typedef VEC(struct kfunc) kfunc_vec;

static int cmp_kfunc(const void *a, const void *b)
{
	const struct kfunc *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : x->rank - y->rank;
}

/* Append the functions of b's own types matching glob to out. */
static void match_btf(const struct btf *b, const char *module, int rank, const char *glob,
		      const struct traceable *tr, kfunc_vec *out)
{
	const struct btf *base = btf__base_btf(b);
	for (__u32 id = base ? btf__type_cnt(base) : 1, n = btf__type_cnt(b); id < n; id++) {
		const struct btf_type *t = btf__type_by_id(b, id);
		if (!btf_is_func(t))
			continue;
		const char *name = btf__name_by_offset(b, t->name_off);
		if (name && glob_match(glob, name) && traceable_has(tr, name)) {
			struct kfunc k = {module, name, rank};
			VEC_PUSH(*out, k);
		}
	}
}

struct kfunc_set {
	kfunc_vec v;
	str_vec modules; /* owns the module names the functions point to */
};

static void kfunc_set_free(struct kfunc_set *s)
{
	str_vec_free(&s->modules);
	VEC_FREE(s->v);
}

/* Every function with BTF whose module matches mod_pat (NULL: any, vmlinux included) and whose
 * name matches func_pat, sorted by name, each name once (the copy libbpf would attach to).
 * Returns 0, or -errno when the kernel's BTF is unreadable. */
static int collect(const char *mod_pat, const char *func_pat, struct kfunc_set *s)
{
	const struct btf *vm = ktype_btf(NULL);
	if (!vm)
		return errno ? -errno : -ENOENT;
	struct traceable tr = {0};
	traceable_load(func_pat, &tr);
	if (!mod_pat || glob_match(mod_pat, "vmlinux"))
		match_btf(vm, "vmlinux", 0, func_pat, &tr, &s->v);
	module_names(&s->modules);
	for (size_t i = 0; i < s->modules.n; i++) {
		const char *m = s->modules.v[i];
		if (mod_pat && !glob_match(mod_pat, m))
			continue;
		const struct btf *b = ktype_btf(m);
		if (b)
			match_btf(b, m, (int)i + 1, func_pat, &tr, &s->v);
	}
	traceable_free(&tr);
	if (s->v.n > 1)
		qsort(s->v.v, s->v.n, sizeof(s->v.v[0]), cmp_kfunc);
	size_t w = 0;
	for (size_t i = 0; i < s->v.n; i++)
		if (!w || strcmp(s->v.v[w - 1].name, s->v.v[i].name))
			s->v.v[w++] = s->v.v[i];
	s->v.n = w;
	return 0;
}

/* Why func (no BTF found for it) cannot be traced: a kernel symbol without BTF, or no such
 * function at all. */
static const char *missing_reason(const struct probe_provider *p, const char *module, const char *func,
				  struct arena *a)
{
	char *text = read_file("/proc/kallsyms", NULL);
	kprobe_sym_vec syms = {0};
	if (text)
		kprobe_syms_match(text, KSYM_KALLSYMS, is_vmlinux(module) ? NULL : module, func, &syms);
	free(text);
	bool known = syms.n > 0;
	kprobe_syms_free(&syms);
	if (known)
		return arena_printf(a, "no BTF for kernel function %s (%s probes need it; kprobe:%s does not)", func,
				    p->name, func);
	if (!is_vmlinux(module))
		return arena_printf(a, "no function %s with BTF in kernel module %s", func, module);
	return arena_printf(a, "unknown kernel function: %s (not in the kernel's BTF nor in /proc/kallsyms)", func);
}

/* ---- provider hooks ------------------------------------------------------------------------ */

static void push_target(const struct probe_provider *p, const char *module, const char *func, struct arena *a,
			probe_target_vec *out)
{
	struct probe_target t = {
		.name = arena_printf(a, "%s:%s:%s", p->name, module, func),
		.target = arena_printf(a, "%s:%s", module, func),
	};
	VEC_PUSH(*out, t);
}

/* A function named without globs: looked up directly (vmlinux first, then the modules). */
static int expand_one(const struct probe_provider *p, const char *module, const char *func, struct arena *a,
		      probe_target_vec *out, const char **err)
{
	const struct btf *b;
	if (module && !is_vmlinux(module)) {
		int id = func_id(module, func, &b);
		if (id == -ENOENT && !ktype_btf(module)) {
			*err = arena_printf(a, "kernel module %s is not loaded (no BTF at /sys/kernel/btf/%s)",
					    module, module);
			return -ENOENT;
		}
		if (id < 0) {
			*err = id == -ENOENT ? missing_reason(p, module, func, a)
					     : arena_printf(a, "cannot read the BTF of module %s: %s", module,
							    strerror(-id));
			return id;
		}
		if (func_id(NULL, func, &b) > 0) {
			/* libbpf 1.1 looks the name up in vmlinux first: it would attach there */
			*err = arena_printf(a, "cannot attach to %s:%s: the kernel itself also has a function %s, "
					       "and libbpf attaches by name to that one",
					    module, func, func);
			return -EINVAL;
		}
		push_target(p, module, func, a, out);
		return 0;
	}
	int id = func_id(NULL, func, &b);
	if (id == -ENOENT && !module) {
		str_vec mods = {0};
		module_names(&mods);
		for (size_t i = 0; i < mods.n && id < 0; i++)
			if (func_id(mods.v[i], func, &b) > 0) {
				push_target(p, mods.v[i], func, a, out);
				id = 0;
			}
		str_vec_free(&mods);
		if (id == 0)
			return 0;
	}
	if (id < 0) {
		*err = id == -ENOENT ? missing_reason(p, module, func, a)
				     : arena_printf(a, "cannot read the kernel's BTF (%s): %s probes need it",
						    strerror(-id), p->name);
		return id;
	}
	push_target(p, "vmlinux", func, a, out);
	return 0;
}

static int fe_expand(const struct probe_provider *p, const char *const *parts, int nparts, struct arena *a,
		     probe_target_vec *out, const char **err)
{
	if (nparts < 1 || nparts > 3) {
		*err = arena_printf(a, "%s probes take a kernel function: %s[:MODULE]:FUNCTION", p->name, p->name);
		return -EINVAL;
	}
	const char *module = nparts >= 2 ? parts[0] : NULL;
	const char *func = parts[nparts - 1];
	if (module && !strcmp(module, "bpf")) {
		*err = arena_printf(a, "%s probes on BPF programs (%s:bpf:...) are not supported yet", p->name, p->name);
		return -EOPNOTSUPP;
	}
	if (nparts > 2) {
		*err = arena_printf(a, "%s probes take a kernel function: %s[:MODULE]:FUNCTION", p->name, p->name);
		return -EINVAL;
	}
	if (module && !name_ok(module, false)) {
		*err = arena_printf(a, "invalid kernel module name: \"%s\"", module);
		return -EINVAL;
	}
	if (!name_ok(func, true) || strlen(func) >= FUNC_NAME_MAX) {
		*err = *func ? arena_printf(a, "invalid kernel function name: \"%s\"", func)
			     : arena_printf(a, "%s probes need a kernel function: %s[:MODULE]:FUNCTION", p->name,
					    p->name);
		return -EINVAL;
	}
	if (!has_glob(func) && (!module || !has_glob(module)))
		return expand_one(p, module, func, a, out, err);
	struct kfunc_set s = {0};
	int ret = collect(module, func, &s);
	if (ret) {
		*err = arena_printf(a, "cannot read the kernel's BTF (%s): %s probes need it", strerror(-ret), p->name);
		kfunc_set_free(&s);
		return ret;
	}
	if (!s.v.n) {
		*err = module ? arena_printf(a, "no traceable kernel function with BTF matches %s:%s", module, func)
			      : arena_printf(a, "no traceable kernel function with BTF matches %s", func);
		kfunc_set_free(&s);
		return -ENOENT;
	}
	for (size_t i = 0; i < s.v.n; i++)
		push_target(p, s.v.v[i].module, s.v.v[i].name, a, out);
	kfunc_set_free(&s);
	return 0;
}

static int fe_list(const struct probe_provider *p, const char *const *parts, int nparts, struct strbuf *out)
{
	/* like kprobes, a listing of everything shows each function once, as an fentry probe */
	if (nparts == 0 && is_exit(p))
		return 0;
	const char *mod_pat = nparts >= 2 ? parts[0] : NULL;
	const char *func_pat = nparts >= 1 ? parts[nparts >= 2 ? 1 : 0] : "*";
	struct kfunc_set s = {0};
	int ret = collect(mod_pat, func_pat, &s);
	for (size_t i = 0; i < s.v.n; i++)
		sb_printf(out, "%s:%s:%s\n", p->name, s.v.v[i].module, s.v.v[i].name);
	kfunc_set_free(&s);
	return ret;
}

static struct type *fe_args_type(struct type_ctx *tc, const char *target, const char **err, struct arena *a)
{
	char module[FUNC_NAME_MAX], func[FUNC_NAME_MAX];
	if (!target_split(target, module, func, sizeof(module))) {
		*err = arena_printf(a, "invalid kernel function target: %s", target);
		return NULL;
	}
	const struct btf *b;
	int id = func_id(module, func, &b);
	if (id < 0) {
		*err = arena_printf(a, "no BTF for kernel function %s: %s", func, strerror(-id));
		return NULL;
	}
	struct type *ret;
	const char *e = NULL;
	struct type *t = ktype_func_args(tc, module, (uint32_t)id, &ret, &e);
	if (!t)
		*err = e;
	return t;
}

static const char *fe_section(const char *target, struct arena *a)
{
	const char *colon = strchr(target, ':');
	return arena_printf(a, "fentry/%s", colon ? colon + 1 : target);
}

static const char *fx_section(const char *target, struct arena *a)
{
	const char *colon = strchr(target, ':');
	return arena_printf(a, "fexit/%s", colon ? colon + 1 : target);
}

static int fe_attach(struct bpf_program *prog, const struct res_probe *rp, struct probe_links *links, char **err)
{
	struct bpf_link *link = bpf_program__attach_trace(prog);
	if (!link) {
		int e = errno ? errno : EINVAL;
		*err = xasprintf("cannot attach %s: %s", rp->name, strerror(e));
		return -e;
	}
	struct probe_link pl = {.link = link, .perf_fd = -1};
	VEC_PUSH(links->v, pl);
	return 0;
}

/* Width and signedness of a value of BTF type id as it sits in a u64 slot. */
static void slot_value(const struct btf *b, __u32 id, struct probe_arg_loc *out)
{
	const struct btf_type *t = btf__type_by_id(b, id);
	for (int guard = 0; t && guard < 64 && (btf_is_typedef(t) || btf_is_mod(t) || btf_is_decl_tag(t)); guard++)
		t = btf__type_by_id(b, t->type);
	out->size = 8;
	out->is_signed = false;
	if (t && btf_is_int(t)) {
		if (t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8) {
			out->size = (uint8_t)t->size;
			out->is_signed = (btf_int_encoding(t) & BTF_INT_SIGNED) != 0;
		}
	} else if (t && btf_is_any_enum(t)) {
		if (t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8) {
			out->size = (uint8_t)t->size;
			out->is_signed = btf_kflag(t);
		}
	}
}

/* argN: slot of argument N; retval (n = -1, fexit only): the slot after the arguments. */
static int fe_arg_loc(const struct res_probe *rp, int n, struct probe_arg_loc *out)
{
	const struct btf *b;
	const struct btf_type *proto = target_proto(rp->target, &b);
	if (!proto || n < -1)
		return -ENOENT;
	*out = (struct probe_arg_loc){.kind = PARG_CTX};
	const struct btf_param *prm = btf_params(proto);
	uint32_t slot = 0;
	for (uint32_t i = 0; i < btf_vlen(proto) && prm[i].type; i++) {
		if ((int)i == n) {
			out->ctx_offset = (int)(8 * slot);
			slot_value(b, prm[i].type, out);
			return 0;
		}
		__s64 size = btf__resolve_size(b, prm[i].type);
		slot += size > 8 ? (uint32_t)((size + 7) / 8) : 1;
	}
	if (n != -1 || !is_exit(rp->prov) || !proto->type)
		return -ENOENT; /* past the last argument; retval of fentry or of a void function */
	out->ctx_offset = (int)(8 * slot);
	slot_value(b, proto->type, out);
	return 0;
}

static const char *const fentry_aliases[] = {"f", "kfunc", NULL};
const struct probe_provider probe_fentry = {
	.name = "fentry",
	.aliases = fentry_aliases,
	.prog_type = BPF_PROG_TYPE_TRACING,
	.has_args = true,
	.expand = fe_expand,
	.list = fe_list,
	.args_type = fe_args_type,
	.section = fe_section,
	.attach = fe_attach,
	.load_refused = "fentry/fexit programs cannot be loaded on this kernel",
	.arg_loc = fe_arg_loc,
	.list_filtered = true,
};

static const char *const fexit_aliases[] = {"fr", "kretfunc", NULL};
const struct probe_provider probe_fexit = {
	.name = "fexit",
	.aliases = fexit_aliases,
	.prog_type = BPF_PROG_TYPE_TRACING,
	.has_args = true,
	.expand = fe_expand,
	.list = fe_list,
	.args_type = fe_args_type,
	.section = fx_section,
	.attach = fe_attach,
	.load_refused = "fentry/fexit programs cannot be loaded on this kernel",
	.arg_loc = fe_arg_loc,
	.list_filtered = true,
};

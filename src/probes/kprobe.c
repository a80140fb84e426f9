/* kprobe/kretprobe providers: `kprobe[:MODULE]:FUNC[+OFFSET]`, `kprobe:0xADDR`, globs in FUNC and
 * MODULE (aliases k/kr). One BPF_PROG_TYPE_KPROBE program and one perf-event kprobe per function,
 * attached through libbpf (bpf_program__attach_kprobe_opts).
 *
 * Globs are expanded against tracefs' available_filter_functions (what bpftrace uses, and what the
 * kernel can trace) when it is readable, else against the t/T symbols of /proc/kallsyms; functions
 * on the kprobes blacklist (debugfs) are dropped when that file is readable. A plain name is not
 * looked up at expansion (reading the symbol lists costs ~50 ms): a missing function is reported
 * when attaching, with the kernel's ENOENT turned into "kprobe target not found".
 *
 * kprobe_multi links (one link for many functions) do not fit "one program per target" and need
 * CONFIG_FPROBE, which Debian's 6.1 kernel lacks; they are not used. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "probes/kprobe.h"
#include "probes/probe.h"
#include "sema/resources.h"

extern const struct probe_provider probe_kprobe, probe_kretprobe;

/* The kernel's KSYM_NAME_LEN (512 since 6.1). */
#define KSYM_NAME_MAX 512

static bool is_ret(const struct probe_provider *p) { return p == &probe_kretprobe; }

/* ---- attach-point parsing ------------------------------------------------------------------ */

/* Characters of a kernel function name (plus glob characters): compiler clones carry dots
 * (`foo.isra.0`, `bar.constprop.0`). */
static bool func_chars_ok(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.*?[]!", *s))
			return false;
	return true;
}

static bool parse_u64(const char *s, uint64_t *v)
{
	if (!*s || !isdigit((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*v = x;
	return true;
}

int kprobe_spec_parse(const char *const *parts, int nparts, bool retprobe, struct arena *a,
		      struct kprobe_spec *spec, const char **err)
{
	const char *pname = retprobe ? "kretprobe" : "kprobe";
	*spec = (struct kprobe_spec){0};
	if (nparts < 1 || nparts > 2) {
		*err = arena_printf(a, "%s probe type requires 1 or 2 arguments, found %d", pname, nparts);
		return -EINVAL;
	}
	const char *fn = parts[nparts - 1];
	if (nparts == 2) {
		if (!*parts[0] || !func_chars_ok(parts[0]) || strchr(parts[0], '.')) {
			*err = arena_printf(a, "invalid kernel module name: \"%s\"", parts[0]);
			return -EINVAL;
		}
		spec->module = arena_strdup(a, parts[0]);
	}
	if (!*fn) {
		*err = arena_printf(a, "%s probe must name a kernel function", pname);
		return -EINVAL;
	}
	if (isdigit((unsigned char)*fn)) {
		/* a raw kernel address */
		if (!parse_u64(fn, &spec->offset)) {
			*err = arena_printf(a, "invalid kernel address: %s", fn);
			return -EINVAL;
		}
		if (spec->module) {
			*err = arena_printf(a, "a %s on an address cannot name a module", pname);
			return -EINVAL;
		}
		return 0;
	}
	const char *plus = strchr(fn, '+');
	char *name = plus ? arena_strndup(a, fn, (size_t)(plus - fn)) : arena_strdup(a, fn);
	if (!*name || !func_chars_ok(name)) {
		*err = arena_printf(a, "invalid kernel function name: \"%s\"", name);
		return -EINVAL;
	}
	spec->func = name;
	if (plus) {
		if (!parse_u64(plus + 1, &spec->offset)) {
			*err = arena_printf(a, "invalid offset \"%s\" in %s:%s (expected FUNC+NUMBER)", plus + 1,
					    pname, fn);
			return -EINVAL;
		}
		spec->has_offset = true;
		if (retprobe) {
			*err = arena_printf(a, "a kretprobe cannot have an offset: %s", fn);
			return -EINVAL;
		}
		if (has_glob(name) || (spec->module && has_glob(spec->module))) {
			*err = arena_printf(a, "an offset cannot be used with a wildcard: %s", fn);
			return -EINVAL;
		}
	}
	return 0;
}

bool kprobe_target_split(const char *target, char *module, char *func, size_t len, uint64_t *offset)
{
	*module = *func = 0;
	*offset = 0;
	if (isdigit((unsigned char)*target))
		return parse_u64(target, offset);
	const char *colon = strchr(target, ':');
	const char *f = target;
	if (colon) {
		size_t n = (size_t)(colon - target);
		if (!n || n >= len)
			return false;
		memcpy(module, target, n);
		module[n] = 0;
		f = colon + 1;
	}
	const char *plus = strchr(f, '+');
	size_t n = plus ? (size_t)(plus - f) : strlen(f);
	if (!n || n >= len)
		return false;
	memcpy(func, f, n);
	func[n] = 0;
	return !plus || parse_u64(plus + 1, offset);
}

/* ---- symbol lists -------------------------------------------------------------------------- */

/* Symbols that are not function entries: compiler-split cold parts, padding and CFI stubs. */
static bool probeable_name(const char *n)
{
	if (!strncmp(n, "__pfx_", 6) || !strncmp(n, "__cfi_", 6) || strstr(n, ".cold"))
		return false;
	for (const char *p = n; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.')
			return false;
	return *n != 0;
}

void kprobe_syms_match(const char *text, enum kprobe_symfmt fmt, const char *mod_pat, const char *func_pat,
		       kprobe_sym_vec *out)
{
	char name[KSYM_NAME_MAX], mod[KSYM_NAME_MAX];
	bool pat_glob = has_glob(func_pat);
	for (const char *line = text; line && *line;) {
		const char *eol = strchr(line, '\n');
		const char *end = eol ? eol : line + strlen(line);
		const char *p = line;
		line = eol ? eol + 1 : NULL;
		if (fmt == KSYM_KALLSYMS) {
			/* ADDR TYPE NAME[\t[MODULE]] */
			while (p < end && *p != ' ')
				p++;
			if (end - p < 4 || (p[1] != 't' && p[1] != 'T') || p[2] != ' ')
				continue;
			p += 3;
		}
		const char *ns = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		size_t nlen = (size_t)(p - ns);
		if (!nlen || nlen >= sizeof(name))
			continue;
		memcpy(name, ns, nlen);
		name[nlen] = 0;
		mod[0] = 0;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end && *p == '[') {
			const char *ms = ++p;
			while (p < end && *p != ']')
				p++;
			size_t mlen = (size_t)(p - ms);
			if (mlen >= sizeof(mod))
				continue;
			memcpy(mod, ms, mlen);
			mod[mlen] = 0;
		}
		if (pat_glob ? !glob_match(func_pat, name) : strcmp(func_pat, name))
			continue;
		if (mod_pat && !glob_match(mod_pat, mod[0] ? mod : "vmlinux"))
			continue;
		if (!probeable_name(name))
			continue;
		struct kprobe_sym s = {.name = xstrdup(name), .module = mod[0] ? xstrdup(mod) : NULL};
		VEC_PUSH(*out, s);
	}
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void kprobe_syms_drop_listed(kprobe_sym_vec *v, const char *blacklist)
{
	VEC(char *) names = {0};
	for (const char *line = blacklist; line && *line;) {
		const char *eol = strchr(line, '\n');
		const char *end = eol ? eol : line + strlen(line);
		const char *p = line;
		line = eol ? eol + 1 : NULL;
		while (p < end && *p != ' ' && *p != '\t') /* 0xSTART-0xEND */
			p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		const char *ns = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		if (p > ns)
			VEC_PUSH(names, xstrndup(ns, (size_t)(p - ns)));
	}
	if (names.n) {
		qsort(names.v, names.n, sizeof(names.v[0]), cmp_str);
		size_t w = 0;
		for (size_t i = 0; i < v->n; i++) {
			if (bsearch(&v->v[i].name, names.v, names.n, sizeof(names.v[0]), cmp_str)) {
				free(v->v[i].name);
				free(v->v[i].module);
			} else {
				v->v[w++] = v->v[i];
			}
		}
		v->n = w;
	}
	for (size_t i = 0; i < names.n; i++)
		free(names.v[i]);
	VEC_FREE(names);
}

static int cmp_sym(const void *a, const void *b)
{
	const struct kprobe_sym *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (!x->module || !y->module)
		return (x->module != NULL) - (y->module != NULL); /* vmlinux first */
	return strcmp(x->module, y->module);
}

void kprobe_syms_sort_unique(kprobe_sym_vec *v, bool by_name)
{
	if (v->n > 1)
		qsort(v->v, v->n, sizeof(v->v[0]), cmp_sym);
	size_t w = 0;
	for (size_t i = 0; i < v->n; i++) {
		struct kprobe_sym *prev = w ? &v->v[w - 1] : NULL;
		if (prev && !strcmp(prev->name, v->v[i].name) &&
		    (by_name || (!prev->module && !v->v[i].module) ||
		     (prev->module && v->v[i].module && !strcmp(prev->module, v->v[i].module)))) {
			free(v->v[i].name);
			free(v->v[i].module);
			continue;
		}
		v->v[w++] = v->v[i];
	}
	v->n = w;
}

void kprobe_syms_free(kprobe_sym_vec *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].name);
		free(v->v[i].module);
	}
	VEC_FREE(*v);
}

/* The kernel's traceable functions matching the patterns, sorted and de-duplicated (one per name
 * when mod_pat is NULL). Returns 0 or -errno when no symbol list is readable. */
static int collect(const char *mod_pat, const char *func_pat, kprobe_sym_vec *out)
{
	char path[PATH_MAX];
	const char *root = tracefs_root();
	char *text = NULL;
	enum kprobe_symfmt fmt = KSYM_FILTER_FUNCS;
	if (root) {
		snprintf(path, sizeof(path), "%s/available_filter_functions", root);
		text = read_file(path, NULL);
	}
	if (!text) {
		fmt = KSYM_KALLSYMS;
		text = read_file("/proc/kallsyms", NULL);
		if (!text)
			return -errno;
	}
	kprobe_syms_match(text, fmt, mod_pat, func_pat, out);
	free(text);
	if (out->n) {
		char *bl = read_file("/sys/kernel/debug/kprobes/blacklist", NULL);
		if (bl)
			kprobe_syms_drop_listed(out, bl);
		free(bl);
	}
	kprobe_syms_sort_unique(out, mod_pat == NULL);
	return 0;
}

/* ---- provider hooks ------------------------------------------------------------------------ */

static int kp_expand(const struct probe_provider *p, const char *const *parts, int nparts, struct arena *a,
		     probe_target_vec *out, const char **err)
{
	struct kprobe_spec s;
	int ret = kprobe_spec_parse(parts, nparts, is_ret(p), a, &s, err);
	if (ret)
		return ret;
	if (!s.func) {
		struct probe_target t = {
			.name = arena_printf(a, "%s:0x%" PRIx64, p->name, s.offset),
			.target = arena_printf(a, "0x%" PRIx64, s.offset),
		};
		VEC_PUSH(*out, t);
		return 0;
	}
	bool builtin = s.module && !strcmp(s.module, "vmlinux");
	if (!has_glob(s.func) && (!s.module || !has_glob(s.module))) {
		struct strbuf tg = {0};
		if (s.module && !builtin)
			sb_printf(&tg, "%s:", s.module);
		sb_puts(&tg, s.func);
		if (s.has_offset)
			sb_printf(&tg, "+%" PRIu64, s.offset);
		struct probe_target t = {
			.name = nparts == 2 ? arena_printf(a, "%s:%s:%s", p->name, parts[0], parts[1])
					    : arena_printf(a, "%s:%s", p->name, parts[0]),
			.target = arena_strdup(a, tg.s),
		};
		sb_free(&tg);
		VEC_PUSH(*out, t);
		return 0;
	}
	kprobe_sym_vec syms = {0};
	ret = collect(s.module, s.func, &syms);
	if (ret) {
		*err = arena_printf(a, "cannot read the kernel's function list (/proc/kallsyms): %s", strerror(-ret));
		return ret;
	}
	if (!syms.n) {
		*err = s.module ? arena_printf(a, "%s target not found: %s:%s", p->name, s.module, s.func)
				: arena_printf(a, "%s target not found: %s", p->name, s.func);
		return -ENOENT;
	}
	for (size_t i = 0; i < syms.n; i++) {
		const struct kprobe_sym *k = &syms.v[i];
		struct probe_target t = {
			.name = s.module ? arena_printf(a, "%s:%s:%s", p->name, k->module ? k->module : "vmlinux", k->name)
					 : arena_printf(a, "%s:%s", p->name, k->name),
			.target = k->module ? arena_printf(a, "%s:%s", k->module, k->name) : arena_strdup(a, k->name),
		};
		VEC_PUSH(*out, t);
	}
	kprobe_syms_free(&syms);
	return 0;
}

static int kp_list(const struct probe_provider *p, const char *const *parts, int nparts, struct strbuf *out)
{
	/* Like bpftrace, a listing of everything shows each function once, as a kprobe. */
	if (nparts == 0 && is_ret(p))
		return 0;
	const char *mod_pat = nparts >= 2 ? parts[0] : NULL;
	const char *func_pat = nparts >= 1 ? parts[nparts >= 2 ? 1 : 0] : "*";
	char *fpat = xstrndup(func_pat, strcspn(func_pat, "+"));
	kprobe_sym_vec syms = {0};
	int ret = collect(mod_pat, *fpat ? fpat : "*", &syms);
	for (size_t i = 0; i < syms.n; i++) {
		const struct kprobe_sym *k = &syms.v[i];
		if (mod_pat)
			sb_printf(out, "%s:%s:%s\n", p->name, k->module ? k->module : "vmlinux", k->name);
		else
			sb_printf(out, "%s:%s\n", p->name, k->name);
	}
	kprobe_syms_free(&syms);
	free(fpat);
	return ret;
}

static const char *kp_section(const char *target, struct arena *a) { return arena_printf(a, "kprobe/%s", target); }
static const char *krp_section(const char *target, struct arena *a)
{
	return arena_printf(a, "kretprobe/%s", target);
}

/* NULL if this kernel can create kprobes, else why not. */
static const char *kprobes_unsupported(void)
{
	if (access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0)
		return NULL;
	const char *root = tracefs_root();
	char path[PATH_MAX];
	if (root) {
		snprintf(path, sizeof(path), "%s/kprobe_events", root);
		if (access(path, F_OK) == 0)
			return NULL; /* libbpf falls back to tracefs kprobe_events */
	}
	if (access("/sys/bus/event_source/devices", F_OK) != 0)
		return "sysfs is not mounted at /sys (cannot find the kprobe PMU)";
	return "this kernel does not support kprobes (no kprobe PMU: built without CONFIG_KPROBES)";
}

static int kp_attach(struct bpf_program *prog, const struct res_probe *rp, struct probe_links *links, char **err)
{
	char mod[KSYM_NAME_MAX], func[KSYM_NAME_MAX];
	uint64_t off;
	if (!kprobe_target_split(rp->target, mod, func, sizeof(func), &off)) {
		*err = xasprintf("invalid kprobe target: %s", rp->target);
		return -EINVAL;
	}
	const char *why = kprobes_unsupported();
	if (why) {
		*err = xasprintf("%s", why);
		return -EOPNOTSUPP;
	}
	bool ret = is_ret(rp->prov);
	/* the kernel resolves "MODULE:FUNC" itself (kallsyms_lookup_name) */
	char *fname = !*func ? NULL : *mod ? xasprintf("%s:%s", mod, func) : xstrdup(func);
	LIBBPF_OPTS(bpf_kprobe_opts, ko, .retprobe = ret, .offset = off);
	errno = 0;
	struct bpf_link *link = bpf_program__attach_kprobe_opts(prog, fname, &ko);
	if (!link) {
		int e = errno ? errno : EINVAL;
		const char *what = fname ? fname : rp->target;
		const char *pname = rp->prov->name;
		if (e == ENOENT)
			*err = xasprintf("%s target not found: %s", pname, what);
		else if (e == EILSEQ)
			*err = xasprintf("offset %" PRIu64 " is not at an instruction boundary of %s", off, what);
		else if (e == EADDRNOTAVAIL)
			*err = xasprintf("%s names more than one kernel function", what);
		else if (e == EINVAL)
			*err = xasprintf("%s (%s may be marked notrace or be on the kprobe blacklist)", strerror(e), what);
		else
			*err = xasprintf("%s: %s", what, strerror(e));
		free(fname);
		return -e;
	}
	free(fname);
	probe_links_add(links, link, -1);
	return 0;
}

static const char *const kp_aliases[] = {"k", NULL};
const struct probe_provider probe_kprobe = {
	.name = "kprobe",
	.aliases = kp_aliases,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.expand = kp_expand,
	.list = kp_list,
	.section = kp_section,
	.attach = kp_attach,
	.ctx_offset = probe_regs_entry_ctx,
};

static const char *const krp_aliases[] = {"kr", NULL};
const struct probe_provider probe_kretprobe = {
	.name = "kretprobe",
	.aliases = krp_aliases,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.expand = kp_expand,
	.list = kp_list,
	.section = krp_section,
	.attach = kp_attach,
	.ctx_offset = probe_regs_return_ctx,
};

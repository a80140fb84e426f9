/* usdt provider: `usdt:BIN:PROVIDER:PROBE` and `usdt:BIN:PROBE` (any provider, if only one has that
 * probe name), globs in both names and in absolute binary paths; BIN is a path, a program on PATH
 * or a library name ("libpython3.11"), as for uprobes. Probes come from the file's SDT notes
 * (btf/sdt.h). A probe compiled at several places has several sites: sites whose operands are
 * the same share one target (one BPF program, attached at all of them); sites with different
 * operands get a target each, with the same probe name. Expansion reads the ELF file once, so a
 * target carries all it needs:
 *     "OFF[,OFF...];SEM;ARGS;PATH"
 * with OFF the sites' file offsets and SEM the semaphore's file offset (hex, 0 = none), ARGS the
 * operands (","-separated, see encode_arg) and PATH the file. Attaching uses uprobes with the
 * semaphore as their ref_ctr_offset, so the kernel increments it in every process that maps the
 * file while the probe is attached, and `if (PROBE_ENABLED())` guards in the program turn on.
 * Like uprobes, a uprobe_multi link is used when the kernel has them (one per target, all sites at
 * once), else one perf-event uprobe per site (always with -p/-c: that one is per process). */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "btf/elfsym.h"
#include "btf/sdt.h"
#include "probes/probe.h"
#include "probes/userbin.h"
#include "sema/resources.h"

extern const struct probe_provider probe_usdt, probe_uprobe;

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#define HOST_ARCH "x86_64"
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#define HOST_ARCH "arm64"
#else
#define HOST_MACHINE EM_NONE
#define HOST_ARCH "this architecture"
#endif

/* ---- matching ------------------------------------------------------------------------------- */

static bool name_matches(const char *pat, const char *s) { return !pat || glob_match(pat, s); }

/* The sites in f matching the patterns (prov_pat NULL = any provider), sorted by provider, name,
 * then file order. */
typedef VEC(const struct sdt_probe *) site_vec;
static int cmp_site(const void *pa, const void *pb)
{
	const struct sdt_probe *a = *(const struct sdt_probe *const *)pa, *b = *(const struct sdt_probe *const *)pb;
	int c = strcmp(a->provider, b->provider);
	if (!c)
		c = strcmp(a->name, b->name);
	if (!c)
		c = a < b ? -1 : a > b; /* sites of one probe stay in note order */
	return c;
}

static void match_sites(const struct sdt_file *f, const char *prov_pat, const char *name_pat, site_vec *out)
{
	for (size_t i = 0; i < f->nprobes; i++)
		if (name_matches(prov_pat, f->probes[i].provider) && name_matches(name_pat, f->probes[i].name))
			VEC_PUSH(*out, &f->probes[i]);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_site);
}

static bool same_probe(const struct sdt_probe *a, const struct sdt_probe *b)
{
	return !strcmp(a->provider, b->provider) && !strcmp(a->name, b->name);
}

/* ---- targets -------------------------------------------------------------------------------- */

/* One operand: s|u, size, then r<reg> | c<value> | m<reg><+|-disp> | x (unreadable). */
static void encode_arg(struct strbuf *sb, const struct sdt_arg *a)
{
	if (a->kind == SDT_ARG_BAD) {
		sb_putc(sb, 'x');
		return;
	}
	sb_printf(sb, "%c%u", a->is_signed ? 's' : 'u', (unsigned)a->size);
	switch (a->kind) {
	case SDT_ARG_REG:
		sb_printf(sb, "r%d", a->reg);
		break;
	case SDT_ARG_CONST:
		sb_printf(sb, "c%" PRId64, a->value);
		break;
	case SDT_ARG_MEM:
		sb_printf(sb, "m%d%+" PRId64, a->reg, a->value);
		break;
	default:
		break;
	}
}

static char *encode_args(const struct sdt_probe *p)
{
	struct strbuf sb = {0};
	sb_puts(&sb, "");
	for (int i = 0; i < p->nargs; i++) {
		if (i)
			sb_putc(&sb, ',');
		encode_arg(&sb, &p->argv[i]);
	}
	return sb_steal(&sb);
}

/* A parsed target. */
struct usdt_target {
	uint64_t *offs;
	size_t noffs;
	uint64_t sem;
	const char *args; /* points into the target string, up to the ';' */
	const char *path;
};

static int parse_target(const char *t, struct usdt_target *out, struct arena *a)
{
	memset(out, 0, sizeof(*out));
	const char *semi = strchr(t, ';');
	if (!semi)
		return -EINVAL;
	size_t n = 1;
	for (const char *p = t; p < semi; p++)
		n += *p == ',';
	out->offs = a ? arena_alloc(a, n * sizeof(*out->offs)) : NULL;
	const char *p = t;
	while (p < semi) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(p, &end, 16);
		if (errno || end == p || (*end != ',' && *end != ';'))
			return -EINVAL;
		if (out->offs)
			out->offs[out->noffs] = v;
		out->noffs++;
		p = *end == ',' ? end + 1 : end;
	}
	char *end;
	out->sem = strtoull(semi + 1, &end, 16);
	if (*end != ';')
		return -EINVAL;
	out->args = end + 1;
	const char *semi3 = strchr(out->args, ';');
	if (!semi3 || semi3[1] != '/')
		return -EINVAL;
	out->path = semi3 + 1;
	return 0;
}

struct expand_state {
	const struct user_bin *bin;
	const struct sdt_file *f;
	struct arena *a;
	probe_target_vec *out;
};

/* A problem that makes a matched site unusable, or NULL. */
static const char *site_problem(const struct expand_state *s, const struct sdt_probe *p)
{
	if (s->f->e_machine != HOST_MACHINE)
		return arena_printf(s->a, "%s is not a binary for " HOST_ARCH " (ELF machine %u)", s->bin->display,
				    (unsigned)s->f->e_machine);
	if (p->bad_pc)
		return arena_printf(s->a, "usdt:%s:%s:%s: the probe address 0x%" PRIx64 " is not in an executable segment",
				    s->bin->display, p->provider, p->name, p->pc);
	if (p->bad_sem)
		return arena_printf(s->a,
				    "usdt:%s:%s:%s: the semaphore at 0x%" PRIx64 " is not in the file's data, so it "
				    "cannot be activated",
				    s->bin->display, p->provider, p->name, p->sem);
	return NULL;
}

/* Targets for the n sites of one probe: one per distinct operand layout (and semaphore). */
static int add_probe(struct expand_state *s, const struct sdt_probe *const *sites, size_t n, const char **err)
{
	VEC(char *) layouts = {0};
	VEC(bool) done = {0};
	for (size_t i = 0; i < n; i++) {
		const struct sdt_probe *p = sites[i];
		if ((*err = site_problem(s, p))) {
			for (size_t j = 0; j < layouts.n; j++)
				free(layouts.v[j]);
			VEC_FREE(layouts);
			VEC_FREE(done);
			return -EINVAL;
		}
		VEC_PUSH(layouts, encode_args(p));
		VEC_PUSH(done, false);
	}
	const struct sdt_probe *first = sites[0];
	for (size_t i = 0; i < n; i++) {
		if (done.v[i])
			continue;
		struct strbuf offs = {0};
		for (size_t j = i; j < n; j++) {
			const struct sdt_probe *p = sites[j];
			if (done.v[j] || strcmp(layouts.v[i], layouts.v[j]) || p->sem_offset != sites[i]->sem_offset)
				continue;
			done.v[j] = true;
			sb_printf(&offs, "%s%" PRIx64, offs.len ? "," : "", p->pc_offset);
		}
		struct probe_target t = {
			.name = arena_printf(s->a, "usdt:%s:%s:%s", s->bin->display, first->provider, first->name),
			.target = arena_printf(s->a, "%s;%" PRIx64 ";%s;%s", offs.s, sites[i]->sem_offset,
					       layouts.v[i], s->bin->path),
		};
		sb_free(&offs);
		VEC_PUSH(*s->out, t);
	}
	for (size_t j = 0; j < layouts.n; j++)
		free(layouts.v[j]);
	VEC_FREE(layouts);
	VEC_FREE(done);
	return 0;
}

/* Targets of the matching probes of one file. Returns 0 (possibly adding none) or -errno. */
static int expand_file(struct expand_state *s, const char *prov_pat, const char *name_pat, const char **err)
{
	site_vec sites = {0};
	match_sites(s->f, prov_pat, name_pat, &sites);
	/* usdt:BIN:NAME names one probe: an exact name found in two providers is ambiguous */
	if (!prov_pat && !has_glob(name_pat)) {
		size_t distinct = 0;
		for (size_t i = 0; i < sites.n; i++)
			distinct += !i || !same_probe(sites.v[i - 1], sites.v[i]);
		if (distinct > 1) {
			*err = arena_printf(s->a,
					    "namespace for usdt:%s:%s not specified, matched %zu probes; name the provider "
					    "(usdt:%s:PROVIDER:%s) or use '*' to attach to all of them (usdt:%s:*:%s)",
					    s->bin->display, name_pat, distinct, s->bin->display, name_pat, s->bin->display,
					    name_pat);
			VEC_FREE(sites);
			return -EINVAL;
		}
	}
	int ret = 0;
	for (size_t i = 0; i < sites.n && !ret;) {
		size_t j = i + 1;
		while (j < sites.n && same_probe(sites.v[i], sites.v[j]))
			j++;
		ret = add_probe(s, sites.v + i, j - i, err);
		i = j;
	}
	VEC_FREE(sites);
	return ret;
}

static int usdt_expand(const struct probe_provider *p, const char *const *parts, int nparts, struct arena *a,
		       probe_target_vec *out, const char **err)
{
	if (nparts != 2 && nparts != 3) {
		*err = arena_printf(a, "usdt probe type requires 2 or 3 arguments (usdt:BINARY:[PROVIDER:]PROBE), found %d",
				    nparts);
		return -EINVAL;
	}
	const char *bin = parts[0], *prov_pat = nparts == 3 ? parts[1] : NULL, *name_pat = parts[nparts - 1];
	if (!*bin || !*name_pat || (prov_pat && !*prov_pat)) {
		*err = arena_printf(a, "usdt probe must name a binary and a probe (usdt:BINARY:[PROVIDER:]PROBE)");
		return -EINVAL;
	}
	if (bin[0] != '/' && has_glob(bin)) {
		*err = arena_printf(a, "usdt:%s:...: probes of every process (or of the process given with -p) are not "
				       "supported yet; name the binary or library, e.g. usdt:/usr/bin/python3:python:%s",
				    bin, name_pat);
		return -EOPNOTSUPP;
	}
	user_bin_vec bins = {0};
	char *msg = NULL;
	int ret = user_bins_resolve(bin, &bins, &msg);
	if (ret) {
		*err = arena_printf(a, "usdt target %s", msg);
		free(msg);
		return ret;
	}
	bool many = bins.n > 1, any_notes = false;
	size_t before = out->n;
	for (size_t i = 0; i < bins.n && !ret; i++) {
		struct sdt_file *f;
		ret = btf_sdt_load(bins.v[i].path, &f, &msg);
		if (ret) {
			if (many) { /* a path glob also matches files that are not ELF */
				free(msg);
				ret = 0;
				continue;
			}
			*err = arena_printf(a, "usdt target %s", msg);
			free(msg);
			break;
		}
		any_notes |= f->nprobes > 0;
		struct expand_state s = {.bin = &bins.v[i], .f = f, .a = a, .out = out};
		ret = expand_file(&s, prov_pat, name_pat, err);
		btf_sdt_free(f);
	}
	if (!ret && out->n == before) {
		const char *what = arena_printf(a, "%s%s%s", prov_pat ? prov_pat : "", prov_pat ? ":" : "", name_pat);
		if (!any_notes)
			*err = arena_printf(a, "usdt target %s has no USDT probes (no .note.stapsdt section)",
					    many ? bin : bins.v[0].display);
		else
			*err = arena_printf(a, "usdt probe%s not found: %s:%s (scry -l 'usdt:%s:*' lists them)",
					    has_glob(what) || many ? "s" : "", many ? bin : bins.v[0].display, what,
					    many ? bin : bins.v[0].display);
		ret = -ENOENT;
	}
	user_bins_free(&bins);
	return ret;
}

/* -l: "usdt:BIN:PROVIDER:NAME" for every matching probe (once, however many sites it has). */
static int usdt_list(const struct probe_provider *p, const char *const *parts, int nparts, struct strbuf *out)
{
	if (nparts < 1 || !*parts[0] || (has_glob(parts[0]) && parts[0][0] != '/'))
		return 0;
	const char *prov_pat = nparts >= 3 ? parts[1] : NULL;
	const char *name_pat = nparts >= 2 && *parts[nparts - 1] ? parts[nparts - 1] : NULL;
	user_bin_vec bins = {0};
	char *msg = NULL;
	int ret = user_bins_resolve(parts[0], &bins, &msg);
	free(msg);
	for (size_t i = 0; !ret && i < bins.n; i++) {
		struct sdt_file *f;
		if (btf_sdt_load(bins.v[i].path, &f, &msg)) {
			free(msg);
			continue;
		}
		site_vec sites = {0};
		match_sites(f, prov_pat, name_pat, &sites);
		for (size_t j = 0; j < sites.n; j++) {
			const struct sdt_probe *sp = sites.v[j];
			if (j && same_probe(sites.v[j - 1], sp))
				continue;
			sb_printf(out, "usdt:%s:%s:%s\n", bins.v[i].display, sp->provider, sp->name);
		}
		VEC_FREE(sites);
		btf_sdt_free(f);
	}
	user_bins_free(&bins);
	return ret;
}

/* ---- arguments ------------------------------------------------------------------------------ */

static int usdt_arg_loc(const struct res_probe *rp, int n, struct probe_arg_loc *out)
{
	struct usdt_target t;
	if (n < 0 || parse_target(rp->target, &t, NULL))
		return -ENOENT;
	const char *s = t.args;
	for (int i = 0; i < n; i++) {
		s = strpbrk(s, ",;");
		if (!s || *s == ';')
			return -ENOENT;
		s++;
	}
	if (*s == ';')
		return -ENOENT;
	if (*s == 'x')
		return -EOPNOTSUPP;
	memset(out, 0, sizeof(*out));
	out->is_signed = s[0] == 's';
	char *end;
	out->size = (uint8_t)strtoul(s + 1, &end, 10);
	char kind = *end++;
	switch (kind) {
	case 'r':
		out->kind = PARG_CTX;
		out->ctx_offset = (int)strtol(end, NULL, 10);
		break;
	case 'c':
		out->kind = PARG_CONST;
		out->value = strtoll(end, NULL, 10);
		break;
	case 'm':
		out->kind = PARG_MEM;
		out->ctx_offset = (int)strtol(end, &end, 10);
		out->value = strtoll(end, NULL, 10);
		out->user = true;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/* ---- attaching ------------------------------------------------------------------------------ */

static const char *usdt_section(const char *target, struct arena *a) { return "usdt"; }

/* uprobe_multi (Linux 6.6), created with a raw bpf(2) call: our headers and libbpf predate it. */
#define UPROBE_MULTI_ATTACH 48 /* BPF_TRACE_UPROBE_MULTI */
struct uprobe_multi_attr {     /* union bpf_attr, BPF_LINK_CREATE, uprobe_multi member */
	uint32_t prog_fd, target_fd, attach_type, flags;
	uint64_t path, offsets, ref_ctr_offsets, cookies;
	uint32_t cnt, multi_flags, pid;
};

static int multi_link(int prog_fd, const char *path, const uint64_t *offs, const uint64_t *ref_ctrs, size_t n)
{
	union bpf_attr attr;
	struct uprobe_multi_attr m = {
		.prog_fd = (uint32_t)prog_fd,
		.attach_type = UPROBE_MULTI_ATTACH,
		.path = (uint64_t)(uintptr_t)path,
		.offsets = (uint64_t)(uintptr_t)offs,
		.ref_ctr_offsets = (uint64_t)(uintptr_t)ref_ctrs,
		.cnt = (uint32_t)n,
	};
	_Static_assert(sizeof(m) <= sizeof(attr), "bpf_attr too small");
	memset(&attr, 0, sizeof(attr));
	memcpy(&attr, &m, sizeof(m));
	int fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

/* Same choice as uprobes: a uprobe_multi program when the kernel has them and no -p/-c. */
static int usdt_prepare(struct bpf_program *prog, const struct res_probe *rp)
{
	return probe_uprobe.prepare ? probe_uprobe.prepare(prog, rp) : 0;
}

static int usdt_attach(struct bpf_program *prog, const struct res_probe *rp, struct probe_links *links, char **err)
{
	struct arena a = {0};
	struct usdt_target t;
	int ret = 0;
	if (parse_target(rp->target, &t, &a)) {
		*err = xasprintf("invalid usdt target: %s", rp->target);
		ret = -EINVAL;
		goto cleanup;
	}
	const char *sem_note = t.sem ? " (with its semaphore)" : "";
	if ((int)bpf_program__expected_attach_type(prog) == UPROBE_MULTI_ATTACH) {
		uint64_t *ref_ctrs = NULL;
		if (t.sem) {
			ref_ctrs = arena_alloc(&a, t.noffs * sizeof(*ref_ctrs));
			for (size_t i = 0; i < t.noffs; i++)
				ref_ctrs[i] = t.sem;
		}
		int fd = multi_link(bpf_program__fd(prog), t.path, t.offs, ref_ctrs, t.noffs);
		if (fd < 0) {
			*err = xasprintf("usdt at offset 0x%" PRIx64 "%s of %s%s: %s", t.offs[0], t.noffs > 1 ? " (and others)" : "",
					 t.path, sem_note, strerror(-fd));
			ret = fd;
			goto cleanup;
		}
		probe_links_add(links, NULL, fd); /* closed by probe_links_destroy */
		goto cleanup;
	}
	for (size_t i = 0; i < t.noffs; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .ref_ctr_offset = (size_t)t.sem);
		struct bpf_link *link =
			bpf_program__attach_uprobe_opts(prog, rp->pid ? rp->pid : -1, t.path, (size_t)t.offs[i], &opts);
		if (!link) {
			int e = errno ? errno : EINVAL;
			*err = xasprintf("usdt at offset 0x%" PRIx64 " of %s%s: %s", t.offs[i], t.path, sem_note, strerror(e));
			ret = -e;
			goto cleanup;
		}
		probe_links_add(links, link, -1);
	}
cleanup:
	arena_free(&a);
	return ret;
}

static const char *const usdt_aliases[] = {"U", NULL};
const struct probe_provider probe_usdt = {
	.name = "usdt",
	.aliases = usdt_aliases,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.expand = usdt_expand,
	.list = usdt_list,
	.section = usdt_section,
	.attach = usdt_attach,
	.arg_loc = usdt_arg_loc,
	.prepare = usdt_prepare,
	.list_filtered = true,
};

/* uprobe / uretprobe providers: `uprobe:BIN:FUNC`, `uprobe:BIN:FUNC+OFFSET`, `uprobe:BIN:ADDR`,
 * globs over function names (`uprobe:/bin/bash:read*`) and over absolute binary paths, and the same
 * without offsets for `uretprobe`. BIN is a path, a program on PATH or a library name ("libc").
 * Each concrete target is one function (one BPF program and one uprobe link); symbols are resolved
 * at expansion, so a target carries the file offset ("OFFSETHEX:PATH") and attaching
 * reads no ELF. argN (uprobe) and retval (uretprobe) are read from pt_regs.
 * A program loaded as a uprobe_multi program (see up_prepare) is attached with a uprobe_multi link,
 * any other through libbpf's perf-event uprobe. */
#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "btf/elfsym.h"
#include "probes/probe.h"
#include "probes/userbin.h"
#include "sema/resources.h"

extern const struct probe_provider probe_uprobe, probe_uretprobe;

static bool is_ret(const struct probe_provider *p) { return p == &probe_uretprobe; }

/* The function part of an attach point. */
struct up_spec {
	enum { SPEC_NAME, SPEC_GLOB, SPEC_ADDR } kind;
	const char *func;  /* SPEC_NAME / SPEC_GLOB: name or pattern (without "+OFFSET") */
	uint64_t value;    /* SPEC_NAME: offset into the function; SPEC_ADDR: the address */
	bool has_offset;
};

static bool parse_u64(const char *s, uint64_t *v)
{
	if (!*s || *s == '-' || *s == '+')
		return false;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*v = x;
	return true;
}

static int parse_spec(const struct probe_provider *p, const char *spec, struct up_spec *out, struct arena *a,
		      const char **err)
{
	memset(out, 0, sizeof(*out));
	if (spec[0] >= '0' && spec[0] <= '9') {
		out->kind = SPEC_ADDR;
		if (!parse_u64(spec, &out->value)) {
			*err = arena_printf(a, "invalid %s address: %s", p->name, spec);
			return -EINVAL;
		}
		return 0;
	}
	const char *plus = strchr(spec, '+');
	out->func = plus ? arena_strndup(a, spec, (size_t)(plus - spec)) : spec;
	out->kind = has_glob(out->func) ? SPEC_GLOB : SPEC_NAME;
	if (!plus)
		return 0;
	if (is_ret(p)) {
		*err = arena_printf(a, "Offset not allowed in %s probes: %s", p->name, spec);
		return -EINVAL;
	}
	if (!*out->func || !parse_u64(plus + 1, &out->value)) {
		*err = arena_printf(a, "invalid %s offset: %s", p->name, spec);
		return -EINVAL;
	}
	if (out->kind == SPEC_GLOB) {
		*err = arena_printf(a, "an offset cannot be combined with a wildcard: %s", spec);
		return -EINVAL;
	}
	out->has_offset = true;
	return 0;
}

struct expand_state {
	const struct probe_provider *p;
	const struct user_bin *bin;
	struct arena *a;
	probe_target_vec *out;
};

static void add_target(struct expand_state *s, const char *spec, uint64_t offset)
{
	struct probe_target t = {
		.name = arena_printf(s->a, "%s:%s:%s", s->p->name, s->bin->display, spec),
		.target = arena_printf(s->a, "%" PRIx64 ":%s", offset, s->bin->path),
	};
	VEC_PUSH(*s->out, t);
}

static int add_func(const struct elf_func *f, void *arg)
{
	add_target(arg, f->name, f->offset);
	return 0;
}

/* Targets of one spec in one binary. Returns 0 (possibly adding none for a glob) or -errno. */
static int expand_bin(struct expand_state *s, const struct elf_symtab *st, const char *spec_text,
		      const struct up_spec *spec, const char **err)
{
	struct arena *a = s->a;
	if (spec->kind == SPEC_GLOB)
		return btf_elf_func_foreach(st, spec->func, add_func, s);
	if (spec->kind == SPEC_ADDR) {
		uint64_t off;
		if (btf_elf_addr_offset(st, spec->value, &off)) {
			*err = arena_printf(a, "%s address 0x%" PRIx64 " is not in an executable segment of %s",
					    s->p->name, spec->value, s->bin->display);
			return -ERANGE;
		}
		add_target(s, spec_text, off);
		return 0;
	}
	const struct elf_func *f = btf_elf_func_find(st, spec->func);
	if (!f) {
		*err = arena_printf(a, "%s target not found: %s:%s", s->p->name, s->bin->display, spec->func);
		return -ENOENT;
	}
	if (spec->has_offset && f->size && spec->value >= f->size) {
		*err = arena_printf(a, "Offset outside the function bounds ('%s' size is %" PRIu64 "): %s",
				    spec->func, f->size, spec_text);
		return -ERANGE;
	}
	add_target(s, spec_text, f->offset + spec->value);
	return 0;
}

static int up_expand(const struct probe_provider *p, const char *const *parts, int nparts, struct arena *a,
		     probe_target_vec *out, const char **err)
{
	if (nparts == 3 && (!strcmp(parts[1], "cpp") || !strcmp(parts[1], "c"))) {
		*err = arena_printf(a, "%s: language prefixes (%s:) and demangled C++ names are not supported yet; "
				       "write the mangled name, e.g. %s:BINARY:_ZN2ns4funcEv", p->name, parts[1], p->name);
		return -EOPNOTSUPP;
	}
	if (nparts != 2) {
		*err = arena_printf(a, "%s probe type requires 2 arguments (%s:BINARY:FUNCTION), found %d%s", p->name,
				    p->name, nparts, nparts > 2 ? " (for a C++ function, write its mangled name)" : "");
		return -EINVAL;
	}
	if (!*parts[0] || !*parts[1]) {
		*err = arena_printf(a, "%s probe must name a binary and a function (%s:BINARY:FUNCTION)", p->name,
				    p->name);
		return -EINVAL;
	}
	struct up_spec spec;
	int ret = parse_spec(p, parts[1], &spec, a, err);
	if (ret)
		return ret;

	user_bin_vec bins = {0};
	char *msg = NULL;
	ret = user_bins_resolve(parts[0], &bins, &msg);
	if (ret) {
		*err = arena_printf(a, "%s target %s", p->name, msg);
		free(msg);
		return ret;
	}
	bool many = bins.n > 1;
	size_t before = out->n;
	for (size_t i = 0; i < bins.n && !ret; i++) {
		struct elf_symtab *st;
		ret = btf_elf_symtab_load(bins.v[i].path, &st, &msg);
		if (ret) {
			if (many) { /* a path glob also matches non-ELF files: skip them */
				free(msg);
				ret = 0;
				continue;
			}
			*err = arena_printf(a, "%s target %s", p->name, msg);
			free(msg);
			break;
		}
		struct expand_state s = {.p = p, .bin = &bins.v[i], .a = a, .out = out};
		const char *e = NULL;
		ret = expand_bin(&s, st, parts[1], &spec, &e);
		btf_elf_symtab_free(st);
		if (ret == -ENOENT && many) /* another binary of the glob may have it */
			ret = 0;
		else if (ret)
			*err = e;
	}
	if (!ret && out->n == before) {
		*err = arena_printf(a, "%s target%s not found: %s:%s", p->name,
				    spec.kind == SPEC_GLOB || many ? "s" : "", many ? parts[0] : bins.v[0].display, parts[1]);
		ret = -ENOENT;
	}
	user_bins_free(&bins);
	return ret;
}

struct list_state {
	const struct probe_provider *p;
	const char *display;
	struct strbuf *out;
};

static int list_func(const struct elf_func *f, void *arg)
{
	struct list_state *s = arg;
	sb_printf(s->out, "%s:%s:%s\n", s->p->name, s->display, f->name);
	return 0;
}

/* -l: every function of the named binary (or binaries) matching the function pattern. Without a
 * binary nothing is listed (scanning every file on the system is not useful). */
static int up_list(const struct probe_provider *p, const char *const *parts, int nparts, struct strbuf *out)
{
	if (nparts < 1 || !*parts[0] || (has_glob(parts[0]) && parts[0][0] != '/'))
		return 0;
	const char *pat = nparts >= 2 && *parts[1] ? parts[1] : "*";
	user_bin_vec bins = {0};
	char *msg = NULL;
	int ret = user_bins_resolve(parts[0], &bins, &msg);
	free(msg);
	for (size_t i = 0; !ret && i < bins.n; i++) {
		struct elf_symtab *st;
		if (btf_elf_symtab_load(bins.v[i].path, &st, &msg)) {
			free(msg);
			continue;
		}
		struct list_state s = {.p = p, .display = bins.v[i].display, .out = out};
		btf_elf_func_foreach(st, pat, list_func, &s);
		btf_elf_symtab_free(st);
	}
	user_bins_free(&bins);
	return ret;
}

static const char *up_section(const char *target, struct arena *a) { return "uprobe"; }
static const char *uret_section(const char *target, struct arena *a) { return "uretprobe"; }

/* uprobe_multi links (Linux 6.6): same pt_regs context, but their teardown is not serialised in the
 * kernel the way perf-event uprobes are (~110 ms each, one after another, measured on 6.18), so
 * many of them detach in parallel. The program must be loaded with this expected attach type; our
 * Linux headers and libbpf 1.1.2 predate it, so the link is created with a raw bpf(2) call. */
#define UPROBE_MULTI_ATTACH 48 /* BPF_TRACE_UPROBE_MULTI */
#define UPROBE_MULTI_RETURN 1u /* BPF_F_UPROBE_MULTI_RETURN */
struct uprobe_multi_attr {     /* union bpf_attr, BPF_LINK_CREATE, uprobe_multi member */
	uint32_t prog_fd, target_fd, attach_type, flags;
	uint64_t path, offsets, ref_ctr_offsets, cookies;
	uint32_t cnt, multi_flags, pid;
};

static int uprobe_multi_link(int prog_fd, const char *path, uint64_t offset, bool ret)
{
	union bpf_attr attr;
	struct uprobe_multi_attr m = {
		.prog_fd = (uint32_t)prog_fd,
		.attach_type = UPROBE_MULTI_ATTACH,
		.path = (uint64_t)(uintptr_t)path,
		.offsets = (uint64_t)(uintptr_t)&offset,
		.cnt = 1,
		.multi_flags = ret ? UPROBE_MULTI_RETURN : 0,
	};
	_Static_assert(sizeof(m) <= sizeof(attr), "bpf_attr too small");
	memset(&attr, 0, sizeof(attr));
	memcpy(&attr, &m, sizeof(m));
	int fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

static bool multi_supported;
static pthread_once_t multi_once = PTHREAD_ONCE_INIT;

/* A kernel with uprobe_multi accepts the attach type and then rejects "/" as not a regular file
 * (EBADF); older kernels reject the attach type (EINVAL). */
static void multi_probe(void)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = UPROBE_MULTI_ATTACH);
	int prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "scry_probe", "GPL", insns, 2, &opts);
	if (prog < 0)
		return;
	int link = uprobe_multi_link(prog, "/", 0, false);
	if (link >= 0)
		close(link);
	multi_supported = link == -EBADF;
	close(prog);
}

/* Before load: make the program a uprobe_multi program when the kernel has them (their links
 * tear down in parallel, perf-event uprobes one after another at ~110 ms each). With -p/-c the
 * probe is limited to one process through a perf-event uprobe with that pid. */
static int up_prepare(struct bpf_program *prog, const struct res_probe *rp)
{
	if (rp->pid)
		return 0;
	pthread_once(&multi_once, multi_probe);
	return multi_supported ? bpf_program__set_expected_attach_type(prog, UPROBE_MULTI_ATTACH) : 0;
}

static int up_attach(struct bpf_program *prog, const struct res_probe *rp, struct probe_links *links, char **err)
{
	char *end;
	errno = 0;
	unsigned long long off = strtoull(rp->target, &end, 16);
	if (errno || *end != ':' || end[1] != '/') {
		*err = xasprintf("invalid uprobe target: %s", rp->target);
		return -EINVAL;
	}
	const char *path = end + 1;
	if ((int)bpf_program__expected_attach_type(prog) == UPROBE_MULTI_ATTACH) {
		int fd = uprobe_multi_link(bpf_program__fd(prog), path, off, is_ret(rp->prov));
		if (fd < 0) {
			*err = xasprintf("%s at offset 0x%llx of %s: %s", rp->prov->name, off, path, strerror(-fd));
			return fd;
		}
		struct probe_link pl = {.link = NULL, .perf_fd = fd}; /* closed by probe_links_destroy */
		VEC_PUSH(links->v, pl);
		return 0;
	}
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = is_ret(rp->prov));
	struct bpf_link *link = bpf_program__attach_uprobe_opts(prog, rp->pid ? rp->pid : -1, path, (size_t)off, &opts);
	if (!link) {
		int e = errno ? errno : EINVAL;
		*err = xasprintf("%s at offset 0x%llx of %s: %s", rp->prov->name, off, path, strerror(e));
		return -e;
	}
	probe_links_add(links, link, -1);
	return 0;
}

static const char *const up_aliases[] = {"u", NULL};
const struct probe_provider probe_uprobe = {
	.name = "uprobe",
	.aliases = up_aliases,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.expand = up_expand,
	.list = up_list,
	.section = up_section,
	.attach = up_attach,
	.ctx_offset = probe_regs_entry_ctx,
	.prepare = up_prepare,
	.list_filtered = true,
};

static const char *const uret_aliases[] = {"ur", NULL};
const struct probe_provider probe_uretprobe = {
	.name = "uretprobe",
	.aliases = uret_aliases,
	.prog_type = BPF_PROG_TYPE_KPROBE,
	.expand = up_expand,
	.list = up_list,
	.section = uret_section,
	.attach = up_attach,
	.ctx_offset = probe_regs_return_ctx,
	.prepare = up_prepare,
	.list_filtered = true,
};

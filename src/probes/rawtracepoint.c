/* rawtracepoint provider: `rawtracepoint[:MODULE]:EVENT` (alias `rt`), globs in EVENT. A BTF-typed
 * raw tracepoint program (tp_btf): argN are the tracepoint's raw arguments, read from the context
 * array. Events are the kernel's `btf_trace_EVENT` typedefs in vmlinux (or module) BTF, which is
 * only loaded when a script or a listing names this provider. */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "probes/probe.h"
#include "sema/resources.h"

#define PREFIX "btf_trace_"

/* Load the BTF to search: vmlinux, or a module's split BTF. NULL with errno on failure. */
static struct btf *load_btf(const char *module, struct btf **base)
{
	*base = NULL;
	if (!module || !strcmp(module, "vmlinux"))
		return btf__load_vmlinux_btf();
	*base = btf__load_vmlinux_btf();
	if (!*base)
		return NULL;
	char path[256];
	snprintf(path, sizeof(path), "/sys/kernel/btf/%s", module);
	struct btf *b = btf__parse_split(path, *base);
	if (!b) {
		int e = errno;
		btf__free(*base);
		*base = NULL;
		errno = e;
	}
	return b;
}

/* Call fn for every raw tracepoint event name in b matching glob (own types only for modules). */
static int each_event(const struct btf *b, const struct btf *base, const char *glob,
		      void (*fn)(const char *event, void *ctx), void *ctx)
{
	int found = 0;
	__u32 first = base ? btf__type_cnt(base) : 1, n = btf__type_cnt(b);
	for (__u32 id = first; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(b, id);
		if (!btf_is_typedef(t))
			continue;
		const char *name = btf__name_by_offset(b, t->name_off);
		if (!name || strncmp(name, PREFIX, sizeof(PREFIX) - 1))
			continue;
		const char *ev = name + sizeof(PREFIX) - 1;
		if (glob_match(glob, ev)) {
			fn(ev, ctx);
			found++;
		}
	}
	return found;
}

struct expand_ctx {
	struct arena *a;
	probe_target_vec *out;
	const char *module;
};

static void add_target(const char *event, void *vctx)
{
	struct expand_ctx *c = vctx;
	struct probe_target t = {
		.name = c->module ? arena_printf(c->a, "rawtracepoint:%s:%s", c->module, event)
				  : arena_printf(c->a, "rawtracepoint:%s", event),
		.target = arena_strdup(c->a, event),
	};
	VEC_PUSH(*c->out, t);
}

static int rt_expand(const struct probe_provider *p, const char *const *parts, int nparts, struct arena *a,
		     probe_target_vec *out, const char **err)
{
	if (nparts < 1 || nparts > 2 || !*parts[nparts - 1]) {
		*err = "rawtracepoint probes take an event: rawtracepoint[:MODULE]:EVENT";
		return -EINVAL;
	}
	const char *module = nparts == 2 ? parts[0] : NULL;
	const char *event = parts[nparts - 1];
	struct btf *base;
	struct btf *b = load_btf(module, &base);
	if (!b) {
		*err = arena_printf(a, "cannot read the kernel's BTF%s%s: %s (raw tracepoints need BTF)",
				    module ? " of module " : "", module ? module : "", strerror(errno));
		return -ENOENT;
	}
	size_t before = out->n;
	struct expand_ctx c = {a, out, module};
	each_event(b, base, event, add_target, &c);
	btf__free(b);
	btf__free(base);
	if (out->n == before) {
		*err = arena_printf(a, "raw tracepoint not found: %s", event);
		return -ENOENT;
	}
	return 0;
}

static void list_one(const char *event, void *vctx) { sb_printf(vctx, "rawtracepoint:%s\n", event); }

static int rt_list(const struct probe_provider *p, const char *const *parts, int nparts, struct strbuf *out)
{
	struct btf *base;
	struct btf *b = load_btf(nparts == 2 ? parts[0] : NULL, &base);
	if (!b)
		return -errno;
	each_event(b, base, nparts ? parts[nparts - 1] : "*", list_one, out);
	btf__free(b);
	btf__free(base);
	return 0;
}

static const char *rt_section(const char *target, struct arena *a) { return arena_printf(a, "tp_btf/%s", target); }

static int rt_attach(struct bpf_program *prog, const struct res_probe *rp, struct probe_links *links, char **err)
{
	struct bpf_link *link = bpf_program__attach_trace(prog);
	if (!link) {
		int e = errno ? errno : EINVAL;
		*err = xasprintf("cannot attach %s: %s", rp->name, strerror(e));
		return -e;
	}
	probe_links_add(links, link, -1);
	return 0;
}

/* The context is the array of the tracepoint's raw arguments (u64 each; at most 12). The verifier
 * rejects a read past the event's own argument count, naming the probe. */
static int rt_ctx_offset(enum probe_ctx_value what, int n)
{
	return what == PCTX_ARG && n >= 0 && n < 12 ? n * 8 : -1;
}

static const char *const rt_aliases[] = {"rt", NULL};
const struct probe_provider probe_rawtracepoint = {
	.name = "rawtracepoint",
	.aliases = rt_aliases,
	.prog_type = BPF_PROG_TYPE_TRACING,
	.expand = rt_expand,
	.list = rt_list,
	.section = rt_section,
	.attach = rt_attach,
	.ctx_offset = rt_ctx_offset,
};

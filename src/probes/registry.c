/* registry: the table of probe providers. Adding a probe type = one file + one row here. */
#include <errno.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "btf/tpformat.h"
#include "probes/probe.h"

extern const struct probe_provider probe_begin, probe_end, probe_tracepoint, probe_interval, probe_profile;
extern const struct probe_provider probe_software, probe_hardware, probe_rawtracepoint;
extern const struct probe_provider probe_kprobe, probe_kretprobe;
extern const struct probe_provider probe_fentry, probe_fexit;
extern const struct probe_provider probe_uprobe, probe_uretprobe;
extern const struct probe_provider probe_usdt;
extern const struct probe_provider probe_self, probe_watchpoint, probe_iter;

/* Providers that scry knows by name but cannot attach yet: expansion fails with a clear message. */
static int unsupported_expand(const struct probe_provider *p, const char *const *parts, int nparts,
			      struct arena *a, probe_target_vec *out, const char **err)
{
	*err = arena_printf(a, "%s probes are not supported yet", p->name);
	return -EOPNOTSUPP;
}

static int unsupported_list(const struct probe_provider *p, const char *const *parts, int nparts,
			    struct strbuf *out)
{
	return -EOPNOTSUPP;
}

#define UNSUPPORTED(var, pname, ptype, args, ...)                                                          \
	static const char *const var##_aliases[] = {__VA_ARGS__, NULL};                                    \
	static const struct probe_provider var = {                                                         \
		.name = pname,                                                                             \
		.aliases = var##_aliases,                                                                  \
		.prog_type = ptype,                                                                        \
		.has_args = args,                                                                          \
		.expand = unsupported_expand,                                                              \
		.list = unsupported_list,                                                                  \
	}

const struct probe_provider *const probe_providers[] = {
	&probe_begin,    &probe_end,      &probe_self,       &probe_tracepoint, &probe_rawtracepoint, &probe_kprobe,
	&probe_kretprobe, &probe_fentry,  &probe_fexit,      &probe_uprobe,        &probe_uretprobe,
	&probe_usdt,     &probe_software, &probe_hardware,   &probe_profile,       &probe_interval,
	&probe_watchpoint, &probe_iter,   NULL,
};

const struct probe_provider *probe_provider_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; probe_providers[i]; i++) {
		const struct probe_provider *p = probe_providers[i];
		if (p->special != PS_NONE ? !strcasecmp(p->name, name) : !strcmp(p->name, name))
			return p;
		for (const char *const *al = p->aliases; al && *al; al++)
			if (!strcmp(*al, name))
				return p;
	}
	return NULL;
}

const char *tracefs_root(void) { return btf_tracefs_root(); }

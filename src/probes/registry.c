/* registry: the table of probe providers. Adding a probe type = one file + one row here. */
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

const struct probe_provider *const probe_providers[] = {
	&probe_begin,      &probe_end,      &probe_self,     &probe_tracepoint, &probe_rawtracepoint,
	&probe_kprobe,     &probe_kretprobe, &probe_fentry,  &probe_fexit,      &probe_uprobe,
	&probe_uretprobe,  &probe_usdt,     &probe_software, &probe_hardware,   &probe_profile,
	&probe_interval,   &probe_watchpoint, &probe_iter,   NULL,
};

const struct probe_provider *probe_provider_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; probe_providers[i]; i++) {
		const struct probe_provider *p = probe_providers[i];
		bool any_case = p->special == PS_BEGIN || p->special == PS_END; /* BEGIN, END */
		if (any_case ? !strcasecmp(p->name, name) : !strcmp(p->name, name))
			return p;
		for (const char *const *al = p->aliases; al && *al; al++)
			if (!strcmp(*al, name))
				return p;
	}
	return NULL;
}

const char *tracefs_root(void) { return btf_tracefs_root(); }

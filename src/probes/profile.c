/* profile provider: `profile:hz:99`, `profile:ms:10`, `profile:1ms` — a CPU-clock perf event on
 * every online CPU. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>

#include "probes/probe.h"
#include "probes/timer.h"
#include "sema/resources.h"

static int profile_expand(const struct probe_provider *p, const char *const *parts, int nparts, struct arena *a,
			  probe_target_vec *out, const char **err)
{
	struct probe_target t;
	int ret = timer_parse(p->name, parts, nparts, a, &t, err);
	if (ret)
		return ret;
	VEC_PUSH(*out, t);
	return 0;
}

static int profile_list(const struct probe_provider *p, const char *const *parts, int nparts, struct strbuf *out)
{
	return timer_list(p->name, parts, nparts, out);
}

static const char *profile_section(const char *target, struct arena *a)
{
	return "perf_event";
}

/* One event per online CPU. On error, links attached so far stay in `links` (the caller destroys
 * them with the rest). */
static int profile_attach(struct bpf_program *prog, const struct res_probe *rp, struct probe_links *links,
			  char **err)
{
	int *cpus;
	int n = timer_online_cpus(&cpus);
	if (n < 0) {
		*err = xasprintf("cannot read the online CPU list for %s", rp->name);
		return n;
	}
	int ret = 0;
	for (int i = 0; i < n && !ret; i++)
		ret = timer_attach_cpu(prog, rp, cpus[i], links, err);
	free(cpus);
	return ret;
}

static const char *const profile_aliases[] = {"p", NULL};
const struct probe_provider probe_profile = {
	.name = "profile",
	.aliases = profile_aliases,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.expand = profile_expand,
	.list = profile_list,
	.section = profile_section,
	.attach = profile_attach,
};

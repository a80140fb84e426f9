/* interval provider: `interval:s:1`, `interval:hz:10`, `interval:1s` — a CPU-clock perf event on the
 * first online CPU runs the program once per period. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>

#include "probes/probe.h"
#include "probes/timer.h"
#include "sema/resources.h"

static int interval_attach(struct bpf_program *prog, const struct res_probe *rp, struct probe_links *links,
			   char **err)
{
	int *cpus;
	int n = timer_online_cpus(&cpus);
	if (n < 0) {
		*err = xasprintf("cannot read the online CPU list for %s", rp->name);
		return n;
	}
	int cpu = cpus[0];
	free(cpus);
	return timer_attach_cpu(prog, rp, cpu, links, err);
}

static const char *const interval_aliases[] = {"i", NULL};
const struct probe_provider probe_interval = {
	.name = "interval",
	.aliases = interval_aliases,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.expand = timer_expand,
	.list = timer_provider_list,
	.section = timer_section,
	.attach = interval_attach,
};

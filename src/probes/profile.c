/* profile provider: `profile:hz:99`, `profile:ms:10`, `profile:1ms` — a CPU-clock perf event on
 * every online CPU. */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdlib.h>

#include "probes/probe.h"
#include "probes/timer.h"
#include "sema/resources.h"

/* One event per online CPU. On error, links attached so far stay in `links` (the caller destroys
 * them with the rest). */
static int profile_attach(struct bpf_program *prog, const struct res_probe *rp, struct probe_links *links,
			  char **err)
{
	return perf_attach_all_cpus(prog, rp, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, links, err);
}

static const char *const profile_aliases[] = {"p", NULL};
const struct probe_provider probe_profile = {
	.name = "profile",
	.aliases = profile_aliases,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.expand = timer_expand,
	.list = timer_provider_list,
	.section = timer_section,
	.attach = profile_attach,
};

/* hardware provider: `hardware:cache-misses:1000000`, `h:cycles` — hardware PMU events on every
 * CPU. Machines without a PMU (VMs) fail at attach with a message saying so. */
#include <linux/bpf.h>

#include "probes/perfevent.h"

static int hardware_attach(struct bpf_program *prog, const struct res_probe *rp, struct probe_links *links,
			   char **err)
{
	return perfevent_attach_table(perfevent_table("hardware"), prog, rp, links, err);
}

static const char *const hardware_aliases[] = {"h", NULL};
const struct probe_provider probe_hardware = {
	.name = "hardware",
	.aliases = hardware_aliases,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.expand = perfevent_expand,
	.list = perfevent_list,
	.section = perfevent_section,
	.attach = hardware_attach,
};

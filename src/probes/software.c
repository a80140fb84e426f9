/* software provider: `software:page-faults:100`, `s:cs` — software perf events on every CPU. */
#include <linux/bpf.h>

#include "probes/perfevent.h"

static int software_attach(struct bpf_program *prog, const struct res_probe *rp, struct probe_links *links,
			   char **err)
{
	return perfevent_attach_table(perfevent_table("software"), prog, rp, links, err);
}

static const char *const software_aliases[] = {"s", NULL};
const struct probe_provider probe_software = {
	.name = "software",
	.aliases = software_aliases,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.expand = perfevent_expand,
	.list = perfevent_list,
	.section = perfevent_section,
	.attach = software_attach,
};

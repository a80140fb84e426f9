/* begin/end providers: raw_tracepoint-type programs that the runtime runs once with
 * bpf_prog_test_run_opts (at start and at exit); nothing is attached. */
#include <errno.h>
#include <linux/bpf.h>

#include "probes/probe.h"

static int special_expand(const struct probe_provider *p, const char *const *parts, int nparts, struct arena *a,
			  probe_target_vec *out, const char **err)
{
	if (nparts > 0) {
		*err = arena_printf(a, "%s probes should not have a target", p->name);
		return -EINVAL;
	}
	struct probe_target t = {.name = p->name, .target = p->name};
	VEC_PUSH(*out, t);
	return 0;
}

static int special_list(const struct probe_provider *p, const char *const *parts, int nparts, struct strbuf *out)
{
	sb_printf(out, "%s\n", p->name);
	return 0;
}

static const char *special_section(const char *target, struct arena *a)
{
	return "raw_tp";
}

static const char *const no_aliases[] = {NULL};
const struct probe_provider probe_begin = {
	.name = "begin",
	.aliases = no_aliases,
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
	.special = PS_BEGIN,
	.expand = special_expand,
	.list = special_list,
	.section = special_section,
};
const struct probe_provider probe_end = {
	.name = "end",
	.aliases = no_aliases,
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
	.special = PS_END,
	.expand = special_expand,
	.list = special_list,
	.section = special_section,
};

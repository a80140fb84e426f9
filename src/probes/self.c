/* self provider: `self:signal:SIGUSR1` — a raw_tracepoint-type program, like begin/end, that the
 * runtime runs with bpf_prog_test_run_opts each time scry receives SIGUSR1 (only that signal);
 * nothing is attached. */
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>

#include "probes/probe.h"

#define SELF_SIGNAL "SIGUSR1"

static int self_expand(const struct probe_provider *p, const char *const *parts, int nparts, struct arena *a,
		       probe_target_vec *out, const char **err)
{
	if (nparts != 2 || strcmp(parts[0], "signal")) {
		*err = "self probes take the form self:signal:SIGUSR1";
		return -EINVAL;
	}
	if (strcmp(parts[1], SELF_SIGNAL)) {
		*err = arena_printf(a, "self:signal supports only " SELF_SIGNAL ", not %s", parts[1]);
		return -EINVAL;
	}
	struct probe_target t = {.name = "self:signal:" SELF_SIGNAL, .target = "signal:" SELF_SIGNAL};
	VEC_PUSH(*out, t);
	return 0;
}

static int self_list(const struct probe_provider *p, const char *const *parts, int nparts, struct strbuf *out)
{
	sb_puts(out, "self:signal:" SELF_SIGNAL "\n");
	return 0;
}

static const char *self_section(const char *target, struct arena *a) { return "raw_tp"; }

static const char *const no_aliases[] = {NULL};
const struct probe_provider probe_self = {
	.name = "self",
	.aliases = no_aliases,
	.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT,
	.special = PS_SIGNAL,
	.expand = self_expand,
	.list = self_list,
	.section = self_section,
};

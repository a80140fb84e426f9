/* perfevent: `software:EVENT[:COUNT]` and `hardware:EVENT[:COUNT]` — a perf event of the given
 * type on every online CPU runs the program once every COUNT occurrences (default per event). */
#include "probes/perfevent.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>

#include "probes/timer.h"
#include "sema/resources.h"

static const struct perf_event_def sw_defs[] = {
	{"alignment-faults", NULL, PERF_COUNT_SW_ALIGNMENT_FAULTS, 1},
	{"bpf-output", NULL, PERF_COUNT_SW_BPF_OUTPUT, 1},
	{"context-switches", "cs", PERF_COUNT_SW_CONTEXT_SWITCHES, 1000},
	{"cpu-clock", "cpu", PERF_COUNT_SW_CPU_CLOCK, 1000000},
	{"cpu-migrations", NULL, PERF_COUNT_SW_CPU_MIGRATIONS, 1},
	{"dummy", NULL, PERF_COUNT_SW_DUMMY, 1},
	{"emulation-faults", NULL, PERF_COUNT_SW_EMULATION_FAULTS, 1},
	{"major-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1},
	{"minor-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MIN, 100},
	{"page-faults", "faults", PERF_COUNT_SW_PAGE_FAULTS, 100},
	{"task-clock", NULL, PERF_COUNT_SW_TASK_CLOCK, 1},
};

static const struct perf_event_def hw_defs[] = {
	{"backend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_BACKEND, 1000000},
	{"branch-instructions", "branches", PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 100000},
	{"branch-misses", NULL, PERF_COUNT_HW_BRANCH_MISSES, 100000},
	{"bus-cycles", NULL, PERF_COUNT_HW_BUS_CYCLES, 100000},
	{"cache-misses", NULL, PERF_COUNT_HW_CACHE_MISSES, 1000000},
	{"cache-references", NULL, PERF_COUNT_HW_CACHE_REFERENCES, 1000000},
	{"cpu-cycles", "cycles", PERF_COUNT_HW_CPU_CYCLES, 1000000},
	{"frontend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, 1000000},
	{"instructions", NULL, PERF_COUNT_HW_INSTRUCTIONS, 1000000},
	{"ref-cycles", NULL, PERF_COUNT_HW_REF_CPU_CYCLES, 1000000},
};

static const struct perf_event_table sw_table = {PERF_TYPE_SOFTWARE, sw_defs, sizeof(sw_defs) / sizeof(sw_defs[0])};
static const struct perf_event_table hw_table = {PERF_TYPE_HARDWARE, hw_defs, sizeof(hw_defs) / sizeof(hw_defs[0])};

const struct perf_event_table *perfevent_table(const char *provider)
{
	return !strcmp(provider, "hardware") ? &hw_table : &sw_table;
}

static const struct perf_event_def *find_def(const struct perf_event_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->defs[i].name, name) || (t->defs[i].alias && !strcmp(t->defs[i].alias, name)))
			return &t->defs[i];
	return NULL;
}

int perfevent_expand(const struct probe_provider *p, const char *const *parts, int nparts, struct arena *a,
		     probe_target_vec *out, const char **err)
{
	const struct perf_event_table *t = perfevent_table(p->name);
	if (nparts < 1 || nparts > 2 || !*parts[0]) {
		*err = arena_printf(a, "%s probes take an event and an optional count: %s:EVENT[:COUNT]", p->name,
				    p->name);
		return -EINVAL;
	}
	const struct perf_event_def *d = find_def(t, parts[0]);
	if (!d) {
		*err = arena_printf(a, "unknown %s event '%s' (scry -l '%s:*' lists them)", p->name, parts[0], p->name);
		return -ENOENT;
	}
	uint64_t count = d->period;
	if (nparts == 2) {
		const char *why = NULL;
		if (timer_parse_uint(parts[1], false, &count, &why) || count == 0) {
			*err = arena_printf(a, "invalid count '%s' for %s:%s: %s", parts[1], p->name, parts[0],
					    why ? why : "must be greater than 0");
			return -EINVAL;
		}
	}
	struct probe_target pt = {
		.name = nparts == 2 ? arena_printf(a, "%s:%s:%s", p->name, parts[0], parts[1])
				    : arena_printf(a, "%s:%s", p->name, parts[0]),
		.target = arena_strdup(a, d->name),
		.period = count,
	};
	VEC_PUSH(*out, pt);
	return 0;
}

int perfevent_list(const struct probe_provider *p, const char *const *parts, int nparts, struct strbuf *out)
{
	const struct perf_event_table *t = perfevent_table(p->name);
	for (size_t i = 0; i < t->n; i++) {
		sb_printf(out, "%s:%s:\n", p->name, t->defs[i].name);
		if (t->defs[i].alias)
			sb_printf(out, "%s:%s:\n", p->name, t->defs[i].alias);
	}
	return 0;
}

const char *perfevent_section(const char *target, struct arena *a) { return "perf_event"; }

int perfevent_attach_table(const struct perf_event_table *t, struct bpf_program *prog, const struct res_probe *rp,
			   struct probe_links *links, char **err)
{
	const struct perf_event_def *d = find_def(t, rp->target);
	if (!d) {
		*err = xasprintf("unknown event in %s", rp->name);
		return -ENOENT;
	}
	return perf_attach_all_cpus(prog, rp, t->type, d->config, links, err);
}

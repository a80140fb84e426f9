/* perfevent: internal to src/probes. The software and hardware providers are the same mechanism
 * (a sampling perf event per online CPU) over different event tables; this is that mechanism. */
#ifndef SCRY_PROBES_PERFEVENT_H
#define SCRY_PROBES_PERFEVENT_H
#include <stdint.h>

#include "probes/probe.h"

struct perf_event_def {
	const char *name;    /* "page-faults" */
	const char *alias;   /* "faults" or NULL */
	uint64_t config;     /* PERF_COUNT_SW_* / PERF_COUNT_HW_* */
	uint64_t period;     /* default sample period */
};

struct perf_event_table {
	uint32_t type; /* PERF_TYPE_SOFTWARE / PERF_TYPE_HARDWARE */
	const struct perf_event_def *defs;
	size_t n;
};

/* Provider hooks; p->name selects the table ("software" or "hardware"). */
int perfevent_expand(const struct probe_provider *p, const char *const *parts, int nparts, struct arena *a,
		     probe_target_vec *out, const char **err);
int perfevent_list(const struct probe_provider *p, const char *const *parts, int nparts, struct strbuf *out);
const char *perfevent_section(const char *target, struct arena *a);
int perfevent_attach_table(const struct perf_event_table *t, struct bpf_program *prog, const struct res_probe *rp,
			   struct probe_links *links, char **err);
const struct perf_event_table *perfevent_table(const char *provider);
#endif

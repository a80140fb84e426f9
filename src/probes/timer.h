/* probes/timer: internal to src/probes, shared by interval.c and profile.c (tracepoint.c uses the
 * online CPU list too): parsing of time specs (`s:1`, `hz:99`, `1s`, `1000000`), CPU-clock perf
 * events and the online CPU list. Strings come from the arena passed in; CPU lists are malloc'ed. */
#ifndef SCRY_PROBES_TIMER_H
#define SCRY_PROBES_TIMER_H
#include <stdbool.h>
#include <stdint.h>

#include "probes/probe.h"

/* Parse the parts after the provider name `prov` ("interval" or "profile") into one target:
 *   UNIT:N  with UNIT one of s, ms, us (period) or hz (frequency); name "prov:UNIT:N"
 *   N       nanoseconds, optionally with a time suffix (ns, us, ms, s, m, h, d), at least 1000;
 *           named as bpftrace names it: "prov:us:<N/1000>"
 * N may be decimal, 0x hex, 0b binary, 0-prefixed octal or 1e9-style, with `_` separators.
 * Returns 0 or -EINVAL with *err set (arena-allocated). */
int timer_parse(const char *prov, const char *const *parts, int nparts, struct arena *a, struct probe_target *out,
		const char **err);

/* Parse an unsigned number as above; `time_suffix` allows ns/us/ms/s/m/h/d (result in ns).
 * Returns 0 or -EINVAL (bad text) / -ERANGE (overflow) with *why set to a static reason. */
int timer_parse_uint(const char *s, bool time_suffix, uint64_t *out, const char **why);

/* Online CPUs from /sys/devices/system/cpu/online ("0-3,5"). Returns the count (>0) and a
 * malloc'ed array in *cpus, or -errno. */
int timer_online_cpus(int **cpus);

/* Open a PERF_TYPE_SOFTWARE/CPU_CLOCK sampling event on `cpu` for all tasks with rp's period (ns)
 * or frequency (hz), and attach prog to it; the link is added to links. Returns 0 or -errno with
 * *err set (malloc'ed). */
int timer_attach_cpu(struct bpf_program *prog, const struct res_probe *rp, int cpu, struct probe_links *links,
		     char **err);

/* Open a sampling perf event (type/config, rp's period or frequency) on `cpu` for all tasks and
 * attach prog; perf_attach_all_cpus does it on every online CPU. Returns 0 or -errno with *err
 * set (malloc'ed); links attached before a failure stay in `links`. */
int perf_attach_cpu(struct bpf_program *prog, const struct res_probe *rp, uint32_t type, uint64_t config, int cpu,
		    struct probe_links *links, char **err);
int perf_attach_all_cpus(struct bpf_program *prog, const struct res_probe *rp, uint32_t type, uint64_t config,
			 struct probe_links *links, char **err);

/* list(): "prov:hz:", "prov:ms:", "prov:s:", "prov:us:" lines for the units matching parts[0]. */
int timer_list(const char *prov, const char *const *parts, int nparts, struct strbuf *out);
/* Provider hooks shared by interval and profile (they differ only in attach). */
int timer_expand(const struct probe_provider *p, const char *const *parts, int nparts, struct arena *a,
		 probe_target_vec *out, const char **err);
int timer_provider_list(const struct probe_provider *p, const char *const *parts, int nparts, struct strbuf *out);
const char *timer_section(const char *target, struct arena *a);
#endif

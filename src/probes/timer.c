/* timer: time-spec parsing and CPU-clock perf events shared by the interval and profile providers. */
#include "probes/timer.h"

#include <bpf/libbpf.h>
#include <ctype.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sema/resources.h"

static const char *const units[] = {"hz", "ms", "s", "us"}; /* sorted, for listing */

static bool mul_ok(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

int timer_parse_uint(const char *text, bool time_suffix, uint64_t *out, const char **why)
{
	char buf[64];
	size_t n = 0;
	for (const char *s = text; *s; s++) {
		if (*s == '_')
			continue;
		if (n + 1 >= sizeof(buf)) {
			*why = "invalid integer";
			return -EINVAL;
		}
		buf[n++] = *s;
	}
	buf[n] = 0;
	if (!isdigit((unsigned char)buf[0])) {
		*why = "invalid integer";
		return -EINVAL;
	}
	int base = 10;
	const char *digits = buf;
	if (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X'))
		base = 16, digits = buf + 2;
	else if (buf[0] == '0' && (buf[1] == 'b' || buf[1] == 'B'))
		base = 2, digits = buf + 2;
	else if (buf[0] == '0' && buf[1] >= '0' && buf[1] <= '7')
		base = 8, digits = buf + 1;
	if (!isxdigit((unsigned char)digits[0])) {
		*why = "invalid integer";
		return -EINVAL;
	}
	char *end;
	errno = 0;
	uint64_t v = strtoull(digits, &end, base);
	if (end == digits) {
		*why = "invalid integer";
		return -EINVAL;
	}
	if (errno == ERANGE) {
		*why = "overflow";
		return -ERANGE;
	}
	/* 1e9 */
	if (base == 10 && (*end == 'e' || *end == 'E') && isdigit((unsigned char)end[1])) {
		char *eend;
		unsigned long exp = strtoul(end + 1, &eend, 10);
		for (unsigned long i = 0; v && i < exp; i++)
			if (i >= 20 || !mul_ok(v, 10, &v)) {
				*why = "overflow";
				return -ERANGE;
			}
		end = eend;
	}
	uint64_t mult = 1;
	if (*end) {
		static const struct {
			const char *s;
			uint64_t ns;
		} sfx[] = {{"ns", 1},
			   {"us", 1000},
			   {"ms", 1000000},
			   {"s", 1000000000},
			   {"m", 60ull * 1000000000},
			   {"h", 3600ull * 1000000000},
			   {"d", 86400ull * 1000000000}};
		bool found = false;
		for (size_t i = 0; time_suffix && i < ARRAY_SIZE(sfx); i++)
			if (!strcmp(end, sfx[i].s)) {
				mult = sfx[i].ns;
				found = true;
			}
		if (!found) {
			*why = "invalid trailing bytes";
			return -EINVAL;
		}
	}
	if (!mul_ok(v, mult, out)) {
		*why = "overflow";
		return -ERANGE;
	}
	return 0;
}

int timer_parse(const char *prov, const char *const *parts, int nparts, struct arena *a, struct probe_target *out,
		const char **err)
{
	const char *why;
	uint64_t v;
	memset(out, 0, sizeof(*out));
	if (nparts == 1) {
		if (has_glob(parts[0])) {
			*err = arena_printf(a, "%s probe type does not support wildcards", prov);
			return -EINVAL;
		}
		if (timer_parse_uint(parts[0], true, &v, &why)) {
			*err = arena_printf(a, "Invalid rate of %s probe: %s: %s", prov, why, parts[0]);
			return -EINVAL;
		}
		if (v < 1000) {
			*err = arena_printf(a,
					    "Invalid rate of %s probe. Minimum is 1000 or 1us. Found: %llu nanoseconds",
					    prov, (unsigned long long)v);
			return -EINVAL;
		}
		/* bpftrace's canonical form for a bare time: microseconds. */
		uint64_t us = v / 1000;
		out->target = arena_printf(a, "us:%llu", (unsigned long long)us);
		out->name = arena_printf(a, "%s:us:%llu", prov, (unsigned long long)us);
		out->period = us * 1000;
		return 0;
	}
	if (nparts != 2) {
		*err = arena_printf(a, "%s probe type requires 1 or 2 arguments, found %d", prov, nparts);
		return -EINVAL;
	}
	const char *unit = parts[0];
	if (!*unit) {
		*err = arena_printf(a, "%s probe must have unit of time", prov);
		return -EINVAL;
	}
	uint64_t mult = 0;
	if (!strcmp(unit, "s"))
		mult = 1000000000;
	else if (!strcmp(unit, "ms"))
		mult = 1000000;
	else if (!strcmp(unit, "us"))
		mult = 1000;
	else if (strcmp(unit, "hz")) {
		*err = arena_printf(a, "%s is not an accepted unit of time", unit);
		return -EINVAL;
	}
	if (has_glob(parts[1])) {
		*err = arena_printf(a, "%s probe type does not support wildcards", prov);
		return -EINVAL;
	}
	if (timer_parse_uint(parts[1], false, &v, &why)) {
		*err = arena_printf(a, "Invalid rate of %s probe: %s: %s", prov, why, parts[1]);
		return -EINVAL;
	}
	if (v == 0) {
		*err = arena_printf(a, "%s frequency should be a positive integer", prov);
		return -EINVAL;
	}
	if (mult) {
		if (!mul_ok(v, mult, &out->period)) {
			*err = arena_printf(a, "Invalid rate of %s probe: overflow: %s", prov, parts[1]);
			return -EINVAL;
		}
	} else {
		out->period = v;
		out->freq = true;
	}
	out->target = arena_printf(a, "%s:%llu", unit, (unsigned long long)v);
	out->name = arena_printf(a, "%s:%s:%llu", prov, unit, (unsigned long long)v);
	return 0;
}

int timer_online_cpus(int **cpus)
{
	char *text = read_file("/sys/devices/system/cpu/online", NULL);
	if (!text)
		return -(errno ? errno : EIO);
	VEC(int) v = {0};
	const char *s = text;
	while (*s && *s != '\n') {
		char *end;
		long lo = strtol(s, &end, 10), hi = lo;
		if (end == s)
			break;
		s = end;
		if (*s == '-') {
			hi = strtol(s + 1, &end, 10);
			if (end == s + 1)
				break;
			s = end;
		}
		for (long c = lo; c <= hi && c < 65536; c++)
			VEC_PUSH(v, (int)c);
		if (*s == ',')
			s++;
	}
	free(text);
	if (!v.n) {
		VEC_FREE(v);
		return -EINVAL;
	}
	*cpus = v.v;
	return (int)v.n;
}

int perf_attach_cpu(struct bpf_program *prog, const struct res_probe *rp, uint32_t type, uint64_t config, int cpu,
		    struct probe_links *links, char **err)
{
	struct perf_event_attr attr = {
		.type = type,
		.size = sizeof(attr),
		.config = config,
	};
	if (rp->freq) {
		attr.freq = 1;
		attr.sample_freq = rp->period;
	} else {
		attr.sample_period = rp->period;
	}
	int pfd = (int)syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0) {
		int e = errno;
		if (e == EINVAL && rp->freq)
			*err = xasprintf("cannot open perf event for %s on CPU %d: %s (is %llu Hz above "
					 "/proc/sys/kernel/perf_event_max_sample_rate?)",
					 rp->name, cpu, strerror(e), (unsigned long long)rp->period);
		else if (type == PERF_TYPE_HARDWARE && (e == ENOENT || e == EOPNOTSUPP || e == ENODEV))
			*err = xasprintf("cannot open perf event for %s: this machine has no hardware performance "
					 "counters (%s)",
					 rp->name, strerror(e));
		else
			*err = xasprintf("cannot open perf event for %s on CPU %d: %s", rp->name, cpu, strerror(e));
		return -e;
	}
	char what[160];
	snprintf(what, sizeof(what), "%s on CPU %d", rp->name, cpu);
	return probe_links_add_perf(links, prog, pfd, what, err);
}

int perf_attach_all_cpus(struct bpf_program *prog, const struct res_probe *rp, uint32_t type, uint64_t config,
			 struct probe_links *links, char **err)
{
	int *cpus;
	int n = timer_online_cpus(&cpus);
	if (n < 0) {
		*err = xasprintf("cannot read the online CPU list for %s", rp->name);
		return n;
	}
	int ret = 0;
	for (int i = 0; i < n && !ret; i++)
		ret = perf_attach_cpu(prog, rp, type, config, cpus[i], links, err);
	free(cpus);
	return ret;
}

int timer_attach_cpu(struct bpf_program *prog, const struct res_probe *rp, int cpu, struct probe_links *links,
		     char **err)
{
	return perf_attach_cpu(prog, rp, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, cpu, links, err);
}

int timer_list(const char *prov, const char *const *parts, int nparts, struct strbuf *out)
{
	const char *pat = nparts >= 1 && *parts[0] ? parts[0] : "*";
	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (glob_match(pat, units[i]))
			sb_printf(out, "%s:%s:\n", prov, units[i]);
	return 0;
}

int timer_expand(const struct probe_provider *p, const char *const *parts, int nparts, struct arena *a,
		 probe_target_vec *out, const char **err)
{
	struct probe_target t;
	int ret = timer_parse(p->name, parts, nparts, a, &t, err);
	if (ret)
		return ret;
	VEC_PUSH(*out, t);
	return 0;
}

int timer_provider_list(const struct probe_provider *p, const char *const *parts, int nparts, struct strbuf *out)
{
	return timer_list(p->name, parts, nparts, out);
}

const char *timer_section(const char *target, struct arena *a) { return "perf_event"; }

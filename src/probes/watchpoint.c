/* watchpoint provider: `watchpoint:ADDR:LEN:MODE` (alias `w`) — a hardware breakpoint
 * (PERF_TYPE_BREAKPOINT perf event, sample period 1) on LEN bytes (1, 2, 4 or 8) at the user
 * address ADDR of the traced process, firing on the accesses MODE names (r, w, x). It needs a
 * process (-p PID or -c CMD): one event per thread of that process, inherited by the threads it
 * creates later. Targets are "ADDR:LEN:MODE" with ADDR in decimal, as bpftrace names them. */
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probes/probe.h"
#include "probes/timer.h"
#include "sema/resources.h"

/* MODE letters to HW_BREAKPOINT_* bits; 0 if MODE is not a non-empty set of r, w, x. */
static unsigned mode_bits(const char *mode)
{
	unsigned bits = 0;
	for (const char *m = mode; *m; m++) {
		unsigned b = *m == 'r' ? HW_BREAKPOINT_R : *m == 'w' ? HW_BREAKPOINT_W : *m == 'x' ? HW_BREAKPOINT_X : 0;
		if (!b || (bits & b))
			return 0;
		bits |= b;
	}
	return bits;
}

/* The architecture's rules, checked here so the error points at the probe (the kernel only says
 * EINVAL). NULL when the combination is allowed. */
static const char *arch_rule(uint64_t addr, unsigned len, unsigned bits)
{
#if defined(__x86_64__) || defined(__i386__)
	if (bits == HW_BREAKPOINT_R)
		return "x86 cannot watch reads alone: use mode rw (reads and writes) or w";
	if ((bits & HW_BREAKPOINT_X) && bits != HW_BREAKPOINT_X)
		return "mode x (execution) cannot be combined with r or w on x86";
	if (bits == HW_BREAKPOINT_X && len != sizeof(long))
		return sizeof(long) == 8 ? "an execution watchpoint (mode x) must have length 8 on x86"
					 : "an execution watchpoint (mode x) must have length 4 on x86";
	if (bits != HW_BREAKPOINT_X && (addr & (len - 1)))
		return "the address must be aligned to the length on x86";
#else
	(void)addr, (void)len, (void)bits;
#endif
	return NULL;
}

static int wp_expand(const struct probe_provider *p, const char *const *parts, int nparts, struct arena *a,
		     probe_target_vec *out, const char **err)
{
	if (nparts != 3) {
		*err = "watchpoint probes take the form watchpoint:ADDRESS:LENGTH:MODE (e.g. watchpoint:0x10000000:8:w)";
		return -EINVAL;
	}
	for (int i = 0; i < 3; i++)
		if (has_glob(parts[i])) {
			*err = "watchpoint probe type does not support wildcards";
			return -EINVAL;
		}
	uint64_t addr, len;
	const char *why;
	if (timer_parse_uint(parts[0], false, &addr, &why)) {
		*err = arena_printf(a, "invalid watchpoint address %s: %s (a number is expected; the "
				       "function+argN form is not supported)",
				    parts[0], why);
		return -EINVAL;
	}
	if (addr == 0) {
		*err = "watchpoint address must not be 0";
		return -EINVAL;
	}
	if (timer_parse_uint(parts[1], false, &len, &why) || (len != 1 && len != 2 && len != 4 && len != 8)) {
		*err = arena_printf(a, "invalid watchpoint length %s: it must be 1, 2, 4 or 8", parts[1]);
		return -EINVAL;
	}
	unsigned bits = mode_bits(parts[2]);
	if (!bits) {
		*err = arena_printf(a, "invalid watchpoint mode %s: it must be a combination of r, w and x", parts[2]);
		return -EINVAL;
	}
	const char *rule = arch_rule(addr, (unsigned)len, bits);
	if (rule) {
		*err = rule;
		return -EINVAL;
	}
	struct probe_target t = {
		.target = arena_printf(a, "%llu:%llu:%s", (unsigned long long)addr, (unsigned long long)len, parts[2]),
	};
	t.name = arena_printf(a, "watchpoint:%s", t.target);
	VEC_PUSH(*out, t);
	return 0;
}

static int wp_list(const struct probe_provider *p, const char *const *parts, int nparts, struct strbuf *out)
{
	return 0; /* nothing to list: any address of the traced process */
}

static const char *wp_section(const char *target, struct arena *a) { return "perf_event"; }

static int wp_attach(struct bpf_program *prog, const struct res_probe *rp, struct probe_links *links, char **err)
{
	unsigned long long addr = 0, len = 0;
	char mode[8] = "";
	if (sscanf(rp->target, "%llu:%llu:%7s", &addr, &len, mode) != 3) {
		*err = xasprintf("invalid watchpoint target %s", rp->target);
		return -EINVAL;
	}
	if (rp->pid <= 0) {
		*err = xasprintf("watchpoint probes need -p or -c (the process whose memory to watch)");
		return -EINVAL;
	}
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/%d/task", rp->pid);
	DIR *d = opendir(dir);
	if (!d) {
		int e = errno;
		*err = xasprintf("cannot list the threads of process %d: %s", rp->pid, strerror(e));
		return -e;
	}
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(attr),
		.bp_type = mode_bits(mode),
		.bp_addr = addr,
		.bp_len = len,
		.sample_period = 1,
		.inherit = 1, /* threads the process creates later */
	};
	int ret = 0, nthreads = 0;
	struct dirent *de;
	while (!ret && (de = readdir(d))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);
		if (*end || tid <= 0)
			continue;
		int pfd = (int)syscall(__NR_perf_event_open, &attr, (pid_t)tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
		if (pfd < 0) {
			ret = -errno;
			if (errno == ESRCH) { /* the thread has just exited */
				ret = 0;
				continue;
			}
			*err = xasprintf("cannot open a breakpoint on thread %ld of process %d: %s%s", tid, rp->pid,
					 strerror(errno),
					 errno == ENOSPC ? " (every hardware debug register is in use)"
					 : errno == EINVAL ? " (the address, length or mode is not allowed on this machine)"
							   : "");
			break;
		}
		char what[160];
		snprintf(what, sizeof(what), "%s on thread %ld", rp->name, tid);
		ret = probe_links_add_perf(links, prog, pfd, what, err);
		nthreads++;
	}
	closedir(d);
	if (!ret && !nthreads) {
		*err = xasprintf("process %d has no threads left to watch", rp->pid);
		ret = -ESRCH;
	}
	return ret;
}

static const char *const wp_aliases[] = {"w", NULL};
const struct probe_provider probe_watchpoint = {
	.name = "watchpoint",
	.aliases = wp_aliases,
	.prog_type = BPF_PROG_TYPE_PERF_EVENT,
	.expand = wp_expand,
	.list = wp_list,
	.section = wp_section,
	.attach = wp_attach,
};

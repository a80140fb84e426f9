/* tracepoint provider: `tracepoint:SUBSYS:EVENT` (globs allowed in both parts), a perf event per
 * tracepoint id with a BPF_PROG_TYPE_TRACEPOINT program; `args` comes from the event's format file.
 * Only the directories a glob needs are read: a plain SUBSYS:EVENT costs one access(2). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "btf/tpformat.h"
#include "probes/probe.h"
#include "probes/timer.h"
#include "sema/resources.h"

typedef VEC(char *) str_vec;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* ftrace's own events (function, print, ...) have format files but cannot be attached to with
 * perf; bpftrace (which lists available_events) does not show them either. */
static bool hidden_subsys(const char *name) { return !strcmp(name, "ftrace"); }

/* Names of the subdirectories of parent/path that match pat. Returns 0 or -errno. */
static int read_subdirs(int parent, const char *path, const char *pat, str_vec *out)
{
	int fd = openat(parent, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return -e;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		if (n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2])))
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (!glob_match(pat, n))
			continue;
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(dirfd(d), n, &st, 0) || !S_ISDIR(st.st_mode))
				continue;
		}
		VEC_PUSH(*out, xstrdup(n));
	}
	closedir(d);
	return 0;
}

static void str_vec_free(str_vec *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	VEC_FREE(*v);
}

/* All "SUBSYS:EVENT" names matching the two patterns, sorted. A part without glob characters is
 * looked up directly instead of read from its directory. Returns 0 or -errno (-ENODEV: no tracefs). */
static int tp_collect(const char *sys_pat, const char *ev_pat, str_vec *out)
{
	const char *root = btf_tracefs_root();
	if (!root)
		return -ENODEV;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/events", root);
	int evfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (evfd < 0)
		return -errno;

	str_vec subs = {0};
	int err = 0;
	if (has_glob(sys_pat)) {
		err = read_subdirs(evfd, ".", sys_pat, &subs);
	} else if (btf_tp_name_ok(sys_pat, "x")) {
		VEC_PUSH(subs, xstrdup(sys_pat)); /* checked with its events below */
	}
	for (size_t i = 0; !err && i < subs.n; i++) {
		const char *sys = subs.v[i];
		if (hidden_subsys(sys))
			continue;
		if (has_glob(ev_pat)) {
			str_vec evs = {0};
			/* A subsystem that vanished meanwhile (module unload) is simply skipped. */
			if (read_subdirs(evfd, sys, ev_pat, &evs) == 0)
				for (size_t j = 0; j < evs.n; j++)
					VEC_PUSH(*out, xasprintf("%s:%s", sys, evs.v[j]));
			str_vec_free(&evs);
		} else if (btf_tp_name_ok(sys, ev_pat)) {
			snprintf(path, sizeof(path), "%s/%s/format", sys, ev_pat);
			if (faccessat(evfd, path, F_OK, 0) == 0)
				VEC_PUSH(*out, xasprintf("%s:%s", sys, ev_pat));
		}
	}
	str_vec_free(&subs);
	close(evfd);
	if (err)
		return err;
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(out->v[0]), cmp_str);
	return 0;
}

static const char *tracefs_missing(struct arena *a)
{
	btf_tracefs_root(); /* sets errno to the reason */
	return arena_printf(a, "tracefs is not available (mounting it at /sys/kernel/tracing failed: %s)",
			    strerror(errno));
}

/* bpftrace: `tracepoint:*foo*` (one part with a glob) means any subsystem. */
static void tp_parts(const char *const *parts, int nparts, const char **sys, const char **ev)
{
	if (nparts == 1) {
		*sys = has_glob(parts[0]) ? "*" : parts[0];
		*ev = has_glob(parts[0]) ? parts[0] : "*";
	} else {
		*sys = nparts >= 1 && *parts[0] ? parts[0] : "*";
		*ev = nparts >= 2 && *parts[1] ? parts[1] : "*";
	}
}

static int tp_expand(const struct probe_provider *p, const char *const *parts, int nparts, struct arena *a,
		     probe_target_vec *out, const char **err)
{
	if (nparts == 1 && has_glob(parts[0])) {
		/* handled by tp_parts */
	} else if (nparts != 2) {
		*err = arena_printf(a, "tracepoint probe type requires 2 arguments, found %d", nparts);
		return -EINVAL;
	} else if (!*parts[0] || !*parts[1]) {
		*err = arena_printf(a, "tracepoint probe must have a target");
		return -EINVAL;
	}
	const char *sys, *ev;
	tp_parts(parts, nparts, &sys, &ev);
	str_vec names = {0};
	int ret = tp_collect(sys, ev, &names);
	if (ret == -ENODEV) {
		*err = tracefs_missing(a);
		return ret;
	}
	if (ret) {
		*err = arena_printf(a, "cannot read tracepoints %s:%s: %s", sys, ev, strerror(-ret));
		return ret;
	}
	if (!names.n) {
		bool glob = has_glob(sys) || has_glob(ev);
		*err = arena_printf(a, "tracepoint%s not found: %s:%s", glob ? "s" : "", sys, ev);
		str_vec_free(&names);
		return -ENOENT;
	}
	for (size_t i = 0; i < names.n; i++) {
		struct probe_target t = {
			.name = arena_printf(a, "tracepoint:%s", names.v[i]),
			.target = arena_strdup(a, names.v[i]),
		};
		VEC_PUSH(*out, t);
	}
	str_vec_free(&names);
	return 0;
}

static int tp_list(const struct probe_provider *p, const char *const *parts, int nparts, struct strbuf *out)
{
	const char *sys, *ev;
	tp_parts(parts, nparts, &sys, &ev);
	str_vec names = {0};
	int ret = tp_collect(sys, ev, &names);
	for (size_t i = 0; i < names.n; i++) {
		sb_puts(out, "tracepoint:");
		sb_puts(out, names.v[i]);
		sb_putc(out, '\n');
	}
	str_vec_free(&names);
	return ret;
}

/* Split "SUBSYS:EVENT" into buffers. */
static bool split_target(const char *target, char *sys, char *ev, size_t len)
{
	const char *colon = strchr(target, ':');
	if (!colon || (size_t)(colon - target) >= len || strlen(colon + 1) >= len)
		return false;
	memcpy(sys, target, (size_t)(colon - target));
	sys[colon - target] = 0;
	strcpy(ev, colon + 1);
	return btf_tp_name_ok(sys, ev);
}

static struct type *tp_args_type(struct type_ctx *tc, const char *target, const char **err, struct arena *a)
{
	char sys[256], ev[256];
	if (!split_target(target, sys, ev, sizeof(sys))) {
		*err = arena_printf(a, "invalid tracepoint name: %s", target);
		return NULL;
	}
	struct tp_format f;
	int ret = btf_tp_format_load(tc, sys, ev, &f);
	if (ret == -ENODEV)
		*err = tracefs_missing(a);
	else if (ret == -ENOENT)
		*err = arena_printf(a, "tracepoint not found: %s", target);
	else if (ret)
		*err = arena_printf(a, "cannot read the format of tracepoint %s: %s", target, strerror(-ret));
	return ret ? NULL : f.type;
}

static const char *tp_section(const char *target, struct arena *a)
{
	char *s = arena_printf(a, "tracepoint/%s", target);
	char *colon = strchr(s, ':');
	if (colon)
		*colon = '/';
	return s;
}

static int tp_attach(struct bpf_program *prog, const struct res_probe *rp, struct probe_links *links, char **err)
{
	char sys[256], ev[256];
	if (!split_target(rp->target, sys, ev, sizeof(sys))) {
		*err = xasprintf("invalid tracepoint name: %s", rp->target);
		return -EINVAL;
	}
	uint32_t id;
	int ret = btf_tp_event_id(sys, ev, &id);
	if (ret) {
		if (ret == -ENODEV)
			*err = xasprintf("cannot attach %s: tracefs is not available", rp->name);
		else if (ret == -ENOENT)
			*err = xasprintf("cannot attach %s: tracepoint not found", rp->name);
		else
			*err = xasprintf("cannot attach %s: reading its id: %s", rp->name, strerror(-ret));
		return ret;
	}
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.config = id,
		.sample_period = 1,
		.wakeup_events = 1,
	};
	/* The program runs on every CPU whichever CPU the event is opened on; CPU 0 unless it is
	 * offline. */
	int pfd = (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0 && errno == ENODEV) {
		int *cpus;
		int n = timer_online_cpus(&cpus);
		if (n > 0) {
			pfd = (int)syscall(__NR_perf_event_open, &attr, -1, cpus[0], -1, PERF_FLAG_FD_CLOEXEC);
			free(cpus);
		} else {
			errno = ENODEV;
		}
	}
	if (pfd < 0) {
		int e = errno;
		*err = xasprintf("cannot open perf event for %s: %s", rp->name, strerror(e));
		return -e;
	}
	return probe_links_add_perf(links, prog, pfd, rp->name, err);
}

static const char *const tp_aliases[] = {"t", NULL};
const struct probe_provider probe_tracepoint = {
	.name = "tracepoint",
	.aliases = tp_aliases,
	.prog_type = BPF_PROG_TYPE_TRACEPOINT,
	.has_args = true,
	.expand = tp_expand,
	.list = tp_list,
	.args_type = tp_args_type,
	.section = tp_section,
	.attach = tp_attach,
};

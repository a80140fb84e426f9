/* iter provider: `iter:TARGET` (alias `it`) for any kernel BPF iterator (task, task_file,
 * task_vma, ...), optionally `iter:TARGET:PIN`. A tracing program in section `iter/TARGET`;
 * `args` is the iterator's context, `struct bpf_iter__TARGET` from the kernel's BTF (args.task,
 * args.file, ...). The runtime runs the iterator once to its end (provider.run): reading the
 * iterator's fd makes the kernel call the program for every element. With PIN the link is pinned
 * in bpffs (PIN relative to /sys/fs/bpf, or absolute) instead of being read. Iterators are the
 * BTF structs named `bpf_iter__NAME`. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "btf/ktypes.h"
#include "probes/probe.h"
#include "sema/resources.h"

#define PREFIX "bpf_iter__"
#define BPFFS "/sys/fs/bpf"
#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

/* Iterator names in the kernel's BTF matching glob, each passed to fn. Returns how many matched,
 * or -errno without BTF. */
static int each_iter(const char *glob, void (*fn)(const char *name, void *ctx), void *ctx)
{
	const struct btf *b = ktype_btf(NULL);
	if (!b)
		return -(errno ? errno : ENOENT);
	int found = 0;
	for (__u32 id = 1, n = btf__type_cnt(b); id < n; id++) {
		const struct btf_type *t = btf__type_by_id(b, id);
		if (!btf_is_struct(t))
			continue;
		const char *name = btf__name_by_offset(b, t->name_off);
		if (!name || strncmp(name, PREFIX, sizeof(PREFIX) - 1))
			continue;
		name += sizeof(PREFIX) - 1;
		/* bpf_iter__task__safe_trusted and the like are the verifier's, not iterators */
		if (!strstr(name, "__") && glob_match(glob, name)) {
			fn(name, ctx);
			found++;
		}
	}
	return found;
}

static void count_one(const char *name, void *ctx) { (void)name, (void)ctx; }

/* target is "TARGET" or "TARGET:PIN"; the iterator's name ends at the first ':'. */
static size_t name_len(const char *target)
{
	const char *c = strchr(target, ':');
	return c ? (size_t)(c - target) : strlen(target);
}

static int iter_expand(const struct probe_provider *p, const char *const *parts, int nparts, struct arena *a,
		       probe_target_vec *out, const char **err)
{
	if (nparts < 1 || nparts > 2 || !*parts[0]) {
		*err = "iter probes take an iterator and optionally a pin path: iter:TARGET[:PIN]";
		return -EINVAL;
	}
	if (has_glob(parts[0])) {
		*err = "iter probe type does not support wildcards";
		return -EINVAL;
	}
	if (nparts == 2 && !*parts[1]) {
		*err = "iter pin path is empty";
		return -EINVAL;
	}
	int n = each_iter(parts[0], count_one, NULL);
	if (n < 0) {
		*err = arena_printf(a, "cannot read the kernel's BTF: %s (iterators need BTF)", strerror(-n));
		return n;
	}
	if (n == 0) {
		*err = arena_printf(a, "iter %s not available for your kernel version (no struct " PREFIX "%s in "
				       "its BTF; scry -l 'iter:*' lists them)",
				    parts[0], parts[0]);
		return -ENOENT;
	}
	struct probe_target t = {
		.name = arena_printf(a, "iter:%s", parts[0]),
		.target = nparts == 2 ? arena_printf(a, "%s:%s", parts[0], parts[1]) : arena_strdup(a, parts[0]),
	};
	VEC_PUSH(*out, t);
	return 0;
}

static void list_one(const char *name, void *ctx) { sb_printf(ctx, "iter:%s\n", name); }

static int iter_list(const struct probe_provider *p, const char *const *parts, int nparts, struct strbuf *out)
{
	int n = each_iter(nparts >= 1 && *parts[0] ? parts[0] : "*", list_one, out);
	return n < 0 ? n : 0;
}

static struct type *iter_args_type(struct type_ctx *tc, const char *target, const char **err, struct arena *a)
{
	char *name = arena_printf(a, "struct " PREFIX "%.*s", (int)name_len(target), target);
	struct type *t = ktype_lookup(tc, name, err);
	if (t)
		ktype_load_fields(tc, t);
	return t;
}

static const char *iter_section(const char *target, struct arena *a)
{
	return arena_printf(a, "iter/%.*s", (int)name_len(target), target);
}

static int iter_attach(struct bpf_program *prog, const struct res_probe *rp, struct probe_links *links, char **err)
{
	struct bpf_link *link = bpf_program__attach_iter(prog, NULL);
	if (!link) {
		int e = errno ? errno : EINVAL;
		*err = xasprintf("cannot attach %s: %s%s", rp->name, strerror(e),
				 e == EINVAL || e == EBADF ? " (this iterator may need a parameter, such as a map or "
							     "a cgroup, that scry cannot give it yet)"
							   : "");
		return -e;
	}
	probe_links_add(links, link, -1);
	return 0;
}

/* Is dir on a BPF filesystem? When it is /sys/fs/bpf and is not, mount one there (as bpftool
 * does), like tracefs for tracepoints. */
static bool on_bpffs(const char *dir)
{
	struct statfs st;
	if (statfs(dir, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return true;
	if (strcmp(dir, BPFFS) || mount("bpf", BPFFS, "bpf", 0, NULL))
		return false;
	return statfs(dir, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

static int iter_pin(struct bpf_link *link, const char *pin, char **note, char **err)
{
	char *path = pin[0] == '/' ? xstrdup(pin) : xasprintf(BPFFS "/%s", pin);
	char *dir = xstrdup(path);
	*strrchr(dir, '/') = 0;
	bool bpffs = on_bpffs(*dir ? dir : "/");
	free(dir);
	int ret = bpffs ? bpf_link__pin(link, path) : -EINVAL;
	if (ret) {
		*err = xasprintf("cannot pin it to %s: %s%s", path,
				 bpffs ? strerror(-ret) : "its directory is not on a BPF filesystem (mount -t bpf)",
				 ret == -EEXIST ? " (remove the old pin first)" : "");
		free(path);
		return ret;
	}
	*note = xasprintf("Program pinned to %s", path);
	free(path);
	return PROBE_RUN_PINNED;
}

/* Create the iterator and read it to its end: the kernel runs the program once per element (and
 * once more at the end with a NULL element). What the program prints goes through the event
 * ring buffer, so the text read here is only what it wrote to the seq_file, if anything. */
static int iter_run(const struct res_probe *rp, struct bpf_link *link, char **note, char **err)
{
	const char *pin = strchr(rp->target, ':');
	if (pin)
		return iter_pin(link, pin + 1, note, err);
	int fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		int e = errno ? errno : EINVAL;
		*err = xasprintf("cannot create the iterator: %s", strerror(e));
		return -e;
	}
	char buf[4096];
	ssize_t n;
	int ret = 0;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n > 0 || errno == EINTR)
			continue;
		ret = -errno;
		*err = xasprintf("reading the iterator failed: %s", strerror(errno));
		break;
	}
	close(fd);
	return ret;
}

static const char *const iter_aliases[] = {"it", NULL};
const struct probe_provider probe_iter = {
	.name = "iter",
	.aliases = iter_aliases,
	.prog_type = BPF_PROG_TYPE_TRACING,
	.has_args = true,
	.expand = iter_expand,
	.list = iter_list,
	.args_type = iter_args_type,
	.section = iter_section,
	.attach = iter_attach,
	.run = iter_run,
	.ctx_ptrs_nullable = true,
};

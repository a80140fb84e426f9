/* Unit tests for the kprobe provider's pure parts: attach-point parsing (module, offset, address,
 * errors), symbol-list matching over kallsyms and available_filter_functions text, blacklist
 * filtering, de-duplication, target splitting; then, where the kernel has them, expansion of a
 * glob against the live /proc/kallsyms (printing "SKIP: <why>" and exiting 77 otherwise, if all
 * else passed). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "probes/kprobe.h"
#include "probes/probe.h"

static int skipped;

static int parse(const char *a0, const char *a1, bool ret, struct arena *a, struct kprobe_spec *s,
		 const char **err)
{
	const char *parts[2] = {a0, a1};
	*err = NULL;
	return kprobe_spec_parse(parts, a1 ? 2 : 1, ret, a, s, err);
}

static void test_spec(void)
{
	struct arena a = {0};
	struct kprobe_spec s;
	const char *err;

	CHECK_INT(parse("vfs_read", NULL, false, &a, &s, &err), 0);
	CHECK_STR(s.func, "vfs_read");
	CHECK(s.module == NULL && !s.has_offset && s.offset == 0);

	CHECK_INT(parse("do_sys_openat2+16", NULL, false, &a, &s, &err), 0);
	CHECK_STR(s.func, "do_sys_openat2");
	CHECK(s.has_offset);
	CHECK_INT(s.offset, 16);

	CHECK_INT(parse("tcp_connect+0x1f", NULL, false, &a, &s, &err), 0);
	CHECK_INT(s.offset, 0x1f);

	CHECK_INT(parse("ext4", "ext4_file_open", false, &a, &s, &err), 0);
	CHECK_STR(s.module, "ext4");
	CHECK_STR(s.func, "ext4_file_open");

	CHECK_INT(parse("vfs_*", NULL, true, &a, &s, &err), 0);
	CHECK_STR(s.func, "vfs_*");

	CHECK_INT(parse("foo.isra.0", NULL, false, &a, &s, &err), 0);
	CHECK_STR(s.func, "foo.isra.0");

	/* a raw address */
	CHECK_INT(parse("0xffffffff81000000", NULL, false, &a, &s, &err), 0);
	CHECK(s.func == NULL);
	CHECK(s.offset == 0xffffffff81000000ull);

	/* errors */
	CHECK_INT(parse("vfs_read+4", NULL, true, &a, &s, &err), -EINVAL);
	CHECK_STR(err, "a kretprobe cannot have an offset: vfs_read+4");
	CHECK_INT(parse("vfs_*+4", NULL, false, &a, &s, &err), -EINVAL);
	CHECK_STR(err, "an offset cannot be used with a wildcard: vfs_*+4");
	CHECK_INT(parse("vfs_read+", NULL, false, &a, &s, &err), -EINVAL);
	CHECK_STR(err, "invalid offset \"\" in kprobe:vfs_read+ (expected FUNC+NUMBER)");
	CHECK_INT(parse("vfs_read+12x", NULL, false, &a, &s, &err), -EINVAL);
	CHECK_INT(parse("", NULL, false, &a, &s, &err), -EINVAL);
	CHECK_STR(err, "kprobe probe must name a kernel function");
	CHECK_INT(parse("0x12zz", NULL, false, &a, &s, &err), -EINVAL);
	CHECK_STR(err, "invalid kernel address: 0x12zz");
	CHECK_INT(parse("bad-name", NULL, false, &a, &s, &err), -EINVAL);
	CHECK_INT(parse("", "vfs_read", false, &a, &s, &err), -EINVAL);
	const char *three[3] = {"a", "b", "c"};
	CHECK_INT(kprobe_spec_parse(three, 3, false, &a, &s, &err), -EINVAL);
	CHECK_STR(err, "kprobe probe type requires 1 or 2 arguments, found 3");
	arena_free(&a);
}

static const char kallsyms[] = "ffffffff81000000 T _stext\n"
			       "ffffffff816b93b0 t vfs_readv\n"
			       "ffffffff816b9000 t __pfx_vfs_read\n"
			       "ffffffff816bab70 T vfs_read\n"
			       "ffffffff816bab90 D vfs_data\n"
			       "ffffffff816bac00 t vfs_read.cold\n"
			       "ffffffff816bac40 t vfs_rename.isra.0\n"
			       "ffffffff816d69a0 T vfs_readlink\n"
			       "ffffffff816d69b0 t dup_static\n"
			       "ffffffff816d69c0 t dup_static\n"
			       "ffffffffc0001000 t ext4_file_open\t[ext4]\n"
			       "ffffffffc0002000 t vfs_readv\t[fakemod]\n"
			       "ffffffffc0003000 t ext4_read\t[ext4]"; /* no final newline */

static const char filter_funcs[] = "vfs_readv\n"
				   "vfs_read\n"
				   "vfs_readlink\n"
				   "ext4_file_open [ext4]\n"
				   "ext4_read [ext4]\n"
				   "btrfs_read [btrfs]\n";

/* "mod:name" list of a symbol vector (mod "-" for vmlinux), malloc'ed. */
static char *syms_str(const kprobe_sym_vec *v)
{
	struct strbuf sb = {0};
	sb_putn(&sb, "", 0);
	for (size_t i = 0; i < v->n; i++)
		sb_printf(&sb, "%s%s:%s", i ? " " : "", v->v[i].module ? v->v[i].module : "-", v->v[i].name);
	return sb_steal(&sb);
}

static void check_match(const char *text, enum kprobe_symfmt fmt, const char *mod, const char *pat, bool by_name,
			const char *expect)
{
	kprobe_sym_vec v = {0};
	kprobe_syms_match(text, fmt, mod, pat, &v);
	kprobe_syms_sort_unique(&v, by_name);
	char *s = syms_str(&v);
	CHECK_STR(s, expect);
	free(s);
	kprobe_syms_free(&v);
}

static void test_match(void)
{
	/* functions only, no __pfx_/.cold parts, data symbol skipped, sorted */
	check_match(kallsyms, KSYM_KALLSYMS, NULL, "vfs_*", true,
		    "-:vfs_read -:vfs_readlink -:vfs_readv -:vfs_rename.isra.0");
	/* one part: one entry per name, vmlinux preferred over a module */
	check_match(kallsyms, KSYM_KALLSYMS, NULL, "vfs_readv", true, "-:vfs_readv");
	/* with a module pattern: one per (module, name) */
	check_match(kallsyms, KSYM_KALLSYMS, "*", "vfs_readv", false, "-:vfs_readv fakemod:vfs_readv");
	check_match(kallsyms, KSYM_KALLSYMS, "vmlinux", "vfs_readv", false, "-:vfs_readv");
	check_match(kallsyms, KSYM_KALLSYMS, "ext4", "*", false, "ext4:ext4_file_open ext4:ext4_read");
	check_match(kallsyms, KSYM_KALLSYMS, "ext?", "*read", false, "ext4:ext4_read");
	/* duplicate static functions collapse to one */
	check_match(kallsyms, KSYM_KALLSYMS, NULL, "dup_*", true, "-:dup_static");
	check_match(kallsyms, KSYM_KALLSYMS, NULL, "nosuch*", true, "");
	check_match(kallsyms, KSYM_KALLSYMS, NULL, "vfs_data", true, "");
	/* available_filter_functions format */
	check_match(filter_funcs, KSYM_FILTER_FUNCS, NULL, "*read*", true,
		    "btrfs:btrfs_read ext4:ext4_read -:vfs_read -:vfs_readlink -:vfs_readv");
	check_match(filter_funcs, KSYM_FILTER_FUNCS, "ext4", "*", false, "ext4:ext4_file_open ext4:ext4_read");
	check_match(filter_funcs, KSYM_FILTER_FUNCS, NULL, "vfs_read", true, "-:vfs_read");
	check_match("", KSYM_FILTER_FUNCS, NULL, "*", true, "");

	/* blacklist filtering */
	kprobe_sym_vec v = {0};
	kprobe_syms_match(kallsyms, KSYM_KALLSYMS, NULL, "vfs_*", &v);
	kprobe_syms_drop_listed(&v, "0xffffffff816bab70-0xffffffff816bab90\tvfs_read\n"
				    "0xffffffff816d69a0-0xffffffff816d69b0\tvfs_readlink\n");
	kprobe_syms_sort_unique(&v, true);
	char *s = syms_str(&v);
	CHECK_STR(s, "-:vfs_readv -:vfs_rename.isra.0");
	free(s);
	kprobe_syms_free(&v);
}

static void test_target_split(void)
{
	char mod[64], func[64];
	uint64_t off;
	CHECK(kprobe_target_split("vfs_read", mod, func, sizeof(func), &off));
	CHECK_STR(mod, "");
	CHECK_STR(func, "vfs_read");
	CHECK_INT(off, 0);
	CHECK(kprobe_target_split("ext4:ext4_read+32", mod, func, sizeof(func), &off));
	CHECK_STR(mod, "ext4");
	CHECK_STR(func, "ext4_read");
	CHECK_INT(off, 32);
	CHECK(kprobe_target_split("0x10", mod, func, sizeof(func), &off));
	CHECK_STR(func, "");
	CHECK_INT(off, 16);
	CHECK(!kprobe_target_split(":x", mod, func, sizeof(func), &off));
	CHECK(!kprobe_target_split("x+y", mod, func, sizeof(func), &off));
}

/* The providers through the registry: expansion, ctx offsets, sections. */
static void test_provider(void)
{
	const struct probe_provider *kp = probe_provider_find("kprobe");
	const struct probe_provider *krp = probe_provider_find("kr");
	CHECK(kp != NULL && probe_provider_find("k") == kp);
	CHECK(krp != NULL && probe_provider_find("kretprobe") == krp);
	if (!kp || !krp)
		return;
	CHECK(kp->ctx_offset && krp->ctx_offset);
	if (kp->ctx_offset && krp->ctx_offset) {
		CHECK_INT(kp->ctx_offset(PCTX_ARG, 0), probe_regs_arg_offset(0));
		CHECK_INT(kp->ctx_offset(PCTX_ARG, 1), probe_regs_arg_offset(1));
		CHECK_INT(kp->ctx_offset(PCTX_ARG, 99), -1);
		CHECK_INT(kp->ctx_offset(PCTX_RETVAL, 0), -1);
		CHECK_INT(krp->ctx_offset(PCTX_RETVAL, 0), probe_regs_retval_offset());
		CHECK_INT(krp->ctx_offset(PCTX_ARG, 0), -1);
	}
#if defined(__x86_64__)
	CHECK_INT(probe_regs_arg_offset(0), 112); /* di */
	CHECK_INT(probe_regs_retval_offset(), 80); /* ax */
#endif

	struct arena a = {0};
	probe_target_vec tv = {0};
	const char *err = NULL;
	const char *p1[] = {"do_sys_openat2+0x10"};
	CHECK_INT(kp->expand(kp, p1, 1, &a, &tv, &err), 0);
	CHECK_INT(tv.n, 1);
	if (tv.n == 1) {
		CHECK_STR(tv.v[0].name, "kprobe:do_sys_openat2+0x10");
		CHECK_STR(tv.v[0].target, "do_sys_openat2+16");
		CHECK_STR(kp->section(tv.v[0].target, &a), "kprobe/do_sys_openat2+16");
	}
	tv.n = 0;
	const char *p2[] = {"vmlinux", "vfs_read"};
	CHECK_INT(krp->expand(krp, p2, 2, &a, &tv, &err), 0);
	if (tv.n == 1) {
		CHECK_STR(tv.v[0].name, "kretprobe:vmlinux:vfs_read");
		CHECK_STR(tv.v[0].target, "vfs_read");
		CHECK_STR(krp->section(tv.v[0].target, &a), "kretprobe/vfs_read");
	}
	tv.n = 0;
	const char *p3[] = {"nosuch_function_*"};
	CHECK_INT(kp->expand(kp, p3, 1, &a, &tv, &err), -ENOENT);
	CHECK_STR(err, "kprobe target not found: nosuch_function_*");
	CHECK_INT(tv.n, 0);

	/* a glob against the live kernel's function list */
	if (access("/proc/kallsyms", R_OK) != 0) {
		printf("SKIP: live kallsyms glob: /proc/kallsyms is not readable\n");
		skipped++;
	} else {
		const char *p4[] = {"vfs_rea?"};
		int rc = kp->expand(kp, p4, 1, &a, &tv, &err);
		bool found = false;
		for (size_t i = 0; i < tv.n; i++)
			found |= !strcmp(tv.v[i].name, "kprobe:vfs_read") && !strcmp(tv.v[i].target, "vfs_read");
		if (rc == -ENOENT) {
			printf("SKIP: live kallsyms glob: no function symbols visible (kptr_restrict?)\n");
			skipped++;
		} else {
			CHECK_INT(rc, 0);
			CHECK(found);
		}
	}
	VEC_FREE(tv);
	arena_free(&a);
}

int main(void)
{
	test_spec();
	test_match();
	test_target_split();
	test_provider();
	int rc = check_done();
	return rc ? rc : skipped ? 77 : 0;
}

/* Unit tests for kernel/user symbolization and stack rendering (no root, no BPF): kallsyms text in
 * memory, a fake /proc with a synthetic maps file that maps this test's own executable, and a perf
 * map.
 *
 * Where the expected text comes from:
 *  - stack layouts: newest bpftrace's get_stack() and format code (read from its source): a stack is
 *    "\n" then per frame "        sym+off\n" (bpftrace mode), "\t<hex> sym+off\n" (perf mode; ustack
 *    adds " (module)", " ([unknown])" when unresolved), "<hex>\n" (raw mode), "<build id> 0x<off>\n"
 *    (build_id mode); unresolved frames 0x<hex>; offsets in decimal — the same as Debian's bpftrace
 *    0.17 prints for kstack/ustack/kstack(perf)/ustack(perf) (checked by hand, 0.17 indents map keys
 *    by 4 instead of 8);
 *  - ksym()/usym(): the name alone, 0x<hex> when unknown (0.17 and newest agree);
 *  - folded lines: Brendan Gregg's folded format (root first, ';' separated, then the count). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btf/elfsym.h"
#include "check.h"
#include "runtime/ksyms.h"
#include "runtime/output.h"
#include "runtime/symresolve.h"
#include "runtime/usyms.h"

static struct type_ctx tc;

/* A function with a known name in this executable's .symtab, longer than the offsets used below. */
__attribute__((noinline, used)) int symbols_test_marker(int x)
{
	volatile int acc = 0;
	for (int i = 0; i < x; i++)
		acc += i * x;
	return acc;
}

static const char kallsyms_text[] =
	"ffffffff81000000 T _text\n"
	"ffffffff81000000 t startup_64\n"
	"ffffffff81000100 T vfs_read\n"
	"ffffffff810000f0 t __pfx_vfs_read\n" /* padding symbols are dropped */
	"ffffffff81000200 T vfs_write\n"
	"ffffffff81000180 D some_data\n"      /* data symbols are dropped */
	"ffffffff81000300 W weak_func\n"
	"ffffffffc0001000 t ext4_fill_super\t[ext4]\n"
	"ffffffffc0001100 T ext4_mount\t[ext4]\n"
	"ffffffffc0002000 t bpf_prog_6deef7357e7b4530_p0_0\t[bpf]"; /* no final newline */

/* ---- ksyms ------------------------------------------------------------------------------------- */

static void test_ksyms(void)
{
	struct ksyms *k = ksyms_parse(kallsyms_text, strlen(kallsyms_text));
	CHECK_INT(ksyms_count(k), 8);
	struct ksym s;
	uint64_t off = 0;
	CHECK(ksyms_find(k, 0xffffffff81000100, &off, &s) && !strcmp(s.name, "vfs_read") && off == 0 && !s.module);
	CHECK(ksyms_find(k, 0xffffffff81000123, &off, &s) && !strcmp(s.name, "vfs_read") && off == 0x23);
	/* the padding before vfs_write belongs to vfs_read; data symbols do not split functions */
	CHECK(ksyms_find(k, 0xffffffff810001f8, &off, &s) && !strcmp(s.name, "vfs_read"));
	/* aliases: the global one wins */
	CHECK(ksyms_find(k, 0xffffffff81000004, &off, &s) && !strcmp(s.name, "_text") && off == 4);
	CHECK(ksyms_find(k, 0xffffffff81000301, &off, &s) && !strcmp(s.name, "weak_func"));
	CHECK(ksyms_find(k, 0xffffffffc0001104, &off, &s) && !strcmp(s.name, "ext4_mount") && s.module &&
	      !strcmp(s.module, "ext4") && off == 4);
	CHECK(ksyms_find(k, 0xffffffffc0002010, &off, &s) && !strcmp(s.name, "bpf_prog_6deef7357e7b4530_p0_0") &&
	      !strcmp(s.module, "bpf"));
	CHECK(!ksyms_find(k, 0xffffffff80ffffff, &off, &s)); /* below the first symbol */
	CHECK(!ksyms_find(k, 0x7f0000001000, &off, &s));     /* a user address */
	CHECK(!ksyms_find(k, 0xffffffffc0002000 + (2u << 20), &off, &s)); /* far past the last one */
	ksyms_free(k);

	/* the same from a file; unsorted input is sorted */
	char path[] = "/tmp/scry-kallsyms-XXXXXX";
	int fd = mkstemp(path);
	static const char unsorted[] = "ffffffff81000200 T b_func\nffffffff81000100 t a_func\n";
	CHECK(fd >= 0 && write(fd, unsorted, sizeof(unsorted) - 1) == (ssize_t)sizeof(unsorted) - 1);
	close(fd);
	k = ksyms_load(path);
	CHECK(k && ksyms_count(k) == 2);
	CHECK(k && ksyms_find(k, 0xffffffff81000150, &off, &s) && !strcmp(s.name, "a_func") && off == 0x50);
	ksyms_free(k);

	/* kptr_restrict: every address reads as zero */
	static const char hidden[] = "0000000000000000 T _text\n0000000000000000 T vfs_read\n";
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && write(fd, hidden, sizeof(hidden) - 1) == (ssize_t)sizeof(hidden) - 1);
	close(fd);
	errno = 0;
	CHECK(ksyms_load(path) == NULL && errno == EPERM);
	unlink(path);
	errno = 0;
	CHECK(ksyms_load("/nonexistent/kallsyms") == NULL && errno == ENOENT);
	ksyms_free(NULL);
}

/* ---- a fake /proc ------------------------------------------------------------------------------- */

#define PID 4242
static char root[64], exe[PATH_MAX];
static uint64_t marker_off; /* file offset of symbols_test_marker in exe */

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void make_proc(void)
{
	strcpy(root, "/tmp/scry-proc-XXXXXX");
	CHECK(mkdtemp(root) != NULL);
	char dir[128], path[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%d", root, PID);
	mkdir(dir, 0755);
	CHECK(realpath("/proc/self/exe", exe) != NULL);
	struct elf_symtab *st = NULL;
	char *err = NULL;
	CHECK(btf_elf_symtab_load(exe, &st, &err) == 0);
	free(err);
	const struct elf_func *f = st ? btf_elf_func_find(st, "symbols_test_marker") : NULL;
	CHECK(f != NULL && f->size > 8);
	marker_off = f ? f->offset : 0;
	btf_elf_symtab_free(st);
	struct stat sb;
	stat(exe, &sb);
	/* the executable mapped whole at 0x555500000000 (as a PIE would be), again at 0x7f0000001000 from
	 * file offset 0x1000, a non-executable mapping, an anonymous JIT region and the vdso */
	char maps[4 * PATH_MAX];
	snprintf(maps, sizeof(maps),
		 "555500000000-555500800000 r-xp 00000000 08:01 %llu                %s\n"
		 "7f0000001000-7f0000801000 r-xp 00001000 08:01 %llu                %s (deleted)\n"
		 "7f0000900000-7f0000901000 rw-p 00000000 08:01 %llu                %s\n"
		 "7f0000a00000-7f0000a10000 rwxp 00000000 00:00 0 \n"
		 "7ffff7fc1000-7ffff7fc3000 r-xp 00000000 00:00 0                  [vdso]\n",
		 (unsigned long long)sb.st_ino, exe, (unsigned long long)sb.st_ino, exe, (unsigned long long)sb.st_ino,
		 exe);
	snprintf(path, sizeof(path), "%s/maps", dir);
	write_text(path, maps);
	/* a JIT's perf map: "START SIZE name" in hex */
	snprintf(path, sizeof(path), "%s/perf-%d.map", root, PID);
	write_text(path, "7f0000a00100 40 jitted_func\n7f0000a00200 10 LazyCompile:*foo bar.js:1\n");
}

static void remove_proc(void)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%d/maps", root, PID);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%d", root, PID);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/perf-%d.map", root, PID);
	unlink(path);
	rmdir(root);
}

static void test_usyms(void)
{
	struct usyms *u = usyms_new(root);
	struct usym_info ui;
	uint64_t a = 0x555500000000ull + marker_off + 5;
	CHECK_INT(usyms_resolve(u, PID, a, &ui), 0);
	CHECK_STR(ui.name, "symbols_test_marker");
	CHECK_INT(ui.offset, 5);
	CHECK_STR(ui.module, exe);
	CHECK_INT(ui.file_offset, marker_off + 5);
	/* second mapping starts at file offset 0x1000; " (deleted)" is not part of the name */
	if (marker_off >= 0x1000) {
		a = 0x7f0000001000ull + (marker_off - 0x1000) + 2;
		CHECK_INT(usyms_resolve(u, PID, a, &ui), 0);
		CHECK_STR(ui.name, "symbols_test_marker");
		CHECK_INT(ui.offset, 2);
		CHECK_STR(ui.module, exe);
	}
	/* perf map for anonymous code */
	CHECK_INT(usyms_resolve(u, PID, 0x7f0000a00110, &ui), 0);
	CHECK_STR(ui.name, "jitted_func");
	CHECK_INT(ui.offset, 0x10);
	CHECK(ui.module && strstr(ui.module, "perf-4242.map"));
	CHECK_INT(usyms_resolve(u, PID, 0x7f0000a00205, &ui), 0);
	CHECK_STR(ui.name, "LazyCompile:*foo bar.js:1");
	CHECK_INT(usyms_resolve(u, PID, 0x7f0000a00300, &ui), -ENOENT); /* JIT region, no entry */
	/* not executable, not mapped, the vdso: unknown */
	CHECK_INT(usyms_resolve(u, PID, 0x7f0000900010, &ui), -ENOENT);
	CHECK(ui.module == NULL);
	CHECK_INT(usyms_resolve(u, PID, 0x1000, &ui), -ENOENT);
	CHECK_INT(usyms_resolve(u, PID, 0x7ffff7fc1010, &ui), -ENOENT);
	/* an address in the file but before any function (the ELF header) */
	CHECK_INT(usyms_resolve(u, PID, 0x555500000010, &ui), -ENOENT);
	CHECK_STR(ui.module, exe);
	/* a process that exited before its maps were read */
	CHECK_INT(usyms_resolve(u, 999999, 0x555500001000, &ui), -ESRCH);
	CHECK_INT(usyms_resolve(u, 0, 0x555500001000, &ui), -ESRCH);
	/* build id: gcc/ld write one by default */
	const char *id = NULL;
	uint64_t fo = 0;
	if (usyms_build_id(u, PID, 0x555500000000ull + marker_off, &id, &fo) == 0) {
		CHECK(strlen(id) >= 16 && strspn(id, "0123456789abcdef") == strlen(id));
		CHECK_INT(fo, marker_off);
	}
	CHECK_INT(usyms_build_id(u, PID, 0x7f0000a00110, &id, &fo), -ENOENT);
	usyms_free(u);
	usyms_free(NULL);

	/* this process, through the real /proc: our own function, and the vdso (its symbols come from
	 * scry's copy of the vdso) */
	u = usyms_new(NULL);
	CHECK_INT(usyms_resolve(u, getpid(), (uint64_t)(uintptr_t)symbols_test_marker + 3, &ui), 0);
	CHECK_STR(ui.name, "symbols_test_marker");
	CHECK_INT(ui.offset, 3);
	FILE *mf = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long long vs = 0, ve = 0;
	while (mf && fgets(line, sizeof(line), mf))
		if (strstr(line, "[vdso]"))
			sscanf(line, "%llx-%llx", &vs, &ve);
	if (mf)
		fclose(mf);
	bool vdso_named = false;
	for (uint64_t a2 = vs; a2 < ve && !vdso_named; a2 += 4)
		vdso_named = usyms_resolve(u, getpid(), a2, &ui) == 0 && strstr(ui.name, "gettime") &&
			     !strcmp(ui.module, "[vdso]");
	CHECK(vs == 0 || vdso_named);
	usyms_free(u);

	/* C++ names: demangled when libstdc++ is linked in (it is in scry, not in this test) */
	char *d = usyms_demangle("_ZN2ns3fooEi");
	CHECK(d == NULL || !strcmp(d, "ns::foo(int)"));
	free(d);
	CHECK(usyms_demangle("plain_c_name") == NULL);
}

/* ---- rendering --------------------------------------------------------------------------------- */

static struct type *stack_type(enum type_kind k, uint32_t limit, enum stack_mode mode)
{
	struct type *t = type_new(&tc, k, 16 + 8 * limit);
	t->nelem = limit;
	t->stack_mode = mode;
	return t;
}

/* A stack value: nframes, pid, ips (zero padded to limit). */
static void mk_stack(uint64_t *buf, uint32_t limit, uint64_t pid, const uint64_t *ips, uint64_t n)
{
	memset(buf, 0, 8 * (2 + limit));
	buf[0] = n;
	buf[1] = pid;
	memcpy(buf + 2, ips, 8 * n);
}

static char *render(struct rt_symbols *s, const struct type *t, const void *bytes)
{
	struct strbuf sb = {0};
	const struct rt_resolver *r = rt_symbols_resolver(s);
	int rc = r->resolve(r->ctx, t, bytes, &sb);
	CHECK_INT(rc, 0);
	if (!sb.s)
		sb_puts(&sb, "");
	return sb_steal(&sb);
}

#define CHECK_RENDER(s, t, bytes, want)                  \
	do {                                             \
		char *got_ = render(s, t, bytes);        \
		CHECK_STR(got_, want);                   \
		free(got_);                              \
	} while (0)

static void test_render(void)
{
	struct rt_symbols *s = rt_symbols_new_with(ksyms_parse(kallsyms_text, strlen(kallsyms_text)), usyms_new(root));
	uint64_t buf[2 + 8];
	const uint64_t kips[] = {0xffffffff81000110, 0xffffffffc0001104, 0x10};

	mk_stack(buf, 8, 0, kips, 3);
	CHECK_RENDER(s, stack_type(T_KSTACK, 8, STACK_BPFTRACE), buf,
		     "\n        vfs_read+16\n        ext4_mount+4\n        0x10\n");
	CHECK_RENDER(s, stack_type(T_KSTACK, 8, STACK_PERF), buf,
		     "\n\tffffffff81000110 vfs_read+16\n\tffffffffc0001104 ext4_mount+4\n\t10 0x10\n");
	CHECK_RENDER(s, stack_type(T_KSTACK, 8, STACK_RAW), buf, "\nffffffff81000110\nffffffffc0001104\n10\n");
	/* the frame count is capped by the limit; an empty stack is a lone newline */
	CHECK_RENDER(s, stack_type(T_KSTACK, 2, STACK_BPFTRACE), buf, "\n        vfs_read+16\n        ext4_mount+4\n");
	mk_stack(buf, 8, 0, kips, 0);
	CHECK_RENDER(s, stack_type(T_KSTACK, 8, STACK_BPFTRACE), buf, "\n");

	char want[4 * PATH_MAX];
	const uint64_t uips[] = {0x555500000000ull + marker_off + 7, 0x7f0000a00101, 0x7f0000a00400};
	mk_stack(buf, 8, PID, uips, 3);
	CHECK_RENDER(s, stack_type(T_USTACK, 8, STACK_BPFTRACE), buf,
		     "\n        symbols_test_marker+7\n        jitted_func+1\n        0x7f0000a00400\n");
	snprintf(want, sizeof(want),
		 "\n\t%llx symbols_test_marker+7 (%s)\n\t7f0000a00101 jitted_func+1 (%s/perf-4242.map)\n"
		 "\t7f0000a00400 0x7f0000a00400 ([unknown])\n",
		 (unsigned long long)uips[0], exe, root);
	CHECK_RENDER(s, stack_type(T_USTACK, 8, STACK_PERF), buf, want);
	/* build_id: "<id> 0x<file offset>", hex ip when there is no file */
	char *bid = render(s, stack_type(T_USTACK, 8, STACK_BUILD_ID), buf);
	char tail[128];
	snprintf(tail, sizeof(tail), " 0x%llx\n7f0000a00101\n7f0000a00400\n", (unsigned long long)(marker_off + 7));
	CHECK(bid[0] == '\n' && strlen(bid) > strlen(tail) && !strcmp(bid + strlen(bid) - strlen(tail), tail));
	free(bid);
	/* the process is gone: every frame is hex */
	mk_stack(buf, 8, 999999, uips, 2);
	snprintf(want, sizeof(want), "\n        0x%llx\n        0x7f0000a00101\n", (unsigned long long)uips[0]);
	CHECK_RENDER(s, stack_type(T_USTACK, 8, STACK_BPFTRACE), buf, want);

	/* ksym / usym / username */
	struct type *ksym = type_new(&tc, T_KSYM, 8), *usym = type_new(&tc, T_USYM, 16);
	struct type *uname = type_new(&tc, T_USERNAME, 8);
	uint64_t v[2] = {0xffffffff81000204, 0};
	CHECK_RENDER(s, ksym, v, "vfs_write");
	v[0] = 0x7f0000001234;
	CHECK_RENDER(s, ksym, v, "0x7f0000001234");
	v[0] = 0x555500000000ull + marker_off + 1;
	v[1] = PID;
	CHECK_RENDER(s, usym, v, "symbols_test_marker");
	v[0] = 0x42;
	CHECK_RENDER(s, usym, v, "0x42");
	v[0] = 0;
	CHECK_RENDER(s, uname, v, "root");
	v[0] = 3999999999u;
	CHECK_RENDER(s, uname, v, "3999999999");
	/* other kinds are left to the decoder */
	struct strbuf sb = {0};
	const struct rt_resolver *r = rt_symbols_resolver(s);
	CHECK(r->resolve(r->ctx, type_int(&tc, 8, false), v, &sb) < 0);
	sb_free(&sb);

	/* folded: root first, names without offsets */
	mk_stack(buf, 8, 0, kips, 3);
	rt_stack_folded(r, stack_type(T_KSTACK, 8, STACK_BPFTRACE), buf, &sb);
	CHECK_STR(sb.s, "[unknown];ext4_mount;vfs_read");
	sb_reset(&sb);
	const uint64_t uips2[] = {0x555500000000ull + marker_off + 7, 0x555500000010, 0x7f0000a00400};
	mk_stack(buf, 8, PID, uips2, 3);
	rt_stack_folded(r, stack_type(T_USTACK, 8, STACK_PERF), buf, &sb);
	const char *base = strrchr(exe, '/') + 1;
	snprintf(want, sizeof(want), "[unknown];[%s];symbols_test_marker", base);
	CHECK_STR(sb.s, want);
	sb_reset(&sb);
	rt_stack_folded(NULL, stack_type(T_KSTACK, 8, STACK_BPFTRACE), buf, &sb);
	CHECK_STR(sb.s, "[unknown];[unknown];[unknown]");
	sb_free(&sb);

	CHECK(rt_type_has_stack(stack_type(T_USTACK, 4, STACK_RAW)));
	struct type *elems[2] = {type_string(&tc, 16), stack_type(T_KSTACK, 4, STACK_BPFTRACE)};
	CHECK(rt_type_has_stack(type_tuple(&tc, elems, 2)));
	CHECK(!rt_type_has_stack(type_int(&tc, 8, false)));
	CHECK(!rt_type_has_stack(NULL));
	rt_symbols_free(s);
	rt_symbols_free(NULL);
}

/* ---- maps keyed by stacks through the text, JSON and folded backends ------------------------- */

static char *print_map(struct output *(*mk)(FILE *), struct rt_symbols *s, const struct res_map *m,
		       struct rt_map_elems *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct output *o = mk(f);
	output_set_buffering(o, OUTPUT_BUF_FULL);
	output_set_resolver(o, rt_symbols_resolver(s));
	rt_map_print_elems(o, NULL, m, e, 0, 1, true);
	output_free(o);
	fclose(f);
	return buf;
}

static void test_maps(void)
{
	struct rt_symbols *s = rt_symbols_new_with(ksyms_parse(kallsyms_text, strlen(kallsyms_text)), usyms_new(root));
	struct type *kt = stack_type(T_KSTACK, 4, STACK_BPFTRACE);
	struct type *count = type_agg(&tc, T_COUNT, false);
	struct res_map m = {.name = "@", .key = kt, .value = count, .key_size = kt->size, .value_size = 8,
			    .bpf_type = BPF_MAP_TYPE_HASH, .max_entries = 64};
	struct rt_map_elems e;
	rt_map_elems_init(&e, &m, 1);
	uint64_t key[2 + 4], val;
	const uint64_t a[] = {0xffffffff81000110, 0xffffffff81000204}; /* vfs_read+16 <- vfs_write+4 */
	const uint64_t b[] = {0xffffffff81000120, 0xffffffff81000208}; /* other offsets, same functions */
	const uint64_t c[] = {0xffffffffc0001104};
	mk_stack(key, 4, 0, a, 2);
	val = 12;
	rt_map_elems_add(&e, key, &val);
	mk_stack(key, 4, 0, b, 2);
	val = 3;
	rt_map_elems_add(&e, key, &val);
	mk_stack(key, 4, 0, c, 1);
	val = 5;
	rt_map_elems_add(&e, key, &val);
	mk_stack(key, 4, 0, c, 0);
	val = 1;
	rt_map_elems_add(&e, key, &val);

	/* newest bpftrace: "@[" then the stack (newline, 8-space frames, newline) then "]: N" */
	char *t = print_map(output_text_new, s, &m, &e);
	CHECK_STR(t, "@[\n]: 1\n"
		     "@[\n        vfs_read+32\n        vfs_write+8\n]: 3\n"
		     "@[\n        ext4_mount+4\n]: 5\n"
		     "@[\n        vfs_read+16\n        vfs_write+4\n]: 12\n");
	free(t);
	/* newest bpftrace's JSON: the stack is a string; as a key its spaces are removed */
	t = print_map(output_json_new, s, &m, &e);
	CHECK_STR(t, "{\"type\": \"map\", \"data\": {\"@\": {\"\\n\": 1, \"\\nvfs_read+32\\nvfs_write+8\\n\": 3, "
		     "\"\\next4_mount+4\\n\": 5, \"\\nvfs_read+16\\nvfs_write+4\\n\": 12}}}\n");
	free(t);
	/* folded: equal lines add up, the biggest last */
	t = print_map(output_folded_new, s, &m, &e);
	CHECK_STR(t, "[empty] 1\next4_mount 5\nvfs_write;vfs_read 15\n");
	free(t);
	rt_map_elems_free(&e);

	/* [comm, kstack] keys: the other parts come first; a map without stacks prints as text */
	struct type *elems[2] = {type_string(&tc, 8), stack_type(T_KSTACK, 2, STACK_PERF)};
	struct type *tt = type_tuple(&tc, elems, 2);
	struct res_map m2 = {.name = "@c", .key = tt, .value = count, .key_size = tt->size, .value_size = 8,
			     .bpf_type = BPF_MAP_TYPE_HASH, .max_entries = 64};
	rt_map_elems_init(&e, &m2, 1);
	uint8_t k2[64] = {0};
	memcpy(k2, "a;b", 4);
	mk_stack((uint64_t *)(k2 + tt->fields[1].offset), 2, 0, a, 2);
	val = 7;
	rt_map_elems_add(&e, k2, &val);
	t = print_map(output_folded_new, s, &m2, &e);
	CHECK_STR(t, "a:b;vfs_write;vfs_read 7\n");
	free(t);
	t = print_map(output_text_new, s, &m2, &e);
	CHECK_STR(t, "@c[a;b, \n\tffffffff81000110 vfs_read+16\n\tffffffff81000204 vfs_write+4\n]: 7\n");
	free(t);
	rt_map_elems_free(&e);

	struct type *i64 = type_int(&tc, 8, true);
	struct res_map m3 = {.name = "@n", .key = i64, .value = i64, .key_size = 8, .value_size = 8,
			     .bpf_type = BPF_MAP_TYPE_HASH, .max_entries = 64};
	rt_map_elems_init(&e, &m3, 1);
	int64_t kk = 1, vv = 2;
	rt_map_elems_add(&e, &kk, &vv);
	t = print_map(output_folded_new, s, &m3, &e);
	CHECK_STR(t, "@n[1]: 2\n");
	free(t);
	rt_map_elems_free(&e);
	rt_symbols_free(s);
}

int main(void)
{
	type_ctx_init(&tc);
	test_ksyms();
	make_proc();
	test_usyms();
	test_render();
	test_maps();
	remove_proc();
	type_ctx_free(&tc);
	return check_done();
}

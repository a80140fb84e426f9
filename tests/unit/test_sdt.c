/* Unit tests for src/btf/sdt: the argument operand parser (x86_64 and arm64 syntax, every error
 * class), register offsets (checked against the C library's struct user_regs_struct, whose layout
 * is the kernel's x86_64 pt_regs), note descriptor decoding (hand-built blobs, both word sizes and
 * byte orders), and btf_sdt_load on this test's own executable, which has SDT probes when
 * <sys/sdt.h> is available: their file offsets are checked against the code and data mapped in
 * memory (/proc/self/maps). Parts that need what this system lacks print "SKIP: <why>"; if
 * anything was skipped and the rest passed, the exit code is 77. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <sys/user.h>
#endif

#include "btf/sdt.h"
#include "check.h"

#if defined(__has_include)
#if __has_include(<sys/sdt.h>)
#define HAVE_SDT 1
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>
#endif
#endif

static int skipped;
static void skip(const char *what, const char *why)
{
	printf("SKIP: %s: %s\n", what, why);
	skipped++;
}

static struct arena arena;

/* Parse spec for machine; returns the count or -errno, with the message in *msg (freed by the
 * next call). */
static char *last_err;
static int parse(uint16_t machine, const char *spec, struct sdt_arg *out, int max)
{
	free(last_err);
	last_err = NULL;
	return btf_sdt_parse_args(machine, spec, out, max, &arena, &last_err);
}

static void check_one(uint16_t machine, const char *spec, int kind, int size, bool is_signed, int reg, int64_t value,
		      int line)
{
	struct sdt_arg a[2];
	int n = parse(machine, spec, a, 2);
	if (n != 1) {
		check_fail++;
		fprintf(stderr, "%s:%d: parse '%s' failed: %d %s\n", __FILE__, line, spec, n, last_err ? last_err : "");
		return;
	}
	bool ok = (int)a[0].kind == kind && a[0].size == size && a[0].is_signed == is_signed && a[0].value == value &&
		  (kind == SDT_ARG_CONST || a[0].reg == reg);
	if (ok) {
		check_pass++;
		return;
	}
	check_fail++;
	fprintf(stderr, "%s:%d: '%s': got kind %d size %u signed %d reg %d value %" PRId64 "\n", __FILE__, line, spec,
		(int)a[0].kind, (unsigned)a[0].size, a[0].is_signed, a[0].reg, a[0].value);
}
#define ONE(m, spec, kind, size, sgn, reg, value) check_one(m, spec, kind, size, sgn, reg, value, __LINE__)

/* spec must fail with code, and the message must contain want. */
static void check_bad(uint16_t machine, const char *spec, int code, const char *want, int line)
{
	struct sdt_arg a[SDT_MAX_ARGS];
	int n = parse(machine, spec, a, SDT_MAX_ARGS);
	if (n == code && last_err && strstr(last_err, want)) {
		check_pass++;
		return;
	}
	check_fail++;
	fprintf(stderr, "%s:%d: '%s': got %d [%s], expected %d [...%s...]\n", __FILE__, line, spec, n,
		last_err ? last_err : "", code, want);
}
#define BAD(m, spec, code, want) check_bad(m, spec, code, want, __LINE__)

/* ---- x86_64 operands ---- */

static void test_x86(void)
{
	const uint16_t M = EM_X86_64;
	/* registers: size from the spec, capped at the register's width */
	ONE(M, "-4@%eax", SDT_ARG_REG, 4, true, 80, 0);
	ONE(M, "8@%rdi", SDT_ARG_REG, 8, false, 112, 0);
	ONE(M, "8@%rsi", SDT_ARG_REG, 8, false, 104, 0);
	ONE(M, "1@%sil", SDT_ARG_REG, 1, false, 104, 0);
	ONE(M, "-1@%dl", SDT_ARG_REG, 1, true, 96, 0);
	ONE(M, "2@%cx", SDT_ARG_REG, 2, false, 88, 0);
	ONE(M, "-2@%r8w", SDT_ARG_REG, 2, true, 72, 0);
	ONE(M, "4@%r15d", SDT_ARG_REG, 4, false, 0, 0);
	ONE(M, "-1@%r10b", SDT_ARG_REG, 1, true, 56, 0);
	ONE(M, "1@%r11l", SDT_ARG_REG, 1, false, 48, 0);
	ONE(M, "8@%rbp", SDT_ARG_REG, 8, false, 32, 0);
	ONE(M, "8@%rsp", SDT_ARG_REG, 8, false, 152, 0);
	ONE(M, "8@%eax", SDT_ARG_REG, 4, false, 80, 0);
	ONE(M, "%rbx", SDT_ARG_REG, 8, false, 40, 0); /* no size: a word */
	/* constants */
	ONE(M, "-4@$42", SDT_ARG_CONST, 4, true, 0, 42);
	ONE(M, "-4@$-7", SDT_ARG_CONST, 4, true, 0, -7);
	ONE(M, "8@$0x10", SDT_ARG_CONST, 8, false, 0, 16);
	ONE(M, "4@$4000000000", SDT_ARG_CONST, 4, false, 0, 4000000000);
	ONE(M, "8@$18446744073709551615", SDT_ARG_CONST, 8, false, 0, -1);
	/* memory */
	ONE(M, "-4@-4(%rsp)", SDT_ARG_MEM, 4, true, 152, -4);
	ONE(M, "8@(%rbx)", SDT_ARG_MEM, 8, false, 40, 0);
	ONE(M, "4@0x10(%r12)", SDT_ARG_MEM, 4, false, 24, 16);
	ONE(M, "-8@-80(%rbp)", SDT_ARG_MEM, 8, true, 32, -80);

	struct sdt_arg a[SDT_MAX_ARGS];
	/* rip-relative symbols and absolute addresses stay link-time addresses for the loader */
	CHECK_INT(parse(M, "-4@scry_global(%rip)", a, 1), 1);
	CHECK(a[0].kind == SDT_ARG_MEM && a[0].pc_relative && a[0].reg == 128 && a[0].value == 0);
	CHECK_STR(a[0].sym, "scry_global");
	CHECK_INT(parse(M, "8@tbl.1+8(%rip)", a, 1), 1);
	CHECK(a[0].pc_relative && a[0].value == 8);
	CHECK_STR(a[0].sym, "tbl.1");
	CHECK_INT(parse(M, "8@sym-16(%rip)", a, 1), 1);
	CHECK(a[0].pc_relative && a[0].value == -16);
	CHECK_INT(parse(M, "4@0x601040", a, 1), 1);
	CHECK(a[0].kind == SDT_ARG_MEM && a[0].pc_relative && !a[0].sym && a[0].value == 0x601040);
	CHECK_INT(parse(M, "4@counter", a, 1), 1);
	CHECK(a[0].kind == SDT_ARG_MEM && a[0].pc_relative && a[0].value == 0);
	CHECK_STR(a[0].sym, "counter");

	/* several operands, as in a note */
	CHECK_INT(parse(M, "-4@%eax 8@-16(%rbp) 4@$5", a, SDT_MAX_ARGS), 3);
	CHECK(a[0].kind == SDT_ARG_REG && a[1].kind == SDT_ARG_MEM && a[2].kind == SDT_ARG_CONST && a[2].value == 5);
	CHECK_INT(parse(M, "", a, SDT_MAX_ARGS), 0);
	CHECK_INT(parse(M, "  8@%rdi\t8@%rsi ", a, SDT_MAX_ARGS), 2);

	/* what cannot be read, with a message naming the argument */
	BAD(M, "-4@(%rdx,%rcx,4)", -EOPNOTSUPP, "argument 0 ('-4@(%rdx,%rcx,4)'): indexed memory operands");
	BAD(M, "8@%rax -4@scry_table(,%rdx,4)", -EOPNOTSUPP, "argument 1 ('-4@scry_table(,%rdx,4)'): indexed");
	BAD(M, "8@%xmm0", -EOPNOTSUPP, "floating-point");
	BAD(M, "8f@%xmm1", -EOPNOTSUPP, "floating-point arguments");
	BAD(M, "-8f@-8(%rbp)", -EOPNOTSUPP, "floating-point arguments");
	BAD(M, "1@%ah", -EOPNOTSUPP, "high-byte");
	BAD(M, "8@%fs:0x28", -EOPNOTSUPP, "segment-relative");
	BAD(M, "4@16(%rip)", -EOPNOTSUPP, "without a symbol");
	BAD(M, "8@$buf", -EOPNOTSUPP, "symbolic constants");
	BAD(M, "4@tbl(%rax)", -EOPNOTSUPP, "other than %rip");
	BAD(M, "4@(%eax)", -EOPNOTSUPP, "32-bit addressing");
	/* malformed */
	BAD(M, "3@%eax", -EINVAL, "not 1, 2, 4 or 8");
	BAD(M, "x@%eax", -EINVAL, "malformed size");
	BAD(M, "4@%foo", -EINVAL, "unknown register");
	BAD(M, "4@", -EINVAL, "empty operand");
	BAD(M, "4@8(%rax", -EINVAL, "malformed memory operand");
	BAD(M, "4@8(%nope)", -EINVAL, "unknown base register");
	BAD(M, "4@$12x", -EINVAL, "malformed constant");
	BAD(M, "1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al 1@%al", -E2BIG,
	    "more than 12");
	/* no other architecture is parsed */
	BAD(EM_RISCV, "8@a0", -EOPNOTSUPP, "architecture");
}

/* ---- arm64 operands ---- */

static void test_arm64(void)
{
	const uint16_t M = EM_AARCH64;
	ONE(M, "-4@x0", SDT_ARG_REG, 4, true, 0, 0);
	ONE(M, "8@x30", SDT_ARG_REG, 8, false, 240, 0);
	ONE(M, "8@w1", SDT_ARG_REG, 4, false, 8, 0);
	ONE(M, "8@sp", SDT_ARG_REG, 8, false, 248, 0);
	ONE(M, "8@[sp, 16]", SDT_ARG_MEM, 8, false, 248, 16);
	ONE(M, "-4@[x29, -8]", SDT_ARG_MEM, 4, true, 232, -8);
	ONE(M, "8@[x2]", SDT_ARG_MEM, 8, false, 16, 0);
	ONE(M, "4@[x3, #12]", SDT_ARG_MEM, 4, false, 24, 12);
	ONE(M, "-4@5", SDT_ARG_CONST, 4, true, 0, 5);
	ONE(M, "-4@#-3", SDT_ARG_CONST, 4, true, 0, -3);
	ONE(M, "8@xzr", SDT_ARG_CONST, 8, false, 0, 0);
	struct sdt_arg a[SDT_MAX_ARGS];
	CHECK_INT(parse(M, "-4@x0 8@[sp, 16] 4@7", a, SDT_MAX_ARGS), 3); /* the blank inside [] is no separator */
	CHECK(a[1].kind == SDT_ARG_MEM && a[1].value == 16 && a[2].kind == SDT_ARG_CONST && a[2].value == 7);
	BAD(M, "8@[x1, x2]", -EOPNOTSUPP, "indexed");
	BAD(M, "8@d0", -EOPNOTSUPP, "floating-point");
	BAD(M, "8@x31", -EINVAL, "unknown register");
	BAD(M, "8@[x1, 4", -EINVAL, "malformed memory operand");
}

/* ---- register offsets ---- */

static void test_regs(void)
{
	int w = 0;
#if defined(__x86_64__)
	/* glibc's struct user_regs_struct has the kernel's x86_64 pt_regs layout */
	static const struct {
		const char *name;
		size_t off;
	} regs[] = {
		{"rax", offsetof(struct user_regs_struct, rax)}, {"rbx", offsetof(struct user_regs_struct, rbx)},
		{"rcx", offsetof(struct user_regs_struct, rcx)}, {"rdx", offsetof(struct user_regs_struct, rdx)},
		{"rsi", offsetof(struct user_regs_struct, rsi)}, {"rdi", offsetof(struct user_regs_struct, rdi)},
		{"rbp", offsetof(struct user_regs_struct, rbp)}, {"rsp", offsetof(struct user_regs_struct, rsp)},
		{"rip", offsetof(struct user_regs_struct, rip)}, {"r8", offsetof(struct user_regs_struct, r8)},
		{"r9", offsetof(struct user_regs_struct, r9)},   {"r10", offsetof(struct user_regs_struct, r10)},
		{"r11", offsetof(struct user_regs_struct, r11)}, {"r12", offsetof(struct user_regs_struct, r12)},
		{"r13", offsetof(struct user_regs_struct, r13)}, {"r14", offsetof(struct user_regs_struct, r14)},
		{"r15", offsetof(struct user_regs_struct, r15)},
	};
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		CHECK_INT(btf_sdt_reg_offset(EM_X86_64, regs[i].name, &w), (long long)regs[i].off);
		CHECK_INT(w, 8);
	}
#else
	skip("x86_64 register layout", "not an x86_64 host");
#endif
	CHECK_INT(btf_sdt_reg_offset(EM_X86_64, "r9d", &w), 64);
	CHECK_INT(w, 4);
	CHECK_INT(btf_sdt_reg_offset(EM_X86_64, "di", &w), 112);
	CHECK_INT(w, 2);
	CHECK_INT(btf_sdt_reg_offset(EM_X86_64, "bpl", &w), 32);
	CHECK_INT(w, 1);
	CHECK_INT(btf_sdt_reg_offset(EM_X86_64, "r16", &w), -1);
	CHECK_INT(btf_sdt_reg_offset(EM_X86_64, "r8q", &w), -1);
	CHECK_INT(btf_sdt_reg_offset(EM_X86_64, "ah", &w), -1);
	CHECK_INT(btf_sdt_reg_offset(EM_AARCH64, "x29", &w), 232);
	CHECK_INT(btf_sdt_reg_offset(EM_AARCH64, "pc", &w), 256);
	CHECK_INT(btf_sdt_reg_offset(EM_AARCH64, "w7", &w), 56);
	CHECK_INT(w, 4);
	CHECK_INT(btf_sdt_reg_offset(EM_ARM, "r0", &w), -1);
}

/* ---- note descriptors ---- */

static size_t put_addr(unsigned char *p, uint64_t v, int size, bool big)
{
	for (int i = 0; i < size; i++)
		p[big ? size - 1 - i : i] = (unsigned char)(v >> (8 * i));
	return (size_t)size;
}

static size_t make_desc(unsigned char *buf, int size, bool big, const char *strs, size_t strs_len)
{
	size_t n = 0;
	n += put_addr(buf + n, 0x401234, size, big);
	n += put_addr(buf + n, 0x40202b, size, big);
	n += put_addr(buf + n, 0x404058, size, big);
	memcpy(buf + n, strs, strs_len);
	return n + strs_len;
}

static void test_notes(void)
{
	static const char strs[] = "scry\0tick\0-4@%ebx 8@-16(%rbp)"; /* sizeof includes the last NUL */
	const bool host_big = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
	for (int size = 4; size <= 8; size += 4)
		for (int big = 0; big < 2; big++) {
			unsigned char buf[128];
			size_t n = make_desc(buf, size, big, strs, sizeof(strs));
			struct sdt_probe p;
			uint64_t base = 0;
			CHECK_INT(btf_sdt_note_decode(buf, n, size, big != host_big, &p, &base, &arena), 0);
			CHECK_INT(p.pc, 0x401234);
			CHECK_INT(base, 0x40202b);
			CHECK_INT(p.sem, 0x404058);
			CHECK_STR(p.provider, "scry");
			CHECK_STR(p.name, "tick");
			CHECK_STR(p.args, "-4@%ebx 8@-16(%rbp)");
		}
	unsigned char buf[128];
	struct sdt_probe p;
	uint64_t base;
	/* no operands: an empty third string */
	static const char noargs[] = "p\0n\0";
	size_t n = make_desc(buf, 8, host_big, noargs, sizeof(noargs));
	CHECK_INT(btf_sdt_note_decode(buf, n, 8, false, &p, &base, &arena), 0);
	CHECK_STR(p.args, "");
	/* truncated strings, a missing NUL, an empty provider, a short descriptor, a bad word size */
	n = make_desc(buf, 8, host_big, strs, sizeof(strs));
	CHECK_INT(btf_sdt_note_decode(buf, n - 1, 8, false, &p, &base, &arena), -EINVAL);
	CHECK_INT(btf_sdt_note_decode(buf, 24 + 5, 8, false, &p, &base, &arena), -EINVAL);
	static const char noprov[] = "\0n\0";
	n = make_desc(buf, 8, host_big, noprov, sizeof(noprov));
	CHECK_INT(btf_sdt_note_decode(buf, n, 8, false, &p, &base, &arena), -EINVAL);
	CHECK_INT(btf_sdt_note_decode(buf, 20, 8, false, &p, &base, &arena), -EINVAL);
	CHECK_INT(btf_sdt_note_decode(buf, n, 2, false, &p, &base, &arena), -EINVAL);
}

/* ---- files ---- */

#ifdef HAVE_SDT
unsigned short unit_sdt_plain_semaphore __attribute__((section(".probes"), used));
unsigned short unit_sdt_global_semaphore __attribute__((section(".probes"), used));
unsigned short unit_sdt_sites_semaphore __attribute__((section(".probes"), used));
int unit_sdt_counter = 7;
static volatile int v_seven = 7;

static inline __attribute__((always_inline)) void site(int x) { DTRACE_PROBE1(unit_sdt, sites, x); }

/* optimised even in Debug builds, so the global's operand is "-4@unit_sdt_counter(%rip)" */
#if defined(__GNUC__) && !defined(__clang__)
#define OPTIMISED __attribute__((noinline, optimize("O2")))
#else
#define OPTIMISED __attribute__((noinline))
#endif
OPTIMISED static void fire_probes(void)
{
	int x = v_seven;
	DTRACE_PROBE2(unit_sdt, plain, x, 3);
	DTRACE_PROBE1(unit_sdt, global, unit_sdt_counter);
	site(1);
	site(x);
}

/* The mapping of this executable that holds file offset off; *start gets the address it maps to. */
static bool self_map(uint64_t off, bool exec, uintptr_t *addr)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = 0;
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return false;
	char line[4608];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long start, end, pgoff;
		char perms[8], path[4096] = "";
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %4095s", &start, &end, perms, &pgoff, path) < 4)
			continue;
		if (strcmp(path, exe) || (exec && perms[2] != 'x'))
			continue;
		if (off >= pgoff && off - pgoff < end - start) {
			*addr = start + (uintptr_t)(off - pgoff);
			found = true;
		}
	}
	fclose(f);
	return found;
}

static const struct sdt_probe *find(const struct sdt_file *f, const char *name, size_t nth)
{
	for (size_t i = 0; i < f->nprobes; i++)
		if (!strcmp(f->probes[i].provider, "unit_sdt") && !strcmp(f->probes[i].name, name) && !nth--)
			return &f->probes[i];
	return NULL;
}

static void test_self(void)
{
	fire_probes();
	struct sdt_file *f = NULL;
	char *err = NULL;
	CHECK_INT(btf_sdt_load("/proc/self/exe", &f, &err), 0);
	if (!f) {
		fprintf(stderr, "load: %s\n", err);
		free(err);
		return;
	}
#if defined(__x86_64__)
	CHECK_INT(f->e_machine, EM_X86_64);
#endif
	const struct sdt_probe *plain = find(f, "plain", 0), *global = find(f, "global", 0);
	const struct sdt_probe *s0 = find(f, "sites", 0), *s1 = find(f, "sites", 1);
	CHECK(plain && global && s0 && s1 && !find(f, "sites", 2));
	if (!plain || !global || !s0 || !s1) {
		btf_sdt_free(f);
		return;
	}
	/* the site is the sdt.h nop, mapped where its file offset says */
	uintptr_t addr;
	CHECK(self_map(plain->pc_offset, true, &addr));
	if (self_map(plain->pc_offset, true, &addr))
		CHECK_INT(*(const unsigned char *)addr, 0x90);
	CHECK(!plain->bad_pc && !plain->bad_sem);
	/* the semaphore's file offset maps to the variable */
	CHECK(plain->sem != 0);
	CHECK(self_map(plain->sem_offset, false, &addr) && addr == (uintptr_t)&unit_sdt_plain_semaphore);
	CHECK(self_map(global->sem_offset, false, &addr) && addr == (uintptr_t)&unit_sdt_global_semaphore);
	/* addresses: the load bias is the same for code and data */
	uintptr_t pc_addr = 0;
	self_map(plain->pc_offset, true, &pc_addr);
	CHECK_INT((uint64_t)pc_addr - plain->pc, (uint64_t)(uintptr_t)&unit_sdt_plain_semaphore - plain->sem);
	CHECK_INT(plain->nargs, 2);
	CHECK(!plain->arg_error);
	CHECK(plain->argv[0].size == 4 && plain->argv[0].is_signed);
	CHECK(plain->argv[1].kind == SDT_ARG_CONST && plain->argv[1].value == 3);
	/* a global variable operand ("-4@unit_sdt_counter(%rip)" when optimised): resolved into a
	 * displacement from the probe's own address */
	CHECK_INT(global->nargs, 1);
	if (global->argv[0].kind == SDT_ARG_MEM && global->argv[0].sym) {
		uintptr_t gpc = 0;
		CHECK(self_map(global->pc_offset, true, &gpc));
		CHECK_INT(global->argv[0].reg, 128);
		CHECK_INT((int64_t)(gpc + (uint64_t)global->argv[0].value), (int64_t)(uintptr_t)&unit_sdt_counter);
	} else {
		skip("rip-relative operand", global->args);
	}
	/* two sites of one probe: different addresses, one semaphore */
	CHECK(s0->pc != s1->pc && s0->sem == s1->sem && s0->sem_offset == s1->sem_offset);
	btf_sdt_free(f);
}
#endif

static void test_files(void)
{
	struct sdt_file *f = NULL;
	char *err = NULL;
	CHECK_INT(btf_sdt_load("/nonexistent/scry", &f, &err), -ENOENT);
	CHECK(err && strstr(err, "does not exist"));
	free(err);
	err = NULL;
	CHECK_INT(btf_sdt_load("/etc/passwd", &f, &err), -ENOEXEC);
	CHECK(err && strstr(err, "not an ELF file"));
	free(err);
	err = NULL;
	CHECK(btf_sdt_load("/", &f, &err) < 0);
	free(err);
	err = NULL;
	/* an ELF file without notes is not an error */
	const char *plain = "/bin/true";
	if (btf_sdt_load(plain, &f, &err) == 0) {
		CHECK_INT(f->nprobes, 0);
		btf_sdt_free(f);
	} else {
		skip(plain, err);
		free(err);
	}
	btf_sdt_free(NULL);
#ifdef HAVE_SDT
	test_self();
#else
	skip("probes in this executable", "<sys/sdt.h> is not installed (Debian: systemtap-sdt-dev)");
#endif
}

int main(void)
{
	test_x86();
	test_arm64();
	test_regs();
	test_notes();
	test_files();
	free(last_err);
	arena_free(&arena);
	int rc = check_done();
	return rc ? rc : skipped ? 77 : 0;
}

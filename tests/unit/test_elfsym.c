/* Unit tests for src/btf/elfsym: ld.so.cache parsing (a synthetic cache with known entries, and
 * the system's cache for libc), target resolution (PATH, library names, paths, errors) and symbol
 * tables (this test's own executable, whose file offsets are checked against the code bytes
 * mapped in memory; libc's versioned .dynsym; /bin/bash). Parts that need a file this system may
 * lack print "SKIP: <why>"; if anything was skipped and the rest passed, the exit code is 77. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btf/elfsym.h"
#include "check.h"

static int skipped;
static void skip(const char *what, const char *why)
{
	printf("SKIP: %s: %s\n", what, why);
	skipped++;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* ---- a synthetic ld.so.cache ---- */

#if defined(__x86_64__)
#define ABI 0x0303
#elif defined(__aarch64__)
#define ABI 0x0a03
#else
#define ABI 0x0003
#endif

struct entry {
	int32_t flags;
	const char *key, *value;
	uint64_t hwcap;
};

/* Writes a cache in glibc's new format, optionally after an old-format table; returns its path. */
static char *write_cache(const struct entry *e, size_t n, bool old_prefix)
{
	static char path[64];
	strcpy(path, "/tmp/scry-test-ldcache-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	unsigned char buf[4096] = {0};
	size_t pos = 0;
	if (old_prefix) {
		memcpy(buf, "ld.so-1.7.0", 12);
		uint32_t nold = 2;
		memcpy(buf + 12, &nold, 4);
		pos = 16 + nold * 12; /* entries left zero */
		pos = (pos + 7) & ~(size_t)7;
	}
	size_t hdr = pos;
	memcpy(buf + hdr, "glibc-ld.so.cache1.1", 20);
	uint32_t nlibs = (uint32_t)n;
	memcpy(buf + hdr + 20, &nlibs, 4);
	size_t entries = hdr + 48;
	size_t strings = entries + n * 24;
	for (size_t i = 0; i < n; i++) {
		uint32_t k = (uint32_t)(strings - hdr);
		strcpy((char *)buf + strings, e[i].key);
		strings += strlen(e[i].key) + 1;
		uint32_t v = (uint32_t)(strings - hdr);
		strcpy((char *)buf + strings, e[i].value);
		strings += strlen(e[i].value) + 1;
		unsigned char *p = buf + entries + i * 24;
		memcpy(p, &e[i].flags, 4);
		memcpy(p + 4, &k, 4);
		memcpy(p + 8, &v, 4);
		memcpy(p + 16, &e[i].hwcap, 8);
	}
	bool ok = write(fd, buf, strings) == (ssize_t)strings;
	close(fd);
	return ok ? path : NULL;
}

static void test_ldcache_synthetic(bool old_prefix)
{
	const struct entry e[] = {
		{ABI, "libfoo.so.1", "/x/libfoo.so.1", 0},
		{ABI, "libfoo.so.2", "/x/libfoo.so.2", 0},
		{ABI, "libfoo.so", "/x/libfoo.so", 0},
		{ABI, "libfoo.so.3", "/x/glibc-hwcaps/x86-64-v3/libfoo.so.3", 2},
		{0x0003, "libbar.so.7", "/other-abi/libbar.so.7", 0},
		{ABI, "libbar.so.6", "/x/libbar.so.6", 0},
		{ABI, "libhw.so.1", "/x/glibc-hwcaps/v2/libhw.so.1", 4},
		{ABI, "libfoobar.so.9", "/x/libfoobar.so.9", 0},
	};
	char *cache = write_cache(e, ARRAY_SIZE(e), old_prefix);
	CHECK(cache != NULL);
	if (!cache)
		return;
	char *p = NULL;
	/* a stem picks the highest version without hwcaps; "foo" and "libfoo" mean the same */
	CHECK_INT(btf_elf_ldcache_find(cache, "libfoo", &p), 0);
	CHECK_STR(p, "/x/libfoo.so.2");
	free(p), p = NULL;
	CHECK_INT(btf_elf_ldcache_find(cache, "foo", &p), 0);
	CHECK_STR(p, "/x/libfoo.so.2");
	free(p), p = NULL;
	CHECK_INT(btf_elf_ldcache_find(cache, "libfoo.so", &p), 0);
	CHECK_STR(p, "/x/libfoo.so.2");
	free(p), p = NULL;
	/* an exact soname matches only itself */
	CHECK_INT(btf_elf_ldcache_find(cache, "libfoo.so.1", &p), 0);
	CHECK_STR(p, "/x/libfoo.so.1");
	free(p), p = NULL;
	CHECK_INT(btf_elf_ldcache_find(cache, "libfoo.so.4", &p), -ENOENT);
	/* entries of another ABI are ignored */
	CHECK_INT(btf_elf_ldcache_find(cache, "libbar", &p), 0);
	CHECK_STR(p, "/x/libbar.so.6");
	free(p), p = NULL;
	/* an hwcaps variant is used when it is the only one */
	CHECK_INT(btf_elf_ldcache_find(cache, "hw", &p), 0);
	CHECK_STR(p, "/x/glibc-hwcaps/v2/libhw.so.1");
	free(p), p = NULL;
	/* "libfoo" does not match "libfoobar" */
	CHECK_INT(btf_elf_ldcache_find(cache, "libfoob", &p), -ENOENT);
	CHECK_INT(btf_elf_ldcache_find(cache, "nosuch", &p), -ENOENT);
	unlink(cache);
}

static void test_ldcache_malformed(void)
{
	char path[] = "/tmp/scry-test-ldcache-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return;
	/* header claims more entries than the file holds */
	unsigned char buf[64] = {0};
	memcpy(buf, "glibc-ld.so.cache1.1", 20);
	uint32_t n = 1000000;
	memcpy(buf + 20, &n, 4);
	CHECK(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
	close(fd);
	char *p = NULL;
	CHECK_INT(btf_elf_ldcache_find(path, "libc", &p), -EINVAL);
	unlink(path);
	CHECK_INT(btf_elf_ldcache_find("/nonexistent/ld.so.cache", "libc", &p), -ENOENT);
	CHECK(p == NULL);
}

/* ---- the system's cache and target resolution ---- */

static void test_resolve(void)
{
	char *p = NULL, *err = NULL;
	if (access("/etc/ld.so.cache", R_OK)) {
		skip("ld.so.cache lookup of libc", "no /etc/ld.so.cache");
	} else {
		CHECK_INT(btf_elf_ldcache_find(NULL, "libc", &p), 0);
#if defined(__x86_64__)
		if (!access("/lib/x86_64-linux-gnu/libc.so.6", F_OK))
			CHECK_STR(p, "/lib/x86_64-linux-gnu/libc.so.6");
#endif
		CHECK(p && strstr(p, "/libc.so.") && access(p, R_OK) == 0);
		free(p), p = NULL;
	}
	/* a library name (no such program on PATH) */
	CHECK_INT(btf_elf_resolve("libc", &p, &err), 0);
	CHECK(p && p[0] == '/' && strstr(p, "/libc.so"));
	free(p), p = NULL;
	CHECK_INT(btf_elf_resolve("c", &p, &err), 0);
	CHECK(p && strstr(p, "/libc.so"));
	free(p), p = NULL;
	/* a program on PATH */
	char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	setenv("PATH", "/nonexistent:/usr/bin:/bin", 1);
	CHECK_INT(btf_elf_resolve("sh", &p, &err), 0);
	CHECK(p && (!strcmp(p, "/usr/bin/sh") || !strcmp(p, "/bin/sh")));
	free(p), p = NULL;
	if (old) {
		setenv("PATH", old, 1);
		free(old);
	}
	/* paths are kept; relative ones made absolute */
	CHECK_INT(btf_elf_resolve("/bin/sh", &p, &err), 0);
	CHECK_STR(p, "/bin/sh");
	free(p), p = NULL;
	char cwd[4096];
	if (getcwd(cwd, sizeof(cwd)) && chdir("/bin") == 0) {
		CHECK_INT(btf_elf_resolve("./sh", &p, &err), 0);
		CHECK(p && p[0] == '/' && ends_with(p, "/sh") && !strstr(p, "./"));
		free(p), p = NULL;
		CHECK(chdir(cwd) == 0);
	}
	/* errors */
	CHECK_INT(btf_elf_resolve("/nonexistent/prog", &p, &err), -ENOENT);
	CHECK_STR(err, "file '/nonexistent/prog' does not exist");
	free(err), err = NULL;
	CHECK_INT(btf_elf_resolve("/tmp", &p, &err), -EINVAL);
	CHECK_STR(err, "file '/tmp' is not a regular file");
	free(err), err = NULL;
	CHECK_INT(btf_elf_resolve("scry_no_such_program_or_library", &p, &err), -ENOENT);
	CHECK(err && strstr(err, "'scry_no_such_program_or_library' not found"));
	free(err), err = NULL;
	CHECK(p == NULL);
}

/* ---- symbol tables ---- */

__attribute__((noinline, used)) int elfsym_test_marker(int x) { return x * 3 + 1; }
__attribute__((noinline, used)) static int elfsym_test_local(int x) { return x * 5 + 2; }

/* The code bytes at a function's file offset equal the bytes mapped at its address. */
static bool offset_matches(const char *file, uint64_t offset, const void *mem, size_t n)
{
	unsigned char buf[16];
	int fd = open(file, O_RDONLY);
	if (fd < 0)
		return false;
	bool ok = pread(fd, buf, n, (off_t)offset) == (ssize_t)n && !memcmp(buf, mem, n);
	close(fd);
	return ok;
}

static void test_self(void)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	CHECK(n > 0);
	if (n <= 0)
		return;
	self[n] = 0;
	struct elf_symtab *st = NULL;
	char *err = NULL;
	CHECK_INT(btf_elf_symtab_load(self, &st, &err), 0);
	if (!st) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return;
	}
	CHECK(st->e_type == ET_EXEC || st->e_type == ET_DYN);
	CHECK(st->has_symtab);
	const struct elf_func *f = btf_elf_func_find(st, "elfsym_test_marker");
	CHECK(f != NULL);
	if (f) {
		CHECK_INT(f->bind, STB_GLOBAL);
		CHECK_INT(f->type, STT_FUNC);
		CHECK(f->size > 0);
		CHECK(offset_matches(self, f->offset, (const void *)elfsym_test_marker, 8));
		uint64_t off;
		CHECK_INT(btf_elf_addr_offset(st, f->addr, &off), 0);
		CHECK_INT(off, f->offset);
	}
	/* a static function is only in .symtab */
	f = btf_elf_func_find(st, "elfsym_test_local");
	CHECK(f != NULL);
	if (f) {
		CHECK_INT(f->bind, STB_LOCAL);
		CHECK(offset_matches(self, f->offset, (const void *)elfsym_test_local, 8));
	}
	CHECK(btf_elf_func_find(st, "elfsym_test_nosuch") == NULL);
	CHECK(btf_elf_func_find(st, "elfsym_test_mark") == NULL); /* a prefix is not a match */
	/* address 0 is in no executable segment */
	uint64_t off;
	CHECK_INT(btf_elf_addr_offset(st, 0, &off), -ERANGE);
	btf_elf_symtab_free(st);
}

static int count_cb(const struct elf_func *f, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static int stop_cb(const struct elf_func *f, void *arg)
{
	(*(int *)arg)++;
	return 7;
}

static void test_self_foreach(void)
{
	struct elf_symtab *st = NULL;
	char *err = NULL;
	if (btf_elf_symtab_load("/proc/self/exe", &st, &err)) {
		free(err);
		CHECK(0);
		return;
	}
	int n = 0;
	CHECK_INT(btf_elf_func_foreach(st, "elfsym_test_*", count_cb, &n), 0);
	CHECK_INT(n, 2);
	n = 0;
	CHECK_INT(btf_elf_func_foreach(st, "elfsym_test_?arker", count_cb, &n), 0);
	CHECK_INT(n, 1);
	n = 0;
	CHECK_INT(btf_elf_func_foreach(st, "*", stop_cb, &n), 7);
	CHECK_INT(n, 1);
	n = 0;
	CHECK_INT(btf_elf_func_foreach(st, "*", count_cb, &n), 0);
	CHECK(n > 10);
	btf_elf_symtab_free(st);
}

static void test_libc(void)
{
	char *path = NULL, *err = NULL;
	if (btf_elf_resolve("libc", &path, &err)) {
		skip("libc symbols", err);
		free(err);
		return;
	}
	struct elf_symtab *st = NULL;
	CHECK_INT(btf_elf_symtab_load(path, &st, &err), 0);
	if (!st) {
		free(path);
		return;
	}
	CHECK_INT(st->e_type, ET_DYN);
	const struct elf_func *f = btf_elf_func_find(st, "malloc");
	CHECK(f != NULL);
	if (f) {
		CHECK(f->offset > 0);
		CHECK(!f->hidden);
		CHECK(f->version != NULL); /* GLIBC_2.2.5 on x86_64 */
	}
	/* libc is mapped in this process: the code bytes at a function's file offset are the bytes at
	 * its address (getppid: a function the sanitizers do not replace) */
	const struct elf_func *g = btf_elf_func_find(st, "getppid");
	CHECK(g != NULL);
	if (g)
		CHECK(offset_matches(path, g->offset, (const void *)getppid, 8));
	/* the same function through its default version */
	if (f && f->version) {
		char name[128];
		snprintf(name, sizeof(name), "malloc@@%s", f->version);
		CHECK(btf_elf_func_find(st, name) == f);
		snprintf(name, sizeof(name), "malloc@%s", f->version);
		CHECK(btf_elf_func_find(st, name) == NULL); /* not a hidden version */
	}
	/* realpath has an old hidden version and a default one (glibc on x86_64) */
	const struct elf_func *old = btf_elf_func_find(st, "realpath@GLIBC_2.2.5");
	const struct elf_func *cur = btf_elf_func_find(st, "realpath");
	if (old) {
		CHECK(old->hidden);
		CHECK(cur && !cur->hidden && cur->addr != old->addr);
	} else {
		skip("libc hidden symbol versions", "no realpath@GLIBC_2.2.5 in this libc");
	}
	int n = 0;
	btf_elf_func_foreach(st, "realpath", count_cb, &n);
	CHECK_INT(n, 1);
	btf_elf_symtab_free(st);
	free(path);
}

static void test_bash(void)
{
	if (access("/bin/bash", R_OK)) {
		skip("/bin/bash symbols", "no /bin/bash");
		return;
	}
	struct elf_symtab *st = NULL;
	char *err = NULL;
	CHECK_INT(btf_elf_symtab_load("/bin/bash", &st, &err), 0);
	if (!st)
		return;
	const struct elf_func *f = btf_elf_func_find(st, "readline");
	CHECK(f != NULL);
	if (f)
		CHECK(f->size > 0 && f->offset > 0);
	btf_elf_symtab_free(st);
}

static void test_errors(void)
{
	struct elf_symtab *st = NULL;
	char *err = NULL;
	CHECK_INT(btf_elf_symtab_load("/nonexistent/file", &st, &err), -ENOENT);
	CHECK_STR(err, "file '/nonexistent/file' does not exist");
	free(err), err = NULL;
	char path[] = "/tmp/scry-test-notelf-XXXXXX";
	int fd = mkstemp(path);
	if (fd >= 0) {
		CHECK(write(fd, "hello\n", 6) == 6);
		close(fd);
		CHECK_INT(btf_elf_symtab_load(path, &st, &err), -ENOEXEC);
		CHECK(err && strstr(err, "is not an ELF file"));
		free(err), err = NULL;
		unlink(path);
	}
	CHECK_INT(btf_elf_symtab_load("/tmp", &st, &err), -EINVAL);
	free(err), err = NULL;
	CHECK(st == NULL);
	btf_elf_symtab_free(NULL);
}

int main(void)
{
	test_ldcache_synthetic(false);
	test_ldcache_synthetic(true);
	test_ldcache_malformed();
	test_resolve();
	test_self();
	test_self_foreach();
	test_libc();
	test_bash();
	test_errors();
	int rc = check_done();
	return rc ? rc : skipped ? 77 : 0;
}

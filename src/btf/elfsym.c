/* elfsym: function symbols of user-space ELF files and resolution of uprobe targets.
 * Only the files a script names are read; a file is read once per btf_elf_symtab_load call
 * (libelf with ELF_C_READ_MMAP: only the symbol, string and version sections are touched). */
#define _GNU_SOURCE
#include "btf/elfsym.h"
#include "btf/elfopen.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- target resolution --------------------------------------------------------------------- */

#if defined(__x86_64__)
#define LDCACHE_ABI 0x0303 /* FLAG_ELF_LIBC6 | FLAG_X8664_LIB64 */
#define MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define LDCACHE_ABI 0x0a03 /* FLAG_ELF_LIBC6 | FLAG_AARCH64_LIB64 */
#define MULTIARCH "aarch64-linux-gnu"
#else
#define LDCACHE_ABI 0x0003 /* FLAG_ELF_LIBC6 */
#define MULTIARCH ""
#endif

/* glibc's "new" cache format (the only one glibc >= 2.32 writes; older caches put it after an
 * "ld.so-1.7.0" table). String offsets are relative to the start of this header. */
#define LDCACHE_OLD_MAGIC "ld.so-1.7.0"
#define LDCACHE_NEW_MAGIC "glibc-ld.so.cache1.1"
struct ldcache_header {
	char magic[sizeof(LDCACHE_NEW_MAGIC) - 1];
	uint32_t nlibs;
	uint32_t len_strings;
	uint8_t flags;
	uint8_t pad[3];
	uint32_t extension_offset;
	uint32_t unused[3];
};
struct ldcache_entry {
	int32_t flags;
	uint32_t key, value; /* string offsets: soname, path */
	uint32_t osversion;
	uint64_t hwcap;      /* non-zero: a glibc-hwcaps subdirectory variant */
};
struct ldcache_old_entry {
	int32_t flags;
	uint32_t key, value;
};

/* A library file name matches `stem` ("libc.so") when it is the stem or the stem followed by a
 * version ("libc.so.6"); `exact` names ("libc.so.6") match only themselves. */
static bool lib_name_matches(const char *fname, const char *want, bool exact)
{
	size_t n = strlen(want);
	if (strncmp(fname, want, n))
		return false;
	return !fname[n] || (!exact && fname[n] == '.');
}

/* What to look for: "libc.so.6" exactly; "libssl.so" and "libc" / "c" as stems ("libc.so"). */
static int lib_wanted(const char *lib, char wants[2][NAME_MAX + 1], bool *exact)
{
	const char *so = strstr(lib, ".so");
	int n = 0;
	if (so && (so[3] == '.' || !so[3])) {
		*exact = so[3] == '.';
		if (strlen(lib) > NAME_MAX)
			return 0;
		strcpy(wants[n++], lib);
		return n;
	}
	*exact = false;
	if (snprintf(wants[n], NAME_MAX + 1, "%s.so", lib) <= NAME_MAX)
		n++;
	if (strncmp(lib, "lib", 3) && snprintf(wants[n], NAME_MAX + 1, "lib%s.so", lib) <= NAME_MAX)
		n++;
	return n;
}

/* Prefer the highest version ("libfoo.so.2" over "libfoo.so.1" over the "libfoo.so" dev link). */
static bool better_lib(const char *cand, const char *best) { return !best || strverscmp(cand, best) > 0; }

int btf_elf_ldcache_find(const char *cache_file, const char *lib, char **path)
{
	char wants[2][NAME_MAX + 1];
	bool exact;
	int nwants = lib_wanted(lib, wants, &exact);
	if (!nwants)
		return -ENOENT;
	int fd = open(cache_file ? cache_file : "/etc/ld.so.cache", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(struct ldcache_header)) {
		close(fd);
		return -EINVAL;
	}
	size_t size = (size_t)st.st_size;
	const char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -errno;

	int ret = -EINVAL;
	size_t start = 0;
	if (!memcmp(map, LDCACHE_OLD_MAGIC, sizeof(LDCACHE_OLD_MAGIC))) {
		/* old table first: magic (12 bytes), count, entries; the new header follows, 8-aligned */
		uint32_t nold;
		memcpy(&nold, map + sizeof(LDCACHE_OLD_MAGIC), sizeof(nold));
		start = sizeof(LDCACHE_OLD_MAGIC) + sizeof(nold) + (size_t)nold * sizeof(struct ldcache_old_entry);
		start = (start + 7) & ~(size_t)7;
	}
	struct ldcache_header h;
	if (start > size || size - start < sizeof(h))
		goto out;
	memcpy(&h, map + start, sizeof(h));
	if (memcmp(h.magic, LDCACHE_NEW_MAGIC, sizeof(h.magic)))
		goto out;
	const char *base = map + start;
	size_t avail = size - start;
	if ((avail - sizeof(h)) / sizeof(struct ldcache_entry) < h.nlibs)
		goto out;

	/* best: highest version without hwcaps; fallback: with hwcaps */
	const char *best[2] = {NULL, NULL}, *best_path[2] = {NULL, NULL};
	for (uint32_t i = 0; i < h.nlibs; i++) {
		struct ldcache_entry e;
		memcpy(&e, base + sizeof(h) + (size_t)i * sizeof(e), sizeof(e));
		if ((e.flags & 0xffff) != LDCACHE_ABI || e.key >= avail || e.value >= avail)
			continue;
		const char *key = base + e.key, *val = base + e.value;
		if (!memchr(key, 0, avail - e.key) || !memchr(val, 0, avail - e.value))
			continue;
		for (int w = 0; w < nwants; w++) {
			if (!lib_name_matches(key, wants[w], exact))
				continue;
			int slot = e.hwcap ? 1 : 0;
			if (better_lib(key, best[slot])) {
				best[slot] = key;
				best_path[slot] = val;
			}
		}
	}
	const char *found = best_path[0] ? best_path[0] : best_path[1];
	if (found) {
		*path = xstrdup(found);
		ret = 0;
	} else {
		ret = -ENOENT;
	}
out:
	munmap((void *)map, size);
	return ret;
}

/* The standard directories, when the cache does not know the library (or there is no cache). */
static int libdir_find(const char *lib, char **path)
{
	static const char *const dirs[] = {
		"/lib/" MULTIARCH, "/usr/lib/" MULTIARCH, "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib",
	};
	char wants[2][NAME_MAX + 1];
	bool exact;
	int nwants = lib_wanted(lib, wants, &exact);
	for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
		if (!strcmp(dirs[d], "/lib/") || !strcmp(dirs[d], "/usr/lib/"))
			continue; /* no multiarch name on this architecture */
		DIR *dir = opendir(dirs[d]);
		if (!dir)
			continue;
		char *best = NULL;
		struct dirent *de;
		while ((de = readdir(dir))) {
			for (int w = 0; w < nwants; w++)
				if (lib_name_matches(de->d_name, wants[w], exact) && better_lib(de->d_name, best)) {
					free(best);
					best = xstrdup(de->d_name);
				}
		}
		closedir(dir);
		if (best) {
			*path = xasprintf("%s/%s", dirs[d], best);
			free(best);
			struct stat st;
			if (stat(*path, &st) == 0 && S_ISREG(st.st_mode))
				return 0;
			free(*path);
			*path = NULL;
		}
	}
	return -ENOENT;
}

static int path_find(const char *name, char **path)
{
	const char *env = getenv("PATH");
	const char *p = env && *env ? env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*p) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *cand = len ? xasprintf("%.*s/%s", (int)len, p, name) : NULL;
		struct stat st;
		/* relative PATH entries (".") are skipped: the result must not depend on our cwd's meaning */
		if (cand && cand[0] == '/' && stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) {
			*path = cand;
			return 0;
		}
		free(cand);
		p += len;
		if (*p == ':')
			p++;
	}
	return -ENOENT;
}

int btf_elf_resolve(const char *name, char **path, char **err)
{
	*path = NULL;
	if (!name || !*name) {
		*err = xstrdup("file name is empty");
		return -EINVAL;
	}
	if (strchr(name, '/')) {
		char *p;
		if (name[0] == '/') {
			p = xstrdup(name);
		} else {
			char cwd[PATH_MAX];
			if (!getcwd(cwd, sizeof(cwd))) {
				int e = errno;
				*err = xasprintf("file '%s': cannot get the current directory: %s", name, strerror(e));
				return -e;
			}
			p = xasprintf("%s/%s", cwd, name[0] == '.' && name[1] == '/' ? name + 2 : name);
		}
		struct stat st;
		if (stat(p, &st)) {
			int e = errno;
			*err = e == ENOENT ? xasprintf("file '%s' does not exist", name)
					   : xasprintf("file '%s': %s", name, strerror(e));
			free(p);
			return -e;
		}
		if (!S_ISREG(st.st_mode)) {
			*err = xasprintf("file '%s' is not a regular file", name);
			free(p);
			return -EINVAL;
		}
		*path = p;
		return 0;
	}
	if (path_find(name, path) == 0 || btf_elf_ldcache_find(NULL, name, path) == 0 || libdir_find(name, path) == 0)
		return 0;
	*err = xasprintf("file '%s' not found (not a program on PATH, nor a library known to the dynamic loader)", name);
	return -ENOENT;
}

/* ---- symbols ------------------------------------------------------------------------------- */

static pthread_once_t elf_once = PTHREAD_ONCE_INIT;
static bool elf_ok;
static void elf_init(void) { elf_ok = elf_version(EV_CURRENT) != EV_NONE; }

typedef VEC(struct elf_func) func_vec;

/* Names of version indexes defined in .gnu.version_d (index -> name; NULL = none). */
struct verdefs {
	const char **names;
	size_t n;
};

static void read_verdefs(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, struct arena *a, struct verdefs *out)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	if (!d)
		return;
	size_t off = 0;
	for (size_t i = 0; i < sh->sh_info && i < 65536; i++) {
		GElf_Verdef vd;
		GElf_Verdaux va;
		if (!gelf_getverdef(d, (int)off, &vd) || !gelf_getverdaux(d, (int)(off + vd.vd_aux), &va))
			break;
		/* index 1 (VER_FLG_BASE) is the file's own soname, not a symbol version */
		if (!(vd.vd_flags & VER_FLG_BASE) && vd.vd_ndx > 1) {
			const char *nm = elf_strptr(elf, sh->sh_link, va.vda_name);
			if (nm) {
				if (vd.vd_ndx >= out->n) {
					size_t nn = (size_t)vd.vd_ndx + 1;
					out->names = xrealloc(out->names, nn * sizeof(*out->names));
					memset(out->names + out->n, 0, (nn - out->n) * sizeof(*out->names));
					out->n = nn;
				}
				out->names[vd.vd_ndx] = arena_strdup(a, nm);
			}
		}
		if (!vd.vd_next)
			break;
		off += vd.vd_next;
	}
}

static bool addr_offset(const struct elf_segment *segs, size_t n, uint64_t addr, uint64_t *off, bool exec_only)
{
	for (size_t i = 0; i < n; i++) {
		const struct elf_segment *s = &segs[i];
		if ((!exec_only || s->exec) && addr >= s->vaddr && addr - s->vaddr < s->filesz) {
			*off = addr - s->vaddr + s->offset;
			return true;
		}
	}
	return false;
}

/* Append the function symbols of one symbol table section. versym/verdefs: .dynsym versions. */
static void read_symbols(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, Elf_Data *versym,
			 const struct verdefs *vdefs, struct elf_symtab *st, func_vec *out)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	if (!d || !sh->sh_entsize)
		return;
	size_t n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 1; i < n; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(d, (int)i, &sym))
			break;
		int type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		const char *nm = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!nm || !*nm)
			continue;
		struct elf_func f = {
			.addr = sym.st_value,
			.size = sym.st_size,
			.bind = (uint8_t)GELF_ST_BIND(sym.st_info),
			.type = (uint8_t)type,
		};
		if (!addr_offset(st->segs, st->nsegs, f.addr, &f.offset, false))
			continue;
		const char *at = strchr(nm, '@');
		if (at) {
			/* .symtab of a shared library spells versions into names: "memcpy@GLIBC_2.2.5" */
			f.name = arena_strndup(&st->arena, nm, (size_t)(at - nm));
			f.hidden = at[1] != '@';
			const char *ver = at + (f.hidden ? 1 : 2);
			f.version = *ver ? arena_strdup(&st->arena, ver) : NULL;
		} else {
			f.name = arena_strdup(&st->arena, nm);
			GElf_Versym vs;
			if (versym && gelf_getversym(versym, (int)i, &vs)) {
				f.hidden = (vs & 0x8000) != 0;
				size_t idx = vs & 0x7fff;
				f.version = idx < vdefs->n ? vdefs->names[idx] : NULL;
			}
		}
		VEC_PUSH(*out, f);
	}
}

static int rank(const struct elf_func *f)
{
	if (f->hidden)
		return 3;
	return f->bind == STB_GLOBAL ? 0 : f->bind == STB_WEAK ? 1 : 2;
}

/* Whether a is a better occurrence of a name than b: lower rank, then lower address, then the one
 * that knows its version (the same symbol is often in both .symtab and .dynsym). */
static bool better(const struct elf_func *a, const struct elf_func *b)
{
	if (rank(a) != rank(b))
		return rank(a) < rank(b);
	if (a->addr != b->addr)
		return a->addr < b->addr;
	return a->version && !b->version;
}

static int cmp_func_ptr(const void *pa, const void *pb)
{
	const struct elf_func *a = *(const struct elf_func *const *)pa, *b = *(const struct elf_func *const *)pb;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	return better(a, b) ? -1 : better(b, a) ? 1 : 0;
}

/* Build id of an ELF file from its notes, as lowercase hex; false if it has none. */
static bool build_id(Elf *elf, char *hex, size_t hexlen)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t off = 0, name_off, desc_off;
		GElf_Nhdr nh;
		while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((const char *)d->d_buf + name_off, "GNU", 4) || !nh.n_descsz ||
			    nh.n_descsz * 2 + 1 > hexlen)
				continue;
			const unsigned char *id = (const unsigned char *)d->d_buf + desc_off;
			for (size_t i = 0; i < nh.n_descsz; i++)
				snprintf(hex + 2 * i, 3, "%02x", id[i]);
			return true;
		}
	}
	return false;
}

/* Read the .symtab of a separate debug file (/usr/lib/debug/.build-id/xx/yyyy.debug). Its
 * addresses are the stripped file's, so offsets come from the stripped file's segments. */
static void read_debug_file(Elf *elf, struct elf_symtab *st, func_vec *out)
{
	char id[129];
	if (!build_id(elf, id, sizeof(id)) || strlen(id) < 3)
		return;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%.2s/%s.debug", id, id + 2);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	Elf *dbg = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (dbg && elf_kind(dbg) == ELF_K_ELF) {
		Elf_Scn *scn = NULL;
		while ((scn = elf_nextscn(dbg, scn))) {
			GElf_Shdr sh;
			if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB) {
				size_t before = out->n;
				read_symbols(dbg, scn, &sh, NULL, NULL, st, out);
				if (out->n > before) {
					st->has_symtab = true;
					st->debug_path = xstrdup(path);
				}
			}
		}
	}
	elf_end(dbg);
	close(fd);
}

int btf_elf_open(const char *path, int *fdp, Elf **elfp, GElf_Ehdr *eh, char **err)
{
	pthread_once(&elf_once, elf_init);
	if (!elf_ok) {
		*err = xasprintf("libelf initialisation failed: %s", elf_errmsg(-1));
		return -EINVAL;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		*err = e == ENOENT ? xasprintf("file '%s' does not exist", path) : xasprintf("file '%s': %s", path, strerror(e));
		return -e;
	}
	struct stat sbuf;
	if (fstat(fd, &sbuf) || !S_ISREG(sbuf.st_mode)) {
		close(fd);
		*err = xasprintf("file '%s' is not a regular file", path);
		return -EINVAL;
	}
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, eh)) {
		elf_end(elf);
		close(fd);
		*err = xasprintf("file '%s' is not an ELF file", path);
		return -ENOEXEC;
	}
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) {
		elf_end(elf);
		close(fd);
		*err = xasprintf("file '%s' is not an executable or shared library (ELF type %u)", path,
				 (unsigned)eh->e_type);
		return -ENOEXEC;
	}
	*fdp = fd;
	*elfp = elf;
	return 0;
}

int btf_elf_symtab_load(const char *path, struct elf_symtab **out, char **err)
{
	*out = NULL;
	int fd;
	Elf *elf;
	GElf_Ehdr eh;
	int ret = btf_elf_open(path, &fd, &elf, &eh, err);
	if (ret)
		return ret;

	struct elf_symtab *st = xcalloc(1, sizeof(*st));
	st->path = xstrdup(path);
	st->e_type = eh.e_type;
	st->e_machine = eh.e_machine;
	size_t nph = 0;
	if (elf_getphdrnum(elf, &nph) == 0) {
		st->segs = xcalloc(nph ? nph : 1, sizeof(*st->segs));
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD)
				st->segs[st->nsegs++] = (struct elf_segment){
					.vaddr = ph.p_vaddr,
					.filesz = ph.p_filesz,
					.offset = ph.p_offset,
					.exec = (ph.p_flags & PF_X) != 0,
				};
		}
	}

	/* find the sections first: .dynsym's versions need .gnu.version and .gnu.version_d */
	Elf_Scn *symtab = NULL, *dynsym = NULL, *versym_scn = NULL, *verdef = NULL, *scn = NULL;
	GElf_Shdr symtab_sh = {0}, dynsym_sh = {0}, verdef_sh = {0};
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB && !symtab) {
			symtab = scn;
			symtab_sh = sh;
		} else if (sh.sh_type == SHT_DYNSYM && !dynsym) {
			dynsym = scn;
			dynsym_sh = sh;
		} else if (sh.sh_type == SHT_GNU_versym && !versym_scn) {
			versym_scn = scn;
		} else if (sh.sh_type == SHT_GNU_verdef && !verdef) {
			verdef = scn;
			verdef_sh = sh;
		}
	}
	func_vec funcs = {0};
	if (symtab) {
		read_symbols(elf, symtab, &symtab_sh, NULL, NULL, st, &funcs);
		st->has_symtab = true;
	}
	if (dynsym) {
		struct verdefs vd = {0};
		if (verdef)
			read_verdefs(elf, verdef, &verdef_sh, &st->arena, &vd);
		Elf_Data *versym = versym_scn ? elf_getdata(versym_scn, NULL) : NULL;
		read_symbols(elf, dynsym, &dynsym_sh, versym, &vd, st, &funcs);
		free(vd.names);
	}
	if (!symtab)
		read_debug_file(elf, st, &funcs);
	elf_end(elf);
	close(fd);

	/* no sorting here: a lookup scans (~10k names in tens of microseconds), and a glob sorts only
	 * what it matched */
	st->funcs = funcs.v;
	st->nfuncs = funcs.n;
	*out = st;
	return 0;
}

void btf_elf_symtab_free(struct elf_symtab *st)
{
	if (!st)
		return;
	free(st->path);
	free(st->debug_path);
	free(st->funcs);
	free(st->segs);
	arena_free(&st->arena);
	free(st);
}

static bool name_is(const struct elf_func *f, const char *name, size_t len)
{
	return !strncmp(f->name, name, len) && !f->name[len];
}

const struct elf_func *btf_elf_func_find(const struct elf_symtab *st, const char *name)
{
	const char *at = strchr(name, '@');
	size_t len = at ? (size_t)(at - name) : strlen(name);
	bool hidden = at && at[1] != '@';
	const char *ver = at ? at + (hidden ? 1 : 2) : NULL;
	const struct elf_func *best = NULL;
	for (size_t i = 0; i < st->nfuncs; i++) {
		const struct elf_func *f = &st->funcs[i];
		if (!name_is(f, name, len))
			continue;
		if (ver && (!f->version || strcmp(f->version, ver) || f->hidden != hidden))
			continue;
		if (!best || better(f, best))
			best = f;
	}
	return best;
}

int btf_elf_func_foreach(const struct elf_symtab *st, const char *pattern,
			 int (*fn)(const struct elf_func *f, void *arg), void *arg)
{
	VEC(const struct elf_func *) m = {0};
	for (size_t i = 0; i < st->nfuncs; i++)
		if (!pattern || glob_match(pattern, st->funcs[i].name))
			VEC_PUSH(m, &st->funcs[i]);
	if (m.n > 1)
		qsort(m.v, m.n, sizeof(m.v[0]), cmp_func_ptr);
	int r = 0;
	for (size_t i = 0; i < m.n && !r; i++)
		if (i == 0 || strcmp(m.v[i]->name, m.v[i - 1]->name))
			r = fn(m.v[i], arg);
	VEC_FREE(m);
	return r;
}

int btf_elf_addr_offset(const struct elf_symtab *st, uint64_t addr, uint64_t *offset)
{
	return addr_offset(st->segs, st->nsegs, addr, offset, true) ? 0 : -ERANGE;
}

/* ---- data symbols (uaddr) ------------------------------------------------------------------ */

int btf_elf_object_find(const char *path, const char *name, struct elf_object *out, char **err)
{
	int fd;
	Elf *elf;
	GElf_Ehdr eh;
	int ret = btf_elf_open(path, &fd, &elf, &eh, err);
	if (ret)
		return ret;
	int rc = -ENOENT;
	for (Elf_Scn *scn = NULL; rc && (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) || !sh.sh_entsize)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = d ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 1; i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(d, (int)i, &sym))
				break;
			if (GELF_ST_TYPE(sym.st_info) != STT_OBJECT || sym.st_shndx == SHN_UNDEF)
				continue;
			const char *nm = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (nm && !strcmp(nm, name)) {
				out->addr = sym.st_value;
				out->size = sym.st_size;
				out->e_type = eh.e_type;
				rc = 0;
				break;
			}
		}
	}
	elf_end(elf);
	close(fd);
	if (rc)
		*err = xasprintf("no data symbol '%s' in %s", name, path);
	return rc;
}

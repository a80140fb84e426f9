/* usyms: per-process mappings, per-file symbol tables (sorted by file offset), perf maps. */
#define _GNU_SOURCE
#include "runtime/usyms.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btf/elfsym.h"
#include "util/util.h"

/* libstdc++'s demangler; scry links libstdc++ (LLVM needs it), unit tests need not. */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status) __attribute__((weak));

/* How long a process's mappings are trusted before an address outside all of them makes us read
 * /proc/PID/maps again (a print of many stacks reads each process's maps once). */
#define MAPS_REFRESH_NS 100000000ull

static char no_demangle[1]; /* "tried, not mangled" marker */

struct usym {
	uint64_t off, size; /* file offset of the function and its size (0 = unknown) */
	const char *name;   /* owned by the file's elf_symtab */
	char *demangled;    /* NULL = not tried yet; no_demangle = use name */
	uint8_t rank;       /* global < weak < local < hidden */
};

struct ufile {
	uint64_t dev, ino;  /* identity, from /proc/PID/maps (0, 0 for the vdso) */
	bool vdso;          /* the kernel's vdso: read from scry's own copy */
	bool loaded;        /* symbols read (or tried) */
	struct elf_symtab *st;
	struct usym *syms;
	size_t n;
	bool bid_tried;
	char build_id[129]; /* "" when none */
};

struct umap {
	uint64_t start, end, pgoff;
	struct ufile *file; /* NULL for anonymous and special ([vdso], [heap] ...) mappings */
	char *path;         /* as /proc/PID/maps names it, " (deleted)" removed; NULL when anonymous */
	bool deleted;       /* the file was deleted (or replaced) after it was mapped */
};

struct perfsym {
	uint64_t start, size;
	char *name;
};

struct uproc {
	int pid;
	struct umap *maps;
	size_t n;
	uint64_t read_ns;  /* when maps were last read; 0 = never */
	bool gone;         /* maps could not be read the last time */
	struct perfsym *pm; /* perf map, sorted by start */
	size_t npm;
	char *pm_path;
	uint64_t pm_checked_ns;
	struct timespec pm_mtime;
	off_t pm_size;
	struct uproc *next;
};

struct usyms {
	char *proc_root;
	bool real_proc;             /* proc_root is /proc (files are opened through /proc/PID/root) */
	struct uproc *procs[256];
	VEC(struct ufile *) files;
	VEC(char *) retired;        /* strings of re-read maps and perf maps: they were handed out */
	struct ufile *vdso;
};

/* ---- demangling ----------------------------------------------------------------------------- */

char *usyms_demangle(const char *name)
{
	if (!__cxa_demangle || !name || strncmp(name, "_Z", 2))
		return NULL;
	int status = 0;
	char *d = __cxa_demangle(name, NULL, NULL, &status);
	if (status != 0) {
		free(d);
		return NULL;
	}
	return d;
}

/* ---- files ---------------------------------------------------------------------------------- */

static int rank_of(const struct elf_func *f)
{
	if (f->hidden)
		return 3;
	return f->bind == STB_GLOBAL ? 0 : f->bind == STB_WEAK ? 1 : 2;
}

static int cmp_usym(const void *pa, const void *pb)
{
	const struct usym *a = pa, *b = pb;
	if (a->off != b->off)
		return a->off < b->off ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	/* the bigger one first: a size beats an unknown size */
	return a->size > b->size ? -1 : a->size < b->size;
}

static void file_index(struct ufile *f)
{
	struct elf_symtab *st = f->st;
	f->syms = xcalloc(st->nfuncs ? st->nfuncs : 1, sizeof(*f->syms));
	for (size_t i = 0; i < st->nfuncs; i++) {
		const struct elf_func *e = &st->funcs[i];
		f->syms[i] = (struct usym){.off = e->offset, .size = e->size, .name = e->name, .rank = (uint8_t)rank_of(e)};
	}
	qsort(f->syms, st->nfuncs, sizeof(*f->syms), cmp_usym);
	/* one entry per offset: the preferred name (.symtab and .dynsym repeat symbols) */
	size_t n = 0;
	for (size_t i = 0; i < st->nfuncs; i++)
		if (!n || f->syms[n - 1].off != f->syms[i].off)
			f->syms[n++] = f->syms[i];
	f->n = n;
}

/* Paths that may reach a mapped file, best first: through the process's root (containers), as
 * named, and through map_files (the mapped file itself; first when the name now means another
 * file). */
static int file_candidates(const struct usyms *u, int pid, const struct umap *m, char out[3][PATH_MAX])
{
	int n = 0;
	if (m->deleted && snprintf(out[n], PATH_MAX, "%s/%d/map_files/%llx-%llx", u->proc_root, pid,
				   (unsigned long long)m->start, (unsigned long long)m->end) < PATH_MAX)
		n++;
	if (u->real_proc && snprintf(out[n], PATH_MAX, "/proc/%d/root%s", pid, m->path) < PATH_MAX)
		n++;
	if (snprintf(out[n], PATH_MAX, "%s", m->path) < PATH_MAX)
		n++;
	if (!m->deleted && snprintf(out[n], PATH_MAX, "%s/%d/map_files/%llx-%llx", u->proc_root, pid,
				    (unsigned long long)m->start, (unsigned long long)m->end) < PATH_MAX)
		n++;
	return n;
}

/* Every 64-bit process of this kernel maps the same vdso as scry: read scry's copy through a memfd
 * (elfsym reads files). A mapping of another size (a 32-bit process) is left unknown. */
static void vdso_load(struct ufile *f, uint64_t map_len)
{
	const uint8_t *img = (const uint8_t *)getauxval(AT_SYSINFO_EHDR);
	if (!img || memcmp(img, ELFMAG, SELFMAG) || img[EI_CLASS] != ELFCLASS64)
		return;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
	uint64_t size = eh->e_shoff + (uint64_t)eh->e_shnum * eh->e_shentsize;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(img + eh->e_phoff);
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_offset + ph[i].p_filesz > size)
			size = ph[i].p_offset + ph[i].p_filesz;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	if (size > (1u << 20) || (size + page - 1) / page * page != map_len)
		return;
	int fd = memfd_create("scry-vdso", MFD_CLOEXEC);
	if (fd < 0)
		return;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	char *err = NULL;
	if (write(fd, img, size) == (ssize_t)size && btf_elf_symtab_load(path, &f->st, &err) == 0)
		file_index(f);
	free(err);
	close(fd);
}

static void file_load(struct usyms *u, int pid, const struct umap *m)
{
	struct ufile *f = m->file;
	if (f->loaded)
		return;
	f->loaded = true;
	if (f->vdso) {
		vdso_load(f, m->end - m->start);
		return;
	}
	char cand[3][PATH_MAX];
	int nc = file_candidates(u, pid, m, cand);
	for (int i = 0; i < nc && !f->st; i++) {
		char *err = NULL;
		if (btf_elf_symtab_load(cand[i], &f->st, &err) == 0)
			file_index(f);
		free(err);
	}
}

/* Build id from the PT_NOTE segments (present in stripped files, unlike section headers). */
static void file_build_id(struct usyms *u, int pid, const struct umap *m)
{
	struct ufile *f = m->file;
	if (f->bid_tried)
		return;
	f->bid_tried = true;
	if (f->vdso)
		return;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return;
	char cand[3][PATH_MAX];
	int nc = file_candidates(u, pid, m, cand);
	for (int c = 0; c < nc && !f->build_id[0]; c++) {
		int fd = open(cand[c], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
		size_t nph = 0;
		if (elf && elf_kind(elf) == ELF_K_ELF && elf_getphdrnum(elf, &nph) == 0) {
			for (size_t i = 0; i < nph && !f->build_id[0]; i++) {
				GElf_Phdr ph;
				if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_NOTE)
					continue;
				Elf_Data *d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
				size_t off = 0, name_off, desc_off;
				GElf_Nhdr nh;
				while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
					if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
					    memcmp((const char *)d->d_buf + name_off, "GNU", 4) || !nh.n_descsz ||
					    nh.n_descsz * 2 + 1 > sizeof(f->build_id))
						continue;
					const unsigned char *id = (const unsigned char *)d->d_buf + desc_off;
					for (size_t k = 0; k < nh.n_descsz; k++)
						snprintf(f->build_id + 2 * k, 3, "%02x", id[k]);
					break;
				}
			}
		}
		elf_end(elf);
		close(fd);
	}
}

static struct ufile *file_get(struct usyms *u, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < u->files.n; i++)
		if (u->files.v[i]->dev == dev && u->files.v[i]->ino == ino)
			return u->files.v[i];
	struct ufile *f = xcalloc(1, sizeof(*f));
	f->dev = dev;
	f->ino = ino;
	VEC_PUSH(u->files, f);
	return f;
}

static const struct usym *file_find(struct ufile *f, uint64_t fo)
{
	if (!f->n || fo < f->syms[0].off)
		return NULL;
	size_t lo = 0, hi = f->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->syms[mid].off <= fo)
			lo = mid;
		else
			hi = mid;
	}
	/* the nearest symbol below, or an enclosing one a little further down (nested symbols) */
	for (size_t k = 0; k < 8 && k <= lo; k++) {
		const struct usym *s = &f->syms[lo - k];
		if (s->size ? fo < s->off + s->size : k == 0)
			return s;
	}
	return NULL;
}

static const char *usym_name(struct usym *s)
{
	if (!s->demangled) {
		s->demangled = usyms_demangle(s->name);
		if (!s->demangled)
			s->demangled = no_demangle;
	}
	return s->demangled != no_demangle ? s->demangled : s->name;
}

/* ---- processes ------------------------------------------------------------------------------ */

static struct uproc *proc_get(struct usyms *u, int pid)
{
	struct uproc **b = &u->procs[(unsigned)pid % ARRAY_SIZE(u->procs)];
	for (struct uproc *p = *b; p; p = p->next)
		if (p->pid == pid)
			return p;
	struct uproc *p = xcalloc(1, sizeof(*p));
	p->pid = pid;
	p->next = *b;
	*b = p;
	return p;
}

/* "start-end perms offset major:minor inode   path" */
static bool parse_maps_line(struct usyms *u, char *line, struct umap *m)
{
	unsigned long long start, end, pgoff, ino;
	unsigned maj, min;
	char perms[8];
	int pos = 0;
	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &pgoff, &maj, &min, &ino, &pos) < 7)
		return false;
	if (perms[2] != 'x') /* only code can be in a stack */
		return false;
	*m = (struct umap){.start = start, .end = end, .pgoff = pgoff};
	char *path = line + pos;
	size_t len = strlen(path);
	while (len && (path[len - 1] == '\n' || path[len - 1] == ' '))
		path[--len] = 0;
	static const char deleted[] = " (deleted)";
	if (len > sizeof(deleted) - 1 && !strcmp(path + len - (sizeof(deleted) - 1), deleted)) {
		path[len -= sizeof(deleted) - 1] = 0;
		m->deleted = true;
	}
	if (path[0] == '/' && ino) {
		m->path = xstrdup(path);
		m->file = file_get(u, (uint64_t)maj << 32 | min, ino);
	} else if (!strcmp(path, "[vdso]")) {
		if (!u->vdso) {
			u->vdso = file_get(u, 0, 0);
			u->vdso->vdso = true;
		}
		m->path = xstrdup(path);
		m->file = u->vdso;
	}
	return true;
}

static void proc_read_maps(struct usyms *u, struct uproc *p)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%d/maps", u->proc_root, p->pid);
	p->read_ns = now_ns();
	char *text = read_file(path, NULL);
	if (!text) {
		p->gone = true;
		return; /* keep what we knew: the process may have exited */
	}
	p->gone = false;
	for (size_t i = 0; i < p->n; i++)
		if (p->maps[i].path)
			VEC_PUSH(u->retired, p->maps[i].path);
	free(p->maps);
	p->maps = NULL;
	p->n = 0;
	size_t cap = 0;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		struct umap m;
		if (!parse_maps_line(u, line, &m))
			continue;
		if (p->n == cap) {
			cap = cap ? cap * 2 : 64;
			p->maps = xrealloc(p->maps, cap * sizeof(*p->maps));
		}
		p->maps[p->n++] = m;
	}
	free(text);
}

static const struct umap *proc_find_map(const struct uproc *p, uint64_t addr)
{
	size_t lo = 0, hi = p->n; /* /proc/PID/maps is sorted by address */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (addr < p->maps[mid].start)
			hi = mid;
		else if (addr >= p->maps[mid].end)
			lo = mid + 1;
		else
			return &p->maps[mid];
	}
	return NULL;
}

/* The mapping holding addr, reading (or re-reading) the process's maps when needed. */
static const struct umap *proc_lookup(struct usyms *u, struct uproc *p, uint64_t addr)
{
	if (!p->read_ns)
		proc_read_maps(u, p);
	const struct umap *m = proc_find_map(p, addr);
	if (!m && now_ns() - p->read_ns > MAPS_REFRESH_NS) {
		proc_read_maps(u, p);
		m = proc_find_map(p, addr);
	}
	return m;
}

static int cmp_perfsym(const void *pa, const void *pb)
{
	const struct perfsym *a = pa, *b = pb;
	return a->start < b->start ? -1 : a->start > b->start;
}

/* /tmp/perf-PID.map: "START SIZE name" per line, hex numbers; read again when it changes. */
static void proc_perfmap(struct usyms *u, struct uproc *p)
{
	uint64_t now = now_ns();
	if (p->pm_checked_ns && now - p->pm_checked_ns < MAPS_REFRESH_NS)
		return;
	p->pm_checked_ns = now;
	if (!p->pm_path)
		p->pm_path = u->real_proc ? xasprintf("/tmp/perf-%d.map", p->pid)
					  : xasprintf("%s/perf-%d.map", u->proc_root, p->pid);
	struct stat st;
	if (stat(p->pm_path, &st))
		return;
	if (p->pm && st.st_size == p->pm_size && st.st_mtim.tv_sec == p->pm_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == p->pm_mtime.tv_nsec)
		return;
	char *text = read_file(p->pm_path, NULL);
	if (!text)
		return;
	/* names handed out earlier stay valid: old entries are kept until usyms_free */
	VEC(struct perfsym) v = {0};
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		char *end;
		unsigned long long start = strtoull(line, &end, 16), size;
		if (end == line || *end != ' ')
			continue;
		char *s2 = end + 1;
		size = strtoull(s2, &end, 16);
		if (end == s2 || *end != ' ' || !end[1])
			continue;
		struct perfsym ps = {.start = start, .size = size, .name = xstrdup(end + 1)};
		VEC_PUSH(v, ps);
	}
	free(text);
	qsort(v.v, v.n, sizeof(*v.v), cmp_perfsym);
	for (size_t i = 0; i < p->npm; i++)
		VEC_PUSH(u->retired, p->pm[i].name);
	free(p->pm);
	p->pm = v.v;
	p->npm = v.n;
	p->pm_size = st.st_size;
	p->pm_mtime = st.st_mtim;
}

static const struct perfsym *perfmap_find(const struct uproc *p, uint64_t addr)
{
	size_t lo = 0, hi = p->npm;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->pm[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* later entries win when a JIT reuses an address range: scan back over overlaps */
	for (size_t i = lo; i-- > 0;) {
		const struct perfsym *s = &p->pm[i];
		if (addr < s->start + (s->size ? s->size : 1))
			return s;
		if (lo - i > 8)
			break;
	}
	return NULL;
}

/* ---- public --------------------------------------------------------------------------------- */

struct usyms *usyms_new(const char *proc_root)
{
	struct usyms *u = xcalloc(1, sizeof(*u));
	u->proc_root = xstrdup(proc_root ? proc_root : "/proc");
	u->real_proc = !strcmp(u->proc_root, "/proc");
	return u;
}

static void free_maps(struct umap *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].path);
	free(m);
}

void usyms_free(struct usyms *u)
{
	if (!u)
		return;
	for (size_t b = 0; b < ARRAY_SIZE(u->procs); b++) {
		for (struct uproc *p = u->procs[b], *next; p; p = next) {
			next = p->next;
			free_maps(p->maps, p->n);
			for (size_t i = 0; i < p->npm; i++)
				free(p->pm[i].name);
			free(p->pm);
			free(p->pm_path);
			free(p);
		}
	}
	for (size_t i = 0; i < u->retired.n; i++)
		free(u->retired.v[i]);
	VEC_FREE(u->retired);
	for (size_t i = 0; i < u->files.n; i++) {
		struct ufile *f = u->files.v[i];
		for (size_t k = 0; k < f->n; k++)
			if (f->syms[k].demangled != no_demangle)
				free(f->syms[k].demangled);
		free(f->syms);
		btf_elf_symtab_free(f->st);
		free(f);
	}
	VEC_FREE(u->files);
	free(u->proc_root);
	free(u);
}

int usyms_resolve(struct usyms *u, int pid, uint64_t addr, struct usym_info *out)
{
	*out = (struct usym_info){0};
	if (pid <= 0)
		return -ESRCH;
	struct uproc *p = proc_get(u, pid);
	const struct umap *m = proc_lookup(u, p, addr);
	if (m && m->file) {
		out->module = m->path;
		out->file_offset = addr - m->start + m->pgoff;
		file_load(u, pid, m);
		struct usym *s = (struct usym *)file_find(m->file, out->file_offset);
		if (s) {
			out->name = usym_name(s);
			out->offset = out->file_offset - s->off;
			return 0;
		}
		return -ENOENT;
	}
	if (!p->n && p->gone)
		return -ESRCH;
	/* anonymous executable memory: a JIT's perf map may name it */
	proc_perfmap(u, p);
	const struct perfsym *ps = perfmap_find(p, addr);
	if (ps) {
		out->name = ps->name;
		out->offset = addr - ps->start;
		out->module = p->pm_path;
		return 0;
	}
	return -ENOENT;
}

int usyms_build_id(struct usyms *u, int pid, uint64_t addr, const char **build_id, uint64_t *file_offset)
{
	if (pid <= 0)
		return -ENOENT;
	struct uproc *p = proc_get(u, pid);
	const struct umap *m = proc_lookup(u, p, addr);
	if (!m || !m->file)
		return -ENOENT;
	file_build_id(u, pid, m);
	if (!m->file->build_id[0])
		return -ENOENT;
	*build_id = m->file->build_id;
	*file_offset = addr - m->start + m->pgoff;
	return 0;
}

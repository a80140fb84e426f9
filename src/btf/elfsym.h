/* btf/elfsym: function symbols of user-space ELF files (for uprobes) and resolution of the file a
 * script names (a path, a program on PATH, or a library name through the dynamic loader's cache).
 * Ownership: a struct elf_symtab and every string and array in it belong to it and are freed by
 * btf_elf_symtab_free; paths and error messages returned through char ** are malloc'ed and the
 * caller frees them. Nothing here prints. */
#ifndef SCRY_BTF_ELFSYM_H
#define SCRY_BTF_ELFSYM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* One function symbol (STT_FUNC or STT_GNU_IFUNC, defined, non-zero address). */
struct elf_func {
	const char *name;    /* as in the symbol table, without version (C++ names stay mangled) */
	const char *version; /* symbol version from .gnu.version_d ("GLIBC_2.14"), NULL if none */
	uint64_t addr;       /* st_value: address in the file's own (link-time) address space */
	uint64_t size;       /* st_size, 0 if unknown */
	uint64_t offset;     /* file offset of addr: what a uprobe (perf/libbpf) attaches to */
	uint8_t bind;        /* STB_GLOBAL, STB_WEAK or STB_LOCAL */
	uint8_t type;        /* STT_FUNC or STT_GNU_IFUNC */
	bool hidden;         /* a non-default version (name@VER rather than name@@VER) */
};

/* A PT_LOAD segment, for address -> file offset. */
struct elf_segment {
	uint64_t vaddr, filesz, offset;
	bool exec; /* PF_X */
};

struct elf_symtab {
	char *path;           /* the file read */
	char *debug_path;     /* separate debug file whose .symtab was read too, or NULL */
	uint16_t e_type;      /* ET_EXEC (fixed addresses) or ET_DYN (PIE executable or shared library) */
	uint16_t e_machine;   /* EM_X86_64, EM_AARCH64, ... */
	bool has_symtab;      /* a .symtab was read (else only .dynsym: a stripped file) */
	/* Every occurrence in file order (.symtab, then .dynsym): a name can appear several times
	 * (both tables, symbol versions, local symbols of different files). A bare name means the
	 * preferred occurrence: default-version global, then weak, then local, then hidden
	 * versions; the lowest address among equals. */
	struct elf_func *funcs;
	size_t nfuncs;
	struct elf_segment *segs;
	size_t nsegs;
	struct arena arena;   /* names and versions */
};

/* Resolve the file a uprobe names: a name containing '/' is used as given (made absolute against
 * the current directory when relative); a bare name is looked up on $PATH (executables), then as a
 * library ("libc", "c", "libc.so.6", "libssl.so") in /etc/ld.so.cache, then in the standard library
 * directories. Returns 0 with *path set, or -errno with *err set ("uprobe target file 'x' does
 * not exist", ...). */
int btf_elf_resolve(const char *name, char **path, char **err);

/* Look a library up in a glibc ld.so.cache file (cache_file NULL = /etc/ld.so.cache): `lib` is a
 * file name ("libc.so.6", matched exactly) or a stem ("libc" or "c", matching "libc.so" and
 * "libc.so.*", the highest version first). Only entries for this architecture's default ABI count.
 * Returns 0 with *path set, -ENOENT when absent, other -errno when the cache is unreadable or
 * malformed. */
int btf_elf_ldcache_find(const char *cache_file, const char *lib, char **path);

/* Read the function symbols of an ELF file (.symtab and .dynsym, plus the .symtab of a separate
 * debug file found by build id under /usr/lib/debug when the file itself is stripped).
 * Returns 0 with *out set, or -errno with *err set: -ENOENT (no file), -ENOEXEC (not an ELF file,
 * or not an executable/shared library), others. */
int btf_elf_symtab_load(const char *path, struct elf_symtab **out, char **err);
void btf_elf_symtab_free(struct elf_symtab *st);

/* The function a name means: "name" (preferred occurrence), "name@@VER" (default version VER) or
 * "name@VER" (that version). NULL if none. */
const struct elf_func *btf_elf_func_find(const struct elf_symtab *st, const char *name);

/* Calls fn for every distinct function name matching the glob pattern (NULL = all), in name order,
 * with the preferred occurrence of that name. Stops and returns fn's value when it is non-zero. */
int btf_elf_func_foreach(const struct elf_symtab *st, const char *pattern,
			 int (*fn)(const struct elf_func *f, void *arg), void *arg);

/* File offset of a link-time address inside an executable PT_LOAD segment. Returns 0, or -ERANGE. */
int btf_elf_addr_offset(const struct elf_symtab *st, uint64_t addr, uint64_t *offset);
/* A data symbol (STT_OBJECT) of a file, for uaddr(): its link-time address, size and the file's
 * e_type (ET_DYN: the address is relative to the load address). 0, or -errno with *err set. */
struct elf_object {
	uint64_t addr, size;
	uint16_t e_type;
};
int btf_elf_object_find(const char *path, const char *name, struct elf_object *out, char **err);

#endif

/* usyms: user-space addresses of a process -> function names, for ustack, usym() and folded stacks.
 * An address is found in the process's mappings (/proc/PID/maps, read on first use and again when an
 * address falls outside every known mapping), turned into an offset in the mapped file (so PIE and
 * ASLR need no special case) and looked up in that file's ELF symbols (.symtab, .dynsym, or a
 * separate debug file; src/btf/elfsym). Addresses outside any file fall back to /tmp/perf-PID.map
 * (JIT compilers write it). C++ names are demangled when libstdc++ is linked in.
 * Ownership: a struct usyms owns every cache (processes, files, names) and every string it hands
 * out; they stay valid until usyms_free. Nothing here prints. */
#ifndef SCRY_RT_USYMS_H
#define SCRY_RT_USYMS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct usyms;

/* proc_root: where PID/maps is read ("/proc" when NULL; tests pass a directory of fake files). */
struct usyms *usyms_new(const char *proc_root);
void usyms_free(struct usyms *u); /* accepts NULL */

struct usym_info {
	const char *name;     /* function name (demangled when possible), or NULL when unknown */
	uint64_t offset;      /* addr - function start (valid when name is set) */
	const char *module;   /* the mapped file as the process names it, or the perf map's path;
			       * NULL when addr lies in no known mapping */
	uint64_t file_offset; /* addr as an offset into module's file (valid when module is a file) */
};

/* Resolve addr in process pid. Returns 0 when the function is known, -ENOENT when at most the
 * module is (out->module may be set), -ESRCH when nothing is known about the process (it exited
 * before its maps were read). */
int usyms_resolve(struct usyms *u, int pid, uint64_t addr, struct usym_info *out);

/* GNU build id (lowercase hex) of the file mapped at addr in pid, and addr's offset in that file.
 * Returns 0, or -ENOENT when addr is in no file mapping or the file has no build id. */
int usyms_build_id(struct usyms *u, int pid, uint64_t addr, const char **build_id, uint64_t *file_offset);

/* Demangle a C++ (Itanium ABI) name with libstdc++'s __cxa_demangle when it is linked in. Returns a
 * malloc'ed string, or NULL when name is not mangled or cannot be demangled. */
char *usyms_demangle(const char *name);
#endif

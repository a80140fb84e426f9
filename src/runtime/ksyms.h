/* ksyms: kernel function symbols from /proc/kallsyms, for printing kernel addresses (kstack, ksym()).
 * Ownership: a struct ksyms owns its symbol array and every name in it; ksyms_free releases them.
 * Nothing here prints. Loading reads the whole of /proc/kallsyms, so callers load it only when a
 * kernel address is about to be printed (the first time), never at startup. */
#ifndef SCRY_RT_KSYMS_H
#define SCRY_RT_KSYMS_H
#include <stddef.h>
#include <stdint.h>

struct ksyms;

/* One kernel function: its start address, name and module ("ext4"; NULL for the kernel itself). */
struct ksym {
	uint64_t addr;
	const char *name;
	const char *module;
};

/* Read /proc/kallsyms (path NULL) or another file in its format. Keeps text symbols (types t, T,
 * w, W) with a non-zero address, except the __pfx_ padding symbols. Returns NULL with errno set when
 * the file cannot be read, and EPERM when every address reads as zero (kptr_restrict, not root). */
struct ksyms *ksyms_load(const char *path);
/* The same from text in memory (n bytes; need not end with a newline). Never NULL (an empty table
 * when nothing usable is found). */
struct ksyms *ksyms_parse(const char *text, size_t n);
void ksyms_free(struct ksyms *k); /* accepts NULL */

size_t ksyms_count(const struct ksyms *k);
/* The function containing addr: the symbol with the greatest address <= addr (among symbols at the
 * same address, the first global one). *off = addr - symbol address. NULL when addr lies below the
 * first symbol or past the last one by more than 1 MiB. */
const struct ksym *ksyms_find(const struct ksyms *k, uint64_t addr, uint64_t *off, struct ksym *out);
#endif

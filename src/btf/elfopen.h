/* elfopen: opening a user-space ELF file for reading (private to src/btf). */
#ifndef SCRY_BTF_ELFOPEN_H
#define SCRY_BTF_ELFOPEN_H
#include <gelf.h>

/* Open PATH, which must be a regular ELF executable or shared library (ET_EXEC/ET_DYN): on 0,
 * *fd and *elf are open (the caller ends both) and *eh holds the header; else -errno with *err
 * (malloc'ed) set ("file 'x' does not exist", "... is not an ELF file", ...). */
int btf_elf_open(const char *path, int *fd, Elf **elf, GElf_Ehdr *eh, char **err);

#endif

/* btf/sdt: USDT probes of user-space ELF files: the SystemTap SDT notes (`.note.stapsdt`, note
 * type 3, owner "stapsdt") and their argument operand strings ("-4@%eax 8@-16(%rbp) 4@$5").
 * A note holds the probe site's address, the link-time address of `.stapsdt.base` (to detect files
 * moved by prelink), the address of the probe's semaphore (0 = none), then "provider\0name\0args\0".
 * Ownership: a struct sdt_file and everything it points to belong to it (freed by btf_sdt_free);
 * error messages returned through char ** are malloc'ed and the caller frees them. Nothing here
 * prints. */
#ifndef SCRY_BTF_SDT_H
#define SCRY_BTF_SDT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

#define SDT_MAX_ARGS 12 /* sys/sdt.h has STAP_PROBE1 .. STAP_PROBE12 */

/* One argument operand, with registers given as byte offsets into the traced architecture's
 * struct pt_regs (x86_64) or struct user_pt_regs (arm64), as a BPF kprobe/uprobe program sees it. */
struct sdt_arg {
	enum { SDT_ARG_REG, SDT_ARG_CONST, SDT_ARG_MEM, SDT_ARG_BAD /* unreadable: see arg_error */ } kind;
	uint8_t size;    /* 1, 2, 4 or 8: width of the value ("-4@..." -> 4); 8 when the spec has no size */
	bool is_signed;  /* the size was negative ("-4@...") */
	int reg;         /* REG: the register's offset; MEM: the base register's offset */
	int64_t value;   /* CONST: the constant; MEM: the displacement added to the base register */
	/* MEM only: value (plus the address of sym when set) is a link-time address rather than a
	 * displacement: "sym+8(%rip)", "0x601040". btf_sdt_load turns it into a displacement from the
	 * probe's own address, with reg = the instruction pointer (which is the probe site's runtime
	 * address when a uprobe there runs), so it also works when the file is loaded elsewhere. */
	bool pc_relative;
	const char *sym; /* MEM with pc_relative: symbol named in the operand, NULL if none */
};

/* One probe site (a probe compiled in several places, e.g. inlined, has one note per site). */
struct sdt_probe {
	const char *provider;  /* "python" */
	const char *name;      /* "function__entry" */
	const char *args;      /* the operand string as in the note ("8@%rbx 8@%r15"), "" if none */
	uint64_t pc;           /* link-time address of the site, corrected by .stapsdt.base */
	uint64_t sem;          /* link-time address of the semaphore (unsigned short), 0 = none */
	uint64_t pc_offset;    /* file offset of pc: what a uprobe attaches to */
	uint64_t sem_offset;   /* file offset of the semaphore: a uprobe's ref_ctr_offset; 0 = none */
	int nargs;             /* number of operands */
	struct sdt_arg *argv;  /* nargs entries; pc_relative operands already resolved. An operand that
				  cannot be read (unsupported or malformed) is SDT_ARG_BAD */
	const char *arg_error; /* why the first SDT_ARG_BAD operand cannot be read ("argument 2
				  ('8@(%rax,%rbx,8)'): indexed memory operands ..."), NULL if none */
	bool bad_pc;           /* pc is not inside an executable segment (pc_offset unusable) */
	bool bad_sem;          /* the semaphore is not backed by the file (sem_offset unusable) */
};

struct sdt_file {
	char *path;
	uint16_t e_machine;    /* EM_X86_64, EM_AARCH64, ... (argument operands are parsed for it) */
	uint16_t e_type;       /* ET_EXEC or ET_DYN */
	struct sdt_probe *probes; /* in note order */
	size_t nprobes;        /* 0 when the file has no SDT notes */
	struct arena arena;    /* strings and argument arrays */
};

/* Read the SDT notes of an ELF executable or shared library. A file without notes is not an
 * error (nprobes = 0). Returns 0 with *out set, or -errno with *err set: -ENOENT (no such file),
 * -ENOEXEC (not an ELF executable/shared library), others. */
int btf_sdt_load(const char *path, struct sdt_file **out, char **err);
void btf_sdt_free(struct sdt_file *f);

/* Decode the descriptor of one stapsdt note (type 3): addr_size is 8 (ELFCLASS64) or 4, swap
 * says the file's byte order differs from ours. Fills provider, name, args (allocated from a),
 * pc, sem (unadjusted) and the base address into *base. Returns 0 or -EINVAL (truncated or
 * malformed). */
int btf_sdt_note_decode(const void *desc, size_t len, int addr_size, bool swap, struct sdt_probe *out,
			uint64_t *base, struct arena *a);

/* Parse an operand string for machine (EM_X86_64 or EM_AARCH64) into at most max operands.
 * Returns the number of operands, or -errno with *err set (malloc'ed) to a message naming the
 * argument ("argument 2 ('8@(%rax,%rbx,8)'): indexed memory operands are not supported"):
 * -EOPNOTSUPP for operands that are valid but cannot be read (floating point, indexed, segment),
 * -EINVAL for malformed ones, -E2BIG for too many. Symbols (x86 "sym(%rip)") are left for the
 * caller (sym set, allocated from a; pc_relative). */
int btf_sdt_parse_args(uint16_t machine, const char *args, struct sdt_arg *out, int max, struct arena *a,
		       char **err);

/* Offset of a register in the pt_regs layout of machine, by its name as operands write it (x86:
 * "rax", "eax", "ax", "al", "r8d", "rip", ...; arm64: "x0", "w0", "sp", ...) without '%'. *width
 * gets the register's width in bytes. Returns -1 for names that are not readable registers. */
int btf_sdt_reg_offset(uint16_t machine, const char *name, int *width);
#endif

/* sdt: SystemTap SDT notes and their argument operands (see sdt.h). Written from the note format
 * as documented by SystemTap ("UserSpaceProbeImplementation": note type 3, owner "stapsdt", three
 * addresses of the file's word size, then provider, name and argument strings) and from the GNU
 * assembler's operand syntax. Only the files a script names are read (libelf, ELF_C_READ_MMAP). */
#define _GNU_SOURCE
#include "btf/sdt.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btf/elfopen.h"

#define SDT_NOTE_TYPE 3
#define SDT_NOTE_OWNER "stapsdt"

/* ---- registers ------------------------------------------------------------------------------ */

/* x86_64 struct pt_regs: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax ip cs flags sp
 * ss, 8 bytes each. */
#define X86_IP 128
static const struct {
	const char *n64, *n32, *n16, *n8;
	int off;
} x86_regs[] = {
	{"rax", "eax", "ax", "al", 80},  {"rbx", "ebx", "bx", "bl", 40},   {"rcx", "ecx", "cx", "cl", 88},
	{"rdx", "edx", "dx", "dl", 96},  {"rsi", "esi", "si", "sil", 104}, {"rdi", "edi", "di", "dil", 112},
	{"rbp", "ebp", "bp", "bpl", 32}, {"rsp", "esp", "sp", "spl", 152}, {"rip", "eip", "ip", NULL, X86_IP},
};
/* r8 .. r15 */
static const int x86_rn[] = {72, 64, 56, 48, 24, 16, 8, 0};

/* arm64 struct user_pt_regs: regs[31] sp pc pstate. */
#define A64_SP 248
#define A64_PC 256

static int x86_reg(const char *name, int *width)
{
	for (size_t i = 0; i < ARRAY_SIZE(x86_regs); i++) {
		const char *names[4] = {x86_regs[i].n64, x86_regs[i].n32, x86_regs[i].n16, x86_regs[i].n8};
		for (int w = 0; w < 4; w++)
			if (names[w] && !strcmp(name, names[w])) {
				*width = 8 >> w;
				return x86_regs[i].off;
			}
	}
	if (name[0] != 'r' || !isdigit((unsigned char)name[1]))
		return -1;
	char *end;
	long n = strtol(name + 1, &end, 10);
	if (n < 8 || n > 15)
		return -1;
	if (!*end)
		*width = 8;
	else if (!strcmp(end, "d"))
		*width = 4;
	else if (!strcmp(end, "w"))
		*width = 2;
	else if (!strcmp(end, "b") || !strcmp(end, "l"))
		*width = 1;
	else
		return -1;
	return x86_rn[n - 8];
}

static int a64_reg(const char *name, int *width)
{
	if (!strcmp(name, "sp")) {
		*width = 8;
		return A64_SP;
	}
	if (!strcmp(name, "pc")) {
		*width = 8;
		return A64_PC;
	}
	if (!strcmp(name, "lr")) {
		*width = 8;
		return 30 * 8;
	}
	if ((name[0] != 'x' && name[0] != 'w') || !isdigit((unsigned char)name[1]))
		return -1;
	char *end;
	long n = strtol(name + 1, &end, 10);
	if (*end || n < 0 || n > 30)
		return -1;
	*width = name[0] == 'x' ? 8 : 4;
	return (int)n * 8;
}

int btf_sdt_reg_offset(uint16_t machine, const char *name, int *width)
{
	int w = 0, off = -1;
	if (machine == EM_X86_64)
		off = x86_reg(name, &w);
	else if (machine == EM_AARCH64)
		off = a64_reg(name, &w);
	if (off >= 0 && width)
		*width = w;
	return off;
}

static int ip_offset(uint16_t machine) { return machine == EM_AARCH64 ? A64_PC : X86_IP; }

/* ---- operands ------------------------------------------------------------------------------- */

/* An integer as the assembler writes it: decimal, 0x hex or 0 octal, optionally signed. Values
 * above INT64_MAX (unsigned constants) wrap. Returns the character after it, NULL if none. */
static const char *parse_int(const char *s, int64_t *v)
{
	bool neg = false;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!isdigit((unsigned char)*s))
		return NULL;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno)
		return NULL;
	*v = (int64_t)(neg ? 0 - (uint64_t)x : (uint64_t)x);
	return end;
}

static bool sym_char(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || c == '.' || c == '$' || (!first && isdigit((unsigned char)c));
}

struct opnd_err {
	int code;
	const char *msg; /* static text */
};
#define OPND_FAIL(e, c, m) ((e)->code = (c), (e)->msg = (m), false)

/* "%reg" (without the '%'): a readable integer register. */
static bool x86_register(const char *name, struct sdt_arg *out, struct opnd_err *e)
{
	int w;
	int off = x86_reg(name, &w);
	if (off < 0) {
		if (!strncmp(name, "xmm", 3) || !strncmp(name, "ymm", 3) || !strncmp(name, "zmm", 3) ||
		    !strncmp(name, "st", 2))
			return OPND_FAIL(e, -EOPNOTSUPP, "floating-point and vector registers are not supported");
		if (strlen(name) == 2 && name[1] == 'h' && strchr("abcd", name[0]))
			return OPND_FAIL(e, -EOPNOTSUPP, "high-byte registers (%ah, %bh, %ch, %dh) are not supported");
		return OPND_FAIL(e, -EINVAL, "unknown register");
	}
	out->kind = SDT_ARG_REG;
	out->reg = off;
	if (w < out->size)
		out->size = (uint8_t)w;
	return true;
}

/* x86 (AT&T syntax): %reg, $imm, disp(%base), (%base), sym(%rip), sym+disp(%rip), absolute disp. */
static bool x86_operand(const char *op, struct sdt_arg *out, char *sym, size_t symlen, struct opnd_err *e)
{
	if (strchr(op, ':'))
		return OPND_FAIL(e, -EOPNOTSUPP, "segment-relative operands (%fs:...) are not supported");
	if (op[0] == '%')
		return x86_register(op + 1, out, e);
	if (op[0] == '$') {
		const char *end = parse_int(op + 1, &out->value);
		if (!end)
			return OPND_FAIL(e, -EOPNOTSUPP, "symbolic constants ($symbol) are not supported");
		if (*end)
			return OPND_FAIL(e, -EINVAL, "malformed constant");
		out->kind = SDT_ARG_CONST;
		return true;
	}
	/* memory: [sym][+-disp][(%base[,%index[,scale]])] */
	out->kind = SDT_ARG_MEM;
	const char *p = op;
	sym[0] = 0;
	if (sym_char(*p, true)) {
		size_t n = 0;
		while (sym_char(p[n], false))
			n++;
		if (n >= symlen)
			return OPND_FAIL(e, -EINVAL, "symbol name too long");
		memcpy(sym, p, n);
		sym[n] = 0;
		p += n;
	}
	if (*p && *p != '(') {
		const char *end = parse_int(p, &out->value);
		if (!end)
			return OPND_FAIL(e, -EINVAL, "malformed displacement");
		p = end;
	}
	if (!*p) { /* an absolute address */
		if (!*sym && p == op)
			return OPND_FAIL(e, -EINVAL, "empty operand");
		out->pc_relative = true;
		out->sym = *sym ? sym : NULL;
		return true;
	}
	if (*p != '(')
		return OPND_FAIL(e, -EINVAL, "malformed memory operand");
	const char *close = strchr(p, ')');
	if (!close || close[1])
		return OPND_FAIL(e, -EINVAL, "malformed memory operand");
	if (memchr(p, ',', (size_t)(close - p)))
		return OPND_FAIL(e, -EOPNOTSUPP, "indexed memory operands (base, index, scale) are not supported");
	if (p[1] != '%' || close - p - 2 <= 0 || close - p - 2 >= 16)
		return OPND_FAIL(e, -EINVAL, "malformed base register");
	char reg[16];
	memcpy(reg, p + 2, (size_t)(close - p - 2));
	reg[close - p - 2] = 0;
	int w;
	out->reg = x86_reg(reg, &w);
	if (out->reg < 0)
		return OPND_FAIL(e, -EINVAL, "unknown base register");
	if (out->reg == X86_IP) {
		if (!*sym)
			return OPND_FAIL(e, -EOPNOTSUPP, "%rip-relative operands without a symbol are not supported");
		out->pc_relative = true;
		out->sym = sym;
		return true;
	}
	if (w != 8)
		return OPND_FAIL(e, -EOPNOTSUPP, "32-bit addressing is not supported");
	if (*sym)
		return OPND_FAIL(e, -EOPNOTSUPP, "symbol-relative operands on a register other than %rip are not supported");
	return true;
}

/* arm64: xN / wN / sp, [xN], [xN, #off], [sp, off], #imm / imm. */
static bool a64_operand(const char *op, struct sdt_arg *out, struct opnd_err *e)
{
	int w;
	if (!strcmp(op, "xzr") || !strcmp(op, "wzr")) {
		out->kind = SDT_ARG_CONST;
		out->value = 0;
		return true;
	}
	if (op[0] == '[') {
		const char *close = strchr(op, ']');
		if (!close || close[1])
			return OPND_FAIL(e, -EINVAL, "malformed memory operand");
		char buf[64];
		size_t n = (size_t)(close - op - 1);
		if (n >= sizeof(buf))
			return OPND_FAIL(e, -EINVAL, "malformed memory operand");
		memcpy(buf, op + 1, n);
		buf[n] = 0;
		char *comma = strchr(buf, ',');
		if (comma)
			*comma = 0;
		out->kind = SDT_ARG_MEM;
		out->reg = a64_reg(buf, &w);
		if (out->reg < 0 || w != 8)
			return OPND_FAIL(e, -EINVAL, "unknown base register");
		if (comma) {
			const char *d = comma + 1;
			while (*d == ' ')
				d++;
			if (*d == '#')
				d++;
			if (a64_reg(d, &w) >= 0)
				return OPND_FAIL(e, -EOPNOTSUPP, "indexed memory operands are not supported");
			const char *end = parse_int(d, &out->value);
			if (!end || *end)
				return OPND_FAIL(e, -EINVAL, "malformed displacement");
		}
		return true;
	}
	const char *num = op[0] == '#' ? op + 1 : op;
	int64_t v;
	const char *end = parse_int(num, &v);
	if (end && !*end) {
		out->kind = SDT_ARG_CONST;
		out->value = v;
		return true;
	}
	int off = a64_reg(op, &w);
	if (off < 0) {
		if (strchr("vdsqhb", op[0]) && isdigit((unsigned char)op[1]))
			return OPND_FAIL(e, -EOPNOTSUPP, "floating-point and vector registers are not supported");
		return OPND_FAIL(e, -EINVAL, "unknown register");
	}
	out->kind = SDT_ARG_REG;
	out->reg = off;
	if (w < out->size)
		out->size = (uint8_t)w;
	return true;
}

/* One operand "[-]N[f]@OPERAND" (or a bare operand, size 8). A symbol it names is written to
 * sym_out, which out->sym then points to. */
static bool parse_operand(uint16_t machine, const char *spec, struct sdt_arg *out, char *sym_out, size_t symlen,
			  struct opnd_err *e)
{
	memset(out, 0, sizeof(*out));
	out->size = 8;
	const char *at = strchr(spec, '@');
	const char *op = spec;
	if (at) {
		const char *p = spec;
		bool neg = *p == '-';
		if (neg)
			p++;
		if (!isdigit((unsigned char)*p))
			return OPND_FAIL(e, -EINVAL, "malformed size");
		long sz = strtol(p, (char **)&p, 10);
		if (*p == 'f')
			return OPND_FAIL(e, -EOPNOTSUPP, "floating-point arguments are not supported");
		if (p != at)
			return OPND_FAIL(e, -EINVAL, "malformed size");
		if (sz != 1 && sz != 2 && sz != 4 && sz != 8)
			return OPND_FAIL(e, -EINVAL, "the size is not 1, 2, 4 or 8");
		out->size = (uint8_t)sz;
		out->is_signed = neg;
		op = at + 1;
	}
	if (!*op)
		return OPND_FAIL(e, -EINVAL, "empty operand");
	bool ok;
	if (machine == EM_X86_64)
		ok = x86_operand(op, out, sym_out, symlen, e);
	else if (machine == EM_AARCH64)
		ok = a64_operand(op, out, e);
	else
		return OPND_FAIL(e, -EOPNOTSUPP, "operands of this architecture are not supported");
	return ok;
}

/* Split off the next operand: operands are separated by blanks, except inside [] (arm64
 * "[sp, 16]"). Returns its length, 0 at the end; *s is advanced past it. */
static size_t next_operand(const char **s, const char **start)
{
	const char *p = *s;
	while (*p == ' ' || *p == '\t')
		p++;
	*start = p;
	int depth = 0;
	while (*p && (depth || (*p != ' ' && *p != '\t'))) {
		depth += *p == '[' ? 1 : *p == ']' ? -1 : 0;
		p++;
	}
	*s = p;
	return (size_t)(p - *start);
}

int btf_sdt_parse_args(uint16_t machine, const char *args, struct sdt_arg *out, int max, struct arena *a,
		       char **err)
{
	const char *s = args, *start;
	size_t len;
	int n = 0;
	while ((len = next_operand(&s, &start))) {
		if (n >= max) {
			*err = xasprintf("more than %d arguments", max);
			return -E2BIG;
		}
		char spec[256], sym[256];
		if (len >= sizeof(spec)) {
			*err = xasprintf("argument %d: operand too long", n);
			return -EINVAL;
		}
		memcpy(spec, start, len);
		spec[len] = 0;
		struct opnd_err e = {0};
		if (!parse_operand(machine, spec, &out[n], sym, sizeof(sym), &e)) {
			*err = xasprintf("argument %d ('%s'): %s", n, spec, e.msg);
			return e.code;
		}
		if (out[n].sym)
			out[n].sym = arena_strdup(a, sym);
		n++;
	}
	return n;
}

/* ---- notes ---------------------------------------------------------------------------------- */

static uint64_t get_addr(const unsigned char *p, int size, bool swap)
{
	uint64_t v = 0;
	if (size == 8) {
		memcpy(&v, p, 8);
		if (swap)
			v = __builtin_bswap64(v);
	} else {
		uint32_t w;
		memcpy(&w, p, 4);
		v = swap ? __builtin_bswap32(w) : w;
	}
	return v;
}

int btf_sdt_note_decode(const void *desc, size_t len, int addr_size, bool swap, struct sdt_probe *out,
			uint64_t *base, struct arena *a)
{
	const unsigned char *d = desc;
	if ((addr_size != 4 && addr_size != 8) || len < (size_t)addr_size * 3 + 3)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->pc = get_addr(d, addr_size, swap);
	*base = get_addr(d + addr_size, addr_size, swap);
	out->sem = get_addr(d + 2 * addr_size, addr_size, swap);
	const char *s = (const char *)d + 3 * addr_size, *end = (const char *)d + len;
	const char *strs[3];
	for (int i = 0; i < 3; i++) {
		const char *nul = memchr(s, 0, (size_t)(end - s));
		if (!nul)
			return -EINVAL;
		strs[i] = s;
		s = nul + 1;
		if (i < 2 && s >= end)
			return -EINVAL;
	}
	if (!*strs[0] || !*strs[1])
		return -EINVAL;
	out->provider = arena_strdup(a, strs[0]);
	out->name = arena_strdup(a, strs[1]);
	out->args = arena_strdup(a, strs[2]);
	return 0;
}

struct segs {
	GElf_Phdr *v;
	size_t n;
};

/* File offset of a link-time address inside a PT_LOAD segment's file contents. */
static bool seg_offset(const struct segs *segs, uint64_t addr, bool exec, uint64_t *off)
{
	for (size_t i = 0; i < segs->n; i++) {
		const GElf_Phdr *ph = &segs->v[i];
		if ((!exec || (ph->p_flags & PF_X)) && addr >= ph->p_vaddr && addr - ph->p_vaddr < ph->p_filesz) {
			*off = addr - ph->p_vaddr + ph->p_offset;
			return true;
		}
	}
	return false;
}

/* An operand waiting for the address of a symbol. */
struct pending_sym {
	struct sdt_probe *probe;
	int arg;
	bool found;
};
typedef VEC(struct pending_sym) pending_vec;

static void resolve_in_table(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, pending_vec *pend)
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
		if (sym.st_shndx == SHN_UNDEF || type == STT_TLS || type == STT_SECTION || type == STT_FILE)
			continue;
		const char *nm = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!nm || !*nm)
			continue;
		for (size_t j = 0; j < pend->n; j++) {
			struct pending_sym *ps = &pend->v[j];
			struct sdt_arg *arg = &ps->probe->argv[ps->arg];
			if (ps->found || strcmp(arg->sym, nm))
				continue;
			arg->value += (int64_t)sym.st_value;
			ps->found = true;
		}
	}
}

static void set_bad(struct sdt_file *f, struct sdt_probe *p, int i, const char *msg)
{
	p->argv[i].kind = SDT_ARG_BAD;
	if (!p->arg_error)
		p->arg_error = arena_strdup(&f->arena, msg);
}

/* Parse every probe's operands (each on its own: one unreadable operand leaves the others
 * usable); operands naming symbols are resolved from the symbol tables, then every pc_relative
 * operand becomes a displacement from the probe's pc (read through the instruction pointer). */
static void parse_all_args(Elf *elf, struct sdt_file *f)
{
	pending_vec pend = {0};
	for (size_t i = 0; i < f->nprobes; i++) {
		struct sdt_probe *p = &f->probes[i];
		const char *s = p->args, *start;
		size_t len;
		int n = 0;
		while (next_operand(&s, &start))
			n++;
		p->nargs = n;
		p->argv = arena_alloc(&f->arena, sizeof(*p->argv) * (size_t)(n ? n : 1));
		s = p->args;
		for (int j = 0; (len = next_operand(&s, &start)); j++) {
			char *spec = arena_strndup(&f->arena, start, len), sym[256], *msg;
			struct opnd_err e = {0};
			if (j >= SDT_MAX_ARGS) {
				msg = xasprintf("argument %d ('%s'): more than %d arguments", j, spec, SDT_MAX_ARGS);
				set_bad(f, p, j, msg);
				free(msg);
			} else if (!parse_operand(f->e_machine, spec, &p->argv[j], sym, sizeof(sym), &e)) {
				msg = xasprintf("argument %d ('%s'): %s", j, spec, e.msg);
				set_bad(f, p, j, msg);
				free(msg);
			} else if (p->argv[j].sym) {
				p->argv[j].sym = arena_strdup(&f->arena, sym);
				struct pending_sym ps = {p, j, false};
				VEC_PUSH(pend, ps);
			}
		}
	}
	if (pend.n) {
		/* .symtab first: it also has the local (static) variables .dynsym lacks */
		for (int pass = 0; pass < 2; pass++) {
			Elf_Scn *scn = NULL;
			while ((scn = elf_nextscn(elf, scn))) {
				GElf_Shdr sh;
				if (gelf_getshdr(scn, &sh) && sh.sh_type == (pass ? SHT_DYNSYM : SHT_SYMTAB))
					resolve_in_table(elf, scn, &sh, &pend);
			}
		}
		for (size_t j = 0; j < pend.n; j++) {
			struct pending_sym *ps = &pend.v[j];
			if (ps->found)
				continue;
			char *msg = xasprintf("argument %d: symbol '%s' is not in the symbol tables of %s", ps->arg,
					      ps->probe->argv[ps->arg].sym, f->path);
			set_bad(f, ps->probe, ps->arg, msg);
			free(msg);
		}
	}
	VEC_FREE(pend);
	int ip = ip_offset(f->e_machine);
	for (size_t i = 0; i < f->nprobes; i++) {
		struct sdt_probe *p = &f->probes[i];
		for (int j = 0; j < p->nargs; j++) {
			struct sdt_arg *arg = &p->argv[j];
			if (arg->kind == SDT_ARG_MEM && arg->pc_relative) {
				arg->value = (int64_t)((uint64_t)arg->value - p->pc);
				arg->reg = ip;
			}
		}
	}
}

int btf_sdt_load(const char *path, struct sdt_file **out, char **err)
{
	*out = NULL;
	int fd;
	Elf *elf;
	GElf_Ehdr eh;
	int ret = btf_elf_open(path, &fd, &elf, &eh, err);
	if (ret)
		return ret;
	struct sdt_file *f = xcalloc(1, sizeof(*f));
	f->path = xstrdup(path);
	f->e_machine = eh.e_machine;
	f->e_type = eh.e_type;
	int addr_size = eh.e_ident[EI_CLASS] == ELFCLASS64 ? 8 : 4;
	bool swap = eh.e_ident[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB);

	struct segs segs = {0};
	size_t nph = 0;
	if (elf_getphdrnum(elf, &nph) == 0 && nph) {
		segs.v = xcalloc(nph, sizeof(*segs.v));
		for (size_t i = 0; i < nph; i++)
			if (gelf_getphdr(elf, (int)i, &segs.v[segs.n]) && segs.v[segs.n].p_type == PT_LOAD)
				segs.n++;
	}

	/* .stapsdt.base: where the notes' base addresses point when the file was not moved */
	size_t shstrndx = 0;
	bool has_base = false;
	uint64_t base_addr = 0;
	elf_getshdrstrndx(elf, &shstrndx);
	VEC(struct sdt_probe) probes = {0};
	VEC(uint64_t) bases = {0};
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		const char *nm = elf_strptr(elf, shstrndx, sh.sh_name);
		if (nm && !strcmp(nm, ".stapsdt.base")) {
			has_base = true;
			base_addr = sh.sh_addr;
		}
		if (sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t off = 0, name_off, desc_off;
		GElf_Nhdr nh;
		while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type != SDT_NOTE_TYPE || nh.n_namesz != sizeof(SDT_NOTE_OWNER) ||
			    memcmp((const char *)d->d_buf + name_off, SDT_NOTE_OWNER, sizeof(SDT_NOTE_OWNER)))
				continue;
			struct sdt_probe p;
			uint64_t base;
			if (btf_sdt_note_decode((const char *)d->d_buf + desc_off, nh.n_descsz, addr_size, swap, &p, &base,
						&f->arena))
				continue;
			VEC_PUSH(probes, p);
			VEC_PUSH(bases, base);
		}
	}
	for (size_t i = 0; i < probes.n; i++) {
		struct sdt_probe *p = &probes.v[i];
		/* prelink moved the file: every address in the note moved with .stapsdt.base */
		if (has_base && bases.v[i]) {
			uint64_t diff = base_addr - bases.v[i];
			p->pc += diff;
			if (p->sem)
				p->sem += diff;
		}
		p->bad_pc = !seg_offset(&segs, p->pc, true, &p->pc_offset);
		if (p->sem)
			p->bad_sem = !seg_offset(&segs, p->sem, false, &p->sem_offset);
	}
	f->probes = probes.v;
	f->nprobes = probes.n;
	parse_all_args(elf, f);
	VEC_FREE(bases);
	free(segs.v);
	elf_end(elf);
	close(fd);
	*out = f;
	return 0;
}

void btf_sdt_free(struct sdt_file *f)
{
	if (!f)
		return;
	free(f->path);
	free(f->probes);
	arena_free(&f->arena);
	free(f);
}

/* pt_regs offsets of the argument and return-value registers, per architecture. */
#include <stddef.h>

#include "probes/probe.h"

#include <linux/bpf.h>
#include <string.h>

#if defined(__x86_64__)
/* struct pt_regs: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax ip cs flags sp ss */
static const char *const reg_names[] = {"r15", "r14", "r13", "r12", "bp",      "bx", "r11",
					"r10", "r9",  "r8",  "ax",  "cx",      "dx", "si",
					"di",  "orig_ax", "ip", "cs", "flags", "sp", "ss"};
#define MODE_REG 17 /* cs: the low two bits are the privilege level, 3 in user mode */
#define MODE_MASK 3
#define MODE_USER 3
static const int arg_regs[] = {112 /* di */, 104 /* si */, 96 /* dx */, 88 /* cx */, 72 /* r8 */, 64 /* r9 */};
#define RETVAL_OFFSET 80 /* ax */
#elif defined(__aarch64__)
/* struct user_pt_regs: regs[31] sp pc pstate */
static const char *const reg_names[] = {"x0",  "x1",  "x2",  "x3",  "x4",  "x5",  "x6",  "x7",  "x8",
					"x9",  "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17",
					"x18", "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26",
					"x27", "x28", "x29", "x30", "sp",  "pc",  "pstate"};
#define MODE_REG 33 /* pstate: mode bits M[3:0] are 0 in EL0 (user) */
#define MODE_MASK 0xf
#define MODE_USER 0
static const int arg_regs[] = {0, 8, 16, 24, 32, 40, 48, 56};
#define RETVAL_OFFSET 0 /* x0 */
#else
#error "probe_regs: unsupported architecture"
#endif

int probe_regs_arg_offset(int n)
{
	if (n < 0 || (size_t)n >= sizeof(arg_regs) / sizeof(arg_regs[0]))
		return -1;
	return arg_regs[n];
}

int probe_regs_retval_offset(void) { return RETVAL_OFFSET; }

int probe_regs_entry_ctx(enum probe_ctx_value what, int n) { return what == PCTX_ARG ? probe_regs_arg_offset(n) : -1; }

int probe_regs_return_ctx(enum probe_ctx_value what, int n)
{
	(void)n;
	return what == PCTX_RETVAL ? probe_regs_retval_offset() : -1;
}

int probe_regs_offset(const char *name)
{
	static const struct {
		const char *alias, *name;
	} aliases[] = {{"pc", "ip"}, {"rip", "ip"}, {"rsp", "sp"}, {"rbp", "bp"}, {"rax", "ax"},
		       {"rbx", "bx"}, {"rcx", "cx"}, {"rdx", "dx"}, {"rsi", "si"}, {"rdi", "di"}};
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(name, aliases[i].alias))
			name = aliases[i].name;
	for (size_t i = 0; i < sizeof(reg_names) / sizeof(reg_names[0]); i++)
		if (!strcmp(reg_names[i], name))
			return (int)(i * 8);
	return -1;
}

int probe_regs_mode(uint64_t *mask, uint64_t *value)
{
	*mask = MODE_MASK;
	*value = MODE_USER;
	return MODE_REG * 8;
}

bool probe_ctx_has_regs(const struct probe_provider *p)
{
	return p->prog_type == BPF_PROG_TYPE_KPROBE || p->prog_type == BPF_PROG_TYPE_PERF_EVENT;
}

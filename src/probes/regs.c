/* pt_regs offsets of the argument and return-value registers, per architecture. */
#include <stddef.h>

#include "probes/probe.h"

#if defined(__x86_64__)
/* struct pt_regs: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax ip cs flags sp ss */
static const int arg_regs[] = {112 /* di */, 104 /* si */, 96 /* dx */, 88 /* cx */, 72 /* r8 */, 64 /* r9 */};
#define RETVAL_OFFSET 80 /* ax */
#elif defined(__aarch64__)
/* struct user_pt_regs: regs[31] sp pc pstate */
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

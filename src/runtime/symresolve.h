/* symresolve: the runtime's struct rt_resolver (value.h). It turns the values the BPF side records
 * as raw numbers into text when they are printed:
 *   kstack / ustack  "\n" then one frame per line: bpftrace mode "        sym+off", perf mode
 *                    "\t<hex> sym+off" (ustack adds " (module)"), raw mode "<hex>", build_id mode
 *                    "<build id> 0x<file offset>" (ustack only); unresolvable frames print as 0x<hex>
 *   ksym(addr), usym(addr)  the function name, or 0x<hex>
 *   username         the user's name, or the uid
 * Layouts (src/ast/types.h): stacks { u64 nframes; u64 pid (ustack); u64 ip[nelem] }, ksym u64 addr,
 * usym { u64 addr; u64 pid }, username u64 uid.
 * Kernel symbols are read from /proc/kallsyms the first time a kernel address is printed; user
 * symbols as usyms.h describes. Ownership: a struct rt_symbols owns its symbol tables and its
 * resolver; the resolver is valid until rt_symbols_free. Nothing here prints. */
#ifndef SCRY_RT_SYMRESOLVE_H
#define SCRY_RT_SYMRESOLVE_H
#include <stdbool.h>

#include "ast/types.h"
#include "runtime/ksyms.h"
#include "runtime/usyms.h"
#include "runtime/value.h"
#include "util/util.h"

struct rt_symbols;

/* Nothing is read until a value needs it. Never NULL. */
struct rt_symbols *rt_symbols_new(void);
/* With given tables (tests): ownership of k and u passes to the result; a NULL table is loaded
 * lazily from the system as rt_symbols_new does. */
struct rt_symbols *rt_symbols_new_with(struct ksyms *k, struct usyms *u);
void rt_symbols_free(struct rt_symbols *s); /* accepts NULL */
const struct rt_resolver *rt_symbols_resolver(struct rt_symbols *s);

/* Whether t is a stack, or a tuple with a stack among its fields. */
bool rt_type_has_stack(const struct type *t);

/* A stack in folded form (flame graphs): frame names without offsets, root first, joined by ';'.
 * Unknown frames are "[unknown]", or "[file]" when only the user-space file is known. ';' inside a
 * name becomes ':'. r must be a resolver from rt_symbols_resolver (any other resolver, or NULL,
 * yields "[unknown]" frames). Appends nothing for an empty stack. */
void rt_stack_folded(const struct rt_resolver *r, const struct type *t, const void *bytes, struct strbuf *out);
#endif

/* bpfir: the thin layer over the LLVM C API that the lowering code uses: helper calls by id,
 * buffers (stack or per-CPU scratch), map lookup/update, probe reads, ring-buffer output, debug
 * locations. Internal to src/codegen. The struct cg owns every LLVM object it creates. */
#ifndef SCRY_BPFIR_H
#define SCRY_BPFIR_H
#include <llvm-c/Core.h>
#include <llvm-c/DebugInfo.h>
#include <stdbool.h>
#include <stdint.h>

#include "ast/ast.h"
#include "sema/resources.h"

/* kernel helper ids (enum bpf_func_id) */
enum {
	H_map_lookup_elem = 1,
	H_map_update_elem = 2,
	H_map_delete_elem = 3,
	H_probe_read = 4,
	H_ktime_get_ns = 5,
	H_get_prandom_u32 = 7,
	H_get_smp_processor_id = 8,
	H_get_current_pid_tgid = 14,
	H_get_current_uid_gid = 15,
	H_get_current_comm = 16,
	H_get_current_task = 35,
	H_get_numa_node_id = 42,
	H_get_stack = 67,
	H_get_current_cgroup_id = 80,
	H_jiffies64 = 118,
	H_probe_read_str = 45,
	H_send_signal = 109,
	H_send_signal_thread = 117,
	H_probe_read_user = 112,
	H_probe_read_kernel = 113,
	H_probe_read_user_str = 114,
	H_probe_read_kernel_str = 115,
	H_get_ns_current_pid_tgid = 120,
	H_ktime_get_boot_ns = 125,
	H_ringbuf_output = 130,
	H_for_each_map_elem = 164,
	H_get_func_ip = 173,
	H_trace_vprintk = 177,
	H_map_lookup_percpu_elem = 195,
	H_ktime_get_tai_ns = 208,
};

struct cg_var {
	int id;           /* declaration id from sema */
	const char *name;
	struct type *type;
	LLVMValueRef slot; /* pointer to storage of type->size bytes (i64 for integers) */
};

struct cg_loop {
	LLVMBasicBlockRef cont, brk; /* targets of continue and break */
};

struct cg {
	LLVMContextRef C;
	LLVMModuleRef M;
	LLVMBuilderRef B;
	LLVMDIBuilderRef D;
	LLVMMetadataRef file, cu, sp, di_long, di_voidptr, di_int;
	LLVMTypeRef i1, i8, i32, i64, ptr;
	/* current program */
	LLVMValueRef fn, ctx;
	LLVMBasicBlockRef entry;   /* allocas and the scratch lookup; branches to the body at the end */
	LLVMBasicBlockRef ret0;    /* "return 0" block */
	LLVMValueRef scratch;      /* pointer to this CPU's scratch area, or NULL until first needed */
	LLVMValueRef stack_pool;   /* the program's stack buffer pool (an alloca) */
	uint32_t stack_off, stack_max;     /* bump offset and high-water mark in the stack pool */
	uint32_t scratch_off, scratch_used; /* bump offset and high-water mark in scratch */
	uint32_t scratch_max;      /* scratch bytes needed by the largest program */
	int probe_id;              /* index in res->probes */
	const struct res_probe *rp;
	VEC(struct cg_var) vars;
	VEC(struct cg_loop) loops; /* enclosing loops, innermost last */
	/* module */
	const struct resources *res;
	LLVMValueRef *maps; /* per res_map */
	LLVMValueRef ringbuf, cfg, scratch_map;
	LLVMValueRef scratch_map_size_ref; /* patched at the end when the scratch size is known */
	struct diag_list *dl;
	bool failed;
	const struct res_probe *diag_probe; /* probe of the last LLVM backend error reported */
};

LLVMValueRef ir_i64(struct cg *g, uint64_t v);
LLVMValueRef ir_i32(struct cg *g, uint64_t v);
void ir_set_loc(struct cg *g, const struct loc *loc);
LLVMValueRef ir_helper(struct cg *g, int id, LLVMTypeRef ret, LLVMValueRef *args, unsigned n);
/* Allocation marks: buffers taken after ir_mark are given back by ir_release (end of statement). */
struct ir_mark {
	uint32_t stack_off, scratch_off;
};
struct ir_mark ir_mark(struct cg *g);
void ir_release(struct cg *g, struct ir_mark m);
/* Start / finish a program's buffer pools (the stack pool's alloca is sized at the end). */
void ir_pool_begin(struct cg *g);
void ir_pool_end(struct cg *g);
/* A zero-initialised buffer of `size` bytes: on the stack when small, else in per-CPU scratch. */
LLVMValueRef ir_buf(struct cg *g, uint32_t size, const char *name);
LLVMValueRef ir_buf_nozero(struct cg *g, uint32_t size, const char *name);
LLVMValueRef ir_alloca(struct cg *g, LLVMTypeRef t, const char *name);
void ir_zero(struct cg *g, LLVMValueRef dst, uint32_t size);
void ir_copy(struct cg *g, LLVMValueRef dst, LLVMValueRef src, uint32_t size);
LLVMValueRef ir_gep(struct cg *g, LLVMValueRef base, uint32_t off);
/* Load an integer of `size` bytes (sign-extended if is_signed) as i64. */
LLVMValueRef ir_load_int(struct cg *g, LLVMValueRef p, uint32_t size, bool is_signed);
void ir_store_int(struct cg *g, LLVMValueRef p, LLVMValueRef v64, uint32_t size);
LLVMValueRef ir_map_lookup(struct cg *g, LLVMValueRef map, LLVMValueRef key);
LLVMValueRef ir_map_update(struct cg *g, LLVMValueRef map, LLVMValueRef key, LLVMValueRef val, uint64_t flags);
/* v, hidden from LLVM's optimisations (llvm.bpf.passthrough). */
LLVMValueRef ir_opaque(struct cg *g, LLVMValueRef v);
/* Add 1 to slot `slot` of the scry_cfg array (lost events, failed map updates). */
void ir_count(struct cg *g, uint32_t slot);
LLVMValueRef ir_map_delete(struct cg *g, LLVMValueRef map, LLVMValueRef key);
/* bpf_ringbuf_output(buf, size); counts a lost event when it fails. */
void ir_output(struct cg *g, LLVMValueRef buf, uint32_t size);
/* Split control flow: returns the new block and positions nothing. */
LLVMBasicBlockRef ir_block(struct cg *g, const char *name);
void ir_at(struct cg *g, LLVMBasicBlockRef bb);
/* A BTF-defined map global: ir_map_global makes the (untyped) global with nfields members,
 * ir_map_di describes it (key_size/value_size/flags 0 = omitted; nfields must match). */
LLVMValueRef ir_map_global(struct cg *g, const char *name, unsigned nfields);
void ir_map_di(struct cg *g, LLVMValueRef gv, int type, uint32_t max_entries, uint32_t key_size,
	       uint32_t value_size, uint32_t flags);
/* Both at once. */
LLVMValueRef ir_map_def(struct cg *g, const char *name, int type, uint32_t max_entries, uint32_t key_size,
			uint32_t value_size, uint32_t flags);
#endif

#include "codegen/bpfir.h"

#include <linux/bpf.h>
#include <string.h>

#include "codegen/codegen.h"

/* Objects up to this size live on the 512-byte BPF stack; bigger ones in per-CPU scratch. */
#define ON_STACK_LIMIT 32
/* Up to this size zeroing/copying is inlined by LLVM; above it we use bpf_probe_read_kernel. */
#define INLINE_MEM_LIMIT 256

LLVMValueRef ir_i64(struct cg *g, uint64_t v) { return LLVMConstInt(g->i64, v, 0); }
LLVMValueRef ir_i32(struct cg *g, uint64_t v) { return LLVMConstInt(g->i32, v, 0); }

void ir_set_loc(struct cg *g, const struct loc *loc)
{
	unsigned line = loc && loc->line > 0 ? (unsigned)loc->line : 1;
	unsigned col = loc && loc->col > 0 ? (unsigned)loc->col : 1;
	LLVMSetCurrentDebugLocation2(g->B, LLVMDIBuilderCreateDebugLocation(g->C, line, col, g->sp, NULL));
}

LLVMValueRef ir_helper(struct cg *g, int id, LLVMTypeRef ret, LLVMValueRef *args, unsigned n)
{
	LLVMTypeRef pt[8];
	for (unsigned i = 0; i < n; i++)
		pt[i] = LLVMTypeOf(args[i]);
	LLVMTypeRef fty = LLVMFunctionType(ret, pt, n, 0);
	LLVMValueRef callee = LLVMConstIntToPtr(ir_i64(g, (uint64_t)id), g->ptr);
	return LLVMBuildCall2(g->B, fty, callee, args, n, "");
}

LLVMValueRef ir_alloca(struct cg *g, LLVMTypeRef t, const char *name)
{
	LLVMBuilderRef eb = LLVMCreateBuilderInContext(g->C);
	LLVMValueRef first = LLVMGetFirstInstruction(g->entry);
	if (first)
		LLVMPositionBuilderBefore(eb, first);
	else
		LLVMPositionBuilderAtEnd(eb, g->entry);
	LLVMValueRef a = LLVMBuildAlloca(eb, t, name);
	LLVMSetAlignment(a, 8);
	LLVMDisposeBuilder(eb);
	return a;
}

/* The scratch pointer is looked up once, at the end of the entry block (which gets its branch
 * to the body only when the program is finished). */
static LLVMValueRef scratch_base(struct cg *g)
{
	if (g->scratch)
		return g->scratch;
	LLVMBuilderRef eb = LLVMCreateBuilderInContext(g->C);
	LLVMPositionBuilderAtEnd(eb, g->entry);
	LLVMSetCurrentDebugLocation2(eb, LLVMDIBuilderCreateDebugLocation(g->C, 1, 1, g->sp, NULL));
	LLVMValueRef key = ir_alloca(g, g->i32, "zero");
	LLVMBuildStore(eb, ir_i32(g, 0), key);
	LLVMValueRef args[2] = {g->scratch_map, key};
	LLVMTypeRef pt[2] = {g->ptr, g->ptr};
	LLVMTypeRef fty = LLVMFunctionType(g->ptr, pt, 2, 0);
	LLVMValueRef callee = LLVMConstIntToPtr(ir_i64(g, H_map_lookup_elem), g->ptr);
	g->scratch = LLVMBuildCall2(eb, fty, callee, args, 2, "scratch");
	LLVMDisposeBuilder(eb);
	return g->scratch;
}

LLVMValueRef ir_gep(struct cg *g, LLVMValueRef base, uint32_t off)
{
	if (!off)
		return base;
	LLVMValueRef o = ir_i64(g, off);
	return LLVMBuildGEP2(g->B, g->i8, base, &o, 1, "");
}

/* A GEP at `off` into base, built in the entry block so it dominates every use. */
static LLVMValueRef entry_gep(struct cg *g, LLVMValueRef base, uint32_t off, const char *name)
{
	LLVMBuilderRef eb = LLVMCreateBuilderInContext(g->C);
	LLVMPositionBuilderAtEnd(eb, g->entry);
	LLVMValueRef o = ir_i64(g, off);
	LLVMValueRef p = LLVMBuildGEP2(eb, g->i8, base, &o, 1, name);
	LLVMDisposeBuilder(eb);
	return p;
}

/* Buffers come from two bump regions per program: a stack pool (objects up to ON_STACK_LIMIT
 * bytes; one alloca sized at the end of the program) and the per-CPU scratch area. Temporaries
 * are released at the end of each statement (ir_mark/ir_release), so the stack a program needs
 * is that of its largest statement, not the sum of all of them. */
LLVMValueRef ir_buf_nozero(struct cg *g, uint32_t size, const char *name)
{
	uint32_t n = (size ? size : 1) + 7u;
	n &= ~7u;
	if (n <= ON_STACK_LIMIT) {
		uint32_t off = g->stack_off;
		g->stack_off += n;
		if (g->stack_off > g->stack_max)
			g->stack_max = g->stack_off;
		return entry_gep(g, g->stack_pool, off, name);
	}
	uint32_t off = g->scratch_off;
	g->scratch_off += n;
	if (g->scratch_off > g->scratch_used)
		g->scratch_used = g->scratch_off;
	if (g->scratch_used > g->scratch_max)
		g->scratch_max = g->scratch_used;
	return entry_gep(g, scratch_base(g), off, name);
}

struct ir_mark ir_mark(struct cg *g) { return (struct ir_mark){g->stack_off, g->scratch_off}; }

void ir_release(struct cg *g, struct ir_mark m)
{
	g->stack_off = m.stack_off;
	g->scratch_off = m.scratch_off;
}

void ir_pool_begin(struct cg *g)
{
	g->stack_off = g->stack_max = 0;
	g->scratch_off = g->scratch_used = 0;
	g->scratch = NULL;
	/* placeholder until the pool's size is known (ir_pool_end) */
	g->stack_pool = ir_alloca(g, g->i8, "pool_placeholder");
}

void ir_pool_end(struct cg *g)
{
	LLVMValueRef pool = ir_alloca(g, LLVMArrayType(g->i8, g->stack_max ? g->stack_max : 8), "pool");
	LLVMReplaceAllUsesWith(g->stack_pool, pool);
	LLVMInstructionEraseFromParent(g->stack_pool);
	g->stack_pool = pool;
}

LLVMValueRef ir_buf(struct cg *g, uint32_t size, const char *name)
{
	LLVMValueRef b = ir_buf_nozero(g, size, name);
	ir_zero(g, b, size ? size : 1);
	return b;
}

void ir_zero(struct cg *g, LLVMValueRef dst, uint32_t size)
{
	if (size <= INLINE_MEM_LIMIT) {
		LLVMBuildMemSet(g->B, dst, LLVMConstInt(g->i8, 0, 0), ir_i64(g, size), 1);
		return;
	}
	/* bpf_probe_read_kernel zeroes its destination when the read fails: read from NULL */
	LLVMValueRef args[3] = {dst, ir_i32(g, size), LLVMConstNull(g->ptr)};
	ir_helper(g, H_probe_read_kernel, g->i64, args, 3);
}

void ir_copy(struct cg *g, LLVMValueRef dst, LLVMValueRef src, uint32_t size)
{
	if (size <= INLINE_MEM_LIMIT) {
		LLVMBuildMemCpy(g->B, dst, 1, src, 1, ir_i64(g, size));
		return;
	}
	LLVMValueRef args[3] = {dst, ir_i32(g, size), src};
	ir_helper(g, H_probe_read_kernel, g->i64, args, 3);
}

LLVMValueRef ir_load_int(struct cg *g, LLVMValueRef p, uint32_t size, bool is_signed)
{
	LLVMTypeRef t = LLVMIntTypeInContext(g->C, size * 8);
	LLVMValueRef v = LLVMBuildLoad2(g->B, t, p, "");
	/* every integer we address is naturally aligned (tuple/record layouts, 8-aligned buffers,
	 * context fields); with alignment 1 the backend would split the access into byte loads,
	 * which context accesses do not allow */
	LLVMSetAlignment(v, size);
	if (size == 8)
		return v;
	return is_signed ? LLVMBuildSExt(g->B, v, g->i64, "") : LLVMBuildZExt(g->B, v, g->i64, "");
}

void ir_store_int(struct cg *g, LLVMValueRef p, LLVMValueRef v64, uint32_t size)
{
	LLVMTypeRef t = LLVMIntTypeInContext(g->C, size * 8);
	LLVMValueRef v = size == 8 ? v64 : LLVMBuildTrunc(g->B, v64, t, "");
	LLVMValueRef st = LLVMBuildStore(g->B, v, p);
	LLVMSetAlignment(st, size);
}

LLVMValueRef ir_map_lookup(struct cg *g, LLVMValueRef map, LLVMValueRef key)
{
	LLVMValueRef args[2] = {map, key};
	return ir_helper(g, H_map_lookup_elem, g->ptr, args, 2);
}

LLVMValueRef ir_map_update(struct cg *g, LLVMValueRef map, LLVMValueRef key, LLVMValueRef val, uint64_t flags)
{
	LLVMValueRef args[4] = {map, key, val, ir_i64(g, flags)};
	LLVMValueRef rc = ir_helper(g, H_map_update_elem, g->i64, args, 4);
	/* never silent: a failed update (the map is full) is counted and reported at exit */
	LLVMBasicBlockRef bad = ir_block(g, "update_failed"), done = ir_block(g, "updated");
	LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntSLT, rc, ir_i64(g, 0), ""), bad, done);
	ir_at(g, bad);
	ir_count(g, CG_CFG_MAP_FULL);
	LLVMBuildBr(g->B, done);
	ir_at(g, done);
	return rc;
}

void ir_count(struct cg *g, uint32_t slot)
{
	LLVMValueRef key = ir_buf_nozero(g, 4, "cfgkey");
	LLVMBuildStore(g->B, ir_i32(g, slot), key);
	LLVMValueRef p = ir_map_lookup(g, g->cfg, key);
	LLVMBasicBlockRef inc = ir_block(g, "count_inc"), done = ir_block(g, "counted");
	LLVMBuildCondBr(g->B, LLVMBuildIsNull(g->B, p, ""), done, inc);
	ir_at(g, inc);
	LLVMBuildAtomicRMW(g->B, LLVMAtomicRMWBinOpAdd, p, ir_i64(g, 1), LLVMAtomicOrderingMonotonic, 0);
	LLVMBuildBr(g->B, done);
	ir_at(g, done);
}

LLVMValueRef ir_map_delete(struct cg *g, LLVMValueRef map, LLVMValueRef key)
{
	LLVMValueRef args[2] = {map, key};
	return ir_helper(g, H_map_delete_elem, g->i64, args, 2);
}

LLVMBasicBlockRef ir_block(struct cg *g, const char *name) { return LLVMAppendBasicBlockInContext(g->C, g->fn, name); }

void ir_at(struct cg *g, LLVMBasicBlockRef bb) { LLVMPositionBuilderAtEnd(g->B, bb); }

void ir_output(struct cg *g, LLVMValueRef buf, uint32_t size)
{
	LLVMValueRef args[4] = {g->ringbuf, buf, ir_i64(g, size), ir_i64(g, 0)};
	LLVMValueRef rc = ir_helper(g, H_ringbuf_output, g->i64, args, 4);
	LLVMBasicBlockRef lost = ir_block(g, "lost"), done = ir_block(g, "sent");
	LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntSLT, rc, ir_i64(g, 0), ""), lost, done);
	ir_at(g, lost);
	ir_count(g, CG_CFG_LOST);
	LLVMBuildBr(g->B, done);
	ir_at(g, done);
}

/* __uint(name, val) is encoded as `int (*name)[val]` */
static LLVMMetadataRef di_uint_field(struct cg *g, uint64_t val)
{
	LLVMMetadataRef sub = LLVMDIBuilderGetOrCreateSubrange(g->D, 0, (int64_t)val);
	LLVMMetadataRef arr = LLVMDIBuilderCreateArrayType(g->D, val * 32, 32, g->di_int, &sub, 1);
	return LLVMDIBuilderCreatePointerType(g->D, arr, 64, 64, 0, NULL, 0);
}

static unsigned map_def_count(uint32_t key_size, uint32_t value_size, uint32_t flags)
{
	return 2 + !!key_size + !!value_size + !!flags;
}

LLVMValueRef ir_map_global(struct cg *g, const char *name, unsigned nfields)
{
	LLVMTypeRef irt[5] = {g->ptr, g->ptr, g->ptr, g->ptr, g->ptr};
	LLVMTypeRef sty = LLVMStructTypeInContext(g->C, irt, nfields, 0);
	LLVMValueRef gv = LLVMAddGlobal(g->M, sty, name);
	LLVMSetInitializer(gv, LLVMConstNull(sty));
	LLVMSetSection(gv, ".maps");
	LLVMSetAlignment(gv, 8);
	return gv;
}

void ir_map_di(struct cg *g, LLVMValueRef gv, int type, uint32_t max_entries, uint32_t key_size,
	       uint32_t value_size, uint32_t flags)
{
	const char *names[5];
	LLVMMetadataRef tys[5], members[5];
	unsigned n = 0;
	names[n] = "type", tys[n++] = di_uint_field(g, (uint64_t)type);
	names[n] = "max_entries", tys[n++] = di_uint_field(g, max_entries);
	if (key_size)
		names[n] = "key_size", tys[n++] = di_uint_field(g, key_size);
	if (value_size)
		names[n] = "value_size", tys[n++] = di_uint_field(g, value_size);
	if (flags)
		names[n] = "map_flags", tys[n++] = di_uint_field(g, flags);
	for (unsigned i = 0; i < n; i++)
		members[i] = LLVMDIBuilderCreateMemberType(g->D, g->file, names[i], strlen(names[i]), g->file, 1, 64, 64,
							   (uint64_t)i * 64, 0, tys[i]);
	LLVMMetadataRef st = LLVMDIBuilderCreateStructType(g->D, g->file, "", 0, g->file, 1, (uint64_t)n * 64, 64, 0,
							   NULL, members, n, 0, NULL, "", 0);
	size_t len;
	const char *name = LLVMGetValueName2(gv, &len);
	LLVMMetadataRef expr = LLVMDIBuilderCreateExpression(g->D, NULL, 0);
	LLVMMetadataRef gve = LLVMDIBuilderCreateGlobalVariableExpression(g->D, g->cu, name, len, "", 0, g->file, 1,
									 st, 0, expr, NULL, 64);
	LLVMGlobalSetMetadata(gv, LLVMGetMDKindIDInContext(g->C, "dbg", 3), gve);
}

LLVMValueRef ir_map_def(struct cg *g, const char *name, int type, uint32_t max_entries, uint32_t key_size,
			uint32_t value_size, uint32_t flags)
{
	LLVMValueRef gv = ir_map_global(g, name, map_def_count(key_size, value_size, flags));
	ir_map_di(g, gv, type, max_entries, key_size, value_size, flags);
	return gv;
}

LLVMValueRef ir_opaque(struct cg *g, LLVMValueRef v)
{
	/* a volatile round trip through the stack: no optimisation (nor the BPF backend, which drops
	 * llvm.bpf.passthrough before instruction selection) can look through it */
	LLVMValueRef slot = ir_alloca(g, g->i64, "opaque");
	LLVMSetVolatile(LLVMBuildStore(g->B, v, slot), 1);
	LLVMValueRef r = LLVMBuildLoad2(g->B, g->i64, slot, "");
	LLVMSetVolatile(r, 1);
	return r;
}

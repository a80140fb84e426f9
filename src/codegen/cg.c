/* codegen: module set-up, maps, one BPF program per concrete attach point, and the lowering of
 * statements and expressions. Integers and booleans are i64 SSA values; strings, tuples and
 * structs are pointers to buffers of their type's size. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "codegen/bpfir.h"
#include "codegen/codegen.h"
#include "probes/probe.h"

static LLVMValueRef expr(struct cg *g, const struct ast_node *e);
static void stmts(struct cg *g, const struct ast_node *list);
static void for_map(struct cg *g, const struct ast_node *st);
static LLVMValueRef map_len(struct cg *g, int mid);
static LLVMValueRef elem_addr(struct cg *g, const struct ast_node *e, enum addrspace *as);
static LLVMValueRef str_equal(struct cg *g, LLVMValueRef l, uint32_t lsize, LLVMValueRef r, uint32_t rsize,
			      uint32_t limit);
static void declare_vars(struct cg *g, const struct ast_node *list);
static void stmt(struct cg *g, const struct ast_node *st);
static void call_stmt(struct cg *g, const struct ast_node *e);

static bool is_scalar(const struct type *t)
{
	return t->kind == T_INT || t->kind == T_BOOL || t->kind == T_PTR || t->kind == T_PROBE ||
	       t->kind == T_ENUM || t->kind == T_KSYM || t->kind == T_USERNAME || t->kind == T_NAMED_INT;
}

/* Integer types for argument widths (codegen has no type_ctx of its own). */
static const struct type *type_int_static(uint8_t size, bool is_signed)
{
	static struct type ints[2][4];
	int i = size <= 1 ? 0 : size <= 2 ? 1 : size <= 4 ? 2 : 3;
	struct type *t = &ints[is_signed][i];
	t->kind = T_INT;
	t->size = t->align = 1u << i;
	t->is_signed = is_signed;
	return t;
}

/* An i64 holding a value of integer type t: truncated to t's size and re-extended. */
static LLVMValueRef norm_int(struct cg *g, LLVMValueRef v, const struct type *t)
{
	if ((t->kind != T_INT && t->kind != T_ENUM) || t->size >= 8)
		return v;
	LLVMValueRef tr = LLVMBuildTrunc(g->B, v, LLVMIntTypeInContext(g->C, t->size * 8), "");
	return t->is_signed ? LLVMBuildSExt(g->B, tr, g->i64, "") : LLVMBuildZExt(g->B, tr, g->i64, "");
}

static void fail(struct cg *g, const struct loc *loc, const char *msg)
{
	diag_error(g->dl, loc, "%s", msg);
	g->failed = true;
}

/* Store a value of type src into dst memory laid out as type dt (dt is src's storage type). */
static void store_as(struct cg *g, LLVMValueRef dst, const struct type *dt, LLVMValueRef v, const struct type *st)
{
	if (is_scalar(dt)) {
		LLVMValueRef x = v;
		if (dt->kind == T_BOOL)
			x = LLVMBuildZExt(g->B, LLVMBuildICmp(g->B, LLVMIntNE, v, ir_i64(g, 0), ""), g->i64, "");
		ir_store_int(g, dst, x, dt->size);
		return;
	}
	if (dt->kind == T_STRING) {
		uint32_t n = st->size < dt->size ? st->size : dt->size;
		if (n < dt->size)
			ir_zero(g, ir_gep(g, dst, n), dt->size - n);
		ir_copy(g, dst, v, n);
		return;
	}
	if (dt->kind == T_TUPLE && st->kind == T_TUPLE && dt->nfields == st->nfields) {
		for (uint32_t i = 0; i < dt->nfields; i++) {
			const struct type *ft = dt->fields[i].type, *sft = st->fields[i].type;
			LLVMValueRef sp = ir_gep(g, v, st->fields[i].offset);
			LLVMValueRef fv = is_scalar(sft) ? ir_load_int(g, sp, sft->size, sft->is_signed) : sp;
			store_as(g, ir_gep(g, dst, dt->fields[i].offset), ft, fv, sft);
		}
		return;
	}
	ir_copy(g, dst, v, dt->size < st->size ? dt->size : st->size);
}

/* ---- maps ------------------------------------------------------------------------------------ */

/* Build the key buffer of a map access; bucket (may be NULL) is appended for hist/lhist. */
static LLVMValueRef map_key(struct cg *g, const struct ast_node *m, LLVMValueRef bucket)
{
	const struct res_map *rm = &g->res->maps.v[m->map.res_id];
	LLVMValueRef key = ir_buf(g, rm->key_size, "key");
	if (rm->key) {
		if (m->map.nkeys == 1) {
			store_as(g, key, rm->key, expr(g, m->map.keys), m->map.keys->type);
		} else {
			int i = 0;
			for (const struct ast_node *k = m->map.keys; k; k = k->next, i++)
				store_as(g, ir_gep(g, key, rm->key->fields[i].offset), rm->key->fields[i].type,
					 expr(g, k), k->type);
		}
	}
	if (bucket)
		ir_store_int(g, ir_gep(g, key, rm->key_size - 8), bucket, 8);
	return key;
}

/* Division and remainder never divide by zero in the IR (LLVM makes that poison, which the
 * verifier then rejects or which yields garbage): x / 0 and x % 0 are 0. */
static LLVMValueRef ir_udivrem(struct cg *g, LLVMValueRef a, LLVMValueRef b, bool rem)
{
	LLVMValueRef zero = LLVMBuildICmp(g->B, LLVMIntEQ, b, ir_i64(g, 0), "");
	LLVMValueRef d = LLVMBuildSelect(g->B, zero, ir_i64(g, 1), b, "");
	LLVMValueRef q = rem ? LLVMBuildURem(g->B, a, d, "") : LLVMBuildUDiv(g->B, a, d, "");
	return LLVMBuildSelect(g->B, zero, ir_i64(g, 0), q, "");
}

/* Signed division for ISA v3 (which has only unsigned division); /0 gives 0. */
static LLVMValueRef ir_sdiv(struct cg *g, LLVMValueRef a, LLVMValueRef b)
{
	LLVMValueRef an = LLVMBuildICmp(g->B, LLVMIntSLT, a, ir_i64(g, 0), "");
	LLVMValueRef bn = LLVMBuildICmp(g->B, LLVMIntSLT, b, ir_i64(g, 0), "");
	LLVMValueRef aa = LLVMBuildSelect(g->B, an, LLVMBuildNeg(g->B, a, ""), a, "");
	LLVMValueRef ab = LLVMBuildSelect(g->B, bn, LLVMBuildNeg(g->B, b, ""), b, "");
	LLVMValueRef q = ir_udivrem(g, aa, ab, false);
	return LLVMBuildSelect(g->B, LLVMBuildXor(g->B, an, bn, ""), LLVMBuildNeg(g->B, q, ""), q, "");
}

/* Signed remainder (sign of the dividend, as in C) with unsigned instructions only; %0 gives 0. */
static LLVMValueRef ir_srem(struct cg *g, LLVMValueRef a, LLVMValueRef b)
{
	LLVMValueRef an = LLVMBuildICmp(g->B, LLVMIntSLT, a, ir_i64(g, 0), "");
	LLVMValueRef bn = LLVMBuildICmp(g->B, LLVMIntSLT, b, ir_i64(g, 0), "");
	LLVMValueRef aa = LLVMBuildSelect(g->B, an, LLVMBuildNeg(g->B, a, ""), a, "");
	LLVMValueRef ab = LLVMBuildSelect(g->B, bn, LLVMBuildNeg(g->B, b, ""), b, "");
	LLVMValueRef r = ir_udivrem(g, aa, ab, true);
	return LLVMBuildSelect(g->B, an, LLVMBuildNeg(g->B, r, ""), r, "");
}

/* Shifts by 64 or more (or a negative amount) give 0, or the sign for an arithmetic right shift,
 * instead of LLVM poison. */
static LLVMValueRef ir_shift(struct cg *g, enum ast_op op, LLVMValueRef a, LLVMValueRef n, bool arith)
{
	LLVMValueRef big = LLVMBuildICmp(g->B, LLVMIntUGE, n, ir_i64(g, 64), "");
	LLVMValueRef amt = LLVMBuildSelect(g->B, big, ir_i64(g, arith ? 63 : 0), n, "");
	if (op == OP_SHL)
		return LLVMBuildSelect(g->B, big, ir_i64(g, 0), LLVMBuildShl(g->B, a, amt, ""), "");
	if (arith)
		return LLVMBuildAShr(g->B, a, amt, "");
	return LLVMBuildSelect(g->B, big, ir_i64(g, 0), LLVMBuildLShr(g->B, a, amt, ""), "");
}

/* The value of an aggregation read in the program: every CPU's slot combined, as printing does
 * (count/sum: total; min/max: over the CPUs that have one; avg: total / count). */
static LLVMValueRef agg_read(struct cg *g, const struct ast_node *m)
{
	const struct res_map *rm = &g->res->maps.v[m->map.res_id];
	const struct type *t = rm->value;
	LLVMValueRef key = map_key(g, m, NULL);
	LLVMValueRef acc = ir_alloca(g, g->i64, "agg_acc"), cnt = ir_alloca(g, g->i64, "agg_cnt");
	LLVMValueRef cpu = ir_alloca(g, g->i64, "agg_cpu");
	LLVMBuildStore(g->B, ir_i64(g, 0), acc);
	LLVMBuildStore(g->B, ir_i64(g, 0), cnt);
	LLVMBuildStore(g->B, ir_i64(g, 0), cpu);
	LLVMBasicBlockRef cond = ir_block(g, "agg_cpu"), body = ir_block(g, "agg_body"), have = ir_block(g, "agg_have");
	LLVMBasicBlockRef next = ir_block(g, "agg_next"), done = ir_block(g, "agg_done");
	LLVMBuildBr(g->B, cond);
	ir_at(g, cond);
	LLVMValueRef c = LLVMBuildLoad2(g->B, g->i64, cpu, "");
	LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntULT, c, ir_i64(g, g->res->ncpus ? g->res->ncpus : 1), ""),
			body, done);
	ir_at(g, body);
	LLVMValueRef args[3] = {g->maps[m->map.res_id], key, LLVMBuildTrunc(g->B, c, g->i32, "")};
	LLVMValueRef p = ir_helper(g, H_map_lookup_percpu_elem, g->ptr, args, 3);
	LLVMBuildCondBr(g->B, LLVMBuildIsNull(g->B, p, ""), next, have);
	ir_at(g, have);
	LLVMValueRef v = ir_load_int(g, p, 8, true), a = LLVMBuildLoad2(g->B, g->i64, acc, "");
	LLVMValueRef n = LLVMBuildLoad2(g->B, g->i64, cnt, "");
	if (t->kind == T_MIN || t->kind == T_MAX) {
		LLVMValueRef set = LLVMBuildICmp(g->B, LLVMIntNE, ir_load_int(g, ir_gep(g, p, 8), 8, false), ir_i64(g, 0), "");
		LLVMIntPredicate pr = t->kind == T_MIN ? (t->is_signed ? LLVMIntSLT : LLVMIntULT)
						       : (t->is_signed ? LLVMIntSGT : LLVMIntUGT);
		LLVMValueRef first = LLVMBuildICmp(g->B, LLVMIntEQ, n, ir_i64(g, 0), "");
		LLVMValueRef take = LLVMBuildAnd(g->B, set, LLVMBuildOr(g->B, first, LLVMBuildICmp(g->B, pr, v, a, ""), ""), "");
		LLVMBuildStore(g->B, LLVMBuildSelect(g->B, take, v, a, ""), acc);
		LLVMBuildStore(g->B, LLVMBuildAdd(g->B, n, LLVMBuildZExt(g->B, set, g->i64, ""), ""), cnt);
	} else {
		LLVMBuildStore(g->B, LLVMBuildAdd(g->B, a, v, ""), acc);
		if (t->kind == T_AVG)
			LLVMBuildStore(g->B, LLVMBuildAdd(g->B, n, ir_load_int(g, ir_gep(g, p, 8), 8, false), ""), cnt);
	}
	LLVMBuildBr(g->B, next);
	ir_at(g, next);
	LLVMBuildStore(g->B, LLVMBuildAdd(g->B, LLVMBuildLoad2(g->B, g->i64, cpu, ""), ir_i64(g, 1), ""), cpu);
	LLVMBuildBr(g->B, cond);
	ir_at(g, done);
	LLVMValueRef total = LLVMBuildLoad2(g->B, g->i64, acc, "");
	if (t->kind != T_AVG)
		return total;
	return ir_sdiv(g, total, LLVMBuildLoad2(g->B, g->i64, cnt, ""));
}

/* Value of @m[k], or zero when absent. */
static LLVMValueRef map_read(struct cg *g, const struct ast_node *m)
{
	const struct res_map *rm = &g->res->maps.v[m->map.res_id];
	const struct type *t = rm->value;
	if (type_is_agg(t))
		return agg_read(g, m);
	LLVMValueRef key = map_key(g, m, NULL);
	LLVMValueRef p = ir_map_lookup(g, g->maps[m->map.res_id], key);
	LLVMBasicBlockRef hit = ir_block(g, "map_hit"), miss = ir_block(g, "map_miss"), done = ir_block(g, "map_done");
	LLVMBuildCondBr(g->B, LLVMBuildIsNull(g->B, p, ""), miss, hit);
	if (is_scalar(t)) {
		ir_at(g, hit);
		LLVMValueRef v = ir_load_int(g, p, t->size, t->kind == T_INT ? t->is_signed : false);
		LLVMBasicBlockRef hit_end = LLVMGetInsertBlock(g->B);
		LLVMBuildBr(g->B, done);
		ir_at(g, miss);
		LLVMBuildBr(g->B, done);
		ir_at(g, done);
		LLVMValueRef phi = LLVMBuildPhi(g->B, g->i64, "mapval");
		LLVMValueRef vals[2] = {v, ir_i64(g, 0)};
		LLVMBasicBlockRef bbs[2] = {hit_end, miss};
		LLVMAddIncoming(phi, vals, bbs, 2);
		return phi;
	}
	LLVMValueRef b = ir_buf_nozero(g, t->size, "mapval");
	ir_at(g, hit);
	ir_copy(g, b, p, t->size);
	LLVMBuildBr(g->B, done);
	ir_at(g, miss);
	ir_zero(g, b, t->size);
	LLVMBuildBr(g->B, done);
	ir_at(g, done);
	return b;
}

static void map_write(struct cg *g, const struct ast_node *m, LLVMValueRef v, const struct type *vt)
{
	const struct res_map *rm = &g->res->maps.v[m->map.res_id];
	LLVMValueRef key = map_key(g, m, NULL);
	LLVMValueRef val = ir_buf(g, rm->value_size, "val");
	store_as(g, val, rm->value, v, vt);
	ir_map_update(g, g->maps[m->map.res_id], key, val, BPF_ANY);
}

/* floor(log2(v)) for v > 0 */
static LLVMValueRef ir_log2(struct cg *g, LLVMValueRef v)
{
	LLVMTypeRef ovl = g->i64;
	unsigned id = LLVMLookupIntrinsicID("llvm.ctlz", 9);
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->M, id, &ovl, 1);
	LLVMTypeRef fty = LLVMIntrinsicGetType(g->C, id, &ovl, 1);
	LLVMValueRef args[2] = {v, LLVMConstInt(g->i1, 1, 0)};
	LLVMValueRef clz = LLVMBuildCall2(g->B, fty, fn, args, 2, "clz");
	return LLVMBuildSub(g->B, ir_i64(g, 63), clz, "log2");
}

/* Bucket index; must match rt_hist_index/rt_lhist_index in src/runtime (docs/internals.md). */
static LLVMValueRef hist_index(struct cg *g, LLVMValueRef v, int k)
{
	LLVMValueRef neg = LLVMBuildICmp(g->B, LLVMIntSLT, v, ir_i64(g, 0), "");
	LLVMValueRef small = LLVMBuildICmp(g->B, LLVMIntSLT, v, ir_i64(g, 2ull << k), "");
	LLVMValueRef vpos = LLVMBuildSelect(g->B, LLVMBuildICmp(g->B, LLVMIntSLT, v, ir_i64(g, 1), ""), ir_i64(g, 1), v, "");
	LLVMValueRef b = ir_log2(g, vpos);
	LLVMValueRef bk = LLVMBuildSub(g->B, b, ir_i64(g, (uint64_t)k), "");
	/* ((b-k+1) << k) + ((v >> (b-k)) - 2^k) + 1 */
	LLVMValueRef hi = LLVMBuildShl(g->B, LLVMBuildAdd(g->B, bk, ir_i64(g, 1), ""), ir_i64(g, (uint64_t)k), "");
	LLVMValueRef lo = LLVMBuildSub(g->B, LLVMBuildLShr(g->B, vpos, bk, ""), ir_i64(g, 1ull << k), "");
	LLVMValueRef big = LLVMBuildAdd(g->B, LLVMBuildAdd(g->B, hi, lo, ""), ir_i64(g, 1), "");
	LLVMValueRef r = LLVMBuildSelect(g->B, small, LLVMBuildAdd(g->B, v, ir_i64(g, 1), ""), big, "");
	return LLVMBuildSelect(g->B, neg, ir_i64(g, 0), r, "bucket");
}

static LLVMValueRef lhist_index(struct cg *g, LLVMValueRef v, const struct type *t)
{
	uint64_t nb = (uint64_t)((t->lh_max - t->lh_min) / t->lh_step);
	LLVMValueRef under = LLVMBuildICmp(g->B, LLVMIntSLT, v, ir_i64(g, (uint64_t)t->lh_min), "");
	LLVMValueRef over = LLVMBuildICmp(g->B, LLVMIntSGE, v, ir_i64(g, (uint64_t)t->lh_max), "");
	LLVMValueRef d = LLVMBuildSub(g->B, v, ir_i64(g, (uint64_t)t->lh_min), "");
	LLVMValueRef mid = LLVMBuildAdd(g->B, LLVMBuildUDiv(g->B, d, ir_i64(g, (uint64_t)t->lh_step), ""), ir_i64(g, 1), "");
	LLVMValueRef r = LLVMBuildSelect(g->B, over, ir_i64(g, nb + 1), mid, "");
	return LLVMBuildSelect(g->B, under, ir_i64(g, 0), r, "bucket");
}

/* @m[k] = agg(v): per-CPU map, so plain read-modify-write is safe. */
static void agg_update(struct cg *g, const struct ast_node *m, const struct ast_node *call)
{
	const struct res_map *rm = &g->res->maps.v[m->map.res_id];
	const struct type *t = rm->value;
	LLVMValueRef v = call->call.args ? expr(g, call->call.args) : ir_i64(g, 1);
	LLVMValueRef bucket = NULL;
	if (t->kind == T_HIST)
		bucket = hist_index(g, v, t->hist_k);
	else if (t->kind == T_LHIST)
		bucket = lhist_index(g, v, t);
	LLVMValueRef key = map_key(g, m, bucket);
	LLVMValueRef map = g->maps[m->map.res_id];
	LLVMValueRef p = ir_map_lookup(g, map, key);
	LLVMBasicBlockRef hit = ir_block(g, "agg_hit"), miss = ir_block(g, "agg_miss"), done = ir_block(g, "agg_done");
	LLVMBuildCondBr(g->B, LLVMBuildIsNull(g->B, p, ""), miss, hit);

	/* existing element */
	ir_at(g, hit);
	LLVMValueRef p8 = ir_gep(g, p, 8);
	switch (t->kind) {
	case T_COUNT:
	case T_HIST:
	case T_LHIST:
		ir_store_int(g, p, LLVMBuildAdd(g->B, ir_load_int(g, p, 8, false), ir_i64(g, 1), ""), 8);
		break;
	case T_SUM:
		ir_store_int(g, p, LLVMBuildAdd(g->B, ir_load_int(g, p, 8, false), v, ""), 8);
		break;
	case T_MIN:
	case T_MAX: {
		LLVMValueRef cur = ir_load_int(g, p, 8, true);
		LLVMIntPredicate pr = t->kind == T_MIN ? (t->is_signed ? LLVMIntSLT : LLVMIntULT)
						       : (t->is_signed ? LLVMIntSGT : LLVMIntUGT);
		LLVMValueRef better = LLVMBuildICmp(g->B, pr, v, cur, "");
		LLVMValueRef unset = LLVMBuildICmp(g->B, LLVMIntEQ, ir_load_int(g, p8, 8, false), ir_i64(g, 0), "");
		ir_store_int(g, p, LLVMBuildSelect(g->B, LLVMBuildOr(g->B, better, unset, ""), v, cur, ""), 8);
		ir_store_int(g, p8, ir_i64(g, 1), 8);
		break;
	}
	case T_AVG:
	case T_STATS:
		ir_store_int(g, p, LLVMBuildAdd(g->B, ir_load_int(g, p, 8, false), v, ""), 8);
		ir_store_int(g, p8, LLVMBuildAdd(g->B, ir_load_int(g, p8, 8, false), ir_i64(g, 1), ""), 8);
		break;
	default:
		break;
	}
	LLVMBuildBr(g->B, done);

	/* new element */
	ir_at(g, miss);
	LLVMValueRef init = ir_buf(g, rm->value_size, "agg_init");
	switch (t->kind) {
	case T_COUNT:
	case T_HIST:
	case T_LHIST:
		ir_store_int(g, init, ir_i64(g, 1), 8);
		break;
	case T_SUM:
		ir_store_int(g, init, v, 8);
		break;
	case T_MIN:
	case T_MAX:
	case T_AVG:
	case T_STATS:
		ir_store_int(g, init, v, 8);
		ir_store_int(g, ir_gep(g, init, 8), ir_i64(g, 1), 8);
		break;
	default:
		break;
	}
	ir_map_update(g, map, key, init, BPF_ANY);
	LLVMBuildBr(g->B, done);
	ir_at(g, done);
}

/* ---- events ---------------------------------------------------------------------------------- */

static LLVMValueRef event_buf(struct cg *g, uint32_t kind, uint32_t id, uint32_t payload)
{
	LLVMValueRef b = ir_buf(g, (uint32_t)sizeof(struct event_hdr) + payload, "event");
	ir_store_int(g, b, ir_i64(g, kind), 4);
	ir_store_int(g, ir_gep(g, b, 4), ir_i64(g, id), 4);
	return b;
}

static void emit_fmt(struct cg *g, const struct ast_node *call, const struct ast_node *args, uint32_t kind)
{
	if (call->call.res_id < 0 || (size_t)call->call.res_id >= g->res->fmts.n) {
		fail(g, &call->loc, "internal: formatted output without a resource");
		return;
	}
	const struct res_printf *f = &g->res->fmts.v[call->call.res_id];
	/* evaluate arguments first: they may need their own buffers and control flow */
	LLVMValueRef vals[128];
	uint32_t i = 0;
	for (const struct ast_node *a = args; a && i < f->nargs; a = a->next)
		vals[i++] = expr(g, a);
	LLVMValueRef b = event_buf(g, kind, (uint32_t)call->call.res_id, f->size);
	i = 0;
	for (const struct ast_node *a = args; a && i < f->nargs; a = a->next, i++)
		store_as(g, ir_gep(g, b, (uint32_t)sizeof(struct event_hdr) + f->args[i].offset), f->args[i].type,
			 vals[i], a->type);
	ir_output(g, b, (uint32_t)sizeof(struct event_hdr) + f->size);
}

static void call_stmt(struct cg *g, const struct ast_node *e)
{
	const struct ast_node *a = e->call.args;
	switch (e->call.id) {
	case BI_PRINTF:
		emit_fmt(g, e, a->next, EV_PRINTF);
		break;
	case BI_PRINT:
		if (a->kind == AST_MAP && !a->map.keys && e->call.res_id >= 0 && a->map.res_id == e->call.res_id) {
			LLVMValueRef b = event_buf(g, EV_PRINT, (uint32_t)e->call.res_id, 16);
			int i = 0;
			for (const struct ast_node *x = a->next; x; x = x->next, i++)
				ir_store_int(g, ir_gep(g, b, 8 + 8 * i), ir_i64(g, x->num.value), 8);
			ir_output(g, b, 8 + 16);
		} else {
			emit_fmt(g, e, a, EV_PRINT_VALUE);
		}
		break;
	case BI_TIME:
		emit_fmt(g, e, NULL, EV_FORMATTED);
		break;
	case BI_JOIN: {
		/* up to JOIN_MAX_ARGS strings of the NULL-terminated pointer array, joined in user space */
		const struct res_printf *f = &g->res->fmts.v[e->call.res_id];
		bool user = a->type->kind != T_PTR || a->type->as != AS_KERNEL;
		LLVMValueRef argv = expr(g, a);
		LLVMValueRef b = event_buf(g, EV_FORMATTED, (uint32_t)e->call.res_id, f->size);
		LLVMValueRef pslot = ir_buf(g, 8, "argp");
		LLVMValueRef count = ir_alloca(g, g->i64, "join_n");
		LLVMBuildStore(g->B, ir_i64(g, 0), count);
		LLVMBasicBlockRef done = ir_block(g, "join_done");
		for (uint32_t i = 0; i < JOIN_MAX_ARGS; i++) {
			LLVMValueRef src = LLVMBuildIntToPtr(g->B, LLVMBuildAdd(g->B, argv, ir_i64(g, 8 * i), ""), g->ptr, "");
			LLVMValueRef ra[3] = {pslot, ir_i32(g, 8), src};
			ir_helper(g, user ? H_probe_read_user : H_probe_read_kernel, g->i64, ra, 3);
			LLVMValueRef p = ir_load_int(g, pslot, 8, false);
			LLVMBasicBlockRef more = ir_block(g, "join_arg");
			LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, p, ir_i64(g, 0), ""), done, more);
			ir_at(g, more);
			LLVMValueRef dst = ir_gep(g, b, 8 + 8 + i * JOIN_ARG_SIZE);
			LLVMValueRef sa[3] = {dst, ir_i32(g, JOIN_ARG_SIZE), LLVMBuildIntToPtr(g->B, p, g->ptr, "")};
			ir_helper(g, user ? H_probe_read_user_str : H_probe_read_kernel_str, g->i64, sa, 3);
			LLVMBuildStore(g->B, ir_i64(g, i + 1), count);
		}
		LLVMBuildBr(g->B, done);
		ir_at(g, done);
		ir_store_int(g, ir_gep(g, b, 8), LLVMBuildLoad2(g->B, g->i64, count, ""), 8);
		ir_output(g, b, 8 + f->size);
		break;
	}
	case BI_ERRORF:
	case BI_WARNF:
		emit_fmt(g, e, a->next, EV_FORMATTED);
		break;
	case BI_DEBUGF: {
		/* bpf_trace_vprintk(fmt in .rodata, its size, u64 args[], their size): integers by
		 * value, strings by the address of their buffer */
		LLVMValueRef str = LLVMConstStringInContext(g->C, a->str.s, (unsigned)a->str.len, 0);
		LLVMValueRef fmt = LLVMAddGlobal(g->M, LLVMTypeOf(str), "debugf_fmt");
		LLVMSetInitializer(fmt, str);
		LLVMSetGlobalConstant(fmt, 1);
		LLVMSetLinkage(fmt, LLVMPrivateLinkage);
		LLVMSetSection(fmt, ".rodata");
		uint32_t n = 0;
		for (const struct ast_node *x = a->next; x; x = x->next)
			n++;
		LLVMValueRef data = n ? ir_buf_nozero(g, 8 * n, "debugf_args") : LLVMConstNull(g->ptr);
		uint32_t i = 0;
		for (const struct ast_node *x = a->next; x; x = x->next, i++) {
			LLVMValueRef v = expr(g, x);
			if (x->type->kind == T_STRING)
				v = LLVMBuildPtrToInt(g->B, v, g->i64, "");
			ir_store_int(g, ir_gep(g, data, 8 * i), v, 8);
		}
		LLVMValueRef args[4] = {fmt, ir_i32(g, (uint32_t)a->str.len + 1), data, ir_i32(g, 8 * n)};
		ir_helper(g, H_trace_vprintk, g->i64, args, 4);
		break;
	}
	case BI_ASSERT: {
		/* a failed assertion reports an error at its location and exits with status 1 */
		LLVMValueRef c = expr(g, a);
		LLVMBasicBlockRef bad = ir_block(g, "assert_failed"), ok = ir_block(g, "assert_ok");
		LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntNE, c, ir_i64(g, 0), ""), ok, bad);
		ir_at(g, bad);
		emit_fmt(g, e, NULL, EV_FORMATTED);
		LLVMValueRef b = event_buf(g, EV_EXIT, 0, 8);
		ir_store_int(g, ir_gep(g, b, 8), ir_i64(g, 1), 8);
		ir_output(g, b, 16);
		LLVMBuildBr(g->B, g->ret0);
		ir_at(g, ok);
		break;
	}
	case BI_SIGNAL:
	case BI_SIGNAL_THREAD: {
		LLVMValueRef sig = LLVMBuildTrunc(g->B, expr(g, a), g->i32, "");
		ir_helper(g, e->call.id == BI_SIGNAL ? H_send_signal : H_send_signal_thread, g->i64, &sig, 1);
		break;
	}
	case BI_ZERO: {
		LLVMValueRef b = event_buf(g, EV_ZERO, (uint32_t)e->call.res_id, 0);
		ir_output(g, b, 8);
		break;
	}
	case BI_CAT:
	case BI_SYSTEM:
		emit_fmt(g, e, a->next, EV_FORMATTED);
		break;
	case BI_CLEAR: {
		LLVMValueRef b = event_buf(g, EV_CLEAR, (uint32_t)e->call.res_id, 0);
		ir_output(g, b, 8);
		break;
	}
	case BI_EXIT: {
		LLVMValueRef code = a ? expr(g, a) : ir_i64(g, 0);
		LLVMValueRef b = event_buf(g, EV_EXIT, 0, 8);
		ir_store_int(g, ir_gep(g, b, 8), code, 8);
		ir_output(g, b, 16);
		break;
	}
	case BI_STATIC_ASSERT: /* checked by sema; nothing happens at run time */
		break;
	case BI_DELETE: {
		LLVMValueRef key = map_key(g, a, NULL);
		ir_map_delete(g, g->maps[a->map.res_id], key);
		break;
	}
	default:
		(void)expr(g, e);
		break;
	}
}

/* ---- expressions ----------------------------------------------------------------------------- */

static LLVMValueRef load_mem(struct cg *g, LLVMValueRef addr, const struct type *t, const struct type_field *bits,
			     enum addrspace as);

/* Argument n (-1: return value) of this target, where its provider says it is. */
static LLVMValueRef arg_at(struct cg *g, const struct ast_node *e, int n)
{
	struct probe_arg_loc loc;
	if (g->rp->prov->arg_loc(g->rp, n, &loc)) {
		fail(g, &e->loc, "internal: argument without a location");
		return ir_i64(g, 0);
	}
	const struct type *t = type_int_static(loc.size, loc.is_signed);
	switch (loc.kind) {
	case PARG_CONST:
		return ir_i64(g, (uint64_t)loc.value);
	case PARG_CTX:
		return norm_int(g, ir_load_int(g, ir_gep(g, g->ctx, (uint32_t)loc.ctx_offset), 8, false), t);
	case PARG_MEM: {
		LLVMValueRef base = ir_load_int(g, ir_gep(g, g->ctx, (uint32_t)loc.ctx_offset), 8, false);
		LLVMValueRef addr = LLVMBuildAdd(g->B, base, ir_i64(g, (uint64_t)loc.value), "");
		return load_mem(g, addr, t, NULL, loc.user ? AS_USER : AS_KERNEL);
	}
	}
	return ir_i64(g, 0);
}

static LLVMValueRef builtin(struct cg *g, const struct ast_node *e, enum builtin_id id)
{
	switch (id) {
	case BI_PID:
	case BI_TID: {
		if (e->kind == AST_CALL && e->call.res_id == 1) {
			/* pid(curr_ns): struct bpf_pidns_info { u32 pid; u32 tgid; } for the namespace */
			LLVMValueRef info = ir_buf(g, 8, "pidns_info");
			LLVMValueRef args[4] = {ir_i64(g, e->call.args->num.value), ir_i64(g, e->call.args->next->num.value),
						info, ir_i32(g, 8)};
			ir_helper(g, H_get_ns_current_pid_tgid, g->i64, args, 4);
			return ir_load_int(g, ir_gep(g, info, id == BI_PID ? 4 : 0), 4, false);
		}
		LLVMValueRef v = ir_helper(g, H_get_current_pid_tgid, g->i64, NULL, 0);
		return id == BI_PID ? LLVMBuildLShr(g->B, v, ir_i64(g, 32), "pid")
				    : LLVMBuildAnd(g->B, v, ir_i64(g, 0xffffffffu), "tid");
	}
	case BI_UID:
	case BI_GID: {
		LLVMValueRef v = ir_helper(g, H_get_current_uid_gid, g->i64, NULL, 0);
		return id == BI_GID ? LLVMBuildLShr(g->B, v, ir_i64(g, 32), "gid")
				    : LLVMBuildAnd(g->B, v, ir_i64(g, 0xffffffffu), "uid");
	}
	case BI_NSECS: {
		/* nsecs / nsecs(boot) / nsecs(monotonic) / nsecs(tai) */
		static const int clocks[] = {H_ktime_get_boot_ns, H_ktime_get_ns, H_ktime_get_tai_ns};
		int c = e->kind == AST_CALL && e->call.nargs == 1 ? e->call.res_id : 0;
		return ir_helper(g, clocks[c >= 0 && c < 3 ? c : 0], g->i64, NULL, 0);
	}
	case BI_USERMODE: {
		uint64_t mask, value;
		int off = probe_regs_mode(&mask, &value);
		LLVMValueRef r = ir_load_int(g, ir_gep(g, g->ctx, (uint32_t)off), 8, false);
		LLVMValueRef m = LLVMBuildAnd(g->B, r, ir_i64(g, mask), "");
		return LLVMBuildZExt(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, m, ir_i64(g, value), ""), g->i64, "");
	}
	case BI_ELAPSED: {
		LLVMValueRef now = ir_helper(g, H_ktime_get_boot_ns, g->i64, NULL, 0);
		LLVMValueRef key = ir_buf_nozero(g, 4, "cfgkey");
		LLVMBuildStore(g->B, ir_i32(g, CG_CFG_START_NS), key);
		LLVMValueRef p = ir_map_lookup(g, g->cfg, key);
		LLVMBasicBlockRef hit = ir_block(g, "start_hit"), done = ir_block(g, "start_done");
		LLVMBasicBlockRef from = LLVMGetInsertBlock(g->B);
		LLVMBuildCondBr(g->B, LLVMBuildIsNull(g->B, p, ""), done, hit);
		ir_at(g, hit);
		LLVMValueRef st = ir_load_int(g, p, 8, false);
		LLVMBuildBr(g->B, done);
		ir_at(g, done);
		LLVMValueRef phi = LLVMBuildPhi(g->B, g->i64, "start");
		LLVMValueRef vals[2] = {st, now};
		LLVMBasicBlockRef bbs[2] = {hit, from};
		LLVMAddIncoming(phi, vals, bbs, 2);
		return LLVMBuildSub(g->B, now, phi, "elapsed");
	}
	case BI_CPU:
		return ir_helper(g, H_get_smp_processor_id, g->i64, NULL, 0);
	case BI_COMM: {
		LLVMValueRef b = ir_buf(g, 16, "comm");
		LLVMValueRef args[2] = {b, ir_i32(g, 16)};
		ir_helper(g, H_get_current_comm, g->i64, args, 2);
		return b;
	}
	case BI_PROBE:
		return ir_i64(g, (uint64_t)g->probe_id);
	case BI_CURTASK:
		return ir_helper(g, H_get_current_task, g->i64, NULL, 0);
	case BI_RAND:
		return ir_helper(g, H_get_prandom_u32, g->i64, NULL, 0);
	case BI_FUNC: {
		LLVMValueRef ip = ir_helper(g, H_get_func_ip, g->i64, &g->ctx, 1);
		if (e->type->kind != T_USYM)
			return ip;
		LLVMValueRef b = ir_buf(g, 16, "func");
		ir_store_int(g, b, ip, 8);
		LLVMValueRef pt = ir_helper(g, H_get_current_pid_tgid, g->i64, NULL, 0);
		ir_store_int(g, ir_gep(g, b, 8), LLVMBuildLShr(g->B, pt, ir_i64(g, 32), ""), 8);
		return b;
	}
	case BI_KSTACK:
	case BI_USTACK: {
		/* { u64 nframes; u64 pid; u64 ip[limit] } from bpf_get_stack */
		const struct type *t = e->type;
		LLVMValueRef b = ir_buf(g, t->size, "stack");
		LLVMValueRef args[4] = {g->ctx, ir_gep(g, b, 16), ir_i32(g, 8 * t->nelem),
					ir_i64(g, id == BI_USTACK ? 256 /* BPF_F_USER_STACK */ : 0)};
		LLVMValueRef n = ir_helper(g, H_get_stack, g->i64, args, 4);
		LLVMValueRef ok = LLVMBuildICmp(g->B, LLVMIntSGT, n, ir_i64(g, 0), "");
		ir_store_int(g, b, LLVMBuildSelect(g->B, ok, LLVMBuildLShr(g->B, n, ir_i64(g, 3), ""), ir_i64(g, 0), ""), 8);
		if (id == BI_USTACK) {
			LLVMValueRef pt = ir_helper(g, H_get_current_pid_tgid, g->i64, NULL, 0);
			ir_store_int(g, ir_gep(g, b, 8), LLVMBuildLShr(g->B, pt, ir_i64(g, 32), ""), 8);
		}
		return b;
	}
	case BI_USERNAME: {
		LLVMValueRef v = ir_helper(g, H_get_current_uid_gid, g->i64, NULL, 0);
		return LLVMBuildAnd(g->B, v, ir_i64(g, 0xffffffffu), "uid");
	}
	case BI_NUMAID:
		return ir_helper(g, H_get_numa_node_id, g->i64, NULL, 0);
	case BI_JIFFIES:
		return ir_helper(g, H_jiffies64, g->i64, NULL, 0);
	case BI_CGROUP:
		return ir_helper(g, H_get_current_cgroup_id, g->i64, NULL, 0);
	case BI_ARGN:
	case BI_RETVAL: {
		if (g->rp->prov->arg_loc)
			return arg_at(g, e, id == BI_ARGN ? builtin_argn(e->ident.name) : -1);
		/* a 64-bit slot of the context (pt_regs, or the raw tracepoint argument array) */
		int off = g->rp->prov->ctx_offset
				  ? g->rp->prov->ctx_offset(id == BI_ARGN ? PCTX_ARG : PCTX_RETVAL,
							    id == BI_ARGN ? builtin_argn(e->ident.name) : 0)
				  : -1;
		if (off < 0) {
			fail(g, &e->loc, "internal: context value without an offset");
			return ir_i64(g, 0);
		}
		return ir_load_int(g, ir_gep(g, g->ctx, (uint32_t)off), 8, false);
	}
	case BI_ARGS:
	case BI_CTX:
		return g->ctx;
	default:
		fail(g, &e->loc, "internal: builtin without code generation");
		return ir_i64(g, 0);
	}
}

/* Element i of a tuple or record value held in our own memory. */
static LLVMValueRef tuple_elem(struct cg *g, const struct ast_node *base, uint32_t i)
{
	const struct type *t = base->type;
	LLVMValueRef p = ir_gep(g, expr(g, base), t->fields[i].offset);
	const struct type *ft = t->fields[i].type;
	return is_scalar(ft) ? ir_load_int(g, p, ft->size, ft->kind == T_INT && ft->is_signed) : p;
}

static LLVMValueRef tuple_value(struct cg *g, const struct ast_node *e)
{
	const struct type *t = e->type;
	LLVMValueRef b = ir_buf(g, t->size, e->kind == AST_RECORD ? "record" : "tuple");
	uint32_t i = 0;
	for (const struct ast_node *x = e->tuple.elems; x && i < t->nfields; x = x->next, i++) {
		const struct ast_node *v = e->kind == AST_RECORD ? x->config_item.value : x;
		store_as(g, ir_gep(g, b, t->fields[i].offset), t->fields[i].type, expr(g, v), v->type);
	}
	return b;
}

static const struct type_field *find_field(const struct type *st, const char *name)
{
	for (uint32_t i = 0; st && i < st->nfields; i++)
		if (!strcmp(st->fields[i].name, name))
			return &st->fields[i];
	return NULL;
}

/* Read `size` bytes at the (kernel or user) address `addr` into a new buffer. */
static LLVMValueRef read_mem(struct cg *g, LLVMValueRef addr, uint32_t size, enum addrspace as)
{
	LLVMValueRef b = ir_buf(g, size, "mem");
	LLVMValueRef args[3] = {b, ir_i32(g, size), LLVMBuildIntToPtr(g->B, addr, g->ptr, "")};
	ir_helper(g, as == AS_USER ? H_probe_read_user : H_probe_read_kernel, g->i64, args, 3);
	return b;
}

/* A value of type t at address addr in kernel/user memory: scalars as i64 (bitfields extracted),
 * anything else as a private copy. */
static LLVMValueRef load_mem(struct cg *g, LLVMValueRef addr, const struct type *t, const struct type_field *bits,
			     enum addrspace as)
{
	LLVMValueRef b = read_mem(g, addr, t->size ? t->size : 1, as);
	if (!is_scalar(t))
		return b;
	LLVMValueRef v = ir_load_int(g, b, t->size, t->kind == T_INT && t->is_signed);
	if (bits && bits->bit_width && bits->bit_width < 64) {
		/* move the field to the top bits, then shift it down (arithmetically when signed) */
		unsigned top = 64 - bits->bit_offset - bits->bit_width;
		if (t->size < 8)
			v = LLVMBuildAnd(g->B, v, ir_i64(g, t->size == 4 ? 0xffffffffull : (1ull << (8 * t->size)) - 1), "");
		v = LLVMBuildShl(g->B, v, ir_i64(g, top), "");
		v = t->is_signed ? LLVMBuildAShr(g->B, v, ir_i64(g, 64 - bits->bit_width), "")
				 : LLVMBuildLShr(g->B, v, ir_i64(g, 64 - bits->bit_width), "");
	}
	return v;
}

/* The address of a struct value that lives in kernel/user memory (a field reached through a
 * pointer, or *p), so chains like curtask->mm->... read only the final field. NULL when the struct
 * is a value in our own memory. */
static LLVMValueRef struct_addr(struct cg *g, const struct ast_node *e, enum addrspace *as)
{
	if (e->kind == AST_UNOP && e->unop.op == OP_DEREF) {
		*as = e->unop.e->type->as;
		return expr(g, e->unop.e);
	}
	if (e->kind == AST_INDEX && e->index.e->type->kind != T_TUPLE)
		return elem_addr(g, e, as);
	if (e->kind != AST_FIELD || (e->field.e->kind == AST_IDENT && e->field.e->ident.id == BI_ARGS))
		return NULL;
	const struct ast_node *base = e->field.e;
	const struct type *bt = base->type;
	LLVMValueRef addr;
	if (bt->kind == T_PTR) {
		*as = bt->as;
		addr = expr(g, base);
		bt = bt->elem;
	} else if (bt->kind == T_STRUCT) {
		addr = struct_addr(g, base, as);
	} else {
		return NULL;
	}
	const struct type_field *f = addr ? find_field(bt, e->field.name) : NULL;
	return f ? LLVMBuildAdd(g->B, addr, ir_i64(g, f->offset), "") : NULL;
}

/* The address of base[index] when the element lives in kernel/user memory (base a pointer, or an
 * array field reached through one), else NULL. */
static LLVMValueRef elem_addr(struct cg *g, const struct ast_node *e, enum addrspace *as)
{
	const struct ast_node *base = e->index.e;
	const struct type *bt = base->type;
	const struct type *el = bt->kind == T_STRING ? NULL : bt->elem;
	uint32_t esize = el ? el->size : 1;
	LLVMValueRef addr = NULL;
	if (bt->kind == T_PTR) {
		*as = bt->as;
		addr = expr(g, base);
	} else if (base->kind == AST_FIELD && !(base->field.e->kind == AST_IDENT && base->field.e->ident.id == BI_ARGS)) {
		/* an array member: the address of the struct that holds it, plus its offset */
		const struct ast_node *sb = base->field.e;
		const struct type *st = sb->type->kind == T_PTR ? sb->type->elem : sb->type;
		const struct type_field *f = find_field(st, base->field.name);
		LLVMValueRef saddr = NULL;
		if (sb->type->kind == T_PTR) {
			*as = sb->type->as;
			saddr = expr(g, sb);
		} else {
			saddr = struct_addr(g, sb, as);
		}
		if (!saddr || !f)
			return NULL;
		addr = LLVMBuildAdd(g->B, saddr, ir_i64(g, f->offset), "");
	} else {
		return NULL;
	}
	LLVMValueRef off = LLVMBuildMul(g->B, expr(g, e->index.index), ir_i64(g, esize), "");
	return LLVMBuildAdd(g->B, addr, off, "");
}

/* base[index] for pointers, arrays and strings. Elements in our own memory are bounds-checked
 * (an index out of range reads as zero). */
static LLVMValueRef index_elem(struct cg *g, const struct ast_node *e)
{
	const struct type *t = e->type;
	enum addrspace as = AS_KERNEL;
	LLVMValueRef addr = elem_addr(g, e, &as);
	if (addr)
		return load_mem(g, addr, t, NULL, as);
	const struct type *bt = e->index.e->type;
	uint32_t n = bt->kind == T_STRING ? bt->size : bt->nelem, esize = t->size;
	LLVMValueRef base = expr(g, e->index.e);
	LLVMValueRef i = expr(g, e->index.index);
	LLVMValueRef out = is_scalar(t) ? ir_alloca(g, g->i64, "elem") : ir_buf(g, t->size, "elem");
	if (is_scalar(t))
		LLVMBuildStore(g->B, ir_i64(g, 0), out);
	LLVMBasicBlockRef in = ir_block(g, "index_in"), done = ir_block(g, "index_done");
	LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntULT, i, ir_i64(g, n), ""), in, done);
	ir_at(g, in);
	/* opaque to LLVM, so that `base + off` stays an add (the verifier refuses pointer ORs, which
	 * LLVM would use for an aligned base and a small known offset) */
	LLVMValueRef off = ir_opaque(g, LLVMBuildMul(g->B, i, ir_i64(g, esize), ""));
	LLVMValueRef p = LLVMBuildGEP2(g->B, g->i8, base, &off, 1, "");
	if (is_scalar(t))
		LLVMBuildStore(g->B, ir_load_int(g, p, t->size, t->kind == T_INT && t->is_signed), out);
	else
		ir_copy(g, out, p, t->size);
	LLVMBuildBr(g->B, done);
	ir_at(g, done);
	return is_scalar(t) ? LLVMBuildLoad2(g->B, g->i64, out, "") : out;
}

static LLVMValueRef field(struct cg *g, const struct ast_node *e)
{
	const struct ast_node *base = e->field.e;
	const struct type *bt = base->type;
	if (bt->kind == T_TUPLE || bt->kind == T_RECORD) {
		for (uint32_t i = 0; i < bt->nfields; i++)
			if (!strcmp(bt->fields[i].name, e->field.name))
				return tuple_elem(g, base, i);
	}
	bool is_args = base->kind == AST_IDENT && (base->ident.id == BI_ARGS || base->ident.id == BI_CTX);
	/* `args` of this target (wildcards may differ in offsets); else the struct or pointee */
	const struct type *st = is_args ? g->rp->args : bt->kind == T_PTR ? bt->elem : bt;
	const struct type_field *f = find_field(st, e->field.name);
	if (!f) {
		fail(g, &e->loc, "internal: field not found in code generation");
		return ir_i64(g, 0);
	}
	const struct type *ft = f->type;
	if (is_args) {
		/* the tracepoint record is the context: scalars are read directly */
		LLVMValueRef fp = ir_gep(g, g->ctx, f->offset);
		if (ft->kind == T_PTR && g->rp->prov->ctx_ptrs_nullable) {
			/* iterator context pointers may be NULL (trusted_ptr_or_null): read them as plain
			 * values so that field chains go through probe reads */
			LLVMValueRef b = ir_buf(g, 8, "ctxptr");
			LLVMValueRef args[3] = {b, ir_i32(g, 8), fp};
			ir_helper(g, H_probe_read_kernel, g->i64, args, 3);
			return ir_load_int(g, b, 8, false);
		}
		if (is_scalar(ft))
			return ir_load_int(g, fp, ft->size, ft->kind == T_INT && ft->is_signed);
		LLVMValueRef b = ir_buf(g, ft->size, "fld");
		LLVMValueRef args[3] = {b, ir_i32(g, ft->size), fp};
		ir_helper(g, H_probe_read_kernel, g->i64, args, 3);
		return b;
	}
	enum addrspace as = AS_KERNEL;
	LLVMValueRef addr = NULL;
	if (bt->kind == T_PTR) {
		as = bt->as;
		addr = expr(g, base);
	} else {
		addr = struct_addr(g, base, &as);
	}
	if (addr)
		return load_mem(g, LLVMBuildAdd(g->B, addr, ir_i64(g, f->offset), ""), ft, f, as);
	/* a struct value in our own memory */
	LLVMValueRef fp = ir_gep(g, expr(g, base), f->offset);
	if (!is_scalar(ft))
		return fp;
	return ir_load_int(g, fp, ft->size, ft->kind == T_INT && ft->is_signed);
}

/* buf(ptr, len) / buf(array): { u32 len; u8 data[len] } */
static LLVMValueRef buf_call(struct cg *g, const struct ast_node *e)
{
	const struct ast_node *a = e->call.args;
	uint32_t len = e->type->size - 4;
	LLVMValueRef b = ir_buf(g, e->type->size, "buf");
	LLVMValueRef src = expr(g, a);
	if (a->type->kind == T_ARRAY || a->type->kind == T_STRING) {
		ir_copy(g, ir_gep(g, b, 4), src, len < a->type->size ? len : a->type->size);
	} else if (len) {
		int helper = a->type->kind == T_PTR && a->type->as == AS_USER     ? H_probe_read_user
			     : a->type->kind == T_PTR && a->type->as == AS_KERNEL ? H_probe_read_kernel
										  : H_probe_read;
		LLVMValueRef args[3] = {ir_gep(g, b, 4), ir_i32(g, len), LLVMBuildIntToPtr(g->B, src, g->ptr, "")};
		ir_helper(g, helper, g->i64, args, 3);
	}
	ir_store_int(g, b, ir_i64(g, len), 4);
	return b;
}

/* ntop([af,] addr): { i64 af; u8 addr[16] } for inet_ntop at print time */
static LLVMValueRef ntop_call(struct cg *g, const struct ast_node *e)
{
	const struct ast_node *a = e->call.nargs == 2 ? e->call.args->next : e->call.args;
	LLVMValueRef b = ir_buf(g, 24, "inet");
	bool v6 = (a->type->kind == T_ARRAY || a->type->kind == T_STRING) && a->type->size == 16;
	LLVMValueRef af = e->call.nargs == 2 ? expr(g, e->call.args) : ir_i64(g, v6 ? 10 /* AF_INET6 */ : 2);
	ir_store_int(g, b, af, 8);
	LLVMValueRef v = expr(g, a);
	if (type_is_int(a->type))
		ir_store_int(g, ir_gep(g, b, 8), v, 4); /* already in network byte order in memory */
	else
		ir_copy(g, ir_gep(g, b, 8), v, a->type->size);
	return b;
}

/* strcontains(haystack, needle): a bounded loop over the start positions, the needle compared
 * byte by byte (unrolled, at most 64 bytes). */
/* whether the needle occurs in the haystack (1/0), or with `index` where (its first index, or -1) */
static LLVMValueRef str_find(struct cg *g, LLVMValueRef h, uint32_t hsize, LLVMValueRef nd, uint32_t nsize,
			     bool index)
{
	LLVMValueRef at = ir_i64(g, 0);
	uint32_t nl = nsize - 1; /* characters the needle buffer can hold */
	LLVMBasicBlockRef yes = ir_block(g, "contains"), no = ir_block(g, "not_contains");
	LLVMBasicBlockRef done = ir_block(g, "contains_done");
	if (nl == 0 || hsize <= nl) {
		/* an empty needle is always contained; a needle as long as the haystack buffer: compare once */
		LLVMValueRef eq = nl == 0 ? ir_i64(g, 1) : str_equal(g, h, hsize, nd, nsize, UINT32_MAX);
		LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntNE, eq, ir_i64(g, 0), ""), yes, no);
	} else {
		LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->B);
		LLVMBasicBlockRef loop = ir_block(g, "contains_loop"), next = ir_block(g, "contains_next");
		LLVMBuildBr(g->B, loop);
		ir_at(g, loop);
		LLVMValueRef i = LLVMBuildPhi(g->B, g->i64, "i");
		at = i; /* the loop header dominates every path to `yes` */
		LLVMValueRef hp = LLVMBuildGEP2(g->B, g->i8, h, &i, 1, "");
		/* the haystack ended: no match from here on */
		LLVMBasicBlockRef cmp = ir_block(g, "contains_cmp");
		LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, ir_load_int(g, hp, 1, false), ir_i64(g, 0), ""), no, cmp);
		ir_at(g, cmp);
		for (uint32_t j = 0; j < nl; j++) {
			LLVMValueRef nc = ir_load_int(g, ir_gep(g, nd, j), 1, false);
			LLVMBasicBlockRef more = ir_block(g, "needle_more"), same = ir_block(g, "needle_same");
			LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, nc, ir_i64(g, 0), ""), yes, more);
			ir_at(g, more);
			LLVMValueRef hc = ir_load_int(g, ir_gep(g, hp, j), 1, false);
			LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, hc, nc, ""), same, next);
			ir_at(g, same);
		}
		LLVMBuildBr(g->B, yes); /* the needle filled its buffer and matched */
		ir_at(g, next);
		LLVMValueRef i1 = LLVMBuildAdd(g->B, i, ir_i64(g, 1), "");
		LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntULE, i1, ir_i64(g, hsize - nl), ""), loop, no);
		LLVMValueRef ivals[2] = {ir_i64(g, 0), i1};
		LLVMBasicBlockRef ibbs[2] = {pre, next};
		LLVMAddIncoming(i, ivals, ibbs, 2);
	}
	ir_at(g, yes);
	LLVMBuildBr(g->B, done);
	ir_at(g, no);
	LLVMBuildBr(g->B, done);
	ir_at(g, done);
	LLVMValueRef phi = LLVMBuildPhi(g->B, g->i64, "found");
	LLVMValueRef vals[2] = {index ? at : ir_i64(g, 1), ir_i64(g, index ? (uint64_t)-1 : 0)};
	LLVMBasicBlockRef bbs[2] = {yes, no};
	LLVMAddIncoming(phi, vals, bbs, 2);
	return phi;
}

static LLVMValueRef str_call(struct cg *g, const struct ast_node *e)
{
	const struct ast_node *a = e->call.args;
	if (a->type->kind == T_STRING)
		return expr(g, a);
	LLVMValueRef p = expr(g, a);
	LLVMValueRef b = ir_buf(g, e->type->size, "str");
	int helper = H_probe_read_str;
	if (a->type->kind == T_PTR)
		helper = a->type->as == AS_USER ? H_probe_read_user_str
			 : a->type->as == AS_KERNEL ? H_probe_read_kernel_str
						    : H_probe_read_str;
	LLVMValueRef args[3] = {b, ir_i32(g, e->type->size), LLVMBuildIntToPtr(g->B, p, g->ptr, "")};
	ir_helper(g, helper, g->i64, args, 3);
	return b;
}

/* Length of the NUL-terminated string in a buffer of `size` bytes (a bounded loop). */
static LLVMValueRef str_len(struct cg *g, LLVMValueRef p, uint32_t size)
{
	LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->B);
	LLVMBasicBlockRef loop = ir_block(g, "strlen_loop"), next = ir_block(g, "strlen_next");
	LLVMBasicBlockRef done = ir_block(g, "strlen_done");
	LLVMBuildBr(g->B, loop);
	ir_at(g, loop);
	LLVMValueRef i = LLVMBuildPhi(g->B, g->i64, "i");
	LLVMValueRef c = ir_load_int(g, LLVMBuildGEP2(g->B, g->i8, p, &i, 1, ""), 1, false);
	LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, c, ir_i64(g, 0), ""), done, next);
	ir_at(g, next);
	LLVMValueRef i1 = LLVMBuildAdd(g->B, i, ir_i64(g, 1), "");
	LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntULT, i1, ir_i64(g, size), ""), loop, done);
	LLVMValueRef ivals[2] = {ir_i64(g, 0), i1};
	LLVMBasicBlockRef ibbs[2] = {pre, next};
	LLVMAddIncoming(i, ivals, ibbs, 2);
	ir_at(g, done);
	LLVMValueRef n = LLVMBuildPhi(g->B, g->i64, "len");
	LLVMValueRef nvals[2] = {i, i1};
	LLVMBasicBlockRef nbbs[2] = {loop, next};
	LLVMAddIncoming(n, nvals, nbbs, 2);
	return n;
}

/* String comparisons up to this many bytes are unrolled; longer ones are a loop. */
#define STR_CMP_UNROLL 64

/* 1 if the strings at l (lsize bytes) and r (rsize bytes) are equal in their first `limit`
 * characters (up to the NUL), else 0. Byte by byte with early exits (a chain the verifier walks
 * linearly); long strings as a bounded loop. */
static LLVMValueRef str_equal(struct cg *g, LLVMValueRef l, uint32_t lsize, LLVMValueRef r, uint32_t rsize,
			      uint32_t limit)
{
	uint32_t n = lsize < rsize ? lsize : rsize;
	bool limited = limit < n || (limit <= lsize && limit <= rsize);
	if (limit < n)
		n = limit;
	LLVMBasicBlockRef ne_bb = ir_block(g, "str_ne"), eq_bb = ir_block(g, "str_eq");
	LLVMBasicBlockRef done = ir_block(g, "str_done");
	if (n <= STR_CMP_UNROLL) {
		for (uint32_t i = 0; i < n; i++) {
			LLVMValueRef a = ir_load_int(g, ir_gep(g, l, i), 1, false);
			LLVMValueRef b = ir_load_int(g, ir_gep(g, r, i), 1, false);
			LLVMBasicBlockRef same = ir_block(g, "str_same"), next = ir_block(g, "str_next");
			LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, a, b, ""), same, ne_bb);
			ir_at(g, same);
			LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, a, ir_i64(g, 0), ""), eq_bb, next);
			ir_at(g, next);
		}
	} else {
		/* a bounded loop: constant code size; the verifier walks it once per byte */
		LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->B);
		LLVMBasicBlockRef loop = ir_block(g, "str_loop"), same = ir_block(g, "str_same");
		LLVMBasicBlockRef cont = ir_block(g, "str_cont"), tail = ir_block(g, "str_tail");
		LLVMBuildBr(g->B, loop);
		ir_at(g, loop);
		LLVMValueRef i = LLVMBuildPhi(g->B, g->i64, "i");
		LLVMValueRef a = ir_load_int(g, LLVMBuildGEP2(g->B, g->i8, l, &i, 1, ""), 1, false);
		LLVMValueRef b = ir_load_int(g, LLVMBuildGEP2(g->B, g->i8, r, &i, 1, ""), 1, false);
		LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, a, b, ""), same, ne_bb);
		ir_at(g, same);
		LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, a, ir_i64(g, 0), ""), eq_bb, cont);
		ir_at(g, cont);
		LLVMValueRef i1 = LLVMBuildAdd(g->B, i, ir_i64(g, 1), "");
		LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntULT, i1, ir_i64(g, n), ""), loop, tail);
		LLVMValueRef ivals[2] = {ir_i64(g, 0), i1};
		LLVMBasicBlockRef ibbs[2] = {pre, cont};
		LLVMAddIncoming(i, ivals, ibbs, 2);
		ir_at(g, tail);
	}
	if (!limited && lsize != rsize) {
		/* the shorter buffer ended: equal iff the longer string ends there too */
		LLVMValueRef longer = lsize > rsize ? l : r;
		LLVMValueRef c = ir_load_int(g, ir_gep(g, longer, n), 1, false);
		LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, c, ir_i64(g, 0), ""), eq_bb, ne_bb);
	} else {
		LLVMBuildBr(g->B, eq_bb);
	}
	ir_at(g, ne_bb);
	LLVMBuildBr(g->B, done);
	ir_at(g, eq_bb);
	LLVMBuildBr(g->B, done);
	ir_at(g, done);
	LLVMValueRef phi = LLVMBuildPhi(g->B, g->i64, "streq");
	LLVMValueRef vals[2] = {ir_i64(g, 0), ir_i64(g, 1)};
	LLVMBasicBlockRef bbs[2] = {ne_bb, eq_bb};
	LLVMAddIncoming(phi, vals, bbs, 2);
	return phi;
}


static LLVMValueRef binop(struct cg *g, const struct ast_node *e)
{
	enum ast_op op = e->binop.op;
	const struct type *lt = e->binop.l->type, *rt = e->binop.r->type;
	if (op == OP_LAND || op == OP_LOR) {
		LLVMValueRef l = expr(g, e->binop.l);
		LLVMValueRef lb = LLVMBuildICmp(g->B, LLVMIntNE, l, ir_i64(g, 0), "");
		LLVMBasicBlockRef from = LLVMGetInsertBlock(g->B);
		LLVMBasicBlockRef rhs = ir_block(g, "rhs"), done = ir_block(g, "logic_done");
		if (op == OP_LAND)
			LLVMBuildCondBr(g->B, lb, rhs, done);
		else
			LLVMBuildCondBr(g->B, lb, done, rhs);
		ir_at(g, rhs);
		LLVMValueRef r = expr(g, e->binop.r);
		LLVMValueRef rb = LLVMBuildICmp(g->B, LLVMIntNE, r, ir_i64(g, 0), "");
		LLVMBasicBlockRef rhs_end = LLVMGetInsertBlock(g->B);
		LLVMBuildBr(g->B, done);
		ir_at(g, done);
		LLVMValueRef phi = LLVMBuildPhi(g->B, g->i1, "");
		LLVMValueRef vals[2] = {LLVMConstInt(g->i1, op == OP_LOR, 0), rb};
		LLVMBasicBlockRef bbs[2] = {from, rhs_end};
		LLVMAddIncoming(phi, vals, bbs, 2);
		return LLVMBuildZExt(g->B, phi, g->i64, "");
	}
	LLVMValueRef l = expr(g, e->binop.l), r = expr(g, e->binop.r);
	if ((lt->kind == T_PTR || rt->kind == T_PTR) && (op == OP_ADD || op == OP_SUB)) {
		/* scaled by the element size (void and unknown-sized pointees move by bytes) */
		const struct type *pt = lt->kind == T_PTR ? lt : rt;
		uint64_t esize = pt->elem && pt->elem->size ? pt->elem->size : 1;
		if (lt->kind == T_PTR && rt->kind == T_PTR)
			return ir_sdiv(g, LLVMBuildSub(g->B, l, r, ""), ir_i64(g, esize));
		LLVMValueRef n = LLVMBuildMul(g->B, lt->kind == T_PTR ? r : l, ir_i64(g, esize), "");
		LLVMValueRef p = lt->kind == T_PTR ? l : r;
		return op == OP_ADD ? LLVMBuildAdd(g->B, p, n, "") : LLVMBuildSub(g->B, p, n, "");
	}
	if (lt->kind == T_STRING && rt->kind == T_STRING) {
		LLVMValueRef eq = str_equal(g, l, lt->size, r, rt->size, UINT32_MAX);
		return op == OP_EQ ? eq : LLVMBuildXor(g->B, eq, ir_i64(g, 1), "");
	}
	/* a non-negative integer literal takes the other operand's signedness (reg("ip") > 0 compares
	 * unsigned); otherwise any signed operand makes the operation signed */
	bool l_lit = e->binop.l->kind == AST_INT, r_lit = e->binop.r->kind == AST_INT;
	bool lsg = lt->kind == T_INT && lt->is_signed, rsg = rt->kind == T_INT && rt->is_signed;
	if (l_lit && !r_lit)
		lsg = rsg;
	else if (r_lit && !l_lit)
		rsg = lsg;
	else if (l_lit && r_lit) /* two literals: unsigned if either is (kaddr(...), 2^63 and up) */
		lsg = rsg = !(e->binop.l->num.is_unsigned || e->binop.r->num.is_unsigned);
	bool sg = lsg || rsg;
	LLVMValueRef v;
	switch (op) {
	case OP_ADD: return LLVMBuildAdd(g->B, l, r, "");
	case OP_SUB: return LLVMBuildSub(g->B, l, r, "");
	case OP_MUL: return LLVMBuildMul(g->B, l, r, "");
	case OP_DIV: /* C semantics (truncation toward zero); division by zero yields 0 */
		return sg ? ir_sdiv(g, l, r) : ir_udivrem(g, l, r, false);
	case OP_MOD: return sg ? ir_srem(g, l, r) : ir_udivrem(g, l, r, true);
	case OP_BAND: return LLVMBuildAnd(g->B, l, r, "");
	case OP_BOR: return LLVMBuildOr(g->B, l, r, "");
	case OP_BXOR: return LLVMBuildXor(g->B, l, r, "");
	case OP_SHL:
	case OP_SHR: return ir_shift(g, op, l, r, op == OP_SHR && sg && lt->is_signed);
	case OP_EQ: v = LLVMBuildICmp(g->B, LLVMIntEQ, l, r, ""); break;
	case OP_NE: v = LLVMBuildICmp(g->B, LLVMIntNE, l, r, ""); break;
	case OP_LT: v = LLVMBuildICmp(g->B, sg ? LLVMIntSLT : LLVMIntULT, l, r, ""); break;
	case OP_LE: v = LLVMBuildICmp(g->B, sg ? LLVMIntSLE : LLVMIntULE, l, r, ""); break;
	case OP_GT: v = LLVMBuildICmp(g->B, sg ? LLVMIntSGT : LLVMIntUGT, l, r, ""); break;
	case OP_GE: v = LLVMBuildICmp(g->B, sg ? LLVMIntSGE : LLVMIntUGE, l, r, ""); break;
	default:
		fail(g, &e->loc, "internal: unknown binary operator");
		return ir_i64(g, 0);
	}
	return LLVMBuildZExt(g->B, v, g->i64, "");
}

static struct cg_var *var_find_in(void *vec, int id)
{
	VEC(struct cg_var) *v = vec;
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i].id == id)
			return &v->v[i];
	return NULL;
}

static struct cg_var *var_find(struct cg *g, int id)
{
	for (size_t i = 0; i < g->vars.n; i++)
		if (g->vars.v[i].id == id)
			return &g->vars.v[i];
	return NULL;
}

/* Storage of a variable declaration (created on first request, below all temporaries when
 * declare_vars runs first). */
static struct cg_var *var_slot(struct cg *g, const struct ast_node *var)
{
	struct cg_var *v = var_find(g, var->var.id);
	if (v)
		return v;
	struct cg_var nv = {.id = var->var.id, .name = var->var.name, .type = var->type};
	nv.slot = is_scalar(var->type) ? ir_alloca(g, g->i64, var->var.name)
				       : ir_buf_nozero(g, var->type->size, var->var.name);
	VEC_PUSH(g->vars, nv);
	return &g->vars.v[g->vars.n - 1];
}

static LLVMValueRef incdec(struct cg *g, const struct ast_node *e)
{
	const struct ast_node *x = e->unop.e;
	bool inc = e->unop.op == OP_PRE_INC || e->unop.op == OP_POST_INC;
	bool pre = e->unop.op == OP_PRE_INC || e->unop.op == OP_PRE_DEC;
	LLVMValueRef old = x->kind == AST_VAR ? LLVMBuildLoad2(g->B, g->i64, var_slot(g, x)->slot, "")
					       : map_read(g, x);
	LLVMValueRef nw = inc ? LLVMBuildAdd(g->B, old, ir_i64(g, 1), "") : LLVMBuildSub(g->B, old, ir_i64(g, 1), "");
	if (x->kind == AST_VAR)
		LLVMBuildStore(g->B, nw = norm_int(g, nw, x->type), var_slot(g, x)->slot);
	else
		map_write(g, x, nw, x->type);
	return pre ? nw : old;
}

static LLVMValueRef expr(struct cg *g, const struct ast_node *e)
{
	switch (e->kind) {
	case AST_INT:
		return ir_i64(g, e->num.value);
	case AST_BOOL:
		return ir_i64(g, e->boolean.value);
	case AST_STRING: {
		LLVMValueRef b = ir_buf_nozero(g, e->type->size, "strlit");
		uint32_t size = e->type->size;
		for (uint32_t i = 0; i < size; i += 8) {
			uint64_t w = 0;
			uint32_t n = size - i >= 8 ? 8 : size - i;
			for (uint32_t j = 0; j < n; j++)
				w |= (uint64_t)(unsigned char)(i + j < e->str.len ? e->str.s[i + j] : 0) << (8 * j);
			if (n == 8)
				ir_store_int(g, ir_gep(g, b, i), ir_i64(g, w), 8);
			else
				for (uint32_t j = 0; j < n; j++)
					ir_store_int(g, ir_gep(g, b, i + j), ir_i64(g, (w >> (8 * j)) & 0xff), 1);
		}
		return b;
	}
	case AST_IDENT:
		return builtin(g, e, e->ident.id);
	case AST_VAR: {
		struct cg_var *v = var_find(g, e->var.id);
		if (!v) {
			fail(g, &e->loc, "internal: variable without storage");
			return ir_i64(g, 0);
		}
		return is_scalar(v->type) ? LLVMBuildLoad2(g->B, g->i64, v->slot, "") : v->slot;
	}
	case AST_MAP:
		return map_read(g, e);
	case AST_CALL:
		if (e->call.id == BI_STR)
			return str_call(g, e);
		if (e->call.id == BI_UADDR) /* sema put the address first */
			return ir_i64(g, e->call.args->num.value);
		if (e->call.id == BI_KSYM || e->call.id == BI_KPTR || e->call.id == BI_UPTR)
			return expr(g, e->call.args);
		if (e->call.id == BI_IS_ERR) { /* the top 4095 addresses encode -errno */
			LLVMValueRef v = expr(g, e->call.args);
			return LLVMBuildZExt(g->B, LLVMBuildICmp(g->B, LLVMIntUGE, v, ir_i64(g, (uint64_t)-4095), ""), g->i64, "");
		}
		if (e->call.id == BI_CONTAINER_OF)
			return LLVMBuildSub(g->B, expr(g, e->call.args), ir_i64(g, (uint64_t)e->call.res_id), "");
		if (e->call.id == BI_PTON) {
			/* sema accepted the literal, so one of the two parses succeeds */
			unsigned char bytes[16];
			uint32_t n = inet_pton(AF_INET, e->call.args->str.s, bytes) == 1 ? 4 : 16;
			if (n == 16)
				inet_pton(AF_INET6, e->call.args->str.s, bytes);
			LLVMValueRef b = ir_buf(g, 16, "pton");
			for (uint32_t i = 0; i < n; i++)
				ir_store_int(g, ir_gep(g, b, i), ir_i64(g, bytes[i]), 1);
			return b;
		}
		if (e->call.id == BI_BUF)
			return buf_call(g, e);
		if (e->call.id == BI_SYSCALL_NAME || e->call.id == BI_SIGNAL_NAME || e->call.id == BI_STRERROR)
			return expr(g, e->call.args);
		if (e->call.id == BI_CGROUP_PATH) {
			LLVMValueRef b = ir_buf(g, 16, "cgroup_path");
			ir_store_int(g, b, expr(g, e->call.args), 8);
			ir_store_int(g, ir_gep(g, b, 8), ir_i64(g, (uint64_t)(int64_t)e->call.res_id), 8);
			return b;
		}
		if (e->call.id == BI_STRFTIME) {
			LLVMValueRef b = ir_buf(g, 16, "timestamp");
			ir_store_int(g, b, expr(g, e->call.args->next), 8);
			ir_store_int(g, ir_gep(g, b, 8), ir_i64(g, (uint64_t)e->call.res_id), 8);
			return b;
		}
		if (e->call.id == BI_NTOP)
			return ntop_call(g, e);
		if (e->call.id == BI_MACADDR) {
			const struct ast_node *a = e->call.args;
			LLVMValueRef b = ir_buf(g, 8, "mac");
			if (a->type->kind == T_PTR) {
				LLVMValueRef args[3] = {b, ir_i32(g, 6), LLVMBuildIntToPtr(g->B, expr(g, a), g->ptr, "")};
				ir_helper(g, H_probe_read_kernel, g->i64, args, 3);
			} else {
				ir_copy(g, b, expr(g, a), 6);
			}
			return b;
		}
		if (e->call.id == BI_LEN && e->call.args->kind != AST_MAP) /* a stack starts with its frame count */
			return ir_load_int(g, expr(g, e->call.args), 8, false);
		if (e->call.id == BI_LEN)
			return map_len(g, e->call.res_id);
		if (e->call.id == BI_STRCONTAINS || e->call.id == BI_STRSTR) {
			const struct ast_node *h = e->call.args, *nd = h->next;
			return str_find(g, expr(g, h), h->type->size, expr(g, nd), nd->type->size,
					e->call.id == BI_STRSTR);
		}
		if (e->call.id == BI_REG) {
			int off = probe_regs_offset(e->call.args->str.s);
			return ir_load_int(g, ir_gep(g, g->ctx, (uint32_t)off), 8, false);
		}
		if (e->call.id == BI_STRLEN)
			return str_len(g, expr(g, e->call.args), e->call.args->type->size);
		if (e->call.id == BI_NSECS || e->call.id == BI_USERMODE || e->call.id == BI_PID || e->call.id == BI_TID)
			return builtin(g, e, e->call.id);
		if (e->call.id == BI_USYM) {
			LLVMValueRef b = ir_buf(g, 16, "usym");
			ir_store_int(g, b, expr(g, e->call.args), 8);
			LLVMValueRef pt = ir_helper(g, H_get_current_pid_tgid, g->i64, NULL, 0);
			ir_store_int(g, ir_gep(g, b, 8), LLVMBuildLShr(g->B, pt, ir_i64(g, 32), ""), 8);
			return b;
		}
		if (e->call.id == BI_KSTACK || e->call.id == BI_USTACK)
			return builtin(g, e, e->call.id);
		if (e->call.id == BI_HAS_KEY) {
			LLVMValueRef p = ir_map_lookup(g, g->maps[e->call.args->map.res_id], map_key(g, e->call.args, NULL));
			return LLVMBuildZExt(g->B, LLVMBuildIsNotNull(g->B, p, ""), g->i64, "");
		}
		if (e->call.id == BI_STRNCMP) {
			const struct ast_node *a = e->call.args, *b = a->next;
			LLVMValueRef eq = str_equal(g, expr(g, a), a->type->size, expr(g, b), b->type->size,
						    (uint32_t)b->next->num.value);
			return LLVMBuildXor(g->B, eq, ir_i64(g, 1), "");
		}
		if (e->call.id == BI_BSWAP) {
			uint32_t size = e->type->size;
			LLVMTypeRef it = LLVMIntTypeInContext(g->C, size * 8);
			LLVMValueRef v = LLVMBuildTrunc(g->B, expr(g, e->call.args), it, "");
			if (size > 1) {
				unsigned id = LLVMLookupIntrinsicID("llvm.bswap", 10);
				LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->M, id, &it, 1);
				v = LLVMBuildCall2(g->B, LLVMIntrinsicGetType(g->C, id, &it, 1), fn, &v, 1, "");
			}
			return e->type->is_signed ? LLVMBuildSExt(g->B, v, g->i64, "") : LLVMBuildZExt(g->B, v, g->i64, "");
		}
		if (builtin_info(e->call.id)->kind == BK_VAR)
			return builtin(g, e, e->call.id);
		call_stmt(g, e);
		return ir_i64(g, 0);
	case AST_BINOP:
		return binop(g, e);
	case AST_UNOP: {
		LLVMValueRef v = expr(g, e->unop.e);
		switch (e->unop.op) {
		case OP_NEG: return LLVMBuildNeg(g->B, v, "");
		case OP_BNOT: return LLVMBuildNot(g->B, v, "");
		case OP_LNOT: return LLVMBuildZExt(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, v, ir_i64(g, 0), ""), g->i64, "");
		case OP_DEREF: return load_mem(g, v, e->type, NULL, e->unop.e->type->as);
		default:
			fail(g, &e->loc, "internal: unsupported unary operator");
			return ir_i64(g, 0);
		}
	}
	case AST_INCDEC:
		return incdec(g, e);
	case AST_TERNARY: {
		LLVMValueRef c = expr(g, e->ternary.cond);
		LLVMValueRef cb = LLVMBuildICmp(g->B, LLVMIntNE, c, ir_i64(g, 0), "");
		LLVMBasicBlockRef tb = ir_block(g, "then"), eb = ir_block(g, "else"), done = ir_block(g, "tern_done");
		bool scalar = is_scalar(e->type);
		LLVMValueRef out = scalar ? NULL : ir_buf_nozero(g, e->type->size, "tern");
		LLVMBuildCondBr(g->B, cb, tb, eb);
		ir_at(g, tb);
		LLVMValueRef a = e->ternary.then ? expr(g, e->ternary.then) : c;
		if (!scalar)
			store_as(g, out, e->type, a, e->ternary.then ? e->ternary.then->type : e->ternary.cond->type);
		LLVMBasicBlockRef tb_end = LLVMGetInsertBlock(g->B);
		LLVMBuildBr(g->B, done);
		ir_at(g, eb);
		LLVMValueRef b = expr(g, e->ternary.els);
		if (!scalar)
			store_as(g, out, e->type, b, e->ternary.els->type);
		LLVMBasicBlockRef eb_end = LLVMGetInsertBlock(g->B);
		LLVMBuildBr(g->B, done);
		ir_at(g, done);
		if (!scalar)
			return out;
		LLVMValueRef phi = LLVMBuildPhi(g->B, g->i64, "");
		LLVMValueRef vals[2] = {a, b};
		LLVMBasicBlockRef bbs[2] = {tb_end, eb_end};
		LLVMAddIncoming(phi, vals, bbs, 2);
		return phi;
	}
	case AST_FIELD:
		return field(g, e);
	case AST_TUPLE:
	case AST_RECORD:
		return tuple_value(g, e);
	case AST_INDEX:
		if (e->index.e->type->kind == T_TUPLE)
			return tuple_elem(g, e->index.e, (uint32_t)e->index.index->num.value);
		return index_elem(g, e);
	case AST_CAST:
		return norm_int(g, expr(g, e->cast.e), e->type);
	case AST_BLOCK: {
		/* a block expression: the statements, then the value of the last expression statement.
		 * Its variables get storage first, below the temporaries of its statements. */
		declare_vars(g, e->block.stmts);
		for (const struct ast_node *st = e->block.stmts; st; st = st->next) {
			if (!st->next && st->kind == AST_EXPR_STMT) {
				ir_set_loc(g, &st->loc);
				const struct ast_node *x = st->expr_stmt.expr;
				if (x->kind == AST_CALL && builtin_info(x->call.id)->kind == BK_FUNC && x->type &&
				    x->type->kind == T_VOID) {
					call_stmt(g, x);
					return ir_i64(g, 0);
				}
				return expr(g, x);
			}
			stmt(g, st);
		}
		return ir_i64(g, 0);
	}
	default:
		fail(g, &e->loc, "internal: expression without code generation");
		return ir_i64(g, 0);
	}
}

/* ---- statements ------------------------------------------------------------------------------ */

static LLVMValueRef compound(struct cg *g, enum ast_op op, LLVMValueRef old, LLVMValueRef v, bool sg)
{
	switch (op) {
	case OP_ADD: return LLVMBuildAdd(g->B, old, v, "");
	case OP_SUB: return LLVMBuildSub(g->B, old, v, "");
	case OP_MUL: return LLVMBuildMul(g->B, old, v, "");
	case OP_DIV: return sg ? ir_sdiv(g, old, v) : ir_udivrem(g, old, v, false);
	case OP_MOD: return sg ? ir_srem(g, old, v) : ir_udivrem(g, old, v, true);
	case OP_BAND: return LLVMBuildAnd(g->B, old, v, "");
	case OP_BOR: return LLVMBuildOr(g->B, old, v, "");
	case OP_BXOR: return LLVMBuildXor(g->B, old, v, "");
	case OP_SHL:
	case OP_SHR: return ir_shift(g, op, old, v, op == OP_SHR && sg);
	default: return v;
	}
}

static void assign(struct cg *g, const struct ast_node *st)
{
	const struct ast_node *lhs = st->assign.lhs, *rhs = st->assign.rhs;
	if (lhs->kind == AST_MAP) {
		const struct res_map *rm = &g->res->maps.v[lhs->map.res_id];
		if (type_is_agg(rm->value)) {
			agg_update(g, lhs, rhs);
			return;
		}
		LLVMValueRef v = expr(g, rhs);
		if (st->assign.op != OP_NONE)
			v = compound(g, st->assign.op, map_read(g, lhs), v, rm->value->is_signed);
		map_write(g, lhs, v, st->assign.op != OP_NONE ? rm->value : rhs->type);
		return;
	}
	struct cg_var *var = var_slot(g, lhs);
	LLVMValueRef v = expr(g, rhs);
	if (is_scalar(var->type)) {
		if (st->assign.op != OP_NONE)
			v = compound(g, st->assign.op, LLVMBuildLoad2(g->B, g->i64, var->slot, ""), v,
				     var->type->is_signed);
		if (var->type->kind == T_BOOL)
			v = LLVMBuildZExt(g->B, LLVMBuildICmp(g->B, LLVMIntNE, v, ir_i64(g, 0), ""), g->i64, "");
		LLVMBuildStore(g->B, norm_int(g, v, var->type), var->slot);
	} else {
		store_as(g, var->slot, var->type, v, rhs->type);
	}
}

static void stmt_inner(struct cg *g, const struct ast_node *st);

/* Temporaries of a statement live until its end. */
static void stmt(struct cg *g, const struct ast_node *st)
{
	struct ir_mark m = ir_mark(g);
	stmt_inner(g, st);
	ir_release(g, m);
}

static void stmt_inner(struct cg *g, const struct ast_node *st)
{
	ir_set_loc(g, &st->loc);
	switch (st->kind) {
	case AST_EXPR_STMT:
		if (st->expr_stmt.expr->kind == AST_CALL)
			call_stmt(g, st->expr_stmt.expr);
		else
			(void)expr(g, st->expr_stmt.expr);
		break;
	case AST_ASSIGN:
		assign(g, st);
		break;
	case AST_BLOCK:
		stmts(g, st->block.stmts);
		break;
	case AST_IF: {
		LLVMValueRef c = expr(g, st->if_.cond);
		LLVMBasicBlockRef tb = ir_block(g, "if_then"), eb = ir_block(g, "if_else"), done = ir_block(g, "if_done");
		LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntNE, c, ir_i64(g, 0), ""), tb, eb);
		ir_at(g, tb);
		stmts(g, st->if_.then->block.stmts);
		LLVMBuildBr(g->B, done);
		ir_at(g, eb);
		if (st->if_.els)
			stmt(g, st->if_.els);
		LLVMBuildBr(g->B, done);
		ir_at(g, done);
		break;
	}
	case AST_JUMP:
		if (st->jump.what == JUMP_RETURN) {
			LLVMBuildBr(g->B, g->ret0);
		} else if (g->loops.n) {
			struct cg_loop *l = &g->loops.v[g->loops.n - 1];
			LLVMBuildBr(g->B, st->jump.what == JUMP_BREAK ? l->brk : l->cont);
		} else {
			fail(g, &st->loc, "internal: break/continue outside a loop");
		}
		ir_at(g, ir_block(g, "after_jump")); /* unreachable code still needs a block */
		break;
	case AST_LET: {
		struct cg_var *v = var_slot(g, st->let.var);
		if (st->let.init) {
			LLVMValueRef x = expr(g, st->let.init);
			if (is_scalar(v->type))
				LLVMBuildStore(g->B, norm_int(g, x, v->type), v->slot);
			else
				store_as(g, v->slot, v->type, x, st->let.init->type);
		} else if (is_scalar(v->type)) {
			LLVMBuildStore(g->B, ir_i64(g, 0), v->slot);
		} else {
			ir_zero(g, v->slot, v->type->size);
		}
		break;
	}
	case AST_WHILE: {
		LLVMBasicBlockRef cond = ir_block(g, "while_cond"), body = ir_block(g, "while_body");
		LLVMBasicBlockRef done = ir_block(g, "while_done");
		LLVMBuildBr(g->B, cond);
		ir_at(g, cond);
		LLVMValueRef c = expr(g, st->while_.cond);
		LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntNE, c, ir_i64(g, 0), ""), body, done);
		ir_at(g, body);
		struct cg_loop l = {cond, done};
		VEC_PUSH(g->loops, l);
		stmts(g, st->while_.body->block.stmts);
		g->loops.n--;
		LLVMBuildBr(g->B, cond);
		ir_at(g, done);
		break;
	}
	case AST_UNROLL:
		for (uint64_t i = 0; i < st->unroll.count->num.value; i++)
			stmts(g, st->unroll.body->block.stmts);
		break;
	case AST_FOR_MAP:
		for_map(g, st);
		break;
	case AST_FOR_RANGE: {
		/* for ($i : a..b): a and b are constants (sema), so the verifier can bound the loop */
		struct cg_var *v = var_slot(g, st->for_range.var);
		LLVMValueRef to = expr(g, st->for_range.to);
		LLVMBuildStore(g->B, expr(g, st->for_range.from), v->slot);
		LLVMBasicBlockRef cond = ir_block(g, "for_cond"), body = ir_block(g, "for_body");
		LLVMBasicBlockRef next = ir_block(g, "for_next"), done = ir_block(g, "for_done");
		LLVMBuildBr(g->B, cond);
		ir_at(g, cond);
		LLVMValueRef i = LLVMBuildLoad2(g->B, g->i64, v->slot, "i");
		LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntSLT, i, to, ""), body, done);
		ir_at(g, body);
		struct cg_loop l = {next, done};
		VEC_PUSH(g->loops, l);
		stmts(g, st->for_range.body->block.stmts);
		g->loops.n--;
		LLVMBuildBr(g->B, next);
		ir_at(g, next);
		LLVMBuildStore(g->B, LLVMBuildAdd(g->B, LLVMBuildLoad2(g->B, g->i64, v->slot, ""), ir_i64(g, 1), ""),
			       v->slot);
		LLVMBuildBr(g->B, cond);
		ir_at(g, done);
		break;
	}
	default:
		fail(g, &st->loc, "internal: statement without code generation");
		break;
	}
}

static void stmts(struct cg *g, const struct ast_node *list)
{
	for (const struct ast_node *s = list; s; s = s->next)
		stmt(g, s);
}

/* ---- programs and module --------------------------------------------------------------------- */

/* End the current function: the body falls through to "return 0"; the entry block gets the stack
 * pool, the scratch lookup's null check (if any buffer lives in scratch) and the jump to body. */
static void finish_function(struct cg *g, LLVMBasicBlockRef body, unsigned line)
{
	LLVMBuildBr(g->B, g->ret0);
	ir_pool_end(g);
	ir_at(g, g->entry);
	LLVMSetCurrentDebugLocation2(g->B, LLVMDIBuilderCreateDebugLocation(g->C, line, 1, g->sp, NULL));
	if (g->scratch)
		LLVMBuildCondBr(g->B, LLVMBuildIsNull(g->B, g->scratch, ""), g->ret0, body);
	else
		LLVMBuildBr(g->B, body);
}

/* Variables declared before a for-map loop and used in its body: they travel to the callback in
 * its context struct (copied in before the loop, copied back after it). */
static void captured_vars(struct cg *g, const struct ast_node *list, int *ids, int *nids, int max)
{
	for (const struct ast_node *n = list; n; n = n->next) {
		if (n->kind == AST_VAR && var_find(g, n->var.id)) {
			bool seen = false;
			for (int i = 0; i < *nids; i++)
				seen |= ids[i] == n->var.id;
			if (!seen && *nids < max)
				ids[(*nids)++] = n->var.id;
		}
		/* every child is the head of a list (a lone child's `next` is NULL) */
		const struct ast_node *kids[4] = {0};
		switch (n->kind) {
		case AST_EXPR_STMT: kids[0] = n->expr_stmt.expr; break;
		case AST_ASSIGN: kids[0] = n->assign.lhs, kids[1] = n->assign.rhs; break;
		case AST_LET: kids[0] = n->let.init; break;
		case AST_IF: kids[0] = n->if_.cond, kids[1] = n->if_.then, kids[2] = n->if_.els; break;
		case AST_WHILE: kids[0] = n->while_.cond, kids[1] = n->while_.body; break;
		case AST_UNROLL: kids[0] = n->unroll.body; break;
		case AST_FOR_RANGE: kids[0] = n->for_range.from, kids[1] = n->for_range.to, kids[2] = n->for_range.body; break;
		case AST_FOR_MAP: kids[0] = n->for_map.body; break;
		case AST_BLOCK: kids[0] = n->block.stmts; break;
		case AST_MAP: kids[0] = n->map.keys; break;
		case AST_CALL: kids[0] = n->call.args; break;
		case AST_BINOP: kids[0] = n->binop.l, kids[1] = n->binop.r; break;
		case AST_UNOP:
		case AST_INCDEC: kids[0] = n->unop.e; break;
		case AST_TERNARY: kids[0] = n->ternary.cond, kids[1] = n->ternary.then, kids[2] = n->ternary.els; break;
		case AST_FIELD: kids[0] = n->field.e; break;
		case AST_INDEX: kids[0] = n->index.e, kids[1] = n->index.index; break;
		case AST_TUPLE: kids[0] = n->tuple.elems; break;
		case AST_RECORD: kids[0] = n->tuple.elems; break;
		case AST_CONFIG_ITEM: kids[0] = n->config_item.value; break; /* record fields */
		case AST_CAST: kids[0] = n->cast.e; break;
		default: break;
		}
		for (int k = 0; k < 4; k++)
			if (kids[k])
				captured_vars(g, kids[k], ids, nids, max);
	}
}

/* len(@m): bpf_for_each_map_elem returns how many elements it visited; the callback (one per
 * object) only says "continue". */
static LLVMValueRef map_len(struct cg *g, int mid)
{
	static const char name[] = "scry_len_cb";
	LLVMValueRef fn = LLVMGetNamedFunction(g->M, name);
	if (!fn) {
		LLVMBasicBlockRef caller_bb = LLVMGetInsertBlock(g->B);
		LLVMMetadataRef caller_loc = LLVMGetCurrentDebugLocation2(g->B);
		LLVMTypeRef pt[4] = {g->ptr, g->ptr, g->ptr, g->ptr};
		fn = LLVMAddFunction(g->M, name, LLVMFunctionType(g->i64, pt, 4, 0));
		LLVMSetLinkage(fn, LLVMInternalLinkage);
		LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
					LLVMCreateEnumAttribute(g->C, LLVMGetEnumAttributeKindForName("nounwind", 8), 0));
		LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
					LLVMCreateEnumAttribute(g->C, LLVMGetEnumAttributeKindForName("noinline", 8), 0));
		LLVMMetadataRef tys[5] = {g->di_long, g->di_voidptr, g->di_voidptr, g->di_voidptr, g->di_voidptr};
		LLVMMetadataRef sty = LLVMDIBuilderCreateSubroutineType(g->D, g->file, tys, 5, LLVMDIFlagPrototyped);
		LLVMMetadataRef sp = LLVMDIBuilderCreateFunction(g->D, g->file, name, strlen(name), name, strlen(name),
								 g->file, 1, sty, 1, 1, 1, LLVMDIFlagPrototyped, 1);
		LLVMSetSubprogram(fn, sp);
		static const char *const pnames[4] = {"map", "key", "value", "ctx"};
		for (unsigned i = 0; i < 4; i++) /* BTF needs the parameters named */
			LLVMDIBuilderCreateParameterVariable(g->D, sp, pnames[i], strlen(pnames[i]), i + 1, g->file, 1,
							     g->di_voidptr, 1, 0);
		LLVMPositionBuilderAtEnd(g->B, LLVMAppendBasicBlockInContext(g->C, fn, "entry"));
		LLVMSetCurrentDebugLocation2(g->B, LLVMDIBuilderCreateDebugLocation(g->C, 1, 1, sp, NULL));
		LLVMBuildRet(g->B, ir_i64(g, 0));
		LLVMPositionBuilderAtEnd(g->B, caller_bb);
		LLVMSetCurrentDebugLocation2(g->B, caller_loc);
	}
	LLVMValueRef args[4] = {g->maps[mid], fn, LLVMConstNull(g->ptr), ir_i64(g, 0)};
	return ir_helper(g, H_for_each_map_elem, g->i64, args, 4);
}

/* for ($kv : @map) { body }: the body becomes a static callback function run by
 * bpf_for_each_map_elem; $kv is (key, value) built from the element. */
static void for_map(struct cg *g, const struct ast_node *st)
{
	const struct ast_node *m = st->for_map.map;
	const struct res_map *rm = &g->res->maps.v[m->map.res_id];
	const struct ast_node *kv = st->for_map.var;
	/* captured variables and their places in the context struct */
	int ids[64], nids = 0;
	captured_vars(g, st->for_map.body->block.stmts, ids, &nids, 64);
	uint32_t off[64], size = 0;
	for (int i = 0; i < nids; i++) {
		struct cg_var *v = var_find(g, ids[i]);
		off[i] = size;
		size += ((is_scalar(v->type) ? 8 : v->type->size) + 7) & ~7u;
	}
	/* the callback's context must be on the caller's stack */
	LLVMValueRef cctx = ir_alloca(g, LLVMArrayType(g->i8, size ? size : 8), "for_ctx");
	for (int i = 0; i < nids; i++) {
		struct cg_var *v = var_find(g, ids[i]);
		ir_copy(g, ir_gep(g, cctx, off[i]), v->slot, is_scalar(v->type) ? 8 : v->type->size);
	}

	/* save the caller's state, build the callback */
	struct cg saved = *g;
	VEC(struct cg_var) outer = {0};
	for (size_t i = 0; i < g->vars.n; i++)
		VEC_PUSH(outer, g->vars.v[i]);
	LLVMBasicBlockRef caller_bb = LLVMGetInsertBlock(g->B);
	LLVMMetadataRef caller_loc = LLVMGetCurrentDebugLocation2(g->B);
	static int ncb;
	char name[64];
	snprintf(name, sizeof(name), "%s_for%d", g->rp->prog, ncb++);
	LLVMTypeRef pt[4] = {g->ptr, g->ptr, g->ptr, g->ptr};
	LLVMValueRef fn = LLVMAddFunction(g->M, name, LLVMFunctionType(g->i64, pt, 4, 0));
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
				LLVMCreateEnumAttribute(g->C, LLVMGetEnumAttributeKindForName("nounwind", 8), 0));
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
				LLVMCreateEnumAttribute(g->C, LLVMGetEnumAttributeKindForName("noinline", 8), 0));
	unsigned line = (unsigned)(st->loc.line > 0 ? st->loc.line : 1);
	LLVMMetadataRef tys[5] = {g->di_long, g->di_voidptr, g->di_voidptr, g->di_voidptr, g->di_voidptr};
	LLVMMetadataRef sty = LLVMDIBuilderCreateSubroutineType(g->D, g->file, tys, 5, LLVMDIFlagPrototyped);
	g->sp = LLVMDIBuilderCreateFunction(g->D, g->file, name, strlen(name), name, strlen(name), g->file, line, sty, 1,
					    1, line, LLVMDIFlagPrototyped, 1);
	LLVMSetSubprogram(fn, g->sp);
	static const char *const pnames[4] = {"map", "key", "value", "ctx"};
	for (unsigned i = 0; i < 4; i++)
		LLVMDIBuilderCreateParameterVariable(g->D, g->sp, pnames[i], strlen(pnames[i]), i + 1, g->file, line,
						     g->di_voidptr, 1, 0);
	uint32_t scratch_base_off = g->scratch_off;
	g->fn = fn;
	g->ctx = NULL; /* no probe context in a callback (sema rejects args/argN/retval/stacks) */
	g->entry = LLVMAppendBasicBlockInContext(g->C, fn, "entry");
	ir_pool_begin(g);
	g->scratch_off = g->scratch_used = scratch_base_off; /* above the caller's live scratch */
	LLVMBasicBlockRef body = ir_block(g, "body");
	g->ret0 = ir_block(g, "ret0");
	LLVMBasicBlockRef ret1 = ir_block(g, "ret1");
	ir_set_loc(g, &st->loc);
	ir_at(g, g->ret0);
	LLVMBuildRet(g->B, ir_i64(g, 0));
	ir_at(g, ret1);
	LLVMBuildRet(g->B, ir_i64(g, 1));
	ir_at(g, body);
	/* variables: captured ones live in the context struct; $kv is built from the element */
	g->vars = (typeof(g->vars)){0};
	g->loops = (typeof(g->loops)){0};
	LLVMValueRef pctx = LLVMGetParam(fn, 3);
	for (int i = 0; i < nids; i++) {
		struct cg_var v = *var_find_in(&outer, ids[i]);
		v.slot = ir_gep(g, pctx, off[i]);
		VEC_PUSH(g->vars, v);
	}
	struct cg_var *kvv = var_slot(g, kv);
	const struct type *kt = kv->type;
	ir_copy(g, ir_gep(g, kvv->slot, kt->fields[0].offset), LLVMGetParam(fn, 1), rm->key->size);
	ir_copy(g, ir_gep(g, kvv->slot, kt->fields[1].offset), LLVMGetParam(fn, 2), rm->value->size);
	declare_vars(g, st->for_map.body->block.stmts);
	struct cg_loop l = {g->ret0, ret1}; /* continue: next element; break: stop the walk */
	VEC_PUSH(g->loops, l);
	stmts(g, st->for_map.body->block.stmts);
	finish_function(g, body, line);
	uint32_t cb_scratch_max = g->scratch_max;
	bool cb_failed = g->failed;
	VEC_FREE(g->vars);
	VEC_FREE(g->loops);

	/* back in the caller: run the walk, then copy the captured variables back */
	*g = saved;
	g->scratch_max = cb_scratch_max > g->scratch_max ? cb_scratch_max : g->scratch_max;
	g->failed = g->failed || cb_failed;
	LLVMPositionBuilderAtEnd(g->B, caller_bb);
	LLVMSetCurrentDebugLocation2(g->B, caller_loc);
	LLVMValueRef args[4] = {g->maps[m->map.res_id], fn, cctx, ir_i64(g, 0)};
	ir_helper(g, H_for_each_map_elem, g->i64, args, 4);
	for (int i = 0; i < nids; i++) {
		struct cg_var *v = var_find(g, ids[i]);
		ir_copy(g, v->slot, ir_gep(g, cctx, off[i]), is_scalar(v->type) ? 8 : v->type->size);
	}
	VEC_FREE(outer);
}

/* Give every scratch variable its storage before the body, below all temporaries. */
static void declare_vars(struct cg *g, const struct ast_node *list)
{
	for (const struct ast_node *st = list; st; st = st->next) {
		switch (st->kind) {
		case AST_ASSIGN:
			if (st->assign.lhs->kind == AST_VAR && st->assign.lhs->type)
				var_slot(g, st->assign.lhs);
			break;
		case AST_LET:
			if (st->let.var->type)
				var_slot(g, st->let.var);
			break;
		case AST_IF:
			declare_vars(g, st->if_.then);
			if (st->if_.els)
				declare_vars(g, st->if_.els);
			break;
		case AST_BLOCK:
			declare_vars(g, st->block.stmts);
			break;
		case AST_WHILE:
			declare_vars(g, st->while_.body);
			break;
		case AST_UNROLL:
			declare_vars(g, st->unroll.body);
			break;
		case AST_FOR_RANGE:
			var_slot(g, st->for_range.var);
			declare_vars(g, st->for_range.body);
			break;
		default:
			break;
		}
	}
}

static void gen_program(struct cg *g, const struct ast_node *probe, int probe_id)
{
	const struct res_probe *rp = &g->res->probes.v[probe_id];
	struct arena tmp = {0};
	g->rp = rp;
	g->probe_id = probe_id;
	g->vars.n = 0;
	LLVMTypeRef fty = LLVMFunctionType(g->i64, &g->ptr, 1, 0);
	g->fn = LLVMAddFunction(g->M, rp->prog, fty);
	LLVMSetSection(g->fn, rp->prov->section(rp->target, &tmp));
	arena_free(&tmp);
	LLVMAddAttributeAtIndex(g->fn, LLVMAttributeFunctionIndex,
				LLVMCreateEnumAttribute(g->C, LLVMGetEnumAttributeKindForName("nounwind", 8), 0));
	LLVMMetadataRef tys[2] = {g->di_long, g->di_voidptr};
	LLVMMetadataRef sty = LLVMDIBuilderCreateSubroutineType(g->D, g->file, tys, 2, LLVMDIFlagPrototyped);
	unsigned line = (unsigned)(probe->loc.line > 0 ? probe->loc.line : 1);
	g->sp = LLVMDIBuilderCreateFunction(g->D, g->file, rp->prog, strlen(rp->prog), rp->prog, strlen(rp->prog),
					    g->file, line, sty, 0, 1, line, LLVMDIFlagPrototyped, 1);
	LLVMSetSubprogram(g->fn, g->sp);
	LLVMDIBuilderCreateParameterVariable(g->D, g->sp, "ctx", 3, 1, g->file, line, g->di_voidptr, 1, 0);
	g->ctx = LLVMGetParam(g->fn, 0);
	g->entry = LLVMAppendBasicBlockInContext(g->C, g->fn, "entry");
	ir_pool_begin(g);
	LLVMBasicBlockRef body = ir_block(g, "body");
	g->ret0 = ir_block(g, "ret0");
	ir_at(g, g->ret0);
	ir_set_loc(g, &probe->loc);
	LLVMBuildRet(g->B, ir_i64(g, 0));

	ir_at(g, body);
	ir_set_loc(g, &probe->loc);
	declare_vars(g, probe->probe.body->block.stmts);
	if (rp->prov->special == PS_NONE) {
		/* the runtime sets the stop flag at exit: disabling a tracepoint's perf event does not
		 * stop its BPF program, and nothing may run between exit() and END */
		LLVMValueRef key = ir_buf_nozero(g, 4, "stopkey");
		LLVMBuildStore(g->B, ir_i32(g, CG_CFG_STOP), key);
		LLVMValueRef p = ir_map_lookup(g, g->cfg, key);
		LLVMBasicBlockRef chk = ir_block(g, "stop_check"), go = ir_block(g, "running");
		LLVMBuildCondBr(g->B, LLVMBuildIsNull(g->B, p, ""), g->ret0, chk);
		ir_at(g, chk);
		LLVMValueRef stopped = LLVMBuildICmp(g->B, LLVMIntNE, ir_load_int(g, p, 8, false), ir_i64(g, 0), "");
		LLVMBuildCondBr(g->B, stopped, g->ret0, go);
		ir_at(g, go);
	}
	if (rp->prov->ctx_ptrs_nullable) {
		/* iterators call the program once more after the last element, with NULL objects */
		LLVMValueRef obj = ir_load_int(g, ir_gep(g, g->ctx, 8), 8, false);
		LLVMBasicBlockRef go = ir_block(g, "iter_object");
		LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntEQ, obj, ir_i64(g, 0), ""), g->ret0, go);
		ir_at(g, go);
	}
	if (g->res->target_pid && rp->prov->special == PS_NONE && strcmp(rp->prov->name, "interval") &&
	    !rp->prov->run) {
		/* -p PID: every probe but begin/end and interval timers sees that process only */
		LLVMValueRef pt = ir_helper(g, H_get_current_pid_tgid, g->i64, NULL, 0);
		LLVMValueRef mine = LLVMBuildICmp(g->B, LLVMIntEQ, LLVMBuildLShr(g->B, pt, ir_i64(g, 32), ""),
						  ir_i64(g, (uint64_t)g->res->target_pid), "");
		LLVMBasicBlockRef go = ir_block(g, "target_pid");
		LLVMBuildCondBr(g->B, mine, go, g->ret0);
		ir_at(g, go);
	}
	if (probe->probe.pred) {
		ir_set_loc(g, &probe->probe.pred->loc);
		LLVMValueRef c = expr(g, probe->probe.pred);
		LLVMBasicBlockRef go = ir_block(g, "pred_true");
		LLVMBuildCondBr(g->B, LLVMBuildICmp(g->B, LLVMIntNE, c, ir_i64(g, 0), ""), go, g->ret0);
		ir_at(g, go);
	}
	stmts(g, probe->probe.body->block.stmts);
	finish_function(g, body, line);
}

/* LLVM reports backend errors (e.g. the 512-byte BPF stack exceeded) through the context's
 * diagnostic handler; without one it prints and exits the process. Turn them into diagnostics
 * located at the probe whose program failed. */
static void on_llvm_diag(LLVMDiagnosticInfoRef di, void *ctx)
{
	struct cg *g = ctx;
	if (LLVMGetDiagInfoSeverity(di) != LLVMDSError)
		return;
	char *desc = LLVMGetDiagInfoDescription(di);
	const struct res_probe *rp = NULL;
	for (size_t i = 0; i < g->res->probes.n && !rp; i++) {
		char pat[128];
		snprintf(pat, sizeof(pat), "function %s ", g->res->probes.v[i].prog);
		if (strstr(desc, pat))
			rp = &g->res->probes.v[i];
	}
	if (g->failed && rp == g->diag_probe) { /* LLVM repeats itself once per stack object */
		LLVMDisposeMessage(desc);
		return;
	}
	g->diag_probe = rp;
	if (strstr(desc, "stack limit")) {
		diag_error(g->dl, rp ? &rp->loc : NULL, "the program for %s needs more than the 512 bytes of BPF stack",
			   rp ? rp->name : "a probe");
		diag_hint(g->dl, "use fewer values in one statement (e.g. split a long printf) or smaller strings");
	} else {
		diag_error(g->dl, rp ? &rp->loc : NULL, "BPF code generation failed%s%s: %s", rp ? " for " : "",
			   rp ? rp->name : "", desc);
	}
	LLVMDisposeMessage(desc);
	g->failed = true;
}

static int emit(struct cg *g, const struct cg_opts *o, struct cg_result *out)
{
	char *err = NULL;
	LLVMTargetRef T;
	if (LLVMGetTargetFromTriple("bpf", &T, &err)) {
		diag_error(g->dl, NULL, "LLVM has no BPF target: %s", err);
		LLVMDisposeMessage(err);
		return -EINVAL;
	}
	LLVMTargetMachineRef TM = LLVMCreateTargetMachine(T, "bpf", o->cpu ? o->cpu : "v3", "",
							  LLVMCodeGenLevelDefault, LLVMRelocDefault, LLVMCodeModelDefault);
	LLVMTargetDataRef td = LLVMCreateTargetDataLayout(TM);
	LLVMSetModuleDataLayout(g->M, td);
	LLVMDisposeTargetData(td);
	int rc = 0;
	if (o->dump_ir) {
		char *s = LLVMPrintModuleToString(g->M);
		fputs(s, o->dump_ir);
		LLVMDisposeMessage(s);
	}
	if (LLVMVerifyModule(g->M, LLVMReturnStatusAction, &err)) {
		diag_error(g->dl, NULL, "internal: invalid LLVM IR generated: %s", err);
		LLVMDisposeMessage(err);
		rc = -EINVAL;
		goto out;
	}
	LLVMDisposeMessage(err);
	err = NULL;
#ifdef SCRY_LLVM_OPT
	/* optional (cmake -DSCRY_LLVM_OPT=ON): LLVM's O2 pipeline links in the whole pass registry,
	 * which makes the binary 10 MB bigger and adds that much RSS to every run */
	LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
	LLVMErrorRef e = LLVMRunPasses(g->M, "default<O2>", TM, po);
	LLVMDisposePassBuilderOptions(po);
#else
	LLVMErrorRef e = NULL;
#endif
	if (e) {
		char *m = LLVMGetErrorMessage(e);
		diag_error(g->dl, NULL, "internal: LLVM optimisation failed: %s", m);
		LLVMDisposeErrorMessage(m);
		rc = -EINVAL;
		goto out;
	}
	if (o->dump_ir_opt) {
		char *s = LLVMPrintModuleToString(g->M);
		fputs(s, o->dump_ir_opt);
		LLVMDisposeMessage(s);
	}
	LLVMMemoryBufferRef buf;
	LLVMContextSetDiagnosticHandler(g->C, on_llvm_diag, g);
	if (LLVMTargetMachineEmitToMemoryBuffer(TM, g->M, LLVMObjectFile, &err, &buf) || g->failed) {
		if (g->failed) {
			if (!err)
				LLVMDisposeMemoryBuffer(buf);
			LLVMDisposeMessage(err);
			rc = -EINVAL;
			goto out;
		}
		diag_error(g->dl, NULL, "internal: BPF code generation failed: %s", err);
		LLVMDisposeMessage(err);
		rc = -EINVAL;
		goto out;
	}
	out->size = LLVMGetBufferSize(buf);
	out->elf = xmalloc(out->size);
	memcpy(out->elf, LLVMGetBufferStart(buf), out->size);
	LLVMDisposeMemoryBuffer(buf);
out:
	LLVMDisposeTargetMachine(TM);
	return rc;
}

int cg_compile(const struct ast_node *prog, const struct resources *res, const struct cg_opts *o,
	       struct cg_result *out, struct diag_list *dl)
{
	static bool inited;
	if (!inited) {
		LLVMInitializeBPFTargetInfo();
		LLVMInitializeBPFTarget();
		LLVMInitializeBPFTargetMC();
		LLVMInitializeBPFAsmPrinter();
		inited = true;
	}
	memset(out, 0, sizeof(*out));
	struct cg g = {.res = res, .dl = dl};
	g.C = LLVMContextCreate();
	g.M = LLVMModuleCreateWithNameInContext("scry", g.C);
	LLVMSetTarget(g.M, "bpf");
	g.B = LLVMCreateBuilderInContext(g.C);
	g.D = LLVMCreateDIBuilder(g.M);
	g.i1 = LLVMInt1TypeInContext(g.C);
	g.i8 = LLVMInt8TypeInContext(g.C);
	g.i32 = LLVMInt32TypeInContext(g.C);
	g.i64 = LLVMInt64TypeInContext(g.C);
	g.ptr = LLVMPointerTypeInContext(g.C, 0);
	LLVMAddModuleFlag(g.M, LLVMModuleFlagBehaviorWarning, "Debug Info Version", 18,
			  LLVMValueAsMetadata(ir_i32(&g, LLVMDebugMetadataVersion())));
	LLVMAddModuleFlag(g.M, LLVMModuleFlagBehaviorWarning, "Dwarf Version", 13, LLVMValueAsMetadata(ir_i32(&g, 5)));
	const char *path = o->src_path ? o->src_path : "/dev/null";
	g.file = LLVMDIBuilderCreateFile(g.D, path, strlen(path), "", 0);
	g.cu = LLVMDIBuilderCreateCompileUnit(g.D, LLVMDWARFSourceLanguageC, g.file, "scry", 4, 1, "", 0, 0, "", 0,
					      LLVMDWARFEmissionFull, 0, 0, 0, "", 0, "", 0);
	g.di_int = LLVMDIBuilderCreateBasicType(g.D, "int", 3, 32, 0x05, 0);
	g.di_long = LLVMDIBuilderCreateBasicType(g.D, "long", 4, 64, 0x05, 0);
	g.di_voidptr = LLVMDIBuilderCreatePointerType(g.D, NULL, 64, 64, 0, NULL, 0);

	/* maps */
	g.maps = xcalloc(res->maps.n ? res->maps.n : 1, sizeof(*g.maps));
	for (size_t i = 0; i < res->maps.n; i++) {
		const struct res_map *m = &res->maps.v[i];
		bool bucket = m->value->kind == T_HIST || m->value->kind == T_LHIST;
		g.maps[i] = ir_map_def(&g, m->sym, m->bpf_type, m->max_entries, m->key_size, m->value_size,
				       bucket ? BPF_F_NO_PREALLOC : 0);
	}
	g.ringbuf = ir_map_def(&g, CG_RINGBUF_MAP, BPF_MAP_TYPE_RINGBUF, res->ringbuf_size, 0, 0, 0);
	g.cfg = ir_map_def(&g, CG_CFG_MAP, BPF_MAP_TYPE_ARRAY, CG_CFG_N, 4, 8, 0);
	g.scratch_map = ir_map_global(&g, CG_SCRATCH_MAP, 4);

	const char *license = o->license ? o->license : "GPL";
	unsigned lic_len = (unsigned)strlen(license);
	LLVMValueRef lic = LLVMAddGlobal(g.M, LLVMArrayType(g.i8, lic_len + 1), "_license");
	LLVMSetInitializer(lic, LLVMConstStringInContext(g.C, license, lic_len, 0));
	LLVMSetSection(lic, "license");
	LLVMSetAlignment(lic, 1);

	for (const struct ast_node *p = prog->program.items; p; p = p->next) {
		if (p->kind != AST_PROBE)
			continue;
		for (size_t i = 0; i < res->probes.n; i++)
			if (res->probes.v[i].probe_index == p->probe.index)
				gen_program(&g, p, (int)i);
	}
	ir_map_di(&g, g.scratch_map, BPF_MAP_TYPE_PERCPU_ARRAY, 1, 4, g.scratch_max ? g.scratch_max : 8, 0);
	LLVMDIBuilderFinalize(g.D);

	int rc = g.failed ? -EINVAL : emit(&g, o, out);
	VEC_FREE(g.vars);
	VEC_FREE(g.loops);
	free(g.maps);
	LLVMDisposeDIBuilder(g.D);
	LLVMDisposeBuilder(g.B);
	LLVMDisposeModule(g.M);
	LLVMContextDispose(g.C);
	return rc;
}

void cg_result_free(struct cg_result *r)
{
	if (!r)
		return;
	free(r->elf);
	r->elf = NULL;
	r->size = 0;
}

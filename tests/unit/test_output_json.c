/* Unit tests for the JSON backend (output_json.c): every value kind and every map kind, built in
 * memory, rendered to exact NDJSON lines (no root, no BPF).
 *
 * Where the expected text comes from:
 *  - "newest:" bpftrace master's tests/runtime/json-output cases and their outputs/ JSON files
 *    (the script is quoted), with the exact spacing of its src/output/json.cpp: objects spaced
 *    (`{"a": 1, "b": 2}`), arrays and histogram bucket lists unspaced (`[1,2]`, `},{`).
 *  - "0.17:" Debian's bpftrace 0.17 `-f json` on the same values, where newest agrees (0.17 has no
 *    "count" in attached_probes/lost_events and spaces histogram buckets with ", ").
 *  - "source:" behaviour read from newest's json.cpp with no runtime test (large integers as strings,
 *    keys with every space removed, buffers as signed byte values). */
#define _GNU_SOURCE
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "runtime/output.h"

static struct type_ctx tc;
static struct arena ar;

/* Run stmt against a fresh JSON output (fully buffered); out_text gets the malloc'ed text. */
#define CAPTURE(out_text, stmt)                           \
	do {                                              \
		char *buf_ = NULL;                        \
		size_t len_ = 0;                          \
		FILE *f_ = open_memstream(&buf_, &len_);  \
		struct output *o = output_json_new(f_);   \
		output_set_buffering(o, OUTPUT_BUF_FULL); \
		stmt;                                     \
		output_free(o);                           \
		fclose(f_);                               \
		out_text = buf_;                          \
	} while (0)

static char *value_json(const struct rt_value *v)
{
	char *t;
	CAPTURE(t, output_value(o, v));
	return t;
}

#define CHECK_VALUE(v, want)                                                  \
	do {                                                                  \
		char *t_ = value_json(v);                                     \
		CHECK_STR(t_, "{\"type\": \"value\", \"data\": " want "}\n"); \
		free(t_);                                                     \
	} while (0)

/* ---- values ----------------------------------------------------------------------------------- */

static struct rt_value *mk_seq(enum rv_kind k, struct rt_value *elems, uint32_t n)
{
	struct rt_value *v = rv_new(&ar, k);
	v->elems = elems;
	v->n = n;
	return v;
}

static struct rt_value *mk_str(const char *s) { return rv_str(&ar, s, strlen(s)); }

static void test_scalars(void)
{
	CHECK_VALUE(rv_new(&ar, RV_NONE), "null");
	struct rt_value *b = rv_new(&ar, RV_BOOL);
	b->b = true;
	CHECK_VALUE(b, "true");
	b = rv_new(&ar, RV_BOOL);
	CHECK_VALUE(b, "false");
	/* newest print_non_map: $x = 5; print($x) */
	CHECK_VALUE(rv_int(&ar, 5), "5");
	CHECK_VALUE(rv_int(&ar, -42), "-42");
	CHECK_VALUE(rv_uint(&ar, 0), "0");
	/* source: integers whose round trip through a double changes them are strings */
	CHECK_VALUE(rv_int(&ar, 9007199254740992LL), "9007199254740992");   /* 2^53 */
	CHECK_VALUE(rv_int(&ar, 9007199254740993LL), "\"9007199254740993\""); /* 2^53 + 1 */
	CHECK_VALUE(rv_int(&ar, -9007199254740993LL), "\"-9007199254740993\"");
	CHECK_VALUE(rv_int(&ar, INT64_MIN), "-9223372036854775808"); /* -2^63 is a double */
	CHECK_VALUE(rv_int(&ar, INT64_MAX), "\"9223372036854775807\"");
	CHECK_VALUE(rv_uint(&ar, 1ull << 63), "9223372036854775808");
	CHECK_VALUE(rv_uint(&ar, UINT64_MAX), "\"18446744073709551615\"");
	CHECK_VALUE(rv_uint(&ar, (1ull << 53) + 1), "\"9007199254740993\"");
	/* newest print_hex_values: @ = (int16 *)0x32 -> 50; enum_not_symbolized: 333 */
	struct rt_value *sym = rv_new(&ar, RV_SYM);
	sym->s = "0x32";
	sym->len = 4;
	sym->u = 0x32;
	CHECK_VALUE(sym, "50");
	sym = rv_new(&ar, RV_SYM);
	sym->s = "FOO";
	sym->len = 3;
	sym->u = 333;
	CHECK_VALUE(sym, "333");
}

static void test_strings(void)
{
	/* newest strerror: print(strerror(7)) */
	CHECK_VALUE(mk_str("Argument list too long"), "\"Argument list too long\"");
	/* newest printf_escaping (the same escapes apply to every string) */
	CHECK_VALUE(mk_str("test \r \n \t \\ \" bar"), "\"test \\r \\n \\t \\\\ \\\" bar\"");
	/* 0.17: print("a\x01b") -> "a\u0001b"; other control bytes likewise, DEL is kept */
	CHECK_VALUE(mk_str("a\x01" "b\x1f\x7f"), "\"a\\u0001b\\u001f\x7f\"");
	CHECK_VALUE(mk_str("\x1b[0m"), "\"\\u001b[0m\"");
	CHECK_VALUE(mk_str(""), "\"\"");
	/* valid UTF-8 is copied; other bytes >= 0x80 become \u00XX (bpftrace prints "\uffffffc3") */
	CHECK_VALUE(mk_str("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	CHECK_VALUE(mk_str("a\xff" "b\xc3"), "\"a\\u00ffb\\u00c3\"");
	CHECK_VALUE(mk_str("\xc0\xaf"), "\"\\u00c0\\u00af\""); /* overlong encoding */
	CHECK_VALUE(mk_str("\xed\xa0\x80"), "\"\\u00ed\\u00a0\\u0080\""); /* surrogate */
	/* an embedded NUL inside the length */
	CHECK_VALUE(rv_str(&ar, "a\0b", 3), "\"a\\u0000b\"");
}

static void test_compound(void)
{
	/* newest tuple: @ = (1, 2, "string", (4, 5)) -> [1,2,"string",[4,5]] */
	struct rt_value *inner = arena_alloc(&ar, 2 * sizeof(*inner));
	inner[0] = *rv_int(&ar, 4);
	inner[1] = *rv_int(&ar, 5);
	struct rt_value *el = arena_alloc(&ar, 4 * sizeof(*el));
	el[0] = *rv_int(&ar, 1);
	el[1] = *rv_int(&ar, 2);
	el[2] = *mk_str("string");
	el[3] = *mk_seq(RV_TUPLE, inner, 2);
	CHECK_VALUE(mk_seq(RV_TUPLE, el, 4), "[1,2,\"string\",[4,5]]");
	/* newest print bool type: print((true, false)) */
	struct rt_value *bools = arena_alloc(&ar, 2 * sizeof(*bools));
	bools[0] = *rv_new(&ar, RV_BOOL);
	bools[0].b = true;
	bools[1] = *rv_new(&ar, RV_BOOL);
	CHECK_VALUE(mk_seq(RV_TUPLE, bools, 2), "[true,false]");
	/* newest tuple_with_escaped_string */
	struct rt_value *esc = arena_alloc(&ar, 3 * sizeof(*esc));
	esc[0] = *rv_int(&ar, 1);
	esc[1] = *rv_int(&ar, 2);
	esc[2] = *mk_str("string with \"quotes\"");
	CHECK_VALUE(mk_seq(RV_TUPLE, esc, 3), "[1,2,\"string with \\\"quotes\\\"\"]");
	/* newest print_non_map_nested_struct: {"y": {"m": [2]}, "a": {"n": 3}} */
	struct rt_value *arr = mk_seq(RV_ARRAY, rv_int(&ar, 2), 1);
	static const char *ny[] = {"m"}, *na[] = {"n"}, *nf[] = {"y", "a"};
	struct rt_value *y = mk_seq(RV_RECORD, arr, 1);
	y->names = ny;
	struct rt_value *a = mk_seq(RV_RECORD, rv_int(&ar, 3), 1);
	a->names = na;
	struct rt_value *fields = arena_alloc(&ar, 2 * sizeof(*fields));
	fields[0] = *y;
	fields[1] = *a;
	struct rt_value *f = mk_seq(RV_RECORD, fields, 2);
	f->names = nf;
	CHECK_VALUE(f, "{\"y\": {\"m\": [2]}, \"a\": {\"n\": 3}}");
	/* newest tuple_with_struct: (0, $f) -> [0,{"m": 2, "n": 3}] */
	static const char *nmn[] = {"m", "n"};
	struct rt_value *mn = arena_alloc(&ar, 2 * sizeof(*mn));
	mn[0] = *rv_int(&ar, 2);
	mn[1] = *rv_int(&ar, 3);
	struct rt_value *st = mk_seq(RV_RECORD, mn, 2);
	st->names = nmn;
	struct rt_value *tw = arena_alloc(&ar, 2 * sizeof(*tw));
	tw[0] = *rv_int(&ar, 0);
	tw[1] = *st;
	CHECK_VALUE(mk_seq(RV_TUPLE, tw, 2), "[0,{\"m\": 2, \"n\": 3}]");
	/* newest "none type": a union member decodes to nothing -> null */
	static const char *nif[] = {"i", "f"};
	struct rt_value *un = arena_alloc(&ar, 2 * sizeof(*un));
	un[0] = *rv_int(&ar, 5);
	un[1] = *rv_new(&ar, RV_NONE);
	struct rt_value *u = mk_seq(RV_RECORD, un, 2);
	u->names = nif;
	CHECK_VALUE(u, "{\"i\": 5, \"f\": null}");
	/* empty containers; a field name is escaped like any string */
	CHECK_VALUE(mk_seq(RV_ARRAY, NULL, 0), "[]");
	CHECK_VALUE(mk_seq(RV_RECORD, NULL, 0), "{}");
	static const char *odd[] = {"a\"b"};
	struct rt_value *r = mk_seq(RV_RECORD, rv_int(&ar, 1), 1);
	r->names = odd;
	CHECK_VALUE(r, "{\"a\\\"b\": 1}");
	/* source: buffers are arrays of byte values, sign-extended like bpftrace's char */
	struct rt_value *buf = rv_str(&ar, "ab\xff\x00\x80", 5);
	buf->kind = RV_BUFFER;
	CHECK_VALUE(buf, "[97,98,-1,0,-128]");
	buf = rv_str(&ar, "", 0);
	buf->kind = RV_BUFFER;
	CHECK_VALUE(buf, "[]");
}

/* ---- messages --------------------------------------------------------------------------------- */

static void test_messages(void)
{
	char *t;
	/* newest printf: printf("test %d", 5) -> one object even without a newline */
	CAPTURE(t, output_printf_text(o, "test 5", 6));
	CHECK_STR(t, "{\"type\": \"printf\", \"data\": \"test 5\"}\n");
	free(t);
	CAPTURE(t, (output_printf_text(o, "a\n", 2), output_printf_text(o, "b\n", 2)));
	CHECK_STR(t, "{\"type\": \"printf\", \"data\": \"a\\n\"}\n{\"type\": \"printf\", \"data\": \"b\\n\"}\n");
	free(t);
	/* newest time / cat / join / syscall (system("echo a b c") -> "a b c\n") */
	CAPTURE(t, output_message(o, OUT_MSG_TIME, "12:00:01\n", 9));
	CHECK_STR(t, "{\"type\": \"time\", \"data\": \"12:00:01\\n\"}\n");
	free(t);
	CAPTURE(t, output_message(o, OUT_MSG_CAT, "1.5 2.5\n", 8));
	CHECK_STR(t, "{\"type\": \"cat\", \"data\": \"1.5 2.5\\n\"}\n");
	free(t);
	CAPTURE(t, output_message(o, OUT_MSG_JOIN, "/bin/echo,'A'", 13));
	CHECK_STR(t, "{\"type\": \"join\", \"data\": \"/bin/echo,'A'\"}\n");
	free(t);
	CAPTURE(t, output_message(o, OUT_MSG_SYSTEM, "a b c", 5));
	CHECK_STR(t, "{\"type\": \"syscall\", \"data\": \"a b c\\n\"}\n");
	free(t);
	/* newest attached probes: {"type": "attached_probes", "count": 1, "data": {"probes": 1}} */
	CAPTURE(t, output_attached_probes(o, 1));
	CHECK_STR(t, "{\"type\": \"attached_probes\", \"count\": 1, \"data\": {\"probes\": 1}}\n");
	free(t);
	CAPTURE(t, output_attached_probes(o, 12));
	CHECK_STR(t, "{\"type\": \"attached_probes\", \"count\": 12, \"data\": {\"probes\": 12}}\n");
	free(t);
	CAPTURE(t, output_lost_events(o, 7));
	CHECK_STR(t, "{\"type\": \"lost_events\", \"count\": 7, \"data\": {\"events\": 7}}\n");
	free(t);
	/* JSON prints nothing at the end of the run (text prints two newlines) */
	CAPTURE(t, output_end(o));
	CHECK_STR(t, "");
	free(t);
}

/* ---- maps ------------------------------------------------------------------------------------- */

static struct res_map mk_map(const char *name, struct type *key, struct type *value, bool percpu)
{
	struct res_map m = {0};
	m.name = name;
	m.key = key;
	m.value = value;
	bool hist = value->kind == T_HIST || value->kind == T_LHIST;
	m.key_size = (key ? key->size : 8) + (hist ? 8 : 0);
	m.value_size = value->size;
	m.bpf_type = percpu ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH;
	m.max_entries = 4096;
	return m;
}

static void add_kv(struct rt_map_elems *e, const void *key, const void *val)
{
	uint8_t buf[256] = {0};
	memcpy(buf, val, e->value_size);
	rt_map_elems_add(e, key, buf);
}

/* Histogram elements: one per bucket, per-CPU counts split over 2 CPUs. */
static void hist_observe(struct rt_map_elems *e, const void *prefix, uint32_t plen, uint64_t bucket, uint64_t n)
{
	uint8_t key[64] = {0};
	memcpy(key, prefix, plen);
	memcpy(key + plen, &bucket, 8);
	for (size_t i = 0; i < e->n; i++)
		if (!memcmp(e->keys + i * e->key_size, key, e->key_size)) {
			uint64_t *v = (uint64_t *)(e->vals + i * (size_t)e->stride * e->ncpus);
			v[0] += n;
			return;
		}
	uint64_t vals[2] = {n / 2, n - n / 2};
	rt_map_elems_add(e, key, vals);
}

static char *print_elems(const struct res_map *m, struct rt_map_elems *e, int64_t top, int64_t div, bool at_exit)
{
	char *t;
	CAPTURE(t, rt_map_print_elems(o, NULL, m, e, top, div, at_exit));
	return t;
}

static void test_plain_maps(void)
{
	char *t;
	struct rt_map_elems e;
	struct type *i64 = type_int(&tc, 8, true);
	uint64_t zero = 0;

	/* newest scalar: @scalar = 5 */
	{
		struct res_map m = mk_map("@scalar", NULL, i64, false);
		rt_map_elems_init(&e, &m, 1);
		int64_t v = 5;
		add_kv(&e, &zero, &v);
		t = print_elems(&m, &e, 0, 1, true);
		CHECK_STR(t, "{\"type\": \"map\", \"data\": {\"@scalar\": 5}}\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* newest scalar_str: @scalar_str = "a b \n d e" (values keep their spaces) */
	{
		struct res_map m = mk_map("@scalar_str", NULL, type_string(&tc, 16), false);
		rt_map_elems_init(&e, &m, 1);
		char v[16] = "a b \n d e";
		add_kv(&e, &zero, v);
		t = print_elems(&m, &e, 0, 1, true);
		CHECK_STR(t, "{\"type\": \"map\", \"data\": {\"@scalar_str\": \"a b \\n d e\"}}\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* newest map: @map["key1"] = 2; @map["key2"] = 3 (sorted by value) */
	{
		struct res_map m = mk_map("@map", type_string(&tc, 8), i64, false);
		rt_map_elems_init(&e, &m, 1);
		char k1[8] = "key1", k2[8] = "key2";
		int64_t v1 = 2, v2 = 3;
		add_kv(&e, k2, &v2);
		add_kv(&e, k1, &v1);
		t = print_elems(&m, &e, 0, 1, true);
		CHECK_STR(t, "{\"type\": \"map\", \"data\": {\"@map\": {\"key1\": 2, \"key2\": 3}}}\n");
		free(t);
		/* print(@map, 1, 2): the biggest entry, halved */
		t = print_elems(&m, &e, 1, 2, false);
		CHECK_STR(t, "{\"type\": \"map\", \"data\": {\"@map\": {\"key2\": 1}}}\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* newest complex: @complex[comm, 2] = 5 -> "bpftrace,2"; 0.17: @c[1, "x"] = count() -> "1,x" */
	{
		struct type *el[2] = {type_string(&tc, 16), i64};
		struct type *tt = type_tuple(&tc, el, 2);
		struct res_map m = mk_map("@complex", tt, i64, false);
		rt_map_elems_init(&e, &m, 1);
		uint8_t key[64] = {0};
		memcpy(key, "bpftrace", 9);
		int64_t two = 2, v = 5;
		memcpy(key + tt->fields[1].offset, &two, 8);
		add_kv(&e, key, &v);
		t = print_elems(&m, &e, 0, 1, true);
		CHECK_STR(t, "{\"type\": \"map\", \"data\": {\"@complex\": {\"bpftrace,2\": 5}}}\n");
		free(t);
		rt_map_elems_free(&e);

		struct type *el2[2] = {i64, type_string(&tc, 8)};
		struct type *tt2 = type_tuple(&tc, el2, 2);
		struct res_map c = mk_map("@c", tt2, type_agg(&tc, T_COUNT, false), true);
		rt_map_elems_init(&e, &c, 2);
		int64_t one = 1;
		uint64_t cnt[2] = {1, 0};
		memset(key, 0, sizeof(key));
		memcpy(key, &one, 8);
		memcpy(key + tt2->fields[1].offset, "x", 2);
		rt_map_elems_add(&e, key, cnt);
		t = print_elems(&c, &e, 0, 1, true);
		CHECK_STR(t, "{\"type\": \"map\", \"data\": {\"@c\": {\"1,x\": 1}}}\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* source: every space of a key's text goes, string keys too (0.17 kept "a b") */
	{
		struct res_map m = mk_map("@m", type_string(&tc, 8), i64, false);
		rt_map_elems_init(&e, &m, 1);
		char k[8] = "a b", q[8] = "\"(x)\"";
		int64_t v = 1, w = 2;
		add_kv(&e, k, &v);
		add_kv(&e, q, &w);
		t = print_elems(&m, &e, 0, 1, true);
		CHECK_STR(t, "{\"type\": \"map\", \"data\": {\"@m\": {\"ab\": 1, \"\\\"(x)\\\"\": 2}}}\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* negative keys and values; the map name "@" alone */
	{
		struct res_map m = mk_map("@", i64, i64, false);
		rt_map_elems_init(&e, &m, 1);
		int64_t k1 = -7, v1 = -3, k2 = 4, v2 = 10;
		add_kv(&e, &k1, &v1);
		add_kv(&e, &k2, &v2);
		t = print_elems(&m, &e, 0, 1, true);
		CHECK_STR(t, "{\"type\": \"map\", \"data\": {\"@\": {\"-7\": -3, \"4\": 10}}}\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* an empty keyed map prints nothing (at exit and on print()); an empty scalar map prints
	 * nothing at exit and its zero value on print() */
	{
		struct res_map m = mk_map("@e", i64, i64, false);
		rt_map_elems_init(&e, &m, 1);
		t = print_elems(&m, &e, 0, 1, true);
		CHECK_STR(t, "");
		free(t);
		t = print_elems(&m, &e, 0, 1, false);
		CHECK_STR(t, "");
		free(t);
		rt_map_elems_free(&e);
		struct res_map c = mk_map("@c", NULL, type_agg(&tc, T_COUNT, false), true);
		rt_map_elems_init(&e, &c, 2);
		t = print_elems(&c, &e, 0, 1, true);
		CHECK_STR(t, "");
		free(t);
		t = print_elems(&c, &e, 0, 1, false);
		CHECK_STR(t, "{\"type\": \"map\", \"data\": {\"@c\": 0}}\n");
		free(t);
		rt_map_elems_free(&e);
	}
}

static void test_stats_maps(void)
{
	char *t;
	struct rt_map_elems e;
	uint64_t zero = 0;
	/* newest stats: @stats = stats(2); @stats = stats(10) */
	{
		struct res_map m = mk_map("@stats", NULL, type_agg(&tc, T_STATS, true), true);
		rt_map_elems_init(&e, &m, 2);
		int64_t v[4] = {2, 1, 10, 1}; /* {total, count} per CPU */
		rt_map_elems_add(&e, &zero, v);
		t = print_elems(&m, &e, 0, 1, true);
		CHECK_STR(t, "{\"type\": \"stats\", \"data\": {\"@stats\": {\"count\": 2, \"average\": 6, \"total\": 12}}}\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* newest multiple stats: @stats["curl"] = stats(2); @stats["zsh"] = stats(10) */
	{
		struct res_map m = mk_map("@stats", type_string(&tc, 8), type_agg(&tc, T_STATS, true), true);
		rt_map_elems_init(&e, &m, 2);
		char kz[8] = "zsh", kc[8] = "curl";
		int64_t vz[4] = {10, 1, 0, 0}, vc[4] = {0, 0, 2, 1};
		rt_map_elems_add(&e, kz, vz);
		rt_map_elems_add(&e, kc, vc);
		t = print_elems(&m, &e, 0, 1, true);
		CHECK_STR(t, "{\"type\": \"stats\", \"data\": {\"@stats\": {\"curl\": {\"count\": 1, \"average\": 2, \"total\": 2}, "
			     "\"zsh\": {\"count\": 1, \"average\": 10, \"total\": 10}}}}\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* 0.17: @v = avg(10) -> {"type": "stats", "data": {"@v": 10}} */
	{
		struct res_map m = mk_map("@v", NULL, type_agg(&tc, T_AVG, true), true);
		rt_map_elems_init(&e, &m, 2);
		int64_t v[4] = {10, 1, 0, 0};
		rt_map_elems_add(&e, &zero, v);
		t = print_elems(&m, &e, 0, 1, true);
		CHECK_STR(t, "{\"type\": \"stats\", \"data\": {\"@v\": 10}}\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* newest print_avg_map_args / print_avg_map_with_large_top: @[a..d] = avg(10..40);
	 * print(@, 2, 10) and print(@, 10, 10) */
	{
		struct res_map m = mk_map("@", type_string(&tc, 2), type_agg(&tc, T_AVG, true), true);
		rt_map_elems_init(&e, &m, 2);
		const char *keys = "bdac";
		int64_t vals[] = {20, 40, 10, 30};
		for (int i = 0; i < 4; i++) {
			char k[2] = {keys[i], 0};
			int64_t v[4] = {vals[i], 1, 0, 0};
			rt_map_elems_add(&e, k, v);
		}
		t = print_elems(&m, &e, 2, 10, false);
		CHECK_STR(t, "{\"type\": \"stats\", \"data\": {\"@\": {\"c\": 3, \"d\": 4}}}\n");
		free(t);
		t = print_elems(&m, &e, 10, 10, false);
		CHECK_STR(t, "{\"type\": \"stats\", \"data\": {\"@\": {\"a\": 1, \"b\": 2, \"c\": 3, \"d\": 4}}}\n");
		free(t);
		rt_map_elems_free(&e);
	}
}

static char *hist_json(const char *name, int k, const int64_t *vals, size_t n)
{
	struct type *ht = type_agg(&tc, T_HIST, false);
	ht->hist_k = k;
	struct res_map m = mk_map(name, NULL, ht, true);
	struct rt_map_elems e;
	rt_map_elems_init(&e, &m, 2);
	uint8_t zero[8] = {0};
	for (size_t i = 0; i < n; i++)
		hist_observe(&e, zero, 8, rt_hist_index(vals[i], k), 1);
	char *t = print_elems(&m, &e, 0, 1, true);
	rt_map_elems_free(&e);
	return t;
}

static char *lhist_json(const char *name, int64_t min, int64_t max, int64_t step, const int64_t *vals, size_t n)
{
	struct type *lt = type_agg(&tc, T_LHIST, false);
	lt->lh_min = min;
	lt->lh_max = max;
	lt->lh_step = step;
	struct res_map m = mk_map(name, NULL, lt, true);
	struct rt_map_elems e;
	rt_map_elems_init(&e, &m, 2);
	uint8_t zero[8] = {0};
	for (size_t i = 0; i < n; i++)
		hist_observe(&e, zero, 8, rt_lhist_index(vals[i], min, max, step), 1);
	char *t = print_elems(&m, &e, 0, 1, true);
	rt_map_elems_free(&e);
	return t;
}

static void test_hist_maps(void)
{
	char *t;
	/* newest histogram: @hist = hist(2); @hist = hist(1025) */
	{
		int64_t v[] = {2, 1025};
		t = hist_json("@hist", 0, v, 2);
		CHECK_STR(t, "{\"type\": \"hist\", \"data\": {\"@hist\": ["
			     "{\"min\": 2, \"max\": 3, \"count\": 1},{\"min\": 4, \"max\": 7, \"count\": 0},"
			     "{\"min\": 8, \"max\": 15, \"count\": 0},{\"min\": 16, \"max\": 31, \"count\": 0},"
			     "{\"min\": 32, \"max\": 63, \"count\": 0},{\"min\": 64, \"max\": 127, \"count\": 0},"
			     "{\"min\": 128, \"max\": 255, \"count\": 0},{\"min\": 256, \"max\": 511, \"count\": 0},"
			     "{\"min\": 512, \"max\": 1023, \"count\": 0},{\"min\": 1024, \"max\": 2047, \"count\": 1}]}}\n");
		free(t);
	}
	/* 0.17: hist(5), hist(-1), hist(0): the underflow bucket has no "min" */
	{
		int64_t v[] = {5, -1, 0};
		t = hist_json("@h", 0, v, 3);
		CHECK_STR(t, "{\"type\": \"hist\", \"data\": {\"@h\": [{\"max\": -1, \"count\": 1},"
			     "{\"min\": 0, \"max\": 0, \"count\": 1},{\"min\": 1, \"max\": 1, \"count\": 0},"
			     "{\"min\": 2, \"max\": 3, \"count\": 0},{\"min\": 4, \"max\": 7, \"count\": 1}]}}\n");
		free(t);
	}
	/* newest hist_10g: @ = hist(10G) -> one bucket beyond 2^32 */
	{
		int64_t v[] = {10LL << 30};
		t = hist_json("@", 0, v, 1);
		CHECK_STR(t, "{\"type\": \"hist\", \"data\": {\"@\": [{\"min\": 8589934592, \"max\": 17179869183, \"count\": 1}]}}\n");
		free(t);
	}
	/* newest histogram-finegrain (hist_2args.json): hist(i, 3) for i in 0..1023, first rows */
	{
		int64_t v[1024];
		for (int i = 0; i < 1024; i++)
			v[i] = i;
		t = hist_json("@", 3, v, 1024);
		const char *pre = "{\"type\": \"hist\", \"data\": {\"@\": [{\"min\": 0, \"max\": 0, \"count\": 1},"
				  "{\"min\": 1, \"max\": 1, \"count\": 1},";
		CHECK(t && !strncmp(t, pre, strlen(pre)));
		CHECK(t && strstr(t, "{\"min\": 15, \"max\": 15, \"count\": 1},{\"min\": 16, \"max\": 17, \"count\": 2},"));
		CHECK(t && strstr(t, ",{\"min\": 960, \"max\": 1023, \"count\": 64}]}}\n"));
		free(t);
	}
	/* newest linear histogram: lhist(2|50|1000, 0, 100, 10) */
	{
		int64_t v[] = {2, 50, 1000};
		t = lhist_json("@h", 0, 100, 10, v, 3);
		CHECK_STR(t, "{\"type\": \"hist\", \"data\": {\"@h\": ["
			     "{\"min\": 0, \"max\": 9, \"count\": 1},{\"min\": 10, \"max\": 19, \"count\": 0},"
			     "{\"min\": 20, \"max\": 29, \"count\": 0},{\"min\": 30, \"max\": 39, \"count\": 0},"
			     "{\"min\": 40, \"max\": 49, \"count\": 0},{\"min\": 50, \"max\": 59, \"count\": 1},"
			     "{\"min\": 60, \"max\": 69, \"count\": 0},{\"min\": 70, \"max\": 79, \"count\": 0},"
			     "{\"min\": 80, \"max\": 89, \"count\": 0},{\"min\": 90, \"max\": 99, \"count\": 0},"
			     "{\"min\": 100, \"count\": 1}]}}\n");
		free(t);
	}
	/* 0.17: lhist(5|50|-3, 0, 10, 2): underflow max = min - 1, overflow has no "max" */
	{
		int64_t v[] = {5, 50, -3};
		t = lhist_json("@l", 0, 10, 2, v, 3);
		CHECK_STR(t, "{\"type\": \"hist\", \"data\": {\"@l\": [{\"max\": -1, \"count\": 1},"
			     "{\"min\": 0, \"max\": 1, \"count\": 0},{\"min\": 2, \"max\": 3, \"count\": 0},"
			     "{\"min\": 4, \"max\": 5, \"count\": 1},{\"min\": 6, \"max\": 7, \"count\": 0},"
			     "{\"min\": 8, \"max\": 9, \"count\": 0},{\"min\": 10, \"count\": 1}]}}\n");
		free(t);
	}
	/* lhist with a negative minimum, below-range only */
	{
		int64_t v[] = {-100};
		t = lhist_json("@n", -10, 10, 5, v, 1);
		CHECK_STR(t, "{\"type\": \"hist\", \"data\": {\"@n\": [{\"max\": -11, \"count\": 1}]}}\n");
		free(t);
	}
}

static void test_keyed_hist(void)
{
	struct type *ht = type_agg(&tc, T_HIST, false);
	struct rt_map_elems e;
	char *t;
	/* newest print_hist_with_top_arg / print_hist_with_large_top_arg:
	 * @[1] = hist(10); @[2] = hist(20); @[3] = hist(30); print(@, 2) and print(@, 10) */
	{
		struct res_map m = mk_map("@", type_int(&tc, 8, true), ht, true);
		rt_map_elems_init(&e, &m, 2);
		for (int64_t k = 1; k <= 3; k++)
			hist_observe(&e, &k, 8, rt_hist_index(10 * k, 0), 1);
		t = print_elems(&m, &e, 2, 0, false);
		CHECK_STR(t, "{\"type\": \"hist\", \"data\": {\"@\": {\"2\": [{\"min\": 16, \"max\": 31, \"count\": 1}], "
			     "\"3\": [{\"min\": 16, \"max\": 31, \"count\": 1}]}}}\n");
		free(t);
		t = print_elems(&m, &e, 10, 0, false);
		CHECK_STR(t, "{\"type\": \"hist\", \"data\": {\"@\": {\"1\": [{\"min\": 8, \"max\": 15, \"count\": 1}], "
			     "\"2\": [{\"min\": 16, \"max\": 31, \"count\": 1}], \"3\": [{\"min\": 16, \"max\": 31, \"count\": 1}]}}}\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* newest multiple histograms multiple keys: @["bpftrace", 2] = hist(2);
	 * @["curl", 3] = hist(511); @["curl", 3] = hist(1024)  (sorted by total count) */
	{
		struct type *el[2] = {type_string(&tc, 16), type_int(&tc, 8, true)};
		struct type *tt = type_tuple(&tc, el, 2);
		struct res_map m = mk_map("@", tt, ht, true);
		rt_map_elems_init(&e, &m, 2);
		uint8_t kb[32] = {0}, kc[32] = {0};
		int64_t two = 2, three = 3;
		memcpy(kb, "bpftrace", 9);
		memcpy(kb + tt->fields[1].offset, &two, 8);
		memcpy(kc, "curl", 5);
		memcpy(kc + tt->fields[1].offset, &three, 8);
		hist_observe(&e, kc, tt->size, rt_hist_index(511, 0), 1);
		hist_observe(&e, kb, tt->size, rt_hist_index(2, 0), 1);
		hist_observe(&e, kc, tt->size, rt_hist_index(1024, 0), 1);
		t = print_elems(&m, &e, 0, 1, true);
		CHECK_STR(t, "{\"type\": \"hist\", \"data\": {\"@\": {\"bpftrace,2\": [{\"min\": 2, \"max\": 3, \"count\": 1}], "
			     "\"curl,3\": [{\"min\": 256, \"max\": 511, \"count\": 1},{\"min\": 512, \"max\": 1023, \"count\": 0},"
			     "{\"min\": 1024, \"max\": 2047, \"count\": 1}]}}}\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* newest multiple linear histograms: @stats["bpftrace"] = lhist(2|1000, 0, 100, 10);
	 * @stats["curl"] = lhist(50, 0, 100, 10) */
	{
		struct type *lt = type_agg(&tc, T_LHIST, false);
		lt->lh_min = 0;
		lt->lh_max = 100;
		lt->lh_step = 10;
		struct res_map m = mk_map("@stats", type_string(&tc, 16), lt, true);
		rt_map_elems_init(&e, &m, 2);
		char kb[16] = "bpftrace", kc[16] = "curl";
		hist_observe(&e, kb, 16, rt_lhist_index(2, 0, 100, 10), 1);
		hist_observe(&e, kc, 16, rt_lhist_index(50, 0, 100, 10), 1);
		hist_observe(&e, kb, 16, rt_lhist_index(1000, 0, 100, 10), 1);
		t = print_elems(&m, &e, 0, 1, true);
		CHECK_STR(t, "{\"type\": \"hist\", \"data\": {\"@stats\": {\"curl\": [{\"min\": 50, \"max\": 59, \"count\": 1}], "
			     "\"bpftrace\": [{\"min\": 0, \"max\": 9, \"count\": 1},{\"min\": 10, \"max\": 19, \"count\": 0},"
			     "{\"min\": 20, \"max\": 29, \"count\": 0},{\"min\": 30, \"max\": 39, \"count\": 0},"
			     "{\"min\": 40, \"max\": 49, \"count\": 0},{\"min\": 50, \"max\": 59, \"count\": 0},"
			     "{\"min\": 60, \"max\": 69, \"count\": 0},{\"min\": 70, \"max\": 79, \"count\": 0},"
			     "{\"min\": 80, \"max\": 89, \"count\": 0},{\"min\": 90, \"max\": 99, \"count\": 0},"
			     "{\"min\": 100, \"count\": 1}]}}}\n");
		free(t);
		rt_map_elems_free(&e);
	}
}

/* A view built by hand: the backend alone, independent of maps.c's sorting. */
static void test_views(void)
{
	char *t;
	struct rt_map_entry ents[2] = {{.key = mk_str("k"), .value = rv_int(&ar, 1)},
				       {.key = rv_int(&ar, 2), .value = mk_str("v")}};
	struct rt_map_view v = {.name = "@x", .kind = RT_MAP_PLAIN, .entries = ents, .n = 2};
	CAPTURE(t, output_map(o, &v));
	CHECK_STR(t, "{\"type\": \"map\", \"data\": {\"@x\": {\"k\": 1, \"2\": \"v\"}}}\n");
	free(t);
	/* a hist entry whose buckets are all zero is an empty list (newest hist_zero after zero()) */
	struct rt_hist empty = {0};
	struct rt_map_entry he = {.hist = &empty};
	struct rt_map_view hv = {.name = "@hist", .kind = RT_MAP_HIST, .scalar = true, .entries = &he, .n = 1};
	CAPTURE(t, output_map(o, &hv));
	CHECK_STR(t, "{\"type\": \"hist\", \"data\": {\"@hist\": []}}\n");
	free(t);
	/* no entries: nothing */
	struct rt_map_view none = {.name = "@n", .kind = RT_MAP_PLAIN, .entries = ents, .n = 0};
	CAPTURE(t, output_map(o, &none));
	CHECK_STR(t, "");
	free(t);
}

int main(void)
{
	type_ctx_init(&tc);
	test_scalars();
	test_strings();
	test_compound();
	test_messages();
	test_plain_maps();
	test_stats_maps();
	test_hist_maps();
	test_keyed_hist();
	test_views();
	arena_free(&ar);
	type_ctx_free(&tc);
	return check_done();
}

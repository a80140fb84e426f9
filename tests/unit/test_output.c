/* Unit tests for the runtime's decode / printf / map printing (no root, no BPF).
 *
 * Where the expected text comes from:
 *  - "0.17:" blocks were produced by running Debian's bpftrace 0.17 on the same values (the script is
 *    quoted next to each), with one deliberate change: newest bpftrace prints "@h:" where 0.17 printed
 *    "@h: " (trailing space), and stats use newest's record style.
 *  - "newest:" cases follow bpftrace master's text output / format code (read from its source) where
 *    0.17 differs or lacks the feature; the hist k=3 bounds are bpftrace's own runtime-test output
 *    (tests/runtime/outputs/hist_2args.json).
 *  - "C:" printf cases are what C printf prints for the same conversion. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "runtime/output.h"
#include "sema/printf_check.h"

static struct type_ctx tc;

/* ---- helpers ---------------------------------------------------------------------------------- */

static FILE *mem_open(char **buf, size_t *len) { return open_memstream(buf, len); }

/* Render with a fresh text output; returns malloc'ed text. */
#define CAPTURE(out_text, stmt)                                 \
	do {                                                    \
		char *buf_ = NULL;                              \
		size_t len_ = 0;                                \
		FILE *f_ = mem_open(&buf_, &len_);              \
		struct output *o = output_text_new(f_);         \
		output_set_buffering(o, OUTPUT_BUF_FULL);       \
		stmt;                                           \
		output_free(o);                                 \
		fclose(f_);                                     \
		out_text = buf_;                                \
	} while (0)

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

/* Add a per-CPU 8-byte counter element split over 2 CPUs. */
static void add_split_u64(struct rt_map_elems *e, const void *key, uint64_t v)
{
	uint64_t vals[2] = {v / 2, v - v / 2};
	rt_map_elems_add(e, key, vals);
}

/* Histogram map elements from a list of (key bytes, value) observations. */
static void hist_observe(struct rt_map_elems *e, const void *keyprefix, uint32_t plen, uint64_t bucket, uint64_t n)
{
	uint8_t key[64] = {0};
	if (plen)
		memcpy(key, keyprefix, plen);
	memcpy(key + plen, &bucket, 8);
	/* merge into an existing element if present (the kernel has one element per bucket) */
	for (size_t i = 0; i < e->n; i++)
		if (!memcmp(e->keys + i * e->key_size, key, e->key_size)) {
			uint64_t *v = (uint64_t *)(e->vals + i * (size_t)e->stride * e->ncpus);
			v[0] += n;
			return;
		}
	add_split_u64(e, key, n);
}

static char *print_elems(const struct res_map *m, struct rt_map_elems *e, int64_t top, int64_t div, bool at_exit,
			 const struct resources *res)
{
	char *text;
	CAPTURE(text, rt_map_print_elems(o, res, m, e, top, div, at_exit));
	return text;
}

/* ---- bucket math ------------------------------------------------------------------------------ */

static void test_hist_index(void)
{
	/* k = 0: [0] [1] [2,4) [4,8) ... */
	CHECK_INT(rt_hist_index(-1, 0), 0);
	CHECK_INT(rt_hist_index(INT64_MIN, 0), 0);
	CHECK_INT(rt_hist_index(0, 0), 1);
	CHECK_INT(rt_hist_index(1, 0), 2);
	CHECK_INT(rt_hist_index(2, 0), 3);
	CHECK_INT(rt_hist_index(3, 0), 3);
	CHECK_INT(rt_hist_index(4, 0), 4);
	CHECK_INT(rt_hist_index(7, 0), 4);
	CHECK_INT(rt_hist_index(8, 0), 5);
	CHECK_INT(rt_hist_index(1023, 0), 11);
	CHECK_INT(rt_hist_index(1024, 0), 12);
	CHECK_INT(rt_hist_index(INT64_MAX, 0), 64);
	CHECK_INT(RT_HIST_NBUCKETS(0), 65);
	/* k = 2: single values 0..7, then 4 buckets per power of two */
	for (int v = 0; v < 8; v++)
		CHECK_INT(rt_hist_index(v, 2), v + 1);
	CHECK_INT(rt_hist_index(-1, 2), 0);
	CHECK_INT(rt_hist_index(8, 2), 9);
	CHECK_INT(rt_hist_index(9, 2), 9);
	CHECK_INT(rt_hist_index(10, 2), 10);
	CHECK_INT(rt_hist_index(11, 2), 10);
	CHECK_INT(rt_hist_index(15, 2), 12);
	CHECK_INT(rt_hist_index(16, 2), 13);
	CHECK_INT(rt_hist_index(19, 2), 13);
	CHECK_INT(rt_hist_index(20, 2), 14);
	CHECK_INT(rt_hist_index(INT64_MAX, 2), 248);
	CHECK_INT(RT_HIST_NBUCKETS(2), 249);
	CHECK_INT(rt_hist_index(INT64_MAX, 5), (int64_t)RT_HIST_NBUCKETS(5) - 1);
}

static void test_lhist_index(void)
{
	CHECK_INT(rt_lhist_nbuckets(0, 100, 10), 12);
	CHECK_INT(rt_lhist_index(-1, 0, 100, 10), 0);
	CHECK_INT(rt_lhist_index(0, 0, 100, 10), 1);
	CHECK_INT(rt_lhist_index(9, 0, 100, 10), 1);
	CHECK_INT(rt_lhist_index(10, 0, 100, 10), 2);
	CHECK_INT(rt_lhist_index(99, 0, 100, 10), 10);
	CHECK_INT(rt_lhist_index(100, 0, 100, 10), 11);
	CHECK_INT(rt_lhist_index(1000, 0, 100, 10), 11);
	/* (max - min) not a multiple of step: 3 buckets + under/overflow */
	CHECK_INT(rt_lhist_nbuckets(0, 10, 3), 5);
	CHECK_INT(rt_lhist_index(8, 0, 10, 3), 3);
	CHECK_INT(rt_lhist_index(9, 0, 10, 3), 4);
	CHECK_INT(rt_lhist_index(10, 0, 10, 3), 4);
	CHECK_INT(rt_lhist_index(-11, -10, 10, 5), 0);
	CHECK_INT(rt_lhist_index(-10, -10, 10, 5), 1);
	CHECK_INT(rt_lhist_index(-6, -10, 10, 5), 1);
	CHECK_INT(rt_lhist_index(-5, -10, 10, 5), 2);
}

/* newest: bpftrace's runtime test output for @ = hist(i, 3) over i = 0..1023 (hist_2args.json):
 * rows {min, max, count}. */
static void test_hist_k3_against_bpftrace(void)
{
	static const int64_t want[][3] = {
		{0, 0, 1}, {1, 1, 1}, {2, 2, 1}, {3, 3, 1}, {4, 4, 1}, {5, 5, 1}, {6, 6, 1}, {7, 7, 1},
		{8, 8, 1}, {9, 9, 1}, {10, 10, 1}, {11, 11, 1}, {12, 12, 1}, {13, 13, 1}, {14, 14, 1},
		{15, 15, 1}, {16, 17, 2}, {18, 19, 2}, {20, 21, 2}, {22, 23, 2}, {24, 25, 2}, {26, 27, 2},
		{28, 29, 2}, {30, 31, 2}, {32, 35, 4}, {36, 39, 4}, {40, 43, 4}, {44, 47, 4}, {48, 51, 4},
		{52, 55, 4}, {56, 59, 4}, {60, 63, 4}, {64, 71, 8}, {72, 79, 8}, {80, 87, 8}, {88, 95, 8},
		{96, 103, 8}, {104, 111, 8}, {112, 119, 8}, {120, 127, 8}, {128, 143, 16}, {144, 159, 16},
		{160, 175, 16}, {176, 191, 16}, {192, 207, 16}, {208, 223, 16}, {224, 239, 16},
		{240, 255, 16}, {256, 287, 32}, {288, 319, 32}, {320, 351, 32}, {352, 383, 32},
		{384, 415, 32}, {416, 447, 32}, {448, 479, 32}, {480, 511, 32}, {512, 575, 64},
		{576, 639, 64}, {640, 703, 64}, {704, 767, 64}, {768, 831, 64}, {832, 895, 64},
		{896, 959, 64}, {960, 1023, 64},
	};
	uint64_t counts[RT_HIST_NBUCKETS(3)] = {0};
	for (int v = 0; v < 1024; v++)
		counts[rt_hist_index(v, 3)]++;
	struct arena a = {0};
	struct rt_hist h;
	rt_hist_build(&a, &h, counts, ARRAY_SIZE(counts), 3, 1);
	CHECK_INT(h.n, ARRAY_SIZE(want));
	for (size_t i = 0; i < h.n && i < ARRAY_SIZE(want); i++) {
		CHECK_INT(h.rows[i].lo, want[i][0]);
		CHECK_INT(h.rows[i].hi - 1, want[i][1]);
		CHECK_INT(h.rows[i].count, want[i][2]);
		CHECK(h.rows[i].kind == (want[i][0] == want[i][1] ? RT_ROW_SINGLE : RT_ROW_RANGE));
	}
	/* newest labels: plain numbers below 1024 */
	CHECK_STR(h.rows[16].lo_s, "16");
	CHECK_STR(h.rows[16].hi_s, "18");
	arena_free(&a);
}

/* ---- histogram blocks ------------------------------------------------------------------------- */

static char *hist_text(const char *name, int k, const int64_t *vals, const uint64_t *reps, size_t n, int64_t div)
{
	struct type *ht = type_agg(&tc, T_HIST, false);
	ht->hist_k = k;
	struct res_map m = mk_map(name, NULL, ht, true);
	struct rt_map_elems e;
	rt_map_elems_init(&e, &m, 2);
	uint8_t zero[8] = {0};
	for (size_t i = 0; i < n; i++)
		hist_observe(&e, zero, 8, rt_hist_index(vals[i], k), reps[i]);
	char *t = print_elems(&m, &e, 0, div, true, NULL);
	rt_map_elems_free(&e);
	return t;
}

static void test_hist_blocks(void)
{
	/* 0.17: BEGIN { @h = hist(-1); @h = hist(0); @h = hist(1); @h = hist(5); @h = hist(1024); } */
	{
		int64_t v[] = {-1, 0, 1, 5, 1024};
		uint64_t r[] = {1, 1, 1, 1, 1};
		char *t = hist_text("@h", 0, v, r, 5, 1);
		CHECK_STR(t, "@h:\n"
			     "(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
			     "[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
			     "[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
			     "[2, 4)                 0 |                                                    |\n"
			     "[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
			     "[8, 16)                0 |                                                    |\n"
			     "[16, 32)               0 |                                                    |\n"
			     "[32, 64)               0 |                                                    |\n"
			     "[64, 128)              0 |                                                    |\n"
			     "[128, 256)             0 |                                                    |\n"
			     "[256, 512)             0 |                                                    |\n"
			     "[512, 1K)              0 |                                                    |\n"
			     "[1K, 2K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
			     "\n");
		free(t);
	}
	/* 0.17: unroll(13) hist(2); unroll(7) hist(4); unroll(3) hist(8); hist(16)  (bar widths) */
	{
		int64_t v[] = {2, 4, 8, 16};
		uint64_t r[] = {13, 7, 3, 1};
		char *t = hist_text("@h", 0, v, r, 4, 1);
		CHECK_STR(t, "@h:\n"
			     "[2, 4)                13 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
			     "[4, 8)                 7 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@                        |\n"
			     "[8, 16)                3 |@@@@@@@@@@@@                                        |\n"
			     "[16, 32)               1 |@@@@                                                |\n"
			     "\n");
		free(t);
	}
	/* 0.17: 100 x hist(100), 99 x hist(300), 50 x hist(3000), 33 x hist(5000000),
	 * 67 x hist(2820130816), hist(-5)  (suffixes up to G, odd bar widths) */
	{
		int64_t v[] = {100, 300, 3000, 5000000, 2820130816LL, -5};
		uint64_t r[] = {100, 99, 50, 33, 67, 1};
		char *t = hist_text("@g", 0, v, r, 6, 1);
		CHECK_STR(t, "@g:\n"
			     "(..., 0)               1 |                                                    |\n"
			     "[0]                    0 |                                                    |\n"
			     "[1]                    0 |                                                    |\n"
			     "[2, 4)                 0 |                                                    |\n"
			     "[4, 8)                 0 |                                                    |\n"
			     "[8, 16)                0 |                                                    |\n"
			     "[16, 32)               0 |                                                    |\n"
			     "[32, 64)               0 |                                                    |\n"
			     "[64, 128)            100 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
			     "[128, 256)             0 |                                                    |\n"
			     "[256, 512)            99 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ |\n"
			     "[512, 1K)              0 |                                                    |\n"
			     "[1K, 2K)               0 |                                                    |\n"
			     "[2K, 4K)              50 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
			     "[4K, 8K)               0 |                                                    |\n"
			     "[8K, 16K)              0 |                                                    |\n"
			     "[16K, 32K)             0 |                                                    |\n"
			     "[32K, 64K)             0 |                                                    |\n"
			     "[64K, 128K)            0 |                                                    |\n"
			     "[128K, 256K)           0 |                                                    |\n"
			     "[256K, 512K)           0 |                                                    |\n"
			     "[512K, 1M)             0 |                                                    |\n"
			     "[1M, 2M)               0 |                                                    |\n"
			     "[2M, 4M)               0 |                                                    |\n"
			     "[4M, 8M)              33 |@@@@@@@@@@@@@@@@@                                   |\n"
			     "[8M, 16M)              0 |                                                    |\n"
			     "[16M, 32M)             0 |                                                    |\n"
			     "[32M, 64M)             0 |                                                    |\n"
			     "[64M, 128M)            0 |                                                    |\n"
			     "[128M, 256M)           0 |                                                    |\n"
			     "[256M, 512M)           0 |                                                    |\n"
			     "[512M, 1G)             0 |                                                    |\n"
			     "[1G, 2G)               0 |                                                    |\n"
			     "[2G, 4G)              67 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                  |\n"
			     "\n");
		free(t);
	}
	/* newest: hist(v, 2) labels (bpftrace master's label rule; 0.17 has no k) */
	{
		int64_t v[] = {7, 8, 10, 13, 16};
		uint64_t r[] = {1, 2, 1, 1, 4};
		char *t = hist_text("@k", 2, v, r, 5, 1);
		CHECK_STR(t, "@k:\n"
			     "[7]                    1 |@@@@@@@@@@@@@                                       |\n"
			     "[8, 10)                2 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
			     "[10, 12)               1 |@@@@@@@@@@@@@                                       |\n"
			     "[12, 14)               1 |@@@@@@@@@@@@@                                       |\n"
			     "[14, 16)               0 |                                                    |\n"
			     "[16, 20)               4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
			     "\n");
		free(t);
	}
	/* print(@h, 0, 2): counts divided, rows chosen on the undivided counts */
	{
		int64_t v[] = {2, 4, 8};
		uint64_t r[] = {13, 7, 1};
		char *t = hist_text("@h", 0, v, r, 3, 2);
		CHECK_STR(t, "@h:\n"
			     "[2, 4)                 6 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
			     "[4, 8)                 3 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
			     "[8, 16)                0 |                                                    |\n"
			     "\n");
		free(t);
	}
}

static void test_keyed_hist(void)
{
	/* 0.17: @hk["b"] = hist(3); @hk["a"] = hist(3); @hk["a"] = hist(100);  -> sorted by total count */
	struct type *ht = type_agg(&tc, T_HIST, false);
	struct type *kt = type_string(&tc, 8);
	struct res_map m = mk_map("@hk", kt, ht, true);
	struct rt_map_elems e;
	rt_map_elems_init(&e, &m, 2);
	char ka[8] = "a", kb[8] = "b";
	hist_observe(&e, ka, 8, rt_hist_index(3, 0), 1);
	hist_observe(&e, kb, 8, rt_hist_index(3, 0), 1);
	hist_observe(&e, ka, 8, rt_hist_index(100, 0), 1);
	char *t = print_elems(&m, &e, 0, 1, true, NULL);
	CHECK_STR(t, "@hk[b]:\n"
		     "[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		     "\n"
		     "@hk[a]:\n"
		     "[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		     "[4, 8)                 0 |                                                    |\n"
		     "[8, 16)                0 |                                                    |\n"
		     "[16, 32)               0 |                                                    |\n"
		     "[32, 64)               0 |                                                    |\n"
		     "[64, 128)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		     "\n");
	free(t);
	/* print(@hk, 1): only the last entry of the order */
	t = print_elems(&m, &e, 1, 1, false, NULL);
	CHECK(t && !strncmp(t, "@hk[a]:\n", 8) && !strstr(t, "@hk[b]"));
	free(t);
	rt_map_elems_free(&e);

	/* newest runtime test print_hist_with_top_arg: @[1]=hist(10); @[2]=hist(20); @[3]=hist(30);
	 * print(@, 2) prints @[2] then @[3] */
	struct res_map m2 = mk_map("@", type_int(&tc, 8, true), ht, true);
	rt_map_elems_init(&e, &m2, 2);
	for (int64_t k = 1; k <= 3; k++)
		hist_observe(&e, &k, 8, rt_hist_index(10 * k, 0), 1);
	t = print_elems(&m2, &e, 2, 0, false, NULL);
	CHECK(t && !strncmp(t, "@[2]:\n", 6) && strstr(t, "\n\n@[3]:\n") && !strstr(t, "@[1]"));
	free(t);
	rt_map_elems_free(&e);
}

static char *lhist_text(const char *name, int64_t min, int64_t max, int64_t step, const int64_t *vals, size_t n)
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
	char *t = print_elems(&m, &e, 0, 7 /* lhist ignores div */, true, NULL);
	rt_map_elems_free(&e);
	return t;
}

static void test_lhist_blocks(void)
{
	/* 0.17: @m = lhist(-3|55|100|1000, 0, 100, 10) */
	{
		int64_t v[] = {-3, 55, 100, 1000};
		char *t = lhist_text("@m", 0, 100, 10, v, 4);
		CHECK_STR(t, "@m:\n"
			     "(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
			     "[0, 10)                0 |                                                    |\n"
			     "[10, 20)               0 |                                                    |\n"
			     "[20, 30)               0 |                                                    |\n"
			     "[30, 40)               0 |                                                    |\n"
			     "[40, 50)               0 |                                                    |\n"
			     "[50, 60)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
			     "[60, 70)               0 |                                                    |\n"
			     "[70, 80)               0 |                                                    |\n"
			     "[80, 90)               0 |                                                    |\n"
			     "[90, 100)              0 |                                                    |\n"
			     "[100, ...)             2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
			     "\n");
		free(t);
	}
	/* 0.17: @k = lhist(2048|9000|1, 0, 8192, 1024) */
	{
		int64_t v[] = {2048, 9000, 1};
		char *t = lhist_text("@k", 0, 8192, 1024, v, 3);
		CHECK_STR(t, "@k:\n"
			     "[0, 1K)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
			     "[1K, 2K)               0 |                                                    |\n"
			     "[2K, 3K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
			     "[3K, 4K)               0 |                                                    |\n"
			     "[4K, 5K)               0 |                                                    |\n"
			     "[5K, 6K)               0 |                                                    |\n"
			     "[6K, 7K)               0 |                                                    |\n"
			     "[7K, 8K)               0 |                                                    |\n"
			     "[8K, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
			     "\n");
		free(t);
	}
	/* 0.17: @o = lhist(5000|2000, 0, 10000, 1000): no suffix when step is not a multiple of 1024 */
	{
		int64_t v[] = {5000, 2000};
		char *t = lhist_text("@o", 0, 10000, 1000, v, 2);
		CHECK_STR(t, "@o:\n"
			     "[2000, 3000)           1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
			     "[3000, 4000)           0 |                                                    |\n"
			     "[4000, 5000)           0 |                                                    |\n"
			     "[5000, 6000)           1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
			     "\n");
		free(t);
	}
	/* 0.17: @p = lhist(2048, 1024, 8192, 1024); @j = lhist(2097152, 0, 4194304, 1048576) */
	{
		int64_t v[] = {2048};
		char *t = lhist_text("@p", 1024, 8192, 1024, v, 1);
		CHECK_STR(t, "@p:\n[2K, 3K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n");
		free(t);
		int64_t w[] = {2097152};
		t = lhist_text("@j", 0, 4194304, 1048576, w, 1);
		CHECK_STR(t, "@j:\n[2M, 3M)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n");
		free(t);
	}
	/* newest: step 1 buckets hold one value and print as "[v]" (0.17 printed "[5, 6)") */
	{
		int64_t v[] = {5, 7};
		char *t = lhist_text("@l", 0, 10, 1, v, 2);
		CHECK_STR(t, "@l:\n"
			     "[5]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
			     "[6]                    0 |                                                    |\n"
			     "[7]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
			     "\n");
		free(t);
	}
	/* only the overflow bucket used */
	{
		int64_t v[] = {50};
		char *t = lhist_text("@q", 0, 10, 5, v, 1);
		CHECK_STR(t, "@q:\n[10, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n");
		free(t);
	}
}

/* ---- plain maps ------------------------------------------------------------------------------- */

static void add_kv(struct rt_map_elems *e, const void *key, const void *val)
{
	/* value replicated into a 2-CPU layout only for per-CPU maps */
	uint8_t buf[256] = {0};
	memcpy(buf, val, e->value_size);
	if (e->ncpus == 2)
		memset(buf + e->stride, 0, e->stride);
	rt_map_elems_add(e, key, buf);
}

static void test_plain_maps(void)
{
	char *t;
	struct rt_map_elems e;
	struct type *i64 = type_int(&tc, 8, true);

	/* 0.17: @i[5] = -3; @i[6] = 10; @i[-7] = 2;  -> by value */
	{
		struct res_map m = mk_map("@i", i64, i64, false);
		rt_map_elems_init(&e, &m, 1);
		int64_t k[] = {5, 6, -7}, v[] = {-3, 10, 2};
		for (int i = 0; i < 3; i++)
			add_kv(&e, &k[i], &v[i]);
		t = print_elems(&m, &e, 0, 1, true, NULL);
		CHECK_STR(t, "@i[5]: -3\n@i[-7]: 2\n@i[6]: 10\n");
		free(t);
		/* print(@i, 2, 2): last two, divided (C division truncates toward zero) */
		t = print_elems(&m, &e, 2, 2, false, NULL);
		CHECK_STR(t, "@i[-7]: 1\n@i[6]: 5\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* 0.17: @sum["x"] = sum(-5); @sum["y"] = sum(-50);  (per-CPU, signed) */
	{
		struct type *st = type_agg(&tc, T_SUM, true);
		struct type *kt = type_string(&tc, 4);
		struct res_map m = mk_map("@sum", kt, st, true);
		rt_map_elems_init(&e, &m, 2);
		char kx[4] = "x", ky[4] = "y";
		int64_t x[2] = {-2, -3}, y[2] = {-50, 0};
		rt_map_elems_add(&e, kx, x);
		rt_map_elems_add(&e, ky, y);
		t = print_elems(&m, &e, 0, 1, true, NULL);
		CHECK_STR(t, "@sum[y]: -50\n@sum[x]: -5\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* 0.17: @mx[2] = max(7); @mx[1] = max(100); @mn = min(-5); @mn = min(3) */
	{
		struct type *mt = type_agg(&tc, T_MAX, true);
		struct res_map m = mk_map("@mx", i64, mt, true);
		rt_map_elems_init(&e, &m, 2);
		int64_t k1 = 1, k2 = 2;
		int64_t v1[4] = {100, 1, 0, 0}, v2[4] = {3, 1, 7, 1}; /* {value, set} per CPU */
		rt_map_elems_add(&e, &k2, v2);
		rt_map_elems_add(&e, &k1, v1);
		t = print_elems(&m, &e, 0, 1, true, NULL);
		CHECK_STR(t, "@mx[2]: 7\n@mx[1]: 100\n");
		free(t);
		rt_map_elems_free(&e);

		struct res_map mn = mk_map("@mn", NULL, type_agg(&tc, T_MIN, true), true);
		rt_map_elems_init(&e, &mn, 2);
		int64_t zero = 0, v[4] = {3, 1, -5, 1};
		rt_map_elems_add(&e, &zero, v);
		t = print_elems(&mn, &e, 0, 1, true, NULL);
		CHECK_STR(t, "@mn: -5\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* 0.17: @t[1, "x"] = 5; @t[-2, "y"] = 3; @t[3, "a"] = 9;  tuple keys lose their parentheses */
	{
		struct type *el[2] = {i64, type_string(&tc, 4)};
		struct type *tt = type_tuple(&tc, el, 2);
		struct res_map m = mk_map("@t", tt, i64, false);
		rt_map_elems_init(&e, &m, 1);
		struct {
			int64_t a;
			char s[8];
			int64_t v;
		} rows[] = {{1, "x", 5}, {-2, "y", 3}, {3, "a", 9}};
		for (int i = 0; i < 3; i++) {
			uint8_t key[32] = {0};
			memcpy(key, &rows[i].a, 8);
			memcpy(key + tt->fields[1].offset, rows[i].s, 4);
			add_kv(&e, key, &rows[i].v);
		}
		t = print_elems(&m, &e, 0, 1, true, NULL);
		CHECK_STR(t, "@t[-2, y]: 3\n@t[1, x]: 5\n@t[3, a]: 9\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* string values sort by key; 0.17: @str["k"] = "hello" */
	{
		struct type *kt = type_string(&tc, 4), *vt = type_string(&tc, 8);
		struct res_map m = mk_map("@str", kt, vt, false);
		rt_map_elems_init(&e, &m, 1);
		char k1[4] = "k", v1[8] = "hello", k0[4] = "b", v0[8] = "zzz";
		add_kv(&e, k1, v1);
		add_kv(&e, k0, v0);
		t = print_elems(&m, &e, 0, 1, true, NULL);
		CHECK_STR(t, "@str[b]: zzz\n@str[k]: hello\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* 0.17: @u = (uint8)200; @neg = -12345 (scalar maps, 8-byte zero key) */
	{
		struct res_map m = mk_map("@u", NULL, type_int(&tc, 1, false), false);
		rt_map_elems_init(&e, &m, 1);
		uint64_t zero = 0;
		uint8_t v = 200;
		add_kv(&e, &zero, &v);
		t = print_elems(&m, &e, 0, 1, true, NULL);
		CHECK_STR(t, "@u: 200\n");
		free(t);
		rt_map_elems_free(&e);
		struct res_map n = mk_map("@neg", NULL, type_int(&tc, 4, true), false);
		rt_map_elems_init(&e, &n, 1);
		int32_t nv = -12345;
		add_kv(&e, &zero, &nv);
		t = print_elems(&n, &e, 0, 1, true, NULL);
		CHECK_STR(t, "@neg: -12345\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* count: summed over CPUs; empty map prints nothing at exit, its zero value on print() */
	{
		struct res_map m = mk_map("@c", NULL, type_agg(&tc, T_COUNT, false), true);
		rt_map_elems_init(&e, &m, 2);
		t = print_elems(&m, &e, 0, 1, true, NULL);
		CHECK_STR(t, "");
		free(t);
		t = print_elems(&m, &e, 0, 1, false, NULL);
		CHECK_STR(t, "@c: 0\n");
		free(t);
		uint64_t zero = 0, v[2] = {2, 3};
		rt_map_elems_add(&e, &zero, v);
		t = print_elems(&m, &e, 0, 1, true, NULL);
		CHECK_STR(t, "@c: 5\n");
		free(t);
		rt_map_elems_free(&e);
	}
}

static void test_stats_avg(void)
{
	char *t;
	struct rt_map_elems e;
	uint64_t zero = 0;
	/* 0.17: @s = stats(5); @s = stats(26) -> count 2, average 15, total 31 (newest record style) */
	{
		struct res_map m = mk_map("@s", NULL, type_agg(&tc, T_STATS, true), true);
		rt_map_elems_init(&e, &m, 2);
		int64_t v[4] = {5, 1, 26, 1}; /* {total, count} per CPU */
		rt_map_elems_add(&e, &zero, v);
		t = print_elems(&m, &e, 0, 1, true, NULL);
		CHECK_STR(t, "@s: { .count = 2, .average = 15, .total = 31 }\n");
		free(t);
		/* stats divides the average only */
		t = print_elems(&m, &e, 0, 2, false, NULL);
		CHECK_STR(t, "@s: { .count = 2, .average = 7, .total = 31 }\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* 0.17: @sk[1] = stats(-10); @sk[2] = stats(3)  -> ordered by average */
	{
		struct res_map m = mk_map("@sk", type_int(&tc, 8, true), type_agg(&tc, T_STATS, true), true);
		rt_map_elems_init(&e, &m, 2);
		int64_t k1 = 1, k2 = 2, v1[4] = {-10, 1, 0, 0}, v2[4] = {0, 0, 3, 1};
		rt_map_elems_add(&e, &k2, v2);
		rt_map_elems_add(&e, &k1, v1);
		t = print_elems(&m, &e, 0, 1, true, NULL);
		CHECK_STR(t, "@sk[1]: { .count = 1, .average = -10, .total = -10 }\n"
			     "@sk[2]: { .count = 1, .average = 3, .total = 3 }\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* 0.17: @a = avg(10); @a = avg(21) -> 15 (newest: no blank line after avg maps) */
	{
		struct res_map m = mk_map("@a", NULL, type_agg(&tc, T_AVG, true), true);
		rt_map_elems_init(&e, &m, 2);
		int64_t v[4] = {10, 1, 21, 1};
		rt_map_elems_add(&e, &zero, v);
		t = print_elems(&m, &e, 0, 1, true, NULL);
		CHECK_STR(t, "@a: 15\n");
		free(t);
		rt_map_elems_free(&e);
	}
	/* newest runtime test print_avg_map_args: @[a..d] = avg(10..40); print(@, 2, 10) */
	{
		struct type *kt = type_string(&tc, 2);
		struct res_map m = mk_map("@", kt, type_agg(&tc, T_AVG, true), true);
		rt_map_elems_init(&e, &m, 2);
		const char *keys[] = {"b", "d", "a", "c"};
		int64_t vals[] = {20, 40, 10, 30};
		for (int i = 0; i < 4; i++) {
			char k[2] = {keys[i][0], 0};
			int64_t v[4] = {vals[i], 1, 0, 0};
			rt_map_elems_add(&e, k, v);
		}
		t = print_elems(&m, &e, 2, 10, false, NULL);
		CHECK_STR(t, "@[c]: 3\n@[d]: 4\n");
		free(t);
		t = print_elems(&m, &e, 10, 10, false, NULL);
		CHECK_STR(t, "@[a]: 1\n@[b]: 2\n@[c]: 3\n@[d]: 4\n");
		free(t);
		rt_map_elems_free(&e);
	}
}

/* ---- decode ----------------------------------------------------------------------------------- */

static char *decode_text(const struct type *t, const void *bytes, const struct resources *res)
{
	struct arena a = {0};
	struct rt_decoder d = {.arena = &a, .res = res};
	struct strbuf sb = {0};
	rt_value_text(&sb, rt_decode(&d, t, bytes));
	arena_free(&a);
	return sb_steal(&sb);
}

static void test_decode(void)
{
	char *s;
	int32_t m1 = -1;
	s = decode_text(type_int(&tc, 4, true), &m1, NULL);
	CHECK_STR(s, "-1");
	free(s);
	s = decode_text(type_int(&tc, 4, false), &m1, NULL);
	CHECK_STR(s, "4294967295");
	free(s);
	int8_t m8 = -128;
	s = decode_text(type_int(&tc, 1, true), &m8, NULL);
	CHECK_STR(s, "-128");
	free(s);
	uint64_t big = UINT64_MAX;
	s = decode_text(type_int(&tc, 8, false), &big, NULL);
	CHECK_STR(s, "18446744073709551615");
	free(s);
	s = decode_text(type_int(&tc, 8, true), &big, NULL);
	CHECK_STR(s, "-1");
	free(s);

	/* tuple (int8, string[6], uint16) laid out C-style */
	struct type *el[3] = {type_int(&tc, 1, true), type_string(&tc, 6), type_int(&tc, 2, false)};
	struct type *tt = type_tuple(&tc, el, 3);
	uint8_t buf[32] = {0};
	buf[0] = 0xfd; /* -3 */
	memcpy(buf + tt->fields[1].offset, "ab", 3);
	uint16_t u16 = 65535;
	memcpy(buf + tt->fields[2].offset, &u16, 2);
	s = decode_text(tt, buf, NULL);
	CHECK_STR(s, "(-3, ab, 65535)");
	free(s);

	/* newest runtime test print_non_map_tuple: (1, 2, "string") */
	struct type *el2[3] = {type_int(&tc, 8, true), type_int(&tc, 8, true), type_string(&tc, 7)};
	struct type *t2 = type_tuple(&tc, el2, 3);
	uint8_t b2[32] = {0};
	int64_t one = 1, two = 2;
	memcpy(b2, &one, 8);
	memcpy(b2 + 8, &two, 8);
	memcpy(b2 + t2->fields[2].offset, "string", 7);
	char *text;
	CAPTURE(text, rt_print_value(o, t2, b2, NULL));
	CHECK_STR(text, "(1, 2, string)\n");
	free(text);

	/* string that fills its buffer was truncated: newest appends ".." */
	s = decode_text(type_string(&tc, 4), "abcd", NULL);
	CHECK_STR(s, "abcd..");
	free(s);

	/* array of int32: [1,2,3] (no spaces) */
	struct type *arr = type_array(&tc, type_int(&tc, 4, true), 3);
	int32_t av[3] = {1, 2, 3};
	s = decode_text(arr, av, NULL);
	CHECK_STR(s, "[1,2,3]");
	free(s);

	/* struct { int m; int n; } -> "{ .m = 2, .n = 3 }" (newest runtime test print_non_map_struct) */
	struct type *st = type_new(&tc, T_STRUCT, 8);
	st->name = "Foo";
	st->nfields = 2;
	st->fields = arena_alloc(&tc.arena, 2 * sizeof(*st->fields));
	st->fields[0] = (struct type_field){.name = "m", .type = type_int(&tc, 4, true), .offset = 0};
	st->fields[1] = (struct type_field){.name = "n", .type = type_int(&tc, 4, true), .offset = 4};
	int32_t sv[2] = {2, 3};
	s = decode_text(st, sv, NULL);
	CHECK_STR(s, "{ .m = 2, .n = 3 }");
	free(s);

	/* bitfields: a:3 (signed), b:5 in one u8 */
	struct type *bf = type_new(&tc, T_STRUCT, 1);
	bf->nfields = 2;
	bf->fields = arena_alloc(&tc.arena, 2 * sizeof(*bf->fields));
	bf->fields[0] = (struct type_field){.name = "a", .type = type_int(&tc, 1, true), .bit_offset = 0, .bit_width = 3};
	bf->fields[1] = (struct type_field){.name = "b", .type = type_int(&tc, 1, false), .bit_offset = 3, .bit_width = 5};
	uint8_t bv = (uint8_t)(0x7 | (21 << 3)); /* a = -1, b = 21 */
	s = decode_text(bf, &bv, NULL);
	CHECK_STR(s, "{ .a = -1, .b = 21 }");
	free(s);

	uint8_t tr = 1;
	s = decode_text(tc.t_bool, &tr, NULL);
	CHECK_STR(s, "true");
	free(s);
	uint64_t p = 0xffff8000dead;
	s = decode_text(type_ptr(&tc, type_int(&tc, 4, true), AS_KERNEL), &p, NULL);
	CHECK_STR(s, "0xffff8000dead");
	free(s);

	/* T_PROBE: index into the resources' probe table */
	struct resources res;
	resources_init(&res);
	struct res_probe rp = {.name = "tracepoint:syscalls:sys_enter_openat"};
	VEC_PUSH(res.probes, rp);
	uint64_t pi = 0;
	s = decode_text(tc.t_probe, &pi, &res);
	CHECK_STR(s, "tracepoint:syscalls:sys_enter_openat");
	free(s);
	resources_free(&res);

	/* mac address (newest runtime test: 05:04:03:02:01:02) */
	struct type *mac = type_new(&tc, T_MACADDR, 6);
	uint8_t mv[6] = {5, 4, 3, 2, 1, 2};
	s = decode_text(mac, mv, NULL);
	CHECK_STR(s, "05:04:03:02:01:02");
	free(s);

	/* sort order of keys */
	struct arena a = {0};
	CHECK(rt_value_cmp(rv_int(&a, -1), rv_uint(&a, 0)) < 0);
	CHECK(rt_value_cmp(rv_uint(&a, UINT64_MAX), rv_int(&a, 5)) > 0);
	CHECK(rt_value_cmp(rv_str(&a, "ab", 2), rv_str(&a, "b", 1)) < 0);
	CHECK(rt_value_cmp(rv_str(&a, "a", 1), rv_str(&a, "ab", 2)) < 0);
	arena_free(&a);
}

/* ---- printf ----------------------------------------------------------------------------------- */

struct pf {
	struct res_printf f;
	struct res_fmt_arg args[16];
	uint8_t payload[512];
	uint32_t off;
};

static void pf_init(struct pf *p, const char *fmt)
{
	memset(p, 0, sizeof(*p));
	p->f.fmt = fmt;
	p->f.args = p->args;
}

static void pf_arg(struct pf *p, struct type *t, const void *bytes)
{
	uint32_t al = t->align ? t->align : 1;
	p->off = (p->off + al - 1) / al * al;
	p->args[p->f.nargs].type = t;
	p->args[p->f.nargs].offset = p->off;
	memcpy(p->payload + p->off, bytes, t->size);
	p->off += t->size;
	p->f.nargs++;
	p->f.size = p->off;
}

static void pf_int(struct pf *p, int64_t v, uint32_t size, bool sgn)
{
	pf_arg(p, type_int(&tc, size, sgn), &v); /* little endian: the low bytes */
}

static void pf_str(struct pf *p, const char *s, uint32_t size)
{
	char buf[256] = {0};
	memcpy(buf, s, strlen(s) < size ? strlen(s) + 1 : size);
	pf_arg(p, type_string(&tc, size), buf);
}

static char *pf_run(struct pf *p, const struct resources *res)
{
	struct strbuf sb = {0};
	CHECK_INT(rt_printf_format(&sb, &p->f, p->payload, p->off, res), 0);
	return sb_steal(&sb);
}

static void test_printf(void)
{
	struct pf p;
	char *s;
	/* 0.17: printf("[%p][%-5d][%05d][%c][%10s]\n", 0x1234, 42, 42, 65, "hi") */
	pf_init(&p, "[%p][%-5d][%05d][%c][%10s]\n");
	pf_int(&p, 0x1234, 8, true);
	pf_int(&p, 42, 8, true);
	pf_int(&p, 42, 8, true);
	pf_int(&p, 65, 8, true);
	pf_str(&p, "hi", 3);
	s = pf_run(&p, NULL);
	CHECK_STR(s, "[0x1234][42   ][00042][A][        hi]\n");
	free(s);

	/* 0.17: printf("[%-10s][%hhd][%X][%lld][%%][%s][%d][%d]\n", "hi", 300, 0xabc, -5, "abc",
	 *              (uint8)255, (int8)-3) */
	pf_init(&p, "[%-10s][%hhd][%X][%lld][%%][%s][%d][%d]\n");
	pf_str(&p, "hi", 3);
	pf_int(&p, 300, 8, true);
	pf_int(&p, 0xabc, 8, true);
	pf_int(&p, -5, 8, true);
	pf_str(&p, "abc", 4);
	pf_int(&p, 255, 1, false);
	pf_int(&p, -3, 1, true);
	s = pf_run(&p, NULL);
	CHECK_STR(s, "[hi        ][44][ABC][-5][%][abc][255][-3]\n");
	free(s);

	/* length modifiers: hh/h truncate as in C (0.17 and newest agree: "ef cdef"); without a modifier
	 * newest prints the full 64-bit value (0.17 printed only the low 32 bits, "78abcdef") */
	pf_init(&p, "%hhx %hx %x %jx %lx %d\n");
	for (int i = 0; i < 6; i++)
		pf_int(&p, 0x12345678abcdefLL, 8, true);
	s = pf_run(&p, NULL);
	CHECK_STR(s, "ef cdef 12345678abcdef 12345678abcdef 12345678abcdef 5124095577148911\n");
	free(s);

	/* bpftrace runtime test printf_char: "%c%c%c%c" 0x41..0x44 -> ABCD */
	pf_init(&p, "%c%c%c%c");
	for (int i = 0; i < 4; i++)
		pf_int(&p, 0x41 + i, 8, true);
	s = pf_run(&p, NULL);
	CHECK_STR(s, "ABCD");
	free(s);

	/* C: printf("[%+d][% d][%#x][%#o][%.3d][%8.3d][%-8d|][%u]", 5, 5, 255, 8, 7, 7, -7, -1) */
	pf_init(&p, "[%+d][% d][%#x][%#o][%.3d][%8.3d][%-8d|][%u]");
	int64_t vals[] = {5, 5, 255, 8, 7, 7, -7, -1};
	for (int i = 0; i < 8; i++)
		pf_int(&p, vals[i], 8, true);
	s = pf_run(&p, NULL);
	CHECK_STR(s, "[+5][ 5][0xff][010][007][     007][-7      |][18446744073709551615]");
	free(s);

	/* %s on ints, precision truncating strings, sign extension of small ints */
	pf_init(&p, "%s|%.2s|%-6.3s|%d|%u");
	pf_int(&p, 123, 4, true);
	pf_str(&p, "hello", 8);
	pf_str(&p, "hello", 8);
	pf_int(&p, 0xffff, 2, true);
	pf_int(&p, 0xffff, 2, false);
	s = pf_run(&p, NULL);
	CHECK_STR(s, "123|he|hel   |-1|65535");
	free(s);

	/* %s on a probe and on a tuple */
	struct resources res;
	resources_init(&res);
	struct res_probe rp0 = {.name = "begin"}, rp1 = {.name = "interval:s:1"};
	VEC_PUSH(res.probes, rp0);
	VEC_PUSH(res.probes, rp1);
	pf_init(&p, "probe=%s t=%s\n");
	uint64_t pidx = 1;
	pf_arg(&p, tc.t_probe, &pidx);
	struct type *el[2] = {type_int(&tc, 8, true), type_string(&tc, 4)};
	struct type *tt = type_tuple(&tc, el, 2);
	uint8_t tb[16] = {0};
	int64_t seven = 7;
	memcpy(tb, &seven, 8);
	memcpy(tb + 8, "ab", 3);
	pf_arg(&p, tt, tb);
	s = pf_run(&p, &res);
	CHECK_STR(s, "probe=interval:s:1 t=(7, ab)\n");
	free(s);
	resources_free(&res);

	/* buffers: bpftrace runtime tests buf_no_ascii / buf_no_ascii_no_escaping with buf("Hello\0", 6) */
	struct type *bt = type_new(&tc, T_BUFFER, 4 + 8);
	uint8_t bb[12] = {6, 0, 0, 0, 'H', 'e', 'l', 'l', 'o', 0, 0, 0};
	pf_init(&p, "%rx|%rh|%r");
	pf_arg(&p, bt, bb);
	pf_arg(&p, bt, bb);
	pf_arg(&p, bt, bb);
	s = pf_run(&p, NULL);
	CHECK_STR(s, "\\x48\\x65\\x6c\\x6c\\x6f\\x00|48 65 6c 6c 6f 00|Hello\\x00");
	free(s);

	/* payload too short */
	pf_init(&p, "%d");
	pf_int(&p, 1, 8, true);
	struct strbuf sb = {0};
	CHECK_INT(rt_printf_format(&sb, &p.f, p.payload, 4, NULL), -EINVAL);
	sb_free(&sb);

	/* through the output object */
	pf_init(&p, "x=%d\n");
	pf_int(&p, 9, 8, true);
	char *text;
	CAPTURE(text, output_printf_event(o, &p.f, p.payload, p.off, NULL));
	CHECK_STR(text, "x=9\n");
	free(text);
}

static void test_printf_check(void)
{
	char *err = NULL;
	struct type *i64 = type_int(&tc, 8, true), *s16 = type_string(&tc, 16);
	struct type *args[4] = {i64, s16, i64, tc.t_probe};
	CHECK_INT(rt_printf_check("%d %s %-5x %s %%\n", args, 4, &err), 0);
	CHECK(err == NULL);
	CHECK_INT(rt_printf_check("%d\n", args, 2, &err), -EINVAL);
	CHECK_STR(err, "printf: Too many arguments for format string (2 supplied, 1 expected)");
	free(err);
	CHECK_INT(rt_printf_check("%d %d %%\n", args, 1, &err), -EINVAL);
	CHECK_STR(err, "printf: Not enough arguments for format string (1 supplied, 2 expected)");
	free(err);
	struct type *a2[1] = {s16};
	CHECK_INT(rt_printf_check("%d\n", a2, 1, &err), -EINVAL);
	CHECK_STR(err, "printf: %d specifier expects an integer, got string[16]");
	free(err);
	CHECK_INT(rt_printf_check("%rx\n", args, 1, &err), -EINVAL);
	CHECK_STR(err, "printf: %rx specifier expects a buffer, got int64");
	free(err);
	CHECK_INT(rt_printf_check("%f\n", args, 1, &err), -EINVAL);
	CHECK_STR(err, "printf: Unsupported format specifier %f (scry has no floating point)");
	free(err);
	CHECK_INT(rt_printf_check("%q\n", args, 1, &err), -EINVAL);
	CHECK_STR(err, "printf: Unsupported format specifier %q");
	free(err);
	CHECK_INT(rt_printf_check("50%", NULL, 0, &err), -EINVAL);
	CHECK(err && strstr(err, "incomplete"));
	free(err);
	CHECK_INT(rt_format_check("system", "%*d", args, 1, &err), -EINVAL);
	CHECK(err && !strncmp(err, "system: ", 8));
	free(err);
	struct type *a3[3] = {tc.t_bool, type_ptr(&tc, i64, AS_KERNEL), type_int(&tc, 1, false)};
	CHECK_INT(rt_printf_check("%d %p %hhu", a3, 3, &err), 0);

	/* the shared parser */
	struct fmt_spec sp;
	size_t pos = 0;
	CHECK_INT(fmt_spec_next("ab%-08.3llxcd", &pos, &sp, &err), 1);
	CHECK(sp.minus && sp.zero && sp.width == 8 && sp.prec == 3 && !strcmp(sp.len, "ll") && sp.conv == 'x');
	CHECK_INT(sp.start, 2);
	CHECK_INT(sp.end, 11);
	CHECK_INT(fmt_spec_next("ab%-08.3llxcd", &pos, &sp, &err), 0);
}

/* ---- misc output ------------------------------------------------------------------------------ */

static void test_output_misc(void)
{
	char *text;
	CAPTURE(text, output_end(o));
	CHECK_STR(text, "\n\n");
	free(text);
	CAPTURE(text, (output_message(o, OUT_MSG_JOIN, "a b c", 5), output_message(o, OUT_MSG_TIME, "12:00:00\n", 9)));
	CHECK_STR(text, "a b c\n12:00:00\n");
	free(text);
}

int main(void)
{
	type_ctx_init(&tc);
	test_hist_index();
	test_lhist_index();
	test_hist_k3_against_bpftrace();
	test_hist_blocks();
	test_keyed_hist();
	test_lhist_blocks();
	test_plain_maps();
	test_stats_avg();
	test_decode();
	test_printf();
	test_printf_check();
	test_output_misc();
	type_ctx_free(&tc);
	return check_done();
}

/* maps: read BPF maps into element lists, merge per-CPU values, group histogram buckets, sort the
 * entries as bpftrace does and hand the result to the output backend.
 *
 * Sort order (ascending, the biggest entry printed last), as newest bpftrace:
 *   count, sum, int, enum, min, max -> by value;  avg, stats -> by integer average;
 *   hist, lhist -> by the total count over all buckets;  anything else -> by key.
 * bpftrace's value sorts are not stable; scry breaks ties by key so output is deterministic, and it
 * compares signed values as signed everywhere (bpftrace compares min/max as unsigned). */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/output.h"

bool rt_map_is_percpu(const struct res_map *m)
{
	return m->bpf_type == BPF_MAP_TYPE_PERCPU_HASH || m->bpf_type == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
	       m->bpf_type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static uint32_t map_value_size(const struct res_map *m)
{
	return m->value_size ? m->value_size : m->value ? m->value->size : 8;
}

void rt_map_elems_init(struct rt_map_elems *e, const struct res_map *m, uint32_t ncpus)
{
	memset(e, 0, sizeof(*e));
	e->key_size = m->key_size ? m->key_size : 8;
	e->value_size = map_value_size(m);
	if (rt_map_is_percpu(m)) {
		e->ncpus = ncpus ? ncpus : 1;
		e->stride = (e->value_size + 7) & ~7u;
	} else {
		e->ncpus = 1;
		e->stride = e->value_size;
	}
}

void rt_map_elems_add(struct rt_map_elems *e, const void *key, const void *vals)
{
	size_t vsz = (size_t)e->stride * e->ncpus;
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 16;
		e->keys = xrealloc(e->keys, e->cap * e->key_size);
		e->vals = xrealloc(e->vals, e->cap * vsz);
	}
	memcpy(e->keys + e->n * e->key_size, key, e->key_size);
	memcpy(e->vals + e->n * vsz, vals, vsz);
	e->n++;
}

void rt_map_elems_free(struct rt_map_elems *e)
{
	free(e->keys);
	free(e->vals);
	memset(e, 0, sizeof(*e));
}

int rt_map_elems_read(struct rt_map_elems *e, const struct res_map *m, int fd)
{
	int ncpus = 1;
	if (rt_map_is_percpu(m)) {
		ncpus = libbpf_num_possible_cpus();
		if (ncpus < 0)
			return ncpus;
	}
	rt_map_elems_init(e, m, (uint32_t)ncpus);
	uint8_t *cur = xcalloc(1, e->key_size), *next = xcalloc(1, e->key_size);
	uint8_t *vals = xcalloc(e->ncpus, e->stride ? e->stride : 1);
	/* keys deleted concurrently make get_next_key restart from the first key; bound the walk */
	size_t limit = ((size_t)m->max_entries + 1) * 4 + 64, steps = 0;
	void *prev = NULL;
	int ret = 0;
	for (;;) {
		if (bpf_map_get_next_key(fd, prev, next)) {
			if (errno != ENOENT)
				ret = -errno;
			break;
		}
		if (bpf_map_lookup_elem(fd, next, vals) == 0)
			rt_map_elems_add(e, next, vals);
		else if (errno != ENOENT) {
			ret = -errno;
			break;
		}
		uint8_t *t = cur;
		cur = next;
		next = t;
		prev = cur;
		if (++steps > limit)
			break;
	}
	free(cur);
	free(next);
	free(vals);
	return ret;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
	return x;
}

static void wr64(uint8_t *p, uint64_t x) { memcpy(p, &x, 8); }

/* Merge the per-CPU values of element i into out (value_size bytes, the single-CPU layout). */
static void merge_value(const struct res_map *m, const struct rt_map_elems *e, size_t i, uint8_t *out)
{
	const struct type *t = m->value;
	const uint8_t *v = e->vals + i * (size_t)e->stride * e->ncpus;
	memcpy(out, v, e->value_size);
	if (e->ncpus <= 1 || !t)
		return;
	switch (t->kind) {
	case T_COUNT:
	case T_SUM:
	case T_HIST:
	case T_LHIST: {
		uint64_t s = 0;
		for (uint32_t c = 0; c < e->ncpus; c++)
			s += rd64(v + (size_t)c * e->stride);
		wr64(out, s);
		break;
	}
	case T_INT: {
		uint64_t s = 0;
		for (uint32_t c = 0; c < e->ncpus; c++)
			s += (uint64_t)rt_read_int(v + (size_t)c * e->stride, t->size, t->is_signed);
		memcpy(out, &s, t->size <= 8 ? t->size : 8); /* little endian: the low bytes */
		break;
	}
	case T_MIN:
	case T_MAX: {
		bool set = false;
		uint64_t best = 0;
		for (uint32_t c = 0; c < e->ncpus; c++) {
			const uint8_t *p = v + (size_t)c * e->stride;
			if (!rd64(p + 8))
				continue;
			uint64_t x = rd64(p);
			bool better;
			if (!set)
				better = true;
			else if (t->is_signed)
				better = t->kind == T_MAX ? (int64_t)x > (int64_t)best : (int64_t)x < (int64_t)best;
			else
				better = t->kind == T_MAX ? x > best : x < best;
			if (better)
				best = x;
			set = true;
		}
		wr64(out, best);
		wr64(out + 8, set);
		break;
	}
	case T_AVG:
	case T_STATS: {
		uint64_t total = 0, count = 0;
		for (uint32_t c = 0; c < e->ncpus; c++) {
			total += rd64(v + (size_t)c * e->stride);
			count += rd64(v + (size_t)c * e->stride + 8);
		}
		wr64(out, total);
		wr64(out + 8, count);
		break;
	}
	default:
		break;
	}
}

/* One entry being prepared for printing. */
struct entry {
	const struct rt_value *key;
	const void *key_bytes;
	struct rt_value *value;
	struct rt_hist *hist;
	bool sgn;      /* metric is signed */
	bool has_metric;
	int64_t mi;
	uint64_t mu;
};

static int entry_cmp(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	if (a->has_metric && b->has_metric) {
		if (a->sgn && a->mi != b->mi)
			return a->mi < b->mi ? -1 : 1;
		if (!a->sgn && a->mu != b->mu)
			return a->mu < b->mu ? -1 : 1;
	}
	if (a->key && b->key)
		return rt_value_cmp(a->key, b->key);
	return 0;
}

/* Sort metric of a plain (non-hist) value. */
static void set_metric(struct entry *en, const struct type *t)
{
	const struct rt_value *v = en->value;
	switch (t->kind) {
	case T_COUNT:
	case T_SUM:
	case T_MIN:
	case T_MAX:
	case T_INT:
	case T_ENUM:
	case T_AVG:
		break;
	case T_STATS:
		v = &en->value->elems[1]; /* the average */
		break;
	default:
		return;
	}
	en->has_metric = true;
	if (v->kind == RV_INT) {
		en->sgn = true;
		en->mi = v->i;
	} else {
		en->sgn = false;
		en->mu = v->u;
	}
}

static void div_int(struct rt_value *v, int64_t div)
{
	if (v->kind == RV_INT)
		v->i /= div;
	else if (v->kind == RV_UINT)
		v->u /= (uint64_t)div;
}

static void apply_div(struct entry *en, const struct type *t, int64_t div)
{
	if (div <= 1 || !en->value)
		return;
	switch (t->kind) {
	case T_COUNT:
	case T_SUM:
	case T_MIN:
	case T_MAX:
	case T_INT:
	case T_AVG:
		div_int(en->value, div);
		break;
	case T_STATS:
		div_int(&en->value->elems[1], div);
		break;
	default:
		break;
	}
}

static int cmp_bytes_ctx(const void *a, const void *b, void *ctx)
{
	const struct rt_map_elems *e = ctx;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	int c = memcmp(e->keys + ia * e->key_size, e->keys + ib * e->key_size, e->key_size - 8);
	if (c)
		return c;
	return ia < ib ? -1 : ia > ib;
}

/* Histogram maps: group elements by the key prefix (all but the trailing u64 bucket index). */
static size_t build_hist_entries(struct arena *a, const struct rt_decoder *d, const struct res_map *m,
				 const struct rt_map_elems *e, struct entry *out, int64_t div)
{
	const struct type *t = m->value;
	size_t nb = t->kind == T_HIST ? (size_t)RT_HIST_NBUCKETS(t->hist_k)
				      : (size_t)rt_lhist_nbuckets(t->lh_min, t->lh_max, t->lh_step);
	if (e->key_size < 8 || !e->n)
		return 0;
	size_t *idx = xmalloc(e->n * sizeof(*idx));
	for (size_t i = 0; i < e->n; i++)
		idx[i] = i;
	qsort_r(idx, e->n, sizeof(*idx), cmp_bytes_ctx, (void *)e);
	uint64_t *counts = xcalloc(nb, sizeof(*counts));
	uint8_t *val = xcalloc(1, e->value_size > 16 ? e->value_size : 16);
	size_t plen = e->key_size - 8, nout = 0;
	for (size_t g = 0; g < e->n;) {
		const uint8_t *prefix = e->keys + idx[g] * e->key_size;
		size_t end = g;
		memset(counts, 0, nb * sizeof(*counts));
		uint64_t total = 0;
		for (; end < e->n && !memcmp(e->keys + idx[end] * e->key_size, prefix, plen); end++) {
			uint64_t b = rd64(e->keys + idx[end] * e->key_size + plen);
			merge_value(m, e, idx[end], val);
			uint64_t c = rd64(val);
			if (b < nb)
				counts[b] += c;
			total += c;
		}
		struct entry *en = &out[nout];
		memset(en, 0, sizeof(*en));
		en->key = m->key ? rt_decode(d, m->key, prefix) : NULL;
		en->key_bytes = m->key ? prefix : NULL;
		en->hist = arena_alloc(a, sizeof(*en->hist));
		if (t->kind == T_HIST)
			rt_hist_build(a, en->hist, counts, nb, t->hist_k, div > 1 ? (uint64_t)div : 1);
		else
			rt_lhist_build(a, en->hist, counts, nb, t->lh_min, t->lh_max, t->lh_step);
		en->has_metric = true;
		en->mu = total;
		if (en->hist->n)
			nout++;
		g = end;
	}
	free(val);
	free(counts);
	free(idx);
	return nout;
}

int rt_map_print_elems(struct output *o, const struct resources *res, const struct res_map *m,
		       const struct rt_map_elems *e, int64_t top, int64_t div, bool at_exit)
{
	if (!m->value)
		return 0;
	struct arena a = {0};
	struct rt_decoder d = {.arena = &a, .res = res, .resolver = o->resolver, .str_trailer = o->str_trailer};
	const struct type *t = m->value;
	bool is_hist = t->kind == T_HIST || t->kind == T_LHIST;
	struct entry *ents = xcalloc(e->n ? e->n : 1, sizeof(*ents));
	size_t n = 0;
	if (is_hist) {
		n = build_hist_entries(&a, &d, m, e, ents, div);
	} else {
		uint8_t *val = xcalloc(1, e->value_size > 16 ? e->value_size : 16);
		for (size_t i = 0; i < e->n; i++) {
			struct entry *en = &ents[n++];
			merge_value(m, e, i, val);
			en->key = m->key ? rt_decode(&d, m->key, e->keys + i * e->key_size) : NULL;
			en->key_bytes = m->key ? e->keys + i * e->key_size : NULL;
			en->value = rt_decode(&d, t, val);
			set_metric(en, t);
		}
		if (!n && m->key == NULL && !at_exit) {
			/* print(@x) of a scalar map that was never written: its zero value */
			memset(val, 0, e->value_size > 16 ? e->value_size : 16);
			ents[0].value = rt_decode(&d, t, val);
			n = 1;
		}
		free(val);
	}
	if (m->key == NULL && n > 1)
		n = 1; /* a scalar map has one entry; ignore stray keys */
	qsort(ents, n, sizeof(*ents), entry_cmp);
	size_t first = top > 0 && (uint64_t)top < n ? n - (size_t)top : 0;
	struct rt_map_entry *view_ents = arena_alloc(&a, sizeof(*view_ents) * (n ? n : 1));
	size_t nv = 0;
	for (size_t i = first; i < n; i++) {
		if (!is_hist)
			apply_div(&ents[i], t, div);
		view_ents[nv].key = ents[i].key;
		view_ents[nv].value = ents[i].value;
		view_ents[nv].hist = ents[i].hist;
		view_ents[nv].key_bytes = ents[i].key_bytes;
		nv++;
	}
	if (nv) {
		struct rt_map_view view = {
			.name = m->name,
			.kind = is_hist ? RT_MAP_HIST : (t->kind == T_AVG || t->kind == T_STATS) ? RT_MAP_STATS
												: RT_MAP_PLAIN,
			.scalar = m->key == NULL,
			.key_type = m->key,
			.value_type = t,
			.entries = view_ents,
			.n = nv,
		};
		output_map(o, &view);
	}
	free(ents);
	arena_free(&a);
	return (int)nv;
}

int rt_map_print(struct output *o, const struct resources *res, const struct res_map *m, int map_fd,
		 int64_t top, int64_t div)
{
	struct rt_map_elems e;
	int r = rt_map_elems_read(&e, m, map_fd);
	if (r == 0)
		r = rt_map_print_elems(o, res, m, &e, top, div, false);
	rt_map_elems_free(&e);
	return r;
}

static int cmp_map_names(const void *a, const void *b, void *ctx)
{
	const struct resources *res = ctx;
	const char *x = res->maps.v[*(const size_t *)a].name, *y = res->maps.v[*(const size_t *)b].name;
	return strcmp(x ? x : "", y ? y : "");
}

void rt_print_all_maps(struct output *o, const struct resources *res, const int *map_fds)
{
	size_t n = res->maps.n;
	if (!n)
		return;
	size_t *idx = xmalloc(n * sizeof(*idx));
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_map_names, (void *)res);
	for (size_t i = 0; i < n; i++) {
		const struct res_map *m = &res->maps.v[idx[i]];
		if (!m->name || m->name[0] != '@' || map_fds[idx[i]] < 0)
			continue;
		struct rt_map_elems e;
		if (rt_map_elems_read(&e, m, map_fds[idx[i]]) == 0)
			rt_map_print_elems(o, res, m, &e, 0, 1, true);
		rt_map_elems_free(&e);
	}
	free(idx);
}

void rt_map_clear(int map_fd)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len) || !info.key_size)
		return;
	/* collect first, then delete: deleting while walking restarts the walk */
	uint8_t *keys = NULL;
	size_t n = 0, cap = 0;
	uint8_t *cur = xcalloc(1, info.key_size), *next = xcalloc(1, info.key_size);
	void *prev = NULL;
	size_t limit = ((size_t)info.max_entries + 1) * 4 + 64;
	while (n < limit && bpf_map_get_next_key(map_fd, prev, next) == 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			keys = xrealloc(keys, cap * info.key_size);
		}
		memcpy(keys + n * info.key_size, next, info.key_size);
		n++;
		uint8_t *t = cur;
		cur = next;
		next = t;
		prev = cur;
	}
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(map_fd, keys + i * info.key_size);
	free(keys);
	free(cur);
	free(next);
}

/* hist: bucket index math for hist()/lhist() and the rows of a printed histogram block.
 * Labels follow newest bpftrace: a hist bucket's bounds are plain numbers up to 2^(k+1), then
 * 2^p * (2^k + i) written with the largest power-of-1024 suffix that divides 2^p (K M G T P E);
 * lhist labels use K/M suffixes only when step is a multiple of 1024. Rows whose two bounds are
 * consecutive plain numbers print as a single value "[v]". */
#include <stdio.h>
#include <string.h>

#include "runtime/output.h"

uint64_t rt_hist_index(int64_t v, int k)
{
	if (v < 0)
		return 0;
	uint64_t u = (uint64_t)v;
	if (u < (2ull << k))
		return u + 1;
	int b = 63 - __builtin_clzll(u);
	return ((uint64_t)(b - k + 1) << k) + ((u >> (b - k)) - (1ull << k)) + 1;
}

uint64_t rt_lhist_nbuckets(int64_t min, int64_t max, int64_t step)
{
	if (step <= 0 || max < min)
		return 2;
	return (uint64_t)((max - min) / step) + 2;
}

uint64_t rt_lhist_index(int64_t v, int64_t min, int64_t max, int64_t step)
{
	uint64_t last = rt_lhist_nbuckets(min, max, step) - 1;
	if (v < min)
		return 0;
	if (v >= max || step <= 0)
		return last;
	uint64_t i = (uint64_t)((v - min) / step) + 1;
	return i > last ? last : i;
}

/* A bucket bound: its number, its label, and whether the label is a plain number. */
struct bound {
	int64_t num;
	char s[24];
	bool plain;
};

/* Upper (exclusive) bound of hist bucket j >= 1. */
static void hist_bound(struct bound *bd, uint64_t j, int k)
{
	if (j <= (2ull << k)) {
		bd->num = (int64_t)j;
		bd->plain = true;
		snprintf(bd->s, sizeof(bd->s), "%llu", (unsigned long long)j);
		return;
	}
	uint64_t n = 1ull << k, interval = j & (n - 1);
	unsigned power = (unsigned)((j >> k) - 1);
	unsigned decade = power / 10;
	/* value = 2^power * (n + interval); saturate where it leaves int64 */
	unsigned bits = power + (unsigned)(64 - __builtin_clzll(n + interval));
	bd->num = bits > 63 ? INT64_MAX : (int64_t)((1ull << power) * (n + interval));
	bd->plain = false;
	static const char suffix[] = "\0KMGTPE";
	unsigned long long mant = (1ull << (power - 10 * decade)) * (n + interval);
	if (decade && decade < 7)
		snprintf(bd->s, sizeof(bd->s), "%llu%c", mant, suffix[decade]);
	else
		snprintf(bd->s, sizeof(bd->s), "%llu", mant);
}

static void lhist_bound(struct bound *bd, int64_t x, int64_t step)
{
	const int64_t K = 1024, M = 1024 * 1024;
	bd->num = x;
	bd->plain = step % K != 0;
	if (!bd->plain && x != 0 && x % M == 0)
		snprintf(bd->s, sizeof(bd->s), "%lldM", (long long)(x / M));
	else if (!bd->plain && x != 0 && x % K == 0)
		snprintf(bd->s, sizeof(bd->s), "%lldK", (long long)(x / K));
	else
		snprintf(bd->s, sizeof(bd->s), "%lld", (long long)x);
}

static void set_row(struct rt_hist_row *r, const struct bound *lo, const struct bound *hi, uint64_t count)
{
	memset(r, 0, sizeof(*r));
	r->count = count;
	if (!lo) {
		r->kind = RT_ROW_BELOW;
		r->lo = INT64_MIN;
	} else {
		r->lo = lo->num;
		memcpy(r->lo_s, lo->s, sizeof(r->lo_s));
	}
	if (!hi) {
		r->kind = RT_ROW_ABOVE;
		r->hi = INT64_MAX;
	} else {
		r->hi = hi->num;
		memcpy(r->hi_s, hi->s, sizeof(r->hi_s));
	}
	if (lo && hi)
		r->kind = lo->plain && hi->plain && lo->num + 1 == hi->num ? RT_ROW_SINGLE : RT_ROW_RANGE;
}

static bool used_range(const uint64_t *counts, size_t nb, size_t *first, size_t *last)
{
	bool any = false;
	for (size_t i = 0; i < nb; i++)
		if (counts[i]) {
			if (!any)
				*first = i;
			*last = i;
			any = true;
		}
	return any;
}

void rt_hist_build(struct arena *a, struct rt_hist *h, const uint64_t *counts, size_t nb, int k, uint64_t div)
{
	size_t first = 0, last = 0;
	h->rows = NULL;
	h->n = 0;
	if (!div)
		div = 1;
	if (!used_range(counts, nb, &first, &last))
		return;
	h->rows = arena_alloc(a, sizeof(*h->rows) * (last - first + 1));
	for (size_t i = first; i <= last; i++) {
		struct bound lo, hi;
		uint64_t c = counts[i] / div;
		if (i == 0) {
			hist_bound(&hi, 1, k);
			hi.num = 0;
			strcpy(hi.s, "0");
			set_row(&h->rows[h->n++], NULL, &hi, c);
			continue;
		}
		if (i == 1) {
			lo.num = 0;
			lo.plain = true;
			strcpy(lo.s, "0");
		} else {
			hist_bound(&lo, i - 1, k);
		}
		hist_bound(&hi, i, k);
		set_row(&h->rows[h->n++], &lo, &hi, c);
	}
}

void rt_lhist_build(struct arena *a, struct rt_hist *h, const uint64_t *counts, size_t nb, int64_t min,
		    int64_t max, int64_t step)
{
	size_t first = 0, last = 0;
	h->rows = NULL;
	h->n = 0;
	if (step <= 0)
		step = 1;
	if (!used_range(counts, nb, &first, &last))
		return;
	size_t nbuckets = (size_t)rt_lhist_nbuckets(min, max, step);
	h->rows = arena_alloc(a, sizeof(*h->rows) * (last - first + 1));
	for (size_t i = first; i <= last; i++) {
		struct bound lo, hi;
		if (i == 0) {
			lhist_bound(&hi, min, step);
			set_row(&h->rows[h->n++], NULL, &hi, counts[i]);
		} else if (i + 1 >= nbuckets) {
			lhist_bound(&lo, min + (int64_t)(nbuckets - 2) * step, step);
			set_row(&h->rows[h->n++], &lo, NULL, counts[i]);
		} else {
			lhist_bound(&lo, min + (int64_t)(i - 1) * step, step);
			lhist_bound(&hi, min + (int64_t)i * step, step);
			set_row(&h->rows[h->n++], &lo, &hi, counts[i]);
		}
	}
}

/* value: bytes + type -> struct rt_value (decoding only; rendering lives in the backends). */
#define _GNU_SOURCE
#include "runtime/value.h"

#include <arpa/inet.h>
#include <pwd.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "runtime/cgpath.h"
#include "sema/resources.h"

struct rt_value *rv_new(struct arena *a, enum rv_kind k)
{
	struct rt_value *v = arena_alloc(a, sizeof(*v));
	v->kind = k;
	return v;
}

struct rt_value *rv_int(struct arena *a, int64_t x)
{
	struct rt_value *v = rv_new(a, RV_INT);
	v->i = x;
	return v;
}

struct rt_value *rv_uint(struct arena *a, uint64_t x)
{
	struct rt_value *v = rv_new(a, RV_UINT);
	v->u = x;
	return v;
}

struct rt_value *rv_str(struct arena *a, const char *s, size_t len)
{
	struct rt_value *v = rv_new(a, RV_STR);
	v->s = arena_strndup(a, s, len);
	v->len = len;
	return v;
}

static struct rt_value *rv_sym(struct arena *a, uint64_t num, const char *text)
{
	struct rt_value *v = rv_str(a, text, strlen(text));
	v->kind = RV_SYM;
	v->u = num;
	return v;
}

int64_t rt_read_int(const void *p, uint32_t size, bool is_signed)
{
	switch (size) {
	case 1: {
		uint8_t x;
		memcpy(&x, p, 1);
		return is_signed ? (int64_t)(int8_t)x : (int64_t)x;
	}
	case 2: {
		uint16_t x;
		memcpy(&x, p, 2);
		return is_signed ? (int64_t)(int16_t)x : (int64_t)x;
	}
	case 4: {
		uint32_t x;
		memcpy(&x, p, 4);
		return is_signed ? (int64_t)(int32_t)x : (int64_t)x;
	}
	case 8: {
		int64_t x;
		memcpy(&x, p, 8);
		return x;
	}
	default:
		return 0;
	}
}

static uint64_t rd64(const void *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
	return x;
}

static struct rt_value *int_value(struct arena *a, int64_t x, bool is_signed)
{
	return is_signed ? rv_int(a, x) : rv_uint(a, (uint64_t)x);
}

/* A bitfield: `width` bits starting at bit `bit` of the little-endian storage at p. */
static uint64_t read_bits(const uint8_t *p, uint32_t storage, uint16_t bit, uint16_t width)
{
	uint64_t raw = 0;
	memcpy(&raw, p, storage > 8 ? 8 : storage);
	raw >>= bit;
	return width >= 64 ? raw : raw & ((1ull << width) - 1);
}

static struct rt_value *decode_fields(const struct rt_decoder *d, const struct type *t, const uint8_t *p,
				      enum rv_kind kind)
{
	struct arena *a = d->arena;
	struct rt_value *v = rv_new(a, kind);
	v->n = t->nfields;
	v->elems = arena_alloc(a, sizeof(*v->elems) * (t->nfields ? t->nfields : 1));
	if (kind == RV_RECORD)
		v->names = arena_alloc(a, sizeof(*v->names) * (t->nfields ? t->nfields : 1));
	for (uint32_t i = 0; i < t->nfields; i++) {
		const struct type_field *f = &t->fields[i];
		struct rt_value *e;
		if (f->bit_width) {
			uint64_t bits = read_bits(p + f->offset, f->type->size, f->bit_offset, f->bit_width);
			if (f->type->is_signed && f->bit_width < 64 && (bits >> (f->bit_width - 1)) & 1)
				bits |= ~0ull << f->bit_width;
			e = int_value(a, (int64_t)bits, f->type->is_signed);
		} else {
			e = rt_decode(d, f->type, p + f->offset);
		}
		v->elems[i] = *e;
		if (kind == RV_RECORD)
			v->names[i] = f->name ? f->name : "";
	}
	return v;
}

static struct rt_value *hex_frames(const struct rt_decoder *d, const struct type *t, const uint8_t *p)
{
	/* Placeholder rendering without a symbolizer: one hex address per line, like a raw stack. */
	struct strbuf sb = {0};
	/* layout (types.h): { u64 nframes; u64 pid; u64 ip[nelem] } */
	uint64_t n = t->size >= 16 ? rd64(p) : 0, max = t->size >= 16 ? (t->size - 16) / 8 : 0;
	if (n > max)
		n = max;
	sb_putc(&sb, '\n');
	for (uint64_t i = 0; i < n; i++)
		sb_printf(&sb, "        %llx\n", (unsigned long long)rd64(p + 16 + 8 * i));
	struct rt_value *v = rv_str(d->arena, sb.s, sb.len);
	sb_free(&sb);
	return v;
}

static struct rt_value *rv_str_owned(struct arena *a, char *s)
{
	struct rt_value *v = rv_str(a, s, strlen(s));
	free(s);
	return v;
}

#include "runtime/syscall_names.h"

char *rt_int_name(int which, int64_t v)
{
	switch (which) {
	case NAMES_SYSCALL:
		if (v >= 0 && (size_t)v < rt_syscall_names_n && rt_syscall_names[v])
			return xstrdup(rt_syscall_names[v]);
		break;
	case NAMES_SIGNAL: {
		const char *n = v > 0 && v < 65 ? sigabbrev_np((int)v) : NULL;
		if (n)
			return xasprintf("SIG%s", n);
		break;
	}
	case NAMES_ERRNO:
		if (v > 0 && v < 4096)
			return xstrdup(strerror((int)v));
		break;
	}
	return xasprintf("%lld", (long long)v);
}

size_t rt_strftime(char *out, size_t size, const char *fmt, uint64_t boot_ns)
{
	/* boot-clock ns (what nsecs gives) -> wall-clock time */
	struct timespec rt, bt;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	int64_t wall = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec - ((int64_t)bt.tv_sec * 1000000000 + bt.tv_nsec) +
		       (int64_t)boot_ns;
	time_t secs = (time_t)(wall / 1000000000);
	long usec = (long)((wall % 1000000000) / 1000);
	/* %f (microseconds) is bpftrace's extension: substitute it before strftime */
	struct strbuf f = {0};
	for (const char *c = fmt; *c; c++) {
		if (c[0] == '%' && c[1] == 'f') {
			sb_printf(&f, "%06ld", usec);
			c++;
		} else if (c[0] == '%' && c[1]) {
			sb_putn(&f, c, 2);
			c++;
		} else {
			sb_putc(&f, *c);
		}
	}
	struct tm tm;
	size_t n = strftime(out, size, f.s ? f.s : "", localtime_r(&secs, &tm));
	sb_free(&f);
	return n;
}

struct rt_value *rt_decode(const struct rt_decoder *d, const struct type *t, const void *bytes)
{
	struct arena *a = d->arena;
	const uint8_t *p = bytes;
	if (!t)
		return rv_new(a, RV_NONE);
	if (d->resolver && d->resolver->resolve) {
		switch (t->kind) {
		case T_KSTACK: case T_USTACK: case T_KSYM: case T_USYM: case T_USERNAME: case T_TIMESTAMP: case T_CGROUP_PATH: {
			struct strbuf sb = {0};
			if (d->resolver->resolve(d->resolver->ctx, t, bytes, &sb) == 0) {
				struct rt_value *v = rv_str(a, sb.s ? sb.s : "", sb.len);
				sb_free(&sb);
				return v;
			}
			sb_free(&sb);
			break;
		}
		default:
			break;
		}
	}
	switch (t->kind) {
	case T_NONE:
	case T_VOID:
		return rv_new(a, RV_NONE);
	case T_BOOL: {
		struct rt_value *v = rv_new(a, RV_BOOL);
		v->b = rt_read_int(p, t->size ? t->size : 1, false) != 0;
		return v;
	}
	case T_INT:
		return int_value(a, rt_read_int(p, t->size, t->is_signed), t->is_signed);
	case T_ENUM: {
		/* by name when the value is an enumerator, else the number */
		int64_t x = rt_read_int(p, t->size, t->is_signed);
		for (uint32_t i = 0; i < t->nenumerators; i++)
			if (t->enumerators[i].value == x)
				return rv_sym(a, (uint64_t)x, t->enumerators[i].name);
		char buf[32];
		snprintf(buf, sizeof(buf), t->is_signed ? "%lld" : "%llu", (long long)x);
		return rv_sym(a, (uint64_t)x, buf);
	}
	case T_STRING: {
		size_t n = strnlen((const char *)p, t->size);
		if (n < t->size || t->size == 0)
			return rv_str(a, (const char *)p, n);
		const char *tr = d->str_trailer ? d->str_trailer : "..";
		struct strbuf sb = {0};
		sb_putn(&sb, (const char *)p, n);
		sb_puts(&sb, tr);
		struct rt_value *v = rv_str(a, sb.s, sb.len);
		sb_free(&sb);
		return v;
	}
	case T_BUFFER: {
		uint32_t n = 0, cap = t->size >= 4 ? t->size - 4 : 0;
		if (t->size >= 4)
			memcpy(&n, p, 4);
		if (n > cap)
			n = cap;
		struct rt_value *v = rv_str(a, (const char *)p + 4, n);
		v->kind = RV_BUFFER;
		return v;
	}
	case T_PTR: {
		uint64_t x = rd64(p);
		char buf[32];
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)x);
		return rv_sym(a, x, buf);
	}
	case T_ARRAY: {
		struct rt_value *v = rv_new(a, RV_ARRAY);
		uint32_t esz = t->elem ? t->elem->size : 0;
		v->n = t->nelem;
		v->elems = arena_alloc(a, sizeof(*v->elems) * (t->nelem ? t->nelem : 1));
		for (uint32_t i = 0; i < t->nelem; i++)
			v->elems[i] = *rt_decode(d, t->elem, p + (size_t)i * esz);
		return v;
	}
	case T_TUPLE:
		return decode_fields(d, t, p, RV_TUPLE);
	case T_STRUCT:
	case T_RECORD:
		return decode_fields(d, t, p, RV_RECORD);
	case T_PROBE: {
		uint64_t i = rd64(p);
		if (d->res && i < d->res->probes.n && d->res->probes.v[i].name)
			return rv_str(a, d->res->probes.v[i].name, strlen(d->res->probes.v[i].name));
		return rv_str(a, "?", 1);
	}
	case T_USERNAME: {
		uint64_t uid = rd64(p);
		struct passwd pw, *res = NULL;
		char buf[1024];
		if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 && res)
			return rv_str(a, pw.pw_name, strlen(pw.pw_name));
		char num[32];
		snprintf(num, sizeof(num), "%llu", (unsigned long long)uid);
		return rv_str(a, num, strlen(num));
	}
	case T_INET: {
		char buf[INET6_ADDRSTRLEN] = "";
		int64_t af = t->size >= 8 ? (int64_t)rd64(p) : 0;
		if (t->size >= 24 && (af == AF_INET || af == AF_INET6))
			inet_ntop((int)af, p + 8, buf, sizeof(buf));
		return rv_str(a, buf, strlen(buf));
	}
	case T_MACADDR: {
		char buf[24];
		snprintf(buf, sizeof(buf), "%02X:%02X:%02X:%02X:%02X:%02X", p[0], p[1], p[2], p[3], p[4], p[5]);
		return rv_str(a, buf, strlen(buf));
	}
	case T_NAMED_INT:
		return rv_str_owned(a, rt_int_name(t->names, (int64_t)rd64(p)));
	case T_TIMESTAMP:
		if (d->res && t->size >= 16) {
			uint64_t ns = rd64(p), fid = rd64(p + 8);
			if (fid < d->res->fmts.n) {
				char buf[256];
				size_t n = rt_strftime(buf, sizeof(buf), d->res->fmts.v[fid].fmt, ns);
				return rv_str(a, buf, n);
			}
		}
		__attribute__((fallthrough)); /* the raw number */
	case T_CGROUP_PATH: {
		uint64_t id = rd64(p), fid = t->size >= 16 ? rd64(p + 8) : UINT64_MAX;
		const char *filter = d->res && fid < d->res->fmts.n ? d->res->fmts.v[fid].fmt : NULL;
		struct strbuf sb = {0};
		rt_cgroup_path(id, filter, &sb);
		struct rt_value *v = rv_str(a, sb.s ? sb.s : "", sb.len);
		sb_free(&sb);
		return v;
	}
	case T_KSYM:
	case T_USYM: {
		uint64_t x = t->size >= 8 ? rd64(p) : 0;
		char buf[32];
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)x);
		return rv_str(a, buf, strlen(buf));
	}
	case T_KSTACK:
	case T_USTACK:
		return hex_frames(d, t, p);
	case T_COUNT:
		return rv_uint(a, rd64(p));
	case T_SUM:
	case T_MIN:
	case T_MAX:
		return int_value(a, (int64_t)rd64(p), t->is_signed);
	case T_AVG:
	case T_STATS: {
		uint64_t total = rd64(p), count = rd64(p + 8);
		struct rt_value *avg, *tot, *cnt;
		if (t->is_signed) {
			int64_t c = (int64_t)count, tt = (int64_t)total;
			avg = rv_int(a, c > 0 ? tt / c : 0);
			tot = rv_int(a, tt);
			cnt = rv_int(a, c);
		} else {
			avg = rv_uint(a, count ? total / count : 0);
			tot = rv_uint(a, total);
			cnt = rv_uint(a, count);
		}
		if (t->kind == T_AVG)
			return avg;
		struct rt_value *v = rv_new(a, RV_RECORD);
		static const char *names[] = {"count", "average", "total"};
		v->n = 3;
		v->names = (const char **)names;
		v->elems = arena_alloc(a, 3 * sizeof(*v->elems));
		v->elems[0] = *cnt;
		v->elems[1] = *avg;
		v->elems[2] = *tot;
		return v;
	}
	case T_HIST:
	case T_LHIST:
	case T_TSERIES:
		return rv_uint(a, rd64(p)); /* one bucket; whole histograms go through the map printer */
	}
	return rv_new(a, RV_NONE);
}

static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);
	if (c)
		return c < 0 ? -1 : 1;
	return na < nb ? -1 : na > nb;
}

int rt_value_cmp(const struct rt_value *a, const struct rt_value *b)
{
	/* ints of either signedness compare numerically */
	bool ai = a->kind == RV_INT || a->kind == RV_UINT || a->kind == RV_BOOL;
	bool bi = b->kind == RV_INT || b->kind == RV_UINT || b->kind == RV_BOOL;
	if (ai && bi) {
		bool aneg = a->kind == RV_INT && a->i < 0, bneg = b->kind == RV_INT && b->i < 0;
		if (aneg != bneg)
			return aneg ? -1 : 1;
		uint64_t x = a->kind == RV_BOOL ? a->b : a->kind == RV_INT ? (uint64_t)a->i : a->u;
		uint64_t y = b->kind == RV_BOOL ? b->b : b->kind == RV_INT ? (uint64_t)b->i : b->u;
		return x < y ? -1 : x > y;
	}
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	switch (a->kind) {
	case RV_SYM:
		if (a->u != b->u)
			return a->u < b->u ? -1 : 1;
		return cmp_bytes(a->s, a->len, b->s, b->len);
	case RV_STR:
	case RV_BUFFER:
		return cmp_bytes(a->s, a->len, b->s, b->len);
	case RV_TUPLE:
	case RV_ARRAY:
	case RV_RECORD:
		for (uint32_t i = 0; i < a->n && i < b->n; i++) {
			int c = rt_value_cmp(&a->elems[i], &b->elems[i]);
			if (c)
				return c;
		}
		return a->n < b->n ? -1 : a->n > b->n;
	default:
		return 0;
	}
}

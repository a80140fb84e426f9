/* output_json: the JSON backend (-f json). Newline-delimited JSON, one object per line, in newest
 * bpftrace's schema and spacing (objects spaced `{"a": 1, "b": 2}`, arrays and histogram bucket
 * lists unspaced `[1,2]`):
 *   {"type": "attached_probes", "count": N, "data": {"probes": N}}
 *   {"type": "lost_events", "count": N, "data": {"events": N}}
 *   {"type": "printf"|"time"|"cat"|"join"|"syscall", "data": "text"}
 *   {"type": "value", "data": V}                                   print(expr)
 *   {"type": "map", "data": {"@m": V}}  /  {"@m": {"k": V, "1,x": V}}
 *   {"type": "stats", "data": {"@s": {"count": 2, "average": 6, "total": 12}}}   (avg maps: a number)
 *   {"type": "hist", "data": {"@h": [{"max": -1, "count": 1},{"min": 0, "max": 0, "count": 1}, ...]}}
 * Everything goes to the result stream; end() prints nothing.
 *
 * Values: tuples and arrays are arrays, records and structs objects, strings escaped, integers a
 * double cannot hold exactly are strings, symbolic values (pointers, enums) their number, buffers
 * arrays of byte values (signed, as bpftrace's char-based encoder prints them), none null. Map keys
 * are the key's text form with a tuple's parentheses and every space removed ("1,x").
 *
 * One deliberate difference: bpftrace sign-extends bytes >= 0x80 in strings into "\uffffffc3";
 * scry copies valid UTF-8 as is and writes other such bytes as "\u00XX", so the output stays JSON. */
#include <string.h>

#include "runtime/output.h"

/* ---- scalars ---------------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned min;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	unsigned cp = s[0] & (0x3f >> (len - 1));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void json_str(struct strbuf *sb, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	sb_putc(sb, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		switch (c) {
		case '"':
			sb_puts(sb, "\\\"");
			break;
		case '\\':
			sb_puts(sb, "\\\\");
			break;
		case '\n':
			sb_puts(sb, "\\n");
			break;
		case '\r':
			sb_puts(sb, "\\r");
			break;
		case '\t':
			sb_puts(sb, "\\t");
			break;
		default:
			if (c < 0x20) {
				sb_printf(sb, "\\u%04x", c);
			} else if (c < 0x80) {
				sb_putc(sb, (char)c);
			} else {
				size_t l = utf8_len(p + i, n - i);
				if (l) {
					sb_putn(sb, s + i, l);
					i += l - 1;
				} else {
					sb_printf(sb, "\\u%04x", c);
				}
			}
		}
	}
	sb_putc(sb, '"');
}

/* A double holds every integer up to 2^53 exactly; bpftrace checks the round trip through double. */
static void json_i64(struct strbuf *sb, int64_t v)
{
	double d = (double)v;
	bool exact = d < 9223372036854775808.0 && d >= -9223372036854775808.0 && (int64_t)d == v;
	if (exact)
		sb_printf(sb, "%lld", (long long)v);
	else
		sb_printf(sb, "\"%lld\"", (long long)v);
}

static void json_u64(struct strbuf *sb, uint64_t v)
{
	double d = (double)v;
	bool exact = d < 18446744073709551616.0 && (uint64_t)d == v;
	if (exact)
		sb_printf(sb, "%llu", (unsigned long long)v);
	else
		sb_printf(sb, "\"%llu\"", (unsigned long long)v);
}

static void json_value(struct strbuf *sb, const struct rt_value *v)
{
	switch (v->kind) {
	case RV_NONE:
		sb_puts(sb, "null");
		break;
	case RV_BOOL:
		sb_puts(sb, v->b ? "true" : "false");
		break;
	case RV_INT:
		json_i64(sb, v->i);
		break;
	case RV_UINT:
		json_u64(sb, v->u);
		break;
	case RV_STR:
		json_str(sb, v->s, v->len);
		break;
	case RV_SYM:
		json_u64(sb, v->u);
		break;
	case RV_BUFFER:
		sb_putc(sb, '[');
		for (size_t i = 0; i < v->len; i++)
			sb_printf(sb, "%s%d", i ? "," : "", (int)(signed char)v->s[i]);
		sb_putc(sb, ']');
		break;
	case RV_TUPLE:
	case RV_ARRAY:
		sb_putc(sb, '[');
		for (uint32_t i = 0; i < v->n; i++) {
			if (i)
				sb_putc(sb, ',');
			json_value(sb, &v->elems[i]);
		}
		sb_putc(sb, ']');
		break;
	case RV_RECORD:
		sb_putc(sb, '{');
		for (uint32_t i = 0; i < v->n; i++) {
			if (i)
				sb_puts(sb, ", ");
			const char *name = v->names && v->names[i] ? v->names[i] : "";
			json_str(sb, name, strlen(name));
			sb_puts(sb, ": ");
			json_value(sb, &v->elems[i]);
		}
		sb_putc(sb, '}');
		break;
	}
}

/* A map key: its text form, a surrounding "(...)" dropped, every space removed. */
static void json_key(struct strbuf *sb, const struct rt_value *k)
{
	struct strbuf t = {0};
	rt_value_text(&t, k);
	const char *s = t.s ? t.s : "";
	size_t n = t.len;
	if (n >= 2 && s[0] == '(' && s[n - 1] == ')') {
		s++;
		n -= 2;
	}
	struct strbuf u = {0};
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ')
			sb_putc(&u, s[i]);
	json_str(sb, u.s ? u.s : "", u.len);
	sb_free(&u);
	sb_free(&t);
}

/* A histogram: closed intervals, so "max" is the exclusive upper bound minus one; the underflow
 * bucket has no "min", the overflow bucket no "max". */
static void json_hist(struct strbuf *sb, const struct rt_hist *h)
{
	sb_putc(sb, '[');
	for (size_t i = 0; h && i < h->n; i++) {
		const struct rt_hist_row *r = &h->rows[i];
		if (i)
			sb_putc(sb, ',');
		sb_putc(sb, '{');
		if (r->kind != RT_ROW_BELOW) {
			sb_puts(sb, "\"min\": ");
			json_i64(sb, r->lo);
			sb_puts(sb, ", ");
		}
		if (r->kind != RT_ROW_ABOVE) {
			sb_puts(sb, "\"max\": ");
			json_i64(sb, r->hi - 1);
			sb_puts(sb, ", ");
		}
		sb_printf(sb, "\"count\": %llu}", (unsigned long long)r->count);
	}
	sb_putc(sb, ']');
}

/* ---- backend ---------------------------------------------------------------------------------- */

static void put_line(struct output *o, struct strbuf *sb)
{
	sb_putc(sb, '\n');
	fwrite(sb->s, 1, sb->len, o->out);
	/* every object is a whole line, whether or not the text inside ends with a newline */
	if (o->buffering == OUTPUT_BUF_LINE)
		fflush(o->out);
}

static void json_message(struct output *o, enum output_msg kind, const char *s, size_t n)
{
	static const char *const types[] = {
		[OUT_MSG_PRINTF] = "printf", [OUT_MSG_TIME] = "time",      [OUT_MSG_CAT] = "cat",
		[OUT_MSG_JOIN] = "join",     [OUT_MSG_SYSTEM] = "syscall",
	};
	struct strbuf sb = {0};
	sb_printf(&sb, "{\"type\": \"%s\", \"data\": ", types[kind]);
	if (kind == OUT_MSG_SYSTEM) {
		/* system() text comes without its final newline; bpftrace's "syscall" data keeps it */
		struct strbuf t = {0};
		sb_putn(&t, s, n);
		sb_putc(&t, '\n');
		json_str(&sb, t.s, t.len);
		sb_free(&t);
	} else {
		json_str(&sb, s, n);
	}
	sb_putc(&sb, '}');
	put_line(o, &sb);
	sb_free(&sb);
}

static void json_value_op(struct output *o, const struct rt_value *v)
{
	struct strbuf sb = {0};
	sb_puts(&sb, "{\"type\": \"value\", \"data\": ");
	json_value(&sb, v);
	sb_putc(&sb, '}');
	put_line(o, &sb);
	sb_free(&sb);
}

static void json_entry(struct strbuf *sb, const struct rt_map_view *m, const struct rt_map_entry *e)
{
	if (m->kind == RT_MAP_HIST)
		json_hist(sb, e->hist);
	else if (e->value)
		json_value(sb, e->value);
	else
		sb_puts(sb, "null");
}

static void json_map(struct output *o, const struct rt_map_view *m)
{
	if (!m->n)
		return;
	const char *type = m->kind == RT_MAP_HIST ? "hist" : m->kind == RT_MAP_STATS ? "stats" : "map";
	struct strbuf sb = {0};
	sb_printf(&sb, "{\"type\": \"%s\", \"data\": {", type);
	json_str(&sb, m->name ? m->name : "", m->name ? strlen(m->name) : 0);
	sb_puts(&sb, ": ");
	if (m->scalar) {
		json_entry(&sb, m, &m->entries[0]);
	} else {
		sb_putc(&sb, '{');
		for (size_t i = 0; i < m->n; i++) {
			const struct rt_map_entry *e = &m->entries[i];
			if (i)
				sb_puts(&sb, ", ");
			if (e->key)
				json_key(&sb, e->key);
			else
				sb_puts(&sb, "\"\"");
			sb_puts(&sb, ": ");
			json_entry(&sb, m, e);
		}
		sb_putc(&sb, '}');
	}
	sb_puts(&sb, "}}");
	put_line(o, &sb);
	sb_free(&sb);
}

static void json_attached(struct output *o, uint64_t n)
{
	struct strbuf sb = {0};
	sb_printf(&sb, "{\"type\": \"attached_probes\", \"count\": %llu, \"data\": {\"probes\": %llu}}",
		  (unsigned long long)n, (unsigned long long)n);
	put_line(o, &sb);
	sb_free(&sb);
}

static void json_lost(struct output *o, uint64_t n)
{
	struct strbuf sb = {0};
	sb_printf(&sb, "{\"type\": \"lost_events\", \"count\": %llu, \"data\": {\"events\": %llu}}",
		  (unsigned long long)n, (unsigned long long)n);
	put_line(o, &sb);
	sb_free(&sb);
}

static const struct output_ops json_ops = {
	.name = "json",
	.message = json_message,
	.value = json_value_op,
	.map = json_map,
	.end = NULL, /* nothing at the end of the run */
	.attached_probes = json_attached,
	.lost_events = json_lost,
};

struct output *output_json_new(FILE *out)
{
	struct output *o = xcalloc(1, sizeof(*o));
	o->ops = &json_ops;
	o->out = out;
	o->err = stderr;
	o->buffering = OUTPUT_BUF_LINE;
	return o;
}

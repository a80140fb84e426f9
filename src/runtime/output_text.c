/* output_text: the text backend (bpftrace's default output format, newest layout).
 *   scalar map      "@x: V"
 *   keyed map       "@x[K]: V" per entry; a tuple key is printed without its parentheses
 *   stats           "{ .count = 2, .average = 15, .total = 31 }" (record style), no blank line
 *   hist/lhist      "@h:" / "@h[K]:" then the rows, then an empty line, per entry
 *   end of run      two newlines */
#include <string.h>

#include "runtime/output.h"

void rt_value_text(struct strbuf *sb, const struct rt_value *v)
{
	switch (v->kind) {
	case RV_NONE:
		sb_puts(sb, "null");
		break;
	case RV_BOOL:
		sb_puts(sb, v->b ? "true" : "false");
		break;
	case RV_INT:
		sb_printf(sb, "%lld", (long long)v->i);
		break;
	case RV_UINT:
		sb_printf(sb, "%llu", (unsigned long long)v->u);
		break;
	case RV_STR:
	case RV_SYM:
		sb_putn(sb, v->s, v->len);
		break;
	case RV_BUFFER:
		/* printable ASCII kept, everything else as \xNN */
		for (size_t i = 0; i < v->len; i++) {
			unsigned char c = (unsigned char)v->s[i];
			if (c >= 32 && c <= 126)
				sb_putc(sb, (char)c);
			else
				sb_printf(sb, "\\x%02x", c);
		}
		break;
	case RV_TUPLE:
		sb_putc(sb, '(');
		for (uint32_t i = 0; i < v->n; i++) {
			if (i)
				sb_puts(sb, ", ");
			rt_value_text(sb, &v->elems[i]);
		}
		sb_putc(sb, ')');
		break;
	case RV_ARRAY:
		sb_putc(sb, '[');
		for (uint32_t i = 0; i < v->n; i++) {
			if (i)
				sb_putc(sb, ',');
			rt_value_text(sb, &v->elems[i]);
		}
		sb_putc(sb, ']');
		break;
	case RV_RECORD:
		if (!v->n) {
			sb_puts(sb, "{}");
			break;
		}
		sb_puts(sb, "{ ");
		for (uint32_t i = 0; i < v->n; i++) {
			if (i)
				sb_puts(sb, ", ");
			sb_printf(sb, ".%s = ", v->names ? v->names[i] : "");
			rt_value_text(sb, &v->elems[i]);
		}
		sb_puts(sb, " }");
		break;
	}
}

static void put(struct output *o, const struct strbuf *sb)
{
	if (sb->len)
		fwrite(sb->s, 1, sb->len, o->out);
}

static void text_message(struct output *o, enum output_msg kind, const char *s, size_t n)
{
	if (n)
		fwrite(s, 1, n, o->out);
	/* join() and system() text comes without its final newline */
	if (kind == OUT_MSG_JOIN || kind == OUT_MSG_SYSTEM)
		fputc('\n', o->out);
}

static void text_value(struct output *o, const struct rt_value *v)
{
	struct strbuf sb = {0};
	rt_value_text(&sb, v);
	sb_putc(&sb, '\n');
	put(o, &sb);
	sb_free(&sb);
}

/* The key as shown between the brackets: a tuple loses its parentheses. */
static void key_text(struct strbuf *sb, const struct rt_value *k)
{
	if (k->kind == RV_TUPLE) {
		for (uint32_t i = 0; i < k->n; i++) {
			if (i)
				sb_puts(sb, ", ");
			rt_value_text(sb, &k->elems[i]);
		}
	} else {
		rt_value_text(sb, k);
	}
}

static void hist_rows(struct strbuf *sb, const struct rt_hist *h)
{
	uint64_t max = 0;
	for (size_t i = 0; i < h->n; i++)
		if (h->rows[i].count > max)
			max = h->rows[i].count;
	for (size_t i = 0; i < h->n; i++) {
		const struct rt_hist_row *r = &h->rows[i];
		char label[64];
		switch (r->kind) {
		case RT_ROW_BELOW:
			snprintf(label, sizeof(label), "(..., %s)", r->hi_s);
			break;
		case RT_ROW_SINGLE:
			snprintf(label, sizeof(label), "[%s]", r->lo_s);
			break;
		case RT_ROW_RANGE:
			snprintf(label, sizeof(label), "[%s, %s)", r->lo_s, r->hi_s);
			break;
		case RT_ROW_ABOVE:
			snprintf(label, sizeof(label), "[%s, ...)", r->lo_s);
			break;
		}
		/* bpftrace computes the bar in single precision: (float)count / (float)max * 52 */
		int bar = max ? (int)((float)r->count / (float)max * 52.0f) : 0;
		if (bar < 0)
			bar = 0;
		if (bar > 52)
			bar = 52;
		char at[53];
		memset(at, '@', (size_t)bar);
		memset(at + bar, ' ', (size_t)(52 - bar));
		at[52] = 0;
		sb_printf(sb, "%-16s%8llu |%s|\n", label, (unsigned long long)r->count, at);
	}
}

static void text_map(struct output *o, const struct rt_map_view *m)
{
	struct strbuf sb = {0};
	for (size_t i = 0; i < m->n; i++) {
		const struct rt_map_entry *e = &m->entries[i];
		sb_puts(&sb, m->name);
		if (e->key) {
			sb_putc(&sb, '[');
			key_text(&sb, e->key);
			sb_putc(&sb, ']');
		}
		if (m->kind == RT_MAP_HIST) {
			sb_puts(&sb, ":\n");
			if (e->hist)
				hist_rows(&sb, e->hist);
			sb_putc(&sb, '\n');
		} else {
			sb_puts(&sb, ": ");
			if (e->value)
				rt_value_text(&sb, e->value);
			sb_putc(&sb, '\n');
		}
	}
	put(o, &sb);
	sb_free(&sb);
}

static void text_end(struct output *o)
{
	fputs("\n\n", o->out);
}

static void text_attached(struct output *o, uint64_t n)
{
	fprintf(o->err, "Attached %llu probe%s\n", (unsigned long long)n, n == 1 ? "" : "s");
}

static void text_lost(struct output *o, uint64_t n)
{
	fprintf(o->err, "Lost %llu events\n", (unsigned long long)n);
}

static const struct output_ops text_ops = {
	.name = "text",
	.message = text_message,
	.value = text_value,
	.map = text_map,
	.end = text_end,
	.attached_probes = text_attached,
	.lost_events = text_lost,
};

struct output *output_text_new(FILE *out)
{
	struct output *o = xcalloc(1, sizeof(*o));
	o->ops = &text_ops;
	o->out = out;
	o->err = stderr;
	o->buffering = OUTPUT_BUF_LINE;
	return o;
}

/* output_folded: the folded-stack backend (-f folded), for flamegraph.pl, speedscope, inferno and
 * other tools that read Brendan Gregg's "folded" format. A map keyed by a stack (alone, or in a tuple
 * with other keys) whose values are integers (count, sum, min, max, avg, ints) prints one line per
 * entry:
 *     key;key;ustack-root;...;ustack-leaf;kstack-root;...;kstack-leaf VALUE
 * Frames are function names without offsets, root first (stacks are recorded leaf first); the
 * other key parts come first, in key order, then user stacks, then kernel stacks, so a key such as
 * [comm, kstack, ustack] reads as one call chain. A map whose stacks are all empty prints "[empty]".
 * Everything else (other maps, printf, print, the attach banner on stderr ...) prints exactly as the
 * text backend prints it; the end of the run prints nothing, so the output stays parseable. */
#include <string.h>

#include "runtime/output.h"
#include "runtime/symresolve.h"

static struct output *inner(struct output *o)
{
	struct output *t = o->priv;
	t->resolver = o->resolver; /* the text backend renders stacks in values with it */
	t->str_trailer = o->str_trailer;
	t->err = o->err;
	return t;
}

static void folded_message(struct output *o, enum output_msg kind, const char *s, size_t n)
{
	struct output *t = inner(o);
	t->ops->message(t, kind, s, n);
}

static void folded_value(struct output *o, const struct rt_value *v)
{
	struct output *t = inner(o);
	t->ops->value(t, v);
}

static bool is_stack(const struct type *t) { return t && (t->kind == T_KSTACK || t->kind == T_USTACK); }

static bool foldable(const struct rt_map_view *m)
{
	if (m->scalar || m->kind == RT_MAP_HIST || !rt_type_has_stack(m->key_type))
		return false;
	/* stacks nested deeper than the key's own tuple are not unpacked */
	if (m->key_type->kind == T_TUPLE) {
		bool top = false;
		for (uint32_t i = 0; i < m->key_type->nfields; i++)
			top |= is_stack(m->key_type->fields[i].type);
		if (!top)
			return false;
	}
	for (size_t i = 0; i < m->n; i++) {
		const struct rt_value *v = m->entries[i].value;
		if (!v || (v->kind != RV_INT && v->kind != RV_UINT) || !m->entries[i].key_bytes)
			return false;
	}
	return true;
}

static void put_part(struct strbuf *line, const char *s, size_t n)
{
	if (line->len)
		sb_putc(line, ';');
	for (size_t i = 0; i < n; i++)
		sb_putc(line, s[i] == ';' ? ':' : s[i] == '\n' ? ' ' : s[i]);
}

static void put_stack(struct output *o, struct strbuf *line, const struct type *t, const void *bytes)
{
	struct strbuf fr = {0};
	rt_stack_folded(o->resolver, t, bytes, &fr);
	if (fr.len) {
		if (line->len)
			sb_putc(line, ';');
		sb_putn(line, fr.s, fr.len); /* already sanitized */
	}
	sb_free(&fr);
}

/* The folded line of one entry, without its value. */
static void folded_key(struct output *o, const struct rt_map_view *m, const struct rt_map_entry *e,
		       struct strbuf *line)
{
	const struct type *kt = m->key_type;
	const uint8_t *kb = e->key_bytes;
	if (kt->kind == T_TUPLE) {
		/* other parts in key order, then user stacks, then kernel stacks */
		for (uint32_t i = 0; i < kt->nfields; i++) {
			if (is_stack(kt->fields[i].type))
				continue;
			struct strbuf part = {0};
			if (e->key && e->key->kind == RV_TUPLE && i < e->key->n)
				rt_value_text(&part, &e->key->elems[i]);
			put_part(line, part.s ? part.s : "", part.len);
			sb_free(&part);
		}
		for (int pass = 0; pass < 2; pass++)
			for (uint32_t i = 0; i < kt->nfields; i++)
				if (kt->fields[i].type->kind == (pass ? T_KSTACK : T_USTACK))
					put_stack(o, line, kt->fields[i].type, kb + kt->fields[i].offset);
	} else {
		put_stack(o, line, kt, kb);
	}
	if (!line->len)
		sb_puts(line, "[empty]");
}

struct fline {
	char *text;
	struct rt_value value; /* RV_INT or RV_UINT */
};

static int cmp_fline_text(const void *pa, const void *pb)
{
	return strcmp(((const struct fline *)pa)->text, ((const struct fline *)pb)->text);
}

static int cmp_fline_value(const void *pa, const void *pb)
{
	const struct fline *a = pa, *b = pb;
	int c = rt_value_cmp(&a->value, &b->value);
	return c ? c : strcmp(a->text, b->text);
}

static void folded_map(struct output *o, const struct rt_map_view *m)
{
	if (!foldable(m)) {
		struct output *t = inner(o);
		t->ops->map(t, m);
		return;
	}
	struct fline *lines = xcalloc(m->n, sizeof(*lines));
	for (size_t i = 0; i < m->n; i++) {
		struct strbuf sb = {0};
		folded_key(o, m, &m->entries[i], &sb);
		lines[i].text = sb_steal(&sb);
		lines[i].value = *m->entries[i].value;
	}
	size_t n = m->n;
	/* different stacks (other addresses in the same functions) can fold to the same line: counts and
	 * sums of equal lines add up */
	const struct type *vt = m->value_type;
	if (vt && (vt->kind == T_COUNT || vt->kind == T_SUM)) {
		qsort(lines, n, sizeof(*lines), cmp_fline_text);
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			if (k && !strcmp(lines[k - 1].text, lines[i].text)) {
				lines[k - 1].value.i += lines[i].value.i;
				lines[k - 1].value.u += lines[i].value.u;
				free(lines[i].text);
				continue;
			}
			lines[k++] = lines[i];
		}
		n = k;
	}
	qsort(lines, n, sizeof(*lines), cmp_fline_value); /* ascending, the biggest last, like text */
	struct strbuf sb = {0};
	for (size_t i = 0; i < n; i++) {
		sb_puts(&sb, lines[i].text);
		sb_putc(&sb, ' ');
		rt_value_text(&sb, &lines[i].value);
		sb_putc(&sb, '\n');
		free(lines[i].text);
	}
	free(lines);
	if (sb.len)
		fwrite(sb.s, 1, sb.len, o->out);
	sb_free(&sb);
}

static void folded_attached(struct output *o, uint64_t n)
{
	struct output *t = inner(o);
	t->ops->attached_probes(t, n);
}

static void folded_lost(struct output *o, uint64_t n)
{
	struct output *t = inner(o);
	t->ops->lost_events(t, n);
}

static void folded_destroy(struct output *o)
{
	struct output *t = o->priv;
	t->out = NULL; /* o's stream; nothing to flush twice */
	t->err = NULL;
	output_free(t);
	o->priv = NULL;
}

static const struct output_ops folded_ops = {
	.name = "folded",
	.message = folded_message,
	.value = folded_value,
	.map = folded_map,
	.end = NULL, /* no blank lines before the maps: the output is meant for tools */
	.attached_probes = folded_attached,
	.lost_events = folded_lost,
	.destroy = folded_destroy,
};

struct output *output_folded_new(FILE *out)
{
	struct output *o = xcalloc(1, sizeof(*o));
	o->ops = &folded_ops;
	o->out = out;
	o->err = stderr;
	o->buffering = OUTPUT_BUF_LINE;
	o->priv = output_text_new(out);
	return o;
}

#include "diag/diag.h"

#include <stdlib.h>
#include <string.h>

struct source *source_new(const char *name, const char *text, size_t len)
{
	struct source *s = xcalloc(1, sizeof(*s));
	s->name = xstrdup(name);
	s->text = xstrndup(text, len);
	s->len = len;
	VEC_PUSH(s->line_start, 0);
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n' && i + 1 < len)
			VEC_PUSH(s->line_start, i + 1);
	return s;
}

void source_free(struct source *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->text);
	VEC_FREE(s->line_start);
	free(s);
}

const char *source_line(const struct source *s, int line, size_t *n)
{
	if (line < 1 || (size_t)line > s->line_start.n)
		return NULL;
	const char *p = s->text + s->line_start.v[line - 1];
	const char *e = memchr(p, '\n', (size_t)(s->text + s->len - p));
	*n = e ? (size_t)(e - p) : (size_t)(s->text + s->len - p);
	return p;
}

void diag_init(struct diag_list *dl, const struct source *src)
{
	memset(dl, 0, sizeof(*dl));
	dl->src = src;
}

void diag_add(struct diag_list *dl, enum diag_severity sev, const struct loc *loc, const char *fmt, ...)
{
	struct diag d = {.sev = sev};
	if (loc && loc->line > 0) {
		d.has_loc = true;
		d.loc = *loc;
	}
	struct strbuf sb = {0};
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	d.msg = sb_steal(&sb);
	VEC_PUSH(dl->v, d);
	if (sev == DIAG_ERROR)
		dl->errors++;
	else
		dl->warnings++;
}

void diag_hint(struct diag_list *dl, const char *fmt, ...)
{
	if (!dl->v.n)
		return;
	struct strbuf sb = {0};
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	struct diag *d = &dl->v.v[dl->v.n - 1];
	free(d->hint);
	d->hint = sb_steal(&sb);
}

void diag_render(const struct diag_list *dl, FILE *out, bool color)
{
	const char *red = color ? "\033[31m" : "", *yel = color ? "\033[33m" : "", *off = color ? "\033[0m" : "";
	for (size_t i = 0; i < dl->v.n; i++) {
		const struct diag *d = &dl->v.v[i];
		const char *sevs = d->sev == DIAG_ERROR ? "ERROR" : "WARNING";
		const char *c = d->sev == DIAG_ERROR ? red : yel;
		const struct source *src = d->loc.src ? d->loc.src : dl->src;
		if (!d->has_loc || !src) {
			fprintf(out, "%s%s: %s%s\n", c, sevs, d->msg, off);
		} else {
			const struct loc *l = &d->loc;
			int end = l->end_line == l->line && l->end_col > l->col ? l->end_col : l->col + 1;
			fprintf(out, "%s%s:%d:%d-%d: %s: %s%s\n", c, src->name, l->line, l->col, end, sevs, d->msg, off);
			size_t n;
			const char *line = source_line(src, l->line, &n);
			if (line) {
				fprintf(out, "%.*s\n", (int)n, line);
				/* tildes under the range (to end of line if it spans lines); tabs kept for alignment */
				int last = l->end_line > l->line ? (int)n + 1 : end;
				if (last <= l->col)
					last = l->col + 1;
				for (int col = 1; col < l->col; col++)
					fputc((size_t)(col - 1) < n && line[col - 1] == '\t' ? '\t' : ' ', out);
				fputs(c, out);
				for (int col = l->col; col < last; col++)
					fputc('~', out);
				fprintf(out, "%s\n", off);
			}
		}
		if (d->hint)
			fprintf(out, "HINT: %s\n", d->hint);
	}
}

void diag_clear(struct diag_list *dl)
{
	for (size_t i = 0; i < dl->v.n; i++) {
		free(dl->v.v[i].msg);
		free(dl->v.v[i].hint);
	}
	dl->v.n = 0;
	dl->errors = dl->warnings = 0;
}

void diag_free(struct diag_list *dl)
{
	diag_clear(dl);
	VEC_FREE(dl->v);
}

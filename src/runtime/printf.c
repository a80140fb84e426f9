/* printf: render a printf() event from its format (parsed with sema/printf_check.h, the same parser
 * sema validated it with) and its argument payload. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/output.h"
#include "sema/printf_check.h"

/* Build a C conversion "%<flags><width>.<prec><len><conv>" for snprintf. */
static void c_spec(char *buf, size_t n, const struct fmt_spec *sp, const char *len, char conv, bool numeric)
{
	char *p = buf;
	*p++ = '%';
	if (sp->minus)
		*p++ = '-';
	if (numeric) {
		if (sp->plus)
			*p++ = '+';
		if (sp->space)
			*p++ = ' ';
		if (sp->hash)
			*p++ = '#';
		if (sp->zero)
			*p++ = '0';
	}
	*p = 0;
	size_t used = (size_t)(p - buf);
	if (sp->width >= 0)
		used += (size_t)snprintf(buf + used, n - used, "%d", sp->width);
	if (numeric && sp->prec >= 0)
		used += (size_t)snprintf(buf + used, n - used, ".%d", sp->prec);
	snprintf(buf + used, n - used, "%s%c", len, conv);
}

/* Pad text to the spec's width (spaces; left-justified with '-'). */
static void put_padded(struct strbuf *sb, const struct fmt_spec *sp, const char *s, size_t n)
{
	size_t w = sp->width > 0 ? (size_t)sp->width : 0;
	if (!sp->minus)
		for (size_t i = n; i < w; i++)
			sb_putc(sb, ' ');
	sb_putn(sb, s, n);
	if (sp->minus)
		for (size_t i = n; i < w; i++)
			sb_putc(sb, ' ');
}

/* The integer behind a decoded value, if it has one. */
static bool value_int(const struct rt_value *v, int64_t *out)
{
	switch (v->kind) {
	case RV_INT:
		*out = v->i;
		return true;
	case RV_UINT:
	case RV_SYM:
		*out = (int64_t)v->u;
		return true;
	case RV_BOOL:
		*out = v->b;
		return true;
	default:
		return false;
	}
}

static void render_buffer(struct strbuf *sb, const struct fmt_spec *sp, const struct rt_value *v)
{
	struct strbuf t = {0};
	for (size_t i = 0; i < v->len; i++) {
		unsigned char c = (unsigned char)v->s[i];
		if (sp->conv2 == 'h')
			sb_printf(&t, i + 1 == v->len ? "%02x" : "%02x ", c);
		else if (sp->conv2 == 0 && c >= 32 && c <= 126)
			sb_putc(&t, (char)c);
		else
			sb_printf(&t, "\\x%02x", c);
	}
	put_padded(sb, sp, t.s ? t.s : "", t.len);
	sb_free(&t);
}

static void render_string(struct strbuf *sb, const struct fmt_spec *sp, const struct rt_value *v)
{
	struct strbuf t = {0};
	rt_value_text(&t, v);
	size_t n = t.len;
	if (sp->prec >= 0 && (size_t)sp->prec < n)
		n = (size_t)sp->prec;
	put_padded(sb, sp, t.s ? t.s : "", n);
	sb_free(&t);
}

static void render_arg(struct strbuf *sb, const struct fmt_spec *sp, const struct rt_value *v)
{
	char cf[64];
	int64_t x;
	if (sp->conv == 's' || (sp->conv == 'r' && v->kind != RV_BUFFER)) {
		render_string(sb, sp, v);
		return;
	}
	if (sp->conv == 'r') {
		render_buffer(sb, sp, v);
		return;
	}
	if (!value_int(v, &x)) { /* sema only lets integers through; be forgiving anyway */
		render_string(sb, sp, v);
		return;
	}
	bool hh = !strcmp(sp->len, "hh"), h = !strcmp(sp->len, "h");
	switch (sp->conv) {
	case 'd':
	case 'i':
		if (hh)
			x = (signed char)x;
		else if (h)
			x = (short)x;
		c_spec(cf, sizeof(cf), sp, "ll", 'd', true);
		sb_printf(sb, cf, (long long)x);
		break;
	case 'u':
	case 'o':
	case 'x':
	case 'X': {
		uint64_t u = (uint64_t)x;
		if (hh)
			u = (unsigned char)u;
		else if (h)
			u = (unsigned short)u;
		c_spec(cf, sizeof(cf), sp, "ll", sp->conv, true);
		sb_printf(sb, cf, (unsigned long long)u);
		break;
	}
	case 'c':
		c_spec(cf, sizeof(cf), sp, "", 'c', false);
		sb_printf(sb, cf, (int)(unsigned char)x);
		break;
	case 'p': {
		char t[32];
		int n = snprintf(t, sizeof(t), "0x%llx", (unsigned long long)x);
		put_padded(sb, sp, t, (size_t)n);
		break;
	}
	default:
		render_string(sb, sp, v);
	}
}

int rt_printf_format_ex(struct strbuf *sb, const struct res_printf *f, const void *payload, size_t len,
			const struct resources *res, const struct rt_resolver *resolver, const char *trailer)
{
	struct arena a = {0};
	struct rt_decoder d = {.arena = &a, .res = res, .resolver = resolver, .str_trailer = trailer};
	const char *fmt = f->fmt ? f->fmt : "";
	size_t pos = 0, lit = 0;
	uint32_t argi = 0;
	struct fmt_spec sp;
	char *err = NULL;
	int r, ret = 0;
	while ((r = fmt_spec_next(fmt, &pos, &sp, &err)) > 0) {
		sb_putn(sb, fmt + lit, sp.start - lit);
		lit = sp.end;
		if (!fmt_spec_takes_arg(&sp)) {
			sb_putc(sb, '%');
			continue;
		}
		if (argi >= f->nargs) { /* not checked by sema: print the specifier itself */
			sb_putn(sb, fmt + sp.start, sp.end - sp.start);
			continue;
		}
		const struct res_fmt_arg *arg = &f->args[argi++];
		if (!arg->type || (size_t)arg->offset + arg->type->size > len) {
			ret = -EINVAL;
			break;
		}
		render_arg(sb, &sp, rt_decode(&d, arg->type, (const uint8_t *)payload + arg->offset));
	}
	free(err);
	if (ret == 0)
		sb_puts(sb, fmt + lit);
	arena_free(&a);
	return ret;
}

int rt_printf_format(struct strbuf *sb, const struct res_printf *f, const void *payload, size_t len,
		     const struct resources *res)
{
	return rt_printf_format_ex(sb, f, payload, len, res, NULL, NULL);
}

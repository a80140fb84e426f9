#include "sema/printf_check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_flag(char c) { return c == '-' || c == '+' || c == ' ' || c == '#' || c == '0'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

int fmt_spec_next(const char *fmt, size_t *pos, struct fmt_spec *spec, char **err)
{
	const char *p = strchr(fmt + *pos, '%');
	if (!p)
		return 0;
	memset(spec, 0, sizeof(*spec));
	spec->start = (size_t)(p - fmt);
	spec->width = spec->prec = -1;
	p++;
	for (; is_flag(*p); p++) {
		switch (*p) {
		case '-': spec->minus = true; break;
		case '+': spec->plus = true; break;
		case ' ': spec->space = true; break;
		case '#': spec->hash = true; break;
		case '0': spec->zero = true; break;
		}
	}
	if (*p == '*') {
		*err = xstrdup("'*' width is not supported; write the width into the format string");
		return -1;
	}
	if (is_digit(*p)) {
		long w = 0;
		for (; is_digit(*p); p++)
			if ((w = w * 10 + (*p - '0')) > 4096)
				w = 4096;
		spec->width = (int)w;
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			*err = xstrdup("'*' precision is not supported; write the precision into the format string");
			return -1;
		}
		long pr = 0;
		for (; is_digit(*p); p++)
			if ((pr = pr * 10 + (*p - '0')) > 4096)
				pr = 4096;
		spec->prec = (int)pr;
	}
	if ((p[0] == 'h' && p[1] == 'h') || (p[0] == 'l' && p[1] == 'l')) {
		spec->len[0] = p[0];
		spec->len[1] = p[1];
		p += 2;
	} else if (*p && strchr("hljztL", *p)) {
		spec->len[0] = *p++;
	}
	if (!*p) {
		*err = xstrdup("incomplete format specifier at the end of the format string");
		return -1;
	}
	if (!strchr("diouxXcsp%refgaEFGAn", *p)) {
		*err = xasprintf("Unsupported format specifier %%%c", *p);
		return -1;
	}
	spec->conv = *p++;
	if (spec->conv == 'r' && (*p == 'x' || *p == 'h'))
		spec->conv2 = *p++;
	spec->end = (size_t)(p - fmt);
	*pos = spec->end;
	return 1;
}

bool fmt_spec_takes_arg(const struct fmt_spec *spec) { return spec->conv != '%'; }

static bool int_like(const struct type *t)
{
	if (!t)
		return false;
	switch (t->kind) {
	case T_INT:
	case T_BOOL:
	case T_ENUM:
	case T_PTR:
	/* a map read of an aggregation is an integer value */
	case T_COUNT:
	case T_SUM:
	case T_MIN:
	case T_MAX:
	case T_AVG:
		return true;
	default:
		return false;
	}
}

int rt_format_check(const char *func, const char *fmt, struct type **argtypes, int n, char **err)
{
	size_t pos = 0;
	struct fmt_spec sp;
	int nspecs = 0, r;
	char *perr = NULL;
	*err = NULL;
	/* first pass: well-formedness and the number of arguments (bpftrace checks the count first) */
	while ((r = fmt_spec_next(fmt, &pos, &sp, &perr)) > 0)
		if (fmt_spec_takes_arg(&sp))
			nspecs++;
	if (r < 0) {
		*err = xasprintf("%s: %s", func, perr);
		free(perr);
		return -EINVAL;
	}
	if (n > nspecs) {
		*err = xasprintf("%s: Too many arguments for format string (%d supplied, %d expected)", func, n,
				 nspecs);
		return -EINVAL;
	}
	if (n < nspecs) {
		*err = xasprintf("%s: Not enough arguments for format string (%d supplied, %d expected)", func,
				 n, nspecs);
		return -EINVAL;
	}
	pos = 0;
	int i = 0;
	while (fmt_spec_next(fmt, &pos, &sp, &perr) > 0) {
		if (!fmt_spec_takes_arg(&sp))
			continue;
		const struct type *t = argtypes[i++];
		const char *want = NULL;
		switch (sp.conv) {
		case 'd': case 'i': case 'u': case 'o': case 'x': case 'X': case 'c': case 'p':
			if (!int_like(t))
				want = "an integer";
			break;
		case 'r':
			if (!t || t->kind != T_BUFFER)
				want = "a buffer";
			break;
		case 's':
			break;
		default: /* e f g a: scry has no floating point; n: never */
			*err = xasprintf("%s: Unsupported format specifier %%%c%s", func, sp.conv,
					 sp.conv == 'n' ? "" : " (scry has no floating point)");
			return -EINVAL;
		}
		if (want) {
			struct strbuf tn = {0};
			type_str(t, &tn);
			*err = xasprintf("%s: %%%c%s specifier expects %s, got %s", func, sp.conv,
					 sp.conv2 ? (char[]){sp.conv2, 0} : "", want, tn.s ? tn.s : "none");
			sb_free(&tn);
			return -EINVAL;
		}
	}
	return 0;
}

int rt_printf_check(const char *fmt, struct type **argtypes, int n, char **err)
{
	return rt_format_check("printf", fmt, argtypes, n, err);
}

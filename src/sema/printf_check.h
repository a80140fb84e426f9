/* printf_check: parsing and checking of bpftrace printf-style format strings. Sema calls
 * rt_printf_check / rt_format_check to validate a call; the runtime (which comes after sema) uses
 * fmt_spec_next to walk the same format when rendering, so both sides agree on what a specifier is.
 * Depends only on util and the type model. Error strings are malloc'ed and owned by the caller. */
#ifndef SCRY_PRINTF_CHECK_H
#define SCRY_PRINTF_CHECK_H
#include <stdbool.h>
#include <stddef.h>

#include "ast/types.h"

/* One conversion specifier: %[flags][width][.precision][length]conv
 *   flags  - + space # 0      width/precision: decimal digits ('*' is rejected)
 *   length hh h l ll j z t L  conv: d i u o x X c s p %  (and r, rx, rh for buffers;
 *   e f g a E F G A n are recognised only so that they can be rejected with a clear message) */
struct fmt_spec {
	size_t start, end;  /* byte range [start, end) of the whole specifier in the format */
	bool minus, plus, space, hash, zero;
	int width;          /* -1 = not given */
	int prec;           /* -1 = not given */
	char len[3];        /* "" or one of hh h l ll j z t L */
	char conv;          /* 'd', 's', '%', 'r', ... */
	char conv2;         /* second letter of %rx / %rh, else 0 */
};

/* Find the next specifier at or after *pos. Returns 1 and fills *spec (and sets *pos to spec->end),
 * 0 when there is none left (*pos unchanged), or -1 on a malformed specifier with *err set
 * (e.g. a lone '%' at the end, or '*' width). "%%" is returned as a spec with conv '%'. */
int fmt_spec_next(const char *fmt, size_t *pos, struct fmt_spec *spec, char **err);

/* Does this specifier consume an argument? (everything but %%) */
bool fmt_spec_takes_arg(const struct fmt_spec *spec);

/* Validate a format string against the argument types of a printf-like call named func
 * ("printf", "system", "cat", ...). Returns 0, or -EINVAL with *err set to a message such as
 *   "printf: Too many arguments for format string (3 supplied, 2 expected)"
 *   "printf: Not enough arguments for format string (1 supplied, 2 expected)"
 *   "printf: %d specifier expects an integer, got string[16]"
 *   "printf: Unsupported format specifier %f"
 * Integer specifiers (d i u o x X c p) take ints, bool, enums and pointers; %s takes any value;
 * %r %rx %rh take buffers. */
int rt_format_check(const char *func, const char *fmt, struct type **argtypes, int n, char **err);

/* rt_format_check with func = "printf". */
int rt_printf_check(const char *fmt, struct type **argtypes, int n, char **err);
#endif

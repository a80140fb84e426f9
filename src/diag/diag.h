/* diag: source buffers with line tables, and diagnostics collected by passes and rendered by the
 * driver. A diag_list owns its diagnostics' message strings; a source owns its name and text. */
#ifndef SCRY_DIAG_H
#define SCRY_DIAG_H
#include <stdbool.h>
#include <stdio.h>

#include "util/util.h"

struct source;

/* A location in a source: 1-based line and column; end_col is exclusive (bpftrace's "1:17-19").
 * src is the file it is in when that is not the diag_list's main source (imported files). */
struct loc {
	int line, col;
	int end_line, end_col;
	const struct source *src;
};

struct source {
	char *name; /* "stdin" for -e programs, else the path */
	char *text;
	size_t len;
	VEC(size_t) line_start; /* offset of each line's first byte */
};

struct source *source_new(const char *name, const char *text, size_t len);
void source_free(struct source *s);
/* The text of 1-based line `line` without its newline; *n gets its length. NULL if out of range. */
const char *source_line(const struct source *s, int line, size_t *n);

enum diag_severity { DIAG_ERROR, DIAG_WARNING };

struct diag {
	enum diag_severity sev;
	bool has_loc;
	struct loc loc;
	char *msg;
	char *hint; /* optional, may be NULL */
};

struct diag_list {
	const struct source *src; /* source the locations refer to */
	VEC(struct diag) v;
	int errors, warnings;
};

void diag_init(struct diag_list *dl, const struct source *src);
void diag_add(struct diag_list *dl, enum diag_severity sev, const struct loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define diag_error(dl, loc, ...) diag_add(dl, DIAG_ERROR, loc, __VA_ARGS__)
#define diag_warn(dl, loc, ...) diag_add(dl, DIAG_WARNING, loc, __VA_ARGS__)
/* Attach a hint to the most recently added diagnostic. */
void diag_hint(struct diag_list *dl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Render every diagnostic in order, bpftrace's layout: "name:L:C-E: ERROR: msg", source line, tildes. */
void diag_render(const struct diag_list *dl, FILE *out, bool color);
void diag_clear(struct diag_list *dl);
void diag_free(struct diag_list *dl);
#endif

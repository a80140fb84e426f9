/* util: allocation wrappers that abort on OOM, an arena (bump allocator, freed in one call),
 * growable vectors and a string builder. Everything allocated from an arena is owned by it. */
#ifndef SCRY_UTIL_H
#define SCRY_UTIL_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED(x) (void)(x)

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void util_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Arena: chunks of memory freed all at once by arena_free. */
struct arena_chunk;
struct arena {
	struct arena_chunk *head;
};
void *arena_alloc(struct arena *a, size_t n); /* zeroed, 16-byte aligned */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arena_free(struct arena *a);

/* Growable vector of T: struct { T *v; size_t n, cap; }. Memory from malloc; free with VEC_FREE. */
#define VEC(T)                                                                                                 \
	struct {                                                                                               \
		T *v;                                                                                          \
		size_t n, cap;                                                                                 \
	}
#define VEC_PUSH(vec, x)                                                                                       \
	do {                                                                                                   \
		if ((vec).n == (vec).cap) {                                                                    \
			(vec).cap = (vec).cap ? (vec).cap * 2 : 8;                                             \
			(vec).v = xrealloc((vec).v, (vec).cap * sizeof(*(vec).v));                             \
		}                                                                                              \
		(vec).v[(vec).n++] = (x);                                                                      \
	} while (0)
#define VEC_FREE(vec)                                                                                          \
	do {                                                                                                   \
		free((vec).v);                                                                                 \
		(vec).v = NULL;                                                                                \
		(vec).n = (vec).cap = 0;                                                                       \
	} while (0)

/* String builder: NUL-terminated, malloc-owned buffer. */
struct strbuf {
	char *s;
	size_t len, cap;
};
void sb_putc(struct strbuf *sb, char c);
void sb_puts(struct strbuf *sb, const char *s);
void sb_putn(struct strbuf *sb, const char *s, size_t n);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
void sb_reset(struct strbuf *sb);
void sb_free(struct strbuf *sb);
char *sb_steal(struct strbuf *sb); /* caller frees; sb is reset */

/* Glob match with * and ? (fnmatch without flags). */
bool glob_match(const char *pat, const char *s);
bool has_glob(const char *s);

/* Read a whole file (malloc'ed, NUL-terminated). Returns NULL and sets errno on failure. */
char *read_file(const char *path, size_t *len);
/* Read at most max bytes of a file, without blocking: a file with nothing more to read yet
 * (a pipe, /proc/kmsg) gives what was available. Same results as read_file. */
char *read_file_max(const char *path, size_t max, size_t *len);

uint64_t now_ns(void); /* CLOCK_MONOTONIC */
#endif

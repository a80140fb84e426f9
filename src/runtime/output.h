/* output: everything the runtime writes as a *result* of the script goes through a struct output —
 * printf text, print() values, maps (at runtime and at exit), the end-of-run separator. An output is a
 * backend (struct output_ops: text or JSON) plus a stream and a buffering mode; it owns its
 * private state, not the FILE it writes to. Map printing reads BPF maps into an in-memory element list
 * (struct rt_map_elems), merges per-CPU values, groups histogram buckets, sorts, decodes (value.h) and
 * hands a backend-neutral struct rt_map_view to the backend.
 *
 * Typical use by the event loop:
 *   struct output *o = output_text_new(stdout);
 *   EV_PRINTF        -> output_printf_event(o, &res->fmts.v[id], payload, len, res)
 *   EV_PRINT_VALUE   -> rt_print_value(o, f->args[0].type, payload + f->args[0].offset, res)
 *   EV_PRINT         -> rt_map_print(o, res, &res->maps.v[id], fds[id], top, div)
 *   EV_CLEAR         -> rt_map_clear(fds[id])
 *   at exit          -> rt_exit_output(o, res, fds, print_maps_on_exit); output_free(o)
 */
#ifndef SCRY_OUTPUT_H
#define SCRY_OUTPUT_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "runtime/value.h"
#include "sema/resources.h"
#include "util/util.h"

/* ---------------------------------------------------------------------------------------------
 * Histogram bucket math. Codegen must compute the same indices in BPF.
 *
 * hist(v, k), 0 <= k <= 5 (each power of two split into 2^k buckets):
 *   v < 0                    -> 0
 *   0 <= v < 2^(k+1)         -> v + 1                        (single-value buckets)
 *   otherwise, b = floor(log2(v)):
 *                            -> ((b - k + 1) << k) + ((v >> (b - k)) - 2^k) + 1
 *   Largest index: ((64 - k) << k), so a hist has RT_HIST_NBUCKETS(k) buckets.
 *   Upper bound (exclusive) of bucket j >= 1: j when j <= 2^(k+1), else
 *   2^((j >> k) - 1) * (2^k + (j & (2^k - 1))); the lower bound is the upper bound of j - 1.
 *
 * lhist(v, min, max, step), M = (max - min) / step:
 *   v < min -> 0;  v >= max -> M + 1;  otherwise (v - min) / step + 1  (capped at M + 1).
 *   Bucket j in 1..M covers [min + (j-1)*step, min + j*step); bucket M + 1 is [min + M*step, ...).
 * --------------------------------------------------------------------------------------------- */
#define RT_HIST_NBUCKETS(k) ((((uint64_t)64 - (uint64_t)(k)) << (k)) + 1)
uint64_t rt_hist_index(int64_t v, int k);
uint64_t rt_lhist_index(int64_t v, int64_t min, int64_t max, int64_t step);
uint64_t rt_lhist_nbuckets(int64_t min, int64_t max, int64_t step); /* M + 2 */

/* One row of a histogram block. Text: BELOW "(..., hi)", SINGLE "[lo]", RANGE "[lo, hi)",
 * ABOVE "[lo, ...)". JSON: max = hi - 1 (BELOW, SINGLE, RANGE), min = lo (SINGLE, RANGE, ABOVE). */
enum rt_hist_row_kind { RT_ROW_BELOW, RT_ROW_SINGLE, RT_ROW_RANGE, RT_ROW_ABOVE };
struct rt_hist_row {
	enum rt_hist_row_kind kind;
	int64_t lo, hi;        /* numeric bounds, hi exclusive (saturated at INT64_MAX) */
	char lo_s[24], hi_s[24]; /* labels as printed: "1K", "512", "16M" ... */
	uint64_t count;        /* already divided by print()'s div for hist */
};
struct rt_hist {
	struct rt_hist_row *rows; /* from the first to the last non-empty bucket */
	size_t n;
};
/* Build rows from per-bucket counts (counts[i] for bucket i, nb buckets). div (>= 1) divides the
 * counts of hist (not of lhist); the shown range is chosen on the undivided counts. Rows are
 * allocated from arena a. An all-zero histogram has no rows. */
void rt_hist_build(struct arena *a, struct rt_hist *h, const uint64_t *counts, size_t nb, int k, uint64_t div);
void rt_lhist_build(struct arena *a, struct rt_hist *h, const uint64_t *counts, size_t nb, int64_t min,
		    int64_t max, int64_t step);

/* ---------------------------------------------------------------------------------------------
 * A map ready to be rendered.
 * --------------------------------------------------------------------------------------------- */
enum rt_map_kind {
	RT_MAP_PLAIN, /* value per key */
	RT_MAP_STATS, /* avg and stats maps (JSON prints them as "stats") */
	RT_MAP_HIST,  /* hist and lhist maps: one rt_hist per key */
};
struct rt_map_entry {
	const struct rt_value *key;   /* NULL for a scalar map */
	const struct rt_value *value; /* PLAIN/STATS */
	const struct rt_hist *hist;   /* HIST */
	const void *key_bytes;        /* the raw key (key_type->size bytes); NULL for a scalar map */
};
struct rt_map_view {
	const char *name; /* "@x" */
	enum rt_map_kind kind;
	bool scalar;
	const struct type *key_type;   /* NULL for a scalar map (backends that re-render keys use it) */
	const struct type *value_type; /* the map's value type (count_t, int64, ...) */
	const struct rt_map_entry *entries; /* in print order (ascending; biggest last) */
	size_t n;
};

/* ---------------------------------------------------------------------------------------------
 * Backends.
 * --------------------------------------------------------------------------------------------- */
enum output_buffering {
	OUTPUT_BUF_LINE, /* flush whenever a complete line was written (default) */
	OUTPUT_BUF_FULL, /* flush only in output_flush/output_free */
	OUTPUT_BUF_NONE, /* flush after every write */
};

/* Plain-text results other than values; JSON gives each its own "type". PRINTF, TIME and CAT text
 * is written as is; JOIN and SYSTEM text is passed without its final newline (text mode adds one). */
enum output_msg { OUT_MSG_PRINTF, OUT_MSG_TIME, OUT_MSG_CAT, OUT_MSG_JOIN, OUT_MSG_SYSTEM };

struct output;
struct output_ops {
	const char *name; /* "text", "json" */
	void (*message)(struct output *o, enum output_msg kind, const char *s, size_t n);
	void (*value)(struct output *o, const struct rt_value *v);     /* print(expr) */
	void (*map)(struct output *o, const struct rt_map_view *m);    /* print(@m) and exit */
	void (*end)(struct output *o);                                 /* main loop finished */
	void (*attached_probes)(struct output *o, uint64_t n);
	void (*lost_events)(struct output *o, uint64_t n);
	void (*destroy)(struct output *o);                             /* free priv; may be NULL */
};

struct output {
	const struct output_ops *ops;
	FILE *out;                    /* results (not owned) */
	FILE *err;                    /* text mode: banner and lost-event notes (not owned) */
	enum output_buffering buffering;
	const struct rt_resolver *resolver; /* for ksym/stacks/...; may be NULL */
	const char *str_trailer;      /* truncated-string trailer; NULL = ".." */
	void *priv;                   /* backend state */
};

/* Text backend writing results to out and notes to stderr. Never NULL (allocation aborts). */
struct output *output_text_new(FILE *out);
/* JSON backend (-f json, output_json.c): one JSON object per line on out, banner and lost-event
 * counts included. Never NULL. */
struct output *output_json_new(FILE *out);
/* Folded backend (-f folded, output_folded.c): maps keyed by a stack print one line per entry,
 * "frame;frame;frame value", root first (other key parts come first, as frames); everything else
 * prints as text. Never NULL. */
struct output *output_folded_new(FILE *out);
enum output_format { OUTPUT_FORMAT_TEXT, OUTPUT_FORMAT_JSON, OUTPUT_FORMAT_FOLDED };
void output_free(struct output *o); /* flushes; accepts NULL */
void output_set_buffering(struct output *o, enum output_buffering b);
void output_set_resolver(struct output *o, const struct rt_resolver *r);
void output_flush(struct output *o);

/* Thin wrappers around the ops that also apply the buffering mode. */
void output_printf_text(struct output *o, const char *s, size_t n); /* rendered printf() text */
void output_message(struct output *o, enum output_msg kind, const char *s, size_t n);
void output_value(struct output *o, const struct rt_value *v);
void output_map(struct output *o, const struct rt_map_view *m);
void output_end(struct output *o);
void output_attached_probes(struct output *o, uint64_t n); /* text: "Attached N probes" on stderr */
void output_lost_events(struct output *o, uint64_t n);     /* text: "Lost N events" on stderr */

/* ---------------------------------------------------------------------------------------------
 * printf
 * --------------------------------------------------------------------------------------------- */
/* Append the text of printf(f->fmt, args...) with the arguments read from payload (len bytes, args at
 * f->args[i].offset) to sb. C semantics for flags, width and precision. Integer arguments are read at
 * their type's size and sign/zero-extended; with no length modifier they print as 64-bit values, hh/h
 * truncate to 8/16 bits as C does (bpftrace agrees), l ll j z t change nothing. %c prints a byte; %p
 * prints 0x<hex>; %s prints any value as print() would (strings raw, ints in decimal, T_PROBE as the
 * probe's name, tuples "(1, a)") with precision truncating and width padding; %r/%rx/%rh print
 * buffers (printable ASCII kept + \xNN / all \xNN / "0a fe"). Returns 0, or -EINVAL if the payload is
 * too short for an argument (the text up to there is still appended). */
int rt_printf_format(struct strbuf *sb, const struct res_printf *f, const void *payload, size_t len,
		     const struct resources *res);
/* Same, with a resolver for ksym/stack arguments and a string trailer (either may be NULL). */
int rt_printf_format_ex(struct strbuf *sb, const struct res_printf *f, const void *payload, size_t len,
			const struct resources *res, const struct rt_resolver *resolver, const char *trailer);
/* Format with o's resolver and write the result as OUT_MSG_PRINTF. */
int output_printf_event(struct output *o, const struct res_printf *f, const void *payload, size_t len,
			const struct resources *res);

/* print(expr) of a non-map value: decode t->size bytes and print them on a line of their own. */
int rt_print_value(struct output *o, const struct type *t, const void *bytes, const struct resources *res);

/* ---------------------------------------------------------------------------------------------
 * Maps
 * --------------------------------------------------------------------------------------------- */
/* Elements of one BPF map as read from the kernel: n keys of key_size bytes and, per key, ncpus values
 * of stride bytes (stride = value_size for ordinary maps; value_size rounded up to 8 for per-CPU maps,
 * as bpf_map_lookup_elem returns them). */
struct rt_map_elems {
	uint32_t key_size, value_size, stride, ncpus;
	size_t n, cap;
	uint8_t *keys;
	uint8_t *vals;
};
bool rt_map_is_percpu(const struct res_map *m);
/* ncpus: number of possible CPUs for a per-CPU map (ignored, taken as 1, otherwise). */
void rt_map_elems_init(struct rt_map_elems *e, const struct res_map *m, uint32_t ncpus);
void rt_map_elems_add(struct rt_map_elems *e, const void *key, const void *vals);
void rt_map_elems_free(struct rt_map_elems *e);
/* Read every element of the map behind fd (libbpf_num_possible_cpus() values for per-CPU maps).
 * Returns 0 or -errno. */
int rt_map_elems_read(struct rt_map_elems *e, const struct res_map *m, int fd);

/* Print a map from an element list. top > 0 keeps only the last top entries of the sort order; div > 1
 * divides values (count/sum/min/max/int values, avg, a stats' average, hist counts; not lhist).
 * at_exit: an empty map prints nothing; otherwise (print(@m) at runtime) an empty scalar map that is
 * not a histogram prints its zero value ("@x: 0"). Returns the number of entries printed. */
int rt_map_print_elems(struct output *o, const struct resources *res, const struct res_map *m,
		       const struct rt_map_elems *e, int64_t top, int64_t div, bool at_exit);
/* print(@m[, top, div]) at runtime: read the map behind map_fd and print it. Returns the number of
 * entries printed or -errno. */
int rt_map_print(struct output *o, const struct resources *res, const struct res_map *m, int map_fd,
		 int64_t top, int64_t div);

/* At exit: every non-empty script map (name starting with '@'), in name order (bytewise, so "@" comes
 * before "@a"). map_fds[i] belongs to res->maps.v[i]; a negative fd is skipped. Prints no separator. */
void rt_print_all_maps(struct output *o, const struct resources *res, const int *map_fds);

/* The whole exit sequence, as newest bpftrace does it: the backend's end() — in text mode always two
 * newlines, whether or not any map follows (bpftrace's TextOutput::end() is called unconditionally
 * after the main loop and before the maps; JSON prints nothing) — then, if print_maps, every
 * non-empty map as rt_print_all_maps. */
void rt_exit_output(struct output *o, const struct resources *res, const int *map_fds, bool print_maps);

/* clear(@m): delete every key of the map behind map_fd. */
void rt_map_clear(int map_fd);
#endif

/* output: backend-independent dispatch and the buffering policy. */
#include "runtime/output.h"

#include <stdlib.h>
#include <string.h>

void output_free(struct output *o)
{
	if (!o)
		return;
	output_flush(o);
	if (o->ops && o->ops->destroy)
		o->ops->destroy(o);
	free(o);
}

void output_set_buffering(struct output *o, enum output_buffering b) { o->buffering = b; }
void output_set_resolver(struct output *o, const struct rt_resolver *r) { o->resolver = r; }

void output_flush(struct output *o)
{
	if (o->out)
		fflush(o->out);
	if (o->err)
		fflush(o->err);
}

/* Called after each write; line_done says whether the write ended at least one line. */
static void after_write(struct output *o, bool line_done)
{
	if (o->buffering == OUTPUT_BUF_NONE || (o->buffering == OUTPUT_BUF_LINE && line_done))
		fflush(o->out);
}

void output_message(struct output *o, enum output_msg kind, const char *s, size_t n)
{
	o->ops->message(o, kind, s, n);
	after_write(o, n && memchr(s, '\n', n));
}

void output_printf_text(struct output *o, const char *s, size_t n) { output_message(o, OUT_MSG_PRINTF, s, n); }

void output_value(struct output *o, const struct rt_value *v)
{
	o->ops->value(o, v);
	after_write(o, true);
}

void output_map(struct output *o, const struct rt_map_view *m)
{
	o->ops->map(o, m);
	after_write(o, true);
}

void output_end(struct output *o)
{
	if (o->ops->end)
		o->ops->end(o);
	after_write(o, true);
}

void output_attached_probes(struct output *o, uint64_t n)
{
	if (o->ops->attached_probes)
		o->ops->attached_probes(o, n);
	after_write(o, true);
}

void output_lost_events(struct output *o, uint64_t n)
{
	if (o->ops->lost_events)
		o->ops->lost_events(o, n);
	after_write(o, true);
}

int output_printf_event(struct output *o, const struct res_printf *f, const void *payload, size_t len,
			const struct resources *res)
{
	struct strbuf sb = {0};
	int r = rt_printf_format_ex(&sb, f, payload, len, res, o->resolver, o->str_trailer);
	output_printf_text(o, sb.s ? sb.s : "", sb.len);
	sb_free(&sb);
	return r;
}

int rt_print_value(struct output *o, const struct type *t, const void *bytes, const struct resources *res)
{
	struct arena a = {0};
	struct rt_decoder d = {.arena = &a, .res = res, .resolver = o->resolver, .str_trailer = o->str_trailer};
	output_value(o, rt_decode(&d, t, bytes));
	arena_free(&a);
	return 0;
}

void rt_exit_output(struct output *o, const struct resources *res, const int *map_fds, bool print_maps)
{
	output_end(o);
	if (print_maps)
		rt_print_all_maps(o, res, map_fds);
	output_flush(o);
}

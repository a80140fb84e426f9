/* symresolve: stacks, ksym/usym and usernames as text, in newest bpftrace's layouts. */
#define _GNU_SOURCE
#include "runtime/symresolve.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct uname_cache {
	uint64_t uid;
	char *name; /* NULL: no such user */
};

struct rt_symbols {
	struct rt_resolver resolver; /* ctx = this */
	struct ksyms *ksyms;
	bool ksyms_tried;            /* a failed /proc/kallsyms read is not retried */
	struct usyms *usyms;
	VEC(struct uname_cache) unames;
};

static int resolve(void *ctx, const struct type *t, const void *bytes, struct strbuf *out);

struct rt_symbols *rt_symbols_new_with(struct ksyms *k, struct usyms *u)
{
	struct rt_symbols *s = xcalloc(1, sizeof(*s));
	s->resolver.resolve = resolve;
	s->resolver.ctx = s;
	s->ksyms = k;
	s->ksyms_tried = k != NULL;
	s->usyms = u;
	return s;
}

struct rt_symbols *rt_symbols_new(void) { return rt_symbols_new_with(NULL, NULL); }

void rt_symbols_free(struct rt_symbols *s)
{
	if (!s)
		return;
	ksyms_free(s->ksyms);
	usyms_free(s->usyms);
	for (size_t i = 0; i < s->unames.n; i++)
		free(s->unames.v[i].name);
	VEC_FREE(s->unames);
	free(s);
}

const struct rt_resolver *rt_symbols_resolver(struct rt_symbols *s) { return &s->resolver; }

static struct ksyms *get_ksyms(struct rt_symbols *s)
{
	if (!s->ksyms_tried) {
		s->ksyms_tried = true;
		s->ksyms = ksyms_load(NULL);
	}
	return s->ksyms;
}

static struct usyms *get_usyms(struct rt_symbols *s)
{
	if (!s->usyms)
		s->usyms = usyms_new(NULL);
	return s->usyms;
}

static uint64_t rd64(const void *p)
{
	uint64_t x;
	memcpy(&x, p, 8);
	return x;
}

/* ---- one address ---------------------------------------------------------------------------- */

/* Kernel frame: "sym+off" (with_off) or "sym"; 0x<hex> when unknown. */
static void kernel_sym(struct rt_symbols *s, uint64_t addr, bool with_off, struct strbuf *out)
{
	struct ksym k;
	uint64_t off;
	if (ksyms_find(get_ksyms(s), addr, &off, &k)) {
		sb_puts(out, k.name);
		if (with_off)
			sb_printf(out, "+%llu", (unsigned long long)off);
	} else {
		sb_printf(out, "0x%llx", (unsigned long long)addr);
	}
}

/* User frame: "sym+off" / "sym", perf mode adds " (module)" (" ([unknown])" when unresolved). */
static void user_sym(struct rt_symbols *s, int pid, uint64_t addr, bool with_off, bool perf, struct strbuf *out)
{
	struct usym_info ui;
	if (usyms_resolve(get_usyms(s), pid, addr, &ui) == 0) {
		sb_puts(out, ui.name);
		if (with_off)
			sb_printf(out, "+%llu", (unsigned long long)ui.offset);
		if (perf)
			sb_printf(out, " (%s)", ui.module ? ui.module : "[unknown]");
	} else {
		sb_printf(out, "0x%llx", (unsigned long long)addr);
		if (perf)
			sb_puts(out, " ([unknown])");
	}
}

/* ---- stacks --------------------------------------------------------------------------------- */

static uint64_t stack_frames(const struct type *t, const uint8_t *p)
{
	if (t->size < 16)
		return 0;
	uint64_t n = rd64(p), max = (t->size - 16) / 8;
	if (t->nelem && max > t->nelem)
		max = t->nelem;
	return n < max ? n : max;
}

static void format_stack(struct rt_symbols *s, const struct type *t, const uint8_t *p, struct strbuf *out)
{
	bool user = t->kind == T_USTACK;
	uint64_t n = stack_frames(t, p);
	int pid = user && t->size >= 16 ? (int)rd64(p + 8) : 0;
	sb_putc(out, '\n');
	for (uint64_t i = 0; i < n; i++) {
		uint64_t ip = rd64(p + 16 + 8 * i);
		switch (t->stack_mode) {
		case STACK_RAW:
			sb_printf(out, "%llx\n", (unsigned long long)ip);
			break;
		case STACK_BUILD_ID: {
			const char *id;
			uint64_t off;
			if (user && usyms_build_id(get_usyms(s), pid, ip, &id, &off) == 0)
				sb_printf(out, "%s 0x%02llx\n", id, (unsigned long long)off);
			else
				sb_printf(out, "%llx\n", (unsigned long long)ip);
			break;
		}
		case STACK_PERF:
			sb_printf(out, "\t%llx ", (unsigned long long)ip);
			if (user)
				user_sym(s, pid, ip, true, true, out);
			else
				kernel_sym(s, ip, true, out);
			sb_putc(out, '\n');
			break;
		case STACK_BPFTRACE:
		default:
			sb_puts(out, "        ");
			if (user)
				user_sym(s, pid, ip, true, false, out);
			else
				kernel_sym(s, ip, true, out);
			sb_putc(out, '\n');
			break;
		}
	}
}

static void put_folded_name(struct strbuf *out, const char *name)
{
	for (const char *c = name; *c; c++)
		sb_putc(out, *c == ';' ? ':' : *c == '\n' ? ' ' : *c);
}

void rt_stack_folded(const struct rt_resolver *r, const struct type *t, const void *bytes, struct strbuf *out)
{
	struct rt_symbols *s = r && r->resolve == resolve ? r->ctx : NULL;
	const uint8_t *p = bytes;
	bool user = t->kind == T_USTACK;
	uint64_t n = stack_frames(t, p);
	int pid = user ? (int)rd64(p + 8) : 0;
	for (uint64_t i = n; i-- > 0;) {
		uint64_t ip = rd64(p + 16 + 8 * i);
		if (i != n - 1)
			sb_putc(out, ';');
		if (!s) {
			sb_puts(out, "[unknown]");
		} else if (user) {
			struct usym_info ui;
			int rc = usyms_resolve(get_usyms(s), pid, ip, &ui);
			if (rc == 0) {
				put_folded_name(out, ui.name);
			} else if (ui.module) {
				const char *base = strrchr(ui.module, '/');
				sb_putc(out, '[');
				put_folded_name(out, base ? base + 1 : ui.module);
				sb_putc(out, ']');
			} else {
				sb_puts(out, "[unknown]");
			}
		} else {
			struct ksym k;
			if (ksyms_find(get_ksyms(s), ip, NULL, &k))
				put_folded_name(out, k.name);
			else
				sb_puts(out, "[unknown]");
		}
	}
}

bool rt_type_has_stack(const struct type *t)
{
	if (!t)
		return false;
	if (t->kind == T_KSTACK || t->kind == T_USTACK)
		return true;
	if (t->kind == T_TUPLE)
		for (uint32_t i = 0; i < t->nfields; i++)
			if (rt_type_has_stack(t->fields[i].type))
				return true;
	return false;
}

/* ---- usernames ------------------------------------------------------------------------------ */

static void username(struct rt_symbols *s, uint64_t uid, struct strbuf *out)
{
	for (size_t i = 0; i < s->unames.n; i++) {
		if (s->unames.v[i].uid == uid) {
			if (s->unames.v[i].name)
				sb_puts(out, s->unames.v[i].name);
			else
				sb_printf(out, "%llu", (unsigned long long)uid);
			return;
		}
	}
	struct passwd pw, *res = NULL;
	char buf[4096];
	struct uname_cache c = {.uid = uid};
	if (uid <= 0xffffffffu && getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		c.name = xstrdup(pw.pw_name);
	VEC_PUSH(s->unames, c);
	if (c.name)
		sb_puts(out, c.name);
	else
		sb_printf(out, "%llu", (unsigned long long)uid);
}

/* ---- the resolver --------------------------------------------------------------------------- */

static int resolve(void *ctx, const struct type *t, const void *bytes, struct strbuf *out)
{
	struct rt_symbols *s = ctx;
	switch (t->kind) {
	case T_KSTACK:
	case T_USTACK:
		format_stack(s, t, bytes, out);
		return 0;
	case T_KSYM:
		if (t->size < 8)
			return -EINVAL;
		kernel_sym(s, rd64(bytes), false, out);
		return 0;
	case T_USYM:
		if (t->size < 16)
			return -EINVAL;
		user_sym(s, (int)rd64((const uint8_t *)bytes + 8), rd64(bytes), false, false, out);
		return 0;
	case T_USERNAME:
		if (t->size < 8)
			return -EINVAL;
		username(s, rd64(bytes), out);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

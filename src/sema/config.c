/* config: one table of keys; values from the config block, then the environment. */
#define _GNU_SOURCE
#include "sema/config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum kind { K_UINT, K_BOOL, K_STRING, K_CHOICE };

struct key {
	const char *name;
	enum kind kind;
	size_t off;                 /* offset in struct config */
	const char *const *choices; /* K_CHOICE: allowed words (stored as their index, or as the string
				     * when the field is a const char *) */
	bool choice_is_string;
	uint64_t min, max;          /* K_UINT bounds */
};

static const char *const stack_modes[] = {"bpftrace", "perf", "raw", "build_id", NULL};
static const char *const missing[] = {"error", "warn", "ignore", NULL};
static const char *const cache_modes[] = {"PER_PID", "PER_PROGRAM", "NONE", NULL};
static const char *const gates[] = {"enable", "warn", "error", NULL};

#define F(x) offsetof(struct config, x)
static const struct key keys[] = {
	{"max_strlen", K_UINT, F(max_strlen), NULL, false, 1, 32768},
	{"max_map_keys", K_UINT, F(max_map_keys), NULL, false, 1, 1u << 24},
	{"perf_rb_pages", K_UINT, F(perf_rb_pages), NULL, false, 1, 1u << 20},
	{"max_probes", K_UINT, F(max_probes), NULL, false, 1, 1u << 20},
	{"max_bpf_progs", K_UINT, F(max_bpf_progs), NULL, false, 1, 1u << 20},
	{"log_size", K_UINT, F(log_size), NULL, false, 4096, 1u << 30},
	{"on_stack_limit", K_UINT, F(on_stack_limit), NULL, false, 0, 512},
	{"max_cat_bytes", K_UINT, F(max_cat_bytes), NULL, false, 1, 1u << 30},
	{"print_maps_on_exit", K_BOOL, F(print_maps_on_exit), NULL, false, 0, 0},
	{"cpp_demangle", K_BOOL, F(cpp_demangle), NULL, false, 0, 0},
	{"lazy_symbolication", K_BOOL, F(lazy_symbolication), NULL, false, 0, 0},
	{"show_debug_info", K_BOOL, F(show_debug_info), NULL, false, 0, 0},
	{"use_blazesym", K_BOOL, F(use_blazesym), NULL, false, 0, 0},
	{"str_trunc_trailer", K_STRING, F(str_trunc_trailer), NULL, false, 0, 0},
	{"license", K_STRING, F(license), NULL, false, 0, 0},
	{"cache_user_symbols", K_CHOICE, F(cache_user_symbols), cache_modes, true, 0, 0},
	{"stack_mode", K_CHOICE, F(stack_mode), stack_modes, false, 0, 0},
	{"missing_probes", K_CHOICE, F(missing_probes), missing, false, 0, 0},
	{"unstable_tseries", K_CHOICE, F(unstable_tseries), gates, true, 0, 0},
	{"unstable_dw_ustack", K_CHOICE, F(unstable_dw_ustack), gates, true, 0, 0},
	{"unstable_typeinfo", K_CHOICE, F(unstable_typeinfo), gates, true, 0, 0},
	{"unstable_import_statement", K_CHOICE, F(unstable_import_statement), gates, true, 0, 0},
};
#undef F

/* Keys bpftrace renamed: using the old name in a config block is an error naming the new one. */
static const struct {
	const char *old, *now;
} renamed[] = {
	{"strlen", "max_strlen"},
	{"no_cpp_demangle", "cpp_demangle"},
	{"cat_bytes_max", "max_cat_bytes"},
	{"map_keys_max", "max_map_keys"},
};

static void defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->max_strlen = 1024;
	c->max_map_keys = 4096;
	c->max_probes = 1024;
	c->max_bpf_progs = 1024;
	c->log_size = 1000000;
	c->on_stack_limit = 32;
	c->max_cat_bytes = 10240;
	c->print_maps_on_exit = true;
	c->cpp_demangle = true;
	c->lazy_symbolication = true;
	c->str_trunc_trailer = "..";
	c->license = "GPL";
	c->cache_user_symbols = "PER_PID";
	c->missing_probes = MISSING_ERROR;
	c->unstable_tseries = c->unstable_dw_ustack = "warn";
	c->unstable_typeinfo = c->unstable_import_statement = "error";
}

/* Accept "max_strlen", "MAX_STRLEN" and "BPFTRACE_MAX_STRLEN". */
static const struct key *find_key(const char *name)
{
	if (!strncasecmp(name, "BPFTRACE_", 9))
		name += 9;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcasecmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

/* Set key k from text (environment, or a bare word / string / number in the block). Returns NULL
 * or a message (static or from buf). */
static const char *set_text(struct config *c, const struct key *k, const char *text, char *buf, size_t bufsz)
{
	char *base = (char *)c + k->off;
	switch (k->kind) {
	case K_UINT: {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(text, &end, 0);
		if (!*text || *end || errno || text[0] == '-') {
			snprintf(buf, bufsz, "%s expects a number, not '%s'", k->name, text);
			return buf;
		}
		if (v < k->min || v > k->max) {
			snprintf(buf, bufsz, "%s must be from %llu to %llu", k->name, (unsigned long long)k->min,
				 (unsigned long long)k->max);
			return buf;
		}
		*(uint64_t *)base = v;
		return NULL;
	}
	case K_BOOL:
		if (!strcasecmp(text, "true") || !strcmp(text, "1"))
			*(bool *)base = true;
		else if (!strcasecmp(text, "false") || !strcmp(text, "0"))
			*(bool *)base = false;
		else {
			snprintf(buf, bufsz, "%s expects true or false, not '%s'", k->name, text);
			return buf;
		}
		return NULL;
	case K_STRING:
		*(const char **)base = text;
		return NULL;
	case K_CHOICE:
		for (int i = 0; k->choices[i]; i++)
			if (!strcasecmp(k->choices[i], text)) {
				if (k->choice_is_string)
					*(const char **)base = k->choices[i];
				else
					*(int *)base = i;
				return NULL;
			}
		snprintf(buf, bufsz, "%s: '%s' is not one of", k->name, text);
		for (int i = 0; k->choices[i]; i++)
			snprintf(buf + strlen(buf), bufsz - strlen(buf), "%s %s", i ? "," : "", k->choices[i]);
		return buf;
	}
	return "internal: unknown config kind";
}

static void eval_item(struct config *c, const struct ast_node *it, struct diag_list *dl)
{
	const char *key = it->config_item.key;
	const struct key *k = find_key(key);
	if (!k) {
		for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++)
			if (!strcasecmp(renamed[i].old, key)) {
				diag_error(dl, &it->loc, "%s has been renamed to %s", key, renamed[i].now);
				return;
			}
		diag_error(dl, &it->loc, "Unrecognized config variable: %s", key);
		return;
	}
	const struct ast_node *v = it->config_item.value;
	char num[32], buf[256];
	const char *text = NULL;
	switch (v ? v->kind : AST_KIND_COUNT) {
	case AST_INT:
		snprintf(num, sizeof(num), "%llu", (unsigned long long)v->num.value);
		text = num;
		break;
	case AST_STRING:
		text = v->str.s;
		break;
	case AST_IDENT:
		text = v->ident.name;
		break;
	case AST_BOOL:
		text = v->boolean.value ? "true" : "false";
		break;
	default:
		diag_error(dl, v ? &v->loc : &it->loc, "%s: expected a number, a string or a word", key);
		return;
	}
	const char *err = set_text(c, k, text, buf, sizeof(buf));
	if (err)
		diag_error(dl, &v->loc, "%s", err);
}

int config_eval(const struct ast_node *prog, struct config *cfg, struct diag_list *dl)
{
	int errs = dl->errors;
	defaults(cfg);
	for (const struct ast_node *it = prog ? prog->program.items : NULL; it; it = it->next)
		if (it->kind == AST_CONFIG)
			for (const struct ast_node *kv = it->config.items; kv; kv = kv->next)
				eval_item(cfg, kv, dl);
	/* the environment wins: BPFTRACE_<KEY>, then SCRY_<KEY> */
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *prefixes[] = {"BPFTRACE_", "SCRY_"};
		for (int p = 0; p < 2; p++) {
			char env[64], buf[256];
			snprintf(env, sizeof(env), "%s%s", prefixes[p], keys[i].name);
			for (char *q = env; *q; q++)
				*q = (char)toupper((unsigned char)*q);
			const char *v = getenv(env);
			if (!v)
				continue;
			const char *err = set_text(cfg, &keys[i], v, buf, sizeof(buf));
			if (err)
				diag_error(dl, NULL, "environment variable %s: %s", env, err);
		}
	}
	return dl->errors > errs ? -EINVAL : 0;
}

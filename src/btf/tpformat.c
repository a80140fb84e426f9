/* tpformat: parse tracefs `format` files (events/SUBSYS/EVENT/format) into scry types. */
#include "btf/tpformat.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Integer type names that appear in format files, with their C size and signedness. The size is
 * used for pointees and array elements; a scalar field always takes the size the file gives.
 * Plain `char` is unsigned in the kernel since 6.2 (-funsigned-char), so scalars follow the file's
 * signed: flag; a `char *` points to int8 as in bpftrace. */
struct int_name {
	const char *name;
	uint8_t size;
	bool is_signed;
};
static const struct int_name int_names[] = {
	{"char", 1, false},         {"signed char", 1, true},    {"unsigned char", 1, false},
	{"short", 2, true},         {"short int", 2, true},      {"signed short", 2, true},
	{"unsigned short", 2, false}, {"unsigned short int", 2, false},
	{"int", 4, true},           {"signed int", 4, true},     {"signed", 4, true},
	{"unsigned int", 4, false}, {"unsigned", 4, false},      {"uint", 4, false},
	{"long", 8, true},          {"long int", 8, true},       {"signed long", 8, true},
	{"unsigned long", 8, false}, {"unsigned long int", 8, false},
	{"long long", 8, true},     {"long long int", 8, true},  {"unsigned long long", 8, false},
	{"bool", 1, false},         {"_Bool", 1, false},
	{"u8", 1, false},           {"u16", 2, false},           {"u32", 4, false},      {"u64", 8, false},
	{"s8", 1, true},            {"s16", 2, true},            {"s32", 4, true},       {"s64", 8, true},
	{"__u8", 1, false},         {"__u16", 2, false},         {"__u32", 4, false},    {"__u64", 8, false},
	{"__s8", 1, true},          {"__s16", 2, true},          {"__s32", 4, true},     {"__s64", 8, true},
	{"uint8_t", 1, false},      {"uint16_t", 2, false},      {"uint32_t", 4, false}, {"uint64_t", 8, false},
	{"int8_t", 1, true},        {"int16_t", 2, true},        {"int32_t", 4, true},   {"int64_t", 8, true},
	{"__be16", 2, false},       {"__be32", 4, false},        {"__be64", 8, false},
	{"__le16", 2, false},       {"__le32", 4, false},        {"__le64", 8, false},
	{"size_t", 8, false},       {"ssize_t", 8, true},        {"umode_t", 2, false},
	{"pid_t", 4, true},         {"tid_t", 4, true},          {"uid_t", 4, false},    {"gid_t", 4, false},
	{"qid_t", 4, false},        {"prid_t", 4, false},        {"dev_t", 4, false},    {"ino_t", 8, false},
	{"loff_t", 8, true},        {"off_t", 8, true},          {"time64_t", 8, true},  {"ktime_t", 8, true},
	{"clockid_t", 4, true},     {"timer_t", 4, true},        {"mqd_t", 4, true},     {"key_t", 4, true},
	{"key_serial_t", 4, true},  {"rwf_t", 4, true},          {"gfp_t", 4, false},    {"sector_t", 8, false},
	{"blkcnt_t", 8, false},     {"dma_addr_t", 8, false},    {"phys_addr_t", 8, false},
	{"resource_size_t", 8, false}, {"aio_context_t", 8, false}, {"vm_flags_t", 8, false},
	{"errseq_t", 4, false},     {"blk_opf_t", 4, false},
};

static const struct int_name *int_name_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(int_names); i++)
		if (!strcmp(int_names[i].name, name))
			return &int_names[i];
	return NULL;
}

/* Words that qualify a type without changing what it is. */
static bool is_qualifier(const char *w, size_t n)
{
	static const char *const q[] = {"const", "volatile", "restrict", "__user", "__rcu", "__percpu",
					"__iomem", "__force", "__seg_gs", "__seg_fs", "__data_loc", "__rel_loc"};
	for (size_t i = 0; i < ARRAY_SIZE(q); i++)
		if (strlen(q[i]) == n && !memcmp(q[i], w, n))
			return true;
	return false;
}

static bool is_ident_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* A field declaration taken apart: "const char *const * argv" → base "char", ptr_depth 2. */
struct decl {
	char base[128];  /* base type words without qualifiers, single-spaced: "unsigned long", "struct sock" */
	int ptr_depth;
	bool is_array;
	long count;      /* written array length; -1 if empty or not a plain number */
	bool dyn;        /* __data_loc / __rel_loc */
	bool odd;        /* something we don't model (function pointer, ...) */
	const char *name;
	size_t name_len;
};

static bool starts_with_word(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w);
	return n >= wl && !memcmp(s, w, wl) && (n == wl || !is_ident_char(s[wl]));
}

static void decl_parse(const char *s, size_t n, struct decl *d)
{
	memset(d, 0, sizeof(*d));
	d->count = -1;
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	d->dyn = starts_with_word(s, n, "__data_loc") || starts_with_word(s, n, "__rel_loc");

	/* Array suffix after the name: "name[16]", "name[]", "name[TASK_COMM_LEN]". */
	if (n && s[n - 1] == ']') {
		size_t lb = n - 1;
		while (lb > 0 && s[lb] != '[')
			lb--;
		if (s[lb] == '[') {
			d->is_array = true;
			const char *c = s + lb + 1, *end = s + n - 1;
			if (c < end && isdigit((unsigned char)*c)) {
				char *stop;
				long v = strtol(c, &stop, 0);
				if (stop == end)
					d->count = v;
			}
			n = lb;
			while (n && isspace((unsigned char)s[n - 1]))
				n--;
		}
	}

	size_t e = n;
	while (e > 0 && is_ident_char(s[e - 1]))
		e--;
	d->name = s + e;
	d->name_len = n - e;
	n = e;

	/* Type words. */
	size_t bl = 0;
	for (size_t i = 0; i < n;) {
		char c = s[i];
		if (c == '*') {
			d->ptr_depth++;
			i++;
		} else if (is_ident_char(c)) {
			size_t j = i;
			while (j < n && is_ident_char(s[j]))
				j++;
			if (!is_qualifier(s + i, j - i)) {
				size_t wl = j - i;
				if (bl + wl + 2 < sizeof(d->base)) {
					if (bl)
						d->base[bl++] = ' ';
					memcpy(d->base + bl, s + i, wl);
					bl += wl;
				} else
					d->odd = true;
			}
			i = j;
		} else if (c == '[' || c == ']' || isspace((unsigned char)c)) {
			i++; /* "char[]" of __data_loc, spacing */
		} else {
			d->odd = true; /* '(' of a function pointer and the like */
			i++;
		}
	}
	d->base[bl] = 0;
}

static bool word_prefix(const char *base, const char *w)
{
	size_t n = strlen(w);
	return !strncmp(base, w, n) && base[n] == ' ';
}

/* An integer of `size` bytes, or uint8[size] when size is not an integer size. */
static struct type *sized_int(struct type_ctx *tc, uint32_t size, bool is_signed)
{
	if (size == 1 || size == 2 || size == 4 || size == 8)
		return type_int(tc, size, is_signed);
	return type_array(tc, type_int(tc, 1, false), size);
}

/* What a pointer of this declaration points to (before applying the pointer levels). */
static struct type *pointee_type(struct type_ctx *tc, const struct decl *d)
{
	if (!strcmp(d->base, "void"))
		return tc->t_void;
	if (word_prefix(d->base, "struct") || word_prefix(d->base, "union")) {
		/* Opaque: sema resolves the body through BTF by name when it needs it. */
		struct type *t = type_new(tc, T_STRUCT, 0);
		t->name = arena_strdup(&tc->arena, strchr(d->base, ' ') + 1);
		t->align = 8;
		return t;
	}
	if (!strcmp(d->base, "char"))
		return type_int(tc, 1, true);
	const struct int_name *k = int_name_find(d->base);
	if (k)
		return type_int(tc, k->size, k->is_signed);
	return tc->t_void;
}

static struct type *field_type(struct type_ctx *tc, const struct decl *d, const struct tp_field *f,
			       enum addrspace as)
{
	if (d->dyn) /* u32: offset (low 16 bits) | length (high 16 bits). TODO issue #4: strings. */
		return sized_int(tc, f->size ? f->size : 4, false);
	if (d->odd)
		return sized_int(tc, f->size, false);

	const struct int_name *k = d->ptr_depth ? NULL : int_name_find(d->base);
	struct type *elem;
	uint32_t esize;
	if (d->ptr_depth) {
		elem = pointee_type(tc, d);
		for (int i = 0; i < d->ptr_depth; i++)
			elem = type_ptr(tc, elem, as);
		esize = 8;
	} else if (k) {
		/* syscall args sit in 8-byte slots: an `int dfd` is read as the int it is (the low 4
		 * bytes on this little-endian layout, sign-extended), so -100 stays -100 as in bpftrace */
		if (!d->is_array)
			return sized_int(tc, k->size < f->size ? k->size : f->size, f->is_signed || k->is_signed);
		if (!strcmp(d->base, "char"))
			return type_string(tc, f->size);
		elem = type_int(tc, k->size, k->is_signed);
		esize = k->size;
	} else {
		if (!d->is_array)
			return sized_int(tc, f->size, f->is_signed);
		/* Array of something we don't know: infer the element size from the count. */
		if (d->count > 0 && f->size % d->count == 0) {
			esize = f->size / (uint32_t)d->count;
			if (esize == 1 || esize == 2 || esize == 4 || esize == 8)
				return type_array(tc, type_int(tc, esize, f->is_signed), (uint32_t)d->count);
		}
		return sized_int(tc, f->size, false);
	}
	if (!d->is_array)
		return elem;
	uint32_t n;
	if (d->count >= 0 && (uint64_t)d->count * esize == f->size)
		n = (uint32_t)d->count;
	else if (f->size % esize == 0)
		n = f->size / esize;
	else
		return sized_int(tc, f->size, false);
	return type_array(tc, elem, n);
}

/* Parse "NAME:VALUE;" at *p (after optional whitespace); returns false if not there. */
static bool take_num(const char **p, const char *key, unsigned long *out)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	size_t kl = strlen(key);
	if (strncmp(s, key, kl) || s[kl] != ':')
		return false;
	s += kl + 1;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (end == s || errno || v > UINT32_MAX)
		return false;
	s = end;
	if (*s == ';')
		s++;
	*out = v;
	*p = s;
	return true;
}

int btf_tp_format_parse(struct type_ctx *tc, const char *subsys, const char *event, const char *text,
			struct tp_format *out)
{
	memset(out, 0, sizeof(*out));
	struct arena *a = &tc->arena;
	VEC(struct tp_field) fields = {0};
	VEC(struct decl) decls = {0};
	uint32_t record_end = 0;

	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		const char *next = nl ? nl + 1 : NULL;
		const char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!strncmp(s, "ID:", 3)) {
			out->id = (uint32_t)strtoul(s + 3, NULL, 10);
		} else if (!strncmp(s, "field:", 6)) {
			s += 6;
			const char *semi = strchr(s, ';');
			if (!semi || (nl && semi > nl))
				goto next;
			struct decl d;
			decl_parse(s, (size_t)(semi - s), &d);
			const char *p = semi + 1;
			unsigned long off, size, sgn = 0;
			if (!d.name_len || !take_num(&p, "offset", &off) || !take_num(&p, "size", &size))
				goto next;
			take_num(&p, "signed", &sgn); /* absent in very old kernels */
			struct tp_field f = {
				.decl = arena_strndup(a, s, (size_t)(semi - s)),
				.name = arena_strndup(a, d.name, d.name_len),
				.offset = (uint32_t)off,
				.size = (uint32_t)size,
				.is_signed = sgn != 0,
			};
			f.is_common = !strncmp(f.name, "common_", 7);
			/* decl_parse's name points into text; keep the arena copy. */
			d.name = f.name;
			VEC_PUSH(fields, f);
			VEC_PUSH(decls, d);
			if (off + size > record_end)
				record_end = (uint32_t)(off + size);
		}
	next:
		line = next;
	}

	if (!fields.n) {
		VEC_FREE(fields);
		VEC_FREE(decls);
		return -EINVAL;
	}

	enum addrspace as = !strcmp(subsys, "syscalls") ? AS_USER : AS_KERNEL;
	uint32_t nargs = 0;
	for (size_t i = 0; i < fields.n; i++)
		nargs += !fields.v[i].is_common;
	struct type *st = type_new(tc, T_STRUCT, record_end);
	st->align = 8;
	st->name = arena_printf(a, "_tracepoint_%s_%s", subsys, event);
	st->fields = arena_alloc(a, sizeof(struct type_field) * (nargs ? nargs : 1));
	st->nfields = nargs;
	uint32_t j = 0;
	for (size_t i = 0; i < fields.n; i++) {
		const struct tp_field *f = &fields.v[i];
		if (f->is_common)
			continue;
		st->fields[j].name = f->name;
		st->fields[j].offset = f->offset;
		st->fields[j].type = field_type(tc, &decls.v[i], f, as);
		j++;
	}

	out->fields = arena_alloc(a, sizeof(struct tp_field) * fields.n);
	memcpy(out->fields, fields.v, sizeof(struct tp_field) * fields.n);
	out->nfields = (uint32_t)fields.n;
	out->type = st;
	VEC_FREE(fields);
	VEC_FREE(decls);
	return 0;
}

bool btf_tp_name_ok(const char *subsys, const char *event)
{
	const char *names[] = {subsys, event};
	for (int i = 0; i < 2; i++) {
		const char *n = names[i];
		if (!n || !*n || strchr(n, '/') || !strcmp(n, ".") || !strcmp(n, ".."))
			return false;
	}
	return true;
}

/* TRACEFS/events/SUBSYS/EVENT/FILE into buf. */
static int event_path(char *buf, size_t len, const char *subsys, const char *event, const char *file)
{
	if (!btf_tp_name_ok(subsys, event))
		return -EINVAL;
	const char *root = btf_tracefs_root();
	if (!root)
		return -ENODEV;
	int n = snprintf(buf, len, "%s/events/%s/%s/%s", root, subsys, event, file);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int btf_tp_format_load(struct type_ctx *tc, const char *subsys, const char *event, struct tp_format *out)
{
	char path[PATH_MAX];
	int err = event_path(path, sizeof(path), subsys, event, "format");
	if (err)
		return err;
	char *text = read_file(path, NULL);
	if (!text)
		return -(errno ? errno : EIO);
	err = btf_tp_format_parse(tc, subsys, event, text, out);
	free(text);
	return err;
}

int btf_tp_event_id(const char *subsys, const char *event, uint32_t *id)
{
	char path[PATH_MAX];
	int err = event_path(path, sizeof(path), subsys, event, "id");
	if (err)
		return err;
	FILE *f = fopen(path, "re");
	if (!f)
		return -(errno ? errno : EIO);
	unsigned long v;
	int ok = fscanf(f, "%lu", &v) == 1 && v <= UINT32_MAX;
	fclose(f);
	if (!ok)
		return -EINVAL;
	*id = (uint32_t)v;
	return 0;
}

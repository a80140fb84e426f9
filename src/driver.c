#define _GNU_SOURCE
#include "driver.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "ast/ast.h"
#include "btf/cdecl.h"
#include "codegen/codegen.h"
#include "diag/diag.h"
#include "parser/parse.h"
#include "probes/probe.h"
#include "runtime/run.h"
#include "sema/config.h"
#include "sema/sema.h"

#define DEFAULT_RINGBUF_SIZE (1u << 20)

/* perf_rb_pages -> ring buffer bytes (a power of two; the default when unset) */
static uint32_t ringbuf_bytes(uint64_t pages)
{
	if (!pages)
		return DEFAULT_RINGBUF_SIZE;
	uint64_t want = pages * 4096, sz = 4096;
	while (sz < want && sz < (1u << 30))
		sz <<= 1;
	return (uint32_t)sz;
}

/* Imported files: their sources stay alive until the end of the run (nodes point into them). */
struct imports {
	VEC(struct source *) sources;
	VEC(char *) paths; /* realpaths already imported */
};

static void set_source(struct ast_node *list, const struct source *src)
{
	for (struct ast_node *n = list; n; n = n->next) {
		n->loc.src = src;
		struct ast_node **k[4];
		ast_children(n, k);
		for (int i = 0; i < 4; i++)
			if (k[i] && *k[i])
				set_source(*k[i], src);
		if (n->kind == AST_PROBE)
			set_source(n->probe.attach, src);
	}
}

/* Replace every `import "file.bt";` of the program by the items of that file (recursively, each
 * file once, paths relative to the importing script's directory). Returns 0 or -errno after
 * adding located errors. */
static int resolve_imports(struct ast_node *prog, const char *base_dir, struct imports *im, struct arena *a,
			   struct diag_list *dl, int depth)
{
	struct ast_node **link = &prog->program.items;
	int rc = 0;
	while (*link) {
		struct ast_node *it = *link;
		if (it->kind != AST_IMPORT) {
			link = &it->next;
			continue;
		}
		*link = it->next; /* the import statement itself goes away */
		const char *path = it->import.path;
		size_t pl = strlen(path);
		if (pl < 3 || strcmp(path + pl - 3, ".bt")) {
			diag_error(dl, &it->loc, "only .bt files can be imported (%s)", path);
			rc = -EINVAL;
			continue;
		}
		char *full = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", base_dir, path);
		char *real = realpath(full, NULL);
		free(full);
		if (!real) {
			diag_error(dl, &it->loc, "cannot import %s: %s", path, strerror(errno));
			rc = -ENOENT;
			continue;
		}
		bool seen = false;
		for (size_t i = 0; i < im->paths.n; i++)
			seen |= !strcmp(im->paths.v[i], real);
		if (seen) {
			free(real);
			continue;
		}
		if (depth > 16) {
			diag_error(dl, &it->loc, "imports are nested too deeply");
			free(real);
			return -ELOOP;
		}
		VEC_PUSH(im->paths, real);
		size_t len = 0;
		char *text = read_file(real, &len);
		if (!text) {
			diag_error(dl, &it->loc, "cannot read %s: %s", path, strerror(errno));
			rc = -EIO;
			continue;
		}
		struct source *src = source_new(path, text, len);
		free(text);
		VEC_PUSH(im->sources, src);
		/* the imported file's diagnostics name it: parse it with its own list, then move them */
		struct diag_list sub;
		diag_init(&sub, src);
		struct ast_node *iprog = NULL;
		int prc = parse_program(src, a, &sub, &iprog);
		for (size_t i = 0; i < sub.v.n; i++) {
			struct diag *d = &sub.v.v[i];
			d->loc.src = src;
			diag_add(dl, d->sev, d->has_loc ? &d->loc : NULL, "%s", d->msg);
		}
		diag_free(&sub);
		if (prc || !iprog) {
			rc = -EINVAL;
			continue;
		}
		if (iprog->program.preamble)
			diag_warn(dl, &it->loc, "the C definitions of %s are ignored (put them in the main script)", path);
		set_source(iprog->program.items, src);
		char *dir = xstrdup(real);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = 0;
		int r = resolve_imports(iprog, dir, im, a, dl, depth + 1);
		free(dir);
		if (r)
			rc = r;
		/* splice the imported items in where the import was */
		struct ast_node *last = iprog->program.items;
		if (last) {
			while (last->next)
				last = last->next;
			last->next = *link;
			*link = iprog->program.items;
			link = &last->next;
		}
	}
	return rc;
}

/* Can file f be exec'ed? 0 or an errno. */
static int exec_check(const char *f)
{
	struct stat st;
	if (stat(f, &st))
		return errno;
	return S_ISREG(st.st_mode) && !access(f, X_OK) ? 0 : EACCES;
}

/* -c: can CMD's program be run? The child only execs once every probe is attached, and is killed
 * if scry stops first, so a missing program must be found out here. Only a plain first word
 * (no quoting, expansion or assignment) is checked, looked up like execvp(); anything else is
 * left to the shell. Returns 0 or an errno. */
static int check_command(const char *cmd)
{
	size_t b = strspn(cmd, " \t"), n = strcspn(cmd + b, " \t\n;&|<>()");
	if (!n || n >= 4096)
		return 0;
	char word[4096];
	memcpy(word, cmd + b, n);
	word[n] = 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./+-,:@%", word[i]))
			return 0;
	if (strchr(word, '/'))
		return exec_check(word);
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	int err = ENOENT;
	for (const char *p = path;; p++) {
		size_t dl = strcspn(p, ":");
		char *full = xasprintf("%.*s%s%s", (int)dl, p, dl ? "/" : "", word);
		int e = exec_check(full);
		free(full);
		if (!e)
			return 0;
		if (e == EACCES)
			err = EACCES;
		p += dl;
		if (!*p)
			break;
	}
	return err;
}

/* -c: fork a child that waits at a gate (a pipe) until every probe is attached, then execs
 * `sh -c "exec CMD"` (so its pid stays the command's). Returns its pid, or -1 with errno. */
static pid_t spawn_gated(const char *cmd, int *gate_w)
{
	int err = check_command(cmd);
	if (err) {
		errno = err;
		return -1;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC))
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		char c;
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(127); /* scry gave up before attaching */
		char *full = xasprintf("exec %s", cmd);
		execl("/bin/sh", "sh", "-c", full, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	*gate_w = fds[1];
	return pid;
}

static uint32_t possible_cpus(void)
{
	int n = libbpf_num_possible_cpus();
	return n > 0 ? (uint32_t)n : 1;
}

/* Render and clear the diagnostics; true if any was an error. */
static bool flush_diags(struct diag_list *dl)
{
	bool err = dl->errors > 0;
	if (dl->v.n)
		diag_render(dl, stderr, isatty(STDERR_FILENO));
	diag_clear(dl);
	return err;
}


static void dump_elf_summary(const struct cg_result *cg, const struct resources *res, FILE *out)
{
	fprintf(out, "BPF object: %zu bytes, %zu programs, %zu script maps\n", cg->size, res->probes.n,
		res->maps.n);
	for (size_t i = 0; i < res->probes.n; i++)
		fprintf(out, "  program %-10s %s\n", res->probes.v[i].prog, res->probes.v[i].name);
	for (size_t i = 0; i < res->maps.n; i++) {
		struct strbuf k = {0}, v = {0};
		type_str(res->maps.v[i].key, &k);
		type_str(res->maps.v[i].value, &v);
		fprintf(out, "  map %-10s %-8s key %s (%u bytes) value %s (%u bytes)\n", res->maps.v[i].sym,
			res->maps.v[i].name, res->maps.v[i].key ? k.s : "none", res->maps.v[i].key_size, v.s,
			res->maps.v[i].value_size);
		sb_free(&k);
		sb_free(&v);
	}
}

int driver_run(const struct driver_opts *o)
{
	int status = 1;
	struct source *src = source_new(o->name, o->text, o->len);
	struct diag_list dl;
	diag_init(&dl, src);
	struct arena ast_arena = {0};
	struct type_ctx tc;
	type_ctx_init(&tc);
	struct resources res;
	resources_init(&res);
	struct cg_result cg = {0};
	struct ast_node *prog = NULL;
	struct cdecl *cd = NULL;
	struct imports imports = {0};

	int gate = -1;
	pid_t child = 0;
	if (o->cmd && o->stop_after == STAGE_RUN && !o->list && !o->emit_elf) {
		child = spawn_gated(o->cmd, &gate);
		if (child < 0) {
			fprintf(stderr, "ERROR: failed to run '%s': %s\n", o->cmd, strerror(errno));
			child = 0;
			goto out;
		}
	}
	int rc = parse_program(src, &ast_arena, &dl, &prog);
	if (flush_diags(&dl) || rc || !prog)
		goto out;

	if (o->dumps & DUMP_AST)
		ast_dump(prog, stdout, false);
	if (o->stop_after == STAGE_PARSE) {
		status = 0;
		goto out;
	}
	{ /* imports: the parse stage covers this file only */
		char *dir = o->path && o->name && strcmp(o->name, "stdin") ? xstrdup(o->path) : getcwd(NULL, 0);
		char *slash = dir && o->name && strcmp(o->name, "stdin") ? strrchr(dir, '/') : NULL;
		if (slash)
			*slash = 0;
		rc = resolve_imports(prog, dir ? dir : ".", &imports, &ast_arena, &dl, 0);
		free(dir);
		if (flush_diags(&dl) || rc)
			goto out;
	}

	/* the C preamble: everything before the first probe/config/... item, parsed with its
	 * positions kept so that errors point into the script */
	if (prog->program.preamble) {
		size_t end = src->len;
		for (const struct ast_node *it = prog->program.items; it; it = it->next)
			if (it->loc.line > 0) {
				size_t n;
				const char *l = source_line(src, it->loc.line, &n);
				if (l)
					end = (size_t)(l - src->text) + (size_t)(it->loc.col - 1);
				break;
			}
		char *pre = xstrndup(src->text, end);
		struct cdecl_error cerr = {0};
		cd = cdecl_parse(&tc, pre, NULL, &cerr);
		free(pre);
		if (!cd) {
			struct loc l = {cerr.line, cerr.col, cerr.line, cerr.col + (cerr.len > 0 ? cerr.len : 1)};
			diag_error(&dl, &l, "%s", cerr.msg);
			flush_diags(&dl);
			goto out;
		}
		if (o->verbose) {
			const struct cdecl_note *notes;
			size_t nn = cdecl_notes(cd, &notes);
			for (size_t i = 0; i < nn; i++)
				fprintf(stderr, "%s:%d:%d: note: %s\n", src->name, notes[i].line, notes[i].col, notes[i].msg);
		}
	}
	struct config cfg;
	rc = config_eval(prog, &cfg, &dl);
	if (flush_diags(&dl) || rc)
		goto out;
	struct sema_opts so = {
		.params = o->params,
		.nparams = o->nparams,
		.max_strlen = (uint32_t)cfg.max_strlen,
		.max_map_keys = (uint32_t)cfg.max_map_keys,
		.ringbuf_size = ringbuf_bytes(cfg.perf_rb_pages),
		.stack_mode = cfg.stack_mode,
		.ncpus = possible_cpus(),
		.target_pid = o->target_pid,
		.cpid = child,
		.unsafe = o->unsafe,
		.cdecl = cd,
	};
	rc = sema_run(prog, &so, &tc, &res, &dl);
	if (!rc && res.probes.n > cfg.max_probes) {
		diag_error(&dl, NULL, "the program has %zu attach points, more than max_probes (%llu)", res.probes.n,
			   (unsigned long long)cfg.max_probes);
		diag_hint(&dl, "narrow the wildcards, or raise the limit: config = { max_probes = %zu }", res.probes.n);
		rc = -E2BIG;
	}
	if (flush_diags(&dl) || rc)
		goto out;
	if (o->dumps & DUMP_TYPES)
		ast_dump(prog, stdout, true);
	if (o->list) {
		for (size_t i = 0; i < res.probes.n; i++)
			fprintf(o->out, "%s\n", res.probes.v[i].name);
		status = 0;
		goto out;
	}
	if (o->stop_after == STAGE_SEMA) {
		status = 0;
		goto out;
	}

	struct cg_opts co = {
		.cpu = o->stop_after == STAGE_CODEGEN && geteuid() != 0 ? "v3" : rt_probe_cpu(),
		.src_path = o->path,
		.license = cfg.license,
		.dump_ir = (o->dumps & DUMP_IR) ? stdout : NULL,
		.dump_ir_opt = (o->dumps & DUMP_IR_OPT) ? stdout : NULL,
	};
	if (o->verbose)
		fprintf(stderr, "scry: generating BPF ISA %s\n", co.cpu);
	rc = cg_compile(prog, &res, &co, &cg, &dl);
	if (flush_diags(&dl) || rc)
		goto out;
	if (o->dumps & DUMP_ELF)
		dump_elf_summary(&cg, &res, stdout);
	if (o->emit_elf) {
		FILE *f = fopen(o->emit_elf, "wb");
		if (!f || fwrite(cg.elf, 1, cg.size, f) != cg.size) {
			fprintf(stderr, "ERROR: cannot write %s: %s\n", o->emit_elf, strerror(errno));
			if (f)
				fclose(f);
			goto out;
		}
		fclose(f);
	}
	if (o->stop_after == STAGE_CODEGEN || o->emit_elf) {
		status = 0;
		goto out;
	}
	if (geteuid() != 0)
		fprintf(stderr, "WARNING: scry is not running as root; loading BPF programs will probably fail\n");

	struct rt_opts ro = {
		.out = o->out,
		.buffering = (enum output_buffering)o->buffering,
		.format = (enum output_format)o->format,
		.quiet = o->quiet,
		.verbose = o->verbose,
		.dump_verifier = (o->dumps & DUMP_VERIFIER) != 0,
		.print_maps_on_exit = cfg.print_maps_on_exit,
		.str_trailer = cfg.str_trunc_trailer,
		.missing_probes = (int)cfg.missing_probes,
		.max_cat_bytes = (unsigned long)cfg.max_cat_bytes,
		.src_path = o->path,
		.dry_run = o->dry_run,
		.target_pid = o->target_pid,
		.child_pid = child,
		.child_gate = gate,
	};
	int code = 0;
	rc = rt_run(&res, cg.elf, cg.size, &ro, &code, &dl);
	if (flush_diags(&dl) || rc)
		goto out;
	status = code;
out:
	cdecl_free(cd);
	for (size_t i = 0; i < imports.sources.n; i++)
		source_free(imports.sources.v[i]);
	for (size_t i = 0; i < imports.paths.n; i++)
		free(imports.paths.v[i]);
	VEC_FREE(imports.sources);
	VEC_FREE(imports.paths);
	if (gate >= 0)
		close(gate); /* a child still waiting at the gate sees EOF and exits without running */
	if (child > 0) {
		int st;
		if (waitpid(child, &st, WNOHANG) == 0) { /* we stopped first: don't leave it running */
			kill(child, SIGTERM);
			waitpid(child, &st, 0);
		}
	}
	cg_result_free(&cg);
	resources_free(&res);
	type_ctx_free(&tc);
	arena_free(&ast_arena);
	diag_free(&dl);
	source_free(src);
	return status;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* -lv: the arguments of one listed probe ("provider:a:b"), as `    type name` lines. */
static void list_args(const char *line, FILE *out)
{
	char *copy = xstrdup(line);
	const char *parts[16];
	int n = 0;
	for (char *tok = copy, *save = NULL; n < 16 && (tok = strtok_r(tok, ":", &save)); tok = NULL)
		parts[n++] = tok;
	const struct probe_provider *p = n ? probe_provider_find(parts[0]) : NULL;
	if (p && p->args_type && p->expand) {
		struct arena a = {0};
		struct type_ctx tc;
		type_ctx_init(&tc);
		probe_target_vec tv = {0};
		const char *err = NULL;
		if (!p->expand(p, parts + 1, n - 1, &a, &tv, &err) && tv.n == 1) {
			struct type *t = p->args_type(&tc, tv.v[0].target, &err, &a);
			for (uint32_t i = 0; t && t->kind == T_STRUCT && i < t->nfields; i++) {
				struct strbuf sb = {0};
				type_str(t->fields[i].type, &sb);
				fprintf(out, "    %s %s\n", sb.s ? sb.s : "?", t->fields[i].name);
				sb_free(&sb);
			}
		}
		VEC_FREE(tv);
		type_ctx_free(&tc);
		arena_free(&a);
	}
	free(copy);
}

int driver_list(const char *search, FILE *out, bool verbose)
{
	const char *pat = search && *search ? search : "*";
	struct strbuf all = {0};
	const char *colon = strchr(pat, ':');
	char *prov_pat = colon ? xstrndup(pat, (size_t)(colon - pat)) : NULL;
	const struct probe_provider *direct = prov_pat && !has_glob(prov_pat) ? probe_provider_find(prov_pat) : NULL;
	if (prov_pat && !has_glob(prov_pat) && !direct) {
		fprintf(stderr, "ERROR: Invalid probe type: %s\n", prov_pat);
		free(prov_pat);
		return 1;
	}
	/* gather candidate lines: from one provider when the search names it, else from all */
	for (int i = 0; probe_providers[i]; i++) {
		const struct probe_provider *p = probe_providers[i];
		if (!p->list || (direct && p != direct))
			continue;
		if (direct) {
			/* hand the provider the parts after "provider:" so it can avoid scanning everything */
			char *rest = xstrdup(colon + 1);
			const char *parts[16];
			int n = 0;
			for (char *tok = rest, *save = NULL; n < 16 && (tok = strtok_r(tok, ":", &save)); tok = NULL)
				parts[n++] = tok;
			p->list(p, parts, n, &all);
			free(rest);
		} else {
			p->list(p, NULL, 0, &all);
		}
	}
	free(prov_pat);
	/* filter by the whole pattern (a bare word matches anywhere, like bpftrace's search) */
	char *bare = NULL;
	if (!colon && !has_glob(pat))
		bare = xasprintf("*%s*", pat);
	VEC(char *) lines = {0};
	for (char *tok = all.s, *save = NULL; all.s && (tok = strtok_r(tok, "\n", &save)); tok = NULL) {
		/* keys are matched against the probe name with or without a trailing argument list */
		if ((direct && direct->list_filtered) || glob_match(bare ? bare : pat, tok) ||
		    (direct && glob_match(pat, tok)))
			VEC_PUSH(lines, tok);
		else if (direct) {
			/* the provider may print its canonical name while the user wrote an alias */
			const char *c = strchr(tok, ':');
			char *alt = c ? xasprintf("%.*s%s", (int)(strchr(pat, ':') - pat), pat, c) : NULL;
			if (alt && glob_match(pat, alt))
				VEC_PUSH(lines, tok);
			free(alt);
		}
	}
	if (lines.n > 1) /* (qsort with a NULL array is undefined, even for zero elements) */
		qsort(lines.v, lines.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < lines.n; i++)
		if (i == 0 || strcmp(lines.v[i], lines.v[i - 1])) {
			fprintf(out, "%s\n", lines.v[i]);
			if (verbose)
				list_args(lines.v[i], out);
		}
	VEC_FREE(lines);
	free(bare);
	sb_free(&all);
	return 0;
}

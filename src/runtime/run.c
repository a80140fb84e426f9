#define _GNU_SOURCE
#include "runtime/run.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probes/probe.h"
#include "runtime/symresolve.h"

/* names shared with codegen (codegen.h cannot be included here: runtime does not see codegen) */
#define RINGBUF_MAP "scry_events"
#define CFG_MAP "scry_cfg"
enum { CFG_START_NS = 0, CFG_LOST = 1, CFG_STOP = 2, CFG_MAP_FULL = 3 };

static volatile sig_atomic_t g_signal;

static void on_signal(int sig) { g_signal = sig; }

/* SIGUSR1 runs the self:signal:SIGUSR1 probes (from the event loop) */
static volatile sig_atomic_t g_usr1;

static void on_usr1(int sig) { g_usr1 = 1; }

struct rt {
	const struct resources *res;
	const struct rt_opts *o;
	struct output *out;
	struct rt_symbols *syms; /* stacks, ksym/usym, usernames (loaded when first printed) */
	struct bpf_object *obj;
	int *map_fds;
	struct ring_buffer *rb;
	struct probe_links links;
	const struct res_probe *runner; /* the attached probe that runs to completion (an iterator) */
	size_t runner_link;             /* index of its first link in `links` */
	bool pinned;     /* the runner was pinned: its programs must keep working after we exit */
	bool stop;       /* exit() seen */
	bool discard;    /* drop events (after exit(), before END) */
	uint64_t lost_reported; /* lost events already reported with "Lost N events" */
	int exit_code;
	struct diag_list *dl;
};

/* ---- libbpf messages: captured, shown with -v, parsed on load failure ------------------------- */

static struct strbuf g_libbpf_log;
static int g_verbose;

static int libbpf_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	if (g_verbose > 0 && (lvl != LIBBPF_DEBUG || g_verbose > 1)) {
		va_list ap2;
		va_copy(ap2, ap);
		vfprintf(stderr, fmt, ap2);
		va_end(ap2);
	}
	if (lvl != LIBBPF_DEBUG)
		sb_vprintf(&g_libbpf_log, fmt, ap);
	return 0;
}

bool rt_raise_memlock(void)
{
	struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};
	return setrlimit(RLIMIT_MEMLOCK, &r) == 0;
}

const char *rt_probe_cpu(void)
{
	/* movsx r0, r1 (8-bit sign extension) is a v4 instruction: BPF_ALU64 | BPF_MOV | BPF_X, off 8 */
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 1, .imm = 0},
		{.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 0, .src_reg = 1, .off = 8},
		{.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", insns, ARRAY_SIZE(insns), &opts);
	if (fd >= 0) {
		close(fd);
		return "v4";
	}
	return "v3";
}

/* -p / -c: has the traced process gone? (the child is reaped here). For -p a pidfd tells even when
 * the process is a zombie its parent has not reaped yet. */
static bool target_gone(const struct rt_opts *o)
{
	static int pidfd = -2;
	if (o->child_pid > 0) {
		int st;
		return waitpid(o->child_pid, &st, WNOHANG) == o->child_pid;
	}
	if (o->target_pid <= 0)
		return false;
	if (pidfd == -2)
		pidfd = (int)syscall(SYS_pidfd_open, o->target_pid, 0);
	if (pidfd >= 0) {
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		return poll(&p, 1, 0) > 0;
	}
	return kill(o->target_pid, 0) && errno == ESRCH;
}

/* ---- events ---------------------------------------------------------------------------------- */

/* zero(@m): every value (every CPU's slot of a per-CPU map) becomes zero; keys stay. */
static void map_zero(const struct res_map *m, int fd)
{
	int ncpus = rt_map_is_percpu(m) ? libbpf_num_possible_cpus() : 1;
	size_t vsz = rt_map_is_percpu(m) ? ((m->value_size + 7) & ~7u) * (size_t)(ncpus > 0 ? ncpus : 1) : m->value_size;
	void *zero = xcalloc(1, vsz), *key = xmalloc(m->key_size), *next = xmalloc(m->key_size);
	void *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		bpf_map_update_elem(fd, next, zero, BPF_EXIST);
		memcpy(key, next, m->key_size);
		prev = key;
	}
	free(zero);
	free(key);
	free(next);
}

/* time(), cat() and system(): formatted here, in user space, when the event arrives. */
static void formatted_event(struct rt *rt, const struct res_printf *f, const void *payload, size_t len)
{
	struct strbuf text = {0};
	if (f->kind == FMT_TIME) {
		char buf[512];
		time_t now = time(NULL);
		struct tm tm;
		size_t n = strftime(buf, sizeof(buf), f->fmt, localtime_r(&now, &tm));
		output_message(rt->out, OUT_MSG_TIME, buf, n);
		return;
	}
	if (f->kind == FMT_JOIN) {
		/* { u64 n; char arg[JOIN_MAX_ARGS][JOIN_ARG_SIZE] } joined with the separator (f->fmt) */
		uint64_t n = 0;
		if (len >= 8)
			memcpy(&n, payload, 8);
		for (uint64_t i = 0; i < n && i < JOIN_MAX_ARGS && 8 + (i + 1) * JOIN_ARG_SIZE <= len; i++) {
			const char *arg = (const char *)payload + 8 + i * JOIN_ARG_SIZE;
			if (i)
				sb_puts(&text, f->fmt);
			sb_putn(&text, arg, strnlen(arg, JOIN_ARG_SIZE));
		}
		output_message(rt->out, OUT_MSG_JOIN, text.s ? text.s : "", text.len);
		sb_free(&text);
		return;
	}
	rt_printf_format(&text, f, payload, len, rt->res);
	if (f->kind == FMT_WARNF || f->kind == FMT_ERRORF) {
		/* warnf()/errorf()/assert(): a diagnostic at the call's location, with the source line */
		diag_add(rt->dl, f->kind == FMT_WARNF ? DIAG_WARNING : DIAG_ERROR, &f->loc, "%s", text.s ? text.s : "");
		fflush(stdout);
		diag_render(rt->dl, stderr, false);
		diag_clear(rt->dl);
	} else if (f->kind == FMT_CAT) {
		size_t n = 0, max = rt->o->max_cat_bytes ? rt->o->max_cat_bytes : 10240;
		char *data = read_file_max(text.s ? text.s : "", max, &n);
		if (!data) {
			fprintf(stderr, "WARNING: cat(\"%s\"): %s\n", text.s ? text.s : "", strerror(errno));
		} else {
			output_message(rt->out, OUT_MSG_CAT, data, n);
			free(data);
		}
	} else if (f->kind == FMT_SYSTEM) {
		fflush(NULL);
		FILE *p = popen(text.s ? text.s : "", "r");
		if (!p) {
			fprintf(stderr, "WARNING: system(\"%s\"): %s\n", text.s ? text.s : "", strerror(errno));
		} else {
			struct strbuf outb = {0};
			char buf[4096];
			size_t n;
			while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
				sb_putn(&outb, buf, n);
			pclose(p);
			if (outb.len && outb.s[outb.len - 1] == '\n') /* the backend adds it back */
				outb.s[--outb.len] = 0;
			output_message(rt->out, OUT_MSG_SYSTEM, outb.s ? outb.s : "", outb.len);
			sb_free(&outb);
		}
	}
	sb_free(&text);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct rt *rt = ctx;
	const struct resources *res = rt->res;
	if (rt->discard || rt->stop || size < sizeof(struct event_hdr))
		return 0;
	const struct event_hdr *h = data;
	const uint8_t *payload = (const uint8_t *)data + sizeof(*h);
	size_t plen = size - sizeof(*h);
	switch (h->kind) {
	case EV_PRINTF:
		if (h->id < res->fmts.n)
			output_printf_event(rt->out, &res->fmts.v[h->id], payload, plen, res);
		break;
	case EV_PRINT_VALUE:
		if (h->id < res->fmts.n && res->fmts.v[h->id].nargs == 1) {
			const struct res_printf *f = &res->fmts.v[h->id];
			if (f->args[0].offset + f->args[0].type->size <= plen)
				rt_print_value(rt->out, f->args[0].type, payload + f->args[0].offset, res);
		}
		break;
	case EV_FORMATTED:
		if (h->id < res->fmts.n)
			formatted_event(rt, &res->fmts.v[h->id], payload, plen);
		break;
	case EV_PRINT:
		if (h->id < res->maps.n && plen >= 16) {
			int64_t top, div;
			memcpy(&top, payload, 8);
			memcpy(&div, payload + 8, 8);
			rt_map_print(rt->out, res, &res->maps.v[h->id], rt->map_fds[h->id], top, div);
		}
		break;
	case EV_CLEAR:
		if (h->id < res->maps.n)
			rt_map_clear(rt->map_fds[h->id]);
		break;
	case EV_ZERO:
		if (h->id < res->maps.n)
			map_zero(&res->maps.v[h->id], rt->map_fds[h->id]);
		break;
	case EV_EXIT: {
		int64_t code = 0;
		if (plen >= 8)
			memcpy(&code, payload, 8);
		rt->exit_code = (int)code;
		rt->stop = true;
		return -ECANCELED; /* stop consuming: nothing after exit() is shown */
	}
	default:
		break;
	}
	return 0;
}

/* Deliver every queued event (the callback decides what is shown). */
static void consume(struct rt *rt) { ring_buffer__consume(rt->rb); }

/* ---- load ------------------------------------------------------------------------------------ */

/* After a failed load: name the probe, show the verifier's last lines and the script line. */
static void report_load_failure(struct rt *rt, int err)
{
	const char *log = g_libbpf_log.s ? g_libbpf_log.s : "";
	const struct res_probe *bad = NULL;
	for (size_t i = 0; i < rt->res->probes.n; i++) {
		char pat[128];
		snprintf(pat, sizeof(pat), "prog '%s'", rt->res->probes.v[i].prog);
		if (strstr(log, pat)) {
			bad = &rt->res->probes.v[i];
			break;
		}
	}
	/* the verifier log sits between BEGIN/END PROG LOAD LOG markers */
	const char *b = strstr(log, "-- BEGIN PROG LOAD LOG --");
	const char *e = b ? strstr(b, "-- END PROG LOAD LOG --") : NULL;
	struct strbuf tail = {0};
	int script_line = 0;
	if (b && e) {
		b = strchr(b, '\n');
		b = b ? b + 1 : e;
		/* last 8 lines before the end marker */
		const char *p = e;
		int lines = 0;
		while (p > b && lines < 9) {
			p--;
			if (*p == '\n')
				lines++;
		}
		if (*p == '\n')
			p++;
		const char *lp = e;
		while (lp > b && lp[-1] != '\n')
			lp--;
		sb_putn(&tail, p, (size_t)(lp - p));
		/* line info comments look like "; <source text> @ <file>:<line>" */
		/* (only lines starting with ';' are looked at, each within itself: the log can be MBs) */
		for (const char *q = b; q && q < e;) {
			const char *nl = memchr(q, '\n', (size_t)(e - q));
			const char *end = nl ? nl : e;
			if (q[0] == ';') {
				const char *at = memmem(q, (size_t)(end - q), " @ ", 3);
				const char *colon = at ? memrchr(at, ':', (size_t)(end - at)) : NULL;
				if (colon)
					script_line = atoi(colon + 1);
			}
			q = nl ? nl + 1 : NULL;
		}
	}
	if (bad && !b) {
		/* refused before the verifier ran (no verifier log): e.g. a program type this kernel
		 * does not allow */
		diag_error(rt->dl, &bad->loc, "loading the program for probe %s failed: %s (%s)", bad->name,
			   bad->prov->load_refused ? bad->prov->load_refused : "the kernel refused it", strerror(-err));
		return;
	}
	struct loc loc = {0};
	size_t linelen = 0;
	if (script_line > 0 && rt->dl->src && source_line(rt->dl->src, script_line, &linelen))
		loc = (struct loc){script_line, 1, script_line, (int)linelen + 1}; /* the whole line */
	else if (script_line > 0)
		loc = (struct loc){script_line, 1, script_line, 2};
	else if (bad)
		loc = bad->loc;
	if (bad)
		diag_error(rt->dl, &loc, "the BPF verifier rejected the program for probe %s (%s)", bad->name,
			   strerror(-err));
	else
		diag_error(rt->dl, loc.line ? &loc : NULL, "loading the BPF programs failed: %s", strerror(-err));
	if (tail.len) {
		/* trim the trailing newline, keep the verifier's words as a hint */
		while (tail.len && tail.s[tail.len - 1] == '\n')
			tail.s[--tail.len] = 0;
		diag_hint(rt->dl, "the verifier's last words:\n%s", tail.s);
	}
	sb_free(&tail);
}

static void dump_verifier_logs(struct rt *rt, char **bufs)
{
	size_t i = 0;
	struct bpf_program *p;
	bpf_object__for_each_program(p, rt->obj)
	{
		fprintf(stdout, "--- verifier log: %s (%s) ---\n%s\n", bpf_program__name(p),
			i < rt->res->probes.n ? rt->res->probes.v[i].name : "?", bufs[i] ? bufs[i] : "");
		i++;
	}
}

static int set_cfg(struct rt *rt)
{
	struct bpf_map *m = bpf_object__find_map_by_name(rt->obj, CFG_MAP);
	if (!m)
		return -ENOENT;
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	uint64_t start = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	uint32_t k = CFG_START_NS;
	return bpf_map_update_elem(bpf_map__fd(m), &k, &start, BPF_ANY);
}

/* Every probe program checks this flag first (perf-event disable does not stop tracepoints). A
 * pinned iterator is left working. */
static void set_stop_flag(struct rt *rt)
{
	struct bpf_map *m = rt->obj && !rt->pinned ? bpf_object__find_map_by_name(rt->obj, CFG_MAP) : NULL;
	uint64_t one = 1;
	uint32_t k = CFG_STOP;
	if (m)
		bpf_map_update_elem(bpf_map__fd(m), &k, &one, BPF_ANY);
}

static uint64_t cfg_counter(struct rt *rt, uint32_t k)
{
	struct bpf_map *m = bpf_object__find_map_by_name(rt->obj, CFG_MAP);
	uint64_t v = 0;
	if (m)
		bpf_map_lookup_elem(bpf_map__fd(m), &k, &v);
	return v;
}

static uint64_t lost_events(struct rt *rt)
{
	struct bpf_map *m = bpf_object__find_map_by_name(rt->obj, CFG_MAP);
	uint64_t v = 0;
	uint32_t k = CFG_LOST;
	if (m)
		bpf_map_lookup_elem(bpf_map__fd(m), &k, &v);
	return v;
}

/* Report events the probes could not queue (ring buffer full) since the last report. */
static void report_lost(struct rt *rt)
{
	uint64_t lost = lost_events(rt);
	if (lost > rt->lost_reported) {
		output_lost_events(rt->out, lost - rt->lost_reported);
		rt->lost_reported = lost;
	}
}

static int run_special(struct rt *rt, enum probe_special which)
{
	for (size_t i = 0; i < rt->res->probes.n; i++) {
		const struct res_probe *rp = &rt->res->probes.v[i];
		if (rp->prov->special != which)
			continue;
		struct bpf_program *p = bpf_object__find_program_by_name(rt->obj, rp->prog);
		LIBBPF_OPTS(bpf_test_run_opts, topts);
		if (!p || bpf_prog_test_run_opts(bpf_program__fd(p), &topts)) {
			int err = errno ? errno : ENOENT;
			diag_error(rt->dl, &rp->loc, "running the %s probe failed: %s", rp->name, strerror(err));
			return -err;
		}
		consume(rt);
		if (rt->stop)
			return 0;
	}
	return 0;
}

static bool has_special(const struct resources *res, enum probe_special which)
{
	for (size_t i = 0; i < res->probes.n; i++)
		if (res->probes.v[i].prov->special == which)
			return true;
	return false;
}

/* A probe that runs to completion (an iterator) ends the script: only begin/end may join it. */
static int check_runner_alone(const struct resources *res, struct diag_list *dl)
{
	const struct res_probe *runner = NULL;
	for (size_t i = 0; i < res->probes.n; i++)
		if (res->probes.v[i].prov->run) {
			runner = &res->probes.v[i];
			break;
		}
	for (size_t i = 0; runner && i < res->probes.n; i++) {
		const struct res_probe *rp = &res->probes.v[i];
		enum probe_special sp = rp->prov->special;
		if (rp != runner && sp != PS_BEGIN && sp != PS_END) {
			diag_error(dl, &rp->loc, "%s cannot be used with %s: an iter probe runs once over every element "
						 "and ends the script, so only begin and end probes may join it",
				   rp->name, runner->name);
			return -EINVAL;
		}
	}
	return 0;
}

struct runner_job {
	const struct res_probe *rp;
	struct bpf_link *link;
	char *note, *err;
	int ret;
	atomic_bool done;
};

static void *runner_thread(void *arg)
{
	struct runner_job *j = arg;
	j->ret = j->rp->prov->run(j->rp, j->link, &j->note, &j->err);
	atomic_store(&j->done, true);
	return NULL;
}

/* Run the runner probe to its end in a thread while this one delivers its events (so a long run
 * does not overflow the ring buffer), then report how it went. */
static int run_runner(struct rt *rt)
{
	struct runner_job j = {.rp = rt->runner, .link = rt->links.v.v[rt->runner_link].link};
	atomic_init(&j.done, false);
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old); /* signals stay with this thread */
	pthread_t tid;
	int e = pthread_create(&tid, NULL, runner_thread, &j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		diag_error(rt->dl, &j.rp->loc, "running probe %s failed: %s", j.rp->name, strerror(e));
		return -e;
	}
	while (!atomic_load(&j.done)) {
		ring_buffer__poll(rt->rb, 10);
		report_lost(rt);
	}
	pthread_join(tid, NULL);
	if (j.note)
		fprintf(stderr, "%s\n", j.note);
	if (j.ret < 0)
		diag_error(rt->dl, &j.rp->loc, "running probe %s failed: %s", j.rp->name,
			   j.err ? j.err : strerror(-j.ret));
	rt->pinned = j.ret == PROBE_RUN_PINNED;
	free(j.note);
	free(j.err);
	return j.ret < 0 ? j.ret : 0;
}

int rt_run(const struct resources *res, const void *elf, size_t elf_size, const struct rt_opts *o,
	   int *exit_code, struct diag_list *dl)
{
	struct rt rt = {.res = res, .o = o, .dl = dl};
	char **logbufs = NULL;
	size_t nprogs = 0;
	int err = 0;
	bool on_sigusr1 = false; /* self:signal probes: SIGUSR1 handled until we return */
	struct sigaction old_usr1;
	*exit_code = 0;
	g_verbose = o->verbose;
	sb_reset(&g_libbpf_log);
	libbpf_set_print(libbpf_print);
	if (!rt_raise_memlock() && o->verbose)
		fprintf(stderr, "WARNING: could not raise RLIMIT_MEMLOCK; continuing (BPF memory is charged to the "
				"cgroup on this kernel)\n");

	FILE *out = o->out ? o->out : stdout;
	rt.out = o->format == OUTPUT_FORMAT_JSON     ? output_json_new(out)
		 : o->format == OUTPUT_FORMAT_FOLDED ? output_folded_new(out)
						     : output_text_new(out);
	rt.syms = rt_symbols_new();
	output_set_resolver(rt.out, rt_symbols_resolver(rt.syms));
	output_set_buffering(rt.out, o->buffering);
	if (o->str_trailer)
		rt.out->str_trailer = o->str_trailer;

	err = check_runner_alone(res, dl);
	if (err)
		goto cleanup;
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "scry");
	rt.obj = bpf_object__open_mem(elf, elf_size, &oo);
	if (!rt.obj) {
		err = -errno;
		diag_error(dl, NULL, "opening the compiled BPF object failed: %s", strerror(errno));
		goto cleanup;
	}
	for (size_t i = 0; i < res->probes.n; i++) {
		const struct res_probe *rp = &res->probes.v[i];
		struct bpf_program *p = rp->prov->prepare ? bpf_object__find_program_by_name(rt.obj, rp->prog) : NULL;
		if (p && (err = rp->prov->prepare(p, rp))) {
			diag_error(dl, &rp->loc, "preparing probe %s failed: %s", rp->name, strerror(-err));
			goto cleanup;
		}
	}
	if (o->dump_verifier) {
		struct bpf_program *p;
		bpf_object__for_each_program(p, rt.obj) nprogs++;
		logbufs = xcalloc(nprogs ? nprogs : 1, sizeof(*logbufs));
		size_t i = 0;
		bpf_object__for_each_program(p, rt.obj)
		{
			logbufs[i] = xcalloc(1, 1 << 20);
			bpf_program__set_log_buf(p, logbufs[i], 1 << 20);
			bpf_program__set_log_level(p, 1 | 4);
			i++;
		}
	}
	err = bpf_object__load(rt.obj);
	if (err) {
		report_load_failure(&rt, err);
		goto cleanup;
	}
	if (o->dump_verifier)
		dump_verifier_logs(&rt, logbufs);

	rt.map_fds = xcalloc(res->maps.n ? res->maps.n : 1, sizeof(int));
	for (size_t i = 0; i < res->maps.n; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(rt.obj, res->maps.v[i].sym);
		rt.map_fds[i] = m ? bpf_map__fd(m) : -1;
	}
	struct bpf_map *rbm = bpf_object__find_map_by_name(rt.obj, RINGBUF_MAP);
	rt.rb = rbm ? ring_buffer__new(bpf_map__fd(rbm), on_event, &rt, NULL) : NULL;
	if (!rt.rb) {
		err = -errno;
		diag_error(dl, NULL, "setting up the event ring buffer failed: %s", strerror(errno));
		goto cleanup;
	}
	set_cfg(&rt);

	/* signals: stop cleanly (END, maps, detach) on SIGINT/SIGTERM */
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct sigaction su = {.sa_handler = on_usr1};
	sigemptyset(&su.sa_mask);
	g_usr1 = 0;
	on_sigusr1 = has_special(res, PS_SIGNAL);
	if (on_sigusr1)
		sigaction(SIGUSR1, &su, &old_usr1);

	size_t skipped = 0;
	for (size_t i = 0; i < res->probes.n; i++) {
		const struct res_probe *rp = &res->probes.v[i];
		if (rp->prov->special != PS_NONE || !rp->prov->attach)
			continue;
		struct bpf_program *p = bpf_object__find_program_by_name(rt.obj, rp->prog);
		char *msg = NULL;
		size_t first_link = rt.links.v.n;
		err = p ? rp->prov->attach(p, rp, &rt.links, &msg) : -ENOENT;
		if (err && o->missing_probes != 0) { /* config missing_probes = warn | ignore */
			if (o->missing_probes == 1) {
				diag_warn(dl, &rp->loc, "attaching probe %s failed: %s; skipping it", rp->name,
					  msg ? msg : strerror(-err));
				diag_render(dl, stderr, false);
				diag_clear(dl);
			}
			free(msg);
			err = 0;
			skipped++;
			continue;
		}
		if (err) {
			diag_error(dl, &rp->loc, "attaching probe %s failed: %s", rp->name, msg ? msg : strerror(-err));
			free(msg);
			goto cleanup;
		}
		if (rp->prov->run && rt.links.v.n > first_link) {
			rt.runner = rp;
			rt.runner_link = first_link;
		}
		if (g_signal) {
			err = -EINTR;
			goto cleanup;
		}
	}
	if (!o->quiet)
		output_attached_probes(rt.out, res->probes.n - skipped);
	if (getenv("__BPFTRACE_NOTIFY_PROBES_ATTACHED")) {
		printf("__BPFTRACE_NOTIFY_PROBES_ATTACHED\n");
		fflush(stdout);
	}
	if (o->dry_run)
		goto finish;

	err = run_special(&rt, PS_BEGIN);
	if (err)
		goto cleanup;
	if (o->child_gate >= 0 && write(o->child_gate, "g", 1) != 1) { /* -c: the child may exec now */
		diag_error(dl, NULL, "cannot start the command: %s", strerror(errno));
		err = -EIO;
		goto cleanup;
	}
	/* an iterator runs once, to its end, instead of the event loop; begin/end-only scripts end at
	 * once, unless a self:signal probe waits for SIGUSR1 */
	if (rt.runner && !rt.stop && !g_signal)
		err = run_runner(&rt);
	while (!rt.runner && !rt.stop && !g_signal && (!res->has_begin_end_only || on_sigusr1)) {
		if (g_usr1) {
			g_usr1 = 0;
			if ((err = run_special(&rt, PS_SIGNAL)))
				break;
			continue;
		}
		if (target_gone(o))
			break;
		int n = ring_buffer__poll(rt.rb, 200);
		report_lost(&rt);
		if (n < 0 && n != -EINTR && n != -ECANCELED) {
			diag_error(dl, NULL, "reading events failed: %s", strerror(-n));
			err = n;
			break;
		}
	}

finish:
	/* stop the data first (cheap), deliver what the probes sent before the stop unless exit() asked
	 * for an immediate stop, then END, then the maps; the slow teardown comes last */
	set_stop_flag(&rt);
	probe_links_disable(&rt.links);
	if (!rt.stop && !o->dry_run)
		consume(&rt);
	rt.discard = true;
	consume(&rt);
	rt.discard = false;
	rt.stop = false;
	if (!err && !o->dry_run) {
		int saved = rt.exit_code;
		err = run_special(&rt, PS_END);
		rt.exit_code = saved;
	}
	report_lost(&rt);
	if (rt.lost_reported)
		fprintf(stderr, "WARNING: Total lost event count: %llu\n", (unsigned long long)rt.lost_reported);
	uint64_t full = cfg_counter(&rt, CFG_MAP_FULL);
	if (full)
		fprintf(stderr, "WARNING: %llu map update%s failed because a map was full; raise max_map_keys (now %u)\n",
			(unsigned long long)full, full == 1 ? "" : "s", res->max_map_keys);
	if (!o->dry_run)
		rt_exit_output(rt.out, res, rt.map_fds, o->print_maps_on_exit);
	output_flush(rt.out);
	*exit_code = rt.exit_code;

cleanup:
	set_stop_flag(&rt);
	probe_links_disable(&rt.links);
	probe_links_destroy(&rt.links);
	ring_buffer__free(rt.rb);
	bpf_object__close(rt.obj);
	output_free(rt.out);
	rt_symbols_free(rt.syms);
	free(rt.map_fds);
	for (size_t i = 0; logbufs && i < nprogs; i++)
		free(logbufs[i]);
	free(logbufs);
	VEC_FREE(rt.links.v);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (on_sigusr1)
		sigaction(SIGUSR1, &old_usr1, NULL);
	return err < 0 ? err : 0;
}

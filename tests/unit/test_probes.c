/* Unit tests for src/probes and src/btf/tpformat: format-file parsing, tracepoint glob expansion,
 * interval/profile attach-point parsing, the registry, and (as root with tracefs) attaching real
 * programs. Parts that need tracefs or root print "SKIP: <why>"; if anything was skipped and the
 * rest passed, the exit code is 77 (ctest's skip code).
 * SCRY_BENCH=1 also measures serial vs parallel detach of tracepoint links. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "btf/tpformat.h"
#include "check.h"
#include "probes/probe.h"
#include "sema/resources.h"

static int skipped;
static void skip(const char *what, const char *why)
{
	printf("SKIP: %s: %s\n", what, why);
	skipped++;
}

static const struct type_field *field(const struct type *st, const char *name)
{
	for (uint32_t i = 0; st && i < st->nfields; i++)
		if (!strcmp(st->fields[i].name, name))
			return &st->fields[i];
	return NULL;
}

static char *tstr(const struct type *t)
{
	struct strbuf sb = {0};
	if (t)
		type_str(t, &sb);
	else
		sb_puts(&sb, "(null)");
	return sb_steal(&sb);
}

#define CHECK_FIELD(st, fname, off, typestr)                                                               \
	do {                                                                                               \
		const struct type_field *f_ = field(st, fname);                                            \
		CHECK(f_ != NULL);                                                                         \
		if (f_) {                                                                                  \
			CHECK_INT(f_->offset, off);                                                        \
			char *s_ = tstr(f_->type);                                                         \
			CHECK_STR(s_, typestr);                                                            \
			free(s_);                                                                          \
		}                                                                                          \
	} while (0)

/* ---- format files given as text (no tracefs needed) ---- */

static const char openat_fmt[] =
	"name: sys_enter_openat\n"
	"ID: 782\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;\n"
	"\n"
	"print fmt: \"dfd: 0x%08lx, filename: 0x%08lx\", ((unsigned long)(REC->dfd))\n";

static const char odd_fmt[] =
	"name: odd\n"
	"ID: 7\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
	"\tfield:__data_loc char[] name;\toffset:24;\tsize:4;\tsigned:0;\n"
	"\tfield:unsigned long args[6];\toffset:32;\tsize:48;\tsigned:0;\n"
	"\tfield:const char *const * argv;\toffset:80;\tsize:8;\tsigned:0;\n"
	"\tfield:struct sock * sk;\toffset:88;\tsize:8;\tsigned:0;\n"
	"\tfield:void * ptr;\toffset:96;\tsize:8;\tsigned:0;\n"
	"\tfield:u8 addr[6];\toffset:104;\tsize:6;\tsigned:0;\n"
	"\tfield:xfs_ino_t ino;\toffset:112;\tsize:8;\tsigned:0;\n"
	"\tfield:s32 delta;\toffset:120;\tsize:4;\tsigned:1;\n"
	"\tfield:struct in6_addr saddr;\toffset:124;\tsize:16;\tsigned:0;\n"
	"\tfield:char name2[TASK_COMM_LEN];\toffset:140;\tsize:16;\tsigned:0;\n"
	"\tfield:u32 vals[];\toffset:156;\tsize:0;\tsigned:0;\n"
	"\tfield:bool on;\toffset:156;\tsize:1;\tsigned:0;\n"
	"\tfield:void __seg_gs * pcpu;\toffset:160;\tsize:8;\tsigned:0;\n"
	"\tfield:char c0;\toffset:168;\tsize:1;\tsigned:0;\n"
	"\tfield:char c1;\toffset:169;\tsize:1;\tsigned:1;\n"
	"\tfield:union bpf_attr * attr;\toffset:176;\tsize:8;\tsigned:0;\n"
	"\tfield:sigset_t * set;\toffset:184;\tsize:8;\tsigned:0;\n"
	"\tfield:pid_t pid;\toffset:192;\tsize:8;\tsigned:0;\n"
	"\tfield:long  spaced [ 3 ];\toffset:200;\tsize:24;\tsigned:1;\n";

static void test_format_text(void)
{
	struct type_ctx tc;
	type_ctx_init(&tc);
	struct tp_format f;
	CHECK_INT(btf_tp_format_parse(&tc, "syscalls", "sys_enter_openat", openat_fmt, &f), 0);
	CHECK_INT(f.id, 782);
	CHECK_INT(f.nfields, 9);
	CHECK(f.fields[0].is_common && !f.fields[4].is_common);
	CHECK_STR(f.fields[6].decl, "const char * filename");
	const struct type *st = f.type;
	CHECK(st && st->kind == T_STRUCT);
	CHECK_STR(st->name, "_tracepoint_syscalls_sys_enter_openat");
	CHECK_INT(st->nfields, 5);
	CHECK_INT(st->size, 48);
	CHECK_FIELD(st, "__syscall_nr", 8, "int32");
	CHECK_FIELD(st, "dfd", 16, "int32"); /* int in an 8-byte slot: read as the int it is */
	CHECK_FIELD(st, "filename", 24, "int8 *");
	CHECK_FIELD(st, "flags", 32, "int32");
	CHECK_FIELD(st, "mode", 40, "uint16"); /* umode_t */
	CHECK(field(st, "common_pid") == NULL);
	const struct type_field *fn = field(st, "filename");
	CHECK(fn && fn->type->kind == T_PTR && fn->type->as == AS_USER && fn->type->elem->size == 1 &&
	      fn->type->elem->is_signed);

	CHECK_INT(btf_tp_format_parse(&tc, "test", "odd", odd_fmt, &f), 0);
	st = f.type;
	CHECK_INT(f.id, 7);
	CHECK_FIELD(st, "comm", 8, "string[16]");
	CHECK_FIELD(st, "name", 24, "uint32"); /* __data_loc: issue #4 */
	CHECK_FIELD(st, "args", 32, "uint64[6]");
	CHECK_FIELD(st, "argv", 80, "int8 * *");
	CHECK_FIELD(st, "sk", 88, "struct sock *");
	CHECK_FIELD(st, "ptr", 96, "void *");
	CHECK_FIELD(st, "addr", 104, "uint8[6]");
	CHECK_FIELD(st, "ino", 112, "uint64");
	CHECK_FIELD(st, "delta", 120, "int32");
	CHECK_FIELD(st, "saddr", 124, "uint8[16]");
	CHECK_FIELD(st, "name2", 140, "string[16]");
	CHECK_FIELD(st, "vals", 156, "uint32[0]");
	CHECK_FIELD(st, "on", 156, "uint8");
	CHECK_FIELD(st, "pcpu", 160, "void *");
	CHECK_FIELD(st, "c0", 168, "uint8");
	CHECK_FIELD(st, "c1", 169, "int8");
	CHECK_FIELD(st, "attr", 176, "struct bpf_attr *");
	CHECK_FIELD(st, "set", 184, "void *");
	CHECK_FIELD(st, "pid", 192, "int32"); /* pid_t in an 8-byte slot */
	CHECK_FIELD(st, "spaced", 200, "int64[3]");
	CHECK_INT(st->size, 224);
	const struct type_field *sk = field(st, "sk");
	CHECK(sk && sk->type->as == AS_KERNEL && sk->type->elem->kind == T_STRUCT && sk->type->elem->nfields == 0);
	const struct type_field *argv = field(st, "argv");
	CHECK(argv && argv->type->as == AS_KERNEL);

	CHECK_INT(btf_tp_format_parse(&tc, "x", "y", "name: y\nID: 1\nformat:\n", &f), -EINVAL);
	CHECK(!btf_tp_name_ok("a/b", "c"));
	CHECK(!btf_tp_name_ok("..", "c"));
	CHECK(!btf_tp_name_ok("a", ""));
	CHECK(btf_tp_name_ok("sched", "sched_switch"));
	type_ctx_free(&tc);
}

/* ---- registry ---- */

static void test_registry(void)
{
	static const struct {
		const char *name, *canon;
	} cases[] = {
		{"begin", "begin"},         {"BEGIN", "begin"},           {"Begin", "begin"},
		{"end", "end"},             {"END", "end"},               {"tracepoint", "tracepoint"},
		{"t", "tracepoint"},        {"interval", "interval"},     {"i", "interval"},
		{"profile", "profile"},     {"p", "profile"},             {"kprobe", "kprobe"},
		{"k", "kprobe"},            {"kr", "kretprobe"},          {"u", "uprobe"},
		{"ur", "uretprobe"},        {"U", "usdt"},                {"rt", "rawtracepoint"},
		{"f", "fentry"},            {"kfunc", "fentry"},          {"fr", "fexit"},
		{"kretfunc", "fexit"},      {"s", "software"},            {"h", "hardware"},
		{"w", "watchpoint"},        {"it", "iter"},               {"iter", "iter"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct probe_provider *p = probe_provider_find(cases[i].name);
		CHECK_STR(p ? p->name : NULL, cases[i].canon);
	}
	CHECK(probe_provider_find("Tracepoint") == NULL); /* only begin/end ignore case */
	CHECK(probe_provider_find("T") == NULL);
	CHECK(probe_provider_find("nope") == NULL);
	CHECK(probe_provider_find("") == NULL);
	CHECK(probe_provider_find(NULL) == NULL);

	const struct probe_provider *b = probe_provider_find("BEGIN"), *e = probe_provider_find("end");
	CHECK(b->special == PS_BEGIN && e->special == PS_END);
	CHECK_INT(b->prog_type, BPF_PROG_TYPE_RAW_TRACEPOINT);
	CHECK_INT(probe_provider_find("t")->prog_type, BPF_PROG_TYPE_TRACEPOINT);
	CHECK_INT(probe_provider_find("i")->prog_type, BPF_PROG_TYPE_PERF_EVENT);
	CHECK_INT(probe_provider_find("p")->prog_type, BPF_PROG_TYPE_PERF_EVENT);
	CHECK(probe_provider_find("t")->has_args && !b->has_args);

	struct arena a = {0};
	probe_target_vec out = {0};
	const char *err = NULL;
	CHECK_INT(b->expand(b, NULL, 0, &a, &out, &err), 0);
	CHECK_INT(out.n, 1);
	CHECK_STR(out.v[0].name, "begin");
	CHECK_STR(b->section(out.v[0].target, &a), "raw_tp");
	CHECK(b->attach == NULL);
	const char *parts[] = {"x"};
	CHECK_INT(e->expand(e, parts, 1, &a, &out, &err), -EINVAL);
	CHECK_STR(err, "end probes should not have a target");

	CHECK(probe_provider_find("nosuch") == NULL);
	CHECK(probe_provider_find("w") == probe_provider_find("watchpoint"));
	const struct probe_provider *kf = probe_provider_find("kfunc");
	CHECK(kf->has_args && kf->args_type && kf->arg_loc); /* fentry: BTF-typed args, per-target argN */

	size_t n = 0;
	for (; probe_providers[n]; n++)
		CHECK(probe_provider_find(probe_providers[n]->name) == probe_providers[n]);
	CHECK_INT(n, 18); /* every provider, self included */
	VEC_FREE(out);
	arena_free(&a);
}

/* ---- interval / profile ---- */

static void expect_timer(const char *prov, const char *p0, const char *p1, const char *name, uint64_t period,
			 bool freq)
{
	const struct probe_provider *p = probe_provider_find(prov);
	struct arena a = {0};
	probe_target_vec out = {0};
	const char *err = NULL;
	const char *parts[] = {p0, p1};
	int ret = p->expand(p, parts, p1 ? 2 : 1, &a, &out, &err);
	CHECK_INT(ret, 0);
	if (ret)
		fprintf(stderr, "  %s:%s:%s -> %s\n", prov, p0, p1 ? p1 : "", err);
	if (!ret && out.n == 1) {
		CHECK_STR(out.v[0].name, name);
		CHECK_INT(out.v[0].period, period);
		CHECK_INT(out.v[0].freq, freq);
		CHECK_STR(p->section(out.v[0].target, &a), "perf_event");
		/* The target plus the provider name gives the name back. */
		char *n = xasprintf("%s:%s", prov, out.v[0].target);
		CHECK_STR(n, name);
		free(n);
	}
	VEC_FREE(out);
	arena_free(&a);
}

static void expect_timer_err(const char *prov, const char *const *parts, int nparts, const char *msg)
{
	const struct probe_provider *p = probe_provider_find(prov);
	struct arena a = {0};
	probe_target_vec out = {0};
	const char *err = NULL;
	CHECK_INT(p->expand(p, parts, nparts, &a, &out, &err), -EINVAL);
	CHECK_STR(err, msg);
	CHECK_INT(out.n, 0);
	VEC_FREE(out);
	arena_free(&a);
}

static void test_timers(void)
{
	const char *provs[] = {"interval", "profile"};
	for (int i = 0; i < 2; i++) {
		const char *pv = provs[i];
		char name[64];
#define N(fmt) (snprintf(name, sizeof(name), "%s:" fmt, pv), name)
		expect_timer(pv, "s", "1", N("s:1"), 1000000000ull, false);
		expect_timer(pv, "ms", "100", N("ms:100"), 100000000ull, false);
		expect_timer(pv, "us", "250", N("us:250"), 250000ull, false);
		expect_timer(pv, "hz", "99", N("hz:99"), 99, true);
		expect_timer(pv, "s", "0x10", N("s:16"), 16000000000ull, false);
		expect_timer(pv, "ms", "1_000", N("ms:1000"), 1000000000ull, false);
		expect_timer(pv, "us", "1e3", N("us:1000"), 1000000ull, false);
		expect_timer(pv, "s", "010", N("s:8"), 8000000000ull, false);
		/* bare numbers: nanoseconds, canonical name in microseconds (as bpftrace prints it) */
		expect_timer(pv, "1000000000", NULL, N("us:1000000"), 1000000000ull, false);
		expect_timer(pv, "1s", NULL, N("us:1000000"), 1000000000ull, false);
		expect_timer(pv, "100ms", NULL, N("us:100000"), 100000000ull, false);
		expect_timer(pv, "5us", NULL, N("us:5"), 5000ull, false);
		expect_timer(pv, "1500ns", NULL, N("us:1"), 1000ull, false);
		expect_timer(pv, "2m", NULL, N("us:120000000"), 120000000000ull, false);
		expect_timer(pv, "1h", NULL, N("us:3600000000"), 3600000000000ull, false);
		expect_timer(pv, "1d", NULL, N("us:86400000000"), 86400000000000ull, false);
		expect_timer(pv, "1e9", NULL, N("us:1000000"), 1000000000ull, false);
		expect_timer(pv, "1000", NULL, N("us:1"), 1000ull, false);
#undef N
		char msg[160];
#define M(fmt, ...) (snprintf(msg, sizeof(msg), fmt, __VA_ARGS__), msg)
		const char *e1[] = {"xs", "1"};
		expect_timer_err(pv, e1, 2, "xs is not an accepted unit of time");
		const char *e2[] = {"s", "0"};
		expect_timer_err(pv, e2, 2, M("%s frequency should be a positive integer", pv));
		const char *e3[] = {"s", "abc"};
		expect_timer_err(pv, e3, 2, M("Invalid rate of %s probe: invalid integer: abc", pv));
		const char *e4[] = {"ms", "10x"};
		expect_timer_err(pv, e4, 2, M("Invalid rate of %s probe: invalid trailing bytes: 10x", pv));
		const char *e5[] = {"s", "1ms"};
		expect_timer_err(pv, e5, 2, M("Invalid rate of %s probe: invalid trailing bytes: 1ms", pv));
		const char *e6[] = {"500"};
		expect_timer_err(pv, e6, 1,
				 M("Invalid rate of %s probe. Minimum is 1000 or 1us. Found: 500 nanoseconds", pv));
		const char *e7[] = {"s", "1", "2"};
		expect_timer_err(pv, e7, 3, M("%s probe type requires 1 or 2 arguments, found 3", pv));
		expect_timer_err(pv, NULL, 0, M("%s probe type requires 1 or 2 arguments, found 0", pv));
		const char *e8[] = {"", "1"};
		expect_timer_err(pv, e8, 2, M("%s probe must have unit of time", pv));
		const char *e9[] = {"-5"};
		expect_timer_err(pv, e9, 1, M("Invalid rate of %s probe: invalid integer: -5", pv));
		const char *e10[] = {"s", "99999999999999999999"};
		expect_timer_err(pv, e10, 2, M("Invalid rate of %s probe: overflow: 99999999999999999999", pv));
		const char *e11[] = {"s", "20000000000"};
		expect_timer_err(pv, e11, 2, M("Invalid rate of %s probe: overflow: 20000000000", pv));
		const char *e12[] = {"hz", "*"};
		expect_timer_err(pv, e12, 2, M("%s probe type does not support wildcards", pv));
		const char *e13[] = {"1x"};
		expect_timer_err(pv, e13, 1, M("Invalid rate of %s probe: invalid trailing bytes: 1x", pv));
#undef M
		const struct probe_provider *p = probe_provider_find(pv);
		struct strbuf sb = {0};
		CHECK_INT(p->list(p, NULL, 0, &sb), 0);
		char want[128];
		snprintf(want, sizeof(want), "%s:hz:\n%s:ms:\n%s:s:\n%s:us:\n", pv, pv, pv, pv);
		CHECK_STR(sb.s, want);
		sb_free(&sb);
	}
}

/* ---- tracepoints through tracefs ---- */

static bool have_tracefs(const char *what)
{
	if (tracefs_root())
		return true;
	char why[160];
	snprintf(why, sizeof(why), "tracefs unavailable (%s)%s", strerror(errno),
		 geteuid() ? "; mounting it needs root" : "");
	skip(what, why);
	return false;
}

static void test_format_live(void)
{
	if (!have_tracefs("format files from tracefs"))
		return;
	CHECK(!strcmp(tracefs_root(), "/sys/kernel/tracing") || !strcmp(tracefs_root(), "/sys/kernel/debug/tracing"));
	CHECK(tracefs_root() == tracefs_root()); /* cached */
	struct type_ctx tc;
	type_ctx_init(&tc);
	const struct probe_provider *p = probe_provider_find("tracepoint");
	struct arena a = {0};
	const char *err = NULL;
	struct type *st = p->args_type(&tc, "syscalls:sys_enter_openat", &err, &a);
	if (!st) {
		skip("syscalls:sys_enter_openat", err ? err : "no such tracepoint");
	} else {
		CHECK_STR(st->name, "_tracepoint_syscalls_sys_enter_openat");
		CHECK_FIELD(st, "filename", 24, "int8 *");
		CHECK_FIELD(st, "dfd", 16, "int32");
		CHECK_FIELD(st, "flags", 32, "int32");
		CHECK_FIELD(st, "mode", 40, "uint16"); /* umode_t */
		CHECK(field(st, "filename")->type->as == AS_USER);
		struct tp_format f;
		CHECK_INT(btf_tp_format_load(&tc, "syscalls", "sys_enter_openat", &f), 0);
		uint32_t id = 0;
		CHECK_INT(btf_tp_event_id("syscalls", "sys_enter_openat", &id), 0);
		CHECK(id != 0 && id == f.id);
	}
	st = p->args_type(&tc, "sched:sched_switch", &err, &a);
	CHECK(st != NULL);
	if (st) {
		CHECK_FIELD(st, "prev_comm", 8, "string[16]");
		CHECK_FIELD(st, "prev_pid", 24, "int32");
		CHECK_FIELD(st, "prev_prio", 28, "int32");
		CHECK_FIELD(st, "prev_state", 32, "int64");
		CHECK_FIELD(st, "next_comm", 40, "string[16]");
		CHECK_FIELD(st, "next_pid", 56, "int32");
		CHECK(field(st, "prev_comm")->type->size == 16);
		CHECK_INT(st->size, 64);
	}
	CHECK(p->args_type(&tc, "sched:no_such_event", &err, &a) == NULL);
	CHECK_STR(err, "tracepoint not found: sched:no_such_event");
	CHECK(p->args_type(&tc, "../x:y", &err, &a) == NULL);
	CHECK_STR(err, "invalid tracepoint name: ../x:y");
	CHECK_STR(p->section("sched:sched_switch", &a), "tracepoint/sched/sched_switch");
	arena_free(&a);
	type_ctx_free(&tc);
}

static int expand(const char *const *parts, int nparts, probe_target_vec *out, const char **err, struct arena *a)
{
	const struct probe_provider *p = probe_provider_find("tracepoint");
	return p->expand(p, parts, nparts, a, out, err);
}

static void test_tracepoint_expand(void)
{
	if (!have_tracefs("tracepoint expansion"))
		return;
	struct arena a = {0};
	probe_target_vec out = {0};
	const char *err = NULL;

	const char *p1[] = {"sched", "sched_switch"};
	CHECK_INT(expand(p1, 2, &out, &err, &a), 0);
	CHECK_INT(out.n, 1);
	CHECK_STR(out.v[0].name, "tracepoint:sched:sched_switch");
	CHECK_STR(out.v[0].target, "sched:sched_switch");
	out.n = 0;

	const char *p2[] = {"sched", "sched_sw*"};
	CHECK_INT(expand(p2, 2, &out, &err, &a), 0);
	CHECK(out.n >= 1);
	bool found = false;
	for (size_t i = 0; i < out.n; i++) {
		found |= !strcmp(out.v[i].name, "tracepoint:sched:sched_switch");
		CHECK(!strncmp(out.v[i].target, "sched:sched_sw", 14));
		if (i)
			CHECK(strcmp(out.v[i - 1].target, out.v[i].target) < 0);
	}
	CHECK(found);
	out.n = 0;

	/* one part with a glob: any subsystem */
	const char *p3[] = {"sched_swi*"};
	CHECK_INT(expand(p3, 1, &out, &err, &a), 0);
	CHECK(out.n >= 1 && !strcmp(out.v[0].name, "tracepoint:sched:sched_switch"));
	out.n = 0;

	const char *p4[] = {"s?hed", "sched_switc?"};
	CHECK_INT(expand(p4, 2, &out, &err, &a), 0);
	CHECK(out.n == 1 && !strcmp(out.v[0].target, "sched:sched_switch"));
	out.n = 0;

	const char *p5[] = {"syscalls", "sys_enter_*"};
	CHECK_INT(expand(p5, 2, &out, &err, &a), 0);
	CHECK(out.n > 100);
	for (size_t i = 1; i < out.n; i++)
		CHECK(strcmp(out.v[i - 1].target, out.v[i].target) < 0);
	out.n = 0;

	const char *e1[] = {"sched", "nope"};
	CHECK_INT(expand(e1, 2, &out, &err, &a), -ENOENT);
	CHECK_STR(err, "tracepoint not found: sched:nope");
	const char *e2[] = {"nope", "sched_switch"};
	CHECK_INT(expand(e2, 2, &out, &err, &a), -ENOENT);
	CHECK_STR(err, "tracepoint not found: nope:sched_switch");
	const char *e3[] = {"sch*", "nope*"};
	CHECK_INT(expand(e3, 2, &out, &err, &a), -ENOENT);
	CHECK_STR(err, "tracepoints not found: sch*:nope*");
	const char *e4[] = {"sched"};
	CHECK_INT(expand(e4, 1, &out, &err, &a), -EINVAL);
	CHECK_STR(err, "tracepoint probe type requires 2 arguments, found 1");
	const char *e5[] = {"a", "b", "c"};
	CHECK_INT(expand(e5, 3, &out, &err, &a), -EINVAL);
	CHECK_STR(err, "tracepoint probe type requires 2 arguments, found 3");
	const char *e6[] = {"..", "sched"};
	CHECK_INT(expand(e6, 2, &out, &err, &a), -ENOENT);
	const char *e7[] = {"ftrace", "function"}; /* not attachable, not listed by bpftrace */
	CHECK_INT(expand(e7, 2, &out, &err, &a), -ENOENT);
	CHECK_INT(out.n, 0);

	/* listing */
	const struct probe_provider *p = probe_provider_find("tracepoint");
	struct strbuf sb = {0};
	const char *l1[] = {"sched", "sched_switch"};
	CHECK_INT(p->list(p, l1, 2, &sb), 0);
	CHECK_STR(sb.s, "tracepoint:sched:sched_switch\n");
	sb_reset(&sb);
	const char *l2[] = {"*sched_swi*"};
	CHECK_INT(p->list(p, l2, 1, &sb), 0);
	CHECK(sb.s && strstr(sb.s, "tracepoint:sched:sched_switch\n"));
	sb_reset(&sb);
	uint64_t t0 = now_ns();
	CHECK_INT(p->list(p, NULL, 0, &sb), 0);
	uint64_t t1 = now_ns();
	size_t lines = 0;
	for (const char *s = sb.s; s && *s; s++)
		lines += *s == '\n';
	printf("listing tracepoint:* : %zu lines in %.2f ms\n", lines, (t1 - t0) / 1e6);
	CHECK(lines > 100);
	CHECK(!strstr(sb.s, "tracepoint:ftrace:"));
	/* sorted, no duplicates */
	for (char *s = sb.s, *prev = NULL; *s;) {
		char *nl = strchr(s, '\n');
		*nl = 0;
		if (prev)
			CHECK(strcmp(prev, s) < 0);
		prev = s;
		s = nl + 1;
	}
	sb_free(&sb);
	VEC_FREE(out);
	arena_free(&a);
}

/* ---- attaching real programs (root) ---- */

/* A minimal relocatable BPF ELF with one program "prog" (r0 = 0; exit) in section `sec` and a GPL
 * license, enough for bpf_object__open_mem. Caller frees. */
static void *make_bpf_elf(const char *sec, size_t *len)
{
	static const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	static const char license[] = "GPL";
	struct strbuf strs = {0};
	sb_putc(&strs, 0);
	size_t n_sec = strs.len;
	sb_puts(&strs, sec);
	sb_putc(&strs, 0);
	size_t n_lic = strs.len;
	sb_puts(&strs, "license");
	sb_putc(&strs, 0);
	size_t n_str = strs.len;
	sb_puts(&strs, ".strtab");
	sb_putc(&strs, 0);
	size_t n_sym = strs.len;
	sb_puts(&strs, ".symtab");
	sb_putc(&strs, 0);
	size_t n_prog = strs.len;
	sb_puts(&strs, "prog");
	sb_putc(&strs, 0);

	Elf64_Sym syms[2] = {{0},
			     {.st_name = (Elf64_Word)n_prog,
			      .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
			      .st_shndx = 1,
			      .st_size = sizeof(insns)}};
	size_t off_insns = sizeof(Elf64_Ehdr);
	size_t off_lic = off_insns + sizeof(insns);
	size_t off_str = off_lic + sizeof(license);
	size_t off_sym = (off_str + strs.len + 7) & ~(size_t)7;
	size_t off_sh = off_sym + sizeof(syms);
	size_t total = off_sh + 5 * sizeof(Elf64_Shdr);
	unsigned char *buf = xcalloc(1, total);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_REL;
	eh->e_machine = EM_BPF;
	eh->e_version = EV_CURRENT;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_shoff = off_sh;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = 5;
	eh->e_shstrndx = 3;
	memcpy(buf + off_insns, insns, sizeof(insns));
	memcpy(buf + off_lic, license, sizeof(license));
	memcpy(buf + off_str, strs.s, strs.len);
	memcpy(buf + off_sym, syms, sizeof(syms));
	Elf64_Shdr *sh = (Elf64_Shdr *)(buf + off_sh);
	sh[1] = (Elf64_Shdr){.sh_name = (Elf64_Word)n_sec, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
			     .sh_offset = off_insns, .sh_size = sizeof(insns), .sh_addralign = 8};
	sh[2] = (Elf64_Shdr){.sh_name = (Elf64_Word)n_lic, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC | SHF_WRITE,
			     .sh_offset = off_lic, .sh_size = sizeof(license), .sh_addralign = 1};
	sh[3] = (Elf64_Shdr){.sh_name = (Elf64_Word)n_str, .sh_type = SHT_STRTAB, .sh_offset = off_str,
			     .sh_size = strs.len, .sh_addralign = 1};
	sh[4] = (Elf64_Shdr){.sh_name = (Elf64_Word)n_sym, .sh_type = SHT_SYMTAB, .sh_offset = off_sym,
			     .sh_size = sizeof(syms), .sh_link = 3, .sh_info = 1, .sh_addralign = 8,
			     .sh_entsize = sizeof(Elf64_Sym)};
	sb_free(&strs);
	*len = total;
	return buf;
}

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (getenv("SCRY_TEST_VERBOSE"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/* Open and load a one-program object for a section; NULL (and a SKIP/CHECK) on failure. */
static struct bpf_object *load_prog(const char *sec, struct bpf_program **prog)
{
	size_t len;
	void *elf = make_bpf_elf(sec, &len);
	struct bpf_object *obj = bpf_object__open_mem(elf, len, NULL);
	free(elf);
	CHECK(obj != NULL);
	if (!obj)
		return NULL;
	int ret = bpf_object__load(obj);
	CHECK_INT(ret, 0);
	if (ret) {
		bpf_object__close(obj);
		return NULL;
	}
	*prog = bpf_object__next_program(obj, NULL);
	return obj;
}

static void test_attach(void)
{
	if (geteuid() != 0) {
		skip("attaching programs", "needs root");
		return;
	}
	if (!have_tracefs("attaching tracepoints"))
		return;
	libbpf_set_print(quiet_libbpf);
	struct arena a = {0};
	const char *err = NULL;
	char *aerr = NULL;

	/* begin: the raw_tp section loads and runs with test_run */
	struct bpf_program *prog;
	const struct probe_provider *b = probe_provider_find("begin");
	struct bpf_object *obj = load_prog(b->section("begin", &a), &prog);
	if (obj) {
		CHECK_INT(bpf_program__type(prog), BPF_PROG_TYPE_RAW_TRACEPOINT);
		LIBBPF_OPTS(bpf_test_run_opts, opts);
		CHECK_INT(bpf_prog_test_run_opts(bpf_program__fd(prog), &opts), 0);
		bpf_object__close(obj);
	}

	/* tracepoints */
	const struct probe_provider *tp = probe_provider_find("tracepoint");
	probe_target_vec targets = {0};
	const char *parts[] = {"sched", "sched_switch"};
	CHECK_INT(tp->expand(tp, parts, 2, &a, &targets, &err), 0);
	obj = load_prog(tp->section("sched:sched_switch", &a), &prog);
	if (obj && targets.n == 1) {
		CHECK_INT(bpf_program__type(prog), BPF_PROG_TYPE_TRACEPOINT);
		struct probe_links links = {0};
		struct res_probe rp = {.prov = tp, .name = targets.v[0].name, .target = targets.v[0].target};
		int ret = tp->attach(prog, &rp, &links, &aerr);
		CHECK_INT(ret, 0);
		if (ret)
			fprintf(stderr, "  attach: %s\n", aerr);
		CHECK_INT(links.v.n, 1);
		CHECK(links.v.n == 1 && links.v.v[0].perf_fd >= 0 && links.v.v[0].link);
		probe_links_disable(&links);
		probe_links_destroy(&links);
		CHECK_INT(links.v.n, 0);
		struct res_probe bad = {.prov = tp, .name = "tracepoint:sched:nope", .target = "sched:nope"};
		free(aerr);
		aerr = NULL;
		CHECK_INT(tp->attach(prog, &bad, &links, &aerr), -ENOENT);
		CHECK_STR(aerr, "cannot attach tracepoint:sched:nope: tracepoint not found");
		free(aerr);
		aerr = NULL;
		CHECK_INT(links.v.n, 0);
	}
	if (obj)
		bpf_object__close(obj);

	/* interval and profile: one event vs one per online CPU */
	int ncpu = 0;
	{
		char *online = read_file("/sys/devices/system/cpu/online", NULL);
		CHECK(online != NULL);
		for (char *s = online; s && *s && *s != '\n';) {
			long lo = strtol(s, &s, 10), hi = lo;
			if (*s == '-')
				hi = strtol(s + 1, &s, 10);
			ncpu += (int)(hi - lo + 1);
			if (*s == ',')
				s++;
		}
		free(online);
	}
	const char *provs[] = {"interval", "profile"};
	for (int i = 0; i < 2; i++) {
		const struct probe_provider *p = probe_provider_find(provs[i]);
		obj = load_prog(p->section("hz:99", &a), &prog);
		if (!obj)
			continue;
		CHECK_INT(bpf_program__type(prog), BPF_PROG_TYPE_PERF_EVENT);
		const char *specs[][2] = {{"hz", "99"}, {"ms", "10"}};
		for (int j = 0; j < 2; j++) {
			probe_target_vec t = {0};
			CHECK_INT(p->expand(p, specs[j], 2, &a, &t, &err), 0);
			struct res_probe rp = {.prov = p, .name = t.v[0].name, .target = t.v[0].target,
					       .period = t.v[0].period, .freq = t.v[0].freq};
			struct probe_links links = {0};
			int ret = p->attach(prog, &rp, &links, &aerr);
			CHECK_INT(ret, 0);
			if (ret)
				fprintf(stderr, "  attach %s: %s\n", rp.name, aerr);
			free(aerr);
			aerr = NULL;
			CHECK_INT(links.v.n, i == 0 ? 1 : ncpu);
			probe_links_disable(&links);
			probe_links_destroy(&links);
			VEC_FREE(t);
		}
		bpf_object__close(obj);
	}
	VEC_FREE(targets);
	arena_free(&a);
}

/* SCRY_BENCH=1: serial vs parallel teardown of N tracepoint links. */
static void bench_detach(void)
{
	if (!getenv("SCRY_BENCH") || geteuid() != 0 || !tracefs_root())
		return;
	libbpf_set_print(quiet_libbpf);
	struct arena a = {0};
	const char *err = NULL;
	char *aerr = NULL;
	const struct probe_provider *tp = probe_provider_find("tracepoint");
	probe_target_vec targets = {0};
	const char *parts[] = {"syscalls", "sys_enter_*"};
	if (tp->expand(tp, parts, 2, &a, &targets, &err))
		return;
	struct bpf_program *prog;
	struct bpf_object *obj = load_prog("tracepoint/syscalls/x", &prog);
	if (!obj)
		return;
	int counts[] = {8, 16};
	for (int c = 0; c < 2; c++) {
		size_t n = (size_t)counts[c];
		for (int mode = 0; mode < 2; mode++) {
			struct probe_links links = {0};
			for (size_t i = 0; i < n && i < targets.n; i++) {
				struct res_probe rp = {.prov = tp, .name = targets.v[i].name, .target = targets.v[i].target};
				if (tp->attach(prog, &rp, &links, &aerr)) {
					fprintf(stderr, "bench attach: %s\n", aerr);
					free(aerr);
					aerr = NULL;
				}
			}
			probe_links_disable(&links);
			uint64_t t0 = now_ns();
			if (mode == 0) {
				for (size_t i = 0; i < links.v.n; i++) {
					struct probe_links one = {0};
					VEC_PUSH(one.v, links.v.v[i]);
					probe_links_destroy(&one);
				}
				VEC_FREE(links.v);
			} else {
				probe_links_destroy(&links);
			}
			printf("detach %zu tracepoint links %s: %.1f ms\n", n, mode ? "parallel" : "serial",
			       (now_ns() - t0) / 1e6);
		}
	}
	bpf_object__close(obj);
	VEC_FREE(targets);
	arena_free(&a);
}

int main(void)
{
	test_format_text();
	test_registry();
	test_timers();
	test_format_live();
	test_tracepoint_expand();
	test_attach();
	bench_detach();
	int ret = check_done();
	if (ret == 0 && skipped)
		return 77;
	return ret;
}

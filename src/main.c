/* scry: command line. The only place that calls exit(). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "driver.h"
#include "util/util.h"

#ifndef SCRY_VERSION
#define SCRY_VERSION "0.0.0"
#endif

static void usage(FILE *f)
{
	fputs("USAGE:\n"
	      "    scry [options] filename [arg ...]\n"
	      "    scry [options] - [arg ...]        (program on standard input)\n"
	      "    scry [options] -e 'program' [arg ...]\n"
	      "\n"
	      "OPTIONS:\n"
	      "    -e PROGRAM        run PROGRAM\n"
	      "    -l [SEARCH]       list probes matching SEARCH (e.g. 'tracepoint:sched:*'); with a\n"
	      "                      program, list the probes it would attach\n"
	      "    -o, --output FILE write the script's output to FILE\n"
	      "    -B MODE           output buffering: line (default), full, none\n"
	      "    -f FORMAT         output format: text (default), json (one JSON object per line) or\n"
	      "                      folded (maps keyed by stacks as folded lines for flame graphs)\n"
	      "    -q, --quiet       no informational messages (e.g. \"Attached N probes\")\n"
	      "    -p, --pid PID     trace process PID only (other probes get an implicit pid filter);\n"
	      "                      exit when it exits\n"
	      "    -c, --cmd CMD     run CMD (started once every probe is attached), trace it (cpid),\n"
	      "                      exit when it exits\n"
	      "    -v, --verbose     verbose messages (libbpf's too); -vv for debug messages\n"
	      "    -d, --debug STAGE dump a stage: ast, types, ir, ir-opt, elf, verifier, all\n"
	      "                      (comma-separated or repeated)\n"
	      "    --dry-run         compile, load and attach, then exit without running\n"
	      "    --unsafe          allow functions that change the system (system())\n"
	      "    --emit-elf FILE   write the compiled BPF object to FILE and exit\n"
	      "    --stop-after STAGE  stop after parse, sema or codegen (for tests)\n"
	      "    -h, --help        show this help\n"
	      "    -V, --version     show the version\n"
	      "\n"
	      "ARGUMENTS after the program are the positional parameters $1, $2, ... ($# counts them).\n"
	      "\n"
	      "EXAMPLES:\n"
	      "    scry -l 'tracepoint:syscalls:sys_enter_*'\n"
	      "    scry -e 'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }'\n"
	      "    scry -e 'tracepoint:syscalls:sys_exit_read /args.ret > 0/ { @bytes = hist(args.ret); }'\n",
	      f);
}

static int parse_dumps(const char *arg, unsigned *dumps)
{
	static const struct {
		const char *name;
		unsigned bits;
	} names[] = {{"ast", DUMP_AST},        {"types", DUMP_TYPES},       {"ir", DUMP_IR},
		     {"codegen", DUMP_IR},     {"ir-opt", DUMP_IR_OPT},     {"codegen-opt", DUMP_IR_OPT},
		     {"elf", DUMP_ELF},        {"verifier", DUMP_VERIFIER}, {"sema", DUMP_TYPES},
		     {"all", DUMP_AST | DUMP_TYPES | DUMP_IR | DUMP_IR_OPT | DUMP_ELF | DUMP_VERIFIER}};
	char *copy = xstrdup(arg);
	int rc = 0;
	for (char *tok = copy, *save = NULL; (tok = strtok_r(tok, ",", &save)); tok = NULL) {
		size_t i;
		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (!strcmp(tok, names[i].name))
				break;
		if (i == ARRAY_SIZE(names)) {
			fprintf(stderr, "ERROR: unknown debug stage '%s' (expected ast, types, ir, ir-opt, elf, "
					"verifier or all)\n",
				tok);
			rc = -1;
			break;
		}
		*dumps |= names[i].bits;
	}
	free(copy);
	return rc;
}

/* A readable path holding the program text, for BTF line info: the script file itself, or a
 * memfd for -e and standard input. */
static char *text_path(const char *text, size_t len)
{
	int fd = memfd_create("scry-script", 0);
	if (fd < 0)
		return NULL;
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n <= 0) {
			close(fd);
			return NULL;
		}
		off += (size_t)n;
	}
	return xasprintf("/proc/self/fd/%d", fd);
}

int main(int argc, char **argv)
{
	enum { OPT_DRY_RUN = 256, OPT_EMIT_ELF, OPT_STOP_AFTER, OPT_UNSAFE };
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"output", required_argument, NULL, 'o'},
		{"debug", required_argument, NULL, 'd'},
		{"list", no_argument, NULL, 'l'},
		{"dry-run", no_argument, NULL, OPT_DRY_RUN},
		{"unsafe", no_argument, NULL, OPT_UNSAFE},
		{"pid", required_argument, NULL, 'p'},
		{"cmd", required_argument, NULL, 'c'},
		{"emit-elf", required_argument, NULL, OPT_EMIT_ELF},
		{"stop-after", required_argument, NULL, OPT_STOP_AFTER},
		{NULL, 0, NULL, 0},
	};
	struct driver_opts o = {.stop_after = STAGE_RUN, .out = stdout};
	const char *prog_text = NULL, *out_path = NULL;
	bool list = false;
	int c;
	while ((c = getopt_long(argc, argv, "+e:hVvqo:d:lB:f:p:c:", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			prog_text = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("scry v%s\n", SCRY_VERSION);
			return 0;
		case 'v':
			o.verbose++;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'd':
			if (parse_dumps(optarg, &o.dumps))
				return 1;
			break;
		case 'l':
			list = true;
			break;
		case 'B':
			if (!strcmp(optarg, "line"))
				o.buffering = 0;
			else if (!strcmp(optarg, "full"))
				o.buffering = 1;
			else if (!strcmp(optarg, "none"))
				o.buffering = 2;
			else {
				fprintf(stderr, "ERROR: -B expects line, full or none, not '%s'\n", optarg);
				return 1;
			}
			break;
		case 'f':
			if (!strcmp(optarg, "text"))
				o.format = 0;
			else if (!strcmp(optarg, "json"))
				o.format = 1;
			else if (!strcmp(optarg, "folded"))
				o.format = 2;
			else {
				fprintf(stderr, "ERROR: Invalid output format \"%s\"\nValid formats: 'text', 'json', 'folded'\n",
					optarg);
				return 1;
			}
			break;
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v <= 0 || v > 0x3fffffff) {
				fprintf(stderr, "ERROR: -p expects a process id, not '%s'\n", optarg);
				return 1;
			}
			if (kill((pid_t)v, 0) && errno == ESRCH) {
				fprintf(stderr, "ERROR: -p %ld: no such process\n", v);
				return 1;
			}
			o.target_pid = (int)v;
			break;
		}
		case 'c':
			o.cmd = optarg;
			break;
		case OPT_UNSAFE:
			o.unsafe = true;
			break;
		case OPT_DRY_RUN:
			o.dry_run = true;
			break;
		case OPT_EMIT_ELF:
			o.emit_elf = optarg;
			break;
		case OPT_STOP_AFTER:
			if (!strcmp(optarg, "parse"))
				o.stop_after = STAGE_PARSE;
			else if (!strcmp(optarg, "sema"))
				o.stop_after = STAGE_SEMA;
			else if (!strcmp(optarg, "codegen"))
				o.stop_after = STAGE_CODEGEN;
			else {
				fprintf(stderr, "ERROR: --stop-after expects parse, sema or codegen\n");
				return 1;
			}
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	int argi = optind;
	if (o.cmd && o.target_pid) {
		fprintf(stderr, "ERROR: -p and -c cannot be used together\n");
		return 1;
	}
	if (list && !prog_text) {
		if (argc - argi > 1) {
			fprintf(stderr, "ERROR: -l takes at most one search pattern\n");
			return 1;
		}
		return driver_list(argi < argc ? argv[argi] : NULL, stdout, o.verbose > 0);
	}

	char *text = NULL, *path = NULL;
	size_t len = 0;
	if (prog_text) {
		text = xstrdup(prog_text);
		len = strlen(text);
		o.name = "stdin";
		path = text_path(text, len);
	} else if (argi < argc) {
		const char *file = argv[argi++];
		if (!strcmp(file, "-")) {
			text = read_file("/dev/stdin", &len);
			o.name = "stdin";
			if (text)
				path = text_path(text, len);
		} else {
			text = read_file(file, &len);
			int err = errno;
			o.name = file;
			path = realpath(file, NULL);
			errno = err; /* realpath() may change it even when it succeeds */
		}
		if (!text) {
			fprintf(stderr, "ERROR: failed to open %s: %s\n", file, strerror(errno));
			free(path);
			return 1;
		}
	} else {
		usage(stderr);
		return 1;
	}
	o.text = text;
	o.len = len;
	o.path = path;
	o.params = (const char *const *)argv + argi;
	o.nparams = argc - argi;
	o.list = list;
	if (out_path) {
		o.out = fopen(out_path, "w");
		if (!o.out) {
			fprintf(stderr, "ERROR: cannot open %s for writing: %s\n", out_path, strerror(errno));
			free(text);
			free(path);
			return 1;
		}
	}
	int status = driver_run(&o);
	if (out_path && fclose(o.out) != 0 && status == 0) {
		fprintf(stderr, "ERROR: writing %s failed: %s\n", out_path, strerror(errno));
		status = 1;
	}
	free(text);
	free(path);
	fflush(stdout);
	exit(status);
}

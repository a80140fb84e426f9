/* driver: runs the pipeline in order (parse, sema, codegen, runtime) for one script, renders the
 * diagnostics of each stage and stops after a stage that produced errors. main.c fills the options
 * from the command line; the driver owns everything it creates and frees it before returning. */
#ifndef SCRY_DRIVER_H
#define SCRY_DRIVER_H
#include <stdbool.h>
#include <stdio.h>

enum driver_stage { STAGE_PARSE, STAGE_SEMA, STAGE_CODEGEN, STAGE_RUN };

enum { DUMP_AST = 1, DUMP_TYPES = 2, DUMP_IR = 4, DUMP_IR_OPT = 8, DUMP_ELF = 16, DUMP_VERIFIER = 32 };

struct driver_opts {
	const char *name;      /* "stdin" for -e and -, else the script's path */
	const char *text;      /* the script */
	size_t len;
	const char *path;      /* readable file with the script (for BTF line info), or NULL */
	const char *const *params;
	int nparams;
	enum driver_stage stop_after;
	unsigned dumps;        /* DUMP_* */
	const char *emit_elf;  /* write the BPF object here, or NULL */
	bool list;             /* -l with a program: list the probes it would attach */
	bool quiet;
	int verbose;
	bool dry_run;
	FILE *out;             /* script output */
	int buffering;         /* enum output_buffering */
	int format;            /* enum output_format (-f text|json|folded) */
	int target_pid;        /* -p PID, or 0 */
	const char *cmd;       /* -c CMD, or NULL */
	bool unsafe;           /* --unsafe */
};

/* Returns the process exit status: 0, 1 on any error, or the code given to exit(). */
int driver_run(const struct driver_opts *o);

/* -l [SEARCH]: print matching probes, sorted; with verbose (-lv) each probe's arguments too.
 * Returns the exit status. */
int driver_list(const char *search, FILE *out, bool verbose);
#endif

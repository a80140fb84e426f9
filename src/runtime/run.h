/* run: the runtime's entry point. Loads a compiled BPF object, attaches every probe through its
 * provider, runs begin probes, streams events until exit()/SIGINT/SIGTERM, then stops the data,
 * runs end probes, prints the maps and detaches everything. It owns every kernel object it creates
 * and releases all of them before returning, on success and on error. */
#ifndef SCRY_RUN_H
#define SCRY_RUN_H
#include <stdbool.h>
#include <stdio.h>

#include "diag/diag.h"
#include "runtime/output.h"
#include "sema/resources.h"

struct rt_opts {
	FILE *out;                      /* script output (stdout or -o FILE) */
	enum output_buffering buffering;
	enum output_format format;      /* -f text|json|folded */
	bool quiet;                     /* -q: no "Attached N probes" */
	int verbose;                    /* -v: libbpf messages on stderr */
	bool dump_verifier;             /* -d verifier: print every program's verifier log */
	bool print_maps_on_exit;
	const char *str_trailer;        /* marks truncated strings (config str_trunc_trailer) */
	int missing_probes;             /* attach failure: 0 error, 1 warn and go on, 2 go on silently */
	unsigned long max_cat_bytes;    /* cat(): bytes printed at most (config max_cat_bytes) */
	const char *src_path;           /* file named in BTF line info (to map verifier errors back) */
	bool dry_run;                   /* load and attach, then detach without running */
	int target_pid;                 /* -p: stop when this process exits (0: none) */
	int child_pid;                  /* -c: the child; stop when it exits (0: none) */
	int child_gate;                 /* -c: write a byte here to let the child exec (-1: none) */
};

/* Runs the object. Returns 0 and sets *exit_code (0, or the code given to exit()), or -errno after
 * adding diagnostics to dl (errors that have a script location carry it). */
int rt_run(const struct resources *res, const void *elf, size_t elf_size, const struct rt_opts *o,
	   int *exit_code, struct diag_list *dl);

/* The newest BPF ISA this kernel accepts: "v4" or "v3" (probed once with a tiny program). */
const char *rt_probe_cpu(void);

/* Raise RLIMIT_MEMLOCK if allowed; returns false (harmless on memcg-accounting kernels) if not. */
bool rt_raise_memlock(void);
#endif

/* userbin: the binaries a uprobe or usdt attach point names (shared by both providers). */
#ifndef SCRY_PROBES_USERBIN_H
#define SCRY_PROBES_USERBIN_H
#include "util/util.h"

struct user_bin {
	char *display; /* as written when absolute (bpftrace prints /bin/bash, not /usr/bin/bash); else resolved */
	char *path;    /* absolute path */
};
typedef VEC(struct user_bin) user_bin_vec;

/* BIN -> files: an absolute path with a glob matches regular files (each file once, even when
 * several names link to it); anything else goes through btf_elf_resolve. Returns 0, or -errno
 * with *err (malloc'ed) set. */
int user_bins_resolve(const char *bin, user_bin_vec *out, char **err);
void user_bins_free(user_bin_vec *v);

#endif

#include "probes/userbin.h"

#include <errno.h>
#include <glob.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "btf/elfsym.h"

void user_bins_free(user_bin_vec *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].display);
		free(v->v[i].path);
	}
	VEC_FREE(*v);
}

int user_bins_resolve(const char *bin, user_bin_vec *out, char **err)
{
	if (bin[0] == '/' && has_glob(bin)) {
		glob_t g;
		int r = glob(bin, 0, NULL, &g);
		/* symlinks (libfoo.so.1 -> libfoo.so.1.2.3) would probe one file twice: keep the first name */
		VEC(struct stat) seen = {0};
		for (size_t i = 0; r == 0 && i < g.gl_pathc; i++) {
			struct stat st;
			if (stat(g.gl_pathv[i], &st) || !S_ISREG(st.st_mode))
				continue;
			bool dup = false;
			for (size_t j = 0; j < seen.n && !dup; j++)
				dup = seen.v[j].st_dev == st.st_dev && seen.v[j].st_ino == st.st_ino;
			if (dup)
				continue;
			VEC_PUSH(seen, st);
			struct user_bin b = {xstrdup(g.gl_pathv[i]), xstrdup(g.gl_pathv[i])};
			VEC_PUSH(*out, b);
		}
		VEC_FREE(seen);
		globfree(&g);
		if (!out->n) {
			*err = xasprintf("file '%s' matches no file", bin);
			return -ENOENT;
		}
		return 0;
	}
	char *path;
	int ret = btf_elf_resolve(bin, &path, err);
	if (ret)
		return ret;
	struct user_bin b = {xstrdup(bin[0] == '/' ? bin : path), path};
	VEC_PUSH(*out, b);
	return 0;
}

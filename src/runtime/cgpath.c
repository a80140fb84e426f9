/* cgroup_path(): find the directory of a cgroup id (its inode number) under each cgroup mount. */
#define _GNU_SOURCE
#include "runtime/cgpath.h"

#include <fnmatch.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct hierarchy {
	char name[64];
	char mount[256];
};

static struct hierarchy *hier;
static size_t nhier;
static int loaded;

/* the names of v1 controllers, from /proc/cgroups */
static bool is_controller(const char *name)
{
	static char *list;
	if (!list) {
		size_t len = 0;
		list = read_file("/proc/cgroups", &len);
		if (!list)
			list = strdup("");
	}
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		const char *end = strchr(p, '\n');
		if (*p != '#' && !strncmp(p, name, n) && (p[n] == '\t' || p[n] == ' '))
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

static void add_hierarchy(const char *name, const char *mount)
{
	for (size_t i = 0; i < nhier; i++)
		if (!strcmp(hier[i].name, name))
			return; /* a hierarchy mounted twice: the first mount */
	struct hierarchy *h = realloc(hier, (nhier + 1) * sizeof(*h));
	if (!h)
		return;
	hier = h;
	snprintf(hier[nhier].name, sizeof(hier[nhier].name), "%s", name);
	snprintf(hier[nhier].mount, sizeof(hier[nhier].mount), "%s", mount);
	nhier++;
}

static int hier_cmp(const void *a, const void *b)
{
	const struct hierarchy *x = a, *y = b;
	bool ux = !strcmp(x->name, "unified"), uy = !strcmp(y->name, "unified");
	if (ux != uy)
		return ux ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* cgroup mounts from /proc/self/mountinfo: "... MOUNTPOINT ... - FSTYPE SOURCE SUPEROPTS" */
static void load_hierarchies(void)
{
	loaded = 1;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		char mnt[256], fstype[32], opts[1024];
		const char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %*s %255s", mnt) != 1 ||
		    sscanf(dash + 3, "%31s %*s %1023s", fstype, opts) != 2)
			continue;
		if (!strcmp(fstype, "cgroup2")) {
			add_hierarchy("unified", mnt);
			continue;
		}
		if (strcmp(fstype, "cgroup"))
			continue;
		for (char *o = opts, *save = NULL; (o = strtok_r(o, ",", &save)); o = NULL) {
			if (!strncmp(o, "name=", 5))
				add_hierarchy(o + 5, mnt);
			else if (is_controller(o))
				add_hierarchy(o, mnt);
		}
	}
	fclose(f);
	if (nhier)
		qsort(hier, nhier, sizeof(*hier), hier_cmp);
}

/* nftw has no user pointer: the search's target and result */
static uint64_t want_ino;
static char found[4096];

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_D || (uint64_t)st->st_ino != want_ino)
		return 0;
	snprintf(found, sizeof(found), "%s", path);
	return 1;
}

#define CACHE_SIZE 64
static struct {
	uint64_t id;
	char *filter;
	char *path;
} cache[CACHE_SIZE];
static size_t cache_next;

void rt_cgroup_path(uint64_t id, const char *filter, struct strbuf *out)
{
	for (size_t i = 0; i < CACHE_SIZE; i++)
		if (cache[i].path && cache[i].id == id &&
		    !strcmp(cache[i].filter ? cache[i].filter : "", filter ? filter : "")) {
			sb_puts(out, cache[i].path);
			return;
		}
	if (!loaded)
		load_hierarchies();
	struct strbuf sb = {0};
	for (size_t i = 0; i < nhier; i++) {
		if (filter && fnmatch(filter, hier[i].name, 0))
			continue;
		want_ino = id;
		found[0] = 0;
		if (nftw(hier[i].mount, visit, 16, FTW_PHYS | FTW_MOUNT) != 1)
			continue;
		const char *rel = found + strlen(hier[i].mount);
		sb_printf(&sb, "%s%s:%s", sb.len ? "," : "", hier[i].name, *rel ? rel : "/");
	}
	sb_puts(out, sb.s ? sb.s : "");
	size_t c = cache_next++ % CACHE_SIZE;
	free(cache[c].filter);
	free(cache[c].path);
	cache[c].id = id;
	cache[c].filter = filter ? strdup(filter) : NULL;
	cache[c].path = sb.s ? sb_steal(&sb) : strdup("");
}

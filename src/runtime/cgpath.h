/* cgroup_path(id[, filter]): a cgroup id turned into its path in every mounted cgroup
 * hierarchy, at print time. */
#ifndef SCRY_RUNTIME_CGPATH_H
#define SCRY_RUNTIME_CGPATH_H
#include <stdint.h>

#include "util/util.h"

/* "unified:/a/b,cpu:/,..." — the hierarchies (cgroup2 is "unified", v1 ones are named by their
 * controllers or name=) whose name matches the glob `filter` (NULL: all), "unified" first, then
 * by name; in each, the directory whose inode number is `id`. Hierarchies without one are left
 * out. Results are cached per (id, filter). */
void rt_cgroup_path(uint64_t id, const char *filter, struct strbuf *out);

#endif

/* tracefs: find (or mount) tracefs once per process. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

#include "btf/tpformat.h"

static const char *tracefs_path;
static int tracefs_errno;
static pthread_once_t tracefs_once = PTHREAD_ONCE_INIT;

static bool has_events(const char *root)
{
	char path[64];
	int n = snprintf(path, sizeof(path), "%s/events", root);
	return n > 0 && (size_t)n < sizeof(path) && access(path, F_OK) == 0;
}

static void tracefs_find(void)
{
	static const char *const candidates[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++)
		if (has_events(candidates[i])) {
			tracefs_path = candidates[i];
			return;
		}
	/* Nothing mounted: mount tracefs at its standard place. EBUSY means someone mounted it there
	 * since we looked; check again either way. */
	if (mount("nodev", candidates[0], "tracefs", 0, NULL) == 0 || errno == EBUSY) {
		if (has_events(candidates[0])) {
			tracefs_path = candidates[0];
			return;
		}
		tracefs_errno = ENOENT;
		return;
	}
	tracefs_errno = errno ? errno : ENODEV;
}

const char *btf_tracefs_root(void)
{
	pthread_once(&tracefs_once, tracefs_find);
	if (!tracefs_path)
		errno = tracefs_errno;
	return tracefs_path;
}

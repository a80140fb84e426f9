#include "ast/builtins.h"

#include <string.h>

static const struct builtin_info infos[BI_COUNT_] = {
	[BI_NONE] = {"", BK_VAR, 0, 0, false},
#define X(id, nm, k, mn, mx, impl) [BI_##id] = {nm, k, mn, mx, impl},
	BUILTIN_LIST(X)
#undef X
};

int builtin_argn(const char *name)
{
	if (strncmp(name, "arg", 3) || !name[3] || (name[3] == '0' && name[4]))
		return -1;
	int n = 0;
	for (const char *p = name + 3; *p; p++) {
		if (*p < '0' || *p > '9' || n > 100000)
			return -1;
		n = n * 10 + (*p - '0');
	}
	return n;
}

enum builtin_id builtin_lookup(const char *name)
{
	if (builtin_argn(name) >= 0)
		return BI_ARGN;
	for (int i = 1; i < BI_COUNT_; i++)
		if (!strcmp(infos[i].name, name))
			return (enum builtin_id)i;
	return BI_NONE;
}

const struct builtin_info *builtin_info(enum builtin_id id) { return &infos[id < BI_COUNT_ ? id : BI_NONE]; }

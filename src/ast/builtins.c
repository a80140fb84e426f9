#include "ast/builtins.h"

#include <string.h>

static const struct builtin_info infos[BI_COUNT_] = {
	[BI_NONE] = {"", BK_VAR, 0, 0, false},
#define X(id, nm, k, mn, mx, impl) [BI_##id] = {nm, k, mn, mx, impl},
	BUILTIN_LIST(X)
#undef X
};

enum builtin_id builtin_lookup(const char *name)
{
	for (int i = 1; i < BI_COUNT_; i++)
		if (!strcmp(infos[i].name, name))
			return (enum builtin_id)i;
	return BI_NONE;
}

const struct builtin_info *builtin_info(enum builtin_id id) { return &infos[id < BI_COUNT_ ? id : BI_NONE]; }

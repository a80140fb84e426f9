#include "sema/resources.h"

#include <string.h>

void resources_init(struct resources *r) { memset(r, 0, sizeof(*r)); }

void resources_free(struct resources *r)
{
	VEC_FREE(r->maps);
	VEC_FREE(r->fmts);
	VEC_FREE(r->probes);
	arena_free(&r->arena);
}

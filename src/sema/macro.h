/* macro: expands user macros in place before typing (see macro.c). New nodes come from the arena
 * passed in, which must outlive the AST's users. */
#ifndef SCRY_MACRO_H
#define SCRY_MACRO_H
#include "ast/ast.h"

/* Returns 0, or -EINVAL after adding located errors (wrong argument count, recursion...). */
int macro_expand(struct ast_node *prog, struct arena *a, struct diag_list *dl);
#endif

/* parse: source text -> AST. The only public entry point of src/parser. Nodes and their strings are
 * allocated from the caller's arena and live as long as it does; diagnostics go to the caller's list. */
#ifndef SCRY_PARSE_H
#define SCRY_PARSE_H
#include "ast/ast.h"
#include "diag/diag.h"
#include "util/util.h"

/* Parse the whole of `src` into an AST_PROGRAM. Returns 0, or -EINVAL when it added error diagnostics
 * to `dl` (several syntax errors may be reported in one run); *out is set in both cases to whatever
 * was recovered (possibly NULL). A C preamble (#include, #define, struct/union/enum definitions) is
 * kept verbatim in program.preamble, one definition per line. */
int parse_program(const struct source *src, struct arena *a, struct diag_list *dl, struct ast_node **out);
#endif

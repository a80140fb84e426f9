/* ast: one node type for the whole language. Nodes are allocated from the compile context's arena
 * (so bison error recovery cannot leak) and freed with it; strings in nodes are arena copies. */
#ifndef SCRY_AST_H
#define SCRY_AST_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ast/builtins.h"
#include "ast/types.h"
#include "diag/diag.h"

enum ast_kind {
	/* top level */
	AST_PROGRAM,
	AST_PROBE,        /* attach points, optional predicate, body */
	AST_ATTACH,       /* one attach point as written: provider + parts */
	AST_CONFIG,       /* config = { items } */
	AST_CONFIG_ITEM,  /* key = value */
	AST_MAP_DECL,     /* let @m = hash(N); */
	AST_MACRO,        /* macro name(params) { body } */
	AST_IMPORT,       /* import "path"; */
	AST_C_DEFN,       /* #include/#define/struct ... preamble text, kept verbatim */
	/* statements */
	AST_BLOCK,        /* { stmts } ; also a block expression when it ends in an expression */
	AST_EXPR_STMT,    /* expr; */
	AST_ASSIGN,       /* lhs op= rhs (op = OP_NONE for plain '=') */
	AST_LET,          /* let $x [: type] [= e] */
	AST_IF,
	AST_WHILE,
	AST_UNROLL,
	AST_FOR_MAP,      /* for ($kv : @map) */
	AST_FOR_RANGE,    /* for ($i : a..b) */
	AST_JUMP,         /* break / continue / return */
	/* expressions */
	AST_INT,
	AST_STRING,
	AST_BOOL,
	AST_IDENT,        /* bare identifier: builtin variable (pid, comm, ...) or type/enum name */
	AST_POSITIONAL,   /* $1 .. $N */
	AST_POSITIONAL_COUNT, /* $# */
	AST_VAR,          /* $name */
	AST_MAP,          /* @name or @name[keys] */
	AST_CALL,         /* name(args) */
	AST_BINOP,
	AST_UNOP,
	AST_INCDEC,       /* ++x, x++, --x, x-- */
	AST_TERNARY,      /* c ? a : b ; b == NULL for c ?: b is expressed with a = NULL */
	AST_FIELD,        /* e.name or e->name */
	AST_INDEX,        /* e[i] */
	AST_TUPLE,        /* (a, b, ...) */
	AST_RECORD,       /* (name = a, ...) ; field names in the element AST_CONFIG_ITEM-like pairs */
	AST_CAST,         /* (type) e */
	AST_SIZEOF,       /* sizeof(type or expr) */
	AST_OFFSETOF,
	AST_TYPEOF,
	AST_TYPE,         /* a written type: int32, struct foo *, string[64], ... */
	AST_KIND_COUNT
};

enum ast_op {
	OP_NONE,
	/* binary */
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
	OP_BAND, OP_BOR, OP_BXOR, OP_SHL, OP_SHR,
	OP_LAND, OP_LOR,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	/* unary */
	OP_NEG, OP_LNOT, OP_BNOT, OP_DEREF, OP_ADDR,
	/* inc/dec */
	OP_PRE_INC, OP_PRE_DEC, OP_POST_INC, OP_POST_DEC,
	OP_COUNT
};
const char *ast_op_str(enum ast_op op); /* "+", "==", "++" (pre/post distinguished in dumps) */

enum ast_jump { JUMP_BREAK, JUMP_CONTINUE, JUMP_RETURN };

struct ast_node;
/* Lists are singly linked through ast_node.next. */

struct ast_node {
	enum ast_kind kind;
	struct loc loc;
	struct type *type;     /* filled by sema (expressions) */
	struct ast_node *next; /* next sibling in a list */
	union {
		struct {
			struct ast_node *items; /* probes, config, map decls, macros, imports in source order */
			const char *preamble;   /* C preamble text or NULL */
		} program;
		struct {
			struct ast_node *attach; /* list of AST_ATTACH */
			struct ast_node *pred;   /* or NULL */
			struct ast_node *body;   /* AST_BLOCK */
			int index;               /* position among probes, set by sema */
		} probe;
		struct {
			const char *text;     /* as written, e.g. "tracepoint:syscalls:sys_enter_open*" */
			const char *provider; /* first part, e.g. "tracepoint" or "BEGIN" */
			const char **parts;   /* remaining parts split on ':' (quoted parts kept whole) */
			int nparts;
			const char *name;     /* "name=" prefix or NULL */
		} attach;
		struct {
			struct ast_node *items; /* list of AST_CONFIG_ITEM */
		} config;
		struct {
			const char *key;
			struct ast_node *value;
		} config_item; /* also record fields: key = field name */
		struct {
			const char *path; /* decoded string literal */
		} import;
		struct {
			const char *name;
			struct ast_node *params; /* AST_VAR / AST_MAP / AST_IDENT list, or NULL */
			int nparams;
			struct ast_node *body;   /* AST_BLOCK */
		} macro;
		struct {
			const char *name;   /* "@m" */
			const char *kind;   /* "hash", "lruhash", ... */
			uint64_t max_entries;
		} map_decl;
		struct {
			const char *text;
		} cdefn;
		struct {
			struct ast_node *stmts;
		} block;
		struct {
			struct ast_node *expr;
		} expr_stmt;
		struct {
			enum ast_op op; /* OP_NONE for '=', else the compound operator */
			struct ast_node *lhs, *rhs;
		} assign;
		struct {
			struct ast_node *var;   /* AST_VAR */
			struct ast_node *vtype; /* AST_TYPE or NULL */
			struct ast_node *init;  /* or NULL */
		} let;
		struct {
			struct ast_node *cond, *then, *els; /* els: AST_BLOCK, AST_IF or NULL */
		} if_;
		struct {
			struct ast_node *cond, *body;
		} while_;
		struct {
			struct ast_node *count, *body;
		} unroll;
		struct {
			struct ast_node *var, *map, *body;
		} for_map;
		struct {
			struct ast_node *var, *from, *to, *body;
		} for_range;
		struct {
			enum ast_jump what;
			struct ast_node *value; /* return value or NULL */
		} jump;
		struct {
			uint64_t value;
			bool is_unsigned; /* literal > INT64_MAX or with U suffix */
		} num;
		struct {
			const char *s; /* decoded bytes (escapes processed), NUL-terminated */
			size_t len;    /* without the terminating NUL */
		} str;
		struct {
			bool value;
		} boolean;
		struct {
			const char *name;
			enum builtin_id id; /* resolved by sema; BI_NONE if not a builtin */
		} ident;
		struct {
			int n;
		} positional;
		struct {
			const char *name; /* "$x" */
			int id;           /* declaration this use refers to, set by sema (-1 before) */
		} var;
		struct {
			const char *name;       /* "@x", "@" for the anonymous map */
			struct ast_node *keys;  /* list of key expressions or NULL */
			int nkeys;
			int res_id;             /* index into resources' maps, set by sema */
		} map;
		struct {
			const char *name;
			struct ast_node *args;
			int nargs;
			enum builtin_id id; /* resolved by sema */
			int res_id;         /* async event / resource id assigned by sema, -1 if none */
		} call;
		struct {
			enum ast_op op;
			struct ast_node *l, *r;
		} binop;
		struct {
			enum ast_op op;
			struct ast_node *e;
		} unop; /* also AST_INCDEC with OP_PRE_INC..OP_POST_DEC */
		struct {
			struct ast_node *cond, *then, *els; /* then == NULL for "c ?: els" */
		} ternary;
		struct {
			struct ast_node *e;
			const char *name;
			bool arrow; /* written with -> */
		} field;
		struct {
			struct ast_node *e, *index;
		} index;
		struct {
			struct ast_node *elems; /* AST_TUPLE: expressions; AST_RECORD: AST_CONFIG_ITEM list */
			int n;
		} tuple;
		struct {
			struct ast_node *to; /* AST_TYPE */
			struct ast_node *e;
		} cast;
		struct {
			struct ast_node *arg;    /* AST_TYPE or expression */
			const char *field;       /* offsetof only: "a.b.c" */
		} sizeof_;
		struct {
			const char *name; /* "int32", "struct task_struct", "string" ... base name */
			int ptr_depth;    /* number of trailing '*' */
			int array_len;    /* -1 if not an array; [N] or string[N] */
		} typ;
	};
};

struct ast_ctx {
	struct arena *arena;
};

struct ast_node *ast_new(struct arena *a, enum ast_kind k, const struct loc *loc);
/* Append `n` to the list whose head is *head; returns the head. */
struct ast_node *ast_append(struct ast_node *head, struct ast_node *n);
int ast_list_len(const struct ast_node *head);
/* Deep copy of one node and everything below it (its `next` is not followed: the copy's next is
 * NULL); ast_clone_list copies a whole list. Strings are shared (they are immutable). */
struct ast_node *ast_clone(struct arena *a, const struct ast_node *n);
struct ast_node *ast_clone_list(struct arena *a, const struct ast_node *list);
/* The child lists of a node (at most 4; unused slots NULL), for generic walks. */
void ast_children(struct ast_node *n, struct ast_node ***slots);
const char *ast_kind_name(enum ast_kind k);
/* Stable, indented dump used by -d ast and by golden tests. With types=true, typed expressions show
 * their type ("int64"), as -d types prints. */
void ast_dump(const struct ast_node *n, FILE *out, bool types);
#endif

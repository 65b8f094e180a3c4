/*
 * config_int.h: what the files of the config module share and nobody
 * outside needs. The public face is config.h. The files: config.c (the
 * tree and its side table of locations, paths, lookups, -E overrides),
 * config_load.c (YAML to the tree), config_expand.c (${} references),
 * config_get.c (conversions and typed getters), config_validate.c (the
 * check against the schema of config_keys.c).
 */
#ifndef CWL_CONFIG_INT_H
#define CWL_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "strmap.h"

/* Where a node came from: an entry of the side table. */
struct cfg_loc {
	const char *origin;	/* the file, or the -E assignment; owned by the cfg */
	int line, col;		/* 1-based; 0 for -E */
	unsigned override:1, quoted:1, expanded:1, expanding:1, warned:1;
	char *where;		/* cfg_where's answer, made on demand */
};

struct cfg_lcache {			/* the arrays cfg_strlist hands out */
	char *key;
	json_object *node;
	const char **v;
	size_t n;
	struct cfg_lcache *next;
};

struct cfg {
	char *path;
	json_object *root;
	struct strmap *locs;	/* dotted path -> struct cfg_loc; NULL: none yet */
	char **origins;		/* -E assignments */
	size_t norigins;
	struct cfg_lcache *lists;
};

/* config.c: the side table, keyed by dotted path. */
/* Returns key's entry (owned by c), or NULL. */
struct cfg_loc *cfg_loc_get(struct cfg *c, const char *key);
/* Records where key came from, replacing what was known. Returns the
 * entry (owned by c), or NULL (ENOMEM). */
struct cfg_loc *cfg_loc_set(struct cfg *c, const char *key,
    const char *origin, int override, int line, int col, int quoted);
/* Forgets key and everything below it. */
void cfg_loc_drop(struct cfg *c, const char *key);
/* Returns 1 if the dotted path k is key (of length n) or below it. */
int cfg_loc_below(const char *k, const char *key, size_t n);
/* Appends "FILE:LINE: " or "-E key=value: " for key to b; nothing if
 * unknown. */
void cfg_where_add(struct cfg *c, const char *key, struct buf *b);
/* Sets e to "WHERE: KEY: WHY" (EXIT_USAGE). Returns -1. */
int cfg_key_error(struct cfg *c, const char *key, struct err *e,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* config.c: paths, a buf holding "a.b.0.c", grown and cut back as a walk
 * goes. The pushes return the length to cut back to. */
size_t cfg_path_push(struct buf *p, const char *comp, size_t n);
size_t cfg_path_pushi(struct buf *p, size_t i);
void cfg_path_pop(struct buf *p, size_t old);
/* Returns the node at key (owned by c), or NULL; *found says whether the
 * key is there at all (it may hold a null). */
json_object *cfg_node_at(struct cfg *c, const char *key, int *found);

/* config_load.c */
/* Parses text (an -E value, an expanded ${VAR}) as a YAML node recorded
 * below key, on line (0 for -E). Returns the node (NULL for null; the
 * caller owns it), or NULL with e->code set. */
json_object *cfg_parse_flow(struct cfg *c, const char *text,
    const char *origin, int override, const char *key, int line,
    struct err *e);

/* config_expand.c */
/* Expands the ${} references of every string below node (at path p).
 * Returns 0 or -1 with e. */
int cfg_expand_tree(struct cfg *c, json_object *node, struct buf *p,
    struct err *e);

/* config_get.c: conversions, shared by the getters and cfg_validate.
 * Each returns 0 and the value, or -1 with e naming where key was set. */
/* Returns "a list", "a mapping" or "a value", for messages; static. */
const char *cfg_kind(json_object *v);
/* *s: the string of a scalar v (owned by v), what names the type
 * expected. */
int cfg_scalar(struct cfg *c, const char *key, json_object *v,
    const char *what, const char **s, struct err *e);
int cfg_conv_int(struct cfg *c, const char *key, json_object *v,
    int64_t *out, struct err *e);
int cfg_conv_float(struct cfg *c, const char *key, json_object *v,
    double *out, struct err *e);
int cfg_conv_bool(struct cfg *c, const char *key, json_object *v, int *out,
    struct err *e);
int cfg_conv_duration(struct cfg *c, const char *key, json_object *v,
    int64_t *out, struct err *e);
int cfg_conv_size(struct cfg *c, const char *key, json_object *v,
    int64_t *out, struct err *e);
/* *out: the string of one element (owned by v). */
int cfg_conv_strlist(struct cfg *c, const char *key, json_object *v,
    const char **out, struct err *e);

#endif

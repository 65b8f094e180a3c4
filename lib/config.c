/*
 * config: the YAML file, loaded (config_load.c) into a json-c tree whose
 * scalars stay strings (YAML 1.2 style: they are converted when read, so
 * "5" is an int and a string, and yes/no are not booleans). This file
 * holds the tree's core: a side table keyed by the dotted path of every
 * node keeps where it came from (file and line, or the -E assignment)
 * and whether it was quoted; paths, lookups by dotted key, and the -E
 * overrides. ${} references: config_expand.c; typed getters:
 * config_get.c; the check against the schema: config_validate.c.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "config_int.h"
#include "log.h"
#include "strmap.h"

/* The side table: a strmap from dotted path to struct cfg_loc. */

struct cfg_loc *
cfg_loc_get(struct cfg *c, const char *key)
{
	return c->locs ? strmap_get(c->locs, key) : NULL;
}

static void
loc_free(void *p)
{
	struct cfg_loc *l = p;

	free(l->where);
	free(l);
}

/* Records where key came from, replacing what was known. Returns the
 * entry, or NULL (ENOMEM). */
struct cfg_loc *
cfg_loc_set(struct cfg *c, const char *key, const char *origin, int override,
    int line, int col, int quoted)
{
	struct cfg_loc *l;
	void **v;

	if ((l = cfg_loc_get(c, key)) == NULL) {
		if (c->locs == NULL && (c->locs = strmap_new()) == NULL)
			return NULL;
		if ((l = calloc(1, sizeof(*l))) == NULL)
			return NULL;
		if ((v = strmap_put(c->locs, key)) == NULL) {
			free(l);
			return NULL;
		}
		*v = l;
	}
	l->origin = origin;
	l->override = override != 0;
	l->line = line;
	l->col = col;
	l->quoted = quoted != 0;
	l->expanded = l->expanding = l->warned = 0;
	free(l->where);
	l->where = NULL;
	return l;
}

int
cfg_loc_below(const char *k, const char *key, size_t n)
{
	return strncmp(k, key, n) == 0 && (k[n] == '\0' || k[n] == '.');
}

/* Forgets key and everything below it. */
void
cfg_loc_drop(struct cfg *c, const char *key)
{
	const char *k;
	void *v;
	size_t it = 0, n = strlen(key);

	if (c->locs == NULL)
		return;
	/* a delete moves entries: the walk starts again after each (a
	 * subtree of an -E or a ${} is a few keys) */
	while (strmap_next(c->locs, &it, &k, &v))
		if (cfg_loc_below(k, key, n)) {
			strmap_del(c->locs, k, NULL);
			loc_free(v);
			it = 0;
		}
}

/* Appends "FILE:LINE" or "-E key=value" for key to b; nothing if unknown. */
void
cfg_where_add(struct cfg *c, const char *key, struct buf *b)
{
	struct cfg_loc *l = cfg_loc_get(c, key);

	if (l == NULL)
		return;
	if (l->override)
		buf_printf(b, "-E %s: ", l->origin);
	else
		buf_printf(b, "%s:%d: ", l->origin, l->line);
}

/* Sets e to "WHERE: KEY: WHY" (EXIT_USAGE). Returns -1. */
int
cfg_key_error(struct cfg *c, const char *key, struct err *e, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	cfg_where_add(c, key, &b);
	buf_printf(&b, "%s: ", key);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	err_set(e, EXIT_USAGE, "%s", buf_str(&b));
	buf_free(&b);
	return -1;
}

/* Paths: a buf holding "a.b.0.c", grown and cut back as a walk goes. */

size_t
cfg_path_push(struct buf *p, const char *comp, size_t n)
{
	size_t old = p->len;

	if (old > 0)
		buf_addc(p, '.');
	buf_add(p, comp, n);
	return old;
}

size_t
cfg_path_pushi(struct buf *p, size_t i)
{
	size_t old = p->len;

	buf_printf(p, old > 0 ? ".%zu" : "%zu", i);
	return old;
}

void
cfg_path_pop(struct buf *p, size_t old)
{
	p->len = old;
	if (p->p)
		p->p[old] = '\0';
}

void
cfg_free(struct cfg *c)
{
	struct cfg_lcache *lc, *next;
	size_t i;

	if (c == NULL)
		return;
	json_object_put(c->root);
	strmap_free(c->locs, loc_free);
	for (i = 0; i < c->norigins; i++)
		free(c->origins[i]);
	free(c->origins);
	for (lc = c->lists; lc; lc = next) {
		next = lc->next;
		free(lc->key);
		free(lc->v);
		free(lc);
	}
	free(c->path);
	free(c);
}

const char *
cfg_path(const struct cfg *c)
{
	return c ? c->path : NULL;
}


/* Returns 1 if s is a list index ("0", "12"). */
static int
is_index(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 9)
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

const struct cfg_key *
cfg_schema_key(const char *key)
{
	struct buf sk = BUF_INIT;
	const struct cfg_key *k;
	const char *p = key;
	size_t n;

	while (*p) {
		n = strcspn(p, ".");
		if (is_index(p, n))
			buf_adds(&sk, "[]");
		else if (buf_add(&sk, sk.len ? "." : "", sk.len ? 1 : 0) == -1 ||
		    buf_add(&sk, p, n) == -1)
			break;
		p += n;
		if (*p == '.')
			p++;
	}
	k = cfg_schema_find(buf_str(&sk));
	buf_free(&sk);
	return k;
}

int
cfg_secret(const char *key)
{
	const struct cfg_key *k = cfg_schema_key(key);

	return k != NULL && k->type == CFG_SECRET;
}

const char *
cfg_default(const char *key)
{
	const struct cfg_key *k = cfg_schema_key(key);

	return k ? k->def : NULL;
}

/* Returns the node at key, or NULL; *found says whether the key is
 * there at all (it may hold a null). */
json_object *
cfg_node_at(struct cfg *c, const char *key, int *found)
{
	json_object *cur, *next;
	struct buf comp = BUF_INIT;
	const char *p, *dot;
	size_t n;

	*found = 0;
	if (c == NULL || key == NULL || *key == '\0')
		return NULL;
	cur = c->root;
	for (p = key; ; p = dot + 1) {
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		buf_reset(&comp);
		buf_add(&comp, p, n);
		next = NULL;
		if (json_object_is_type(cur, json_type_object)) {
			if (!json_object_object_get_ex(cur, buf_str(&comp), &next))
				break;
		} else if (json_object_is_type(cur, json_type_array) &&
		    is_index(p, n)) {
			if (strtoul(buf_str(&comp), NULL, 10) >=
			    json_object_array_length(cur))
				break;
			next = json_object_array_get_idx(cur,
			    strtoul(buf_str(&comp), NULL, 10));
		} else {
			break;
		}
		if (dot == NULL) {
			*found = 1;
			buf_free(&comp);
			return next;
		}
		cur = next;
	}
	buf_free(&comp);
	return NULL;
}

json_object *
cfg_node(struct cfg *c, const char *key)
{
	int found;

	return cfg_node_at(c, key, &found);
}

const char *
cfg_where(struct cfg *c, const char *key)
{
	struct cfg_loc *l;
	struct buf b = BUF_INIT;
	int found;

	cfg_node_at(c, key, &found);
	if (!found || (l = cfg_loc_get(c, key)) == NULL)
		return "default";
	if (l->override)
		return "-E";
	if (l->where == NULL) {
		buf_printf(&b, "%s:%d", l->origin, l->line);
		l->where = buf_detach(&b);
	}
	return l->where ? l->where : "default";
}

/* -E overrides. */

/* Where the walk of an -E key path stands: cur is the node that holds
 * the component comp (at idx when cur is a list), path the key so far. */
struct override {
	const char *assignment, *eq, *origin;
	json_object *cur;
	struct buf path, comp;
	size_t idx;
};

/* Keeps the assignment as the origin of what it sets. Returns it, or
 * NULL with e. */
static const char *
override_origin(struct cfg *c, const char *assignment, struct err *e)
{
	char **o;

	if ((o = realloc(c->origins, (c->norigins + 1) * sizeof(*o))) == NULL) {
		err_set(e, EXIT_RUNTIME, "config: out of memory");
		return NULL;
	}
	c->origins = o;
	if ((o[c->norigins] = strdup(assignment)) == NULL) {
		err_set(e, EXIT_RUNTIME, "config: out of memory");
		return NULL;
	}
	return o[c->norigins++];
}

/* Puts v in ov->cur as the component ov->comp. */
static void
override_put(struct override *ov, json_object *v)
{
	if (json_object_is_type(ov->cur, json_type_array))
		json_object_array_put_idx(ov->cur, ov->idx, v);
	else
		json_object_object_add(ov->cur, buf_str(&ov->comp), v);
}

/* Takes the component p (n chars) as the current one: in a list it must
 * be an index up to one past the end. Sets *next to the node there, or
 * NULL. Returns 0 or -1 with e. */
static int
override_step(struct override *ov, const char *p, size_t n, json_object **next,
    struct err *e)
{
	const char *a = ov->assignment;
	size_t len;

	buf_reset(&ov->comp);
	buf_add(&ov->comp, p, n);
	cfg_path_push(&ov->path, p, n);
	if (json_object_is_type(ov->cur, json_type_array)) {
		len = json_object_array_length(ov->cur);
		if (!is_index(p, n))
			return err_set(e, EXIT_USAGE, "-E %s: %.*s is a list: "
			    "give the index of an element, as in %.*s.0",
			    a, (int)(p - a - 1), a, (int)(p - a - 1), a);
		ov->idx = strtoul(buf_str(&ov->comp), NULL, 10);
		if (ov->idx > len)
			return err_set(e, EXIT_USAGE, "-E %s: index %zu is past "
			    "the end of %.*s (%zu elements)", a, ov->idx,
			    (int)(p - a - 1), a, len);
		*next = ov->idx < len ?
		    json_object_array_get_idx(ov->cur, ov->idx) : NULL;
	} else {
		*next = NULL;
		json_object_object_get_ex(ov->cur, buf_str(&ov->comp), next);
	}
	return 0;
}

/* Creates the missing node of the current component: a list if the rest
 * of the key starts with an index. Returns it, or NULL with e. */
static json_object *
override_create(struct cfg *c, struct override *ov, const char *rest,
    struct err *e)
{
	json_object *next;

	next = is_index(rest, strcspn(rest, ".=")) ?
	    json_object_new_array() : json_object_new_object();
	cfg_loc_drop(c, buf_str(&ov->path));
	if (next == NULL || cfg_loc_set(c, buf_str(&ov->path), ov->origin, 1,
	    0, 0, 0) == NULL) {
		json_object_put(next);
		err_set(e, EXIT_RUNTIME, "config: out of memory");
		return NULL;
	}
	override_put(ov, next);
	return next;
}

/* Walks the key of the assignment from the root, creating what is
 * missing, to the node that is to hold the value. Returns 0 or -1
 * with e. */
static int
override_walk(struct cfg *c, struct override *ov, struct err *e)
{
	const char *a = ov->assignment, *eq = ov->eq, *p, *dot;
	json_object *next;
	size_t n;

	ov->cur = c->root;
	for (p = a; ; p = dot + 1) {
		dot = memchr(p, '.', (size_t)(eq - p));
		n = dot ? (size_t)(dot - p) : (size_t)(eq - p);
		if (n == 0)
			return err_set(e, EXIT_USAGE, "-E %s: empty name in key "
			    "'%.*s'", a, (int)(eq - a), a);
		if (override_step(ov, p, n, &next, e) == -1)
			return -1;
		if (dot == NULL)
			return 0;
		if (!json_object_is_type(next, json_type_object) &&
		    !json_object_is_type(next, json_type_array) &&
		    (next = override_create(c, ov, dot + 1, e)) == NULL)
			return -1;
		ov->cur = next;
	}
}

int
cfg_override(struct cfg *c, const char *assignment, struct err *e)
{
	struct override ov = { assignment, NULL, NULL, NULL, BUF_INIT,
	    BUF_INIT, 0 };
	struct cfg_lcache *lc;
	json_object *v;
	int r = -1;

	if ((ov.eq = strchr(assignment, '=')) == NULL)
		return err_set(e, EXIT_USAGE, "-E %s: expected KEY=VALUE",
		    assignment);
	if (ov.eq == assignment)
		return err_set(e, EXIT_USAGE, "-E %s: empty key", assignment);
	if ((ov.origin = override_origin(c, assignment, e)) == NULL)
		return -1;
	/* nodes are replaced: a list handed out before is never reused, as
	 * a new node may take the address of a freed one */
	for (lc = c->lists; lc; lc = lc->next)
		lc->node = NULL;
	if (override_walk(c, &ov, e) == -1)
		goto out;
	v = cfg_parse_flow(c, ov.eq + 1, ov.origin, 1, buf_str(&ov.path), 0, e);
	if (v == NULL && e->code)
		goto out;
	override_put(&ov, v);
	r = cfg_expand_tree(c, v, &ov.path, e);
out:
	buf_free(&ov.path);
	buf_free(&ov.comp);
	return r;
}

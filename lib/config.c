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

int
cfg_override(struct cfg *c, const char *assignment, struct err *e)
{
	const char *eq = strchr(assignment, '='), *p, *dot, *origin;
	json_object *cur, *next, *v;
	struct buf path = BUF_INIT, comp = BUF_INIT;
	struct cfg_lcache *lc;
	char **o;
	size_t n, idx = 0, len;
	int r = -1, last;

	if (eq == NULL)
		return err_set(e, EXIT_USAGE, "-E %s: expected KEY=VALUE",
		    assignment);
	if (eq == assignment)
		return err_set(e, EXIT_USAGE, "-E %s: empty key", assignment);
	if ((o = realloc(c->origins, (c->norigins + 1) * sizeof(*o))) == NULL)
		return err_set(e, EXIT_RUNTIME, "config: out of memory");
	c->origins = o;
	if ((o[c->norigins] = strdup(assignment)) == NULL)
		return err_set(e, EXIT_RUNTIME, "config: out of memory");
	origin = o[c->norigins++];
	/* nodes are replaced: a list handed out before is never reused, as
	 * a new node may take the address of a freed one */
	for (lc = c->lists; lc; lc = lc->next)
		lc->node = NULL;
	cur = c->root;
	for (p = assignment; ; p = dot + 1) {
		dot = memchr(p, '.', (size_t)(eq - p));
		n = dot ? (size_t)(dot - p) : (size_t)(eq - p);
		last = dot == NULL;
		if (n == 0) {
			err_set(e, EXIT_USAGE, "-E %s: empty name in key '%.*s'",
			    assignment, (int)(eq - assignment), assignment);
			goto out;
		}
		buf_reset(&comp);
		buf_add(&comp, p, n);
		cfg_path_push(&path, p, n);
		if (json_object_is_type(cur, json_type_array)) {
			len = json_object_array_length(cur);
			if (!is_index(p, n)) {
				err_set(e, EXIT_USAGE, "-E %s: %.*s is a list: "
				    "give the index of an element, as in %.*s.0",
				    assignment, (int)(p - assignment - 1),
				    assignment, (int)(p - assignment - 1),
				    assignment);
				goto out;
			}
			idx = strtoul(buf_str(&comp), NULL, 10);
			if (idx > len) {
				err_set(e, EXIT_USAGE, "-E %s: index %zu is past "
				    "the end of %.*s (%zu elements)", assignment,
				    idx, (int)(p - assignment - 1), assignment,
				    len);
				goto out;
			}
			next = idx < len ? json_object_array_get_idx(cur, idx) : NULL;
		} else {
			next = NULL;
			json_object_object_get_ex(cur, buf_str(&comp), &next);
		}
		if (last)
			break;
		if (!json_object_is_type(next, json_type_object) &&
		    !json_object_is_type(next, json_type_array)) {
			/* create what is missing: a list if indexed next */
			dot = memchr(p, '.', (size_t)(eq - p));
			next = is_index(dot + 1, strcspn(dot + 1, ".=")) ?
			    json_object_new_array() : json_object_new_object();
			cfg_loc_drop(c, buf_str(&path));
			if (next == NULL || cfg_loc_set(c, buf_str(&path), origin, 1,
			    0, 0, 0) == NULL) {
				json_object_put(next);
				err_set(e, EXIT_RUNTIME, "config: out of memory");
				goto out;
			}
			if (json_object_is_type(cur, json_type_array))
				json_object_array_put_idx(cur, idx, next);
			else
				json_object_object_add(cur, buf_str(&comp), next);
		}
		cur = next;
	}
	v = cfg_parse_flow(c, eq + 1, origin, 1, buf_str(&path), 0, e);
	if (v == NULL && e->code)
		goto out;
	if (json_object_is_type(cur, json_type_array))
		json_object_array_put_idx(cur, idx, v);
	else
		json_object_object_add(cur, buf_str(&comp), v);
	r = cfg_expand_tree(c, v, &path, e);
out:
	buf_free(&path);
	buf_free(&comp);
	return r;
}

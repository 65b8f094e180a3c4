/*
 * config: the YAML file, loaded with libyaml's document API into a json-c
 * tree whose scalars stay strings (YAML 1.2 style: they are converted when
 * read, so "5" is an int and a string, and yes/no are not booleans). A
 * side table keyed by the dotted path of every node keeps where it came
 * from (file and line, or the -E assignment) and whether it was quoted.
 *
 * Dotted keys are split into paths and merged with their siblings, as
 * libbeat does. ${VAR}, ${VAR:default} and ${VAR:?message} are expanded
 * once everything is loaded: VAR is first looked up as a key of the
 * config (${path.config}), then in the environment.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <yaml.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "timex.h"
#include "hash.h"

#define MAX_FILE (16u << 20)	/* a config larger than this is a mistake */
#define MAX_NODES 100000	/* aliases may not expand past this */
#define MAX_DEPTH 64
#define MAX_REFS 16		/* nested ${} references */

struct loc {
	char *key;		/* dotted path */
	const char *origin;	/* the file, or the -E assignment; owned by the cfg */
	int line, col;		/* 1-based; 0 for -E */
	unsigned override:1, quoted:1, expanded:1, expanding:1, warned:1;
	char *where;		/* cfg_where's answer, made on demand */
	struct loc *next;
};

struct lcache {			/* the arrays cfg_strlist hands out */
	char *key;
	json_object *node;
	const char **v;
	size_t n;
	struct lcache *next;
};

struct cfg {
	char *path;
	json_object *root;
	struct loc **tab;
	size_t tabsz, nloc;
	char **origins;		/* -E assignments */
	size_t norigins;
	struct lcache *lists;
};

/* The side table. */

static size_t
hash(const char *s)
{
	return (size_t)hash_str(HASH_FNV_OFFSET, s);
}

static struct loc *
loc_get(struct cfg *c, const char *key)
{
	struct loc *l;

	if (c->tabsz == 0)
		return NULL;
	for (l = c->tab[hash(key) & (c->tabsz - 1)]; l; l = l->next)
		if (strcmp(l->key, key) == 0)
			return l;
	return NULL;
}

static void
loc_free(struct loc *l)
{
	free(l->key);
	free(l->where);
	free(l);
}

static int
loc_grow(struct cfg *c)
{
	struct loc **t, *l, *next;
	size_t i, n = c->tabsz ? c->tabsz * 2 : 64;

	if ((t = calloc(n, sizeof(*t))) == NULL)
		return -1;
	for (i = 0; i < c->tabsz; i++)
		for (l = c->tab[i]; l; l = next) {
			next = l->next;
			l->next = t[hash(l->key) & (n - 1)];
			t[hash(l->key) & (n - 1)] = l;
		}
	free(c->tab);
	c->tab = t;
	c->tabsz = n;
	return 0;
}

/* Records where key came from, replacing what was known. Returns the
 * entry, or NULL (ENOMEM). */
static struct loc *
loc_set(struct cfg *c, const char *key, const char *origin, int override,
    int line, int col, int quoted)
{
	struct loc *l;
	size_t h;

	if ((l = loc_get(c, key)) == NULL) {
		if (c->nloc >= c->tabsz && loc_grow(c) == -1)
			return NULL;
		if ((l = calloc(1, sizeof(*l))) == NULL)
			return NULL;
		if ((l->key = strdup(key)) == NULL) {
			free(l);
			return NULL;
		}
		h = hash(key) & (c->tabsz - 1);
		l->next = c->tab[h];
		c->tab[h] = l;
		c->nloc++;
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

/* Forgets key and everything below it. */
static void
loc_drop(struct cfg *c, const char *key)
{
	struct loc **pp, *l;
	size_t i, n = strlen(key);

	for (i = 0; i < c->tabsz; i++)
		for (pp = &c->tab[i]; (l = *pp) != NULL; ) {
			if (strncmp(l->key, key, n) == 0 &&
			    (l->key[n] == '\0' || l->key[n] == '.')) {
				*pp = l->next;
				loc_free(l);
				c->nloc--;
			} else {
				pp = &l->next;
			}
		}
}

/* Appends "FILE:LINE" or "-E key=value" for key to b; nothing if unknown. */
static void
where(struct cfg *c, const char *key, struct buf *b)
{
	struct loc *l = loc_get(c, key);

	if (l == NULL)
		return;
	if (l->override)
		buf_printf(b, "-E %s: ", l->origin);
	else
		buf_printf(b, "%s:%d: ", l->origin, l->line);
}

static int
key_error(struct cfg *c, const char *key, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sets e to "WHERE: KEY: WHY" (EXIT_USAGE). Returns -1. */
static int
key_error(struct cfg *c, const char *key, struct err *e, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	where(c, key, &b);
	buf_printf(&b, "%s: ", key);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	err_set(e, EXIT_USAGE, "%s", buf_str(&b));
	buf_free(&b);
	return -1;
}

/* Paths: a buf holding "a.b.0.c", grown and cut back as a walk goes. */

static size_t
path_push(struct buf *p, const char *comp, size_t n)
{
	size_t old = p->len;

	if (old > 0)
		buf_addc(p, '.');
	buf_add(p, comp, n);
	return old;
}

static size_t
path_pushi(struct buf *p, size_t i)
{
	size_t old = p->len;

	buf_printf(p, old > 0 ? ".%zu" : "%zu", i);
	return old;
}

static void
path_pop(struct buf *p, size_t old)
{
	p->len = old;
	if (p->p)
		p->p[old] = '\0';
}

/* Loading YAML. */

struct ld {
	struct cfg *c;
	yaml_document_t *doc;
	const char *origin;	/* file name, or the -E assignment */
	int override;
	struct buf path;
	size_t nodes;
	int depth;
	struct err *e;
};

static int ld_value(struct ld *l, yaml_node_t *n, json_object **out);
static int ld_mapping(struct ld *l, yaml_node_t *n, json_object *obj,
    int soft);

static int
ld_error(struct ld *l, const yaml_mark_t *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets "FILE:LINE:COL: WHY" (or "-E key=value: WHY"). Returns -1. */
static int
ld_error(struct ld *l, const yaml_mark_t *m, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (l->override)
		buf_printf(&b, "-E %s: ", l->origin);
	else
		buf_printf(&b, "%s:%zu:%zu: ", l->origin, m->line + 1,
		    m->column + 1);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	err_set(l->e, EXIT_USAGE, "%s", buf_str(&b));
	buf_free(&b);
	return -1;
}

static int
ld_loc(struct ld *l, const yaml_mark_t *m, int quoted)
{
	if (loc_set(l->c, buf_str(&l->path), l->origin, l->override,
	    l->override ? 0 : (int)m->line + 1,
	    l->override ? 0 : (int)m->column + 1, quoted) == NULL)
		return err_set(l->e, EXIT_RUNTIME, "config: out of memory");
	return 0;
}

/* YAML 1.2 core schema nulls, when not quoted. */
static int
is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (*v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0);
}

static int
ld_value(struct ld *l, yaml_node_t *n, json_object **out)
{
	yaml_node_item_t *it;
	json_object *arr, *v;
	size_t i, old;
	int quoted, r = 0;

	*out = NULL;
	if (++l->nodes > MAX_NODES)
		return ld_error(l, &n->start_mark, "YAML: more than %d values "
		    "(aliases expanding without end?)", MAX_NODES);
	if (l->depth >= MAX_DEPTH)
		return ld_error(l, &n->start_mark, "YAML: nested more than %d "
		    "levels deep", MAX_DEPTH);
	switch (n->type) {
	case YAML_SCALAR_NODE:
		quoted = n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		if (ld_loc(l, &n->start_mark, quoted) == -1)
			return -1;
		if (is_null(n))
			return 0;
		*out = json_object_new_string_len((const char *)n->data.scalar.value,
		    (int)n->data.scalar.length);
		return *out ? 0 : err_set(l->e, EXIT_RUNTIME, "config: out of memory");
	case YAML_SEQUENCE_NODE:
		if (ld_loc(l, &n->start_mark, 0) == -1)
			return -1;
		if ((arr = json_object_new_array()) == NULL)
			return err_set(l->e, EXIT_RUNTIME, "config: out of memory");
		l->depth++;
		for (i = 0, it = n->data.sequence.items.start;
		    it < n->data.sequence.items.top; it++, i++) {
			old = path_pushi(&l->path, i);
			r = ld_value(l, yaml_document_get_node(l->doc, *it), &v);
			path_pop(&l->path, old);
			if (r == -1)
				break;
			json_object_array_add(arr, v);
		}
		l->depth--;
		if (r == -1) {
			json_object_put(arr);
			return -1;
		}
		*out = arr;
		return 0;
	case YAML_MAPPING_NODE:
		if (ld_loc(l, &n->start_mark, 0) == -1)
			return -1;
		if ((*out = json_object_new_object()) == NULL)
			return err_set(l->e, EXIT_RUNTIME, "config: out of memory");
		if (ld_mapping(l, n, *out, 0) == -1) {
			json_object_put(*out);
			*out = NULL;
			return -1;
		}
		return 0;
	default:
		return ld_error(l, &n->start_mark, "YAML: empty node");
	}
}

static int
ld_dup(struct ld *l, const yaml_mark_t *m)
{
	struct loc *first = loc_get(l->c, buf_str(&l->path));

	if (first && !first->override && first->line > 0)
		return ld_error(l, m, "duplicate key '%s' (first set at line %d)",
		    buf_str(&l->path), first->line);
	return ld_error(l, m, "duplicate key '%s'", buf_str(&l->path));
}

/*
 * Inserts key: value into obj, splitting a dotted key into a path and
 * merging mappings that meet. With soft (the pairs of a "<<" merge key),
 * a key that is already there is left alone.
 */
static int
ld_insert(struct ld *l, json_object *obj, yaml_node_t *k, yaml_node_t *vn,
    int soft)
{
	const char *key = (const char *)k->data.scalar.value, *p, *dot;
	json_object *cur = obj, *ex, *v;
	size_t n, base = l->path.len;
	int r = 0;

	for (p = key; ; p = dot + 1) {
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n == 0) {
			path_pop(&l->path, base);
			return ld_error(l, &k->start_mark, *key ? "empty name "
			    "in key '%s'" : "empty key%s", key);
		}
		path_push(&l->path, p, n);
		ex = NULL;
		json_object_object_get_ex(cur, buf_str(&l->path) +
		    (l->path.len - n), &ex);
		if (dot == NULL)
			break;
		if (json_object_get_type(ex) == json_type_object) {
			cur = ex;
			continue;
		}
		if (ex != NULL) {	/* a null placeholder gives way */
			if (soft)
				goto out;
			r = ld_dup(l, &k->start_mark);
			goto out;
		}
		if ((ex = json_object_new_object()) == NULL ||
		    ld_loc(l, &k->start_mark, 0) == -1) {
			json_object_put(ex);
			r = err_set(l->e, EXIT_RUNTIME, "config: out of memory");
			goto out;
		}
		json_object_object_add(cur, buf_str(&l->path) +
		    (l->path.len - n), ex);
		cur = ex;
	}
	if (json_object_object_get_ex(cur, buf_str(&l->path) +
	    (l->path.len - n), NULL)) {
		if (soft)
			goto out;
		if (vn->type == YAML_MAPPING_NODE &&
		    json_object_get_type(ex) == json_type_object) {
			l->depth++;
			r = ld_mapping(l, vn, ex, 0);
			l->depth--;
		} else {
			r = ld_dup(l, &k->start_mark);
		}
		goto out;
	}
	l->depth++;
	r = ld_value(l, vn, &v);
	l->depth--;
	if (r == 0)
		json_object_object_add(cur, buf_str(&l->path) +
		    (l->path.len - n), v);
out:
	path_pop(&l->path, base);
	return r;
}

/* Inserts the pairs of mapping n into obj: first its own keys, then those
 * of "<<" merge keys, which never override them. */
static int
ld_mapping(struct ld *l, yaml_node_t *n, json_object *obj, int soft)
{
	yaml_node_pair_t *pr;
	yaml_node_item_t *it;
	yaml_node_t *k, *v, *m;
	int pass, merge;

	if (l->depth >= MAX_DEPTH)
		return ld_error(l, &n->start_mark, "YAML: nested more than %d "
		    "levels deep", MAX_DEPTH);
	for (pass = 0; pass < 2; pass++)
		for (pr = n->data.mapping.pairs.start;
		    pr < n->data.mapping.pairs.top; pr++) {
			k = yaml_document_get_node(l->doc, pr->key);
			v = yaml_document_get_node(l->doc, pr->value);
			if (k->type != YAML_SCALAR_NODE)
				return ld_error(l, &k->start_mark, "a key must "
				    "be a name, not a list or a mapping");
			merge = k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
			    strcmp((char *)k->data.scalar.value, "<<") == 0;
			if (merge != pass)
				continue;
			if (!merge) {
				if (ld_insert(l, obj, k, v, soft) == -1)
					return -1;
				continue;
			}
			if (v->type == YAML_MAPPING_NODE) {
				l->depth++;
				if (ld_mapping(l, v, obj, 1) == -1)
					return -1;
				l->depth--;
				continue;
			}
			if (v->type != YAML_SEQUENCE_NODE)
				return ld_error(l, &v->start_mark, "'<<' merges "
				    "a mapping or a list of mappings");
			for (it = v->data.sequence.items.start;
			    it < v->data.sequence.items.top; it++) {
				m = yaml_document_get_node(l->doc, *it);
				if (m->type != YAML_MAPPING_NODE)
					return ld_error(l, &m->start_mark, "'<<' "
					    "merges a mapping or a list of mappings");
				l->depth++;
				if (ld_mapping(l, m, obj, 1) == -1)
					return -1;
				l->depth--;
			}
		}
	return 0;
}

/* Reads a whole file into b. Returns 0, or -1 with errno. */
static int
read_file(const char *path, struct buf *b)
{
	char tmp[8192];
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	for (;;) {
		r = read(fd, tmp, sizeof(tmp));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (b->len + (size_t)r > MAX_FILE) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
		if (buf_add(b, tmp, (size_t)r) == -1) {
			close(fd);
			errno = ENOMEM;
			return -1;
		}
	}
	if (r < 0) {
		r = errno;
		close(fd);
		errno = (int)r;
		return -1;
	}
	close(fd);
	return 0;
}

/* Formats libyaml's complaint about input text (name: the file, or the
 * -E assignment when override). */
static int
yaml_error(yaml_parser_t *p, const char *name, int override,
    const char *text, size_t len, struct err *e)
{
	struct buf b = BUF_INIT;
	size_t line = 1, col = 1, i;

	if (p->error == YAML_READER_ERROR) {
		for (i = 0; i < p->problem_offset && i < len; i++) {
			if (text[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
	} else {
		line = p->problem_mark.line + 1;
		col = p->problem_mark.column + 1;
	}
	if (override)
		buf_printf(&b, "-E %s: YAML: %s", name,
		    p->problem ? p->problem : "syntax error");
	else
		buf_printf(&b, "%s:%zu:%zu: YAML: %s", name, line, col,
		    p->problem ? p->problem : "syntax error");
	if (p->context && p->error != YAML_READER_ERROR)
		buf_printf(&b, " (%s at line %zu)", p->context,
		    p->context_mark.line + 1);
	err_set(e, EXIT_USAGE, "%s", buf_str(&b));
	buf_free(&b);
	return -1;
}

/* Expanding ${...}. */

static int expand_key(struct cfg *c, const char *key, int depth,
    struct err *e);

/* Returns the value of a built-in path setting, as libbeat defines
 * them: path.home and path.config default to the config's directory,
 * path.data and path.logs to "data" and "logs" below path.home. */
static int
builtin(struct cfg *c, const char *name, struct buf *out)
{
	const char *s;

	if (strcmp(name, "path.home") != 0 && strcmp(name, "path.config") != 0 &&
	    strcmp(name, "path.data") != 0 && strcmp(name, "path.logs") != 0)
		return 0;
	if (strcmp(name, "path.config") == 0 || strcmp(name, "path.home") == 0 ||
	    (s = json_object_get_string(cfg_node(c, "path.home"))) == NULL) {
		if (c->path && (s = strrchr(c->path, '/')) != NULL)
			buf_add(out, c->path, s == c->path ? 1 : (size_t)(s - c->path));
		else
			buf_addc(out, '.');
	} else {
		buf_adds(out, s);
	}
	if (strcmp(name, "path.data") == 0)
		buf_adds(out, "/data");
	else if (strcmp(name, "path.logs") == 0)
		buf_adds(out, "/logs");
	return 1;
}

/*
 * Expands the references in s (of key, where the error messages point)
 * into out. Returns 0, or -1 with e.
 */
static int
expand_str(struct cfg *c, const char *key, const char *s, int depth,
    struct buf *out, struct err *e)
{
	struct buf name = BUF_INIT, def = BUF_INIT;
	const char *p = s, *q, *colon, *v;
	json_object *ref;
	int nest, r = 0, has_def, is_msg;

	if (depth > MAX_REFS)
		return key_error(c, key, e, "references nested more than %d "
		    "deep", MAX_REFS);
	while (*p) {
		if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
			buf_add(out, "${", 2);
			p += 3;
			continue;
		}
		if (p[0] == '$' && p[1] == '}') {
			buf_addc(out, '}');
			p += 2;
			continue;
		}
		if (p[0] != '$' || p[1] != '{') {
			buf_addc(out, *p++);
			continue;
		}
		/* find the matching '}', past nested ${...} and $} */
		for (q = p + 2, nest = 1; *q; q++) {
			if (q[0] == '$' && (q[1] == '}' || q[1] == '$')) {
				q++;
				continue;
			}
			if (q[0] == '$' && q[1] == '{') {
				nest++;
				q++;
			} else if (q[0] == '}' && --nest == 0) {
				break;
			}
		}
		if (*q != '}') {
			r = key_error(c, key, e, "unterminated '${' in '%s'", s);
			break;
		}
		colon = memchr(p + 2, ':', (size_t)(q - p - 2));
		buf_reset(&name);
		buf_reset(&def);
		buf_add(&name, p + 2, (size_t)((colon ? colon : q) - p - 2));
		has_def = colon != NULL;
		is_msg = colon && colon[1] == '?';
		if (has_def)
			buf_add(&def, colon + 1 + is_msg,
			    (size_t)(q - colon - 1 - is_msg));
		if (name.len == 0) {
			r = key_error(c, key, e, "empty name in '${}' in '%s'", s);
			break;
		}
		ref = NULL;
		if (strcmp(name.p, key) != 0 &&
		    (ref = cfg_node(c, name.p)) != NULL) {
			if (!json_object_is_type(ref, json_type_string)) {
				r = key_error(c, key, e, "${%s}: not a text value",
				    name.p);
				break;
			}
			if ((r = expand_key(c, name.p, depth + 1, e)) == -1)
				break;
			buf_adds(out, json_object_get_string(cfg_node(c, name.p)));
		} else if ((v = getenv(name.p)) != NULL) {
			buf_adds(out, v);
		} else if (builtin(c, name.p, out)) {
			;
		} else if (has_def && !is_msg) {
			if ((r = expand_str(c, key, def.p ? def.p : "", depth + 1,
			    out, e)) == -1)
				break;
		} else if (is_msg) {
			r = key_error(c, key, e, "%s: %s", name.p, buf_str(&def));
			break;
		} else {
			r = key_error(c, key, e, "environment variable %s is not "
			    "set (write ${%s:default} for a default)", name.p,
			    name.p);
			break;
		}
		p = q + 1;
	}
	buf_free(&name);
	buf_free(&def);
	return r;
}

/* Returns 1 if s is exactly one reference "${...}". */
static int
whole_ref(const char *s)
{
	size_t n = strlen(s);

	return n > 3 && s[0] == '$' && s[1] == '{' && s[n - 1] == '}' &&
	    strstr(s + 2, "${") == NULL && strchr(s + 2, '}') == s + n - 1;
}

static json_object *parse_flow(struct cfg *c, const char *text,
    const char *origin, int override, const char *key, int line,
    struct err *e);

/* Returns the parent of key's node and points *last at key's last part. */
static json_object *
parent_of(struct cfg *c, const char *key, const char **last)
{
	const char *dot = strrchr(key, '.');
	json_object *p;
	char *pk;

	*last = dot ? dot + 1 : key;
	if (dot == NULL)
		return c->root;
	if ((pk = strndup(key, (size_t)(dot - key))) == NULL)
		return NULL;
	p = cfg_node(c, pk);
	free(pk);
	return p;
}

/* Expands the references of the string at key, once. */
static int
expand_key(struct cfg *c, const char *key, int depth, struct err *e)
{
	struct buf out = BUF_INIT;
	json_object *v = cfg_node(c, key), *parent, *nv;
	struct loc *l = loc_get(c, key);
	const char *s, *last;
	int r = 0;

	if (v == NULL || !json_object_is_type(v, json_type_string) || l == NULL ||
	    l->expanded)
		return 0;
	s = json_object_get_string(v);
	if (strchr(s, '$') == NULL) {
		l->expanded = 1;
		return 0;
	}
	if (l->expanding)
		return key_error(c, key, e, "'%s': a reference loop", s);
	l->expanding = 1;
	r = expand_str(c, key, s, depth, &out, e);
	l->expanding = 0;
	if (r == -1)
		goto done;
	l->expanded = 1;
	if (out.len > 0 && (out.p[0] == '[' || out.p[0] == '{') &&
	    !l->quoted && whole_ref(s)) {
		/* a list or mapping from the environment: hosts: ${ES_HOSTS} */
		parent = parent_of(c, key, &last);
		nv = parse_flow(c, out.p, l->origin, l->override, key, l->line, e);
		if (nv == NULL && e->code) {
			r = -1;
			goto done;
		}
		if (json_object_is_type(parent, json_type_array))
			json_object_array_put_idx(parent, strtoul(last, NULL, 10), nv);
		else
			json_object_object_add(parent, last, nv);
		goto done;
	}
	json_object_set_string_len(v, buf_str(&out), (int)out.len);
done:
	buf_free(&out);
	return r;
}

/* Expands every string below node (at path p). */
static int
expand_tree(struct cfg *c, json_object *node, struct buf *p, struct err *e)
{
	json_object *v;
	size_t i, n, old;
	int r = 0;

	switch (json_object_get_type(node)) {
	case json_type_string:
		return expand_key(c, buf_str(p), 0, e);
	case json_type_array:
		n = json_object_array_length(node);
		for (i = 0; i < n && r == 0; i++) {
			old = path_pushi(p, i);
			r = expand_tree(c, json_object_array_get_idx(node, i), p, e);
			path_pop(p, old);
		}
		return r;
	case json_type_object: {
		struct json_object_iterator it = json_object_iter_begin(node);
		struct json_object_iterator end = json_object_iter_end(node);
		const char *k;

		for (; r == 0 && !json_object_iter_equal(&it, &end);
		    json_object_iter_next(&it)) {
			k = json_object_iter_peek_name(&it);
			v = json_object_iter_peek_value(&it);
			old = path_push(p, k, strlen(k));
			r = expand_tree(c, v, p, e);
			path_pop(p, old);
		}
		return r;
	}
	default:
		return 0;
	}
}

/* Loads one YAML document from text into *out (NULL when empty),
 * recording locations below path. */
static int
load_text(struct cfg *c, const char *text, size_t len, const char *origin,
    int override, const char *path, json_object **out, struct err *e)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	struct ld l;
	int r;

	*out = NULL;
	if (!yaml_parser_initialize(&parser))
		return err_set(e, EXIT_RUNTIME, "config: out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		r = yaml_error(&parser, origin, override, text, len, e);
		yaml_parser_delete(&parser);
		return r;
	}
	memset(&l, 0, sizeof(l));
	l.c = c;
	l.doc = &doc;
	l.origin = origin;
	l.override = override;
	l.e = e;
	buf_adds(&l.path, path);
	r = 0;
	if ((root = yaml_document_get_root_node(&doc)) != NULL)
		r = ld_value(&l, root, out);
	buf_free(&l.path);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return r;
}

static int
null_text(const char *s)
{
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/*
 * Parses a value given as text (an -E value, or an expanded ${VAR}) as a
 * YAML node, recording the locations of what it holds below key, on the
 * line given (0 for -E). Text that is not valid YAML is taken as it is,
 * unless it is an -E value that looks like a list, a mapping or a quoted
 * string. Returns the node (NULL for null), or NULL with e->code set.
 */
static json_object *
parse_flow(struct cfg *c, const char *text, const char *origin,
    int override, const char *key, int line, struct err *e)
{
	json_object *v = NULL;
	struct err e2 = ERR_INIT;
	struct loc *l;
	size_t i, n = strlen(key);
	int literal = 0;

	loc_drop(c, key);
	if (load_text(c, text, strlen(text), origin, 1, key, &v, &e2) == -1) {
		if (override && *text && strchr("[{\"'", *text) != NULL) {
			err_set(e, e2.code, "%s", err_msg(&e2));
			err_clear(&e2);
			return NULL;
		}
		err_clear(&e2);
		loc_drop(c, key);
		literal = 1;
	} else if (v == NULL && (!null_text(text) || *text == '\0')) {
		literal = 1;	/* a comment alone, a bare tag, or -E key= */
	}
	if ((literal && (v = json_object_new_string(text)) == NULL) ||
	    (loc_get(c, key) == NULL &&
	    loc_set(c, key, origin, override, line, 0, 0) == NULL)) {
		json_object_put(v);
		err_set(e, EXIT_RUNTIME, "config: out of memory");
		return NULL;
	}
	/* the nodes made from the text are where the text was; what came
	 * from the environment is never expanded again */
	for (i = 0; i < c->tabsz; i++)
		for (l = c->tab[i]; l; l = l->next)
			if (strncmp(l->key, key, n) == 0 &&
			    (l->key[n] == '\0' || l->key[n] == '.')) {
				l->override = override != 0;
				l->line = override ? 0 : line;
				l->col = 0;
				l->expanded = !override;
			}
	return v;
}

struct cfg *
cfg_load(const char *path, struct err *e)
{
	struct buf text = BUF_INIT, p = BUF_INIT;
	struct cfg *c;
	json_object *root = NULL;
	struct loc *l;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		err_set(e, EXIT_RUNTIME, "config: out of memory");
		return NULL;
	}
	if (path == NULL) {
		if ((c->root = json_object_new_object()) == NULL)
			goto nomem;
		return c;
	}
	if ((c->path = strdup(path)) == NULL)
		goto nomem;
	if (read_file(path, &text) == -1) {
		err_set(e, EXIT_USAGE, "config file %s: %s", path,
		    errno == EFBIG ? "larger than 16 MiB" : strerror(errno));
		goto fail;
	}
	if (load_text(c, buf_str(&text), text.len, c->path, 0, "", &root,
	    e) == -1)
		goto fail;
	if (root != NULL && !json_object_is_type(root, json_type_object)) {
		l = loc_get(c, "");
		err_set(e, EXIT_USAGE, "%s:%d: the top level must be a mapping "
		    "of keys (cloudwatchlogsbeat:, output.elasticsearch:, ...)",
		    path, l ? l->line : 1);
		json_object_put(root);
		goto fail;
	}
	loc_drop(c, "");
	if (root == NULL && (root = json_object_new_object()) == NULL)
		goto nomem;
	c->root = root;
	buf_free(&text);
	if (expand_tree(c, c->root, &p, e) == -1) {
		buf_free(&p);
		cfg_free(c);
		return NULL;
	}
	buf_free(&p);
	return c;
nomem:
	err_set(e, EXIT_RUNTIME, "config: out of memory");
fail:
	buf_free(&text);
	cfg_free(c);
	return NULL;
}

void
cfg_free(struct cfg *c)
{
	struct lcache *lc, *next;
	struct loc *l, *ln;
	size_t i;

	if (c == NULL)
		return;
	json_object_put(c->root);
	for (i = 0; i < c->tabsz; i++)
		for (l = c->tab[i]; l; l = ln) {
			ln = l->next;
			loc_free(l);
		}
	free(c->tab);
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

int
cfg_secret(const char *key)
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
	return k != NULL && k->type == CFG_SECRET;
}

/* Returns the node at key, or NULL; *found says whether the key is
 * there at all (it may hold a null). */
static json_object *
node_at(struct cfg *c, const char *key, int *found)
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

	return node_at(c, key, &found);
}

const char *
cfg_where(struct cfg *c, const char *key)
{
	struct loc *l;
	struct buf b = BUF_INIT;
	int found;

	node_at(c, key, &found);
	if (!found || (l = loc_get(c, key)) == NULL)
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
	struct lcache *lc;
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
		path_push(&path, p, n);
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
			loc_drop(c, buf_str(&path));
			if (next == NULL || loc_set(c, buf_str(&path), origin, 1,
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
	v = parse_flow(c, eq + 1, origin, 1, buf_str(&path), 0, e);
	if (v == NULL && e->code)
		goto out;
	if (json_object_is_type(cur, json_type_array))
		json_object_array_put_idx(cur, idx, v);
	else
		json_object_object_add(cur, buf_str(&comp), v);
	r = expand_tree(c, v, &path, e);
out:
	buf_free(&path);
	buf_free(&comp);
	return r;
}

/* Conversions, shared by the getters and cfg_validate. Each returns 0
 * and the value, or -1 with e naming where key was set. */

static const char *
kind(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_array:
		return "a list";
	case json_type_object:
		return "a mapping";
	default:
		return "a value";
	}
}

static int
scalar(struct cfg *c, const char *key, json_object *v, const char *what,
    const char **s, struct err *e)
{
	if (!json_object_is_type(v, json_type_string))
		return key_error(c, key, e, "not %s: %s", what, kind(v));
	*s = json_object_get_string(v);
	return 0;
}

static int
conv_int(struct cfg *c, const char *key, json_object *v, int64_t *out,
    struct err *e)
{
	const char *s;
	char *end;
	long long n;

	if (scalar(c, key, v, "an integer", &s, e) == -1)
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || isspace((unsigned char)*s))
		return key_error(c, key, e, "not an integer: '%s'", s);
	if (errno == ERANGE)
		return key_error(c, key, e, "out of range: '%s'", s);
	*out = n;
	return 0;
}

static int
conv_float(struct cfg *c, const char *key, json_object *v, double *out,
    struct err *e)
{
	const char *s;
	char *end;
	double d;

	if (scalar(c, key, v, "a number", &s, e) == -1)
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (end == s || *end != '\0' || isspace((unsigned char)*s) ||
	    !isfinite(d) || (s[0] != '-' && s[0] != '+' && s[0] != '.' &&
	    !isdigit((unsigned char)s[0])))
		return key_error(c, key, e, "not a number: '%s'", s);
	if (errno == ERANGE && d != 0)
		return key_error(c, key, e, "out of range: '%s'", s);
	*out = d;
	return 0;
}

static int
conv_bool(struct cfg *c, const char *key, json_object *v, int *out,
    struct err *e)
{
	const char *s;

	if (scalar(c, key, v, "a boolean", &s, e) == -1)
		return -1;
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
	    strcmp(s, "TRUE") == 0)
		*out = 1;
	else if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
	    strcmp(s, "FALSE") == 0)
		*out = 0;
	else
		return key_error(c, key, e, "not a boolean: '%s' (write true "
		    "or false)", s);
	return 0;
}

static int
conv_duration(struct cfg *c, const char *key, json_object *v, int64_t *out,
    struct err *e)
{
	struct err e2 = ERR_INIT;
	const char *s;

	if (scalar(c, key, v, "a duration", &s, e) == -1)
		return -1;
	if (timex_duration(s, out, &e2) == -1) {
		err_clear(&e2);
		return key_error(c, key, e, "not a duration: '%s'", s);
	}
	return 0;
}

static int
conv_size(struct cfg *c, const char *key, json_object *v, int64_t *out,
    struct err *e)
{
	static const struct {
		const char *u;
		int64_t mul;
	} units[] = {
		{ "", 1 }, { "b", 1 },
		{ "k", 1000 }, { "kb", 1000 }, { "kib", 1024 },
		{ "m", 1000000 }, { "mb", 1000000 }, { "mib", 1 << 20 },
		{ "g", 1000000000 }, { "gb", 1000000000 },
		{ "gib", 1 << 30 },
		{ "t", 1000000000000LL }, { "tb", 1000000000000LL },
		{ "tib", 1LL << 40 },
	};
	const char *s, *u;
	char *end;
	double d;
	size_t i;

	if (scalar(c, key, v, "a size", &s, e) == -1)
		return -1;
	if (!isdigit((unsigned char)*s) && *s != '.')
		goto bad;
	errno = 0;
	d = strtod(s, &end);
	if (end == s || errno == ERANGE || strchr(s, 'e') || strchr(s, 'E') ||
	    strchr(s, 'x') || strchr(s, 'X'))
		goto bad;
	for (u = end; *u == ' '; u++)
		;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcasecmp(u, units[i].u) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		goto bad;
	d *= (double)units[i].mul;
	if (d >= 9.2e18)
		return key_error(c, key, e, "out of range: '%s'", s);
	*out = (int64_t)d;
	return 0;
bad:
	return key_error(c, key, e, "not a size: '%s' (write bytes, or 64KB, "
	    "10MB, 1GiB)", s);
}

/* Checks that v is a string or a list of strings; fills the array if
 * out is not NULL. */
static int
conv_strlist(struct cfg *c, const char *key, json_object *v,
    const char **out, struct err *e)
{
	struct buf k = BUF_INIT;
	json_object *it;
	size_t i, n;

	if (json_object_is_type(v, json_type_string)) {
		if (out)
			out[0] = json_object_get_string(v);
		return 0;
	}
	if (!json_object_is_type(v, json_type_array))
		return key_error(c, key, e, "not a list of strings: %s", kind(v));
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(v, i);
		if (!json_object_is_type(it, json_type_string)) {
			buf_printf(&k, "%s.%zu", key, i);
			key_error(c, buf_str(&k), e, "not a string: %s",
			    it ? kind(it) : "null");
			buf_free(&k);
			return -1;
		}
		if (out)
			out[i] = json_object_get_string(it);
	}
	return 0;
}

/* Typed getters. */

int
cfg_str(struct cfg *c, const char *key, const char *def, const char **out,
    struct err *e)
{
	json_object *v;
	int found;

	*out = def;
	if ((v = node_at(c, key, &found)) == NULL)
		return 0;
	if (scalar(c, key, v, "a string", out, e) == -1) {
		*out = def;
		return -1;
	}
	return 1;
}

int
cfg_int(struct cfg *c, const char *key, int64_t def, int64_t *out,
    struct err *e)
{
	json_object *v;
	int found;

	*out = def;
	if ((v = node_at(c, key, &found)) == NULL)
		return 0;
	return conv_int(c, key, v, out, e) == -1 ? (*out = def, -1) : 1;
}

int
cfg_float(struct cfg *c, const char *key, double def, double *out,
    struct err *e)
{
	json_object *v;
	int found;

	*out = def;
	if ((v = node_at(c, key, &found)) == NULL)
		return 0;
	return conv_float(c, key, v, out, e) == -1 ? (*out = def, -1) : 1;
}

int
cfg_bool(struct cfg *c, const char *key, int def, int *out, struct err *e)
{
	json_object *v;
	int found;

	*out = def;
	if ((v = node_at(c, key, &found)) == NULL)
		return 0;
	return conv_bool(c, key, v, out, e) == -1 ? (*out = def, -1) : 1;
}

int
cfg_duration(struct cfg *c, const char *key, int64_t def_ms,
    int64_t *out_ms, struct err *e)
{
	json_object *v;
	int found;

	*out_ms = def_ms;
	if ((v = node_at(c, key, &found)) == NULL)
		return 0;
	return conv_duration(c, key, v, out_ms, e) == -1 ?
	    (*out_ms = def_ms, -1) : 1;
}

int
cfg_size(struct cfg *c, const char *key, int64_t def, int64_t *out,
    struct err *e)
{
	json_object *v;
	int found;

	*out = def;
	if ((v = node_at(c, key, &found)) == NULL)
		return 0;
	return conv_size(c, key, v, out, e) == -1 ? (*out = def, -1) : 1;
}

int
cfg_strlist(struct cfg *c, const char *key, const char *const **out,
    size_t *n, struct err *e)
{
	static const char *const empty[] = { NULL };
	struct lcache *lc;
	json_object *v;
	size_t len;
	int found;

	*out = empty;
	*n = 0;
	if ((v = node_at(c, key, &found)) == NULL)
		return 0;
	if (conv_strlist(c, key, v, NULL, e) == -1)
		return -1;
	for (lc = c->lists; lc; lc = lc->next)
		if (lc->node == v && strcmp(lc->key, key) == 0)
			break;
	if (lc == NULL) {
		len = json_object_is_type(v, json_type_array) ?
		    json_object_array_length(v) : 1;
		if ((lc = calloc(1, sizeof(*lc))) == NULL ||
		    (lc->key = strdup(key)) == NULL ||
		    (lc->v = calloc(len + 1, sizeof(*lc->v))) == NULL) {
			if (lc)
				free(lc->key);
			free(lc);
			return err_set(e, EXIT_RUNTIME, "config: out of memory");
		}
		lc->node = v;
		lc->n = len;
		conv_strlist(c, key, v, lc->v, e);
		lc->next = c->lists;
		c->lists = lc;
	}
	*out = lc->v;
	*n = lc->n;
	return 1;
}

/* Validation against the schema. */

/* Returns 1 if some schema key lies below spath. */
static int
schema_has_below(const char *spath)
{
	const struct cfg_key *k;
	size_t n = strlen(spath);

	for (k = cfg_keys; k->key; k++)
		if (strncmp(k->key, spath, n) == 0 &&
		    (k->key[n] == '.' || k->key[n] == '['))
			return 1;
	return 0;
}

/* Returns the edit distance of a and b, or 99 past 32 bytes. */
static int
distance(const char *a, size_t na, const char *b, size_t nb)
{
	int row[33], prev, tmp, best;
	size_t i, j;

	if (na > 32 || nb > 32)
		return 99;
	for (j = 0; j <= nb; j++)
		row[j] = (int)j;
	for (i = 1; i <= na; i++) {
		prev = row[0];
		row[0] = (int)i;
		for (j = 1; j <= nb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[nb];
}

/* Returns the last part of the schema key beside spath whose name is
 * closest to spath's (a typo), or NULL. */
static const char *
suggest(const char *spath, size_t *len)
{
	const struct cfg_key *k;
	const char *dot = strrchr(spath, '.'), *name, *best = NULL;
	size_t plen = dot ? (size_t)(dot - spath) + 1 : 0, n;
	int d, bestd = 3;

	name = spath + plen;
	for (k = cfg_keys; k->key; k++) {
		if (strncmp(k->key, spath, plen) != 0)
			continue;
		n = strcspn(k->key + plen, ".[");
		d = distance(name, strlen(name), k->key + plen, n);
		if (d < bestd && d <= (int)strlen(name) / 3 + 1) {
			bestd = d;
			best = k->key + plen;
			*len = n;
		}
	}
	return best;
}

static void
warn_unknown(struct cfg *c, const char *key, const char *spath)
{
	struct loc *l = loc_get(c, key);
	struct buf b = BUF_INIT;
	const char *hint;
	size_t n = 0;

	if (l && l->warned)
		return;
	if (l)
		l->warned = 1;
	where(c, key, &b);
	if ((hint = suggest(spath, &n)) != NULL)
		log_warn("%sunknown key '%s', ignored (did you mean '%.*s'?)",
		    buf_str(&b), key, (int)n, hint);
	else
		log_warn("%sunknown key '%s', ignored", buf_str(&b), key);
	buf_free(&b);
}

static int val_members(struct cfg *c, json_object *obj, struct buf *path,
    struct buf *spath, struct err *e);

/* Registers the secrets of a value: all of it for a secret key, and
 * the passwords of URLs in its strings and lists of strings. */
static void
secrets_of(json_object *v, int secret)
{
	size_t i, n;

	if (json_object_is_type(v, json_type_array)) {
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			secrets_of(json_object_array_get_idx(v, i), secret);
		return;
	}
	if (!json_object_is_type(v, json_type_string))
		return;
	log_secret_url(json_object_get_string(v));
	if (secret)
		log_secret(json_object_get_string(v));
}

static int
val_node(struct cfg *c, json_object *v, struct buf *path, struct buf *spath,
    struct err *e)
{
	const struct cfg_key *k = cfg_schema_find(buf_str(spath));
	const char *key = buf_str(path), *s;
	size_t i, n, old, sold;
	int64_t i64;
	double d;
	int b;

	if (v == NULL)		/* "key:" with no value is the default */
		return 0;
	secrets_of(v, k && k->type == CFG_SECRET);
	if (k == NULL) {
		if (!schema_has_below(buf_str(spath))) {
			warn_unknown(c, key, buf_str(spath));
			return 0;
		}
		if (!json_object_is_type(v, json_type_object))
			return key_error(c, key, e, "not a mapping: %s", kind(v));
		return val_members(c, v, path, spath, e);
	}
	switch (k->type) {
	case CFG_STR:
	case CFG_SECRET:
		return scalar(c, key, v, "a string", &s, e);
	case CFG_INT:
		return conv_int(c, key, v, &i64, e);
	case CFG_BOOL:
		return conv_bool(c, key, v, &b, e);
	case CFG_DURATION:
		return conv_duration(c, key, v, &i64, e);
	case CFG_STRLIST:
		return conv_strlist(c, key, v, NULL, e);
	case CFG_FLOAT:
		return conv_float(c, key, v, &d, e);
	case CFG_SIZE:
		return conv_size(c, key, v, &i64, e);
	case CFG_MAP:
		if (!json_object_is_type(v, json_type_object))
			return key_error(c, key, e, "not a mapping: %s", kind(v));
		return 0;
	case CFG_LIST:
		if (!json_object_is_type(v, json_type_array))
			return key_error(c, key, e, "not a list: %s", kind(v));
		n = json_object_array_length(v);
		sold = spath->len;
		buf_adds(spath, "[]");
		for (i = 0; i < n; i++) {
			json_object *it = json_object_array_get_idx(v, i);

			old = path_pushi(path, i);
			if (it != NULL && !json_object_is_type(it, json_type_object)) {
				key_error(c, buf_str(path), e, "not a mapping: %s",
				    kind(it));
				path_pop(path, old);
				path_pop(spath, sold);
				return -1;
			}
			if (it && val_members(c, it, path, spath, e) == -1) {
				path_pop(path, old);
				path_pop(spath, sold);
				return -1;
			}
			path_pop(path, old);
		}
		path_pop(spath, sold);
		return 0;
	case CFG_ANY:
		return 0;
	}
	return 0;
}

static int
val_members(struct cfg *c, json_object *obj, struct buf *path,
    struct buf *spath, struct err *e)
{
	struct json_object_iterator it = json_object_iter_begin(obj);
	struct json_object_iterator end = json_object_iter_end(obj);
	const char *k;
	size_t old, sold;
	int r = 0;

	for (; r == 0 && !json_object_iter_equal(&it, &end);
	    json_object_iter_next(&it)) {
		k = json_object_iter_peek_name(&it);
		old = path_push(path, k, strlen(k));
		sold = path_push(spath, k, strlen(k));
		r = val_node(c, json_object_iter_peek_value(&it), path, spath, e);
		path_pop(path, old);
		path_pop(spath, sold);
	}
	return r;
}

int
cfg_validate(struct cfg *c, struct err *e)
{
	struct buf path = BUF_INIT, spath = BUF_INIT;
	int r;

	r = val_members(c, c->root, &path, &spath, e);
	buf_free(&path);
	buf_free(&spath);
	return r;
}

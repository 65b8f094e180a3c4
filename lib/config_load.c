/*
 * Loading YAML: the file (or an -E value, or an expanded ${VAR}) read
 * with libyaml's document API into the json-c tree, every node's
 * location recorded in the side table. Dotted keys are split into paths
 * and merged with their siblings, as libbeat does. ${} references are
 * expanded once everything is loaded (config_expand.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "buf.h"
#include "config.h"
#include "config_int.h"
#include "log.h"

#define MAX_FILE (16u << 20)	/* a config larger than this is a mistake */
#define MAX_NODES 100000	/* aliases may not expand past this */
#define MAX_DEPTH 64

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
	if (cfg_loc_set(l->c, buf_str(&l->path), l->origin, l->override,
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
			old = cfg_path_pushi(&l->path, i);
			r = ld_value(l, yaml_document_get_node(l->doc, *it), &v);
			cfg_path_pop(&l->path, old);
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
	struct cfg_loc *first = cfg_loc_get(l->c, buf_str(&l->path));

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
			cfg_path_pop(&l->path, base);
			return ld_error(l, &k->start_mark, *key ? "empty name "
			    "in key '%s'" : "empty key%s", key);
		}
		cfg_path_push(&l->path, p, n);
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
	cfg_path_pop(&l->path, base);
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
json_object *
cfg_parse_flow(struct cfg *c, const char *text, const char *origin,
    int override, const char *key, int line, struct err *e)
{
	json_object *v = NULL;
	struct err e2 = ERR_INIT;
	struct cfg_loc *l;
	const char *k;
	void *lv;
	size_t it = 0, n = strlen(key);
	int literal = 0;

	cfg_loc_drop(c, key);
	if (load_text(c, text, strlen(text), origin, 1, key, &v, &e2) == -1) {
		if (override && *text && strchr("[{\"'", *text) != NULL) {
			err_set(e, e2.code, "%s", err_msg(&e2));
			err_clear(&e2);
			return NULL;
		}
		err_clear(&e2);
		cfg_loc_drop(c, key);
		literal = 1;
	} else if (v == NULL && (!null_text(text) || *text == '\0')) {
		literal = 1;	/* a comment alone, a bare tag, or -E key= */
	}
	if ((literal && (v = json_object_new_string(text)) == NULL) ||
	    (cfg_loc_get(c, key) == NULL &&
	    cfg_loc_set(c, key, origin, override, line, 0, 0) == NULL)) {
		json_object_put(v);
		err_set(e, EXIT_RUNTIME, "config: out of memory");
		return NULL;
	}
	/* the nodes made from the text are where the text was; what came
	 * from the environment is never expanded again */
	while (strmap_next(c->locs, &it, &k, &lv))
		if (cfg_loc_below(k, key, n)) {
			l = lv;
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
	struct cfg_loc *l;

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
		l = cfg_loc_get(c, "");
		err_set(e, EXIT_USAGE, "%s:%d: the top level must be a mapping "
		    "of keys (cloudwatchlogsbeat:, output.elasticsearch:, ...)",
		    path, l ? l->line : 1);
		json_object_put(root);
		goto fail;
	}
	cfg_loc_drop(c, "");
	if (root == NULL && (root = json_object_new_object()) == NULL)
		goto nomem;
	c->root = root;
	buf_free(&text);
	if (cfg_expand_tree(c, c->root, &p, e) == -1) {
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

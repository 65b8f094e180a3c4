/*
 * Expanding ${VAR}, ${VAR:default} and ${VAR:?message} in the strings of
 * a loaded config: VAR is first looked up as a key of the config
 * (${path.config}), then in the environment. A whole-value reference
 * that expands to a flow list or mapping becomes one.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "config_int.h"
#include "log.h"

#define MAX_REFS 16		/* nested ${} references */

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

/* The '}' that ends the reference at p ("${"), past nested ${...} and
 * $}; the end of the string when there is none. */
static const char *
ref_end(const char *p)
{
	const char *q;
	int nest;

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
	return q;
}

static int expand_str(struct cfg *c, const char *key, const char *s,
    int depth, struct buf *out, struct err *e);

/* Appends the value of the reference to name in key: the config's
 * value of name (expanded first), else the environment's, else a
 * built-in path, else the default def (expanded too). ${name:?def}
 * makes def the error message. Returns 0, or -1 with e. */
static int
expand_ref(struct cfg *c, const char *key, const char *name, const char *def,
    int has_def, int is_msg, int depth, struct buf *out, struct err *e)
{
	json_object *ref;
	const char *v;

	if (strcmp(name, key) != 0 && (ref = cfg_node(c, name)) != NULL) {
		if (!json_object_is_type(ref, json_type_string))
			return cfg_key_error(c, key, e, "${%s}: not a text value",
			    name);
		if (expand_key(c, name, depth + 1, e) == -1)
			return -1;
		buf_adds(out, json_object_get_string(cfg_node(c, name)));
		return 0;
	}
	if ((v = getenv(name)) != NULL) {
		buf_adds(out, v);
		return 0;
	}
	if (builtin(c, name, out))
		return 0;
	if (has_def && !is_msg)
		return expand_str(c, key, def, depth + 1, out, e);
	if (is_msg)
		return cfg_key_error(c, key, e, "%s: %s", name, def);
	return cfg_key_error(c, key, e, "environment variable %s is not "
	    "set (write ${%s:default} for a default)", name, name);
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
	const char *p = s, *q, *colon;
	int r = 0, is_msg;

	if (depth > MAX_REFS)
		return cfg_key_error(c, key, e, "references nested more than %d "
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
		if (*(q = ref_end(p)) != '}') {
			r = cfg_key_error(c, key, e, "unterminated '${' in '%s'", s);
			break;
		}
		colon = memchr(p + 2, ':', (size_t)(q - p - 2));
		buf_reset(&name);
		buf_reset(&def);
		buf_add(&name, p + 2, (size_t)((colon ? colon : q) - p - 2));
		is_msg = colon && colon[1] == '?';
		if (colon)
			buf_add(&def, colon + 1 + is_msg,
			    (size_t)(q - colon - 1 - is_msg));
		if (name.len == 0) {
			r = cfg_key_error(c, key, e, "empty name in '${}' in '%s'", s);
			break;
		}
		if ((r = expand_ref(c, key, name.p, buf_str(&def), colon != NULL,
		    is_msg, depth, out, e)) == -1)
			break;
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
	struct cfg_loc *l = cfg_loc_get(c, key);
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
		return cfg_key_error(c, key, e, "'%s': a reference loop", s);
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
		nv = cfg_parse_flow(c, out.p, l->origin, l->override, key, l->line, e);
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
int
cfg_expand_tree(struct cfg *c, json_object *node, struct buf *p, struct err *e)
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
			old = cfg_path_pushi(p, i);
			r = cfg_expand_tree(c, json_object_array_get_idx(node, i), p, e);
			cfg_path_pop(p, old);
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
			old = cfg_path_push(p, k, strlen(k));
			r = cfg_expand_tree(c, v, p, e);
			cfg_path_pop(p, old);
		}
		return r;
	}
	default:
		return 0;
	}
}

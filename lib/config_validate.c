/*
 * cfg_validate: every key of a loaded config checked against the schema
 * of config_keys.c. Unknown keys are warned about (with the nearest
 * known one), values of the wrong type are errors, secrets are
 * registered with the redactor.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "config_int.h"
#include "log.h"

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
	struct cfg_loc *l = cfg_loc_get(c, key);
	struct buf b = BUF_INIT;
	const char *hint;
	size_t n = 0;

	if (l && l->warned)
		return;
	if (l)
		l->warned = 1;
	cfg_where_add(c, key, &b);
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
			return cfg_key_error(c, key, e, "not a mapping: %s", cfg_kind(v));
		return val_members(c, v, path, spath, e);
	}
	switch (k->type) {
	case CFG_STR:
	case CFG_SECRET:
		return cfg_scalar(c, key, v, "a string", &s, e);
	case CFG_INT:
		return cfg_conv_int(c, key, v, &i64, e);
	case CFG_BOOL:
		return cfg_conv_bool(c, key, v, &b, e);
	case CFG_DURATION:
		return cfg_conv_duration(c, key, v, &i64, e);
	case CFG_STRLIST:
		return cfg_conv_strlist(c, key, v, NULL, e);
	case CFG_FLOAT:
		return cfg_conv_float(c, key, v, &d, e);
	case CFG_SIZE:
		return cfg_conv_size(c, key, v, &i64, e);
	case CFG_MAP:
		if (!json_object_is_type(v, json_type_object))
			return cfg_key_error(c, key, e, "not a mapping: %s", cfg_kind(v));
		return 0;
	case CFG_LIST:
		if (!json_object_is_type(v, json_type_array))
			return cfg_key_error(c, key, e, "not a list: %s", cfg_kind(v));
		n = json_object_array_length(v);
		sold = spath->len;
		buf_adds(spath, "[]");
		for (i = 0; i < n; i++) {
			json_object *it = json_object_array_get_idx(v, i);

			old = cfg_path_pushi(path, i);
			if (it != NULL && !json_object_is_type(it, json_type_object)) {
				cfg_key_error(c, buf_str(path), e, "not a mapping: %s",
				    cfg_kind(it));
				cfg_path_pop(path, old);
				cfg_path_pop(spath, sold);
				return -1;
			}
			if (it && val_members(c, it, path, spath, e) == -1) {
				cfg_path_pop(path, old);
				cfg_path_pop(spath, sold);
				return -1;
			}
			cfg_path_pop(path, old);
		}
		cfg_path_pop(spath, sold);
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
		old = cfg_path_push(path, k, strlen(k));
		sold = cfg_path_push(spath, k, strlen(k));
		r = val_node(c, json_object_iter_peek_value(&it), path, spath, e);
		cfg_path_pop(path, old);
		cfg_path_pop(spath, sold);
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

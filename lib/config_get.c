/*
 * The typed getters (cfg_str, cfg_int, ...) and the conversions of
 * scalars they share with cfg_validate: integers, floats, booleans,
 * durations, sizes, lists of strings.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "config.h"
#include "config_int.h"
#include "timex.h"

/* Conversions, shared by the getters and cfg_validate. Each returns 0
 * and the value, or -1 with e naming where key was set. */

const char *
cfg_kind(json_object *v)
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

int
cfg_scalar(struct cfg *c, const char *key, json_object *v, const char *what,
    const char **s, struct err *e)
{
	if (!json_object_is_type(v, json_type_string))
		return cfg_key_error(c, key, e, "not %s: %s", what, cfg_kind(v));
	*s = json_object_get_string(v);
	return 0;
}

int
cfg_conv_int(struct cfg *c, const char *key, json_object *v, int64_t *out,
    struct err *e)
{
	const char *s;
	char *end;
	long long n;

	if (cfg_scalar(c, key, v, "an integer", &s, e) == -1)
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || isspace((unsigned char)*s))
		return cfg_key_error(c, key, e, "not an integer: '%s'", s);
	if (errno == ERANGE)
		return cfg_key_error(c, key, e, "out of range: '%s'", s);
	*out = n;
	return 0;
}

int
cfg_conv_float(struct cfg *c, const char *key, json_object *v, double *out,
    struct err *e)
{
	const char *s;
	char *end;
	double d;

	if (cfg_scalar(c, key, v, "a number", &s, e) == -1)
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (end == s || *end != '\0' || isspace((unsigned char)*s) ||
	    !isfinite(d) || (s[0] != '-' && s[0] != '+' && s[0] != '.' &&
	    !isdigit((unsigned char)s[0])))
		return cfg_key_error(c, key, e, "not a number: '%s'", s);
	if (errno == ERANGE && d != 0)
		return cfg_key_error(c, key, e, "out of range: '%s'", s);
	*out = d;
	return 0;
}

int
cfg_conv_bool(struct cfg *c, const char *key, json_object *v, int *out,
    struct err *e)
{
	const char *s;

	if (cfg_scalar(c, key, v, "a boolean", &s, e) == -1)
		return -1;
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
	    strcmp(s, "TRUE") == 0)
		*out = 1;
	else if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
	    strcmp(s, "FALSE") == 0)
		*out = 0;
	else
		return cfg_key_error(c, key, e, "not a boolean: '%s' (write true "
		    "or false)", s);
	return 0;
}

int
cfg_conv_duration(struct cfg *c, const char *key, json_object *v, int64_t *out,
    struct err *e)
{
	struct err e2 = ERR_INIT;
	const char *s;

	if (cfg_scalar(c, key, v, "a duration", &s, e) == -1)
		return -1;
	if (timex_duration(s, out, &e2) == -1) {
		err_clear(&e2);
		return cfg_key_error(c, key, e, "not a duration: '%s'", s);
	}
	return 0;
}

int
cfg_conv_size(struct cfg *c, const char *key, json_object *v, int64_t *out,
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

	if (cfg_scalar(c, key, v, "a size", &s, e) == -1)
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
		return cfg_key_error(c, key, e, "out of range: '%s'", s);
	*out = (int64_t)d;
	return 0;
bad:
	return cfg_key_error(c, key, e, "not a size: '%s' (write bytes, or 64KB, "
	    "10MB, 1GiB)", s);
}

/* Checks that v is a string or a list of strings; fills the array if
 * out is not NULL. */
int
cfg_conv_strlist(struct cfg *c, const char *key, json_object *v,
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
		return cfg_key_error(c, key, e, "not a list of strings: %s", cfg_kind(v));
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(v, i);
		if (!json_object_is_type(it, json_type_string)) {
			buf_printf(&k, "%s.%zu", key, i);
			cfg_key_error(c, buf_str(&k), e, "not a string: %s",
			    it ? cfg_kind(it) : "null");
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
	if ((v = cfg_node_at(c, key, &found)) == NULL)
		return 0;
	if (cfg_scalar(c, key, v, "a string", out, e) == -1) {
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
	if ((v = cfg_node_at(c, key, &found)) == NULL)
		return 0;
	return cfg_conv_int(c, key, v, out, e) == -1 ? (*out = def, -1) : 1;
}

int
cfg_float(struct cfg *c, const char *key, double def, double *out,
    struct err *e)
{
	json_object *v;
	int found;

	*out = def;
	if ((v = cfg_node_at(c, key, &found)) == NULL)
		return 0;
	return cfg_conv_float(c, key, v, out, e) == -1 ? (*out = def, -1) : 1;
}

int
cfg_bool(struct cfg *c, const char *key, int def, int *out, struct err *e)
{
	json_object *v;
	int found;

	*out = def;
	if ((v = cfg_node_at(c, key, &found)) == NULL)
		return 0;
	return cfg_conv_bool(c, key, v, out, e) == -1 ? (*out = def, -1) : 1;
}

int
cfg_duration(struct cfg *c, const char *key, int64_t def_ms,
    int64_t *out_ms, struct err *e)
{
	json_object *v;
	int found;

	*out_ms = def_ms;
	if ((v = cfg_node_at(c, key, &found)) == NULL)
		return 0;
	return cfg_conv_duration(c, key, v, out_ms, e) == -1 ?
	    (*out_ms = def_ms, -1) : 1;
}

int
cfg_size(struct cfg *c, const char *key, int64_t def, int64_t *out,
    struct err *e)
{
	json_object *v;
	int found;

	*out = def;
	if ((v = cfg_node_at(c, key, &found)) == NULL)
		return 0;
	return cfg_conv_size(c, key, v, out, e) == -1 ? (*out = def, -1) : 1;
}

int
cfg_strlist(struct cfg *c, const char *key, const char *const **out,
    size_t *n, struct err *e)
{
	static const char *const empty[] = { NULL };
	struct cfg_lcache *lc;
	json_object *v;
	size_t len;
	int found;

	*out = empty;
	*n = 0;
	if ((v = cfg_node_at(c, key, &found)) == NULL)
		return 0;
	if (cfg_conv_strlist(c, key, v, NULL, e) == -1)
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
		cfg_conv_strlist(c, key, v, lc->v, e);
		lc->next = c->lists;
		c->lists = lc;
	}
	*out = lc->v;
	*n = lc->n;
	return 1;
}

/*
 * The getters with the schema's default. A default is text, as in the
 * file, and goes through the conversion a value set there goes through;
 * one that does not convert is a mistake of the schema (test_config
 * converts every one).
 */

int
cfg_get_str(struct cfg *c, const char *key, const char **out,
    struct err *e)
{
	return cfg_str(c, key, cfg_default(key), out, e);
}

#define SCHEMA_GETTER(name, type, conv, getter) \
int \
name(struct cfg *c, const char *key, type *out, struct err *e) \
{ \
	const char *d = cfg_default(key); \
	json_object *v; \
	type def = 0; \
	int r = 0; \
 \
	if (d != NULL) { \
		if ((v = json_object_new_string(d)) == NULL) \
			return err_set(e, EXIT_RUNTIME, "config: out of " \
			    "memory"); \
		r = conv(c, key, v, &def, e); \
		json_object_put(v); \
	} \
	if (r == -1) { \
		*out = 0; \
		return -1; \
	} \
	return getter(c, key, def, out, e); \
}

SCHEMA_GETTER(cfg_get_int, int64_t, cfg_conv_int, cfg_int)
SCHEMA_GETTER(cfg_get_bool, int, cfg_conv_bool, cfg_bool)
SCHEMA_GETTER(cfg_get_duration, int64_t, cfg_conv_duration, cfg_duration)
SCHEMA_GETTER(cfg_get_float, double, cfg_conv_float, cfg_float)
SCHEMA_GETTER(cfg_get_size, int64_t, cfg_conv_size, cfg_size)

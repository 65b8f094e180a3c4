/*
 * json_oracle: what the targets of the programs' parsers hold their
 * answers against. A validator written here from RFC 8259's grammar
 * (and RFC 3629 for UTF-8), which json-c is not: json-c takes raw
 * control characters, single quotes, NaN, "1." and overlong UTF-8 even
 * in its strict mode. json-c is then used to compare values.
 */
#ifndef CWL_FUZZ_JSON_ORACLE_H
#define CWL_FUZZ_JSON_ORACLE_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

struct jv {
	const unsigned char *p;
	size_t n, i;
	int deepest;
	size_t members;		/* of all the objects */
	/* called with each raw key (quotes included) of the top-level
	 * object, and of the object that is the value of a top-level key
	 * equal to sub (raw, quotes included), if not NULL */
	void (*key)(void *arg, int level, const unsigned char *k, size_t len);
	void *arg;
	const char *sub;
};

static inline int jv_value(struct jv *v, int depth, int level);

static inline void
jv_ws(struct jv *v)
{
	while (v->i < v->n && (v->p[v->i] == ' ' || v->p[v->i] == '\t' ||
	    v->p[v->i] == '\n' || v->p[v->i] == '\r'))
		v->i++;
}

/* One UTF-8 sequence (RFC 3629, section 4) at v->i; 0 if none. */
static inline size_t
jv_utf8(const struct jv *v)
{
	const unsigned char *s = v->p + v->i;
	size_t left = v->n - v->i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return left >= 2 && s[1] >= 0x80 && s[1] <= 0xbf ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if (s[0] == 0xe0)
			lo = 0xa0;
		if (s[0] == 0xed)
			hi = 0x9f;
		return left >= 3 && s[1] >= lo && s[1] <= hi && s[2] >= 0x80 &&
		    s[2] <= 0xbf ? 3 : 0;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if (s[0] == 0xf0)
			lo = 0x90;
		if (s[0] == 0xf4)
			hi = 0x8f;
		return left >= 4 && s[1] >= lo && s[1] <= hi && s[2] >= 0x80 &&
		    s[2] <= 0xbf && s[3] >= 0x80 && s[3] <= 0xbf ? 4 : 0;
	}
	return 0;
}

static inline int
jv_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static inline int
jv_string(struct jv *v)
{
	size_t k;

	if (v->i >= v->n || v->p[v->i] != '"')
		return 0;
	v->i++;
	while (v->i < v->n) {
		unsigned char c = v->p[v->i];

		if (c == '"') {
			v->i++;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (c == '\\') {
			if (v->i + 1 >= v->n)
				return 0;
			c = v->p[v->i + 1];
			if (c == 'u') {
				if (v->n - v->i < 6 || !jv_hex(v->p[v->i + 2]) ||
				    !jv_hex(v->p[v->i + 3]) ||
				    !jv_hex(v->p[v->i + 4]) || !jv_hex(v->p[v->i + 5]))
					return 0;
				v->i += 6;
			} else if (c && strchr("\"\\/bfnrt", c)) {
				v->i += 2;
			} else {
				return 0;
			}
			continue;
		}
		if (c < 0x80) {
			v->i++;
			continue;
		}
		if ((k = jv_utf8(v)) == 0)
			return 0;
		v->i += k;
	}
	return 0;
}

static inline int
jv_digits(struct jv *v)
{
	size_t s = v->i;

	while (v->i < v->n && v->p[v->i] >= '0' && v->p[v->i] <= '9')
		v->i++;
	return v->i > s;
}

static inline int
jv_number(struct jv *v)
{
	if (v->i < v->n && v->p[v->i] == '-')
		v->i++;
	if (v->i < v->n && v->p[v->i] == '0')
		v->i++;
	else if (!jv_digits(v))
		return 0;
	if (v->i < v->n && v->p[v->i] == '.') {
		v->i++;
		if (!jv_digits(v))
			return 0;
	}
	if (v->i < v->n && (v->p[v->i] == 'e' || v->p[v->i] == 'E')) {
		v->i++;
		if (v->i < v->n && (v->p[v->i] == '+' || v->p[v->i] == '-'))
			v->i++;
		if (!jv_digits(v))
			return 0;
	}
	return 1;
}

static inline int
jv_word(struct jv *v, const char *w)
{
	size_t k = strlen(w);

	if (v->n - v->i < k || memcmp(v->p + v->i, w, k) != 0)
		return 0;
	v->i += k;
	return 1;
}

/* level: 1 for the top-level object, 2 for the object under sub. */
static inline int
jv_object(struct jv *v, int depth, int level)
{
	size_t ks;
	int sub;

	v->i++;
	jv_ws(v);
	if (v->i < v->n && v->p[v->i] == '}') {
		v->i++;
		return 1;
	}
	for (;;) {
		ks = v->i;
		if (!jv_string(v))
			return 0;
		v->members++;
		if (level && v->key)
			v->key(v->arg, level, v->p + ks, v->i - ks);
		sub = level == 1 && v->sub && v->i - ks == strlen(v->sub) &&
		    memcmp(v->p + ks, v->sub, v->i - ks) == 0;
		jv_ws(v);
		if (v->i >= v->n || v->p[v->i] != ':')
			return 0;
		v->i++;
		jv_ws(v);
		if (!jv_value(v, depth + 1, sub ? 2 : 0))
			return 0;
		jv_ws(v);
		if (v->i < v->n && v->p[v->i] == ',') {
			v->i++;
			jv_ws(v);
			continue;
		}
		if (v->i < v->n && v->p[v->i] == '}') {
			v->i++;
			return 1;
		}
		return 0;
	}
}

static inline int
jv_array(struct jv *v, int depth)
{
	v->i++;
	jv_ws(v);
	if (v->i < v->n && v->p[v->i] == ']') {
		v->i++;
		return 1;
	}
	for (;;) {
		if (!jv_value(v, depth + 1, 0))
			return 0;
		jv_ws(v);
		if (v->i < v->n && v->p[v->i] == ',') {
			v->i++;
			jv_ws(v);
			continue;
		}
		if (v->i < v->n && v->p[v->i] == ']') {
			v->i++;
			return 1;
		}
		return 0;
	}
}

/* level: 1 if this value is the whole text, 2 if it is under sub. */
static inline int
jv_value(struct jv *v, int depth, int level)
{
	if (depth > v->deepest)
		v->deepest = depth;
	if (depth > 2000 || v->i >= v->n)
		return 0;
	switch (v->p[v->i]) {
	case '{': return jv_object(v, depth, level);
	case '[': return jv_array(v, depth);
	case '"': return jv_string(v);
	case 't': return jv_word(v, "true");
	case 'f': return jv_word(v, "false");
	case 'n': return jv_word(v, "null");
	default: return jv_number(v);
	}
}

/* What json_valid saw. */
struct jv_stats {
	int deepest;		/* 0 for a scalar, 1 for an object or array
				   of scalars, ... */
	size_t members;		/* the members of all the objects */
};

/* Returns 1 if p[0..n) is one JSON value with only whitespace around it
 * (RFC 8259), else 0. st (may be NULL) gets what it saw. key (may be
 * NULL) hears the keys of the top-level object (level 1) and of the
 * object under its key sub (level 2). */
static inline int
json_valid(const void *p, size_t n, struct jv_stats *st,
    void (*key)(void *, int, const unsigned char *, size_t), void *arg,
    const char *sub)
{
	struct jv v;
	int ok;

	memset(&v, 0, sizeof(v));
	v.p = p;
	v.n = n;
	v.key = key;
	v.arg = arg;
	v.sub = sub;
	jv_ws(&v);
	ok = jv_value(&v, 0, 1);
	if (ok) {
		jv_ws(&v);
		ok = v.i == n;
	}
	if (st) {
		st->deepest = v.deepest;
		st->members = v.members;
	}
	return ok;
}

/* Returns the number of members of all the objects in o: fewer than
 * json_valid counts in its text when a key appears twice in an object
 * (json-c keeps the last). */
static inline size_t
json_members(json_object *o)
{
	size_t n = 0, i;

	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			(void)k;
			n += 1 + json_members(v);
		}
	} else if (json_object_is_type(o, json_type_array)) {
		for (i = 0; i < json_object_array_length(o); i++)
			n += json_members(json_object_array_get_idx(o, i));
	}
	return n;
}

/* Returns 1 if json-c reads p[0..n) as one value, nested up to 2000
 * deep, with *out the value (a new reference; NULL for null), else 0. */
static inline int
json_value(const void *p, size_t n, json_object **out)
{
	struct json_tokener *tok = json_tokener_new_ex(2000);
	enum json_tokener_error je;
	json_object *o;
	size_t end;

	if (tok == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, p, (int)n);
	je = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (o == NULL && je == json_tokener_continue) {
		/* a number that ends the input is whole once nothing follows */
		o = json_tokener_parse_ex(tok, "", 1);
		je = json_tokener_get_error(tok);
		end = n;
	}
	while (je == json_tokener_success && end < n &&
	    ((const char *)p)[end] != '\0' &&
	    strchr(" \t\r\n", ((const char *)p)[end]))
		end++;
	json_tokener_free(tok);
	if (je != json_tokener_success || end < n) {
		json_object_put(o);
		*out = NULL;
		return 0;
	}
	*out = o;
	return 1;
}

#endif

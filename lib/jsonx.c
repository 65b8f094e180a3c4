#include <string.h>

#include "jsonx.h"
#include "swar.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* What a byte is to jsonx_str: 0, itself in JSON; 1, escaped (a control
 * character, '"', '\\'); 2, the start of a UTF-8 sequence or a bad
 * byte. */
static unsigned char
byte_class(unsigned char c)
{
	if (c >= 0x80)
		return 2;
	return c < 0x20 || c == '"' || c == '\\';
}

/* 1 if none of the eight bytes of v is escaped or starts UTF-8. */
static int
plain8(uint64_t v)
{
	return !((v & SWAR_HIGHS) | swar_below(v, 0x20) | swar_has(v, '"') |
	    swar_has(v, '\\'));
}

int
jsonx_str(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	static unsigned char cls[256];
	static int ready;
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run, k;

	if (!ready) {
		for (k = 0; k < 256; k++)
			cls[k] = byte_class((unsigned char)k);
		ready = 1;
	}
	if (buf_reserve(b, n + 2) == -1 || buf_addc(b, '"') == -1)
		return -1;
	while (i < n) {
		/* copy the longest run that needs no escaping in one go,
		 * valid UTF-8 sequences included */
		for (run = i;;) {
			while (n - run >= 8 && plain8(swar_load(p + run)))
				run += 8;
			while (run < n && cls[p[run]] == 0)
				run++;
			if (run < n && cls[p[run]] == 2 &&
			    (k = utf8_len(p + run, n - run)) > 0) {
				run += k;
				continue;
			}
			break;
		}
		if (run > i && buf_add(b, p + i, run - i) == -1)
			return -1;
		i = run;
		if (i >= n)
			break;
		if (p[i] >= 0x80) {
			/* a byte that starts no valid sequence */
			if (buf_add(b, "\xef\xbf\xbd", 3) == -1)
				return -1;
			i++;
			continue;
		}
		switch (p[i]) {
		case '"': k = (size_t)buf_add(b, "\\\"", 2); break;
		case '\\': k = (size_t)buf_add(b, "\\\\", 2); break;
		case '\n': k = (size_t)buf_add(b, "\\n", 2); break;
		case '\r': k = (size_t)buf_add(b, "\\r", 2); break;
		case '\t': k = (size_t)buf_add(b, "\\t", 2); break;
		case '\b': k = (size_t)buf_add(b, "\\b", 2); break;
		case '\f': k = (size_t)buf_add(b, "\\f", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[p[i] >> 4], hex[p[i] & 15] };

			k = (size_t)buf_add(b, u, 6);
		}
		}
		if (k != 0)
			return -1;
		i++;
	}
	return buf_addc(b, '"');
}

int
jsonx_strz(struct buf *b, const char *s)
{
	return jsonx_str(b, s, strlen(s));
}

int
jsonx_valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (p[i] == 0 || (k = utf8_len(p + i, n - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

json_object *
jsonx_get(json_object *obj, const char *key, json_type t)
{
	json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, t))
		return NULL;
	return v;
}

const char *
jsonx_get_str(json_object *obj, const char *key, const char *def)
{
	json_object *v = jsonx_get(obj, key, json_type_string);

	return v ? json_object_get_string(v) : def;
}

int64_t
jsonx_get_int(json_object *obj, const char *key, int64_t def)
{
	json_object *v = jsonx_get(obj, key, json_type_int);
	double d;

	if (v == NULL && (v = jsonx_get(obj, key, json_type_double)) != NULL) {
		/* casting a double out of range is undefined: clamp */
		d = json_object_get_double(v);
		if (d != d)
			return def;
		if (d >= 9223372036854775807.0)
			return INT64_MAX;
		if (d <= -9223372036854775808.0)
			return INT64_MIN;
		return (int64_t)d;
	}
	return v ? json_object_get_int64(v) : def;
}

json_object *
jsonx_parse(const char *s, size_t n, const char **why)
{
	struct json_tokener *tok;
	json_object *o;
	enum json_tokener_error je;
	size_t end;

	if (n > (size_t)INT32_MAX) {
		*why = "too large";
		return NULL;
	}
	if ((tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH)) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, s, (int)n);
	je = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (o == NULL && je == json_tokener_continue) {
		/* a number that ends the input ("5") is complete only once
		 * the tokener hears that nothing follows */
		if ((o = json_tokener_parse_ex(tok, "", 1)) != NULL)
			je = json_tokener_get_error(tok);
		end = n;
	}
	if (o != NULL && je == json_tokener_success && end < n) {
		/* JSON's whitespace, not the NUL that strchr would find */
		while (end < n && s[end] != '\0' && strchr(" \t\r\n", s[end]))
			end++;
		if (end < n) {
			json_object_put(o);
			o = NULL;
			*why = "trailing data after the JSON value";
		}
	} else if (o == NULL || je != json_tokener_success) {
		if (o)
			json_object_put(o);
		o = NULL;
		*why = je == json_tokener_continue ? "truncated JSON" :
		    json_tokener_error_desc(je);
	}
	json_tokener_free(tok);
	return o;
}

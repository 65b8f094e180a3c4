/*
 * The JSON scanner of jscan.h.
 */
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "swar.h"

void
jscan_ws(struct jscan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' ||
	    *s->p == '\r' || *s->p == '\t'))
		s->p++;
}

int
jscan_bad(struct jscan *s, const char *why)
{
	if (s->why == NULL)
		s->why = why;
	return -1;
}

int
jscan_expect(struct jscan *s, char c)
{
	jscan_ws(s);
	if (s->p >= s->end || *s->p != c)
		return jscan_bad(s, "unexpected character");
	s->p++;
	return 0;
}

static int
hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static int
put_utf8(struct buf *b, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_add(b, u, n);
}

/* A string at s->p (the opening quote), decoded into the arena when
 * keep, else skipped. *off and *len say where it went. */
int
jscan_string(struct jscan *s, int keep, size_t *off, size_t *len)
{
	struct buf *a = s->arena;
	const char *p, *run;
	unsigned cp, lo;

	if (jscan_expect(s, '"') == -1)
		return -1;
	if (keep)
		*off = a->len;
	p = s->p;
	for (;;) {
		run = p;
		while (s->end - p >= 8 && !(swar_has(swar_load(p), '"') |
		    swar_has(swar_load(p), '\\')))
			p += 8;
		while (p < s->end && *p != '"' && *p != '\\')
			p++;
		if (keep && p > run && buf_add(a, run, (size_t)(p - run)) == -1)
			return jscan_bad(s, "out of memory");
		if (p >= s->end)
			return jscan_bad(s, "unterminated string");
		if (*p == '"')
			break;
		if (p + 1 >= s->end)
			return jscan_bad(s, "unterminated string");
		p++;
		if (*p == 'u') {
			if (s->end - p < 5 || hex4(p + 1, &cp) == -1)
				return jscan_bad(s, "bad \\u escape");
			p += 5;
			if (cp >= 0xd800 && cp <= 0xdbff && s->end - p >= 6 &&
			    p[0] == '\\' && p[1] == 'u' && hex4(p + 2, &lo) == 0 &&
			    lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				cp = 0xfffd;	/* a lone surrogate */
			}
			if (keep && put_utf8(a, cp) == -1)
				return jscan_bad(s, "out of memory");
			continue;
		}
		switch (*p) {
		case '"': cp = '"'; break;
		case '\\': cp = '\\'; break;
		case '/': cp = '/'; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		default:
			return jscan_bad(s, "bad escape");
		}
		if (keep && buf_addc(a, (char)cp) == -1)
			return jscan_bad(s, "out of memory");
		p++;
	}
	s->p = p + 1;
	if (keep) {
		*len = a->len - *off;
		/* NUL-terminated, for the strings used as C strings */
		if (buf_addc(a, '\0') == -1)
			return jscan_bad(s, "out of memory");
	}
	return 0;
}

/* Numbers stop at +-2^62 ms, 146 million years: far past any time, and
 * far enough from the ends of int64 that a time's arithmetic cannot
 * overflow. */
#define NUM_MAX ((int64_t)1 << 62)

/* A number as jsonx_get_int reads it from json-c, within +-NUM_MAX; with
 * a fraction or an exponent (AWS sends neither) it is read as a double
 * and truncated. */
int
jscan_number(struct jscan *s, int64_t *out)
{
	const char *p, *start;
	char tmp[64], *copy = tmp;
	int neg = 0;
	int64_t v = 0;
	double x;
	size_t n;

	jscan_ws(s);
	p = start = s->p;
	if (p < s->end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p >= s->end || *p < '0' || *p > '9')
		return jscan_bad(s, "bad number");
	while (p < s->end && *p >= '0' && *p <= '9') {
		v = v <= NUM_MAX / 10 ? v * 10 + (*p - '0') : NUM_MAX;
		p++;
	}
	if (v > NUM_MAX)
		v = NUM_MAX;
	if (p < s->end && (*p == '.' || *p == 'e' || *p == 'E' ||
	    *p == '+' || *p == '-')) {
		while (p < s->end && (*p == '.' || *p == 'e' || *p == 'E' ||
		    *p == '+' || *p == '-' || (*p >= '0' && *p <= '9')))
			p++;
		n = (size_t)(p - start);
		if (n >= sizeof(tmp) && (copy = malloc(n + 1)) == NULL)
			return jscan_bad(s, "out of memory");
		memcpy(copy, start, n);
		copy[n] = '\0';
		x = strtod(copy, NULL);
		if (copy != tmp)
			free(copy);
		s->p = p;
		*out = x >= (double)NUM_MAX ? NUM_MAX : x <= -(double)NUM_MAX ?
		    -NUM_MAX : (int64_t)x;
		return 0;
	}
	s->p = p;
	*out = neg ? -v : v;
	return 0;
}

int
jscan_literal(struct jscan *s, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return jscan_bad(s, "bad literal");
	s->p += n;
	return 0;
}

static int
container_skip(struct jscan *s, char close, int depth)
{
	size_t off, len;

	s->p++;
	jscan_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			if (jscan_string(s, 0, &off, &len) == -1 || jscan_expect(s, ':') == -1)
				return -1;
		}
		if (jscan_skip(s, depth + 1) == -1)
			return -1;
		jscan_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		return jscan_expect(s, close);
	}
}

int
jscan_skip(struct jscan *s, int depth)
{
	int64_t n;
	size_t off, len;

	if (depth > 64)
		return jscan_bad(s, "nested too deep");
	jscan_ws(s);
	if (s->p >= s->end)
		return jscan_bad(s, "truncated");
	switch (*s->p) {
	case '"': return jscan_string(s, 0, &off, &len);
	case '{': return container_skip(s, '}', depth);
	case '[': return container_skip(s, ']', depth);
	case 't': return jscan_literal(s, "true");
	case 'f': return jscan_literal(s, "false");
	case 'n': return jscan_literal(s, "null");
	default: return jscan_number(s, &n);
	}
}

/* Iterates the members of an object: calls fn for each key (NUL-ended in
 * the arena at koff). fn parses or skips the value. */
int
jscan_object(struct jscan *s, int (*fn)(struct jscan *, const char *, void *),
    void *arg)
{
	size_t koff, klen, mark;
	int r;

	if (jscan_expect(s, '{') == -1)
		return -1;
	jscan_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return 0;
	}
	for (;;) {
		mark = s->arena->len;
		if (jscan_string(s, 1, &koff, &klen) == -1 || jscan_expect(s, ':') == -1)
			return -1;
		r = fn(s, s->arena->p + koff, arg);
		/* the key is not needed past here, unless fn kept strings */
		if (s->arena->len == koff + klen + 1)
			s->arena->len = mark;
		if (r == -1)
			return -1;
		jscan_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		return jscan_expect(s, '}');
	}
}

int
jscan_array(struct jscan *s, int (*fn)(struct jscan *, void *), void *arg)
{
	if (jscan_expect(s, '[') == -1)
		return -1;
	jscan_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return 0;
	}
	for (;;) {
		if (fn(s, arg) == -1)
			return -1;
		jscan_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		return jscan_expect(s, ']');
	}
}

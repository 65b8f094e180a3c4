/*
 * scan.c: one validating pass over an input line, on the raw bytes. It
 * checks the line is one JSON object (RFC 8259: UTF-8, no control
 * characters in strings, no NUL anywhere), and finds the top-level
 * "@metadata" member, its "_id" and its "cursor", so that the document
 * can be shipped with @metadata cut out and every other byte unchanged.
 * Parsing with json-c and writing the object back would be slower and
 * would change numbers, escapes and key order.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "ship.h"

#define MAX_DEPTH 512

struct sc {
	const unsigned char *p;
	size_t n, i;
	struct scan *s;
};

static int
fail(struct sc *c, const char *what)
{
	if (c->i < c->n && c->p[c->i] == '\0')
		snprintf(c->s->why, sizeof(c->s->why), "NUL byte at column %zu",
		    c->i + 1);
	else if (c->i >= c->n)
		snprintf(c->s->why, sizeof(c->s->why),
		    "not JSON: the line ends inside %s", what);
	else if (c->p[c->i] >= 0x20 && c->p[c->i] < 0x7f)
		snprintf(c->s->why, sizeof(c->s->why),
		    "not JSON: unexpected '%c' in %s at column %zu",
		    c->p[c->i], what, c->i + 1);
	else
		snprintf(c->s->why, sizeof(c->s->why),
		    "not JSON: unexpected byte 0x%02x in %s at column %zu",
		    c->p[c->i], what, c->i + 1);
	return -1;
}

static void
ws(struct sc *c)
{
	while (c->i < c->n && (c->p[c->i] == ' ' || c->p[c->i] == '\t' ||
	    c->p[c->i] == '\r' || c->p[c->i] == '\n'))
		c->i++;
}

static int
hexval(unsigned char h)
{
	if (h >= '0' && h <= '9')
		return h - '0';
	if (h >= 'a' && h <= 'f')
		return h - 'a' + 10;
	if (h >= 'A' && h <= 'F')
		return h - 'A' + 10;
	return -1;
}

/* One UTF-8 sequence starting with a byte >= 0x80 at c->i. */
static int
utf8(struct sc *c)
{
	const unsigned char *p = c->p + c->i;
	size_t left = c->n - c->i, k, len;
	unsigned cp, min;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2, cp = p[0] & 0x1f, min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3, cp = p[0] & 0x0f, min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4, cp = p[0] & 0x07, min = 0x10000;
	} else
		goto bad;
	if (left < len)
		goto bad;
	for (k = 1; k < len; k++) {
		if ((p[k] & 0xc0) != 0x80)
			goto bad;
		cp = cp << 6 | (p[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		goto bad;
	c->i += len;
	return 0;
bad:
	snprintf(c->s->why, sizeof(c->s->why),
	    "not valid UTF-8 at column %zu", c->i + 1);
	return -1;
}

/* 1 for the bytes a string holds as they are: printable ASCII but the
 * quote and the backslash. */
static const unsigned char plain[256] = {
	[0x20] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x30] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x40] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x50] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	[0x60] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	[0x70] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

static int
string(struct sc *c)
{
	const unsigned char *p = c->p;
	size_t n = c->n, i;
	unsigned char ch;
	int k;

	c->i++;		/* the opening quote */
	for (;;) {
		/* the common case: plain ASCII, four bytes a step */
		i = c->i;
		while (i + 4 <= n && plain[p[i]] && plain[p[i + 1]] &&
		    plain[p[i + 2]] && plain[p[i + 3]])
			i += 4;
		while (i < n && plain[p[i]])
			i++;
		c->i = i;
		if (c->i >= n)
			return fail(c, "a string");
		ch = p[c->i];
		if (ch == '"') {
			c->i++;
			return 0;
		}
		if (ch == '\\') {
			if (c->i + 1 >= n) {
				c->i = n;
				return fail(c, "a string");
			}
			ch = p[c->i + 1];
			if (strchr("\"\\/bfnrt", ch) != NULL && ch != '\0') {
				c->i += 2;
				continue;
			}
			if (ch != 'u') {
				c->i++;
				return fail(c, "an escape");
			}
			c->i += 2;
			for (k = 0; k < 4; k++, c->i++)
				if (c->i >= n || hexval(p[c->i]) < 0)
					return fail(c, "a \\u escape");
			continue;
		}
		if (ch < 0x20) {
			if (ch == '\0')
				return fail(c, "a string");
			snprintf(c->s->why, sizeof(c->s->why),
			    "not JSON: control character 0x%02x in a string at "
			    "column %zu", ch, c->i + 1);
			return -1;
		}
		if (utf8(c) == -1)
			return -1;
	}
}

static int
digits(struct sc *c)
{
	size_t start = c->i;

	while (c->i < c->n && c->p[c->i] >= '0' && c->p[c->i] <= '9')
		c->i++;
	return c->i > start ? 0 : fail(c, "a number");
}

static int
number(struct sc *c)
{
	if (c->p[c->i] == '-')
		c->i++;
	if (c->i < c->n && c->p[c->i] == '0')
		c->i++;
	else if (digits(c) == -1)
		return -1;
	if (c->i < c->n && c->p[c->i] == '.') {
		c->i++;
		if (digits(c) == -1)
			return -1;
	}
	if (c->i < c->n && (c->p[c->i] == 'e' || c->p[c->i] == 'E')) {
		c->i++;
		if (c->i < c->n && (c->p[c->i] == '+' || c->p[c->i] == '-'))
			c->i++;
		if (digits(c) == -1)
			return -1;
	}
	return 0;
}

static int
literal(struct sc *c, const char *w)
{
	size_t k = strlen(w);

	if (c->n - c->i < k || memcmp(c->p + c->i, w, k) != 0)
		return fail(c, "a value");
	c->i += k;
	return 0;
}

static int value(struct sc *c, int depth);

static int object(struct sc *c, int depth, int level);

/* Notes where the members cwl-ship needs are, once one is scanned (its
 * key at kstart, klen bytes with the quotes; its value from vstart to
 * c->i): @metadata, the cut that takes it out (from cut_from) and aws
 * on the line (level 1), _id and cursor in @metadata (level 2). Returns
 * 0, or -1 with s->why. */
static int
note_member(struct sc *c, int depth, int level, size_t kstart, size_t klen,
    size_t vstart, size_t cut_from)
{
	struct scan *s = c->s;

	if (level == 1 && klen == 11 &&
	    memcmp(c->p + kstart, "\"@metadata\"", 11) == 0) {
		if (s->meta_len) {
			snprintf(s->why, sizeof(s->why),
			    "@metadata appears twice");
			return -1;
		}
		s->meta_off = vstart;
		s->meta_len = c->i - vstart;
		s->cut_off = cut_from;
		s->cut_len = c->i - cut_from;
		if (c->p[vstart] == '{') {
			size_t save = c->i;

			c->i = vstart;
			if (object(c, depth + 1, 2) == -1)
				return -1;
			c->i = save;
		}
	} else if (level == 1 && klen == 5 && s->aws_len == 0 &&
	    memcmp(c->p + kstart, "\"aws\"", 5) == 0) {
		/* where cwl-ship's --stats finds the ingestion time,
		 * without a second walk of the line */
		s->aws_off = vstart;
		s->aws_len = c->i - vstart;
	} else if (level == 2 && klen == 5 &&
	    memcmp(c->p + kstart, "\"_id\"", 5) == 0) {
		s->id_off = vstart;
		s->id_len = c->i - vstart;
	} else if (level == 2 && klen == 8 &&
	    memcmp(c->p + kstart, "\"cursor\"", 8) == 0) {
		s->cur_off = vstart;
		s->cur_len = c->i - vstart;
	}
	return 0;
}

/* An object at c->i. With top, records @metadata (level 1) and its _id
 * and cursor (level 2). level: 0 plain, 1 the line, 2 @metadata. */
static int
object(struct sc *c, int depth, int level)
{
	size_t kstart, klen, vstart, mstart, prevcomma = 0;
	int first = 1;
	struct scan *s = c->s;

	if (depth > MAX_DEPTH) {
		snprintf(s->why, sizeof(s->why),
		    "not JSON: nested deeper than %d levels", MAX_DEPTH);
		return -1;
	}
	c->i++;
	ws(c);
	if (c->i < c->n && c->p[c->i] == '}') {
		c->i++;
		return 0;
	}
	for (;;) {
		if (c->i >= c->n || c->p[c->i] != '"')
			return fail(c, "an object");
		mstart = kstart = c->i;
		if (string(c) == -1)
			return -1;
		klen = c->i - kstart;
		ws(c);
		if (c->i >= c->n || c->p[c->i] != ':')
			return fail(c, "an object");
		c->i++;
		ws(c);
		vstart = c->i;
		if (value(c, depth + 1) == -1)
			return -1;
		if (note_member(c, depth, level, kstart, klen, vstart,
		    first ? mstart : prevcomma) == -1)
			return -1;
		ws(c);
		if (c->i < c->n && c->p[c->i] == ',') {
			/* @metadata first: its cut takes the comma after it */
			if (level == 1 && first && s->meta_len &&
			    s->cut_off == mstart)
				s->cut_len = c->i + 1 - mstart;
			prevcomma = c->i;
			c->i++;
			ws(c);
			first = 0;
			continue;
		}
		if (c->i < c->n && c->p[c->i] == '}') {
			c->i++;
			return 0;
		}
		return fail(c, "an object");
	}
}

static int
array(struct sc *c, int depth)
{
	if (depth > MAX_DEPTH) {
		snprintf(c->s->why, sizeof(c->s->why),
		    "not JSON: nested deeper than %d levels", MAX_DEPTH);
		return -1;
	}
	c->i++;
	ws(c);
	if (c->i < c->n && c->p[c->i] == ']') {
		c->i++;
		return 0;
	}
	for (;;) {
		if (value(c, depth + 1) == -1)
			return -1;
		ws(c);
		if (c->i < c->n && c->p[c->i] == ',') {
			c->i++;
			ws(c);
			continue;
		}
		if (c->i < c->n && c->p[c->i] == ']') {
			c->i++;
			return 0;
		}
		return fail(c, "an array");
	}
}

static int
value(struct sc *c, int depth)
{
	if (c->i >= c->n)
		return fail(c, "a value");
	switch (c->p[c->i]) {
	case '{':
		return object(c, depth, 0);
	case '[':
		return array(c, depth);
	case '"':
		return string(c);
	case 't':
		return literal(c, "true");
	case 'f':
		return literal(c, "false");
	case 'n':
		return literal(c, "null");
	default:
		if (c->p[c->i] == '-' ||
		    (c->p[c->i] >= '0' && c->p[c->i] <= '9'))
			return number(c);
		return fail(c, "a value");
	}
}

int
scan_line(const char *p, size_t n, struct scan *s)
{
	struct sc c = { (const unsigned char *)p, n, 0, s };
	size_t start;

	memset(s, 0, sizeof(*s));
	ws(&c);
	if (c.i == n)
		return 0;
	start = c.i;
	if (c.p[c.i] != '{') {
		if (c.p[c.i] == '[' || c.p[c.i] == '"' || c.p[c.i] == '-' ||
		    (c.p[c.i] >= '0' && c.p[c.i] <= '9') ||
		    c.p[c.i] == 't' || c.p[c.i] == 'f' || c.p[c.i] == 'n') {
			if (value(&c, 0) == -1)
				return -1;
			ws(&c);
			if (c.i == n) {
				snprintf(s->why, sizeof(s->why),
				    "not a JSON object but %s",
				    p[start] == '[' ? "an array" :
				    p[start] == '"' ? "a string" :
				    p[start] == 't' || p[start] == 'f' ?
				    "a boolean" : p[start] == 'n' ? "null" :
				    "a number");
				return -1;
			}
		}
		return fail(&c, "the line");
	}
	if (object(&c, 0, 1) == -1)
		return -1;
	s->doc_off = start;
	s->doc_len = c.i - start;
	ws(&c);
	if (c.i != n)
		return fail(&c, "the line after the object");
	return 1;
}

/* Skips a valid value at c->i (no checks). */
static void
skip(struct sc *c)
{
	int depth = 0;
	unsigned char ch;

	do {
		ch = c->p[c->i];
		if (ch == '"') {
			c->i++;
			while (c->i < c->n && c->p[c->i] != '"') {
				if (c->p[c->i] == '\\')
					c->i++;
				c->i++;
			}
			c->i++;
		} else if (ch == '{' || ch == '[') {
			depth++;
			c->i++;
		} else if (ch == '}' || ch == ']') {
			depth--;
			c->i++;
		} else if (ch == ',' || ch == ':' || ch == ' ' || ch == '\t' ||
		    ch == '\r' || ch == '\n') {
			c->i++;
		} else {
			while (c->i < c->n && strchr(",:]} \t\r\n", c->p[c->i]) == NULL)
				c->i++;
		}
		if (depth > 0)
			while (c->i < c->n && (c->p[c->i] == ' ' ||
			    c->p[c->i] == '\t' || c->p[c->i] == '\r' ||
			    c->p[c->i] == '\n'))
				c->i++;
	} while (depth > 0 && c->i < c->n);
}

int
scan_member(const char *p, size_t n, const char *key, size_t *off,
    size_t *len)
{
	struct sc c = { (const unsigned char *)p, n, 0, NULL };
	size_t klen = strlen(key), ks, ke;

	ws(&c);
	if (c.i >= n || p[c.i] != '{')
		return 0;
	c.i++;
	for (;;) {
		ws(&c);
		if (c.i >= n || p[c.i] != '"')
			return 0;
		ks = c.i;
		skip(&c);
		ke = c.i;
		ws(&c);
		c.i++;		/* ':' */
		ws(&c);
		if (ke - ks == klen + 2 && memcmp(p + ks + 1, key, klen) == 0) {
			*off = c.i;
			skip(&c);
			*len = c.i - *off;
			return 1;
		}
		skip(&c);
		ws(&c);
		if (c.i >= n || p[c.i] != ',')
			return 0;
		c.i++;
	}
}

int
scan_path(const char *p, size_t n, const char *path, size_t *off,
    size_t *len)
{
	char key[256];
	const char *dot;
	size_t o = 0, l = n, ko, kl, k;

	for (;;) {
		dot = strchr(path, '.');
		k = dot ? (size_t)(dot - path) : strlen(path);
		if (k >= sizeof(key))
			return 0;
		memcpy(key, path, k);
		key[k] = '\0';
		if (!scan_member(p + o, l, key, &ko, &kl))
			return 0;
		o += ko;
		l = kl;
		if (dot == NULL)
			break;
		path = dot + 1;
	}
	*off = o;
	*len = l;
	return 1;
}

int
scan_scalar(const char *p, size_t n, struct buf *b)
{
	json_object *o;
	json_tokener *t;
	const char *q;
	size_t i;

	if (n == 0 || p[0] == '{' || p[0] == '[' || p[0] == 'n')
		return -1;
	if (p[0] != '"')
		return buf_add(b, p, n);
	for (i = 1; i + 1 < n && p[i] != '\\'; i++)
		;
	if (i + 1 >= n)		/* no escapes */
		return buf_add(b, p + 1, n - 2);
	if ((t = json_tokener_new()) == NULL)
		return -1;
	o = json_tokener_parse_ex(t, p, (int)n);
	json_tokener_free(t);
	if (o == NULL || (q = json_object_get_string(o)) == NULL) {
		json_object_put(o);
		return -1;
	}
	i = (size_t)json_object_get_string_len(o);
	if (buf_add(b, q, i) == -1) {
		json_object_put(o);
		return -1;
	}
	json_object_put(o);
	return 0;
}

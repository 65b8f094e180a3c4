/*
 * A page of GetLogEvents or FilterLogEvents, parsed in one pass over the
 * response body with no allocation per event: the strings are decoded
 * into one arena and the events kept as offsets into it. A page holds up
 * to 10,000 events and 1 MB of messages; this is where cwl-tail spends
 * its time, so it does not build a json-c tree.
 */
#include <stdlib.h>
#include <string.h>

#include "page.h"

struct scan {
	const char *p, *end;
	struct buf *arena;
	const char *why;
};

static void
ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' ||
	    *s->p == '\r' || *s->p == '\t'))
		s->p++;
}

static int
bad(struct scan *s, const char *why)
{
	if (s->why == NULL)
		s->why = why;
	return -1;
}

static int
expect(struct scan *s, char c)
{
	ws(s);
	if (s->p >= s->end || *s->p != c)
		return bad(s, "unexpected character");
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
static int
string(struct scan *s, int keep, size_t *off, size_t *len)
{
	struct buf *a = s->arena;
	const char *p, *run;
	unsigned cp, lo;

	if (expect(s, '"') == -1)
		return -1;
	if (keep)
		*off = a->len;
	p = s->p;
	for (;;) {
		run = p;
		while (p < s->end && *p != '"' && *p != '\\')
			p++;
		if (keep && p > run && buf_add(a, run, (size_t)(p - run)) == -1)
			return bad(s, "out of memory");
		if (p >= s->end)
			return bad(s, "unterminated string");
		if (*p == '"')
			break;
		if (p + 1 >= s->end)
			return bad(s, "unterminated string");
		p++;
		if (*p == 'u') {
			if (s->end - p < 5 || hex4(p + 1, &cp) == -1)
				return bad(s, "bad \\u escape");
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
				return bad(s, "out of memory");
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
			return bad(s, "bad escape");
		}
		if (keep && buf_addc(a, (char)cp) == -1)
			return bad(s, "out of memory");
		p++;
	}
	s->p = p + 1;
	if (keep) {
		*len = a->len - *off;
		/* NUL-terminated, for the strings used as C strings */
		if (buf_addc(a, '\0') == -1)
			return bad(s, "out of memory");
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
static int
number(struct scan *s, int64_t *out)
{
	const char *p, *start;
	char tmp[64], *copy = tmp;
	int neg = 0;
	int64_t v = 0;
	double x;
	size_t n;

	ws(s);
	p = start = s->p;
	if (p < s->end && *p == '-') {
		neg = 1;
		p++;
	}
	if (p >= s->end || *p < '0' || *p > '9')
		return bad(s, "bad number");
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
			return bad(s, "out of memory");
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

static int value_skip(struct scan *s, int depth);

static int
literal(struct scan *s, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return bad(s, "bad literal");
	s->p += n;
	return 0;
}

static int
container_skip(struct scan *s, char close, int depth)
{
	size_t off, len;

	s->p++;
	ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			if (string(s, 0, &off, &len) == -1 || expect(s, ':') == -1)
				return -1;
		}
		if (value_skip(s, depth + 1) == -1)
			return -1;
		ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		return expect(s, close);
	}
}

static int
value_skip(struct scan *s, int depth)
{
	int64_t n;
	size_t off, len;

	if (depth > 64)
		return bad(s, "nested too deep");
	ws(s);
	if (s->p >= s->end)
		return bad(s, "truncated");
	switch (*s->p) {
	case '"': return string(s, 0, &off, &len);
	case '{': return container_skip(s, '}', depth);
	case '[': return container_skip(s, ']', depth);
	case 't': return literal(s, "true");
	case 'f': return literal(s, "false");
	case 'n': return literal(s, "null");
	default: return number(s, &n);
	}
}

/* Iterates the members of an object: calls fn for each key (NUL-ended in
 * the arena at koff). fn parses or skips the value. */
static int
object(struct scan *s, int (*fn)(struct scan *, const char *, void *),
    void *arg)
{
	size_t koff, klen, mark;
	int r;

	if (expect(s, '{') == -1)
		return -1;
	ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return 0;
	}
	for (;;) {
		mark = s->arena->len;
		if (string(s, 1, &koff, &klen) == -1 || expect(s, ':') == -1)
			return -1;
		r = fn(s, s->arena->p + koff, arg);
		/* the key is not needed past here, unless fn kept strings */
		if (s->arena->len == koff + klen + 1)
			s->arena->len = mark;
		if (r == -1)
			return -1;
		ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		return expect(s, '}');
	}
}

static int
str_member(struct scan *s, struct pstr *out)
{
	ws(s);
	if (s->p < s->end && *s->p == 'n')
		return literal(s, "null");
	out->set = 1;
	return string(s, 1, &out->off, &out->len);
}

static int
event_member(struct scan *s, const char *key, void *arg)
{
	struct page_ev *ev = arg;

	if (strcmp(key, "timestamp") == 0)
		return number(s, &ev->ts);
	if (strcmp(key, "ingestionTime") == 0) {
		ev->has_ingest = 1;
		return number(s, &ev->ingest);
	}
	if (strcmp(key, "message") == 0)
		return str_member(s, &ev->msg);
	if (strcmp(key, "eventId") == 0)
		return str_member(s, &ev->id);
	if (strcmp(key, "logStreamName") == 0)
		return str_member(s, &ev->stream);
	return value_skip(s, 1);
}

static int
events(struct scan *s, struct page *pg)
{
	if (expect(s, '[') == -1)
		return -1;
	ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return 0;
	}
	for (;;) {
		struct page_ev *ev;

		if (pg->nev == pg->capev) {
			size_t cap = pg->capev ? pg->capev * 2 : 1024;
			struct page_ev *v = realloc(pg->ev, cap * sizeof(*v));

			if (v == NULL)
				return bad(s, "out of memory");
			pg->ev = v;
			pg->capev = cap;
		}
		ev = &pg->ev[pg->nev];
		memset(ev, 0, sizeof(*ev));
		if (object(s, event_member, ev) == -1)
			return -1;
		if (!ev->has_ingest)
			ev->ingest = ev->ts;
		pg->nev++;
		ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		return expect(s, ']');
	}
}

static int
top_member(struct scan *s, const char *key, void *arg)
{
	struct page *pg = arg;

	if (strcmp(key, "events") == 0) {
		ws(s);
		if (s->p < s->end && *s->p == 'n')
			return literal(s, "null");
		return events(s, pg);
	}
	if (strcmp(key, "nextForwardToken") == 0 || strcmp(key, "nextToken") == 0)
		return str_member(s, &pg->next);
	return value_skip(s, 1);
}

int
page_parse(struct page *pg, const char *body, size_t n, const char **why)
{
	struct scan s;

	pg->nev = 0;
	memset(&pg->next, 0, sizeof(pg->next));
	buf_reset(&pg->arena);
	if (buf_reserve(&pg->arena, n + 1) == -1) {
		*why = "out of memory";
		return -1;
	}
	s.p = body;
	s.end = body + n;
	s.arena = &pg->arena;
	s.why = NULL;
	ws(&s);
	if (s.p == s.end) {
		/* an empty body: an empty page */
		return 0;
	}
	if (object(&s, top_member, pg) == -1) {
		*why = s.why ? s.why : "bad JSON";
		return -1;
	}
	ws(&s);
	if (s.p != s.end) {
		*why = "trailing data after the JSON value";
		return -1;
	}
	return 0;
}

void
page_free(struct page *pg)
{
	buf_free(&pg->arena);
	free(pg->ev);
	memset(pg, 0, sizeof(*pg));
}

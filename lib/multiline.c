#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "multiline.h"

/* Perl classes, outside and inside a bracket expression. */
static const char *
perl_class(char c, int in_bracket)
{
	switch (c) {
	case 'd': return in_bracket ? "0-9" : "[0-9]";
	case 'D': return in_bracket ? NULL : "[^0-9]";
	case 's': return in_bracket ? "[:space:]" : "[[:space:]]";
	case 'S': return in_bracket ? NULL : "[^[:space:]]";
	case 'w': return in_bracket ? "[:alnum:]_" : "[[:alnum:]_]";
	case 'W': return in_bracket ? NULL : "[^[:alnum:]_]";
	}
	return NULL;
}

static int
ctl_escape(char c)
{
	switch (c) {
	case 't': return '\t';
	case 'n': return '\n';
	case 'r': return '\r';
	case 'f': return '\f';
	case 'v': return '\v';
	}
	return 0;
}

/*
 * A bracket expression from p (just after '['). In POSIX a backslash is
 * literal inside brackets, and ']' and '-' are literal only first and
 * last: escaped ones are moved there. Returns the position after ']'.
 */
static const char *
bracket(const char *p, struct buf *out, struct err *e, const char *re2)
{
	struct buf body = BUF_INIT;
	int negate = 0, rbracket = 0, dash = 0, r = 0;
	const char *cls;

	if (*p == '^') {
		negate = 1;
		p++;
	}
	if (*p == ']') {
		rbracket = 1;
		p++;
	}
	while (*p && *p != ']') {
		if (p[0] == '[' && p[1] == ':') {
			const char *end = strstr(p + 2, ":]");

			if (end == NULL)
				break;
			r |= buf_add(&body, p, (size_t)(end + 2 - p));
			p = end + 2;
		} else if (p[0] == '\\' && p[1]) {
			int c = ctl_escape(p[1]);

			if ((cls = perl_class(p[1], 1)) != NULL)
				r |= buf_adds(&body, cls);
			else if (strchr("DSW", p[1])) {
				buf_free(&body);
				return err_set(e, EXIT_USAGE, "multiline pattern "
				    "'%s': \\%c inside brackets is not supported",
				    re2, p[1]), NULL;
			} else if (p[1] == ']')
				rbracket = 1;
			else if (p[1] == '-')
				dash = 1;
			else
				r |= buf_addc(&body, c ? (char)c : p[1]);
			p += 2;
		} else {
			r |= buf_addc(&body, *p++);
		}
	}
	if (*p != ']') {
		buf_free(&body);
		return err_set(e, EXIT_USAGE, "multiline pattern '%s': "
		    "missing ]", re2), NULL;
	}
	r |= buf_addc(out, '[');
	if (negate)
		r |= buf_addc(out, '^');
	if (rbracket)
		r |= buf_addc(out, ']');
	/* a '^' first in the body would negate: move it after another item */
	if (body.len > 0 && body.p[0] == '^' && !rbracket) {
		if (body.len == 1) {
			r |= buf_addc(out, '^');
		} else {
			r |= buf_add(out, body.p + 1, body.len - 1);
			r |= buf_addc(out, '^');
		}
	} else {
		r |= buf_add(out, body.p, body.len);
	}
	if (dash)
		r |= buf_addc(out, '-');
	r |= buf_addc(out, ']');
	buf_free(&body);
	if (r)
		return err_set(e, EXIT_RUNTIME, "out of memory"), NULL;
	return p + 1;
}

int
multiline_translate(const char *re2, struct buf *out, int *icase,
    struct err *e)
{
	const char *p = re2, *cls;
	int r = 0, c;

	*icase = 0;
	if (strncmp(p, "(?i)", 4) == 0) {
		*icase = 1;
		p += 4;
	}
	while (*p) {
		if (p[0] == '\\' && p[1]) {
			if ((cls = perl_class(p[1], 0)) != NULL)
				r |= buf_adds(out, cls);
			else if (p[1] == 'A')
				r |= buf_addc(out, '^');
			else if (p[1] == 'z')
				r |= buf_addc(out, '$');
			else if ((c = ctl_escape(p[1])) != 0)
				r |= buf_addc(out, (char)c);
			else if (p[1] == 'p' || p[1] == 'P' || p[1] == 'Q')
				return err_set(e, EXIT_USAGE, "multiline pattern "
				    "'%s': \\%c is not supported", re2, p[1]);
			else
				r |= buf_add(out, p, 2);
			p += 2;
		} else if (*p == '[') {
			if ((p = bracket(p + 1, out, e, re2)) == NULL)
				return -1;
		} else if (p[0] == '(' && p[1] == '?') {
			if (p[2] != ':')
				return err_set(e, EXIT_USAGE, "multiline pattern "
				    "'%s': (?%c is not supported", re2, p[2] ? p[2] : ' ');
			r |= buf_addc(out, '(');
			p += 3;
		} else if (p[0] == '?' && out->len > 0 && p != re2 &&
		    strchr("*+?}", p[-1]) && !(p - 1 > re2 && p[-2] == '\\')) {
			/* lazy quantifier: the same as greedy for a match test */
			p++;
		} else {
			r |= buf_addc(out, *p++);
		}
	}
	if (r)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	return 0;
}

/*
 * RE2, whose syntax the original beat's patterns follow, refuses a
 * repetition of a repetition ("a**", "a+{2}": "invalid nested repetition
 * operator") and counts above 1000 ("invalid repeat size"). glibc's
 * regcomp accepts both and then takes time and memory exponential in
 * them, so they are refused here too, as is a product of nested counts
 * past 1000 ("(a{100}){100}").
 */
/* Reads a counted repetition "{n}", "{n,}", "{n,m}" or "{,m}" at p.
 * Returns the largest count it allows (n when unbounded above) and moves
 * *end past it. */
static long
repeat_count(const char *p, const char **end)
{
	long lo = 0, hi = 0;
	char *q;

	lo = strtol(p + 1, &q, 10);
	if (*q == ',')
		hi = strtol(q + 1, &q, 10);
	while (*q && *q != '}')
		q++;
	*end = *q ? q + 1 : q;
	return hi > lo ? hi : lo;
}

/*
 * RE2, whose syntax the original beat's patterns follow, refuses a
 * repetition of a repetition ("a**", "a+{2}": "invalid nested repetition
 * operator"), counts above 1000 ("invalid repeat size"), and nested
 * counts whose product passes 1000 ("(a{100}){100}"). glibc's regcomp
 * accepts them all and then takes time and memory exponential in them,
 * so they are refused here too.
 */
static int
check_repetition(const char *ere, const char *pattern, struct err *e)
{
	long inner[64], c, total;
	size_t depth = 0;
	const char *p = ere, *q;
	int last = 0;	/* 0: nothing to repeat, 1: an atom, 2: a repetition */

	inner[0] = 1;
	while (*p) {
		if (*p == '\\' && p[1]) {
			p += 2;
			last = 1;
		} else if (*p == '[') {
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']') {
				if (p[0] == '[' && p[1] && strchr(":.=", p[1]) &&
				    (q = strchr(p + 2, ']')) != NULL)
					p = q;
				p++;
			}
			if (*p)
				p++;
			last = 1;
		} else if (*p == '(') {
			if (++depth >= sizeof(inner) / sizeof(inner[0]))
				return err_set(e, EXIT_USAGE, "multiline pattern "
				    "'%s': groups nested too deep", pattern);
			inner[depth] = 1;
			p++;
			last = 0;
		} else if (*p == ')') {
			total = inner[depth];
			if (depth)
				depth--;
			p++;
			last = 1;
			if (*p == '{') {
				if ((c = repeat_count(p, &p)) > 1000)
					return err_set(e, EXIT_USAGE, "multiline "
					    "pattern '%s': invalid repeat size",
					    pattern);
				total *= c > 0 ? c : 1;
				last = 2;
			}
			if (total > 1000)
				return err_set(e, EXIT_USAGE, "multiline pattern "
				    "'%s': nested repetition counts past 1000",
				    pattern);
			if (total > inner[depth])
				inner[depth] = total;
		} else if (*p == '*' || *p == '+' || *p == '?' || *p == '{') {
			if (last == 2)
				return err_set(e, EXIT_USAGE, "multiline pattern "
				    "'%s': invalid nested repetition operator",
				    pattern);
			if (*p == '{') {
				if ((c = repeat_count(p, &p)) > 1000)
					return err_set(e, EXIT_USAGE, "multiline "
					    "pattern '%s': invalid repeat size",
					    pattern);
				if (c > inner[depth])
					inner[depth] = c;
			} else {
				p++;
			}
			last = 2;
		} else {
			last = (*p == '|' || *p == '^') ? 0 : 1;
			p++;
		}
	}
	return 0;
}

int
multiline_init(struct multiline *m, const char *pattern, int negate,
    const char *match, struct err *e)
{
	struct buf ere = BUF_INIT;
	char why[256];
	int icase, rc;

	memset(m, 0, sizeof(*m));
	if (pattern == NULL || *pattern == '\0')
		return err_set(e, EXIT_USAGE, "multiline: no pattern");
	if (match == NULL || strcmp(match, "after") == 0)
		m->before = 0;
	else if (strcmp(match, "before") == 0)
		m->before = 1;
	else
		return err_set(e, EXIT_USAGE, "multiline match '%s': "
		    "not 'after' or 'before'", match);
	if (multiline_translate(pattern, &ere, &icase, e) == -1) {
		buf_free(&ere);
		return -1;
	}
	if (check_repetition(buf_str(&ere), pattern, e) == -1) {
		buf_free(&ere);
		return -1;
	}
	rc = regcomp(&m->re, buf_str(&ere), REG_EXTENDED | REG_NOSUB |
	    (icase ? REG_ICASE : 0));
	buf_free(&ere);
	if (rc != 0) {
		regerror(rc, &m->re, why, sizeof(why));
		return err_set(e, EXIT_USAGE, "multiline pattern '%s': %s",
		    pattern, why);
	}
	if ((m->pattern = strdup(pattern)) == NULL) {
		regfree(&m->re);
		return err_set(e, EXIT_RUNTIME, "out of memory");
	}
	m->negate = negate != 0;
	m->max_lines = 500;
	m->max_bytes = 10 << 20;
	return 0;
}

void
multiline_free(struct multiline *m)
{
	if (m->pattern) {
		regfree(&m->re);
		free(m->pattern);
	}
	memset(m, 0, sizeof(*m));
}

int
multiline_match(const struct multiline *m, const char *line, size_t n)
{
	regmatch_t pm[1];

	pm[0].rm_so = 0;
	pm[0].rm_eo = (regoff_t)n;
	return regexec(&m->re, line, 1, pm, REG_STARTEND) == 0;
}

enum multiline_step
multiline_classify(const struct multiline *m, const char *line, size_t n,
    size_t nlines, size_t nbytes)
{
	int boundary = multiline_match(m, line, n) == m->negate;
	size_t maxl = m->max_lines ? m->max_lines : 500;
	size_t maxb = m->max_bytes ? m->max_bytes : (10 << 20);

	if (m->before) {
		if (boundary || nlines + 1 >= maxl || nbytes + n >= maxb)
			return ML_FLUSH_AFTER;
		return ML_APPEND;
	}
	if (nlines == 0)
		return ML_APPEND;
	if (boundary || nlines >= maxl || nbytes + 1 + n > maxb)
		return ML_FLUSH_BEFORE;
	return ML_APPEND;
}

int
multiline_join(struct buf *msg, const char *line, size_t n)
{
	if (msg->len > 0 && msg->p[msg->len - 1] != '\n' &&
	    buf_addc(msg, '\n') == -1)
		return -1;
	return buf_add(msg, line, n);
}

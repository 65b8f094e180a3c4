/*
 * index.c: index names as the beats write them. "%{+yyyy.MM.dd}" formats
 * the event's own @timestamp (UTC), so that a replay lands in the same
 * index; "%{[a.b.c]}" takes a field of the event, "%{[a.b.c]:dflt}" with a
 * default. Elasticsearch wants lowercase names, so the result is
 * lowercased, as libbeat does.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ship.h"

enum { P_LIT, P_DATE, P_FIELD };

struct part {
	int type;
	char *text;	/* literal, date pattern or field path */
	char *dflt;	/* field default, or NULL */
};

struct index_fmt {
	struct part *p;
	size_t n;
	int dynamic;
};

static int
add_part(struct index_fmt *f, int type, const char *s, size_t n,
    const char *d, size_t dn)
{
	struct part *p;

	if ((p = realloc(f->p, (f->n + 1) * sizeof(*p))) == NULL)
		return -1;
	f->p = p;
	p += f->n;
	p->type = type;
	p->text = strndup(s, n);
	p->dflt = d ? strndup(d, dn) : NULL;
	if (p->text == NULL || (d && p->dflt == NULL)) {
		free(p->text);
		free(p->dflt);
		return -1;
	}
	f->n++;
	if (type != P_LIT)
		f->dynamic = 1;
	return 0;
}

static int
date_ok(const char *s)
{
	size_t k;

	for (; *s; s += k) {
		k = strspn(s, (char[]){ *s, '\0' });
		if (!isalpha((unsigned char)*s))
			continue;
		if (!((*s == 'y' && (k == 4 || k == 2)) ||
		    (*s == 'Y' && (k == 4 || k == 2)) ||
		    (strchr("MdHms", *s) && k == 2)))
			return 0;
	}
	return 1;
}

struct index_fmt *
index_compile(const char *fmt, struct err *e)
{
	struct index_fmt *f;
	const char *s = fmt, *open, *close, *colon;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		goto nomem;
	if (*fmt == '\0') {
		err_set(e, EXIT_USAGE, "index: empty name");
		goto bad;
	}
	while (*s) {
		if ((open = strstr(s, "%{")) == NULL) {
			if (add_part(f, P_LIT, s, strlen(s), NULL, 0) == -1)
				goto nomem;
			break;
		}
		if (open > s && add_part(f, P_LIT, s, (size_t)(open - s),
		    NULL, 0) == -1)
			goto nomem;
		if ((close = strchr(open, '}')) == NULL) {
			err_set(e, EXIT_USAGE, "index: '%s': unclosed %%{", fmt);
			goto bad;
		}
		if (open[2] == '+') {
			char *pat = strndup(open + 3, (size_t)(close - open - 3));
			int ok = pat && *pat && date_ok(pat);

			free(pat);
			if (!ok) {
				err_set(e, EXIT_USAGE, "index: '%s': bad date "
				    "format (yyyy, yy, MM, dd, HH, mm, ss)", fmt);
				goto bad;
			}
			if (add_part(f, P_DATE, open + 3,
			    (size_t)(close - open - 3), NULL, 0) == -1)
				goto nomem;
		} else if (open[2] == '[') {
			if ((close = strstr(open, "]")) == NULL ||
			    close == open + 3 ||
			    (close[1] != '}' && close[1] != ':') ||
			    strchr(close, '}') == NULL) {
				err_set(e, EXIT_USAGE, "index: '%s': a field "
				    "reads %%{[name]} or %%{[name]:default}", fmt);
				goto bad;
			}
			colon = close[1] == ':' ? close + 2 : NULL;
			if (add_part(f, P_FIELD, open + 3,
			    (size_t)(close - open - 3), colon,
			    colon ? (size_t)(strchr(close, '}') - colon) : 0) == -1)
				goto nomem;
			close = strchr(close, '}');
		} else {
			err_set(e, EXIT_USAGE, "index: '%s': %%{ must be followed "
			    "by + (a date) or [ (a field)", fmt);
			goto bad;
		}
		s = close + 1;
	}
	return f;
nomem:
	err_set(e, EXIT_RUNTIME, "index: out of memory");
bad:
	index_free(f);
	return NULL;
}

void
index_free(struct index_fmt *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		free(f->p[i].text);
		free(f->p[i].dflt);
	}
	free(f->p);
	free(f);
}

int
index_dynamic(const struct index_fmt *f)
{
	return f->dynamic;
}

static int
num(const char *s, int k, int *out)
{
	int i, v = 0;

	for (i = 0; i < k; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Parses an ISO 8601 timestamp into broken-down UTC time. */
static int
parse_ts(const char *s, size_t n, struct tm *tm)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, oh, om;
	size_t i = 10;
	time_t t;

	if (n < 10 || num(s, 4, &y) || s[4] != '-' || num(s + 5, 2, &mo) ||
	    s[7] != '-' || num(s + 8, 2, &d))
		return -1;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	if (n == 10)
		return 0;
	if ((s[10] != 'T' && s[10] != ' ') || n < 19 || num(s + 11, 2, &h) ||
	    s[13] != ':' || num(s + 14, 2, &mi) || s[16] != ':' ||
	    num(s + 17, 2, &sec))
		return -1;
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_sec = sec;
	i = 19;
	if (i < n && (s[i] == '.' || s[i] == ','))
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
	if (i == n || (s[i] == 'Z' && i + 1 == n))
		return 0;
	if ((s[i] != '+' && s[i] != '-') || n - i < 5 || num(s + i + 1, 2, &oh))
		return -1;
	if (s[i + 3] == ':' ? num(s + i + 4, 2, &om) : num(s + i + 3, 2, &om))
		return -1;
	t = timegm(tm);
	t -= (s[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
	return gmtime_r(&t, tm) ? 0 : -1;
}

static int
put2(struct buf *b, int v)
{
	char d[2] = { (char)('0' + v / 10 % 10), (char)('0' + v % 10) };

	return buf_add(b, d, 2);
}

static int
format_date(const char *pat, const struct tm *tm, struct buf *b)
{
	const char *s;
	size_t k;
	int r = 0;

	for (s = pat; *s && r == 0; s += k) {
		k = strspn(s, (char[]){ *s, '\0' });
		switch (*s) {
		case 'y':
		case 'Y':
			if (k == 4)
				r = buf_printf(b, "%04d", tm->tm_year + 1900);
			else
				r = put2(b, (tm->tm_year + 1900) % 100);
			break;
		case 'M':
			r = put2(b, tm->tm_mon + 1);
			break;
		case 'd':
			r = put2(b, tm->tm_mday);
			break;
		case 'H':
			r = put2(b, tm->tm_hour);
			break;
		case 'm':
			r = put2(b, tm->tm_min);
			break;
		case 's':
			r = put2(b, tm->tm_sec);
			break;
		default:
			r = buf_add(b, s, k);
		}
	}
	return r;
}

int
index_expand(const struct index_fmt *f, const char *p, size_t n,
    struct buf *out, struct err *e, int64_t now_ms)
{
	size_t i, k, start = out->len, off, len;
	struct buf ts = BUF_INIT;
	struct tm tm;
	int have_tm = 0, r = 0;
	time_t t;

	for (i = 0; i < f->n && r == 0; i++) {
		const struct part *pt = &f->p[i];

		switch (pt->type) {
		case P_LIT:
			r = buf_adds(out, pt->text);
			break;
		case P_DATE:
			if (!have_tm) {
				buf_reset(&ts);
				if (!scan_member(p, n, "@timestamp", &off, &len) ||
				    scan_scalar(p + off, len, &ts) == -1 ||
				    parse_ts(ts.p, ts.len, &tm) == -1) {
					t = (time_t)(now_ms / 1000);
					gmtime_r(&t, &tm);
				}
				have_tm = 1;
			}
			r = format_date(pt->text, &tm, out);
			break;
		case P_FIELD:
			if (scan_path(p, n, pt->text, &off, &len) &&
			    scan_scalar(p + off, len, out) == 0)
				break;
			if (pt->dflt) {
				r = buf_adds(out, pt->dflt);
				break;
			}
			err_set(e, EXIT_REJECTED, "index: the event has no "
			    "field [%.256s] to name its index", pt->text);
			buf_free(&ts);
			out->len = start;
			return -1;
		}
	}
	buf_free(&ts);
	if (r)
		return err_set(e, EXIT_RUNTIME, "index: out of memory");
	for (k = start; k < out->len; k++)
		out->p[k] = (char)tolower((unsigned char)out->p[k]);
	if (out->len == start)
		return err_set(e, EXIT_REJECTED, "index: the name is empty");
	return 0;
}

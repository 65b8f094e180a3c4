/*
 * timex: time expressions and durations, independent of the local time
 * zone: calendar dates are turned into days with the days-from-civil
 * algorithm (proleptic Gregorian calendar), never through mktime or TZ.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "timex.h"

#define MS_PER_DAY 86400000LL
/* 0000-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z */
#define MS_MIN (-62167219200000LL)
#define MS_MAX (253402300799999LL)

int64_t
timex_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
timex_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse: the date of a day number. */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int64_t y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

char *
timex_iso(int64_t ms, char out[25])
{
	int64_t days, rem, y;
	int mo, d, n;

	if (ms < MS_MIN)
		ms = MS_MIN;
	if (ms > MS_MAX)
		ms = MS_MAX;
	days = ms / MS_PER_DAY;
	rem = ms % MS_PER_DAY;
	if (rem < 0) {
		rem += MS_PER_DAY;
		days--;
	}
	civil_from_days(days, &y, &mo, &d);
	n = snprintf(out, 25, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (int)y,
	    mo, d, (int)(rem / 3600000), (int)(rem / 60000 % 60),
	    (int)(rem / 1000 % 60), (int)(rem % 1000));
	if (n < 0 || n >= 25)
		out[24] = '\0';
	return out;
}

/* The number of n digits at p, or -1. */
static int
digits_at(const char *p, int n)
{
	int v = 0;

	for (; n > 0; n--, p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}

int
timex_iso_ms(const char *p, size_t n, int64_t *out_ms)
{
	int y, mo, d, h, mi, s, ms;

	if (n != 24 || p[4] != '-' || p[7] != '-' || p[10] != 'T' ||
	    p[13] != ':' || p[16] != ':' || p[19] != '.' || p[23] != 'Z')
		return -1;
	y = digits_at(p, 4);
	mo = digits_at(p + 5, 2);
	d = digits_at(p + 8, 2);
	h = digits_at(p + 11, 2);
	mi = digits_at(p + 14, 2);
	s = digits_at(p + 17, 2);
	ms = digits_at(p + 20, 3);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 || ms < 0)
		return -1;
	*out_ms = days_from_civil(y, mo, d) * MS_PER_DAY + h * 3600000LL +
	    mi * 60000LL + s * 1000LL + ms;
	return 0;
}

/* Units of durations and relative times, matched case-insensitively. */
static const struct {
	const char *name;
	int64_t ms;
} units[] = {
	{ "ms", 1 }, { "msec", 1 }, { "msecs", 1 },
	{ "millisecond", 1 }, { "milliseconds", 1 },
	{ "s", 1000 }, { "sec", 1000 }, { "secs", 1000 },
	{ "second", 1000 }, { "seconds", 1000 },
	{ "m", 60000 }, { "min", 60000 }, { "mins", 60000 },
	{ "minute", 60000 }, { "minutes", 60000 },
	{ "h", 3600000 }, { "hr", 3600000 }, { "hrs", 3600000 },
	{ "hour", 3600000 }, { "hours", 3600000 },
	{ "d", MS_PER_DAY }, { "day", MS_PER_DAY }, { "days", MS_PER_DAY },
	{ "w", 7 * MS_PER_DAY }, { "wk", 7 * MS_PER_DAY },
	{ "wks", 7 * MS_PER_DAY }, { "week", 7 * MS_PER_DAY },
	{ "weeks", 7 * MS_PER_DAY },
};

static int64_t
unit_ms(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == n &&
		    strncasecmp(units[i].name, s, n) == 0)
			return units[i].ms;
	return 0;
}

static int
fail(struct err *e, const char *what, const char *s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sets e to "invalid WHAT 'S': WHY". Returns -1. */
static int
fail(struct err *e, const char *what, const char *s, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int r;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	r = err_set(e, EXIT_USAGE, "invalid %s '%s': %s", what, s, buf_str(&b));
	buf_free(&b);
	return r;
}

/*
 * Parses a sum of spans "1h30m", "1.5s", "5 minutes", "2 hours 10 min"
 * from s[0..n). With bare, a lone number without unit is seconds.
 * Returns 0 and *out, or -1 with e naming what (the input is orig);
 * hint is what to say when s does not even start like a span.
 */
static int
parse_spans(const char *s, size_t n, int bare, int64_t *out,
    const char *what, const char *orig, const char *hint, struct err *e)
{
	size_t i = 0, j, st, ne, nspans = 0;
	int64_t total = 0, ip, frac, scale, u, v;
	int ndig, nfrac;

	while (i < n) {
		while (i < n && s[i] == ' ')
			i++;
		if (i == n)
			break;
		if (!isdigit((unsigned char)s[i]) && s[i] != '.')
			return nspans == 0 ? fail(e, what, orig, "%s", hint) :
			    fail(e, what, orig, "unexpected '%.*s'",
			    (int)(n - i), s + i);
		st = i;
		ip = 0;
		for (ndig = 0; i < n && isdigit((unsigned char)s[i]); i++, ndig++) {
			if (ip > (INT64_MAX - 9) / 10)
				return fail(e, what, orig, "number too large");
			ip = ip * 10 + (s[i] - '0');
		}
		frac = 0;
		scale = 1;
		nfrac = 0;
		if (i < n && s[i] == '.') {
			for (i++; i < n && isdigit((unsigned char)s[i]); i++, nfrac++)
				if (nfrac < 9) {	/* finer than ns is noise */
					frac = frac * 10 + (s[i] - '0');
					scale *= 10;
				}
			if (nfrac == 0 && ndig == 0)
				return fail(e, what, orig, "%s", hint);
		} else if (ndig == 0) {
			return fail(e, what, orig, "%s", hint);
		}
		ne = i;
		while (i < n && s[i] == ' ')
			i++;
		for (j = i; j < n && isalpha((unsigned char)s[j]); j++)
			;
		if (j == i) {
			if (!bare || nspans > 0 || i < n)
				return fail(e, what, orig, "missing unit after "
				    "'%.*s' (ms, s, m, h, d or w)", (int)(ne - st),
				    s + st);
			u = 1000;
		} else if ((u = unit_ms(s + i, j - i)) == 0) {
			return fail(e, what, orig, "unknown unit '%.*s' (ms, s, "
			    "m, h, d or w)", (int)(j - i), s + i);
		}
		if (ip > INT64_MAX / u || frac * u / scale > INT64_MAX - ip * u)
			return fail(e, what, orig, "out of range");
		v = ip * u + frac * u / scale;
		if (v > INT64_MAX - total)
			return fail(e, what, orig, "out of range");
		total += v;
		nspans++;
		i = j;
	}
	if (nspans == 0)
		return fail(e, what, orig, "empty");
	*out = total;
	return 0;
}

/* Trims blanks at both ends of s; returns the length of what is left
 * and points *p at it. */
static size_t
trim(const char *s, const char **p)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	*p = s;
	return n;
}

/* The one rule for signs, in times and durations alike: none. A relative
 * time counts back from now ("5m", "5m ago"), and a duration has no
 * direction: "-5m" was once read as "5m ago" by one and refused by the
 * other. */
static const char no_sign[] = "no sign: a relative time counts back from "
    "now (5m, 5m ago) and a duration has none (5m)";

int
timex_duration(const char *s, int64_t *out_ms, struct err *e)
{
	const char *p;
	size_t n;

	if (s == NULL)
		return fail(e, "duration", "", "empty");
	n = trim(s, &p);
	if (n > 0 && (*p == '-' || *p == '+'))
		return fail(e, "duration", s, "%s", no_sign);
	return parse_spans(p, n, 1, out_ms, "duration", s, "not a duration "
	    "(expected 10s, 5m, 1h30m, 250ms, 2d, 1w or seconds)", e);
}

/* Reads exactly n digits at s[*i]. Returns the value, or -1. */
static int
digits(const char *s, size_t len, size_t *i, int n)
{
	int v = 0, k;

	for (k = 0; k < n; k++) {
		if (*i >= len || !isdigit((unsigned char)s[*i]))
			return -1;
		v = v * 10 + (s[(*i)++] - '0');
	}
	return v;
}

/*
 * ISO 8601 as people write it: "2026-11-23", "2026-11-23T10:00",
 * "2026-11-23 10:00:00.123456Z", "...+02:00", "...+0200", "...-05".
 */
static int
parse_iso(const char *s, size_t n, int64_t *out, const char *orig,
    struct err *e)
{
	size_t i = 0;
	int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, k, oh, om = 0, sign;
	int64_t t, off = 0;

	if ((y = digits(s, n, &i, 4)) < 0 || i >= n || s[i++] != '-' ||
	    (mo = digits(s, n, &i, 2)) < 0 || i >= n || s[i++] != '-' ||
	    (d = digits(s, n, &i, 2)) < 0)
		return fail(e, "time", orig, "expected a date as YYYY-MM-DD");
	if (mo < 1 || mo > 12)
		return fail(e, "time", orig, "month out of range");
	if (d < 1 || d > days_in_month(y, mo))
		return fail(e, "time", orig, "day out of range");
	if (i < n && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
		i++;
		if ((h = digits(s, n, &i, 2)) < 0 || i >= n || s[i++] != ':' ||
		    (mi = digits(s, n, &i, 2)) < 0)
			return fail(e, "time", orig, "expected a time of day "
			    "as HH:MM[:SS]");
		if (i < n && s[i] == ':') {
			i++;
			if ((sec = digits(s, n, &i, 2)) < 0)
				return fail(e, "time", orig, "expected seconds "
				    "as SS");
			if (i < n && (s[i] == '.' || s[i] == ',')) {
				i++;
				if (i >= n || !isdigit((unsigned char)s[i]))
					return fail(e, "time", orig, "expected "
					    "digits after the decimal point");
				for (k = 0; i < n && isdigit((unsigned char)s[i]); i++, k++)
					if (k < 3)
						ms = ms * 10 + (s[i] - '0');
				for (; k < 3; k++)
					ms *= 10;
			}
		}
		if (h > 23)
			return fail(e, "time", orig, "hour out of range");
		if (mi > 59)
			return fail(e, "time", orig, "minute out of range");
		if (sec > 60)
			return fail(e, "time", orig, "second out of range");
		if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
			i++;
		} else if (i < n && (s[i] == '+' || s[i] == '-')) {
			sign = s[i++] == '-' ? -1 : 1;
			if ((oh = digits(s, n, &i, 2)) < 0)
				return fail(e, "time", orig, "expected a zone "
				    "offset as +HH:MM, +HHMM or +HH");
			if (i < n && s[i] == ':' && i + 1 < n)
				i++;
			if (i < n && (om = digits(s, n, &i, 2)) < 0)
				return fail(e, "time", orig, "expected a zone "
				    "offset as +HH:MM, +HHMM or +HH");
			if (oh > 23 || om > 59)
				return fail(e, "time", orig, "zone offset out "
				    "of range");
			off = sign * ((int64_t)oh * 60 + om) * 60000;
		}
	}
	if (i < n)
		return fail(e, "time", orig, "unexpected '%.*s'", (int)(n - i),
		    s + i);
	t = days_from_civil(y, mo, d) * MS_PER_DAY +
	    ((int64_t)h * 3600 + mi * 60 + sec) * 1000 + ms;
	*out = t - off;
	return 0;
}

/* Epoch seconds (up to 11 digits) or milliseconds (12 or more), with an
 * optional fraction: "1763892000", "1763892000.123", "1763892000123". */
static int
parse_epoch(const char *s, size_t n, int64_t *out, const char *orig,
    struct err *e)
{
	size_t i, nd;
	int64_t v = 0, frac = 0;
	int k;

	for (i = 0; i < n && isdigit((unsigned char)s[i]); i++) {
		if (v > (INT64_MAX - 9) / 10)
			return fail(e, "time", orig, "out of range");
		v = v * 10 + (s[i] - '0');
	}
	nd = i;
	if (i < n && s[i] == '.') {
		for (i++, k = 0; i < n && isdigit((unsigned char)s[i]); i++, k++)
			if (k < 3)
				frac = frac * 10 + (s[i] - '0');
		for (; k < 3; k++)
			frac *= 10;
	}
	if (nd <= 11) {
		v = v * 1000 + frac;
	} else if (v > MS_MAX) {
		return fail(e, "time", orig, "out of range");
	}
	*out = v;
	return 0;
}

/* Returns 1 if s[0..n) is digits with at most one '.' among them. */
static int
is_number(const char *s, size_t n)
{
	size_t i, dots = 0;

	if (n == 0 || !isdigit((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '.')
			dots++;
		else if (!isdigit((unsigned char)s[i]))
			return 0;
	return dots <= 1 && s[n - 1] != '.';
}

int
timex_parse(const char *s, int64_t now_ms, int64_t *out_ms, struct err *e)
{
	const char *p, *orig = s ? s : "";
	size_t n;
	int64_t d;

	n = trim(orig, &p);
	if (n == 0)
		return fail(e, "time", orig, "empty");
	if (n == 3 && strncasecmp(p, "now", 3) == 0) {
		*out_ms = now_ms;
		return 0;
	}
	if (n >= 5 && isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3]) &&
	    p[4] == '-')
		return parse_iso(p, n, out_ms, orig, e);
	if (is_number(p, n))
		return parse_epoch(p, n, out_ms, orig, e);
	if (*p == '-' || *p == '+')
		return fail(e, "time", orig, "%s", no_sign);
	if (n >= 4 && strncasecmp(p + n - 3, "ago", 3) == 0 &&
	    p[n - 4] == ' ')
		n -= 4;
	if (parse_spans(p, n, 0, &d, "time", orig, "expected now, a relative "
	    "time (90s, 5m, 1h30m, 2 hours ago), ISO 8601 "
	    "(2026-11-23T10:00:00Z) or epoch seconds", e) == -1)
		return -1;
	if (d > now_ms - MS_MIN)
		return fail(e, "time", orig, "out of range");
	*out_ms = now_ms - d;
	return 0;
}

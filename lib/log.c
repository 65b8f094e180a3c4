#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "log.h"

static const char *prog = "cwl";
static int level = LOG_WARN;
static char *selectors;
static char **secrets;
static size_t nsecrets;

/* Names whose value is a secret, in headers ("Name: value"), JSON
 * ("name":"value"), YAML or query strings (name=value). */
static const char *const secret_names[] = {
	"authorization", "x-amz-security-token", "x-amz-signature",
	"aws_secret_access_key", "secret_access_key", "secretaccesskey",
	"aws_session_token", "session_token", "sessiontoken", "token",
	"bearer_token", "password", "passwd", "api_key", "apikey",
	"key_passphrase", "x-aws-ec2-metadata-token", "secret", NULL
};

void
log_init(const char *p)
{
	const char *s = strrchr(p, '/');

	prog = s ? s + 1 : p;
}

const char *
log_prog(void)
{
	return prog;
}

void
log_set_level(int l)
{
	level = l;
}

int
log_level(void)
{
	return level;
}

void
log_set_selectors(const char *s)
{
	size_t n;
	char *p;

	if (s == NULL || *s == '\0')
		return;
	n = selectors ? strlen(selectors) : 0;
	if ((p = realloc(selectors, n + strlen(s) + 2)) == NULL)
		return;
	if (n)
		p[n++] = ',';
	strcpy(p + n, s);
	selectors = p;
	level = LOG_DEBUG;
}

int
log_enabled(const char *sel)
{
	const char *p;
	size_t n;

	if (level < LOG_DEBUG || selectors == NULL)
		return 0;
	n = strlen(sel);
	for (p = selectors; *p; ) {
		size_t m = strcspn(p, ", ");

		if ((m == 1 && *p == '*') || (m == n && strncmp(p, sel, n) == 0))
			return 1;
		p += m;
		p += strspn(p, ", ");
	}
	return 0;
}

void
log_secret(const char *v)
{
	char **s;
	size_t i;

	if (v == NULL || strlen(v) < 4)
		return;
	for (i = 0; i < nsecrets; i++)
		if (strcmp(secrets[i], v) == 0)
			return;
	if ((s = realloc(secrets, (nsecrets + 1) * sizeof(*s))) == NULL)
		return;
	secrets = s;
	if ((secrets[nsecrets] = strdup(v)) != NULL)
		nsecrets++;
}

void
log_secrets_clear(void)
{
	size_t i;

	for (i = 0; i < nsecrets; i++) {
		memset(secrets[i], 0, strlen(secrets[i]));
		free(secrets[i]);
	}
	free(secrets);
	secrets = NULL;
	nsecrets = 0;
}

static const char redacted[] = "[REDACTED]";

/* Replaces s[from, to) by "[REDACTED]" in a growable copy. */
static void
splice(struct buf *b, size_t from, size_t to)
{
	struct buf t = BUF_INIT;

	buf_add(&t, b->p, from);
	buf_adds(&t, redacted);
	buf_add(&t, b->p + to, b->len - to);
	buf_free(b);
	*b = t;
}

static int
is_name_char(int c)
{
	return isalnum(c) || c == '_' || c == '-';
}

/* Redacts the value after each occurrence of a secret name followed by
 * ':', '=' or '":' (header, query, YAML, JSON). */
static void
redact_names(struct buf *b)
{
	size_t i, k, n, v, end;
	const char *name;

	for (k = 0; (name = secret_names[k]) != NULL; k++) {
		n = strlen(name);
		for (i = 0; i + n <= b->len; i++) {
			if (strncasecmp(b->p + i, name, n) != 0)
				continue;
			if (i > 0 && is_name_char((unsigned char)b->p[i - 1]))
				continue;
			v = i + n;
			if (v < b->len && is_name_char((unsigned char)b->p[v]))
				continue;
			if (v < b->len && b->p[v] == '"')
				v++;
			while (v < b->len && b->p[v] == ' ')
				v++;
			if (v >= b->len || (b->p[v] != ':' && b->p[v] != '='))
				continue;
			v++;
			while (v < b->len && b->p[v] == ' ')
				v++;
			if (v < b->len && b->p[v] == '"') {
				v++;
				for (end = v; end < b->len && b->p[end] != '"'; end++)
					if (b->p[end] == '\\' && end + 1 < b->len)
						end++;
			} else if (strncasecmp(name, "authorization", n) == 0 ||
			    strncasecmp(name, "x-amz-security-token", n) == 0) {
				/* a header value runs to the end of the line */
				for (end = v; end < b->len && b->p[end] != '\n' &&
				    b->p[end] != '\r'; end++)
					;
			} else {
				for (end = v; end < b->len && !strchr(" \t\r\n,&;'\"}", b->p[end]); end++)
					;
			}
			if (end == v || (end - v == sizeof(redacted) - 1 &&
			    memcmp(b->p + v, redacted, end - v) == 0))
				continue;
			splice(b, v, end);
			i = v + sizeof(redacted) - 2;
		}
	}
}

/* The password of a URL's user information, "scheme://user:PASS@host":
 * returns 1 and its span [*from, *to) in s, searching from s + at. */
static int
url_password(const char *s, size_t len, size_t at, size_t *from, size_t *to)
{
	const char *p, *colon, *at_sign;
	size_t i;

	/* the user information ends at the last '@' of the authority: a
	 * password may hold an '@' that should have been %40 */
	while (at + 3 <= len && (p = strstr(s + at, "://")) != NULL) {
		at = (size_t)(p - s) + 3;
		colon = at_sign = NULL;
		for (i = at; i < len && s[i] && !strchr("/?# \t\r\n\"'", s[i]);
		    i++) {
			if (s[i] == ':' && colon == NULL && at_sign == NULL)
				colon = s + i;
			if (s[i] == '@')
				at_sign = s + i;
		}
		if (at_sign != NULL && colon != NULL && colon < at_sign) {
			*from = (size_t)(colon - s) + 1;
			*to = (size_t)(at_sign - s);
			return 1;
		}
	}
	return 0;
}

void
log_secret_url(const char *url)
{
	size_t from, to;
	char *pw;

	if (url == NULL || !url_password(url, strlen(url), 0, &from, &to))
		return;
	if ((pw = strndup(url + from, to - from)) != NULL)
		log_secret(pw);
	free(pw);
}

/* Redacts the passwords of URLs, whether registered or not. */
static void
redact_urls(struct buf *b)
{
	size_t at = 0, from, to;

	while (b->p && url_password(b->p, b->len, at, &from, &to)) {
		at = from + sizeof(redacted) - 1;
		if (to - from == sizeof(redacted) - 1 &&
		    memcmp(b->p + from, redacted, to - from) == 0)
			continue;
		splice(b, from, to);
	}
}

static void
redact_buf(struct buf *b)
{
	size_t k, n, at, from;
	char *hit;

	for (k = 0; k < nsecrets && b->p; k++) {
		n = strlen(secrets[k]);
		for (from = 0; b->p && (hit = strstr(b->p + from, secrets[k])) !=
		    NULL; from = at + sizeof(redacted) - 1) {
			/* search on past the marker: a secret may be a part
			 * of "[REDACTED]" */
			at = (size_t)(hit - b->p);
			splice(b, at, at + n);
		}
	}
	if (b->p)
		redact_names(b);
	redact_urls(b);
}

char *
log_redact(const char *s)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, s ? s : "");
	redact_buf(&b);
	return buf_detach(&b);
}

int
log_printable(struct buf *b, const char *p, size_t n, int lines)
{
	size_t i;
	int r = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if ((c < 0x20 && c != '\t' && (c != '\n' || !lines)) ||
		    c == 0x7f) {
			r |= buf_addc(b, '?');
		} else if (c == 0xc2 && i + 1 < n &&
		    (unsigned char)p[i + 1] >= 0x80 &&
		    (unsigned char)p[i + 1] <= 0x9f) {
			r |= buf_addc(b, '?');
			i++;
		} else {
			r |= buf_addc(b, (char)c);
		}
	}
	return r ? -1 : 0;
}

static void
vlog(const char *lvl, const char *sel, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT, out = BUF_INIT;
	size_t i;

	if (sel)
		buf_printf(&b, "%s: %s: %s: ", prog, lvl, sel);
	else
		buf_printf(&b, "%s: %s: ", prog, lvl);
	buf_vprintf(&b, fmt, ap);
	if (b.p == NULL)
		return;
	redact_buf(&b);
	for (i = 0; i < b.len; i++)	/* one message, one line */
		if (b.p[i] == '\n' && i + 1 < b.len)
			b.p[i] = ' ';
	if (b.len > 0 && b.p[b.len - 1] == '\n')
		b.p[--b.len] = '\0';
	if (log_printable(&out, b.p, b.len, 0) == 0 &&
	    buf_addc(&out, '\n') == 0)
		fwrite(out.p, 1, out.len, stderr);
	fflush(stderr);
	buf_free(&b);
	buf_free(&out);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("error", NULL, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	if (level < LOG_WARN)
		return;
	va_start(ap, fmt);
	vlog("warning", NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (level < LOG_INFO)
		return;
	va_start(ap, fmt);
	vlog("info", NULL, fmt, ap);
	va_end(ap);
}

void
log_report(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("info", NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *sel, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(sel))
		return;
	va_start(ap, fmt);
	vlog("debug", sel, fmt, ap);
	va_end(ap);
}

void
log_oom(void)
{
	log_error("out of memory");
	exit(EXIT_RUNTIME);
}

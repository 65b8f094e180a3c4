/*
 * hosts.c: the one reading of an output's hosts setting. Elasticsearch
 * takes URLs ("host", "host:port", "scheme://host:port/path"), Logstash
 * takes "host" and "host:port"; both take IPv6 literals in brackets
 * ("[::1]:9200") and fill in the output's default port.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ship.h"

/* The scheme of h, if it has one: sets *rest past "://". */
static int
host_scheme(const char *key, const char *h, int url, const char **rest,
    struct hostspec *out, struct err *e)
{
	const char *sep = strstr(h, "://");

	*rest = h;
	if (sep == NULL)
		return 0;
	if (!url)
		return err_set(e, EXIT_USAGE, "%s: '%s': host:port, without a "
		    "scheme", key, h);
	if (strncasecmp(h, "http://", 7) == 0)
		out->scheme = strdup("http");
	else if (strncasecmp(h, "https://", 8) == 0)
		out->scheme = strdup("https");
	else
		return err_set(e, EXIT_USAGE, "%s: '%s': the scheme is http or "
		    "https", key, h);
	if (out->scheme == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	*rest = sep + 3;
	return 0;
}

/* Splits the authority a[0..n) into name and port (NULL: none). */
static int
host_split(const char *key, const char *h, const char *a, size_t n,
    struct hostspec *out, const char **port, struct err *e)
{
	const char *name = a, *end, *colon;

	if (n > 0 && *a == '[') {
		if ((end = memchr(a, ']', n)) == NULL)
			return err_set(e, EXIT_USAGE, "%s: '%s': no ']'", key, h);
		name = a + 1;
		colon = end + 1 < a + n ? end + 1 : NULL;
		if (colon && *colon != ':')
			return err_set(e, EXIT_USAGE, "%s: '%s': bad host", key, h);
	} else {
		colon = memchr(a, ':', n);
		if (colon && memchr(colon + 1, ':', n - (size_t)(colon - a) - 1))
			return err_set(e, EXIT_USAGE, "%s: '%s': write an IPv6 "
			    "address as [addr]:port", key, h);
		end = colon ? colon : a + n;
	}
	if (end == name)
		return err_set(e, EXIT_USAGE, "%s: '%s': no host", key, h);
	if ((out->name = strndup(name, (size_t)(end - name))) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	*port = colon ? colon + 1 : NULL;
	return 0;
}

/* The port p[0..n), or dport when p is NULL. */
static int
host_port(const char *key, const char *h, const char *p, size_t n,
    long dport, struct hostspec *out, struct err *e)
{
	struct buf b = BUF_INIT;
	char *end;
	long port = dport;

	if (p) {
		errno = 0;
		port = n ? strtol(p, &end, 10) : -1;
		if (n == 0 || errno || end != p + n || port < 1 || port > 65535)
			return err_set(e, EXIT_USAGE, "%s: '%s': bad port", key, h);
	}
	if (buf_printf(&b, "%ld", port) == -1)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	out->port = buf_detach(&b);
	if (buf_printf(&b, strchr(out->name, ':') ? "[%s]:%ld" : "%s:%ld",
	    out->name, port) == -1 || out->port == NULL) {
		buf_free(&b);
		return err_set(e, EXIT_RUNTIME, "out of memory");
	}
	out->label = buf_detach(&b);
	return 0;
}

int
host_parse(const char *key, const char *h, int url, long dport,
    struct hostspec *out, struct err *e)
{
	const char *rest, *slash, *port = NULL;
	size_t n, plen;

	memset(out, 0, sizeof(*out));
	if (host_scheme(key, h, url, &rest, out, e) == -1)
		return -1;
	slash = url ? strchr(rest, '/') : NULL;
	n = slash ? (size_t)(slash - rest) : strlen(rest);
	if (n == 0)
		return err_set(e, EXIT_USAGE, "%s: '%s': no host", key, h);
	if (url && memchr(rest, '@', n))
		return err_set(e, EXIT_USAGE, "%s: '%s': put credentials in "
		    "username and password, not in the URL", key, h);
	if (host_split(key, h, rest, n, out, &port, e) == -1)
		return -1;
	plen = port ? (size_t)(rest + n - port) : 0;
	if (host_port(key, h, port, plen, dport, out, e) == -1)
		return -1;
	n = slash ? strlen(slash) : 0;
	while (n > 0 && slash[n - 1] == '/')
		n--;
	if ((out->path = strndup(slash ? slash : "", n)) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	return 0;
}

void
host_free(struct hostspec *h)
{
	free(h->scheme);
	free(h->name);
	free(h->port);
	free(h->label);
	free(h->path);
	memset(h, 0, sizeof(*h));
}

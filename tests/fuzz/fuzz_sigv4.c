/*
 * fuzz_sigv4: SigV4 canonicalisation and signing of any request
 * (sigv4_canonical_request, sigv4_sign).
 *
 * Input: one byte of options (bit 0: normalize the path as every service
 * but S3; 1: unsigned payload; 2: x-amz-content-sha256; 3: presign into
 * the query; 4: a session token), then lines: the method, the host, the
 * path with its query, and headers "name:value"; the rest after an empty
 * line is the body.
 *
 * Checks, on the canonical request: six parts in their places; the URI
 * starts with '/' and holds only unreserved characters, '/' and %XX
 * (normalized: no empty, "." or ".." segment), or is the path as given
 * (S3); the query is sorted pairs k=v of unreserved characters and %XX,
 * and canonicalises to itself; the headers are lowercase, sorted, once
 * each, with no unsigned header, trimmed values, and are the signed
 * headers list; the payload hash is the one given. Signing succeeds,
 * and signing the signed request again (as a retry does) gives the same
 * Authorization.
 */
#include <ctype.h>
#include <stdint.h>
#include <strings.h>

#include "buf.h"
#include "creds.h"
#include "fuzz.h"
#include "http.h"
#include "sigv4.h"

#define PHASH "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const char *const unsigned_headers[] = {
	"authorization", "user-agent", "expect", "transfer-encoding",
	"x-amzn-trace-id", "content-length", NULL
};

static int
encoded_ok(const char *s, size_t n, int slash)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (isalnum((unsigned char)s[i]) || strchr("-_.~", s[i]) ||
		    (slash && s[i] == '/'))
			continue;
		if (s[i] != '%' || i + 2 >= n ||
		    !strchr("0123456789ABCDEF", s[i + 1]) ||
		    !strchr("0123456789ABCDEF", s[i + 2]))
			return 0;
		i += 2;
	}
	return 1;
}

/* Splits s at '\n' into at most max lines; returns their number. */
static size_t
lines(char *s, char **l, size_t max)
{
	size_t n = 0;

	while (n < max) {
		l[n++] = s;
		if ((s = strchr(s, '\n')) == NULL)
			break;
		*s++ = '\0';
	}
	return n;
}

static void
check_query(const char *q)
{
	struct buf c = BUF_INIT, url = BUF_INIT, sh = BUF_INIT;
	struct sigv4_opts o;
	struct http_req *r;
	const char *p, *amp, *eq;
	char *k = NULL, *v = NULL, *pk = NULL, *pv = NULL;
	size_t n;
	char *l[4];

	for (p = q; *q; p = amp + 1) {
		amp = strchr(p, '&');
		n = amp ? (size_t)(amp - p) : strlen(p);
		eq = memchr(p, '=', n);
		FUZZ_ASSERT(eq != NULL, "query pair '%.*s' has no '='", (int)n, p);
		k = fuzz_strndup(p, (size_t)(eq - p));
		v = fuzz_strndup(eq + 1, n - (size_t)(eq - p) - 1);
		FUZZ_ASSERT(encoded_ok(k, strlen(k), 0) &&
		    encoded_ok(v, strlen(v), 0), "query pair '%s=%s' is not "
		    "encoded", k, v);
		FUZZ_ASSERT(pk == NULL || strcmp(pk, k) < 0 || (strcmp(pk, k) ==
		    0 && strcmp(pv, v) <= 0), "query not sorted: '%s=%s' before "
		    "'%s=%s'", pk, pv, k, v);
		free(pk);
		free(pv);
		pk = k;
		pv = v;
		if (amp == NULL)
			break;
	}
	free(pk);
	free(pv);
	/* the canonical query is its own canonical form */
	buf_printf(&url, "https://h/?%s", q);
	if ((r = http_req_new("GET", buf_str(&url))) == NULL)
		abort();
	memset(&o, 0, sizeof(o));
	o.region = "eu-west-1";
	o.service = "logs";
	o.normalize_path = 1;
	FUZZ_ASSERT(sigv4_canonical_request(r, &o, PHASH, &c, &sh) == 0,
	    "canonical request of '%s'", buf_str(&url));
	FUZZ_ASSERT(lines(c.p, l, 4) >= 3 && strcmp(l[2], q) == 0,
	    "the query '%s' canonicalises to '%s'", q, l[2]);
	http_req_free(r);
	buf_free(&c);
	buf_free(&url);
	buf_free(&sh);
}

static void
check_canonical(const struct http_req *req, const struct sigv4_opts *o,
    const char *path)
{
	struct buf c = BUF_INIT, sh = BUF_INIT, names = BUF_INIT;
	char *l[4096], *colon;
	size_t n, k, h;
	const char *prevname = NULL;

	if (sigv4_canonical_request(req, o, PHASH, &c, &sh) == -1)
		return;		/* not an absolute URL */
	n = lines(c.p, l, sizeof(l) / sizeof(l[0]));
	FUZZ_ASSERT(n >= 6, "%zu lines in the canonical request", n);
	FUZZ_ASSERT(strcmp(l[0], req->method) == 0, "method '%s'", l[0]);
	FUZZ_ASSERT(l[1][0] == '/', "URI '%s' is not absolute", l[1]);
	if (o->normalize_path) {
		FUZZ_ASSERT(encoded_ok(l[1], strlen(l[1]), 1), "URI '%s' is not "
		    "encoded", l[1]);
		FUZZ_ASSERT(strcmp(l[1], "/") == 0 || (strstr(l[1], "//") ==
		    NULL && strstr(l[1], "/./") == NULL && strstr(l[1], "/../") ==
		    NULL && strcmp(l[1] + strlen(l[1]) - 2, "/.") != 0 &&
		    (strlen(l[1]) < 3 || strcmp(l[1] + strlen(l[1]) - 3,
		    "/..") != 0)), "URI '%s' is not normalized", l[1]);
	} else {
		FUZZ_ASSERT(strcmp(l[1], *path ? path : "/") == 0,
		    "S3 URI '%s' for the path '%s'", l[1], path);
	}
	check_query(l[2]);
	/* headers up to the empty line */
	for (h = 3; h < n && *l[h]; h++) {
		FUZZ_ASSERT((colon = strchr(l[h], ':')) != NULL, "header line "
		    "'%s'", l[h]);
		*colon = '\0';
		for (k = 0; l[h][k]; k++)
			FUZZ_ASSERT(!isupper((unsigned char)l[h][k]),
			    "header name '%s' is not lowercase", l[h]);
		for (k = 0; unsigned_headers[k]; k++)
			FUZZ_ASSERT(strcmp(l[h], unsigned_headers[k]) != 0,
			    "unsigned header %s is signed", l[h]);
		FUZZ_ASSERT(prevname == NULL || strcmp(prevname, l[h]) < 0,
		    "header %s after %s", l[h], prevname);
		prevname = l[h];
		FUZZ_ASSERT(strpbrk(colon + 1, "\t\r") == NULL &&
		    strstr(colon + 1, "  ") == NULL && colon[1] != ' ' &&
		    (colon[1] == '\0' || colon[strlen(colon + 1)] != ' '),
		    "header %s: value '%s' is not trimmed", l[h], colon + 1);
		buf_printf(&names, "%s%s", names.len ? ";" : "", l[h]);
	}
	FUZZ_ASSERT(h + 3 == n, "%zu lines, headers end at %zu", n, h);
	FUZZ_ASSERT(strcmp(l[h + 1], buf_str(&names)) == 0 &&
	    strcmp(buf_str(&sh), buf_str(&names)) == 0, "signed headers '%s' "
	    "and '%s' for '%s'", l[h + 1], buf_str(&sh), buf_str(&names));
	FUZZ_ASSERT(strcmp(l[h + 2], PHASH) == 0, "payload hash '%s'",
	    l[h + 2]);
	buf_free(&c);
	buf_free(&sh);
	buf_free(&names);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct creds cr = { "AKIACWLTESTKEY0000001",
	    "cwlTestSecret0000000000000000000000000001", NULL, 0, "fuzz" };
	struct sigv4_opts o;
	struct err e = ERR_INIT;
	struct http_req *req;
	struct buf url = BUF_INIT;
	uint8_t opt = fuzz_byte(&in);
	char *method, *host, *path, *line, *colon, *auth;
	size_t n, plen;

	method = fuzz_field(&in, '\n', NULL);
	host = fuzz_field(&in, '\n', NULL);
	path = fuzz_field(&in, '\n', NULL);
	buf_printf(&url, "https://%s%s", host, path);
	if ((req = http_req_new(method, buf_str(&url))) == NULL)
		abort();
	while (in.n > 0) {
		line = fuzz_field(&in, '\n', &n);
		if (n == 0 || strlen(line) != n) {
			free(line);
			break;
		}
		if ((colon = strchr(line, ':')) != NULL) {
			*colon = '\0';
			http_req_header(req, line, colon + 1);
		}
		free(line);
	}
	req->body = (const char *)in.p;
	req->body_len = in.n;

	memset(&o, 0, sizeof(o));
	o.region = "eu-west-1";
	o.service = opt & 1 ? "logs" : "s3";
	o.normalize_path = opt & 1;
	o.unsigned_payload = (opt >> 1) & 1;
	o.content_sha256_header = (opt >> 2) & 1;
	o.query = (opt >> 3) & 1;
	o.now = 1763892000;
	if (opt & 16)
		cr.session_token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3Qt";

	/* the path as split_url sees it: up to '?' or '#', after the host */
	plen = strcspn(buf_str(&url) + 8 + strcspn(buf_str(&url) + 8, "/?#"),
	    "?#");
	line = fuzz_strndup(buf_str(&url) + 8 + strcspn(buf_str(&url) + 8,
	    "/?#"), plen);
	check_canonical(req, &o, line);
	free(line);

	if (sigv4_sign(req, &cr, &o, &e) == 0) {
		if (!o.query) {
			FUZZ_ASSERT((auth = (char *)http_req_get_header(req,
			    "Authorization")) != NULL, "no Authorization");
			auth = fuzz_strndup(auth, strlen(auth));
			FUZZ_ASSERT(sigv4_sign(req, &cr, &o, &e) == 0,
			    "signing again: %s", err_msg(&e));
			FUZZ_ASSERT(strcmp(auth, http_req_get_header(req,
			    "Authorization")) == 0, "signed again: '%s' then '%s'",
			    auth, http_req_get_header(req, "Authorization"));
			free(auth);
		} else {
			FUZZ_ASSERT(strstr(req->url, "X-Amz-Signature=") != NULL,
			    "presigned URL '%s' has no signature", req->url);
		}
	} else {
		FUZZ_ASSERT(e.code != 0 && e.msg && *e.msg, "failed silently");
		/* an error may quote the request's URL, which the input
		 * made of several fields */
		FUZZ_ASSERT(strstr(e.msg, cr.secret_access_key) == NULL ||
		    fuzz_contains((const char *)data, size,
		    cr.secret_access_key) ||
		    strstr(buf_str(&url), cr.secret_access_key) != NULL,
		    "the secret is in '%s'", e.msg);
	}
	err_clear(&e);
	req->body = NULL;
	http_req_free(req);
	buf_free(&url);
	free(method);
	free(host);
	free(path);
	return 0;
}

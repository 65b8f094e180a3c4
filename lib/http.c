/*
 * HTTP over libcurl. A client is a set of settings and a curl share
 * handle holding the connection cache, the DNS cache and the TLS
 * sessions, so every easy handle made from it (blocking or in a multi)
 * reuses the same connections. A client and its multis are used from one
 * thread. Redirects are never followed: callers see the 3xx.
 */
#include <sys/types.h>
#include <sys/random.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "err.h"
#include "http.h"
#include "log.h"

#ifndef CWL_VERSION
#define CWL_VERSION "0"
#endif

#define DEF_CONNECT_TIMEOUT_MS	10000L
#define DEF_TIMEOUT_MS		90000L
#define DEF_MAX_RESPONSE	((size_t)256 << 20)
/* A transfer that moves no byte for this long is abandoned, even when the
 * whole-transfer timeout is further away. */
#define STALL_SECONDS		60L
#define MULTI_MAXCONNECTS	32L
/* Easy handles kept for the next transfers: making one and freeing it
 * cost more than resetting it. */
#define IDLE_HANDLES		8

struct http_client {
	CURLSH *share;
	long connect_timeout_ms;
	long timeout_ms;
	int verify;
	char *ca_file;
	struct buf ca_pem;
	long sslversion;
	char *ciphers;
	char *tls13_ciphers;
	char *curves;
	char *cert_file;
	char *key_file;
	char *key_passphrase;
	char *proxy_url;
	char *user_agent;
	size_t max_bytes;
	CURL *idle[IDLE_HANDLES];	/* reset before use */
	size_t nidle;
};

/* One transfer: an easy handle and what it fills. */
struct xfer {
	struct http_client *c;
	CURL *h;
	struct curl_slist *hdrs;
	const struct http_req *req;
	struct http_req *own_req;	/* in a multi: owned */
	struct http_resp *resp;		/* where the response goes */
	struct http_resp own_resp;	/* in a multi */
	struct err err;			/* in a multi: why it failed */
	void *udata;
	struct buf surl;		/* URL without query or credentials */
	size_t max_bytes;		/* the request's limit or the client's */
	int toobig;
	int oom;
	char errbuf[CURL_ERROR_SIZE];
	struct xfer *prev, *next;
};

struct http_multi {
	struct http_client *c;
	CURLM *m;
	struct xfer *active;		/* in flight, doubly linked */
	struct xfer *done, *done_tail;	/* finished, not yet taken */
	size_t pending;
	struct err err;
};

static int
global_init(struct err *e)
{
	static int done;
	CURLcode rc;

	if (done)
		return 0;
	if ((rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK)
		return err_set(e, EXIT_RUNTIME, "curl_global_init: %s",
		    curl_easy_strerror(rc));
	done = 1;
	return 0;
}

static int
dupopt(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	return (*dst = strdup(src)) == NULL ? -1 : 0;
}

static int
check_file(const char *what, const char *path, struct err *e)
{
	if (path == NULL)
		return 0;
	if (*path == '\0')
		return err_set(e, EXIT_USAGE, "%s: empty file name", what);
	if (access(path, R_OK) == -1)
		return err_set(e, EXIT_USAGE, "%s %s: %s", what, path,
		    strerror(errno));
	return 0;
}

/* CURLOPT_SSLVERSION for the versions min..max (HTTP_TLS_*, 0: any). */
static long
tls_version(int min, int max)
{
	long v = min == HTTP_TLS_1_3 ? CURL_SSLVERSION_TLSv1_3 :
	    min == HTTP_TLS_1_2 ? CURL_SSLVERSION_TLSv1_2 :
	    CURL_SSLVERSION_DEFAULT;

	if (max == HTTP_TLS_1_2)
		v |= CURL_SSLVERSION_MAX_TLSv1_2;
	else if (max == HTTP_TLS_1_3)
		v |= CURL_SSLVERSION_MAX_TLSv1_3;
	return v;
}

struct http_client *
http_client_new(const struct http_opts *o, struct err *e)
{
	static const struct http_opts none;
	static int warned;
	struct http_client *c;
	CURLSHcode sc;

	if (o == NULL)
		o = &none;
	if (o->verify != HTTP_VERIFY_FULL && o->verify != HTTP_VERIFY_CERTIFICATE &&
	    o->verify != HTTP_VERIFY_NONE) {
		err_set(e, EXIT_USAGE, "TLS verification mode %d: unknown",
		    o->verify);
		return NULL;
	}
	if (o->connect_timeout_ms < 0 || o->timeout_ms < 0) {
		err_set(e, EXIT_USAGE, "HTTP timeout: negative");
		return NULL;
	}
	if (o->key_file != NULL && o->cert_file == NULL) {
		err_set(e, EXIT_USAGE, "TLS client key %s: no certificate given",
		    o->key_file);
		return NULL;
	}
	if (check_file("CA file", o->ca_file, e) == -1 ||
	    check_file("TLS client certificate", o->cert_file, e) == -1 ||
	    check_file("TLS client key", o->key_file, e) == -1)
		return NULL;
	if (global_init(e) == -1)
		return NULL;
	if (o->key_passphrase != NULL)
		log_secret(o->key_passphrase);
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		err_set(e, EXIT_RUNTIME, "HTTP client: %s", strerror(errno));
		return NULL;
	}
	c->connect_timeout_ms = o->connect_timeout_ms ? o->connect_timeout_ms :
	    DEF_CONNECT_TIMEOUT_MS;
	c->timeout_ms = o->timeout_ms ? o->timeout_ms : DEF_TIMEOUT_MS;
	c->verify = o->verify;
	c->max_bytes = o->max_response_bytes ? o->max_response_bytes :
	    DEF_MAX_RESPONSE;
	c->sslversion = tls_version(o->tls_min, o->tls_max);
	if (dupopt(&c->ca_file, o->ca_file) == -1 ||
	    (o->ca_pem && buf_add(&c->ca_pem, o->ca_pem, o->ca_pem_len) == -1) ||
	    dupopt(&c->ciphers, o->ciphers) == -1 ||
	    dupopt(&c->tls13_ciphers, o->tls13_ciphers) == -1 ||
	    dupopt(&c->curves, o->curves) == -1 ||
	    dupopt(&c->cert_file, o->cert_file) == -1 ||
	    dupopt(&c->key_file, o->key_file) == -1 ||
	    dupopt(&c->key_passphrase, o->key_passphrase) == -1 ||
	    dupopt(&c->proxy_url, o->proxy_url) == -1 ||
	    dupopt(&c->user_agent, o->user_agent ? o->user_agent :
	    "cloudwatchlogsbeat/" CWL_VERSION) == -1) {
		err_set(e, EXIT_RUNTIME, "HTTP client: %s", strerror(errno));
		http_client_free(c);
		return NULL;
	}
	if ((c->share = curl_share_init()) == NULL) {
		err_set(e, EXIT_RUNTIME, "curl_share_init: out of memory");
		http_client_free(c);
		return NULL;
	}
	if ((sc = curl_share_setopt(c->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_CONNECT)) != CURLSHE_OK ||
	    (sc = curl_share_setopt(c->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_DNS)) != CURLSHE_OK ||
	    (sc = curl_share_setopt(c->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_SSL_SESSION)) != CURLSHE_OK) {
		err_set(e, EXIT_RUNTIME, "curl_share_setopt: %s",
		    curl_share_strerror(sc));
		http_client_free(c);
		return NULL;
	}
	if (c->verify == HTTP_VERIFY_NONE && !warned) {
		warned = 1;
		log_warn("TLS verification is off");
	}
	return c;
}

void
http_client_free(struct http_client *c)
{
	if (c == NULL)
		return;
	/* before the share they hold */
	while (c->nidle > 0)
		curl_easy_cleanup(c->idle[--c->nidle]);
	if (c->share != NULL)
		curl_share_cleanup(c->share);
	free(c->ca_file);
	buf_free(&c->ca_pem);
	free(c->ciphers);
	free(c->tls13_ciphers);
	free(c->curves);
	free(c->cert_file);
	free(c->key_file);
	free(c->key_passphrase);
	free(c->proxy_url);
	free(c->user_agent);
	free(c);
}

/* Appends url without its user information, query and fragment. */
static int
safe_url(struct buf *b, const char *url)
{
	const char *p, *auth, *end, *at;

	buf_reset(b);
	if ((p = strstr(url, "://")) == NULL)
		return buf_add(b, url, strcspn(url, "?#"));
	auth = p + 3;
	end = auth + strcspn(auth, "/?#");
	if (buf_add(b, url, (size_t)(auth - url)) == -1)
		return -1;
	for (at = end; at > auth && at[-1] != '@'; at--)
		;
	if (buf_add(b, at, (size_t)(end - at)) == -1)
		return -1;
	return buf_add(b, end, strcspn(end, "?#"));
}

/* Returns the first "://" in s[0..n), or NULL. */
static const char *
find_scheme_sep(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 3 <= n; i++)
		if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/')
			return s + i;
	return NULL;
}

/* Copies a line of curl's text with every URL in it cleaned as by
 * safe_url, and every request target's query dropped. */
static void
scrub_line(struct buf *b, const char *s, size_t n)
{
	static const char stop[] = " \t'\"<>";
	const char *p = s, *end = s + n, *u, *a, *ae, *at, *q;

	while (p < end) {
		u = find_scheme_sep(p, (size_t)(end - p));
		if (u == NULL) {
			buf_add(b, p, (size_t)(end - p));
			return;
		}
		a = u + 3;
		for (ae = a; ae < end && !strchr(stop, *ae) && *ae != '/' &&
		    *ae != '?' && *ae != '#'; ae++)
			;
		for (at = ae; at > a && at[-1] != '@'; at--)
			;
		buf_add(b, p, (size_t)(a - p));
		buf_add(b, at, (size_t)(ae - at));
		for (q = ae; q < end && !strchr(stop, *q) && *q != '?' &&
		    *q != '#'; q++)
			;
		buf_add(b, ae, (size_t)(q - ae));
		while (q < end && !strchr(stop, *q))
			q++;
		p = q;
	}
}

/* Header values shown by the debug log; the others show their length. */
static const char *const shown_headers[] = {
	"accept", "accept-encoding", "connection", "content-encoding",
	"content-length", "content-type", "date", "host", "server",
	"transfer-encoding", "user-agent", "x-amz-date", "x-amz-target",
	"x-amzn-errortype", "x-amzn-requestid", "x-amz-request-id",
	"retry-after", "keep-alive", "via", NULL
};

static void
debug_header_line(char dir, const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	const char *colon, *v, *sp;
	size_t i, nl;

	buf_printf(&b, "%c ", dir);
	colon = memchr(s, ':', n);
	if (n >= 5 && memcmp(s, "HTTP/", 5) == 0) {
		buf_add(&b, s, n);
	} else if (dir == '>' && (sp = memchr(s, ' ', n)) != NULL &&
	    (colon == NULL || sp < colon)) {
		/* the request line: drop the query of its target */
		const char *t = sp + 1, *te = memchr(t, ' ', n - (size_t)(t - s));
		const char *qm;

		if (te == NULL)
			te = s + n;
		buf_add(&b, s, (size_t)(t - s));
		if (find_scheme_sep(t, (size_t)(te - t)) != NULL)
			scrub_line(&b, t, (size_t)(te - t));
		else {
			qm = memchr(t, '?', (size_t)(te - t));
			buf_add(&b, t, (size_t)((qm ? qm : te) - t));
		}
		buf_add(&b, te, (size_t)(s + n - te));
	} else if (colon != NULL) {
		nl = (size_t)(colon - s);
		for (v = colon + 1; v < s + n && (*v == ' ' || *v == '\t'); v++)
			;
		buf_add(&b, s, nl + 1);
		for (i = 0; shown_headers[i] != NULL; i++)
			if (strlen(shown_headers[i]) == nl &&
			    strncasecmp(shown_headers[i], s, nl) == 0)
				break;
		if (shown_headers[i] != NULL) {
			buf_addc(&b, ' ');
			buf_add(&b, v, (size_t)(s + n - v));
		} else
			buf_printf(&b, " <%zu bytes>", (size_t)(s + n - v));
	} else
		buf_add(&b, s, n);
	if (b.p != NULL)
		log_debug("http", "%s", b.p);
	buf_free(&b);
}

static int
on_debug(CURL *h, curl_infotype type, char *p, size_t n, void *arg)
{
	struct buf b = BUF_INIT;
	const char *s = p, *end = p + n, *eol;
	size_t len;

	(void)h;
	(void)arg;
	if (type != CURLINFO_TEXT && type != CURLINFO_HEADER_IN &&
	    type != CURLINFO_HEADER_OUT)
		return 0;
	while (s < end) {
		eol = memchr(s, '\n', (size_t)(end - s));
		len = (size_t)((eol ? eol : end) - s);
		if (len > 0 && s[len - 1] == '\r')
			len--;
		if (len > 0) {
			if (type == CURLINFO_TEXT) {
				buf_reset(&b);
				buf_adds(&b, "* ");
				scrub_line(&b, s, len);
				if (b.p != NULL)
					log_debug("http", "%s", b.p);
			} else
				debug_header_line(type == CURLINFO_HEADER_IN ?
				    '<' : '>', s, len);
		}
		s = eol ? eol + 1 : end;
	}
	buf_free(&b);
	return 0;
}

static void
free_resp_headers(struct http_resp *r)
{
	size_t i;

	for (i = 0; i < r->nh; i++) {
		free(r->h[i].name);
		free(r->h[i].value);
	}
	free(r->h);
	r->h = NULL;
	r->nh = 0;
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	struct http_resp *r = x->resp;
	struct http_header *h;
	size_t n = size * nmemb, len = n, nl, vl;
	const char *colon, *v;
	char *nv;

	/* A status line starts a response: keep the final one's headers
	 * only (not those of a 1xx or of a proxy's CONNECT). */
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		free_resp_headers(r);
		return n;
	}
	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r' ||
	    p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (len == 0)
		return n;
	if ((p[0] == ' ' || p[0] == '\t') && r->nh > 0) {
		/* an obsolete folded line continues the previous value */
		for (v = p; v < p + len && (*v == ' ' || *v == '\t'); v++)
			;
		vl = strlen(r->h[r->nh - 1].value);
		if ((nv = realloc(r->h[r->nh - 1].value,
		    vl + 1 + (size_t)(p + len - v) + 1)) == NULL)
			goto oom;
		nv[vl] = ' ';
		memcpy(nv + vl + 1, v, (size_t)(p + len - v));
		nv[vl + 1 + (size_t)(p + len - v)] = '\0';
		r->h[r->nh - 1].value = nv;
		return n;
	}
	if ((colon = memchr(p, ':', len)) == NULL)
		return n;
	for (nl = (size_t)(colon - p); nl > 0 &&
	    (p[nl - 1] == ' ' || p[nl - 1] == '\t'); nl--)
		;
	for (v = colon + 1; v < p + len && (*v == ' ' || *v == '\t'); v++)
		;
	if ((h = realloc(r->h, (r->nh + 1) * sizeof(*h))) == NULL)
		goto oom;
	r->h = h;
	h[r->nh].name = strndup(p, nl);
	h[r->nh].value = strndup(v, (size_t)(p + len - v));
	if (h[r->nh].name == NULL || h[r->nh].value == NULL) {
		free(h[r->nh].name);
		free(h[r->nh].value);
		goto oom;
	}
	r->nh++;
	return n;
oom:
	x->oom = 1;
	return 0;
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	struct buf *b = &x->resp->body;
	size_t n = size * nmemb;

	if (n > x->max_bytes || b->len > x->max_bytes - n) {
		x->toobig = 1;
		return 0;
	}
	if (buf_add(b, p, n) == -1) {
		x->oom = 1;
		return 0;
	}
	return n;
}

static int
add_header(struct xfer *x, const char *name, const char *value)
{
	struct curl_slist *l;
	struct buf b = BUF_INIT;

	/* curl sends "Name;" as a header with an empty value, and drops
	 * its own header for "Name:". */
	if (buf_adds(&b, name) == -1 ||
	    (value == NULL ? buf_addc(&b, ':') :
	    *value == '\0' ? buf_addc(&b, ';') :
	    buf_add(&b, ": ", 2) | buf_adds(&b, value)) == -1) {
		buf_free(&b);
		return -1;
	}
	l = curl_slist_append(x->hdrs, b.p);
	buf_free(&b);
	if (l == NULL)
		return -1;
	x->hdrs = l;
	return 0;
}

/* The transfer's easy handle goes back to the client's idle ones (or is
 * freed when there are enough): it must be out of any multi handle. */
static void
xfer_release(struct xfer *x)
{
	if (x->h != NULL) {
		if (x->c->nidle < IDLE_HANDLES)
			x->c->idle[x->c->nidle++] = x->h;
		else
			curl_easy_cleanup(x->h);
	}
	x->h = NULL;
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
}

#define SET(opt, val) do { \
	if ((rc = curl_easy_setopt(h, opt, val)) != CURLE_OK) { \
		optname = #opt; \
		goto fail; \
	} \
} while (0)

/* Sets the client's TLS options on h. Returns CURLE_OK, or the error
 * with *optname. */
static CURLcode
set_tls(CURL *h, const struct http_client *c, const char **optp)
{
	const char *optname = NULL;
	long verify_peer, verify_host;
	CURLcode rc;

	verify_peer = c->verify != HTTP_VERIFY_NONE;
	verify_host = c->verify == HTTP_VERIFY_FULL ? 2L : 0L;
	SET(CURLOPT_SSL_VERIFYPEER, verify_peer);
	SET(CURLOPT_SSL_VERIFYHOST, verify_host);
	SET(CURLOPT_PROXY_SSL_VERIFYPEER, verify_peer);
	SET(CURLOPT_PROXY_SSL_VERIFYHOST, verify_host);
	if (c->ca_file != NULL) {
		SET(CURLOPT_CAINFO, c->ca_file);
		SET(CURLOPT_PROXY_CAINFO, c->ca_file);
	}
	if (c->ca_pem.len > 0) {
		struct curl_blob blob = { c->ca_pem.p, c->ca_pem.len,
		    CURL_BLOB_NOCOPY };

		SET(CURLOPT_CAINFO_BLOB, &blob);
		SET(CURLOPT_PROXY_CAINFO_BLOB, &blob);
	}
	if (c->sslversion != CURL_SSLVERSION_DEFAULT)
		SET(CURLOPT_SSLVERSION, c->sslversion);
	if (c->ciphers != NULL)
		SET(CURLOPT_SSL_CIPHER_LIST, c->ciphers);
	if (c->tls13_ciphers != NULL)
		SET(CURLOPT_TLS13_CIPHERS, c->tls13_ciphers);
	if (c->curves != NULL)
		SET(CURLOPT_SSL_EC_CURVES, c->curves);
	if (c->cert_file != NULL)
		SET(CURLOPT_SSLCERT, c->cert_file);
	if (c->key_file != NULL)
		SET(CURLOPT_SSLKEY, c->key_file);
	if (c->key_passphrase != NULL)
		SET(CURLOPT_KEYPASSWD, c->key_passphrase);
	return CURLE_OK;
fail:
	*optp = optname;
	return rc;
}

/* The handle's own options: where its callbacks and errors go, the URL
 * and what may be spoken to reach it. */
static CURLcode
set_handle(CURL *h, struct xfer *x, const char **optp)
{
	const struct http_client *c = x->c;
	const char *optname = NULL;
	CURLcode rc;

	x->errbuf[0] = '\0';
	SET(CURLOPT_ERRORBUFFER, x->errbuf);
	SET(CURLOPT_SHARE, c->share);
	SET(CURLOPT_PRIVATE, x);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_URL, x->req->url);
	SET(CURLOPT_PATH_AS_IS, 1L);	/* the path is signed as it is */
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, x);
	SET(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	return CURLE_OK;
fail:
	*optp = optname;
	return rc;
}

/* Timeouts, the stall bound, keepalives and the response's size limit
 * (x->max_bytes: the request's or the client's, the lower). */
static CURLcode
set_limits(CURL *h, struct xfer *x, const char **optp)
{
	const struct http_client *c = x->c;
	const struct http_req *req = x->req;
	const char *optname = NULL;
	CURLcode rc;
	long stall;

	SET(CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, c->timeout_ms);
	stall = c->timeout_ms / 1000;
	if (stall > STALL_SECONDS)
		stall = STALL_SECONDS;
	if (stall < 1)
		stall = 1;
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SET(CURLOPT_LOW_SPEED_TIME, stall);
	/* the cache is shared: let a blocking request keep what a multi
	 * left idle */
	SET(CURLOPT_MAXCONNECTS, MULTI_MAXCONNECTS);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_TCP_KEEPIDLE, 30L);
	SET(CURLOPT_TCP_KEEPINTVL, 15L);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	x->max_bytes = req->max_response_bytes &&
	    req->max_response_bytes < c->max_bytes ?
	    req->max_response_bytes : c->max_bytes;
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)(x->max_bytes > INT64_MAX ?
	    INT64_MAX : x->max_bytes));
	return CURLE_OK;
fail:
	*optp = optname;
	return rc;
}

/* The method, with the body for a request that has one. */
static CURLcode
set_method(CURL *h, const struct http_req *req, int has_body,
    const char **optp)
{
	const char *optname = NULL, *m = req->method;
	CURLcode rc;

	if (strcmp(m, "HEAD") == 0) {
		SET(CURLOPT_NOBODY, 1L);
	} else if (has_body) {
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		SET(CURLOPT_POSTFIELDS, req->body ? req->body : "");
		if (strcmp(m, "POST") != 0)
			SET(CURLOPT_CUSTOMREQUEST, m);
	} else {
		SET(CURLOPT_HTTPGET, 1L);
		if (strcmp(m, "GET") != 0)
			SET(CURLOPT_CUSTOMREQUEST, m);
	}
	return CURLE_OK;
fail:
	*optp = optname;
	return rc;
}

/* The request's headers in x->hdrs, and the two curl would add unasked
 * taken out. Returns 0, or -1 with e set. */
static int
set_headers(struct xfer *x, int has_body, struct err *e)
{
	const struct http_req *req = x->req;
	const char *m = req->method;
	size_t i;

	for (i = 0; i < req->nh; i++) {
		/* a line break would smuggle in a header of its own */
		if (req->h[i].name[0] == '\0' ||
		    strpbrk(req->h[i].name, ":\r\n \t") != NULL ||
		    strpbrk(req->h[i].value, "\r\n") != NULL)
			return err_set(e, EXIT_USAGE, "%s %s: header '%s': bad "
			    "name or line break in the value", m,
			    buf_str(&x->surl), req->h[i].name);
		if (add_header(x, req->h[i].name, req->h[i].value) == -1)
			goto oom;
	}
	/* No "Expect: 100-continue": it costs a round trip per request. */
	if (http_req_get_header(req, "Expect") == NULL &&
	    add_header(x, "Expect", NULL) == -1)
		goto oom;
	/* Without this curl would say the body is a form. */
	if (has_body && http_req_get_header(req, "Content-Type") == NULL &&
	    add_header(x, "Content-Type", NULL) == -1)
		goto oom;
	return 0;
oom:
	return err_set(e, EXIT_RUNTIME, "%s %s: out of memory", m,
	    buf_str(&x->surl));
}

/* Makes the easy handle of a transfer. Returns 0, or -1 with e set (and
 * nothing left to release). */
static int
xfer_setup(struct xfer *x, struct err *e)
{
	const struct http_req *req = x->req;
	struct http_client *c = x->c;
	const char *optname = NULL, *m = req->method;
	int has_body;
	CURLcode rc = CURLE_OK;
	CURL *h;

	if (safe_url(&x->surl, req->url) == -1) {
		err_set(e, EXIT_RUNTIME, "%s: out of memory", m);
		return -1;
	}
	/* an idle handle is reset: every option back to its default, as in
	 * a new one (the connections are in the share, not the handle) */
	if (c->nidle > 0)
		curl_easy_reset(h = x->h = c->idle[--c->nidle]);
	else if ((h = x->h = curl_easy_init()) == NULL) {
		err_set(e, EXIT_RUNTIME, "%s %s: curl_easy_init failed", m,
		    buf_str(&x->surl));
		return -1;
	}
	if ((rc = set_handle(h, x, &optname)) != CURLE_OK ||
	    (rc = set_limits(h, x, &optname)) != CURLE_OK)
		goto fail;
	SET(CURLOPT_USERAGENT, c->user_agent);
	if ((rc = set_tls(h, c, &optname)) != CURLE_OK)
		goto fail;
	if (c->proxy_url != NULL)
		SET(CURLOPT_PROXY, c->proxy_url);
	if (log_enabled("http")) {
		SET(CURLOPT_DEBUGFUNCTION, on_debug);
		SET(CURLOPT_VERBOSE, 1L);
	}
	has_body = req->body_len > 0 || strcmp(m, "POST") == 0 ||
	    strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0;
	if ((rc = set_method(h, req, has_body, &optname)) != CURLE_OK)
		goto fail;
	if (set_headers(x, has_body, e) == -1) {
		xfer_release(x);
		return -1;
	}
	SET(CURLOPT_HTTPHEADER, x->hdrs);
	return 0;
fail:
	err_set(e, rc == CURLE_OUT_OF_MEMORY ? EXIT_RUNTIME : EXIT_USAGE,
	    "%s %s: setting %s: %s", m, buf_str(&x->surl), optname,
	    curl_easy_strerror(rc));
	xfer_release(x);
	return -1;
}

#undef SET

/* Errors that no retry cures: the request or the settings are wrong.
 * A server certificate that does not verify (an unknown CA, another host
 * name, a pinned key that differs) is one: the TLS settings, or the URL,
 * are at fault, as much as a CA file that cannot be read. */
static int
is_usage_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_NOT_BUILT_IN:
		return 1;
	default:
		return 0;
	}
}

/* Says why a connection failed: the system's words, and the address
 * tried when it is not the URL's own (a proxy's). curl names the address
 * in its message as "Failed to connect to HOST port N ...". */
static const char *
connect_why(struct xfer *x, int oserr, char *out, size_t len)
{
	static const char pre[] = "Failed to connect to ";
	const char *why = strerror(oserr), *host, *sp;
	char *uhost = NULL, *uport = NULL, *end, *uh;
	size_t hl, ul;
	long port;
	CURLU *u;
	int n;

	if (strncmp(x->errbuf, pre, sizeof(pre) - 1) != 0)
		return why;
	host = x->errbuf + sizeof(pre) - 1;
	if ((sp = strstr(host, " port ")) == NULL)
		return why;
	hl = (size_t)(sp - host);
	port = strtol(sp + 6, &end, 10);
	if (end == sp + 6 || (u = curl_url()) == NULL)
		return why;
	if (curl_url_set(u, CURLUPART_URL, x->req->url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &uhost, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &uport, CURLU_DEFAULT_PORT) ==
	    CURLUE_OK) {
		uh = uhost;
		ul = strlen(uh);
		if (ul >= 2 && uh[0] == '[' && uh[ul - 1] == ']') {
			uh++;	/* an IPv6 address */
			ul -= 2;
		}
		if (ul != hl || strncasecmp(uh, host, hl) != 0 ||
		    strtol(uport, NULL, 10) != port) {
			n = snprintf(out, len, "connect to %.*s port %ld: %s",
			    (int)hl, host, port, why);
			if (n > 0 && (size_t)n < len)
				why = out;
		}
	}
	curl_free(uhost);
	curl_free(uport);
	curl_url_cleanup(u);
	return why;
}

/* Fills the response from a finished transfer. Returns 0 when a whole
 * HTTP response arrived, -1 with e set otherwise. */
static int
xfer_finish(struct xfer *x, CURLcode rc, struct err *e)
{
	struct http_resp *r = x->resp;
	const char *m = x->req->method, *why;
	curl_off_t us = 0;
	long status = 0, nconn = 0, oserr = 0, reqsize = 0;
	int code = EXIT_RUNTIME, neterr = 1, n;
	char size[256];

	if (curl_easy_getinfo(x->h, CURLINFO_TOTAL_TIME_T, &us) == CURLE_OK)
		r->seconds = (double)us / 1e6;
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(x->h, CURLINFO_NUM_CONNECTS, &nconn);
	if (rc == CURLE_OK && !x->oom && !x->toobig) {
		r->status = status;
		log_debug("http", "%s %s: %ld, %zu bytes, %.3f s, %s", m,
		    buf_str(&x->surl), status, r->body.len, r->seconds,
		    nconn > 0 ? "new connection" : "connection reused");
		return 0;
	}
	why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
	if (x->toobig || rc == CURLE_FILESIZE_EXCEEDED) {
		n = snprintf(size, sizeof(size), "response larger than %zu bytes",
		    x->max_bytes);
		why = n > 0 && (size_t)n < sizeof(size) ? size :
		    "response too large";
		neterr = 0;
	} else if (x->oom || rc == CURLE_OUT_OF_MEMORY) {
		why = "out of memory";
		neterr = 0;
	} else if (is_usage_error(rc) && !(rc == CURLE_UNSUPPORTED_PROTOCOL &&
	    curl_easy_getinfo(x->h, CURLINFO_REQUEST_SIZE, &reqsize) ==
	    CURLE_OK && reqsize > 0)) {
		/* (an answer that is not HTTP, "Unsupported response code",
		 * comes after the request went out: the server's fault) */
		code = EXIT_USAGE;
		neterr = 0;
	} else if (rc == CURLE_COULDNT_CONNECT &&
	    curl_easy_getinfo(x->h, CURLINFO_OS_ERRNO, &oserr) == CURLE_OK &&
	    oserr != 0) {
		why = connect_why(x, (int)oserr, size, sizeof(size));
	}
	r->status = 0;
	r->neterr = neterr;
	free(r->neterr_msg);
	r->neterr_msg = strdup(why);
	free_resp_headers(r);
	buf_free(&r->body);
	log_debug("http", "%s %s: failed after %.3f s: %s", m,
	    buf_str(&x->surl), r->seconds, why);
	return err_set(e, code, "%s %s: %s", m, buf_str(&x->surl), why);
}

int
http_send(struct http_client *c, const struct http_req *req,
    struct http_resp *resp, struct err *e)
{
	struct xfer x;
	CURLcode rc;
	int ret;

	memset(&x, 0, sizeof(x));
	x.c = c;
	x.req = req;
	x.resp = resp;
	if (xfer_setup(&x, e) == -1) {
		buf_free(&x.surl);
		return -1;
	}
	rc = curl_easy_perform(x.h);
	ret = xfer_finish(&x, rc, e);
	xfer_release(&x);
	buf_free(&x.surl);
	return ret;
}

/*
 * Retries. The random source is per process (reseeded after a fork, so
 * that workers do not sleep in step), seeded from the kernel.
 */
static uint64_t rng_state;
static pid_t rng_pid;

static void
rng_seed(void)
{
	uint64_t s = 0;
	ssize_t n;
	int fd;

	n = getrandom(&s, sizeof(s), GRND_NONBLOCK);
	if (n != (ssize_t)sizeof(s) &&
	    (fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(fd, &s, sizeof(s));
		close(fd);
	}
	if (n != (ssize_t)sizeof(s)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
		    ((uint64_t)getpid() << 16);
	}
	rng_state = s;
	rng_pid = getpid();
}

/* splitmix64 */
static uint64_t
rng_next(void)
{
	uint64_t z;

	if (rng_pid != getpid())
		rng_seed();
	z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

long
retry_delay_ms(const struct retry_policy *p, int attempt)
{
	long base = p && p->base_ms > 0 ? p->base_ms : 100;
	long cap = p && p->cap_ms > 0 ? p->cap_ms : 20000;
	long hi = base < cap ? base : cap;
	int i;

	for (i = 0; i < attempt && hi < cap; i++)
		hi = hi > cap / 2 ? cap : hi * 2;
	return (long)(rng_next() % ((uint64_t)hi + 1));
}

int
http_retryable(const struct http_resp *r)
{
	if (r->neterr)
		return 1;
	switch (r->status) {
	case 408: case 429: case 500: case 502: case 503: case 504:
		return 1;
	default:
		return 0;
	}
}

/*
 * Many transfers from one thread. Finished transfers are taken off the
 * multi handle at once (their connection goes back to the shared cache)
 * and queued until http_multi_next hands them out.
 */
struct http_multi *
http_multi_new(struct http_client *c, struct err *e)
{
	struct http_multi *m;
	CURLMcode mc;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		err_set(e, EXIT_RUNTIME, "HTTP multi: %s", strerror(errno));
		return NULL;
	}
	m->c = c;
	if ((m->m = curl_multi_init()) == NULL) {
		err_set(e, EXIT_RUNTIME, "curl_multi_init: out of memory");
		free(m);
		return NULL;
	}
	/* Keep as many idle connections as the transfers may want back,
	 * rather than curl's default that shrinks as transfers end. */
	if ((mc = curl_multi_setopt(m->m, CURLMOPT_MAXCONNECTS,
	    MULTI_MAXCONNECTS)) != CURLM_OK) {
		err_set(e, EXIT_RUNTIME, "curl_multi_setopt: %s",
		    curl_multi_strerror(mc));
		curl_multi_cleanup(m->m);
		free(m);
		return NULL;
	}
	return m;
}

int
http_multi_set_max(struct http_multi *m, long max_host_conns)
{
	CURLMcode mc;
	long keep = max_host_conns > MULTI_MAXCONNECTS ? max_host_conns :
	    MULTI_MAXCONNECTS;

	if (max_host_conns < 0)
		return err_set(&m->err, EXIT_USAGE,
		    "connections per host: %ld: negative", max_host_conns);
	if ((mc = curl_multi_setopt(m->m, CURLMOPT_MAX_HOST_CONNECTIONS,
	    max_host_conns)) != CURLM_OK ||
	    (mc = curl_multi_setopt(m->m, CURLMOPT_MAXCONNECTS, keep)) !=
	    CURLM_OK)
		return err_set(&m->err, EXIT_RUNTIME, "curl_multi_setopt: %s",
		    curl_multi_strerror(mc));
	return 0;
}

static void
xfer_free(struct xfer *x)
{
	xfer_release(x);
	http_req_free(x->own_req);
	http_resp_free(&x->own_resp);
	err_clear(&x->err);
	buf_free(&x->surl);
	free(x);
}

int
http_multi_add(struct http_multi *m, struct http_req *req, void *udata)
{
	struct xfer *x;
	CURLMcode mc;

	if (req == NULL)	/* http_req_new failed */
		return err_set(&m->err, EXIT_RUNTIME, "request: out of memory");
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		err_set(&m->err, EXIT_RUNTIME, "%s: %s", req->method,
		    strerror(errno));
		http_req_free(req);
		return -1;
	}
	x->c = m->c;
	x->req = x->own_req = req;
	x->resp = &x->own_resp;
	x->udata = udata;
	if (xfer_setup(x, &m->err) == -1) {
		xfer_free(x);
		return -1;
	}
	if ((mc = curl_multi_add_handle(m->m, x->h)) != CURLM_OK) {
		err_set(&m->err, EXIT_RUNTIME, "%s %s: curl_multi_add_handle: %s",
		    req->method, buf_str(&x->surl), curl_multi_strerror(mc));
		xfer_free(x);
		return -1;
	}
	x->next = m->active;
	if (m->active != NULL)
		m->active->prev = x;
	m->active = x;
	m->pending++;
	return 0;
}

size_t
http_multi_pending(const struct http_multi *m)
{
	return m->pending;
}

/* Moves every finished transfer from the multi handle to the queue. */
static void
harvest(struct http_multi *m)
{
	struct xfer *x;
	CURLMsg *msg;
	CURLcode rc;
	CURL *h;
	char *priv;
	int left;

	while ((msg = curl_multi_info_read(m->m, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		h = msg->easy_handle;
		rc = msg->data.result;
		priv = NULL;
		if (curl_easy_getinfo(h, CURLINFO_PRIVATE, &priv) != CURLE_OK ||
		    priv == NULL)
			continue;
		x = (struct xfer *)(void *)priv;
		xfer_finish(x, rc, &x->err);
		curl_multi_remove_handle(m->m, h);
		xfer_release(x);
		if (x->prev != NULL)
			x->prev->next = x->next;
		else
			m->active = x->next;
		if (x->next != NULL)
			x->next->prev = x->prev;
		x->prev = x->next = NULL;
		if (m->done_tail != NULL)
			m->done_tail->next = x;
		else
			m->done = x;
		m->done_tail = x;
	}
}

static int
perform(struct http_multi *m)
{
	CURLMcode mc;
	int running;

	if ((mc = curl_multi_perform(m->m, &running)) != CURLM_OK)
		return err_set(&m->err, EXIT_RUNTIME, "curl_multi_perform: %s",
		    curl_multi_strerror(mc));
	harvest(m);
	return 0;
}

int
http_multi_wait(struct http_multi *m, long timeout_ms, int extra_fd,
    int *extra_ready)
{
	struct curl_waitfd wfd;
	struct pollfd pfd;
	CURLMcode mc;

	if (extra_ready != NULL)
		*extra_ready = 0;
	if (perform(m) == -1)
		return -1;
	/* With nothing in flight this still waits: callers sleep here
	 * between retries. */
	if (m->done != NULL || timeout_ms < 0)
		timeout_ms = 0;
	if (timeout_ms > INT_MAX)
		timeout_ms = INT_MAX;
	memset(&wfd, 0, sizeof(wfd));
	wfd.fd = extra_fd;
	wfd.events = CURL_WAIT_POLLIN;
	if ((mc = curl_multi_poll(m->m, extra_fd >= 0 ? &wfd : NULL,
	    extra_fd >= 0 ? 1 : 0, (int)timeout_ms, NULL)) != CURLM_OK)
		return err_set(&m->err, EXIT_RUNTIME, "curl_multi_poll: %s",
		    curl_multi_strerror(mc));
	if (perform(m) == -1)
		return -1;
	if (extra_fd >= 0 && extra_ready != NULL) {
		/* curl reports POLLIN only; an end of file on a pipe is
		 * POLLHUP, which the caller must see too. */
		pfd.fd = extra_fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if ((wfd.revents & CURL_WAIT_POLLIN) ||
		    (poll(&pfd, 1, 0) > 0 && pfd.revents != 0))
			*extra_ready = 1;
	}
	return 0;
}

int
http_multi_next(struct http_multi *m, struct http_done *out)
{
	struct xfer *x;

	if ((x = m->done) == NULL)
		return 0;
	if ((m->done = x->next) == NULL)
		m->done_tail = NULL;
	out->req = x->own_req;
	out->resp = x->own_resp;
	out->udata = x->udata;
	out->err = x->err;
	x->own_req = NULL;
	memset(&x->own_resp, 0, sizeof(x->own_resp));
	x->err.msg = NULL;
	x->err.code = 0;
	xfer_free(x);
	m->pending--;
	return 1;
}

const struct err *
http_multi_error(const struct http_multi *m)
{
	return &m->err;
}

void
http_multi_free(struct http_multi *m)
{
	struct xfer *x, *next;

	if (m == NULL)
		return;
	for (x = m->active; x != NULL; x = next) {
		next = x->next;
		curl_multi_remove_handle(m->m, x->h);
		xfer_free(x);
	}
	for (x = m->done; x != NULL; x = next) {
		next = x->next;
		xfer_free(x);
	}
	curl_multi_cleanup(m->m);
	err_clear(&m->err);
	free(m);
}

/*
 * AWS Signature Version 4. The steps follow "Create a signed AWS API
 * request" of the IAM user guide: canonical request, string to sign,
 * signing key, signature; botocore's signer decides the corners the
 * guide leaves open (dot segments, repeated slashes, folded header
 * values), because the test suite in tests/sigv4 comes from it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "log.h"
#include "sigv4.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define UNSIGNED "UNSIGNED-PAYLOAD"

/* Headers that proxies and HTTP libraries change or drop on the way, so
 * signing them would break the signature (botocore leaves out the same). */
static const char *const unsigned_headers[] = {
	"authorization", "user-agent", "expect", "transfer-encoding",
	"x-amzn-trace-id", "content-length", NULL
};

struct url_parts {
	const char *host;
	size_t hostlen;
	const char *path;
	size_t pathlen;
	const char *query;
	size_t querylen;
};

static int
split_url(const char *url, struct url_parts *u)
{
	const char *p, *a, *end;

	memset(u, 0, sizeof(*u));
	if ((p = strstr(url, "://")) == NULL)
		return -1;
	a = p + 3;
	end = a + strcspn(a, "/?#");
	/* userinfo is not part of Host */
	for (p = end; p > a; p--)
		if (p[-1] == '@') {
			a = p;
			break;
		}
	u->host = a;
	u->hostlen = (size_t)(end - a);
	if (u->hostlen == 0)
		return -1;
	/* the default port is not written in Host */
	if (strncmp(url, "https://", 8) == 0 && u->hostlen > 4 &&
	    memcmp(end - 4, ":443", 4) == 0)
		u->hostlen -= 4;
	else if (strncmp(url, "http://", 7) == 0 && u->hostlen > 3 &&
	    memcmp(end - 3, ":80", 3) == 0)
		u->hostlen -= 3;
	u->path = end;
	u->pathlen = strcspn(end, "?#");
	if (end[u->pathlen] == '?') {
		u->query = end + u->pathlen + 1;
		u->querylen = strcspn(u->query, "#");
	}
	return 0;
}

/* SHA-256, fetched from the provider once: a fetch by name at each
 * digest costs more than the digest of a request. */
static const EVP_MD *
sha256(void)
{
	static EVP_MD *md;

	if (md == NULL)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	return md;
}

/* The SHA-256 of p[0..n), with one context kept for every digest. The
 * final step wipes the last block, so no input stays in it. */
static int
digest(const void *p, size_t n, unsigned char out[32])
{
	static EVP_MD_CTX *ctx;
	unsigned int len = 0;

	if (sha256() == NULL ||
	    (ctx == NULL && (ctx = EVP_MD_CTX_new()) == NULL))
		return -1;
	if (EVP_DigestInit_ex(ctx, sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, p, n) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != 32)
		return -1;
	return 0;
}

static void
hex32(const unsigned char md[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

void
sigv4_sha256_hex(const void *p, size_t n, char hex[65])
{
	unsigned char md[32];

	if (digest(p, n, md) == -1)
		hex[0] = '\0';
	else
		hex32(md, hex);
}

/* HMAC-SHA256 with the MAC fetched and its context made once, then keyed
 * anew at each use: HMAC() fetches both by name at every call. The
 * context keeps a copy of the last key only (the signing key, or one of
 * the steps that lead to it), never the secret past its first step. */
static int
hmac(const void *key, size_t keylen, const void *data, size_t n,
    unsigned char out[32])
{
	static EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];
	EVP_MAC *mac;
	size_t len = 0;

	if (ctx == NULL) {
		if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
			return -1;
		ctx = EVP_MAC_CTX_new(mac);
		EVP_MAC_free(mac);	/* the context holds its own */
		if (ctx == NULL)
			return -1;
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
		params[1] = OSSL_PARAM_construct_end();
		if (EVP_MAC_CTX_set_params(ctx, params) != 1) {
			EVP_MAC_CTX_free(ctx);
			ctx = NULL;
			return -1;
		}
	}
	if (EVP_MAC_init(ctx, key, keylen, NULL) != 1 ||
	    EVP_MAC_update(ctx, data, n) != 1 ||
	    EVP_MAC_final(ctx, out, &len, 32) != 1 || len != 32)
		return -1;
	return 0;
}

/* RFC 3986 section 5.2.4, and empty segments dropped as AWS wants:
 * "//example//" is "/example/". */
static int
normalize_path(struct buf *out, const char *p, size_t n)
{
	size_t *seg = NULL, nseg = 0, i, j, m, start;
	size_t *segl = NULL;
	int rc = -1, lead = n > 0 && p[0] == '/', trail = n > 0 && p[n - 1] == '/';

	if (n == 0)
		return buf_addc(out, '/');
	if ((seg = calloc(n, sizeof(*seg))) == NULL ||
	    (segl = calloc(n, sizeof(*segl))) == NULL)
		goto done;
	for (i = 0; i <= n; i = j + 1) {
		for (j = i; j < n && p[j] != '/'; j++)
			;
		m = j - i;
		if (m == 0 || (m == 1 && p[i] == '.'))
			continue;
		if (m == 2 && p[i] == '.' && p[i + 1] == '.') {
			if (nseg > 0)
				nseg--;
			continue;
		}
		seg[nseg] = i;
		segl[nseg++] = m;
	}
	if (lead && buf_addc(out, '/') == -1)
		goto done;
	for (i = 0; i < nseg; i++) {
		start = seg[i];
		if ((i > 0 && buf_addc(out, '/') == -1) ||
		    buf_add(out, p + start, segl[i]) == -1)
			goto done;
	}
	if (trail && nseg > 0 && buf_addc(out, '/') == -1)
		goto done;
	rc = 0;
done:
	free(seg);
	free(segl);
	return rc;
}

static int
canonical_uri(struct buf *out, const struct url_parts *u,
    const struct sigv4_opts *o)
{
	struct buf norm = BUF_INIT;
	int rc;

	if (u->pathlen == 0)
		return buf_addc(out, '/');
	/* S3: the path as sent, encoded once by whoever built the URL.
	 * Others: normalized, then encoded again ("Each path segment must
	 * be URI-encoded twice", which the service undoes once). */
	if (!o->normalize_path)
		return buf_add(out, u->path, u->pathlen);
	if (normalize_path(&norm, u->path, u->pathlen) == -1) {
		buf_free(&norm);
		return -1;
	}
	rc = http_uri_encode(out, norm.p, norm.len, 1);
	buf_free(&norm);
	return rc;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..n) then encodes it the SigV4 way, so that a query
 * written raw or encoded (with either case of hex) signs the same. */
static int
reencode(struct buf *out, const char *s, size_t n)
{
	struct buf dec = BUF_INIT;
	size_t i;
	int hi, lo, rc;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			if (buf_addc(&dec, (char)(hi << 4 | lo)) == -1)
				goto fail;
			i += 2;
		} else if (buf_addc(&dec, s[i]) == -1)
			goto fail;
	}
	rc = http_uri_encode(out, buf_str(&dec), dec.len, 0);
	buf_free(&dec);
	return rc;
fail:
	buf_free(&dec);
	return -1;
}

struct qparam {
	char *k;
	char *v;
};

static int
qparam_cmp(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	int c = strcmp(x->k, y->k);

	return c ? c : strcmp(x->v, y->v);
}

static int
canonical_query(struct buf *out, const char *q, size_t n)
{
	struct qparam *ps = NULL, *t;
	size_t np = 0, i, j, m, eq;
	struct buf k = BUF_INIT, v = BUF_INIT;
	int rc = -1;

	for (i = 0; i < n; i = j + 1) {
		for (j = i; j < n && q[j] != '&'; j++)
			;
		if ((m = j - i) == 0)
			continue;
		for (eq = i; eq < j && q[eq] != '='; eq++)
			;
		buf_reset(&k);
		buf_reset(&v);
		if (reencode(&k, q + i, eq - i) == -1 ||
		    (eq < j && reencode(&v, q + eq + 1, j - eq - 1) == -1))
			goto done;
		if ((t = realloc(ps, (np + 1) * sizeof(*ps))) == NULL)
			goto done;
		ps = t;
		ps[np].k = strdup(buf_str(&k));
		ps[np].v = strdup(buf_str(&v));
		np++;
		if (ps[np - 1].k == NULL || ps[np - 1].v == NULL)
			goto done;
	}
	if (np > 0)
		qsort(ps, np, sizeof(*ps), qparam_cmp);
	for (i = 0; i < np; i++)
		if ((i > 0 && buf_addc(out, '&') == -1) ||
		    buf_adds(out, ps[i].k) == -1 || buf_addc(out, '=') == -1 ||
		    buf_adds(out, ps[i].v) == -1)
			goto done;
	rc = 0;
done:
	for (i = 0; i < np; i++) {
		free(ps[i].k);
		free(ps[i].v);
	}
	free(ps);
	buf_free(&k);
	buf_free(&v);
	return rc;
}

/* A signed header, pointing into the request: its name is written
 * lowercase and its value trimmed as they are appended. */
struct chdr {
	const char *name;
	const char *value;
	size_t order;
};

/* By lowercase name (strcasecmp orders as strcmp of the lowercased
 * names), then in the order given. */
static int
chdr_cmp(const void *a, const void *b)
{
	const struct chdr *x = a, *y = b;
	int c = strcasecmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int
is_unsigned(const char *name)
{
	size_t i;

	for (i = 0; unsigned_headers[i]; i++)
		if (strcasecmp(name, unsigned_headers[i]) == 0)
			return 1;
	return 0;
}

static int
add_lower(struct buf *out, const char *s)
{
	size_t n = strlen(s), i;

	if (buf_reserve(out, n) == -1)
		return -1;
	for (i = 0; i < n; i++)
		out->p[out->len + i] = (char)tolower((unsigned char)s[i]);
	out->len += n;
	out->p[out->len] = '\0';
	return 0;
}

/* "Trim any leading or trailing spaces, and convert sequential spaces to
 * a single space." Folded lines (obs-fold) are whitespace like any
 * other, as botocore's ' '.join(value.split()) has it. */
static int
add_value(struct buf *out, const char *v)
{
	size_t start = out->len;
	int sp = 0;

	if (buf_reserve(out, strlen(v)) == -1)
		return -1;
	for (; *v; v++) {
		if (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') {
			sp = out->len > start;
			continue;
		}
		if (sp)
			out->p[out->len++] = ' ';
		out->p[out->len++] = *v;
		sp = 0;
	}
	out->p[out->len] = '\0';
	return 0;
}

/* Appends the canonical headers block (each "name:value\n") to out and
 * the signed header list to sh. */
static int
canonical_headers(const struct http_req *req, struct buf *out,
    struct buf *sh)
{
	struct chdr few[16], *h = few;
	size_t n = 0, i;
	int rc = -1;

	if (req->nh > sizeof(few) / sizeof(few[0]) &&
	    (h = calloc(req->nh, sizeof(*h))) == NULL)
		return -1;
	for (i = 0; i < req->nh; i++) {
		if (is_unsigned(req->h[i].name))
			continue;
		h[n].name = req->h[i].name;
		h[n].value = req->h[i].value;
		h[n].order = i;
		n++;
	}
	qsort(h, n, sizeof(*h), chdr_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcasecmp(h[i].name, h[i - 1].name) == 0) {
			/* repeated header: values joined with commas, in
			 * the order they were given */
			if (buf_addc(out, ',') == -1 ||
			    add_value(out, h[i].value) == -1)
				goto done;
			continue;
		}
		if ((i > 0 && buf_addc(out, '\n') == -1) ||
		    add_lower(out, h[i].name) == -1 || buf_addc(out, ':') == -1 ||
		    add_value(out, h[i].value) == -1)
			goto done;
		if (sh && ((sh->len && buf_addc(sh, ';') == -1) ||
		    add_lower(sh, h[i].name) == -1))
			goto done;
	}
	if (n > 0 && buf_addc(out, '\n') == -1)
		goto done;
	rc = 0;
done:
	if (h != few)
		free(h);
	return rc;
}

int
sigv4_canonical_request(const struct http_req *req,
    const struct sigv4_opts *o, const char *payload_hash, struct buf *out,
    struct buf *signed_headers)
{
	struct url_parts u;
	struct buf sh = BUF_INIT;
	int rc = -1;

	if (split_url(req->url, &u) == -1)
		return -1;
	if (buf_adds(out, req->method) == -1 || buf_addc(out, '\n') == -1 ||
	    canonical_uri(out, &u, o) == -1 ||
	    buf_addc(out, '\n') == -1 ||
	    canonical_query(out, u.query ? u.query : "", u.querylen) == -1 ||
	    buf_addc(out, '\n') == -1 ||
	    canonical_headers(req, out, &sh) == -1 ||
	    buf_addc(out, '\n') == -1 || buf_adds(out, buf_str(&sh)) == -1 ||
	    buf_addc(out, '\n') == -1 || buf_adds(out, payload_hash) == -1)
		goto done;
	if (signed_headers && buf_adds(signed_headers, buf_str(&sh)) == -1)
		goto done;
	rc = 0;
done:
	buf_free(&sh);
	return rc;
}

int
sigv4_string_to_sign(const char *amzdate, const char *scope,
    const char *canonical_request, struct buf *out)
{
	char hex[65];

	sigv4_sha256_hex(canonical_request, strlen(canonical_request), hex);
	if (buf_adds(out, ALGORITHM "\n") == -1 || buf_adds(out, amzdate) == -1 ||
	    buf_addc(out, '\n') == -1 || buf_adds(out, scope) == -1 ||
	    buf_addc(out, '\n') == -1 || buf_adds(out, hex) == -1)
		return -1;
	return 0;
}

/*
 * The signing key, kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date),
 * region), service), "aws4_request"): the same for every request of a
 * day, so the last one is kept, with a digest of its secret (never the
 * secret), as the SDKs keep theirs.
 */
static struct {
	unsigned char secret_md[32], key[32];
	char date[9], region[64], service[64];
	int set;
} kcache;

static int
signing_key(const char *secret, const char *date, const struct sigv4_opts *o,
    unsigned char k[32])
{
	unsigned char md[32];
	struct buf key = BUF_INIT;
	int rc = -1;

	if (digest(secret, strlen(secret), md) == -1)
		return -1;
	if (kcache.set && CRYPTO_memcmp(kcache.secret_md, md, 32) == 0 &&
	    strcmp(kcache.date, date) == 0 &&
	    strcmp(kcache.region, o->region) == 0 &&
	    strcmp(kcache.service, o->service) == 0) {
		memcpy(k, kcache.key, 32);
		return 0;
	}
	if (buf_adds(&key, "AWS4") == -1 || buf_adds(&key, secret) == -1)
		goto done;
	if (hmac(key.p, key.len, date, strlen(date), k) == -1 ||
	    hmac(k, 32, o->region, strlen(o->region), k) == -1 ||
	    hmac(k, 32, o->service, strlen(o->service), k) == -1 ||
	    hmac(k, 32, "aws4_request", 12, k) == -1)
		goto done;
	rc = 0;
	/* kept when its names fit; otherwise worked out each time */
	OPENSSL_cleanse(&kcache, sizeof(kcache));
	kcache.set = strlen(date) == 8 && strlen(o->region) <
	    sizeof(kcache.region) && strlen(o->service) < sizeof(kcache.service);
	if (kcache.set) {
		memcpy(kcache.secret_md, md, 32);
		memcpy(kcache.key, k, 32);
		memcpy(kcache.date, date, 9);
		strcpy(kcache.region, o->region);
		strcpy(kcache.service, o->service);
	}
done:
	if (key.p)
		OPENSSL_cleanse(key.p, key.len);
	buf_free(&key);
	OPENSSL_cleanse(md, sizeof(md));
	return rc;
}

/* The signature of the string to sign, in hex. */
static int
signature(const char *secret, const char *date, const struct sigv4_opts *o,
    const char *sts, char hex[65])
{
	unsigned char k[32], sig[32];
	int rc = -1;

	if (signing_key(secret, date, o, k) == -1 ||
	    hmac(k, 32, sts, strlen(sts), sig) == -1)
		goto done;
	hex32(sig, hex);
	rc = 0;
done:
	OPENSSL_cleanse(k, sizeof(k));
	return rc;
}

static void
remove_header(struct http_req *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nh; ) {
		if (strcasecmp(req->h[i].name, name) != 0) {
			i++;
			continue;
		}
		free(req->h[i].name);
		free(req->h[i].value);
		memmove(req->h + i, req->h + i + 1,
		    (req->nh - i - 1) * sizeof(*req->h));
		req->nh--;
	}
}

/* Logs the canonical request and string to sign under "sigv4" with the
 * session token taken out: it is a credential, and the canonical request
 * carries it in a header or the query. */
static void
log_steps(const char *creq, const char *sts, const struct creds *c)
{
	struct buf b = BUF_INIT, enc = BUF_INIT;
	const char *tok = c->session_token, *hit, *p;
	const char *pats[2];
	size_t i, n;

	if (!log_enabled("sigv4"))
		return;
	buf_adds(&b, creq);
	if (tok && *tok) {
		http_uri_encode(&enc, tok, strlen(tok), 0);
		pats[0] = tok;
		pats[1] = buf_str(&enc);
		for (i = 0; i < 2; i++) {
			struct buf t = BUF_INIT;

			n = strlen(pats[i]);
			if (n == 0)
				continue;
			for (p = buf_str(&b); (hit = strstr(p, pats[i])) != NULL;
			    p = hit + n) {
				buf_add(&t, p, (size_t)(hit - p));
				buf_adds(&t, "[REDACTED]");
			}
			buf_adds(&t, p);
			buf_free(&b);
			b = t;
		}
	}
	log_debug("sigv4", "canonical request: %s", buf_str(&b));
	log_debug("sigv4", "string to sign: %s", sts);
	buf_free(&b);
	buf_free(&enc);
}

/* Appends "&name=value" (value URI-encoded) to the URL's query. */
static int
add_query(struct buf *url, const char *name, const char *value)
{
	if (buf_addc(url, strchr(buf_str(url), '?') ? '&' : '?') == -1 ||
	    buf_adds(url, name) == -1 || buf_addc(url, '=') == -1)
		return -1;
	return http_uri_encode(url, value, strlen(value), 0);
}

static int
replace_url(struct http_req *req, struct buf *url)
{
	char *u = buf_detach(url);

	if (u == NULL)
		return -1;
	free(req->url);
	req->url = u;
	return 0;
}

/* The date and credential scope of a signature made at now: amzdate
 * (YYYYMMDDTHHMMSSZ), date (YYYYMMDD), scope (DATE/REGION/SERVICE/
 * aws4_request). Returns 0, or -1 with e set. */
static int
sign_scope(time_t now, const struct sigv4_opts *o, char amzdate[17],
    char date[9], char *scope, size_t scopesz, struct err *e)
{
	struct tm tm;
	int n;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(amzdate, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
		return err_set(e, EXIT_RUNTIME, "signing: bad clock");
	memcpy(date, amzdate, 8);
	date[8] = '\0';
	n = snprintf(scope, scopesz, "%s/%s/%s/aws4_request", date,
	    o->region, o->service);
	if (n < 0 || (size_t)n >= scopesz)
		return err_set(e, EXIT_USAGE, "signing: region or service "
		    "name too long");
	return 0;
}

/* The headers signed whatever the kind of signature: Host (unless the
 * request has its own) and, when asked for, x-amz-content-sha256. An old
 * Authorization goes. Returns -1 when out of memory. */
static int
base_headers(struct http_req *req, const struct sigv4_opts *o,
    const struct url_parts *u, const char *payload)
{
	struct buf hbuf = BUF_INIT;
	int rc = 0;

	remove_header(req, "Authorization");
	if (http_req_get_header(req, "Host") == NULL) {
		if (buf_add(&hbuf, u->host, u->hostlen) == -1 ||
		    http_req_header(req, "Host", buf_str(&hbuf)) == -1)
			rc = -1;
	}
	buf_free(&hbuf);
	if (rc == 0 && o->content_sha256_header &&
	    http_req_set_header(req, "x-amz-content-sha256", payload) == -1)
		rc = -1;
	return rc;
}

/* Presigned: the credential scope, date and signed headers travel in
 * the query (the signature is added last). Returns -1 when out of
 * memory. */
static int
presign_query(struct http_req *req, const struct creds *c,
    const struct sigv4_opts *o, const char *amzdate, const char *scope)
{
	struct buf url = BUF_INIT, tmp = BUF_INIT, sh = BUF_INIT;
	int rc = -1;

	if (canonical_headers(req, &tmp, &sh) == -1 ||
	    buf_adds(&url, req->url) == -1)
		goto done;
	buf_reset(&tmp);
	if (buf_adds(&tmp, c->access_key_id) == -1 ||
	    buf_addc(&tmp, '/') == -1 || buf_adds(&tmp, scope) == -1)
		goto done;
	if (add_query(&url, "X-Amz-Algorithm", ALGORITHM) == -1 ||
	    add_query(&url, "X-Amz-Credential", buf_str(&tmp)) == -1 ||
	    add_query(&url, "X-Amz-Date", amzdate) == -1)
		goto done;
	buf_reset(&tmp);
	if (buf_printf(&tmp, "%ld", o->expires > 0 ? o->expires :
	    900L) == -1 ||
	    add_query(&url, "X-Amz-Expires", buf_str(&tmp)) == -1 ||
	    add_query(&url, "X-Amz-SignedHeaders", buf_str(&sh)) == -1)
		goto done;
	if (c->session_token && *c->session_token &&
	    add_query(&url, "X-Amz-Security-Token", c->session_token) == -1)
		goto done;
	if (replace_url(req, &url) == -1)
		goto done;
	rc = 0;
done:
	buf_free(&url);
	buf_free(&tmp);
	buf_free(&sh);
	return rc;
}

/* Signed in a header: the date and session token go in headers too.
 * Returns -1 when out of memory. */
static int
date_headers(struct http_req *req, const struct creds *c,
    const char *amzdate)
{
	if (http_req_set_header(req, "X-Amz-Date", amzdate) == -1)
		return -1;
	if (c->session_token && *c->session_token &&
	    http_req_set_header(req, "X-Amz-Security-Token",
	    c->session_token) == -1)
		return -1;
	return 0;
}

/* Puts the signature in the query (presigned) or in an Authorization
 * header (sh: the signed headers). Returns -1 when out of memory. */
static int
add_signature(struct http_req *req, const struct creds *c,
    const struct sigv4_opts *o, const char *scope, const struct buf *sh,
    const char *sig)
{
	struct buf tmp = BUF_INIT;
	int rc = 0;

	if (o->query) {
		if (buf_adds(&tmp, req->url) == -1 ||
		    add_query(&tmp, "X-Amz-Signature", sig) == -1 ||
		    replace_url(req, &tmp) == -1)
			rc = -1;
	} else {
		if (buf_adds(&tmp, ALGORITHM " Credential=") == -1 ||
		    buf_adds(&tmp, c->access_key_id) == -1 ||
		    buf_addc(&tmp, '/') == -1 || buf_adds(&tmp, scope) == -1 ||
		    buf_adds(&tmp, ", SignedHeaders=") == -1 ||
		    buf_adds(&tmp, buf_str(sh)) == -1 ||
		    buf_adds(&tmp, ", Signature=") == -1 ||
		    buf_adds(&tmp, sig) == -1 ||
		    http_req_header(req, "Authorization", buf_str(&tmp)) == -1)
			rc = -1;
	}
	buf_free(&tmp);
	return rc;
}

int
sigv4_sign(struct http_req *req, const struct creds *c,
    const struct sigv4_opts *o, struct err *e)
{
	struct buf creq = BUF_INIT, sts = BUF_INIT, sh = BUF_INIT;
	struct url_parts u;
	char amzdate[17], date[9], phash[65], sig[65], scope[256];
	const char *payload;
	time_t now = o->now ? o->now : time(NULL);
	int rc = -1;

	if (c == NULL || c->access_key_id == NULL ||
	    c->secret_access_key == NULL)
		return err_set(e, EXIT_AUTH, "signing %s %s: no credentials",
		    req->method, req->url);
	if (o->region == NULL || o->service == NULL)
		return err_set(e, EXIT_USAGE, "signing %s: no region or service",
		    req->url);
	if (split_url(req->url, &u) == -1)
		return err_set(e, EXIT_USAGE, "signing: not an absolute URL: %s",
		    req->url);
	if (sign_scope(now, o, amzdate, date, scope, sizeof(scope), e) == -1)
		return -1;
	if (o->unsigned_payload)
		payload = UNSIGNED;
	else {
		sigv4_sha256_hex(req->body ? req->body : "", req->body_len,
		    phash);
		payload = phash;
	}
	if (base_headers(req, o, &u, payload) == -1 ||
	    (o->query ? presign_query(req, c, o, amzdate, scope) :
	    date_headers(req, c, amzdate)) == -1)
		goto nomem;
	if (sigv4_canonical_request(req, o, payload, &creq, &sh) == -1 ||
	    sigv4_string_to_sign(amzdate, scope, buf_str(&creq), &sts) == -1)
		goto nomem;
	if (signature(c->secret_access_key, date, o, buf_str(&sts), sig) == -1) {
		err_set(e, EXIT_RUNTIME, "signing %s: HMAC-SHA256 failed",
		    req->url);
		goto done;
	}
	log_steps(buf_str(&creq), buf_str(&sts), c);
	if (add_signature(req, c, o, scope, &sh, sig) == -1)
		goto nomem;
	rc = 0;
	goto done;
nomem:
	err_set(e, EXIT_RUNTIME, "signing %s: out of memory", req->url);
done:
	buf_free(&creq);
	buf_free(&sts);
	buf_free(&sh);
	return rc;
}

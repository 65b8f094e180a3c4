/*
 * SigV4: every case of AWS's test suite (tests/sigv4, or the directory
 * given as argv[1]) is parsed from NAME.req, signed with the suite's key,
 * time, region and service, and compared with NAME.creq, NAME.sts,
 * NAME.authz and NAME.sreq. Then S3's documented examples (no path
 * normalization, x-amz-content-sha256, UNSIGNED-PAYLOAD, presigned URL).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "http.h"
#include "log.h"
#include "sigv4.h"
#include "unit.h"

#define SUITE_AKID "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static time_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

static char *
slurp(const char *path)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return buf_detach(&b);
}

/* A raw HTTP request as the suite writes it: request line, headers (a
 * line starting with a blank continues the previous value), a blank line,
 * the body. The request target may hold spaces (get-space), so it runs
 * from the first space to the last. */
struct rawreq {
	char *method;
	char *target;
	char **name, **value;
	size_t nh;
	char *body;
};

static void
rawreq_free(struct rawreq *r)
{
	size_t i;

	free(r->method);
	free(r->target);
	for (i = 0; i < r->nh; i++) {
		free(r->name[i]);
		free(r->value[i]);
	}
	free(r->name);
	free(r->value);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

static int
rawreq_parse(const char *text, struct rawreq *r)
{
	const char *line = text, *eol, *sp1, *sp2, *colon;
	size_t n;

	memset(r, 0, sizeof(*r));
	eol = line + strcspn(line, "\n");
	if ((sp1 = memchr(line, ' ', (size_t)(eol - line))) == NULL)
		return -1;
	for (sp2 = eol; sp2 > sp1 && sp2[-1] != ' '; sp2--)
		;
	if (sp2 <= sp1 + 1)
		return -1;
	r->method = strndup(line, (size_t)(sp1 - line));
	r->target = strndup(sp1 + 1, (size_t)(sp2 - 1 - sp1 - 1));
	for (line = *eol ? eol + 1 : eol; *line; line = *eol ? eol + 1 : eol) {
		eol = line + strcspn(line, "\n");
		n = (size_t)(eol - line);
		if (n == 0) {		/* the body follows */
			r->body = strdup(*eol ? eol + 1 : "");
			return 0;
		}
		if ((*line == ' ' || *line == '\t') && r->nh > 0) {
			struct buf v = BUF_INIT;

			buf_adds(&v, r->value[r->nh - 1]);
			buf_addc(&v, '\n');
			buf_add(&v, line, n);
			free(r->value[r->nh - 1]);
			r->value[r->nh - 1] = buf_detach(&v);
			continue;
		}
		if ((colon = memchr(line, ':', n)) == NULL)
			return -1;
		r->name = realloc(r->name, (r->nh + 1) * sizeof(char *));
		r->value = realloc(r->value, (r->nh + 1) * sizeof(char *));
		r->name[r->nh] = strndup(line, (size_t)(colon - line));
		for (colon++; *colon == ' ' || *colon == '\t'; colon++)
			;
		r->value[r->nh] = strndup(colon, (size_t)(eol - colon));
		r->nh++;
	}
	r->body = strdup("");
	return 0;
}

static const char *
rawreq_header(const struct rawreq *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nh; i++)
		if (strcasecmp(r->name[i], name) == 0)
			return r->value[i];
	return NULL;
}

/* Headers in a stable order: by lowercase name, repeated names in the
 * order given (the order of different names means nothing to HTTP). */
struct hv {
	const char *name, *value;
	size_t order;
};

static int
hv_cmp(const void *a, const void *b)
{
	const struct hv *x = a, *y = b;
	int c = strcasecmp(x->name, y->name);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* Compares the signed request with NAME.sreq. */
static void
compare_sreq(const char *name, const struct http_req *req,
    const struct rawreq *want, const char *authz)
{
	struct hv *g, *w;
	struct buf url = BUF_INIT;
	const char *host = rawreq_header(want, "Host");
	size_t i;

	CHECK_STR(req->method, want->method, "%s: sreq method", name);
	buf_printf(&url, "https://%s%s", host ? host : "", want->target);
	CHECK_STR(req->url, buf_str(&url), "%s: sreq target", name);
	buf_free(&url);
	CHECK_INT(req->nh, want->nh, "%s: sreq header count", name);
	if (req->nh != want->nh)
		return;
	g = calloc(req->nh, sizeof(*g));
	w = calloc(want->nh, sizeof(*w));
	for (i = 0; i < req->nh; i++) {
		g[i] = (struct hv){ req->h[i].name, req->h[i].value, i };
		w[i] = (struct hv){ want->name[i], want->value[i], i };
		if (strcasecmp(w[i].name, "Authorization") == 0 &&
		    strcmp(w[i].value, authz) != 0) {
			/* get-vanilla-with-session-token's sreq carries the
			 * signature of get-vanilla, which disagrees with its
			 * own creq, sts and authz. */
			printf("note: %s: the Authorization in %s.sreq "
			    "disagrees with %s.authz; checking it against "
			    "%s.authz\n", name, name, name, name);
			w[i].value = authz;
		}
	}
	qsort(g, req->nh, sizeof(*g), hv_cmp);
	qsort(w, want->nh, sizeof(*w), hv_cmp);
	for (i = 0; i < req->nh; i++) {
		CHECK(strcasecmp(g[i].name, w[i].name) == 0,
		    "%s: sreq header %zu: %s, want %s", name, i, g[i].name,
		    w[i].name);
		CHECK_STR(g[i].value, w[i].value, "%s: sreq %s", name,
		    w[i].name);
	}
	CHECK(req->body_len == strlen(want->body) &&
	    memcmp(req->body ? req->body : "", want->body, req->body_len) == 0,
	    "%s: sreq body", name);
	free(g);
	free(w);
}

/* Returns the value of "x-amz-security-token:" in a canonical request,
 * malloc'd, or NULL: the suite signs with a session token exactly when
 * its canonical request carries one (botocore reads it the same way). */
static char *
creq_token(const char *creq)
{
	const char *p = strstr(creq, "\nx-amz-security-token:");

	if (p == NULL)
		return NULL;
	p += strlen("\nx-amz-security-token:");
	return strndup(p, strcspn(p, "\n"));
}

static int ncases;

static void
run_case(const char *dir, const char *name)
{
	char path[4096];
	char *text[5] = { NULL };
	static const char *const ext[5] = { "req", "creq", "sts", "authz",
	    "sreq" };
	struct rawreq raw, sreq;
	struct http_req *req = NULL;
	struct creds c = { SUITE_AKID, SUITE_SECRET, NULL, 0, "suite" };
	struct sigv4_opts o = { "us-east-1", "service",
	    0, 0, 0, 1, 0, 0 };
	struct buf url = BUF_INIT, creq = BUF_INIT, sts = BUF_INIT,
	    sh = BUF_INIT;
	struct err e = ERR_INIT;
	char phash[65];
	const char *host, *authz, *after;
	size_t i;
	int n;

	o.now = utc(2015, 8, 30, 12, 36, 0);
	for (i = 0; i < 5; i++) {
		n = snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext[i]);
		CHECK(n > 0 && (size_t)n < sizeof(path), "path too long");
		text[i] = slurp(path);
		CHECK(text[i] != NULL, "%s: cannot read %s: %s", name, path,
		    strerror(errno));
		if (text[i] == NULL)
			goto done;
	}
	ncases++;
	memset(&sreq, 0, sizeof(sreq));
	CHECK(rawreq_parse(text[0], &raw) == 0, "%s: cannot parse .req",
	    name);
	CHECK(rawreq_parse(text[4], &sreq) == 0, "%s: cannot parse .sreq",
	    name);
	host = rawreq_header(&raw, "Host");
	buf_printf(&url, "https://%s%s", host ? host : "", raw.target);
	req = http_req_new(raw.method, buf_str(&url));
	for (i = 0; i < raw.nh; i++)
		http_req_header(req, raw.name[i], raw.value[i]);
	req->body = raw.body;
	req->body_len = strlen(raw.body);
	c.session_token = creq_token(text[1]);

	CHECK(sigv4_sign(req, &c, &o, &e) == 0, "%s: sign: %s", name,
	    err_msg(&e));
	sigv4_sha256_hex(req->body, req->body_len, phash);
	CHECK(sigv4_canonical_request(req, &o, phash, &creq, &sh) == 0,
	    "%s: canonical request", name);
	CHECK_STR(buf_str(&creq), text[1], "%s: creq", name);
	CHECK(sigv4_string_to_sign("20150830T123600Z",
	    "20150830/us-east-1/service/aws4_request", buf_str(&creq),
	    &sts) == 0, "%s: string to sign", name);
	CHECK_STR(buf_str(&sts), text[2], "%s: sts", name);
	authz = http_req_get_header(req, "Authorization");
	CHECK_STR(authz, text[3], "%s: authz", name);

	/* post-sts-header-after: "The X-Amz-Security-Token header is added
	 * to the request after you calculate the signature." */
	after = rawreq_header(&sreq, "X-Amz-Security-Token");
	if (after && c.session_token == NULL) {
		printf("note: %s: session token added after signing, as the "
		    "case describes\n", name);
		http_req_header(req, "X-Amz-Security-Token", after);
	}
	compare_sreq(name, req, &sreq, text[3]);
	req->body = NULL;
done:
	http_req_free(req);
	rawreq_free(&raw);
	rawreq_free(&sreq);
	free(c.session_token);
	for (i = 0; i < 5; i++)
		free(text[i]);
	buf_free(&url);
	buf_free(&creq);
	buf_free(&sts);
	buf_free(&sh);
	err_clear(&e);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each case is a directory NAME holding NAME.req; groups of cases
 * (normalize-path, post-sts-token) are directories of such directories. */
static void
walk(const char *dir)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	char path[4096], req[4096];
	char **names = NULL;
	size_t n = 0, i;
	int k;

	if ((d = opendir(dir)) == NULL) {
		CHECK(0, "cannot open %s: %s", dir, strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		k = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (k < 0 || (size_t)k >= sizeof(path) ||
		    stat(path, &st) == -1 || !S_ISDIR(st.st_mode))
			continue;
		k = snprintf(req, sizeof(req), "%s/%s.req", path, names[i]);
		if (k > 0 && (size_t)k < sizeof(req) && access(req, R_OK) == 0)
			run_case(path, names[i]);
		else
			walk(path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* S3's examples from "Signature Calculations for the Authorization
 * Header" and "Authenticating Requests: Using Query Parameters" of the
 * S3 API reference; the UNSIGNED-PAYLOAD case was checked with
 * botocore's S3SigV4Auth. */
#define S3_AKID "AKIAIOSFODNN7EXAMPLE"
#define S3_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

static const struct {
	const char *name;
	const char *method;
	const char *url;
	const char *headers[6];	/* name, value pairs */
	const char *body;
	int unsigned_payload;
	const char *creq_line2;	/* canonical URI */
	const char *signature;
} s3cases[] = {
	{ "GET object with Range", "GET",
	    "https://examplebucket.s3.amazonaws.com/test.txt",
	    { "Range", "bytes=0-9", NULL }, "", 0, "/test.txt",
	    "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41" },
	{ "PUT object", "PUT",
	    "https://examplebucket.s3.amazonaws.com/test%24file.text",
	    { "Date", "Fri, 24 May 2013 00:00:00 GMT",
	    "x-amz-storage-class", "REDUCED_REDUNDANCY", NULL },
	    "Welcome to Amazon S3.", 0, "/test%24file.text",
	    "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd" },
	{ "GET bucket lifecycle", "GET",
	    "https://examplebucket.s3.amazonaws.com/?lifecycle",
	    { NULL }, "", 0, "/",
	    "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543" },
	{ "GET bucket (list objects)", "GET",
	    "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J",
	    { NULL }, "", 0, "/",
	    "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7" },
	{ "PUT unsigned payload, path kept as is", "PUT",
	    "https://examplebucket.s3.amazonaws.com/my-object//example//photo.user",
	    { NULL }, "hello", 1, "/my-object//example//photo.user",
	    "8c78ceef13e5d719b3b17c82c17795e557338d3a7257802619900b6708179771" },
};

static void
test_s3(void)
{
	struct creds c = { S3_AKID, S3_SECRET, NULL, 0, "docs" };
	struct sigv4_opts o = { "us-east-1", "s3", 0, 0, 1, 0, 0, 0 };
	struct buf creq = BUF_INIT, want = BUF_INIT;
	struct err e = ERR_INIT;
	struct http_req *req;
	const char *a, *sig, *hash;
	char *line2;
	size_t i, k;

	o.now = utc(2013, 5, 24, 0, 0, 0);
	for (i = 0; i < sizeof(s3cases) / sizeof(s3cases[0]); i++) {
		req = http_req_new(s3cases[i].method, s3cases[i].url);
		for (k = 0; s3cases[i].headers[k]; k += 2)
			http_req_header(req, s3cases[i].headers[k],
			    s3cases[i].headers[k + 1]);
		req->body = s3cases[i].body;
		req->body_len = strlen(s3cases[i].body);
		o.unsigned_payload = s3cases[i].unsigned_payload;
		CHECK(sigv4_sign(req, &c, &o, &e) == 0, "%s: %s",
		    s3cases[i].name, err_msg(&e));
		a = http_req_get_header(req, "Authorization");
		sig = a ? strstr(a, "Signature=") : NULL;
		CHECK_STR(sig ? sig + 10 : NULL, s3cases[i].signature,
		    "%s: signature", s3cases[i].name);
		hash = http_req_get_header(req, "x-amz-content-sha256");
		if (s3cases[i].unsigned_payload)
			CHECK_STR(hash, "UNSIGNED-PAYLOAD", "%s: payload header",
			    s3cases[i].name);
		else {
			char hex[65];

			sigv4_sha256_hex(req->body, req->body_len, hex);
			CHECK_STR(hash, hex, "%s: payload header",
			    s3cases[i].name);
		}
		buf_reset(&creq);
		sigv4_canonical_request(req, &o, hash ? hash : "", &creq, NULL);
		line2 = strchr(buf_str(&creq), '\n');
		line2 = line2 ? strndup(line2 + 1, strcspn(line2 + 1, "\n")) :
		    NULL;
		CHECK_STR(line2, s3cases[i].creq_line2,
		    "%s: canonical URI without normalization", s3cases[i].name);
		free(line2);
		buf_reset(&want);
		buf_printf(&want, "\n%s", hash ? hash : "?");
		CHECK(creq.len >= want.len && strcmp(creq.p + creq.len -
		    want.len, want.p) == 0, "%s: payload hash ends the "
		    "canonical request", s3cases[i].name);
		req->body = NULL;
		http_req_free(req);
	}

	/* The presigned URL example: GET test.txt valid for 86400 s. */
	req = http_req_new("GET",
	    "https://examplebucket.s3.amazonaws.com/test.txt");
	o.unsigned_payload = 1;
	o.content_sha256_header = 0;
	o.query = 1;
	o.expires = 86400;
	CHECK(sigv4_sign(req, &c, &o, &e) == 0, "presign: %s", err_msg(&e));
	CHECK_STR(req->url, "https://examplebucket.s3.amazonaws.com/test.txt"
	    "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
	    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1"
	    "%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z"
	    "&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
	    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
	    "presigned URL");
	CHECK(http_req_get_header(req, "Authorization") == NULL,
	    "presigned: no Authorization header");
	CHECK(http_req_get_header(req, "X-Amz-Date") == NULL,
	    "presigned: no X-Amz-Date header");
	http_req_free(req);

	/* A presigned URL with a session token carries it in the query. */
	c.session_token = "FQoGZXIvYXdzEXAMPLETOKEN/+=";
	req = http_req_new("GET",
	    "https://examplebucket.s3.amazonaws.com/test.txt");
	CHECK(sigv4_sign(req, &c, &o, &e) == 0, "presign: %s", err_msg(&e));
	CHECK(strstr(req->url, "&X-Amz-Security-Token="
	    "FQoGZXIvYXdzEXAMPLETOKEN%2F%2B%3D&X-Amz-Signature=") != NULL,
	    "presigned token in the query: %s", req->url);
	http_req_free(req);
	buf_free(&creq);
	buf_free(&want);
	err_clear(&e);
}

/* Re-signing a request (a retry) replaces the date and signature rather
 * than adding a second Authorization header. */
static void
test_resign(void)
{
	struct creds c = { SUITE_AKID, SUITE_SECRET, NULL, 0, "suite" };
	struct sigv4_opts o = { "us-east-1", "logs", 0, 0, 0, 1, 0, 0 };
	struct http_req *req;
	struct err e = ERR_INIT;
	size_t i, nauth = 0, ndate = 0;
	char *first;

	req = http_req_new("POST", "http://127.0.0.1:4566/");
	o.now = utc(2026, 11, 23, 10, 0, 0);
	CHECK(sigv4_sign(req, &c, &o, &e) == 0, "sign: %s", err_msg(&e));
	CHECK_STR(http_req_get_header(req, "Host"), "127.0.0.1:4566",
	    "Host keeps a port that is not the default");
	first = strdup(http_req_get_header(req, "Authorization"));
	o.now += 60;
	CHECK(sigv4_sign(req, &c, &o, &e) == 0, "re-sign: %s", err_msg(&e));
	for (i = 0; i < req->nh; i++) {
		nauth += strcasecmp(req->h[i].name, "Authorization") == 0;
		ndate += strcasecmp(req->h[i].name, "X-Amz-Date") == 0;
	}
	CHECK_INT(nauth, 1, "one Authorization after re-signing");
	CHECK_INT(ndate, 1, "one X-Amz-Date after re-signing");
	CHECK_STR(http_req_get_header(req, "X-Amz-Date"), "20261123T100100Z",
	    "the new date");
	CHECK(strcmp(first, http_req_get_header(req, "Authorization")) != 0,
	    "a new signature");
	free(first);
	http_req_free(req);

	req = http_req_new("GET", "https://logs.eu-west-1.amazonaws.com:443/");
	CHECK(sigv4_sign(req, &c, &o, &e) == 0, "sign: %s", err_msg(&e));
	CHECK_STR(http_req_get_header(req, "Host"),
	    "logs.eu-west-1.amazonaws.com", "Host without the default port");
	http_req_free(req);

	/* What cannot be signed. */
	req = http_req_new("GET", "/relative");
	CHECK(sigv4_sign(req, &c, &o, &e) == -1 && e.code == EXIT_USAGE,
	    "a relative URL is refused");
	CHECK_STR(err_msg(&e), "signing: not an absolute URL: /relative",
	    "its message");
	http_req_free(req);
	req = http_req_new("GET", "https://x/");
	c.secret_access_key = NULL;
	CHECK(sigv4_sign(req, &c, &o, &e) == -1 && e.code == EXIT_AUTH,
	    "no secret: EXIT_AUTH");
	CHECK_STR(err_msg(&e), "signing GET https://x/: no credentials",
	    "its message");
	http_req_free(req);
	err_clear(&e);
}

/* The signing key kept from one request to the next is the one of the
 * secret, the day, the region and the service of each: any of them
 * changed, the signature is that of a first signing. */
static void
test_key_kept(void)
{
	struct creds a = { SUITE_AKID, SUITE_SECRET, NULL, 0, "suite" };
	struct creds b = { SUITE_AKID, "another secret", NULL, 0, "suite" };
	struct sigv4_opts o = { "us-east-1", "logs", 0, 0, 0, 1, 0, 0 };
	struct err e = ERR_INIT;
	char *want[6];
	int i, round;

	/* each case signed twice: alone after another, then in turn */
	for (round = 0; round < 2; round++) {
		for (i = 0; i < 6; i++) {
			struct http_req *req = http_req_new("POST",
			    "https://logs.us-east-1.amazonaws.com/");
			struct creds *c = i == 1 ? &b : &a;

			o.region = i == 2 ? "eu-west-1" : "us-east-1";
			o.service = i == 3 ? "s3" : "logs";
			o.now = utc(2026, 11, i == 4 ? 24 : 23, 10, 0, 0);
			if (round == 0 && i > 0) {
				/* another day, secret and service first */
				struct http_req *x = http_req_new("GET",
				    "https://x/");
				struct sigv4_opts ox = o;

				ox.now = utc(2025, 1, 1, 0, 0, 0);
				ox.service = "sts";
				CHECK(sigv4_sign(x, i == 1 ? &a : &b, &ox,
				    &e) == 0, "sign: %s", err_msg(&e));
				http_req_free(x);
			}
			CHECK(sigv4_sign(req, c, &o, &e) == 0, "sign: %s",
			    err_msg(&e));
			if (round == 0)
				want[i] = strdup(http_req_get_header(req,
				    "Authorization"));
			else
				CHECK_STR(http_req_get_header(req,
				    "Authorization"), want[i], "case %d signs "
				    "as when first signed", i);
			http_req_free(req);
		}
	}
	for (i = 0; i < 6; i++)
		free(want[i]);
	err_clear(&e);
}

/* The signature a request would have with a signing key worked out
 * from nothing (OpenSSL's one-shot HMAC, five of them), in hex. */
static void
fresh_signature(const struct http_req *req, const char *secret,
    const struct sigv4_opts *o, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	struct buf creq = BUF_INIT, sts = BUF_INIT, key = BUF_INIT;
	char phash[65], scope[256], date[9];
	const char *amzdate = http_req_get_header(req, "X-Amz-Date");
	const char *steps[4];
	unsigned char k[32];
	unsigned int len = 32;
	int i;

	hex[0] = '\0';
	if (amzdate == NULL || strlen(amzdate) != 16)
		return;
	memcpy(date, amzdate, 8);
	date[8] = '\0';
	snprintf(scope, sizeof(scope), "%s/%s/%s/aws4_request", date,
	    o->region, o->service);
	sigv4_sha256_hex(req->body ? req->body : "", req->body_len, phash);
	sigv4_canonical_request(req, o, phash, &creq, NULL);
	sigv4_string_to_sign(amzdate, scope, buf_str(&creq), &sts);
	buf_printf(&key, "AWS4%s", secret);
	steps[0] = date;
	steps[1] = o->region;
	steps[2] = o->service;
	steps[3] = "aws4_request";
	HMAC(EVP_sha256(), key.p, (int)key.len, (const unsigned char *)steps[0],
	    strlen(steps[0]), k, &len);
	for (i = 1; i < 4; i++)
		HMAC(EVP_sha256(), k, 32, (const unsigned char *)steps[i],
		    strlen(steps[i]), k, &len);
	HMAC(EVP_sha256(), k, 32, (const unsigned char *)buf_str(&sts),
	    sts.len, k, &len);
	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[k[i] >> 4];
		hex[2 * i + 1] = digits[k[i] & 15];
	}
	hex[64] = '\0';
	buf_free(&creq);
	buf_free(&sts);
	buf_free(&key);
}

/* Each request signed twice in a row (the second with the key kept from
 * the first) has the signature of a key worked out afresh, as the date,
 * region, service and secret change one at a time, and back. */
static void
test_key_fresh(void)
{
	static const struct {
		const char *secret, *region, *service;
		int day;
	} cases[] = {
		{ SUITE_SECRET, "us-east-1", "logs", 23 },
		{ SUITE_SECRET, "us-east-1", "logs", 24 },	/* date */
		{ SUITE_SECRET, "eu-west-1", "logs", 24 },	/* region */
		{ SUITE_SECRET, "eu-west-1", "sts", 24 },	/* service */
		{ "another secret", "eu-west-1", "sts", 24 },	/* secret */
		{ SUITE_SECRET, "eu-west-1", "sts", 24 },	/* back */
		{ SUITE_SECRET, "us-east-1", "logs", 23 },	/* all back */
	};
	struct creds c = { SUITE_AKID, NULL, NULL, 0, "suite" };
	struct sigv4_opts o = { NULL, NULL, 0, 0, 0, 1, 0, 0 };
	struct err e = ERR_INIT;
	char want[65], secret[64], *sig;
	const char *authz;
	size_t i;
	int n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(secret, sizeof(secret), "%s", cases[i].secret);
		c.secret_access_key = secret;
		o.region = cases[i].region;
		o.service = cases[i].service;
		for (n = 0; n < 2; n++) {
			struct http_req *req = http_req_new("POST",
			    "https://logs.us-east-1.amazonaws.com/");

			o.now = utc(2026, 11, cases[i].day, 10, 0, n);
			req->body = "{}";
			req->body_len = 2;
			CHECK(sigv4_sign(req, &c, &o, &e) == 0, "sign: %s",
			    err_msg(&e));
			fresh_signature(req, cases[i].secret, &o, want);
			authz = http_req_get_header(req, "Authorization");
			sig = authz ? strstr(authz, "Signature=") : NULL;
			CHECK(want[0] != '\0' && sig != NULL,
			    "case %zu, signing %d: a signature", i, n);
			CHECK_STR(sig ? sig + 10 : NULL, want, "case %zu, signing "
			    "%d: the kept key signs as a fresh one", i, n);
			http_req_free(req);
		}
	}
	err_clear(&e);
}

/* The canonical query: raw or percent-encoded input signs the same,
 * sorted by key then value, a key without '=' is "key=". */
static void
test_query(void)
{
	static const struct {
		const char *url, *want;
	} q[] = {
		{ "https://h/?b=2&a=1", "a=1&b=2" },
		{ "https://h/?a=%7e&a=%41", "a=A&a=~" },
		{ "https://h/?x&y=", "x=&y=" },
		{ "https://h/?k=a+b&k=a%20b", "k=a%20b&k=a%2Bb" },
		{ "https://h/?%e1%88%b4=1", "%E1%88%B4=1" },
		{ "https://h/?a=1&&b", "a=1&b=" },
		{ "https://h/?a=1#frag", "a=1" },
	};
	struct sigv4_opts o = { "us-east-1", "logs", 0, 0, 0, 1, 0, 0 };
	struct buf b = BUF_INIT;
	struct http_req *req;
	char *l3;
	size_t i;

	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		req = http_req_new("GET", q[i].url);
		buf_reset(&b);
		sigv4_canonical_request(req, &o, "x", &b, NULL);
		l3 = strchr(buf_str(&b), '\n');
		l3 = l3 ? strchr(l3 + 1, '\n') : NULL;
		l3 = l3 ? strndup(l3 + 1, strcspn(l3 + 1, "\n")) : NULL;
		CHECK_STR(l3, q[i].want, "canonical query of %s", q[i].url);
		free(l3);
		http_req_free(req);
	}
	buf_free(&b);
}

/* The sigv4 debug lines carry the canonical request without the session
 * token. */
static void
test_log(void)
{
	struct creds c = { SUITE_AKID, SUITE_SECRET, "TOKENtokenTOKEN/+=", 0,
	    "suite" };
	struct sigv4_opts o = { "us-east-1", "logs", 0, 0, 0, 1, 0, 0 };
	struct http_req *req;
	struct err e = ERR_INIT;
	char path[] = "/tmp/cwl-sigv4-log.XXXXXX";
	char *text;
	int fd, saved;

	if ((fd = mkstemp(path)) == -1) {
		CHECK(0, "mkstemp: %s", strerror(errno));
		return;
	}
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	log_set_selectors("sigv4");
	req = http_req_new("POST", "https://logs.us-east-1.amazonaws.com/");
	o.now = utc(2026, 11, 23, 10, 0, 0);
	CHECK(sigv4_sign(req, &c, &o, &e) == 0, "sign: %s", err_msg(&e));
	http_req_free(req);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	log_set_level(LOG_INFO);
	text = slurp(path);
	unlink(path);
	CHECK(text && strstr(text, "debug: sigv4: canonical request: POST") !=
	    NULL, "the canonical request is logged: %s", text ? text : "");
	CHECK(text && strstr(text, "debug: sigv4: string to sign: "
	    "AWS4-HMAC-SHA256") != NULL, "the string to sign is logged");
	CHECK(text && strstr(text, "TOKENtokenTOKEN") == NULL,
	    "no session token in the log");
	CHECK(text && strstr(text, SUITE_SECRET) == NULL,
	    "no secret in the log");
	CHECK(text && strstr(text, "Signature=") == NULL,
	    "no signature in the log");
	free(text);
	err_clear(&e);
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/sigv4";

	log_init("test_sigv4");
	walk(dir);
	printf("sigv4 suite: %d cases from %s\n", ncases, dir);
	CHECK(ncases >= 30, "the whole suite ran (%d cases)", ncases);
	test_s3();
	test_resign();
	test_key_kept();
	test_key_fresh();
	test_query();
	test_log();
	return unit_done("test_sigv4");
}

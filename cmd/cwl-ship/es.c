/*
 * es.c: output.elasticsearch, the _bulk API. Up to `worker` requests in
 * flight on reused connections, gzip at compression_level, hosts taken
 * in turn and skipped while they fail. A network error sends the whole
 * batch again after a backoff; what an answer means is bulk.c's.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "aws.h"
#include "creds.h"
#include "jsonx.h"
#include "log.h"
#include "parse.h"
#include "ship.h"
#include "sigv4.h"
#include "timex.h"

struct host {
	struct hostspec spec;	/* as the setting said */
	char *url;		/* scheme://host:port/path, no trailing slash */
	int fails;
	int64_t down_until;
};

struct es {
	struct http_client *hc;
	struct http_multi *m;
	struct host *hosts;
	size_t nhosts, rr;
	char *query;		/* "?filter_path=...&pipeline=..." */
	int create;		/* op_type create */
	int level;		/* gzip level, 0: none */
	z_stream z;
	int zready;
	char *auth;		/* Authorization value, or NULL */
	struct http_header *hdrs;	/* extra headers, owned */
	size_t nhdrs;
	struct buf index;	/* the fixed index, as a JSON string */
	size_t worker;
	size_t inflight;
	/* SigV4 */
	struct creds_provider *cp;
	char *region;
	char *service;
	struct buf body;	/* scratch */
	struct buf spare[8];	/* bodies kept for reuse */
	size_t nspare;
	struct esreq *flying;	/* requests in flight */
};

struct esreq {
	struct batch *b;
	size_t host;
	size_t held;
	struct buf body;	/* the request's body */
	struct esreq *prev, *next;	/* in flight */
};

/* --- the body ---------------------------------------------------------- */

static int
build_body(struct es *es, const struct batch *b, struct buf *out)
{
	const struct ev *ev;
	const char *line;
	size_t i;
	int r = 0;

	buf_reset(out);
	if (buf_reserve(out, b->bytes + b->n * 96) == -1)
		return -1;
	for (i = 0; i < b->n && r == 0; i++) {
		ev = &b->ev[i];
		line = EV_LINE(b, ev);
		r |= buf_adds(out, es->create ? "{\"create\":{\"_index\":" :
		    "{\"index\":{\"_index\":");
		if (ev->idx_len)
			r |= jsonx_str(out, b->names.p + ev->idx_off,
			    ev->idx_len);
		else
			r |= buf_add(out, es->index.p, es->index.len);
		if (ev->id_len) {
			r |= buf_adds(out, ",\"_id\":");
			if (line[ev->id_off] == '"')
				r |= buf_add(out, line + ev->id_off, ev->id_len);
			else
				r |= jsonx_str(out, line + ev->id_off,
				    ev->id_len);
		}
		r |= buf_adds(out, "}}\n");
		r |= ev_doc(b, ev, out);
		r |= buf_addc(out, '\n');
	}
	return r ? -1 : 0;
}

/* Puts the gzip of p[0..n) in out. Returns 0 or -1. */
static int
gzip(struct es *es, const char *p, size_t n, struct buf *out)
{
	uLong bound;

	if (!es->zready) {
		memset(&es->z, 0, sizeof(es->z));
		if (deflateInit2(&es->z, es->level, Z_DEFLATED, 15 + 16, 8,
		    Z_DEFAULT_STRATEGY) != Z_OK)
			return -1;
		es->zready = 1;
	} else if (deflateReset(&es->z) != Z_OK) {
		return -1;
	}
	bound = deflateBound(&es->z, (uLong)n);
	buf_reset(out);
	if (buf_reserve(out, bound) == -1)
		return -1;
	es->z.next_in = (Bytef *)(uintptr_t)p;
	es->z.avail_in = (uInt)n;
	es->z.next_out = (Bytef *)out->p;
	es->z.avail_out = (uInt)bound;
	if (deflate(&es->z, Z_FINISH) != Z_STREAM_END)
		return -1;
	out->len = bound - es->z.avail_out;
	return 0;
}

/* Request bodies are kept for the next requests (see batch_new). */
static void
body_get(struct es *es, struct buf *b)
{
	if (es->nspare > 0)
		*b = es->spare[--es->nspare];
	else
		memset(b, 0, sizeof(*b));
	buf_reset(b);
}

static void
body_put(struct es *es, struct buf *b)
{
	if (es->nspare < sizeof(es->spare) / sizeof(es->spare[0]) &&
	    b->cap <= 4 * (size_t)16 * 1024 * 1024) {
		es->spare[es->nspare++] = *b;
		memset(b, 0, sizeof(*b));
		return;
	}
	buf_free(b);
}

/* --- sending ----------------------------------------------------------- */

static size_t
pick_host(struct es *es, int64_t now)
{
	size_t i, k, best = 0;

	for (i = 0; i < es->nhosts; i++) {
		k = (es->rr + i) % es->nhosts;
		if (es->hosts[k].down_until <= now) {
			es->rr = k + 1;
			return k;
		}
		if (es->hosts[k].down_until < es->hosts[best].down_until)
			best = k;
	}
	return best;
}

/* A host that failed rests for a backoff; while every host rests,
 * nothing is sent (the batches wait, and reading stops at the bound),
 * rather than cycling the queued batches through a dead server. */
static int
es_room(struct ship *s)
{
	struct es *es = s->out.st;
	size_t i;

	if (es->inflight >= es->worker)
		return 0;
	for (i = 0; i < es->nhosts; i++)
		if (es->hosts[i].down_until <= s->now)
			return 1;
	return 0;
}

static size_t
es_busy(struct ship *s)
{
	struct es *es = s->out.st;

	return es->inflight;
}

/* Adds the output's Authorization, its extra headers and the SigV4
 * signature (last: it covers the headers). Returns 0 or -1 with e. */
static int
req_auth(struct es *es, struct http_req *req, struct err *e)
{
	const struct creds *cr;
	struct sigv4_opts so;
	size_t i;

	if (es->auth && http_req_header(req, "Authorization", es->auth) == -1)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	for (i = 0; i < es->nhdrs; i++)
		if (http_req_set_header(req, es->hdrs[i].name,
		    es->hdrs[i].value) == -1)
			return err_set(e, EXIT_RUNTIME, "out of memory");
	if (es->cp == NULL)
		return 0;
	if ((cr = creds_get(es->cp, e)) == NULL) {
		err_prefix(e, "signing");
		e->code = EXIT_AUTH;
		return -1;
	}
	memset(&so, 0, sizeof(so));
	so.region = es->region;
	so.service = es->service;
	so.content_sha256_header = 1;
	so.normalize_path = 1;
	return sigv4_sign(req, cr, &so, e);
}

static int
es_send(struct ship *s, struct batch *b, struct err *e)
{
	struct es *es = s->out.st;
	struct http_req *req = NULL;
	struct esreq *er;
	struct buf url = BUF_INIT;
	size_t len;

	if ((er = calloc(1, sizeof(*er))) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	er->b = b;
	er->host = pick_host(es, s->now);
	body_get(es, &er->body);
	if (es->level > 0) {
		if (build_body(es, b, &es->body) == -1 ||
		    gzip(es, es->body.p, es->body.len, &er->body) == -1)
			goto nomem;
	} else if (build_body(es, b, &er->body) == -1) {
		goto nomem;
	}
	len = er->body.len;
	if (buf_printf(&url, "%s/_bulk%s", es->hosts[er->host].url,
	    es->query) == -1 || (req = http_req_new("POST", url.p)) == NULL)
		goto nomem;
	req->body = er->body.p;
	req->body_len = len;
	req->body_owned = 0;	/* er->body, until the answer */
	if (http_req_header(req, "Content-Type", "application/x-ndjson") == -1 ||
	    (es->level > 0 &&
	    http_req_header(req, "Content-Encoding", "gzip") == -1))
		goto nomem;
	if (req_auth(es, req, e) == -1) {
		err_prefix(e, "POST %s/_bulk", es->hosts[er->host].url);
		goto fail;
	}
	buf_free(&url);
	er->held = len;
	s->held += len;
	es->inflight++;
	if ((er->next = es->flying) != NULL)
		er->next->prev = er;
	es->flying = er;
	s->c.batches++;
	s->c.bytes += len;
	log_debug("ship", "POST %s/_bulk: %zu events, %zu bytes%s",
	    es->hosts[er->host].url, b->n, len, es->level ? " gzipped" : "");
	if (http_multi_add(es->m, req, er) == -1) {
		const struct err *me = http_multi_error(es->m);

		err_set(e, me->code ? me->code : EXIT_RUNTIME, "%s",
		    err_msg(me));
		s->held -= len;
		es->inflight--;
		es->flying = er->next;
		if (er->next)
			er->next->prev = NULL;
		body_put(es, &er->body);
		free(er);
		ship_batch_free(s, b);
		return -1;
	}
	return 0;
nomem:
	err_set(e, EXIT_RUNTIME, "POST _bulk: out of memory");
fail:
	buf_free(&url);
	http_req_free(req);
	body_put(es, &er->body);
	free(er);
	ship_batch_free(s, b);
	return -1;
}

/* --- answers ----------------------------------------------------------- */

static void
host_failed(struct ship *s, struct es *es, size_t h)
{
	struct host *ho = &es->hosts[h];

	ho->fails++;
	ho->down_until = s->now + ship_backoff(s, ho->fails - 1);
}

static void
answer(struct ship *s, struct es *es, struct http_done *d)
{
	struct esreq *er = d->udata;
	struct batch *b = er->b;
	struct http_resp *r = &d->resp;
	struct buf where = BUF_INIT, msg = BUF_INIT;
	long st = r->status;

	es->inflight--;
	s->held -= er->held;
	if (er->prev)
		er->prev->next = er->next;
	else
		es->flying = er->next;
	if (er->next)
		er->next->prev = er->prev;
	buf_printf(&where, "%s/_bulk", es->hosts[er->host].url);
	if (st == 0) {
		if (!r->neterr && d->err.code != 0) {
			/* no retry cures it: bad TLS files, a bad URL */
			ship_fail(s, &d->err);
			ship_batch_free(s, b);
		} else {
			host_failed(s, es, er->host);
			buf_printf(&msg, "POST %s: %s", where.p,
			    r->neterr_msg ? r->neterr_msg : err_msg(&d->err));
			ship_retry_batch(s, b, 0, msg.p);
		}
	} else {
		if (st >= 200 && st < 300) {
			es->hosts[er->host].fails = 0;
			es->hosts[er->host].down_until = 0;
		}
		if (bulk_answer(s, b, st, r->body.p, r->body.len, where.p))
			host_failed(s, es, er->host);
	}
	buf_free(&where);
	buf_free(&msg);
	body_put(es, &er->body);
	free(er);
}

static int
es_wait(struct ship *s, long timeout_ms, int fd, int *ready, struct err *e)
{
	struct es *es = s->out.st;
	struct http_done d;

	*ready = 0;
	if (es->inflight == 0 && fd < 0) {
		if (timeout_ms > 0)
			poll(NULL, 0, (int)timeout_ms);
		return 0;
	}
	if (http_multi_wait(es->m, timeout_ms, fd, ready) == -1) {
		const struct err *me = http_multi_error(es->m);

		return err_set(e, me->code ? me->code : EXIT_RUNTIME, "%s",
		    err_msg(me));
	}
	s->now = timex_mono_ms();
	while (http_multi_next(es->m, &d)) {
		answer(s, es, &d);
		http_req_free(d.req);
		http_resp_free(&d.resp);
		err_clear(&d.err);
	}
	return 0;
}

static int
es_close(struct ship *s, struct err *e)
{
	struct es *es = s->out.st;
	struct esreq *er;
	size_t i;

	/* transfers first: they may still read the bodies */
	http_multi_free(es->m);
	http_client_free(es->hc);
	while ((er = es->flying) != NULL) {
		es->flying = er->next;
		s->held -= er->held;
		ship_batch_free(s, er->b);
		buf_free(&er->body);
		free(er);
	}
	for (i = 0; i < es->nhosts; i++) {
		host_free(&es->hosts[i].spec);
		free(es->hosts[i].url);
	}
	free(es->hosts);
	for (i = 0; i < es->nhdrs; i++) {
		free(es->hdrs[i].name);
		free(es->hdrs[i].value);
	}
	free(es->hdrs);
	free(es->query);
	free(es->auth);
	if (es->zready)
		deflateEnd(&es->z);
	buf_free(&es->index);
	buf_free(&es->body);
	while (es->nspare > 0)
		buf_free(&es->spare[--es->nspare]);
	creds_provider_free(es->cp);
	free(es->region);
	free(es->service);
	free(es);
	s->out.st = NULL;
	return 0;
}

/* --- single requests (cwl-ship setup, --test-output) ------------------- */

size_t
es_nhosts(const struct ship *s)
{
	const struct es *es = s->out.st;

	return es->nhosts;
}

const char *
es_host_url(const struct ship *s, size_t h)
{
	const struct es *es = s->out.st;

	return es->hosts[h].url;
}

const struct hostspec *
es_host(const struct ship *s, size_t h)
{
	const struct es *es = s->out.st;

	return &es->hosts[h].spec;
}

int
es_op_create(const struct ship *s)
{
	const struct es *es = s->out.st;

	return es->create;
}

const char *
es_auth_kind(const struct ship *s)
{
	const struct es *es = s->out.st;

	if (es->cp)
		return es->service;
	if (es->auth == NULL)
		return "none";
	return strncmp(es->auth, "Basic ", 6) == 0 ? "basic" :
	    strncmp(es->auth, "ApiKey ", 7) == 0 ? "api_key" : "bearer";
}

void
es_resp_words(const struct http_resp *r, struct buf *out)
{
	bulk_words(r->status, r->body.p, r->body.len, out);
}

int
es_request(struct ship *s, size_t h, const char *method, const char *path,
    const char *body, size_t len, struct http_resp *resp, struct err *e)
{
	struct es *es = s->out.st;
	struct http_req *req;
	struct buf url = BUF_INIT;
	int r;

	if (buf_printf(&url, "%s%s", es->hosts[h].url, path) == -1 ||
	    (req = http_req_new(method, url.p)) == NULL) {
		buf_free(&url);
		return err_set(e, EXIT_RUNTIME, "out of memory");
	}
	buf_free(&url);
	if (body) {
		req->body = body;
		req->body_len = len;
		if (http_req_header(req, "Content-Type", "application/json") == -1) {
			http_req_free(req);
			return err_set(e, EXIT_RUNTIME, "out of memory");
		}
	}
	if (req_auth(es, req, e) == -1) {
		http_req_free(req);
		return -1;
	}
	r = http_send(es->hc, req, resp, e);
	http_req_free(req);
	return r;
}

/* --- settings ---------------------------------------------------------- */

#define K "output.elasticsearch."

static char *
base64(const char *p, size_t n)
{
	char *out;

	if ((out = malloc(4 * ((n + 2) / 3) + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)p, (int)n);
	return out;
}

/* Host h's base URL: its scheme (proto when none), host, port, and its
 * path or else the path setting. */
static int
base_url(struct host *h, const char *proto, const char *path)
{
	struct buf b = BUF_INIT;
	const struct hostspec *hs = &h->spec;
	int r;

	r = buf_printf(&b, "%s://%s", hs->scheme ? hs->scheme : proto,
	    hs->label);
	if (*hs->path)
		r |= buf_adds(&b, hs->path);
	else if (path && *path)
		r |= buf_printf(&b, "%s%s", *path == '/' ? "" : "/", path);
	while (b.len > 0 && b.p[b.len - 1] == '/')
		b.p[--b.len] = '\0';
	h->url = r ? NULL : buf_detach(&b);
	buf_free(&b);
	return h->url ? 0 : -1;
}

static int
hosts_opts(struct ship *s, struct es *es, const char *proto, struct err *e)
{
	static const char *const dflt[] = { "localhost:9200", NULL };
	const char *const *hosts;
	const char *path;
	size_t i, n;

	if (cfg_strlist(s->cfg, K "hosts", &hosts, &n, e) == -1 ||
	    cfg_str(s->cfg, K "path", NULL, &path, e) == -1)
		return -1;
	if (n == 0) {
		hosts = dflt;
		n = 1;
	}
	if ((es->hosts = calloc(n, sizeof(*es->hosts))) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	for (i = 0; i < n; i++) {
		es->nhosts++;
		/* no port: Elasticsearch's 9200 */
		if (host_parse(K "hosts", hosts[i], 1, 9200,
		    &es->hosts[i].spec, e) == -1)
			return -1;
		if (base_url(&es->hosts[i], proto, path) == -1)
			return err_set(e, EXIT_RUNTIME, "out of memory");
	}
	return 0;
}

static void
tls_opts(const struct tls_conf *t, struct http_opts *ho)
{
	ho->ca_pem = t->ca_pem.len ? t->ca_pem.p : NULL;
	ho->ca_pem_len = t->ca_pem.len;
	ho->cert_file = t->cert;
	ho->key_file = t->key;
	ho->key_passphrase = t->passphrase;
	ho->verify = t->verify;
	ho->tls_min = t->min;
	ho->tls_max = t->max;
	ho->ciphers = t->ciphers;
	ho->tls13_ciphers = t->tls13;
	ho->curves = t->curves;
}

/* The Authorization header's value in es->auth (NULL when none): Basic
 * for a username, ApiKey, or Bearer; the value is kept out of the log. */
static void
auth_header(struct es *es, const char *user, const char *pass,
    const char *key, const char *bearer)
{
	struct buf b = BUF_INIT;

	if (user && *user) {
		buf_printf(&b, "%s:%s", user, pass ? pass : "");
		es->auth = base64(b.p, b.len);
		buf_reset(&b);
		buf_printf(&b, "Basic %s", es->auth ? es->auth : "");
	} else if (key && *key) {
		/* libbeat's form is "id:api_key"; an encoded key goes as is */
		if (strchr(key, ':')) {
			es->auth = base64(key, strlen(key));
			buf_printf(&b, "ApiKey %s", es->auth ? es->auth : "");
		} else {
			buf_printf(&b, "ApiKey %s", key);
		}
	} else if (bearer && *bearer) {
		buf_printf(&b, "Bearer %s", bearer);
	}
	free(es->auth);
	es->auth = NULL;
	if (b.len) {
		log_secret(b.p);
		log_secret(strchr(b.p, ' ') + 1);
		es->auth = buf_detach(&b);
	}
	buf_free(&b);
}

/* aws_auth: requests signed with SigV4 for the service svc (es or aoss),
 * in the region of aws_auth.region or else the AWS settings'. */
static int
aws_auth(struct ship *s, struct es *es, const char *svc, const char *region,
    struct err *e)
{
	struct aws_opts ao;

	if (strcmp(svc, "es") != 0 && strcmp(svc, "aoss") != 0)
		return err_set(e, EXIT_USAGE, "%s: " K "aws_auth.service: "
		    "'%s': es (Amazon OpenSearch Service) or aoss "
		    "(OpenSearch Serverless)", cfg_where(s->cfg,
		    K "aws_auth.service"), svc);
	if (cli_aws_opts(s->cli, &ao, e) == -1)
		return -1;
	if (region && *region)
		ao.creds.region = region;
	if ((es->region = creds_region(&ao.creds, e)) == NULL)
		return err_prefix(e, K "aws_auth.region");
	if ((es->cp = creds_provider_new(&ao.creds, e)) == NULL)
		return -1;
	es->service = strdup(svc);
	return 0;
}

/* headers: sent with every request. */
static int
extra_headers(struct ship *s, struct es *es, struct err *e)
{
	json_object *h;

	if ((h = cfg_node(s->cfg, K "headers")) == NULL)
		return 0;
	if (!json_object_is_type(h, json_type_object))
		return err_set(e, EXIT_USAGE, "%s: " K "headers: a map of "
		    "header names to values", cfg_where(s->cfg, K "headers"));
	json_object_object_foreach(h, name, val) {
		struct http_header *nh;

		if ((nh = realloc(es->hdrs, (es->nhdrs + 1) *
		    sizeof(*nh))) == NULL)
			return err_set(e, EXIT_RUNTIME, "out of memory");
		es->hdrs = nh;
		nh[es->nhdrs].name = strdup(name);
		nh[es->nhdrs].value = strdup(json_object_get_string(val));
		es->nhdrs++;
	}
	return 0;
}

/* How requests authenticate (one way at most) and the headers they
 * carry. */
static int
auth_opts(struct ship *s, struct es *es, struct err *e)
{
	const char *user, *pass, *key, *bearer, *svc, *region;
	int kinds = 0, sigv4;

	if (cfg_str(s->cfg, K "username", NULL, &user, e) == -1 ||
	    cfg_str(s->cfg, K "password", NULL, &pass, e) == -1 ||
	    cfg_str(s->cfg, K "api_key", NULL, &key, e) == -1 ||
	    cfg_str(s->cfg, K "bearer_token", NULL, &bearer, e) == -1 ||
	    cfg_str(s->cfg, K "aws_auth.service", NULL, &svc, e) == -1 ||
	    cfg_str(s->cfg, K "aws_auth.region", NULL, &region, e) == -1 ||
	    cfg_bool(s->cfg, K "aws_auth.enabled", svc && *svc, &sigv4, e) == -1)
		return -1;
	if (!sigv4)
		svc = NULL;
	else if (svc == NULL || *svc == '\0')
		svc = "es";
	log_secret(pass);
	log_secret(key);
	log_secret(bearer);
	kinds = (user && *user) + (key && *key) + (bearer && *bearer) +
	    (svc && *svc);
	if (kinds > 1)
		return err_set(e, EXIT_USAGE, K "username, api_key, bearer_token "
		    "and aws_auth: set one of them");
	auth_header(es, user, pass, key, bearer);
	if (svc && *svc && aws_auth(s, es, svc, region, e) == -1)
		return -1;
	return extra_headers(s, es, e);
}

/* The _bulk query: filter_path, pipeline and parameters. */
static int
query_opts(struct ship *s, struct es *es, struct err *e)
{
	struct buf b = BUF_INIT;
	const char *pipeline;
	json_object *params;

	if (cfg_str(s->cfg, K "pipeline", NULL, &pipeline, e) == -1)
		return -1;
	/* filter_path keeps the answer small: statuses and errors only */
	buf_adds(&b, "?filter_path=errors%2Citems.%2A.status%2Citems.%2A.error");
	if (pipeline && *pipeline) {
		buf_adds(&b, "&pipeline=");
		http_uri_encode(&b, pipeline, strlen(pipeline), 0);
	}
	if ((params = cfg_node(s->cfg, K "parameters")) != NULL) {
		if (!json_object_is_type(params, json_type_object)) {
			buf_free(&b);
			return err_set(e, EXIT_USAGE, "%s: " K "parameters: a map "
			    "of URL parameters to values", cfg_where(s->cfg,
			    K "parameters"));
		}
		json_object_object_foreach(params, pk, pv) {
			const char *val = json_object_get_string(pv);

			buf_addc(&b, '&');
			http_uri_encode(&b, pk, strlen(pk), 0);
			buf_addc(&b, '=');
			http_uri_encode(&b, val ? val : "", val ? strlen(val) : 0, 0);
		}
	}
	es->query = buf_detach(&b);
	buf_free(&b);
	return es->query ? 0 : err_set(e, EXIT_RUNTIME, "out of memory");
}

/* index, op_type, compression_level, worker. */
static int
doc_opts(struct ship *s, struct es *es, struct err *e)
{
	const char *index, *op;
	int64_t v, level;
	size_t i;

	if (cfg_get_str(s->cfg, K "index", &index, e) == -1 ||
	    cfg_get_str(s->cfg, K "op_type", &op, e) == -1 ||
	    cfg_get_int(s->cfg, K "compression_level", &level, e) == -1 ||
	    ship_worker(s, "output.elasticsearch", &v, e) == -1)
		return -1;
	es->worker = (size_t)v;		/* per host */
	if (level < 0 || level > 9)
		return err_set(e, EXIT_USAGE, "%s: " K "compression_level: "
		    "%" PRId64 ": 0 (none) to 9", cfg_where(s->cfg,
		    K "compression_level"), level);
	es->level = (int)level;
	if (strcmp(op, "index") == 0)
		es->create = 0;
	else if (strcmp(op, "create") == 0)
		es->create = 1;
	else
		return err_set(e, EXIT_USAGE, "%s: " K "op_type: '%s': index or "
		    "create", cfg_where(s->cfg, K "op_type"), op);
	if ((s->idx = index_compile(index, e)) == NULL)
		return err_prefix(e, "%s: " K "index", cfg_where(s->cfg,
		    K "index"));
	if (index_dynamic(s->idx))
		return 0;
	if ((s->index_name = strdup(index)) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	for (i = 0; s->index_name[i]; i++)
		s->index_name[i] = (char)tolower((unsigned char)s->index_name[i]);
	jsonx_strz(&es->index, s->index_name);
	return 0;
}

/* The HTTP client: TLS, proxy, timeout. */
static int
client_opts(struct ship *s, struct es *es, const struct tls_conf *t,
    struct err *e)
{
	struct http_opts ho;
	const char *proxy;
	int64_t v;

	if (cfg_str(s->cfg, K "proxy_url", NULL, &proxy, e) == -1 ||
	    cfg_get_duration(s->cfg, K "timeout", &v, e) == -1)
		return -1;
	memset(&ho, 0, sizeof(ho));
	tls_opts(t, &ho);
	ho.timeout_ms = (long)v;
	ho.proxy_url = proxy;
	/* Answers are small: filter_path keeps statuses and errors only,
	 * and setup's templates are a few KB. A larger one is refused, not
	 * held and parsed whole. */
	ho.max_response_bytes = 16 << 20;
	if ((es->hc = http_client_new(&ho, e)) == NULL ||
	    (es->m = http_multi_new(es->hc, e)) == NULL)
		return -1;
	return 0;
}

static const struct output es_output = {
	"output.elasticsearch", NULL, 0, es_room, es_send, es_wait,
	es_busy, es_close
};

int
es_open(struct ship *s, struct err *e)
{
	struct es *es;
	struct tls_conf t;
	const char *proto;
	int r;

	if ((es = calloc(1, sizeof(*es))) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	s->out = es_output;
	s->out.st = es;
	if (ship_common_opts(s, "output.elasticsearch", e) == -1 ||
	    doc_opts(s, es, e) == -1 ||
	    cfg_str(s->cfg, K "protocol", NULL, &proto, e) == -1)
		return -1;
	if (proto && strcmp(proto, "http") != 0 && strcmp(proto, "https") != 0)
		return err_set(e, EXIT_USAGE, "%s: " K "protocol: '%s': http or "
		    "https", cfg_where(s->cfg, K "protocol"), proto);
	if (tls_conf_read(s->cfg, "output.elasticsearch", 0, &t, e) == -1) {
		tls_conf_free(&t);
		return -1;
	}
	if (proto == NULL)
		proto = t.enabled ? "https" : "http";
	r = hosts_opts(s, es, proto, e) == -1 || query_opts(s, es, e) == -1 ||
	    auth_opts(s, es, e) == -1 || client_opts(s, es, &t, e) == -1;
	tls_conf_free(&t);
	es->worker *= es->nhosts;
	return r ? -1 : 0;
}

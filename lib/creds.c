/*
 * Credentials and region, resolved the way the AWS SDKs do: the chain
 * and the provider that keeps what it found, the sources that need no
 * file of their own (the config's keys, the environment's), the helpers
 * every source shares, and the region. The chain is a table of sources
 * tried in order; each either gives credentials, says it has none (and
 * what it looked at, for the final message), or fails outright (a
 * profile named but absent, a file that does not parse). Credentials
 * that expire are refreshed a few minutes before they do; when the
 * renewed ones are still that close to their end, they are asked for
 * again after half their remaining life (30 s at most), not at every
 * request. The other sources: creds_profile.c, creds_sts.c,
 * creds_imds.c, creds_process.c (creds_int.h says what each holds).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "creds.h"
#include "creds_int.h"
#include "http.h"
#include "jsonx.h"
#include "log.h"
#include "timex.h"

/* "refresh credentials ... before they expire": the SDKs use windows of
 * 5 to 15 minutes; credentials closer to expiry than this are renewed. */
#define REFRESH_BEFORE 300
/* After a refresh failed, the seconds before the next try. */
#define REFRESH_RETRY 30

const char *
creds_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* Frees a string that may hold a secret, wiping it first. */
void
creds_free_str(const char *s)
{
	if (s) {
		memset((char *)s, 0, strlen(s));
		free((char *)s);
	}
}

void
creds_clear(struct creds *c)
{
	if (c == NULL)
		return;
	if (c->secret_access_key) {
		memset(c->secret_access_key, 0, strlen(c->secret_access_key));
		free(c->secret_access_key);
	}
	if (c->session_token) {
		memset(c->session_token, 0, strlen(c->session_token));
		free(c->session_token);
	}
	free(c->access_key_id);
	free(c->source);
	memset(c, 0, sizeof(*c));
}

int
creds_fill(struct creds *c, const char *akid, const char *secret,
    const char *token, time_t expires, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	memset(c, 0, sizeof(*c));
	log_secret(secret);
	log_secret(token);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	c->source = buf_detach(&b);
	c->access_key_id = strdup(akid);
	c->secret_access_key = strdup(secret);
	c->session_token = token && *token ? strdup(token) : NULL;
	c->expires = expires;
	if (c->source == NULL || c->access_key_id == NULL ||
	    c->secret_access_key == NULL || (token && *token &&
	    c->session_token == NULL)) {
		creds_clear(c);
		return -1;
	}
	return 0;
}

void
creds_tried_add(struct buf *tried, const char *fmt, ...)
{
	va_list ap;

	if (tried->len)
		buf_adds(tried, ", ");
	va_start(ap, fmt);
	buf_vprintf(tried, fmt, ap);
	va_end(ap);
}

/*
 * Over HTTP: STS, the container endpoint, instance metadata. The clients
 * are made when first needed; instance metadata gets short timeouts, as
 * in the SDKs ("1 second"), because off EC2 nobody answers there.
 */
struct http_client *
creds_http(struct creds_provider *p, int imds, struct err *e)
{
	struct http_client **c = imds ? &p->imds : &p->http;
	struct http_opts o;

	if (*c)
		return *c;
	memset(&o, 0, sizeof(o));
	o.connect_timeout_ms = imds ? 1000 : 5000;
	o.timeout_ms = imds ? 2000 : 30000;
	o.max_response_bytes = 1 << 20;
	/* STS behind a private CA, as the SDKs allow */
	if (!imds && getenv("AWS_CA_BUNDLE") && *getenv("AWS_CA_BUNDLE") &&
	    access(getenv("AWS_CA_BUNDLE"), R_OK) == 0)
		o.ca_file = getenv("AWS_CA_BUNDLE");
	*c = http_client_new(&o, e);
	return *c;
}

static void
nap_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/* Sends req, again after a network error or a 5xx, up to attempts times.
 * Returns 0 with *resp (any status), -1 with e. */
int
creds_send_retry(struct http_client *c, const struct http_req *req,
    struct http_resp *resp, int attempts, struct err *e)
{
	int i, rc;

	for (i = 0; ; i++) {
		memset(resp, 0, sizeof(*resp));
		rc = http_send(c, req, resp, e);
		if (rc == 0 && !http_retryable(resp))
			return 0;
		if ((rc == -1 && !resp->neterr) || i + 1 >= attempts)
			return rc;
		http_resp_free(resp);
		nap_ms(100L << i);
	}
}

/* Parses an ISO 8601 expiry. Returns 0 (*out = 0 when s is empty) or -1. */
int
creds_parse_expiry(const char *s, time_t *out, const char *what, struct err *e)
{
	struct err e2 = ERR_INIT;
	int64_t ms;

	*out = 0;
	if (s == NULL || *s == '\0')
		return 0;
	if (timex_parse(s, timex_now_ms(), &ms, &e2) == -1) {
		err_clear(&e2);
		return err_set(e, EXIT_AUTH, "%s: the expiry is not a time: %s",
		    what, s);
	}
	*out = (time_t)(ms / 1000);
	return 0;
}

/* Fills out from a JSON credentials object of the container endpoint,
 * instance metadata or a credential process. */
int
creds_json(json_object *o, const char *tok_key, struct creds *out,
    const char *what, struct err *e, const char *source)
{
	const char *ak = jsonx_get_str(o, "AccessKeyId", NULL),
	    *sk = jsonx_get_str(o, "SecretAccessKey", NULL),
	    *tok = jsonx_get_str(o, tok_key, NULL);
	time_t exp;

	log_secret(sk);
	log_secret(tok);
	if (ak == NULL || *ak == '\0' || sk == NULL || *sk == '\0')
		return err_set(e, EXIT_AUTH, "%s: the answer has no "
		    "AccessKeyId and SecretAccessKey", what);
	if (creds_parse_expiry(jsonx_get_str(o, "Expiration", NULL), &exp, what,
	    e) == -1)
		return -1;
	if (creds_fill(out, ak, sk, tok, exp, "%s", source) == -1)
		return err_set(e, EXIT_RUNTIME, "credentials: out of memory");
	return 0;
}

/* Reads a token file (a web identity token, a container authorization
 * token): its content without surrounding blanks, malloc'd. */
char *
creds_read_token(const char *path, const char *what, struct err *e)
{
	struct buf b = BUF_INIT;
	char chunk[4096], *s, *t;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		err_set(e, EXIT_AUTH, "%s %s: %s", what, path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < (1 << 20))
		buf_add(&b, chunk, n);
	fclose(f);
	s = buf_detach(&b);
	if (s == NULL) {
		err_set(e, EXIT_RUNTIME, "%s: out of memory", what);
		return NULL;
	}
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	for (t = s; isspace((unsigned char)*t); t++)
		;
	memmove(s, t, strlen(t) + 1);
	if (*s == '\0') {
		free(s);
		err_set(e, EXIT_AUTH, "%s %s is empty", what, path);
		return NULL;
	}
	log_secret(s);
	return s;
}

/*
 * The sources. Each returns 1 with *out filled, 0 when it has nothing
 * (after appending what it looked at to tried), or -1 with e set.
 */
struct source {
	int (*fetch)(struct creds_provider *, struct creds *, struct buf *,
	    struct err *);
};

static int
src_config(struct creds_provider *p, struct creds *out, struct buf *tried,
    struct err *e)
{
	const struct creds_opts *o = &p->o;
	int ak = o->access_key_id && *o->access_key_id,
	    sk = o->secret_access_key && *o->secret_access_key;

	if (!ak && !sk) {
		creds_tried_add(tried, "the config keys");
		return 0;
	}
	if (!ak || !sk)
		return err_set(e, EXIT_USAGE, "AWS credentials in the config: "
		    "%s is set without %s", ak ? "access_key_id" :
		    "secret_access_key", ak ? "secret_access_key" :
		    "access_key_id");
	if (creds_fill(out, o->access_key_id, o->secret_access_key,
	    o->session_token, 0, "config") == -1)
		return err_set(e, EXIT_RUNTIME, "credentials: out of memory");
	return 1;
}

/* The keys in the environment, whatever the config names. */
int
creds_env_keys(struct creds_provider *p, struct creds *out, struct buf *tried,
    struct err *e)
{
	/* the SDKs also accept the older AWS_ACCESS_KEY, AWS_SECRET_KEY and
	 * AWS_SECURITY_TOKEN names */
	const char *ak = creds_env("AWS_ACCESS_KEY_ID"), *sk = creds_env("AWS_SECRET_ACCESS_KEY"),
	    *tok = creds_env("AWS_SESSION_TOKEN");

	if (ak == NULL)
		ak = creds_env("AWS_ACCESS_KEY");
	if (sk == NULL)
		sk = creds_env("AWS_SECRET_KEY");
	if (tok == NULL)
		tok = creds_env("AWS_SECURITY_TOKEN");
	log_secret(sk);
	log_secret(tok);
	if (ak == NULL && sk == NULL) {
		creds_tried_add(tried, "environment (AWS_ACCESS_KEY_ID)");
		return 0;
	}
	if (ak == NULL || sk == NULL)
		return err_set(e, EXIT_AUTH, "AWS credentials in the "
		    "environment: %s is set without %s", ak ?
		    "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY", ak ?
		    "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	if (creds_fill(out, ak, sk, tok, 0, "environment") == -1)
		return err_set(e, EXIT_RUNTIME, "credentials: out of memory");
	return 1;
}

static int
src_env(struct creds_provider *p, struct creds *out, struct buf *tried,
    struct err *e)
{
	if (p->o.profile && *p->o.profile) {
		/* "An explicitly provided profile will negate an
		 * EnvProvider" (botocore; the Go SDK agrees) */
		creds_tried_add(tried, "environment (skipped: a profile is named in "
		    "the config)");
		return 0;
	}
	return creds_env_keys(p, out, tried, e);
}

static const struct source chain[] = {
	{ src_config },
	{ src_env },
	{ creds_src_web_identity },
	{ creds_src_profile },
	{ creds_src_container },
	{ creds_src_imds },
};

struct creds_provider *
creds_provider_new(const struct creds_opts *o, struct err *e)
{
	struct creds_provider *p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		err_set(e, EXIT_RUNTIME, "credentials: out of memory");
		return NULL;
	}
#define COPY(f) do { \
	if (o && o->f && (p->o.f = strdup(o->f)) == NULL) \
		goto nomem; \
} while (0)
	COPY(access_key_id);
	COPY(secret_access_key);
	COPY(session_token);
	COPY(profile);
	COPY(shared_credential_file);
	COPY(role_arn);
	COPY(region);
	COPY(endpoint);
#undef COPY
	log_secret(p->o.secret_access_key);
	log_secret(p->o.session_token);
	return p;
nomem:
	creds_provider_free(p);
	err_set(e, EXIT_RUNTIME, "credentials: out of memory");
	return NULL;
}

void
creds_provider_free(struct creds_provider *p)
{
	if (p == NULL)
		return;
	creds_clear(&p->cur);
	http_client_free(p->http);
	http_client_free(p->imds);
	free(p->sts_region);
	creds_free_str(p->imds_token);
	creds_free_str(p->o.access_key_id);
	creds_free_str(p->o.secret_access_key);
	creds_free_str(p->o.session_token);
	creds_free_str(p->o.profile);
	creds_free_str(p->o.shared_credential_file);
	creds_free_str(p->o.role_arn);
	creds_free_str(p->o.region);
	creds_free_str(p->o.endpoint);
	free(p);
}

/* Walks the chain. Returns 0 with *out, or -1 with e. */
static int
resolve(struct creds_provider *p, struct creds *out, struct err *e)
{
	struct buf tried = BUF_INIT;
	size_t i;
	int r;

	for (i = 0; i < sizeof(chain) / sizeof(chain[0]); i++) {
		r = chain[i].fetch(p, out, &tried, e);
		if (r == 1 && p->o.role_arn && *p->o.role_arn) {
			/* the config's role_arn: assumed with what the
			 * chain found */
			struct creds base = *out;
			struct buf src = BUF_INIT;

			memset(out, 0, sizeof(*out));
			buf_printf(&src, "role %s via %s", p->o.role_arn,
			    base.source);
			if (creds_assume_role(p, &base, p->o.role_arn, NULL, NULL, NULL,
			    buf_str(&src), out, e) == -1)
				r = -1;
			creds_clear(&base);
			buf_free(&src);
		}
		if (r == 1) {
			log_debug("aws", "credentials from %s", out->source);
			buf_free(&tried);
			return 0;
		}
		if (r == -1) {
			buf_free(&tried);
			return -1;
		}
	}
	err_set(e, EXIT_AUTH, "no AWS credentials: tried %s", buf_str(&tried));
	buf_free(&tried);
	return -1;
}

const struct creds *
creds_get(struct creds_provider *p, struct err *e)
{
	struct creds fresh;
	struct err e2 = ERR_INIT;
	time_t now = time(NULL);

	if (p->have && (p->cur.expires == 0 ||
	    now + REFRESH_BEFORE < p->cur.expires))
		return &p->cur;
	if (p->have && now < p->cur.expires && now < p->quiet_until)
		return &p->cur;
	memset(&fresh, 0, sizeof(fresh));
	if (resolve(p, &fresh, &e2) == -1) {
		if (p->have && now < p->cur.expires) {
			/* keep what still works, say so, and do not ask
			 * again at every request */
			log_warn("refreshing AWS credentials from %s: %s; "
			    "using the current ones until they expire",
			    p->cur.source, err_msg(&e2));
			err_clear(&e2);
			p->quiet_until = now + REFRESH_RETRY;
			return &p->cur;
		}
		if (e) {
			err_set(e, e2.code, "%s", err_msg(&e2));
		}
		err_clear(&e2);
		return NULL;
	}
	if (p->have && fresh.expires != 0 &&
	    now + REFRESH_BEFORE >= fresh.expires) {
		/* renewed, yet still inside the refresh window (short-lived
		 * keys, or a source that hands out the same ones until near
		 * their end): asking again at every request would bring
		 * nothing better */
		time_t left = fresh.expires - now;

		p->quiet_until = now + (left / 2 < REFRESH_RETRY ? left / 2 :
		    REFRESH_RETRY);
	}
	creds_clear(&p->cur);
	p->cur = fresh;
	p->have = 1;
	return &p->cur;
}

void
creds_invalidate(struct creds_provider *p)
{
	if (p == NULL)
		return;
	creds_clear(&p->cur);
	p->have = 0;
}

/* A region is a host name label, as botocore's validate_region_name
 * has it: letters, digits and '-', 63 at most, no '-' at either end, not
 * all digits. Returns a copy of r, or NULL with e naming where it came
 * from (EXIT_USAGE): an endpoint is made of it, and a wrong one would
 * only show as a failed request. */
static char *
region_ok(const char *r, const char *from, struct err *e)
{
	size_t n = strlen(r), i, digits = 0;
	char *out;

	for (i = 0; i < n; i++) {
		if (isdigit((unsigned char)r[i]))
			digits++;
		else if (!isalpha((unsigned char)r[i]) && r[i] != '-')
			break;
	}
	if (i < n || n > 63 || r[0] == '-' || r[n - 1] == '-' || digits == n) {
		err_set(e, EXIT_USAGE, "AWS region '%s' (%s): not a region name "
		    "(letters, digits and '-', as in eu-west-1)", r, from);
		return NULL;
	}
	if ((out = strdup(r)) == NULL)
		err_set(e, EXIT_RUNTIME, "region: out of memory");
	return out;
}

char *
creds_region(const struct creds_opts *o, struct err *e)
{
	struct creds_opts none;
	struct creds_profile cc;
	struct buf from = BUF_INIT;
	const char *r, *name;
	char *gpath, *out = NULL;
	int named, rc;

	if (o == NULL) {
		memset(&none, 0, sizeof(none));
		o = &none;
	}
	if ((r = o->region) != NULL && *r)
		return region_ok(r, "the config", e);
	if ((r = creds_env("AWS_REGION")) != NULL)
		return region_ok(r, "AWS_REGION", e);
	if ((r = creds_env("AWS_DEFAULT_REGION")) != NULL)
		return region_ok(r, "AWS_DEFAULT_REGION", e);
	name = creds_profile_name(o, &named);
	if ((gpath = creds_config_path()) == NULL) {
		err_set(e, EXIT_RUNTIME, "region: out of memory");
		return NULL;
	}
	if ((rc = creds_ini_read(gpath, 1, name, &cc, e)) == -1) {
		free(gpath);
		return NULL;
	}
	if ((r = creds_ini_get(&cc, "region")) != NULL && *r) {
		buf_printf(&from, "profile %s of %s", name, gpath);
		out = region_ok(r, buf_str(&from), e);
		buf_free(&from);
	} else
		err_set(e, EXIT_USAGE, "no AWS region: set "
		    "cloudwatchlogsbeat.aws_region, AWS_REGION or "
		    "AWS_DEFAULT_REGION, or region in profile %s of %s%s",
		    name, gpath, rc == 0 ? " (absent)" : "");
	creds_ini_clear(&cc);
	free(gpath);
	return out;
}

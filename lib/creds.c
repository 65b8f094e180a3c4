/*
 * Credentials and region, resolved the way the AWS SDKs do. The chain is
 * a table of sources tried in order; each either gives credentials, says
 * it has none (and what it looked at, for the final message), or fails
 * outright (a profile named but absent, a file that does not parse).
 * Credentials that expire are refreshed a few minutes before they do;
 * when the renewed ones are still that close to their end, they are
 * asked for again after half their remaining life (30 s at most), not
 * at every request. The IMDSv2
 * session token is kept and reused for as long as it lives.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "aws.h"
#include "buf.h"
#include "creds.h"
#include "http.h"
#include "jsonx.h"
#include "log.h"
#include "sigv4.h"
#include "timex.h"

/* "refresh credentials ... before they expire": the SDKs use windows of
 * 5 to 15 minutes; credentials closer to expiry than this are renewed. */
#define REFRESH_BEFORE 300
/* After a refresh failed, the seconds before the next try. */
#define REFRESH_RETRY 30
/* "The TTL of the token. Default value: 21,600 seconds (6 hours, the
 * maximum time allotted)" (the SDKs' IMDS client). */
#define IMDS_TOKEN_TTL 21600
#define IMDS_TOKEN_TTL_STR "21600"
/* What a credential process may write before we stop listening. */
#define PROCESS_MAX_OUTPUT (1 << 20)

struct creds_provider {
	struct creds_opts o;	/* strings copied */
	struct creds cur;
	int have;
	int warned_mode;	/* the credentials file mode warning, once */
	struct http_client *http;	/* STS and the container endpoint */
	struct http_client *imds;	/* instance metadata: short timeouts */
	char *sts_region;
	time_t quiet_until;	/* after a failed refresh, or one that gave
				   keys still near their end: no new try
				   before */
	char *imds_token;	/* the IMDSv2 session token in hand, or NULL */
	time_t imds_token_until;	/* renewed from then on */
};

/* One property of a profile. */
struct kv {
	char *k;	/* lowercase */
	char *v;
};

/* The properties of one profile read from one file. */
struct profile {
	struct kv *kv;
	size_t n;
	int found;	/* the section exists */
};

static void
profile_clear(struct profile *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->kv[i].k);
		if (p->kv[i].v) {
			memset(p->kv[i].v, 0, strlen(p->kv[i].v));
			free(p->kv[i].v);
		}
	}
	free(p->kv);
	memset(p, 0, sizeof(*p));
}

static const char *
profile_get(const struct profile *p, const char *k)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->kv[i].k, k) == 0)
			return p->kv[i].v;
	return NULL;
}

/* Sets k (last one wins, as in every SDK). Returns the stored pair or NULL. */
static struct kv *
profile_set(struct profile *p, const char *k, size_t klen, const char *v,
    size_t vlen)
{
	struct kv *t;
	char *key, *val;
	size_t i;

	if ((key = strndup(k, klen)) == NULL)
		return NULL;
	for (i = 0; key[i]; i++)
		key[i] = (char)tolower((unsigned char)key[i]);
	if ((val = strndup(v, vlen)) == NULL) {
		free(key);
		return NULL;
	}
	for (i = 0; i < p->n; i++)
		if (strcmp(p->kv[i].k, key) == 0) {
			free(key);
			free(p->kv[i].v);
			p->kv[i].v = val;
			return &p->kv[i];
		}
	if ((t = realloc(p->kv, (p->n + 1) * sizeof(*t))) == NULL) {
		free(key);
		free(val);
		return NULL;
	}
	p->kv = t;
	p->kv[p->n].k = key;
	p->kv[p->n].v = val;
	return &p->kv[p->n++];
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_blank((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && (is_blank((unsigned char)(*s)[*n - 1]) ||
	    (*s)[*n - 1] == '\r'))
		(*n)--;
}

static int
has_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (is_blank((unsigned char)s[i]))
			return 1;
	return 0;
}

/* Where a line's section header puts us. */
enum { SEC_NONE, SEC_OTHER, SEC_WANTED, SEC_WANTED_PREFIXED };

/*
 * Reads the properties of profile `name` from an SDK-style INI file, by
 * the rules of the SDKs' shared parser tests: '#' and ';' start a comment
 * at the start of a line (indented too, so that a comment under a key is
 * not taken for the continuation of its value), after a section header,
 * or after whitespace in a value ("value;x" keeps its ';'); names and
 * values are trimmed; keys
 * are case-insensitive; an indented line continues the value above; a
 * section given twice is merged and the last value of a key wins. In the
 * config file sections are "[profile NAME]" and "[default]", and
 * "[profile default]" beats "[default]"; in the credentials file they are
 * "[NAME]". Section names with blanks inside are ignored.
 *
 * Returns 1 when the file was read (out->found says if the profile is in
 * it), 0 when it does not exist, -1 with e on a read or syntax error.
 */
static int
ini_read(const char *path, int config, const char *name,
    struct profile *out, struct err *e)
{
	struct profile plain = { NULL, 0, 0 };
	FILE *f;
	char *line = NULL;
	size_t cap = 0, n, k, lineno = 0;
	ssize_t len;
	const char *s, *p, *v;
	struct kv *last = NULL;
	int sec = SEC_NONE, have_prop = 0, rc = -1;
	struct profile *dst;

	memset(out, 0, sizeof(*out));
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return err_set(e, EXIT_AUTH, "reading %s: %s", path,
		    strerror(errno));
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		s = line;
		n = (size_t)len;
		if (n > 0 && s[n - 1] == '\n')
			n--;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		k = 0;
		while (k < n && is_blank((unsigned char)s[k]))
			k++;
		if (k == n)
			continue;		/* blank */
		if (s[k] == '#' || s[k] == ';')
			continue;	/* a comment, indented or not (as
					   botocore has it) */
		if (k > 0) {
			/* continuation of the value above */
			if (sec == SEC_NONE) {
				err_set(e, EXIT_USAGE, "%s:%zu: expected a "
				    "profile definition", path, lineno);
				goto done;
			}
			if (!have_prop) {
				err_set(e, EXIT_USAGE, "%s:%zu: expected a "
				    "property definition, found a continuation",
				    path, lineno);
				goto done;
			}
			if (last != NULL) {
				struct buf b = BUF_INIT;

				p = s + k;
				n -= k;
				trim(&p, &n);
				if (buf_adds(&b, last->v) == -1 ||
				    buf_addc(&b, '\n') == -1 ||
				    buf_add(&b, p, n) == -1) {
					buf_free(&b);
					err_set(e, EXIT_RUNTIME, "%s: out of "
					    "memory", path);
					goto done;
				}
				free(last->v);
				last->v = buf_detach(&b);
			}
			continue;
		}
		if (s[0] == '[') {
			const char *close = memchr(s, ']', n);
			size_t m;

			if (close == NULL) {
				err_set(e, EXIT_USAGE, "%s:%zu: a profile "
				    "definition must end with ']'", path, lineno);
				goto done;
			}
			for (p = close + 1; p < s + n && is_blank((unsigned char)*p); p++)
				;
			if (p < s + n && *p != '#' && *p != ';') {
				err_set(e, EXIT_USAGE, "%s:%zu: unexpected text "
				    "after ']'", path, lineno);
				goto done;
			}
			p = s + 1;
			m = (size_t)(close - p);
			trim(&p, &m);
			have_prop = 0;
			last = NULL;
			sec = SEC_OTHER;
			if (config && m == 7 && memcmp(p, "default", 7) == 0) {
				if (strcmp(name, "default") == 0)
					sec = SEC_WANTED;
			} else if (config) {
				if (m > 8 && memcmp(p, "profile", 7) == 0 &&
				    is_blank((unsigned char)p[7])) {
					p += 8;
					m -= 8;
					trim(&p, &m);
					if (!has_blank(p, m) && strlen(name) == m &&
					    memcmp(p, name, m) == 0)
						sec = SEC_WANTED_PREFIXED;
				}
			} else if (!has_blank(p, m) && strlen(name) == m &&
			    memcmp(p, name, m) == 0)
				sec = SEC_WANTED_PREFIXED;
			if (sec == SEC_WANTED)
				plain.found = 1;
			else if (sec == SEC_WANTED_PREFIXED)
				out->found = 1;
			continue;
		}
		/* a property */
		if (sec == SEC_NONE) {
			err_set(e, EXIT_USAGE, "%s:%zu: expected a profile "
			    "definition before the first property", path, lineno);
			goto done;
		}
		if ((v = memchr(s, '=', n)) == NULL) {
			err_set(e, EXIT_USAGE, "%s:%zu: expected an '=' sign "
			    "defining a property", path, lineno);
			goto done;
		}
		p = s;
		k = (size_t)(v - s);
		trim(&p, &k);
		if (k == 0) {
			err_set(e, EXIT_USAGE, "%s:%zu: a property has no name",
			    path, lineno);
			goto done;
		}
		have_prop = 1;
		last = NULL;
		if (has_blank(p, k) || sec == SEC_OTHER)
			continue;
		{
			const char *val = v + 1;
			size_t vl = n - (size_t)(val - s), i;

			while (vl > 0 && is_blank((unsigned char)*val)) {
				val++;
				vl--;
			}
			for (i = 1; i < vl; i++)
				if ((val[i] == '#' || val[i] == ';') &&
				    is_blank((unsigned char)val[i - 1])) {
					vl = i;
					break;
				}
			trim(&val, &vl);
			dst = sec == SEC_WANTED ? &plain : out;
			if ((last = profile_set(dst, p, k, val, vl)) == NULL) {
				err_set(e, EXIT_RUNTIME, "%s: out of memory", path);
				goto done;
			}
		}
	}
	if (ferror(f)) {
		err_set(e, EXIT_AUTH, "reading %s: %s", path, strerror(errno));
		goto done;
	}
	/* "[profile default]" wins over "[default]" in the config file */
	if (!out->found && plain.found) {
		*out = plain;
		memset(&plain, 0, sizeof(plain));
	}
	rc = 1;
done:
	if (line) {
		memset(line, 0, cap);
		free(line);
	}
	fclose(f);
	profile_clear(&plain);
	if (rc == -1)
		profile_clear(out);
	return rc;
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* Frees a string that may hold a secret, wiping it first. */
static void
free_str(const char *s)
{
	if (s) {
		memset((char *)s, 0, strlen(s));
		free((char *)s);
	}
}

/* Returns "~/x" expanded with $HOME (or the passwd entry), malloc'd. */
static char *
expand_home(const char *path)
{
	const char *home;
	struct passwd *pw;
	struct buf b = BUF_INIT;

	if (path[0] != '~' || (path[1] != '/' && path[1] != '\0'))
		return strdup(path);
	if ((home = env("HOME")) == NULL) {
		pw = getpwuid(getuid());
		home = pw && pw->pw_dir ? pw->pw_dir : "";
	}
	if (buf_printf(&b, "%s%s", home, path + 1) == -1) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* The profile in use: the config's credential_profile_name, AWS_PROFILE,
 * else "default". *named says whether one was asked for. */
static const char *
profile_name(const struct creds_opts *o, int *named)
{
	const char *p = o->profile && *o->profile ? o->profile :
	    env("AWS_PROFILE");

	*named = p != NULL;
	return p ? p : "default";
}

static char *
credentials_path(const struct creds_opts *o)
{
	const char *p = o->shared_credential_file && *o->shared_credential_file ?
	    o->shared_credential_file : env("AWS_SHARED_CREDENTIALS_FILE");

	return expand_home(p ? p : "~/.aws/credentials");
}

static char *
config_path(void)
{
	const char *p = env("AWS_CONFIG_FILE");

	return expand_home(p ? p : "~/.aws/config");
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

/* Fills c with copies; token may be NULL. Registers the secrets. */
static int
creds_fill(struct creds *c, const char *akid, const char *secret,
    const char *token, time_t expires, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int
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

/*
 * The sources. Each returns 1 with *out filled, 0 when it has nothing
 * (after appending what it looked at to tried), or -1 with e set.
 */
struct source {
	int (*fetch)(struct creds_provider *, struct creds *, struct buf *,
	    struct err *);
};

static void
tried_add(struct buf *tried, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
tried_add(struct buf *tried, const char *fmt, ...)
{
	va_list ap;

	if (tried->len)
		buf_adds(tried, ", ");
	va_start(ap, fmt);
	buf_vprintf(tried, fmt, ap);
	va_end(ap);
}

static int
src_config(struct creds_provider *p, struct creds *out, struct buf *tried,
    struct err *e)
{
	const struct creds_opts *o = &p->o;
	int ak = o->access_key_id && *o->access_key_id,
	    sk = o->secret_access_key && *o->secret_access_key;

	if (!ak && !sk) {
		tried_add(tried, "the config keys");
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
static int
env_keys(struct creds_provider *p, struct creds *out, struct buf *tried,
    struct err *e)
{
	/* the SDKs also accept the older AWS_ACCESS_KEY, AWS_SECRET_KEY and
	 * AWS_SECURITY_TOKEN names */
	const char *ak = env("AWS_ACCESS_KEY_ID"), *sk = env("AWS_SECRET_ACCESS_KEY"),
	    *tok = env("AWS_SESSION_TOKEN");

	if (ak == NULL)
		ak = env("AWS_ACCESS_KEY");
	if (sk == NULL)
		sk = env("AWS_SECRET_KEY");
	if (tok == NULL)
		tok = env("AWS_SECURITY_TOKEN");
	log_secret(sk);
	log_secret(tok);
	if (ak == NULL && sk == NULL) {
		tried_add(tried, "environment (AWS_ACCESS_KEY_ID)");
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
		tried_add(tried, "environment (skipped: a profile is named in "
		    "the config)");
		return 0;
	}
	return env_keys(p, out, tried, e);
}

/* Warns, once per provider, when the credentials file can be read by
 * others: the SDKs and the CLI create it 0600. */
static void
check_mode(struct creds_provider *p, const char *path)
{
	struct stat st;

	if (p->warned_mode || stat(path, &st) == -1)
		return;
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		p->warned_mode = 1;
		log_warn("shared credentials file %s can be read by group or "
		    "others (mode %04o); chmod 600 it", path,
		    (unsigned)(st.st_mode & 07777));
	}
}

/*
 * Over HTTP: STS, the container endpoint, instance metadata. The clients
 * are made when first needed; instance metadata gets short timeouts, as
 * in the SDKs ("1 second"), because off EC2 nobody answers there.
 */
static struct http_client *
client(struct creds_provider *p, int imds, struct err *e)
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
static int
send_retry(struct http_client *c, const struct http_req *req,
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
static int
parse_expiry(const char *s, time_t *out, const char *what, struct err *e)
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
static int
json_creds(json_object *o, const char *tok_key, struct creds *out,
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
	if (parse_expiry(jsonx_get_str(o, "Expiration", NULL), &exp, what,
	    e) == -1)
		return -1;
	if (creds_fill(out, ak, sk, tok, exp, "%s", source) == -1)
		return err_set(e, EXIT_RUNTIME, "credentials: out of memory");
	return 0;
}

static const char *
sts_region(struct creds_provider *p)
{
	struct err e2 = ERR_INIT;

	if (p->sts_region == NULL) {
		p->sts_region = creds_region(&p->o, &e2);
		err_clear(&e2);
		if (p->sts_region == NULL)
			p->sts_region = strdup("us-east-1");
	}
	return p->sts_region ? p->sts_region : "us-east-1";
}

/*
 * Calls an STS action (query protocol) with the form parameters params
 * (name, value, ..., NULL), signed with base, or unsigned when base is
 * NULL (AssumeRoleWithWebIdentity), and takes the <Credentials> of the
 * answer. Returns 0 or -1 with e.
 */
static int
sts_call(struct creds_provider *p, const char *action,
    const char *const *params, const struct creds *base, struct creds *out,
    const char *source, struct err *e)
{
	struct http_client *c;
	struct http_req *req = NULL;
	struct http_resp resp;
	struct aws_error ae;
	struct sigv4_opts so;
	struct buf url = BUF_INIT, body = BUF_INIT;
	char *ep = NULL, *ak = NULL, *sk = NULL, *tok = NULL, *exp = NULL;
	const char *region = sts_region(p);
	time_t expires;
	size_t i;
	int rc = -1;

	memset(&resp, 0, sizeof(resp));
	if ((c = client(p, 0, e)) == NULL)
		return -1;
	if ((ep = aws_endpoint("sts", region, p->o.endpoint)) == NULL ||
	    buf_printf(&url, "%s/", ep) == -1 ||
	    buf_printf(&body, "Action=%s&Version=2011-06-15", action) == -1)
		goto nomem;
	for (i = 0; params[i] && params[i + 1]; i += 2)
		if (buf_printf(&body, "&%s=", params[i]) == -1 ||
		    http_uri_encode(&body, params[i + 1],
		    strlen(params[i + 1]), 0) == -1)
			goto nomem;
	if ((req = http_req_new("POST", buf_str(&url))) == NULL ||
	    http_req_header(req, "Content-Type",
	    "application/x-www-form-urlencoded; charset=utf-8") == -1)
		goto nomem;
	req->body = buf_detach(&body);
	req->body_len = strlen(req->body);
	req->body_owned = 1;
	if (base) {
		memset(&so, 0, sizeof(so));
		so.region = region;
		so.service = "sts";
		so.normalize_path = 1;
		if (sigv4_sign(req, base, &so, e) == -1)
			goto done;
	}
	if (send_retry(c, req, &resp, 3, e) == -1) {
		err_prefix(e, "%s", action);
		goto done;
	}
	log_debug("aws", "%s: HTTP %ld", action, resp.status);
	if (resp.status != 200) {
		aws_error_parse(&resp, &ae);
		aws_error_to_err(&ae, e, action);
		/* what STS refuses, a retry will not cure */
		e->code = ae.cls == AWS_ERR_RETRY ? EXIT_RUNTIME : EXIT_AUTH;
		aws_error_clear(&ae);
		goto done;
	}
	ak = aws_xml_text(buf_str(&resp.body), "AccessKeyId");
	sk = aws_xml_text(buf_str(&resp.body), "SecretAccessKey");
	tok = aws_xml_text(buf_str(&resp.body), "SessionToken");
	exp = aws_xml_text(buf_str(&resp.body), "Expiration");
	log_secret(sk);
	log_secret(tok);
	if (ak == NULL || sk == NULL || tok == NULL) {
		err_set(e, EXIT_RUNTIME, "%s: the answer has no credentials",
		    action);
		goto done;
	}
	if (parse_expiry(exp, &expires, action, e) == -1)
		goto done;
	if (creds_fill(out, ak, sk, tok, expires, "%s", source) == -1)
		goto nomem;
	rc = 0;
	goto done;
nomem:
	err_set(e, EXIT_RUNTIME, "%s: out of memory", action);
done:
	free(ep);
	free(ak);
	free_str(sk);
	free_str(tok);
	free(exp);
	buf_free(&url);
	buf_free(&body);
	http_req_free(req);
	http_resp_free(&resp);
	return rc;
}

/* A session name the SDKs would make: "botocore-session-TIME" there,
 * ours here. */
static const char *
session_name(const char *given, char *tmp, size_t len)
{
	int n;

	if (given && *given)
		return given;
	n = snprintf(tmp, len, "cloudwatchlogsbeat-%lld",
	    (long long)time(NULL));
	return n > 0 && (size_t)n < len ? tmp : "cloudwatchlogsbeat";
}

static int
assume_role(struct creds_provider *p, const struct creds *base,
    const char *arn, const char *session, const char *external_id,
    const char *duration, const char *source, struct creds *out,
    struct err *e)
{
	const char *params[9];
	char tmp[64];
	size_t n = 0;

	params[n++] = "RoleArn";
	params[n++] = arn;
	params[n++] = "RoleSessionName";
	params[n++] = session_name(session, tmp, sizeof(tmp));
	if (external_id && *external_id) {
		params[n++] = "ExternalId";
		params[n++] = external_id;
	}
	if (duration && *duration) {
		params[n++] = "DurationSeconds";
		params[n++] = duration;
	}
	params[n] = NULL;
	if (sts_call(p, "AssumeRole", params, base, out, source, e) == -1)
		return err_prefix(e, "assuming role %s with credentials from %s",
		    arn, base->source);
	return 0;
}

/* Reads a token file (a web identity token, a container authorization
 * token): its content without surrounding blanks, malloc'd. */
static char *
read_token(const char *path, const char *what, struct err *e)
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

static int
web_identity(struct creds_provider *p, const char *file, const char *arn,
    const char *session, const char *via, struct creds *out,
    struct err *e)
{
	const char *params[7];
	struct buf src = BUF_INIT;
	char tmp[64], *tok;
	int rc;

	if ((tok = read_token(file, "web identity token file", e)) == NULL)
		return -1;
	params[0] = "RoleArn";
	params[1] = arn;
	params[2] = "RoleSessionName";
	params[3] = session_name(session, tmp, sizeof(tmp));
	params[4] = "WebIdentityToken";
	params[5] = tok;
	params[6] = NULL;
	buf_printf(&src, "web identity (%s, role %s)", via, arn);
	rc = sts_call(p, "AssumeRoleWithWebIdentity", params, NULL, out,
	    buf_str(&src), e);
	if (rc == -1)
		err_prefix(e, "web identity token %s for role %s", file, arn);
	free_str(tok);
	buf_free(&src);
	return rc;
}

static int
src_web_identity(struct creds_provider *p, struct creds *out,
    struct buf *tried, struct err *e)
{
	const char *file = env("AWS_WEB_IDENTITY_TOKEN_FILE"),
	    *arn = env("AWS_ROLE_ARN");

	if (file == NULL || (p->o.profile && *p->o.profile)) {
		tried_add(tried, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)");
		return 0;
	}
	if (arn == NULL)
		return err_set(e, EXIT_AUTH, "AWS_WEB_IDENTITY_TOKEN_FILE is set "
		    "without AWS_ROLE_ARN");
	if (web_identity(p, file, arn, env("AWS_ROLE_SESSION_NAME"),
	    "AWS_WEB_IDENTITY_TOKEN_FILE", out, e) == -1)
		return -1;
	return 1;
}

/* "the SDK only allows HTTP for loopback addresses and the ECS and EKS
 * container hosts" (169.254.170.2, 169.254.170.23, fd00:ec2::23); HTTPS
 * goes anywhere. */
static int
container_url_ok(const char *url)
{
	static const char *const hosts[] = { "127.", "localhost", "[::1]",
	    "169.254.170.2", "169.254.170.23", "[fd00:ec2::23]", NULL };
	const char *h;
	size_t i, n;

	if (strncmp(url, "https://", 8) == 0)
		return 1;
	if (strncmp(url, "http://", 7) != 0)
		return 0;
	h = url + 7;
	n = strcspn(h, ":/?#");
	if (h[0] == '[')
		n = strcspn(h, "]") + 1;
	for (i = 0; hosts[i]; i++) {
		size_t m = strlen(hosts[i]);

		if (hosts[i][m - 1] == '.' ? strncmp(h, hosts[i], m) == 0 :
		    (n == m && strncmp(h, hosts[i], m) == 0))
			return 1;
	}
	return 0;
}

static int
src_container(struct creds_provider *p, struct creds *out,
    struct buf *tried, struct err *e)
{
	const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
	    *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
	    *tokfile = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	struct http_client *c;
	struct http_req *req = NULL;
	struct http_resp resp;
	struct buf url = BUF_INIT, src = BUF_INIT;
	json_object *o = NULL;
	char *auth = NULL;
	const char *why;
	int rc = -1;

	memset(&resp, 0, sizeof(resp));
	if (rel == NULL && full == NULL) {
		tried_add(tried, "container endpoint "
		    "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)");
		return 0;
	}
	if (rel)
		buf_printf(&url, "http://169.254.170.2%s%s", *rel == '/' ? "" :
		    "/", rel);
	else if (!container_url_ok(full))
		return err_set(e, EXIT_AUTH, "AWS_CONTAINER_CREDENTIALS_FULL_URI "
		    "%s: plain HTTP is allowed only to a loopback address or "
		    "the container credentials hosts", full);
	else
		buf_adds(&url, full);
	if (tokfile) {
		if ((auth = read_token(tokfile, "container authorization token "
		    "file", e)) == NULL)
			goto done;
	} else if (env("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
		auth = strdup(env("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
		log_secret(auth);
	}
	if ((c = client(p, 0, e)) == NULL)
		goto done;
	if ((req = http_req_new("GET", buf_str(&url))) == NULL ||
	    http_req_header(req, "Accept", "application/json") == -1 ||
	    (auth && http_req_header(req, "Authorization", auth) == -1)) {
		err_set(e, EXIT_RUNTIME, "credentials: out of memory");
		goto done;
	}
	if (send_retry(c, req, &resp, 3, e) == -1) {
		err_prefix(e, "container credentials");
		goto done;
	}
	if (resp.status != 200) {
		struct aws_error ae;

		aws_error_parse(&resp, &ae);
		err_set(e, EXIT_AUTH, "container credentials from %s: %s%s%s "
		    "(HTTP %ld)", buf_str(&url), ae.code, ae.message ? ": " : "",
		    ae.message ? ae.message : "", resp.status);
		aws_error_clear(&ae);
		goto done;
	}
	if ((o = jsonx_parse(resp.body.p, resp.body.len, &why)) == NULL) {
		err_set(e, EXIT_AUTH, "container credentials from %s: not JSON: "
		    "%s", buf_str(&url), why);
		goto done;
	}
	buf_printf(&src, "container endpoint (%s)", buf_str(&url));
	if (json_creds(o, "Token", out, "container credentials", e,
	    buf_str(&src)) == -1)
		goto done;
	rc = 1;
done:
	json_object_put(o);
	free_str(auth);
	buf_free(&url);
	buf_free(&src);
	http_req_free(req);
	http_resp_free(&resp);
	return rc;
}

/* One IMDS request. Returns 0 with *resp, -1 with e. */
static int
imds_send(struct http_client *c, const char *method, const char *ep,
    const char *path, const char *token, struct http_resp *resp,
    struct err *e)
{
	struct http_req *req;
	struct buf url = BUF_INIT;
	int rc;

	memset(resp, 0, sizeof(*resp));
	buf_printf(&url, "%s%s", ep, path);
	if ((req = http_req_new(method, buf_str(&url))) == NULL) {
		buf_free(&url);
		return err_set(e, EXIT_RUNTIME, "credentials: out of memory");
	}
	buf_free(&url);
	if (token == NULL)
		http_req_header(req, "X-aws-ec2-metadata-token-ttl-seconds",
		    IMDS_TOKEN_TTL_STR);
	else if (*token)
		http_req_header(req, "X-aws-ec2-metadata-token", token);
	rc = http_send(c, req, resp, e);
	http_req_free(req);
	return rc;
}

static int
is_true(const char *v)
{
	return v && strcasecmp(v, "true") == 0;
}

static void
imds_forget(struct creds_provider *p)
{
	free_str(p->imds_token);
	p->imds_token = NULL;
	p->imds_token_until = 0;
}

/*
 * The IMDSv2 session token: the one in hand while it lives, else a new
 * one for IMDS_TOKEN_TTL seconds, or for what the answer's
 * X-aws-ec2-metadata-token-ttl-seconds grants when that is less. Returns
 * 1 with *tok (malloc'd; "" when the service only speaks IMDSv1) and
 * *reused, 0 when nobody answers (tried says why), -1 with e.
 */
static int
imds_session(struct creds_provider *p, struct http_client *c, const char *ep,
    char **tok, int *reused, struct buf *tried, struct err *e)
{
	struct http_resp resp;
	struct err e2 = ERR_INIT;
	time_t now = time(NULL);
	const char *h;
	char *end;
	long ttl = IMDS_TOKEN_TTL, granted;

	*tok = NULL;
	*reused = 0;
	if (p->imds_token && now < p->imds_token_until) {
		*reused = 1;
		if ((*tok = strdup(p->imds_token)) == NULL)
			return err_set(e, EXIT_RUNTIME, "credentials: out of "
			    "memory");
		return 1;
	}
	imds_forget(p);
	if (imds_send(c, "PUT", ep, "/latest/api/token", NULL, &resp,
	    &e2) == -1) {
		/* not on EC2, or no route to it: the chain ends here */
		tried_add(tried, "EC2 instance metadata (%s)", err_msg(&e2));
		err_clear(&e2);
		http_resp_free(&resp);
		return 0;
	}
	if (resp.status == 200) {
		*tok = strndup(buf_str(&resp.body), strcspn(buf_str(&resp.body),
		    "\r\n"));
		log_secret(*tok);
		if ((h = http_resp_header(&resp,
		    "X-aws-ec2-metadata-token-ttl-seconds")) != NULL) {
			granted = strtol(h, &end, 10);
			if (end != h && granted > 0 && granted < ttl)
				ttl = granted;
		}
		if (*tok && **tok && (p->imds_token = strdup(*tok)) != NULL)
			/* renewed a minute before it runs out (a tenth of
			 * its life when that is shorter) */
			p->imds_token_until = now + ttl - (ttl >= 600 ? 60 :
			    ttl / 10);
		log_debug("aws", "EC2 instance metadata: a session token for "
		    "%ld s", ttl);
	} else if ((resp.status == 403 || resp.status == 404 ||
	    resp.status == 405) && !is_true(env("AWS_EC2_METADATA_V1_DISABLED"))) {
		*tok = strdup("");
	} else {
		tried_add(tried, "EC2 instance metadata (%s: token: HTTP %ld)", ep,
		    resp.status);
		http_resp_free(&resp);
		return 0;
	}
	http_resp_free(&resp);
	if (*tok == NULL)
		return err_set(e, EXIT_RUNTIME, "credentials: out of memory");
	return 1;
}

/*
 * EC2 instance metadata, IMDSv2: PUT /latest/api/token for a session
 * token, then GET .../iam/security-credentials/ for the role name and
 * .../ROLE for the keys. When the token PUT is refused (403, 404, 405: an
 * old or proxied metadata service) the GETs go without a token (IMDSv1),
 * unless AWS_EC2_METADATA_V1_DISABLED says not to.
 */
static int
src_imds(struct creds_provider *p, struct creds *out, struct buf *tried,
    struct err *e)
{
	static const char creds_path[] = "/latest/meta-data/iam/security-credentials/";
	struct http_client *c;
	struct http_resp resp;
	struct buf path = BUF_INIT, src = BUF_INIT;
	struct err e2 = ERR_INIT;
	json_object *o = NULL;
	char *ep = NULL, *token = NULL, *role = NULL;
	const char *v, *why, *code;
	int rc = -1, r, reused;

	memset(&resp, 0, sizeof(resp));
	if (is_true(env("AWS_EC2_METADATA_DISABLED"))) {
		tried_add(tried, "EC2 instance metadata (disabled by "
		    "AWS_EC2_METADATA_DISABLED)");
		return 0;
	}
	if ((v = env("AWS_EC2_METADATA_SERVICE_ENDPOINT")) != NULL)
		ep = strdup(v);
	else if ((v = env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")) &&
	    strcasecmp(v, "IPv6") == 0)
		ep = strdup("http://[fd00:ec2::254]");
	else
		ep = strdup("http://169.254.169.254");
	if (ep == NULL)
		return err_set(e, EXIT_RUNTIME, "credentials: out of memory");
	while (*ep && ep[strlen(ep) - 1] == '/')
		ep[strlen(ep) - 1] = '\0';
	if ((c = client(p, 1, e)) == NULL)
		goto done;
again:
	if ((r = imds_session(p, c, ep, &token, &reused, tried, e)) != 1) {
		rc = r;
		goto done;
	}
	if (imds_send(c, "GET", ep, creds_path, token, &resp, &e2) == 0 &&
	    resp.status == 401 && reused) {
		/* the token in hand is refused (the service restarted, or
		 * the token ran out early): a new one, once */
		imds_forget(p);
		free_str(token);
		token = NULL;
		http_resp_free(&resp);
		goto again;
	}
	if (resp.status != 200) {
		if (resp.status == 404)
			tried_add(tried, "EC2 instance metadata (%s: no instance "
			    "role)", ep);
		else if (resp.status)
			tried_add(tried, "EC2 instance metadata (%s: role: HTTP "
			    "%ld)", ep, resp.status);
		else
			tried_add(tried, "EC2 instance metadata (%s)", err_msg(&e2));
		rc = 0;
		goto done;
	}
	role = strndup(buf_str(&resp.body), strcspn(buf_str(&resp.body), "\r\n"));
	http_resp_free(&resp);
	if (role == NULL || *role == '\0') {
		tried_add(tried, "EC2 instance metadata (%s: no instance role)", ep);
		rc = 0;
		goto done;
	}
	buf_printf(&path, "%s%s", creds_path, role);
	if (imds_send(c, "GET", ep, buf_str(&path), token, &resp, e) == -1) {
		err_prefix(e, "EC2 instance metadata");
		goto done;
	}
	if (resp.status != 200) {
		err_set(e, EXIT_AUTH, "EC2 instance metadata %s%s: HTTP %ld", ep,
		    buf_str(&path), resp.status);
		goto done;
	}
	if ((o = jsonx_parse(resp.body.p, resp.body.len, &why)) == NULL) {
		err_set(e, EXIT_AUTH, "EC2 instance metadata %s%s: not JSON: %s",
		    ep, buf_str(&path), why);
		goto done;
	}
	if ((code = jsonx_get_str(o, "Code", "Success")) != NULL &&
	    strcmp(code, "Success") != 0) {
		err_set(e, EXIT_AUTH, "EC2 instance metadata: role %s: %s", role,
		    code);
		goto done;
	}
	buf_printf(&src, "EC2 instance metadata (role %s)", role);
	if (json_creds(o, "Token", out, "EC2 instance metadata", e,
	    buf_str(&src)) == -1)
		goto done;
	rc = 1;
done:
	json_object_put(o);
	free(ep);
	free_str(token);
	free(role);
	buf_free(&path);
	buf_free(&src);
	http_resp_free(&resp);
	err_clear(&e2);
	return rc;
}

/*
 * credential_process: "the SDK runs the command and reads JSON from its
 * standard output" ({"Version": 1, "AccessKeyId", "SecretAccessKey",
 * "SessionToken", "Expiration"}). Its standard error is kept for the
 * message when it fails.
 */
static int
run_process(const char *cmd, struct buf *out, struct buf *errout,
    int *status, struct err *e)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, st, open_fds;
	struct pollfd fds[2];
	char chunk[4096];
	ssize_t n;
	pid_t pid;
	size_t i;

	if (pipe(po) == -1 || pipe(pe) == -1) {
		err_set(e, EXIT_RUNTIME, "credential_process: pipe: %s",
		    strerror(errno));
		goto fail;
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		err_set(e, EXIT_RUNTIME, "credential_process: fork: %s",
		    strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull != -1)
			dup2(devnull, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		close(po[1]);
		close(pe[1]);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	fds[0].fd = po[0];
	fds[1].fd = pe[0];
	fds[0].events = fds[1].events = POLLIN;
	for (open_fds = 2; open_fds > 0; ) {
		if (poll(fds, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP |
			    POLLERR)))
				continue;
			n = read(fds[i].fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
				continue;
			}
			if ((i == 0 ? out : errout)->len < PROCESS_MAX_OUTPUT)
				buf_add(i == 0 ? out : errout, chunk, (size_t)n);
		}
	}
	for (i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR) {
			st = 0xff00;
			break;
		}
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ?
	    WTERMSIG(st) : 0);
	return 0;
fail:
	for (i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	return -1;
}

static int
process_creds(const char *profile, const char *cmd, struct creds *out,
    struct err *e)
{
	struct buf so = BUF_INIT, se = BUF_INIT, what = BUF_INIT,
	    src = BUF_INIT;
	json_object *o = NULL;
	const char *why;
	char *line, *clean;
	int status, rc = -1;

	buf_printf(&what, "credential_process of profile %s", profile);
	if (run_process(cmd, &so, &se, &status, e) == -1)
		goto done;
	if (status != 0) {
		line = strndup(buf_str(&se), strcspn(buf_str(&se), "\n"));
		clean = log_redact(line ? line : "");
		err_set(e, EXIT_AUTH, "%s: exited with %d%s%s", buf_str(&what),
		    status, clean && *clean ? ": " : "", clean ? clean : "");
		free(line);
		free(clean);
		goto done;
	}
	if ((o = jsonx_parse(so.p ? so.p : "", so.len, &why)) == NULL ||
	    !json_object_is_type(o, json_type_object)) {
		err_set(e, EXIT_AUTH, "%s: the output is not a JSON object%s%s",
		    buf_str(&what), o ? "" : ": ", o ? "" : why);
		goto done;
	}
	if (jsonx_get_int(o, "Version", 0) != 1) {
		err_set(e, EXIT_AUTH, "%s: Version must be 1", buf_str(&what));
		goto done;
	}
	buf_printf(&src, "profile %s (credential_process)", profile);
	if (json_creds(o, "SessionToken", out, buf_str(&what), e,
	    buf_str(&src)) == -1)
		goto done;
	rc = 0;
done:
	json_object_put(o);
	if (so.p)
		memset(so.p, 0, so.len);
	buf_free(&so);
	buf_free(&se);
	buf_free(&what);
	buf_free(&src);
	return rc;
}

/* A profile as the two files give it: the credentials file wins, key by
 * key. */
struct pfile {
	struct profile cf, cc;
	char *cpath, *gpath;
	int rcf, rcc;
};

static void
pfile_clear(struct pfile *f)
{
	profile_clear(&f->cf);
	profile_clear(&f->cc);
	free(f->cpath);
	free(f->gpath);
	memset(f, 0, sizeof(*f));
}

static int
pfile_load(struct creds_provider *p, const char *name, struct pfile *f,
    struct err *e)
{
	memset(f, 0, sizeof(*f));
	if ((f->cpath = credentials_path(&p->o)) == NULL ||
	    (f->gpath = config_path()) == NULL)
		return err_set(e, EXIT_RUNTIME, "credentials: out of memory");
	if ((f->rcf = ini_read(f->cpath, 0, name, &f->cf, e)) == -1 ||
	    (f->rcc = ini_read(f->gpath, 1, name, &f->cc, e)) == -1)
		return -1;
	if (f->rcf == 1)
		check_mode(p, f->cpath);
	return 0;
}

static const char *
prop(const struct pfile *f, const char *k)
{
	const char *v = profile_get(&f->cf, k);

	if (v == NULL)
		v = profile_get(&f->cc, k);
	return v && *v ? v : NULL;
}

/* The profile's own keys. Returns 1 with *out, 0 if it has none, -1. */
static int
static_keys(const char *name, const struct pfile *f, struct creds *out,
    struct err *e)
{
	const char *ak = prop(f, "aws_access_key_id"),
	    *sk = prop(f, "aws_secret_access_key"),
	    *tok = prop(f, "aws_session_token");

	if (tok == NULL)
		tok = prop(f, "aws_security_token");
	log_secret(sk);
	log_secret(tok);
	if (ak && sk) {
		if (creds_fill(out, ak, sk, tok, 0, "profile %s (%s)", name,
		    profile_get(&f->cf, "aws_access_key_id") ? f->cpath :
		    f->gpath) == -1)
			return err_set(e, EXIT_RUNTIME, "credentials: out of "
			    "memory");
		return 1;
	}
	if (ak || sk)
		return err_set(e, EXIT_AUTH, "AWS profile %s (%s, %s): %s is set "
		    "without %s", name, f->cpath, f->gpath, ak ?
		    "aws_access_key_id" : "aws_secret_access_key", ak ?
		    "aws_secret_access_key" : "aws_access_key_id");
	return 0;
}

/* How many source_profile hops a role may take ("A -> B -> C"). */
#define MAX_HOPS 5

static int profile_creds(struct creds_provider *, const char *, int, int,
    struct creds *, struct buf *, struct err *);

/* role_arn in a profile: the credentials to assume it with come from
 * source_profile, credential_source or web_identity_token_file. */
static int
profile_role(struct creds_provider *p, const char *name, const struct pfile *f,
    int hops, struct creds *out, struct err *e)
{
	const char *arn = prop(f, "role_arn"), *sp = prop(f, "source_profile"),
	    *cs = prop(f, "credential_source"),
	    *wif = prop(f, "web_identity_token_file"),
	    *session = prop(f, "role_session_name");
	struct creds base;
	struct buf via = BUF_INIT, src = BUF_INIT, none = BUF_INIT;
	int r, rc = -1;

	memset(&base, 0, sizeof(base));
	if (prop(f, "mfa_serial"))
		return err_set(e, EXIT_AUTH, "AWS profile %s: role %s needs an "
		    "MFA code (mfa_serial), which nobody is there to type",
		    name, arn);
	if (sp && cs)
		return err_set(e, EXIT_AUTH, "AWS profile %s: source_profile "
		    "and credential_source are both set", name);
	if (sp) {
		if (strcmp(sp, name) == 0)
			r = static_keys(name, f, &base, e);
		else if (hops >= MAX_HOPS)
			return err_set(e, EXIT_AUTH, "AWS profile %s: more than "
			    "%d source_profile hops (a loop?)", name, MAX_HOPS);
		else
			r = profile_creds(p, sp, hops + 1, 1, &base, &none, e);
		if (r == 0)
			err_set(e, EXIT_AUTH, "AWS profile %s: source_profile %s "
			    "has no credentials", name, sp);
		if (r != 1)
			goto done;
		buf_printf(&via, "profile %s", sp);
	} else if (cs) {
		if (strcmp(cs, "Environment") == 0)
			r = env_keys(p, &base, &none, e);
		else if (strcmp(cs, "Ec2InstanceMetadata") == 0)
			r = src_imds(p, &base, &none, e);
		else if (strcmp(cs, "EcsContainer") == 0)
			r = src_container(p, &base, &none, e);
		else {
			err_set(e, EXIT_AUTH, "AWS profile %s: credential_source "
			    "%s: expected Environment, Ec2InstanceMetadata or "
			    "EcsContainer", name, cs);
			goto done;
		}
		if (r == 0)
			err_set(e, EXIT_AUTH, "AWS profile %s: credential_source "
			    "%s has no credentials: tried %s", name, cs,
			    buf_str(&none));
		if (r != 1)
			goto done;
		buf_printf(&via, "%s", cs);
	} else if (wif) {
		buf_printf(&via, "profile %s", name);
		rc = web_identity(p, wif, arn, session, buf_str(&via), out, e) ==
		    -1 ? -1 : 1;
		goto done;
	} else {
		err_set(e, EXIT_AUTH, "AWS profile %s: role_arn needs "
		    "source_profile, credential_source or "
		    "web_identity_token_file", name);
		goto done;
	}
	buf_printf(&src, "profile %s (role %s via %s)", name, arn,
	    buf_str(&via));
	if (assume_role(p, &base, arn, session, prop(f, "external_id"),
	    prop(f, "duration_seconds"), buf_str(&src), out, e) == 0)
		rc = 1;
done:
	creds_clear(&base);
	buf_free(&via);
	buf_free(&src);
	buf_free(&none);
	return rc;
}

/*
 * The credentials of a profile, in the order of the SDKs: role_arn,
 * then the profile's keys, then credential_process. Returns 1 with *out,
 * 0 when the profile has none (and says so in tried), -1 with e.
 */
static int
profile_creds(struct creds_provider *p, const char *name, int hops,
    int named, struct creds *out, struct buf *tried, struct err *e)
{
	struct pfile f;
	const char *cmd;
	int rc = -1;

	if (pfile_load(p, name, &f, e) == -1)
		goto done;
	if (!f.cf.found && !f.cc.found) {
		if (named) {
			err_set(e, EXIT_AUTH, "AWS profile %s not found in "
			    "shared credentials file %s%s or config file %s%s",
			    name, f.cpath, f.rcf ? "" : " (absent)", f.gpath,
			    f.rcc ? "" : " (absent)");
			goto done;
		}
		tried_add(tried, "shared credentials file %s (profile %s), "
		    "config file %s", f.cpath, name, f.gpath);
		rc = 0;
		goto done;
	}
	if (prop(&f, "role_arn")) {
		rc = profile_role(p, name, &f, hops, out, e);
		goto done;
	}
	if ((rc = static_keys(name, &f, out, e)) != 0)
		goto done;
	if ((cmd = prop(&f, "credential_process")) != NULL) {
		rc = process_creds(name, cmd, out, e) == -1 ? -1 : 1;
		goto done;
	}
	tried_add(tried, "shared credentials file %s (profile %s, no keys), "
	    "config file %s", f.cpath, name, f.gpath);
	rc = 0;
done:
	pfile_clear(&f);
	return rc;
}

static int
src_profile(struct creds_provider *p, struct creds *out, struct buf *tried,
    struct err *e)
{
	int named;
	const char *name = profile_name(&p->o, &named);

	return profile_creds(p, name, 0, named, out, tried, e);
}

static const struct source chain[] = {
	{ src_config },
	{ src_env },
	{ src_web_identity },
	{ src_profile },
	{ src_container },
	{ src_imds },
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
	free_str(p->imds_token);
	free_str(p->o.access_key_id);
	free_str(p->o.secret_access_key);
	free_str(p->o.session_token);
	free_str(p->o.profile);
	free_str(p->o.shared_credential_file);
	free_str(p->o.role_arn);
	free_str(p->o.region);
	free_str(p->o.endpoint);
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
			if (assume_role(p, &base, p->o.role_arn, NULL, NULL, NULL,
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
	struct profile cc;
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
	if ((r = env("AWS_REGION")) != NULL)
		return region_ok(r, "AWS_REGION", e);
	if ((r = env("AWS_DEFAULT_REGION")) != NULL)
		return region_ok(r, "AWS_DEFAULT_REGION", e);
	name = profile_name(o, &named);
	if ((gpath = config_path()) == NULL) {
		err_set(e, EXIT_RUNTIME, "region: out of memory");
		return NULL;
	}
	if ((rc = ini_read(gpath, 1, name, &cc, e)) == -1) {
		free(gpath);
		return NULL;
	}
	if ((r = profile_get(&cc, "region")) != NULL && *r) {
		buf_printf(&from, "profile %s of %s", name, gpath);
		out = region_ok(r, buf_str(&from), e);
		buf_free(&from);
	} else
		err_set(e, EXIT_USAGE, "no AWS region: set "
		    "cloudwatchlogsbeat.aws_region, AWS_REGION or "
		    "AWS_DEFAULT_REGION, or region in profile %s of %s%s",
		    name, gpath, rc == 0 ? " (absent)" : "");
	profile_clear(&cc);
	free(gpath);
	return out;
}

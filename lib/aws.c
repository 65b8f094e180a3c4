/*
 * Calling AWS: endpoints, the JSON protocols, S3 REST, retries, and the
 * errors services answer with.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "aws.h"
#include "buf.h"
#include "cli.h"
#include "jsonx.h"
#include "log.h"
#include "sigv4.h"

/* The largest answers read. A JSON-protocol answer holds at most 1 MB
 * of events or items ("up to 1 MB (up to 10,000 log events)", the
 * GetLogEvents reference; DynamoDB pages stop at 1 MB), a few MB once
 * escaped as JSON; S3 objects are checkpoint files. Past these, an answer
 * is refused before it is held. */
#define AWS_JSON_MAX_RESPONSE	((size_t)16 << 20)
#define AWS_MAX_RESPONSE	((size_t)64 << 20)

struct aws {
	char *region;
	char *endpoint;		/* the config's, or NULL */
	struct creds_provider *creds;
	struct http_client *http;
	struct retry_policy retry;
	/* the URL of the last service aws_json_request called: the same
	 * for each of its requests, as the environment is read once */
	char json_service[32];
	char *json_url;
	struct {
		char op[64];
		uint64_t requests, throttles, retries;
	} counts[AWS_MAX_OPS];
	size_t ncounts;
};

/* The SDK service ids of the services we call, for
 * AWS_ENDPOINT_URL_<ID>: the id upper-cased, spaces as underscores. */
static const struct {
	const char *service;	/* endpoint prefix and signing name */
	const char *env;
} services[] = {
	{ "logs", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS" },
	{ "kinesis", "AWS_ENDPOINT_URL_KINESIS" },
	{ "s3", "AWS_ENDPOINT_URL_S3" },
	{ "dynamodb", "AWS_ENDPOINT_URL_DYNAMODB" },
	{ "sts", "AWS_ENDPOINT_URL_STS" },
};

static const char *const throttling[] = {
	"ThrottlingException", "Throttling", "ThrottledException",
	"RequestLimitExceeded", "TooManyRequestsException",
	"ProvisionedThroughputExceededException", "RequestThrottled",
	"RequestThrottledException", "SlowDown", "EC2ThrottledException",
	"LimitExceededException", "BandwidthLimitExceeded",
	"TransactionInProgressException", NULL
};

/* botocore's transient errors: retried as throttling is, but no sign of
 * a rate too high */
static const char *const transient[] = {
	"RequestTimeout", "RequestTimeoutException",
	"PriorRequestNotComplete", "IDPCommunicationError",
	"InternalError", "InternalFailure", "ServiceUnavailable",
	"ServiceUnavailableException", NULL
};

static const char *const auth_codes[] = {
	"UnrecognizedClientException", "InvalidSignatureException",
	"SignatureDoesNotMatch", "InvalidClientTokenId", "AccessDenied",
	"AccessDeniedException", "ExpiredToken", "ExpiredTokenException",
	"InvalidAccessKeyId", "IncompleteSignature",
	"MissingAuthenticationToken", "InvalidToken", "AuthFailure",
	"UnauthorizedOperation", NULL
};

/* Codes that mean the credentials have run out: resolve them again. */
static const char *const expired_codes[] = {
	"ExpiredToken", "ExpiredTokenException", "InvalidToken", NULL
};

static int
in_list(const char *const *l, const char *s)
{
	if (s == NULL)
		return 0;
	for (; *l; l++)
		if (strcmp(*l, s) == 0)
			return 1;
	return 0;
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static char *
strip_slash(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		n--;
	return strndup(s, n);
}

/* The endpoint, and whether it was given rather than derived. */
static char *
endpoint(const char *service, const char *region, const char *cfg,
    int *override)
{
	struct buf b = BUF_INIT, name = BUF_INIT;
	const char *v, *suffix;
	size_t i;
	char *out;

	*override = 1;
	if (cfg && *cfg && strstr(cfg, "://"))
		return strip_slash(cfg);
	v = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	if (v == NULL || strcasecmp(v, "true") != 0) {
		for (i = 0; i < sizeof(services) / sizeof(services[0]); i++)
			if (strcmp(services[i].service, service) == 0)
				break;
		if (i < sizeof(services) / sizeof(services[0]))
			buf_adds(&name, services[i].env);
		else {
			/* another service: its id upper-cased */
			buf_adds(&name, "AWS_ENDPOINT_URL_");
			for (i = 0; service[i]; i++)
				buf_addc(&name, service[i] == '-' ||
				    service[i] == ' ' ? '_' :
				    (char)toupper((unsigned char)service[i]));
		}
		v = env(buf_str(&name));
		buf_free(&name);
		if (v == NULL)
			v = env("AWS_ENDPOINT_URL");
		if (v)
			return strip_slash(v);
	}
	*override = 0;
	/* a config endpoint without a scheme is a domain, as in libbeat:
	 * https://SERVICE.REGION.DOMAIN */
	if (cfg && *cfg)
		suffix = cfg;
	else if (region && strncmp(region, "cn-", 3) == 0)
		suffix = "amazonaws.com.cn";
	else
		suffix = "amazonaws.com";
	while (*suffix == '.')
		suffix++;
	if (buf_printf(&b, "https://%s.%s.%s", service, region ? region : "",
	    suffix) == -1) {
		buf_free(&b);
		return NULL;
	}
	out = strip_slash(buf_str(&b));
	buf_free(&b);
	return out;
}

char *
aws_endpoint(const char *service, const char *region,
    const char *config_endpoint)
{
	int override;

	return endpoint(service, region, config_endpoint, &override);
}

struct aws *
aws_new(const struct aws_opts *o, struct err *e)
{
	struct aws *a;
	struct aws_opts none;
	struct creds_opts co;
	struct http_opts ho;

	if (o == NULL) {
		memset(&none, 0, sizeof(none));
		o = &none;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		err_set(e, EXIT_RUNTIME, "out of memory");
		return NULL;
	}
	if ((a->region = creds_region(&o->creds, e)) == NULL)
		goto fail;
	if (o->endpoint && *o->endpoint &&
	    (a->endpoint = strdup(o->endpoint)) == NULL) {
		err_set(e, EXIT_RUNTIME, "out of memory");
		goto fail;
	}
	co = o->creds;
	if (co.endpoint == NULL)
		co.endpoint = o->endpoint;
	ho = o->http;
	if (ho.max_response_bytes == 0)
		ho.max_response_bytes = AWS_MAX_RESPONSE;
	/* the SDKs' AWS_CA_BUNDLE: "the path to a custom certificate
	 * bundle to use when establishing SSL/TLS connections" */
	if (ho.ca_file == NULL && env("AWS_CA_BUNDLE")) {
		ho.ca_file = env("AWS_CA_BUNDLE");
		if (access(ho.ca_file, R_OK) == -1) {
			err_set(e, EXIT_USAGE, "AWS_CA_BUNDLE %s: %s",
			    ho.ca_file, strerror(errno));
			goto fail;
		}
	}
	if ((a->creds = creds_provider_new(&co, e)) == NULL ||
	    (a->http = http_client_new(&ho, e)) == NULL)
		goto fail;
	a->retry = o->retry;
	return a;
fail:
	aws_free(a);
	return NULL;
}

void
aws_free(struct aws *a)
{
	if (a == NULL)
		return;
	free(a->region);
	free(a->endpoint);
	free(a->json_url);
	creds_provider_free(a->creds);
	http_client_free(a->http);
	free(a);
}

const char *
aws_region(const struct aws *a)
{
	return a->region;
}

struct http_client *
aws_http(struct aws *a)
{
	return a->http;
}

struct creds_provider *
aws_creds(struct aws *a)
{
	return a->creds;
}

enum aws_errclass
aws_classify(long status, const char *code)
{
	if (status >= 200 && status < 300)
		return AWS_ERR_NONE;
	if (status == 0)
		return AWS_ERR_RETRY;
	if (in_list(throttling, code) || in_list(transient, code))
		return AWS_ERR_RETRY;
	if (in_list(auth_codes, code))
		return AWS_ERR_AUTH;
	if (status == 401 || status == 403)
		return AWS_ERR_AUTH;
	if (status >= 500 || status == 429 || status == 408)
		return AWS_ERR_RETRY;
	return AWS_ERR_OTHER;
}

/* "aws.protocoltests#FooError:http://internal.amazon.com/..." is FooError:
 * after the last '#', before the first ':'. */
static char *
sanitize_code(const char *s)
{
	const char *h = strrchr(s, '#');

	if (h)
		s = h + 1;
	while (isspace((unsigned char)*s))
		s++;
	return strndup(s, strcspn(s, ": \t\r\n"));
}

char *
aws_xml_text(const char *body, const char *tag)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
	    { "&quot;", '"' }, { "&apos;", '\'' } };
	struct buf open = BUF_INIT, close = BUF_INIT, out = BUF_INIT;
	const char *p, *q;
	size_t i;

	buf_printf(&open, "<%s>", tag);
	buf_printf(&close, "</%s>", tag);
	p = strstr(body, buf_str(&open));
	q = p ? strstr(p, buf_str(&close)) : NULL;
	if (p == NULL || q == NULL) {
		buf_free(&open);
		buf_free(&close);
		return NULL;
	}
	for (p += open.len; p < q; p++) {
		if (*p == '&') {
			for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
				if (strncmp(p, ents[i].ent, strlen(ents[i].ent)) == 0)
					break;
			if (i < sizeof(ents) / sizeof(ents[0])) {
				buf_addc(&out, ents[i].c);
				p += strlen(ents[i].ent) - 1;
				continue;
			}
		}
		buf_addc(&out, *p);
	}
	buf_free(&open);
	buf_free(&close);
	return buf_detach(&out);
}

/* A short reason from a body that is neither JSON nor an AWS error in
 * XML (a proxy's HTML page): its <title>, else its first line. */
static char *
body_reason(const char *body)
{
	char *t = aws_xml_text(body, "title");
	const char *p;
	size_t n;

	if (t && *t)
		return t;
	free(t);
	for (p = body; isspace((unsigned char)*p); p++)
		;
	n = strcspn(p, "\r\n");
	if (n == 0)
		return NULL;
	if (n > 160)
		n = 160;
	return strndup(p, n);
}

void
aws_error_parse(const struct http_resp *r, struct aws_error *ae)
{
	const char *body = buf_str(&r->body), *h, *s;
	json_object *o = NULL;
	const char *why;
	struct buf b = BUF_INIT;

	memset(ae, 0, sizeof(*ae));
	ae->status = r->status;
	if (r->status == 0) {
		ae->code = strdup("NetworkError");
		ae->message = r->neterr_msg ? strdup(r->neterr_msg) : NULL;
		ae->cls = AWS_ERR_RETRY;
		return;
	}
	for (s = body; isspace((unsigned char)*s); s++)
		;
	/* "x-amzn-ErrorType", if present, wins over the body's "code" and
	 * "__type" (Smithy's awsJson and restJson error rules) */
	if ((h = http_resp_header(r, "x-amzn-ErrorType")) != NULL && *h)
		ae->code = sanitize_code(h);
	if (*s == '{' && (o = jsonx_parse(body, r->body.len, &why)) != NULL) {
		const char *c = jsonx_get_str(o, "code", NULL), *m;

		if (c == NULL)
			c = jsonx_get_str(o, "Code", NULL);
		if (c == NULL)
			c = jsonx_get_str(o, "__type", NULL);
		if (ae->code == NULL && c && *c)
			ae->code = sanitize_code(c);
		m = jsonx_get_str(o, "message", NULL);
		if (m == NULL)
			m = jsonx_get_str(o, "Message", NULL);
		if (m == NULL)
			m = jsonx_get_str(o, "errorMessage", NULL);
		if (m && *m)
			ae->message = strdup(m);
		json_object_put(o);
	} else if (*s == '<' && (strstr(s, "<Error>") ||
	    strstr(s, "<ErrorResponse"))) {
		/* S3: <Error><Code>; query protocols (STS):
		 * <ErrorResponse><Error><Code> */
		char *c = aws_xml_text(s, "Code");

		if (ae->code == NULL && c && *c)
			ae->code = c;
		else
			free(c);
		ae->message = aws_xml_text(s, "Message");
	} else if (*s)
		ae->message = body_reason(s);
	if (ae->code == NULL || *ae->code == '\0') {
		free(ae->code);
		buf_printf(&b, "HTTP%ld", r->status);
		ae->code = buf_detach(&b);
	}
	if (ae->message && *ae->message == '\0') {
		free(ae->message);
		ae->message = NULL;
	}
	ae->cls = aws_classify(r->status, ae->code);
}

void
aws_error_clear(struct aws_error *ae)
{
	if (ae == NULL)
		return;
	free(ae->code);
	free(ae->message);
	memset(ae, 0, sizeof(*ae));
}

int
aws_error_to_err(const struct aws_error *ae, struct err *e, const char *what)
{
	struct buf b = BUF_INIT;
	char *clean;
	int code = ae->cls == AWS_ERR_AUTH ? EXIT_AUTH : EXIT_RUNTIME;

	if (what && *what)
		buf_printf(&b, "%s: ", what);
	buf_adds(&b, ae->code ? ae->code : "unknown error");
	if (ae->message)
		buf_printf(&b, ": %s", ae->message);
	if (ae->status)
		buf_printf(&b, " (HTTP %ld)", ae->status);
	/* a service may echo what it was sent (SignatureDoesNotMatch gives
	 * the canonical request): never let a token through */
	clean = log_redact(buf_str(&b));
	err_set(e, code, "%s", clean ? clean : buf_str(&b));
	free(clean);
	buf_free(&b);
	return -1;
}

/* The operation name of a target: "Logs_20140328.GetLogEvents" is
 * "GetLogEvents". */
static const char *
op_name(const char *target)
{
	const char *d = strrchr(target, '.');

	return d ? d + 1 : target;
}

/* Counts an answer to op in a->counts: ae is its error, NULL for a success. */
static void
count(struct aws *a, const char *op, const struct aws_error *ae)
{
	size_t i;

	for (i = 0; i < a->ncounts && strcmp(a->counts[i].op, op) != 0; i++)
		;
	if (i == a->ncounts) {
		if (i == AWS_MAX_OPS || strlen(op) >= sizeof(a->counts[i].op))
			return;
		strcpy(a->counts[i].op, op);
		a->ncounts++;
	}
	a->counts[i].requests++;
	if (ae == NULL || ae->cls != AWS_ERR_RETRY)
		return;
	if (ae->status == 429 || in_list(throttling, ae->code))
		a->counts[i].throttles++;
	else
		a->counts[i].retries++;
}

int
aws_counts(const struct aws *a, size_t i, struct aws_count *c)
{
	if (i >= a->ncounts)
		return -1;
	c->op = a->counts[i].op;
	c->requests = a->counts[i].requests;
	c->throttles = a->counts[i].throttles;
	c->retries = a->counts[i].retries;
	return 0;
}

static const char *
request_id(const struct http_resp *r)
{
	const char *id = http_resp_header(r, "x-amzn-RequestId");

	if (id == NULL)
		id = http_resp_header(r, "x-amz-request-id");
	return id ? id : "-";
}

static int
sign(struct aws *a, struct http_req *req, const char *service, int s3,
    struct err *e)
{
	const struct creds *c;
	struct sigv4_opts so;

	if ((c = creds_get(a->creds, e)) == NULL)
		return -1;
	memset(&so, 0, sizeof(so));
	so.region = a->region;
	so.service = service;
	so.normalize_path = !s3;
	so.content_sha256_header = s3;
	return sigv4_sign(req, c, &so, e);
}

struct http_req *
aws_json_request(struct aws *a, const char *service, const char *target,
    const char *json_version, const char *body, struct err *e)
{
	struct http_req *req = NULL;
	struct buf b = BUF_INIT;
	char *ep = NULL;

	if (a->json_url == NULL || strcmp(a->json_service, service) != 0) {
		free(a->json_url);
		a->json_url = NULL;
		if ((ep = aws_endpoint(service, a->region, a->endpoint)) ==
		    NULL || buf_adds(&b, ep) == -1 || buf_addc(&b, '/') == -1)
			goto nomem;
		free(ep);
		ep = NULL;
		if (strlen(service) < sizeof(a->json_service)) {
			strcpy(a->json_service, service);
			a->json_url = buf_detach(&b);
		}
	}
	if ((req = http_req_new("POST", a->json_url ? a->json_url :
	    buf_str(&b))) == NULL)
		goto nomem;
	buf_reset(&b);
	if (buf_adds(&b, "application/x-amz-json-") == -1 ||
	    buf_adds(&b, json_version) == -1 ||
	    http_req_header(req, "Content-Type", buf_str(&b)) == -1 ||
	    http_req_header(req, "X-Amz-Target", target) == -1 ||
	    (req->body = strdup(body ? body : "{}")) == NULL)
		goto nomem;
	req->body_owned = 1;
	req->body_len = strlen(req->body);
	req->max_response_bytes = AWS_JSON_MAX_RESPONSE;
	buf_free(&b);
	if (sign(a, req, service, 0, e) == -1) {
		http_req_free(req);
		return NULL;
	}
	return req;
nomem:
	free(ep);
	buf_free(&b);
	http_req_free(req);
	err_set(e, EXIT_RUNTIME, "%s: out of memory", op_name(target));
	return NULL;
}

int
aws_json_response(const struct http_resp *r, json_object **out,
    struct aws_error *ae)
{
	const char *why = NULL;
	const char *s = buf_str(&r->body);

	*out = NULL;
	if (r->status >= 200 && r->status < 300) {
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			*out = json_object_new_object();
		else
			*out = jsonx_parse(r->body.p, r->body.len, &why);
		if (*out != NULL)
			return 0;
		if (ae) {
			struct buf b = BUF_INIT;

			memset(ae, 0, sizeof(*ae));
			ae->status = r->status;
			ae->code = strdup("InvalidResponse");
			buf_printf(&b, "the response is not JSON: %s",
			    why ? why : "out of memory");
			ae->message = buf_detach(&b);
			/* a cut or garbled answer is worth asking again */
			ae->cls = AWS_ERR_RETRY;
		}
		return -1;
	}
	if (ae)
		aws_error_parse(r, ae);
	return -1;
}

/* Sleeps ms, or less when a signal arrives (the handlers do not
 * restart). */
static void
nap(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/* What to do after an attempt that failed with class cls and code. */
enum { GIVE_UP, AGAIN, AGAIN_NOW };

/* Set once a failure was said, until a call succeeds: a network that is
 * down is said once, not at every call that meets it. */
static int retry_said;

/* Says, at the first failure of a call, what is retried and how many
 * times, so that the retries of an endpoint that does not answer are not
 * silent (they may last minutes). Throttling is routine and said by the
 * error only when the retries run out. */
static void
say_retry(const struct aws *a, const char *op, const struct aws_error *ae,
    const struct err *e, int attempt)
{
	struct err w = ERR_INIT;

	if (attempt > 0 || retry_said || (ae->status != 0 && ae->code &&
	    in_list(throttling, ae->code)) || ae->status == 429)
		return;
	retry_said = 1;
	if (ae->status == 0 && e && e->msg)
		err_set(&w, EXIT_RUNTIME, "%s: %s", op, e->msg);
	else
		aws_error_to_err(ae, &w, op);
	if (a->retry.max_attempts > 0)
		log_warn("%s; retrying, %d attempts in all", err_msg(&w),
		    a->retry.max_attempts);
	else
		log_warn("%s; retrying until it answers", err_msg(&w));
	err_clear(&w);
}

static int
next_step(struct aws *a, const struct aws_error *ae, int attempt,
    int *refreshed)
{
	if (cli_stop)
		return GIVE_UP;
	if (ae->cls == AWS_ERR_AUTH && in_list(expired_codes, ae->code) &&
	    !*refreshed) {
		/* "The security token included in the request is expired":
		 * the credentials ran out early; resolve them again once */
		*refreshed = 1;
		creds_invalidate(a->creds);
		return AGAIN_NOW;
	}
	if (ae->cls != AWS_ERR_RETRY)
		return GIVE_UP;
	if (a->retry.max_attempts > 0 && attempt + 1 >= a->retry.max_attempts)
		return GIVE_UP;
	return AGAIN;
}

int
aws_json_call(struct aws *a, const char *service, const char *target,
    const char *json_version, json_object *in, json_object **out,
    struct aws_error *ae, struct err *e)
{
	struct aws_error local;
	struct aws_error *err = ae ? ae : &local;
	struct http_req *req;
	struct http_resp resp;
	const char *body = in ? json_object_to_json_string_ext(in,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "{}";
	const char *op = op_name(target);
	int attempt, refreshed = 0, step;
	long delay;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	for (attempt = 0; ; attempt++) {
		aws_error_clear(err);
		if ((req = aws_json_request(a, service, target, json_version,
		    body, e)) == NULL)
			return -1;
		memset(&resp, 0, sizeof(resp));
		if (http_send(a->http, req, &resp, e) == -1 && !resp.neterr) {
			/* not a network error: a bad URL, too big an answer */
			http_req_free(req);
			http_resp_free(&resp);
			err_prefix(e, "%s", op);
			return -1;
		}
		http_req_free(req);
		log_debug("aws", "%s: HTTP %ld, request id %s, attempt %d, "
		    "%.3f s", op, resp.status, request_id(&resp), attempt + 1,
		    resp.seconds);
		if (aws_json_response(&resp, out, err) == 0) {
			count(a, op, NULL);
			http_resp_free(&resp);
			if (!ae)
				aws_error_clear(&local);
			retry_said = 0;
			return 0;
		}
		http_resp_free(&resp);
		count(a, op, err);
		step = next_step(a, err, attempt, &refreshed);
		if (step == GIVE_UP)
			break;
		if (step == AGAIN) {
			say_retry(a, op, err, e, attempt);
			delay = retry_delay_ms(&a->retry, attempt);
			log_debug("aws", "%s: %s, retrying in %ld ms", op,
			    err->code, delay);
			nap(delay);
			if (cli_stop)
				break;
		}
	}
	if (err->status == 0 && e && e->msg)
		err_prefix(e, "%s", op);	/* http_send's words */
	else
		aws_error_to_err(err, e, op);
	if (!ae)
		aws_error_clear(&local);
	return -1;
}

/* A bucket name that can be a DNS label under s3.REGION.amazonaws.com
 * over TLS: lowercase letters, digits and '-', no dots. */
static int
virtual_host_ok(const char *b)
{
	size_t i, n = strlen(b);

	if (n < 3 || n > 63 || b[0] == '-' || b[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)b[i]) ||
		    isdigit((unsigned char)b[i]) || b[i] == '-'))
			return 0;
	return 1;
}

/* Builds the URL of an S3 request. */
static int
s3_url(struct aws *a, const char *bucket, const char *key,
    const char *query, struct buf *url)
{
	char *ep;
	const char *p;
	int override;

	if ((ep = endpoint("s3", a->region, a->endpoint, &override)) == NULL)
		return -1;
	if (override || !virtual_host_ok(bucket)) {
		/* path style: http://host:port/bucket/key */
		buf_printf(url, "%s/", ep);
		http_uri_encode(url, bucket, strlen(bucket), 0);
	} else {
		/* virtual-hosted: https://bucket.s3.REGION.amazonaws.com/key */
		p = strstr(ep, "://");
		p = p ? p + 3 : ep;
		buf_add(url, ep, (size_t)(p - ep));
		buf_printf(url, "%s.%s", bucket, p);
	}
	free(ep);
	if (key && *key) {
		buf_addc(url, '/');
		http_uri_encode(url, key, strlen(key), 1);
	} else if (!override && virtual_host_ok(bucket))
		buf_addc(url, '/');
	if (query && *query)
		buf_printf(url, "?%s", query);
	return url->p ? 0 : -1;
}

int
aws_s3(struct aws *a, const char *method, const char *bucket,
    const char *key, const char *query, const char *const *headers,
    const void *body, size_t body_len, struct http_resp *resp,
    struct err *e)
{
	struct buf url = BUF_INIT, what = BUF_INIT;
	struct http_req *req = NULL;
	struct aws_error ae;
	int attempt, refreshed = 0, step;
	size_t i;
	long delay;

	memset(&ae, 0, sizeof(ae));
	if (s3_url(a, bucket, key, query, &url) == -1) {
		buf_free(&url);
		return err_set(e, EXIT_RUNTIME, "S3 %s: out of memory", method);
	}
	for (attempt = 0; ; attempt++) {
		aws_error_clear(&ae);
		if ((req = http_req_new(method, buf_str(&url))) == NULL)
			goto nomem;
		for (i = 0; headers && headers[i] && headers[i + 1]; i += 2)
			if (http_req_header(req, headers[i], headers[i + 1]) == -1)
				goto nomem;
		req->body = body;
		req->body_len = body_len;
		if (sign(a, req, "s3", 1, e) == -1) {
			http_req_free(req);
			buf_free(&url);
			return -1;
		}
		http_resp_free(resp);
		memset(resp, 0, sizeof(*resp));
		if (http_send(a->http, req, resp, e) == -1 && !resp->neterr) {
			http_req_free(req);
			buf_free(&url);
			return -1;
		}
		http_req_free(req);
		req = NULL;
		log_debug("aws", "S3 %s %s%s%s: HTTP %ld, request id %s, "
		    "attempt %d, %.3f s", method, bucket, key ? "/" : "",
		    key ? key : "", resp->status, request_id(resp),
		    attempt + 1, resp->seconds);
		if (resp->status >= 200 && resp->status < 400) {
			retry_said = 0;
			break;
		}
		aws_error_parse(resp, &ae);
		step = next_step(a, &ae, attempt, &refreshed);
		if (step == GIVE_UP)
			break;
		if (step == AGAIN) {
			if (attempt == 0) {
				buf_printf(&what, "S3 %s %s%s%s", method, bucket,
				    key ? "/" : "", key ? key : "");
				say_retry(a, buf_str(&what), &ae, e, attempt);
				buf_free(&what);
			}
			delay = retry_delay_ms(&a->retry, attempt);
			log_debug("aws", "S3 %s %s: %s, retrying in %ld ms",
			    method, bucket, ae.code, delay);
			nap(delay);
			if (cli_stop)
				break;
		}
	}
	buf_free(&url);
	if (resp->status == 0) {
		/* e holds http_send's words for the network error */
		aws_error_clear(&ae);
		return -1;
	}
	aws_error_clear(&ae);
	return 0;
nomem:
	http_req_free(req);
	buf_free(&url);
	aws_error_clear(&ae);
	return err_set(e, EXIT_RUNTIME, "S3 %s: out of memory", method);
}

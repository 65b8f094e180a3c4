/*
 * aws: endpoint resolution, error parsing and classification, the JSON
 * request, and the retry rules of aws_json_call and aws_s3 against a
 * scripted HTTP server forked on 127.0.0.1.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aws.h"
#include "buf.h"
#include "log.h"
#include "unit.h"

extern char **environ;

static void
clear_aws_env(void)
{
	char name[256];
	size_t n, k;
	int again = 1;

	while (again) {
		again = 0;
		for (n = 0; environ[n]; n++)
			if (strncmp(environ[n], "AWS_", 4) == 0 &&
			    (k = strcspn(environ[n], "=")) < sizeof(name)) {
				memcpy(name, environ[n], k);
				name[k] = '\0';
				unsetenv(name);
				again = 1;
				break;
			}
	}
}

static void
set_env(const char *const *vars, size_t n)
{
	char *v, *eq;
	size_t i;

	clear_aws_env();
	for (i = 0; i < n && vars[i]; i++) {
		v = strdup(vars[i]);
		if ((eq = strchr(v, '=')) != NULL) {
			*eq = '\0';
			setenv(v, eq + 1, 1);
		}
		free(v);
	}
}

static const struct {
	const char *service, *region, *cfg;
	const char *env[4];
	const char *want;
} endpoints[] = {
	{ "logs", "eu-west-1", NULL, { NULL },
	    "https://logs.eu-west-1.amazonaws.com" },
	{ "s3", "eu-west-1", NULL, { NULL },
	    "https://s3.eu-west-1.amazonaws.com" },
	{ "dynamodb", "us-east-2", NULL, { NULL },
	    "https://dynamodb.us-east-2.amazonaws.com" },
	{ "sts", "ap-south-1", NULL, { NULL },
	    "https://sts.ap-south-1.amazonaws.com" },
	{ "logs", "cn-north-1", NULL, { NULL },
	    "https://logs.cn-north-1.amazonaws.com.cn" },
	{ "logs", "eu-west-1", NULL,
	    { "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=http://logs.local:4566/" },
	    "http://logs.local:4566" },
	{ "s3", "eu-west-1", NULL,
	    { "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=http://logs.local:4566" },
	    "https://s3.eu-west-1.amazonaws.com" },
	{ "s3", "eu-west-1", NULL,
	    { "AWS_ENDPOINT_URL=http://all.local:1", "AWS_ENDPOINT_URL_S3=http://s3.local:2" },
	    "http://s3.local:2" },
	{ "dynamodb", "eu-west-1", NULL,
	    { "AWS_ENDPOINT_URL=http://all.local:1", "AWS_ENDPOINT_URL_S3=http://s3.local:2" },
	    "http://all.local:1" },
	{ "dynamodb", "eu-west-1", NULL,
	    { "AWS_ENDPOINT_URL_DYNAMODB=http://ddb.local:3" },
	    "http://ddb.local:3" },
	{ "sts", "eu-west-1", NULL,
	    { "AWS_ENDPOINT_URL_STS=http://sts.local:4", "AWS_ENDPOINT_URL=http://all.local:1" },
	    "http://sts.local:4" },
	{ "logs", "eu-west-1", "http://cfg.local:5/",
	    { "AWS_ENDPOINT_URL=http://all.local:1",
	    "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=http://logs.local:4566" },
	    "http://cfg.local:5" },
	{ "logs", "eu-west-1", "example.com", { NULL },
	    "https://logs.eu-west-1.example.com" },
	{ "logs", "eu-west-1", "example.com",
	    { "AWS_ENDPOINT_URL=http://all.local:1" }, "http://all.local:1" },
	{ "logs", "eu-west-1", NULL,
	    { "AWS_ENDPOINT_URL=http://all.local:1",
	    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true" },
	    "https://logs.eu-west-1.amazonaws.com" },
	{ "logs", "eu-west-1", NULL,
	    { "AWS_ENDPOINT_URL=", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=" },
	    "https://logs.eu-west-1.amazonaws.com" },
	{ "monitoring", "eu-west-1", NULL,
	    { "AWS_ENDPOINT_URL_MONITORING=http://cw.local:6" },
	    "http://cw.local:6" },
};

static void
test_endpoints(void)
{
	size_t i;
	char *got;

	for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
		set_env(endpoints[i].env, 4);
		got = aws_endpoint(endpoints[i].service, endpoints[i].region,
		    endpoints[i].cfg);
		CHECK_STR(got, endpoints[i].want, "endpoint %zu (%s)", i,
		    endpoints[i].service);
		free(got);
	}
	clear_aws_env();
}

static const struct {
	long status;
	const char *header;	/* x-amzn-ErrorType, or NULL */
	const char *body;
	const char *code, *message;
	enum aws_errclass cls;
} errors[] = {
	{ 400, NULL, "{\"__type\":\"com.amazonaws.logs#ThrottlingException\","
	    "\"message\":\"Rate exceeded\"}",
	    "ThrottlingException", "Rate exceeded", AWS_ERR_RETRY },
	{ 400, NULL, "{\"__type\":\"ResourceNotFoundException\",\"message\":"
	    "\"The specified log group does not exist.\"}",
	    "ResourceNotFoundException",
	    "The specified log group does not exist.", AWS_ERR_OTHER },
	{ 400, NULL, "{\"__type\":\"com.amazon.coral.service#AccessDeniedException\","
	    "\"Message\":\"User: arn:aws:iam::1:user/x is not authorized\"}",
	    "AccessDeniedException",
	    "User: arn:aws:iam::1:user/x is not authorized", AWS_ERR_AUTH },
	{ 400, "UnrecognizedClientException:http://internal.amazon.com/coral/com.amazon.coral.service/",
	    "{\"message\":\"The security token included in the request is invalid.\"}",
	    "UnrecognizedClientException",
	    "The security token included in the request is invalid.",
	    AWS_ERR_AUTH },
	{ 400, "InvalidSignatureException",
	    "{\"__type\":\"SomethingElse\",\"message\":\"m\"}",
	    "InvalidSignatureException", "m", AWS_ERR_AUTH },
	{ 400, NULL, "{\"code\":\"aws.protocoltests#FooError:http://x/\"}",
	    "FooError", NULL, AWS_ERR_OTHER },
	{ 400, NULL, " {\"__type\":\"ProvisionedThroughputExceededException\"}",
	    "ProvisionedThroughputExceededException", NULL, AWS_ERR_RETRY },
	{ 404, NULL, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>"
	    "<Code>NoSuchKey</Code><Message>The specified key does not "
	    "exist.</Message><Key>a/b.json</Key></Error>",
	    "NoSuchKey", "The specified key does not exist.", AWS_ERR_OTHER },
	{ 503, NULL, "<Error><Code>SlowDown</Code><Message>Please reduce "
	    "your request rate.</Message></Error>",
	    "SlowDown", "Please reduce your request rate.", AWS_ERR_RETRY },
	{ 403, NULL, "<Error><Code>SignatureDoesNotMatch</Code><Message>"
	    "The request signature we calculated does not match &quot;x&quot; "
	    "&amp; &lt;y&gt;</Message></Error>",
	    "SignatureDoesNotMatch", "The request signature we calculated "
	    "does not match \"x\" & <y>", AWS_ERR_AUTH },
	{ 403, NULL, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/"
	    "2011-06-15/\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>"
	    "InvalidClientTokenId</Code>\n    <Message>The security token "
	    "included in the request is invalid.</Message>\n  </Error>\n  "
	    "<RequestId>4d8c</RequestId>\n</ErrorResponse>\n",
	    "InvalidClientTokenId",
	    "The security token included in the request is invalid.",
	    AWS_ERR_AUTH },
	{ 400, NULL, "<ErrorResponse><Error><Code>ExpiredToken</Code>"
	    "<Message>The security token included in the request is expired"
	    "</Message></Error></ErrorResponse>", "ExpiredToken",
	    "The security token included in the request is expired",
	    AWS_ERR_AUTH },
	{ 500, NULL, "", "HTTP500", NULL, AWS_ERR_RETRY },
	{ 403, NULL, "", "HTTP403", NULL, AWS_ERR_AUTH },
	{ 404, NULL, "", "HTTP404", NULL, AWS_ERR_OTHER },
	{ 502, NULL, "<html>\n<head><title>502 Bad Gateway</title></head>\n"
	    "<body><center><h1>502 Bad Gateway</h1></center></body></html>",
	    "HTTP502", "502 Bad Gateway", AWS_ERR_RETRY },
	{ 400, NULL, "\nBad request\nmore lines", "HTTP400", "Bad request",
	    AWS_ERR_OTHER },
	{ 400, NULL, "{not json", "HTTP400", "{not json", AWS_ERR_OTHER },
	{ 429, NULL, "{}", "HTTP429", NULL, AWS_ERR_RETRY },
};

static void
set_body(struct http_resp *r, const char *s)
{
	buf_reset(&r->body);
	buf_adds(&r->body, s);
}

static void
test_errors(void)
{
	struct http_resp r;
	struct aws_error ae;
	struct err e = ERR_INIT;
	size_t i;

	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.status = errors[i].status;
		set_body(&r, errors[i].body);
		if (errors[i].header) {
			r.h = calloc(1, sizeof(*r.h));
			r.h[0].name = strdup("X-Amzn-ErrorType");
			r.h[0].value = strdup(errors[i].header);
			r.nh = 1;
		}
		aws_error_parse(&r, &ae);
		CHECK_INT(ae.status, errors[i].status, "error %zu: status", i);
		CHECK_STR(ae.code, errors[i].code, "error %zu: code", i);
		if (errors[i].message)
			CHECK_STR(ae.message, errors[i].message,
			    "error %zu: message", i);
		else
			CHECK(ae.message == NULL, "error %zu: no message, got %s",
			    i, ae.message);
		CHECK_INT(ae.cls, errors[i].cls, "error %zu: class", i);
		aws_error_clear(&ae);
		http_resp_free(&r);
	}

	/* a network error */
	memset(&r, 0, sizeof(r));
	r.neterr = 1;
	r.neterr_msg = strdup("Connection refused");
	aws_error_parse(&r, &ae);
	CHECK_STR(ae.code, "NetworkError", "network error code");
	CHECK_STR(ae.message, "Connection refused", "network error message");
	CHECK_INT(ae.cls, AWS_ERR_RETRY, "network errors are retried");
	aws_error_to_err(&ae, &e, "GetLogEvents");
	CHECK_STR(err_msg(&e), "GetLogEvents: NetworkError: Connection refused",
	    "network error text");
	CHECK_INT(e.code, EXIT_RUNTIME, "network error exit code");
	aws_error_clear(&ae);
	http_resp_free(&r);

	/* the message shapes */
	memset(&r, 0, sizeof(r));
	r.status = 400;
	set_body(&r, "{\"__type\":\"com.amazonaws.logs#ThrottlingException\","
	    "\"message\":\"Rate exceeded\"}");
	aws_error_parse(&r, &ae);
	aws_error_to_err(&ae, &e, "GetLogEvents");
	CHECK_STR(err_msg(&e), "GetLogEvents: ThrottlingException: Rate "
	    "exceeded (HTTP 400)", "throttling text");
	CHECK_INT(e.code, EXIT_RUNTIME, "throttling past the retries: 1");
	aws_error_clear(&ae);
	r.status = 403;
	set_body(&r, "{\"__type\":\"AccessDeniedException\"}");
	aws_error_parse(&r, &ae);
	aws_error_to_err(&ae, &e, "DescribeLogGroups");
	CHECK_STR(err_msg(&e), "DescribeLogGroups: AccessDeniedException "
	    "(HTTP 403)", "access denied text");
	CHECK_INT(e.code, EXIT_AUTH, "access denied: 4");
	aws_error_clear(&ae);
	/* a service echoing a registered secret does not print it */
	log_secret("SeCrEtToKeN1234");
	set_body(&r, "<Error><Code>SignatureDoesNotMatch</Code><Message>"
	    "token SeCrEtToKeN1234</Message></Error>");
	aws_error_parse(&r, &ae);
	aws_error_to_err(&ae, &e, "GET x");
	CHECK_STR(err_msg(&e), "GET x: SignatureDoesNotMatch: token "
	    "[REDACTED] (HTTP 403)", "secrets redacted from messages");
	aws_error_clear(&ae);
	/* a zeroed aws_error (no response at all) */
	memset(&ae, 0, sizeof(ae));
	aws_error_to_err(&ae, &e, "op");
	CHECK_STR(err_msg(&e), "op: unknown error", "an empty aws_error");
	http_resp_free(&r);
	err_clear(&e);
}

static const struct {
	long status;
	const char *code;
	enum aws_errclass cls;
} classes[] = {
	{ 200, NULL, AWS_ERR_NONE },
	{ 204, NULL, AWS_ERR_NONE },
	{ 0, NULL, AWS_ERR_RETRY },
	{ 400, "ThrottlingException", AWS_ERR_RETRY },
	{ 400, "Throttling", AWS_ERR_RETRY },
	{ 400, "ThrottledException", AWS_ERR_RETRY },
	{ 503, "RequestLimitExceeded", AWS_ERR_RETRY },
	{ 429, "TooManyRequestsException", AWS_ERR_RETRY },
	{ 400, "ProvisionedThroughputExceededException", AWS_ERR_RETRY },
	{ 400, "RequestThrottled", AWS_ERR_RETRY },
	{ 400, "RequestThrottledException", AWS_ERR_RETRY },
	{ 503, "SlowDown", AWS_ERR_RETRY },
	{ 400, "EC2ThrottledException", AWS_ERR_RETRY },
	{ 400, "LimitExceededException", AWS_ERR_RETRY },
	{ 400, "RequestTimeout", AWS_ERR_RETRY },
	{ 500, "InternalFailure", AWS_ERR_RETRY },
	{ 502, NULL, AWS_ERR_RETRY },
	{ 503, "ServiceUnavailableException", AWS_ERR_RETRY },
	{ 504, "HTTP504", AWS_ERR_RETRY },
	{ 408, NULL, AWS_ERR_RETRY },
	{ 400, "UnrecognizedClientException", AWS_ERR_AUTH },
	{ 400, "InvalidSignatureException", AWS_ERR_AUTH },
	{ 403, "SignatureDoesNotMatch", AWS_ERR_AUTH },
	{ 403, "InvalidClientTokenId", AWS_ERR_AUTH },
	{ 403, "AccessDenied", AWS_ERR_AUTH },
	{ 400, "AccessDeniedException", AWS_ERR_AUTH },
	{ 400, "ExpiredToken", AWS_ERR_AUTH },
	{ 400, "ExpiredTokenException", AWS_ERR_AUTH },
	{ 403, "InvalidAccessKeyId", AWS_ERR_AUTH },
	{ 400, "IncompleteSignature", AWS_ERR_AUTH },
	{ 403, "MissingAuthenticationToken", AWS_ERR_AUTH },
	{ 401, NULL, AWS_ERR_AUTH },
	{ 403, "HTTP403", AWS_ERR_AUTH },
	{ 400, "ResourceNotFoundException", AWS_ERR_OTHER },
	{ 400, "InvalidParameterException", AWS_ERR_OTHER },
	{ 404, "NoSuchKey", AWS_ERR_OTHER },
	{ 412, "PreconditionFailed", AWS_ERR_OTHER },
	{ 400, "ConditionalCheckFailedException", AWS_ERR_OTHER },
	{ 400, NULL, AWS_ERR_OTHER },
};

static void
test_classify(void)
{
	size_t i;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		CHECK_INT(aws_classify(classes[i].status, classes[i].code),
		    classes[i].cls, "classify %ld %s", classes[i].status,
		    classes[i].code ? classes[i].code : "(none)");
}

/* The JSON request: POST / at the endpoint, the protocol's headers, the
 * body, signed for the service. */
static void
test_request(void)
{
	const char *const env[] = { "AWS_ACCESS_KEY_ID=AKIATESTREQ",
	    "AWS_SECRET_ACCESS_KEY=reqsecret", "AWS_SESSION_TOKEN=reqtoken",
	    "AWS_REGION=eu-west-1" };
	struct aws_opts o;
	struct aws *a;
	struct http_req *req;
	struct err e = ERR_INIT;
	const char *authz;

	set_env(env, 4);
	memset(&o, 0, sizeof(o));
	a = aws_new(&o, &e);
	CHECK(a != NULL, "aws_new: %s", err_msg(&e));
	if (a == NULL)
		return;
	CHECK_STR(aws_region(a), "eu-west-1", "region from AWS_REGION");
	req = aws_json_request(a, "logs", "Logs_20140328.DescribeLogGroups",
	    "1.1", "{\"limit\":5}", &e);
	CHECK(req != NULL, "aws_json_request: %s", err_msg(&e));
	if (req) {
		CHECK_STR(req->method, "POST", "method");
		CHECK_STR(req->url, "https://logs.eu-west-1.amazonaws.com/",
		    "url");
		CHECK_STR(http_req_get_header(req, "Content-Type"),
		    "application/x-amz-json-1.1", "content type");
		CHECK_STR(http_req_get_header(req, "X-Amz-Target"),
		    "Logs_20140328.DescribeLogGroups", "target");
		CHECK_STR(http_req_get_header(req, "X-Amz-Security-Token"),
		    "reqtoken", "session token");
		authz = http_req_get_header(req, "Authorization");
		CHECK(authz && strncmp(authz, "AWS4-HMAC-SHA256 Credential="
		    "AKIATESTREQ/", 40) == 0 && strstr(authz,
		    "/eu-west-1/logs/aws4_request, SignedHeaders=content-type;"
		    "host;x-amz-date;x-amz-security-token;x-amz-target, "
		    "Signature=") != NULL, "authorization: %s", authz);
		CHECK(req->body_len == 11 && memcmp(req->body, "{\"limit\":5}",
		    11) == 0, "body");
		http_req_free(req);
	}
	req = aws_json_request(a, "dynamodb", "DynamoDB_20120810.GetItem",
	    "1.0", "{}", &e);
	CHECK(req != NULL && strcmp(http_req_get_header(req, "Content-Type"),
	    "application/x-amz-json-1.0") == 0, "dynamodb: JSON 1.0");
	http_req_free(req);
	aws_free(a);

	/* no credentials: the request cannot be signed */
	clear_aws_env();
	setenv("AWS_REGION", "eu-west-1", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("HOME", "/nonexistent", 1);
	a = aws_new(&o, &e);
	req = a ? aws_json_request(a, "logs", "Logs_20140328.GetLogEvents",
	    "1.1", "{}", &e) : NULL;
	CHECK(req == NULL && e.code == EXIT_AUTH, "no credentials: %s",
	    err_msg(&e));
	CHECK_STR(err_msg(&e), "no AWS credentials: tried the config keys, "
	    "environment (AWS_ACCESS_KEY_ID), web identity "
	    "(AWS_WEB_IDENTITY_TOKEN_FILE), shared credentials file "
	    "/nonexistent/.aws/credentials (profile default), config file "
	    "/nonexistent/.aws/config, container endpoint "
	    "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI), EC2 instance metadata "
	    "(disabled by AWS_EC2_METADATA_DISABLED)", "no credentials message");
	http_req_free(req);
	aws_free(a);

	/* no region */
	clear_aws_env();
	a = aws_new(&o, &e);
	CHECK(a == NULL && e.code == EXIT_USAGE, "no region: EXIT_USAGE");
	CHECK_STR(err_msg(&e), "no AWS region: set "
	    "cloudwatchlogsbeat.aws_region, AWS_REGION or AWS_DEFAULT_REGION, "
	    "or region in profile default of /nonexistent/.aws/config (absent)",
	    "no region message");
	aws_free(a);
	err_clear(&e);
}

/*
 * A scripted server: answers the i-th connection with responses[i]
 * (status line, headers, body) and closes it, and writes each request's
 * first line and headers to a log file.
 */
struct script {
	const char *resp[8];
};

static char logpath[64];

/* A fresh file for the server's log of requests. Returns 0 or -1. */
static int
new_log(void)
{
	int fd;

	snprintf(logpath, sizeof(logpath), "/tmp/cwl-aws-test.XXXXXX");
	if ((fd = mkstemp(logpath)) == -1) {
		CHECK(0, "mkstemp: %s", strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static pid_t
serve(const struct script *s, int *port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int ls, c, i, one = 1;
	pid_t pid;

	ls = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(ls, 8) == -1 ||
	    getsockname(ls, (struct sockaddr *)&sa, &sl) == -1) {
		close(ls);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	fflush(stdout);
	if ((pid = fork()) != 0) {
		close(ls);
		return pid;
	}
	for (i = 0; i < 8 && s->resp[i]; i++) {
		struct buf req = BUF_INIT;
		char chunk[4096], *hend;
		ssize_t n;
		size_t clen = 0;
		FILE *log;

		if ((c = accept(ls, NULL, NULL)) == -1)
			_exit(1);
		for (;;) {
			hend = req.p ? strstr(req.p, "\r\n\r\n") : NULL;
			if (hend) {
				char *cl;

				for (cl = req.p; cl < hend && strncasecmp(cl,
				    "\r\ncontent-length:", 17) != 0; cl++)
					;

				clen = cl && cl < hend ? strtoul(cl + 17, NULL, 10) : 0;
				if (req.len >= (size_t)(hend + 4 - req.p) + clen)
					break;
			}
			if ((n = read(c, chunk, sizeof(chunk))) <= 0)
				break;
			buf_add(&req, chunk, (size_t)n);
		}
		if ((log = fopen(logpath, "a")) != NULL) {
			if (hend)
				fwrite(req.p, 1, (size_t)(hend - req.p), log);
			fputs("\n--\n", log);
			fclose(log);
		}
		{
			/* the script leaves Content-Length to the server */
			const char *r = s->resp[i], *body = strstr(r, "\r\n\r\n");
			struct buf out = BUF_INIT;

			body = body ? body + 4 : r + strlen(r);
			buf_add(&out, r, (size_t)(body - r) - 2);
			buf_printf(&out, "Content-Length: %zu\r\n\r\n%s",
			    strlen(body), body);
			if (write(c, out.p, out.len) < 0)
				_exit(1);
			buf_free(&out);
		}
		shutdown(c, SHUT_WR);
		close(c);
		buf_free(&req);
	}
	_exit(0);
}

static char *
slurp_log(void)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f = fopen(logpath, "r");

	if (f) {
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_add(&b, chunk, n);
		fclose(f);
	}
	unlink(logpath);
	return buf_detach(&b);
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

#define JSON_HDR "Content-Type: application/x-amz-json-1.1\r\n" \
	"x-amzn-RequestId: 0f1e\r\nConnection: close\r\n"
#define THROTTLE "HTTP/1.1 400 Bad Request\r\n" JSON_HDR \
	"\r\n{\"__type\":\"com.amazonaws.logs#" \
	"ThrottlingException\",\"message\":\"Rate exceeded for test\"}"
#define EXPIRED "HTTP/1.1 400 Bad Request\r\n" JSON_HDR \
	"\r\n{\"__type\":\"ExpiredTokenException\"," \
	"\"message\":\"The security token included in the request is expired\"}"
#define BADSIG "HTTP/1.1 400 Bad Request\r\n" JSON_HDR \
	"\r\n{\"__type\":\"InvalidSignatureException\"," \
	"\"message\":\"bad\"}"
#define NOTFOUND "HTTP/1.1 400 Bad Request\r\n" JSON_HDR \
	"\r\n{\"__type\":\"ResourceNotFoundException\"," \
	"\"message\":\"The specified log group does not exist.\"}"
#define E500 "HTTP/1.1 500 Internal Server Error\r\n" JSON_HDR \
	"\r\n{}"
#define OKBODY "HTTP/1.1 200 OK\r\n" JSON_HDR \
	"\r\n{\"logGroups\":[],\"n\":1}"
#define GARBLED "HTTP/1.1 200 OK\r\n" JSON_HDR \
	"\r\n{\"logGroup"

static const struct {
	const char *name;
	struct script s;
	int max_attempts;
	int rc;			/* aws_json_call's return */
	int requests;		/* how many the server saw */
	int code;		/* e.code on failure */
	const char *msg;	/* e's message on failure */
	const char *ae_code;
} calls[] = {
	{ "success", { { OKBODY } }, 3, 0, 1, 0, NULL, NULL },
	{ "throttled, then success", { { THROTTLE, OKBODY } }, 3, 0, 2, 0,
	    NULL, NULL },
	{ "a garbled answer is asked again", { { GARBLED, OKBODY } }, 3, 0, 2,
	    0, NULL, NULL },
	{ "5xx past the attempts", { { E500, E500, E500 } }, 3, -1, 3,
	    EXIT_RUNTIME, "DescribeLogGroups: HTTP500 (HTTP 500)", "HTTP500" },
	{ "throttled past the attempts", { { THROTTLE, THROTTLE } }, 2, -1, 2,
	    EXIT_RUNTIME, "DescribeLogGroups: ThrottlingException: Rate "
	    "exceeded for test (HTTP 400)", "ThrottlingException" },
	{ "an expired token is resolved again once", { { EXPIRED, OKBODY } },
	    1, 0, 2, 0, NULL, NULL },
	{ "expired twice is refused", { { EXPIRED, EXPIRED } }, 5, -1, 2,
	    EXIT_AUTH, "DescribeLogGroups: ExpiredTokenException: The security "
	    "token included in the request is expired (HTTP 400)",
	    "ExpiredTokenException" },
	{ "a bad signature is not retried", { { BADSIG } }, 5, -1, 1,
	    EXIT_AUTH, "DescribeLogGroups: InvalidSignatureException: bad "
	    "(HTTP 400)", "InvalidSignatureException" },
	{ "a missing resource is not retried", { { NOTFOUND } }, 5, -1, 1,
	    EXIT_RUNTIME, "DescribeLogGroups: ResourceNotFoundException: The "
	    "specified log group does not exist. (HTTP 400)",
	    "ResourceNotFoundException" },
};

static struct aws *
client(int port, int max_attempts)
{
	struct aws_opts o;
	struct err e = ERR_INIT;
	struct aws *a;
	char url[64];

	clear_aws_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIACALLTEST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "calltestsecret", 1);
	setenv("AWS_REGION", "us-east-1", 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	setenv("AWS_ENDPOINT_URL", url, 1);
	memset(&o, 0, sizeof(o));
	o.retry.base_ms = 1;
	o.retry.cap_ms = 5;
	o.retry.max_attempts = max_attempts;
	o.http.timeout_ms = 5000;
	a = aws_new(&o, &e);
	CHECK(a != NULL, "aws_new: %s", err_msg(&e));
	err_clear(&e);
	return a;
}

static void
reap(pid_t pid)
{
	int st, i;

	for (i = 0; i < 50; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

static void
test_calls(void)
{
	struct aws *a;
	struct aws_error ae;
	struct err e = ERR_INIT;
	json_object *out, *in;
	char *log;
	size_t i;
	pid_t pid;
	int port, rc;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		if (new_log() == -1)
			return;
		if ((pid = serve(&calls[i].s, &port)) == -1) {
			CHECK(0, "%s: cannot listen", calls[i].name);
			continue;
		}
		a = client(port, calls[i].max_attempts);
		in = json_object_new_object();
		json_object_object_add(in, "limit", json_object_new_int(5));
		memset(&ae, 0, sizeof(ae));
		rc = a ? aws_json_call(a, "logs", "Logs_20140328.DescribeLogGroups",
		    "1.1", in, &out, &ae, &e) : -2;
		json_object_put(in);
		reap(pid);
		log = slurp_log();
		CHECK_INT(rc, calls[i].rc, "%s: return (%s)", calls[i].name,
		    err_msg(&e));
		CHECK_INT(count(log, "POST / HTTP/1.1"), calls[i].requests,
		    "%s: requests seen", calls[i].name);
		CHECK_INT(count(log, "X-Amz-Target: Logs_20140328."
		    "DescribeLogGroups"), calls[i].requests, "%s: target",
		    calls[i].name);
		if (rc == 0) {
			CHECK(out && json_object_get_int(json_object_object_get(
			    out, "n")) == 1, "%s: the answer", calls[i].name);
			CHECK(ae.code == NULL, "%s: no error left", calls[i].name);
			json_object_put(out);
		} else if (rc == -1) {
			CHECK(out == NULL, "%s: no answer", calls[i].name);
			CHECK_INT(e.code, calls[i].code, "%s: exit code",
			    calls[i].name);
			CHECK_STR(err_msg(&e), calls[i].msg, "%s: message",
			    calls[i].name);
			CHECK_STR(ae.code, calls[i].ae_code, "%s: error code",
			    calls[i].name);
		}
		aws_error_clear(&ae);
		free(log);
		aws_free(a);
		err_clear(&e);
	}

	/* nobody listening: a network error after the attempts */
	if ((pid = serve(&(struct script){ { "x" } }, &port)) != -1) {
		kill(pid, SIGKILL);
		reap(pid);
	}
	unlink(logpath);
	a = client(port, 2);
	memset(&ae, 0, sizeof(ae));
	rc = a ? aws_json_call(a, "logs", "Logs_20140328.DescribeLogGroups",
	    "1.1", NULL, &out, &ae, &e) : -2;
	CHECK_INT(rc, -1, "connection refused: fails");
	CHECK_INT(e.code, EXIT_RUNTIME, "connection refused: exit 1");
	CHECK(strncmp(err_msg(&e), "DescribeLogGroups: POST http://127.0.0.1:",
	    40) == 0, "connection refused: message %s", err_msg(&e));
	CHECK_STR(ae.code, "NetworkError", "connection refused: code");
	aws_error_clear(&ae);
	aws_free(a);
	err_clear(&e);
}

#define S3_SLOW "HTTP/1.1 503 Slow Down\r\nConnection: close\r\n" \
	"x-amz-request-id: 5A3\r\n\r\n<Error><Code>" \
	"SlowDown</Code><Message>Please reduce.</Message></Error>\n"
#define S3_OK "HTTP/1.1 200 OK\r\nConnection: close\r\nETag: \"e1\"\r\n" \
	"\r\nhello"
#define S3_MISSING "HTTP/1.1 404 Not Found\r\nConnection: close\r\n" \
	"\r\n<Error><Code>NoSuchKey</Code><Message>" \
	"gone</Message></Error>"

static void
test_s3(void)
{
	const char *const hdr[] = { "If-None-Match", "*", NULL };
	struct http_resp resp;
	struct aws *a;
	struct err e = ERR_INIT;
	char *log;
	pid_t pid;
	int port, rc;

	/* path style under an endpoint override, retried on SlowDown */
	if (new_log() == -1)
		return;
	pid = serve(&(struct script){ { S3_SLOW, S3_OK } }, &port);
	a = client(port, 3);
	memset(&resp, 0, sizeof(resp));
	rc = aws_s3(a, "PUT", "my-bucket", "cwl/a b+c.json", NULL, hdr,
	    "hello", 5, &resp, &e);
	reap(pid);
	log = slurp_log();
	CHECK_INT(rc, 0, "S3 PUT: %s", err_msg(&e));
	CHECK_INT(resp.status, 200, "S3 PUT: status after the retry");
	CHECK_STR(buf_str(&resp.body), "hello", "S3 body");
	CHECK_INT(count(log, "PUT /my-bucket/cwl/a%20b%2Bc.json HTTP/1.1"), 2,
	    "S3 path-style URL, key encoded keeping '/': %s", log);
	CHECK_INT(count(log, "x-amz-content-sha256: 2cf24dba5fb0a30e26e83b2ac5b9e"
	    "29e1b161e5c1fa7425e73043362938b9824"), 2, "S3 payload hash");
	CHECK_INT(count(log, "If-None-Match: *"), 2, "S3 extra header");
	free(log);
	http_resp_free(&resp);

	/* any status is an answer for the caller */
	if (new_log() == -1)
		return;
	pid = serve(&(struct script){ { S3_MISSING } }, &port);
	aws_free(a);
	a = client(port, 3);
	memset(&resp, 0, sizeof(resp));
	rc = aws_s3(a, "GET", "my-bucket", NULL, "list-type=2&prefix=cwl%2F",
	    NULL, NULL, 0, &resp, &e);
	reap(pid);
	log = slurp_log();
	CHECK_INT(rc, 0, "S3 404 is an answer");
	CHECK_INT(resp.status, 404, "S3 404 status");
	CHECK_INT(count(log, "GET /my-bucket?list-type=2&prefix=cwl%2F "
	    "HTTP/1.1"), 1, "S3 bucket URL with a query: %s", log);
	free(log);
	http_resp_free(&resp);
	aws_free(a);
	err_clear(&e);
}

int
main(void)
{
	log_init("test_aws");
	signal(SIGPIPE, SIG_IGN);
	test_endpoints();
	test_errors();
	test_classify();
	test_request();
	test_calls();
	test_s3();
	return unit_done("test_aws");
}

/*
 * aws: calling AWS services. Endpoints follow the SDKs: an endpoint URL
 * in the config (cloudwatchlogsbeat.endpoint) first, because the SDKs
 * document that "any explicit endpoint set in code or on a service
 * client itself is used" over the variables, as the CLI's --endpoint-url
 * is; then the service's own AWS_ENDPOINT_URL_<SERVICE> (CLOUDWATCH_LOGS,
 * KINESIS, S3, DYNAMODB, STS), then AWS_ENDPOINT_URL (both ignored when
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), then
 * https://SERVICE.REGION.amazonaws.com (.com.cn for cn- regions). A
 * config endpoint without a scheme is a domain, as in libbeat:
 * "amazonaws.com" gives https://SERVICE.REGION.amazonaws.com. The JSON
 * protocols (1.1 for logs and kinesis, 1.0 for dynamodb) and the S3 REST
 * protocol
 * are signed with SigV4, retried on throttling, 5xx and network errors
 * with capped backoff and full jitter, and their errors parsed and
 * classified. TLS trusts AWS_CA_BUNDLE, when set, instead of the system's
 * store, as the SDKs do. Answers are refused past 16 MiB for the JSON
 * protocols (a page holds at most 1 MB of events or items) and past
 * 64 MiB for S3, unless http.max_response_bytes says otherwise.
 */
#ifndef CWL_AWS_H
#define CWL_AWS_H

#include <stdint.h>

#include <json-c/json.h>

#include "creds.h"
#include "err.h"
#include "http.h"

enum aws_errclass {
	AWS_ERR_NONE,
	AWS_ERR_RETRY,	/* throttling, 5xx, network: try again later */
	AWS_ERR_AUTH,	/* bad keys, expired token, access denied */
	AWS_ERR_OTHER	/* the request itself is wrong, or a missing resource */
};

struct aws_error {
	long status;		/* HTTP status, 0 for a network error */
	char *code;		/* "ThrottlingException", "NoSuchKey", ...; owned */
	char *message;		/* owned; may be NULL */
	enum aws_errclass cls;
};

struct aws_opts {
	struct creds_opts creds;
	struct http_opts http;
	struct retry_policy retry;	/* for throttling and 5xx */
	const char *endpoint;		/* the config's endpoint, or NULL */
};

struct aws;	/* a client: region, credentials, HTTP client, endpoints */

/* Returns a client, owned by the caller, or NULL with e set (no region:
 * EXIT_USAGE). Credentials are resolved at the first request. */
struct aws *aws_new(const struct aws_opts *o, struct err *e);
void aws_free(struct aws *a);
/* Returns the region; owned by a. */
const char *aws_region(const struct aws *a);
/* Returns the HTTP client; owned by a. */
struct http_client *aws_http(struct aws *a);
/* Returns the credential provider; owned by a. */
struct creds_provider *aws_creds(struct aws *a);

/* Returns the endpoint URL (no trailing slash) for a service id
 * ("logs", "s3", "dynamodb", "sts"), malloc'd, owned by the caller. */
char *aws_endpoint(const char *service, const char *region,
    const char *config_endpoint);

/* Classifies an error code and status (throttling names:
 * ThrottlingException, Throttling, ThrottledException,
 * RequestLimitExceeded, TooManyRequestsException,
 * ProvisionedThroughputExceededException, RequestThrottled,
 * RequestThrottledException, SlowDown, EC2ThrottledException,
 * LimitExceededException for describe calls). */
enum aws_errclass aws_classify(long status, const char *code);
/* Parses an error response: JSON ("__type", "message"/"Message", the
 * x-amzn-ErrorType header) or XML ("<Code>", "<Message>"). Fills *ae;
 * always succeeds (unknown bodies give code "HTTP<status>"). */
void aws_error_parse(const struct http_resp *r, struct aws_error *ae);
void aws_error_clear(struct aws_error *ae);
/* Returns the text of the first <tag>...</tag> of an XML body with the
 * five predefined entities decoded, malloc'd and owned by the caller, or
 * NULL when there is none (for S3 and the query protocols, STS). */
char *aws_xml_text(const char *body, const char *tag);
/* Formats "CODE: message (HTTP status)" into e with the class's exit code
 * (AWS_ERR_AUTH: EXIT_AUTH, else EXIT_RUNTIME), prefixed by what. */
int aws_error_to_err(const struct aws_error *ae, struct err *e,
    const char *what);

/* Builds and signs a JSON-protocol request: POST / with X-Amz-Target
 * target (e.g. "Logs_20140328.GetLogEvents") and the given body.
 * json_version is "1.1" (logs) or "1.0" (dynamodb). Returns the request,
 * owned by the caller, or NULL with e set. */
struct http_req *aws_json_request(struct aws *a, const char *service,
    const char *target, const char *json_version, const char *body,
    struct err *e);

/* Sends a JSON-protocol call with retries (a.retry; re-signed each time).
 * On success returns 0 and *out (a new reference the caller puts). On
 * failure returns -1, fills *ae (if not NULL) and e. */
int aws_json_call(struct aws *a, const char *service, const char *target,
    const char *json_version, json_object *in, json_object **out,
    struct aws_error *ae, struct err *e);

/* What a client's aws_json_call sent, per operation: every attempt is a
 * request; an answer that may be retried is a throttle (throttling codes,
 * 429) or else a retry (5xx, network errors), whether or not the call
 * went on to retry it. */
struct aws_count {
	const char *op;		/* "DescribeLogStreams"; owned by the client */
	uint64_t requests, throttles, retries;
};

/* Fills *c with the counts of the i-th operation called (in the order of
 * their first call; the first AWS_MAX_OPS only). Returns 0, or -1 past
 * the last. */
#define AWS_MAX_OPS 16
int aws_counts(const struct aws *a, size_t i, struct aws_count *c);

/* Parses a JSON-protocol response: 2xx gives *out; otherwise fills *ae.
 * Returns 0 or -1. Used by callers that drive http_multi themselves. */
int aws_json_response(const struct http_resp *r, json_object **out,
    struct aws_error *ae);

/* S3 REST, path-style when an endpoint override is set, virtual-hosted
 * otherwise. key may be NULL (bucket operations); query is the raw query
 * string (already encoded) or NULL. extra headers are name/value pairs
 * ended by NULL. With retries. Returns 0 when a response arrived (any
 * status: the caller reads resp->status and may aws_error_parse it), -1
 * on a network error past the retries. */
int aws_s3(struct aws *a, const char *method, const char *bucket,
    const char *key, const char *query, const char *const *headers,
    const void *body, size_t body_len, struct http_resp *resp,
    struct err *e);

#endif

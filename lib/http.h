/*
 * http: HTTP over libcurl. One client holds the settings and a connection
 * cache shared by every request it sends, blocking (http_send) or many in
 * flight from one thread (http_multi). TLS verification is on unless the
 * caller asks for HTTP_VERIFY_NONE, which logs a warning; a certificate
 * that does not verify is a configuration error, not a network one. Proxies come
 * from the usual environment (http_proxy, https_proxy, no_proxy) unless
 * proxy_url is given. A client and its multi handles belong to one
 * thread; free the multis before their client.
 */
#ifndef CWL_HTTP_H
#define CWL_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

enum { HTTP_VERIFY_FULL, HTTP_VERIFY_CERTIFICATE, HTTP_VERIFY_NONE };

struct http_opts {
	long connect_timeout_ms;	/* 0: 10 s */
	long timeout_ms;		/* whole transfer; 0: 90 s */
	const char *ca_file;		/* NULL: the system store */
	const char *cert_file;		/* client certificate, or NULL */
	const char *key_file;
	const char *key_passphrase;
	int verify;			/* HTTP_VERIFY_* */
	const char *proxy_url;		/* NULL: from the environment */
	const char *user_agent;		/* NULL: "cloudwatchlogsbeat/VERSION" */
	size_t max_response_bytes;	/* 0: 256 MiB; larger is an error */
};

struct http_header {
	char *name;	/* owned by the request or response */
	char *value;
};

struct http_req {
	char *method;		/* owned */
	char *url;		/* owned; absolute, already percent-encoded */
	struct http_header *h;	/* owned array of owned strings */
	size_t nh;
	const char *body;	/* borrowed unless body_owned */
	size_t body_len;
	int body_owned;		/* free(body) in http_req_free */
	size_t max_response_bytes;	/* a lower limit than the client's
					   for this request's answer; 0: the
					   client's */
};

struct http_resp {
	long status;		/* 0 when no HTTP response arrived */
	int neterr;		/* 1: network error (connect, reset, timeout, TLS) */
	char *neterr_msg;	/* curl's words for it, owned, or NULL */
	struct http_header *h;	/* owned; names as received */
	size_t nh;
	struct buf body;	/* owned */
	double seconds;		/* time the transfer took */
};

struct http_client;

/* Returns a new client, owned by the caller (http_client_free), or NULL. */
struct http_client *http_client_new(const struct http_opts *o, struct err *e);
void http_client_free(struct http_client *c);

/* Returns a new request with copies of method and url, owned by the caller. */
struct http_req *http_req_new(const char *method, const char *url);
/* Adds a header (copied); a second call with the same name adds another. */
int http_req_header(struct http_req *r, const char *name, const char *value);
/* Replaces (or adds) a header, name compared case-insensitively. */
int http_req_set_header(struct http_req *r, const char *name, const char *value);
/* Returns the value of a header, or NULL; owned by r. */
const char *http_req_get_header(const struct http_req *r, const char *name);
void http_req_free(struct http_req *r);

/* Returns a header of the response (case-insensitive name), or NULL. */
const char *http_resp_header(const struct http_resp *r, const char *name);
/* Frees what the response holds; the struct itself is the caller's. */
void http_resp_free(struct http_resp *r);

/* Sends one request and waits. Returns 0 when an HTTP response arrived
 * (any status, see resp->status), -1 on a network error (resp->neterr set,
 * e says what failed). resp must be zeroed by the caller. A response
 * larger than max_response_bytes, a bad URL, bad TLS files or a server
 * certificate that does not verify also give -1, with neterr 0 (not worth
 * a retry; the last three are EXIT_USAGE); after -1, status is 0. */
int http_send(struct http_client *c, const struct http_req *req,
    struct http_resp *resp, struct err *e);

/* Retry policy: capped exponential backoff with full jitter, as in
 * "Exponential Backoff And Jitter" (AWS Architecture Blog):
 * sleep = random_between(0, min(cap, base * 2^attempt)). */
struct retry_policy {
	long base_ms;		/* default 100 */
	long cap_ms;		/* default 20000 */
	int max_attempts;	/* 0: forever */
};

/* Returns the delay before retry number attempt (0-based). */
long retry_delay_ms(const struct retry_policy *p, int attempt);
/* Returns 1 if a response of this status (or a network error) is worth
 * retrying: network errors, 408, 429, 500, 502, 503, 504. */
int http_retryable(const struct http_resp *r);

/* Many requests in flight from one thread. */
struct http_multi;
/* Returns a new multi handle using c's settings and connection cache. */
struct http_multi *http_multi_new(struct http_client *c, struct err *e);
/* Frees it, aborting transfers in flight (their requests are freed). */
void http_multi_free(struct http_multi *m);
/* Starts a request; the multi handle takes ownership of req (also when
 * it fails). udata comes back with the result. Returns 0 or -1
 * (http_multi_error says why). */
int http_multi_add(struct http_multi *m, struct http_req *req, void *udata);
/* Allows at most max_host_conns connections to one host (0: no limit);
 * more transfers wait for one. Returns 0 or -1. */
int http_multi_set_max(struct http_multi *m, long max_host_conns);
/* Returns why the last http_multi_add, _wait or _set_max failed (code
 * and message); owned by m. */
const struct err *http_multi_error(const struct http_multi *m);
/* Returns the number of requests started and not yet returned by next. */
size_t http_multi_pending(const struct http_multi *m);
/* Drives the transfers for at most timeout_ms (less if one finishes).
 * extra_fd, if >= 0, is also watched for input; *extra_ready is set to 1
 * when it became readable. Returns 0 or -1. With nothing in flight it
 * sleeps (until extra_fd is readable: data or end of file). */
int http_multi_wait(struct http_multi *m, long timeout_ms, int extra_fd,
    int *extra_ready);
struct http_done {
	struct http_req *req;	/* owned by the caller now */
	struct http_resp resp;	/* owned by the caller now (http_resp_free) */
	void *udata;
	struct err err;		/* code 0, or why it failed as http_send's e
				 * (resp.status is then 0); the caller's
				 * (err_clear) */
};
/* Takes one finished transfer. Returns 1 if *out was filled, else 0. */
int http_multi_next(struct http_multi *m, struct http_done *out);

/* Percent-encodes s for a URI as SigV4 wants it: unreserved characters
 * (A-Z a-z 0-9 - _ . ~) stay, everything else is %XX; '/' stays if
 * keep_slash. Appends to b. Returns 0 or -1. */
int http_uri_encode(struct buf *b, const char *s, size_t n, int keep_slash);

#endif

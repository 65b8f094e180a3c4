/* http: retry delays, retryable statuses, requests, URI encoding, client
 * settings, and the failures that need no server (tests/http.bats has
 * those that do). */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "unit.h"

static const struct {
	long base, cap;
	int attempt;
	long ceiling;	/* min(cap, base * 2^attempt), defaults applied */
} delays[] = {
	{ 100, 20000, 0, 100 },
	{ 100, 20000, 1, 200 },
	{ 100, 20000, 3, 800 },
	{ 100, 20000, 7, 12800 },
	{ 100, 20000, 8, 20000 },
	{ 100, 20000, 60, 20000 },
	{ 100, 20000, 100000, 20000 },
	{ 50, 1000, 2, 200 },
	{ 50, 1000, 5, 1000 },
	{ 3000, 1000, 0, 1000 },		/* base above the cap */
	{ 0, 0, 0, 100 },			/* defaults: 100 ms */
	{ 0, 0, 4, 1600 },
	{ 0, 0, 30, 20000 },			/* defaults: 20 s */
	{ 100, 20000, -3, 100 },
	{ 1, 1L << 40, 62, 1L << 40 },	/* no overflow on the way */
};

static void
test_retry_delay(void)
{
	struct retry_policy p;
	size_t i;
	long d, lo, hi, k;
	int distinct, bad;

	for (i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		memset(&p, 0, sizeof(p));
		p.base_ms = delays[i].base;
		p.cap_ms = delays[i].cap;
		lo = LONG_MAX;
		hi = -1;
		bad = 0;
		for (k = 0; k < 4000; k++) {
			d = retry_delay_ms(&p, delays[i].attempt);
			if (d < 0 || d > delays[i].ceiling)
				bad++;
			if (d < lo)
				lo = d;
			if (d > hi)
				hi = d;
		}
		CHECK_INT(bad, 0, "case %zu: draws outside [0, %ld]", i,
		    delays[i].ceiling);
		/* full jitter spreads over the whole range */
		CHECK(lo < delays[i].ceiling / 4 && hi > delays[i].ceiling / 4 * 3,
		    "case %zu: draws in [%ld, %ld] of [0, %ld]", i, lo, hi,
		    delays[i].ceiling);
	}
	/* not constant: many distinct values */
	memset(&p, 0, sizeof(p));
	distinct = 0;
	d = retry_delay_ms(&p, 10);
	for (k = 0; k < 100; k++) {
		long e = retry_delay_ms(&p, 10);

		if (e != d)
			distinct++;
		d = e;
	}
	CHECK(distinct > 90, "consecutive draws differ: %d of 100", distinct);
	CHECK(retry_delay_ms(NULL, 2) <= 400, "NULL policy uses the defaults");
}

/* A child process must not draw the same delays as its parent. */
static void
test_retry_fork(void)
{
	long mine[8], theirs[8];
	int fds[2], st, same = 0;
	ssize_t n;
	pid_t pid;
	size_t i;

	retry_delay_ms(NULL, 20);	/* the parent has seeded already */
	if (pipe(fds) == -1) {
		CHECK(0, "pipe");
		return;
	}
	if ((pid = fork()) == 0) {
		for (i = 0; i < 8; i++)
			theirs[i] = retry_delay_ms(NULL, 20);
		n = write(fds[1], theirs, sizeof(theirs));
		_exit(n == (ssize_t)sizeof(theirs) ? 0 : 1);
	}
	close(fds[1]);
	for (i = 0; i < 8; i++)
		mine[i] = retry_delay_ms(NULL, 20);
	n = read(fds[0], theirs, sizeof(theirs));
	close(fds[0]);
	waitpid(pid, &st, 0);
	CHECK(n == (ssize_t)sizeof(theirs), "child's draws read");
	for (i = 0; i < 8; i++)
		if (mine[i] == theirs[i])
			same++;
	CHECK(same < 8, "parent and child draw differently (%d equal)", same);
}

static const struct {
	int neterr;
	long status;
	int want;
} retryable[] = {
	{ 1, 0, 1 },
	{ 0, 200, 0 }, { 0, 201, 0 }, { 0, 302, 0 }, { 0, 400, 0 },
	{ 0, 401, 0 }, { 0, 403, 0 }, { 0, 404, 0 }, { 0, 408, 1 },
	{ 0, 409, 0 }, { 0, 413, 0 }, { 0, 429, 1 }, { 0, 500, 1 },
	{ 0, 501, 0 }, { 0, 502, 1 }, { 0, 503, 1 }, { 0, 504, 1 },
	{ 0, 505, 0 }, { 0, 0, 0 },
};

static void
test_retryable(void)
{
	struct http_resp r;
	size_t i;

	for (i = 0; i < sizeof(retryable) / sizeof(retryable[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.neterr = retryable[i].neterr;
		r.status = retryable[i].status;
		CHECK_INT(http_retryable(&r), retryable[i].want,
		    "neterr %d status %ld", r.neterr, r.status);
	}
}

static void
test_req(void)
{
	struct http_req *r;
	struct http_resp resp;
	struct http_header h[2];
	char *body;

	r = http_req_new("PUT", "http://h/p");
	CHECK(r != NULL, "http_req_new");
	if (r == NULL)
		return;
	CHECK_STR(r->method, "PUT", "method copied");
	CHECK_STR(r->url, "http://h/p", "url copied");
	CHECK_INT(http_req_header(r, "X-A", "1"), 0, "add");
	CHECK_INT(http_req_header(r, "x-a", "2"), 0, "add the same name");
	CHECK_INT(r->nh, 2, "two headers");
	CHECK_INT(http_req_set_header(r, "X-B", "3"), 0, "set a new one");
	CHECK_INT(http_req_set_header(r, "X-A", "4"), 0, "replace");
	CHECK_INT(r->nh, 3, "replace does not add");
	CHECK_STR(http_req_get_header(r, "x-A"), "4", "case-insensitive get");
	CHECK_STR(http_req_get_header(r, "X-B"), "3", "get");
	CHECK(http_req_get_header(r, "X-C") == NULL, "absent");
	body = strdup("owned body");
	r->body = body;
	r->body_len = strlen(body);
	r->body_owned = 1;
	http_req_free(r);	/* the sanitizers see the body freed */
	http_req_free(NULL);

	memset(&resp, 0, sizeof(resp));
	h[0].name = strdup("Content-Type");
	h[0].value = strdup("text/plain");
	h[1].name = strdup("X-Amzn-RequestId");
	h[1].value = strdup("abc");
	resp.h = malloc(sizeof(h));
	memcpy(resp.h, h, sizeof(h));
	resp.nh = 2;
	CHECK_STR(http_resp_header(&resp, "content-type"), "text/plain", "resp");
	CHECK_STR(http_resp_header(&resp, "x-amzn-requestid"), "abc", "resp");
	CHECK(http_resp_header(&resp, "Date") == NULL, "resp: absent");
	http_resp_free(&resp);
	CHECK(resp.h == NULL && resp.nh == 0, "resp freed and reusable");
}

static const struct {
	const char *in;
	int keep_slash;
	const char *want;
} enc[] = {
	{ "AZaz09-_.~", 0, "AZaz09-_.~" },
	{ "a b/c", 1, "a%20b/c" },
	{ "a b/c", 0, "a%20b%2Fc" },
	{ "*+=&?%", 0, "%2A%2B%3D%26%3F%25" },
	{ "caf\xc3\xa9", 0, "caf%C3%A9" },
	{ "", 0, "" },
	{ "/log-group:x/*", 1, "/log-group%3Ax/%2A" },
};

static void
test_uri_encode(void)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
		buf_reset(&b);
		CHECK_INT(http_uri_encode(&b, enc[i].in, strlen(enc[i].in),
		    enc[i].keep_slash), 0, "encode %s", enc[i].in);
		CHECK_STR(buf_str(&b), enc[i].want, "encode %s", enc[i].in);
	}
	buf_reset(&b);
	http_uri_encode(&b, "a\0b", 3, 0);
	CHECK_STR(buf_str(&b), "a%00b", "a NUL is encoded");
	buf_free(&b);
}

static const struct {
	struct http_opts o;
	const char *want;
} bad_opts[] = {
	{ { .verify = 7 }, "TLS verification mode 7: unknown" },
	{ { .timeout_ms = -1 }, "HTTP timeout: negative" },
	{ { .ca_file = "/nonexistent/ca.pem" },
	    "CA file /nonexistent/ca.pem: No such file or directory" },
	{ { .ca_file = "" }, "CA file: empty file name" },
	{ { .cert_file = "/nonexistent/c.pem", .key_file = "/nonexistent/k" },
	    "TLS client certificate /nonexistent/c.pem: No such file or directory" },
	{ { .key_file = "/etc/hostname" },
	    "TLS client key /etc/hostname: no certificate given" },
};

static void
test_client_opts(void)
{
	struct http_client *c;
	struct err e = ERR_INIT;
	size_t i;

	for (i = 0; i < sizeof(bad_opts) / sizeof(bad_opts[0]); i++) {
		err_clear(&e);
		c = http_client_new(&bad_opts[i].o, &e);
		CHECK(c == NULL, "bad options %zu refused", i);
		http_client_free(c);
		CHECK_INT(e.code, EXIT_USAGE, "bad options %zu", i);
		CHECK_STR(err_msg(&e), bad_opts[i].want, "bad options %zu", i);
	}
	err_clear(&e);
	c = http_client_new(NULL, &e);
	CHECK(c != NULL, "NULL options are the defaults: %s", err_msg(&e));
	http_client_free(c);
	http_client_free(NULL);
}

/* A port on 127.0.0.1 where nothing listens. */
static int
dead_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int s, port;

	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s, (struct sockaddr *)&a, sizeof(a));
	getsockname(s, (struct sockaddr *)&a, &len);
	port = ntohs(a.sin_port);
	close(s);
	return port;
}

/* A listening socket that never accepts: connections complete, and no
 * answer ever comes. Returns the fd, *port set. */
static int
silent_server(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int s;

	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s, (struct sockaddr *)&a, sizeof(a));
	listen(s, 16);
	getsockname(s, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return s;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const struct {
	const char *url;	/* PORT: a dead port */
	int code, neterr;
	const char *want;
} send_fail[] = {
	{ "http://127.0.0.1:PORT/p", EXIT_RUNTIME, 1,
	    "GET http://127.0.0.1:PORT/p: Connection refused" },
	/* neither credentials nor the query reach the message */
	{ "http://user:secret@127.0.0.1:PORT/p/q?X-Amz-Signature=abc#frag",
	    EXIT_RUNTIME, 1, "GET http://127.0.0.1:PORT/p/q: Connection refused" },
	{ "ftp://127.0.0.1:PORT/p", EXIT_USAGE, 0, "GET ftp://127.0.0.1:PORT/p: "
	    "Protocol \"ftp\" not supported or disabled in libcurl" },
	{ "http://127.0.0.1:PORT:99/p", EXIT_USAGE, 0,
	    "GET http://127.0.0.1:PORT:99/p: URL using bad/illegal format or "
	    "missing URL" },
	{ "http://nonexistent.invalid:PORT/", EXIT_RUNTIME, 1,
	    "GET http://nonexistent.invalid:PORT/: Could not resolve host: "
	    "nonexistent.invalid" },
};

static const struct {
	const char *name, *value;
} bad_headers[] = {
	{ "X-A", "v\r\nX-Injected: 1" },
	{ "X-A", "v\n" },
	{ "X-A: b", "v" },
	{ "X A", "v" },
	{ "", "v" },
};

/* Copies s with "PORT" replaced by the number. */
static void
with_port(char *out, size_t n, const char *s, int port)
{
	const char *p = strstr(s, "PORT");

	if (p == NULL)
		snprintf(out, n, "%s", s);
	else
		snprintf(out, n, "%.*s%d%s", (int)(p - s), s, port, p + 4);
}

static void
test_send_fail(void)
{
	struct http_client *c;
	struct http_req *r;
	struct http_resp resp;
	struct err e = ERR_INIT;
	char url[256], want[256];
	size_t i;
	int port = dead_port();

	c = http_client_new(NULL, &e);
	for (i = 0; c && i < sizeof(send_fail) / sizeof(send_fail[0]); i++) {
		with_port(url, sizeof(url), send_fail[i].url, port);
		with_port(want, sizeof(want), send_fail[i].want, port);
		r = http_req_new("GET", url);
		memset(&resp, 0, sizeof(resp));
		err_clear(&e);
		CHECK_INT(http_send(c, r, &resp, &e), -1, "%s", url);
		CHECK_INT(e.code, send_fail[i].code, "%s", url);
		CHECK_STR(err_msg(&e), want, "%s", url);
		CHECK_INT(resp.neterr, send_fail[i].neterr, "%s", url);
		CHECK_INT(resp.status, 0, "%s", url);
		CHECK_INT(http_retryable(&resp), send_fail[i].neterr, "%s", url);
		CHECK(resp.neterr_msg != NULL && strstr(want, resp.neterr_msg),
		    "neterr_msg [%s] is the why of [%s]", resp.neterr_msg, want);
		http_resp_free(&resp);
		http_req_free(r);
	}
	/* headers that would break the request are refused before sending */
	for (i = 0; c && i < sizeof(bad_headers) / sizeof(bad_headers[0]); i++) {
		with_port(url, sizeof(url), "http://127.0.0.1:PORT/h?q=1", port);
		r = http_req_new("GET", url);
		http_req_header(r, bad_headers[i].name, bad_headers[i].value);
		memset(&resp, 0, sizeof(resp));
		err_clear(&e);
		CHECK_INT(http_send(c, r, &resp, &e), -1, "bad header %zu", i);
		CHECK_INT(e.code, EXIT_USAGE, "bad header %zu", i);
		with_port(want, sizeof(want), "GET http://127.0.0.1:PORT/h: header",
		    port);
		CHECK(strncmp(err_msg(&e), want, strlen(want)) == 0 &&
		    strstr(err_msg(&e), ": bad name or line break in the value"),
		    "message: %s", err_msg(&e));
		CHECK_INT(resp.neterr, 0, "bad header %zu", i);
		http_resp_free(&resp);
		http_req_free(r);
	}
	err_clear(&e);
	http_client_free(c);
}

/* No answer within the timeout: a network error, on time. */
static void
test_send_timeout(void)
{
	struct http_opts o = { .timeout_ms = 300 };
	struct http_client *c;
	struct http_req *r;
	struct http_resp resp;
	struct err e = ERR_INIT;
	char url[64];
	double t0, dt;
	int port, s;

	s = silent_server(&port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/slow", port);
	c = http_client_new(&o, &e);
	r = http_req_new("POST", url);
	r->body = "{}";
	r->body_len = 2;
	memset(&resp, 0, sizeof(resp));
	t0 = now();
	CHECK_INT(http_send(c, r, &resp, &e), -1, "timeout");
	dt = now() - t0;
	CHECK(dt >= 0.29 && dt < 1.5, "ended after %.3f s", dt);
	CHECK_INT(resp.neterr, 1, "a timeout is a network error");
	CHECK(strncmp(err_msg(&e), "POST http://127.0.0.1:", 22) == 0 &&
	    strstr(err_msg(&e), "/slow: Operation timed out after ") != NULL,
	    "message: %s", err_msg(&e));
	CHECK_INT(e.code, EXIT_RUNTIME, "code");
	http_resp_free(&resp);
	http_req_free(r);
	err_clear(&e);
	http_client_free(c);
	close(s);
}

static void
test_multi(void)
{
	struct http_client *c;
	struct http_multi *m;
	struct http_done d;
	struct err e = ERR_INIT;
	char url[64];
	int port = dead_port(), ready, fds[2], got, silent, sport;
	double t0;
	long i;

	c = http_client_new(NULL, &e);
	m = c ? http_multi_new(c, &e) : NULL;
	CHECK(m != NULL, "multi: %s", err_msg(&e));
	if (m == NULL) {
		http_client_free(c);
		return;
	}
	/* nothing in flight, nothing to watch: a sleep */
	t0 = now();
	CHECK_INT(http_multi_wait(m, 200, -1, &ready), 0, "idle wait");
	CHECK(now() - t0 >= 0.19 && now() - t0 < 1, "idle wait sleeps: %.3f s",
	    now() - t0);
	CHECK_INT(http_multi_next(m, &d), 0, "nothing done");

	/* the extra fd: readable data, then end of file */
	if (pipe(fds) == 0) {
		CHECK_INT(http_multi_wait(m, 50, fds[0], &ready), 0, "wait");
		CHECK_INT(ready, 0, "empty pipe is not ready");
		CHECK_INT(write(fds[1], "x", 1), 1, "write");
		CHECK_INT(http_multi_wait(m, 5000, fds[0], &ready), 0, "wait");
		CHECK_INT(ready, 1, "data is ready");
		CHECK_INT(read(fds[0], url, 1), 1, "read");
		close(fds[1]);
		t0 = now();
		CHECK_INT(http_multi_wait(m, 5000, fds[0], &ready), 0, "wait");
		CHECK_INT(ready, 1, "end of file is ready");
		CHECK(now() - t0 < 1, "end of file wakes the wait");
		close(fds[0]);
	}

	/* failures come back through next, with their error */
	CHECK_INT(http_multi_set_max(m, -1), -1, "negative limit");
	CHECK_INT(http_multi_error(m)->code, EXIT_USAGE, "negative limit");
	CHECK_STR(err_msg(http_multi_error(m)),
	    "connections per host: -1: negative", "negative limit");
	CHECK_INT(http_multi_set_max(m, 2), 0, "limit");
	CHECK_INT(http_multi_add(m, NULL, NULL), -1, "no request");
	CHECK_STR(err_msg(http_multi_error(m)), "request: out of memory",
	    "no request");
	CHECK_INT(http_multi_pending(m), 0, "no request: nothing pending");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x?secret=1", port);
	for (i = 0; i < 5; i++)
		CHECK_INT(http_multi_add(m, http_req_new("GET", url),
		    (void *)(intptr_t)(i + 1)), 0, "add %ld", i);
	CHECK_INT(http_multi_pending(m), 5, "five pending");
	got = 0;
	for (i = 0; i < 100 && http_multi_pending(m) > 0; i++) {
		CHECK_INT(http_multi_wait(m, 1000, -1, &ready), 0, "wait");
		while (http_multi_next(m, &d)) {
			got += (int)(intptr_t)d.udata;
			CHECK_INT(d.err.code, EXIT_RUNTIME, "refused");
			CHECK(strstr(err_msg(&d.err), "/x: Connection refused")
			    != NULL, "message: %s", err_msg(&d.err));
			CHECK_INT(d.resp.neterr, 1, "neterr");
			CHECK_INT(d.resp.status, 0, "status");
			CHECK_STR(d.req->url, url, "the request comes back");
			http_req_free(d.req);
			http_resp_free(&d.resp);
			err_clear(&d.err);
		}
	}
	CHECK_INT(got, 1 + 2 + 3 + 4 + 5, "every udata came back once");
	CHECK_INT(http_multi_pending(m), 0, "none pending");

	/* a bad URL is refused when it finishes, as a usage error */
	CHECK_INT(http_multi_add(m, http_req_new("GET", "gopher://x/"), NULL),
	    0, "add");
	while (http_multi_pending(m) > 0 && http_multi_wait(m, 1000, -1,
	    &ready) == 0)
		while (http_multi_next(m, &d)) {
			CHECK_INT(d.err.code, EXIT_USAGE, "bad scheme");
			CHECK_INT(d.resp.neterr, 0, "bad scheme: not neterr");
			http_req_free(d.req);
			http_resp_free(&d.resp);
			err_clear(&d.err);
		}

	/* freeing with transfers in flight and finished ones not taken */
	silent = silent_server(&sport);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/never", sport);
	for (i = 0; i < 3; i++)
		http_multi_add(m, http_req_new("POST", url), NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/refused", port);
	http_multi_add(m, http_req_new("GET", url), NULL);
	for (i = 0; i < 5; i++)
		http_multi_wait(m, 100, -1, &ready);
	CHECK_INT(http_multi_pending(m), 4, "four pending");
	http_multi_free(m);
	http_multi_free(NULL);
	close(silent);
	http_client_free(c);
	err_clear(&e);
}

/* Serves one connection of echo_server: answers each request with
 * "METHOD BODYLENGTH" (no body to a HEAD), keeping the connection. */
static void
echo_conn(int fd)
{
	char req[8192], out[256], method[16];
	size_t have = 0, need;
	ssize_t n;
	char *end, *cl;
	long blen;
	int hl;

	for (;;) {
		req[have] = '\0';
		if ((end = strstr(req, "\r\n\r\n")) != NULL) {
			blen = 0;
			if ((cl = strstr(req, "\r\nContent-Length:")) != NULL &&
			    cl < end)
				blen = strtol(cl + 17, NULL, 10);
			need = (size_t)(end + 4 - req) + (size_t)blen;
			if (have >= need) {
				if (sscanf(req, "%15s", method) != 1)
					return;
				hl = snprintf(out, sizeof(out), "%s %ld", method,
				    blen);
				n = snprintf(out + hl + 1, sizeof(out) - (size_t)hl - 1,
				    "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s",
				    hl, strcmp(method, "HEAD") == 0 ? "" : out);
				if (write(fd, out + hl + 1, (size_t)n) != n)
					return;
				memmove(req, req + need, have - need);
				have -= need;
				continue;
			}
		}
		if (have >= sizeof(req) - 1 ||
		    (n = read(fd, req + have, sizeof(req) - 1 - have)) <= 0)
			return;
		have += (size_t)n;
	}
}

/* A server in a child process, each connection in a child of its own.
 * Returns the child's pid, *port set. */
static pid_t
echo_server(int *port)
{
	int s = silent_server(port), fd;
	pid_t pid;

	if ((pid = fork()) != 0) {
		close(s);
		return pid;
	}
	while ((fd = accept(s, NULL, NULL)) != -1) {
		if (fork() == 0) {
			close(s);
			echo_conn(fd);
			_exit(0);
		}
		close(fd);
	}
	_exit(0);
}

/* The easy handles a client keeps and hands to the next transfers carry
 * nothing of the one before: each method, with or without a body, after
 * each other one, blocking and in a multi. */
static void
test_reuse(void)
{
	static const struct {
		const char *method, *body, *want;
	} seq[] = {
		{ "HEAD", NULL, "" },
		{ "POST", "abc", "POST 3" },
		{ "GET", NULL, "GET 0" },
		{ "PUT", NULL, "PUT 0" },
		{ "GET", "xy", "GET 2" },
		{ "DELETE", NULL, "DELETE 0" },
		{ "HEAD", NULL, "" },
		{ "GET", NULL, "GET 0" },
		{ "POST", "", "POST 0" },
		{ "HEAD", NULL, "" },
	};
	struct http_client *c;
	struct http_multi *m = NULL;
	struct http_req *r;
	struct http_resp resp;
	struct http_done d;
	struct err e = ERR_INIT;
	char url[64];
	size_t i, k;
	int port, st, ready, round;
	pid_t pid;

	pid = echo_server(&port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", port);
	c = http_client_new(NULL, &e);
	for (round = 0; c && round < 2; round++)
		for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
			r = http_req_new(seq[i].method, url);
			if (seq[i].body) {
				r->body = seq[i].body;
				r->body_len = strlen(seq[i].body);
			}
			memset(&resp, 0, sizeof(resp));
			CHECK_INT(http_send(c, r, &resp, &e), 0, "%s: %s",
			    seq[i].method, err_msg(&e));
			CHECK_INT(resp.status, 200, "%zu %s", i, seq[i].method);
			CHECK_STR(buf_str(&resp.body), seq[i].want, "blocking, "
			    "%zu %s, round %d", i, seq[i].method, round);
			http_resp_free(&resp);
			http_req_free(r);
			err_clear(&e);
		}
	/* in a multi, three at a time, in turn */
	m = c ? http_multi_new(c, &e) : NULL;
	for (k = 0; m && k < 3 * (sizeof(seq) / sizeof(seq[0])); k += 3) {
		for (i = k; i < k + 3; i++) {
			r = http_req_new(seq[i % 10].method, url);
			if (seq[i % 10].body) {
				r->body = seq[i % 10].body;
				r->body_len = strlen(seq[i % 10].body);
			}
			CHECK_INT(http_multi_add(m, r, (void *)(intptr_t)(i % 10)),
			    0, "add %zu", i);
		}
		while (http_multi_pending(m) > 0 &&
		    http_multi_wait(m, 1000, -1, &ready) == 0)
			while (http_multi_next(m, &d)) {
				intptr_t j = (intptr_t)d.udata;

				CHECK_INT(d.resp.status, 200, "multi %s: %s",
				    seq[j].method, err_msg(&d.err));
				CHECK_STR(buf_str(&d.resp.body), seq[j].want,
				    "multi, %s", seq[j].method);
				http_req_free(d.req);
				http_resp_free(&d.resp);
				err_clear(&d.err);
			}
	}
	http_multi_free(m);
	http_client_free(c);
	err_clear(&e);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
}

int
main(void)
{
	log_init("test_http");
	log_set_level(LOG_ERROR);
	test_retry_delay();
	test_retry_fork();
	test_retryable();
	test_req();
	test_uri_encode();
	test_client_opts();
	test_send_fail();
	test_send_timeout();
	test_multi();
	test_reuse();
	return unit_done("test_http");
}

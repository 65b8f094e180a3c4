/*
 * sigv4: AWS Signature Version 4, as described in "Signature Version 4
 * signing process" of the AWS General Reference, checked against AWS's
 * test suite (tests/sigv4).
 */
#ifndef CWL_SIGV4_H
#define CWL_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "creds.h"
#include "err.h"
#include "http.h"

struct sigv4_opts {
	const char *region;
	const char *service;	/* "logs", "s3", "dynamodb", "sts", "es", "aoss" */
	time_t now;		/* 0: time(NULL) */
	int unsigned_payload;	/* S3: x-amz-content-sha256: UNSIGNED-PAYLOAD */
	int content_sha256_header; /* add x-amz-content-sha256 (S3, es, aoss) */
	int normalize_path;	/* 1 for every service except s3 */
	int query;		/* presign into the query string instead */
	long expires;		/* with query: X-Amz-Expires seconds */
};

/* Signs req in place: adds Host (if absent), X-Amz-Date,
 * X-Amz-Security-Token (if the credentials have a session token),
 * x-amz-content-sha256 (if asked) and Authorization. Returns 0 or -1. */
int sigv4_sign(struct http_req *req, const struct creds *c,
    const struct sigv4_opts *o, struct err *e);

/* The steps, exposed for the test suite: each appends to out. */
int sigv4_canonical_request(const struct http_req *req,
    const struct sigv4_opts *o, const char *payload_hash,
    struct buf *out, struct buf *signed_headers);
int sigv4_string_to_sign(const char *amzdate, const char *scope,
    const char *canonical_request, struct buf *out);

/* Writes the lowercase hex SHA-256 of p[0..n) into hex (65 bytes). */
void sigv4_sha256_hex(const void *p, size_t n, char hex[65]);

#endif

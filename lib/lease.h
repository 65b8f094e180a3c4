/*
 * lease: who reads what, when several instances share work. A lease is a
 * small record in a registry's S3 prefix or DynamoDB table, written only
 * with conditional writes, so that of two writers racing on one lease
 * exactly one wins:
 *
 *   s3://BUCKET/PREFIX   object PREFIX KEY ".lease" (KEY's ':' as '/'),
 *                        {"owner":"...","counter":N,"ended":false},
 *                        If-None-Match: * to make it, If-Match: ETAG after
 *   dynamodb://TABLE     item "source" = "@lease/" KEY, with lease_owner
 *                        (S), lease_counter (N), lease_ended (BOOL),
 *                        attribute_not_exists(source) or lease_counter = N
 *
 * Neither is read by the registry as a checkpoint (an S3 registry reads
 * ".json" objects only; a DynamoDB registry skips items with
 * lease_counter). Every write adds one to the counter: a holder renews
 * its lease by writing it again, and a lease whose counter has not moved
 * for a lease time, as the reader sees it on its own clock, is expired,
 * as the Kinesis Client Library judges it (no clocks are compared).
 */
#ifndef CWL_LEASE_H
#define CWL_LEASE_H

#include <stdint.h>

#include "aws.h"
#include "err.h"

struct lease_store;

/* A lease as read or last written. */
struct lease {
	int exists;
	char *owner;		/* owned; "" when released */
	int64_t counter;
	int ended;		/* its work is done for good */
	char *etag;		/* owned; S3's version of it, or NULL */
};

/* Opens the lease store of a registry URL (s3:// or dynamodb://). Returns
 * it, owned by the caller (lease_close), or NULL with e: another scheme
 * is EXIT_USAGE. */
struct lease_store *lease_open(const char *url, const struct aws_opts *ao,
    struct err *e);
void lease_close(struct lease_store *s);
/* Returns the store's URL; owned by s. */
const char *lease_name(const struct lease_store *s);
/* Reads the lease of key into *l (cleared first; exists 0 when there is
 * none). Returns 0, or -1 with e. */
int lease_read(struct lease_store *s, const char *key, struct lease *l,
    struct err *e);
/* Writes owner and ended to the lease of key, with the counter one past
 * l's, on the condition that the lease is still as l says (absent, or
 * that version). Returns 0 when written (l then says what was written), 1
 * when another writer was first (l is then stale: read it again), -1 with
 * e. */
int lease_write(struct lease_store *s, const char *key, struct lease *l,
    const char *owner, int ended, struct err *e);
void lease_clear(struct lease *l);

#endif

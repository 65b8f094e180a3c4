/* acks.h: ack lines in order per source (acks.c). */
#ifndef CWL_SHIP_ACKS_H
#define CWL_SHIP_ACKS_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "err.h"

struct acks;
struct src;

/* Returns a new table writing ack lines to fd (-1: none), owned by the
 * caller, or NULL (out of memory). */
struct acks *acks_new(int fd);
void acks_free(struct acks *a);
/* Returns the source of a key (created at first sight), owned by a, or
 * NULL (out of memory). */
struct src *acks_source(struct acks *a, const char *key, size_t n);
/* Registers the next event read of s; *seq is its rank. Returns 0 or -1. */
int acks_push(struct acks *a, struct src *s, uint64_t *seq);
/* Settles event seq of s, whose cursor is cur[0..len). Returns 0 or -1. */
int acks_settle(struct acks *a, struct src *s, uint64_t seq,
    const char *cur, size_t len);
/* Takes a checkpoint mark of s: a cursor with no event, settled at
 * once, so written when the events of s read before it are. Returns 0 or
 * -1. */
int acks_mark(struct acks *a, struct src *s, const char *cur, size_t len);
/* Writes the ack lines that are due. Returns 0, 1 when the reader went
 * away (EPIPE), or -1 with e. */
int acks_flush(struct acks *a, struct err *e);
/* Returns the number of events registered and not settled. */
size_t acks_pending(const struct acks *a);
/* Returns the number of ack lines written. */
uint64_t acks_written(const struct acks *a);
/* Calls fn with each source's key and the number of its events (not
 * marks) the ack lines written cover. */
void acks_each(const struct acks *a, void (*fn)(void *ctx, const char *key,
    size_t keylen, uint64_t n), void *ctx);

#endif

/*
 * parse.h: what cwl-ship reads from the servers of its outputs, apart
 * from the sockets: the answers to Elasticsearch _bulk requests (bulk.c)
 * and the ACK frames of lumberjack v2 (lumberjack.c). Bytes in; events
 * settled through the core's hooks (ship_accept, ship_reject, ...).
 */
#ifndef CWL_SHIP_PARSE_H
#define CWL_SHIP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ship.h"

/* bulk.c */
/* Settles every event of b by the answer to its _bulk request, sent to
 * where ("URL/_bulk"): status st (an HTTP status, not 0) and body
 * body[0..len) (NUL-terminated past len, or NULL when empty). Each event
 * is settled once, through ship_accept, ship_reject or ship_retry_event
 * (then ship_retry_flush), and b freed (ship_batch_free); or the whole
 * batch is handed to ship_retry_batch or ship_split; or, for 401 and
 * 403, ship_fail ends the run (EXIT_AUTH) and b is freed as it is.
 * Returns 1 when the host should rest (408, 429, 5xx), else 0. */
int bulk_answer(struct ship *s, struct batch *b, long st, const char *body,
    size_t len, const char *where);
/* Appends "STATUS Reason" and the server's words in body[0..len) (the
 * error's type and reason, a message, or the first line of the body) to
 * out. */
void bulk_words(long st, const char *body, size_t len, struct buf *out);
/* Returns the number of elements of the valid JSON array at p[0..n), or
 * (size_t)-1 if it is not an array. */
size_t bulk_array_length(const char *p, size_t n);

/* lumberjack.c */
/* A window in flight: a batch sent as one lumberjack window, whose
 * events 1..acked the server has acknowledged. */
struct lj_win {
	struct batch *b;
	uint32_t acked;
	size_t bytes;		/* what it weighed on the wire */
	struct lj_win *next;
};
/* Reads the bytes p[0..n) from the server as 6-byte frames; the start of
 * a frame cut by the end of p waits in f[0..*flen) for the next call.
 * Calls ack(arg, seq, e) for each ACK frame ("2A" and a 32-bit
 * sequence number). Returns 0, or -1 with e (set here, or by ack) for a
 * frame that is not an ACK or when ack returns -1. */
int lj_read(unsigned char f[6], size_t *flen, const void *p, size_t n,
    int (*ack)(void *arg, uint32_t seq, struct err *e), void *arg,
    struct err *e);
/* Takes the ACK seq for the window w: accepts (ship_accept) its events
 * acked + 1 .. seq. A seq of 0, or not past acked, is a keep-alive.
 * Returns 1 when the whole window is acknowledged (the caller unlinks it
 * and frees its batch), 0 when not yet, or -1 with e for a seq past the
 * end of the window. */
int lj_ack(struct ship *s, struct lj_win *w, uint32_t seq, struct err *e);

#endif

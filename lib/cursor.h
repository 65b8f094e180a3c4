/*
 * cursor: where to resume after one event of one source (DESIGN.md).
 *
 *   {"group":"G","stream":"S","token":"f/...","skip":N,"ts":MS,"n":SEQ}
 *
 * token fetched the page that holds the event and skip is its rank + 1 in
 * that page. For a group-wide (FilterLogEvents) source, stream is "*",
 * token is absent and "ids" lists the eventIds seen at timestamp ts; a
 * followed group's cursor holds in ts the time before which its events
 * are all written, and, while a sweep of [ts, to] is in progress, "to"
 * with the token and skip of the page in hand (cwl-lines(5)). n is
 * the event's position among the events read from the source (1, 2, ...),
 * carried across resumes: it orders the cursors of one source, which a
 * timestamp cannot do because late events arrive with old timestamps.
 * The source key is "GROUP:STREAM": log group names cannot hold ':',
 * and stream names cannot hold ':' or '*'.
 */
#ifndef CWL_CURSOR_H
#define CWL_CURSOR_H

#include <stdint.h>

#include <json-c/json.h>

#include "buf.h"
#include "err.h"

struct cursor {
	char *group;		/* owned */
	char *stream;		/* owned; "*" for a group-wide source */
	char *token;		/* owned; NULL for none */
	int64_t skip;
	int64_t ts;
	int64_t n;
	int64_t to;		/* a sweep in progress: its end; 0: none */
	char **ids;		/* owned, group-wide sources only */
	size_t nids;
};

/* Fills c from a parsed cursor object. Returns 0, or -1 with e saying
 * which field is missing or wrong (EXIT_REJECTED): skip, ts and n, when
 * present, are whole numbers of 0 or more. */
int cursor_from_json(json_object *o, struct cursor *c, struct err *e);
/* Parses one line (a cursor, or an event line whose @metadata.cursor is
 * used). Returns 0 or -1 with e. */
int cursor_parse(const char *line, size_t n, struct cursor *c,
    struct err *e);
/* Appends the cursor as one JSON object (no newline) to b, without
 * printf: the one writer of cursors, for event lines, marks, ack lines
 * and registries. A ts before the epoch is written 0. Returns 0 or -1
 * (ENOMEM). */
int cursor_to_json(const struct cursor *c, struct buf *b);
/* Appends the source key "GROUP:STREAM" to b. */
int cursor_key(const struct cursor *c, struct buf *b);
/* Returns >0 if a is after b in the same source, 0 if equal, <0 if
 * before. */
int cursor_cmp(const struct cursor *a, const struct cursor *b);
/* Deep copy. Returns 0 or -1 (ENOMEM). */
int cursor_copy(struct cursor *dst, const struct cursor *src);
void cursor_clear(struct cursor *c);

/* The document id of an event that CloudWatch gave no eventId: the first
 * 128 bits, in hex, of SHA-256 over group, stream, timestamp, ingestion
 * time, message and the event's rank among identical events in its page,
 * each field length-prefixed. out must hold 33 bytes. */
void cursor_event_id(const char *group, const char *stream, int64_t ts,
    int64_t ingestion, const char *msg, size_t msglen, int64_t rank,
    char out[33]);

#endif

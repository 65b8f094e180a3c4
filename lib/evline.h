/*
 * evline: the event line of DESIGN.md, as cwl-tail and cwl-kinesis write
 * it, and the pieces of it the config gives (fields, tags).
 *
 *   {"@timestamp":"...","message":"...","event":{"id":"..."},
 *    "log":{"file":{"path":"GROUP/STREAM"}},
 *    "aws":{"cloudwatch":{"log_group":"G","log_stream":"S",
 *                         "ingestion_time":"..."}},
 *    "cloud":{"provider":"aws","region":"R","account":{"id":"A"}},
 *    "prospector":"...", FIELDS, "tags":[...],
 *    "@metadata":{"_id":"...","cursor":{...}}}
 *
 * ingestion_time, account, prospector, fields and tags are there only
 * when known or configured.
 */
#ifndef CWL_EVLINE_H
#define CWL_EVLINE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "buf.h"
#include "config.h"
#include "cursor.h"
#include "err.h"

/* An ingestion time that is not known. */
#define EVLINE_NO_TIME INT64_MIN

/* What many lines share. Strings are borrowed. */
struct evline_opts {
	const char *region;
	const char *prospector;		/* or NULL */
	const char *fields;		/* ",\"k\":v..." (evline_fields), or NULL */
	int fields_under_root;
	const char *tags;		/* ",\"tags\":[...]" (evline_tags), or NULL */
};

/* One event. Strings are borrowed. */
struct evline {
	const char *group, *stream;
	int64_t ts;			/* ms since the epoch */
	int64_t ingest;			/* ms, or EVLINE_NO_TIME */
	const char *msg;
	size_t len;
	const char *id;			/* the document id */
	const char *account;		/* cloud.account.id, or NULL */
	const struct cursor *cursor;
};

/* Appends the line of ev, newline included, to b. Returns 0 or -1
 * (ENOMEM). */
int evline_json(struct buf *b, const struct evline_opts *o,
    const struct evline *ev);
/* Formats ms as timex_iso does, faster: the date is formatted once a
 * day. Returns out. */
char *evline_iso(int64_t ms, char out[25]);

/* Returns 1 if k is a member every event line has (fields under the root
 * may not take its name), else 0. */
int evline_reserved(const char *k);
/* Adds the pairs of "k=v,k2=v2" (--fields) to *acc, made if NULL, as
 * strings. Returns 0, or -1 with e (EXIT_USAGE). */
int evline_fields_arg(json_object **acc, const char *arg, struct err *e);
/* Returns an error (EXIT_USAGE, -1) naming who when o has a reserved
 * member, else 0. */
int evline_fields_check(json_object *o, const char *who, struct err *e);
/* Returns the members of the objects src[0..n) (NULL ones skipped; later
 * ones win) as ",\"k\":v...", malloc'd and owned by the caller, or NULL
 * when there are none. */
char *evline_fields(json_object *const *src, size_t n);
/* Sets *out to the config's top-level tags as ",\"tags\":[...]"
 * (malloc'd, the caller's), or NULL when there are none. Returns 0 or -1
 * with e. */
int evline_tags(struct cfg *c, char **out, struct err *e);

#endif

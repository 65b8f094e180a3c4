/* cwl-list: what its files share. */
#ifndef CWL_LIST_H
#define CWL_LIST_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "aws.h"
#include "buf.h"
#include "err.h"
#include "strmap.h"

enum list_mode { MODE_GROUPS, MODE_STREAMS };
enum list_fmt { FMT_JSON, FMT_PLAIN, FMT_TABLE };

/* How a name on the command line or in the config selects log groups. */
enum spec_kind {
	SPEC_EXACT,	/* one group, by its name */
	SPEC_PREFIX,	/* every group whose name starts with prefix */
	SPEC_GLOB	/* names under prefix that match the glob text */
};

struct spec {
	const char *text;		/* as given */
	enum spec_kind kind;
	char *prefix;			/* sent to the API; owned */
	const char *stream_prefix;	/* the prospector's, or NULL */
	int missing;			/* an exact name found no group */
	int linked;			/* includeLinkedAccounts */
	const char *const *accounts;	/* accountIdentifiers, or NULL */
	size_t naccounts;
};

/* A group found: its name, and for a group of a linked source account
 * its ARN (read by logGroupIdentifier). Strings are borrowed. */
struct grp {
	const char *name;
	const char *ident;		/* the ARN without ":*", or NULL */
	const char *account;		/* the owner, when known, or NULL */
	const char *key;		/* name, or ACCOUNT:NAME when ident */
};

struct list {
	enum list_mode mode;
	enum list_fmt fmt;
	struct spec *specs;
	size_t nspecs;
	const char *prefix;		/* --prefix */
	const char *pattern;		/* --pattern */
	int has_since;
	int64_t since_ms;		/* --active-since */
	int order_last;			/* --order-by last-event */
	long limit;			/* --limit, 0: none */
	unsigned shard_i, shard_n;	/* --shard I/N, n = 0: none */
	int watch;
	int64_t interval_ms, group_interval_ms;
	struct aws *aws;
	double rate;			/* describe calls per second, 0: no limit */
	double tokens;
	int64_t tokens_at;
	struct buf out;			/* stdout, flushed after every page */
	struct strmap *seen;		/* streams or groups already written, each
				 * with its lastIngestionTime (seen_get) */
	size_t calls;
	const char *stats;		/* --stats FILE, or NULL */
	int missing;			/* a named group does not exist */
	char *own;			/* the monitoring account's id, once
					   known; owned */
};

extern struct list L;

/* describe.c */
/* Calls fn for each log group the spec selects, page after page.
 * Returns 0, 1 when an exact name matched no group, or -1 with e. */
int list_groups(const struct spec *s, int (*fn)(json_object *g, void *arg),
    void *arg, struct err *e);
/* Calls fn for each stream of group that passes the filters. Returns 0,
 * 1 when the group does not exist, or -1 with e. */
int list_streams(const struct grp *g, const char *stream_prefix,
    int (*fn)(const struct grp *g, json_object *s, void *arg), void *arg,
    struct err *e);
/* Fills *g from a group object of list_groups (its accountId and
 * logGroupIdentifier); key is built in *b. */
void list_grp(json_object *o, struct grp *g, struct buf *b);
/* Empty pages in a row, each with a new nextToken, before a listing is
 * given up. A listing ends with no token; CloudWatch Logs is known to
 * hand out new tokens for empty pages without end in some cases (expired
 * streams), which would hold cwl-list for ever. */
#define MAX_EMPTY_PAGES 100
/* Checks a describe answer: *arr gets its list under key (NULL when
 * absent or null; owned by resp) and *next a malloc'd copy of its
 * nextToken (the caller's), or NULL at the end: no token, or the token
 * sent coming back with an empty page. *empties counts the empty pages
 * in a row. An answer of the wrong shape, or a token that would make the
 * listing loop, is an error (EXIT_RUNTIME) naming op and what. Returns 0
 * or -1. */
int list_page_check(const char *op, const char *what, json_object *resp,
    const char *key, const char *sent, int *empties, json_object **arr,
    char **next, struct err *e);
/* Returns 1 if the stream st of group, named name, passes the filters:
 * prefix (may be NULL), --pattern, --active-since and --shard; else 0. */
int list_stream_wanted(const char *group, const char *name, json_object *st,
    const char *prefix);
/* Returns 1 if name is in shard I of N (or there are no shards). */
int in_shard(const char *a, const char *b);
/* Waits ms, watching stdout: returns early on SIGTERM, exits 0 quietly
 * when the reader of stdout went away. */
void list_pause(int64_t ms);

/* output.c */
/* Writes the group o, found as g (list_grp). */
void out_group(json_object *o, const struct grp *g);
/* Writes the stream s of group g: in JSON with the group's logGroupName,
 * logGroupIdentifier and accountId first (members of s by those names
 * are removed from it, so that the line's are the group's); plainly as
 * GROUP:STREAM, or the stream's ARN for a linked account's group. */
void out_stream(const struct grp *g, json_object *s);
/* Writes what is pending (a table is printed whole, aligned). */
void out_flush(int end_of_round);

#endif

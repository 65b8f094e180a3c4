/*
 * cwl-tail's own declarations: the sources it reads, the schedule that
 * polls them, and the event lines it writes.
 */
#ifndef CWL_TAIL_H
#define CWL_TAIL_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "aws.h"
#include "bucket.h"
#include "cli.h"
#include "buf.h"
#include "cursor.h"
#include "err.h"
#include "http.h"
#include "multiline.h"
#include "sched.h"
#include "strmap.h"

enum { MODE_AUTO, MODE_STREAM, MODE_FILTER };
enum { OUT_JSON, OUT_TEXT };
enum { API_GET, API_FILTER, API_LIST, API_N };
/* requests.c: the operation names, "GetLogEvents"... */
extern const char *const api_name[API_N];

/* What a prospector (or the command line) says about a group. */
struct prosp {
	const char *id;			/* owned by the config, or NULL */
	const char *const *groupnames;	/* owned by the config */
	size_t ngroupnames;
	struct multiline ml;		/* ml.pattern NULL: none */
	char *fields;			/* the members of the fields object,
					   ",\"k\":v..." (or NULL); owned */
	int fields_under_root;
	const char *filter_pattern;	/* owned by the config or argv */
	const char *stream_prefix;
	int mode;			/* MODE_*, MODE_AUTO: by filter_pattern */
	int64_t ml_timeout;		/* ms; an unfinished event waits no longer */
};

/* A job is anything that sends requests: a source or a group listing.
 * It sits in the heap of its API while it waits, ordered by due time. */
struct job {
	struct sched_item it;	/* first: the heap holds &job.it */
	int api;		/* API_* */
	int attempt;		/* failed attempts in a row */
	int auth_retried;
};

enum src_state { SRC_QUEUED, SRC_FLIGHT, SRC_IDLE, SRC_DONE };

struct group;
struct gread;

/* Pending lines of a multiline event: of a stream source, or of one
 * stream of a group read as a whole (group.c keeps one per stream). */
struct mlpend {
	struct buf msg;
	size_t nlines;
	int64_t ts, ingest, rank;	/* of the first line */
	int64_t lts;			/* the newest line's timestamp */
	char *id;			/* group-wide: the first line's eventId */
	char *stream;			/* group-wide: the stream */
	char *token;			/* the last line's cursor */
	int64_t skip, cts, n, to;
	int64_t since;			/* monotonic ms of the first line */
	int64_t wfirst, wlast;		/* the last event written: the
					   timestamps of its first and newest
					   lines; wlast -1: none */
};

/* A source: a stream read with GetLogEvents (stream.c), or a group read
 * as a whole with FilterLogEvents (stream NULL, group.c). */
struct src {
	struct job job;			/* first: a src is a job */
	struct src *hnext;		/* hash chain */
	struct group *g;
	char *stream;			/* NULL: group-wide */
	enum src_state state;
	unsigned explicit_arg:1;	/* named on the command line */
	unsigned resumed:1;		/* started from a cursor */
	unsigned fallback:1;		/* the cursor's token was refused */
	unsigned empties:7;		/* empty pages in a row, new token each */
	char *token;		/* next request's token (NULL: first page) */
	int64_t start;		/* startTime of the first request, or -1 */
	int64_t n;		/* events read so far */
	int64_t drop;		/* events to drop at the head of the next page */
	int64_t last_ts;	/* timestamp of the newest event read */
	int64_t activity;	/* wall ms of the newest ingestion seen */
	int64_t reported;	/* lastIngestionTime from the newest listing */
	struct mlpend *ml;	/* multiline lines waiting, or NULL */
	struct gread *gr;	/* group-wide: the reader's state (group.c) */
};

struct group {
	struct job job;			/* its DescribeLogStreams listing */
	struct group *next;
	char *name;			/* the source key: the log group's name,
					   or ACCOUNT:NAME for a group of a linked
					   source account (lib/arn.h) */
	char *logname;			/* the log group's name */
	char *ident;			/* a linked account's group: its ARN
					   without ":*", by which it is read; NULL */
	char *account;			/* the owner, when known, or NULL */
	const struct prosp *p;		/* never NULL */
	unsigned list:1;		/* list its streams to read them */
	unsigned watch:1;		/* list its newest streams, for the
					   group-wide reader's lateness check */
	unsigned explicit_arg:1;
	unsigned listing:1;		/* a listing is in progress */
	unsigned listed:1;		/* listed at least once */
	char *list_token;
	char **fstreams;		/* group-wide: only these streams */
	size_t nfstreams;
	int all_streams;		/* group-wide: every stream */
	struct src *gsrc;		/* its group-wide source, or NULL */
	uint64_t events;		/* events written */
	int64_t newest;			/* ingestion time of the newest, or 0 */
};

struct counters {
	uint64_t requests, throttles, retries, events, bytes, pages;
	struct {
		uint64_t requests, throttles, retries;
	} api[API_N];		/* the same, per API */
	uint64_t received;	/* events in the API's answers */
	uint64_t met;		/* of those, events written already */
	uint64_t beyond;	/* streams with events later than the bound */
	int64_t last_ingest;	/* of the newest event written */
};

struct tail {
	struct aws *aws;
	struct http_multi *multi;
	const char *region;

	/* options */
	int follow;
	int mode;
	int64_t start;		/* wall ms, -1: none */
	int64_t end;		/* wall ms, -1: none */
	int64_t latency;
	int64_t refresh, hot_refresh, hot_horizon, horizon, list_refresh;
	int64_t ml_timeout;
	int out_fmt;
	int color;
	int local;
	int progress;
	int max_attempts;
	struct retry_policy retry;
	size_t max_flight[API_N];
	long limit;		/* events per request, 0: the API's default */
	int64_t max_delay;	/* --max-delay: the bound on lateness */
	int marks;		/* write mark lines (with --resume) */
	unsigned shard_i, shard_n;	/* --shard I/N, n = 0: none */

	/* sources */
	struct src **tab;	/* hash of sources by group and stream */
	size_t tabsize, nsrc;
	size_t nidle, ndone;
	struct group *groups;	/* newest first */
	struct strmap *group_keys;	/* the groups by source key */
	struct sched_heap heap[API_N];
	struct bucket budget[API_N];
	size_t flight[API_N];

	struct prosp *prosps;	/* from the config */
	size_t nprosps;
	struct prosp cli_p;	/* from the command line, over them */

	char *tags;		/* ",\"tags\":[...]" of the config, or NULL */
	struct buf out;		/* the event lines of the page in hand */
	struct counters c;
	int rejected;		/* input lines set aside */
	struct cli_fail fail;	/* the first failure; its stop is &stopping */
	int stopping;

	/* stdin */
	int in_fd;		/* -1: not read */
	struct buf in;
	size_t in_line;
	int in_skip;		/* dropping the rest of a line too long */
	const char *stats;	/* --stats FILE, or NULL */
	int64_t t0;		/* monotonic ms at start */
	int64_t progress_next;
	int progress_tty;
};

extern struct tail T;

/* table.c: the sources and groups, by name */
/* The group of the monitoring account named name, made if new. */
struct group *group_get(const char *name);
/* The group of a linked source account, by its ARN (lib/arn.h), made
 * if new. Returns NULL if arn is no log group's ARN. */
struct group *group_get_arn(const char *arn);
/* Sets the account of g (cloud.account.id), when it has none. */
void group_account(struct group *g, const char *account);
struct src *src_find(struct group *g, const char *stream);
/* A new source of g, in the table (stream NULL: group-wide). */
struct src *src_new(struct group *g, const char *stream, int api);
/* Calls fn on every source. */
void src_each(void (*fn)(struct src *s));

/* requests.c: the request loop */
/* Puts j in the heap of its API, due at due (monotonic ms). */
void sched(struct job *j, int64_t due);
void set_idle(struct src *s);
void set_done(struct src *s);
/* Writes what s holds and marks it done. */
void source_finished(struct src *s);
/* Sends j's next request (its budget token taken; a group-wide source
 * has its pass set, group_next_pass). Returns 1 if it was sent. */
int start_job(struct job *j, int64_t now);
/* Starts the requests that are due and within budget. */
void start_requests(int64_t now);
/* Returns the ms until the next job could start, at most cap. */
int64_t next_wakeup(int64_t now, int64_t cap);
/* Handles one finished transfer. */
void handle_done(struct http_done *d);
/* Returns 1 when there is nothing left to do (one-shot mode). */
int all_done(void);
/* Flushes the pending multiline events of every source. */
void flush_all_pending(void);
void report_counters(void);
/* Builds the JSON 1.1 request of api for body (taken); bad: the body
 * could not be built (out of memory). Returns NULL with e on failure. */
struct http_req *json_req(int api, struct buf *body, int bad,
    struct err *e);
/* Appends {"logGroupName":"G" or, for a linked account's group,
 * {"logGroupIdentifier":"ARN" to b. Returns 0 or -1. */
int group_ref(struct buf *b, const struct group *g);
/* Appends ,"name":"v" to b. Returns 0 or -1. */
int add_member_str(struct buf *b, const char *name, const char *v);
/* The rank of an event among identical ones in the page in hand: call
 * rank_reset(events in the page) first. */
void rank_reset(size_t nev);
int64_t rank_of(const char *stream, int64_t ts, int64_t ingest,
    const char *msg, size_t len);
/* The page of the transfer in hand (page.h). */
extern struct page page_in_hand;
struct ev;
struct page_ev;
/* Fills ev with the times and message of pe, of pg (its stream, id and
 * rank are the caller's). */
void ev_of(struct ev *ev, const struct page *pg, const struct page_ev *pe);

/* stream.c: streams read with GetLogEvents */
/* Adds or refreshes the stream source G/S (from an argument, a stdin
 * line or a listing); last_ingest and first_ts are -1 when unknown. */
struct src *src_stream(struct group *g, const char *stream,
    int64_t last_ingest, int64_t first_ts, int explicit_arg);
void group_want_list(struct group *g);
struct http_req *build_get(struct src *s, struct err *e);
struct http_req *build_list(struct group *g, struct err *e);
void on_get(struct src *s);
void on_list(struct group *g, json_object *out);
/* Reads the streams listed idle while no GetLogEvents job is due. */
void start_probes(int64_t now);
/* Returns 1 while listed streams wait to be probed. */
int probes_left(void);
/* Returns the ms until a probe could start, or cap. */
int64_t probe_wakeup(int64_t now, int64_t cap);
/* After the end of stdin: idle streams no listing can wake are polled
 * once a stream_event_horizon. */
void stdin_closed(void);
/* The GetLogEvents token of s was refused: reads again from its newest
 * event's time. Returns 1 if that was done, 0 if s cannot do it. */
int stream_token_refused(struct src *s, const char *why);

/* group.c: groups read as a whole with FilterLogEvents */
/* Adds the group-wide source of g. */
struct src *src_group(struct group *g);
/* Sets the next pass of s; returns 0 when there is nothing to ask for
 * yet (s is then rescheduled, or finished). */
int group_next_pass(struct src *s, int64_t now);
struct http_req *build_filter(struct src *s, struct err *e);
void on_filter(struct src *s);
/* The hook of the error path: returns 1 if the group-wide reader took
 * care of the error of s (ae's code, why its text), else 0. */
int group_on_error(struct src *s, const char *code, const char *why);
/* A stream of g was listed with lastIngestionTime last_ingest: checks,
 * once the bound has passed, that its events were read. */
void group_stream_listed(struct group *g, const char *stream,
    int64_t last_ingest);
void group_free(struct src *s);
/* Writes the pending multiline events of the group-wide source s. */
void group_ml_flush(struct src *s);
/* Sets the cursor of a joined event of the group-wide source s as it is
 * written. */
void group_ml_cursor(struct src *s, struct cursor *c);
/* Returns the time before which every event of g is written (within the
 * bound), or -1 when g is not followed as a whole. */
int64_t group_swept(const struct group *g);

/* stats.c: writes the counters to the --stats file (cwl-tail(1), STATS
 * FILE). Returns 0, or -1 with e. */
int stats_write(struct err *e);
void progress_update(int64_t now, int final);

/* output.c */
struct ev {
	int64_t ts, ingest;
	const char *msg;
	size_t len;
	const char *id;		/* eventId, or NULL: computed */
	const char *stream;
	int64_t rank;		/* among identical events in its page */
};
/* Takes an event of s with its cursor, through the multiline joiner. */
void out_event(struct src *s, const struct ev *ev, const struct cursor *c);
/* The multiline joiner: takes a line of s into m, writing the event
 * it ends or the one before it; ml_flush writes m's pending event. */
void ml_take(struct src *s, struct mlpend *m, const struct ev *ev,
    const struct cursor *c);
void ml_flush(struct src *s, struct mlpend *m);
/* Writes a mark line: a cursor and no event (cwl-lines(5)). */
void out_mark(const struct cursor *c);
/* Writes the pending multiline event of s, if any. */
void out_flush_pending(struct src *s);
/* Writes the page in hand to stdout. */
void out_flush(void);
void mlpend_free(struct mlpend *p);

/* input.c */
int resume_load(const char *path, struct err *e);
/* Takes the cursor for key G:S (stream NULL: "*"), or returns -1. */
int resume_take(const char *group, const char *stream, struct cursor *c);
/* The oldest time among the cursors of the streams of group, leaving
 * out those more than a stream_event_horizon older than its newest.
 * Returns 0 with *ts, or -1 when group has none. */
int resume_group_oldest(const char *group, int64_t *ts);
void stdin_read(void);
/* Adds the source of a GROUP or GROUP:STREAM argument. Returns 0 or -1. */
int arg_source(const char *arg, struct err *e);
/* Adds --fields "k=v,k2=v2". Returns 0 or -1. */
int fields_option(const char *arg, struct err *e);
const struct prosp *prosp_for(const char *group);
int prosp_load(struct err *e);

#endif

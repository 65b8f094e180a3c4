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
#include "buf.h"
#include "cursor.h"
#include "err.h"
#include "http.h"
#include "idset.h"
#include "multiline.h"

enum { MODE_AUTO, MODE_STREAM, MODE_FILTER };
enum { OUT_JSON, OUT_TEXT };
enum { API_GET, API_FILTER, API_LIST, API_N };
/* source.c: the operation names, "GetLogEvents"... */
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
 * It sits in one heap at a time, ordered by due time. */
struct job {
	int api;		/* API_* */
	size_t hidx;		/* index in its heap, or (size_t)-1 */
	int64_t due;		/* monotonic ms */
	int attempt;		/* failed attempts in a row */
	int auth_retried;
};

enum src_state { SRC_QUEUED, SRC_FLIGHT, SRC_IDLE, SRC_DONE };

struct group;

/* Pending lines of a multiline event. */
struct mlpend {
	struct buf msg;
	size_t nlines;
	int64_t ts, ingest, rank;	/* of the first line */
	char *token;			/* the last line's cursor */
	int64_t skip, cts, n;
	int64_t since;			/* monotonic ms of the first line */
};

struct src {
	struct job job;			/* first: a src is a job */
	struct src *hnext;		/* hash chain */
	struct group *g;
	char *stream;			/* NULL: group-wide (FilterLogEvents) */
	enum src_state state;
	unsigned explicit_arg:1;	/* named on the command line */
	unsigned resumed:1;		/* started from a cursor */
	unsigned fallback:1;		/* the cursor's token was refused */
	unsigned empties:7;		/* empty pages in a row, new token each */
	unsigned hot:1;			/* counted in its group's nhot */
	unsigned gpoll:1;		/* its group's poll (g->gp), not a
					   stream or a group-wide source */
	char *token;		/* next request's token (NULL: first page) */
	int64_t start;		/* startTime of the first request, or -1 */
	int64_t n;		/* events read so far */
	int64_t drop;		/* events to drop at the head of the next page */
	int64_t last_ts;	/* timestamp of the newest event read */
	int64_t activity;	/* wall ms of the newest ingestion seen */
	int64_t reported;	/* lastIngestionTime from the newest listing */
	/* the cursor of the newest line written for the stream (or its
	 * start): the one events of the group poll carry */
	char *held_token;	/* NULL: the first page */
	int64_t held_skip, held_ts;
	/* group-wide sources */
	int64_t from, to;	/* the pass in progress: [from, to] */
	char **ids;		/* event ids seen at ids_ts, oldest first */
	size_t nids, capids;
	int64_t ids_ts;
	struct mlpend *ml;	/* multiline lines waiting, or NULL */
};

struct group {
	struct job job;			/* its DescribeLogStreams listing */
	struct group *next;
	char *name;
	const struct prosp *p;		/* never NULL */
	unsigned list:1;		/* list its streams (all of them) */
	unsigned explicit_arg:1;
	unsigned listing:1;		/* a listing is in progress */
	unsigned listed:1;		/* listed at least once */
	char *list_token;
	char **fstreams;		/* group-wide: only these streams */
	size_t nfstreams;
	int all_streams;		/* group-wide: every stream */
	struct src *gsrc;		/* its group-wide source, or NULL */
	struct src *gp;			/* its group poll, or NULL */
	size_t nhot;			/* streams hot (s->hot) */
	int64_t gp_since;		/* wall ms the group poll started */
	unsigned gp_on:1;		/* the group poll runs */
	unsigned gp_used:1;		/* it ran: look its ids up */
	unsigned gp_refused:1;		/* FilterLogEvents was refused */
	uint64_t events;		/* events written */
	int64_t newest;			/* ingestion time of the newest, or 0 */
};

/* A min-heap of jobs by due time. */
struct heap {
	struct job **v;
	size_t n, cap;
};

/* A token bucket whose rate halves on throttling and recovers slowly. */
struct bucket {
	double rate, max_rate, min_rate, tokens;
	int64_t last;		/* monotonic ms of the last refill */
	int64_t last_cut;	/* of the last halving */
	int unlimited;		/* a rate of 0: no budget */
};

struct counters {
	uint64_t requests, throttles, retries, events, bytes, pages;
	struct {
		uint64_t requests, throttles, retries;
	} api[API_N];			/* the same, per API */
	uint64_t gp_events;	/* events written by group polls */
	uint64_t gp_met;	/* events GetLogEvents met that they wrote */
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
	long gp_min;		/* hot streams that start a group poll, 0: never */
	int64_t gp_overlap;	/* ms a group poll reads again behind now */
	int gp_adopt;		/* the group poll may add the streams it finds */
	unsigned shard_i, shard_n;	/* --shard I/N, n = 0: none */
	struct idset *seen;	/* ids written that the other way of reading
				   a polled group is still to meet */

	/* sources */
	struct src **tab;	/* hash of sources by group and stream */
	size_t tabsize, nsrc;
	size_t nidle, ndone;
	struct group *groups;
	struct heap heap[API_N];
	struct bucket budget[API_N];
	size_t flight[API_N];

	struct prosp *prosps;	/* from the config */
	size_t nprosps;
	struct prosp cli_p;	/* from the command line, over them */

	/* --resume cursors not yet claimed by a source, by source key */
	struct cursor *resume;
	size_t nresume;

	char *tags;		/* ",\"tags\":[...]" of the config, or NULL */
	struct buf out;		/* the event lines of the page in hand */
	struct counters c;
	int rejected;		/* input lines set aside */
	int failed;		/* exit code of a failure, or 0 */
	struct err err;
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

/* source.c */
int heap_push(struct heap *h, struct job *j);
struct job *heap_top(const struct heap *h);
struct job *heap_pop(struct heap *h);
void heap_remove(struct heap *h, struct job *j);
void bucket_init(struct bucket *b, double rate, int64_t now);
int bucket_take(struct bucket *b, int64_t now);
int64_t bucket_wait_ms(struct bucket *b, int64_t now);
void bucket_throttled(struct bucket *b, int64_t now);
void bucket_ok(struct bucket *b);

struct group *group_get(const char *name);
struct src *src_find(struct group *g, const char *stream);
/* Adds or refreshes the stream source G/S (from an argument, a stdin
 * line or a listing); last_ingest and first_ts are -1 when unknown. */
struct src *src_stream(struct group *g, const char *stream,
    int64_t last_ingest, int64_t first_ts, int explicit_arg);
/* Adds the group-wide source of g (filter mode). */
struct src *src_group(struct group *g);
void group_want_list(struct group *g);
void sched(struct job *j, int64_t due);
/* Starts the requests that are due and within budget. */
void start_requests(int64_t now);
/* Returns the ms until the next job could start, at most cap. */
int64_t next_wakeup(int64_t now, int64_t cap);
/* Handles one finished transfer. */
void handle_done(struct http_done *d);
/* After the end of stdin: idle streams no listing can wake are polled
 * once a stream_event_horizon. */
void stdin_closed(void);
/* Returns 1 when there is nothing left to do (one-shot mode). */
int all_done(void);
/* Flushes the pending multiline events of every source. */
void flush_all_pending(void);
void report_counters(void);

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
/* Writes a checkpoint mark: a line with only @metadata.cursor c (JSON
 * output only). */
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
void stdin_read(void);
/* Adds the source of a GROUP or GROUP:STREAM argument. Returns 0 or -1. */
int arg_source(const char *arg, struct err *e);
/* Adds --fields "k=v,k2=v2". Returns 0 or -1. */
int fields_option(const char *arg, struct err *e);
const struct prosp *prosp_for(const char *group);
int prosp_load(struct err *e);

#endif

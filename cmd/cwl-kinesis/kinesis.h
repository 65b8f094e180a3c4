/*
 * cwl-kinesis's own declarations: the shards of the stream, what each
 * is doing, and the records it turns into event lines.
 */
#ifndef CWL_KINESIS_H
#define CWL_KINESIS_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "aws.h"
#include "buf.h"
#include "ckpt.h"
#include "cli.h"
#include "cursor.h"
#include "err.h"
#include "evline.h"
#include "http.h"
#include "lease.h"

enum sh_state {
	SH_WAIT,	/* a parent is not finished */
	SH_READY,	/* to be read: GetShardIterator, then GetRecords */
	SH_FLIGHT,	/* a request in flight */
	SH_IDLE,	/* one-shot: read up to the tip (MillisBehindLatest 0) */
	SH_DONE,	/* closed and read to its end, or finished before */
	SH_LEASED	/* another instance holds its lease */
};

struct shard {
	char *id;
	char *parent, *adjacent;	/* or NULL */
	enum sh_state state;
	unsigned closed:1;	/* listed with an EndingSequenceNumber */
	unsigned resumed:1;	/* started from a checkpoint */
	unsigned listed:1;	/* in the newest listing */
	char *iter;		/* the shard iterator, or NULL: get one */
	/* where the shard is: the cursor of the last line written */
	char *seq;		/* that record's sequence number, NULL: none yet */
	int64_t skip;		/* its events done; 0: the whole record */
	int64_t ts;		/* timestamp of the newest event written */
	int64_t n;		/* lines written for the shard (events, marks) */
	int64_t drop;		/* events of record seq to drop (AT_SEQUENCE_NUMBER) */
	/* the schedule */
	int64_t due;		/* monotonic ms */
	int attempt;		/* failed requests in a row */
	int auth_retried;
	int64_t calls[5];	/* times of the last five GetRecords (ring) */
	unsigned ncall;
	double budget;		/* bytes it may read now (2 MB/s, one second's worth) */
	int64_t budget_t;
	/* leases (lease.c) */
	struct lease lease;	/* as last read or written */
	unsigned held:1;	/* ours: it may be read */
	unsigned ended:1;	/* its lease says done, for every instance */
	int64_t seen_counter;	/* the lease's counter last seen, and when */
	int64_t seen_at;	/* (monotonic ms) */
	int64_t renew_at;	/* monotonic ms */
	int64_t deadline;	/* monotonic ms: not read past it unless renewed */
	int64_t lost_at;	/* monotonic ms our lease was taken away, or 0 */
	uint64_t events;	/* events written */
};

struct kinesis {
	struct aws *aws;
	struct http_multi *multi;
	const char *region;
	char *stream;		/* the stream's name */
	const char *stream_given;	/* as given: a name or an ARN */
	char *group;		/* the cursors' group: "@kinesis/NAME" */

	/* options */
	int follow;
	int64_t since;		/* AT_TIMESTAMP for shards with no checkpoint, -1: TRIM_HORIZON */
	int64_t poll;		/* ms between reads of a shard at its tip */
	int64_t refresh;	/* ms between listings (--follow) */
	long limit;		/* GetRecords Limit, 0: the API's */
	int max_attempts;
	struct retry_policy retry;
	const char *const *groups;	/* log groups kept (exact, or prefix*), NULL: all */
	size_t ngroups;
	const char *dead_letter;
	int dl_fd;
	size_t max_flight;

	struct shard **sh;
	size_t nsh, capsh;
	struct cursor *resume;	/* cursors of --resume for this stream */
	size_t nresume;

	/* leases: shared with other instances (lease.c) */
	struct lease_store *leases;	/* NULL: every shard is ours */
	struct ckpt *reg;	/* the registry, for the checkpoints */
	const char *owner;
	int64_t lease_ms;	/* a lease not renewed for this long expires */
	int64_t next_lease;	/* monotonic ms of the next lease round */
	int64_t last_steal;	/* monotonic ms of the last lease asked for */

	struct evline_opts lo;
	struct buf out;
	int64_t next_list;	/* monotonic ms */
	size_t flight;
	uint64_t events, records, rejected, throttles, expired, requests;
	struct cli_fail fail;	/* the first failure; its stop is &stopping */
	int stopping;
};

extern struct kinesis K;

/* shards.c */
/* Lists the shards (ListShards) and adds those not known. Returns 0, or
 * -1 with e. */
int shards_list(struct err *e);
/* Returns the shard of id, or NULL. */
struct shard *shard_find(const char *id);
/* Starts the requests that are due. */
void shards_start(int64_t now);
/* Returns ms until a shard is due, at most cap. */
int64_t shards_wakeup(int64_t now, int64_t cap);
/* Handles one finished transfer. */
void shards_done(struct http_done *d);
/* Returns 1 when nothing is left to read (one-shot mode). */
int shards_all_done(void);

/* lease.c */
/* Opens the lease store and the registry. Returns 0, or -1 with e. */
int lease_setup(const char *url, const struct aws_opts *ao, struct err *e);
/* Reads and writes the leases when due: renews ours, takes free and
 * expired ones up to a fair share, gives back what is over it. */
void lease_round(int64_t now);
/* Returns 1 if sh may be read now (no leases, or ours and renewed in
 * time); a lease past its deadline is dropped. */
int lease_ok(struct shard *sh, int64_t now);
/* Gives back every lease held (at exit). */
void lease_release_all(void);

/* setup.c */
struct cli;
/* Puts the subscription filter of each configured group to the stream
 * (given: the name or ARN), or with dry_run prints the requests; with
 * policy_only prints the account-level policy instead. Returns 0, or -1
 * with e. */
int setup_subscription(struct cli *cli, const char *given, int dry_run,
    int policy_only, struct err *e);

/* record.c */
/* Turns one Kinesis record of sh (its Data in base64) into event lines
 * in K.out, or sets it aside. Moves sh's position past it. */
void record_take(struct shard *sh, const char *seq, const char *data_b64,
    size_t len);
/* Writes the lines in hand to stdout. */
void out_flush(void);

/* Decodes base64 (RFC 4648, with padding) into out. Returns 0, or -1 with
 * *why (static). */
int b64_decode(const char *p, size_t n, struct buf *out, const char **why);
/* Inflates a gzip member (RFC 1952) into out, at most max bytes. Returns
 * 0, or -1 with *why (static). */
int gunzip(const unsigned char *p, size_t n, size_t max, struct buf *out,
    const char **why);

#endif

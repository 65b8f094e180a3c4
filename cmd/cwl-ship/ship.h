/*
 * ship.h: what the parts of cwl-ship share. The core (ship.c) reads lines,
 * checks them, groups them into batches and keeps the acks in order; an
 * output (es.c, logstash.c, file.c, console.c) delivers batches and says,
 * event by event, what became of them.
 */
#ifndef CWL_SHIP_H
#define CWL_SHIP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "http.h"

/* One event of a batch. Offsets marked "rel" are relative to off. */
struct ev {
	size_t off;		/* the line in the batch's arena */
	uint32_t len;		/* the whole line */
	uint32_t doc_off;	/* rel: the JSON object, trimmed */
	uint32_t doc_len;
	uint32_t cut_off;	/* rel: the @metadata member to cut out */
	uint32_t cut_len;	/* 0: none */
	uint32_t id_off;	/* rel: @metadata._id, a JSON string token */
	uint32_t id_len;	/* 0: none */
	uint32_t cur_off;	/* rel: @metadata.cursor, a JSON object */
	uint32_t cur_len;	/* 0: none */
	uint32_t idx_off;	/* the index name in the batch's names */
	uint32_t idx_len;	/* 0: the output's fixed index */
	uint32_t tries;		/* failed deliveries so far */
	int64_t lineno;
	struct src *src;	/* NULL: no ack */
	uint64_t seq;		/* rank in src */
	struct gstat *gs;	/* its group's counters (--stats), or NULL */
	int64_t ingest;		/* wall ms of its ingestion (--stats), or -1 */
};

struct batch {
	struct buf arena;	/* the lines, as read */
	struct buf names;	/* the index names of the events */
	struct ev *ev;
	size_t n, cap;
	size_t bytes;		/* what the documents weigh */
	int64_t born;		/* monotonic ms of the first event */
	int64_t due;		/* a retry waits until then */
	int tries;		/* whole-batch failures */
	struct batch *next;
};

/* Returns the document of e with @metadata cut out: appends it to b. */
int ev_doc(const struct batch *b, const struct ev *e, struct buf *out);
/* Returns a pointer to the line of e (len e->len); owned by b. */
#define EV_LINE(b, e) ((b)->arena.p + (e)->off)

struct ship;

/* An output. Each hook returns 0, or -1 with e set for a fatal error
 * (the run ends with e->code). */
struct output {
	const char *name;
	void *st;
	int ordered;	/* new batches wait while a retry waits */
	/* Returns 1 if the output takes another batch now. */
	int (*room)(struct ship *s);
	/* Takes b (the output owns it until it settles it). */
	int (*send)(struct ship *s, struct batch *b, struct err *e);
	/* Drives the transfers for at most timeout_ms, watching fd (>= 0)
	 * for input and setting *ready when it can be read. Settles what
	 * finished through ship_accept, ship_reject, ship_retry_*. */
	int (*wait)(struct ship *s, long timeout_ms, int fd, int *ready,
	    struct err *e);
	/* Returns the number of batches the output holds. */
	size_t (*busy)(struct ship *s);
	/* At exit: flushes and releases everything. */
	int (*close)(struct ship *s, struct err *e);
};

struct counters {
	uint64_t lines;		/* lines read */
	uint64_t marks;		/* of them, checkpoint marks */
	uint64_t acked;		/* events the output accepted */
	uint64_t duplicates;	/* of which already there (409 on create) */
	uint64_t failed;	/* failed deliveries (of events), retried */
	uint64_t too_many;	/* of which 429 */
	uint64_t retries;	/* events sent again */
	uint64_t dropped;	/* events set aside (dead letter) */
	uint64_t invalid;	/* of which bad input lines */
	uint64_t bytes;		/* bytes sent */
	uint64_t batches;	/* requests or windows sent */
	uint64_t acks;		/* ack lines written */
};

/* The settings the core and every output share. */
struct ship_opts {
	size_t bulk_max_size;	/* events per batch */
	size_t bulk_max_bytes;	/* bytes of documents per batch */
	size_t queue_bytes;	/* bound on bytes held */
	size_t max_line_bytes;
	int64_t flush_ms;	/* linger */
	int max_retries;	/* -1: forever */
	struct retry_policy backoff;
	int64_t report_ms;
	int64_t shutdown_ms;	/* after SIGTERM, how long to deliver */
};

struct ship {
	struct cli *cli;
	struct cfg *cfg;
	struct ship_opts o;
	struct output out;
	struct counters c;
	struct index_fmt *idx;	/* NULL: no per-event index */
	char *index_name;	/* the fixed index, or NULL; owned */
	const char *out_key;	/* "output.elasticsearch", ... */
	struct err fatal;	/* set: stop and exit with its code */
	int64_t now;		/* monotonic ms, refreshed by the loop */
	struct stats *stats;	/* --stats, or NULL */
	size_t held;		/* bytes of the batches alive */
	struct ship_core *core;
};

/* What an output reports about event i of batch b. */
/* The output accepted it (dup: it was already there). */
void ship_accept(struct ship *s, struct batch *b, size_t i, int dup);
/* The output refused it for good: to the dead-letter file. status is the
 * output's status (0 for none), reason its words, error (may be NULL) the
 * output's error object as JSON. */
void ship_reject(struct ship *s, struct batch *b, size_t i, long status,
    const char *reason, const char *error_json, size_t error_len);
/* It failed for now: it goes again, in a retry batch, after a backoff.
 * too_many: the failure was a 429. */
void ship_retry_event(struct ship *s, struct batch *b, size_t i,
    int too_many);
/* Closes the retry batch that ship_retry_event filled, if any; call once
 * the answer to a batch has been gone through. */
void ship_retry_flush(struct ship *s);
/* The whole batch failed (why: said in a warning); it goes again after
 * a backoff, or the run ends if the retry budget is spent. */
void ship_retry_batch(struct ship *s, struct batch *b, int too_many,
    const char *why);
/* Splits b in two halves that go first (413). b is freed. */
void ship_split(struct ship *s, struct batch *b);
/* Frees a batch every event of which was settled. */
void ship_batch_free(struct ship *s, struct batch *b);
/* Returns the backoff before retry number n (0-based). */
long ship_backoff(struct ship *s, int n);
/* An output's wait with nothing in flight: waits for input on fd (if
 * >= 0) or for the time to pass. Returns 0. */
int ship_wait_input(struct ship *s, long timeout_ms, int fd, int *ready);
/* Returns 1 if batches wait for the output to take them. */
int ship_waiting(const struct ship *s);
/* Sets the fatal error, if none is set yet. */
void ship_fail(struct ship *s, const struct err *e);

/* Reads the output's worker (or its alias workers, 1 by default) into
 * *n. Returns 0, or -1 with e for a value below 1 (EXIT_USAGE). */
int ship_worker(struct ship *s, const char *key, int64_t *n, struct err *e);
/* Reads the settings of the output at key into the core's options, with
 * the schema's defaults. */
int ship_common_opts(struct ship *s, const char *key, struct err *e);

/* The outputs: each fills s->out. */
int es_open(struct ship *s, struct err *e);
int ls_open(struct ship *s, struct err *e);
int file_open(struct ship *s, struct err *e);
int console_open(struct ship *s, struct err *e);

/* What --test-output writes and the exit code it ends with (setup.c). */
struct check;

/* An output cwl-ship can pick: output.NAME. */
struct output_def {
	const char *name;	/* "elasticsearch" */
	/* Reads the settings and fills s->out. Returns 0, or -1 with e. */
	int (*open)(struct ship *s, struct err *e);
	/* --test-output: opens the output if it must, checks that it can
	 * deliver, writes the steps to c. */
	void (*test)(struct ship *s, struct check *c);
	/* --check-config: what to check once opened (NULL: nothing). */
	int (*check)(struct ship *s, struct err *e);
	int setup;		/* cwl-ship setup installs into it */
	int stdout_docs;	/* the documents take stdout: acks only with
				   --acks */
};
/* The outputs, ended by an entry with a NULL name. */
extern const struct output_def ship_outputs[];

/* hosts.c: one host of an output's hosts setting. */
struct hostspec {
	char *scheme;	/* "http" or "https", or NULL when none was given */
	char *name;	/* the host; an IPv6 literal without brackets */
	char *port;	/* the port given, or the output's default */
	char *path;	/* "/prefix" without a trailing slash, or "" */
	char *label;	/* name:port ("[::1]:9200") */
};
/* Reads h, from the setting key: with url, "scheme://host:port/path"
 * (http or https, no credentials), else "host:port"; a port left out
 * is dport. Returns 0, or -1 with e (EXIT_USAGE). out's strings are
 * owned by out (host_free), even on failure. */
int host_parse(const char *key, const char *h, int url, long dport,
    struct hostspec *out, struct err *e);
void host_free(struct hostspec *h);

/* tls.c: the ssl.* settings of an output, the same for every output. */
struct tls_conf {
	int enabled;		/* ssl.enabled */
	int verify;		/* HTTP_VERIFY_* */
	struct buf ca_pem;	/* the certificate_authorities files, one
				   after the other; empty: the system's */
	const char *cert, *key;	/* client certificate and key, or NULL */
	const char *passphrase;	/* of the key (a secret), or NULL */
	int min, max;		/* HTTP_TLS_* from supported_protocols, 0 */
	char *ciphers;		/* TLS 1.2 ciphers joined by ':', or NULL */
	char *tls13;		/* TLS 1.3 suites joined by ':', or NULL */
	char *curves;		/* curve_types joined by ':', or NULL */
};
/* Reads and checks out's ssl.* settings (out: "output.logstash") into t
 * (owned by the caller: tls_conf_free). ssl.enabled defaults to false,
 * or with infer to whether a CA or a certificate is set. Returns 0, or
 * -1 with e. */
int tls_conf_read(struct cfg *cfg, const char *out, int infer,
    struct tls_conf *t, struct err *e);
void tls_conf_free(struct tls_conf *t);
#ifdef OPENSSL_SSL_H
/* Applies t's versions, ciphers and curves to ctx. Returns 0, or -1
 * with e naming the setting. */
int tls_limits(SSL_CTX *ctx, struct cfg *cfg, const char *out,
    const struct tls_conf *t, struct err *e);
/* Makes ctx trust t's CAs, or the system's. Returns 0 or -1. */
int tls_cas(SSL_CTX *ctx, const struct tls_conf *t);
#endif
/* Sets e to "what: " and OpenSSL's last error (or errno's). Returns -1. */
int tls_err(struct err *e, int code, const char *what);

/* es.c: single requests through the output es_open set up, with its
 * TLS settings, headers, authentication and signature. */
/* Sends method path (from "/", after the host's base URL) to host h,
 * with a JSON body (borrowed; NULL: none), and waits. Returns as
 * http_send; resp is the caller's (http_resp_free). */
int es_request(struct ship *s, size_t h, const char *method,
    const char *path, const char *body, size_t len, struct http_resp *resp,
    struct err *e);
/* Returns the number of hosts. */
size_t es_nhosts(const struct ship *s);
/* Returns the base URL of host h, owned by the output. */
const char *es_host_url(const struct ship *s, size_t h);
/* Returns host h as read from the hosts setting, owned by the output. */
const struct hostspec *es_host(const struct ship *s, size_t h);
/* Returns 1 if the output indexes with op_type create. */
int es_op_create(const struct ship *s);
/* Returns the kind of authentication: "none", "basic", "api_key",
 * "bearer", "es" or "aoss" (SigV4); static or owned by the output. */
const char *es_auth_kind(const struct ship *s);
/* Appends "STATUS Reason: the server's words" of a failed answer. */
void es_resp_words(const struct http_resp *r, struct buf *out);

/* logstash.c: for --test-output. Returns the number of hosts of the
 * output ls_open set up. */
size_t ls_nhosts(const struct ship *s);
/* Returns "name:port" of host h, owned by the output. */
const char *ls_host_label(const struct ship *s, size_t h);
/* Returns 1 if the output uses TLS. */
int ls_tls(const struct ship *s);
/* Connects to host h and does the TLS handshake, blocking for at most
 * the output's timeout, then closes. Returns 0, or -1 with *step
 * ("dns lookup", "dial up", "TLS") and e. */
int ls_probe(struct ship *s, size_t h, const char **step, struct err *e);

/* stats.c: the counters per log group of --stats (cwl-ship(1), STATS
 * FILE). */
struct stats;
struct gstat;
struct acks;
/* Returns a new table writing to path (borrowed), or NULL. */
struct stats *stats_new(const char *path);
void stats_free(struct stats *st);
/* Returns the counters of the group whose JSON string token is
 * tok[0..n), made at first sight; NULL: out of memory. */
struct gstat *stats_group(struct stats *st, const char *tok, size_t n);
/* Returns the cloudwatch.ingestion_time of an event's "aws" object
 * (struct scan's aws_off, aws_len), in ms since the epoch, or -1. */
int64_t stats_ingest(const char *aws, size_t n);
/* Counts a line read, an event set aside, an event accepted at wall
 * time now (g may be NULL: no group). */
void stats_read(struct gstat *g);
void stats_dead(struct gstat *g);
void stats_shipped(struct stats *st, struct gstat *g, int64_t ingest,
    int64_t now);
/* Replaces the --stats file. Returns 0, or -1 with e. */
int stats_write(struct ship *s, struct stats *st, struct acks *a,
    struct err *e);

/* setup.c: checks the settings of cwl-ship setup (the template, the
 * lifecycle policy and their files) as setup_run reads them, after
 * es_open. Returns 0, or -1 with e. */
int setup_check(struct ship *s, struct err *e);
/* setup.c: cwl-ship setup [--dry-run] and --test-output. out is the
 * output picked, not opened yet; each opens and closes it, and returns
 * the exit code. */
int setup_run(struct ship *s, const struct output_def *out, int dry_run);
int setup_test_output(struct ship *s, const struct output_def *out);
/* The --test-output hooks of the outputs. */
void setup_test_es(struct ship *s, struct check *c);
void setup_test_ls(struct ship *s, struct check *c);
void setup_test_file(struct ship *s, struct check *c);
void setup_test_console(struct ship *s, struct check *c);

/* scan.c: one pass over a line. */
struct scan {
	size_t doc_off, doc_len;	/* the object, trimmed */
	size_t cut_off, cut_len;	/* the @metadata member with a comma */
	size_t meta_off, meta_len;	/* @metadata's value */
	size_t id_off, id_len;		/* @metadata._id (any token) */
	size_t cur_off, cur_len;	/* @metadata.cursor (any token) */
	size_t aws_off, aws_len;	/* the first "aws" member's value */
	char why[96];			/* why it is not a JSON object */
};
/* Returns 1 if p[0..n) is one JSON object (with @metadata found),
 * 0 for a blank line, -1 with s->why. */
int scan_line(const char *p, size_t n, struct scan *s);
/* Finds the member key (a plain name) at the top level of the object at
 * p[0..n): returns 1 and the value's span, or 0. The JSON must be valid. */
int scan_member(const char *p, size_t n, const char *key, size_t *off,
    size_t *len);
/* Follows a dotted path ("aws.cloudwatch.log_group") in the object.
 * Returns 1 and the value's span, or 0. */
int scan_path(const char *p, size_t n, const char *path, size_t *off,
    size_t *len);
/* Appends the value of a scalar token to b: a string unescaped, a number
 * or literal as is. Returns 0, or -1 for an object, array or null. */
int scan_scalar(const char *p, size_t n, struct buf *b);

/* index.c: index names from a format like
 * "cloudwatchlogsbeat-%{+yyyy.MM.dd}" or "logs-%{[aws.cloudwatch.log_group]}". */
struct index_fmt;
/* Returns the compiled format (owned by the caller) or NULL with e. */
struct index_fmt *index_compile(const char *fmt, struct err *e);
void index_free(struct index_fmt *f);
/* Returns 1 if the name depends on the event. */
int index_dynamic(const struct index_fmt *f);
/* Appends the index of the document p[0..n) (lowercased) to out. Returns
 * 0, or -1 with the reason in e. */
int index_expand(const struct index_fmt *f, const char *p, size_t n,
    struct buf *out, struct err *e, int64_t now_ms);

#endif

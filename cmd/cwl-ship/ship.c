/*
 * cwl-ship: delivers event lines (or any NDJSON) read on stdin to
 * Elasticsearch, Logstash, rotating files or the console, and writes an
 * ack line (the event's @metadata.cursor) once every event of its source
 * up to and including it was accepted by the output or set aside in the
 * dead-letter file. @metadata is cut out of each document and its _id
 * becomes the document id, so that a replay overwrites (or conflicts)
 * instead of duplicating.
 *
 * One thread: stdin is read in the same loop that drives the output, and
 * reading stops while the batches alive weigh more than the output's
 * max_buffer_bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acks.h"
#include "jsonx.h"
#include "log.h"
#include "ship.h"
#include "timex.h"

#define READ_CHUNK (256 * 1024)

static const char synopsis[] =
    "cwl-ship [-c FILE] [-E key=value]... [--acks FILE] [--dead-letter FILE]\n"
    "                [--max-line-bytes N] [--shutdown-timeout DUR]\n"
    "                [-d SELECTORS] [-v | -q]\n"
    "       cwl-ship [-c FILE] [-E key=value]... setup [--dry-run]\n"
    "       cwl-ship [-c FILE] [-E key=value]... --test-output";

static const char help[] =
    "Reads event lines (or any NDJSON) on stdin and ships them to the output\n"
    "of the config: output.elasticsearch (the default when hosts are set),\n"
    "output.logstash, output.file or output.console. Writes an ack line per\n"
    "source once its events up to that cursor are accepted.\n"
    "\n"
    "  -c, --config FILE        the config file (also $CWL_CONFIG)\n"
    "  -E, --define KEY=VALUE   override a config key\n"
    "      --acks FILE          write the ack lines to FILE, not stdout\n"
    "      --dead-letter FILE   append rejected lines to FILE (NDJSON)\n"
    "      --max-line-bytes N   longer lines are rejected (default 10MiB)\n"
    "      --shutdown-timeout DUR  on SIGTERM or SIGINT, deliver what is in\n"
    "                           hand for at most DUR, then exit 1 (default 5s,\n"
    "                           cloudwatchlogsbeat.shutdown_timeout)\n"
    "      --stats FILE         at each report and at exit, write the counters\n"
    "                           per log group to FILE instead of stderr\n"
    "      setup                install the index template (and lifecycle\n"
    "                           policy, data stream) in Elasticsearch\n"
    "      --dry-run            with setup: print the requests, send nothing\n"
    "      --test-output        check that the output can be reached\n"
    "  -d, --debug SELECTORS    debug lines for http, ship, ... or \"*\"\n"
    "  -v, --verbose            info lines as well: what is being done\n"
    "  -q, --quiet              errors only (default: warnings and errors)\n"
    "      --check-config       check the config as a run would, and exit\n"
    "      --config-value KEY   print a config value and exit (secrets as\n"
    "                           [REDACTED] unless --show-secrets)\n"
    "      --config-ms KEY      print a duration of the config in ms and exit\n"
    "  -h, --help               this help\n"
    "  -V, --version            the version\n"
    "\n"
    "Exit status: 0 all delivered, 1 output unreachable (or not everything\n"
    "delivered when stopped), 2 usage or config, 3 some lines set aside,\n"
    "4 authentication refused.\n";

enum { OPT_ACKS = 0x2000, OPT_DEAD_LETTER, OPT_MAX_LINE, OPT_DRY_RUN,
    OPT_TEST_OUTPUT, OPT_STATS, OPT_SHUTDOWN };

struct ship_core {
	struct acks *acks;
	int infd;
	size_t line_start;	/* in cur: the bytes not taken yet */
	int eof;
	int stopping;
	int64_t stop_by;	/* stopping: monotonic ms when it gives up */
	int64_t lineno;
	/* an over-long line being set aside */
	int skipping;
	uint64_t skip_bytes;
	char skip_tail[4];
	size_t skip_ntail;
	/* batches */
	struct batch *cur;
	struct batch *ready, *ready_tail;
	struct batch *delayed;		/* by due time */
	struct batch *retry;		/* being filled */
	struct batch *spare;		/* spent, kept for reuse */
	size_t nspare;
	/* the dead-letter file */
	int dlfd;
	const char *dlpath;
	struct buf dl;
	/* output of ack lines */
	const char *acks_path;
	int ackfd;
	int64_t next_report;
	struct buf idxbuf;
	struct buf key;		/* the source key of the line in hand */
	int dl_unsynced;	/* dead letters written since the last fsync */
};

/* --- batches ---------------------------------------------------------- */

/*
 * Spent batches are kept, a few, for the next ones: memory the process
 * has touched costs nothing to fill again, fresh memory costs a page
 * fault per page. What is kept is bounded (SPARE_BATCHES, and batches
 * that outgrew the output's byte cap are let go).
 */
#define SPARE_BATCHES 8

static struct batch *
batch_new(struct ship *s)
{
	struct ship_core *c = s->core;
	struct batch *b;

	if ((b = c->spare) != NULL) {
		c->spare = b->next;
		c->nspare--;
		b->next = NULL;
	} else if ((b = calloc(1, sizeof(*b))) == NULL) {
		log_oom();
	}
	b->born = s->now;
	return b;
}

static struct ev *
batch_slot(struct batch *b)
{
	struct ev *ev;
	size_t cap;

	if (b->n == b->cap) {
		cap = b->cap ? b->cap * 2 : 64;
		if ((ev = realloc(b->ev, cap * sizeof(*ev))) == NULL)
			log_oom();
		b->ev = ev;
		b->cap = cap;
	}
	ev = &b->ev[b->n++];
	memset(ev, 0, sizeof(*ev));
	return ev;
}

/* Adds to b a copy of event i of from. */
static void
batch_copy(struct ship *s, struct batch *b, const struct batch *from,
    size_t i)
{
	const struct ev *src = &from->ev[i];
	struct ev *ev = batch_slot(b);
	size_t before = b->arena.len + b->names.len;

	*ev = *src;
	ev->off = b->arena.len;
	if (buf_add(&b->arena, from->arena.p + src->off, src->len) == -1)
		log_oom();
	if (src->idx_len) {
		ev->idx_off = (uint32_t)b->names.len;
		if (buf_add(&b->names, from->names.p + src->idx_off,
		    src->idx_len) == -1)
			log_oom();
	}
	b->bytes += src->doc_len;
	s->held += b->arena.len + b->names.len - before;
}

void
ship_batch_free(struct ship *s, struct batch *b)
{
	struct ship_core *c = s->core;

	if (b == NULL)
		return;
	s->held -= b->arena.len + b->names.len;
	if (c->nspare < SPARE_BATCHES &&
	    b->arena.cap <= 2 * s->o.bulk_max_bytes + 2 * READ_CHUNK &&
	    b->cap <= 2 * s->o.bulk_max_size + 64) {
		buf_reset(&b->arena);
		buf_reset(&b->names);
		b->n = 0;
		b->bytes = 0;
		b->tries = 0;
		b->due = 0;
		b->next = c->spare;
		c->spare = b;
		c->nspare++;
		return;
	}
	buf_free(&b->arena);
	buf_free(&b->names);
	free(b->ev);
	free(b);
}

static void
spares_free(struct ship_core *c)
{
	struct batch *b;

	while ((b = c->spare) != NULL) {
		c->spare = b->next;
		buf_free(&b->arena);
		buf_free(&b->names);
		free(b->ev);
		free(b);
	}
	c->nspare = 0;
}

int
ev_doc(const struct batch *b, const struct ev *e, struct buf *out)
{
	const char *line = EV_LINE(b, e);
	size_t a = e->doc_off, z = (size_t)e->doc_off + e->doc_len;

	if (e->cut_len == 0)
		return buf_add(out, line + a, e->doc_len);
	if (buf_add(out, line + a, e->cut_off - a) == -1)
		return -1;
	return buf_add(out, line + e->cut_off + e->cut_len,
	    z - (e->cut_off + e->cut_len));
}

static void
ready_push(struct ship *s, struct batch *b, int front)
{
	struct ship_core *c = s->core;

	b->next = NULL;
	if (front) {
		b->next = c->ready;
		c->ready = b;
		if (c->ready_tail == NULL)
			c->ready_tail = b;
		return;
	}
	if (c->ready_tail)
		c->ready_tail->next = b;
	else
		c->ready = b;
	c->ready_tail = b;
}

static void
delay(struct ship *s, struct batch *b, long ms)
{
	struct batch **pp;

	b->due = s->now + ms;
	for (pp = &s->core->delayed; *pp && (*pp)->due <= b->due;
	    pp = &(*pp)->next)
		;
	b->next = *pp;
	*pp = b;
}

/* Moves the retries that are due to the front of the queue, in order. */
static void
take_due(struct ship *s)
{
	struct ship_core *c = s->core;
	struct batch *first = c->delayed, *last = NULL, *b;

	for (b = c->delayed; b && b->due <= s->now; b = b->next)
		last = b;
	if (last == NULL)
		return;
	c->delayed = last->next;
	last->next = c->ready;
	c->ready = first;
	if (c->ready_tail == NULL)
		c->ready_tail = last;
}

/* Closes the batch being filled. The bytes read past its last line
 * (a line still coming) move to a new batch, which is filled next. */
static void
close_cur(struct ship *s)
{
	struct ship_core *c = s->core;
	struct batch *b = c->cur, *nb = NULL;
	size_t tail;

	if (b == NULL || b->n == 0)
		return;
	tail = b->arena.len - c->line_start;
	if (tail > 0) {
		nb = batch_new(s);
		if (buf_reserve(&nb->arena, tail + READ_CHUNK) == -1 ||
		    buf_add(&nb->arena, b->arena.p + c->line_start, tail) == -1)
			log_oom();
		b->arena.len = c->line_start;
		b->arena.p[b->arena.len] = '\0';
	}
	c->line_start = 0;
	ready_push(s, b, 0);
	c->cur = nb;
}

/* Forgets the bytes [from, to) of the batch being filled (lines set
 * aside, or a batch holding no event yet). */
static void
drop_bytes(struct ship *s, size_t from, size_t to)
{
	struct buf *a = &s->core->cur->arena;

	memmove(a->p + from, a->p + to, a->len - to);
	a->len -= to - from;
	a->p[a->len] = '\0';
	s->held -= to - from;
}

/* --- settling ---------------------------------------------------------- */

static void
settle(struct ship *s, struct batch *b, struct ev *ev)
{
	const char *line = EV_LINE(b, ev);

	if (ev->src == NULL)
		return;
	if (acks_settle(s->core->acks, ev->src, ev->seq, line + ev->cur_off,
	    ev->cur_len) == -1)
		log_oom();
	ev->src = NULL;
}

void
ship_accept(struct ship *s, struct batch *b, size_t i, int dup)
{
	s->c.acked++;
	if (dup)
		s->c.duplicates++;
	if (s->stats)
		stats_shipped(s->stats, b->ev[i].gs, b->ev[i].ingest,
		    timex_now_ms());
	settle(s, b, &b->ev[i]);
}

static void
dl_write(struct ship *s, const char *p, size_t n)
{
	struct ship_core *c = s->core;

	if (cli_write(c->dlfd, p, n) == -1) {
		log_error("write %s: %s", c->dlpath, strerror(errno));
		exit(EXIT_RUNTIME);
	}
	c->dl_unsynced = 1;
}

/* Writes one dead-letter record, or warns when there is no file. */
static void
dead_letter(struct ship *s, int64_t lineno, long status, const char *reason,
    const char *err_json, size_t err_len, const char *index, size_t index_len,
    const char *id, size_t id_len, const char *event, size_t event_len,
    int event_is_json)
{
	struct ship_core *c = s->core;
	struct buf *b = &c->dl;
	char *r;
	int bad = 0;

	s->c.dropped++;
	r = log_redact(reason);
	if (c->dlfd < 0) {
		log_warn("line %" PRId64 ": dropped (no dead-letter file): %s",
		    lineno, r ? r : reason);
		free(r);
		return;
	}
	buf_reset(b);
	bad |= buf_printf(b, "{\"line\":%" PRId64, lineno);
	if (status)
		bad |= buf_printf(b, ",\"status\":%ld", status);
	bad |= buf_adds(b, ",\"reason\":");
	bad |= jsonx_strz(b, r ? r : reason);
	free(r);
	if (err_len) {
		bad |= buf_adds(b, ",\"error\":");
		bad |= buf_add(b, err_json, err_len);
	}
	if (index_len) {
		bad |= buf_adds(b, ",\"index\":");
		bad |= jsonx_str(b, index, index_len);
	}
	if (id_len) {
		bad |= buf_adds(b, ",\"_id\":");
		bad |= buf_add(b, id, id_len);
	}
	if (event_is_json) {
		bad |= buf_adds(b, ",\"event\":");
		bad |= buf_add(b, event, event_len);
	} else {
		bad |= buf_adds(b, ",\"raw\":");
		bad |= jsonx_str(b, event, event_len);
	}
	bad |= buf_adds(b, "}\n");
	if (bad)
		log_oom();
	dl_write(s, b->p, b->len);
}

void
ship_reject(struct ship *s, struct batch *b, size_t i, long status,
    const char *reason, const char *error_json, size_t error_len)
{
	struct ev *ev = &b->ev[i];
	const char *line = EV_LINE(b, ev);

	dead_letter(s, ev->lineno, status, reason, error_json, error_len,
	    ev->idx_len ? b->names.p + ev->idx_off : s->index_name,
	    ev->idx_len ? ev->idx_len :
	    s->index_name ? strlen(s->index_name) : 0,
	    line + ev->id_off, ev->id_len, line + ev->doc_off, ev->doc_len, 1);
	stats_dead(ev->gs);
	settle(s, b, ev);
}

static int
over_budget(struct ship *s, uint32_t tries)
{
	return s->o.max_retries >= 0 && tries > (uint32_t)s->o.max_retries;
}

void
ship_retry_event(struct ship *s, struct batch *b, size_t i, int too_many)
{
	struct ship_core *c = s->core;
	struct ev *ev;

	s->c.failed++;
	if (too_many)
		s->c.too_many++;
	if (c->retry == NULL)
		c->retry = batch_new(s);
	batch_copy(s, c->retry, b, i);
	ev = &c->retry->ev[c->retry->n - 1];
	ev->tries++;
	if ((int)ev->tries > c->retry->tries)
		c->retry->tries = (int)ev->tries;
	b->ev[i].src = NULL;	/* it travels with the copy */
}

void
ship_retry_flush(struct ship *s)
{
	struct ship_core *c = s->core;
	struct batch *b = c->retry;
	struct err e = ERR_INIT;

	if (b == NULL)
		return;
	c->retry = NULL;
	if (over_budget(s, (uint32_t)b->tries)) {
		err_set(&e, EXIT_RUNTIME, "%s: %zu events still refused after "
		    "%d retries (max_retries)", s->out.name, b->n,
		    s->o.max_retries);
		ship_fail(s, &e);
		err_clear(&e);
	}
	s->c.retries += b->n;
	log_debug("ship", "%zu events go again in a retry batch", b->n);
	delay(s, b, ship_backoff(s, b->tries - 1));
}

void
ship_retry_batch(struct ship *s, struct batch *b, int too_many,
    const char *why)
{
	struct err e = ERR_INIT;
	size_t i;
	long ms;

	s->c.failed += b->n;
	if (too_many)
		s->c.too_many += b->n;
	b->tries++;
	for (i = 0; i < b->n; i++)
		b->ev[i].tries++;
	if (over_budget(s, (uint32_t)b->tries)) {
		err_set(&e, EXIT_RUNTIME, "%s (after %d retries)", why,
		    s->o.max_retries);
		ship_fail(s, &e);
		err_clear(&e);
	}
	ms = ship_backoff(s, b->tries - 1);
	log_warn("%s; %zu events again in %ld ms", why, b->n, ms);
	s->c.retries += b->n;
	delay(s, b, ms);
}

void
ship_split(struct ship *s, struct batch *b)
{
	struct batch *h1 = batch_new(s), *h2 = batch_new(s);
	size_t i, half = b->n / 2;

	for (i = 0; i < b->n; i++) {
		batch_copy(s, i < half ? h1 : h2, b, i);
		b->ev[i].src = NULL;
	}
	h1->tries = h2->tries = b->tries;
	log_debug("ship", "batch of %zu events split in %zu and %zu", b->n,
	    h1->n, h2->n);
	ship_batch_free(s, b);
	ready_push(s, h2, 1);
	ready_push(s, h1, 1);
}

long
ship_backoff(struct ship *s, int n)
{
	return retry_delay_ms(&s->o.backoff, n < 0 ? 0 : n);
}

int
ship_waiting(const struct ship *s)
{
	const struct ship_core *c = s->core;

	return c->ready != NULL || c->delayed != NULL || c->retry != NULL ||
	    (c->cur != NULL && c->cur->n > 0);
}

void
ship_fail(struct ship *s, const struct err *e)
{
	if (s->fatal.code != 0 || s->fatal.msg != NULL)
		return;
	err_set(&s->fatal, e->code ? e->code : EXIT_RUNTIME, "%s",
	    err_msg(e));
}

/* --- input ------------------------------------------------------------- */

/* Sets a line aside at read time. */
static void
reject_line(struct ship *s, const char *p, size_t n, const char *why)
{
	s->c.invalid++;
	dead_letter(s, s->core->lineno, 0, why, NULL, 0, NULL, 0, NULL, 0, p,
	    n, 0);
}

/* The source key of a cursor: its group and stream tokens. */
static int
cursor_key_raw(const char *cur, size_t n, struct buf *key)
{
	size_t go, gl, so, sl;

	if (n == 0 || cur[0] != '{' ||
	    !scan_member(cur, n, "group", &go, &gl) || cur[go] != '"' ||
	    gl <= 2 || !scan_member(cur, n, "stream", &so, &sl) ||
	    cur[so] != '"' || sl <= 2)
		return -1;
	buf_reset(key);
	if (buf_add(key, cur + go, gl) == -1 || buf_addc(key, '\0') == -1 ||
	    buf_add(key, cur + so, sl) == -1)
		log_oom();
	return 0;
}

/* Returns 1 if the object, @metadata cut out, has no member left. */
static int
only_metadata(const char *p, const struct scan *sc)
{
	size_t i, end = sc->doc_off + sc->doc_len, left = 0;

	for (i = sc->doc_off; i < end; i++) {
		if (i == sc->cut_off) {
			i += sc->cut_len - 1;
			continue;
		}
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			left++;
	}
	return left == 2;	/* the braces */
}

/* What an event is counted under: its source's acks (src, seq) and its
 * group's counters; none for a line without a cursor. */
struct line_src {
	struct src *src;
	uint64_t seq;
	struct gstat *gs;
};

/* Scans the line and checks its @metadata. Returns 1 for a line to
 * take, 0 for one to skip (blank, or set aside here). The source key of
 * its cursor is left in core->key. */
static int
check_line(struct ship *s, const char *p, size_t n, struct scan *sc)
{
	int r;

	if ((r = scan_line(p, n, sc)) == 0)
		return 0;
	if (r == -1) {
		reject_line(s, p, n, sc->why);
		return 0;
	}
	if (sc->id_len == 4 && memcmp(p + sc->id_off, "null", 4) == 0)
		sc->id_len = 0;	/* no id */
	if (sc->id_len && p[sc->id_off] != '"' && p[sc->id_off] != '-' &&
	    (p[sc->id_off] < '0' || p[sc->id_off] > '9')) {
		reject_line(s, p, n, "@metadata._id is not a string");
		return 0;
	}
	if (sc->cur_len && cursor_key_raw(p + sc->cur_off, sc->cur_len,
	    &s->core->key) == -1) {
		reject_line(s, p, n, "@metadata.cursor is not an object with "
		    "a group and a stream");
		return 0;
	}
	return 1;
}

/* A checkpoint mark (cwl-tail(1), EVENT LINES): nothing to ship; its
 * cursor is acked once the events of its source read before it are. */
static void
take_mark(struct ship *s, const char *p, const struct scan *sc)
{
	struct ship_core *c = s->core;
	struct src *src;

	if ((src = acks_source(c->acks, c->key.p, c->key.len)) == NULL ||
	    acks_mark(c->acks, src, p + sc->cur_off, sc->cur_len) == -1)
		log_oom();
	s->c.marks++;
}

/* Enters the event in the acks of its source (core->key) and counts it
 * read in its group. */
static void
track_source(struct ship *s, struct line_src *ls)
{
	struct ship_core *c = s->core;
	struct buf *key = &c->key;

	if ((ls->src = acks_source(c->acks, key->p, key->len)) == NULL ||
	    acks_push(c->acks, ls->src, &ls->seq) == -1)
		log_oom();
	/* the key is the group's token, a NUL, the stream's */
	if (s->stats && (ls->gs = stats_group(s->stats, key->p,
	    strlen(key->p))) == NULL)
		log_oom();
	stats_read(ls->gs);
}

/* Names the index of the event in core->idxbuf. Returns 0, or -1 when
 * it cannot be named: the line is then set aside, and settled. */
static int
expand_index(struct ship *s, const char *p, size_t n, const struct scan *sc,
    const struct line_src *ls)
{
	struct ship_core *c = s->core;
	struct err ie = ERR_INIT;

	buf_reset(&c->idxbuf);
	if (index_expand(s->idx, p + sc->doc_off, sc->doc_len, &c->idxbuf,
	    &ie, timex_now_ms()) != -1)
		return 0;
	s->c.invalid++;
	dead_letter(s, c->lineno, 0, err_msg(&ie), NULL, 0, NULL, 0,
	    sc->id_len ? p + sc->id_off : NULL, sc->id_len, p, n, 1);
	err_clear(&ie);
	stats_dead(ls->gs);
	if (ls->src && acks_settle(c->acks, ls->src, ls->seq, p + sc->cur_off,
	    sc->cur_len) == -1)
		log_oom();
	return -1;
}

/* Fills an event with the offsets of the line at line_start (p) and
 * what it is counted under. */
static void
ev_fill(struct ship *s, struct ev *ev, const char *p, size_t n,
    const struct scan *sc, const struct line_src *ls)
{
	struct ship_core *c = s->core;

	ev->off = c->line_start;
	ev->len = (uint32_t)n;
	ev->doc_off = (uint32_t)sc->doc_off;
	ev->doc_len = (uint32_t)sc->doc_len;
	ev->cut_off = (uint32_t)sc->cut_off;
	ev->cut_len = (uint32_t)sc->cut_len;
	ev->id_off = (uint32_t)sc->id_off;
	ev->id_len = (uint32_t)sc->id_len;
	ev->cur_off = (uint32_t)sc->cur_off;
	ev->cur_len = (uint32_t)sc->cur_len;
	ev->lineno = c->lineno;
	ev->src = ls->src;
	ev->seq = ls->seq;
	ev->gs = ls->gs;
	ev->ingest = s->stats ? stats_ingest(p + sc->aws_off, sc->aws_len) : -1;
}

/* Adds the event to the batch being filled (to the next one if it would
 * go over bulk_max_bytes), with its index name when that is dynamic,
 * and closes the batch once it is full. */
static void
add_event(struct ship *s, const char *p, size_t n, size_t next,
    const struct scan *sc, const struct line_src *ls)
{
	struct ship_core *c = s->core;
	struct batch *b = c->cur;
	struct ev *ev;
	size_t before;

	if (b->n > 0 && b->bytes + sc->doc_len > s->o.bulk_max_bytes) {
		close_cur(s);	/* the line moves to the next batch */
		b = c->cur;
	}
	ev = batch_slot(b);
	ev_fill(s, ev, p, n, sc, ls);
	if (s->idx && index_dynamic(s->idx)) {
		before = b->names.len;
		ev->idx_off = (uint32_t)before;
		ev->idx_len = (uint32_t)c->idxbuf.len;
		if (buf_add(&b->names, c->idxbuf.p, c->idxbuf.len) == -1)
			log_oom();
		s->held += b->names.len - before;
	}
	b->bytes += sc->doc_len;
	c->line_start += n + next;
	if (b->n >= s->o.bulk_max_size || b->bytes >= s->o.bulk_max_bytes)
		close_cur(s);
}

/* Takes the line of n bytes at line_start in the batch being filled
 * (next: the bytes to skip after it, the newline). The line stays where
 * it was read: an event is offsets into the batch. */
static void
process_line(struct ship *s, size_t n, size_t next)
{
	struct ship_core *c = s->core;
	const char *p = c->cur->arena.p + c->line_start;
	struct line_src ls = { NULL, 0, NULL };
	struct scan sc;

	s->c.lines++;
	if (!check_line(s, p, n, &sc))
		goto skip;
	if (sc.cur_len && sc.id_len == 0 && only_metadata(p, &sc)) {
		take_mark(s, p, &sc);
		goto skip;
	}
	if (sc.cur_len)
		track_source(s, &ls);
	if (s->idx && index_dynamic(s->idx) &&
	    expand_index(s, p, n, &sc, &ls) == -1)
		goto skip;
	add_event(s, p, n, next, &sc, &ls);
	return;
skip:
	/* nothing of the line is kept */
	drop_bytes(s, c->line_start, c->line_start + n + next);
}

/* The bytes of an over-long line go to the dead-letter file as they
 * come, escaped as one JSON string, with no more than a chunk in memory.
 * A UTF-8 sequence cut by the chunk's end waits for the next chunk. */
static void
skip_chunk(struct ship *s, const char *p, size_t n, int last)
{
	struct ship_core *c = s->core;
	struct buf *b = &c->dl;
	struct buf tmp = BUF_INIT;
	size_t hold = 0, k, need;
	unsigned char ch;

	c->skip_bytes += n;
	if (c->dlfd < 0)
		return;
	if (buf_add(&tmp, c->skip_tail, c->skip_ntail) == -1 ||
	    buf_add(&tmp, p, n) == -1)
		log_oom();
	c->skip_ntail = 0;
	if (!last) {
		for (k = 1; k <= 3 && k <= tmp.len; k++) {
			ch = (unsigned char)tmp.p[tmp.len - k];
			if ((ch & 0xc0) == 0x80)
				continue;
			need = ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc0 ? 2 : 1;
			if (need > k)
				hold = k;
			break;
		}
		memcpy(c->skip_tail, tmp.p + tmp.len - hold, hold);
		c->skip_ntail = hold;
	}
	buf_reset(b);
	if (jsonx_str(b, tmp.p, tmp.len - hold) == -1)
		log_oom();
	buf_free(&tmp);
	if (b->len > 2)
		dl_write(s, b->p + 1, b->len - 2);	/* without the quotes */
}

static void
skip_start(struct ship *s)
{
	struct ship_core *c = s->core;
	struct buf *b = &c->dl;
	char why[96];

	c->skipping = 1;
	c->skip_bytes = 0;
	c->skip_ntail = 0;
	s->c.invalid++;
	snprintf(why, sizeof(why), "line longer than max_line_bytes (%zu)",
	    s->o.max_line_bytes);
	s->c.dropped++;
	if (c->dlfd < 0) {
		log_warn("line %" PRId64 ": dropped (no dead-letter file): %s",
		    c->lineno, why);
		return;
	}
	buf_reset(b);
	if (buf_printf(b, "{\"line\":%" PRId64 ",\"reason\":", c->lineno) ||
	    jsonx_strz(b, why) || buf_adds(b, ",\"raw\":\""))
		log_oom();
	dl_write(s, b->p, b->len);
}

static void
skip_end(struct ship *s)
{
	struct ship_core *c = s->core;
	char tail[64];
	int n;

	skip_chunk(s, "", 0, 1);
	c->skipping = 0;
	if (c->dlfd < 0)
		return;
	n = snprintf(tail, sizeof(tail), "\",\"bytes\":%" PRIu64 "}\n",
	    c->skip_bytes);
	dl_write(s, tail, (size_t)n);
}

/* Goes through the complete lines read into the batch being filled. */
static void
take_lines(struct ship *s)
{
	struct ship_core *c = s->core;
	struct batch *b;
	char *p, *nl;
	size_t avail, len;

	while ((b = c->cur) != NULL && c->line_start < b->arena.len) {
		p = b->arena.p + c->line_start;
		avail = b->arena.len - c->line_start;
		nl = memchr(p, '\n', avail);
		len = nl ? (size_t)(nl - p) : avail;
		if (c->skipping) {
			/* the rest of an over-long line: not kept */
			skip_chunk(s, p, len, 0);
			if (nl || c->eof)
				skip_end(s);
			drop_bytes(s, c->line_start, c->line_start + len +
			    (nl ? 1 : 0));
			continue;
		}
		if (nl == NULL && !c->eof) {
			if (len > s->o.max_line_bytes) {
				c->lineno++;
				skip_start(s);
				skip_chunk(s, p, len, 0);
				drop_bytes(s, c->line_start, b->arena.len);
			}
			break;
		}
		c->lineno++;
		if (len > s->o.max_line_bytes) {
			s->c.lines++;
			skip_start(s);
			skip_chunk(s, p, len, 0);
			skip_end(s);
			drop_bytes(s, c->line_start, c->line_start + len +
			    (nl ? 1 : 0));
			continue;
		}
		process_line(s, len, nl ? 1 : 0);
	}
}

/* Reads a chunk of input straight into the batch being filled. */
static void
read_input(struct ship *s)
{
	struct ship_core *c = s->core;
	struct pollfd pfd = { c->infd, POLLIN, 0 };
	struct buf *a;
	ssize_t r;

	if (poll(&pfd, 1, 0) <= 0 || pfd.revents == 0)
		return;
	if (c->cur == NULL) {
		c->cur = batch_new(s);
		c->line_start = 0;
	}
	a = &c->cur->arena;
	if (buf_reserve(a, READ_CHUNK) == -1)
		log_oom();
	r = read(c->infd, a->p + a->len, READ_CHUNK);
	if (r < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		log_error("read stdin: %s", strerror(errno));
		exit(EXIT_RUNTIME);
	}
	if (r == 0)
		c->eof = 1;
	a->len += (size_t)r;
	a->p[a->len] = '\0';
	s->held += (size_t)r;
	take_lines(s);
}

/* --- the loop ---------------------------------------------------------- */

/* The counters: in the --stats file, or else on stderr, at info level
 * (periodic and at the end), or at every level when asked for with
 * SIGUSR1. */
static void
report(struct ship *s, const char *what, int asked)
{
	struct ship_core *c = s->core;
	struct err e = ERR_INIT;

	if (s->stats) {
		if (stats_write(s, s->stats, c->acks, &e) == -1) {
			log_warn("%s", err_msg(&e));
			err_clear(&e);
		}
		return;
	}
	(asked ? log_report : log_info)("%s: lines=%" PRIu64 " acked=%" PRIu64
	    " duplicates=%" PRIu64 " failed=%" PRIu64 " too_many=%" PRIu64
	    " retries=%" PRIu64 " dropped=%" PRIu64 " invalid=%" PRIu64
	    " bytes=%" PRIu64
	    " batches=%" PRIu64 " acks=%" PRIu64 " pending=%zu held=%zu", what,
	    s->c.lines, s->c.acked, s->c.duplicates, s->c.failed,
	    s->c.too_many, s->c.retries, s->c.dropped, s->c.invalid,
	    s->c.bytes, s->c.batches, acks_written(c->acks),
	    acks_pending(c->acks), s->held);
}

static int
drained(struct ship *s)
{
	struct ship_core *c = s->core;

	return (c->cur == NULL || c->cur->n == 0) && c->ready == NULL &&
	    c->delayed == NULL && c->retry == NULL && s->out.busy(s) == 0;
}

static void
flush_acks(struct ship *s)
{
	struct ship_core *c = s->core;
	struct err e = ERR_INIT;

	/* an ack may cover a dead letter: the letter is on disk first */
	if (c->dl_unsynced) {
		if (fsync(c->dlfd) == -1 && errno != EINVAL && errno != EROFS) {
			log_error("fsync %s: %s", c->dlpath, strerror(errno));
			exit(EXIT_RUNTIME);
		}
		c->dl_unsynced = 0;
	}
	switch (acks_flush(s->core->acks, &e)) {
	case 1:
		exit(0);	/* the reader of the acks went away */
	case -1:
		cli_die(&e);
	}
}

/* Reading goes on while what is held weighs less than the bound, or
 * when nothing else could free memory: a line longer than the bound
 * would otherwise wait for itself. */
static int
may_read(struct ship *s)
{
	struct ship_core *c = s->core;

	if (c->eof || c->stopping)
		return 0;
	return s->held < s->o.queue_bytes ||
	    ((c->cur == NULL || c->cur->n == 0) && c->ready == NULL &&
	    c->delayed == NULL && s->out.busy(s) == 0);
}

static int
has_failed(const struct ship *s)
{
	return s->fatal.code != 0 || s->fatal.msg != NULL;
}

/* Why the loop gave up with events in hand. */
enum { RUN_ON, GIVE_UP_SIGNAL, GIVE_UP_TIMEOUT };

/* SIGTERM or SIGINT: the first starts the stop, which delivers what is
 * in hand for at most shutdown_ms; a second gives up. */
static int
on_stop(struct ship *s)
{
	struct ship_core *c = s->core;

	cli_stop = 0;
	if (c->stopping)
		return GIVE_UP_SIGNAL;
	c->stopping = 1;
	c->stop_by = s->now + s->o.shutdown_ms;
	log_info("stopping: delivering the %zu events in hand, "
	    "for at most %" PRId64 " ms", acks_pending(c->acks),
	    s->o.shutdown_ms);
	return RUN_ON;
}

/* Whether the batch being filled is to go now: no more lines will come
 * soon, it lingered flush_ms, or the queue is full and the output idle. */
static int
cur_due(struct ship *s)
{
	struct ship_core *c = s->core;

	return c->cur && c->cur->n && (c->eof || c->stopping ||
	    s->now - c->cur->born >= s->o.flush_ms ||
	    (s->held >= s->o.queue_bytes && s->out.busy(s) == 0 &&
	    c->ready == NULL));
}

/* Hands the ready batches to the output while it has room (an ordered
 * output waits for the delayed ones first). */
static void
send_ready(struct ship *s)
{
	struct ship_core *c = s->core;
	struct err e = ERR_INIT;
	struct batch *b;

	while (c->ready && !has_failed(s) &&
	    (!s->out.ordered || c->delayed == NULL) && s->out.room(s)) {
		b = c->ready;
		if ((c->ready = b->next) == NULL)
			c->ready_tail = NULL;
		b->next = NULL;
		if (s->out.send(s, b, &e) == -1) {
			ship_fail(s, &e);
			err_clear(&e);
		}
	}
}

/* The counters, every report_ms or when asked for with SIGUSR1. */
static void
report_due(struct ship *s)
{
	struct ship_core *c = s->core;

	if (cli_report || (s->o.report_ms > 0 && s->now >= c->next_report)) {
		report(s, "counters", cli_report);
		cli_report = 0;
		c->next_report = s->now + s->o.report_ms;
	}
}

/* How long the loop may wait: 200 ms at most, less when the batch being
 * filled or the first delayed one falls due sooner. */
static long
wait_ms(struct ship *s)
{
	struct ship_core *c = s->core;
	long timeout = 200;
	int64_t t;

	if (c->cur && c->cur->n) {
		t = c->cur->born + s->o.flush_ms - s->now;
		if (t < timeout)
			timeout = t < 0 ? 0 : (long)t;
	}
	if (c->delayed) {
		t = c->delayed->due - s->now;
		if (t < timeout)
			timeout = t < 0 ? 0 : (long)t;
	}
	return timeout;
}

/* Waits for the output, and for input when reading goes on. */
static void
wait_output(struct ship *s)
{
	struct err e = ERR_INIT;
	long timeout = wait_ms(s);
	int ready;

	if (s->out.wait(s, timeout, may_read(s) ? s->core->infd : -1, &ready,
	    &e) == -1) {
		ship_fail(s, &e);
		err_clear(&e);
	}
}

/* After the loop: says why events were left, closes the output, writes
 * the last acks and counters. Returns the exit code. */
static int
run_end(struct ship *s, int give_up)
{
	struct ship_core *c = s->core;
	struct err e = ERR_INIT;

	if (give_up == GIVE_UP_SIGNAL)
		err_set(&e, EXIT_RUNTIME, "stopped by a second signal with %zu "
		    "events not delivered", acks_pending(c->acks));
	else if (give_up == GIVE_UP_TIMEOUT)
		err_set(&e, EXIT_RUNTIME, "stopped with %zu events not "
		    "delivered: the shutdown timeout (%" PRId64 " ms) passed",
		    acks_pending(c->acks), s->o.shutdown_ms);
	if (give_up) {
		ship_fail(s, &e);
		err_clear(&e);
	}
	if (s->out.close(s, &e) == -1) {
		ship_fail(s, &e);
		err_clear(&e);
	}
	flush_acks(s);
	report(s, "done", 0);
	if (has_failed(s)) {
		log_error("%s", err_msg(&s->fatal));
		return s->fatal.code ? s->fatal.code : EXIT_RUNTIME;
	}
	return s->c.dropped ? EXIT_REJECTED : EXIT_DONE;
}

/* Reads, batches and sends until the input is done and delivered, a
 * stop has been carried out, or the output failed. */
static int
run(struct ship *s)
{
	struct ship_core *c = s->core;
	int give_up = RUN_ON;

	for (;;) {
		s->now = timex_mono_ms();
		if (cli_stop && (give_up = on_stop(s)) != RUN_ON)
			break;
		if (c->stopping && s->now >= c->stop_by && !drained(s)) {
			give_up = GIVE_UP_TIMEOUT;
			break;
		}
		if (may_read(s))
			read_input(s);
		if (cur_due(s))
			close_cur(s);
		if (c->delayed && c->delayed->due <= s->now)
			take_due(s);
		send_ready(s);
		flush_acks(s);
		if (has_failed(s))
			break;
		if ((c->eof || c->stopping) && drained(s))
			break;
		report_due(s);
		wait_output(s);
		flush_acks(s);
		if (has_failed(s))
			break;
	}
	return run_end(s, give_up);
}

/* --- settings ---------------------------------------------------------- */

static int
get_size(struct ship *s, const char *key, int64_t min, size_t *out,
    struct err *e)
{
	int64_t v;

	if (cfg_get_size(s->cfg, key, &v, e) == -1)
		return -1;
	if (v < min)
		return err_set(e, EXIT_USAGE, "%s: %s: %" PRId64 " is less than "
		    "%" PRId64, cfg_where(s->cfg, key), key, v, min);
	*out = (size_t)v;
	return 0;
}

int
ship_common_opts(struct ship *s, const char *key, struct err *e)
{
	struct ship_core *c = s->core;
	struct cfg *cfg = s->cfg;
	const char *v;
	char k[128];
	int64_t n;

#define KEY(name) (snprintf(k, sizeof(k), "%s.%s", key, name) < (int)sizeof(k) ? k : "")
	if (cfg_get_int(cfg, KEY("bulk_max_size"), &n, e) == -1)
		return -1;
	if (n < 1)	/* libbeat: 0 or less, the default */
		n = strtoll(cfg_default(KEY("bulk_max_size")), NULL, 10);
	s->o.bulk_max_size = (size_t)n;
	if (get_size(s, KEY("bulk_max_bytes"), 1024, &s->o.bulk_max_bytes,
	    e) == -1 ||
	    get_size(s, KEY("max_buffer_bytes"), 64 * 1024, &s->o.queue_bytes,
	    e) == -1)
		return -1;
	/* file and console write at once (their flush_interval is 0): a
	 * batch is what a read brought */
	if (cfg_get_duration(cfg, KEY("flush_interval"), &s->o.flush_ms,
	    e) == -1 ||
	    cfg_get_int(cfg, KEY("max_retries"), &n, e) == -1)
		return -1;
	s->o.max_retries = n < 0 ? -1 : n > 1000000000 ? 1000000000 : (int)n;
	if (cfg_get_duration(cfg, KEY("backoff.init"), &n, e) == -1)
		return -1;
	s->o.backoff.base_ms = n > 0 ? (long)n : 1;
	if (cfg_get_duration(cfg, KEY("backoff.max"), &n, e) == -1)
		return -1;
	s->o.backoff.cap_ms = n > 0 ? (long)n : 1;
	s->o.backoff.max_attempts = 0;
	if (s->o.max_line_bytes == 0 && get_size(s, KEY("max_line_bytes"), 16,
	    &s->o.max_line_bytes, e) == -1)
		return -1;
	if (c->dlpath == NULL) {
		if (cfg_str(cfg, KEY("dead_letter"), NULL, &v, e) == -1)
			return -1;
		if (v && *v)
			c->dlpath = v;
	}
#undef KEY
	if (s->o.queue_bytes < s->o.bulk_max_bytes)
		s->o.bulk_max_bytes = s->o.queue_bytes;
	return 0;
}

int
ship_worker(struct ship *s, const char *key, int64_t *n, struct err *e)
{
	struct buf k = BUF_INIT;
	int r;

	/* libbeat reads worker, and workers where worker is not set */
	if (buf_printf(&k, "%s.worker", key) == -1)
		log_oom();
	if (cfg_node(s->cfg, k.p) == NULL && buf_addc(&k, 's') == -1)
		log_oom();
	r = cfg_get_int(s->cfg, k.p, n, e);
	if (r != -1 && *n < 1)
		r = err_set(e, EXIT_USAGE, "%s: %s: %" PRId64 ": 1 or more",
		    cfg_where(s->cfg, k.p), k.p, *n);
	buf_free(&k);
	return r == -1 ? -1 : 0;
}

const struct output_def ship_outputs[] = {
	{ "elasticsearch", es_open, setup_test_es, setup_check, 1, 0 },
	{ "logstash", ls_open, setup_test_ls, NULL, 0, 0 },
	{ "file", file_open, setup_test_file, NULL, 0, 0 },
	/* the last: the output when none is enabled */
	{ "console", console_open, setup_test_console, NULL, 0, 1 },
	{ NULL, NULL, NULL, NULL, 0, 0 }
};

/* Which output: exactly one enabled, or the last when none is. Returns
 * it, or NULL with e. */
static const struct output_def *
pick_output(struct ship *s, struct err *e)
{
	const struct output_def *o, *pick = NULL;
	struct buf which = BUF_INIT, key = BUF_INIT;
	int n = 0, en, bad = 0;

	for (o = ship_outputs; o->name && !bad; o++) {
		buf_reset(&key);
		if (buf_printf(&key, "output.%s", o->name) == -1)
			log_oom();
		if (cfg_node(s->cfg, key.p) == NULL)
			continue;
		if (buf_adds(&key, ".enabled") == -1)
			log_oom();
		if (cfg_bool(s->cfg, key.p, 1, &en, e) == -1)
			bad = 1;
		else if (en) {
			buf_printf(&which, "%soutput.%s", n++ ? ", " : "",
			    o->name);
			pick = o;
		}
	}
	if (!bad && n > 1)
		bad = err_set(e, EXIT_USAGE, "more than one output is enabled "
		    "(%s): enable one, or set the others' enabled: false",
		    buf_str(&which));
	buf_free(&which);
	buf_free(&key);
	if (bad)
		return NULL;
	return pick ? pick : o - 1;
}

static int
open_fd(const char *path, const char *what, int flags, struct err *e)
{
	int fd;

	if ((fd = open(path, flags | O_CLOEXEC, 0600)) == -1)
		return err_set(e, EXIT_USAGE, "%s %s: %s", what, path,
		    strerror(errno));
	return fd;
}

/* What the command line asks for beside the options struct cli takes. */
struct args {
	const char *max_line, *stats, *shutdown;
	int setup, dry_run, test_output;
};

static void
parse_args(struct cli *cli, struct ship_core *core, struct args *a,
    int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_LONGOPTS,
		{ "acks", required_argument, NULL, OPT_ACKS },
		{ "dead-letter", required_argument, NULL, OPT_DEAD_LETTER },
		{ "max-line-bytes", required_argument, NULL, OPT_MAX_LINE },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "test-output", no_argument, NULL, OPT_TEST_OUTPUT },
		{ "stats", required_argument, NULL, OPT_STATS },
		{ "shutdown-timeout", required_argument, NULL, OPT_SHUTDOWN },
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	while ((opt = cli_getopt(cli, argc, argv, CLI_SHORTOPTS,
	    longopts)) != -1) {
		if (cli_option(cli, opt, optarg))
			continue;
		switch (opt) {
		case OPT_ACKS:
			core->acks_path = optarg;
			break;
		case OPT_DEAD_LETTER:
			core->dlpath = optarg;
			break;
		case OPT_MAX_LINE:
			a->max_line = optarg;
			break;
		case OPT_DRY_RUN:
			a->dry_run = 1;
			break;
		case OPT_TEST_OUTPUT:
			a->test_output = 1;
			break;
		case OPT_STATS:
			if (*optarg == '\0')
				cli_usage(cli, "--stats: no file name");
			a->stats = optarg;
			break;
		case OPT_SHUTDOWN:
			a->shutdown = optarg;
			break;
		default:
			cli_usage(cli, "unknown option");
		}
	}
	if (optind < argc && strcmp(argv[optind], "setup") == 0)
		a->setup = ++optind;
	if (optind < argc)
		cli_usage(cli, "unexpected argument '%s'", argv[optind]);
	if (a->dry_run && !a->setup)
		cli_usage(cli, "--dry-run: only with setup");
	if (a->setup && a->test_output)
		cli_usage(cli, "--test-output: not with setup");
}

/* The settings of the loop itself: how often it reports, how long a
 * stop may take, how long a line may be. */
static void
loop_settings(struct ship *s, struct cli *cli, const struct args *a)
{
	struct err e = ERR_INIT;
	char *end;
	int64_t n;
	int metrics;

	if (cfg_get_bool(s->cfg, "logging.metrics.enabled", &metrics,
	    &e) == -1 ||
	    cfg_get_duration(s->cfg, "logging.metrics.period", &s->o.report_ms,
	    &e) == -1 ||
	    /* report_frequency when set, else logging.metrics.period: the
	     * schema's 5m is the wrapper's */
	    cfg_duration(s->cfg, "cloudwatchlogsbeat.report_frequency",
	    s->o.report_ms, &s->o.report_ms, &e) == -1)
		cli_die(&e);
	if (!metrics)
		s->o.report_ms = 0;
	if (a->shutdown) {
		if (timex_duration(a->shutdown, &s->o.shutdown_ms, &e) == -1)
			cli_usage(cli, "--shutdown-timeout: %s", err_msg(&e));
	} else if (cfg_get_duration(s->cfg,
	    "cloudwatchlogsbeat.shutdown_timeout", &s->o.shutdown_ms,
	    &e) == -1) {
		cli_die(&e);
	}
	if (a->max_line) {
		errno = 0;
		n = strtoll(a->max_line, &end, 10);
		if (errno || *end || n < 16 || n > (int64_t)1 << 30)
			cli_usage(cli, "--max-line-bytes: '%s': a number of "
			    "bytes from 16 to 1073741824", a->max_line);
		s->o.max_line_bytes = (size_t)n;
	}
}

/* Opens the acks and dead-letter files and the acks' bookkeeping, and
 * the --stats file, which is written once at once. */
static void
open_files(struct ship *s, const char *stats)
{
	struct ship_core *core = s->core;
	struct err e = ERR_INIT;

	if (core->acks_path && (core->ackfd = open_fd(core->acks_path,
	    "--acks", O_WRONLY | O_CREAT | O_APPEND, &e)) == -1)
		cli_die(&e);
	if (core->dlpath && (core->dlfd = open_fd(core->dlpath,
	    "--dead-letter", O_WRONLY | O_CREAT | O_APPEND, &e)) == -1)
		cli_die(&e);
	if ((core->acks = acks_new(core->ackfd)) == NULL)
		log_oom();
	if (stats) {
		if ((s->stats = stats_new(stats)) == NULL)
			log_oom();
		/* a file that cannot be written is said at once */
		if (stats_write(s, s->stats, core->acks, &e) == -1) {
			e.code = EXIT_USAGE;
			cli_die(&e);
		}
	}
}

static void
ship_free(struct ship *s)
{
	struct ship_core *core = s->core;

	if (core->cur) {	/* what was left of a line cut by a stop */
		core->cur->n = 0;
		ship_batch_free(s, core->cur);
	}
	spares_free(core);
	stats_free(s->stats);
	acks_free(core->acks);
	buf_free(&core->dl);
	buf_free(&core->idxbuf);
	buf_free(&core->key);
	index_free(s->idx);
	free(s->index_name);
	err_clear(&s->fatal);
}

int
main(int argc, char **argv)
{
	struct ship_core core;
	struct ship s;
	struct cli cli;
	struct args a = { NULL, NULL, NULL, 0, 0, 0 };
	struct err e = ERR_INIT;
	const struct output_def *out;
	int r;

#ifdef M_MMAP_THRESHOLD
	/* Batches and request bodies are large and short-lived: taking them
	 * from mmap gives their memory back when they go, so that the
	 * process stays near max_buffer_bytes (glibc would otherwise raise
	 * the threshold and keep freed batches in its heap). */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
	memset(&s, 0, sizeof(s));
	memset(&core, 0, sizeof(core));
	s.core = &core;
	s.cli = &cli;
	core.dlfd = -1;
	core.ackfd = STDOUT_FILENO;
	cli_init(&cli, "cwl-ship", synopsis, help);
	cli_signals();
	parse_args(&cli, &core, &a, argc, argv);
	if (cli_load(&cli, &e) == -1)
		cli_die(&e);
	s.cfg = cli.cfg;
	loop_settings(&s, &cli, &a);
	if ((out = pick_output(&s, &e)) == NULL)
		cli_die(&e);
	if ((a.setup || a.test_output) && !cli.check_config) {
		r = a.setup ? setup_run(&s, out, a.dry_run) :
		    setup_test_output(&s, out);
		index_free(s.idx);
		free(s.index_name);
		cli_free(&cli);
		return r;
	}
	if (out->open(&s, &e) == -1)
		cli_die(&e);
	if (out->stdout_docs && core.acks_path == NULL)
		core.ackfd = -1;
	if (cli.check_config) {
		if (out->check && out->check(&s, &e) == -1)
			cli_die(&e);
		cli_checked(&cli);
	}
	if (s.o.max_line_bytes > (size_t)1 << 30)
		s.o.max_line_bytes = (size_t)1 << 30;
	open_files(&s, a.stats);
	core.infd = STDIN_FILENO;
	s.now = timex_mono_ms();
	core.next_report = s.now + s.o.report_ms;
	log_debug("ship", "output %s, batches of %zu events or %zu bytes, "
	    "queue %zu bytes, linger %" PRId64 " ms", s.out.name,
	    s.o.bulk_max_size, s.o.bulk_max_bytes, s.o.queue_bytes,
	    s.o.flush_ms);
	r = run(&s);
	ship_free(&s);
	cli_free(&cli);
	return r;
}

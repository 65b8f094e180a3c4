/*
 * Groups read as a whole with FilterLogEvents: every group under
 * --follow (but those --mode stream keeps on
 * stream.c's path), and one-shot reads with a filter pattern or
 * --mode filter.
 *
 * One-shot: one pass over [start, min(end, now - latency)], its pages
 * followed to the end.
 *
 * Following. CloudWatch Logs finds events by timestamp only, an event
 * may be ingested well after its timestamp (PutLogEvents takes events
 * 14 days old), and AWS documents neither the order a stream keeps nor
 * what a token is a position in. So the reader keeps two frontiers on
 * the timestamp line, and no token across passes:
 *
 *   fresh: every event stamped up to `fresh` and visible when its window
 *          was read has been written;
 *   swept: every event stamped before `swept` and ingested at most
 *          --max-delay after its timestamp has been written.
 *
 * A fresh pass reads [fresh + 1, now - lag] once: lag is what suits the
 * delays of the group's recent events (lag_pick). A sweep reads
 * [swept, settled] again, settled being now - max_delay - MARGIN_MS: an
 * event stamped in it and ingested within the bound is in by then, so
 * the sweep meets it, whatever order the API keeps and whatever its
 * tokens are. The ids of the events written at or after `swept` are
 * kept, so nothing is written twice; they go as `swept` passes them.
 * Each event is read twice at most, once fresh and once swept; a window
 * that is settled when first read (starting, or catching up after a
 * restart) is a sweep at once, read once. Requests: a fresh pass every
 * hot_stream_event_refresh_frequency while the group has events, and for
 * hot_stream_event_horizon from when it is first followed
 * (stream_event_refresh_frequency when not), a sweep every SWEEP_MS of
 * time, and one request for each further page: they grow with the data,
 * not with the streams, and idle streams cost nothing.
 *
 * The cursor of a followed group is {"group":G,"stream":"*","ts":swept,
 * "n":N}: a restart reads from `swept` again, which brings back at most
 * max_delay + SWEEP_MS + MARGIN_MS of events, with their own ids
 * (CloudWatch's eventIds), so the output overwrites them.
 *
 * Events later than the bound are not met by any pass. The streams with
 * the newest events are listed every stream_refresh_frequency; one whose
 * lastIngestionTime stays past the newest ingestion read from it once
 * `swept` has passed that time holds such events: a warning, once per
 * stream, says what to run to read them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "idset.h"
#include "jsonx.h"
#include "log.h"
#include "page.h"
#include "strmap.h"
#include "swar.h"
#include "tail.h"
#include "timex.h"

/* What the clocks of this host and of CloudWatch Logs may differ by,
 * and an ingested event may take to be found by FilterLogEvents. */
#define MARGIN_MS 5000
/* The span of timestamps one sweep reads, at the least: a twelfth of the
 * bound, from 1 s to 10 s (10 s at the default bound of 2 minutes), so
 * that sweeps are few and a short bound is not waited on long. */
#define SWEEP_MS (T.max_delay / 12 < 1000 ? 1000 : \
    T.max_delay / 12 > 10000 ? 10000 : T.max_delay / 12)
/* Event ids kept for a one-shot cursor: past this many events at one
 * millisecond, a resume repeats some (with their own ids, so the
 * shipper's writes stay idempotent). */
#define MAX_IDS 256
/* Ingestion delays kept for lag_pick, and what an event read by the
 * sweep rather than fresh weighs there. */
#define NDELAY 1024
#define DELAY_SPAN_MS 60000
/* lag_pick sorts the delays: at most once a LAG_PICK_MS, unless many
 * are new. */
#define LAG_PICK_MS 5000
#define MISS_WEIGHT 4
/* Streams not read nor listed for this long leave the lateness check. */
#define STREAM_KEEP_MS (15 * 60 * 1000LL)

/* A stream of a followed group, for the lateness check. */
struct lstream {
	int64_t read;		/* the newest ingestion read from it */
	int64_t listed;		/* its newest lastIngestionTime listed */
	int64_t seen;		/* wall ms it was last read or listed */
	unsigned pending:1;	/* listed past what was read */
	unsigned warned:1;
};

struct gread {
	/* the pass in progress */
	int sweep;		/* a sweep, else a fresh pass */
	int64_t from, to;	/* its window, both ends inclusive */
	int64_t started;	/* monotonic ms of its first page */
	unsigned fallback:1;	/* its token was refused once */
	unsigned ready:1;	/* set, and its answer not in yet */
	unsigned passed:1;	/* one-shot: the pass was set */

	/* following */
	int64_t fresh, swept;
	int64_t next_fresh;	/* monotonic ms a fresh pass is due */
	int64_t newest;		/* the newest ingestion time read */
	int64_t hot_until;	/* wall ms: hot at least until then */
	struct idset *seen;	/* ids written, stamped at or after swept */
	int32_t delay[NDELAY];	/* ingestion - timestamp, of events written */
	size_t ndelay, dnext;
	int64_t every, nwritten;	/* a delay kept every so many events */
	int64_t ring_at;	/* monotonic ms the ring last wrapped */
	int64_t dkept;		/* the delays kept, ever */
	int64_t lag;		/* of fresh passes, lag_pick */
	int64_t lag_kept, lag_at;	/* dkept and monotonic ms, when picked */
	int64_t marked;		/* the ts of the last cursor written */
	int64_t check_from;	/* ingestion times the lateness check takes */
	struct strmap *streams;	/* name -> struct lstream */
	int64_t streams_pruned;	/* wall ms */
	/* a multiline group: each stream's lines joined apart, those of
	 * fresh passes and of sweeps apart (name -> struct mlpend) */
	struct strmap *ml_fresh, *ml_sweep;
	int64_t hold;		/* the cursors stay at or before it (ml_hold) */

	/* one-shot: the ids at ids_ts, for the cursor */
	char **ids;
	size_t nids, capids;
	int64_t ids_ts;
};

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Following: the ts of the cursors written, from where a restart reads
 * again; `swept`, or earlier while a multiline event holds it. */
static int64_t
frontier(const struct gread *r)
{
	return min64(r->swept, r->hold);
}

/* --- one-shot: the ids at the newest millisecond ----------------------- */

static int
has_id(const struct gread *r, const char *id)
{
	size_t i;

	for (i = r->nids; i-- > 0;)
		if (strcmp(r->ids[i], id) == 0)
			return 1;
	return 0;
}

static void
add_id(struct gread *r, const char *id)
{
	char *d = strdup(id);

	if (d == NULL)
		log_oom();
	if (r->nids == MAX_IDS) {
		free(r->ids[0]);
		memmove(r->ids, r->ids + 1, (r->nids - 1) * sizeof(*r->ids));
		r->nids--;
	}
	if (r->nids == r->capids) {
		size_t cap = r->capids ? r->capids * 2 : 4;
		char **v = realloc(r->ids, cap * sizeof(*v));

		if (v == NULL)
			log_oom();
		r->ids = v;
		r->capids = cap;
	}
	r->ids[r->nids++] = d;
}

static void
clear_ids(struct gread *r)
{
	size_t i;

	for (i = 0; i < r->nids; i++)
		free(r->ids[i]);
	r->nids = 0;
}

/* --- following: the ids written, and the lag ---------------------------- */

/* 128 bits of an eventId, for the set of ids written: two chains of
 * the murmur3 finalizer over its eight-byte words, apart in their seeds
 * and in how a word goes in. Ids of one group at most max_delay apart
 * are compared, a few million at the most. */
static uint64_t
fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ h >> 33;
}

static void
id128(const char *id, unsigned char out[16])
{
	size_t n = strlen(id), i;
	uint64_t a = 0x9e3779b97f4a7c15ULL ^ n, b = 0x2545f4914f6cdd1dULL + n, w;
	unsigned char last[8];

	for (i = 0; i + 8 <= n; i += 8) {
		w = swar_load(id + i);
		a = fmix64(a ^ w);
		b = fmix64(b + (w << 32 | w >> 32));
	}
	memset(last, 0, sizeof(last));
	memcpy(last, id + i, n - i);
	w = swar_load(last);
	a = fmix64(a ^ w ^ 0x8000000000000000ULL);
	b = fmix64(b + (w << 32 | w >> 32) + 1);
	memcpy(out, &a, 8);
	memcpy(out + 8, &b, 8);
}

static int
cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/*
 * The lag of fresh passes: an event ingested d ms after its timestamp is
 * read fresh, lag - d after its ingestion, if d <= lag; if not, the
 * sweep reads it, max_delay + MARGIN_MS + SWEEP_MS / 2 - d after. The
 * lag is the one of 0 and the recent delays, at most --latency, that
 * makes the sum over the recent events least, an event left to the
 * sweep counting MISS_WEIGHT times: a lag a second longer for every
 * event is worth it to spare a few of them two minutes. The delays kept
 * span the last DELAY_SPAN_MS, one every so many events, so that the
 * bursts of a minute weigh in as well as the last second. Events later
 * than the bound cost the same whatever the lag, so they do not pull it
 * up. With --max-delay 0 there is no sweep: the lag is --latency.
 */
static int64_t
lag_pick(const struct gread *r)
{
	int32_t d[NDELAY];
	int64_t best = 0, best_cost = -1, cost, sweep_at, below = 0, above = 0;
	size_t n = r->ndelay, i;

	if (T.max_delay == 0)
		return T.latency;
	/* before any event: a second, what most producers take */
	if (n == 0)
		return T.latency < 1000 ? T.latency : 1000;
	memcpy(d, r->delay, n * sizeof(*d));
	qsort(d, n, sizeof(*d), cmp_i32);
	sweep_at = T.max_delay + MARGIN_MS + SWEEP_MS / 2;
	for (i = 0; i < n; i++)
		if (d[i] < sweep_at)
			above += sweep_at - d[i];
	/* candidate lags: 0, then each delay; below: the sum of the delays
	 * at or under the candidate, above: sweep_at - d over those over it
	 * (and under sweep_at) */
	for (i = 0; i <= n; i++) {
		int64_t lag = i == 0 ? 0 : d[i - 1];

		if (i > 0) {
			below += d[i - 1];
			if (d[i - 1] < sweep_at)
				above -= sweep_at - d[i - 1];
		}
		if (lag > T.latency)
			break;
		if (i < n && i > 0 && d[i] == lag)
			continue;	/* the last of equal delays */
		cost = (int64_t)i * lag - below + MISS_WEIGHT * above;
		if (best_cost < 0 || cost < best_cost) {
			best_cost = cost;
			best = lag;
		}
	}
	return best;
}

/* Keeps one delay every r->every events written, the stride set from the
 * rate so that the NDELAY kept span about DELAY_SPAN_MS. */
static void
note_delay(struct gread *r, int64_t ts, int64_t ingest)
{
	int64_t d = ingest - ts, now;

	if (++r->nwritten % r->every != 0)
		return;
	if (d < 0)
		d = 0;
	if (d > INT32_MAX)
		d = INT32_MAX;
	r->delay[r->dnext] = (int32_t)d;
	r->dkept++;
	r->dnext = (r->dnext + 1) % NDELAY;
	if (r->ndelay < NDELAY)
		r->ndelay++;
	/* once a ring: the stride for the rate of the last ring */
	if (r->dnext == 0) {
		now = timex_mono_ms();
		if (r->ring_at > 0 && now > r->ring_at) {
			int64_t span = now - r->ring_at;
			int64_t want = (int64_t)r->every * DELAY_SPAN_MS / span;

			r->every = want < 1 ? 1 : want > 1000 ? 1000 : want;
		}
		r->ring_at = now;
	}
}

/* --- following: events later than the bound ----------------------------- */

static struct lstream *
lstream_get(struct gread *r, const char *name)
{
	struct lstream **v;

	if ((v = (struct lstream **)strmap_put(r->streams, name)) == NULL)
		log_oom();
	if (*v == NULL) {
		if ((*v = calloc(1, sizeof(**v))) == NULL)
			log_oom();
		(*v)->read = (*v)->listed = -1;
	}
	return *v;
}

void
group_stream_listed(struct group *g, const char *stream, int64_t last_ingest)
{
	struct gread *r = g->gsrc ? g->gsrc->gr : NULL;
	struct lstream *ls;

	/* an event ingested before check_from may be one stamped before
	 * this run's start that an earlier run wrote (or that is older than
	 * --since): only later ones are this run's to account for */
	if (r == NULL || r->streams == NULL || last_ingest < r->check_from)
		return;
	ls = lstream_get(r, stream);
	ls->seen = timex_now_ms();
	if (last_ingest > ls->listed)
		ls->listed = last_ingest;
	if (ls->listed > ls->read)
		ls->pending = 1;
}

static void
warn_beyond(const struct src *s, const char *stream, const struct lstream *ls)
{
	char at[25], end[25];

	timex_iso(ls->listed, at);
	timex_iso(ls->listed + 1, end);
	log_warn("%s:%s: events ingested at %s were not read: they came more "
	    "than %llds after their timestamps (--max-delay); to read them: "
	    "cwl-tail --mode filter --since 14d --end %s '%s:%s'", s->g->name,
	    stream, at, (long long)T.max_delay / 1000, end, s->g->name,
	    stream);
}

/* After a sweep: a stream listed with an ingestion time that `swept`
 * has passed, and that no pass read, got events later than the bound.
 * Streams long gone leave the table. */
static void
check_beyond(struct src *s)
{
	struct gread *r = s->gr;
	struct strmap *keep = NULL;
	int64_t wall = timex_now_ms();
	const char *name;
	struct lstream *ls;
	size_t it = 0;
	void *v;
	int prune = wall - r->streams_pruned > STREAM_KEEP_MS;

	if (prune && (keep = strmap_new()) == NULL)
		log_oom();
	while (strmap_next(r->streams, &it, &name, &v)) {
		ls = v;
		if (ls->pending && ls->read >= ls->listed)
			ls->pending = 0;
		if (ls->pending && ls->listed < r->swept) {
			ls->pending = 0;
			if (!ls->warned) {
				ls->warned = 1;
				T.c.beyond++;
				warn_beyond(s, name, ls);
			}
		}
		if (!prune)
			continue;
		if (ls->pending || wall - ls->seen < STREAM_KEEP_MS) {
			void **slot = strmap_put(keep, name);

			if (slot == NULL)
				log_oom();
			*slot = ls;
		} else {
			free(ls);
		}
	}
	if (prune) {
		strmap_free(r->streams, NULL);
		r->streams = keep;
		r->streams_pruned = wall;
	}
}


/* --- following: multiline --------------------------------------------- */

/*
 * The lines of a multiline group are joined stream by stream, in the
 * order a pass reads them: by timestamp within each window. Fresh
 * passes join into one joiner per stream, kept from pass to pass, so an
 * event whose lines span two windows is one event; its pending lines are
 * written once the next event starts, or after multiline.timeout. A
 * sweep writes late lines only, which belong to no event being joined
 * now: it joins them in joiners of its own, written at its end.
 *
 * A joined event has the first line's eventId. Its cursor is the one
 * of the group as it is written: `n` the lines read so far, and `ts` at
 * or before the first line of every event not yet written, and of every
 * event written with lines at or after `swept`, so that a restart reads
 * such an event whole again and writes it under the same id. It never
 * resumes a sweep from a page: lines of other streams before that
 * position may still wait in their joiners.
 */

static void
ml_free(void *p)
{
	mlpend_free(p);
}

static struct mlpend *
ml_get(struct strmap *map, const char *stream)
{
	struct mlpend **v;

	if ((v = (struct mlpend **)strmap_put(map, stream)) == NULL)
		log_oom();
	if (*v == NULL) {
		if ((*v = calloc(1, sizeof(**v))) == NULL ||
		    ((*v)->stream = strdup(stream)) == NULL)
			log_oom();
		(*v)->wlast = -1;
	}
	return *v;
}

static void
ml_event(struct src *s, const struct ev *ev, const struct cursor *c)
{
	struct gread *r = s->gr;
	struct strmap **map = r->sweep ? &r->ml_sweep : &r->ml_fresh;

	if (*map == NULL && (*map = strmap_new()) == NULL)
		log_oom();
	ml_take(s, ml_get(*map, ev->stream), ev, c);
}

/* The oldest first line of an event pending, or written with lines at
 * or after `swept`; INT64_MAX for none. */
static int64_t
ml_hold(const struct gread *r)
{
	int64_t hold = INT64_MAX;
	const char *name;
	struct mlpend *m;
	size_t it = 0;
	void *v;

	if (r->ml_fresh == NULL)
		return hold;
	while (strmap_next(r->ml_fresh, &it, &name, &v)) {
		m = v;
		if (m->nlines)
			hold = min64(hold, m->ts);
		if (m->wlast >= r->swept)
			hold = min64(hold, m->wfirst);
	}
	return hold;
}

/* After a fresh pass: the events waiting for multiline.timeout are
 * written, and the streams with nothing pending nor holding leave. */
static void
ml_fresh_done(struct src *s)
{
	struct gread *r = s->gr;
	int64_t now = timex_mono_ms();
	struct strmap *keep;
	const char *name;
	struct mlpend *m;
	size_t it = 0;
	void *v;

	if (r->ml_fresh == NULL)
		return;
	if ((keep = strmap_new()) == NULL)
		log_oom();
	while (strmap_next(r->ml_fresh, &it, &name, &v)) {
		m = v;
		if (m->nlines && now - m->since >= s->g->p->ml_timeout)
			ml_flush(s, m);
		if (m->nlines || m->wlast >= r->swept) {
			void **slot = strmap_put(keep, name);

			if (slot == NULL)
				log_oom();
			*slot = m;
		} else {
			mlpend_free(m);
		}
	}
	strmap_free(r->ml_fresh, NULL);
	r->ml_fresh = keep;
}

static void
ml_sweep_done(struct src *s)
{
	struct gread *r = s->gr;
	const char *name;
	size_t it = 0;
	void *v;

	if (r->ml_sweep == NULL)
		return;
	while (strmap_next(r->ml_sweep, &it, &name, &v))
		ml_flush(s, v);
	strmap_free(r->ml_sweep, ml_free);
	r->ml_sweep = NULL;
}

void
group_ml_cursor(struct src *s, struct cursor *c)
{
	struct gread *r = s->gr;

	c->ts = r->marked = frontier(r);
	c->n = s->n;
	c->token = NULL;
	c->skip = 0;
	c->to = 0;
}

void
group_ml_flush(struct src *s)
{
	struct gread *r = s->gr;
	const char *name;
	size_t it = 0;
	void *v;

	if (r == NULL)
		return;
	ml_sweep_done(s);
	if (r->ml_fresh)
		while (strmap_next(r->ml_fresh, &it, &name, &v))
			ml_flush(s, v);
}

/* --- the source ------------------------------------------------------- */

/* A followed group without a cursor of its own, resumed from the
 * cursors of its streams (read with GetLogEvents before): from the
 * oldest of them. */
static int64_t
follow_start(struct group *g)
{
	int64_t ts;

	if (resume_group_oldest(g->name, &ts) == 0)
		return ts;
	return T.start >= 0 ? T.start : 0;
}

static void pass_set(struct src *s, int sweep, int64_t from, int64_t to,
    int64_t now);

struct src *
src_group(struct group *g)
{
	struct cursor c;
	struct gread *r;
	struct src *s;
	int64_t resume_to = 0;
	size_t i;

	if (g->gsrc)
		return g->gsrc;
	s = src_new(g, NULL, API_FILTER);
	g->gsrc = s;
	if ((r = s->gr = calloc(1, sizeof(*r))) == NULL)
		log_oom();
	r->ids_ts = -1;
	r->every = 1;
	r->lag_kept = -1;
	r->hold = INT64_MAX;
	/* a group is taken as hot for a horizon from when it is first
	 * followed: a pipeline (re)starts while its groups are active, and a
	 * new group is made to receive events */
	r->hot_until = timex_now_ms() + T.hot_horizon;
	if (T.follow && ((r->seen = idset_new()) == NULL ||
	    (r->streams = strmap_new()) == NULL))
		log_oom();
	if (resume_take(g->name, NULL, &c) == 0) {
		s->resumed = 1;
		s->n = c.n;
		if (c.to > c.ts && c.token) {
			resume_to = c.to;
			s->drop = c.skip;
			if (*c.token) {
				s->token = c.token;
				c.token = NULL;
			}
		}
		s->last_ts = c.ts;
		r->from = r->marked = c.ts;
		r->ids_ts = c.ts;
		for (i = 0; i < c.nids; i++) {
			unsigned char id[16];

			if (r->seen) {
				id128(c.ids[i], id);
				if (idset_put(r->seen, id, c.ts) == -1)
					log_oom();
			} else {
				add_id(r, c.ids[i]);
			}
		}
		cursor_clear(&c);
	} else {
		r->from = T.follow ? follow_start(g) :
		    T.start >= 0 ? T.start : 0;
	}
	r->swept = r->from;
	r->fresh = r->from - 1;
	r->check_from = r->from + T.max_delay + MARGIN_MS;
	if (T.follow && resume_to > r->from) {
		/* the sweep the cursor was in goes on from its page */
		pass_set(s, 1, r->from, resume_to, timex_mono_ms());
		r->fresh = resume_to;
	}
	r->streams_pruned = timex_now_ms();
	if (T.follow) {
		char at[25];

		g->watch = 1;
		sched(&g->job, timex_mono_ms());
		log_info("%s: followed as a whole with FilterLogEvents from %s; "
		    "events up to %llds late are caught", g->name,
		    timex_iso(r->from, at), (long long)T.max_delay / 1000);
	}
	s->state = SRC_QUEUED;
	sched(&s->job, timex_mono_ms());
	return s;
}

static void
pass_set(struct src *s, int sweep, int64_t from, int64_t to, int64_t now)
{
	struct gread *r = s->gr;

	r->sweep = sweep;
	r->from = from;
	r->to = to;
	r->started = now;
	r->fallback = 0;
	r->ready = 1;
	log_debug("tail", "%s: %s [%lld, %lld]", s->g->name, sweep ? "sweep" :
	    "fresh", (long long)from, (long long)to);
}

static int
one_shot_pass(struct src *s, int64_t now)
{
	struct gread *r = s->gr;
	int64_t to = timex_now_ms() - T.latency;

	if (r->passed) {
		source_finished(s);
		return 0;
	}
	r->passed = 1;
	/* --end is exclusive, as GetLogEvents' endTime is */
	if (T.end >= 0)
		to = T.end - 1;
	if (to < r->from) {
		source_finished(s);
		return 0;
	}
	pass_set(s, 0, r->from, to, now);
	return 1;
}

int
group_next_pass(struct src *s, int64_t now)
{
	struct gread *r = s->gr;
	int64_t wall, settled, fresh_end, sweep_due, due;

	if (s->token || r->ready)
		return 1;	/* the pass goes on */
	if (!T.follow)
		return one_shot_pass(s, now);
	wall = timex_now_ms();
	settled = wall - T.max_delay - MARGIN_MS;
	fresh_end = wall - r->lag;
	if (T.end >= 0) {
		if (r->swept >= T.end) {
			source_finished(s);
			return 0;
		}
		settled = min64(settled, T.end - 1);
		fresh_end = min64(fresh_end, T.end - 1);
	}
	/* catching up (starting, resuming): what is settled and unread is
	 * read once, by a sweep */
	if (settled >= r->swept && r->fresh < settled - SWEEP_MS) {
		pass_set(s, 1, r->swept, settled, now);
		return 1;
	}
	/* a sweep first: it moves the checkpoints, and comes once a
	 * SWEEP_MS */
	if (T.max_delay > 0 && settled >= r->swept &&
	    (settled - r->swept + 1 >= SWEEP_MS ||
	    (T.end >= 0 && settled == T.end - 1))) {
		pass_set(s, 1, r->swept, settled, now);
		return 1;
	}
	if (now >= r->next_fresh && fresh_end > r->fresh) {
		/* picked again once a sixteenth of the delays kept are
		 * new, or some are and LAG_PICK_MS has passed */
		if (r->dkept - r->lag_kept >= NDELAY / 16 ||
		    (r->dkept > r->lag_kept && now - r->lag_at >= LAG_PICK_MS)) {
			r->lag = lag_pick(r);
			r->lag_kept = r->dkept;
			r->lag_at = now;
		}
		fresh_end = wall - r->lag;
		if (T.end >= 0)
			fresh_end = min64(fresh_end, T.end - 1);
		if (fresh_end > r->fresh) {
			pass_set(s, 0, r->fresh + 1, fresh_end, now);
			return 1;
		}
	}
	/* nothing yet: back when a fresh pass or the sweep is due */
	sweep_due = now + (r->swept + SWEEP_MS - 1 - settled);
	if (T.end >= 0 && T.end - 1 - settled < SWEEP_MS)
		sweep_due = now + (T.end - 1 - settled);
	if (T.max_delay == 0)
		sweep_due = INT64_MAX;
	/* a fresh pass waits for its interval, and for now - lag to pass
	 * what it read */
	due = r->next_fresh;
	if (fresh_end <= r->fresh && due < now + (r->fresh - fresh_end) + 1)
		due = now + (r->fresh - fresh_end) + 1;
	if (sweep_due < due)
		due = sweep_due;
	s->state = SRC_QUEUED;
	sched(&s->job, due);
	return 0;
}

struct http_req *
build_filter(struct src *s, struct err *e)
{
	const struct prosp *p = s->g->p;
	const struct gread *r = s->gr;
	struct buf b = BUF_INIT;
	size_t i;
	int bad = 0;

	bad |= group_ref(&b, s->g);
	/* the window is [from, to]; AWS documents endTime as taking the
	 * events stamped at it, and users measure it leaving them out: asked
	 * to + 1, either way gives the window, and what comes past it is
	 * dropped (page_events) and read by the next window */
	bad |= buf_printf(&b, ",\"startTime\":%lld,\"endTime\":%lld",
	    (long long)r->from, (long long)r->to + 1);
	if (p->filter_pattern && *p->filter_pattern)
		bad |= add_member_str(&b, "filterPattern", p->filter_pattern);
	if (!s->g->all_streams && s->g->nfstreams > 0) {
		bad |= buf_adds(&b, ",\"logStreamNames\":[");
		for (i = 0; i < s->g->nfstreams; i++) {
			if (i)
				bad |= buf_addc(&b, ',');
			bad |= jsonx_strz(&b, s->g->fstreams[i]);
		}
		bad |= buf_addc(&b, ']');
	} else if (p->stream_prefix && *p->stream_prefix) {
		bad |= add_member_str(&b, "logStreamNamePrefix",
		    p->stream_prefix);
	}
	if (s->token)
		bad |= add_member_str(&b, "nextToken", s->token);
	if (T.limit > 0)
		bad |= buf_printf(&b, ",\"limit\":%ld", T.limit);
	bad |= buf_addc(&b, '}');
	return json_req(API_FILTER, &b, bad, e);
}

/* Following: returns 1 if the event was written before (and so is not
 * again), else notes it as written. */
static int
written_before(struct src *s, const struct ev *ev)
{
	struct gread *r = s->gr;
	unsigned char id[16];

	id128(ev->id, id);
	switch (idset_add(r->seen, id, ev->ts)) {
	case 1:
		return 1;
	case -1:
		log_oom();
	}
	note_delay(r, ev->ts, ev->ingest);
	return 0;
}

/* Following: the event was met, written now or before, for the
 * lateness check and the hot interval. */
static void
note_read(struct gread *r, const struct ev *ev, int64_t wall)
{
	struct lstream *ls;

	if (ev->ingest > r->newest)
		r->newest = ev->ingest;
	ls = lstream_get(r, ev->stream);
	ls->seen = wall;
	if (ev->ingest > ls->read)
		ls->read = ev->ingest;
}

/* One-shot: returns 1 if the event is at the resume point and was
 * written then, else keeps its id for the cursor. */
static int
at_cursor(struct gread *r, const struct ev *ev)
{
	if (ev->ts == r->ids_ts && has_id(r, ev->id))
		return 1;
	if (ev->ts > r->ids_ts) {
		clear_ids(r);
		r->ids_ts = ev->ts;
	}
	if (ev->ts == r->ids_ts)
		add_id(r, ev->id);
	return 0;
}

static void
page_events(struct src *s)
{
	const struct page *pg = &page_in_hand;
	struct gread *r = s->gr;
	const char *page_token = s->token ? s->token : "";
	int64_t wall = timex_now_ms();
	size_t i;

	T.c.received += pg->nev;
	for (i = 0; i < pg->nev; i++) {
		const struct page_ev *pe = &pg->ev[i];
		struct cursor c;
		struct ev ev;

		/* a resumed sweep: its page's first events were written
		 * before the stop */
		int dropped = s->drop > 0;

		if (dropped)
			s->drop--;
		if (!pe->msg.set || !pe->id.set || !pe->stream.set) {
			if (!dropped)
				log_warn("FilterLogEvents %s: event %zu lacks "
				    "a field", s->g->name, i);
			continue;
		}
		ev_of(&ev, pg, pe);
		ev.id = page_str(pg, pe->id);
		ev.stream = page_str(pg, pe->stream);
		/* the window's only: past it (endTime taken as inclusive)
		 * is the next window's */
		if (ev.ts < r->from || ev.ts > r->to)
			continue;
		if (!hash_in_shard(s->g->name, ev.stream, T.shard_i, T.shard_n))
			continue;
		if (r->seen)
			note_read(r, &ev, wall);
		if (dropped)
			continue;
		if (r->seen ? written_before(s, &ev) : at_cursor(r, &ev)) {
			T.c.met++;
			continue;
		}
		memset(&c, 0, sizeof(c));
		c.group = s->g->name;
		c.stream = "*";
		c.n = ++s->n;
		if (r->seen) {
			c.ts = r->marked = frontier(r);
			if (r->sweep) {
				/* a restart goes on with this sweep, from
				 * this page */
				c.to = r->to;
				c.token = (char *)page_token;
				c.skip = (int64_t)i + 1;
			}
		} else {
			c.ts = r->ids_ts;
			c.ids = r->ids;
			c.nids = r->nids;
		}
		if (ev.ts > s->last_ts)
			s->last_ts = ev.ts;
		if (ev.ingest > s->activity)
			s->activity = ev.ingest;
		if (r->seen && s->g->p->ml.pattern)
			ml_event(s, &ev, &c);
		else
			out_event(s, &ev, &c);
	}
}

/* After a sweep that wrote nothing, with --resume: a mark line moves the
 * checkpoint to the new frontier, so that a restart of an idle group
 * reads nothing again. */
static void
mark(struct src *s)
{
	struct gread *r = s->gr;
	struct cursor c;

	if (!T.marks || frontier(r) <= r->marked || s->n == 0)
		return;
	memset(&c, 0, sizeof(c));
	c.group = s->g->name;
	c.stream = "*";
	c.ts = r->marked = frontier(r);
	c.n = s->n;
	out_mark(&c);
	out_flush();
}

static void
pass_done(struct src *s)
{
	struct gread *r = s->gr;
	int64_t now = timex_mono_ms();
	int hot;

	if (!T.follow) {
		source_finished(s);
		return;
	}
	if (r->sweep) {
		ml_sweep_done(s);
		r->swept = r->to + 1;
		if (r->fresh < r->to)
			r->fresh = r->to;
		idset_expire(r->seen, r->swept);
		r->hold = ml_hold(r);
		check_beyond(s);
		mark(s);
	} else {
		r->fresh = r->to;
		if (T.max_delay == 0) {
			/* no sweep: what is read fresh is all there is */
			r->swept = r->to + 1;
			idset_expire(r->seen, r->swept);
		}
		ml_fresh_done(s);
		r->hold = ml_hold(r);
		if (T.max_delay == 0)
			mark(s);
		hot = (r->newest > 0 &&
		    timex_now_ms() - r->newest < T.hot_horizon) ||
		    timex_now_ms() < r->hot_until;
		r->next_fresh = r->started + (hot ? T.hot_refresh : T.refresh);
	}
	s->state = SRC_QUEUED;
	sched(&s->job, now);
}

void
on_filter(struct src *s)
{
	const struct page *pg = &page_in_hand;
	const char *next = pg->next.set ? page_str(pg, pg->next) : NULL;

	s->gr->ready = 0;
	page_events(s);
	s->drop = 0;
	T.c.pages++;
	out_flush();
	free(s->token);
	s->token = NULL;
	if (next && *next) {
		if ((s->token = strdup(next)) == NULL)
			log_oom();
		s->state = SRC_QUEUED;
		sched(&s->job, timex_mono_ms());
		return;
	}
	pass_done(s);
}

int
group_on_error(struct src *s, const char *code, const char *why)
{
	struct gread *r = s->gr;

	if (r == NULL || s->token == NULL || r->fallback || code == NULL ||
	    strcmp(code, "InvalidParameterException") != 0)
		return 0;
	/* an expired token, or one the server ties to another window: the
	 * pass starts again; what it wrote already is met, not written */
	log_warn("FilterLogEvents %s: the token was refused (%s); reading "
	    "[%lld, %lld] again", s->g->name, why, (long long)r->from,
	    (long long)r->to);
	r->fallback = 1;
	free(s->token);
	s->token = NULL;
	/* a resumed sweep's skip was of the page of that token */
	s->drop = 0;
	return 1;
}

int64_t
group_swept(const struct group *g)
{
	if (g->gsrc == NULL || g->gsrc->gr == NULL || g->gsrc->gr->seen == NULL)
		return -1;
	return frontier(g->gsrc->gr);
}

static void
lstream_free(void *p)
{
	free(p);
}

void
group_free(struct src *s)
{
	struct gread *r = s->gr;

	if (r == NULL)
		return;
	clear_ids(r);
	free(r->ids);
	idset_free(r->seen);
	strmap_free(r->streams, lstream_free);
	strmap_free(r->ml_fresh, ml_free);
	strmap_free(r->ml_sweep, ml_free);
	free(r);
	s->gr = NULL;
}

/*
 * The sources cwl-tail reads and how it polls them: a heap of jobs per
 * API ordered by due time (so that 10,000 idle streams cost nothing per
 * tick), a token bucket per API that halves its rate on throttling and
 * recovers slowly (AIMD), and per-job capped backoff with full jitter.
 *
 * A group with many hot streams is polled as a whole as well (the group
 * poll): one FilterLogEvents a hot interval over the last few seconds
 * writes the new events of every stream at once, where GetLogEvents
 * would need a request per stream. GetLogEvents still reads each stream
 * in turn, behind: it meets the events the group poll wrote (T.seen)
 * and writes only the others, such as those ingested too late for the
 * group poll's window; and its cursors are the ones that move the
 * checkpoints. An event of the group poll carries its stream's newest
 * cursor written (held_*), which does not move the stream's checkpoint;
 * when GetLogEvents passes such events at the end of a page, a mark line
 * carries its cursor instead (cwl-tail(1), GROUP POLL).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jsonx.h"
#include "log.h"
#include "page.h"
#include "tail.h"
#include "timex.h"
#include "hash.h"

struct tail T;

/* PutLogEvents accepts events up to 2 hours in the future: a stream last
 * written before start - 2h holds no event at or after start. */
#define FUTURE_MS (2 * 3600 * 1000LL)
/* Event ids kept per group-wide cursor: past this many events at one
 * millisecond, a resume repeats some (with their own ids, so the
 * shipper's writes stay idempotent). */
#define MAX_IDS 256
/* Margin of the group poll's window, and how long an id it wrote waits
 * for GetLogEvents to meet it: past that, GetLogEvents writes the event
 * again (with the same id), which costs a rewrite, not a duplicate. */
#define GP_SLACK_MS 5000
#define GP_KEEP_MS (3600 * 1000LL)

const char *const api_name[API_N] = {
	"GetLogEvents", "FilterLogEvents", "DescribeLogStreams"
};

/* --- heap ------------------------------------------------------------- */

static void
heap_set(struct heap *h, size_t i, struct job *j)
{
	h->v[i] = j;
	j->hidx = i;
}

static void
sift_up(struct heap *h, size_t i)
{
	struct job *j = h->v[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (h->v[p]->due <= j->due)
			break;
		heap_set(h, i, h->v[p]);
		i = p;
	}
	heap_set(h, i, j);
}

static void
sift_down(struct heap *h, size_t i)
{
	struct job *j = h->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->due < h->v[c]->due)
			c++;
		if (j->due <= h->v[c]->due)
			break;
		heap_set(h, i, h->v[c]);
		i = c;
	}
	heap_set(h, i, j);
}

int
heap_push(struct heap *h, struct job *j)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct job **v = realloc(h->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	heap_set(h, h->n++, j);
	sift_up(h, h->n - 1);
	return 0;
}

struct job *
heap_top(const struct heap *h)
{
	return h->n ? h->v[0] : NULL;
}

struct job *
heap_pop(struct heap *h)
{
	struct job *j;

	if (h->n == 0)
		return NULL;
	j = h->v[0];
	j->hidx = (size_t)-1;
	if (--h->n > 0) {
		heap_set(h, 0, h->v[h->n]);
		sift_down(h, 0);
	}
	return j;
}

void
heap_remove(struct heap *h, struct job *j)
{
	size_t i = j->hidx;

	if (i == (size_t)-1 || i >= h->n || h->v[i] != j)
		return;
	j->hidx = (size_t)-1;
	if (i == --h->n)
		return;
	heap_set(h, i, h->v[h->n]);
	sift_up(h, i);
	sift_down(h, h->v[i]->hidx);
}

/* --- request budget ----------------------------------------------------- */

/* A rate of 0 is no budget at all: throttles then only back off the
 * source that met them. */
void
bucket_init(struct bucket *b, double rate, int64_t now)
{
	b->rate = b->max_rate = rate;
	b->unlimited = rate <= 0;
	/* the floor: a sixteenth of the budget, and no less than one
	 * request every two seconds */
	b->min_rate = rate / 16 > 0.5 ? rate / 16 : 0.5;
	if (b->min_rate > rate)
		b->min_rate = rate;
	b->tokens = 1;
	b->last = now;
	b->last_cut = 0;
}

static void
refill(struct bucket *b, int64_t now)
{
	double burst = b->rate < 1 ? 1 : b->rate;

	if (now > b->last) {
		b->tokens += (double)(now - b->last) * b->rate / 1000.0;
		if (b->tokens > burst)
			b->tokens = burst;
		b->last = now;
	}
}

int
bucket_take(struct bucket *b, int64_t now)
{
	if (b->unlimited)
		return 1;
	refill(b, now);
	if (b->tokens < 1)
		return 0;
	b->tokens -= 1;
	return 1;
}

int64_t
bucket_wait_ms(struct bucket *b, int64_t now)
{
	if (b->unlimited)
		return 0;
	refill(b, now);
	if (b->tokens >= 1)
		return 0;
	return (int64_t)((1 - b->tokens) * 1000.0 / b->rate) + 1;
}

/* Multiplicative decrease, once per second at most: the throttles of
 * requests that were in flight together count once. */
void
bucket_throttled(struct bucket *b, int64_t now)
{
	if (b->unlimited || now - b->last_cut < 1000)
		return;
	b->last_cut = now;
	b->rate /= 2;
	if (b->rate < b->min_rate)
		b->rate = b->min_rate;
	if (b->tokens > 0)
		b->tokens = 0;
}

/* Additive increase: 1/32 of the configured rate per success. */
void
bucket_ok(struct bucket *b)
{
	b->rate += b->max_rate / 32;
	if (b->rate > b->max_rate)
		b->rate = b->max_rate;
}

/* --- sources and groups ------------------------------------------------- */

static size_t
src_hash(const struct group *g, const char *stream)
{
	uint64_t h = hash_str(HASH_FNV_OFFSET, g->name);

	h = hash_str(h ^ 0xff, stream ? stream : "*");
	return (size_t)(h ^ (h >> 29));
}

static int
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

struct src *
src_find(struct group *g, const char *stream)
{
	struct src *s;

	if (T.tabsize == 0)
		return NULL;
	for (s = T.tab[src_hash(g, stream) & (T.tabsize - 1)]; s; s = s->hnext)
		if (s->g == g && streq(s->stream, stream))
			return s;
	return NULL;
}

static void
oom(void)
{
	log_error("out of memory");
	exit(EXIT_RUNTIME);
}

static void
tab_insert(struct src *s)
{
	size_t i;

	if (T.nsrc + 1 > T.tabsize) {
		size_t size = T.tabsize ? T.tabsize * 2 : 256, k;
		struct src **tab = calloc(size, sizeof(*tab)), *p, *next;

		if (tab == NULL)
			oom();
		for (k = 0; k < T.tabsize; k++)
			for (p = T.tab[k]; p; p = next) {
				next = p->hnext;
				i = src_hash(p->g, p->stream) & (size - 1);
				p->hnext = tab[i];
				tab[i] = p;
			}
		free(T.tab);
		T.tab = tab;
		T.tabsize = size;
	}
	i = src_hash(s->g, s->stream) & (T.tabsize - 1);
	s->hnext = T.tab[i];
	T.tab[i] = s;
	T.nsrc++;
}

struct group *
group_get(const char *name)
{
	struct group *g;

	for (g = T.groups; g; g = g->next)
		if (strcmp(g->name, name) == 0)
			return g;
	if ((g = calloc(1, sizeof(*g))) == NULL || (g->name = strdup(name)) == NULL)
		oom();
	g->job.api = API_LIST;
	g->job.hidx = (size_t)-1;
	g->p = prosp_for(name);
	g->next = T.groups;
	T.groups = g;
	return g;
}

void
sched(struct job *j, int64_t due)
{
	heap_remove(&T.heap[j->api], j);
	j->due = due;
	if (heap_push(&T.heap[j->api], j) == -1)
		oom();
}

/* A source of g, in no table yet (stream NULL: not a stream). */
static struct src *
src_alloc(struct group *g, const char *stream, int api)
{
	struct src *s = calloc(1, sizeof(*s));

	if (s == NULL || (stream && (s->stream = strdup(stream)) == NULL))
		oom();
	s->job.api = api;
	s->job.hidx = (size_t)-1;
	s->g = g;
	s->start = -1;
	s->last_ts = -1;
	s->activity = -1;
	s->reported = -1;
	s->ids_ts = -1;
	return s;
}

static struct src *
src_new(struct group *g, const char *stream, int api)
{
	struct src *s = src_alloc(g, stream, api);

	tab_insert(s);
	return s;
}

static void note_hot(struct src *s);

static void
set_idle(struct src *s)
{
	s->state = SRC_IDLE;
	T.nidle++;
	note_hot(s);
}

static void
set_done(struct src *s)
{
	s->state = SRC_DONE;
	T.ndone++;
	note_hot(s);
}

/* Idle streams are woken by a listing that shows them active: only
 * those that some listing can still report may go idle. */
static int
can_idle(const struct src *s)
{
	return s->stream && T.follow && (s->g->list || T.in_fd >= 0);
}

/*
 * Streams listed with nothing ingested since the start: an event there
 * could only be one stamped ahead of its ingestion (up to 2 hours), so
 * they wait idle and are read once each with what the GetLogEvents
 * budget leaves, while no stream being read is due (start_probes). A
 * Lambda group lists thousands of such streams; read first, they held
 * back the active ones for minutes after each start.
 */
static struct src **probes;
static size_t nprobes, capprobes, probe_next;

static void
probe_add(struct src *s)
{
	if (nprobes == capprobes) {
		size_t cap = capprobes ? capprobes * 2 : 256;
		struct src **v = realloc(probes, cap * sizeof(*v));

		if (v == NULL)
			oom();
		probes = v;
		capprobes = cap;
	}
	probes[nprobes++] = s;
}

/* Returns the next stream still idle and never read, or NULL (and the
 * list is gone). */
static struct src *
probe_take(void)
{
	struct src *s;

	while (probe_next < nprobes) {
		s = probes[probe_next++];
		if (s->state == SRC_IDLE && s->token == NULL && s->n == 0)
			return s;
	}
	free(probes);
	probes = NULL;
	nprobes = capprobes = probe_next = 0;
	return NULL;
}

struct src *
src_stream(struct group *g, const char *stream, int64_t last_ingest,
    int64_t first_ts, int explicit_arg)
{
	int64_t now = timex_mono_ms();
	struct cursor c;
	struct src *s;

	if ((s = src_find(g, stream)) != NULL) {
		if (explicit_arg)
			s->explicit_arg = 1;
		if (last_ingest > s->reported) {
			s->reported = last_ingest;
			if (last_ingest > s->activity)
				s->activity = last_ingest;
			if (s->state == SRC_IDLE) {
				log_debug("tail", "%s/%s: active again", g->name, stream);
				T.nidle--;
				s->state = SRC_QUEUED;
				sched(&s->job, now);
			}
			note_hot(s);
		}
		return s;
	}
	s = src_new(g, stream, API_GET);
	s->explicit_arg = explicit_arg != 0;
	s->reported = last_ingest;
	s->activity = last_ingest >= 0 ? last_ingest : timex_now_ms();
	if (resume_take(g->name, stream, &c) == 0) {
		s->resumed = 1;
		s->n = c.n;
		s->drop = c.skip;
		s->last_ts = c.ts;
		s->held_skip = c.skip;
		s->held_ts = c.ts;
		if (c.token && *c.token && (s->held_token = strdup(c.token)) == NULL)
			oom();
		if (c.token && *c.token) {
			s->token = c.token;
			c.token = NULL;
		} else {
			/* the first page: redo the request that fetched it */
			s->start = c.ts > 0 ? c.ts : -1;
		}
		cursor_clear(&c);
	} else {
		s->start = T.start;
		s->held_ts = T.start >= 0 ? T.start : 0;
		if (!explicit_arg && T.start >= 0 && last_ingest >= 0 &&
		    last_ingest + FUTURE_MS < T.start) {
			/* nothing at or after start: no request at all */
			if (can_idle(s))
				set_idle(s);
			else
				set_done(s);
			return s;
		}
		if (!explicit_arg && T.end >= 0 && first_ts > T.end) {
			set_done(s);
			return s;
		}
		if (!explicit_arg && T.start >= 0 && last_ingest >= 0 &&
		    last_ingest < T.start && can_idle(s)) {
			set_idle(s);
			probe_add(s);
			return s;
		}
	}
	s->state = SRC_QUEUED;
	sched(&s->job, now);
	note_hot(s);
	return s;
}

struct src *
src_group(struct group *g)
{
	struct cursor c;
	struct src *s;

	if (g->gsrc)
		return g->gsrc;
	s = src_new(g, NULL, API_FILTER);
	g->gsrc = s;
	if (resume_take(g->name, NULL, &c) == 0) {
		s->resumed = 1;
		s->n = c.n;
		s->from = c.ts;
		s->ids_ts = c.ts;
		s->last_ts = c.ts;
		s->ids = c.ids;
		s->nids = s->capids = c.nids;
		c.ids = NULL;
		c.nids = 0;
		cursor_clear(&c);
	} else {
		s->from = T.start >= 0 ? T.start : 0;
	}
	s->state = SRC_QUEUED;
	sched(&s->job, timex_mono_ms());
	return s;
}

void
group_want_list(struct group *g)
{
	g->list = 1;
	if (g->listing || g->job.hidx != (size_t)-1)
		return;
	if (g->listed && g->job.due > timex_mono_ms())
		return;
	sched(&g->job, timex_mono_ms());
}

/* --- requests --------------------------------------------------------- */

static int
add_member_str(struct buf *b, const char *name, const char *v)
{
	return buf_printf(b, ",\"%s\":", name) | jsonx_strz(b, v);
}

static struct http_req *
json_req(int api, struct buf *body, struct err *e)
{
	static const char *const target[API_N] = {
		"Logs_20140328.GetLogEvents", "Logs_20140328.FilterLogEvents",
		"Logs_20140328.DescribeLogStreams"
	};
	struct http_req *r;

	r = aws_json_request(T.aws, "logs", target[api], "1.1", buf_str(body), e);
	if (r && !r->body_owned && r->body == body->p) {
		r->body_owned = 1;
		buf_detach(body);
	}
	buf_free(body);
	return r;
}

static struct http_req *
build_get(struct src *s, struct err *e)
{
	struct buf b = BUF_INIT;
	int r = 0;

	r |= buf_adds(&b, "{\"logGroupName\":");
	r |= jsonx_strz(&b, s->g->name);
	r |= add_member_str(&b, "logStreamName", s->stream);
	r |= buf_adds(&b, ",\"startFromHead\":true");
	if (s->token)
		r |= add_member_str(&b, "nextToken", s->token);
	else if (s->start >= 0)
		r |= buf_printf(&b, ",\"startTime\":%lld", (long long)s->start);
	if (T.end >= 0)
		r |= buf_printf(&b, ",\"endTime\":%lld", (long long)T.end);
	if (T.limit > 0)
		r |= buf_printf(&b, ",\"limit\":%ld", T.limit);
	r |= buf_addc(&b, '}');
	if (r) {
		buf_free(&b);
		err_set(e, EXIT_RUNTIME, "out of memory");
		return NULL;
	}
	return json_req(API_GET, &b, e);
}

static struct http_req *
build_filter(struct src *s, struct err *e)
{
	const struct prosp *p = s->g->p;
	struct buf b = BUF_INIT;
	size_t i;
	int r = 0;

	r |= buf_adds(&b, "{\"logGroupName\":");
	r |= jsonx_strz(&b, s->g->name);
	r |= buf_printf(&b, ",\"startTime\":%lld,\"endTime\":%lld",
	    (long long)s->from, (long long)s->to);
	if (p->filter_pattern && *p->filter_pattern)
		r |= add_member_str(&b, "filterPattern", p->filter_pattern);
	if (!s->g->all_streams && s->g->nfstreams > 0) {
		r |= buf_adds(&b, ",\"logStreamNames\":[");
		for (i = 0; i < s->g->nfstreams; i++) {
			if (i)
				r |= buf_addc(&b, ',');
			r |= jsonx_strz(&b, s->g->fstreams[i]);
		}
		r |= buf_addc(&b, ']');
	} else if (p->stream_prefix && *p->stream_prefix) {
		r |= add_member_str(&b, "logStreamNamePrefix", p->stream_prefix);
	}
	if (s->token)
		r |= add_member_str(&b, "nextToken", s->token);
	if (T.limit > 0)
		r |= buf_printf(&b, ",\"limit\":%ld", T.limit);
	r |= buf_addc(&b, '}');
	if (r) {
		buf_free(&b);
		err_set(e, EXIT_RUNTIME, "out of memory");
		return NULL;
	}
	return json_req(API_FILTER, &b, e);
}

static struct http_req *
build_list(struct group *g, struct err *e)
{
	struct buf b = BUF_INIT;
	int r = 0;

	r |= buf_adds(&b, "{\"logGroupName\":");
	r |= jsonx_strz(&b, g->name);
	if (g->p->stream_prefix && *g->p->stream_prefix)
		r |= add_member_str(&b, "logStreamNamePrefix", g->p->stream_prefix);
	if (g->list_token)
		r |= add_member_str(&b, "nextToken", g->list_token);
	r |= buf_addc(&b, '}');
	if (r) {
		buf_free(&b);
		err_set(e, EXIT_RUNTIME, "out of memory");
		return NULL;
	}
	return json_req(API_LIST, &b, e);
}

static void
fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records the first fatal error; the main loop stops and exits with it. */
static void
fail(int code, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (T.failed)
		return;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	err_set(&T.err, code, "%s", buf_str(&b));
	buf_free(&b);
	T.failed = code ? code : EXIT_RUNTIME;
	T.stopping = 1;
}

/* A group-wide source sets the end of its next pass: now - latency, or
 * --end. Returns 0 when there is nothing to ask for yet. */
static int
filter_window(struct src *s)
{
	int64_t to, wall;

	if (s->token)
		return 1;
	if (s->gpoll) {
		/* the last gp_overlap ms again, and up to the 2 hours ahead
		 * PutLogEvents accepts */
		if (!s->g->gp_on)
			return 0;
		wall = timex_now_ms();
		s->from = wall - T.gp_overlap;
		if (T.start >= 0 && s->from < T.start)
			s->from = T.start;
		/* what GetLogEvents wrote before the group poll started is
		 * not in T.seen: the group poll reads from its start on */
		if (s->from < s->g->gp_since)
			s->from = s->g->gp_since;
		s->to = wall + FUTURE_MS;
		return 1;
	}
	to = timex_now_ms() - T.latency;
	if (T.end >= 0 && (T.end < to || !T.follow))
		to = T.end;
	s->to = to;
	return s->to >= s->from;
}

static void
source_finished(struct src *s)
{
	out_flush_pending(s);
	out_flush();
	set_done(s);
}

static int
is_hot(const struct src *s)
{
	return T.hot_horizon > 0 && s->activity >= 0 &&
	    timex_now_ms() - s->activity < T.hot_horizon;
}

static int64_t
poll_delay(const struct src *s)
{
	if (s->gpoll)
		return T.hot_refresh > 0 ? T.hot_refresh : T.refresh;
	/* the group poll writes its new events: GetLogEvents follows at
	 * the pace of streams that are not hot */
	if (s->stream && s->g->gp_on)
		return T.refresh;
	if (is_hot(s))
		return T.hot_refresh;
	return T.refresh;
}

/* --- the group poll ------------------------------------------------------ */

static void
gp_start(struct group *g)
{
	struct src *f = g->gp;

	if (f == NULL) {
		/* not in T.tab: it is no stream, and no group-wide source */
		f = src_alloc(g, NULL, API_FILTER);
		f->gpoll = 1;
		f->state = SRC_IDLE;
		g->gp = f;
	}
	if (T.seen == NULL && (T.seen = idset_new()) == NULL)
		oom();
	g->gp_on = 1;
	g->gp_used = 1;
	g->gp_since = timex_now_ms();
	log_info("%s: %zu hot streams: the group is polled as a whole as well, "
	    "with FilterLogEvents every %lldms", g->name, g->nhot,
	    (long long)poll_delay(f));
	if (f->state == SRC_IDLE) {
		f->state = SRC_QUEUED;
		sched(&f->job, timex_mono_ms());
	}
}

/* Counts s in its group's hot streams or not, and starts the group poll
 * when they are gp_min. */
static void
note_hot(struct src *s)
{
	struct group *g = s->g;
	int hot;

	if (s->stream == NULL)
		return;
	hot = s->state != SRC_IDLE && s->state != SRC_DONE && is_hot(s);
	if (hot == (int)s->hot)
		return;
	s->hot = hot != 0;
	if (!hot) {
		g->nhot--;
		return;
	}
	g->nhot++;
	if (!g->gp_on && !g->gp_refused && T.gp_min > 0 &&
	    g->nhot >= (size_t)T.gp_min && T.follow && T.end < 0 &&
	    g->gsrc == NULL && g->p->ml.pattern == NULL &&
	    !(g->p->filter_pattern && *g->p->filter_pattern))
		gp_start(g);
}

/* The group poll stops when its group has fewer than half gp_min hot
 * streams; it starts again at gp_min. */
static int
gp_wanted(struct group *g)
{
	if (g->gp_on && g->nhot * 2 < (size_t)T.gp_min) {
		log_info("%s: %zu hot streams: the group poll stops", g->name,
		    g->nhot);
		g->gp_on = 0;
	}
	return g->gp_on;
}

/* A group poll refused by the server stops for good, with a warning:
 * the streams are read as before. Returns 1 if s was a group poll. */
static int
gp_refuse(struct src *s, const char *what, const char *why)
{
	if (s == NULL || !s->gpoll)
		return 0;
	log_warn("%s %s: %s: its streams are read one by one only", what,
	    s->g->name, why);
	s->g->gp_on = 0;
	s->g->gp_refused = 1;
	free(s->token);
	s->token = NULL;
	s->state = SRC_IDLE;
	return 1;
}

/* Returns 1 if the job was started, 0 if it needs no request now. */
static int
start_job(struct job *j, int64_t now)
{
	struct err e = ERR_INIT;
	struct http_req *req = NULL;
	struct src *s = NULL;
	struct group *g = NULL;

	if (j->api == API_LIST) {
		g = (struct group *)j;
		g->listing = 1;
		req = build_list(g, &e);
	} else {
		s = (struct src *)j;
		if (j->api == API_FILTER && !filter_window(s)) {
			if (s->gpoll)
				s->state = SRC_IDLE;	/* gp_start queues it */
			else if (!T.follow)
				source_finished(s);
			else
				sched(j, now + poll_delay(s));
			return 0;
		}
		req = j->api == API_GET ? build_get(s, &e) : build_filter(s, &e);
	}
	if (req == NULL) {
		fail(e.code, "%s %s%s%s: %s", api_name[j->api],
		    g ? g->name : s->g->name, s && s->stream ? "/" : "",
		    s && s->stream ? s->stream : "", err_msg(&e));
		err_clear(&e);
		return 0;
	}
	if (http_multi_add(T.multi, req, j) == -1) {
		fail(EXIT_RUNTIME, "%s: cannot start a request: %s",
		    api_name[j->api], err_msg(http_multi_error(T.multi)));
		return 0;
	}
	if (s)
		s->state = SRC_FLIGHT;
	T.flight[j->api]++;
	T.c.requests++;
	T.c.api[j->api].requests++;
	return 1;
}

/* Reads the streams of probe_add while no GetLogEvents job is due. */
static void
start_probes(int64_t now)
{
	struct job *j = heap_top(&T.heap[API_GET]);
	struct src *s;

	while (!T.stopping && (j == NULL || j->due > now) &&
	    T.flight[API_GET] < T.max_flight[API_GET]) {
		if ((s = probe_take()) == NULL)
			return;
		if (!bucket_take(&T.budget[API_GET], now)) {
			probe_next--;	/* first again next time */
			return;
		}
		T.nidle--;
		s->state = SRC_QUEUED;
		start_job(&s->job, now);
	}
}

void
start_requests(int64_t now)
{
	static const int order[] = { API_LIST, API_FILTER, API_GET };
	size_t k;
	struct job *j;

	for (k = 0; k < sizeof(order) / sizeof(order[0]) && !T.stopping; k++) {
		int api = order[k];

		while (!T.stopping && (j = heap_top(&T.heap[api])) != NULL &&
		    j->due <= now && T.flight[api] < T.max_flight[api]) {
			if (api == API_FILTER && !((struct src *)j)->token &&
			    !filter_window((struct src *)j)) {
				heap_pop(&T.heap[api]);
				start_job(j, now);
				continue;
			}
			if (!bucket_take(&T.budget[api], now))
				break;
			heap_pop(&T.heap[api]);
			start_job(j, now);
		}
		if (api == API_GET && probe_next < nprobes)
			start_probes(now);
	}
}

int64_t
next_wakeup(int64_t now, int64_t cap)
{
	int64_t best = cap, w;
	struct job *j;
	int api;

	for (api = 0; api < API_N; api++) {
		if ((j = heap_top(&T.heap[api])) == NULL ||
		    T.flight[api] >= T.max_flight[api])
			continue;
		w = j->due - now;
		if (w < 0)
			w = 0;
		if (w == 0 || w < best) {
			int64_t b = bucket_wait_ms(&T.budget[api], now);

			if (b > w)
				w = b;
		}
		if (w < best)
			best = w;
	}
	if (probe_next < nprobes && T.flight[API_GET] < T.max_flight[API_GET] &&
	    (w = bucket_wait_ms(&T.budget[API_GET], now)) < best)
		best = w;
	return best < 0 ? 0 : best;
}

/* --- responses ----------------------------------------------------------- */

/* The rank of an event among identical ones (stream, timestamp,
 * ingestion time, message) in its page, by a small open-addressing table per page. */
struct rankslot {
	uint64_t h;
	int64_t count;
};
static struct rankslot *rtab;
static size_t rtabsize;

static void
rank_reset(size_t nev)
{
	size_t want = 64;

	while (want < nev * 2)
		want *= 2;
	if (want > rtabsize) {
		free(rtab);
		if ((rtab = calloc(want, sizeof(*rtab))) == NULL)
			oom();
		rtabsize = want;
	} else {
		memset(rtab, 0, rtabsize * sizeof(*rtab));
	}
}

static int64_t
rank_of(const char *stream, int64_t ts, int64_t ingest, const char *msg,
    size_t len)
{
	uint64_t h = hash_str(HASH_FNV_OFFSET, stream);
	size_t i, mask = rtabsize - 1;

	h = (h ^ (uint64_t)ts) * 1099511628211ULL;
	h = (h ^ (uint64_t)ingest) * 1099511628211ULL;
	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)msg[i]) * 1099511628211ULL;
	if (h == 0)
		h = 1;
	for (i = (size_t)(h ^ (h >> 32)) & mask;; i = (i + 1) & mask) {
		if (rtab[i].h == 0) {
			rtab[i].h = h;
			return rtab[i].count++;
		}
		if (rtab[i].h == h)
			return rtab[i].count++;
	}
}

static void
after_end(struct src *s)
{
	int64_t wall = timex_now_ms(), now = timex_mono_ms();

	if (s->ml && s->ml->nlines &&
	    (!T.follow || now - s->ml->since >= s->g->p->ml_timeout))
		out_flush_pending(s);
	if (!T.follow || (T.end >= 0 && wall > T.end + T.latency)) {
		source_finished(s);
		return;
	}
	if (T.horizon > 0 && wall - s->activity > T.horizon) {
		out_flush_pending(s);
		out_flush();
		if (can_idle(s)) {
			log_debug("tail", "%s/%s: nothing new for %llds, idle",
			    s->g->name, s->stream, (long long)T.horizon / 1000);
			set_idle(s);
			return;
		}
		/* no listing can wake it: polled once a horizon */
		s->state = SRC_QUEUED;
		sched(&s->job, now + T.horizon);
		return;
	}
	s->state = SRC_QUEUED;
	note_hot(s);
	sched(&s->job, now + poll_delay(s));
}

static struct page pg;

/* The event of a page's pe, whose message is set: its times and message
 * (its stream, id and rank are the caller's). */
static void
ev_of(struct ev *ev, const struct page_ev *pe)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts = pe->ts;
	ev->ingest = pe->ingest;
	ev->msg = page_str(&pg, pe->msg);
	ev->len = pe->msg.len;
}

enum { MAX_EMPTIES = 100 };	/* fits the 7 bits of src.empties */

/* The cursor of the newest line written for s: what an event of the
 * group poll carries, so that its ack does not move the checkpoint of
 * its stream past events GetLogEvents has not read yet. */
static void
held_cursor(const struct src *s, struct cursor *c)
{
	memset(c, 0, sizeof(*c));
	c->group = s->g->name;
	c->stream = s->stream;
	c->token = s->held_token ? s->held_token : "";
	c->skip = s->held_skip;
	c->ts = s->held_ts;
	c->n = s->n;
}

static void
set_held(struct src *s, const char *token, int64_t skip, int64_t ts)
{
	if (*token == '\0') {
		free(s->held_token);
		s->held_token = NULL;
	} else if (s->held_token == NULL || strcmp(s->held_token, token) != 0) {
		free(s->held_token);
		if ((s->held_token = strdup(token)) == NULL)
			oom();
	}
	s->held_skip = skip;
	s->held_ts = ts;
}

/* For GetLogEvents in a group the group poll reads: returns 1 if the
 * group poll wrote ev already (and lets its id go once no group poll
 * can meet the event again), else 0, and keeps the id of an event
 * recent enough for the group poll to meet. */
static int
gp_met(struct src *s, struct ev *ev, char idbuf[33])
{
	struct group *g = s->g;
	unsigned char id[16];
	int64_t *exp, until;

	if (!g->gp_used || T.seen == NULL)
		return 0;
	cursor_event_id(g->name, s->stream, ev->ts, ev->ingest, ev->msg,
	    ev->len, ev->rank, idbuf);
	if (idset_hex(idbuf, id) == -1)
		return 0;
	ev->id = idbuf;
	until = ev->ts + T.gp_overlap + GP_SLACK_MS;
	if ((exp = idset_find(T.seen, id)) != NULL) {
		if (*exp > until)
			*exp = until;
		T.c.gp_met++;
		return 1;
	}
	/* the round in progress reads from g->gp->from on */
	if (g->gp_on && ev->ts >= g->gp->from &&
	    idset_put(T.seen, id, until) == -1)
		oom();
	return 0;
}

static void
on_get(struct src *s)
{
	const char *next = pg.next.set ? page_str(&pg, pg.next) : NULL;
	const char *page_token = s->token ? s->token : "";
	int64_t first_ts = s->start >= 0 ? s->start : 0, cts = first_ts;
	size_t i, written = 0, met = 0;
	char idbuf[33];
	int at_end;

	rank_reset(pg.nev);
	for (i = 0; i < pg.nev; i++) {
		const struct page_ev *pe = &pg.ev[i];
		struct ev ev;
		struct cursor c;

		if (!pe->msg.set) {
			log_warn("GetLogEvents %s/%s: event %zu has no message",
			    s->g->name, s->stream, i);
			continue;
		}
		ev_of(&ev, pe);
		ev.rank = rank_of(s->stream, ev.ts, ev.ingest, ev.msg, ev.len);
		if (s->drop > 0) {
			s->drop--;
			continue;
		}
		ev.stream = s->stream;
		cts = s->token ? ev.ts : first_ts;
		if (ev.ts > s->last_ts)
			s->last_ts = ev.ts;
		if (ev.ingest > s->activity)
			s->activity = ev.ingest;
		if (gp_met(s, &ev, idbuf)) {
			++s->n;
			met = i + 1;
			continue;
		}
		memset(&c, 0, sizeof(c));
		c.group = s->g->name;
		c.stream = s->stream;
		c.token = (char *)page_token;
		c.skip = (int64_t)i + 1;
		c.ts = cts;
		c.n = ++s->n;
		out_event(s, &ev, &c);
		written = i + 1;
	}
	if (pg.nev > 0)
		note_hot(s);
	if (met > written) {
		/* the page ends with events the group poll wrote: a mark
		 * carries the cursor past them */
		struct cursor c;

		set_held(s, page_token, (int64_t)met, cts);
		held_cursor(s, &c);
		out_mark(&c);
	} else if (written > 0) {
		set_held(s, page_token, (int64_t)written, cts);
	}
	if (s->drop > 0) {
		log_warn("%s/%s: the resumed page has fewer events than the "
		    "cursor's skip; reading on", s->g->name, s->stream);
		s->drop = 0;
	}
	at_end = next == NULL || (s->token && strcmp(next, s->token) == 0);
	/* AWS may answer empty pages with a new token while more events
	 * remain, so one empty page is not the end; a stream that never
	 * stops doing so would keep a one-shot run going for ever, so past
	 * MAX_EMPTIES in a row it is taken as the end there, and polled at
	 * the stream's interval under --follow. */
	if (!at_end && pg.nev == 0) {
		if (s->empties < MAX_EMPTIES)
			s->empties++;
		if (s->empties == MAX_EMPTIES && !T.follow) {
			log_warn("GetLogEvents %s/%s: %d empty pages in a row, each "
			    "with a new token: taking it as the end of the stream",
			    s->g->name, s->stream, MAX_EMPTIES);
			at_end = 1;
		}
	} else {
		s->empties = 0;
	}
	if (!at_end) {
		char *t = strdup(next);

		if (t == NULL)
			oom();
		free(s->token);
		s->token = t;
	}
	s->fallback = 0;
	T.c.pages++;
	out_flush();
	if (!at_end) {
		s->state = SRC_QUEUED;
		sched(&s->job, s->empties == MAX_EMPTIES ?
		    timex_mono_ms() + poll_delay(s) : timex_mono_ms());
		return;
	}
	s->empties = 0;
	after_end(s);
}

static int
has_id(const struct src *s, const char *id)
{
	size_t i;

	for (i = s->nids; i-- > 0;)
		if (strcmp(s->ids[i], id) == 0)
			return 1;
	return 0;
}

static void
add_id(struct src *s, const char *id)
{
	char *d = strdup(id);

	if (d == NULL)
		oom();
	if (s->nids == MAX_IDS) {
		free(s->ids[0]);
		memmove(s->ids, s->ids + 1, (s->nids - 1) * sizeof(*s->ids));
		s->nids--;
	}
	if (s->nids == s->capids) {
		size_t cap = s->capids ? s->capids * 2 : 4;
		char **v = realloc(s->ids, cap * sizeof(*v));

		if (v == NULL)
			oom();
		s->ids = v;
		s->capids = cap;
	}
	s->ids[s->nids++] = d;
}

static void
clear_ids(struct src *s)
{
	size_t i;

	for (i = 0; i < s->nids; i++)
		free(s->ids[i]);
	s->nids = 0;
}

/* A stream the group poll found before any listing: read from now on
 * if this run takes every stream of the group (it lists the group
 * itself, or --group-poll-adopt says cwl-list does), its prefix and
 * shard allowing. Returns its source, or NULL. */
static struct src *
gp_adopt(struct group *g, const char *stream, int64_t ingest)
{
	const char *prefix = g->p->stream_prefix;

	if (!(g->list || T.gp_adopt) ||
	    (prefix && strncmp(stream, prefix, strlen(prefix)) != 0) ||
	    !hash_in_shard(g->name, stream, T.shard_i, T.shard_n))
		return NULL;
	log_debug("tail", "%s/%s: new stream (group poll)", g->name, stream);
	return src_stream(g, stream, ingest, -1, 0);
}

/* A page of the group poll: the events of the streams this run reads
 * that were not written yet, each with its stream's held cursor. Events
 * of other streams (of another shard or prefix, or not listed yet when
 * cwl-list lists them) are left to their own reader. */
static void
on_gp(struct src *f)
{
	const char *next = pg.next.set ? page_str(&pg, pg.next) : NULL;
	struct group *g = f->g;
	int64_t wall = timex_now_ms(), now = timex_mono_ms();
	unsigned char id[16];
	char idbuf[33];
	size_t i;

	rank_reset(pg.nev);
	for (i = 0; i < pg.nev; i++) {
		const struct page_ev *pe = &pg.ev[i];
		struct src *st;
		struct cursor c;
		struct ev ev;

		if (!pe->msg.set || !pe->stream.set) {
			log_warn("FilterLogEvents %s: event %zu lacks a field",
			    g->name, i);
			continue;
		}
		ev_of(&ev, pe);
		ev.stream = page_str(&pg, pe->stream);
		ev.rank = rank_of(ev.stream, ev.ts, ev.ingest, ev.msg, ev.len);
		if (T.start >= 0 && ev.ts < T.start)
			continue;
		if ((st = src_find(g, ev.stream)) == NULL)
			st = gp_adopt(g, ev.stream, ev.ingest);
		if (st == NULL || st->state == SRC_DONE)
			continue;
		cursor_event_id(g->name, st->stream, ev.ts, ev.ingest, ev.msg,
		    ev.len, ev.rank, idbuf);
		if (idset_hex(idbuf, id) == -1 || idset_find(T.seen, id))
			continue;
		if (idset_put(T.seen, id, wall + GP_KEEP_MS) == -1)
			oom();
		ev.id = idbuf;
		ev.stream = st->stream;
		if (ev.ingest > st->activity)
			st->activity = ev.ingest;
		if (st->state == SRC_IDLE) {
			/* GetLogEvents reads it again, behind */
			log_debug("tail", "%s/%s: active again (group poll)",
			    g->name, st->stream);
			T.nidle--;
			st->state = SRC_QUEUED;
			sched(&st->job, now + T.refresh);
		}
		note_hot(st);
		held_cursor(st, &c);
		T.c.gp_events++;
		out_event(st, &ev, &c);
	}
	T.c.pages++;
	out_flush();
	free(f->token);
	f->token = NULL;
	if (next && *next) {
		if ((f->token = strdup(next)) == NULL)
			oom();
		f->state = SRC_QUEUED;
		sched(&f->job, now);
		return;
	}
	/* the round is over: the ids no later round can meet go */
	idset_expire(T.seen, wall);
	if (!gp_wanted(g)) {
		f->state = SRC_IDLE;
		return;
	}
	f->state = SRC_QUEUED;
	sched(&f->job, now + poll_delay(f));
}

static void
on_filter(struct src *s)
{
	const char *next = pg.next.set ? page_str(&pg, pg.next) : NULL;
	size_t i;

	if (s->gpoll) {
		on_gp(s);
		return;
	}

	for (i = 0; i < pg.nev; i++) {
		const struct page_ev *pe = &pg.ev[i];
		struct ev ev;
		struct cursor c;

		if (!pe->msg.set || !pe->id.set || !pe->stream.set) {
			log_warn("FilterLogEvents %s: event %zu lacks a field",
			    s->g->name, i);
			continue;
		}
		ev_of(&ev, pe);
		ev.id = page_str(&pg, pe->id);
		ev.stream = page_str(&pg, pe->stream);
		if (ev.ts == s->ids_ts && has_id(s, ev.id))
			continue;
		/* --end is exclusive, as GetLogEvents' endTime is; AWS
		 * documents FilterLogEvents' as inclusive */
		if (T.end >= 0 && ev.ts >= T.end)
			continue;
		if (ev.ts > s->ids_ts) {
			clear_ids(s);
			s->ids_ts = ev.ts;
		}
		if (ev.ts == s->ids_ts)
			add_id(s, ev.id);
		memset(&c, 0, sizeof(c));
		c.group = s->g->name;
		c.stream = "*";
		c.ts = s->ids_ts;
		c.n = ++s->n;
		c.ids = s->ids;
		c.nids = s->nids;
		if (ev.ts > s->last_ts)
			s->last_ts = ev.ts;
		if (ev.ingest > s->activity)
			s->activity = ev.ingest;
		out_event(s, &ev, &c);
	}
	T.c.pages++;
	out_flush();
	if (next && *next) {
		char *t = strdup(next);

		if (t == NULL)
			oom();
		free(s->token);
		s->token = t;
		s->state = SRC_QUEUED;
		sched(&s->job, timex_mono_ms());
		return;
	}
	free(s->token);
	s->token = NULL;
	/* The next pass starts at this one's end again: AWS documents
	 * endTime as inclusive, some servers treat it as exclusive, and the
	 * ids seen at that millisecond drop what was already written. */
	s->from = s->to;
	if (!T.follow || (T.end >= 0 && s->to >= T.end)) {
		source_finished(s);
		return;
	}
	s->state = SRC_QUEUED;
	sched(&s->job, timex_mono_ms() + poll_delay(s));
}

static void
on_list(struct group *g, json_object *out)
{
	json_object *streams = jsonx_get(out, "logStreams", json_type_array);
	const char *next = jsonx_get_str(out, "nextToken", NULL);
	const char *prefix = g->p->stream_prefix;
	size_t i, n = streams ? json_object_array_length(streams) : 0;

	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(streams, i);
		const char *name = jsonx_get_str(o, "logStreamName", NULL);

		if (name == NULL || *name == '\0')
			continue;
		if (prefix && strncmp(name, prefix, strlen(prefix)) != 0)
			continue;
		if (!hash_in_shard(g->name, name, T.shard_i, T.shard_n))
			continue;
		src_stream(g, name, jsonx_get_int(o, "lastIngestionTime", -1),
		    jsonx_get_int(o, "firstEventTimestamp", -1), 0);
	}
	free(g->list_token);
	g->list_token = NULL;
	if (next && *next && (g->list_token = strdup(next)) == NULL)
		oom();
	if (g->list_token) {
		sched(&g->job, timex_mono_ms());
		return;
	}
	g->listing = 0;
	g->listed = 1;
	if (T.follow && (T.end < 0 || timex_now_ms() <= T.end + T.latency))
		sched(&g->job, timex_mono_ms() + T.list_refresh);
}

static const char *
job_name(struct job *j, struct buf *b)
{
	buf_reset(b);
	if (j->api == API_LIST) {
		buf_adds(b, ((struct group *)j)->name);
	} else {
		struct src *s = (struct src *)j;

		buf_adds(b, s->g->name);
		if (s->stream)
			buf_printf(b, "/%s", s->stream);
	}
	return buf_str(b);
}

static int
is_throttle(const struct aws_error *ae)
{
	static const char *const names[] = { "ThrottlingException",
		"Throttling", "ThrottledException", "RequestLimitExceeded",
		"TooManyRequestsException", "RequestThrottled",
		"RequestThrottledException", "SlowDown", "LimitExceededException",
		NULL };
	size_t i;

	if (ae->status == 429)
		return 1;
	for (i = 0; ae->code && names[i]; i++)
		if (strcmp(ae->code, names[i]) == 0)
			return 1;
	return 0;
}

static void
requeue(struct job *j, int64_t due)
{
	if (j->api == API_LIST)
		((struct group *)j)->listing = 1;
	else
		((struct src *)j)->state = SRC_QUEUED;
	sched(j, due);
}

/* "CODE: message (HTTP status)" of an error response. */
static const char *
ae_text(const struct aws_error *ae, struct buf *b)
{
	buf_reset(b);
	buf_adds(b, ae->code ? ae->code : "error");
	if (ae->message && *ae->message)
		buf_printf(b, ": %s", ae->message);
	if (ae->status > 0)
		buf_printf(b, " (HTTP %ld)", ae->status);
	return buf_str(b);
}

static void
on_error(struct job *j, struct http_done *d, struct aws_error *ae)
{
	struct buf name = BUF_INIT, why = BUF_INIT;
	int64_t now = timex_mono_ms();
	const char *what = api_name[j->api];
	struct src *s = j->api == API_LIST ? NULL : (struct src *)j;
	int explicit_arg, code;

	job_name(j, &name);
	if (d->err.code && !d->resp.neterr) {
		/* not worth a retry: too large an answer, a bad URL */
		if (!gp_refuse(s, what, err_msg(&d->err)))
			fail(EXIT_RUNTIME, "%s %s: %s", what,
			    buf_str(&name), err_msg(&d->err));
		goto out;
	}
	if (d->resp.neterr || d->resp.status == 0) {
		ae->cls = AWS_ERR_RETRY;
		ae->status = 0;
		free(ae->code);
		ae->code = strdup("network error");
		free(ae->message);
		ae->message = d->resp.neterr_msg ?
		    strdup(d->resp.neterr_msg) : NULL;
	}
	ae_text(ae, &why);
	if (ae->cls == AWS_ERR_RETRY) {
		int throttle = is_throttle(ae);

		if (throttle) {
			T.c.throttles++;
			T.c.api[j->api].throttles++;
			bucket_throttled(&T.budget[j->api], now);
		} else {
			T.c.retries++;
			T.c.api[j->api].retries++;
		}
		j->attempt++;
		if (T.max_attempts > 0 && j->attempt >= T.max_attempts &&
		    !(T.follow && throttle)) {
			if (!gp_refuse(s, what, buf_str(&why)))
				fail(EXIT_RUNTIME, "%s %s: %s, after %d "
				    "attempts", what, buf_str(&name),
				    buf_str(&why), j->attempt);
		} else {
			long delay = retry_delay_ms(&T.retry, j->attempt - 1);

			log_debug("tail", "%s %s: %s; retry %d in %ldms", what,
			    buf_str(&name), buf_str(&why), j->attempt, delay);
			if (j->attempt >= 5 && !throttle)
				log_warn("%s %s: %s; retry %d in %ldms", what,
				    buf_str(&name), buf_str(&why), j->attempt,
				    delay);
			requeue(j, now + delay);
		}
		goto out;
	}
	if (ae->cls == AWS_ERR_AUTH) {
		if (!j->auth_retried) {
			/* expired credentials are refreshed once */
			j->auth_retried = 1;
			creds_invalidate(aws_creds(T.aws));
			requeue(j, now);
		} else if (!gp_refuse(s, what, buf_str(&why))) {
			fail(EXIT_AUTH, "%s %s: %s", what, buf_str(&name),
			    buf_str(&why));
		}
		goto out;
	}
	explicit_arg = s ? s->explicit_arg : ((struct group *)j)->explicit_arg;
	if (s && s->stream && s->token && !s->fallback && ae->code &&
	    strcmp(ae->code, "InvalidParameterException") == 0) {
		/* "The specified nextToken has expired": tokens live about a
		 * day (and an idle stream's token is not renewed). Read again
		 * from the newest event's time; the events already written
		 * come again with the same ids. */
		log_warn("%s %s: the cursor's token was refused (%s); reading "
		    "again from %lld", what, buf_str(&name), buf_str(&why),
		    (long long)s->last_ts);
		s->fallback = 1;
		free(s->token);
		s->token = NULL;
			s->start = s->last_ts >= 0 ? s->last_ts : -1;
		s->drop = 0;
		requeue(j, now);
		goto out;
	}
	if (ae->code && strcmp(ae->code, "ResourceNotFoundException") == 0 &&
	    !explicit_arg && !(s && s->gpoll)) {
		/* deleted since it was listed */
		log_warn("%s %s: %s", what, buf_str(&name), buf_str(&why));
		if (s)
			source_finished(s);
		else
			((struct group *)j)->listing = 0;
		goto out;
	}
	if (gp_refuse(s, what, buf_str(&why)))
		goto out;
	/* the request itself is wrong: a bad filter pattern, a bad name */
	code = ae->code && strcmp(ae->code, "InvalidParameterException") == 0 ?
	    EXIT_USAGE : EXIT_RUNTIME;
	fail(code, "%s %s: %s", what, buf_str(&name), buf_str(&why));
out:
	buf_free(&why);
	buf_free(&name);
}

void
handle_done(struct http_done *d)
{
	struct job *j = d->udata;
	struct aws_error ae;
	json_object *out = NULL;
	const char *why = NULL;
	int ok;

	memset(&ae, 0, sizeof(ae));
	T.flight[j->api]--;
	if (j->api != API_LIST && d->resp.status >= 200 && d->resp.status < 300) {
		ok = page_parse(&pg, d->resp.body.p ? d->resp.body.p : "",
		    d->resp.body.len, &why) == 0;
		if (!ok) {
			/* a cut or garbled answer is worth asking again */
			ae.status = d->resp.status;
			ae.code = strdup("InvalidResponse");
			ae.message = strdup(why);
			ae.cls = AWS_ERR_RETRY;
		}
	} else {
		ok = aws_json_response(&d->resp, &out, &ae) == 0;
	}
	if (ok) {
		/* the body is not needed past here: its memory goes before
		 * the events are written */
		http_resp_free(&d->resp);
		j->attempt = 0;
		j->auth_retried = 0;
		bucket_ok(&T.budget[j->api]);
		if (j->api == API_GET)
			on_get((struct src *)j);
		else if (j->api == API_FILTER)
			on_filter((struct src *)j);
		else
			on_list((struct group *)j, out);
		json_object_put(out);
	} else {
		on_error(j, d, &ae);
		http_resp_free(&d->resp);
	}
	aws_error_clear(&ae);
	http_req_free(d->req);
}

void
stdin_closed(void)
{
	int64_t now = timex_mono_ms();
	size_t i, k = 0;
	struct src *s;

	if (!T.follow)
		return;
	for (i = 0; i < T.tabsize; i++)
		for (s = T.tab[i]; s; s = s->hnext) {
			if (s->state != SRC_IDLE || s->g->list)
				continue;
			/* no listing can wake it now: polled once a horizon,
			 * the first polls spread over one */
			T.nidle--;
			s->state = SRC_QUEUED;
			sched(&s->job, now + (int64_t)(k++ % 1000) *
			    (T.horizon > 0 ? T.horizon : 600000) / 1000);
		}
}

int
all_done(void)
{
	int api;

	if (T.in_fd >= 0)
		return 0;
	if (T.follow && T.end < 0)
		return 0;
	if (probe_next < nprobes)
		return 0;
	for (api = 0; api < API_N; api++)
		if (T.flight[api] || T.heap[api].n)
			return 0;
	return 1;
}

void
flush_all_pending(void)
{
	size_t i;
	struct src *s;

	for (i = 0; i < T.tabsize; i++)
		for (s = T.tab[i]; s; s = s->hnext)
			out_flush_pending(s);
	out_flush();
}

void
report_counters(void)
{
	int64_t lag = T.c.last_ingest > 0 ? timex_now_ms() - T.c.last_ingest : -1;
	size_t active = T.nsrc - T.nidle - T.ndone;

	fprintf(stderr, "%s: info: requests=%llu throttles=%llu retries=%llu "
	    "events=%llu bytes=%llu streams=%zu active=%zu idle=%zu done=%zu "
	    "lag=%lldms rate_get=%.1f/s rate_filter=%.1f/s group_poll=%llu "
	    "group_poll_met=%llu\n", log_prog(),
	    (unsigned long long)T.c.requests, (unsigned long long)T.c.throttles,
	    (unsigned long long)T.c.retries, (unsigned long long)T.c.events,
	    (unsigned long long)T.c.bytes, T.nsrc, active, T.nidle, T.ndone,
	    (long long)lag, T.budget[API_GET].rate, T.budget[API_FILTER].rate,
	    (unsigned long long)T.c.gp_events, (unsigned long long)T.c.gp_met);
}

/* The share of the time range [start, end] read, over every source. */
static double
progress_share(void)
{
	double sum = 0, range = (double)(T.end - T.start);
	size_t i, n = 0;
	struct src *s;

	for (i = 0; i < T.tabsize; i++)
		for (s = T.tab[i]; s; s = s->hnext) {
			n++;
			if (s->state == SRC_DONE || s->state == SRC_IDLE)
				sum += 1;
			else if (s->last_ts > T.start && range > 0)
				sum += s->last_ts >= T.end ? 1 :
				    (double)(s->last_ts - T.start) / range;
		}
	return n ? sum / (double)n : 0;
}

void
progress_update(int64_t now, int final)
{
	double share, secs, rate;
	long long eta;
	char line[256];
	int k;

	if (!T.progress || (!final && now < T.progress_next))
		return;
	T.progress_next = now + (T.progress_tty ? 500 : 5000);
	secs = (double)(now - T.t0) / 1000.0;
	rate = secs > 0 ? (double)T.c.events / secs : 0;
	if (T.start >= 0 && T.end > T.start) {
		share = final && !T.failed && !T.stopping ? 1 : progress_share();
		eta = share > 0.001 ? (long long)(secs * (1 - share) / share) : -1;
		if (eta >= 0)
			k = snprintf(line, sizeof(line), "%.1f%% of the time range, "
			    "%llu events, %.0f events/s, ETA %lld:%02lld:%02lld",
			    share * 100, (unsigned long long)T.c.events, rate,
			    eta / 3600, eta / 60 % 60, eta % 60);
		else
			k = snprintf(line, sizeof(line), "%.1f%% of the time "
			    "range, %llu events, %.0f events/s, ETA unknown",
			    share * 100, (unsigned long long)T.c.events, rate);
	} else {
		k = snprintf(line, sizeof(line), "%llu events, %.0f events/s",
		    (unsigned long long)T.c.events, rate);
	}
	if (k < 0 || (size_t)k >= sizeof(line))
		line[sizeof(line) - 1] = '\0';
	if (T.progress_tty)
		fprintf(stderr, "\r%s: %s\033[K%s", log_prog(), line,
		    final ? "\n" : "");
	else
		fprintf(stderr, "%s: progress: %s\n", log_prog(), line);
}

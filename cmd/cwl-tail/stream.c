/*
 * Streams read one by one with GetLogEvents and forward tokens: the
 * one-shot reads (a backfill reads every stream of a group in parallel,
 * 1 MB a page), and, under --follow, the groups that --mode stream
 * keeps on this path. The end of a stream is its
 * token coming back unchanged; a followed stream is polled again at its
 * interval, and a stream with nothing new for stream_event_horizon
 * goes idle until a listing shows it active.
 *
 * A forward token is a position in the stream's order, which AWS does
 * not document: if that order is the events' timestamps, an event
 * ingested late lands behind a token already passed and a follower
 * never meets it. The group-wide reader (group.c) is the one that is
 * right under either order; this path is for what it cannot do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "jsonx.h"
#include "log.h"
#include "page.h"
#include "tail.h"
#include "timex.h"

/* PutLogEvents accepts events up to 2 hours in the future: a stream last
 * written before start - 2h holds no event at or after start. */
#define FUTURE_MS (2 * 3600 * 1000LL)

enum { MAX_EMPTIES = 100 };	/* fits the 7 bits of src.empties */

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
			log_oom();
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

int
probes_left(void)
{
	return probe_next < nprobes;
}

int64_t
probe_wakeup(int64_t now, int64_t cap)
{
	int64_t w;

	if (probe_next < nprobes && T.flight[API_GET] < T.max_flight[API_GET] &&
	    (w = bucket_wait_ms(&T.budget[API_GET], now)) < cap)
		return w;
	return cap;
}

void
start_probes(int64_t now)
{
	struct sched_item *top = sched_top(&T.heap[API_GET]);
	struct src *s;

	while (!T.stopping && (top == NULL || top->due > now) &&
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

/* The source starts from its --resume cursor. */
static void
resume_stream(struct src *s, struct cursor *c)
{
	s->resumed = 1;
	s->n = c->n;
	s->drop = c->skip;
	s->last_ts = c->ts;
	if (c->token && *c->token) {
		s->token = c->token;
		c->token = NULL;
	} else {
		/* the first page: redo the request that fetched it */
		s->start = c->ts > 0 ? c->ts : -1;
	}
	cursor_clear(c);
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
				log_debug("tail", "%s:%s: active again", g->name, stream);
				T.nidle--;
				s->state = SRC_QUEUED;
				sched(&s->job, now);
			}
		}
		return s;
	}
	s = src_new(g, stream, API_GET);
	s->explicit_arg = explicit_arg != 0;
	s->reported = last_ingest;
	s->activity = last_ingest >= 0 ? last_ingest : timex_now_ms();
	if (resume_take(g->name, stream, &c) == 0) {
		resume_stream(s, &c);
	} else {
		s->start = T.start;
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
	return s;
}

void
group_want_list(struct group *g)
{
	g->list = 1;
	if (g->listing || sched_queued(&g->job.it))
		return;
	if (g->listed && g->job.it.due > timex_mono_ms())
		return;
	sched(&g->job, timex_mono_ms());
}

/* Every page is asked with the window of the first, as the SDKs'
 * paginators do: a token may be a position in that window. */
struct http_req *
build_get(struct src *s, struct err *e)
{
	struct buf b = BUF_INIT;
	int r = 0;

	r |= group_ref(&b, s->g);
	r |= add_member_str(&b, "logStreamName", s->stream);
	r |= buf_adds(&b, ",\"startFromHead\":true");
	if (s->token)
		r |= add_member_str(&b, "nextToken", s->token);
	if (s->start >= 0)
		r |= buf_printf(&b, ",\"startTime\":%lld", (long long)s->start);
	if (T.end >= 0)
		r |= buf_printf(&b, ",\"endTime\":%lld", (long long)T.end);
	if (T.limit > 0)
		r |= buf_printf(&b, ",\"limit\":%ld", T.limit);
	r |= buf_addc(&b, '}');
	return json_req(API_GET, &b, r, e);
}

/* A group whose streams are read: every stream, by name, with the
 * prefix. A group read as a whole (watch): the page of the streams with
 * the newest events, for the lateness check; AWS takes no prefix with
 * orderBy LastEventTime, so the prefix is applied here. */
struct http_req *
build_list(struct group *g, struct err *e)
{
	struct buf b = BUF_INIT;
	int r = 0;

	r |= group_ref(&b, g);
	if (g->watch)
		r |= buf_adds(&b, ",\"orderBy\":\"LastEventTime\","
		    "\"descending\":true,\"limit\":50");
	else if (g->p->stream_prefix && *g->p->stream_prefix)
		r |= add_member_str(&b, "logStreamNamePrefix", g->p->stream_prefix);
	if (g->list_token)
		r |= add_member_str(&b, "nextToken", g->list_token);
	r |= buf_addc(&b, '}');
	return json_req(API_LIST, &b, r, e);
}

static int
is_hot(const struct src *s)
{
	return T.hot_horizon > 0 && s->activity >= 0 &&
	    timex_now_ms() - s->activity < T.hot_horizon;
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
			log_debug("tail", "%s:%s: nothing new for %llds, idle",
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
	sched(&s->job, now + (is_hot(s) ? T.hot_refresh : T.refresh));
}

/* Writes the events of the page in hand, each with the cursor that
 * resumes after it; those a resumed cursor skips, and those at or past
 * --end, are not written. */
static void
get_events(struct src *s, const struct page *pg)
{
	const char *page_token = s->token ? s->token : "";
	int64_t first_ts = s->start >= 0 ? s->start : 0;
	size_t i;

	for (i = 0; i < pg->nev; i++) {
		const struct page_ev *pe = &pg->ev[i];
		struct ev ev;
		struct cursor c;

		if (!pe->msg.set) {
			log_warn("GetLogEvents %s:%s: event %zu has no message",
			    s->g->name, s->stream, i);
			continue;
		}
		ev_of(&ev, pg, pe);
		ev.rank = rank_of(s->stream, ev.ts, ev.ingest, ev.msg, ev.len);
		if (s->drop > 0) {
			s->drop--;
			continue;
		}
		/* --end is exclusive, as GetLogEvents' endTime is said to be:
		 * a server that takes the events stamped at it gets no say */
		if (T.end >= 0 && ev.ts >= T.end)
			continue;
		ev.stream = s->stream;
		if (ev.ts > s->last_ts)
			s->last_ts = ev.ts;
		if (ev.ingest > s->activity)
			s->activity = ev.ingest;
		memset(&c, 0, sizeof(c));
		c.group = s->g->name;
		c.stream = s->stream;
		c.token = (char *)page_token;
		c.skip = (int64_t)i + 1;
		c.ts = s->token ? ev.ts : first_ts;
		c.n = ++s->n;
		out_event(s, &ev, &c);
	}
	if (s->drop > 0) {
		log_warn("%s:%s: the resumed page has fewer events than the "
		    "cursor's skip; reading on", s->g->name, s->stream);
		s->drop = 0;
	}
}

/* Whether the page is the stream's last for now: no next token, or the
 * one in hand again. */
static int
get_at_end(struct src *s, const struct page *pg, const char *next)
{
	int at_end;

	at_end = next == NULL || (s->token && strcmp(next, s->token) == 0);
	/* AWS may answer empty pages with a new token while more events
	 * remain, so one empty page is not the end; a stream that never
	 * stops doing so would keep a one-shot run going for ever, so past
	 * MAX_EMPTIES in a row it is taken as the end there, and polled at
	 * the stream's interval under --follow. */
	if (!at_end && pg->nev == 0) {
		if (s->empties < MAX_EMPTIES)
			s->empties++;
		if (s->empties == MAX_EMPTIES && !T.follow) {
			log_warn("GetLogEvents %s:%s: %d empty pages in a row, each "
			    "with a new token: taking it as the end of the stream",
			    s->g->name, s->stream, MAX_EMPTIES);
			at_end = 1;
		}
	} else {
		s->empties = 0;
	}
	return at_end;
}

void
on_get(struct src *s)
{
	const struct page *pg = &page_in_hand;
	const char *next = pg->next.set ? page_str(pg, pg->next) : NULL;
	int at_end;

	rank_reset(pg->nev);
	T.c.received += pg->nev;
	get_events(s, pg);
	at_end = get_at_end(s, pg, next);
	if (!at_end) {
		char *t = strdup(next);

		if (t == NULL)
			log_oom();
		free(s->token);
		s->token = t;
	}
	s->fallback = 0;
	T.c.pages++;
	out_flush();
	if (!at_end) {
		s->state = SRC_QUEUED;
		sched(&s->job, s->empties == MAX_EMPTIES ? timex_mono_ms() +
		    (is_hot(s) ? T.hot_refresh : T.refresh) : timex_mono_ms());
		return;
	}
	s->empties = 0;
	after_end(s);
}

int
stream_token_refused(struct src *s, const char *why)
{
	if (s->stream == NULL || s->token == NULL || s->fallback)
		return 0;
	/* "The specified nextToken has expired": tokens live about a day
	 * (and an idle stream's token is not renewed). Read again from the
	 * newest event's time; the events already written come again with
	 * the same ids. */
	log_warn("GetLogEvents %s:%s: the cursor's token was refused (%s); "
	    "reading again from %lld", s->g->name, s->stream, why,
	    (long long)s->last_ts);
	s->fallback = 1;
	free(s->token);
	s->token = NULL;
	s->start = s->last_ts >= 0 ? s->last_ts : -1;
	s->drop = 0;
	return 1;
}

static void
list_streams_page(struct group *g, json_object *streams)
{
	const char *prefix = g->p->stream_prefix;
	size_t i, n = streams ? json_object_array_length(streams) : 0;

	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(streams, i);
		const char *name = jsonx_get_str(o, "logStreamName", NULL);
		int64_t last = jsonx_get_int(o, "lastIngestionTime", -1);

		if (name == NULL || *name == '\0')
			continue;
		if (prefix && strncmp(name, prefix, strlen(prefix)) != 0)
			continue;
		if (!hash_in_shard(g->name, name, T.shard_i, T.shard_n))
			continue;
		if (g->watch)
			group_stream_listed(g, name, last);
		else
			src_stream(g, name, last,
			    jsonx_get_int(o, "firstEventTimestamp", -1), 0);
	}
}

void
on_list(struct group *g, json_object *out)
{
	const char *next = jsonx_get_str(out, "nextToken", NULL);

	list_streams_page(g, jsonx_get(out, "logStreams", json_type_array));
	free(g->list_token);
	g->list_token = NULL;
	/* a watch reads one page: the newest streams */
	if (!g->watch && next && *next && (g->list_token = strdup(next)) == NULL)
		log_oom();
	if (g->list_token) {
		sched(&g->job, timex_mono_ms());
		return;
	}
	g->listing = 0;
	g->listed = 1;
	if (T.follow && (T.end < 0 || timex_now_ms() <= T.end + T.latency))
		sched(&g->job, timex_mono_ms() + T.list_refresh);
}

static size_t nwoken;

static void
wake_unlisted(struct src *s)
{
	int64_t now = timex_mono_ms();

	if (s->state != SRC_IDLE || s->g->list)
		return;
	/* no listing can wake it now: polled once a horizon, the first
	 * polls spread over one */
	T.nidle--;
	s->state = SRC_QUEUED;
	sched(&s->job, now + (int64_t)(nwoken++ % 1000) *
	    (T.horizon > 0 ? T.horizon : 600000) / 1000);
}

void
stdin_closed(void)
{
	if (!T.follow)
		return;
	nwoken = 0;
	src_each(wake_unlisted);
}

/*
 * The request loop: which job goes next, within what budget, and what
 * an answer or an error does. Each API has a heap of jobs by due time
 * (so that 10,000 idle streams cost nothing per tick) and a token
 * bucket that halves its rate on throttling and recovers slowly (AIMD);
 * a failed request is retried with capped backoff and full jitter.
 * Sources are read by stream.c (GetLogEvents) and group.c
 * (FilterLogEvents); group listings by stream.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "creds.h"
#include "hash.h"
#include "jsonx.h"
#include "log.h"
#include "page.h"
#include "tail.h"
#include "timex.h"

struct tail T = { .fail.stop = &T.stopping };
struct page page_in_hand;

const char *const api_name[API_N] = {
	"GetLogEvents", "FilterLogEvents", "DescribeLogStreams"
};

void
sched(struct job *j, int64_t due)
{
	if (sched_at(&T.heap[j->api], &j->it, due) == -1)
		log_oom();
}

void
set_idle(struct src *s)
{
	s->state = SRC_IDLE;
	T.nidle++;
}

void
set_done(struct src *s)
{
	s->state = SRC_DONE;
	T.ndone++;
}

void
source_finished(struct src *s)
{
	out_flush_pending(s);
	out_flush();
	set_done(s);
}

int
add_member_str(struct buf *b, const char *name, const char *v)
{
	return buf_printf(b, ",\"%s\":", name) | jsonx_strz(b, v);
}

int
group_ref(struct buf *b, const struct group *g)
{
	/* "If you specify values for both logGroupName and
	 * logGroupIdentifier, the action returns an InvalidParameterException
	 * error": a linked account's group by its ARN, any other by name */
	if (g->ident)
		return buf_adds(b, "{\"logGroupIdentifier\":") | jsonx_strz(b, g->ident);
	return buf_adds(b, "{\"logGroupName\":") | jsonx_strz(b, g->logname);
}

struct http_req *
json_req(int api, struct buf *body, int bad, struct err *e)
{
	static const char *const target[API_N] = {
		"Logs_20140328.GetLogEvents", "Logs_20140328.FilterLogEvents",
		"Logs_20140328.DescribeLogStreams"
	};
	struct http_req *r;

	if (bad) {
		buf_free(body);
		err_set(e, EXIT_RUNTIME, "out of memory");
		return NULL;
	}
	r = aws_json_request(T.aws, "logs", target[api], "1.1", buf_str(body), e);
	if (r && !r->body_owned && r->body == body->p) {
		r->body_owned = 1;
		buf_detach(body);
	}
	buf_free(body);
	return r;
}

/* "GROUP" or "GROUP:STREAM", as the command line names them. */
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
			buf_printf(b, ":%s", s->stream);
	}
	return buf_str(b);
}

int
start_job(struct job *j, int64_t now)
{
	struct err e = ERR_INIT;
	struct http_req *req = NULL;
	struct src *s = NULL;
	struct buf name = BUF_INIT;

	if (j->api == API_LIST) {
		((struct group *)j)->listing = 1;
		req = build_list((struct group *)j, &e);
	} else {
		s = (struct src *)j;
		req = j->api == API_GET ? build_get(s, &e) : build_filter(s, &e);
	}
	if (req == NULL) {
		cli_fail(&T.fail, e.code, "%s %s: %s", api_name[j->api],
		    job_name(j, &name), err_msg(&e));
		buf_free(&name);
		err_clear(&e);
		return 0;
	}
	if (http_multi_add(T.multi, req, j) == -1) {
		cli_fail(&T.fail, EXIT_RUNTIME,
		    "%s: cannot start a request: %s", api_name[j->api],
		    err_msg(http_multi_error(T.multi)));
		return 0;
	}
	if (s)
		s->state = SRC_FLIGHT;
	T.flight[j->api]++;
	T.c.requests++;
	T.c.api[j->api].requests++;
	return 1;
}

void
start_requests(int64_t now)
{
	static const int order[] = { API_LIST, API_FILTER, API_GET };
	struct sched_item *it;
	size_t k;

	for (k = 0; k < sizeof(order) / sizeof(order[0]) && !T.stopping; k++) {
		int api = order[k];

		while (!T.stopping && (it = sched_top(&T.heap[api])) != NULL &&
		    it->due <= now && T.flight[api] < T.max_flight[api]) {
			struct job *j = (struct job *)it;

			/* a group-wide source may have nothing to ask for
			 * yet: it says so before a token is spent on it */
			if (api == API_FILTER && !((struct src *)j)->token) {
				sched_pop(&T.heap[api]);
				if (!group_next_pass((struct src *)j, now))
					continue;
				/* no token yet: it keeps its place, the time it
				 * was due, so that a source due later (another
				 * group's next pass) does not take each token
				 * before it, for ever */
				if (!bucket_take(&T.budget[api], now)) {
					sched(j, it->due);
					break;
				}
				start_job(j, now);
				continue;
			}
			if (!bucket_take(&T.budget[api], now))
				break;
			sched_pop(&T.heap[api]);
			start_job(j, now);
		}
		if (api == API_GET && probes_left())
			start_probes(now);
	}
}

int64_t
next_wakeup(int64_t now, int64_t cap)
{
	int64_t best = cap, w;
	struct sched_item *it;
	int api;

	for (api = 0; api < API_N; api++) {
		if ((it = sched_top(&T.heap[api])) == NULL ||
		    T.flight[api] >= T.max_flight[api])
			continue;
		w = it->due - now;
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
	best = probe_wakeup(now, best);
	return best < 0 ? 0 : best;
}

void
ev_of(struct ev *ev, const struct page *pg, const struct page_ev *pe)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts = pe->ts;
	ev->ingest = pe->ingest;
	ev->msg = page_str(pg, pe->msg);
	ev->len = pe->msg.len;
}

/* --- the rank of identical events ------------------------------------------ */

/* The rank of an event among identical ones (stream, timestamp,
 * ingestion time, message) in its page, by a small open-addressing
 * table per page. */
struct rankslot {
	uint64_t h;
	int64_t count;
};
static struct rankslot *rtab;
static size_t rtabsize;

void
rank_reset(size_t nev)
{
	size_t want = 64;

	while (want < nev * 2)
		want *= 2;
	if (want > rtabsize) {
		free(rtab);
		if ((rtab = calloc(want, sizeof(*rtab))) == NULL)
			log_oom();
		rtabsize = want;
	} else {
		memset(rtab, 0, rtabsize * sizeof(*rtab));
	}
}

int64_t
rank_of(const char *stream, int64_t ts, int64_t ingest, const char *msg,
    size_t len)
{
	uint64_t h = hash_str(HASH_FNV_OFFSET, stream);
	size_t i, mask = rtabsize - 1;

	h = (h ^ (uint64_t)ts) * 1099511628211ULL;
	h = (h ^ (uint64_t)ingest) * 1099511628211ULL;
	h = hash_bytes(h, msg, len);
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

/* --- answers and errors ---------------------------------------------------- */

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

/* Set once a failure was said, until a request succeeds: a network that
 * is down is said once, not at every request that meets it. */
static int retry_said;

/* A failure worth a retry: again after a backoff, until the attempts
 * run out (throttling never runs them out under --follow). The first
 * failure that is not throttling is said at once (as lib/aws.c says
 * its own): retries may last minutes. */
static void
retry_later(struct job *j, const struct aws_error *ae, const char *name,
    const char *why, int64_t now)
{
	const char *what = api_name[j->api];
	int throttle = is_throttle(ae);
	long delay;

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
		cli_fail(&T.fail, EXIT_RUNTIME, "%s %s: %s, after %d attempts",
		    what, name, why, j->attempt);
		return;
	}
	delay = retry_delay_ms(&T.retry, j->attempt - 1);
	log_debug("tail", "%s %s: %s; retry %d in %ldms", what, name, why,
	    j->attempt, delay);
	if (!throttle && !retry_said) {
		retry_said = 1;
		if (T.max_attempts > 0)
			log_warn("%s %s: %s; retrying, %d attempts in all", what,
			    name, why, T.max_attempts);
		else
			log_warn("%s %s: %s; retrying until it answers", what,
			    name, why);
	}
	requeue(j, now + delay);
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
		/* not worth a retry: too large an answer, a bad URL, a
		 * certificate that does not verify (a usage error) */
		cli_fail(&T.fail,
		    d->err.code == EXIT_USAGE ? EXIT_USAGE : EXIT_RUNTIME,
		    "%s %s: %s", what, buf_str(&name), err_msg(&d->err));
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
		retry_later(j, ae, buf_str(&name), buf_str(&why), now);
		goto out;
	}
	if (ae->cls == AWS_ERR_AUTH) {
		if (!j->auth_retried) {
			/* expired credentials are refreshed once */
			j->auth_retried = 1;
			creds_invalidate(aws_creds(T.aws));
			requeue(j, now);
		} else {
			cli_fail(&T.fail, EXIT_AUTH, "%s %s: %s", what,
			    buf_str(&name), buf_str(&why));
		}
		goto out;
	}
	if (s && ae->code && strcmp(ae->code, "InvalidParameterException") == 0 &&
	    (s->stream ? stream_token_refused(s, buf_str(&why)) :
	    group_on_error(s, ae->code, buf_str(&why)))) {
		requeue(j, now);
		goto out;
	}
	explicit_arg = s ? s->explicit_arg : ((struct group *)j)->explicit_arg;
	if (ae->code && strcmp(ae->code, "ResourceNotFoundException") == 0 &&
	    !explicit_arg) {
		/* deleted since it was listed */
		log_warn("%s %s: %s", what, buf_str(&name), buf_str(&why));
		if (s)
			source_finished(s);
		else
			((struct group *)j)->listing = 0;
		goto out;
	}
	/* the request itself is wrong: a bad filter pattern, a bad name */
	code = ae->code && strcmp(ae->code, "InvalidParameterException") == 0 ?
	    EXIT_USAGE : EXIT_RUNTIME;
	cli_fail(&T.fail, code, "%s %s: %s", what, buf_str(&name),
	    buf_str(&why));
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
		ok = page_parse(&page_in_hand, d->resp.body.p ? d->resp.body.p : "",
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
		retry_said = 0;
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

int
all_done(void)
{
	struct group *g;
	int api;

	if (T.in_fd >= 0)
		return 0;
	if (T.follow && T.end < 0)
		return 0;
	if (probes_left())
		return 0;
	for (api = 0; api < API_N; api++)
		if (T.flight[api] || (api != API_LIST && T.heap[api].n))
			return 0;
	/* a followed group's newest-streams listing is no work of its own */
	for (g = T.groups; g; g = g->next)
		if (!g->watch && (g->listing || sched_queued(&g->job.it)))
			return 0;
	return 1;
}

static void
flush_one(struct src *s)
{
	out_flush_pending(s);
}

void
flush_all_pending(void)
{
	src_each(flush_one);
	out_flush();
}

void
report_counters(void)
{
	int64_t lag = T.c.last_ingest > 0 ? timex_now_ms() - T.c.last_ingest : -1;
	size_t active = T.nsrc - T.nidle - T.ndone;

	fprintf(stderr, "%s: info: requests=%llu throttles=%llu retries=%llu "
	    "events=%llu bytes=%llu streams=%zu active=%zu idle=%zu done=%zu "
	    "lag=%lldms rate_get=%.1f/s rate_filter=%.1f/s received=%llu "
	    "met=%llu beyond_delay=%llu\n", log_prog(),
	    (unsigned long long)T.c.requests, (unsigned long long)T.c.throttles,
	    (unsigned long long)T.c.retries, (unsigned long long)T.c.events,
	    (unsigned long long)T.c.bytes, T.nsrc, active, T.nidle, T.ndone,
	    (long long)lag, T.budget[API_GET].rate, T.budget[API_FILTER].rate,
	    (unsigned long long)T.c.received, (unsigned long long)T.c.met,
	    (unsigned long long)T.c.beyond);
}

/* --- progress ------------------------------------------------------------- */

static double progress_sum;
static size_t progress_n;

static void
progress_add(struct src *s)
{
	double range = (double)(T.end - T.start);

	progress_n++;
	if (s->state == SRC_DONE || s->state == SRC_IDLE)
		progress_sum += 1;
	else if (s->last_ts > T.start && range > 0)
		progress_sum += s->last_ts >= T.end ? 1 :
		    (double)(s->last_ts - T.start) / range;
}

/* The share of the time range [start, end] read, over every source. */
static double
progress_share(void)
{
	progress_sum = 0;
	progress_n = 0;
	src_each(progress_add);
	return progress_n ? progress_sum / (double)progress_n : 0;
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
		share = final && !T.fail.code && !T.stopping ? 1 :
		    progress_share();
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

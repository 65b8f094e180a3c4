/*
 * The event lines: NDJSON as DESIGN.md shows them, or text for people.
 * A page's lines are built in one buffer and written in one go.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "evline.h"
#include "jsonx.h"
#include "log.h"
#include "tail.h"
#include "timex.h"

#define OUT_CHUNK (1u << 20)


static void
emit_json(struct src *s, const struct ev *ev, const char *id,
    const struct cursor *c)
{
	const struct prosp *p = s->g->p;
	struct evline_opts o;
	struct evline line;

	memset(&o, 0, sizeof(o));
	o.region = T.region;
	o.prospector = p->id;
	o.fields = p->fields;
	o.fields_under_root = p->fields_under_root;
	o.tags = T.tags;
	memset(&line, 0, sizeof(line));
	line.group = s->g->logname;
	line.account = s->g->account;
	line.stream = ev->stream;
	line.ts = ev->ts;
	line.ingest = ev->ingest;
	line.msg = ev->msg;
	line.len = ev->len;
	line.id = id;
	line.cursor = c;
	if (evline_json(&T.out, &o, &line) == -1)
		log_oom();
	/* a large page goes out in pieces of whole lines: the memory of
	 * cwl-tail does not grow with the size of a page */
	if (T.out.len >= OUT_CHUNK)
		out_flush();
}

/* Time for people: UTC with Z, or local time with its offset. */
static void
text_time(int64_t ms, char out[40])
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	int frac = (int)(ms - (int64_t)t * 1000);
	struct tm tm;
	char off[8];
	long gmtoff;
	int k;

	if (!T.local) {
		timex_iso(ms, out);
		return;
	}
	localtime_r(&t, &tm);
	gmtoff = tm.tm_gmtoff;
	k = snprintf(off, sizeof(off), "%c%02ld:%02ld", gmtoff < 0 ? '-' : '+',
	    labs(gmtoff) / 3600, labs(gmtoff) / 60 % 60);
	if (k < 0 || (size_t)k >= sizeof(off))
		off[0] = '\0';
	k = snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%s",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, frac, off);
	if (k < 0 || k >= 40)
		out[39] = '\0';
}

static void
emit_text(struct src *s, const struct ev *ev)
{
	static const int palette[] = { 32, 33, 34, 35, 36, 92, 93, 94, 95, 96 };
	struct buf *b = &T.out;
	char tm[40];
	size_t n = ev->len;
	unsigned h = 5381;
	const char *p;
	int r = 0;

	while (n > 0 && (ev->msg[n - 1] == '\n' || ev->msg[n - 1] == '\r'))
		n--;
	text_time(ev->ts, tm);
	for (p = ev->stream; *p; p++)
		h = h * 33 + (unsigned char)*p;
	if (T.color)
		r |= buf_printf(b, "\033[2m%s\033[0m \033[%dm", tm,
		    palette[h % (sizeof(palette) / sizeof(palette[0]))]);
	else
		r |= buf_printf(b, "%s ", tm);
	if (T.groups && T.groups->next) {
		r |= log_printable(b, s->g->name, strlen(s->g->name), 0);
		r |= buf_addc(b, '/');
	}
	r |= log_printable(b, ev->stream, strlen(ev->stream), 0);
	r |= buf_adds(b, T.color ? "\033[0m " : " ");
	r |= log_printable(b, ev->msg, n, 1);
	r |= buf_addc(b, '\n');
	if (r)
		log_oom();
	if (b->len >= OUT_CHUNK)
		out_flush();
}

static void
emit(struct src *s, const struct ev *ev, const struct cursor *c)
{
	char idbuf[33];
	const char *id = ev->id;

	if (id == NULL) {
		cursor_event_id(s->g->name, ev->stream, ev->ts, ev->ingest,
		    ev->msg, ev->len, ev->rank, idbuf);
		id = idbuf;
	}
	if (T.out_fmt == OUT_TEXT)
		emit_text(s, ev);
	else
		emit_json(s, ev, id, c);
	T.c.events++;
	if (ev->ingest > T.c.last_ingest)
		T.c.last_ingest = ev->ingest;
	s->g->events++;
	if (ev->ingest > s->g->newest)
		s->g->newest = ev->ingest;
}

static int
save_cursor(struct mlpend *m, const struct cursor *c)
{
	if (c->token == NULL) {
		free(m->token);
		m->token = NULL;
	} else if (m->token == NULL || strcmp(m->token, c->token) != 0) {
		free(m->token);
		if ((m->token = strdup(c->token)) == NULL)
			return -1;
	}
	m->skip = c->skip;
	m->cts = c->ts;
	m->n = c->n;
	m->to = c->to;
	return 0;
}

void
out_mark(const struct cursor *c)
{
	struct buf *b = &T.out;
	int r = 0;

	r |= buf_adds(b, "{\"@metadata\":{\"cursor\":");
	r |= cursor_to_json(c, b);
	r |= buf_adds(b, "}}\n");
	if (r)
		log_oom();
}

void
out_event(struct src *s, const struct ev *ev, const struct cursor *c)
{
	if (s->g->p->ml.pattern == NULL || s->stream == NULL) {
		emit(s, ev, c);
		return;
	}
	if (s->ml == NULL && (s->ml = calloc(1, sizeof(*s->ml))) == NULL)
		log_oom();
	ml_take(s, s->ml, ev, c);
}

void
ml_take(struct src *s, struct mlpend *m, const struct ev *ev,
    const struct cursor *c)
{
	const struct multiline *ml = &s->g->p->ml;
	enum multiline_step step;

	step = multiline_classify(ml, ev->msg, ev->len, m->nlines, m->msg.len);
	if (step == ML_FLUSH_BEFORE)
		ml_flush(s, m);
	if (m->nlines == 0) {
		m->ts = m->lts = ev->ts;
		m->ingest = ev->ingest;
		m->rank = ev->rank;
		m->since = timex_mono_ms();
		free(m->id);
		m->id = NULL;
		if (ev->id && (m->id = strdup(ev->id)) == NULL)
			log_oom();
	}
	if (ev->ts > m->lts)
		m->lts = ev->ts;
	if (multiline_join(&m->msg, ev->msg, ev->len) == -1 ||
	    save_cursor(m, c) == -1)
		log_oom();
	m->nlines++;
	if (step == ML_FLUSH_AFTER)
		ml_flush(s, m);
}

void
ml_flush(struct src *s, struct mlpend *m)
{
	struct cursor c;
	struct ev ev;

	if (m == NULL || m->nlines == 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.ts = m->ts;
	ev.ingest = m->ingest;
	ev.msg = m->msg.p;
	ev.len = m->msg.len;
	ev.id = m->id;
	ev.stream = m->stream ? m->stream : s->stream;
	ev.rank = m->rank;
	memset(&c, 0, sizeof(c));
	c.group = s->g->name;
	c.stream = s->stream ? s->stream : "*";
	c.token = m->token;
	c.skip = m->skip;
	c.ts = m->cts;
	c.n = m->n;
	c.to = m->to;
	if (s->stream == NULL)
		group_ml_cursor(s, &c);
	emit(s, &ev, &c);
	m->wfirst = m->ts;
	m->wlast = m->lts;
	buf_reset(&m->msg);
	m->nlines = 0;
	/* the memory of a long event is not kept */
	if (m->msg.cap > 65536)
		buf_free(&m->msg);
}

void
out_flush_pending(struct src *s)
{
	if (s->stream == NULL)
		group_ml_flush(s);
	else
		ml_flush(s, s->ml);
}

void
mlpend_free(struct mlpend *p)
{
	if (p == NULL)
		return;
	buf_free(&p->msg);
	free(p->id);
	free(p->stream);
	free(p->token);
	free(p);
}

void
out_flush(void)
{
	T.c.bytes += T.out.len;
	cli_flush_stdout(&T.out);
}

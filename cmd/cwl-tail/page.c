/*
 * A page of GetLogEvents or FilterLogEvents, parsed in one pass over the
 * response body with no allocation per event: the strings are decoded
 * into one arena and the events kept as offsets into it. A page holds up
 * to 10,000 events and 1 MB of messages; this is where cwl-tail spends
 * its time, so it does not build a json-c tree.
 */
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "page.h"

static int
str_member(struct jscan *s, struct pstr *out)
{
	jscan_ws(s);
	if (s->p < s->end && *s->p == 'n')
		return jscan_literal(s, "null");
	out->set = 1;
	return jscan_string(s, 1, &out->off, &out->len);
}

/* The members AWS sends, told apart by their first letter (this runs
 * for every member of every event) and then compared whole. */
static int
event_member(struct jscan *s, const char *key, void *arg)
{
	struct page_ev *ev = arg;

	switch (key[0]) {
	case 't':
		if (strcmp(key, "timestamp") == 0)
			return jscan_number(s, &ev->ts);
		break;
	case 'i':
		if (strcmp(key, "ingestionTime") == 0) {
			ev->has_ingest = 1;
			return jscan_number(s, &ev->ingest);
		}
		break;
	case 'm':
		if (strcmp(key, "message") == 0)
			return str_member(s, &ev->msg);
		break;
	case 'e':
		if (strcmp(key, "eventId") == 0)
			return str_member(s, &ev->id);
		break;
	case 'l':
		if (strcmp(key, "logStreamName") == 0)
			return str_member(s, &ev->stream);
		break;
	}
	return jscan_skip(s, 1);
}

static int
one_event(struct jscan *s, void *arg)
{
	struct page *pg = arg;
	struct page_ev *ev;

	if (pg->nev == pg->capev) {
		size_t cap = pg->capev ? pg->capev * 2 : 1024;
		struct page_ev *v = realloc(pg->ev, cap * sizeof(*v));

		if (v == NULL)
			return jscan_bad(s, "out of memory");
		pg->ev = v;
		pg->capev = cap;
	}
	ev = &pg->ev[pg->nev];
	memset(ev, 0, sizeof(*ev));
	if (jscan_object(s, event_member, ev) == -1)
		return -1;
	if (!ev->has_ingest)
		ev->ingest = ev->ts;
	pg->nev++;
	return 0;
}

static int
top_member(struct jscan *s, const char *key, void *arg)
{
	struct page *pg = arg;

	if (strcmp(key, "events") == 0) {
		jscan_ws(s);
		if (s->p < s->end && *s->p == 'n')
			return jscan_literal(s, "null");
		return jscan_array(s, one_event, pg);
	}
	if (strcmp(key, "nextForwardToken") == 0 || strcmp(key, "nextToken") == 0)
		return str_member(s, &pg->next);
	return jscan_skip(s, 1);
}

int
page_parse(struct page *pg, const char *body, size_t n, const char **why)
{
	struct jscan s;

	pg->nev = 0;
	memset(&pg->next, 0, sizeof(pg->next));
	buf_reset(&pg->arena);
	if (buf_reserve(&pg->arena, n + 1) == -1) {
		*why = "out of memory";
		return -1;
	}
	s.p = body;
	s.end = body + n;
	s.arena = &pg->arena;
	s.why = NULL;
	jscan_ws(&s);
	if (s.p == s.end) {
		/* an empty body: an empty page */
		return 0;
	}
	if (jscan_object(&s, top_member, pg) == -1) {
		*why = s.why ? s.why : "bad JSON";
		return -1;
	}
	jscan_ws(&s);
	if (s.p != s.end) {
		*why = "trailing data after the JSON value";
		return -1;
	}
	return 0;
}

void
page_free(struct page *pg)
{
	buf_free(&pg->arena);
	free(pg->ev);
	memset(pg, 0, sizeof(*pg));
}

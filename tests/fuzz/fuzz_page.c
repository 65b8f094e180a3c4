/*
 * fuzz_page: cwl-tail's reading of GetLogEvents and FilterLogEvents
 * answers (cmd/cwl-tail/page.c: page_parse), and the event lines it
 * writes of them (cmd/cwl-tail/output.c: out_event, out_flush_pending),
 * with the events and cursors made as stream.c's on_get and group.c's
 * on_filter make them.
 *
 * Input: a byte of options (bit 0: FilterLogEvents, else GetLogEvents;
 * bit 1: text, else JSON lines; bit 2: a prospector id, fields (bit 3:
 * under the root) and tags; bit 4: multiline, lines starting with a blank
 * continue the event; bits 5-6: the region), then the answer's body.
 *
 * Checks. The page, against json-c where the RFC 8259 validator of
 * json_oracle.h says the body is JSON: a valid object whose events and
 * tokens have the types of the API is read; one that is not an object
 * is refused with a reason; where no key is twice in an object, what is
 * read has json-c's events, with the same messages, ids, streams,
 * numbers (as jsonx_get_int reads them) and next token; every string is
 * inside the arena and NUL-terminated. The lines: one JSON object per event
 * (per joined event with multiline), valid by the RFC, with the fields
 * of the event-line contract (DESIGN.md): @timestamp and
 * aws.cloudwatch.ingestion_time as timex_iso writes them, the message,
 * event.id equal to @metadata._id (the eventId, or the 32 hex digits of
 * cursor_event_id over the event and its rank among identical events of
 * the page), log.file.path GROUP/STREAM, the group, the stream, the
 * cloud, the prospector's fields, and a cursor (cursor_parse) holding
 * what was given (a "ts" before 1970 as 0); joined events have the last
 * line's cursor. Text lines
 * are the time, the stream and the message less its line ends, with its
 * control characters as '?'; joined, they hold no control character.
 */
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "buf.h"
#include "cursor.h"
#include "err.h"
#include "fuzz.h"
#include "json_oracle.h"
#include "jsonx.h"
#include "log.h"
#include "multiline.h"
#include "timex.h"
#include "cwl-tail/page.h"
#include "cwl-tail/tail.h"

struct tail T;

/* table.c's, which the target does not link */
void
oom(void)
{
	abort();
}

/* group.c's, which the target does not link either: its group-wide
 * source has no reader (gr NULL), for which group.c's group_ml_flush
 * does nothing, and group_ml_cursor is reached only from a reader's
 * multiline joiners. */
void
group_ml_flush(struct src *s)
{
	if (s->gr != NULL)
		abort();
}

void
group_ml_cursor(struct src *s, struct cursor *c)
{
	(void)s;
	(void)c;
	abort();
}

#define GROUP "/aws/lambda/fn"
#define STREAM "2026/11/23/[$LATEST]0123456789abcdef"
#define TOKEN "f/38313123410592019346931237405285375421"
#define FIELDS ",\"app\":\"web\",\"env\":\"prod\""
#define TAGS ",\"tags\":[\"cwl\",\"fuzz\"]"

static const char *const regions[] = {
	"eu-west-1", "us-east-1", "cn-north-1", "x\"y\\z"
};

/* What was given to out_event, event by event. */
struct given {
	int64_t ts, ingest, n, skip;
	const char *msg;
	size_t len;
	const char *id;		/* eventId, or NULL */
	const char *stream;
	int64_t rank;
};

static int
valid_utf8(const char *s, size_t n)
{
	struct jv v;
	size_t k;

	memset(&v, 0, sizeof(v));
	v.p = (const unsigned char *)s;
	v.n = n;
	for (v.i = 0; v.i < n; v.i += k) {
		if ((unsigned char)s[v.i] < 0x80)
			k = 1;
		else if ((k = jv_utf8(&v)) == 0)
			return 0;
	}
	return 1;
}

/* The string member at path of o must be want[0..n) when want is valid
 * UTF-8, and a string anyway. */
static void
want_str(json_object *o, const char *path, const char *want, size_t n)
{
	json_object *v = o;
	char key[64];
	const char *p = path, *dot;
	size_t k;

	for (;;) {
		dot = strchr(p, '.');
		k = dot ? (size_t)(dot - p) : strlen(p);
		memcpy(key, p, k);
		key[k] = '\0';
		FUZZ_ASSERT(json_object_object_get_ex(v, key, &v), "no %s", path);
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	FUZZ_ASSERT(json_object_is_type(v, json_type_string), "%s is not a "
	    "string", path);
	if (want && valid_utf8(want, n))
		FUZZ_ASSERT((size_t)json_object_get_string_len(v) == n &&
		    memcmp(json_object_get_string(v), want, n) == 0,
		    "%s is '%s', not '%.*s'", path, json_object_get_string(v),
		    (int)n, want);
}

/* jsonx_get_int, within the +-2^62 where the page stops. */
static int64_t
get_int(json_object *e, const char *key)
{
	int64_t v = jsonx_get_int(e, key, 0), max = (int64_t)1 << 62;

	return v > max ? max : v < -max ? -max : v;
}

static void
check_page(const struct page *pg, const char *body, size_t n, int ok,
    const char *why)
{
	json_object *j = NULL, *evs = NULL, *e, *v;
	size_t i, k, len;
	struct jv_stats st;
	int tokens = 0, shaped = 1;
	const struct page_ev *pe;

	if (ok == 0) {
		for (i = 0; i < pg->nev; i++) {
			pe = &pg->ev[i];
			FUZZ_ASSERT(!pe->msg.set || (pe->msg.off + pe->msg.len <
			    pg->arena.len && pg->arena.p[pe->msg.off +
			    pe->msg.len] == '\0'), "message %zu outside the arena",
			    i);
			FUZZ_ASSERT(!pe->id.set || pe->id.off + pe->id.len <
			    pg->arena.len, "id %zu outside the arena", i);
			FUZZ_ASSERT(!pe->stream.set || pe->stream.off +
			    pe->stream.len < pg->arena.len, "stream %zu outside "
			    "the arena", i);
		}
		FUZZ_ASSERT(!pg->next.set || pg->next.off + pg->next.len <
		    pg->arena.len, "token outside the arena");
	} else {
		FUZZ_ASSERT(why && *why, "refused with no reason");
	}
	if (strspn(body, " \t\r\n") == n) {
		FUZZ_ASSERT(ok == 0 && pg->nev == 0, "a blank body is not an "
		    "empty page");
		return;
	}
	if (!json_valid(body, n, &st, NULL, NULL, NULL) || st.deepest > 60)
		return;
	FUZZ_ASSERT(json_value(body, n, &j), "json-c cannot read valid JSON");
	if (!json_object_is_type(j, json_type_object)) {
		FUZZ_ASSERT(ok == -1, "a page that is not an object is read");
		json_object_put(j);
		return;
	}
	/* a key twice in an object: json-c keeps the last value, the page
	 * every "events" list */
	if (json_members(j) != st.members) {
		json_object_put(j);
		return;
	}
	/* the types the API gives */
	if (json_object_object_get_ex(j, "events", &evs) && evs != NULL &&
	    !json_object_is_type(evs, json_type_array))
		shaped = 0;
	for (k = 0; evs && shaped && k < json_object_array_length(evs); k++) {
		e = json_object_array_get_idx(evs, k);
		if (!json_object_is_type(e, json_type_object)) {
			shaped = 0;
			break;
		}
		json_object_object_foreach(e, key, val) {
			if ((!strcmp(key, "timestamp") ||
			    !strcmp(key, "ingestionTime")) &&
			    !json_object_is_type(val, json_type_int) &&
			    !json_object_is_type(val, json_type_double))
				shaped = 0;
			if ((!strcmp(key, "message") || !strcmp(key, "eventId") ||
			    !strcmp(key, "logStreamName")) && val != NULL &&
			    !json_object_is_type(val, json_type_string))
				shaped = 0;
		}
	}
	json_object_object_foreach(j, key, val) {
		if (strcmp(key, "nextForwardToken") && strcmp(key, "nextToken"))
			continue;
		tokens++;
		if (val != NULL && !json_object_is_type(val, json_type_string))
			shaped = 0;
	}
	if (!shaped) {
		json_object_put(j);
		return;
	}
	FUZZ_ASSERT(ok == 0, "a valid page is refused: %s", why);
	len = evs ? json_object_array_length(evs) : 0;
	FUZZ_ASSERT(pg->nev == len, "%zu events read, json-c has %zu",
	    pg->nev, len);
	for (k = 0; k < len; k++) {
		e = json_object_array_get_idx(evs, k);
		pe = &pg->ev[k];
#define SAME_STR(name, field) do { \
	v = NULL; \
	if (json_object_object_get_ex(e, name, &v) && v != NULL) { \
		FUZZ_ASSERT(pe->field.set && pe->field.len == \
		    (size_t)json_object_get_string_len(v) && \
		    memcmp(page_str(pg, pe->field), json_object_get_string(v), \
		    pe->field.len) == 0, "event %zu: %s differs", k, name); \
	} else { \
		FUZZ_ASSERT(!pe->field.set, "event %zu: a %s json-c has not", \
		    k, name); \
	} \
} while (0)
		SAME_STR("message", msg);
		SAME_STR("eventId", id);
		SAME_STR("logStreamName", stream);
		/* numbers as jsonx_get_int reads them from json-c */
		if (json_object_object_get_ex(e, "timestamp", NULL))
			FUZZ_ASSERT(pe->ts == get_int(e, "timestamp"), "event %zu: "
			    "timestamp %lld, json-c %lld", k, (long long)pe->ts,
			    (long long)get_int(e, "timestamp"));
		if (json_object_object_get_ex(e, "ingestionTime", NULL)) {
			FUZZ_ASSERT(pe->has_ingest && pe->ingest == get_int(e,
			    "ingestionTime"), "event %zu: ingestionTime %lld, "
			    "json-c %lld", k, (long long)pe->ingest,
			    (long long)get_int(e, "ingestionTime"));
		} else {
			FUZZ_ASSERT(!pe->has_ingest && pe->ingest == pe->ts,
			    "event %zu: no ingestionTime, yet %lld", k,
			    (long long)pe->ingest);
		}
	}
	if (tokens == 1) {
		v = NULL;
		if (!json_object_object_get_ex(j, "nextForwardToken", &v))
			json_object_object_get_ex(j, "nextToken", &v);
		if (v == NULL)
			FUZZ_ASSERT(!pg->next.set, "a token json-c has not");
		else
			FUZZ_ASSERT(pg->next.set && pg->next.len ==
			    (size_t)json_object_get_string_len(v) &&
			    memcmp(page_str(pg, pg->next), json_object_get_string(v),
			    pg->next.len) == 0, "the token differs");
	} else if (tokens == 0) {
		FUZZ_ASSERT(!pg->next.set, "a token json-c has not");
	}
	json_object_put(j);
}

/* The message of the events first..last joined, as multiline_join
 * says: a newline between two lines unless the first ends with one. */
static void
joined(struct buf *b, const struct given *first, const struct given *last)
{
	const struct given *g;

	for (g = first; g <= last; g++) {
		if (b->len > 0 && b->p[b->len - 1] != '\n')
			buf_addc(b, '\n');
		buf_add(b, g->msg, g->len);
	}
}

/* A JSON line of the events first..last (one, without multiline). */
static void
check_json_line(const char *line, size_t n, const struct given *g,
    const struct given *last, int filter, int ml, int opts)
{
	json_object *o, *v, *cur;
	char iso[25], hex[33];
	struct buf msg = BUF_INIT, path = BUF_INIT;
	struct cursor c;
	struct err e = ERR_INIT;
	size_t i;
	int r;

	FUZZ_ASSERT(json_valid(line, n, NULL, NULL, NULL, NULL), "not JSON: "
	    "%.*s", (int)n, line);
	FUZZ_ASSERT(json_value(line, n, &o) && json_object_is_type(o,
	    json_type_object), "not an object: %.*s", (int)n, line);
	joined(&msg, g, last);
	want_str(o, "@timestamp", timex_iso(g->ts, iso), 24);
	want_str(o, "aws.cloudwatch.ingestion_time", timex_iso(g->ingest, iso),
	    24);
	want_str(o, "message", msg.p ? msg.p : "", msg.len);
	want_str(o, "aws.cloudwatch.log_group", GROUP, strlen(GROUP));
	want_str(o, "aws.cloudwatch.log_stream", g->stream, strlen(g->stream));
	buf_printf(&path, "%s/%s", GROUP, g->stream);
	want_str(o, "log.file.path", path.p, path.len);
	want_str(o, "cloud.provider", "aws", 3);
	want_str(o, "cloud.region", T.region, strlen(T.region));
	json_object_object_get_ex(o, "event", &v);
	json_object_object_get_ex(v, "id", &v);
	FUZZ_ASSERT(json_object_is_type(v, json_type_string), "event.id");
	want_str(o, "@metadata._id", json_object_get_string(v),
	    (size_t)json_object_get_string_len(v));
	if (g->id) {
		want_str(o, "@metadata._id", g->id, strlen(g->id));
	} else {
		cursor_event_id(GROUP, g->stream, g->ts, g->ingest,
		    msg.p ? msg.p : "", msg.len, g->rank, hex);
		want_str(o, "@metadata._id", hex, 32);
		for (i = 0; i < 32; i++)
			FUZZ_ASSERT(strchr("0123456789abcdef", hex[i]) != NULL,
			    "id %s", hex);
	}
	if (opts & 4) {
		want_str(o, "prospector", "p1", 2);
		want_str(o, opts & 8 ? "app" : "fields.app", "web", 3);
		FUZZ_ASSERT(json_object_object_get_ex(o, "tags", &v) &&
		    json_object_array_length(v) == 2, "tags");
	}
	FUZZ_ASSERT(json_object_object_get_ex(o, "@metadata", &v) &&
	    json_object_object_get_ex(v, "cursor", &cur), "no cursor");
	/* the cursor is the last event's */
	r = cursor_parse(line, n, &c, &e);
	FUZZ_ASSERT(r == 0, "the cursor of '%.*s': %s", (int)n, line,
	    err_msg(&e));
	FUZZ_ASSERT(strcmp(c.group, GROUP) == 0, "cursor group %s", c.group);
	FUZZ_ASSERT(c.n == last->n && c.ts == (last->ts < 0 ? 0 : last->ts),
	    "cursor n %lld ts "
	    "%lld, given %lld %lld", (long long)c.n, (long long)c.ts,
	    (long long)last->n, (long long)last->ts);
	if (filter) {
		FUZZ_ASSERT(strcmp(c.stream, "*") == 0 && c.token == NULL &&
		    c.nids == 1, "a group-wide cursor");
		if (valid_utf8(g->id, strlen(g->id)))
			FUZZ_ASSERT(strcmp(c.ids[0], g->id) == 0, "the cursor's "
			    "id %s", c.ids[0]);
	} else {
		FUZZ_ASSERT(strcmp(c.stream, STREAM) == 0 && c.token &&
		    strcmp(c.token, TOKEN) == 0 && c.skip == last->skip,
		    "a stream's cursor");
	}
	(void)ml;
	cursor_clear(&c);
	buf_free(&msg);
	buf_free(&path);
	json_object_put(o);
}

/* Text lines with multiline: no control character but the tab and the
 * newline. */
static void
check_text_ml(const char *line, size_t n)
{
	size_t i;

	FUZZ_ASSERT(n == 0 || line[n - 1] == '\n', "text does not end with a "
	    "newline");
	for (i = 0; i < n; i++)
		FUZZ_ASSERT(((unsigned char)line[i] >= 0x20 && line[i] != 0x7f) ||
		    line[i] == '\t' || line[i] == '\n', "control character "
		    "0x%02x in a text line", (unsigned char)line[i]);
}

/* The text line of an event: the time, the stream and the message
 * without its line ends, its control characters (and the stream's) as
 * '?'. */
/* Text as a terminal may be given it: C0 controls but the tab (and the
 * newline, in a message), DEL and the C1 controls (U+0080..U+009F, two
 * bytes in UTF-8) each become one '?'. */
static void
text_clean(struct buf *b, const char *s, size_t n, int nl)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f) {
			buf_addc(b, '?');
			i++;
		} else {
			buf_addc(b, (c < 0x20 && c != '\t' && (c != '\n' || !nl)) ||
			    c == 0x7f ? '?' : (char)c);
		}
	}
}

static void
text_line(struct buf *b, const struct given *g)
{
	char iso[25];
	size_t n = g->len;

	while (n > 0 && (g->msg[n - 1] == '\n' || g->msg[n - 1] == '\r'))
		n--;
	buf_printf(b, "%s ", timex_iso(g->ts, iso));
	/* the stream name too, with no line break either */
	text_clean(b, g->stream, strlen(g->stream), 0);
	buf_addc(b, ' ');
	text_clean(b, g->msg, n, 1);
	buf_addc(b, '\n');
}

/* The rank of event i among the events of the page that were given
 * before it with the same timestamp, ingestion time and message. */
static int64_t
rank(const struct given *g, size_t i)
{
	int64_t r = 0;
	size_t k;

	for (k = 0; k < i; k++)
		if (g[k].ts == g[i].ts && g[k].ingest == g[i].ingest &&
		    g[k].len == g[i].len && memcmp(g[k].msg, g[i].msg,
		    g[i].len) == 0)
			r++;
	return r;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init("fuzz_page");
	log_set_level(LOG_ERROR);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct page pg;
	static struct multiline ml;
	static struct given *g;
	static size_t *first, *last, capg;
	struct fuzz_in in = { data, size };
	struct prosp p;
	struct group grp;
	struct src s;
	struct ev ev;
	struct cursor c;
	struct err e = ERR_INIT;
	const char *why = NULL, *line, *end;
	uint8_t opts = fuzz_byte(&in);
	int filter = opts & 1, ok;
	size_t i, k, ng = 0, nlines = 0;
	char *body = fuzz_strndup(in.p, in.n), *id;
	int ml_on = (opts & 16) && !filter;

	ok = page_parse(&pg, body, in.n, &why);
	check_page(&pg, body, in.n, ok, why);
	if (ok == -1)
		goto out;

	if (ml.pattern == NULL)
		FUZZ_ASSERT(multiline_init(&ml, "^[[:space:]]", 0, "after",
		    &e) == 0, "multiline_init: %s", err_msg(&e));
	memset(&T, 0, sizeof(T));
	memset(&p, 0, sizeof(p));
	memset(&grp, 0, sizeof(grp));
	memset(&s, 0, sizeof(s));
	T.region = regions[opts >> 5 & 3];
	T.out_fmt = opts & 2 ? OUT_TEXT : OUT_JSON;
	if (opts & 4) {
		p.id = "p1";
		p.fields = FIELDS;
		p.fields_under_root = (opts & 8) != 0;
		T.tags = TAGS;
	}
	if (opts & 16)
		p.ml = ml;
	grp.name = GROUP;
	grp.logname = GROUP;
	grp.p = &p;
	s.g = &grp;
	s.stream = filter ? NULL : STREAM;
	T.groups = &grp;
	if (capg < pg.nev + 1) {
		free(g);
		free(first);
		free(last);
		capg = pg.nev + 1;
		g = calloc(capg, sizeof(*g));
		first = calloc(capg, sizeof(*first));
		last = calloc(capg, sizeof(*last));
		if (g == NULL || first == NULL || last == NULL)
			abort();
	}
	/* as on_get and on_filter do */
	for (i = 0; i < pg.nev; i++) {
		const struct page_ev *pe = &pg.ev[i];

		if (!pe->msg.set || (filter && (!pe->id.set || !pe->stream.set)))
			continue;
		memset(&g[ng], 0, sizeof(g[ng]));
		g[ng].ts = pe->ts;
		g[ng].ingest = pe->ingest;
		g[ng].msg = page_str(&pg, pe->msg);
		g[ng].len = pe->msg.len;
		g[ng].id = filter ? page_str(&pg, pe->id) : NULL;
		g[ng].stream = filter ? page_str(&pg, pe->stream) : STREAM;
		g[ng].rank = rank(g, ng);
		g[ng].skip = (int64_t)i + 1;
		g[ng].n = (int64_t)ng + 1;
		memset(&ev, 0, sizeof(ev));
		ev.ts = g[ng].ts;
		ev.ingest = g[ng].ingest;
		ev.msg = g[ng].msg;
		ev.len = g[ng].len;
		ev.id = g[ng].id;
		ev.stream = g[ng].stream;
		ev.rank = g[ng].rank;
		memset(&c, 0, sizeof(c));
		c.group = GROUP;
		c.n = g[ng].n;
		c.ts = ev.ts;
		if (filter) {
			id = (char *)g[ng].id;
			c.stream = "*";
			c.ids = &id;
			c.nids = 1;
		} else {
			c.stream = STREAM;
			c.token = TOKEN;
			c.skip = g[ng].skip;
		}
		out_event(&s, &ev, &c);
		ng++;
	}
	out_flush_pending(&s);
	mlpend_free(s.ml);

	/* the lines */
	if (T.out_fmt == OUT_TEXT && !ml_on) {
		struct buf want = BUF_INIT;

		for (i = 0; i < ng; i++)
			text_line(&want, &g[i]);
		FUZZ_ASSERT(want.len == T.out.len && memcmp(buf_str(&want),
		    buf_str(&T.out), want.len) == 0, "text:\n%s\nwant:\n%s",
		    buf_str(&T.out), buf_str(&want));
		buf_free(&want);
		goto out;
	}
	if (T.out_fmt == OUT_TEXT) {
		/* joined messages keep their newlines: lines are not events */
		check_text_ml(buf_str(&T.out), T.out.len);
		goto out;
	}
	line = buf_str(&T.out);
	end = line + T.out.len;
	FUZZ_ASSERT(T.out.len == 0 || end[-1] == '\n', "the output does not "
	    "end with a newline");
	/* with multiline, an event starts at a line that does not match */
	for (i = 0, k = 0; i < ng; i++) {
		if (ml_on && i > 0 && multiline_match(&ml, g[i].msg, g[i].len))
			continue;
		if (k > 0)
			last[k - 1] = i - 1;
		first[k++] = i;
	}
	if (k > 0)
		last[k - 1] = ng - 1;
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));

		FUZZ_ASSERT(nl != NULL, "a line with no newline");
		FUZZ_ASSERT(nlines < k, "%zu lines for %zu events", nlines + 1, k);
		check_json_line(line, (size_t)(nl - line), &g[first[nlines]],
		    &g[last[nlines]], filter, ml_on, opts);
		nlines++;
		line = nl + 1;
	}
	FUZZ_ASSERT(nlines == k, "%zu lines for %zu events", nlines, k);
out:
	buf_free(&T.out);
	free(body);
	return 0;
}

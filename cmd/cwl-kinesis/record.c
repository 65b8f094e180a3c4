/*
 * A Kinesis record as CloudWatch Logs writes it, into event lines.
 *
 * "The Data attribute in a Kinesis record is base64 encoded and
 * compressed with the gzip format": JSON of one log stream's events,
 *
 *   {"messageType":"DATA_MESSAGE","owner":"123456789012",
 *    "logGroup":"G","logStream":"S","subscriptionFilters":["F"],
 *    "logEvents":[{"id":"...","timestamp":MS,"message":"..."}, ...]}
 *
 * "Kinesis Data Streams ... also receives CONTROL_MESSAGE messages, mainly
 * for checking if the destination is reachable": those are skipped. A
 * record that is neither is set aside whole, with its reason, shard and
 * sequence number; the rest goes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "cli.h"
#include "jscan.h"
#include "jsonx.h"
#include "kinesis.h"
#include "log.h"

/* A record holds at most 1 MiB of gzip; what it holds is a PutLogEvents
 * batch, at most 1 MiB of messages, escaped as JSON (up to six bytes a
 * byte). More than this is not CloudWatch's. */
#define MAX_INFLATED ((size_t)32 << 20)
#define OUT_CHUNK (1u << 20)

static signed char b64val[256];

static void
b64_init(void)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int i;

	memset(b64val, -1, sizeof(b64val));
	for (i = 0; i < 64; i++)
		b64val[(unsigned char)a[i]] = (signed char)i;
}

int
b64_decode(const char *p, size_t n, struct buf *out, const char **why)
{
	size_t i, pad = 0;
	unsigned v = 0;
	int k = 0;

	if (b64val['='] == 0)	/* 0 before b64_init, -1 after */
		b64_init();
	buf_reset(out);
	if (n % 4) {
		*why = "not base64: its length is not a multiple of 4";
		return -1;
	}
	while (pad < 2 && n > pad && p[n - 1 - pad] == '=')
		pad++;
	if (buf_reserve(out, n / 4 * 3) == -1) {
		*why = "out of memory";
		return -1;
	}
	for (i = 0; i < n - pad; i++) {
		int c = b64val[(unsigned char)p[i]];

		if (c < 0) {
			*why = "not base64";
			return -1;
		}
		v = v << 6 | (unsigned)c;
		if (++k == 4) {
			out->p[out->len++] = (char)(v >> 16);
			out->p[out->len++] = (char)(v >> 8);
			out->p[out->len++] = (char)v;
			v = 0;
			k = 0;
		}
	}
	if (k == 2)
		out->p[out->len++] = (char)(v >> 4);
	else if (k == 3) {
		out->p[out->len++] = (char)(v >> 10);
		out->p[out->len++] = (char)(v >> 2);
	}
	out->p[out->len] = '\0';
	return 0;
}

int
gunzip(const unsigned char *p, size_t n, size_t max, struct buf *out,
    const char **why)
{
	z_stream z;
	int rc;

	buf_reset(out);
	if (n < 2 || p[0] != 0x1f || p[1] != 0x8b) {
		*why = "not gzip";
		return -1;
	}
	memset(&z, 0, sizeof(z));
	/* 16 + 15: a gzip header and trailer, a window of 32 KiB */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		*why = "out of memory";
		return -1;
	}
	z.next_in = (unsigned char *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	do {
		if (out->len >= max) {
			inflateEnd(&z);
			*why = "gzip: more than 32 MiB inflated";
			return -1;
		}
		if (buf_reserve(out, out->len < 65536 ? 65536 : out->len) == -1) {
			inflateEnd(&z);
			*why = "out of memory";
			return -1;
		}
		z.next_out = (unsigned char *)out->p + out->len;
		z.avail_out = (uInt)(out->cap - out->len - 1);
		rc = inflate(&z, Z_NO_FLUSH);
		out->len = (size_t)((char *)z.next_out - out->p);
		out->p[out->len] = '\0';
		if (rc == Z_STREAM_END)
			break;
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			inflateEnd(&z);
			*why = rc == Z_DATA_ERROR ? "gzip: corrupt data" :
			    "gzip: cannot inflate";
			return -1;
		}
		if (rc == Z_BUF_ERROR && z.avail_in == 0) {
			inflateEnd(&z);
			*why = "gzip: truncated";
			return -1;
		}
	} while (1);
	inflateEnd(&z);
	return 0;
}

void
out_flush(void)
{
	cli_flush_stdout(&K.out);
}

static int
group_kept(const char *g)
{
	size_t i, n;

	if (K.ngroups == 0)
		return 1;
	for (i = 0; i < K.ngroups; i++) {
		n = strlen(K.groups[i]);
		if (n > 0 && K.groups[i][n - 1] == '*' ?
		    strncmp(K.groups[i], g, n - 1) == 0 :
		    strcmp(K.groups[i], g) == 0)
			return 1;
	}
	return 0;
}

/* Moves sh past one line: its cursor, for the line being written. */
static void
advance(struct shard *sh, const char *seq, int64_t skip, int64_t ts,
    struct cursor *c)
{
	if (sh->seq == NULL || strcmp(sh->seq, seq) != 0) {
		free(sh->seq);
		if ((sh->seq = strdup(seq)) == NULL)
			log_oom();
	}
	sh->skip = skip;
	sh->ts = ts;
	sh->n++;
	memset(c, 0, sizeof(*c));
	c->group = K.group;
	c->stream = sh->id;
	c->token = sh->seq;
	c->skip = skip;
	c->ts = ts;
	c->n = sh->n;
}

/* A checkpoint mark: the record seq is done with no line of its own. */
static void
mark(struct shard *sh, const char *seq)
{
	struct cursor c;
	int r = 0;

	advance(sh, seq, 0, sh->ts, &c);
	r |= buf_adds(&K.out, "{\"@metadata\":{\"cursor\":");
	r |= cursor_to_json(&c, &K.out);
	r |= buf_adds(&K.out, "}}\n");
	if (r)
		log_oom();
}

/* The record as the dead-letter file keeps it: one JSON line. */
static void
dead_letter(struct shard *sh, const char *seq, const char *why,
    const char *data, size_t len)
{
	struct buf b = BUF_INIT;
	int r = 0;

	r |= buf_adds(&b, "{\"stream\":");
	r |= jsonx_strz(&b, K.stream);
	r |= buf_adds(&b, ",\"shard\":");
	r |= jsonx_strz(&b, sh->id);
	r |= buf_adds(&b, ",\"sequence_number\":");
	r |= jsonx_strz(&b, seq);
	r |= buf_adds(&b, ",\"reason\":");
	r |= jsonx_strz(&b, why);
	r |= buf_adds(&b, ",\"data\":");
	r |= jsonx_str(&b, data, len);
	r |= buf_adds(&b, "}\n");
	if (r)
		log_oom();
	/* synced before the mark that moves the checkpoint past it */
	if (cli_write(K.dl_fd, b.p, b.len) == -1 || fsync(K.dl_fd) == -1) {
		cli_fail(&K.fail, EXIT_RUNTIME, "dead-letter file %s: %s",
		    K.dead_letter, strerror(errno));
	}
	buf_free(&b);
}

static void
reject(struct shard *sh, const char *seq, const char *why, const char *data,
    size_t len)
{
	K.rejected++;
	if (K.dl_fd >= 0)
		dead_letter(sh, seq, why, data, len);
	else
		log_warn("%s/%s: record %s: %s; set aside", K.stream, sh->id,
		    seq, why);
	mark(sh, seq);
}

/* A string of the record: arena bytes [off, off + len), NUL after. */
struct rstr {
	size_t off, len;
	int set;	/* 0: absent, null or not a string */
};

struct rev {
	struct rstr id, msg;
	int64_t ts;
	int has_ts;
	int not_object;
};

/* A record as scanned. */
struct rec {
	struct rstr type, owner, group, stream;
	int has_events;		/* logEvents is a list */
	struct rev *ev;
	size_t nev, capev;
	struct buf arena;
};

static struct rec R;

/* A string of the record; "" when it was not there (the arena may then
 * be empty, with no buffer at all). */
#define RSTR(r) ((r).set ? R.arena.p + (r).off : "")

/* A string value into r, or the value skipped when it is no string. */
static int
rstr(struct jscan *s, struct rstr *r)
{
	jscan_ws(s);
	r->set = 0;	/* a key twice: the last one counts, as in json-c */
	if (s->p < s->end && *s->p == '"') {
		r->set = 1;
		return jscan_string(s, 1, &r->off, &r->len);
	}
	return jscan_skip(s, 1);
}

/* Whether the number at s->p is an integer: digits, no fraction or
 * exponent (a timestamp is milliseconds). */
static int
integer_ahead(const struct jscan *s)
{
	const char *p = s->p;

	if (p < s->end && *p == '-')
		p++;
	if (p >= s->end || *p < '0' || *p > '9')
		return 0;
	while (p < s->end && *p >= '0' && *p <= '9')
		p++;
	return p >= s->end || (*p != '.' && *p != 'e' && *p != 'E');
}

static int
ev_member(struct jscan *s, const char *key, void *arg)
{
	struct rev *e = arg;

	if (strcmp(key, "id") == 0)
		return rstr(s, &e->id);
	if (strcmp(key, "message") == 0)
		return rstr(s, &e->msg);
	if (strcmp(key, "timestamp") == 0) {
		jscan_ws(s);
		e->has_ts = integer_ahead(s);
		if (e->has_ts)
			return jscan_number(s, &e->ts);
	}
	return jscan_skip(s, 1);
}

static int
one_event(struct jscan *s, void *arg)
{
	struct rev *e;

	if (R.nev == R.capev) {
		size_t cap = R.capev ? R.capev * 2 : 256;
		struct rev *v = realloc(R.ev, cap * sizeof(*v));

		if (v == NULL)
			return jscan_bad(s, "out of memory");
		R.ev = v;
		R.capev = cap;
	}
	e = &R.ev[R.nev++];
	memset(e, 0, sizeof(*e));
	jscan_ws(s);
	if (s->p < s->end && *s->p == '{')
		return jscan_object(s, ev_member, e);
	e->not_object = 1;
	return jscan_skip(s, 1);
}

static int
top_member(struct jscan *s, const char *key, void *arg)
{
	if (strcmp(key, "messageType") == 0)
		return rstr(s, &R.type);
	if (strcmp(key, "owner") == 0)
		return rstr(s, &R.owner);
	if (strcmp(key, "logGroup") == 0)
		return rstr(s, &R.group);
	if (strcmp(key, "logStream") == 0)
		return rstr(s, &R.stream);
	if (strcmp(key, "logEvents") == 0) {
		jscan_ws(s);
		R.has_events = 0;
		if (s->p < s->end && *s->p == '[') {
			R.has_events = 1;
			R.nev = 0;
			return jscan_array(s, one_event, NULL);
		}
	}
	return jscan_skip(s, 1);
}

/* Scans the record's JSON into R. Returns NULL, or why it is not JSON
 * or not an object. */
static const char *
scan(const char *p, size_t n, struct buf *why)
{
	struct jscan s;

	memset(&R.type, 0, sizeof(R.type));
	R.owner = R.group = R.stream = R.type;
	R.has_events = 0;
	R.nev = 0;
	buf_reset(&R.arena);
	s.p = p;
	s.end = p + n;
	s.arena = &R.arena;
	s.why = NULL;
	jscan_ws(&s);
	if (s.p < s.end && *s.p != '{') {
		if (jscan_skip(&s, 0) == 0) {
			jscan_ws(&s);
			if (s.p == s.end)
				return "not a JSON object";
		}
	} else if (jscan_object(&s, top_member, NULL) == 0) {
		jscan_ws(&s);
		if (s.p == s.end)
			return NULL;
		s.why = "trailing data after the JSON value";
	}
	buf_reset(why);
	buf_printf(why, "not JSON: %s", s.why ? s.why : "empty");
	return buf_str(why);
}

/* Whether r is a string with no NUL byte (one a C string can hold). */
static int
cstr_ok(const struct rstr *r)
{
	return r->set && memchr(RSTR(*r), '\0', r->len) == NULL;
}

/* Checks the events of a DATA_MESSAGE. Returns NULL, or why not. */
static const char *
check_events(struct buf *why)
{
	size_t i;
	const struct rev *e;

	for (i = 0; i < R.nev; i++) {
		e = &R.ev[i];
		buf_reset(why);
		if (e->not_object)
			buf_printf(why, "logEvents[%zu] is not an object", i);
		else if (!cstr_ok(&e->id))
			buf_printf(why, "logEvents[%zu] has no \"id\"", i);
		else if (!e->has_ts)
			buf_printf(why, "logEvents[%zu] has no \"timestamp\"", i);
		else if (!e->msg.set)
			buf_printf(why, "logEvents[%zu] has no \"message\"", i);
		else
			continue;
		return buf_str(why);
	}
	return NULL;
}

/* Writes the events of a checked DATA_MESSAGE, those of R from from. */
static void
events(struct shard *sh, const char *seq, int64_t from)
{
	size_t i, m = R.nev;
	struct evline ev;
	struct cursor c;
	int wrote_last = 0;

	memset(&ev, 0, sizeof(ev));
	ev.group = RSTR(R.group);
	ev.stream = RSTR(R.stream);
	ev.account = RSTR(R.owner);
	ev.ingest = EVLINE_NO_TIME;
	if (group_kept(ev.group)) {
		for (i = (size_t)from; i < m; i++) {
			const struct rev *e = &R.ev[i];

			ev.id = RSTR(e->id);
			ev.ts = e->ts;
			ev.msg = RSTR(e->msg);
			ev.len = e->msg.len;
			advance(sh, seq, i + 1 < m ? (int64_t)i + 1 : 0, ev.ts, &c);
			ev.cursor = &c;
			if (evline_json(&K.out, &K.lo, &ev) == -1)
				log_oom();
			K.events++;
			sh->events++;
			wrote_last = i + 1 == m;
			if (K.out.len >= OUT_CHUNK)
				out_flush();
		}
	}
	if (!wrote_last)
		mark(sh, seq);
}

void
record_take(struct shard *sh, const char *seq, const char *data_b64,
    size_t len)
{
	static struct buf raw, text, why;
	const char *bad = NULL, *type;
	int64_t from = 0;

	K.records++;
	/* resumed inside this record (AT_SEQUENCE_NUMBER): its first
	 * events are done */
	if (sh->drop > 0 && sh->seq && strcmp(sh->seq, seq) == 0)
		from = sh->drop;
	sh->drop = 0;
	if (b64_decode(data_b64, len, &raw, &bad) == -1 ||
	    gunzip((const unsigned char *)raw.p, raw.len, MAX_INFLATED, &text,
	    &bad) == -1 || (bad = scan(text.p, text.len, &why)) != NULL)
		goto out;
	type = RSTR(R.type);
	if (!cstr_ok(&R.type))
		bad = "no \"messageType\"";
	else if (strcmp(type, "CONTROL_MESSAGE") == 0)
		mark(sh, seq);
	else if (strcmp(type, "DATA_MESSAGE") != 0) {
		buf_reset(&why);
		buf_printf(&why, "messageType \"%s\" is neither DATA_MESSAGE "
		    "nor CONTROL_MESSAGE", type);
		bad = buf_str(&why);
	} else if (!cstr_ok(&R.owner))
		bad = "no \"owner\"";
	else if (!cstr_ok(&R.group) || R.group.len == 0)
		bad = "no \"logGroup\"";
	else if (!cstr_ok(&R.stream) || R.stream.len == 0)
		bad = "no \"logStream\"";
	else if (!R.has_events)
		bad = "no \"logEvents\" list";
	else if ((bad = check_events(&why)) == NULL)
		events(sh, seq, from);
out:
	if (bad)
		reject(sh, seq, bad, data_b64, len);
	/* the memory of a large record is not kept */
	if (raw.cap > (1u << 21))
		buf_free(&raw);
	if (text.cap > (1u << 23))
		buf_free(&text);
	if (R.arena.cap > (1u << 23))
		buf_free(&R.arena);
}

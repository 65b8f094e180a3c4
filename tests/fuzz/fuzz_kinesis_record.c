/*
 * fuzz_kinesis_record: cwl-kinesis's reading of the records CloudWatch Logs
 * puts in a Kinesis stream (cmd/cwl-kinesis/record.c: record_take: base64,
 * gzip, the record's JSON), and the lines it writes of them.
 *
 * Input: a byte of options (bit 0: the rest is the record's data as it
 * is, else the rest is gzipped first, so that the JSON is reached; bit 1:
 * keep only the log group "/g"; bit 2: resume inside the record, its first
 * three events done), then the data.
 *
 * Checks. Every line is JSON (RFC 8259) ended by a newline: an event line
 * or a mark, with the shard's cursor (group "@kinesis/s", the record's
 * sequence number, n one more than the line before). A record set aside
 * gives one mark and nothing else; otherwise the last cursor's skip is 0
 * (the record done), and each event line's skip is its index + 1 but for
 * the last event. Where the JSON is valid, with no key twice, json-c's
 * reading of it decides: a DATA_MESSAGE of the right shape gives one line
 * per event (of the groups kept, past the dropped ones), with json-c's
 * message, id, group, stream, owner and timestamp; a CONTROL_MESSAGE one
 * mark; anything else is set aside.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "buf.h"
#include "cursor.h"
#include "fuzz.h"
#include "json_oracle.h"
#include "jsonx.h"
#include "log.h"
#include "timex.h"
#include "cwl-kinesis/kinesis.h"

struct kinesis K;

#define SEQ "49000000000000000000000000000000000000000000000000000042"

static void
gz(const uint8_t *p, size_t n, struct buf *out)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	buf_reset(out);
	if (buf_reserve(out, deflateBound(&z, (uLong)n) + 1) == -1)
		abort();
	z.next_in = (unsigned char *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = (unsigned char *)out->p;
	z.avail_out = (uInt)(out->cap - 1);
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	out->len = z.total_out;
	deflateEnd(&z);
}

/* What json-c makes of the record: -1 set aside, 0 a control message, 1
 * events (in *evs). */
static int
oracle(json_object *o, json_object **evs)
{
	const char *t;
	json_object *v, *e;
	size_t i;

	if (!json_object_is_type(o, json_type_object))
		return -1;
#define STR(obj, k) ((v = jsonx_get(obj, k, json_type_string)) != NULL && \
	memchr(json_object_get_string(v), '\0', \
	(size_t)json_object_get_string_len(v)) == NULL)
	if (!STR(o, "messageType"))
		return -1;
	t = json_object_get_string(v);
	if (strcmp(t, "CONTROL_MESSAGE") == 0)
		return 0;
	if (strcmp(t, "DATA_MESSAGE") != 0 || !STR(o, "owner") ||
	    !STR(o, "logGroup") || json_object_get_string_len(v) == 0 ||
	    !STR(o, "logStream") || json_object_get_string_len(v) == 0 ||
	    (*evs = jsonx_get(o, "logEvents", json_type_array)) == NULL)
		return -1;
	for (i = 0; i < json_object_array_length(*evs); i++) {
		e = json_object_array_get_idx(*evs, i);
		if (!json_object_is_type(e, json_type_object) || !STR(e, "id") ||
		    jsonx_get(e, "timestamp", json_type_int) == NULL ||
		    jsonx_get(e, "message", json_type_string) == NULL)
			return -1;
	}
#undef STR
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct buf plain, b64;
	struct fuzz_in in = { data, size };
	struct shard sh;
	struct jv_stats st;
	json_object *o = NULL, *evs = NULL, *line, *md, *cur;
	uint8_t opt = fuzz_byte(&in);
	const char *p, *nl, *want_group = NULL;
	size_t nlines = 0, nev = 0, nmarks = 0;
	int64_t n0 = 7, last_skip = -1;
	uint64_t rejected;
	int expect = 2;		/* 2: not known */

	log_set_level(LOG_ERROR);
	memset(&sh, 0, sizeof(sh));
	sh.id = "shardId-000000000000";
	sh.n = n0;
	if (opt & 4) {
		sh.seq = strdup(SEQ);
		sh.drop = 3;
	}
	K.group = "@kinesis/s";
	K.stream = "s";
	K.dl_fd = -1;
	K.lo.region = "eu-west-1";
	K.groups = NULL;
	K.ngroups = 0;
	if (opt & 2) {
		static const char *const keep[] = { "/g", NULL };

		K.groups = keep;
		K.ngroups = 1;
	}
	buf_reset(&K.out);
	if (opt & 1) {
		buf_reset(&plain);
		buf_add(&plain, in.p, in.n);
	} else {
		gz(in.p, in.n, &plain);
	}
	buf_reset(&b64);
	if (buf_reserve(&b64, 4 * ((plain.len + 2) / 3) + 1) == -1)
		abort();
	b64.len = (size_t)EVP_EncodeBlock((unsigned char *)b64.p,
	    (const unsigned char *)plain.p, (int)plain.len);
	rejected = K.rejected;
	record_take(&sh, SEQ, b64.p, b64.len);

	/* the oracle, on valid JSON with no key twice */
	if (!(opt & 1) && json_valid(in.p, in.n, &st, NULL, NULL, NULL) &&
	    st.deepest <= 60) {
		FUZZ_ASSERT(json_value(in.p, in.n, &o), "json-c cannot read "
		    "valid JSON");
		if (json_members(o) == st.members)
			expect = oracle(o, &evs);
	}

	for (p = K.out.p; p && p < K.out.p + K.out.len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(K.out.p + K.out.len - p));
		FUZZ_ASSERT(nl != NULL, "a line without its newline");
		FUZZ_ASSERT(json_valid(p, (size_t)(nl - p), NULL, NULL, NULL,
		    NULL), "not JSON: %.*s", (int)(nl - p), p);
		FUZZ_ASSERT(json_value(p, (size_t)(nl - p), &line) &&
		    json_object_is_type(line, json_type_object), "not an object");
		md = jsonx_get(line, "@metadata", json_type_object);
		cur = md ? jsonx_get(md, "cursor", json_type_object) : NULL;
		FUZZ_ASSERT(cur, "no cursor");
		FUZZ_ASSERT(strcmp(jsonx_get_str(cur, "group", ""), "@kinesis/s") ==
		    0 && strcmp(jsonx_get_str(cur, "stream", ""),
		    "shardId-000000000000") == 0 &&
		    strcmp(jsonx_get_str(cur, "token", ""), SEQ) == 0,
		    "not the shard's cursor");
		FUZZ_ASSERT(jsonx_get_int(cur, "n", 0) == n0 + 1 + (int64_t)nlines,
		    "n %lld after %zu lines", (long long)jsonx_get_int(cur, "n", 0),
		    nlines);
		last_skip = jsonx_get_int(cur, "skip", -1);
		if (json_object_object_length(line) == 1) {
			nmarks++;
		} else {
			json_object *e = evs && nev + (opt & 4 ? 3 : 0) <
			    json_object_array_length(evs) ?
			    json_object_array_get_idx(evs, nev +
			    (opt & 4 ? 3 : 0)) : NULL;

			if (expect == 1 && e) {
				json_object *lm = jsonx_get(line, "message",
				    json_type_string);
				json_object *em = jsonx_get(e, "message",
				    json_type_string);
				size_t idx = nev + (opt & 4 ? 3 : 0);
				size_t all = json_object_array_length(evs);

				FUZZ_ASSERT(lm && json_object_get_string_len(lm) ==
				    json_object_get_string_len(em) &&
				    memcmp(json_object_get_string(lm),
				    json_object_get_string(em),
				    (size_t)json_object_get_string_len(em)) == 0,
				    "message %zu differs", nev);
				FUZZ_ASSERT(last_skip == (idx + 1 < all ?
				    (int64_t)idx + 1 : 0), "event %zu: skip %lld",
				    idx, (long long)last_skip);
				FUZZ_ASSERT(strcmp(jsonx_get_str(jsonx_get(line,
				    "event", json_type_object), "id", "?"),
				    jsonx_get_str(e, "id", "!")) == 0,
				    "id %zu differs", nev);
				/* the cursor's ts: the event's, and 0 for a
				 * time before the epoch (lib/cursor.c) */
				int64_t ets = jsonx_get_int(e, "timestamp", 1);

				FUZZ_ASSERT(jsonx_get_int(cur, "ts", 0) ==
				    (ets < 0 ? 0 : ets) ||
				    llabs(jsonx_get_int(e, "timestamp", 0)) >=
				    ((int64_t)1 << 62), "timestamp %zu differs", nev);
			}
			nev++;
		}
		json_object_put(line);
		nlines++;
	}
	FUZZ_ASSERT(nlines > 0, "no line for a record");
	FUZZ_ASSERT(last_skip == 0, "the last cursor leaves the record "
	    "unfinished (skip %lld)", (long long)last_skip);
	if (K.rejected != rejected)
		FUZZ_ASSERT(nlines == 1 && nmarks == 1, "a record set aside "
		    "gave %zu lines", nlines);
	if (expect == -1)
		FUZZ_ASSERT(K.rejected == rejected + 1, "json-c refuses what "
		    "was read");
	if (expect == 0)
		FUZZ_ASSERT(K.rejected == rejected && nlines == 1 && nmarks == 1,
		    "a control message is not one mark");
	if (expect == 1) {
		const char *g = jsonx_get_str(o, "logGroup", "");
		size_t all = json_object_array_length(evs), want;

		want_group = (opt & 2) ? "/g" : NULL;
		want = want_group && strcmp(g, want_group) != 0 ? 0 :
		    all > (size_t)(opt & 4 ? 3 : 0) ? all - (opt & 4 ? 3 : 0) : 0;
		FUZZ_ASSERT(K.rejected == rejected, "a valid record was set "
		    "aside");
		FUZZ_ASSERT(nev == want, "%zu events written, json-c has %zu",
		    nev, want);
	}
	json_object_put(o);
	free(sh.seq);
	free(sh.iter);
	return 0;
}

/* buf, swar, jsonx and jscan, cursor, log redaction and log_oom, idset. */
#include <sys/wait.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arn.h"
#include "buf.h"
#include "cursor.h"
#include "err.h"
#include "idset.h"
#include "jscan.h"
#include "jsonx.h"
#include "log.h"
#include "strmap.h"
#include "swar.h"
#include "unit.h"

static void
test_buf(void)
{
	struct buf b = BUF_INIT;
	int i;

	CHECK_STR(buf_str(&b), "", "empty buf is an empty string");
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	CHECK(b.len == 3890, "1000 numbers appended: len %zu", b.len);
	buf_consume(&b, 2);
	CHECK(strncmp(b.p, "1,2,", 4) == 0, "consume keeps the rest");
	buf_reset(&b);
	CHECK_INT(b.len, 0, "reset");
	buf_free(&b);

	/* formatted into the room left, or grown when it does not fit */
	CHECK(buf_printf(&b, "%s", "") == 0 && b.len == 0 && b.p != NULL,
	    "an empty text in a new buf");
	CHECK_STR(buf_str(&b), "", "it is an empty string");
	buf_adds(&b, "0123456789");
	for (i = 0; i < 3; i++) {
		size_t cap = b.cap, room = cap - b.len;
		char want[300];

		memset(want, 'x', sizeof(want));
		/* one byte short of the room, exactly the room, past it */
		want[room - 2 + (size_t)i] = '\0';
		CHECK(buf_printf(&b, "%s", want) == 0, "printf %d", i);
		CHECK_INT(b.len, cap - room + strlen(want), "length %d", i);
		CHECK(b.p[b.len] == '\0' && b.cap > b.len, "terminated %d", i);
		CHECK(strcmp(b.p + b.len - strlen(want), want) == 0,
		    "text %d", i);
		buf_reset(&b);
		buf_adds(&b, "0123456789");
	}
	CHECK_STR(buf_str(&b), "0123456789", "what was there stays");
	buf_free(&b);
}

static const struct {
	const char *in;
	size_t len;
	const char *want;
} esc[] = {
	{ "plain", 5, "\"plain\"" },
	{ "q\"b\\", 4, "\"q\\\"b\\\\\"" },
	{ "\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"" },
	{ "\x01\x1f", 2, "\"\\u0001\\u001f\"" },
	{ "a\0b", 3, "\"a\\u0000b\"" },
	{ "caf\xc3\xa9", 5, "\"caf\xc3\xa9\"" },
	{ "\xe2\x82\xac", 3, "\"\xe2\x82\xac\"" },
	{ "\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"" },
	{ "\xff", 1, "\"\xef\xbf\xbd\"" },			/* never valid */
	{ "\xc3", 1, "\"\xef\xbf\xbd\"" },			/* truncated */
	{ "\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"" },	/* overlong */
	{ "\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" }, /* surrogate */
	{ "\xf4\x90\x80\x80", 4, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" }, /* > U+10FFFF */
	{ "a\xe2\x82", 3, "\"a\xef\xbf\xbd\xef\xbf\xbd\"" },
	{ "\x7f", 1, "\"\x7f\"" },
};

static void
test_escape(void)
{
	struct buf b = BUF_INIT;
	const char *why;
	json_object *o;
	size_t i;

	for (i = 0; i < sizeof(esc) / sizeof(esc[0]); i++) {
		buf_reset(&b);
		jsonx_str(&b, esc[i].in, esc[i].len);
		CHECK_STR(buf_str(&b), esc[i].want, "escape case %zu", i);
		o = jsonx_parse(b.p, b.len, &why);
		CHECK(o != NULL, "escaped case %zu parses back", i);
		CHECK(jsonx_valid_utf8(b.p, b.len), "case %zu is valid UTF-8", i);
		json_object_put(o);
	}
	CHECK(jsonx_valid_utf8("ok", 2), "ascii valid");
	CHECK(!jsonx_valid_utf8("a\0", 2), "NUL is refused");
	CHECK(!jsonx_valid_utf8("\xff", 1), "0xff is refused");
	o = jsonx_parse("{\"a\":1} x", 9, &why);
	CHECK(o == NULL, "trailing data refused");
	o = jsonx_parse("{\"a\":", 5, &why);
	CHECK(o == NULL, "truncated JSON refused");
	buf_free(&b);
}

/* The word-at-a-time tests against the byte at a time, for every byte
 * at every place of a word; and the scanners that use them, with a byte
 * to act on at every place of strings that span a few words. */
static void
test_swar(void)
{
	unsigned char w[8];
	struct buf b = BUF_INIT, one = BUF_INIT, want = BUF_INIT, arena = BUF_INIT;
	char in[24], enc[64];
	size_t k, off, len;
	unsigned c;
	int bad = 0;

	for (k = 0; k < 8; k++)
		for (c = 0; c < 256; c++) {
			memset(w, 'a', sizeof(w));
			w[k] = (unsigned char)c;
			bad += !swar_has(swar_load(w), '"') != (c != '"');
			bad += !swar_has(swar_load(w), '\\') != (c != '\\');
			bad += !swar_below(swar_load(w), 0x20) != (c >= 0x20);
			memset(w, 0x1f, sizeof(w));
			w[k] = (unsigned char)c;
			bad += !swar_below(swar_load(w), 0x20) != 0;
			bad += !swar_has(swar_load(w), (unsigned char)c) != 0;
		}
	CHECK_INT(bad, 0, "swar tests agree with bytes");
	bad = 0;
	/* jsonx_str: a byte escapes the same wherever it stands */
	for (k = 0; k < sizeof(in); k++)
		for (c = 1; c < 256; c++) {
			memset(in, 'x', sizeof(in));
			in[k] = (char)c;
			buf_reset(&b);
			jsonx_str(&b, in, sizeof(in));
			buf_reset(&one);
			jsonx_str(&one, in + k, 1);
			buf_reset(&want);
			buf_addc(&want, '"');
			buf_add(&want, in, k);
			buf_add(&want, one.p + 1, one.len - 2);
			buf_add(&want, in + k + 1, sizeof(in) - k - 1);
			buf_addc(&want, '"');
			bad += strcmp(buf_str(&b), buf_str(&want)) != 0;
		}
	CHECK_INT(bad, 0, "jsonx_str escapes a byte the same at every place");
	bad = 0;
	/* jscan_string: an escape, or the closing quote, at every place */
	for (k = 0; k < sizeof(in); k++) {
		struct jscan s;
		int n;

		n = snprintf(enc, sizeof(enc), "\"%.*s\\n%.*s\"x", (int)k,
		    "yyyyyyyyyyyyyyyyyyyyyyyy", (int)(sizeof(in) - k),
		    "zzzzzzzzzzzzzzzzzzzzzzzz");
		buf_reset(&arena);
		s = (struct jscan){ enc, enc + n, &arena, NULL };
		bad += jscan_string(&s, 1, &off, &len) != 0 || len != sizeof(in) + 1 ||
		    arena.p[off + k] != '\n' || arena.p[off + k + 1] != 'z' ||
		    (k > 0 && arena.p[off + k - 1] != 'y') || *s.p != 'x';
		n = snprintf(enc, sizeof(enc), "\"%.*s\"%.*s", (int)k,
		    "yyyyyyyyyyyyyyyyyyyyyyyy", 10, "zzzzzzzzzz");
		buf_reset(&arena);
		s = (struct jscan){ enc, enc + n, &arena, NULL };
		bad += jscan_string(&s, 1, &off, &len) != 0 || len != k ||
		    *s.p != 'z';
		s = (struct jscan){ enc, enc + k + 1, &arena, NULL };
		bad += jscan_string(&s, 1, &off, &len) != -1 ||
		    s.why == NULL || strcmp(s.why, "unterminated string") != 0;
	}
	CHECK_INT(bad, 0, "jscan_string finds an escape and the end at every place");
	buf_free(&b);
	buf_free(&one);
	buf_free(&want);
	buf_free(&arena);
}

/* The one writer of cursors, over every form of DESIGN.md: the bytes
 * printf wrote before it, and a ts before the epoch written 0. */
static void
test_cursor_forms(void)
{
	static char *ids[] = { "3759...01", "a\"b" };
	static const struct {
		struct cursor c;
		const char *want;
	} t[] = {
		{ { "g", "s", "f/1", 4, 1763892000123LL, 9, 0, NULL, 0 },
		    "{\"group\":\"g\",\"stream\":\"s\",\"token\":\"f/1\","
		    "\"skip\":4,\"ts\":1763892000123,\"n\":9}" },
		{ { "g", "s", "", 0, 0, 0, 0, NULL, 0 },
		    "{\"group\":\"g\",\"stream\":\"s\",\"token\":\"\","
		    "\"skip\":0,\"ts\":0,\"n\":0}" },
		{ { "/a/b", "*", NULL, 0, 1700000000000LL, 12, 0, ids, 2 },
		    "{\"group\":\"/a/b\",\"stream\":\"*\",\"ts\":1700000000000,"
		    "\"n\":12,\"ids\":[\"3759...01\",\"a\\\"b\"]}" },
		{ { "g", "*", "t", 7, 1000, 3, 2000, ids, 1 },
		    "{\"group\":\"g\",\"stream\":\"*\",\"token\":\"t\","
		    "\"skip\":7,\"ts\":1000,\"to\":2000,\"n\":3,"
		    "\"ids\":[\"3759...01\"]}" },
		{ { "g", "*", NULL, 0, 5, 1, 0, NULL, 0 },
		    "{\"group\":\"g\",\"stream\":\"*\",\"ts\":5,\"n\":1}" },
		{ { "g", "s", "t", INT64_MAX, INT64_MAX, INT64_MAX, 0, NULL, 0 },
		    "{\"group\":\"g\",\"stream\":\"s\",\"token\":\"t\","
		    "\"skip\":9223372036854775807,\"ts\":9223372036854775807,"
		    "\"n\":9223372036854775807}" },
		{ { "g", "s", "t", 1, -1, 2, 0, NULL, 0 },
		    "{\"group\":\"g\",\"stream\":\"s\",\"token\":\"t\","
		    "\"skip\":1,\"ts\":0,\"n\":2}" },
		{ { "g", "*", NULL, 0, INT64_MIN, 4, 0, NULL, 0 },
		    "{\"group\":\"g\",\"stream\":\"*\",\"ts\":0,\"n\":4}" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&b);
		CHECK(cursor_to_json(&t[i].c, &b) == 0, "case %zu written", i);
		CHECK_STR(buf_str(&b), t[i].want, "case %zu", i);
	}
	buf_free(&b);
}

static void
test_cursor(void)
{
	struct cursor c, d;
	struct err e = ERR_INIT;
	struct buf b = BUF_INIT;
	char id1[33], id2[33], id3[33];
	const char *line = "{\"@timestamp\":\"x\",\"@metadata\":{\"_id\":\"1\","
	    "\"cursor\":{\"group\":\"/aws/lambda/f\",\"stream\":\"s:1\","
	    "\"token\":\"f/123\",\"skip\":4,\"ts\":1763892000123,\"n\":9}}}";

	CHECK_INT(cursor_parse(line, strlen(line), &c, &e), 0, "parse event line");
	CHECK_STR(c.group, "/aws/lambda/f", "group");
	CHECK_STR(c.token, "f/123", "token");
	CHECK_INT(c.skip, 4, "skip");
	CHECK_INT(c.n, 9, "n");
	cursor_to_json(&c, &b);
	CHECK_STR(buf_str(&b), "{\"group\":\"/aws/lambda/f\",\"stream\":\"s:1\","
	    "\"token\":\"f/123\",\"skip\":4,\"ts\":1763892000123,\"n\":9}", "format");
	CHECK_INT(cursor_parse(b.p, b.len, &d, &e), 0, "round trip");
	CHECK_INT(cursor_cmp(&c, &d), 0, "equal");
	d.n++;
	CHECK(cursor_cmp(&d, &c) > 0, "later n is newer");
	cursor_clear(&d);
	cursor_clear(&c);
	CHECK_INT(cursor_parse("{\"group\":\"g\"}", 13, &c, &e), -1, "no stream");
	CHECK_STR(err_msg(&e), "cursor has no \"stream\"", "message");
	CHECK_INT(e.code, EXIT_REJECTED, "code");
	CHECK_INT(cursor_parse("nope", 4, &c, &e), -1, "not JSON");
	err_clear(&e);

	test_cursor_forms();

	cursor_event_id("g", "s", 1, 2, "m", 1, 0, id1);
	cursor_event_id("g", "s", 1, 2, "m", 1, 0, id2);
	cursor_event_id("g", "s", 1, 2, "m", 1, 1, id3);
	CHECK_STR(id1, id2, "same event, same id");
	CHECK(strcmp(id1, id3) != 0, "rank changes the id");
	CHECK_INT(strlen(id1), 32, "128 bits in hex");
	/* ids must never change between versions: a replay would duplicate.
	 * sha256 of the length-prefixed g, s, "1/2/0", m, first 16 bytes */
	CHECK_STR(id1, "081dc30f530f91dc19d5e0475b595b18", "the id of a version");
	cursor_event_id("gs", "", 1, 2, "m", 1, 0, id3);
	CHECK(strcmp(id1, id3) != 0, "fields are length-prefixed");
	buf_free(&b);
}

static void
test_redact(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "Authorization: AWS4-HMAC-SHA256 Credential=AKID/x, Signature=ab",
		  "Authorization: [REDACTED]" },
		{ "x-amz-security-token: FQoGZXIvYXdzE", "x-amz-security-token: [REDACTED]" },
		{ "{\"password\":\"hunter22\",\"user\":\"u\"}",
		  "{\"password\":\"[REDACTED]\",\"user\":\"u\"}" },
		{ "url?api_key=abcd1234&x=1", "url?api_key=[REDACTED]&x=1" },
		{ "secret_access_key = wJalrXUtnFEMI", "secret_access_key = [REDACTED]" },
		{ "the key s3cr3tValue leaked", "the key [REDACTED] leaked" },
		{ "tokens: 5", "tokens: 5" },
		{ "nothing here", "nothing here" },
	};
	size_t i;
	char *r;

	log_secret("s3cr3tValue");
	log_secret("ab");	/* too short to register */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = log_redact(cases[i].in);
		CHECK_STR(r, cases[i].want, "redact case %zu", i);
		free(r);
	}
}

/* An id from a number: the digest-like bytes idset expects, spread. */
static void
idn(unsigned n, unsigned char id[16])
{
	uint64_t h = 0x9e3779b97f4a7c15ULL * (n + 1);
	int i;

	for (i = 0; i < 16; i++) {
		h ^= h >> 29;
		h *= 0xbf58476d1ce4e5b9ULL;
		id[i] = (unsigned char)(h >> 56);
	}
}

/* The id of the ith of a round: its home slot is one of the last 30 of
 * the table, whatever its size, so that the cluster wraps around. */
static void
cluster_id(unsigned round, unsigned i, unsigned char id[16])
{
	memset(id, 0, 16);
	memset(id, 0xff, 6);
	id[7] = (unsigned char)(i % 30);
	id[12] = (unsigned char)(i >> 8);
	id[13] = (unsigned char)i;
	id[14] = (unsigned char)round;
}

/* Ids in a long cluster over the end of the table: idset_add says which
 * were there, and after some expire, the rest are found, each time. */
static void
test_idset_clusters(void)
{
	struct idset *s = idset_new();
	unsigned char id[16];
	unsigned i, wrong = 0, found, round, r;
	int64_t *e;

	if (s == NULL)
		return;
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 3000; i++) {
			cluster_id(round, i, id);
			wrong += idset_add(s, id, (int64_t)(i % 7)) != 0;
			wrong += idset_add(s, id, 99) != 1;
		}
		/* i % 7 of 0, 1 and 2 go, too few to shrink the table */
		idset_expire(s, 3);
		found = 0;
		for (r = 0; r <= round; r++)
			for (i = 0; i < 3000; i++) {
				cluster_id(r, i, id);
				e = idset_find(s, id);
				found += e != NULL;
				wrong += (e != NULL) != (i % 7 >= 3);
				wrong += e != NULL && *e != (int64_t)(i % 7);
			}
		wrong += found != idset_count(s);
	}
	CHECK_INT(wrong, 0, "idset_add says what was there; after expiring "
	    "in a cluster, the rest are found");
	idset_expire(s, 1000);
	CHECK_INT(idset_count(s), 0, "all gone");
	idset_free(s);
}

static void
test_idset(void)
{
	struct idset *s = idset_new();
	unsigned char id[16];
	int64_t *e;
	unsigned i, found = 0, wrong = 0;

	CHECK(s != NULL, "idset_new");
	if (s == NULL)
		return;
	idn(1, id);
	CHECK(idset_find(s, id) == NULL, "an empty set holds nothing");
	/* 20,000 ids: the table grows many times; even ones expire at 100,
	 * odd ones at 200 */
	for (i = 0; i < 20000; i++) {
		idn(i, id);
		if (idset_put(s, id, i % 2 ? 200 : 100) == -1)
			wrong++;
	}
	CHECK_INT(wrong, 0, "idset_put never fails here");
	CHECK_INT(idset_count(s), 20000, "every id once");
	idn(7, id);
	CHECK(idset_put(s, id, 300) == 0 && idset_count(s) == 20000,
	    "putting an id again sets its expiry, it does not add it");
	CHECK((e = idset_find(s, id)) != NULL && *e == 300, "the new expiry");
	for (i = 0; i < 20000; i++) {
		idn(i, id);
		found += idset_find(s, id) != NULL;
	}
	CHECK_INT(found, 20000, "every id is found");
	idn(20000, id);
	CHECK(idset_find(s, id) == NULL, "an id never put is not found");
	idset_expire(s, 150);
	CHECK_INT(idset_count(s), 10000, "the even ones went at 150");
	found = wrong = 0;
	for (i = 0; i < 20000; i++) {
		idn(i, id);
		e = idset_find(s, id);
		found += e != NULL;
		wrong += (e != NULL) != (i % 2 == 1);
	}
	CHECK(found == 10000 && wrong == 0, "the odd ones stay: %u found, %u "
	    "wrong", found, wrong);
	idset_expire(s, 250);
	CHECK_INT(idset_count(s), 1, "only the one that expires at 300 stays");
	idn(7, id);
	CHECK(idset_find(s, id) != NULL, "and it is found after the shrink");
	idset_expire(s, 301);
	CHECK_INT(idset_count(s), 0, "all gone");
	/* the earliest expiry there is, and an id of zeros, are kept too */
	memset(id, 0, 16);
	CHECK(idset_put(s, id, INT64_MIN) == 0 && idset_count(s) == 1 &&
	    idset_find(s, id) != NULL, "an id of zeros expiring at INT64_MIN");
	idset_expire(s, INT64_MIN);
	CHECK_INT(idset_count(s), 1, "not expired at INT64_MIN");
	idset_expire(s, INT64_MIN + 2);
	CHECK_INT(idset_count(s), 0, "gone after it");
	idset_free(s);
	test_idset_clusters();

	CHECK(idset_hex("000102030405060708090a0b0c0d0eff", id) == 0 &&
	    id[0] == 0 && id[10] == 10 && id[15] == 0xff, "hex read");
	CHECK(idset_hex("000102030405060708090a0b0c0d0e", id) == -1,
	    "30 digits refused");
	CHECK(idset_hex("000102030405060708090a0b0c0d0e0f0", id) == -1,
	    "33 digits refused");
	CHECK(idset_hex("000102030405060708090A0B0C0D0E0F", id) == -1,
	    "upper case refused: event ids are lower case");
	CHECK(idset_hex("0001020304050607080g0a0b0c0d0e0f", id) == -1,
	    "a non-digit refused");
}

static void
test_strmap(void)
{
	struct strmap *m = strmap_new();
	char key[32];
	const char *k;
	void **slot, *v;
	size_t it = 0, n = 0, i;
	int bad = 0;

	CHECK(m != NULL && strmap_get(m, "x") == NULL, "empty map");
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "stream-%zu", i);
		slot = strmap_put(m, key);
		CHECK(slot != NULL && *slot == NULL, "a new key has no value");
		*slot = (void *)(i + 1);
	}
	CHECK_INT(strmap_count(m), 5000, "every key once");
	slot = strmap_put(m, "stream-42");
	CHECK(*slot == (void *)43, "put of a key there returns its value");
	CHECK_INT(strmap_count(m), 5000, "not added twice");
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "stream-%zu", i);
		bad += strmap_get(m, key) != (void *)(i + 1);
	}
	CHECK_INT(bad, 0, "every value found after the table grew");
	CHECK(strmap_get(m, "stream-5000") == NULL, "a key not put");
	CHECK(strmap_get(m, "") == NULL, "the empty key not put");
	while (strmap_next(m, &it, &k, &v))
		n++;
	CHECK_INT(n, 5000, "the walk meets every entry once");
	strmap_free(m, NULL);
}

/* strmap_del against a shadow array: random puts and deletes over few
 * keys make long runs, holes in them and runs that wrap around. */
static void
test_strmap_del(void)
{
	struct strmap *m = strmap_new();
	static int in[3000];
	char key[32];
	const char *k;
	void **slot, *v;
	size_t it, i, n, want = 0;
	unsigned long r = 1;
	int bad = 0, step;

	CHECK(m != NULL && strmap_del(m, "x", NULL) == 0,
	    "nothing to delete in an empty map");
	for (step = 0; step < 200000; step++) {
		r = r * 6364136223846793005UL + 1442695040888963407UL;
		i = (size_t)(r >> 33) % 3000;
		snprintf(key, sizeof(key), "k%zu", i);
		if ((r >> 20) & 1) {
			if ((slot = strmap_put(m, key)) == NULL) {
				bad++;
				break;
			}
			bad += (*slot != NULL) != in[i];
			*slot = (void *)(i + 1);
			want += !in[i];
			in[i] = 1;
		} else {
			v = NULL;
			bad += strmap_del(m, key, &v) != in[i];
			bad += in[i] && v != (void *)(i + 1);
			want -= in[i];
			in[i] = 0;
		}
		if (step % 1000 == 0)
			for (i = 0; i < 3000; i++) {
				snprintf(key, sizeof(key), "k%zu", i);
				bad += strmap_get(m, key) !=
				    (in[i] ? (void *)(i + 1) : NULL);
			}
	}
	CHECK_INT(bad, 0, "puts, gets and deletes agree with the shadow");
	CHECK_INT(strmap_count(m), want, "the count follows the deletes");
	for (it = 0, n = 0; strmap_next(m, &it, &k, &v); n++)
		bad += strncmp(k, "k", 1) != 0 || !in[atoi(k + 1)];
	CHECK(bad == 0 && n == want, "the walk meets what is left");
	/* every key deleted by the map's own copy of it */
	while (it = 0, strmap_next(m, &it, &k, &v))
		if (strmap_del(m, k, NULL) != 1)
			break;
	CHECK_INT(strmap_count(m), 0, "deleted by the keys of the walk");
	CHECK(strmap_get(m, "k1") == NULL && strmap_put(m, "k1") != NULL &&
	    strmap_count(m) == 1, "a deleted key can come back");
	strmap_free(m, NULL);

	m = strmap_new();
	CHECK(m != NULL && strmap_putn(m, "g\0s", 3) != NULL &&
	    strmap_putn(m, "g\0t", 3) != NULL && strmap_putn(m, "g", 1) != NULL &&
	    strmap_count(m) == 3, "keys with a NUL are told apart");
	*strmap_putn(m, "g\0t", 3) = (void *)7;
	CHECK(strmap_getn(m, "g\0t", 3) == (void *)7 &&
	    strmap_getn(m, "g\0u", 3) == NULL && strmap_get(m, "g") == NULL,
	    "lookups by length");
	CHECK(strmap_deln(m, "g\0s", 3, NULL) == 1 &&
	    strmap_getn(m, "g\0t", 3) == (void *)7 && strmap_count(m) == 2,
	    "deleted by length");
	strmap_free(m, NULL);
}

/* log_oom in a child: its one line on stderr, and exit status 1. */
static void
test_oom(void)
{
	char out[256];
	ssize_t n;
	size_t got = 0;
	int fd[2], st = 0;
	pid_t pid;

	if (pipe(fd) == -1 || (pid = fork()) == -1) {
		CHECK(0, "pipe or fork");
		return;
	}
	if (pid == 0) {
		dup2(fd[1], 2);
		close(fd[0]);
		close(fd[1]);
		log_init("cwl-unit");
		log_oom();
	}
	close(fd[1]);
	while (got < sizeof(out) - 1 &&
	    (n = read(fd[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fd[0]);
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st), "log_oom exits");
	CHECK_INT(WEXITSTATUS(st), EXIT_RUNTIME, "log_oom's exit status");
	CHECK_STR(out, "cwl-unit: error: out of memory\n", "log_oom's line");
}

/* The ARNs of log groups and streams, and the source key of a group. */
static void
test_arn(void)
{
	static const char *const bad[] = {
		"", "/aws/lambda/f", "arn:aws:logs:eu-west-1:12345678901:log-group:g",
		"arn:aws:logs:eu-west-1:1234567890123:log-group:g",
		"arn:aws:logs:eu-west-1:12345678901x:log-group:g",
		"arn:aws:s3:eu-west-1:123456789012:log-group:g",
		"arn:aws:logs:eu-west-1:123456789012:log-group:",
		"arn:aws:logs:eu-west-1:123456789012:bucket:g", NULL
	};
	struct arn_group a;
	struct buf b = BUF_INIT;
	size_t i;

	CHECK(arn_parse("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/"
	    "lambda/f:*", &a) == 0, "a group's ARN, as DescribeLogGroups "
	    "gives it");
	CHECK_STR(a.account, "123456789012", "its account");
	CHECK(a.glen == 13 && strncmp(a.group, "/aws/lambda/f", 13) == 0,
	    "its group, without :* (glen %zu)", a.glen);
	CHECK_INT(a.idlen, strlen("arn:aws:logs:eu-west-1:123456789012:"
	    "log-group:/aws/lambda/f"), "its identifier, without :*");
	CHECK(a.stream == NULL, "no stream");
	CHECK(arn_parse("arn:aws-cn:logs:cn-north-1:210987654321:log-group:g:"
	    "log-stream:2026/12/07/[$LATEST]ab", &a) == 0 &&
	    strcmp(a.stream, "2026/12/07/[$LATEST]ab") == 0 && a.glen == 1 &&
	    strcmp(a.account, "210987654321") == 0, "a stream's ARN");
	for (i = 0; bad[i]; i++)
		CHECK(arn_parse(bad[i], &a) == -1, "not an ARN of a group: '%s'",
		    bad[i]);
	CHECK(arn_account_ok("123456789012") && !arn_account_ok("12345678901") &&
	    !arn_account_ok("1234567890123") && !arn_account_ok("12345678901a"),
	    "account ids: 12 digits");
	CHECK(arn_source_key(&b, NULL, "/g") == 0, "own group");
	CHECK_STR(buf_str(&b), "/g", "an own group's key is its name");
	buf_reset(&b);
	CHECK(arn_source_key(&b, "123456789012", "/g") == 0, "linked group");
	CHECK_STR(buf_str(&b), "123456789012:/g", "a linked group's key");
	buf_free(&b);
	CHECK(arn_source_group_ok("/g") && arn_source_group_ok("123456789012") &&
	    arn_source_group_ok("123456789012:/g"), "source groups");
	CHECK(!arn_source_group_ok("") && !arn_source_group_ok("a:b") &&
	    !arn_source_group_ok("123456789012:") &&
	    !arn_source_group_ok("12345678901:/g") &&
	    !arn_source_group_ok("123456789012:/g:s") &&
	    !arn_source_group_ok(":/g"), "not source groups");
}

int
main(void)
{
	test_buf();
	test_escape();
	test_swar();
	test_cursor();
	test_redact();
	test_idset();
	test_strmap();
	test_strmap_del();
	test_oom();
	test_arn();
	return unit_done("core");
}

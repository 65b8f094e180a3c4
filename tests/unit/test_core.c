/* buf, jsonx, cursor, log redaction. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cursor.h"
#include "err.h"
#include "jsonx.h"
#include "log.h"
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

int
main(void)
{
	test_buf();
	test_escape();
	test_cursor();
	test_redact();
	return unit_done("core");
}

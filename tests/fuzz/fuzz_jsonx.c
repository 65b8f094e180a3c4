/*
 * fuzz_jsonx: the JSON string escaper (jsonx_str), the UTF-8 check
 * (jsonx_valid_utf8) and the strict parser (jsonx_parse) on any bytes.
 *
 * Checks, against a decoder written here from RFC 3629 rather than the
 * library's: the escaped string is valid UTF-8 with no raw control
 * character; json-c parses it back as one string; that string is the
 * input with each byte that does not start a valid sequence replaced by
 * U+FFFD; jsonx_valid_utf8 agrees with the RFC. A value jsonx_parse
 * accepts prints as JSON that it accepts again.
 */
#include <stdint.h>

#include <json-c/json.h>

#include "buf.h"
#include "fuzz.h"
#include "jsonx.h"

/* Length of the well-formed UTF-8 sequence at s (RFC 3629, section 4),
 * or 0. */
static size_t
seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c <= 0x7f)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && s[1] >= 0x80 && s[1] <= 0xbf ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80,
		    hi = c == 0xed ? 0x9f : 0xbf;

		return n >= 3 && s[1] >= lo && s[1] <= hi && s[2] >= 0x80 &&
		    s[2] <= 0xbf ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80,
		    hi = c == 0xf4 ? 0x8f : 0xbf;

		return n >= 4 && s[1] >= lo && s[1] <= hi && s[2] >= 0x80 &&
		    s[2] <= 0xbf && s[3] >= 0x80 && s[3] <= 0xbf ? 4 : 0;
	}
	return 0;
}

static int
valid_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if ((k = seq_len(s + i, n - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

static void
check_escape(const uint8_t *data, size_t size)
{
	struct buf b = BUF_INIT, want = BUF_INIT;
	json_object *o;
	const char *why = NULL;
	size_t i, k;

	FUZZ_ASSERT(jsonx_str(&b, (const char *)data, size) == 0, "jsonx_str");
	FUZZ_ASSERT(b.len >= 2 && b.p[0] == '"' && b.p[b.len - 1] == '"',
	    "not quoted: %s", b.p);
	FUZZ_ASSERT(valid_utf8((const unsigned char *)b.p, b.len),
	    "the escaped string is not valid UTF-8");
	for (i = 0; i < b.len; i++)
		FUZZ_ASSERT((unsigned char)b.p[i] >= 0x20,
		    "raw control character 0x%02x at %zu", (unsigned char)b.p[i],
		    i);
	/* what the string must decode to */
	for (i = 0; i < size; i += k) {
		if ((k = seq_len(data + i, size - i)) == 0) {
			buf_add(&want, "\xef\xbf\xbd", 3);
			k = 1;
		} else {
			buf_add(&want, data + i, k);
		}
	}
	o = jsonx_parse(b.p, b.len, &why);
	FUZZ_ASSERT(o != NULL, "json-c rejects the escaped string: %s", why);
	FUZZ_ASSERT(json_object_is_type(o, json_type_string), "not a string");
	FUZZ_ASSERT((size_t)json_object_get_string_len(o) == want.len &&
	    memcmp(json_object_get_string(o), buf_str(&want), want.len) == 0,
	    "decodes to %d bytes, want %zu", json_object_get_string_len(o),
	    want.len);
	json_object_put(o);
	FUZZ_ASSERT(jsonx_valid_utf8((const char *)data, size) ==
	    (valid_utf8(data, size) && memchr(data, 0, size) == NULL),
	    "jsonx_valid_utf8 says %d", jsonx_valid_utf8((const char *)data,
	    size));
	buf_free(&b);
	buf_free(&want);
}

static void
check_parse(const uint8_t *data, size_t size)
{
	json_object *o, *o2;
	const char *why = NULL, *s;
	size_t n;

	if ((o = jsonx_parse((const char *)data, size, &why)) == NULL) {
		FUZZ_ASSERT(why != NULL && *why, "rejected with no reason");
		return;
	}
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
	FUZZ_ASSERT(s != NULL, "json-c cannot print what it parsed");
	o2 = jsonx_parse(s, n, &why);
	FUZZ_ASSERT(o2 != NULL, "'%s' is rejected when parsed again: %s", s,
	    why);
	FUZZ_ASSERT(json_object_get_type(o) == json_object_get_type(o2),
	    "the type changed");
	json_object_put(o2);
	json_object_put(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_escape(data, size);
	check_parse(data, size);
	return 0;
}

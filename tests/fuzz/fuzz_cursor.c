/*
 * fuzz_cursor: cursor, ack and checkpoint lines (cursor_parse), and
 * event lines whose @metadata.cursor is read.
 *
 * Checks: a rejected line is EXIT_REJECTED with a message; an accepted
 * cursor has a group and a stream, prints (cursor_to_json) as a line
 * that parses back and prints the same again, copies (cursor_copy)
 * equal, and compares equal to its copy (cursor_cmp). Printing makes
 * strings valid UTF-8 (jsonx_str), so a cursor whose strings are
 * valid UTF-8 must also come back unchanged from its line.
 */
#include <stdint.h>

#include "buf.h"
#include "cursor.h"
#include "err.h"
#include "fuzz.h"
#include "jsonx.h"

static int
streq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static int
clean(const char *s)
{
	return s == NULL || jsonx_valid_utf8(s, strlen(s));
}

/* Returns 1 if every string of c is valid UTF-8. */
static int
all_clean(const struct cursor *c)
{
	size_t i;

	if (!clean(c->group) || !clean(c->stream) || !clean(c->token))
		return 0;
	for (i = 0; i < c->nids; i++)
		if (!clean(c->ids[i]))
			return 0;
	return 1;
}

static void
same(const struct cursor *a, const struct cursor *b, const char *what)
{
	size_t i;

	FUZZ_ASSERT(streq(a->group, b->group), "%s: group", what);
	FUZZ_ASSERT(streq(a->stream, b->stream), "%s: stream", what);
	FUZZ_ASSERT(streq(a->token, b->token), "%s: token", what);
	FUZZ_ASSERT(a->token == NULL || a->skip == b->skip, "%s: skip %lld "
	    "and %lld", what, (long long)a->skip, (long long)b->skip);
	FUZZ_ASSERT(a->ts == b->ts, "%s: ts %lld and %lld", what,
	    (long long)a->ts, (long long)b->ts);
	FUZZ_ASSERT(a->n == b->n, "%s: n", what);
	FUZZ_ASSERT(a->nids == b->nids, "%s: %zu ids and %zu", what, a->nids,
	    b->nids);
	for (i = 0; i < a->nids; i++)
		FUZZ_ASSERT(streq(a->ids[i], b->ids[i]), "%s: ids[%zu]", what, i);
	FUZZ_ASSERT(cursor_cmp(a, b) == 0 && cursor_cmp(b, a) == 0,
	    "%s: cursor_cmp of equal cursors", what);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c, c2, c3;
	struct err e = ERR_INIT;
	struct buf j = BUF_INIT, j2 = BUF_INIT, key = BUF_INIT;

	if (cursor_parse((const char *)data, size, &c, &e) == -1) {
		FUZZ_ASSERT(e.code == EXIT_REJECTED && e.msg && *e.msg,
		    "rejected with code %d", e.code);
		err_clear(&e);
		return 0;
	}
	FUZZ_ASSERT(c.group && *c.group && c.stream && *c.stream,
	    "accepted without a group or a stream");
	FUZZ_ASSERT(cursor_to_json(&c, &j) == 0, "cursor_to_json");
	FUZZ_ASSERT(cursor_parse(j.p, j.len, &c2, &e) == 0,
	    "its own line '%s' is rejected: %s", j.p, err_msg(&e));
	if (all_clean(&c))
		same(&c, &c2, "parsed again");
	FUZZ_ASSERT(all_clean(&c2), "its line has strings that are not UTF-8");
	FUZZ_ASSERT(cursor_to_json(&c2, &j2) == 0, "cursor_to_json");
	FUZZ_ASSERT(j.len == j2.len && memcmp(j.p, j2.p, j.len) == 0,
	    "prints '%s' then '%s'", j.p, j2.p);
	FUZZ_ASSERT(cursor_copy(&c3, &c) == 0, "cursor_copy");
	same(&c, &c3, "copy");
	FUZZ_ASSERT(cursor_key(&c, &key) == 0 && key.len ==
	    strlen(c.group) + 1 + strlen(c.stream), "cursor_key");
	cursor_clear(&c);
	cursor_clear(&c2);
	cursor_clear(&c3);
	buf_free(&j);
	buf_free(&j2);
	buf_free(&key);
	return 0;
}

/*
 * fuzz_list: cwl-list's reading of DescribeLogGroups and
 * DescribeLogStreams answers (cmd/cwl-list/describe.c: list_page_check,
 * list_stream_wanted, in_shard) and what it writes of them
 * (cmd/cwl-list/output.c: out_group, out_stream, out_flush), the answer
 * read by aws_json_response as aws_json_call reads it.
 *
 * Input: a byte of options (bit 0: streams, else groups; bits 1-2: the
 * format, json, plain or table; bit 3: --active-since; bit 4: --pattern;
 * bit 5: a prefix; bits 6-7: --shard I/N with N = 2, 3 or 4), a byte for
 * the token sent (bits 0-1: none, "f/1", "" or "t") and the empty pages
 * so far (bits 2-7), then the answer's body.
 *
 * Checks: an answer of the wrong shape, a token that would repeat, or
 * too many empty pages is an error (EXIT_RUNTIME) naming the call, and
 * gives no token; otherwise the list is the answer's, and the next token
 * its nextToken, never empty, never the one sent; a server that gives
 * the same answer for ever ends the listing within MAX_EMPTY_PAGES + 1
 * pages. A stream kept passes the prefix, the pattern (fnmatch),
 * --active-since (an hour of slack on lastEventTimestamp) and its shard;
 * each stream is in exactly one shard. A JSON line is one object that
 * json-c reads, with the group's "logGroupName" (a stream's own member
 * of that name cannot take its place) and the answer's other members; a
 * plain line is the name (GROUP:STREAM for a stream); a table has a
 * header and a line per entry.
 */
#include <fnmatch.h>
#include <stdint.h>

#include <json-c/json.h>

#include "aws.h"
#include "buf.h"
#include "err.h"
#include "fuzz.h"
#include "http.h"
#include "json_oracle.h"
#include "jsonx.h"
#include "log.h"
#include "cwl-list/list.h"

struct list L;

#define GROUP "/aws/lambda/fn"
#define SINCE 1763892000000LL
#define SLACK 3600000LL

static const char *const sent_tokens[4] = { NULL, "f/1", "", "t" };

static int table_fd = -1;

/* What the spec says of an answer: 0 with *next (borrowed, or NULL at
 * the end), or -1. */
static int
expect(json_object *resp, const char *key, const char *sent, int *empties,
    const char **next)
{
	json_object *v = NULL, *t = NULL;
	size_t n = 0;

	*next = NULL;
	if (!json_object_is_type(resp, json_type_object))
		return -1;
	if (json_object_object_get_ex(resp, key, &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_array))
			return -1;
		n = json_object_array_length(v);
	}
	if (!json_object_object_get_ex(resp, "nextToken", &t) || t == NULL)
		return 0;
	if (!json_object_is_type(t, json_type_string))
		return -1;
	if (*json_object_get_string(t) == '\0')
		return 0;
	if (sent && strcmp(sent, json_object_get_string(t)) == 0)
		return n == 0 ? 0 : -1;
	if (n > 0)
		*empties = 0;
	else if (++*empties >= MAX_EMPTY_PAGES)
		return -1;
	*next = json_object_get_string(t);
	return 0;
}

static void
check_page(json_object *resp, const char *op, const char *key,
    const char *sent, int empties0, json_object **arr)
{
	struct err e = ERR_INIT;
	json_object *want = NULL, *again;
	const char *tok, *wnext;
	char *next = NULL, *prev = NULL;
	int r, w, empties = empties0, wempties = empties0, pages;

	*arr = NULL;
	r = list_page_check(op, GROUP, resp, key, sent, &empties, arr, &next,
	    &e);
	w = expect(resp, key, sent, &wempties, &wnext);
	FUZZ_ASSERT(r == w, "list_page_check gives %d, the spec %d: %s", r, w,
	    err_msg(&e));
	if (r == -1) {
		FUZZ_ASSERT(e.code == EXIT_RUNTIME && e.msg && strncmp(e.msg, op,
		    strlen(op)) == 0, "error %d: %s", e.code, err_msg(&e));
		FUZZ_ASSERT(next == NULL, "a token with an error");
		err_clear(&e);
		*arr = NULL;
		return;
	}
	if (json_object_object_get_ex(resp, key, &want) && want != NULL)
		FUZZ_ASSERT(*arr == want, "not the answer's %s", key);
	else
		FUZZ_ASSERT(*arr == NULL, "a list the answer has not");
	FUZZ_ASSERT(empties == wempties, "%d empty pages, the spec says %d",
	    empties, wempties);
	FUZZ_ASSERT((next == NULL) == (wnext == NULL) && (next == NULL ||
	    (strcmp(next, wnext) == 0 && *next && (sent == NULL ||
	    strcmp(next, sent) != 0))), "next token '%s', want '%s'",
	    next ? next : "(none)", wnext ? wnext : "(none)");

	/* the same answer again and again: the listing ends */
	for (pages = 1; next != NULL; pages++) {
		FUZZ_ASSERT(pages <= MAX_EMPTY_PAGES + 1, "%d pages of the same "
		    "answer and the listing goes on", pages);
		free(prev);
		prev = next;
		next = NULL;
		tok = prev;
		if (list_page_check(op, GROUP, resp, key, tok, &empties, &again,
		    &next, &e) == -1) {
			FUZZ_ASSERT(next == NULL, "a token with an error");
			err_clear(&e);
			break;
		}
	}
	free(prev);
	free(next);
}

/* The answer's entry e without its logGroupName, as a new object. */
/* The monitoring account's own group, as list_grp makes it of a line
 * without accountId. */
static const struct grp group = { GROUP, NULL, NULL, GROUP };

static json_object *
without_group(json_object *e)
{
	json_object *c = NULL;

	FUZZ_ASSERT(json_object_deep_copy(e, &c, NULL) == 0, "deep copy");
	json_object_object_del(c, "logGroupName");
	return c;
}

static void
check_json_line(json_object *e, int streams)
{
	json_object *o, *v, *a, *b;
	const char *line = buf_str(&L.out);
	size_t n = L.out.len;

	FUZZ_ASSERT(n > 0 && line[n - 1] == '\n' && memchr(line, '\n', n - 1)
	    == NULL, "not one line: %s", line);
	FUZZ_ASSERT(json_value(line, n - 1, &o) && json_object_is_type(o,
	    json_type_object), "not a JSON object: %s", line);
	if (streams) {
		FUZZ_ASSERT(json_object_object_get_ex(o, "logGroupName", &v) &&
		    json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), GROUP) == 0,
		    "the line's logGroupName is not the group: %s", line);
		a = without_group(o);
		b = without_group(e);
		FUZZ_ASSERT(json_object_equal(a, b), "the line is not the "
		    "answer's stream: %s", line);
		json_object_put(a);
		json_object_put(b);
	} else {
		FUZZ_ASSERT(json_object_equal(o, e), "the line is not the "
		    "answer's group: %s", line);
	}
	json_object_put(o);
}

/* Reads what out_flush wrote to the memory file on stdout. */
static void
check_table(size_t rows)
{
	char buf[65536];
	ssize_t k;
	size_t n = 0, lines = 0, i;

	if (lseek(table_fd, 0, SEEK_SET) == -1)
		abort();
	while ((k = read(table_fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)k;
	buf[n] = '\0';
	if (ftruncate(table_fd, 0) == -1 || lseek(table_fd, 0, SEEK_SET) == -1)
		abort();
	for (i = 0; i < n; i++)
		lines += buf[i] == '\n';
	if (rows == 0) {
		FUZZ_ASSERT(n == 0, "a table of nothing: %s", buf);
		return;
	}
	FUZZ_ASSERT(n > 0 && buf[n - 1] == '\n' && lines >= rows + 1 &&
	    (strncmp(buf, "NAME ", 5) == 0 || strncmp(buf, "GROUP ", 6) == 0),
	    "a table of %zu rows in %zu lines: %s", rows, lines, buf);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[64];

	log_init("fuzz_list");
	log_set_level(LOG_ERROR);
	/* the table is written to stdout: a file in memory */
	table_fd = fuzz_memfile("stdout", path);
	if (dup2(table_fd, STDOUT_FILENO) == -1)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t opts = fuzz_byte(&in), tb = fuzz_byte(&in);
	int streams = opts & 1, empties0 = (tb >> 2) * (MAX_EMPTY_PAGES - 1) /
	    63;
	const char *sent = sent_tokens[tb & 3], *op, *key, *name, *prefix;
	struct http_resp r;
	struct aws_error ae;
	json_object *resp = NULL, *arr = NULL, *e;
	size_t i, n, rows = 0;
	unsigned shard;
	int64_t it, ev;
	struct grp g;
	struct buf gkey = BUF_INIT;
	const char *plain;
	int wanted, in_one;

	memset(&L, 0, sizeof(L));
	L.mode = streams ? MODE_STREAMS : MODE_GROUPS;
	L.fmt = (opts >> 1 & 3) == 1 ? FMT_PLAIN : (opts >> 1 & 3) == 2 ?
	    FMT_TABLE : FMT_JSON;
	L.has_since = (opts & 8) != 0;
	L.since_ms = SINCE;
	L.pattern = opts & 16 ? "app-*[0-9]" : NULL;
	prefix = opts & 32 ? "app-" : NULL;
	L.shard_n = opts >> 6 ? (opts >> 6) + 1 : 0;
	L.shard_i = 1;
	op = streams ? "DescribeLogStreams" : "DescribeLogGroups";
	key = streams ? "logStreams" : "logGroups";

	memset(&r, 0, sizeof(r));
	r.status = 200;
	buf_add(&r.body, in.p, in.n);
	memset(&ae, 0, sizeof(ae));
	if (aws_json_response(&r, &resp, &ae) == -1) {
		FUZZ_ASSERT(ae.code && strcmp(ae.code, "InvalidResponse") == 0,
		    "a 200 that is not JSON gives %s", ae.code);
		aws_error_clear(&ae);
		http_resp_free(&r);
		return 0;
	}
	http_resp_free(&r);
	check_page(resp, op, key, sent, empties0, &arr);
	n = arr ? json_object_array_length(arr) : 0;
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		name = jsonx_get_str(e, streams ? "logStreamName" : "logGroupName",
		    NULL);
		if (name == NULL)
			continue;
		if (streams) {
			/* each stream in exactly one shard */
			if (L.shard_n) {
				for (shard = 1, in_one = 0; shard <= L.shard_n; shard++) {
					L.shard_i = shard;
					in_one += in_shard(GROUP, name);
				}
				FUZZ_ASSERT(in_one == 1, "%s in %d shards of %u", name,
				    in_one, L.shard_n);
				L.shard_i = 1;
			}
			wanted = list_stream_wanted(GROUP, name, e, prefix);
			it = jsonx_get_int(e, "lastIngestionTime", -1);
			ev = jsonx_get_int(e, "lastEventTimestamp", -1);
			FUZZ_ASSERT(wanted == ((prefix == NULL || strncmp(name,
			    prefix, strlen(prefix)) == 0) && (L.pattern == NULL ||
			    fnmatch(L.pattern, name, 0) == 0) && (!L.has_since ||
			    (it >= 0 && it >= SINCE) || (ev >= 0 &&
			    ev >= SINCE - SLACK)) && in_shard(GROUP, name)),
			    "%s: wanted %d", name, wanted);
			if (!wanted)
				continue;
			out_stream(&group, e);
		} else {
			list_grp(e, &g, &gkey);
			out_group(e, &g);
		}
		rows++;
		switch (L.fmt) {
		case FMT_JSON:
			check_json_line(e, streams);
			break;
		case FMT_PLAIN:
			if (streams)
				FUZZ_ASSERT(L.out.len == strlen(GROUP) + strlen(name) +
				    2 && memcmp(L.out.p, GROUP ":", strlen(GROUP) + 1)
				    == 0 && memcmp(L.out.p + strlen(GROUP) + 1, name,
				    strlen(name)) == 0 && L.out.p[L.out.len - 1] == '\n',
				    "plain: %s", L.out.p);
			else {
				/* a linked account's group is written as its
				 * ARN (logGroupIdentifier), any other by name */
				plain = g.ident ? NULL : g.key;
				FUZZ_ASSERT(plain == NULL || strcmp(plain, name) == 0,
				    "key %s of %s", g.key, name);
				FUZZ_ASSERT(plain == NULL ? L.out.len > 0 &&
				    L.out.p[L.out.len - 1] == '\n' :
				    L.out.len == strlen(plain) + 1 &&
				    strncmp(L.out.p, plain, strlen(plain)) == 0 &&
				    L.out.p[L.out.len - 1] == '\n', "plain: %s",
				    L.out.p);
			}
			break;
		case FMT_TABLE:
			FUZZ_ASSERT(L.out.len == 0, "a table written row by row");
			break;
		}
		buf_reset(&L.out);
	}
	if (L.fmt == FMT_TABLE) {
		out_flush(1);
		check_table(rows);
	}
	buf_free(&L.out);
	buf_free(&gkey);
	json_object_put(resp);
	return 0;
}

/*
 * fuzz_bulk: cwl-ship's reading of Elasticsearch _bulk answers
 * (cmd/cwl-ship/bulk.c: bulk_answer, bulk_words, bulk_array_length, and
 * scan_line and scan_member that it uses), with the core's hooks
 * (ship_accept, ship_reject, ...) played here, counting.
 *
 * Input: a status byte (below 0xb0: 200, else one of the table), a byte
 * for the number of documents (1 + b % 64), then the answer's body.
 *
 * Checks: every event of the batch is settled exactly once (accepted,
 * set aside, or sent again: one by one, or with the whole batch by
 * ship_retry_batch or ship_split), and the batch freed or handed on
 * exactly once; only 401 and 403 end the run, settling nothing. An
 * answer that json-c cannot read whole accepts nothing. Where the
 * top-level keys are plain and unique, an event is accepted only if
 * "errors" is false or its item says 2xx (409: a duplicate), and only if
 * there are as many items as documents; each item's fate follows its
 * status (429 and 5xx again, other 4xx set aside with words and the
 * error object as JSON). Words start with the status; a split needs two
 * events; the host rests exactly for 408, 429 and 5xx.
 */
#include <stdint.h>

#include <json-c/json.h>

#include "buf.h"
#include "err.h"
#include "fuzz.h"
#include "json_oracle.h"
#include "jsonx.h"
#include "log.h"
#include "cwl-ship/parse.h"

#define MAXDOCS 64

enum { NONE, ACCEPTED, DUPLICATE, REJECTED, RETRIED, TOO_MANY, BATCH, SPLIT };

static struct {
	struct batch *b;
	int fate[MAXDOCS];
	long status[MAXDOCS];
	int freed, handed, failed, retry_open;
	int batch_too_many;
} R;

static void
mine(const struct batch *b, size_t i, const char *what)
{
	FUZZ_ASSERT(b == R.b, "%s: not the batch sent", what);
	FUZZ_ASSERT(!R.freed && !R.handed, "%s after the batch was %s", what,
	    R.freed ? "freed" : "handed on");
	FUZZ_ASSERT(i < b->n, "%s: event %zu of %zu", what, i, b->n);
	FUZZ_ASSERT(R.fate[i] == NONE, "%s: event %zu settled twice (was %d)",
	    what, i, R.fate[i]);
}

static void
none_settled(const struct batch *b, const char *what)
{
	size_t i;

	FUZZ_ASSERT(b == R.b && !R.freed && !R.handed, "%s: batch", what);
	for (i = 0; i < b->n; i++)
		FUZZ_ASSERT(R.fate[i] == NONE, "%s: event %zu was settled already "
		    "(%d): it would be settled twice", what, i, R.fate[i]);
}

void
ship_accept(struct ship *s, struct batch *b, size_t i, int dup)
{
	mine(b, i, "ship_accept");
	R.fate[i] = dup ? DUPLICATE : ACCEPTED;
}

void
ship_reject(struct ship *s, struct batch *b, size_t i, long status,
    const char *reason, const char *error_json, size_t error_len)
{
	json_object *o;

	mine(b, i, "ship_reject");
	FUZZ_ASSERT(reason && *reason, "set aside with no reason");
	if (error_json) {
		FUZZ_ASSERT(json_value(error_json, error_len, &o) &&
		    json_object_is_type(o, json_type_object),
		    "the error is not a JSON object: %.*s", (int)error_len,
		    error_json);
		json_object_put(o);
	}
	R.fate[i] = REJECTED;
	R.status[i] = status;
}

void
ship_retry_event(struct ship *s, struct batch *b, size_t i, int too_many)
{
	mine(b, i, "ship_retry_event");
	R.fate[i] = too_many ? TOO_MANY : RETRIED;
	R.retry_open = 1;
}

void
ship_retry_flush(struct ship *s)
{
	R.retry_open = 0;
}

void
ship_retry_batch(struct ship *s, struct batch *b, int too_many,
    const char *why)
{
	size_t i;

	none_settled(b, "ship_retry_batch");
	FUZZ_ASSERT(why && strncmp(why, "POST ", 5) == 0, "why: %s", why);
	for (i = 0; i < b->n; i++)
		R.fate[i] = BATCH;
	R.batch_too_many = too_many;
	R.handed = 1;
}

void
ship_split(struct ship *s, struct batch *b)
{
	size_t i;

	none_settled(b, "ship_split");
	FUZZ_ASSERT(b->n > 1, "a batch of one event split");
	for (i = 0; i < b->n; i++)
		R.fate[i] = SPLIT;
	R.handed = 1;
}

void
ship_batch_free(struct ship *s, struct batch *b)
{
	size_t i;

	FUZZ_ASSERT(b == R.b && !R.freed && !R.handed, "batch freed twice, "
	    "or after it was handed on");
	if (!R.failed)
		for (i = 0; i < b->n; i++)
			FUZZ_ASSERT(R.fate[i] != NONE, "batch freed with event %zu "
			    "not settled", i);
	R.freed = 1;
}

void
ship_fail(struct ship *s, const struct err *e)
{
	FUZZ_ASSERT(e->code == EXIT_AUTH && e->msg && strncmp(e->msg, "POST ",
	    5) == 0, "fail: %d %s", e->code, err_msg(e));
	R.failed = 1;
}

/* The top-level keys of the answer: plain (no escapes) and unique? */
struct keys {
	char seen[16][16];
	size_t n;
	int odd;
};

static void
on_key(void *arg, int level, const unsigned char *k, size_t len)
{
	struct keys *ks = arg;
	size_t i;

	if (level != 1)
		return;
	if (memchr(k, '\\', len) != NULL || len > 15 || ks->n == 16) {
		ks->odd = 1;
		return;
	}
	for (i = 0; i < ks->n; i++)
		if (strlen(ks->seen[i]) == len && memcmp(ks->seen[i], k, len) == 0)
			ks->odd = 1;
	memcpy(ks->seen[ks->n], k, len);
	ks->seen[ks->n++][len] = '\0';
}

/* The status of an item as the answer says it: of its first member. */
static long
item_status(json_object *it)
{
	if (!json_object_is_type(it, json_type_object))
		return 0;
	json_object_object_foreach(it, k, v) {
		(void)k;
		return json_object_is_type(v, json_type_object) ?
		    (long)jsonx_get_int(v, "status", 0) : 0;
	}
	return 0;
}

static void
check_items(const char *body, size_t len, size_t n)
{
	json_object *o, *its = NULL, *errs = NULL;
	struct keys ks;
	int any = 0, plain, errors_false;
	size_t i;
	long st;

	json_value(body, len, &o);
	for (i = 0; i < n; i++)
		if (R.fate[i] == ACCEPTED || R.fate[i] == DUPLICATE)
			any = 1;
	FUZZ_ASSERT(!any || (o && json_object_is_type(o, json_type_object)),
	    "an answer json-c cannot read accepted events");
	memset(&ks, 0, sizeof(ks));
	plain = json_valid(body, len, NULL, on_key, &ks, NULL) && !ks.odd;
	if (!plain || o == NULL) {
		json_object_put(o);
		return;
	}
	its = jsonx_get(o, "items", json_type_array);
	json_object_object_get_ex(o, "errors", &errs);
	errors_false = errs && json_object_is_type(errs, json_type_boolean) &&
	    !json_object_get_boolean(errs);
	if (its == NULL || json_object_array_length(its) != n) {
		for (i = 0; i < n; i++)
			FUZZ_ASSERT(R.fate[i] == BATCH, "%zu items for %zu documents, "
			    "yet event %zu has fate %d", its ?
			    json_object_array_length(its) : 0, n, i, R.fate[i]);
		json_object_put(o);
		return;
	}
	for (i = 0; i < n; i++) {
		st = item_status(json_object_array_get_idx(its, i));
		switch (R.fate[i]) {
		case ACCEPTED:
			FUZZ_ASSERT(errors_false || (st >= 200 && st < 300),
			    "event %zu accepted, its item says %ld", i, st);
			break;
		case DUPLICATE:
			FUZZ_ASSERT(st == 409, "event %zu a duplicate, its item "
			    "says %ld", i, st);
			break;
		case TOO_MANY:
			FUZZ_ASSERT(st == 429, "event %zu too many, item %ld", i, st);
			break;
		case RETRIED:
			FUZZ_ASSERT(st == 0 || st >= 500, "event %zu again, its "
			    "item says %ld", i, st);
			break;
		case REJECTED:
			FUZZ_ASSERT(st != 0 && st != 409 && st != 429 && st < 500 &&
			    (st < 200 || st >= 300) && R.status[i] == st,
			    "event %zu set aside as %ld, its item says %ld", i,
			    R.status[i], st);
			break;
		default:
			FUZZ_ASSERT(0, "event %zu of a whole answer has fate %d",
			    i, R.fate[i]);
		}
	}
	json_object_put(o);
}

static void
check_array_length(const char *body, size_t len)
{
	json_object *o;
	size_t n;

	if (!json_valid(body, len, NULL, NULL, NULL, NULL))
		return;
	/* bulk_array_length wants the array alone, from its first byte */
	while (len > 0 && strchr(" \t\r\n", body[len - 1]))
		len--;
	while (len > 0 && strchr(" \t\r\n", *body))
		body++, len--;
	FUZZ_ASSERT(json_value(body, len, &o), "json-c cannot read what the "
	    "RFC allows");
	n = bulk_array_length(body, len);
	if (json_object_is_type(o, json_type_array))
		FUZZ_ASSERT(n == json_object_array_length(o), "%zu elements "
		    "counted, %zu there", n, json_object_array_length(o));
	else
		FUZZ_ASSERT(n == (size_t)-1, "not an array, counted %zu", n);
	json_object_put(o);
}

static const long statuses[16] = {
	200, 201, 202, 100, 302, 400, 401, 403, 404, 408, 409, 413, 429,
	500, 503, 599
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init("fuzz_bulk");
	log_set_level(LOG_ERROR);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct ship s;
	struct batch b;
	struct ev ev[MAXDOCS];
	struct buf words = BUF_INIT;
	uint8_t sb = fuzz_byte(&in);
	long st = sb < 0xb0 ? 200 : statuses[(sb - 0xb0) % 16];
	size_t n = 1 + fuzz_byte(&in) % MAXDOCS, i;
	char *body = fuzz_strndup(in.p, in.n);
	int rest;

	memset(&s, 0, sizeof(s));
	memset(&b, 0, sizeof(b));
	memset(ev, 0, sizeof(ev));
	memset(&R, 0, sizeof(R));
	for (i = 0; i < n; i++)
		ev[i].lineno = (int64_t)i + 1;
	b.ev = ev;
	b.n = b.cap = n;
	R.b = &b;

	rest = bulk_answer(&s, &b, st, in.n ? body : NULL, in.n,
	    "http://es:9200/_bulk");
	FUZZ_ASSERT(R.freed + R.handed == 1, "the batch was %s",
	    R.freed ? "freed and handed on" : "neither freed nor handed on");
	FUZZ_ASSERT(!R.retry_open, "events sent again with no "
	    "ship_retry_flush");
	FUZZ_ASSERT(rest == (st == 408 || st == 429 || st >= 500),
	    "status %ld: the host rests: %d", st, rest);
	FUZZ_ASSERT(R.failed == (st == 401 || st == 403), "status %ld: the run "
	    "ends: %d", st, R.failed);
	if (R.failed) {
		for (i = 0; i < n; i++)
			FUZZ_ASSERT(R.fate[i] == NONE, "settled, yet the run ends");
	} else {
		for (i = 0; i < n; i++)
			FUZZ_ASSERT(R.fate[i] != NONE, "event %zu of %zu not "
			    "settled (status %ld)", i, n, st);
	}
	if (st >= 200 && st < 300) {
		check_items(body, in.n, n);
	} else if (st == 408 || st == 429 || st >= 500) {
		FUZZ_ASSERT(R.fate[0] == BATCH && R.batch_too_many == (st == 429),
		    "status %ld: fate %d", st, R.fate[0]);
	} else if (!R.failed) {
		FUZZ_ASSERT(R.fate[0] == (n > 1 ? SPLIT : REJECTED), "status %ld, "
		    "%zu events: fate %d", st, n, R.fate[0]);
		FUZZ_ASSERT(n > 1 || R.status[0] == st, "set aside as %ld",
		    R.status[0]);
	}

	bulk_words(st, in.n ? body : NULL, in.n, &words);
	{
		char want[32];

		snprintf(want, sizeof(want), "%ld ", st);
		FUZZ_ASSERT(strncmp(buf_str(&words), want, strlen(want)) == 0,
		    "words '%s' for status %ld", buf_str(&words), st);
	}
	buf_free(&words);
	check_array_length(body, in.n);
	free(body);
	return 0;
}

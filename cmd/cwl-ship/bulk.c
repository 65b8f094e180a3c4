/*
 * bulk.c: what an answer to a _bulk request means for the events of its
 * batch (es.c sends the requests). By status:
 *
 *   408, 429, 5xx                   the whole batch again, after a backoff
 *   413 Request Entity Too Large    split in halves (one event: set aside)
 *   401, 403                        authentication refused: the run ends (4)
 *   other 4xx                       split until the culprit is alone
 *   2xx                             item by item:
 *     2xx         accepted
 *     409         already there (create with the same _id): accepted
 *     429, 5xx    that event again, after a backoff
 *     other 4xx   set aside with the server's reason (mapping errors)
 *
 * "The bulk API's response contains the individual results of each
 * operation in the request, returned in the order submitted." An answer
 * cut short, or with more or fewer items than documents, accepts
 * nothing: the whole batch goes again.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "jsonx.h"
#include "log.h"
#include "parse.h"

static const char *
reason_phrase(long status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Request Entity Too Large";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

/* "type: reason (caused by: ...)" of an Elasticsearch error object. */
static void
error_words(json_object *err, struct buf *out)
{
	const char *type, *reason;
	json_object *cb;

	if (json_object_is_type(err, json_type_string)) {
		buf_adds(out, json_object_get_string(err));
		return;
	}
	type = jsonx_get_str(err, "type", NULL);
	reason = jsonx_get_str(err, "reason", NULL);
	if (type)
		buf_printf(out, "%s%s", type, reason ? ": " : "");
	if (reason)
		buf_adds(out, reason);
	if ((cb = jsonx_get(err, "caused_by", json_type_object)) != NULL &&
	    (reason = jsonx_get_str(cb, "reason", NULL)) != NULL)
		buf_printf(out, " (caused by: %s%s%s)",
		    jsonx_get_str(cb, "type", ""),
		    jsonx_get_str(cb, "type", NULL) ? ": " : "", reason);
}

void
bulk_words(long st, const char *body, size_t len, struct buf *out)
{
	json_object *o, *err;
	const char *why, *msg;
	size_t n;

	buf_printf(out, "%ld %s", st, reason_phrase(st));
	if (body == NULL || len == 0)
		return;
	if ((o = jsonx_parse(body, len, &why)) != NULL) {
		if ((err = jsonx_get(o, "error", json_type_object)) != NULL ||
		    (err = jsonx_get(o, "error", json_type_string)) != NULL) {
			buf_adds(out, ": ");
			error_words(err, out);
		} else if ((msg = jsonx_get_str(o, "message", NULL)) != NULL ||
		    (msg = jsonx_get_str(o, "Message", NULL)) != NULL) {
			buf_printf(out, ": %s", msg);
		}
		json_object_put(o);
		return;
	}
	for (n = 0; n < len && n < 200 && body[n] != '\r' && body[n] != '\n' &&
	    body[n] != '\0'; n++)
		;
	buf_printf(out, ": %.*s", (int)n, body);
}

size_t
bulk_array_length(const char *p, size_t n)
{
	size_t i, count = 0;
	int depth = 0, instr = 0, empty = 1;

	if (n < 2 || p[0] != '[')
		return (size_t)-1;
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (instr) {
			if (c == '\\')
				i++;
			else if (c == '"')
				instr = 0;
			continue;
		}
		if (c == '"') {
			instr = 1;
		} else if (c == '[' || c == '{') {
			depth++;
		} else if (c == ']' || c == '}') {
			depth--;
		} else if (c == ',' && depth == 1) {
			count++;
		}
		if (depth >= 1 && c != ' ' && c != '\t' && c != '\n' &&
		    c != '\r' && !(depth == 1 && (c == '[' || c == ',')))
			empty = 0;
	}
	return empty ? 0 : count + 1;
}

/* A 2xx answer, item by item. */
static void
items(struct ship *s, struct batch *b, const char *body, size_t len,
    const char *where)
{
	json_object *o, *its, *it, *op, *err;
	const char *why;
	struct buf words = BUF_INIT;
	struct buf msg = BUF_INIT;
	size_t off, n, i;
	const char *errjs;
	struct scan sc;
	long st;

	/* The common case needs no parsing: "errors":false, in an answer
	 * that is whole (one valid JSON object: a body cut short is not an
	 * acceptance) and has one item per document. */
	if (scan_line(body, len, &sc) == 1 &&
	    scan_member(body, len, "errors", &off, &n) &&
	    n == 5 && memcmp(body + off, "false", 5) == 0 &&
	    scan_member(body, len, "items", &off, &n) &&
	    bulk_array_length(body + off, n) == b->n) {
		for (i = 0; i < b->n; i++)
			ship_accept(s, b, i, 0);
		ship_batch_free(s, b);
		return;
	}
	o = jsonx_parse(body, len, &why);
	its = o ? jsonx_get(o, "items", json_type_array) : NULL;
	n = its ? json_object_array_length(its) : 0;
	if (its == NULL || n != b->n) {
		buf_printf(&msg, "POST %s: the answer has %zu items for %zu "
		    "documents", where, n, b->n);
		json_object_put(o);
		ship_retry_batch(s, b, 0, buf_str(&msg));
		buf_free(&msg);
		return;
	}
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(its, i);
		op = NULL;
		if (json_object_is_type(it, json_type_object)) {
			json_object_object_foreach(it, k, v) {
				(void)k;
				op = v;
				break;
			}
		}
		st = op ? (long)jsonx_get_int(op, "status", 0) : 0;
		if (st >= 200 && st < 300) {
			ship_accept(s, b, i, 0);
		} else if (st == 409) {
			ship_accept(s, b, i, 1);
		} else if (st == 429 || st >= 500 || st == 0) {
			ship_retry_event(s, b, i, st == 429);
		} else {
			err = jsonx_get(op, "error", json_type_object);
			buf_reset(&words);
			if (err)
				error_words(err, &words);
			/* an error with no type or reason says nothing */
			if (words.len == 0)
				buf_printf(&words, "%ld %s", st,
				    reason_phrase(st));
			errjs = err ? json_object_to_json_string_ext(err,
			    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) :
			    NULL;
			log_debug("ship", "line %" PRId64 ": %ld %s",
			    b->ev[i].lineno, st, words.p);
			ship_reject(s, b, i, st, buf_str(&words), errjs,
			    errjs ? strlen(errjs) : 0);
		}
	}
	json_object_put(o);
	buf_free(&words);
	ship_retry_flush(s);
	ship_batch_free(s, b);
}

int
bulk_answer(struct ship *s, struct batch *b, long st, const char *body,
    size_t len, const char *where)
{
	struct buf msg = BUF_INIT, words = BUF_INIT;
	struct err e = ERR_INIT;
	int rest = 0;

	if (body == NULL)
		body = "", len = 0;
	if (st >= 200 && st < 300) {
		items(s, b, body, len, where);
		return 0;
	}
	bulk_words(st, body, len, &words);
	buf_printf(&msg, "POST %s: %s", where, buf_str(&words));
	if (st == 401 || st == 403) {
		err_set(&e, EXIT_AUTH, "%s", buf_str(&msg));
		ship_fail(s, &e);
		err_clear(&e);
		ship_batch_free(s, b);
	} else if (st == 408 || st == 429 || st >= 500) {
		rest = 1;
		ship_retry_batch(s, b, st == 429, buf_str(&msg));
	} else if (b->n > 1) {
		log_warn("%s; splitting the batch of %zu events", buf_str(&msg),
		    b->n);
		ship_split(s, b);
	} else {
		ship_reject(s, b, 0, st, buf_str(&words), NULL, 0);
		ship_batch_free(s, b);
	}
	buf_free(&msg);
	buf_free(&words);
	return rest;
}

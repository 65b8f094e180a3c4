/*
 * The two describe calls, paged to the end with the API's nextToken, under
 * one request budget: "DescribeLogStreams ... has a limit of five
 * transactions per second, after which transactions are throttled" (the
 * API reference), per account and region, so by default cwl-list spends
 * at most 4 calls a second on both. Throttling past that is retried by
 * aws_json_call with backoff.
 */
#include <errno.h>
#include <fnmatch.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arn.h"
#include "cli.h"
#include "jsonx.h"
#include "list.h"
#include "log.h"
#include "timex.h"
#include "hash.h"

#define PAGE 50		/* the most either call returns */
#define SLACK_MS 3600000	/* lastEventTimestamp can lag an hour */

void
list_pause(int64_t ms)
{
	struct pollfd p;
	struct timespec ts;
	int64_t end = timex_mono_ms() + ms, left;
	int r;

	while (!cli_stop && (left = end - timex_mono_ms()) > 0) {
		p.fd = STDOUT_FILENO;
		p.events = 0;
		p.revents = 0;
		r = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (r > 0 && (p.revents & (POLLERR | POLLHUP))) {
			log_debug("list", "stdout was closed");
			exit(0);
		}
		if (r > 0 && (p.revents & POLLNVAL)) {
			ts.tv_sec = left / 1000;
			ts.tv_nsec = (left % 1000) * 1000000L;
			nanosleep(&ts, NULL);
		}
	}
}

/* Takes one call from the token bucket, waiting for it if need be. */
static void
budget_take(void)
{
	double burst = L.rate > 1 ? L.rate : 1;
	int64_t now;

	if (L.rate <= 0)
		return;
	for (;;) {
		now = timex_mono_ms();
		if (L.tokens_at == 0)
			L.tokens = burst;
		else
			L.tokens += (double)(now - L.tokens_at) * L.rate / 1000.0;
		if (L.tokens > burst)
			L.tokens = burst;
		L.tokens_at = now;
		if (L.tokens >= 1 || cli_stop) {
			L.tokens -= 1;
			return;
		}
		list_pause((int64_t)((1 - L.tokens) * 1000.0 / L.rate) + 1);
	}
}

int
in_shard(const char *a, const char *b)
{
	return hash_in_shard(a, b, L.shard_i, L.shard_n);
}

/* One describe call. Returns 0 and *out, 1 for ResourceNotFoundException,
 * or -1 with e. */
static int
call(const char *op, json_object *in, json_object **out, struct err *e)
{
	struct aws_error ae;
	struct buf target = BUF_INIT;
	int r;

	budget_take();
	buf_printf(&target, "Logs_20140328.%s", op);
	L.calls++;
	r = aws_json_call(L.aws, "logs", buf_str(&target), "1.1", in, out, &ae, e);
	buf_free(&target);
	if (r == -1 && ae.code && strcmp(ae.code, "ResourceNotFoundException") == 0)
		r = 1;
	aws_error_clear(&ae);
	return r;
}

/* "an object", "a string", ...: what a JSON value is, for messages. */
static const char *
type_name(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_object: return "an object";
	case json_type_array: return "a list";
	case json_type_string: return "a string";
	case json_type_int:
	case json_type_double: return "a number";
	case json_type_boolean: return "a boolean";
	default: return "null";
	}
}

int
list_page_check(const char *op, const char *what, json_object *resp,
    const char *key, const char *sent, int *empties, json_object **arr,
    char **next, struct err *e)
{
	json_object *v, *t;
	const char *tok;
	size_t n;

	*arr = NULL;
	*next = NULL;
	if (!json_object_is_type(resp, json_type_object))
		return err_set(e, EXIT_RUNTIME, "%s %s: the answer is %s, "
		    "not an object", op, what, type_name(resp));
	if (json_object_object_get_ex(resp, key, &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_array))
			return err_set(e, EXIT_RUNTIME, "%s %s: %s in the "
			    "answer is %s, not a list", op, what, key,
			    type_name(v));
		*arr = v;
	}
	n = *arr ? json_object_array_length(*arr) : 0;
	if (!json_object_object_get_ex(resp, "nextToken", &t) || t == NULL)
		return 0;
	if (!json_object_is_type(t, json_type_string))
		return err_set(e, EXIT_RUNTIME, "%s %s: nextToken in the answer "
		    "is %s, not a string", op, what, type_name(t));
	tok = json_object_get_string(t);
	if (*tok == '\0')
		return 0;
	if (sent && strcmp(tok, sent) == 0) {
		if (n == 0)
			return 0;
		return err_set(e, EXIT_RUNTIME, "%s %s: the answer holds %zu "
		    "entries and the nextToken that was sent: the listing "
		    "would repeat for ever", op, what, n);
	}
	if (n > 0)
		*empties = 0;
	else if (++*empties >= MAX_EMPTY_PAGES)
		return err_set(e, EXIT_RUNTIME, "%s %s: %d empty pages in a "
		    "row, each with a new nextToken: giving up", op, what,
		    *empties);
	if ((*next = strdup(tok)) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	return 0;
}

static int
group_matches(const struct spec *s, const char *name)
{
	switch (s->kind) {
	case SPEC_EXACT:
		return strcmp(name, s->text) == 0;
	case SPEC_PREFIX:
		return strncmp(name, s->prefix, strlen(s->prefix)) == 0;
	case SPEC_GLOB:
		return fnmatch(s->text, name, 0) == 0;
	}
	return 0;
}

/* Adds to a group object of DescribeLogGroups its owner, "accountId",
 * from its ARN, and, for a group of another account than the monitoring
 * account, "logGroupIdentifier": the ARN without ":*", by which it is
 * read. A listing without includeLinkedAccounts holds the monitoring
 * account's own groups only: the first one names it. */
static void
annotate(json_object *g, int linked)
{
	struct arn_group a;
	const char *arn = jsonx_get_str(g, "arn", NULL);
	char *id;

	if (arn == NULL || arn_parse(arn, &a) == -1 || a.stream)
		return;
	json_object_object_add(g, "accountId", json_object_new_string(a.account));
	if (!linked) {
		if (L.own == NULL && (L.own = strdup(a.account)) == NULL)
			log_oom();
		return;
	}
	if (L.own && strcmp(L.own, a.account) == 0)
		return;
	if ((id = strndup(arn, a.idlen)) == NULL)
		return;
	json_object_object_add(g, "logGroupIdentifier", json_object_new_string(id));
	free(id);
}

/* Learns the monitoring account's id from one of its own groups, once:
 * with includeLinkedAccounts its groups and its source accounts' come
 * alike. An account with no group of its own has none to tell apart.
 * Returns 0 or -1 with e. */
static int
own_account(struct err *e)
{
	json_object *in, *resp, *arr;

	if (L.own)
		return 0;
	if ((in = json_object_new_object()) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	json_object_object_add(in, "limit", json_object_new_int(1));
	if (call("DescribeLogGroups", in, &resp, e) != 0) {
		json_object_put(in);
		if (!cli_stop)
			err_prefix(e, "the monitoring account's log groups");
		return -1;
	}
	json_object_put(in);
	if ((arr = jsonx_get(resp, "logGroups", json_type_array)) != NULL &&
	    json_object_array_length(arr) > 0)
		annotate(json_object_array_get_idx(arr, 0), 0);
	json_object_put(resp);
	return 0;
}

void
list_grp(json_object *o, struct grp *g, struct buf *b)
{
	g->name = jsonx_get_str(o, "logGroupName", "");
	g->ident = jsonx_get_str(o, "logGroupIdentifier", NULL);
	g->account = jsonx_get_str(o, "accountId", NULL);
	buf_reset(b);
	if (arn_source_key(b, g->ident ? g->account : NULL, g->name) == -1)
		log_oom();
	g->key = buf_str(b);
}

/* The DescribeLogGroups request for a page (token: NULL for the first).
 * Returns NULL when out of memory. */
static json_object *
groups_request(const struct spec *s, int one, const char *token)
{
	json_object *in;
	size_t i;

	if ((in = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(in, "limit", json_object_new_int(
	    one ? 1 : PAGE));
	if (s->linked) {
		json_object_object_add(in, "includeLinkedAccounts",
		    json_object_new_boolean(1));
		if (s->naccounts) {
			json_object *ids = json_object_new_array();

			for (i = 0; i < s->naccounts; i++)
				json_object_array_add(ids,
				    json_object_new_string(s->accounts[i]));
			json_object_object_add(in, "accountIdentifiers", ids);
		}
	}
	if (*s->prefix)
		json_object_object_add(in, "logGroupNamePrefix",
		    json_object_new_string(s->prefix));
	if (token)
		json_object_object_add(in, "nextToken",
		    json_object_new_string(token));
	return in;
}

/* Hands the groups of a page (arr) that match to fn. Returns 1 if one
 * matched, 0 if none did, -1 when fn failed. */
static int
groups_page(const struct spec *s, json_object *arr,
    int (*fn)(json_object *g, void *arg), void *arg)
{
	json_object *g;
	const char *name;
	size_t i, n, nameless = 0;
	int found = 0;

	n = arr ? json_object_array_length(arr) : 0;
	for (i = 0; i < n; i++) {
		g = json_object_array_get_idx(arr, i);
		name = jsonx_get_str(g, "logGroupName", NULL);
		if (name == NULL) {
			nameless++;
			continue;
		}
		if (!group_matches(s, name))
			continue;
		found = 1;
		annotate(g, s->linked);
		if (fn(g, arg) == -1)
			return -1;
	}
	if (nameless)
		log_warn("DescribeLogGroups %s: %zu of %zu entries have no "
		    "logGroupName string; skipped",
		    *s->text ? s->text : "*", nameless, n);
	return found;
}

int
list_groups(const struct spec *s, int (*fn)(json_object *g, void *arg),
    void *arg, struct err *e)
{
	json_object *in, *resp, *arr;
	char *token = NULL, *next;
	int r, found = 0, empties = 0;
	/* the exact name, if it exists, comes first among those that start
	 * with it: one group is enough, unless several accounts have it */
	int one = s->kind == SPEC_EXACT && !s->linked;

	if (s->linked && own_account(e) == -1)
		return -1;
	do {
		if ((in = groups_request(s, one, token)) == NULL)
			return err_set(e, EXIT_RUNTIME, "out of memory");
		r = call("DescribeLogGroups", in, &resp, e);
		json_object_put(in);
		if (r != 0) {
			free(token);
			if (r == 1)
				return err_set(e, EXIT_RUNTIME, "DescribeLogGroups "
				    "%s: %s", s->text, err_msg(e));
			if (!cli_stop)
				err_prefix(e, "log groups %s", *s->text ? s->text : "*");
			return -1;
		}
		if (list_page_check("DescribeLogGroups", *s->text ? s->text : "*",
		    resp, "logGroups", token, &empties, &arr, &next, e) == -1) {
			json_object_put(resp);
			free(token);
			return -1;
		}
		if (one) {
			free(next);
			next = NULL;
		}
		if ((r = groups_page(s, arr, fn, arg)) == -1) {
			json_object_put(resp);
			free(token);
			free(next);
			return -1;
		}
		if (r)
			found = 1;
		json_object_put(resp);
		free(token);
		token = next;
		out_flush(0);
	} while (token && !cli_stop);
	free(token);
	return s->kind == SPEC_EXACT && !found ? 1 : 0;
}

/* Returns 1 if the stream has had events since --active-since: ingested
 * at or after it, or with a lastEventTimestamp within an hour before it,
 * since "lastEventTimestamp updates on an eventual consistency basis. It
 * typically updates in less than an hour from ingestion" (API reference). */
static int
active(json_object *st)
{
	int64_t it, ev;

	if (!L.has_since)
		return 1;
	it = jsonx_get_int(st, "lastIngestionTime", -1);
	ev = jsonx_get_int(st, "lastEventTimestamp", -1);
	return (it >= 0 && it >= L.since_ms) ||
	    (ev >= 0 && ev >= L.since_ms - SLACK_MS);
}

int
list_stream_wanted(const char *group, const char *name, json_object *st,
    const char *prefix)
{
	return (prefix == NULL || strncmp(name, prefix, strlen(prefix)) == 0) &&
	    (L.pattern == NULL || fnmatch(L.pattern, name, 0) == 0) &&
	    active(st) && in_shard(group, name);
}

/* The part of a glob before its first wildcard. */
static size_t
literal_len(const char *glob)
{
	return strcspn(glob, "*?[\\");
}

/* The prefix DescribeLogStreams is given: the local one, else the
 * literal start of --pattern. None with orderBy LastEventTime: AWS
 * refuses a prefix with it, and the prefix is then applied here.
 * Returns it (the caller frees), or NULL. */
static char *
streams_api_prefix(const char *local_prefix)
{
	if (L.order_last)
		return NULL;
	if (local_prefix)
		return strdup(local_prefix);
	if (L.pattern && literal_len(L.pattern) > 0)
		return strndup(L.pattern, literal_len(L.pattern));
	return NULL;
}

/* The DescribeLogStreams request for a page (token: NULL for the first;
 * count: the streams listed so far). Returns NULL when out of memory. */
static json_object *
streams_request(const struct grp *g, const char *api_prefix,
    const char *local_prefix, long count, const char *token)
{
	json_object *in;
	long page;

	if ((in = json_object_new_object()) == NULL)
		return NULL;
	/* never both: "If you specify values for both logGroupName
	 * and logGroupIdentifier, the action returns an
	 * InvalidParameterException error." */
	json_object_object_add(in, g->ident ? "logGroupIdentifier" :
	    "logGroupName", json_object_new_string(g->ident ? g->ident :
	    g->name));
	page = PAGE;
	if (L.limit > 0 && L.limit - count < page && !L.has_since &&
	    !L.pattern && L.shard_n == 0 && !(L.order_last && local_prefix))
		page = L.limit - count;
	json_object_object_add(in, "limit", json_object_new_int((int)page));
	if (L.order_last) {
		json_object_object_add(in, "orderBy",
		    json_object_new_string("LastEventTime"));
		json_object_object_add(in, "descending",
		    json_object_new_boolean(1));
	} else if (api_prefix) {
		json_object_object_add(in, "logStreamNamePrefix",
		    json_object_new_string(api_prefix));
	}
	if (token)
		json_object_object_add(in, "nextToken",
		    json_object_new_string(token));
	return in;
}

/* Hands the wanted streams of a page (arr) to fn, up to --limit
 * (*count: the streams listed so far). Returns 0, or -1 when fn failed. */
static int
streams_page(const struct grp *g, json_object *arr, const char *local_prefix,
    long *count, int (*fn)(const struct grp *g, json_object *s, void *arg),
    void *arg)
{
	json_object *st;
	const char *name;
	size_t i, n, nameless = 0;

	n = arr ? json_object_array_length(arr) : 0;
	for (i = 0; i < n && (L.limit == 0 || *count < L.limit); i++) {
		st = json_object_array_get_idx(arr, i);
		name = jsonx_get_str(st, "logStreamName", NULL);
		if (name == NULL) {
			nameless++;
			continue;
		}
		if (!list_stream_wanted(g->key, name, st, local_prefix))
			continue;
		(*count)++;
		if (fn(g, st, arg) == -1)
			return -1;
	}
	if (nameless)
		log_warn("DescribeLogStreams %s: %zu of %zu entries have "
		    "no logStreamName string; skipped", g->ident ? g->ident :
		    g->name, nameless, n);
	return 0;
}

int
list_streams(const struct grp *g, const char *stream_prefix,
    int (*fn)(const struct grp *g, json_object *s, void *arg), void *arg,
    struct err *e)
{
	const char *group = g->ident ? g->ident : g->name;
	json_object *in, *resp, *arr;
	char *token = NULL, *next, *api_prefix;
	const char *local_prefix;
	long count = 0;
	int r, empties = 0;

	local_prefix = L.prefix ? L.prefix : stream_prefix;
	api_prefix = streams_api_prefix(local_prefix);
	do {
		if ((in = streams_request(g, api_prefix, local_prefix, count,
		    token)) == NULL) {
			free(api_prefix);
			free(token);
			return err_set(e, EXIT_RUNTIME, "out of memory");
		}
		r = call("DescribeLogStreams", in, &resp, e);
		json_object_put(in);
		if (r != 0) {
			free(token);
			free(api_prefix);
			if (r == 1)
				err_clear(e);	/* the caller says it */
			else if (!cli_stop)
				err_prefix(e, "log group %s", group);
			return r;
		}
		if (list_page_check("DescribeLogStreams", group, resp, "logStreams",
		    token, &empties, &arr, &next, e) == -1) {
			json_object_put(resp);
			free(token);
			free(api_prefix);
			return -1;
		}
		if (streams_page(g, arr, local_prefix, &count, fn, arg) == -1) {
			json_object_put(resp);
			free(token);
			free(next);
			free(api_prefix);
			return -1;
		}
		if (L.limit > 0 && count >= L.limit) {
			free(next);
			next = NULL;
		}
		json_object_put(resp);
		free(token);
		token = next;
		out_flush(0);
	} while (token && !cli_stop);
	free(token);
	free(api_prefix);
	return 0;
}

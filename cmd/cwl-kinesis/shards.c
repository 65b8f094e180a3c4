/*
 * The shards of the stream: listing them, the order resharding imposes,
 * and the requests that read them.
 *
 * "When you reshard, ... the parent shards and the child shards: ... read
 * all data from the parent shard before you start reading the child"
 * (the Kinesis developer guide, as the KCL does it): a shard is read only
 * once each of its parents is finished, that is read to its end (no
 * NextShardIterator) in this run, or gone past the retention period (not
 * listed). A child's checkpoint does not prove its parents finished: the
 * shipper acks each shard on its own, so the end of a parent may not be
 * acked when a child's first events are. After a restart a closed parent
 * is read again from its checkpoint, which costs one or two requests when
 * it was read to its end.
 *
 * Each shard is read on its own schedule, its requests in flight beside
 * the others' (curl's multi interface). A shard's reads keep within
 * Kinesis's limits for it: at most five GetRecords in any second, and 2
 * MB a second ("Each shard can support up to five read transactions per
 * second ... up to a maximum total data read rate of 2 MB per second");
 * what another reader of the shard takes comes back as
 * ProvisionedThroughputExceededException, retried with backoff. A shard
 * at its tip is read again after the poll interval.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jsonx.h"
#include "kinesis.h"
#include "log.h"
#include "timex.h"

#define MAX_GET_PER_SEC 5
#define MAX_BYTES_PER_SEC 2097152.0

struct shard *
shard_find(const char *id)
{
	size_t i;

	for (i = 0; i < K.nsh; i++)
		if (strcmp(K.sh[i]->id, id) == 0)
			return K.sh[i];
	return NULL;
}

static char *
dup_or_null(const char *s)
{
	char *d;

	if (s == NULL || *s == '\0')
		return NULL;
	if ((d = strdup(s)) == NULL)
		log_oom();
	return d;
}

static struct shard *
shard_add(const char *id, const char *parent, const char *adjacent)
{
	struct shard *sh, **v;

	if ((sh = shard_find(id)) != NULL)
		return sh;
	if (K.nsh == K.capsh) {
		K.capsh = K.capsh ? K.capsh * 2 : 16;
		if ((v = realloc(K.sh, K.capsh * sizeof(*v))) == NULL)
			log_oom();
		K.sh = v;
	}
	if ((sh = calloc(1, sizeof(*sh))) == NULL)
		log_oom();
	sh->id = dup_or_null(id);
	sh->parent = dup_or_null(parent);
	sh->adjacent = dup_or_null(adjacent);
	sh->state = SH_WAIT;
	sh->budget = MAX_BYTES_PER_SEC;
	sh->budget_t = timex_mono_ms();
	K.sh[K.nsh++] = sh;
	log_debug("kinesis", "%s: shard %s (parents %s, %s)", K.stream, id,
	    parent ? parent : "-", adjacent ? adjacent : "-");
	return sh;
}

/* A parent is finished when it is read to its end, or not there. */
static int
finished(const char *id)
{
	struct shard *p;

	if (id == NULL)
		return 1;
	p = shard_find(id);
	return p == NULL || p->state == SH_DONE;
}

/* Takes the checkpoints of --resume for the shards listed. */
static void
resume_apply(void)
{
	struct shard *sh;
	size_t i;

	for (i = 0; i < K.nresume; i++) {
		struct cursor *c = &K.resume[i];

		if ((sh = shard_find(c->stream)) == NULL) {
			log_debug("kinesis", "%s: the checkpoint of shard %s: no such shard "
			    "now (past the retention period)", K.stream, c->stream);
			continue;
		}
		if (c->token == NULL || *c->token == '\0' || c->skip < 0) {
			log_warn("%s: the checkpoint of shard %s has no sequence "
			    "number; reading the shard from its start", K.stream,
			    sh->id);
			continue;
		}
		sh->seq = dup_or_null(c->token);
		sh->skip = c->skip;
		sh->drop = c->skip;
		sh->ts = c->ts;
		sh->n = c->n;
		sh->resumed = 1;
	}
}

/* Shards whose parents are finished become ready. */
static void
wake(void)
{
	int64_t now = timex_mono_ms();
	struct shard *sh;
	size_t i;

	if (K.leases)
		return;		/* lease.c decides */
	for (i = 0; i < K.nsh; i++) {
		sh = K.sh[i];
		if (sh->state != SH_WAIT)
			continue;
		if (finished(sh->parent) && finished(sh->adjacent)) {
			sh->state = SH_READY;
			sh->due = now;
		}
	}
}

/* "ListShards STREAM: why", from what aws_json_call said. */
static void
list_error(const struct aws_error *ae, struct err *e)
{
	struct buf b = BUF_INIT;
	const char *m = err_msg(e);
	int code = e->code;

	if (ae->status != 0 || ae->code == NULL ||
	    strcmp(ae->code, "NetworkError") != 0) {
		buf_printf(&b, "ListShards %s", K.stream);
		aws_error_to_err(ae, e, buf_str(&b));
	} else {
		/* http_send's words, after "ListShards: " */
		if (strncmp(m, "ListShards: ", 12) == 0)
			m += 12;
		buf_printf(&b, "ListShards %s: network error: %s", K.stream, m);
		err_set(e, code ? code : EXIT_RUNTIME, "%s", buf_str(&b));
	}
	buf_free(&b);
}

int
shards_list(struct err *e)
{
	static int first = 1;
	json_object *in, *out = NULL, *list;
	const char *next = NULL;
	struct aws_error ae;
	size_t i, n;
	char *tok = NULL;

	for (i = 0; i < K.nsh; i++)
		K.sh[i]->listed = 0;
	do {
		if ((in = json_object_new_object()) == NULL)
			log_oom();
		if (tok)
			json_object_object_add(in, "NextToken",
			    json_object_new_string(tok));
		else
			json_object_object_add(in, "StreamName",
			    json_object_new_string(K.stream));
		free(tok);
		tok = NULL;
		K.requests++;
		if (aws_json_call(K.aws, "kinesis", "Kinesis_20131202.ListShards",
		    "1.1", in, &out, &ae, e) == -1) {
			json_object_put(in);
			list_error(&ae, e);
			aws_error_clear(&ae);
			return -1;
		}
		json_object_put(in);
		list = jsonx_get(out, "Shards", json_type_array);
		n = list ? json_object_array_length(list) : 0;
		for (i = 0; i < n; i++) {
			json_object *s = json_object_array_get_idx(list, i);
			json_object *r = jsonx_get(s, "SequenceNumberRange",
			    json_type_object);
			const char *id = jsonx_get_str(s, "ShardId", NULL);
			struct shard *sh;

			if (id == NULL || *id == '\0')
				continue;
			sh = shard_add(id, jsonx_get_str(s, "ParentShardId", NULL),
			    jsonx_get_str(s, "AdjacentParentShardId", NULL));
			sh->listed = 1;
			if (r && jsonx_get_str(r, "EndingSequenceNumber", NULL))
				sh->closed = 1;
		}
		next = jsonx_get_str(out, "NextToken", NULL);
		tok = next ? strdup(next) : NULL;
		json_object_put(out);
		out = NULL;
	} while (tok);
	if (first) {
		first = 0;
		resume_apply();
	}
	wake();
	return 0;
}

/* --- requests ----------------------------------------------------------- */

static int
add_str(struct buf *b, const char *name, const char *v)
{
	return buf_printf(b, ",\"%s\":", name) | jsonx_strz(b, v);
}

static struct http_req *
build(struct shard *sh, const char **op, struct err *e)
{
	struct http_req *r;
	struct buf b = BUF_INIT;
	int rc = 0;

	if (sh->iter) {
		*op = "GetRecords";
		rc |= buf_adds(&b, "{\"ShardIterator\":");
		rc |= jsonx_strz(&b, sh->iter);
		if (K.limit > 0)
			rc |= buf_printf(&b, ",\"Limit\":%ld", K.limit);
	} else {
		*op = "GetShardIterator";
		rc |= buf_adds(&b, "{\"StreamName\":");
		rc |= jsonx_strz(&b, K.stream);
		rc |= add_str(&b, "ShardId", sh->id);
		if (sh->seq) {
			/* after the checkpoint: past the whole record, or at
			 * it with its first events dropped */
			rc |= add_str(&b, "ShardIteratorType", sh->skip > 0 ?
			    "AT_SEQUENCE_NUMBER" : "AFTER_SEQUENCE_NUMBER");
			rc |= add_str(&b, "StartingSequenceNumber", sh->seq);
			sh->drop = sh->skip;
		} else if (K.since >= 0) {
			rc |= add_str(&b, "ShardIteratorType", "AT_TIMESTAMP");
			rc |= buf_printf(&b, ",\"Timestamp\":%lld.%03lld",
			    (long long)(K.since / 1000),
			    (long long)(K.since % 1000));
		} else {
			rc |= add_str(&b, "ShardIteratorType", "TRIM_HORIZON");
		}
	}
	rc |= buf_addc(&b, '}');
	if (rc) {
		buf_free(&b);
		log_oom();
	}
	r = aws_json_request(K.aws, "kinesis", sh->iter ?
	    "Kinesis_20131202.GetRecords" : "Kinesis_20131202.GetShardIterator",
	    "1.1", buf_str(&b), e);
	buf_free(&b);
	return r;
}

/* The earliest time the shard's limits let it be read again. */
static int64_t
allowed_at(struct shard *sh, int64_t now)
{
	int64_t t = now, oldest;

	if (sh->iter == NULL)
		return t;
	if (sh->ncall >= MAX_GET_PER_SEC) {
		oldest = sh->calls[sh->ncall % MAX_GET_PER_SEC];
		if (oldest + 1000 > t)
			t = oldest + 1000;
	}
	if (sh->budget < 0) {
		int64_t pay = (int64_t)(-sh->budget * 1000 / MAX_BYTES_PER_SEC) + 1;

		if (sh->budget_t + pay > t)
			t = sh->budget_t + pay;
	}
	return t;
}

static void
start(struct shard *sh, int64_t now)
{
	struct err e = ERR_INIT;
	struct http_req *req;
	const char *op;

	if ((req = build(sh, &op, &e)) == NULL) {
		cli_fail(&K.fail, e.code, "%s %s/%s: %s", op, K.stream, sh->id,
		    err_msg(&e));
		err_clear(&e);
		return;
	}
	if (http_multi_add(K.multi, req, sh) == -1) {
		cli_fail(&K.fail, EXIT_RUNTIME, "%s: cannot start a request: "
		    "%s", op, err_msg(http_multi_error(K.multi)));
		return;
	}
	if (sh->iter)
		sh->calls[sh->ncall++ % MAX_GET_PER_SEC] = now;
	sh->state = SH_FLIGHT;
	K.flight++;
	K.requests++;
}

void
shards_start(int64_t now)
{
	struct shard *sh;
	size_t i;
	int64_t at;

	for (i = 0; i < K.nsh && !K.stopping; i++) {
		sh = K.sh[i];
		if (sh->state != SH_READY || sh->due > now ||
		    !lease_ok(sh, now))
			continue;
		if ((at = allowed_at(sh, now)) > now) {
			sh->due = at;
			continue;
		}
		if (K.flight >= K.max_flight)
			break;
		start(sh, now);
	}
}

int64_t
shards_wakeup(int64_t now, int64_t cap)
{
	int64_t t = cap;
	size_t i;

	for (i = 0; i < K.nsh; i++)
		if (K.sh[i]->state == SH_READY && K.sh[i]->due - now < t)
			t = K.sh[i]->due > now ? K.sh[i]->due - now : 0;
	if (K.follow && K.refresh > 0 && K.next_list - now < t)
		t = K.next_list > now ? K.next_list - now : 0;
	if (K.leases && K.next_lease - now < t)
		t = K.next_lease > now ? K.next_lease - now : 0;
	return t;
}

int
shards_all_done(void)
{
	size_t i;

	if (K.follow)
		return 0;
	for (i = 0; i < K.nsh; i++)
		if (K.sh[i]->state == SH_READY || K.sh[i]->state == SH_FLIGHT)
			return 0;
	return 1;
}

/* --- answers ------------------------------------------------------------ */

/* A shard read to its end: its children may start. */
static void
shard_ended(struct shard *sh, json_object *kids)
{
	size_t i, n = kids ? json_object_array_length(kids) : 0;

	sh->state = SH_DONE;
	free(sh->iter);
	sh->iter = NULL;
	log_debug("kinesis", "%s/%s: read to its end", K.stream, sh->id);
	for (i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(kids, i);
		json_object *ps = jsonx_get(c, "ParentShards", json_type_array);
		const char *id = jsonx_get_str(c, "ShardId", NULL);
		const char *p0 = NULL, *p1 = NULL;

		if (id == NULL || *id == '\0')
			continue;
		if (ps && json_object_array_length(ps) > 0)
			p0 = json_object_get_string(json_object_array_get_idx(ps, 0));
		if (ps && json_object_array_length(ps) > 1)
			p1 = json_object_get_string(json_object_array_get_idx(ps, 1));
		shard_add(id, p0 ? p0 : sh->id, p1)->listed = 1;
	}
	wake();
}

static void
on_iterator(struct shard *sh, json_object *out)
{
	const char *it = jsonx_get_str(out, "ShardIterator", NULL);

	if (it == NULL || *it == '\0') {
		/* "null if the requested shard is closed" past its end */
		shard_ended(sh, NULL);
		return;
	}
	if ((sh->iter = strdup(it)) == NULL)
		log_oom();
	sh->state = SH_READY;
	sh->due = timex_mono_ms();
}

static void
on_records(struct shard *sh, json_object *out, size_t body_len)
{
	json_object *recs = jsonx_get(out, "Records", json_type_array);
	const char *next = jsonx_get_str(out, "NextShardIterator", NULL);
	int64_t behind = jsonx_get_int(out, "MillisBehindLatest", -1);
	int64_t now = timex_mono_ms();
	size_t i, n = recs ? json_object_array_length(recs) : 0;

	for (i = 0; i < n; i++) {
		json_object *r = json_object_array_get_idx(recs, i);
		json_object *d = jsonx_get(r, "Data", json_type_string);
		const char *seq = jsonx_get_str(r, "SequenceNumber", NULL);

		if (seq == NULL || *seq == '\0' || d == NULL) {
			cli_fail(&K.fail, EXIT_RUNTIME, "GetRecords %s/%s: a "
			    "record without SequenceNumber or Data", K.stream,
			    sh->id);
			return;
		}
		record_take(sh, seq, json_object_get_string(d),
		    (size_t)json_object_get_string_len(d));
	}
	out_flush();
	/* the bytes read come out of the shard's 2 MB a second */
	sh->budget += (double)(now - sh->budget_t) * MAX_BYTES_PER_SEC / 1000;
	if (sh->budget > MAX_BYTES_PER_SEC)
		sh->budget = MAX_BYTES_PER_SEC;
	sh->budget -= (double)body_len * 3 / 4;
	sh->budget_t = now;
	free(sh->iter);
	sh->iter = NULL;
	if (next == NULL || *next == '\0') {
		shard_ended(sh, jsonx_get(out, "ChildShards", json_type_array));
		return;
	}
	if ((sh->iter = strdup(next)) == NULL)
		log_oom();
	sh->state = SH_READY;
	if (behind == 0 && !sh->closed) {
		/* at the tip */
		if (!K.follow) {
			sh->state = SH_IDLE;
			return;
		}
		sh->due = now + K.poll;
	} else {
		sh->due = n == 0 && behind < 0 ? now + K.poll : now;
	}
}

static int
is_throttle(const struct aws_error *ae)
{
	return ae->code && (strcmp(ae->code,
	    "ProvisionedThroughputExceededException") == 0 ||
	    strcmp(ae->code, "LimitExceededException") == 0 ||
	    strcmp(ae->code, "ThrottlingException") == 0);
}

static void
on_error(struct shard *sh, const char *op, struct http_done *d,
    struct aws_error *ae)
{
	struct buf why = BUF_INIT;
	int64_t now = timex_mono_ms();
	long delay;

	sh->state = SH_READY;
	if (d->err.code && !d->resp.neterr) {
		cli_fail(&K.fail, EXIT_RUNTIME, "%s %s/%s: %s", op, K.stream,
		    sh->id, err_msg(&d->err));
		return;
	}
	if (d->resp.neterr || d->resp.status == 0) {
		ae->cls = AWS_ERR_RETRY;
		ae->status = 0;
		free(ae->code);
		ae->code = strdup("network error");
		free(ae->message);
		ae->message = d->resp.neterr_msg ? strdup(d->resp.neterr_msg) : NULL;
	}
	buf_adds(&why, ae->code ? ae->code : "error");
	if (ae->message && *ae->message)
		buf_printf(&why, ": %s", ae->message);
	if (ae->status > 0)
		buf_printf(&why, " (HTTP %ld)", ae->status);
	if (ae->code && strcmp(ae->code, "ExpiredIteratorException") == 0) {
		/* renewed from the last position */
		K.expired++;
		log_debug("kinesis", "%s %s/%s: %s; a new iterator from the "
		    "last position", op, K.stream, sh->id, buf_str(&why));
		free(sh->iter);
		sh->iter = NULL;
		sh->due = now;
	} else if (ae->cls == AWS_ERR_RETRY) {
		int throttle = is_throttle(ae);

		if (throttle)
			K.throttles++;
		sh->attempt++;
		/* a shard's limits are shared by all its readers: what is
		 * refused now is served within seconds, so throttling is
		 * waited out, never a failure */
		if (K.max_attempts > 0 && sh->attempt >= K.max_attempts &&
		    !throttle) {
			cli_fail(&K.fail, EXIT_RUNTIME,
			    "%s %s/%s: %s, after %d attempts", op, K.stream,
			    sh->id, buf_str(&why), sh->attempt);
		} else {
			delay = retry_delay_ms(&K.retry, sh->attempt - 1);
			log_debug("kinesis", "%s %s/%s: %s; retry %d in %ldms",
			    op, K.stream, sh->id, buf_str(&why), sh->attempt,
			    delay);
			if (sh->attempt >= 5 && !throttle)
				log_warn("%s %s/%s: %s; retry %d in %ldms", op,
				    K.stream, sh->id, buf_str(&why), sh->attempt,
				    delay);
			sh->due = now + delay;
		}
	} else if (ae->cls == AWS_ERR_AUTH && !sh->auth_retried) {
		/* expired credentials are refreshed once */
		sh->auth_retried = 1;
		creds_invalidate(aws_creds(K.aws));
		sh->due = now;
	} else {
		cli_fail(&K.fail,
		    ae->cls == AWS_ERR_AUTH ? EXIT_AUTH : EXIT_RUNTIME,
		    "%s %s/%s: %s", op, K.stream, sh->id, buf_str(&why));
	}
	buf_free(&why);
}

void
shards_done(struct http_done *d)
{
	struct shard *sh = d->udata;
	const char *target = http_req_get_header(d->req, "X-Amz-Target");
	const char *op = target && strstr(target, "GetRecords") ?
	    "GetRecords" : "GetShardIterator";
	struct aws_error ae;
	json_object *out = NULL;
	size_t body_len = d->resp.body.len;

	memset(&ae, 0, sizeof(ae));
	K.flight--;
	if (!lease_ok(sh, timex_mono_ms())) {
		/* given back or lost while in flight: nothing of it is
		 * written, the next holder reads it */
		if (sh->state == SH_FLIGHT)
			sh->state = SH_LEASED;
		http_resp_free(&d->resp);
	} else if (aws_json_response(&d->resp, &out, &ae) == 0) {
		http_resp_free(&d->resp);
		sh->attempt = 0;
		sh->auth_retried = 0;
		if (strcmp(op, "GetRecords") == 0)
			on_records(sh, out, body_len);
		else
			on_iterator(sh, out);
		json_object_put(out);
	} else {
		on_error(sh, op, d, &ae);
		http_resp_free(&d->resp);
	}
	aws_error_clear(&ae);
	http_req_free(d->req);
}

/*
 * ckpt_ddb: a registry in a DynamoDB table, one item per source:
 *
 *   source   S  partition key, "GROUP:STREAM"
 *   group    S  the log group
 *   cursor   S  the cursor, JSON
 *   n        N  the cursor's n
 *   ts       N  the cursor's ts
 *   updated  N  when the item was written, epoch ms
 *
 * Every PutItem is conditional on the item holding an older cursor, in
 * cursor_cmp's order (n, then ts):
 *
 *   attribute_not_exists(#s) OR #n < :n OR (#n = :n AND #t <= :t)
 *
 * so that a stale writer is refused by DynamoDB itself
 * (ConditionalCheckFailedException); the refused writer reads the item
 * and keeps the newer cursor it holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "ckpt.h"
#include "jsonx.h"
#include "log.h"
#include "timex.h"

#define DDB_VERSION "1.0"
#define INIT_WAIT_MS 120000	/* for a new table to become ACTIVE */

struct ddbe {
	struct aws *aws;
	char *table;
	char *url;
};

static json_object *
attr(const char *type, const char *v)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, type, json_object_new_string(v));
	return o;
}

static json_object *
attr_n(int64_t v)
{
	char s[32];

	if ((size_t)snprintf(s, sizeof(s), "%lld", (long long)v) >= sizeof(s))
		return NULL;	/* cannot happen: 20 digits at most */
	return attr("N", s);
}

/* Calls DynamoDB_20120810.op. Returns 0, or -1 with *ae filled (if a
 * response came) and e saying what failed. */
static int
call(struct ddbe *d, const char *op, json_object *in, json_object **out,
    struct aws_error *ae, struct err *e)
{
	char target[64];
	int r;

	memset(ae, 0, sizeof(*ae));
	if ((size_t)snprintf(target, sizeof(target), "DynamoDB_20120810.%s",
	    op) >= sizeof(target))
		return err_set(e, EXIT_RUNTIME, "%s: name too long", op);
	*out = NULL;
	r = aws_json_call(d->aws, "dynamodb", target, DDB_VERSION, in, out,
	    ae, e);
	if (r == -1 && ae->code && (strcmp(ae->code,
	    "ResourceNotFoundException") == 0))
		err_set(e, EXIT_RUNTIME, "registry %s: table %s does not exist "
		    "(cwl-registry init %s creates it)", d->url, d->table, d->url);
	else if (r == -1 && ae->code && (strcmp(ae->code,
	    "AccessDeniedException") == 0 || strcmp(ae->code,
	    "UnrecognizedClientException") == 0)) {
		aws_error_to_err(ae, e, op);
		e->code = EXIT_AUTH;
		err_prefix(e, "registry %s", d->url);
	} else if (r == -1)
		err_prefix(e, "registry %s", d->url);	/* e names op */
	return r;
}

static int
is_code(const struct aws_error *ae, const char *code)
{
	return ae->code && strcmp(ae->code, code) == 0;
}

/* Parses an item into c. Returns 0 or -1 with e naming the item. */
static int
item_cursor(struct ddbe *d, json_object *item, struct cursor *c,
    struct err *e)
{
	json_object *src, *cur;
	const char *key, *text;
	struct buf k = BUF_INIT;
	int r = 0;

	src = jsonx_get(item, "source", json_type_object);
	cur = jsonx_get(item, "cursor", json_type_object);
	key = src ? jsonx_get_str(src, "S", NULL) : NULL;
	text = cur ? jsonx_get_str(cur, "S", NULL) : NULL;
	if (key == NULL)
		return err_set(e, EXIT_RUNTIME, "registry %s: an item has no "
		    "\"source\" string", d->url);
	if (text == NULL)
		return err_set(e, EXIT_RUNTIME, "registry %s: item %s has no "
		    "\"cursor\" string", d->url, key);
	if (cursor_parse(text, strlen(text), c, e) == -1) {
		e->code = EXIT_RUNTIME;
		return err_prefix(e, "registry %s: item %s: cursor", d->url, key);
	}
	if (cursor_key(c, &k) == -1 || strcmp(buf_str(&k), key) != 0) {
		r = err_set(e, EXIT_RUNTIME, "registry %s: item %s holds the "
		    "cursor of %s", d->url, key, buf_str(&k));
		cursor_clear(c);
	}
	buf_free(&k);
	return r;
}

/* Reads one source's item, consistently. Returns 1 with *c filled, 0 if
 * absent, -1. */
static int
get_item(struct ddbe *d, const char *key, struct cursor *c, struct err *e)
{
	struct aws_error ae;
	json_object *in, *out, *item, *k;
	int r;

	in = json_object_new_object();
	k = json_object_new_object();
	json_object_object_add(k, "source", attr("S", key));
	json_object_object_add(in, "TableName", json_object_new_string(d->table));
	json_object_object_add(in, "Key", k);
	json_object_object_add(in, "ConsistentRead", json_object_new_boolean(1));
	r = call(d, "GetItem", in, &out, &ae, e);
	json_object_put(in);
	aws_error_clear(&ae);
	if (r == -1)
		return -1;
	item = NULL;
	if (!json_object_is_type(out, json_type_object) ||
	    (json_object_object_get_ex(out, "Item", &item) && item != NULL &&
	    !json_object_is_type(item, json_type_object)))
		r = err_set(e, EXIT_RUNTIME, "registry %s: GetItem %s: the "
		    "answer's Item is not an object", d->url, key);
	else if (item == NULL)
		r = 0;
	else
		r = item_cursor(d, item, c, e) == -1 ? -1 : 1;
	json_object_put(out);
	return r;
}

/* Returns 0 if a Scan answer is an object whose Items (if any) is a
 * list and LastEvaluatedKey (if any) an object, else -1 with e. */
static int
scan_page_check(const struct ddbe *d, json_object *out, struct err *e)
{
	json_object *v;

	if (!json_object_is_type(out, json_type_object))
		return err_set(e, EXIT_RUNTIME, "registry %s: Scan: the answer "
		    "is not an object", d->url);
	if (json_object_object_get_ex(out, "Items", &v) && v != NULL &&
	    !json_object_is_type(v, json_type_array))
		return err_set(e, EXIT_RUNTIME, "registry %s: Scan: the "
		    "answer's Items is not a list", d->url);
	if (json_object_object_get_ex(out, "LastEvaluatedKey", &v) &&
	    v != NULL && !json_object_is_type(v, json_type_object))
		return err_set(e, EXIT_RUNTIME, "registry %s: Scan: the "
		    "answer's LastEvaluatedKey is not an object", d->url);
	return 0;
}

/* Scans the table, calling fn for each item that passes f. A filter of
 * groups only (up to 100) is left to DynamoDB; any other is applied
 * here too. */
static int
scan(struct ddbe *d, const struct ckpt_filter *f,
    int (*fn)(struct ddbe *, json_object *, const struct cursor *, void *,
    struct err *), void *arg, struct err *e)
{
	struct aws_error ae;
	json_object *in, *out, *items, *last, *names, *vals;
	struct cursor c;
	struct buf ex = BUF_INIT;
	char name[16];
	size_t i, n;
	int r = 0;

	last = NULL;
	do {
		in = json_object_new_object();
		json_object_object_add(in, "TableName",
		    json_object_new_string(d->table));
		json_object_object_add(in, "ConsistentRead",
		    json_object_new_boolean(1));
		if (f && f->ngroups > 0 && f->ngroups <= 100 && f->nsources == 0) {
			buf_reset(&ex);
			buf_adds(&ex, "#g IN (");
			vals = json_object_new_object();
			for (i = 0; i < f->ngroups; i++) {
				if ((size_t)snprintf(name, sizeof(name), ":g%zu",
				    i) >= sizeof(name))
					break;	/* i < 100 */
				buf_printf(&ex, "%s%s", i ? ", " : "", name);
				json_object_object_add(vals, name,
				    attr("S", f->groups[i]));
			}
			buf_addc(&ex, ')');
			names = json_object_new_object();
			json_object_object_add(names, "#g",
			    json_object_new_string("group"));
			json_object_object_add(in, "FilterExpression",
			    json_object_new_string(buf_str(&ex)));
			json_object_object_add(in, "ExpressionAttributeNames", names);
			json_object_object_add(in, "ExpressionAttributeValues", vals);
		}
		if (last)
			json_object_object_add(in, "ExclusiveStartKey", last);
		last = NULL;
		r = call(d, "Scan", in, &out, &ae, e);
		json_object_put(in);
		aws_error_clear(&ae);
		if (r == -1)
			break;
		/* a page of the wrong shape must not pass for the last,
		 * empty one */
		if ((r = scan_page_check(d, out, e)) == -1) {
			json_object_put(out);
			break;
		}
		items = jsonx_get(out, "Items", json_type_array);
		n = items ? json_object_array_length(items) : 0;
		for (i = 0; i < n && r == 0; i++) {
			json_object *it = json_object_array_get_idx(items, i);

			/* the leases of lease.h share the table */
			if (jsonx_get(it, "lease_counter", json_type_object))
				continue;
			if ((r = item_cursor(d, it, &c, e)) == -1)
				break;
			if (ckpt_filter_match(f, &c))
				r = fn(d, it, &c, arg, e);
			cursor_clear(&c);
		}
		if (r == 0 && (last = jsonx_get(out, "LastEvaluatedKey",
		    json_type_object)) != NULL)
			json_object_get(last);
		json_object_put(out);
	} while (r == 0 && last != NULL);
	buf_free(&ex);
	return r;
}

static int
load_one(struct ddbe *d, json_object *item, const struct cursor *c,
    void *arg, struct err *e)
{
	if (ckpt_set_put(arg, c, 0) == -1)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	return 0;
}

static int
ddb_load(struct ckpt *k, const struct ckpt_filter *f, struct ckpt_set *s,
    struct err *e)
{
	struct ddbe *d = k->be;
	struct cursor c;
	size_t i;
	int r;

	if (f == NULL || f->ngroups > 0 || f->nsources == 0)
		return scan(d, f, load_one, s, e);
	for (i = 0; i < f->nsources; i++) {
		if ((r = get_item(d, f->sources[i], &c, e)) == -1)
			return -1;
		if (r == 1) {
			r = ckpt_set_put(s, &c, 0);
			cursor_clear(&c);
			if (r == -1)
				return err_set(e, EXIT_RUNTIME, "out of memory");
		}
	}
	return 0;
}

/* Writes one cursor. Returns 1 if written, 0 if refused because the item
 * holds a newer cursor (which then replaces c in s), 2 if refused by an
 * item that is gone when read, -1. */
static int
put_one(struct ddbe *d, const struct cursor *c, struct ckpt_set *s,
    struct err *e)
{
	struct aws_error ae;
	json_object *in, *item, *names, *vals, *out;
	struct buf key = BUF_INIT, js = BUF_INIT;
	struct cursor held;
	int r;

	if (cursor_key(c, &key) == -1 || cursor_to_json(c, &js) == -1) {
		buf_free(&key);
		buf_free(&js);
		return err_set(e, EXIT_RUNTIME, "out of memory");
	}
	item = json_object_new_object();
	json_object_object_add(item, "source", attr("S", key.p));
	json_object_object_add(item, "group", attr("S", c->group));
	json_object_object_add(item, "cursor", attr("S", js.p));
	json_object_object_add(item, "n", attr_n(c->n));
	json_object_object_add(item, "ts", attr_n(c->ts));
	json_object_object_add(item, "updated", attr_n(timex_now_ms()));
	names = json_object_new_object();
	json_object_object_add(names, "#s", json_object_new_string("source"));
	json_object_object_add(names, "#n", json_object_new_string("n"));
	json_object_object_add(names, "#t", json_object_new_string("ts"));
	vals = json_object_new_object();
	json_object_object_add(vals, ":n", attr_n(c->n));
	json_object_object_add(vals, ":t", attr_n(c->ts));
	in = json_object_new_object();
	json_object_object_add(in, "TableName", json_object_new_string(d->table));
	json_object_object_add(in, "Item", item);
	json_object_object_add(in, "ConditionExpression", json_object_new_string(
	    "attribute_not_exists(#s) OR #n < :n OR (#n = :n AND #t <= :t)"));
	json_object_object_add(in, "ExpressionAttributeNames", names);
	json_object_object_add(in, "ExpressionAttributeValues", vals);
	r = call(d, "PutItem", in, &out, &ae, e);
	json_object_put(in);
	json_object_put(out);
	if (r == 0) {
		r = 1;
	} else if (is_code(&ae, "ConditionalCheckFailedException")) {
		err_clear(e);
		log_debug("registry", "%s: %s: the item holds a newer cursor",
		    d->url, key.p);
		if ((r = get_item(d, key.p, &held, e)) == 1) {
			r = ckpt_set_put(s, &held, 0) == -1 ?
			    err_set(e, EXIT_RUNTIME, "out of memory") : 0;
			cursor_clear(&held);
		} else if (r == 0)
			r = 2;	/* deleted meanwhile: write it next time */
	}
	aws_error_clear(&ae);
	buf_free(&key);
	buf_free(&js);
	return r;
}

static int
ddb_save(struct ckpt *k, struct ckpt_set *s, struct ckpt_stats *st,
    struct err *e)
{
	struct ddbe *d = k->be;
	const struct cursor **v;
	struct cursor c;
	struct buf key = BUF_INIT;
	size_t i, n;
	int r = 0;

	if ((v = ckpt_set_sorted(s, 1, &n)) == NULL && n)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	for (i = 0; i < n && r >= 0; i++) {
		/* put_one may replace v[i] in s: work on a copy. */
		if (cursor_copy(&c, v[i]) == -1) {
			r = err_set(e, EXIT_RUNTIME, "out of memory");
			break;
		}
		buf_reset(&key);
		cursor_key(&c, &key);
		if ((r = put_one(d, &c, s, e)) == 1) {
			st->written++;
			ckpt_set_clean(s, buf_str(&key));
		} else if (r == 0) {
			st->kept++;
			ckpt_set_clean(s, buf_str(&key));
		}
		cursor_clear(&c);
	}
	free(v);
	buf_free(&key);
	return r < 0 ? -1 : 0;
}

static int
del_key(struct ddbe *d, const char *key, size_t *ndel, struct err *e)
{
	struct aws_error ae;
	json_object *in, *out, *k;
	int r;

	in = json_object_new_object();
	k = json_object_new_object();
	json_object_object_add(k, "source", attr("S", key));
	json_object_object_add(in, "TableName", json_object_new_string(d->table));
	json_object_object_add(in, "Key", k);
	json_object_object_add(in, "ReturnValues",
	    json_object_new_string("ALL_OLD"));
	r = call(d, "DeleteItem", in, &out, &ae, e);
	json_object_put(in);
	aws_error_clear(&ae);
	if (r == 0 && jsonx_get(out, "Attributes", json_type_object) != NULL)
		(*ndel)++;
	json_object_put(out);
	return r;
}

struct keys {
	char **v;
	size_t n;
};

static int
collect_key(struct ddbe *d, json_object *item, const struct cursor *c,
    void *arg, struct err *e)
{
	struct keys *ks = arg;
	struct buf k = BUF_INIT;
	char **v;

	if ((v = realloc(ks->v, (ks->n + 1) * sizeof(*v))) == NULL ||
	    cursor_key(c, &k) == -1) {
		if (v)
			ks->v = v;
		buf_free(&k);
		return err_set(e, EXIT_RUNTIME, "out of memory");
	}
	ks->v = v;
	ks->v[ks->n++] = buf_detach(&k);
	return 0;
}

static int
ddb_del(struct ckpt *k, const struct ckpt_filter *f, size_t *ndel,
    struct err *e)
{
	struct ddbe *d = k->be;
	struct keys ks = { NULL, 0 };
	size_t i;
	int r = 0;

	if (f && f->ngroups == 0 && f->nsources > 0) {
		for (i = 0; i < f->nsources && r == 0; i++)
			r = del_key(d, f->sources[i], ndel, e);
		return r;
	}
	/* Collect first: deleting while a scan pages on is not safe. */
	r = scan(d, f, collect_key, &ks, e);
	for (i = 0; i < ks.n && r == 0; i++)
		r = del_key(d, ks.v[i], ndel, e);
	for (i = 0; i < ks.n; i++)
		free(ks.v[i]);
	free(ks.v);
	return r;
}

static void
sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1)
		;
}

static int
ddb_init(struct ckpt *k, int *created, struct err *e)
{
	struct ddbe *d = k->be;
	struct aws_error ae;
	json_object *in, *out, *defs, *def, *ks, *kd, *tbl;
	const char *status = NULL;
	int64_t t0 = timex_mono_ms();
	int r;

	in = json_object_new_object();
	defs = json_object_new_array();
	def = json_object_new_object();
	json_object_object_add(def, "AttributeName",
	    json_object_new_string("source"));
	json_object_object_add(def, "AttributeType", json_object_new_string("S"));
	json_object_array_add(defs, def);
	ks = json_object_new_array();
	kd = json_object_new_object();
	json_object_object_add(kd, "AttributeName",
	    json_object_new_string("source"));
	json_object_object_add(kd, "KeyType", json_object_new_string("HASH"));
	json_object_array_add(ks, kd);
	json_object_object_add(in, "TableName", json_object_new_string(d->table));
	json_object_object_add(in, "AttributeDefinitions", defs);
	json_object_object_add(in, "KeySchema", ks);
	json_object_object_add(in, "BillingMode",
	    json_object_new_string("PAY_PER_REQUEST"));
	r = call(d, "CreateTable", in, &out, &ae, e);
	json_object_put(in);
	json_object_put(out);
	if (r == -1 && is_code(&ae, "ResourceInUseException")) {
		err_clear(e);
		r = 0;
	} else if (r == 0)
		*created = 1;
	aws_error_clear(&ae);
	if (r == -1)
		return -1;
	/* "CreateTable is an asynchronous operation. ... DynamoDB sets the
	 * TableStatus to CREATING. After the table is created, DynamoDB
	 * sets the TableStatus to ACTIVE." */
	for (;;) {
		in = json_object_new_object();
		json_object_object_add(in, "TableName",
		    json_object_new_string(d->table));
		r = call(d, "DescribeTable", in, &out, &ae, e);
		json_object_put(in);
		aws_error_clear(&ae);
		if (r == -1)
			return -1;
		tbl = jsonx_get(out, "Table", json_type_object);
		status = tbl ? jsonx_get_str(tbl, "TableStatus", "") : "";
		r = strcmp(status, "ACTIVE") == 0;
		json_object_put(out);
		if (r)
			return 0;
		if (timex_mono_ms() - t0 > INIT_WAIT_MS)
			return err_set(e, EXIT_RUNTIME, "registry %s: table %s "
			    "not ACTIVE after %d s", d->url, d->table,
			    INIT_WAIT_MS / 1000);
		sleep_ms(500);
	}
}

static void
ddb_close(struct ckpt *k)
{
	struct ddbe *d = k->be;

	aws_free(d->aws);
	free(d->table);
	free(d->url);
	free(d);
}

static const struct ckpt_ops ddb_ops = {
	ddb_load, ddb_save, ddb_del, ddb_init, ddb_close
};

int
ckpt_ddb_open(struct ckpt *k, const char *table, const struct ckpt_opts *o,
    struct err *e)
{
	struct buf u = BUF_INIT;
	struct ddbe *d;
	size_t n = strlen(table);

	/* "Table names ... 3 to 255 characters long, a-z, A-Z, 0-9,
	 * _ (underscore), - (dash), and . (dot)" */
	if (n < 3 || n > 255 || strspn(table, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n)
		return err_set(e, EXIT_USAGE, "registry dynamodb://%s: not a "
		    "table name (3 to 255 of a-z A-Z 0-9 _ - .)", table);
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	buf_printf(&u, "dynamodb://%s", table);
	d->url = buf_detach(&u);
	d->table = strdup(table);
	k->ops = &ddb_ops;
	k->scheme = "dynamodb";
	k->be = d;
	if (d->url == NULL || d->table == NULL ||
	    (k->name = strdup(d->url)) == NULL) {
		ddb_close(k);
		k->be = NULL;
		return err_set(e, EXIT_RUNTIME, "out of memory");
	}
	if ((d->aws = ckpt_aws(o, e)) == NULL) {
		err_prefix(e, "registry %s", d->url);
		ddb_close(k);
		k->be = NULL;
		return -1;
	}
	return 0;
}

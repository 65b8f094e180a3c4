/*
 * Leases in S3 (conditional PUTs: "If-None-Match: *" to make an object
 * that must not exist, "If-Match: ETAG" to replace the version read; S3
 * answers 412 Precondition Failed, or 409 ConditionalRequestConflict to
 * a concurrent conditional write) or in DynamoDB (PutItem with a
 * ConditionExpression, refused with ConditionalCheckFailedException).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "jsonx.h"
#include "lease.h"
#include "log.h"

struct lease_store {
	struct aws *aws;
	char *url;
	char *bucket, *prefix;	/* s3 */
	char *table;		/* dynamodb */
};

void
lease_clear(struct lease *l)
{
	free(l->owner);
	free(l->etag);
	memset(l, 0, sizeof(*l));
}

void
lease_close(struct lease_store *s)
{
	if (s == NULL)
		return;
	aws_free(s->aws);
	free(s->url);
	free(s->bucket);
	free(s->prefix);
	free(s->table);
	free(s);
}

const char *
lease_name(const struct lease_store *s)
{
	return s->url;
}

struct lease_store *
lease_open(const char *url, const struct aws_opts *ao, struct err *e)
{
	struct lease_store *s;
	const char *p, *slash;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->url = strdup(url)) == NULL) {
		free(s);
		err_set(e, EXIT_RUNTIME, "out of memory");
		return NULL;
	}
	if (strncasecmp(url, "s3://", 5) == 0) {
		p = url + 5;
		slash = strchr(p, '/');
		if (slash == p || *p == '\0') {
			err_set(e, EXIT_USAGE, "leases %s: no bucket "
			    "(s3://BUCKET/PREFIX)", url);
			goto fail;
		}
		s->bucket = slash ? strndup(p, (size_t)(slash - p)) : strdup(p);
		s->prefix = strdup(slash ? slash + 1 : "");
		if (s->bucket == NULL || s->prefix == NULL)
			goto nomem;
	} else if (strncasecmp(url, "dynamodb://", 11) == 0) {
		if (url[11] == '\0' || strchr(url + 11, '/') != NULL) {
			err_set(e, EXIT_USAGE, "leases %s: expected "
			    "dynamodb://TABLE", url);
			goto fail;
		}
		if ((s->table = strdup(url + 11)) == NULL)
			goto nomem;
	} else {
		err_set(e, EXIT_USAGE, "leases %s: leases need conditional "
		    "writes: s3://BUCKET/PREFIX or dynamodb://TABLE", url);
		goto fail;
	}
	if ((s->aws = aws_new(ao, e)) == NULL) {
		err_prefix(e, "leases %s", url);
		goto fail;
	}
	return s;
nomem:
	err_set(e, EXIT_RUNTIME, "out of memory");
fail:
	lease_close(s);
	return NULL;
}

/* --- S3 ------------------------------------------------------------------ */

static char *
s3_key(const struct lease_store *s, const char *key)
{
	struct buf b = BUF_INIT;
	const char *p;

	buf_adds(&b, s->prefix);
	for (p = key; *p; p++)
		buf_addc(&b, *p == ':' ? '/' : *p);
	buf_adds(&b, ".lease");
	return buf_detach(&b);
}

static int
s3_error(const struct lease_store *s, const struct http_resp *r,
    const char *what, const char *key, struct err *e)
{
	struct aws_error ae;

	memset(&ae, 0, sizeof(ae));
	aws_error_parse(r, &ae);
	aws_error_to_err(&ae, e, what);
	err_prefix(e, "leases %s: %s", s->url, key);
	aws_error_clear(&ae);
	return -1;
}

static int
no_bucket(const struct http_resp *r)
{
	struct aws_error ae;
	int yes;

	memset(&ae, 0, sizeof(ae));
	aws_error_parse(r, &ae);
	yes = ae.code && strcmp(ae.code, "NoSuchBucket") == 0;
	aws_error_clear(&ae);
	return yes;
}

/* Fills l from a lease's JSON. Returns 0, or -1 with e. */
static int
parse_body(const char *p, size_t n, struct lease *l, const char *what,
    struct err *e)
{
	json_object *o;
	const char *why, *owner;

	if ((o = jsonx_parse(p, n, &why)) == NULL)
		return err_set(e, EXIT_RUNTIME, "%s: not JSON: %s", what, why);
	owner = jsonx_get_str(o, "owner", NULL);
	if (owner == NULL || jsonx_get(o, "counter", json_type_int) == NULL) {
		json_object_put(o);
		return err_set(e, EXIT_RUNTIME, "%s: not a lease", what);
	}
	l->exists = 1;
	l->owner = strdup(owner);
	l->counter = jsonx_get_int(o, "counter", 0);
	l->ended = json_object_get_boolean(jsonx_get(o, "ended",
	    json_type_boolean));
	json_object_put(o);
	return l->owner ? 0 : err_set(e, EXIT_RUNTIME, "out of memory");
}

static int
s3_read(struct lease_store *s, const char *key, struct lease *l,
    struct err *e)
{
	struct http_resp r;
	const char *etag;
	char *k = s3_key(s, key);
	int rc = -1;

	memset(&r, 0, sizeof(r));
	if (k == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	if (aws_s3(s->aws, "GET", s->bucket, k, NULL, NULL, NULL, 0, &r,
	    e) == -1)
		err_prefix(e, "leases %s: GET %s", s->url, k);
	else if (r.status == 404 && !no_bucket(&r))
		rc = 0;		/* no lease yet */
	else if (r.status != 200)
		s3_error(s, &r, "GET", k, e);
	else if (parse_body(buf_str(&r.body), r.body.len, l, k, e) == 0) {
		etag = http_resp_header(&r, "ETag");
		if (etag == NULL)
			err_set(e, EXIT_RUNTIME, "leases %s: GET %s: no ETag",
			    s->url, k);
		else if ((l->etag = strdup(etag)) != NULL)
			rc = 0;
	}
	http_resp_free(&r);
	free(k);
	return rc;
}

static int
s3_write(struct lease_store *s, const char *key, struct lease *l,
    const char *owner, int ended, struct err *e)
{
	const char *hdr[7];
	struct http_resp r;
	struct buf body = BUF_INIT;
	const char *etag;
	char *k = s3_key(s, key), *newtag = NULL;
	int rc = -1, i = 0;

	buf_adds(&body, "{\"owner\":");
	jsonx_strz(&body, owner);
	buf_printf(&body, ",\"counter\":%lld,\"ended\":%s}\n",
	    (long long)l->counter + 1, ended ? "true" : "false");
	if (k == NULL || body.p == NULL) {
		free(k);
		buf_free(&body);
		return err_set(e, EXIT_RUNTIME, "out of memory");
	}
	hdr[i++] = "Content-Type";
	hdr[i++] = "application/json";
	hdr[i++] = l->exists ? "If-Match" : "If-None-Match";
	hdr[i++] = l->exists ? l->etag : "*";
	hdr[i] = NULL;
	memset(&r, 0, sizeof(r));
	if (aws_s3(s->aws, "PUT", s->bucket, k, NULL, hdr, body.p, body.len,
	    &r, e) == -1) {
		err_prefix(e, "leases %s: PUT %s", s->url, k);
	} else if (r.status == 200) {
		etag = http_resp_header(&r, "ETag");
		if (etag == NULL || (newtag = strdup(etag)) == NULL ||
		    (owner = strdup(owner)) == NULL) {
			free(newtag);
			err_set(e, EXIT_RUNTIME, "leases %s: PUT %s: no ETag",
			    s->url, k);
		} else {
			free(l->etag);
			free(l->owner);
			l->etag = newtag;
			l->owner = (char *)owner;
			l->exists = 1;
			l->counter++;
			l->ended = ended;
			rc = 0;
		}
	} else if (r.status == 412 || r.status == 409 ||
	    (r.status == 404 && l->exists)) {
		rc = 1;
	} else {
		s3_error(s, &r, "PUT", k, e);
	}
	http_resp_free(&r);
	buf_free(&body);
	free(k);
	return rc;
}

/* --- DynamoDB ---------------------------------------------------------------- */

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
	char num[32];

	if ((size_t)snprintf(num, sizeof(num), "%lld", (long long)v) >=
	    sizeof(num))
		num[0] = '\0';	/* cannot happen: 20 digits at most */
	return attr("N", num);
}

static json_object *
ddb_key(const char *key)
{
	struct buf b = BUF_INIT;
	json_object *k = json_object_new_object();

	buf_printf(&b, "@lease/%s", key);
	json_object_object_add(k, "source", attr("S", buf_str(&b)));
	buf_free(&b);
	return k;
}

static int
ddb_call(struct lease_store *s, const char *op, json_object *in,
    json_object **out, struct aws_error *ae, const char *key, struct err *e)
{
	struct buf t = BUF_INIT;
	int r;

	buf_printf(&t, "DynamoDB_20120810.%s", op);
	r = aws_json_call(s->aws, "dynamodb", buf_str(&t), "1.0", in, out, ae,
	    e);
	buf_free(&t);
	if (r == -1 && !(ae->code && strcmp(ae->code,
	    "ConditionalCheckFailedException") == 0))
		err_prefix(e, "leases %s: %s", s->url, key);
	return r;
}

static int
ddb_read(struct lease_store *s, const char *key, struct lease *l,
    struct err *e)
{
	struct aws_error ae;
	json_object *in = json_object_new_object(), *out = NULL, *item, *v;
	int r;

	json_object_object_add(in, "TableName", json_object_new_string(s->table));
	json_object_object_add(in, "Key", ddb_key(key));
	json_object_object_add(in, "ConsistentRead", json_object_new_boolean(1));
	r = ddb_call(s, "GetItem", in, &out, &ae, key, e);
	json_object_put(in);
	aws_error_clear(&ae);
	if (r == -1)
		return -1;
	if ((item = jsonx_get(out, "Item", json_type_object)) != NULL) {
		l->exists = 1;
		v = jsonx_get(item, "lease_owner", json_type_object);
		l->owner = strdup(v ? jsonx_get_str(v, "S", "") : "");
		v = jsonx_get(item, "lease_counter", json_type_object);
		l->counter = v ? strtoll(jsonx_get_str(v, "N", "0"), NULL, 10) : 0;
		v = jsonx_get(item, "lease_ended", json_type_object);
		l->ended = v && json_object_get_boolean(jsonx_get(v, "BOOL",
		    json_type_boolean));
		if (l->owner == NULL)
			r = err_set(e, EXIT_RUNTIME, "out of memory");
	}
	json_object_put(out);
	return r;
}

static int
ddb_write(struct lease_store *s, const char *key, struct lease *l,
    const char *owner, int ended, struct err *e)
{
	struct aws_error ae;
	json_object *in = json_object_new_object(), *item, *names, *vals;
	json_object *out = NULL, *b;
	char *o2;
	int r;

	item = ddb_key(key);
	json_object_object_add(item, "lease_owner", attr("S", owner));
	json_object_object_add(item, "lease_counter", attr_n(l->counter + 1));
	b = json_object_new_object();
	json_object_object_add(b, "BOOL", json_object_new_boolean(ended));
	json_object_object_add(item, "lease_ended", b);
	names = json_object_new_object();
	json_object_object_add(in, "TableName", json_object_new_string(s->table));
	json_object_object_add(in, "Item", item);
	if (l->exists) {
		json_object_object_add(names, "#c",
		    json_object_new_string("lease_counter"));
		vals = json_object_new_object();
		json_object_object_add(vals, ":c", attr_n(l->counter));
		json_object_object_add(in, "ConditionExpression",
		    json_object_new_string("#c = :c"));
		json_object_object_add(in, "ExpressionAttributeValues", vals);
	} else {
		json_object_object_add(names, "#s",
		    json_object_new_string("source"));
		json_object_object_add(in, "ConditionExpression",
		    json_object_new_string("attribute_not_exists(#s)"));
	}
	json_object_object_add(in, "ExpressionAttributeNames", names);
	r = ddb_call(s, "PutItem", in, &out, &ae, key, e);
	json_object_put(in);
	json_object_put(out);
	if (r == 0) {
		if ((o2 = strdup(owner)) == NULL) {
			r = err_set(e, EXIT_RUNTIME, "out of memory");
		} else {
			free(l->owner);
			l->owner = o2;
			l->exists = 1;
			l->counter++;
			l->ended = ended;
		}
	} else if (ae.code && strcmp(ae.code,
	    "ConditionalCheckFailedException") == 0) {
		err_clear(e);
		r = 1;
	}
	aws_error_clear(&ae);
	return r;
}

int
lease_read(struct lease_store *s, const char *key, struct lease *l,
    struct err *e)
{
	lease_clear(l);
	return s->table ? ddb_read(s, key, l, e) : s3_read(s, key, l, e);
}

int
lease_write(struct lease_store *s, const char *key, struct lease *l,
    const char *owner, int ended, struct err *e)
{
	char *who = strdup(owner);	/* owner may be l's, replaced below */
	int r;

	if (who == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	r = s->table ? ddb_write(s, key, l, who, ended, e) :
	    s3_write(s, key, l, who, ended, e);
	log_debug("lease", "%s: %s: write owner '%s'%s at counter %lld: %s",
	    s->url, key, who, ended ? " (ended)" : "", (long long)l->counter,
	    r == 0 ? "done" : r == 1 ? "another writer was first" : "failed");
	free(who);
	return r;
}

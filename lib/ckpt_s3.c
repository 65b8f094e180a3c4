/*
 * ckpt_s3: a registry in S3, one object per log group at
 * PREFIX GROUP ".json" (the group's slashes kept as key separators),
 * holding NDJSON of that group's cursors, sorted by source.
 *
 * Writes are conditional, as the S3 User Guide's "conditional writes"
 * describe: If-None-Match: * when the object did not exist, If-Match with
 * the ETag read otherwise. "If the ETag values do not match, the
 * operation returns a 412 Precondition Failed error"; a concurrent
 * conditional write may get "409 ConditionalRequestConflict", and If-Match
 * on an object deleted meanwhile 404 NoSuchKey. Each of these means that
 * another writer got there first: read the object again, merge (newest
 * cursor per source) and try again after a jittered backoff.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arn.h"
#include "buf.h"
#include "ckpt.h"
#include "http.h"
#include "jsonx.h"
#include "log.h"

#define S3_TRIES 25	/* conditional writes refused in a row before giving up */

struct grp {
	char *group;		/* owned */
	char *etag;		/* owned; NULL when the object is absent */
	int loaded;		/* set and etag reflect the object */
	struct ckpt_set *set;	/* the object's cursors, when loaded */
};

struct s3be {
	struct aws *aws;
	char *bucket;
	char *prefix;
	char *url;		/* s3://bucket/prefix, for messages */
	struct grp **g;
	size_t ng;
};

static void
sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1)
		;
}

static char *
obj_key(const struct s3be *b, const char *group)
{
	struct buf k = BUF_INIT;

	if (buf_printf(&k, "%s%s.json", b->prefix, group) == -1) {
		buf_free(&k);
		return NULL;
	}
	return buf_detach(&k);
}

static struct grp *
grp_get(struct s3be *b, const char *group)
{
	struct grp **v, *g;
	size_t i;

	for (i = 0; i < b->ng; i++)
		if (strcmp(b->g[i]->group, group) == 0)
			return b->g[i];
	if ((v = realloc(b->g, (b->ng + 1) * sizeof(*v))) == NULL)
		return NULL;
	b->g = v;
	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (g->group = strdup(group)) == NULL) {
		free(g);
		return NULL;
	}
	b->g[b->ng++] = g;
	return g;
}

static void
grp_forget(struct grp *g)
{
	ckpt_set_free(g->set);
	g->set = NULL;
	free(g->etag);
	g->etag = NULL;
	g->loaded = 0;
}

/* Turns an S3 error response into e, naming the object, or the bucket
 * when it does not exist. */
static int
s3_fail(struct s3be *b, const struct http_resp *r, const char *what,
    const char *key, struct err *e)
{
	struct aws_error ae;

	memset(&ae, 0, sizeof(ae));
	aws_error_parse(r, &ae);
	if ((ae.code && strcmp(ae.code, "NoSuchBucket") == 0) ||
	    (r->status == 404 && key == NULL))
		err_set(e, EXIT_RUNTIME, "registry %s: bucket %s does not exist",
		    b->url, b->bucket);
	else {
		aws_error_to_err(&ae, e, what);
		if (key != NULL)
			err_prefix(e, "registry %s: %s", b->url, key);
		else
			err_prefix(e, "registry %s", b->url);
	}
	aws_error_clear(&ae);
	return -1;
}

/* Returns 1 if the response is S3's NoSuchBucket. */
static int
no_bucket(const struct http_resp *r)
{
	struct aws_error ae;
	int yes;

	if (r->status != 404)
		return 0;
	memset(&ae, 0, sizeof(ae));
	aws_error_parse(r, &ae);
	yes = ae.code && strcmp(ae.code, "NoSuchBucket") == 0;
	aws_error_clear(&ae);
	return yes;
}

/* Checks that every cursor of g's object is of g's group. */
static int
grp_check(const struct grp *g, const char *what, struct err *e)
{
	const struct cursor **v;
	size_t i, n;
	int rc = 0;

	if ((v = ckpt_set_sorted(g->set, 0, &n)) == NULL && n)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	for (i = 0; i < n && rc == 0; i++)
		if (strcmp(v[i]->group, g->group) != 0)
			rc = err_set(e, EXIT_RUNTIME, "%s: holds a cursor of "
			    "group '%s'", what, v[i]->group);
	free(v);
	return rc;
}

/* Reads the object of group g into g->set and g->etag. */
static int
grp_load(struct s3be *b, struct grp *g, struct err *e)
{
	struct http_resp r;
	struct buf what = BUF_INIT;
	const char *etag;
	char *key;
	int rc = -1;

	grp_forget(g);
	if ((g->set = ckpt_set_new()) == NULL ||
	    (key = obj_key(b, g->group)) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	memset(&r, 0, sizeof(r));
	buf_printf(&what, "registry %s: object %s", b->url, key);
	if (aws_s3(b->aws, "GET", b->bucket, key, NULL, NULL, NULL, 0, &r,
	    e) == -1)
		err_prefix(e, "registry %s: GET %s", b->url, key);
	else if (no_bucket(&r))
		s3_fail(b, &r, "GET", NULL, e);
	else if (r.status == 404)
		rc = 0;		/* absent: an empty group */
	else if (r.status != 200)
		s3_fail(b, &r, "GET", key, e);
	else if (ckpt_set_parse(g->set, buf_str(&r.body), r.body.len,
	    buf_str(&what), e) == 0 && grp_check(g, buf_str(&what), e) == 0) {
		etag = http_resp_header(&r, "ETag");
		if (etag != NULL && (g->etag = strdup(etag)) == NULL)
			err_set(e, EXIT_RUNTIME, "out of memory");
		else
			rc = 0;
	}
	if (rc == 0)
		g->loaded = 1;
	else
		grp_forget(g);
	buf_free(&what);
	http_resp_free(&r);
	free(key);
	return rc;
}

/* Writes g->set with the condition its etag gives. Returns 0 when
 * written, 1 when another writer changed the object first, -1. */
static int
grp_write(struct s3be *b, struct grp *g, struct err *e)
{
	const char *hdr[7];
	struct http_resp r;
	struct buf body = BUF_INIT;
	const char *etag;
	char *key;
	int rc = -1, i = 0;

	if ((key = obj_key(b, g->group)) == NULL ||
	    ckpt_set_ndjson(g->set, &body) == -1) {
		free(key);
		buf_free(&body);
		return err_set(e, EXIT_RUNTIME, "out of memory");
	}
	hdr[i++] = "Content-Type";
	hdr[i++] = "application/x-ndjson";
	if (g->etag) {
		hdr[i++] = "If-Match";
		hdr[i++] = g->etag;
	} else {
		hdr[i++] = "If-None-Match";
		hdr[i++] = "*";
	}
	hdr[i] = NULL;
	memset(&r, 0, sizeof(r));
	if (aws_s3(b->aws, "PUT", b->bucket, key, NULL, hdr, body.p ? body.p : "",
	    body.len, &r, e) == -1) {
		err_prefix(e, "registry %s: PUT %s", b->url, key);
		grp_forget(g);
		goto out;
	}
	if (r.status == 200) {
		free(g->etag);
		g->etag = NULL;
		if ((etag = http_resp_header(&r, "ETag")) != NULL)
			g->etag = strdup(etag);
		if (g->etag == NULL)	/* no ETag: read it again next time */
			grp_forget(g);
		rc = 0;
	} else if (no_bucket(&r)) {
		s3_fail(b, &r, "PUT", NULL, e);
		grp_forget(g);
	} else if (r.status == 412 || r.status == 409 ||
	    (r.status == 404 && g->etag != NULL)) {
		log_debug("registry", "%s: PUT %s: HTTP %ld: another writer "
		    "was first; reading it again", b->url, key, r.status);
		grp_forget(g);
		rc = 1;
	} else {
		s3_fail(b, &r, "PUT", key, e);
		grp_forget(g);
	}
out:
	http_resp_free(&r);
	buf_free(&body);
	free(key);
	return rc;
}

/* Saves the dirty cursors of s that belong to group. */
static int
save_group(struct s3be *b, const char *group, struct ckpt_set *s,
    struct ckpt_stats *st, struct err *e)
{
	struct retry_policy rp = { 50, 2000, 0 };
	struct ckpt_stats one;
	struct grp *g;
	int attempt, r;

	if ((g = grp_get(b, group)) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	for (attempt = 0; attempt < S3_TRIES; attempt++) {
		if (!g->loaded && grp_load(b, g, e) == -1)
			return -1;
		memset(&one, 0, sizeof(one));
		if (ckpt_merge_dirty(g->set, s, group, &one) == -1)
			return err_set(e, EXIT_RUNTIME, "out of memory");
		if (one.written == 0) {	/* the object already holds as new */
			st->kept += one.kept;
			return 0;
		}
		if ((r = grp_write(b, g, e)) == -1)
			return -1;
		if (r == 0) {
			st->written += one.written;
			st->kept += one.kept;
			return 0;
		}
		st->conflicts++;
		sleep_ms(retry_delay_ms(&rp, attempt));
	}
	return err_set(e, EXIT_RUNTIME, "registry %s: group %s: %d conditional "
	    "writes in a row refused: too many writers on one object", b->url,
	    group, S3_TRIES);
}

static int
s3_save(struct ckpt *k, struct ckpt_set *s, struct ckpt_stats *st,
    struct err *e)
{
	struct s3be *b = k->be;
	const struct cursor **v;
	size_t i, n;
	char *group;
	int r = 0;

	/* Sorted by "GROUP:STREAM", the sources of a group are adjacent
	 * since a group name cannot hold ':'. */
	if ((v = ckpt_set_sorted(s, 1, &n)) == NULL && n)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	for (i = 0; i < n && r == 0; i++) {
		if (i > 0 && strcmp(v[i]->group, v[i - 1]->group) == 0)
			continue;
		/* save_group may replace v[i] in s: keep the name. */
		if ((group = strdup(v[i]->group)) == NULL) {
			r = err_set(e, EXIT_RUNTIME, "out of memory");
			break;
		}
		r = save_group(b, group, s, st, e);
		free(group);
	}
	free(v);
	if (r == 0)
		ckpt_set_clean(s, NULL);
	return r;
}

/* Appends the XML text p[0..n) to out, decoding the five entities and
 * numeric references; percent-decodes too if url. */
static void
xml_text(struct buf *out, const char *p, size_t n, int url)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' }
	};
	struct buf t = BUF_INIT;
	size_t i, j, l;
	char *end;
	long c;

	for (i = 0; i < n; i++) {
		if (p[i] == '&') {
			for (j = 0; j < 5; j++) {
				l = strlen(ents[j].ent);
				if (n - i >= l && strncmp(p + i, ents[j].ent, l) == 0)
					break;
			}
			if (j < 5) {
				buf_addc(&t, ents[j].c);
				i += l - 1;
				continue;
			}
			if (i + 2 < n && p[i + 1] == '#') {
				c = p[i + 2] == 'x' ? strtol(p + i + 3, &end, 16) :
				    strtol(p + i + 2, &end, 10);
				if (*end == ';' && c > 0 && c < 128) {
					buf_addc(&t, (char)c);
					i = (size_t)(end - p);
					continue;
				}
			}
		}
		buf_addc(&t, p[i]);
	}
	for (i = 0; url && i < t.len; i++) {
		if (t.p[i] == '%' && i + 2 < t.len + 0 &&
		    strchr("0123456789abcdefABCDEF", t.p[i + 1]) &&
		    strchr("0123456789abcdefABCDEF", t.p[i + 2])) {
			char hex[3] = { t.p[i + 1], t.p[i + 2], 0 };

			buf_addc(out, (char)strtol(hex, NULL, 16));
			i += 2;
		} else
			buf_addc(out, t.p[i] == '+' ? ' ' : t.p[i]);
	}
	if (!url)
		buf_add(out, t.p ? t.p : "", t.len);
	buf_free(&t);
}

/* Finds the next <tag>text</tag> at or after *pos in x; appends the
 * decoded text to out. Returns 1 if found, 0 if not. */
static int
xml_next(const char *x, size_t *pos, const char *tag, int url,
    struct buf *out)
{
	char open[64], close[64];
	const char *a, *z;

	if ((size_t)snprintf(open, sizeof(open), "<%s>", tag) >= sizeof(open) ||
	    (size_t)snprintf(close, sizeof(close), "</%s>", tag) >= sizeof(close))
		return 0;
	if ((a = strstr(x + *pos, open)) == NULL)
		return 0;
	a += strlen(open);
	if ((z = strstr(a, close)) == NULL)
		return 0;
	xml_text(out, a, (size_t)(z - a), url);
	*pos = (size_t)(z - x) + strlen(close);
	return 1;
}

/* Lists the keys under prefix; calls fn for each. Returns 0 or -1. */
static int
s3_list(struct s3be *b, const char *prefix,
    int (*fn)(struct s3be *, const char *, void *, struct err *), void *arg,
    struct err *e)
{
	struct buf q = BUF_INIT, token = BUF_INIT, key = BUF_INIT;
	struct http_resp r;
	size_t pos;
	int url, more, rc = 0;

	do {
		buf_reset(&q);
		buf_adds(&q, "list-type=2&encoding-type=url&prefix=");
		http_uri_encode(&q, prefix, strlen(prefix), 0);
		if (token.len) {
			buf_adds(&q, "&continuation-token=");
			http_uri_encode(&q, token.p, token.len, 0);
		}
		memset(&r, 0, sizeof(r));
		if (aws_s3(b->aws, "GET", b->bucket, NULL, buf_str(&q), NULL,
		    NULL, 0, &r, e) == -1) {
			rc = err_prefix(e, "registry %s: list objects", b->url);
			http_resp_free(&r);
			break;
		}
		if (r.status != 200) {
			rc = s3_fail(b, &r, "list objects", NULL, e);
			http_resp_free(&r);
			break;
		}
		url = strstr(buf_str(&r.body), "<EncodingType>url</EncodingType>")
		    != NULL;
		pos = 0;
		while (rc == 0 && xml_next(buf_str(&r.body), &pos, "Key", url,
		    &key)) {
			rc = fn(b, key.p ? key.p : "", arg, e);
			buf_reset(&key);
		}
		pos = 0;
		more = strstr(buf_str(&r.body), "<IsTruncated>true</IsTruncated>")
		    != NULL;
		buf_reset(&token);
		if (more && !xml_next(buf_str(&r.body), &pos,
		    "NextContinuationToken", 0, &token))
			more = 0;
		http_resp_free(&r);
	} while (rc == 0 && more);
	buf_free(&q);
	buf_free(&token);
	buf_free(&key);
	return rc;
}

/* Returns 1 if key has the shape of one of our objects. */
static int
is_ours(const struct s3be *b, const char *key)
{
	size_t pl = strlen(b->prefix), kl = strlen(key);

	return kl >= pl + 5 + 1 && strncmp(key, b->prefix, pl) == 0 &&
	    strcmp(key + kl - 5, ".json") == 0;
}

/* Returns the group of an object key, malloc'd, or NULL if the key is
 * not one of ours. */
static char *
key_group(const struct s3be *b, const char *key)
{
	size_t pl = strlen(b->prefix), kl = strlen(key);

	if (!is_ours(b, key))
		return NULL;
	return strndup(key + pl, kl - pl - 5);
}

struct collect {
	char **groups;
	size_t n;
};

static int
collect_group(struct s3be *b, const char *key, void *arg, struct err *e)
{
	struct collect *c = arg;
	char **v, *g;

	if ((g = key_group(b, key)) == NULL)
		return 0;
	/* a group, or a linked account's ACCOUNT:GROUP */
	if (!arn_source_group_ok(g)) {
		free(g);
		return 0;
	}
	if ((v = realloc(c->groups, (c->n + 1) * sizeof(*v))) == NULL) {
		free(g);
		return err_set(e, EXIT_RUNTIME, "out of memory");
	}
	c->groups = v;
	c->groups[c->n++] = g;
	return 0;
}

static void
collect_free(struct collect *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->groups[i]);
	free(c->groups);
}

/* The groups f is about, or every group in the bucket under the prefix. */
static int
groups_of(struct s3be *b, const struct ckpt_filter *f, struct collect *c,
    struct err *e)
{
	size_t i, j;
	char *g;

	memset(c, 0, sizeof(*c));
	if (f == NULL || (f->ngroups == 0 && f->nsources == 0))
		return s3_list(b, b->prefix, collect_group, c, e);
	for (i = 0; i < f->ngroups + f->nsources; i++) {
		/* a source's group ends at its last ':' (a stream name
		 * holds none; ACCOUNT:GROUP holds one) */
		g = i < f->ngroups ? strdup(f->groups[i]) :
		    strndup(f->sources[i - f->ngroups],
		    (size_t)(strrchr(f->sources[i - f->ngroups], ':') -
		    f->sources[i - f->ngroups]));
		if (g == NULL)
			return err_set(e, EXIT_RUNTIME, "out of memory");
		for (j = 0; j < c->n && strcmp(c->groups[j], g) != 0; j++)
			;
		if (j < c->n) {
			free(g);
			continue;
		}
		if ((c->groups = realloc(c->groups, (c->n + 1) *
		    sizeof(*c->groups))) == NULL) {
			free(g);
			c->n = 0;
			return err_set(e, EXIT_RUNTIME, "out of memory");
		}
		c->groups[c->n++] = g;
	}
	return 0;
}

static int
s3_load(struct ckpt *k, const struct ckpt_filter *f, struct ckpt_set *s,
    struct err *e)
{
	struct s3be *b = k->be;
	struct collect c;
	struct grp *g;
	size_t i;
	int r;

	if ((r = groups_of(b, f, &c, e)) == 0)
		for (i = 0; i < c.n && r == 0; i++) {
			if ((g = grp_get(b, c.groups[i])) == NULL)
				r = err_set(e, EXIT_RUNTIME, "out of memory");
			else if ((r = grp_load(b, g, e)) == 0 &&
			    ckpt_set_merge(s, g->set, f) == -1)
				r = err_set(e, EXIT_RUNTIME, "out of memory");
		}
	collect_free(&c);
	return r;
}

static int
s3_delete_object(struct s3be *b, struct grp *g, struct err *e)
{
	struct http_resp r;
	char *key;
	int rc = 0;

	if ((key = obj_key(b, g->group)) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	memset(&r, 0, sizeof(r));
	if (aws_s3(b->aws, "DELETE", b->bucket, key, NULL, NULL, NULL, 0, &r,
	    e) == -1)
		rc = err_prefix(e, "registry %s: DELETE %s", b->url, key);
	else if (r.status != 204 && r.status != 200 && r.status != 404)
		rc = s3_fail(b, &r, "DELETE", key, e);
	http_resp_free(&r);
	free(key);
	grp_forget(g);
	return rc;
}

/* Deletes the sources of group g that pass f: the whole object when all
 * of them go, else a conditional rewrite of the rest. */
static int
del_group(struct s3be *b, struct grp *g, const struct ckpt_filter *f,
    size_t *ndel, struct err *e)
{
	struct retry_policy rp = { 50, 2000, 0 };
	const struct cursor **v;
	struct buf key = BUF_INIT;
	size_t i, n, gone;
	int attempt, r;

	for (attempt = 0; attempt < S3_TRIES; attempt++) {
		if (grp_load(b, g, e) == -1)
			return -1;
		if ((v = ckpt_set_sorted(g->set, 0, &n)) == NULL && n)
			return err_set(e, EXIT_RUNTIME, "out of memory");
		gone = 0;
		for (i = 0; i < n; i++)
			if (ckpt_filter_match(f, v[i])) {
				buf_reset(&key);
				cursor_key(v[i], &key);
				gone += ckpt_set_del(g->set, buf_str(&key));
			}
		free(v);
		buf_free(&key);
		if (gone == 0)
			return 0;
		if (ckpt_set_len(g->set) == 0) {
			if (s3_delete_object(b, g, e) == -1)
				return -1;
			*ndel += gone;
			return 0;
		}
		if ((r = grp_write(b, g, e)) == -1)
			return -1;
		if (r == 0) {
			*ndel += gone;
			return 0;
		}
		sleep_ms(retry_delay_ms(&rp, attempt));
	}
	return err_set(e, EXIT_RUNTIME, "registry %s: group %s: %d conditional "
	    "writes in a row refused: too many writers on one object", b->url,
	    g->group, S3_TRIES);
}

static int
s3_del(struct ckpt *k, const struct ckpt_filter *f, size_t *ndel,
    struct err *e)
{
	struct s3be *b = k->be;
	struct collect c;
	struct grp *g;
	size_t i;
	int r;

	if ((r = groups_of(b, f, &c, e)) == 0)
		for (i = 0; i < c.n && r == 0; i++) {
			if ((g = grp_get(b, c.groups[i])) == NULL)
				r = err_set(e, EXIT_RUNTIME, "out of memory");
			else
				r = del_group(b, g, f, ndel, e);
		}
	collect_free(&c);
	return r;
}

static int
s3_init(struct ckpt *k, int *created, struct err *e)
{
	struct s3be *b = k->be;
	struct http_resp r;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	if (aws_s3(b->aws, "HEAD", b->bucket, NULL, NULL, NULL, NULL, 0, &r,
	    e) == -1)
		rc = err_prefix(e, "registry %s: HEAD bucket", b->url);
	else if (r.status == 403)
		rc = err_set(e, EXIT_AUTH, "registry %s: HEAD bucket %s: access "
		    "denied (HTTP 403)", b->url, b->bucket);
	else if (r.status != 200)
		rc = s3_fail(b, &r, "HEAD bucket", NULL, e);
	http_resp_free(&r);
	return rc;
}

static void
s3_close(struct ckpt *k)
{
	struct s3be *b = k->be;
	size_t i;

	for (i = 0; i < b->ng; i++) {
		grp_forget(b->g[i]);
		free(b->g[i]->group);
		free(b->g[i]);
	}
	free(b->g);
	aws_free(b->aws);
	free(b->bucket);
	free(b->prefix);
	free(b->url);
	free(b);
}

static const struct ckpt_ops s3_ops = {
	s3_load, s3_save, s3_del, s3_init, s3_close
};

/* The original beat's registry: one object per stream. */

struct legacy {
	const char *const *groups;
	size_t ngroups;
	struct ckpt_set *out;
	void (*note)(void *, const char *, const char *, int);
	void *arg;
};

static int
has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Splits rest (a key without the prefix) into group and stream: the
 * longest group named exactly, else the shortest that a pattern matches,
 * else (no group given at all) at the last '/'. Returns the length of the
 * group, or 0 if no split fits. */
static size_t
legacy_split(const struct legacy *l, const char *rest)
{
	size_t i, j, gl, best = 0, len = strlen(rest);
	char *cand;

	for (i = 0; i < l->ngroups; i++) {
		gl = strlen(l->groups[i]);
		if (!has_glob(l->groups[i]) && gl > best && gl + 1 < len &&
		    strncmp(rest, l->groups[i], gl) == 0 && rest[gl] == '/')
			best = gl;
	}
	if (best)
		return best;
	for (j = 1; j + 1 < len; j++) {
		if (rest[j] != '/')
			continue;
		if ((cand = strndup(rest, j)) == NULL)
			return 0;
		for (i = 0; i < l->ngroups; i++)
			if (has_glob(l->groups[i]) &&
			    fnmatch(l->groups[i], cand, 0) == 0)
				break;
		free(cand);
		if (i < l->ngroups)
			return j;
	}
	if (l->ngroups > 0)
		return 0;
	for (j = len; j > 1 && rest[j - 1] != '/'; j--)
		;
	return j > 1 && j < len ? j - 1 : 0;
}

static int
legacy_one(struct s3be *b, const char *key, void *arg, struct err *e)
{
	struct legacy *l = arg;
	struct http_resp r;
	struct cursor c;
	json_object *o = NULL;
	const char *rest = key + strlen(b->prefix), *why, *token, *buffer;
	size_t gl;
	int rc = 0;

	if ((gl = legacy_split(l, rest)) == 0) {
		if (is_ours(b, key))
			l->note(l->arg, key, "not a {NextToken, Buffer} object "
			    "(checkpoint lines of ours, passed over)", 0);
		else
			l->note(l->arg, key, l->ngroups ?
			    "not under a log group given" :
			    "no GROUP/STREAM in the key", 1);
		return 0;
	}
	memset(&r, 0, sizeof(r));
	if (aws_s3(b->aws, "GET", b->bucket, key, NULL, NULL, NULL, 0, &r,
	    e) == -1) {
		http_resp_free(&r);
		return err_prefix(e, "registry %s: GET %s", b->url, key);
	}
	if (r.status != 200) {
		rc = s3_fail(b, &r, "GET", key, e);
		http_resp_free(&r);
		return rc;
	}
	if ((o = jsonx_parse(buf_str(&r.body), r.body.len, &why)) == NULL ||
	    !json_object_is_type(o, json_type_object) ||
	    (token = jsonx_get_str(o, "NextToken", NULL)) == NULL) {
		/* Our own objects may share the prefix: not an error. */
		if (is_ours(b, key))
			l->note(l->arg, key, "not a {NextToken, Buffer} object "
			    "(checkpoint lines of ours, passed over)", 0);
		else
			l->note(l->arg, key, "not a {NextToken, Buffer} object",
			    1);
		json_object_put(o);
		http_resp_free(&r);
		return 0;
	}
	memset(&c, 0, sizeof(c));
	c.group = strndup(rest, gl);
	c.stream = strdup(rest + gl + 1);
	c.token = *token ? strdup(token) : NULL;
	if (c.group == NULL || c.stream == NULL || (*token && c.token == NULL) ||
	    ckpt_set_put(l->out, &c, 0) == -1)
		rc = err_set(e, EXIT_RUNTIME, "out of memory");
	else if ((buffer = jsonx_get_str(o, "Buffer", "")) && *buffer)
		l->note(l->arg, key, "its Buffer (lines of a multiline event "
		    "not yet sent) is not imported", 0);
	cursor_clear(&c);
	json_object_put(o);
	http_resp_free(&r);
	return rc;
}

int
ckpt_legacy_s3(struct ckpt *k, const char *const *groups, size_t ngroups,
    struct ckpt_set *out, void (*note)(void *, const char *, const char *,
    int), void *arg, struct err *e)
{
	struct legacy l = { groups, ngroups, out, note, arg };

	if (strcmp(k->scheme, "s3") != 0)
		return err_set(e, EXIT_USAGE, "%s: the original registry is in "
		    "S3: s3://BUCKET/PREFIX", k->name);
	return s3_list(k->be, ((struct s3be *)k->be)->prefix, legacy_one, &l, e);
}

/* Returns an AWS client for the options (NULL: the defaults). */
struct aws *
ckpt_aws(const struct ckpt_opts *o, struct err *e)
{
	struct aws_opts def;

	if (o == NULL || o->aws == NULL) {
		memset(&def, 0, sizeof(def));
		return aws_new(&def, e);
	}
	return aws_new(o->aws, e);
}

int
ckpt_s3_open(struct ckpt *k, const char *bucket, const char *prefix,
    const struct ckpt_opts *o, struct err *e)
{
	struct buf u = BUF_INIT;
	struct s3be *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	buf_printf(&u, "s3://%s/%s", bucket, prefix);
	b->url = buf_detach(&u);
	b->bucket = strdup(bucket);
	b->prefix = strdup(prefix);
	k->ops = &s3_ops;
	k->scheme = "s3";
	k->be = b;
	if (b->url == NULL || b->bucket == NULL || b->prefix == NULL ||
	    (k->name = strdup(b->url)) == NULL) {
		s3_close(k);
		k->be = NULL;
		return err_set(e, EXIT_RUNTIME, "out of memory");
	}
	if ((b->aws = ckpt_aws(o, e)) == NULL) {
		err_prefix(e, "registry %s", b->url);
		s3_close(k);
		k->be = NULL;
		return -1;
	}
	return 0;
}

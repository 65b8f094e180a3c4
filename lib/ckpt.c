/*
 * ckpt: the set of cursors by source, URL dispatch, and the memory store.
 * The set is a strmap from source key to entry, so that merging a
 * thousand sources stays linear.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "ckpt.h"
#include "jsonx.h"
#include "strmap.h"

struct ent {
	struct cursor c;	/* owned */
	int dirty;
};

struct ckpt_set {
	struct strmap *m;	/* "GROUP:STREAM" -> struct ent */
	size_t ndirty;
};

struct ckpt_set *
ckpt_set_new(void)
{
	struct ckpt_set *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->m = strmap_new()) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

static void
ent_free(void *p)
{
	struct ent *x = p;

	if (x == NULL)
		return;
	cursor_clear(&x->c);
	free(x);
}

void
ckpt_set_free(struct ckpt_set *s)
{
	if (s == NULL)
		return;
	strmap_free(s->m, ent_free);
	free(s);
}

size_t
ckpt_set_len(const struct ckpt_set *s)
{
	return strmap_count(s->m);
}

size_t
ckpt_set_ndirty(const struct ckpt_set *s)
{
	return s->ndirty;
}

int
ckpt_set_put(struct ckpt_set *s, const struct cursor *c, int mark)
{
	struct buf key = BUF_INIT;
	struct cursor copy;
	struct ent *x;
	void **v;

	if (cursor_key(c, &key) == -1)
		return -1;
	if ((x = strmap_get(s->m, key.p)) != NULL) {
		buf_free(&key);
		if (cursor_cmp(c, &x->c) <= 0)
			return 0;
		if (cursor_copy(&copy, c) == -1)
			return -1;
		cursor_clear(&x->c);
		x->c = copy;
		if (mark && !x->dirty) {
			x->dirty = 1;
			s->ndirty++;
		}
		return 1;
	}
	if ((x = calloc(1, sizeof(*x))) == NULL ||
	    cursor_copy(&x->c, c) == -1) {
		free(x);
		buf_free(&key);
		return -1;
	}
	v = strmap_put(s->m, key.p);
	buf_free(&key);
	if (v == NULL) {
		ent_free(x);
		return -1;
	}
	*v = x;
	x->dirty = mark != 0;
	s->ndirty += x->dirty;
	return 1;
}

const struct cursor *
ckpt_set_get(const struct ckpt_set *s, const char *key)
{
	struct ent *x = strmap_get(s->m, key);

	return x ? &x->c : NULL;
}

int
ckpt_set_is_dirty(const struct ckpt_set *s, const char *key)
{
	struct ent *x = strmap_get(s->m, key);

	return x ? x->dirty : 0;
}

void
ckpt_set_clean(struct ckpt_set *s, const char *key)
{
	struct ent *x;
	const char *k;
	void *v;
	size_t it = 0;

	if (key != NULL) {
		if ((x = strmap_get(s->m, key)) != NULL && x->dirty) {
			x->dirty = 0;
			s->ndirty--;
		}
		return;
	}
	while (strmap_next(s->m, &it, &k, &v))
		((struct ent *)v)->dirty = 0;
	s->ndirty = 0;
}

int
ckpt_set_del(struct ckpt_set *s, const char *key)
{
	void *v;

	if (!strmap_del(s->m, key, &v))
		return 0;
	s->ndirty -= ((struct ent *)v)->dirty;
	ent_free(v);
	return 1;
}

struct kent {
	const char *key;
	const struct ent *x;
};

static int
by_key(const void *a, const void *b)
{
	return strcmp(((const struct kent *)a)->key,
	    ((const struct kent *)b)->key);
}

const struct cursor **
ckpt_set_sorted(const struct ckpt_set *s, int dirty_only, size_t *n)
{
	const struct cursor **out;
	struct kent *v;
	const char *k;
	void *x;
	size_t i, it = 0, len = strmap_count(s->m), m = 0;

	*n = 0;
	if ((dirty_only ? s->ndirty : len) == 0)
		return NULL;
	if ((v = malloc(len * sizeof(*v))) == NULL ||
	    (out = malloc(len * sizeof(*out))) == NULL) {
		free(v);
		*n = (size_t)-1;
		return NULL;
	}
	while (strmap_next(s->m, &it, &k, &x))
		if (!dirty_only || ((struct ent *)x)->dirty) {
			v[m].key = k;
			v[m++].x = x;
		}
	qsort(v, m, sizeof(*v), by_key);
	for (i = 0; i < m; i++)
		out[i] = &v[i].x->c;
	free(v);
	*n = m;
	return out;
}

int
ckpt_set_ndjson(const struct ckpt_set *s, struct buf *b)
{
	const struct cursor **v;
	size_t i, n;
	int r = 0;

	if ((v = ckpt_set_sorted(s, 0, &n)) == NULL)
		return n == (size_t)-1 ? -1 : 0;
	for (i = 0; i < n && r == 0; i++)
		if ((r = cursor_to_json(v[i], b)) == 0)
			r = buf_addc(b, '\n');
	free(v);
	return r;
}

size_t
ckpt_eol(const char *p, size_t n)
{
	const char *q = memchr(p, '\n', n);

	return q ? (size_t)(q - p) : n;
}

static int
blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

int
ckpt_set_parse(struct ckpt_set *s, const char *p, size_t n,
    const char *what, struct err *e)
{
	struct cursor c;
	size_t len, line = 0;

	while (n > 0) {
		len = ckpt_eol(p, n);
		line++;
		if (!blank(p, len)) {
			if (cursor_parse(p, len, &c, e) == -1) {
				err_prefix(e, "%s: line %zu", what, line);
				e->code = EXIT_RUNTIME;
				return -1;
			}
			if (ckpt_set_put(s, &c, 0) == -1) {
				cursor_clear(&c);
				return err_set(e, EXIT_RUNTIME, "%s: out of memory",
				    what);
			}
			cursor_clear(&c);
		}
		if (len == n)
			break;
		p += len + 1;
		n -= len + 1;
	}
	return 0;
}

int
ckpt_filter_match(const struct ckpt_filter *f, const struct cursor *c)
{
	size_t i, gl;

	if (f == NULL || (f->ngroups == 0 && f->nsources == 0))
		return 1;
	for (i = 0; i < f->ngroups; i++)
		if (strcmp(f->groups[i], c->group) == 0)
			return 1;
	gl = strlen(c->group);
	for (i = 0; i < f->nsources; i++)
		if (strncmp(f->sources[i], c->group, gl) == 0 &&
		    f->sources[i][gl] == ':' &&
		    strcmp(f->sources[i] + gl + 1, c->stream) == 0)
			return 1;
	return 0;
}

int
ckpt_set_merge(struct ckpt_set *dst, const struct ckpt_set *src,
    const struct ckpt_filter *f)
{
	const char *k;
	void *v;
	size_t it = 0;

	while (strmap_next(src->m, &it, &k, &v))
		if (ckpt_filter_match(f, &((struct ent *)v)->c) &&
		    ckpt_set_put(dst, &((struct ent *)v)->c, 0) == -1)
			return -1;
	return 0;
}

int
ckpt_merge_dirty(struct ckpt_set *base, struct ckpt_set *s,
    const char *group, struct ckpt_stats *st)
{
	const struct cursor *held;
	struct ent *x;
	const char *k;
	void *v;
	size_t it = 0;
	int r;

	/* the puts into s below are of keys it holds: the walk survives */
	while (strmap_next(s->m, &it, &k, &v)) {
		x = v;
		if (!x->dirty || (group && strcmp(group, x->c.group) != 0))
			continue;
		if ((r = ckpt_set_put(base, &x->c, 0)) == -1)
			return -1;
		if (r == 1) {
			st->written++;
			continue;
		}
		held = ckpt_set_get(base, k);
		if (held && cursor_cmp(held, &x->c) > 0) {
			st->kept++;
			if (ckpt_set_put(s, held, 0) == -1)
				return -1;
		}
	}
	return 0;
}

/* memory: the set lives as long as the store. */

static int
mem_load(struct ckpt *k, const struct ckpt_filter *f, struct ckpt_set *s,
    struct err *e)
{
	const struct cursor **v;
	size_t i, n;

	if ((v = ckpt_set_sorted(k->be, 0, &n)) == NULL && n)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	for (i = 0; i < n; i++)
		if (ckpt_filter_match(f, v[i]) && ckpt_set_put(s, v[i], 0) == -1) {
			free(v);
			return err_set(e, EXIT_RUNTIME, "out of memory");
		}
	free(v);
	return 0;
}

static int
mem_save(struct ckpt *k, struct ckpt_set *s, struct ckpt_stats *st,
    struct err *e)
{
	if (ckpt_merge_dirty(k->be, s, NULL, st) == -1)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	ckpt_set_clean(s, NULL);
	return 0;
}

static int
mem_del(struct ckpt *k, const struct ckpt_filter *f, size_t *ndel,
    struct err *e)
{
	const struct cursor **v;
	struct buf key = BUF_INIT;
	size_t i, n;

	if ((v = ckpt_set_sorted(k->be, 0, &n)) == NULL && n)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	for (i = 0; i < n; i++) {
		if (!ckpt_filter_match(f, v[i]))
			continue;
		buf_reset(&key);
		if (cursor_key(v[i], &key) == -1) {
			free(v);
			return err_set(e, EXIT_RUNTIME, "out of memory");
		}
		/* v[i] dies with its entry: nothing reads it after this. */
		*ndel += ckpt_set_del(k->be, key.p);
	}
	buf_free(&key);
	free(v);
	return 0;
}

static int
mem_init(struct ckpt *k, int *created, struct err *e)
{
	return 0;
}

static void
mem_close(struct ckpt *k)
{
	ckpt_set_free(k->be);
}

static const struct ckpt_ops mem_ops = {
	mem_load, mem_save, mem_del, mem_init, mem_close
};

/* Returns 1 if url starts with "scheme:" (case-insensitive scheme). */
static int
has_scheme(const char *url, const char *scheme)
{
	size_t n = strlen(scheme);

	return strncasecmp(url, scheme, n) == 0 && url[n] == ':';
}

/* Returns 1 if url looks like "word://...", the shape of a URL with a
 * scheme this program does not know. */
static int
looks_like_url(const char *url)
{
	const char *p = url;

	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	    (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.')
		p++;
	return p > url && strncmp(p, "://", 3) == 0;
}

static int
open_s3(struct ckpt *k, const char *url, const struct ckpt_opts *o,
    struct err *e)
{
	const char *b = url + strlen("s3://"), *slash;
	char *bucket;
	int r;

	slash = strchr(b, '/');
	if ((slash ? (size_t)(slash - b) : strlen(b)) == 0)
		return err_set(e, EXIT_USAGE,
		    "registry %s: no bucket (s3://BUCKET/PREFIX)", url);
	bucket = slash ? strndup(b, (size_t)(slash - b)) : strdup(b);
	if (bucket == NULL)
		return err_set(e, EXIT_RUNTIME, "out of memory");
	r = ckpt_s3_open(k, bucket, slash ? slash + 1 : "", o, e);
	free(bucket);
	return r;
}

struct ckpt *
ckpt_open(const char *url, const struct ckpt_opts *o, struct err *e)
{
	struct ckpt *k;
	int r;

	if (url == NULL || *url == '\0') {
		err_set(e, EXIT_USAGE, "registry: empty URL");
		return NULL;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		err_set(e, EXIT_RUNTIME, "out of memory");
		return NULL;
	}
	if (has_scheme(url, "memory")) {
		if (url[7] != '\0') {
			free(k);
			err_set(e, EXIT_USAGE, "registry %s: memory: takes "
			    "nothing after the colon", url);
			return NULL;
		}
		k->ops = &mem_ops;
		k->scheme = "memory";
		k->name = strdup("memory:");
		if ((k->be = ckpt_set_new()) == NULL || k->name == NULL) {
			ckpt_close(k);
			err_set(e, EXIT_RUNTIME, "out of memory");
			return NULL;
		}
		return k;
	}
	if (strncasecmp(url, "s3://", 5) == 0)
		r = open_s3(k, url, o, e);
	else if (strncasecmp(url, "dynamodb://", 11) == 0) {
		if (url[11] == '\0' || strchr(url + 11, '/') != NULL)
			r = err_set(e, EXIT_USAGE, "registry %s: expected "
			    "dynamodb://TABLE", url);
		else
			r = ckpt_ddb_open(k, url + 11, o, e);
	} else if (strncasecmp(url, "file://", 7) == 0)
		r = ckpt_file_open(k, url + 7, o, e);
	else if (has_scheme(url, "file"))
		r = ckpt_file_open(k, url + 5, o, e);
	else if (looks_like_url(url))
		r = err_set(e, EXIT_USAGE, "registry %s: unknown scheme "
		    "(memory:, file:PATH, s3://BUCKET/PREFIX, dynamodb://TABLE)",
		    url);
	else
		r = ckpt_file_open(k, url, o, e);
	if (r == -1) {
		free(k->name);
		free(k);
		return NULL;
	}
	return k;
}

void
ckpt_close(struct ckpt *k)
{
	if (k == NULL)
		return;
	if (k->ops && k->be)
		k->ops->close(k);
	free(k->name);
	free(k);
}

const char *
ckpt_name(const struct ckpt *k)
{
	return k->name;
}

const char *
ckpt_scheme(const struct ckpt *k)
{
	return k->scheme;
}

int
ckpt_load(struct ckpt *k, const struct ckpt_filter *f, struct ckpt_set *s,
    struct err *e)
{
	return k->ops->load(k, f, s, e);
}

int
ckpt_save(struct ckpt *k, struct ckpt_set *s, struct ckpt_stats *st,
    struct err *e)
{
	struct ckpt_stats dummy;

	if (st == NULL)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	if (ckpt_set_ndirty(s) == 0)
		return 0;
	return k->ops->save(k, s, st, e);
}

int
ckpt_delete(struct ckpt *k, const struct ckpt_filter *f, size_t *ndel,
    struct err *e)
{
	size_t dummy;

	if (ndel == NULL)
		ndel = &dummy;
	*ndel = 0;
	return k->ops->del(k, f, ndel, e);
}

int
ckpt_init(struct ckpt *k, int *created, struct err *e)
{
	int dummy;

	if (created == NULL)
		created = &dummy;
	*created = 0;
	return k->ops->init(k, created, e);
}

/*
 * ckpt: checkpoint stores. A store keeps the newest cursor (cursor.h) of
 * each source "GROUP:STREAM"; a cursor in a store never moves backwards
 * (cursor_cmp). Stores are named by URL:
 *
 *   memory:             kept for the life of the process only
 *   file:PATH, PATH     NDJSON of cursors, one line per source, replaced
 *                       atomically (temporary file, fsync, rename, fsync of
 *                       the directory); writers hold a lock on PATH.lock
 *   s3://BUCKET/PREFIX  one object per log group at PREFIX GROUP ".json",
 *                       NDJSON of that group's cursors, replaced with
 *                       conditional PUTs (If-Match, If-None-Match: *)
 *   dynamodb://TABLE    one item per source, partition key "source" (S),
 *                       written with a conditional PutItem
 *
 * Saving merges with what the store holds, newest cursor per source, so
 * that two writers never lose each other's updates and a stale writer
 * never moves a checkpoint back.
 */
#ifndef CWL_CKPT_H
#define CWL_CKPT_H

#include <stddef.h>

#include "aws.h"
#include "cursor.h"
#include "err.h"

/* A set of cursors by source key, in memory, with a dirty mark per source. */
struct ckpt_set;

/* Returns an empty set owned by the caller (ckpt_set_free), or NULL. */
struct ckpt_set *ckpt_set_new(void);
void ckpt_set_free(struct ckpt_set *s);
/* Returns the number of sources in s. */
size_t ckpt_set_len(const struct ckpt_set *s);
/* Returns the number of sources marked dirty. */
size_t ckpt_set_ndirty(const struct ckpt_set *s);
/* Keeps a copy of c when s has no cursor for its source or c is newer
 * (cursor_cmp > 0), and marks the source dirty if mark. Returns 1 if c was
 * taken, 0 if s already held a cursor as new or newer, -1 on ENOMEM. */
int ckpt_set_put(struct ckpt_set *s, const struct cursor *c, int mark);
/* Returns the cursor of a source key, owned by s, or NULL. */
const struct cursor *ckpt_set_get(const struct ckpt_set *s, const char *key);
/* Returns 1 if the source is marked dirty, else 0. */
int ckpt_set_is_dirty(const struct ckpt_set *s, const char *key);
/* Clears the dirty mark of one source (key) or of every source (NULL). */
void ckpt_set_clean(struct ckpt_set *s, const char *key);
/* Removes a source. Returns 1 if it was there, else 0. */
int ckpt_set_del(struct ckpt_set *s, const char *key);
/* Returns the cursors sorted by source key (dirty ones only if
 * dirty_only) as a malloc'd array owned by the caller; the cursors stay
 * owned by s and valid until s changes. *n is their number. Returns NULL
 * with *n = 0 when there are none, or on ENOMEM (then *n = (size_t)-1). */
const struct cursor **ckpt_set_sorted(const struct ckpt_set *s, int dirty_only,
    size_t *n);
/* Appends the cursors of s, sorted by source key, one JSON line each.
 * Returns 0 or -1 (ENOMEM). */
int ckpt_set_ndjson(const struct ckpt_set *s, struct buf *b);
/* Parses NDJSON cursors (blank lines allowed) into s without marking
 * them. what names the input in the message ("registry x.ndjson").
 * Returns 0, or -1 with e naming what and the line (EXIT_RUNTIME). */
int ckpt_set_parse(struct ckpt_set *s, const char *p, size_t n,
    const char *what, struct err *e);

/* Which sources an operation is about: every source when both lists are
 * empty; else those of the groups plus the sources named. */
struct ckpt_filter {
	const char *const *groups;
	size_t ngroups;
	const char *const *sources;	/* source keys "GROUP:STREAM" */
	size_t nsources;
};

/* Returns 1 if the cursor c passes f (f may be NULL), else 0. */
int ckpt_filter_match(const struct ckpt_filter *f, const struct cursor *c);

struct ckpt_opts {
	const struct aws_opts *aws;	/* for s3:// and dynamodb:// */
	int writer;	/* file: take the writer's lock for the life of the store */
};

/* What the last ckpt_save did. */
struct ckpt_stats {
	size_t written;		/* sources written */
	size_t kept;		/* sources where the store held a newer cursor */
	size_t conflicts;	/* conditional writes refused and retried */
};

struct ckpt;

/* Opens the store a URL names. Returns it, owned by the caller
 * (ckpt_close), or NULL with e: an unknown scheme or a malformed URL is
 * EXIT_USAGE; a file whose lock another writer holds is EXIT_RUNTIME
 * ("registry PATH is locked by another writer (pid N)"); a file that
 * cannot be read or parsed (when opened as a writer) is EXIT_RUNTIME. */
struct ckpt *ckpt_open(const char *url, const struct ckpt_opts *o,
    struct err *e);
/* Releases the store (and the file lock). */
void ckpt_close(struct ckpt *k);
/* Returns the store's name for messages ("file:x.ndjson",
 * "s3://b/p", "dynamodb://t", "memory:"); owned by k. */
const char *ckpt_name(const struct ckpt *k);
/* Returns the scheme: "memory", "file", "s3" or "dynamodb"; static. */
const char *ckpt_scheme(const struct ckpt *k);

/* Loads the cursors that pass f (NULL: all) into s, newest per source,
 * unmarked. An absent store is empty. A corrupt file or object is an
 * error naming it (EXIT_RUNTIME), a refused access EXIT_AUTH. Returns 0
 * or -1. */
int ckpt_load(struct ckpt *k, const struct ckpt_filter *f,
    struct ckpt_set *s, struct err *e);
/* Writes the dirty sources of s, merged with what the store holds: where
 * the store is newer its cursor is kept, and replaces the one in s. The
 * marks are cleared on success. st (may be NULL) says what was done.
 * Returns 0 or -1. */
int ckpt_save(struct ckpt *k, struct ckpt_set *s, struct ckpt_stats *st,
    struct err *e);
/* Deletes the sources that pass f (NULL: all). *ndel (may be NULL) gets
 * the number deleted. Returns 0 or -1. */
int ckpt_delete(struct ckpt *k, const struct ckpt_filter *f, size_t *ndel,
    struct err *e);
/* Prepares the store: a dynamodb table is created (PAY_PER_REQUEST, key
 * "source") and waited for until ACTIVE; an s3 bucket must exist; a file
 * is created empty if absent. *created = 1 if something was created.
 * Returns 0 or -1. */
int ckpt_init(struct ckpt *k, int *created, struct err *e);

/* Reads the original Go beat's registry in the S3 store k (opened from
 * s3://BUCKET/PREFIX): one object per stream at PREFIX GROUP "/" STREAM
 * holding {"NextToken": "...", "Buffer": "..."}. Each becomes the cursor
 * {group, stream, token: NextToken, skip: 0, ts: 0, n: 0} in out, since
 * NextToken is the token of the next page to read. groups (exact names
 * or fnmatch patterns, as the original's groupnames) split the keys whose
 * stream names hold '/'; with none, a key is split at its last '/'.
 * note(arg, key, why, rejected) hears of each object skipped (rejected 1)
 * or imported in part (rejected 0). Returns 0 or -1. */
int ckpt_legacy_s3(struct ckpt *k, const char *const *groups, size_t ngroups,
    struct ckpt_set *out, void (*note)(void *, const char *, const char *,
    int), void *arg, struct err *e);

/* Shared by the backends (lib/ckpt*.c); not for programs. */
struct ckpt_ops {
	int (*load)(struct ckpt *, const struct ckpt_filter *,
	    struct ckpt_set *, struct err *);
	int (*save)(struct ckpt *, struct ckpt_set *, struct ckpt_stats *,
	    struct err *);
	int (*del)(struct ckpt *, const struct ckpt_filter *, size_t *,
	    struct err *);
	int (*init)(struct ckpt *, int *, struct err *);
	void (*close)(struct ckpt *);
};
struct ckpt {
	const struct ckpt_ops *ops;
	const char *scheme;	/* static */
	char *name;		/* owned */
	void *be;		/* the backend's state */
};
/* Each fills k->be (and k->name) for the rest of the URL, or returns -1. */
int ckpt_file_open(struct ckpt *k, const char *path,
    const struct ckpt_opts *o, struct err *e);
int ckpt_s3_open(struct ckpt *k, const char *bucket, const char *prefix,
    const struct ckpt_opts *o, struct err *e);
int ckpt_ddb_open(struct ckpt *k, const char *table,
    const struct ckpt_opts *o, struct err *e);
/* Returns an AWS client for o->aws (defaults when NULL), owned by the
 * caller (aws_free), or NULL with e. */
struct aws *ckpt_aws(const struct ckpt_opts *o, struct err *e);
/* Copies the cursors of src that pass f into dst, unmarked, newest per
 * source. Returns 0 or -1 (ENOMEM). */
int ckpt_set_merge(struct ckpt_set *dst, const struct ckpt_set *src,
    const struct ckpt_filter *f);
/* Merges the dirty cursors of s (those of group only, unless NULL) into
 * base: where base is newer, its cursor replaces the one in s and counts
 * in st->kept, else the cursor counts in st->written. Returns 0 or -1. */
int ckpt_merge_dirty(struct ckpt_set *base, struct ckpt_set *s,
    const char *group, struct ckpt_stats *st);
/* Returns the index of the first '\n' at or after p[0], or n. */
size_t ckpt_eol(const char *p, size_t n);

#endif

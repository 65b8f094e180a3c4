/*
 * strmap: a table from strings to pointers, for the places that only
 * need a map (the streams of a group, the names a listing has seen, the
 * cursors of a set, the sources of the ack lines). Open addressing with
 * linear probing on FNV-1a, deletion by backward shift; the keys are
 * copied and owned by the map, the values are the caller's. A key is a
 * C string, or (the *n functions) n bytes that may hold NULs; the map's
 * copy always ends with a NUL.
 */
#ifndef CWL_STRMAP_H
#define CWL_STRMAP_H

#include <stddef.h>

struct strmap;

/* Returns an empty map, or NULL (out of memory). */
struct strmap *strmap_new(void);
/* Frees the map and its keys; free_val (if not NULL) is called on each
 * value. */
void strmap_free(struct strmap *m, void (*free_val)(void *));
/* Returns the value of key, or NULL when key is not there. */
void *strmap_get(const struct strmap *m, const char *key);
void *strmap_getn(const struct strmap *m, const char *key, size_t n);
/* Returns where the value of key is kept (NULL for a key just added),
 * valid until the next strmap_put or strmap_del; or NULL when out of
 * memory. The put of a key already there moves nothing, so it may come
 * in the middle of a walk. */
void **strmap_put(struct strmap *m, const char *key);
void **strmap_putn(struct strmap *m, const char *key, size_t n);
/* Removes key (which may be the map's own copy, from strmap_next), and
 * gives its value in *val (val may be NULL) for the caller to free.
 * Returns 1 if key was there, else 0. Entries move: a walk does not
 * survive it. */
int strmap_del(struct strmap *m, const char *key, void **val);
int strmap_deln(struct strmap *m, const char *key, size_t n, void **val);
size_t strmap_count(const struct strmap *m);
/* Walks the entries: start with *it = 0; returns 1 with the next key
 * (owned by the map) and value, or 0 at the end. The map must not
 * change meanwhile, but for the values and strmap_put of keys there. */
int strmap_next(const struct strmap *m, size_t *it, const char **key,
    void **val);

#endif

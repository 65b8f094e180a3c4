/*
 * strmap: a table from strings to pointers, for the places that only
 * need a map (the streams of a group, the names a listing has seen).
 * Open addressing with linear probing on FNV-1a; the keys are copied
 * and owned by the map, the values are the caller's.
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
/* Returns where the value of key is kept (NULL for a key just added),
 * valid until the next strmap_put; or NULL when out of memory. */
void **strmap_put(struct strmap *m, const char *key);
size_t strmap_count(const struct strmap *m);
/* Walks the entries: start with *it = 0; returns 1 with the next key
 * and value, or 0 at the end. The map must not change meanwhile. */
int strmap_next(const struct strmap *m, size_t *it, const char **key,
    void **val);

#endif

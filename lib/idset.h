/*
 * idset: a set of 128-bit ids (event ids), each with a time after which
 * it may go. cwl-tail keeps there the events one of its two ways of
 * reading a group wrote, so that the other does not write them again.
 */
#ifndef CWL_IDSET_H
#define CWL_IDSET_H

#include <stddef.h>
#include <stdint.h>

struct idset;

/* Returns an empty set, or NULL (out of memory). */
struct idset *idset_new(void);
void idset_free(struct idset *s);
/* Returns the expiry of id (settable through the pointer, valid until
 * the next idset_put or idset_expire), or NULL when id is not in s. */
int64_t *idset_find(struct idset *s, const unsigned char id[16]);
/* Adds id with its expiry, or sets the expiry of id already there.
 * Returns 0, or -1 (out of memory; s unchanged). */
int idset_put(struct idset *s, const unsigned char id[16], int64_t expire);
/* Adds id with its expiry unless it is there already (its expiry then
 * unchanged). Returns 0 if it was added, 1 if it was there, or -1 (out of
 * memory; s unchanged). */
int idset_add(struct idset *s, const unsigned char id[16], int64_t expire);
/* Removes the ids whose expiry is before now. */
void idset_expire(struct idset *s, int64_t now);
size_t idset_count(const struct idset *s);
/* Reads 32 hex digits into id. Returns 0, or -1 if hex is not that. */
int idset_hex(const char *hex, unsigned char id[16]);

#endif

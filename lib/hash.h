/* hash: FNV-1a, 64 bits, for the hash tables and for stable shards. */
#ifndef CWL_HASH_H
#define CWL_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The offset basis to start from. */
#define HASH_FNV_OFFSET 14695981039346656037ULL

/* Returns h updated with the n bytes at p. */
uint64_t hash_bytes(uint64_t h, const void *p, size_t n);
/* Returns h updated with the bytes of the C string s. */
uint64_t hash_str(uint64_t h, const char *s);
/* Returns 1 if a (a log group), or a:b (a stream b of it, b not NULL),
 * falls in shard i of n (1 <= i <= n; n = 0: no sharding, always 1).
 * cwl-list and cwl-tail take the same streams for --shard I/N. */
int hash_in_shard(const char *a, const char *b, unsigned i, unsigned n);

#endif

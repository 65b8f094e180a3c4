#include "hash.h"

#define FNV_PRIME 1099511628211ULL

uint64_t
hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ s[i]) * FNV_PRIME;
	return h;
}

uint64_t
hash_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * FNV_PRIME;
	return h;
}

int
hash_in_shard(const char *a, const char *b, unsigned i, unsigned n)
{
	uint64_t h;

	if (n == 0)
		return 1;
	h = hash_str(HASH_FNV_OFFSET, a);
	if (b)
		h = hash_str(hash_bytes(h, ":", 1), b);
	return h % n == i - 1;
}

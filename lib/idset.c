/*
 * idset.c: open addressing with linear probing, at most half full, in one
 * array, so that a probe touches one cache line: a free slot has the
 * expiry EMPTY, which no id is given. The ids are digests, so their first
 * bytes are the hash. Nothing is removed one by one: idset_expire builds
 * the table again without the expired, which keeps the probing simple.
 */
#include <stdlib.h>
#include <string.h>

#include "idset.h"

#define EMPTY INT64_MIN

struct ent {
	unsigned char id[16];
	int64_t expire;
};

struct idset {
	struct ent *v;
	size_t cap, n;		/* cap: a power of 2 */
};

static size_t
slot0(const unsigned char id[16], size_t cap)
{
	uint64_t h = 0;
	int i;

	for (i = 0; i < 8; i++)
		h = h << 8 | id[i];
	return (size_t)(h ^ (h >> 31)) & (cap - 1);
}

static int
alloc_tab(struct idset *s, size_t cap)
{
	struct ent *v = malloc(cap * sizeof(*v));
	size_t i;

	if (v == NULL)
		return -1;
	for (i = 0; i < cap; i++)
		v[i].expire = EMPTY;
	s->v = v;
	s->cap = cap;
	s->n = 0;
	return 0;
}

struct idset *
idset_new(void)
{
	struct idset *s = calloc(1, sizeof(*s));

	if (s == NULL || alloc_tab(s, 64) == -1) {
		free(s);
		return NULL;
	}
	return s;
}

void
idset_free(struct idset *s)
{
	if (s == NULL)
		return;
	free(s->v);
	free(s);
}

static size_t
lookup(const struct idset *s, const unsigned char id[16], int *found)
{
	size_t i, mask = s->cap - 1;

	for (i = slot0(id, s->cap); s->v[i].expire != EMPTY; i = (i + 1) & mask)
		if (memcmp(s->v[i].id, id, 16) == 0) {
			*found = 1;
			return i;
		}
	*found = 0;
	return i;
}

int64_t *
idset_find(struct idset *s, const unsigned char id[16])
{
	int found;
	size_t i = lookup(s, id, &found);

	return found ? &s->v[i].expire : NULL;
}

/* Moves the live entries (expiry at or after now) of s into a table of
 * cap slots. */
static int
rebuild(struct idset *s, size_t cap, int64_t now)
{
	struct idset old = *s;
	size_t i, k;
	int found;

	if (alloc_tab(s, cap) == -1) {
		*s = old;
		return -1;
	}
	for (i = 0; i < old.cap; i++) {
		if (old.v[i].expire == EMPTY || old.v[i].expire < now)
			continue;
		k = lookup(s, old.v[i].id, &found);
		s->v[k] = old.v[i];
		s->n++;
	}
	free(old.v);
	return 0;
}

int
idset_put(struct idset *s, const unsigned char id[16], int64_t expire)
{
	int found;
	size_t i;

	if ((s->n + 1) * 2 > s->cap && rebuild(s, s->cap * 2, INT64_MIN) == -1)
		return -1;
	i = lookup(s, id, &found);
	if (!found) {
		memcpy(s->v[i].id, id, 16);
		s->n++;
	}
	/* EMPTY marks a free slot: the earliest time there is, one later */
	s->v[i].expire = expire == EMPTY ? EMPTY + 1 : expire;
	return 0;
}

void
idset_expire(struct idset *s, int64_t now)
{
	size_t cap = s->cap, live = 0, i;

	for (i = 0; i < s->cap; i++)
		live += s->v[i].expire != EMPTY && s->v[i].expire >= now;
	if (live == s->n)
		return;
	/* shrink as well, down to a quarter full */
	while (cap > 64 && live * 4 < cap / 2)
		cap /= 2;
	/* out of memory: the expired stay, which is only memory */
	(void)rebuild(s, cap, now);
}

size_t
idset_count(const struct idset *s)
{
	return s->n;
}

int
idset_hex(const char *hex, unsigned char id[16])
{
	int i, hi, lo;

	for (i = 0; i < 16; i++) {
		hi = hex[2 * i];
		lo = hi ? hex[2 * i + 1] : 0;
		hi = hi >= '0' && hi <= '9' ? hi - '0' : hi >= 'a' && hi <= 'f' ?
		    hi - 'a' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' : lo >= 'a' && lo <= 'f' ?
		    lo - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		id[i] = (unsigned char)(hi << 4 | lo);
	}
	return hex[32] == '\0' ? 0 : -1;
}

/*
 * idset.c: open addressing with linear probing, at most half full, in one
 * array, so that a probe touches one cache line: a free slot has the
 * expiry EMPTY, which no id is given. The ids are digests, so their first
 * bytes are the hash. idset_expire removes in place, moving back the
 * entries of a cluster that a removal would cut from their slot (Knuth's
 * algorithm R), in one pass over the array: cwl-tail expires after every
 * sweep, with tens of thousands of ids kept.
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
	int64_t oldest;		/* no expiry is earlier */
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
	s->oldest = INT64_MAX;
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
		if (old.v[i].expire < s->oldest)
			s->oldest = old.v[i].expire;
	}
	free(old.v);
	return 0;
}

/* Sets the expiry of slot i. EMPTY marks a free slot: the earliest time
 * there is is taken as one later. */
static void
set_expire(struct idset *s, size_t i, int64_t expire)
{
	s->v[i].expire = expire == EMPTY ? EMPTY + 1 : expire;
	if (s->v[i].expire < s->oldest)
		s->oldest = s->v[i].expire;
}

/* Returns the slot of id, added with its expiry (and *added set) if it
 * was not there; or (size_t)-1, out of memory. */
static size_t
place(struct idset *s, const unsigned char id[16], int64_t expire, int *added)
{
	int found;
	size_t i;

	if ((s->n + 1) * 2 > s->cap && rebuild(s, s->cap * 2, INT64_MIN) == -1)
		return (size_t)-1;
	i = lookup(s, id, &found);
	*added = !found;
	if (!found) {
		memcpy(s->v[i].id, id, 16);
		s->n++;
		set_expire(s, i, expire);
	}
	return i;
}

int
idset_put(struct idset *s, const unsigned char id[16], int64_t expire)
{
	int added;
	size_t i = place(s, id, expire, &added);

	if (i == (size_t)-1)
		return -1;
	set_expire(s, i, expire);
	return 0;
}

int
idset_add(struct idset *s, const unsigned char id[16], int64_t expire)
{
	int added;

	if (place(s, id, expire, &added) == (size_t)-1)
		return -1;
	return !added;
}

/* Frees slot i, and moves back into the hole each later entry of the
 * cluster whose home slot is not between the hole and it. */
static void
remove_at(struct idset *s, size_t i)
{
	size_t mask = s->cap - 1, j = i, k;

	for (;;) {
		s->v[i].expire = EMPTY;
		for (;;) {
			j = (j + 1) & mask;
			if (s->v[j].expire == EMPTY)
				return;
			k = slot0(s->v[j].id, s->cap);
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;	/* found from its home without i */
			break;
		}
		s->v[i] = s->v[j];
		i = j;
	}
}

void
idset_expire(struct idset *s, int64_t now)
{
	size_t mask = s->cap - 1, start, i, n, cap = s->cap;
	int64_t oldest = INT64_MAX;

	if (now <= s->oldest)
		return;
	/* from a free slot (the table is at most half full): no cluster
	 * runs over it, so no entry is moved back past where the pass is */
	for (start = 0; s->v[start].expire != EMPTY; start++)
		;
	for (n = 1, i = (start + 1) & mask; n < s->cap; n++, i = (i + 1) & mask) {
		/* what moves back into i is looked at again */
		while (s->v[i].expire != EMPTY && s->v[i].expire < now) {
			remove_at(s, i);
			s->n--;
		}
		if (s->v[i].expire != EMPTY && s->v[i].expire < oldest)
			oldest = s->v[i].expire;
	}
	s->oldest = oldest;
	/* shrink, down to a quarter full; out of memory: it stays big,
	 * which is only memory */
	while (cap > 64 && s->n * 4 < cap / 2)
		cap /= 2;
	if (cap < s->cap)
		(void)rebuild(s, cap, INT64_MIN);
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

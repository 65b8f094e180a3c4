#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "strmap.h"

struct slot {
	char *key;	/* NULL: free */
	void *val;
	uint64_t hash;	/* of the key's bytes: probes and growth skip them */
	size_t len;
};

struct strmap {
	struct slot *v;
	size_t size, count;	/* size: a power of two, or 0 */
};

struct strmap *
strmap_new(void)
{
	return calloc(1, sizeof(struct strmap));
}

void
strmap_free(struct strmap *m, void (*free_val)(void *))
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->size; i++) {
		if (m->v[i].key == NULL)
			continue;
		free(m->v[i].key);
		if (free_val)
			free_val(m->v[i].val);
	}
	free(m->v);
	free(m);
}

/* Returns the slot of the key, or the free slot where it would go. */
static size_t
find(const struct slot *v, size_t size, uint64_t h, const char *key,
    size_t n)
{
	size_t i = (size_t)h & (size - 1);

	while (v[i].key && (v[i].hash != h || v[i].len != n ||
	    memcmp(v[i].key, key, n) != 0))
		i = (i + 1) & (size - 1);
	return i;
}

void *
strmap_getn(const struct strmap *m, const char *key, size_t n)
{
	size_t i;

	if (m->count == 0)
		return NULL;
	i = find(m->v, m->size, hash_bytes(HASH_FNV_OFFSET, key, n), key, n);
	return m->v[i].key ? m->v[i].val : NULL;
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	return strmap_getn(m, key, strlen(key));
}

/* Doubles the table; the load stays under a half. */
static int
grow(struct strmap *m)
{
	size_t size = m->size ? m->size * 2 : 64, i, k;
	struct slot *v = calloc(size, sizeof(*v));

	if (v == NULL)
		return -1;
	for (k = 0; k < m->size; k++) {
		if (m->v[k].key == NULL)
			continue;
		for (i = (size_t)m->v[k].hash & (size - 1); v[i].key;
		    i = (i + 1) & (size - 1))
			;
		v[i] = m->v[k];
	}
	free(m->v);
	m->v = v;
	m->size = size;
	return 0;
}

void **
strmap_putn(struct strmap *m, const char *key, size_t n)
{
	uint64_t h = hash_bytes(HASH_FNV_OFFSET, key, n);
	struct slot *s;
	size_t i = 0;

	if (m->size) {
		i = find(m->v, m->size, h, key, n);
		if (m->v[i].key)
			return &m->v[i].val;
	}
	if ((m->count + 1) * 2 > m->size) {
		if (grow(m) == -1)
			return NULL;
		i = find(m->v, m->size, h, key, n);
	}
	s = &m->v[i];
	if ((s->key = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(s->key, key, n);
	s->key[n] = '\0';
	s->val = NULL;
	s->hash = h;
	s->len = n;
	m->count++;
	return &s->val;
}

void **
strmap_put(struct strmap *m, const char *key)
{
	return strmap_putn(m, key, strlen(key));
}

int
strmap_deln(struct strmap *m, const char *key, size_t n, void **val)
{
	size_t i, j, mask = m->size - 1;

	if (m->count == 0)
		return 0;
	i = find(m->v, m->size, hash_bytes(HASH_FNV_OFFSET, key, n), key, n);
	if (m->v[i].key == NULL)
		return 0;
	if (val)
		*val = m->v[i].val;
	free(m->v[i].key);	/* key may have been this: not used after */
	m->count--;
	/* Backward shift: an entry of the run after the hole moves into it
	 * when its home is not between the hole and where it is, so that
	 * no probe stops at the hole short of it. */
	for (j = (i + 1) & mask; m->v[j].key; j = (j + 1) & mask)
		if (((j - (size_t)m->v[j].hash) & mask) >= ((j - i) & mask)) {
			m->v[i] = m->v[j];
			i = j;
		}
	m->v[i].key = NULL;
	return 1;
}

int
strmap_del(struct strmap *m, const char *key, void **val)
{
	return strmap_deln(m, key, strlen(key), val);
}

size_t
strmap_count(const struct strmap *m)
{
	return m->count;
}

int
strmap_next(const struct strmap *m, size_t *it, const char **key, void **val)
{
	while (*it < m->size) {
		const struct slot *s = &m->v[(*it)++];

		if (s->key) {
			*key = s->key;
			*val = s->val;
			return 1;
		}
	}
	return 0;
}

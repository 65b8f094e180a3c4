#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "strmap.h"

struct slot {
	char *key;
	void *val;
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

static size_t
find(const struct slot *v, size_t size, const char *key)
{
	size_t i = (size_t)hash_str(HASH_FNV_OFFSET, key) & (size - 1);

	while (v[i].key && strcmp(v[i].key, key) != 0)
		i = (i + 1) & (size - 1);
	return i;
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	size_t i;

	if (m->size == 0)
		return NULL;
	i = find(m->v, m->size, key);
	return m->v[i].key ? m->v[i].val : NULL;
}

/* Doubles the table; the load stays under a half. */
static int
grow(struct strmap *m)
{
	size_t size = m->size ? m->size * 2 : 64, k;
	struct slot *v = calloc(size, sizeof(*v));

	if (v == NULL)
		return -1;
	for (k = 0; k < m->size; k++)
		if (m->v[k].key)
			v[find(v, size, m->v[k].key)] = m->v[k];
	free(m->v);
	m->v = v;
	m->size = size;
	return 0;
}

void **
strmap_put(struct strmap *m, const char *key)
{
	size_t i;

	if ((m->count + 1) * 2 > m->size && grow(m) == -1)
		return NULL;
	i = find(m->v, m->size, key);
	if (m->v[i].key == NULL) {
		if ((m->v[i].key = strdup(key)) == NULL)
			return NULL;
		m->v[i].val = NULL;
		m->count++;
	}
	return &m->v[i].val;
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

#include <stdlib.h>

#include "sched.h"

static void
put(struct sched_heap *h, size_t i, struct sched_item *it)
{
	h->v[i] = it;
	it->hidx = i;
}

static void
sift_up(struct sched_heap *h, size_t i)
{
	struct sched_item *it = h->v[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (h->v[p]->due <= it->due)
			break;
		put(h, i, h->v[p]);
		i = p;
	}
	put(h, i, it);
}

static void
sift_down(struct sched_heap *h, size_t i)
{
	struct sched_item *it = h->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->due < h->v[c]->due)
			c++;
		if (it->due <= h->v[c]->due)
			break;
		put(h, i, h->v[c]);
		i = c;
	}
	put(h, i, it);
}

void
sched_item_init(struct sched_item *it)
{
	it->hidx = SCHED_NONE;
	it->due = 0;
}

int
sched_queued(const struct sched_item *it)
{
	return it->hidx != SCHED_NONE;
}

int
sched_at(struct sched_heap *h, struct sched_item *it, int64_t due)
{
	sched_remove(h, it);
	it->due = due;
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct sched_item **v = realloc(h->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	put(h, h->n++, it);
	sift_up(h, h->n - 1);
	return 0;
}

struct sched_item *
sched_top(const struct sched_heap *h)
{
	return h->n ? h->v[0] : NULL;
}

struct sched_item *
sched_pop(struct sched_heap *h)
{
	struct sched_item *it;

	if (h->n == 0)
		return NULL;
	it = h->v[0];
	it->hidx = SCHED_NONE;
	if (--h->n > 0) {
		put(h, 0, h->v[h->n]);
		sift_down(h, 0);
	}
	return it;
}

void
sched_remove(struct sched_heap *h, struct sched_item *it)
{
	size_t i = it->hidx;

	if (i == SCHED_NONE || i >= h->n || h->v[i] != it)
		return;
	it->hidx = SCHED_NONE;
	if (i == --h->n)
		return;
	put(h, i, h->v[h->n]);
	sift_up(h, i);
	sift_down(h, h->v[i]->hidx);
}

void
sched_free(struct sched_heap *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}

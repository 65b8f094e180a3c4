/*
 * sched: a min-heap of items by due time (monotonic ms), so that a
 * program with 50,000 sources finds the next one due in O(log n) and
 * idle sources cost nothing per tick. An item is embedded in its owner's
 * struct; the heap holds pointers to items and never frees them.
 */
#ifndef CWL_SCHED_H
#define CWL_SCHED_H

#include <stddef.h>
#include <stdint.h>

#define SCHED_NONE ((size_t)-1)

struct sched_item {
	size_t hidx;		/* index in its heap, or SCHED_NONE */
	int64_t due;
};

struct sched_heap {
	struct sched_item **v;	/* owned array; the items are not */
	size_t n, cap;
};

/* Makes it an item in no heap. */
void sched_item_init(struct sched_item *it);
/* Returns 1 if it is in a heap. */
int sched_queued(const struct sched_item *it);
/* Puts it in h (out of it first, if there) due at due. Returns 0, or
 * -1 (out of memory; it is then in no heap). */
int sched_at(struct sched_heap *h, struct sched_item *it, int64_t due);
/* Returns the item due first, or NULL; it stays in h. */
struct sched_item *sched_top(const struct sched_heap *h);
/* Takes the item due first out of h and returns it, or NULL. */
struct sched_item *sched_pop(struct sched_heap *h);
/* Takes it out of h; nothing if it is not there. */
void sched_remove(struct sched_heap *h, struct sched_item *it);
/* Frees h's array (not the items). */
void sched_free(struct sched_heap *h);

#endif

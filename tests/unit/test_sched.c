/* sched (the heap of items by due time) and bucket (AIMD budgets). */
#include <stdlib.h>

#include "bucket.h"
#include "sched.h"
#include "unit.h"

/* Pops everything: the items come out in due order. */
static int
drains_in_order(struct sched_heap *h, size_t want)
{
	struct sched_item *it;
	int64_t last = INT64_MIN;
	size_t n = 0;

	while ((it = sched_pop(h)) != NULL) {
		if (it->due < last || sched_queued(it))
			return 0;
		last = it->due;
		n++;
	}
	return n == want;
}

static void
test_heap(void)
{
	enum { N = 1000 };
	struct sched_heap h = { 0 };
	struct sched_item *items = calloc(N, sizeof(*items));
	size_t i;

	CHECK(sched_top(&h) == NULL && sched_pop(&h) == NULL, "empty heap");
	srand(7);
	for (i = 0; i < N; i++) {
		sched_item_init(&items[i]);
		CHECK(!sched_queued(&items[i]), "a new item is in no heap");
		sched_at(&h, &items[i], rand() % 100);
	}
	CHECK_INT(h.n, N, "every item in");
	/* moving an item keeps it once */
	sched_at(&h, &items[3], -5);
	CHECK_INT(h.n, N, "rescheduled, not added twice");
	CHECK(sched_top(&h) == &items[3], "the new earliest is on top");
	/* removing from the middle, and twice */
	for (i = 0; i < N; i += 3) {
		sched_remove(&h, &items[i]);
		sched_remove(&h, &items[i]);
		CHECK(!sched_queued(&items[i]), "removed item %zu", i);
	}
	CHECK_INT(h.n, N - (N + 2) / 3, "a third removed");
	CHECK(drains_in_order(&h, N - (N + 2) / 3), "pops in due order");
	/* equal due times all come out */
	for (i = 0; i < 10; i++)
		sched_at(&h, &items[i], 42);
	CHECK(drains_in_order(&h, 10), "ties");
	sched_free(&h);
	free(items);
}

static void
test_bucket(void)
{
	struct bucket b;
	int64_t t = 1000;
	int n, k;

	bucket_init(&b, 10, t);
	CHECK(bucket_take(&b, t), "one token at start");
	CHECK(!bucket_take(&b, t), "then none");
	CHECK_INT(bucket_wait_ms(&b, t), 101, "a token in 100 ms at 10/s");
	CHECK(bucket_take(&b, t + 100), "after 100 ms");
	/* a long pause gives at most a second's worth */
	for (n = 0; bucket_take(&b, t + 60000); n++)
		;
	CHECK_INT(n, 10, "burst capped at the rate");
	/* throttled: halved once a second at most, down to the floor */
	t += 60000;
	bucket_throttled(&b, t);
	CHECK(b.rate == 5, "halved: %g", b.rate);
	bucket_throttled(&b, t + 10);
	CHECK(b.rate == 5, "throttles in flight together count once: %g", b.rate);
	for (k = 1; k <= 10; k++)
		bucket_throttled(&b, t + 1000 * k);
	CHECK(b.rate == 0.625, "floor a sixteenth of 10: %g", b.rate);
	/* recovers by 1/32 of the budget per success, up to it */
	for (k = 0; k < 100; k++)
		bucket_ok(&b);
	CHECK(b.rate == 10, "back to the budget: %g", b.rate);
	/* the floor is one request every two seconds for small budgets */
	bucket_init(&b, 2, 0);
	CHECK(b.min_rate == 0.5, "floor of 2/s: %g", b.min_rate);
	bucket_init(&b, 0.2, 0);
	CHECK(b.min_rate == 0.2, "a budget under the floor is its own floor");
	/* 0 is no budget */
	bucket_init(&b, 0, 0);
	for (n = 0; n < 1000 && bucket_take(&b, 0); n++)
		;
	CHECK_INT(n, 1000, "unlimited");
	CHECK_INT(bucket_wait_ms(&b, 0), 0, "no wait");
	bucket_throttled(&b, 5000);
	CHECK(b.unlimited, "still unlimited after a throttle");
}

int
main(void)
{
	test_heap();
	test_bucket();
	return unit_done("sched");
}

#include "bucket.h"

void
bucket_init(struct bucket *b, double rate, int64_t now)
{
	b->rate = b->max_rate = rate;
	b->unlimited = rate <= 0;
	b->min_rate = rate / 16 > 0.5 ? rate / 16 : 0.5;
	if (b->min_rate > rate)
		b->min_rate = rate;
	b->tokens = 1;
	b->last = now;
	b->last_cut = 0;
}

/* At most a second's worth of tokens, and at least one, are kept. */
static void
refill(struct bucket *b, int64_t now)
{
	double burst = b->rate < 1 ? 1 : b->rate;

	if (now > b->last) {
		b->tokens += (double)(now - b->last) * b->rate / 1000.0;
		if (b->tokens > burst)
			b->tokens = burst;
		b->last = now;
	}
}

int
bucket_take(struct bucket *b, int64_t now)
{
	if (b->unlimited)
		return 1;
	refill(b, now);
	if (b->tokens < 1)
		return 0;
	b->tokens -= 1;
	return 1;
}

int64_t
bucket_wait_ms(struct bucket *b, int64_t now)
{
	if (b->unlimited)
		return 0;
	refill(b, now);
	if (b->tokens >= 1)
		return 0;
	return (int64_t)((1 - b->tokens) * 1000.0 / b->rate) + 1;
}

/* The throttles of requests that were in flight together count once. */
void
bucket_throttled(struct bucket *b, int64_t now)
{
	if (b->unlimited || now - b->last_cut < 1000)
		return;
	b->last_cut = now;
	b->rate /= 2;
	if (b->rate < b->min_rate)
		b->rate = b->min_rate;
	if (b->tokens > 0)
		b->tokens = 0;
}

void
bucket_ok(struct bucket *b)
{
	b->rate += b->max_rate / 32;
	if (b->rate > b->max_rate)
		b->rate = b->max_rate;
}

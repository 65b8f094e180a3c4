/*
 * bucket: a request budget, as a token bucket whose rate halves on
 * throttling and creeps back on success (AIMD, as TCP does with its
 * window), so that many readers sharing an account's quota settle just
 * under it instead of hammering it. Times are monotonic ms.
 */
#ifndef CWL_BUCKET_H
#define CWL_BUCKET_H

#include <stdint.h>

struct bucket {
	double rate, max_rate, min_rate, tokens;
	int64_t last;		/* of the last refill */
	int64_t last_cut;	/* of the last halving */
	int unlimited;		/* a rate of 0: no budget */
};

/* rate requests a second; 0 is no budget at all (throttles then only
 * back off the request that met them). Starts with one token. */
void bucket_init(struct bucket *b, double rate, int64_t now);
/* Takes a token: returns 1, or 0 when there is none now. */
int bucket_take(struct bucket *b, int64_t now);
/* Returns the ms until a token is there (0: now). */
int64_t bucket_wait_ms(struct bucket *b, int64_t now);
/* A request was throttled: halves the rate, once a second at most, down
 * to a floor (a sixteenth of the budget, and no less than one request
 * every two seconds). */
void bucket_throttled(struct bucket *b, int64_t now);
/* A request succeeded: the rate grows by 1/32 of the budget. */
void bucket_ok(struct bucket *b);

#endif

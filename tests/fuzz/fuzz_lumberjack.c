/*
 * fuzz_lumberjack: cwl-ship's reading of lumberjack v2 ACK frames
 * (cmd/cwl-ship/lumberjack.c: lj_read, lj_ack), on the windows of one
 * connection, with what the server sends cut in pieces as recv() may
 * return them. The windows' queue is kept as logstash.c's on_ack keeps
 * it: the oldest window takes each ACK and goes once it is whole.
 *
 * Input: the number of windows in flight (b % 5), the size of each
 * (1 + b, up to 256 events), the length of the pieces (1 + b % 16, 0:
 * all at once), then the bytes of the server.
 *
 * Checks, against a reading of the protocol written here: an ACK
 * accepts events only of the oldest window, in order, each once, never
 * past the window's size; the count acknowledged never goes back; a
 * window's batch is freed once all its events are accepted, never
 * before; a frame that is not "2A", or an ACK past its window, stops the
 * reading with a message, and nothing after it is taken; the bytes of a
 * frame cut by the end of the input wait. The result is the same
 * whatever the pieces.
 */
#include <stdint.h>

#include "buf.h"
#include "fuzz.h"
#include "log.h"
#include "cwl-ship/parse.h"

#define MAXWIN 4

struct run {
	struct batch b[MAXWIN];
	struct ev ev[MAXWIN][256];
	struct lj_win w[MAXWIN];
	struct lj_win *head;
	size_t nwin;
	size_t accepted[MAXWIN];	/* events accepted, in order */
	int freed[MAXWIN];
	uint32_t trace[4096];		/* the accepted events, as w << 16 | i */
	size_t ntrace;
};

static struct run *cur;

static size_t
win_of(const struct batch *b)
{
	FUZZ_ASSERT(b >= cur->b && b < cur->b + cur->nwin, "not a batch sent");
	return (size_t)(b - cur->b);
}

void
ship_accept(struct ship *s, struct batch *b, size_t i, int dup)
{
	size_t k = win_of(b);

	FUZZ_ASSERT(!cur->freed[k], "window %zu: accept after its batch was "
	    "freed", k);
	FUZZ_ASSERT(cur->head == &cur->w[k], "window %zu accepts, the oldest "
	    "in flight is %zd", k, cur->head ? cur->head - cur->w : -1);
	FUZZ_ASSERT(i == cur->accepted[k], "window %zu: event %zu accepted, "
	    "%zu are", k, i, cur->accepted[k]);
	FUZZ_ASSERT(i < b->n, "window %zu: event %zu of %zu", k, i, b->n);
	FUZZ_ASSERT(!dup, "a duplicate from lumberjack");
	cur->accepted[k]++;
	FUZZ_ASSERT(cur->ntrace < 4096, "trace full");
	cur->trace[cur->ntrace++] = (uint32_t)(k << 16 | i);
}

void
ship_batch_free(struct ship *s, struct batch *b)
{
	size_t k = win_of(b);

	FUZZ_ASSERT(!cur->freed[k], "window %zu freed twice", k);
	FUZZ_ASSERT(cur->accepted[k] == b->n, "window %zu freed with %zu of "
	    "%zu events accepted", k, cur->accepted[k], b->n);
	cur->freed[k] = 1;
}

/* logstash.c's on_ack, less the output's counters. */
static int
on_ack(void *arg, uint32_t seq, struct err *e)
{
	struct run *r = arg;
	struct lj_win *w = r->head;
	uint32_t before;
	int k;

	if (w == NULL)
		return 0;
	before = w->acked;
	k = lj_ack(NULL, w, seq, e);
	FUZZ_ASSERT(k == -1 || w->acked >= before, "acked went back from %u "
	    "to %u", before, w->acked);
	FUZZ_ASSERT(w->acked <= w->b->n, "acked %u of %zu", w->acked, w->b->n);
	FUZZ_ASSERT(k != 1 || w->acked == w->b->n, "whole at %u of %zu",
	    w->acked, w->b->n);
	FUZZ_ASSERT(k != -1 || strncmp(err_msg(e), "protocol error: ",
	    16) == 0, "why: %s", err_msg(e));
	if (k != 1)
		return k;
	r->head = w->next;
	ship_batch_free(NULL, w->b);
	return 0;
}

static void
setup(struct run *r, const uint8_t *sizes, size_t nwin)
{
	size_t k;

	memset(r, 0, sizeof(*r));
	r->nwin = nwin;
	for (k = 0; k < nwin; k++) {
		r->b[k].ev = r->ev[k];
		r->b[k].n = r->b[k].cap = (size_t)sizes[k] + 1;
		r->w[k].b = &r->b[k];
		r->w[k].next = k + 1 < nwin ? &r->w[k + 1] : NULL;
	}
	r->head = nwin ? &r->w[0] : NULL;
}

/* Feeds p[0..n) in pieces of piece bytes (0: at once). Returns the
 * result of the last lj_read. */
static int
feed(struct run *r, const uint8_t *p, size_t n, size_t piece,
    unsigned char f[6], size_t *flen, struct err *e)
{
	size_t off = 0, k;
	int rc = 0;

	if (piece == 0)
		piece = n ? n : 1;
	do {
		k = n - off < piece ? n - off : piece;
		rc = lj_read(f, flen, p + off, k, on_ack, r, e);
		FUZZ_ASSERT(*flen < 6, "a frame of %zu bytes waits", *flen);
		off += k;
	} while (rc == 0 && off < n);
	return rc;
}

/* The protocol, read again: fills want[] with the events accepted, and
 * *err with 1 if a frame stops the reading. */
static void
model(const uint8_t *sizes, size_t nwin, const uint8_t *p, size_t n,
    uint32_t *want, size_t *nwant, int *err)
{
	size_t w = 0, acked = 0, off, size;
	uint32_t seq;

	*nwant = 0;
	*err = 0;
	for (off = 0; off + 6 <= n; off += 6) {
		if (p[off] != '2' || p[off + 1] != 'A') {
			*err = 1;
			return;
		}
		seq = (uint32_t)p[off + 2] << 24 | (uint32_t)p[off + 3] << 16 |
		    (uint32_t)p[off + 4] << 8 | p[off + 5];
		if (w == nwin || seq == 0 || seq <= acked)
			continue;
		size = (size_t)sizes[w] + 1;
		if (seq > size) {
			*err = 1;
			return;
		}
		while (acked < seq)
			want[(*nwant)++] = (uint32_t)(w << 16 | acked++);
		if (acked == size) {
			w++;
			acked = 0;
		}
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init("fuzz_lumberjack");
	log_set_level(LOG_ERROR);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run a, whole;
	static uint32_t want[MAXWIN * 256];
	struct fuzz_in in = { data, size };
	uint8_t sizes[MAXWIN];
	unsigned char f[6], f2[6];
	size_t nwin = fuzz_byte(&in) % (MAXWIN + 1), piece, k, flen = 0,
	    flen2 = 0, nwant;
	struct err why = ERR_INIT, why2 = ERR_INIT;
	char first[128] = "";
	int rc, rc2, err;

	for (k = 0; k < MAXWIN; k++)
		sizes[k] = fuzz_byte(&in);
	piece = fuzz_byte(&in) % 17;

	cur = &a;
	setup(&a, sizes, nwin);
	rc = feed(&a, in.p, in.n, piece, f, &flen, &why);
	if (rc == -1)
		snprintf(first, sizeof(first), "%s", err_msg(&why));
	cur = &whole;
	setup(&whole, sizes, nwin);
	rc2 = feed(&whole, in.p, in.n, 0, f2, &flen2, &why2);

	model(sizes, nwin, in.p, in.n, want, &nwant, &err);
	FUZZ_ASSERT(rc == (err ? -1 : 0), "lj_read gives %d, the protocol %s",
	    rc, err ? "an error" : "none");
	FUZZ_ASSERT(rc == -1 || flen == in.n % 6, "%zu bytes wait, %zu are "
	    "left over", flen, in.n % 6);
	FUZZ_ASSERT(a.ntrace == nwant, "%zu events accepted, the protocol "
	    "says %zu", a.ntrace, nwant);
	for (k = 0; k < nwant; k++)
		FUZZ_ASSERT(a.trace[k] == want[k], "accepted #%zu: window %u "
		    "event %u, the protocol says window %u event %u", k,
		    a.trace[k] >> 16, a.trace[k] & 0xffff, want[k] >> 16,
		    want[k] & 0xffff);
	for (k = 0; k < nwin; k++)
		FUZZ_ASSERT(a.freed[k] == (a.accepted[k] == a.b[k].n),
		    "window %zu: freed %d with %zu of %zu", k, a.freed[k],
		    a.accepted[k], a.b[k].n);
	/* the pieces change nothing */
	FUZZ_ASSERT(rc == rc2 && a.ntrace == whole.ntrace &&
	    memcmp(a.trace, whole.trace, a.ntrace * sizeof(a.trace[0])) == 0,
	    "in pieces of %zu: %d and %zu accepted; at once: %d and %zu",
	    piece, rc, a.ntrace, rc2, whole.ntrace);
	FUZZ_ASSERT(rc == 0 || strcmp(first, err_msg(&why2)) == 0, "'%s' and "
	    "'%s'", first, err_msg(&why2));
	err_clear(&why);
	err_clear(&why2);
	return 0;
}

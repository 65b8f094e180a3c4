/*
 * lumberjack.c: the ACKs of lumberjack v2 (logstash.c sends the windows).
 * Each is a 6-byte frame, version '2', type 'A', then the highest
 * sequence number the server has processed in the oldest window, big
 * endian. An ACK of 0, or of a number already acknowledged, says the
 * server is still working; a number past the window is an error, as is
 * any other frame: nothing the server sends settles an event twice or
 * one that was not sent.
 */
#include "parse.h"

int
lj_read(unsigned char f[6], size_t *flen, const void *p, size_t n,
    int (*ack)(void *arg, uint32_t seq, struct err *e), void *arg,
    struct err *e)
{
	const unsigned char *q = p;
	uint32_t seq;
	size_t i;

	for (i = 0; i < n; i++) {
		f[(*flen)++] = q[i];
		if (*flen < 6)
			continue;
		*flen = 0;
		if (f[0] != '2' || f[1] != 'A')
			return err_set(e, EXIT_RUNTIME, "protocol error: expected "
			    "an ACK, got bytes 0x%02x 0x%02x", f[0], f[1]);
		seq = (uint32_t)f[2] << 24 | (uint32_t)f[3] << 16 |
		    (uint32_t)f[4] << 8 | f[5];
		if (ack(arg, seq, e) == -1)
			return -1;
	}
	return 0;
}

int
lj_ack(struct ship *s, struct lj_win *w, uint32_t seq, struct err *e)
{
	uint32_t i;

	if (seq == 0 || seq <= w->acked)
		return 0;	/* keep-alive */
	if (seq > w->b->n)
		return err_set(e, EXIT_RUNTIME, "protocol error: ACK %u for a "
		    "window of %zu", seq, w->b->n);
	for (i = w->acked; i < seq; i++)
		ship_accept(s, w->b, i, 0);
	w->acked = seq;
	return seq == w->b->n;
}

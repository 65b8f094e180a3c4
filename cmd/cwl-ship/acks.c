/*
 * acks.c: the ack lines. Each source ("GROUP:STREAM", from the cursor)
 * keeps its events in the order they were read; an event's cursor is
 * written once it and every event of its source read before it are
 * settled (accepted, or set aside in the dead-letter file), whatever the
 * order in which the output finished them. Only the newest such cursor
 * of a flush is written: it covers the ones before.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acks.h"
#include "log.h"
#include "strmap.h"

struct slot {
	char *cur;	/* the cursor once settled out of order; owned */
	uint32_t len;
	uint8_t done;
	uint8_t mark;	/* a checkpoint mark, not an event */
};

struct src {
	char *key;		/* group token, NUL, stream token; owned (a
				 * copy of the map's, for the check of
				 * acks.last with no lookup) */
	size_t keylen;
	struct slot *ring;	/* pending events, oldest at head */
	size_t cap, head, count;
	uint64_t base;		/* seq of ring[head] */
	uint64_t next;		/* seq of the next event read */
	uint64_t covered;	/* events the ack lines written cover */
	uint64_t marks;		/* marks among the base settled */
	struct buf ack;		/* the newest settled cursor, unwritten */
	int dirty;
	struct src *dnext;
};

struct acks {
	struct strmap *srcs;	/* key -> struct src */
	struct src *last;	/* the source of the last lookup */
	struct src *dirty;
	struct buf out;
	int fd;			/* -1: acks are not written */
	uint64_t written;
	size_t pending;		/* events read and not settled */
};

struct acks *
acks_new(int fd)
{
	struct acks *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->fd = fd;
	if ((a->srcs = strmap_new()) == NULL) {
		free(a);
		return NULL;
	}
	return a;
}

static void
src_free(void *p)
{
	struct src *s = p;
	size_t i;

	for (i = 0; i < s->count; i++)
		free(s->ring[(s->head + i) % s->cap].cur);
	free(s->ring);
	free(s->key);
	buf_free(&s->ack);
	free(s);
}

void
acks_free(struct acks *a)
{
	if (a == NULL)
		return;
	strmap_free(a->srcs, src_free);
	buf_free(&a->out);
	free(a);
}

struct src *
acks_source(struct acks *a, const char *key, size_t n)
{
	struct src *s;
	void **v;

	if ((s = a->last) != NULL && s->keylen == n &&
	    memcmp(s->key, key, n) == 0)
		return s;
	if ((v = strmap_putn(a->srcs, key, n)) == NULL)
		return NULL;
	if (*v != NULL)
		return a->last = *v;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->key = malloc(n ? n : 1)) == NULL) {
		free(s);
		strmap_deln(a->srcs, key, n, NULL);
		return NULL;
	}
	memcpy(s->key, key, n);
	s->keylen = n;
	*v = s;
	return a->last = s;
}

int
acks_push(struct acks *a, struct src *s, uint64_t *seq)
{
	struct slot *r;
	size_t i, cap;

	if (s->count == s->cap) {
		cap = s->cap ? s->cap * 2 : 64;
		if ((r = calloc(cap, sizeof(*r))) == NULL)
			return -1;
		for (i = 0; i < s->count; i++)
			r[i] = s->ring[(s->head + i) % s->cap];
		free(s->ring);
		s->ring = r;
		s->cap = cap;
		s->head = 0;
	}
	memset(&s->ring[(s->head + s->count) % s->cap], 0, sizeof(*s->ring));
	s->count++;
	*seq = s->next++;
	a->pending++;
	return 0;
}

static void
mark_dirty(struct acks *a, struct src *s)
{
	if (!s->dirty) {
		s->dirty = 1;
		s->dnext = a->dirty;
		a->dirty = s;
	}
}

int
acks_settle(struct acks *a, struct src *s, uint64_t seq, const char *cur,
    size_t len)
{
	struct slot *sl;
	size_t k;

	if (seq < s->base || seq - s->base >= s->count)
		return 0;	/* settled before (cannot happen) */
	k = (size_t)(seq - s->base);
	a->pending--;
	if (k != 0) {
		sl = &s->ring[(s->head + k) % s->cap];
		if ((sl->cur = malloc(len ? len : 1)) == NULL)
			return -1;
		memcpy(sl->cur, cur, len);
		sl->len = (uint32_t)len;
		sl->done = 1;
		return 0;
	}
	buf_reset(&s->ack);
	if (buf_add(&s->ack, cur, len) == -1)
		return -1;
	s->marks += s->ring[s->head].mark;
	s->head = (s->head + 1) % s->cap;
	s->count--;
	s->base++;
	while (s->count && (sl = &s->ring[s->head])->done) {
		buf_reset(&s->ack);
		if (buf_add(&s->ack, sl->cur, sl->len) == -1)
			return -1;
		free(sl->cur);
		sl->cur = NULL;
		s->marks += sl->mark;
		s->head = (s->head + 1) % s->cap;
		s->count--;
		s->base++;
	}
	mark_dirty(a, s);
	return 0;
}

int
acks_mark(struct acks *a, struct src *s, const char *cur, size_t len)
{
	uint64_t seq;

	if (acks_push(a, s, &seq) == -1)
		return -1;
	s->ring[(s->head + s->count - 1) % s->cap].mark = 1;
	return acks_settle(a, s, seq, cur, len);
}

size_t
acks_pending(const struct acks *a)
{
	return a->pending;
}

uint64_t
acks_written(const struct acks *a)
{
	return a->written;
}

void
acks_each(const struct acks *a, void (*fn)(void *ctx, const char *key,
    size_t keylen, uint64_t n), void *ctx)
{
	const struct src *s;
	const char *k;
	void *v;
	size_t it = 0;

	while (strmap_next(a->srcs, &it, &k, &v)) {
		s = v;
		fn(ctx, s->key, s->keylen, s->covered);
	}
}

int
acks_flush(struct acks *a, struct err *e)
{
	struct src *s;

	for (s = a->dirty; s != NULL; s = s->dnext) {
		s->dirty = 0;
		if (a->fd >= 0 && s->ack.len) {
			if (buf_add(&a->out, s->ack.p, s->ack.len) == -1 ||
			    buf_addc(&a->out, '\n') == -1)
				return err_set(e, EXIT_RUNTIME,
				    "ack lines: out of memory");
			a->written++;
			s->covered = s->base - s->marks;
		}
		buf_reset(&s->ack);
	}
	a->dirty = NULL;
	if (a->out.len == 0)
		return 0;
	if (cli_write(a->fd, a->out.p, a->out.len) == -1) {
		if (errno == EPIPE)
			return 1;
		return err_set(e, EXIT_RUNTIME, "write acks: %s",
		    strerror(errno));
	}
	buf_reset(&a->out);
	return 0;
}

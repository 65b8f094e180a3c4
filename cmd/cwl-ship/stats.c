/*
 * stats.c: the --stats file, read by cloudwatchlogsbeat for its report
 * line. Tab-separated, replaced whole at every report:
 *
 *	cwl-ship	WALL_MS
 *		read=N	shipped=N	acked=N	dead=N	lag_ms=N
 *	GROUP	read=N	shipped=N	acked=N	dead=N	lag_ms=N
 *
 * The second line, the totals, has an empty first field (no log group
 * is named so); then a line per log group, from the events' cursors.
 * read: lines taken (checkpoint marks aside); shipped: events the
 * output accepted; acked: events an ack line covers (accepted or set
 * aside, in order); dead: set aside;
 * lag_ms: the longest time from CloudWatch's ingestion of an event to
 * the output's acceptance of it, among the events accepted since the
 * last report (-1: none).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "acks.h"
#include "cli.h"
#include "strmap.h"
#include "ship.h"
#include "timex.h"

struct gstat {
	char *tok;		/* the group's JSON string token; owned */
	size_t toklen;
	char *name;		/* decoded; owned */
	uint64_t read, shipped, acked, dead;
	int64_t lag;		/* -1: none since the last report */
	struct gstat *next;	/* in order of first sight */
};

struct stats {
	const char *path;
	struct strmap *groups;	/* token -> struct gstat */
	struct gstat *all;	/* in order of first sight */
	struct gstat **tail;
	struct gstat *last;
	int64_t lag;		/* over every group */
	uint64_t acked;		/* over every source, at the last write */
};

struct stats *
stats_new(const char *path)
{
	struct stats *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	if ((st->groups = strmap_new()) == NULL) {
		free(st);
		return NULL;
	}
	st->path = path;
	st->tail = &st->all;
	st->lag = -1;
	return st;
}

void
stats_free(struct stats *st)
{
	struct gstat *g, *n;

	if (st == NULL)
		return;
	for (g = st->all; g; g = n) {
		n = g->next;
		free(g->tok);
		free(g->name);
		free(g);
	}
	strmap_free(st->groups, NULL);
	free(st);
}

/* Returns the counters of the group whose JSON string token is
 * tok[0..n), made at first sight; NULL: out of memory. */
struct gstat *
stats_group(struct stats *st, const char *tok, size_t n)
{
	struct gstat *g;
	json_object *o;
	void **v;

	if ((g = st->last) != NULL && g->toklen == n &&
	    memcmp(g->tok, tok, n) == 0)
		return g;
	if ((v = strmap_putn(st->groups, tok, n)) == NULL)
		return NULL;
	if (*v != NULL)
		return st->last = *v;
	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (g->tok = malloc(n + 1)) == NULL) {
		free(g);
		strmap_deln(st->groups, tok, n, NULL);
		return NULL;
	}
	memcpy(g->tok, tok, n);
	g->tok[n] = '\0';
	g->toklen = n;
	g->lag = -1;
	o = json_tokener_parse(g->tok);
	g->name = strdup(o && json_object_is_type(o, json_type_string) ?
	    json_object_get_string(o) : g->tok);
	json_object_put(o);
	if (g->name == NULL) {
		free(g->tok);
		free(g);
		strmap_deln(st->groups, tok, n, NULL);
		return NULL;
	}
	*v = g;
	*st->tail = g;
	st->tail = &g->next;
	return st->last = g;
}

void
stats_read(struct gstat *g)
{
	if (g)
		g->read++;
}

void
stats_dead(struct gstat *g)
{
	if (g)
		g->dead++;
}

int64_t
stats_ingest(const char *aws, size_t n)
{
	size_t off, len;
	int64_t ms;

	if (n == 0 || !scan_path(aws, n, "cloudwatch.ingestion_time", &off,
	    &len) || len < 2 || aws[off] != '"' ||
	    timex_iso_ms(aws + off + 1, len - 2, &ms) == -1)
		return -1;
	return ms;
}

void
stats_shipped(struct stats *st, struct gstat *g, int64_t ingest,
    int64_t now)
{
	int64_t lag = ingest >= 0 && now >= ingest ? now - ingest : -1;

	if (lag > st->lag)
		st->lag = lag;
	if (g == NULL)
		return;
	g->shipped++;
	if (lag > g->lag)
		g->lag = lag;
}

static void
acked(void *ctx, const char *key, size_t keylen, uint64_t n)
{
	struct stats *st = ctx;
	const char *nul = memchr(key, '\0', keylen);
	struct gstat *g;

	st->acked += n;
	if (nul && (g = stats_group(st, key, (size_t)(nul - key))) != NULL)
		g->acked += n;
}

int
stats_write(struct ship *s, struct stats *st, struct acks *a,
    struct err *e)
{
	struct buf b = BUF_INIT;
	struct gstat *g;
	uint64_t dead = s->c.dropped;
	int bad = 0;

	st->acked = 0;
	for (g = st->all; g; g = g->next)
		g->acked = 0;
	acks_each(a, acked, st);
	bad |= buf_printf(&b, "cwl-ship\t%" PRId64 "\n", timex_now_ms());
	bad |= buf_printf(&b, "\tread=%" PRIu64 "\tshipped=%" PRIu64
	    "\tacked=%" PRIu64 "\tdead=%" PRIu64 "\tlag_ms=%" PRId64 "\n",
	    s->c.lines - s->c.marks, s->c.acked, st->acked, dead, st->lag);
	for (g = st->all; g; g = g->next) {
		bad |= cli_stats_name(&b, g->name, strlen(g->name));
		bad |= buf_printf(&b, "\tread=%" PRIu64 "\tshipped=%" PRIu64
		    "\tacked=%" PRIu64 "\tdead=%" PRIu64 "\tlag_ms=%" PRId64
		    "\n", g->read, g->shipped, g->acked, g->dead, g->lag);
		g->lag = -1;
	}
	st->lag = -1;
	return cli_stats_write(st->path, &b, bad, e);
}

/*
 * The table of sources (by group and stream) and the list of groups.
 * A source is a stream read with GetLogEvents, or a group's group-wide
 * source (stream NULL); the table finds either in O(1) when a listing,
 * a stdin line or a page names it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arn.h"
#include "hash.h"
#include "log.h"
#include "tail.h"

static size_t
src_hash(const struct group *g, const char *stream)
{
	uint64_t h = hash_str(HASH_FNV_OFFSET, g->name);

	h = hash_str(h ^ 0xff, stream ? stream : "*");
	return (size_t)(h ^ (h >> 29));
}

static int
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

struct src *
src_find(struct group *g, const char *stream)
{
	struct src *s;

	if (T.tabsize == 0)
		return NULL;
	for (s = T.tab[src_hash(g, stream) & (T.tabsize - 1)]; s; s = s->hnext)
		if (s->g == g && streq(s->stream, stream))
			return s;
	return NULL;
}

static void
tab_insert(struct src *s)
{
	size_t i;

	if (T.nsrc + 1 > T.tabsize) {
		size_t size = T.tabsize ? T.tabsize * 2 : 256, k;
		struct src **tab = calloc(size, sizeof(*tab)), *p, *next;

		if (tab == NULL)
			log_oom();
		for (k = 0; k < T.tabsize; k++)
			for (p = T.tab[k]; p; p = next) {
				next = p->hnext;
				i = src_hash(p->g, p->stream) & (size - 1);
				p->hnext = tab[i];
				tab[i] = p;
			}
		free(T.tab);
		T.tab = tab;
		T.tabsize = size;
	}
	i = src_hash(s->g, s->stream) & (T.tabsize - 1);
	s->hnext = T.tab[i];
	T.tab[i] = s;
	T.nsrc++;
}

struct src *
src_new(struct group *g, const char *stream, int api)
{
	struct src *s = calloc(1, sizeof(*s));

	if (s == NULL || (stream && (s->stream = strdup(stream)) == NULL))
		log_oom();
	sched_item_init(&s->job.it);
	s->job.api = api;
	s->g = g;
	s->start = -1;
	s->last_ts = -1;
	s->activity = -1;
	s->reported = -1;
	tab_insert(s);
	return s;
}

void
src_each(void (*fn)(struct src *s))
{
	struct src *s, *next;
	size_t i;

	for (i = 0; i < T.tabsize; i++)
		for (s = T.tab[i]; s; s = next) {
			next = s->hnext;
			fn(s);
		}
}

/* The group of source key key, named name, made if new. */
static struct group *
group_at(const char *key, const char *name)
{
	struct group *g;
	void **slot;

	if (T.group_keys == NULL && (T.group_keys = strmap_new()) == NULL)
		log_oom();
	if ((slot = strmap_put(T.group_keys, key)) == NULL)
		log_oom();
	if (*slot != NULL)
		return *slot;
	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (g->name = strdup(key)) == NULL || (g->logname = strdup(name)) == NULL)
		log_oom();
	sched_item_init(&g->job.it);
	g->job.api = API_LIST;
	g->p = prosp_for(name);
	g->next = T.groups;
	T.groups = g;
	*slot = g;
	return g;
}

struct group *
group_get(const char *name)
{
	return group_at(name, name);
}

struct group *
group_get_arn(const char *arn)
{
	struct arn_group a;
	struct buf name = BUF_INIT, key = BUF_INIT;
	struct group *g;

	if (arn_parse(arn, &a) == -1)
		return NULL;
	if (buf_add(&name, a.group, a.glen) == -1 ||
	    arn_source_key(&key, a.account, buf_str(&name)) == -1)
		log_oom();
	g = group_at(buf_str(&key), buf_str(&name));
	buf_free(&name);
	buf_free(&key);
	if (g->ident == NULL && (g->ident = strndup(arn, a.idlen)) == NULL)
		log_oom();
	group_account(g, a.account);
	return g;
}

void
group_account(struct group *g, const char *account)
{
	if (g->account == NULL && account && (g->account = strdup(account)) == NULL)
		log_oom();
}

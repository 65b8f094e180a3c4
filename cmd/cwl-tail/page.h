/* page: the events of one GetLogEvents or FilterLogEvents answer. */
#ifndef CWL_TAIL_PAGE_H
#define CWL_TAIL_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* A decoded string: arena bytes [off, off + len), NUL after them. */
struct pstr {
	size_t off, len;
	int set;		/* 0: absent (or null) */
};

struct page_ev {
	int64_t ts, ingest;
	int has_ingest;
	struct pstr msg, id, stream;
};

struct page {
	struct buf arena;	/* the decoded strings; owned */
	struct page_ev *ev;	/* owned */
	size_t nev, capev;
	struct pstr next;	/* nextForwardToken or nextToken */
};

/* Parses a response body into pg (reusing its memory). Returns 0, or -1
 * with *why (static) when the body is not the JSON of a page. */
int page_parse(struct page *pg, const char *body, size_t n, const char **why);
/* Returns the C string of s, owned by pg. */
#define page_str(pg, s) ((pg)->arena.p + (s).off)
void page_free(struct page *pg);

#endif

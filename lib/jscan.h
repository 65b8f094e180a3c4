/*
 * jscan: a JSON scanner over a buffer, for the answers and records that
 * the readers parse in bulk (cwl-tail's pages, cwl-kinesis's records):
 * one pass, no allocation per value, the strings kept decoded into one
 * arena (a struct buf) and returned as offsets into it. Numbers are read
 * as jsonx_get_int reads them from json-c.
 */
#ifndef CWL_JSCAN_H
#define CWL_JSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct jscan {
	const char *p, *end;	/* what is left to read */
	struct buf *arena;	/* decoded strings go there */
	const char *why;	/* the first error (static), or NULL */
};

/* Each returns 0, or -1 with s->why. */
/* Skips white space. */
void jscan_ws(struct jscan *s);
/* Sets s->why (the first one stays). Returns -1. */
int jscan_bad(struct jscan *s, const char *why);
/* Skips white space and then the character c. */
int jscan_expect(struct jscan *s, char c);
/* Reads a string, decoded into the arena when keep: *off and *len say
 * where (a NUL follows it); escapes give UTF-8, a lone surrogate U+FFFD. */
int jscan_string(struct jscan *s, int keep, size_t *off, size_t *len);
/* Reads a number within +-2^62 (a fraction or an exponent is truncated). */
int jscan_number(struct jscan *s, int64_t *out);
/* Reads the literal word (true, false, null). */
int jscan_literal(struct jscan *s, const char *word);
/* Skips any value, nested at most 64 deep from depth. */
int jscan_skip(struct jscan *s, int depth);
/* Iterates the members of an object: fn gets each key (NUL-ended, in the
 * arena, gone after fn unless fn kept strings) and reads or skips its
 * value. */
int jscan_object(struct jscan *s, int (*fn)(struct jscan *, const char *,
    void *), void *arg);
/* Iterates the elements of an array: fn reads or skips each. */
int jscan_array(struct jscan *s, int (*fn)(struct jscan *, void *),
    void *arg);

#endif

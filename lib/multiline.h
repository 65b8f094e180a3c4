/*
 * multiline: joins continuation lines into one event, with the
 * semantics of the original beat's (and Filebeat's) multiline settings:
 *
 *   match: after   lines for which "pattern matches" != negate are
 *                  appended to the line before them
 *   match: before  lines for which "pattern matches" != negate are
 *                  prepended to the line after them
 *
 * Patterns are POSIX extended regular expressions (regex.h), after a
 * translation of the RE2 forms the original's Go patterns use most:
 * \d \D \s \S \w \W (also inside brackets), \A and \z, \t \n \r \f \v,
 * lazy quantifiers (*? +? ?? {n,m}?, the same as greedy for a yes/no
 * match) and a leading (?i). Not supported: other (?flags), named or
 * non-capturing groups ((?:...) is read as a plain group), \b \B \pN,
 * Unicode classes.
 */
#ifndef CWL_MULTILINE_H
#define CWL_MULTILINE_H

#include <regex.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

struct multiline {
	regex_t re;
	int negate;
	int before;		/* 1: match "before", 0: match "after" */
	size_t max_lines;	/* a longer event is cut; 0: 500 */
	size_t max_bytes;	/* 0: 10 MiB */
	char *pattern;		/* as given; owned */
};

/* What to do with a line (multiline_classify). */
enum multiline_step {
	ML_APPEND,	/* the line continues the pending event */
	ML_FLUSH_BEFORE,	/* the pending event ends before the line, which
			   starts the next one */
	ML_FLUSH_AFTER	/* the line ends the pending event */
};

/* Compiles pattern with negate and match ("after" or "before"; NULL:
 * "after") into m. Returns 0, or -1 with e (EXIT_USAGE) naming the
 * pattern and why. m is freed with multiline_free. */
int multiline_init(struct multiline *m, const char *pattern, int negate,
    const char *match, struct err *e);
void multiline_free(struct multiline *m);

/* Translates an RE2 pattern into a POSIX extended one, appended to out;
 * *icase is set to 1 for a leading (?i). Returns 0, or -1 with e. */
int multiline_translate(const char *re2, struct buf *out, int *icase,
    struct err *e);

/* Returns 1 if the line matches the pattern, else 0. */
int multiline_match(const struct multiline *m, const char *line, size_t n);

/* Classifies a line for a pending event of nlines lines and nbytes
 * bytes (0 when none is pending). */
enum multiline_step multiline_classify(const struct multiline *m,
    const char *line, size_t n, size_t nlines, size_t nbytes);

/* Appends a line to a joined message: a newline first if the message is
 * not empty and does not already end with one. Returns 0 or -1. */
int multiline_join(struct buf *msg, const char *line, size_t n);

#endif

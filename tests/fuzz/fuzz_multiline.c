/*
 * fuzz_multiline: the multiline joiner (lib/multiline.h): RE2 patterns
 * translated to POSIX (multiline_translate, multiline_init), and lines
 * joined into events as the tail joins them (multiline_classify,
 * multiline_join).
 *
 * Input: one byte of options (bit 0: negate; bit 1: match before;
 * bits 2-4: max_lines 1-8, or the default; bits 5-7: max_bytes), then
 * the pattern up to the first newline, then the lines.
 *
 * Checks: a refused pattern is EXIT_USAGE naming it; every byte of every
 * line ends up in exactly one event, in order; no event holds more than
 * max_lines lines; with match after, no event of several lines is longer
 * than max_bytes.
 */
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "fuzz.h"
#include "multiline.h"

struct joiner {
	struct buf msg;		/* the pending event */
	size_t nlines;
	struct buf all;		/* what the events held, newlines left out */
	size_t maxl, maxb;
	int before;
};

static void
emit(struct joiner *j)
{
	size_t i;

	if (j->nlines == 0)
		return;
	FUZZ_ASSERT(j->nlines <= j->maxl, "an event of %zu lines, at most %zu",
	    j->nlines, j->maxl);
	if (!j->before && j->nlines > 1)
		FUZZ_ASSERT(j->msg.len <= j->maxb, "an event of %zu bytes, at "
		    "most %zu", j->msg.len, j->maxb);
	for (i = 0; i < j->msg.len; i++)
		if (j->msg.p[i] != '\n')
			buf_addc(&j->all, j->msg.p[i]);
	buf_reset(&j->msg);
	j->nlines = 0;
}

static void
add(struct joiner *j, const struct multiline *m, const char *line, size_t n)
{
	switch (multiline_classify(m, line, n, j->nlines, j->msg.len)) {
	case ML_FLUSH_BEFORE:
		emit(j);
		/* FALLTHROUGH */
	case ML_APPEND:
		FUZZ_ASSERT(multiline_join(&j->msg, line, n) == 0, "join");
		j->nlines++;
		break;
	case ML_FLUSH_AFTER:
		FUZZ_ASSERT(multiline_join(&j->msg, line, n) == 0, "join");
		j->nlines++;
		emit(j);
		break;
	}
}

/*
 * glibc's regcomp copies an expression once for each repetition that
 * applies to it, and its closures grow with repetitions of repetitions:
 * "a" and 25 '+' take minutes, 55 '*' in a row or "a{1000}{1000}{1000}"
 * all memory. RE2 refuses these ("invalid nested repetition operator",
 * counts past 1000); multiline_translate lets them through, so such
 * patterns are left out here rather than timing out every run. Returns
 * 1 for a pattern with more than 8 '*' and '+', or whose counted
 * repetitions multiply past 100000.
 */
static int
too_costly(const char *p)
{
	double cost = 1;
	unsigned long n;
	int stars = 0;
	char *end;

	for (; *p; p++) {
		if ((*p == '*' || *p == '+') && ++stars > 8)
			return 1;
		if (*p == '{' || *p == ',') {
			n = strtoul(p + 1, &end, 10);
			if (end != p + 1 && (cost *= (double)n + 1) > 100000)
				return 1;
		}
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct multiline m;
	struct joiner j;
	struct err e = ERR_INIT;
	struct buf ere = BUF_INIT, want = BUF_INIT;
	uint8_t opt = fuzz_byte(&in);
	char *pattern, *line;
	size_t n, i;
	int icase;

	pattern = fuzz_field(&in, '\n', NULL);
	if (too_costly(pattern)) {
		free(pattern);
		return 0;
	}
	if (multiline_translate(pattern, &ere, &icase, &e) == -1)
		FUZZ_ASSERT(e.code == EXIT_USAGE && strstr(err_msg(&e), pattern),
		    "translate refused '%s' with %d: %s", pattern, e.code,
		    err_msg(&e));
	err_clear(&e);
	buf_free(&ere);
	if (multiline_init(&m, pattern, opt & 1, opt & 2 ? "before" : "after",
	    &e) == -1) {
		FUZZ_ASSERT(e.code == EXIT_USAGE && e.msg && *e.msg,
		    "refused '%s' with %d: %s", pattern, e.code, err_msg(&e));
		err_clear(&e);
		free(pattern);
		return 0;
	}
	m.max_lines = (opt >> 2) & 7;
	m.max_bytes = (opt >> 5) ? (size_t)(opt >> 5) * 16 : 0;
	memset(&j, 0, sizeof(j));
	j.maxl = m.max_lines ? m.max_lines : 500;
	j.maxb = m.max_bytes ? m.max_bytes : 10 << 20;
	j.before = m.before;
	while (in.n > 0) {
		line = fuzz_field(&in, '\n', &n);
		for (i = 0; i < n; i++)
			buf_addc(&want, line[i]);
		add(&j, &m, line, n);
		free(line);
	}
	emit(&j);
	FUZZ_ASSERT(j.all.len == want.len && memcmp(buf_str(&j.all),
	    buf_str(&want), want.len) == 0, "the events hold %zu bytes of the "
	    "lines' %zu", j.all.len, want.len);
	multiline_free(&m);
	buf_free(&j.msg);
	buf_free(&j.all);
	buf_free(&want);
	free(pattern);
	return 0;
}

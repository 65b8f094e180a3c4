/* multiline: RE2 to POSIX translation, matching, and the joiner's steps. */
#include <stdlib.h>

#include "multiline.h"
#include "unit.h"

static void
test_translate(void)
{
	static const struct {
		const char *re2, *ere;
		int icase;
	} t[] = {
		{ "^\\d{4}-\\d\\d", "^[0-9]{4}-[0-9][0-9]", 0 },
		{ "^\\s+at ", "^[[:space:]]+at ", 0 },
		{ "\\S\\w\\W\\D", "[^[:space:]][[:alnum:]_][^[:alnum:]_][^0-9]", 0 },
		{ "[\\d\\s]", "[0-9[:space:]]", 0 },
		{ "[a\\-z]", "[az-]", 0 },
		{ "[\\]x]", "[]x]", 0 },
		{ "[^\\]]", "[^]]", 0 },
		{ "[\\^a]", "[a^]", 0 },
		{ "\\Afoo\\z", "^foo$", 0 },
		{ "(?i)^error", "^error", 1 },
		{ "(?:ab)+c", "(ab)+c", 0 },
		{ "a.*?b+?c??", "a.*b+c?", 0 },
		{ "x{2,3}?y", "x{2,3}y", 0 },
		{ "\\.\\*\\\\", "\\.\\*\\\\", 0 },
		{ "a\\tb", "a\tb", 0 },
		{ "[[:alpha:]_]", "[[:alpha:]_]", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct buf b = BUF_INIT;
		struct err e = ERR_INIT;
		int icase = -1;

		CHECK_INT(multiline_translate(t[i].re2, &b, &icase, &e), 0,
		    "%s: %s", t[i].re2, err_msg(&e));
		CHECK_STR(buf_str(&b), t[i].ere, "%s", t[i].re2);
		CHECK_INT(icase, t[i].icase, "%s", t[i].re2);
		buf_free(&b);
		err_clear(&e);
	}
}

static void
test_errors(void)
{
	static const struct {
		const char *pattern, *match, *why;
	} t[] = {
		{ "\\pL", "after", "multiline pattern '\\pL': \\p is not supported" },
		{ "(?P<x>a)", "after", "multiline pattern '(?P<x>a)': (?P is not supported" },
		{ "[\\D]", "after", "multiline pattern '[\\D]': \\D inside brackets is not supported" },
		{ "[abc", "after", "multiline pattern '[abc': missing ]" },
		{ "^a", "around", "multiline match 'around': not 'after' or 'before'" },
		{ "", "after", "multiline: no pattern" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct multiline m;
		struct err e = ERR_INIT;

		CHECK_INT(multiline_init(&m, t[i].pattern, 0, t[i].match, &e),
		    -1, "%s", t[i].pattern);
		CHECK_STR(err_msg(&e), t[i].why, "%s", t[i].pattern);
		CHECK_INT(e.code, EXIT_USAGE, "%s", t[i].pattern);
		err_clear(&e);
	}
	{
		struct multiline m;
		struct err e = ERR_INIT;

		CHECK_INT(multiline_init(&m, "a(b", 0, NULL, &e), -1, "unbalanced");
		CHECK(strncmp(err_msg(&e), "multiline pattern 'a(b': ", 25) == 0,
		    "%s", err_msg(&e));
		err_clear(&e);
	}
}

static void
test_match(void)
{
	struct multiline m;
	struct err e = ERR_INIT;

	CHECK_INT(multiline_init(&m, "(?i)^\\s*ERROR", 0, "after", &e), 0,
	    "%s", err_msg(&e));
	CHECK_INT(multiline_match(&m, "  error: x", 10), 1, "icase");
	CHECK_INT(multiline_match(&m, "warn", 4), 0, "no match");
	/* the length counts, not a NUL: "ERROR" is past n */
	CHECK_INT(multiline_match(&m, "  xERROR", 2), 0, "length");
	multiline_free(&m);
	/* bytes past a NUL still count */
	CHECK_INT(multiline_init(&m, "ERROR", 0, "after", &e), 0, "%s", err_msg(&e));
	CHECK_INT(multiline_match(&m, "\0ERROR", 6), 1, "NUL then ERROR");
	multiline_free(&m);
}

/* Joins lines with the classifier, as cwl-tail does; events are
 * separated by '|' in the result. */
static void
join(const struct multiline *m, const char *const *lines, struct buf *out)
{
	struct buf pend = BUF_INIT;
	size_t nl = 0;

	for (; *lines; lines++) {
		size_t n = strlen(*lines);

		switch (multiline_classify(m, *lines, n, nl, pend.len)) {
		case ML_FLUSH_BEFORE:
			buf_add(out, pend.p, pend.len);
			buf_addc(out, '|');
			buf_reset(&pend);
			nl = 0;
			/* FALLTHROUGH */
		case ML_APPEND:
			multiline_join(&pend, *lines, n);
			nl++;
			break;
		case ML_FLUSH_AFTER:
			multiline_join(&pend, *lines, n);
			buf_add(out, pend.p, pend.len);
			buf_addc(out, '|');
			buf_reset(&pend);
			nl = 0;
			break;
		}
	}
	if (nl) {
		buf_add(out, pend.p, pend.len);
		buf_addc(out, '|');
	}
	buf_free(&pend);
}

static void
test_join(void)
{
	static const char *const java[] = { "Exception in main", "\tat a.b(C.java:1)",
		"\tat d.e(F.java:2)", "next event", "\tat g", NULL };
	static const char *const dated[] = { "2026-01-01 start", "more", "more2",
		"2026-01-02 second", NULL };
	static const char *const cont[] = { "one \\", "two \\", "three", "four",
		NULL };
	static const struct {
		const char *pattern, *match;
		int negate;
		const char *const *lines;
		const char *want;
	} t[] = {
		{ "^[[:space:]]", "after", 0, java,
		    "Exception in main\n\tat a.b(C.java:1)\n\tat d.e(F.java:2)|next event\n\tat g|" },
		{ "^\\d{4}-", "after", 1, dated,
		    "2026-01-01 start\nmore\nmore2|2026-01-02 second|" },
		{ "\\\\$", "before", 0, cont, "one \\\ntwo \\\nthree|four|" },
		{ "^\\d{4}-", "before", 1, dated,
		    "2026-01-01 start|more\nmore2\n2026-01-02 second|" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct multiline m;
		struct err e = ERR_INIT;
		struct buf out = BUF_INIT;

		CHECK_INT(multiline_init(&m, t[i].pattern, t[i].negate,
		    t[i].match, &e), 0, "%s", err_msg(&e));
		join(&m, t[i].lines, &out);
		CHECK_STR(buf_str(&out), t[i].want, "case %zu", i);
		buf_free(&out);
		multiline_free(&m);
	}
}

static void
test_limits(void)
{
	static const char *const lines[] = { "a", " b", " c", " d", " e", NULL };
	struct multiline m;
	struct err e = ERR_INIT;
	struct buf out = BUF_INIT;

	CHECK_INT(multiline_init(&m, "^ ", 0, "after", &e), 0, "%s", err_msg(&e));
	m.max_lines = 2;
	join(&m, lines, &out);
	CHECK_STR(buf_str(&out), "a\n b| c\n d| e|", "max_lines");
	buf_free(&out);
	m.max_lines = 0;
	m.max_bytes = 4;
	join(&m, lines, &out);
	CHECK_STR(buf_str(&out), "a\n b| c| d| e|", "max_bytes");
	buf_free(&out);
	multiline_free(&m);

	/* a joined message keeps a line's own newline, adding none */
	{
		struct buf b = BUF_INIT;

		multiline_join(&b, "x\n", 2);
		multiline_join(&b, "y", 1);
		multiline_join(&b, "z", 1);
		CHECK_STR(buf_str(&b), "x\ny\nz", "join");
		buf_free(&b);
	}
}

/* Patterns that would make glibc's regcomp take exponential time and
 * memory are refused, as RE2 refuses them. */
static void
test_repetition(void)
{
	static const struct {
		const char *pattern;
		const char *why;	/* NULL: accepted */
	} t[] = {
		{ "^a+b*c?", NULL },
		{ "^(REPORT|END) [0-9]{1,3}x{2}", NULL },
		{ "(ab){10}(cd){100}", NULL },
		{ "^[*+?{}]+", NULL },
		{ "\\*+", NULL },
		{ "a**", "invalid nested repetition operator" },
		{ "a++++++++++++++++++++++++", "invalid nested repetition operator" },
		{ "^%*******************************************************",
		  "invalid nested repetition operator" },
		{ "a+{2}", "invalid nested repetition operator" },
		{ "a{1001}", "invalid repeat size" },
		{ "a{2,5000}", "invalid repeat size" },
		{ "(a{100}){100}", "nested repetition counts past 1000" },
		{ "((a{10}){10}){11}", "nested repetition counts past 1000" },
	};
	struct multiline m;
	struct err e = ERR_INIT;
	size_t i;
	int r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = multiline_init(&m, t[i].pattern, 0, "after", &e);
		if (t[i].why == NULL) {
			CHECK_INT(r, 0, "%s: %s", t[i].pattern, err_msg(&e));
			if (r == 0)
				multiline_free(&m);
		} else {
			CHECK_INT(r, -1, "%s refused", t[i].pattern);
			CHECK(e.code == EXIT_USAGE && strstr(err_msg(&e), t[i].why),
			    "%s: %s", t[i].pattern, err_msg(&e));
		}
		err_clear(&e);
	}
}

int
main(void)
{
	test_repetition();
	test_translate();
	test_errors();
	test_match();
	test_join();
	test_limits();
	return unit_done("multiline");
}

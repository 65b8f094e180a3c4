/*
 * fuzz_timex: time expressions and durations (timex_parse,
 * timex_duration) on any text, and timex_iso on any instant.
 *
 * Checks: a failure is EXIT_USAGE with a message; a duration is never
 * negative; a time that parses and lies in years 0000-9999 prints with
 * timex_iso as text that parses back to the same instant; any instant in
 * that range survives timex_iso and timex_parse unchanged.
 */
#include <stdint.h>

#include "err.h"
#include "fuzz.h"
#include "timex.h"

/* The range timex_iso can print: 0000-01-01 .. 9999-12-31. */
#define MS_MIN (-62167219200000LL)
#define MS_MAX (253402300799999LL)
#define NOW 1763892000123LL

static void
roundtrip(int64_t ms, const char *what)
{
	struct err e = ERR_INIT;
	char iso[25];
	int64_t back = 0;

	timex_iso(ms, iso);
	FUZZ_ASSERT(strlen(iso) == 24 && iso[23] == 'Z', "%s: timex_iso(%lld) "
	    "gave '%s'", what, (long long)ms, iso);
	FUZZ_ASSERT(timex_parse(iso, NOW, &back, &e) == 0,
	    "%s: timex_parse('%s') failed: %s", what, iso, err_msg(&e));
	FUZZ_ASSERT(back == ms, "%s: %lld printed as '%s' parses as %lld", what,
	    (long long)ms, iso, (long long)back);
	err_clear(&e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = ERR_INIT;
	char *s = fuzz_strndup(data, size);
	int64_t ms = 0, d = 0;
	uint64_t u = 0;
	size_t i;

	if (timex_parse(s, NOW, &ms, &e) == 0) {
		FUZZ_ASSERT(e.code == 0, "success with an error set");
		if (ms >= MS_MIN && ms <= MS_MAX)
			roundtrip(ms, s);
	} else {
		FUZZ_ASSERT(e.code == EXIT_USAGE && e.msg && *e.msg,
		    "timex_parse('%s') failed with code %d and no message", s,
		    e.code);
		FUZZ_ASSERT(strncmp(e.msg, "invalid time '", 14) == 0,
		    "timex_parse('%s'): message '%s'", s, e.msg);
	}
	err_clear(&e);

	/* the exact form: what it takes prints back as the same bytes, and
	 * is what timex_parse makes of it */
	if (timex_iso_ms((const char *)data, size, &ms) == 0) {
		char out[25];
		int64_t p = 0;

		FUZZ_ASSERT(strcmp(timex_iso(ms, out), s) == 0,
		    "timex_iso_ms('%s') = %lld prints as %s", s,
		    (long long)ms, out);
		FUZZ_ASSERT(timex_parse(s, NOW, &p, &e) == 0 && p == ms,
		    "timex_iso_ms('%s') = %lld, timex_parse %lld", s,
		    (long long)ms, (long long)p);
	}
	err_clear(&e);

	if (timex_duration(s, &d, &e) == 0) {
		FUZZ_ASSERT(d >= 0, "timex_duration('%s') = %lld", s,
		    (long long)d);
	} else {
		FUZZ_ASSERT(e.code == EXIT_USAGE && e.msg && *e.msg,
		    "timex_duration('%s') failed with code %d and no message", s,
		    e.code);
		FUZZ_ASSERT(strncmp(e.msg, "invalid duration '", 18) == 0,
		    "timex_duration('%s'): message '%s'", s, e.msg);
	}
	err_clear(&e);

	/* the first 8 bytes as an instant in the printable range */
	for (i = 0; i < 8 && i < size; i++)
		u = u << 8 | data[i];
	roundtrip(MS_MIN + (int64_t)(u % (uint64_t)(MS_MAX - MS_MIN + 1)),
	    "instant");
	free(s);
	return 0;
}

/* timex: time expressions, durations, ISO formatting. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "timex.h"
#include "unit.h"

/* 2026-11-23T10:00:00Z, the "now" of every relative case. */
#define NOW 1795428000000LL

static const struct {
	const char *in;
	long long want;
} good[] = {
	{ "now", NOW },
	{ "NOW", NOW },
	{ " now ", NOW },
	{ "90s", NOW - 90000 },
	{ "5m", NOW - 300000 },
	{ "2h", NOW - 7200000 },
	{ "3d", NOW - 3 * 86400000LL },
	{ "1w", NOW - 7 * 86400000LL },
	{ "1h30m", NOW - 5400000 },
	{ "1h30m ago", NOW - 5400000 },
	{ "1H30M", NOW - 5400000 },
	{ "5m ago", NOW - 300000 },
	{ "5M AGO", NOW - 300000 },
	{ "250ms", NOW - 250 },
	{ "1.5h", NOW - 5400000 },
	{ "5 minutes ago", NOW - 300000 },
	{ "2 hours", NOW - 7200000 },
	{ "1 day", NOW - 86400000 },
	{ "1 hour 30 min ago", NOW - 5400000 },
	{ "2 weeks ago", NOW - 14 * 86400000LL },
	{ "10 secs", NOW - 10000 },
	/* ISO 8601 */
	{ "2026-11-23T10:00:00Z", 1795428000000LL },
	{ "2026-11-23t10:00:00z", 1795428000000LL },
	{ "2026-11-23T10:00:00", 1795428000000LL },
	{ "2026-11-23 10:00:00", 1795428000000LL },
	{ "2026-11-23T10:00", 1795428000000LL },
	{ "2026-11-23T10:00Z", 1795428000000LL },
	{ "2026-11-23", 1795392000000LL },
	{ "2026-11-23T10:00:00.123Z", 1795428000123LL },
	{ "2026-11-23T10:00:00.1Z", 1795428000100LL },
	{ "2026-11-23T10:00:00.12Z", 1795428000120LL },
	{ "2026-11-23T10:00:00.123456789Z", 1795428000123LL },
	{ "2026-11-23T10:00:00,5Z", 1795428000500LL },
	{ "2026-11-23T10:00:00.123+02:00", 1795428000123LL - 7200000 },
	{ "2026-11-23T10:00:00+0200", 1795428000000LL - 7200000 },
	{ "2026-11-23T10:00:00-05", 1795428000000LL + 5 * 3600000 },
	{ "2026-11-23T10:00:00-05:30", 1795428000000LL + 5 * 3600000 + 1800000 },
	{ "2026-11-23T10:00:00+00:00", 1795428000000LL },
	{ "2024-02-29T00:00:00Z", 1709164800000LL },	/* leap year */
	{ "2000-02-29T12:34:56Z", 951827696000LL },	/* divisible by 400 */
	{ "1970-01-01T00:00:00Z", 0 },
	{ "1969-12-31T23:59:59Z", -1000 },
	{ "2026-11-23T23:59:60Z", 1795392000000LL + 86400000 },	/* leap second */
	{ "9999-12-31T23:59:59Z", 253402300799000LL },
	/* epoch */
	{ "0", 0 },
	{ "1763892000", 1763892000000LL },
	{ "1763892000.123", 1763892000123LL },
	{ "1763892000.5", 1763892000500LL },
	{ "1763892000.123999", 1763892000123LL },
	{ "99999999999", 99999999999000LL },		/* 11 digits: seconds */
	{ "100000000000", 100000000000LL },		/* 12 digits: ms */
	{ "1763892000123", 1763892000123LL },
};

static const struct {
	const char *in;
	const char *msg;
} bad[] = {
	{ "", "invalid time '': empty" },
	{ "   ", "invalid time '   ': empty" },
	{ "2026-13-01", "invalid time '2026-13-01': month out of range" },
	{ "2026-00-01", "invalid time '2026-00-01': month out of range" },
	{ "2025-02-29", "invalid time '2025-02-29': day out of range" },
	{ "1900-02-29", "invalid time '1900-02-29': day out of range" },
	{ "2026-04-31", "invalid time '2026-04-31': day out of range" },
	{ "2026-01-00", "invalid time '2026-01-00': day out of range" },
	{ "2026-11-23T24:00:00Z", "invalid time '2026-11-23T24:00:00Z': hour out of range" },
	{ "2026-11-23T10:60:00Z", "invalid time '2026-11-23T10:60:00Z': minute out of range" },
	{ "2026-11-23T10:00:61Z", "invalid time '2026-11-23T10:00:61Z': second out of range" },
	{ "2026-11-23T10:00:00+25:00", "invalid time '2026-11-23T10:00:00+25:00': zone offset out of range" },
	{ "2026-11-23T10:00:00+02:60", "invalid time '2026-11-23T10:00:00+02:60': zone offset out of range" },
	{ "2026-11-23T10:00:00+2", "invalid time '2026-11-23T10:00:00+2': expected a zone offset as +HH:MM, +HHMM or +HH" },
	{ "2026-11-23T10:00:00+02:", "invalid time '2026-11-23T10:00:00+02:': expected a zone offset as +HH:MM, +HHMM or +HH" },
	{ "2026-11-23T10:00:00.Z", "invalid time '2026-11-23T10:00:00.Z': expected digits after the decimal point" },
	{ "2026-11-23T10", "invalid time '2026-11-23T10': expected a time of day as HH:MM[:SS]" },
	{ "2026-11-23T10:00:0", "invalid time '2026-11-23T10:00:0': expected seconds as SS" },
	{ "2026-11-23T10:00:00Zjunk", "invalid time '2026-11-23T10:00:00Zjunk': unexpected 'junk'" },
	{ "2026-11-23 junk", "invalid time '2026-11-23 junk': expected a time of day as HH:MM[:SS]" },
	{ "2026-1-23", "invalid time '2026-1-23': expected a date as YYYY-MM-DD" },
	{ "2026-11-23Z", "invalid time '2026-11-23Z': unexpected 'Z'" },
	{ "soon", "invalid time 'soon': expected now, a relative time (90s, 5m, 1h30m, 2 hours ago), ISO 8601 (2026-11-23T10:00:00Z) or epoch seconds" },
	{ "ago", "invalid time 'ago': expected now, a relative time (90s, 5m, 1h30m, 2 hours ago), ISO 8601 (2026-11-23T10:00:00Z) or epoch seconds" },
	{ "5x", "invalid time '5x': unknown unit 'x' (ms, s, m, h, d or w)" },
	{ "5 fortnights ago", "invalid time '5 fortnights ago': unknown unit 'fortnights' (ms, s, m, h, d or w)" },
	{ "5 ago", "invalid time '5 ago': missing unit after '5' (ms, s, m, h, d or w)" },
	{ "-5", "invalid time '-5': no sign: a relative time counts back from now (5m, 5m ago) and a duration has none (5m)" },
	{ "-5m", "invalid time '-5m': no sign: a relative time counts back from now (5m, 5m ago) and a duration has none (5m)" },
	{ "+5m", "invalid time '+5m': no sign: a relative time counts back from now (5m, 5m ago) and a duration has none (5m)" },
	{ "1h30", "invalid time '1h30': missing unit after '30' (ms, s, m, h, d or w)" },
	{ "-5m ago", "invalid time '-5m ago': no sign: a relative time counts back from now (5m, 5m ago) and a duration has none (5m)" },
	{ "5m!", "invalid time '5m!': unexpected '!'" },
	{ "1.2.3", "invalid time '1.2.3': missing unit after '1.2' (ms, s, m, h, d or w)" },
	{ "99999999999999999999", "invalid time '99999999999999999999': out of range" },
	{ "9999999999999999", "invalid time '9999999999999999': out of range" },
	{ "99999999999999w", "invalid time '99999999999999w': out of range" },
	{ "next tuesday", "invalid time 'next tuesday': expected now, a relative time (90s, 5m, 1h30m, 2 hours ago), ISO 8601 (2026-11-23T10:00:00Z) or epoch seconds" },
};

static const struct {
	const char *in;
	long long want;
} dur[] = {
	{ "10s", 10000 },
	{ "5m", 300000 },
	{ "1h30m", 5400000 },
	{ "250ms", 250 },
	{ "2d", 172800000 },
	{ "1w", 604800000 },
	{ "1.5s", 1500 },
	{ "0.25s", 250 },
	{ ".5s", 500 },
	{ "90", 90000 },
	{ "0", 0 },
	{ "1.5", 1500 },
	{ " 30s ", 30000 },
	{ "1h 30m", 5400000 },
	{ "5 minutes", 300000 },
	{ "2 Hours", 7200000 },
	{ "1m30s500ms", 90500 },
	{ "20S", 20000 },
};

static const struct {
	const char *in;
	const char *msg;
} baddur[] = {
	{ "", "invalid duration '': empty" },
	{ "soon", "invalid duration 'soon': not a duration (expected 10s, 5m, 1h30m, 250ms, 2d, 1w or seconds)" },
	{ "-5s", "invalid duration '-5s': no sign: a relative time counts back from now (5m, 5m ago) and a duration has none (5m)" },
	{ "+5s", "invalid duration '+5s': no sign: a relative time counts back from now (5m, 5m ago) and a duration has none (5m)" },
	{ "5 x", "invalid duration '5 x': unknown unit 'x' (ms, s, m, h, d or w)" },
	{ "1h30", "invalid duration '1h30': missing unit after '30' (ms, s, m, h, d or w)" },
	{ "5s ago", "invalid duration '5s ago': unexpected 'ago'" },
	{ ".", "invalid duration '.': not a duration (expected 10s, 5m, 1h30m, 250ms, 2d, 1w or seconds)" },
	{ "99999999999999999999s", "invalid duration '99999999999999999999s': number too large" },
	{ "9999999999999999w", "invalid duration '9999999999999999w': out of range" },
};

static const struct {
	long long ms;
	const char *want;
} iso[] = {
	{ 0, "1970-01-01T00:00:00.000Z" },
	{ 1795428000123LL, "2026-11-23T10:00:00.123Z" },
	{ 1709164800000LL, "2024-02-29T00:00:00.000Z" },
	{ 951827696007LL, "2000-02-29T12:34:56.007Z" },
	{ -1, "1969-12-31T23:59:59.999Z" },
	{ -86400000LL * 366, "1968-12-31T00:00:00.000Z" },
	{ 253402300799999LL, "9999-12-31T23:59:59.999Z" },
	{ 253402300800000LL, "9999-12-31T23:59:59.999Z" },	/* clamped */
	{ -62167219200000LL, "0000-01-01T00:00:00.000Z" },
	{ -62167219200001LL, "0000-01-01T00:00:00.000Z" },	/* clamped */
	{ 4102444800000LL, "2100-01-01T00:00:00.000Z" },
	{ 4107542400000LL, "2100-03-01T00:00:00.000Z" },	/* 2100: no Feb 29 */
};

static void
run_parse(const char *label)
{
	struct err e = ERR_INIT;
	int64_t got;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		got = 42;
		CHECK_INT(timex_parse(good[i].in, NOW, &got, &e), 0,
		    "%s: parse '%s': %s", label, good[i].in, err_msg(&e));
		CHECK_INT(got, good[i].want, "%s: value of '%s'", label,
		    good[i].in);
		err_clear(&e);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(timex_parse(bad[i].in, NOW, &got, &e), -1,
		    "%s: '%s' refused", label, bad[i].in);
		CHECK_INT(e.code, EXIT_USAGE, "%s: '%s' is a usage error",
		    label, bad[i].in);
		CHECK_STR(err_msg(&e), bad[i].msg, "%s: message for '%s'",
		    label, bad[i].in);
		err_clear(&e);
	}
}

static void
test_duration(void)
{
	struct err e = ERR_INIT;
	int64_t got;
	size_t i;

	for (i = 0; i < sizeof(dur) / sizeof(dur[0]); i++) {
		got = -42;
		CHECK_INT(timex_duration(dur[i].in, &got, &e), 0,
		    "duration '%s': %s", dur[i].in, err_msg(&e));
		CHECK_INT(got, dur[i].want, "duration '%s'", dur[i].in);
		err_clear(&e);
	}
	for (i = 0; i < sizeof(baddur) / sizeof(baddur[0]); i++) {
		CHECK_INT(timex_duration(baddur[i].in, &got, &e), -1,
		    "duration '%s' refused", baddur[i].in);
		CHECK_INT(e.code, EXIT_USAGE, "duration '%s' usage error",
		    baddur[i].in);
		CHECK_STR(err_msg(&e), baddur[i].msg, "message for '%s'",
		    baddur[i].in);
		err_clear(&e);
	}
	CHECK_INT(timex_duration(NULL, &got, &e), -1, "NULL duration refused");
	err_clear(&e);
}

static void
test_iso(void)
{
	char out[25];
	struct err e = ERR_INIT;
	int64_t back;
	size_t i;

	for (i = 0; i < sizeof(iso) / sizeof(iso[0]); i++) {
		memset(out, 'x', sizeof(out));
		CHECK(timex_iso(iso[i].ms, out) == out, "returns out");
		CHECK_STR(out, iso[i].want, "iso of %lld", iso[i].ms);
	}
	/* Every formatted time parses back to itself. */
	for (i = 0; i < 7; i++) {
		timex_iso(iso[i].ms, out);
		CHECK_INT(timex_parse(out, NOW, &back, &e), 0, "parse %s", out);
		CHECK_INT(back, iso[i].ms, "round trip of %s", out);
		err_clear(&e);
		back = 0;
		CHECK_INT(timex_iso_ms(out, strlen(out), &back), 0,
		    "timex_iso_ms takes %s", out);
		CHECK_INT(back, iso[i].ms, "timex_iso_ms of %s", out);
	}
	/* timex_iso_ms takes that one form, with a real date, only */
	{
		static const char *badiso[] = {
			"2026-11-23T10:00:00.123", "2026-11-23T10:00:00Z",
			"2026-11-23 10:00:00.123Z", "2026-13-23T10:00:00.123Z",
			"2026-02-29T10:00:00.123Z", "2026-11-31T10:00:00.123Z",
			"2026-11-23T24:00:00.123Z", "2026-11-23T10:60:00.123Z",
			"2026-11-23T10:00:60.123Z", "2026-11-2xT10:00:00.123Z",
			"-026-11-23T10:00:00.123Z", "",
		};

		for (i = 0; i < sizeof(badiso) / sizeof(badiso[0]); i++)
			CHECK_INT(timex_iso_ms(badiso[i], strlen(badiso[i]),
			    &back), -1, "timex_iso_ms refuses '%s'", badiso[i]);
		CHECK_INT(timex_iso_ms("2024-02-29T23:59:59.999Z", 24, &back),
		    0, "a leap day");
		CHECK_INT(back, 1709251199999LL, "a leap day's ms");
	}
}

static void
test_clocks(void)
{
	int64_t a, b, t;

	t = timex_now_ms();
	CHECK(t > 1700000000000LL && t < 4102444800000LL, "now is plausible: %lld",
	    (long long)t);
	a = timex_mono_ms();
	b = timex_mono_ms();
	CHECK(b >= a, "monotonic clock does not go back");
}

int
main(void)
{
	run_parse("UTC");
	/* The local zone must not change any result. */
	setenv("TZ", "Pacific/Auckland", 1);
	tzset();
	run_parse("TZ=Pacific/Auckland");
	setenv("TZ", "America/St_Johns", 1);
	tzset();
	run_parse("TZ=America/St_Johns");
	test_duration();
	test_iso();
	test_clocks();
	return unit_done("timex");
}

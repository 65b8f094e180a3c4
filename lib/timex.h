/*
 * timex: time expressions and durations.
 *
 * A time expression is one of: "now"; a relative time before now ("90s",
 * "5m", "2h", "3d", "1w", combined like "1h30m", with or without a
 * trailing " ago"; never with a sign, as durations have none); ISO 8601
 * ("2026-11-23T10:00:00Z",
 * "2026-11-23T10:00:00.123+02:00", "2026-11-23 10:00:00"; no zone means
 * UTC); a date alone ("2026-11-23", midnight UTC); epoch seconds
 * (up to 11 digits) or epoch milliseconds (12 digits or more).
 */
#ifndef CWL_TIMEX_H
#define CWL_TIMEX_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Returns the time in ms since the epoch (UTC). */
int64_t timex_now_ms(void);
/* Returns a monotonic clock in ms, for timers. */
int64_t timex_mono_ms(void);
/* Parses a time expression relative to now_ms. Returns 0 and *out_ms, or
 * -1 with e set to EXIT_USAGE and the text quoted. */
int timex_parse(const char *s, int64_t now_ms, int64_t *out_ms,
    struct err *e);
/* Parses a duration: "10s", "5m", "1h30m", "250ms", "2d", "1w"; a bare
 * number is seconds. Returns 0 and *out_ms, or -1 with e (EXIT_USAGE). */
int timex_duration(const char *s, int64_t *out_ms, struct err *e);
/* Formats ms as "2026-11-23T10:00:00.123Z" into out (25 bytes).
 * Returns out. */
char *timex_iso(int64_t ms, char out[25]);
/* The inverse of timex_iso, for that form only: p[0..n) is exactly
 * "YYYY-MM-DDTHH:MM:SS.mmmZ" with a valid date and time. Returns 0 and
 * *out_ms, or -1. */
int timex_iso_ms(const char *p, size_t n, int64_t *out_ms);

#endif

/*
 * tm: timestamp conversion to ISO 8601 UTC, without the TZ database.
 *
 * Every converter parses a textual time, applies its numeric UTC offset and
 * writes "YYYY-MM-DDTHH:MM:SS[.fraction]Z" into out (at least TM_ISOMAX
 * bytes), returning the length written, or -1 if the text is not a valid time
 * of that form (nothing is written then).  A fraction in the input is kept
 * digit for digit.  Conversions are cached per struct tm_cache: a log holds
 * few distinct seconds, so most lines cost one memcmp.
 */
#ifndef TM_H
#define TM_H

#include <stddef.h>
#include <stdint.h>

#define TM_ISOMAX 48

struct tm_cache {
	size_t keylen;
	char key[40];
	int isolen;
	char iso[TM_ISOMAX];
	int64_t epoch;
};

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1-12, d 1-31). */
int64_t tm_days(int64_t y, int m, int d);
/* Format epoch seconds as ISO 8601 UTC without fraction; returns length. */
int tm_iso(int64_t epoch, char *out);
/* Seconds of the monotonic clock (for timers, never for records). */
double tm_mono(void);
/* 1 when p is what may follow the seconds there: "Z" or ".DIGITS Z". */
int tm_iso_tail(const char *p, size_t len);
/* Parse "YYYY-MM-DDTHH:MM:SS[.f]Z" (as written by tm_iso); -1 if not. */
int tm_parse_iso(const char *p, size_t len, int64_t *epoch);

/* CLF: "10/Oct/2000:13:55:36 -0700" (no brackets). */
int tm_clf(struct tm_cache *c, const char *p, size_t len, char *out);
/* W3C: date "2000-10-10" and time "13:55:36[.fff]" (or NULL time), minus
 * gmtoff seconds (local time east of UTC); a date alone gives a date alone. */
int tm_w3c(struct tm_cache *c, const char *d, size_t dlen, const char *t,
    size_t tlen, long gmtoff, char *out);
/* ISO 8601 with offset: "2000-10-10T13:55:36[.fff](Z|+hh:mm|+hhmm)". */
int tm_iso8601(struct tm_cache *c, const char *p, size_t len, char *out);
/* Seconds since the epoch, "971186136[.fff]". */
int tm_epoch(const char *p, size_t len, char *out);

#endif

/*
 * libFuzzer target: lib/tm (timestamps to ISO 8601 UTC).
 *
 * The input, in a copy of exactly its size, goes to every parser of tm.h:
 * tm_parse_iso, tm_iso_tail, tm_clf, tm_iso8601, tm_epoch, and tm_w3c (date
 * before the first space, time after it or none, a #GMT-Offset chosen by
 * the input's length).  Converters with a cache run twice on one zeroed
 * cache (a new struct, as logfmt and w3c have it: calloc) and once more on
 * another cache that has converted another time of the same form.
 *
 * Checked, as tm.h says: a converter returns -1 or the length of
 * "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (shorter than TM_ISOMAX; a W3C date
 * alone gives "YYYY-MM-DD"), which tm_parse_iso accepts; the cache answers
 * as the conversion did; tm_iso of an epoch from tm_parse_iso parses back to
 * that epoch.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tm.h"

static void
fail(const char *what, const char *p, size_t n)
{
	fprintf(stderr, "fuzz-tm: %s: \"%.*s\"\n", what, (int)(n > 200 ? 200 : n),
	    p);
	abort();
}

/* what a converter returned: -1, or an ISO time tm_parse_iso takes */
static void
iso_ok(int n, const char *out, int date_alone, const char *what,
    const char *p, size_t len)
{
	int64_t t;

	if (n == -1)
		return;
	if (n < 0 || n >= TM_ISOMAX)
		fail(what, p, len);
	if (date_alone && n == 10)
		return;
	if (tm_parse_iso(out, (size_t)n, &t) != 0)
		fail(what, p, len);
}

typedef int conv_fn(struct tm_cache *, const char *, size_t, char *);

/* tm_w3c as a conv_fn: "DATE TIME" or "DATE", no offset (the cached case) */
static int
w3c(struct tm_cache *c, const char *p, size_t len, char *out)
{
	const char *sp = memchr(p, ' ', len);

	if (sp == NULL)
		return tm_w3c(c, p, len, NULL, 0, 0, out);
	return tm_w3c(c, p, (size_t)(sp - p), sp + 1, len - (size_t)(sp - p) - 1,
	    0, out);
}

/*
 * Run a cached converter on p three ways, all of which must agree: on a new
 * (zeroed) cache, again on that cache, and on a cache that has converted
 * warm (a valid time of this converter) before.
 */
static void
cached_conv(const char *name, conv_fn *f, const char *warm, int date_alone,
    const char *p, size_t size)
{
	struct tm_cache *c, *c2;
	char o1[TM_ISOMAX], o2[TM_ISOMAX], o3[TM_ISOMAX], what[64];
	int n1, n2, n3;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c2 = calloc(1, sizeof(*c2))) == NULL)
		abort();
	n1 = f(c, p, size, o1);
	snprintf(what, sizeof(what), "%s: not -1 nor an ISO time", name);
	iso_ok(n1, o1, date_alone, what, p, size);
	n2 = f(c, p, size, o2);
	snprintf(what, sizeof(what), "%s: the cache answers otherwise", name);
	if (n2 != n1 || (n1 > 0 && memcmp(o1, o2, (size_t)n1) != 0))
		fail(what, p, size);
	if (f(c2, warm, strlen(warm), o3) < 0)
		fail("a warm-up time does not convert", warm, strlen(warm));
	n3 = f(c2, p, size, o3);
	snprintf(what, sizeof(what), "%s: a used cache answers otherwise", name);
	if (n3 != n1 || (n1 > 0 && memcmp(o1, o3, (size_t)n1) != 0))
		fail(what, p, size);
	free(c);
	free(c2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long offs[] = { 0, 3600, -28800, 19800, -43200, 50400 };
	struct tm_cache tc;
	char *p, out[TM_ISOMAX], out2[TM_ISOMAX], *sp;
	const char *tp;
	size_t dlen, tlen;
	long gmtoff;
	int64_t t, t2;
	int n;

	if ((p = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(p, data, size);

	if (tm_parse_iso(p, size, &t) == 0) {
		if (!tm_iso_tail(p + 19, size - 19))
			fail("tm_parse_iso took a bad tail", p, size);
		n = tm_iso(t, out);
		if (n != 20 || tm_parse_iso(out, (size_t)n, &t2) != 0 || t2 != t)
			fail("tm_iso of a parsed time does not parse back", p, size);
	}
	(void)tm_iso_tail(p, size);

	cached_conv("tm_clf", tm_clf, "10/Oct/2000:13:55:36 -0700", 0, p, size);
	cached_conv("tm_iso8601", tm_iso8601, "2000-10-10T13:55:36.5+02:00", 0,
	    p, size);

	n = tm_epoch(p, size, out);
	iso_ok(n, out, 0, "tm_epoch: not an ISO time", p, size);

	/* W3C: "DATE TIME" or "DATE" */
	sp = memchr(p, ' ', size);
	dlen = sp != NULL ? (size_t)(sp - p) : size;
	tp = sp != NULL ? sp + 1 : NULL;
	tlen = sp != NULL ? size - dlen - 1 : 0;
	gmtoff = offs[size % (sizeof(offs) / sizeof(offs[0]))];
	if (gmtoff == 0)
		cached_conv("tm_w3c", w3c, "2000-10-10 13:55:36", tp == NULL, p,
		    size);
	else {
		/* an offset: tm_w3c neither asks nor fills the cache */
		memset(&tc, 0, sizeof(tc));
		n = tm_w3c(&tc, p, dlen, tp, tlen, gmtoff, out);
		iso_ok(n, out, tp == NULL, "tm_w3c: not -1 nor an ISO time", p,
		    size);
		if (tm_w3c(&tc, p, dlen, tp, tlen, gmtoff, out2) != n ||
		    (n > 0 && memcmp(out, out2, (size_t)n) != 0))
			fail("tm_w3c: two answers", p, size);
	}
	free(p);
	return 0;
}

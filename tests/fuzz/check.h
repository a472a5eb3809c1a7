/*
 * Checks shared by the fuzz targets.  The UTF-8 and text checks are an
 * oracle written apart from lib/rec.c on purpose: the code under test is
 * never its own judge.  Define FUZZ_NAME ("fuzz-rec") before including.
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "rec.h"

/* a broken promise: tell what, with the first 200 bytes of p, and abort */
static inline void
fail(const char *what, const char *p, size_t n)
{
	fprintf(stderr, FUZZ_NAME ": %s: \"%.*s\"\n", what,
	    (int)(n > 200 ? 200 : n), p);
	abort();
}

/* length of a valid UTF-8 sequence at s (n bytes left), 0 if invalid */
static inline size_t
utf8_ok(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* text as rec writes it: no control byte but TAB, no DEL, valid UTF-8;
 * *tabs counts the TABs (a row's fields less one) */
static inline int
clean_text(const char *p, size_t n, size_t *tabs)
{
	const unsigned char *s = (const unsigned char *)p, *e = s + n;
	size_t k;

	*tabs = 0;
	while (s < e) {
		if (*s == '\t') {
			(*tabs)++;
			s++;
			continue;
		}
		if (*s < 0x20 || *s == 0x7f || (k = utf8_ok(s, (size_t)(e - s))) == 0)
			return 0;
		s += k;
	}
	return 1;
}

/*
 * The row of vals[0..n) as rec_put_row writes it: o (a memory out) holds
 * it from o->mem on; when d is given, at most dmax bytes of it are copied
 * there too.  Its length.
 */
static inline size_t
row_text(struct out *o, const struct rec_val *vals, int n, char *d,
    size_t dmax)
{
	const struct rec_val *row[REC_MAXF];
	int i;

	for (i = 0; i < n; i++)
		row[i] = &vals[i];
	out_mem_reset(o);
	rec_put_row(o, row, n);
	if (out_flush(o) == -1)
		abort();
	if (d != NULL)
		memcpy(d, o->mem, o->memlen < dmax ? o->memlen : dmax);
	return o->memlen;
}

#endif

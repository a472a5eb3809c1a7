/*
 * lfint: the insides of logfmt, shared by its two files and by no other
 * module.  logfmt.c compiles formats and holds the general matcher (every
 * line, every rule of logfmt.h); lfscan.c indexes a line in one SIMD pass
 * and matches the lines that need no escaping by a plan of steps made
 * once per program.
 *
 * Rules:
 * - lf_fast gives the same values as the general matcher or gives up (1):
 *   on anything else than a plain match (a field not ended, a literal
 *   missing, the rules of CLF lines in a combined log, a client chain, a
 *   bad number) it returns 1 without a reason, and the general matcher
 *   matches the line again from its start and says why.
 * - The masks (pg->mask) are valid for pg->mline while pg->masked.
 */
#ifndef LFINT_H
#define LFINT_H

#include <stdint.h>
#include <string.h>

#include "logfmt.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define LF_MAXITEMS 128
#define LF_LITMAX 4096
#define LF_NAMEMAX 4096
/*
 * Lines up to LF_MASKMAX bytes are indexed in one SSE2 pass: a bit per
 * byte for each of up to LF_NDELIM bytes the program searches for (the
 * first bytes of the literals after fields, ']' of %t, ' '), and whether
 * any byte would need escaping.  Searches then scan bits; longer lines,
 * other bytes and the scalar form (OMPH_SCALAR, no SSE2) search the text.
 */
#define LF_MASKMAX 4096
#define LF_NDELIM 4

enum { I_LIT, I_FIELD };

enum {
	T_TOKEN,	/* text; "-" is absent */
	T_CLIENT,	/* text, may be a "a, b, c" chain */
	T_TIME_BR,	/* Apache %t: "[10/Oct/2000:13:55:36 -0700]" */
	T_TIME_CLF,	/* nginx $time_local, without brackets */
	T_TIME_ISO,	/* $time_iso8601 */
	T_TIME_SEC,	/* seconds since the epoch, fraction allowed */
	T_TIME_MSEC,	/* milliseconds since the epoch */
	T_TIME_USEC,	/* microseconds since the epoch */
	T_REQUEST,	/* "METHOD TARGET PROTOCOL" */
	T_URI,		/* path?query */
	T_QUERY,	/* query, a leading '?' dropped */
	T_STATUS,	/* 1-3 digits, "-" absent */
	T_BYTES,	/* digits, "-" is 0 */
	T_DUR_S,	/* decimal seconds */
	T_DUR_MS,	/* integer milliseconds */
	T_DUR_US,	/* integer microseconds */
	T_NUM		/* digits (port, pid), "-" absent */
};

/* columns of a request: method path query protocol request */
enum { RQ_METHOD, RQ_PATH, RQ_QUERY, RQ_PROTO, RQ_RAW, RQ_N };

struct item {
	uint8_t kind;
	uint8_t type;
	uint8_t quoted;		/* between double quotes */
	int16_t col[RQ_N];	/* schema columns (col[0] for simple fields) */
	uint16_t off, len;	/* literal bytes in lits, or directive name */
};

/*
 * The fast matcher's plan (lfscan.c): the items as steps, each field with
 * the literal after it, so that a literal found as a field's end is not
 * looked at again.
 */
enum { S_LIT, S_FIELD, S_LAST, S_TIME };

struct lf_step {
	uint8_t kind;
	uint8_t type;		/* the item's */
	int8_t slot;		/* S_FIELD: the mask of the literal's first byte */
	uint8_t chain;		/* a client field before a space */
	int16_t col;		/* the item's first column */
	uint16_t item;		/* its pg->it[] */
	uint16_t lit, litlen;	/* the literal (S_LIT) or the one after */
};

struct lf_prog {
	int n;
	struct item it[LF_MAXITEMS];
	size_t litlen, namelen;
	char lits[LF_LITMAX];	/* literals and directive names */
	char names[LF_NAMEMAX];	/* extra column names */
	struct rec_schema schema;
	int status_col;		/* the "status" column, or -1 */
	int clean;		/* lf_clean */
	int ndelim;		/* bytes indexed per line */
	int masked;		/* the current line is indexed */
	char *mline;		/* its first byte */
	unsigned char delim[LF_NDELIM];
	signed char slot[256];	/* byte -> its mask, or -1 */
	uint64_t mask[LF_NDELIM][LF_MASKMAX / 64];
	int fast;		/* the steps below match clean indexed lines */
	int nst;
	struct lf_step st[LF_MAXITEMS];
	struct tm_cache tc;
	char scratch[LF_MAXITEMS * TM_ISOMAX];	/* one slot per field */
};

/* 1 if p[0..n) equals lit; short literals compared inline */
static inline int
lit_eq(const char *p, const char *lit, size_t n)
{
	switch (n) {
	case 1:
		return p[0] == lit[0];
	case 2:
		return p[0] == lit[0] && p[1] == lit[1];
	case 3:
		return p[0] == lit[0] && p[1] == lit[1] && p[2] == lit[2];
	default:
		return memcmp(p, lit, n) == 0;
	}
}

/*
 * First c in [s, e), or NULL.  Tokens are short: the first 16 bytes are
 * looked at in one step (or by hand) before memchr is called.
 */
static inline char *
find_byte(char *s, char *e, char c)
{
#ifdef __SSE2__
	if (e - s >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
		unsigned bits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
		    _mm_set1_epi8(c)));

		if (bits != 0)
			return s + __builtin_ctz(bits);
		return memchr(s + 16, c, (size_t)(e - s - 16));
	}
	for (; s < e; s++)
		if (*s == c)
			return s;
	return NULL;
#else
	char *q;

	for (q = s; q < e && q < s + 16; q++)
		if (*q == c)
			return q;
	return q < e ? memchr(q, c, (size_t)(e - q)) : NULL;
#endif
}

/* the first bit of mask k at or after s, before e; NULL if none */
static inline char *
mask_scan(const struct lf_prog *pg, int k, const char *s, const char *e)
{
	const uint64_t *m = pg->mask[k];
	size_t i = (size_t)(s - pg->mline), end = (size_t)(e - pg->mline), w;
	uint64_t x;

	if (i >= end)
		return NULL;
	w = i >> 6;
	x = m[w] & (~0ULL << (i & 63));
	while (x == 0) {
		if (++w << 6 >= end)
			return NULL;
		x = m[w];
	}
	i = (w << 6) + (size_t)__builtin_ctzll(x);
	return i < end ? pg->mline + i : NULL;
}

/*
 * First c in [s, e) (e not past the line's end), or NULL: by the line's
 * index when it has one for c, else by find_byte.
 */
static inline char *
find_c(struct lf_prog *pg, char *s, char *e, unsigned char c)
{
	int k;

	if (!pg->masked || (k = pg->slot[c]) < 0)
		return find_byte(s, e, (char)c);
	return mask_scan(pg, k, s, e);
}

/* 1 if p[0..n) is n >= 1 decimal digits */
static inline int
lf_digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return n > 0;
}

static inline void
lf_set(struct rec_val *v, const char *p, size_t n, int enc)
{
	v->p = p;
	v->len = (uint32_t)n;
	v->enc = (uint8_t)enc;
}

/* lfscan.c */
/* index line when SIMD may (pg->masked, pg->clean; else both 0) */
void lf_index(struct lf_prog *pg, char *line, size_t len);
/* the steps of lf_fast (pg->fast 0 when the program has none) */
void lf_plan(struct lf_prog *pg);
/* match an indexed clean line: 0, or 1 to leave it to the general one */
int lf_fast(struct lf_prog *pg, char *line, size_t len, struct rec_val *vals);

/* logfmt.c */
/* one field's text into its column(s): 0, -1 with a reason in why */
int lf_convert(struct lf_prog *pg, const struct item *it, char *p, size_t n,
    struct rec_val *vals, char **scr, char *why, size_t whylen);
/*
 * A request's columns, its first space at sp1 and its last at sp2 (sp1
 * when it has one only): method, path, query and protocol set when it is
 * "METHOD TARGET HTTP/x", the whole request always
 */
void lf_request_at(struct lf_prog *pg, struct rec_val *vals,
    const struct item *it, char *p, size_t n, int enc, char *sp1, char *sp2);

#endif

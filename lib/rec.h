/*
 * rec: the record format of man/omph.7.
 *
 * A record is one line of fields separated by TAB and ended by LF.  Values
 * use PostgreSQL COPY text escaping (backslash, TAB, LF, CR written as \\ \t
 * \n \r) and an absent value is \N.  A line starting with '#' names the
 * columns ("#time<TAB>client..."); a stream may change header at any line.
 *
 * Writers here take values as struct rec_val: bytes in the caller's memory
 * plus how they are encoded, and escape while copying into a struct out.
 */
#ifndef REC_H
#define REC_H

#include <stddef.h>
#include <stdint.h>

#include "out.h"

#define REC_MAXF 128		/* columns in one schema */

/* canonical fields, in their canonical output order */
enum {
	REC_TIME, REC_VHOST, REC_CLIENT, REC_USER, REC_METHOD, REC_PATH,
	REC_QUERY, REC_PROTOCOL, REC_STATUS, REC_BYTES, REC_REFERER,
	REC_AGENT, REC_DURATION, REC_SOURCE, REC_ORIGIN, REC_NCANON
};

/* how the bytes of a value are to be read */
enum {
	REC_ABSENT = 0,		/* no value: written \N; a zeroed rec_val is one */
	REC_RAW,		/* the bytes as they are */
	REC_BSL			/* Apache/nginx escapes: \" \\ \xHH decoded */
};

struct rec_val {
	const char *p;
	uint32_t len;
	uint8_t enc;
};

/* Output columns of a producer.  gen changes whenever names change. */
struct rec_schema {
	int n;
	unsigned gen;
	const char *names[REC_MAXF];
};

extern const char *const rec_canon_names[REC_NCANON];

/* Index of a canonical field name, or -1. */
int rec_canon(const char *name, size_t len);

/* Write one value COPY-escaped (\N when absent).  -1 on output error. */
int rec_put(struct out *o, const struct rec_val *v);
/* Write a whole record: n values (NULL is absent), TABs and the LF. */
int rec_put_row(struct out *o, const struct rec_val *const *v, int n);
/*
 * The same when the caller knows that no value holds a byte rec_put would
 * escape or decode (rec_clean of each value is 1, or of the line they all
 * point into; constant ASCII text such as converted times is clean too):
 * each value is copied as it is.  Output is identical to rec_put_row's.
 */
int rec_put_row_clean(struct out *o, const struct rec_val *const *v, int n);
/*
 * 1 when none of the n bytes at p is one that rec_put escapes or that a
 * REC_BSL value decodes: a byte below 0x20, DEL, a byte of 0x80 or more,
 * a backslash.  One pass, sixteen bytes at a time where SSE2 is there.
 */
int rec_clean(const char *p, size_t n);
/*
 * 1 when the hot paths are to take their portable scalar form and no
 * shortcut (the environment variable OMPH_SCALAR is set to anything but
 * "" or "0", read once): for tests that compare both, never for users.
 */
int rec_scalar(void);
/* Force the portable paths on (1) or off (0), as OMPH_SCALAR does: for the
 * fuzzers' comparisons of both. */
void rec_set_scalar(int on);
/* Write a header line "#a<TAB>b...<LF>" for n names. */
int rec_put_header(struct out *o, const char *const *names, int n);
/* The same without the '#': "a<TAB>b...<LF>", for loaders that match names. */
int rec_put_names(struct out *o, const char *const *names, int n);
/*
 * Write one value as a JSON string, or as a bare number when numeric is set
 * and the value is a JSON number.  Control characters and bytes that are
 * not UTF-8 become the text \xHH, as in rec_put.  An absent value writes
 * null.
 */
int rec_put_json(struct out *o, const struct rec_val *v, int numeric);
/* The same for a value known to be clean (as for rec_put_row_clean). */
int rec_put_json_clean(struct out *o, const struct rec_val *v, int numeric);

/*
 * The decimal of n digits (n <= 20, all '0'-'9') divided by 10^places
 * (places <= 9): "1405",3 -> "1.405", "5",6 -> "0.000005", "1000",3 -> "1".
 * Writes at most 32 bytes to o and returns the length.
 */
size_t rec_decimal(const char *p, size_t n, int places, char *o);

/*
 * Reading.  rec_split cuts line (len bytes, no LF) at each TAB in place,
 * storing up to max field starts/lengths; returns the field count (which
 * may exceed max: the extra fields are not stored).  rec_unescape decodes
 * COPY escapes in place and returns the new length, or -1 for \N (absent).
 */
int rec_split(char *line, size_t len, char **f, size_t *flen, int max);
/*
 * A field's value as a number: rec_digits, decimal digits (at most 18) as
 * an integer; rec_micros, decimal seconds ("1.5", ".012", up to 12 digits
 * before the point, those past the sixth after it dropped) as
 * microseconds.  -1 when it is not one: empty, \N, a sign, anything else.
 */
int64_t rec_digits(const char *p, size_t n);
int64_t rec_micros(const char *p, size_t n);
/*
 * rec_split for a reader of fields 0 to last only (last < max): those are
 * stored as rec_split stores them (when the line has them), the rest's
 * TABs are only counted.  Returns rec_split's count, so that a record of
 * the wrong field count is told as before.  last -1: nothing stored, the
 * count only.  Sixteen bytes at a time where SSE2 is there (not under
 * rec_scalar, the same answer).
 */
int rec_split_head(char *line, size_t len, char **f, size_t *flen, int max,
    int last);
/*
 * The length of the valid UTF-8 sequence of two to four bytes at s (n
 * bytes left, n >= 1), or 0 when it is not one (an ASCII byte included):
 * overlong forms, surrogates and code points past U+10FFFF are not valid.
 */
size_t rec_utf8_len(const unsigned char *s, size_t n);
long rec_unescape(char *p, size_t len);

/*
 * Origins (man/omph.7, "Origins and counting exactly once").  An origin is
 * ID:START:END: the stream a line came from (16 lowercase hex digits, the
 * id omph-tail gave it) and the byte offsets in that stream of the line's
 * first byte and just past its end (past its LF, its skipped rest, its NUL
 * bytes), so that the next line of the stream starts where this one ends.
 *
 * rec_origin reads one: p (len bytes, no TAB) must be exactly 16 lowercase
 * hex digits, ':', 1 to 19 decimal digits, ':', 1 to 19 decimal digits,
 * with START < END.  Returns 0 with the three values set, else -1 (nothing
 * stored).  rec_origin_fmt writes one into d (REC_ORIGIN_MAX bytes of
 * room, no NUL added) and returns its length.  rec_u64 writes the decimal
 * of v into d (20 bytes of room, no NUL) and returns its length.
 */
#define REC_ORIGIN_MAX 58	/* 16 + 1 + 20 + 1 + 20 */

/*
 * The 8 ASCII digits of v < 10^8, leading zeros included, as the bytes of
 * a word in memory order (little-endian: the first digit in the low byte).
 * Branchless, a few multiplications: for writers on a hot path.
 */
static inline uint64_t
rec_digits8(uint32_t v)
{
	uint64_t x = v / 10000 | (uint64_t)(v % 10000) << 32, h;

	h = ((x * 10486) >> 20) & 0x0000007f0000007fULL;	/* /100 */
	x = h | (x - h * 100) << 16;
	h = ((x * 103) >> 10) & 0x000f000f000f000fULL;		/* /10 */
	x = h | (x - h * 10) << 8;
	return x + 0x3030303030303030ULL;
}

/*
 * The decimal of v < 10^16 as two words of digits (w[0] first, as in
 * memory on a little-endian machine only): storing both 16 bytes and
 * keeping the returned length writes it.  Returns its length (1 to 16).
 */
static inline size_t
rec_u64w(uint64_t v, uint64_t w[2])
{
	uint64_t a = rec_digits8((uint32_t)(v / 100000000)),
	    b = rec_digits8((uint32_t)(v % 100000000)), z;
	int lead;

	if (v < 100000000) {
		z = b ^ 0x3030303030303030ULL;
		lead = z != 0 ? __builtin_ctzll(z) >> 3 : 7;
		w[0] = b >> (8 * lead);
		w[1] = 0;
		return (size_t)(8 - lead);
	}
	lead = __builtin_ctzll(a ^ 0x3030303030303030ULL) >> 3;
	if (lead == 0) {
		w[0] = a;
		w[1] = b;
	} else {
		w[0] = a >> (8 * lead) | b << (64 - 8 * lead);
		w[1] = b >> (8 * lead);
	}
	return (size_t)(16 - lead);
}
int rec_origin(const char *p, size_t len, uint64_t *id, uint64_t *start,
    uint64_t *end);
size_t rec_origin_fmt(char *d, uint64_t id, uint64_t start, uint64_t end);
size_t rec_u64(char *d, uint64_t v);

#endif

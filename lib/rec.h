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
	REC_AGENT, REC_DURATION, REC_SOURCE, REC_NCANON
};

/* how the bytes of a value are to be read */
enum {
	REC_ABSENT = 0,		/* no value: written \N */
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
long rec_unescape(char *p, size_t len);

#endif

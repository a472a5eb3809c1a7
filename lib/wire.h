/*
 * wire: how records travel between omph-send and omph-collect (man/omph.7,
 * section "On the network").  Version 2 ("#omph2"); "#omph1" is not read.
 *
 * UDP datagram:	"#omph2<TAB>ID<TAB>SESSION<TAB>SEQ<TAB>SCHEMA<TAB>TIME
 *			<TAB>LEN<TAB>TAG<LF>" then LEN bytes of whole lines;
 *			the first may be the header ("#...") whose hash is
 *			SCHEMA, the others are records under SCHEMA.
 * TCP stream:		"#omph2<TAB>ID<TAB>SESSION<TAB>OFFSET<TAB>TIME<TAB>TAG
 *			<LF>", one line holding the header in force at OFFSET
 *			(empty when none), then the stream's bytes from OFFSET
 *			on: as they are when TAG is "-", else in frames
 *			"LEN<TAB>TAG<LF>" + LEN bytes of whole lines.  The
 *			collector answers "#ack<TAB>OFFSET<LF>" (tagged:
 *			"#ack<TAB>OFFSET<TAB>TAG<LF>") for the bytes it has
 *			taken (whole lines only); the sender keeps the rest.
 * UDP report:		"#report<TAB>SESSION<TAB>SEQ<TAB>GOT<TAB>LOST<TAB>TAG
 *			<LF>", from the collector to the source of a session's
 *			datagrams: SEQ the highest number it saw, GOT the
 *			datagrams it took from the first it saw up to SEQ,
 *			LOST those it never saw in between (GOT + LOST of
 *			them in all).
 * syslog:		RFC 5424, APP-NAME "omph", PROCID "SESSION.SCHEMA",
 *			the line as MSG; read back from RFC 5424 or RFC 3164
 *			("omph[SESSION.SCHEMA]: MSG", as relays rewrite it).
 *
 * ID is printable ASCII without spaces (at most WIRE_IDMAX bytes), SESSION
 * and SCHEMA are 8 hexadecimal digits, SEQ, OFFSET, TIME (the sender's
 * clock, seconds since the epoch) and LEN decimal.  TAG is "-" without a
 * secret, else the SipHash-2-4 (lib/siphash.h) under the shared key, in 16
 * hexadecimal digits, of:
 *	datagram	its bytes before TAG, then its LEN bytes
 *	hello		its bytes before TAG, then the header line and its LF
 *	frame		HTAG "\t" OFFSET "\t" LEN "\t", then the LEN bytes
 *	ack		HTAG "\t#ack\t" OFFSET
 *	report		its bytes before TAG
 * where HTAG is the TAG of the connection's hello, as written, and OFFSET
 * the stream offset of the frame's first byte, or the one acknowledged.
 * Parsers take any bytes and return -1 for what is not well formed;
 * nothing here allocates, prints or exits.
 */
#ifndef WIRE_H
#define WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_MAGIC "#omph2\t"
#define WIRE_MAGICLEN 7
#define WIRE_OLDMAGIC "#omph1\t"	/* version 1: no length, not read */
#define WIRE_IDMAX 64
#define WIRE_HEADMAX 192	/* longest datagram or stream preamble */
#define WIRE_SEQWIN 1024	/* sequence numbers remembered per sender */
#define WIRE_KEYLEN 16		/* bytes of a shared key */
#define WIRE_FRESH 300		/* seconds a tagged TIME may be off */
#define WIRE_FRAMEMAX (64 * 1024)	/* frame payload omph-send aims at */
#define WIRE_FRAMEHEAD 32	/* longest frame line, LF included */
#define WIRE_REPORTMAX 96	/* longest report, LF included */

/* The SCHEMA of a header line (without LF): never 0, which means "none". */
uint32_t wire_schema(const char *hdr, size_t len);

/*
 * The shared key of --secret from the file at path: 32 hexadecimal digits
 * (a 128-bit key), an LF after them allowed, nothing else.  A file that
 * others than its owner may read or write, an empty or short one, and an
 * all-zero key are refused.  -1 with a reason in err.
 */
int wire_read_secret(const char *path, uint8_t *key, char *err,
    size_t errlen);

struct wire_dgram {
	const char *id;
	size_t idlen;
	uint32_t session, schema;
	uint64_t seq;
	int64_t time;
	int tagged;		/* TAG is not "-" */
	uint64_t tag;
	size_t signlen;		/* bytes of the preamble before TAG */
	char *body;		/* the LEN bytes after the preamble */
	size_t bodylen;
};

/*
 * Write a datagram preamble into buf (WIRE_HEADMAX bytes) for the bodylen
 * bytes of body, tagged under key (NULL: "-"); its length.
 */
size_t wire_put_dgram(char *buf, const char *id, uint32_t session,
    uint64_t seq, uint32_t schema, int64_t time, const char *body,
    size_t bodylen, const uint8_t *key);
/*
 * Parse a datagram of n bytes; -1 when it is not ours or not well formed,
 * its LEN included (a datagram cut or padded on the way).
 */
int wire_parse_dgram(char *p, size_t n, struct wire_dgram *d);
/* 1 when parsed datagram p (d) carries the tag of key, else 0. */
int wire_dgram_ok(const char *p, const struct wire_dgram *d,
    const uint8_t *key);

struct wire_hello {
	const char *id;
	size_t idlen;
	uint32_t session;
	uint64_t offset;
	int64_t time;
	int tagged;
	uint64_t tag;
	size_t signlen;		/* bytes of the line before TAG */
};

/*
 * Write a stream preamble line (LF included) into buf (WIRE_HEADMAX
 * bytes), tagged under key (NULL: "-") with the header line hdr (hdrlen
 * bytes, no LF; what the caller writes next); its length.  The tag in *tag.
 */
size_t wire_put_hello(char *buf, const char *id, uint32_t session,
    uint64_t offset, int64_t time, const char *hdr, size_t hdrlen,
    const uint8_t *key, uint64_t *tag);
/* Parse a preamble line (p: n bytes without LF); -1 if not one. */
int wire_parse_hello(const char *p, size_t n, struct wire_hello *h);
/* 1 when hello line p (h) and its header line carry the tag of key. */
int wire_hello_ok(const char *p, const struct wire_hello *h,
    const char *hdr, size_t hdrlen, const uint8_t *key);

/* A frame line (LF included) into buf (WIRE_FRAMEHEAD bytes); its length. */
size_t wire_put_frame(char *buf, uint64_t htag, uint64_t off,
    const char *payload, size_t len, const uint8_t *key);
/* Parse a frame line (n bytes without LF): its LEN and TAG; -1 if not. */
int wire_parse_frame(const char *p, size_t n, size_t *len, uint64_t *tag);
/* The tag of a frame at stream offset off. */
uint64_t wire_frame_tag(uint64_t htag, uint64_t off, const char *payload,
    size_t len, const uint8_t *key);

/* An ack line (LF included) into buf (64 bytes); its length. */
size_t wire_put_ack(char *buf, uint64_t off, uint64_t htag,
    const uint8_t *key);
/*
 * Parse an ack line (n bytes without LF) into *off; with key, only one
 * with its tag (htag: the connection's).  -1 if not one.
 */
int wire_parse_ack(const char *p, size_t n, uint64_t htag,
    const uint8_t *key, uint64_t *off);

struct wire_report {
	uint32_t session;
	uint64_t seq, got, lost;
};

/* A report (LF included) into buf (WIRE_REPORTMAX bytes); its length. */
size_t wire_put_report(char *buf, const struct wire_report *r,
    const uint8_t *key);
/*
 * Parse a report of n bytes (its LF included) into *r; with key, only one
 * with its tag (without, a tag is not looked at).  -1 if not one.
 */
int wire_parse_report(const char *p, size_t n, const uint8_t *key,
    struct wire_report *r);

/*
 * Sequence accounting of one session: lost counts the numbers not (yet)
 * seen below the highest seen; a late one fills its gap (reordered), one
 * seen before is repeated.  Numbers WIRE_SEQWIN or more below the highest
 * count as reordered without filling a gap, or, when strict is set (a
 * secret: a replay cannot be told from a late one), as repeated.
 */
struct wire_seq {
	int init;
	int strict;
	uint64_t max;
	uint64_t bits[WIRE_SEQWIN / 64];
	uint64_t lost, repeated, reordered;
};

/* Start over; strict as above. */
void wire_seq_reset(struct wire_seq *s, int strict);
/* Account for seq; returns 1 when it counts as repeated (drop it), else 0. */
int wire_seq_add(struct wire_seq *s, uint64_t seq);

struct wire_syslog {
	const char *host, *app, *procid;
	size_t hostlen, applen, procidlen;
	char *msg;		/* in the caller's buffer, decoded */
	size_t msglen;
};

/*
 * Write one RFC 5424 message: "<PRI>1 TS HOST APP PROCID - - MSG".  ts is
 * an RFC 3339 time or "-".  Returns its length, at most cap (msg is cut to
 * fit), or 0 when not even the header fits.
 */
size_t wire_put_syslog(char *buf, size_t cap, int pri, const char *ts,
    const char *host, const char *app, const char *procid, const char *msg,
    size_t msglen);
/*
 * Parse an RFC 5424 or RFC 3164 message in place (trailing LF, CR and NUL
 * dropped).  A MSG without a TAB has "#011" decoded to TAB, undoing the
 * control-character escaping of a relaying rsyslog.  -1 if not syslog.
 */
int wire_parse_syslog(char *p, size_t n, struct wire_syslog *m);

#endif

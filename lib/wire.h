/*
 * wire: how records travel between omph-send and omph-collect (man/omph.7,
 * section "On the network").
 *
 * UDP datagram:	"#omph1<TAB>ID<TAB>SESSION<TAB>SEQ<TAB>SCHEMA<LF>" then
 *			whole lines; the first may be the header ("#...") whose
 *			hash is SCHEMA, the others are records under SCHEMA.
 * TCP stream:		"#omph1<TAB>ID<TAB>SESSION<TAB>OFFSET<LF>", one line
 *			holding the header in force at OFFSET (empty when none),
 *			then the stream's bytes from OFFSET on.  The collector
 *			answers "#ack<TAB>OFFSET<LF>" for the bytes it has
 *			taken (whole lines only); the sender keeps the rest.
 * syslog:		RFC 5424, APP-NAME "omph", PROCID "SESSION.SCHEMA",
 *			the line as MSG; read back from RFC 5424 or RFC 3164
 *			("omph[SESSION.SCHEMA]: MSG", as relays rewrite it).
 *
 * ID is printable ASCII without spaces (at most WIRE_IDMAX bytes), SESSION
 * and SCHEMA are 8 hexadecimal digits, SEQ and OFFSET decimal.  Parsers
 * take any bytes and return -1 for what is not well formed; nothing here
 * allocates, prints or exits.
 */
#ifndef WIRE_H
#define WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_MAGIC "#omph1\t"
#define WIRE_MAGICLEN 7
#define WIRE_IDMAX 64
#define WIRE_HEADMAX 128	/* longest datagram or stream preamble */
#define WIRE_SEQWIN 1024	/* sequence numbers remembered per sender */

/* The SCHEMA of a header line (without LF): never 0, which means "none". */
uint32_t wire_schema(const char *hdr, size_t len);

struct wire_dgram {
	const char *id;
	size_t idlen;
	uint32_t session, schema;
	uint64_t seq;
	char *body;		/* the lines after the preamble */
	size_t bodylen;
};

/* Write a datagram preamble into buf (WIRE_HEADMAX bytes); its length. */
size_t wire_put_dgram(char *buf, const char *id, uint32_t session,
    uint64_t seq, uint32_t schema);
/* Parse a datagram; -1 when it is not ours or not well formed. */
int wire_parse_dgram(char *p, size_t n, struct wire_dgram *d);

struct wire_hello {
	const char *id;
	size_t idlen;
	uint32_t session;
	uint64_t offset;
};

/* Write a stream preamble line into buf (WIRE_HEADMAX bytes); its length. */
size_t wire_put_hello(char *buf, const char *id, uint32_t session,
    uint64_t offset);
/* Parse a preamble line (p: n bytes without LF); -1 if not one. */
int wire_parse_hello(const char *p, size_t n, struct wire_hello *h);

/*
 * Sequence accounting of one sender: lost counts the numbers not (yet)
 * seen below the highest seen; a late one fills its gap (reordered), one
 * seen before is repeated.  Numbers WIRE_SEQWIN or more below the highest
 * count as reordered without filling a gap.
 */
struct wire_seq {
	int init;
	uint64_t max;
	uint64_t bits[WIRE_SEQWIN / 64];
	uint64_t lost, repeated, reordered;
};

void wire_seq_reset(struct wire_seq *s);
/* Account for seq; returns 1 when it was seen before (repeated), else 0. */
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

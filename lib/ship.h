/*
 * ship: what every way of shipping records from omph-send has in common:
 * the sender's identity, the header in force for the lines that follow,
 * RFC 5424 syslog messages for a line, the counts, and the messages for the
 * operator.  lib/tship (TCP streams) and lib/uship (UDP datagrams) carry
 * the omph wire format (man/omph.7, "On the network") on top of it; the
 * engines (lib/chsink, lib/essink) use its header and notes.
 *
 * The rules, case by case:
 *
 *  - Identity: id (printable ASCII, at most WIRE_IDMAX bytes, also the
 *    syslog HOSTNAME), session (random per run) are set by the caller before the
 *    first line and not changed after.
 *  - Header (ship_header): a line beginning with '#' is the header of the
 *    records after it.  It is copied (the caller's bytes are not kept),
 *    its schema hash computed and its origin column found (-1: none).
 *    hdr_told is the schema last sent as a line, hdr_at when (tm_mono):
 *    the senders repeat the header once a second (SHIP_HDR_EVERY).
 *  - Syslog (ship_syslog): one message for a line into a buffer, the part
 *    before the line formatted once a second and once per header, a line
 *    too long for the room cut on a character boundary and counted.
 *  - Notes: nothing here or in the senders prints.  What an operator must
 *    be told goes to note(arg, text), text a whole sentence without the
 *    program's name.  Cut lines are counted; the first SHIP_MAX_REPORTS
 *    are told with lineno (the caller keeps it current), then counted.
 *  - Memory: ship_header may fail (-1, ENOMEM), the header then unchanged.
 *    ship_free releases the header; the struct may then be set up again.
 */
#ifndef SHIP_H
#define SHIP_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define SHIP_MAX_REPORTS 10
#define SHIP_HDR_EVERY 1.0	/* seconds between header repeats */
#define SHIP_SYSLOG_PRI 134	/* local0.info */

struct ship {
	/* set by the caller */
	char where[300];		/* the destination, for messages */
	char id[WIRE_IDMAX + 1];
	uint32_t session;
	int syslog;			/* --syslog */
	int lf;				/* --framing lf */
	size_t max_line;		/* --max-line */
	size_t max_dgram;		/* --max-datagram (UDP) */
	const uint8_t *key;		/* --secret, or NULL */
	uint64_t lineno;		/* of the line being shipped */
	void (*note)(void *arg, const char *text);
	void *arg;
	/* the header in force for new lines */
	char *hdr;
	size_t hdrlen, hdrcap;
	uint32_t schema;
	uint32_t hdr_told;		/* schema last sent as a line */
	int hdr_warned;
	double hdr_at;			/* when */
	int ocol;			/* the header's origin column, or -1 */
	/* counts */
	uint64_t lines, dgrams, bytes, reconnects, cut, dropped;
	unsigned long reports;
	/* syslog: the part before the line, for the second tsec */
	int64_t tsec;
	uint32_t pfx_schema;
	char pfx[WIRE_HEADMAX + 256];	/* "<134>1 TS HOST omph PROCID - - " */
	size_t pfxlen;
};

/* Zero s and set what is not zero at start (ocol -1, no syslog prefix). */
void ship_init(struct ship *s);
void ship_free(struct ship *s);
/* A note for the operator, printf-style. */
void ship_say(struct ship *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A line was cut at `at` bytes: counted, told the first times. */
void ship_cut(struct ship *s, size_t at);
/* A new header p (len bytes, the '#' included); 0, -1 ENOMEM. */
int ship_header(struct ship *s, const char *p, size_t len);
/* The column named "origin" in header line p (len bytes), or -1. */
int ship_origin_col(const char *p, size_t len);
/*
 * One syslog message for line (len bytes) into p (cap bytes); its length
 * (0 when cap cannot hold even the prefix).
 */
size_t ship_syslog(struct ship *s, char *p, size_t cap, const char *line,
    size_t len);

#endif

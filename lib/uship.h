/*
 * uship: records into UDP datagrams (man/omph.7, "On the network"), or one
 * RFC 5424 syslog message a datagram (ship.syslog).
 *
 * The rules, case by case:
 *
 *  - Packing: whole lines, LF-terminated, as many as fit in max_dgram
 *    bytes with the preamble (lib/wire: sender id, session, sequence
 *    number, schema hash, time, length, tag with a key).  A line that does
 *    not fit in an empty datagram is cut to fit (counted: ship_cut).
 *  - Header: a header line starts a new schema; it is not sent as a
 *    record but rides at the top of the next datagram, and again in the
 *    first one of each second (SHIP_HDR_EVERY).  The same header again
 *    changes nothing.  A header too long for any datagram is told once:
 *    the records under it cannot be read at the other end.
 *  - Sequence: the preamble of a datagram is written when it is complete
 *    (only then does it take a number), so numbers are gapless in the
 *    order sent.
 *  - Sending (uship_flush): USHIP_BATCH datagrams at a time with
 *    sendmmsg.  A full socket buffer waits (100 ms polls); a refused port
 *    (nobody listening yet), unreachable network or oversized datagram
 *    drops that datagram, counted in ship.dropped and told once, and the
 *    header goes again in the next one.  Another error drops what is
 *    waiting and returns -1.
 *  - Reports (uship_read): the collector's "#report" datagrams (lib/wire.h)
 *    of this session on the socket, read without blocking, at most
 *    USHIP_READS a call; with a key only those with its tag.  The one with
 *    the highest SEQ is kept (a late or replayed one tells older
 *    numbers).  A refused port told there (the collector gone) is as in
 *    uship_flush: told once, a datagram counted dropped, the header again.
 *    Anything else that comes is ignored.
 *  - The descriptor is the caller's (connected, non-blocking); uship_free
 *    releases the datagrams only.
 */
#ifndef USHIP_H
#define USHIP_H

#include <stddef.h>
#include <stdint.h>

#include "ship.h"
#include "wire.h"

#define USHIP_BATCH 64		/* datagrams per sendmmsg */
#define USHIP_READS 64		/* datagrams read per uship_read */

struct uship {
	struct ship *sh;
	int fd;
	char *dg;			/* USHIP_BATCH * max_dgram bytes */
	size_t dglen[USHIP_BATCH];
	char pre[USHIP_BATCH][WIRE_HEADMAX];
	size_t prelen[USHIP_BATCH];	/* 0: a syslog message, no preamble */
	size_t preroom[USHIP_BATCH];	/* the longest its preamble can be */
	uint32_t dgschema[USHIP_BATCH];
	int ndg;			/* complete datagrams waiting */
	int open;			/* dg[ndg] is being filled */
	int hdr_in;			/* ... and begins with the header */
	uint64_t seq;			/* the next datagram's number */
	int down_told;
	/* the collector's reports: the one with the highest SEQ */
	uint64_t reports;		/* reports taken */
	struct wire_report rep;
};

/* Set u up for sh over fd; 0, -1 ENOMEM. */
int uship_init(struct uship *u, struct ship *sh, int fd);
void uship_free(struct uship *u);
/* One line (header: it begins with '#'); 0, -1 ENOMEM. */
int uship_line(struct uship *u, const char *p, size_t len, int header);
/* Send the complete datagrams, and the open one when all; 0, -1 failed. */
int uship_flush(struct uship *u, int all);
/* 1 when nothing is waiting to be sent. */
int uship_idle(const struct uship *u);
/* The reports the socket has (above); how many were taken. */
int uship_read(struct uship *u);

#endif

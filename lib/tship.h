/*
 * tship: records over one TCP stream to a collector (man/omph.7, "On the
 * network"), or RFC 5424 syslog messages over TCP (ship.syslog, octet
 * counted or LF framed).
 *
 * The rules, case by case:
 *
 *  - Buffer: the stream's bytes [base, base + len) are kept in buf (cap
 *    bytes, fixed) until the collector acknowledges them ("#ack OFFSET"
 *    lines; with a key, tagged).  tship_line fails with ENOBUFS when a
 *    line does not fit: the caller asks tship_room first and stops reading
 *    its input when it is full (backpressure).
 *  - Connection: tship_connect starts a non-blocking connect to the next
 *    address of addr in turn; tship_event finishes it.  Each connection
 *    begins with a preamble (sender id, session, the stream offset base
 *    and the header in force at base) and resends everything from base.
 *    A failed connect or a lost connection (tship_down) waits a backoff,
 *    TSHIP_BACKOFF_MIN doubling to TSHIP_BACKOFF_MAX, back to the minimum
 *    once the collector acknowledges something (syslog: once a
 *    connection held a second).  "down" is told once until it is up again.
 *  - Headers: each header line is remembered at its stream offset, so a
 *    resend from any offset starts with the header in force there.
 *  - Key: with ship.key the preamble, each frame (whole lines up to
 *    WIRE_FRAMEMAX) and each ack carry a SipHash tag; an ack without a
 *    valid one is ignored (told once).
 *  - Syslog: nothing acknowledges a message, so one is given up once
 *    written whole; a frame cut by a lost connection is sent again whole.
 *    The header rides as a message of its own each second.
 *  - --acked (acked not NULL): the records' origins (ship.ocol) are kept
 *    as runs per stream; when the collector acknowledges an offset the
 *    streams of the records before it are advanced in *acked.
 *  - End: after tship_shutdown (everything acknowledged), a close by the
 *    collector sets done.
 *  - Errors: -1 with errno ENOMEM (or ENOBUFS above) is the caller's to
 *    end on; a connection's errors are handled here (tship_down).
 */
#ifndef TSHIP_H
#define TSHIP_H

#include <stddef.h>
#include <stdint.h>

#include "net.h"
#include "pos.h"
#include "ship.h"
#include "wire.h"

#define TSHIP_BACKOFF_MIN 0.1
#define TSHIP_BACKOFF_MAX 2.0

struct tship_run {		/* records of one stream up to offset off */
	uint64_t off;
	uint64_t id, end;
};

struct tship_mark {		/* a header line at its stream offset */
	uint64_t off;
	char *text;
	size_t len;
};

struct tship {
	struct ship *sh;
	struct net_addr addr;
	struct pos *acked;		/* --acked, or NULL */
	int fd;				/* -1 while down */
	int connecting;
	/* stream bytes [base, base + len) kept in buf[head..] */
	char *buf;
	size_t cap, head, len;
	uint64_t base, sent;
	struct tship_mark *marks;
	size_t nmarks, markcap;
	char *basehdr;			/* header in force at base */
	size_t basehdrlen;
	char *hello;			/* preamble of this connection */
	size_t hellolen, hellooff;
	uint64_t htag;			/* its tag (key) */
	char frame[WIRE_FRAMEHEAD];	/* key: the frame line being sent */
	size_t framelen, frameoff;
	uint64_t frame_end;		/* stream offset where its bytes end */
	int ack_warned;
	char ack[256];
	size_t acklen;
	double next_try, backoff;
	int down_told;
	int eof_sent;
	int done;			/* everything delivered, closed */
	uint64_t connections;
	double up_at;			/* when this connection came up */
	unsigned attempts;		/* connects tried: each address in turn */
	struct tship_run *runs;		/* --acked: oldest first */
	size_t runhead, nruns, runcap;
};

/* Set t up (buffer of cap bytes); 0, -1 ENOMEM.  No connect yet. */
int tship_init(struct tship *t, struct ship *sh, const struct net_addr *a,
    size_t cap, struct pos *acked);
void tship_free(struct tship *t);
/* 1 when n more bytes fit in the buffer. */
int tship_room(const struct tship *t, size_t n);
/* Append a line (its framing added); 0, -1 ENOBUFS or ENOMEM. */
int tship_line(struct tship *t, const char *p, size_t len);
/* Start a connection (failing: down, retried later); 0, -1 ENOMEM. */
int tship_connect(struct tship *t);
/* The connection is gone (e: errno, 0 for a close by the collector). */
void tship_down(struct tship *t, int e);
/* 1 when there is something to write (POLLOUT is wanted). */
int tship_want_out(const struct tship *t);
/* The socket's revents after a poll; 0, -1 ENOMEM. */
int tship_event(struct tship *t, short revents);
/* Write what is waiting (a failure takes the connection down). */
void tship_write(struct tship *t);
/* Everything written and taken: half-close; 1 done so, 0 not yet. */
int tship_shutdown(struct tship *t);
/* Lines in the buffer not acknowledged (syslog: not written). */
uint64_t tship_held_lines(const struct tship *t);

#endif

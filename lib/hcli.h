/*
 * hcli: an HTTP/1.1 client inside a ppoll loop, for omph-send's engines
 * (ClickHouse, Elasticsearch): one keep-alive connection, one request at
 * a time, nothing blocking.  The server is not trusted.
 *
 * The rules, case by case:
 *
 *  - A request (hcli_start): method, target, a Content-Type and a body.
 *    The body is the caller's and must stay put until the request is
 *    over; the head is built here (Host, Content-Length, keep-alive).
 *  - Connection: made on the first request, kept for the next ones while
 *    the server keeps it (no "Connection: close", a length or chunked
 *    body).  A kept connection the server closed meanwhile (readable or
 *    hung up while idle) is replaced before a request goes on it; one
 *    that fails before a byte of the answer came is tried once more on a
 *    new connection at once, so a keep-alive race is not a failure.
 *  - Answer: the status line and head (at most HCLI_HEADMAX bytes), then
 *    a body by Content-Length, chunked, or up to the close.  At most
 *    max_body bytes of the body are kept (the rest is read and thrown
 *    away, trunc set): memory never grows past that, whatever the server
 *    sends.  1xx answers are skipped.
 *  - Time: a request not answered whole within timeout seconds of its
 *    start has failed; the connection is closed.  hcli_deadline tells the
 *    caller when to look again.
 *  - Outcome (hcli_state): HCLI_IDLE (no request), HCLI_BUSY, HCLI_DONE
 *    (status, body, blen, trunc valid until hcli_next) or HCLI_FAILED (no
 *    answer: refused, reset, timeout, a malformed answer; why says which).
 *    hcli_next returns to HCLI_IDLE.
 *  - Nothing here prints.  -1 from hcli_start is ENOMEM or EBUSY.
 */
#ifndef HCLI_H
#define HCLI_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "net.h"

#define HCLI_HEADMAX (16 * 1024)
#define HCLI_LINEMAX 1024		/* a chunk-size or trailer line */

/*
 * The answer's parser, apart from the connection (lib/hcliparse.c): a
 * function of the bytes received so far and of nothing else, fuzzed
 * (tests/fuzz/fuzz-hcli.c).  The rules, case by case:
 *
 *  - Memory: the caller's two buffers, in (HCLI_HEADMAX bytes: the head,
 *    a chunk-size or trailer line) and body (max_body bytes); nothing is
 *    allocated.  A head longer than HCLI_HEADMAX, a chunk or trailer line
 *    longer than HCLI_LINEMAX: HCLI_R_BAD.  Body bytes past max_body are
 *    taken and thrown away, trunc set.
 *  - Head: "HTTP/1.x NNN" (NNN from 100 to 599), then fields, ended by an
 *    empty line (CRLF or a lone LF).  Content-Length must start with a
 *    digit; Transfer-Encoding naming chunked wins over it; "Connection:
 *    close" or HTTP/1.0 set close_after.  1xx heads are skipped.
 *  - Body: none for 204, 304 and Content-Length 0; chunked (a chunk size
 *    in hex, extensions ignored, CRLF after each chunk's data, trailer
 *    lines up to an empty one); by Content-Length; else up to the close
 *    (close_after set, hcli_resp_eof ends it).
 *  - hcli_resp_feed takes bytes in pieces of any size (the verdict does
 *    not depend on where they are cut) and stops at the answer's end:
 *    *used says how many it took.  HCLI_R_MORE: needs more bytes;
 *    HCLI_R_WHOLE: status, body[0..blen), trunc, close_after valid;
 *    HCLI_R_BAD: not an HTTP/1.1 answer.  After WHOLE or BAD it takes
 *    nothing more until hcli_resp_reset.
 */
enum { HCLI_R_MORE, HCLI_R_WHOLE, HCLI_R_BAD };

struct hcli_resp {
	char *in;			/* HCLI_HEADMAX bytes, the caller's */
	size_t inlen;
	int phase;			/* reading the head, body, chunks */
	int chunked, close_after;
	uint64_t left;			/* of a length body or a chunk */
	int have_len;
	int status;
	char *body;			/* max_body bytes, the caller's */
	size_t max_body, blen;
	int trunc;
	int verdict;			/* HCLI_R_* */
};

/* Set r up on the caller's buffers (in: HCLI_HEADMAX bytes). */
void hcli_resp_init(struct hcli_resp *r, char *in, char *body,
    size_t max_body);
/* A new answer: everything but the buffers forgotten. */
void hcli_resp_reset(struct hcli_resp *r);
/* n bytes of the answer at p; HCLI_R_*, *used the bytes taken. */
int hcli_resp_feed(struct hcli_resp *r, const char *p, size_t n,
    size_t *used);
/* The server closed: WHOLE when the body was up to the close, else BAD. */
int hcli_resp_eof(struct hcli_resp *r);
/* 1 when a byte of the answer came (a 1xx head skipped counts not). */
int hcli_resp_begun(const struct hcli_resp *r);

enum { HCLI_IDLE, HCLI_BUSY, HCLI_DONE, HCLI_FAILED };

struct hcli {
	struct net_addr addr;
	char hosthdr[300];
	size_t max_body;
	double timeout;
	int fd;				/* -1: no connection */
	int connecting;
	int reused;			/* the connection served an answer */
	int retried;			/* this request was sent again */
	int state;
	unsigned attempts;
	double deadline;
	/* the request */
	char *head;
	size_t headlen, headcap, off;	/* off: bytes of head+body written */
	const char *body;
	size_t bodylen;
	/* the answer */
	struct hcli_resp r;		/* its parser */
	int status;
	char *abody;			/* at most max_body bytes */
	size_t blen;
	int trunc;
	char why[256];
};

/* Set c up for a; answers' bodies kept up to max_body bytes.  0, -1. */
int hcli_init(struct hcli *c, const struct net_addr *a, size_t max_body,
    double timeout);
void hcli_free(struct hcli *c);
/* Start a request; 0, -1 (EBUSY: one is going on; ENOMEM). */
int hcli_start(struct hcli *c, const char *method, const char *target,
    const char *ctype, const char *body, size_t len);
/* The descriptor and events to poll for (0: none). */
int hcli_fill(struct hcli *c, struct pollfd *pfd);
/* After a poll: revents of the descriptor hcli_fill gave (0 for none). */
void hcli_event(struct hcli *c, short revents);
/* The time (tm_mono) by which to call hcli_event again, or 0. */
double hcli_deadline(const struct hcli *c);
int hcli_state(const struct hcli *c);
/* A finished request is taken: back to HCLI_IDLE. */
void hcli_next(struct hcli *c);

#endif

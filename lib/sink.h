/*
 * sink: records into an engine over HTTP (lib/hcli), in batches, kept
 * until the engine took them: ClickHouse's HTTP interface
 * (clickhouse://HOST:PORT/DB.TABLE) and Elasticsearch's _bulk API
 * (es://HOST:PORT/INDEX): the queue, the retries, the outcomes; each
 * engine's request and the meaning of its answer are lib/chfmt's and
 * lib/esfmt's.
 *
 * The rules, case by case:
 *
 *  - Batches: records (the record format, their header with them) are
 *    appended to the open batch; it closes at max_bytes of records or
 *    max_rows, at every seconds after its first record, at a new header,
 *    and at sink_eof.  Closed batches are sent oldest first, one request
 *    at a time on one keep-alive connection.
 *  - Held bytes: the batches hold at most limit bytes of records together
 *    (and one record more): sink_room says no beyond that, and the caller
 *    stops reading its input (backpressure).
 *  - Down (no answer, connect refused, a timeout, an answer cut short, an
 *    HTTP status that is not about the content): the batch is kept and
 *    sent again after a backoff, SINK_BACKOFF_MIN doubling to
 *    SINK_BACKOFF_MAX, back to the minimum after an answer.  Told once
 *    until the engine answers again.
 *  - Refused for its content (ClickHouse: an error about parsing or
 *    converting a value; Elasticsearch: an item's error that is not 409,
 *    429 or 5xx): a ClickHouse batch is split in halves, each sent again,
 *    until the bad rows are alone; an Elasticsearch item is refused by
 *    itself.  A refused record goes to reject(arg, header, record, why),
 *    never silently dropped; the others land.
 *  - Elasticsearch: 409 on create is a record already there (a resend):
 *    counted in dups, not an error; 429 and 5xx items are sent again,
 *    only those, after the backoff.
 *  - A record before any header cannot be named for the engine: refused.
 *  - Exactly: a batch is dropped only after the engine's answer said it
 *    took it.  When the engine took a batch and died before answering, the
 *    resend lands it twice (ClickHouse 18.16 MergeTree has no insert
 *    deduplication; Elasticsearch ids from origins make it a 409).
 *  - Nothing here prints; notes go through sh->note.  -1 is ENOMEM.
 */
#ifndef SINK_H
#define SINK_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "hcli.h"
#include "net.h"
#include "out.h"
#include "ship.h"

#define SINK_BACKOFF_MIN 0.1
#define SINK_BACKOFF_MAX 5.0

enum { SINK_CH = 1, SINK_ES };

struct sink_batch {
	char *hdr;			/* the records' header line, '#' first */
	size_t hdrlen;
	struct out_buf rows;		/* records, each LF-ended */
	size_t nrows;
	double born;			/* tm_mono of its first record */
};

struct sink {
	int eng;			/* SINK_CH, SINK_ES */
	struct ship *sh;
	struct net_addr addr;
	char name[256];			/* DB.TABLE or INDEX */
	struct hcli c;
	size_t max_bytes, max_rows, limit;
	double every;
	struct sink_batch **q;		/* q[0] oldest; q[nq - 1] open when open */
	size_t nq, qcap;
	int open;
	size_t held;
	/* the request of q[0] */
	struct out_buf body, target;
	int inflight;
	double next_try, backoff;
	int down_told;
	/* Elasticsearch: the records of q[0] to send again */
	struct sink_batch *again;
	void (*reject)(void *arg, const char *hdr, size_t hdrlen,
	    const char *rec, size_t len, const char *why);
	void *arg;
	/* counts */
	uint64_t rows, landed, rejected, dups, requests, retries;
};

/*
 * Parse url (clickhouse://HOST:PORT/DB.TABLE, es://HOST:PORT/INDEX): 1
 * when it is one (k set up, timeout the seconds a request waits for its
 * whole answer), 0 when it is another kind of URL, -1 with a reason in err
 * (a bad one, or ENOMEM).
 */
int sink_open(struct sink *k, const char *url, struct ship *sh, size_t limit,
    double timeout, char *err, size_t errlen);
void sink_free(struct sink *k);
/* 1 when a record of n bytes may be taken now. */
int sink_room(const struct sink *k, size_t n);
/* One line of input (a header, '#' first, or a record); 0, -1 ENOMEM. */
int sink_line(struct sink *k, const char *p, size_t len);
/* The input ended: the open batch closes. */
void sink_eof(struct sink *k);
/* Timers and the next request; call once a turn.  0, -1 ENOMEM. */
int sink_turn(struct sink *k);
/* The descriptor to poll (0: none), and after the poll its revents. */
int sink_fill(struct sink *k, struct pollfd *pfd);
int sink_event(struct sink *k, short revents);
/* Seconds until sink_turn has something to do (-1: nothing timed). */
double sink_wait(const struct sink *k);
/* 1 when nothing is held. */
int sink_idle(const struct sink *k);

/*
 * For lib/chfmt and lib/esfmt (which build their requests in struct
 * out_buf, lib/out.h): the server's words p[0..n) on one line in why (wlen
 * bytes, NUL-ended, control bytes '?', trailing space cut); the decimal
 * at p[0..n) (its first digits, 0 when none, never past n).
 */
void sink_words(char *why, size_t wlen, const char *p, size_t n);
int sink_atoi(const char *p, size_t n);

#endif

/*
 * push: omph-collect's snapshots written as metrics into a time-series
 * engine (--push URL), inside the collector's ppoll loop:
 *
 *	opentsdb://HOST:PORT	OpenTSDB telnet "put" lines over TCP
 *	influx://HOST:PORT[/DB]	InfluxDB line protocol, HTTP POST
 *				/write?db=DB&precision=s (DB: omph)
 *
 * The rules, case by case:
 *
 *  - Rows: push_row takes one row of a snapshot (the site's or a key's) as
 *    the collector has it: the panel's name, its key field names, the agg
 *    key (COPY-escaped fields joined by TAB, lib/rec.h; NULL for the
 *    site) and the M_N metric values of lib/alert.h.  Written: hits,
 *    bytes, 2xx 3xx 4xx 5xx, err, rate, and p50 p90 p99 and visitors when
 *    present (the ratios are not: they follow from the counts).  The
 *    caller bounds the rows (a panel's top N), so the tags are bounded.
 *  - Tags: panel=NAME, then a key row's fields FIELD=VALUE, or the site's
 *    site=1 (and no field tags).  A field named panel or site is written
 *    key.panel, key.site.  A value is cut to PUSH_TAGMAX bytes (decoded),
 *    a name to PUSH_NAMEMAX.  OpenTSDB: a byte outside a-z A-Z 0-9 - . /
 *    is written _XX (two upper-case hex digits), '_' itself too (_5F), so
 *    that two values never meet; an empty value is "_", an absent one
 *    "_N".  Influx: comma, space and '=' are escaped with a backslash
 *    (a backslash too); an empty value is "_", an absent one "_N", as a
 *    tag value may not be empty; LF and CR, which end a line, become
 *    \n and \r.
 *  - Lines: OpenTSDB "put omph.METRIC AT VALUE TAGS", one per metric;
 *    Influx "omph,TAGS hits=Ni,bytes=Ni,...,rate=F AT", counts as
 *    integers.  AT is the snapshot's time in seconds.
 *  - Queue: the lines wait in chunks of up to PUSH_CHUNK bytes, at most
 *    PUSH_LIMIT bytes together (8 MiB: some 400 snapshots of a panel of
 *    the top 20 keys in OpenTSDB's lines, minutes at one a second).  A
 *    line beyond that drops the oldest chunk that is not being sent; its
 *    lines are counted (dropped).  Memory never grows past PUSH_LIMIT and
 *    one chunk, whatever the server does.
 *  - Connection: made when there is something to send; when the server is
 *    away (refused, reset, closed, a timeout) it is tried again after a
 *    backoff, PUSH_BACKOFF_MIN doubling to PUSH_BACKOFF_MAX, back to the
 *    minimum once the server took something.  OpenTSDB: what the server
 *    says back (errors of put) is read and thrown away; a connection on
 *    which nothing could be written for PUSH_TIMEOUT seconds is closed
 *    and made again; a line cut by a broken connection is sent again
 *    whole.  Lines the system took before the connection broke may be
 *    lost: telnet put has no acknowledgement.  Influx: one chunk a
 *    request (lib/hcli), PUSH_TIMEOUT seconds each; a 2xx answer takes
 *    it, a 4xx other than 408 and 429 refuses it for its content (its
 *    lines counted in refused, not sent again), any other answer or none
 *    is the server away: sent again.
 *  - Outage: push_told gives the lines dropped since the last it gave,
 *    once the queue has emptied again (the server caught up), or at once
 *    when final is set; 0 when there is nothing to tell.
 *  - A set (push_set_*): the --push URLs of one run, up to PUSH_SETMAX,
 *    polled together; each row goes to every member in the order added.
 *    An outage's count (push_told) is told through the note callback as
 *    "--push URL: N lines dropped while the server was away", after each
 *    push_set_events and, final, by push_set_free.  The set keeps the URL
 *    pointers given to push_set_add: they must outlive it.
 *  - A HOST that is a name is resolved at each connect (getaddrinfo),
 *    which may wait for DNS: give an address.
 *  - Nothing here prints or exits.  -1 is ENOMEM.
 */
#ifndef PUSH_H
#define PUSH_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#define PUSH_LIMIT ((size_t)8 << 20)
#define PUSH_CHUNK ((size_t)256 << 10)
#define PUSH_TAGMAX 256
#define PUSH_NAMEMAX 64
#define PUSH_BACKOFF_MIN 0.1
#define PUSH_BACKOFF_MAX 5.0
#define PUSH_TIMEOUT 10.0
#define PUSH_SETMAX 8

struct push;

struct push_stats {
	uint64_t lines;			/* made */
	uint64_t sent;			/* written (OpenTSDB), taken (Influx) */
	uint64_t dropped;		/* beyond PUSH_LIMIT */
	uint64_t refused;		/* Influx: a 4xx for their content */
	uint64_t connects;		/* connections made */
	size_t held;			/* bytes waiting now */
	int away;			/* the last attempt failed */
	char why[256];			/* ... why */
};

/*
 * A pusher for url; NULL with a reason in err (not a URL of ours, a bad
 * one; ENOMEM).  Nothing is connected yet.
 */
struct push *push_new(const char *url, char *err, size_t errlen);
void push_free(struct push *p);
/*
 * One row of the snapshot of time at: panel, the names of its nk key
 * fields, the key (keylen bytes; NULL for the site row), M_N values and
 * their presence.  0, -1 ENOMEM (the row is lost).
 */
int push_row(struct push *p, int64_t at, const char *panel,
    const char *const *names, int nk, const char *key, size_t keylen,
    const double *v, const int *present);
/* The descriptor and events to poll (0: none, 1: pfd filled). */
int push_fill(struct push *p, struct pollfd *pfd);
/*
 * After each poll: the revents of the slot push_fill filled, 0 when it
 * filled none; timers (the backoff, timeouts) run here too.
 */
void push_event(struct push *p, short revents);
/* Milliseconds until push_event has something timed to do, -1: none. */
int push_timeout(const struct push *p);
/* 1 when nothing waits to be sent. */
int push_idle(const struct push *p);
/* Lines dropped to tell now (see Outage), 0 for none. */
uint64_t push_told(struct push *p, int final);
void push_stats(const struct push *p, struct push_stats *st);

/* A set of pushes polled together (see A set); zeroed, it is empty. */
struct push_set {
	struct push *p[PUSH_SETMAX];
	const char *url[PUSH_SETMAX];
	int slot[PUSH_SETMAX];		/* its pollfd from push_set_fill, -1 */
	int n;
	void (*note)(void *arg, const char *msg);	/* or NULL */
	void *arg;
};

/*
 * One more push for url: 0, or -1 with a reason in err (as push_new, or
 * E2BIG: already PUSH_SETMAX; errno says which).
 */
int push_set_add(struct push_set *s, const char *url, char *err,
    size_t errlen);
/*
 * The members' pollfds from pfd on (PUSH_SETMAX slots at most), *ms
 * lowered to the nearest of their timers (-1: none yet): how many filled.
 */
int push_set_fill(struct push_set *s, struct pollfd *pfd, int *ms);
/* After the poll: the n slots push_set_fill filled; outages told. */
void push_set_events(struct push_set *s, const struct pollfd *pfd, int n);
/* One row (as push_row) to every member: 0, or -1 ENOMEM (tried on all). */
int push_set_row(struct push_set *s, int64_t at, const char *panel,
    const char *const *names, int nk, const char *key, size_t keylen,
    const double *v, const int *present);
/* 1 when nothing waits in any member. */
int push_set_idle(const struct push_set *s);
/* The outages told, final; every member freed; the set empty again. */
void push_set_free(struct push_set *s);

#endif

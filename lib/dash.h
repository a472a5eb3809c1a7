/*
 * dash: omph-collect's web face (--http), one port inside the collector's
 * ppoll loop (lib/http.h serves it):
 *
 *	GET /, /index.html, /app.js, /app.css
 *		the live dashboard, compiled into the binary (lib/web.h)
 *	GET /api/snapshot
 *		the latest snapshot as one JSON document (omph(7), "The web");
 *		503 before the first snapshot
 *	GET /api/stream
 *		Server-Sent Events: the latest snapshot at once, then one
 *		event per snapshot, its data the snapshot's JSON on one line
 *	GET /metrics
 *		the metrics of the latest snapshot, Prometheus text 0.0.4
 *	anything else
 *		404; a method other than GET and HEAD 405; a malformed or
 *		oversized request 400 or 431, and the connection closed
 *
 * The caller hands each snapshot's JSON and metrics to dash_update, which
 * keeps copies (the only memory that grows with the snapshots) and sends
 * the JSON to every stream client; a client that cannot keep up is dropped
 * by lib/http, never waited for.  Or the caller writes them into the
 * dash's own memory outs (dash_json, dash_metrics: lib/out.h OUT_MEM) and
 * hands them over with dash_publish, which empties them.  A dash made by
 * dash_open owns its listening socket; one made by dash_new does not.
 * Nothing here prints or exits.
 */
#ifndef DASH_H
#define DASH_H

#include <poll.h>
#include <stddef.h>

#include "http.h"
#include "net.h"
#include "out.h"

struct dash;

/*
 * A web face on the listening socket lfd (non-blocking), under lim, for the
 * addresses of allow (NULL, 0: any).  NULL with errno.
 */
struct dash *dash_new(int lfd, const struct http_lim *lim,
    const struct net_cidr *allow, size_t nallow);
/*
 * A web face listening on addr (lib/net.h net_listen, non-blocking), the
 * socket its own.  NULL with a reason in err, errno ENOMEM for memory.
 */
struct dash *dash_open(const struct net_addr *addr, const struct http_lim *lim,
    const struct net_cidr *allow, size_t nallow, char *err, size_t errlen);
/* Frees d and its outs, closes the socket if it is d's; d may be NULL. */
void dash_free(struct dash *d);
/* The memory outs for the next snapshot's JSON and metrics. */
struct out *dash_json(struct dash *d);
struct out *dash_metrics(struct dash *d);
/*
 * Flush json (dash_json(d), or another memory out whose bytes are the
 * JSON: its last byte, the LF, left out) and dash_metrics(d), dash_update
 * them, then empty d's two outs (not another json).  -1 ENOMEM.
 */
int dash_publish(struct dash *d, struct out *json);
/*
 * The latest snapshot: json (jlen bytes, one line, no LF) and metrics
 * (mlen bytes), both copied; the JSON goes to every stream client.  -1
 * ENOMEM (the previous ones are kept).
 */
int dash_update(struct dash *d, const char *json, size_t jlen,
    const char *metrics, size_t mlen);
/* pollfd slots needed now; fill them (returns how many) */
size_t dash_npoll(const struct dash *d);
size_t dash_fill(struct dash *d, struct pollfd *pfd);
/* after ppoll: the slots dash_fill filled; requests answered here */
void dash_events(struct dash *d, const struct pollfd *pfd, size_t n,
    double now);
/* milliseconds until its next deadline, -1 for none */
int dash_timeout(const struct dash *d, double now);
/* what the server counted (lib/http.h) */
void dash_stats(const struct dash *d, struct http_stats *st);

#endif

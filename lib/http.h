/*
 * http: a small HTTP/1.1 server inside the caller's one ppoll loop
 * (omph-collect --http): it accepts, reads and parses requests, hands each
 * complete one to the caller, and writes the answers and the event streams
 * (Server-Sent Events) the caller gives it.  The caller decides what to
 * answer; the module answers alone only what is not a request it takes.
 *
 * The loop: http_npoll() slots, http_fill() them, ppoll with
 * http_timeout(), http_events(), then http_next()/http_reply() (or
 * http_sse()) until http_next() says 0.  http_sse_send() may come at any
 * time.  Times are tm_mono() seconds.  The rules, case by case:
 *
 *  - Requests: GET and HEAD only; any other method gets 405 with
 *    "Allow: GET, HEAD" (HEAD is answered without the body).  The head is
 *    "METHOD SP TARGET SP HTTP/d.d" then field lines, each line ended by
 *    CRLF or a lone LF; empty lines before the request line are skipped.
 *    Targets: origin-form ("/path?query") and absolute-form
 *    ("http://host/path?query", http or https: the path is taken from it,
 *    "/" when it has none); "*", an authority alone, userinfo or a '#'
 *    gives 400.  The path and query are handed over as sent, not decoded.
 *  - Malformed (400, closed): a request line not of that shape, a target
 *    byte not visible ASCII, a field line without a token name and ':', a
 *    field line starting with SP or HTAB (obsolete folding), a control byte
 *    (NUL, a CR not followed by LF, any below 0x20 but HTAB, DEL) anywhere
 *    in the head, a Host that is not a host[:port], two Host fields, or
 *    none in HTTP/1.1.
 *  - Bodies: a request with Content-Length other than 0 gets 400, with
 *    Transfer-Encoding 501; both closed (no body is ever read).
 *  - Size: a request line (with its CRLF) longer than max_head gets 414, a
 *    head longer than max_head or with more than max_fields field lines
 *    431; both closed.
 *  - Versions: HTTP/1.0 and HTTP/1.1; any other (the HTTP/2 preface "PRI *
 *    HTTP/2.0" included) gets 505, closed.  Answers say HTTP/1.1.
 *  - Errors are found in the order of the bytes: the first wrong line
 *    decides, so a prefix of a head either needs more or has the verdict
 *    of the whole.  Every error answer has a short text/plain body and
 *    "Connection: close"; the module then stops writing, reads and throws
 *    away what still comes for at most 2 s (so the client gets its answer
 *    rather than a reset), and closes.
 *  - Keep-alive: HTTP/1.1 unless "Connection: close", HTTP/1.0 only with
 *    "Connection: keep-alive".  A client that shut its sending side gets
 *    the answers of its complete requests, then the connection closes.
 *  - Pipelining: requests sent back to back are answered in order; the
 *    next is parsed only once the one before was answered and the answer
 *    handed to the system entirely (so a client that does not read does
 *    not make the module read more from it).
 *  - The caller answers each request from http_next() with http_reply() or
 *    http_sse() before its next call of http_next(), http_fill() or
 *    http_events(); one not answered by then is answered 500 by the module.
 *  - Admission, through lib/conn (see conn.h): at most max_conns open and
 *    per_addr from one address; at a cap the oldest stranger (a
 *    connection that has not sent a complete request yet) is shed, else
 *    the new one is refused; so are connections when descriptors run out.
 *    An address outside the allow list is closed at accept.  All counted.
 *  - Time: a stranger has request_time seconds from its accept to send its
 *    first complete head, and any head request_time from its first byte
 *    (a slow-loris head; it gets a 408 as it is closed); a keep-alive
 *    connection with nothing to do is closed after idle silent seconds; an
 *    answer that stops moving out (the client does not read) is given up
 *    after idle seconds too.  Stream clients have no idle limit.
 *  - Memory: a connection holds at most max_head bytes of input and
 *    max_queue bytes of output not yet taken by the system (answers are
 *    written at once as far as the socket takes them; the rest waits in
 *    the queue).  An answer or event that would take the queue past
 *    max_queue closes the connection instead (counted dropped): max_queue
 *    must exceed the biggest answer.  All the connections' buffers share
 *    budget bytes (conn_room: strangers shed first, then the biggest).
 *  - Streams (http_sse): "200" with "Content-Type: text/event-stream",
 *    "X-Accel-Buffering: no", no Content-Length, "Connection: close" (the
 *    stream ends when the connection does); what the client sends after
 *    is read and thrown away.  An event is "data: LINE\n" per line of the
 *    data (split at CR, LF or CRLF) then "\n"; a stream that was sent
 *    nothing for 15 s gets ": keepalive\n\n".  HEAD gets the head alone
 *    and the connection closes.
 *  - Every answer, the module's own included, carries "Server: omphalos",
 *    the Content-Security-Policy below, "X-Content-Type-Options: nosniff",
 *    "Referrer-Policy: no-referrer", "Cache-Control: no-store",
 *    Content-Length (not for streams, 204 or 304) and "Connection:
 *    keep-alive" or "close"; no Date.
 *
 * The caller makes the listening socket (net_listen) and closes it after
 * http_free; it should raise the descriptor limit (conn_fdlimit) to
 * max_conns and some.  Nothing here prints: what happens is counted
 * (http_stats).
 */
#ifndef HTTP_H
#define HTTP_H

#include <poll.h>
#include <stddef.h>

#include "net.h"

#define HTTP_CSP "default-src 'self'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' data:; connect-src 'self'; base-uri 'none'; " \
	"frame-ancestors 'none'"

/* a field 0 takes its default (in parentheses) */
struct http_lim {
	size_t max_conns;	/* open at once (256) */
	size_t per_addr;	/* open at once from one address (32) */
	double request_time;	/* seconds for a head from its first byte (10) */
	double idle;		/* seconds of keep-alive silence (60) */
	size_t max_head;	/* bytes of request line and fields (8192) */
	int max_fields;		/* field lines (64) */
	size_t max_queue;	/* output bytes queued to one client (4 MiB) */
	size_t budget;		/* buffer bytes of all connections (64 MiB) */
};

/*
 * A complete request.  The pointers point into the module's buffer (the
 * path of an absolute-form target without one: a static "/") and stay
 * valid until the next call of http_next, http_fill or http_events.
 */
struct http_req {
	unsigned long long conn;	/* its connection (http_next) */
	int head;			/* HEAD: answered without the body */
	int v11;			/* HTTP/1.1, else 1.0 */
	int keep;			/* the connection stays after the answer */
	const char *path;		/* target up to '?', starts with '/' */
	size_t pathlen;
	const char *query;		/* after '?', or NULL */
	size_t querylen;
	const char *host;		/* the Host field's value, or NULL */
	size_t hostlen;
	const char *accept;		/* the first Accept field's, or NULL */
	size_t acceptlen;
};

struct http_stats {
	unsigned long long requests;	/* complete requests parsed */
	unsigned long long bad;		/* answered with an error by the module */
	unsigned long long refused;	/* closed at accept: --allow, caps, memory */
	unsigned long long shed;	/* closed to make room for others */
	unsigned long long timedout;	/* closed by request_time or idle */
	unsigned long long dropped;	/* closed: queue past max_queue */
	size_t conns;			/* open now */
	size_t streams;			/* of them, stream clients */
};

struct http_srv;

/* lim with the defaults in its zero fields (lim NULL: all the defaults). */
struct http_lim http_limits(const struct http_lim *lim);

/*
 * A server on lfd, a listening non-blocking socket, under lim (NULL: the
 * defaults); allow/nallow the address blocks let in (NULL/0: every
 * address; copied).  NULL with errno.
 */
struct http_srv *http_new(int lfd, const struct http_lim *lim,
    const struct net_cidr *allow, size_t nallow);
/* Close every connection and free h (not lfd). */
void http_free(struct http_srv *h);
/* The pollfd slots http_fill may fill now (at most). */
size_t http_npoll(const struct http_srv *h);
/* Fill pfd (the listener first) for ppoll; returns how many. */
size_t http_fill(struct http_srv *h, struct pollfd *pfd);
/*
 * After ppoll, with the n slots http_fill filled: accept, read, parse,
 * write, and time out what is due at now.
 */
void http_events(struct http_srv *h, const struct pollfd *pfd, size_t n,
    double now);
/* ms until h has something to do (0: now, requests wait), -1 never. */
int http_timeout(const struct http_srv *h, double now);
/* 1: *r is a request to answer (connections taken in turn); 0: none. */
int http_next(struct http_srv *h, struct http_req *r);
/*
 * Answer r (from the last http_next) with status (200-599), "Content-Type:
 * ctype" (NULL: none) and body (len bytes; not sent for HEAD, 204, 304);
 * extra: more header lines, each ending "\r\n" (at most 1 KiB), or NULL.
 * 0: written or queued.  -1 with errno: EINVAL (r not the request waiting
 * its answer, a status out of range, extra too long: r still waits),
 * ENOTCONN (its connection is gone), or the connection was closed by this
 * answer (queue past max_queue, a write error): r is answered then.
 */
int http_reply(struct http_srv *h, const struct http_req *r, int status,
    const char *ctype, const void *body, size_t len, const char *extra);
/* Answer r as a stream; then 0, or -1 with errno as http_reply. */
int http_sse(struct http_srv *h, const struct http_req *r);
/*
 * http_sse, then, unless r is a HEAD, data (len bytes; NULL: nothing) as
 * the stream's first event: a new client gets the latest at once.
 */
int http_sse_first(struct http_srv *h, const struct http_req *r,
    const char *data, size_t len);
/* One event with data (len bytes) to every stream client. */
void http_sse_send(struct http_srv *h, const char *data, size_t len);
/* Stream clients now. */
size_t http_sse_clients(const struct http_srv *h);
void http_stats(const struct http_srv *h, struct http_stats *st);
/*
 * The parser alone: p holds the n bytes received so far.  1: a complete
 * head (r filled but r->conn, *used its length, with the empty line that
 * ends it); 0: more is needed; or -STATUS of the error answer (-400,
 * -405, -414, -431, -501, -505), as the rules above.  lim NULL: the
 * defaults (only max_head and max_fields matter).  Reads p[0..n) only.
 */
int http_parse(const char *p, size_t n, const struct http_lim *lim,
    struct http_req *r, size_t *used);

#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "http.h"
#include "net.h"
#include "tm.h"

#define LINGER 2.0		/* seconds to read and drop after the last answer */
#define SSE_KEEP 15.0		/* seconds of stream silence before a comment */
#define IN_FIRST 1024		/* the input buffer's first size */
#define IN_KEEP 4096		/* an empty input buffer bigger is freed */
#define OUT_KEEP 16384		/* a drained output buffer bigger is freed */
#define HEADMAX 2560		/* bytes of an answer's head */
#define EXTRAMAX 1024		/* of the caller's extra lines in it */
#define ACCEPT_TURNS 64		/* connections taken per listener event */

static const struct http_lim deflim = {
	256, 32, 10, 60, 8192, 64, 4 * 1024 * 1024, 64 * 1024 * 1024
};

struct http_lim
http_limits(const struct http_lim *lim)
{
	struct http_lim l = lim != NULL ? *lim : deflim;

#define DEF(f) if (!(l.f > 0)) l.f = deflim.f
	DEF(max_conns); DEF(per_addr); DEF(request_time); DEF(idle);
	DEF(max_head); DEF(max_fields); DEF(max_queue); DEF(budget);
#undef DEF
	return l;
}

enum {
	S_READ,			/* reading a head (or between requests) */
	S_READY,		/* a request parsed, for http_next */
	S_GIVEN,		/* handed out, waiting for its answer */
	S_SSE,			/* a stream client */
	S_CLOSE,		/* last answer going out, then S_LINGER */
	S_LINGER,		/* our side shut: reading and dropping */
	S_DEAD
};

struct hconn {
	struct conn_ent ent;		/* first: its place in h->ct */
	int fd;
	int pi;				/* its slot in the last http_fill, -1 */
	int st;
	int eof;			/* the client shut its sending side */
	unsigned long long id;
	char *in;			/* received: in[inoff..inlen) not taken */
	size_t inoff, inlen, incap;
	size_t used;			/* the head length of req */
	char *out;			/* to send: out[outoff..outlen) */
	size_t outoff, outlen, outcap;
	double first;			/* the head being read began (S_LINGER: shut) */
	double quiet;			/* nothing to do since */
	double moved;			/* the queue last moved */
	double sent;			/* a stream was last sent something */
	struct http_req req;		/* S_READY, S_GIVEN */
};

struct http_srv {
	int lfd;
	struct http_lim lim;
	struct net_cidr *allow;
	size_t nallow;
	struct conn_tab ct;
	unsigned long long nextid;
	struct hconn *cur;		/* the connection of the request handed out */
	size_t nready;			/* connections S_READY */
	size_t rr;			/* where http_next looks first */
	size_t streams;
	struct http_stats st;
};

static const char SECURITY[] =
	"Server: omphalos\r\n"
	"Content-Security-Policy: " HTTP_CSP "\r\n"
	"X-Content-Type-Options: nosniff\r\n"
	"Referrer-Policy: no-referrer\r\n"
	"Cache-Control: no-store\r\n";

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	}
	return "";
}

static struct hconn *
ent(const struct http_srv *h, size_t j)
{
	return (struct hconn *)h->ct.ent[j];
}

/*
 * Close c now: its descriptor and output go; its input stays until the
 * sweep (a request handed out points into it).
 */
static void
hclose(struct http_srv *h, struct hconn *c)
{
	if (c->st == S_DEAD)
		return;
	if (c->st == S_READY)
		h->nready--;
	if (c->st == S_SSE)
		h->streams--;
	if (h->cur == c)
		h->cur = NULL;
	c->st = S_DEAD;
	close(c->fd);
	c->fd = -1;
	free(c->out);
	c->out = NULL;
	c->outoff = c->outlen = c->outcap = 0;
	conn_del(&h->ct, &c->ent);
}

static void
sweep(struct http_srv *h)
{
	struct hconn *c;

	while ((c = (struct hconn *)conn_sweep(&h->ct)) != NULL) {
		free(c->in);
		free(c);
	}
}

/* the buffers' bytes of c into the budget's count */
static void
held(struct http_srv *h, struct hconn *c)
{
	conn_held(&h->ct, &c->ent, c->incap + c->outcap);
}

/*
 * Room for more bytes in the buffer *buf of *cap (with *len used): grown
 * under the budget, shedding others.  -1 when c itself was closed.
 */
static int
grow(struct http_srv *h, struct hconn *c, char **buf, size_t *cap,
    size_t want)
{
	struct conn_ent *v;
	char *p;

	if (want <= *cap)
		return 0;
	while ((v = conn_room(&h->ct, &c->ent, want - *cap)) != NULL) {
		h->st.shed++;
		hclose(h, (struct hconn *)v);
		if (v == &c->ent)
			return -1;
	}
	if ((p = realloc(*buf, want)) == NULL) {
		h->st.shed++;
		hclose(h, c);
		return -1;
	}
	*buf = p;
	*cap = want;
	held(h, c);
	return 0;
}

static void drained(struct http_srv *, struct hconn *, double);

/* write what c's queue holds; c may be closed, or move on when drained */
static void
hflush(struct http_srv *h, struct hconn *c, double now)
{
	ssize_t w;

	while (c->outoff < c->outlen) {
		w = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			hclose(h, c);
			return;
		}
		c->outoff += (size_t)w;
		c->moved = now;
	}
	c->outoff = c->outlen = 0;
	if (c->outcap > OUT_KEEP) {
		free(c->out);
		c->out = NULL;
		c->outcap = 0;
		held(h, c);
	}
	drained(h, c, now);
}

/*
 * Send iov[0..niov) to c: at once as far as the socket takes it when the
 * queue is empty, the rest queued.  -1 when c was closed instead.
 */
static int
hsend(struct http_srv *h, struct hconn *c, struct iovec *iov, int niov,
    double now)
{
	struct msghdr m;
	size_t total = 0, skip = 0, want;
	ssize_t w;
	int i;

	for (i = 0; i < niov; i++)
		total += iov[i].iov_len;
	if (c->outlen - c->outoff + total > h->lim.max_queue) {
		h->st.dropped++;
		hclose(h, c);
		return -1;
	}
	if (c->outoff == c->outlen) {
		memset(&m, 0, sizeof(m));
		m.msg_iov = iov;
		m.msg_iovlen = (size_t)niov;
		if ((w = sendmsg(c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT)) == -1) {
			if (errno != EAGAIN && errno != EINTR) {
				hclose(h, c);
				return -1;
			}
			w = 0;
		}
		if ((size_t)w == total)
			return 0;
		skip = (size_t)w;
		c->outoff = c->outlen = 0;
		c->moved = now;
	}
	if (c->outoff > 0 && c->outlen + total - skip > c->outcap) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	want = c->outlen + total - skip;
	if (want > c->outcap) {
		if (want < 2 * c->outcap)
			want = 2 * c->outcap;
		if (want > h->lim.max_queue)
			want = h->lim.max_queue;
		if (grow(h, c, &c->out, &c->outcap, want) == -1)
			return -1;
	}
	for (i = 0; i < niov; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		memcpy(c->out + c->outlen, (char *)iov[i].iov_base + skip,
		    iov[i].iov_len - skip);
		c->outlen += iov[i].iov_len - skip;
		skip = 0;
	}
	return 0;
}

/*
 * An answer's head and body to c.  sse: a stream's head; nobody: no body
 * (HEAD); keep: "Connection: keep-alive".  -1 when c was closed, or
 * EINVAL when extra does not fit (nothing sent).
 */
static int
respond(struct http_srv *h, struct hconn *c, int status, const char *ctype,
    const void *body, size_t len, const char *extra, int keep, int nobody,
    int sse, double now)
{
	char hd[HEADMAX];
	struct iovec iov[2];
	size_t n;
	int k, bodyless = status == 204 || status == 304;

	if (extra != NULL && strlen(extra) > EXTRAMAX) {
		errno = EINVAL;
		return -1;
	}
	k = snprintf(hd, sizeof(hd), "HTTP/1.1 %d %s\r\n%s", status,
	    reason(status), SECURITY);
	n = (size_t)k;
	if (ctype != NULL)
		n += (size_t)snprintf(hd + n, sizeof(hd) - n,
		    "Content-Type: %.200s\r\n", ctype);
	if (sse)
		n += (size_t)snprintf(hd + n, sizeof(hd) - n,
		    "X-Accel-Buffering: no\r\n");
	else if (!bodyless)
		n += (size_t)snprintf(hd + n, sizeof(hd) - n,
		    "Content-Length: %zu\r\n", len);
	n += (size_t)snprintf(hd + n, sizeof(hd) - n, "Connection: %s\r\n%s\r\n",
	    keep ? "keep-alive" : "close", extra != NULL ? extra : "");
	iov[0].iov_base = hd;
	iov[0].iov_len = n;
	iov[1].iov_base = (void *)body;
	iov[1].iov_len = nobody || bodyless || sse ? 0 : len;
	return hsend(h, c, iov, iov[1].iov_len > 0 ? 2 : 1, now);
}

/* the module's own answer to c, then it closes */
static void
herror(struct http_srv *h, struct hconn *c, int status, double now)
{
	char body[64];
	int n;

	n = snprintf(body, sizeof(body), "%d %s\n", status, reason(status));
	c->st = S_CLOSE;
	if (respond(h, c, status, "text/plain; charset=utf-8", body, (size_t)n,
	    status == 405 ? "Allow: GET, HEAD\r\n" : NULL, 0, 0, 0, now) == 0 &&
	    c->outoff == c->outlen)
		drained(h, c, now);
}

/* c's input, if its queue is empty: the next request, an error, or more */
static void
hparse(struct http_srv *h, struct hconn *c, double now)
{
	int k;

	if (c->st != S_READ || c->outoff < c->outlen)
		return;
	if (c->inoff == c->inlen) {
		if (c->eof) {
			c->st = S_CLOSE;
			drained(h, c, now);
		}
		return;
	}
	k = http_parse(c->in + c->inoff, c->inlen - c->inoff, &h->lim, &c->req,
	    &c->used);
	if (k == 1) {
		h->st.requests++;
		conn_est(&c->ent);
		if (c->eof)
			c->req.keep = 0;
		c->st = S_READY;
		h->nready++;
	} else if (k < 0) {
		h->st.bad++;
		herror(h, c, -k, now);
	} else if (c->eof) {
		c->st = S_CLOSE;	/* a head cut short */
		drained(h, c, now);
	}
}

/* c's queue went empty: what comes next */
static void
drained(struct http_srv *h, struct hconn *c, double now)
{
	if (c->st == S_READ) {
		c->quiet = now;
		if (c->inoff < c->inlen)
			c->first = now;
		hparse(h, c, now);
	} else if (c->st == S_CLOSE) {
		if (c->eof || shutdown(c->fd, SHUT_WR) == -1)
			hclose(h, c);
		else {
			c->st = S_LINGER;
			c->first = now;
		}
	}
}

/* read from c as its state wants */
static void
hread(struct http_srv *h, struct hconn *c, double now)
{
	char junk[4096];
	ssize_t r;
	size_t want;

	if (c->st == S_SSE || c->st == S_LINGER || c->st == S_CLOSE) {
		r = read(c->fd, junk, sizeof(junk));
		if (r == 0 || (r == -1 && errno != EAGAIN && errno != EINTR)) {
			if (c->st == S_CLOSE && r == 0)
				c->eof = 1;	/* still sending the answer */
			else
				hclose(h, c);
		}
		return;
	}
	if (c->st != S_READ || c->outoff < c->outlen || c->eof)
		return;
	if (c->inoff == c->inlen) {
		c->inoff = c->inlen = 0;
		if (c->incap > IN_KEEP) {
			free(c->in);
			c->in = NULL;
			c->incap = 0;
			held(h, c);
		}
	} else if (c->inoff > 0) {
		memmove(c->in, c->in + c->inoff, c->inlen - c->inoff);
		c->inlen -= c->inoff;
		c->inoff = 0;
	}
	if (c->inlen == c->incap) {
		want = c->incap == 0 ? IN_FIRST : c->incap * 2;
		if (want > h->lim.max_head)
			want = h->lim.max_head;
		if (want <= c->incap || grow(h, c, &c->in, &c->incap, want) == -1) {
			hclose(h, c);
			return;
		}
	}
	r = read(c->fd, c->in + c->inlen, c->incap - c->inlen);
	if (r == -1) {
		if (errno != EAGAIN && errno != EINTR)
			hclose(h, c);
		return;
	}
	if (r == 0)
		c->eof = 1;
	else {
		if (c->inlen == 0)
			c->first = now;
		c->inlen += (size_t)r;
	}
	hparse(h, c, now);
}

static int
allowed(const struct http_srv *h, const struct sockaddr *sa)
{
	size_t i;

	if (h->nallow == 0)
		return 1;
	for (i = 0; i < h->nallow; i++)
		if (net_cidr_match(&h->allow[i], sa))
			return 1;
	return 0;
}

/* take the connections waiting on the listener, as lib/conn lets */
static void
haccept(struct http_srv *h, double now)
{
	struct sockaddr_storage ss;
	struct conn_ent *v;
	struct hconn *c;
	int fd, turn;

	for (turn = 0; turn < ACCEPT_TURNS; turn++) {
		if ((fd = conn_accept(&h->ct, h->lfd, &ss, now)) == -1)
			return;
		if (!allowed(h, (struct sockaddr *)&ss) ||
		    (c = calloc(1, sizeof(*c))) == NULL) {
			h->st.refused++;
			close(fd);
			conn_spare(&h->ct);
			continue;
		}
		c->fd = fd;
		c->pi = -1;
		c->id = ++h->nextid;
		c->first = c->quiet = c->moved = now;
		conn_ent_init(&c->ent, (struct sockaddr *)&ss, now);
		while ((v = conn_admit(&h->ct, &c->ent)) != NULL &&
		    v != &c->ent) {
			h->st.shed++;
			hclose(h, (struct hconn *)v);
		}
		if (v != NULL) {
			h->st.refused++;
			close(fd);
			free(c);
			conn_spare(&h->ct);
		}
	}
}

/* when c has something due (0: nothing) */
static double
due(const struct http_srv *h, const struct hconn *c)
{
	switch (c->st) {
	case S_READ:
		if (c->outoff < c->outlen)
			return c->moved + h->lim.idle;
		if (c->inoff < c->inlen)
			return c->first + h->lim.request_time;
		return c->quiet + h->lim.idle;
	case S_CLOSE:
		return c->moved + h->lim.idle;
	case S_LINGER:
		return c->first + LINGER;
	case S_SSE:
		return c->sent + SSE_KEEP;
	}
	return 0;
}

/* c timed out: a head begun gets its 408 as it goes */
static void
expire(struct http_srv *h, struct hconn *c, double now)
{
	if (c->st == S_LINGER) {
		hclose(h, c);
		return;
	}
	if (c->st == S_READ && c->inoff < c->inlen && c->outoff == c->outlen)
		(void)respond(h, c, 408, "text/plain; charset=utf-8",
		    "408 Request Timeout\n", 20, NULL, 0, 0, 0, now);
	h->st.timedout++;
	hclose(h, c);
}

static void
timeouts(struct http_srv *h, double now)
{
	static char keep[] = ": keepalive\n\n";
	struct iovec iov;
	struct conn_ent *e;
	struct hconn *c;
	double d;
	size_t j;

	for (j = 0; (e = conn_expired(&h->ct, now, &j)) != NULL;)
		expire(h, (struct hconn *)e, now);
	for (j = 0; j < h->ct.n; j++) {
		c = ent(h, j);
		if (c->st == S_DEAD || (d = due(h, c)) == 0 || d > now)
			continue;
		if (c->st == S_SSE) {
			iov.iov_base = keep;
			iov.iov_len = sizeof(keep) - 1;
			c->sent = now;
			(void)hsend(h, c, &iov, 1, now);
		} else if (c->st == S_LINGER)
			hclose(h, c);
		else
			expire(h, c, now);
	}
}

struct http_srv *
http_new(int lfd, const struct http_lim *lim, const struct net_cidr *allow,
    size_t nallow)
{
	struct http_srv *h;
	struct conn_lim cl;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	if (nallow > 0) {
		if ((h->allow = calloc(nallow, sizeof(*allow))) == NULL) {
			free(h);
			return NULL;
		}
		memcpy(h->allow, allow, nallow * sizeof(*allow));
		h->nallow = nallow;
	}
	h->lfd = lfd;
	h->lim = http_limits(lim);
	/* strangers: request_time from accept; the module times the rest */
	cl.max = h->lim.max_conns;
	cl.per_addr = h->lim.per_addr;
	cl.handshake = h->lim.request_time;
	cl.idle = 0;
	cl.budget = h->lim.budget;
	conn_init(&h->ct, &cl);
	return h;
}

void
http_free(struct http_srv *h)
{
	size_t j;

	if (h == NULL)
		return;
	for (j = 0; j < h->ct.n; j++)
		hclose(h, ent(h, j));
	sweep(h);
	conn_fini(&h->ct);
	free(h->allow);
	free(h);
}

/* the request handed out and not answered is answered 500 */
static void
settle(struct http_srv *h)
{
	if (h->cur != NULL && h->cur->st == S_GIVEN)
		(void)http_reply(h, &h->cur->req, 500, "text/plain; charset=utf-8",
		    "500 Internal Server Error\n", 26, NULL);
	h->cur = NULL;
}

size_t
http_npoll(const struct http_srv *h)
{
	return 1 + h->ct.live;
}

size_t
http_fill(struct http_srv *h, struct pollfd *pfd)
{
	struct hconn *c;
	double until;
	size_t j, n = 1;
	short ev;

	settle(h);
	sweep(h);
	pfd[0].fd = h->lfd;
	pfd[0].events = conn_paused(&h->ct, tm_mono(), &until) ? 0 : POLLIN;
	pfd[0].revents = 0;
	for (j = 0; j < h->ct.n; j++) {
		c = ent(h, j);
		c->pi = -1;
		ev = c->outoff < c->outlen ? POLLOUT : 0;
		if ((c->st == S_READ && ev == 0 && !c->eof) || c->st == S_SSE ||
		    c->st == S_LINGER)
			ev |= POLLIN;
		if (c->st == S_DEAD || ev == 0)
			continue;
		c->pi = (int)n;
		pfd[n].fd = c->fd;
		pfd[n].events = ev;
		pfd[n++].revents = 0;
	}
	return n;
}

void
http_events(struct http_srv *h, const struct pollfd *pfd, size_t n,
    double now)
{
	struct hconn *c;
	size_t j;
	short rev;

	settle(h);
	if (n > 0 && pfd[0].fd == h->lfd && (pfd[0].revents & POLLIN))
		haccept(h, now);
	/* those polled (not those new, nor those closed since) */
	for (j = 0; j < h->ct.n; j++) {
		c = ent(h, j);
		if (c->st == S_DEAD || c->pi < 0 || (size_t)c->pi >= n ||
		    pfd[c->pi].fd != c->fd)
			continue;
		rev = pfd[c->pi].revents;
		c->pi = -1;
		if (rev & (POLLERR | POLLNVAL)) {
			hclose(h, c);
			continue;
		}
		if (rev & POLLOUT)
			hflush(h, c, now);
		if (rev & (POLLIN | POLLHUP) && c->st != S_DEAD)
			hread(h, c, now);
	}
	timeouts(h, now);
	sweep(h);
}

int
http_timeout(const struct http_srv *h, double now)
{
	double d, min, until;
	size_t j;

	if (h->nready > 0)
		return 0;
	min = conn_deadline(&h->ct);
	if (conn_paused(&h->ct, now, &until) && (min == 0 || until < min))
		min = until;
	for (j = 0; j < h->ct.n; j++)
		if (ent(h, j)->st != S_DEAD && (d = due(h, ent(h, j))) > 0 &&
		    (min == 0 || d < min))
			min = d;
	if (min == 0)
		return -1;
	if (min <= now)
		return 0;
	return min - now > 86400 ? 86400000 : (int)((min - now) * 1000) + 1;
}

int
http_next(struct http_srv *h, struct http_req *r)
{
	struct hconn *c;
	size_t j, k;

	settle(h);
	if (h->nready == 0 || h->ct.n == 0)
		return 0;
	for (k = 0; k < h->ct.n; k++) {
		j = (h->rr + k) % h->ct.n;
		c = ent(h, j);
		if (c->st != S_READY)
			continue;
		h->rr = j + 1;
		h->nready--;
		c->st = S_GIVEN;
		h->cur = c;
		c->req.conn = c->id;
		*r = c->req;
		return 1;
	}
	h->nready = 0;		/* (not reached) */
	return 0;
}

/* the connection waiting for r's answer, or NULL with errno */
static struct hconn *
given(struct http_srv *h, const struct http_req *r)
{
	if (h->cur == NULL || h->cur->id != r->conn) {
		errno = h->cur == NULL && r->conn != 0 ? ENOTCONN : EINVAL;
		return NULL;
	}
	if (h->cur->st != S_GIVEN) {
		errno = EINVAL;
		return NULL;
	}
	return h->cur;
}

/* r's answer is on its way: on to the next request, or closing */
static void
answered(struct http_srv *h, struct hconn *c, int keep, double now)
{
	c->inoff += c->used;
	c->st = keep ? S_READ : S_CLOSE;
	if (c->outoff == c->outlen)
		drained(h, c, now);
}

int
http_reply(struct http_srv *h, const struct http_req *r, int status,
    const char *ctype, const void *body, size_t len, const char *extra)
{
	struct hconn *c;
	double now = tm_mono();

	if ((c = given(h, r)) == NULL)
		return -1;
	if (status < 200 || status > 599 ||
	    (extra != NULL && strlen(extra) > EXTRAMAX)) {
		errno = EINVAL;
		return -1;
	}
	if (respond(h, c, status, ctype, body, len, extra, c->req.keep,
	    c->req.head, 0, now) == -1) {
		errno = ECONNRESET;
		return -1;
	}
	answered(h, c, c->req.keep, now);
	return 0;
}

int
http_sse(struct http_srv *h, const struct http_req *r)
{
	struct hconn *c;
	double now = tm_mono();

	if ((c = given(h, r)) == NULL)
		return -1;
	if (respond(h, c, 200, "text/event-stream", NULL, 0, NULL, 0,
	    c->req.head, 1, now) == -1) {
		errno = ECONNRESET;
		return -1;
	}
	if (c->req.head) {
		answered(h, c, 0, now);
		return 0;
	}
	/* what it sends now is dropped: its input goes */
	c->inoff = c->inlen = 0;
	c->st = S_SSE;
	c->sent = now;
	h->streams++;
	return 0;
}

/* one event with data (len bytes) to the stream client c */
static void
sse_event(struct http_srv *h, struct hconn *c, const char *data, size_t len,
    double now)
{
	struct iovec iov[3];
	const char *p, *e = data + len, *q;
	int n;

	c->sent = now;
	/* "data: LINE\n" per line, then "\n" */
	for (p = data;; p = q + (q + 1 < e && q[0] == '\r' && q[1] == '\n' ?
	    2 : 1)) {
		for (q = p; q < e && *q != '\n' && *q != '\r'; q++)
			;
		iov[0].iov_base = (void *)"data: ";
		iov[0].iov_len = 6;
		iov[1].iov_base = (void *)p;
		iov[1].iov_len = (size_t)(q - p);
		iov[2].iov_base = (void *)"\n\n";
		iov[2].iov_len = q == e ? 2 : 1;
		n = iov[1].iov_len > 0 ? 3 : 2;
		if (n == 2)
			iov[1] = iov[2];
		if (hsend(h, c, iov, n, now) == -1 || q == e)
			break;
	}
}

void
http_sse_send(struct http_srv *h, const char *data, size_t len)
{
	struct hconn *c;
	double now = tm_mono();
	size_t j;

	for (j = 0; j < h->ct.n; j++)
		if ((c = ent(h, j))->st == S_SSE)
			sse_event(h, c, data, len, now);
}

int
http_sse_first(struct http_srv *h, const struct http_req *r, const char *data,
    size_t len)
{
	struct hconn *c;
	int head = r->head;

	if ((c = given(h, r)) == NULL || http_sse(h, r) == -1)
		return -1;
	if (!head && data != NULL && c->st == S_SSE)
		sse_event(h, c, data, len, tm_mono());
	return 0;
}

size_t
http_sse_clients(const struct http_srv *h)
{
	return h->streams;
}

void
http_stats(const struct http_srv *h, struct http_stats *st)
{
	*st = h->st;
	st->conns = h->ct.live;
	st->streams = h->streams;
}

/*
 * ingest: the TCP connections (the rules are in ingest.h): accepting them
 * under lib/conn's limits, telling their kind, reading omph-send's streams
 * (hello, header, lines or tagged frames, acks), syslog over TCP (octet
 * counted or LF framed) and plain text, in one buffer each.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingint.h"
#include "tm.h"

#define CONN_READ (64 * 1024)	/* a connection's buffer grows by at least */
#define CONN_TURNS 16		/* reads of one connection per wakeup */
#define ACCEPT_TURNS 64		/* connections taken per wakeup */

enum { C_NEW, C_OMPH, C_OCTET, C_LF, C_TEXT };

/* a TCP connection */
struct conn {
	struct conn_ent ent;		/* first: its place in ing->ct */
	int pi;				/* its pollfd, -1: not polled */
	int fd;
	int kind;
	int stage;			/* C_OMPH: 0 hello, 1 header, 2 data */
	int skipping;			/* inside a line too long */
	int text;			/* its listener takes plain text */
	int framed;			/* C_OMPH: a tagged hello, frames */
	char hello[WIRE_HEADMAX];	/* C_OMPH: the hello line, stage 1 */
	size_t hellolen;
	uint64_t htag;			/* its tag */
	uint32_t session;		/* C_OMPH: its session */
	char peer[64];
	char *buf;
	size_t cap, start, end;
	uint64_t off;			/* C_OMPH: stream offset of buf[start] */
	uint64_t acked;
	uint64_t durable;		/* durable: taken up to, in the file */
	struct ingest_feed feed;
	struct sender *snd;
};

/*
 * Close c: its descriptor and buffer go at once, and it leaves the counts of
 * ing->ct; the struct itself goes at the sweep that ends ingest_tcp_events.
 */
static void
conn_drop(struct ingest *ing, struct conn *c)
{
	if (c->ent.dead)
		return;
	if (c->snd != NULL)
		c->snd->conns--;
	c->snd = NULL;
	close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->cap = c->start = c->end = 0;
	conn_del(&ing->ct, &c->ent);
}

/*
 * Tell an omph sender what we took (whole lines up to off), with durable
 * only what a checkpoint on disk holds (c->durable).
 */
static void
conn_ack(struct ingest *ing, struct conn *c)
{
	char a[64];
	size_t n;
	uint64_t to = ing->o.durable ? c->durable : c->off;

	if (c->kind != C_OMPH || c->stage != 2 || c->acked == to)
		return;
	n = wire_put_ack(a, to, c->htag, c->framed ? ing->o.key : NULL);
	/* a full socket skips this one: the next carries a later offset */
	if (write(c->fd, a, n) == (ssize_t)n)
		c->acked = to;
}

/*
 * One line of an omph stream (len bytes, eol: 1 when its LF is there),
 * starting at offset c->off.  A record its session's streams had before
 * (a resend after a reconnection, a replay) is not read twice.
 */
static void
stream_line(struct ingest *ing, struct conn *c, char *p, size_t len,
    size_t eol)
{
	struct session *ss;

	c->off += len + eol;
	c->snd->pub.msgs++;
	ing->st.unacked = 1;
	ing->st.unacked_bytes += len + eol;
	if ((ss = ingest_session_find(c->snd, c->session)) != NULL) {
		if (c->off <= ss->taken && len > 0 && p[0] != '#') {
			c->feed.lineno++;
			ing->st.skipped++;
			return;
		}
		if (c->off > ss->taken)
			ss->taken = c->off;
	}
	ing->cb.line(ing->cb.arg, &c->feed, p, len);
}

/*
 * The hello line (stage 0) and the header line (stage 1, p: len bytes) of
 * an omph stream: its sender and session.  With --secret the two must
 * carry the hello's tag and a fresh TIME.  0, or -1 to close (counted).
 */
static int
conn_hello(struct ingest *ing, struct conn *c, char *p, size_t len)
{
	const uint8_t *skey = ing->o.key;
	struct wire_hello h;
	struct sockaddr_storage ss;
	struct session *se;
	socklen_t sl = sizeof(ss);

	if (c->stage == 0) {
		if (wire_parse_hello(p, len, &h) == -1 ||
		    len >= sizeof(c->hello)) {
			ing->st.malformed++;
			return -1;
		}
		if (skey != NULL && !h.tagged) {
			ing->st.denied++;
			return -1;
		}
		memcpy(c->hello, p, len);
		c->hellolen = len;
		c->framed = h.tagged;
		c->stage = 1;
		return 0;
	}
	wire_parse_hello(c->hello, c->hellolen, &h);
	if (skey != NULL && (!wire_hello_ok(c->hello, &h, p, len, skey) ||
	    !ingest_fresh(h.time))) {
		ing->st.denied++;
		return -1;
	}
	memset(&ss, 0, sizeof(ss));
	getpeername(c->fd, (struct sockaddr *)&ss, &sl);
	if ((c->snd = ingest_sender(ing, h.id, h.idlen, "tcp",
	    (struct sockaddr *)&ss)) == NULL) {
		ing->st.refused++;
		return -1;
	}
	c->snd->conns++;
	se = ingest_session_of(ing, c->snd, h.session);
	se->msgs++;
	c->session = h.session;
	c->htag = h.tag;
	c->feed.name = c->snd->pub.name;
	c->feed.snd = &c->snd->pub;
	c->off = c->acked = c->durable = h.offset;
	/* the header in force at the offset, or an empty line */
	if (len > 0 && p[0] == '#' && ing->cb.header(ing->cb.arg, &c->feed.c,
	    p + 1, len - 1) == -1)
		ing->cb.bad(ing->cb.arg, &c->feed, INGEST_NOHEADER);
	c->stage = 2;
	return 0;
}

/*
 * A frame of a tagged stream at p: "LEN<TAB>TAG<LF>" and LEN bytes of whole
 * lines.  Returns 1 when one was read, 0 when more must come, -1 to close
 * (counted: malformed, or denied for a tag not ours).
 */
static int
conn_frame(struct ingest *ing, struct conn *c, char *p, char *e, int at_eof)
{
	char *nl, *q, *r;
	size_t flen;
	uint64_t ftag;

	if ((nl = memchr(p, '\n', (size_t)(e - p) < WIRE_FRAMEHEAD ?
	    (size_t)(e - p) : WIRE_FRAMEHEAD)) == NULL) {
		if ((size_t)(e - p) < WIRE_FRAMEHEAD && !at_eof)
			return 0;
		ing->st.malformed++;
		return -1;
	}
	if (wire_parse_frame(p, (size_t)(nl - p), &flen, &ftag) == -1 ||
	    flen > INGEST_MAXLINE + 1) {
		ing->st.malformed++;
		return -1;
	}
	q = nl + 1;
	if ((size_t)(e - q) < flen) {
		if (!at_eof)
			return 0;
		ing->st.malformed++;
		return -1;
	}
	if (q[flen - 1] != '\n') {
		ing->st.malformed++;
		return -1;
	}
	if (ing->o.key != NULL && wire_frame_tag(c->htag, c->off, q, flen,
	    ing->o.key) != ftag) {
		ing->st.denied++;
		return -1;
	}
	c->start = (size_t)(q + flen - c->buf);
	for (r = q; r < q + flen; r = nl + 1) {
		nl = memchr(r, '\n', (size_t)(q + flen - r));
		stream_line(ing, c, r, (size_t)(nl - r), 1);
	}
	return 1;
}

/* the syslog message p (n bytes) of c, from its peer */
static void
conn_syslog(struct ingest *ing, struct conn *c, char *p, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	getpeername(c->fd, (struct sockaddr *)&ss, &sl);
	ingest_syslog(ing, p, n, (struct sockaddr *)&ss);
}

/*
 * What c's first bytes (p to e) tell of its kind: 0 (c->kind set, or
 * still C_NEW when more must come), -1 to close (counted).
 */
static int
conn_kind(struct ingest *ing, struct conn *c, const char *p, const char *e,
    int at_eof)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	size_t have = (size_t)(e - p);

	if (have < WIRE_MAGICLEN && !at_eof &&
	    (memcmp(p, WIRE_MAGIC, have) == 0 ||
	    memcmp(p, WIRE_OLDMAGIC, have) == 0))
		return 0;	/* wait for more */
	if (have >= WIRE_MAGICLEN &&
	    memcmp(p, WIRE_MAGIC, WIRE_MAGICLEN) == 0)
		c->kind = C_OMPH;
	else if (have >= WIRE_MAGICLEN &&
	    memcmp(p, WIRE_OLDMAGIC, WIRE_MAGICLEN) == 0) {
		ing->st.malformed++;	/* version 1 */
		return -1;
	} else if (ing->o.key != NULL) {
		ing->st.denied++;	/* nothing else carries a tag */
		return -1;
	} else if (*p >= '1' && *p <= '9')
		c->kind = C_OCTET;
	else if (*p == '<')
		c->kind = C_LF;
	else if (!c->text) {
		ing->st.malformed++;	/* plain text not asked for */
		return -1;
	} else {
		c->kind = C_TEXT;
		memset(&ss, 0, sizeof(ss));
		getpeername(c->fd, (struct sockaddr *)&ss, &sl);
		if ((c->snd = ingest_sender_at(ing, (struct sockaddr *)&ss,
		    "text")) == NULL) {
			ing->st.refused++;
			return -1;
		}
		c->snd->conns++;
		c->feed.name = c->snd->pub.name;
		c->feed.snd = &c->snd->pub;
	}
	return 0;
}

/*
 * The frames in c's buffer: returns 0, -1 when the connection is to be
 * closed (not ours, malformed, denied).  at_eof: the rest is a last frame.
 */
static int
conn_frames(struct ingest *ing, struct conn *c, int at_eof)
{
	char *p, *e, *nl, *sp;
	size_t len;
	unsigned long flen;
	int r;

	for (;;) {
		p = c->buf + c->start;
		e = c->buf + c->end;
		if (p == e)
			return 0;
		if (c->kind == C_NEW) {
			if (conn_kind(ing, c, p, e, at_eof) == -1)
				return -1;
			if (c->kind == C_NEW)
				return 0;
		}
		if (c->kind == C_OMPH && c->stage == 2 && c->framed &&
		    !c->skipping) {
			if ((r = conn_frame(ing, c, p, e, at_eof)) <= 0)
				return r;
			continue;
		}
		if (c->kind == C_OCTET) {
			/* "LEN MSG" */
			for (flen = 0, sp = p; sp < e && sp - p < 10 &&
			    *sp >= '0' && *sp <= '9'; sp++)
				flen = flen * 10 + (unsigned long)(*sp - '0');
			if (sp == e && e - p < 10 && !at_eof)
				return 0;
			if (sp == p || sp == e || *sp != ' ' || flen == 0 ||
			    flen > INGEST_MAXLINE) {
				ing->st.malformed++;
				return -1;
			}
			if ((size_t)(e - sp - 1) < flen) {
				if (at_eof) {
					ing->st.malformed++;
					return -1;
				}
				return 0;
			}
			conn_syslog(ing, c, sp + 1, flen);
			c->start = (size_t)(sp + 1 + flen - c->buf);
			continue;
		}
		/* line-framed kinds */
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL) {
			if (!at_eof)
				return 0;
			nl = e;
		}
		len = (size_t)(nl - p);
		c->start = (size_t)(nl - c->buf) + (nl < e);
		if (c->skipping) {
			c->skipping = 0;	/* the end of a line too long */
			c->off += len + (nl < e);
			continue;
		}
		if (c->kind == C_LF)
			conn_syslog(ing, c, p, len);
		else if (c->kind == C_TEXT) {
			c->snd->pub.msgs++;
			ing->cb.line(ing->cb.arg, &c->feed, p, len);
		} else if (c->stage < 2) {
			if (conn_hello(ing, c, p, len) == -1)
				return -1;
		} else
			stream_line(ing, c, p, len, nl < e);
	}
}

/*
 * Room in c's buffer for a read: the bytes not taken yet moved to the
 * front, and the buffer grown (to INGEST_BUFMAX at most) while the budget
 * of lim.budget lets it, shedding the connections that hold the most.  -1
 * when c itself is to go.
 */
static int
conn_space(struct ingest *ing, struct conn *c)
{
	struct conn_ent *v;
	size_t want;
	char *p;

	if (c->start > 0) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
	}
	if (c->cap - c->end >= CONN_READ / 4 || c->cap == INGEST_BUFMAX)
		return 0;
	want = c->end + CONN_READ > c->cap * 2 ? c->end + CONN_READ : c->cap * 2;
	if (want > INGEST_BUFMAX)
		want = INGEST_BUFMAX;
	while ((v = conn_room(&ing->ct, &c->ent, want - c->cap)) != NULL) {
		ing->st.shed++;
		if (v == &c->ent)
			return -1;
		conn_drop(ing, (struct conn *)v);
	}
	if ((p = realloc(c->buf, want)) == NULL) {
		ing->st.shed++;
		return -1;
	}
	c->buf = p;
	c->cap = want;
	conn_held(&ing->ct, &c->ent, want);
	return 0;
}

/* after reading: c keeps only the memory its bytes not taken yet need */
static void
conn_shrink(struct ingest *ing, struct conn *c)
{
	size_t n = c->end - c->start, want;
	char *p;

	if (n == 0) {
		free(c->buf);
		c->buf = NULL;
		c->cap = c->start = c->end = 0;
	} else if (c->cap - n > CONN_READ) {
		memmove(c->buf, c->buf + c->start, n);
		c->start = 0;
		c->end = n;
		want = (n + 4095) & ~(size_t)4095;
		if ((p = realloc(c->buf, want)) == NULL)
			return;
		c->buf = p;
		c->cap = want;
	} else
		return;
	conn_held(&ing->ct, &c->ent, c->cap);
}

/*
 * Read a connection; -1 when it is to be closed.  The buffer is there only
 * while bytes wait in it (a line not whole yet), under the budget.  The
 * connection is established once a first whole line or frame was taken.
 */
static int
conn_read(struct ingest *ing, struct conn *c)
{
	ssize_t r;
	int turn;

	for (turn = 0; turn < CONN_TURNS; turn++) {
		if (conn_space(ing, c) == -1)
			return -1;
		if (c->end == c->cap) {
			if (c->kind == C_OCTET || c->kind == C_NEW) {
				ing->st.malformed++;
				return -1;
			}
			/* a line longer than the buffer: counted, skipped */
			c->feed.lineno++;
			ing->cb.bad(ing->cb.arg, &c->feed, INGEST_LONG);
			c->off += c->end;
			c->start = c->end = 0;
			c->skipping = 1;
		}
		r = read(c->fd, c->buf + c->end, c->cap - c->end);
		if (r == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return -1;
		}
		if (r == 0) {
			conn_frames(ing, c, 1);
			conn_ack(ing, c);
			return -1;
		}
		conn_heard(&c->ent, tm_mono());
		c->end += (size_t)r;
		ing->st.tcp_in += (uint64_t)r;
		if (conn_frames(ing, c, 0) == -1)
			return -1;
		if (c->start > 0)
			conn_est(&c->ent);
		if ((size_t)r < CONN_READ / 4)
			break;	/* probably all there is; let others in */
	}
	conn_ack(ing, c);
	conn_shrink(ing, c);
	return 0;
}

/*
 * Take the connections waiting on listener l, as the allow list and the
 * limits let (see lib/conn.h): each may shed one not yet established, or
 * be refused.
 */
void
ingest_accept(struct ingest *ing, const struct listener *l)
{
	struct sockaddr_storage ss;
	struct conn_ent *v;
	struct conn *c;
	double now = tm_mono();
	int fd, turn;

	for (turn = 0; turn < ACCEPT_TURNS; turn++) {
		if ((fd = conn_accept(&ing->ct, l->fd, &ss, now)) == -1)
			return;
		if (!ingest_allowed(ing, (struct sockaddr *)&ss)) {
			ing->st.denied++;
			close(fd);
			conn_spare(&ing->ct);
			continue;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			ing->st.refused++;
			close(fd);
			conn_spare(&ing->ct);
			continue;
		}
		c->fd = fd;
		c->pi = -1;
		conn_ent_init(&c->ent, (struct sockaddr *)&ss, now);
		while ((v = conn_admit(&ing->ct, &c->ent)) != NULL &&
		    v != &c->ent) {
			conn_drop(ing, (struct conn *)v);
			ing->st.shed++;
		}
		if (v != NULL) {
			ing->st.refused++;
			close(fd);
			free(c);
			conn_spare(&ing->ct);
			continue;
		}
		c->text = l->text;
		net_ntop((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
		c->feed.name = c->peer;
	}
}

/* the connections to poll into p, from slot n0 of the caller's: how many */
int
ingest_tcp_fill(struct ingest *ing, struct pollfd *p, int n0)
{
	struct conn *c;
	size_t j;
	int n = 0;

	for (j = 0; j < ing->ct.n; j++) {
		c = (struct conn *)ing->ct.ent[j];
		c->pi = -1;
		if (c->ent.dead)
			continue;
		c->pi = n0 + n;
		p[n].fd = c->fd;
		p[n++].events = POLLIN;
	}
	return n;
}

/*
 * After ppoll, p the caller's slots from 0: the connections polled (not
 * those new, nor those shed since) read, those timed out closed, the dead
 * freed.
 */
void
ingest_tcp_events(struct ingest *ing, const struct pollfd *p)
{
	struct conn_ent *e;
	struct conn *c;
	size_t j;

	for (j = 0; j < ing->ct.n; j++) {
		c = (struct conn *)ing->ct.ent[j];
		if (!c->ent.dead && c->pi >= 0 && p[c->pi].revents &&
		    conn_read(ing, c) == -1)
			conn_drop(ing, c);
	}
	/* --handshake-timeout, --idle-timeout */
	for (j = 0; (e = conn_expired(&ing->ct, tm_mono(), &j)) != NULL;) {
		conn_drop(ing, (struct conn *)e);
		ing->st.timedout++;
	}
	while ((e = conn_sweep(&ing->ct)) != NULL)
		free(e);
}

/*
 * With durable: the state is in the file; each omph stream is
 * acknowledged up to what it had taken, which is in it.  Without, acks go
 * as lines are taken (conn_ack).
 */
void
ingest_tcp_durable(struct ingest *ing)
{
	struct conn *c;
	size_t j;

	if (!ing->st.unacked)
		return;
	ing->st.unacked = 0;
	ing->st.unacked_bytes = 0;
	for (j = 0; j < ing->ct.n; j++) {
		c = (struct conn *)ing->ct.ent[j];
		if (c->ent.dead)
			continue;
		c->durable = c->off;
		conn_ack(ing, c);
	}
}

/* every connection acknowledged as far as it may be, closed, freed */
void
ingest_tcp_close(struct ingest *ing)
{
	struct conn_ent *e;
	size_t j;

	for (j = 0; j < ing->ct.n; j++)
		if (!ing->ct.ent[j]->dead) {
			conn_ack(ing, (struct conn *)ing->ct.ent[j]);
			conn_drop(ing, (struct conn *)ing->ct.ent[j]);
		}
	while ((e = conn_sweep(&ing->ct)) != NULL)
		free(e);
}

/*
 * tship: records over one TCP stream, kept until acknowledged and resent
 * after a reconnect; or syslog over TCP (lib/tship.h).
 */
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "out.h"
#include "rec.h"
#include "tm.h"
#include "tship.h"
#include "wire.h"

int
tship_init(struct tship *t, struct ship *sh, const struct net_addr *a,
    size_t cap, struct pos *acked)
{
	memset(t, 0, sizeof(*t));
	t->sh = sh;
	t->addr = *a;
	t->acked = acked;
	t->fd = -1;
	t->backoff = TSHIP_BACKOFF_MIN;
	t->cap = cap;
	if ((t->buf = malloc(cap)) == NULL)
		return -1;
	return 0;
}

void
tship_free(struct tship *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	free(t->buf);
	free(t->basehdr);
	free(t->hello);
	while (t->nmarks > 0)
		free(t->marks[--t->nmarks].text);
	free(t->marks);
	free(t->runs);
	t->buf = t->basehdr = t->hello = NULL;
	t->marks = NULL;
	t->runs = NULL;
}

int
tship_room(const struct tship *t, size_t n)
{
	return t->cap - t->len >= n;
}

int
tship_want_out(const struct tship *t)
{
	return t->connecting || t->hellooff < t->hellolen ||
	    t->sent < t->base + t->len;
}

/* room for n more bytes at the end of buf (compacting); 0 or -1 */
static int
room(struct tship *t, size_t n)
{
	if (t->cap - t->head - t->len >= n)
		return 0;
	if (t->cap - t->len < n)
		return -1;
	memmove(t->buf, t->buf + t->head, t->len);
	t->head = 0;
	return 0;
}

/*
 * --acked: the record p (len bytes) was put in the buffer, ending at
 * stream offset off; its origin, if it has one, extends the last run when
 * of the same stream, else starts one.  0, -1 ENOMEM.
 */
static int
track(struct tship *t, const char *p, size_t len, uint64_t off)
{
	const char *e = p + len, *q;
	uint64_t id, start, end;
	struct tship_run *r;
	size_t cap;
	int i;

	for (i = 0; i < t->sh->ocol; i++, p = q + 1)
		if ((q = memchr(p, '\t', (size_t)(e - p))) == NULL)
			return 0;
	if ((q = memchr(p, '\t', (size_t)(e - p))) == NULL)
		q = e;
	if (rec_origin(p, (size_t)(q - p), &id, &start, &end) == -1)
		return 0;
	r = t->nruns > 0 ? &t->runs[t->runhead + t->nruns - 1] : NULL;
	if (r == NULL || r->id != id) {
		if (t->runhead + t->nruns == t->runcap) {
			if (t->runhead > 0) {
				memmove(t->runs, t->runs + t->runhead,
				    t->nruns * sizeof(*r));
				t->runhead = 0;
			} else {
				cap = t->runcap ? t->runcap * 2 : 64;
				if ((r = realloc(t->runs, cap * sizeof(*r))) ==
				    NULL)
					return -1;
				t->runs = r;
				t->runcap = cap;
			}
		}
		r = &t->runs[t->runhead + t->nruns++];
		r->id = id;
	}
	r->off = off;
	r->end = end;
	return 0;
}

int
tship_line(struct tship *t, const char *p, size_t len)
{
	struct ship *s = t->sh;
	struct tship_mark *m;
	char *d, tmp[32];
	size_t n;
	int k;

	if (s->syslog) {
		if (len > 0 && p[0] == '#') {
			if (ship_header(s, p, len) == -1)
				return -1;
		} else if (s->hdrlen > 0 && (s->hdr_told != s->schema ||
		    tm_mono() - s->hdr_at >= SHIP_HDR_EVERY)) {
			s->hdr_told = s->schema;
			s->hdr_at = tm_mono();
			if (tship_line(t, s->hdr, s->hdrlen) == -1)
				return -1;
		}
		if (len > 0 && p[0] == '#') {
			s->hdr_told = s->schema;
			s->hdr_at = tm_mono();
		}
		if (room(t, len + WIRE_HEADMAX + 512 + 24) == -1) {
			errno = ENOBUFS;
			return -1;
		}
		d = t->buf + t->head + t->len;
		n = ship_syslog(s, d + 24, len + WIRE_HEADMAX + 512, p, len);
		if (s->lf) {
			memmove(d, d + 24, n);
			d[n++] = '\n';
		} else {
			k = snprintf(tmp, sizeof(tmp), "%zu ", n);
			memmove(d + k, d + 24, n);
			memcpy(d, tmp, (size_t)k);
			n += (size_t)k;
		}
		t->len += n;
		return 0;
	}
	if (room(t, len + 1) == -1) {
		errno = ENOBUFS;
		return -1;
	}
	if (len > 0 && p[0] == '#') {
		s->ocol = ship_origin_col(p, len);
		/* a header: remembered at its offset, for a resend from there */
		if (out_grow(&t->marks, &t->markcap, t->nmarks + 1,
		    sizeof(*t->marks), 8) == -1)
			return -1;
		m = &t->marks[t->nmarks];
		if ((m->text = malloc(len ? len : 1)) == NULL)
			return -1;
		memcpy(m->text, p, len);
		m->len = len;
		m->off = t->base + t->len;
		t->nmarks++;
	}
	d = t->buf + t->head + t->len;
	memcpy(d, p, len);
	d[len] = '\n';
	t->len += len + 1;
	if (t->acked != NULL && s->ocol >= 0 && (len == 0 || p[0] != '#'))
		return track(t, p, len, t->base + t->len);
	return 0;
}

int
tship_connect(struct tship *t)
{
	struct ship *s = t->sh;
	char errbuf[256];

	t->acklen = 0;
	t->eof_sent = 0;
	if ((t->fd = net_connect(&t->addr, t->attempts++, errbuf,
	    sizeof(errbuf))) == -1) {
		if (!t->down_told)
			ship_say(s, "%s: %s; retrying", s->where, errbuf);
		t->down_told = 1;
		t->next_try = tm_mono() + t->backoff;
		t->backoff = t->backoff * 2 > TSHIP_BACKOFF_MAX ?
		    TSHIP_BACKOFF_MAX : t->backoff * 2;
		return 0;
	}
	t->connecting = 1;
	t->sent = t->base;
	t->framelen = t->frameoff = 0;
	t->frame_end = t->base;
	/* the preamble: who we are, where this stream starts, its header */
	t->hellolen = t->hellooff = 0;
	if (!s->syslog) {
		free(t->hello);
		if ((t->hello = malloc(WIRE_HEADMAX + t->basehdrlen + 1)) ==
		    NULL)
			return -1;
		t->hellolen = wire_put_hello(t->hello, s->id, s->session,
		    t->base, (int64_t)time(NULL), t->basehdr, t->basehdrlen,
		    s->key, &t->htag);
		if (t->basehdrlen > 0)
			memcpy(t->hello + t->hellolen, t->basehdr,
			    t->basehdrlen);
		t->hellolen += t->basehdrlen;
		t->hello[t->hellolen++] = '\n';
	}
	return 0;
}

void
tship_down(struct tship *t, int e)
{
	struct ship *s = t->sh;

	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	t->connecting = 0;
	if (!t->down_told) {
		if (e != 0)
			ship_say(s, "%s: %s; retrying", s->where, strerror(e));
		else
			ship_say(s, "%s: closed by the collector; retrying",
			    s->where);
	}
	t->down_told = 1;
	t->sent = t->base;	/* syslog: written was released already */
	t->next_try = tm_mono() + t->backoff;
	t->backoff = t->backoff * 2 > TSHIP_BACKOFF_MAX ? TSHIP_BACKOFF_MAX :
	    t->backoff * 2;
}

/* bytes up to offset off were taken: free them, track the header at base */
static int
release(struct tship *t, uint64_t off)
{
	size_t i, k = 0;

	if (off <= t->base || off > t->base + t->len)
		return 0;
	t->head += (size_t)(off - t->base);
	t->len -= (size_t)(off - t->base);
	t->base = off;
	if (t->len == 0)
		t->head = 0;
	/* --acked: the streams of the records taken are taken up to there */
	while (t->nruns > 0 && t->runs[t->runhead].off <= off) {
		if (pos_set(t->acked, t->runs[t->runhead].id,
		    t->runs[t->runhead].end) == -1)
			return -1;
		t->runhead++;
		t->nruns--;
	}
	if (t->nruns == 0)
		t->runhead = 0;
	for (i = 0; i < t->nmarks; i++) {
		if (t->marks[i].off < off) {
			free(t->basehdr);
			t->basehdr = t->marks[i].text;
			t->basehdrlen = t->marks[i].len;
			k = i + 1;
		} else
			break;
	}
	if (k > 0) {
		memmove(t->marks, t->marks + k, (t->nmarks - k) *
		    sizeof(*t->marks));
		t->nmarks -= k;
	}
	return 0;
}

/* syslog: messages written whole are given up */
static void
frames_written(struct tship *t)
{
	const char *p, *e, *nl;
	uint64_t n;

	for (;;) {
		p = t->buf + t->head;
		e = p + (t->sent - t->base);
		if (t->sh->lf) {
			if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
				return;
			release(t, t->base + (uint64_t)(nl + 1 - p));
			continue;
		}
		for (n = 0; p < e && *p >= '0' && *p <= '9'; p++)
			n = n * 10 + (uint64_t)(*p - '0');
		if (p == e || n > (uint64_t)(e - p - 1))
			return;
		release(t, t->base + (uint64_t)(p + 1 - (t->buf + t->head)) +
		    n);
	}
}

/*
 * With a key: the frame line for the bytes from t->sent, whole lines up
 * to WIRE_FRAMEMAX (a longer line alone; the buffer holds whole lines).
 */
static void
frame(struct tship *t)
{
	const char *p = t->buf + t->head + (t->sent - t->base), *lf;
	size_t avail = (size_t)(t->base + t->len - t->sent), n = avail;

	if (n > WIRE_FRAMEMAX) {
		if ((lf = memrchr(p, '\n', WIRE_FRAMEMAX)) == NULL)
			lf = memchr(p + WIRE_FRAMEMAX, '\n',
			    avail - WIRE_FRAMEMAX);
		n = lf != NULL ? (size_t)(lf + 1 - p) : avail;
	}
	t->framelen = wire_put_frame(t->frame, t->htag, t->sent, p, n,
	    t->sh->key);
	t->frameoff = 0;
	t->frame_end = t->sent + n;
}

/* write what is waiting; -1 with errno when the connection failed */
static int
write_out(struct tship *t)
{
	struct ship *s = t->sh;
	ssize_t w;
	uint64_t end;

	while (t->hellooff < t->hellolen) {
		w = write(t->fd, t->hello + t->hellooff,
		    t->hellolen - t->hellooff);
		if (w == -1)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		t->hellooff += (size_t)w;
	}
	while (t->sent < t->base + t->len) {
		end = t->base + t->len;
		if (s->key != NULL) {
			if (t->frameoff == t->framelen &&
			    t->sent == t->frame_end)
				frame(t);
			while (t->frameoff < t->framelen) {
				w = write(t->fd, t->frame + t->frameoff,
				    t->framelen - t->frameoff);
				if (w == -1)
					return errno == EAGAIN ||
					    errno == EINTR ? 0 : -1;
				t->frameoff += (size_t)w;
			}
			end = t->frame_end;
		}
		w = write(t->fd, t->buf + t->head + (t->sent - t->base),
		    (size_t)(end - t->sent));
		if (w == -1)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		t->sent += (uint64_t)w;
		s->bytes += (uint64_t)w;
		if (s->syslog) {
			frames_written(t);
			if (tm_mono() - t->up_at >= 1)
				t->backoff = TSHIP_BACKOFF_MIN;	/* it holds */
		}
	}
	return 0;
}

void
tship_write(struct tship *t)
{
	if (t->fd >= 0 && !t->connecting && write_out(t) == -1)
		tship_down(t, errno);
}

/* read "#ack<TAB>OFFSET" lines, or the end of the connection */
static int
acks(struct tship *t)
{
	struct ship *s = t->sh;
	ssize_t r;
	char *nl, *p;
	uint64_t off;

	for (;;) {
		r = read(t->fd, t->ack + t->acklen,
		    sizeof(t->ack) - 1 - t->acklen);
		if (r == -1) {
			if (errno != EAGAIN && errno != EINTR)
				tship_down(t, errno);
			return 0;
		}
		if (r == 0) {
			if (t->eof_sent && t->len == 0) {
				/* the collector took everything and closed */
				close(t->fd);
				t->fd = -1;
				t->done = 1;
			} else
				tship_down(t, 0);
			return 0;
		}
		t->acklen += (size_t)r;
		p = t->ack;
		while ((nl = memchr(p, '\n', (size_t)(t->ack + t->acklen -
		    p))) != NULL) {
			if (wire_parse_ack(p, (size_t)(nl - p), t->htag, s->key,
			    &off) == 0) {
				if (off <= t->sent && release(t, off) == -1)
					return -1;
				/* a collector that takes data: retry soon */
				t->backoff = TSHIP_BACKOFF_MIN;
			} else if (s->key != NULL && !t->ack_warned) {
				ship_say(s, "%s: an answer without a valid tag "
				    "ignored (the collector's --secret is not "
				    "ours)", s->where);
				t->ack_warned = 1;
			}
			p = nl + 1;
		}
		t->acklen -= (size_t)(p - t->ack);
		memmove(t->ack, p, t->acklen);
		if (t->acklen == sizeof(t->ack) - 1)
			t->acklen = 0;	/* not ours: forget it */
	}
}

int
tship_event(struct tship *t, short revents)
{
	struct ship *s = t->sh;

	if (t->fd < 0 || revents == 0)
		return 0;
	if (t->connecting) {
		if (net_connected(t->fd) == -1)
			tship_down(t, errno);
		else {
			t->connecting = 0;
			t->up_at = tm_mono();
			if (t->connections++ > 0)
				s->reconnects++;
			if (t->down_told)
				ship_say(s, "%s: connected", s->where);
			t->down_told = 0;
		}
		return 0;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR))
		return acks(t);
	return 0;
}

int
tship_shutdown(struct tship *t)
{
	if (t->len != 0 || t->fd < 0 || t->connecting ||
	    t->hellooff != t->hellolen || t->eof_sent)
		return 0;
	shutdown(t->fd, SHUT_WR);
	t->eof_sent = 1;
	return 1;
}

/*
 * LF terminated lines, or octet-counted syslog frames (the header repeats
 * of --syslog count as lines too).
 */
uint64_t
tship_held_lines(const struct tship *t)
{
	const char *p = t->buf + t->head, *e = p + t->len, *nl;
	uint64_t k = 0, n;

	if (t->len == 0)
		return 0;
	if (!t->sh->syslog || t->sh->lf) {
		for (; (nl = memchr(p, '\n', (size_t)(e - p))) != NULL;
		    p = nl + 1)
			k++;
		return k + (p < e);
	}
	while (p < e) {
		for (n = 0; p < e && *p >= '0' && *p <= '9'; p++)
			n = n * 10 + (uint64_t)(*p - '0');
		if (p == e || n > (uint64_t)(e - p - 1))
			return k + 1;	/* cut: cannot be, counted */
		p += 1 + n;
		k++;
	}
	return k;
}

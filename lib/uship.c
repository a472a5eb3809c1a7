/*
 * uship: records into UDP datagrams, or syslog messages a datagram
 * (lib/uship.h).
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tm.h"
#include "uship.h"
#include "wire.h"

int
uship_init(struct uship *u, struct ship *sh, int fd)
{
	memset(u, 0, sizeof(*u));
	u->sh = sh;
	u->fd = fd;
	if ((u->dg = malloc(USHIP_BATCH * sh->max_dgram)) == NULL)
		return -1;
	return 0;
}

void
uship_free(struct uship *u)
{
	free(u->dg);
	u->dg = NULL;
}

int
uship_idle(const struct uship *u)
{
	return u->ndg == 0 && !u->open;
}

/*
 * Start datagram ndg: room for its preamble, and the header line when due.
 * Its preamble is written when it is complete; only one datagram is open at
 * a time, so the number it will have is u->seq.
 */
static void
dg_open(struct uship *u)
{
	struct ship *s = u->sh;
	char *d = u->dg + (size_t)u->ndg * s->max_dgram;
	char pre[WIRE_HEADMAX];
	double t;

	u->dgschema[u->ndg] = s->hdrlen > 0 ? s->schema : 0;
	/* LEN at its longest; a tag is 16 digits in place of "-" */
	u->preroom[u->ndg] = wire_put_dgram(pre, s->id, s->session, u->seq,
	    u->dgschema[u->ndg], (int64_t)time(NULL), NULL,
	    s->max_dgram, NULL) + (s->key != NULL ? 15 : 0);
	u->prelen[u->ndg] = 0;
	u->dglen[u->ndg] = 0;
	u->open = 1;
	u->hdr_in = 0;
	t = tm_mono();
	if (s->hdrlen > 0 && (s->hdr_told != s->schema || t - s->hdr_at >=
	    SHIP_HDR_EVERY) && u->preroom[u->ndg] + s->hdrlen + 1 <=
	    s->max_dgram) {
		memcpy(d, s->hdr, s->hdrlen);
		d[s->hdrlen] = '\n';
		u->dglen[u->ndg] = s->hdrlen + 1;
		u->hdr_in = 1;
		s->hdr_told = s->schema;
		s->hdr_at = t;
	}
}

/*
 * Datagram ndg is complete: its preamble, with the next sequence number,
 * the only place one is taken.
 */
static void
dg_close(struct uship *u)
{
	struct ship *s = u->sh;
	int i = u->ndg;

	u->prelen[i] = wire_put_dgram(u->pre[i], s->id, s->session, u->seq++,
	    u->dgschema[i], (int64_t)time(NULL), u->dg + (size_t)i *
	    s->max_dgram, u->dglen[i], s->key);
	u->open = 0;
	u->ndg++;
}

/* one syslog message in a datagram of its own */
static void
syslog_dg(struct uship *u, const char *p, size_t len)
{
	struct ship *s = u->sh;

	if (u->ndg == USHIP_BATCH)
		uship_flush(u, 0);
	u->prelen[u->ndg] = 0;
	u->dglen[u->ndg] = ship_syslog(s, u->dg + (size_t)u->ndg *
	    s->max_dgram, s->max_dgram, p, len);
	u->ndg++;
}

static int
header(struct uship *u, const char *p, size_t len)
{
	struct ship *s = u->sh;

	if (ship_header(s, p, len) == -1)
		return -1;
	if (len + WIRE_HEADMAX + 1 > s->max_dgram && !s->hdr_warned) {
		ship_say(s, "stdin:%" PRIu64 ": a header of %zu bytes does not "
		    "fit in a datagram: the records under it cannot be read "
		    "(raise --max-datagram)", s->lineno, len);
		s->hdr_warned = 1;
	}
	return 0;
}

/*
 * One line into the datagrams: whole, or cut to fit an empty one.  A
 * header line starts a new schema: it rides at the top of the next
 * datagram (syslog: a message of its own, repeated each second).
 */
int
uship_line(struct uship *u, const char *p, size_t len, int hdr)
{
	struct ship *s = u->sh;
	size_t room;
	char *d;

	if (s->syslog) {
		if (hdr && header(u, p, len) == -1)
			return -1;
		if (s->hdrlen > 0 && (hdr || s->hdr_told != s->schema ||
		    tm_mono() - s->hdr_at >= SHIP_HDR_EVERY)) {
			syslog_dg(u, s->hdr, s->hdrlen);
			s->hdr_told = s->schema;
			s->hdr_at = tm_mono();
		}
		if (!hdr)
			syslog_dg(u, p, len);
		return 0;
	}
	if (hdr) {
		if (s->hdrlen == len && memcmp(s->hdr, p, len) == 0)
			return 0;	/* the same header again */
		if (u->open)
			dg_close(u);
		return header(u, p, len);
	}
	for (;;) {
		if (!u->open) {
			if (u->ndg == USHIP_BATCH)
				uship_flush(u, 0);
			dg_open(u);
		}
		d = u->dg + (size_t)u->ndg * s->max_dgram;
		room = s->max_dgram - u->preroom[u->ndg] - u->dglen[u->ndg];
		if (len + 1 <= room)
			break;
		if (u->dglen[u->ndg] == (u->hdr_in ? s->hdrlen + 1 : 0)) {
			/* alone it does not fit: cut it */
			ship_cut(s, room - 1);
			len = room - 1;
			break;
		}
		dg_close(u);
	}
	memcpy(d + u->dglen[u->ndg], p, len);
	d[u->dglen[u->ndg] + len] = '\n';
	u->dglen[u->ndg] += len + 1;
	return 0;
}

/*
 * The datagram before was refused (ICMP: nobody listening), or the network
 * is down: told once, counted dropped (the one it tells of, or the next,
 * which the error would have cost), and the header goes again in the next
 * one, for whoever listens next.
 */
static void
down(struct uship *u, int e)
{
	struct ship *s = u->sh;

	if (!u->down_told)
		ship_say(s, "%s: %s", s->where, strerror(e));
	u->down_told = 1;
	s->hdr_told = 0;
	s->dropped++;
}

int
uship_read(struct uship *u)
{
	struct wire_report r;
	char buf[WIRE_REPORTMAX + 1];
	ssize_t n;
	int i, got = 0;

	for (i = 0; i < USHIP_READS; i++) {
		if ((n = recv(u->fd, buf, sizeof(buf), MSG_DONTWAIT)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH ||
			    errno == ENETUNREACH)
				down(u, errno);
			break;
		}
		if (wire_parse_report(buf, (size_t)n, u->sh->key, &r) == -1 ||
		    r.session != u->sh->session || r.seq >= u->seq)
			continue;	/* not ours, or not what we sent */
		if (u->reports == 0 || r.seq >= u->rep.seq)
			u->rep = r;
		u->reports++;
		got++;
	}
	return got;
}

/*
 * Send the complete datagrams (and the open one when all is set; else it
 * stays open, moved to the first slot).
 */
int
uship_flush(struct uship *u, int all)
{
	struct ship *s = u->sh;
	struct mmsghdr mm[USHIP_BATCH];
	struct iovec iov[USHIP_BATCH][2];
	struct pollfd pfd;
	int i, k, e, done = 0;

	if (all && u->open)
		dg_close(u);
	for (i = 0; i < u->ndg; i++) {
		iov[i][0].iov_base = u->pre[i];
		iov[i][0].iov_len = u->prelen[i];
		iov[i][1].iov_base = u->dg + (size_t)i * s->max_dgram;
		iov[i][1].iov_len = u->dglen[i];
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = iov[i];
		mm[i].msg_hdr.msg_iovlen = 2;
	}
	while (done < u->ndg) {
		k = sendmmsg(u->fd, mm + done, (unsigned)(u->ndg - done), 0);
		if (k > 0) {
			for (i = done; i < done + k; i++)
				s->bytes += u->prelen[i] + u->dglen[i];
			s->dgrams += (uint64_t)k;
			done += k;
			continue;
		}
		e = errno;
		if (e == EINTR)
			continue;
		if (e == EAGAIN || e == ENOBUFS) {
			pfd.fd = u->fd;
			pfd.events = POLLOUT;
			poll(&pfd, 1, 100);
			continue;
		}
		if (e == ECONNREFUSED || e == EHOSTUNREACH ||
		    e == ENETUNREACH || e == EMSGSIZE) {
			/* this one is lost: say so once, go on */
			down(u, e);
			done++;
			continue;
		}
		ship_say(s, "%s: %s", s->where, strerror(e));
		s->dropped += (uint64_t)(u->ndg - done);
		u->ndg = 0;
		u->open = 0;
		errno = e;
		return -1;
	}
	if (u->open && u->ndg > 0) {
		/* the open one goes on in slot 0 */
		memmove(u->dg, u->dg + (size_t)u->ndg * s->max_dgram,
		    u->dglen[u->ndg]);
		u->dglen[0] = u->dglen[u->ndg];
		u->preroom[0] = u->preroom[u->ndg];
		u->dgschema[0] = u->dgschema[u->ndg];
	}
	u->ndg = 0;
	return 0;
}

/*
 * ingest: the senders (a table by name), their sessions and the headers
 * they announced by SCHEMA, syslog messages and UDP datagrams (the rules
 * are in ingest.h).
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingint.h"
#include "tm.h"

#define UDP_TURNS 16		/* batches read per wakeup, then the others */

int
ingest_allowed(const struct ingest *ing, const struct sockaddr *sa)
{
	int i;

	if (ing->o.nallow == 0)
		return 1;
	for (i = 0; i < ing->o.nallow; i++)
		if (net_cidr_match(&ing->o.allow[i], sa))
			return 1;
	return 0;
}

/* the sender table, empty, if it is not there yet; -1: ENOMEM */
int
ingest_snd_alloc(struct ingest *ing)
{
	if (ing->snd != NULL)
		return 0;
	if ((ing->snd = calloc(INGEST_MAXSENDERS, sizeof(*ing->snd))) == NULL ||
	    (ing->sndtab = calloc(INGEST_MAXSENDERS * 2,
	    sizeof(*ing->sndtab))) == NULL) {
		free(ing->snd);
		ing->snd = NULL;
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

uint32_t
ingest_name_hash(const char *p, size_t n)
{
	return wire_schema(p, n);
}

/* the table slot of a sender's name */
uint32_t *
ingest_snd_slot(struct ingest *ing, const char *name, size_t len, uint32_t h)
{
	size_t i = h & (INGEST_MAXSENDERS * 2 - 1);
	struct sender *s;

	while (ing->sndtab[i] != 0) {
		s = &ing->snd[ing->sndtab[i] - 1];
		if (s->hash == h && strlen(s->pub.name) == len &&
		    memcmp(s->pub.name, name, len) == 0)
			break;
		i = (i + 1) & (INGEST_MAXSENDERS * 2 - 1);
	}
	return &ing->sndtab[i];
}

/* rebuild the name table (after an eviction) */
static void
snd_rehash(struct ingest *ing)
{
	int i;

	memset(ing->sndtab, 0, INGEST_MAXSENDERS * 2 * sizeof(*ing->sndtab));
	for (i = 0; i < ing->nsnd; i++)
		if (ing->snd[i].used)
			*ingest_snd_slot(ing, ing->snd[i].pub.name,
			    strlen(ing->snd[i].pub.name), ing->snd[i].hash) =
			    (uint32_t)i + 1;
}

/*
 * Where s last sent from: pub.addr, formatted only when the address is not
 * the one before (a datagram at a time, the same address mostly).
 */
static void
sender_from(struct sender *s, const struct sockaddr *from)
{
	socklen_t len = from->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);

	if (s->fromlen == len && memcmp(&s->from, from, len) == 0)
		return;
	net_ntop(from, s->pub.addr, sizeof(s->pub.addr));
	memcpy(&s->from, from, len);
	s->fromlen = len;
}

/*
 * The sender called name (len bytes), created when new.  When the table is
 * full, one without a TCP connection is forgotten: the one heard from
 * longest ago of those not yet established (fewer than PROVEN messages),
 * else of the established ones silent for STALE seconds; a stranger never
 * takes the place of a sender that is established and active.  NULL when
 * none can go.
 */
struct sender *
ingest_sender(struct ingest *ing, const char *name, size_t len,
    const char *kind, const struct sockaddr *from)
{
	struct sender *s, *o;
	uint32_t h, *slot;
	int64_t now = (int64_t)time(NULL);
	int i, old = -1, est, oest = 0;

	if (len >= sizeof(s->pub.name))
		len = sizeof(s->pub.name) - 1;
	h = ingest_name_hash(name, len);
	slot = ingest_snd_slot(ing, name, len, h);
	if (*slot == 0) {
		if (ing->nsnd < INGEST_MAXSENDERS) {
			i = ing->nsnd++;
			ing->st.senders = ing->nsnd;
		} else {
			for (i = 0; i < ing->nsnd; i++) {
				o = &ing->snd[i];
				est = o->pub.msgs >= PROVEN;
				if (o->conns > 0 || (est &&
				    now - o->pub.last < STALE))
					continue;
				if (old == -1 || (oest && !est) || (oest == est &&
				    o->at < ing->snd[old].at)) {
					old = i;
					oest = est;
				}
			}
			if (old == -1)
				return NULL;
			i = old;
		}
		s = &ing->snd[i];
		memset(s, 0, sizeof(*s));
		s->used = 1;
		memcpy(s->pub.name, name, len);
		s->pub.name[len] = '\0';
		s->hash = h;
		s->pub.kind = kind;
		s->feed.name = s->pub.name;
		s->feed.snd = &s->pub;
		if (old >= 0)
			snd_rehash(ing);
		else
			*slot = (uint32_t)i + 1;
	} else
		s = &ing->snd[*slot - 1];
	s->pub.last = now;
	s->at = ++ing->clock;
	if (from != NULL)
		sender_from(s, from);
	return s;
}

/* the sender of a datagram or connection without a name: its address */
struct sender *
ingest_sender_at(struct ingest *ing, const struct sockaddr *from,
    const char *kind)
{
	char a[64], *colon;

	net_ntop(from, a, sizeof(a));
	if ((colon = strrchr(a, ':')) != NULL)
		*colon = '\0';	/* the host: ports change */
	return ingest_sender(ing, a, strlen(a), kind, from);
}

/* session id of sender s, if it is remembered */
struct session *
ingest_session_find(struct sender *s, uint32_t id)
{
	int i;

	for (i = 0; i < MAXSESSIONS; i++)
		if (s->ses[i].used && s->ses[i].id == id)
			return &s->ses[i];
	return NULL;
}

/*
 * Session id of sender s, new when it is not remembered: in a free place,
 * else in that of the session heard from longest ago of those with fewer
 * than PROVEN messages, else of all.  So a stranger's datagrams under a
 * sender's name (without --secret) start sessions of their own, that push
 * out each other, never the sender's own; and a new run of omph-send has
 * its place at once.  A session forgotten keeps its counts in the sender's.
 */
struct session *
ingest_session_of(struct ingest *ing, struct sender *s, uint32_t id)
{
	struct session *ss, *o;
	int i;

	if ((ss = ingest_session_find(s, id)) == NULL) {
		for (i = 0; i < MAXSESSIONS; i++) {
			o = &s->ses[i];
			if (!o->used) {
				ss = o;
				break;
			}
			if (ss == NULL || (o->msgs < PROVEN) > (ss->msgs < PROVEN) ||
			    ((o->msgs < PROVEN) == (ss->msgs < PROVEN) &&
			    o->at < ss->at))
				ss = o;
		}
		memset(ss, 0, sizeof(*ss));
		ss->used = 1;
		ss->id = id;
		wire_seq_reset(&ss->seq, ing->o.key != NULL);
	}
	ss->at = ing->clock;
	return ss;
}

/* sequence number seq of session ss; 1 when it is a repeat, to drop */
static int
session_seq(struct sender *s, struct session *ss, uint64_t seq)
{
	int r = wire_seq_add(&ss->seq, seq);

	/* differences: lost goes down when a late one comes */
	s->pub.lost += ss->seq.lost - ss->lost;
	s->pub.repeated += ss->seq.repeated - ss->repeated;
	s->pub.reordered += ss->seq.reordered - ss->reordered;
	ss->lost = ss->seq.lost;
	ss->repeated = ss->seq.repeated;
	ss->reordered = ss->seq.reordered;
	ss->took += r == 0;
	return r;
}

static struct cols *
schema_find(struct session *ss, uint32_t h)
{
	int i;

	for (i = 0; i < ss->nsch; i++)
		if (ss->sch[i].hash == h)
			return &ss->sch[i].c;
	return NULL;
}

/*
 * Header text p (len, with its '#') announced as SCHEMA h: first in the
 * list, which keeps the MAXSCHEMAS announced most recently.  -1 (nothing
 * kept) when it names no columns.
 */
static int
schema_put(struct ingest *ing, struct session *ss, uint32_t h, char *p,
    size_t len)
{
	struct cols c;
	int i;

	if (ing->cb.header(ing->cb.arg, &c, p + 1, len - 1) == -1)
		return -1;
	for (i = 0; i < ss->nsch && ss->sch[i].hash != h; i++)
		;
	if (i == ss->nsch && ss->nsch < MAXSCHEMAS)
		ss->nsch++;
	if (i == MAXSCHEMAS)
		i--;	/* the oldest goes */
	memmove(ss->sch + 1, ss->sch, (size_t)i * sizeof(*ss->sch));
	ss->sch[0].hash = h;
	ss->sch[0].c = c;
	return 0;
}

/* the lines of p (n bytes, the last LF optional) into feed fd */
static void
lines(struct ingest *ing, struct ingest_feed *fd, char *p, size_t n)
{
	char *e = p + n, *nl;

	while (p < e) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		ing->cb.line(ing->cb.arg, fd, p, (size_t)(nl - p));
		p = nl + 1;
	}
}

/* records under a SCHEMA of a session: its header first when it comes */
static void
schema_lines(struct ingest *ing, struct sender *s, struct session *ss,
    uint32_t h, char *p, size_t n, uint64_t lineno)
{
	struct ingest_feed fd;
	struct cols *c;
	char *nl, *e = p + n;

	memset(&fd, 0, sizeof(fd));
	fd.name = s->pub.name;
	fd.lineno = lineno;
	fd.snd = &s->pub;
	if (n > 0 && p[0] == '#') {
		if ((nl = memchr(p, '\n', n)) == NULL)
			nl = e;
		if (wire_schema(p, (size_t)(nl - p)) != h) {
			ing->st.malformed++;
			return;
		}
		if (schema_put(ing, ss, h, p, (size_t)(nl - p)) == -1)
			ing->cb.bad(ing->cb.arg, &fd, INGEST_NOHEADER);
		p = nl < e ? nl + 1 : e;
	}
	if (p == e)
		return;
	if ((c = schema_find(ss, h)) == NULL) {
		/* its header was lost: never read under another */
		for (; p < e; p++)
			if (*p == '\n')
				s->pub.noschema++;
		if (e[-1] != '\n')
			s->pub.noschema++;
		return;
	}
	fd.c = *c;
	lines(ing, &fd, p, (size_t)(e - p));
}

/* one syslog message (a datagram or a TCP frame) */
void
ingest_syslog(struct ingest *ing, char *p, size_t n,
    const struct sockaddr *from)
{
	struct wire_syslog m;
	struct sender *s;
	struct session *ss;
	char name[INGEST_NAMELEN];
	uint32_t session, h;
	int k;

	if (wire_parse_syslog(p, n, &m) == -1) {
		ing->st.malformed++;
		return;
	}
	if (m.applen == 4 && memcmp(m.app, "omph", 4) == 0)
		k = snprintf(name, sizeof(name), "%.*s", (int)(m.hostlen > 200 ?
		    200 : m.hostlen), m.host);
	else
		k = snprintf(name, sizeof(name), "%.*s/%.*s", (int)(m.hostlen >
		    100 ? 100 : m.hostlen), m.host, (int)(m.applen > 48 ? 48 :
		    m.applen), m.app);
	if ((s = ingest_sender(ing, name, (size_t)k, "syslog", from)) == NULL) {
		ing->st.refused++;
		return;
	}
	s->pub.msgs++;
	if (m.applen == 4 && memcmp(m.app, "omph", 4) == 0 &&
	    m.procidlen == 17 && m.procid[8] == '.' &&
	    sscanf(m.procid, "%8" SCNx32 ".%8" SCNx32, &session, &h) == 2) {
		/* ours: the header by its SCHEMA, never another */
		ss = ingest_session_of(ing, s, session);
		ss->msgs++;
		schema_lines(ing, s, ss, h, m.msg, m.msglen, s->pub.msgs);
		return;
	}
	/* anyone else's: headers and records in the order they come */
	s->feed.lineno = s->pub.msgs - 1;
	ing->cb.line(ing->cb.arg, &s->feed, m.msg, m.msglen);
}

/* 1 when a tagged TIME is within WIRE_FRESH seconds of our clock */
int
ingest_fresh(int64_t t)
{
	int64_t now = (int64_t)time(NULL);

	return t >= now - WIRE_FRESH && t <= now + WIRE_FRESH;
}

/*
 * The report of session ss to where its last datagram came from: sent
 * when its datagrams since the last one were at least as many bytes (so a
 * forged source is never sent more than was sent in its name); else
 * nothing is owed until more come.  A socket that cannot take it now
 * (EAGAIN) or an address that does not take it is no matter: the next
 * one tells the same numbers, later ones.
 */
static void
report(struct ingest *ing, struct session *ss, double now)
{
	struct wire_report r;
	char buf[WIRE_REPORTMAX];
	size_t len;

	ss->rwant = 0;
	r.session = ss->id;
	r.seq = ss->seq.max;
	r.got = ss->took;
	r.lost = ss->seq.lost;
	len = wire_put_report(buf, &r, ing->o.key);
	if (ss->rbytes < len)
		return;
	ss->rbytes = 0;
	ss->rat = now;
	if (sendto(ss->rfd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, &ss->rto.sa,
	    ss->rtolen) == (ssize_t)len)
		ing->reports++;
}

/*
 * The reports owed (a session heard from since its last, REPORT_EVERY
 * ago): looked for every REPORT_SCAN while some may be, in ingest_events.
 */
void
ingest_reports(struct ingest *ing, double now)
{
	struct session *ss;
	int i, j;

	if (!ing->rpending || now < ing->rscan)
		return;
	ing->rpending = 0;
	ing->rscan = now + REPORT_SCAN;
	for (i = 0; i < ing->nsnd; i++) {
		if (!ing->snd[i].used)
			continue;
		for (j = 0; j < MAXSESSIONS; j++) {
			ss = &ing->snd[i].ses[j];
			if (!ss->used || !ss->rwant)
				continue;
			if (now - ss->rat >= REPORT_EVERY)
				report(ing, ss, now);
			else
				ing->rpending = 1;
		}
	}
}

/*
 * One datagram from l at now; with --secret only a datagram of omph-send
 * with a valid tag and a fresh TIME is read, the others are denied.  Its
 * session is owed a report (sent at once when the last was REPORT_EVERY
 * ago, else by ingest_reports).
 */
static void
datagram(struct ingest *ing, const struct listener *l, char *p, size_t n,
    const struct sockaddr *from, double now)
{
	int text = l->text;
	const uint8_t *skey = ing->o.key;
	struct wire_dgram d;
	struct sender *s;
	struct session *ss;

	ing->st.dgrams++;
	if (!ingest_allowed(ing, from)) {
		ing->st.denied++;
		return;
	}
	if (n >= WIRE_MAGICLEN && memcmp(p, WIRE_MAGIC, WIRE_MAGICLEN) == 0) {
		/* whole lines, exactly LEN bytes of them */
		if (wire_parse_dgram(p, n, &d) == -1 || (d.bodylen > 0 &&
		    d.body[d.bodylen - 1] != '\n')) {
			ing->st.malformed++;
			return;
		}
		if (skey != NULL && (!wire_dgram_ok(p, &d, skey) ||
		    !ingest_fresh(d.time))) {
			ing->st.denied++;
			return;
		}
		if ((s = ingest_sender(ing, d.id, d.idlen, "udp",
		    from)) == NULL) {
			ing->st.refused++;
			return;
		}
		ss = ingest_session_of(ing, s, d.session);
		ss->msgs++;
		s->pub.msgs++;
		/* its report goes where this came from, on this socket */
		ss->rtolen = from->sa_family == AF_INET6 ?
		    sizeof(ss->rto.in6) : sizeof(ss->rto.in);
		memcpy(&ss->rto, from, ss->rtolen);
		ss->rfd = l->fd;
		ss->rbytes += n;
		ss->rwant = 1;
		if (session_seq(s, ss, d.seq) == 0)
			schema_lines(ing, s, ss, d.schema, d.body, d.bodylen,
			    d.seq);
		/* (a repeat, seen before, counted once) */
		if (now - ss->rat >= REPORT_EVERY)
			report(ing, ss, now);
		else
			ing->rpending = 1;
		return;
	}
	if (n >= WIRE_MAGICLEN && memcmp(p, WIRE_OLDMAGIC, WIRE_MAGICLEN) == 0) {
		ing->st.malformed++;	/* version 1: no length to check */
		return;
	}
	if (skey != NULL) {
		ing->st.denied++;	/* no tag */
		return;
	}
	if (n > 0 && p[0] == '<') {
		ingest_syslog(ing, p, n, from);
		return;
	}
	if (!text) {
		ing->st.malformed++;	/* not asked for: not taken as lines */
		return;
	}
	/* plain text: lines under the headers this address sent */
	if ((s = ingest_sender_at(ing, from, "text")) == NULL) {
		ing->st.refused++;
		return;
	}
	s->pub.msgs++;
	lines(ing, &s->feed, p, n);
}

/* read what a UDP socket has, a few batches at a time */
void
ingest_udp_read(struct ingest *ing, const struct listener *l)
{
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	double now;
	int i, k, turn;

	for (turn = 0; turn < UDP_TURNS; turn++) {
		for (i = 0; i < UDP_BATCH; i++) {
			iov[i].iov_base = ing->udpbuf + (size_t)i * 65536;
			iov[i].iov_len = 65535;
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_name = &from[i];
			mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		if ((k = recvmmsg(l->fd, mm, UDP_BATCH, MSG_DONTWAIT,
		    NULL)) <= 0)
			return;
		now = tm_mono();
		for (i = 0; i < k; i++) {
			if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
				ing->st.dgrams++;
				ing->st.malformed++;
				continue;
			}
			datagram(ing, l, ing->udpbuf + (size_t)i * 65536,
			    mm[i].msg_len, (struct sockaddr *)&from[i], now);
		}
		if (k < UDP_BATCH)
			return;
	}
}

/*
 * push: snapshots as OpenTSDB put lines or InfluxDB line protocol, a
 * bounded queue, reconnects with backoff (lib/push.h).
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "hcli.h"
#include "net.h"
#include "out.h"
#include "push.h"
#include "tm.h"

enum { P_TSDB = 1, P_INFLUX };

#define ANSWERMAX 4096		/* of an Influx answer's body, kept */

struct chunk {
	struct out_buf b;		/* LF-ended lines; cap set when made */
	uint64_t lines;
};

struct push {
	int kind;
	struct net_addr addr;
	char target[160];		/* Influx: /write?db=DB&precision=s */
	struct chunk *q[PUSH_LIMIT / PUSH_CHUNK + 4];
	int nq;
	size_t held;			/* bytes in q */
	size_t off;			/* OpenTSDB: of q[0], written */
	int busy;			/* q[0] is being sent: not dropped */
	/* the connection */
	int fd;				/* OpenTSDB; -1: none */
	int connecting;
	unsigned attempts;
	double progress;		/* OpenTSDB: the last write that took */
	struct hcli c;			/* Influx */
	double next_try, backoff;
	/* a row's tags and line, built here */
	struct out_buf tags, line;
	/* counts */
	uint64_t lines, sent, dropped, refused, connects, untold;
	int away;
	char why[256];
};

static void
away(struct push *p, const char *why)
{
	snprintf(p->why, sizeof(p->why), "%s", why);
	p->away = 1;
	p->next_try = tm_mono() + p->backoff;
	p->backoff *= 2;
	if (p->backoff > PUSH_BACKOFF_MAX)
		p->backoff = PUSH_BACKOFF_MAX;
}

static void
took(struct push *p)
{
	p->away = 0;
	p->backoff = PUSH_BACKOFF_MIN;
}

struct push *
push_new(const char *url, char *err, size_t errlen)
{
	struct push *p;
	const char *rest, *slash, *c;
	char hp[300], db[64] = "omph";
	int kind;
	size_t n;

	if (strncmp(url, "opentsdb://", 11) == 0) {
		kind = P_TSDB;
		rest = url + 11;
	} else if (strncmp(url, "influx://", 9) == 0) {
		kind = P_INFLUX;
		rest = url + 9;
	} else {
		snprintf(err, errlen, "%s: not opentsdb://HOST:PORT or "
		    "influx://HOST:PORT[/DB]", url);
		errno = EINVAL;
		return NULL;
	}
	slash = strchr(rest, '/');
	n = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	if (kind == P_TSDB && slash != NULL) {
		snprintf(err, errlen, "%s: opentsdb:// takes no path", url);
		errno = EINVAL;
		return NULL;
	}
	if (slash != NULL && slash[1] != '\0') {
		if (strlen(slash + 1) >= sizeof(db)) {
			snprintf(err, errlen, "%s: a database name longer than "
			    "%zu bytes", url, sizeof(db) - 1);
			errno = EINVAL;
			return NULL;
		}
		for (c = slash + 1; *c != '\0'; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' &&
			    *c <= 'Z') || (*c >= '0' && *c <= '9') ||
			    *c == '_' || *c == '-' || *c == '.')) {
				snprintf(err, errlen, "%s: a database name is "
				    "letters, digits, _ - .", url);
				errno = EINVAL;
				return NULL;
			}
		snprintf(db, sizeof(db), "%s", slash + 1);
	}
	snprintf(hp, sizeof(hp), "tcp://%.*s", (int)(n < 280 ? n : 280), rest);
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	if (net_parse(hp, NET_TCP, &p->addr, err, errlen) == -1) {
		free(p);
		errno = EINVAL;
		return NULL;
	}
	p->kind = kind;
	p->fd = -1;
	p->backoff = PUSH_BACKOFF_MIN;
	snprintf(p->target, sizeof(p->target), "/write?db=%s&precision=s", db);
	if (kind == P_INFLUX && hcli_init(&p->c, &p->addr, ANSWERMAX,
	    PUSH_TIMEOUT) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		free(p);
		return NULL;
	}
	return p;
}

static void
tsdb_close(struct push *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->connecting = 0;
}

void
push_free(struct push *p)
{
	int i;

	if (p == NULL)
		return;
	tsdb_close(p);
	if (p->kind == P_INFLUX)
		hcli_free(&p->c);
	for (i = 0; i < p->nq; i++) {
		out_buf_free(&p->q[i]->b);
		free(p->q[i]);
	}
	out_buf_free(&p->tags);
	out_buf_free(&p->line);
	free(p);
}

/* --- the queue --- */

/* take q[0] off: sent, refused or dropped */
static void
pop(struct push *p)
{
	struct chunk *c = p->q[0];

	p->held -= c->b.len;
	out_buf_free(&c->b);
	free(c);
	p->nq--;
	memmove(p->q, p->q + 1, (size_t)p->nq * sizeof(p->q[0]));
	p->off = 0;
	p->busy = 0;
}

/* drop the oldest chunk that is not being sent; 0, -1 when none is */
static int
drop_oldest(struct push *p)
{
	int i = p->busy || p->off > 0 ? 1 : 0;
	struct chunk *c;

	if (i >= p->nq)
		return -1;
	c = p->q[i];
	p->dropped += c->lines;
	p->untold += c->lines;
	p->held -= c->b.len;
	out_buf_free(&c->b);
	free(c);
	p->nq--;
	memmove(p->q + i, p->q + i + 1, (size_t)(p->nq - i) * sizeof(p->q[0]));
	return 0;
}

/* one line (LF-ended, n bytes) onto the queue */
static int
enqueue(struct push *p, const char *s, size_t n)
{
	struct chunk *c = p->nq > 0 ? p->q[p->nq - 1] : NULL;
	size_t cap;

	while ((p->held + n > PUSH_LIMIT || (size_t)p->nq ==
	    sizeof(p->q) / sizeof(p->q[0])) && drop_oldest(p) == 0)
		c = p->nq > 0 ? p->q[p->nq - 1] : NULL;
	if (p->held + n > PUSH_LIMIT + PUSH_CHUNK) {
		p->dropped++;		/* only the one being sent is left */
		p->untold++;
		return 0;
	}
	/* q[0] being posted stays as it is (its body is hcli's) */
	if (c == NULL || c->b.cap - c->b.len < n || (p->nq == 1 && p->busy)) {
		if ((size_t)p->nq == sizeof(p->q) / sizeof(p->q[0])) {
			p->dropped++;
			p->untold++;
			return 0;
		}
		/* a first reserve gets what it asks: cap bytes */
		cap = n > PUSH_CHUNK ? n : PUSH_CHUNK;
		if ((c = calloc(1, sizeof(*c))) == NULL ||
		    out_buf_reserve(&c->b, cap) == -1) {
			free(c);
			return -1;
		}
		p->q[p->nq++] = c;
	}
	(void)out_buf_add(&c->b, s, n);		/* within its room: no growth */
	c->lines++;
	p->held += n;
	p->lines++;
	return 0;
}

/* --- the lines --- */

static int
tsdb_ok(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '/';
}

/* one byte of a tag name or value, escaped for p's protocol, at d */
static size_t
esc(const struct push *p, unsigned char ch, char *d)
{
	static const char hex[] = "0123456789ABCDEF";

	if (p->kind == P_TSDB) {
		if (tsdb_ok(ch)) {
			d[0] = (char)ch;
			return 1;
		}
		d[0] = '_';
		d[1] = hex[ch >> 4];
		d[2] = hex[ch & 15];
		return 3;
	}
	switch (ch) {
	case ',': case ' ': case '=': case '\\':
		d[0] = '\\';
		d[1] = (char)ch;
		return 2;
	case '\n':
		d[0] = '\\';
		d[1] = 'n';
		return 2;
	case '\r':
		d[0] = '\\';
		d[1] = 'r';
		return 2;
	}
	d[0] = (char)ch;
	return 1;
}

/*
 * Append " NAME=VALUE" (OpenTSDB) or ",NAME=VALUE" (Influx) to p->tags:
 * the name raw (at most PUSH_NAMEMAX bytes), the value COPY-escaped when
 * copy is set (at most PUSH_TAGMAX bytes decoded; vlen 2 "\N": absent).
 */
static int
tag(struct push *p, const char *name, size_t nlen, const char *v,
    size_t vlen, int copy)
{
	char *d;
	size_t i, n = 0;
	unsigned char ch;

	if (nlen > PUSH_NAMEMAX)
		nlen = PUSH_NAMEMAX;
	if (out_buf_reserve(&p->tags, 1 + 3 * nlen + 1 + 3 * PUSH_TAGMAX +
	    4) == -1)
		return -1;
	d = p->tags.p + p->tags.len;
	*d++ = p->kind == P_TSDB ? ' ' : ',';
	for (i = 0; i < nlen; i++)
		d += esc(p, (unsigned char)name[i], d);
	*d++ = '=';
	if (copy && vlen == 2 && v[0] == '\\' && v[1] == 'N') {
		memcpy(d, "_N", 2);
		d += 2;
	} else if (vlen == 0) {
		*d++ = '_';
	} else {
		for (i = 0; i < vlen && n < PUSH_TAGMAX; i++, n++) {
			ch = (unsigned char)v[i];
			if (copy && ch == '\\' && i + 1 < vlen) {
				switch (v[++i]) {
				case 't': ch = '\t'; break;
				case 'n': ch = '\n'; break;
				case 'r': ch = '\r'; break;
				case 'b': ch = '\b'; break;
				case 'f': ch = '\f'; break;
				case 'v': ch = '\v'; break;
				default: ch = (unsigned char)v[i]; break;
				}
			}
			d += esc(p, ch, d);
		}
	}
	p->tags.len = (size_t)(d - p->tags.p);
	return 0;
}

/* the metrics written, in order; counts are integers */
static const int metrics[] = {
	M_HITS, M_BYTES, M_2XX, M_3XX, M_4XX, M_5XX, M_ERR, M_VISITORS,
	M_RATE, M_P50, M_P90, M_P99
};

static int
integral(int m)
{
	return m != M_RATE && m != M_P50 && m != M_P90 && m != M_P99;
}

/* a value as text: an integer for counts, else up to 9 digits */
static int
num(char *buf, size_t len, int m, double v)
{
	return integral(m) ? snprintf(buf, len, "%.0f", v) :
	    snprintf(buf, len, "%.9g", v);
}

int
push_row(struct push *p, int64_t at, const char *panel,
    const char *const *names, int nk, const char *key, size_t keylen,
    const double *v, const int *present)
{
	const char *f, *e, *t;
	char nb[32], name[PUSH_NAMEMAX + 8];
	size_t i, n, len;
	int k, m, first;

	/* the tags */
	p->tags.len = 0;
	if (tag(p, "panel", 5, panel, strlen(panel), 0) == -1)
		return -1;
	if (key == NULL) {
		if (tag(p, "site", 4, "1", 1, 0) == -1)
			return -1;
	} else
		for (k = 0, f = key, e = key + keylen; k < nk; k++) {
			if ((t = memchr(f, '\t', (size_t)(e - f))) == NULL)
				t = e;
			n = strlen(names[k]);
			if ((n == 5 && memcmp(names[k], "panel", 5) == 0) ||
			    (n == 4 && memcmp(names[k], "site", 4) == 0))
				n = (size_t)snprintf(name, sizeof(name), "key.%s",
				    names[k]);
			else
				n = (size_t)snprintf(name, sizeof(name), "%.*s",
				    PUSH_NAMEMAX, names[k]);
			if (tag(p, name, n, f, (size_t)(t - f), 1) == -1)
				return -1;
			f = t < e ? t + 1 : e;
		}
	/* the lines: room for every metric's line, or the one Influx line */
	len = p->tags.len + sizeof(metrics) / sizeof(metrics[0]) * 64 + 64;
	if (out_buf_reserve(&p->line, len) == -1)
		return -1;
	if (p->kind == P_TSDB) {
		for (i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++) {
			m = metrics[i];
			if (!present[m] || !isfinite(v[m]))
				continue;
			num(nb, sizeof(nb), m, v[m]);
			n = (size_t)snprintf(p->line.p, p->line.cap,
			    "put omph.%s %lld %s", alert_metric_names[m],
			    (long long)at, nb);
			memcpy(p->line.p + n, p->tags.p, p->tags.len);
			n += p->tags.len;
			p->line.p[n++] = '\n';
			if (enqueue(p, p->line.p, n) == -1)
				return -1;
		}
		return 0;
	}
	memcpy(p->line.p, "omph", 4);
	memcpy(p->line.p + 4, p->tags.p, p->tags.len);
	n = 4 + p->tags.len;
	first = 1;
	for (i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++) {
		m = metrics[i];
		if (!present[m] || !isfinite(v[m]))
			continue;
		num(nb, sizeof(nb), m, v[m]);
		n += (size_t)snprintf(p->line.p + n, p->line.cap - n,
		    "%c%s=%s%s", first ? ' ' : ',', alert_metric_names[m], nb,
		    integral(m) ? "i" : "");
		first = 0;
	}
	if (first)
		return 0;		/* no value at all */
	n += (size_t)snprintf(p->line.p + n, p->line.cap - n, " %lld\n",
	    (long long)at);
	return enqueue(p, p->line.p, n);
}

/* --- OpenTSDB: lines down a TCP connection --- */

/* the connection broke: q[0] from the start of its line cut short */
static void
tsdb_broken(struct push *p, const char *why, int e)
{
	char buf[256];

	if (e != 0)
		snprintf(buf, sizeof(buf), "%.150s: %.90s", why, strerror(e));
	else
		snprintf(buf, sizeof(buf), "%.250s", why);
	tsdb_close(p);
	if (p->nq > 0)
		while (p->off > 0 && p->q[0]->b.p[p->off - 1] != '\n')
			p->off--;
	away(p, buf);
}

static void
tsdb_event(struct push *p, short revents)
{
	char buf[4096], err[256];
	double now = tm_mono();
	struct chunk *c;
	ssize_t r;
	int i, wrote = 0;

	if (p->fd < 0) {
		if (p->nq == 0 || now < p->next_try)
			return;
		if ((p->fd = net_connect(&p->addr, p->attempts++, err,
		    sizeof(err))) == -1) {
			away(p, err);
			return;
		}
		p->connecting = 1;
		p->progress = now;
		p->connects++;
		return;
	}
	if (revents == 0) {
		if (p->nq > 0 && now - p->progress >= PUSH_TIMEOUT)
			tsdb_broken(p, p->connecting ? "no connection within "
			    "the timeout" : "nothing taken within the timeout",
			    0);
		return;
	}
	if (p->connecting) {
		if (net_connected(p->fd) == -1) {
			tsdb_broken(p, "connect", errno);
			return;
		}
		p->connecting = 0;
	}
	/* what the server says (put errors) is read and thrown away */
	for (i = 0; i < 16 && (revents & (POLLIN | POLLHUP | POLLERR)); i++) {
		r = read(p->fd, buf, sizeof(buf));
		if (r == 0) {
			tsdb_broken(p, "the server closed the connection", 0);
			return;
		}
		if (r == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			tsdb_broken(p, "receive", errno);
			return;
		}
	}
	while (p->nq > 0) {
		c = p->q[0];
		if (p->off == c->b.len) {
			p->sent += c->lines;
			pop(p);
			continue;
		}
		r = write(p->fd, c->b.p + p->off, c->b.len - p->off);
		if (r == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			tsdb_broken(p, "send", errno);
			return;
		}
		p->off += (size_t)r;
		wrote = 1;
	}
	if (wrote || p->nq == 0) {
		p->progress = now;
		took(p);
	}
}

/* --- Influx: a chunk a POST --- */

static void
influx_outcome(struct push *p)
{
	char buf[256];
	int st;

	if (hcli_state(&p->c) == HCLI_FAILED) {
		snprintf(buf, sizeof(buf), "%s", p->c.why);
		hcli_next(&p->c);
		p->busy = 0;
		away(p, buf);
		return;
	}
	st = p->c.status;
	if (st >= 200 && st < 300) {
		p->sent += p->q[0]->lines;
		pop(p);
		took(p);
	} else if (st >= 400 && st < 500 && st != 408 && st != 429) {
		p->refused += p->q[0]->lines;
		pop(p);
		snprintf(p->why, sizeof(p->why), "refused (%d): %.*s", st,
		    (int)(p->c.blen < 200 ? p->c.blen : 200), p->c.abody);
		took(p);
	} else {
		snprintf(buf, sizeof(buf), "HTTP %d", st);
		p->busy = 0;
		away(p, buf);
	}
	hcli_next(&p->c);
}

static void
influx_event(struct push *p, short revents)
{
	if (p->busy) {
		hcli_event(&p->c, revents);
		if (hcli_state(&p->c) != HCLI_BUSY)
			influx_outcome(p);
	}
	if (p->busy || p->nq == 0 || tm_mono() < p->next_try)
		return;
	if (hcli_start(&p->c, "POST", p->target, "text/plain; charset=utf-8",
	    p->q[0]->b.p, p->q[0]->b.len) == -1)
		return;			/* ENOMEM: tried again next turn */
	p->busy = 1;
	if (hcli_state(&p->c) != HCLI_BUSY)
		influx_outcome(p);
}

/* --- the loop --- */

int
push_fill(struct push *p, struct pollfd *pfd)
{
	if (p->kind == P_INFLUX)
		return p->busy ? hcli_fill(&p->c, pfd) : 0;
	if (p->fd < 0)
		return 0;
	pfd->fd = p->fd;
	pfd->events = POLLIN;
	if (p->connecting || p->nq > 0)
		pfd->events |= POLLOUT;
	pfd->revents = 0;
	return 1;
}

void
push_event(struct push *p, short revents)
{
	if (p->kind == P_INFLUX)
		influx_event(p, revents);
	else
		tsdb_event(p, revents);
}

int
push_timeout(const struct push *p)
{
	double at, d;

	if (p->nq == 0)
		return -1;
	if (p->kind == P_INFLUX)
		at = p->busy ? hcli_deadline(&p->c) : p->next_try;
	else
		at = p->fd < 0 ? p->next_try : p->progress + PUSH_TIMEOUT;
	d = (at - tm_mono()) * 1000;
	return d <= 0 ? 0 : (int)d + 1;
}

int
push_idle(const struct push *p)
{
	return p->nq == 0;
}

uint64_t
push_told(struct push *p, int final)
{
	uint64_t n = p->untold;

	if (n == 0 || (!final && p->nq > 0))
		return 0;
	p->untold = 0;
	return n;
}

void
push_stats(const struct push *p, struct push_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->lines = p->lines;
	st->sent = p->sent;
	st->dropped = p->dropped;
	st->refused = p->refused;
	st->connects = p->connects;
	st->held = p->held;
	st->away = p->away;
	snprintf(st->why, sizeof(st->why), "%s", p->why);
}

/* --- a set: the --push URLs of one run --- */

int
push_set_add(struct push_set *s, const char *url, char *err, size_t errlen)
{
	if (s->n == PUSH_SETMAX) {
		snprintf(err, errlen, "at most %d", PUSH_SETMAX);
		errno = E2BIG;
		return -1;
	}
	if ((s->p[s->n] = push_new(url, err, errlen)) == NULL)
		return -1;
	s->url[s->n] = url;
	s->slot[s->n++] = -1;
	return 0;
}

int
push_set_fill(struct push_set *s, struct pollfd *pfd, int *ms)
{
	int i, n = 0, w;

	for (i = 0; i < s->n; i++) {
		s->slot[i] = push_fill(s->p[i], pfd + n) ? n++ : -1;
		w = push_timeout(s->p[i]);
		if (w >= 0 && (*ms < 0 || w < *ms))
			*ms = w;
	}
	return n;
}

/* once the server caught up again (or final): what an outage cost */
static void
set_tell(struct push_set *s, int i, int final)
{
	char msg[4096];
	uint64_t n = push_told(s->p[i], final);

	if (n > 0 && s->note != NULL) {
		snprintf(msg, sizeof(msg), "--push %s: %llu lines dropped while "
		    "the server was away", s->url[i], (unsigned long long)n);
		s->note(s->arg, msg);
	}
}

void
push_set_events(struct push_set *s, const struct pollfd *pfd, int n)
{
	int i, k;

	for (i = 0; i < s->n; i++) {
		k = s->slot[i];
		push_event(s->p[i], k >= 0 && k < n ? pfd[k].revents : 0);
		set_tell(s, i, 0);
	}
}

int
push_set_row(struct push_set *s, int64_t at, const char *panel,
    const char *const *names, int nk, const char *key, size_t keylen,
    const double *v, const int *present)
{
	int i, rv = 0;

	for (i = 0; i < s->n; i++)
		if (push_row(s->p[i], at, panel, names, nk, key, keylen, v,
		    present) == -1)
			rv = -1;
	return rv;
}

int
push_set_idle(const struct push_set *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!push_idle(s->p[i]))
			return 0;
	return 1;
}

void
push_set_free(struct push_set *s)
{
	int i;

	for (i = 0; i < s->n; i++) {
		set_tell(s, i, 1);
		push_free(s->p[i]);
	}
	s->n = 0;
}

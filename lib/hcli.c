/*
 * hcli: an HTTP/1.1 client inside a ppoll loop, one keep-alive
 * connection, bounded answers (lib/hcli.h).
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "hcli.h"
#include "tm.h"

enum { P_HEAD, P_LEN, P_CLOSE, P_CSIZE, P_CDATA, P_CEND, P_TRAILER };

#define LINEMAX 1024		/* a chunk-size or trailer line */

int
hcli_init(struct hcli *c, const struct net_addr *a, size_t max_body,
    double timeout)
{
	memset(c, 0, sizeof(*c));
	c->addr = *a;
	c->fd = -1;
	c->max_body = max_body;
	c->timeout = timeout;
	if (strchr(a->host, ':') != NULL)
		snprintf(c->hosthdr, sizeof(c->hosthdr), "[%s]:%s", a->host,
		    a->port);
	else
		snprintf(c->hosthdr, sizeof(c->hosthdr), "%s:%s",
		    a->host[0] ? a->host : "127.0.0.1", a->port);
	if ((c->in = malloc(HCLI_HEADMAX)) == NULL ||
	    (c->abody = malloc(max_body ? max_body : 1)) == NULL) {
		free(c->in);
		return -1;
	}
	return 0;
}

static void
drop(struct hcli *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->connecting = 0;
	c->reused = 0;
}

void
hcli_free(struct hcli *c)
{
	drop(c);
	free(c->head);
	free(c->in);
	free(c->abody);
	c->head = c->in = c->abody = NULL;
}

static void
fail(struct hcli *c, const char *why, int e)
{
	/* cut to fit: the reason first, the system's words after */
	if (e != 0)
		snprintf(c->why, sizeof(c->why), "%.150s: %.90s", why,
		    strerror(e));
	else
		snprintf(c->why, sizeof(c->why), "%.250s", why);
	drop(c);
	c->state = HCLI_FAILED;
}

/* a connection for the request: the kept one if it is still good */
static int
conn(struct hcli *c)
{
	struct pollfd p;
	char err[256];

	if (c->fd >= 0) {
		p.fd = c->fd;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, 0) != 0)
			drop(c);	/* closed (or talking) while idle */
	}
	if (c->fd >= 0)
		return 0;
	if ((c->fd = net_connect(&c->addr, c->attempts++, err,
	    sizeof(err))) == -1) {
		fail(c, err, 0);
		return -1;
	}
	c->connecting = 1;
	return 0;
}

static void
answer_reset(struct hcli *c)
{
	c->off = 0;
	c->inlen = 0;
	c->phase = P_HEAD;
	c->chunked = c->close_after = c->have_len = 0;
	c->left = 0;
	c->status = 0;
	c->blen = 0;
	c->trunc = 0;
	c->why[0] = '\0';
}

int
hcli_start(struct hcli *c, const char *method, const char *target,
    const char *ctype, const char *body, size_t len)
{
	size_t need;
	char *h;
	int n;

	if (c->state != HCLI_IDLE) {
		errno = EBUSY;
		return -1;
	}
	need = strlen(method) + strlen(target) + strlen(ctype) +
	    sizeof(c->hosthdr) + 200;
	if (need > c->headcap) {
		if ((h = realloc(c->head, need)) == NULL)
			return -1;
		c->head = h;
		c->headcap = need;
	}
	n = snprintf(c->head, c->headcap, "%s %s HTTP/1.1\r\nHost: %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n"
	    "Connection: keep-alive\r\nUser-Agent: omph-send\r\n\r\n",
	    method, target, c->hosthdr, ctype, len);
	c->headlen = (size_t)n;
	c->body = body;
	c->bodylen = len;
	c->retried = 0;
	answer_reset(c);
	c->state = HCLI_BUSY;
	c->deadline = tm_mono() + c->timeout;
	conn(c);
	return 0;
}

int
hcli_fill(struct hcli *c, struct pollfd *pfd)
{
	if (c->state != HCLI_BUSY || c->fd < 0)
		return 0;
	pfd->fd = c->fd;
	pfd->events = POLLIN;
	if (c->connecting || c->off < c->headlen + c->bodylen)
		pfd->events |= POLLOUT;
	pfd->revents = 0;
	return 1;
}

double
hcli_deadline(const struct hcli *c)
{
	return c->state == HCLI_BUSY ? c->deadline : 0;
}

int
hcli_state(const struct hcli *c)
{
	return c->state;
}

void
hcli_next(struct hcli *c)
{
	if (c->state == HCLI_DONE || c->state == HCLI_FAILED)
		c->state = HCLI_IDLE;
}

static void
done(struct hcli *c)
{
	c->state = HCLI_DONE;
	if (c->close_after)
		drop(c);
	else
		c->reused = 1;
}

/* the connection broke before the answer: once more at once if it can be */
static void
broken(struct hcli *c, const char *why, int e)
{
	if (c->reused && !c->retried && c->phase == P_HEAD && c->inlen == 0) {
		drop(c);
		c->retried = 1;
		answer_reset(c);
		if (conn(c) == 0)
			return;
		return;	/* conn failed: state FAILED */
	}
	fail(c, why, e);
}

static void
keep(struct hcli *c, const char *p, size_t n)
{
	size_t k = c->max_body - c->blen;

	if (n > k) {
		c->trunc = 1;
		n = k;
	}
	memcpy(c->abody + c->blen, p, n);
	c->blen += n;
}

/* the head in c->in[0..n) (its blank line included); -1 malformed */
static int
head(struct hcli *c, size_t n)
{
	char *p = c->in, *e = c->in + n, *nl, *v;
	unsigned long long len;
	size_t k;

	if (n < 12 || strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' ||
	    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9')
		return -1;
	c->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (p[7] == '0')
		c->close_after = 1;
	for (; (nl = memchr(p, '\n', (size_t)(e - p))) != NULL; p = nl + 1) {
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if ((v = strchr(p, ':')) == NULL)
			continue;
		k = (size_t)(v - p);
		for (v++; *v == ' ' || *v == '\t'; v++)
			;
		if (k == 14 && strncasecmp(p, "content-length", 14) == 0) {
			if (*v < '0' || *v > '9')
				return -1;
			len = strtoull(v, NULL, 10);
			c->left = len;
			c->have_len = 1;
		} else if (k == 17 && strncasecmp(p, "transfer-encoding",
		    17) == 0 && strcasestr(v, "chunked") != NULL)
			c->chunked = 1;
		else if (k == 10 && strncasecmp(p, "connection", 10) == 0 &&
		    strcasestr(v, "close") != NULL)
			c->close_after = 1;
	}
	return 0;
}

/* n answer bytes at p; returns 0, or -1 when the answer is malformed */
static int
feed(struct hcli *c, const char *p, size_t n)
{
	const char *nl, *e = p + n;
	size_t k;
	char *end;
	unsigned long long v;

	while (p < e && c->state == HCLI_BUSY) {
		switch (c->phase) {
		case P_HEAD:
		case P_CSIZE:
		case P_CEND:
		case P_TRAILER:
			/* lines: into c->in until the LF */
			nl = memchr(p, '\n', (size_t)(e - p));
			k = nl != NULL ? (size_t)(nl + 1 - p) : (size_t)(e - p);
			if (c->inlen + k > (c->phase == P_HEAD ? HCLI_HEADMAX :
			    LINEMAX))
				return -1;
			memcpy(c->in + c->inlen, p, k);
			c->inlen += k;
			p += k;
			if (nl == NULL)
				break;
			if (c->phase == P_HEAD) {
				/* the head ends with an empty line */
				if (!(c->inlen >= 2 && (c->in[c->inlen - 2] ==
				    '\n' || (c->inlen >= 4 &&
				    memcmp(c->in + c->inlen - 4, "\r\n\r\n",
				    4) == 0))))
					break;
				if (head(c, c->inlen) == -1)
					return -1;
				c->inlen = 0;
				if (c->status < 200) {
					c->chunked = c->have_len = 0;
					c->close_after = 0;
					break;	/* 100 Continue and such */
				}
				if (c->status == 204 || c->status == 304 ||
				    (c->have_len && c->left == 0 &&
				    !c->chunked)) {
					done(c);
					break;
				}
				c->phase = c->chunked ? P_CSIZE : c->have_len ?
				    P_LEN : P_CLOSE;
				if (c->phase == P_CLOSE)
					c->close_after = 1;
				break;
			}
			c->in[c->inlen - 1] = '\0';
			if (c->phase == P_CSIZE) {
				v = strtoull(c->in, &end, 16);
				if (end == c->in)
					return -1;
				c->inlen = 0;
				c->left = v;
				c->phase = v == 0 ? P_TRAILER : P_CDATA;
			} else if (c->phase == P_CEND) {
				c->inlen = 0;
				c->phase = P_CSIZE;
			} else {
				/* trailer: an empty line ends it */
				k = c->inlen;
				c->inlen = 0;
				if (k <= 2)
					done(c);
			}
			break;
		case P_LEN:
		case P_CDATA:
			k = (size_t)(e - p) < c->left ? (size_t)(e - p) :
			    (size_t)c->left;
			keep(c, p, k);
			p += k;
			c->left -= k;
			if (c->left == 0) {
				if (c->phase == P_LEN)
					done(c);
				else
					c->phase = P_CEND;
			}
			break;
		case P_CLOSE:
			keep(c, p, (size_t)(e - p));
			p = e;
			break;
		}
	}
	return 0;
}

void
hcli_event(struct hcli *c, short revents)
{
	char buf[64 * 1024];
	struct iovec iov[2];
	ssize_t r;
	size_t hl;
	int n;

	if (c->state != HCLI_BUSY)
		return;
	if (tm_mono() >= c->deadline) {
		snprintf(buf, sizeof(buf), "no whole answer within %g s",
		    c->timeout);
		fail(c, buf, 0);
		return;
	}
	if (c->fd < 0 || revents == 0)
		return;
	if (c->connecting) {
		if (net_connected(c->fd) == -1) {
			fail(c, "connect", errno);
			return;
		}
		c->connecting = 0;
	}
	while (c->off < c->headlen + c->bodylen) {
		hl = c->off < c->headlen ? c->headlen - c->off : 0;
		n = 0;
		if (hl > 0) {
			iov[n].iov_base = c->head + c->off;
			iov[n++].iov_len = hl;
		}
		iov[n].iov_base = (char *)c->body + (c->off + hl - c->headlen);
		iov[n++].iov_len = c->bodylen - (c->off + hl - c->headlen);
		r = writev(c->fd, iov, n);
		if (r == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			broken(c, "send", errno);
			return;
		}
		c->off += (size_t)r;
	}
	for (;;) {
		r = read(c->fd, buf, sizeof(buf));
		if (r == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			broken(c, "receive", errno);
			return;
		}
		if (r == 0) {
			if (c->phase == P_CLOSE) {
				done(c);
				drop(c);
			} else
				broken(c, "connection closed before the whole "
				    "answer", 0);
			return;
		}
		if (feed(c, buf, (size_t)r) == -1) {
			fail(c, "not an HTTP/1.1 answer", 0);
			return;
		}
		if (c->state != HCLI_BUSY)
			return;
	}
}

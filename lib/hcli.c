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

int
hcli_init(struct hcli *c, const struct net_addr *a, size_t max_body,
    double timeout)
{
	char *in;

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
	if ((in = malloc(HCLI_HEADMAX)) == NULL ||
	    (c->abody = malloc(max_body ? max_body : 1)) == NULL) {
		free(in);
		return -1;
	}
	hcli_resp_init(&c->r, in, c->abody, max_body);
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
	free(c->r.in);
	free(c->abody);
	c->head = c->r.in = c->abody = NULL;
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
	hcli_resp_reset(&c->r);
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
	c->status = c->r.status;
	c->blen = c->r.blen;
	c->trunc = c->r.trunc;
	if (c->r.close_after)
		drop(c);
	else
		c->reused = 1;
}

/* the connection broke before the answer: once more at once if it can be */
static void
broken(struct hcli *c, const char *why, int e)
{
	if (c->reused && !c->retried && !hcli_resp_begun(&c->r)) {
		drop(c);
		c->retried = 1;
		answer_reset(c);
		if (conn(c) == 0)
			return;
		return;	/* conn failed: state FAILED */
	}
	fail(c, why, e);
}

void
hcli_event(struct hcli *c, short revents)
{
	char buf[64 * 1024];
	struct iovec iov[2];
	ssize_t r;
	size_t hl, used;
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
			if (hcli_resp_eof(&c->r) == HCLI_R_WHOLE) {
				done(c);
				drop(c);
			} else
				broken(c, "connection closed before the whole "
				    "answer", 0);
			return;
		}
		/* what follows the answer is not read: none is pipelined */
		switch (hcli_resp_feed(&c->r, buf, (size_t)r, &used)) {
		case HCLI_R_BAD:
			fail(c, "not an HTTP/1.1 answer", 0);
			return;
		case HCLI_R_WHOLE:
			done(c);
			return;
		}
	}
}

/* dash: omph-collect's web face over lib/http (lib/dash.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dash.h"
#include "prom.h"
#include "web.h"

#define JSON_TYPE "application/json; charset=utf-8"
#define TEXT_TYPE "text/plain; charset=utf-8"

struct dash {
	struct http_srv *h;
	char *json, *metrics;		/* the latest, or NULL */
	size_t jlen, mlen;
	struct out *jout, *mout;	/* dash_json, dash_metrics */
	int lfd;			/* dash_open's socket, or -1 */
};

struct dash *
dash_new(int lfd, const struct http_lim *lim, const struct net_cidr *allow,
    size_t nallow)
{
	struct dash *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->lfd = -1;
	if ((d->jout = malloc(sizeof(*d->jout))) == NULL ||
	    (d->mout = malloc(sizeof(*d->mout))) == NULL ||
	    (d->h = http_new(lfd, lim, allow, nallow)) == NULL) {
		free(d->jout);
		free(d->mout);
		free(d);
		return NULL;
	}
	out_init_mem(d->jout);
	out_init_mem(d->mout);
	return d;
}

struct dash *
dash_open(const struct net_addr *addr, const struct http_lim *lim,
    const struct net_cidr *allow, size_t nallow, char *err, size_t errlen)
{
	struct dash *d;
	int fd, e;

	if ((fd = net_listen(addr, 0, err, errlen)) == -1)
		return NULL;
	if ((d = dash_new(fd, lim, allow, nallow)) == NULL) {
		e = errno;
		snprintf(err, errlen, "%s", strerror(e));
		close(fd);
		errno = e;
		return NULL;
	}
	d->lfd = fd;
	return d;
}

void
dash_free(struct dash *d)
{
	if (d == NULL)
		return;
	http_free(d->h);
	if (d->lfd >= 0)
		close(d->lfd);
	out_free(d->jout);
	out_free(d->mout);
	free(d->jout);
	free(d->mout);
	free(d->json);
	free(d->metrics);
	free(d);
}

struct out *
dash_json(struct dash *d)
{
	return d->jout;
}

struct out *
dash_metrics(struct dash *d)
{
	return d->mout;
}

int
dash_publish(struct dash *d, struct out *json)
{
	int rv = 0;

	if (out_flush(json) == -1 || out_flush(d->mout) == -1 ||
	    dash_update(d, json->mem, json->memlen > 0 ? json->memlen - 1 : 0,
	    d->mout->mem, d->mout->memlen) == -1)
		rv = -1;
	out_mem_reset(d->jout);
	out_mem_reset(d->mout);
	return rv;
}

/* a copy of n bytes at p in *dst (*dlen), the old one freed; -1 ENOMEM */
static int
keep(char **dst, size_t *dlen, const char *p, size_t n)
{
	char *c;

	if ((c = malloc(n ? n : 1)) == NULL)
		return -1;
	memcpy(c, p, n);
	free(*dst);
	*dst = c;
	*dlen = n;
	return 0;
}

int
dash_update(struct dash *d, const char *json, size_t jlen,
    const char *metrics, size_t mlen)
{
	if (keep(&d->json, &d->jlen, json, jlen) == -1 ||
	    keep(&d->metrics, &d->mlen, metrics, mlen) == -1)
		return -1;
	http_sse_send(d->h, d->json, d->jlen);
	return 0;
}

/* the target's path is exactly s */
static int
is(const struct http_req *r, const char *s)
{
	size_t n = strlen(s);

	return r->pathlen == n && memcmp(r->path, s, n) == 0;
}

/* p (n bytes) as a type, or 503 before the first snapshot */
static void
latest(struct dash *d, const struct http_req *r, const char *type,
    const char *p, size_t n)
{
	if (p == NULL)
		http_reply(d->h, r, 503, TEXT_TYPE, "no snapshot yet\n", 16,
		    "Retry-After: 1\r\n");
	else
		http_reply(d->h, r, 200, type, p, n, NULL);
}

static void
answer(struct dash *d, const struct http_req *r)
{
	const struct web_file *f;

	if (is(r, "/api/snapshot"))
		latest(d, r, JSON_TYPE, d->json, d->jlen);
	else if (is(r, "/api/stream"))
		http_sse_first(d->h, r, d->json, d->jlen);
	else if (is(r, "/metrics"))
		latest(d, r, PROM_TYPE, d->metrics, d->mlen);
	else if ((f = web_find(r->path, r->pathlen)) != NULL)
		http_reply(d->h, r, 200, f->type, f->data, f->len, NULL);
	else
		http_reply(d->h, r, 404, TEXT_TYPE, "not found\n", 10, NULL);
}

size_t
dash_npoll(const struct dash *d)
{
	return http_npoll(d->h);
}

size_t
dash_fill(struct dash *d, struct pollfd *pfd)
{
	return http_fill(d->h, pfd);
}

void
dash_events(struct dash *d, const struct pollfd *pfd, size_t n, double now)
{
	struct http_req r;

	http_events(d->h, pfd, n, now);
	while (http_next(d->h, &r) == 1)
		answer(d, &r);
}

int
dash_timeout(const struct dash *d, double now)
{
	return http_timeout(d->h, now);
}

void
dash_stats(const struct dash *d, struct http_stats *st)
{
	http_stats(d->h, st);
}

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dash.h"
#include "prom.h"
#include "web.h"

#define JSON_TYPE "application/json; charset=utf-8"
#define TEXT_TYPE "text/plain; charset=utf-8"

struct dash {
	struct http_srv *h;
	char *json, *metrics;		/* the latest, or NULL */
	size_t jlen, mlen;
};

struct dash *
dash_new(int lfd, const struct http_lim *lim, const struct net_cidr *allow,
    size_t nallow)
{
	struct dash *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if ((d->h = http_new(lfd, lim, allow, nallow)) == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

void
dash_free(struct dash *d)
{
	if (d == NULL)
		return;
	http_free(d->h);
	free(d->json);
	free(d->metrics);
	free(d);
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

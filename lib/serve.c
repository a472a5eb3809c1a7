#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve.h"

static void
drop(struct serve *s, int i)
{
	close(s->vw[i].fd);
	free(s->vw[i].buf);
	s->vw[i] = s->vw[--s->n];
}

/* queue n bytes for viewer v; 0, or -1 when it fell too far behind */
static int
put(struct serve_vw *v, const char *p, size_t n)
{
	char *b;

	if (v->off > 0 && v->off == v->len)
		v->off = v->len = 0;
	if (v->len + n > SERVE_BEHIND)
		return -1;
	if ((b = realloc(v->buf, v->len + n ? v->len + n : 1)) == NULL)
		return -1;
	v->buf = b;
	memcpy(v->buf + v->len, p, n);
	v->len += n;
	return 0;
}

/* write what viewer v waits for; -1 when it is gone */
static int
flush(struct serve_vw *v)
{
	ssize_t w;

	while (v->off < v->len) {
		w = write(v->fd, v->buf + v->off, v->len - v->off);
		if (w == -1)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		v->off += (size_t)w;
	}
	return 0;
}

int
serve_add(struct serve *s, int fd)
{
	if (s->n == SERVE_MAX)
		return -1;
	memset(&s->vw[s->n], 0, sizeof(s->vw[0]));
	s->vw[s->n].fd = fd;
	/* the latest at once: a viewer has something to show */
	if (s->last != NULL && put(&s->vw[s->n], s->last, s->lastlen) == -1) {
		free(s->vw[s->n].buf);
		return -1;
	}
	s->n++;
	return 0;
}

void
serve_send(struct serve *s, const char *p, size_t n)
{
	char *c;
	int i;

	for (i = 0; i < s->n; i++)
		if (put(&s->vw[i], p, n) == -1 || flush(&s->vw[i]) == -1)
			drop(s, i--);
	if ((c = realloc(s->last, n ? n : 1)) != NULL) {
		s->last = c;
		memcpy(s->last, p, n);
		s->lastlen = n;
	}
}

int
serve_fill(const struct serve *s, struct pollfd *pfd)
{
	int i;

	for (i = 0; i < s->n; i++) {
		pfd[i].fd = s->vw[i].fd;
		pfd[i].events = POLLIN | (s->vw[i].off < s->vw[i].len ?
		    POLLOUT : 0);
	}
	return s->n;
}

void
serve_events(struct serve *s, const struct pollfd *pfd, int n)
{
	char junk[512];
	int i;

	/* from the end: a drop moves the last viewer into the hole */
	for (i = n - 1; i >= 0; i--)
		if (pfd[i].revents & (POLLERR | POLLHUP) ||
		    ((pfd[i].revents & POLLIN) &&
		    read(s->vw[i].fd, junk, sizeof(junk)) <= 0) ||
		    ((pfd[i].revents & POLLOUT) && flush(&s->vw[i]) == -1))
			drop(s, i);
}

void
serve_close(struct serve *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		flush(&s->vw[i]);
	while (s->n > 0)
		drop(s, s->n - 1);
	free(s->last);
	s->last = NULL;
}

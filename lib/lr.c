#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lr.h"

int
lr_init(struct lr *r, int fd, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->max = max ? max : 1;
	/* room for a whole max-byte line, its LF, a read block and a sentinel */
	r->cap = r->max + 1 + LR_BLOCK + 1;
	if ((r->buf = malloc(r->cap)) == NULL)
		return -1;
	return 0;
}

void
lr_reset(struct lr *r, int fd)
{
	r->fd = fd;
	r->eof = r->skipping = r->ranged = 0;
	r->start = r->end = r->scan = 0;
	r->lineno = r->offset = 0;
}

void
lr_range(struct lr *r, uint64_t off, uint64_t limit)
{
	lr_reset(r, r->fd);
	r->ranged = 1;
	r->pos = off;
	r->limit = limit;
}

void
lr_free(struct lr *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	r->buf = NULL;
}

ssize_t
lr_fill(struct lr *r)
{
	ssize_t n;
	size_t room;

	/*
	 * What is left (a line's start) goes to the front when it is short or
	 * when room runs out, so that the bytes read stay in the buffer's
	 * first blocks: in the cache, and the rest of it never touched
	 */
	if (r->start > 0 && (r->end - r->start <= LR_BLOCK / 4 ||
	    r->cap - 1 - r->end < LR_BLOCK)) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->scan -= r->start;
		r->start = 0;
	}
	room = r->cap - 1 - r->end;
	if (room == 0) {
		errno = ENOBUFS;	/* cannot happen: lr_next cuts at max */
		return -1;
	}
	if (r->ranged) {
		/* a block at a time: a range may end soon after its start */
		if (room > LR_BLOCK)
			room = LR_BLOCK;
		if (room > r->limit - r->pos)
			room = (size_t)(r->limit - r->pos);
		n = 0;
		if (room > 0)
			do
				n = pread(r->fd, r->buf + r->end, room, (off_t)r->pos);
			while (n == -1 && errno == EINTR);
		if (n > 0)
			r->pos += (uint64_t)n;
	} else {
		if (room > LR_BLOCK)
			room = LR_BLOCK;
		do
			n = read(r->fd, r->buf + r->end, room);
		while (n == -1 && errno == EINTR);
	}
	if (n == 0)
		r->eof = 1;
	if (n > 0)
		r->end += (size_t)n;
	return n;
}

static void
take(struct lr *r, struct lr_line *l, size_t len, size_t consumed, int flags)
{
	l->p = r->buf + r->start;
	l->len = len;
	l->flags = flags;
	l->off = r->offset;
	r->start += consumed;
	r->offset += consumed;
	r->scan = r->start;
	r->lineno++;
}

int
lr_next(struct lr *r, struct lr_line *l)
{
	char *nl;
	size_t avail;

	for (;;) {
		avail = r->end - r->start;
		nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
		if (r->skipping) {
			if (nl == NULL) {
				r->offset += avail;
				r->start = r->scan = r->end;
				return 0;
			}
			r->offset += (size_t)(nl + 1 - (r->buf + r->start));
			r->start = r->scan = (size_t)(nl + 1 - r->buf);
			r->skipping = 0;
			continue;
		}
		if (nl != NULL && (size_t)(nl - (r->buf + r->start)) <= r->max) {
			take(r, l, (size_t)(nl - (r->buf + r->start)),
			    (size_t)(nl - (r->buf + r->start)) + 1, 0);
			return 1;
		}
		if (avail > r->max) {
			/* too long: hand out the first max bytes, skip the rest */
			if (nl != NULL) {
				take(r, l, r->max,
				    (size_t)(nl - (r->buf + r->start)) + 1, LR_CUT);
			} else {
				take(r, l, r->max, avail, LR_CUT);
				r->skipping = 1;
			}
			return 1;
		}
		r->scan = r->end;
		if (r->eof && avail > 0) {
			take(r, l, avail, avail, LR_NOEOL);
			return 1;
		}
		return 0;
	}
}

int
lr_ready(const struct lr *r)
{
	struct pollfd pfd;

	if (r->eof)
		return 1;
	pfd.fd = r->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, 0) != 0;
}

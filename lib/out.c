#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "out.h"

void
out_stdfds(void)
{
	int fd;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY) == -1)
			break;
}

void
out_init_mem(struct out *o)
{
	o->fd = OUT_MEM;
	o->err = 0;
	o->len = 0;
	o->b = o->buf;
	o->cap = sizeof(o->buf);
	o->written = 0;
	o->mem = NULL;
	o->memlen = o->memcap = 0;
}

static int grow(char **p, size_t *cap, size_t len, size_t n);

/*
 * A memory out with nothing waiting: b at mem + memlen when mem has room
 * for a buffer's worth (grown for it), else buf (the next flush copies).
 */
static void
mem_at(struct out *o)
{
	if (o->memcap - o->memlen < sizeof(o->buf) &&
	    grow(&o->mem, &o->memcap, o->memlen, sizeof(o->buf)) == -1) {
		o->b = o->buf;
		o->cap = sizeof(o->buf);
		return;
	}
	o->b = o->mem + o->memlen;
	o->cap = o->memcap - o->memlen;
}

/*
 * A memory out's memory cut to its first n <= memlen bytes; what waits
 * to be flushed, when it waits in mem, moved to go on from there
 */
static void
mem_cut(struct out *o, size_t n)
{
	if (o->b != o->buf) {
		memmove(o->mem + n, o->b, o->len);
		o->b = o->mem + n;
		o->cap = o->memcap - n;
	}
	o->memlen = n;
}

void
out_mem_reset(struct out *o)
{
	mem_cut(o, 0);
}

void
out_init(struct out *o, int fd)
{
	out_init_mem(o);
	o->fd = fd;
	/* a pipe as large as one buffer: fewer switches between the stages */
	(void)fcntl(fd, F_SETPIPE_SZ, OUT_BUFSZ);
}

size_t
out_pipe_size(const struct out *o)
{
	int n = o->fd >= 0 ? fcntl(o->fd, F_GETPIPE_SZ) : -1;

	return n > 0 ? (size_t)n : 0;
}

void
out_free(struct out *o)
{
	if (o == NULL)
		return;
	free(o->mem);
	o->mem = NULL;
	o->memlen = o->memcap = 0;
	o->b = o->buf;
	o->cap = sizeof(o->buf);
	o->len = 0;
}

/*
 * *p of *cap bytes, len of them used, grown for n more (out_buf's rule);
 * 0, or -1 (ENOMEM) with *p and *cap as they were.
 */
static int
grow(char **p, size_t *cap, size_t len, size_t n)
{
	size_t c;
	char *q;

	if (n > SIZE_MAX - len)
		return -1;
	c = *cap > SIZE_MAX / 2 ? SIZE_MAX : *cap * 2;
	if (c < OUT_BUF_MIN)
		c = OUT_BUF_MIN;
	if (c < len + n)
		c = len + n;
	if ((q = realloc(*p, c)) == NULL)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

int
out_buf_grow(struct out_buf *b, size_t n)
{
	if (grow(&b->p, &b->cap, b->len, n) == -1) {
		b->err = ENOMEM;
		return -1;
	}
	return 0;
}

int
out_grow(void *pp, size_t *cap, size_t need, size_t size, size_t first)
{
	void **p = pp, *q;
	size_t c;

	if (need <= *cap)
		return 0;
	for (c = *cap ? *cap : first; c < need; c = c > SIZE_MAX / 2 ?
	    need : c * 2)
		;
	if (size != 0 && c > SIZE_MAX / size) {
		errno = ENOMEM;
		return -1;
	}
	if ((q = realloc(*p, c * size)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	*p = q;
	*cap = c;
	return 0;
}

void
out_buf_free(struct out_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static int
write_all(struct out *o, const char *p, size_t n)
{
	ssize_t w;

	if (o->fd == OUT_MEM) {
		/* from buf, or (nothing waiting) from the caller */
		if (o->memcap - o->memlen < n &&
		    grow(&o->mem, &o->memcap, o->memlen, n) == -1) {
			o->err = ENOMEM;
			return -1;
		}
		memcpy(o->mem + o->memlen, p, n);
		o->memlen += n;
		o->written += n;
		return 0;
	}
	while (n > 0) {
		w = write(o->fd, p, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			o->err = errno;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		o->written += (uint64_t)w;
	}
	return 0;
}

int
out_flush(struct out *o)
{
	int rv;

	if (o->err)
		return -1;
	if (o->fd == OUT_MEM) {
		if (o->b != o->buf) {
			o->memlen += o->len;	/* there already */
			o->written += o->len;
			rv = 0;
		} else
			rv = o->len > 0 ? write_all(o, o->buf, o->len) : 0;
		o->len = 0;
		if (rv == 0)
			mem_at(o);
		return rv;
	}
	if (o->len == 0)
		return 0;
	rv = write_all(o, o->buf, o->len);
	o->len = 0;
	return rv;
}

int
out_write_direct(struct out *o, const void *p, size_t n)
{
	if (out_flush(o) == -1 || write_all(o, p, n) == -1)
		return -1;
	if (o->fd == OUT_MEM)
		mem_at(o);
	return 0;
}

int
out_write_slow(struct out *o, const void *p, size_t n)
{
	if (out_flush(o) == -1)
		return -1;
	if (n >= o->cap)
		return out_write_direct(o, p, n);
	memcpy(o->b, p, n);
	o->len = n;
	return 0;
}

int
out_cut(struct out *o, uint64_t keep, long long *at)
{
	struct stat st;
	off_t end, to;
	uint64_t back;

	if (keep > o->written) {
		errno = EINVAL;
		return -1;
	}
	back = o->written - keep;
	if (o->fd == OUT_MEM) {
		mem_cut(o, o->memlen - (back < o->memlen ? back : o->memlen));
		o->written = keep;
		*at = (long long)o->memlen;
		return 0;
	}
	if (fstat(o->fd, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = ESPIPE;
		return -1;
	}
	if ((end = lseek(o->fd, 0, SEEK_CUR)) == -1)
		return -1;
	if (end != st.st_size || (uint64_t)end < back) {
		errno = EBUSY;
		return -1;
	}
	to = end - (off_t)back;
	if (back > 0 && (ftruncate(o->fd, to) == -1 ||
	    lseek(o->fd, to, SEEK_SET) == -1))
		return -1;
	o->written = keep;
	*at = (long long)to;
	return 0;
}

/* fsync the directory of file, so that a rename in it lasts */
static int
sync_dir(const char *file)
{
	char *dir, *slash;
	int fd, rv;

	if ((dir = strdup(file)) == NULL)
		return -1;
	if ((slash = strrchr(dir, '/')) == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	fd = open(slash != NULL ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd == -1)
		return -1;
	rv = fsync(fd);
	close(fd);
	return rv;
}

int
out_save_file(const char *file, const void *p, size_t n, int mode)
{
	const char *s = p;
	char *tmp;
	size_t off = 0;
	ssize_t w;
	int fd, saved;

	if (asprintf(&tmp, "%s.tmp", file) == -1)
		return -1;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) == -1)
		goto fail;
	while (off < n) {
		if ((w = write(fd, s + off, n - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, file) == -1)
		goto fail;
	free(tmp);
	return sync_dir(file);
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	errno = saved;
	return -1;
}


int
out_load_file(const char *file, size_t max, char **bufp, size_t *lenp)
{
	struct stat st;
	char *buf = NULL, *nb;
	size_t cap, len = 0;
	ssize_t n;
	int fd, saved;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	/* the size as it is now, and room to see it grew and for the NUL */
	cap = (uint64_t)st.st_size < max ? (size_t)st.st_size + 2 : max + 2;
	if ((buf = malloc(cap)) == NULL)
		goto fail;
	for (;;) {
		if (len + 1 == cap) {
			if (len > max)
				break;
			if ((nb = realloc(buf, cap * 2)) == NULL)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		if ((n = read(fd, buf + len, cap - 1 - len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		errno = EFBIG;
		goto fail;
	}
	close(fd);
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return -1;
}

const char *
out_load_error(int e)
{
	switch (e) {
	case EINVAL:
		return "not a regular file";
	case EFBIG:
		return "too large";
	case ENOMEM:
		return "out of memory";
	default:
		return strerror(e);
	}
}

#include <errno.h>
#include <fcntl.h>
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
out_init(struct out *o, int fd)
{
	/* a pipe as large as one buffer: fewer switches between the stages */
	(void)fcntl(fd, F_SETPIPE_SZ, OUT_BUFSZ);
	o->fd = fd;
	o->err = 0;
	o->len = 0;
	o->written = 0;
}

static int
write_all(struct out *o, const char *p, size_t n)
{
	ssize_t w;

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
	if (o->len == 0)
		return 0;
	rv = write_all(o, o->buf, o->len);
	o->len = 0;
	return rv;
}

int
out_write_slow(struct out *o, const void *p, size_t n)
{
	if (out_flush(o) == -1)
		return -1;
	if (n >= sizeof(o->buf))
		return write_all(o, p, n);
	memcpy(o->buf, p, n);
	o->len = n;
	return 0;
}

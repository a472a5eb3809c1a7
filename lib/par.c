#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "par.h"

/*
 * Write the n bytes at p to fd; the bytes written in *done, -1 with errno
 * at the first failure
 */
static int
write_some(int fd, const char *p, size_t n, uint64_t *done)
{
	ssize_t k;

	*done = 0;
	while (n > 0) {
		if ((k = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
		*done += (uint64_t)k;
	}
	return 0;
}

static int
write_all(int fd, const void *p, size_t n)
{
	uint64_t done;

	return write_some(fd, p, n, &done);
}

/* read n bytes; -1 with errno (EIO: the writer ended first) */
static int
read_all(int fd, void *p, size_t n)
{
	char *d = p;
	ssize_t k;

	while (n > 0) {
		if ((k = read(fd, d, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (k == 0) {
			errno = EIO;
			return -1;
		}
		d += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * The offset of the first line that starts in [lo, hi): just after the
 * first LF at lo - 1 or later, or lo itself at 0; hi when none starts there.
 */
static int
line_start(int fd, uint64_t lo, uint64_t hi, uint64_t *start)
{
	char buf[65536], *nl;
	uint64_t at = lo - 1;
	ssize_t k;
	size_t want, step = 4096;	/* most lines end within it */

	if (lo == 0) {
		*start = 0;
		return 0;
	}
	while (at + 1 < hi) {
		want = hi - 1 - at < step ? (size_t)(hi - 1 - at) : step;
		if (step < sizeof(buf))
			step *= 2;
		if ((k = pread(fd, buf, want, (off_t)at)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (k == 0)
			break;
		if ((nl = memchr(buf, '\n', (size_t)k)) != NULL) {
			*start = at + (uint64_t)(nl - buf) + 1;
			return 0;
		}
		at += (uint64_t)k;
	}
	*start = hi;
	return 0;
}

/*
 * A worker: its chunks' frames to wfd.  With ofd >= 0 (the output's
 * descriptor) a frame says only how long the data is; the worker then
 * waits for its turn (a byte on gofd), writes the data to ofd itself and
 * answers with what it wrote and the errno of a failure (0 for none).
 * The parent closing gofd instead ends the worker.
 */
static _Noreturn void
worker(int fd, uint64_t size, int n, size_t chunk, size_t max,
    const struct par_cb *cb, int k, int wfd, int ofd, int gofd)
{
	uint64_t res[2];
	char go;
	struct out *data, *meta;
	struct lr r;
	struct lr_line l;
	uint64_t pos = 0, lo, hi, start, j, nch = (size + chunk - 1) / chunk,
	    lines, hdr[2];
	int err;

	if ((data = malloc(sizeof(*data))) == NULL ||
	    (meta = malloc(sizeof(*meta))) == NULL || lr_init(&r, fd, max) == -1)
		_exit(1);
	out_init_mem(data);
	out_init_mem(meta);
	for (j = (uint64_t)k; j < nch; j += (uint64_t)n) {
		lo = j * chunk;
		hi = lo + chunk < size ? lo + chunk : size;
		err = 0;
		if (line_start(fd, lo, hi, &start) == -1) {
			err = errno;
			start = hi;
		}
		if (cb->gap != NULL && pos < start) {
			lr_range(&r, pos, start);
			for (;;) {
				while (lr_next(&r, &l) == 1)
					cb->gap(cb->arg, &l);
				if (r.eof || lr_fill(&r) == -1)
					break;
			}
		}
		cb->begin(cb->arg, data);
		lines = 0;
		if (start < hi && err == 0) {
			lr_range(&r, start, size);
			pos = start;
			for (;;) {
				while (lr_next(&r, &l) == 1) {
					if (start + l.off >= hi)
						goto done;
					pos = start + r.offset;
					lines++;
					if (cb->line(cb->arg, &l, lines) != 0)
						goto done;
				}
				if (r.eof)
					break;
				if (lr_fill(&r) == -1) {
					err = errno;
					break;
				}
			}
		}
done:
		cb->end(cb->arg, meta, lines, err);
		/* data's bytes went straight into its memory: a flush counts them */
		if (out_flush(data) == -1 || out_flush(meta) == -1)
			_exit(1);
		hdr[0] = meta->memlen;
		hdr[1] = data->memlen;
		if (write_all(wfd, hdr, sizeof(hdr)) == -1 ||
		    write_all(wfd, meta->mem, meta->memlen) == -1)
			_exit(1);
		if (ofd < 0) {
			if (write_all(wfd, data->mem, data->memlen) == -1)
				_exit(1);
		} else {
			if (read_all(gofd, &go, 1) == -1)
				_exit(errno == EIO ? 0 : 1);
			res[1] = write_some(ofd, data->mem, data->memlen,
			    &res[0]) == -1 ? (uint64_t)errno : 0;
			if (write_all(wfd, res, sizeof(res)) == -1)
				_exit(1);
		}
		out_mem_reset(meta);
		out_mem_reset(data);
	}
	_exit(0);
}

/* copy n bytes of the pipe rfd to out's descriptor */
static int
copy_data(int rfd, struct out *out, uint64_t n)
{
	char buf[65536];
	ssize_t k;
	int can_splice = out->fd >= 0;

	while (n > 0) {
		if (can_splice) {
			k = splice(rfd, NULL, out->fd, NULL, n < (1 << 20) ? (size_t)n :
			    (1 << 20), SPLICE_F_MORE);
			if (k == -1 && errno == EINTR)
				continue;
			if (k == -1 && (errno == EINVAL || errno == ENOSYS)) {
				can_splice = 0;
				continue;
			}
			if (k == -1) {
				out->err = errno;
				return -1;
			}
			if (k == 0) {
				errno = EIO;
				return -1;
			}
		} else {
			if (read_all(rfd, buf, n < sizeof(buf) ? (size_t)n :
			    sizeof(buf)) == -1)
				return -1;
			k = n < sizeof(buf) ? (ssize_t)n : (ssize_t)sizeof(buf);
			if (out_write(out, buf, (size_t)k) == -1 || out_flush(out) == -1)
				return -1;
			n -= (uint64_t)k;
			continue;
		}
		out->written += (uint64_t)k;
		n -= (uint64_t)k;
	}
	return 0;
}

int
par_run(int fd, uint64_t size, int n, size_t chunk, size_t max,
    const struct par_cb *cb, struct out *out)
{
	pid_t pid[PAR_MAXN];
	int rfd[PAR_MAXN], gfd[PAR_MAXN], p[2], g[2], i, k, rv = 0, act, e = 0;
	int ofd = out->fd >= 0 ? out->fd : -1;
	uint64_t j, nch, hdr[2], res[2];
	char *meta = NULL, *m;
	size_t mcap = 0;

	if (n < 2 || n > PAR_MAXN || chunk == 0) {
		errno = EINVAL;
		return -1;
	}
	if (out_flush(out) == -1)
		return -1;
	nch = (size + chunk - 1) / chunk;
	for (k = 0; k < n; k++) {
		if (pipe(p) == -1) {
			e = errno;
			break;
		}
		if (pipe(g) == -1) {
			e = errno;
			close(p[0]);
			close(p[1]);
			break;
		}
		if (ofd < 0)
			(void)fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
		if ((pid[k] = fork()) == -1) {
			e = errno;
			close(p[0]);
			close(p[1]);
			close(g[0]);
			close(g[1]);
			break;
		}
		if (pid[k] == 0) {
			close(p[0]);
			close(g[1]);
			for (i = 0; i < k; i++) {
				close(rfd[i]);
				close(gfd[i]);
			}
			worker(fd, size, n, chunk, max, cb, k, p[1], ofd, g[0]);
		}
		close(p[1]);
		close(g[0]);
		rfd[k] = p[0];
		gfd[k] = g[1];
	}
	if (k < n) {
		rv = -1;
		goto out;
	}
	for (j = 0; j < nch; j++) {
		i = (int)(j % (uint64_t)n);
		if (read_all(rfd[i], hdr, sizeof(hdr)) == -1) {
			e = errno;
			rv = -1;
			break;
		}
		if (hdr[0] + 1 > mcap) {
			if ((m = realloc(meta, hdr[0] + 1)) == NULL) {
				e = errno;
				rv = -1;
				break;
			}
			meta = m;
			mcap = hdr[0] + 1;
		}
		if (read_all(rfd[i], meta, hdr[0]) == -1) {
			e = errno;
			rv = -1;
			break;
		}
		if ((act = cb->merge(cb->arg, meta, hdr[0])) == PAR_STOP) {
			rv = 1;
			break;
		}
		if (out_flush(out) == -1) {
			e = out->err;
			rv = -1;
			break;
		}
		if (ofd >= 0) {
			/* the worker's turn to write its data */
			if (write_all(gfd[i], "w", 1) == -1 ||
			    read_all(rfd[i], res, sizeof(res)) == -1) {
				e = errno == EPIPE ? EIO : errno;
				rv = -1;
				break;
			}
			out->written += res[0];
			if (res[1] != 0) {
				e = out->err = (int)res[1];
				rv = -1;
				break;
			}
		} else if (copy_data(rfd[i], out, hdr[1]) == -1) {
			e = out->err ? out->err : errno;
			rv = -1;
			break;
		}
		if (act == PAR_LAST) {
			rv = 1;
			break;
		}
	}
out:
	for (i = 0; i < k; i++) {
		close(rfd[i]);
		close(gfd[i]);
		if (rv != 0)
			kill(pid[i], SIGTERM);
	}
	for (i = 0; i < k; i++)
		while (waitpid(pid[i], NULL, 0) == -1 && errno == EINTR)
			;
	free(meta);
	if (rv == -1)
		errno = e;
	return rv;
}

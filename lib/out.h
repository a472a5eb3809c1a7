/*
 * out: a buffered writer over a file descriptor.
 *
 * Output is gathered in one large buffer and written with write(2) when the
 * buffer fills or when the caller asks (out_flush).  Callers flush whenever
 * their input has nothing more ready, so a burst leaves in large writes and a
 * single line reaches the next stage at once.  Nothing here prints or exits:
 * a failed write sets o->err (an errno value) and every later call is a no-op
 * returning -1, so a caller may check once, at flush time.
 *
 * out_buf: a growable byte buffer in memory, for what is built whole
 * before it is written, sent or kept (a request's body, a checkpoint, text
 * for the terminal, a snapshot's arena).  The rules, case by case:
 *  - p[0..len) are the bytes, cap bytes allocated; p is NULL while cap is
 *    0, so a zeroed struct is an empty buffer.  len is the caller's to set
 *    within [0, cap] (len = 0 empties the buffer and keeps its memory).
 *  - growth: out_buf_reserve makes room for n more bytes, at least doubling
 *    cap (OUT_BUF_MIN at first) or, when more is asked, exactly len + n;
 *    so a first reserve of n gets n, and appending costs O(1) amortized.
 *    p may move at any reserve: keep offsets, never pointers, across one.
 *  - memory: a reserve that cannot grow (realloc failed, or len + n does
 *    not fit a size_t) returns -1 and sets err to ENOMEM, the buffer left
 *    as it was.  err then sticks until the caller clears it, but does not
 *    stop later reserves from trying: a caller that wants the rest dropped
 *    once one failed (lib/ckpt) checks err before each.
 *  - out_buf_free frees p and leaves an empty buffer (err cleared).
 */
#ifndef OUT_H
#define OUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define OUT_BUFSZ (256 * 1024)

struct out {
	int fd;			/* OUT_MEM: flushes append to mem */
	int err;		/* errno of the first failed write, or 0 */
	size_t len;		/* bytes waiting at b */
	size_t cap;		/* room at b: OUT_BUFSZ or more */
	char *b;		/* buf; OUT_MEM: mem + memlen once mem has
				   room, so that bytes are never copied */
	uint64_t written;	/* bytes whose write(2) completed */
	char *mem;		/* OUT_MEM: what was flushed, memlen bytes */
	size_t memlen, memcap;
	char buf[OUT_BUFSZ];
};

#define OUT_MEM (-2)

#define OUT_BUF_MIN 256

struct out_buf {
	char *p;
	size_t len, cap;
	int err;		/* ENOMEM once a reserve failed, until cleared */
};

/* Slow path of out_buf_reserve: grows b; 0, or -1 with b->err ENOMEM. */
int out_buf_grow(struct out_buf *b, size_t n);
/* Free what b holds: b is then empty, its err 0. */
void out_buf_free(struct out_buf *b);
/*
 * An array of structs, not bytes: *pp holds *cap elements of size bytes;
 * make room for need of them, *cap doubled (from first when 0) until it
 * does.  0, or -1 with errno ENOMEM (also when the bytes would not fit a
 * size_t), *pp and *cap as they were.
 */
int out_grow(void *pp, size_t *cap, size_t need, size_t size, size_t first);

/* Set up o to write to fd (a pipe is grown to OUT_BUFSZ when allowed).
 * o is caller-owned (it is large: allocate it). */
void out_init(struct out *o, int fd);
/* The bytes o's pipe holds (F_GETPIPE_SZ), 0 when o writes elsewhere. */
size_t out_pipe_size(const struct out *o);
/*
 * Make sure descriptors 0, 1 and 2 are open, so that no file opened later
 * takes their number and gets what was meant for them.  A closed one is
 * opened on /dev/null the wrong way round (stdin for writing, stdout and
 * stderr for reading), so using it still fails, with EBADF.
 */
void out_stdfds(void);
/*
 * Set up o to gather what is written in memory: after out_flush, o->mem
 * holds o->memlen bytes (out_mem_reset starts over).  Once mem has room,
 * writes go straight into it at memlen, and a flush only counts them.
 * ENOMEM is a write error like any other.
 */
void out_init_mem(struct out *o);
/* A memory out: drop what mem holds (not what waits to be flushed). */
void out_mem_reset(struct out *o);
/* Free what o holds (a memory out's bytes); o may be NULL. */
void out_free(struct out *o);
/* Write everything buffered.  Returns 0, or -1 with o->err set (EPIPE...). */
int out_flush(struct out *o);
/*
 * After a failed write: take back what was written past keep, a value of
 * o->written the caller knows to end a whole record (a line), so that the
 * output does not end with part of one.  Only a regular file that ends
 * where our last write did (nobody wrote past us) can be cut: it is
 * truncated there.  Returns 0 with the offset the file now ends at in *at,
 * also when nothing was past keep; -1 when it cannot be cut, with errno
 * (ESPIPE: not a regular file; EBUSY: the file goes on past our writes).
 */
int out_cut(struct out *o, uint64_t keep, long long *at);
/*
 * Write the n bytes at p to file atomically: into FILE.tmp (created with
 * mode), fsynced, renamed over file, the directory fsynced.  A failure
 * before the rename leaves file as it was and removes FILE.tmp; a failure
 * of the directory's fsync comes after the rename (the file is new, but
 * may not survive a power cut).  -1 with errno.
 */
int out_save_file(const char *file, const void *p, size_t n, int mode);
/*
 * Read all of the regular file file, at most max bytes, into *buf
 * (malloc'd, the caller frees it; a NUL after its *len bytes).  -1 with
 * errno: ENOENT and the like from open(2), EINVAL for a file that is not
 * a regular one, EFBIG for one longer than max, ENOMEM, or a read error.
 * out_load_error says such an errno in words, for an error buffer.
 */
int out_load_file(const char *file, size_t max, char **buf, size_t *len);
const char *out_load_error(int e);
/* Slow path of out_write: flushes as needed; n may exceed the buffer. */
int out_write_slow(struct out *o, const void *p, size_t n);
/*
 * What is buffered, then the n bytes at p written from where they are (no
 * copy into the buffer): 0 once all of them are written, -1 with o->err.
 */
int out_write_direct(struct out *o, const void *p, size_t n);

/* Make room for at least n bytes (n <= OUT_BUFSZ) and return where to write
 * them; the caller then calls out_commit with what it used.  NULL on error. */
static inline char *
out_reserve(struct out *o, size_t n)
{
	if (o->len + n > o->cap && out_flush(o) == -1)
		return NULL;
	return o->b + o->len;
}

static inline void
out_commit(struct out *o, size_t n)
{
	o->len += n;
}

static inline int
out_write(struct out *o, const void *p, size_t n)
{
	if (o->len + n <= o->cap) {
		memcpy(o->b + o->len, p, n);
		o->len += n;
		return 0;
	}
	return out_write_slow(o, p, n);
}

static inline int
out_putc(struct out *o, char c)
{
	if (o->len < o->cap) {
		o->b[o->len++] = c;
		return 0;
	}
	return out_write_slow(o, &c, 1);
}

static inline int
out_puts(struct out *o, const char *s)
{
	return out_write(o, s, strlen(s));
}

/* Room for n more bytes at p + len: 0, or -1 (err ENOMEM, b unchanged). */
static inline int
out_buf_reserve(struct out_buf *b, size_t n)
{
	return b->cap - b->len >= n ? 0 : out_buf_grow(b, n);
}

/* Append p[0..n) (n may be 0, p then unused): 0, or -1 as out_buf_reserve. */
static inline int
out_buf_add(struct out_buf *b, const void *p, size_t n)
{
	if (out_buf_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

#endif

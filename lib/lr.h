/*
 * lr: a line reader over a file descriptor.
 *
 * Reads in large blocks and hands out lines in place, without copying.  A
 * returned line is valid until the next lr_fill() or lr_next() call; its text
 * excludes the LF, and the byte at p[len] belongs to the reader and may be
 * overwritten by the caller (a sentinel for scans).  A line longer than
 * max bytes is returned cut to max bytes with LR_CUT set, and the rest of it,
 * up to its LF, is skipped and not returned.  At end of input a last line
 * without LF is returned with LR_NOEOL set.  Nothing here prints or exits.
 */
#ifndef LR_H
#define LR_H

#include <stddef.h>
#include <stdint.h>

#define LR_BLOCK (128 * 1024)

#define LR_CUT   0x1	/* line was longer than max: cut (rest skipped) */
#define LR_NOEOL 0x2	/* last line of input, no LF at its end */

struct lr_line {
	char *p;
	size_t len;
	int flags;
	uint64_t off;		/* input offset of its first byte */
};

struct lr {
	int fd;
	int eof;		/* read(2) returned 0 */
	int skipping;		/* discarding the tail of a cut line */
	char *buf;
	size_t cap, start, end;	/* unread bytes are buf[start..end) */
	size_t scan;		/* buf[start..scan) is known to hold no LF */
	size_t max;
	uint64_t lineno;	/* lines returned so far */
	uint64_t offset;	/* input offset of buf[start] */
	int ranged;		/* lr_range: pread from pos up to limit */
	uint64_t pos, limit;
};

/* Set up r over fd with lines cut at max bytes (max >= 1).  -1 on ENOMEM. */
int lr_init(struct lr *r, int fd, size_t max);
/* Start over on another descriptor, keeping the buffer: what was buffered
 * is dropped, line numbers and offsets count from 0 again. */
void lr_reset(struct lr *r, int fd);
/*
 * Read fd (a regular file) from byte off up to byte limit only, with
 * pread(2), leaving the descriptor's offset alone (so that processes that
 * share it may each read a range).  End of input is at limit (or where
 * the file ends, if sooner).  Offsets and line numbers count from 0 at off.
 */
void lr_range(struct lr *r, uint64_t off, uint64_t limit);
/* Free the buffer; r may be NULL or never initialised with a zeroed struct. */
void lr_free(struct lr *r);
/*
 * Read once from the descriptor into the buffer.  Returns the byte count,
 * 0 at end of input (r->eof is then set), -1 on error with errno (EAGAIN for
 * a non-blocking descriptor with nothing ready).
 */
ssize_t lr_fill(struct lr *r);
/*
 * Take the next complete line from the buffer.  Returns 1 and fills *l, or 0
 * when the buffer holds no complete line (call lr_fill; at end of input a
 * final unterminated line is returned first, then 0 for good).
 */
int lr_next(struct lr *r, struct lr_line *l);
/* 1 if a read of r->fd would not block now (data or end of input ready). */
int lr_ready(const struct lr *r);

#endif

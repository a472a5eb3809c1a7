/*
 * par: one regular file read by N worker processes, their output written
 * in input order.
 *
 * The file's first size bytes are cut into chunks of chunk bytes by line:
 * chunk j holds the lines whose first byte is in [j * chunk, (j + 1) *
 * chunk), so a line is never split and a line longer than a chunk leaves
 * the chunks it covers empty.  Worker k (a forked process, k < n) takes
 * chunks k, k + n, k + 2n... in order; for each one it first hands the
 * lines between the end of its previous chunk and the start of this one
 * to gap() (when given: state those lines set, such as W3C directives),
 * then calls begin(), line() for each line of the chunk (lr's lines, line
 * numbers counting from 1 in the chunk), and end(), which fills meta; what
 * end() wrote to meta goes to the parent through a pipe.  The parent takes
 * the chunks in order: merge() gets each meta, then the chunk's data (what
 * line() wrote) goes out.  When the output is a descriptor, the worker
 * writes the data to it itself when the parent gives it its turn, so the
 * records are copied once, as by one process; an in-memory output gets
 * them through the pipe.
 *
 * Rules:
 * - Memory: a worker holds one chunk's output (data and meta), so at most
 *   n chunks' outputs are held at once, besides the pipes.
 * - The callbacks run in the workers (gap, begin, line, end) or in the
 *   parent (merge) on copies of the caller's state made by fork: what a
 *   worker changes is its own.  They may not print: the parent tells.
 * - A worker that fails (ENOMEM, its pipe closed) exits 1; the parent sees
 *   a frame missing and par_run returns -1 with errno EPIPE or EIO.
 * - A worker's failed write of the output (EPIPE, ENOSPC) is the parent's:
 *   out->err is set and out->written counts what the worker wrote.  The
 *   caller's SIGPIPE disposition holds in the workers.
 * - The output's own buffer (out) is flushed before each chunk's data, so
 *   what merge() wrote there comes first.
 * - Returns 0, 1 when merge() asked to stop (after its chunk's data with
 *   PAR_LAST), or -1 with errno (a failed write: out->err set).  Every
 *   worker is waited for before par_run returns (stopped ones with SIGTERM).
 */
#ifndef PAR_H
#define PAR_H

#include <stddef.h>
#include <stdint.h>

#include "lr.h"
#include "out.h"

#define PAR_MAXN 64		/* workers at most */
#define PAR_CHUNK (2 * 1024 * 1024) /* fewer hand-offs; a worker holds one */

enum { PAR_GO = 0, PAR_LAST = 1, PAR_STOP = 2 };

struct par_cb {
	void *arg;
	/* a line before the chunk (NULL: gap lines are not read) */
	void (*gap)(void *arg, struct lr_line *l);
	void (*begin)(void *arg, struct out *data);
	/* nonzero: stop this chunk here */
	int (*line)(void *arg, struct lr_line *l, uint64_t lineno);
	/* lines: lines read in the chunk; err: errno of a failed read or 0 */
	void (*end)(void *arg, struct out *meta, uint64_t lines, int err);
	/* in the parent: PAR_GO, PAR_LAST or PAR_STOP */
	int (*merge)(void *arg, const char *meta, size_t len);
};

/*
 * Read the first size bytes of fd (a regular file) with n workers
 * (2 <= n <= PAR_MAXN), chunk bytes a chunk (>= 1), lines cut at max
 * bytes (lr); data goes to out.
 */
int par_run(int fd, uint64_t size, int n, size_t chunk, size_t max,
    const struct par_cb *cb, struct out *out);

#endif

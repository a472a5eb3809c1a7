/*
 * pj: omph-parse -j, the command's side of lib/par.  A regular file is
 * parsed by par's workers, each one running the caller's line() on its
 * chunks with the records going to memory; what the one process would have
 * said or counted is sent to the parent with each chunk and merged there,
 * so that the output, the messages and the counts are those of one process.
 *
 * Rules, case by case:
 *  - Counts: the caller's tally is zeroed at the start of each chunk in a
 *    worker (the caller counts there as it always does); the parent adds
 *    each chunk's to its own.  tally->rejected is added to before each
 *    PJ_REJECT is told, so it is that reject's number in the whole run.
 *  - Messages: in a worker, the caller records what it would have said
 *    with pj_event (PJ_REJECT a rejected line, its number in the chunk and
 *    why; PJ_TOLD the index of a --fields name it tells of); a failed read
 *    of the chunk is a PJ_READERR with strerror's text, and tally->failed.
 *    The parent gives each to tell(), in input order, the line numbers
 *    counted from the start of the file.  The caller decides what to print
 *    (it records a reject only while the chunk's count allows a report).
 *  - Headers: in a worker, the caller asks pj_header before writing a
 *    header line.  The chunk's first header is not written but sent
 *    (PJ_HDR_FIRST): the parent writes it only when its text differs from
 *    the last header the output holds, and only when headers is set.  A
 *    later one is written by the caller as usual (0); under plain (the
 *    --plain-header rule: one header only), a second header in the output
 *    is PJ_HDR_FATAL: the caller stops the chunk, and pj_run returns
 *    PJ_CHANGED after that chunk's data, or before it when the change is
 *    at its first header.  *written, the caller's "a header line was
 *    written", is read and set in workers and parent alike.
 *  - The last header's text is kept in the struct from file to file (the
 *    caller zeroes the struct once); pj_names gives its names back for what
 *    the caller writes next.
 *  - W3C: with w3c set, the lines between a worker's chunks that are
 *    directives are applied to *w3c (made when NULL) before each chunk, so
 *    that a chunk starts with the directives of the lines before it.
 *  - Rejected lines (keep): a worker's go to the rej given to begin(), the
 *    parent copies them to rej in input order.
 *  - Failures: a worker that runs out of memory exits 1 (par.h); pj_run
 *    returns -1 with errno then (out->err set for a failed write), PJ_SHORT
 *    for a report it cannot read, PJ_NOMEM when the parent itself ran out
 *    of memory.  Nothing here prints or exits in the parent.
 */
#ifndef PJ_H
#define PJ_H

#include <stddef.h>
#include <stdint.h>

#include "lr.h"
#include "out.h"
#include "w3c.h"

enum { PJ_REJECT = 'R', PJ_TOLD = 'T', PJ_READERR = 'W' };
enum { PJ_HDR_FATAL = -1, PJ_HDR_WRITE = 0, PJ_HDR_FIRST = 1 };
enum { PJ_CHANGED = 1, PJ_SHORT = 2, PJ_NOMEM = 3 };

struct pj_tally {
	uint64_t lines;			/* lines of data (not W3C directives) */
	uint64_t records, rejected, blank;
	int failed;			/* a read failed */
};

struct pj {
	/* the caller's, set before pj_run */
	void *arg;
	struct pj_tally *tally;
	int *written;			/* a header line was written */
	int plain;			/* --plain-header */
	int headers;			/* header lines are written */
	struct w3c **w3c;		/* W3C state of the file, else NULL */
	struct out *out, *rej;		/* the output, the rejects (or NULL) */
	/* in a worker: a chunk starts; records to data, rejects to rej */
	void (*begin)(void *arg, struct out *data, struct out *rej);
	/* in a worker: one line of the chunk; nonzero: stop the chunk */
	int (*line)(void *arg, struct lr_line *l, uint64_t lineno);
	/* in the parent: a message, text n bytes (not NUL-terminated) */
	void (*tell)(void *arg, int type, uint64_t lineno, uint32_t idx,
	    const char *text, size_t n);

	int worker;			/* set in the workers, read by the caller */

	/* the module's own */
	char *htext;			/* the last header line's text */
	size_t htlen;
	struct out *ev, *rejmem, *ftext, *ltext;
	int first, has_first, wrote, fatal, bad;
	uint32_t nrejev;
	uint64_t lbase;
};

/*
 * Parse the first size bytes of fd with n workers (par_run's arguments);
 * names (n names) the header the output has now, for the first file.
 * Returns 0, PJ_CHANGED, PJ_SHORT, PJ_NOMEM or -1 with errno.
 */
int pj_run(struct pj *pj, int fd, uint64_t size, int n, size_t chunk,
    size_t max, const char *const *names, int nnames);
/* in a worker: record a message (text NUL-terminated, or NULL) */
void pj_event(struct pj *pj, int type, uint64_t lineno, uint32_t idx,
    const char *text);
/* in a worker: a header of nnames names is due; a PJ_HDR_ value */
int pj_header(struct pj *pj, const char *const *names, int nnames);
/*
 * The names of the last header (malloc'ed, at most max, the caller frees
 * them): 1 with *n set, 0 when no header text is held, -1 (ENOMEM).
 */
int pj_names(const struct pj *pj, char **names, int max, int *n);
void pj_free(struct pj *pj);

#endif

/*
 * pend: omph-parse --tagged's pending origins.  A line with an origin
 * (ID:START:END, man/omph.7) that made no record (rejected, blank, a W3C
 * directive) moves the START of its stream's next record back over it, so
 * that the records of a stream stay contiguous; this table holds, per
 * stream ID, where that next record starts.
 *
 * Rules, case by case:
 *  - pend_put of a stream already pending: the earlier START stays.
 *  - pend_take of a stream pending: the smaller of the pending START and
 *    the record's own, and the stream is no longer pending; of a stream not
 *    pending: the record's own START.
 *  - Bounded memory: open addressing over a power of two of slots, at least
 *    4 * max (max the caller's --max-sources, so at least 64), at most half
 *    full.  When a pend_put would fill it past half, every pending stream is
 *    forgotten first (counted in dropped): those streams' next records then
 *    start where their own lines do, which a collector sees as a gap, never
 *    as a loss.
 *  - The slots are allocated at the first pend_put, none before; pend_put
 *    returns -1 with errno ENOMEM when they cannot be (nothing is pending
 *    then), else 0.  pend_free frees them; a zeroed struct pend after
 *    pend_init is ready.
 *  - Nothing here prints or exits.
 */
#ifndef PEND_H
#define PEND_H

#include <stddef.h>
#include <stdint.h>

struct pend_slot;

struct pend {
	struct pend_slot *slot;		/* NULL until the first pend_put */
	size_t n, mask;			/* pending streams, slots - 1 */
	size_t max;			/* the caller's bound on streams */
	uint64_t dropped;		/* times the table was emptied */
};

void pend_init(struct pend *p, size_t max);
void pend_free(struct pend *p);
/* stream id's line at start made no record */
int pend_put(struct pend *p, uint64_t id, uint64_t start);
/* the START of stream id's record whose line starts at start */
uint64_t pend_take(struct pend *p, uint64_t id, uint64_t start);

#endif

/*
 * origin: what omph-collect has counted of each stream, so that a record
 * seen again (a resend after a reconnection or a restart, the same lines
 * shipped twice) is not counted again, and bytes skipped are told.
 *
 * A record's origin (the column "origin") is ID:START:END: ID 16 lowercase
 * hex digits naming a stream (a file as omph-tail read it), START the
 * offset of the line's first byte, END the offset past it (the next line's
 * START).  Per (sender, stream) the table keeps the END counted up to, the
 * position:
 *
 *  - a stream not held (never seen, or forgotten): the record is new, its
 *    END the position; what came before it is no gap (a stream may be
 *    followed from its middle).
 *  - END not past the position: a repeat (ORIG_DUP), not to be counted.
 *  - END past it: new (ORIG_NEW), the position becomes END; when START is
 *    past the position, the bytes between are a gap (r->gap, counted in
 *    gaps and gapbytes).  A record that starts before the position and
 *    ends past it (an overlap) is new, with no gap.
 *  - a value that is not an origin (another form, START >= END, \N):
 *    ORIG_BAD, counted in bad; the record counts as if it had no origin.
 *
 * Bounded memory: at most ORIG_PER_SENDER streams per sender and ORIG_MAX
 * in all.  A new stream beyond either bound takes the place of the stream
 * advanced least recently (of that sender, else of all): a stream silent
 * that long is taken to be done, and a record of it that comes later again
 * is counted as new (counted in evicted).  A sender is held while it has a
 * stream.  The table takes its memory (about 6 MiB) at the first record with
 * an origin, none before.  Records of a sender come in order (TCP); UDP
 * datagrams that come out of order are a gap, then a repeat.
 *
 * Senders are names (bytes, any, "" allowed: omph-collect keys its stdin
 * so); nothing here prints or exits.  orig_check and orig_load return -1
 * only for lack of memory (ENOMEM) or a refused checkpoint (reason in r).
 */
#ifndef ORIGIN_H
#define ORIGIN_H

#include <stddef.h>
#include <stdint.h>

#define ORIG_PER_SENDER	4096
#define ORIG_MAX	65536
#define ORIG_NAMEMAX	256	/* a sender's name at most, bytes */

struct ckpt_buf;
struct ckpt_rd;

struct orig_ent;
struct orig_snd;

struct orig {
	struct orig_ent *e;		/* ORIG_MAX, NULL until first used */
	uint32_t *tab;			/* hash of (sender, id) -> index + 1 */
	struct orig_snd *s;		/* ORIG_MAX senders at most */
	uint32_t *stab;			/* hash of names -> index + 1 */
	uint32_t n, hi, efree;		/* streams held, slots used, free list */
	uint32_t ns, shi, sfree;	/* senders held, ... */
	uint32_t head, tail;		/* all streams, last advanced first */
	int used;			/* an origin was ever checked */
	/* counts (over all senders) */
	uint64_t checked, dup, gaps, gapbytes, bad, evicted;
};

enum { ORIG_BAD, ORIG_NEW, ORIG_DUP };

struct orig_res {
	uint64_t gap;			/* ORIG_NEW: bytes skipped before it */
};

void orig_init(struct orig *o);
void orig_free(struct orig *o);
/*
 * Check the origin val (vlen bytes, as written) of a record of sender
 * name (nlen bytes, cut at ORIG_NAMEMAX): ORIG_NEW, ORIG_DUP or ORIG_BAD
 * as above, the counts of o updated; -1 (ENOMEM) when the table could not
 * be made.
 */
int orig_check(struct orig *o, const char *name, size_t nlen,
    const char *val, size_t vlen, struct orig_res *r);
/* Streams held for the sender called name; 0 when none. */
uint32_t orig_streams(const struct orig *o, const char *name, size_t nlen);
/*
 * 0 when o holds together: its lists and chains reach each stream once,
 * in both directions, the counts of streams and senders are theirs, the
 * bounds are kept; else -1.  For tests (tests/fuzz/fuzz-ckpt.c): it walks
 * the whole table.
 */
int orig_ok(const struct orig *o);
/*
 * The table in a checkpoint: its counts, its senders and streams, the
 * streams from the one advanced least recently to the most recent, so
 * that orig_load puts them back in the same order.  orig_load reads into o
 * fresh from orig_init, and refuses (-1, a reason in r) a table that could
 * not have been made: more streams than the bounds, a stream twice, a
 * sender without a stream or named twice, a position 0.
 */
void orig_save(const struct orig *o, struct ckpt_buf *b);
int orig_load(struct orig *o, struct ckpt_rd *r);

#endif

/*
 * hll: distinct values counted in bounded memory (HyperLogLog), over all
 * input (totals) or over a sliding window of W seconds (Sliding
 * HyperLogLog, Chabchoub and Hebrail 2010): omph-collect's `visitors`.
 *
 * Rules:
 *  - a value is given as a 64-bit hash (hll_hash, or any hash whose top
 *    bits are well spread) and its second.  A sketch has m = 2^p registers
 *    (4 <= p <= 14): the top p bits of the hash pick the register, and rho,
 *    the position (1-based) of the first 1-bit in the other 64 - p bits
 *    (64 - p + 1 when they are all 0), is what the register remembers.
 *  - the estimate is the harmonic mean of the registers, alpha m^2 / sum
 *    2^-register (alpha = 1 / (2 ln 2)), with Ertl's corrections for the
 *    registers at 0 and at the greatest value ("New cardinality estimation
 *    algorithms for HyperLogLog sketches", 2017): it is linear counting
 *    where that is best, with no switch between the two, and has no bias
 *    to correct at any count.  Its standard error is 1.04 / sqrt(m): 6.5 %
 *    at p = 8, 1.6 % at p = 12 (tests/hll-check.c measures it; below some
 *    2 m values it is less).  Small counts are near exact (1, 2, 10 values
 *    give 1, 2, 10 +- 1 at p = 8).  (The classic estimate, linear
 *    counting m ln(m / V) up to 2.5 m, the harmonic mean past it, errs by
 *    up to 1.8 times the standard error just past the switch, about 2.5 m:
 *    10,000 values at p = 12.)  Hashes are 64 bits: no large-range
 *    correction is needed.
 *  - totals (window 0): a register holds the greatest rho seen.  Stored
 *    sparse while small, a table of 4-byte entries (register, rho) by
 *    register, at most half full; past m / 16 entries (m / 2 bytes of
 *    table) it becomes dense for good: 4 bits a register, its excess over
 *    the least register, and a few 4-byte exceptions for registers 15 or
 *    more above the least (m / 2 + 16 bytes at p = 8: 144; m / 2 + m / 32
 *    from p = 10: 544 at p = 10, 2,176 at p = 12); m one-byte registers
 *    when the exceptions are full, and for p < 6.  Saved in register
 *    order whatever the form.
 *  - window (W > 0): a register holds its "possible future maxima", the
 *    (rho, second) pairs no other pair of it dominates (has a rho as great
 *    and a second as late): seconds increasing, rho decreasing.  An added
 *    pair removes those it dominates and is not kept when one dominates
 *    it; a second older than the newest seen (records a little out of
 *    order) is handled like any other.  The count of the window ending at
 *    second now takes per register the greatest rho among its pairs of
 *    seconds > now - W.  The pairs are one sorted array of 8-byte entries
 *    (register, second, rho), never dense.
 *  - the window's end only moves forward: a pair of a second <= T - W,
 *    where T is the latest second given to hll_add (of its register) or to
 *    hll_expire, counts for no window ending at T or later and may be
 *    dropped at any time: when its register is added to (lazily), and all
 *    of them by hll_expire, which the caller runs once a second or so.
 *    A count for an end before T may miss such pairs.
 *  - bounded: a window sketch holds at most HLL_MAXENT(p) entries (4 m:
 *    8 KiB at p = 8, 128 KiB at p = 12).  About 0.5 log2(n / m) + 0.7 pairs
 *    a register are held for n distinct values a window, so the bound is
 *    reached past some 100 m distinct values a window (25,000 at p = 8,
 *    400,000 at p = 12).
 *    A full sketch that must grow drops its pairs of the lowest rho (at
 *    least 1/32 of them; every pair of the last rho taken, at most one a
 *    register): the latest pairs of their registers, far below the
 *    registers' maxima while so many values come.  Counts can only come
 *    out lower for it, never higher, and hardly do: tests/hll-check.c
 *    counts 10^5 and 10^6 distinct values a window at p = 8 within the
 *    standard error.  (Dropping the oldest pairs instead, the maxima of
 *    the longest windows, would forget the far end of every window: 10^5
 *    values in 60 s at p = 8 came out 34 % low.)
 *  - seconds are held in 44 bits: those beyond +-2^43 (278,000 years) are
 *    taken as the nearest of these bounds.
 *  - memory: no allocation at all for an empty sketch; one small one for a
 *    few values, grown by doubling (hll_bytes tells the heap bytes held).
 *    hll_expire gives back memory a window no longer needs (all of it when
 *    the sketch becomes empty).
 *  - time: hll_add in totals is a look into the table (or one register);
 *    in a window a binary search and a move of the entries after the
 *    register's (at most 8 HLL_MAXENT(p) bytes); hll_count, hll_expire
 *    and hll_save a pass over the entries (or the m registers).
 *  - out of memory: hll_add returns -1 with errno ENOMEM and the sketch
 *    is as it was (the value not counted).  hll_expire never fails (a
 *    smaller array it cannot get, it does without).
 *  - checkpoints (lib/ckpt.h) keep sketches whole, and refuse any that do
 *    not hold together.  hll_hash has no per-process key, so a checkpoint
 *    written by one process is continued by the next: it is no defence
 *    against values chosen to collide.
 *  - one thread; nothing here prints or exits.
 */
#ifndef HLL_H
#define HLL_H

#include <stddef.h>
#include <stdint.h>

struct ckpt_buf;
struct ckpt_rd;

#define HLL_PMIN	4
#define HLL_PMAX	14
#define HLL_MAXENT(p)	(4u << (p))	/* entries of a window sketch at most */

/*
 * A sketch: 24 bytes, for it sits in every key.  Its fields are the
 * module's own; set it up with hll_init.
 */
struct hll {
	void *r;		/* sparse: a table or uint64_t[cap]; dense:
				   registers (lib/hll.c says how) */
	uint32_t len;		/* sparse entries in use (dense: registers
				   at base) */
	uint32_t cap;		/* sparse entries allocated (dense:
				   exceptions) */
	int32_t window;		/* seconds, 0: totals */
	uint8_t p;
	uint8_t dense;		/* totals only: 0 sparse, else r is dense */
	uint8_t base;		/* dense in nibbles: the least register */
};

/* FNV-1a 64 (lib/hash.h) of p[0..n), then murmur3's fmix64: fixed. */
uint64_t hll_hash(const void *p, size_t n);
/*
 * An empty sketch of 2^p registers (HLL_PMIN <= p <= HLL_PMAX) over all
 * input (window 0) or over windows of window seconds.  Allocates nothing.
 * -1 with errno EINVAL for a p or window out of range (s then is an empty
 * totals sketch of p 8).
 */
int hll_init(struct hll *s, int p, int window);
/* Give back s's memory; s is empty (same p and window) and may be reused. */
void hll_free(struct hll *s);
/* hll_free: what the sketch counts is forgotten. */
void hll_reset(struct hll *s);
/*
 * Count the value of hash hash, seen at second sec (ignored in totals).
 * 0, or -1 with errno ENOMEM (s as it was, the value not counted).
 */
int hll_add(struct hll *s, uint64_t hash, int64_t sec);
/*
 * hll_add for a caller that holds many sketches, most far from the cache
 * (lib/agg: one a key): the value's register is fetched ahead and the
 * value put in later, by hll_done(l), so that the wait for it overlaps
 * other work, when s is dense, or sparse with room for one more entry
 * (totals: putting it in then cannot fail); otherwise it is added at once,
 * as hll_add adds it.  l holds one value: hll_add_later puts the one l
 * held in first.  A value held must be put in (hll_done) before s is
 * counted, saved, freed, reset or added to; hll_done of an empty l does
 * nothing; hll_settle puts it in and keeps it held (putting it in again
 * changes nothing), for a caller that may not change l.
 * 0, or -1 with errno ENOMEM (s as it was, the value not counted).
 */
struct hll_later {
	struct hll *s;		/* NULL: none held */
	uint32_t reg;
	uint32_t rho;
};
int hll_add_later(struct hll *s, uint64_t hash, int64_t sec,
    struct hll_later *l);
void hll_done(struct hll_later *l);
void hll_settle(const struct hll_later *l);
/*
 * The estimated number of distinct values: in totals all of them (now is
 * ignored), in a window those of seconds in (now - window, now].  >= 0,
 * finite; 0 for an empty sketch.
 */
double hll_count(const struct hll *s, int64_t now);
/*
 * Window: drop every pair of a second <= now - window; give back memory
 * when much of it is no longer used.  Nothing in totals.
 */
void hll_expire(struct hll *s, int64_t now);
/* The heap bytes s holds (0 when it allocated nothing). */
size_t hll_bytes(const struct hll *s);
/*
 * The checkpoint form, little-endian (lib/ckpt.h): u8 p, u8 form, u32 n,
 * then by form:
 *	0  totals, sparse: n entries of u16 register, u8 rho
 *	1  window: n entries of u16 register, u8 rho, i64 second
 *	2  totals, dense: n = m, then m registers of u8 rho (0: none)
 * entries in increasing order of register, and within a register of
 * second (seconds increasing, rho decreasing: no entry dominates another).
 * hll_load replaces what s held (set up by hll_init) with the sketch read,
 * 0; -1 when r fails or the sketch does not hold together (a p or form
 * other than s's, a register or rho out of range, entries out of order or
 * dominated, more entries than a sketch of that form holds, a dense form
 * of n other than m): r failed with a reason, s is empty but valid.
 */
void hll_save(const struct hll *s, struct ckpt_buf *b);
int hll_load(struct hll *s, struct ckpt_rd *r);

#endif

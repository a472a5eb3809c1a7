/*
 * hist: a mergeable log-linear histogram of durations, stored sparse.
 *
 * A duration in microseconds goes to a bucket: below 32 us one bucket per
 * microsecond; above, each power-of-two range is split into 32 equal
 * buckets.  A quantile is reported as its bucket's midpoint, so it is off by
 * at most half a bucket: 1/64 of the value (1.6 %), or 0.5 us below 32 us.
 * Durations of an hour and more share the last bucket.
 *
 * Only buckets in use are stored (sorted pairs), so a key with few distinct
 * durations costs a few bytes.  hist_add may allocate (amortised doubling);
 * hist_sub subtracts another histogram's counts (for sliding windows).
 */
#ifndef HIST_H
#define HIST_H

#include <stddef.h>
#include <stdint.h>

struct ckpt_buf;
struct ckpt_rd;

struct hist_ent {
	uint16_t b;
	uint32_t n;
};

struct hist {
	uint32_t len, cap;
	uint64_t total;
	struct hist_ent *e;
};

/* Bucket of a duration in microseconds. */
unsigned hist_bucket(uint64_t us);
/* Add n durations in bucket b.  -1 on ENOMEM (nothing changed). */
int hist_add(struct hist *h, unsigned b, uint32_t n);
/* Add every count of src to h; -1 on ENOMEM. */
int hist_merge(struct hist *h, const struct hist *src);
/* Take src's counts out of h (src must have been added before). */
void hist_sub(struct hist *h, const struct hist *src);
/* The q quantile (0 < q <= 1) in seconds, or -1 when h is empty. */
double hist_quantile(const struct hist *h, double q);
void hist_free(struct hist *h);
/*
 * The checkpoint form (lib/ckpt.h): u32 entries, then per entry u16 bucket
 * and u32 count, buckets increasing, no count 0 (those are left out).
 * hist_load reads it into h, which must be empty (zeroed or hist_free'd);
 * -1 when r fails or the entries are out of range (a bucket past the last
 * one, out of order, a count 0), with h to be freed by the caller.
 */
void hist_save(const struct hist *h, struct ckpt_buf *b);
int hist_load(struct hist *h, struct ckpt_rd *r);

#endif

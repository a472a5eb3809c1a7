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

#endif

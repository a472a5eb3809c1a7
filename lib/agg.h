/*
 * agg: per-key counters over all input or over a sliding window, in bounded
 * memory.
 *
 * Keys are byte strings (the key fields of a record joined by TAB).  At most
 * max keys are kept.  When a new key arrives and the table is full, the key
 * with the fewest hits among a random sample of AGG_SAMPLE is evicted and the
 * new one takes its place with the evicted count added (Space-Saving): its
 * hits then over-count by at most err, so hits - err <= true hits <= hits,
 * and err never exceeds (hits of all input) / max.  bytes and status counts
 * of a key count only what arrived since it was (re)admitted.
 *
 * With a window of W seconds, counts are kept per second in a ring; a record
 * whose second is more than W - 1 before the newest second seen is late
 * (counted, not added), and a second that leaves the window is taken out of
 * every key it touched.  A key whose window count drops to 0 is freed.
 * A second keeps one delta per key counted in it; deltas of keys since
 * evicted are dropped when a second holds max of them, so the window holds
 * at most about 2 * max * window deltas however many keys arrive.
 * Slots are used lowest first: scans need go no further than hi.  Memory
 * and time follow the keys seen, not max: the slots and the hash table
 * start empty and double as keys arrive (at most max slots, a table of
 * at most 4 * max entries), and nothing walks past hi.
 *
 * Nothing here allocates per record except when a key is new or a second's
 * table grows; the drop callback is told before a key's slot is freed or
 * reused (so alerts on it can be resolved).
 */
#ifndef AGG_H
#define AGG_H

#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "hll.h"

#define AGG_SAMPLE 16
#define AGG_VIS_P 10		/* a key's visitors: 1024 registers, 3.3 % */
#define AGG_VIS_SITE_P 12	/* the site's: 4096 registers, 1.6 % */

struct ckpt_buf;
struct ckpt_rd;

struct agg_counts {
	uint64_t hits, bytes;
	uint64_t cls[4];	/* 2xx 3xx 4xx 5xx */
};

struct agg_key {
	char *key;
	uint32_t len, cap;
	uint32_t hash;
	uint32_t gen;		/* changes when the slot gets another key */
	int used;
	uint64_t err;		/* Space-Saving over-count bound */
	struct agg_counts c;
	struct hist h;		/* durations */
	struct hll v;		/* its clients; v.p 0: none came (lib/hll.h) */
	double vis;		/* their estimate at the last agg_visitors */
	uint64_t alerts;	/* active alert rules: the caller's bits */
};

struct agg_sec;

/*
 * Counts since the start that nothing takes out again (a window does not):
 * what Prometheus reads as counters (/metrics).  Durations are counted in
 * AGG_LE buckets, le[i] those above agg_le_us[i - 1] and up to
 * agg_le_us[i], le[AGG_LE] those above the last; dur_us is their sum.
 */
#define AGG_LE 11
extern const uint64_t agg_le_us[AGG_LE];
struct agg_cum {
	uint64_t hits, bytes;
	uint64_t cls[4];
	uint64_t durs, dur_us;
	uint64_t le[AGG_LE + 1];
};

struct agg {
	size_t max;
	size_t n;			/* keys in use */
	struct agg_key *keys;		/* cap slots (cap <= max), by slot;
					   those from hi on not set up */
	size_t cap;
	size_t hi;			/* slots below hi have been used */
	uint32_t *freel;		/* slots below hi freed since */
	size_t nfree;
	uint64_t *tab;			/* hash << 32 | slot + 1, linear probing */
	size_t tabmask;
	struct agg_key total;		/* every record (of the window) */
	struct agg_cum cum;		/* every record since the start */
	uint64_t evicted, late, records;
	int64_t first, newest;		/* seconds seen, INT64_MIN if none */
	int window;			/* 0: totals */
	struct agg_sec *ring;		/* window slots */
	uint64_t rng;
	struct hll_later later;		/* a key's visitor not yet in: in
					   by the next agg_* call, first */
	void (*drop)(void *arg, struct agg_key *k);
	void *droparg;
};

/*
 * Set up a for at most max keys (>= 1), window seconds (0: totals).  No key
 * memory is taken before the first key; -1 on ENOMEM.
 */
int agg_init(struct agg *a, size_t max, int window);
void agg_free(struct agg *a);
/*
 * Count one record: key (len bytes), its second (in totals mode INT64_MIN
 * when the record has none: counted, first and newest untouched), status
 * (0 when unknown), bytes, duration in microseconds (-1 when none), the
 * hll_hash of its client (NULL when none: a key none of whose records had
 * one has no visitors, nor has the site before the first).  Visitors are
 * distinct clients per key (AGG_VIS_P) and for the site (AGG_VIS_SITE_P),
 * over the window or all input, like hits; a key readmitted after an
 * eviction counts only the clients since.
 * Returns 0, 1 when the record was late, -1 on ENOMEM (not counted).
 * A new key may move a->keys (it grows): pointers into it taken before the
 * call are stale after it; slot numbers stay.
 */
int agg_add(struct agg *a, const char *key, size_t len, int64_t sec,
    int status, uint64_t bytes, int64_t dur_us, const uint64_t *client);
/*
 * Estimate every key's visitors and the site's into their vis (what
 * alert_value reads for the visitors metric): before a report.  Costs a
 * pass over the sketches held, nothing without clients.
 */
void agg_visitors(struct agg *a);
/* Move the window's end to sec if it is newer (arrival clock ticks). */
void agg_advance(struct agg *a, int64_t sec);
/*
 * The AGG section of a checkpoint (lib/ckpt.h): everything a counts, as
 * it is, so that counting after agg_load goes on exactly as it would have:
 * max and window, the slots below hi with their generation and, in use,
 * their key, err, counts, durations and (version 4 on) visitors'
 * sketch, the free slots in order, the
 * random state of the eviction sample, evicted, late, records, first and
 * newest, the totals and, per second of the window, its totals and its
 * deltas in order.  The alerts bits are the caller's and are not written
 * (agg_load leaves them 0); the tables of hashes are built again.
 *
 * agg_load reads into a, fresh from agg_init (nothing counted yet), and
 * fails r (-1) unless the max and window are a's, and every value is in
 * range and the whole holds together: slots below max, each key once, the
 * free slots exactly those not in use, the seconds of the window within it
 * at their place in the ring, their totals adding up to the totals, deltas
 * of slots below hi, once each.  On -1, a holds part of it: agg_free it.
 */
void agg_save(const struct agg *a, struct ckpt_buf *b);
int agg_load(struct agg *a, struct ckpt_rd *r, unsigned version);
/*
 * The CUM section: a->cum as it is.  agg_load_cum refuses counts that do
 * not hold together (status classes or durations more than the hits,
 * buckets that do not add up to the durations, hits other than the
 * records counted, fewer hits or bytes than the totals'); it reads after
 * agg_load.  agg_cum_from_total starts the counts from the records counted
 * and the totals' bytes and classes (no durations), for a checkpoint that
 * has none (written before they were kept).
 */
void agg_save_cum(const struct agg *a, struct ckpt_buf *b);
int agg_load_cum(struct agg *a, struct ckpt_rd *r);
void agg_cum_from_total(struct agg *a);

#endif

/*
 * hash: FNV-1a over bytes, the one hash of the tree: its hash tables (keys,
 * senders, streams, W3C sources), schema hashes, and the checksums of
 * omph-tail's state and omph-collect's checkpoint files.
 *
 * hash_fnv32(HASH_FNV32, p, n) and hash_fnv64(HASH_FNV64, p, n) hash p[0..n);
 * passing the result of one call as h of the next hashes the concatenation,
 * so a value is hashed in pieces.  Fast and well spread, but no defence
 * against input chosen to collide, and no checksum against tampering.
 *
 * hash_words(p, n) hashes eight bytes a step (a multiply and a shift
 * each, not one a byte): for tables held in memory only, whose order
 * nothing written or shown depends on (lib/agg's keys); never for what is
 * written down, which keeps FNV-1a.  Well spread in all 32 bits it
 * returns, no defence against input chosen to collide either.
 *
 * hash_del is the deletion of the linear-probing tables of lib/agg (keys)
 * and lib/wsrc (sources): 2^k uint64_t entries, each 0 (empty) or
 * HASH_ENT(h, v), a 32-bit hash h in the high half above a value v in the
 * low half, 0 < v < 2^32 (an index + 1).  An entry's home is h & mask
 * (mask, the size - 1, below 2^32); it stands on its probe, the run from
 * its home to it with no empty entry between; lookups compare the hash in
 * the table before they touch what v names.
 *
 * HASH_FNV64 is not FNV's published 64-bit offset basis
 * (14695981039346656037) but that number a digit short: it spreads as well,
 * and the state and checkpoint files already written hold hashes made with
 * it, so it stays.  A file format that documents its checksum names it.
 */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HASH_FNV32 2166136261u
#define HASH_FNV64 1469598103934665603ULL

static inline uint32_t
hash_fnv32(uint32_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n-- > 0)
		h = (h ^ *s++) * 16777619u;
	return h;
}

static inline uint64_t
hash_fnv64(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n-- > 0)
		h = (h ^ *s++) * 1099511628211ULL;
	return h;
}

static inline uint32_t
hash_words(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = (uint64_t)n * 0x9e3779b97f4a7c15ULL, w;
	uint32_t a, b;

	for (; n > 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	/* the last 1 to 8 bytes: two loads that may overlap */
	if (n >= 4) {
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		w = (uint64_t)a << 32 | b;
	} else if (n > 0)
		w = (uint64_t)s[0] << 16 | (uint64_t)s[n >> 1] << 8 | s[n - 1];
	else
		w = 0;
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 32;
	h *= 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(h >> 32);
}

#define HASH_ENT(h, v)	((uint64_t)(uint32_t)(h) << 32 | (v))
#define HASH_ENT_H(e)	((uint32_t)((e) >> 32))
#define HASH_ENT_V(e)	((uint32_t)(e))

/*
 * Take the entry at i of tab (mask + 1 entries) out, by backward shift:
 * each later entry of the cluster that may stand at the hole (its home is
 * not between the hole and it) moves there, the hole moving on to where it
 * was, until an empty entry ends the cluster.  No tombstones: no probe
 * ever passes a hole, and no entry moves before its home.
 */
static inline void
hash_del(uint64_t *tab, size_t mask, size_t i)
{
	size_t j = i, k;

	for (;;) {
		tab[i] = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (tab[j] == 0)
				return;
			k = HASH_ENT_H(tab[j]) & mask;
			/* can the entry at j move to the hole at i? */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		tab[i] = tab[j];
		i = j;
	}
}

#endif

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
 * HASH_FNV64 is not FNV's published 64-bit offset basis
 * (14695981039346656037) but that number a digit short: it spreads as well,
 * and the state and checkpoint files already written hold hashes made with
 * it, so it stays.  A file format that documents its checksum names it.
 */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>

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

#endif

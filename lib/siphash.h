/*
 * siphash: SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF", 2012), the keyed MAC of the omph wire format
 * (lib/wire.h).  A 128-bit key, a 64-bit tag; the bytes may come in pieces
 * of any size (siphash_add), with the same tag as in one piece.  Nothing
 * here allocates, prints or fails.
 */
#ifndef SIPHASH_H
#define SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEYLEN 16

struct siphash {
	uint64_t v0, v1, v2, v3;
	uint64_t tail;		/* the bytes of a word not yet complete */
	uint64_t len;		/* bytes added so far */
};

/* Start a tag under key (SIPHASH_KEYLEN bytes, k0 then k1, little endian). */
void siphash_init(struct siphash *h, const uint8_t *key);
/* Add n bytes of p (n may be 0). */
void siphash_add(struct siphash *h, const void *p, size_t n);
/* The tag of the bytes added; h is spent. */
uint64_t siphash_end(struct siphash *h);
/* The tag of n bytes of p, in one call. */
uint64_t siphash24(const uint8_t *key, const void *p, size_t n);

#endif

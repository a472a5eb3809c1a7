#include <string.h>

#include "siphash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void
round1(struct siphash *h)
{
	h->v0 += h->v1;
	h->v1 = ROTL(h->v1, 13);
	h->v1 ^= h->v0;
	h->v0 = ROTL(h->v0, 32);
	h->v2 += h->v3;
	h->v3 = ROTL(h->v3, 16);
	h->v3 ^= h->v2;
	h->v0 += h->v3;
	h->v3 = ROTL(h->v3, 21);
	h->v3 ^= h->v0;
	h->v2 += h->v1;
	h->v1 = ROTL(h->v1, 17);
	h->v1 ^= h->v2;
	h->v2 = ROTL(h->v2, 32);
}

/* one 64-bit word of the message: 2 compression rounds */
static void
word(struct siphash *h, uint64_t m)
{
	h->v3 ^= m;
	round1(h);
	round1(h);
	h->v0 ^= m;
}

static uint64_t
le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	    (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

void
siphash_init(struct siphash *h, const uint8_t *key)
{
	uint64_t k0 = le64(key), k1 = le64(key + 8);

	h->v0 = k0 ^ 0x736f6d6570736575ULL;
	h->v1 = k1 ^ 0x646f72616e646f6dULL;
	h->v2 = k0 ^ 0x6c7967656e657261ULL;
	h->v3 = k1 ^ 0x7465646279746573ULL;
	h->tail = 0;
	h->len = 0;
}

void
siphash_add(struct siphash *h, const void *p, size_t n)
{
	const uint8_t *b = p;
	unsigned have = (unsigned)(h->len % 8);

	h->len += n;
	/* complete the word begun by an earlier piece */
	while (have != 0 && n > 0) {
		h->tail |= (uint64_t)*b++ << (8 * have);
		n--;
		if (++have == 8) {
			word(h, h->tail);
			h->tail = 0;
			have = 0;
		}
	}
	for (; n >= 8; b += 8, n -= 8)
		word(h, le64(b));
	for (have = 0; n > 0; n--, have++)
		h->tail |= (uint64_t)*b++ << (8 * have);
}

uint64_t
siphash_end(struct siphash *h)
{
	word(h, h->tail | (h->len & 0xff) << 56);
	h->v2 ^= 0xff;
	round1(h);
	round1(h);
	round1(h);
	round1(h);
	return h->v0 ^ h->v1 ^ h->v2 ^ h->v3;
}

uint64_t
siphash24(const uint8_t *key, const void *p, size_t n)
{
	struct siphash h;

	siphash_init(&h, key);
	siphash_add(&h, p, n);
	return siphash_end(&h);
}

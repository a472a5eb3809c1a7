#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "hist.h"

#define SUB 32			/* buckets per power of two */
#define SUBBITS 5
#define MAXUS 3600000000ULL	/* an hour: the last bucket */

unsigned
hist_bucket(uint64_t us)
{
	unsigned k;

	if (us >= MAXUS)
		us = MAXUS;
	if (us < SUB)
		return (unsigned)us;
	k = 63 - (unsigned)__builtin_clzll(us);	/* us in [2^k, 2^(k+1)) */
	return (k - SUBBITS + 1) * SUB + (unsigned)((us >> (k - SUBBITS)) - SUB);
}

/* the midpoint of bucket b in microseconds */
static double
midpoint(unsigned b)
{
	unsigned k;
	double lo, width;

	if (b < SUB)
		return b;
	k = b / SUB + SUBBITS - 1;
	width = (double)(1ULL << (k - SUBBITS));
	lo = (double)(1ULL << k) + (b % SUB) * width;
	return lo + width / 2;
}

/* index of the first entry with bucket >= b */
static uint32_t
find(const struct hist *h, unsigned b)
{
	uint32_t lo = 0, hi = h->len, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (h->e[mid].b < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
hist_add(struct hist *h, unsigned b, uint32_t n)
{
	uint32_t i = find(h, b);
	struct hist_ent *ne;

	if (i < h->len && h->e[i].b == b) {
		h->e[i].n += n;
		h->total += n;
		return 0;
	}
	if (h->len == h->cap) {
		uint32_t cap = h->cap ? h->cap * 2 : 4;

		if ((ne = realloc(h->e, cap * sizeof(*ne))) == NULL)
			return -1;
		h->e = ne;
		h->cap = cap;
	}
	memmove(h->e + i + 1, h->e + i, (h->len - i) * sizeof(*h->e));
	h->e[i].b = (uint16_t)b;
	h->e[i].n = n;
	h->len++;
	h->total += n;
	return 0;
}

int
hist_merge(struct hist *h, const struct hist *src)
{
	uint32_t i;

	for (i = 0; i < src->len; i++)
		if (src->e[i].n > 0 && hist_add(h, src->e[i].b, src->e[i].n) == -1)
			return -1;
	return 0;
}

void
hist_sub(struct hist *h, const struct hist *src)
{
	uint32_t i, j = 0, k;

	for (i = 0; i < src->len; i++) {
		while (j < h->len && h->e[j].b < src->e[i].b)
			j++;
		if (j < h->len && h->e[j].b == src->e[i].b) {
			k = src->e[i].n < h->e[j].n ? src->e[i].n : h->e[j].n;
			h->e[j].n -= k;
			h->total -= k;
		}
	}
	/* drop emptied buckets */
	for (i = j = 0; i < h->len; i++)
		if (h->e[i].n > 0)
			h->e[j++] = h->e[i];
	h->len = j;
}

double
hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;
	uint32_t i;

	if (h->total == 0)
		return -1;
	rank = (uint64_t)(q * (double)h->total + 0.999999);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < h->len; i++) {
		seen += h->e[i].n;
		if (seen >= rank)
			return midpoint(h->e[i].b) / 1e6;
	}
	return midpoint(h->e[h->len - 1].b) / 1e6;
}

void
hist_free(struct hist *h)
{
	if (h == NULL)
		return;
	free(h->e);
	h->e = NULL;
	h->len = h->cap = 0;
	h->total = 0;
}

void
hist_save(const struct hist *h, struct ckpt_buf *b)
{
	uint32_t i, n = 0;

	for (i = 0; i < h->len; i++)
		n += h->e[i].n > 0;
	ckpt_put_u32(b, n);
	for (i = 0; i < h->len; i++)
		if (h->e[i].n > 0) {
			ckpt_put_u16(b, h->e[i].b);
			ckpt_put_u32(b, h->e[i].n);
		}
}

int
hist_load(struct hist *h, struct ckpt_rd *r)
{
	uint32_t n = ckpt_get_u32(r), i, c;
	unsigned b, last = hist_bucket(MAXUS);

	if (ckpt_room(r, n, 6) == -1)
		return -1;
	if (n == 0)
		return 0;
	if ((h->e = malloc(n * sizeof(*h->e))) == NULL)
		return ckpt_fail(r, "out of memory");
	h->cap = n;
	for (i = 0; i < n; i++) {
		b = ckpt_get_u16(r);
		c = ckpt_get_u32(r);
		if (r->failed)
			return -1;
		if (b > last || (i > 0 && b <= h->e[i - 1].b) || c == 0)
			return ckpt_fail(r, "a duration histogram out of range");
		h->e[i].b = (uint16_t)b;
		h->e[i].n = c;
		h->len++;
		h->total += c;
	}
	return 0;
}

#include <stdint.h>
#include <string.h>

#include "lfint.h"

#ifdef __SSE2__
/* the bits of the 16 bytes at s equal to c */
static inline uint64_t
eq16(__m128i v, unsigned char c)
{
	return (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
	    _mm_set1_epi8((char)c)));
}

/*
 * Index line (len <= LF_MASKMAX): pg->mask[k] gets a bit for each byte
 * equal to delim[k] (none past len); returns 1 when no byte needs escaping
 * (rec_clean).
 */
static int
index_line(struct lf_prog *pg, const char *line, size_t len)
{
	unsigned char pad[64];
	const unsigned char *s = (const unsigned char *)line;
	__m128i acc = _mm_setzero_si128(), v[4];
	size_t w, nw = (len + 63) / 64, j;
	uint64_t m;
	int k, b;

	for (w = 0; w < nw; w++, s += 64) {
		if (w + 1 == nw && len % 64 != 0) {
			/* the tail, padded with a byte that needs no escape */
			memset(pad, 'A', sizeof(pad));
			memcpy(pad, s, len % 64);
			s = pad;
		}
		for (b = 0; b < 4; b++) {
			v[b] = _mm_loadu_si128((const __m128i *)(const void *)(s +
			    16 * b));
			acc = _mm_or_si128(acc, _mm_or_si128(_mm_cmplt_epi8(v[b],
			    _mm_set1_epi8(0x20)), _mm_or_si128(_mm_cmpeq_epi8(v[b],
			    _mm_set1_epi8(0x5c)), _mm_cmpeq_epi8(v[b],
			    _mm_set1_epi8(0x7f)))));
		}
		for (k = 0; k < pg->ndelim; k++) {
			m = eq16(v[0], pg->delim[k]) | eq16(v[1], pg->delim[k]) << 16 |
			    eq16(v[2], pg->delim[k]) << 32 |
			    eq16(v[3], pg->delim[k]) << 48;
			pg->mask[k][w] = m;
		}
	}
	if (len % 64 != 0)
		for (k = 0, j = len % 64; k < pg->ndelim; k++)
			pg->mask[k][nw - 1] &= (1ULL << j) - 1;
	return _mm_movemask_epi8(acc) == 0;
}

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define LF_AVX2 1

/*
 * 64 bytes at s into word w of the masks, shifted down by sh (the bytes
 * before the line's last word, when s is its last 64); the bytes that need
 * escaping ORed into *acc.
 */
__attribute__((target("avx2"))) static inline void
step_avx2(struct lf_prog *pg, const unsigned char *s, size_t w, unsigned sh,
    __m256i *acc)
{
	__m256i v0, v1, c;
	int k;

	v0 = _mm256_loadu_si256((const __m256i *)(const void *)s);
	v1 = _mm256_loadu_si256((const __m256i *)(const void *)(s + 32));
	*acc = _mm256_or_si256(*acc, _mm256_or_si256(
	    _mm256_or_si256(_mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), v0),
	    _mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), v1)),
	    _mm256_or_si256(
	    _mm256_or_si256(_mm256_cmpeq_epi8(v0, _mm256_set1_epi8(0x5c)),
	    _mm256_cmpeq_epi8(v1, _mm256_set1_epi8(0x5c))),
	    _mm256_or_si256(_mm256_cmpeq_epi8(v0, _mm256_set1_epi8(0x7f)),
	    _mm256_cmpeq_epi8(v1, _mm256_set1_epi8(0x7f))))));
	for (k = 0; k < pg->ndelim; k++) {
		c = _mm256_set1_epi8((char)pg->delim[k]);
		pg->mask[k][w] = ((uint64_t)(uint32_t)_mm256_movemask_epi8(
		    _mm256_cmpeq_epi8(v0, c)) |
		    (uint64_t)(uint32_t)_mm256_movemask_epi8(
		    _mm256_cmpeq_epi8(v1, c)) << 32) >> sh;
	}
}

/* index_line with 32 bytes a step: for CPUs that have AVX2 (runtime check) */
__attribute__((target("avx2"))) static int
index_line_avx2(struct lf_prog *pg, const char *line, size_t len)
{
	unsigned char pad[64];
	const unsigned char *s = (const unsigned char *)line;
	__m256i acc = _mm256_setzero_si256();
	size_t w, nw = (len + 63) / 64;
	int k;

	for (w = 0; w < nw; w++, s += 64) {
		if (w + 1 == nw && len % 64 != 0) {
			if (len > 64) {
				/* the last 64 bytes, the masks shifted down */
				step_avx2(pg, (const unsigned char *)line + len -
				    64, w, 64 - (unsigned)(len % 64), &acc);
				return _mm256_movemask_epi8(acc) == 0;
			}
			memset(pad, 'A', sizeof(pad));
			memcpy(pad, s, len % 64);
			s = pad;
		}
		step_avx2(pg, s, w, 0, &acc);
	}
	if (len % 64 != 0)
		for (k = 0; k < pg->ndelim; k++)
			pg->mask[k][nw - 1] &= (1ULL << (len % 64)) - 1;
	return _mm256_movemask_epi8(acc) == 0;
}
#endif
#endif


void
lf_index(struct lf_prog *pg, char *line, size_t len)
{
	pg->masked = 0;
	pg->clean = 0;
#ifdef __SSE2__
	if (len <= LF_MASKMAX && !rec_scalar()) {
#ifdef LF_AVX2
		static int avx2 = -1;

		if (avx2 < 0) {
			__builtin_cpu_init();
			avx2 = __builtin_cpu_supports("avx2") != 0;
		}
		pg->clean = avx2 ? index_line_avx2(pg, line, len) :
		    index_line(pg, line, len);
#else
		pg->clean = index_line(pg, line, len);
#endif
		pg->masked = 1;
		pg->mline = line;
	}
#endif
}

void
lf_plan(struct lf_prog *pg)
{
	const struct item *it, *nx;
	struct lf_step *s;
	int i = 0;

	pg->fast = pg->slot[' '] >= 0;
	pg->nst = 0;
	while (i < pg->n) {
		it = &pg->it[i];
		nx = i + 1 < pg->n ? &pg->it[i + 1] : NULL;
		s = &pg->st[pg->nst++];
		memset(s, 0, sizeof(*s));
		s->item = (uint16_t)i;
		if (it->kind == I_LIT) {
			s->kind = S_LIT;
			s->lit = it->off;
			s->litlen = it->len;
			i++;
			continue;
		}
		s->kind = it->type == T_TIME_BR ? S_TIME : nx == NULL ? S_LAST :
		    S_FIELD;
		s->type = it->type;
		s->col = it->col[0];
		s->chain = it->type == T_CLIENT && nx != NULL &&
		    nx->kind == I_LIT && pg->lits[nx->off] == ' ';
		if (it->type == T_TIME_BR && pg->slot[']'] < 0)
			pg->fast = 0;
		if (nx != NULL && nx->kind == I_LIT) {
			s->lit = nx->off;
			s->litlen = nx->len;
			s->slot = pg->slot[(unsigned char)pg->lits[nx->off]];
			if (s->kind == S_FIELD && s->slot < 0)
				pg->fast = 0;
			i++;
		}
		i++;
	}
}

/* the last bit of mask k at or after s, before e; NULL if none */
static inline char *
rscan(const struct lf_prog *pg, int k, const char *s, const char *e)
{
	const uint64_t *m = pg->mask[k];
	size_t lo = (size_t)(s - pg->mline), i = (size_t)(e - pg->mline), w;
	uint64_t x;

	if (i <= lo)
		return NULL;
	i--;
	w = i >> 6;
	x = m[w] & (~0ULL >> (63 - (i & 63)));
	while (x == 0) {
		if (w == 0 || ((w - 1) << 6) + 63 < lo)
			return NULL;
		x = m[--w];
	}
	i = (w << 6) + 63 - (size_t)__builtin_clzll(x);
	return i >= lo ? pg->mline + i : NULL;
}

/* the first lit (n bytes, lit[0] in mask k) in [s, e), NULL if none */
static inline char *
scan_lit(const struct lf_prog *pg, int k, char *s, char *e, const char *lit,
    size_t n)
{
	char *q;

	if (n == 1)
		return mask_scan(pg, k, s, e);	/* the mask is the literal */
	while ((q = mask_scan(pg, k, s, e)) != NULL) {
		if ((size_t)(e - q) >= n && lit_eq(q + 1, lit + 1, n - 1))
			return q;
		s = q + 1;
	}
	return NULL;
}

/*
 * The general matcher's loop (logfmt.c) for a clean indexed line, a field
 * and the literal after it a step; what it would not simply match is left
 * to it (1).
 */
int
lf_fast(struct lf_prog *pg, char *line, size_t len, struct rec_val *vals)
{
	char *p = line, *e = line + len, *end, *scr = pg->scratch, *sp1, *sp2;
	const struct lf_step *s, *se = pg->st + pg->nst;
	const struct item *it;
	const char *lit;
	char why[1];
	size_t n;
	int sp = pg->slot[' '];

	/* every value absent (REC_ABSENT is 0) until the line sets it */
	memset(vals, 0, (size_t)pg->schema.n * sizeof(*vals));
	for (s = pg->st; s < se; s++) {
		lit = pg->lits + s->lit;
		switch (s->kind) {
		case S_LIT:
			if ((size_t)(e - p) < s->litlen || !lit_eq(p, lit, s->litlen))
				return 1;
			p += s->litlen;
			continue;
		case S_TIME:
			if (p == e || *p != '[' ||
			    (end = mask_scan(pg, pg->slot[']'], p, e)) == NULL ||
			    lf_convert(pg, &pg->it[s->item], p + 1,
			    (size_t)(end - p - 1), vals, &scr, why,
			    sizeof(why)) == -1)
				return 1;
			p = end + 1;
			if ((size_t)(e - p) < s->litlen || !lit_eq(p, lit, s->litlen))
				return 1;
			p += s->litlen;
			continue;
		case S_FIELD:
			if ((end = scan_lit(pg, s->slot, p, e, lit, s->litlen)) ==
			    NULL)
				return 1;
			if (s->chain && end > p && end[-1] == ',')
				return 1;	/* a chain, maybe */
			break;
		default:
			if (s->type == T_TOKEN || s->type == T_REQUEST ||
			    s->type == T_URI || s->type == T_QUERY)
				end = e;
			else if ((end = mask_scan(pg, sp, p, e)) == NULL)
				end = e;
			break;
		}
		n = (size_t)(end - p);
		switch (s->type) {
		case T_TOKEN:
		case T_CLIENT:
			if (n != 1 || *p != '-')
				lf_set(&vals[s->col], p, n, REC_BSL);
			break;
		case T_STATUS:
			if (n == 1 && *p == '-')
				break;
			if (n > 3 || !lf_digits(p, n))
				return 1;
			lf_set(&vals[s->col], p, n, REC_RAW);
			break;
		case T_BYTES:
			if (n == 1 && *p == '-')
				lf_set(&vals[s->col], "0", 1, REC_RAW);
			else if (n > 20 || !lf_digits(p, n))
				return 1;
			else
				lf_set(&vals[s->col], p, n, REC_RAW);
			break;
		case T_REQUEST:
			it = &pg->it[s->item];
			if ((sp1 = mask_scan(pg, sp, p, end)) == NULL)
				lf_set(&vals[it->col[RQ_RAW]], p, n, REC_BSL);
			else {
				if ((sp2 = rscan(pg, sp, sp1 + 1, end)) == NULL)
					sp2 = sp1;
				lf_request_at(pg, vals, it, p, n, REC_BSL,
				    sp1, sp2);
			}
			break;
		default:
			if (lf_convert(pg, &pg->it[s->item], p, n, vals, &scr,
			    why, sizeof(why)) == -1)
				return 1;
		}
		p = s->kind == S_FIELD ? end + s->litlen : end;
	}
	return p < e && *p != ' ';
}

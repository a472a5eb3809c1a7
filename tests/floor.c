/*
 * omph-floor FILE: the floor of make bench's parse ratios (not installed).
 *
 * One pass over FILE, read in 1 MiB blocks as omph-parse reads it, that
 * indexes every space, double quote, bracket, backslash and LF: a bit per
 * byte for each, 64 bytes a step (AVX2 after a runtime check, else SSE2),
 * the bits counted so that the work is not optimized away.  No line is cut,
 * no field is found, nothing is written but the counts: what any parser
 * that looks at each byte once must at least spend.  Exit 0, or 1 with a
 * message when FILE cannot be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <immintrin.h>

#define BLOCK (1 << 20)
#define NB 5			/* ' ', '"', '[' or ']', '\\', LF */

/* index n bytes at s (n a multiple of 64), the bits counted into count */
static void
block_sse2(const unsigned char *s, size_t n, uint64_t *count)
{
	const __m128i sp = _mm_set1_epi8(' '), qu = _mm_set1_epi8('"'),
	    lb = _mm_set1_epi8('['), rb = _mm_set1_epi8(']'),
	    bs = _mm_set1_epi8('\\'), lf = _mm_set1_epi8('\n');
	uint64_t m[NB];
	size_t i;
	int b, k;

	for (i = 0; i < n; i += 64) {
		for (k = 0; k < NB; k++)
			m[k] = 0;
		for (b = 0; b < 4; b++) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)
			    (s + i + 16 * b));

			m[0] |= (uint64_t)(unsigned)_mm_movemask_epi8(
			    _mm_cmpeq_epi8(v, sp)) << (16 * b);
			m[1] |= (uint64_t)(unsigned)_mm_movemask_epi8(
			    _mm_cmpeq_epi8(v, qu)) << (16 * b);
			m[2] |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(
			    _mm_cmpeq_epi8(v, lb), _mm_cmpeq_epi8(v, rb))) << (16 * b);
			m[3] |= (uint64_t)(unsigned)_mm_movemask_epi8(
			    _mm_cmpeq_epi8(v, bs)) << (16 * b);
			m[4] |= (uint64_t)(unsigned)_mm_movemask_epi8(
			    _mm_cmpeq_epi8(v, lf)) << (16 * b);
		}
		for (k = 0; k < NB; k++)
			count[k] += (uint64_t)__builtin_popcountll(m[k]);
	}
}

/* the 32 bytes at s equal to c, as bits */
#define EQ(v, c) ((uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8((v), (c))))

__attribute__((target("avx2,popcnt"))) static void
block_avx2(const unsigned char *s, size_t n, uint64_t *count)
{
	const __m256i sp = _mm256_set1_epi8(' '), qu = _mm256_set1_epi8('"'),
	    lb = _mm256_set1_epi8('['), rb = _mm256_set1_epi8(']'),
	    bs = _mm256_set1_epi8('\\'), lf = _mm256_set1_epi8('\n');
	size_t i;

	for (i = 0; i < n; i += 64) {
		__m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)
		    (s + i));
		__m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)
		    (s + i + 32));

		count[0] += (uint64_t)__builtin_popcountll(EQ(v0, sp) |
		    EQ(v1, sp) << 32);
		count[1] += (uint64_t)__builtin_popcountll(EQ(v0, qu) |
		    EQ(v1, qu) << 32);
		count[2] += (uint64_t)__builtin_popcountll(EQ(v0, lb) |
		    EQ(v1, lb) << 32 | EQ(v0, rb) | EQ(v1, rb) << 32);
		count[3] += (uint64_t)__builtin_popcountll(EQ(v0, bs) |
		    EQ(v1, bs) << 32);
		count[4] += (uint64_t)__builtin_popcountll(EQ(v0, lf) |
		    EQ(v1, lf) << 32);
	}
}

int
main(int argc, char **argv)
{
	unsigned char *buf;
	uint64_t count[NB] = { 0 };
	ssize_t n;
	int fd, avx2;

	if (argc != 2) {
		fprintf(stderr, "usage: omph-floor file\n");
		return 2;
	}
	if ((fd = open(argv[1], O_RDONLY)) == -1) {
		fprintf(stderr, "omph-floor: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* 64 bytes past the block, zeroed: the last step reads no garbage */
	if ((buf = calloc(1, BLOCK + 64)) == NULL) {
		fprintf(stderr, "omph-floor: %s\n", strerror(errno));
		return 1;
	}
	__builtin_cpu_init();
	avx2 = __builtin_cpu_supports("avx2") != 0;
	while ((n = read(fd, buf, BLOCK)) > 0) {
		memset(buf + n, 0, 64);
		if (avx2)
			block_avx2(buf, ((size_t)n + 63) & ~(size_t)63, count);
		else
			block_sse2(buf, ((size_t)n + 63) & ~(size_t)63, count);
	}
	if (n == -1) {
		fprintf(stderr, "omph-floor: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	printf("spaces %llu quotes %llu brackets %llu backslashes %llu lines %llu\n",
	    (unsigned long long)count[0], (unsigned long long)count[1],
	    (unsigned long long)count[2], (unsigned long long)count[3],
	    (unsigned long long)count[4]);
	free(buf);
	close(fd);
	return 0;
}

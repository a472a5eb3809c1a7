/*
 * lib/hll measured: small counts, the relative error against the standard
 * error 1.04/sqrt(m) at p 8, 10 and 12 from 1e3 to 1e6 distinct values, sliding
 * windows (one window's worth counted, not the whole input; out-of-order
 * seconds; the pairs of a register; expiry), memory, checkpoints, and the
 * time of hll_add.  Prints what it measured ("hll: ..."), exits 0 when
 * every check holds, else names the first that does not and exits 1.
 * Built and run by tests/hll.bats against obj/libomph.a (or
 * obj/san/libomph.a); an argument sets the adds of the timing loops
 * (10000000).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ckpt.h"
#include "hll.h"

static int failed;

#ifndef __SANITIZE_ADDRESS__
/* glibc's own allocator, and ours that fails on demand (not under ASan) */
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
static int nomem;

void *
malloc(size_t n)
{
	if (nomem) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_malloc(n);
}

void *
calloc(size_t n, size_t size)
{
	if (nomem) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_calloc(n, size);
}

void *
realloc(void *p, size_t n)
{
	if (nomem) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, n);
}
#endif

#define CHECK(c, ...) do {						\
	if (!(c)) {							\
		printf("hll: FAILED: " __VA_ARGS__);			\
		printf(" (line %d)\n", __LINE__);			\
		failed = 1;						\
	}								\
} while (0)

/* the hash of value v of set k: distinct for distinct (k, v) */
static uint64_t
val(uint64_t k, uint64_t v)
{
	unsigned char b[16];

	memcpy(b, &k, 8);
	memcpy(b + 8, &v, 8);
	return hll_hash(b, sizeof(b));
}

static double
se(int p)
{
	return 1.04 / sqrt((double)(1u << p));
}

static void
init(struct hll *s, int p, int window)
{
	if (hll_init(s, p, window) == -1) {
		printf("hll: FAILED: hll_init %d %d\n", p, window);
		exit(1);
	}
}

static void
add(struct hll *s, uint64_t h, int64_t sec)
{
	if (hll_add(s, h, sec) == -1) {
		printf("hll: FAILED: hll_add: %s\n", strerror(errno));
		exit(1);
	}
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
small_counts(void)
{
	static const int ns[] = { 1, 2, 10 };
	struct hll s;
	size_t i;
	int w, v;
	double c;

	for (w = 0; w <= 60; w += 60)
		for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
			init(&s, 8, w);
			CHECK(hll_count(&s, 0) == 0, "an empty sketch counts %g",
			    hll_count(&s, 0));
			CHECK(hll_bytes(&s) == 0, "an empty sketch holds memory");
			for (v = 0; v < ns[i]; v++) {
				add(&s, val(1, (uint64_t)v), 5);
				add(&s, val(1, (uint64_t)v), 5);	/* again */
			}
			c = hll_count(&s, 5);
			printf("hll: p 8 %s: %d distinct -> %.3f\n",
			    w ? "window" : "totals", ns[i], c);
			CHECK(fabs(c - ns[i]) <= 1, "%d distinct counted %g",
			    ns[i], c);
			hll_free(&s);
		}
}

/* T sketches of n distinct values each (totals): error of the first, rms */
static void
accuracy(int p, int n, int trials)
{
	struct hll s;
	double c, err, first = 0, sum = 0, sq = 0, rms;
	int t, v;

	for (t = 0; t < trials; t++) {
		init(&s, p, 0);
		for (v = 0; v < n; v++)
			add(&s, val((uint64_t)(p * 1000 + t), (uint64_t)v), 0);
		c = hll_count(&s, 0);
		err = (c - n) / n;
		if (t == 0)
			first = err;
		sum += err;
		sq += err * err;
		hll_free(&s);
	}
	rms = sqrt(sq / trials);
	printf("hll: p %2d n %7d: error %+6.2f %%, over %2d sketches mean "
	    "%+6.2f %% rms %5.2f %% (standard error %.2f %%)\n", p, n,
	    100 * first, trials, 100 * sum / trials, 100 * rms, 100 * se(p));
	CHECK(fabs(first) <= 3 * se(p), "p %d n %d: error %.4f past 3 standard "
	    "errors", p, n, first);
	CHECK(rms <= 1.6 * se(p), "p %d n %d: rms error %.4f past 1.6 standard "
	    "errors", p, n, rms);
}

/*
 * A window of w seconds over secs seconds of rate new distinct values a
 * second: counted at the end of each window from the third, against
 * w * rate (within 3 standard errors when strict).
 */
static void
window_rate(int p, int w, int rate, int secs, int strict)
{
	struct hll s;
	int64_t t;
	double c, err, worst = 0;
	int v, n = w * rate;
	uint32_t maxlen = 0;

	init(&s, p, w);
	for (t = 0; t < secs; t++) {
		hll_expire(&s, t);
		for (v = 0; v < rate; v++)
			add(&s, val(7, (uint64_t)(t * rate + v)), t);
		if (s.len > maxlen)
			maxlen = s.len;
		if (t >= 2 * w && (t % w == w - 1 || t == secs - 1)) {
			c = hll_count(&s, t);
			err = (c - n) / n;
			if (fabs(err) > fabs(worst))
				worst = err;
			if (strict)
				CHECK(fabs(err) <= 3 * se(p), "p %d window %d "
				    "of %d: counted %g at %lld", p, w, n, c,
				    (long long)t);
		}
	}
	printf("hll: p %2d window %d s, %7d distinct a window over %d s "
	    "(%d in all): worst error %+6.2f %%, entries at most %lu (%lu "
	    "held), %zu bytes\n", p, w, n, secs, secs * rate, 100 * worst,
	    (unsigned long)maxlen, (unsigned long)HLL_MAXENT(p), hll_bytes(&s));
	hll_free(&s);
}

/* a hash of p 4 for register reg and rho */
static uint64_t
h4(unsigned reg, unsigned rho)
{
	return (uint64_t)reg << 60 | UINT64_C(1) << (60 - rho);
}

static void
window_pairs(void)
{
	struct hll s, one;
	double c;

	init(&s, 4, 60);
	add(&s, h4(3, 3), 10);
	add(&s, h4(3, 1), 12);
	add(&s, h4(3, 2), 11);		/* out of order, kept between */
	CHECK(s.len == 3, "3 pairs not dominated: %lu held",
	    (unsigned long)s.len);
	add(&s, h4(3, 2), 9);		/* dominated by (2, 11) */
	add(&s, h4(3, 1), 12);		/* the same pair */
	CHECK(s.len == 3, "dominated pairs kept: %lu held",
	    (unsigned long)s.len);
	add(&s, h4(3, 5), 11);		/* dominates (3, 10), (2, 11) */
	CHECK(s.len == 2, "dominated pairs not dropped: %lu held",
	    (unsigned long)s.len);
	add(&s, h4(2, 1), 5);
	CHECK(s.len == 3, "another register: %lu held", (unsigned long)s.len);
	/* at 70 (window 11 .. 70): one register of rho 5, as in totals */
	c = hll_count(&s, 70);
	init(&one, 4, 0);
	add(&one, h4(3, 5), 0);
	CHECK(fabs(c - 1) < 0.05 && c == hll_count(&one, 0),
	    "one register counted %g, in totals %g", c, hll_count(&one, 0));
	add(&one, h4(3, 4), 0);
	CHECK(hll_count(&one, 0) == c, "totals took a lower rho");
	hll_free(&one);
	/* at 72: none */
	CHECK(hll_count(&s, 72) == 0, "an expired window counted %g",
	    hll_count(&s, 72));
	/* an add at 75 of register 3 drops its expired pairs */
	add(&s, h4(3, 1), 75);
	CHECK(s.len == 2, "expired pairs kept by an add: %lu held",
	    (unsigned long)s.len);
	hll_free(&s);
	printf("hll: window pairs of a register: dominance, out of order, "
	    "lazy expiry ok\n");
}

static void
out_of_order(void)
{
	struct hll s;
	double c1, c2, c3;
	int v;

	init(&s, 12, 60);
	for (v = 0; v < 1000; v++)
		add(&s, val(8, (uint64_t)v), 100);
	for (v = 0; v < 1000; v++)
		add(&s, val(9, (uint64_t)v), 80);	/* older */
	c1 = hll_count(&s, 100);
	c2 = hll_count(&s, 145);
	c3 = hll_count(&s, 165);
	printf("hll: out of order: 1000 at 100, then 1000 at 80: at 100 "
	    "%.1f, at 145 %.1f, at 165 %.1f\n", c1, c2, c3);
	CHECK(fabs(c1 - 2000) <= 3 * se(12) * 2000, "counted %g of 2000", c1);
	CHECK(fabs(c2 - 1000) <= 3 * se(12) * 1000, "counted %g of 1000", c2);
	CHECK(c3 == 0, "counted %g of 0", c3);
	hll_expire(&s, 145);
	CHECK(fabs(hll_count(&s, 145) - c2) < 1e-9, "expiry changed a count");
	hll_expire(&s, 165);
	CHECK(s.len == 0 && hll_bytes(&s) == 0 && hll_count(&s, 165) == 0,
	    "an expired sketch holds %lu entries, %zu bytes",
	    (unsigned long)s.len, hll_bytes(&s));
	hll_free(&s);
}

static void
memory(void)
{
	static const int ns[] = { 1, 100, 10000 };
	struct hll s;
	size_t i;
	int w, v;

	printf("hll: struct hll %zu bytes\n", sizeof(struct hll));
	CHECK(sizeof(struct hll) <= 24, "struct hll of %zu bytes",
	    sizeof(struct hll));
	for (w = 0; w <= 2; w++)
		for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
			init(&s, 8, w ? 60 : 0);
			/* window: all in one second, or spread over 60 s */
			for (v = 0; v < ns[i]; v++)
				add(&s, val(10, (uint64_t)v),
				    w == 2 ? v * 60 / ns[i] : 0);
			if (s.dense)
				printf("hll: p 8 totals, %5d distinct: %5zu "
				    "bytes (dense)\n", ns[i], hll_bytes(&s));
			else
				printf("hll: p 8 %s, %5d distinct: %5zu bytes "
				    "(%lu entries)\n", w == 0 ? "totals" :
				    w == 1 ? "window, one second" :
				    "window, over 60 s", ns[i], hll_bytes(&s),
				    (unsigned long)s.len);
			if (ns[i] == 1)
				CHECK(hll_bytes(&s) <= 16, "one value takes %zu "
				    "bytes", hll_bytes(&s));
			if (w == 0)
				CHECK(hll_bytes(&s) <= 256, "totals of %zu bytes",
				    hll_bytes(&s));
			CHECK(hll_bytes(&s) <= 8 * HLL_MAXENT(8),
			    "a window of %zu bytes", hll_bytes(&s));
			hll_free(&s);
		}
}

/* save s, load it into a sketch of p and w, compare; the form's bytes */
static size_t
roundtrip(const struct hll *s, int p, int w, int64_t now, int refuse)
{
	struct ckpt_buf b = { 0 }, b2 = { 0 };
	struct ckpt_rd r;
	struct hll t;
	char err[200] = "";
	size_t n;
	int rc;

	hll_save(s, &b);
	CHECK(b.o.err == 0, "hll_save: %d", b.o.err);
	init(&t, p, w);
	memset(&r, 0, sizeof(r));
	r.p = (const unsigned char *)b.o.p;
	r.len = b.o.len;
	r.what = "test";
	r.err = err;
	r.errlen = sizeof(err);
	rc = hll_load(&t, &r);
	if (refuse) {
		CHECK(rc == -1 && r.failed && t.len == 0 && hll_bytes(&t) == 0,
		    "a sketch of p %d window %d loaded into p %d window %d",
		    s->p, s->window, p, w);
	} else {
		CHECK(rc == 0 && r.off == r.len, "hll_load: %s", err);
		CHECK(hll_count(&t, now) == hll_count(s, now), "loaded %g, "
		    "saved %g", hll_count(&t, now), hll_count(s, now));
		hll_save(&t, &b2);
		CHECK(b2.o.len == b.o.len &&
		    memcmp(b.o.p, b2.o.p, b.o.len) == 0,
		    "saved again, other bytes");
	}
	n = b.o.len;
	hll_free(&t);
	ckpt_buf_free(&b);
	ckpt_buf_free(&b2);
	return n;
}

static void
checkpoints(void)
{
	struct hll s;
	size_t n[4];
	int v;

	init(&s, 8, 0);
	n[0] = roundtrip(&s, 8, 0, 0, 0);
	for (v = 0; v < 20; v++)
		add(&s, val(11, (uint64_t)v), 0);
	n[1] = roundtrip(&s, 8, 0, 0, 0);
	for (v = 0; v < 5000; v++)
		add(&s, val(11, (uint64_t)v), 0);
	CHECK(s.dense, "5000 values at p 8 not dense");
	n[2] = roundtrip(&s, 8, 0, 0, 0);
	roundtrip(&s, 12, 0, 0, 1);
	roundtrip(&s, 8, 60, 0, 1);
	hll_free(&s);
	init(&s, 12, 60);
	for (v = 0; v < 50000; v++)
		add(&s, val(12, (uint64_t)v), v / 500);
	n[3] = roundtrip(&s, 12, 60, 99, 0);
	roundtrip(&s, 12, 0, 99, 1);
	roundtrip(&s, 11, 60, 99, 1);
	hll_free(&s);
	printf("hll: checkpoints round trip: %zu bytes empty, %zu sparse "
	    "(20), %zu dense (p 8), %zu window (p 12, %lu entries)\n", n[0],
	    n[1], n[2], n[3], (unsigned long)(n[3] - 6) / 11);
}

/* a hash of register reg and rho at p (1 <= rho <= 65 - p) */
static uint64_t
hr(int p, unsigned reg, unsigned rho)
{
	uint64_t low = rho > 64u - (unsigned)p ? 0 :
	    UINT64_C(1) << (64 - p - (int)rho);

	return (uint64_t)reg << (64 - p) | low;
}

/* Ertl's estimate of registers r[0 .. 2^p), written here again */
static double
ref_estimate(int p, const unsigned char *r)
{
	unsigned m = 1u << p, q = 64 - (unsigned)p, c[66] = { 0 }, i;
	double z, x, y, zp, t;
	int k;

	for (i = 0; i < m; i++)
		c[r[i]]++;
	if (c[0] == m)
		return 0;
	/* tau(1 - c[q + 1] / m) */
	x = 1 - (double)c[q + 1] / m;
	t = 0;
	if (x != 0 && x != 1) {
		y = 1;
		t = 1 - x;
		do {
			x = sqrt(x);
			zp = t;
			y *= 0.5;
			t -= (1 - x) * (1 - x) * y;
		} while (t != zp);
		t /= 3;
	}
	z = m * t;
	for (k = (int)q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	/* sigma(c[0] / m) */
	x = (double)c[0] / m;
	y = 1;
	t = x;
	do {
		x *= x;
		zp = t;
		t += x * y;
		y += y;
	} while (t != zp);
	z += m * t;
	return 0.72134752044448170368 * m / z * m;
}

/*
 * Dense totals in nibbles over the least register, and in bytes: 64 m
 * values of chosen register and rho (so that the least register rises
 * above 0), with 3 far above it (exceptions), then with one in 64 so (the
 * bytes form), then all rising together with 3 at the edge of their
 * nibbles, then all far above 0 from the start (bytes when the table
 * turns dense): the saved registers and the count are those of a plain array
 * of registers kept here, every 61 values.
 */
static void
dense_forms(void)
{
	static const int ps[] = { 4, 6, 8, 10, 12 };
	struct ckpt_buf b = { 0 };
	unsigned char ref[1 << 12];
	uint64_t rng = 88172645463325252ULL;
	unsigned m, reg, rho, maxrho, i, bases = 0, steps;
	size_t k, bad = 0;
	struct hll s;
	int run;

	for (k = 0; k < sizeof(ps) / sizeof(ps[0]); k++)
		for (run = 0; run < 4; run++) {
			m = 1u << ps[k];
			maxrho = 65u - (unsigned)ps[k];
			init(&s, ps[k], 0);
			memset(ref, 0, m);
			steps = 64 * m;
			for (i = 0; i < steps; i++) {
				rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
				reg = (unsigned)(rng >> 40) % m;
				/* rho as values give it: 1 half the time */
				rho = 1 + (unsigned)__builtin_clzll(rng << 24 |
				    1u << 23);
				/* run 0: 3 far above; run 1: one in 64 */
				if (run == 0 ? i % (steps / 3) == steps / 6 :
				    (rng >> 32) % 64 == 0)
					rho += 20;
				/*
				 * run 2: round after round every register one
				 * more, 3 of them 15 to 17 above the rest: an
				 * exception at the edge, back in its nibble
				 * when the least rises
				 */
				if (run == 2) {
					reg = i % m;
					rho = 1 + i / m * 20 / 64 + (reg < 3 ?
					    15 + reg : 0);
				}
				/* run 3: far above 0 from the first value */
				if (run == 3 && i < m)
					rho = 15 + i % 4;
				if (rho > maxrho)
					rho = maxrho;
				add(&s, hr(ps[k], reg, rho), 0);
				if (ref[reg] < rho)
					ref[reg] = (unsigned char)rho;
				if (s.dense && s.base > 0 && i % 64 == 0)
					bases++;
				if (i % 61 != 0 && i != steps - 1)
					continue;
				b.o.len = 0;
				hll_save(&s, &b);
				if (s.dense && (b.o.len != 6 + m ||
				    memcmp(b.o.p + 6, ref, m) != 0))
					bad++;
				if (fabs(hll_count(&s, 0) - ref_estimate(ps[k],
				    ref)) > 1e-9 * ref_estimate(ps[k], ref))
					bad++;
			}
			CHECK(s.dense, "p %d not dense", ps[k]);
			if (ps[k] >= 6)
				CHECK(hll_bytes(&s) == (run % 2 == 0 ? m / 2 +
				    (ps[k] <= 8 ? 16 : m / 32) : m),
				    "p %d run %d: %zu bytes", ps[k], run,
				    hll_bytes(&s));
			hll_free(&s);
		}
	printf("hll: dense forms (nibbles over the least register, bytes) "
	    "hold the registers of a plain array and count as it does; "
	    "%u checks with the least register above 0\n", bases);
	CHECK(bad == 0, "%zu registers or counts differ", bad);
	CHECK(bases > 100, "the least register stayed at 0");
	ckpt_buf_free(&b);
}

#ifndef __SANITIZE_ADDRESS__
/* the saved form of s, for comparing (into *b, emptied first) */
static void
form(const struct hll *s, struct ckpt_buf *b)
{
	b->o.len = 0;
	hll_save(s, b);
}

/* out of memory at the add that must grow: -1 ENOMEM, s as it was */
static void
out_of_memory(int w)
{
	struct ckpt_buf b = { 0 }, b2 = { 0 };
	struct hll s;
	int v, rc, fails = 0;
	double c;

	init(&s, 8, w);
	for (v = 0; v < 3000; v++) {
		form(&s, &b);
		c = hll_count(&s, 1);
		nomem = 1;
		rc = hll_add(&s, val(14, (uint64_t)v), v % 2);
		nomem = 0;
		if (rc == 0)
			continue;
		fails++;
		CHECK(errno == ENOMEM, "hll_add failed: %s", strerror(errno));
		form(&s, &b2);
		CHECK(hll_count(&s, 1) == c && b2.o.len == b.o.len &&
		    memcmp(b.o.p, b2.o.p, b.o.len) == 0,
		    "a failed add changed the sketch");
		add(&s, val(14, (uint64_t)v), v % 2);	/* now it can */
	}
	printf("hll: out of memory (%s): %d adds failed, the sketch as it "
	    "was\n", w ? "window" : "totals", fails);
	CHECK(fails >= 5, "%d adds failed", fails);
	hll_free(&s);
	ckpt_buf_free(&b);
	ckpt_buf_free(&b2);
}
#endif

/* hll_add per call: n adds, clients drawn from a pool, 10,000 a second */
static void
timing(int p, int w, long n, long pool)
{
	struct hll s;
	double t0, t1;
	uint64_t x = 88172645463325252ULL;
	long i;
	int64_t sec = 0;

	init(&s, p, w);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		if (i % 10000 == 0) {
			sec++;
			hll_expire(&s, sec);
		}
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		add(&s, val(13, x % (uint64_t)pool), sec);
	}
	t1 = now_s();
	printf("hll: hll_add p %2d %-10s %ld adds of %7ld clients, 10,000 a "
	    "second: %5.1f ns each (hll_hash included), %zu bytes\n", p,
	    w ? "window 60" : "totals", n, pool, (t1 - t0) / n * 1e9,
	    hll_bytes(&s));
	hll_free(&s);
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000000;
	int p;

	small_counts();
	/* 8 and 12; 10, a key's in omph-collect (AGG_VIS_P) */
	for (p = 8; p <= 12; p += 2) {
		accuracy(p, 1000, 100);
		accuracy(p, 10000, 100);
		accuracy(p, 100000, 10);
		accuracy(p, 1000000, 10);
	}
	window_rate(8, 60, 100, 600, 1);
	window_rate(10, 60, 100, 600, 1);
	window_rate(12, 60, 100, 600, 1);
	/* past the bound of entries: p 8 from 16,000 a window */
	window_rate(8, 60, 10000 / 60, 180, 1);
	window_rate(8, 60, 100000 / 60, 180, 1);
	window_rate(8, 60, 1000000 / 60, 180, 1);
	window_rate(8, 3600, 100000 / 3600, 9000, 1);
	window_rate(12, 60, 1000000 / 60, 180, 1);
	window_pairs();
	out_of_order();
	memory();
	dense_forms();
	checkpoints();
#ifndef __SANITIZE_ADDRESS__
	out_of_memory(0);
	out_of_memory(60);
#endif
	if (n > 0) {
		timing(8, 0, n, 1000000);
		timing(12, 0, n, 1000000);
		timing(8, 60, n, 1000);
		timing(8, 60, n, 100000);
		timing(12, 60, n, 1000);
		timing(12, 60, n, 100000);
	}
	if (failed)
		return 1;
	printf("hll: ok\n");
	return 0;
}

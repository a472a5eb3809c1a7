/*
 * libFuzzer target: lib/hll (distinct counts, totals and sliding windows).
 *
 * The input's first two bytes choose the sketch (p from 4 to 14, a window
 * of 0 (totals), 1, 3, 60, 3600 s or 2^30 s) and the third where its
 * seconds start (0, today, at and beyond the +-2^43 held, near the ends
 * of int64_t); the rest is a program, one byte an operation:
 *
 *	add     a hash from the next 8 bytes, at the clock or a little
 *	        before it (out of order), the clock maybe moved on first;
 *	        by hll_add or (its bit 8 set) hll_add_later, put in
 *	        (hll_done) before any other op
 *	burst   up to 64 spread values (hll_hash) at one second
 *	expire  at the clock
 *	count   at the clock
 *	reload  save and load into a new sketch, which goes on instead
 *	damage  save, change a byte the input names, load elsewhere
 *
 * Checked, as hll.h says:
 *  - a count is >= 0 and finite, 0 for an empty sketch; memory stays
 *    within the bound (m bytes in totals, HLL_MAXENT entries of 8 bytes in
 *    a window);
 *  - against a model kept here (every value added, with its clamped
 *    second), while the sketch has never been full: the count at the clock
 *    is the count of a totals sketch given, per register, one value of the
 *    register's greatest rho of the window by the model (so the registers
 *    are right, whatever the order, the lazy and explicit expiry, the
 *    sparse and dense forms); once full, at most that count;
 *  - a loaded save counts the same and saves to the same bytes;
 *  - a load of damaged bytes, and of the input itself (for its p, in
 *    totals and in a window of 60 s), never crashes: a refused one leaves
 *    an empty sketch, a taken one saves back to exactly the bytes it read
 *    (nothing dropped or made up) and can be counted on.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "hll.h"

#define FUZZ_NAME "fuzz-hll"
#include "check.h"

#define MODELMAX	(1 << 15)	/* values the model keeps */
#define WORKMAX		2000000L	/* model steps an input */

static const int ps[8] = { 4, 4, 5, 6, 8, 10, 12, 14 };
static const int windows[8] = { 0, 0, 0, 1, 3, 60, 3600, 1 << 30 };
#define B43 (INT64_C(1) << 43)
static const int64_t starts[8] = {
	0, 1700000000, B43 - 8, -B43 - 3, B43 + 1000, -B43 - 1000,
	INT64_MAX - 100, INT64_MIN + 100
};

static struct {
	uint32_t reg;
	unsigned rho;
	int64_t sec;
} model[MODELMAX];
static size_t nmodel;
static int modelled;		/* every value is in the model */
static int full;		/* the sketch has been full: it may under-count */
static long work;

static const uint8_t *in;
static size_t insize;

static int64_t
clamp(int64_t sec)
{
	return sec < -B43 ? -B43 : sec > B43 - 1 ? B43 - 1 : sec;
}

static void
check_bounds(const struct hll *s, const char *what)
{
	size_t lim = s->window > 0 ? 8 * (size_t)HLL_MAXENT(s->p) :
	    (size_t)1 << s->p;

	if (hll_bytes(s) > lim)
		fail(what, (const char *)in, insize);
}

/* sec + d, saturating */
static int64_t
later(int64_t sec, int64_t d)
{
	return sec > INT64_MAX - d ? INT64_MAX : sec + d;
}

static double
count(const struct hll *s, int64_t now, const char *what)
{
	double c = hll_count(s, now);

	if (!(c >= 0) || !isfinite(c))
		fail(what, (const char *)in, insize);
	if (hll_bytes(s) == 0 && c != 0)
		fail("an empty sketch counts", (const char *)in, insize);
	return c;
}

/* the count of the model's registers at now, through a totals sketch */
static double
model_count(const struct hll *s, int64_t now)
{
	static uint8_t reg[1 << HLL_PMAX];
	unsigned p = s->p;
	uint32_t m = UINT32_C(1) << p, r;
	uint64_t w;
	struct hll t;
	size_t i;
	double c;

	memset(reg, 0, m);
	for (i = 0; i < nmodel; i++) {
		if (s->window > 0 && !(model[i].sec > clamp(now) - s->window))
			continue;
		r = model[i].reg;
		if (reg[r] < model[i].rho)
			reg[r] = (uint8_t)model[i].rho;
	}
	hll_init(&t, (int)p, 0);
	for (r = 0; r < m; r++) {
		if (reg[r] == 0)
			continue;
		w = (uint64_t)r << (64 - p);
		if (reg[r] <= 64 - p)
			w |= UINT64_C(1) << (64 - p - reg[r]);
		if (hll_add(&t, w, 0) == -1)
			fail("out of memory", NULL, 0);
	}
	c = hll_count(&t, 0);
	hll_free(&t);
	return c;
}

static void
save(const struct hll *s, struct ckpt_buf *b)
{
	b->o.len = 0;
	hll_save(s, b);
	if (b->o.err)
		fail("out of memory", NULL, 0);
}

/*
 * Load n bytes at p into t (of s's p and window); 0 taken, -1 refused.
 * Checked as the file says; *used the bytes read.
 */
static int
load(struct hll *t, const struct hll *s, const void *p, size_t n,
    size_t *used)
{
	struct ckpt_buf b = { 0 };
	struct ckpt_rd r;
	char err[256];
	int rc;

	hll_init(t, s->p, s->window);
	memset(&r, 0, sizeof(r));
	r.p = p;
	r.len = n;
	r.what = "hll";
	r.err = err;
	r.errlen = sizeof(err);
	rc = hll_load(t, &r);
	if (rc == -1) {
		if (!r.failed || hll_bytes(t) != 0 || hll_count(t, 0) != 0)
			fail("a refused load left something", p, n);
		return -1;
	}
	if (r.failed)
		fail("a load taken with r failed", p, n);
	check_bounds(t, "a loaded sketch past the bound");
	save(t, &b);
	if (b.o.len != r.off || memcmp(b.o.p, p, b.o.len) != 0)
		fail("a loaded sketch saves to other bytes", p, n);
	ckpt_buf_free(&b);
	*used = r.off;
	return 0;
}

/* a taken sketch can be counted on */
static void
exercise(struct hll *t, int64_t now)
{
	int i;

	(void)count(t, now, "a loaded sketch counts badly");
	for (i = 0; i < 40; i++)
		if (hll_add(t, hll_hash(&i, sizeof(i)), now - i % 5) == -1)
			fail("out of memory", NULL, 0);
	hll_expire(t, now);
	(void)count(t, now, "a loaded sketch counts badly");
	hll_expire(t, later(now, 1000000));
	(void)count(t, later(now, 1000000), "a loaded sketch counts badly");
	check_bounds(t, "a loaded sketch past the bound");
}

static struct hll_later lat;	/* a value hll_add_later holds */

static void
add(struct hll *s, uint64_t h, int64_t sec)
{
	unsigned p = s->p, rho;
	uint64_t w;

	if (s->len == HLL_MAXENT(s->p) && s->window > 0)
		full = 1;
	/* half the values through hll_add_later, put in by the next op */
	if (h & 0x100 ? hll_add_later(s, h, sec, &lat) == -1 :
	    (hll_done(&lat), hll_add(s, h, sec) == -1))
		fail("out of memory", NULL, 0);
	check_bounds(s, "a sketch past the bound");
	if (!modelled)
		return;
	if (nmodel == MODELMAX) {
		modelled = 0;
		return;
	}
	/* the register: the top p bits; rho: the first 1 of the others */
	w = h << p;
	for (rho = 1; rho <= 64 - p && !(w & UINT64_C(1) << 63); rho++)
		w <<= 1;
	model[nmodel].reg = (uint32_t)(h >> (64 - p));
	model[nmodel].rho = rho;
	model[nmodel++].sec = clamp(sec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hll s, t;
	struct ckpt_buf b = { 0 };
	uint64_t h;
	int64_t clock, sec, hi;
	size_t i, k, used, at;
	unsigned op, n, d;
	double c, want;
	int j;

	in = data;
	insize = size;
	if (size < 3)
		return 0;
	if (hll_init(&s, ps[data[0] % 8], windows[data[1] % 8]) == -1)
		fail("hll_init refused", NULL, 0);
	clock = hi = starts[data[2] % 8];
	nmodel = 0;
	modelled = 1;
	full = 0;
	work = 0;
	if (count(&s, clock, "an empty sketch counts badly") != 0 ||
	    hll_bytes(&s) != 0)
		fail("an empty sketch is not", NULL, 0);

	for (i = 3; i < size; ) {
		op = data[i++];
		if (op % 8 > 3)
			hll_done(&lat);	/* before s is read or replaced */
		switch (op % 8) {
		case 0:
		case 1:
		case 2:		/* add */
			d = i < size ? data[i++] : 0;
			if (d & 0x80 && clock < INT64_MAX - 16)
				clock += d & 15;
			sec = clock - (int64_t)((d >> 4) & 7);
			for (h = 0, k = 0; k < 8; k++)
				h = h << 8 | (i < size ? data[i++] : 0);
			add(&s, h, sec);
			break;
		case 3:		/* burst */
			d = i < size ? data[i++] : 0;
			if (clock < INT64_MAX - 16)
				clock += d & 3;
			for (n = 0; n < (op >> 3) * 2 + 1; n++) {
				h = (uint64_t)d << 32 | (uint64_t)i << 8 | n;
				add(&s, hll_hash(&h, sizeof(h)), clock);
			}
			break;
		case 4:		/* expire */
			hll_expire(&s, clock);
			check_bounds(&s, "an expired sketch past the bound");
			break;
		case 5:		/* count */
			c = count(&s, clock, "a count not >= 0 and finite");
			if (!modelled || work + (long)nmodel > WORKMAX)
				break;
			work += (long)nmodel + (1L << s.p);
			want = model_count(&s, clock);
			if (full ? c > want : c != want) {
				fprintf(stderr, FUZZ_NAME ": counted %.17g, the "
				    "model %.17g (p %d window %d, %zu values)\n",
				    c, want, s.p, s.window, nmodel);
				fail("a count not the model's", NULL, 0);
			}
			break;
		case 6:		/* reload */
			c = count(&s, clock, "a count not >= 0 and finite");
			save(&s, &b);
			if (load(&t, &s, b.o.p, b.o.len, &used) == -1)
				fail("a save is not loaded", b.o.p, b.o.len);
			if (used != b.o.len || count(&t, clock,
			    "a loaded count not >= 0 and finite") != c)
				fail("a loaded sketch counts otherwise", NULL, 0);
			hll_free(&s);
			s = t;
			break;
		case 7:		/* damage */
			save(&s, &b);
			at = 0;
			for (k = 0; k < 2; k++)
				at = at << 8 | (i < size ? data[i++] : 0);
			d = i < size ? data[i++] : 0;
			b.o.p[at % b.o.len] ^= (unsigned char)(d ? d : 1);
			if (load(&t, &s, b.o.p, b.o.len, &used) == 0)
				exercise(&t, clock);
			hll_free(&t);
			break;
		}
		if (clock > hi)
			hi = clock;
	}
	hll_done(&lat);
	(void)count(&s, hi, "a count not >= 0 and finite");

	/* the input itself, as a checkpoint of a few sketches */
	for (j = 0; j < 2; j++) {
		hll_free(&s);
		hll_init(&s, data[0] >= HLL_PMIN && data[0] <= HLL_PMAX ?
		    data[0] : 8, j % 2 ? 60 : 0);
		if (load(&t, &s, data, size, &used) == 0)
			exercise(&t, 1000);
		hll_free(&t);
	}
	hll_free(&s);
	ckpt_buf_free(&b);
	return 0;
}

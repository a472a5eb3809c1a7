#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "hash.h"
#include "hll.h"

/*
 * A sparse entry, so that entries sort as uint64_t: by register, then by
 * second, then by rho:
 *
 *	bits 63..50  register (14 bits, p <= 14)
 *	bits 49..6   second + 2^43 (44 bits; 0 in totals)
 *	bits  5..0   rho (1 .. 65 - p <= 61)
 */
#define REGSHIFT	50
#define SECBITS		44
#define SECBIAS		(INT64_C(1) << (SECBITS - 1))
#define SECMASK		((UINT64_C(1) << SECBITS) - 1)
#define RHOMASK		UINT64_C(63)

#define REG(e)		((uint32_t)((e) >> REGSHIFT))
#define SECB(e)		((int64_t)(((e) >> 6) & SECMASK))
#define RHO(e)		((unsigned)((e) & RHOMASK))
#define ENT(reg, secb, rho) \
	((uint64_t)(reg) << REGSHIFT | (uint64_t)(secb) << 6 | (uint64_t)(rho))

#define M(s)		(UINT32_C(1) << (s)->p)
#define MAXRHO(p)	(65u - (unsigned)(p))
/* a hash's register (its first p bits) and rho (the rest's leading zeros + 1) */
#define REGOF(s, h)	((uint32_t)((h) >> (64 - (s)->p)))
#define RHOOF(s, h)	((h) << (s)->p == 0 ? MAXRHO((s)->p) : \
			    (unsigned)__builtin_clzll((h) << (s)->p) + 1)
/*
 * Dense totals take one of two forms (s->dense):
 *  - BYTES: m one-byte registers.
 *  - NIBBLES (p >= 6, where it is the smaller): s->base, the least register
 *    of all, and per register its excess over base in 4 bits (register i
 *    in byte i / 2, the low half for even i), m / 2 bytes; an excess of 15
 *    or more is 15 there and the register's entry (register << 6 | rho)
 *    is one of NIBEXC 4-byte exceptions after the nibbles (4, or m / 128
 *    from p 10: about m ln m 2^-15 registers are so far above the least
 *    of them, 1 at p 12).  s->len is the
 *    count of registers at base (excess 0); when an add leaves none, base
 *    goes up by one (a pass over m).  A register past base + 14 when the
 *    exceptions are full turns the sketch into BYTES for good.  For m
 *    values or more, base soon rises above 0 and most values are below it:
 *    rejected without a look at the registers.
 */
enum { SPARSE, BYTES, NIBBLES };
#define NIBEXC(s)	((s)->p <= 8 ? 4u : M(s) / 128)
#define NIBOK(s)	((s)->p >= 6)	/* m / 2 + 4 NIBEXC < m */
#define NIBMAX		15	/* an excess of NIBMAX or more: an exception */
#define EXC(s)		((uint32_t *)(void *)((uint8_t *)(s)->r + M(s) / 2))
/* sparse entries at most: window HLL_MAXENT, totals the dense form's bytes */
#define LIMIT(s)	((s)->window > 0 ? HLL_MAXENT((s)->p) : \
			    NIBOK(s) ? M(s) / 16 : M(s) / 8)
#define RUNMAX		64	/* a register's pairs: rho strictly decreasing */
#define ALPHA		0.72134752044448170368	/* 1 / (2 ln 2) */

enum { FORM_SPARSE, FORM_WINDOW, FORM_DENSE };	/* in checkpoints */

uint64_t
hll_hash(const void *p, size_t n)
{
	uint64_t k = hash_fnv64(HASH_FNV64, p, n);

	k ^= k >> 33;
	k *= UINT64_C(0xff51afd7ed558ccd);
	k ^= k >> 33;
	k *= UINT64_C(0xc4ceb9fe1a85ec53);
	k ^= k >> 33;
	return k;
}

/* a second as held: clamped to +-2^43, biased to 0 .. 2^44 - 1 */
static int64_t
secb(int64_t sec)
{
	if (sec < -SECBIAS)
		sec = -SECBIAS;
	else if (sec > SECBIAS - 1)
		sec = SECBIAS - 1;
	return sec + SECBIAS;
}

int
hll_init(struct hll *s, int p, int window)
{
	memset(s, 0, sizeof(*s));
	if (p < HLL_PMIN || p > HLL_PMAX || window < 0) {
		s->p = 8;
		errno = EINVAL;
		return -1;
	}
	s->p = (uint8_t)p;
	s->window = window;
	return 0;
}

void
hll_free(struct hll *s)
{
	free(s->r);
	s->r = NULL;
	s->len = s->cap = 0;
	s->dense = SPARSE;
	s->base = 0;
}

void
hll_reset(struct hll *s)
{
	hll_free(s);
}

size_t
hll_bytes(const struct hll *s)
{
	if (s->dense == BYTES)
		return M(s);
	if (s->dense == NIBBLES)
		return M(s) / 2 + NIBEXC(s) * sizeof(uint32_t);
	return (size_t)s->cap * (s->window > 0 ? sizeof(uint64_t) :
	    sizeof(uint32_t));
}

/* the first sparse entry >= key */
static uint32_t
find(const uint64_t *e, uint32_t len, uint64_t key)
{
	uint32_t lo = 0, hi = len, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (e[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* room for need sparse entries (need <= LIMIT): doubling, -1 ENOMEM */
static int
grow(struct hll *s, uint32_t need)
{
	uint32_t cap = s->cap ? s->cap * 2 : 2, lim = LIMIT(s);
	uint64_t *ne;

	if (need <= s->cap)
		return 0;
	if (cap > lim)
		cap = lim;
	if (cap < need)
		cap = need;
	if ((ne = realloc(s->r, (size_t)cap * sizeof(*ne))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	s->r = ne;
	s->cap = cap;
	return 0;
}

/* give back memory that len entries no longer need */
static void
shrink(struct hll *s)
{
	uint64_t *ne;
	uint32_t cap;

	if (s->len == 0) {
		hll_free(s);
		return;
	}
	if (s->cap <= 4 || s->len > s->cap / 4)
		return;
	cap = s->len * 2;
	if ((ne = realloc(s->r, (size_t)cap * sizeof(*ne))) != NULL) {
		s->r = ne;
		s->cap = cap;
	}
}

/* keep the sparse entries of a second > cutb (biased) */
static void
cut(struct hll *s, int64_t cutb)
{
	uint64_t *e = s->r;
	uint32_t i, n = 0;

	for (i = 0; i < s->len; i++)
		if (SECB(e[i]) > cutb)
			e[n++] = e[i];
	s->len = n;
}

/*
 * A full window sketch: drop the pairs of the lowest rho, at least 1/32 of
 * them (every pair of the last rho taken: at most one a register), so that
 * the scans this takes are paid for by 1/32 of the entries' worth of adds.
 * The lowest rho of a register are its latest pairs: dropped, they can
 * only lower the counts of windows to come, and not by much while the
 * sketch is full (many values a register: its maximum of a window is far
 * above them).  The oldest pairs are its maxima over the longest windows:
 * dropping those instead would make the sketch forget the far end of every
 * window.
 */
static void
evict(struct hll *s)
{
	uint64_t *e = s->r;
	uint32_t i, n, at[RUNMAX] = { 0 }, need = s->len / 32 ? s->len / 32 : 1;
	unsigned r;

	for (i = 0; i < s->len; i++)
		at[RHO(e[i])]++;
	for (r = 0, n = 0; r < RUNMAX - 1 && n < need; )
		n += at[++r];
	for (i = 0, n = 0; i < s->len; i++)
		if (RHO(e[i]) > r)
			e[n++] = e[i];
	s->len = n;
}


/*
 * Totals, sparse: a table of cap (a power of two) 4-byte entries, register
 * << 6 | rho (never 0: rho >= 1), 0 an empty place; a register's place is
 * its low bits (they are well spread: hash bits), then the next ones.  At
 * most half full, so at most LIMIT entries take m bytes, as dense does.
 */
#define TREG(e)		((e) >> 6)
#define TRHO(e)		((e) & 63u)

/* the place of register reg in table t (cap places): its entry or a 0 */
static uint32_t
tplace(const uint32_t *t, uint32_t cap, uint32_t reg)
{
	uint32_t i = reg & (cap - 1);

	while (t[i] != 0 && TREG(t[i]) != reg)
		i = (i + 1) & (cap - 1);
	return i;
}

/* NIBBLES: register reg's 4 bits, its excess over base (NIBMAX: see EXC) */
static unsigned
nib_get(const struct hll *s, uint32_t reg)
{
	return ((const uint8_t *)s->r)[reg >> 1] >> (reg & 1) * 4 & 15;
}

/* NIBBLES: the exception of register reg, whose nibble is NIBMAX */
static uint32_t *
exc_of(const struct hll *s, uint32_t reg)
{
	uint32_t *x = EXC(s);

	while (TREG(*x) != reg)
		x++;
	return x;
}

/* register reg of a dense sketch */
static unsigned
dense_get(const struct hll *s, uint32_t reg)
{
	unsigned v;

	if (s->dense == BYTES)
		return ((const uint8_t *)s->r)[reg];
	v = nib_get(s, reg);
	return v < NIBMAX ? s->base + v : TRHO(*exc_of(s, reg));
}

/* NIBBLES: register reg's excess over base set to v (< 16) */
static void
nib_set(struct hll *s, uint32_t reg, unsigned v)
{
	uint8_t *d = (uint8_t *)s->r + (reg >> 1);
	unsigned sh = (reg & 1) * 4;

	*d = (uint8_t)((*d & ~(15u << sh)) | v << sh);
}

/*
 * NIBBLES: register reg (not an exception) set to rho >= base: an
 * exception past base + 14, the caller having seen to the room for it
 */
static void
put_nib(struct hll *s, uint32_t reg, unsigned rho)
{
	if (rho - s->base >= NIBMAX) {
		EXC(s)[s->cap++] = reg << 6 | rho;
		nib_set(s, reg, NIBMAX);
	} else
		nib_set(s, reg, rho - s->base);
}

/*
 * s made NIBBLES over base with at registers at it, no register set yet;
 * the old r is the caller's to free.  -1 ENOMEM, s as it was.
 */
static int
nib_start(struct hll *s, unsigned base, uint32_t at)
{
	void *d = calloc(1, M(s) / 2 + NIBEXC(s) * sizeof(uint32_t));

	if (d == NULL) {
		errno = ENOMEM;
		return -1;
	}
	s->r = d;
	s->dense = NIBBLES;
	s->base = (uint8_t)base;
	s->len = at;
	s->cap = 0;
	return 0;
}

/*
 * s dense, of registers r8[0 .. m) (each <= MAXRHO): NIBBLES when they fit
 * in it, else BYTES; what s held is freed.  -1 ENOMEM, s as it was.
 */
static int
dense_from(struct hll *s, const uint8_t *r8)
{
	uint32_t m = M(s), i, nexc = 0, at = 0;
	unsigned base = 255;
	void *d;

	if (NIBOK(s)) {
		for (i = 0; i < m; i++)
			if (r8[i] < base)
				base = r8[i];
		for (i = 0; i < m; i++) {
			nexc += r8[i] - base >= NIBMAX;
			at += r8[i] == base;
		}
	}
	if (!NIBOK(s) || nexc > NIBEXC(s)) {
		if ((d = malloc(m)) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		memcpy(d, r8, m);
		free(s->r);
		s->r = d;
		s->len = s->cap = 0;
		s->base = 0;
		s->dense = BYTES;
		return 0;
	}
	d = s->r;
	if (nib_start(s, base, at) == -1)
		return -1;
	free(d);
	for (i = 0; i < m; i++)
		put_nib(s, i, r8[i]);
	return 0;
}

/*
 * s made dense anew with register reg at least rho: a sparse table past
 * its LIMIT, or NIBBLES whose exceptions are full.  -1 ENOMEM, s as it was.
 */
static __attribute__((noinline)) int
dense_redo(struct hll *s, uint32_t reg, unsigned rho)
{
	uint8_t r8[1u << HLL_PMAX];
	const uint32_t *t = s->r;
	uint32_t i, n = 0, cap = s->cap;

	if (s->dense == SPARSE && NIBOK(s)) {
		/*
		 * NIBBLES over base 0 (at most m / 16 registers are not 0),
		 * straight from the table: its entries' pass, not m's
		 */
		for (i = 0; i < s->cap; i++)
			n += t[i] != 0 && TRHO(t[i]) >= NIBMAX;
		n += rho >= NIBMAX;
		if (n <= NIBEXC(s)) {
			/* at 0: all but the table's registers and reg */
			if (nib_start(s, 0, M(s) - s->len - 1) == -1)
				return -1;
			for (i = 0; i < cap; i++)
				if (t[i] != 0)
					put_nib(s, TREG(t[i]), TRHO(t[i]));
			free((void *)t);
			put_nib(s, reg, rho);
			return 0;
		}
	}
	if (s->dense == SPARSE) {
		memset(r8, 0, M(s));
		for (i = 0; i < s->cap; i++)
			if (t[i] != 0)
				r8[TREG(t[i])] = (uint8_t)TRHO(t[i]);
	} else
		for (i = 0; i < M(s); i++)
			r8[i] = (uint8_t)dense_get(s, i);
	if (r8[reg] < rho)
		r8[reg] = (uint8_t)rho;
	return dense_from(s, r8);
}

/* NIBBLES with no register left at base: base up until one is */
static void
rebase(struct hll *s)
{
	uint32_t *x, m = M(s), i;
	unsigned v;

	while (s->len == 0) {
		s->base++;
		for (i = 0; i < m; i++) {
			v = nib_get(s, i);
			if (v == NIBMAX) {
				x = exc_of(s, i);
				if (TRHO(*x) - s->base >= NIBMAX)
					continue;
				v = TRHO(*x) - s->base;
				*x = EXC(s)[--s->cap];
			} else
				v--;
			nib_set(s, i, v);
			s->len += v == 0;
		}
	}
}

static int
add_dense(struct hll *s, uint32_t reg, unsigned rho)
{
	uint8_t *d = s->r;
	uint32_t *x;
	unsigned cur;

	if (s->dense == BYTES) {
		if (d[reg] < rho)
			d[reg] = (uint8_t)rho;
		return 0;
	}
	if (rho <= s->base)
		return 0;
	cur = nib_get(s, reg);
	if (cur == NIBMAX) {
		x = exc_of(s, reg);
		if (TRHO(*x) < rho)
			*x = reg << 6 | rho;
		return 0;
	}
	if (rho - s->base <= cur)
		return 0;
	if (rho - s->base >= NIBMAX && s->cap == NIBEXC(s))
		return dense_redo(s, reg, rho);
	put_nib(s, reg, rho);
	if (cur == 0 && --s->len == 0)
		rebase(s);
	return 0;
}

/* the table in cap places (a power of two > 2 len); -1 ENOMEM, s as it was */
static int
trehash(struct hll *s, uint32_t cap)
{
	uint32_t *t, *o = s->r, i;

	if ((t = calloc(cap, sizeof(*t))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < s->cap; i++)
		if (o[i] != 0)
			t[tplace(t, cap, TREG(o[i]))] = o[i];
	free(o);
	s->r = t;
	s->cap = cap;
	return 0;
}

/* totals, sparse: one entry per register; dense past m bytes of them */
static int
add_totals(struct hll *s, uint32_t reg, unsigned rho)
{
	uint32_t *t = s->r, i;

	if (t != NULL) {
		i = tplace(t, s->cap, reg);
		if (t[i] != 0) {
			if (TRHO(t[i]) < rho)
				t[i] = reg << 6 | rho;
			return 0;
		}
	}
	if (s->len + 1 > LIMIT(s))
		return dense_redo(s, reg, rho);
	if ((s->len + 1) * 2 > s->cap) {
		if (trehash(s, s->cap ? s->cap * 2 : 4) == -1)
			return -1;
		t = s->r;
	}
	t[tplace(t, s->cap, reg)] = reg << 6 | rho;
	s->len++;
	return 0;
}

/*
 * Window: the register's run of pairs [lo, hi) is rebuilt in run[] (the
 * pairs of expired seconds left out, those the new pair dominates
 * replaced by it, or it left out when dominated), then put in its place.
 */
static int
add_window(struct hll *s, uint32_t reg, unsigned rho, int64_t sb)
{
	uint64_t run[RUNMAX], *e;
	uint32_t lo, hi, i, k;
	int64_t cutb = sb - s->window;
	int kept;

again:
	e = s->r;
	lo = find(e, s->len, ENT(reg, 0, 0));
	for (hi = lo; hi < s->len && REG(e[hi]) == reg; hi++)
		;
	k = 0;
	kept = 0;
	for (i = lo; i < hi; i++) {
		if (SECB(e[i]) <= cutb)
			continue;		/* out of every window to come */
		if (!kept && SECB(e[i]) >= sb) {
			/* the pairs of seconds >= sb start here */
			if (RHO(e[i]) >= rho)
				kept = -1;	/* e[i] dominates the new pair */
			else {
				/* drop the earlier pairs it dominates */
				while (k > 0 && RHO(run[k - 1]) <= rho)
					k--;
				run[k++] = ENT(reg, sb, rho);
				kept = 1;
				if (SECB(e[i]) == sb)
					continue;	/* dominated */
			}
		}
		run[k++] = e[i];
	}
	if (!kept) {
		while (k > 0 && RHO(run[k - 1]) <= rho)
			k--;
		run[k++] = ENT(reg, sb, rho);
	}
	if (k > hi - lo) {
		/* one more entry */
		if (s->len + 1 > LIMIT(s)) {
			evict(s);
			goto again;
		}
		if (grow(s, s->len + 1) == -1)
			return -1;
		e = s->r;
	} else if (kept == -1 && k == hi - lo)
		return 0;		/* nothing changed */
	memmove(e + lo + k, e + hi, (s->len - hi) * sizeof(*e));
	memcpy(e + lo, run, k * sizeof(*e));
	s->len = s->len + k - (hi - lo);
	return 0;
}

int
hll_add(struct hll *s, uint64_t hash, int64_t sec)
{
	uint32_t reg = REGOF(s, hash);
	unsigned rho = RHOOF(s, hash);

	if (s->dense)
		return add_dense(s, reg, rho);
	if (s->window > 0)
		return add_window(s, reg, rho, secb(sec));
	return add_totals(s, reg, rho);
}

int
hll_add_later(struct hll *s, uint64_t hash, int64_t sec, struct hll_later *l)
{
	uint32_t reg = REGOF(s, hash);
	unsigned rho = RHOOF(s, hash);

	hll_done(l);
	if (s->dense == BYTES)
		__builtin_prefetch((uint8_t *)s->r + reg, 1);
	else if (s->dense == NIBBLES) {
		if (rho <= s->base)
			return 0;	/* below every register */
		if (rho - s->base >= NIBMAX)
			return add_dense(s, reg, rho);	/* may grow */
		__builtin_prefetch((uint8_t *)s->r + reg / 2, 1);
	} else if (s->window == 0 && s->len + 1 <= LIMIT(s) &&
	    (s->len + 1) * 2 <= s->cap)
		__builtin_prefetch((uint32_t *)s->r + (reg & (s->cap - 1)), 1);
	else
		return hll_add(s, hash, sec);
	l->s = s;
	l->reg = reg;
	l->rho = rho;
	return 0;
}

void
hll_settle(const struct hll_later *l)
{
	if (l->s == NULL)
		return;
	if (l->s->dense)
		(void)add_dense(l->s, l->reg, l->rho);	/* no exception: no fail */
	else
		(void)add_totals(l->s, l->reg, l->rho);	/* room: no fail */
}

void
hll_done(struct hll_later *l)
{
	hll_settle(l);
	l->s = NULL;
}

/* Ertl's sigma(x) = x + sum over k >= 1 of x^(2^k) 2^(k-1), for x < 1 */
static double
sigma(double x)
{
	double y = 1, z = x, zp;

	do {
		x *= x;
		zp = z;
		z += x * y;
		y += y;
	} while (z != zp);
	return z;
}

/* Ertl's tau(x) = (1 - x - sum over k >= 1 of (1 - x^(2^-k))^2 2^-k) / 3 */
static double
tau(double x)
{
	double y = 1, z = 1 - x, zp;

	if (x == 0 || x == 1)
		return 0;
	do {
		x = sqrt(x);
		zp = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (z != zp);
	return z / 3;
}

/*
 * The estimate from c[k], the registers of value k (0 .. 65 - p): Ertl's
 * improved raw estimator ("New cardinality estimation algorithms for
 * HyperLogLog sketches", 2017, section 3.5), the harmonic mean of the
 * registers, alpha_inf m^2 / sum 2^-register, with 0 and the greatest
 * value (all bits 0) taken for what they say of the values beyond them
 * (sigma, tau): as good as linear counting where that is best, with no
 * switch from one to the other.
 */
static double
estimate(const struct hll *s, const uint32_t *c)
{
	uint32_t m = M(s);
	unsigned q = MAXRHO(s->p) - 1, k;
	double z;

	if (c[0] == m)
		return 0;
	z = m * tau(1 - (double)c[q + 1] / m);
	for (k = q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * sigma((double)c[0] / m);
	return ALPHA * m / z * m;
}

double
hll_count(const struct hll *s, int64_t now)
{
	const uint64_t *e = s->r;
	const uint8_t *d = s->r;
	uint32_t c[RUNMAX] = { 0 }, m = M(s), i, reg;
	int64_t cutb;

	if (s->dense == BYTES) {
		for (i = 0; i < m; i++)
			c[d[i]]++;
		return estimate(s, c);
	}
	if (s->dense == NIBBLES) {
		uint32_t c4[16] = { 0 };

		for (i = 0; i < m / 2; i++) {
			c4[d[i] & 15]++;
			c4[d[i] >> 4]++;
		}
		for (i = 0; i < NIBMAX; i++)
			if (c4[i] != 0)
				c[s->base + i] += c4[i];
		for (i = 0; i < s->cap; i++)
			c[TRHO(EXC(s)[i])]++;
		return estimate(s, c);
	}
	if (s->window == 0) {
		const uint32_t *t = s->r;

		for (i = 0; i < s->cap; i++)
			if (t[i] != 0)
				c[TRHO(t[i])]++;
		c[0] = m - s->len;
		return estimate(s, c);
	}
	/* a register's value: its first pair of the window */
	cutb = secb(now) - s->window;
	c[0] = m;
	for (i = 0; i < s->len; ) {
		reg = REG(e[i]);
		for (; i < s->len && REG(e[i]) == reg; i++)
			if (SECB(e[i]) > cutb) {
				c[RHO(e[i])]++;
				c[0]--;
				break;
			}
		while (i < s->len && REG(e[i]) == reg)
			i++;
	}
	return estimate(s, c);
}

void
hll_expire(struct hll *s, int64_t now)
{
	if (s->window == 0 || s->len == 0)
		return;
	cut(s, secb(now) - s->window);
	shrink(s);
}

void
hll_save(const struct hll *s, struct ckpt_buf *b)
{
	const uint64_t *e = s->r;
	uint32_t i;

	ckpt_put_u8(b, s->p);
	if (s->dense) {
		ckpt_put_u8(b, FORM_DENSE);
		ckpt_put_u32(b, M(s));
		for (i = 0; i < M(s); i++)
			ckpt_put_u8(b, (uint8_t)dense_get(s, i));
		return;
	}
	ckpt_put_u8(b, s->window > 0 ? FORM_WINDOW : FORM_SPARSE);
	ckpt_put_u32(b, s->len);
	if (s->window == 0) {
		/* by register: a pass over m, as a dense sketch takes */
		const uint32_t *t = s->r;
		uint8_t rho[1u << HLL_PMAX];

		if (s->len == 0)
			return;
		memset(rho, 0, M(s));
		for (i = 0; i < s->cap; i++)
			if (t[i] != 0)
				rho[TREG(t[i])] = (uint8_t)TRHO(t[i]);
		for (i = 0; i < M(s); i++)
			if (rho[i] != 0) {
				ckpt_put_u16(b, i);
				ckpt_put_u8(b, rho[i]);
			}
		return;
	}
	for (i = 0; i < s->len; i++) {
		ckpt_put_u16(b, REG(e[i]));
		ckpt_put_u8(b, RHO(e[i]));
		if (s->window > 0)
			ckpt_put_i64(b, SECB(e[i]) - SECBIAS);
	}
}

/* totals, sparse: n entries (1 <= n <= LIMIT, room checked) into s */
static int
load_totals(struct hll *s, struct ckpt_rd *r, uint32_t n)
{
	uint32_t i, reg, cap, *t;
	long prev = -1;
	unsigned rho;

	for (cap = 4; cap < 2 * n; cap *= 2)
		;
	if ((s->r = t = calloc(cap, sizeof(*t))) == NULL)
		return ckpt_fail(r, "out of memory");
	s->cap = cap;
	for (i = 0; i < n; i++) {
		reg = ckpt_get_u16(r);
		rho = ckpt_get_u8(r);
		if (r->failed)
			return -1;
		if (reg >= M(s) || rho < 1 || rho > MAXRHO(s->p))
			return ckpt_fail(r, "a distinct count out of range");
		if ((long)reg <= prev)
			return ckpt_fail(r, "a distinct count out of order");
		prev = (long)reg;
		t[tplace(t, cap, reg)] = reg << 6 | rho;
		s->len++;
	}
	return 0;
}

/* the sparse entries of a checkpoint, n of them, into s (empty) */
static int
load_sparse(struct hll *s, struct ckpt_rd *r, uint32_t n)
{
	uint64_t *e, prev = 0;
	uint32_t i, reg;
	unsigned rho;
	int64_t sec;

	if (n > LIMIT(s))
		return ckpt_fail(r, "a distinct count of %lu entries, more "
		    "than %lu", (unsigned long)n, (unsigned long)LIMIT(s));
	if (ckpt_room(r, n, s->window > 0 ? 11 : 3) == -1)
		return -1;
	if (n == 0)
		return 0;
	if (s->window == 0)
		return load_totals(s, r, n);
	if ((s->r = malloc((size_t)n * sizeof(*e))) == NULL)
		return ckpt_fail(r, "out of memory");
	s->cap = n;
	e = s->r;
	for (i = 0; i < n; i++) {
		reg = ckpt_get_u16(r);
		rho = ckpt_get_u8(r);
		sec = s->window > 0 ? ckpt_get_i64(r) : -SECBIAS;
		if (r->failed)
			return -1;
		if (reg >= M(s) || rho < 1 || rho > MAXRHO(s->p) ||
		    sec < -SECBIAS || sec > SECBIAS - 1)
			return ckpt_fail(r, "a distinct count out of range");
		e[i] = ENT(reg, sec + SECBIAS, rho);
		/* increasing; in a register, seconds up and rho down */
		if (i > 0 && (REG(prev) == reg ? SECB(prev) >= SECB(e[i]) ||
		    RHO(prev) <= rho : REG(prev) > reg))
			return ckpt_fail(r, "a distinct count out of order");
		prev = e[i];
		s->len++;
	}
	return 0;
}

int
hll_load(struct hll *s, struct ckpt_rd *r)
{
	unsigned p, form, v;
	uint32_t n, i;
	uint8_t d[1u << HLL_PMAX];

	hll_free(s);
	p = ckpt_get_u8(r);
	form = ckpt_get_u8(r);
	n = ckpt_get_u32(r);
	if (r->failed)
		return -1;
	if (p != s->p)
		return ckpt_fail(r, "a distinct count of p %u, not %u", p,
		    (unsigned)s->p);
	if (s->window > 0 ? form != FORM_WINDOW :
	    form != FORM_SPARSE && form != FORM_DENSE)
		return ckpt_fail(r, "a distinct count of form %u for %s", form,
		    s->window > 0 ? "a window" : "totals");
	if (form != FORM_DENSE) {
		if (load_sparse(s, r, n) == -1) {
			hll_free(s);
			return -1;
		}
		return 0;
	}
	if (n != M(s))
		return ckpt_fail(r, "a distinct count of %lu registers, not %lu",
		    (unsigned long)n, (unsigned long)M(s));
	if (ckpt_room(r, n, 1) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		v = ckpt_get_u8(r);
		if (v > MAXRHO(s->p))
			return ckpt_fail(r, "a distinct count out of range");
		d[i] = (uint8_t)v;
	}
	if (r->failed)
		return -1;
	if (dense_from(s, d) == -1)
		return ckpt_fail(r, "out of memory");
	return 0;
}

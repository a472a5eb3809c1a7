#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "agg.h"
#include "ckpt.h"

/* one key's counts within one second of the window */
struct delta {
	uint32_t slot, gen;
	uint32_t hits, cls[4];
	uint64_t bytes;
	struct hist h;
};

struct agg_sec {
	int64_t sec;		/* INT64_MIN: empty */
	struct delta *d;
	uint32_t n, cap;
	uint32_t *map;		/* slot hash -> delta index + 1 */
	uint32_t mapmask;
	struct agg_counts tot;
	struct hist th;
};

static uint32_t
hash(const char *p, size_t n)
{
	return hash_words(p, n);
}

/* a table entry (hash.h): the key's hash above its slot + 1 (0: none) */
#define TENT(h, s)	HASH_ENT(h, (uint64_t)(s) + 1)

static uint64_t
rnd(struct agg *a)
{
	a->rng ^= a->rng << 13;
	a->rng ^= a->rng >> 7;
	a->rng ^= a->rng << 17;
	return a->rng;
}

int
agg_init(struct agg *a, size_t max, int window)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	a->max = max;
	a->window = window;
	a->first = a->newest = INT64_MIN;
	a->rng = 0x9e3779b97f4a7c15ULL;
	/* the key slots and the table grow with the keys seen, up to max */
	if (window > 0) {
		if ((a->ring = calloc((size_t)window, sizeof(*a->ring))) == NULL)
			goto fail;
		for (i = 0; i < (size_t)window; i++)
			a->ring[i].sec = INT64_MIN;
	}
	return 0;
fail:
	agg_free(a);
	errno = ENOMEM;
	return -1;
}

void
agg_free(struct agg *a)
{
	size_t i;
	uint32_t j;

	if (a == NULL)
		return;
	hll_done(&a->later);
	for (i = 0; a->keys != NULL && i < a->hi; i++) {
		free(a->keys[i].key);
		hist_free(&a->keys[i].h);
		hll_free(&a->keys[i].v);
	}
	for (i = 0; a->ring != NULL && i < (size_t)a->window; i++) {
		for (j = 0; j < a->ring[i].n; j++)
			hist_free(&a->ring[i].d[j].h);
		free(a->ring[i].d);
		free(a->ring[i].map);
		hist_free(&a->ring[i].th);
	}
	hist_free(&a->total.h);
	hll_free(&a->total.v);
	free(a->keys);
	free(a->freel);
	free(a->tab);
	free(a->ring);
	memset(a, 0, sizeof(*a));
}

/* table position of slot s (which is in the table) */
static size_t
tabpos(const struct agg *a, uint32_t s)
{
	size_t i = a->keys[s].hash & a->tabmask;

	while (HASH_ENT_V(a->tab[i]) != s + 1)
		i = (i + 1) & a->tabmask;
	return i;
}

/* take slot s out of the table */
static void
unlink_slot(struct agg *a, uint32_t s)
{
	hash_del(a->tab, a->tabmask, tabpos(a, s));
}

static void
clear_key(struct agg_key *k)
{
	memset(&k->c, 0, sizeof(k->c));
	k->h.len = 0;
	k->h.total = 0;
	hll_free(&k->v);
	memset(&k->v, 0, sizeof(k->v));
	k->vis = 0;
	k->err = 0;
	k->alerts = 0;
	k->gen++;
}

static void
free_slot(struct agg *a, uint32_t s)
{
	struct agg_key *k = &a->keys[s];

	if (a->drop != NULL)
		a->drop(a->droparg, k);
	unlink_slot(a, s);
	clear_key(k);
	k->used = 0;
	a->freel[a->nfree++] = s;
	a->n--;
}

/*
 * Room for one more slot: the slot arrays double (up to max) when every
 * slot below cap has been used.  -1 on ENOMEM, nothing changed.
 */
static int
grow_slots(struct agg *a)
{
	struct agg_key *k;
	uint32_t *f;
	size_t cap;

	if (a->nfree > 0 || a->hi < a->cap)
		return 0;
	cap = a->cap < 64 ? 64 : a->cap * 2;
	if (cap > a->max)
		cap = a->max;
	if ((k = realloc(a->keys, cap * sizeof(*k))) == NULL)
		return -1;
	a->keys = k;	/* slots from hi on are set up when first taken */
	if ((f = realloc(a->freel, cap * sizeof(*f))) == NULL)
		return -1;	/* keys is larger: harmless, cap unchanged */
	a->freel = f;
	a->cap = cap;
	return 0;
}

/*
 * Keep the table at most half full with one more key: double it and put
 * every key in again.  -1 on ENOMEM, nothing changed.
 */
static int
grow_table(struct agg *a)
{
	size_t sz = a->tab == NULL ? 0 : a->tabmask + 1, i, s;
	uint64_t *t;

	if ((a->n + 1) * 2 <= sz)
		return 0;
	sz = sz == 0 ? 128 : sz * 2;
	if ((t = calloc(sz, sizeof(*t))) == NULL)
		return -1;
	free(a->tab);
	a->tab = t;
	a->tabmask = sz - 1;
	for (s = 0; s < a->hi; s++) {
		if (!a->keys[s].used)
			continue;
		for (i = a->keys[s].hash & a->tabmask; t[i] != 0;
		    i = (i + 1) & a->tabmask)
			;
		t[i] = TENT(a->keys[s].hash, s);
	}
	return 0;
}

/*
 * a[0..len) == b[0..len): keys are mostly 8 to 32 bytes (paths, statuses,
 * hosts), compared by overlapping 8-byte loads inside both, not a call
 */
static inline int
key_eq(const char *a, const char *b, size_t len)
{
	uint64_t x[4], y[4];

	if (len < 8 || len > 32)
		return memcmp(a, b, len) == 0;
	memcpy(&x[0], a, 8);
	memcpy(&y[0], b, 8);
	memcpy(&x[1], a + len - 8, 8);
	memcpy(&y[1], b + len - 8, 8);
	if (len <= 16)
		return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
	memcpy(&x[2], a + 8, 8);
	memcpy(&y[2], b + 8, 8);
	memcpy(&x[3], a + len - 16, 8);
	memcpy(&y[3], b + len - 16, 8);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) |
	    (x[3] ^ y[3])) == 0;
}

/* slot of key, admitting it (evicting when full); -1 on ENOMEM */
static long
lookup(struct agg *a, const char *key, size_t len, int64_t sec)
{
	uint32_t h = hash(key, len), s, best;
	size_t i = h & a->tabmask, j;
	struct agg_key *k;
	uint64_t inherit = 0;
	char *nk;

	(void)sec;
	while (a->tab != NULL && a->tab[i] != 0) {
		if (HASH_ENT_H(a->tab[i]) == h) {
			k = &a->keys[HASH_ENT_V(a->tab[i]) - 1];
			if (k->len == len && key_eq(k->key, key, len))
				return (long)(HASH_ENT_V(a->tab[i]) - 1);
		}
		i = (i + 1) & a->tabmask;
	}
	if (a->nfree == 0 && a->hi == a->max) {
		/* full: evict the smallest of a sample */
		best = UINT32_MAX;
		for (j = 0; j < AGG_SAMPLE; j++) {
			s = (uint32_t)(rnd(a) % a->hi);
			if (a->keys[s].used && (best == UINT32_MAX ||
			    a->keys[s].c.hits < a->keys[best].c.hits))
				best = s;
		}
		if (best == UINT32_MAX)
			for (best = 0; !a->keys[best].used; best++)
				;
		inherit = a->keys[best].c.hits;
		free_slot(a, best);
		a->evicted++;
	} else if (grow_slots(a) == -1 || grow_table(a) == -1)
		return -1;
	/* the table changed: find the free position again */
	i = h & a->tabmask;
	while (a->tab[i] != 0)
		i = (i + 1) & a->tabmask;
	s = a->nfree > 0 ? a->freel[a->nfree - 1] : (uint32_t)a->hi;
	k = &a->keys[s];
	if (s == a->hi)		/* never used: its memory not even touched */
		memset(k, 0, sizeof(*k));
	if (k->cap < len || k->key == NULL) {
		size_t cap = len < 32 ? 32 : len;

		if ((nk = realloc(k->key, cap)) == NULL)
			return -1;
		k->key = nk;
		k->cap = (uint32_t)cap;
	}
	if (a->nfree > 0)
		a->nfree--;
	else
		a->hi++;
	memcpy(k->key, key, len);
	k->len = (uint32_t)len;
	k->hash = h;
	k->used = 1;
	k->c.hits = inherit;
	k->err = inherit;
	a->tab[i] = TENT(h, s);
	a->n++;
	return (long)s;
}

static int
cls_of(int status)
{
	return status >= 200 && status < 600 ? status / 100 - 2 : -1;
}

/* rebuild the map of x from its deltas (the map has room) */
static void
remap(struct agg_sec *x)
{
	uint32_t i, j;

	memset(x->map, 0, (x->mapmask + 1) * sizeof(*x->map));
	for (j = 0; j < x->n; j++) {
		for (i = (x->d[j].slot * 2654435761u) & x->mapmask;
		    x->map[i] != 0; i = (i + 1) & x->mapmask)
			;
		x->map[i] = j + 1;
	}
}

/*
 * Drop the deltas of x whose key has been evicted since: they can no longer
 * be taken out of anything (the second's totals are kept apart).
 */
static void
compact(struct agg *a, struct agg_sec *x)
{
	uint32_t j, n = 0;
	struct delta *d;

	for (j = 0; j < x->n; j++) {
		d = &x->d[j];
		if (a->keys[d->slot].used && a->keys[d->slot].gen == d->gen)
			x->d[n++] = *d;
		else
			hist_free(&d->h);
	}
	if (n != x->n) {
		x->n = n;
		remap(x);
	}
}

/* the delta of slot s in second x, created when new; NULL on ENOMEM */
static struct delta *
delta_of(struct agg *a, struct agg_sec *x, uint32_t s, uint32_t gen)
{
	uint32_t i, cap, *map;
	struct delta *d;

	if (x->map != NULL)
		for (i = (s * 2654435761u) & x->mapmask; x->map[i] != 0;
		    i = (i + 1) & x->mapmask)
			if (x->d[x->map[i] - 1].slot == s &&
			    x->d[x->map[i] - 1].gen == gen)
				return &x->d[x->map[i] - 1];
	if (x->n == x->cap) {
		if (x->cap >= a->max)
			compact(a, x);
		/* grow unless compacting freed half: amortized O(1) */
		if (x->cap == 0 || x->n > x->cap / 2) {
			cap = x->cap ? x->cap * 2 : 16;
			if ((d = realloc(x->d, cap * sizeof(*d))) == NULL)
				return NULL;
			x->d = d;
			x->cap = cap;
		}
	}
	if (x->map == NULL || (x->n + 1) * 2 > x->mapmask + 1) {
		cap = x->map ? (x->mapmask + 1) * 2 : 32;
		if ((map = calloc(cap, sizeof(*map))) == NULL)
			return NULL;
		free(x->map);
		x->map = map;
		x->mapmask = cap - 1;
		remap(x);
	}
	for (i = (s * 2654435761u) & x->mapmask; x->map[i] != 0;
	    i = (i + 1) & x->mapmask)
		;
	d = &x->d[x->n];
	memset(d, 0, sizeof(*d));
	d->slot = s;
	d->gen = gen;
	x->map[i] = ++x->n;
	return d;
}

/* take second x out of the window */
static void
expire(struct agg *a, struct agg_sec *x)
{
	struct agg_key *k;
	struct delta *d;
	uint32_t j;
	int c;

	for (j = 0; j < x->n; j++) {
		d = &x->d[j];
		k = &a->keys[d->slot];
		if (k->used && k->gen == d->gen) {
			k->c.hits -= d->hits < k->c.hits ? d->hits : k->c.hits;
			k->c.bytes -= d->bytes < k->c.bytes ? d->bytes : k->c.bytes;
			for (c = 0; c < 4; c++)
				k->c.cls[c] -= d->cls[c] < k->c.cls[c] ? d->cls[c] :
				    k->c.cls[c];
			hist_sub(&k->h, &d->h);
			if (k->c.hits == 0)
				free_slot(a, d->slot);
			else
				hll_expire(&k->v, a->newest);
		}
		hist_free(&d->h);
	}
	a->total.c.hits -= x->tot.hits;
	a->total.c.bytes -= x->tot.bytes;
	for (c = 0; c < 4; c++)
		a->total.c.cls[c] -= x->tot.cls[c];
	hist_sub(&a->total.h, &x->th);
	hll_expire(&a->total.v, a->newest);
	hist_free(&x->th);
	memset(&x->tot, 0, sizeof(x->tot));
	x->n = 0;
	if (x->map != NULL)
		memset(x->map, 0, (x->mapmask + 1) * sizeof(*x->map));
	x->sec = INT64_MIN;
}

void
agg_advance(struct agg *a, int64_t sec)
{
	int64_t s, from, old = a->newest;

	hll_done(&a->later);
	if (a->window == 0 || (old != INT64_MIN && sec <= old))
		return;
	/* the window ends at sec first: keys that leave leave at sec */
	a->newest = sec;
	/* seconds at or before sec - window leave */
	from = old == INT64_MIN || sec - old > a->window ?
	    sec - a->window : old - a->window + 1;
	for (s = from; s <= sec - a->window; s++) {
		struct agg_sec *x = &a->ring[((s % a->window) + a->window) %
		    a->window];

		if (x->sec != INT64_MIN && x->sec <= sec - a->window)
			expire(a, x);
	}
	if (old != INT64_MIN && sec - old > a->window) {
		/* a jump past the whole window: everything leaves */
		int i;

		for (i = 0; i < a->window; i++)
			if (a->ring[i].sec != INT64_MIN)
				expire(a, &a->ring[i]);
	}
}

/*
 * client into sketch v of p registers, set up when none came before; with
 * l, maybe put in by the next hll_done(l) (lib/hll.h)
 */
static int
visit(struct agg *a, struct hll *v, int p, uint64_t client, int64_t sec,
    struct hll_later *l)
{
	if (v->p == 0 && hll_init(v, p, a->window) == -1)
		return -1;
	return l != NULL ? hll_add_later(v, client, sec, l) :
	    hll_add(v, client, sec);
}

int
agg_add(struct agg *a, const char *key, size_t len, int64_t sec, int status,
    uint64_t bytes, int64_t dur_us, const uint64_t *client)
{
	struct agg_key *k;
	struct agg_sec *x = NULL;
	struct delta *d = NULL;
	long s;
	int c = cls_of(status), i;
	unsigned b = 0;

	/* the last key's visitor in before any key can go (lookup evicts) */
	hll_done(&a->later);
	if (a->window > 0) {
		if (a->newest != INT64_MIN && sec <= a->newest - a->window) {
			a->late++;
			return 1;
		}
		agg_advance(a, sec);
		x = &a->ring[((sec % a->window) + a->window) % a->window];
		x->sec = sec;
	}
	if ((s = lookup(a, key, len, sec)) < 0)
		return -1;
	k = &a->keys[s];
	if (x != NULL) {
		if ((d = delta_of(a, x, (uint32_t)s, k->gen)) == NULL)
			return -1;
		if (k->err > 0 && k->c.hits == k->err) {
			/* the inherited count leaves with this second */
			d->hits += (uint32_t)k->err;
		}
	}
	if (dur_us >= 0) {
		b = hist_bucket((uint64_t)dur_us);
		if (hist_add(&k->h, b, 1) == -1 || hist_add(&a->total.h, b, 1) == -1 ||
		    (d != NULL && (hist_add(&d->h, b, 1) == -1 ||
		    hist_add(&x->th, b, 1) == -1)))
			return -1;
	}
	if (client != NULL && (visit(a, &k->v, AGG_VIS_P, *client, sec,
	    &a->later) == -1 ||
	    visit(a, &a->total.v, AGG_VIS_SITE_P, *client, sec, NULL) == -1))
		return -1;
	a->records++;
	if (sec != INT64_MIN && (a->first == INT64_MIN || sec < a->first))
		a->first = sec;
	if (a->window == 0 && sec != INT64_MIN &&
	    (a->newest == INT64_MIN || sec > a->newest))
		a->newest = sec;
	k->c.hits++;
	k->c.bytes += bytes;
	a->total.c.hits++;
	a->total.c.bytes += bytes;
	a->cum.hits++;
	a->cum.bytes += bytes;
	if (c >= 0) {
		k->c.cls[c]++;
		a->total.c.cls[c]++;
		a->cum.cls[c]++;
	}
	if (dur_us >= 0) {
		for (i = 0; i < AGG_LE && (uint64_t)dur_us > agg_le_us[i]; i++)
			;
		a->cum.le[i]++;
		a->cum.durs++;
		a->cum.dur_us += (uint64_t)dur_us;
	}
	if (d != NULL) {
		d->hits++;
		d->bytes += bytes;
		x->tot.hits++;
		x->tot.bytes += bytes;
		if (c >= 0) {
			d->cls[c]++;
			x->tot.cls[c]++;
		}
	}
	return 0;
}

void
agg_visitors(struct agg *a)
{
	int64_t now = a->newest == INT64_MIN ? 0 : a->newest;
	size_t i;

	hll_done(&a->later);
	for (i = 0; i < a->hi; i++)
		if (a->keys[i].used && a->keys[i].v.p != 0)
			a->keys[i].vis = hll_count(&a->keys[i].v, now);
	if (a->total.v.p != 0)
		a->total.vis = hll_count(&a->total.v, now);
}

/* --- the checkpoint: agg_save and agg_load --- */

/* a key's or the site's visitors: u8 0 none, or 1 and the sketch */
static void
put_vis(struct ckpt_buf *b, const struct hll *v)
{
	ckpt_put_u8(b, v->p != 0);
	if (v->p != 0)
		hll_save(v, b);
}

static int
get_vis(struct agg *a, struct ckpt_rd *r, struct hll *v, int p)
{
	unsigned has = ckpt_get_u8(r);

	if (r->failed)
		return -1;
	if (has > 1)
		return ckpt_fail(r, "visitors neither counted nor not");
	if (has == 0)
		return 0;
	if (hll_init(v, p, a->window) == -1)
		return ckpt_fail(r, "out of memory");
	return hll_load(v, r);
}

static void
put_counts(struct ckpt_buf *b, const struct agg_counts *c)
{
	int i;

	ckpt_put_u64(b, c->hits);
	ckpt_put_u64(b, c->bytes);
	for (i = 0; i < 4; i++)
		ckpt_put_u64(b, c->cls[i]);
}

static void
get_counts(struct ckpt_rd *r, struct agg_counts *c)
{
	int i;

	c->hits = ckpt_get_u64(r);
	c->bytes = ckpt_get_u64(r);
	for (i = 0; i < 4; i++)
		c->cls[i] = ckpt_get_u64(r);
}

void
agg_save(const struct agg *a, struct ckpt_buf *b)
{
	const struct agg_key *k;
	const struct agg_sec *x;
	const struct delta *d;
	size_t s;
	uint32_t j;
	int i, c;

	/* a visitor held (lib/hll.h) is put in, and may be put in again */
	hll_settle(&a->later);
	ckpt_put_u64(b, a->max);
	ckpt_put_u32(b, (uint32_t)a->window);
	ckpt_put_u64(b, a->hi);
	ckpt_put_u64(b, a->n);
	ckpt_put_u64(b, a->rng);
	ckpt_put_u64(b, a->evicted);
	ckpt_put_u64(b, a->late);
	ckpt_put_u64(b, a->records);
	ckpt_put_i64(b, a->first);
	ckpt_put_i64(b, a->newest);
	for (s = 0; s < a->hi; s++) {
		k = &a->keys[s];
		ckpt_put_u8(b, (unsigned)k->used);
		ckpt_put_u32(b, k->gen);
		if (!k->used)
			continue;
		ckpt_put_str(b, k->key, k->len);
		ckpt_put_u64(b, k->err);
		put_counts(b, &k->c);
		hist_save(&k->h, b);
		put_vis(b, &k->v);
	}
	ckpt_put_u64(b, a->nfree);
	for (s = 0; s < a->nfree; s++)
		ckpt_put_u32(b, a->freel[s]);
	put_counts(b, &a->total.c);
	hist_save(&a->total.h, b);
	put_vis(b, &a->total.v);
	for (i = 0; i < a->window; i++) {
		x = &a->ring[i];
		ckpt_put_i64(b, x->sec);
		if (x->sec == INT64_MIN)
			continue;
		put_counts(b, &x->tot);
		hist_save(&x->th, b);
		ckpt_put_u32(b, x->n);
		for (j = 0; j < x->n; j++) {
			d = &x->d[j];
			ckpt_put_u32(b, d->slot);
			ckpt_put_u32(b, d->gen);
			ckpt_put_u32(b, d->hits);
			for (c = 0; c < 4; c++)
				ckpt_put_u32(b, d->cls[c]);
			ckpt_put_u64(b, d->bytes);
			hist_save(&d->h, b);
		}
	}
}

/* the smallest power of two >= min that is at least twice n + 1 */
static size_t
pow2_for(size_t n, size_t min)
{
	size_t sz = min;

	while ((n + 1) * 2 > sz)
		sz *= 2;
	return sz;
}

/* put used slot s in the table; -1 when its key is there already */
static int
load_key(struct agg *a, uint32_t s)
{
	struct agg_key *k = &a->keys[s], *o;
	size_t i;

	for (i = k->hash & a->tabmask; a->tab[i] != 0; i = (i + 1) & a->tabmask) {
		o = &a->keys[HASH_ENT_V(a->tab[i]) - 1];
		if (o->hash == k->hash && o->len == k->len &&
		    memcmp(o->key, k->key, k->len) == 0)
			return -1;
	}
	a->tab[i] = TENT(k->hash, s);
	return 0;
}

/* second i of the window; -1 when r failed */
static int
load_sec(struct agg *a, struct ckpt_rd *r, int i, struct agg_counts *sum,
    uint64_t *hsum)
{
	struct agg_sec *x = &a->ring[i];
	struct delta *d;
	int64_t sec = ckpt_get_i64(r);
	uint32_t n, j, m;
	int c;

	if (r->failed || sec == INT64_MIN)
		return r->failed ? -1 : 0;
	if (a->newest == INT64_MIN || sec > a->newest ||
	    sec <= a->newest - a->window ||
	    ((sec % a->window) + a->window) % a->window != i)
		return ckpt_fail(r, "a second out of the window");
	x->sec = sec;
	get_counts(r, &x->tot);
	if (hist_load(&x->th, r) == -1)
		return -1;
	sum->hits += x->tot.hits;
	sum->bytes += x->tot.bytes;
	for (c = 0; c < 4; c++)
		sum->cls[c] += x->tot.cls[c];
	*hsum += x->th.total;
	n = ckpt_get_u32(r);
	if (n > UINT32_MAX / 4)
		return ckpt_fail(r, "a second with too many keys");
	if (ckpt_room(r, n, 40) == -1)
		return -1;
	if (n == 0)
		return 0;
	/* room for n, as delta_of would have grown it: powers of two */
	for (x->cap = 16; x->cap < n; x->cap *= 2)
		;
	x->mapmask = (uint32_t)pow2_for(n, 32) - 1;
	if ((x->d = calloc(x->cap, sizeof(*x->d))) == NULL ||
	    (x->map = calloc(x->mapmask + 1, sizeof(*x->map))) == NULL)
		return ckpt_fail(r, "out of memory");
	for (j = 0; j < n; j++) {
		d = &x->d[j];
		d->slot = ckpt_get_u32(r);
		d->gen = ckpt_get_u32(r);
		d->hits = ckpt_get_u32(r);
		for (c = 0; c < 4; c++)
			d->cls[c] = ckpt_get_u32(r);
		d->bytes = ckpt_get_u64(r);
		x->n++;
		if (hist_load(&d->h, r) == -1)
			return -1;
		if (d->slot >= a->hi)
			return ckpt_fail(r, "a second counts a slot out of range");
		for (m = (d->slot * 2654435761u) & x->mapmask; x->map[m] != 0;
		    m = (m + 1) & x->mapmask)
			if (x->d[x->map[m] - 1].slot == d->slot &&
			    x->d[x->map[m] - 1].gen == d->gen)
				return ckpt_fail(r, "a second counts a key twice");
		x->map[m] = j + 1;
	}
	return 0;
}

int
agg_load(struct agg *a, struct ckpt_rd *r, unsigned version)
{
	struct agg_key *k;
	struct agg_counts sum;
	uint64_t max, hi, n, nfree, hsum = 0;
	uint32_t window, s, len;
	const char *key;
	size_t cap, used = 0, i;
	int c;

	max = ckpt_get_u64(r);
	window = ckpt_get_u32(r);
	hi = ckpt_get_u64(r);
	n = ckpt_get_u64(r);
	a->rng = ckpt_get_u64(r);
	a->evicted = ckpt_get_u64(r);
	a->late = ckpt_get_u64(r);
	a->records = ckpt_get_u64(r);
	a->first = ckpt_get_i64(r);
	a->newest = ckpt_get_i64(r);
	if (r->failed)
		return -1;
	if (max != a->max || window != (uint32_t)a->window)
		return ckpt_fail(r, "made for %llu keys and a window of %lu s",
		    (unsigned long long)max, (unsigned long)window);
	if (hi > max || n > hi || a->rng == 0 || !ckpt_time_ok(a->first) ||
	    !ckpt_time_ok(a->newest))
		return ckpt_fail(r, "a count out of range");
	if (ckpt_room(r, hi, 5) == -1)
		return -1;
	if (hi > 0) {
		cap = hi < 64 ? (max < 64 ? max : 64) : hi;
		if ((a->keys = calloc(cap, sizeof(*a->keys))) == NULL ||
		    (a->freel = malloc(cap * sizeof(*a->freel))) == NULL)
			return ckpt_fail(r, "out of memory");
		a->cap = cap;
		a->hi = hi;
	}
	if (n > 0) {
		a->tabmask = pow2_for(n, 128) - 1;
		if ((a->tab = calloc(a->tabmask + 1, sizeof(*a->tab))) == NULL)
			return ckpt_fail(r, "out of memory");
	}
	for (s = 0; s < hi; s++) {
		k = &a->keys[s];
		c = (int)ckpt_get_u8(r);
		k->gen = ckpt_get_u32(r);
		if (r->failed)
			return -1;
		if (c > 1)
			return ckpt_fail(r, "a slot neither used nor free");
		if (c == 0)
			continue;
		if ((key = ckpt_get_str(r, &len)) == NULL)
			return -1;
		if (used == n)
			return ckpt_fail(r, "more keys than it says");
		if ((k->key = malloc(len < 32 ? 32 : len)) == NULL)
			return ckpt_fail(r, "out of memory");
		memcpy(k->key, key, len);
		k->cap = len < 32 ? 32 : len;
		k->len = len;
		k->hash = hash(key, len);
		k->err = ckpt_get_u64(r);
		get_counts(r, &k->c);
		if (hist_load(&k->h, r) == -1)
			return -1;
		if (version >= 4 && get_vis(a, r, &k->v, AGG_VIS_P) == -1)
			return -1;
		if (load_key(a, s) == -1)
			return ckpt_fail(r, "a key twice");
		k->used = 1;
		used++;
	}
	a->n = used;
	nfree = ckpt_get_u64(r);
	if (r->failed)
		return -1;
	if (used != n || nfree != hi - n)
		return ckpt_fail(r, "keys and free slots do not add up");
	for (i = 0; i < nfree; i++) {
		s = ckpt_get_u32(r);
		if (r->failed)
			return -1;
		/* a slot taken off the free list is marked 2 for a while */
		if (s >= hi || a->keys[s].used)
			return ckpt_fail(r, "a free slot in use, or free twice");
		a->keys[s].used = 2;
		a->freel[i] = s;
		a->nfree++;
	}
	for (i = 0; i < a->nfree; i++)
		a->keys[a->freel[i]].used = 0;
	get_counts(r, &a->total.c);
	if (hist_load(&a->total.h, r) == -1)
		return -1;
	if (version >= 4 && get_vis(a, r, &a->total.v, AGG_VIS_SITE_P) == -1)
		return -1;
	memset(&sum, 0, sizeof(sum));
	for (c = 0; c < a->window; c++)
		if (load_sec(a, r, c, &sum, &hsum) == -1)
			return -1;
	if (r->failed)
		return -1;
	if (a->window > 0 && (memcmp(&sum, &a->total.c, sizeof(sum)) != 0 ||
	    hsum != a->total.h.total))
		return ckpt_fail(r, "the window's seconds do not add up to its "
		    "totals");
	if ((a->window == 0 ? a->total.c.hits != a->records :
	    a->total.c.hits > a->records) || a->total.c.cls[0] +
	    a->total.c.cls[1] + a->total.c.cls[2] + a->total.c.cls[3] >
	    a->total.c.hits)
		return ckpt_fail(r, "totals that are not the records counted");
	return 0;
}


/* the buckets of /metrics, Prometheus's defaults, in microseconds */
const uint64_t agg_le_us[AGG_LE] = {
	5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
	5000000, 10000000
};

void
agg_save_cum(const struct agg *a, struct ckpt_buf *b)
{
	int i;

	ckpt_put_u64(b, a->cum.hits);
	ckpt_put_u64(b, a->cum.bytes);
	for (i = 0; i < 4; i++)
		ckpt_put_u64(b, a->cum.cls[i]);
	ckpt_put_u64(b, a->cum.durs);
	ckpt_put_u64(b, a->cum.dur_us);
	for (i = 0; i <= AGG_LE; i++)
		ckpt_put_u64(b, a->cum.le[i]);
}

int
agg_load_cum(struct agg *a, struct ckpt_rd *r)
{
	struct agg_cum c;
	uint64_t sum = 0;
	int i;

	c.hits = ckpt_get_u64(r);
	c.bytes = ckpt_get_u64(r);
	for (i = 0; i < 4; i++)
		c.cls[i] = ckpt_get_u64(r);
	c.durs = ckpt_get_u64(r);
	c.dur_us = ckpt_get_u64(r);
	for (i = 0; i <= AGG_LE; i++)
		sum += c.le[i] = ckpt_get_u64(r);
	if (r->failed)
		return -1;
	if (c.cls[0] + c.cls[1] + c.cls[2] + c.cls[3] > c.hits ||
	    c.durs > c.hits || sum != c.durs || c.hits != a->records ||
	    c.hits < a->total.c.hits || c.bytes < a->total.c.bytes)
		return ckpt_fail(r, "counts since the start that do not add up");
	a->cum = c;
	return 0;
}

void
agg_cum_from_total(struct agg *a)
{
	memset(&a->cum, 0, sizeof(a->cum));
	a->cum.hits = a->records;
	a->cum.bytes = a->total.c.bytes;
	memcpy(a->cum.cls, a->total.c.cls, sizeof(a->cum.cls));
}

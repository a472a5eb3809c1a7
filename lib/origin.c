/*
 * origin: positions counted per (sender, stream); see origin.h.
 *
 * Streams and senders live in two arrays of ORIG_MAX slots, found through
 * chained hash tables (indexes + 1, 0 ends a chain), freed slots on free
 * lists.  Each stream is on two lists, most recently advanced first: all
 * streams (head, tail) and its sender's (s->head, s->tail).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "ckpt.h"
#include "origin.h"
#include "rec.h"

#define NIL		0		/* indexes are stored + 1 */
#define TABSIZE		(ORIG_MAX * 2)	/* power of two */
#define STABSIZE	ORIG_MAX

struct orig_ent {
	uint64_t id, end;
	uint32_t snd;			/* index + 1 */
	uint32_t hnext;			/* hash chain */
	uint32_t prev, next;		/* all streams */
	uint32_t sprev, snext;		/* its sender's */
};

struct orig_snd {
	char *name;
	uint32_t len, hash;
	uint32_t n;			/* streams */
	uint32_t head, tail;		/* its streams, last advanced first */
	uint32_t hnext;
};

#define E(o, i)	(&(o)->e[(i) - 1])
#define S(o, i)	(&(o)->s[(i) - 1])

void
orig_init(struct orig *o)
{
	memset(o, 0, sizeof(*o));
}

void
orig_free(struct orig *o)
{
	uint32_t i;

	if (o->s != NULL)
		for (i = 0; i < o->shi; i++)
			free(o->s[i].name);
	free(o->e);
	free(o->tab);
	free(o->s);
	free(o->stab);
	orig_init(o);
}

static int
setup(struct orig *o)
{
	if (o->e != NULL)
		return 0;
	o->e = calloc(ORIG_MAX, sizeof(*o->e));
	o->tab = calloc(TABSIZE, sizeof(*o->tab));
	o->s = calloc(ORIG_MAX, sizeof(*o->s));
	o->stab = calloc(STABSIZE, sizeof(*o->stab));
	if (o->e == NULL || o->tab == NULL || o->s == NULL || o->stab == NULL) {
		free(o->e);
		free(o->tab);
		free(o->s);
		free(o->stab);
		o->e = NULL;
		o->tab = o->stab = NULL;
		o->s = NULL;
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static uint32_t
name_hash(const char *p, size_t n)
{
	return hash_fnv32(HASH_FNV32, p, n);
}

static uint32_t
ent_hash(uint32_t snd, uint64_t id)
{
	uint64_t h = (id ^ ((uint64_t)snd * 0x9e3779b97f4a7c15ULL)) *
	    0xff51afd7ed558ccdULL;

	return (uint32_t)(h >> 40) & (TABSIZE - 1);
}

static uint32_t
snd_find(const struct orig *o, const char *name, size_t len, uint32_t h)
{
	uint32_t i;

	for (i = o->stab[h & (STABSIZE - 1)]; i != NIL; i = S(o, i)->hnext)
		if (S(o, i)->hash == h && S(o, i)->len == len &&
		    memcmp(S(o, i)->name, name, len) == 0)
			return i;
	return NIL;
}

static uint32_t
snd_new(struct orig *o, const char *name, size_t len, uint32_t h)
{
	struct orig_snd *s;
	uint32_t i;

	if (o->sfree != NIL) {
		i = o->sfree;
		o->sfree = S(o, i)->hnext;
	} else if (o->shi < ORIG_MAX)
		i = ++o->shi;
	else
		return NIL;	/* cannot be: a sender holds a stream */
	s = S(o, i);
	memset(s, 0, sizeof(*s));
	if ((s->name = malloc(len + 1)) == NULL) {
		s->hnext = o->sfree;
		o->sfree = i;
		return NIL;
	}
	memcpy(s->name, name, len);
	s->name[len] = '\0';
	s->len = (uint32_t)len;
	s->hash = h;
	s->hnext = o->stab[h & (STABSIZE - 1)];
	o->stab[h & (STABSIZE - 1)] = i;
	o->ns++;
	return i;
}

static void
snd_del(struct orig *o, uint32_t i)
{
	struct orig_snd *s = S(o, i);
	uint32_t *p = &o->stab[s->hash & (STABSIZE - 1)];

	while (*p != i)
		p = &S(o, *p)->hnext;
	*p = s->hnext;
	free(s->name);
	s->name = NULL;
	s->hnext = o->sfree;
	o->sfree = i;
	o->ns--;
}

static uint32_t
ent_find(const struct orig *o, uint32_t snd, uint64_t id)
{
	uint32_t i;

	for (i = o->tab[ent_hash(snd, id)]; i != NIL; i = E(o, i)->hnext)
		if (E(o, i)->snd == snd && E(o, i)->id == id)
			return i;
	return NIL;
}

/* take stream i off both lists */
static void
unlink_ent(struct orig *o, uint32_t i)
{
	struct orig_ent *e = E(o, i);
	struct orig_snd *s = S(o, e->snd);

	if (e->prev != NIL)
		E(o, e->prev)->next = e->next;
	else
		o->head = e->next;
	if (e->next != NIL)
		E(o, e->next)->prev = e->prev;
	else
		o->tail = e->prev;
	if (e->sprev != NIL)
		E(o, e->sprev)->snext = e->snext;
	else
		s->head = e->snext;
	if (e->snext != NIL)
		E(o, e->snext)->sprev = e->sprev;
	else
		s->tail = e->sprev;
}

/* put stream i first on both lists */
static void
link_ent(struct orig *o, uint32_t i)
{
	struct orig_ent *e = E(o, i);
	struct orig_snd *s = S(o, e->snd);

	e->prev = NIL;
	e->next = o->head;
	if (o->head != NIL)
		E(o, o->head)->prev = i;
	else
		o->tail = i;
	o->head = i;
	e->sprev = NIL;
	e->snext = s->head;
	if (s->head != NIL)
		E(o, s->head)->sprev = i;
	else
		s->tail = i;
	s->head = i;
}

/* forget stream i, and its sender with its last stream */
static void
ent_del(struct orig *o, uint32_t i)
{
	struct orig_ent *e = E(o, i);
	uint32_t *p = &o->tab[ent_hash(e->snd, e->id)], snd = e->snd;

	unlink_ent(o, i);
	while (*p != i)
		p = &E(o, *p)->hnext;
	*p = e->hnext;
	e->hnext = o->efree;
	e->snd = NIL;
	o->efree = i;
	o->n--;
	if (--S(o, snd)->n == 0)
		snd_del(o, snd);
}

/* a new stream of sender snd, where there is room (see make_room) */
static uint32_t
ent_new(struct orig *o, uint32_t snd, uint64_t id, uint64_t end)
{
	struct orig_ent *e;
	uint32_t i;

	if (o->efree != NIL) {
		i = o->efree;
		o->efree = E(o, i)->hnext;
	} else
		i = ++o->hi;
	e = E(o, i);
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->end = end;
	e->snd = snd;
	e->hnext = o->tab[ent_hash(snd, id)];
	o->tab[ent_hash(snd, id)] = i;
	S(o, snd)->n++;
	o->n++;
	link_ent(o, i);
	return i;
}

/*
 * Room for a new stream of sender snd (NIL: not held): the stream of snd
 * advanced least recently goes when snd has ORIG_PER_SENDER, else the one
 * of all when the table is full.  The sender may go with it: found again.
 */
static uint32_t
make_room(struct orig *o, uint32_t snd, const char *name, size_t len,
    uint32_t h)
{
	if (snd != NIL && S(o, snd)->n >= ORIG_PER_SENDER) {
		ent_del(o, S(o, snd)->tail);
		o->evicted++;
	} else if (o->n >= ORIG_MAX) {
		ent_del(o, o->tail);
		o->evicted++;
		snd = snd_find(o, name, len, h);
	}
	return snd;
}

int
orig_check(struct orig *o, const char *name, size_t nlen, const char *val,
    size_t vlen, struct orig_res *r)
{
	uint64_t id, start, end;
	uint32_t h, s, i;
	struct orig_ent *e;

	r->gap = 0;
	o->used = 1;
	if (rec_origin(val, vlen, &id, &start, &end) == -1) {
		o->bad++;
		return ORIG_BAD;
	}
	if (setup(o) == -1)
		return -1;
	o->checked++;
	if (nlen > ORIG_NAMEMAX)
		nlen = ORIG_NAMEMAX;
	h = name_hash(name, nlen);
	s = snd_find(o, name, nlen, h);
	if (s == NIL || (i = ent_find(o, s, id)) == NIL) {
		s = make_room(o, s, name, nlen, h);
		if (s == NIL && (s = snd_new(o, name, nlen, h)) == NIL) {
			errno = ENOMEM;
			return -1;
		}
		ent_new(o, s, id, end);
		return ORIG_NEW;
	}
	e = E(o, i);
	if (end <= e->end) {
		o->dup++;
		return ORIG_DUP;
	}
	if (start > e->end) {
		r->gap = start - e->end;
		o->gaps++;
		o->gapbytes += r->gap;
	}
	e->end = end;
	if (o->head != i || S(o, s)->head != i) {
		unlink_ent(o, i);
		link_ent(o, i);
	}
	return ORIG_NEW;
}

uint32_t
orig_streams(const struct orig *o, const char *name, size_t nlen)
{
	uint32_t s;

	if (o->e == NULL)
		return 0;
	if (nlen > ORIG_NAMEMAX)
		nlen = ORIG_NAMEMAX;
	s = snd_find(o, name, nlen, name_hash(name, nlen));
	return s == NIL ? 0 : S(o, s)->n;
}

int
orig_ok(const struct orig *o)
{
	uint32_t i, j, k, prev, n = 0, ns = 0, sn;

	if (o->e == NULL)
		return o->n == 0 && o->ns == 0 && o->head == NIL ? 0 : -1;
	if (o->n > ORIG_MAX || o->hi > ORIG_MAX || o->shi > ORIG_MAX)
		return -1;
	for (prev = NIL, i = o->head; i != NIL; prev = i, i = E(o, i)->next) {
		if (i > o->hi || E(o, i)->prev != prev || ++n > o->n ||
		    E(o, i)->snd == NIL || E(o, i)->snd > o->shi ||
		    S(o, E(o, i)->snd)->name == NULL ||
		    ent_find(o, E(o, i)->snd, E(o, i)->id) != i)
			return -1;
	}
	if (n != o->n || o->tail != prev)
		return -1;
	for (k = 1; k <= o->shi; k++) {
		if (S(o, k)->name == NULL)
			continue;
		ns++;
		sn = 0;
		for (prev = NIL, j = S(o, k)->head; j != NIL;
		    prev = j, j = E(o, j)->snext)
			if (j > o->hi || E(o, j)->sprev != prev ||
			    E(o, j)->snd != k || ++sn > ORIG_PER_SENDER)
				return -1;
		if (sn != S(o, k)->n || sn == 0 || S(o, k)->tail != prev ||
		    snd_find(o, S(o, k)->name, S(o, k)->len, S(o, k)->hash) != k)
			return -1;
	}
	return ns == o->ns ? 0 : -1;
}

/*
 * The section: u8 used, u64 checked dup gaps gapbytes bad evicted, u32
 * senders, each its name; u32 streams, each u32 sender (its place in the
 * list), u64 id, u64 end, least recently advanced first.
 */
void
orig_save(const struct orig *o, struct ckpt_buf *b)
{
	uint32_t i, k, *num_of = NULL;

	ckpt_put_u8(b, o->used != 0);
	ckpt_put_u64(b, o->checked);
	ckpt_put_u64(b, o->dup);
	ckpt_put_u64(b, o->gaps);
	ckpt_put_u64(b, o->gapbytes);
	ckpt_put_u64(b, o->bad);
	ckpt_put_u64(b, o->evicted);
	if (o->e == NULL || o->n == 0) {
		ckpt_put_u32(b, 0);
		ckpt_put_u32(b, 0);
		return;
	}
	if ((num_of = calloc(o->shi + 1, sizeof(*num_of))) == NULL) {
		b->o.err = ENOMEM;
		return;
	}
	ckpt_put_u32(b, o->ns);
	for (k = 0, i = 1; i <= o->shi; i++)
		if (S(o, i)->name != NULL) {
			num_of[i] = k++;
			ckpt_put_str(b, S(o, i)->name, S(o, i)->len);
		}
	ckpt_put_u32(b, o->n);
	for (i = o->tail; i != NIL; i = E(o, i)->prev) {
		ckpt_put_u32(b, num_of[E(o, i)->snd]);
		ckpt_put_u64(b, E(o, i)->id);
		ckpt_put_u64(b, E(o, i)->end);
	}
	free(num_of);
}

int
orig_load(struct orig *o, struct ckpt_rd *r)
{
	const char *name;
	uint32_t ns, n, len, k, i, s, *idx = NULL;
	uint64_t id, end;
	unsigned used;
	int rv = -1;

	used = ckpt_get_u8(r);
	o->checked = ckpt_get_u64(r);
	o->dup = ckpt_get_u64(r);
	o->gaps = ckpt_get_u64(r);
	o->gapbytes = ckpt_get_u64(r);
	o->bad = ckpt_get_u64(r);
	o->evicted = ckpt_get_u64(r);
	ns = ckpt_get_u32(r);
	if (r->failed)
		return -1;
	if (used > 1 || (!used && (o->checked | o->bad) != 0))
		return ckpt_fail(r, "a flag out of range");
	/* each repeat, gap and stream forgotten was a record checked */
	if (o->dup > o->checked || o->gaps > o->checked ||
	    o->evicted > o->checked || o->gaps > o->gapbytes)
		return ckpt_fail(r, "counts that do not add up");
	o->used = (int)used;
	if (ns > ORIG_MAX)
		return ckpt_fail(r, "%lu senders of streams", (unsigned long)ns);
	if (ckpt_room(r, ns, 4) == -1)
		return -1;
	if (ns > 0 && (setup(o) == -1 ||
	    (idx = calloc(ns, sizeof(*idx))) == NULL))
		return ckpt_fail(r, "out of memory");
	for (k = 0; k < ns; k++) {
		if ((name = ckpt_get_str(r, &len)) == NULL)
			goto out;
		if (len > ORIG_NAMEMAX) {
			ckpt_fail(r, "a sender's name of %lu bytes",
			    (unsigned long)len);
			goto out;
		}
		if (snd_find(o, name, len, name_hash(name, len)) != NIL) {
			ckpt_fail(r, "a sender twice");
			goto out;
		}
		if ((idx[k] = snd_new(o, name, len, name_hash(name, len))) ==
		    NIL) {
			ckpt_fail(r, "out of memory");
			goto out;
		}
	}
	n = ckpt_get_u32(r);
	if (r->failed)
		goto out;
	if (n > ORIG_MAX || (ns == 0) != (n == 0)) {
		ckpt_fail(r, "%lu streams of %lu senders", (unsigned long)n,
		    (unsigned long)ns);
		goto out;
	}
	if (ckpt_room(r, n, 20) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		k = ckpt_get_u32(r);
		id = ckpt_get_u64(r);
		end = ckpt_get_u64(r);
		if (r->failed)
			goto out;
		if (k >= ns || end == 0) {
			ckpt_fail(r, "a stream of no sender, or at 0");
			goto out;
		}
		s = idx[k];
		if (S(o, s)->n >= ORIG_PER_SENDER) {
			ckpt_fail(r, "more streams of a sender than it holds");
			goto out;
		}
		if (ent_find(o, s, id) != NIL) {
			ckpt_fail(r, "a stream twice");
			goto out;
		}
		ent_new(o, s, id, end);
	}
	if (o->evicted + n > o->checked) {
		ckpt_fail(r, "more streams than records checked");
		goto out;
	}
	for (k = 0; k < ns; k++)
		if (S(o, idx[k])->n == 0) {
			ckpt_fail(r, "a sender without a stream");
			goto out;
		}
	rv = 0;
out:
	free(idx);
	return rv;
}

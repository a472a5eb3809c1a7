#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abook.h"
#include "hash.h"
#include "inert.h"
#include "snap.h"

int
abook_init(struct abook *al, size_t max)
{
	memset(al, 0, sizeof(*al));
	if ((al->a = calloc(max > 0 ? max : 1, sizeof(*al->a))) == NULL)
		return -1;
	al->max = max > 0 ? max : 1;
	return 0;
}

void
abook_free(struct abook *al)
{
	size_t i;

	for (i = 0; al->a != NULL && i < al->n; i++)
		free(al->a[i].panel);
	free(al->a);
	al->a = NULL;
	al->n = 0;
}

static uint32_t
hash3(const char *a, size_t al, const char *b, size_t bl, const char *c,
    size_t cl)
{
	static const unsigned char sep = 0xff;	/* apart */
	uint32_t h;

	h = hash_fnv32(hash_fnv32(HASH_FNV32, a, al), &sep, 1);
	h = hash_fnv32(hash_fnv32(h, b, bl), &sep, 1);
	return hash_fnv32(h, c, cl);
}

int
abook_is(const struct abook_alert *a, const char *panel, size_t pl,
    const char *key, size_t kl)
{
	if (inert_is_site(a->key, a->keylen) || inert_is_site(key, kl))
		return inert_is_site(a->key, a->keylen) &&
		    inert_is_site(key, kl);
	return a->panellen == pl && memcmp(a->panel, panel, pl) == 0 &&
	    a->keylen == kl && memcmp(a->key, key, kl) == 0;
}

static void
al_remove(struct abook *al, size_t i)
{
	free(al->a[i].panel);
	al->a[i] = al->a[--al->n];
}

static struct abook_alert *
al_find(struct abook *al, const char *panel, size_t pl, const char *rule,
    size_t rl, const char *key, size_t kl, uint32_t h)
{
	size_t i;
	struct abook_alert *a;

	for (i = 0; i < al->n; i++) {
		a = &al->a[i];
		if (a->hash == h && a->panellen == pl && a->rulelen == rl &&
		    a->keylen == kl && memcmp(a->panel, panel, pl) == 0 &&
		    memcmp(a->rule, rule, rl) == 0 && memcmp(a->key, key, kl) == 0)
			return a;
	}
	return NULL;
}

/* a new alert; when the book is full the oldest resolved one goes first */
static struct abook_alert *
al_add(struct abook *al, const char *panel, size_t pl, const char *rule,
    size_t rl, const char *key, size_t kl, uint32_t h)
{
	struct abook_alert *a;
	size_t i, v = 0;
	int pass;
	char *p;

	if ((p = malloc(pl + rl + kl + 1)) == NULL)
		return NULL;
	if (al->n == al->max) {
		for (pass = 0; pass < 3; pass++) {
			v = al->n;
			for (i = 0; i < al->n; i++) {
				a = &al->a[i];
				if ((pass == 0 && a->active) ||
				    (pass == 1 && !(a->active && a->ack)))
					continue;
				if (v == al->n || a->changed < al->a[v].changed)
					v = i;
			}
			if (v < al->n)
				break;
		}
		al_remove(al, v);
	}
	a = &al->a[al->n];
	memset(a, 0, sizeof(*a));
	a->panel = p;
	memcpy(a->panel, panel, pl);
	a->rule = a->panel + pl;
	memcpy(a->rule, rule, rl);
	a->key = a->rule + rl;
	memcpy(a->key, key, kl);
	a->panellen = (uint32_t)pl;
	a->rulelen = (uint32_t)rl;
	a->keylen = (uint32_t)kl;
	a->hash = h;
	al->n++;
	return a;
}

static void
al_raise(struct abook *al, struct abook_alert *a, const char *at)
{
	a->active = 1;
	a->ack = 0;
	a->raises++;
	a->until[0] = '\0';
	snap_time(a->since, at, strlen(at));
	a->changed = ++al->changes;
}

/* a resolves at time at; one that was cleared while active goes */
static void
al_resolve(struct abook *al, struct abook_alert *a, const char *at)
{
	if (a->ack) {
		al_remove(al, (size_t)(a - al->a));
		return;
	}
	a->active = 0;
	snap_time(a->until, at, strlen(at));
	a->changed = ++al->changes;
}

int
abook_apply(struct abook *al, const struct snap *s, int replay,
    uint64_t nsnap)
{
	const struct snap_ev *e;
	struct abook_alert *a;
	const char *rule, *key, *panel;
	size_t i, pl;
	uint32_t h;
	int first;

	for (i = 0; i < s->nev; i++) {
		e = &s->ev[i];
		if (replay && e->kind != SNAP_ACTIVE)
			continue;
		rule = s->arena.p + e->rule;
		key = s->arena.p + e->key;
		/* its panel's name; "" for the one table of a snapshot */
		panel = "";
		pl = 0;
		first = e->panel <= 0;
		if (e->panel >= 0 && e->panel < s->npanels) {
			panel = s->arena.p + s->panel[e->panel].name.off;
			pl = s->panel[e->panel].name.len;
		}
		h = hash3(panel, pl, rule, e->rulelen, key, e->keylen);
		a = al_find(al, panel, pl, rule, e->rulelen, key, e->keylen, h);
		if (a == NULL) {
			a = al_add(al, panel, pl, rule, e->rulelen, key,
			    e->keylen, h);
			if (a == NULL) {
				errno = ENOMEM;
				return -1;
			}
			a->first = first;
		} else if (e->kind == SNAP_RESOLVE && !a->active)
			continue;	/* told again */
		a->value = e->value;
		a->has = e->has;
		switch (e->kind) {
		case SNAP_RAISE:
			if (!a->active)
				al_raise(al, a, e->at);
			break;
		case SNAP_ACTIVE:
			if (!a->active)
				al_raise(al, a, e->at);
			snap_time(a->since, e->at, strlen(e->at));
			a->seen = nsnap;
			break;
		case SNAP_RESOLVE:
			if (a->raises == 0 && !a->active) {
				/* its raise came before we looked */
				snap_time(a->until, e->at, strlen(e->at));
				a->changed = ++al->changes;
			} else
				al_resolve(al, a, e->at);
			break;
		}
	}
	for (i = al->n; s->evdropped == 0 && i-- > 0;)
		if (al->a[i].active && al->a[i].seen != nsnap)
			al_resolve(al, &al->a[i], s->time);
	return 0;
}

void
abook_clear(struct abook *al, const char *panel, size_t pl, const char *key,
    size_t kl)
{
	size_t i;

	for (i = al->n; i-- > 0;) {
		if (key != NULL && !abook_is(&al->a[i], panel, pl, key, kl))
			continue;
		if (al->a[i].active)
			al->a[i].ack = 1;
		else
			al_remove(al, i);
	}
}

int
abook_state(const struct abook *al, const char *panel, size_t pl,
    const char *key, size_t kl)
{
	size_t i;
	int st = 0;

	for (i = 0; i < al->n; i++)
		if (abook_is(&al->a[i], panel, pl, key, kl)) {
			if (al->a[i].active && !al->a[i].ack)
				return 2;
			st = 1;
		}
	return st;
}

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "wsrc.h"

struct wsrc_ent {
	char *name;
	size_t len;
	uint64_t hash;
	struct w3c *w3c;
	uint32_t prev, next;		/* LRU list: index + 1, 0 at the ends */
};

void
wsrc_init(struct wsrc *ws, size_t max)
{
	memset(ws, 0, sizeof(*ws));
	ws->max = max;
}

void
wsrc_free(struct wsrc *ws)
{
	size_t i;

	for (i = 0; i < ws->n; i++) {
		free(ws->ent[i].name);
		w3c_free(ws->ent[i].w3c);
	}
	free(ws->ent);
	free(ws->tab);
	free(ws->gone);
	wsrc_init(ws, ws->max);
}

/* take source i out of the LRU list */
static void
lru_unlink(struct wsrc *ws, uint32_t i)
{
	struct wsrc_ent *s = &ws->ent[i];

	if (s->prev != 0)
		ws->ent[s->prev - 1].next = s->next;
	else
		ws->lru = s->next;
	if (s->next != 0)
		ws->ent[s->next - 1].prev = s->prev;
	else
		ws->mru = s->prev;
	s->prev = s->next = 0;
}

/* put source i at the most recent end of the LRU list */
static void
lru_push(struct wsrc *ws, uint32_t i)
{
	struct wsrc_ent *s = &ws->ent[i];

	s->prev = ws->mru;
	s->next = 0;
	if (ws->mru != 0)
		ws->ent[ws->mru - 1].next = i + 1;
	else
		ws->lru = i + 1;
	ws->mru = i + 1;
}

/* the table position of the source named name (n bytes, hash h), or of
 * the empty entry where it would go */
static size_t
src_pos(const struct wsrc *ws, const char *name, size_t n, uint64_t h)
{
	size_t i = h & ws->mask;
	const struct wsrc_ent *s;

	while (ws->tab[i] != 0) {
		if (HASH_ENT_H(ws->tab[i]) == (uint32_t)h) {
			s = &ws->ent[HASH_ENT_V(ws->tab[i]) - 1];
			if (s->hash == h && s->len == n &&
			    memcmp(s->name, name, n) == 0)
				break;
		}
		i = (i + 1) & ws->mask;
	}
	return i;
}

/* room for one more source: the arrays double up to max; -1 ENOMEM */
static int
src_grow(struct wsrc *ws)
{
	size_t cap, sz, i, j;
	struct wsrc_ent *s;
	uint64_t *t;

	if (ws->n == ws->cap) {
		cap = ws->cap ? ws->cap * 2 : 64;
		if (cap > ws->max)
			cap = ws->max;
		if ((s = reallocarray(ws->ent, cap, sizeof(*s))) == NULL)
			return -1;
		ws->ent = s;
		ws->cap = cap;
	}
	if (ws->tab != NULL && (ws->n + 1) * 2 <= ws->mask + 1)
		return 0;
	sz = ws->tab ? (ws->mask + 1) * 2 : 128;
	if ((t = calloc(sz, sizeof(*t))) == NULL)
		return -1;
	free(ws->tab);
	ws->tab = t;
	ws->mask = sz - 1;
	for (i = 0; i < ws->n; i++) {
		for (j = ws->ent[i].hash & ws->mask; ws->tab[j] != 0;
		    j = (j + 1) & ws->mask)
			;
		ws->tab[j] = HASH_ENT(ws->ent[i].hash, i + 1);
	}
	return 0;
}

/* forget the least recently seen source; returns its index, now free */
static uint32_t
src_evict(struct wsrc *ws)
{
	uint32_t i = ws->lru - 1;
	struct wsrc_ent *s = &ws->ent[i];

	ws->gone[s->hash & ws->gonemask] = (uint32_t)(s->hash >> 32) | 1;
	ws->forgotten++;
	hash_del(ws->tab, ws->mask, src_pos(ws, s->name, s->len, s->hash));
	lru_unlink(ws, i);
	w3c_free(s->w3c);
	free(s->name);
	return i;
}

int
wsrc_get(struct wsrc *ws, const char *name, size_t n, int create,
    struct w3c **w)
{
	uint64_t h = hash_fnv64(HASH_FNV64, name, n);
	uint32_t i;
	size_t pos, sz;
	struct wsrc_ent *s;
	char *nm;
	struct w3c *st;
	int rv = WSRC_NEW;

	*w = NULL;
	if (ws->tab != NULL && ws->tab[pos = src_pos(ws, name, n, h)] != 0) {
		i = HASH_ENT_V(ws->tab[pos]) - 1;
		if (ws->mru != i + 1) {
			lru_unlink(ws, i);
			lru_push(ws, i);
		}
		*w = ws->ent[i].w3c;
		return WSRC_HELD;
	}
	if (!create)
		return ws->gone != NULL && ws->gone[h & ws->gonemask] ==
		    ((uint32_t)(h >> 32) | 1) ? WSRC_FORGOTTEN : WSRC_ABSENT;
	if ((nm = malloc(n ? n : 1)) == NULL)
		return -1;
	if ((st = w3c_new()) == NULL) {
		free(nm);
		errno = ENOMEM;
		return -1;
	}
	if (ws->n == ws->max && ws->gone == NULL) {
		for (sz = 64; sz < ws->max * 4; sz *= 2)
			;
		if ((ws->gone = calloc(sz, sizeof(*ws->gone))) == NULL) {
			free(nm);
			w3c_free(st);
			return -1;
		}
		ws->gonemask = sz - 1;
	}
	if (ws->n == ws->max) {
		i = src_evict(ws);
		rv = WSRC_EVICTED;
	} else if (src_grow(ws) == -1) {
		free(nm);
		w3c_free(st);
		errno = ENOMEM;
		return -1;
	} else
		i = (uint32_t)ws->n++;
	s = &ws->ent[i];
	memset(s, 0, sizeof(*s));
	memcpy(nm, name, n);
	s->name = nm;
	s->w3c = st;
	s->len = n;
	s->hash = h;
	ws->tab[src_pos(ws, name, n, h)] = HASH_ENT(h, i + 1);
	lru_push(ws, i);
	*w = st;
	return rv;
}

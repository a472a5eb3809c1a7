/*
 * wsrc: the W3C directive state (lib/w3c.h, about 4 KiB) of each source of
 * omph-parse --tagged, by name, in bounded memory.
 *
 * Rules, case by case:
 *  - A source held: wsrc_get gives its state (WSRC_HELD) and makes it the
 *    most recently seen.
 *  - A source not held, with create (the caller saw a directive line): it
 *    is admitted with a new state (WSRC_NEW).  When max sources are held
 *    already, the least recently seen one is forgotten first (WSRC_EVICTED):
 *    its state is freed, so any schema (w3c_schema) the caller keeps from a
 *    state of this table may be gone (and its memory reused by the new
 *    state); its name's hash goes to the forgotten set, and forgotten
 *    counts it.
 *  - A source not held, without create (a record): *w NULL, WSRC_FORGOTTEN
 *    when its name's hash is in the forgotten set, else WSRC_ABSENT (never
 *    announced).  Only a directive admits a source: records of a source
 *    without state never evict another.  The forgotten set is
 *    direct-mapped, with 4 * max entries (at least 64): a source forgotten
 *    long ago may drop out of it and is then told as never announced; a
 *    source whose hash collides with a forgotten one's is told as forgotten.
 *  - Names are any bytes (n may be 0), copied; hashes are FNV-1a (hash.h).
 *  - Memory: the tables double up to max sources; -1 with errno ENOMEM when
 *    an allocation fails (the table stays as it was).
 *  - Nothing here prints or exits: the caller tells of the first eviction.
 */
#ifndef WSRC_H
#define WSRC_H

#include <stddef.h>
#include <stdint.h>

#include "w3c.h"

enum {
	WSRC_HELD, WSRC_NEW, WSRC_EVICTED,	/* *w set */
	WSRC_ABSENT, WSRC_FORGOTTEN		/* *w NULL */
};

struct wsrc_ent;

struct wsrc {
	struct wsrc_ent *ent;		/* sources, by index */
	size_t n, cap, max;
	uint64_t *tab;			/* HASH_ENT(name hash, index + 1), hash.h */
	size_t mask;
	uint32_t lru, mru;		/* least, most recently seen: index + 1 */
	uint32_t *gone;			/* forgotten: hash >> 32 | 1 at hash */
	size_t gonemask;
	uint64_t forgotten;		/* sources evicted */
};

/* an empty table of at most max (>= 1) sources: allocates nothing */
void wsrc_init(struct wsrc *ws, size_t max);
void wsrc_free(struct wsrc *ws);
/* the state of source name (n bytes): a WSRC_ value, or -1 (ENOMEM) */
int wsrc_get(struct wsrc *ws, const char *name, size_t n, int create,
    struct w3c **w);

#endif

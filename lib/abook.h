/*
 * abook: the alert book of omph-top: the alerts the snapshots told of,
 * kept from snapshot to snapshot until the user clears them.
 *
 * An alert is a rule holding, or having held, for a key of a panel (a key
 * table of the snapshot, lib/snap.h), or for the site.  Its identity is
 * (panel name, rule, key), all as written (escaped): the same key text in
 * two panels is two alerts; the site's key ("*" in every field) is the
 * same in every panel.  The rules, case by case:
 *  - a raise line makes an alert active (a new one if need be); a resolve
 *    line makes it resolved, with its time; a resolve of one we never saw
 *    raised is kept resolved (its raise came before we looked), one told
 *    again is ignored;
 *  - the active lines of a snapshot list every alert holding then: one not
 *    yet active becomes so, and an alert we hold active that they do not
 *    list has resolved unseen (a snapshot missed while reconnecting), at
 *    the snapshot's time, unless event lines were dropped (evdropped);
 *  - replay (the same snapshot again, as a server sends it on a reconnect):
 *    only its active lines count;
 *  - clearing (abook_clear): a resolved alert goes; an active one is marked
 *    ack ("cleared") and goes when it resolves;
 *  - bounded: at most max alerts; when full, a new one first pushes out the
 *    oldest resolved one (by its last change), else the oldest cleared
 *    active one, else the oldest active one.
 * Memory: abook_apply returns -1 (ENOMEM) when an allocation failed, the
 * book then holding what it could.  Nothing here prints or exits.
 */
#ifndef ABOOK_H
#define ABOOK_H

#include <stddef.h>
#include <stdint.h>

#include "snap.h"

struct abook_alert {
	char *panel, *rule, *key;	/* escaped, as written; one allocation */
	uint32_t panellen, rulelen, keylen, hash;
	int first;			/* of the snapshot's first panel */
	char since[SNAP_TIMEMAX], until[SNAP_TIMEMAX];	/* record times; "" unknown */
	double value;
	int has;
	int active, ack;		/* ack: cleared while active */
	unsigned raises;
	uint64_t seen;			/* snapshot whose active lines listed it */
	uint64_t changed;		/* order of its last raise or resolve */
};

struct abook {
	struct abook_alert *a;		/* max of them */
	size_t n, max;
	uint64_t changes;
};

/* an empty book of at most max alerts; 0, or -1 (ENOMEM) */
int abook_init(struct abook *al, size_t max);
/* free what al holds; a zeroed al may be freed too */
void abook_free(struct abook *al);
/*
 * The events of the complete snapshot s, the nsnap-th one read (it must
 * grow from call to call); replay: s was seen before.  0, or -1 (ENOMEM).
 */
int abook_apply(struct abook *al, const struct snap *s, int replay,
    uint64_t nsnap);
/* clear the alerts of the key of a panel (key NULL: all of them) */
void abook_clear(struct abook *al, const char *panel, size_t pl,
    const char *key, size_t kl);
/* 2: an alert of the key is active and not cleared, 1: another, 0: none */
int abook_state(const struct abook *al, const char *panel, size_t pl,
    const char *key, size_t kl);
/* 1 when the alert is of the key of the panel (the site's: any panel) */
int abook_is(const struct abook_alert *a, const char *panel, size_t pl,
    const char *key, size_t kl);

#endif

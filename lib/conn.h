/*
 * conn: the limits of a server's TCP connections on a network with
 * strangers on it (omph-collect --listen): who gets in, who is shed to make
 * room, when a connection has timed out, how much buffer memory all of them
 * may hold together, and what to do when descriptors run out.
 *
 * The caller owns each connection: its descriptor, its buffer, its data.
 * It embeds a struct conn_ent as the first member of its own connection
 * struct; the table holds pointers to those entries and decides, and the
 * caller closes.  The rules, case by case:
 *
 *  - Established: a connection is established once the caller says so
 *    (conn_est: its first whole line or frame was read).  Until then it
 *    is a stranger that costs a slot and nothing else.
 *  - Admission (conn_admit): a new connection joins while fewer than
 *    lim.max are open and fewer than lim.per_addr from its address (the
 *    port left out; an IPv4-mapped IPv6 address counts as IPv4).  At a cap
 *    the oldest connection not yet established is shed (of that address,
 *    for the per-address cap), so a real sender can always come in while
 *    strangers hold the slots; when every one is established, the new one
 *    is refused.  The same when descriptors ran out (conn_accept below):
 *    one connection is shed, or the new one refused, to free one.
 *  - Time (conn_expired, conn_deadline): a connection not established
 *    lim.handshake seconds after it came, or established and silent (no
 *    byte read, conn_heard) for lim.idle seconds, has timed out.  lim.idle
 *    0 is never.
 *  - Memory (conn_room, conn_held): the buffers of all the connections
 *    hold at most lim.budget bytes together.  Before a buffer grows the
 *    caller asks conn_room; when the growth does not fit, connections are
 *    shed until it does: those not established first, then the others,
 *    the one holding the most first (the asking one included, with what it
 *    asks for).
 *  - Descriptors (conn_accept, conn_spare): one spare descriptor is kept
 *    open.  When accept(2) fails for want of descriptors (EMFILE, ENFILE),
 *    the spare is closed so that the waiting connection can be taken,
 *    conn_admit then sheds one or refuses the new one, and conn_spare opens
 *    the spare again.  Without a spare, accepting pauses for a tenth of a
 *    second (conn_paused) instead of spinning on a listener that stays
 *    readable.
 *
 * Removal is deferred: conn_del takes an entry out of every count at once
 * and marks it dead, and conn_sweep later hands the dead entries back for
 * the caller to free.  So the table's order stays put while the caller
 * walks it (between its poll and the sweep), whatever is shed meanwhile.
 * Times are tm_mono() seconds.  Nothing here prints.
 */
#ifndef CONN_H
#define CONN_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

struct conn_lim {
	size_t max;			/* open at once */
	size_t per_addr;		/* open at once from one address */
	double handshake;		/* seconds to be established */
	double idle;			/* seconds silent once established; 0 never */
	size_t budget;			/* buffer bytes, all together */
};

struct conn_ent {
	int family;			/* AF_INET, AF_INET6 */
	unsigned char addr[16];
	double born, last;		/* accepted, last byte read */
	int est;			/* established */
	int in;				/* joined the table */
	int dead;			/* conn_del'd, waiting for conn_sweep */
	size_t held;			/* buffer bytes */
};

struct conn_tab {
	struct conn_lim lim;
	struct conn_ent **ent;		/* live and dead, in the order they came */
	size_t n, cap;
	size_t sweep, kept;		/* conn_sweep's place */
	size_t live;			/* not dead */
	size_t held;			/* bytes, all the live ones' */
	int spare;			/* the spare descriptor, -1 when used */
	int fdshort;			/* the last accept used the spare */
	double pause_until;		/* no accepting before (no spare) */
};

/*
 * An empty table under lim, with its spare descriptor open if it can be
 * (without one, accepting pauses when descriptors run out).
 */
void conn_init(struct conn_tab *t, const struct conn_lim *lim);
/* Free the table (not the entries: the caller frees its connections). */
void conn_fini(struct conn_tab *t);
/*
 * Raise the soft descriptor limit to need, as far as the hard limit lets:
 * the limit now (need when it is higher), or -1 with errno.
 */
long conn_fdlimit(long need);
/*
 * accept(2) on the listening lfd (net_accept), using the spare when
 * descriptors ran out (t->fdshort is then 1 until conn_admit or conn_spare
 * made up for it).  -1 with errno: EAGAIN when nothing waits, EMFILE or
 * ENFILE when even the spare was gone (accepting pauses), others as
 * accept(2).
 */
int conn_accept(struct conn_tab *t, int lfd, struct sockaddr_storage *from,
    double now);
/* Open the spare descriptor again if it was used (after a close). */
void conn_spare(struct conn_tab *t);
/* 1 while accepting pauses; *until tells till when. */
int conn_paused(const struct conn_tab *t, double now, double *until);
/* Fill e for a connection from sa accepted at now. */
void conn_ent_init(struct conn_ent *e, const struct sockaddr *sa, double now);
/*
 * May e join the table?  NULL: it joined.  e itself: it is refused, and
 * is not in the table (also when memory for the table ran out).  Any other
 * entry: shed that one first (close its descriptor, then conn_del), then
 * ask again.
 */
struct conn_ent *conn_admit(struct conn_tab *t, struct conn_ent *e);
/*
 * Take e out of every count and mark it dead; e need not have joined.
 * Close e's descriptor first: with t->fdshort, the spare is opened again.
 */
void conn_del(struct conn_tab *t, struct conn_ent *e);
/*
 * A dead entry, out of the table now, for the caller to free; NULL when
 * there are no more.  Call it until NULL, with no other call on t between.
 */
struct conn_ent *conn_sweep(struct conn_tab *t);
/* e's first whole line or frame was read. */
void conn_est(struct conn_ent *e);
/* e sent bytes at now. */
void conn_heard(struct conn_ent *e, double now);
/*
 * A live entry timed out at now, searching from *i (start at 0, and pass
 * the same i again for the next): shed it, and ask again.  NULL: no more.
 */
struct conn_ent *conn_expired(struct conn_tab *t, double now, size_t *i);
/* The earliest time an entry may time out; 0 when none can. */
double conn_deadline(const struct conn_tab *t);
/*
 * May e's buffer grow by more bytes?  NULL: yes.  Otherwise the entry to
 * shed first (conn_del), perhaps e itself; then ask again.
 */
struct conn_ent *conn_room(struct conn_tab *t, const struct conn_ent *e,
    size_t more);
/* e's buffer holds bytes now (after a malloc, realloc or free); e joined. */
void conn_held(struct conn_tab *t, struct conn_ent *e, size_t bytes);

#endif

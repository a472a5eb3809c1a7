/*
 * tview: what omph-top shows, without the terminal: the snapshots read
 * (lib/snap.h), the alert book (lib/abook.h), the rate history, the input's
 * state for the title, and the view of the key table: its sort order, the
 * filter, the selection.
 *
 * The rules, case by case:
 *  - snapshots: tview_feed reads the stream line by line; at a snapshot's
 *    #end it becomes the one shown (last), or, paused, the newest waiting
 *    (pend, counted in newer); a cut one is never shown.  The first
 *    snapshot over a new connection (fresh set by the caller) that is the
 *    same as the newest one (time, counts, number of events) is a replay:
 *    only its active lines count for the alerts;
 *  - history: per snapshot, with a window the site's rate, else the
 *    records/s measured between snapshots at least 0.2 s apart, into a
 *    ring of TVIEW_HIST samples;
 *  - the panel shown (a key table of the snapshot, lib/snap.h): kept by
 *    its name from snapshot to snapshot, the first when it is gone;
 *    tview_next_panel moves to the next or previous one (cycling), the
 *    selection then back on the first row;
 *  - the view (tview_order, when reorder is set): the rows of the shown
 *    panel whose key, as inert text, holds the filter (ASCII case
 *    folded), sorted by the sort column highest first, absent values
 *    last, ties (and TVIEW_S_INPUT) in omph-collect's order, TVIEW_S_KEY
 *    by the key's bytes;
 *  - the selection: sel 0 is the site row, 1.. the shown rows; once moved
 *    by the user (tview_select) it follows its key from snapshot to
 *    snapshot (follow 1), or stays on the site (follow 2); a key gone
 *    leaves it where it was, within the rows;
 *  - the clock (tview_clock_base): counted from when the input ended or
 *    went down, from the start while no snapshot came, or from the newest
 *    snapshot once none came for 3 gaps (at least 5 s); none in batch.
 * Memory: tview_feed and tview_order return -1 (ENOMEM) when memory ran
 * out; tview_nomem tells of the scratch buffers.  Nothing here prints or
 * exits.
 */
#ifndef TVIEW_H
#define TVIEW_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "abook.h"
#include "inert.h"
#include "snap.h"

#define TVIEW_ALERTS 1000	/* alerts listed; the oldest resolved go first */
#define TVIEW_HIST 1024		/* sparkline samples kept */

/* the input's state */
enum { TVIEW_IN_LIVE, TVIEW_IN_ENDED, TVIEW_IN_CONNECTING, TVIEW_IN_DOWN };

/* sort orders the s key cycles through */
enum {
	TVIEW_S_INPUT, TVIEW_S_HITS, TVIEW_S_BYTES, TVIEW_S_4XX, TVIEW_S_5XX,
	TVIEW_S_P99, TVIEW_S_KEY, TVIEW_S_N
};

/* what the title tells of the input; the caller keeps it */
struct tview_in {
	const char *name;
	int net;			/* --connect */
	int state;
	int err;			/* why it ended or is down; 0: end of input */
	double since;			/* monotonic: start of waiting, end, or down */
	time_t since_wall;
	double retry;			/* next connect */
};

struct tview {
	int batch, utf8;
	struct tview_in in;
	struct snap_rd ps;
	struct snap sn[3];
	struct snap *cur, *last, *pend;	/* parsing; shown; newest while paused */
	int have_last, have_pend;
	uint64_t nsnap;			/* complete snapshots read */
	int fresh;			/* no snapshot yet over this connection */
	struct abook al;
	double hist[TVIEW_HIST];	/* sparkline samples, a ring */
	size_t nhist;
	uint64_t prec;			/* records at time pat */
	double pat, rps, gap;		/* records/s; seconds between snapshots */
	int has_rps;
	/* the view */
	int sort, sel, top, paused, help, editing;
	size_t newer;			/* snapshots read while paused */
	char filter[256], edit[256];
	size_t filterlen, editlen;
	int panel;			/* the panel shown, of last */
	struct out_buf pname;		/* its name, kept across snapshots */
	struct out_buf selkey;	/* key the selection follows */
	int follow;			/* 0: a position, 1: selkey, 2: the site */
	size_t *order;			/* shown rows: filtered, sorted */
	size_t norder, ordercap;
	int reorder;
	int body;			/* key rows of the last layout */
	struct out_buf u, c;		/* scratch: unescaped, cleaned text */
};

/* t set up: batch (-b), utf8 (the locale's charset); 0 or -1 (ENOMEM) */
int tview_init(struct tview *t, int batch, int utf8);
void tview_free(struct tview *t);
/*
 * One line of the stream (lib/snap.h's snap_feed, p changed), read at
 * monotonic time now: 1 when it completed a snapshot, 0 when not, -1
 * (ENOMEM).
 */
int tview_feed(struct tview *t, char *p, size_t len, int flags, double now);
/* the shown rows again (filter, sort, selection); 0 or -1 (ENOMEM) */
int tview_order(struct tview *t);
/* the selection moved by the user to sel (bounded): it follows its key */
void tview_select(struct tview *t, long sel);
/* the key of the selection, escaped, *n bytes; NULL when none */
const char *tview_selected(const struct tview *t, size_t *n);
/* the panel shown (an empty one, no rows, when none) */
const struct snap_panel *tview_panel(const struct tview *t);
/* its name as written, *n bytes ("" for a snapshot's one table) */
const char *tview_panel_name(const struct tview *t, size_t *n);
/* show the next panel (dir > 0) or the previous one (dir < 0) */
void tview_next_panel(struct tview *t, int dir);
/* show panel i of the snapshot shown (nothing when there is none) */
void tview_show_panel(struct tview *t, int i);
/* p: pause, or go on showing the newest */
void tview_pause(struct tview *t);
/* the name of sort order s */
const char *tview_sort_name(int s);
/* when the newest complete snapshot came (monotonic), 0 if none */
double tview_newest(const struct tview *t);
/* seconds without a snapshot after which the clock shows */
double tview_stale_after(const struct tview *t);
/* the monotonic time the title's clock counts from; -1: no clock */
double tview_clock_base(const struct tview *t, double now);
/* 1 when a scratch buffer ran out of memory since the last call; clears */
int tview_nomem(struct tview *t);

#endif

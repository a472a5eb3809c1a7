/*
 * tally: what omph-collect counts and reports: its panels (one table of
 * keys per -k, lib/agg each), the alerts of --alert per key and of
 * --alert-total for the site, raised and resolved, and the snapshot of it
 * all (man/omph.7, "Snapshots"), written through lib/snap.
 *
 * Rules:
 *  - every panel counts every record (tally_add), so their totals,
 *    records, late, first and newest are the same: the first panel's stand
 *    for all (the site's row, the summary's records and late);
 *  - a panel's key is its fields as the record wrote them (escapes kept),
 *    joined by TAB, \N for a field the header has not; tally_add is given
 *    the record's fields and, per wanted key name, its column (lib/cols:
 *    the names of panel p are c->key[k0 .. k0 + nkeys));
 *  - alerts: a --alert rule holds for a key with at least min_hits hits
 *    whose metric passes; each change is an event (raise or resolve, with
 *    its panel), written once by the next snapshot (tally_put) and then
 *    dropped (tally_written); a key that leaves its table (expired from the
 *    window, evicted) resolves its alerts at the window's end.  The site's
 *    rules hold on the first panel's totals; their events are the first
 *    panel's.  act lists the per-key alerts active in raise order (panel,
 *    slot, generation: lib/alert.h), site_alerts the site's by bit, since
 *    when each was raised;
 *  - tally_report, before a snapshot: visitors estimated, alerts
 *    evaluated at that time, each panel's keys ranked by the sort metric
 *    (ties: the shorter key, then bytes), its top kept in sorted;
 *  - rates are over span seconds: the window; in totals mode the records'
 *    time span, or since started (wall clock) when no record had a time
 *    (the resolve of a key evicted between two reports takes the clock of
 *    the last one);
 *  - the arrays ev and act, site_alerts, since and started are the
 *    checkpoint's to save and to restore (lib/ckpt.h), with tally_aggs;
 *    events counts events added or written, so that a change shows.
 * Nothing here prints or exits: -1 with errno ENOMEM when memory runs
 * out, the counts then as they were before the call, or the record partly
 * counted (lib/agg.h says which).
 */
#ifndef TALLY_H
#define TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "alert.h"
#include "out.h"
#include "snap.h"

#define TALLY_MAXPANELS 16
#define TALLY_MAXRULES 32	/* rules of each kind */

struct tally;
struct ckpt_coll;

struct tally_panel {
	const char *name;		/* its -k as given */
	const char *const *keys;	/* its key fields' names */
	int nkeys;
	int k0;				/* its first name's index for lib/cols */
	size_t top, max_keys;		/* -n, --max-keys */
	struct agg a;
	struct agg_key **sorted;	/* by tally_report: room for a.cap */
	size_t sortcap, nsorted;	/* nsorted: the top, at most top */
	struct tally *t;
	int i;				/* its index */
};

struct tally_opts {
	int window;			/* 0: totals */
	const struct alert_rule *rules, *trules;
	int nrules, ntrules;		/* at most TALLY_MAXRULES each */
	size_t min_hits;
	int sort;			/* a metric of lib/alert.h */
};

struct tally {
	struct tally_opts o;
	struct tally_panel pan[TALLY_MAXPANELS];
	int npan;
	uint64_t site_alerts;		/* active --alert-total rules, by bit */
	int64_t since[TALLY_MAXRULES];	/* when each was raised */
	struct alert_event *ev;		/* raises, resolves to write */
	size_t nev, evcap;
	uint64_t events;		/* added or written */
	struct alert_active *act;	/* per-key alerts active */
	size_t nact, actcap;
	int64_t started;		/* wall clock of the first start */
	int64_t now;			/* wall clock of the last tally_report */
	char *keybuf;
	size_t keycap;
	struct snap_wr w;
};

/* Set t up for o, with no panel yet (no memory taken). */
void tally_init(struct tally *t, const struct tally_opts *o);
/*
 * One more panel; keys (nkeys names) and name are the caller's, kept.
 * -1: ENOMEM, or EINVAL past TALLY_MAXPANELS.
 */
int tally_panel(struct tally *t, const char *name, const char *const *keys,
    int nkeys, int k0, size_t top, size_t max_keys);
void tally_free(struct tally *t);
/*
 * One record: its fields f/fl, col[j] the column of wanted key name j (-1
 * none), its second, status, bytes, duration (us, -1 none) and client
 * hash (NULL none), as agg_add takes them.  Returns 1 when it was late
 * (older than the window), 0 counted, -1 ENOMEM.
 */
int tally_add(struct tally *t, char *const *f, const size_t *fl,
    const int *col, int64_t sec, int status, uint64_t bytes, int64_t dur_us,
    const uint64_t *client);
/* The windows end at now if it is later (--clock arrival). */
void tally_advance(struct tally *t, int64_t now);
/* Seconds the rates are over; now is the wall clock. */
double tally_span(const struct tally *t, int64_t now);
/* Before a snapshot at time at (wall clock now): see the rules.  -1 ENOMEM */
int tally_report(struct tally *t, int64_t at, int64_t now);
/*
 * The snapshot after tally_report, into o, tsv or JSON: h's summary, each
 * panel's table and events, then what senders writes (the senders' table,
 * or a JSON member ending in a comma; may be NULL), then "#end" or the
 * JSON object's end and LF.
 */
void tally_put(struct tally *t, struct out *o, int json,
    const struct snap_head *h, int64_t now,
    void (*senders)(void *arg, struct snap_wr *w, struct out *o), void *arg);
/*
 * Each row of the snapshot made by tally_report, panel by panel, the
 * site's first (k NULL) then the top, with its metrics (v[m] if
 * present[m]), to row; the first -1 it returns ends it, returned.
 */
int tally_rows(const struct tally *t, int64_t now,
    int (*row)(void *arg, const struct tally_panel *pn,
    const struct agg_key *k, const double *v, const int *present),
    void *arg);
/* The events are written: dropped (counted in events). */
void tally_written(struct tally *t);
/* The panels' aggregates, for lib/ckpt (valid until the next call). */
struct agg *const *tally_aggs(struct tally *t);
/*
 * The checkpoint's part of t (lib/ckpt.h: started, site_alerts, since,
 * act, ev) into c, borrowed: valid until t changes.
 */
void tally_ck_get(const struct tally *t, struct ckpt_coll *c);
/* ... and back from a checkpoint loaded: act and ev become t's. */
void tally_ck_set(struct tally *t, const struct ckpt_coll *c);
/* A number that grows whenever the counts change (evictions and all). */
uint64_t tally_mark(const struct tally *t);
/*
 * The Prometheus families of the counts (lib/prom.h): records, bytes and
 * status classes since the start, late, per panel its evictions and keys
 * (label panel), the site's visitors, the alerts active, the durations.
 */
void tally_metrics(const struct tally *t, struct out *o);

#endif

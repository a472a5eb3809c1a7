/*
 * snap: the snapshot stream of omph-collect (man/omph.7, "Snapshots"):
 * writing its parts in either form (tsv or JSON), and reading the tsv
 * form back.
 *
 * Writing (struct snap_wr, into a struct out): times in ISO 8601 UTC, as
 * strings in JSON; numbers as integers or with 6 significant digits; an
 * absent value \N (tsv) or null (JSON); a key is its fields as records
 * write them (escapes kept, TAB between them) in tsv, each field by name
 * as a JSON string (escapes undone, \N as null), and the site's key is "*"
 * or null in every field; a row is the key then the metrics of
 * alert_metric_names in their order; an event is what, the rule, the
 * value, the time, then the key.  The caller writes the summary line and
 * the headers, and ends each part (tsv rows end with LF, JSON objects have
 * no separator).  A failed write or allocation is the out's error.
 *
 * Reading: line by line, into struct snap: the summary
 * line's fields, the key tables ("panels": each its header, the site's row,
 * the top rows with their metrics), the event lines and the senders' table
 * as written.
 *
 * Rules:
 *  - a snapshot runs from a "#snapshot" line to "#end"; snap_feed returns 1
 *    at its #end, the snapshot then complete in s.  A "#snapshot" before
 *    the #end of the one under way starts over (the cut one is counted in
 *    broken, never handed out), and so does snap_rd_reset (the input ended
 *    or started over);
 *  - lines outside a snapshot, rows the tables cannot take, lines cut by
 *    the reader (LR_CUT) are counted in ignored, never taken;
 *  - a key table is a header with a "hits" column after at least one key
 *    column, the first header after #snapshot or after a "#panel" line;
 *    its metrics are found by name (alert_metric), so columns may come in
 *    any order or be unknown; its first row is the site's; a metric that
 *    is absent or not a finite number is not set (its bit in has is clear);
 *  - panels: a snapshot of one key table has no #panel line, its one panel
 *    named "" (len 0) with the summary's keys=; with several, a
 *    "#panel name=N keys=K" line precedes each table (N the key fields
 *    joined by ",", as written).  An event line belongs to the panel whose
 *    table its #event header follows (under a #panel line whose table has
 *    not come it is not taken).  Malformed panels are counted in
 *    ignored and their lines not taken: a #panel line without a table
 *    after it, a name already read, a panel past SNAP_PANELS, a key table
 *    without its #panel line once #panel lines came (one read before the
 *    first #panel line is dropped whole, with its events); rows of two
 *    panels are never mixed.  panel[0]'s rows are rows[0..], panel p's
 *    rows[p.row0 .. p.row0 + p.nrows); nrows counts every panel's;
 *  - bounded: at most SNAP_PANELS panels, SNAP_ROWS rows and SNAP_EVENTS
 *    events (over all panels) and SNAP_SENDERS sender lines of one
 *    snapshot are kept (the rest counted in a panel's dropped, evdropped
 *    or left out), a time value at most SNAP_TIMEMAX - 1 bytes,
 *    the other name=value fields of the summary at most 4 KiB;
 *  - text is kept as written, escapes and all, in the snapshot's arena
 *    (offsets into it, never pointers, so it may grow); nothing read is
 *    trusted to be printable: the reader shows it inert.
 * A snapshot's memory is kept for the next one (snap_reset empties it).
 * Nothing here prints or exits; when memory runs out, snap_feed returns -1
 * (ENOMEM) and the snapshot is not to be used.
 */
#ifndef SNAP_H
#define SNAP_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "out.h"

#define SNAP_PANELS 16		/* key tables kept of one snapshot */
#define SNAP_ROWS 100000	/* rows kept of one snapshot */
#define SNAP_SENDERS 1000	/* rows kept of a #sender table */
#define SNAP_EVENTS 100000	/* event lines kept of one snapshot */
#define SNAP_TIMEMAX 48		/* bytes kept of a time value */

/* one row of the key table; its key lives in the snapshot's arena */
struct snap_row {
	size_t key;			/* arena offset: the key fields, escaped, TAB-joined */
	uint32_t keylen;
	uint32_t has;			/* bit m: metric m present */
	double m[M_N];
};

enum { SNAP_RAISE, SNAP_RESOLVE, SNAP_ACTIVE };

struct snap_ev {
	int kind;
	size_t rule, key;		/* arena offsets, escaped as written */
	uint32_t rulelen, keylen;
	char at[SNAP_TIMEMAX];		/* escaped as written */
	double value;
	int has;
	int panel;			/* the panel it belongs to */
};

/* a line (of the #sender table, ...) as written, in the arena */
struct snap_xline {
	size_t off;
	uint32_t len;
};

/* a key table */
struct snap_panel {
	struct snap_xline name;		/* name=, escaped as written; "": one table */
	uint64_t keys;			/* keys= */
	int table;			/* its header was read */
	struct snap_xline keyhdr;	/* the key column names, TAB-joined */
	int site;			/* the site row was read */
	struct snap_row srow;
	size_t row0, nrows;		/* its rows: rows[row0 .. row0 + nrows) */
	size_t dropped;			/* rows past SNAP_ROWS */
};

struct snap {
	struct out_buf arena;
	char time[SNAP_TIMEMAX];		/* time=, escaped as written; "" none */
	int window, final;
	uint64_t records, late, bad, evicted, keys;
	struct snap_xline extra;		/* other name=value fields, TAB-joined */
	struct snap_panel panel[SNAP_PANELS];
	int npanels;			/* complete ones: with a table */
	int named;			/* #panel lines came */
	struct snap_row *rows;		/* every panel's */
	size_t nrows, rowcap;
	struct snap_ev *ev;
	size_t nev, evcap, evdropped;	/* evdropped: lines past SNAP_EVENTS */
	int sender;			/* a #sender table came */
	struct snap_xline shdr;
	struct snap_xline *snd;
	size_t nsnd, sndcap;
	double arrived;			/* the reader's: when its #end was read */
	int nomem;			/* memory ran out: not to be used */
};

enum {
	SNAP_P_NONE, SNAP_P_HEAD, SNAP_P_ROWS, SNAP_P_EVENTS, SNAP_P_SENDER,
	SNAP_P_OTHER
};

struct snap_rd {
	int state;
	int panel;			/* taking rows and events: -1 none */
	int col[M_N];			/* column of each metric, -1: none */
	int nkey;			/* key columns, before hits */
	uint64_t ignored;		/* lines outside snapshots or not understood */
	uint64_t broken;		/* snapshots cut before their #end */
};

struct snap_wr {
	struct out *o;			/* written into */
	int json;			/* 1: JSON, 0: tsv */
	const char *const *keys;	/* the key fields' names */
	int nkeys;
	const char *panel;		/* JSON events: "panel" is this, if set */
	struct out_buf scratch;		/* JSON keys: a value unescaped */
};

/* a time (seconds since the epoch; INT64_MIN absent) */
void snap_put_time(struct snap_wr *w, int64_t t);
/* a number, an integer when integer is set; present 0: absent */
void snap_put_num(struct snap_wr *w, double v, int present, int integer);
/* a key (len bytes as records write it), or the site's when key is NULL */
void snap_put_key(struct snap_wr *w, const char *key, size_t len);
/* a row: the key (NULL: the site), then v[m] for each metric m if present[m] */
void snap_put_row(struct snap_wr *w, const char *key, size_t len,
    const double *v, const int *present);
/* an event line or object: what, rule, value, time at, key (NULL: site) */
void snap_put_event(struct snap_wr *w, const char *what, const char *rule,
    const char *key, size_t keylen, double value, int present, int64_t at);
/*
 * The summary: what the #snapshot line holds.  listen adds the --listen
 * fields, origins those of origins (man/omph.7, "Snapshots").
 */
struct snap_head {
	int64_t time;			/* INT64_MIN: none */
	int window, final;
	uint64_t records, late, bad, evicted, keys;
	int listen;
	uint64_t senders, datagrams, denied, malformed, refused, conns, shed,
	    timedout;
	int rcvbuf;
	int origins;
	uint64_t dup, gaps, gapbytes, badorigin, streams, forgotten;
};
/*
 * The summary: the #snapshot line with its LF, or the JSON object's start
 * and its summary members, each followed by a comma.
 */
void snap_put_head(struct snap_wr *w, const struct snap_head *h);
/*
 * A panel of several (w's keys are its key fields): its #panel line, or
 * the start of its JSON object up to the comma before its "total".
 */
void snap_put_panel(struct snap_wr *w, const char *name, uint64_t keys,
    uint64_t evicted);
/* tsv: the table's header line (w's key fields, then the metrics) */
void snap_put_table_head(struct snap_wr *w);
/* tsv: the events' header line */
void snap_put_event_head(struct snap_wr *w);
/* free w's scratch memory */
void snap_wr_free(struct snap_wr *w);

/* A time value p (n bytes) into dst (SNAP_TIMEMAX bytes), cut, with NUL. */
void snap_time(char *dst, const char *p, size_t n);
/* The decimal p (n bytes, at most 19 digits), or 0 when it is not one. */
uint64_t snap_u64(const char *p, size_t n);
/* Free what s holds; an empty s (zeroed) may be freed too. */
void snap_free(struct snap *s);
/* Empty s for a new snapshot; its memory is kept for the next one. */
void snap_reset(struct snap *s);
/* The snapshot under way, if any, is dropped (counted in broken). */
void snap_rd_reset(struct snap_rd *rd);
/*
 * One line of the stream (p, len bytes, no LF; a CR before it is dropped;
 * flags: the lr.h flags of the line) into s: 1 when it was the #end of the
 * snapshot in s, now complete; 0 otherwise; -1 (ENOMEM) when memory ran
 * out, s then not to be used until the next #snapshot.  p is changed
 * (rec_split cuts it).
 */
int snap_feed(struct snap_rd *rd, struct snap *s, char *p, size_t len,
    int flags);

#endif

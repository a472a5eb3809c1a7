/*
 * intake: omph-collect's lines of a feed (stdin, or a sender's stream or
 * datagrams, lib/ingest.h) into its tally (lib/tally.h): each header
 * names the columns, each record is counted, the rest is told and
 * counted as bad.
 *
 * The rules, case by case:
 *
 *  - A line: counted in lines and in its feed's lineno; a trailing CR is
 *    dropped; an empty line is nothing more; a line starting with '#' is
 *    a header (intake_header); anything else a record.
 *  - A header finds the columns of the feed's cols (lib/cols.h): the key
 *    names given (every panel's, in order) and the known ones.  A key name
 *    no column has is told once in the intake's life ("-k NAME: no such
 *    column ..."), its records counted under \N.  A header whose names
 *    are not printable field names is bad.
 *  - A record is bad (counted, not tallied) before any header, when its
 *    field count differs from the header's, and with a window when it has
 *    no valid time or the header no time column.  Without a window a
 *    record with no valid time is counted at no time (INT64_MIN).  With
 *    arrival set its time is the wall clock's second, its time column not
 *    read.  A time is parsed once per distinct first 19 bytes.
 *  - Origins: a record of a header with an origin column is checked
 *    (lib/origin.h, the feed's sender name, "" for stdin): a repeat is not
 *    counted (the sender's dup), a gap before it is counted in the
 *    sender's gaps and gapbytes.  org is the checkpoint's to save and load.
 *  - The fields read: status, bytes (a negative or absent value is 0),
 *    duration (microseconds, -1 none), client (visitors; \N is none).
 *  - Bad lines: the first INTAKE_REPORTS are told through the note as
 *    "NAME:LINENO: WHY", the last of them followed by "further bad lines
 *    are only counted"; each is counted in bad and in its sender's bad.
 *  - lines and bad are the checkpoint's too (the caller saves and sets
 *    them).  Nothing here prints or exits: -1 is ENOMEM (from lib/origin
 *    or lib/tally; the record then partly counted, as lib/tally.h says).
 */
#ifndef INTAKE_H
#define INTAKE_H

#include <stddef.h>
#include <stdint.h>

#include "cols.h"
#include "ingest.h"
#include "origin.h"
#include "tally.h"

#define INTAKE_REPORTS 10
#define INTAKE_NOT_HEADER \
	"a header line whose names are not printable field names"

struct intake {
	struct tally *t;		/* where records are counted */
	struct cols_want want;		/* the key names, for lib/cols */
	int told[COLS_MAXK];		/* a key naming no column was told */
	int window, arrival;		/* as given to intake_init */
	char tkey[32];			/* last time text parsed */
	size_t tkeylen;
	int64_t tval;
	uint64_t lines, bad;		/* lines read, lines not records */
	struct orig org;		/* the positions of origins */
	void (*note)(void *arg, const char *msg);	/* or NULL */
	void *arg;
};

/*
 * Set up in (any previous content ignored) for tally t: the nkeys key
 * names of keys (COLS_MAXK at most; the strings must outlive in), window
 * (seconds, 0 for totals) and arrival (time is the wall clock).
 */
void intake_init(struct intake *in, struct tally *t, const char *const *keys,
    int nkeys, int window, int arrival);
void intake_free(struct intake *in);
/* One line of feed fd (p not NUL-terminated; it may be changed). */
int intake_line(struct intake *in, struct ingest_feed *fd, char *p,
    size_t len);
/* A header (without its '#') into c: 0, or -1 when it is not one. */
int intake_header(struct intake *in, struct cols *c, char *p, size_t len);
/* A line of fd that is not a record, for why: counted, maybe told. */
void intake_bad(struct intake *in, struct ingest_feed *fd, const char *why);
/* A snapshot's summary (lib/snap.h): bad, and origins with their counts. */
void intake_head(const struct intake *in, struct snap_head *h);
/*
 * Prometheus families (lib/prom.h): omph_bad_lines_total; once a record
 * had an origin, omph_dup_records_total, omph_gaps_total and
 * omph_gap_bytes_total.
 */
void intake_metrics(const struct intake *in, struct out *o);

#endif

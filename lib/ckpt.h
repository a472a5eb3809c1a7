/*
 * ckpt: the checkpoint of omph-collect --state: its aggregates and its own
 * counters in one file, written atomically, loaded strictly.
 *
 * Rules:
 *  - writing: the whole checkpoint is encoded in memory, written to
 *    FILE.tmp (mode 0600), fsynced, renamed over FILE, and the directory is
 *    fsynced; a crash at any point leaves FILE as it was or the new one,
 *    never a mix.  A failure before the rename leaves FILE untouched and
 *    removes FILE.tmp; a failure of the directory's fsync comes after the
 *    rename (FILE is new, but may not survive a power cut).
 *  - reading: a missing FILE is no checkpoint (1), not an error.  Anything
 *    else that is not exactly a checkpoint of this version for these
 *    options is refused (-1, a reason in err, the caller's aggregates and
 *    counters left as they were): a bad magic, another version, a length
 *    that is not the file's (truncated, or bytes after the end), a wrong
 *    checksum, an unknown, missing, repeated or misplaced section, a
 *    section with bytes left over or missing, a value out of range, state
 *    that does not hold together (a key twice, a free slot in use, window
 *    seconds that do not add up to the totals, an alert on a key not held),
 *    and a checkpoint made with other options (see struct ckpt_opts).
 *    Nothing is ever half loaded.
 *  - the checksum is FNV-1a 64 over the file but its own 8 bytes: it finds
 *    damage (a flipped byte, a torn write), it is no defence against
 *    someone who writes a checkpoint on purpose.
 *
 * The file, every integer little-endian, strings as a u32 length and the
 * bytes (no NUL):
 *
 *	header	"OMPHCKPT" u32 version (4) u32 flags (0) u64 length u64 check
 *	section	u32 type, u64 length, then length bytes of payload
 *
 * sections back to back to the end of the file, each exactly once, in the
 * order of their types:
 *
 *	1 CONFIG  the options the counts depend on (struct ckpt_opts)
 *	2 COUNTS  the collector's counters (struct ckpt_coll)
 *	3 AGG     the aggregates: a u32 count of panels, then each one's
 *	          agg_save in lib/agg.h
 *	4 ALERTS  the --alert-total rules raised and since when, the --alert
 *	          rules active per key (panel, slot, generation, rule, since)
 *	5 EVENTS  raises and resolves not yet written in a snapshot (with the
 *	          key's panel)
 *
 *	6 SENDERS the sender table of --listen: per sender its name, kind,
 *	          address, counts, last time heard, and its sessions (id,
 *	          messages, the TCP stream offset taken up to)
 *	7 ORIGINS the positions counted per sender and stream: orig_save in
 *	          lib/origin.h
 *	8 CUM     the counts since the start that no window takes out (the
 *	          counters of /metrics): agg_save_cum in lib/agg.h
 *
 * A reader refuses a section type it does not know, so a file with more
 * in it than the reader understands is never taken for less; a layout that
 * changes bumps the version, and a reader refuses versions it does not
 * know.  Versions 1 (sections 1 to 5 only, from before sender tables and
 * positions were kept) and 2 (sections 1 to 7) are still read: what they
 * lack is none, and the counts since the start begin from the totals
 * (Prometheus takes the drop of a counter in window mode as a restart).
 * Version 3 added CUM; version 4 panels: up to 3, CONFIG holds one key list
 * and one --max-keys, AGG one agg_save, and alerts and events no panel.
 *
 * The encoder and decoder below are also what lib/agg.c and lib/hist.c
 * write and read their parts with.  Nothing here prints or exits.
 */
#ifndef CKPT_H
#define CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"
#include "alert.h"
#include "origin.h"
#include "out.h"

#define CKPT_VERSION	4
#define CKPT_MAXPANELS	16	/* panels (-k) at most */
#define CKPT_HEADER	32
#define CKPT_MAXRULES	64	/* rules of each kind: bits of a u64 */
#define CKPT_MAXSENDERS	1024	/* senders in a table at most */
#define CKPT_MAXSES	4	/* sessions per sender at most */
#define CKPT_NAMELEN	160	/* a sender's name at most, with its NUL */
#define CKPT_ADDRLEN	64	/* an address, with its NUL */

enum {
	CKPT_CONFIG = 1, CKPT_COUNTS, CKPT_AGG, CKPT_ALERTS, CKPT_EVENTS,
	CKPT_SENDERS, CKPT_ORIGINS, CKPT_CUM,
	CKPT_NSECT = CKPT_CUM,
	CKPT_NSECT1 = CKPT_EVENTS,	/* in a file of version 1 */
	CKPT_NSECT2 = CKPT_ORIGINS	/* in a file of version 2 */
};

/*
 * --- encoding: into a growing buffer (struct out_buf, lib/out.h); once a
 * put failed (ENOMEM in o.err) every later put is dropped, so what was
 * encoded is never taken for whole ---
 */

struct ckpt_buf {
	struct out_buf o;	/* o.p[0..o.len): what was encoded */
};

void ckpt_put_u8(struct ckpt_buf *b, unsigned v);
void ckpt_put_u16(struct ckpt_buf *b, unsigned v);
void ckpt_put_u32(struct ckpt_buf *b, uint32_t v);
void ckpt_put_u64(struct ckpt_buf *b, uint64_t v);
void ckpt_put_i64(struct ckpt_buf *b, int64_t v);
/* n bytes as a string: u32 length (n < 2^32), then the bytes */
void ckpt_put_str(struct ckpt_buf *b, const void *p, size_t n);
void ckpt_buf_free(struct ckpt_buf *b);

/* --- decoding: a cursor over one section; the first failure sticks --- */

struct ckpt_rd {
	const unsigned char *p;
	size_t len, off;
	const char *what;	/* the section, for reasons */
	char *err;		/* the first reason */
	size_t errlen;
	int failed;
};

/*
 * Each get returns the next value, or 0 (NULL) past the end, which fails
 * r ("truncated"); once r failed every get returns 0.
 */
unsigned ckpt_get_u8(struct ckpt_rd *r);
unsigned ckpt_get_u16(struct ckpt_rd *r);
uint32_t ckpt_get_u32(struct ckpt_rd *r);
uint64_t ckpt_get_u64(struct ckpt_rd *r);
int64_t ckpt_get_i64(struct ckpt_rd *r);
/* a string: its bytes in place (not NUL-terminated), its length in *n */
const char *ckpt_get_str(struct ckpt_rd *r, uint32_t *n);
/*
 * Fail r with a reason (printf format), unless it failed already; -1.
 */
int ckpt_fail(struct ckpt_rd *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * 0 when count items of at least size bytes each can still be in r, else
 * fail r: call before allocating for a count read from the file.
 */
int ckpt_room(struct ckpt_rd *r, uint64_t count, size_t size);
/* A time as agg holds it: INT64_MIN (none), or within +-2^62 seconds. */
int ckpt_time_ok(int64_t t);

/* --- the collector's checkpoint --- */

/*
 * What the counts depend on, compared in full on loading: the panels (per
 * -k its key fields, names in order, and its key limit), the window, the
 * clock, the --alert and --alert-total rules (as written, in order) and
 * --alert-min-hits.  The rest (-n, --sort, --interval, -o, the network)
 * may change between runs.  A file of version 1 to 3 has one panel.
 */
struct ckpt_panel {
	const char *const *keys;
	int nkeys;
	uint64_t max_keys;
};

struct ckpt_opts {
	const struct ckpt_panel *pan;
	int npan;			/* 1 to CKPT_MAXPANELS */
	int window;
	int arrival;
	const struct alert_rule *rules, *trules;
	int nrules, ntrules;		/* each at most CKPT_MAXRULES */
	uint64_t min_hits;
};

/* a session of a sender, as the collector keeps it */
struct ckpt_session {
	uint32_t id;
	uint64_t msgs;
	uint64_t taken;			/* TCP: its stream taken up to here */
};

/* a sender of the collector's table (only what is not rebuilt) */
struct ckpt_sender {
	char name[CKPT_NAMELEN];	/* not empty, printable */
	char kind[8];			/* udp tcp syslog text */
	char addr[CKPT_ADDRLEN];
	uint64_t records, msgs, bad, noschema;
	uint64_t lost, repeated, reordered;
	uint64_t dup, gaps, gapbytes;	/* of its origins */
	int64_t last;
	int nses;			/* at most CKPT_MAXSES */
	struct ckpt_session ses[CKPT_MAXSES];
};

/*
 * The collector's state apart from its agg.  On saving, act, ev and snd
 * are the caller's arrays and org a shallow copy of its table; ckpt_load
 * fills them with arrays and a table of its own (NULL, empty when there
 * are none), which the caller owns from then on: free each ev[i].key, then
 * ev, act and snd, and orig_free org (ckpt_coll_free does).
 */
struct ckpt_coll {
	uint64_t lines, bad;			/* input lines, bad ones */
	uint64_t dgrams, denied, malformed, refused;	/* --listen */
	int64_t started;			/* wall clock of the first run */
	uint64_t site_alerts;			/* --alert-total rules raised */
	int64_t since[CKPT_MAXRULES];		/* since when, per such rule */
	struct alert_active *act;		/* in raise order */
	size_t nact;
	struct alert_event *ev;			/* in the order they happened */
	size_t nev;
	struct ckpt_sender *snd;		/* at most CKPT_MAXSENDERS */
	size_t nsnd;
	struct orig org;			/* the positions */
};

/* FNV-1a 64 over n bytes, continuing from h (start with CKPT_HASH0). */
#define CKPT_HASH0 1469598103934665603ULL
uint64_t ckpt_hash(uint64_t h, const void *p, size_t n);
/*
 * Set the length (n) and the checksum in the header of a checkpoint of n
 * bytes at p (n >= CKPT_HEADER).
 */
void ckpt_seal(unsigned char *p, size_t n);
/*
 * Encode the checkpoint of o, a and c into b (emptied first; its memory is
 * kept for the next call).  a's alert bits are not written: they follow
 * from c->act.  -1 with errno ENOMEM.
 */
int ckpt_encode(struct ckpt_buf *b, const struct ckpt_opts *o,
    struct agg *const *a, const struct ckpt_coll *c);
/* ckpt_encode, then out_save_file of b (mode 0600).  -1 with errno. */
int ckpt_save(const char *file, struct ckpt_buf *b, const struct ckpt_opts *o,
    struct agg *const *a, const struct ckpt_coll *c);
/*
 * Decode the n bytes at p.  On success (0) each *a[i], i < o->npan (set
 * up by agg_init with its panel's max_keys and o's window, and holding
 * nothing yet), is replaced by the loaded aggregates, its drop callback
 * kept, and *c filled.  On -1 a reason is in err, and the *a[i] and *c
 * are as they were.  The counts since the start (CUM) are the first
 * panel's, copied to the others (every panel counts every record).
 */
int ckpt_parse(const void *p, size_t n, const struct ckpt_opts *o,
    struct agg *const *a, struct ckpt_coll *c, char *err, size_t errlen);
/*
 * Read file and ckpt_parse it: 0 loaded, 1 there is no file (nothing
 * changed), -1 refused or unreadable (a reason in err).
 */
int ckpt_load(const char *file, const struct ckpt_opts *o,
    struct agg *const *a, struct ckpt_coll *c, char *err, size_t errlen);
/* Free what ckpt_load put in c (act, ev and its keys, snd, org). */
void ckpt_coll_free(struct ckpt_coll *c);

#endif

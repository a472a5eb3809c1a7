/*
 * follow: files followed by name, through rotation, truncation and restarts.
 *
 * A struct follow holds names (paths, and glob patterns re-expanded as files
 * come and go) and the files open under them.  follow_run() looks at what
 * changed and hands every new complete line to the line callback, then calls
 * the flush callback; only when flush returns 0 are the lines counted as
 * delivered (the offsets that follow_export() reports move then).
 *
 * Rules, per name:
 *  - a file replaced under the name (another inode: rename rotation, a
 *    retargeted symlink, delete and recreate) is read from its start; the old
 *    file stays open and is read while it grows, until rotate_wait seconds
 *    pass without growth (a deleted one is closed as soon as it is drained);
 *  - after a restart, the file of a name's state entry found under another
 *    name in its directory (same inode and head; a copy: same head and tail,
 *    never for an entry without head) is drained first, and so are the
 *    name's "rotated" entries (files the last run still drained), their
 *    last growth taken from their modification time; with once, such a file
 *    is finished only when deleted or not modified for rotate_wait, else it
 *    stays open, unfinished, and is exported as a rotated entry for the next
 *    run.  A file not found is told (FN_LOST); no other is read for it;
 *  - a file that shrinks below our offset, or whose bytes before the offset
 *    change (truncated and rewritten between two looks), is read from 0;
 *  - a missing name (or directory) is waited for; read errors are reported,
 *    the file is closed and retried by name, resuming where it was when it
 *    is still the same file;
 *  - a line longer than max_line is cut there (FOLLOW_CUT) and the rest up to
 *    its LF skipped; NUL bytes are dropped; a partial last line waits for its
 *    LF, except in a file that is closed for good, which is read to its end
 *    line by line and whose last bytes are then handed out as a line
 *    (FOLLOW_NOEOL);
 *  - a file opened past its start whose first byte is '#' (W3C) first gets
 *    its latest block of '#' directive lines before that point.
 *
 * Origins (man/omph.7): every line but such repeated directives comes with
 * its stream's id and its offsets in it.  A file read from its start under
 * a name (new, or truncated and read again) is a new stream with a new
 * random id; a file keeps its stream through renames, read errors and
 * restarts (the id is in its state entry), and an old file found after a
 * restart (renamed, or a copy of it when it was truncated since) goes on
 * with the entry's stream when its bytes before the offset are unchanged.
 * START is where the line begins, NUL bytes before it and lines of NULs
 * only dropped before it included; END is just past its LF (past the
 * skipped rest of a cut line, which is held until its LF is read, or past
 * the last byte of a FOLLOW_NOEOL line).  So the next line of the stream
 * starts at END, and the offset a state entry keeps is always the START of
 * the next line to hand out.
 *
 * Two backends sit behind one interface: inotify (events wake the loop) and
 * stat polling every poll_interval seconds.  Names on NFS, CIFS, FUSE and
 * similar file systems are polled even in inotify mode; when inotify cannot
 * start or watches run out, polling takes over.  Nothing here prints: what
 * happens is told to the note callback.
 */
#ifndef FOLLOW_H
#define FOLLOW_H

#include <stddef.h>
#include <stdint.h>

#include "state.h"

/* where a name's first file starts at startup (without a state entry) */
enum { FOLLOW_END, FOLLOW_START };

/* line flags */
#define FOLLOW_CUT	0x1
#define FOLLOW_NOEOL	0x2

/* notes */
enum {
	FN_ROTATED,	/* a new file under the name; the old one drains */
	FN_TRUNCATED,	/* read again from 0 */
	FN_DELETED,	/* the name's file is gone; waiting for it */
	FN_APPEARED,	/* a waited-for name exists now */
	FN_ERROR,	/* err is errno: reading or opening failed, will retry */
	FN_CUT,		/* a line was cut at max_line */
	FN_NUL,		/* NUL bytes were skipped (arg: how many) */
	FN_POLLING,	/* err is errno: inotify unusable here, polling */
	FN_RESUMED,	/* state entry matched: resumed at arg */
	FN_FOUND_ROTATED, /* rotated while down: remainder read from a file */
	FN_STATE_TRUNC,	/* truncated while down: read from 0 */
	FN_LOST,	/* the file the state names, or one of its rotated
			 * files, is not found: what was written to it after
			 * arg is lost */
	FN_REWOUND	/* a state entry's upto is before its offset: arg
			 * bytes before the offset are read again */
};

struct follow_opts {
	int poll;		/* 1: stat polling only */
	double poll_interval;	/* seconds */
	double rotate_wait;	/* seconds */
	size_t max_line;
	int start;		/* FOLLOW_END or FOLLOW_START */
	long last_lines;	/* -n: start this many lines before the end */
	int once;		/* read what there is, no waiting */
	size_t piece;		/* follow_cb.lines bytes at most, 0:
				   FOLLOW_PIECE */
};

/* where a line came from: its stream and offsets in it (START < END) */
struct follow_origin {
	uint64_t id;
	uint64_t start, end;
};

/*
 * follow_cb.lines: bytes of lines a call at most (a longer line alone),
 * when follow_opts.piece is 0: more than a block read with the default
 * max_line, so that a block's whole lines go out in one write(2), as
 * cat's do (fewer, larger writes into a file: 0.075 s against 0.086 s in
 * pieces of 256 KiB for 186 MiB).  A caller writing into a pipe asks for
 * pieces no larger than the pipe takes, so that a write completes (its
 * lines count delivered) before a reader that goes away stops taking.
 */
#define FOLLOW_PIECE (2 * 1024 * 1024)

struct follow_cb {
	void *arg;
	/*
	 * One line (no LF); name is the followed name, o its origin (NULL for
	 * a directive line repeated from before the start).  Returns 0, -1 to
	 * stop the run (output failed), or 1 when the lines handed before this
	 * one are now written (the caller flushed its output to make room), so
	 * their offsets count as delivered even if a later write fails.
	 */
	int (*line)(void *arg, const char *name, const char *p, size_t len,
	    int flags, const struct follow_origin *o);
	/*
	 * May be NULL.  Many whole lines at once, for a caller that writes
	 * lines as they are (no origin needed): p[0..len) is lines each
	 * ended by its LF, none longer than max_line, without NUL bytes,
	 * no directive waiting before them; otherwise line() gets them one
	 * by one.  A block's lines come in pieces of follow_opts.piece
	 * bytes at most (a longer line alone).  Returns as line() does, or 2 when
	 * these lines themselves are written too.
	 */
	int (*lines)(void *arg, const char *name, const char *p, size_t len);
	/* deliver what line() got; 0 when delivered, -1 when output failed */
	int (*flush)(void *arg);
	/* something happened to name (see FN_*); err an errno or 0 */
	void (*note)(void *arg, const char *name, int what, int err,
	    long long arg2);
	/*
	 * May be NULL.  A file other than the one under its name was read to
	 * its end and closed for good (finished, or deleted): e is its last
	 * entry, a rotated entry of the name at the offset delivered, for a
	 * caller that keeps it in its state until it knows the lines reached
	 * their end (omph-tail --acked).  e and its path are the callee's to
	 * copy.
	 */
	void (*retire)(void *arg, const struct state_ent *e);
};

struct follow;

struct follow *follow_new(const struct follow_opts *o, const struct follow_cb *cb);
void follow_free(struct follow *f);
/*
 * Resume names from st (copied) at follow_start; call before follow_add.
 * An entry with has_upto resumes at upto (not before its base) when that
 * is before its offset: from a line's START, told with FN_REWOUND.
 */
int follow_resume(struct follow *f, const struct state *st);
/* Follow path, or every file a glob pattern matches now and later. */
int follow_add(struct follow *f, const char *pattern);
/* Open what exists and read it; after this the loop is follow_run. */
int follow_start(struct follow *f);
/* The descriptor to poll for reading (inotify), or -1. */
int follow_fd(const struct follow *f);
/* Milliseconds until follow_run has timed work, -1 for none. */
int follow_timeout(const struct follow *f);
/*
 * Look at what changed (events ready on follow_fd, timers due) and read.
 * Returns 0, or -1 when the output failed (flush returned -1) or line()
 * asked to stop.
 */
int follow_run(struct follow *f);
/*
 * Offsets delivered so far into st: per name with a file read, its current
 * entry (device and inode 0 when its file went away and none came yet) and
 * one rotated entry per file of it still draining.  Names without files
 * keep their entries.  -1 ENOMEM.
 */
int follow_export(struct follow *f, struct state *st);
/* 1 when an export would change st (an offset moved, a file came or went). */
int follow_dirty(const struct follow *f);
/* Files open now (current and draining). */
size_t follow_nopen(const struct follow *f);

#endif

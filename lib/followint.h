/*
 * followint: the follow module's own declarations, shared by its files only
 * (callers include follow.h; the rules are there):
 *  - follow.c the module: names and glob patterns, the table of open files,
 *    looking at a name (appeared, grown, replaced, gone), the loop and its
 *    poll timers;
 *  - followrd.c reading a file: pread at its offset, lines, cuts, NUL bytes,
 *    the re-read of the bytes before the offset that notices a rewrite, W3C
 *    directives, a file closed for good read to its end;
 *  - followst.c where reading starts and what is kept: state entries resumed
 *    (renamed and copied files found after a restart, rotated files the last
 *    run left), the start rules, the export;
 *  - followev.c the event backend, inotify: the follow_ev_* functions.  A
 *    backend for another OS is one more file with the same functions, picked
 *    by the Makefile.  Polling needs no backend: follow.c stats every name
 *    the backend does not watch (all of them when it has no descriptor).
 */
#ifndef FOLLOWINT_H
#define FOLLOWINT_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>

#include "follow.h"

#define TAILK 64			/* bytes before pos checked on each read */
#define BATCH (256 * 1024)		/* read size beyond one max line */

struct wdent;

/* an open file being read */
struct tfile {
	struct tfile *next;
	struct fname *name;	/* the name its lines are told under */
	int fd;
	uint64_t dev, ino;
	int64_t pos;		/* next unread byte: start of a partial line */
	int64_t delivered;	/* pos at the last successful flush */
	int64_t exported;	/* delivered when last exported, -1 never */
	int64_t seen;		/* the file's end when last read */
	uint64_t id;		/* its stream's id */
	int64_t base;		/* where its stream began */
	int64_t lstart;		/* START of the next line handed out */
	char *held;		/* a cut line waiting for its LF (max_line
				 * bytes, starting at lstart), or NULL */
	unsigned char tail[TAILK];	/* the bytes just before pos */
	int taillen;		/* -1 until loaded */
	int skipping;		/* inside the tail of a cut line */
	int64_t nulrun;		/* NUL bytes skipped at a line start, untold */
	int draining;		/* 1 renamed away, 2 deleted: close when done */
	int finishing;		/* follow_finish: read it all, however much */
	int dirty;
	double grown;		/* when it last grew */
	int wd;			/* inotify watch, -1 when polled */
	char *dirs;		/* directive block to hand out first */
	size_t dirslen;
};

/* a followed name: a path, or a glob match */
struct fname {
	struct fname *next;
	char *path, *dir, *base;
	struct tfile *cur;
	int initial;		/* not looked at since start: start rules */
	int waiting;		/* missing, already told */
	int lasterr;		/* last error told, to tell it once */
	int dirty;
	int remote;		/* on a file system inotify cannot see */
	int fromglob;		/* matched by a pattern, not named */
	int gone;		/* fromglob and no longer there: to be dropped */
	int have_res;		/* 1: res is a state entry to resume from;
				 * 2: res is where a read error left us */
	struct state_ent res;
	struct state_ent *rot;	/* rotated entries to resume (paths NULL) */
	size_t nrot;
	int rotdirty;		/* its rotated files changed since the export */
	int lost;		/* its file went away: export "no file" */
};

/* a directory watched for names coming and going */
struct fdir {
	struct fdir *next;
	char *path;
	int wd;
};

/* a glob pattern, expanded again as files come and go */
struct pattern {
	struct pattern *next;
	char *pat;
};

struct follow {
	struct follow_opts o;
	struct follow_cb cb;
	struct fname *names;
	struct tfile *files;
	struct fdir *dirs;
	struct pattern *pats;
	struct state res;
	int evfd;		/* the event backend's (inotify), -1 polling */
	struct wdent *wdmap;	/* followev.c's: watch -> file or directory */
	int wdcap;
	double next_poll, next_slow;
	int reglob;
	char *buf;
	size_t bufsz;
	char *scratch;
	int started;
	int stop;		/* output failed */
	int told_nowatch;	/* watches ran out: told (once) */
	char **dropped;		/* paths of names dropped since the export */
	size_t ndropped;
	size_t nopen;
};

/* follow.c */
void follow_note(struct follow *, const char *, int, int, long long);
/* a file open at fd, found under path (watched by that path), read from
 * pos on, its lines told under n; NULL ENOMEM (fd stays the caller's) */
struct tfile *follow_new_file(struct follow *, struct fname *, const char *,
    int, const struct stat *, int64_t);
/* the open file of that device and inode, or NULL */
struct tfile *follow_find_file(struct follow *, uint64_t, uint64_t);
/* close t and free it: out of the table, its name's, its watch */
void follow_close(struct follow *, struct tfile *);

/* followrd.c */
/* Read what t has past pos and hand out its complete lines.  Returns 0,
 * -1 when the output failed, -2 on a read error (errno). */
int follow_read(struct follow *, struct tfile *);
/* t closed for good, read to its end first; 0, -1 when the output failed */
int follow_finish(struct follow *, struct tfile *);
/* where reading starts for the last nlines lines before end (0: the last
 * complete line's end) */
int64_t follow_after_last_lf(struct follow *, int, int64_t, long);
/* t's directive block, when it starts with '#' and is opened past it */
void follow_load_directives(struct tfile *);

/* followst.c */
/* open the file now under n with the start rules; NULL with errno */
struct tfile *follow_open_name(struct follow *, struct fname *);
/* drain n's rotated files the state names (first look at n) */
void follow_resume_rotated(struct follow *, struct fname *);
/* t's entry at its delivered offset: 0, -1 when t cannot be read */
int follow_export_file(struct tfile *, struct state_ent *);

/* followev.c: the event backend (inotify) */
/* start it: f->evfd, or -1 told with FN_POLLING */
void follow_ev_open(struct follow *);
/* stop it: f->evfd closed, the watch table freed */
void follow_ev_close(struct follow *);
/* 1 when dir is on a file system whose changes it cannot see */
int follow_ev_remote(const char *);
/* watch dir for names coming and going; 0, or -1 when it cannot be watched */
int follow_ev_watch_dir(struct follow *, const char *);
/* watch t's file (found under path); t->wd stays -1 when it cannot */
void follow_ev_watch_file(struct follow *, struct tfile *, const char *);
/* drop t's watch, unless another file holds it */
void follow_ev_unwatch_file(struct follow *, struct tfile *);
/* read the events ready: names and files they touch marked dirty */
void follow_ev_read(struct follow *);

#endif

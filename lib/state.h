/*
 * state: the offsets file of omph-tail.
 *
 * One entry per followed name: the identity of the file read under it
 * (device, inode, and a hash of its first hlen bytes, which survives inode
 * reuse), the offset just past the last complete line written, a hash of
 * the tlen bytes before that offset (which tells a file truncated and grown
 * again), and the id of the stream read from it (the ID of the origins of
 * its lines, man/omph.7).  A name may also have "rotated" entries: files
 * renamed away from it that were not finished yet (a server may still
 * write into them), each with the same fields.  The file is text, one
 * entry per line:
 *
 *	omph-tail-state 4
 *	PATH<TAB>DEV<TAB>INO<TAB>HLEN<TAB>HHASH<TAB>OFFSET<TAB>TLEN<TAB>THASH<TAB>ROLE<TAB>ID<TAB>BASE
 *
 * ROLE is "current" (at most one per PATH) or "rotated" (at most one per
 * PATH, DEV and INO).  BASE (at most OFFSET) is where the stream began:
 * the START of the first line read of it, from which omph-tail --acked
 * reads it again when the collector acknowledged none of it.  Files of
 * version 1 (the same without ROLE, ID and BASE, current entries only), 2
 * (without ID and BASE) and 3 (without BASE) load too, each entry of 1 and
 * 2 given a new id (state_newid), each of 1 to 3 its OFFSET as its BASE;
 * state_save always writes version 4.  PATH escapes
 * backslash, TAB, LF and CR as COPY does and keeps every other byte as it
 * is (a path need not be UTF-8); hashes and ids are 16 hex digits (an id
 * lowercase, 0 only for "no file").  state_save writes a temporary file beside the
 * target, fsyncs it and renames it over, so a crash leaves the old or the
 * new file, never a mix.
 *
 * An entry with device and inode 0 is "no file": the name had one, which is
 * gone, so whatever file comes under it is new (read from its start); its
 * id is 0.
 */
#ifndef STATE_H
#define STATE_H

#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STATE_HEAD 1024		/* bytes of a file's head in its identity */
#define STATE_TAIL 4096		/* bytes before the offset that are hashed */

struct state_ent {
	char *path;
	uint64_t dev, ino;
	uint32_t hlen, tlen;
	uint64_t hhash, thash;
	uint64_t off;
	uint64_t id;		/* the stream's id, never 0 (0 for "no file") */
	uint64_t base;		/* where the stream began, <= off */
	int rotated;		/* 1: a rotated file of path, not finished */
	/*
	 * Not in the file: set by the caller before follow_resume, the offset
	 * to resume at when it is before off (omph-tail --acked).
	 */
	int has_upto;
	uint64_t upto;
};

struct state {
	size_t n, cap;
	struct state_ent *e;
};

/* FNV-1a over n bytes, continuing from h (start with STATE_HASH0). */
#define STATE_HASH0 1469598103934665603ULL
uint64_t state_hash(uint64_t h, const void *p, size_t n);
/* pread all of n bytes at off, again after EINTR and short reads (fewer
 * only at the end of the file); -1 with errno on an error */
ssize_t state_pread(int fd, void *buf, size_t n, uint64_t off);

/*
 * A new stream id: 64 random bits from getrandom(2), never 0.  Should
 * getrandom fail (a kernel without it), the time, pid and a counter mixed
 * stand in: distinct within a host, unpredictable enough for ids.
 */
uint64_t state_newid(void);

/*
 * Load file into st (which must be zeroed).  A missing file is an empty
 * state (returns 0).  A file that is not a valid state file returns -1 with
 * a reason in err and leaves st empty: it is never half trusted.
 */
int state_load(const char *file, struct state *st, char *err, size_t errlen);
/* Write st atomically to file.  -1 with errno; the old file is intact. */
int state_save(const char *file, const struct state *st);
/* The current entry of path, or NULL. */
struct state_ent *state_find(const struct state *st, const char *path);
/*
 * Add or replace the entry of e->path (the path is copied): the current
 * one, or with e->rotated the rotated one of the same device and inode.
 * -1 ENOMEM.
 */
int state_put(struct state *st, const struct state_ent *e);
/* Remove every entry of path (the order of the others may change). */
void state_del(struct state *st, const char *path);
/* Remove the rotated entries of path only. */
void state_del_rotated(struct state *st, const char *path);
void state_free(struct state *st);

/*
 * Identity checks of an open file fd (fstat in st) against an entry; a read
 * error counts as "not the same".
 *
 * state_same_file: the same device, inode and head (an entry without head,
 * hlen 0, is told by its device and inode alone).
 * state_same_head: the same first hlen bytes, hlen > 0: an entry without a
 * head is never the same as a file it does not name by its inode.
 * state_same_tail: the file is at least off bytes long and the tlen bytes
 * before off are the ones hashed.
 */
int state_same_file(const struct state_ent *e, int fd, const struct stat *st);
int state_same_head(const struct state_ent *e, int fd);
int state_same_tail(const struct state_ent *e, int fd, const struct stat *st);
/*
 * Fill e's identity (device, inode, head) and tail hash from fd, for an
 * offset off.  -1 on a read error, or when the file is shorter than off.
 */
int state_ident(struct state_ent *e, int fd, const struct stat *st,
    uint64_t off);

#endif

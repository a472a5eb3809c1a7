/*
 * state: the offsets file of omph-tail.
 *
 * One entry per followed name: the identity of the file read under it
 * (device, inode, and a hash of its first hlen bytes, which survives inode
 * reuse), the offset just past the last complete line written, and a hash of
 * the tlen bytes before that offset (which tells a file truncated and grown
 * again).  The file is text, one entry per line:
 *
 *	omph-tail-state 1
 *	PATH<TAB>DEV<TAB>INO<TAB>HLEN<TAB>HHASH<TAB>OFFSET<TAB>TLEN<TAB>THASH
 *
 * PATH escapes backslash, TAB, LF and CR as COPY does and keeps every other
 * byte as it is (a path need not be UTF-8); hashes are 16 hex digits.
 * state_save writes a temporary file beside the target, fsyncs it and
 * renames it over, so a crash leaves the old or the new file, never a mix.
 */
#ifndef STATE_H
#define STATE_H

#include <stddef.h>
#include <stdint.h>

#define STATE_HEAD 1024		/* bytes of a file's head in its identity */
#define STATE_TAIL 4096		/* bytes before the offset that are hashed */

struct state_ent {
	char *path;
	uint64_t dev, ino;
	uint32_t hlen, tlen;
	uint64_t hhash, thash;
	uint64_t off;
};

struct state {
	size_t n, cap;
	struct state_ent *e;
};

/* FNV-1a over n bytes, continuing from h (start with STATE_HASH0). */
#define STATE_HASH0 1469598103934665603ULL
uint64_t state_hash(uint64_t h, const void *p, size_t n);

/*
 * Load file into st (which must be zeroed).  A missing file is an empty
 * state (returns 0).  A file that is not a valid state file returns -1 with
 * a reason in err and leaves st empty: it is never half trusted.
 */
int state_load(const char *file, struct state *st, char *err, size_t errlen);
/* Write st atomically to file.  -1 with errno; the old file is intact. */
int state_save(const char *file, const struct state *st);
/* The entry of path, or NULL. */
struct state_ent *state_find(const struct state *st, const char *path);
/* Add or replace the entry of e->path (the path is copied).  -1 ENOMEM. */
int state_put(struct state *st, const struct state_ent *e);
/* Remove the entry of path, if any (the order of the others may change). */
void state_del(struct state *st, const char *path);
void state_free(struct state *st);

#endif

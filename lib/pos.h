/*
 * pos: the acknowledged positions of a shipping pipeline, the file of
 * --acked (man/omph.7, "Origins and counting exactly once").
 *
 * omph-send writes it: per stream (the ID of an origin), the END of the
 * last record of it that the collector acknowledged, that is took into a
 * durable checkpoint (or, without --state there, took).  omph-tail reads
 * it at start: a stream of its state resumes at its acknowledged END when
 * that is before the offset omph-tail had got to, and at the stream's
 * first offset when the file does not name it (nothing of it was
 * acknowledged), so that lines which were in a pipe or in omph-send's
 * buffer when a stage died are read again; the collector does not count
 * again what it has counted.
 *
 * The file is text:
 *
 *	omph-acked 1
 *	ID<TAB>END			(one per stream, IDs distinct)
 *	end<TAB>N<TAB>SUM		(N entries, SUM the FNV-1a 64 of
 *					 every byte before this line, from
 *					 1469598103934665603: lib/hash.h)
 *
 * ID is 16 lowercase hex digits, not all 0; END a decimal from 1 to
 * 2^63 - 1 without leading zeros; SUM 16 lowercase hex digits.  A file
 * that is anything else (cut short, a line damaged, an entry twice, more
 * than POS_MAX entries, bytes after the end line) is refused whole.
 * pos_save writes a temporary file, fsyncs it, renames it over and fsyncs
 * the directory (out_save_file).
 *
 * The table holds POS_MAX streams at most; a new one beyond that takes the
 * place of the one advanced least recently (that stream's lines would be
 * read again from its start by a restart: the collector keeps it longer
 * than that only if it was acknowledged lately, and drops what it counted).
 * Nothing here prints or exits; -1 comes with errno (ENOMEM, I/O) or, for
 * a refused file, a reason in err.
 */
#ifndef POS_H
#define POS_H

#include <stddef.h>
#include <stdint.h>

#define POS_MAX 65536

struct pos_ent {
	uint64_t id;		/* 0: a free slot */
	uint64_t end;
	uint64_t used;		/* when last advanced (a counter) */
};

struct pos {
	struct pos_ent *e;	/* cap slots, open addressing on id */
	size_t n, cap;
	uint64_t clock;
	int dirty;		/* changed since the last pos_save */
};

void pos_init(struct pos *p);
void pos_free(struct pos *p);
/* The END of stream id, or 0 when the table does not hold it. */
uint64_t pos_get(const struct pos *p, uint64_t id);
/* Stream id acknowledged up to end: kept when past what is held.  -1 ENOMEM. */
int pos_set(struct pos *p, uint64_t id, uint64_t end);
/*
 * Load file into p (fresh from pos_init).  A missing file is an empty
 * table (0); a file refused as above is -1 with the reason in err and p
 * left empty.
 */
int pos_load(struct pos *p, const char *file, char *err, size_t errlen);
/* Parse the n bytes of a file's content into p, as pos_load. */
int pos_parse(struct pos *p, const char *buf, size_t n, char *err,
    size_t errlen);
/* Write p to file atomically; dirty is cleared.  -1 with errno. */
int pos_save(struct pos *p, const char *file);

#endif

/*
 * follow: reading a file (the rules are in follow.h): pread at its offset,
 * the TAILK bytes before the offset read again each time so that a file
 * rewritten between two looks is noticed, complete lines handed out, long
 * lines cut and held until their LF, NUL bytes dropped, W3C directives
 * repeated for a file opened past them, a file closed for good read to its
 * end.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "followint.h"
#include "lr.h"
#include "tm.h"

#define BUDGET (8 * 1024 * 1024)	/* bytes read from one file per turn */
#define DIRBLOCK_MAX (64 * 1024)

/* set t->tail from the file: the bytes before t->pos.  -1 on a read
 * error; a file now shorter than pos starts over at 0 */
static int
load_tail(struct tfile *t)
{
	int k = t->pos < TAILK ? (int)t->pos : TAILK;
	ssize_t r;

	if ((r = state_pread(t->fd, t->tail, (size_t)k, t->pos - k)) == -1)
		return -1;
	if (r != k) {
		t->pos = t->delivered = t->lstart = t->base = k = 0;
		t->id = state_newid();	/* shorter than where we were */
	}
	t->taillen = k;
	return 0;
}

/* start of the last complete line..: offset just past the last LF before
 * end, looking back at most max bytes (0 when none) */
int64_t
follow_after_last_lf(struct follow *f, int fd, int64_t end, long nlines)
{
	int64_t at = end, lo;
	ssize_t r;
	char *p;
	long seen = 0;
	int first = 1;

	while (at > 0) {
		lo = at > (int64_t)BATCH ? at - BATCH : 0;
		if ((r = state_pread(fd, f->buf, (size_t)(at - lo), lo)) <= 0)
			return 0;
		p = f->buf + r;
		while (p > f->buf) {
			if (p[-1] == '\n') {
				if (first) {
					/* the LF ending the last complete line */
					if (nlines == 0)
						return lo + (p - f->buf);
					first = 0;
				} else if (++seen == nlines)
					return lo + (p - f->buf);
			}
			p--;
		}
		at = lo;
		if (nlines == 0 && end - at > (int64_t)f->o.max_line)
			return end;	/* no LF near the end: start at the end */
	}
	return 0;
}

/* the latest block of '#' lines before pos, when the file starts with '#' */
void
follow_load_directives(struct tfile *t)
{
	struct lr r;
	struct lr_line l;
	char c;
	char *blk = NULL;
	size_t len = 0;
	int prev_dir = 0, fd;
	int64_t at;

	if (t->pos == 0 || pread(t->fd, &c, 1, 0) != 1 || c != '#')
		return;
	if ((fd = dup(t->fd)) == -1)
		return;
	if (lseek(fd, 0, SEEK_SET) == -1 || lr_init(&r, fd, 65536) == -1) {
		close(fd);
		return;
	}
	if ((blk = malloc(DIRBLOCK_MAX)) == NULL)
		goto out;
	for (;;) {
		at = (int64_t)r.offset;
		if (lr_next(&r, &l) != 1) {
			if (r.eof || lr_fill(&r) <= 0)
				break;
			continue;
		}
		if (at >= t->pos)
			break;
		if (l.len > 0 && l.p[0] == '#') {
			if (!prev_dir)
				len = 0;
			if (len + l.len + 1 <= DIRBLOCK_MAX) {
				memcpy(blk + len, l.p, l.len);
				blk[len + l.len] = '\n';
				len += l.len + 1;
			}
			prev_dir = 1;
		} else
			prev_dir = 0;
	}
	if (len > 0) {
		t->dirs = blk;
		t->dirslen = len;
		blk = NULL;
	}
out:
	free(blk);
	lr_free(&r);
	close(fd);
}

/*
 * Hand one line to the caller: directives first, NUL bytes dropped; its
 * origin is t's stream from t->lstart to end, which becomes t->lstart (a
 * line of NULs only is not handed out: the next line's START covers it).
 * Returns what the line callback returned (0, 1, or -1).
 */
static int
emit(struct follow *f, struct tfile *t, char *p, size_t len, int flags,
    int64_t end)
{
	struct follow_origin o;
	char *q, *d, *nl;
	size_t nul;

	if (t->dirs != NULL) {
		char *s = t->dirs, *e = t->dirs + t->dirslen;

		t->dirs = NULL;
		for (; s < e; s = nl + 1) {
			nl = memchr(s, '\n', (size_t)(e - s));
			if (f->cb.line(f->cb.arg, t->name->path, s,
			    (size_t)(nl - s), 0, NULL) == -1) {
				free(e - t->dirslen);
				return -1;
			}
		}
		free(e - t->dirslen);
	}
	if ((q = memchr(p, '\0', len)) != NULL) {
		d = f->scratch;
		nul = 0;
		for (q = p; q < p + len; q++) {
			if (*q == '\0')
				nul++;
			else
				*d++ = *q;
		}
		follow_note(f, t->name->path, FN_NUL, 0, (long long)nul);
		if (d == f->scratch)
			return 0;	/* a line of NULs only */
		p = f->scratch;
		len = (size_t)(d - f->scratch);
	}
	if (flags & FOLLOW_CUT)
		follow_note(f, t->name->path, FN_CUT, 0,
		    (long long)f->o.max_line);
	o.id = t->id;
	o.start = (uint64_t)t->lstart;
	o.end = (uint64_t)end;
	t->lstart = end;
	return f->cb.line(f->cb.arg, t->name->path, p, len, flags, &o);
}

/*
 * The lines of [p, nl] (nl an LF) may go out whole (follow_cb.lines): no
 * NUL byte, no line longer than max_line.  1 or 0.
 */
static int
whole_lines(const struct follow *f, const char *p, const char *nl)
{
	const char *q;
	size_t n;

	if (memchr(p, '\0', (size_t)(nl - p)) != NULL)
		return 0;
	/* the last LF of each max_line + 1 bytes: a line longer has none */
	for (; p <= nl; p = q + 1) {
		n = (size_t)(nl + 1 - p);
		if (n > f->o.max_line + 1)
			n = f->o.max_line + 1;
		if ((q = memrchr(p, '\n', n)) == NULL)
			return 0;
	}
	return 1;
}

/*
 * Hand out t's held cut line, its END at end (past its skipped rest).
 * Returns 0, -1 when the output failed.
 */
static int
emit_held(struct follow *f, struct tfile *t, int64_t end)
{
	char *h = t->held;
	int64_t s0 = t->lstart;
	int got;

	t->held = NULL;
	got = emit(f, t, h, f->o.max_line, FOLLOW_CUT, end);
	free(h);
	if (got == 1)	/* the lines before this one are out */
		t->delivered = s0;
	return got == -1 ? -1 : 0;
}

/*
 * Read what t has past pos and hand out its complete lines.  Returns 0,
 * -1 when the output failed, -2 on a read error (errno).
 */
int
follow_read(struct follow *f, struct tfile *t)
{
	size_t budget = f->o.once || t->finishing ? SIZE_MAX : BUDGET, len;
	ssize_t n;
	int64_t s0, end;
	int k, any, got;
	char *data, *p, *e, *nl, *q;

	t->dirty = 0;
	if (t->taillen < 0 && load_tail(t) == -1)
		return -2;
	while (budget > 0) {
		k = t->pos < TAILK ? (int)t->pos : TAILK;
		if ((n = state_pread(t->fd, f->buf, f->bufsz, t->pos - k)) == -1)
			return -2;
		if (n < k || k != t->taillen || memcmp(f->buf, t->tail, (size_t)k)) {
			/* shrank, or the bytes before pos changed */
			follow_note(f, t->name->path, FN_TRUNCATED, 0,
			    (long long)t->pos);
			/* a held cut line ends the old stream where we were */
			if (t->held != NULL && (emit_held(f, t, t->pos) == -1 ||
			    f->cb.flush(f->cb.arg) == -1))
				return -1;
			t->pos = t->delivered = t->lstart = t->base = 0;
			t->id = state_newid();	/* a new stream */
			t->taillen = 0;
			t->skipping = 0;
			free(t->dirs);
			t->dirs = NULL;
			continue;
		}
		data = f->buf + k;
		len = (size_t)n - (size_t)k;
		if (t->pos + (int64_t)len > t->seen) {
			t->seen = t->pos + (int64_t)len;
			t->grown = tm_mono();
		}
		if (len == 0)
			break;
		p = data;
		e = data + len;
		any = 0;
		if (t->skipping) {
			if ((nl = memchr(p, '\n', len)) == NULL)
				p = e;
			else {
				p = nl + 1;
				t->skipping = 0;
				if (t->held != NULL && emit_held(f, t, t->pos +
				    (p - data)) == -1)
					return -1;
				any = 1;
			}
		}
		/* the block's whole lines in pieces, when the caller takes them */
		if (f->cb.lines != NULL && t->dirs == NULL && !t->skipping &&
		    t->nulrun == 0 && p < e && *p != '\0' &&
		    (nl = memrchr(p, '\n', (size_t)(e - p))) != NULL &&
		    whole_lines(f, p, nl)) {
			size_t pc = f->o.piece ? f->o.piece : FOLLOW_PIECE;

			while (p <= nl) {
				q = nl;
				if ((size_t)(nl - p) >= pc &&
				    (q = memrchr(p, '\n', pc)) == NULL)
					q = memchr(p + pc, '\n',
					    (size_t)(nl + 1 - p) - pc);
				s0 = t->lstart;
				t->lstart = t->pos + (q + 1 - data);
				if ((got = f->cb.lines(f->cb.arg, t->name->path, p,
				    (size_t)(q + 1 - p))) == -1)
					return -1;
				if (got == 1)	/* the lines before these are out */
					t->delivered = s0;
				else if (got == 2)	/* and these */
					t->delivered = t->lstart;
				p = q + 1;
			}
			any = 1;
		}
		for (;;) {
			/*
			 * NULs where a line starts are a hole (a writer without
			 * O_APPEND past a truncation): skipped, told once the
			 * run ends, never taken for the start of a long line.
			 */
			if (!t->skipping && p < e && *p == '\0') {
				q = p;
				while (q < e && *q == '\0')
					q++;
				t->nulrun += q - p;
				p = q;
			}
			if (t->nulrun > 0 && p < e) {
				follow_note(f, t->name->path, FN_NUL, 0,
				    (long long)t->nulrun);
				t->nulrun = 0;
				if (*p == '\n') {
					/* a line of NULs only: dropped */
					p++;
					any = 1;
					continue;
				}
			}
			if (p >= e || (nl = memchr(p, '\n', (size_t)(e - p))) ==
			    NULL)
				break;
			s0 = t->lstart;
			end = t->pos + (nl + 1 - data);
			if ((size_t)(nl - p) > f->o.max_line)
				got = emit(f, t, p, f->o.max_line, FOLLOW_CUT, end);
			else
				got = emit(f, t, p, (size_t)(nl - p), 0, end);
			if (got == -1)
				return -1;
			if (got == 1)	/* the lines before this one are out */
				t->delivered = s0;
			p = nl + 1;
			any = 1;
		}
		if ((size_t)(e - p) > f->o.max_line && !t->skipping) {
			/*
			 * A line cut before its LF is read: held until its LF
			 * comes, so that its END covers the skipped rest (out
			 * of memory: handed out now, its END here, the rest
			 * then covered by the next line's START).
			 */
			if (t->held != NULL ||
			    (t->held = malloc(f->o.max_line)) == NULL) {
				if (emit(f, t, p, f->o.max_line, FOLLOW_CUT,
				    t->pos + (e - data)) == -1)
					return -1;
			} else
				memcpy(t->held, p, f->o.max_line);
			p = e;
			t->skipping = 1;
			any = 1;
		}
		if (p > data) {
			t->pos += p - data;
			t->taillen = (int)(p - f->buf) < TAILK ? (int)(p - f->buf) :
			    TAILK;
			memcpy(t->tail, p - t->taillen, (size_t)t->taillen);
		}
		if (any && f->cb.flush(f->cb.arg) == -1)
			return -1;
		/* where the next line starts: past what was handed out */
		t->delivered = t->lstart;
		budget = budget > (size_t)n ? budget - (size_t)n : 0;
		if ((size_t)n < f->bufsz)
			break;
	}
	if (budget == 0)
		t->dirty = 1;	/* more to read: come back next turn */
	return 0;
}

/*
 * A file closed for good: read to its end, every line handed out as its
 * own line, then its unterminated last line, if any, as one (FOLLOW_NOEOL).
 * Lines that arrive while we look are read as lines too (a few times over:
 * a writer that never stops does not hold us here); a cut line whose LF
 * never comes is handed out with its END at the end of the file.  Returns
 * 0 (the file is closed), -1 when the output failed.
 */
int
follow_finish(struct follow *f, struct tfile *t)
{
	ssize_t n = 0;
	int rv = 0, tries;

	t->finishing = 1;
	for (tries = 0; tries < 4; tries++) {
		if ((rv = follow_read(f, t)) != 0)
			break;
		if (t->skipping || (n = state_pread(t->fd, f->buf, f->o.max_line,
		    t->pos)) <= 0)
			break;
		if (memchr(f->buf, '\n', (size_t)n) == NULL) {
			if (emit(f, t, f->buf, (size_t)n, FOLLOW_NOEOL,
			    t->pos + n) == -1 || f->cb.flush(f->cb.arg) == -1)
				rv = -1;
			else {
				t->pos += n;
				t->delivered = t->lstart;
			}
			break;
		}
		/* it grew since: its new lines first */
	}
	if (rv == 0 && t->held != NULL) {
		if (emit_held(f, t, t->pos) == -1 || f->cb.flush(f->cb.arg) == -1)
			rv = -1;
		else
			t->delivered = t->lstart;
	}
	if (rv == -2 || n == -1)
		follow_note(f, t->name->path, FN_ERROR, errno, 0);
	if (rv == 0 && f->cb.retire != NULL && t != t->name->cur) {
		struct state_ent e;

		memset(&e, 0, sizeof(e));
		e.path = t->name->path;
		e.rotated = 1;
		if (follow_export_file(t, &e) == 0)
			f->cb.retire(f->cb.arg, &e);
	}
	follow_close(f, t);
	return rv == -1 ? -1 : 0;
}

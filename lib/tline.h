/*
 * tline: the lines of omph-top's view, written left to right in columns,
 * either to a terminal through the caller's callbacks (struct tline_term:
 * only the caller knows curses) or as plain text lines into a struct out
 * (batch, -b).
 *
 * The rules, case by case:
 *  - a line (tline_start .. tline_end) is row y of w columns; nothing is
 *    ever written past column w: text is cut with an ellipsis (lib/inert),
 *    a piece that does not fit is left out;
 *  - all text goes through inert_clean: text from the stream is shown
 *    inert, whatever it holds (tline_val unescapes a value first);
 *  - attributes are the TLINE_* values, mapped to the terminal's by the
 *    caller; the line's base attribute is given with every piece, and a
 *    line with a base other than TLINE_NONE is padded to w with it;
 *  - batch: a line's trailing spaces go, it ends with LF, it goes to out;
 *    the terminal: y outside 0..lines-1 writes nothing, the rest of a line
 *    without base is cleared (clrtoeol).
 * Lines of fields (tline_fstart .. tline_fput): each field has a rank; 0
 * always shows (cut with an ellipsis if the line is too narrow even for
 * those), higher ranks go first when the fields do not fit, the last of a
 * rank first; TLINE_GLUE fields share the fate of the field before them.  A
 * field's sep (a literal) is written before it when a field shows before
 * it.  At most TLINE_FIELDS fields a line, the rest left out; one line of
 * fields at a time per struct tline_out (the text lives in its fb).
 * Memory: when an allocation fails the buffer's err is set and the text
 * is left out; tline_nomem tells.  Nothing here prints or exits.
 */
#ifndef TLINE_H
#define TLINE_H

#include <stddef.h>

#include "inert.h"
#include "out.h"

/* attributes of text */
enum {
	TLINE_NONE, TLINE_TITLE, TLINE_HEAD, TLINE_SORT, TLINE_SEL, TLINE_2XX,
	TLINE_3XX, TLINE_4XX, TLINE_5XX, TLINE_BAR2, TLINE_BAR3, TLINE_BAR4,
	TLINE_BAR5, TLINE_ALERT, TLINE_ACK, TLINE_DIM, TLINE_SITE
};

#define TLINE_FIELDS 40
#define TLINE_GLUE (-1)

/* a terminal: the caller's (curses) */
struct tline_term {
	void *ctx;
	int lines;			/* rows of the screen */
	void (*move)(void *ctx, int y);	/* to the start of row y */
	/* clean text of len bytes in attribute at, on a line of base */
	void (*put)(void *ctx, int at, int base, const char *p, size_t len);
	void (*clrtoeol)(void *ctx);
};

struct tline_out {
	const struct tline_term *term;	/* NULL: batch, text lines into out */
	struct out *out;
	int utf8;			/* the locale's charset is UTF-8 */
	struct out_buf c, fb, bl;	/* cleaned text; fields; a batch line */
};

struct tline {
	struct tline_out *o;
	int y, w, x;			/* row, its columns, columns written */
	int base;			/* attribute of the whole line */
};

struct tline_field {
	int rank, at;
	const char *sep;		/* a literal */
	size_t off, len;		/* in o->fb */
	int cols, shown;
};

struct tline_fields {
	struct tline_out *o;
	struct tline_field f[TLINE_FIELDS];
	int n;
};

void tline_start(struct tline_out *o, struct tline *l, int y, int w, int base);
/* clean text p[0..len) of cols columns, as it is */
void tline_emit(struct tline *l, int at, const char *p, size_t len, int cols);
/* n spaces (at most to the end) */
void tline_pad(struct tline *l, int n);
/* text (ours, or unescaped) in at most max columns (-1: the rest); cols */
int tline_textn(struct tline *l, int at, const char *p, size_t len, int max);
void tline_text(struct tline *l, int at, const char *s);
void tline_fmt(struct tline *l, int at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* an escaped value from the stream in at most max columns; cols */
int tline_val(struct tline *l, int at, const char *p, size_t len, int max,
    struct out_buf *scratch);
/* s right-aligned in width columns, after a space */
void tline_right(struct tline *l, int at, const char *s, int width);
/* the line is done */
void tline_end(struct tline *l);

void tline_fstart(struct tline_out *o, struct tline_fields *fs);
void tline_faddn(struct tline_fields *fs, int rank, int at, const char *sep,
    const char *p, size_t len);
void tline_fadd(struct tline_fields *fs, int rank, int at, const char *sep,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* write the fields that fit in what is left of l */
void tline_fput(struct tline *l, struct tline_fields *fs);

/* 1 when memory ran out in o since the last tline_nomem; clears it */
int tline_nomem(struct tline_out *o);
/* free what o holds (not its out) */
void tline_free(struct tline_out *o);

#endif

/*
 * cols: where the columns omph-collect reads are in a record header
 * (man/omph.7, "Header lines"), found once per header so that each record
 * is read by column number.
 *
 * Rules:
 *  - a header line (without its '#') is field names, printable ASCII
 *    without spaces, one TAB between them, none empty: anything else is no
 *    header, and c holds none (c->n 0, every column -1, -1 returned);
 *  - the wanted key names (struct cols_want, up to COLS_MAXK, the same name
 *    may be wanted twice) are looked up by exact name: c->key[j] is the
 *    column of w->name[j], -1 when the header has none; the last column of
 *    that name wins, as for the fixed names;
 *  - time, status, bytes, duration, origin and client are found by those
 *    names, -1 when absent;
 *  - c->last is the greatest of the columns above (keys included), -1
 *    when none is there: a record is read no further (rec_split_head);
 *  - c->n is the header's column count, at most REC_MAXF (further ones are
 *    not looked at, so a record of more fields is refused by count);
 *  - the header is cut at its TABs in place (rec_split), as records are.
 * Nothing here prints, allocates or exits.
 */
#ifndef COLS_H
#define COLS_H

#include <stddef.h>

#define COLS_MAXK 32		/* key names wanted, over all panels */

struct cols_want {
	const char *name[COLS_MAXK];
	int n;
};

struct cols {
	int n;				/* columns in the header, 0: none yet */
	int key[COLS_MAXK];		/* by wanted name; -1: not in this header */
	int time, status, bytes, duration, origin, client;
	int last;			/* the greatest of them, -1: none */
};

int cols_header(struct cols *c, const struct cols_want *w, char *p,
    size_t len);

#endif

/*
 * inert: text from a log made harmless for a terminal (omph-top), written
 * into a growable byte buffer (struct out_buf, lib/out.h).
 *
 * Every byte read from a snapshot is shown as text: nothing of it may reach
 * the terminal as a command or break the layout.  The rules, case by case:
 *  - printable ASCII stays as it is;
 *  - control bytes (\x1b included, so never an escape sequence), DEL and
 *    bytes of invalid or cut UTF-8 are written \xHH (4 columns);
 *  - characters that are not printable, have no width and are not marks
 *    (bidi controls, zero-width spaces, BOM, variation selectors, tags),
 *    or are marks of width 0 with no character before them to combine
 *    with, are written \uHHHH or \UHHHHHHHH;
 *  - widths are counted with wcwidth in the current locale (LC_CTYPE), so
 *    a text given max columns never takes more: a text cut short ends in an
 *    ellipsis ("..." as U+2026 when utf8, else "~") within the max.
 * inert_unescape and inert_key undo the record escapes (\t, \\, \xHH...,
 * lib/rec.h) of a value or a key as written, so that what is then cleaned
 * is the text itself; a value whose escapes are malformed is kept as is.
 *
 * Memory: when an allocation fails the buffer keeps what it had, its err
 * is set (sticky until the caller clears it), and the function returns -1.
 * p may then be NULL with len 0.  Nothing here prints or exits.
 */
#ifndef INERT_H
#define INERT_H

#include <stddef.h>

#include "out.h"

/* append p[0..n) (a NUL kept after it, not counted); 0 or -1 */
int inert_append(struct out_buf *b, const char *p, size_t n);

/*
 * Append p[0..len) made inert to b, in at most max columns (max < 0: no
 * limit; 0: nothing); returns the columns appended, -1 when memory ran out.
 */
int inert_clean(struct out_buf *b, const char *p, size_t len, int max,
    int utf8);
/* b := the value p[0..n) unescaped (\N stays "\N"); 0 or -1 */
int inert_unescape(struct out_buf *b, const char *p, size_t n);
/*
 * b := the key k[0..n) (escaped fields, TAB-joined) as text: each field
 * unescaped, the fields joined by ' '; the site's key ("*" in every field)
 * as "*"; 0 or -1.
 */
int inert_key(struct out_buf *b, const char *k, size_t n);
/* 1 when the key k[0..n) is the site's: every field "*" */
int inert_is_site(const char *k, size_t n);

#endif

/*
 * tdraw: omph-top's view laid out and written (lib/tline.h), the same on
 * the screen and in batch frames (-b), from a struct tview.
 *
 * The rules, case by case:
 *  - batch: every part in full, one after the other: the title, the
 *    statistics, the status classes, the key table with every shown row,
 *    the senders when the snapshot had them, every alert; h is ignored;
 *  - the screen (w x h): below 20x3 one line asking for more room; with
 *    the help open, the title and the help; else the title, then the
 *    parts that fit, the key table keeping three lines, then in this order
 *    the statistics, the alerts (up to a third of the lines), the status
 *    bar, the key help (from 10 lines), the rate graph and the senders
 *    (up to 6 lines); the table takes what is left;
 *  - a line never takes more than w columns; what does not fit of a line
 *    goes whole, the least needed first (lib/tline.h's fields).
 * The shown rows are recomputed first when t->reorder is set.
 */
#ifndef TDRAW_H
#define TDRAW_H

#include "tline.h"
#include "tview.h"

/* the view in w x h at monotonic time now; 0, or -1 (ENOMEM) */
int tdraw_render(struct tview *t, struct tline_out *o, int w, int h,
    double now);

#endif

/*
 * tlist: the lists of omph-top's view (lib/tdraw.h lays them out): the key
 * table, the senders table and the alerts.
 *
 * Each writes from line y on at most h lines of w columns (h is
 * unbounded in batch) and returns the line after its last.  The rules,
 * case by case:
 *  - the key table: a header (the key columns' names; the sort column
 *    marked "*", not in batch), the site row, then the shown rows of
 *    t->order from t->top, scrolled so that the selection shows; columns
 *    go when the key would get fewer than 12 columns (bytes, rate, p99,
 *    visitors, 5xx, 4xx in that order), visitors (after hits) and p99
 *    only when the site row has them, "-" in a row without; a row with an
 *    active alert is marked "!", one with a cleared or resolved alert ".";
 *  - the senders: the #sender table as written, columns aligned (each at
 *    most 30 columns), the columns that fit whole;
 *  - the alerts: a count line, then active ones first, then cleared, then
 *    resolved, newest first; each with its state, when it was raised and
 *    resolved (HH:MM:SS of the records' times), the rule, the value and
 *    the key; the selection's alerts marked ">".
 * Text from the stream is inert (lib/inert.h).
 */
#ifndef TLIST_H
#define TLIST_H

#include "tline.h"
#include "tview.h"

int tlist_table(struct tview *t, struct tline_out *o, int y, int w, int h);
int tlist_senders(struct tview *t, struct tline_out *o, int y, int w, int h);
int tlist_alerts(struct tview *t, struct tline_out *o, int y, int w, int h);

#endif

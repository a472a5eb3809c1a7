/*
 * w3c: W3C extended log files (IIS, CloudFront, Oracle, Incapsula...).
 *
 * One struct w3c holds the directive state of one input stream: the columns
 * of the last #Fields line, the date of #Date (for layouts with a time but no
 * date column), #GMT-Offset (applied to date-local/time-local).  Values are
 * separated by runs of spaces or TABs; a value in double quotes may hold
 * spaces; "-" is absent.  date+time are UTC and become "time"; time-taken is
 * milliseconds (seconds for CloudFront, told by its x-edge- fields) and
 * becomes "duration" in seconds.  A trailing CR is ignored.
 */
#ifndef W3C_H
#define W3C_H

#include <stddef.h>

#include "rec.h"

enum { W3C_RECORD = 0, W3C_DIRECTIVE = 1 };

struct w3c;

struct w3c *w3c_new(void);
void w3c_free(struct w3c *w);
/* Columns of records; gen changes at each #Fields line. */
const struct rec_schema *w3c_schema(const struct w3c *w);
/*
 * Take one line (len bytes, no LF; line[len] writable).  Returns
 * W3C_DIRECTIVE for a directive, comment or blank line (the schema may have
 * changed), W3C_RECORD with vals[0..schema n) filled (pointing into line or
 * w's scratch space, valid until the next call), or -1 with a reason in why.
 */
int w3c_line(struct w3c *w, char *line, size_t len, struct rec_val *vals,
    char *why, size_t whylen);
/*
 * 1 when the line of the last W3C_RECORD holds no byte that rec_put
 * escapes (rec_clean; quoted values undoubled are then clean too): its
 * values may be written with rec_put_row_clean.
 */
int w3c_clean(const struct w3c *w);

#endif

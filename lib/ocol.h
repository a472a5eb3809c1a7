/*
 * ocol: omph-parse's output columns, mapped from a record schema, and a
 * record's row written in them (TSV or JSON).
 *
 * Rules, case by case:
 *  - With a --fields list (want, nwant > 0): one column per name, in its
 *    order.  "origin" is the origin column when OCOL_WANT_ORIGIN is set;
 *    any other name is the schema's field of that name (the last one when
 *    repeated); else "source" is the source column when OCOL_SOURCE is
 *    set; else the column is absent (OCOL_NONE): \N in TSV, left out in
 *    JSON.  Telling of such a name is the caller's (ocol_unknown: one
 *    that is not canonical either, a typo most likely).
 *  - Without: the canonical fields (rec.h) in canonical order, each from
 *    the schema's fields of that name; "source" from OCOL_SOURCE and
 *    "origin" from OCOL_ORIGIN instead when set; then with OCOL_ALL the
 *    schema's fields without a canonical name, in schema order, up to
 *    REC_MAXF columns.
 *  - Names point into want or the schema: valid while they are.
 *  - JSON (OCOL_JSON): each column's "name": text is made at mapping time,
 *    and status, bytes and duration are written as bare numbers.
 *  - ocol_map returns 0, or -1 with errno ENOMEM (the JSON keys); ocol_free
 *    frees them; a zeroed struct is empty.  Nothing here prints or exits.
 */
#ifndef OCOL_H
#define OCOL_H

#include <stddef.h>
#include <stdint.h>

#include "out.h"
#include "rec.h"

enum { OCOL_NONE = -1, OCOL_SRC = -2, OCOL_ORG = -3 };
enum { OCOL_SOURCE = 1, OCOL_WANT_ORIGIN = 2, OCOL_ORIGIN = 4, OCOL_ALL = 8,
    OCOL_JSON = 16 };

struct ocol {
	int n;				/* columns */
	const char *name[REC_MAXF];
	int src[REC_MAXF];		/* schema column, or an OCOL_ value */
	int json;
	char *jkeys;			/* "name": of each column */
	size_t jkcap;
	uint32_t jkoff[REC_MAXF], jklen[REC_MAXF];
	unsigned char jnum[REC_MAXF];	/* a numeric column */
};

int ocol_map(struct ocol *c, const struct rec_schema *sch,
    const char *const *want, int nwant, int flags);
/* want[i] of the map is neither a field of the schema nor canonical */
int ocol_unknown(const struct ocol *c, const char *const *want, int i);
/*
 * One row: vals the schema's values, src and org the source and origin
 * columns' values; clean: no value needs escaping (rec_put_row_clean).
 */
void ocol_row(const struct ocol *c, struct out *o, const struct rec_val *vals,
    const struct rec_val *src, const struct rec_val *org, int clean);
void ocol_free(struct ocol *c);

#endif

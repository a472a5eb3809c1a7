/*
 * prom: the Prometheus text exposition format, version 0.0.4, as
 * omph-collect --http serves it at /metrics.
 *
 * Rules:
 *  - a family is written whole, its samples right after its "# HELP" and
 *    "# TYPE" lines (prom_family), never split;
 *  - names are the caller's (constants matching [a-zA-Z_:][a-zA-Z0-9_:]*),
 *    counters end in "_total", as the format's conventions say;
 *  - label values are escaped as the format says (backslash, double quote
 *    and LF as \\ \" \n) and are otherwise written as given: bytes that are
 *    not UTF-8 become U+FFFD, so a scraper never sees invalid text;
 *  - no timestamps: the scraper stamps each sample with its scrape time;
 *  - a histogram's buckets are cumulative, end with le="+Inf" equal to
 *    _count, and come with _sum (prom_hist).
 * Writing goes into a struct out (lib/out.h): its first error is kept
 * there; nothing here prints or allocates.
 */
#ifndef PROM_H
#define PROM_H

#include <stddef.h>
#include <stdint.h>

#include "out.h"

#define PROM_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* "# HELP name help" and "# TYPE name type" (type: counter, gauge, ...) */
void prom_family(struct out *o, const char *name, const char *type,
    const char *help);
/*
 * A sample: name, then the labels (NULL: none) as name/value pairs, n of
 * them (values vlen bytes each, escaped here), then the value.
 */
struct prom_label {
	const char *name;
	const char *val;
	size_t vlen;
};
void prom_u64(struct out *o, const char *name, const struct prom_label *l,
    int n, uint64_t v);
/* a counter family of one sample without labels: HELP, TYPE and v */
void prom_counter(struct out *o, const char *name, const char *help,
    uint64_t v);
void prom_f64(struct out *o, const char *name, const struct prom_label *l,
    int n, double v);
/*
 * A histogram family's samples (after prom_family with "histogram"):
 * nb upper bounds le[] in seconds, with count[i] the observations in
 * (le[i-1], le[i]] and count[nb] those above the last, sum in seconds.
 */
void prom_hist(struct out *o, const char *name, const double *le,
    const uint64_t *count, int nb, double sum);

#endif

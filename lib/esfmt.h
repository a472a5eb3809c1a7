/*
 * esfmt: Elasticsearch's side of lib/sink: the _bulk request for a batch
 * of records, and the reading of its answer item by item (lib/jscan).
 * Pure: nothing here does I/O, keeps state or prints.
 *
 * The rules, case by case:
 *
 *  - Target: /_bulk.  Body: NDJSON, for each record an action line
 *    {"create":{"_index":"INDEX","_id":"ORIGIN"}} (no _id when the record
 *    has no origin, or one not of lowercase hex digits and colons alone
 *    or of 80 bytes or more), then the
 *    document as omph-parse -o json writes it: the fields by the header's
 *    names, an absent value (\N) left out, status, bytes and duration as
 *    numbers when they are plain decimals, every other value a string
 *    with the COPY escaping undone (a byte that is not UTF-8 written as
 *    the text \xHH); "@timestamp" first, from time.  The last line ends
 *    in LF.  A header longer than 64 KiB gives an empty body.
 *  - An answer that is not 200: 400 and 413 are about the request's
 *    content (ESFMT_CONTENT: the caller splits the batch); any other is
 *    the server not taking anything now (ESFMT_DOWN).
 *  - A 200 answer: {"items":[{"create":{"status":N,"error":{"type":..,
 *    "reason":..}}},...]}, one item per document in order ("errors":true
 *    is not looked at: every item is).  esfmt_items first checks the
 *    whole answer (well-formed for lib/jscan, exactly nitems items), and
 *    only then calls item once per item, in order, with its status (0
 *    when it has none) and, for an error, "STATUS TYPE: REASON" (at most
 *    ESFMT_WHYMAX bytes), else "".
 */
#ifndef ESFMT_H
#define ESFMT_H

#include <stddef.h>

#include "sink.h"

#define ESFMT_WHYMAX 400

enum { ESFMT_CONTENT = 1, ESFMT_DOWN };

/* The _bulk request for rows[0..len) under hdr into index name; 0, -1. */
int esfmt_request(const char *name, const char *hdr, size_t hdrlen,
    const char *rows, size_t len, struct out_buf *target,
    struct out_buf *body);
/* An answer that is not 200: ESFMT_*, why filled. */
int esfmt_status(int status, const char *abody, size_t blen, char *why,
    size_t wlen);
/*
 * A 200 answer's items: nitems when it has exactly those (item called
 * for each; a -1 from item stops, returned), -2 when it is not an answer
 * with nitems items (item never called).
 */
long esfmt_items(const char *abody, size_t blen, size_t nitems,
    int (*item)(void *arg, int status, const char *why), void *arg);

#endif

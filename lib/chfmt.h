/*
 * chfmt: ClickHouse's side of lib/sink: the HTTP request that inserts a
 * batch of records, and what ClickHouse's answer means.  Pure: nothing
 * here does I/O, keeps state or prints.
 *
 * The rules, case by case:
 *
 *  - Target: "/?query=" and, URL-encoded, INSERT INTO NAME (`a`,`b`,...)
 *    FORMAT TabSeparatedWithNames, the columns the header's names (a
 *    backquote or backslash in a name escaped), since ClickHouse 18.16
 *    skips the names line instead of reading it.  A header too long for
 *    16 KiB of query is cut at a column.
 *  - Body: the header's names (without '#'), then the records as they are
 *    (the record format's COPY escaping is TabSeparated's), except the
 *    column named time: 2015-05-17T10:05:03[.fff]Z becomes
 *    2015-05-17 10:05:03 (DateTime has no fraction in 18.16) and a date
 *    alone 2015-05-17 00:00:00; anything else goes as it is and the server
 *    says whether it takes it.
 *  - Answer: 200 took the batch (CHFMT_TOOK).  400 or 500 with a
 *    ClickHouse error code about a value it could not read or convert
 *    ("Code: 27, ...": parsing, conversion, a value out of range) is
 *    about the content (CHFMT_CONTENT: the caller splits the batch).  Any
 *    other status is the server not taking anything now (CHFMT_DOWN).
 *    why: the server's words on one line (sink_words), or "HTTP status N"
 *    when it said none.
 */
#ifndef CHFMT_H
#define CHFMT_H

#include <stddef.h>

#include "sink.h"

enum { CHFMT_TOOK, CHFMT_CONTENT, CHFMT_DOWN };

/*
 * The request for records rows[0..len) (each LF-ended) under header
 * hdr[0..hdrlen) ('#' first) into table name: target NUL-ended, body
 * rewritten from its start.  0, -1 ENOMEM.
 */
int chfmt_request(const char *name, const char *hdr, size_t hdrlen,
    const char *rows, size_t len, struct out_buf *target,
    struct out_buf *body);
/* ClickHouse's answer: CHFMT_*, why (wlen bytes) filled but for TOOK. */
int chfmt_answer(int status, const char *abody, size_t blen, char *why,
    size_t wlen);

#endif

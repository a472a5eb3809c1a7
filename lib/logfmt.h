/*
 * logfmt: access-log formats as small field programs.
 *
 * An Apache LogFormat string ("%h %l %u %t \"%r\" %>s %b") or an nginx
 * log_format string ("$remote_addr - $remote_user [$time_local] ...") is
 * compiled once into a list of literals and typed fields; lf_parse then
 * matches one line against it without regex and without allocation.  The
 * presets clf, combined and vcombined are Apache strings compiled the same
 * way.  Each field maps to a record column: canonical names (rec.h) where
 * the directive has one, else a name of its own (%l is "ident", a request
 * header %{X-Foo}i or $http_x_foo is "http_x_foo", other nginx variables
 * keep their name).  When two directives map to one canonical column, the
 * first keeps it and the other takes its own name.
 *
 * Matching: a field ends where the next literal starts; inside double
 * quotes backslash-escaped characters do not end it.  A client field
 * (%h, %a, $remote_addr) followed by a space extends over a comma-separated
 * chain ("10.0.0.2, 10.0.0.1").  Text after the last literal is accepted
 * when it starts with a space (servers often append fields), and a line
 * may end before a literal that starts with a space once the status has
 * been read (CLF lines in a combined log): the fields after are absent.
 */
#ifndef LOGFMT_H
#define LOGFMT_H

#include <stddef.h>

#include "rec.h"
#include "tm.h"

enum { LF_APACHE, LF_NGINX };

struct lf_prog;

/* Compile fmt; NULL with a message in err (and errno EINVAL/ENOMEM). */
struct lf_prog *lf_compile(const char *fmt, int dialect, char *err,
    size_t errlen);
/* The Apache string of a preset name (clf, combined, vcombined) or NULL. */
const char *lf_preset(const char *name);
void lf_free(struct lf_prog *pg);
/* The columns lf_parse fills, fixed for the program's life. */
const struct rec_schema *lf_schema(const struct lf_prog *pg);
/*
 * Match line (len bytes, no LF; line[len] writable) and fill vals[0..n) of
 * the schema.  Values point into line or into the program's scratch space,
 * valid until the next call.  Returns 0, or -1 with a short reason in why.
 */
int lf_parse(struct lf_prog *pg, char *line, size_t len, struct rec_val *vals,
    char *why, size_t whylen);
/*
 * 1 when the line of the last lf_parse that returned 0 holds no byte that
 * rec_put escapes or decodes (rec_clean): its values may then be written
 * with rec_put_row_clean.  0 otherwise (and before any such call).
 */
int lf_clean(const struct lf_prog *pg);

#endif

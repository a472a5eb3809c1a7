/*
 * opt: range-checked numbers from the command line.  Each returns 0 and
 * stores the value, or -1 (errno EINVAL or ERANGE) when s is not a number
 * of that kind within [min, max], with "NAME: S is not ..." in err for the
 * command to print before its usage message.
 */
#ifndef OPT_H
#define OPT_H

#include <stddef.h>

/* A whole number, optionally followed by k, M or G (times 1024^n). */
int opt_size(const char *name, const char *s, size_t min, size_t max,
    size_t *v, char *err, size_t errlen);
/* A decimal number of seconds ("0.25", "5"). */
int opt_seconds(const char *name, const char *s, double min, double max,
    double *v, char *err, size_t errlen);

#endif

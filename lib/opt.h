/*
 * opt: range-checked numbers from the command line.  Each returns 0 and
 * stores the value, or -1 (errno EINVAL or ERANGE) when s is not a number
 * of that kind within [min, max]; the command says what was wrong.
 */
#ifndef OPT_H
#define OPT_H

#include <stddef.h>

/* A whole number, optionally followed by k, M or G (times 1024^n). */
int opt_size(const char *s, size_t min, size_t max, size_t *v);
/* A decimal number of seconds ("0.25", "5"). */
int opt_seconds(const char *s, double min, double max, double *v);

#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "opt.h"

int
opt_size(const char *name, const char *s, size_t min, size_t max, size_t *v,
    char *err, size_t errlen)
{
	char *end;
	unsigned long long n, mul = 1;

	snprintf(err, errlen, "%s: %s is not a number from %zu to %zu", name, s,
	    min, max);

	if (*s < '0' || *s > '9') {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (end[0] != '\0' && end[1] == '\0') {
		if (*end == 'k' || *end == 'K')
			mul = 1024;
		else if (*end == 'M')
			mul = 1024 * 1024;
		else if (*end == 'G')
			mul = 1024ULL * 1024 * 1024;
		if (mul > 1)
			end++;
	}
	if (*end != '\0') {
		errno = EINVAL;
		return -1;
	}
	if (n > (unsigned long long)-1 / mul || n * mul < min || n * mul > max) {
		errno = ERANGE;
		return -1;
	}
	*v = (size_t)(n * mul);
	return 0;
}

int
opt_seconds(const char *name, const char *s, double min, double max, double *v,
    char *err, size_t errlen)
{
	char *end;
	double d;

	snprintf(err, errlen, "%s: %s is not a number of seconds from %g to %g",
	    name, s, min, max);

	if ((*s < '0' || *s > '9') && *s != '.') {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0') {
		errno = EINVAL;
		return -1;
	}
	if (!(d >= min && d <= max)) {
		errno = ERANGE;
		return -1;
	}
	*v = d;
	return 0;
}

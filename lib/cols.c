/* cols: the columns of a header (lib/cols.h) */
#include <string.h>

#include "cols.h"
#include "rec.h"

static void
none(struct cols *c, const struct cols_want *w)
{
	int j;

	c->n = 0;
	for (j = 0; j < w->n; j++)
		c->key[j] = -1;
	c->time = c->status = c->bytes = c->duration = c->origin =
	    c->client = c->last = -1;
}

int
cols_header(struct cols *c, const struct cols_want *w, char *p, size_t len)
{
	char *f[REC_MAXF];
	size_t fl[REC_MAXF], k;
	int n, i, j;

	none(c, w);
	for (k = 0; k < len; k++)
		if (((unsigned char)p[k] <= ' ' || (unsigned char)p[k] >= 0x7f) &&
		    p[k] != '\t')
			break;
	if (len == 0 || k < len || p[0] == '\t' || p[len - 1] == '\t' ||
	    memmem(p, len, "\t\t", 2) != NULL)
		return -1;
	n = rec_split(p, len, f, fl, REC_MAXF);
	if (n > REC_MAXF)
		n = REC_MAXF;
	c->n = n;
	for (i = 0; i < n; i++) {
		for (j = 0; j < w->n; j++)
			if (strlen(w->name[j]) == fl[i] &&
			    memcmp(w->name[j], f[i], fl[i]) == 0)
				c->key[j] = i;
#define IS(name) (fl[i] == sizeof(name) - 1 && memcmp(f[i], name, fl[i]) == 0)
		if (IS("time"))
			c->time = i;
		else if (IS("status"))
			c->status = i;
		else if (IS("bytes"))
			c->bytes = i;
		else if (IS("duration"))
			c->duration = i;
		else if (IS("origin"))
			c->origin = i;
		else if (IS("client"))
			c->client = i;
#undef IS
	}
	for (j = 0; j < w->n; j++)
		if (c->key[j] > c->last)
			c->last = c->key[j];
#define LAST(col) if (c->col > c->last) c->last = c->col
	LAST(time);
	LAST(status);
	LAST(bytes);
	LAST(duration);
	LAST(origin);
	LAST(client);
#undef LAST
	return 0;
}

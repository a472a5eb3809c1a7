#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ocol.h"

/* -o json: the key text of each output column, made once per mapping */
static int
json_keys(struct ocol *c)
{
	size_t need = 0, n;
	char *k;
	int i;

	for (i = 0; i < c->n; i++)
		need += strlen(c->name[i]) + 3;
	if (need > c->jkcap) {
		if ((k = realloc(c->jkeys, need)) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		c->jkeys = k;
		c->jkcap = need;
	}
	for (i = 0, need = 0; i < c->n; i++) {
		n = strlen(c->name[i]);
		c->jkoff[i] = (uint32_t)need;
		c->jklen[i] = (uint32_t)n + 3;
		c->jkeys[need] = '"';
		memcpy(c->jkeys + need + 1, c->name[i], n);
		memcpy(c->jkeys + need + 1 + n, "\":", 2);
		need += n + 3;
		c->jnum[i] = strcmp(c->name[i], "status") == 0 ||
		    strcmp(c->name[i], "bytes") == 0 ||
		    strcmp(c->name[i], "duration") == 0;
	}
	return 0;
}

static void
map_want(struct ocol *c, const struct rec_schema *sch,
    const char *const *want, int nwant, int flags)
{
	int i, j;

	for (i = 0; i < nwant; i++) {
		c->name[i] = want[i];
		c->src[i] = OCOL_NONE;
		if (strcmp(want[i], "source") == 0 && (flags & OCOL_SOURCE))
			c->src[i] = OCOL_SRC;
		for (j = 0; j < sch->n; j++)
			if (strcmp(sch->names[j], want[i]) == 0)
				c->src[i] = j;
		if (strcmp(want[i], "origin") == 0 && (flags & OCOL_WANT_ORIGIN))
			c->src[i] = OCOL_ORG;
	}
	c->n = nwant;
}

static void
map_canon(struct ocol *c, const struct rec_schema *sch, int flags)
{
	int j, k, used[REC_MAXF];

	memset(used, 0, sizeof(used));
	for (k = 0; k < REC_NCANON; k++) {
		if (k == REC_SOURCE && (flags & OCOL_SOURCE)) {
			c->name[c->n] = "source";
			c->src[c->n++] = OCOL_SRC;
			continue;
		}
		if (k == REC_ORIGIN && (flags & OCOL_ORIGIN)) {
			c->name[c->n] = "origin";
			c->src[c->n++] = OCOL_ORG;
			continue;
		}
		for (j = 0; j < sch->n; j++)
			if (strcmp(sch->names[j], rec_canon_names[k]) == 0) {
				c->name[c->n] = sch->names[j];
				c->src[c->n++] = j;
				used[j] = 1;
			}
	}
	for (j = 0; (flags & OCOL_ALL) && j < sch->n && c->n < REC_MAXF; j++)
		if (!used[j] && rec_canon(sch->names[j],
		    strlen(sch->names[j])) < 0) {
			c->name[c->n] = sch->names[j];
			c->src[c->n++] = j;
		}
}

int
ocol_map(struct ocol *c, const struct rec_schema *sch,
    const char *const *want, int nwant, int flags)
{
	c->n = 0;
	c->json = (flags & OCOL_JSON) != 0;
	if (nwant > 0)
		map_want(c, sch, want, nwant, flags);
	else
		map_canon(c, sch, flags);
	return c->json ? json_keys(c) : 0;
}

int
ocol_unknown(const struct ocol *c, const char *const *want, int i)
{
	return c->src[i] == OCOL_NONE && rec_canon(want[i], strlen(want[i])) < 0;
}

void
ocol_row(const struct ocol *c, struct out *o, const struct rec_val *vals,
    const struct rec_val *src, const struct rec_val *org, int clean)
{
	const struct rec_val *row[REC_MAXF], *v;
	int i;

	if (c->json) {
		out_putc(o, '{');
		for (i = 0; i < c->n; i++) {
			v = c->src[i] == OCOL_SRC ? src : c->src[i] == OCOL_ORG ?
			    org : c->src[i] < 0 ? NULL : &vals[c->src[i]];
			if (v == NULL || v->enc == REC_ABSENT)
				continue;
			if (o->b[o->len - 1] != '{')
				out_putc(o, ',');
			out_write(o, c->jkeys + c->jkoff[i], c->jklen[i]);
			if (clean)
				rec_put_json_clean(o, v, c->jnum[i]);
			else
				rec_put_json(o, v, c->jnum[i]);
		}
		out_write(o, "}\n", 2);
		return;
	}
	for (i = 0; i < c->n; i++)
		row[i] = c->src[i] >= 0 ? &vals[c->src[i]] :
		    c->src[i] == OCOL_SRC ? src : c->src[i] == OCOL_ORG ? org : NULL;
	if (clean)
		rec_put_row_clean(o, row, c->n);
	else
		rec_put_row(o, row, c->n);
}

void
ocol_free(struct ocol *c)
{
	free(c->jkeys);
	c->jkeys = NULL;
	c->jkcap = 0;
}

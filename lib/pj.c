#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "par.h"
#include "pj.h"
#include "rec.h"

/*
 * A chunk's report (par's meta): this, the first header's text, the last
 * header's, the events (type, line number, index, length, text: 17 bytes
 * and the text each), the rejected lines.
 */
struct pmeta {
	uint64_t lines, datalines, records, rejected, blank;
	uint32_t nrejev, flags, firstlen, lastlen, evlen, rejlen;
};
#define PM_FAILED 1
#define PM_FATAL 2
#define PM_FIRST 4
#define PM_WROTE 8
#define EV_HEAD 17

void
pj_event(struct pj *pj, int type, uint64_t lineno, uint32_t idx,
    const char *text)
{
	uint32_t n = text != NULL ? (uint32_t)strlen(text) : 0;
	char t = (char)type;

	if (type == PJ_REJECT)
		pj->nrejev++;
	out_write(pj->ev, &t, 1);
	out_write(pj->ev, &lineno, 8);
	out_write(pj->ev, &idx, 4);
	out_write(pj->ev, &n, 4);
	if (n > 0)
		out_write(pj->ev, text, n);
}

/* the header line of names as it would be written */
static void
header_text(const struct pj *pj, struct out *o, const char *const *names,
    int n)
{
	if (n > 0 && pj->plain)
		rec_put_names(o, names, n);
	else if (n > 0)
		rec_put_header(o, names, n);
}

int
pj_header(struct pj *pj, const char *const *names, int nnames)
{
	if (pj->first) {
		/* a worker's first header: the parent writes it, or not */
		pj->first = 0;
		pj->has_first = *pj->written = 1;
		pj->ltext->len = 0;
		header_text(pj, pj->ltext, names, nnames);
		out_write(pj->ftext, pj->ltext->b, pj->ltext->len);
		return PJ_HDR_FIRST;
	}
	if (pj->plain && *pj->written) {
		pj->fatal = 1;		/* the parent says it */
		return PJ_HDR_FATAL;
	}
	pj->ltext->len = 0;
	header_text(pj, pj->ltext, names, nnames);
	if (pj->headers)
		pj->wrote = 1;
	return PJ_HDR_WRITE;
}

static void
cb_gap(void *arg, struct lr_line *l)
{
	struct pj *pj = arg;
	struct rec_val vals[REC_MAXF];
	char why[256];
	size_t len = l->len;

	if ((l->flags & LR_CUT) || len == 0 || *l->p != '#')
		return;
	if (l->p[len - 1] == '\r')
		len--;
	if (*pj->w3c == NULL && (*pj->w3c = w3c_new()) == NULL)
		_exit(1);	/* a worker's failure (par.h) */
	(void)w3c_line(*pj->w3c, l->p, len, vals, why, sizeof(why));
}

static void
cb_begin(void *arg, struct out *data)
{
	struct pj *pj = arg;

	pj->worker = 1;
	memset(pj->tally, 0, sizeof(*pj->tally));
	pj->has_first = pj->wrote = pj->fatal = 0;
	pj->nrejev = 0;
	pj->first = 1;
	out_mem_reset(pj->ev);
	pj->ftext->len = pj->ltext->len = 0;
	if (pj->rejmem != NULL)
		out_mem_reset(pj->rejmem);
	pj->begin(pj->arg, data, pj->rejmem);
}

static int
cb_line(void *arg, struct lr_line *l, uint64_t lineno)
{
	struct pj *pj = arg;

	return pj->line(pj->arg, l, lineno);
}

static void
cb_end(void *arg, struct out *meta, uint64_t lines, int e)
{
	struct pj *pj = arg;
	const struct pj_tally *t = pj->tally;
	struct pmeta pm;

	if (e != 0) {
		pj_event(pj, PJ_READERR, 0, 0, strerror(e));
		pj->tally->failed = 1;
	}
	out_flush(pj->ev);
	if (pj->rejmem != NULL)
		out_flush(pj->rejmem);
	memset(&pm, 0, sizeof(pm));
	pm.lines = lines;
	pm.datalines = t->lines;
	pm.records = t->records;
	pm.rejected = t->rejected;
	pm.blank = t->blank;
	pm.nrejev = pj->nrejev;
	pm.flags = (t->failed ? PM_FAILED : 0) | (pj->fatal ? PM_FATAL : 0) |
	    (pj->has_first ? PM_FIRST : 0) | (pj->wrote ? PM_WROTE : 0);
	/* the first header (taken when it came) and the last one */
	pm.firstlen = (uint32_t)pj->ftext->len;
	pm.lastlen = pj->has_first ? (uint32_t)pj->ltext->len : 0;
	pm.evlen = (uint32_t)pj->ev->memlen;
	pm.rejlen = pj->rejmem != NULL ? (uint32_t)pj->rejmem->memlen : 0;
	out_write(meta, &pm, sizeof(pm));
	if (pm.firstlen > 0)
		out_write(meta, pj->ftext->b, pm.firstlen);
	if (pm.lastlen > 0)
		out_write(meta, pj->ltext->b, pm.lastlen);
	if (pm.evlen > 0)
		out_write(meta, pj->ev->mem, pm.evlen);
	if (pm.rejlen > 0)
		out_write(meta, pj->rejmem->mem, pm.rejlen);
}

/* keep n bytes at p as the last header's text; -1 ENOMEM */
static int
keep_text(struct pj *pj, const char *p, size_t n)
{
	char *t;

	if ((t = realloc(pj->htext, n + 1)) == NULL)
		return -1;
	pj->htext = t;
	memcpy(t, p, n);
	pj->htlen = n;
	return 0;
}

static int
cb_merge(void *arg, const char *m, size_t len)
{
	struct pj *pj = arg;
	struct pj_tally *t = pj->tally;
	struct pmeta pm;
	const char *p, *e, *hd;
	uint64_t lineno;
	uint32_t idx, n;

	if (len < sizeof(pm)) {
		pj->bad = PJ_SHORT;
		return PAR_STOP;
	}
	memcpy(&pm, m, sizeof(pm));
	hd = m + sizeof(pm);
	p = hd + pm.firstlen + pm.lastlen;
	e = p + pm.evlen;
	if (pm.flags & PM_FIRST) {
		if (pm.firstlen != pj->htlen || (pj->htlen > 0 &&
		    memcmp(hd, pj->htext, pj->htlen) != 0)) {
			if (pj->plain && *pj->written) {
				pj->bad = PJ_CHANGED;
				return PAR_STOP;
			}
			if (pj->headers) {
				out_write(pj->out, hd, pm.firstlen);
				*pj->written = 1;
			}
		}
		/* the last header of the chunk: in -j, the same text as what a
		 * header change inside it wrote last; kept for the next one */
		if (keep_text(pj, hd + pm.firstlen, pm.lastlen) == -1) {
			pj->bad = PJ_NOMEM;
			return PAR_STOP;
		}
	}
	if (pm.flags & PM_WROTE)
		*pj->written = 1;
	while (p + EV_HEAD <= e) {
		memcpy(&lineno, p + 1, 8);
		memcpy(&idx, p + 9, 4);
		memcpy(&n, p + 13, 4);
		if (*p == PJ_REJECT)
			t->rejected++;
		pj->tell(pj->arg, *p, *p == PJ_REJECT ? pj->lbase + lineno :
		    lineno, idx, p + EV_HEAD, n);
		p += EV_HEAD + n;
	}
	t->rejected += pm.rejected - pm.nrejev;
	if (pj->rej != NULL && pm.rejlen > 0)
		out_write(pj->rej, e, pm.rejlen);
	pj->lbase += pm.lines;
	t->lines += pm.datalines;
	t->records += pm.records;
	t->blank += pm.blank;
	if (pm.flags & PM_FAILED)
		t->failed = 1;
	if (pm.flags & PM_FATAL) {
		pj->bad = PJ_CHANGED;
		return PAR_LAST;
	}
	return PAR_GO;
}

int
pj_run(struct pj *pj, int fd, uint64_t size, int n, size_t chunk,
    size_t max, const char *const *names, int nnames)
{
	struct out *mem[5];
	struct par_cb cb;
	int i, rv = -1, e;

	for (i = 0; i < 5; i++) {
		if ((mem[i] = malloc(sizeof(*mem[i]))) == NULL) {
			while (i-- > 0)
				free(mem[i]);
			return PJ_NOMEM;
		}
		out_init_mem(mem[i]);
	}
	pj->ev = mem[0];
	pj->rejmem = pj->rej != NULL ? mem[1] : NULL;
	pj->ftext = mem[3];
	pj->ltext = mem[4];
	pj->lbase = 0;
	pj->bad = 0;
	/* the header written before the first -j file */
	if (nnames > 0 && pj->htlen == 0)
		header_text(pj, mem[2], names, nnames);
	if (mem[2]->len > 0 && keep_text(pj, mem[2]->b, mem[2]->len) == -1) {
		rv = PJ_NOMEM;
		goto out;
	}
	memset(&cb, 0, sizeof(cb));
	cb.arg = pj;
	cb.gap = pj->w3c != NULL ? cb_gap : NULL;
	cb.begin = cb_begin;
	cb.line = cb_line;
	cb.end = cb_end;
	cb.merge = cb_merge;
	rv = par_run(fd, size, n, chunk, max, &cb, pj->out);
	if (rv == 1)
		rv = pj->bad;
out:
	e = errno;
	for (i = 0; i < 5; i++) {
		out_free(mem[i]);
		free(mem[i]);
	}
	pj->ev = pj->rejmem = pj->ftext = pj->ltext = NULL;
	errno = e;
	return rv;
}

int
pj_names(const struct pj *pj, char **names, int max, int *nnames)
{
	char *f[REC_MAXF], *t;
	size_t fl[REC_MAXF], len = pj->htlen;
	long ul;
	int i, n;

	if (len < 2)
		return 0;
	if (max > REC_MAXF)
		max = REC_MAXF;
	if ((t = malloc(len)) == NULL)
		return -1;
	memcpy(t, pj->htext, len);
	n = rec_split(t + !pj->plain, len - 1 - !pj->plain, f, fl, max);
	for (i = 0; i < n && i < max; i++) {
		ul = rec_unescape(f[i], fl[i]);
		if ((names[i] = strndup(f[i], ul < 0 ? 0 : (size_t)ul)) == NULL) {
			while (i-- > 0)
				free(names[i]);
			free(t);
			return -1;
		}
	}
	*nnames = i;
	free(t);
	return 1;
}

void
pj_free(struct pj *pj)
{
	free(pj->htext);
	pj->htext = NULL;
	pj->htlen = 0;
}

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "abook.h"
#include "alert.h"
#include "inert.h"
#include "snap.h"
#include "tview.h"

int
tview_init(struct tview *t, int batch, int utf8)
{
	memset(t, 0, sizeof(*t));
	if (abook_init(&t->al, TVIEW_ALERTS) == -1)
		return -1;
	t->batch = batch;
	t->utf8 = utf8;
	t->cur = &t->sn[0];
	t->last = &t->sn[1];
	t->pend = &t->sn[2];
	t->sel = 1;
	return 0;
}

void
tview_free(struct tview *t)
{
	size_t i;

	for (i = 0; i < 3; i++)
		snap_free(&t->sn[i]);
	abook_free(&t->al);
	free(t->order);
	out_buf_free(&t->selkey);
	out_buf_free(&t->pname);
	out_buf_free(&t->u);
	out_buf_free(&t->c);
}

int
tview_nomem(struct tview *t)
{
	int r = t->u.err || t->c.err || t->selkey.err || t->pname.err;

	t->u.err = t->c.err = t->selkey.err = t->pname.err = 0;
	return r;
}

/* an array *p of *cap elements of size sz holding at least n; 0 or -1 */
static int
grow(void *pp, size_t *cap, size_t n, size_t sz)
{
	void **p = pp, *q;
	size_t c;

	if (n <= *cap)
		return 0;
	c = *cap ? *cap : 16;
	while (c < n)
		c *= 2;
	if ((q = realloc(*p, c * sz)) == NULL)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* ---- a complete snapshot ---- */

static void
swap(struct snap **a, struct snap **b)
{
	struct snap *x = *a;

	*a = *b;
	*b = x;
}

/* the same snapshot twice: what a server sends again on a reconnect */
static int
same_snap(const struct snap *a, const struct snap *b)
{
	return strcmp(a->time, b->time) == 0 && a->records == b->records &&
	    a->late == b->late && a->bad == b->bad && a->evicted == b->evicted &&
	    a->keys == b->keys && a->nev == b->nev;
}

/* the sparkline's sample and records/s, from successive snapshots */
static void
sample(struct tview *t, const struct snap *s, double now)
{
	double v = 0;
	int ok = 0;

	if (s->window > 0 && s->npanels > 0 && s->panel[0].site &&
	    (s->panel[0].srow.has & (1u << M_RATE))) {
		v = s->panel[0].srow.m[M_RATE];
		ok = 1;
	}
	if (t->pat == 0 || s->records < t->prec) {
		t->prec = s->records;
		t->pat = now;
	} else if (now - t->pat >= 0.2) {
		t->rps = (double)(s->records - t->prec) / (now - t->pat);
		t->has_rps = 1;
		t->prec = s->records;
		t->pat = now;
		if (!ok) {
			v = t->rps;
			ok = 1;
		}
	}
	if (ok)
		t->hist[t->nhist++ % TVIEW_HIST] = v;
}

/* the #end of a snapshot: it becomes the one shown (or the newest, paused) */
static int
finish(struct tview *t, double now)
{
	struct snap *s = t->cur, *newest;
	int replay;

	newest = t->have_pend ? t->pend : t->have_last ? t->last : NULL;
	replay = t->fresh && newest != NULL && same_snap(s, newest);
	t->fresh = 0;
	s->arrived = now;
	t->nsnap++;
	if (abook_apply(&t->al, s, replay, t->nsnap) == -1)
		return -1;
	sample(t, s, now);
	if (newest != NULL && !replay)
		t->gap = now - newest->arrived;
	if (t->paused) {
		swap(&t->cur, &t->pend);
		t->have_pend = 1;
		t->newer++;
	} else {
		swap(&t->cur, &t->last);
		t->have_last = 1;
		t->reorder = 1;
	}
	t->ps.state = SNAP_P_NONE;
	return 0;
}

int
tview_feed(struct tview *t, char *p, size_t len, int flags, double now)
{
	switch (snap_feed(&t->ps, t->cur, p, len, flags)) {
	case -1:
		return -1;
	case 1:
		return finish(t, now) == -1 ? -1 : 1;
	}
	return 0;
}

void
tview_pause(struct tview *t)
{
	t->paused = !t->paused;
	if (!t->paused && t->have_pend) {
		swap(&t->last, &t->pend);
		t->have_last = 1;
		t->have_pend = 0;
		t->reorder = 1;
	}
	t->newer = 0;
}

/* ---- input: stdin or a connection ---- */
/* ---- the view ---- */

const char *
tview_sort_name(int s)
{
	static const char *const names[TVIEW_S_N] = {
		"input", "hits", "bytes", "4xx", "5xx", "p99", "key"
	};

	return names[s];
}

static int
sort_metric(int s)
{
	switch (s) {
	case TVIEW_S_HITS: return M_HITS;
	case TVIEW_S_BYTES: return M_BYTES;
	case TVIEW_S_4XX: return M_4XX;
	case TVIEW_S_5XX: return M_5XX;
	case TVIEW_S_P99: return M_P99;
	}
	return -1;
}

/* rows by the sort column, highest first; absent last; ties by input */
static int
cmp_rows(const void *x, const void *y, void *arg)
{
	const struct tview *t = arg;
	const struct snap *s = t->last;
	const struct snap_row *rows = s->rows + tview_panel(t)->row0;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	const struct snap_row *a = &rows[i], *b = &rows[j];
	int m = sort_metric(t->sort), pa, pb, c;

	if (t->sort == TVIEW_S_KEY) {
		c = memcmp(s->arena.p + a->key, s->arena.p + b->key,
		    a->keylen < b->keylen ? a->keylen : b->keylen);
		if (c == 0 && a->keylen != b->keylen)
			c = a->keylen < b->keylen ? -1 : 1;
		if (c != 0)
			return c;
	} else if (m >= 0) {
		pa = (a->has >> m) & 1;
		pb = (b->has >> m) & 1;
		if (pa != pb)
			return pb - pa;
		if (pa && a->m[m] != b->m[m])
			return a->m[m] < b->m[m] ? 1 : -1;
	}
	return i < j ? -1 : i > j;
}

/* ASCII case-insensitive search of needle in the cleaned text of a key */
static int
matches(struct tview *t, const struct snap_row *r)
{
	const struct snap *s = t->last;
	size_t i, j;

	inert_key(&t->u, s->arena.p + r->key, r->keylen);
	t->c.len = 0;
	inert_clean(&t->c, t->u.p, t->u.len, -1, t->utf8);
	if (t->filterlen > t->c.len)
		return 0;
	for (i = 0; i + t->filterlen <= t->c.len; i++) {
		for (j = 0; j < t->filterlen; j++) {
			unsigned char a = (unsigned char)t->c.p[i + j];
			unsigned char b = (unsigned char)t->filter[j];

			if (a >= 'A' && a <= 'Z')
				a += 'a' - 'A';
			if (b >= 'A' && b <= 'Z')
				b += 'a' - 'A';
			if (a != b)
				break;
		}
		if (j == t->filterlen)
			return 1;
	}
	return 0;
}

/* the rows shown, filtered and sorted; the selection follows its key */
int
tview_order(struct tview *t)
{
	const struct snap *s = t->last;
	const struct snap_panel *p;
	const struct snap_row *r, *rows;
	size_t i, k = 0;

	t->reorder = 0;
	t->norder = 0;
	if (!t->have_last)
		return 0;
	/* the panel shown: by its name, else the first */
	for (t->panel = s->npanels - 1; t->panel > 0; t->panel--)
		if (s->panel[t->panel].name.len == t->pname.len &&
		    memcmp(s->arena.p + s->panel[t->panel].name.off, t->pname.p,
		    t->pname.len) == 0)
			break;
	if (t->panel < 0)
		t->panel = 0;
	p = tview_panel(t);
	rows = p->nrows > 0 ? s->rows + p->row0 : NULL;
	t->pname.len = 0;
	if ((p->name.len > 0 && inert_append(&t->pname, s->arena.p +
	    p->name.off, p->name.len) == -1) || grow(&t->order, &t->ordercap,
	    p->nrows, sizeof(*t->order)) == -1)
		return -1;
	for (i = 0; i < p->nrows; i++)
		if (t->filterlen == 0 || matches(t, &rows[i]))
			t->order[k++] = i;
	t->norder = k;
	if (t->sort != TVIEW_S_INPUT && k > 1)
		qsort_r(t->order, k, sizeof(*t->order), cmp_rows, t);
	if (t->follow == 2)
		t->sel = 0;
	else if (t->follow == 1) {
		for (i = 0; i < k; i++) {
			r = &rows[t->order[i]];
			if (r->keylen == t->selkey.len && memcmp(s->arena.p + r->key,
			    t->selkey.p, r->keylen) == 0) {
				t->sel = (int)i + 1;
				break;
			}
		}
	}
	if (t->sel > (int)k)
		t->sel = (int)k;
	return 0;
}

/* the selection moved by the user: it now follows the key under it */
void
tview_select(struct tview *t, long sel)
{
	const struct snap *s = t->last;
	const struct snap_row *r;

	if (sel > (long)t->norder)
		sel = (long)t->norder;
	if (sel < 0)
		sel = 0;
	t->sel = (int)sel;
	if (sel == 0) {
		t->follow = 2;
		return;
	}
	r = &s->rows[tview_panel(t)->row0 + t->order[sel - 1]];
	out_buf_reserve(&t->selkey, 1);
	t->selkey.len = 0;
	inert_append(&t->selkey, s->arena.p + r->key, r->keylen);
	t->follow = 1;
}

/* the key of the selection, escaped; NULL when none */
const char *
tview_selected(const struct tview *t, size_t *n)
{
	const struct snap *s = t->last;
	const struct snap_row *r;

	if (!t->have_last)
		return NULL;
	if (t->sel == 0) {
		*n = 1;
		return "*";
	}
	if (t->sel < 1 || (size_t)t->sel > t->norder)
		return NULL;
	r = &s->rows[tview_panel(t)->row0 + t->order[t->sel - 1]];
	*n = r->keylen;
	return s->arena.p + r->key;
}

/* when the newest complete snapshot came (monotonic), 0 if none */
double
tview_newest(const struct tview *t)
{
	return t->have_pend ? t->pend->arrived : t->have_last ?
	    t->last->arrived : 0;
}

double
tview_stale_after(const struct tview *t)
{
	return t->gap * 3 > 5 ? t->gap * 3 : 5;
}

/* the monotonic time the header's clock counts from; -1: no clock shown */
double
tview_clock_base(const struct tview *t, double now)
{
	const struct tview_in *in = &t->in;

	if (t->batch)
		return -1;
	if (in->state != TVIEW_IN_LIVE)
		return in->since;
	if (!t->have_last && !t->have_pend)
		return in->since;
	if (now - tview_newest(t) >= tview_stale_after(t))
		return tview_newest(t);
	return -1;
}


const struct snap_panel *
tview_panel(const struct tview *t)
{
	static const struct snap_panel none;

	if (!t->have_last || t->panel < 0 || t->panel >= t->last->npanels)
		return &none;
	return &t->last->panel[t->panel];
}

const char *
tview_panel_name(const struct tview *t, size_t *n)
{
	const struct snap_panel *p = tview_panel(t);

	*n = p->name.len;
	return p->name.len > 0 ? t->last->arena.p + p->name.off : "";
}

void
tview_next_panel(struct tview *t, int dir)
{
	if (t->have_last && t->last->npanels >= 2)
		tview_show_panel(t, (t->panel + (dir < 0 ?
		    t->last->npanels - 1 : 1)) % t->last->npanels);
}

void
tview_show_panel(struct tview *t, int i)
{
	const struct snap *s = t->last;
	const struct snap_panel *p;

	if (!t->have_last || i < 0 || i >= s->npanels)
		return;
	t->panel = i;
	p = &s->panel[i];
	t->pname.len = 0;
	inert_append(&t->pname, s->arena.p + p->name.off, p->name.len);
	t->sel = 1;
	t->follow = 0;
	t->top = 0;
	t->reorder = 1;
}

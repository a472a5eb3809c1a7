#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abook.h"
#include "alert.h"
#include "inert.h"
#include "rec.h"
#include "snap.h"
#include "tfmt.h"
#include "tline.h"
#include "tlist.h"
#include "tview.h"

/* the table's numeric columns: metric, header, width */
struct tcol {
	int metric, sort, width;
	const char *name;
};

static const struct tcol *
tcol(int i)
{
	static const struct tcol cols[] = {
		{ M_HITS, TVIEW_S_HITS, 8, "hits" },
		{ M_VISITORS, -1, 8, "visitors" },
		{ M_RATE, -1, 9, "rate" },
		{ M_BYTES, TVIEW_S_BYTES, 6, "bytes" },
		{ M_4XX, TVIEW_S_4XX, 6, "4xx" },
		{ M_5XX, TVIEW_S_5XX, 6, "5xx" },
		{ M_P99, TVIEW_S_P99, 7, "p99" },
		{ -1, -1, 0, NULL }
	};

	return &cols[i];
}

/* which columns fit in w: show[i]; returns the key column's width */
static int
tlayout(const struct tview *t, int w, int show[])
{
	/* bytes rate p99 visitors 5xx 4xx */
	static const int drop[] = { 3, 2, 6, 1, 5, 4 };
	const struct snap_panel *p = tview_panel(t);
	int i, used = 2;

	for (i = 0; tcol(i)->name != NULL; i++) {
		show[i] = 1;
		if ((tcol(i)->metric == M_P99 || tcol(i)->metric ==
		    M_VISITORS) && !(p->site &&
		    (p->srow.has & (1u << tcol(i)->metric))))
			show[i] = 0;
		if (show[i])
			used += 1 + tcol(i)->width;
	}
	for (i = 0; i < 6 && w - used < 12; i++)
		if (show[drop[i]]) {
			show[drop[i]] = 0;
			used -= 1 + tcol(drop[i])->width;
		}
	return w - used > 1 ? w - used : 1;
}

static void
row_line(struct tview *t, struct tline_out *o, const struct snap_row *r,
    int y, int w, int selected, int site)
{
	const struct snap *s = t->last;
	struct tline l;
	const char *pn;
	char b[64];
	size_t pl;
	int show[8], keyw, i, m, st, at, cols;

	keyw = tlayout(t, w, show);
	tline_start(o, &l, y, w, selected ? TLINE_SEL : TLINE_NONE);
	pn = tview_panel_name(t, &pl);
	st = abook_state(&t->al, pn, pl, s->arena.p + r->key, r->keylen);
	tline_text(&l, st == 2 ? TLINE_ALERT : TLINE_NONE, st == 2 ? "! " :
	    st == 1 ? ". " : "  ");
	inert_key(&t->u, s->arena.p + r->key, r->keylen);
	at = st == 2 ? TLINE_ALERT : site ? TLINE_SITE : TLINE_NONE;
	cols = tline_textn(&l, at, t->u.p, t->u.len, keyw);
	tline_pad(&l, keyw - cols);
	for (i = 0; tcol(i)->name != NULL; i++) {
		if (!show[i])
			continue;
		m = tcol(i)->metric;
		at = TLINE_NONE;
		if (!(r->has & (1u << m)))
			snprintf(b, sizeof(b), "-");
		else if (m == M_RATE)
			tfmt_rate(b, sizeof(b), r->m[m]);
		else if (m == M_BYTES)
			tfmt_bytes(b, sizeof(b), r->m[m]);
		else if (m == M_P99)
			tfmt_secs(b, sizeof(b), r->m[m]);
		else
			tfmt_count(b, sizeof(b), r->m[m], tcol(i)->width);
		if ((m == M_4XX || m == M_5XX) && (r->has & (1u << m)) &&
		    r->m[m] > 0)
			at = m == M_4XX ? TLINE_4XX : TLINE_5XX;
		tline_right(&l, at, b, tcol(i)->width);
	}
	tline_end(&l);
}

/* the table in h lines (header, site, keys); returns the next line */
int
tlist_table(struct tview *t, struct tline_out *o, int y, int w, int h)
{
	const struct snap *s = t->last;
	const struct snap_panel *p = tview_panel(t);
	struct tline l;
	int show[8], keyw, i, j, cols, body;
	char b[32];

	if (h <= 0)
		return y;
	keyw = tlayout(t, w, show);
	tline_start(o, &l, y++, w, TLINE_NONE);
	tline_text(&l, TLINE_HEAD, "  ");
	if (t->have_last && p->keyhdr.len > 0) {
		inert_key(&t->u, s->arena.p + p->keyhdr.off, p->keyhdr.len);
		if (t->sort == TVIEW_S_KEY)
			inert_append(&t->u, "*", 1);
		cols = tline_textn(&l, t->sort == TVIEW_S_KEY ? TLINE_SORT :
		    TLINE_HEAD, t->u.p, t->u.len, keyw);
	} else
		cols = tline_textn(&l, TLINE_HEAD, "key", 3, keyw);
	tline_pad(&l, keyw - cols);
	for (i = 0; tcol(i)->name != NULL; i++)
		if (show[i]) {
			snprintf(b, sizeof(b), "%s%s", tcol(i)->sort == t->sort &&
			    !t->batch ? "*" : "", tcol(i)->name);
			tline_right(&l, tcol(i)->sort == t->sort && !t->batch ?
			    TLINE_SORT : TLINE_HEAD, b, tcol(i)->width);
		}
	tline_end(&l);
	if (h == 1)
		return y;
	if (!t->have_last) {
		tline_start(o, &l, y++, w, TLINE_NONE);
		tline_text(&l, TLINE_DIM, t->batch ? "  (no snapshot)" :
		    "  (waiting for the first snapshot of omph-collect)");
		tline_end(&l);
		return y;
	}
	if (p->site)
		row_line(t, o, &p->srow, y++, w, t->sel == 0 && !t->batch, 1);
	body = t->batch ? (int)t->norder : h - 1 - p->site;
	if (body < 0)
		body = 0;
	t->body = body;
	/* scroll so that the selection shows */
	if (t->sel >= 1) {
		if (t->sel - 1 < t->top)
			t->top = t->sel - 1;
		if (t->sel - 1 >= t->top + body)
			t->top = t->sel - body;
	}
	if (t->top > (int)t->norder - body)
		t->top = (int)t->norder - body;
	if (t->top < 0 || t->batch)
		t->top = 0;
	for (i = 0; i < body; i++) {
		j = t->top + i;
		if (j < (int)t->norder)
			row_line(t, o, &s->rows[p->row0 + t->order[j]], y, w,
			    t->sel == j + 1 && !t->batch, 0);
		else if (i == 0 && t->filterlen > 0) {
			tline_start(o, &l, y, w, TLINE_NONE);
			tline_text(&l, TLINE_DIM, "  (no key matches the filter)");
			tline_end(&l);
		} else if (t->batch)
			break;
		y++;
	}
	if (t->batch && p->dropped > 0) {
		tline_start(o, &l, y++, w, TLINE_NONE);
		tline_fmt(&l, TLINE_DIM, "  (%zu more rows not kept)", p->dropped);
		tline_end(&l);
	}
	return y;
}

/* the #sender table: header and rows, columns aligned */
int
tlist_senders(struct tview *t, struct tline_out *o, int y, int w, int h)
{
	const struct snap *s = t->last;
	const struct snap_xline *x;
	struct tline l;
	char *f[12];
	size_t fl[12], i, nrow;
	int width[12], n, c, k, cols, fit, x0;

	if (h <= 0)
		return y;
	nrow = (size_t)h - 1 < s->nsnd ? (size_t)h - 1 : s->nsnd;
	for (c = 0; c < 12; c++)
		width[c] = 0;
	/* measure: the header and the rows shown */
	for (i = 0; i <= nrow; i++) {
		x = i == 0 ? &s->shdr : &s->snd[i - 1];
		/* rec_split only reads; the arena stays as it is */
		n = rec_split(s->arena.p + x->off, x->len, f, fl, 12);
		for (c = 0; c < n && c < 12; c++) {
			inert_unescape(&t->u, f[c], fl[c]);
			t->c.len = 0;
			k = inert_clean(&t->c, t->u.p, t->u.len, 30, t->utf8);
			if (k > width[c])
				width[c] = k;
		}
	}
	/* the columns that fit whole; the first is cut if need be */
	for (fit = 1, x0 = width[0]; fit < 12 && x0 + 2 + width[fit] <= w; fit++)
		x0 += 2 + width[fit];
	for (i = 0; i <= nrow; i++) {
		x = i == 0 ? &s->shdr : &s->snd[i - 1];
		tline_start(o, &l, y++, w, TLINE_NONE);
		n = rec_split(s->arena.p + x->off, x->len, f, fl, 12);
		if (n > fit)
			n = fit;
		for (c = 0; c < n && c < 12; c++) {
			if (c > 0)
				tline_pad(&l, 2);
			cols = tline_val(&l, i == 0 ? TLINE_HEAD : TLINE_NONE, f[c],
			    fl[c], 30, &t->u);
			if (c + 1 < n && c + 1 < 12)
				tline_pad(&l, width[c] - cols);
		}
		tline_end(&l);
	}
	if (t->batch && s->nsnd > nrow) {
		tline_start(o, &l, y++, w, TLINE_NONE);
		tline_fmt(&l, TLINE_DIM, "(%zu more senders)", s->nsnd - nrow);
		tline_end(&l);
	}
	return y;
}

/* alerts: active ones first, then cleared, then resolved; newest first */
static int
cmp_alerts(const void *x, const void *y, void *arg)
{
	const struct abook_alert *as = arg;
	const struct abook_alert *a = &as[*(const size_t *)x];
	const struct abook_alert *b = &as[*(const size_t *)y];
	int ka = a->active ? (a->ack ? 1 : 0) : 2;
	int kb = b->active ? (b->ack ? 1 : 0) : 2;

	if (ka != kb)
		return ka - kb;
	return a->changed < b->changed ? 1 : a->changed > b->changed ? -1 : 0;
}

int
tlist_alerts(struct tview *t, struct tline_out *o, int y, int w, int h)
{
	const struct abook *al = &t->al;
	const struct abook_alert *a;
	struct tline_fields fs;
	struct tline l;
	size_t idx[TVIEW_ALERTS], i, n, nact = 0, sk = 0, tl;
	const char *sel, *tm, *pn;
	char b[64];
	size_t pl;
	int at;

	if (h <= 0)
		return y;
	pn = tview_panel_name(t, &pl);
	for (i = 0; i < al->n; i++) {
		idx[i] = i;
		nact += al->a[i].active;
	}
	qsort_r(idx, al->n, sizeof(*idx), cmp_alerts, al->a);
	n = t->batch ? al->n : (size_t)h - 1 < al->n ? (size_t)h - 1 : al->n;
	tline_start(o, &l, y++, w, TLINE_NONE);
	tline_fstart(o, &fs);
	if (al->n == 0)
		tline_fadd(&fs, 0, TLINE_HEAD, "", "alerts: none");
	else {
		tline_fadd(&fs, 0, TLINE_HEAD, "", "alerts: %zu active, %zu resolved",
		    nact, al->n - nact);
		if (n < al->n)
			tline_fadd(&fs, 1, TLINE_HEAD, " ", "(%zu not shown)", al->n - n);
		if (!t->batch)
			tline_fadd(&fs, 2, TLINE_DIM, "  ", "c clears the selected "
			    "key's, C all");
	}
	tline_fput(&l, &fs);
	tline_end(&l);
	sel = t->batch ? NULL : tview_selected(t, &sk);
	for (i = 0; i < n; i++) {
		a = &al->a[idx[i]];
		at = a->active ? (a->ack ? TLINE_ACK : TLINE_ALERT) : TLINE_DIM;
		tline_start(o, &l, y++, w, TLINE_NONE);
		tline_fstart(o, &fs);
		tline_fadd(&fs, 0, TLINE_NONE, "", sel != NULL && abook_is(a, pn, pl,
		    sel, sk) ? "> " : "  ");
		tline_fadd(&fs, TLINE_GLUE, at, "", "%-9s", a->active ? (a->ack ?
		    "cleared" : "ACTIVE") : "resolved");
		/* when it was raised, and resolved: the records' times */
		tm = tfmt_short_time(a->since, &tl);
		inert_unescape(&t->u, tm, tl > 20 ? 20 : tl);
		tline_faddn(&fs, 2, TLINE_NONE, "", tl == 0 ? "?" : t->u.p,
		    tl == 0 ? 1 : t->u.len);
		if (!a->active) {
			tm = tfmt_short_time(a->until, &tl);
			inert_unescape(&t->u, tm, tl > 20 ? 20 : tl);
			tline_fadd(&fs, TLINE_GLUE, TLINE_NONE, "", "-");
			tline_faddn(&fs, TLINE_GLUE, TLINE_NONE, "", t->u.p, t->u.len);
		}
		inert_unescape(&t->u, a->rule, a->rulelen);
		tline_faddn(&fs, 1, at, "  ", t->u.p, t->u.len);
		if (a->has) {
			tfmt_num(b, sizeof(b), a->value);
			tline_fadd(&fs, TLINE_GLUE, TLINE_NONE, "", " = %s", b);
		}
		/* a key of a panel but the first: "NAME: key" */
		inert_key(&t->c, a->key, a->keylen);
		t->u.len = 0;
		if (!a->first && a->panellen > 0) {
			inert_unescape(&t->u, a->panel, a->panellen);
			inert_append(&t->u, ": ", 2);
		}
		inert_append(&t->u, t->c.p, t->c.len);
		tline_faddn(&fs, 0, TLINE_NONE, "  ", t->u.p, t->u.len);
		tline_fput(&l, &fs);
		tline_end(&l);
	}
	return y;
}

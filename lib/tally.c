/* tally: omph-collect's panels, alerts and snapshots (lib/tally.h) */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "out.h"
#include "prom.h"
#include "tally.h"

static void on_drop(void *, struct agg_key *);

void
tally_init(struct tally *t, const struct tally_opts *o)
{
	memset(t, 0, sizeof(*t));
	t->o = *o;
}

int
tally_panel(struct tally *t, const char *name, const char *const *keys,
    int nkeys, int k0, size_t top, size_t max_keys)
{
	struct tally_panel *pn;

	if (t->npan == TALLY_MAXPANELS) {
		errno = EINVAL;
		return -1;
	}
	pn = &t->pan[t->npan];
	memset(pn, 0, sizeof(*pn));
	if (agg_init(&pn->a, max_keys, t->o.window) == -1)
		return -1;
	pn->name = name;
	pn->keys = keys;
	pn->nkeys = nkeys;
	pn->k0 = k0;
	pn->top = top;
	pn->max_keys = max_keys;
	pn->t = t;
	pn->i = t->npan++;
	pn->a.drop = on_drop;
	pn->a.droparg = pn;
	return 0;
}

void
tally_free(struct tally *t)
{
	int i;

	for (i = 0; i < t->npan; i++) {
		agg_free(&t->pan[i].a);
		free(t->pan[i].sorted);
	}
	while (t->nev > 0)
		free(t->ev[--t->nev].key);
	free(t->ev);
	free(t->act);
	free(t->keybuf);
	snap_wr_free(&t->w);
	t->npan = 0;
	t->ev = NULL;
	t->act = NULL;
	t->keybuf = NULL;
}

int
tally_add(struct tally *t, char *const *f, const size_t *fl, const int *col,
    int64_t sec, int status, uint64_t bytes, int64_t dur_us,
    const uint64_t *client)
{
	const struct tally_panel *pn;
	size_t klen, need;
	char *kb;
	int i, j, rv;

	for (i = 0; i < t->npan; i++) {
		pn = &t->pan[i];
		if (pn->nkeys == 1) {
			/* one field: the key is the field itself, not copied */
			j = col[pn->k0];
			if ((rv = agg_add(&t->pan[i].a, j >= 0 ? f[j] : "\\N",
			    j >= 0 ? fl[j] : 2, sec, status, bytes, dur_us,
			    client)) == -1)
				return -1;
			continue;
		}
		need = (size_t)pn->nkeys;
		for (j = pn->k0; j < pn->k0 + pn->nkeys; j++)
			need += col[j] >= 0 ? fl[col[j]] : 2;
		if (need > t->keycap) {
			if ((kb = realloc(t->keybuf, need * 2)) == NULL)
				return -1;
			t->keybuf = kb;
			t->keycap = need * 2;
		}
		klen = 0;
		for (j = pn->k0; j < pn->k0 + pn->nkeys; j++) {
			if (j > pn->k0)
				t->keybuf[klen++] = '\t';
			if (col[j] >= 0) {
				memcpy(t->keybuf + klen, f[col[j]], fl[col[j]]);
				klen += fl[col[j]];
			} else {
				memcpy(t->keybuf + klen, "\\N", 2);
				klen += 2;
			}
		}
		/* late for one is late for all: the windows move together */
		if ((rv = agg_add(&t->pan[i].a, t->keybuf, klen, sec, status,
		    bytes, dur_us, client)) == -1)
			return -1;
	}
	return t->npan > 0 ? rv : 0;
}

void
tally_advance(struct tally *t, int64_t now)
{
	int i;

	for (i = 0; i < t->npan; i++)
		agg_advance(&t->pan[i].a, now);
}

double
tally_span(const struct tally *t, int64_t now)
{
	const struct agg *a = &t->pan[0].a;

	if (t->o.window > 0)
		return t->o.window;
	if (a->first == INT64_MIN || a->newest == INT64_MIN)
		return (double)(now - t->started + 1);
	return (double)(a->newest - a->first + 1);
}

/* rule raised or resolved for key k of panel pn, or the site (k NULL) */
static int
add_event(struct tally *t, int raise, int rule, const struct tally_panel *pn,
    const struct agg_key *k, int metric, int64_t at, double span)
{
	struct alert_event *e;

	if (out_grow(&t->ev, &t->evcap, t->nev + 1, sizeof(*e), 16) == -1)
		return -1;
	e = &t->ev[t->nev];
	e->raise = raise;
	e->rule = rule;
	e->panel = k != NULL ? pn->i : 0;
	e->value = alert_value(k != NULL ? k : &t->pan[0].a.total, metric,
	    span, &e->present);
	e->at = at;
	e->key = NULL;
	e->keylen = 0;
	if (k != NULL) {
		if ((e->key = malloc(k->len ? k->len : 1)) == NULL)
			return -1;
		memcpy(e->key, k->key, k->len);
		e->keylen = k->len;
	}
	t->nev++;
	t->events++;
	return 0;
}

/* rule r became active for key k (slot s of panel pn) at time at */
static int
activate(struct tally *t, const struct tally_panel *pn,
    const struct agg_key *k, uint32_t s, int r, int64_t at)
{
	struct alert_active *a;

	if (out_grow(&t->act, &t->actcap, t->nact + 1, sizeof(*a), 16) == -1)
		return -1;
	a = &t->act[t->nact++];
	a->panel = (uint32_t)pn->i;
	a->slot = s;
	a->gen = k->gen;
	a->rule = r;
	a->since = at;
	return 0;
}

/* rule r (-1: every rule) no longer holds for the key in slot s of pn */
static void
deactivate(struct tally *t, const struct tally_panel *pn, uint32_t s,
    uint32_t gen, int r)
{
	size_t i, n = 0;

	for (i = 0; i < t->nact; i++)
		if (t->act[i].panel != (uint32_t)pn->i ||
		    t->act[i].slot != s || t->act[i].gen != gen ||
		    (r >= 0 && t->act[i].rule != r))
			t->act[n++] = t->act[i];
	t->nact = n;
}

/*
 * A key leaves (expired or evicted): its alerts resolve.  Memory for the
 * event may run out here, inside agg: the event is then lost, the alert
 * resolved all the same (agg's callback cannot fail).
 */
static void
on_drop(void *arg, struct agg_key *k)
{
	struct tally_panel *pn = arg;
	struct tally *t = pn->t;
	int i;

	if (k->alerts == 0)
		return;
	for (i = 0; i < t->o.nrules; i++)
		if (k->alerts & (1ULL << i))
			(void)add_event(t, 0, i, pn, k, t->o.rules[i].metric,
			    pn->a.newest, tally_span(t, t->now));
	deactivate(t, pn, (uint32_t)(k - pn->a.keys), k->gen, -1);
	k->alerts = 0;
}

/* raise and resolve alerts: per key and for the site */
static int
evaluate(struct tally *t, int64_t at, double sp)
{
	const struct tally_opts *o = &t->o;
	struct tally_panel *pn;
	struct agg_key *k;
	size_t i;
	int p, r, holds;

	for (p = 0; o->nrules > 0 && p < t->npan; p++) {
		pn = &t->pan[p];
		for (i = 0; i < pn->a.hi; i++) {
			k = &pn->a.keys[i];
			if (!k->used)
				continue;
			for (r = 0; r < o->nrules; r++) {
				holds = k->c.hits >= o->min_hits &&
				    alert_holds(&o->rules[r], k, sp);
				if (holds == !!(k->alerts & (1ULL << r)))
					continue;
				if (add_event(t, holds, r, pn, k,
				    o->rules[r].metric, at, sp) == -1 ||
				    (holds && activate(t, pn, k, (uint32_t)i, r,
				    at) == -1))
					return -1;
				if (!holds)
					deactivate(t, pn, (uint32_t)i, k->gen, r);
				k->alerts ^= 1ULL << r;
			}
		}
	}
	for (r = 0; r < o->ntrules; r++) {
		holds = alert_holds(&o->trules[r], &t->pan[0].a.total, sp);
		if (holds == !!(t->site_alerts & (1ULL << r)))
			continue;
		if (add_event(t, holds, o->nrules + r, NULL, NULL,
		    o->trules[r].metric, at, sp) == -1)
			return -1;
		t->site_alerts ^= 1ULL << r;
		if (holds)
			t->since[r] = at;
	}
	return 0;
}

/* highest first by the sort metric (absent last), then shorter, then bytes */
static int
cmp_keys(const void *x, const void *y, void *arg)
{
	const struct agg_key *a = *(const struct agg_key *const *)x;
	const struct agg_key *b = *(const struct agg_key *const *)y;
	int sort = *(const int *)arg, pa, pb;
	double va = alert_value(a, sort, 1, &pa);
	double vb = alert_value(b, sort, 1, &pb);

	if (pa != pb)
		return pb - pa;
	if (va != vb)
		return va < vb ? 1 : -1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->key, b->key, a->len);
}

int
tally_report(struct tally *t, int64_t at, int64_t now)
{
	struct tally_panel *pn;
	size_t i, n;
	int p;

	t->now = now;
	for (p = 0; p < t->npan; p++)
		agg_visitors(&t->pan[p].a);
	if (evaluate(t, at, tally_span(t, now)) == -1)
		return -1;
	for (p = 0; p < t->npan; p++) {
		pn = &t->pan[p];
		if (pn->sortcap < pn->a.cap) {
			free(pn->sorted);
			pn->sortcap = 0;
			if ((pn->sorted = malloc(pn->a.cap *
			    sizeof(*pn->sorted))) == NULL)
				return -1;
			pn->sortcap = pn->a.cap;
		}
		for (i = n = 0; i < pn->a.hi; i++)
			if (pn->a.keys[i].used)
				pn->sorted[n++] = &pn->a.keys[i];
		if (n > 1)
			qsort_r(pn->sorted, n, sizeof(*pn->sorted), cmp_keys,
			    &t->o.sort);
		pn->nsorted = n < pn->top ? n : pn->top;
	}
	return 0;
}

/* write keys and events of panel pn from now on */
static void
wr_panel(struct tally *t, const struct tally_panel *pn)
{
	t->w.keys = pn->keys;
	t->w.nkeys = pn->nkeys;
	t->w.panel = t->npan > 1 ? pn->name : NULL;
}

/* a key row, the site's (every key field "*" or null) when site is set */
static void
put_row(struct tally *t, const struct agg_key *k, int site, double sp)
{
	double v[M_N];
	int present[M_N];

	alert_values(k, sp, v, present);
	snap_put_row(&t->w, site ? NULL : k->key, k->len, v, present);
}

static void
put_event(struct tally *t, const char *what, int rule, const char *key,
    size_t keylen, double value, int present, int64_t at)
{
	const struct tally_opts *o = &t->o;

	snap_put_event(&t->w, what, rule < o->nrules ? o->rules[rule].text :
	    o->trules[rule - o->nrules].text, key, keylen, value, present, at);
}

/* a panel's site row and top rows: tsv lines, or JSON "total" and "top" */
static void
put_rows(struct tally *t, const struct tally_panel *pn, double sp)
{
	struct out *o = t->w.o;
	size_t i;

	if (t->w.json)
		out_puts(o, "\"total\":");
	put_row(t, &pn->a.total, 1, sp);
	if (t->w.json)
		out_puts(o, ",\"top\":[");
	for (i = 0; i < pn->nsorted; i++) {
		if (t->w.json && i > 0)
			out_putc(o, ',');
		put_row(t, pn->sorted[i], 0, sp);
	}
	if (t->w.json)
		out_putc(o, ']');
}

/*
 * The events of panel p (-1: of all) since the last snapshot, then the
 * alerts active now: the site's (with panel 0), then the keys' in raise
 * order; JSON "events":[...],SENDERS"active":[...] when p is -1.
 */
static void
put_events(struct tally *t, int p, double sp,
    void (*senders)(void *, struct snap_wr *, struct out *), void *arg)
{
	struct out *o = t->w.o;
	const struct alert_event *e;
	const struct alert_active *ac;
	const struct agg_key *k;
	double v;
	size_t i;
	int r, first = 1, present;

	if (t->w.json)
		out_puts(o, "\"events\":[");
	for (i = 0; i < t->nev; i++) {
		e = &t->ev[i];
		if (p >= 0 && e->panel != p)
			continue;
		if (t->w.json && !first)
			out_putc(o, ',');
		first = 0;
		wr_panel(t, &t->pan[e->panel]);
		put_event(t, e->raise ? "raise" : "resolve", e->rule, e->key,
		    e->keylen, e->value, e->present, e->at);
	}
	if (t->w.json) {
		out_puts(o, "],");
		if (senders != NULL)
			senders(arg, &t->w, o);
		out_puts(o, "\"active\":[");
	}
	first = 1;
	wr_panel(t, &t->pan[0]);
	for (r = 0; p <= 0 && r < t->o.ntrules; r++)
		if (t->site_alerts & (1ULL << r)) {
			if (t->w.json && !first)
				out_putc(o, ',');
			first = 0;
			v = alert_value(&t->pan[0].a.total,
			    t->o.trules[r].metric, sp, &present);
			put_event(t, "active", t->o.nrules + r, NULL, 0, v,
			    present, t->since[r]);
		}
	for (i = 0; i < t->nact; i++) {
		ac = &t->act[i];
		if (p >= 0 && ac->panel != (uint32_t)p)
			continue;
		k = &t->pan[ac->panel].a.keys[ac->slot];
		if (t->w.json && !first)
			out_putc(o, ',');
		first = 0;
		wr_panel(t, &t->pan[ac->panel]);
		v = alert_value(k, t->o.rules[ac->rule].metric, sp, &present);
		put_event(t, "active", ac->rule, k->key, k->len, v, present,
		    ac->since);
	}
	if (t->w.json)
		out_putc(o, ']');
}

void
tally_put(struct tally *t, struct out *o, int json, const struct snap_head *h,
    int64_t now, void (*senders)(void *, struct snap_wr *, struct out *),
    void *arg)
{
	const struct tally_panel *pn;
	double sp = tally_span(t, now);
	int p;

	t->w.o = o;
	t->w.json = json;
	wr_panel(t, &t->pan[0]);
	snap_put_head(&t->w, h);
	if (json) {
		put_rows(t, &t->pan[0], sp);
		out_putc(o, ',');
		if (t->npan > 1) {
			out_puts(o, "\"panels\":[");
			for (p = 0; p < t->npan; p++) {
				pn = &t->pan[p];
				wr_panel(t, pn);
				if (p > 0)
					out_putc(o, ',');
				snap_put_panel(&t->w, pn->name, pn->a.n,
				    pn->a.evicted);
				put_rows(t, pn, sp);
				out_putc(o, '}');
			}
			out_puts(o, "],");
		}
		put_events(t, -1, sp, senders, arg);
		out_puts(o, "}\n");
		return;
	}
	for (p = 0; p < t->npan; p++) {
		pn = &t->pan[p];
		wr_panel(t, pn);
		if (t->npan > 1)
			snap_put_panel(&t->w, pn->name, pn->a.n, pn->a.evicted);
		snap_put_table_head(&t->w);
		put_rows(t, pn, sp);
		snap_put_event_head(&t->w);
		put_events(t, p, sp, NULL, NULL);
	}
	if (senders != NULL)
		senders(arg, &t->w, o);
	out_puts(o, "#end\n");
}

void
tally_written(struct tally *t)
{
	t->events += t->nev;
	while (t->nev > 0)
		free(t->ev[--t->nev].key);
}

struct agg *const *
tally_aggs(struct tally *t)
{
	static struct agg *a[TALLY_MAXPANELS];
	int i;

	for (i = 0; i < t->npan; i++)
		a[i] = &t->pan[i].a;
	return a;
}

uint64_t
tally_mark(const struct tally *t)
{
	uint64_t ev = 0;
	int i;

	if (t->npan == 0)
		return t->events;
	for (i = 0; i < t->npan; i++)
		ev += t->pan[i].a.evicted;
	return t->events + t->pan[0].a.records + t->pan[0].a.late + ev +
	    (uint64_t)t->pan[0].a.newest;
}


void
tally_metrics(const struct tally *t, struct out *o)
{
	static const char *const cls[] = { "2xx", "3xx", "4xx", "5xx" };
	const struct agg *a = &t->pan[0].a;
	struct prom_label l;
	double le[AGG_LE];
	int i;

	prom_counter(o, "omph_records_total", "Records counted.", a->cum.hits);
	prom_counter(o, "omph_bytes_total", "Sum of the bytes column of the "
	    "records counted.", a->cum.bytes);
	prom_family(o, "omph_responses_total", "counter", "Records counted by "
	    "status class.");
	l.name = "class";
	for (i = 0; i < 4; i++) {
		l.val = cls[i];
		l.vlen = 3;
		prom_u64(o, "omph_responses_total", &l, 1, a->cum.cls[i]);
	}
	prom_counter(o, "omph_late_records_total", "Records older than the "
	    "window, not counted.", a->late);
	/* per panel: its name (the -k as given) is the label */
	l.name = "panel";
	prom_family(o, "omph_evicted_keys_total", "counter", "Keys taken out of "
	    "the panel's full table.");
	for (i = 0; i < t->npan; i++) {
		l.val = t->pan[i].name;
		l.vlen = strlen(l.val);
		prom_u64(o, "omph_evicted_keys_total", &l, 1, t->pan[i].a.evicted);
	}
	prom_family(o, "omph_keys", "gauge", "Keys in the panel's table now.");
	for (i = 0; i < t->npan; i++) {
		l.val = t->pan[i].name;
		l.vlen = strlen(l.val);
		prom_u64(o, "omph_keys", &l, 1, t->pan[i].a.n);
	}
	if (a->total.v.p != 0) {
		prom_family(o, "omph_visitors", "gauge", "Distinct clients of "
		    "the site over the window or all input, estimated (1.6 %).");
		prom_u64(o, "omph_visitors", NULL, 0,
		    (uint64_t)(a->total.vis + 0.5));
	}
	prom_family(o, "omph_alerts_active", "gauge", "Alerts that hold now.");
	prom_u64(o, "omph_alerts_active", NULL, 0, (uint64_t)t->nact +
	    (uint64_t)__builtin_popcountll(t->site_alerts));
	for (i = 0; i < AGG_LE; i++)
		le[i] = (double)agg_le_us[i] / 1e6;
	prom_family(o, "omph_duration_seconds", "histogram", "The duration "
	    "column of the records counted, in seconds.");
	prom_hist(o, "omph_duration_seconds", le, a->cum.le, AGG_LE,
	    (double)a->cum.dur_us / 1e6);
}

int
tally_rows(const struct tally *t, int64_t now,
    int (*row)(void *, const struct tally_panel *, const struct agg_key *,
    const double *, const int *), void *arg)
{
	const struct tally_panel *pn;
	const struct agg_key *k;
	double sp = tally_span(t, now), v[M_N];
	int p, present[M_N];
	size_t r;

	for (p = 0; p < t->npan; p++) {
		pn = &t->pan[p];
		for (r = 0; r <= pn->nsorted; r++) {
			k = r == 0 ? &pn->a.total : pn->sorted[r - 1];
			alert_values(k, sp, v, present);
			if (row(arg, pn, r == 0 ? NULL : k, v, present) == -1)
				return -1;
		}
	}
	return 0;
}

void
tally_ck_get(const struct tally *t, struct ckpt_coll *c)
{
	c->started = t->started;
	c->site_alerts = t->site_alerts;
	memcpy(c->since, t->since, sizeof(t->since));
	c->act = t->act;
	c->nact = t->nact;
	c->ev = t->ev;
	c->nev = t->nev;
}

void
tally_ck_set(struct tally *t, const struct ckpt_coll *c)
{
	t->started = c->started;
	t->site_alerts = c->site_alerts;
	memcpy(t->since, c->since, sizeof(t->since));
	free(t->act);
	t->act = c->act;
	t->nact = t->actcap = c->nact;
	free(t->ev);
	t->ev = c->ev;
	t->nev = t->evcap = c->nev;
}

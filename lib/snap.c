#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>		/* isfinite, a macro: no libm */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr.h"
#include "out.h"
#include "rec.h"
#include "snap.h"
#include "tm.h"

void
snap_free(struct snap *s)
{
	out_buf_free(&s->arena);
	free(s->rows);
	free(s->ev);
	free(s->snd);
}

/* empty s for a new snapshot; its memory is kept for reuse */
void
snap_reset(struct snap *s)
{
	s->arena.len = 0;
	s->time[0] = '\0';
	s->window = s->final = 0;
	s->records = s->late = s->bad = s->evicted = s->keys = 0;
	s->extra.len = 0;
	s->npanels = s->named = 0;
	s->nrows = s->nev = s->evdropped = s->nsnd = 0;
	s->sender = 0;
	s->shdr.len = 0;
	s->nomem = 0;
}

/* copy p[0..n) into the arena of s; returns its offset */
static size_t
keep(struct snap *s, const char *p, size_t n)
{
	struct out_buf *b = &s->arena;
	size_t off = b->len;

	if (out_buf_reserve(b, n + 1) == -1 || out_buf_add(b, p, n) == -1) {
		s->nomem = 1;
		return 0;
	}
	return off;
}

/* an array *p of *cap elements of size sz holding at least n; 0 or -1 */
static int
grow(struct snap *s, void *pp, size_t *cap, size_t n, size_t sz)
{
	if (out_grow(pp, cap, n, sz, 16) == -1) {
		s->nomem = 1;
		return -1;
	}
	return 0;
}

void
snap_time(char *dst, const char *p, size_t n)
{
	if (n >= SNAP_TIMEMAX)
		n = SNAP_TIMEMAX - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

uint64_t
snap_u64(const char *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 19)
		return 0;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	return v;
}

/* a metric: 1 with *v when p[0..n) is a finite number, 0 if absent */
static int
number(const char *p, size_t n, double *v)
{
	char b[64], *e;

	if (n == 0 || n >= sizeof(b) || (n == 2 && p[0] == '\\' && p[1] == 'N'))
		return 0;
	memcpy(b, p, n);
	b[n] = '\0';
	*v = strtod(b, &e);
	return e == b + n && isfinite(*v);
}

static int
is(const char *p, size_t n, const char *word)
{
	size_t wl = strlen(word);

	return n >= wl && memcmp(p, word, wl) == 0 && (n == wl || p[wl] == '\t');
}

/* the #snapshot line: its name=value fields; others are kept as text */
static void
snap_line(struct snap *s, char *p, size_t len)
{
	char *f[64];
	size_t fl[64];
	int n, i;

#define KV(name) (fl[i] >= sizeof(name) - 1 && \
	memcmp(f[i], name, sizeof(name) - 1) == 0)
#define VAL(name) snap_u64(f[i] + sizeof(name) - 1, fl[i] - (sizeof(name) - 1))
	n = rec_split(p, len, f, fl, 64);
	if (n > 64)
		n = 64;
	for (i = 1; i < n; i++) {
		if (KV("time="))
			snap_time(s->time, f[i] + 5, fl[i] - 5);
		else if (KV("window="))
			s->window = (int)(VAL("window=") > INT_MAX ? INT_MAX :
			    VAL("window="));
		else if (KV("final="))
			s->final = VAL("final=") != 0;
		else if (KV("records="))
			s->records = VAL("records=");
		else if (KV("late="))
			s->late = VAL("late=");
		else if (KV("bad="))
			s->bad = VAL("bad=");
		else if (KV("evicted="))
			s->evicted = VAL("evicted=");
		else if (KV("keys="))
			s->keys = VAL("keys=");
		else if (memchr(f[i], '=', fl[i]) != NULL &&
		    s->extra.len + fl[i] < 4096) {
			if (s->extra.len == 0)
				s->extra.off = keep(s, f[i], fl[i]);
			else {
				keep(s, "\t", 1);
				keep(s, f[i], fl[i]);
			}
			s->extra.len += (uint32_t)fl[i] + (s->extra.len ? 1 : 0);
		}
	}
#undef KV
#undef VAL
}

/*
 * A header line: 1 when it is a key table's (it has a hits column after at
 * least one key column), its columns then noted in ps and its key column
 * names in *off, *klen.
 */
static int
table_header(struct snap_rd *ps, struct snap *s, char *p, size_t len,
    size_t *off, uint32_t *klen)
{
	char *f[REC_MAXF];
	size_t fl[REC_MAXF];
	int n, i, m, hits = -1;

	n = rec_split(p + 1, len - 1, f, fl, REC_MAXF);
	if (n > REC_MAXF)
		n = REC_MAXF;
	for (i = 0; i < n && hits < 0; i++)
		if (fl[i] == 4 && memcmp(f[i], "hits", 4) == 0)
			hits = i;
	if (hits < 1)
		return 0;
	ps->nkey = hits;
	for (m = 0; m < M_N; m++)
		ps->col[m] = -1;
	for (i = hits; i < n; i++)
		if ((m = alert_metric(f[i], fl[i])) >= 0 && ps->col[m] < 0)
			ps->col[m] = i;
	*klen = (uint32_t)(f[hits - 1] + fl[hits - 1] - f[0]);
	*off = keep(s, f[0], *klen);
	return 1;
}

/* a #panel line that got no table: dropped */
static void
panel_end(struct snap_rd *ps, struct snap *s)
{
	if (s->npanels > 0 && !s->panel[s->npanels - 1].table) {
		s->npanels--;
		ps->ignored++;
	}
}

/* a #panel line: the next table is a new panel's, if it is well formed */
static void
panel_line(struct snap_rd *ps, struct snap *s, char *p, size_t len)
{
	char *f[8];
	size_t fl[8], nl = 0;
	const char *name = NULL;
	struct snap_panel *pn;
	uint64_t keys = 0;
	int n, i;

	panel_end(ps, s);
	if (!s->named) {
		s->named = 1;
		if (s->npanels > 0) {
			/* a table without its #panel line: dropped whole */
			ps->ignored++;
			s->npanels = 0;
			s->nrows = s->nev = 0;
		}
	}
	ps->panel = -1;
	ps->state = SNAP_P_OTHER;
	n = rec_split(p, len, f, fl, 8);
	if (n > 8)
		n = 8;
	for (i = 1; i < n; i++)
		if (fl[i] >= 5 && memcmp(f[i], "name=", 5) == 0 && name == NULL) {
			name = f[i] + 5;
			nl = fl[i] - 5;
		} else if (fl[i] >= 5 && memcmp(f[i], "keys=", 5) == 0)
			keys = snap_u64(f[i] + 5, fl[i] - 5);
	if (name == NULL || nl == 0 || nl > 4096 ||
	    s->npanels == SNAP_PANELS) {
		ps->ignored++;
		return;
	}
	for (i = 0; i < s->npanels; i++)
		if (s->panel[i].name.len == nl &&
		    memcmp(s->arena.p + s->panel[i].name.off, name, nl) == 0) {
			ps->ignored++;	/* a name already read */
			return;
		}
	pn = &s->panel[s->npanels];
	memset(pn, 0, sizeof(*pn));
	pn->name.off = keep(s, name, nl);
	pn->name.len = (uint32_t)nl;
	pn->keys = keys;
	ps->panel = s->npanels++;
	ps->state = SNAP_P_HEAD;
}

/* a key table's header: its panel's, when one waits for it */
static void
key_table(struct snap_rd *ps, struct snap *s, size_t off, uint32_t klen)
{
	struct snap_panel *pn;

	if (ps->state == SNAP_P_HEAD && !s->named && s->npanels == 0) {
		pn = &s->panel[0];	/* the one table of the snapshot */
		memset(pn, 0, sizeof(*pn));
		pn->keys = s->keys;
		s->npanels = 1;
		ps->panel = 0;
	} else if (ps->state == SNAP_P_HEAD && s->named && ps->panel >= 0 &&
	    ps->panel == s->npanels - 1 && !s->panel[ps->panel].table)
		pn = &s->panel[ps->panel];
	else {
		/* a table without its #panel line, or not the first header */
		if (s->named || s->npanels > 0)
			ps->ignored++;
		ps->panel = -1;
		ps->state = SNAP_P_OTHER;
		return;
	}
	pn->table = 1;
	pn->keyhdr.off = off;
	pn->keyhdr.len = klen;
	pn->row0 = s->nrows;
	ps->state = SNAP_P_ROWS;
}

static void
table_row(struct snap_rd *ps, struct snap *s, char *p, size_t len)
{
	
	char *f[REC_MAXF];
	size_t fl[REC_MAXF], klen;
	struct snap_panel *pn = &s->panel[ps->panel];
	struct snap_row *r;
	int n, m, c;

	n = rec_split(p, len, f, fl, REC_MAXF);
	if (n > REC_MAXF)
		n = REC_MAXF;
	if (n < ps->nkey || len > UINT32_MAX) {
		ps->ignored++;
		return;
	}
	if (pn->site) {
		if (s->nrows == SNAP_ROWS) {
			pn->dropped++;
			return;
		}
		if (grow(s, &s->rows, &s->rowcap, s->nrows + 1,
		    sizeof(*s->rows)) == -1)
			return;
		r = &s->rows[s->nrows++];
		pn->nrows++;
	} else {
		r = &pn->srow;	/* the first row is the site's */
		pn->site = 1;
	}
	klen = (size_t)(f[ps->nkey - 1] + fl[ps->nkey - 1] - p);
	r->key = keep(s, p, klen);
	r->keylen = (uint32_t)klen;
	r->has = 0;
	for (m = 0; m < M_N; m++) {
		r->m[m] = 0;
		if ((c = ps->col[m]) >= 0 && c < n && number(f[c], fl[c], &r->m[m]))
			r->has |= 1u << m;
	}
}

static void
event_row(struct snap_rd *ps, struct snap *s, char *p, size_t len)
{
	char *f[4];
	size_t fl[4], klen = 0, koff;
	struct snap_ev *e;
	int n, kind;

	n = rec_split(p, len, f, fl, 4);
	if (n < 4 || len > UINT32_MAX) {
		ps->ignored++;
		return;
	}
	if (is(f[0], fl[0], "raise"))
		kind = SNAP_RAISE;
	else if (is(f[0], fl[0], "resolve"))
		kind = SNAP_RESOLVE;
	else if (is(f[0], fl[0], "active"))
		kind = SNAP_ACTIVE;
	else {
		ps->ignored++;
		return;
	}
	if (s->nev == SNAP_EVENTS) {
		s->evdropped++;
		return;
	}
	/* the key: every field after the time */
	koff = (size_t)(f[3] + fl[3] - p);
	if (koff < len) {
		koff++;
		klen = len - koff;
	}
	if (grow(s, &s->ev, &s->evcap, s->nev + 1, sizeof(*s->ev)) == -1)
		return;
	e = &s->ev[s->nev++];
	e->kind = kind;
	e->panel = ps->panel;
	e->rule = keep(s, f[1], fl[1]);
	e->rulelen = (uint32_t)fl[1];
	e->key = keep(s, p + koff, klen);
	e->keylen = (uint32_t)klen;
	snap_time(e->at, f[3], fl[3]);
	e->has = number(f[2], fl[2], &e->value);
}

void
snap_rd_reset(struct snap_rd *ps)
{
	if (ps->state != SNAP_P_NONE)
		ps->broken++;
	ps->state = SNAP_P_NONE;
}

int
snap_feed(struct snap_rd *ps, struct snap *s, char *p, size_t len, int flags)
{
	struct snap_xline *x;
	size_t off;
	uint32_t klen;

	if (flags & LR_CUT) {
		ps->ignored++;
		return 0;
	}
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len == 0)
		return 0;
	if (p[0] == '#') {
		if (is(p, len, "#snapshot")) {
			snap_rd_reset(ps);
			snap_reset(s);
			snap_line(s, p, len);
			ps->state = SNAP_P_HEAD;
			ps->panel = 0;
		} else if (ps->state == SNAP_P_NONE)
			ps->ignored++;
		else if (is(p, len, "#end")) {
			panel_end(ps, s);
			ps->state = SNAP_P_NONE;
			if (s->nomem) {
				errno = ENOMEM;
				return -1;
			}
			return 1;
		}
		else if (is(p, len, "#panel"))
			panel_line(ps, s, p, len);
		else if (is(p, len, "#event"))
			/* a panel's once its table came (one table: any time) */
			ps->state = ps->panel >= 0 && (!s->named ||
			    s->panel[ps->panel].table) ? SNAP_P_EVENTS :
			    SNAP_P_OTHER;
		else if (is(p, len, "#sender") && !s->sender) {
			s->sender = 1;
			s->shdr.off = keep(s, p + 1, len - 1);
			s->shdr.len = (uint32_t)(len - 1 > UINT32_MAX ? 0 : len - 1);
			ps->state = SNAP_P_SENDER;
		} else if (len <= UINT32_MAX &&
		    table_header(ps, s, p, len, &off, &klen))
			key_table(ps, s, off, klen);
		else
			ps->state = SNAP_P_OTHER;	/* a table we do not know */
		return s->nomem ? -1 : 0;
	}
	switch (ps->state) {
	case SNAP_P_ROWS:
		table_row(ps, s, p, len);
		break;
	case SNAP_P_EVENTS:
		event_row(ps, s, p, len);
		break;
	case SNAP_P_SENDER:
		if (s->nsnd < SNAP_SENDERS && len <= UINT32_MAX) {
			if (grow(s, &s->snd, &s->sndcap, s->nsnd + 1,
			    sizeof(*s->snd)) == -1)
				break;
			x = &s->snd[s->nsnd++];
			x->off = keep(s, p, len);
			x->len = (uint32_t)len;
		}
		break;
	case SNAP_P_OTHER:
		break;
	default:
		ps->ignored++;
	}
	if (s->nomem) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}


/* ---- writing ---- */

void
snap_put_time(struct snap_wr *w, int64_t t)
{
	char iso[TM_ISOMAX];

	if (t == INT64_MIN) {
		out_puts(w->o, w->json ? "null" : "\\N");
		return;
	}
	if (w->json)
		out_putc(w->o, '"');
	out_write(w->o, iso, (size_t)tm_iso(t, iso));
	if (w->json)
		out_putc(w->o, '"');
}

void
snap_put_num(struct snap_wr *w, double v, int present, int integer)
{
	char buf[64];
	int n;

	if (!present) {
		out_puts(w->o, w->json ? "null" : "\\N");
		return;
	}
	n = snprintf(buf, sizeof(buf), integer ? "%.0f" : "%.6g", v);
	out_write(w->o, buf, (size_t)n);
}

/* the value p (n bytes, escaped as records are) as a JSON string or null */
static void
put_json_value(struct snap_wr *w, const char *p, size_t n)
{
	struct rec_val v;
	long k;

	w->scratch.len = 0;
	if (out_buf_reserve(&w->scratch, n + 1) == -1) {
		if (w->o->err == 0)
			w->o->err = ENOMEM;
		return;
	}
	memcpy(w->scratch.p, p, n);
	v.p = w->scratch.p;
	v.enc = REC_RAW;
	if ((k = rec_unescape(w->scratch.p, n)) < 0)
		v.enc = REC_ABSENT;
	v.len = k < 0 ? 0 : (uint32_t)k;
	rec_put_json(w->o, &v, 0);
}

void
snap_put_key(struct snap_wr *w, const char *key, size_t len)
{
	const char *p = key, *e = key + len, *t = NULL;
	int j;

	for (j = 0; j < w->nkeys; j++) {
		if (key != NULL)
			t = memchr(p, '\t', (size_t)(e - p));
		if (j > 0)
			out_putc(w->o, w->json ? ',' : '\t');
		if (w->json) {
			out_putc(w->o, '"');
			out_puts(w->o, w->keys[j]);
			out_write(w->o, "\":", 2);
		}
		if (key == NULL) {
			out_puts(w->o, w->json ? "null" : "*");
			continue;
		}
		if (w->json)
			put_json_value(w, p, (size_t)((t ? t : e) - p));
		else
			out_write(w->o, p, (size_t)((t ? t : e) - p));
		p = t ? t + 1 : e;
	}
}

void
snap_put_row(struct snap_wr *w, const char *key, size_t len, const double *v,
    const int *present)
{
	int m;

	if (w->json)
		out_putc(w->o, '{');
	snap_put_key(w, key, len);
	for (m = 0; m < M_N; m++) {
		out_putc(w->o, w->json ? ',' : '\t');
		if (w->json) {
			out_putc(w->o, '"');
			out_puts(w->o, alert_metric_names[m]);
			out_write(w->o, "\":", 2);
		}
		snap_put_num(w, v[m], present[m], m != M_RATE &&
		    m != M_4XX_RATIO && m != M_5XX_RATIO && m != M_P50 &&
		    m != M_P90 && m != M_P99);
	}
	out_puts(w->o, w->json ? "}" : "\n");
}

void
snap_put_event(struct snap_wr *w, const char *what, const char *rule,
    const char *key, size_t keylen, double value, int present, int64_t at)
{
	struct rec_val v;

	if (w->json) {
		out_write(w->o, "{\"event\":\"", 10);
		out_puts(w->o, what);
		out_write(w->o, "\",\"rule\":", 9);
		v.p = rule;
		v.len = (uint32_t)strlen(rule);
		v.enc = REC_RAW;
		rec_put_json(w->o, &v, 0);
		out_write(w->o, ",\"value\":", 9);
	} else {
		out_puts(w->o, what);
		out_putc(w->o, '\t');
		out_puts(w->o, rule);
		out_putc(w->o, '\t');
	}
	snap_put_num(w, value, present, 0);
	out_write(w->o, w->json ? ",\"time\":" : "\t", w->json ? 8 : 1);
	snap_put_time(w, at);
	if (w->json && w->panel != NULL) {
		out_write(w->o, ",\"panel\":", 9);
		v.p = w->panel;
		v.len = (uint32_t)strlen(w->panel);
		v.enc = REC_RAW;
		rec_put_json(w->o, &v, 0);
	}
	out_putc(w->o, w->json ? ',' : '\t');
	snap_put_key(w, key, keylen);
	out_puts(w->o, w->json ? "}" : "\n");
}

void
snap_put_head(struct snap_wr *w, const struct snap_head *h)
{
	struct out *o = w->o;
	char num[256];

	if (w->json) {
		out_write(o, "{\"time\":", 8);
		snap_put_time(w, h->time);
		snprintf(num, sizeof(num), ",\"window\":%d,\"final\":%s,"
		    "\"records\":%" PRIu64 ",\"late\":%" PRIu64 ",\"bad\":%" PRIu64
		    ",\"evicted\":%" PRIu64 ",\"keys\":%" PRIu64 ",", h->window,
		    h->final ? "true" : "false", h->records, h->late, h->bad,
		    h->evicted, h->keys);
		out_puts(o, num);
		if (h->listen) {
			snprintf(num, sizeof(num), "\"datagrams\":%" PRIu64
			    ",\"denied\":%" PRIu64 ",\"malformed\":%" PRIu64
			    ",\"refused\":%" PRIu64 ",\"conns\":%" PRIu64
			    ",\"shed\":%" PRIu64 ",\"timedout\":%" PRIu64
			    ",\"rcvbuf\":%d,", h->datagrams, h->denied,
			    h->malformed, h->refused, h->conns, h->shed,
			    h->timedout, h->rcvbuf);
			out_puts(o, num);
		}
		if (h->origins) {
			snprintf(num, sizeof(num), "\"dup\":%" PRIu64 ",\"gaps\":%"
			    PRIu64 ",\"gapbytes\":%" PRIu64 ",\"badorigin\":%"
			    PRIu64 ",\"streams\":%" PRIu64 ",\"forgotten\":%"
			    PRIu64 ",", h->dup, h->gaps, h->gapbytes,
			    h->badorigin, h->streams, h->forgotten);
			out_puts(o, num);
		}
		return;
	}
	out_puts(o, "#snapshot\ttime=");
	snap_put_time(w, h->time);
	snprintf(num, sizeof(num), "\twindow=%d\tfinal=%d\trecords=%" PRIu64
	    "\tlate=%" PRIu64 "\tbad=%" PRIu64 "\tevicted=%" PRIu64
	    "\tkeys=%" PRIu64, h->window, h->final, h->records, h->late,
	    h->bad, h->evicted, h->keys);
	out_puts(o, num);
	if (h->listen) {
		snprintf(num, sizeof(num), "\tsenders=%" PRIu64 "\tdatagrams=%"
		    PRIu64 "\tdenied=%" PRIu64 "\tmalformed=%" PRIu64
		    "\trefused=%" PRIu64 "\tconns=%" PRIu64 "\tshed=%" PRIu64
		    "\ttimedout=%" PRIu64 "\trcvbuf=%d", h->senders,
		    h->datagrams, h->denied, h->malformed, h->refused,
		    h->conns, h->shed, h->timedout, h->rcvbuf);
		out_puts(o, num);
	}
	if (h->origins) {
		snprintf(num, sizeof(num), "\tdup=%" PRIu64 "\tgaps=%"
		    PRIu64 "\tgapbytes=%" PRIu64 "\tbadorigin=%" PRIu64
		    "\tstreams=%" PRIu64 "\tforgotten=%" PRIu64, h->dup,
		    h->gaps, h->gapbytes, h->badorigin, h->streams,
		    h->forgotten);
		out_puts(o, num);
	}
	out_putc(o, '\n');
}

/* the names of w's key fields: TAB after each (tsv), or a JSON array */
static void
put_names(struct snap_wr *w, const char *sep)
{
	struct rec_val v;
	int j;

	if (w->json)
		out_putc(w->o, '[');
	for (j = 0; j < w->nkeys; j++) {
		if (w->json) {
			if (j > 0)
				out_putc(w->o, ',');
			v.p = w->keys[j];
			v.len = (uint32_t)strlen(v.p);
			v.enc = REC_RAW;
			rec_put_json(w->o, &v, 0);
		} else {
			out_puts(w->o, sep);
			out_puts(w->o, w->keys[j]);
		}
	}
	if (w->json)
		out_putc(w->o, ']');
}

void
snap_put_panel(struct snap_wr *w, const char *name, uint64_t keys,
    uint64_t evicted)
{
	struct rec_val v;
	char num[64];

	if (!w->json) {
		out_puts(w->o, "#panel\tname=");
		out_puts(w->o, name);
		snprintf(num, sizeof(num), "\tkeys=%" PRIu64 "\tevicted=%" PRIu64
		    "\n", keys, evicted);
		out_puts(w->o, num);
		return;
	}
	out_puts(w->o, "{\"name\":");
	v.p = name;
	v.len = (uint32_t)strlen(name);
	v.enc = REC_RAW;
	rec_put_json(w->o, &v, 0);
	out_puts(w->o, ",\"keys\":");
	put_names(w, NULL);
	snprintf(num, sizeof(num), ",\"count\":%" PRIu64 ",\"evicted\":%" PRIu64
	    ",", keys, evicted);
	out_puts(w->o, num);
}

void
snap_put_table_head(struct snap_wr *w)
{
	int m;

	out_putc(w->o, '#');
	for (m = 0; m < w->nkeys; m++) {
		out_puts(w->o, w->keys[m]);
		out_putc(w->o, '\t');
	}
	for (m = 0; m < M_N; m++) {
		out_puts(w->o, alert_metric_names[m]);
		out_putc(w->o, m + 1 < M_N ? '\t' : '\n');
	}
}

void
snap_put_event_head(struct snap_wr *w)
{
	out_puts(w->o, "#event\trule\tvalue\ttime");
	put_names(w, "\t");
	out_putc(w->o, '\n');
}

void
snap_wr_free(struct snap_wr *w)
{
	out_buf_free(&w->scratch);
}

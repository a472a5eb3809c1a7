#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "inert.h"
#include "rec.h"
#include "snap.h"
#include "tdraw.h"
#include "tfmt.h"
#include "tlist.h"
#include "tline.h"
#include "tview.h"

#define MINW 20			/* below this many columns or lines: one line */
#define MINH 3

/* what the input is doing, with the since clock, after its name */
static void
state_fields(const struct tview *t, struct tline_fields *fs, double now)
{
	const struct tview_in *in = &t->in;
	char age[32], hms[16];
	struct tm tm;

	tfmt_age(age, sizeof(age), now - tview_clock_base(t, now));
	hms[0] = '\0';
	if (localtime_r(&in->since_wall, &tm) != NULL)
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	switch (in->state) {
	case TVIEW_IN_LIVE:
		if (!t->have_last && !t->have_pend)
			tline_fadd(fs, TLINE_GLUE, TLINE_NONE, "", ": %s, waiting for the "
			    "first snapshot (%s)", in->net ? "connected" : "open",
			    age);
		else if (tview_clock_base(t, now) >= 0)
			tline_fadd(fs, TLINE_GLUE, TLINE_NONE, "", ": %s, no snapshot for %s",
			    in->net ? "connected" : "live", age);
		else
			tline_fadd(fs, TLINE_GLUE, TLINE_NONE, "", ": %s",
			    in->net ? "connected" : "live");
		return;
	case TVIEW_IN_ENDED:
		if (in->err != 0) {
			tline_fadd(fs, TLINE_GLUE, TLINE_NONE, "", ": read error at %s "
			    "(%s ago)", hms, age);
			tline_fadd(fs, 1, TLINE_NONE, ": ", "%s", strerror(in->err));
		} else
			tline_fadd(fs, TLINE_GLUE, TLINE_NONE, "", ": input ended at %s "
			    "(%s ago)", hms, age);
		return;
	case TVIEW_IN_CONNECTING:
		if (in->since_wall != 0)
			tline_fadd(fs, TLINE_GLUE, TLINE_NONE, "", ": down since %s (%s), "
			    "connecting", hms, age);
		else
			tline_fadd(fs, TLINE_GLUE, TLINE_NONE, "", ": connecting (%s)", age);
		return;
	case TVIEW_IN_DOWN:
		tline_fadd(fs, TLINE_GLUE, TLINE_NONE, "", ": down since %s (%s)",
		    in->since_wall != 0 ? hms : "start", age);
		tline_fadd(fs, 1, TLINE_NONE, ": ", "%s",
		    in->err ? strerror(in->err) : "connection closed");
		tline_fadd(fs, 2, TLINE_NONE, "; ", "retry in %.1fs",
		    in->retry > now ? in->retry - now : 0.0);
		return;
	}
}

/*
 * The seconds the rates of a totals snapshot are over, from the site's hits
 * and rate: the span of the records' times; 0 when unknown.
 */
static double
totals_span(const struct snap *s)
{
	const struct snap_row *r = &s->panel[0].srow;

	if (s->window > 0 || s->npanels == 0 || !s->panel[0].site ||
	    !(r->has & (1u << M_HITS)) ||
	    !(r->has & (1u << M_RATE)) || r->m[M_HITS] <= 0 || r->m[M_RATE] <= 0)
		return 0;
	return r->m[M_HITS] / r->m[M_RATE] + 0.5;
}

/* the snapshot has a record time (not \N): the span is of log time */
static int
has_time(const struct snap *s)
{
	return s->time[0] != '\0' && strcmp(s->time, "\\N") != 0;
}

static const char *
sort_text(const struct tview *t)
{
	switch (t->sort) {
	case TVIEW_S_INPUT:
		return "in omph-collect's order";
	case TVIEW_S_KEY:
		return "sorted by key";
	}
	return NULL;
}

/*
 * The title: the input and its state; what the figures are (the window, or
 * totals and the span of log time they cover); the snapshot's time; the
 * sort order; whether it is the final one.  What does not fit goes: whether
 * final first, then the sort order, the time, the span.
 */
static void
title(struct tview *t, struct tline_out *o, int y, int w, double now)
{
	const struct snap *s = t->have_last ? t->last : NULL;
	struct tline_fields fs;
	struct tline l;
	char b[32];
	double span;

	tline_start(o, &l, y, w, t->batch ? TLINE_NONE : TLINE_TITLE);
	if (!t->batch)
		tline_text(&l, TLINE_NONE, " ");
	tline_fstart(o, &fs);
	tline_faddn(&fs, 0, TLINE_NONE, "", t->in.name, strlen(t->in.name));
	if (!t->batch)
		state_fields(t, &fs, now);
	if (t->paused)
		tline_fadd(&fs, 0, TLINE_NONE, "  ", "PAUSED, %zu newer (p: go on)",
		    t->newer);
	if (t->filterlen > 0) {
		tline_fadd(&fs, 1, TLINE_NONE, "  ", "only keys holding \"");
		tline_faddn(&fs, TLINE_GLUE, TLINE_NONE, "", t->filter, t->filterlen);
		tline_fadd(&fs, TLINE_GLUE, TLINE_NONE, "", "\"");
	}
	if (s != NULL) {
		if (s->window > 0)
			tline_fadd(&fs, 1, TLINE_NONE, "  ", "hits over the last %d s",
			    s->window);
		else {
			tline_fadd(&fs, 1, TLINE_NONE, "  ", "hits over all input");
			if ((span = totals_span(s)) > 0) {
				tfmt_age(b, sizeof(b), span);
				tline_fadd(&fs, 2, TLINE_NONE, " ", "(%s %s)", b,
				    has_time(s) ? "of log time" :
				    "since omph-collect started");
			}
		}
		if (has_time(s)) {
			tline_fadd(&fs, 3, TLINE_NONE, "  ", "log time ");
			inert_unescape(&t->u, s->time, strlen(s->time));
			tline_faddn(&fs, TLINE_GLUE, TLINE_NONE, "", t->u.p, t->u.len);
		}
		if (s->final)
			tline_fadd(&fs, 4, TLINE_NONE, "  ", "final report");
	} else if (t->batch)
		tline_fadd(&fs, 0, TLINE_NONE, "  ", "no snapshot in the input");
	if (!t->batch)
		tline_fadd(&fs, 3, TLINE_NONE, "  ", "%s", sort_text(t) != NULL ?
		    sort_text(t) : "sorted by ");
	if (!t->batch && sort_text(t) == NULL)
		tline_fadd(&fs, TLINE_GLUE, TLINE_NONE, "", "%s", tview_sort_name(t->sort));
	tline_fput(&l, &fs);
	tline_end(&l);
}

static const char *
plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

/*
 * The statistics: records read and how fast they come, the keys, then what
 * went wrong, only when something did (late records, bad lines, evicted
 * keys; with --listen the senders, datagrams and what was turned away),
 * fields of newer versions as name=value, and what omph-top could not read.
 */
static void
stats(struct tview *t, struct tline_out *o, int y, int w)
{
	const struct snap *s = t->have_last ? t->last : NULL;
	struct tline_fields fs;
	struct tline l;
	char b[64], *f[64], *eq;
	size_t fl[64], nl, vl;
	int i, n, at;

	tline_start(o, &l, y, w, TLINE_NONE);
	tline_fstart(o, &fs);
	if (s == NULL) {
		if (t->ps.ignored > 0) {
			tline_fadd(&fs, 0, TLINE_DIM, "", "no snapshot in the %llu line%s "
			    "read", (unsigned long long)t->ps.ignored,
			    plural(t->ps.ignored));
			tline_fadd(&fs, 1, TLINE_DIM, " ", "(omph-top reads "
			    "omph-collect's tsv, not -o json)");
		}
		tline_fput(&l, &fs);
		tline_end(&l);
		return;
	}
	tline_fadd(&fs, 0, TLINE_NONE, "", "%llu record%s read",
	    (unsigned long long)s->records, plural(s->records));
	if (t->has_rps) {
		tfmt_rate(b, sizeof(b), t->rps);
		tline_fadd(&fs, 3, TLINE_NONE, " ", "(%s now)", b);
	}
	tline_fadd(&fs, 2, TLINE_NONE, "  ", "%llu key%s", (unsigned long long)s->keys,
	    plural(s->keys));
	if (s->late > 0)
		tline_fadd(&fs, 1, TLINE_4XX, "  ", "%llu late record%s dropped",
		    (unsigned long long)s->late, plural(s->late));
	if (s->bad > 0)
		tline_fadd(&fs, 1, TLINE_4XX, "  ", "%llu bad input line%s",
		    (unsigned long long)s->bad, plural(s->bad));
	if (s->evicted > 0)
		tline_fadd(&fs, 1, TLINE_4XX, "  ", "%llu key%s evicted (counts are "
		    "estimates)", (unsigned long long)s->evicted,
		    plural(s->evicted));
	if (s->extra.len > 0) {
		/* senders= and the counts of --listen, then any other field */
		/* rec_split only reads; the arena stays as it is */
		n = rec_split(s->arena.p + s->extra.off, s->extra.len, f, fl, 64);
		if (n > 64)
			n = 64;
		for (i = 0; i < n; i++) {
			inert_unescape(&t->u, f[i], fl[i]);
			if ((eq = memchr(t->u.p, '=', t->u.len)) == NULL)
				continue;
			nl = (size_t)(eq - t->u.p);
			vl = t->u.len - nl - 1;
			at = vl == 1 && eq[1] == '0' ? -1 : TLINE_4XX;
#define NAME(x) (nl == sizeof(x) - 1 && memcmp(t->u.p, x, nl) == 0)
			if (NAME("senders")) {
				tline_faddn(&fs, 2, TLINE_NONE, "  ", eq + 1, vl);
				tline_fadd(&fs, TLINE_GLUE, TLINE_NONE, "", " sender%s",
				    vl == 1 && eq[1] == '1' ? "" : "s");
			} else if (NAME("datagrams")) {
				tline_faddn(&fs, 3, TLINE_NONE, "  ", eq + 1, vl);
				tline_fadd(&fs, TLINE_GLUE, TLINE_NONE, "", " UDP datagrams");
			} else if (NAME("denied") || NAME("malformed") ||
			    NAME("refused")) {
				if (at < 0)
					continue;
				tline_faddn(&fs, 1, at, "  ", eq + 1, vl);
				tline_fadd(&fs, TLINE_GLUE, at, "", " %s",
				    NAME("denied") ? "denied (--allow, --secret)" :
				    NAME("malformed") ? "malformed" :
				    "refused (too many)");
			} else if (NAME("conns")) {
				if (at < 0)
					continue;
				tline_faddn(&fs, 3, TLINE_NONE, "  ", eq + 1, vl);
				tline_fadd(&fs, TLINE_GLUE, TLINE_NONE, "", " TCP connection%s",
				    vl == 1 && eq[1] == '1' ? "" : "s");
			} else if (NAME("shed") || NAME("timedout")) {
				if (at < 0)
					continue;
				tline_faddn(&fs, 2, at, "  ", eq + 1, vl);
				tline_fadd(&fs, TLINE_GLUE, at, "", " %s", NAME("shed") ?
				    "connections shed (strangers, for room)" :
				    "connections timed out");
			} else if (NAME("dup") || NAME("gaps") ||
			    NAME("gapbytes") || NAME("badorigin") ||
			    NAME("forgotten")) {
				/* origins (omph-collect(1)): told when not 0 */
				if (at < 0)
					continue;
				tline_faddn(&fs, 2, NAME("dup") ? TLINE_NONE : at, "  ",
				    eq + 1, vl);
				tline_fadd(&fs, TLINE_GLUE, NAME("dup") ? TLINE_NONE : at,
				    "", " %s", NAME("dup") ? "repeats not counted" :
				    NAME("gaps") ? "gaps" : NAME("gapbytes") ?
				    "bytes lost in gaps" : NAME("badorigin") ?
				    "bad origins" : "streams forgotten");
			} else if (NAME("streams")) {
				if (at < 0)
					continue;
				tline_faddn(&fs, 3, TLINE_NONE, "  ", eq + 1, vl);
				tline_fadd(&fs, TLINE_GLUE, TLINE_NONE, "", " stream%s",
				    vl == 1 && eq[1] == '1' ? "" : "s");
			} else if (NAME("rcvbuf")) {
				/* told only when the system cut it */
				if (vl == 0 || vl > 19 || snap_u64(eq + 1, vl) == 0 ||
				    snap_u64(eq + 1, vl) >= 16u << 20)
					continue;
				tline_fadd(&fs, 2, TLINE_4XX, "  ", "UDP receive buffer "
				    "%llu KiB (net.core.rmem_max)",
				    (unsigned long long)(snap_u64(eq + 1, vl) >> 10));
			} else
				tline_faddn(&fs, 4, TLINE_NONE, "  ", t->u.p, t->u.len);
#undef NAME
		}
	}
	if (t->ps.broken > 0)
		tline_fadd(&fs, 1, TLINE_DIM, "  ", "%llu snapshot%s cut short",
		    (unsigned long long)t->ps.broken, plural(t->ps.broken));
	if (t->ps.ignored > 0)
		tline_fadd(&fs, 1, TLINE_DIM, "  ", "%llu line%s not understood",
		    (unsigned long long)t->ps.ignored, plural(t->ps.ignored));
	tline_fput(&l, &fs);
	tline_end(&l);
}

/*
 * The panels, when there are two or more: their names (inert), the one
 * shown highlighted (in batch, in brackets), what does not fit cut.
 */
static void
panels(struct tview *t, struct tline_out *o, int y, int w)
{
	const struct snap *s = t->last;
	const struct snap_panel *p;
	struct tline l;
	int i;

	tline_start(o, &l, y, w, TLINE_NONE);
	tline_text(&l, TLINE_HEAD, "panels:");
	for (i = 0; i < s->npanels; i++) {
		p = &s->panel[i];
		tline_text(&l, TLINE_NONE, i == t->panel && t->batch ? " [" : " ");
		tline_val(&l, i == t->panel ? TLINE_SEL : TLINE_NONE,
		    s->arena.p + p->name.off, p->name.len, 40, &t->u);
		if (i == t->panel && t->batch)
			tline_text(&l, TLINE_NONE, "]");
	}
	if (!t->batch)
		tline_text(&l, TLINE_DIM, "  (Tab: next)");
	tline_end(&l);
}

/* the status classes: shares, then a bar of them in the columns left */
static void
bar(struct tview *t, struct tline_out *o, int y, int w)
{
	const struct snap *s = t->have_last ? t->last : NULL;
	const struct snap_row *r = s != NULL && tview_panel(t)->site ?
	    &tview_panel(t)->srow : NULL;
	static const char digit[4] = { '2', '3', '4', '5' };
	struct tline_fields fs;
	struct tline l;
	double n[4], sum = 0;
	char b[32], cells[512];
	int i, k, cnt[4], width, used = 0, big = 0;

	tline_start(o, &l, y, w, TLINE_NONE);
	for (i = 0; i < 4; i++) {
		n[i] = r != NULL && (r->has & (1u << (M_2XX + i))) ?
		    r->m[M_2XX + i] : 0;
		sum += n[i];
	}
	if (sum <= 0) {
		tline_text(&l, TLINE_DIM, "status classes: no hits yet");
		tline_end(&l);
		return;
	}
	/* the error classes go last */
	tline_fstart(o, &fs);
	for (i = 0; i < 4; i++) {
		tfmt_pct(b, sizeof(b), n[i] / sum);
		tline_fadd(&fs, i == 0 ? 1 : i == 1 ? 2 : 0, TLINE_2XX + i, "  ",
		    "%cxx %s", digit[i], b);
	}
	tline_fput(&l, &fs);
	width = l.w - l.x - 2;
	if (width > (int)sizeof(cells))
		width = (int)sizeof(cells);
	if (width < 4) {
		tline_end(&l);
		return;
	}
	tline_pad(&l, 2);
	/* each class its share of the cells; one seen gets at least one */
	for (i = 0; i < 4; i++) {
		cnt[i] = (int)(n[i] / sum * width);
		if (n[i] > 0 && cnt[i] == 0)
			cnt[i] = 1;
		used += cnt[i];
		if (cnt[i] > cnt[big])
			big = i;
	}
	cnt[big] += width - used;
	for (i = 0; i < 4; i++) {
		for (k = 0; k < cnt[i] && k < (int)sizeof(cells); k++)
			cells[k] = digit[i];
		if (k > 0)
			tline_emit(&l, TLINE_BAR2 + i, cells, (size_t)k, k);
	}
	tline_end(&l);
}

/* hits/s (or records/s) over the last snapshots, newest right */
static void
spark(struct tview *t, struct tline_out *o, int y, int w)
{
	static const char *const ramp8[9] = {
		" ", "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
		"\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87",
		"\xe2\x96\x88"
	};
	static const char ramp1[] = " .:-=+*#@";
	struct tline l;
	char b[32];
	double max = 0, v;
	size_t n, i, first;
	int width, lvl;

	tline_start(o, &l, y, w, TLINE_NONE);
	if (t->nhist == 0) {
		tline_text(&l, TLINE_DIM, "rate graph: from the second snapshot on");
		tline_end(&l);
		return;
	}
	/* with a window the site's hits/s, else the records/s read */
	tfmt_rate(b, sizeof(b), t->hist[(t->nhist - 1) % TVIEW_HIST]);
	tline_fmt(&l, TLINE_NONE, "%s %-8s ", t->have_last && t->last->window > 0 ?
	    "hits" : "records", b);
	width = l.w - l.x;
	n = t->nhist < TVIEW_HIST ? t->nhist : TVIEW_HIST;
	if (width <= 0)
		return;
	if ((size_t)width < n)
		n = (size_t)width;
	first = t->nhist - n;
	for (i = first; i < t->nhist; i++)
		if (t->hist[i % TVIEW_HIST] > max)
			max = t->hist[i % TVIEW_HIST];
	for (i = first; i < t->nhist; i++) {
		v = t->hist[i % TVIEW_HIST];
		lvl = max > 0 && v > 0 ? (int)(v / max * 8 + 0.999) : 0;
		if (lvl > 8)
			lvl = 8;
		if (t->utf8)
			tline_emit(&l, TLINE_2XX, ramp8[lvl], strlen(ramp8[lvl]), 1);
		else
			tline_emit(&l, TLINE_2XX, ramp1 + lvl, 1, 1);
	}
	tline_end(&l);
}


static void
footer(struct tview *t, struct tline_out *o, int y, int w)
{
	struct tline_fields fs;
	struct tline l;

	tline_start(o, &l, y, w, TLINE_NONE);
	if (t->editing) {
		tline_text(&l, TLINE_HEAD, "filter: ");
		tline_textn(&l, TLINE_NONE, t->edit, t->editlen, l.w - l.x - 1);
		tline_text(&l, TLINE_SEL, " ");
		tline_text(&l, TLINE_DIM, "  Enter apply, Esc cancel");
	} else {
		tline_fstart(o, &fs);
		tline_fadd(&fs, 0, TLINE_DIM, "", "q quit");
		tline_fadd(&fs, 2, TLINE_DIM, "  ", "j/k move");
		tline_fadd(&fs, 1, TLINE_DIM, "  ", "s sort");
		tline_fadd(&fs, 1, TLINE_DIM, "  ", "/ filter");
		tline_fadd(&fs, 2, TLINE_DIM, "  ", "p pause");
		tline_fadd(&fs, 3, TLINE_DIM, "  ", "c/C clear alerts");
		tline_fadd(&fs, 0, TLINE_DIM, "  ", "? help");
		tline_fput(&l, &fs);
	}
	tline_end(&l);
}

static void
help(struct tline_out *o, int y, int w, int h)
{
	static const char *const lines[] = {
		"Keys (any key closes this help)",
		"  q            quit",
		"  Up Down j k  move the selection; the site row (*) is the first",
		"  PgUp PgDn    a page up or down; Home g, End G: first, last",
		"  s            sort by the next column: omph-collect's order,",
		"               hits, bytes, 4xx, 5xx, p99, key",
		"  /            show only keys holding a text (any case): type",
		"               it, Enter applies, Esc cancels, empty shows all",
		"  p            pause the view; snapshots are still read",
		"  c            clear the alerts of the selected key; C: all",
		"  Tab Shift-Tab  show the next or previous panel (a -k table)",
		"  Ctrl-L       redraw the screen",
		"",
		"What is shown",
		"  omph-collect counts the records (log lines) of each key, such",
		"  as each path, over its window (the last N seconds of log time,",
		"  --window) or over all its input (totals); each snapshot it",
		"  writes replaces the screen.  The title says which.",
		"  *            the whole site: every record",
		"  hits         records of the key",
		"  visitors     distinct clients of the key (an estimate)",
		"  rate         hits per second (/s), or per minute, hour or day",
		"               when fewer: over the window, or in totals over",
		"               the span of log time of the records",
		"  bytes        bytes sent (K, M, G: powers of 1024)",
		"  4xx 5xx      answers with a client error (4xx) or a server",
		"               error (5xx) status",
		"  p99          99% of the requests took this long or less",
		"  !            an alert of the key holds (.: cleared or over)",
		"",
		"Cleared alerts that still hold stay listed as cleared until",
		"they resolve; resolved alerts stay listed until cleared.",
		"man omph-top tells more.",
		NULL
	};
	struct tline l;
	int i;

	for (i = 0; lines[i] != NULL && y < h; i++) {
		tline_start(o, &l, y++, w, TLINE_NONE);
		tline_text(&l, lines[i][0] != ' ' ? TLINE_HEAD : TLINE_NONE, lines[i]);
		tline_end(&l);
	}
}

static int
take(int *avail, int n)
{
	if (n > *avail)
		n = *avail;
	if (n < 0)
		n = 0;
	*avail -= n;
	return n;
}

/*
 * Lay out and write the view in w x h (h: any in batch mode).  Panels that
 * do not fit are dropped: the table keeps three lines, then come the
 * statistics, the alerts, the status bar, the key help, the sparkline and
 * the senders; the table takes what is left.
 */
static void
render(struct tview *t, struct tline_out *o, int w, int h, double now)
{
	const struct snap *s = t->have_last ? t->last : NULL;
	struct tline l;
	int y = 0, rest, tmin, avail, nstats, nal, nbar, nfoot, nspark, nsnd;
	int want, i, npl;

	if (t->reorder && tview_order(t) == -1)
		t->u.err = ENOMEM;
	if (t->batch) {
		title(t, o, y++, w, now);
		stats(t, o, y++, w);
		bar(t, o, y++, w);
		if (s != NULL && s->npanels >= 2) {
			/* every panel in turn */
			for (i = 0; i < s->npanels; i++) {
				tview_show_panel(t, i);
				if (t->reorder && tview_order(t) == -1)
					t->u.err = ENOMEM;
				panels(t, o, y++, w);
				y = tlist_table(t, o, y, w, INT_MAX);
			}
		} else
			y = tlist_table(t, o, y, w, INT_MAX);
		if (s != NULL && s->sender)
			y = tlist_senders(t, o, y, w, (int)s->nsnd + 1);
		tlist_alerts(t, o, y, w, INT_MAX);
		return;
	}
	if (w < MINW || h < MINH) {
		tline_start(o, &l, 0, w, TLINE_NONE);
		tline_text(&l, TLINE_NONE, "omph-top: make the window at least 20x3");
		tline_end(&l);
		return;
	}
	title(t, o, y++, w, now);
	if (t->help) {
		help(o, y, w, h);
		return;
	}
	rest = h - 1;
	tmin = rest < 3 ? rest : 3;
	avail = rest - tmin;
	nfoot = 0;
	if (t->editing) {
		nfoot = 1;
		if (avail > 0)
			avail--;
		else
			tmin--;
	}
	npl = s != NULL && s->npanels >= 2 ? take(&avail, 1) : 0;
	nstats = take(&avail, 1);
	nal = 0;
	if (t->al.n > 0 && avail >= 2) {
		want = (int)t->al.n + 1;
		if (want > (rest / 3 > 2 ? rest / 3 : 2))
			want = rest / 3 > 2 ? rest / 3 : 2;
		nal = take(&avail, want);
	}
	nbar = take(&avail, 1);
	if (!nfoot && h >= 10)
		nfoot = take(&avail, 1);
	nspark = take(&avail, 1);
	nsnd = s != NULL && s->sender && avail >= 3 ?
	    take(&avail, (int)(s->nsnd + 1 < 6 ? s->nsnd + 1 : 6)) : 0;
	if (nal == 0 && avail >= 6)
		nal = take(&avail, 1);
	if (nstats)
		stats(t, o, y++, w);
	if (nbar)
		bar(t, o, y++, w);
	if (nspark)
		spark(t, o, y++, w);
	if (npl)
		panels(t, o, y++, w);
	y = tlist_table(t, o, y, w, tmin + avail);
	y = h - nfoot - nal - nsnd;
	if (nsnd)
		y = tlist_senders(t, o, y, w, nsnd);
	if (nal)
		y = tlist_alerts(t, o, y, w, nal);
	if (nfoot)
		footer(t, o, h - 1, w);
}


int
tdraw_render(struct tview *t, struct tline_out *o, int w, int h, double now)
{
	int bad;

	render(t, o, w, h, now);
	bad = tview_nomem(t);
	if (tline_nomem(o))
		bad = 1;
	if (bad) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/*
 * libFuzzer target: the snapshot reader (lib/snap.c) as omph-top uses it
 * (lib/tview.h), and omph-top's batch frames (lib/tdraw.h) written into
 * memory.  The first input byte sets the frame width (1 to 256); the rest is
 * a snapshot stream, fed line by line to tview_feed as omph-top reads it,
 * each complete snapshot drawn as a text frame.  Checked: no crash, no leak,
 * no undefined behaviour; every frame line is printable text (nothing from
 * the stream reaches a terminal raw); every panel's rows and events are
 * within the snapshot's totals and its arena.
 */
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "snap.h"
#include "tdraw.h"
#include "tline.h"
#include "tview.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* the invariants of a complete snapshot */
static void
check(const struct snap *s)
{
	const struct snap_panel *a, *b;
	size_t i, rows = 0;
	int j, k;

	if (s->nrows > SNAP_ROWS || s->nev > SNAP_EVENTS)
		abort();
	for (i = 0; i < s->nrows; i++)
		if (s->rows[i].key + s->rows[i].keylen > s->arena.len)
			abort();
	for (i = 0; i < s->nev; i++)
		if (s->ev[i].key + s->ev[i].keylen > s->arena.len ||
		    s->ev[i].rule + s->ev[i].rulelen > s->arena.len)
			abort();
	/* panels: at most SNAP_PANELS, each with its table, named apart, their
	 * rows in turn and never shared, every event of one of them */
	if (s->npanels < 0 || s->npanels > SNAP_PANELS)
		abort();
	for (j = 0; j < s->npanels; j++) {
		a = &s->panel[j];
		if (!a->table || a->row0 != rows ||
		    a->name.off + a->name.len > s->arena.len ||
		    a->keyhdr.off + a->keyhdr.len > s->arena.len ||
		    (s->npanels > 1 && a->name.len == 0))
			abort();
		rows += a->nrows;
		for (k = 0; k < j; k++) {
			b = &s->panel[k];
			if (a->name.len == b->name.len && memcmp(s->arena.p +
			    a->name.off, s->arena.p + b->name.off,
			    a->name.len) == 0)
				abort();
		}
	}
	if (rows != s->nrows)
		abort();
	for (i = 0; i < s->nev; i++)
		if (s->ev[i].panel < 0 || (s->ev[i].panel >= s->npanels &&
		    s->ev[i].panel != 0))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static int init;
	const uint8_t *p, *e, *nl;
	struct tview *t;
	struct tline_out lo;
	struct out out;
	char *line;
	size_t i, len;
	int width, r;

	if (!init) {
		setlocale(LC_ALL, "C.UTF-8");
		setlocale(LC_NUMERIC, "C");
		init = 1;
	}
	if (n == 0)
		return 0;
	if ((t = malloc(sizeof(*t))) == NULL || tview_init(t, 1, 1) == -1)
		abort();
	memset(&lo, 0, sizeof(lo));
	out_init_mem(&out);
	lo.out = &out;
	lo.utf8 = 1;
	t->in.name = "fuzz";
	t->in.state = TVIEW_IN_LIVE;
	width = 1 + d[0];
	for (p = d + 1, e = d + n; p < e; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		len = (size_t)(nl - p);
		/* a line of its own, as long as it is: ASan sees overreads */
		if ((line = malloc(len + 1)) == NULL)
			abort();
		memcpy(line, p, len);
		line[len] = '\n';
		r = tview_feed(t, line, len, 0, (double)(p - d));
		free(line);
		if (r == -1)
			abort();
		if (r == 1) {
			check(t->paused ? t->pend : t->last);
			if (tdraw_render(t, &lo, width, 1 << 30,
			    (double)(p - d)) == -1)
				abort();
			out_write(&out, "\n", 1);
		}
	}
	if (tdraw_render(t, &lo, width, 1 << 30, (double)n) == -1 ||
	    out_flush(&out) == -1)
		abort();
	for (i = 0; i < out.memlen; i++) {
		unsigned char c = (unsigned char)out.mem[i];

		if (c == 0x1b || (c < 0x20 && c != '\n') || c == 0x7f) {
			fprintf(stderr, "fuzz-snapshot: a raw control byte 0x%02x "
			    "in a frame\n", c);
			abort();
		}
	}
	out_free(&out);
	tline_free(&lo);
	tview_free(t);
	free(t);
	return 0;
}

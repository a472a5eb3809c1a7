#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inert.h"
#include "out.h"
#include "tline.h"

void
tline_start(struct tline_out *o, struct tline *l, int y, int w, int base)
{
	l->o = o;
	l->y = y;
	l->w = w < 0 ? 0 : w;
	l->x = 0;
	l->base = base;
	if (o->term == NULL)
		o->bl.len = 0;
	else if (y < 0 || y >= o->term->lines)
		l->w = 0;	/* off the screen: nothing is written */
	else
		o->term->move(o->term->ctx, y);
}

void
tline_emit(struct tline *l, int at, const char *p, size_t len, int cols)
{
	struct tline_out *o = l->o;

	if (len == 0)
		return;
	if (o->term == NULL)
		inert_append(&o->bl, p, len);
	else
		o->term->put(o->term->ctx, at, l->base, p, len);
	l->x += cols;
}

void
tline_pad(struct tline *l, int n)
{
	static const char sp[] = "                                ";
	int k;

	if (n > l->w - l->x)
		n = l->w - l->x;
	while (n > 0) {
		k = n < (int)sizeof(sp) - 1 ? n : (int)sizeof(sp) - 1;
		tline_emit(l, TLINE_NONE, sp, (size_t)k, k);
		n -= k;
	}
}

/* text (ours, or already unescaped) in at most max columns (-1: the rest) */
int
tline_textn(struct tline *l, int at, const char *p, size_t len, int max)
{
	struct tline_out *o = l->o;
	int cols;

	if (max < 0 || max > l->w - l->x)
		max = l->w - l->x;
	if (max <= 0)
		return 0;
	o->c.len = 0;
	if ((cols = inert_clean(&o->c, p, len, max, o->utf8)) < 0)
		return 0;
	tline_emit(l, at, o->c.p, o->c.len, cols);
	return cols;
}

void
tline_text(struct tline *l, int at, const char *s)
{
	tline_textn(l, at, s, strlen(s), -1);
}

void
tline_fmt(struct tline *l, int at, const char *fmt, ...)
{
	char b[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	tline_text(l, at, b);
}

int
tline_val(struct tline *l, int at, const char *p, size_t len, int max,
    struct out_buf *u)
{
	if (inert_unescape(u, p, len) == -1)
		return 0;
	return tline_textn(l, at, u->p, u->len, max);
}

/* s right-aligned in width columns, after a space */
void
tline_right(struct tline *l, int at, const char *s, int width)
{
	struct tline_out *o = l->o;
	int cols;

	if (l->x >= l->w)
		return;
	o->c.len = 0;
	if ((cols = inert_clean(&o->c, s, strlen(s), width, o->utf8)) < 0)
		return;
	tline_pad(l, 1 + width - cols);
	if (l->x + cols <= l->w)
		tline_emit(l, at, o->c.p, o->c.len, cols);
}

/* the line is done: the rest in its attribute; in batch, to stdout */
void
tline_end(struct tline *l)
{
	struct tline_out *o = l->o;
	struct out_buf *b = &o->bl;

	if (o->term == NULL) {
		while (b->len > 0 && b->p[b->len - 1] == ' ')
			b->len--;
		if (inert_append(b, "\n", 1) == 0)
			out_write(o->out, b->p, b->len);
		return;
	}
	if (l->base != TLINE_NONE)
		tline_pad(l, l->w - l->x);
	else if (l->x < l->w)
		o->term->clrtoeol(o->term->ctx);
}

/* ---- lines of fields ---- */

void
tline_fstart(struct tline_out *o, struct tline_fields *fs)
{
	fs->o = o;
	fs->n = 0;
	o->fb.len = 0;
}

/* a field of p[0..len); one past NFIELDS is left out */
void
tline_faddn(struct tline_fields *fs, int rank, int at, const char *sep,
    const char *p, size_t len)
{
	struct tline_out *o = fs->o;
	struct tline_field *f;

	if (fs->n == TLINE_FIELDS)
		return;
	if (inert_append(&o->fb, p, len) == -1)
		return;
	f = &fs->f[fs->n++];
	f->rank = rank;
	f->at = at;
	f->sep = sep;
	f->off = o->fb.len - len;
	f->len = len;
	o->c.len = 0;
	if ((f->cols = inert_clean(&o->c, o->fb.p + f->off, len, -1,
	    o->utf8)) < 0)
		f->cols = 0;
}

void
tline_fadd(struct tline_fields *fs, int rank, int at, const char *sep,
    const char *fmt, ...)
{
	char b[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	tline_faddn(fs, rank, at, sep, b, strlen(b));
}

/* the columns the shown fields take */
static int
fl_cols(const struct tline_fields *fs)
{
	int i, cols = 0, first = 1;

	for (i = 0; i < fs->n; i++)
		if (fs->f[i].shown) {
			if (!first)
				cols += (int)strlen(fs->f[i].sep);
			cols += fs->f[i].cols;
			first = 0;
		}
	return cols;
}

/* write the fields that fit in what is left of l */
void
tline_fput(struct tline *l, struct tline_fields *fs)
{
	struct tline_out *o = fs->o;
	int i, worst, rank, first = 1;

	for (i = 0; i < fs->n; i++)
		fs->f[i].shown = 1;
	while (fl_cols(fs) > l->w - l->x) {
		worst = -1;
		rank = 0;
		for (i = 0; i < fs->n; i++)
			if (fs->f[i].shown && fs->f[i].rank > 0 &&
			    fs->f[i].rank >= rank) {
				worst = i;
				rank = fs->f[i].rank;
			}
		if (worst < 0)
			break;
		fs->f[worst].shown = 0;
		for (i = worst + 1; i < fs->n && fs->f[i].rank == TLINE_GLUE; i++)
			fs->f[i].shown = 0;
	}
	for (i = 0; i < fs->n; i++) {
		if (!fs->f[i].shown)
			continue;
		if (!first)
			tline_text(l, TLINE_NONE, fs->f[i].sep);
		tline_textn(l, fs->f[i].at, o->fb.p + fs->f[i].off, fs->f[i].len, -1);
		first = 0;
	}
}


int
tline_nomem(struct tline_out *o)
{
	int r = o->c.err || o->fb.err || o->bl.err;

	o->c.err = o->fb.err = o->bl.err = 0;
	return r;
}

void
tline_free(struct tline_out *o)
{
	out_buf_free(&o->c);
	out_buf_free(&o->fb);
	out_buf_free(&o->bl);
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "inert.h"
#include "rec.h"

int
inert_append(struct out_buf *b, const char *p, size_t n)
{
	if (out_buf_reserve(b, n + 1) == -1 || out_buf_add(b, p, n) == -1)
		return -1;
	b->p[b->len] = '\0';
	return 0;
}

int
inert_is_site(const char *k, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i += 2)
		if (k[i] != '*' || (i + 1 < n && k[i + 1] != '\t'))
			return 0;
	return 1;
}

/* characters of no width that are not combining marks: shown escaped */
static int
invisible(wchar_t c)
{
	return c == 0xad || c == 0x61c || c == 0x180e ||
	    (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
	    (c >= 0x2060 && c <= 0x206f) || c == 0xfeff ||
	    (c >= 0xfe00 && c <= 0xfe0f) || (c >= 0xfff9 && c <= 0xfffb) ||
	    (c >= 0xe0000 && c <= 0xe01ef);
}

/*
 * Append to b the text p[0..len) made inert, in at most max columns (max <
 * 0: no limit): printable characters as they are; control bytes and bytes of
 * invalid UTF-8 as \xHH; characters that are not printable, or of no width
 * where no character precedes, as \uHHHH.  A text cut short ends in an
 * ellipsis.  Returns the columns appended.
 */
int
inert_clean(struct out_buf *b, const char *p, size_t len, int max, int utf8)
{
	mbstate_t st;
	wchar_t wc;
	char esc[16];
	const char *piece;
	size_t i = 0, r, pl, cutlen = b->len;
	int w, cols = 0, cutcols = 0, base = 0;
	unsigned char c;

	if (max == 0)
		return 0;
	memset(&st, 0, sizeof(st));
	if (out_buf_reserve(b, len + 8) == -1)
		return -1;
	while (i < len) {
		c = (unsigned char)p[i];
		piece = p + i;
		if (c >= 0x20 && c < 0x7f) {
			pl = r = 1;
			w = 1;
			base = 1;
		} else if (c < 0x80 ||
		    (r = mbrtowc(&wc, p + i, len - i, &st)) == (size_t)-1 ||
		    r == (size_t)-2 || r == 0) {
			memset(&st, 0, sizeof(st));
			pl = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c);
			piece = esc;
			r = 1;
			w = 4;
			base = 0;
		} else if ((w = wcwidth(wc)) < 0 || !iswprint((wint_t)wc) ||
		    invisible(wc) || (w == 0 && !base)) {
			pl = (size_t)snprintf(esc, sizeof(esc),
			    (unsigned long)wc > 0xffff ? "\\U%08lx" : "\\u%04lx",
			    (unsigned long)wc);
			piece = esc;
			w = (int)pl;
			base = 0;
		} else {
			pl = r;
			if (w > 0)
				base = 1;
		}
		if (max >= 0 && cols + w > max) {
			/* cut: what fits in max - 1 columns, and the ellipsis */
			b->len = cutlen;
			if (inert_append(b, utf8 ? "\xe2\x80\xa6" : "~",
			    utf8 ? 3 : 1) == -1)
				return -1;
			return cutcols + 1;
		}
		if (inert_append(b, piece, pl) == -1)
			return -1;
		cols += w;
		i += r;
		if (max < 0 || cols <= max - 1) {
			cutlen = b->len;
			cutcols = cols;
		}
	}
	return cols;
}

int
inert_unescape(struct out_buf *b, const char *p, size_t n)
{
	long v;

	b->len = 0;
	if (inert_append(b, p, n) == -1)
		return -1;
	if ((v = rec_unescape(b->p, n)) >= 0)
		b->len = (size_t)v;
	return 0;
}

int
inert_key(struct out_buf *b, const char *k, size_t n)
{
	const char *e = k + n, *tab;
	size_t start;
	long v;

	b->len = 0;
	if (inert_is_site(k, n))
		return inert_append(b, "*", 1);
	for (;;) {
		tab = memchr(k, '\t', (size_t)(e - k));
		start = b->len;
		if (inert_append(b, k, (size_t)((tab ? tab : e) - k)) == -1)
			return -1;
		if ((v = rec_unescape(b->p + start, b->len - start)) >= 0)
			b->len = start + (size_t)v;
		if (tab == NULL)
			return 0;
		if (inert_append(b, " ", 1) == -1)
			return -1;
		k = tab + 1;
	}
}

#include <stdlib.h>
#include <string.h>

#include "rec.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

const char *const rec_canon_names[REC_NCANON] = {
	"time", "vhost", "client", "user", "method", "path", "query",
	"protocol", "status", "bytes", "referer", "agent", "duration", "source",
	"origin"
};

int
rec_canon(const char *name, size_t len)
{
	int i;

	for (i = 0; i < REC_NCANON; i++)
		if (strlen(rec_canon_names[i]) == len &&
		    memcmp(rec_canon_names[i], name, len) == 0)
			return i;
	return -1;
}

/*
 * Byte classes.  Values are written as clean text: TAB, LF, CR and backslash
 * get COPY escapes, every other control byte, DEL and each byte that is not
 * part of valid UTF-8 become the four characters \xHH (Apache's own
 * convention), so a record never carries raw control bytes or invalid UTF-8
 * and always loads into a UTF8 database.
 */
enum { C_PLAIN, C_ESC, C_CTL, C_HIGH };
static unsigned char cls[256];
static const char copy_esc[256] = {
	['\\'] = '\\', ['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r',
};
static const char hex[] = "0123456789abcdef";

/* OMPH_SCALAR: -1 until read */
static int scalar = -1;

int
rec_scalar(void)
{
	const char *e;

	if (scalar < 0)
		scalar = (e = getenv("OMPH_SCALAR")) != NULL && *e != '\0' &&
		    strcmp(e, "0") != 0;
	return scalar;
}

void
rec_set_scalar(int on)
{
	scalar = on != 0;
}

static void
init_cls(void)
{
	int c;

	if (cls['\\'] != 0)
		return;
	(void)rec_scalar();
	for (c = 0; c < 256; c++)
		cls[c] = c < 0x20 || c == 0x7f ? C_CTL : c >= 0x80 ? C_HIGH :
		    C_PLAIN;
	cls['\\'] = cls['\t'] = cls['\n'] = cls['\r'] = C_ESC;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode one Apache/nginx backslash escape at p[0] == '\\' (n bytes left).
 * \" and \\ give the character; \xHH gives the byte when it is printable
 * ASCII.  Returns the input length taken and stores the byte in *c; returns
 * 0 when the escape stays as text (a lone backslash, \xHH of a control or
 * high byte: those are kept as the text \xHH, which is what we would write).
 */
static size_t
bsl_decode(const unsigned char *p, size_t n, unsigned char *c)
{
	int h, l, v;

	if (n >= 2 && (p[1] == '"' || p[1] == '\\')) {
		*c = p[1];
		return 2;
	}
	if (n >= 4 && p[1] == 'x' && (h = hexval(p[2])) >= 0 &&
	    (l = hexval(p[3])) >= 0) {
		v = h << 4 | l;
		if (v >= 0x20 && v < 0x7f) {
			*c = (unsigned char)v;
			return 4;
		}
	}
	return 0;
}

size_t
rec_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/*
 * Escape about n bytes of s (avail >= n bytes readable) to d, which has room
 * for 5 * n + 16 bytes.  A sequence that starts before s + n is taken whole,
 * so up to 3 bytes more may be taken; *took tells how many.  Returns the end
 * of what was written.
 */
static char *
esc_copy(char *d, const unsigned char *s, size_t n, size_t avail, int bsl,
    size_t *took)
{
	const unsigned char *s0 = s, *stop = s + n, *e = s + avail;
	unsigned char c;
	size_t k;

	while (s < stop) {
#ifdef __SSE2__
		/*
		 * Sixteen at a time: a byte below 0x20 as a signed char is a
		 * control or a high byte.  The store may run past the first
		 * special byte; d has room for what s has left, at least 16.
		 */
		while (!scalar && stop - s >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
			__m128i m = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
			    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x5c)),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f))));
			unsigned bits = (unsigned)_mm_movemask_epi8(m);

			_mm_storeu_si128((__m128i *)(void *)d, v);
			if (bits != 0) {
				d += __builtin_ctz(bits);
				s += __builtin_ctz(bits);
				break;
			}
			d += 16;
			s += 16;
		}
#endif
		/* eight plain bytes at a time: no control, DEL, high or '\\' */
		while (stop - s >= 8) {
			uint64_t x, t;

			memcpy(&x, s, 8);
			t = (x - 0x2020202020202020ULL) | x |
			    ((x ^ 0x5c5c5c5c5c5c5c5cULL) - 0x0101010101010101ULL) |
			    ((x ^ 0x7f7f7f7f7f7f7f7fULL) - 0x0101010101010101ULL);
			if (t & 0x8080808080808080ULL)
				break;
			memcpy(d, s, 8);
			d += 8;
			s += 8;
		}
		if (s == stop)
			break;
		if (stop - s < 8) {
			/* the tail, padded with plain bytes; d has room for 8 */
			uint64_t x = 0x4141414141414141ULL, t;
			size_t r = (size_t)(stop - s);

			memcpy(&x, s, r);
			t = (x - 0x2020202020202020ULL) | x |
			    ((x ^ 0x5c5c5c5c5c5c5c5cULL) - 0x0101010101010101ULL) |
			    ((x ^ 0x7f7f7f7f7f7f7f7fULL) - 0x0101010101010101ULL);
			if (!(t & 0x8080808080808080ULL)) {
				memcpy(d, &x, 8);
				d += r;
				s = stop;
				break;
			}
		}
		c = *s;
		switch (cls[c]) {
		case C_PLAIN:
			*d++ = (char)c;
			s++;
			continue;
		case C_HIGH:
			if ((k = rec_utf8_len(s, (size_t)(e - s))) > 0) {
				memcpy(d, s, k);
				d += k;
				s += k;
				continue;
			}
			break;
		case C_ESC:
			if (c == '\\' && bsl && (k = bsl_decode(s, (size_t)(e - s),
			    &c)) > 0)
				s += k;
			else
				s++;
			if (copy_esc[c]) {
				*d++ = '\\';
				*d++ = copy_esc[c];
			} else
				*d++ = (char)c;
			continue;
		}
		/* control byte or invalid UTF-8: the text \xHH, escaped */
		memcpy(d, "\\\\x", 3);
		d[3] = hex[c >> 4];
		d[4] = hex[c & 15];
		d += 5;
		s++;
	}
	*took = (size_t)(s - s0);
	return d;
}

int
rec_put(struct out *o, const struct rec_val *v)
{
	const unsigned char *s = (const unsigned char *)v->p;
	size_t n = v->len, k, took;
	char *d0, *d;

	if (v->enc == REC_ABSENT)
		return out_write(o, "\\N", 2);
	init_cls();
	while (n > 0) {
		k = n < OUT_BUFSZ / 8 ? n : OUT_BUFSZ / 8;
		if ((d0 = out_reserve(o, 5 * k + 16)) == NULL)
			return -1;
		d = esc_copy(d0, s, k, n, v->enc == REC_BSL, &took);
		out_commit(o, (size_t)(d - d0));
		s += took;
		n -= took;
	}
	return 0;
}

int
rec_put_row(struct out *o, const struct rec_val *const *v, int n)
{
	size_t bound = 1, took;
	char *d0, *d;
	int i;

	for (i = 0; i < n; i++)
		bound += (v[i] != NULL ? 5 * (size_t)v[i]->len : 0) + 19;
	if (bound > OUT_BUFSZ / 2) {
		/* a huge row: field by field */
		for (i = 0; i < n; i++) {
			if (i > 0)
				out_putc(o, '\t');
			if (v[i] == NULL)
				out_write(o, "\\N", 2);
			else if (rec_put(o, v[i]) == -1)
				return -1;
		}
		return out_putc(o, '\n');
	}
	init_cls();
	if ((d0 = d = out_reserve(o, bound)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (i > 0)
			*d++ = '\t';
		if (v[i] == NULL || v[i]->enc == REC_ABSENT) {
			*d++ = '\\';
			*d++ = 'N';
		} else
			d = esc_copy(d, (const unsigned char *)v[i]->p, v[i]->len,
			    v[i]->len, v[i]->enc == REC_BSL, &took);
	}
	*d++ = '\n';
	out_commit(o, (size_t)(d - d0));
	return 0;
}

/* memcpy, inline for the short values most are: overlapping moves */
static inline void
copy_small(char *d, const char *s, size_t n)
{
	uint64_t a, b;
	uint32_t x, y;

	if (n >= 8 && n <= 16) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4 && n < 8) {
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		memcpy(d, &x, 4);
		memcpy(d + n - 4, &y, 4);
	} else if (n < 4) {
		if (n > 0) {
			d[0] = s[0];
			d[n / 2] = s[n / 2];
			d[n - 1] = s[n - 1];
		}
	} else
		memcpy(d, s, n);
}

int
rec_put_row_clean(struct out *o, const struct rec_val *const *v, int n)
{
	size_t bound = 1;
	char *d0, *d;
	int i;

	if (rec_scalar())
		return rec_put_row(o, v, n);
	for (i = 0; i < n; i++)
		bound += (v[i] != NULL ? (size_t)v[i]->len : 0) + 3;
	if (bound > OUT_BUFSZ / 2)
		return rec_put_row(o, v, n);
	if ((d0 = d = out_reserve(o, bound)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] == NULL || v[i]->enc == REC_ABSENT) {
			d[0] = '\\';
			d[1] = 'N';
			d[2] = '\t';
			d += 3;
		} else {
			copy_small(d, v[i]->p, v[i]->len);
			d += v[i]->len;
			*d++ = '\t';
		}
	}
	if (n > 0)
		d--;
	*d++ = '\n';
	out_commit(o, (size_t)(d - d0));
	return 0;
}

/* SWAR: the high bit of each byte of x that is below 0x20, DEL, 0x80 or
 * more, or a backslash */
static inline uint64_t
dirty8(uint64_t x)
{
	return ((x - 0x2020202020202020ULL) | x |
	    ((x ^ 0x5c5c5c5c5c5c5c5cULL) - 0x0101010101010101ULL) |
	    ((x ^ 0x7f7f7f7f7f7f7f7fULL) - 0x0101010101010101ULL)) &
	    0x8080808080808080ULL;
}

int
rec_clean(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p, *e = s + n;
	uint64_t x;

	(void)rec_scalar();
#ifdef __SSE2__
	if (!scalar) {
		__m128i acc = _mm_setzero_si128();

		for (; e - s >= 16; s += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);

			acc = _mm_or_si128(acc, _mm_or_si128(_mm_cmplt_epi8(v,
			    _mm_set1_epi8(0x20)), _mm_or_si128(_mm_cmpeq_epi8(v,
			    _mm_set1_epi8(0x5c)), _mm_cmpeq_epi8(v,
			    _mm_set1_epi8(0x7f)))));
		}
		if (_mm_movemask_epi8(acc) != 0)
			return 0;
	}
#endif
	if (!scalar) {
		for (; e - s >= 8; s += 8) {
			memcpy(&x, s, 8);
			if (dirty8(x))
				return 0;
		}
		if (s < e) {
			x = 0x4141414141414141ULL;
			memcpy(&x, s, (size_t)(e - s));
			return dirty8(x) == 0;
		}
		return 1;
	}
	/* the portable form, a byte at a time */
	for (; s < e; s++)
		if (*s < 0x20 || *s >= 0x7f || *s == '\\')
			return 0;
	return 1;
}

int
rec_put_header(struct out *o, const char *const *names, int n)
{
	if (out_putc(o, '#') == -1)
		return -1;
	return rec_put_names(o, names, n);
}

int
rec_put_names(struct out *o, const char *const *names, int n)
{
	struct rec_val v;
	int i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			out_putc(o, '\t');
		v.p = names[i];
		v.len = (uint32_t)strlen(names[i]);
		v.enc = REC_RAW;
		if (rec_put(o, &v) == -1)
			return -1;
	}
	return out_putc(o, '\n');
}

static int
is_json_number(const char *p, size_t n)
{
	size_t i = 0, d;

	if (n > 0 && p[0] == '-')
		i++;
	for (d = i; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		;
	if (i == d || (p[d] == '0' && i - d > 1))
		return 0;
	if (i < n && p[i] == '.') {
		for (d = ++i; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	return i == n;
}

int
rec_put_json(struct out *o, const struct rec_val *v, int numeric)
{
	const unsigned char *s = (const unsigned char *)v->p, *e;
	unsigned char c;
	char u[8];
	size_t k;

	if (v->enc == REC_ABSENT)
		return out_write(o, "null", 4);
	if (numeric && v->enc == REC_RAW && is_json_number(v->p, v->len))
		return out_write(o, v->p, v->len);
	init_cls();
	e = s + v->len;
	out_putc(o, '"');
	while (s < e) {
		if (!scalar) {
			/* the run of bytes written as they are, in one copy */
			const unsigned char *r = s;
			uint64_t x;

			while (e - r >= 8) {
				memcpy(&x, r, 8);
				if (dirty8(x) | (((x ^ 0x2222222222222222ULL) -
				    0x0101010101010101ULL) & 0x8080808080808080ULL))
					break;
				r += 8;
			}
			while (r < e && cls[*r] == C_PLAIN && *r != '"')
				r++;
			if (r > s) {
				out_write(o, s, (size_t)(r - s));
				s = r;
				continue;
			}
		}
		c = *s;
		switch (cls[c]) {
		case C_PLAIN:
			if (c == '"')
				out_putc(o, '\\');
			out_putc(o, (char)c);
			s++;
			continue;
		case C_HIGH:
			if ((k = rec_utf8_len(s, (size_t)(e - s))) > 0) {
				out_write(o, s, k);
				s += k;
				continue;
			}
			break;
		case C_ESC:
			if (c == '\\' && v->enc == REC_BSL &&
			    (k = bsl_decode(s, (size_t)(e - s), &c)) > 0) {
				s += k;
				if (c == '"' || c == '\\')
					out_putc(o, '\\');
				out_putc(o, (char)c);
				continue;
			}
			s++;
			out_putc(o, '\\');
			out_putc(o, c == '\\' ? '\\' : copy_esc[c]);
			continue;
		}
		/* the text \xHH, as in records; JSON escapes its backslash */
		memcpy(u, "\\\\x", 3);
		u[3] = hex[c >> 4];
		u[4] = hex[c & 15];
		out_write(o, u, 5);
		s++;
	}
	return out_putc(o, '"');
}

int
rec_put_json_clean(struct out *o, const struct rec_val *v, int numeric)
{
	const char *s = v->p, *e = s + v->len, *q;
	char *d0, *d;

	if (v->enc == REC_ABSENT || scalar || v->len > OUT_BUFSZ / 4)
		return rec_put_json(o, v, numeric);
	if (numeric && v->enc == REC_RAW && is_json_number(v->p, v->len))
		return out_write(o, v->p, v->len);
	/* only '"' is escaped in clean text */
	if ((d0 = d = out_reserve(o, 2 * (size_t)v->len + 2)) == NULL)
		return -1;
	*d++ = '"';
	while ((q = memchr(s, '"', (size_t)(e - s))) != NULL) {
		memcpy(d, s, (size_t)(q - s));
		d += q - s;
		*d++ = '\\';
		*d++ = '"';
		s = q + 1;
	}
	copy_small(d, s, (size_t)(e - s));
	d += e - s;
	*d++ = '"';
	out_commit(o, (size_t)(d - d0));
	return 0;
}

size_t
rec_decimal(const char *p, size_t n, int places, char *o)
{
	size_t ip, k = 0, i, end;

	while (n > 1 && *p == '0') {
		p++;
		n--;
	}
	if (n > (size_t)places) {
		ip = n - (size_t)places;
		memcpy(o, p, ip);
		k = ip;
	} else {
		ip = 0;
		o[k++] = '0';
	}
	o[k++] = '.';
	for (i = n; i < (size_t)places; i++)
		o[k++] = '0';
	memcpy(o + k, p + ip, n - ip);
	k += n - ip;
	for (end = k; o[end - 1] == '0'; end--)
		;
	if (o[end - 1] == '.')
		end--;
	return end;
}

/* the TABs of p[0..n): sixteen bytes a step, counted in byte lanes */
static size_t
count_tabs(const char *p, size_t n)
{
	size_t c = 0, i = 0;

#ifdef __SSE2__
	/* 0 for the first 16, then 0xff: at m + r, the last r lanes kept */
	static const unsigned char m[32] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		255, 255, 255, 255, 255, 255, 255, 255,
		255, 255, 255, 255, 255, 255, 255, 255
	};

	if (!scalar && n >= 16) {
		const __m128i tab = _mm_set1_epi8('\t'), z = _mm_setzero_si128();
		__m128i acc, v;
		size_t stop;

		while (i + 16 <= n) {
			/* at most 255 steps before a lane could wrap */
			acc = z;
			stop = n - i >= 255 * 16 ? i + 255 * 16 : n - 15;
			for (; i < stop; i += 16) {
				v = _mm_loadu_si128((const __m128i *)(const void *)
				    (p + i));
				acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, tab));
			}
			if (i + 16 > n && i < n) {
				/* the last n - i bytes: the last 16, masked */
				v = _mm_loadu_si128((const __m128i *)(const void *)
				    (p + n - 16));
				v = _mm_and_si128(_mm_cmpeq_epi8(v, tab),
				    _mm_loadu_si128((const __m128i *)(const void *)
				    (m + (n - i))));
				acc = _mm_sub_epi8(acc, v);
				i = n;
			}
			acc = _mm_sad_epu8(acc, z);
			c += (size_t)_mm_cvtsi128_si32(acc) +
			    (size_t)_mm_cvtsi128_si32(_mm_srli_si128(acc, 8));
		}
	}
#endif
	for (; i < n; i++)
		c += p[i] == '\t';
	return c;
}

int
rec_split_head(char *line, size_t len, char **f, size_t *flen, int max,
    int last)
{
	char *p = line, *e = line + len, *t;
	int n = 0;

	(void)rec_scalar();
	if (last >= max)
		last = max - 1;
	if (last < 0)
		return (int)count_tabs(line, len) + 1;
#ifdef __SSE2__
	if (!scalar) {
		char *s = line;

		while (e - s >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
			unsigned bits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
			    _mm_set1_epi8('\t')));

			while (bits != 0) {
				t = s + __builtin_ctz(bits);
				f[n] = p;
				flen[n] = (size_t)(t - p);
				p = t + 1;
				if (++n > last)
					return n + (int)count_tabs(p,
					    (size_t)(e - p)) + 1;
				bits &= bits - 1;
			}
			s += 16;
		}
		for (; s < e; s++)
			if (*s == '\t') {
				f[n] = p;
				flen[n] = (size_t)(s - p);
				p = s + 1;
				if (++n > last)
					return n + (int)count_tabs(p,
					    (size_t)(e - p)) + 1;
			}
		f[n] = p;
		flen[n] = (size_t)(e - p);
		return n + 1;
	}
#endif
	for (;;) {
		t = memchr(p, '\t', (size_t)(e - p));
		f[n] = p;
		flen[n] = (size_t)((t ? t : e) - p);
		n++;
		if (t == NULL)
			return n;
		p = t + 1;
		if (n > last)
			return n + (int)count_tabs(p, (size_t)(e - p)) + 1;
	}
}

int
rec_split(char *line, size_t len, char **f, size_t *flen, int max)
{
	return rec_split_head(line, len, f, flen, max, max - 1);
}

long
rec_unescape(char *p, size_t len)
{
	char *s = p, *d = p, *e = p + len;

	if (len == 2 && p[0] == '\\' && p[1] == 'N')
		return -1;
	if ((s = memchr(p, '\\', len)) == NULL)
		return (long)len;
	d = s;
	while (s < e) {
		if (*s != '\\' || s + 1 == e) {
			*d++ = *s++;
			continue;
		}
		switch (s[1]) {
		case 't': *d++ = '\t'; break;
		case 'n': *d++ = '\n'; break;
		case 'r': *d++ = '\r'; break;
		case 'b': *d++ = '\b'; break;
		case 'f': *d++ = '\f'; break;
		case 'v': *d++ = '\v'; break;
		default: *d++ = s[1]; break;
		}
		s += 2;
	}
	return (long)(d - p);
}

static const char digits2[] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

size_t
rec_u64(char *d, uint64_t v)
{
	char b[20], *p = b + sizeof(b);
	uint64_t w[2];
	size_t n;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (v < 10000000000000000ULL) {
		n = rec_u64w(v, w);
		memcpy(d, &w[0], 8);
		memcpy(d + 8, &w[1], 8);
		return n;
	}
#else
	(void)w;
#endif
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);

		v /= 100;
		p -= 2;
		memcpy(p, digits2 + 2 * r, 2);
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, digits2 + 2 * v, 2);
	} else
		*--p = (char)('0' + v);
	n = (size_t)(b + sizeof(b) - p);
	memcpy(d, p, n);
	return n;
}

size_t
rec_origin_fmt(char *d, uint64_t id, uint64_t start, uint64_t end)
{
	size_t n;
	int i;

	for (i = 0; i < 16; i++)
		d[i] = hex[(id >> (60 - 4 * i)) & 15];
	d[16] = ':';
	n = 17 + rec_u64(d + 17, start);
	d[n++] = ':';
	return n + rec_u64(d + n, end);
}

/* 1 to 19 decimal digits at p (n bytes) into *v; -1 when not */
static int
dec19(const char *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (n == 0 || n > 19)
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}
	*v = x;
	return 0;
}

int
rec_origin(const char *p, size_t len, uint64_t *id, uint64_t *start,
    uint64_t *end)
{
	const char *c;
	uint64_t x = 0, s, e;
	size_t i;
	int h;

	if (len < 20 || len > REC_ORIGIN_MAX - 2 || p[16] != ':')
		return -1;
	for (i = 0; i < 16; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			h = p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			h = p[i] - 'a' + 10;
		else
			return -1;
		x = x << 4 | (uint64_t)h;
	}
	if ((c = memchr(p + 17, ':', len - 17)) == NULL ||
	    dec19(p + 17, (size_t)(c - (p + 17)), &s) == -1 ||
	    dec19(c + 1, (size_t)(p + len - (c + 1)), &e) == -1 || s >= e)
		return -1;
	*id = x;
	*start = s;
	*end = e;
	return 0;
}

/* digits as a number; -1 if not all digits (or empty, or \N) */
int64_t
rec_digits(const char *p, size_t n)
{
	int64_t v = 0;
	unsigned d;
	size_t i;

	if (n == 0 || n > 18)
		return -1;
	for (i = 0; i < n; i++) {
		if ((d = (unsigned)(unsigned char)p[i] - '0') > 9)
			return -1;
		v = v * 10 + d;
	}
	return v;
}

/* decimal seconds as microseconds; -1 if not a decimal */
int64_t
rec_micros(const char *p, size_t n)
{
	int64_t s = 0, us = 0;
	size_t i = 0;
	int d = 0;

	for (; i < n && p[i] >= '0' && p[i] <= '9' && i < 12; i++)
		s = s * 10 + (p[i] - '0');
	if (i == 0 && (n == 0 || p[0] != '.'))
		return -1;
	if (i < n && p[i] == '.')
		for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			if (d < 6) {
				us = us * 10 + (p[i] - '0');
				d++;
			}
	if (i != n)
		return -1;
	while (d++ < 6)
		us *= 10;
	return s * 1000000 + us;
}

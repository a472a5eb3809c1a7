#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tm.h"
#include "w3c.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

enum {
	K_TEXT, K_DATE, K_TIME, K_LDATE, K_LTIME, K_URI, K_STATUS, K_NUM,
	K_DUR
};

#define NAMES_MAX 8192		/* bytes of column names of one #Fields */

/*
 * One stream's state, kept per source by omph-parse --tagged: what is held
 * is sized to its #Fields and its longest line, not to the limits, so that
 * many sources cost little (about 4 KiB each).
 */
struct w3c {
	struct rec_schema schema;
	int nin;			/* values per record (#Fields count) */
	uint8_t kind[REC_MAXF];		/* per input position */
	int16_t col[REC_MAXF];		/* schema column (-1: none) */
	int16_t col2;			/* query column of cs-uri */
	int dur_places;			/* 3: time-taken in ms; 0: seconds */
	char date[11];			/* from #Date, "" if none */
	long gmtoff;			/* from #GMT-Offset, seconds east */
	size_t namelen, namecap;		/* namecap <= NAMES_MAX */
	char *names;			/* the column names, NUL-terminated */
	struct tm_cache tc;
	char *tok[REC_MAXF + 1];
	size_t toklen[REC_MAXF + 1];
	char scratch[2 * TM_ISOMAX];
	char *qbuf;			/* quoted values with "" undoubled */
	size_t qcap;
	int clean;			/* w3c_clean */
};

struct w3c *
w3c_new(void)
{
	return calloc(1, sizeof(struct w3c));
}

void
w3c_free(struct w3c *w)
{
	if (w == NULL)
		return;
	free(w->qbuf);
	free(w->names);
	free(w);
}

int
w3c_clean(const struct w3c *w)
{
	return w->clean;
}

const struct rec_schema *
w3c_schema(const struct w3c *w)
{
	return &w->schema;
}

static const struct {
	const char *w3c, *canon;
	int kind;
} w3c_map[] = {
	{ "date", "time", K_DATE },
	{ "time", "time", K_TIME },
	{ "date-local", "time", K_LDATE },
	{ "time-local", "time", K_LTIME },
	{ "cs-host", "vhost", K_TEXT },
	{ "cs(Host)", "vhost", K_TEXT },
	{ "x-host-header", "vhost", K_TEXT },
	{ "c-ip", "client", K_TEXT },
	{ "cs-username", "user", K_TEXT },
	{ "c-auth-id", "user", K_TEXT },
	{ "cs-method", "method", K_TEXT },
	{ "cs-uri-stem", "path", K_TEXT },
	{ "cs-uri", "path", K_URI },
	{ "cs-uri-query", "query", K_TEXT },
	{ "cs-version", "protocol", K_TEXT },
	{ "cs-protocol-version", "protocol", K_TEXT },
	{ "sc-status", "status", K_STATUS },
	{ "sc-bytes", "bytes", K_NUM },
	{ "bytes", "bytes", K_NUM },
	{ "cs(Referer)", "referer", K_TEXT },
	{ "cs(Referrer)", "referer", K_TEXT },
	{ "cs(User-Agent)", "agent", K_TEXT },
	{ "time-taken", "duration", K_DUR },
	{ "TimeTakenMS", "duration", K_DUR },
};

static int
find_col(struct w3c *w, const char *name)
{
	int i;

	for (i = 0; i < w->schema.n; i++)
		if (strcmp(w->schema.names[i], name) == 0)
			return i;
	return -1;
}

static int
new_col(struct w3c *w, const char *name, size_t n)
{
	char *d;

	if (w->schema.n == REC_MAXF || w->namelen + n + 1 > w->namecap)
		return -1;
	d = w->names + w->namelen;
	memcpy(d, name, n);
	d[n] = '\0';
	w->namelen += n + 1;
	w->schema.names[w->schema.n] = d;
	return w->schema.n++;
}

/* the first space or TAB in [p, e), or e */
static inline char *
find_ws(char *p, char *e)
{
#ifdef __SSE2__
	if (!rec_scalar())
		while (e - p >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			unsigned bits = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			    _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))));

			if (bits != 0)
				return p + __builtin_ctz(bits);
			p += 16;
		}
#endif
	while (p < e && *p != ' ' && *p != '\t')
		p++;
	return p;
}

#ifdef __SSE2__
#define W3C_MASKMAX 4096	/* lines up to this are split by bit masks */

/* the bits of spaces and TABs of a line, one pass (static: one thread) */
static uint64_t wsmask[W3C_MASKMAX / 64];

/*
 * Index p[0..n) (n <= W3C_MASKMAX): wsmask gets its spaces and TABs;
 * returns -1 when it holds a '"' (split the slow way), else whether no
 * byte needs escaping (rec_clean).
 */
static int
index_ws(const char *p, size_t n)
{
	unsigned char pad[64];
	const unsigned char *s = (const unsigned char *)p;
	__m128i acc = _mm_setzero_si128(), q = _mm_setzero_si128(), v;
	size_t w, nw = (n + 63) / 64;
	uint64_t m;
	unsigned sh;
	int b;

	for (w = 0; w < nw; w++, s += 64) {
		sh = 0;
		if (w + 1 == nw && n % 64 != 0) {
			if (n > 64) {
				/* the last 64 bytes, the mask shifted down */
				s = (const unsigned char *)p + n - 64;
				sh = 64 - (unsigned)(n % 64);
			} else {
				memset(pad, 'A', sizeof(pad));
				memcpy(pad, s, n % 64);
				s = pad;
			}
		}
		for (b = 0, m = 0; b < 4; b++) {
			v = _mm_loadu_si128((const __m128i *)(const void *)(s + 16 * b));
			m |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(
			    _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')))) << (16 * b);
			q = _mm_or_si128(q, _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
			acc = _mm_or_si128(acc, _mm_or_si128(_mm_cmplt_epi8(v,
			    _mm_set1_epi8(0x20)), _mm_or_si128(_mm_cmpeq_epi8(v,
			    _mm_set1_epi8(0x5c)), _mm_cmpeq_epi8(v,
			    _mm_set1_epi8(0x7f)))));
		}
		wsmask[w] = m >> sh;
	}
	if (n % 64 != 0)
		wsmask[nw - 1] |= ~0ULL << (n % 64);
	if (_mm_movemask_epi8(q) != 0)
		return -1;
	/* a TAB is not clean: TAB-separated lines take the escaping path */
	return _mm_movemask_epi8(acc) == 0;
}

/*
 * tokens() of a line without '"' indexed by index_ws: the runs between
 * set bits.  Same result.
 */
static int
tokens_masked(struct w3c *w, char *p, size_t len, int max)
{
	size_t wd, nw = (len + 63) / 64, base;
	uint64_t x, prev = 1, sh, st, en;
	int ns = 0, ne = 0;

	/*
	 * A token starts at a byte that is not a space or TAB after one that
	 * is (or at the start), and ends at a space or TAB after a byte that
	 * is not; past len all bytes count as spaces.
	 */
	for (wd = 0; wd < nw; wd++) {
		x = wsmask[wd];
		sh = x << 1 | prev;
		prev = x >> 63;
		st = ~x & sh;
		en = x & ~sh;
		base = wd << 6;
		while (en != 0 && ne < ns) {
			w->toklen[ne] = base + (size_t)__builtin_ctzll(en) -
			    (size_t)(w->tok[ne] - p);
			ne++;
			en &= en - 1;
		}
		while (st != 0) {
			if (ns == max)
				return ns + 1;
			w->tok[ns++] = p + base + __builtin_ctzll(st);
			st &= st - 1;
			if (en != 0) {
				w->toklen[ne] = base + (size_t)__builtin_ctzll(en) -
				    (size_t)(w->tok[ne] - p);
				ne++;
				en &= en - 1;
			}
		}
	}
	if (ne < ns)
		w->toklen[ne] = len - (size_t)(w->tok[ne] - p);
	return ns;
}
#endif

/*
 * Split p[0..n) into tokens; quoted values lose their quotes.  The line is
 * left as it is: a value with "" standing for one quote is undoubled into
 * w->qbuf, grown to e - p bytes.  Returns the count (max + 1 when there
 * are more), -1 on ENOMEM.
 */
static int
tokens(struct w3c *w, char *p, char *e, int max)
{
	int n = 0;
	char *s, *q;

	if ((size_t)(e - p) > w->qcap) {
		/* rounded up: lines a few bytes longer do not each realloc */
		size_t cap = ((size_t)(e - p) | 511) + 1;

		if ((q = realloc(w->qbuf, cap)) == NULL)
			return -1;
		w->qbuf = q;
		w->qcap = cap;
	}
	q = w->qbuf;

	for (;;) {
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p == e)
			return n;
		if (n == max)
			return n + 1;	/* too many: values past max are not kept */
		if (*p == '"') {
			/* "..." with "" standing for one quote, undoubled in place */
			char *d = NULL;

			s = ++p;
			while (p < e) {
				if (*p == '"' && p + 1 < e && p[1] == '"') {
					if (d == NULL) {
						/* the first "": copy from here */
						memcpy(q, s, (size_t)(p - s));
						d = q + (p - s);
					}
					p++;
				} else if (*p == '"')
					break;
				if (d != NULL)
					*d++ = *p;
				p++;
			}
			if (d != NULL) {
				w->tok[n] = q;
				w->toklen[n] = (size_t)(d - q);
				q = d;
			} else {
				w->tok[n] = s;
				w->toklen[n] = (size_t)(p - s);
			}
			if (p < e)
				p++;
		} else {
			s = p;
			p = find_ws(p, e);
			w->tok[n] = s;
			w->toklen[n] = (size_t)(p - s);
		}
		n++;
	}
}

static int
fields(struct w3c *w, char *p, char *e, char *why, size_t whylen)
{
	int n, i, c;
	size_t j;
	const char *canon;
	char name[256];

	w->schema.n = 0;
	w->schema.gen++;
	w->namelen = 0;
	w->nin = 0;
	w->col2 = -1;
	w->dur_places = 3;
	if ((n = tokens(w, p, e, REC_MAXF)) < 0) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (n > REC_MAXF) {
		snprintf(why, whylen, "#Fields names more than %d fields", REC_MAXF);
		return -1;
	}
	/* room for every name, canonical (at most 8 bytes) or its own */
	for (i = 0, j = 6; i < n; i++)
		j += (w->toklen[i] < 8 ? 8 : w->toklen[i]) + 1;
	if (j > NAMES_MAX)
		j = NAMES_MAX;
	if (j > w->namecap) {
		char *nb;

		if ((nb = realloc(w->names, j)) == NULL) {
			snprintf(why, whylen, "out of memory");
			return -1;
		}
		w->names = nb;
		w->namecap = j;
	}
	for (i = 0; i < n; i++)
		if (w->toklen[i] > 7 && strncasecmp(w->tok[i], "x-edge-", 7) == 0)
			w->dur_places = 0;
	for (i = 0; i < n; i++) {
		if (w->toklen[i] >= sizeof(name)) {
			snprintf(why, whylen, "field name too long in #Fields");
			return -1;
		}
		memcpy(name, w->tok[i], w->toklen[i]);
		name[w->toklen[i]] = '\0';
		w->kind[i] = K_TEXT;
		canon = NULL;
		for (j = 0; j < sizeof(w3c_map) / sizeof(w3c_map[0]); j++)
			if (strcasecmp(w3c_map[j].w3c, name) == 0) {
				canon = w3c_map[j].canon;
				w->kind[i] = (uint8_t)w3c_map[j].kind;
				break;
			}
		c = -1;
		if (canon != NULL && (c = find_col(w, canon)) >= 0 &&
		    w->kind[i] != K_DATE && w->kind[i] != K_TIME &&
		    w->kind[i] != K_LDATE && w->kind[i] != K_LTIME) {
			/* canonical column taken: keep the field's own name */
			c = -1;
			canon = NULL;
			w->kind[i] = K_TEXT;
		}
		if (c < 0)
			c = canon ? new_col(w, canon, strlen(canon)) :
			    new_col(w, name, w->toklen[i]);
		if (c < 0) {
			snprintf(why, whylen, "#Fields too long");
			return -1;
		}
		w->col[i] = (int16_t)c;
		if (w->kind[i] == K_URI && (w->col2 = (int16_t)find_col(w,
		    "query")) < 0 && (w->col2 = (int16_t)new_col(w, "query",
		    5)) < 0)
			return -1;
	}
	w->nin = n;
	return 0;
}

static long
gmt_offset(const char *p, size_t n)
{
	int sign = 1, h, m;

	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	if (n < 5 || (*p != '+' && *p != '-'))
		return 0;
	sign = *p == '-' ? -1 : 1;
	/* four digits, read within the n bytes there are: "+HHMM" */
	if (p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9' ||
	    p[3] < '0' || p[3] > '9' || p[4] < '0' || p[4] > '9')
		return 0;
	h = (p[1] - '0') * 10 + (p[2] - '0');
	m = (p[3] - '0') * 10 + (p[4] - '0');
	return sign * (h * 3600L + m * 60L);
}

static int
directive(struct w3c *w, char *p, char *e, char *why, size_t whylen)
{
	size_t n = (size_t)(e - p);

	if (n >= 8 && strncasecmp(p, "#Fields:", 8) == 0)
		return fields(w, p + 8, e, why, whylen) == -1 ? -1 : W3C_DIRECTIVE;
	if (n >= 6 && strncasecmp(p, "#Date:", 6) == 0) {
		p += 6;
		while (p < e && *p == ' ')
			p++;
		if (e - p >= 10 && p[4] == '-' && p[7] == '-') {
			memcpy(w->date, p, 10);
			w->date[10] = '\0';
		}
	} else if (n >= 12 && strncasecmp(p, "#GMT-Offset:", 12) == 0)
		w->gmtoff = gmt_offset(p + 12, n - 12);
	return W3C_DIRECTIVE;
}

int
w3c_line(struct w3c *w, char *line, size_t len, struct rec_val *vals,
    char *why, size_t whylen)
{
	char *e = line + len, *scr = w->scratch;
	int n, i, k, lt = -1, ld = -1, dt = -1, dd = -1, local = 0;
	struct rec_val *v;

	if (e > line && e[-1] == '\r')
		e--;
	if (e == line)
		return W3C_DIRECTIVE;
	if (*line == '#')
		return directive(w, line, e, why, whylen);
	if (w->nin == 0) {
		snprintf(why, whylen, "no #Fields directive before this line");
		return -1;
	}
	n = -2;
#ifdef __SSE2__
	if (!rec_scalar() && (size_t)(e - line) <= W3C_MASKMAX) {
		k = index_ws(line, (size_t)(e - line));
		if (k >= 0) {
			n = tokens_masked(w, line, (size_t)(e - line), w->nin);
			w->clean = k;
		}
	}
#endif
	if (n == -2) {
		w->clean = rec_clean(line, (size_t)(e - line));
		n = tokens(w, line, e, w->nin);
	}
	if (n != w->nin) {
		snprintf(why, whylen, "%s%d values for %d fields", n > w->nin ?
		    "more than " : "", n > w->nin ? w->nin : n, w->nin);
		return -1;
	}
	/* every value absent (REC_ABSENT is 0) until the line sets it */
	memset(vals, 0, (size_t)w->schema.n * sizeof(*vals));
	for (i = 0; i < n; i++) {
		char *t = w->tok[i];
		size_t tl = w->toklen[i];

		if (tl == 0 || (tl == 1 && *t == '-'))
			continue;
		v = &vals[w->col[i]];
		if (w->kind[i] == K_TEXT) {
			v->p = t;
			v->len = (uint32_t)tl;
			v->enc = REC_RAW;
			continue;
		}
		switch (w->kind[i]) {
		case K_DATE: dd = i; continue;
		case K_TIME: dt = i; continue;
		case K_LDATE: ld = i; continue;
		case K_LTIME: lt = i; continue;
		case K_STATUS:
		case K_NUM:
			for (k = 0; k < (int)tl; k++)
				if (t[k] < '0' || t[k] > '9' || k > 19) {
					snprintf(why, whylen, "bad number in %s",
					    w->schema.names[w->col[i]]);
					return -1;
				}
			break;
		case K_DUR:
			if (w->dur_places == 0)
				break;
			for (k = 0; k < (int)w->toklen[i]; k++)
				if (w->tok[i][k] < '0' || w->tok[i][k] > '9' || k > 15) {
					snprintf(why, whylen, "bad time-taken");
					return -1;
				}
			v->p = scr + TM_ISOMAX;
			v->len = (uint32_t)rec_decimal(w->tok[i], w->toklen[i], 3,
			    scr + TM_ISOMAX);
			v->enc = REC_RAW;
			continue;
		case K_URI:
			{
				char *q = memchr(w->tok[i], '?', w->toklen[i]);

				if (q != NULL) {
					vals[w->col2].p = q + 1;
					vals[w->col2].len = (uint32_t)(w->tok[i] +
					    w->toklen[i] - q - 1);
					vals[w->col2].enc = REC_RAW;
					w->toklen[i] = (size_t)(q - w->tok[i]);
				}
			}
			break;
		}
		v->p = w->tok[i];
		v->len = (uint32_t)w->toklen[i];
		v->enc = REC_RAW;
	}
	/* time: date+time (UTC), else local ones with #GMT-Offset */
	if (dd < 0 && dt < 0 && (ld >= 0 || lt >= 0)) {
		dd = ld;
		dt = lt;
		local = 1;
	}
	if (dd >= 0 || dt >= 0) {
		const char *dp = dd >= 0 ? w->tok[dd] : w->date;
		size_t dl = dd >= 0 ? w->toklen[dd] : strlen(w->date);

		if (dl == 0) {
			snprintf(why, whylen, "time without a date (no #Date)");
			return -1;
		}
		k = tm_w3c(&w->tc, dp, dl, dt >= 0 ? w->tok[dt] : NULL,
		    dt >= 0 ? w->toklen[dt] : 0, local ? w->gmtoff : 0, scr);
		if (k < 0) {
			snprintf(why, whylen, "bad date or time");
			return -1;
		}
		v = &vals[w->col[dd >= 0 ? dd : dt]];
		v->p = scr;
		v->len = (uint32_t)k;
		v->enc = REC_RAW;
	}
	return W3C_RECORD;
}

/*
 * libFuzzer target: lib/rec (the record format).
 *
 * Each input line is cut with rec_split; a line starting with '#' is a
 * header (its names, NUL-terminated, go through rec_put_header), any other
 * is a record: each field is written back with rec_put (raw and as
 * Apache/nginx backslash text), rec_put_json (plain and numeric), the whole
 * row with rec_put_row, and then decoded in place with rec_unescape.  What
 * rec promises is checked: written values carry no control byte and no
 * invalid UTF-8, a row keeps its field count, JSON strings and numbers are
 * well formed, and a value of printable text survives rec_put then
 * rec_unescape unchanged.  rec_canon and rec_decimal (within its stated
 * preconditions) get the fields too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "rec.h"

#define FUZZ_NAME "fuzz-rec"
#include "check.h"

#define MAXF 64			/* fields kept per line (more are counted) */

static struct out *o;

/* a JSON string (as written: escapes " \\ \t \n \r only) or, when numeric
 * was asked for, a JSON number without exponent */
static int
json_ok(const char *p, size_t n, int numeric)
{
	const unsigned char *s = (const unsigned char *)p, *e = s + n;
	size_t k;

	if (n == 4 && memcmp(p, "null", 4) == 0)
		return 1;
	if (n >= 1 && *s != '"') {
		size_t i = 0, d;

		if (!numeric)
			return 0;
		if (p[i] == '-')
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
	if (n < 2 || e[-1] != '"')
		return 0;
	for (s++, e--; s < e;) {
		if (*s == '\\') {
			if (s + 1 == e || strchr("\"\\/bfnrt", s[1]) == NULL ||
			    s[1] == '\0')
				return 0;
			s += 2;
			continue;
		}
		if (*s == '"' || *s < 0x20 || (k = utf8_ok(s, (size_t)(e - s))) == 0)
			return 0;
		s += k;
	}
	return 1;
}

/* what rec_put writes since *mark: flush and take it */
static const char *
taken(size_t *mark, size_t *n)
{
	if (out_flush(o) == -1)
		abort();	/* memory out: only ENOMEM */
	*n = o->memlen - *mark;
	*mark = o->memlen;
	return o->mem + o->memlen - *n;
}

/* 1 when rec_put then rec_unescape must give p back: printable text and
 * valid UTF-8, TAB LF CR and backslash allowed */
static int
round_trips(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p, *e = s + n;
	size_t k;

	while (s < e) {
		if (*s == '\t' || *s == '\n' || *s == '\r') {
			s++;
			continue;
		}
		if (*s < 0x20 || *s == 0x7f || (k = utf8_ok(s, (size_t)(e - s))) == 0)
			return 0;
		s += k;
	}
	return 1;
}

static void
value(const char *p, size_t n, size_t *mark)
{
	struct rec_val v;
	const char *w;
	size_t wn, tabs;
	char *copy;
	long u;
	int enc;

	v.p = p;
	v.len = (uint32_t)n;
	for (enc = REC_RAW; enc <= REC_BSL; enc++) {
		v.enc = (uint8_t)enc;
		rec_put(o, &v);
		w = taken(mark, &wn);
		if (!clean_text(w, wn, &tabs) || tabs != 0)
			fail("rec_put wrote a control byte or invalid UTF-8", w, wn);
		if (enc == REC_RAW && round_trips(p, n)) {
			if ((copy = malloc(wn + 1)) == NULL)
				abort();
			memcpy(copy, w, wn);
			u = rec_unescape(copy, wn);
			if (u < 0 || (size_t)u != n || memcmp(copy, p, n) != 0)
				fail("rec_put then rec_unescape changed the value", p,
				    n);
			free(copy);
		}
		rec_put_json(o, &v, 0);
		w = taken(mark, &wn);
		if (!json_ok(w, wn, 0))
			fail("rec_put_json wrote bad JSON", w, wn);
		rec_put_json(o, &v, 1);
		w = taken(mark, &wn);
		if (!json_ok(w, wn, enc == REC_RAW))
			fail("rec_put_json (numeric) wrote bad JSON", w, wn);
	}
	v.enc = REC_ABSENT;
	rec_put(o, &v);
	w = taken(mark, &wn);
	if (wn != 2 || memcmp(w, "\\N", 2) != 0)
		fail("absent value not \\N", w, wn);
	rec_put_json(o, &v, 1);
	w = taken(mark, &wn);
	if (wn != 4 || memcmp(w, "null", 4) != 0)
		fail("absent JSON value not null", w, wn);
}

/* rec_decimal within its preconditions: n <= 20 digits, places <= 9 */
static void
decimal(const char *p, size_t n, int places)
{
	char *d, want[64];
	size_t k, i, dn, wn = 0, ip;
	const char *digits = p;

	if (n == 0 || n > 20)
		return;
	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return;
	if ((d = malloc(32)) == NULL)
		abort();
	k = rec_decimal(p, n, places, d);
	if (k == 0 || k > 32)
		fail("rec_decimal length out of range", p, n);
	/* the expected text: digits with the point places from the right,
	 * no leading zeros but one, no trailing zeros of a fraction */
	dn = n;
	while (dn > 1 && *digits == '0')
		digits++, dn--;
	ip = dn > (size_t)places ? dn - (size_t)places : 0;
	if (ip == 0)
		want[wn++] = '0';
	else {
		memcpy(want, digits, ip);
		wn = ip;
	}
	want[wn++] = '.';
	for (i = dn; i < (size_t)places; i++)
		want[wn++] = '0';
	memcpy(want + wn, digits + ip, dn - ip);
	wn += dn - ip;
	while (want[wn - 1] == '0')
		wn--;
	if (want[wn - 1] == '.')
		wn--;
	if (k != wn || memcmp(d, want, k) != 0)
		fail("rec_decimal wrong", p, n);
	free(d);
}

static void
line(char *p, size_t len, size_t *mark)
{
	char *f[MAXF], *names[MAXF];
	size_t fl[MAXF], wn, tabs;
	const struct rec_val *row[MAXF];
	struct rec_val vals[MAXF];
	const char *w;
	int n, k, i;

	n = rec_split(p, len, f, fl, MAXF);
	if (n < 1)
		fail("rec_split counted no field", p, len);
	k = n < MAXF ? n : MAXF;
	for (i = 0; i < k; i++)
		if (f[i] < p || f[i] + fl[i] > p + len ||
		    memchr(f[i], '\t', fl[i]) != NULL ||
		    (f[i] + fl[i] < p + len && f[i][fl[i]] != '\t'))
			fail("rec_split field out of place", p, len);
	if (len > 0 && *p == '#') {
		/* a header: names without the '#', as C strings */
		for (i = 0; i < k; i++) {
			const char *s = i == 0 ? f[i] + 1 : f[i];
			size_t sl = i == 0 ? fl[i] - 1 : fl[i];

			if ((names[i] = malloc(sl + 1)) == NULL)
				abort();
			memcpy(names[i], s, sl);
			names[i][sl] = '\0';
			(void)rec_canon(s, sl);
		}
		rec_put_header(o, (const char *const *)names, k);
		w = taken(mark, &wn);
		if (wn < 2 || w[0] != '#' || w[wn - 1] != '\n' ||
		    !clean_text(w, wn - 1, &tabs) || tabs != (size_t)k - 1)
			fail("rec_put_header wrote a bad header", w, wn);
		for (i = 0; i < k; i++)
			free(names[i]);
		return;
	}
	/* the row as values (raw for even lines of fields, else \-escapes) */
	for (i = 0; i < k; i++) {
		vals[i].p = f[i];
		vals[i].len = (uint32_t)fl[i];
		vals[i].enc = fl[i] == 2 && memcmp(f[i], "\\N", 2) == 0 ?
		    REC_ABSENT : (i & 1) ? REC_BSL : REC_RAW;
		row[i] = i % 5 == 4 ? NULL : &vals[i];
	}
	rec_put_row(o, row, k);
	w = taken(mark, &wn);
	if (wn < 1 || w[wn - 1] != '\n' || !clean_text(w, wn - 1, &tabs) ||
	    tabs != (size_t)k - 1)
		fail("rec_put_row wrote a bad row", w, wn);
	/* a clean line: the copying writers write what the escaping ones do */
	if (rec_clean(p, len)) {
		char *want;
		size_t wl;

		if ((want = malloc(wn + 1)) == NULL)
			abort();
		memcpy(want, w, wn);
		wl = wn;
		rec_put_row_clean(o, row, k);
		w = taken(mark, &wn);
		if (wn != wl || memcmp(w, want, wn) != 0)
			fail("rec_put_row_clean differs from rec_put_row", p, len);
		free(want);
		for (i = 0; i < k; i++) {
			rec_put_json(o, &vals[i], i & 2);
			w = taken(mark, &wn);
			if ((want = malloc(wn + 1)) == NULL)
				abort();
			memcpy(want, w, wn);
			wl = wn;
			rec_put_json_clean(o, &vals[i], i & 2);
			w = taken(mark, &wn);
			if (wn != wl || memcmp(w, want, wn) != 0)
				fail("rec_put_json_clean differs from rec_put_json",
				    f[i], fl[i]);
			free(want);
		}
	} else {
		for (i = 0; i < (int)len; i++)
			if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] >= 0x7f ||
			    p[i] == '\\')
				break;
		if (i == (int)len)
			fail("rec_clean said a clean line is not", p, len);
	}
	/* the portable split: the same fields */
	{
		char *sf[MAXF];
		size_t sfl[MAXF];
		int sn;

		rec_set_scalar(1);
		sn = rec_split(p, len, sf, sfl, MAXF);
		rec_set_scalar(0);
		if (sn != n)
			fail("rec_split count, portable", p, len);
		for (i = 0; i < sn && i < MAXF; i++)
			if (sf[i] != f[i] || sfl[i] != fl[i])
				fail("rec_split field, portable", p, len);
	}
	/* rec_split_head: rec_split's count, its first fields */
	{
		char *hf[MAXF];
		size_t hfl[MAXF];
		int last = (int)(len % 9) - 1, hn;

		hn = rec_split_head(p, len, hf, hfl, MAXF, last);
		if (hn != n)
			fail("rec_split_head count", p, len);
		for (i = 0; i < hn && i <= last && i < MAXF; i++)
			if (hf[i] != f[i] || hfl[i] != fl[i])
				fail("rec_split_head field", p, len);
	}
	for (i = 0; i < k; i++) {
		(void)rec_canon(f[i], fl[i]);
		value(f[i], fl[i], mark);
		decimal(f[i], fl[i], (int)(fl[i] % 10));
		if (rec_unescape(f[i], fl[i]) > (long)fl[i])
			fail("rec_unescape grew a value", f[i], fl[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *p, *e, *nl, *l;
	size_t len, mark = 0;

	if (o == NULL && (o = malloc(sizeof(*o))) == NULL)
		abort();
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	out_init_mem(o);
	for (p = buf, e = buf + size; p < e; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		len = (size_t)(nl - p);
		/* each line in a buffer of its own, exactly its size */
		if ((l = malloc(len ? len : 1)) == NULL)
			break;
		memcpy(l, p, len);
		line(l, len, &mark);
		free(l);
	}
	out_free(o);
	free(buf);
	return 0;
}

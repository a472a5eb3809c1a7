/*
 * chfmt: ClickHouse's INSERT request for a batch and the meaning of its
 * answer (lib/chfmt.h).
 */
#include <stdio.h>
#include <string.h>

#include "chfmt.h"

/* the index of column name in header h (hlen bytes, '#' first), or -1 */
static int
column(const char *h, size_t hlen, const char *name)
{
	const char *e = h + hlen, *f = h + 1, *t;
	size_t n = strlen(name);
	int i;

	for (i = 0; f <= e; i++, f = t + 1) {
		if ((t = memchr(f, '\t', (size_t)(e - f))) == NULL)
			t = e;
		if ((size_t)(t - f) == n && memcmp(f, name, n) == 0)
			return i;
	}
	return -1;
}

static int
digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

/*
 * A time as DateTime reads it: 2015-05-17T10:05:03Z (a fraction dropped)
 * is 2015-05-17 10:05:03, a date alone is at 00:00:00; anything else as
 * it is (the server says whether it takes it).
 */
static int
ch_time(struct out_buf *k, const char *p, size_t n)
{
	char t[19];

	if (n >= 20 && digits(p, 4) && p[4] == '-' && digits(p + 5, 2) &&
	    p[7] == '-' && digits(p + 8, 2) && p[10] == 'T' &&
	    digits(p + 11, 2) && p[13] == ':' && digits(p + 14, 2) &&
	    p[16] == ':' && digits(p + 17, 2) && p[n - 1] == 'Z' &&
	    (n == 20 || (p[19] == '.' && digits(p + 20, n - 21)))) {
		memcpy(t, p, 19);
		t[10] = ' ';
		return out_buf_add(k, t, 19);
	}
	if (n == 10 && digits(p, 4) && p[4] == '-' && digits(p + 5, 2) &&
	    p[7] == '-' && digits(p + 8, 2)) {
		if (out_buf_add(k, p, 10) == -1)
			return -1;
		return out_buf_add(k, " 00:00:00", 9);
	}
	return out_buf_add(k, p, n);
}

int
chfmt_request(const char *name, const char *hdr, size_t hdrlen,
    const char *rows, size_t len, struct out_buf *target,
    struct out_buf *k)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *p, *e, *f, *t, *nl;
	char q[16 * 1024];
	size_t n = 0, i, o;
	int tcol, c;

	/* the query: INSERT INTO DB.TABLE (`a`,`b`) FORMAT ... */
	n = (size_t)snprintf(q, sizeof(q), "INSERT INTO %s (", name);
	e = hdr + hdrlen;
	for (f = hdr + 1, c = 0; f <= e && n + 600 < sizeof(q);
	    f = t + 1, c++) {
		if ((t = memchr(f, '\t', (size_t)(e - f))) == NULL)
			t = e;
		q[n++] = c > 0 ? ',' : '`';
		if (c > 0)
			q[n++] = '`';
		for (p = f; p < t && n + 600 < sizeof(q); p++) {
			if (*p == '`' || *p == '\\')
				q[n++] = '\\';
			q[n++] = *p;
		}
		q[n++] = '`';
	}
	n += (size_t)snprintf(q + n, sizeof(q) - n,
	    ") FORMAT TabSeparatedWithNames");
	if (out_buf_reserve(target, 16 + 3 * n) == -1)
		return -1;
	o = (size_t)sprintf(target->p, "/?query=");
	for (i = 0; i < n; i++) {
		unsigned char u = (unsigned char)q[i];

		if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
		    (u >= '0' && u <= '9') || u == '.' || u == '_' || u == '-')
			target->p[o++] = (char)u;
		else {
			target->p[o++] = '%';
			target->p[o++] = hex[u >> 4];
			target->p[o++] = hex[u & 15];
		}
	}
	target->p[o] = '\0';
	/* the body: the names, then the records, times made DateTime's */
	k->len = 0;
	if (out_buf_add(k, hdr + 1, hdrlen - 1) == -1 ||
	    out_buf_add(k, "\n", 1) == -1)
		return -1;
	tcol = column(hdr, hdrlen, "time");
	if (tcol < 0)
		return out_buf_add(k, rows, len);
	if (out_buf_reserve(k, len) == -1)
		return -1;
	for (p = rows, e = rows + len; p < e; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(e - p));
		for (f = p, c = 0; c < tcol && f < nl; c++) {
			if ((t = memchr(f, '\t', (size_t)(nl - f))) == NULL)
				t = nl;
			f = t + 1;
		}
		if (f > nl) {
			if (out_buf_add(k, p, (size_t)(nl + 1 - p)) == -1)
				return -1;
			continue;
		}
		if ((t = memchr(f, '\t', (size_t)(nl - f))) == NULL)
			t = nl;
		if (out_buf_add(k, p, (size_t)(f - p)) == -1 ||
		    ch_time(k, f, (size_t)(t - f)) == -1 ||
		    out_buf_add(k, t, (size_t)(nl + 1 - t)) == -1)
			return -1;
	}
	return 0;
}

/* ClickHouse's error codes about a value it could not take */
static int
ch_content(int code)
{
	static const int codes[] = { 6, 26, 27, 32, 33, 38, 41, 53, 69, 70,
	    72, 117, 131, 349 };
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i] == code)
			return 1;
	return 0;
}

int
chfmt_answer(int st, const char *abody, size_t blen, char *why, size_t wlen)
{
	int code = -1;

	if (st == 200)
		return CHFMT_TOOK;
	sink_words(why, wlen, abody, blen);
	if (blen > 6 && memcmp(abody, "Code: ", 6) == 0)
		code = sink_atoi(abody + 6, blen - 6);
	if ((st == 400 || st == 500) && ch_content(code))
		return CHFMT_CONTENT;
	if (why[0] == '\0')
		snprintf(why, wlen, "HTTP status %d", st);
	return CHFMT_DOWN;
}

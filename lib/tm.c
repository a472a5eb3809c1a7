#include <string.h>
#include <time.h>

#include "tm.h"

int64_t
tm_days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	/* H. Hinnant's days_from_civil */
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
put2(char *o, int v)
{
	o[0] = (char)('0' + v / 10);
	o[1] = (char)('0' + v % 10);
}

int
tm_iso(int64_t t, char *o)
{
	int64_t z, era, doe, yoe, y, doy, mp, sod;
	int d, m;

	z = (t >= 0 ? t : t - 86399) / 86400;
	sod = t - z * 86400;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = (int)(doy - (153 * mp + 2) / 5 + 1);
	m = (int)(mp < 10 ? mp + 3 : mp - 9);
	y += m <= 2;
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;	/* clamp: output stays 4 digits */
	put2(o, (int)(y / 100));
	put2(o + 2, (int)(y % 100));
	o[4] = '-';
	put2(o + 5, m);
	o[7] = '-';
	put2(o + 8, d);
	o[10] = 'T';
	put2(o + 11, (int)(sod / 3600));
	o[13] = ':';
	put2(o + 14, (int)(sod / 60 % 60));
	o[16] = ':';
	put2(o + 17, (int)(sod % 60));
	o[19] = 'Z';
	return 20;
}

/* n digits at p as a number, or -1 */
static int
num(const char *p, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	return v;
}

static int
valid(int y, int mo, int d, int h, int mi, int s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return 0;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	return h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 60;
}

static int64_t
epoch_of(int y, int mo, int d, int h, int mi, int s)
{
	return tm_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

/* fraction ".ddd" at p (len bytes available): its length, 0 if none, -1 bad */
static int
fraction(const char *p, size_t len)
{
	size_t i;

	if (len == 0 || *p != '.')
		return 0;
	for (i = 1; i < len && i < 16 && p[i] >= '0' && p[i] <= '9'; i++)
		;
	return i > 1 ? (int)i : -1;
}

/* ISO for epoch plus a fraction copied verbatim; returns length */
static int
iso_frac(int64_t t, const char *frac, int flen, char *o)
{
	int n = tm_iso(t, o);

	if (flen > 0) {
		memcpy(o + 19, frac, (size_t)flen);
		o[19 + flen] = 'Z';
		n += flen;
	}
	return n;
}

static int
cached(struct tm_cache *c, const char *p, size_t len, char *out)
{
	/* isolen is 0 in a cache that holds nothing yet */
	if (c != NULL && c->isolen > 0 && c->keylen == len &&
	    memcmp(c->key, p, len) == 0) {
		memcpy(out, c->iso, (size_t)c->isolen);
		return c->isolen;
	}
	return -1;
}

static void
remember(struct tm_cache *c, const char *p, size_t len, const char *iso, int n)
{
	if (c == NULL || len > sizeof(c->key))
		return;
	memcpy(c->key, p, len);
	c->keylen = len;
	memcpy(c->iso, iso, (size_t)n);
	c->isolen = n;
}

/* "+hhmm" / "-hh:mm" / "Z": seconds east of UTC, or -1 with *ok = 0 */
static long
zone(const char *p, size_t len, int *ok)
{
	int hh, mm, sign;

	*ok = 0;
	if (len == 1 && *p == 'Z') {
		*ok = 1;
		return 0;
	}
	if (len < 5 || (*p != '+' && *p != '-'))
		return 0;
	sign = *p == '-' ? -1 : 1;
	hh = num(p + 1, 2);
	if (len == 5)
		mm = num(p + 3, 2);
	else if (len == 6 && p[3] == ':')
		mm = num(p + 4, 2);
	else
		return 0;
	if (hh < 0 || mm < 0 || hh > 23 || mm > 59)
		return 0;
	*ok = 1;
	return sign * (hh * 3600L + mm * 60L);
}

static int
month(const char *p)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int i;

	for (i = 0; i < 12; i++)
		if (memcmp(names + 3 * i, p, 3) == 0)
			return i + 1;
	return -1;
}

int
tm_clf(struct tm_cache *c, const char *p, size_t len, char *out)
{
	int d, mo, y, h, mi, s, n, flen, ok;
	long off;
	const char *z;

	if ((n = cached(c, p, len, out)) >= 0)
		return n;
	/* 10/Oct/2000:13:55:36[.fff] -0700 */
	if (len < 26 || p[2] != '/' || p[6] != '/' || p[11] != ':' ||
	    p[14] != ':' || p[17] != ':')
		return -1;
	d = num(p, 2);
	mo = month(p + 3);
	y = num(p + 7, 4);
	h = num(p + 12, 2);
	mi = num(p + 15, 2);
	s = num(p + 18, 2);
	if (!valid(y, mo, d, h, mi, s))
		return -1;
	if ((flen = fraction(p + 20, len - 20)) < 0)
		return -1;
	z = p + 20 + flen;
	if (z >= p + len || *z != ' ')
		return -1;
	z++;
	off = zone(z, (size_t)(p + len - z), &ok);
	if (!ok)
		return -1;
	n = iso_frac(epoch_of(y, mo, d, h, mi, s) - off, p + 20, flen, out);
	remember(c, p, len, out, n);
	return n;
}

int
tm_w3c(struct tm_cache *c, const char *dp, size_t dlen, const char *tp,
    size_t tlen, long gmtoff, char *out)
{
	int y, mo, d, h = 0, mi = 0, s = 0, flen = 0, n;
	char key[40];
	size_t klen;

	if (dlen != 10 || tlen > 24)
		return -1;
	/* key: date, time; an offset change invalidates by prefix */
	memcpy(key, dp, 10);
	key[10] = ' ';
	if (tp != NULL)
		memcpy(key + 11, tp, tlen);
	klen = 11 + (tp != NULL ? tlen : 0);
	if (gmtoff == 0 && (n = cached(c, key, klen, out)) >= 0)
		return n;
	if (dp[4] != '-' || dp[7] != '-')
		return -1;
	y = num(dp, 4);
	mo = num(dp + 5, 2);
	d = num(dp + 8, 2);
	if (tp == NULL) {
		if (!valid(y, mo, d, 0, 0, 0))
			return -1;
		memcpy(out, dp, 10);
		return 10;
	}
	/* H:MM:SS or HH:MM:SS, optional fraction */
	if (tlen >= 8 && tp[2] == ':' && tp[5] == ':') {
		h = num(tp, 2);
		mi = num(tp + 3, 2);
		s = num(tp + 6, 2);
		flen = fraction(tp + 8, tlen - 8);
		if (flen < 0 || (size_t)(8 + flen) != tlen)
			return -1;
		tp += 8;
	} else if (tlen >= 7 && tp[1] == ':' && tp[4] == ':') {
		h = num(tp, 1);
		mi = num(tp + 2, 2);
		s = num(tp + 5, 2);
		flen = fraction(tp + 7, tlen - 7);
		if (flen < 0 || (size_t)(7 + flen) != tlen)
			return -1;
		tp += 7;
	} else
		return -1;
	if (!valid(y, mo, d, h, mi, s))
		return -1;
	n = iso_frac(epoch_of(y, mo, d, h, mi, s) - gmtoff, tp, flen, out);
	if (gmtoff == 0)
		remember(c, key, klen, out, n);
	return n;
}

int
tm_iso8601(struct tm_cache *c, const char *p, size_t len, char *out)
{
	int y, mo, d, h, mi, s, flen, n, ok;
	long off;

	if ((n = cached(c, p, len, out)) >= 0)
		return n;
	if (len < 20 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' &&
	    p[10] != ' ') || p[13] != ':' || p[16] != ':')
		return -1;
	y = num(p, 4);
	mo = num(p + 5, 2);
	d = num(p + 8, 2);
	h = num(p + 11, 2);
	mi = num(p + 14, 2);
	s = num(p + 17, 2);
	if (!valid(y, mo, d, h, mi, s))
		return -1;
	if ((flen = fraction(p + 19, len - 19)) < 0)
		return -1;
	off = zone(p + 19 + flen, len - 19 - (size_t)flen, &ok);
	if (!ok)
		return -1;
	n = iso_frac(epoch_of(y, mo, d, h, mi, s) - off, p + 19, flen, out);
	remember(c, p, len, out, n);
	return n;
}

int
tm_epoch(const char *p, size_t len, char *out)
{
	int64_t t = 0;
	size_t i;
	int flen;

	for (i = 0; i < len && i < 12 && p[i] >= '0' && p[i] <= '9'; i++)
		t = t * 10 + (p[i] - '0');
	if (i == 0)
		return -1;
	if ((flen = fraction(p + i, len - i)) < 0 || i + (size_t)flen != len)
		return -1;
	if (t > 253402300799LL)		/* past 9999-12-31T23:59:59Z */
		return -1;
	return iso_frac(t, p + i, flen, out);
}

double
tm_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
tm_iso_tail(const char *p, size_t len)
{
	size_t i;

	if (len == 1)
		return p[0] == 'Z';
	if (len < 3 || p[0] != '.' || p[len - 1] != 'Z')
		return 0;
	for (i = 1; i < len - 1; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

int
tm_parse_iso(const char *p, size_t len, int64_t *epoch)
{
	int y, mo, d, h, mi, s;

	if (len < 20 || p[4] != '-' || p[7] != '-' || p[10] != 'T' ||
	    p[13] != ':' || p[16] != ':' || !tm_iso_tail(p + 19, len - 19))
		return -1;
	y = num(p, 4);
	mo = num(p + 5, 2);
	d = num(p + 8, 2);
	h = num(p + 11, 2);
	mi = num(p + 14, 2);
	s = num(p + 17, 2);
	if (!valid(y, mo, d, h, mi, s))
		return -1;
	*epoch = epoch_of(y, mo, d, h, mi, s);
	return 0;
}

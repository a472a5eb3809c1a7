/*
 * http's request parser (http_parse, see http.h), apart from the server:
 * a function of the bytes received so far, which reads nothing else.
 */
#include <string.h>
#include <strings.h>

#include "http.h"

/* a tchar of RFC 9110 (a token's byte) */
static int
tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

/* a byte of host[:port]: reg-name, IPv4, "[IPv6]", ':' port */
static int
hostchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("-._~%!$&'()*+,;=:[]",
	    c) != NULL);
}

static int
hostok(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!hostchar((unsigned char)p[i]))
			return 0;
	return 1;
}

/* name (n bytes) is lower, ignoring case */
static int
is(const char *name, size_t n, const char *lower)
{
	return strlen(lower) == n && strncasecmp(name, lower, n) == 0;
}

/*
 * The line at p[i..win): 1 with its end (before CR LF or LF) in *end and
 * the next line's start in *next; 0 when its LF is not in the window;
 * -400 at a control byte (a CR must precede LF; the window's last CR waits).
 */
static int
line(const char *p, size_t i, size_t win, size_t *end, size_t *next)
{
	unsigned char c;

	for (; i < win; i++) {
		c = (unsigned char)p[i];
		if (c >= 0x20 && c != 0x7f)
			continue;
		if (c == '\t')
			continue;
		if (c == '\n') {
			*end = i;
			*next = i + 1;
			return 1;
		}
		if (c != '\r')
			return -400;
		if (i + 1 == win)
			return 0;
		if (p[i + 1] != '\n')
			return -400;
		*end = i;
		*next = i + 2;
		return 1;
	}
	return 0;
}

/* the target t (n bytes) into r: -400 when it is not one we take */
static int
target(const char *t, size_t n, struct http_req *r)
{
	const char *q, *a, *e = t + n;
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i] == '#')
			return -400;
	if (t[0] != '/') {
		/* absolute-form: http(s)://authority[/path][?query] */
		if (n > 7 && strncasecmp(t, "http://", 7) == 0)
			a = t + 7;
		else if (n > 8 && strncasecmp(t, "https://", 8) == 0)
			a = t + 8;
		else
			return -400;
		for (t = a; t < e && *t != '/' && *t != '?'; t++)
			;
		if (t == a || !hostok(a, (size_t)(t - a)))
			return -400;
	}
	q = memchr(t, '?', (size_t)(e - t));
	if (q == t || t == e) {
		r->path = "/";
		r->pathlen = 1;
	} else {
		r->path = t;
		r->pathlen = (size_t)((q != NULL ? q : e) - t);
	}
	if (q != NULL) {
		r->query = q + 1;
		r->querylen = (size_t)(e - q - 1);
	}
	return 0;
}

/* the request line p[0..n) into r */
static int
request_line(const char *p, size_t n, struct http_req *r)
{
	const char *sp1, *sp2, *v;
	size_t i, ml, tl;

	if ((sp1 = memchr(p, ' ', n)) == NULL || sp1 == p)
		return -400;
	ml = (size_t)(sp1 - p);
	for (i = 0; i < ml; i++)
		if (!tchar((unsigned char)p[i]))
			return -400;
	if ((sp2 = memchr(sp1 + 1, ' ', n - ml - 1)) == NULL || sp2 == sp1 + 1)
		return -400;
	tl = (size_t)(sp2 - sp1 - 1);
	for (i = 0; i < tl; i++)
		if ((unsigned char)sp1[1 + i] <= 0x20 ||
		    (unsigned char)sp1[1 + i] >= 0x7f)
			return -400;
	v = sp2 + 1;
	if ((size_t)(p + n - v) != 8 || memcmp(v, "HTTP/", 5) != 0 ||
	    v[5] < '0' || v[5] > '9' || v[6] != '.' || v[7] < '0' || v[7] > '9')
		return -400;
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return -505;
	r->v11 = v[7] == '1';
	if (ml == 4 && memcmp(p, "HEAD", 4) == 0)
		r->head = 1;
	else if (ml != 3 || memcmp(p, "GET", 3) != 0)
		return -405;
	return target(sp1 + 1, tl, r);
}

/* the Connection field's options: close (1), keep-alive (2) into *opt */
static void
connection(const char *v, size_t n, int *opt)
{
	size_t i = 0, j;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		for (j = i; j < n && v[j] != ',' && v[j] != ' ' && v[j] != '\t'; j++)
			;
		if (is(v + i, j - i, "close"))
			*opt |= 1;
		else if (is(v + i, j - i, "keep-alive"))
			*opt |= 2;
		i = j;
	}
}

/* one field line p[0..n) into r; *opt gathers Connection */
static int
field(const char *p, size_t n, struct http_req *r, int *opt)
{
	const char *c, *v, *e = p + n;
	size_t i, nl;

	if (p[0] == ' ' || p[0] == '\t')
		return -400;		/* obsolete line folding */
	if ((c = memchr(p, ':', n)) == NULL || c == p)
		return -400;
	nl = (size_t)(c - p);
	for (i = 0; i < nl; i++)
		if (!tchar((unsigned char)p[i]))
			return -400;
	for (v = c + 1; v < e && (*v == ' ' || *v == '\t'); v++)
		;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (is(p, nl, "content-length")) {
		if (v == e)
			return -400;
		for (; v < e; v++)
			if (*v != '0')
				return -400;
	} else if (is(p, nl, "transfer-encoding"))
		return -501;
	else if (is(p, nl, "host")) {
		if (r->host != NULL || !hostok(v, (size_t)(e - v)))
			return -400;
		r->host = v;
		r->hostlen = (size_t)(e - v);
	} else if (is(p, nl, "connection"))
		connection(v, (size_t)(e - v), opt);
	else if (is(p, nl, "accept") && r->accept == NULL) {
		r->accept = v;
		r->acceptlen = (size_t)(e - v);
	}
	return 0;
}

int
http_parse(const char *p, size_t n, const struct http_lim *lim,
    struct http_req *r, size_t *used)
{
	struct http_lim l = http_limits(lim);
	size_t i = 0, end, next, win = n < l.max_head ? n : l.max_head;
	int k, nf = 0, opt = 0, first = 1;

	memset(r, 0, sizeof(*r));
	for (;;) {
		if ((k = line(p, i, win, &end, &next)) <= 0) {
			if (k < 0)
				return k;
			if (win < l.max_head)
				return 0;
			return first ? -414 : -431;
		}
		if (first && end == i) {
			i = next;	/* an empty line before the request */
			continue;
		}
		if (first) {
			if ((k = request_line(p + i, end - i, r)) < 0)
				return k;
			first = 0;
		} else if (end == i)
			break;
		else if (++nf > l.max_fields)
			return -431;
		else if ((k = field(p + i, end - i, r, &opt)) < 0)
			return k;
		i = next;
	}
	if (r->v11 && r->host == NULL)
		return -400;
	r->keep = !(opt & 1) && (r->v11 || (opt & 2));
	*used = next;
	return 1;
}

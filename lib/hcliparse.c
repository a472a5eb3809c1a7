/*
 * hcli's answer parser (hcli_resp_*, see hcli.h), apart from the
 * connection: a function of the bytes received so far, which reads
 * nothing else and allocates nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hcli.h"

enum { P_HEAD, P_LEN, P_CLOSE, P_CSIZE, P_CDATA, P_CEND, P_TRAILER };

void
hcli_resp_init(struct hcli_resp *r, char *in, char *body, size_t max_body)
{
	memset(r, 0, sizeof(*r));
	r->in = in;
	r->body = body;
	r->max_body = max_body;
}

void
hcli_resp_reset(struct hcli_resp *r)
{
	r->inlen = 0;
	r->phase = P_HEAD;
	r->chunked = r->close_after = r->have_len = 0;
	r->left = 0;
	r->status = 0;
	r->blen = 0;
	r->trunc = 0;
	r->verdict = HCLI_R_MORE;
}

int
hcli_resp_begun(const struct hcli_resp *r)
{
	return !(r->phase == P_HEAD && r->inlen == 0);
}

static void
keep(struct hcli_resp *r, const char *p, size_t n)
{
	size_t k = r->max_body - r->blen;

	if (n > k) {
		r->trunc = 1;
		n = k;
	}
	memcpy(r->body + r->blen, p, n);
	r->blen += n;
}

static int
hexdigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* the head in r->in[0..n) (its blank line included); -1 malformed */
static int
head(struct hcli_resp *r, size_t n)
{
	char *p = r->in, *e = r->in + n, *nl, *v;
	size_t k;

	if (n < 12 || strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' ||
	    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9')
		return -1;
	r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (p[7] == '0')
		r->close_after = 1;
	/* each line NUL-ended in place (the head ends with a LF) */
	for (; (nl = memchr(p, '\n', (size_t)(e - p))) != NULL; p = nl + 1) {
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if ((v = strchr(p, ':')) == NULL)
			continue;
		k = (size_t)(v - p);
		for (v++; *v == ' ' || *v == '\t'; v++)
			;
		if (k == 14 && strncasecmp(p, "content-length", 14) == 0) {
			if (*v < '0' || *v > '9')
				return -1;
			r->left = strtoull(v, NULL, 10);
			r->have_len = 1;
		} else if (k == 17 && strncasecmp(p, "transfer-encoding",
		    17) == 0 && strcasestr(v, "chunked") != NULL)
			r->chunked = 1;
		else if (k == 10 && strncasecmp(p, "connection", 10) == 0 &&
		    strcasestr(v, "close") != NULL)
			r->close_after = 1;
	}
	return 0;
}

/* an empty line: LF or CRLF (k bytes at p, its LF last) */
static int
empty(const char *p, size_t k)
{
	return k == 1 || (k == 2 && p[0] == '\r');
}

/* a line whole in r->in: what it means in the phase; -1 malformed */
static int
line(struct hcli_resp *r)
{
	size_t k = r->inlen;
	unsigned long long v;
	char *end;

	if (r->phase == P_HEAD) {
		/* the head ends with an empty line */
		if (!(k >= 2 && (r->in[k - 2] == '\n' || (k >= 4 &&
		    memcmp(r->in + k - 4, "\r\n\r\n", 4) == 0))))
			return 0;
		if (head(r, k) == -1)
			return -1;
		r->inlen = 0;
		if (r->status < 200) {
			r->chunked = r->have_len = 0;
			r->close_after = 0;
			return 0;	/* 100 Continue and such */
		}
		if (r->status == 204 || r->status == 304 || (r->have_len &&
		    r->left == 0 && !r->chunked)) {
			r->verdict = HCLI_R_WHOLE;
			return 0;
		}
		r->phase = r->chunked ? P_CSIZE : r->have_len ? P_LEN :
		    P_CLOSE;
		if (r->phase == P_CLOSE)
			r->close_after = 1;
		return 0;
	}
	r->inlen = 0;
	if (r->phase == P_CSIZE) {
		r->in[k - 1] = '\0';
		if (!hexdigit(r->in[0]))
			return -1;
		v = strtoull(r->in, &end, 16);
		r->left = v;
		r->phase = v == 0 ? P_TRAILER : P_CDATA;
	} else if (r->phase == P_CEND) {
		if (!empty(r->in, k))
			return -1;	/* not the CRLF after the data */
		r->phase = P_CSIZE;
	} else if (empty(r->in, k))
		r->verdict = HCLI_R_WHOLE;	/* the trailer's end */
	return 0;
}

int
hcli_resp_feed(struct hcli_resp *r, const char *p, size_t n, size_t *used)
{
	const char *nl, *s = p, *e = p + n;
	size_t k, room;

	while (p < e && r->verdict == HCLI_R_MORE) {
		switch (r->phase) {
		case P_HEAD:
		case P_CSIZE:
		case P_CEND:
		case P_TRAILER:
			/* lines: into r->in until the LF */
			nl = memchr(p, '\n', (size_t)(e - p));
			k = nl != NULL ? (size_t)(nl + 1 - p) : (size_t)(e - p);
			room = (r->phase == P_HEAD ? HCLI_HEADMAX :
			    HCLI_LINEMAX) - r->inlen;
			if (k > room) {
				/*
				 * Too long: taken up to the limit, so that the
				 * bytes taken are the same however the answer
				 * came cut
				 */
				memcpy(r->in + r->inlen, p, room);
				r->inlen += room;
				p += room;
				r->verdict = HCLI_R_BAD;
				break;
			}
			memcpy(r->in + r->inlen, p, k);
			r->inlen += k;
			p += k;
			if (nl != NULL && line(r) == -1)
				r->verdict = HCLI_R_BAD;
			break;
		case P_LEN:
		case P_CDATA:
			k = (size_t)(e - p) < r->left ? (size_t)(e - p) :
			    (size_t)r->left;
			keep(r, p, k);
			p += k;
			r->left -= k;
			if (r->left == 0) {
				if (r->phase == P_LEN)
					r->verdict = HCLI_R_WHOLE;
				else
					r->phase = P_CEND;
			}
			break;
		case P_CLOSE:
			keep(r, p, (size_t)(e - p));
			p = e;
			break;
		}
	}
	*used = (size_t)(p - s);
	return r->verdict;
}

int
hcli_resp_eof(struct hcli_resp *r)
{
	if (r->verdict == HCLI_R_MORE)
		r->verdict = r->phase == P_CLOSE ? HCLI_R_WHOLE : HCLI_R_BAD;
	return r->verdict;
}

/*
 * esfmt: Elasticsearch's _bulk request for a batch and the reading of
 * its answer (lib/esfmt.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esfmt.h"
#include "jscan.h"
#include "rec.h"

/* value p (n bytes, COPY escaping undone) as a JSON string, as rec_put_json */
static int
es_str(struct out_buf *k, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char e[6];
	size_t i, u = 0;	/* a valid UTF-8 sequence's length */

	if (out_buf_add(k, "\"", 1) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\') {
			e[0] = '\\';
			e[1] = (char)p[i];
			if (out_buf_add(k, e, 2) == -1)
				return -1;
		} else if (p[i] == '\t') {
			if (out_buf_add(k, "\\t", 2) == -1)
				return -1;
		} else if (p[i] < 0x20 || p[i] == 0x7f || (p[i] >= 0x80 &&
		    (u = rec_utf8_len(p + i, n - i)) == 0)) {
			memcpy(e, "\\\\x", 3);
			e[3] = hex[p[i] >> 4];
			e[4] = hex[p[i] & 15];
			if (out_buf_add(k, e, 5) == -1)
				return -1;
		} else if (p[i] >= 0x80) {
			if (out_buf_add(k, p + i, u) == -1)
				return -1;
			i += u - 1;
		} else if (out_buf_add(k, p + i, 1) == -1)
			return -1;
	}
	return out_buf_add(k, "\"", 1);
}

static int
es_number(const char *p, size_t n)
{
	size_t i, dots = 0;

	if (n == 0 || p[0] == '.' || p[n - 1] == '.' || (n > 1 &&
	    p[0] == '0' && p[1] != '.'))
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] == '.')
			dots++;
		else if (p[i] < '0' || p[i] > '9')
			return 0;
	return dots <= 1;
}

int
esfmt_request(const char *name, const char *head, size_t hdrlen,
    const char *rows, size_t len, struct out_buf *target,
    struct out_buf *k)
{
	char *names[REC_MAXF], *f[REC_MAXF], hdr[64 * 1024];
	size_t nlen[REC_MAXF], flen[REC_MAXF], i;
	struct out_buf row = { 0 };
	const char *p, *e, *nl;
	int nn, nf, c, ocol = -1, tcol = -1, first;
	long v;

	k->len = 0;
	if (out_buf_reserve(target, 16) == -1)
		return -1;
	strcpy(target->p, "/_bulk");
	if (hdrlen > sizeof(hdr))
		return 0;
	memcpy(hdr, head + 1, hdrlen - 1);
	nn = rec_split(hdr, hdrlen - 1, names, nlen, REC_MAXF);
	if (nn > REC_MAXF)
		nn = REC_MAXF;
	for (c = 0; c < nn; c++) {
		names[c][nlen[c]] = '\0';
		if (strcmp(names[c], "origin") == 0)
			ocol = c;
		if (strcmp(names[c], "time") == 0)
			tcol = c;
	}
	for (p = rows, e = rows + len; p < e; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(e - p));
		row.len = 0;
		if (out_buf_reserve(&row, (size_t)(nl - p) + 1) == -1)
			goto fail;
		memcpy(row.p, p, (size_t)(nl - p));
		nf = rec_split(row.p, (size_t)(nl - p), f, flen, REC_MAXF);
		if (nf > nn)
			nf = nn;
		if (out_buf_add(k, "{\"create\":{\"_index\":\"", 21) == -1 ||
		    out_buf_add(k, name, strlen(name)) == -1 ||
		    out_buf_add(k, "\"", 1) == -1)
			goto fail;
		if (ocol >= 0 && ocol < nf && flen[ocol] > 0 &&
		    flen[ocol] < 80 && strspn(f[ocol], "0123456789abcdef:") >=
		    flen[ocol]) {
			if (out_buf_add(k, ",\"_id\":\"", 8) == -1 ||
			    out_buf_add(k, f[ocol], flen[ocol]) == -1 ||
			    out_buf_add(k, "\"", 1) == -1)
				goto fail;
		}
		if (out_buf_add(k, "}}\n{", 4) == -1)
			goto fail;
		first = 1;
		if (tcol >= 0 && tcol < nf && !(flen[tcol] == 2 &&
		    memcmp(f[tcol], "\\N", 2) == 0)) {
			if (out_buf_add(k, "\"@timestamp\":", 13) == -1 ||
			    es_str(k, (unsigned char *)f[tcol], flen[tcol]) == -1)
				goto fail;
			first = 0;
		}
		for (c = 0; c < nf; c++) {
			if ((v = rec_unescape(f[c], flen[c])) < 0)
				continue;	/* absent: left out */
			if ((!first && out_buf_add(k, ",", 1) == -1) ||
			    es_str(k, (unsigned char *)names[c], nlen[c]) == -1 ||
			    out_buf_add(k, ":", 1) == -1)
				goto fail;
			first = 0;
			i = (size_t)v;
			if ((strcmp(names[c], "status") == 0 || strcmp(names[c],
			    "bytes") == 0 || strcmp(names[c], "duration") == 0) &&
			    es_number(f[c], i)) {
				if (out_buf_add(k, f[c], i) == -1)
					goto fail;
			} else if (es_str(k, (unsigned char *)f[c], i) == -1)
				goto fail;
		}
		if (out_buf_add(k, "}\n", 2) == -1)
			goto fail;
	}
	out_buf_free(&row);
	return 0;
fail:
	out_buf_free(&row);
	return -1;
}

int
esfmt_status(int st, const char *abody, size_t blen, char *why, size_t wlen)
{
	sink_words(why, wlen, abody, blen);
	if (st == 400 || st == 413)
		return ESFMT_CONTENT;
	if (why[0] == '\0')
		snprintf(why, wlen, "HTTP status %d", st);
	return ESFMT_DOWN;
}

/*
 * One pass over the items: each one's status and, for an error, "type:
 * reason"; item NULL only counts.  The count, -1 from item, -2 malformed
 * or more than nitems.
 */
static long
items(const char *abody, size_t blen, size_t nitems,
    int (*item)(void *, int, const char *), void *arg)
{
	struct js j;
	struct js_tok t;
	char key[8][16], type[64], reason[ESFMT_WHYMAX - 80];
	char msg[ESFMT_WHYMAX];
	size_t n = 0;
	int r, status = 0, pendkey = 0, depth, in_items = 0;

	js_init(&j, abody, blen);
	memset(key, 0, sizeof(key));
	type[0] = reason[0] = '\0';
	while ((r = js_next(&j, &t)) == 1) {
		depth = j.depth;
		if (t.type == JS_STR && depth < 8 && !pendkey) {
			/* a key when an object is open and a colon follows */
			if (j.open[depth - 1] == '{') {
				js_str(&t, key[depth], sizeof(key[depth]));
				pendkey = 1;
				continue;
			}
		}
		if (t.type == JS_COLON)
			continue;
		if (t.type == JS_COMMA) {
			pendkey = 0;
			continue;
		}
		pendkey = 0;
		if (t.type == JS_ARR && depth == 2 &&
		    strcmp(key[1], "items") == 0) {
			in_items = 1;
			continue;
		}
		if (!in_items)
			continue;
		if (t.type == JS_OBJ && depth == 3) {
			status = 0;
			type[0] = reason[0] = '\0';
		} else if (t.type == JS_NUM && depth == 4 &&
		    strcmp(key[4], "status") == 0)
			status = sink_atoi(t.p, t.len);
		else if (t.type == JS_STR && depth == 5 &&
		    strcmp(key[4], "error") == 0) {
			if (strcmp(key[5], "type") == 0)
				js_str(&t, type, sizeof(type));
			else if (strcmp(key[5], "reason") == 0)
				js_str(&t, reason, sizeof(reason));
		} else if (t.type == JS_OBJEND && depth == 2) {
			/* an item is whole */
			if (n == nitems)
				return -2;
			msg[0] = '\0';
			if (status < 200 || status >= 300)
				snprintf(msg, sizeof(msg), "%d %s: %s", status,
				    type, reason);
			if (item != NULL && item(arg, status, msg) == -1)
				return -1;
			n++;
		} else if (t.type == JS_ARREND && depth == 1)
			in_items = 0;
	}
	return r == -1 ? -2 : (long)n;
}

long
esfmt_items(const char *abody, size_t blen, size_t nitems,
    int (*item)(void *arg, int status, const char *why), void *arg)
{
	if (items(abody, blen, nitems, NULL, NULL) != (long)nitems)
		return -2;
	return items(abody, blen, nitems, item, arg);
}

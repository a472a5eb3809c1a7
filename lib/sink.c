/*
 * sink: records into ClickHouse or Elasticsearch over HTTP, in batches
 * kept until taken (lib/sink.h).  The first part is the queue and the
 * retries; then ClickHouse's request and answer; then Elasticsearch's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jscan.h"
#include "rec.h"
#include "sink.h"
#include "tm.h"

#define CH_ANSWER (64 * 1024)		/* of an answer, kept */
#define ES_ANSWER (32 * 1024 * 1024)
#define TIMEOUT 30.0			/* seconds for an answer */
#define WHYMAX 400

static int ch_request(struct sink *, struct sink_batch *);
static int ch_answer(struct sink *, struct sink_batch *, char *, size_t);
static int es_request(struct sink *, struct sink_batch *);
static int es_answer(struct sink *, struct sink_batch *, char *, size_t);

/* --- the queue --- */

static void
batch_free(struct sink_batch *b)
{
	if (b == NULL)
		return;
	free(b->hdr);
	free(b->rows);
	free(b);
}

static struct sink_batch *
batch_new(const char *hdr, size_t hdrlen)
{
	struct sink_batch *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	if ((b->hdr = malloc(hdrlen ? hdrlen : 1)) == NULL) {
		free(b);
		return NULL;
	}
	memcpy(b->hdr, hdr, hdrlen);
	b->hdrlen = hdrlen;
	return b;
}

static int
batch_add(struct sink_batch *b, const char *p, size_t len)
{
	size_t cap;
	char *r;

	if (b->len + len + 1 > b->cap) {
		cap = b->cap ? b->cap : 64 * 1024;
		while (cap < b->len + len + 1)
			cap *= 2;
		if ((r = realloc(b->rows, cap)) == NULL)
			return -1;
		b->rows = r;
		b->cap = cap;
	}
	memcpy(b->rows + b->len, p, len);
	b->rows[b->len + len] = '\n';
	b->len += len + 1;
	b->nrows++;
	return 0;
}

/* put b in the queue at i (0: first, nq: last) */
static int
q_insert(struct sink *k, size_t i, struct sink_batch *b)
{
	struct sink_batch **q;
	size_t cap;

	if (k->nq == k->qcap) {
		cap = k->qcap ? k->qcap * 2 : 16;
		if ((q = realloc(k->q, cap * sizeof(*q))) == NULL)
			return -1;
		k->q = q;
		k->qcap = cap;
	}
	memmove(k->q + i + 1, k->q + i, (k->nq - i) * sizeof(*k->q));
	k->q[i] = b;
	k->nq++;
	return 0;
}

static void
q_drop_first(struct sink *k)
{
	k->held -= k->q[0]->len;
	batch_free(k->q[0]);
	memmove(k->q, k->q + 1, (k->nq - 1) * sizeof(*k->q));
	k->nq--;
}

/* the server's words, on one line, at most WHYMAX bytes */
static void
words(char *why, const char *p, size_t n)
{
	size_t i, o = 0;

	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r' ||
	    p[n - 1] == ' '))
		n--;
	for (i = 0; i < n && o + 1 < WHYMAX; i++) {
		if (p[i] == '\n' || p[i] == '\r' || p[i] == '\t') {
			if (o > 0 && why[o - 1] != ' ')
				why[o++] = ' ';
		} else if ((unsigned char)p[i] < ' ' || p[i] == 0x7f)
			why[o++] = '?';
		else
			why[o++] = p[i];
	}
	why[o] = '\0';
}

static void
refuse(struct sink *k, struct sink_batch *b, const char *row, size_t len,
    const char *why)
{
	k->rejected++;
	if (k->reject != NULL)
		k->reject(k->arg, b->hdr, b->hdrlen, row, len, why);
}

int
sink_open(struct sink *k, const char *url, struct ship *sh, size_t limit,
    char *err, size_t errlen)
{
	const char *p, *slash;
	char hp[300];
	int eng;
	size_t i;

	if (strncmp(url, "clickhouse://", 13) == 0) {
		eng = SINK_CH;
		p = url + 13;
	} else if (strncmp(url, "es://", 5) == 0) {
		eng = SINK_ES;
		p = url + 5;
	} else
		return 0;
	memset(k, 0, sizeof(*k));
	k->eng = eng;
	k->sh = sh;
	if ((slash = strchr(p, '/')) == NULL || (size_t)(slash - p) >=
	    sizeof(hp) - 7 || slash[1] == '\0' || strlen(slash + 1) >=
	    sizeof(k->name)) {
		snprintf(err, errlen, "%s: not %s", url, eng == SINK_CH ?
		    "clickhouse://HOST:PORT/DB.TABLE" : "es://HOST:PORT/INDEX");
		return -1;
	}
	snprintf(hp, sizeof(hp), "tcp://%.*s", (int)(slash - p), p);
	if (net_parse(hp, 0, &k->addr, err, errlen) == -1)
		return -1;
	snprintf(k->name, sizeof(k->name), "%s", slash + 1);
	for (i = 0; k->name[i] != '\0'; i++) {
		char c = k->name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '.' || c == '-' ||
		    (eng == SINK_CH && c >= 'A' && c <= 'Z'))) {
			snprintf(err, errlen, "%s: %s is not a plain %s name "
			    "(letters, digits, _ . -)", url, k->name,
			    eng == SINK_CH ? "DB.TABLE" : "lowercase index");
			return -1;
		}
	}
	if (eng == SINK_CH && (strchr(k->name, '.') == NULL ||
	    k->name[0] == '.' || k->name[strlen(k->name) - 1] == '.')) {
		snprintf(err, errlen, "%s: %s is not DB.TABLE", url, k->name);
		return -1;
	}
	if (eng == SINK_CH) {
		k->max_bytes = 1024 * 1024;
		k->max_rows = 65536;
	} else {
		k->max_bytes = 5 * 1024 * 1024;
		k->max_rows = 5000;
	}
	k->every = 1.0;
	k->limit = limit;
	k->backoff = SINK_BACKOFF_MIN;
	if (hcli_init(&k->c, &k->addr, eng == SINK_CH ? CH_ANSWER :
	    ES_ANSWER, TIMEOUT) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	return 1;
}

void
sink_free(struct sink *k)
{
	while (k->nq > 0)
		q_drop_first(k);
	free(k->q);
	batch_free(k->again);
	free(k->body);
	free(k->target);
	hcli_free(&k->c);
}

int
sink_room(const struct sink *k, size_t n)
{
	return k->held == 0 || k->held + n <= k->limit;
}

int
sink_idle(const struct sink *k)
{
	return k->nq == 0;
}

void
sink_eof(struct sink *k)
{
	k->open = 0;
}

int
sink_line(struct sink *k, const char *p, size_t len)
{
	struct ship *s = k->sh;
	struct sink_batch *b;

	if (len > 0 && p[0] == '#') {
		if (s->hdrlen == len && memcmp(s->hdr, p, len) == 0)
			return 0;
		k->open = 0;	/* a new header: a new batch */
		return ship_header(s, p, len);
	}
	k->rows++;
	if (s->hdrlen == 0) {
		struct sink_batch none = { 0 };

		refuse(k, &none, p, len, "no header line names its columns");
		return 0;
	}
	if (!k->open) {
		if ((b = batch_new(s->hdr, s->hdrlen)) == NULL ||
		    q_insert(k, k->nq, b) == -1) {
			batch_free(b);
			return -1;
		}
		b->born = tm_mono();
		k->open = 1;
	}
	b = k->q[k->nq - 1];
	if (batch_add(b, p, len) == -1)
		return -1;
	k->held += len + 1;
	if (b->len >= k->max_bytes || b->nrows >= k->max_rows)
		k->open = 0;
	return 0;
}

/* growable request pieces */
static int
grow(char **p, size_t *cap, size_t need)
{
	size_t c = *cap ? *cap : 64 * 1024;
	char *n;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	if ((n = realloc(*p, c)) == NULL)
		return -1;
	*p = n;
	*cap = c;
	return 0;
}

/* after an answer that took something, or none at all */
static void
answered(struct sink *k)
{
	if (k->down_told)
		ship_say(k->sh, "%s: taking records again", k->sh->where);
	k->down_told = 0;
	k->backoff = SINK_BACKOFF_MIN;
}

static void
down(struct sink *k, const char *why)
{
	if (!k->down_told)
		ship_say(k->sh, "%s: %s; retrying", k->sh->where, why);
	k->down_told = 1;
	k->retries++;
	k->next_try = tm_mono() + k->backoff;
	k->backoff = k->backoff * 2 > SINK_BACKOFF_MAX ? SINK_BACKOFF_MAX :
	    k->backoff * 2;
}

/*
 * A batch refused for its content: in halves, each sent again, or the
 * record alone refused.
 */
static int
split(struct sink *k, const char *why)
{
	struct sink_batch *b = k->q[0], *h1, *h2;
	const char *p, *e, *nl;
	size_t i, half;

	if (b->nrows <= 1) {
		refuse(k, b, b->rows, b->len > 0 ? b->len - 1 : 0, why);
		q_drop_first(k);
		return 0;
	}
	if ((h1 = batch_new(b->hdr, b->hdrlen)) == NULL)
		return -1;
	if ((h2 = batch_new(b->hdr, b->hdrlen)) == NULL) {
		batch_free(h1);
		return -1;
	}
	half = b->nrows / 2;
	p = b->rows;
	e = b->rows + b->len;
	for (i = 0; p < e; i++, p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(e - p));
		if (batch_add(i < half ? h1 : h2, p, (size_t)(nl - p)) == -1) {
			batch_free(h1);
			batch_free(h2);
			return -1;
		}
	}
	k->held -= b->len;
	batch_free(b);
	k->q[0] = h2;
	k->held += h1->len + h2->len;
	if (q_insert(k, 0, h1) == -1) {
		k->held -= h1->len;
		batch_free(h1);
		return -1;
	}
	return 0;
}

/* the answer of the request of q[0] is in */
static int
outcome(struct sink *k)
{
	char why[WHYMAX];
	int rv;

	k->inflight = 0;
	if (hcli_state(&k->c) == HCLI_FAILED) {
		snprintf(why, sizeof(why), "%s", k->c.why);
		hcli_next(&k->c);
		down(k, why);
		return 0;
	}
	if (k->c.trunc) {
		hcli_next(&k->c);
		down(k, "an answer longer than we keep");
		return 0;
	}
	rv = k->eng == SINK_CH ? ch_answer(k, k->q[0], why, sizeof(why)) :
	    es_answer(k, k->q[0], why, sizeof(why));
	hcli_next(&k->c);
	return rv;
}

int
sink_turn(struct sink *k)
{
	struct sink_batch *b;
	size_t ready;

	if (k->open && k->nq > 0 && tm_mono() - k->q[k->nq - 1]->born >=
	    k->every)
		k->open = 0;
	if (k->inflight) {
		hcli_event(&k->c, 0);	/* its time */
		if (hcli_state(&k->c) != HCLI_BUSY && outcome(k) == -1)
			return -1;
	}
	ready = k->nq - (k->open ? 1 : 0);
	if (k->inflight || ready == 0 || tm_mono() < k->next_try)
		return 0;
	b = k->q[0];
	if ((k->eng == SINK_CH ? ch_request(k, b) : es_request(k, b)) == -1)
		return -1;
	if (hcli_start(&k->c, "POST", k->target, k->eng == SINK_CH ?
	    "text/tab-separated-values; charset=UTF-8" : "application/x-ndjson",
	    k->body, k->bodylen) == -1)
		return -1;
	k->inflight = 1;
	k->requests++;
	if (hcli_state(&k->c) != HCLI_BUSY)
		return outcome(k);
	return 0;
}

int
sink_fill(struct sink *k, struct pollfd *pfd)
{
	return k->inflight ? hcli_fill(&k->c, pfd) : 0;
}

int
sink_event(struct sink *k, short revents)
{
	if (!k->inflight)
		return 0;
	hcli_event(&k->c, revents);
	if (hcli_state(&k->c) != HCLI_BUSY)
		return outcome(k);
	return 0;
}

double
sink_wait(const struct sink *k)
{
	double t = -1, now = tm_mono(), d;

	if (k->open && k->nq > 0) {
		d = k->q[k->nq - 1]->born + k->every - now;
		t = d < 0 ? 0 : d;
	}
	if (k->inflight) {
		d = hcli_deadline(&k->c) - now;
		d = d < 0 ? 0 : d;
		t = t < 0 || d < t ? d : t;
	} else if (k->nq > (k->open ? 1u : 0u)) {
		d = k->next_try - now;
		d = d < 0 ? 0 : d;
		t = t < 0 || d < t ? d : t;
	}
	return t;
}

/* --- ClickHouse --- */

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
put(struct sink *k, const void *p, size_t n)
{
	if (grow(&k->body, &k->bodycap, k->bodylen + n) == -1)
		return -1;
	memcpy(k->body + k->bodylen, p, n);
	k->bodylen += n;
	return 0;
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
ch_time(struct sink *k, const char *p, size_t n)
{
	char t[19];

	if (n >= 20 && digits(p, 4) && p[4] == '-' && digits(p + 5, 2) &&
	    p[7] == '-' && digits(p + 8, 2) && p[10] == 'T' &&
	    digits(p + 11, 2) && p[13] == ':' && digits(p + 14, 2) &&
	    p[16] == ':' && digits(p + 17, 2) && p[n - 1] == 'Z' &&
	    (n == 20 || (p[19] == '.' && digits(p + 20, n - 21)))) {
		memcpy(t, p, 19);
		t[10] = ' ';
		return put(k, t, 19);
	}
	if (n == 10 && digits(p, 4) && p[4] == '-' && digits(p + 5, 2) &&
	    p[7] == '-' && digits(p + 8, 2)) {
		if (put(k, p, 10) == -1)
			return -1;
		return put(k, " 00:00:00", 9);
	}
	return put(k, p, n);
}

static int
ch_request(struct sink *k, struct sink_batch *b)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *p, *e, *f, *t, *nl;
	char q[16 * 1024];
	size_t n = 0, i, o;
	int tcol, c;

	/* the query: INSERT INTO DB.TABLE (`a`,`b`) FORMAT ... */
	n = (size_t)snprintf(q, sizeof(q), "INSERT INTO %s (", k->name);
	e = b->hdr + b->hdrlen;
	for (f = b->hdr + 1, c = 0; f <= e && n + 600 < sizeof(q);
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
	if (grow(&k->target, &k->targetcap, 16 + 3 * n) == -1)
		return -1;
	o = (size_t)sprintf(k->target, "/?query=");
	for (i = 0; i < n; i++) {
		unsigned char u = (unsigned char)q[i];

		if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
		    (u >= '0' && u <= '9') || u == '.' || u == '_' || u == '-')
			k->target[o++] = (char)u;
		else {
			k->target[o++] = '%';
			k->target[o++] = hex[u >> 4];
			k->target[o++] = hex[u & 15];
		}
	}
	k->target[o] = '\0';
	/* the body: the names, then the records, times made DateTime's */
	k->bodylen = 0;
	if (put(k, b->hdr + 1, b->hdrlen - 1) == -1 || put(k, "\n", 1) == -1)
		return -1;
	tcol = column(b->hdr, b->hdrlen, "time");
	if (tcol < 0)
		return put(k, b->rows, b->len);
	if (grow(&k->body, &k->bodycap, k->bodylen + b->len) == -1)
		return -1;
	for (p = b->rows, e = b->rows + b->len; p < e; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(e - p));
		for (f = p, c = 0; c < tcol && f < nl; c++) {
			if ((t = memchr(f, '\t', (size_t)(nl - f))) == NULL)
				t = nl;
			f = t + 1;
		}
		if (f > nl) {
			if (put(k, p, (size_t)(nl + 1 - p)) == -1)
				return -1;
			continue;
		}
		if ((t = memchr(f, '\t', (size_t)(nl - f))) == NULL)
			t = nl;
		if (put(k, p, (size_t)(f - p)) == -1 ||
		    ch_time(k, f, (size_t)(t - f)) == -1 ||
		    put(k, t, (size_t)(nl + 1 - t)) == -1)
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

static int
ch_answer(struct sink *k, struct sink_batch *b, char *why, size_t wlen)
{
	int code = -1, st = k->c.status;

	(void)wlen;
	if (st == 200) {
		k->landed += b->nrows;
		q_drop_first(k);
		answered(k);
		return 0;
	}
	words(why, k->c.abody, k->c.blen);
	if (k->c.blen > 6 && memcmp(k->c.abody, "Code: ", 6) == 0)
		code = atoi(k->c.abody + 6);
	if ((st == 400 || st == 500) && ch_content(code)) {
		answered(k);
		return split(k, why);
	}
	if (why[0] == '\0')
		snprintf(why, WHYMAX, "HTTP status %d", st);
	down(k, why);
	return 0;
}

/* --- Elasticsearch --- */

/* value p (n bytes, COPY escaping undone) as a JSON string, as rec_put_json */
static int
es_str(struct sink *k, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char e[6];
	size_t i, u;

	if (put(k, "\"", 1) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\') {
			e[0] = '\\';
			e[1] = (char)p[i];
			if (put(k, e, 2) == -1)
				return -1;
		} else if (p[i] == '\t') {
			if (put(k, "\\t", 2) == -1)
				return -1;
		} else if (p[i] < 0x20 || p[i] == 0x7f || (p[i] >= 0x80 &&
		    (u = rec_utf8_len(p + i, n - i)) == 0)) {
			memcpy(e, "\\\\x", 3);
			e[3] = hex[p[i] >> 4];
			e[4] = hex[p[i] & 15];
			if (put(k, e, 5) == -1)
				return -1;
		} else if (p[i] >= 0x80) {
			if (put(k, p + i, u) == -1)
				return -1;
			i += u - 1;
		} else if (put(k, p + i, 1) == -1)
			return -1;
	}
	return put(k, "\"", 1);
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

static int
es_request(struct sink *k, struct sink_batch *b)
{
	char *names[REC_MAXF], *f[REC_MAXF], hdr[64 * 1024], *row = NULL;
	size_t nlen[REC_MAXF], flen[REC_MAXF], i, cap = 0;
	const char *p, *e, *nl;
	int nn, nf, c, ocol = -1, tcol = -1, first;
	long v;

	k->bodylen = 0;
	if (grow(&k->target, &k->targetcap, 16) == -1)
		return -1;
	strcpy(k->target, "/_bulk");
	if (b->hdrlen > sizeof(hdr))
		return put(k, "", 0);
	memcpy(hdr, b->hdr + 1, b->hdrlen - 1);
	nn = rec_split(hdr, b->hdrlen - 1, names, nlen, REC_MAXF);
	if (nn > REC_MAXF)
		nn = REC_MAXF;
	for (c = 0; c < nn; c++) {
		names[c][nlen[c]] = '\0';
		if (strcmp(names[c], "origin") == 0)
			ocol = c;
		if (strcmp(names[c], "time") == 0)
			tcol = c;
	}
	for (p = b->rows, e = b->rows + b->len; p < e; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(e - p));
		if ((size_t)(nl - p) + 1 > cap) {
			char *r;

			cap = (size_t)(nl - p) + 1;
			if ((r = realloc(row, cap)) == NULL)
				goto fail;
			row = r;
		}
		memcpy(row, p, (size_t)(nl - p));
		nf = rec_split(row, (size_t)(nl - p), f, flen, REC_MAXF);
		if (nf > nn)
			nf = nn;
		if (put(k, "{\"create\":{\"_index\":\"", 21) == -1 ||
		    put(k, k->name, strlen(k->name)) == -1 || put(k, "\"", 1) == -1)
			goto fail;
		if (ocol >= 0 && ocol < nf && flen[ocol] > 0 &&
		    flen[ocol] < 80 && strspn(f[ocol], "0123456789abcdef:") >=
		    flen[ocol]) {
			if (put(k, ",\"_id\":\"", 8) == -1 ||
			    put(k, f[ocol], flen[ocol]) == -1 || put(k, "\"", 1) == -1)
				goto fail;
		}
		if (put(k, "}}\n{", 4) == -1)
			goto fail;
		first = 1;
		if (tcol >= 0 && tcol < nf && !(flen[tcol] == 2 &&
		    memcmp(f[tcol], "\\N", 2) == 0)) {
			if (put(k, "\"@timestamp\":", 13) == -1 ||
			    es_str(k, (unsigned char *)f[tcol], flen[tcol]) == -1)
				goto fail;
			first = 0;
		}
		for (c = 0; c < nf; c++) {
			if ((v = rec_unescape(f[c], flen[c])) < 0)
				continue;	/* absent: left out */
			if ((!first && put(k, ",", 1) == -1) ||
			    es_str(k, (unsigned char *)names[c], nlen[c]) == -1 ||
			    put(k, ":", 1) == -1)
				goto fail;
			first = 0;
			i = (size_t)v;
			if ((strcmp(names[c], "status") == 0 || strcmp(names[c],
			    "bytes") == 0 || strcmp(names[c], "duration") == 0) &&
			    es_number(f[c], i)) {
				if (put(k, f[c], i) == -1)
					goto fail;
			} else if (es_str(k, (unsigned char *)f[c], i) == -1)
				goto fail;
		}
		if (put(k, "}\n", 2) == -1)
			goto fail;
	}
	free(row);
	return 0;
fail:
	free(row);
	return -1;
}

/*
 * The items of a _bulk answer, in order: each one's status and, for an
 * error, "type: reason".  -1 when the answer is not one.
 */
static int
es_answer(struct sink *k, struct sink_batch *b, char *why, size_t wlen)
{
	struct js j;
	struct js_tok t;
	struct sink_batch *again = NULL;
	char key[8][16], type[64], reason[WHYMAX - 80], msg[WHYMAX];
	const char *p, *e, *nl;
	size_t item = 0;
	int r, st = k->c.status, status = 0, pendkey = 0, depth, in_items = 0;

	if (st != 200) {
		words(why, k->c.abody, k->c.blen);
		if (st == 400 || st == 413) {
			answered(k);
			return split(k, why);
		}
		if (why[0] == '\0')
			snprintf(why, wlen, "HTTP status %d", st);
		down(k, why);
		return 0;
	}
	answered(k);
	if ((again = batch_new(b->hdr, b->hdrlen)) == NULL)
		return -1;
	js_init(&j, k->c.abody, k->c.blen);
	p = b->rows;
	e = b->rows + b->len;
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
			status = atoi(t.p);
		else if (t.type == JS_STR && depth == 5 &&
		    strcmp(key[4], "error") == 0) {
			if (strcmp(key[5], "type") == 0)
				js_str(&t, type, sizeof(type));
			else if (strcmp(key[5], "reason") == 0)
				js_str(&t, reason, sizeof(reason));
		} else if (t.type == JS_OBJEND && depth == 2) {
			/* an item is whole: its record */
			if (p >= e)
				break;
			nl = memchr(p, '\n', (size_t)(e - p));
			if (status >= 200 && status < 300)
				k->landed++;
			else if (status == 409)
				k->dups++;
			else if (status == 429 || status >= 500 || status == 0) {
				if (batch_add(again, p, (size_t)(nl - p)) == -1)
					goto fail;
			} else {
				snprintf(msg, sizeof(msg), "%d %s: %s", status,
				    type, reason);
				refuse(k, b, p, (size_t)(nl - p), msg);
			}
			item++;
			p = nl + 1;
		} else if (t.type == JS_ARREND && depth == 1)
			in_items = 0;
	}
	if (r == -1 || item != b->nrows) {
		/* not the answer to this body: all of it again */
		batch_free(again);
		down(k, "an answer to _bulk that does not match the request");
		return 0;
	}
	k->held -= b->len;
	batch_free(b);
	if (again->nrows > 0) {
		k->q[0] = again;
		k->held += again->len;
		down(k, "some documents were refused for now (429 or 5xx)");
	} else {
		batch_free(again);
		memmove(k->q, k->q + 1, (k->nq - 1) * sizeof(*k->q));
		k->nq--;
	}
	return 0;
fail:
	batch_free(again);
	return -1;
}

/*
 * sink: records into ClickHouse or Elasticsearch over HTTP, in batches
 * kept until taken (lib/sink.h): the queue, the retries and the outcomes;
 * each engine's request and answer are lib/chfmt's and lib/esfmt's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chfmt.h"
#include "esfmt.h"
#include "out.h"
#include "sink.h"
#include "tm.h"

#define CH_ANSWER (64 * 1024)		/* of an answer, kept */
#define ES_ANSWER (32 * 1024 * 1024)
#define WHYMAX ESFMT_WHYMAX

/* --- the queue --- */

static void
batch_free(struct sink_batch *b)
{
	if (b == NULL)
		return;
	free(b->hdr);
	out_buf_free(&b->rows);
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
	if (out_buf_reserve(&b->rows, len + 1) == -1 ||
	    out_buf_add(&b->rows, p, len) == -1)
		return -1;
	b->rows.p[b->rows.len++] = '\n';
	b->nrows++;
	return 0;
}

/* put b in the queue at i (0: first, nq: last) */
static int
q_insert(struct sink *k, size_t i, struct sink_batch *b)
{
	if (out_grow(&k->q, &k->qcap, k->nq + 1, sizeof(*k->q), 16) == -1)
		return -1;
	memmove(k->q + i + 1, k->q + i, (k->nq - i) * sizeof(*k->q));
	k->q[i] = b;
	k->nq++;
	return 0;
}

static void
q_drop_first(struct sink *k)
{
	k->held -= k->q[0]->rows.len;
	batch_free(k->q[0]);
	memmove(k->q, k->q + 1, (k->nq - 1) * sizeof(*k->q));
	k->nq--;
}

void
sink_words(char *why, size_t wlen, const char *p, size_t n)
{
	size_t i, o = 0;

	if (wlen == 0)
		return;
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r' ||
	    p[n - 1] == ' '))
		n--;
	for (i = 0; i < n && o + 1 < wlen; i++) {
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
    double timeout, char *err, size_t errlen)
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
	    ES_ANSWER, timeout) == -1) {
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
	out_buf_free(&k->body);
	out_buf_free(&k->target);
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
	if (b->rows.len >= k->max_bytes || b->nrows >= k->max_rows)
		k->open = 0;
	return 0;
}

int
sink_atoi(const char *p, size_t n)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n && p[i] >= '0' && p[i] <= '9' && v < 100000000; i++)
		v = v * 10 + (p[i] - '0');
	return v;
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
		refuse(k, b, b->rows.p, b->rows.len > 0 ? b->rows.len - 1 : 0,
		    why);
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
	p = b->rows.p;
	e = b->rows.p + b->rows.len;
	for (i = 0; p < e; i++, p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(e - p));
		if (batch_add(i < half ? h1 : h2, p, (size_t)(nl - p)) == -1) {
			batch_free(h1);
			batch_free(h2);
			return -1;
		}
	}
	k->held -= b->rows.len;
	batch_free(b);
	k->q[0] = h2;
	k->held += h1->rows.len + h2->rows.len;
	if (q_insert(k, 0, h1) == -1) {
		k->held -= h1->rows.len;
		batch_free(h1);
		return -1;
	}
	return 0;
}

/* ClickHouse answered the request of q[0] */
static int
ch_answer(struct sink *k, char *why, size_t wlen)
{
	switch (chfmt_answer(k->c.status, k->c.abody, k->c.blen, why, wlen)) {
	case CHFMT_TOOK:
		k->landed += k->q[0]->nrows;
		q_drop_first(k);
		answered(k);
		return 0;
	case CHFMT_CONTENT:
		answered(k);
		return split(k, why);
	}
	down(k, why);
	return 0;
}

/* an item of a _bulk answer: the next record of q[0] */
struct es_walk {
	struct sink *k;
	struct sink_batch *again;
	const char *p, *e;
};

static int
es_item(void *arg, int status, const char *why)
{
	struct es_walk *w = arg;
	const char *nl = memchr(w->p, '\n', (size_t)(w->e - w->p));
	size_t len = (size_t)(nl - w->p);

	if (status >= 200 && status < 300)
		w->k->landed++;
	else if (status == 409)
		w->k->dups++;
	else if (status == 429 || status >= 500 || status == 0) {
		if (batch_add(w->again, w->p, len) == -1)
			return -1;
	} else
		refuse(w->k, w->k->q[0], w->p, len, why);
	w->p = nl + 1;
	return 0;
}

/* Elasticsearch answered the request of q[0]: item by item */
static int
es_answer(struct sink *k, char *why, size_t wlen)
{
	struct sink_batch *b = k->q[0];
	struct es_walk w;
	long n;

	if (k->c.status != 200) {
		if (esfmt_status(k->c.status, k->c.abody, k->c.blen, why,
		    wlen) == ESFMT_CONTENT) {
			answered(k);
			return split(k, why);
		}
		down(k, why);
		return 0;
	}
	w.k = k;
	w.p = b->rows.p;
	w.e = b->rows.p + b->rows.len;
	if ((w.again = batch_new(b->hdr, b->hdrlen)) == NULL)
		return -1;
	n = esfmt_items(k->c.abody, k->c.blen, b->nrows, es_item, &w);
	if (n == -1) {
		batch_free(w.again);
		return -1;
	}
	if (n == -2) {
		/* not the answer to this body: all of it again */
		batch_free(w.again);
		down(k, "an answer to _bulk that does not match the request");
		return 0;
	}
	answered(k);
	k->held -= b->rows.len;
	batch_free(b);
	if (w.again->nrows > 0) {
		k->q[0] = w.again;
		k->held += w.again->rows.len;
		down(k, "some documents were refused for now (429 or 5xx)");
	} else {
		batch_free(w.again);
		memmove(k->q, k->q + 1, (k->nq - 1) * sizeof(*k->q));
		k->nq--;
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
	rv = k->eng == SINK_CH ? ch_answer(k, why, sizeof(why)) :
	    es_answer(k, why, sizeof(why));
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
	if ((k->eng == SINK_CH ? chfmt_request : esfmt_request)(k->name,
	    b->hdr, b->hdrlen, b->rows.p, b->rows.len, &k->target,
	    &k->body) == -1)
		return -1;
	if (hcli_start(&k->c, "POST", k->target.p, k->eng == SINK_CH ?
	    "text/tab-separated-values; charset=UTF-8" : "application/x-ndjson",
	    k->body.p, k->body.len) == -1)
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


/* intake: omph-collect's lines of a feed into its tally (lib/intake.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hll.h"
#include "intake.h"
#include "prom.h"
#include "rec.h"
#include "tm.h"

void
intake_init(struct intake *in, struct tally *t, const char *const *keys,
    int nkeys, int window, int arrival)
{
	memset(in, 0, sizeof(*in));
	in->t = t;
	for (in->want.n = 0; in->want.n < nkeys; in->want.n++)
		in->want.name[in->want.n] = keys[in->want.n];
	in->window = window;
	in->arrival = arrival;
}

void
intake_free(struct intake *in)
{
	orig_free(&in->org);
}

static void
note(struct intake *in, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(struct intake *in, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	if (in->note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	in->note(in->arg, msg);
}

int
intake_header(struct intake *in, struct cols *c, char *p, size_t len)
{
	int j;

	if (cols_header(c, &in->want, p, len) == -1)
		return -1;
	for (j = 0; j < in->want.n; j++)
		if (c->key[j] == -1 && !in->told[j]) {
			in->told[j] = 1;
			note(in, "-k %s: no such column in the input's "
			    "header; its records are counted under \\N",
			    in->want.name[j]);
		}
	return 0;
}

void
intake_bad(struct intake *in, struct ingest_feed *fd, const char *why)
{
	in->bad++;
	if (fd->snd != NULL)
		fd->snd->bad++;
	if (in->bad <= INTAKE_REPORTS) {
		note(in, "%s:%llu: %s", fd->name, (unsigned long long)fd->lineno,
		    why);
		if (in->bad == INTAKE_REPORTS)
			note(in, "further bad lines are only counted");
	}
}

/*
 * The origin of a record of feed fd (lib/origin.h): 0 when it is a
 * repeat, not to be counted; 1, a gap before it counted; -1 ENOMEM.  The
 * feed's sender is its sender's name, or "" for stdin (no sender has that
 * name).
 */
static int
origin(struct intake *in, struct ingest_feed *fd, const char *v, size_t vl)
{
	struct orig_res r;
	const char *name = fd->snd != NULL ? fd->snd->name : "";
	int k;

	if ((k = orig_check(&in->org, name, strlen(name), v, vl, &r)) == -1)
		return -1;
	if (k == ORIG_DUP) {
		if (fd->snd != NULL)
			fd->snd->dup++;
		return 0;
	}
	if (r.gap > 0 && fd->snd != NULL) {
		fd->snd->gaps++;
		fd->snd->gapbytes += r.gap;
	}
	return 1;
}

static int
record(struct intake *in, struct ingest_feed *fd, char *p, size_t len)
{
	char *f[REC_MAXF];
	size_t fl[REC_MAXF];
	int n;
	int64_t sec = INT64_MIN, status = 0, bytes = 0, dur = -1;
	uint64_t client;
	const uint64_t *cl = NULL;	/* &client, when the record has one */
	const struct cols *c = &fd->c;

	if (c->n == 0) {
		intake_bad(in, fd, "a record before any header line");
		return 0;
	}
	/* fields past the last one read are only counted */
	n = rec_split_head(p, len, f, fl, REC_MAXF, c->last);
	if (n != c->n) {
		intake_bad(in, fd, "field count differs from the header's");
		return 0;
	}
	if (c->origin >= 0 && (n = origin(in, fd, f[c->origin],
	    fl[c->origin])) != 1)
		return n;
	if (in->arrival)
		sec = (int64_t)time(NULL);
	else if (c->time >= 0) {
		const char *t = f[c->time];
		size_t tl = fl[c->time];

		/*
		 * One conversion per distinct second: the same first 19
		 * bytes and a valid tail ("Z", ".123Z") are the same second.
		 */
		if (tl >= 20 && in->tkeylen == 19 && memcmp(in->tkey, t, 19) == 0 &&
		    tm_iso_tail(t + 19, tl - 19))
			sec = in->tval;
		else if (tm_parse_iso(t, tl, &sec) == 0) {
			memcpy(in->tkey, t, 19);
			in->tkeylen = 19;
			in->tval = sec;
		} else if (in->window > 0) {
			intake_bad(in, fd, "no valid time");
			return 0;
		} else
			sec = INT64_MIN;	/* counted, at no time */
	} else if (in->window > 0) {
		intake_bad(in, fd, "no time column (use --clock arrival)");
		return 0;
	}
	if (c->status >= 0)
		status = rec_digits(f[c->status], fl[c->status]);
	if (c->bytes >= 0 && (bytes = rec_digits(f[c->bytes],
	    fl[c->bytes])) < 0)
		bytes = 0;
	if (c->duration >= 0)
		dur = rec_micros(f[c->duration], fl[c->duration]);
	/* visitors: distinct clients; an absent one (\N) is none */
	if (c->client >= 0 && !(fl[c->client] == 2 &&
	    memcmp(f[c->client], "\\N", 2) == 0)) {
		client = hll_hash(f[c->client], fl[c->client]);
		cl = &client;
	}
	if (tally_add(in->t, f, fl, c->key, sec, (int)status, (uint64_t)bytes,
	    dur, cl) == -1)
		return -1;
	if (fd->snd != NULL)
		fd->snd->records++;
	return 0;
}

int
intake_line(struct intake *in, struct ingest_feed *fd, char *p, size_t len)
{
	in->lines++;
	fd->lineno++;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len > 0 && p[0] == '#') {
		if (intake_header(in, &fd->c, p + 1, len - 1) == -1)
			intake_bad(in, fd, INTAKE_NOT_HEADER);
	} else if (len > 0)
		return record(in, fd, p, len);
	return 0;
}

void
intake_head(const struct intake *in, struct snap_head *h)
{
	h->bad = in->bad;
	if ((h->origins = in->org.used)) {
		h->dup = in->org.dup;
		h->gaps = in->org.gaps;
		h->gapbytes = in->org.gapbytes;
		h->badorigin = in->org.bad;
		h->streams = in->org.n;
		h->forgotten = in->org.evicted;
	}
}

void
intake_metrics(const struct intake *in, struct out *o)
{
	prom_counter(o, "omph_bad_lines_total", "Input lines that were not "
	    "records.", in->bad);
	if (in->org.used) {
		prom_counter(o, "omph_dup_records_total", "Records not counted: "
		    "their origin was counted before.", in->org.dup);
		prom_counter(o, "omph_gaps_total", "Gaps in the streams of "
		    "origins.", in->org.gaps);
		prom_counter(o, "omph_gap_bytes_total", "Bytes in those gaps.",
		    in->org.gapbytes);
	}
}

/*
 * omph-collect: aggregate records (man/omph.7) per key: totals for cron
 * reports, or a sliding window with periodic snapshots for live views, with
 * alerts raised and resolved per key and for the whole site.
 *
 * Input: records on stdin, headers anywhere.  Output: reports in the
 * snapshot format of man/omph.7 (or JSON lines).  One thread, one ppoll()
 * loop over stdin and the interval timer; signals are taken only in ppoll.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agg.h"
#include "alert.h"
#include "lr.h"
#include "opt.h"
#include "sig.h"
#include "out.h"
#include "rec.h"
#include "tm.h"

#define MAXKEYF 8
#define MAXRULES 32
#define MAX_REPORTS 10
#define EXIT_ALERT 3

static const char *opt_keys[MAXKEYF];	/* -k */
static int opt_nkeys;
static int opt_window;			/* --window */
static int opt_arrival;			/* --clock arrival */
static double opt_interval;		/* --interval */
static size_t opt_top = 20;		/* -n */
static int opt_sort = M_HITS;		/* --sort */
static struct alert_rule opt_rules[MAXRULES];	/* --alert */
static int opt_nrules;
static struct alert_rule opt_trules[MAXRULES];	/* --alert-total */
static int opt_ntrules;
static size_t opt_min_hits = 20;	/* --alert-min-hits */
static size_t opt_max_keys = 100000;	/* --max-keys */
static int opt_json;			/* -o json */

/* where the fields we need are in the current header */
struct cols {
	int n;				/* columns in the header, 0: none yet */
	int key[MAXKEYF];		/* -1: not in this header */
	int time, status, bytes, duration;
};

struct event {
	int raise;			/* 1 raise, 0 resolve */
	int rule;			/* index; total rules after key rules */
	char *key;			/* NULL for the site */
	uint32_t keylen;
	double value;
	int present;			/* value is not absent */
	int64_t at;
};

/* a --alert rule holding for a key now */
struct active {
	uint32_t slot, gen;		/* the key: agg slot, generation */
	int rule;
	int64_t since;			/* when it was raised */
};

struct collect {
	struct agg a;
	struct cols c;
	struct out *out;
	struct tm_cache tc;
	char tkey[32];			/* last time text parsed */
	size_t tkeylen;
	int64_t tval;
	uint64_t bad, lines;
	uint64_t site_alerts;		/* active --alert-total rules */
	int64_t since[MAXRULES];	/* when each total rule was raised */
	struct event *ev;
	size_t nev, evcap;
	struct active *act;		/* per-key alerts active, in raise order */
	size_t nact, actcap;
	char *keybuf;
	size_t keycap;
	int64_t started;		/* wall clock at start */
	struct agg_key **sorted;
};

static void usage(void);
static void need(int, const char *);
static void header(struct collect *, char *, size_t);
static void bad(struct collect *, uint64_t, const char *);
static void record(struct collect *, char *, size_t, uint64_t, int64_t);
static void report(struct collect *, int64_t, int);
static void evaluate(struct collect *, int64_t);
static void on_drop(void *, struct agg_key *);
static int64_t wall(void);

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "window", required_argument, NULL, 'w' },
		{ "clock", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "top", required_argument, NULL, 'n' },
		{ "sort", required_argument, NULL, 'S' },
		{ "alert", required_argument, NULL, 'a' },
		{ "alert-total", required_argument, NULL, 'A' },
		{ "alert-min-hits", required_argument, NULL, 'M' },
		{ "max-keys", required_argument, NULL, 'K' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct collect co;
	struct lr r;
	struct lr_line l;
	sigset_t orig;
	struct pollfd pfd;
	struct timespec ts, now;
	char errbuf[256];
	double next_tick = 0, t;
	size_t v;
	ssize_t n;
	int ch, rv = 0, ms;

	out_stdfds();
	while ((ch = getopt_long(argc, argv, "k:n:o:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			if (opt_nkeys == MAXKEYF) {
				warnx("-k: at most %d key fields", MAXKEYF);
				usage();
			}
			opt_keys[opt_nkeys++] = optarg;
			break;
		case 'w':
			need(opt_size("--window", optarg, 1, 86400, &v, errbuf,
			    sizeof(errbuf)), errbuf);
			opt_window = (int)v;
			break;
		case 'c':
			if (strcmp(optarg, "arrival") == 0)
				opt_arrival = 1;
			else if (strcmp(optarg, "record") == 0)
				opt_arrival = 0;
			else {
				warnx("--clock: %s is not record or arrival", optarg);
				usage();
			}
			break;
		case 'i':
			need(opt_seconds("--interval", optarg, 0.01, 86400,
			    &opt_interval, errbuf, sizeof(errbuf)), errbuf);
			break;
		case 'n':
			need(opt_size("-n", optarg, 1, 1000000, &opt_top, errbuf,
			    sizeof(errbuf)), errbuf);
			break;
		case 'S':
			if ((opt_sort = alert_metric(optarg, strlen(optarg))) < 0) {
				warnx("--sort: unknown metric %s", optarg);
				usage();
			}
			break;
		case 'a':
		case 'A':
			if ((ch == 'a' ? opt_nrules : opt_ntrules) == MAXRULES) {
				warnx("at most %d rules of each kind", MAXRULES);
				usage();
			}
			if (alert_parse(optarg, ch == 'a' ? &opt_rules[opt_nrules++] :
			    &opt_trules[opt_ntrules++], errbuf, sizeof(errbuf)) == -1) {
				warnx("%s: %s", ch == 'a' ? "--alert" : "--alert-total",
				    errbuf);
				usage();
			}
			break;
		case 'M':
			need(opt_size("--alert-min-hits", optarg, 0, 1000000000,
			    &opt_min_hits, errbuf, sizeof(errbuf)), errbuf);
			break;
		case 'K':
			need(opt_size("--max-keys", optarg, 1, 100000000,
			    &opt_max_keys, errbuf, sizeof(errbuf)), errbuf);
			break;
		case 'o':
			if (strcmp(optarg, "json") == 0)
				opt_json = 1;
			else if (strcmp(optarg, "tsv") == 0)
				opt_json = 0;
			else {
				warnx("-o: %s is not tsv or json", optarg);
				usage();
			}
			break;
		case 'V':
			printf("omph-collect %s\n", OMPH_VERSION);
			return 0;
		case 'h':
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (opt_nkeys == 0)
		opt_keys[opt_nkeys++] = "path";
	if (opt_arrival && opt_window == 0) {
		warnx("--clock arrival needs --window");
		usage();
	}

	sig_setup(&orig);

	memset(&co, 0, sizeof(co));
	if (agg_init(&co.a, opt_max_keys, opt_window) == -1 ||
	    (co.out = malloc(sizeof(*co.out))) == NULL ||
	    (co.sorted = malloc(opt_max_keys * sizeof(*co.sorted))) == NULL ||
	    lr_init(&r, STDIN_FILENO, 1024 * 1024) == -1)
		err(1, NULL);
	co.a.drop = on_drop;
	co.a.droparg = &co;
	out_init(co.out, STDOUT_FILENO);
	co.started = wall();
	if (opt_interval > 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		next_tick = (double)now.tv_sec + now.tv_nsec / 1e9 + opt_interval;
	}
	for (;;) {
		while (lr_next(&r, &l) == 1) {
			co.lines++;
			if (l.flags & LR_CUT) {
				bad(&co, r.lineno, "line longer than 1 MiB");
				continue;
			}
			if (l.len > 0 && l.p[0] == '#')
				header(&co, l.p + 1, l.len - 1);
			else if (l.len > 0)
				record(&co, l.p, l.len, r.lineno,
				    opt_arrival ? wall() : 0);
		}
		if (r.eof || sig_caught())
			break;
		ms = -1;
		if (opt_interval > 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			t = (double)now.tv_sec + now.tv_nsec / 1e9;
			if (t >= next_tick) {
				if (opt_arrival)
					agg_advance(&co.a, wall());
				report(&co, opt_arrival ? wall() : co.a.newest, 0);
				if (out_flush(co.out) == -1)
					break;
				while (next_tick <= t)
					next_tick += opt_interval;
			}
			ms = (int)((next_tick - t) * 1000) + 1;
		}
		if (lr_ready(&r) == 0) {
			/* nothing ready: what we wrote goes on now */
			if (out_flush(co.out) == -1)
				break;
			pfd.fd = STDIN_FILENO;
			pfd.events = POLLIN;
			if (ms >= 0) {
				ts.tv_sec = ms / 1000;
				ts.tv_nsec = (long)(ms % 1000) * 1000000L;
			}
			if (ppoll(&pfd, 1, ms >= 0 ? &ts : NULL, &orig) == -1 &&
			    errno != EINTR)
				err(1, "ppoll");
			if (sig_caught() || !(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
		}
		if ((n = lr_fill(&r)) == -1) {
			warn("stdin");
			rv = 1;
			break;
		}
	}
	if (!co.out->err) {
		if (opt_arrival)
			agg_advance(&co.a, wall());
		report(&co, opt_arrival ? wall() : co.a.newest, 1);
	}
	if (out_flush(co.out) == -1) {
		if (co.out->err != EPIPE)
			warnx("stdout: %s", strerror(co.out->err));
		rv = 1;
	} else if (co.bad > 0)
		warnx("%llu of %llu lines were not records",
		    (unsigned long long)co.bad, (unsigned long long)co.lines);
	/* batch use: an alert active at the end is exit status 3 */
	if (rv == 0 && opt_interval == 0) {
		if (co.site_alerts != 0 || co.nact != 0)
			rv = EXIT_ALERT;
	}
	lr_free(&r);
	free(co.act);
	agg_free(&co.a);
	free(co.out);
	free(co.sorted);
	free(co.keybuf);
	while (co.nev > 0)
		free(co.ev[--co.nev].key);
	free(co.ev);
	return rv;
}

static int64_t
wall(void)
{
	return (int64_t)time(NULL);
}

/* a header line (without its '#'): find our columns */
static void
header(struct collect *co, char *p, size_t len)
{
	char *f[REC_MAXF];
	size_t fl[REC_MAXF];
	int n, i, j;

	n = rec_split(p, len, f, fl, REC_MAXF);
	if (n > REC_MAXF)
		n = REC_MAXF;
	co->c.n = n;
	for (j = 0; j < opt_nkeys; j++)
		co->c.key[j] = -1;
	co->c.time = co->c.status = co->c.bytes = co->c.duration = -1;
	for (i = 0; i < n; i++) {
		for (j = 0; j < opt_nkeys; j++)
			if (strlen(opt_keys[j]) == fl[i] &&
			    memcmp(opt_keys[j], f[i], fl[i]) == 0)
				co->c.key[j] = i;
#define IS(name) (fl[i] == sizeof(name) - 1 && memcmp(f[i], name, fl[i]) == 0)
		if (IS("time"))
			co->c.time = i;
		else if (IS("status"))
			co->c.status = i;
		else if (IS("bytes"))
			co->c.bytes = i;
		else if (IS("duration"))
			co->c.duration = i;
#undef IS
	}
}

static void
bad(struct collect *co, uint64_t lineno, const char *why)
{
	co->bad++;
	if (co->bad <= MAX_REPORTS) {
		warnx("stdin:%llu: %s", (unsigned long long)lineno, why);
		if (co->bad == MAX_REPORTS)
			warnx("further bad lines are only counted");
	}
}

/* digits as a number; -1 if not all digits (or empty, or \N) */
static int64_t
digits(const char *p, size_t n)
{
	int64_t v = 0;
	size_t i;

	if (n == 0 || n > 18)
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* decimal seconds as microseconds; -1 if not a decimal */
static int64_t
micros(const char *p, size_t n)
{
	int64_t s = 0, us = 0;
	size_t i = 0;
	int d = 0;

	for (; i < n && p[i] >= '0' && p[i] <= '9' && i < 12; i++)
		s = s * 10 + (p[i] - '0');
	if (i == 0 && (n == 0 || p[0] != '.'))
		return -1;
	if (i < n && p[i] == '.')
		for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			if (d < 6) {
				us = us * 10 + (p[i] - '0');
				d++;
			}
	if (i != n)
		return -1;
	while (d++ < 6)
		us *= 10;
	return s * 1000000 + us;
}

static void
record(struct collect *co, char *p, size_t len, uint64_t lineno, int64_t now)
{
	char *f[REC_MAXF];
	size_t fl[REC_MAXF], klen = 0, need;
	int n, j;
	int64_t sec = INT64_MIN, status = 0, bytes = 0, dur = -1;
	char *kb;

	if (co->c.n == 0) {
		bad(co, lineno, "a record before any header line");
		return;
	}
	n = rec_split(p, len, f, fl, REC_MAXF);
	if (n != co->c.n) {
		bad(co, lineno, "field count differs from the header's");
		return;
	}
	/* the key: its fields as written (escaped), joined by TAB */
	need = (size_t)opt_nkeys;
	for (j = 0; j < opt_nkeys; j++)
		need += co->c.key[j] >= 0 ? fl[co->c.key[j]] : 2;
	if (need > co->keycap) {
		if ((kb = realloc(co->keybuf, need * 2)) == NULL)
			err(1, NULL);
		co->keybuf = kb;
		co->keycap = need * 2;
	}
	for (j = 0; j < opt_nkeys; j++) {
		if (j > 0)
			co->keybuf[klen++] = '\t';
		if (co->c.key[j] >= 0) {
			memcpy(co->keybuf + klen, f[co->c.key[j]], fl[co->c.key[j]]);
			klen += fl[co->c.key[j]];
		} else {
			memcpy(co->keybuf + klen, "\\N", 2);
			klen += 2;
		}
	}
	if (opt_arrival)
		sec = now;
	else if (co->c.time >= 0) {
		const char *t = f[co->c.time];
		size_t tl = fl[co->c.time];

		/*
		 * One conversion per distinct second: the same first 19
		 * bytes and a valid tail ("Z", ".123Z") are the same second.
		 */
		if (tl >= 20 && co->tkeylen == 19 && memcmp(co->tkey, t, 19) == 0 &&
		    tm_iso_tail(t + 19, tl - 19))
			sec = co->tval;
		else if (tm_parse_iso(t, tl, &sec) == 0) {
			memcpy(co->tkey, t, 19);
			co->tkeylen = 19;
			co->tval = sec;
		} else if (opt_window > 0) {
			bad(co, lineno, "no valid time");
			return;
		} else
			sec = INT64_MIN;	/* counted, at no time */
	} else if (opt_window > 0) {
		bad(co, lineno, "no time column (use --clock arrival)");
		return;
	}
	if (co->c.status >= 0)
		status = digits(f[co->c.status], fl[co->c.status]);
	if (co->c.bytes >= 0 && (bytes = digits(f[co->c.bytes],
	    fl[co->c.bytes])) < 0)
		bytes = 0;
	if (co->c.duration >= 0)
		dur = micros(f[co->c.duration], fl[co->c.duration]);
	if (agg_add(&co->a, co->keybuf, klen, sec, (int)status,
	    (uint64_t)bytes, dur) == -1)
		err(1, NULL);
}

/*
 * Seconds the rates are over: the window; in totals mode the records' time
 * span, or the time since start when no record had a time.
 */
static double
span(const struct collect *co)
{
	if (opt_window > 0)
		return opt_window;
	if (co->a.first == INT64_MIN || co->a.newest == INT64_MIN)
		return (double)(wall() - co->started + 1);
	return (double)(co->a.newest - co->a.first + 1);
}

static void
add_event(struct collect *co, int raise, int rule, const struct agg_key *k,
    int metric, int64_t at)
{
	struct event *e;

	if (co->nev == co->evcap) {
		size_t cap = co->evcap ? co->evcap * 2 : 16;

		if ((e = realloc(co->ev, cap * sizeof(*e))) == NULL)
			err(1, NULL);
		co->ev = e;
		co->evcap = cap;
	}
	e = &co->ev[co->nev++];
	e->raise = raise;
	e->rule = rule;
	e->value = alert_value(k != NULL ? k : &co->a.total, metric, span(co),
	    &e->present);
	e->at = at;
	e->key = NULL;
	e->keylen = 0;
	if (k != NULL) {
		if ((e->key = malloc(k->len ? k->len : 1)) == NULL)
			err(1, NULL);
		memcpy(e->key, k->key, k->len);
		e->keylen = k->len;
	}
}

/* rule r became active for key k (slot s) at time at */
static void
activate(struct collect *co, const struct agg_key *k, uint32_t s, int r,
    int64_t at)
{
	struct active *a;

	if (co->nact == co->actcap) {
		size_t cap = co->actcap ? co->actcap * 2 : 16;

		if ((a = realloc(co->act, cap * sizeof(*a))) == NULL)
			err(1, NULL);
		co->act = a;
		co->actcap = cap;
	}
	a = &co->act[co->nact++];
	a->slot = s;
	a->gen = k->gen;
	a->rule = r;
	a->since = at;
}

/* rule r (-1: every rule) no longer holds for the key in slot s */
static void
deactivate(struct collect *co, uint32_t s, uint32_t gen, int r)
{
	size_t i, n = 0;

	for (i = 0; i < co->nact; i++)
		if (co->act[i].slot != s || co->act[i].gen != gen ||
		    (r >= 0 && co->act[i].rule != r))
			co->act[n++] = co->act[i];
	co->nact = n;
}

/* a key leaves (expired or evicted): its alerts resolve */
static void
on_drop(void *arg, struct agg_key *k)
{
	struct collect *co = arg;
	int i;

	if (k->alerts == 0)
		return;
	for (i = 0; i < opt_nrules; i++)
		if (k->alerts & (1ULL << i))
			add_event(co, 0, i, k, opt_rules[i].metric, co->a.newest);
	deactivate(co, (uint32_t)(k - co->a.keys), k->gen, -1);
	k->alerts = 0;
}

/* raise and resolve alerts: per key and for the site */
static void
evaluate(struct collect *co, int64_t at)
{
	struct agg_key *k;
	double sp = span(co);
	size_t i;
	int r, holds;

	for (i = 0; opt_nrules > 0 && i < co->a.hi; i++) {
		k = &co->a.keys[i];
		if (!k->used)
			continue;
		for (r = 0; r < opt_nrules; r++) {
			holds = k->c.hits >= opt_min_hits &&
			    alert_holds(&opt_rules[r], k, sp);
			if (holds == !!(k->alerts & (1ULL << r)))
				continue;
			add_event(co, holds, r, k, opt_rules[r].metric, at);
			if (holds)
				activate(co, k, (uint32_t)i, r, at);
			else
				deactivate(co, (uint32_t)i, k->gen, r);
			k->alerts ^= 1ULL << r;
		}
	}
	for (r = 0; r < opt_ntrules; r++) {
		holds = alert_holds(&opt_trules[r], &co->a.total, sp);
		if (holds == !!(co->site_alerts & (1ULL << r)))
			continue;
		add_event(co, holds, opt_nrules + r, NULL, opt_trules[r].metric,
		    at);
		co->site_alerts ^= 1ULL << r;
		if (holds)
			co->since[r] = at;
	}
}

static int
cmp_keys(const void *x, const void *y)
{
	const struct agg_key *a = *(const struct agg_key *const *)x;
	const struct agg_key *b = *(const struct agg_key *const *)y;
	int pa, pb;
	double va = alert_value(a, opt_sort, 1, &pa);
	double vb = alert_value(b, opt_sort, 1, &pb);

	if (pa != pb)
		return pb - pa;
	if (va != vb)
		return va < vb ? 1 : -1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->key, b->key, a->len);
}

/* a time: ISO text (a JSON string with -o json), absent when INT64_MIN */
static void
put_time(struct out *o, int64_t t)
{
	char iso[TM_ISOMAX];

	if (t == INT64_MIN) {
		out_puts(o, opt_json ? "null" : "\\N");
		return;
	}
	if (opt_json)
		out_putc(o, '"');
	out_write(o, iso, (size_t)tm_iso(t, iso));
	if (opt_json)
		out_putc(o, '"');
}

static void
put_num(struct out *o, double v, int present, int integer)
{
	char buf[64];
	int n;

	if (!present) {
		out_puts(o, opt_json ? "null" : "\\N");
		return;
	}
	if (integer)
		n = snprintf(buf, sizeof(buf), "%.0f", v);
	else
		n = snprintf(buf, sizeof(buf), "%.6g", v);
	out_write(o, buf, (size_t)n);
}

/* the key's fields as written, TAB-separated (tsv) or as JSON strings */
static void
put_key(struct out *o, const char *key, size_t len, int site)
{
	const char *p = key, *e = key + len, *t;
	struct rec_val v;
	char *copy;
	long n;
	int j;

	for (j = 0; j < opt_nkeys; j++) {
		t = site ? NULL : memchr(p, '\t', (size_t)(e - p));
		if (j > 0)
			out_putc(o, opt_json ? ',' : '\t');
		if (opt_json) {
			out_putc(o, '"');
			out_puts(o, opt_keys[j]);
			out_write(o, "\":", 2);
		}
		if (site) {
			out_puts(o, opt_json ? "null" : "*");
			continue;
		}
		n = (long)((t ? t : e) - p);
		if (!opt_json)
			out_write(o, p, (size_t)n);
		else {
			/* from the record's escaping to JSON */
			if ((copy = malloc((size_t)n + 1)) == NULL)
				err(1, NULL);
			memcpy(copy, p, (size_t)n);
			v.p = copy;
			v.enc = REC_RAW;
			if ((n = rec_unescape(copy, (size_t)n)) < 0)
				v.enc = REC_ABSENT;
			v.len = n < 0 ? 0 : (uint32_t)n;
			rec_put_json(o, &v, 0);
			free(copy);
		}
		p = t ? t + 1 : e;
	}
}

static void
put_row(struct collect *co, const struct agg_key *k, int site)
{
	struct out *o = co->out;
	double sp = span(co), v;
	int m, present;

	if (opt_json)
		out_putc(o, '{');
	put_key(o, k->key, k->len, site);
	for (m = 0; m < M_N; m++) {
		out_putc(o, opt_json ? ',' : '\t');
		if (opt_json) {
			out_putc(o, '"');
			out_puts(o, alert_metric_names[m]);
			out_write(o, "\":", 2);
		}
		v = alert_value(k, m, sp, &present);
		put_num(o, v, present, m != M_RATE && m != M_4XX_RATIO &&
		    m != M_5XX_RATIO && m != M_P50 && m != M_P90 && m != M_P99);
	}
	out_puts(o, opt_json ? "}" : "\n");
}

static void
put_event(struct collect *co, const char *what, int rule, const char *key,
    size_t keylen, double value, int present, int64_t at)
{
	struct out *o = co->out;
	const char *text = rule < opt_nrules ? opt_rules[rule].text :
	    opt_trules[rule - opt_nrules].text;
	struct rec_val v;

	if (opt_json) {
		out_write(o, "{\"event\":\"", 10);
		out_puts(o, what);
		out_write(o, "\",\"rule\":", 9);
		v.p = text;
		v.len = (uint32_t)strlen(text);
		v.enc = REC_RAW;
		rec_put_json(o, &v, 0);
		out_write(o, ",\"value\":", 9);
		put_num(o, value, present, 0);
		out_write(o, ",\"time\":", 8);
		put_time(o, at);
		out_putc(o, ',');
		put_key(o, key, keylen, key == NULL);
		out_putc(o, '}');
		return;
	}
	out_puts(o, what);
	out_putc(o, '\t');
	out_puts(o, text);
	out_putc(o, '\t');
	put_num(o, value, present, 0);
	out_putc(o, '\t');
	put_time(o, at);
	out_putc(o, '\t');
	put_key(o, key, keylen, key == NULL);
	out_putc(o, '\n');
}

/* one snapshot (man/omph.7): summary, table, alert events, active alerts */
static void
report(struct collect *co, int64_t at, int final)
{
	struct out *o = co->out;
	size_t i, n = 0, top;
	int j, r, first, present;
	char num[256];
	double sp, v;

	evaluate(co, at);
	sp = span(co);
	for (i = 0; i < co->a.hi; i++)
		if (co->a.keys[i].used)
			co->sorted[n++] = &co->a.keys[i];
	qsort(co->sorted, n, sizeof(*co->sorted), cmp_keys);
	top = n < opt_top ? n : opt_top;
	if (opt_json) {
		out_write(o, "{\"time\":", 8);
		put_time(o, at);
		snprintf(num, sizeof(num), ",\"window\":%d,\"final\":%s,"
		    "\"records\":%" PRIu64 ",\"late\":%" PRIu64 ",\"bad\":%" PRIu64
		    ",\"evicted\":%" PRIu64 ",\"keys\":%zu,\"total\":", opt_window,
		    final ? "true" : "false", co->a.records, co->a.late, co->bad,
		    co->a.evicted, co->a.n);
		out_puts(o, num);
		put_row(co, &co->a.total, 1);
		out_puts(o, ",\"top\":[");
		for (i = 0; i < top; i++) {
			if (i > 0)
				out_putc(o, ',');
			put_row(co, co->sorted[i], 0);
		}
		out_puts(o, "],\"events\":[");
		for (i = 0; i < co->nev; i++) {
			if (i > 0)
				out_putc(o, ',');
			put_event(co, co->ev[i].raise ? "raise" : "resolve",
			    co->ev[i].rule, co->ev[i].key, co->ev[i].keylen,
			    co->ev[i].value, co->ev[i].present, co->ev[i].at);
		}
		out_puts(o, "],\"active\":[");
	} else {
		out_puts(o, "#snapshot\ttime=");
		put_time(o, at);
		snprintf(num, sizeof(num), "\twindow=%d\tfinal=%d\trecords=%" PRIu64
		    "\tlate=%" PRIu64 "\tbad=%" PRIu64 "\tevicted=%" PRIu64
		    "\tkeys=%zu\n", opt_window, final, co->a.records, co->a.late,
		    co->bad, co->a.evicted, co->a.n);
		out_puts(o, num);
		out_putc(o, '#');
		for (j = 0; j < opt_nkeys; j++) {
			out_puts(o, opt_keys[j]);
			out_putc(o, '\t');
		}
		for (j = 0; j < M_N; j++) {
			out_puts(o, alert_metric_names[j]);
			out_putc(o, j + 1 < M_N ? '\t' : '\n');
		}
		put_row(co, &co->a.total, 1);
		for (i = 0; i < top; i++)
			put_row(co, co->sorted[i], 0);
		out_puts(o, "#event\trule\tvalue\ttime");
		for (j = 0; j < opt_nkeys; j++) {
			out_putc(o, '\t');
			out_puts(o, opt_keys[j]);
		}
		out_putc(o, '\n');
		for (i = 0; i < co->nev; i++)
			put_event(co, co->ev[i].raise ? "raise" : "resolve",
			    co->ev[i].rule, co->ev[i].key, co->ev[i].keylen,
			    co->ev[i].value, co->ev[i].present, co->ev[i].at);
	}
	/* the alerts active now: the site's, then the keys' in raise order */
	first = 1;
	for (r = 0; r < opt_ntrules; r++)
		if (co->site_alerts & (1ULL << r)) {
			if (opt_json && !first)
				out_putc(o, ',');
			first = 0;
			v = alert_value(&co->a.total, opt_trules[r].metric, sp,
			    &present);
			put_event(co, "active", opt_nrules + r, NULL, 0, v, present,
			    co->since[r]);
		}
	for (i = 0; i < co->nact; i++) {
		const struct active *ac = &co->act[i];
		const struct agg_key *k = &co->a.keys[ac->slot];

		if (opt_json && !first)
			out_putc(o, ',');
		first = 0;
		v = alert_value(k, opt_rules[ac->rule].metric, sp, &present);
		put_event(co, "active", ac->rule, k->key, k->len, v, present,
		    ac->since);
	}
	out_puts(o, opt_json ? "]}\n" : "#end\n");
	while (co->nev > 0)
		free(co->ev[--co->nev].key);
}

/* a number from the command line, or a usage error */
static void
need(int ok, const char *err)
{
	if (ok == -1) {
		warnx("%s", err);
		usage();
	}
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: omph-collect [-k field]... [--window seconds] [--clock record|arrival]\n"
	    "                    [--interval seconds] [-n top] [--sort metric]\n"
	    "                    [--alert rule]... [--alert-total rule]...\n"
	    "                    [--alert-min-hits n] [--max-keys n] [-o tsv|json]\n");
	exit(2);
}

/*
 * omph-top: a live dashboard of the snapshots omph-collect writes.
 *
 * Input: the snapshot stream of omph-collect(1) (OUTPUT, tsv form) on stdin,
 * or from omph-collect --serve over TCP with --connect (reconnecting with
 * backoff); keys from /dev/tty, so stdin stays the data.  A snapshot is shown
 * when its #end is read: a cut one is never shown, and the last complete one
 * stays on the screen when the input ends.  With -b, plain-text frames go to
 * stdout instead, without curses.  One thread, one ppoll() loop over the
 * data, the terminal and a timer (the "since" clock, reconnecting); SIGINT,
 * SIGTERM and SIGWINCH are unblocked only inside ppoll.
 *
 * Everything from the stream is shown inert: control bytes, bytes of invalid
 * UTF-8 and characters that are not printable are written escaped (\x1b,
 * \u202e), and widths are counted with wcwidth, so no value reaches the
 * terminal as a command or breaks the layout.
 */
#include <curses.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <math.h>		/* isfinite, a macro: no libm */
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#include "hash.h"
#include "alert.h"
#include "lr.h"
#include "net.h"
#include "opt.h"
#include "out.h"
#include "rec.h"
#include "sig.h"
#include "snap.h"
#include "tm.h"

#define MINW 20			/* below this many columns or lines: one line */
#define MINH 3
#define MAXALERTS 1000		/* alerts listed; the oldest resolved go first */
#define HIST 1024		/* sparkline samples kept */
#define READS 16		/* reads per loop turn: keys are answered between */
#define LINEMAX (2 * 1024 * 1024)
#define BACKOFF_MIN 0.1
#define BACKOFF_MAX 5.0

static int opt_batch;			/* -b */
static size_t opt_count;		/* -n: frames in batch mode, 0 all */
static size_t opt_width;		/* --width: 0, $COLUMNS or 80 */
static const char *opt_connect;		/* --connect */

struct buf {
	char *p;
	size_t len, cap;
};

/* a rule holding, or having held, for a key (or the site) */
struct alert {
	char *rule, *key;		/* escaped, as written; one allocation */
	uint32_t rulelen, keylen, hash;
	char since[SNAP_TIMEMAX], until[SNAP_TIMEMAX];	/* record times; "" unknown */
	double value;
	int has;
	int active, ack;		/* ack: cleared while active */
	unsigned raises;
	uint64_t seen;			/* snapshot whose active lines listed it */
	uint64_t changed;		/* order of its last raise or resolve */
};

struct alerts {
	struct alert *a;		/* MAXALERTS of them */
	size_t n;
	uint64_t changes;
};

enum { IN_LIVE, IN_ENDED, IN_CONNECTING, IN_DOWN };

struct input {
	const char *name;
	int net;			/* --connect */
	struct net_addr addr;
	int fd;				/* -1: none */
	int state;
	int err;			/* why it ended or is down; 0: end of input */
	double since;			/* monotonic: start of waiting, end, or down */
	time_t since_wall;
	double retry, backoff;		/* next connect, its delay after that */
	int got;			/* a snapshot came over this connection */
	unsigned attempts;		/* connects tried: each address in turn */
	struct lr r;
};

/* sort orders the s key cycles through */
enum { S_INPUT, S_HITS, S_BYTES, S_4XX, S_5XX, S_P99, S_KEY, S_N };

/* attributes of text, mapped to curses ones by cattr() */
enum {
	AT_NONE, AT_TITLE, AT_HEAD, AT_SORT, AT_SEL, AT_2XX, AT_3XX, AT_4XX,
	AT_5XX, AT_BAR2, AT_BAR3, AT_BAR4, AT_BAR5, AT_ALERT, AT_ACK, AT_DIM,
	AT_SITE
};

struct top {
	struct input in;
	struct snap_rd ps;
	struct snap sn[3];
	struct snap *cur, *last, *pend;	/* parsing; shown; newest while paused */
	int have_last, have_pend;
	uint64_t nsnap;			/* complete snapshots read */
	int fresh;			/* no snapshot yet over this connection */
	struct alerts al;
	double hist[HIST];		/* sparkline samples, a ring */
	size_t nhist;
	uint64_t prec;			/* records at time pat */
	double pat, rps, gap;		/* records/s; seconds between snapshots */
	int has_rps;
	/* the view */
	int sort, sel, top, paused, help, editing, clear;
	size_t newer;			/* snapshots read while paused */
	char filter[256], edit[256];
	size_t filterlen, editlen;
	struct buf selkey;		/* key the selection follows */
	int follow;			/* 0: a position, 1: selkey, 2: the site */
	size_t *order;			/* shown rows: filtered, sorted */
	size_t norder, ordercap;
	int reorder;
	int body;			/* key rows of the last layout */
	struct buf u, c;		/* scratch: unescaped, cleaned text */
	struct buf fb;			/* the text of a line's fields */
	int utf8;
	/* the terminal */
	int ui, colors, dirty;
	FILE *tty;
	SCREEN *scr;
	/* batch */
	struct out *out;
	struct buf bl;
	int width;
	size_t frames;
	int done, rv;
};

struct line {
	struct top *t;
	int y, w, x;			/* row, its columns, columns written */
	int base;			/* attribute of the whole line */
};

static void usage(void);
static _Noreturn void long_help(void);
static void need(int, const char *);
static int run(struct top *, const sigset_t *);
static void ui_start(struct top *);
static void ui_stop(struct top *);
static void draw(struct top *);
static void frame(struct top *);
static void top_free(struct top *);

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "batch", no_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'n' },
		{ "width", required_argument, NULL, 'W' },
		{ "connect", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct top *t;
	sigset_t mask, ws;
	char errbuf[256];
	const char *cols;
	size_t v;
	int ch, rv;

	argv[0] = (char *)"omph-top";	/* getopt says "omph-top: ...", as we do */
	while ((ch = getopt_long(argc, argv, "bn:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			opt_batch = 1;
			break;
		case 'n':
			need(opt_size("-n", optarg, 1, 1000000000, &opt_count,
			    errbuf, sizeof(errbuf)), errbuf);
			break;
		case 'W':
			need(opt_size("--width", optarg, 1, 10000, &opt_width,
			    errbuf, sizeof(errbuf)), errbuf);
			break;
		case 'C':
			opt_connect = optarg;
			break;
		case 'V':
			printf("omph-top %s\n", OMPH_VERSION);
			return 0;
		case 'h':
			long_help();
		default:
			usage();
		}
	}
	if (optind != argc) {
		warnx("%s: extra operand: snapshots are read from stdin or "
		    "--connect", argv[optind]);
		usage();
	}
	if (!opt_batch && (opt_count != 0 || opt_width != 0)) {
		warnx("-n and --width need -b");
		usage();
	}

	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");	/* the stream's numbers have a '.' */
	out_stdfds();
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->al.a = calloc(MAXALERTS, sizeof(*t->al.a))) == NULL ||
	    lr_init(&t->in.r, -1, LINEMAX) == -1)
		err(1, NULL);
	t->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	t->cur = &t->sn[0];
	t->last = &t->sn[1];
	t->pend = &t->sn[2];
	t->sel = 1;
	t->in.fd = -1;
	t->in.backoff = BACKOFF_MIN;
	t->in.name = "stdin";
	if (opt_connect != NULL) {
		if (net_parse(opt_connect, NET_TCP, &t->in.addr, errbuf,
		    sizeof(errbuf)) == -1 || t->in.addr.proto != NET_TCP) {
			warnx("--connect: %s", t->in.addr.proto == NET_UDP ?
			    "a TCP address is needed" : errbuf);
			usage();
		}
		t->in.net = 1;
		t->in.name = opt_connect;
		t->in.state = IN_DOWN;	/* the loop connects at once */
	} else {
		if (!opt_batch && isatty(STDIN_FILENO)) {
			warnx("stdin is a terminal: pipe omph-collect into "
			    "omph-top, or use --connect");
			usage();
		}
		t->in.fd = STDIN_FILENO;
		t->in.r.fd = STDIN_FILENO;
		t->in.state = IN_LIVE;
	}

	/* SIGINT/SIGTERM (and SIGWINCH) are taken only inside ppoll */
	sig_setup(&mask);
	if (opt_batch) {
		if ((t->out = malloc(sizeof(*t->out))) == NULL)
			err(1, NULL);
		out_init(t->out, STDOUT_FILENO);
		t->width = 80;
		if ((cols = getenv("COLUMNS")) != NULL &&
		    opt_size("COLUMNS", cols, 1, 10000, &v, errbuf,
		    sizeof(errbuf)) == 0)
			t->width = (int)v;
		if (opt_width != 0)
			t->width = (int)opt_width;
	} else {
		sigemptyset(&ws);
		sigaddset(&ws, SIGWINCH);
		sigprocmask(SIG_BLOCK, &ws, NULL);
		sigdelset(&mask, SIGWINCH);
		ui_start(t);
	}
	rv = run(t, &mask);
	ui_stop(t);
	if (t->out != NULL) {
		if (out_flush(t->out) == -1) {
			if (t->out->err != EPIPE)
				warnx("stdout: %s", strerror(t->out->err));
			rv = 1;
		}
		free(t->out);
	}
	if (t->in.net && t->in.fd >= 0)
		close(t->in.fd);
	top_free(t);
	return rv;
}

/* free t and all it holds (not its out, not its descriptors); t may be NULL */
static void
top_free(struct top *t)
{
	size_t i;

	if (t == NULL)
		return;
	lr_free(&t->in.r);
	for (i = 0; i < 3; i++)
		snap_free(&t->sn[i]);
	for (i = 0; t->al.a != NULL && i < t->al.n; i++)
		free(t->al.a[i].rule);
	free(t->al.a);
	free(t->order);
	free(t->selkey.p);
	free(t->u.p);
	free(t->c.p);
	free(t->fb.p);
	free(t->bl.p);
	free(t);
}

/* ---- memory ---- */

/* out of memory: leave the terminal sane, say so, exit 1 */
static _Noreturn void
oom(struct top *t)
{
	ui_stop(t);
	err(1, NULL);
}

/* make room for n more bytes in b */
static void
reserve(struct top *t, struct buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->len + n <= b->cap)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL)
		oom(t);
	b->p = p;
	b->cap = cap;
}

/* append p[0..n); b->p is never NULL afterwards */
static void
append(struct top *t, struct buf *b, const char *p, size_t n)
{
	reserve(t, b, n + 1);
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* an array *p of *cap elements of size sz holding at least n */
static void
grow(struct top *t, void *pp, size_t *cap, size_t n, size_t sz)
{
	void **p = pp, *q;
	size_t c;

	if (n <= *cap)
		return;
	c = *cap ? *cap : 16;
	while (c < n)
		c *= 2;
	if ((q = realloc(*p, c * sz)) == NULL)
		oom(t);
	*p = q;
	*cap = c;
}

/* the fraction of x >= 0 (no libm: only ncurses is linked) */
static double
frac(double x)
{
	return x - (double)(long long)x;
}

/* ---- reading the snapshot stream (lib/snap.h) ---- */

static void finish(struct top *, double);

/* one line of the stream, without its LF */
static void
parse_line(struct top *t, char *p, size_t len, int flags, double now)
{
	switch (snap_feed(&t->ps, t->cur, p, len, flags)) {
	case -1:
		oom(t);
	case 1:
		finish(t, now);
		break;
	}
}

/* ---- alerts ---- */

static uint32_t
hash2(const char *a, size_t al, const char *b, size_t bl)
{
	static const unsigned char sep = 0xff;	/* a and b apart */

	return hash_fnv32(hash_fnv32(hash_fnv32(HASH_FNV32, a, al), &sep, 1),
	    b, bl);
}

/* 1 when a key (escaped, TAB-joined) is the site's: every field '*' */
static int
is_site(const char *k, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i += 2)
		if (k[i] != '*' || (i + 1 < n && k[i + 1] != '\t'))
			return 0;
	return 1;
}

static int
same_key(const char *a, size_t al, const char *b, size_t bl)
{
	if (is_site(a, al) || is_site(b, bl))
		return is_site(a, al) && is_site(b, bl);
	return al == bl && memcmp(a, b, al) == 0;
}

static void
al_remove(struct alerts *al, size_t i)
{
	free(al->a[i].rule);
	al->a[i] = al->a[--al->n];
}

static struct alert *
al_find(struct alerts *al, const char *rule, size_t rl, const char *key,
    size_t kl, uint32_t h)
{
	size_t i;
	struct alert *a;

	for (i = 0; i < al->n; i++) {
		a = &al->a[i];
		if (a->hash == h && a->rulelen == rl && a->keylen == kl &&
		    memcmp(a->rule, rule, rl) == 0 && memcmp(a->key, key, kl) == 0)
			return a;
	}
	return NULL;
}

/* a new alert; when the list is full the oldest resolved one goes first */
static struct alert *
al_add(struct top *t, const char *rule, size_t rl, const char *key,
    size_t kl, uint32_t h)
{
	struct alerts *al = &t->al;
	struct alert *a;
	size_t i, v = 0;
	int pass;

	if (al->n == MAXALERTS) {
		for (pass = 0; pass < 3; pass++) {
			v = al->n;
			for (i = 0; i < al->n; i++) {
				a = &al->a[i];
				if ((pass == 0 && a->active) ||
				    (pass == 1 && !(a->active && a->ack)))
					continue;
				if (v == al->n || a->changed < al->a[v].changed)
					v = i;
			}
			if (v < al->n)
				break;
		}
		al_remove(al, v);
	}
	a = &al->a[al->n];
	memset(a, 0, sizeof(*a));
	if ((a->rule = malloc(rl + kl + 1)) == NULL)
		oom(t);
	memcpy(a->rule, rule, rl);
	a->key = a->rule + rl;
	memcpy(a->key, key, kl);
	a->rulelen = (uint32_t)rl;
	a->keylen = (uint32_t)kl;
	a->hash = h;
	al->n++;
	return a;
}

static void
al_raise(struct alerts *al, struct alert *a, const char *at)
{
	a->active = 1;
	a->ack = 0;
	a->raises++;
	a->until[0] = '\0';
	snap_time(a->since, at, strlen(at));
	a->changed = ++al->changes;
}

/* a resolves at time at; one that was cleared while active goes */
static void
al_resolve(struct alerts *al, struct alert *a, const char *at)
{
	if (a->ack) {
		al_remove(al, (size_t)(a - al->a));
		return;
	}
	a->active = 0;
	snap_time(a->until, at, strlen(at));
	a->changed = ++al->changes;
}

/*
 * The events of a complete snapshot: raises and resolves in order, then the
 * active lines, which list every alert holding now; an alert we hold active
 * that they do not list resolved unseen (a snapshot missed while
 * reconnecting), unless lines were dropped.  replay: the snapshot was seen
 * before, only its active lines count.
 */
static void
apply_events(struct top *t, const struct snap *s, int replay)
{
	struct alerts *al = &t->al;
	const struct snap_ev *e;
	struct alert *a;
	const char *rule, *key;
	size_t i;
	uint32_t h;

	for (i = 0; i < s->nev; i++) {
		e = &s->ev[i];
		if (replay && e->kind != SNAP_ACTIVE)
			continue;
		rule = s->arena.p + e->rule;
		key = s->arena.p + e->key;
		h = hash2(rule, e->rulelen, key, e->keylen);
		a = al_find(al, rule, e->rulelen, key, e->keylen, h);
		if (a == NULL)
			a = al_add(t, rule, e->rulelen, key, e->keylen, h);
		else if (e->kind == SNAP_RESOLVE && !a->active)
			continue;	/* told again */
		a->value = e->value;
		a->has = e->has;
		switch (e->kind) {
		case SNAP_RAISE:
			if (!a->active)
				al_raise(al, a, e->at);
			break;
		case SNAP_ACTIVE:
			if (!a->active)
				al_raise(al, a, e->at);
			snap_time(a->since, e->at, strlen(e->at));
			a->seen = t->nsnap;
			break;
		case SNAP_RESOLVE:
			if (a->raises == 0 && !a->active) {
				/* its raise came before we looked */
				snap_time(a->until, e->at, strlen(e->at));
				a->changed = ++al->changes;
			} else
				al_resolve(al, a, e->at);
			break;
		}
	}
	for (i = al->n; s->evdropped == 0 && i-- > 0;)
		if (al->a[i].active && al->a[i].seen != t->nsnap)
			al_resolve(al, &al->a[i], s->time);
}

/*
 * Clear alerts: those of the key (NULL: all).  A resolved alert goes; an
 * active one is marked cleared, and goes when it resolves.
 */
static void
al_clear(struct alerts *al, const char *key, size_t kl)
{
	size_t i;

	for (i = al->n; i-- > 0;) {
		if (key != NULL && !same_key(al->a[i].key, al->a[i].keylen, key, kl))
			continue;
		if (al->a[i].active)
			al->a[i].ack = 1;
		else
			al_remove(al, i);
	}
}

/* 2: an alert of the key is active and not cleared, 1: another, 0: none */
static int
al_state(const struct alerts *al, const char *key, size_t kl)
{
	size_t i;
	int st = 0;

	for (i = 0; i < al->n; i++)
		if (same_key(al->a[i].key, al->a[i].keylen, key, kl)) {
			if (al->a[i].active && !al->a[i].ack)
				return 2;
			st = 1;
		}
	return st;
}

/* ---- a complete snapshot ---- */

static void
swap(struct snap **a, struct snap **b)
{
	struct snap *x = *a;

	*a = *b;
	*b = x;
}

/* the same snapshot twice: what a server sends again on a reconnect */
static int
same_snap(const struct snap *a, const struct snap *b)
{
	return strcmp(a->time, b->time) == 0 && a->records == b->records &&
	    a->late == b->late && a->bad == b->bad && a->evicted == b->evicted &&
	    a->keys == b->keys && a->nev == b->nev;
}

/* the sparkline's sample and records/s, from successive snapshots */
static void
sample(struct top *t, const struct snap *s, double now)
{
	double v = 0;
	int ok = 0;

	if (s->window > 0 && s->site && (s->srow.has & (1u << M_RATE))) {
		v = s->srow.m[M_RATE];
		ok = 1;
	}
	if (t->pat == 0 || s->records < t->prec) {
		t->prec = s->records;
		t->pat = now;
	} else if (now - t->pat >= 0.2) {
		t->rps = (double)(s->records - t->prec) / (now - t->pat);
		t->has_rps = 1;
		t->prec = s->records;
		t->pat = now;
		if (!ok) {
			v = t->rps;
			ok = 1;
		}
	}
	if (ok)
		t->hist[t->nhist++ % HIST] = v;
}

/* the #end of a snapshot: it becomes the one shown (or the newest, paused) */
static void
finish(struct top *t, double now)
{
	struct snap *s = t->cur, *newest;
	int replay;

	newest = t->have_pend ? t->pend : t->have_last ? t->last : NULL;
	replay = t->fresh && newest != NULL && same_snap(s, newest);
	t->fresh = 0;
	s->arrived = now;
	t->nsnap++;
	apply_events(t, s, replay);
	sample(t, s, now);
	if (newest != NULL && !replay)
		t->gap = now - newest->arrived;
	t->in.got = 1;
	if (t->paused) {
		swap(&t->cur, &t->pend);
		t->have_pend = 1;
		t->newer++;
	} else {
		swap(&t->cur, &t->last);
		t->have_last = 1;
		t->reorder = 1;
	}
	t->ps.state = SNAP_P_NONE;
	t->dirty = 1;
	if (opt_batch)
		frame(t);
}

/* ---- input: stdin or a connection ---- */

/* the input ended (e == 0) or failed (errno e) */
static void
input_gone(struct top *t, int e, double now)
{
	struct input *in = &t->in;

	snap_rd_reset(&t->ps);
	t->dirty = 1;
	if (!in->net) {
		in->state = IN_ENDED;
		in->err = e;
		in->since = now;
		in->since_wall = time(NULL);
		if (opt_batch) {
			if (e != 0) {
				errno = e;
				warn("stdin");
				t->rv = 1;
			}
			if (t->frames == 0)
				frame(t);
			t->done = 1;
		}
		return;
	}
	if (in->fd >= 0)
		close(in->fd);
	in->fd = -1;
	in->r.fd = -1;
	if (opt_batch) {
		if (in->state == IN_CONNECTING) {
			errno = e;
			warn("%s", in->name);
			t->rv = 1;
		} else if (t->frames == 0)
			frame(t);
		t->done = 1;
		return;
	}
	if (in->state == IN_LIVE || in->since == 0) {
		in->since = now;
		in->since_wall = time(NULL);
	}
	if (in->got)
		in->backoff = BACKOFF_MIN;
	in->got = 0;
	in->state = IN_DOWN;
	in->err = e;
	in->retry = now + in->backoff;
	in->backoff = in->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX :
	    in->backoff * 2;
}

static void
input_connect(struct top *t, double now)
{
	struct input *in = &t->in;
	char errbuf[256];

	if ((in->fd = net_connect(&in->addr, in->attempts++, errbuf,
	    sizeof(errbuf))) == -1) {
		in->state = IN_CONNECTING;	/* so that batch mode fails */
		input_gone(t, errno, now);
		return;
	}
	in->state = IN_CONNECTING;
	t->dirty = 1;
}

/* read what is ready and parse it, a bounded amount per call */
static void
input_read(struct top *t, double now)
{
	struct input *in = &t->in;
	struct lr_line l;
	ssize_t n;
	int i, e;

	for (i = 0; i < READS && !t->done; i++) {
		n = lr_fill(&in->r);
		e = errno;
		if (n == -1 && (e == EAGAIN || e == EWOULDBLOCK))
			break;
		while (!t->done && lr_next(&in->r, &l) == 1)
			parse_line(t, l.p, l.len, l.flags, now);
		if (t->done)
			return;
		if (n <= 0) {
			input_gone(t, n == 0 ? 0 : e, now);
			return;
		}
		if (!lr_ready(&in->r))
			break;
	}
}

/* ---- text made inert ---- */

/* characters of no width that are not combining marks: shown escaped */
static int
invisible(wchar_t c)
{
	return c == 0xad || c == 0x61c || c == 0x180e ||
	    (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
	    (c >= 0x2060 && c <= 0x206f) || c == 0xfeff ||
	    (c >= 0xfe00 && c <= 0xfe0f) || (c >= 0xfff9 && c <= 0xfffb) ||
	    (c >= 0xe0000 && c <= 0xe01ef);
}

/*
 * Append to b the text p[0..len) made inert, in at most max columns (max <
 * 0: no limit): printable characters as they are; control bytes and bytes of
 * invalid UTF-8 as \xHH; characters that are not printable, or of no width
 * where no character precedes, as \uHHHH.  A text cut short ends in an
 * ellipsis.  Returns the columns appended.
 */
static int
clean(struct top *t, struct buf *b, const char *p, size_t len, int max)
{
	mbstate_t st;
	wchar_t wc;
	char esc[16];
	const char *piece;
	size_t i = 0, r, pl, cutlen = b->len;
	int w, cols = 0, cutcols = 0, base = 0;
	unsigned char c;

	if (max == 0)
		return 0;
	memset(&st, 0, sizeof(st));
	reserve(t, b, len + 8);
	while (i < len) {
		c = (unsigned char)p[i];
		piece = p + i;
		if (c >= 0x20 && c < 0x7f) {
			pl = r = 1;
			w = 1;
			base = 1;
		} else if (c < 0x80 ||
		    (r = mbrtowc(&wc, p + i, len - i, &st)) == (size_t)-1 ||
		    r == (size_t)-2 || r == 0) {
			memset(&st, 0, sizeof(st));
			pl = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c);
			piece = esc;
			r = 1;
			w = 4;
			base = 0;
		} else if ((w = wcwidth(wc)) < 0 || !iswprint((wint_t)wc) ||
		    invisible(wc) || (w == 0 && !base)) {
			pl = (size_t)snprintf(esc, sizeof(esc),
			    (unsigned long)wc > 0xffff ? "\\U%08lx" : "\\u%04lx",
			    (unsigned long)wc);
			piece = esc;
			w = (int)pl;
			base = 0;
		} else {
			pl = r;
			if (w > 0)
				base = 1;
		}
		if (max >= 0 && cols + w > max) {
			/* cut: what fits in max - 1 columns, and the ellipsis */
			b->len = cutlen;
			if (t->utf8)
				append(t, b, "\xe2\x80\xa6", 3);
			else
				append(t, b, "~", 1);
			return cutcols + 1;
		}
		append(t, b, piece, pl);
		cols += w;
		i += r;
		if (max < 0 || cols <= max - 1) {
			cutlen = b->len;
			cutcols = cols;
		}
	}
	return cols;
}

/* the text of an escaped value into b (\N as itself); b is emptied first */
static void
unescape(struct top *t, struct buf *b, const char *p, size_t n)
{
	long v;

	b->len = 0;
	append(t, b, p, n);
	if ((v = rec_unescape(b->p, n)) >= 0)
		b->len = (size_t)v;
}

/* the text of a key (escaped, TAB-joined) into b, fields joined by ' ' */
static void
key_text(struct top *t, struct buf *b, const char *k, size_t n)
{
	const char *e = k + n, *tab;
	size_t start;
	long v;

	b->len = 0;
	if (is_site(k, n)) {
		append(t, b, "*", 1);
		return;
	}
	for (;;) {
		tab = memchr(k, '\t', (size_t)(e - k));
		start = b->len;
		append(t, b, k, (size_t)((tab ? tab : e) - k));
		if ((v = rec_unescape(b->p + start, b->len - start)) >= 0)
			b->len = start + (size_t)v;
		if (tab == NULL)
			return;
		append(t, b, " ", 1);
		k = tab + 1;
	}
}

/* ---- numbers for the eye ---- */

static void
fmt_count(char *b, size_t n, double v, int width)
{
	static const char sfx[] = "kMGTPE";
	int i = -1;

	snprintf(b, n, "%.0f", v);
	while ((int)strlen(b) > width && i < 5) {
		v /= 1000;
		i++;
		snprintf(b, n, v < 9.95 ? "%.1f%c" : "%.0f%c", v, sfx[i]);
	}
}

static void
fmt_bytes(char *b, size_t n, double v)
{
	static const char sfx[] = "KMGTPE";
	int i = -1;

	if (v < 1024) {
		snprintf(b, n, "%.0f", v);
		return;
	}
	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	snprintf(b, n, v < 9.95 ? "%.1f%c" : "%.0f%c", v, sfx[i]);
}

/*
 * A rate of hits (or records) per second, for the eye: per second from 1/s
 * up, else per minute, per hour or per day, whichever is 1 or more, so no
 * exponent and at most 8 columns ("59.9/min"); below 0.01 a day, "<0.01/d".
 */
static void
fmt_rate(char *b, size_t n, double v)
{
	static const struct {
		double secs;
		const char *unit;
	} u[] = { { 1, "/s" }, { 60, "/min" }, { 3600, "/h" }, { 86400, "/d" } };
	char c[32];
	double x = 0;
	size_t i;

	if (v <= 0) {
		snprintf(b, n, "0/s");
		return;
	}
	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if ((x = v * u[i].secs) >= 1)
			break;
	if (i == sizeof(u) / sizeof(u[0])) {
		i--;
		if (x < 0.005) {
			snprintf(b, n, "<0.01/d");
			return;
		}
	}
	if (x >= 999.5)
		fmt_count(c, sizeof(c), x, 4);
	else
		snprintf(c, sizeof(c), x >= 99.95 ? "%.0f" : x >= 9.995 ? "%.1f" :
		    "%.2f", x);
	snprintf(b, n, "%s%s", c, u[i].unit);
}

/*
 * A value, such as an alert's metric, in up to 4 significant digits and
 * without an exponent: trailing zeros dropped; below 0.000001, "<0.000001".
 */
static void
fmt_num(char *b, size_t n, double v)
{
	double a = v < 0 ? -v : v, x;
	size_t len;
	int d;

	if (v == 0 || a >= 1e15) {
		snprintf(b, n, "%.0f", v);
		return;
	}
	if (a < 0.0000005) {
		snprintf(b, n, v < 0 ? "-<0.000001" : "<0.000001");
		return;
	}
	for (d = 3, x = a; x >= 10 && d > 0; x /= 10)
		d--;
	for (x = a; x < 1 && d < 6; x *= 10)
		d++;
	snprintf(b, n, "%.*f", d, v);
	if (strchr(b, '.') != NULL) {
		len = strlen(b);
		while (len > 0 && b[len - 1] == '0')
			b[--len] = '\0';
		if (len > 0 && b[len - 1] == '.')
			b[--len] = '\0';
	}
}

static void
fmt_secs(char *b, size_t n, double v)
{
	if (v < 0.001)
		snprintf(b, n, "%.0fus", v * 1e6);
	else if (v < 1)
		snprintf(b, n, "%.0fms", v * 1e3);
	else if (v < 100)
		snprintf(b, n, "%.2fs", v);
	else
		snprintf(b, n, "%.0fs", v);
}

static void
fmt_pct(char *b, size_t n, double ratio)
{
	double p = ratio * 100;

	if (p == 0)
		snprintf(b, n, "0%%");
	else if (p < 0.01)
		snprintf(b, n, "<0.01%%");
	else if (p < 10)
		snprintf(b, n, "%.2f%%", p);
	else
		snprintf(b, n, "%.1f%%", p);
}

static void
fmt_age(char *b, size_t n, double s)
{
	long v = s < 0 ? 0 : (long)s;

	if (v < 60)
		snprintf(b, n, "%lds", v);
	else if (v < 3600)
		snprintf(b, n, "%ldm%02lds", v / 60, v % 60);
	else if (v < 86400)
		snprintf(b, n, "%ldh%02ldm", v / 3600, v % 3600 / 60);
	else
		snprintf(b, n, "%ldd%02ldh", v / 86400, v % 86400 / 3600);
}

/* HH:MM:SS of an ISO time, else the text itself */
static const char *
short_time(const char *iso, size_t *n)
{
	*n = strlen(iso);
	if (*n >= 19 && iso[10] == 'T' && iso[13] == ':') {
		*n = 8;
		return iso + 11;
	}
	return iso;
}

/* ---- lines: written left to right, to the screen or to stdout ---- */

static attr_t cattr(const struct top *, int);

static void
ln_start(struct top *t, struct line *l, int y, int w, int base)
{
	l->t = t;
	l->y = y;
	l->w = w < 0 ? 0 : w;
	l->x = 0;
	l->base = base;
	if (opt_batch)
		t->bl.len = 0;
	else if (y < 0 || y >= LINES)
		l->w = 0;	/* off the screen: nothing is written */
	else
		move(y, 0);
}

/* write clean text of cols columns */
static void
emit(struct line *l, int at, const char *p, size_t len, int cols)
{
	struct top *t = l->t;

	if (len == 0)
		return;
	if (opt_batch)
		append(t, &t->bl, p, len);
	else {
		attr_t a = cattr(t, at), b = cattr(t, l->base);

		if (b & A_COLOR)
			a &= ~A_COLOR;	/* the line's colour wins */
		attrset(a | b);
		addnstr(p, (int)len);
	}
	l->x += cols;
}

static void
ln_pad(struct line *l, int n)
{
	static const char sp[] = "                                ";
	int k;

	if (n > l->w - l->x)
		n = l->w - l->x;
	while (n > 0) {
		k = n < (int)sizeof(sp) - 1 ? n : (int)sizeof(sp) - 1;
		emit(l, AT_NONE, sp, (size_t)k, k);
		n -= k;
	}
}

/* text (ours, or already unescaped) in at most max columns (-1: the rest) */
static int
ln_textn(struct line *l, int at, const char *p, size_t len, int max)
{
	struct top *t = l->t;
	int cols;

	if (max < 0 || max > l->w - l->x)
		max = l->w - l->x;
	if (max <= 0)
		return 0;
	t->c.len = 0;
	cols = clean(t, &t->c, p, len, max);
	emit(l, at, t->c.p, t->c.len, cols);
	return cols;
}

static void
ln_text(struct line *l, int at, const char *s)
{
	ln_textn(l, at, s, strlen(s), -1);
}

static void
ln_fmt(struct line *l, int at, const char *fmt, ...)
{
	char b[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	ln_text(l, at, b);
}

/* an escaped value from the stream, in at most max columns */
static int
ln_val(struct line *l, int at, const char *p, size_t len, int max)
{
	struct top *t = l->t;

	unescape(t, &t->u, p, len);
	return ln_textn(l, at, t->u.p, t->u.len, max);
}

/* s right-aligned in width columns, after a space */
static void
ln_right(struct line *l, int at, const char *s, int width)
{
	struct top *t = l->t;
	int cols;

	if (l->x >= l->w)
		return;
	t->c.len = 0;
	cols = clean(t, &t->c, s, strlen(s), width);
	ln_pad(l, 1 + width - cols);
	if (l->x + cols <= l->w)
		emit(l, at, t->c.p, t->c.len, cols);
}

/* the line is done: the rest in its attribute; in batch, to stdout */
static void
ln_end(struct line *l)
{
	struct top *t = l->t;
	struct buf *b = &t->bl;

	if (opt_batch) {
		while (b->len > 0 && b->p[b->len - 1] == ' ')
			b->len--;
		append(t, b, "\n", 1);
		out_write(t->out, b->p, b->len);
		return;
	}
	if (l->base != AT_NONE)
		ln_pad(l, l->w - l->x);
	else if (l->x < l->w)
		clrtoeol();
}

/*
 * ---- lines of fields: what does not fit goes, whole, the least needed first
 *
 * A line is built as fields, each with a rank: 0 always shows (cut with an
 * ellipsis if the line is too narrow even for those), higher ranks go first
 * when the fields do not fit, the last of a rank first; FL_GLUE fields share
 * the fate of the field before them.  A field's sep is written before it when
 * a field shows before it.  The text is ours or already unescaped (it is made
 * inert when written).  One line at a time: the text lives in t->fb.
 */

#define NFIELDS 40
#define FL_GLUE (-1)

struct field {
	int rank, at;
	const char *sep;		/* a literal */
	size_t off, len;		/* in t->fb */
	int cols, shown;
};

struct fields {
	struct top *t;
	struct field f[NFIELDS];
	int n;
};

static void
fl_start(struct top *t, struct fields *fs)
{
	fs->t = t;
	fs->n = 0;
	t->fb.len = 0;
}

/* a field of p[0..len); one past NFIELDS is left out */
static void
fl_addn(struct fields *fs, int rank, int at, const char *sep, const char *p,
    size_t len)
{
	struct top *t = fs->t;
	struct field *f;

	if (fs->n == NFIELDS)
		return;
	f = &fs->f[fs->n++];
	f->rank = rank;
	f->at = at;
	f->sep = sep;
	f->off = t->fb.len;
	f->len = len;
	append(t, &t->fb, p, len);
	t->c.len = 0;
	f->cols = clean(t, &t->c, t->fb.p + f->off, len, -1);
}

static void
fl_add(struct fields *fs, int rank, int at, const char *sep, const char *fmt,
    ...)
{
	char b[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	fl_addn(fs, rank, at, sep, b, strlen(b));
}

/* the columns the shown fields take */
static int
fl_cols(const struct fields *fs)
{
	int i, cols = 0, first = 1;

	for (i = 0; i < fs->n; i++)
		if (fs->f[i].shown) {
			if (!first)
				cols += (int)strlen(fs->f[i].sep);
			cols += fs->f[i].cols;
			first = 0;
		}
	return cols;
}

/* write the fields that fit in what is left of l */
static void
fl_put(struct line *l, struct fields *fs)
{
	struct top *t = fs->t;
	int i, worst, rank, first = 1;

	for (i = 0; i < fs->n; i++)
		fs->f[i].shown = 1;
	while (fl_cols(fs) > l->w - l->x) {
		worst = -1;
		rank = 0;
		for (i = 0; i < fs->n; i++)
			if (fs->f[i].shown && fs->f[i].rank > 0 &&
			    fs->f[i].rank >= rank) {
				worst = i;
				rank = fs->f[i].rank;
			}
		if (worst < 0)
			break;
		fs->f[worst].shown = 0;
		for (i = worst + 1; i < fs->n && fs->f[i].rank == FL_GLUE; i++)
			fs->f[i].shown = 0;
	}
	for (i = 0; i < fs->n; i++) {
		if (!fs->f[i].shown)
			continue;
		if (!first)
			ln_text(l, AT_NONE, fs->f[i].sep);
		ln_textn(l, fs->f[i].at, t->fb.p + fs->f[i].off, fs->f[i].len, -1);
		first = 0;
	}
}

/* ---- the view ---- */

static const char *
sort_name(int s)
{
	static const char *const names[S_N] = {
		"input", "hits", "bytes", "4xx", "5xx", "p99", "key"
	};

	return names[s];
}

static int
sort_metric(int s)
{
	switch (s) {
	case S_HITS: return M_HITS;
	case S_BYTES: return M_BYTES;
	case S_4XX: return M_4XX;
	case S_5XX: return M_5XX;
	case S_P99: return M_P99;
	}
	return -1;
}

/* rows by the sort column, highest first; absent last; ties by input */
static int
cmp_rows(const void *x, const void *y, void *arg)
{
	const struct top *t = arg;
	const struct snap *s = t->last;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	const struct snap_row *a = &s->rows[i], *b = &s->rows[j];
	int m = sort_metric(t->sort), pa, pb, c;

	if (t->sort == S_KEY) {
		c = memcmp(s->arena.p + a->key, s->arena.p + b->key,
		    a->keylen < b->keylen ? a->keylen : b->keylen);
		if (c == 0 && a->keylen != b->keylen)
			c = a->keylen < b->keylen ? -1 : 1;
		if (c != 0)
			return c;
	} else if (m >= 0) {
		pa = (a->has >> m) & 1;
		pb = (b->has >> m) & 1;
		if (pa != pb)
			return pb - pa;
		if (pa && a->m[m] != b->m[m])
			return a->m[m] < b->m[m] ? 1 : -1;
	}
	return i < j ? -1 : i > j;
}

/* ASCII case-insensitive search of needle in the cleaned text of a key */
static int
matches(struct top *t, const struct snap_row *r)
{
	const struct snap *s = t->last;
	size_t i, j;

	key_text(t, &t->u, s->arena.p + r->key, r->keylen);
	t->c.len = 0;
	clean(t, &t->c, t->u.p, t->u.len, -1);
	if (t->filterlen > t->c.len)
		return 0;
	for (i = 0; i + t->filterlen <= t->c.len; i++) {
		for (j = 0; j < t->filterlen; j++) {
			unsigned char a = (unsigned char)t->c.p[i + j];
			unsigned char b = (unsigned char)t->filter[j];

			if (a >= 'A' && a <= 'Z')
				a += 'a' - 'A';
			if (b >= 'A' && b <= 'Z')
				b += 'a' - 'A';
			if (a != b)
				break;
		}
		if (j == t->filterlen)
			return 1;
	}
	return 0;
}

/* the rows shown, filtered and sorted; the selection follows its key */
static void
build_order(struct top *t)
{
	const struct snap *s = t->last;
	const struct snap_row *r;
	size_t i, k = 0;

	t->reorder = 0;
	t->norder = 0;
	if (!t->have_last)
		return;
	grow(t, &t->order, &t->ordercap, s->nrows, sizeof(*t->order));
	for (i = 0; i < s->nrows; i++)
		if (t->filterlen == 0 || matches(t, &s->rows[i]))
			t->order[k++] = i;
	t->norder = k;
	if (t->sort != S_INPUT && k > 1)
		qsort_r(t->order, k, sizeof(*t->order), cmp_rows, t);
	if (t->follow == 2)
		t->sel = 0;
	else if (t->follow == 1) {
		for (i = 0; i < k; i++) {
			r = &s->rows[t->order[i]];
			if (r->keylen == t->selkey.len && memcmp(s->arena.p + r->key,
			    t->selkey.p, r->keylen) == 0) {
				t->sel = (int)i + 1;
				break;
			}
		}
	}
	if (t->sel > (int)k)
		t->sel = (int)k;
}

/* the selection moved by the user: it now follows the key under it */
static void
select_row(struct top *t, long sel)
{
	const struct snap *s = t->last;
	const struct snap_row *r;

	if (sel > (long)t->norder)
		sel = (long)t->norder;
	if (sel < 0)
		sel = 0;
	t->sel = (int)sel;
	if (sel == 0) {
		t->follow = 2;
		return;
	}
	r = &s->rows[t->order[sel - 1]];
	reserve(t, &t->selkey, 1);
	t->selkey.len = 0;
	append(t, &t->selkey, s->arena.p + r->key, r->keylen);
	t->follow = 1;
}

/* the key of the selection, escaped; NULL when none */
static const char *
selected(const struct top *t, size_t *n)
{
	const struct snap *s = t->last;
	const struct snap_row *r;

	if (!t->have_last)
		return NULL;
	if (t->sel == 0) {
		*n = 1;
		return "*";
	}
	if (t->sel < 1 || (size_t)t->sel > t->norder)
		return NULL;
	r = &s->rows[t->order[t->sel - 1]];
	*n = r->keylen;
	return s->arena.p + r->key;
}

/* ---- rendering, shared by the screen and -b ---- */

/* when the newest complete snapshot came (monotonic), 0 if none */
static double
newest(const struct top *t)
{
	return t->have_pend ? t->pend->arrived : t->have_last ?
	    t->last->arrived : 0;
}

static double
stale_after(const struct top *t)
{
	return t->gap * 3 > 5 ? t->gap * 3 : 5;
}

/* the monotonic time the header's clock counts from; -1: no clock shown */
static double
clock_base(const struct top *t, double now)
{
	const struct input *in = &t->in;

	if (opt_batch)
		return -1;
	if (in->state != IN_LIVE)
		return in->since;
	if (!t->have_last && !t->have_pend)
		return in->since;
	if (now - newest(t) >= stale_after(t))
		return newest(t);
	return -1;
}

/* what the input is doing, with the since clock, after its name */
static void
state_fields(const struct top *t, struct fields *fs, double now)
{
	const struct input *in = &t->in;
	char age[32], hms[16];
	struct tm tm;

	fmt_age(age, sizeof(age), now - clock_base(t, now));
	hms[0] = '\0';
	if (localtime_r(&in->since_wall, &tm) != NULL)
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	switch (in->state) {
	case IN_LIVE:
		if (!t->have_last && !t->have_pend)
			fl_add(fs, FL_GLUE, AT_NONE, "", ": %s, waiting for the "
			    "first snapshot (%s)", in->net ? "connected" : "open",
			    age);
		else if (clock_base(t, now) >= 0)
			fl_add(fs, FL_GLUE, AT_NONE, "", ": %s, no snapshot for %s",
			    in->net ? "connected" : "live", age);
		else
			fl_add(fs, FL_GLUE, AT_NONE, "", ": %s",
			    in->net ? "connected" : "live");
		return;
	case IN_ENDED:
		if (in->err != 0) {
			fl_add(fs, FL_GLUE, AT_NONE, "", ": read error at %s "
			    "(%s ago)", hms, age);
			fl_add(fs, 1, AT_NONE, ": ", "%s", strerror(in->err));
		} else
			fl_add(fs, FL_GLUE, AT_NONE, "", ": input ended at %s "
			    "(%s ago)", hms, age);
		return;
	case IN_CONNECTING:
		if (in->since_wall != 0)
			fl_add(fs, FL_GLUE, AT_NONE, "", ": down since %s (%s), "
			    "connecting", hms, age);
		else
			fl_add(fs, FL_GLUE, AT_NONE, "", ": connecting (%s)", age);
		return;
	case IN_DOWN:
		fl_add(fs, FL_GLUE, AT_NONE, "", ": down since %s (%s)",
		    in->since_wall != 0 ? hms : "start", age);
		fl_add(fs, 1, AT_NONE, ": ", "%s",
		    in->err ? strerror(in->err) : "connection closed");
		fl_add(fs, 2, AT_NONE, "; ", "retry in %.1fs",
		    in->retry > now ? in->retry - now : 0.0);
		return;
	}
}

/*
 * The seconds the rates of a totals snapshot are over, from the site's hits
 * and rate: the span of the records' times; 0 when unknown.
 */
static double
totals_span(const struct snap *s)
{
	const struct snap_row *r = &s->srow;

	if (s->window > 0 || !s->site || !(r->has & (1u << M_HITS)) ||
	    !(r->has & (1u << M_RATE)) || r->m[M_HITS] <= 0 || r->m[M_RATE] <= 0)
		return 0;
	return r->m[M_HITS] / r->m[M_RATE] + 0.5;
}

/* the snapshot has a record time (not \N): the span is of log time */
static int
has_time(const struct snap *s)
{
	return s->time[0] != '\0' && strcmp(s->time, "\\N") != 0;
}

static const char *
sort_text(const struct top *t)
{
	switch (t->sort) {
	case S_INPUT:
		return "in omph-collect's order";
	case S_KEY:
		return "sorted by key";
	}
	return NULL;
}

/*
 * The title: the input and its state; what the figures are (the window, or
 * totals and the span of log time they cover); the snapshot's time; the
 * sort order; whether it is the final one.  What does not fit goes: whether
 * final first, then the sort order, the time, the span.
 */
static void
title(struct top *t, int y, int w, double now)
{
	const struct snap *s = t->have_last ? t->last : NULL;
	struct fields fs;
	struct line l;
	char b[32];
	double span;

	ln_start(t, &l, y, w, opt_batch ? AT_NONE : AT_TITLE);
	if (!opt_batch)
		ln_text(&l, AT_NONE, " ");
	fl_start(t, &fs);
	fl_addn(&fs, 0, AT_NONE, "", t->in.name, strlen(t->in.name));
	if (!opt_batch)
		state_fields(t, &fs, now);
	if (t->paused)
		fl_add(&fs, 0, AT_NONE, "  ", "PAUSED, %zu newer (p: go on)",
		    t->newer);
	if (t->filterlen > 0) {
		fl_add(&fs, 1, AT_NONE, "  ", "only keys holding \"");
		fl_addn(&fs, FL_GLUE, AT_NONE, "", t->filter, t->filterlen);
		fl_add(&fs, FL_GLUE, AT_NONE, "", "\"");
	}
	if (s != NULL) {
		if (s->window > 0)
			fl_add(&fs, 1, AT_NONE, "  ", "hits over the last %d s",
			    s->window);
		else {
			fl_add(&fs, 1, AT_NONE, "  ", "hits over all input");
			if ((span = totals_span(s)) > 0) {
				fmt_age(b, sizeof(b), span);
				fl_add(&fs, 2, AT_NONE, " ", "(%s %s)", b,
				    has_time(s) ? "of log time" :
				    "since omph-collect started");
			}
		}
		if (has_time(s)) {
			fl_add(&fs, 3, AT_NONE, "  ", "log time ");
			unescape(t, &t->u, s->time, strlen(s->time));
			fl_addn(&fs, FL_GLUE, AT_NONE, "", t->u.p, t->u.len);
		}
		if (s->final)
			fl_add(&fs, 4, AT_NONE, "  ", "final report");
	} else if (opt_batch)
		fl_add(&fs, 0, AT_NONE, "  ", "no snapshot in the input");
	if (!opt_batch)
		fl_add(&fs, 3, AT_NONE, "  ", "%s", sort_text(t) != NULL ?
		    sort_text(t) : "sorted by ");
	if (!opt_batch && sort_text(t) == NULL)
		fl_add(&fs, FL_GLUE, AT_NONE, "", "%s", sort_name(t->sort));
	fl_put(&l, &fs);
	ln_end(&l);
}

static const char *
plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

/*
 * The statistics: records read and how fast they come, the keys, then what
 * went wrong, only when something did (late records, bad lines, evicted
 * keys; with --listen the senders, datagrams and what was turned away),
 * fields of newer versions as name=value, and what omph-top could not read.
 */
static void
stats(struct top *t, int y, int w)
{
	const struct snap *s = t->have_last ? t->last : NULL;
	struct fields fs;
	struct line l;
	char b[64], *f[64], *eq;
	size_t fl[64], nl, vl;
	int i, n, at;

	ln_start(t, &l, y, w, AT_NONE);
	fl_start(t, &fs);
	if (s == NULL) {
		if (t->ps.ignored > 0) {
			fl_add(&fs, 0, AT_DIM, "", "no snapshot in the %llu line%s "
			    "read", (unsigned long long)t->ps.ignored,
			    plural(t->ps.ignored));
			fl_add(&fs, 1, AT_DIM, " ", "(omph-top reads "
			    "omph-collect's tsv, not -o json)");
		}
		fl_put(&l, &fs);
		ln_end(&l);
		return;
	}
	fl_add(&fs, 0, AT_NONE, "", "%llu record%s read",
	    (unsigned long long)s->records, plural(s->records));
	if (t->has_rps) {
		fmt_rate(b, sizeof(b), t->rps);
		fl_add(&fs, 3, AT_NONE, " ", "(%s now)", b);
	}
	fl_add(&fs, 2, AT_NONE, "  ", "%llu key%s", (unsigned long long)s->keys,
	    plural(s->keys));
	if (s->late > 0)
		fl_add(&fs, 1, AT_4XX, "  ", "%llu late record%s dropped",
		    (unsigned long long)s->late, plural(s->late));
	if (s->bad > 0)
		fl_add(&fs, 1, AT_4XX, "  ", "%llu bad input line%s",
		    (unsigned long long)s->bad, plural(s->bad));
	if (s->evicted > 0)
		fl_add(&fs, 1, AT_4XX, "  ", "%llu key%s evicted (counts are "
		    "estimates)", (unsigned long long)s->evicted,
		    plural(s->evicted));
	if (s->extra.len > 0) {
		/* senders= and the counts of --listen, then any other field */
		/* rec_split only reads; the arena stays as it is */
		n = rec_split(s->arena.p + s->extra.off, s->extra.len, f, fl, 64);
		if (n > 64)
			n = 64;
		for (i = 0; i < n; i++) {
			unescape(t, &t->u, f[i], fl[i]);
			if ((eq = memchr(t->u.p, '=', t->u.len)) == NULL)
				continue;
			nl = (size_t)(eq - t->u.p);
			vl = t->u.len - nl - 1;
			at = vl == 1 && eq[1] == '0' ? -1 : AT_4XX;
#define NAME(x) (nl == sizeof(x) - 1 && memcmp(t->u.p, x, nl) == 0)
			if (NAME("senders")) {
				fl_addn(&fs, 2, AT_NONE, "  ", eq + 1, vl);
				fl_add(&fs, FL_GLUE, AT_NONE, "", " sender%s",
				    vl == 1 && eq[1] == '1' ? "" : "s");
			} else if (NAME("datagrams")) {
				fl_addn(&fs, 3, AT_NONE, "  ", eq + 1, vl);
				fl_add(&fs, FL_GLUE, AT_NONE, "", " UDP datagrams");
			} else if (NAME("denied") || NAME("malformed") ||
			    NAME("refused")) {
				if (at < 0)
					continue;
				fl_addn(&fs, 1, at, "  ", eq + 1, vl);
				fl_add(&fs, FL_GLUE, at, "", " %s",
				    NAME("denied") ? "denied (--allow, --secret)" :
				    NAME("malformed") ? "malformed" :
				    "refused (too many)");
			} else if (NAME("conns")) {
				if (at < 0)
					continue;
				fl_addn(&fs, 3, AT_NONE, "  ", eq + 1, vl);
				fl_add(&fs, FL_GLUE, AT_NONE, "", " TCP connection%s",
				    vl == 1 && eq[1] == '1' ? "" : "s");
			} else if (NAME("shed") || NAME("timedout")) {
				if (at < 0)
					continue;
				fl_addn(&fs, 2, at, "  ", eq + 1, vl);
				fl_add(&fs, FL_GLUE, at, "", " %s", NAME("shed") ?
				    "connections shed (strangers, for room)" :
				    "connections timed out");
			} else if (NAME("dup") || NAME("gaps") ||
			    NAME("gapbytes") || NAME("badorigin") ||
			    NAME("forgotten")) {
				/* origins (omph-collect(1)): told when not 0 */
				if (at < 0)
					continue;
				fl_addn(&fs, 2, NAME("dup") ? AT_NONE : at, "  ",
				    eq + 1, vl);
				fl_add(&fs, FL_GLUE, NAME("dup") ? AT_NONE : at,
				    "", " %s", NAME("dup") ? "repeats not counted" :
				    NAME("gaps") ? "gaps" : NAME("gapbytes") ?
				    "bytes lost in gaps" : NAME("badorigin") ?
				    "bad origins" : "streams forgotten");
			} else if (NAME("streams")) {
				if (at < 0)
					continue;
				fl_addn(&fs, 3, AT_NONE, "  ", eq + 1, vl);
				fl_add(&fs, FL_GLUE, AT_NONE, "", " stream%s",
				    vl == 1 && eq[1] == '1' ? "" : "s");
			} else if (NAME("rcvbuf")) {
				/* told only when the system cut it */
				if (vl == 0 || vl > 19 || snap_u64(eq + 1, vl) == 0 ||
				    snap_u64(eq + 1, vl) >= 16u << 20)
					continue;
				fl_add(&fs, 2, AT_4XX, "  ", "UDP receive buffer "
				    "%llu KiB (net.core.rmem_max)",
				    (unsigned long long)(snap_u64(eq + 1, vl) >> 10));
			} else
				fl_addn(&fs, 4, AT_NONE, "  ", t->u.p, t->u.len);
#undef NAME
		}
	}
	if (t->ps.broken > 0)
		fl_add(&fs, 1, AT_DIM, "  ", "%llu snapshot%s cut short",
		    (unsigned long long)t->ps.broken, plural(t->ps.broken));
	if (t->ps.ignored > 0)
		fl_add(&fs, 1, AT_DIM, "  ", "%llu line%s not understood",
		    (unsigned long long)t->ps.ignored, plural(t->ps.ignored));
	fl_put(&l, &fs);
	ln_end(&l);
}

/* the status classes: shares, then a bar of them in the columns left */
static void
bar(struct top *t, int y, int w)
{
	const struct snap *s = t->have_last ? t->last : NULL;
	const struct snap_row *r = s != NULL && s->site ? &s->srow : NULL;
	static const char digit[4] = { '2', '3', '4', '5' };
	struct fields fs;
	struct line l;
	double n[4], sum = 0;
	char b[32], cells[512];
	int i, k, cnt[4], width, used = 0, big = 0;

	ln_start(t, &l, y, w, AT_NONE);
	for (i = 0; i < 4; i++) {
		n[i] = r != NULL && (r->has & (1u << (M_2XX + i))) ?
		    r->m[M_2XX + i] : 0;
		sum += n[i];
	}
	if (sum <= 0) {
		ln_text(&l, AT_DIM, "status classes: no hits yet");
		ln_end(&l);
		return;
	}
	/* the error classes go last */
	fl_start(t, &fs);
	for (i = 0; i < 4; i++) {
		fmt_pct(b, sizeof(b), n[i] / sum);
		fl_add(&fs, i == 0 ? 1 : i == 1 ? 2 : 0, AT_2XX + i, "  ",
		    "%cxx %s", digit[i], b);
	}
	fl_put(&l, &fs);
	width = l.w - l.x - 2;
	if (width > (int)sizeof(cells))
		width = (int)sizeof(cells);
	if (width < 4) {
		ln_end(&l);
		return;
	}
	ln_pad(&l, 2);
	/* each class its share of the cells; one seen gets at least one */
	for (i = 0; i < 4; i++) {
		cnt[i] = (int)(n[i] / sum * width);
		if (n[i] > 0 && cnt[i] == 0)
			cnt[i] = 1;
		used += cnt[i];
		if (cnt[i] > cnt[big])
			big = i;
	}
	cnt[big] += width - used;
	for (i = 0; i < 4; i++) {
		for (k = 0; k < cnt[i] && k < (int)sizeof(cells); k++)
			cells[k] = digit[i];
		if (k > 0)
			emit(&l, AT_BAR2 + i, cells, (size_t)k, k);
	}
	ln_end(&l);
}

/* hits/s (or records/s) over the last snapshots, newest right */
static void
spark(struct top *t, int y, int w)
{
	static const char *const ramp8[9] = {
		" ", "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
		"\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87",
		"\xe2\x96\x88"
	};
	static const char ramp1[] = " .:-=+*#@";
	struct line l;
	char b[32];
	double max = 0, v;
	size_t n, i, first;
	int width, lvl;

	ln_start(t, &l, y, w, AT_NONE);
	if (t->nhist == 0) {
		ln_text(&l, AT_DIM, "rate graph: from the second snapshot on");
		ln_end(&l);
		return;
	}
	/* with a window the site's hits/s, else the records/s read */
	fmt_rate(b, sizeof(b), t->hist[(t->nhist - 1) % HIST]);
	ln_fmt(&l, AT_NONE, "%s %-8s ", t->have_last && t->last->window > 0 ?
	    "hits" : "records", b);
	width = l.w - l.x;
	n = t->nhist < HIST ? t->nhist : HIST;
	if (width <= 0)
		return;
	if ((size_t)width < n)
		n = (size_t)width;
	first = t->nhist - n;
	for (i = first; i < t->nhist; i++)
		if (t->hist[i % HIST] > max)
			max = t->hist[i % HIST];
	for (i = first; i < t->nhist; i++) {
		v = t->hist[i % HIST];
		lvl = max > 0 && v > 0 ? (int)(v / max * 8 + 0.999) : 0;
		if (lvl > 8)
			lvl = 8;
		if (t->utf8)
			emit(&l, AT_2XX, ramp8[lvl], strlen(ramp8[lvl]), 1);
		else
			emit(&l, AT_2XX, ramp1 + lvl, 1, 1);
	}
	ln_end(&l);
}

/* the table's numeric columns: metric, header, width */
struct tcol {
	int metric, sort, width;
	const char *name;
};

static const struct tcol *
tcol(int i)
{
	static const struct tcol cols[] = {
		{ M_HITS, S_HITS, 8, "hits" },
		{ M_RATE, -1, 9, "rate" },
		{ M_BYTES, S_BYTES, 6, "bytes" },
		{ M_4XX, S_4XX, 6, "4xx" },
		{ M_5XX, S_5XX, 6, "5xx" },
		{ M_P99, S_P99, 7, "p99" },
		{ -1, -1, 0, NULL }
	};

	return &cols[i];
}

/* which columns fit in w: show[i]; returns the key column's width */
static int
tlayout(const struct top *t, int w, int show[])
{
	static const int drop[] = { 2, 1, 5, 4, 3 };	/* bytes rate p99 5xx 4xx */
	const struct snap *s = t->last;
	int i, used = 2;

	for (i = 0; tcol(i)->name != NULL; i++) {
		show[i] = 1;
		if (tcol(i)->metric == M_P99 && !(t->have_last && s->site &&
		    (s->srow.has & (1u << M_P99))))
			show[i] = 0;
		if (show[i])
			used += 1 + tcol(i)->width;
	}
	for (i = 0; i < 5 && w - used < 12; i++)
		if (show[drop[i]]) {
			show[drop[i]] = 0;
			used -= 1 + tcol(drop[i])->width;
		}
	return w - used > 1 ? w - used : 1;
}

static void
row_line(struct top *t, const struct snap_row *r, int y, int w, int selected,
    int site)
{
	const struct snap *s = t->last;
	struct line l;
	char b[64];
	int show[8], keyw, i, m, st, at, cols;

	keyw = tlayout(t, w, show);
	ln_start(t, &l, y, w, selected ? AT_SEL : AT_NONE);
	st = al_state(&t->al, s->arena.p + r->key, r->keylen);
	ln_text(&l, st == 2 ? AT_ALERT : AT_NONE, st == 2 ? "! " :
	    st == 1 ? ". " : "  ");
	key_text(t, &t->u, s->arena.p + r->key, r->keylen);
	at = st == 2 ? AT_ALERT : site ? AT_SITE : AT_NONE;
	cols = ln_textn(&l, at, t->u.p, t->u.len, keyw);
	ln_pad(&l, keyw - cols);
	for (i = 0; tcol(i)->name != NULL; i++) {
		if (!show[i])
			continue;
		m = tcol(i)->metric;
		at = AT_NONE;
		if (!(r->has & (1u << m)))
			snprintf(b, sizeof(b), "-");
		else if (m == M_RATE)
			fmt_rate(b, sizeof(b), r->m[m]);
		else if (m == M_BYTES)
			fmt_bytes(b, sizeof(b), r->m[m]);
		else if (m == M_P99)
			fmt_secs(b, sizeof(b), r->m[m]);
		else
			fmt_count(b, sizeof(b), r->m[m], tcol(i)->width);
		if ((m == M_4XX || m == M_5XX) && (r->has & (1u << m)) &&
		    r->m[m] > 0)
			at = m == M_4XX ? AT_4XX : AT_5XX;
		ln_right(&l, at, b, tcol(i)->width);
	}
	ln_end(&l);
}

/* the table in h lines (header, site, keys); returns the next line */
static int
table(struct top *t, int y, int w, int h)
{
	const struct snap *s = t->last;
	struct line l;
	int show[8], keyw, i, j, cols, body;
	char b[32];

	if (h <= 0)
		return y;
	keyw = tlayout(t, w, show);
	ln_start(t, &l, y++, w, AT_NONE);
	ln_text(&l, AT_HEAD, "  ");
	if (t->have_last && s->keyhdr.len > 0) {
		key_text(t, &t->u, s->arena.p + s->keyhdr.off, s->keyhdr.len);
		if (t->sort == S_KEY)
			append(t, &t->u, "*", 1);
		cols = ln_textn(&l, t->sort == S_KEY ? AT_SORT : AT_HEAD, t->u.p,
		    t->u.len, keyw);
	} else
		cols = ln_textn(&l, AT_HEAD, "key", 3, keyw);
	ln_pad(&l, keyw - cols);
	for (i = 0; tcol(i)->name != NULL; i++)
		if (show[i]) {
			snprintf(b, sizeof(b), "%s%s", tcol(i)->sort == t->sort &&
			    !opt_batch ? "*" : "", tcol(i)->name);
			ln_right(&l, tcol(i)->sort == t->sort && !opt_batch ?
			    AT_SORT : AT_HEAD, b, tcol(i)->width);
		}
	ln_end(&l);
	if (h == 1)
		return y;
	if (!t->have_last) {
		ln_start(t, &l, y++, w, AT_NONE);
		ln_text(&l, AT_DIM, opt_batch ? "  (no snapshot)" :
		    "  (waiting for the first snapshot of omph-collect)");
		ln_end(&l);
		return y;
	}
	if (s->site)
		row_line(t, &s->srow, y++, w, t->sel == 0 && !opt_batch, 1);
	body = opt_batch ? (int)t->norder : h - 1 - s->site;
	if (body < 0)
		body = 0;
	t->body = body;
	/* scroll so that the selection shows */
	if (t->sel >= 1) {
		if (t->sel - 1 < t->top)
			t->top = t->sel - 1;
		if (t->sel - 1 >= t->top + body)
			t->top = t->sel - body;
	}
	if (t->top > (int)t->norder - body)
		t->top = (int)t->norder - body;
	if (t->top < 0 || opt_batch)
		t->top = 0;
	for (i = 0; i < body; i++) {
		j = t->top + i;
		if (j < (int)t->norder)
			row_line(t, &s->rows[t->order[j]], y, w,
			    t->sel == j + 1 && !opt_batch, 0);
		else if (i == 0 && t->filterlen > 0) {
			ln_start(t, &l, y, w, AT_NONE);
			ln_text(&l, AT_DIM, "  (no key matches the filter)");
			ln_end(&l);
		} else if (opt_batch)
			break;
		y++;
	}
	if (opt_batch && s->dropped > 0) {
		ln_start(t, &l, y++, w, AT_NONE);
		ln_fmt(&l, AT_DIM, "  (%zu more rows not kept)", s->dropped);
		ln_end(&l);
	}
	return y;
}

/* the #sender table: header and rows, columns aligned */
static int
senders(struct top *t, int y, int w, int h)
{
	const struct snap *s = t->last;
	const struct snap_xline *x;
	struct line l;
	char *f[12];
	size_t fl[12], i, nrow;
	int width[12], n, c, k, cols, fit, x0;

	if (h <= 0)
		return y;
	nrow = (size_t)h - 1 < s->nsnd ? (size_t)h - 1 : s->nsnd;
	for (c = 0; c < 12; c++)
		width[c] = 0;
	/* measure: the header and the rows shown */
	for (i = 0; i <= nrow; i++) {
		x = i == 0 ? &s->shdr : &s->snd[i - 1];
		/* rec_split only reads; the arena stays as it is */
		n = rec_split(s->arena.p + x->off, x->len, f, fl, 12);
		for (c = 0; c < n && c < 12; c++) {
			unescape(t, &t->u, f[c], fl[c]);
			t->c.len = 0;
			k = clean(t, &t->c, t->u.p, t->u.len, 30);
			if (k > width[c])
				width[c] = k;
		}
	}
	/* the columns that fit whole; the first is cut if need be */
	for (fit = 1, x0 = width[0]; fit < 12 && x0 + 2 + width[fit] <= w; fit++)
		x0 += 2 + width[fit];
	for (i = 0; i <= nrow; i++) {
		x = i == 0 ? &s->shdr : &s->snd[i - 1];
		ln_start(t, &l, y++, w, AT_NONE);
		n = rec_split(s->arena.p + x->off, x->len, f, fl, 12);
		if (n > fit)
			n = fit;
		for (c = 0; c < n && c < 12; c++) {
			if (c > 0)
				ln_pad(&l, 2);
			cols = ln_val(&l, i == 0 ? AT_HEAD : AT_NONE, f[c], fl[c],
			    30);
			if (c + 1 < n && c + 1 < 12)
				ln_pad(&l, width[c] - cols);
		}
		ln_end(&l);
	}
	if (opt_batch && s->nsnd > nrow) {
		ln_start(t, &l, y++, w, AT_NONE);
		ln_fmt(&l, AT_DIM, "(%zu more senders)", s->nsnd - nrow);
		ln_end(&l);
	}
	return y;
}

/* alerts: active ones first, then cleared, then resolved; newest first */
static int
cmp_alerts(const void *x, const void *y, void *arg)
{
	const struct alert *as = arg;
	const struct alert *a = &as[*(const size_t *)x];
	const struct alert *b = &as[*(const size_t *)y];
	int ka = a->active ? (a->ack ? 1 : 0) : 2;
	int kb = b->active ? (b->ack ? 1 : 0) : 2;

	if (ka != kb)
		return ka - kb;
	return a->changed < b->changed ? 1 : a->changed > b->changed ? -1 : 0;
}

static int
alerts(struct top *t, int y, int w, int h)
{
	const struct alerts *al = &t->al;
	const struct alert *a;
	struct fields fs;
	struct line l;
	size_t idx[MAXALERTS], i, n, nact = 0, sk = 0, tl;
	const char *sel, *tm;
	char b[64];
	int at;

	if (h <= 0)
		return y;
	for (i = 0; i < al->n; i++) {
		idx[i] = i;
		nact += al->a[i].active;
	}
	qsort_r(idx, al->n, sizeof(*idx), cmp_alerts, al->a);
	n = opt_batch ? al->n : (size_t)h - 1 < al->n ? (size_t)h - 1 : al->n;
	ln_start(t, &l, y++, w, AT_NONE);
	fl_start(t, &fs);
	if (al->n == 0)
		fl_add(&fs, 0, AT_HEAD, "", "alerts: none");
	else {
		fl_add(&fs, 0, AT_HEAD, "", "alerts: %zu active, %zu resolved",
		    nact, al->n - nact);
		if (n < al->n)
			fl_add(&fs, 1, AT_HEAD, " ", "(%zu not shown)", al->n - n);
		if (!opt_batch)
			fl_add(&fs, 2, AT_DIM, "  ", "c clears the selected "
			    "key's, C all");
	}
	fl_put(&l, &fs);
	ln_end(&l);
	sel = opt_batch ? NULL : selected(t, &sk);
	for (i = 0; i < n; i++) {
		a = &al->a[idx[i]];
		at = a->active ? (a->ack ? AT_ACK : AT_ALERT) : AT_DIM;
		ln_start(t, &l, y++, w, AT_NONE);
		fl_start(t, &fs);
		fl_add(&fs, 0, AT_NONE, "", sel != NULL && same_key(a->key,
		    a->keylen, sel, sk) ? "> " : "  ");
		fl_add(&fs, FL_GLUE, at, "", "%-9s", a->active ? (a->ack ?
		    "cleared" : "ACTIVE") : "resolved");
		/* when it was raised, and resolved: the records' times */
		tm = short_time(a->since, &tl);
		unescape(t, &t->u, tm, tl > 20 ? 20 : tl);
		fl_addn(&fs, 2, AT_NONE, "", tl == 0 ? "?" : t->u.p,
		    tl == 0 ? 1 : t->u.len);
		if (!a->active) {
			tm = short_time(a->until, &tl);
			unescape(t, &t->u, tm, tl > 20 ? 20 : tl);
			fl_add(&fs, FL_GLUE, AT_NONE, "", "-");
			fl_addn(&fs, FL_GLUE, AT_NONE, "", t->u.p, t->u.len);
		}
		unescape(t, &t->u, a->rule, a->rulelen);
		fl_addn(&fs, 1, at, "  ", t->u.p, t->u.len);
		if (a->has) {
			fmt_num(b, sizeof(b), a->value);
			fl_add(&fs, FL_GLUE, AT_NONE, "", " = %s", b);
		}
		key_text(t, &t->u, a->key, a->keylen);
		fl_addn(&fs, 0, AT_NONE, "  ", t->u.p, t->u.len);
		fl_put(&l, &fs);
		ln_end(&l);
	}
	return y;
}

static void
footer(struct top *t, int y, int w)
{
	struct fields fs;
	struct line l;

	ln_start(t, &l, y, w, AT_NONE);
	if (t->editing) {
		ln_text(&l, AT_HEAD, "filter: ");
		ln_textn(&l, AT_NONE, t->edit, t->editlen, l.w - l.x - 1);
		ln_text(&l, AT_SEL, " ");
		ln_text(&l, AT_DIM, "  Enter apply, Esc cancel");
	} else {
		fl_start(t, &fs);
		fl_add(&fs, 0, AT_DIM, "", "q quit");
		fl_add(&fs, 2, AT_DIM, "  ", "j/k move");
		fl_add(&fs, 1, AT_DIM, "  ", "s sort");
		fl_add(&fs, 1, AT_DIM, "  ", "/ filter");
		fl_add(&fs, 2, AT_DIM, "  ", "p pause");
		fl_add(&fs, 3, AT_DIM, "  ", "c/C clear alerts");
		fl_add(&fs, 0, AT_DIM, "  ", "? help");
		fl_put(&l, &fs);
	}
	ln_end(&l);
}

static void
help(struct top *t, int y, int w, int h)
{
	static const char *const lines[] = {
		"Keys (any key closes this help)",
		"  q            quit",
		"  Up Down j k  move the selection; the site row (*) is the first",
		"  PgUp PgDn    a page up or down; Home g, End G: first, last",
		"  s            sort by the next column: omph-collect's order,",
		"               hits, bytes, 4xx, 5xx, p99, key",
		"  /            show only keys holding a text (any case): type",
		"               it, Enter applies, Esc cancels, empty shows all",
		"  p            pause the view; snapshots are still read",
		"  c            clear the alerts of the selected key; C: all",
		"  Ctrl-L       redraw the screen",
		"",
		"What is shown",
		"  omph-collect counts the records (log lines) of each key, such",
		"  as each path, over its window (the last N seconds of log time,",
		"  --window) or over all its input (totals); each snapshot it",
		"  writes replaces the screen.  The title says which.",
		"  *            the whole site: every record",
		"  hits         records of the key",
		"  rate         hits per second (/s), or per minute, hour or day",
		"               when fewer: over the window, or in totals over",
		"               the span of log time of the records",
		"  bytes        bytes sent (K, M, G: powers of 1024)",
		"  4xx 5xx      answers with a client error (4xx) or a server",
		"               error (5xx) status",
		"  p99          99% of the requests took this long or less",
		"  !            an alert of the key holds (.: cleared or over)",
		"",
		"Cleared alerts that still hold stay listed as cleared until",
		"they resolve; resolved alerts stay listed until cleared.",
		"man omph-top tells more.",
		NULL
	};
	struct line l;
	int i;

	for (i = 0; lines[i] != NULL && y < h; i++) {
		ln_start(t, &l, y++, w, AT_NONE);
		ln_text(&l, lines[i][0] != ' ' ? AT_HEAD : AT_NONE, lines[i]);
		ln_end(&l);
	}
}

static int
take(int *avail, int n)
{
	if (n > *avail)
		n = *avail;
	if (n < 0)
		n = 0;
	*avail -= n;
	return n;
}

/*
 * Lay out and write the view in w x h (h: any in batch mode).  Panels that
 * do not fit are dropped: the table keeps three lines, then come the
 * statistics, the alerts, the status bar, the key help, the sparkline and
 * the senders; the table takes what is left.
 */
static void
render(struct top *t, int w, int h, double now)
{
	const struct snap *s = t->have_last ? t->last : NULL;
	struct line l;
	int y = 0, rest, tmin, avail, nstats, nal, nbar, nfoot, nspark, nsnd;
	int want;

	if (t->reorder)
		build_order(t);
	if (opt_batch) {
		title(t, y++, w, now);
		stats(t, y++, w);
		bar(t, y++, w);
		y = table(t, y, w, INT_MAX);
		if (s != NULL && s->sender)
			y = senders(t, y, w, (int)s->nsnd + 1);
		alerts(t, y, w, INT_MAX);
		return;
	}
	if (w < MINW || h < MINH) {
		ln_start(t, &l, 0, w, AT_NONE);
		ln_text(&l, AT_NONE, "omph-top: make the window at least 20x3");
		ln_end(&l);
		return;
	}
	title(t, y++, w, now);
	if (t->help) {
		help(t, y, w, h);
		return;
	}
	rest = h - 1;
	tmin = rest < 3 ? rest : 3;
	avail = rest - tmin;
	nfoot = 0;
	if (t->editing) {
		nfoot = 1;
		if (avail > 0)
			avail--;
		else
			tmin--;
	}
	nstats = take(&avail, 1);
	nal = 0;
	if (t->al.n > 0 && avail >= 2) {
		want = (int)t->al.n + 1;
		if (want > (rest / 3 > 2 ? rest / 3 : 2))
			want = rest / 3 > 2 ? rest / 3 : 2;
		nal = take(&avail, want);
	}
	nbar = take(&avail, 1);
	if (!nfoot && h >= 10)
		nfoot = take(&avail, 1);
	nspark = take(&avail, 1);
	nsnd = s != NULL && s->sender && avail >= 3 ?
	    take(&avail, (int)(s->nsnd + 1 < 6 ? s->nsnd + 1 : 6)) : 0;
	if (nal == 0 && avail >= 6)
		nal = take(&avail, 1);
	if (nstats)
		stats(t, y++, w);
	if (nbar)
		bar(t, y++, w);
	if (nspark)
		spark(t, y++, w);
	y = table(t, y, w, tmin + avail);
	y = h - nfoot - nal - nsnd;
	if (nsnd)
		y = senders(t, y, w, nsnd);
	if (nal)
		y = alerts(t, y, w, nal);
	if (nfoot)
		footer(t, h - 1, w);
}

/* -b: one frame to stdout, a blank line after it */
static void
frame(struct top *t)
{
	render(t, t->width, INT_MAX, tm_mono());
	out_write(t->out, "\n", 1);
	t->frames++;
	if (out_flush(t->out) == -1) {
		t->done = 1;
		t->rv = 1;
	}
	if (opt_count != 0 && t->frames >= opt_count)
		t->done = 1;
}

/* ---- the terminal: the only part that knows curses ---- */

enum { PAIR_2XX = 1, PAIR_3XX, PAIR_4XX, PAIR_5XX, PAIR_TITLE };

static attr_t
cattr(const struct top *t, int at)
{
	int c = t->colors;

	switch (at) {
	case AT_TITLE:
		return c ? COLOR_PAIR(PAIR_TITLE) | A_BOLD : A_REVERSE;
	case AT_HEAD:
		return A_BOLD;
	case AT_SORT:
		return A_BOLD | A_UNDERLINE;
	case AT_SEL:
		return A_REVERSE;
	case AT_2XX:
		return c ? COLOR_PAIR(PAIR_2XX) : A_NORMAL;
	case AT_3XX:
		return c ? COLOR_PAIR(PAIR_3XX) : A_NORMAL;
	case AT_4XX:
		return c ? COLOR_PAIR(PAIR_4XX) : A_BOLD;
	case AT_5XX:
	case AT_ALERT:
		return c ? COLOR_PAIR(PAIR_5XX) | A_BOLD : A_BOLD;
	case AT_BAR2:
	case AT_BAR3:
	case AT_BAR4:
	case AT_BAR5:
		return c ? COLOR_PAIR(PAIR_2XX + at - AT_BAR2) | A_REVERSE :
		    A_NORMAL;
	case AT_ACK:
		return c ? COLOR_PAIR(PAIR_4XX) : A_NORMAL;
	case AT_DIM:
		return A_DIM;
	case AT_SITE:
		return A_BOLD;
	}
	return A_NORMAL;
}

/* curses on /dev/tty: stdin stays the data */
static void
ui_start(struct top *t)
{
	char *cup;
	int bg = -1;

	if ((t->tty = fopen("/dev/tty", "r+e")) == NULL)
		err(1, "/dev/tty");
	if ((t->scr = newterm(NULL, t->tty, t->tty)) == NULL)
		errx(1, "/dev/tty: cannot use the terminal (TERM=%s)",
		    getenv("TERM") ? getenv("TERM") : "");
	t->ui = 1;
	set_term(t->scr);
	cup = tigetstr("cup");
	if (cup == NULL || cup == (char *)-1) {
		ui_stop(t);
		errx(1, "TERM=%s cannot move the cursor: use -b",
		    getenv("TERM") ? getenv("TERM") : "");
	}
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	leaveok(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	if (has_colors() && start_color() == OK) {
		if (use_default_colors() != OK)
			bg = COLOR_BLACK;
		init_pair(PAIR_2XX, COLOR_GREEN, (short)bg);
		init_pair(PAIR_3XX, COLOR_CYAN, (short)bg);
		init_pair(PAIR_4XX, COLOR_YELLOW, (short)bg);
		init_pair(PAIR_5XX, COLOR_RED, (short)bg);
		init_pair(PAIR_TITLE, COLOR_WHITE, COLOR_BLUE);
		t->colors = 1;
	}
	t->dirty = 1;
}

static void
ui_stop(struct top *t)
{
	if (!t->ui)
		return;
	t->ui = 0;
	endwin();
	delscreen(t->scr);
	fclose(t->tty);
}

static void
draw(struct top *t)
{
	int h, w;

	if (t->clear) {
		clearok(curscr, TRUE);
		t->clear = 0;
	}
	getmaxyx(stdscr, h, w);
	erase();
	render(t, w, h, tm_mono());
	refresh();
}

/* ---- keys ---- */

static void
edit_key(struct top *t, int fkey, wint_t ch)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t n;

	if ((!fkey && (ch == '\r' || ch == '\n')) || (fkey && ch == KEY_ENTER)) {
		memcpy(t->filter, t->edit, t->editlen);
		t->filterlen = t->editlen;
		t->editing = 0;
		t->reorder = 1;
		t->top = 0;
	} else if (!fkey && ch == 27)
		t->editing = 0;
	else if ((fkey && ch == KEY_BACKSPACE) || (!fkey && (ch == 127 ||
	    ch == 8))) {
		/* one character back, over UTF-8 continuation bytes */
		while (t->editlen > 0 &&
		    ((unsigned char)t->edit[--t->editlen] & 0xc0) == 0x80)
			;
	} else if (!fkey && ch == 21)
		t->editlen = 0;
	else if (!fkey && ch >= 0x20 && iswprint(ch)) {
		memset(&st, 0, sizeof(st));
		if ((n = wcrtomb(mb, (wchar_t)ch, &st)) != (size_t)-1 &&
		    t->editlen + n <= sizeof(t->edit)) {
			memcpy(t->edit + t->editlen, mb, n);
			t->editlen += n;
		}
	}
}

/* one key; returns 1 to quit */
static int
on_key(struct top *t, int fkey, wint_t ch)
{
	long page = t->body > 1 ? t->body : 1;
	size_t n;
	const char *k;

	t->dirty = 1;
	if (fkey && ch == KEY_RESIZE)
		return 0;
	if (t->editing) {
		edit_key(t, fkey, ch);
		return 0;
	}
	if (!fkey && (ch == 'q' || ch == 'Q'))
		return 1;
	if (t->help) {
		t->help = 0;
		return 0;
	}
	if (fkey) {
		switch (ch) {
		case KEY_UP:
			select_row(t, t->sel - 1);
			break;
		case KEY_DOWN:
			select_row(t, t->sel + 1);
			break;
		case KEY_PPAGE:
			select_row(t, t->sel - page);
			break;
		case KEY_NPAGE:
			select_row(t, t->sel + page);
			break;
		case KEY_HOME:
			select_row(t, 0);
			break;
		case KEY_END:
			select_row(t, (long)t->norder);
			break;
		}
		return 0;
	}
	switch (ch) {
	case 'k':
		select_row(t, t->sel - 1);
		break;
	case 'j':
		select_row(t, t->sel + 1);
		break;
	case 'g':
		select_row(t, 0);
		break;
	case 'G':
		select_row(t, (long)t->norder);
		break;
	case 's':
		t->sort = (t->sort + 1) % S_N;
		t->reorder = 1;
		break;
	case '/':
		t->editing = 1;
		memcpy(t->edit, t->filter, t->filterlen);
		t->editlen = t->filterlen;
		break;
	case 'p':
		t->paused = !t->paused;
		if (!t->paused && t->have_pend) {
			swap(&t->last, &t->pend);
			t->have_last = 1;
			t->have_pend = 0;
			t->reorder = 1;
		}
		t->newer = 0;
		break;
	case 'c':
		if ((k = selected(t, &n)) != NULL)
			al_clear(&t->al, k, n);
		break;
	case 'C':
		al_clear(&t->al, NULL, 0);
		break;
	case '?':
		t->help = 1;
		break;
	case 12:	/* ^L */
		t->clear = 1;
		break;
	}
	return 0;
}

/* every key waiting; returns 1 to quit */
static int
keys(struct top *t)
{
	wint_t ch;
	int r;

	while ((r = get_wch(&ch)) != ERR)
		if (on_key(t, r == KEY_CODE_YES, ch))
			return 1;
	return 0;
}

/* ---- the loop ---- */

/* ms until the screen changes by itself (clock, retry); -1: never */
static int
wake_ms(const struct top *t, double now)
{
	double base, next = -1, d;

	if ((base = clock_base(t, now)) >= 0)
		next = now + 1 - frac(now - base);
	else if (!opt_batch && t->in.state == IN_LIVE && newest(t) > 0)
		next = newest(t) + stale_after(t);
	if (t->in.state == IN_DOWN && (next < 0 || t->in.retry < next))
		next = t->in.retry;
	if (next < 0)
		return -1;
	d = (next - now) * 1000 + 1;
	return d < 0 ? 0 : d > 60000 ? 60000 : (int)d;
}

static int
run(struct top *t, const sigset_t *mask)
{
	struct input *in = &t->in;
	struct pollfd pfd[2];
	double now;
	int n, di, ki, ms, rv;

	in->since = tm_mono();
	for (;;) {
		now = tm_mono();
		if (in->net && in->state == IN_DOWN && now >= in->retry)
			input_connect(t, now);
		if (t->done)
			return t->rv;
		if (t->ui && t->dirty) {
			t->dirty = 0;
			draw(t);
		}
		n = 0;
		di = ki = -1;
		if (in->fd >= 0 && (in->state == IN_LIVE ||
		    in->state == IN_CONNECTING)) {
			pfd[n].fd = in->fd;
			pfd[n].events = in->state == IN_CONNECTING ? POLLOUT : POLLIN;
			di = n++;
		}
		if (t->ui) {
			pfd[n].fd = fileno(t->tty);
			pfd[n].events = POLLIN;
			ki = n++;
		}
		if (n == 0 && in->state != IN_DOWN)
			return t->rv;	/* batch: nothing more to come */
		ms = wake_ms(t, now);
		rv = sig_poll(pfd, (nfds_t)n, ms, mask);
		if (rv == -1 && errno != EINTR) {
			ui_stop(t);
			err(1, "ppoll");
		}
		if (sig_caught())
			return 0;
		now = tm_mono();
		if (rv == 0)
			t->dirty = 1;	/* the clock moved */
		if (ki >= 0) {
			if (keys(t))
				return 0;
			if (pfd[ki].revents & (POLLERR | POLLNVAL)) {
				ui_stop(t);
				errx(1, "/dev/tty: the terminal went away");
			}
		}
		if (rv <= 0 || di < 0 || pfd[di].revents == 0)
			continue;
		if (in->state == IN_CONNECTING) {
			if (net_connected(in->fd) == -1)
				input_gone(t, errno, now);
			else {
				in->state = IN_LIVE;
				in->since = now;
				lr_reset(&in->r, in->fd);
				t->fresh = 1;
				t->pat = 0;	/* records/s starts over */
				t->dirty = 1;
			}
		} else
			input_read(t, now);
	}
}

/* a number from the command line, or a usage error */
static void
need(int ok, const char *errmsg)
{
	if (ok == -1) {
		warnx("%s", errmsg);
		usage();
	}
}

/* the short usage: on stderr for a usage error, first in --help */
static const char synopsis[] =
	    "usage: omph-top [--connect host:port]\n"
	    "       omph-top -b [-n count] [--width columns] [--connect host:port]\n";

static void
usage(void)
{
	fputs(synopsis, stderr);
	exit(2);
}

/* --help: the synopsis and every option, a line each, on stdout; exit 0 */
static _Noreturn void
long_help(void)
{
	fputs(synopsis, stdout);
	fputs(

	    "\n"
	    "A live dashboard of the snapshots omph-collect writes (stdin or --connect).\n"
	    "\n"
	    "      --connect=HOST:PORT  read the snapshots from omph-collect --serve over\n"
	    "                           TCP, reconnecting when it goes away\n"
	    "  -b, --batch              write text frames to stdout instead of the screen\n"
	    "  -n, --count=N            with -b, stop after N frames\n"
	    "      --width=COLUMNS      with -b, the width of the frames (default\n"
	    "                           $COLUMNS or 80)\n"
	    "  -h, --help               print this help and exit\n"
	    "  -V, --version            print the version and exit\n"
	    "\n"
	    "Keys: q quit, j/k move, s sort, / filter, p pause, c/C clear alerts, ? help.\n"
	    "Exit status: 0 ok, 1 failure, 2 usage.  See omph-top(1).\n", stdout);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	exit(0);
}

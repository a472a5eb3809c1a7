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
 * What is shown, and how, is lib/tview, lib/tdraw and lib/tlist, written
 * through lib/tline; this file is the options, the input, the loop, the
 * keys and curses.  Everything from the stream is shown inert (lib/inert):
 * no value reaches the terminal as a command or breaks the layout.
 */
#include <curses.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#include "abook.h"
#include "lr.h"
#include "net.h"
#include "opt.h"
#include "out.h"
#include "sig.h"
#include "snap.h"
#include "tdraw.h"
#include "tline.h"
#include "tm.h"
#include "tview.h"

#define READS 16		/* reads per loop turn: keys are answered between */
#define LINEMAX (2 * 1024 * 1024)
#define BACKOFF_MIN 0.1
#define BACKOFF_MAX 5.0

static int opt_batch;			/* -b */
static size_t opt_count;		/* -n: frames in batch mode, 0 all */
static size_t opt_width;		/* --width: 0, $COLUMNS or 80 */
static const char *opt_connect;		/* --connect */

/* the input; what the title tells of it is in the view's in */
struct input {
	struct net_addr addr;		/* --connect */
	int fd;				/* -1: none */
	double backoff;			/* the delay after the next connect */
	int got;			/* a snapshot came over this connection */
	unsigned attempts;		/* connects tried: each address in turn */
	struct lr r;
};

struct top {
	struct tview v;
	struct input in;
	struct tline_out lo;
	struct tline_term term;
	/* the terminal */
	int ui, colors, dirty, clear;
	FILE *tty;
	SCREEN *scr;
	/* batch */
	struct out *out;
	int width;
	size_t frames;
	int done, rv;
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
	    tview_init(&t->v, opt_batch,
	    strcmp(nl_langinfo(CODESET), "UTF-8") == 0) == -1 ||
	    lr_init(&t->in.r, -1, LINEMAX) == -1)
		err(1, NULL);
	t->lo.utf8 = t->v.utf8;
	t->in.fd = -1;
	t->in.backoff = BACKOFF_MIN;
	t->v.in.name = "stdin";
	if (opt_connect != NULL) {
		if (net_parse(opt_connect, NET_TCP, &t->in.addr, errbuf,
		    sizeof(errbuf)) == -1 || t->in.addr.proto != NET_TCP) {
			warnx("--connect: %s", t->in.addr.proto == NET_UDP ?
			    "a TCP address is needed" : errbuf);
			usage();
		}
		t->v.in.net = 1;
		t->v.in.name = opt_connect;
		t->v.in.state = TVIEW_IN_DOWN;	/* the loop connects at once */
	} else {
		if (!opt_batch && isatty(STDIN_FILENO)) {
			warnx("stdin is a terminal: pipe omph-collect into "
			    "omph-top, or use --connect");
			usage();
		}
		t->in.fd = STDIN_FILENO;
		t->in.r.fd = STDIN_FILENO;
		t->v.in.state = TVIEW_IN_LIVE;
	}

	/* SIGINT/SIGTERM (and SIGWINCH) are taken only inside ppoll */
	sig_setup(&mask);
	if (opt_batch) {
		if ((t->out = malloc(sizeof(*t->out))) == NULL)
			err(1, NULL);
		out_init(t->out, STDOUT_FILENO);
		t->lo.out = t->out;
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
	if (t->v.in.net && t->in.fd >= 0)
		close(t->in.fd);
	top_free(t);
	return rv;
}


/* free t and all it holds (not its out, not its descriptors); t may be NULL */
static void
top_free(struct top *t)
{
	if (t == NULL)
		return;
	lr_free(&t->in.r);
	tview_free(&t->v);
	tline_free(&t->lo);
	free(t);
}

/* out of memory: leave the terminal sane, say so, exit 1 */
static _Noreturn void
oom(struct top *t)
{
	ui_stop(t);
	err(1, NULL);
}

/* the fraction of x >= 0 (no libm: only ncurses is linked) */
static double
frac(double x)
{
	return x - (double)(long long)x;
}

/* ---- input: stdin or a connection ---- */

/* one line of the stream, without its LF */
static void
parse_line(struct top *t, char *p, size_t len, int flags, double now)
{
	switch (tview_feed(&t->v, p, len, flags, now)) {
	case -1:
		oom(t);
	case 1:
		t->in.got = 1;
		t->dirty = 1;
		if (opt_batch)
			frame(t);
		break;
	}
}

/* the input ended (e == 0) or failed (errno e) */
static void
input_gone(struct top *t, int e, double now)
{
	struct input *in = &t->in;
	struct tview_in *vi = &t->v.in;

	snap_rd_reset(&t->v.ps);
	t->dirty = 1;
	if (!vi->net) {
		vi->state = TVIEW_IN_ENDED;
		vi->err = e;
		vi->since = now;
		vi->since_wall = time(NULL);
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
		if (vi->state == TVIEW_IN_CONNECTING) {
			errno = e;
			warn("%s", vi->name);
			t->rv = 1;
		} else if (t->frames == 0)
			frame(t);
		t->done = 1;
		return;
	}
	if (vi->state == TVIEW_IN_LIVE || vi->since == 0) {
		vi->since = now;
		vi->since_wall = time(NULL);
	}
	if (in->got)
		in->backoff = BACKOFF_MIN;
	in->got = 0;
	vi->state = TVIEW_IN_DOWN;
	vi->err = e;
	vi->retry = now + in->backoff;
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
		t->v.in.state = TVIEW_IN_CONNECTING;	/* so batch mode fails */
		input_gone(t, errno, now);
		return;
	}
	t->v.in.state = TVIEW_IN_CONNECTING;
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

static void
frame(struct top *t)
{
	if (tdraw_render(&t->v, &t->lo, t->width, INT_MAX, tm_mono()) == -1)
		oom(t);
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
	case TLINE_TITLE:
		return c ? COLOR_PAIR(PAIR_TITLE) | A_BOLD : A_REVERSE;
	case TLINE_HEAD:
		return A_BOLD;
	case TLINE_SORT:
		return A_BOLD | A_UNDERLINE;
	case TLINE_SEL:
		return A_REVERSE;
	case TLINE_2XX:
		return c ? COLOR_PAIR(PAIR_2XX) : A_NORMAL;
	case TLINE_3XX:
		return c ? COLOR_PAIR(PAIR_3XX) : A_NORMAL;
	case TLINE_4XX:
		return c ? COLOR_PAIR(PAIR_4XX) : A_BOLD;
	case TLINE_5XX:
	case TLINE_ALERT:
		return c ? COLOR_PAIR(PAIR_5XX) | A_BOLD : A_BOLD;
	case TLINE_BAR2:
	case TLINE_BAR3:
	case TLINE_BAR4:
	case TLINE_BAR5:
		return c ? COLOR_PAIR(PAIR_2XX + at - TLINE_BAR2) | A_REVERSE :
		    A_NORMAL;
	case TLINE_ACK:
		return c ? COLOR_PAIR(PAIR_4XX) : A_NORMAL;
	case TLINE_DIM:
		return A_DIM;
	case TLINE_SITE:
		return A_BOLD;
	}
	return A_NORMAL;
}

/* tline's terminal: curses */
static void
tc_move(void *ctx, int y)
{
	(void)ctx;
	move(y, 0);
}

static void
tc_put(void *ctx, int at, int base, const char *p, size_t len)
{
	const struct top *t = ctx;
	attr_t a = cattr(t, at), b = cattr(t, base);

	if (b & A_COLOR)
		a &= ~A_COLOR;	/* the line's colour wins */
	attrset(a | b);
	addnstr(p, (int)len);
}

static void
tc_clrtoeol(void *ctx)
{
	(void)ctx;
	clrtoeol();
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
	t->term.ctx = t;
	t->term.move = tc_move;
	t->term.put = tc_put;
	t->term.clrtoeol = tc_clrtoeol;
	t->lo.term = &t->term;
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
	t->term.lines = LINES;
	erase();
	if (tdraw_render(&t->v, &t->lo, w, h, tm_mono()) == -1)
		oom(t);
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
		memcpy(t->v.filter, t->v.edit, t->v.editlen);
		t->v.filterlen = t->v.editlen;
		t->v.editing = 0;
		t->v.reorder = 1;
		t->v.top = 0;
	} else if (!fkey && ch == 27)
		t->v.editing = 0;
	else if ((fkey && ch == KEY_BACKSPACE) || (!fkey && (ch == 127 ||
	    ch == 8))) {
		/* one character back, over UTF-8 continuation bytes */
		while (t->v.editlen > 0 &&
		    ((unsigned char)t->v.edit[--t->v.editlen] & 0xc0) == 0x80)
			;
	} else if (!fkey && ch == 21)
		t->v.editlen = 0;
	else if (!fkey && ch >= 0x20 && iswprint(ch)) {
		memset(&st, 0, sizeof(st));
		if ((n = wcrtomb(mb, (wchar_t)ch, &st)) != (size_t)-1 &&
		    t->v.editlen + n <= sizeof(t->v.edit)) {
			memcpy(t->v.edit + t->v.editlen, mb, n);
			t->v.editlen += n;
		}
	}
}

/* one key; returns 1 to quit */
static int
on_key(struct top *t, int fkey, wint_t ch)
{
	long page = t->v.body > 1 ? t->v.body : 1;
	size_t n, pl;
	const char *k, *pn;

	t->dirty = 1;
	if (fkey && ch == KEY_RESIZE) {
		/*
		 * Curses keeps the old lines, cut, as what the terminal shows;
		 * a terminal that wrapped or cleared them instead would keep
		 * stale text where the new frame matches that guess: repaint
		 * it all, once per resize.
		 */
		t->clear = 1;
		return 0;
	}
	if (t->v.editing) {
		edit_key(t, fkey, ch);
		return 0;
	}
	if (!fkey && (ch == 'q' || ch == 'Q'))
		return 1;
	if (t->v.help) {
		t->v.help = 0;
		return 0;
	}
	if (fkey) {
		switch (ch) {
		case KEY_UP:
			tview_select(&t->v, t->v.sel - 1);
			break;
		case KEY_DOWN:
			tview_select(&t->v, t->v.sel + 1);
			break;
		case KEY_PPAGE:
			tview_select(&t->v, t->v.sel - page);
			break;
		case KEY_NPAGE:
			tview_select(&t->v, t->v.sel + page);
			break;
		case KEY_HOME:
			tview_select(&t->v, 0);
			break;
		case KEY_END:
			tview_select(&t->v, (long)t->v.norder);
			break;
		case KEY_BTAB:
			tview_next_panel(&t->v, -1);
			break;
		}
		return 0;
	}
	switch (ch) {
	case '\t':
		tview_next_panel(&t->v, 1);
		break;
	case 'k':
		tview_select(&t->v, t->v.sel - 1);
		break;
	case 'j':
		tview_select(&t->v, t->v.sel + 1);
		break;
	case 'g':
		tview_select(&t->v, 0);
		break;
	case 'G':
		tview_select(&t->v, (long)t->v.norder);
		break;
	case 's':
		t->v.sort = (t->v.sort + 1) % TVIEW_S_N;
		t->v.reorder = 1;
		break;
	case '/':
		t->v.editing = 1;
		memcpy(t->v.edit, t->v.filter, t->v.filterlen);
		t->v.editlen = t->v.filterlen;
		break;
	case 'p':
		tview_pause(&t->v);
		break;
	case 'c':
		if ((k = tview_selected(&t->v, &n)) != NULL) {
			pn = tview_panel_name(&t->v, &pl);
			abook_clear(&t->v.al, pn, pl, k, n);
		}
		break;
	case 'C':
		abook_clear(&t->v.al, "", 0, NULL, 0);
		break;
	case '?':
		t->v.help = 1;
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
	const struct tview *v = &t->v;
	double base, next = -1, d;

	if ((base = tview_clock_base(v, now)) >= 0)
		next = now + 1 - frac(now - base);
	else if (!opt_batch && v->in.state == TVIEW_IN_LIVE &&
	    tview_newest(v) > 0)
		next = tview_newest(v) + tview_stale_after(v);
	if (v->in.state == TVIEW_IN_DOWN && (next < 0 || v->in.retry < next))
		next = v->in.retry;
	if (next < 0)
		return -1;
	d = (next - now) * 1000 + 1;
	return d < 0 ? 0 : d > 60000 ? 60000 : (int)d;
}

static int
run(struct top *t, const sigset_t *mask)
{
	struct input *in = &t->in;
	struct tview_in *vi = &t->v.in;
	struct pollfd pfd[2];
	double now;
	int n, di, ki, ms, rv;

	vi->since = tm_mono();
	for (;;) {
		now = tm_mono();
		if (vi->net && vi->state == TVIEW_IN_DOWN && now >= vi->retry)
			input_connect(t, now);
		if (t->done)
			return t->rv;
		if (t->ui && t->dirty) {
			t->dirty = 0;
			draw(t);
		}
		n = 0;
		di = ki = -1;
		if (in->fd >= 0 && (vi->state == TVIEW_IN_LIVE ||
		    vi->state == TVIEW_IN_CONNECTING)) {
			pfd[n].fd = in->fd;
			pfd[n].events = vi->state == TVIEW_IN_CONNECTING ?
			    POLLOUT : POLLIN;
			di = n++;
		}
		if (t->ui) {
			pfd[n].fd = fileno(t->tty);
			pfd[n].events = POLLIN;
			ki = n++;
		}
		if (n == 0 && vi->state != TVIEW_IN_DOWN)
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
		if (vi->state == TVIEW_IN_CONNECTING) {
			if (net_connected(in->fd) == -1)
				input_gone(t, errno, now);
			else {
				vi->state = TVIEW_IN_LIVE;
				vi->since = now;
				lr_reset(&in->r, in->fd);
				t->v.fresh = 1;
				t->v.pat = 0;	/* records/s starts over */
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
	    "Keys: q quit, j/k move, Tab panel, s sort, / filter, p pause, c/C clear\n"
	    "alerts, ? help.\n"
	    "Exit status: 0 ok, 1 failure, 2 usage.  See omph-top(1).\n", stdout);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	exit(0);
}

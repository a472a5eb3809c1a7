/*
 * omph-collect: aggregate records (man/omph.7) per key: totals for cron
 * reports, or a sliding window with periodic snapshots for live views, with
 * alerts raised and resolved per key and for the whole site.
 *
 * Input: records on stdin, headers anywhere, and with --listen records
 * from omph-send, syslog relays or (on a "+text" listener) plain text over
 * UDP and TCP (man/omph.7, "On the network"), each source with its own
 * header; with --secret only omph-send's, each datagram, stream preamble
 * and frame with a valid SipHash tag (lib/wire.h).  Output: reports in
 * the snapshot format of man/omph.7 (or JSON lines) on stdout and, with
 * --serve, to every viewer connected.  One thread, one ppoll() loop over
 * stdin, the sockets and the interval timer; signals are taken only there.
 */
#include <sys/stat.h>

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
#include "cols.h"
#include "conn.h"
#include "dash.h"
#include "ckpt.h"
#include "ingest.h"
#include "lr.h"
#include "net.h"
#include "opt.h"
#include "origin.h"
#include "prom.h"
#include "serve.h"
#include "sig.h"
#include "snap.h"
#include "out.h"
#include "rec.h"
#include "tm.h"
#include "wire.h"

#define MAXKEYF 8		/* key fields of one panel */
#define MAXPANELS 16
#define MAXRULES 32
#define MAX_REPORTS 10
#define EXIT_ALERT 3
#define MAXLISTEN INGEST_MAXLISTEN
#define MAXALLOW 64
#define MAXCONNS INGEST_MAXCONNS	/* --max-conns at most */
#define HTTP_CONNS 256		/* --http: connections at once (lib/http) */
#define CK_ACKWAIT 0.05		/* --state: seconds lines wait for an ack */
#define CK_ACKBYTES (8 * 1024 * 1024)	/* bytes: ... or as many */

/*
 * -k: the panels, each a table of its own keys; opt_keys holds the key
 * names of them all, a panel's from k0 on (nk of them).
 */
struct popt {
	char *name;			/* its -k as given: "path,status" */
	int k0, nk;
	size_t top, max_keys;		/* -n, --max-keys */
};
static struct popt opt_pan[MAXPANELS];
static int opt_npan;
static const char *opt_keys[COLS_MAXK];
static int opt_nkeys;
static int key_told[COLS_MAXK];		/* a -k naming no column was told */
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
static struct net_addr opt_listen[MAXLISTEN];	/* --listen */
static int opt_text[MAXLISTEN];		/* ... a "+text" one */
static int opt_nlisten;
static uint8_t opt_key[WIRE_KEYLEN];	/* --secret */
static const uint8_t *skey;		/* opt_key, or NULL */
static struct net_cidr opt_allow[MAXALLOW];	/* --allow */
static int opt_nallow;
static struct net_addr opt_serve;	/* --serve */
static int opt_has_serve;
static struct net_addr opt_http;	/* --http */
static int opt_has_http;
/* --max-conns, --max-conns-per-addr, --handshake-timeout, --idle-timeout,
 * --max-buffer */
static struct conn_lim opt_lim = { 512, 64, 10, 3600, 64 * 1024 * 1024 };
static const char *opt_state;		/* --state */

static struct cols_want key_want;	/* the key names, for lib/cols */

/*
 * A panel: the counts of one -k, its keys ranked for a snapshot.  Every
 * panel counts every record, so their totals, records, late and times are
 * the same: the first one's stand for all.
 */
struct panel {
	struct collect *co;
	const struct popt *opt;
	int i;				/* its index */
	struct agg a;
	struct agg_key **sorted;	/* room for a.cap keys */
	size_t sortcap, nsorted;
};

struct collect {
	struct panel pan[MAXPANELS];
	int npan;
	struct out *out;
	struct tm_cache tc;
	char tkey[32];			/* last time text parsed */
	size_t tkeylen;
	int64_t tval;
	uint64_t bad, lines;
	uint64_t site_alerts;		/* active --alert-total rules */
	int64_t since[MAXRULES];	/* when each total rule was raised */
	struct alert_event *ev;		/* raises, resolves to write */
	size_t nev, evcap;
	uint64_t events;		/* added or written: the state changed */
	struct alert_active *act;	/* per-key alerts active, in raise order */
	size_t nact, actcap;
	char *keybuf;
	size_t keycap;
	int64_t started;		/* wall clock at start */
	struct ingest_feed in;		/* stdin */
	struct out *snap;		/* one snapshot, in memory */
	struct snap_wr w;		/* writing it (lib/snap.h) */
	struct dash *web;		/* --http, or NULL */
	struct out *jsnap, *msnap;	/* --http: its JSON, its metrics */
	int webfd;			/* --http: its listening socket */
	struct ckpt_buf ck;		/* --state: the encoded checkpoint */
	uint64_t ck_saved;		/* ck_mark() of what the file holds */
	int ck_errno;			/* the last save's error, told */
	double ck_last;			/* monotonic: when the last save began */
	double ck_took;			/* seconds it took */
	int tcp_idle;			/* the last wakeup read none */
	struct orig org;		/* the positions of origins */
	struct ingest *ing;		/* the network (lib/ingest.h) */
	struct ingest_stats *net;	/* its counts */
};

static void usage(void);
static _Noreturn void help(void);
static void need(int, const char *);
static void add_panel(const char *);
static int header(struct cols *, char *, size_t);
static void bad(struct collect *, struct ingest_feed *, const char *);
static void record(struct collect *, struct ingest_feed *, char *, size_t);
static void line(struct collect *, struct ingest_feed *, char *, size_t);
static void net_setup(struct collect *);
static void net_start(struct collect *);
static void web_setup(struct collect *);
static void web_close(struct collect *);
static void metrics(struct collect *, struct out *);
static void emit(struct collect *);
static void report(struct collect *, int64_t, int);
static void put_snapshot(struct collect *, struct out *, int, int64_t, int);
static void evaluate(struct collect *, int64_t);
static void on_drop(void *, struct agg_key *);
static int64_t wall(void);
static void advance(struct collect *);
static void ck_load(struct collect *);
static int ck_save(struct collect *);
static uint64_t ck_mark(const struct collect *);
static int origin(struct collect *, struct ingest_feed *, const char *,
    size_t);

/* long options without a letter */
enum { O_MAXCONNS = 1001, O_PERADDR, O_HANDSHAKE, O_IDLE, O_MAXBUF, O_HTTP };

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
		{ "listen", required_argument, NULL, 'l' },
		{ "allow", required_argument, NULL, 'L' },
		{ "serve", required_argument, NULL, 's' },
		{ "http", required_argument, NULL, O_HTTP },
		{ "max-conns", required_argument, NULL, O_MAXCONNS },
		{ "max-conns-per-addr", required_argument, NULL, O_PERADDR },
		{ "handshake-timeout", required_argument, NULL, O_HANDSHAKE },
		{ "idle-timeout", required_argument, NULL, O_IDLE },
		{ "max-buffer", required_argument, NULL, O_MAXBUF },
		{ "secret", required_argument, NULL, 'x' },
		{ "state", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct pollfd pfd[1 + MAXLISTEN + 1 + MAXCONNS + SERVE_MAX +
	    1 + HTTP_CONNS + 1];
	struct collect co;
	struct lr r;
	struct lr_line l;
	sigset_t orig;
	char errbuf[512];
	const char *secret = NULL;
	double next_tick = 0, t, w0;
	size_t v;
	struct stat st;
	uint64_t told, in0;
	int ch, rv = 0, ms, npfd, nnet, nweb, in_active, watch_out, w;

	out_stdfds();
	argv[0] = (char *)"omph-collect";	/* getopt says "omph-collect: ...", as we do */
	while ((ch = getopt_long(argc, argv, "k:n:o:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'k':
			add_panel(optarg);
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
			/* after a -k, for its panel; before, for all */
			need(opt_size("-n", optarg, 1, 1000000, opt_npan > 0 ?
			    &opt_pan[opt_npan - 1].top : &opt_top, errbuf,
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
			    opt_npan > 0 ? &opt_pan[opt_npan - 1].max_keys :
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
		case 'l':
			if (opt_nlisten == MAXLISTEN) {
				warnx("--listen: at most %d", MAXLISTEN);
				usage();
			}
			if (ingest_parse_listen(optarg,
			    &opt_listen[opt_nlisten], &opt_text[opt_nlisten],
			    errbuf, sizeof(errbuf)) == -1) {
				warnx("--listen: %s", errbuf);
				usage();
			}
			opt_nlisten++;
			break;
		case 'L':
			if (opt_nallow == MAXALLOW) {
				warnx("--allow: at most %d", MAXALLOW);
				usage();
			}
			if (net_parse_cidr(optarg, &opt_allow[opt_nallow++]) == -1) {
				warnx("--allow: %s is not an address or ADDRESS/BITS",
				    optarg);
				usage();
			}
			break;
		case 's':
			if (net_parse(optarg, NET_TCP, &opt_serve, errbuf,
			    sizeof(errbuf)) == -1 || opt_serve.proto != NET_TCP) {
				warnx("--serve: %s", opt_serve.proto != NET_TCP ?
				    "viewers connect over tcp" : errbuf);
				usage();
			}
			opt_has_serve = 1;
			break;
		case O_HTTP:
			if (net_parse(optarg, NET_TCP, &opt_http, errbuf,
			    sizeof(errbuf)) == -1 || opt_http.proto != NET_TCP) {
				warnx("--http: %s", opt_http.proto != NET_TCP ?
				    "browsers connect over tcp" : errbuf);
				usage();
			}
			opt_has_http = 1;
			break;
		case O_MAXCONNS:
			need(opt_size("--max-conns", optarg, 1, MAXCONNS,
			    &opt_lim.max, errbuf, sizeof(errbuf)), errbuf);
			break;
		case O_PERADDR:
			need(opt_size("--max-conns-per-addr", optarg, 1, MAXCONNS,
			    &opt_lim.per_addr, errbuf, sizeof(errbuf)), errbuf);
			break;
		case O_HANDSHAKE:
			need(opt_seconds("--handshake-timeout", optarg, 0.1, 3600,
			    &opt_lim.handshake, errbuf, sizeof(errbuf)), errbuf);
			break;
		case O_IDLE:
			need(opt_seconds("--idle-timeout", optarg, 0, 604800,
			    &opt_lim.idle, errbuf, sizeof(errbuf)), errbuf);
			break;
		case O_MAXBUF:
			/* at least one connection's longest line, and the rest */
			need(opt_size("--max-buffer", optarg, 2 * INGEST_BUFMAX,
			    SIZE_MAX / 2 < ((size_t)16 << 30) ? SIZE_MAX / 2 :
			    (size_t)16 << 30, &opt_lim.budget, errbuf,
			    sizeof(errbuf)), errbuf);
			break;
		case 'x':
			secret = optarg;
			break;
		case 'T':
			if (*optarg == '\0') {
				warnx("--state: an empty file name");
				usage();
			}
			opt_state = optarg;
			break;
		case 'V':
			printf("omph-collect %s\n", OMPH_VERSION);
			return 0;
		case 'h':
			help();
		default:
			usage();
		}
	}
	if (optind != argc) {
		warnx("%s: extra operand: records are read from stdin or "
		    "--listen", argv[optind]);
		usage();
	}
	if (opt_npan == 0)
		add_panel("path");
	for (key_want.n = 0; key_want.n < opt_nkeys; key_want.n++)
		key_want.name[key_want.n] = opt_keys[key_want.n];
	if (opt_arrival && opt_window == 0) {
		warnx("--clock arrival needs --window");
		usage();
	}
	for (v = 0; v < (size_t)opt_nlisten; v++)
		if (opt_text[v] && secret != NULL) {
			warnx("--secret takes only tagged omph-send input: no "
			    "+text listener");
			usage();
		}
	if (secret != NULL) {
		if (wire_read_secret(secret, opt_key, errbuf,
		    sizeof(errbuf)) == -1)
			errx(1, "--secret %s", errbuf);
		skey = opt_key;
	}

	/* the web is live: a snapshot each second unless told otherwise */
	if (opt_has_http && opt_interval == 0)
		opt_interval = 1;
	sig_setup(&orig);
	sig_hup_setup(&orig);

	memset(&co, 0, sizeof(co));
	for (co.npan = 0; co.npan < opt_npan; co.npan++) {
		struct panel *pn = &co.pan[co.npan];

		pn->co = &co;
		pn->opt = &opt_pan[co.npan];
		pn->i = co.npan;
		if (agg_init(&pn->a, pn->opt->max_keys, opt_window) == -1)
			err(1, NULL);
		pn->a.drop = on_drop;
		pn->a.droparg = pn;
	}
	if ((co.out = malloc(sizeof(*co.out))) == NULL ||
	    (co.snap = malloc(sizeof(*co.snap))) == NULL ||
	    lr_init(&r, STDIN_FILENO, 1024 * 1024) == -1)
		err(1, NULL);
	out_init(co.out, STDOUT_FILENO);
	out_init_mem(co.snap);
	co.started = wall();
	co.in.name = "stdin";
	net_setup(&co);
	if (opt_state != NULL)
		ck_load(&co);
	/* listening, stdin is read too, unless it is a terminal */
	in_active = opt_nlisten == 0 || !isatty(STDIN_FILENO);
	/* a pipe whose reader went away shows POLLERR on our end */
	watch_out = fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode);
	net_start(&co);
	web_setup(&co);
	if (opt_interval > 0)
		next_tick = tm_mono() + opt_interval;
	for (;;) {
		while (in_active && lr_next(&r, &l) == 1) {
			co.in.lineno = r.lineno - 1;
			if (l.flags & LR_CUT) {
				co.in.lineno++;
				co.lines++;
				bad(&co, &co.in, "line longer than 1 MiB");
				continue;
			}
			line(&co, &co.in, l.p, l.len);
		}
		if (in_active && r.eof) {
			in_active = 0;
			if (opt_nlisten == 0)
				break;
		}
		if (sig_caught())
			break;
		ms = -1;
		told = co.events;
		if (opt_interval > 0) {
			t = tm_mono();
			if (t >= next_tick) {
				/*
				 * --state: a snapshot tells no more than the
				 * checkpoint holds, so the next life's first
				 * is never lower than this one.
				 */
				if (opt_state != NULL)
					ck_save(&co);
				advance(&co);
				report(&co, opt_arrival ? wall() :
				    co.pan[0].a.newest, 0);
				emit(&co);
				if (out_flush(co.out) == -1)
					break;
				while (next_tick <= t)
					next_tick += opt_interval;
			}
			ms = (int)((next_tick - t) * 1000) + 1;
		}
		/*
		 * --state: a change is saved at once when the last save is a
		 * second old, else when it is; and right after a snapshot
		 * that told alerts, so that they are not told again.  TCP
		 * lines wait for a save to be acknowledged: then sooner, after
		 * CK_ACKWAIT, or as soon as the connections fell silent (a
		 * sender waits for its acks), at once when CK_ACKBYTES wait,
		 * so that a sender's buffer never fills; but never sooner than
		 * four times what the last save took after it, so that saving
		 * takes at most a fifth of the time.
		 */
		if (opt_state != NULL && ck_mark(&co) != co.ck_saved) {
			double due = co.ck_last + 1;

			t = tm_mono();
			if (co.net->unacked && co.ck_errno == 0) {
				w0 = co.ck_took * 4;
				if (!co.tcp_idle && co.net->unacked_bytes <
				    CK_ACKBYTES && w0 < CK_ACKWAIT)
					w0 = CK_ACKWAIT;
				if (co.ck_last + w0 < due)
					due = co.ck_last + w0;
			}
			if (t >= due || co.events != told) {
				ck_save(&co);
				co.ck_took = tm_mono() - t;
				co.ck_last = t;
				due = t + 1;
			}
			w = (int)((due - t) * 1000) + 1;
			/* lines to ack: look again soon whether more come */
			if (co.net->unacked && co.ck_errno == 0 && !co.tcp_idle &&
			    w > 1)
				w = 1;
			if (ck_mark(&co) != co.ck_saved && (ms < 0 || w < ms))
				ms = w;
		}
		if (in_active && lr_ready(&r) != 0) {
			if (lr_fill(&r) == -1) {
				warn("stdin");
				rv = 1;
				break;
			}
			continue;
		}
		/* nothing ready: what we wrote goes on now */
		if (out_flush(co.out) == -1)
			break;
		npfd = 0;
		if (in_active) {
			pfd[0].fd = STDIN_FILENO;
			pfd[0].events = POLLIN;
			npfd = 1;
		}
		npfd += nnet = ingest_pollfds(co.ing, pfd + npfd, &ms);
		nweb = 0;
		if (co.web != NULL) {
			nweb = dash_fill(co.web, pfd + npfd);
			w = dash_timeout(co.web, tm_mono());
			if (w >= 0 && (ms < 0 || w < ms))
				ms = w;
		}
		npfd += nweb;
		if (watch_out) {
			pfd[npfd].fd = STDOUT_FILENO;
			pfd[npfd++].events = 0;
		}
		if (sig_poll(pfd, (nfds_t)npfd, ms, &orig) == -1 &&
		    errno != EINTR)
			err(1, "ppoll");
		if (sig_caught())
			continue;
		/* a service's reload: the checkpoint now */
		if (sig_hup() && opt_state != NULL) {
			ck_save(&co);
			co.ck_last = tm_mono();
		}
		if (watch_out && (pfd[npfd - 1].revents & (POLLERR | POLLHUP))) {
			/* stdout's reader is gone: end now, quietly */
			co.out->err = EPIPE;
			rv = 1;
			break;
		}
		in0 = co.net->tcp_in;
		ingest_events(co.ing, pfd + in_active, nnet);
		if (co.web != NULL)
			dash_events(co.web, pfd + in_active + nnet, nweb, tm_mono());
		co.tcp_idle = co.net->tcp_in == in0;
		if (in_active && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    lr_fill(&r) == -1 && errno != EAGAIN && errno != EINTR) {
			warn("stdin");
			rv = 1;
			break;
		}
	}
	if (!co.out->err) {
		advance(&co);
		report(&co, opt_arrival ? wall() : co.pan[0].a.newest, 1);
		emit(&co);
	}
	if (out_flush(co.out) == -1) {
		if (co.out->err != EPIPE)
			warnx("stdout: %s", strerror(co.out->err));
		rv = 1;
	} else if (co.bad > 0)
		warnx("%llu of %llu lines were not records",
		    (unsigned long long)co.bad, (unsigned long long)co.lines);
	if (opt_state != NULL && ck_save(&co) == -1) {
		warnx("%s: the last checkpoint could not be saved (%s): what was "
		    "counted since the one before is not in it", opt_state,
		    strerror(co.ck_errno));
		rv = 1;
	}
	/* batch use: an alert active at the end is exit status 3 */
	if (rv == 0 && opt_interval == 0) {
		if (co.site_alerts != 0 || co.nact != 0)
			rv = EXIT_ALERT;
	}
	ingest_free(co.ing);
	web_close(&co);
	lr_free(&r);
	free(co.act);
	for (v = 0; v < (size_t)co.npan; v++) {
		agg_free(&co.pan[v].a);
		free(co.pan[v].sorted);
	}
	free(co.out);
	out_free(co.snap);
	free(co.snap);
	snap_wr_free(&co.w);
	free(co.keybuf);
	while (co.nev > 0)
		free(co.ev[--co.nev].key);
	free(co.ev);
	orig_free(&co.org);
	ckpt_buf_free(&co.ck);
	return rv;
}

static int64_t
wall(void)
{
	return (int64_t)time(NULL);
}

/* --clock arrival: every panel's window ends now */
static void
advance(struct collect *co)
{
	int i;

	if (opt_arrival)
		for (i = 0; i < co->npan; i++)
			agg_advance(&co->pan[i].a, wall());
}

/*
 * A header line (without its '#'): find our columns (lib/cols.h); a key
 * that names no column is told once, its records go under \N.
 */
static int
header(struct cols *c, char *p, size_t len)
{
	int j;

	if (cols_header(c, &key_want, p, len) == -1)
		return -1;
	for (j = 0; j < opt_nkeys; j++)
		if (c->key[j] == -1 && !key_told[j]) {
			key_told[j] = 1;
			warnx("-k %s: no such column in the input's header; "
			    "its records are counted under \\N", opt_keys[j]);
		}
	return 0;
}

#define NOT_HEADER "a header line whose names are not printable field names"

/* a line that is not a record: counted, the first ones told */
static void
bad(struct collect *co, struct ingest_feed *fd, const char *why)
{
	co->bad++;
	if (fd->snd != NULL)
		fd->snd->bad++;
	if (co->bad <= MAX_REPORTS) {
		warnx("%s:%llu: %s", fd->name, (unsigned long long)fd->lineno, why);
		if (co->bad == MAX_REPORTS)
			warnx("further bad lines are only counted");
	}
}

/* one line of a feed: a header or a record */
static void
line(struct collect *co, struct ingest_feed *fd, char *p, size_t len)
{
	co->lines++;
	fd->lineno++;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len > 0 && p[0] == '#') {
		if (header(&fd->c, p + 1, len - 1) == -1)
			bad(co, fd, NOT_HEADER);
	} else if (len > 0)
		record(co, fd, p, len);
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

/*
 * The origin of a record of feed fd (lib/origin.h): 0 when it is a
 * repeat, not to be counted; else 1, a gap before it counted.  The feed's
 * sender is its sender's name, or "" for stdin (no sender has that name).
 */
static int
origin(struct collect *co, struct ingest_feed *fd, const char *v, size_t vl)
{
	struct orig_res r;
	const char *name = fd->snd != NULL ? fd->snd->name : "";
	int k;

	if ((k = orig_check(&co->org, name, strlen(name), v, vl, &r)) == -1)
		err(1, NULL);
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

static void
record(struct collect *co, struct ingest_feed *fd, char *p, size_t len)
{
	char *f[REC_MAXF];
	size_t fl[REC_MAXF], klen, need;
	int n, i, j;
	int64_t sec = INT64_MIN, status = 0, bytes = 0, dur = -1;
	uint64_t client;
	const uint64_t *cl = NULL;	/* &client, when the record has one */
	char *kb;
	const struct cols *c = &fd->c;

	if (c->n == 0) {
		bad(co, fd, "a record before any header line");
		return;
	}
	n = rec_split(p, len, f, fl, REC_MAXF);
	if (n != c->n) {
		bad(co, fd, "field count differs from the header's");
		return;
	}
	if (c->origin >= 0 && !origin(co, fd, f[c->origin], fl[c->origin]))
		return;
	if (opt_arrival)
		sec = wall();
	else if (c->time >= 0) {
		const char *t = f[c->time];
		size_t tl = fl[c->time];

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
			bad(co, fd, "no valid time");
			return;
		} else
			sec = INT64_MIN;	/* counted, at no time */
	} else if (opt_window > 0) {
		bad(co, fd, "no time column (use --clock arrival)");
		return;
	}
	if (c->status >= 0)
		status = digits(f[c->status], fl[c->status]);
	if (c->bytes >= 0 && (bytes = digits(f[c->bytes],
	    fl[c->bytes])) < 0)
		bytes = 0;
	if (c->duration >= 0)
		dur = micros(f[c->duration], fl[c->duration]);
	/* visitors: distinct clients; an absent one (\N) is none */
	if (c->client >= 0 && !(fl[c->client] == 2 &&
	    memcmp(f[c->client], "\\N", 2) == 0)) {
		client = hll_hash(f[c->client], fl[c->client]);
		cl = &client;
	}
	/* each panel's key: its fields as written (escaped), joined by TAB */
	for (i = 0; i < co->npan; i++) {
		const struct popt *po = co->pan[i].opt;

		need = (size_t)po->nk;
		for (j = po->k0; j < po->k0 + po->nk; j++)
			need += c->key[j] >= 0 ? fl[c->key[j]] : 2;
		if (need > co->keycap) {
			if ((kb = realloc(co->keybuf, need * 2)) == NULL)
				err(1, NULL);
			co->keybuf = kb;
			co->keycap = need * 2;
		}
		klen = 0;
		for (j = po->k0; j < po->k0 + po->nk; j++) {
			if (j > po->k0)
				co->keybuf[klen++] = '\t';
			if (c->key[j] >= 0) {
				memcpy(co->keybuf + klen, f[c->key[j]],
				    fl[c->key[j]]);
				klen += fl[c->key[j]];
			} else {
				memcpy(co->keybuf + klen, "\\N", 2);
				klen += 2;
			}
		}
		/* late for one is late for all: the windows move together */
		if (agg_add(&co->pan[i].a, co->keybuf, klen, sec, (int)status,
		    (uint64_t)bytes, dur, cl) == -1)
			err(1, NULL);
	}
	if (fd->snd != NULL)
		fd->snd->records++;
}

/*
 * Seconds the rates are over: the window; in totals mode the records' time
 * span, or the time since start when no record had a time.
 */
static double
span(const struct collect *co)
{
	const struct agg *a = &co->pan[0].a;

	if (opt_window > 0)
		return opt_window;
	if (a->first == INT64_MIN || a->newest == INT64_MIN)
		return (double)(wall() - co->started + 1);
	return (double)(a->newest - a->first + 1);
}

/* rule raised or resolved for key k of panel pn, or the site (k NULL) */
static void
add_event(struct collect *co, int raise, int rule, const struct panel *pn,
    const struct agg_key *k, int metric, int64_t at)
{
	struct alert_event *e;

	if (co->nev == co->evcap) {
		size_t cap = co->evcap ? co->evcap * 2 : 16;

		if ((e = realloc(co->ev, cap * sizeof(*e))) == NULL)
			err(1, NULL);
		co->ev = e;
		co->evcap = cap;
	}
	e = &co->ev[co->nev++];
	co->events++;
	e->raise = raise;
	e->rule = rule;
	e->panel = k != NULL ? pn->i : 0;
	e->value = alert_value(k != NULL ? k : &co->pan[0].a.total, metric,
	    span(co), &e->present);
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

/* rule r became active for key k (slot s of panel pn) at time at */
static void
activate(struct collect *co, const struct panel *pn, const struct agg_key *k,
    uint32_t s, int r, int64_t at)
{
	struct alert_active *a;

	if (co->nact == co->actcap) {
		size_t cap = co->actcap ? co->actcap * 2 : 16;

		if ((a = realloc(co->act, cap * sizeof(*a))) == NULL)
			err(1, NULL);
		co->act = a;
		co->actcap = cap;
	}
	a = &co->act[co->nact++];
	a->panel = (uint32_t)pn->i;
	a->slot = s;
	a->gen = k->gen;
	a->rule = r;
	a->since = at;
}

/* rule r (-1: every rule) no longer holds for the key in slot s of pn */
static void
deactivate(struct collect *co, const struct panel *pn, uint32_t s,
    uint32_t gen, int r)
{
	size_t i, n = 0;

	for (i = 0; i < co->nact; i++)
		if (co->act[i].panel != (uint32_t)pn->i ||
		    co->act[i].slot != s || co->act[i].gen != gen ||
		    (r >= 0 && co->act[i].rule != r))
			co->act[n++] = co->act[i];
	co->nact = n;
}

/* a key leaves (expired or evicted): its alerts resolve */
static void
on_drop(void *arg, struct agg_key *k)
{
	struct panel *pn = arg;
	int i;

	if (k->alerts == 0)
		return;
	for (i = 0; i < opt_nrules; i++)
		if (k->alerts & (1ULL << i))
			add_event(pn->co, 0, i, pn, k, opt_rules[i].metric,
			    pn->a.newest);
	deactivate(pn->co, pn, (uint32_t)(k - pn->a.keys), k->gen, -1);
	k->alerts = 0;
}

/* raise and resolve alerts: per key and for the site */
static void
evaluate(struct collect *co, int64_t at)
{
	struct agg_key *k;
	struct panel *pn;
	double sp = span(co);
	size_t i;
	int p, r, holds;

	for (p = 0; opt_nrules > 0 && p < co->npan; p++) {
		pn = &co->pan[p];
		for (i = 0; i < pn->a.hi; i++) {
			k = &pn->a.keys[i];
			if (!k->used)
				continue;
			for (r = 0; r < opt_nrules; r++) {
				holds = k->c.hits >= opt_min_hits &&
				    alert_holds(&opt_rules[r], k, sp);
				if (holds == !!(k->alerts & (1ULL << r)))
					continue;
				add_event(co, holds, r, pn, k,
				    opt_rules[r].metric, at);
				if (holds)
					activate(co, pn, k, (uint32_t)i, r, at);
				else
					deactivate(co, pn, (uint32_t)i, k->gen,
					    r);
				k->alerts ^= 1ULL << r;
			}
		}
	}
	for (r = 0; r < opt_ntrules; r++) {
		holds = alert_holds(&opt_trules[r], &co->pan[0].a.total, sp);
		if (holds == !!(co->site_alerts & (1ULL << r)))
			continue;
		add_event(co, holds, opt_nrules + r, NULL, NULL,
		    opt_trules[r].metric, at);
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

/* a key row, the site's (every key field "*" or null) when site is set */
static void
put_row(struct collect *co, const struct agg_key *k, int site)
{
	double sp = span(co), v[M_N];
	int m, present[M_N];

	for (m = 0; m < M_N; m++)
		v[m] = alert_value(k, m, sp, &present[m]);
	snap_put_row(&co->w, site ? NULL : k->key, k->len, v, present);
}

static void
put_event(struct collect *co, const char *what, int rule, const char *key,
    size_t keylen, double value, int present, int64_t at)
{
	snap_put_event(&co->w, what, rule < opt_nrules ? opt_rules[rule].text :
	    opt_trules[rule - opt_nrules].text, key, keylen, value, present, at);
}

/*
 * The senders heard from (with --listen): a "#sender" table, or a JSON
 * "senders" member followed by a comma.
 */
static void
senders(struct collect *co, struct out *o)
{
	ingest_put_senders(co->ing, &co->w, o, co->org.used);
}

/* one snapshot (man/omph.7): summary, tables, alert events, active alerts */
static void
report(struct collect *co, int64_t at, int final)
{
	struct panel *pn;
	size_t i, n;
	int p;

	for (p = 0; p < co->npan; p++)
		agg_visitors(&co->pan[p].a);
	evaluate(co, at);
	for (p = 0; p < co->npan; p++) {
		pn = &co->pan[p];
		if (pn->sortcap < pn->a.cap) {
			free(pn->sorted);
			if ((pn->sorted = malloc(pn->a.cap *
			    sizeof(*pn->sorted))) == NULL)
				err(1, NULL);
			pn->sortcap = pn->a.cap;
		}
		for (i = n = 0; i < pn->a.hi; i++)
			if (pn->a.keys[i].used)
				pn->sorted[n++] = &pn->a.keys[i];
		if (n > 1)
			qsort(pn->sorted, n, sizeof(*pn->sorted), cmp_keys);
		pn->nsorted = n < pn->opt->top ? n : pn->opt->top;
	}
	put_snapshot(co, co->snap, opt_json, at, final);
	/* the web's JSON of the same snapshot, unless that was it */
	if (co->web != NULL && !opt_json)
		put_snapshot(co, co->jsnap, 1, at, final);
	co->events += co->nev;		/* written: no longer to write */
	while (co->nev > 0)
		free(co->ev[--co->nev].key);
}

/* write keys and events of panel pn from now on */
static void
wr_panel(struct collect *co, const struct panel *pn)
{
	co->w.keys = (const char *const *)opt_keys + pn->opt->k0;
	co->w.nkeys = pn->opt->nk;
	co->w.panel = co->npan > 1 ? pn->opt->name : NULL;
}

/* a panel's site row and top rows: tsv lines, or JSON "total" and "top" */
static void
put_rows(struct collect *co, const struct panel *pn)
{
	struct out *o = co->w.o;
	size_t i;

	if (co->w.json)
		out_puts(o, "\"total\":");
	put_row(co, &pn->a.total, 1);
	if (co->w.json)
		out_puts(o, ",\"top\":[");
	for (i = 0; i < pn->nsorted; i++) {
		if (co->w.json && i > 0)
			out_putc(o, ',');
		put_row(co, pn->sorted[i], 0);
	}
	if (co->w.json)
		out_putc(o, ']');
}

/*
 * The events of panel p (-1: of all) since the last snapshot, then the
 * alerts active now: the site's (with panel 0), then the keys' in raise
 * order; JSON "events":[...],SENDERS"active":[...] when p is -1.
 */
static void
put_events(struct collect *co, int p)
{
	struct out *o = co->w.o;
	const struct alert_event *e;
	const struct alert_active *ac;
	const struct agg_key *k;
	double sp = span(co), v;
	size_t i;
	int r, first = 1, present;

	if (co->w.json)
		out_puts(o, "\"events\":[");
	for (i = 0; i < co->nev; i++) {
		e = &co->ev[i];
		if (p >= 0 && e->panel != p)
			continue;
		if (co->w.json && !first)
			out_putc(o, ',');
		first = 0;
		wr_panel(co, &co->pan[e->panel]);
		put_event(co, e->raise ? "raise" : "resolve", e->rule, e->key,
		    e->keylen, e->value, e->present, e->at);
	}
	if (co->w.json) {
		out_puts(o, "],");
		senders(co, o);
		out_puts(o, "\"active\":[");
	}
	first = 1;
	wr_panel(co, &co->pan[0]);
	for (r = 0; p <= 0 && r < opt_ntrules; r++)
		if (co->site_alerts & (1ULL << r)) {
			if (co->w.json && !first)
				out_putc(o, ',');
			first = 0;
			v = alert_value(&co->pan[0].a.total,
			    opt_trules[r].metric, sp, &present);
			put_event(co, "active", opt_nrules + r, NULL, 0, v, present,
			    co->since[r]);
		}
	for (i = 0; i < co->nact; i++) {
		ac = &co->act[i];
		if (p >= 0 && ac->panel != (uint32_t)p)
			continue;
		k = &co->pan[ac->panel].a.keys[ac->slot];
		if (co->w.json && !first)
			out_putc(o, ',');
		first = 0;
		wr_panel(co, &co->pan[ac->panel]);
		v = alert_value(k, opt_rules[ac->rule].metric, sp, &present);
		put_event(co, "active", ac->rule, k->key, k->len, v, present,
		    ac->since);
	}
	if (co->w.json)
		out_putc(o, ']');
}

/*
 * One snapshot, as text or (json) JSON, into o: the summary, then per
 * panel the site and its top keys (pn->sorted), the events since the last
 * one and the alerts active, then the senders.  The summary's keys and
 * evicted are the first panel's; with two or more panels, a "#panel" line
 * (or a JSON "panels" member) gives each one's.
 */
static void
put_snapshot(struct collect *co, struct out *o, int json, int64_t at,
    int final)
{
	const struct panel *pn;
	const struct agg *a = &co->pan[0].a;
	struct snap_head h;
	int p;

	co->w.o = o;
	co->w.json = json;
	wr_panel(co, &co->pan[0]);
	memset(&h, 0, sizeof(h));
	h.time = at;
	h.window = opt_window;
	h.final = final;
	h.records = a->records;
	h.late = a->late;
	h.bad = co->bad;
	h.evicted = a->evicted;
	h.keys = a->n;
	if ((h.listen = opt_nlisten > 0)) {
		h.senders = (uint64_t)co->net->senders;
		h.datagrams = co->net->dgrams;
		h.denied = co->net->denied;
		h.malformed = co->net->malformed;
		h.refused = co->net->refused;
		h.conns = co->net->conns;
		h.shed = co->net->shed;
		h.timedout = co->net->timedout;
		h.rcvbuf = co->net->rcvbuf;
	}
	if ((h.origins = co->org.used)) {
		h.dup = co->org.dup;
		h.gaps = co->org.gaps;
		h.gapbytes = co->org.gapbytes;
		h.badorigin = co->org.bad;
		h.streams = co->org.n;
		h.forgotten = co->org.evicted;
	}
	snap_put_head(&co->w, &h);
	if (json) {
		put_rows(co, &co->pan[0]);
		out_putc(o, ',');
		if (co->npan > 1) {
			out_puts(o, "\"panels\":[");
			for (p = 0; p < co->npan; p++) {
				pn = &co->pan[p];
				wr_panel(co, pn);
				if (p > 0)
					out_putc(o, ',');
				snap_put_panel(&co->w, pn->opt->name, pn->a.n,
				    pn->a.evicted);
				put_rows(co, pn);
				out_putc(o, '}');
			}
			out_puts(o, "],");
		}
		put_events(co, -1);
		out_puts(o, "}\n");
		return;
	}
	for (p = 0; p < co->npan; p++) {
		pn = &co->pan[p];
		wr_panel(co, pn);
		if (co->npan > 1)
			snap_put_panel(&co->w, pn->opt->name, pn->a.n,
			    pn->a.evicted);
		snap_put_table_head(&co->w);
		put_rows(co, pn);
		snap_put_event_head(&co->w);
		put_events(co, p);
	}
	senders(co, o);
	out_puts(o, "#end\n");
}

/* --- the checkpoint: --state (lib/ckpt.h) --- */

/* the panels' aggregates, for lib/ckpt */
static struct agg *const *
aggs(struct collect *co)
{
	static struct agg *a[MAXPANELS];
	int i;

	for (i = 0; i < co->npan; i++)
		a[i] = &co->pan[i].a;
	return a;
}

static void
ck_opts(struct ckpt_opts *o)
{
	static struct ckpt_panel cp[MAXPANELS];
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < opt_npan; i++) {
		cp[i].keys = (const char *const *)opt_keys + opt_pan[i].k0;
		cp[i].nkeys = opt_pan[i].nk;
		cp[i].max_keys = opt_pan[i].max_keys;
	}
	o->pan = cp;
	o->npan = opt_npan;
	o->window = opt_window;
	o->arrival = opt_arrival;
	o->rules = opt_rules;
	o->nrules = opt_nrules;
	o->trules = opt_trules;
	o->ntrules = opt_ntrules;
	o->min_hits = opt_min_hits;
}

/*
 * A number that changes whenever the state does: a sum of counts that only
 * grow (what came in, what was evicted, alerts added or written, the end of
 * the window, origins checked).  A sender's counts change only with lines,
 * datagrams or messages it sent, which are in it.
 */
static uint64_t
ck_mark(const struct collect *co)
{
	uint64_t ev = 0;
	int i;

	for (i = 0; i < co->npan; i++)
		ev += co->pan[i].a.evicted;
	return co->lines + co->bad + co->net->dgrams + co->net->denied +
	    co->net->malformed + co->net->refused + co->events +
	    co->pan[0].a.records + co->pan[0].a.late + ev +
	    (uint64_t)co->pan[0].a.newest + co->net->skipped +
	    co->org.checked + co->org.bad;
}

/* resume from --state, or exit 1 when it cannot be trusted */
static void
ck_load(struct collect *co)
{
	struct ckpt_opts o;
	struct ckpt_coll c;
	char err[512];

	ck_opts(&o);
	memset(&c, 0, sizeof(c));
	switch (ckpt_load(opt_state, &o, aggs(co), &c, err, sizeof(err))) {
	case -1:
		errx(1, "%s: %s; not resumed (move it away to start from zero)",
		    opt_state, err);
	case 0:
		co->lines = c.lines;
		co->bad = c.bad;
		co->net->dgrams = c.dgrams;
		co->net->denied = c.denied;
		co->net->malformed = c.malformed;
		co->net->refused = c.refused;
		co->started = c.started;
		co->site_alerts = c.site_alerts;
		memcpy(co->since, c.since, sizeof(co->since));
		co->act = c.act;
		co->nact = co->actcap = c.nact;
		co->ev = c.ev;
		co->nev = co->evcap = c.nev;
		if (ingest_load(co->ing, c.snd, c.nsnd) == -1)
			errx(1, "%s", strerror(errno));
		free(c.snd);
		orig_free(&co->org);
		co->org = c.org;
		break;
	}
	co->ck_saved = ck_mark(co);
}

/*
 * Save the checkpoint if the state changed since the last save: 0, or -1
 * (told once per kind of error, the old file kept, tried again later).
 */
static int
ck_save(struct collect *co)
{
	struct ckpt_opts o;
	struct ckpt_coll c;
	uint64_t m = ck_mark(co);
	int rv;

	if (m == co->ck_saved) {
		ingest_durable(co->ing);	/* what was taken is in the file */
		return 0;
	}
	ck_opts(&o);
	memset(&c, 0, sizeof(c));
	c.lines = co->lines;
	c.bad = co->bad;
	c.dgrams = co->net->dgrams;
	c.denied = co->net->denied;
	c.malformed = co->net->malformed;
	c.refused = co->net->refused;
	c.started = co->started;
	c.site_alerts = co->site_alerts;
	memcpy(c.since, co->since, sizeof(co->since));
	c.act = co->act;
	c.nact = co->nact;
	c.ev = co->ev;
	c.nev = co->nev;
	c.org = co->org;
	if (ingest_save(co->ing, &c.snd, &c.nsnd) == -1)
		err(1, NULL);
	rv = ckpt_save(opt_state, &co->ck, &o, aggs(co), &c);
	free(c.snd);
	if (rv == -1) {
		if (co->ck_errno != errno)
			warn("%s: cannot save the checkpoint (the file keeps the "
			    "last one saved; trying again each second)", opt_state);
		co->ck_errno = errno != 0 ? errno : EIO;
		return -1;
	}
	if (co->ck_errno != 0)
		warnx("%s: checkpoint saved again", opt_state);
	co->ck_errno = 0;
	co->ck_saved = m;
	ingest_durable(co->ing);
	return 0;
}

/* --- the network: --listen, --serve (lib/ingest.h) --- */

/* a line from the network: a header or a record, as stdin's */
static void
net_line(void *arg, struct ingest_feed *fd, char *p, size_t len)
{
	line(arg, fd, p, len);
}

/* a header announced apart from the lines (omph-send's by SCHEMA) */
static int
net_header(void *arg, struct cols *c, char *p, size_t len)
{
	(void)arg;
	return header(c, p, len);
}

static void
net_bad(void *arg, struct ingest_feed *fd, int why)
{
	bad(arg, fd, why == INGEST_LONG ? "line longer than 1 MiB" :
	    NOT_HEADER);
}

static void
net_note(void *arg, const char *msg)
{
	(void)arg;
	warnx("%s", msg);
}

/* the network's part, not listening yet: before a checkpoint fills it */
static void
net_setup(struct collect *co)
{
	struct ingest_opts o;
	struct ingest_cb cb = { co, net_line, net_header, net_bad, net_note };

	memset(&o, 0, sizeof(o));
	o.listen = opt_listen;
	o.text = opt_text;
	o.nlisten = opt_nlisten;
	o.allow = opt_allow;
	o.nallow = opt_nallow;
	o.lim = opt_lim;
	o.key = skey;
	o.durable = opt_state != NULL;
	o.serve = opt_has_serve ? &opt_serve : NULL;
	if ((co->ing = ingest_new(&o, &cb)) == NULL)
		err(1, NULL);
	co->net = ingest_stats(co->ing);
}

/* --listen, --serve: listening, or exit 1 */
static void
net_start(struct collect *co)
{
	char errbuf[1024];

	if (ingest_listen(co->ing, errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s", errbuf);
}

/* a snapshot is complete in co->snap: to stdout and every viewer */
static void
emit(struct collect *co)
{
	struct out *j = opt_json ? co->snap : co->jsnap;

	if (out_flush(co->snap) == -1)
		err(1, NULL);
	out_write(co->out, co->snap->mem, co->snap->memlen);
	if (opt_has_serve)
		ingest_serve(co->ing, co->snap->mem, co->snap->memlen);
	if (co->web != NULL) {
		/* the web's copies: the JSON (its LF left out) and metrics */
		metrics(co, co->msnap);
		if (out_flush(j) == -1 || out_flush(co->msnap) == -1 ||
		    dash_update(co->web, j->mem, j->memlen > 0 ? j->memlen - 1 :
		    0, co->msnap->mem, co->msnap->memlen) == -1)
			err(1, NULL);
		co->jsnap->memlen = co->msnap->memlen = 0;
	}
	co->snap->memlen = 0;
}

/* --- the web: --http (lib/dash.h) --- */

static void
web_setup(struct collect *co)
{
	struct http_lim lim;
	char errbuf[512], where[300];
	int fd;

	if (!opt_has_http)
		return;
	if ((fd = net_listen(&opt_http, 0, errbuf, sizeof(errbuf))) == -1)
		errx(1, "--http %s: %s", net_str(&opt_http, where, sizeof(where)),
		    errbuf);
	memset(&lim, 0, sizeof(lim));
	lim.max_conns = HTTP_CONNS;
	if (conn_fdlimit((long)opt_lim.max + SERVE_MAX + MAXLISTEN +
	    HTTP_CONNS + 40) == -1)
		warn("ulimit -n");
	if ((co->web = dash_new(fd, &lim, opt_allow, (size_t)opt_nallow)) ==
	    NULL || (co->jsnap = malloc(sizeof(*co->jsnap))) == NULL ||
	    (co->msnap = malloc(sizeof(*co->msnap))) == NULL)
		err(1, NULL);
	co->webfd = fd;
	out_init_mem(co->jsnap);
	out_init_mem(co->msnap);
}

static void
web_close(struct collect *co)
{
	if (co->web == NULL)
		return;
	dash_free(co->web);
	close(co->webfd);
	out_free(co->jsnap);
	out_free(co->msnap);
	free(co->jsnap);
	free(co->msnap);
}

/* one counter family of one sample */
static void
counter(struct out *o, const char *name, const char *help, uint64_t v)
{
	prom_family(o, name, "counter", help);
	prom_u64(o, name, NULL, 0, v);
}

/*
 * The metrics of /metrics (omph(7), "The web"): counters since the start
 * (a checkpoint keeps them across lives), gauges of now; per sender only
 * for the senders held (bounded), never per key: the top belongs to the
 * JSON API.
 */
static void
metrics(struct collect *co, struct out *o)
{
	static const char *const cls[] = { "2xx", "3xx", "4xx", "5xx" };
	struct prom_label l;
	struct http_stats hs;
	double le[AGG_LE];
	int i;

	const struct agg *a = &co->pan[0].a;

	counter(o, "omph_records_total", "Records counted.", a->cum.hits);
	counter(o, "omph_bytes_total", "Sum of the bytes column of the records "
	    "counted.", a->cum.bytes);
	prom_family(o, "omph_responses_total", "counter", "Records counted by "
	    "status class.");
	for (i = 0; i < 4; i++) {
		l.name = "class";
		l.val = cls[i];
		l.vlen = 3;
		prom_u64(o, "omph_responses_total", &l, 1, a->cum.cls[i]);
	}
	counter(o, "omph_late_records_total", "Records older than the window, "
	    "not counted.", a->late);
	counter(o, "omph_bad_lines_total", "Input lines that were not records.",
	    co->bad);
	/* per panel: its name (the -k as given) is the label */
	l.name = "panel";
	prom_family(o, "omph_evicted_keys_total", "counter", "Keys taken out of "
	    "the panel's full table.");
	for (i = 0; i < co->npan; i++) {
		l.val = co->pan[i].opt->name;
		l.vlen = strlen(l.val);
		prom_u64(o, "omph_evicted_keys_total", &l, 1,
		    co->pan[i].a.evicted);
	}
	prom_family(o, "omph_keys", "gauge", "Keys in the panel's table now.");
	for (i = 0; i < co->npan; i++) {
		l.val = co->pan[i].opt->name;
		l.vlen = strlen(l.val);
		prom_u64(o, "omph_keys", &l, 1, co->pan[i].a.n);
	}
	if (a->total.v.p != 0) {
		prom_family(o, "omph_visitors", "gauge", "Distinct clients of "
		    "the site over the window or all input, estimated (1.6 %).");
		prom_u64(o, "omph_visitors", NULL, 0,
		    (uint64_t)(a->total.vis + 0.5));
	}
	prom_family(o, "omph_alerts_active", "gauge", "Alerts that hold now.");
	prom_u64(o, "omph_alerts_active", NULL, 0, (uint64_t)co->nact +
	    (uint64_t)__builtin_popcountll(co->site_alerts));
	for (i = 0; i < AGG_LE; i++)
		le[i] = (double)agg_le_us[i] / 1e6;
	prom_family(o, "omph_duration_seconds", "histogram", "The duration "
	    "column of the records counted, in seconds.");
	prom_hist(o, "omph_duration_seconds", le, a->cum.le, AGG_LE,
	    (double)a->cum.dur_us / 1e6);
	if (co->org.used) {
		counter(o, "omph_dup_records_total", "Records not counted: their "
		    "origin was counted before.", co->org.dup);
		counter(o, "omph_gaps_total", "Gaps in the streams of origins.",
		    co->org.gaps);
		counter(o, "omph_gap_bytes_total", "Bytes in those gaps.",
		    co->org.gapbytes);
	}
	ingest_metrics(co->ing, o);
	dash_stats(co->web, &hs);
	counter(o, "omph_http_requests_total", "HTTP requests served.",
	    hs.requests);
	prom_family(o, "omph_http_streams", "gauge", "Event stream clients "
	    "now.");
	prom_u64(o, "omph_http_streams", NULL, 0, hs.streams);
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

/* the short usage: on stderr for a usage error, first in --help */
static const char synopsis[] =
	    "usage: omph-collect [-k field[,field]... [-n top] [--max-keys n]]...\n"
	    "                    [--window seconds] [--clock record|arrival]\n"
	    "                    [--interval seconds] [-n top] [--sort metric]\n"
	    "                    [--alert rule]... [--alert-total rule]...\n"
	    "                    [--alert-min-hits n] [--max-keys n] [-o tsv|json]\n"
	    "                    [--listen url]... [--allow cidr]... [--serve addr:port]\n"
	    "                    [--http addr:port] [--max-conns n] [--max-conns-per-addr n]\n"
	    "                    [--handshake-timeout seconds] [--idle-timeout seconds]\n"
	    "                    [--max-buffer bytes] [--secret file] [--state file]\n";

/*
 * -k FIELD[,FIELD]...: one more panel, keyed by those fields together;
 * its -n and --max-keys are those given before any -k until its own.
 */
static void
add_panel(const char *arg)
{
	struct popt *pp;
	char *p, *q;
	int i;

	if (opt_npan == MAXPANELS) {
		warnx("-k: at most %d panels", MAXPANELS);
		usage();
	}
	for (i = 0; i < opt_npan; i++)
		if (strcmp(opt_pan[i].name, arg) == 0) {
			warnx("-k %s: given twice", arg);
			usage();
		}
	pp = &opt_pan[opt_npan];
	if ((pp->name = strdup(arg)) == NULL || (p = strdup(arg)) == NULL)
		err(1, NULL);
	pp->k0 = opt_nkeys;
	pp->top = opt_top;
	pp->max_keys = opt_max_keys;
	for (; p != NULL; p = q) {
		if ((q = strchr(p, ',')) != NULL)
			*q++ = '\0';
		if (*p == '\0') {
			warnx("-k %s: an empty field name", arg);
			usage();
		}
		if (pp->nk == MAXKEYF || opt_nkeys == COLS_MAXK) {
			warnx("-k %s: at most %d fields in a panel and %d in all",
			    arg, MAXKEYF, COLS_MAXK);
			usage();
		}
		opt_keys[opt_nkeys++] = p;
		pp->nk++;
	}
	opt_npan++;
}

static void
usage(void)
{
	fputs(synopsis, stderr);
	exit(2);
}

/* --help: the synopsis and every option, a line each, on stdout; exit 0 */
static _Noreturn void
help(void)
{
	fputs(synopsis, stdout);
	fputs(

	    "\n"
	    "Aggregate records (stdin, or --listen) into snapshots: totals, windows, top keys.\n"
	    "\n"
	    "  -k, --key=FIELD[,FIELD]  a panel: count by these fields together (default\n"
	    "                           path); each -k is one more panel\n"
	    "      --window=SECONDS     count over the last SECONDS of time (default: all)\n"
	    "      --clock=record|arrival\n"
	    "                           time from the records' time column (default) or\n"
	    "                           the second each is read\n"
	    "      --interval=SECONDS   a snapshot every SECONDS (default: one, at the end)\n"
	    "  -n, --top=N              the top N keys of each panel (default 20); after\n"
	    "                           a -k, of that panel only\n"
	    "      --sort=METRIC        rank keys by METRIC (default hits)\n"
	    "      --alert=RULE         raise RULE (METRIC>VALUE) per key; repeatable\n"
	    "      --alert-total=RULE   raise RULE for the whole site; repeatable\n"
	    "      --alert-min-hits=N   keys with fewer hits raise no alert (default 20)\n"
	    "      --max-keys=N         keep at most N keys a panel (default 100000);\n"
	    "                           after a -k, for that panel only\n"
	    "  -o, --output=tsv|json    snapshots as TAB-separated text or JSON\n"
	    "      --listen=URL         take records from udp://, tcp://, their +text\n"
	    "                           forms, or syslog; repeatable\n"
	    "      --allow=CIDR         take the network only from CIDR; repeatable\n"
	    "      --serve=[ADDR:]PORT  serve the snapshot stream to omph-top --connect\n"
	    "      --http=[ADDR:]PORT   serve the dashboard, /api/snapshot, /api/stream and\n"
	    "                           /metrics over HTTP (a snapshot each --interval, 1 s\n"
	    "                           by default)\n"
	    "      --max-conns=N        TCP connections at once (default 512)\n"
	    "      --max-conns-per-addr=N\n"
	    "                           TCP connections from one address (default 64)\n"
	    "      --handshake-timeout=SECONDS\n"
	    "                           close a connection silent since it opened (10)\n"
	    "      --idle-timeout=SECONDS\n"
	    "                           close a connection idle this long (3600; 0 never)\n"
	    "      --max-buffer=BYTES   partial lines held over all connections (64M)\n"
	    "      --secret=FILE        take only senders tagged with the key in FILE\n"
	    "      --state=FILE         checkpoint the counts in FILE; resume from it\n"
	    "  -h, --help               print this help and exit\n"
	    "  -V, --version            print the version and exit\n"
	    "\n"
	    "Exit status: 0 ok, 1 failure, 2 usage, 3 an alert active at the end.\n"
	    "See omph-collect(1) and omph(7).\n", stdout);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	exit(0);
}

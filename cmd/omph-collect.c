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
#include <sys/socket.h>
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
#include "lr.h"
#include "net.h"
#include "opt.h"
#include "origin.h"
#include "prom.h"
#include "push.h"
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
#define MAXLISTEN 16
#define MAXALLOW 64
#define MAXCONNS 16384		/* --max-conns at most */
#define MAXSENDERS 1024		/* remembered; see sender() for who goes */
#define MAXSESSIONS 4		/* sessions remembered per sender */
#define MAXSCHEMAS 4		/* headers remembered per session */
_Static_assert(MAXSENDERS <= CKPT_MAXSENDERS && MAXSESSIONS <= CKPT_MAXSES &&
    WIRE_IDMAX + 80 <= CKPT_NAMELEN, "the checkpoint holds the sender table");
#define PROVEN 4		/* messages that establish a sender, a session */
#define STALE 600		/* seconds silent: an established sender may go */
#define HTTP_CONNS 256		/* --http: connections at once (lib/http) */
#define CONN_MAXLINE (1024 * 1024)
#define CONN_READ (64 * 1024)	/* a connection's buffer grows by at least */
#define CONN_BUFMAX (CONN_MAXLINE + CONN_READ)
#define CONN_TURNS 16		/* reads of one connection per wakeup */
#define ACCEPT_TURNS 64		/* connections taken per wakeup */
#define UDP_BATCH 32
#define UDP_TURNS 16		/* batches read per wakeup, then the others */
#define RCVBUF (16 * 1024 * 1024)
#define CK_ACKWAIT 0.05		/* --state: seconds lines wait for an ack */
#define CK_ACKBYTES (8 * 1024 * 1024)	/* bytes: ... or as many */
#define MAXPUSH 8		/* --push URLs */
#define PUSH_DRAIN 3.0		/* --push: seconds at the end to send what waits */

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
static const char *opt_push[MAXPUSH];	/* --push */
static int opt_npush;

static struct cols_want key_want;	/* the key names, for lib/cols */

struct sender;

/* one stream of records under its own header */
struct feed {
	struct cols c;
	const char *name;		/* for messages */
	uint64_t lineno;
	struct sender *snd;		/* accounting; NULL for stdin */
};

/* a header a sender announced, by its SCHEMA hash */
struct schema {
	uint32_t hash;
	struct cols c;
};

/*
 * A session of a sender (one run of omph-send): its sequence numbers,
 * headers and stream position.  A sender keeps MAXSESSIONS, so that a
 * stranger's datagrams under its name start sessions of their own beside
 * the real one, never in its place (see session_of()).
 */
struct session {
	int used;
	uint32_t id;
	uint64_t msgs;			/* datagrams, messages, streams */
	uint64_t at;			/* co->clock when last heard */
	uint64_t taken;			/* TCP: its stream read up to here */
	struct wire_seq seq;
	uint64_t lost, repeated, reordered;	/* of seq, in the sender's */
	struct schema sch[MAXSCHEMAS];	/* most recent first */
	int nsch;
};

/* a network sender: accounting, sessions */
struct sender {
	int used;
	char name[WIRE_IDMAX + 80];
	const char *kind;		/* udp tcp syslog text */
	char addr[64];			/* where it last sent from */
	uint32_t hash;
	uint64_t records, msgs, bad, noschema;
	uint64_t lost, repeated, reordered;	/* over all its sessions */
	uint64_t dup, gaps, gapbytes;	/* of its records' origins */
	int64_t last;			/* wall clock, last heard */
	uint64_t at;			/* co->clock when last heard */
	struct session ses[MAXSESSIONS];
	struct feed feed;		/* headers inline (text, plain syslog) */
	int conns;			/* TCP connections on it: not evicted */
};

enum { C_NEW, C_OMPH, C_OCTET, C_LF, C_TEXT };

/* a TCP connection */
struct conn {
	struct conn_ent ent;		/* first: its place in co->ct */
	int pi;				/* its pollfd, -1: not polled */
	int fd;
	int kind;
	int stage;			/* C_OMPH: 0 hello, 1 header, 2 data */
	int skipping;			/* inside a line too long */
	int text;			/* its listener takes plain text */
	int framed;			/* C_OMPH: a tagged hello, frames */
	char hello[WIRE_HEADMAX];	/* C_OMPH: the hello line, stage 1 */
	size_t hellolen;
	uint64_t htag;			/* its tag */
	uint32_t session;		/* C_OMPH: its session */
	char peer[64];
	char *buf;
	size_t cap, start, end;
	uint64_t off;			/* C_OMPH: stream offset of buf[start] */
	uint64_t acked;
	uint64_t durable;		/* --state: taken up to, in the file */
	struct feed feed;
	struct sender *snd;
};

struct listener {
	int fd;
	int proto;
	int serve;			/* --serve: viewers connect here */
};

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
	struct feed in;			/* stdin */
	struct out *snap;		/* one snapshot, in memory */
	struct snap_wr w;		/* writing it (lib/snap.h) */
	struct dash *web;		/* --http, or NULL */
	struct push *push[MAXPUSH];	/* --push */
	int npush, pushpfd[MAXPUSH];	/* ... each one's pollfd, -1: none */
	struct out *jsnap, *msnap;	/* --http: its JSON, its metrics */
	int webfd;			/* --http: its listening socket */
	struct ckpt_buf ck;		/* --state: the encoded checkpoint */
	uint64_t ck_saved;		/* ck_mark() of what the file holds */
	int ck_errno;			/* the last save's error, told */
	double ck_last;			/* monotonic: when the last save began */
	double ck_took;			/* seconds it took */
	uint64_t ck_bytes;		/* TCP bytes taken since, to ack */
	uint64_t tcp_in;		/* bytes read from TCP connections */
	int tcp_idle;			/* the last wakeup read none */
	int ck_unacked;			/* --state: lines taken since acks */
	uint64_t skipped;		/* TCP lines of a session's, again */
	struct orig org;		/* the positions of origins */
	/* network */
	struct listener lis[MAXLISTEN + 1];
	int nlis;
	struct conn_tab ct;		/* the TCP connections */
	uint64_t shed, timedout;
	int rcvbuf;			/* the smallest UDP receive buffer */
	int vwk;			/* the first viewer's pollfd */
	struct serve vw;		/* --serve: the viewers */
	int nvw;			/* of them polled */
	struct sender *snd;		/* MAXSENDERS */
	uint32_t *sndtab;		/* hash -> index + 1 */
	int nsnd;
	uint64_t clock;			/* counts messages: who was heard last */
	char *udpbuf;			/* UDP_BATCH datagrams */
	uint64_t dgrams, denied, malformed, refused;
};

static void usage(void);
static _Noreturn void help(void);
static void need(int, const char *);
static void add_panel(const char *);
static int header(struct cols *, char *, size_t);
static void bad(struct collect *, struct feed *, const char *);
static void record(struct collect *, struct feed *, char *, size_t);
static void line(struct collect *, struct feed *, char *, size_t);
static void net_setup(struct collect *);
static int net_pollfds(struct collect *, struct pollfd *, int *);
static void net_events(struct collect *, struct pollfd *, int);
static void net_close(struct collect *);
static void web_setup(struct collect *);
static void web_close(struct collect *);
static void push_setup(struct collect *);
static int push_pollfds(struct collect *, struct pollfd *, int *);
static void push_events(struct collect *, const struct pollfd *, int);
static void push_snapshot(struct collect *, int64_t);
static void push_close(struct collect *);
static void metrics(struct collect *, struct out *);
static void sender_metrics(struct collect *, struct out *);
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
static void ck_acks(struct collect *);
struct conn;
static void conn_ack(struct conn *);
static uint32_t name_hash(const char *, size_t);
static uint32_t *snd_slot(struct collect *, const char *, size_t, uint32_t);
static void snd_alloc(struct collect *);
static int origin(struct collect *, struct feed *, const char *, size_t);

/* long options without a letter */
enum { O_MAXCONNS = 1001, O_PERADDR, O_HANDSHAKE, O_IDLE, O_MAXBUF, O_HTTP,
    O_PUSH };

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
		{ "push", required_argument, NULL, O_PUSH },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct pollfd pfd[1 + MAXLISTEN + 1 + MAXCONNS + SERVE_MAX +
	    1 + HTTP_CONNS + MAXPUSH + 1];
	struct collect co;
	struct lr r;
	struct lr_line l;
	sigset_t orig;
	char errbuf[512], url[300];
	const char *secret = NULL;
	double next_tick = 0, t, w0;
	size_t v;
	struct stat st;
	uint64_t told, in0;
	int ch, rv = 0, ms, npfd, nnet, nweb, npush, in_active, watch_out, w;

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
			/* "udp+text://...": plain text taken there too */
			opt_text[opt_nlisten] = (strncmp(optarg, "udp+text://",
			    11) == 0 || strncmp(optarg, "tcp+text://", 11) == 0);
			snprintf(url, sizeof(url), "%.3s%s", optarg, optarg +
			    (opt_text[opt_nlisten] ? 8 : 3));
			if (net_parse(opt_text[opt_nlisten] ? url : optarg, 0,
			    &opt_listen[opt_nlisten], errbuf,
			    sizeof(errbuf)) == -1) {
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
			need(opt_size("--max-buffer", optarg, 2 * CONN_BUFMAX,
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
		case O_PUSH:
			if (opt_npush == MAXPUSH) {
				warnx("--push: at most %d", MAXPUSH);
				usage();
			}
			opt_push[opt_npush++] = optarg;
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
	if (opt_state != NULL)
		ck_load(&co);
	/* listening, stdin is read too, unless it is a terminal */
	in_active = opt_nlisten == 0 || !isatty(STDIN_FILENO);
	/* a pipe whose reader went away shows POLLERR on our end */
	watch_out = fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode);
	net_setup(&co);
	web_setup(&co);
	push_setup(&co);
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
			if (co.ck_unacked && co.ck_errno == 0) {
				w0 = co.ck_took * 4;
				if (!co.tcp_idle && co.ck_bytes < CK_ACKBYTES &&
				    w0 < CK_ACKWAIT)
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
			if (co.ck_unacked && co.ck_errno == 0 && !co.tcp_idle &&
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
		npfd += nnet = net_pollfds(&co, pfd + npfd, &ms);
		nweb = 0;
		if (co.web != NULL) {
			nweb = dash_fill(co.web, pfd + npfd);
			w = dash_timeout(co.web, tm_mono());
			if (w >= 0 && (ms < 0 || w < ms))
				ms = w;
		}
		npfd += nweb;
		npfd += npush = push_pollfds(&co, pfd + npfd, &ms);
		if (watch_out) {
			pfd[npfd].fd = STDOUT_FILENO;
			pfd[npfd++].events = 0;
		}
		if (sig_poll(pfd, (nfds_t)npfd, ms, &orig) == -1 &&
		    errno != EINTR)
			err(1, "ppoll");
		if (sig_caught())
			continue;
		if (watch_out && (pfd[npfd - 1].revents & (POLLERR | POLLHUP))) {
			/* stdout's reader is gone: end now, quietly */
			co.out->err = EPIPE;
			rv = 1;
			break;
		}
		in0 = co.tcp_in;
		net_events(&co, pfd + in_active, nnet);
		if (co.web != NULL)
			dash_events(co.web, pfd + in_active + nnet, nweb, tm_mono());
		push_events(&co, pfd + in_active + nnet + nweb, npush);
		co.tcp_idle = co.tcp_in == in0;
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
	net_close(&co);
	web_close(&co);
	push_close(&co);
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
bad(struct collect *co, struct feed *fd, const char *why)
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
line(struct collect *co, struct feed *fd, char *p, size_t len)
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
origin(struct collect *co, struct feed *fd, const char *v, size_t vl)
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
record(struct collect *co, struct feed *fd, char *p, size_t len)
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
	static const char *const cols[] = {
		"records", "messages", "lost", "repeated", "reordered", "bad",
		"noschema", "dup", "gaps", "gapbytes"
	};
	const struct sender *s;
	struct rec_val v;
	uint64_t n[10];
	char num[32];
	int i, j, first = 1, nc = 7, oc = co->org.used ? 3 : 0;
	int json = co->w.json;

	if (opt_nlisten == 0)
		return;
	/* the columns of origins once a record had one (at the end) */
	out_puts(o, json ? "\"senders\":[" :
	    "#sender\tkind\taddr\trecords\tmessages\tlost\trepeated\t"
	    "reordered\tbad\tnoschema\tlast");
	if (!json)
		out_puts(o, oc ? "\tdup\tgaps\tgapbytes\n" : "\n");
	for (i = 0; i < co->nsnd; i++) {
		s = &co->snd[i];
		if (!s->used)
			continue;
		n[0] = s->records;
		n[1] = s->msgs;
		n[2] = s->lost;
		n[3] = s->repeated;
		n[4] = s->reordered;
		n[5] = s->bad;
		n[6] = s->noschema;
		n[7] = s->dup;
		n[8] = s->gaps;
		n[9] = s->gapbytes;
		v.p = s->name;
		v.len = (uint32_t)strlen(s->name);
		v.enc = REC_RAW;
		if (json) {
			out_puts(o, first ? "{\"sender\":" : ",{\"sender\":");
			rec_put_json(o, &v, 0);
			out_puts(o, ",\"kind\":\"");
			out_puts(o, s->kind);
			out_puts(o, "\",\"addr\":");
			v.p = s->addr;
			v.len = (uint32_t)strlen(s->addr);
			rec_put_json(o, &v, 0);
			for (j = 0; j < nc + oc; j++) {
				snprintf(num, sizeof(num), ",\"%s\":%" PRIu64, cols[j],
				    n[j]);
				out_puts(o, num);
			}
			out_puts(o, ",\"last\":");
			snap_put_time(&co->w, s->last);
			out_putc(o, '}');
		} else {
			rec_put(o, &v);
			out_putc(o, '\t');
			out_puts(o, s->kind);
			out_putc(o, '\t');
			out_puts(o, s->addr);
			for (j = 0; j < nc; j++) {
				snprintf(num, sizeof(num), "\t%" PRIu64, n[j]);
				out_puts(o, num);
			}
			out_putc(o, '\t');
			snap_put_time(&co->w, s->last);
			for (; j < nc + oc; j++) {
				snprintf(num, sizeof(num), "\t%" PRIu64, n[j]);
				out_puts(o, num);
			}
			out_putc(o, '\n');
		}
		first = 0;
	}
	if (json)
		out_puts(o, "],");
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
	push_snapshot(co, at);
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
		h.senders = (uint64_t)co->nsnd;
		h.datagrams = co->dgrams;
		h.denied = co->denied;
		h.malformed = co->malformed;
		h.refused = co->refused;
		h.conns = co->ct.live;
		h.shed = co->shed;
		h.timedout = co->timedout;
		h.rcvbuf = co->rcvbuf;
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
	return co->lines + co->bad + co->dgrams + co->denied + co->malformed +
	    co->refused + co->events + co->pan[0].a.records +
	    co->pan[0].a.late + ev + (uint64_t)co->pan[0].a.newest +
	    co->skipped + co->org.checked + co->org.bad;
}

static const char *const snd_kinds[] = { "udp", "tcp", "syslog", "text" };

/* the loaded sender table (lib/ckpt.h), in place of an empty one */
static void
ck_senders(struct collect *co, const struct ckpt_sender *cs, size_t n)
{
	struct sender *s;
	struct session *ss;
	size_t i;
	int j, k;

	if (n == 0)
		return;
	snd_alloc(co);
	for (i = 0; i < n && co->nsnd < MAXSENDERS; i++) {
		s = &co->snd[co->nsnd];
		memset(s, 0, sizeof(*s));
		s->used = 1;
		snprintf(s->name, sizeof(s->name), "%s", cs[i].name);
		for (k = 0; k < 3 && strcmp(snd_kinds[k], cs[i].kind) != 0; k++)
			;
		s->kind = snd_kinds[k];
		snprintf(s->addr, sizeof(s->addr), "%s", cs[i].addr);
		s->hash = name_hash(s->name, strlen(s->name));
		s->records = cs[i].records;
		s->msgs = cs[i].msgs;
		s->bad = cs[i].bad;
		s->noschema = cs[i].noschema;
		s->lost = cs[i].lost;
		s->repeated = cs[i].repeated;
		s->reordered = cs[i].reordered;
		s->dup = cs[i].dup;
		s->gaps = cs[i].gaps;
		s->gapbytes = cs[i].gapbytes;
		s->last = cs[i].last;
		s->at = ++co->clock;
		s->feed.name = s->name;
		s->feed.snd = s;
		for (j = 0; j < cs[i].nses && j < MAXSESSIONS; j++) {
			ss = &s->ses[j];
			ss->used = 1;
			ss->id = cs[i].ses[j].id;
			ss->msgs = cs[i].ses[j].msgs;
			ss->taken = cs[i].ses[j].taken;
			ss->at = co->clock;
			wire_seq_reset(&ss->seq, skey != NULL);
		}
		if (*snd_slot(co, s->name, strlen(s->name), s->hash) != 0)
			continue;	/* a name twice: cannot be, ckpt refuses */
		*snd_slot(co, s->name, strlen(s->name), s->hash) =
		    (uint32_t)co->nsnd + 1;
		co->nsnd++;
	}
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
		co->dgrams = c.dgrams;
		co->denied = c.denied;
		co->malformed = c.malformed;
		co->refused = c.refused;
		co->started = c.started;
		co->site_alerts = c.site_alerts;
		memcpy(co->since, c.since, sizeof(co->since));
		co->act = c.act;
		co->nact = co->actcap = c.nact;
		co->ev = c.ev;
		co->nev = co->evcap = c.nev;
		ck_senders(co, c.snd, c.nsnd);
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
	struct ckpt_sender *cs;
	struct sender *s;
	uint64_t m = ck_mark(co);
	int i, j, k, rv;

	if (m == co->ck_saved) {
		ck_acks(co);	/* what was taken is in the file */
		return 0;
	}
	ck_opts(&o);
	memset(&c, 0, sizeof(c));
	c.lines = co->lines;
	c.bad = co->bad;
	c.dgrams = co->dgrams;
	c.denied = co->denied;
	c.malformed = co->malformed;
	c.refused = co->refused;
	c.started = co->started;
	c.site_alerts = co->site_alerts;
	memcpy(c.since, co->since, sizeof(co->since));
	c.act = co->act;
	c.nact = co->nact;
	c.ev = co->ev;
	c.nev = co->nev;
	c.org = co->org;
	if (co->nsnd > 0 && (c.snd = calloc((size_t)co->nsnd,
	    sizeof(*c.snd))) == NULL)
		err(1, NULL);
	for (i = 0; i < co->nsnd; i++) {
		if (!(s = &co->snd[i])->used)
			continue;
		cs = &c.snd[c.nsnd++];
		snprintf(cs->name, sizeof(cs->name), "%s", s->name);
		snprintf(cs->kind, sizeof(cs->kind), "%s", s->kind);
		snprintf(cs->addr, sizeof(cs->addr), "%s", s->addr);
		cs->records = s->records;
		cs->msgs = s->msgs;
		cs->bad = s->bad;
		cs->noschema = s->noschema;
		cs->lost = s->lost;
		cs->repeated = s->repeated;
		cs->reordered = s->reordered;
		cs->dup = s->dup;
		cs->gaps = s->gaps;
		cs->gapbytes = s->gapbytes;
		cs->last = s->last;
		for (j = k = 0; j < MAXSESSIONS; j++)
			if (s->ses[j].used) {
				cs->ses[k].id = s->ses[j].id;
				cs->ses[k].msgs = s->ses[j].msgs;
				cs->ses[k++].taken = s->ses[j].taken;
			}
		cs->nses = k;
	}
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
	ck_acks(co);
	return 0;
}

/*
 * --state: the state is in the file; each omph stream is acknowledged up
 * to what it had taken, which is in it.  Without --state acks go as lines
 * are taken (conn_ack).
 */
static void
ck_acks(struct collect *co)
{
	struct conn *c;
	size_t j;

	if (!co->ck_unacked)
		return;
	co->ck_unacked = 0;
	co->ck_bytes = 0;
	for (j = 0; j < co->ct.n; j++) {
		c = (struct conn *)co->ct.ent[j];
		if (c->ent.dead)
			continue;
		c->durable = c->off;
		conn_ack(c);
	}
}

/* --- the network: senders, UDP, TCP, syslog, viewers --- */

static int
allowed(const struct sockaddr *sa)
{
	int i;

	if (opt_nallow == 0)
		return 1;
	for (i = 0; i < opt_nallow; i++)
		if (net_cidr_match(&opt_allow[i], sa))
			return 1;
	return 0;
}

static uint32_t
name_hash(const char *p, size_t n)
{
	return wire_schema(p, n);
}

/* the table slot of a sender's name */
static uint32_t *
snd_slot(struct collect *co, const char *name, size_t len, uint32_t h)
{
	size_t i = h & (MAXSENDERS * 2 - 1);
	struct sender *s;

	while (co->sndtab[i] != 0) {
		s = &co->snd[co->sndtab[i] - 1];
		if (s->hash == h && strlen(s->name) == len &&
		    memcmp(s->name, name, len) == 0)
			break;
		i = (i + 1) & (MAXSENDERS * 2 - 1);
	}
	return &co->sndtab[i];
}

/* rebuild the name table (after an eviction) */
static void
snd_rehash(struct collect *co)
{
	int i;

	memset(co->sndtab, 0, MAXSENDERS * 2 * sizeof(*co->sndtab));
	for (i = 0; i < co->nsnd; i++)
		if (co->snd[i].used)
			*snd_slot(co, co->snd[i].name, strlen(co->snd[i].name),
			    co->snd[i].hash) = (uint32_t)i + 1;
}

/*
 * The sender called name (len bytes), created when new.  When the table is
 * full, one without a TCP connection is forgotten: the one heard from
 * longest ago of those not yet established (fewer than PROVEN messages),
 * else of the established ones silent for STALE seconds; a stranger never
 * takes the place of a sender that is established and active.  NULL when
 * none can go.
 */
static struct sender *
sender(struct collect *co, const char *name, size_t len, const char *kind,
    const struct sockaddr *from)
{
	struct sender *s, *o;
	uint32_t h, *slot;
	int64_t now = wall();
	int i, old = -1, est, oest = 0;

	if (len >= sizeof(s->name))
		len = sizeof(s->name) - 1;
	h = name_hash(name, len);
	slot = snd_slot(co, name, len, h);
	if (*slot == 0) {
		if (co->nsnd < MAXSENDERS)
			i = co->nsnd++;
		else {
			for (i = 0; i < co->nsnd; i++) {
				o = &co->snd[i];
				est = o->msgs >= PROVEN;
				if (o->conns > 0 || (est && now - o->last < STALE))
					continue;
				if (old == -1 || (oest && !est) || (oest == est &&
				    o->at < co->snd[old].at)) {
					old = i;
					oest = est;
				}
			}
			if (old == -1)
				return NULL;
			i = old;
		}
		s = &co->snd[i];
		memset(s, 0, sizeof(*s));
		s->used = 1;
		memcpy(s->name, name, len);
		s->name[len] = '\0';
		s->hash = h;
		s->kind = kind;
		s->feed.name = s->name;
		s->feed.snd = s;
		if (old >= 0)
			snd_rehash(co);
		else
			*slot = (uint32_t)i + 1;
	} else
		s = &co->snd[*slot - 1];
	s->last = now;
	s->at = ++co->clock;
	if (from != NULL)
		net_ntop(from, s->addr, sizeof(s->addr));
	return s;
}

/* the sender of a datagram or connection without a name: its address */
static struct sender *
sender_at(struct collect *co, const struct sockaddr *from, const char *kind)
{
	char a[64], *colon;

	net_ntop(from, a, sizeof(a));
	if ((colon = strrchr(a, ':')) != NULL)
		*colon = '\0';	/* the host: ports change */
	return sender(co, a, strlen(a), kind, from);
}

/* session id of sender s, if it is remembered */
static struct session *
session_find(struct sender *s, uint32_t id)
{
	int i;

	for (i = 0; i < MAXSESSIONS; i++)
		if (s->ses[i].used && s->ses[i].id == id)
			return &s->ses[i];
	return NULL;
}

/*
 * Session id of sender s, new when it is not remembered: in a free place,
 * else in that of the session heard from longest ago of those with fewer
 * than PROVEN messages, else of all.  So a stranger's datagrams under a
 * sender's name (without --secret) start sessions of their own, that push
 * out each other, never the sender's own; and a new run of omph-send has
 * its place at once.  A session forgotten keeps its counts in the sender's.
 */
static struct session *
session_of(struct collect *co, struct sender *s, uint32_t id)
{
	struct session *ss, *o;
	int i;

	if ((ss = session_find(s, id)) == NULL) {
		for (i = 0; i < MAXSESSIONS; i++) {
			o = &s->ses[i];
			if (!o->used) {
				ss = o;
				break;
			}
			if (ss == NULL || (o->msgs < PROVEN) > (ss->msgs < PROVEN) ||
			    ((o->msgs < PROVEN) == (ss->msgs < PROVEN) &&
			    o->at < ss->at))
				ss = o;
		}
		memset(ss, 0, sizeof(*ss));
		ss->used = 1;
		ss->id = id;
		wire_seq_reset(&ss->seq, skey != NULL);
	}
	ss->at = co->clock;
	return ss;
}

/* sequence number seq of session ss; 1 when it is a repeat, to drop */
static int
session_seq(struct sender *s, struct session *ss, uint64_t seq)
{
	int r = wire_seq_add(&ss->seq, seq);

	/* differences: lost goes down when a late one comes */
	s->lost += ss->seq.lost - ss->lost;
	s->repeated += ss->seq.repeated - ss->repeated;
	s->reordered += ss->seq.reordered - ss->reordered;
	ss->lost = ss->seq.lost;
	ss->repeated = ss->seq.repeated;
	ss->reordered = ss->seq.reordered;
	return r;
}

static struct cols *
schema_find(struct session *ss, uint32_t h)
{
	int i;

	for (i = 0; i < ss->nsch; i++)
		if (ss->sch[i].hash == h)
			return &ss->sch[i].c;
	return NULL;
}

/*
 * Header text p (len, with its '#') announced as SCHEMA h: first in the
 * list, which keeps the MAXSCHEMAS announced most recently.  -1 (nothing
 * kept) when it names no columns.
 */
static int
schema_put(struct session *ss, uint32_t h, char *p, size_t len)
{
	struct cols c;
	int i;

	if (header(&c, p + 1, len - 1) == -1)
		return -1;
	for (i = 0; i < ss->nsch && ss->sch[i].hash != h; i++)
		;
	if (i == ss->nsch && ss->nsch < MAXSCHEMAS)
		ss->nsch++;
	if (i == MAXSCHEMAS)
		i--;	/* the oldest goes */
	memmove(ss->sch + 1, ss->sch, (size_t)i * sizeof(*ss->sch));
	ss->sch[0].hash = h;
	ss->sch[0].c = c;
	return 0;
}

/* the lines of p (n bytes, the last LF optional) into feed fd */
static void
lines(struct collect *co, struct feed *fd, char *p, size_t n)
{
	char *e = p + n, *nl;

	while (p < e) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		line(co, fd, p, (size_t)(nl - p));
		p = nl + 1;
	}
}

/* records under a SCHEMA of a session: its header first when it comes */
static void
schema_lines(struct collect *co, struct sender *s, struct session *ss,
    uint32_t h, char *p, size_t n, uint64_t lineno)
{
	struct feed fd;
	struct cols *c;
	char *nl, *e = p + n;

	memset(&fd, 0, sizeof(fd));
	fd.name = s->name;
	fd.lineno = lineno;
	fd.snd = s;
	if (n > 0 && p[0] == '#') {
		if ((nl = memchr(p, '\n', n)) == NULL)
			nl = e;
		if (wire_schema(p, (size_t)(nl - p)) != h) {
			co->malformed++;
			return;
		}
		if (schema_put(ss, h, p, (size_t)(nl - p)) == -1)
			bad(co, &fd, NOT_HEADER);
		p = nl < e ? nl + 1 : e;
	}
	if (p == e)
		return;
	if ((c = schema_find(ss, h)) == NULL) {
		/* its header was lost: never read under another */
		for (; p < e; p++)
			if (*p == '\n')
				s->noschema++;
		if (e[-1] != '\n')
			s->noschema++;
		return;
	}
	fd.c = *c;
	lines(co, &fd, p, (size_t)(e - p));
}

/* one syslog message (a datagram or a TCP frame) */
static void
syslog_msg(struct collect *co, char *p, size_t n, const struct sockaddr *from)
{
	struct wire_syslog m;
	struct sender *s;
	struct session *ss;
	char name[WIRE_IDMAX + 80];
	uint32_t session, h;
	int k;

	if (wire_parse_syslog(p, n, &m) == -1) {
		co->malformed++;
		return;
	}
	if (m.applen == 4 && memcmp(m.app, "omph", 4) == 0)
		k = snprintf(name, sizeof(name), "%.*s", (int)(m.hostlen > 200 ?
		    200 : m.hostlen), m.host);
	else
		k = snprintf(name, sizeof(name), "%.*s/%.*s", (int)(m.hostlen >
		    100 ? 100 : m.hostlen), m.host, (int)(m.applen > 48 ? 48 :
		    m.applen), m.app);
	if ((s = sender(co, name, (size_t)k, "syslog", from)) == NULL) {
		co->refused++;
		return;
	}
	s->msgs++;
	if (m.applen == 4 && memcmp(m.app, "omph", 4) == 0 &&
	    m.procidlen == 17 && m.procid[8] == '.' &&
	    sscanf(m.procid, "%8" SCNx32 ".%8" SCNx32, &session, &h) == 2) {
		/* ours: the header by its SCHEMA, never another */
		ss = session_of(co, s, session);
		ss->msgs++;
		schema_lines(co, s, ss, h, m.msg, m.msglen, s->msgs);
		return;
	}
	/* anyone else's: headers and records in the order they come */
	s->feed.lineno = s->msgs - 1;
	line(co, &s->feed, m.msg, m.msglen);
}

/* 1 when a tagged TIME is within WIRE_FRESH seconds of our clock */
static int
fresh(int64_t t)
{
	int64_t now = wall();

	return t >= now - WIRE_FRESH && t <= now + WIRE_FRESH;
}

/*
 * One datagram; text: its listener takes plain text.  With --secret only
 * a datagram of omph-send with a valid tag and a fresh TIME is read, the
 * others are denied.
 */
static void
datagram(struct collect *co, char *p, size_t n, const struct sockaddr *from,
    int text)
{
	struct wire_dgram d;
	struct sender *s;
	struct session *ss;

	co->dgrams++;
	if (!allowed(from)) {
		co->denied++;
		return;
	}
	if (n >= WIRE_MAGICLEN && memcmp(p, WIRE_MAGIC, WIRE_MAGICLEN) == 0) {
		/* whole lines, exactly LEN bytes of them */
		if (wire_parse_dgram(p, n, &d) == -1 || (d.bodylen > 0 &&
		    d.body[d.bodylen - 1] != '\n')) {
			co->malformed++;
			return;
		}
		if (skey != NULL && (!wire_dgram_ok(p, &d, skey) ||
		    !fresh(d.time))) {
			co->denied++;
			return;
		}
		if ((s = sender(co, d.id, d.idlen, "udp", from)) == NULL) {
			co->refused++;
			return;
		}
		ss = session_of(co, s, d.session);
		ss->msgs++;
		s->msgs++;
		if (session_seq(s, ss, d.seq))
			return;	/* seen before: counted once */
		schema_lines(co, s, ss, d.schema, d.body, d.bodylen, d.seq);
		return;
	}
	if (n >= WIRE_MAGICLEN && memcmp(p, WIRE_OLDMAGIC, WIRE_MAGICLEN) == 0) {
		co->malformed++;	/* version 1: no length to check */
		return;
	}
	if (skey != NULL) {
		co->denied++;	/* no tag */
		return;
	}
	if (n > 0 && p[0] == '<') {
		syslog_msg(co, p, n, from);
		return;
	}
	if (!text) {
		co->malformed++;	/* not asked for: not taken as lines */
		return;
	}
	/* plain text: lines under the headers this address sent */
	if ((s = sender_at(co, from, "text")) == NULL) {
		co->refused++;
		return;
	}
	s->msgs++;
	lines(co, &s->feed, p, n);
}

/* 1 when listening descriptor fd takes plain text ("+text") */
static int
listener_text(const struct collect *co, int fd)
{
	int i;

	for (i = 0; i < co->nlis && i < opt_nlisten; i++)
		if (co->lis[i].fd == fd)
			return opt_text[i];
	return 0;
}

/* read what a UDP socket has, a few batches at a time */
static void
udp_read(struct collect *co, int fd)
{
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	int i, k, turn, text = listener_text(co, fd);

	for (turn = 0; turn < UDP_TURNS; turn++) {
		for (i = 0; i < UDP_BATCH; i++) {
			iov[i].iov_base = co->udpbuf + (size_t)i * 65536;
			iov[i].iov_len = 65535;
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_name = &from[i];
			mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		if ((k = recvmmsg(fd, mm, UDP_BATCH, MSG_DONTWAIT, NULL)) <= 0)
			return;
		for (i = 0; i < k; i++) {
			if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
				co->dgrams++;
				co->malformed++;
				continue;
			}
			datagram(co, co->udpbuf + (size_t)i * 65536, mm[i].msg_len,
			    (struct sockaddr *)&from[i], text);
		}
		if (k < UDP_BATCH)
			return;
	}
}

/*
 * Close c: its descriptor and buffer go at once, and it leaves the counts of
 * co->ct; the struct itself goes at the sweep that ends net_events.
 */
static void
conn_drop(struct collect *co, struct conn *c)
{
	if (c->ent.dead)
		return;
	if (c->snd != NULL)
		c->snd->conns--;
	c->snd = NULL;
	close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->cap = c->start = c->end = 0;
	conn_del(&co->ct, &c->ent);
}

/*
 * Tell an omph sender what we took (whole lines up to off), with --state
 * only what a checkpoint on disk holds (durable).
 */
static void
conn_ack(struct conn *c)
{
	char a[64];
	size_t n;
	uint64_t to = opt_state != NULL ? c->durable : c->off;

	if (c->kind != C_OMPH || c->stage != 2 || c->acked == to)
		return;
	n = wire_put_ack(a, to, c->htag, c->framed ? skey : NULL);
	/* a full socket skips this one: the next carries a later offset */
	if (write(c->fd, a, n) == (ssize_t)n)
		c->acked = to;
}

/*
 * One line of an omph stream (len bytes, eol: 1 when its LF is there),
 * starting at offset c->off.  A record its session's streams had before
 * (a resend after a reconnection, a replay) is not read twice.
 */
static void
stream_line(struct collect *co, struct conn *c, char *p, size_t len,
    size_t eol)
{
	struct session *ss;

	c->off += len + eol;
	c->snd->msgs++;
	co->ck_unacked = 1;
	co->ck_bytes += len + eol;
	if ((ss = session_find(c->snd, c->session)) != NULL) {
		if (c->off <= ss->taken && len > 0 && p[0] != '#') {
			c->feed.lineno++;
			co->skipped++;
			return;
		}
		if (c->off > ss->taken)
			ss->taken = c->off;
	}
	line(co, &c->feed, p, len);
}

/*
 * The hello line (stage 0) and the header line (stage 1, p: len bytes) of
 * an omph stream: its sender and session.  With --secret the two must
 * carry the hello's tag and a fresh TIME.  0, or -1 to close (counted).
 */
static int
conn_hello(struct collect *co, struct conn *c, char *p, size_t len)
{
	struct wire_hello h;
	struct sockaddr_storage ss;
	struct session *se;
	socklen_t sl = sizeof(ss);

	if (c->stage == 0) {
		if (wire_parse_hello(p, len, &h) == -1 ||
		    len >= sizeof(c->hello)) {
			co->malformed++;
			return -1;
		}
		if (skey != NULL && !h.tagged) {
			co->denied++;
			return -1;
		}
		memcpy(c->hello, p, len);
		c->hellolen = len;
		c->framed = h.tagged;
		c->stage = 1;
		return 0;
	}
	wire_parse_hello(c->hello, c->hellolen, &h);
	if (skey != NULL && (!wire_hello_ok(c->hello, &h, p, len, skey) ||
	    !fresh(h.time))) {
		co->denied++;
		return -1;
	}
	memset(&ss, 0, sizeof(ss));
	getpeername(c->fd, (struct sockaddr *)&ss, &sl);
	if ((c->snd = sender(co, h.id, h.idlen, "tcp",
	    (struct sockaddr *)&ss)) == NULL) {
		co->refused++;
		return -1;
	}
	c->snd->conns++;
	se = session_of(co, c->snd, h.session);
	se->msgs++;
	c->session = h.session;
	c->htag = h.tag;
	c->feed.name = c->snd->name;
	c->feed.snd = c->snd;
	c->off = c->acked = c->durable = h.offset;
	/* the header in force at the offset, or an empty line */
	if (len > 0 && p[0] == '#' && header(&c->feed.c, p + 1, len - 1) == -1)
		bad(co, &c->feed, NOT_HEADER);
	c->stage = 2;
	return 0;
}

/*
 * A frame of a tagged stream at p: "LEN<TAB>TAG<LF>" and LEN bytes of whole
 * lines.  Returns 1 when one was read, 0 when more must come, -1 to close
 * (counted: malformed, or denied for a tag not ours).
 */
static int
conn_frame(struct collect *co, struct conn *c, char *p, char *e, int at_eof)
{
	char *nl, *q, *r;
	size_t flen;
	uint64_t ftag;

	if ((nl = memchr(p, '\n', (size_t)(e - p) < WIRE_FRAMEHEAD ?
	    (size_t)(e - p) : WIRE_FRAMEHEAD)) == NULL) {
		if ((size_t)(e - p) < WIRE_FRAMEHEAD && !at_eof)
			return 0;
		co->malformed++;
		return -1;
	}
	if (wire_parse_frame(p, (size_t)(nl - p), &flen, &ftag) == -1 ||
	    flen > CONN_MAXLINE + 1) {
		co->malformed++;
		return -1;
	}
	q = nl + 1;
	if ((size_t)(e - q) < flen) {
		if (!at_eof)
			return 0;
		co->malformed++;
		return -1;
	}
	if (q[flen - 1] != '\n') {
		co->malformed++;
		return -1;
	}
	if (skey != NULL && wire_frame_tag(c->htag, c->off, q, flen, skey) !=
	    ftag) {
		co->denied++;
		return -1;
	}
	c->start = (size_t)(q + flen - c->buf);
	for (r = q; r < q + flen; r = nl + 1) {
		nl = memchr(r, '\n', (size_t)(q + flen - r));
		stream_line(co, c, r, (size_t)(nl - r), 1);
	}
	return 1;
}

/*
 * The frames in c's buffer: returns 0, -1 when the connection is to be
 * closed (not ours, malformed, denied).  at_eof: the rest is a last frame.
 */
static int
conn_frames(struct collect *co, struct conn *c, int at_eof)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char *p, *e, *nl, *sp;
	size_t len, have;
	unsigned long flen;
	int r;

	for (;;) {
		p = c->buf + c->start;
		e = c->buf + c->end;
		if (p == e)
			return 0;
		if (c->kind == C_NEW) {
			have = (size_t)(e - p);
			if (have < WIRE_MAGICLEN && !at_eof &&
			    (memcmp(p, WIRE_MAGIC, have) == 0 ||
			    memcmp(p, WIRE_OLDMAGIC, have) == 0))
				return 0;	/* wait for more */
			if (have >= WIRE_MAGICLEN &&
			    memcmp(p, WIRE_MAGIC, WIRE_MAGICLEN) == 0)
				c->kind = C_OMPH;
			else if (have >= WIRE_MAGICLEN &&
			    memcmp(p, WIRE_OLDMAGIC, WIRE_MAGICLEN) == 0) {
				co->malformed++;	/* version 1 */
				return -1;
			} else if (skey != NULL) {
				co->denied++;	/* nothing else carries a tag */
				return -1;
			} else if (*p >= '1' && *p <= '9')
				c->kind = C_OCTET;
			else if (*p == '<')
				c->kind = C_LF;
			else if (!c->text) {
				co->malformed++;	/* plain text not asked for */
				return -1;
			} else {
				c->kind = C_TEXT;
				memset(&ss, 0, sizeof(ss));
				getpeername(c->fd, (struct sockaddr *)&ss, &sl);
				if ((c->snd = sender_at(co, (struct sockaddr *)&ss,
				    "text")) == NULL) {
					co->refused++;
					return -1;
				}
				c->snd->conns++;
				c->feed.name = c->snd->name;
				c->feed.snd = c->snd;
			}
		}
		if (c->kind == C_OMPH && c->stage == 2 && c->framed &&
		    !c->skipping) {
			if ((r = conn_frame(co, c, p, e, at_eof)) <= 0)
				return r;
			continue;
		}
		if (c->kind == C_OCTET) {
			/* "LEN MSG" */
			for (flen = 0, sp = p; sp < e && sp - p < 10 &&
			    *sp >= '0' && *sp <= '9'; sp++)
				flen = flen * 10 + (unsigned long)(*sp - '0');
			if (sp == e && e - p < 10 && !at_eof)
				return 0;
			if (sp == p || sp == e || *sp != ' ' || flen == 0 ||
			    flen > CONN_MAXLINE) {
				co->malformed++;
				return -1;
			}
			if ((size_t)(e - sp - 1) < flen) {
				if (at_eof) {
					co->malformed++;
					return -1;
				}
				return 0;
			}
			memset(&ss, 0, sizeof(ss));
			getpeername(c->fd, (struct sockaddr *)&ss, &sl);
			syslog_msg(co, sp + 1, flen, (struct sockaddr *)&ss);
			c->start = (size_t)(sp + 1 + flen - c->buf);
			continue;
		}
		/* line-framed kinds */
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL) {
			if (!at_eof)
				return 0;
			nl = e;
		}
		len = (size_t)(nl - p);
		c->start = (size_t)(nl - c->buf) + (nl < e);
		if (c->skipping) {
			c->skipping = 0;	/* the end of a line too long */
			c->off += len + (nl < e);
			continue;
		}
		if (c->kind == C_LF) {
			memset(&ss, 0, sizeof(ss));
			getpeername(c->fd, (struct sockaddr *)&ss, &sl);
			syslog_msg(co, p, len, (struct sockaddr *)&ss);
		} else if (c->kind == C_TEXT) {
			c->snd->msgs++;
			line(co, &c->feed, p, len);
		}
		else if (c->stage < 2) {
			if (conn_hello(co, c, p, len) == -1)
				return -1;
		} else
			stream_line(co, c, p, len, nl < e);
	}
}

/*
 * Room in c's buffer for a read: the bytes not taken yet moved to the
 * front, and the buffer grown (to CONN_BUFMAX at most) while the budget of
 * --max-buffer lets it, shedding the connections that hold the most.  -1
 * when c itself is to go.
 */
static int
conn_space(struct collect *co, struct conn *c)
{
	struct conn_ent *v;
	size_t want;
	char *p;

	if (c->start > 0) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
	}
	if (c->cap - c->end >= CONN_READ / 4 || c->cap == CONN_BUFMAX)
		return 0;
	want = c->end + CONN_READ > c->cap * 2 ? c->end + CONN_READ : c->cap * 2;
	if (want > CONN_BUFMAX)
		want = CONN_BUFMAX;
	while ((v = conn_room(&co->ct, &c->ent, want - c->cap)) != NULL) {
		co->shed++;
		if (v == &c->ent)
			return -1;
		conn_drop(co, (struct conn *)v);
	}
	if ((p = realloc(c->buf, want)) == NULL) {
		co->shed++;
		return -1;
	}
	c->buf = p;
	c->cap = want;
	conn_held(&co->ct, &c->ent, want);
	return 0;
}

/* after reading: c keeps only the memory its bytes not taken yet need */
static void
conn_shrink(struct collect *co, struct conn *c)
{
	size_t n = c->end - c->start, want;
	char *p;

	if (n == 0) {
		free(c->buf);
		c->buf = NULL;
		c->cap = c->start = c->end = 0;
	} else if (c->cap - n > CONN_READ) {
		memmove(c->buf, c->buf + c->start, n);
		c->start = 0;
		c->end = n;
		want = (n + 4095) & ~(size_t)4095;
		if ((p = realloc(c->buf, want)) == NULL)
			return;
		c->buf = p;
		c->cap = want;
	} else
		return;
	conn_held(&co->ct, &c->ent, c->cap);
}

/*
 * Read a connection; -1 when it is to be closed.  The buffer is there only
 * while bytes wait in it (a line not whole yet), under the budget.  The
 * connection is established once a first whole line or frame was taken.
 */
static int
conn_read(struct collect *co, struct conn *c)
{
	ssize_t r;
	int turn;

	for (turn = 0; turn < CONN_TURNS; turn++) {
		if (conn_space(co, c) == -1)
			return -1;
		if (c->end == c->cap) {
			if (c->kind == C_OCTET || c->kind == C_NEW) {
				co->malformed++;
				return -1;
			}
			/* a line longer than the buffer: counted, skipped */
			c->feed.lineno++;
			bad(co, &c->feed, "line longer than 1 MiB");
			c->off += c->end;
			c->start = c->end = 0;
			c->skipping = 1;
		}
		r = read(c->fd, c->buf + c->end, c->cap - c->end);
		if (r == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return -1;
		}
		if (r == 0) {
			conn_frames(co, c, 1);
			conn_ack(c);
			return -1;
		}
		conn_heard(&c->ent, tm_mono());
		c->end += (size_t)r;
		co->tcp_in += (uint64_t)r;
		if (conn_frames(co, c, 0) == -1)
			return -1;
		if (c->start > 0)
			conn_est(&c->ent);
		if ((size_t)r < CONN_READ / 4)
			break;	/* probably all there is; let others in */
	}
	conn_ack(c);
	conn_shrink(co, c);
	return 0;
}

/*
 * Take the connections waiting on lfd, as --allow, --max-conns and
 * --max-conns-per-addr let (see lib/conn.h): each may shed one not yet
 * established, or be refused.
 */
static void
accept_conn(struct collect *co, int lfd)
{
	struct sockaddr_storage ss;
	struct conn_ent *v;
	struct conn *c;
	double now = tm_mono();
	int fd, turn;

	for (turn = 0; turn < ACCEPT_TURNS; turn++) {
		if ((fd = conn_accept(&co->ct, lfd, &ss, now)) == -1)
			return;
		if (!allowed((struct sockaddr *)&ss)) {
			co->denied++;
			close(fd);
			conn_spare(&co->ct);
			continue;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			co->refused++;
			close(fd);
			conn_spare(&co->ct);
			continue;
		}
		c->fd = fd;
		c->pi = -1;
		conn_ent_init(&c->ent, (struct sockaddr *)&ss, now);
		while ((v = conn_admit(&co->ct, &c->ent)) != NULL &&
		    v != &c->ent) {
			conn_drop(co, (struct conn *)v);
			co->shed++;
		}
		if (v != NULL) {
			co->refused++;
			close(fd);
			free(c);
			conn_spare(&co->ct);
			continue;
		}
		c->text = listener_text(co, lfd);
		net_ntop((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
		c->feed.name = c->peer;
	}
}

static void
accept_viewer(struct collect *co, int lfd)
{
	struct sockaddr_storage ss;
	int fd;

	if ((fd = conn_accept(&co->ct, lfd, &ss, tm_mono())) == -1)
		return;
	/* (out of descriptors: a viewer does not shed a connection) */
	if (!allowed((struct sockaddr *)&ss) || co->ct.fdshort ||
	    serve_add(&co->vw, fd) == -1) {
		if (!allowed((struct sockaddr *)&ss))
			co->denied++;
		else
			co->refused++;
		close(fd);
		conn_spare(&co->ct);
	}
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
		serve_send(&co->vw, co->snap->mem, co->snap->memlen);
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

/* a size for messages: "4 MiB", "208 KiB", "1000 bytes" */
static const char *
size_str(long n, char *buf, size_t len)
{
	if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
		snprintf(buf, len, "%ld MiB", n / (1024 * 1024));
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, len, "%ld KiB", n / 1024);
	else
		snprintf(buf, len, "%ld bytes", n);
	return buf;
}

static void
net_setup(struct collect *co)
{
	char errbuf[512], where[300], num[32];
	long need, have;
	int i, fd, got, tcp = opt_has_serve;

	for (i = 0; i < opt_nlisten; i++) {
		if ((fd = net_listen(&opt_listen[i], opt_listen[i].proto == NET_UDP ?
		    RCVBUF : 0, errbuf, sizeof(errbuf))) == -1)
			errx(1, "%s: %s", net_str(&opt_listen[i], where,
			    sizeof(where)), errbuf);
		co->lis[co->nlis].fd = fd;
		co->lis[co->nlis].proto = opt_listen[i].proto;
		co->lis[co->nlis++].serve = 0;
		if (opt_listen[i].proto == NET_TCP) {
			tcp = 1;
			continue;
		}
		/* the system cuts the buffer to net.core.rmem_max silently */
		if ((got = net_rcvbuf(fd)) == -1)
			continue;
		if (got < RCVBUF)
			warnx("%s: receive buffer %s, not %d MiB; raise "
			    "net.core.rmem_max (sysctl -w net.core.rmem_max=%d)",
			    net_str(&opt_listen[i], where, sizeof(where)),
			    size_str(got, num, sizeof(num)), RCVBUF / (1024 * 1024),
			    RCVBUF);
		if (co->rcvbuf == 0 || got < co->rcvbuf)
			co->rcvbuf = got;
	}
	if (opt_has_serve) {
		if ((fd = net_listen(&opt_serve, 0, errbuf, sizeof(errbuf))) == -1)
			errx(1, "--serve %s: %s", net_str(&opt_serve, where,
			    sizeof(where)), errbuf);
		co->lis[co->nlis].fd = fd;
		co->lis[co->nlis].proto = NET_TCP;
		co->lis[co->nlis++].serve = 1;
	}
	conn_init(&co->ct, &opt_lim);
	if (tcp) {
		/* a descriptor for each connection, viewer and listener */
		need = (long)opt_lim.max + SERVE_MAX + MAXLISTEN + 32;
		if ((have = conn_fdlimit(need)) != -1 && have < need)
			warnx("ulimit -n %ld is below the %ld descriptors of "
			    "--max-conns %zu: when they run out, connections are "
			    "shed or refused", have, need, opt_lim.max);
	}
	if (opt_nlisten > 0) {
		snd_alloc(co);
		if ((co->udpbuf = malloc((size_t)UDP_BATCH * 65536)) == NULL)
			err(1, NULL);
	}
}

/* the sender table, empty, if it is not there yet */
static void
snd_alloc(struct collect *co)
{
	if (co->snd != NULL)
		return;
	if ((co->snd = calloc(MAXSENDERS, sizeof(*co->snd))) == NULL ||
	    (co->sndtab = calloc(MAXSENDERS * 2, sizeof(*co->sndtab))) == NULL)
		err(1, NULL);
}

/*
 * The descriptors to wait on, in the order net_events reads them, and in
 * *ms the wait shortened to the next connection timeout.
 */
static int
net_pollfds(struct collect *co, struct pollfd *p, int *ms)
{
	struct conn *c;
	double now = tm_mono(), until, d;
	size_t j;
	int i, n = 0, paused, t;

	paused = conn_paused(&co->ct, now, &until);
	for (i = 0; i < co->nlis; i++) {
		p[n].fd = co->lis[i].fd;
		/* out of descriptors: a readable listener would spin */
		p[n++].events = paused && co->lis[i].proto == NET_TCP ? 0 :
		    POLLIN;
	}
	for (j = 0; j < co->ct.n; j++) {
		c = (struct conn *)co->ct.ent[j];
		c->pi = -1;
		if (c->ent.dead)
			continue;
		c->pi = n;
		p[n].fd = c->fd;
		p[n++].events = POLLIN;
	}
	co->vwk = n;
	n += co->nvw = serve_fill(&co->vw, p + n);
	d = conn_deadline(&co->ct);
	if (paused && (d == 0 || until < d))
		d = until;
	if (d > 0) {
		t = d <= now ? 0 : d - now > 86400 ? 86400000 :
		    (int)((d - now) * 1000) + 1;
		if (*ms < 0 || t < *ms)
			*ms = t;
	}
	return n;
}

static void
net_events(struct collect *co, struct pollfd *p, int n)
{
	struct conn_ent *e;
	struct conn *c;
	size_t j;
	int i, k = 0;

	(void)n;
	for (i = 0; i < co->nlis; i++, k++) {
		if (!(p[k].revents & POLLIN))
			continue;
		if (co->lis[i].proto == NET_UDP)
			udp_read(co, co->lis[i].fd);
		else if (co->lis[i].serve)
			accept_viewer(co, co->lis[i].fd);
		else
			accept_conn(co, co->lis[i].fd);
	}
	/* the connections polled (not those new, nor those shed since) */
	for (j = 0; j < co->ct.n; j++) {
		c = (struct conn *)co->ct.ent[j];
		if (!c->ent.dead && c->pi >= 0 && p[c->pi].revents &&
		    conn_read(co, c) == -1)
			conn_drop(co, c);
	}
	/* --handshake-timeout, --idle-timeout */
	for (j = 0; (e = conn_expired(&co->ct, tm_mono(), &j)) != NULL;) {
		conn_drop(co, (struct conn *)e);
		co->timedout++;
	}
	while ((e = conn_sweep(&co->ct)) != NULL)
		free(e);
	serve_events(&co->vw, p + co->vwk, co->nvw);
}

static void
net_close(struct collect *co)
{
	struct conn_ent *e;
	size_t j;
	int i;

	for (j = 0; j < co->ct.n; j++)
		if (!co->ct.ent[j]->dead) {
			conn_ack((struct conn *)co->ct.ent[j]);
			conn_drop(co, (struct conn *)co->ct.ent[j]);
		}
	while ((e = conn_sweep(&co->ct)) != NULL)
		free(e);
	conn_fini(&co->ct);
	serve_close(&co->vw);
	for (i = 0; i < co->nlis; i++)
		close(co->lis[i].fd);
	free(co->snd);
	free(co->sndtab);
	free(co->udpbuf);
}

/* a number from the command line, or a usage error */
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

/* --- --push: snapshots as metrics into OpenTSDB or InfluxDB (lib/push.h) --- */

static void
push_setup(struct collect *co)
{
	char errbuf[512];
	int i;

	for (i = 0; i < opt_npush; i++) {
		if ((co->push[i] = push_new(opt_push[i], errbuf,
		    sizeof(errbuf))) == NULL)
			errx(errno == ENOMEM ? 1 : 2, "--push: %s", errbuf);
		co->pushpfd[i] = -1;
	}
	co->npush = opt_npush;
}

/* fill the pollfds from pfd on, lower *ms to the nearest timer: how many */
static int
push_pollfds(struct collect *co, struct pollfd *pfd, int *ms)
{
	int i, n = 0, w;

	for (i = 0; i < co->npush; i++) {
		co->pushpfd[i] = push_fill(co->push[i], pfd + n) ? n++ : -1;
		w = push_timeout(co->push[i]);
		if (w >= 0 && (*ms < 0 || w < *ms))
			*ms = w;
	}
	return n;
}

/* once the server caught up again: what an outage cost, told once */
static void
push_tell(struct collect *co, int i, int final)
{
	uint64_t n = push_told(co->push[i], final);

	if (n > 0)
		warnx("--push %s: %llu lines dropped while the server was away",
		    opt_push[i], (unsigned long long)n);
}

/* after the poll: the n pollfds push_pollfds filled from pfd on */
static void
push_events(struct collect *co, const struct pollfd *pfd, int n)
{
	int i, k;

	for (i = 0; i < co->npush; i++) {
		k = co->pushpfd[i];
		push_event(co->push[i], k >= 0 && k < n ? pfd[k].revents : 0);
		push_tell(co, i, 0);
	}
}

/* the snapshot of time at just made: each panel's site and top rows */
static void
push_snapshot(struct collect *co, int64_t at)
{
	const struct panel *pn;
	const struct agg_key *k;
	double sp = span(co), v[M_N];
	int i, p, m, present[M_N];
	size_t r;

	for (i = 0; i < co->npush; i++)
		for (p = 0; p < co->npan; p++) {
			pn = &co->pan[p];
			for (r = 0; r <= pn->nsorted; r++) {
				k = r == 0 ? &pn->a.total : pn->sorted[r - 1];
				for (m = 0; m < M_N; m++)
					v[m] = alert_value(k, m, sp, &present[m]);
				if (push_row(co->push[i], at, pn->opt->name,
				    (const char *const *)opt_keys + pn->opt->k0,
				    pn->opt->nk, r == 0 ? NULL : k->key,
				    r == 0 ? 0 : k->len, v, present) == -1)
					err(1, NULL);
			}
		}
}

/* the end: PUSH_DRAIN seconds at most to send what waits, then tell */
static void
push_close(struct collect *co)
{
	struct pollfd pfd[MAXPUSH];
	double end = tm_mono() + PUSH_DRAIN, t;
	int i, n, ms, idle;

	for (;;) {
		for (i = 0, idle = 1; i < co->npush; i++)
			idle &= push_idle(co->push[i]);
		if (idle || (t = tm_mono()) >= end)
			break;
		ms = (int)((end - t) * 1000) + 1;
		n = push_pollfds(co, pfd, &ms);
		if (poll(pfd, (nfds_t)n, ms) == -1 && errno != EINTR)
			break;
		push_events(co, pfd, n);
	}
	for (i = 0; i < co->npush; i++) {
		push_tell(co, i, 1);
		push_free(co->push[i]);
	}
	co->npush = 0;
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
	if (opt_nlisten > 0) {
		counter(o, "omph_datagrams_total", "Datagrams received.",
		    co->dgrams);
		counter(o, "omph_denied_total", "Datagrams and connections "
		    "denied by --allow or --secret.", co->denied);
		counter(o, "omph_malformed_total", "Datagrams and frames not "
		    "well formed.", co->malformed);
		counter(o, "omph_refused_total", "Messages of new senders "
		    "refused: the sender table was full.", co->refused);
		counter(o, "omph_shed_total", "TCP connections closed to make "
		    "room.", co->shed);
		counter(o, "omph_timedout_total", "TCP connections closed for "
		    "silence.", co->timedout);
		prom_family(o, "omph_connections", "gauge", "TCP connections "
		    "open now.");
		prom_u64(o, "omph_connections", NULL, 0, co->ct.live);
		sender_metrics(co, o);
	}
	dash_stats(co->web, &hs);
	counter(o, "omph_http_requests_total", "HTTP requests served.",
	    hs.requests);
	prom_family(o, "omph_http_streams", "gauge", "Event stream clients "
	    "now.");
	prom_u64(o, "omph_http_streams", NULL, 0, hs.streams);
}

/* per sender held: records, lost, repeated, dup; labelled by its name */
static void
sender_metrics(struct collect *co, struct out *o)
{
	static const struct {
		const char *name, *help;
	} fam[] = {
		{ "omph_sender_records_total", "Records counted, per sender." },
		{ "omph_sender_lost_total", "Datagrams lost, per sender." },
		{ "omph_sender_repeated_total", "Datagrams repeated, per sender." },
		{ "omph_sender_dup_total", "Records counted before, per sender." }
	};
	struct prom_label l = { "sender", NULL, 0 };
	const struct sender *s;
	uint64_t v;
	int f, i;

	for (f = 0; f < 4; f++) {
		prom_family(o, fam[f].name, "counter", fam[f].help);
		for (i = 0; i < co->nsnd; i++) {
			s = &co->snd[i];
			v = f == 0 ? s->records : f == 1 ? s->lost : f == 2 ?
			    s->repeated : s->dup;
			l.val = s->name;
			l.vlen = strlen(s->name);
			prom_u64(o, fam[f].name, &l, 1, v);
		}
	}
}

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
	    "                    [--max-buffer bytes] [--secret file] [--state file]\n"
	    "                    [--push url]...\n";

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
	    "      --push=URL           write each snapshot's rows as metrics to opentsdb://\n"
	    "                           or influx://HOST:PORT[/DB]; repeatable\n"
	    "  -h, --help               print this help and exit\n"
	    "  -V, --version            print the version and exit\n"
	    "\n"
	    "Exit status: 0 ok, 1 failure, 2 usage, 3 an alert active at the end.\n"
	    "See omph-collect(1) and omph(7).\n", stdout);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	exit(0);
}

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
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
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
#include "intake.h"
#include "lr.h"
#include "net.h"
#include "opt.h"
#include "origin.h"
#include "prom.h"
#include "push.h"
#include "serve.h"
#include "sig.h"
#include "snap.h"
#include "tally.h"
#include "out.h"
#include "tm.h"
#include "wire.h"

#define MAXKEYF 8		/* key fields of one panel */
#define MAXPANELS TALLY_MAXPANELS
#define MAXRULES TALLY_MAXRULES
#define EXIT_ALERT 3
#define MAXLISTEN INGEST_MAXLISTEN
#define MAXALLOW 64
#define MAXCONNS INGEST_MAXCONNS	/* --max-conns at most */
#define HTTP_CONNS 256		/* --http: connections at once (lib/http) */
#define CK_ACKWAIT 0.05		/* --state: seconds lines wait for an ack */
#define CK_ACKBYTES (8 * 1024 * 1024)	/* bytes: ... or as many */
#define MAXPUSH PUSH_SETMAX	/* --push URLs */
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

struct collect {
	struct tally t;			/* the panels and alerts (lib/tally.h) */
	struct intake take;		/* lines into t (lib/intake.h) */
	struct out *out;
	struct ingest_feed in;		/* stdin */
	struct out *snap;		/* one snapshot, in memory */
	struct dash *web;		/* --http, or NULL */
	struct push_set push;		/* --push */
	int64_t push_at;		/* ... the time of the rows being pushed */
	struct ckpt_buf ck;		/* --state: the encoded checkpoint */
	uint64_t ck_saved;		/* ck_mark() of what the file holds */
	int ck_errno;			/* the last save's error, told */
	double ck_last;			/* monotonic: when the last save began */
	double ck_took;			/* seconds it took */
	int tcp_idle;			/* the last wakeup read none */
	struct ingest *ing;		/* the network (lib/ingest.h) */
	struct ingest_stats *net;	/* its counts */
};

static _Noreturn void usage(void);
static _Noreturn void usagex(const char *, ...)
    __attribute__((format(printf, 1, 2)));
static _Noreturn void help(void);
static void need(int, const char *);
static void add_panel(const char *);
static void line(struct collect *, struct ingest_feed *, char *, size_t);
static void net_note(void *, const char *);
static void net_setup(struct collect *);
static void web_setup(struct collect *);
static void push_setup(struct collect *);
static void push_snapshot(struct collect *, int64_t);
static void push_close(struct collect *);
static void metrics(struct collect *, struct out *);
static void emit(struct collect *);
static void report(struct collect *, int64_t, int);
static void put_snapshot(struct collect *, struct out *, int, int64_t, int);
static int64_t wall(void);
static void advance(struct collect *);
static void ck_load(struct collect *);
static int ck_save(struct collect *);
static int ck_tick(struct collect *, uint64_t, int);
static uint64_t ck_mark(const struct collect *);

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
	struct tally_opts topt;
	struct lr r;
	struct lr_line l;
	sigset_t orig;
	char errbuf[1024];
	const char *secret = NULL;
	double next_tick = 0, t;
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
			else
				usagex("--clock: %s is not record or arrival", optarg);
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
			if ((opt_sort = alert_metric(optarg, strlen(optarg))) < 0)
				usagex("--sort: unknown metric %s", optarg);
			break;
		case 'a':
		case 'A':
			if ((ch == 'a' ? opt_nrules : opt_ntrules) == MAXRULES)
				usagex("at most %d rules of each kind", MAXRULES);
			if (alert_parse(optarg, ch == 'a' ? &opt_rules[opt_nrules++] :
			    &opt_trules[opt_ntrules++], errbuf, sizeof(errbuf)) == -1)
				usagex("%s: %s", ch == 'a' ? "--alert" : "--alert-total",
				    errbuf);
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
			else
				usagex("-o: %s is not tsv or json", optarg);
			break;
		case 'l':
			if (opt_nlisten == MAXLISTEN)
				usagex("--listen: at most %d", MAXLISTEN);
			if (ingest_parse_listen(optarg,
			    &opt_listen[opt_nlisten], &opt_text[opt_nlisten],
			    errbuf, sizeof(errbuf)) == -1)
				usagex("--listen: %s", errbuf);
			opt_nlisten++;
			break;
		case 'L':
			if (opt_nallow == MAXALLOW)
				usagex("--allow: at most %d", MAXALLOW);
			if (net_parse_cidr(optarg, &opt_allow[opt_nallow++]) == -1)
				usagex("--allow: %s is not an address or ADDRESS/BITS",
				    optarg);
			break;
		case 's':
			if (net_parse(optarg, NET_TCP, &opt_serve, errbuf,
			    sizeof(errbuf)) == -1 || opt_serve.proto != NET_TCP)
				usagex("--serve: %s", opt_serve.proto != NET_TCP ?
				    "viewers connect over tcp" : errbuf);
			opt_has_serve = 1;
			break;
		case O_HTTP:
			if (net_parse(optarg, NET_TCP, &opt_http, errbuf,
			    sizeof(errbuf)) == -1 || opt_http.proto != NET_TCP)
				usagex("--http: %s", opt_http.proto != NET_TCP ?
				    "browsers connect over tcp" : errbuf);
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
			if (*optarg == '\0')
				usagex("--state: an empty file name");
			opt_state = optarg;
			break;
		case O_PUSH:
			if (opt_npush == MAXPUSH)
				usagex("--push: at most %d", MAXPUSH);
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
	if (optind != argc)
		usagex("%s: extra operand: records are read from stdin or "
		    "--listen", argv[optind]);
	if (opt_npan == 0)
		add_panel("path");
	if (opt_arrival && opt_window == 0)
		usagex("--clock arrival needs --window");
	for (v = 0; v < (size_t)opt_nlisten; v++)
		if (opt_text[v] && secret != NULL)
			usagex("--secret takes only tagged omph-send input: no "
			    "+text listener");
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
	topt.window = opt_window;
	topt.rules = opt_rules;
	topt.nrules = opt_nrules;
	topt.trules = opt_trules;
	topt.ntrules = opt_ntrules;
	topt.min_hits = opt_min_hits;
	topt.sort = opt_sort;
	tally_init(&co.t, &topt);
	intake_init(&co.take, &co.t, opt_keys, opt_nkeys, opt_window,
	    opt_arrival);
	co.take.note = net_note;
	for (v = 0; v < (size_t)opt_npan; v++)
		if (tally_panel(&co.t, opt_pan[v].name, (const char *const *)
		    opt_keys + opt_pan[v].k0, opt_pan[v].nk, opt_pan[v].k0,
		    opt_pan[v].top, opt_pan[v].max_keys) == -1)
			err(1, NULL);
	if ((co.out = malloc(sizeof(*co.out))) == NULL ||
	    (co.snap = malloc(sizeof(*co.snap))) == NULL ||
	    lr_init(&r, STDIN_FILENO, 1024 * 1024) == -1)
		err(1, NULL);
	out_init(co.out, STDOUT_FILENO);
	out_init_mem(co.snap);
	co.t.started = wall();
	co.in.name = "stdin";
	net_setup(&co);
	if (opt_state != NULL)
		ck_load(&co);
	/* listening, stdin is read too, unless it is a terminal */
	in_active = opt_nlisten == 0 || !isatty(STDIN_FILENO);
	/* a pipe whose reader went away shows POLLERR on our end */
	watch_out = fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode);
	/* --listen, --serve: listening now */
	if (ingest_listen(co.ing, errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s", errbuf);
	web_setup(&co);
	push_setup(&co);
	if (opt_interval > 0)
		next_tick = tm_mono() + opt_interval;
	for (;;) {
		while (in_active && lr_next(&r, &l) == 1) {
			co.in.lineno = r.lineno - 1;
			if (l.flags & LR_CUT) {
				co.in.lineno++;
				co.take.lines++;
				intake_bad(&co.take, &co.in,
				    "line longer than 1 MiB");
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
		told = co.t.events;
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
				    co.t.pan[0].a.newest, 0);
				emit(&co);
				if (out_flush(co.out) == -1)
					break;
				while (next_tick <= t)
					next_tick += opt_interval;
			}
			ms = (int)((next_tick - t) * 1000) + 1;
		}
		if (opt_state != NULL)
			ms = ck_tick(&co, told, ms);
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
		npfd += npush = push_set_fill(&co.push, pfd + npfd, &ms);
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
		push_set_events(&co.push, pfd + in_active + nnet + nweb, npush);
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
		report(&co, opt_arrival ? wall() : co.t.pan[0].a.newest, 1);
		emit(&co);
	}
	if (out_flush(co.out) == -1) {
		if (co.out->err != EPIPE)
			warnx("stdout: %s", strerror(co.out->err));
		rv = 1;
	} else if (co.take.bad > 0)
		warnx("%llu of %llu lines were not records",
		    (unsigned long long)co.take.bad,
		    (unsigned long long)co.take.lines);
	if (opt_state != NULL && ck_save(&co) == -1) {
		warnx("%s: the last checkpoint could not be saved (%s): what was "
		    "counted since the one before is not in it", opt_state,
		    strerror(co.ck_errno));
		rv = 1;
	}
	/* batch use: an alert active at the end is exit status 3 */
	if (rv == 0 && opt_interval == 0) {
		if (co.t.site_alerts != 0 || co.t.nact != 0)
			rv = EXIT_ALERT;
	}
	ingest_free(co.ing);
	dash_free(co.web);
	push_close(&co);
	lr_free(&r);
	tally_free(&co.t);
	free(co.out);
	out_free(co.snap);
	free(co.snap);
	intake_free(&co.take);
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
	if (opt_arrival)
		tally_advance(&co->t, wall());
}

/* the senders' table or JSON member (lib/ingest), for tally_put */
static void
senders(void *arg, struct snap_wr *w, struct out *o)
{
	struct collect *co = arg;

	ingest_put_senders(co->ing, w, o, co->take.org.used);
}

/*
 * One snapshot (man/omph.7) into o, as text or (json) JSON: the summary
 * here, the panels, events and alerts by lib/tally, the senders by
 * lib/ingest.
 */
static void
put_snapshot(struct collect *co, struct out *o, int json, int64_t at,
    int final)
{
	const struct agg *a = &co->t.pan[0].a;
	struct snap_head h;

	memset(&h, 0, sizeof(h));
	h.time = at;
	h.window = opt_window;
	h.final = final;
	h.records = a->records;
	h.late = a->late;
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
	intake_head(&co->take, &h);
	tally_put(&co->t, o, json, &h, wall(), opt_nlisten > 0 ? senders : NULL,
	    co);
}

/* one snapshot: to stdout's buffer, and the web's JSON of it */
static void
report(struct collect *co, int64_t at, int final)
{
	if (tally_report(&co->t, at, wall()) == -1)
		err(1, NULL);
	put_snapshot(co, co->snap, opt_json, at, final);
	/* the web's JSON of the same snapshot, unless that was it */
	if (co->web != NULL && !opt_json)
		put_snapshot(co, dash_json(co->web), 1, at, final);
	push_snapshot(co, at);
	tally_written(&co->t);
}

/* --- the checkpoint: --state (lib/ckpt.h) --- */

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
	return co->take.lines + co->take.bad + co->net->dgrams +
	    co->net->denied + co->net->malformed + co->net->refused +
	    tally_mark(&co->t) + co->net->skipped + co->take.org.checked +
	    co->take.org.bad;
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
	switch (ckpt_load(opt_state, &o, tally_aggs(&co->t), &c, err, sizeof(err))) {
	case -1:
		errx(1, "%s: %s; not resumed (move it away to start from zero)",
		    opt_state, err);
	case 0:
		co->take.lines = c.lines;
		co->take.bad = c.bad;
		co->net->dgrams = c.dgrams;
		co->net->denied = c.denied;
		co->net->malformed = c.malformed;
		co->net->refused = c.refused;
		tally_ck_set(&co->t, &c);
		if (ingest_load(co->ing, c.snd, c.nsnd) == -1)
			errx(1, "%s", strerror(errno));
		free(c.snd);
		orig_free(&co->take.org);
		co->take.org = c.org;
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
	c.lines = co->take.lines;
	c.bad = co->take.bad;
	c.dgrams = co->net->dgrams;
	c.denied = co->net->denied;
	c.malformed = co->net->malformed;
	c.refused = co->net->refused;
	tally_ck_get(&co->t, &c);
	c.org = co->take.org;
	if (ingest_save(co->ing, &c.snd, &c.nsnd) == -1)
		err(1, NULL);
	rv = ckpt_save(opt_state, &co->ck, &o, tally_aggs(&co->t), &c);
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

/*
 * --state, each turn of the loop (told: the tally's events before it):
 * a change is saved at once when the last save is a second old, else when
 * it is; and right after a snapshot that told alerts, so that they are not
 * told again.  TCP lines wait for a save to be acknowledged: then sooner,
 * after CK_ACKWAIT, or as soon as the connections fell silent (a sender
 * waits for its acks), at once when CK_ACKBYTES wait, so that a sender's
 * buffer never fills; but never sooner than four times what the last save
 * took after it, so that saving takes at most a fifth of the time.  ms
 * (the poll's timeout, -1 none) lowered to the next save due.
 */
static int
ck_tick(struct collect *co, uint64_t told, int ms)
{
	double due = co->ck_last + 1, t, w0;
	int w;

	if (ck_mark(co) == co->ck_saved)
		return ms;
	t = tm_mono();
	if (co->net->unacked && co->ck_errno == 0) {
		w0 = co->ck_took * 4;
		if (!co->tcp_idle && co->net->unacked_bytes < CK_ACKBYTES &&
		    w0 < CK_ACKWAIT)
			w0 = CK_ACKWAIT;
		if (co->ck_last + w0 < due)
			due = co->ck_last + w0;
	}
	if (t >= due || co->t.events != told) {
		ck_save(co);
		co->ck_took = tm_mono() - t;
		co->ck_last = t;
		due = t + 1;
	}
	w = (int)((due - t) * 1000) + 1;
	/* lines to ack: look again soon whether more come */
	if (co->net->unacked && co->ck_errno == 0 && !co->tcp_idle && w > 1)
		w = 1;
	if (ck_mark(co) != co->ck_saved && (ms < 0 || w < ms))
		ms = w;
	return ms;
}

/* --- the network: --listen, --serve (lib/ingest.h) --- */

/* a line from the network: a header or a record, as stdin's */
static void
net_line(void *arg, struct ingest_feed *fd, char *p, size_t len)
{
	line(arg, fd, p, len);
}

/* one line of a feed: a header or a record, or exit 1 (ENOMEM) */
static void
line(struct collect *co, struct ingest_feed *fd, char *p, size_t len)
{
	if (intake_line(&co->take, fd, p, len) == -1)
		err(1, NULL);
}

/* a header announced apart from the lines (omph-send's by SCHEMA) */
static int
net_header(void *arg, struct cols *c, char *p, size_t len)
{
	struct collect *co = arg;

	return intake_header(&co->take, c, p, len);
}

static void
net_bad(void *arg, struct ingest_feed *fd, int why)
{
	struct collect *co = arg;

	intake_bad(&co->take, fd, why == INGEST_LONG ?
	    "line longer than 1 MiB" : INTAKE_NOT_HEADER);
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

/* a snapshot is complete in co->snap: to stdout and every viewer */
static void
emit(struct collect *co)
{
	if (out_flush(co->snap) == -1)
		err(1, NULL);
	out_write(co->out, co->snap->mem, co->snap->memlen);
	if (opt_has_serve)
		ingest_serve(co->ing, co->snap->mem, co->snap->memlen);
	if (co->web != NULL) {
		/* the web's copies: the JSON and metrics */
		metrics(co, dash_metrics(co->web));
		if (dash_publish(co->web, opt_json ? co->snap :
		    dash_json(co->web)) == -1)
			err(1, NULL);
	}
	out_mem_reset(co->snap);
}

/* --- --push: snapshots as metrics into OpenTSDB or InfluxDB (lib/push.h) --- */

/* --push URLs, or exit (2: not a URL of ours) */
static void
push_setup(struct collect *co)
{
	char errbuf[512];
	int i;

	co->push.note = net_note;
	for (i = 0; i < opt_npush; i++)
		if (push_set_add(&co->push, opt_push[i], errbuf,
		    sizeof(errbuf)) == -1)
			errx(errno == ENOMEM ? 1 : 2, "--push: %s", errbuf);
}

/* a row of the snapshot of time co->push_at into every --push */
static int
push_one(void *arg, const struct tally_panel *pn, const struct agg_key *k,
    const double *v, const int *present)
{
	struct collect *co = arg;

	return push_set_row(&co->push, co->push_at, pn->name, pn->keys,
	    pn->nkeys, k != NULL ? k->key : NULL, k != NULL ? k->len : 0, v,
	    present);
}

/* the snapshot of time at just made: each panel's site and top rows */
static void
push_snapshot(struct collect *co, int64_t at)
{
	co->push_at = at;
	if (co->push.n > 0 && tally_rows(&co->t, wall(), push_one, co) == -1)
		err(1, NULL);
}

/* the end: PUSH_DRAIN seconds at most to send what waits, then tell */
static void
push_close(struct collect *co)
{
	struct pollfd pfd[MAXPUSH];
	double end = tm_mono() + PUSH_DRAIN, t;
	int n, ms;

	while (!push_set_idle(&co->push) && (t = tm_mono()) < end) {
		ms = (int)((end - t) * 1000) + 1;
		n = push_set_fill(&co->push, pfd, &ms);
		if (poll(pfd, (nfds_t)n, ms) == -1 && errno != EINTR)
			break;
		push_set_events(&co->push, pfd, n);
	}
	push_set_free(&co->push);
}

/* --- the web: --http (lib/dash.h) --- */

/* --http: listening, or exit 1 */
static void
web_setup(struct collect *co)
{
	struct http_lim lim;
	char errbuf[512], where[300];

	if (!opt_has_http)
		return;
	memset(&lim, 0, sizeof(lim));
	lim.max_conns = HTTP_CONNS;
	if ((co->web = dash_open(&opt_http, &lim, opt_allow, (size_t)opt_nallow,
	    errbuf, sizeof(errbuf))) == NULL) {
		if (errno == ENOMEM)
			err(1, NULL);
		errx(1, "--http %s: %s", net_str(&opt_http, where,
		    sizeof(where)), errbuf);
	}
	if (conn_fdlimit((long)opt_lim.max + SERVE_MAX + MAXLISTEN +
	    HTTP_CONNS + 40) == -1)
		warn("ulimit -n");
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
	struct http_stats hs;

	tally_metrics(&co->t, o);
	intake_metrics(&co->take, o);
	ingest_metrics(co->ing, o);
	dash_stats(co->web, &hs);
	prom_counter(o, "omph_http_requests_total", "HTTP requests served.",
	    hs.requests);
	prom_family(o, "omph_http_streams", "gauge", "Event stream clients "
	    "now.");
	prom_u64(o, "omph_http_streams", NULL, 0, hs.streams);
}

/* a number from the command line, or a usage error */
static void
need(int ok, const char *err)
{
	if (ok == -1)
		usagex("%s", err);
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

	if (opt_npan == MAXPANELS)
		usagex("-k: at most %d panels", MAXPANELS);
	for (i = 0; i < opt_npan; i++)
		if (strcmp(opt_pan[i].name, arg) == 0)
			usagex("-k %s: given twice", arg);
	pp = &opt_pan[opt_npan];
	if ((pp->name = strdup(arg)) == NULL || (p = strdup(arg)) == NULL)
		err(1, NULL);
	pp->k0 = opt_nkeys;
	pp->top = opt_top;
	pp->max_keys = opt_max_keys;
	for (; p != NULL; p = q) {
		if ((q = strchr(p, ',')) != NULL)
			*q++ = '\0';
		if (*p == '\0')
			usagex("-k %s: an empty field name", arg);
		if (pp->nk == MAXKEYF || opt_nkeys == COLS_MAXK)
			usagex("-k %s: at most %d fields in a panel and %d in all",
			    arg, MAXKEYF, COLS_MAXK);
		opt_keys[opt_nkeys++] = p;
		pp->nk++;
	}
	opt_npan++;
}

static _Noreturn void
usage(void)
{
	fputs(synopsis, stderr);
	exit(2);
}

/* a usage error: what is wrong (as warnx), then the usage; exit 2 */
static _Noreturn void
usagex(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	usage();
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

/*
 * omph-send: ship the lines of stdin (records with their headers, or any
 * text) to a collector over UDP or TCP, as omph datagrams and streams or as
 * syslog messages (man/omph.7, "On the network").
 *
 * UDP: whole lines packed into datagrams (lib/uship).  TCP: one stream,
 * kept in a buffer until the collector acknowledges it, resent after a
 * reconnect (lib/tship); when the buffer is full stdin is not read
 * (backpressure).  What both share, the header and the syslog messages, is
 * lib/ship.  One thread, one ppoll() loop over stdin and the socket; this
 * file is the options and that loop.
 */
#include <sys/random.h>
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lr.h"
#include "net.h"
#include "opt.h"
#include "out.h"
#include "pos.h"
#include "ship.h"
#include "sink.h"
#include "sig.h"
#include "tm.h"
#include "tship.h"
#include "uship.h"
#include "wire.h"

#define RATE_PAUSE 0.005	/* --rate: seconds between bursts at least */
#define LINGER_CLOSE 10.0	/* seconds at most for the collector's close */
#define ACKED_EVERY 1.0		/* seconds between saves of --acked */
#define REPORT_WAIT 2.0		/* UDP: seconds at the end for the last report */
#define LOST_EVERY 10.0		/* UDP: seconds between the running loss notes */

static const char *opt_id;			/* --id */
static size_t opt_max_dgram = 1400;		/* --max-datagram */
static size_t opt_buffer = 64 * 1024 * 1024;	/* --buffer */
static int opt_syslog;				/* --syslog */
static int opt_lf;				/* --framing lf */
static int opt_lf_given;
static double opt_rate;				/* --rate, 0: none */
static size_t opt_max_line = 1024 * 1024;	/* --max-line */
static double opt_linger = 30;			/* --linger */
static double opt_timeout = 30;			/* --timeout */
static uint8_t opt_key[WIRE_KEYLEN];		/* --secret */
static const char *opt_acked;			/* --acked */
static const char *opt_rejects;			/* --rejects */

struct send {
	struct net_addr addr;
	struct ship sh;
	struct uship u;			/* udp:// */
	struct tship t;			/* tcp:// */
	struct sink k;			/* clickhouse://, es:// */
	int engine;
	FILE *rejects;			/* --rejects */
	char *rhdr;			/* the header last written there */
	size_t rhdrlen;
	int failed;			/* a write there failed: exit 1 */
	struct lr in;
	double end_by;			/* input ended: TCP gives up then */
	double linger_until;		/* shutdown sent: wait for the close */
	struct pos acked;		/* --acked: what the collector took */
	double acked_at;		/* when last saved */
	int acked_err;			/* errno of the last failed save, told */
	double tokens, refilled;	/* --rate */
	uint64_t lost_told;		/* UDP: the collector's loss, as told */
	double lost_at;			/* when */
};

static void usage(void);
static _Noreturn void help(void);
static void need(int, const char *);
static int printable(const char *);
static void note(void *, const char *);
static void refused(void *, const char *, size_t, const char *, size_t,
    const char *);
static int sink_end(struct send *);
static int save_acked(struct send *);
static void reopen(struct send *);
static int take(struct send *, size_t);
static void tcp_turn(struct send *);
static int tcp_end(struct send *, int);
static void udp_reports(struct send *);
static int udp_end(struct send *, const sigset_t *);

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "max-datagram", required_argument, NULL, 'd' },
		{ "buffer", required_argument, NULL, 'b' },
		{ "syslog", no_argument, NULL, 's' },
		{ "framing", required_argument, NULL, 'f' },
		{ "rate", required_argument, NULL, 'r' },
		{ "max-line", required_argument, NULL, 'm' },
		{ "linger", required_argument, NULL, 'L' },
		{ "timeout", required_argument, NULL, 'W' },
		{ "secret", required_argument, NULL, 'k' },
		{ "acked", required_argument, NULL, 'a' },
		{ "rejects", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct send s;
	struct pollfd pfd[2];
	sigset_t orig;
	char errbuf[512], host[256];
	double t, wait;
	size_t v, room_need;
	int ch, n, ms, rv = 0, want_in, sock_i, in_i, ready, fd, lingered = 0;
	int timeout_given = 0;
	const char *secret = NULL;

	out_stdfds();
	argv[0] = (char *)"omph-send";	/* getopt says "omph-send: ...", as we do */
	while ((ch = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			if (strlen(optarg) == 0 || strlen(optarg) > WIRE_IDMAX ||
			    !printable(optarg)) {
				warnx("--id: %s is not 1 to %d printable ASCII "
				    "characters without spaces", optarg, WIRE_IDMAX);
				usage();
			}
			opt_id = optarg;
			break;
		case 'd':
			need(opt_size("--max-datagram", optarg, 256, 65507,
			    &opt_max_dgram, errbuf, sizeof(errbuf)), errbuf);
			break;
		case 'b':
			need(opt_size("--buffer", optarg, 64 * 1024,
			    (size_t)1 << 32, &opt_buffer, errbuf, sizeof(errbuf)),
			    errbuf);
			break;
		case 's':
			opt_syslog = 1;
			break;
		case 'f':
			opt_lf_given = 1;
			if (strcmp(optarg, "lf") == 0)
				opt_lf = 1;
			else if (strcmp(optarg, "octet") == 0)
				opt_lf = 0;
			else {
				warnx("--framing: %s is not octet or lf", optarg);
				usage();
			}
			break;
		case 'r':
			need(opt_size("--rate", optarg, 1, 100000000, &v, errbuf,
			    sizeof(errbuf)), errbuf);
			opt_rate = (double)v;
			break;
		case 'm':
			need(opt_size("--max-line", optarg, 256, 64 * 1024 * 1024,
			    &opt_max_line, errbuf, sizeof(errbuf)), errbuf);
			break;
		case 'L':
			need(opt_seconds("--linger", optarg, 0, 86400, &opt_linger,
			    errbuf, sizeof(errbuf)), errbuf);
			break;
		case 'W':
			need(opt_seconds("--timeout", optarg, 0.1, 3600,
			    &opt_timeout, errbuf, sizeof(errbuf)), errbuf);
			timeout_given = 1;
			break;
		case 'k':
			secret = optarg;
			break;
		case 'a':
			opt_acked = optarg;
			break;
		case 'R':
			opt_rejects = optarg;
			break;
		case 'V':
			printf("omph-send %s\n", OMPH_VERSION);
			return 0;
		case 'h':
			help();
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	ship_init(&s.sh);
	if ((s.engine = sink_open(&s.k, argv[optind], &s.sh, opt_buffer,
	    opt_timeout, errbuf, sizeof(errbuf))) == -1) {
		warnx("%s", errbuf);
		usage();
	}
	if (s.engine) {
		if (opt_syslog || secret != NULL || opt_acked != NULL ||
		    opt_lf_given) {
			warnx("--syslog, --framing, --secret and --acked are for "
			    "udp:// and tcp://");
			usage();
		}
		s.addr = s.k.addr;
		snprintf(s.sh.where, sizeof(s.sh.where), "%s", argv[optind]);
	} else if (opt_rejects != NULL || timeout_given) {
		warnx("--rejects and --timeout are for clickhouse:// and es://");
		usage();
	} else if (net_parse(argv[optind], 0, &s.addr, errbuf,
	    sizeof(errbuf)) == -1) {
		warnx("%s", errbuf);
		usage();
	}
	if (opt_lf_given && !opt_syslog) {
		warnx("--framing is for --syslog");
		usage();
	}
	if (secret != NULL && opt_syslog) {
		warnx("--secret is for the omph wire format, not --syslog");
		usage();
	}
	if (secret != NULL && s.addr.proto == NET_TCP &&
	    opt_max_line > 1024 * 1024) {
		warnx("--secret over TCP: --max-line is at most 1 MiB, what a "
		    "collector's frame holds");
		usage();
	}
	if (opt_acked != NULL && (s.addr.proto != NET_TCP || opt_syslog)) {
		warnx("--acked needs tcp:// and the omph wire format: only a "
		    "collector's acknowledgements tell what it took");
		usage();
	}
	if (opt_acked != NULL && opt_id == NULL) {
		warnx("--acked needs --id: the collector knows what it counted "
		    "of a sender by the sender's name");
		usage();
	}
	if (opt_acked != NULL && pos_load(&s.acked, opt_acked, errbuf,
	    sizeof(errbuf)) == -1)
		errx(1, "%s: %s", opt_acked, errbuf);
	if (secret != NULL) {
		if (wire_read_secret(secret, opt_key, errbuf,
		    sizeof(errbuf)) == -1)
			errx(1, "--secret %s", errbuf);
		s.sh.key = opt_key;
	}
	/* room for a line and its header message, framed, twice over */
	room_need = opt_syslog ? 2 * (opt_max_line + WIRE_HEADMAX + 600) :
	    opt_max_line + WIRE_HEADMAX + 32;
	if (opt_buffer < 2 * room_need)
		opt_buffer = 2 * room_need;
	if (!s.engine)
		net_str(&s.addr, s.sh.where, sizeof(s.sh.where));
	sig_setup(&orig);
	sig_hup_setup(&orig);	/* a service's reload: reopen, save */

	if (gethostname(host, sizeof(host) - 1) == -1 || host[0] == '\0')
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	host[strcspn(host, " \t\n\r")] = '\0';
	if (opt_id != NULL)
		snprintf(s.sh.id, sizeof(s.sh.id), "%s", opt_id);
	else
		snprintf(s.sh.id, sizeof(s.sh.id), "%.50s/%ld", host,
		    (long)getpid());
	if (getrandom(&s.sh.session, sizeof(s.sh.session), GRND_NONBLOCK) !=
	    sizeof(s.sh.session))
		s.sh.session = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
	s.sh.syslog = opt_syslog;
	s.sh.lf = opt_lf;
	s.sh.max_line = opt_max_line;
	s.sh.max_dgram = opt_max_dgram;
	s.sh.note = note;
	s.refilled = tm_mono();
	s.tokens = 1;
	if (lr_init(&s.in, STDIN_FILENO, opt_max_line) == -1)
		err(1, NULL);
	if (opt_rejects != NULL && (s.rejects = fopen(opt_rejects, "a")) == NULL)
		err(1, "%s", opt_rejects);
	s.k.reject = refused;
	s.k.arg = &s;
	if (s.engine)
		;
	else if (s.addr.proto == NET_UDP) {
		if ((fd = net_connect(&s.addr, 0, errbuf, sizeof(errbuf))) == -1)
			errx(1, "%s: %s", s.sh.where, errbuf);
		if (uship_init(&s.u, &s.sh, fd) == -1)
			err(1, NULL);
	} else {
		if (tship_init(&s.t, &s.sh, &s.addr, opt_buffer, opt_acked ?
		    &s.acked : NULL) == -1 || tship_connect(&s.t) == -1)
			err(1, NULL);
	}

	for (;;) {
		/* lines from stdin, as many as the buffer and the rate allow */
		if (take(&s, room_need) == -1)
			err(1, NULL);
		if (sig_caught())
			break;
		/* one look at stdin per turn: every decision below agrees */
		ready = lr_ready(&s.in);
		if (s.engine) {
			if (s.in.eof && s.end_by == 0) {
				sink_eof(&s.k);
				s.end_by = tm_mono() + opt_linger;
			}
			if (sink_turn(&s.k) == -1)
				err(1, NULL);
			if (s.in.eof && (sink_idle(&s.k) || tm_mono() >= s.end_by))
				break;
		} else if (s.addr.proto == NET_UDP) {
			/* input idle (or ended): what we have leaves now */
			if (s.in.eof || !ready || s.u.ndg == USHIP_BATCH)
				if (uship_flush(&s.u, s.in.eof || !ready) == -1)
					break;
			if (s.in.eof && uship_idle(&s.u))
				break;
		} else {
			/*
			 * The end of input: everything must be acknowledged
			 * and the collector close within --linger, however
			 * often it is down meanwhile.
			 */
			if (s.in.eof && s.end_by == 0)
				s.end_by = tm_mono() + opt_linger;
			if (s.t.done)
				break;
			if (s.in.eof && tm_mono() >= (s.t.eof_sent ?
			    s.linger_until : s.end_by)) {
				lingered = 1;
				break;
			}
			tcp_turn(&s);
		}

		/* wait for input, the socket, or a timer */
		n = 0;
		in_i = sock_i = -1;
		want_in = !s.in.eof && (s.engine ? sink_room(&s.k, room_need) :
		    s.addr.proto == NET_UDP || tship_room(&s.t, room_need)) &&
		    (opt_rate == 0 || s.tokens >= 1);
		if (want_in && !ready) {
			pfd[n].fd = STDIN_FILENO;
			pfd[n].events = POLLIN;
			in_i = n++;
		}
		if (s.engine && sink_fill(&s.k, &pfd[n]))
			sock_i = n++;
		else if (!s.engine && s.addr.proto == NET_TCP && s.t.fd >= 0) {
			pfd[n].fd = s.t.fd;
			pfd[n].events = POLLIN;
			if (tship_want_out(&s.t))
				pfd[n].events |= POLLOUT;
			sock_i = n++;
		} else if (!s.engine && s.addr.proto == NET_UDP) {
			pfd[n].fd = s.u.fd;	/* the collector's reports */
			pfd[n].events = POLLIN;
			sock_i = n++;
		}
		wait = s.engine ? sink_wait(&s.k) : -1;
		/*
		 * --rate: out of lines, wait for the next, but 5 ms at least,
		 * so that the lines go in bursts of 5 ms (a line per wakeup at
		 * 20,000 a second would wake the receiver as often)
		 */
		if (opt_rate > 0 && s.tokens < 1) {
			wait = (1 - s.tokens) / opt_rate;
			if (wait < RATE_PAUSE)
				wait = RATE_PAUSE;
		}
		if (s.engine && s.in.eof) {
			t = s.end_by - tm_mono();
			wait = wait < 0 || t < wait ? (t < 0 ? 0 : t) : wait;
		} else if (!s.engine && s.addr.proto == NET_TCP && s.t.fd == -1) {
			t = s.t.next_try - tm_mono();
			wait = wait < 0 || t < wait ? t : wait;
		}
		if (!s.engine && s.addr.proto == NET_TCP && s.in.eof) {
			t = (s.t.eof_sent ? s.linger_until : s.end_by) -
			    tm_mono();
			if (t < 0)
				t = 0;
			wait = wait < 0 || t < wait ? t : wait;
		}
		if (want_in && ready)
			wait = 0;
		if (wait < 0 && n == 0 && !want_in)
			wait = 0.05;	/* nothing to wait on: should not happen */
		ms = wait < 0 ? -1 : (int)(wait * 1000) + (wait > 0);
		if (sig_poll(pfd, (nfds_t)n, ms, &orig) == -1 &&
		    errno != EINTR)
			err(1, "ppoll");
		if (sig_caught())
			break;
		if (sig_hup())
			reopen(&s);
		if (sock_i >= 0 && !s.engine && s.addr.proto == NET_UDP) {
			if (pfd[sock_i].revents)
				udp_reports(&s);
		} else if (sock_i >= 0 && (s.engine ? sink_event(&s.k,
		    pfd[sock_i].revents) : tship_event(&s.t,
		    pfd[sock_i].revents)) == -1)
			err(1, NULL);
		if ((want_in && ready) || (in_i >= 0 && pfd[in_i].revents)) {
			if (lr_fill(&s.in) == -1 && errno != EAGAIN &&
			    errno != EINTR) {
				warn("stdin");
				rv = 1;
				break;
			}
		}
	}
	if (s.engine) {
		rv |= sink_end(&s);
		goto out;
	}
	if (s.addr.proto == NET_UDP) {
		uship_flush(&s.u, 1);
		if (!sig_caught() && udp_end(&s, &orig) != 0)
			rv = 1;
	}
	if (s.addr.proto == NET_TCP && tcp_end(&s, lingered) != 0)
		rv = 1;
	if (opt_acked != NULL && (s.acked.dirty || s.acked_err) &&
	    save_acked(&s) == -1)
		rv = 1;
	fprintf(stderr, "omph-send: %" PRIu64 " lines, %" PRIu64 " datagrams, %"
	    PRIu64 " bytes, %" PRIu64 " reconnects, %" PRIu64 " cut, %" PRIu64
	    " %s dropped\n", s.sh.lines, s.sh.dgrams, s.sh.bytes,
	    s.sh.reconnects, s.sh.cut, s.sh.dropped,
	    s.addr.proto == NET_UDP ? "datagrams" : "bytes");
	if (s.addr.proto == NET_UDP && s.sh.dropped > 0)
		rv = 1;
out:
	if (s.engine)
		sink_free(&s.k);
	else if (s.addr.proto == NET_UDP) {
		close(s.u.fd);
		uship_free(&s.u);
	} else
		tship_free(&s.t);
	if (s.rejects != NULL && fclose(s.rejects) == EOF) {
		warn("%s", opt_rejects);
		rv = 1;
	}
	if (s.failed)
		rv = 1;
	free(s.rhdr);
	lr_free(&s.in);
	ship_free(&s.sh);
	pos_free(&s.acked);
	return rv;
}

/*
 * The lines stdin has, as many as the TCP buffer (room_need bytes a line
 * at most) and --rate allow, into the sender.  0, -1 ENOMEM.
 */
static int
take(struct send *s, size_t room_need)
{
	struct lr_line l;
	double t;

	for (;;) {
		if (s->engine ? !sink_room(&s->k, room_need) :
		    s->addr.proto == NET_TCP && !tship_room(&s->t, room_need))
			return 0;	/* full: backpressure */
		if (opt_rate > 0) {
			t = tm_mono();
			s->tokens += (t - s->refilled) * opt_rate;
			s->refilled = t;
			if (s->tokens > opt_rate / 100 + 1)
				s->tokens = opt_rate / 100 + 1;
			if (s->tokens < 1)
				return 0;
		}
		if (lr_next(&s->in, &l) != 1)
			return 0;
		if (opt_rate > 0)
			s->tokens -= 1;
		s->sh.lineno = s->in.lineno;
		if (l.flags & LR_CUT)
			ship_cut(&s->sh, opt_max_line);
		s->sh.lines++;
		if (s->engine) {
			if (sink_line(&s->k, l.p, l.len) == -1)
				return -1;
		} else if (s->addr.proto == NET_UDP) {
			if (uship_line(&s->u, l.p, l.len, l.p[0] == '#' &&
			    l.len > 0) == -1)
				return -1;
		} else if (tship_line(&s->t, l.p, l.len) == -1)
			return -1;
	}
}

/* TCP, once a turn: connect when due, write, save --acked, end when due */
static void
tcp_turn(struct send *s)
{
	if (s->t.fd == -1 && !s->t.connecting && tm_mono() >= s->t.next_try &&
	    tship_connect(&s->t) == -1)
		err(1, NULL);
	tship_write(&s->t);
	if (opt_acked != NULL && s->acked.dirty &&
	    tm_mono() - s->acked_at >= ACKED_EVERY)
		save_acked(s);
	if (s->in.eof && s->in.start == s->in.end && tship_shutdown(&s->t)) {
		/* everything taken: we said we are done */
		s->linger_until = tm_mono() + LINGER_CLOSE;
		if (s->linger_until > s->end_by)
			s->linger_until = s->end_by;
	}
}

/*
 * TCP's end: stopped by a signal, by --linger (lingered) or a read error
 * with lines the collector did not acknowledge (written, with --syslog):
 * those in the buffer and those read but not yet taken are told; the
 * connection is closed.  1 when lines were not delivered.
 */
static int
tcp_end(struct send *s, int lingered)
{
	struct lr_line l;
	uint64_t nlines, nbytes;

	nlines = tship_held_lines(&s->t);
	nbytes = s->t.len;
	while (lr_next(&s->in, &l) == 1) {
		nlines++;
		nbytes += l.len + 1;
	}
	if (s->t.fd >= 0)
		close(s->t.fd);
	s->t.fd = -1;
	if (nlines == 0 && nbytes == 0)
		return 0;
	s->sh.dropped += nbytes;
	if (lingered)
		warnx("%s: %" PRIu64 " lines (%" PRIu64 " bytes) not "
		    "delivered within --linger %g", s->sh.where, nlines,
		    nbytes, opt_linger);
	else
		warnx("%s: %" PRIu64 " lines (%" PRIu64 " bytes) not "
		    "delivered", s->sh.where, nlines, nbytes);
	return 1;
}

/*
 * UDP: the collector's reports on the socket; a loss it reports is told,
 * the first at once, then once in LOST_EVERY seconds at most when it grew.
 */
static void
udp_reports(struct send *s)
{
	const struct wire_report *r = &s->u.rep;

	if (uship_read(&s->u) == 0 || r->lost <= s->lost_told ||
	    (s->lost_told > 0 && tm_mono() - s->lost_at < LOST_EVERY))
		return;
	warnx("%s: the collector lost %" PRIu64 " of %" PRIu64 " datagrams "
	    "so far", s->sh.where, r->lost, r->got + r->lost);
	s->lost_told = r->lost;
	s->lost_at = tm_mono();
}

/*
 * UDP's end, everything sent: when the collector reports (one came in this
 * run), its report of the last datagram is waited for, REPORT_WAIT seconds
 * (--linger if shorter) at most; then what it lost is told, the datagrams
 * after the last it saw included.  1 when it lost some: they are not sent
 * again.  A collector that never reported is not waited for (0).
 */
static int
udp_end(struct send *s, const sigset_t *orig)
{
	const struct wire_report *r = &s->u.rep;
	struct pollfd pfd;
	double wait, until, t;
	uint64_t tail, lost, dropped = s->sh.dropped;

	if (s->u.reports == 0 || s->u.seq == 0)
		return 0;
	wait = opt_linger < REPORT_WAIT ? opt_linger : REPORT_WAIT;
	until = tm_mono() + wait;
	/* (a refused port meanwhile: the collector is gone) */
	while (r->seq + 1 < s->u.seq && (t = until - tm_mono()) > 0 &&
	    !sig_caught() && s->sh.dropped == dropped) {
		pfd.fd = s->u.fd;
		pfd.events = POLLIN;
		if (sig_poll(&pfd, 1, (int)(t * 1000) + 1, orig) == -1 &&
		    errno != EINTR)
			err(1, "ppoll");
		if (pfd.revents)
			uship_read(&s->u);
	}
	tail = s->u.seq - 1 - r->seq;
	lost = r->lost + tail;
	if (lost == 0)
		return 0;
	if (tail > 0)
		warnx("%s: the collector lost %" PRIu64 " of %" PRIu64
		    " datagrams (the last %" PRIu64 " not seen within %g s)",
		    s->sh.where, lost, r->got + lost, tail, wait);
	else
		warnx("%s: the collector lost %" PRIu64 " of %" PRIu64
		    " datagrams", s->sh.where, lost, r->got + lost);
	return 1;
}

/*
 * An engine's end: what it did not take within --linger is told, the
 * counts are.  1 when records were not delivered or were refused.
 */
static int
sink_end(struct send *s)
{
	struct lr_line l;
	uint64_t held = 0, more = 0;
	size_t i;
	int rv = 0;

	for (i = 0; i < s->k.nq; i++)
		held += s->k.q[i]->nrows;
	while (lr_next(&s->in, &l) == 1)
		more++;
	if (held + more > 0) {
		warnx("%s: %" PRIu64 " records not delivered%s", s->sh.where,
		    held + more, s->in.eof ? " within --linger" : "");
		rv = 1;
	}
	if (s->k.rejected > 0) {
		warnx("%s: %" PRIu64 " records refused%s%s", s->sh.where,
		    s->k.rejected, s->rejects ? ", saved in " : "",
		    s->rejects ? opt_rejects : "");
		rv = 1;
	}
	fprintf(stderr, "omph-send: %" PRIu64 " lines, %" PRIu64 " records, %"
	    PRIu64 " landed, %" PRIu64 " refused, %" PRIu64 " duplicates, %"
	    PRIu64 " requests, %" PRIu64 " retries\n", s->sh.lines, s->k.rows,
	    s->k.landed, s->k.rejected, s->k.dups, s->k.requests,
	    s->k.retries);
	return rv;
}

/*
 * A record the engine refused: told (the first SHIP_MAX_REPORTS), saved
 * under its header in --rejects.
 */
static void
refused(void *arg, const char *hdr, size_t hdrlen, const char *rec,
    size_t len, const char *why)
{
	struct send *s = arg;
	char *h;

	if (s->k.rejected <= SHIP_MAX_REPORTS)
		warnx("%s: row refused: %s", s->sh.where, why);
	if (s->k.rejected == SHIP_MAX_REPORTS)
		warnx("%s: further refused rows are only counted", s->sh.where);
	if (s->rejects == NULL)
		return;
	if (hdrlen > 0 && (hdrlen != s->rhdrlen ||
	    memcmp(hdr, s->rhdr, hdrlen) != 0)) {
		if ((h = realloc(s->rhdr, hdrlen)) == NULL)
			err(1, NULL);
		memcpy(h, hdr, hdrlen);
		s->rhdr = h;
		s->rhdrlen = hdrlen;
		fwrite(hdr, 1, hdrlen, s->rejects);
		putc('\n', s->rejects);
	}
	fwrite(rec, 1, len, s->rejects);
	putc('\n', s->rejects);
	if (fflush(s->rejects) == EOF) {
		warn("%s", opt_rejects);
		s->failed = 1;
	}
}

/*
 * SIGHUP: --rejects reopened (logrotate moved it away; its header is
 * written again before the next row), --acked saved now.
 */
static void
reopen(struct send *s)
{
	if (s->rejects != NULL) {
		if (fclose(s->rejects) == EOF) {
			warn("%s", opt_rejects);
			s->failed = 1;
		}
		if ((s->rejects = fopen(opt_rejects, "a")) == NULL) {
			warn("%s: cannot reopen; refused rows are only counted "
			    "from now on", opt_rejects);
			s->failed = 1;
		}
		s->rhdrlen = 0;
	}
	if (opt_acked != NULL)
		save_acked(s);
}

/* a library's note for the operator */
static void
note(void *arg, const char *text)
{
	(void)arg;
	warnx("%s", text);
}

/*
 * --acked: save what the collector took; a failure is told once per
 * errno (and again when it clears), the next try a second later.
 */
static int
save_acked(struct send *s)
{
	s->acked_at = tm_mono();
	if (pos_save(&s->acked, opt_acked) == -1) {
		if (errno != s->acked_err)
			warn("%s: acknowledged positions not saved", opt_acked);
		s->acked_err = errno;
		return -1;
	}
	if (s->acked_err != 0)
		warnx("%s: saved again", opt_acked);
	s->acked_err = 0;
	return 0;
}

/* 1 when s is printable ASCII without spaces (an id the wire takes) */
static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* a number from the command line, or a usage error */
static void
need(int ok, const char *e)
{
	if (ok == -1) {
		warnx("%s", e);
		usage();
	}
}

/* the short usage: on stderr for a usage error, first in --help */
static const char synopsis[] =
	    "usage: omph-send [--syslog [--framing octet|lf]] [--id name]\n"
	    "                 [--max-datagram bytes] [--buffer bytes] [--rate lines]\n"
	    "                 [--max-line bytes] [--linger seconds] [--secret file]\n"
	    "                 [--acked file] [--rejects file] [--timeout seconds]\n"
	    "                 udp://host:port | tcp://host:port |\n"
	    "                 clickhouse://host:port/db.table | es://host:port/index\n";

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
	    "Ship records from stdin to omph-collect --listen, a syslog server,\n"
	    "ClickHouse or Elasticsearch.\n"
	    "\n"
	    "      --id=NAME            the sender's name at the collector (default: the\n"
	    "                           host name)\n"
	    "      --max-datagram=BYTES the largest UDP datagram (default 1400)\n"
	    "      --buffer=BYTES       TCP, engines: bytes kept until taken (default 64M)\n"
	    "      --syslog             send RFC 5424 syslog messages\n"
	    "      --framing=octet|lf   syslog over TCP: octet counting (default) or LF\n"
	    "      --rate=LINES         send at most LINES a second (default: no limit)\n"
	    "      --max-line=BYTES     cut lines longer than BYTES (default 1M)\n"
	    "      --linger=SECONDS     TCP: at the end of input, wait this long for every\n"
	    "                           line to be acknowledged (default 30; 0 no wait)\n"
	    "      --timeout=SECONDS    engines: wait this long for a whole answer, then\n"
	    "                           send the batch again (default 30)\n"
	    "      --secret=FILE        tag what is sent with the key in FILE\n"
	    "      --acked=FILE         TCP: keep in FILE how far the collector took each\n"
	    "                           stream (omph-tail --acked resumes from it)\n"
	    "      --rejects=FILE       engines: append the records refused to FILE\n"
	    "  -h, --help               print this help and exit\n"
	    "  -V, --version            print the version and exit\n"
	    "\n"
	    "Exit status: 0 every line delivered, 1 failure or lines not delivered,\n"
	    "2 usage.  See omph-send(1) and omph(7).\n", stdout);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	exit(0);
}

/*
 * omph-send: ship the lines of stdin (records with their headers, or any
 * text) to a collector over UDP or TCP, as omph datagrams and streams or as
 * syslog messages (man/omph.7, "On the network").
 *
 * UDP: whole lines packed into datagrams with a sequence number; the header
 * travels as a schema hash in every datagram and as a line in the first
 * datagram after it changes and once a second.  TCP: one stream, kept in a
 * buffer until the collector acknowledges it, resent after a reconnect;
 * when the buffer is full stdin is not read (backpressure).  With --secret
 * every datagram, the stream's preamble and frames and the collector's
 * acks carry a SipHash tag (lib/wire.h).  One thread, one ppoll() loop
 * over stdin and the socket.
 */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>

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
#include "rec.h"
#include "sig.h"
#include "tm.h"
#include "wire.h"

#define BATCH 64		/* datagrams per sendmmsg */
#define MAX_REPORTS 10
#define HDR_EVERY 1.0		/* seconds between header repeats */
#define BACKOFF_MIN 0.1
#define BACKOFF_MAX 2.0
#define LINGER_CLOSE 10.0	/* seconds at most for the collector's close */
#define SYSLOG_PRI 134		/* local0.info */

static const char *opt_id;			/* --id */
static size_t opt_max_dgram = 1400;		/* --max-datagram */
static size_t opt_buffer = 64 * 1024 * 1024;	/* --buffer */
static int opt_syslog;				/* --syslog */
static int opt_lf;				/* --framing lf */
static int opt_lf_given;
static double opt_rate;				/* --rate, 0: none */
static size_t opt_max_line = 1024 * 1024;	/* --max-line */
static double opt_linger = 30;			/* --linger */
static uint8_t opt_key[WIRE_KEYLEN];		/* --secret */
static const uint8_t *skey;			/* opt_key, or NULL */
static const char *opt_acked;			/* --acked */

#define ACKED_EVERY 1.0		/* seconds between saves of --acked */

/*
 * --acked: a run of records of one stream in the TCP buffer, ending at
 * stream offset off, its last record's origin ending at end in the stream
 * id.  When the collector acknowledges off, the stream is taken up to end.
 */
struct orun {
	uint64_t off;
	uint64_t id, end;
};

/* a header line held in the TCP buffer, at its stream offset */
struct mark {
	uint64_t off;
	char *text;
	size_t len;
};

struct send {
	struct net_addr addr;
	char where[300];		/* the URL, for messages */
	int fd;				/* -1 while down */
	int connecting;
	char id[WIRE_IDMAX + 1];
	char host[256];
	uint32_t session;
	struct lr in;
	/* the header in force for new lines */
	char *hdr;
	size_t hdrlen, hdrcap;
	uint32_t schema;
	uint32_t hdr_told;		/* schema last sent as a line */
	int hdr_warned;
	double hdr_at;			/* when */
	/*
	 * UDP: datagrams built in dg[], BATCH at a time.  The preamble of
	 * one, its sequence number with it, is written once, when it is
	 * complete (udp_close); until then room[] keeps space for it.
	 */
	char *dg;
	size_t dglen[BATCH];
	char pre[BATCH][WIRE_HEADMAX];
	size_t prelen[BATCH];		/* 0: a syslog message, no preamble */
	size_t preroom[BATCH];		/* the longest its preamble can be */
	uint32_t dgschema[BATCH];
	int ndg;			/* complete datagrams waiting */
	int open;			/* dg[ndg] is being filled */
	int hdr_in;			/* ... and begins with the header */
	uint64_t seq;			/* the next datagram's number */
	/* TCP: stream bytes [base, base + len) kept in buf[head..] */
	char *buf;
	size_t cap, head, len;
	uint64_t base, sent;
	struct mark *marks;
	size_t nmarks, markcap;
	char *basehdr;			/* header in force at base */
	size_t basehdrlen;
	char *hello;			/* preamble of this connection */
	size_t hellolen, hellooff;
	uint64_t htag;			/* its tag (--secret) */
	char frame[WIRE_FRAMEHEAD];	/* --secret: the frame line being sent */
	size_t framelen, frameoff;
	uint64_t frame_end;		/* stream offset where its bytes end */
	int ack_warned;
	char ack[256];
	size_t acklen;
	double next_try, backoff;
	int down_told;
	int eof_sent;
	int done;			/* everything delivered, closed */
	uint64_t connections;
	double up_at;			/* when this connection came up */
	unsigned attempts;		/* connects tried: each address in turn */
	double end_by;			/* input ended: TCP gives up then */
	double linger_until;		/* shutdown sent: wait for the close */
	/* --acked: the runs of records not yet acknowledged, oldest first */
	int ocol;			/* the header's origin column, or -1 */
	struct orun *runs;
	size_t runhead, nruns, runcap;
	struct pos acked;		/* what the collector took, per stream */
	double acked_at;		/* when last saved */
	int acked_err;			/* errno of the last failed save, told */
	/* rate */
	double tokens, refilled;
	/* counts */
	uint64_t lines, dgrams, bytes, reconnects, cut, dropped;
	unsigned long reports;
	struct tm_cache tc;
	int64_t tsec;			/* the second and header of pfx */
	uint32_t pfx_schema;
	char pfx[WIRE_HEADMAX + 256];	/* "<134>1 TS HOST omph PROCID - - " */
	size_t pfxlen;
};

static void usage(void);
static _Noreturn void help(void);
static void need(int, const char *);
static int printable(const char *);
static void udp_line(struct send *, const char *, size_t, int);
static int udp_flush(struct send *, int);
static int tcp_line(struct send *, const char *, size_t);
static void tcp_connect(struct send *);
static void tcp_down(struct send *, int);
static int tcp_write(struct send *);
static void tcp_acks(struct send *);
static void set_header(struct send *, const char *, size_t);
static void cut(struct send *, size_t);
static uint64_t held_lines(const struct send *);
static int save_acked(struct send *);
static int origin_col(const char *, size_t);

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
		{ "secret", required_argument, NULL, 'k' },
		{ "acked", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct send s;
	struct lr_line l;
	struct pollfd pfd[2];
	sigset_t orig;
	char errbuf[512];
	double t, wait;
	size_t v, room_need;
	uint64_t nlines, nbytes;
	int ch, n, ms, rv = 0, want_in, sock_i, in_i, lingered = 0, ready;
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
		case 'k':
			secret = optarg;
			break;
		case 'a':
			opt_acked = optarg;
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
	memset(&s, 0, sizeof(s));
	if (net_parse(argv[optind], 0, &s.addr, errbuf, sizeof(errbuf)) == -1) {
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
	s.ocol = -1;
	if (secret != NULL) {
		if (wire_read_secret(secret, opt_key, errbuf,
		    sizeof(errbuf)) == -1)
			errx(1, "--secret %s", errbuf);
		skey = opt_key;
	}
	/* room for a line and its header message, framed, twice over */
	room_need = opt_syslog ? 2 * (opt_max_line + WIRE_HEADMAX + 600) :
	    opt_max_line + WIRE_HEADMAX + 32;
	if (opt_buffer < 2 * room_need)
		opt_buffer = 2 * room_need;
	net_str(&s.addr, s.where, sizeof(s.where));
	sig_setup(&orig);

	if (gethostname(s.host, sizeof(s.host) - 1) == -1 || s.host[0] == '\0')
		strcpy(s.host, "localhost");
	s.host[strcspn(s.host, " \t\n\r")] = '\0';
	if (opt_id != NULL)
		snprintf(s.id, sizeof(s.id), "%s", opt_id);
	else
		snprintf(s.id, sizeof(s.id), "%.50s/%ld", s.host, (long)getpid());
	if (getrandom(&s.session, sizeof(s.session), GRND_NONBLOCK) !=
	    sizeof(s.session))
		s.session = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
	s.fd = -1;
	s.tsec = INT64_MIN;
	s.backoff = BACKOFF_MIN;
	s.refilled = tm_mono();
	s.tokens = 1;
	if (lr_init(&s.in, STDIN_FILENO, opt_max_line) == -1)
		err(1, NULL);
	if (s.addr.proto == NET_UDP) {
		if ((s.dg = malloc(BATCH * opt_max_dgram)) == NULL)
			err(1, NULL);
		if ((s.fd = net_connect(&s.addr, 0, errbuf, sizeof(errbuf))) == -1)
			errx(1, "%s: %s", s.where, errbuf);
	} else {
		s.cap = opt_buffer;
		if ((s.buf = malloc(s.cap)) == NULL)
			err(1, NULL);
		tcp_connect(&s);
	}

	for (;;) {
		/* lines from stdin, as many as the buffer and the rate allow */
		for (;;) {
			if (s.addr.proto == NET_TCP &&
			    s.cap - s.len < room_need)
				break;	/* full: backpressure */
			if (opt_rate > 0) {
				t = tm_mono();
				s.tokens += (t - s.refilled) * opt_rate;
				s.refilled = t;
				if (s.tokens > opt_rate / 100 + 1)
					s.tokens = opt_rate / 100 + 1;
				if (s.tokens < 1)
					break;
			}
			if (lr_next(&s.in, &l) != 1)
				break;
			if (opt_rate > 0)
				s.tokens -= 1;
			if (l.flags & LR_CUT)
				cut(&s, opt_max_line);
			s.lines++;
			if (s.addr.proto == NET_UDP)
				udp_line(&s, l.p, l.len, l.p[0] == '#' && l.len > 0);
			else if (tcp_line(&s, l.p, l.len) == -1)
				err(1, NULL);
		}
		if (sig_caught())
			break;
		/* one look at stdin per turn: every decision below agrees */
		ready = lr_ready(&s.in);
		if (s.addr.proto == NET_UDP) {
			/* input idle (or ended): what we have leaves now */
			if (s.in.eof || !ready || s.ndg == BATCH)
				if (udp_flush(&s, s.in.eof || !ready) == -1)
					break;
			if (s.in.eof && s.ndg == 0 && !s.open)
				break;
		} else {
			/*
			 * The end of input: everything must be acknowledged
			 * and the collector close within --linger, however
			 * often it is down meanwhile.
			 */
			if (s.in.eof && s.end_by == 0)
				s.end_by = tm_mono() + opt_linger;
			if (s.done)
				break;
			if (s.in.eof && tm_mono() >= (s.eof_sent ?
			    s.linger_until : s.end_by)) {
				lingered = 1;
				break;
			}
			if (s.fd == -1 && !s.connecting && tm_mono() >= s.next_try)
				tcp_connect(&s);
			if (s.fd >= 0 && !s.connecting && tcp_write(&s) == -1)
				tcp_down(&s, errno);
			if (opt_acked != NULL && s.acked.dirty &&
			    tm_mono() - s.acked_at >= ACKED_EVERY)
				save_acked(&s);
			if (s.in.eof && s.len == 0 && s.in.start == s.in.end &&
			    s.fd >= 0 && !s.connecting &&
			    s.hellooff == s.hellolen && !s.eof_sent) {
				/* everything taken: say we are done */
				shutdown(s.fd, SHUT_WR);
				s.eof_sent = 1;
				s.linger_until = tm_mono() + LINGER_CLOSE;
				if (s.linger_until > s.end_by)
					s.linger_until = s.end_by;
			}
		}

		/* wait for input, the socket, or a timer */
		n = 0;
		in_i = sock_i = -1;
		want_in = !s.in.eof && (s.addr.proto == NET_UDP ||
		    s.cap - s.len >= room_need) &&
		    (opt_rate == 0 || s.tokens >= 1);
		if (want_in && !ready) {
			pfd[n].fd = STDIN_FILENO;
			pfd[n].events = POLLIN;
			in_i = n++;
		}
		if (s.fd >= 0 && s.addr.proto == NET_TCP) {
			pfd[n].fd = s.fd;
			pfd[n].events = POLLIN;
			if (s.connecting || s.hellooff < s.hellolen ||
			    s.sent < s.base + s.len)
				pfd[n].events |= POLLOUT;
			sock_i = n++;
		}
		wait = -1;
		if (opt_rate > 0 && s.tokens < 1)
			wait = (1 - s.tokens) / opt_rate;
		if (s.addr.proto == NET_TCP && s.fd == -1) {
			t = s.next_try - tm_mono();
			wait = wait < 0 || t < wait ? t : wait;
		}
		if (s.addr.proto == NET_TCP && s.in.eof) {
			t = (s.eof_sent ? s.linger_until : s.end_by) - tm_mono();
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
		if (sock_i >= 0 && pfd[sock_i].revents) {
			if (s.connecting) {
				if (net_connected(s.fd) == -1)
					tcp_down(&s, errno);
				else {
					s.connecting = 0;
					s.up_at = tm_mono();
					if (s.connections++ > 0)
						s.reconnects++;
					if (s.down_told)
						warnx("%s: connected", s.where);
					s.down_told = 0;
				}
			} else if (pfd[sock_i].revents & (POLLIN | POLLHUP | POLLERR))
				tcp_acks(&s);
		}
		if ((want_in && ready) || (in_i >= 0 && pfd[in_i].revents)) {
			if (lr_fill(&s.in) == -1 && errno != EAGAIN &&
			    errno != EINTR) {
				warn("stdin");
				rv = 1;
				break;
			}
		}
	}
	if (s.addr.proto == NET_UDP)
		udp_flush(&s, 1);
	if (s.addr.proto == NET_TCP) {
		/*
		 * Stopped by a signal, by --linger or a read error with lines
		 * the collector did not acknowledge (written, with --syslog):
		 * those in the buffer and those read but not yet taken.
		 */
		nlines = held_lines(&s);
		nbytes = s.len;
		while (lr_next(&s.in, &l) == 1) {
			nlines++;
			nbytes += l.len + 1;
		}
		if (nlines > 0 || nbytes > 0) {
			s.dropped += nbytes;
			if (lingered)
				warnx("%s: %" PRIu64 " lines (%" PRIu64 " bytes) not "
				    "delivered within --linger %g", s.where, nlines,
				    nbytes, opt_linger);
			else
				warnx("%s: %" PRIu64 " lines (%" PRIu64 " bytes) not "
				    "delivered", s.where, nlines, nbytes);
			rv = 1;
		}
	}
	if (s.fd >= 0)
		close(s.fd);
	if (opt_acked != NULL && (s.acked.dirty || s.acked_err) &&
	    save_acked(&s) == -1)
		rv = 1;
	fprintf(stderr, "omph-send: %" PRIu64 " lines, %" PRIu64 " datagrams, %"
	    PRIu64 " bytes, %" PRIu64 " reconnects, %" PRIu64 " cut, %" PRIu64
	    " %s dropped\n", s.lines, s.dgrams, s.bytes, s.reconnects, s.cut,
	    s.dropped, s.addr.proto == NET_UDP ? "datagrams" : "bytes");
	if (s.addr.proto == NET_UDP && s.dropped > 0)
		rv = 1;
	lr_free(&s.in);
	free(s.dg);
	free(s.buf);
	free(s.hdr);
	free(s.basehdr);
	free(s.hello);
	while (s.nmarks > 0)
		free(s.marks[--s.nmarks].text);
	free(s.marks);
	free(s.runs);
	pos_free(&s.acked);
	return rv;
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

static void
cut(struct send *s, size_t at)
{
	s->cut++;
	if (++s->reports <= MAX_REPORTS) {
		warnx("stdin:%" PRIu64 ": line longer than %zu bytes cut",
		    s->in.lineno, at);
		if (s->reports == MAX_REPORTS)
			warnx("further cut lines are only counted");
	}
}

/* the column named "origin" in header line p (len bytes), or -1 */
static int
origin_col(const char *p, size_t len)
{
	const char *e = p + len, *f = p + 1, *t;
	int i;

	for (i = 0; f <= e; i++, f = t + 1) {
		if ((t = memchr(f, '\t', (size_t)(e - f))) == NULL)
			t = e;
		if (t - f == 6 && memcmp(f, "origin", 6) == 0)
			return i;
	}
	return -1;
}

/*
 * --acked: the record p (len bytes) was put in the buffer, ending at
 * stream offset off; its origin, if it has one, extends the last run when
 * of the same stream, else starts one.
 */
static void
track(struct send *s, const char *p, size_t len, uint64_t off)
{
	const char *e = p + len, *t;
	uint64_t id, start, end;
	struct orun *r;
	size_t cap;
	int i;

	for (i = 0; i < s->ocol; i++, p = t + 1)
		if ((t = memchr(p, '\t', (size_t)(e - p))) == NULL)
			return;
	if ((t = memchr(p, '\t', (size_t)(e - p))) == NULL)
		t = e;
	if (rec_origin(p, (size_t)(t - p), &id, &start, &end) == -1)
		return;
	r = s->nruns > 0 ? &s->runs[s->runhead + s->nruns - 1] : NULL;
	if (r == NULL || r->id != id) {
		if (s->runhead + s->nruns == s->runcap) {
			if (s->runhead > 0) {
				memmove(s->runs, s->runs + s->runhead,
				    s->nruns * sizeof(*r));
				s->runhead = 0;
			} else {
				cap = s->runcap ? s->runcap * 2 : 64;
				if ((r = realloc(s->runs, cap * sizeof(*r))) ==
				    NULL)
					err(1, NULL);
				s->runs = r;
				s->runcap = cap;
			}
		}
		r = &s->runs[s->runhead + s->nruns++];
		r->id = id;
	}
	r->off = off;
	r->end = end;
}

/* a new header for the lines that follow */
static void
set_header(struct send *s, const char *p, size_t len)
{
	char *h;

	if (len > s->hdrcap) {
		if ((h = realloc(s->hdr, len)) == NULL)
			err(1, NULL);
		s->hdr = h;
		s->hdrcap = len;
	}
	memcpy(s->hdr, p, len);
	s->hdrlen = len;
	s->schema = wire_schema(p, len);
	s->ocol = origin_col(p, len);
	if (s->addr.proto == NET_UDP && len + WIRE_HEADMAX + 1 > opt_max_dgram &&
	    !s->hdr_warned) {
		warnx("stdin:%" PRIu64 ": a header of %zu bytes does not fit in "
		    "a datagram: the records under it cannot be read (raise "
		    "--max-datagram)", s->in.lineno, len);
		s->hdr_warned = 1;
	}
}

/*
 * One syslog message for a line into p (cap bytes); its length.  The part
 * before the line changes only with the second and the header: it is
 * formatted then, and copied for every line.
 */
static size_t
syslog_msg(struct send *s, char *p, size_t cap, const char *line, size_t len)
{
	int64_t t = (int64_t)time(NULL);
	char procid[32], ts[TM_ISOMAX];
	size_t n;

	if (t != s->tsec || s->schema != s->pfx_schema || s->pfxlen == 0) {
		s->tsec = t;
		s->pfx_schema = s->schema;
		ts[tm_iso(t, ts)] = '\0';	/* tm_iso writes no NUL */
		snprintf(procid, sizeof(procid), "%08" PRIx32 ".%08" PRIx32,
		    s->session, s->schema);
		s->pfxlen = wire_put_syslog(s->pfx, sizeof(s->pfx), SYSLOG_PRI,
		    ts, s->id, "omph", procid, "", 0);
	}
	if (cap < s->pfxlen)
		return 0;
	memcpy(p, s->pfx, s->pfxlen);
	n = len < cap - s->pfxlen ? len : cap - s->pfxlen;
	/* a cut line ends on a character, not inside a UTF-8 sequence */
	while (n > 0 && n < len && ((unsigned char)line[n] & 0xc0) == 0x80)
		n--;
	memcpy(p + s->pfxlen, line, n);
	if (n < len)
		cut(s, cap);
	return s->pfxlen + n;
}

/* --- UDP --- */

/*
 * Start datagram ndg: room for its preamble, and the header line when due.
 * Its preamble is written when it is complete; only one datagram is open at
 * a time, so the number it will have is s->seq.
 */
static void
udp_open(struct send *s)
{
	char *d = s->dg + (size_t)s->ndg * opt_max_dgram;
	char pre[WIRE_HEADMAX];
	double t;

	s->dgschema[s->ndg] = s->hdrlen > 0 ? s->schema : 0;
	/* LEN at its longest; a tag is 16 digits in place of "-" */
	s->preroom[s->ndg] = wire_put_dgram(pre, s->id, s->session, s->seq,
	    s->dgschema[s->ndg], (int64_t)time(NULL), NULL,
	    opt_max_dgram, NULL) + (skey != NULL ? 15 : 0);
	s->prelen[s->ndg] = 0;
	s->dglen[s->ndg] = 0;
	s->open = 1;
	s->hdr_in = 0;
	t = tm_mono();
	if (s->hdrlen > 0 && (s->hdr_told != s->schema || t - s->hdr_at >=
	    HDR_EVERY) && s->preroom[s->ndg] + s->hdrlen + 1 <= opt_max_dgram) {
		memcpy(d, s->hdr, s->hdrlen);
		d[s->hdrlen] = '\n';
		s->dglen[s->ndg] = s->hdrlen + 1;
		s->hdr_in = 1;
		s->hdr_told = s->schema;
		s->hdr_at = t;
	}
}

/*
 * Datagram ndg is complete: its preamble, with the next sequence number,
 * the only place one is taken.
 */
static void
udp_close(struct send *s)
{
	int i = s->ndg;

	s->prelen[i] = wire_put_dgram(s->pre[i], s->id, s->session, s->seq++,
	    s->dgschema[i], (int64_t)time(NULL), s->dg + (size_t)i *
	    opt_max_dgram, s->dglen[i], skey);
	s->open = 0;
	s->ndg++;
}

/* one syslog message in a datagram of its own */
static void
udp_syslog_msg(struct send *s, const char *p, size_t len)
{
	if (s->ndg == BATCH)
		udp_flush(s, 0);
	s->prelen[s->ndg] = 0;
	s->dglen[s->ndg] = syslog_msg(s, s->dg + (size_t)s->ndg * opt_max_dgram,
	    opt_max_dgram, p, len);
	s->ndg++;
}

/*
 * One line into the datagrams: whole, or cut to fit an empty one.  A
 * header line starts a new schema: it rides at the top of the next
 * datagram (syslog: a message of its own, repeated each second).
 */
static void
udp_line(struct send *s, const char *p, size_t len, int header)
{
	size_t room;
	char *d;

	if (opt_syslog) {
		if (header)
			set_header(s, p, len);
		if (s->hdrlen > 0 && (header || s->hdr_told != s->schema ||
		    tm_mono() - s->hdr_at >= HDR_EVERY)) {
			udp_syslog_msg(s, s->hdr, s->hdrlen);
			s->hdr_told = s->schema;
			s->hdr_at = tm_mono();
		}
		if (!header)
			udp_syslog_msg(s, p, len);
		return;
	}
	if (header) {
		if (s->hdrlen == len && memcmp(s->hdr, p, len) == 0)
			return;	/* the same header again */
		if (s->open)
			udp_close(s);
		set_header(s, p, len);
		return;
	}
	for (;;) {
		if (!s->open) {
			if (s->ndg == BATCH)
				udp_flush(s, 0);
			udp_open(s);
		}
		d = s->dg + (size_t)s->ndg * opt_max_dgram;
		room = opt_max_dgram - s->preroom[s->ndg] - s->dglen[s->ndg];
		if (len + 1 <= room)
			break;
		if (s->dglen[s->ndg] == (s->hdr_in ? s->hdrlen + 1 : 0)) {
			/* alone it does not fit: cut it */
			cut(s, room - 1);
			len = room - 1;
			break;
		}
		udp_close(s);
	}
	memcpy(d + s->dglen[s->ndg], p, len);
	d[s->dglen[s->ndg] + len] = '\n';
	s->dglen[s->ndg] += len + 1;
}

/*
 * Send the complete datagrams (and the open one when all is set; else it
 * stays open, moved to the first slot).  A full socket buffer waits; a
 * refused port (no collector yet) drops them, counted.  Returns 0, -1 on
 * a fatal send error.
 */
static int
udp_flush(struct send *s, int all)
{
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH][2];
	struct pollfd pfd;
	int i, k, done = 0;

	if (all && s->open)
		udp_close(s);
	for (i = 0; i < s->ndg; i++) {
		iov[i][0].iov_base = s->pre[i];
		iov[i][0].iov_len = s->prelen[i];
		iov[i][1].iov_base = s->dg + (size_t)i * opt_max_dgram;
		iov[i][1].iov_len = s->dglen[i];
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = iov[i];
		mm[i].msg_hdr.msg_iovlen = 2;
	}
	while (done < s->ndg) {
		k = sendmmsg(s->fd, mm + done, (unsigned)(s->ndg - done), 0);
		if (k > 0) {
			for (i = done; i < done + k; i++)
				s->bytes += s->prelen[i] + s->dglen[i];
			s->dgrams += (uint64_t)k;
			done += k;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == ENOBUFS) {
			pfd.fd = s->fd;
			pfd.events = POLLOUT;
			poll(&pfd, 1, 100);
			continue;
		}
		if (errno == ECONNREFUSED || errno == EHOSTUNREACH ||
		    errno == ENETUNREACH || errno == EMSGSIZE) {
			/*
			 * This one is lost: say so once, go on.  Whoever
			 * listens next may not know our header: it goes
			 * in the next datagram.
			 */
			if (!s->down_told)
				warn("%s", s->where);
			s->down_told = 1;
			s->hdr_told = 0;
			s->dropped++;
			done++;
			continue;
		}
		warn("%s", s->where);
		s->dropped += (uint64_t)(s->ndg - done);
		s->ndg = 0;
		s->open = 0;
		return -1;
	}
	if (s->open && s->ndg > 0) {
		/* the open one goes on in slot 0 */
		memmove(s->dg, s->dg + (size_t)s->ndg * opt_max_dgram,
		    s->dglen[s->ndg]);
		s->dglen[0] = s->dglen[s->ndg];
		s->preroom[0] = s->preroom[s->ndg];
		s->dgschema[0] = s->dgschema[s->ndg];
	}
	s->ndg = 0;
	return 0;
}

/* --- TCP --- */

/* room for n more bytes at the end of buf (compacting); 0 or -1 */
static int
room(struct send *s, size_t n)
{
	if (s->cap - s->head - s->len >= n)
		return 0;
	if (s->cap - s->len < n)
		return -1;
	memmove(s->buf, s->buf + s->head, s->len);
	s->head = 0;
	return 0;
}

/* append a line (and its framing) to the stream buffer */
static int
tcp_line(struct send *s, const char *p, size_t len)
{
	struct mark *m;
	char *d, tmp[32];
	size_t n;
	int k;

	if (opt_syslog) {
		if (len > 0 && p[0] == '#')
			set_header(s, p, len);
		else if (s->hdrlen > 0 && (s->hdr_told != s->schema ||
		    tm_mono() - s->hdr_at >= HDR_EVERY)) {
			s->hdr_told = s->schema;
			s->hdr_at = tm_mono();
			if (tcp_line(s, s->hdr, s->hdrlen) == -1)
				return -1;
		}
		if (len > 0 && p[0] == '#') {
			s->hdr_told = s->schema;
			s->hdr_at = tm_mono();
		}
		if (room(s, len + WIRE_HEADMAX + 512 + 24) == -1) {
			errno = ENOBUFS;
			return -1;
		}
		d = s->buf + s->head + s->len;
		n = syslog_msg(s, d + 24, len + WIRE_HEADMAX + 512, p, len);
		if (opt_lf) {
			memmove(d, d + 24, n);
			d[n++] = '\n';
		} else {
			k = snprintf(tmp, sizeof(tmp), "%zu ", n);
			memmove(d + k, d + 24, n);
			memcpy(d, tmp, (size_t)k);
			n += (size_t)k;
		}
		s->len += n;
		return 0;
	}
	if (room(s, len + 1) == -1) {
		errno = ENOBUFS;
		return -1;
	}
	if (len > 0 && p[0] == '#') {
		s->ocol = origin_col(p, len);
		/* a header: remembered at its offset, for a resend from there */
		if (s->nmarks == s->markcap) {
			size_t cap = s->markcap ? s->markcap * 2 : 8;

			if ((m = realloc(s->marks, cap * sizeof(*m))) == NULL)
				return -1;
			s->marks = m;
			s->markcap = cap;
		}
		m = &s->marks[s->nmarks];
		if ((m->text = malloc(len ? len : 1)) == NULL)
			return -1;
		memcpy(m->text, p, len);
		m->len = len;
		m->off = s->base + s->len;
		s->nmarks++;
	}
	d = s->buf + s->head + s->len;
	memcpy(d, p, len);
	d[len] = '\n';
	s->len += len + 1;
	if (opt_acked != NULL && s->ocol >= 0 && (len == 0 || p[0] != '#'))
		track(s, p, len, s->base + s->len);
	return 0;
}

static void
tcp_connect(struct send *s)
{
	char errbuf[256];

	s->acklen = 0;
	s->eof_sent = 0;
	if ((s->fd = net_connect(&s->addr, s->attempts++, errbuf,
	    sizeof(errbuf))) == -1) {
		if (!s->down_told)
			warnx("%s: %s; retrying", s->where, errbuf);
		s->down_told = 1;
		s->next_try = tm_mono() + s->backoff;
		s->backoff = s->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX :
		    s->backoff * 2;
		return;
	}
	s->connecting = 1;
	s->sent = s->base;
	s->framelen = s->frameoff = 0;
	s->frame_end = s->base;
	/* the preamble: who we are, where this stream starts, its header */
	s->hellolen = s->hellooff = 0;
	if (!opt_syslog) {
		free(s->hello);
		if ((s->hello = malloc(WIRE_HEADMAX + s->basehdrlen + 1)) == NULL)
			err(1, NULL);
		s->hellolen = wire_put_hello(s->hello, s->id, s->session, s->base,
		    (int64_t)time(NULL), s->basehdr, s->basehdrlen, skey, &s->htag);
		if (s->basehdrlen > 0)
			memcpy(s->hello + s->hellolen, s->basehdr, s->basehdrlen);
		s->hellolen += s->basehdrlen;
		s->hello[s->hellolen++] = '\n';
	}
}

/* the connection is gone (e: errno, 0 for a close): resend from base later */
static void
tcp_down(struct send *s, int e)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->connecting = 0;
	if (!s->down_told) {
		if (e != 0)
			warnx("%s: %s; retrying", s->where, strerror(e));
		else
			warnx("%s: closed by the collector; retrying", s->where);
	}
	s->down_told = 1;
	s->sent = s->base;	/* syslog: written was released already */
	s->next_try = tm_mono() + s->backoff;
	s->backoff = s->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : s->backoff * 2;
}

/* bytes up to offset off were taken: free them, track the header at base */
static void
release(struct send *s, uint64_t off)
{
	size_t i, k = 0;

	if (off <= s->base || off > s->base + s->len)
		return;
	s->head += (size_t)(off - s->base);
	s->len -= (size_t)(off - s->base);
	s->base = off;
	if (s->len == 0)
		s->head = 0;
	/* --acked: the streams of the records taken are taken up to there */
	while (s->nruns > 0 && s->runs[s->runhead].off <= off) {
		if (pos_set(&s->acked, s->runs[s->runhead].id,
		    s->runs[s->runhead].end) == -1)
			err(1, NULL);
		s->runhead++;
		s->nruns--;
	}
	if (s->nruns == 0)
		s->runhead = 0;
	for (i = 0; i < s->nmarks; i++) {
		if (s->marks[i].off < off) {
			free(s->basehdr);
			s->basehdr = s->marks[i].text;
			s->basehdrlen = s->marks[i].len;
			k = i + 1;
		} else
			break;
	}
	if (k > 0) {
		memmove(s->marks, s->marks + k, (s->nmarks - k) *
		    sizeof(*s->marks));
		s->nmarks -= k;
	}
}

/*
 * Syslog: nothing acknowledges a message, so one is given up once written
 * whole; a frame cut by a lost connection is sent again whole, so the next
 * connection starts at a frame.
 */
static void
frames_written(struct send *s)
{
	const char *p, *e, *nl;
	uint64_t n;

	for (;;) {
		p = s->buf + s->head;
		e = p + (s->sent - s->base);
		if (opt_lf) {
			if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
				return;
			release(s, s->base + (uint64_t)(nl + 1 - p));
			continue;
		}
		for (n = 0; p < e && *p >= '0' && *p <= '9'; p++)
			n = n * 10 + (uint64_t)(*p - '0');
		if (p == e || n > (uint64_t)(e - p - 1))
			return;
		release(s, s->base + (uint64_t)(p + 1 - (s->buf + s->head)) + n);
	}
}

/*
 * --secret: the frame line for the bytes from s->sent, whole lines up to
 * WIRE_FRAMEMAX (a longer line alone; the buffer holds whole lines only).
 */
static void
tcp_frame(struct send *s)
{
	const char *p = s->buf + s->head + (s->sent - s->base), *lf;
	size_t avail = (size_t)(s->base + s->len - s->sent), n = avail;

	if (n > WIRE_FRAMEMAX) {
		if ((lf = memrchr(p, '\n', WIRE_FRAMEMAX)) == NULL)
			lf = memchr(p + WIRE_FRAMEMAX, '\n', avail - WIRE_FRAMEMAX);
		n = lf != NULL ? (size_t)(lf + 1 - p) : avail;
	}
	s->framelen = wire_put_frame(s->frame, s->htag, s->sent, p, n, skey);
	s->frameoff = 0;
	s->frame_end = s->sent + n;
}

/* write what is waiting; -1 with errno when the connection failed */
static int
tcp_write(struct send *s)
{
	ssize_t w;
	uint64_t end;

	while (s->hellooff < s->hellolen) {
		w = write(s->fd, s->hello + s->hellooff, s->hellolen - s->hellooff);
		if (w == -1)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		s->hellooff += (size_t)w;
	}
	while (s->sent < s->base + s->len) {
		end = s->base + s->len;
		if (skey != NULL) {
			if (s->frameoff == s->framelen && s->sent == s->frame_end)
				tcp_frame(s);
			while (s->frameoff < s->framelen) {
				w = write(s->fd, s->frame + s->frameoff,
				    s->framelen - s->frameoff);
				if (w == -1)
					return errno == EAGAIN || errno == EINTR ?
					    0 : -1;
				s->frameoff += (size_t)w;
			}
			end = s->frame_end;
		}
		w = write(s->fd, s->buf + s->head + (s->sent - s->base),
		    (size_t)(end - s->sent));
		if (w == -1)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		s->sent += (uint64_t)w;
		s->bytes += (uint64_t)w;
		if (opt_syslog) {
			frames_written(s);
			if (tm_mono() - s->up_at >= 1)
				s->backoff = BACKOFF_MIN;	/* it holds */
		}
	}
	return 0;
}

/* read "#ack<TAB>OFFSET" lines, or the end of the connection */
static void
tcp_acks(struct send *s)
{
	ssize_t r;
	char *nl, *p;
	uint64_t off;

	for (;;) {
		r = read(s->fd, s->ack + s->acklen, sizeof(s->ack) - 1 - s->acklen);
		if (r == -1) {
			if (errno != EAGAIN && errno != EINTR)
				tcp_down(s, errno);
			return;
		}
		if (r == 0) {
			if (s->eof_sent && s->len == 0) {
				/* the collector took everything and closed */
				close(s->fd);
				s->fd = -1;
				s->done = 1;
			} else
				tcp_down(s, 0);
			return;
		}
		s->acklen += (size_t)r;
		p = s->ack;
		while ((nl = memchr(p, '\n', (size_t)(s->ack + s->acklen -
		    p))) != NULL) {
			if (wire_parse_ack(p, (size_t)(nl - p), s->htag, skey,
			    &off) == 0) {
				if (off <= s->sent)
					release(s, off);
				/* a collector that takes data: retry soon next time */
				s->backoff = BACKOFF_MIN;
			} else if (skey != NULL && !s->ack_warned) {
				warnx("%s: an answer without a valid tag ignored "
				    "(the collector's --secret is not ours)",
				    s->where);
				s->ack_warned = 1;
			}
			p = nl + 1;
		}
		s->acklen -= (size_t)(p - s->ack);
		memmove(s->ack, p, s->acklen);
		if (s->acklen == sizeof(s->ack) - 1)
			s->acklen = 0;	/* not ours: forget it */
	}
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

/*
 * Lines in the TCP buffer, not acknowledged (with --syslog not written): LF
 * terminated, or octet-counted syslog frames (the header repeats of
 * --syslog count as lines too).
 */
static uint64_t
held_lines(const struct send *s)
{
	const char *p = s->buf + s->head, *e = p + s->len, *nl;
	uint64_t k = 0, n;

	if (s->len == 0)
		return 0;
	if (!opt_syslog || opt_lf) {
		for (; (nl = memchr(p, '\n', (size_t)(e - p))) != NULL; p = nl + 1)
			k++;
		return k + (p < e);
	}
	while (p < e) {
		for (n = 0; p < e && *p >= '0' && *p <= '9'; p++)
			n = n * 10 + (uint64_t)(*p - '0');
		if (p == e || n > (uint64_t)(e - p - 1))
			return k + 1;	/* cut: cannot be, counted */
		p += 1 + n;
		k++;
	}
	return k;
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
	    "                 [--acked file]\n"
	    "                 udp://host:port | tcp://host:port\n";

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
	    "Ship records from stdin to omph-collect --listen, or to a syslog server.\n"
	    "\n"
	    "      --id=NAME            the sender's name at the collector (default: the\n"
	    "                           host name)\n"
	    "      --max-datagram=BYTES the largest UDP datagram (default 1400)\n"
	    "      --buffer=BYTES       TCP: lines kept until acknowledged (default 64M)\n"
	    "      --syslog             send RFC 5424 syslog messages\n"
	    "      --framing=octet|lf   syslog over TCP: octet counting (default) or LF\n"
	    "      --rate=LINES         send at most LINES a second (default: no limit)\n"
	    "      --max-line=BYTES     cut lines longer than BYTES (default 1M)\n"
	    "      --linger=SECONDS     TCP: at the end of input, wait this long for every\n"
	    "                           line to be acknowledged (default 30; 0 no wait)\n"
	    "      --secret=FILE        tag what is sent with the key in FILE\n"
	    "      --acked=FILE         TCP: keep in FILE how far the collector took each\n"
	    "                           stream (omph-tail --acked resumes from it)\n"
	    "  -h, --help               print this help and exit\n"
	    "  -V, --version            print the version and exit\n"
	    "\n"
	    "Exit status: 0 every line delivered, 1 failure or lines not delivered,\n"
	    "2 usage.  See omph-send(1) and omph(7).\n", stdout);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	exit(0);
}

/*
 * omph-parse: turn access-log lines into records (man/omph.7).
 *
 * Input lines come from the named files or stdin; each is matched by a
 * compiled field program (clf, combined, vcombined, apache:, nginx:) or the
 * W3C directive state of its stream, and written as one record.  Lines that
 * do not match are counted, reported and optionally saved, never fatal.
 *
 * With --tagged, a line may carry its origin (omph-tail -H): the record's
 * origin column keeps it, its START moved back over the lines of the same
 * stream that made no record (rejected, blank, W3C directives), so that the
 * records of a stream stay contiguous (man/omph.7).
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "logfmt.h"
#include "lr.h"
#include "opt.h"
#include "out.h"
#include "par.h"
#include "rec.h"
#include "w3c.h"

#define MAX_REPORTS 10
#define AUTO_LINES 10
#define NOFIELDS "no #Fields directive before this line"

enum { F_LOGFMT, F_W3C, F_AUTO };

static const char *opt_source;		/* -s */
static int opt_tagged;			/* --tagged */
static const char *opt_fields;		/* --fields */
static int opt_all;			/* --all-fields */
static int opt_noheader;		/* --no-header */
static int opt_plainheader;		/* --plain-header */
static int opt_json;			/* -o json */
static const char *opt_rejects;		/* --rejects */
static int opt_strict;			/* --strict */
static size_t opt_maxline = 1024 * 1024; /* --max-line */
static size_t opt_max_sources = 4096;	/* --max-sources */
static size_t opt_jobs = 1;		/* -j */

/*
 * The W3C state of one tagged source (about 4 KiB).  At most
 * --max-sources are held; a new one takes the place of the least recently
 * seen, whose name hash goes to the forgotten set so that its records are
 * rejected as forgotten, not as never announced.  Only a directive admits a
 * source: records of a source without state never evict another.
 */
struct src {
	char *name;
	size_t len;
	uint64_t hash;
	struct w3c *w3c;
	uint32_t prev, next;		/* LRU list: index + 1, 0 at the ends */
};

/*
 * Streams whose last lines made no record: where the next record of the
 * stream starts.  Open addressing, at most half full (4 * --max-sources
 * slots); when full it is emptied (those streams' next records then start
 * where their own lines do: a collector sees a gap, never a loss).
 */
struct pend {
	uint64_t id, start;
	int used;
};

struct parse {
	int kind;			/* F_LOGFMT or F_W3C once known */
	struct lf_prog *lf;
	struct src *srcs;		/* --tagged W3C sources, by index */
	size_t nsrc, srccap;
	uint32_t *srctab;		/* name hash -> index + 1, linear probing */
	size_t srcmask;
	uint32_t lru, mru;		/* least, most recently seen: index + 1 */
	uint32_t *gone;			/* forgotten sources: hash >> 32 at hash */
	size_t gonemask;
	uint64_t forgotten;		/* sources evicted */
	struct w3c *w3c;		/* untagged W3C state, reset per file */
	char *tagbuf;			/* an escaped --tagged source, decoded */
	size_t tagcap;
	int autolines;			/* lines tried while detecting */

	/* --tagged origins: the current line's, and the pending starts */
	int origins;			/* a line with an origin was read */
	int has_org;			/* the current line has one */
	int emitted;			/* the current line made a record */
	uint64_t org_id, org_start, org_end;
	char orgbuf[REC_ORIGIN_MAX];
	struct pend *pend;
	size_t npend, pendmask;
	uint64_t pend_dropped;		/* times the table was emptied */

	/* output columns: names and where each comes from */
	const struct rec_schema *sch;	/* schema the map was made for */
	unsigned gen;
	int nout;
	unsigned char want_told[REC_MAXF];	/* a --fields name lacking was told */
	const char *outname[REC_MAXF];
	int outsrc[REC_MAXF];		/* schema column, -1 absent, -2 source,
					 * -3 origin */
	char *jkeys;			/* -o json: "name": of each column */
	size_t jkcap;
	uint32_t jkoff[REC_MAXF], jklen[REC_MAXF];
	unsigned char jnum[REC_MAXF];	/* a numeric column */
	int hdr_n;			/* header last written */
	int hdr_written;		/* a header line was written */
	const char *hdr[REC_MAXF];
	char *fieldbuf;			/* --fields storage */
	const char *want[REC_MAXF];	/* --fields list */
	int nwant;

	struct rec_val vals[REC_MAXF];
	struct out *out, *rej;
	uint64_t lines, records, rejected, blank;
	int failed;			/* a file could not be read */
	int watch_out;			/* stdout is a pipe: see its reader go */
	int stop;			/* give up reading (auto found nothing) */

	/* -j: in a worker, what the parent is told (par.h); in the parent,
	 * the header last written as text and the line count so far */
	struct out *ev;			/* a worker's events, else NULL */
	struct out *rejmem;		/* a worker's rejected lines */
	struct out *ftext;		/* a worker's first header, as text */
	int par_first;			/* the chunk's first header is pending */
	int has_first, wrote_hdr, fatal, nrejev;
	char *htext;			/* parent: header text last taken */
	size_t htlen;
	uint64_t lbase;			/* parent: lines of the chunks before */
	const char *pname;		/* the file being read */
};

static void usage(void);
static _Noreturn void help(void);
static void parse_free(struct parse *);
static int setup_format(struct parse *, const char *);
static void run_fd(struct parse *, int, const char *);
static void run_par(struct parse *, int, const char *, uint64_t);
static void header_text(struct parse *, struct out *);
static void event(struct parse *, int, uint64_t, int, const char *);
static int wait_input(struct parse *, int);
static void line(struct parse *, struct lr_line *, const char *, uint64_t);
static void line1(struct parse *, struct lr_line *, const char *, uint64_t);
static void pend_put(struct parse *, uint64_t, uint64_t);
static uint64_t pend_take(struct parse *, uint64_t, uint64_t);
static void emit(struct parse *, const struct rec_schema *, const char *,
    size_t, int);
static void reject(struct parse *, struct lr_line *, const char *, uint64_t,
    const char *, size_t, const char *);
static struct w3c *source_w3c(struct parse *, const char *, size_t, int,
    int *);
static int parse_fields(struct parse *, const char *);
static void map_columns1(struct parse *, const struct rec_schema *);

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "tagged", no_argument, NULL, 't' },
		{ "fields", required_argument, NULL, 'f' },
		{ "all-fields", no_argument, NULL, 'a' },
		{ "no-header", no_argument, NULL, 'H' },
		{ "plain-header", no_argument, NULL, 'P' },
		{ "output", required_argument, NULL, 'o' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "strict", no_argument, NULL, 'S' },
		{ "max-line", required_argument, NULL, 'm' },
		{ "max-sources", required_argument, NULL, 'M' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct parse ps;
	struct stat st;
	char errbuf[256];
	int ch, i, fd, rv = 0;

	out_stdfds();
	/*
	 * A stage of a pipeline: SIGHUP, sent to the whole shipper on a
	 * service's reload (for omph-tail and omph-send), is not for us.
	 */
	signal(SIGHUP, SIG_IGN);
	/* a reader that went away is a write error (EPIPE): exit 1 quietly */
	signal(SIGPIPE, SIG_IGN);
	memset(&ps, 0, sizeof(ps));
	argv[0] = (char *)"omph-parse";	/* getopt says "omph-parse: ...", as we do */
	while ((ch = getopt_long(argc, argv, "s:o:j:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			opt_source = optarg;
			break;
		case 't':
			opt_tagged = 1;
			break;
		case 'f':
			opt_fields = optarg;
			break;
		case 'a':
			opt_all = 1;
			break;
		case 'H':
			opt_noheader = 1;
			break;
		case 'P':
			opt_plainheader = 1;
			break;
		case 'o':
			if (strcmp(optarg, "json") == 0)
				opt_json = 1;
			else if (strcmp(optarg, "tsv") == 0)
				opt_json = 0;
			else {
				warnx("-o: unknown output %s (tsv or json)", optarg);
				usage();
			}
			break;
		case 'r':
			opt_rejects = optarg;
			break;
		case 'S':
			opt_strict = 1;
			break;
		case 'm':
			if (opt_size("--max-line", optarg, 256, 64 * 1024 * 1024,
			    &opt_maxline, errbuf, sizeof(errbuf)) == -1) {
				warnx("%s", errbuf);
				usage();
			}
			break;
		case 'j':
			if (opt_size("-j", optarg, 1, PAR_MAXN, &opt_jobs, errbuf,
			    sizeof(errbuf)) == -1) {
				warnx("%s", errbuf);
				usage();
			}
			break;
		case 'M':
			if (opt_size("--max-sources", optarg, 1, 1000000,
			    &opt_max_sources, errbuf, sizeof(errbuf)) == -1) {
				warnx("%s", errbuf);
				usage();
			}
			break;
		case 'V':
			printf("omph-parse %s\n", OMPH_VERSION);
			return 0;
		case 'h':
			help();
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	if (opt_plainheader && (opt_noheader || opt_json)) {
		warnx("--plain-header is for TSV with a header: not with %s",
		    opt_noheader ? "--no-header" : "-o json");
		usage();
	}
	if ((ps.out = malloc(sizeof(*ps.out))) == NULL)
		err(1, NULL);
	out_init(ps.out, STDOUT_FILENO);
	ps.watch_out = fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode);
	if (opt_fields != NULL && parse_fields(&ps, opt_fields) == -1)
		usage();
	if (setup_format(&ps, argv[0]) == -1)
		usage();
	if (opt_rejects != NULL) {
		if ((fd = open(opt_rejects, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0666)) == -1)
			err(1, "%s", opt_rejects);
		if ((ps.rej = malloc(sizeof(*ps.rej))) == NULL)
			err(1, NULL);
		out_init(ps.rej, fd);
	}
	if (argc == 1)
		run_fd(&ps, STDIN_FILENO, "stdin");
	for (i = 1; i < argc && !ps.out->err && !ps.stop; i++) {
		if (strcmp(argv[i], "-") == 0) {
			run_fd(&ps, STDIN_FILENO, "stdin");
			continue;
		}
		if ((fd = open(argv[i], O_RDONLY | O_CLOEXEC)) == -1) {
			warn("%s", argv[i]);
			ps.failed = 1;
			continue;
		}
		if (opt_jobs > 1 && !opt_tagged && ps.kind != F_AUTO &&
		    fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
			run_par(&ps, fd, argv[i], (uint64_t)st.st_size);
		else
			run_fd(&ps, fd, argv[i]);
		close(fd);
	}
	if (out_flush(ps.out) == -1) {
		if (ps.out->err != EPIPE)
			warnx("stdout: %s", strerror(ps.out->err));
		rv = 1;
		goto out;
	}
	if (ps.rej != NULL && (out_flush(ps.rej) == -1 || close(ps.rej->fd) == -1)) {
		warnx("%s: %s", opt_rejects, strerror(ps.rej->err ? ps.rej->err :
		    errno));
		rv = 1;
	}
	if (ps.forgotten > 0)
		warnx("the W3C directives of %llu sources were forgotten "
		    "(--max-sources %zu)", (unsigned long long)ps.forgotten,
		    opt_max_sources);
	if (ps.kind == F_AUTO && ps.lines > ps.blank) {
		warnx("auto: no known format in the first %d lines", AUTO_LINES);
		rv = 1;
	}
	if (ps.rejected > 0) {
		warnx("%llu of %llu lines rejected", (unsigned long long)ps.rejected,
		    (unsigned long long)ps.lines);
		if (opt_strict)
			rv = 1;
	}
	if (ps.failed)
		rv = 1;
out:
	parse_free(&ps);
	return rv;
}

/* free everything ps holds (it may be partly set up) */
static void
parse_free(struct parse *ps)
{
	size_t i;
	int j;

	lf_free(ps->lf);
	w3c_free(ps->w3c);
	for (i = 0; i < ps->nsrc; i++) {
		free(ps->srcs[i].name);
		w3c_free(ps->srcs[i].w3c);
	}
	free(ps->srcs);
	free(ps->srctab);
	free(ps->gone);
	for (j = 0; j < ps->hdr_n; j++)
		free((char *)ps->hdr[j]);
	free(ps->fieldbuf);
	free(ps->jkeys);
	free(ps->htext);
	free(ps->tagbuf);
	free(ps->pend);
	free(ps->out);
	free(ps->rej);
}

static int
setup_format(struct parse *ps, const char *fmt)
{
	char errbuf[256];
	const char *s;
	int dialect = LF_APACHE;

	if (strcmp(fmt, "w3c") == 0) {
		ps->kind = F_W3C;
		return 0;
	}
	if (strcmp(fmt, "auto") == 0) {
		ps->kind = F_AUTO;
		return 0;
	}
	if ((s = lf_preset(fmt)) == NULL) {
		if (strncmp(fmt, "apache:", 7) == 0)
			s = fmt + 7;
		else if (strncmp(fmt, "nginx:", 6) == 0) {
			s = fmt + 6;
			dialect = LF_NGINX;
		} else {
			warnx("unknown format %s", fmt);
			return -1;
		}
	}
	if ((ps->lf = lf_compile(s, dialect, errbuf, sizeof(errbuf))) == NULL) {
		warnx("%s: %s", fmt, errbuf);
		return -1;
	}
	ps->kind = F_LOGFMT;
	return 0;
}

static int
parse_fields(struct parse *ps, const char *list)
{
	char *p, *tok;

	if ((ps->fieldbuf = strdup(list)) == NULL)
		err(1, NULL);
	for (p = ps->fieldbuf; (tok = strsep(&p, ",")) != NULL;) {
		if (*tok == '\0') {
			warnx("--fields: empty field name in \"%s\"", list);
			return -1;
		}
		if (ps->nwant == REC_MAXF) {
			warnx("--fields: more than %d fields", REC_MAXF);
			return -1;
		}
		ps->want[ps->nwant++] = tok;
	}
	return 0;
}

/*
 * Wait until fd has input, or the reader of a stdout pipe goes away (POLLERR
 * on our end): then the stage ends at once, as a write would have failed,
 * with out->err EPIPE, and -1.  A pipeline whose last command quits thus
 * ends even when its input stays idle.
 */
static int
wait_input(struct parse *ps, int fd)
{
	struct pollfd pfd[2];

	pfd[0].fd = fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = STDOUT_FILENO;
	pfd[1].events = 0;
	while (poll(pfd, ps->watch_out ? 2 : 1, -1) == -1)
		if (errno != EINTR && errno != EAGAIN)
			return 0;	/* the read tells what is wrong */
	if (ps->watch_out && (pfd[1].revents & (POLLERR | POLLHUP))) {
		ps->out->err = EPIPE;
		return -1;
	}
	return 0;
}

static void
run_fd(struct parse *ps, int fd, const char *name)
{
	struct lr r;
	struct lr_line l;
	ssize_t n;

	if (lr_init(&r, fd, opt_maxline) == -1)
		err(1, NULL);
	/* each file starts without W3C directives of its own */
	w3c_free(ps->w3c);
	ps->w3c = NULL;
	ps->sch = NULL;		/* a new state may reuse the old one's memory */
	for (;;) {
		while (lr_next(&r, &l) == 1) {
			line(ps, &l, name, r.lineno);
			if (ps->out->err || ps->stop)
				goto out;
		}
		if (r.eof)
			break;
		if (!lr_ready(&r)) {
			/* nothing more ready: let what we have go on */
			if (ps->out->len > 0 && out_flush(ps->out) == -1)
				goto out;
			if (wait_input(ps, fd) == -1)
				goto out;
		}
		if ((n = lr_fill(&r)) == -1) {
			warn("%s", name);
			ps->failed = 1;
			break;
		}
	}
out:
	lr_free(&r);
}

/*
 * -j: a regular file by par (lib/par.h).  The workers run line() on their
 * chunks with stdout and --rejects in memory and, for the parent, events
 * instead of messages: 'R' a rejected line (chunk line number, why), 'T' a
 * --fields name told (its index), 'W' a read error.  The parent writes the
 * first header of a chunk only if it differs from the last one, numbers
 * the lines and tells the first MAX_REPORTS rejects: the output and the
 * messages are those of one process.
 */
struct pmeta {
	uint64_t lines, datalines, records, rejected, blank;
	uint32_t nrejev, flags, firstlen, lastlen, evlen, rejlen;
};
#define PM_FAILED 1
#define PM_FATAL 2
#define PM_FIRST 4
#define PM_WROTE 8

static void
event(struct parse *ps, int type, uint64_t lineno, int idx, const char *text)
{
	uint32_t n = text != NULL ? (uint32_t)strlen(text) : 0, i = (uint32_t)idx;
	char t = (char)type;

	out_write(ps->ev, &t, 1);
	out_write(ps->ev, &lineno, 8);
	out_write(ps->ev, &i, 4);
	out_write(ps->ev, &n, 4);
	out_write(ps->ev, text, n);
}

/* the header line of ps->hdr as it would be written */
static void
header_text(struct parse *ps, struct out *o)
{
	if (ps->hdr_n > 0 && opt_plainheader)
		rec_put_names(o, ps->hdr, ps->hdr_n);
	else if (ps->hdr_n > 0)
		rec_put_header(o, ps->hdr, ps->hdr_n);
}

static void
par_gap(void *arg, struct lr_line *l)
{
	struct parse *ps = arg;
	char why[256];
	size_t len = l->len;

	if ((l->flags & LR_CUT) || len == 0 || *l->p != '#')
		return;
	if (l->p[len - 1] == '\r')
		len--;
	if (ps->w3c == NULL && (ps->w3c = w3c_new()) == NULL)
		_exit(1);
	(void)w3c_line(ps->w3c, l->p, len, ps->vals, why, sizeof(why));
}

static void
par_begin(void *arg, struct out *data)
{
	struct parse *ps = arg;

	ps->out = data;
	ps->rej = ps->rejmem;
	ps->lines = ps->records = ps->rejected = ps->blank = 0;
	ps->has_first = ps->wrote_hdr = ps->fatal = ps->nrejev = 0;
	ps->failed = 0;
	ps->par_first = 1;
	ps->sch = NULL;
	ps->ev->memlen = 0;
	ps->ftext->len = 0;
	if (ps->rej != NULL)
		ps->rej->memlen = 0;
}

static int
par_line(void *arg, struct lr_line *l, uint64_t lineno)
{
	struct parse *ps = arg;

	line(ps, l, ps->pname, lineno);
	return ps->stop;
}

static void
par_end(void *arg, struct out *meta, uint64_t lines, int e)
{
	struct parse *ps = arg;
	struct pmeta pm;
	size_t at;

	if (e != 0) {
		event(ps, 'W', 0, 0, strerror(e));
		ps->failed = 1;
	}
	out_flush(ps->ev);
	if (ps->rej != NULL)
		out_flush(ps->rej);
	memset(&pm, 0, sizeof(pm));
	pm.lines = lines;
	pm.datalines = ps->lines;
	pm.records = ps->records;
	pm.rejected = ps->rejected;
	pm.blank = ps->blank;
	pm.nrejev = (uint32_t)ps->nrejev;
	pm.flags = (ps->failed ? PM_FAILED : 0) | (ps->fatal ? PM_FATAL : 0) |
	    (ps->has_first ? PM_FIRST : 0) | (ps->wrote_hdr ? PM_WROTE : 0);
	out_write(meta, &pm, sizeof(pm));
	/* the first header (taken when it came) and the last one */
	out_write(meta, ps->ftext->buf, ps->ftext->len);
	pm.firstlen = (uint32_t)ps->ftext->len;
	at = meta->len;
	if (ps->has_first)
		header_text(ps, meta);
	pm.lastlen = (uint32_t)(meta->len - at);
	pm.evlen = (uint32_t)ps->ev->memlen;
	pm.rejlen = ps->rej != NULL ? (uint32_t)ps->rej->memlen : 0;
	memcpy(meta->buf + at - pm.firstlen - sizeof(pm), &pm, sizeof(pm));
	out_write(meta, ps->ev->mem, ps->ev->memlen);
	if (ps->rej != NULL)
		out_write(meta, ps->rej->mem, ps->rej->memlen);
}

static int
par_merge(void *arg, const char *m, size_t len)
{
	struct parse *ps = arg;
	struct pmeta pm;
	const char *p, *e, *hd;
	uint64_t lineno;
	uint32_t idx, n;
	char *t;

	if (len < sizeof(pm))
		errx(1, "-j: a worker's report is short");
	memcpy(&pm, m, sizeof(pm));
	hd = m + sizeof(pm);
	p = hd + pm.firstlen + pm.lastlen;
	e = p + pm.evlen;
	if (pm.flags & PM_FIRST) {
		if (pm.firstlen != ps->htlen || memcmp(hd, ps->htext, ps->htlen) != 0) {
			if (opt_plainheader && ps->hdr_written) {
				out_flush(ps->out);
				errx(1, "the columns changed mid-stream (a W3C #Fields "
				    "line); --plain-header writes its header once: fix "
				    "the columns with --fields");
			}
			if (!opt_noheader && !opt_json) {
				out_write(ps->out, hd, pm.firstlen);
				ps->hdr_written = 1;
			}
		}
	}
	if (pm.flags & PM_FIRST) {
		/* the last header of the chunk: in -j, the same text as what a
		 * header change inside it wrote last; kept for the next one */
		if ((t = realloc(ps->htext, pm.lastlen + 1)) == NULL)
			err(1, NULL);
		ps->htext = t;
		memcpy(t, hd + pm.firstlen, pm.lastlen);
		ps->htlen = pm.lastlen;
	}
	if (pm.flags & PM_WROTE)
		ps->hdr_written = 1;
	while (p + 17 <= e) {
		memcpy(&lineno, p + 1, 8);
		memcpy(&idx, p + 9, 4);
		memcpy(&n, p + 13, 4);
		if (*p == 'R') {
			if (++ps->rejected <= MAX_REPORTS) {
				warnx("%s:%llu: %.*s", ps->pname, (unsigned long long)
				    (ps->lbase + lineno), (int)n, p + 17);
				if (ps->rejected == MAX_REPORTS)
					warnx("further rejected lines are only counted");
			}
		} else if (*p == 'T' && !ps->want_told[idx]) {
			ps->want_told[idx] = 1;
			warnx("--fields %s: neither a field of the format nor a "
			    "canonical one; it is written as \\N", ps->want[idx]);
		} else if (*p == 'W')
			warnx("%s: %.*s", ps->pname, (int)n, p + 17);
		p += 17 + n;
	}
	ps->rejected += pm.rejected - pm.nrejev;
	if (ps->rej != NULL)
		out_write(ps->rej, e, pm.rejlen);
	ps->lbase += pm.lines;
	ps->lines += pm.datalines;
	ps->records += pm.records;
	ps->blank += pm.blank;
	if (pm.flags & PM_FAILED)
		ps->failed = 1;
	if (pm.flags & PM_FATAL)
		return PAR_LAST;
	return PAR_GO;
}

/* after -j: the header's names again from its text, for what comes next */
static void
par_names(struct parse *ps)
{
	char *f[REC_MAXF], *t;
	size_t fl[REC_MAXF], len = ps->htlen;
	long ul;
	int i, n;

	if (len < 2)
		return;
	for (i = 0; i < ps->hdr_n; i++)
		free((char *)ps->hdr[i]);
	ps->hdr_n = 0;
	if ((t = malloc(len)) == NULL)
		err(1, NULL);
	memcpy(t, ps->htext, len);
	n = rec_split(t + !opt_plainheader, len - 1 - !opt_plainheader, f, fl,
	    REC_MAXF);
	for (i = 0; i < n && i < REC_MAXF; i++) {
		ul = rec_unescape(f[i], fl[i]);
		if ((ps->hdr[i] = strndup(f[i], ul < 0 ? 0 : (size_t)ul)) == NULL)
			err(1, NULL);
	}
	ps->hdr_n = i;
	free(t);
}

static void
run_par(struct parse *ps, int fd, const char *name, uint64_t size)
{
	struct par_cb cb;
	const char *c = getenv("OMPH_PAR_CHUNK");	/* tests only */
	size_t chunk = c != NULL && atol(c) > 0 ? (size_t)atol(c) : PAR_CHUNK;
	struct out *mem[4];
	int i, rv;

	/* what the workers start from: this file's own W3C state */
	w3c_free(ps->w3c);
	ps->w3c = NULL;
	ps->sch = NULL;
	ps->pname = name;
	ps->lbase = 0;
	for (i = 0; i < 4; i++) {
		if ((mem[i] = malloc(sizeof(*mem[i]))) == NULL)
			err(1, NULL);
		out_init_mem(mem[i]);
	}
	ps->ev = mem[0];
	ps->rejmem = ps->rej != NULL ? mem[1] : NULL;
	ps->ftext = mem[3];
	if (ps->hdr_n > 0 && ps->htlen == 0)
		header_text(ps, mem[2]);
	if (mem[2]->len > 0) {
		ps->htext = realloc(ps->htext, mem[2]->len);
		memcpy(ps->htext, mem[2]->buf, mem[2]->len);
		ps->htlen = mem[2]->len;
	}
	memset(&cb, 0, sizeof(cb));
	cb.arg = ps;
	cb.gap = ps->kind == F_W3C ? par_gap : NULL;
	cb.begin = par_begin;
	cb.line = par_line;
	cb.end = par_end;
	cb.merge = par_merge;
	ps->ev = mem[0];
	/* the workers are forked with ps->ev set; the parent merges without */
	rv = par_run(fd, size, (int)opt_jobs, chunk, opt_maxline, &cb, ps->out);
	ps->ev = NULL;
	if (rv == 1) {
		out_flush(ps->out);
		errx(1, "the columns changed mid-stream (a W3C #Fields line); "
		    "--plain-header writes its header once: fix the columns "
		    "with --fields");
	}
	if (rv == -1 && ps->out->err == 0) {
		warn("%s: -j", name);
		ps->failed = 1;
	}
	par_names(ps);
	for (i = 0; i < 4; i++) {
		out_free(mem[i]);
		free(mem[i]);
	}
}

static int
try_auto(struct parse *ps, char *p, size_t len)
{
	static const char *const order[] = {
		"combined", "vcombined", "clf"
	};
	char why[256];
	size_t i;

	if (len > 0 && *p == '#') {
		ps->kind = F_W3C;
		warnx("auto: w3c");
		return 0;
	}
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		ps->lf = lf_compile(lf_preset(order[i]), LF_APACHE, why,
		    sizeof(why));
		if (ps->lf == NULL)
			err(1, "auto");
		if (lf_parse(ps->lf, p, len, ps->vals, why, sizeof(why)) == 0) {
			ps->kind = F_LOGFMT;
			warnx("auto: %s", order[i]);
			return 0;
		}
		lf_free(ps->lf);
		ps->lf = NULL;
	}
	return -1;
}

/*
 * One input line.  A line with an origin that made no record leaves its
 * START pending for its stream's next record.
 */
static void
line(struct parse *ps, struct lr_line *l, const char *name, uint64_t lineno)
{
	ps->has_org = ps->emitted = 0;
	line1(ps, l, name, lineno);
	if (ps->has_org && !ps->emitted && !ps->stop)
		pend_put(ps, ps->org_id, ps->org_start);
}

static void
line1(struct parse *ps, struct lr_line *l, const char *name, uint64_t lineno)
{
	char why[256];
	char *p = l->p;
	size_t len = l->len;
	const char *tag = NULL;
	size_t taglen = 0;
	struct w3c *w;
	char *t;
	int rv, gone;

	ps->lines++;
	if (opt_tagged) {
		if ((t = memchr(p, '\t', len)) == NULL) {
			reject(ps, l, name, lineno, NULL, 0,
			    "no SOURCE<TAB> prefix (--tagged)");
			return;
		}
		tag = p;
		taglen = (size_t)(t - p);
		len -= taglen + 1;
		p = t + 1;
		/* omph-tail -H escapes the name as a record value */
		if (memchr(tag, '\\', taglen) != NULL) {
			long ul;

			if (taglen > ps->tagcap) {
				free(ps->tagbuf);
				if ((ps->tagbuf = malloc(taglen)) == NULL)
					err(1, NULL);
				ps->tagcap = taglen;
			}
			memcpy(ps->tagbuf, tag, taglen);
			ul = rec_unescape(ps->tagbuf, taglen);
			tag = ps->tagbuf;
			taglen = ul < 0 ? 0 : (size_t)ul;
		}
		/* NAME<TAB>ID:START:END<TAB>LINE: an origin (man/omph.7) */
		if (len > 20 && p[16] == ':' && (t = memchr(p + 20, '\t',
		    len - 20 < REC_ORIGIN_MAX - 21 ? len - 20 :
		    REC_ORIGIN_MAX - 21)) != NULL &&
		    rec_origin(p, (size_t)(t - p), &ps->org_id, &ps->org_start,
		    &ps->org_end) == 0) {
			ps->has_org = 1;
			if (!ps->origins) {
				ps->origins = 1;
				ps->sch = NULL;	/* the origin column comes in */
			}
			len -= (size_t)(t - p) + 1;
			p = t + 1;
		}
	} else if (opt_source != NULL) {
		tag = opt_source;
		taglen = strlen(opt_source);
	}
	if (l->flags & LR_CUT) {
		snprintf(why, sizeof(why), "line longer than %zu bytes", opt_maxline);
		reject(ps, l, name, lineno, tag, taglen, why);
		return;
	}
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len == 0) {
		ps->blank++;
		return;
	}
	if (ps->kind == F_AUTO) {
		if (ps->autolines++ == AUTO_LINES) {
			ps->stop = 1;	/* main says why */
			ps->lines--;
			return;
		}
		if (try_auto(ps, p, len) == -1) {
			reject(ps, l, name, lineno, tag, taglen,
			    "not clf, combined, vcombined or w3c");
			return;
		}
	}
	if (ps->kind == F_LOGFMT) {
		if (lf_parse(ps->lf, p, len, ps->vals, why, sizeof(why)) == -1) {
			reject(ps, l, name, lineno, tag, taglen, why);
			return;
		}
		emit(ps, lf_schema(ps->lf), tag, taglen, lf_clean(ps->lf));
		return;
	}
	/* W3C: directive state per tagged source, else per file */
	if (opt_tagged) {
		if ((w = source_w3c(ps, tag, taglen, *p == '#', &gone)) == NULL) {
			if (gone)
				snprintf(why, sizeof(why), "its W3C directives were "
				    "forgotten (more than %zu sources, --max-sources): "
				    "rejected until its next #Fields", opt_max_sources);
			reject(ps, l, name, lineno, tag, taglen, gone ? why :
			    NOFIELDS);
			return;
		}
	} else if ((w = ps->w3c) == NULL && (w = ps->w3c = w3c_new()) == NULL)
		err(1, NULL);
	rv = w3c_line(w, p, len, ps->vals, why, sizeof(why));
	if (rv == -1)
		reject(ps, l, name, lineno, tag, taglen, why);
	else if (rv == W3C_RECORD)
		emit(ps, w3c_schema(w), tag, taglen, w3c_clean(w));
	else
		ps->lines--;	/* a directive is not a line of data */
}

static uint64_t
hash(const char *p, size_t n)
{
	return hash_fnv64(HASH_FNV64, p, n);
}

/* take source i out of the LRU list */
static void
lru_unlink(struct parse *ps, uint32_t i)
{
	struct src *s = &ps->srcs[i];

	if (s->prev != 0)
		ps->srcs[s->prev - 1].next = s->next;
	else
		ps->lru = s->next;
	if (s->next != 0)
		ps->srcs[s->next - 1].prev = s->prev;
	else
		ps->mru = s->prev;
	s->prev = s->next = 0;
}

/* put source i at the most recent end of the LRU list */
static void
lru_push(struct parse *ps, uint32_t i)
{
	struct src *s = &ps->srcs[i];

	s->prev = ps->mru;
	s->next = 0;
	if (ps->mru != 0)
		ps->srcs[ps->mru - 1].next = i + 1;
	else
		ps->lru = i + 1;
	ps->mru = i + 1;
}

/* the table position of the source named name (n bytes, hash h), or of
 * the empty entry where it would go */
static size_t
src_pos(const struct parse *ps, const char *name, size_t n, uint64_t h)
{
	size_t i = h & ps->srcmask;
	const struct src *s;

	while (ps->srctab[i] != 0) {
		s = &ps->srcs[ps->srctab[i] - 1];
		if (s->hash == h && s->len == n && memcmp(s->name, name, n) == 0)
			break;
		i = (i + 1) & ps->srcmask;
	}
	return i;
}

/* take the entry at table position i out: backward-shift deletion */
static void
src_unlink(struct parse *ps, size_t i)
{
	size_t j = i, k;

	for (;;) {
		ps->srctab[i] = 0;
		for (;;) {
			j = (j + 1) & ps->srcmask;
			if (ps->srctab[j] == 0)
				return;
			k = ps->srcs[ps->srctab[j] - 1].hash & ps->srcmask;
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		ps->srctab[i] = ps->srctab[j];
		i = j;
	}
}

/* room for one more source: the arrays double up to --max-sources */
static void
src_grow(struct parse *ps)
{
	size_t cap, sz, i, j;
	struct src *s;

	if (ps->nsrc == ps->srccap) {
		cap = ps->srccap ? ps->srccap * 2 : 64;
		if (cap > opt_max_sources)
			cap = opt_max_sources;
		if ((s = reallocarray(ps->srcs, cap, sizeof(*s))) == NULL)
			err(1, NULL);
		ps->srcs = s;
		ps->srccap = cap;
	}
	if (ps->srctab != NULL && (ps->nsrc + 1) * 2 <= ps->srcmask + 1)
		return;
	sz = ps->srctab ? (ps->srcmask + 1) * 2 : 128;
	free(ps->srctab);
	if ((ps->srctab = calloc(sz, sizeof(*ps->srctab))) == NULL)
		err(1, NULL);
	ps->srcmask = sz - 1;
	for (i = 0; i < ps->nsrc; i++) {
		for (j = ps->srcs[i].hash & ps->srcmask; ps->srctab[j] != 0;
		    j = (j + 1) & ps->srcmask)
			;
		ps->srctab[j] = (uint32_t)i + 1;
	}
}

/*
 * Forget the least recently seen source: its name's hash is kept in the
 * forgotten set (direct-mapped, 4 * --max-sources entries: one forgotten
 * long ago may drop out of it, and is then told as never announced).
 * Returns its index, now free.
 */
static uint32_t
src_evict(struct parse *ps)
{
	uint32_t i = ps->lru - 1;
	struct src *s = &ps->srcs[i];
	size_t sz;

	if (ps->gone == NULL) {
		for (sz = 64; sz < opt_max_sources * 4; sz *= 2)
			;
		if ((ps->gone = calloc(sz, sizeof(*ps->gone))) == NULL)
			err(1, NULL);
		ps->gonemask = sz - 1;
		warnx("more than %zu W3C sources: the least recently seen one's "
		    "directives are forgotten (--max-sources)", opt_max_sources);
	}
	ps->gone[s->hash & ps->gonemask] = (uint32_t)(s->hash >> 32) | 1;
	ps->forgotten++;
	src_unlink(ps, src_pos(ps, s->name, s->len, s->hash));
	lru_unlink(ps, i);
	/* a new state may reuse this one's memory: the columns are redone */
	if (ps->sch == w3c_schema(s->w3c))
		ps->sch = NULL;
	w3c_free(s->w3c);
	free(s->name);
	return i;
}

/*
 * The W3C state of a tagged source, made the most recently seen.  A source
 * not held is admitted when create (a directive line), else NULL with *gone
 * telling whether it was forgotten.
 */
static struct w3c *
source_w3c(struct parse *ps, const char *name, size_t n, int create, int *gone)
{
	uint64_t h = hash(name, n);
	uint32_t i;
	size_t pos;
	struct src *s;

	*gone = 0;
	if (ps->srctab != NULL && ps->srctab[pos = src_pos(ps, name, n, h)] != 0) {
		i = ps->srctab[pos] - 1;
		if (ps->mru != i + 1) {
			lru_unlink(ps, i);
			lru_push(ps, i);
		}
		return ps->srcs[i].w3c;
	}
	if (!create) {
		*gone = ps->gone != NULL &&
		    ps->gone[h & ps->gonemask] == ((uint32_t)(h >> 32) | 1);
		return NULL;
	}
	if (ps->nsrc == opt_max_sources)
		i = src_evict(ps);
	else {
		src_grow(ps);
		i = (uint32_t)ps->nsrc++;
	}
	s = &ps->srcs[i];
	memset(s, 0, sizeof(*s));
	if ((s->name = malloc(n ? n : 1)) == NULL || (s->w3c = w3c_new()) == NULL)
		err(1, NULL);
	memcpy(s->name, name, n);
	s->len = n;
	s->hash = h;
	ps->srctab[src_pos(ps, name, n, h)] = i + 1;
	lru_push(ps, i);
	return s->w3c;
}

/* -o json: the key text of each output column, made once per mapping */
static void
json_keys(struct parse *ps)
{
	size_t need = 0, n;
	char *k;
	int i;

	for (i = 0; i < ps->nout; i++)
		need += strlen(ps->outname[i]) + 3;
	if (need > ps->jkcap) {
		if ((k = realloc(ps->jkeys, need)) == NULL)
			err(1, NULL);
		ps->jkeys = k;
		ps->jkcap = need;
	}
	for (i = 0, need = 0; i < ps->nout; i++) {
		n = strlen(ps->outname[i]);
		ps->jkoff[i] = (uint32_t)need;
		ps->jklen[i] = (uint32_t)n + 3;
		ps->jkeys[need] = '"';
		memcpy(ps->jkeys + need + 1, ps->outname[i], n);
		memcpy(ps->jkeys + need + 1 + n, "\":", 2);
		need += n + 3;
		ps->jnum[i] = strcmp(ps->outname[i], "status") == 0 ||
		    strcmp(ps->outname[i], "bytes") == 0 ||
		    strcmp(ps->outname[i], "duration") == 0;
	}
}

/* recompute the output columns for schema sch */
static void
map_columns(struct parse *ps, const struct rec_schema *sch)
{
	map_columns1(ps, sch);
	if (opt_json)
		json_keys(ps);
}

static void
map_columns1(struct parse *ps, const struct rec_schema *sch)
{
	int i, j, c, used[REC_MAXF];

	ps->sch = sch;
	ps->gen = sch->gen;
	ps->nout = 0;
	if (ps->nwant > 0) {
		for (i = 0; i < ps->nwant; i++) {
			ps->outname[i] = ps->want[i];
			ps->outsrc[i] = -1;
			if (strcmp(ps->want[i], "source") == 0 &&
			    (opt_tagged || opt_source))
				ps->outsrc[i] = -2;
			for (j = 0; j < sch->n; j++)
				if (strcmp(sch->names[j], ps->want[i]) == 0)
					ps->outsrc[i] = j;
			if (strcmp(ps->want[i], "origin") == 0 && opt_tagged)
				ps->outsrc[i] = -3;
		}
		ps->nout = ps->nwant;
		/*
		 * A name that is neither a field of the format nor a canonical
		 * one (a typo, most likely): told once, written as \N.  A
		 * canonical field this format lacks is \N without a word: a
		 * table of all canonical columns is loaded from any format.
		 */
		for (i = 0; i < ps->nwant; i++)
			if (ps->outsrc[i] == -1 && !ps->want_told[i] &&
			    rec_canon(ps->want[i], strlen(ps->want[i])) < 0) {
				ps->want_told[i] = 1;
				if (ps->ev != NULL) {
					event(ps, 'T', 0, i, NULL);
					continue;
				}
				warnx("--fields %s: neither a field of the format nor a "
				    "canonical one; it is written as \\N", ps->want[i]);
			}
		return;
	}
	memset(used, 0, sizeof(used));
	for (c = 0; c < REC_NCANON; c++) {
		if (c == REC_SOURCE && (opt_tagged || opt_source)) {
			ps->outname[ps->nout] = "source";
			ps->outsrc[ps->nout++] = -2;
			continue;
		}
		if (c == REC_ORIGIN && ps->origins) {
			ps->outname[ps->nout] = "origin";
			ps->outsrc[ps->nout++] = -3;
			continue;
		}
		for (j = 0; j < sch->n; j++)
			if (strcmp(sch->names[j], rec_canon_names[c]) == 0) {
				ps->outname[ps->nout] = sch->names[j];
				ps->outsrc[ps->nout++] = j;
				used[j] = 1;
			}
	}
	for (j = 0; opt_all && j < sch->n && ps->nout < REC_MAXF; j++)
		if (!used[j] && rec_canon(sch->names[j],
		    strlen(sch->names[j])) < 0) {
			ps->outname[ps->nout] = sch->names[j];
			ps->outsrc[ps->nout++] = j;
		}
}

static void
header(struct parse *ps)
{
	int i, same = ps->hdr_n == ps->nout;

	for (i = 0; same && i < ps->nout; i++)
		same = strcmp(ps->hdr[i], ps->outname[i]) == 0;
	if (same)
		return;
	/* names may live in a schema that changes: the header keeps copies */
	for (i = 0; i < ps->hdr_n; i++)
		free((char *)ps->hdr[i]);
	for (i = 0; i < ps->nout; i++)
		if ((ps->hdr[i] = strdup(ps->outname[i])) == NULL)
			err(1, NULL);
	if (ps->par_first) {
		/* a worker's first header: the parent writes it, or not */
		ps->par_first = 0;
		ps->has_first = ps->hdr_written = 1;
		ps->hdr_n = ps->nout;
		header_text(ps, ps->ftext);
		return;
	}
	/*
	 * A header without '#' is the first line of the output for a loader
	 * that reads names there (COPY ... HEADER MATCH, ClickHouse
	 * TabSeparatedWithNames); a second one would be loaded as a record.
	 */
	if (opt_plainheader && ps->hdr_written && ps->ev != NULL) {
		ps->fatal = ps->stop = 1;	/* the parent says it */
		return;
	}
	if (opt_plainheader && ps->hdr_written) {
		out_flush(ps->out);
		errx(1, "the columns changed mid-stream (a W3C #Fields line); "
		    "--plain-header writes its header once: fix the columns "
		    "with --fields");
	}
	ps->hdr_n = ps->nout;
	if (!opt_noheader && !opt_json) {
		if (opt_plainheader)
			rec_put_names(ps->out, ps->hdr, ps->hdr_n);
		else
			rec_put_header(ps->out, ps->hdr, ps->hdr_n);
		ps->hdr_written = ps->wrote_hdr = 1;
	}
}

/* clean: the values need no escaping (rec_put_row_clean); the source
 * name is looked at here */
static void
emit(struct parse *ps, const struct rec_schema *sch, const char *tag,
    size_t taglen, int clean)
{
	struct rec_val src, org, *v;
	const struct rec_val *row[REC_MAXF];
	struct out *o = ps->out;
	int i;

	if (sch != ps->sch || sch->gen != ps->gen) {
		map_columns(ps, sch);
		header(ps);
		if (ps->fatal)
			return;
	}
	src.p = tag;
	src.len = (uint32_t)taglen;
	src.enc = tag != NULL ? REC_RAW : REC_ABSENT;
	org.p = ps->orgbuf;
	org.len = 0;
	org.enc = REC_ABSENT;
	if (ps->has_org) {
		org.len = (uint32_t)rec_origin_fmt(ps->orgbuf, ps->org_id,
		    pend_take(ps, ps->org_id, ps->org_start), ps->org_end);
		org.enc = REC_RAW;
	}
	ps->emitted = 1;
	ps->records++;
	clean = clean && (tag == NULL || rec_clean(tag, taglen));
	if (opt_json) {
		out_putc(o, '{');
		for (i = 0; i < ps->nout; i++) {
			v = ps->outsrc[i] == -2 ? &src : ps->outsrc[i] == -3 ?
			    &org : ps->outsrc[i] < 0 ? NULL : &ps->vals[ps->outsrc[i]];
			if (v == NULL || v->enc == REC_ABSENT)
				continue;
			if (o->buf[o->len - 1] != '{')
				out_putc(o, ',');
			out_write(o, ps->jkeys + ps->jkoff[i], ps->jklen[i]);
			if (clean)
				rec_put_json_clean(o, v, ps->jnum[i]);
			else
				rec_put_json(o, v, ps->jnum[i]);
		}
		out_write(o, "}\n", 2);
		return;
	}
	for (i = 0; i < ps->nout; i++)
		row[i] = ps->outsrc[i] >= 0 ? &ps->vals[ps->outsrc[i]] :
		    ps->outsrc[i] == -2 ? &src : ps->outsrc[i] == -3 ? &org : NULL;
	if (clean)
		rec_put_row_clean(o, row, ps->nout);
	else
		rec_put_row(o, row, ps->nout);
}

/* the slot of stream id in the pending table, or the free one it would take */
static size_t
pend_pos(const struct parse *ps, uint64_t id)
{
	size_t i = (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 20) & ps->pendmask;

	while (ps->pend[i].used && ps->pend[i].id != id)
		i = (i + 1) & ps->pendmask;
	return i;
}

/* stream id's line at start made no record: its next record starts there
 * (or earlier, where an earlier such line was) */
static void
pend_put(struct parse *ps, uint64_t id, uint64_t start)
{
	size_t i, sz;

	if (ps->pend == NULL) {
		for (sz = 64; sz < opt_max_sources * 4; sz *= 2)
			;
		if ((ps->pend = calloc(sz, sizeof(*ps->pend))) == NULL)
			err(1, NULL);
		ps->pendmask = sz - 1;
	}
	i = pend_pos(ps, id);
	if (ps->pend[i].used)
		return;		/* the earlier start stays */
	if ((ps->npend + 1) * 2 > ps->pendmask + 1) {
		/* full: forget them all (a gap to a collector, not a loss) */
		memset(ps->pend, 0, (ps->pendmask + 1) * sizeof(*ps->pend));
		ps->npend = 0;
		ps->pend_dropped++;
		i = pend_pos(ps, id);
	}
	ps->pend[i].used = 1;
	ps->pend[i].id = id;
	ps->pend[i].start = start;
	ps->npend++;
}

/*
 * The START of a record of stream id whose line starts at start: where the
 * lines before it that made no record start, when there are such (and they
 * are before it), else start.  The pending start is taken out
 * (backward-shift deletion).
 */
static uint64_t
pend_take(struct parse *ps, uint64_t id, uint64_t start)
{
	size_t i, j, k;
	uint64_t s;

	if (ps->npend == 0 || !ps->pend[i = pend_pos(ps, id)].used)
		return start;
	s = ps->pend[i].start < start ? ps->pend[i].start : start;
	ps->npend--;
	for (j = i;;) {
		ps->pend[i].used = 0;
		for (;;) {
			j = (j + 1) & ps->pendmask;
			if (!ps->pend[j].used)
				return s;
			k = (size_t)((ps->pend[j].id * 0x9e3779b97f4a7c15ULL) >> 20) &
			    ps->pendmask;
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		ps->pend[i] = ps->pend[j];
		i = j;
	}
}

static void
reject(struct parse *ps, struct lr_line *l, const char *name, uint64_t lineno,
    const char *tag, size_t taglen, const char *why)
{
	ps->rejected++;
	if (ps->ev != NULL && ps->rejected <= MAX_REPORTS) {
		event(ps, 'R', lineno, 0, why);
		ps->nrejev++;
	} else if (ps->ev == NULL && ps->rejected <= MAX_REPORTS) {
		if (opt_tagged && tag != NULL)
			warnx("%.*s (%s:%llu): %s", (int)taglen, tag, name,
			    (unsigned long long)lineno, why);
		else
			warnx("%s:%llu: %s", name, (unsigned long long)lineno, why);
		if (ps->rejected == MAX_REPORTS)
			warnx("further rejected lines are only counted");
	}
	if (ps->rej != NULL) {
		out_write(ps->rej, l->p, l->len);
		out_putc(ps->rej, '\n');
	}
}

/* the short usage: on stderr for a usage error, first in --help */
static const char synopsis[] =
	    "usage: omph-parse [-s name] [-o tsv|json] [--tagged] [--fields list]\n"
	    "                  [--all-fields] [--no-header | --plain-header] [--rejects file]\n"
	    "                  [--strict] [--max-line bytes] [--max-sources n] [-j n]\n"
	    "                  format [file ...]\n"
	    "format: clf | combined | vcombined | w3c | auto | apache:LOGFORMAT |\n"
	    "        nginx:LOG_FORMAT\n";

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
	    "Turn web server log lines into records: TAB-separated fields with a # header.\n"
	    "\n"
	    "  -s, --source=NAME      the name of stdin in messages and the source field\n"
	    "  -o, --output=tsv|json  records as TSV (default) or one JSON object a line\n"
	    "      --tagged           input lines are \"NAME<TAB>line\" or, as omph-tail -H\n"
	    "                         writes, \"NAME<TAB>ID:START:END<TAB>line\": an origin\n"
	    "                         column then; W3C directives are kept per NAME\n"
	    "      --fields=LIST      only these fields, in this order (comma-separated)\n"
	    "      --all-fields       also the format's fields that have no canonical name\n"
	    "      --no-header        no # header line\n"
	    "      --plain-header     the header line without its #, written once\n"
	    "                         (COPY ... HEADER MATCH, TabSeparatedWithNames)\n"
	    "      --rejects=FILE     append the lines that are not understood to FILE\n"
	    "      --strict           exit 1 at the first line that is not understood\n"
	    "      --max-line=BYTES   lines longer than this are rejected (default 64 KiB)\n"
	    "      --max-sources=N    with --tagged, keep the W3C state of at most N\n"
	    "                         sources (default 4096)\n"
	    "  -j, --jobs=N           parse each regular file with N processes (1-64),\n"
	    "                         the output as with one\n"
	    "  -h, --help             print this help and exit\n"
	    "  -V, --version          print the version and exit\n"
	    "\n"
	    "Exit status: 0 ok, 1 failure (or a rejected line with --strict), 2 usage.\n"
	    "See omph-parse(1) and omph(7).\n", stdout);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	exit(0);
}

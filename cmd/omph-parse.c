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

#include "logfmt.h"
#include "lr.h"
#include "ocol.h"
#include "opt.h"
#include "out.h"
#include "par.h"
#include "pend.h"
#include "pj.h"
#include "rec.h"
#include "w3c.h"
#include "wsrc.h"

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

struct parse {
	int kind;			/* F_LOGFMT or F_W3C once known */
	struct lf_prog *lf;
	struct wsrc ws;			/* --tagged W3C sources */
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
	struct pend pend;		/* streams whose next record starts earlier */

	/* output columns: names and where each comes from */
	const struct rec_schema *sch;	/* schema the map was made for */
	unsigned gen;
	struct ocol col;		/* the output columns (ocol.h) */
	unsigned char want_told[REC_MAXF];	/* a --fields name lacking was told */
	int hdr_n;			/* header last written */
	int hdr_written;		/* a header line was written */
	const char *hdr[REC_MAXF];
	char *fieldbuf;			/* --fields storage */
	const char *want[REC_MAXF];	/* --fields list */
	int nwant;

	struct rec_val vals[REC_MAXF];
	struct out *out, *rej;
	struct pj_tally t;		/* lines, records...; failed: a file could
					 * not be read */
	int watch_out;			/* stdout is a pipe: see its reader go */
	int stop;			/* give up reading (auto found nothing) */

	struct pj pj;			/* -j (pj.h): pj.worker in a worker */
	const char *pname;		/* the file being read by -j */
};

static void usage(void);
static _Noreturn void help(void);
static void parse_free(struct parse *);
static int setup_format(struct parse *, const char *);
static void run_fd(struct parse *, int, const char *);
static void run_par(struct parse *, int, const char *, uint64_t);
static int wait_input(struct parse *, int);
static void line(struct parse *, struct lr_line *, const char *, uint64_t);
static void line1(struct parse *, struct lr_line *, const char *, uint64_t);
static void emit(struct parse *, const struct rec_schema *, const char *,
    size_t, int);
static void reject(struct parse *, struct lr_line *, const char *, uint64_t,
    const char *, size_t, const char *);
static int parse_fields(struct parse *, const char *);

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
	wsrc_init(&ps.ws, opt_max_sources);
	pend_init(&ps.pend, opt_max_sources);
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
			ps.t.failed = 1;
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
	if (ps.ws.forgotten > 0)
		warnx("the W3C directives of %llu sources were forgotten "
		    "(--max-sources %zu)", (unsigned long long)ps.ws.forgotten,
		    opt_max_sources);
	if (ps.kind == F_AUTO && ps.t.lines > ps.t.blank) {
		warnx("auto: no known format in the first %d lines", AUTO_LINES);
		rv = 1;
	}
	if (ps.t.rejected > 0) {
		warnx("%llu of %llu lines rejected", (unsigned long long)ps.t.rejected,
		    (unsigned long long)ps.t.lines);
		if (opt_strict)
			rv = 1;
	}
	if (ps.t.failed)
		rv = 1;
out:
	parse_free(&ps);
	return rv;
}

/* free everything ps holds (it may be partly set up) */
static void
parse_free(struct parse *ps)
{
	int j;

	lf_free(ps->lf);
	w3c_free(ps->w3c);
	wsrc_free(&ps->ws);
	for (j = 0; j < ps->hdr_n; j++)
		free((char *)ps->hdr[j]);
	free(ps->fieldbuf);
	ocol_free(&ps->col);
	pj_free(&ps->pj);
	free(ps->tagbuf);
	pend_free(&ps->pend);
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
			ps->t.failed = 1;
			break;
		}
	}
out:
	lr_free(&r);
}

/*
 * -j: a regular file by pj (lib/pj.h) over par (lib/par.h).  The workers
 * run line() on their chunks with stdout and --rejects in memory, telling
 * pj what one process would have said; the parent says it here.
 */
static void
par_begin(void *arg, struct out *data, struct out *rej)
{
	struct parse *ps = arg;

	ps->out = data;
	ps->rej = rej;
	ps->sch = NULL;
}

static int
par_line(void *arg, struct lr_line *l, uint64_t lineno)
{
	struct parse *ps = arg;

	line(ps, l, ps->pname, lineno);
	return ps->stop;
}

static void
par_tell(void *arg, int type, uint64_t lineno, uint32_t idx, const char *text,
    size_t n)
{
	struct parse *ps = arg;

	if (type == PJ_REJECT && ps->t.rejected <= MAX_REPORTS) {
		warnx("%s:%llu: %.*s", ps->pname, (unsigned long long)lineno,
		    (int)n, text);
		if (ps->t.rejected == MAX_REPORTS)
			warnx("further rejected lines are only counted");
	} else if (type == PJ_TOLD && !ps->want_told[idx]) {
		ps->want_told[idx] = 1;
		warnx("--fields %s: neither a field of the format nor a "
		    "canonical one; it is written as \\N", ps->want[idx]);
	} else if (type == PJ_READERR)
		warnx("%s: %.*s", ps->pname, (int)n, text);
}

static void
run_par(struct parse *ps, int fd, const char *name, uint64_t size)
{
	const char *c = getenv("OMPH_PAR_CHUNK");	/* tests only */
	size_t chunk = c != NULL && atol(c) > 0 ? (size_t)atol(c) : PAR_CHUNK;
	char *names[REC_MAXF];
	int i, n, rv;

	/* what the workers start from: this file's own W3C state */
	w3c_free(ps->w3c);
	ps->w3c = NULL;
	ps->sch = NULL;
	ps->pname = name;
	ps->pj.arg = ps;
	ps->pj.tally = &ps->t;
	ps->pj.written = &ps->hdr_written;
	ps->pj.plain = opt_plainheader;
	ps->pj.headers = !opt_noheader && !opt_json;
	ps->pj.w3c = ps->kind == F_W3C ? &ps->w3c : NULL;
	ps->pj.out = ps->out;
	ps->pj.rej = ps->rej;
	ps->pj.begin = par_begin;
	ps->pj.line = par_line;
	ps->pj.tell = par_tell;
	rv = pj_run(&ps->pj, fd, size, (int)opt_jobs, chunk, opt_maxline,
	    ps->hdr, ps->hdr_n);
	if (rv == PJ_CHANGED) {
		out_flush(ps->out);
		errx(1, "the columns changed mid-stream (a W3C #Fields line); "
		    "--plain-header writes its header once: fix the columns "
		    "with --fields");
	}
	if (rv == PJ_SHORT)
		errx(1, "-j: a worker's report is short");
	if (rv == PJ_NOMEM) {
		errno = ENOMEM;
		err(1, NULL);
	}
	if (rv == -1 && ps->out->err == 0) {
		warn("%s: -j", name);
		ps->t.failed = 1;
	}
	/* the header's names again from its text, for what comes next */
	if ((rv = pj_names(&ps->pj, names, REC_MAXF, &n)) == -1)
		err(1, NULL);
	if (rv == 1) {
		for (i = 0; i < ps->hdr_n; i++)
			free((char *)ps->hdr[i]);
		for (i = 0; i < n; i++)
			ps->hdr[i] = names[i];
		ps->hdr_n = n;
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
	if (ps->has_org && !ps->emitted && !ps->stop &&
	    pend_put(&ps->pend, ps->org_id, ps->org_start) == -1)
		err(1, NULL);
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

	ps->t.lines++;
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
		ps->t.blank++;
		return;
	}
	if (ps->kind == F_AUTO) {
		if (ps->autolines++ == AUTO_LINES) {
			ps->stop = 1;	/* main says why */
			ps->t.lines--;
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
		if ((rv = wsrc_get(&ps->ws, tag, taglen, *p == '#', &w)) == -1)
			err(1, NULL);
		if (rv == WSRC_EVICTED) {
			/* the columns are redone: the schema may be gone */
			ps->sch = NULL;
			if (ps->ws.forgotten == 1)
				warnx("more than %zu W3C sources: the least recently "
				    "seen one's directives are forgotten "
				    "(--max-sources)", opt_max_sources);
		}
		if (w == NULL) {
			gone = rv == WSRC_FORGOTTEN;
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
		ps->t.lines--;	/* a directive is not a line of data */
}

/* recompute the output columns for schema sch */
static void
map_columns(struct parse *ps, const struct rec_schema *sch)
{
	int i;

	ps->sch = sch;
	ps->gen = sch->gen;
	if (ocol_map(&ps->col, sch, ps->want, ps->nwant,
	    (opt_tagged || opt_source ? OCOL_SOURCE : 0) |
	    (opt_tagged ? OCOL_WANT_ORIGIN : 0) |
	    (ps->origins ? OCOL_ORIGIN : 0) | (opt_all ? OCOL_ALL : 0) |
	    (opt_json ? OCOL_JSON : 0)) == -1)
		err(1, NULL);
	/*
	 * A name that is neither a field of the format nor a canonical one (a
	 * typo, most likely): told once, written as \N.  A canonical field
	 * this format lacks is \N without a word: a table of all canonical
	 * columns is loaded from any format.
	 */
	for (i = 0; i < ps->nwant; i++)
		if (!ps->want_told[i] && ocol_unknown(&ps->col, ps->want, i)) {
			ps->want_told[i] = 1;
			if (ps->pj.worker)
				pj_event(&ps->pj, PJ_TOLD, 0, (uint32_t)i, NULL);
			else
				warnx("--fields %s: neither a field of the format "
				    "nor a canonical one; it is written as \\N",
				    ps->want[i]);
		}
}

static void
header(struct parse *ps)
{
	int i, rv, same = ps->hdr_n == ps->col.n;

	for (i = 0; same && i < ps->col.n; i++)
		same = strcmp(ps->hdr[i], ps->col.name[i]) == 0;
	if (same)
		return;
	/* names may live in a schema that changes: the header keeps copies */
	for (i = 0; i < ps->hdr_n; i++)
		free((char *)ps->hdr[i]);
	for (i = 0; i < ps->col.n; i++)
		if ((ps->hdr[i] = strdup(ps->col.name[i])) == NULL)
			err(1, NULL);
	if (ps->pj.worker && (rv = pj_header(&ps->pj, ps->hdr, ps->col.n)) !=
	    PJ_HDR_WRITE) {
		/* the parent writes the chunk's first one, or says why not */
		if (rv == PJ_HDR_FIRST)
			ps->hdr_n = ps->col.n;
		else
			ps->stop = 1;
		return;
	}
	/*
	 * A header without '#' is the first line of the output for a loader
	 * that reads names there (COPY ... HEADER MATCH, ClickHouse
	 * TabSeparatedWithNames); a second one would be loaded as a record.
	 */
	if (opt_plainheader && ps->hdr_written) {
		out_flush(ps->out);
		errx(1, "the columns changed mid-stream (a W3C #Fields line); "
		    "--plain-header writes its header once: fix the columns "
		    "with --fields");
	}
	ps->hdr_n = ps->col.n;
	if (!opt_noheader && !opt_json) {
		if (opt_plainheader)
			rec_put_names(ps->out, ps->hdr, ps->hdr_n);
		else
			rec_put_header(ps->out, ps->hdr, ps->hdr_n);
		ps->hdr_written = 1;
	}
}

/* clean: the values need no escaping (rec_put_row_clean); the source
 * name is looked at here */
static void
emit(struct parse *ps, const struct rec_schema *sch, const char *tag,
    size_t taglen, int clean)
{
	struct rec_val src, org;

	if (sch != ps->sch || sch->gen != ps->gen) {
		map_columns(ps, sch);
		header(ps);
		if (ps->stop)
			return;		/* a -j worker's header refused */
	}
	src.p = tag;
	src.len = (uint32_t)taglen;
	src.enc = tag != NULL ? REC_RAW : REC_ABSENT;
	org.p = ps->orgbuf;
	org.len = 0;
	org.enc = REC_ABSENT;
	if (ps->has_org) {
		org.len = (uint32_t)rec_origin_fmt(ps->orgbuf, ps->org_id,
		    pend_take(&ps->pend, ps->org_id, ps->org_start), ps->org_end);
		org.enc = REC_RAW;
	}
	ps->emitted = 1;
	ps->t.records++;
	clean = clean && (tag == NULL || rec_clean(tag, taglen));
	ocol_row(&ps->col, ps->out, ps->vals, &src, &org, clean);
}

static void
reject(struct parse *ps, struct lr_line *l, const char *name, uint64_t lineno,
    const char *tag, size_t taglen, const char *why)
{
	ps->t.rejected++;
	if (ps->pj.worker && ps->t.rejected <= MAX_REPORTS)
		pj_event(&ps->pj, PJ_REJECT, lineno, 0, why);
	else if (!ps->pj.worker && ps->t.rejected <= MAX_REPORTS) {
		if (opt_tagged && tag != NULL)
			warnx("%.*s (%s:%llu): %s", (int)taglen, tag, name,
			    (unsigned long long)lineno, why);
		else
			warnx("%s:%llu: %s", name, (unsigned long long)lineno, why);
		if (ps->t.rejected == MAX_REPORTS)
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

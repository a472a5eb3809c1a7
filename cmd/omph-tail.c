/*
 * omph-tail: follow log files by name and write their complete lines.
 *
 * Files are followed through rotation and truncation (lib/follow.c); the
 * offsets of lines whose write(2) to stdout completed are kept in a state
 * file (lib/state.c) so a restart, or the next cron run, goes on where the
 * last one stopped.  One thread, one ppoll() loop: the inotify descriptor,
 * stdout (to notice a reader that went away) and the timers of the follower.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "follow.h"
#include "opt.h"
#include "sig.h"
#include "out.h"
#include "pos.h"
#include "rec.h"
#include "state.h"

#define MAX_REPORTS 10
#define MAX_RETIRED 1024

static long opt_lines = -1;		/* -n */
static int opt_from_start;		/* --from-start */
static int opt_tag;			/* -H */
static int opt_poll;			/* --poll */
static double opt_poll_interval = 1.0;
static const char *opt_state;		/* --state */
static const char *opt_acked;		/* --acked */
static int opt_once;			/* --once */
static double opt_rotate_wait = 5.0;	/* --rotate-wait */
static size_t opt_max_line = 1024 * 1024; /* --max-line */
static int opt_verbose;			/* -v */

struct tail {
	struct out *out;
	struct follow *f;
	struct state st;
	/*
	 * --acked: rotated files finished and closed whose lines the
	 * collector had not all acknowledged yet; kept in the saved state (as
	 * rotated entries) until it has, so that a restart reads again what
	 * was still in a pipe.  At most MAX_RETIRED, the oldest going first.
	 */
	struct state retired;
	int retired_dirty;
	unsigned long cuts, nuls, reports;
	uint64_t whole;			/* out->written at the last flush: it
					 * ends the lines counted delivered */
	int save_errno;			/* last state save error told */
	int failed;			/* --once: a file could not be read */
	int started;			/* the first look at every name is done */

	/*
	 * -H: the start of a line's output, "NAME<TAB>ID:", made for the name
	 * and stream of the last line, and that line's END (the next line's
	 * START, most of the time) with its digits (rec_u64w).
	 */
	const char *pname;		/* the name it was made for, or NULL */
	uint64_t pid;			/* the stream id it was made for */
	char *pre;
	size_t prelen, precap;
	struct out *pout;		/* escapes the name into memory */
	uint64_t lastend;		/* UINT64_MAX: none */
	uint64_t endw[2];
	size_t endlen;
};

static void usage(void);
static _Noreturn void help(void);
static void need(int, const char *);
static int on_line(void *, const char *, const char *, size_t, int,
    const struct follow_origin *);
static int on_lines(void *, const char *, const char *, size_t);
static int on_flush(void *);
static void on_note(void *, const char *, int, int, long long);
static void save_state(struct tail *);
static int final_save(struct tail *);
static void tell_cut(struct tail *);
static void rewind_acked(struct state *);
static void on_retire(void *, const struct state_ent *);
static int with_retired(struct tail *, struct state *);

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "lines", required_argument, NULL, 'n' },
		{ "from-start", no_argument, NULL, 'F' },
		{ "with-filename", no_argument, NULL, 'H' },
		{ "poll", optional_argument, NULL, 'P' },
		{ "state", required_argument, NULL, 's' },
		{ "acked", required_argument, NULL, 'a' },
		{ "once", no_argument, NULL, 'o' },
		{ "rotate-wait", required_argument, NULL, 'r' },
		{ "max-line", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct follow_opts fo;
	struct follow_cb cb;
	struct tail tl;
	sigset_t orig;
	struct pollfd pfd[2];
	struct stat sst;
	struct rlimit rl;
	char errbuf[256];
	double next_save = 0, t0;
	size_t v;
	int ch, i, ms, rv = 0, watch_out, npfd;

	out_stdfds();
	memset(&tl, 0, sizeof(tl));
	argv[0] = (char *)"omph-tail";	/* getopt says "omph-tail: ...", as we do */
	while ((ch = getopt_long(argc, argv, "n:HvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			need(opt_size("-n", optarg, 0, 100000000, &v, errbuf,
			    sizeof(errbuf)), errbuf);
			opt_lines = (long)v;
			break;
		case 'F':
			opt_from_start = 1;
			break;
		case 'H':
			opt_tag = 1;
			break;
		case 'P':
			opt_poll = 1;
			if (optarg != NULL)
				need(opt_seconds("--poll", optarg, 0.01, 3600,
				    &opt_poll_interval, errbuf, sizeof(errbuf)), errbuf);
			break;
		case 's':
			opt_state = optarg;
			break;
		case 'a':
			opt_acked = optarg;
			break;
		case 'o':
			opt_once = 1;
			break;
		case 'r':
			need(opt_seconds("--rotate-wait", optarg, 0, 86400,
			    &opt_rotate_wait, errbuf, sizeof(errbuf)), errbuf);
			break;
		case 'm':
			need(opt_size("--max-line", optarg, 256, 64 * 1024 * 1024,
			    &opt_max_line, errbuf, sizeof(errbuf)), errbuf);
			break;
		case 'v':
			opt_verbose = 1;
			break;
		case 'V':
			printf("omph-tail %s\n", OMPH_VERSION);
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
	if (opt_from_start && opt_lines >= 0) {
		warnx("-n and --from-start exclude each other");
		usage();
	}
	if (opt_acked != NULL && (opt_state == NULL || !opt_tag)) {
		warnx("--acked needs --state and -H: it moves the offsets of the "
		    "state back to the origins the collector acknowledged");
		usage();
	}

	/* SIGINT/SIGTERM are taken only inside ppoll: no race, no EINTR */
	sig_setup(&orig);
	sig_hup_setup(&orig);	/* a service's reload: the state saved now */

	/* one descriptor per followed file: take all the system allows */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((tl.out = malloc(sizeof(*tl.out))) == NULL)
		err(1, NULL);
	out_init(tl.out, STDOUT_FILENO);
	if (opt_state != NULL && state_load(opt_state, &tl.st, errbuf,
	    sizeof(errbuf)) == -1)
		warnx("%s: %s; starting without state", opt_state, errbuf);
	if (opt_acked != NULL)
		rewind_acked(&tl.st);

	memset(&fo, 0, sizeof(fo));
	fo.poll = opt_poll;
	fo.poll_interval = opt_poll_interval;
	fo.rotate_wait = opt_rotate_wait;
	fo.max_line = opt_max_line;
	fo.once = opt_once;
	/* into a pipe, writes it takes whole: their lines count delivered */
	fo.piece = out_pipe_size(tl.out);
	/* cron mode reads what is new; live mode starts at the end */
	fo.start = opt_from_start || (opt_once && opt_lines < 0) ?
	    FOLLOW_START : FOLLOW_END;
	fo.last_lines = opt_lines;
	memset(&cb, 0, sizeof(cb));
	cb.arg = &tl;
	cb.line = on_line;
	if (!opt_tag)
		cb.lines = on_lines;
	cb.flush = on_flush;
	cb.note = on_note;
	if (opt_acked != NULL)
		cb.retire = on_retire;
	if ((tl.f = follow_new(&fo, &cb)) == NULL)
		err(1, NULL);
	if (follow_resume(tl.f, &tl.st) == -1)
		err(1, NULL);
	for (i = 0; i < argc; i++)
		if (follow_add(tl.f, argv[i]) == -1)
			err(1, "%s", argv[i]);
	if (follow_start(tl.f) == -1)
		goto closed;
	tl.started = 1;
	if (opt_once)
		goto done;

	/* a pipe whose reader went away shows POLLERR on our end */
	watch_out = fstat(STDOUT_FILENO, &sst) == 0 && S_ISFIFO(sst.st_mode);
	while (!sig_caught()) {
		t0 = (double)time(NULL);
		if (opt_state != NULL && t0 >= next_save && (follow_dirty(tl.f) ||
		    tl.retired_dirty || tl.save_errno != 0)) {
			save_state(&tl);
			next_save = t0 + 1;
		}
		ms = follow_timeout(tl.f);
		if (opt_state != NULL && (follow_dirty(tl.f) || tl.retired_dirty ||
		    tl.save_errno != 0) && (ms < 0 || ms > 1000))
			ms = 1000;
		npfd = 0;
		if (follow_fd(tl.f) >= 0) {
			pfd[npfd].fd = follow_fd(tl.f);
			pfd[npfd++].events = POLLIN;
		}
		if (watch_out) {
			pfd[npfd].fd = STDOUT_FILENO;
			pfd[npfd++].events = 0;
		}
		if (sig_poll(pfd, (nfds_t)npfd, ms, &orig) == -1 &&
		    errno != EINTR)
			err(1, "ppoll");
		if (sig_caught())
			break;
		if (sig_hup() && opt_state != NULL) {
			save_state(&tl);	/* what was delivered */
			next_save = (double)time(NULL) + 1;
		}
		if (watch_out && (pfd[npfd - 1].revents & (POLLERR | POLLHUP)))
			goto closed;
		if (follow_run(tl.f) == -1)
			goto closed;
	}
done:
	if (out_flush(tl.out) == -1)
		goto closed;
	rv = tl.failed;
	if (final_save(&tl) == -1)
		rv = 1;
	goto out;
closed:
	/* stdout is gone (quietly) or failed: keep what was written */
	tell_cut(&tl);
	final_save(&tl);
	rv = 1;
out:
	if (tl.cuts + tl.nuls > 0 && tl.reports > MAX_REPORTS)
		warnx("%lu lines cut at %zu bytes, %lu NUL bytes skipped",
		    tl.cuts, opt_max_line, tl.nuls);
	follow_free(tl.f);
	state_free(&tl.st);
	state_free(&tl.retired);
	free(tl.out);
	free(tl.pre);
	out_free(tl.pout);
	free(tl.pout);
	return rv;
}

static void
save_state(struct tail *tl)
{
	if (opt_state == NULL)
		return;
	struct state out;
	int rv;

	memset(&out, 0, sizeof(out));
	rv = follow_export(tl->f, &tl->st) == -1 || with_retired(tl, &out) == -1 ||
	    state_save(opt_state, out.n > 0 ? &out : &tl->st) == -1 ? -1 : 0;
	state_free(&out);
	if (rv == -1) {
		/* the last good file stays: say so once per kind of error */
		if (tl->save_errno != errno)
			warn("%s: cannot save state (the previous one is kept)",
			    opt_state);
		tl->save_errno = errno != 0 ? errno : EIO;	/* retried */
		if (opt_once)
			tl->failed = 1;	/* the next run would read it all again */
		return;
	}
	if (tl->save_errno != 0)
		warnx("%s: state saved again", opt_state);
	tl->save_errno = 0;
}

/*
 * The save at exit: -1 when it failed, told even if an earlier failure of
 * the same kind was (the next run writes again what this one wrote since
 * the last good save, so the exit status is 1).
 */
static int
final_save(struct tail *tl)
{
	int told = tl->save_errno;

	if (opt_state == NULL)
		return 0;
	save_state(tl);
	if (tl->save_errno == 0)
		return 0;
	if (told == tl->save_errno) {
		/* told once already, during the run: now it counts */
		errno = told;
		warn("%s: cannot save state (the previous one is kept)",
		    opt_state);
	}
	return -1;
}

/* make tl->pre "NAME<TAB>ID:" for name and the stream id */
static void
set_prefix(struct tail *tl, const char *name, uint64_t id)
{
	struct rec_val v;
	char org[REC_ORIGIN_MAX];
	size_t need;

	if (tl->pout == NULL) {
		if ((tl->pout = malloc(sizeof(*tl->pout))) == NULL)
			err(1, NULL);
		out_init_mem(tl->pout);
	}
	out_mem_reset(tl->pout);
	v.p = name;
	v.len = (uint32_t)strlen(name);
	v.enc = REC_RAW;
	if (rec_put(tl->pout, &v) == -1 || out_flush(tl->pout) == -1) {
		errno = tl->pout->err;
		err(1, NULL);	/* ENOMEM */
	}
	need = tl->pout->memlen + 18;
	if (need > tl->precap) {
		free(tl->pre);
		if ((tl->pre = malloc(need)) == NULL)
			err(1, NULL);
		tl->precap = need;
	}
	memcpy(tl->pre, tl->pout->mem, tl->pout->memlen);
	tl->prelen = tl->pout->memlen;
	tl->pre[tl->prelen++] = '\t';
	/* "ID:": the first 17 bytes of an origin */
	rec_origin_fmt(org, id, 0, 1);
	memcpy(tl->pre + tl->prelen, org, 17);
	tl->prelen += 17;
	tl->pname = name;
	tl->pid = id;
	tl->lastend = UINT64_MAX;
}

/*
 * One line out: "LINE", or with -H "NAME<TAB>ID:START:END<TAB>LINE" (a
 * line without origin, a repeated W3C directive: "NAME<TAB>LINE").
 */
static int
on_line(void *arg, const char *name, const char *p, size_t len, int flags,
    const struct follow_origin *o)
{
	struct tail *tl = arg;
	struct out *out = tl->out;
	struct rec_val v;
	char org[REC_ORIGIN_MAX], *d;
	uint64_t w[2];
	size_t need = len + 1, n;
	int rv = 0;

	(void)flags;
	if (!opt_tag) {
		/* flush between lines, never inside one: then what was
		 * flushed is whole lines, which the follower may count as
		 * delivered */
		if (out->len > 0 && out->len + need > out->cap) {
			if (out_flush(out) == -1)
				return -1;
			tl->whole = out->written;
			rv = 1;
		}
		out_write(out, p, len);
		return out_putc(out, '\n') == -1 ? -1 : rv;
	}
	if (o != NULL) {
		if (name != tl->pname || o->id != tl->pid)
			set_prefix(tl, name, o->id);
		need += tl->prelen + 2 * 20 + 2;
	} else
		need += 5 * strlen(name) + 1;
	if (out->len > 0 && out->len + need > out->cap) {
		if (out_flush(out) == -1)
			return -1;
		tl->whole = out->written;
		rv = 1;
	}
	if (o != NULL && need <= out->cap - out->len) {
		/* the hot path: straight into the buffer */
		d = out->b + out->len;
		memcpy(d, tl->pre, tl->prelen);
		d += tl->prelen;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/*
		 * START is the last line's END most of the time: its digits
		 * are kept as two words (stored and loaded whole: no wide
		 * load of bytes just stored one by one).
		 */
		if (o->start == tl->lastend) {
			memcpy(d, &tl->endw[0], 8);
			memcpy(d + 8, &tl->endw[1], 8);
			d += tl->endlen;
		} else
			d += rec_u64(d, o->start);
		*d++ = ':';
		if (o->end < 10000000000000000ULL) {
			tl->endlen = n = rec_u64w(o->end, w);
			tl->endw[0] = w[0];
			tl->endw[1] = w[1];
			memcpy(d, &w[0], 8);
			memcpy(d + 8, &w[1], 8);
			tl->lastend = o->end;
		} else {
			n = rec_u64(d, o->end);
			tl->lastend = UINT64_MAX;
		}
		d += n;
#else
		d += rec_u64(d, o->start);
		*d++ = ':';
		d += rec_u64(d, o->end);
#endif
		*d++ = '\t';
		memcpy(d, p, len);
		d += len;
		*d++ = '\n';
		out->len = (size_t)(d - out->b);
		return rv;
	}
	if (o != NULL) {
		/* a line longer than the buffer */
		out_write(out, tl->pre, tl->prelen - 17);
		out_write(out, org, rec_origin_fmt(org, o->id, o->start, o->end));
		out_putc(out, '\t');
		tl->lastend = UINT64_MAX;
	} else {
		/* COPY-escaped, as omph-parse --tagged reads it back */
		v.p = name;
		v.len = (uint32_t)strlen(name);
		v.enc = REC_RAW;
		rec_put(out, &v);
		out_putc(out, '\t');
	}
	out_write(out, p, len);
	if (out_putc(out, '\n') == -1)
		return -1;
	return rv;
}

/*
 * A piece of whole lines (no -H), as they are, written from where they are
 * after what the buffer holds: then they are out (2), and what was written
 * ends with a whole line
 */
static int
on_lines(void *arg, const char *name, const char *p, size_t len)
{
	struct tail *tl = arg;
	struct out *out = tl->out;

	(void)name;
	if (out_write_direct(out, p, len) == -1)
		return -1;
	tl->whole = out->written;
	return 2;
}

static int
on_flush(void *arg)
{
	struct tail *tl = arg;

	if (out_flush(tl->out) == -1)
		return -1;
	tl->whole = tl->out->written;
	return 0;
}

/*
 * A write to stdout failed.  A reader that went away (EPIPE) is not told.
 * Otherwise (a full disk, EIO) the output is cut back to the end of the
 * last line counted delivered, so it ends with a whole line and the next
 * run (with --state) goes on right after it; what cannot be cut (a pipe, a
 * device, a file written on by another) is told with the size of the part
 * of a line left at its end.
 */
static void
tell_cut(struct tail *tl)
{
	const char *e = strerror(tl->out->err);
	long long at;

	if (tl->out->err == 0 || tl->out->err == EPIPE)
		return;
	if (tl->out->written == tl->whole)
		warnx("standard output: %s", e);
	else if (out_cut(tl->out, tl->whole, &at) == 0)
		warnx("standard output: %s; cut back to its last whole line, at "
		    "offset %lld", e, at);
	else
		warnx("standard output: %s; its last %llu bytes, which may end "
		    "inside a line, are not counted as written", e,
		    (unsigned long long)(tl->out->written - tl->whole));
}

static void
on_note(void *arg, const char *name, int what, int e, long long a)
{
	struct tail *tl = arg;

	if (name == NULL)
		name = "inotify";
	switch (what) {
	case FN_CUT:
	case FN_NUL:
		if (what == FN_CUT)
			tl->cuts++;
		else
			tl->nuls += (unsigned long)a;
		if (++tl->reports > MAX_REPORTS)
			return;
		if (what == FN_CUT)
			warnx("%s: line longer than %lld bytes cut", name, a);
		else
			warnx("%s: %lld NUL bytes skipped", name, a);
		if (tl->reports == MAX_REPORTS)
			warnx("further cut lines and NUL bytes are only counted");
		return;
	case FN_TRUNCATED:
		warnx("%s: file truncated, reading from its start", name);
		return;
	case FN_ERROR:
		errno = e;
		if (opt_once) {
			warn("%s", name);
			tl->failed = 1;
		} else
			warn("%s: will retry", name);
		return;
	case FN_POLLING:
		errno = e;
		warn("%s: inotify unusable, polling", name);
		return;
	case FN_STATE_TRUNC:
		warnx("%s: truncated since the state was saved, reading from "
		    "its start", name);
		return;
	case FN_LOST:
		warnx("%s: the file read before is not found (compressed, moved "
		    "or deleted): lines written to it after offset %lld, if any, "
		    "are lost", name, a);
		return;
	case FN_FOUND_ROTATED:
		if (opt_verbose)
			warnx("%s: rotated since the state was saved; reading the "
			    "rest of the old file first", name);
		return;
	case FN_DELETED:
		if (opt_once) {
			/* nothing to wait for in cron mode: a missing file fails */
			warnx("%s: %s", name, strerror(e ? e : ENOENT));
			tl->failed = 1;
		} else if (e != 0) {
			errno = e;
			warn("%s: waiting for it", name);
		} else if (opt_verbose || !tl->started || !follow_nopen(tl->f))
			warnx("%s: no such file, waiting for it", name);
		return;
	case FN_APPEARED:
		if (opt_verbose)
			warnx("%s: appeared, following it", name);
		return;
	case FN_ROTATED:
		if (opt_verbose)
			warnx("%s: replaced, following the new file", name);
		return;
	case FN_REWOUND:
		warnx("%s: reading %lld bytes again that the collector did not "
		    "acknowledge", name, a);
		return;
	case FN_RESUMED:
		if (opt_verbose)
			warnx("%s: resuming at offset %lld", name, a);
		return;
	}
}

/*
 * --acked: each stream of the state resumes no later than where the
 * collector's acknowledgements end (omph-send --acked wrote them), or,
 * when none of it was acknowledged, from where it began.  A file that is
 * refused is trusted for nothing: every stream is read again from where it
 * began, and the collector drops what it counted already.
 */
static void
rewind_acked(struct state *st)
{
	struct pos p;
	char errbuf[256];
	size_t i;

	if (pos_load(&p, opt_acked, errbuf, sizeof(errbuf)) == -1)
		warnx("%s: %s; reading every stream of the state again from "
		    "where it began", opt_acked, errbuf);
	for (i = 0; i < st->n; i++) {
		if (st->e[i].dev == 0 && st->e[i].ino == 0)
			continue;
		st->e[i].has_upto = 1;
		st->e[i].upto = pos_get(&p, st->e[i].id);
	}
	pos_free(&p);
}

/* --acked: a finished rotated file's last entry, kept (see struct tail) */
static void
on_retire(void *arg, const struct state_ent *e)
{
	struct tail *tl = arg;

	if (tl->retired.n == MAX_RETIRED) {
		/* the oldest goes: entries are in the order they came */
		memmove(tl->retired.e, tl->retired.e + 1, --tl->retired.n *
		    sizeof(*tl->retired.e));
	}
	if (state_put(&tl->retired, e) == -1)
		err(1, NULL);
	tl->retired_dirty = 1;
}

/*
 * --acked: into out, when rotated files are retired, tl's state and those
 * of them the collector did not acknowledge to their end (the others are
 * forgotten); out stays empty when there are none.  -1 ENOMEM.
 */
static int
with_retired(struct tail *tl, struct state *out)
{
	struct pos p;
	char errbuf[256];
	size_t i;
	int refused;

	if (tl->retired.n == 0)
		return 0;
	tl->retired_dirty = 0;
	refused = pos_load(&p, opt_acked, errbuf, sizeof(errbuf)) == -1;
	for (i = tl->retired.n; i-- > 0;) {
		if (refused || pos_get(&p, tl->retired.e[i].id) <
		    tl->retired.e[i].off)
			continue;
		free(tl->retired.e[i].path);
		tl->retired.e[i] = tl->retired.e[--tl->retired.n];
	}
	pos_free(&p);
	for (i = 0; i < tl->st.n; i++)
		if (state_put(out, &tl->st.e[i]) == -1)
			return -1;
	for (i = 0; i < tl->retired.n; i++)
		if (state_put(out, &tl->retired.e[i]) == -1)
			return -1;
	return 0;
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
	    "usage: omph-tail [-Hv] [-n lines | --from-start] [--poll[=seconds]]\n"
	    "                 [--state file [--acked file]] [--once]\n"
	    "                 [--rotate-wait seconds]\n"
	    "                 [--max-line bytes] file|glob ...\n";

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
	    "Follow log files by name, as tail -F does, through rotation and truncation.\n"
	    "\n"
	    "  -H, --with-filename    prefix each line with its file name and origin:\n"
	    "                         NAME<TAB>ID:START:END<TAB>LINE (see omph(7))\n"
	    "  -n, --lines=N          start with the last N lines of each file\n"
	    "      --from-start       start at the beginning of each file\n"
	    "      --poll[=SECONDS]   look at the files every SECONDS (default 1) instead\n"
	    "                         of using inotify\n"
	    "      --state=FILE       resume from the offsets saved in FILE; save them there\n"
	    "      --acked=FILE       with --state and -H: resume no later than the\n"
	    "                         positions omph-send --acked saved in FILE\n"
	    "      --once             read what is there now, save the state, exit (cron)\n"
	    "      --rotate-wait=SECONDS\n"
	    "                         keep reading a rotated file this long (default 5)\n"
	    "      --max-line=BYTES   cut lines longer than BYTES (default 1 MiB)\n"
	    "  -v, --verbose          tell rotations, truncations and new files on stderr\n"
	    "  -h, --help             print this help and exit\n"
	    "  -V, --version          print the version and exit\n"
	    "\n"
	    "Exit status: 0 ok, 1 failure (an unsaved state, a failed write), 2 usage.\n"
	    "See omph-tail(1).\n", stdout);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	exit(0);
}

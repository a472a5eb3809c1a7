#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "follow.h"
#include "tm.h"
#include "lr.h"

#define TAILK 64			/* bytes before pos checked on each read */
#define BATCH (256 * 1024)		/* read size beyond one max line */
#define BUDGET (8 * 1024 * 1024)	/* bytes read from one file per turn */
#define SLOW_CHECK 5.0			/* inotify mode: look at all every 5 s */
#define DIRBLOCK_MAX (64 * 1024)

#define FILE_MASK (IN_MODIFY | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF)
#define DIR_MASK (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | \
    IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

struct fname;
struct tfile;
struct follow;

static int read_file(struct follow *, struct tfile *);
static int finish_file(struct follow *, struct tfile *);

/* an open file being read */
struct tfile {
	struct tfile *next;
	struct fname *name;	/* the name its lines are told under */
	int fd;
	uint64_t dev, ino;
	int64_t pos;		/* next unread byte: start of a partial line */
	int64_t delivered;	/* pos at the last successful flush */
	int64_t exported;	/* delivered when last exported, -1 never */
	int64_t seen;		/* the file's end when last read */
	uint64_t id;		/* its stream's id */
	int64_t base;		/* where its stream began */
	int64_t lstart;		/* START of the next line handed out */
	char *held;		/* a cut line waiting for its LF (max_line
				 * bytes, starting at lstart), or NULL */
	unsigned char tail[TAILK];	/* the bytes just before pos */
	int taillen;		/* -1 until loaded */
	int skipping;		/* inside the tail of a cut line */
	int64_t nulrun;		/* NUL bytes skipped at a line start, untold */
	int draining;		/* 1 renamed away, 2 deleted: close when done */
	int finishing;		/* finish_file: read it all, however much */
	int dirty;
	double grown;		/* when it last grew */
	int wd;			/* inotify watch, -1 when polled */
	char *dirs;		/* directive block to hand out first */
	size_t dirslen;
};

struct fname {
	struct fname *next;
	char *path, *dir, *base;
	struct tfile *cur;
	int initial;		/* not looked at since start: start rules */
	int waiting;		/* missing, already told */
	int lasterr;		/* last error told, to tell it once */
	int dirty;
	int remote;		/* on a file system inotify cannot see */
	int fromglob;		/* matched by a pattern, not named */
	int gone;		/* fromglob and no longer there: to be dropped */
	int have_res;		/* 1: res is a state entry to resume from;
				 * 2: res is where a read error left us */
	struct state_ent res;
	struct state_ent *rot;	/* rotated entries to resume (paths NULL) */
	size_t nrot;
	int rotdirty;		/* its rotated files changed since the export */
	int lost;		/* its file went away: export "no file" */
};

struct fdir {
	struct fdir *next;
	char *path;
	int wd;
};

struct pattern {
	struct pattern *next;
	char *pat;
};

enum { W_NONE, W_FILE, W_DIR };
struct wdent {
	int kind;
	void *p;
};

struct follow {
	struct follow_opts o;
	struct follow_cb cb;
	struct fname *names;
	struct tfile *files;
	struct fdir *dirs;
	struct pattern *pats;
	struct state res;
	int ifd;		/* inotify, -1 when polling */
	struct wdent *wdmap;
	int wdcap;
	double next_poll, next_slow;
	int reglob;
	char *buf;
	size_t bufsz;
	char *scratch;
	int started;
	int stop;		/* output failed */
	int told_nowatch;	/* watches ran out: told (once) */
	char **dropped;		/* paths of names dropped since the export */
	size_t ndropped;
	size_t nopen;
};

static void
note(struct follow *f, const char *name, int what, int err, long long a)
{
	if (f->cb.note != NULL)
		f->cb.note(f->cb.arg, name, what, err, a);
}

struct follow *
follow_new(const struct follow_opts *o, const struct follow_cb *cb)
{
	struct follow *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->o = *o;
	f->cb = *cb;
	f->ifd = -1;
	f->bufsz = o->max_line + TAILK + BATCH;
	if ((f->buf = malloc(f->bufsz + 1)) == NULL ||
	    (f->scratch = malloc(o->max_line + 1)) == NULL) {
		follow_free(f);
		return NULL;
	}
	if (!o->poll && !o->once) {
		f->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (f->ifd == -1)
			note(f, NULL, FN_POLLING, errno, 0);
	}
	return f;
}

static void
set_wd(struct follow *f, int wd, int kind, void *p)
{
	struct wdent *n;
	int cap;

	if (wd < 0)
		return;
	if (wd >= f->wdcap) {
		cap = f->wdcap ? f->wdcap : 256;
		while (cap <= wd)
			cap *= 2;
		if ((n = realloc(f->wdmap, (size_t)cap * sizeof(*n))) == NULL)
			return;	/* the file is then looked at by the slow check */
		memset(n + f->wdcap, 0, (size_t)(cap - f->wdcap) * sizeof(*n));
		f->wdmap = n;
		f->wdcap = cap;
	}
	f->wdmap[wd].kind = kind;
	f->wdmap[wd].p = p;
}

static void
close_file(struct follow *f, struct tfile *t)
{
	struct tfile **pp;

	for (pp = &f->files; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	if (t->name != NULL && t->name->cur == t)
		t->name->cur = NULL;
	else if (t->name != NULL)
		t->name->rotdirty = 1;	/* its rotated entry goes */
	if (t->wd >= 0 && f->ifd >= 0) {
		/* another file may hold the same watch (one inode): keep it */
		if (t->wd < f->wdcap && f->wdmap[t->wd].p == t) {
			inotify_rm_watch(f->ifd, t->wd);
			f->wdmap[t->wd].kind = W_NONE;
			f->wdmap[t->wd].p = NULL;
		}
	}
	if (t->fd >= 0)
		close(t->fd);
	free(t->dirs);
	free(t->held);
	free(t);
	f->nopen--;
}

void
follow_free(struct follow *f)
{
	struct fname *n;
	struct fdir *d;
	struct pattern *p;

	if (f == NULL)
		return;
	while (f->files != NULL)
		close_file(f, f->files);
	while ((n = f->names) != NULL) {
		f->names = n->next;
		free(n->path);
		free(n->dir);
		free(n->rot);
		free(n);
	}
	while ((d = f->dirs) != NULL) {
		f->dirs = d->next;
		free(d->path);
		free(d);
	}
	while ((p = f->pats) != NULL) {
		f->pats = p->next;
		free(p->pat);
		free(p);
	}
	if (f->ifd >= 0)
		close(f->ifd);
	while (f->ndropped > 0)
		free(f->dropped[--f->ndropped]);
	free(f->dropped);
	state_free(&f->res);
	free(f->wdmap);
	free(f->buf);
	free(f->scratch);
	free(f);
}

int
follow_resume(struct follow *f, const struct state *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (state_put(&f->res, &st->e[i]) == -1)
			return -1;
	return 0;
}

static int
is_remote(const char *dir)
{
	struct statfs sf;

	if (statfs(dir, &sf) == -1)
		return 0;
	switch ((unsigned long)sf.f_type) {
	case 0x6969:		/* NFS */
	case 0x517b:		/* SMB */
	case 0xff534d42:	/* CIFS */
	case 0xfe534d42:	/* SMB2 */
	case 0x65735546:	/* FUSE */
	case 0x564c:		/* NCP */
	case 0x47504653:	/* GPFS */
	case 0x0bd00bd0:	/* Lustre */
	case 0x01021997:	/* 9p */
	case 0x73757245:	/* Coda */
	case 0x5346414f:	/* AFS */
		return 1;
	}
	return 0;
}

/* watch dir for names coming and going; 0, or -1 when it cannot be watched */
static int
watch_dir(struct follow *f, const char *dir)
{
	struct fdir *d;

	if (f->ifd < 0)
		return -1;
	for (d = f->dirs; d != NULL; d = d->next)
		if (strcmp(d->path, dir) == 0)
			break;
	if (d == NULL) {
		if ((d = calloc(1, sizeof(*d))) == NULL ||
		    (d->path = strdup(dir)) == NULL) {
			free(d);
			return -1;
		}
		d->wd = -1;
		d->next = f->dirs;
		f->dirs = d;
	}
	if (d->wd < 0) {
		d->wd = inotify_add_watch(f->ifd, dir, DIR_MASK);
		if (d->wd < 0 && errno == ENOSPC && !f->told_nowatch) {
			note(f, dir, FN_POLLING, errno, 0);
			f->told_nowatch = 1;	/* once: thousands may follow */
		}
		set_wd(f, d->wd, W_DIR, d);
	}
	return d->wd >= 0 ? 0 : -1;
}

/* the name path, added when new; a glob match when fromglob.  NULL ENOMEM */
static struct fname *
add_name(struct follow *f, const char *path, int fromglob)
{
	struct fname *n, **pp;
	struct state_ent *e;
	char *slash;
	size_t i;

	for (pp = &f->names; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->path, path) == 0) {
			(*pp)->gone = 0;
			if (!fromglob)
				(*pp)->fromglob = 0;
			return *pp;
		}
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	if ((n->path = strdup(path)) == NULL) {
		free(n);
		return NULL;
	}
	/* dir is what precedes the last '/' ("/" for "/x", "." for "x") */
	slash = strrchr(n->path, '/');
	n->base = slash != NULL ? slash + 1 : n->path;
	n->dir = slash == NULL ? strdup(".") : slash == n->path ? strdup("/") :
	    strndup(n->path, (size_t)(slash - n->path));
	if (n->dir == NULL) {
		free(n->path);
		free(n);
		return NULL;
	}
	n->initial = !f->started;
	n->dirty = 1;
	n->fromglob = fromglob;
	if ((e = state_find(&f->res, path)) != NULL) {
		n->res = *e;
		n->res.path = NULL;
		n->have_res = 1;
	}
	for (i = 0; i < f->res.n; i++) {
		struct state_ent *r;

		e = &f->res.e[i];
		if (!e->rotated || strcmp(e->path, path) != 0)
			continue;
		if ((r = realloc(n->rot, (n->nrot + 1) * sizeof(*r))) == NULL)
			break;	/* ENOMEM: that file is not resumed */
		n->rot = r;
		n->rot[n->nrot] = *e;
		n->rot[n->nrot++].path = NULL;
	}
	n->remote = is_remote(n->dir);
	if (!n->remote)
		watch_dir(f, n->dir);
	*pp = n;
	return n;
}

static int
has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* add every regular file pattern p matches that is not followed yet */
static void
expand(struct follow *f, const char *pat)
{
	glob_t g;
	struct stat st;
	size_t i;
	char *dir, *slash;

	/* the directory part is watched so new matches are seen */
	if ((dir = strdup(pat)) != NULL) {
		if ((slash = strrchr(dir, '/')) != NULL) {
			*slash = '\0';
			if (!has_glob(dir))
				watch_dir(f, slash == dir ? "/" : dir);
		} else
			watch_dir(f, ".");
		free(dir);
	}
	if (glob(pat, 0, NULL, &g) != 0)
		return;
	for (i = 0; i < g.gl_pathc; i++)
		if (stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode))
			add_name(f, g.gl_pathv[i], 1);
	globfree(&g);
}

int
follow_add(struct follow *f, const char *pattern)
{
	struct pattern *p;

	if (!has_glob(pattern))
		return add_name(f, pattern, 0) != NULL ? 0 : -1;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->pat = strdup(pattern)) == NULL) {
		free(p);
		return -1;
	}
	p->next = f->pats;
	f->pats = p;
	expand(f, pattern);
	return 0;
}

/* set t->tail from the file: the bytes before t->pos.  -1 on a read
 * error; a file now shorter than pos starts over at 0 */
static int
load_tail(struct tfile *t)
{
	int k = t->pos < TAILK ? (int)t->pos : TAILK;
	ssize_t r;

	if ((r = state_pread(t->fd, t->tail, (size_t)k, t->pos - k)) == -1)
		return -1;
	if (r != k) {
		t->pos = t->delivered = t->lstart = t->base = k = 0;
		t->id = state_newid();	/* shorter than where we were */
	}
	t->taillen = k;
	return 0;
}

/* start of the last complete line..: offset just past the last LF before
 * end, looking back at most max bytes (0 when none) */
static int64_t
after_last_lf(struct follow *f, int fd, int64_t end, long nlines)
{
	int64_t at = end, lo;
	ssize_t r;
	char *p;
	long seen = 0;
	int first = 1;

	while (at > 0) {
		lo = at > (int64_t)BATCH ? at - BATCH : 0;
		if ((r = state_pread(fd, f->buf, (size_t)(at - lo), lo)) <= 0)
			return 0;
		p = f->buf + r;
		while (p > f->buf) {
			if (p[-1] == '\n') {
				if (first) {
					/* the LF ending the last complete line */
					if (nlines == 0)
						return lo + (p - f->buf);
					first = 0;
				} else if (++seen == nlines)
					return lo + (p - f->buf);
			}
			p--;
		}
		at = lo;
		if (nlines == 0 && end - at > (int64_t)f->o.max_line)
			return end;	/* no LF near the end: start at the end */
	}
	return 0;
}

/* the latest block of '#' lines before pos, when the file starts with '#' */
static void
load_directives(struct tfile *t)
{
	struct lr r;
	struct lr_line l;
	char c;
	char *blk = NULL;
	size_t len = 0;
	int prev_dir = 0, fd;
	int64_t at;

	if (t->pos == 0 || pread(t->fd, &c, 1, 0) != 1 || c != '#')
		return;
	if ((fd = dup(t->fd)) == -1)
		return;
	if (lseek(fd, 0, SEEK_SET) == -1 || lr_init(&r, fd, 65536) == -1) {
		close(fd);
		return;
	}
	if ((blk = malloc(DIRBLOCK_MAX)) == NULL)
		goto out;
	for (;;) {
		at = (int64_t)r.offset;
		if (lr_next(&r, &l) != 1) {
			if (r.eof || lr_fill(&r) <= 0)
				break;
			continue;
		}
		if (at >= t->pos)
			break;
		if (l.len > 0 && l.p[0] == '#') {
			if (!prev_dir)
				len = 0;
			if (len + l.len + 1 <= DIRBLOCK_MAX) {
				memcpy(blk + len, l.p, l.len);
				blk[len + l.len] = '\n';
				len += l.len + 1;
			}
			prev_dir = 1;
		} else
			prev_dir = 0;
	}
	if (len > 0) {
		t->dirs = blk;
		t->dirslen = len;
		blk = NULL;
	}
out:
	free(blk);
	lr_free(&r);
	close(fd);
}

/* a file open at fd, found under path (watched by that path), read from
 * pos on, its lines told under n */
static struct tfile *
new_file(struct follow *f, struct fname *n, const char *path, int fd,
    const struct stat *st, int64_t pos)
{
	struct tfile *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->name = n;
	t->fd = fd;
	t->dev = (uint64_t)st->st_dev;
	t->ino = (uint64_t)st->st_ino;
	t->pos = t->delivered = t->lstart = t->base = pos;
	t->id = state_newid();	/* a new stream, unless the caller resumes one */
	t->exported = -1;
	t->grown = tm_mono();
	t->wd = -1;
	t->dirty = 1;
	t->taillen = -1;	/* loaded by the first read */
	load_directives(t);
	if (f->ifd >= 0 && !n->remote) {
		t->wd = inotify_add_watch(f->ifd, path, FILE_MASK);
		if (t->wd >= 0 && t->wd < f->wdcap && f->wdmap[t->wd].p != NULL)
			t->wd = -1;	/* that inode is watched for another */
		else if (t->wd >= 0)
			set_wd(f, t->wd, W_FILE, t);
		else if (errno == ENOSPC && !f->told_nowatch) {
			note(f, n->path, FN_POLLING, errno, 0);
			f->told_nowatch = 1;
		}
	}
	t->next = f->files;
	f->files = t;
	f->nopen++;
	return t;
}

static struct tfile *
find_file(struct follow *f, uint64_t dev, uint64_t ino)
{
	struct tfile *t;

	for (t = f->files; t != NULL; t = t->next)
		if (t->dev == dev && t->ino == ino)
			return t;
	return NULL;
}

/*
 * An old file of n in n's directory, found after a restart (not the file
 * under the name, not one open already): renamed (same device, inode and
 * head; an entry without head by its device and inode), or, with copies,
 * copied before a truncation (a name starting with n's, the same head, which
 * an entry without head never has, and the bytes before res->off unchanged;
 * the newest of such copies).  A renamed file wins over copies.  Returns its
 * descriptor with *out and path set, or -1.
 */
static int
find_old(struct follow *f, struct fname *n, const struct state_ent *res,
    int copies, struct stat *out, char *path)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	char cpath[PATH_MAX];
	size_t blen = strlen(n->base);
	int fd = -1, cfd = -1, cand, renamed, copied;

	if ((res->dev == 0 && res->ino == 0) || (d = opendir(n->dir)) == NULL)
		return -1;
	while (fd == -1 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, n->base) == 0)
			continue;
		renamed = de->d_ino == res->ino;
		copied = copies && res->hlen > 0 &&
		    strncmp(de->d_name, n->base, blen) == 0;
		if (!renamed && !copied)
			continue;
		if ((size_t)snprintf(cpath, PATH_MAX, "%s/%s", n->dir,
		    de->d_name) >= PATH_MAX)
			continue;
		if ((cand = open(cpath, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		if (fstat(cand, &st) == -1 || !S_ISREG(st.st_mode) ||
		    find_file(f, (uint64_t)st.st_dev, (uint64_t)st.st_ino) != NULL) {
			close(cand);
			continue;
		}
		if (state_same_file(res, cand, &st)) {
			if (cfd >= 0)
				close(cfd);
			cfd = -1;
			fd = cand;
			*out = st;
			memcpy(path, cpath, PATH_MAX);
		} else if (copied && (uint64_t)st.st_ino != res->ino &&
		    state_same_head(res, cand) && state_same_tail(res, cand, &st) &&
		    (cfd < 0 || st.st_mtim.tv_sec > out->st_mtim.tv_sec ||
		    (st.st_mtim.tv_sec == out->st_mtim.tv_sec &&
		    st.st_mtim.tv_nsec > out->st_mtim.tv_nsec))) {
			if (cfd >= 0)
				close(cfd);
			cfd = cand;
			*out = st;
			memcpy(path, cpath, PATH_MAX);
		} else
			close(cand);
	}
	closedir(d);
	return fd >= 0 ? fd : cfd;
}

/* seconds since fd's file was last modified (0 when in the future) */
static double
idle_for(int fd, struct stat *st)
{
	struct timespec now;
	double age;

	if (fstat(fd, st) == -1 || clock_gettime(CLOCK_REALTIME, &now) == -1)
		return 0;
	age = (double)(now.tv_sec - st->st_mtim.tv_sec) +
	    (double)(now.tv_nsec - st->st_mtim.tv_nsec) / 1e9;
	return age > 0 ? age : 0;
}

/*
 * A rotated file is finished when it is deleted or has not been modified
 * for rotate_wait seconds: its writer let go of it.
 */
static int
finished(struct follow *f, struct tfile *t)
{
	struct stat st;
	double idle = idle_for(t->fd, &st);

	return t->draining == 2 || st.st_nlink == 0 || idle >= f->o.rotate_wait;
}

/*
 * Where the stream of entry res is known delivered up to: its offset, or
 * the upto the caller set when before it (never before the base).
 */
static uint64_t
lost_from(const struct state_ent *res)
{
	uint64_t u = res->upto > res->base ? res->upto : res->base;

	return res->has_upto && u < res->off ? u : res->off;
}

/*
 * Where the stream of entry res goes on: at its offset, or before it, at
 * the upto the caller set (never before the stream's base), told.
 */
static int64_t
resume_at(struct follow *f, const char *name, const struct state_ent *res)
{
	uint64_t u = lost_from(res);

	if (u < res->off)
		note(f, name, FN_REWOUND, 0, (long long)(res->off - u));
	return (int64_t)u;
}

/*
 * Read the rest of an old file of n found after a restart (fd at path),
 * from res->off when its bytes before it are unchanged, else from 0, before
 * n's current file.  It drains like a file rotated under our eyes, its last
 * growth taken from its modification time; with --once it is finished now
 * only when finished() says so, else kept (in the state) for the next run.
 */
static void
drain_found(struct follow *f, struct fname *n, const struct state_ent *res,
    const char *path, int fd, const struct stat *st)
{
	struct tfile *old;
	struct stat fst;
	int64_t opos = 0;
	int same = state_same_tail(res, fd, st);

	if (same)
		opos = resume_at(f, n->path, res);
	note(f, n->path, FN_FOUND_ROTATED, 0, (long long)opos);
	if ((old = new_file(f, n, path, fd, st, opos)) == NULL) {
		close(fd);
		return;
	}
	if (same && res->id != 0) {
		old->id = res->id;	/* the same stream goes on */
		old->base = (int64_t)res->base;
	}
	old->draining = 1;
	old->grown = tm_mono() - idle_for(fd, &fst);
	n->rotdirty = 1;
	if (f->o.once && finished(f, old)) {
		if (finish_file(f, old) == -1)
			f->stop = 1;
	} else if (read_file(f, old) == -1)
		f->stop = 1;
}

/*
 * The rotated files of n that the state says were not finished: each is
 * looked for by its identity in n's directory and drained; one not found
 * any more is told (what was written to it since is lost).
 */
static void
resume_rotated(struct follow *f, struct fname *n)
{
	struct stat st;
	char path[PATH_MAX];
	size_t i;
	int fd;

	for (i = 0; i < n->nrot && !f->stop; i++) {
		if ((fd = find_old(f, n, &n->rot[i], 0, &st, path)) >= 0)
			drain_found(f, n, &n->rot[i], path, fd, &st);
		else if (find_file(f, n->rot[i].dev, n->rot[i].ino) == NULL)
			note(f, n->path, FN_LOST, 0,
			    (long long)lost_from(&n->rot[i]));
	}
	free(n->rot);
	n->rot = NULL;
	n->nrot = 0;
	n->rotdirty = 1;
}

/* t's entry: its identity and the hashes at its delivered offset */
static int
export_file(struct tfile *t, struct state_ent *e)
{
	struct stat st;

	if (fstat(t->fd, &st) == -1)
		return -1;
	e->id = t->id;
	e->base = (uint64_t)t->base;
	return state_ident(e, t->fd, &st, (uint64_t)t->delivered);
}


/* open the file now under n; start rules for a name's first file */
static struct tfile *
open_name(struct follow *f, struct fname *n)
{
	struct stat st, ost;
	struct tfile *t;
	char opath[PATH_MAX];
	int64_t pos = 0, base = 0;
	uint64_t id = 0;
	int fd, ofd, same, atline = 0;
	char c;

	if ((fd = open(n->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		if (errno == 0 || !S_ISREG(st.st_mode))
			errno = EINVAL;
		close(fd);
		return NULL;
	}
	if (n->have_res == 2) {
		/* back after an error: the same inode goes on where it was */
		n->have_res = 0;
		if ((uint64_t)st.st_dev == n->res.dev &&
		    (uint64_t)st.st_ino == n->res.ino &&
		    (int64_t)n->res.off <= (int64_t)st.st_size) {
			pos = (int64_t)n->res.off;
			id = n->res.id;
			base = (int64_t)n->res.base;
		}
	} else if (n->have_res) {
		n->have_res = 0;
		same = (uint64_t)st.st_dev == n->res.dev &&
		    (uint64_t)st.st_ino == n->res.ino;
		if (same && state_same_file(&n->res, fd, &st) &&
		    state_same_tail(&n->res, fd, &st)) {
			pos = resume_at(f, n->path, &n->res);
			atline = pos < (int64_t)n->res.off;	/* an END */
			id = n->res.id;
			base = (int64_t)n->res.base;
			note(f, n->path, FN_RESUMED, 0, (long long)pos);
		} else {
			/* rotated or copied and truncated while we were down */
			if (same)
				note(f, n->path, FN_STATE_TRUNC, 0, 0);
			if ((ofd = find_old(f, n, &n->res, 1, &ost, opath)) >= 0)
				drain_found(f, n, &n->res, opath, ofd, &ost);
			else if (!same && (n->res.dev != 0 || n->res.ino != 0))
				note(f, n->path, FN_LOST, 0,
				    (long long)lost_from(&n->res));
		}
	} else if (n->initial && f->o.start == FOLLOW_END)
		pos = after_last_lf(f, fd, (int64_t)st.st_size,
		    f->o.last_lines < 0 ? 0 : f->o.last_lines);
	n->initial = 0;
	if ((t = new_file(f, n, n->path, fd, &st, pos)) == NULL) {
		close(fd);
		return NULL;
	}
	if (id != 0) {
		t->id = id;
		t->base = base <= pos ? base : pos;
	}
	/* started inside a line (no LF near the end): skip to its end */
	if (pos > 0 && !atline &&
	    (state_pread(fd, &c, 1, pos - 1) != 1 || c != '\n'))
		t->skipping = 1;
	return t;
}

/*
 * Hand one line to the caller: directives first, NUL bytes dropped; its
 * origin is t's stream from t->lstart to end, which becomes t->lstart (a
 * line of NULs only is not handed out: the next line's START covers it).
 * Returns what the line callback returned (0, 1, or -1).
 */
static int
emit(struct follow *f, struct tfile *t, char *p, size_t len, int flags,
    int64_t end)
{
	struct follow_origin o;
	char *q, *d, *nl;
	size_t nul;

	if (t->dirs != NULL) {
		char *s = t->dirs, *e = t->dirs + t->dirslen;

		t->dirs = NULL;
		for (; s < e; s = nl + 1) {
			nl = memchr(s, '\n', (size_t)(e - s));
			if (f->cb.line(f->cb.arg, t->name->path, s,
			    (size_t)(nl - s), 0, NULL) == -1) {
				free(e - t->dirslen);
				return -1;
			}
		}
		free(e - t->dirslen);
	}
	if ((q = memchr(p, '\0', len)) != NULL) {
		d = f->scratch;
		nul = 0;
		for (q = p; q < p + len; q++) {
			if (*q == '\0')
				nul++;
			else
				*d++ = *q;
		}
		note(f, t->name->path, FN_NUL, 0, (long long)nul);
		if (d == f->scratch)
			return 0;	/* a line of NULs only */
		p = f->scratch;
		len = (size_t)(d - f->scratch);
	}
	if (flags & FOLLOW_CUT)
		note(f, t->name->path, FN_CUT, 0, (long long)f->o.max_line);
	o.id = t->id;
	o.start = (uint64_t)t->lstart;
	o.end = (uint64_t)end;
	t->lstart = end;
	return f->cb.line(f->cb.arg, t->name->path, p, len, flags, &o);
}

/*
 * Hand out t's held cut line, its END at end (past its skipped rest).
 * Returns 0, -1 when the output failed.
 */
static int
emit_held(struct follow *f, struct tfile *t, int64_t end)
{
	char *h = t->held;
	int64_t s0 = t->lstart;
	int got;

	t->held = NULL;
	got = emit(f, t, h, f->o.max_line, FOLLOW_CUT, end);
	free(h);
	if (got == 1)	/* the lines before this one are out */
		t->delivered = s0;
	return got == -1 ? -1 : 0;
}

/*
 * Read what t has past pos and hand out its complete lines.  Returns 0,
 * -1 when the output failed, -2 on a read error (errno).
 */
static int
read_file(struct follow *f, struct tfile *t)
{
	size_t budget = f->o.once || t->finishing ? SIZE_MAX : BUDGET, len;
	ssize_t n;
	int64_t s0, end;
	int k, any, got;
	char *data, *p, *e, *nl;

	t->dirty = 0;
	if (t->taillen < 0 && load_tail(t) == -1)
		return -2;
	while (budget > 0) {
		k = t->pos < TAILK ? (int)t->pos : TAILK;
		if ((n = state_pread(t->fd, f->buf, f->bufsz, t->pos - k)) == -1)
			return -2;
		if (n < k || k != t->taillen || memcmp(f->buf, t->tail, (size_t)k)) {
			/* shrank, or the bytes before pos changed */
			note(f, t->name->path, FN_TRUNCATED, 0, (long long)t->pos);
			/* a held cut line ends the old stream where we were */
			if (t->held != NULL && (emit_held(f, t, t->pos) == -1 ||
			    f->cb.flush(f->cb.arg) == -1))
				return -1;
			t->pos = t->delivered = t->lstart = t->base = 0;
			t->id = state_newid();	/* a new stream */
			t->taillen = 0;
			t->skipping = 0;
			free(t->dirs);
			t->dirs = NULL;
			continue;
		}
		data = f->buf + k;
		len = (size_t)n - (size_t)k;
		if (t->pos + (int64_t)len > t->seen) {
			t->seen = t->pos + (int64_t)len;
			t->grown = tm_mono();
		}
		if (len == 0)
			break;
		p = data;
		e = data + len;
		any = 0;
		if (t->skipping) {
			if ((nl = memchr(p, '\n', len)) == NULL)
				p = e;
			else {
				p = nl + 1;
				t->skipping = 0;
				if (t->held != NULL && emit_held(f, t, t->pos +
				    (p - data)) == -1)
					return -1;
				any = 1;
			}
		}
		for (;;) {
			/*
			 * NULs where a line starts are a hole (a writer without
			 * O_APPEND past a truncation): skipped, told once the
			 * run ends, never taken for the start of a long line.
			 */
			if (!t->skipping && p < e && *p == '\0') {
				char *q = p;

				while (q < e && *q == '\0')
					q++;
				t->nulrun += q - p;
				p = q;
			}
			if (t->nulrun > 0 && p < e) {
				note(f, t->name->path, FN_NUL, 0,
				    (long long)t->nulrun);
				t->nulrun = 0;
				if (*p == '\n') {
					/* a line of NULs only: dropped */
					p++;
					any = 1;
					continue;
				}
			}
			if (p >= e || (nl = memchr(p, '\n', (size_t)(e - p))) ==
			    NULL)
				break;
			s0 = t->lstart;
			end = t->pos + (nl + 1 - data);
			if ((size_t)(nl - p) > f->o.max_line)
				got = emit(f, t, p, f->o.max_line, FOLLOW_CUT, end);
			else
				got = emit(f, t, p, (size_t)(nl - p), 0, end);
			if (got == -1)
				return -1;
			if (got == 1)	/* the lines before this one are out */
				t->delivered = s0;
			p = nl + 1;
			any = 1;
		}
		if ((size_t)(e - p) > f->o.max_line && !t->skipping) {
			/*
			 * A line cut before its LF is read: held until its LF
			 * comes, so that its END covers the skipped rest (out
			 * of memory: handed out now, its END here, the rest
			 * then covered by the next line's START).
			 */
			if (t->held != NULL ||
			    (t->held = malloc(f->o.max_line)) == NULL) {
				if (emit(f, t, p, f->o.max_line, FOLLOW_CUT,
				    t->pos + (e - data)) == -1)
					return -1;
			} else
				memcpy(t->held, p, f->o.max_line);
			p = e;
			t->skipping = 1;
			any = 1;
		}
		if (p > data) {
			t->pos += p - data;
			t->taillen = (int)(p - f->buf) < TAILK ? (int)(p - f->buf) :
			    TAILK;
			memcpy(t->tail, p - t->taillen, (size_t)t->taillen);
		}
		if (any && f->cb.flush(f->cb.arg) == -1)
			return -1;
		/* where the next line starts: past what was handed out */
		t->delivered = t->lstart;
		budget = budget > (size_t)n ? budget - (size_t)n : 0;
		if ((size_t)n < f->bufsz)
			break;
	}
	if (budget == 0)
		t->dirty = 1;	/* more to read: come back next turn */
	return 0;
}

/*
 * A file closed for good: read to its end, every line handed out as its
 * own line, then its unterminated last line, if any, as one (FOLLOW_NOEOL).
 * Lines that arrive while we look are read as lines too (a few times over:
 * a writer that never stops does not hold us here); a cut line whose LF
 * never comes is handed out with its END at the end of the file.  Returns
 * 0 (the file is closed), -1 when the output failed.
 */
static int
finish_file(struct follow *f, struct tfile *t)
{
	ssize_t n = 0;
	int rv = 0, tries;

	t->finishing = 1;
	for (tries = 0; tries < 4; tries++) {
		if ((rv = read_file(f, t)) != 0)
			break;
		if (t->skipping || (n = state_pread(t->fd, f->buf, f->o.max_line,
		    t->pos)) <= 0)
			break;
		if (memchr(f->buf, '\n', (size_t)n) == NULL) {
			if (emit(f, t, f->buf, (size_t)n, FOLLOW_NOEOL,
			    t->pos + n) == -1 || f->cb.flush(f->cb.arg) == -1)
				rv = -1;
			else {
				t->pos += n;
				t->delivered = t->lstart;
			}
			break;
		}
		/* it grew since: its new lines first */
	}
	if (rv == 0 && t->held != NULL) {
		if (emit_held(f, t, t->pos) == -1 || f->cb.flush(f->cb.arg) == -1)
			rv = -1;
		else
			t->delivered = t->lstart;
	}
	if (rv == -2 || n == -1)
		note(f, t->name->path, FN_ERROR, errno, 0);
	if (rv == 0 && f->cb.retire != NULL && t != t->name->cur) {
		struct state_ent e;

		memset(&e, 0, sizeof(e));
		e.path = t->name->path;
		e.rotated = 1;
		if (export_file(t, &e) == 0)
			f->cb.retire(f->cb.arg, &e);
	}
	close_file(f, t);
	return rv == -1 ? -1 : 0;
}

/* read t; on a read error tell it, close it and let its name retry */
static int
read_or_drop(struct follow *f, struct tfile *t)
{
	struct fname *n = t->name;
	int rv = read_file(f, t);

	if (rv == 0 && n->cur == t)
		n->lasterr = 0;
	if (rv != -2)
		return rv;
	if (n->lasterr != errno)
		note(f, n->path, FN_ERROR, errno, 0);
	n->lasterr = errno;
	if (n->cur == t) {
		/* resume here if the same file (device, inode) comes back */
		memset(&n->res, 0, sizeof(n->res));
		n->res.dev = t->dev;
		n->res.ino = t->ino;
		n->res.off = (uint64_t)t->delivered;
		n->res.id = t->id;
		n->res.base = (uint64_t)t->base;
		n->have_res = 2;
	}
	close_file(f, t);
	return 0;
}

/*
 * Out of descriptors: close the file that grew longest ago (not one of
 * name's) and let its name reopen it when it is looked at again, resuming
 * as from a state entry.  Its name is polled meanwhile.  0 if one was closed.
 */
static int
park(struct follow *f, struct fname *keep)
{
	struct tfile *t, *lru = NULL;
	struct fname *n;

	for (t = f->files; t != NULL; t = t->next)
		if (!t->draining && t->name != keep && t->name->cur == t &&
		    (lru == NULL || t->grown < lru->grown))
			lru = t;
	if (lru == NULL)
		return -1;
	n = lru->name;
	memset(&n->res, 0, sizeof(n->res));
	n->have_res = export_file(lru, &n->res) == 0 ? 1 : 0;
	n->res.path = NULL;
	n->initial = 0;
	close_file(f, lru);
	return 0;
}

/* look at a name: appeared, same file grown, replaced, gone */
static int
check_name(struct follow *f, struct fname *n)
{
	struct stat st, fst;
	struct tfile *t;

	n->dirty = 0;
	if (n->nrot > 0) {
		/* first look: the rotated files the last run left unfinished */
		resume_rotated(f, n);
		if (f->stop)
			return -1;
	}
	if (stat(n->path, &st) == -1) {
		int e = errno;

		if ((t = n->cur) != NULL) {
			if (read_or_drop(f, t) == -1)
				return -1;
			if (n->cur == t) {
				t->draining = fstat(t->fd, &fst) == 0 &&
				    fst.st_nlink == 0 ? 2 : 1;
				t->grown = tm_mono();
				n->cur = NULL;
				n->lost = n->rotdirty = 1;
			}
		}
		if (n->fromglob && (e == ENOENT || e == ENOTDIR)) {
			/* a match that went away: dropped once drained */
			n->gone = 1;
			return 0;
		}
		if (!n->waiting)
			note(f, n->path, FN_DELETED, e == ENOENT || e == ENOTDIR ?
			    0 : e, 0);
		n->waiting = 1;
		n->initial = 0;
		if (n->remote == 0 && f->ifd >= 0)
			watch_dir(f, n->dir);
		return 0;
	}
	if (n->waiting) {
		n->waiting = 0;
		note(f, n->path, FN_APPEARED, 0, 0);
	}
	if (!S_ISREG(st.st_mode)) {
		if (n->lasterr != EINVAL)
			note(f, n->path, FN_ERROR, EINVAL, 0);
		n->lasterr = EINVAL;
		return 0;
	}
	t = n->cur;
	if (t != NULL && t->dev == (uint64_t)st.st_dev &&
	    t->ino == (uint64_t)st.st_ino)
		return read_or_drop(f, t);
	if (t != NULL) {
		/* replaced: drain the old one, then the new from its start */
		if (read_or_drop(f, t) == -1)
			return -1;
		if (n->cur == t) {
			t->draining = 1;
			t->grown = tm_mono();
			n->cur = NULL;
			n->lost = n->rotdirty = 1;
		}
		note(f, n->path, FN_ROTATED, 0, 0);
		n->initial = 0;
	}
	if ((t = find_file(f, (uint64_t)st.st_dev, (uint64_t)st.st_ino)) != NULL) {
		/* already read under another name (a glob match of a
		 * rotated file): go on with it under this name */
		if (t->name != n && t->name->cur == t)
			t->name->cur = NULL;
		if (t->name != n)
			t->exported = -1;	/* not in the state under n */
		if (t->name->cur != t)
			t->name->rotdirty = 1;	/* not a rotated file any more */
		t->name = n;
		t->draining = 0;
		n->cur = t;
		n->lost = 0;
		n->initial = 0;
		return read_or_drop(f, t);
	}
	t = open_name(f, n);
	if (t == NULL && (errno == EMFILE || errno == ENFILE) && park(f, n) == 0)
		t = open_name(f, n);
	if (t == NULL) {
		if (n->lasterr != errno)
			note(f, n->path, FN_ERROR, errno, 0);
		n->lasterr = errno;
		return f->stop ? -1 : 0;
	}
	n->cur = t;
	n->lost = 0;
	return f->stop ? -1 : read_or_drop(f, t);
}

int
follow_start(struct follow *f)
{
	struct fname *n;

	for (n = f->names; n != NULL; n = n->next)
		if (check_name(f, n) == -1)
			return -1;
	f->started = 1;
	f->next_poll = tm_mono() + f->o.poll_interval;
	f->next_slow = tm_mono() + SLOW_CHECK;
	return 0;
}

int
follow_fd(const struct follow *f)
{
	return f->ifd;
}

int
follow_timeout(const struct follow *f)
{
	const struct tfile *t;
	double next = f->next_poll, t0 = tm_mono();
	int ms;

	if (f->ifd >= 0 && f->next_slow < next)
		next = f->next_slow;
	for (t = f->files; t != NULL; t = t->next) {
		if (t->dirty)
			return 0;
		if (t->draining && t->grown + f->o.rotate_wait < next)
			next = t->grown + f->o.rotate_wait;
	}
	if (f->reglob)
		return 0;
	if (next <= t0)
		return 0;
	ms = (int)((next - t0) * 1000) + 1;
	return ms;
}

static void
dir_event(struct follow *f, struct fdir *d, const struct inotify_event *ev)
{
	struct fname *n;
	struct pattern *p;
	size_t dl = strlen(d->path);

	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED |
	    IN_UNMOUNT)) {
		/* the directory is gone: its names are polled until it is back */
		if (d->wd >= 0 && d->wd < f->wdcap) {
			f->wdmap[d->wd].kind = W_NONE;
			f->wdmap[d->wd].p = NULL;
		}
		if (!(ev->mask & IN_IGNORED))
			inotify_rm_watch(f->ifd, d->wd);
		d->wd = -1;
		for (n = f->names; n != NULL; n = n->next)
			if (strcmp(n->dir, d->path) == 0)
				n->dirty = 1;
		return;
	}
	for (n = f->names; n != NULL; n = n->next)
		if (ev->len == 0 || (strcmp(n->dir, d->path) == 0 &&
		    strcmp(n->base, ev->name) == 0))
			n->dirty = 1;
	for (p = f->pats; p != NULL; p = p->next)
		if (strncmp(p->pat, d->path, dl) == 0 || strcmp(d->path, ".") == 0)
			f->reglob = 1;
}

static void
read_events(struct follow *f)
{
	char buf[64 * 1024] __attribute__((aligned(8)));
	const struct inotify_event *ev;
	struct fname *n;
	struct tfile *t;
	ssize_t r;
	char *p;

	for (;;) {
		r = read(f->ifd, buf, sizeof(buf));
		if (r <= 0)
			return;
		for (p = buf; p < buf + r; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(void *)p;
			if (ev->mask & IN_Q_OVERFLOW) {
				for (n = f->names; n != NULL; n = n->next)
					n->dirty = 1;
				for (t = f->files; t != NULL; t = t->next)
					t->dirty = 1;
				f->reglob = 1;
				continue;
			}
			if (ev->wd < 0 || ev->wd >= f->wdcap)
				continue;
			if (f->wdmap[ev->wd].kind == W_FILE) {
				t = f->wdmap[ev->wd].p;
				t->dirty = 1;
				if (ev->mask & IN_UNMOUNT)
					note(f, t->name->path, FN_ERROR, ENODEV, 0);
				if (t->name->cur == t && (ev->mask & (IN_ATTRIB |
				    IN_MOVE_SELF | IN_DELETE_SELF)))
					t->name->dirty = 1;
				if (ev->mask & IN_IGNORED) {
					f->wdmap[ev->wd].kind = W_NONE;
					f->wdmap[ev->wd].p = NULL;
					t->wd = -1;
				}
			} else if (f->wdmap[ev->wd].kind == W_DIR)
				dir_event(f, f->wdmap[ev->wd].p, ev);
		}
	}
}

/* free the glob matches that went away and whose files are all closed */
static void
sweep(struct follow *f)
{
	struct fname *n, **pp;
	struct tfile *t;
	char **d;

	for (pp = &f->names; (n = *pp) != NULL;) {
		t = NULL;
		if (n->gone && n->cur == NULL)
			for (t = f->files; t != NULL && t->name != n; t = t->next)
				;
		if (!n->gone || n->cur != NULL || t != NULL) {
			pp = &n->next;
			continue;
		}
		*pp = n->next;
		if ((d = realloc(f->dropped, (f->ndropped + 1) *
		    sizeof(*d))) != NULL) {
			f->dropped = d;
			f->dropped[f->ndropped++] = n->path;	/* owned now */
		} else
			free(n->path);
		free(n->dir);
		free(n);
	}
}

int
follow_run(struct follow *f)
{
	struct fname *n;
	struct tfile *t, *next;
	struct pattern *p;
	struct stat st;
	double t0;
	int all = 0, polled;

	if (f->ifd >= 0)
		read_events(f);
	t0 = tm_mono();
	if (t0 >= f->next_poll) {
		polled = 1;
		f->next_poll = t0 + f->o.poll_interval;
	} else
		polled = 0;
	if (f->ifd < 0 && polled)
		all = 1;
	if (f->ifd >= 0 && t0 >= f->next_slow) {
		all = 1;
		f->next_slow = t0 + SLOW_CHECK;
	}
	if (f->reglob || (polled && f->pats != NULL && f->ifd < 0) ||
	    (all && f->pats != NULL)) {
		f->reglob = 0;
		for (p = f->pats; p != NULL; p = p->next)
			expand(f, p->pat);
	}
	for (n = f->names; n != NULL; n = n->next) {
		/* in inotify mode, names without a watch are polled */
		if (polled && (n->remote || n->cur == NULL ||
		    n->cur->wd < 0 || f->ifd < 0))
			n->dirty = 1;
		if (all)
			n->dirty = 1;
		if ((n->dirty || (n->cur != NULL && n->cur->dirty)) &&
		    check_name(f, n) == -1)
			return -1;
	}
	for (t = f->files; t != NULL; t = next) {
		next = t->next;
		if (!t->draining)
			continue;
		if ((t->dirty || polled || all) && read_or_drop(f, t) == -1)
			return -1;
		/* (read_or_drop may have closed t; next was taken before) */
	}
	for (t = f->files; t != NULL; t = next) {
		next = t->next;
		if (!t->draining)
			continue;
		/* (one with more to read than a turn's budget waits a turn) */
		if (!t->dirty && (t->draining == 2 || (fstat(t->fd, &st) == 0 &&
		    st.st_nlink == 0) || tm_mono() - t->grown >= f->o.rotate_wait)) {
			if (finish_file(f, t) == -1)
				return -1;
		}
	}
	sweep(f);
	return f->stop ? -1 : 0;
}

/* 1 if n's entries in an exported state would change, its files aside */
static int
name_dirty(const struct fname *n)
{
	return n->rotdirty || (n->lost && n->cur == NULL && n->have_res == 0) ||
	    (n->cur != NULL && n->cur->exported != n->cur->delivered);
}

/*
 * n's entries: the current one (its file, or "no file" when the file went
 * away and nothing replaced it yet), and one "rotated" entry per file of n
 * still draining, so that the next run goes on with them.  A name without
 * files keeps its entries as they are (a missing name, a parked file).
 */
static int
export_name(struct follow *f, struct fname *n, struct state *st)
{
	struct tfile *t;
	struct state_ent e;

	memset(&e, 0, sizeof(e));
	e.path = n->path;
	if (n->cur != NULL && n->cur->exported != n->cur->delivered) {
		if (export_file(n->cur, &e) == 0) {
			if (state_put(st, &e) == -1)
				return -1;
			n->cur->exported = n->cur->delivered;
		}
	} else if (n->cur == NULL && n->lost && n->have_res == 0) {
		e.thash = e.hhash = STATE_HASH0;	/* "no file" */
		if (state_put(st, &e) == -1)
			return -1;
		n->lost = 0;
	}
	if (!n->rotdirty)
		return 0;
	state_del_rotated(st, n->path);
	for (t = f->files; t != NULL; t = t->next) {
		if (t->name != n || t == n->cur)
			continue;
		memset(&e, 0, sizeof(e));
		e.path = n->path;
		e.rotated = 1;
		if (export_file(t, &e) == -1)
			continue;	/* unreadable: the next run cannot use it */
		if (state_put(st, &e) == -1)
			return -1;
		t->exported = t->delivered;
	}
	n->rotdirty = 0;
	return 0;
}

int
follow_export(struct follow *f, struct state *st)
{
	struct fname *n;
	struct tfile *t;

	while (f->ndropped > 0) {
		state_del(st, f->dropped[--f->ndropped]);
		free(f->dropped[f->ndropped]);
	}
	for (t = f->files; t != NULL; t = t->next)
		if (t != t->name->cur && t->exported != t->delivered)
			t->name->rotdirty = 1;
	for (n = f->names; n != NULL; n = n->next)
		if (name_dirty(n) && export_name(f, n, st) == -1)
			return -1;
	return 0;
}

int
follow_dirty(const struct follow *f)
{
	const struct fname *n;
	const struct tfile *t;

	for (t = f->files; t != NULL; t = t->next)
		if (t->exported != t->delivered)
			return 1;
	for (n = f->names; n != NULL; n = n->next)
		if (name_dirty(n))
			return 1;
	return 0;
}

size_t
follow_nopen(const struct follow *f)
{
	return f->nopen;
}

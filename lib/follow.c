/*
 * follow: the module (the rules are in follow.h): names and glob patterns,
 * the table of open files, looking at a name (appeared, grown, replaced,
 * gone, out of descriptors), the loop with its poll timers.
 */
#include <sys/stat.h>

#include <errno.h>
#include <glob.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "followint.h"
#include "tm.h"

#define SLOW_CHECK 5.0			/* events: look at all every 5 s */

void
follow_note(struct follow *f, const char *name, int what, int err, long long a)
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
	f->evfd = -1;
	f->bufsz = o->max_line + TAILK + BATCH;
	if ((f->buf = malloc(f->bufsz + 1)) == NULL ||
	    (f->scratch = malloc(o->max_line + 1)) == NULL) {
		follow_free(f);
		return NULL;
	}
	if (!o->poll && !o->once)
		follow_ev_open(f);
	return f;
}

void
follow_close(struct follow *f, struct tfile *t)
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
	follow_ev_unwatch_file(f, t);
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
		follow_close(f, f->files);
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
	follow_ev_close(f);
	while (f->ndropped > 0)
		free(f->dropped[--f->ndropped]);
	free(f->dropped);
	state_free(&f->res);
	free(f->buf);
	free(f->scratch);
	free(f);
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
	n->remote = follow_ev_remote(n->dir);
	if (!n->remote)
		follow_ev_watch_dir(f, n->dir);
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
				follow_ev_watch_dir(f, slash == dir ? "/" :
				    dir);
		} else
			follow_ev_watch_dir(f, ".");
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

struct tfile *
follow_new_file(struct follow *f, struct fname *n, const char *path, int fd,
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
	follow_load_directives(t);
	follow_ev_watch_file(f, t, path);
	t->next = f->files;
	f->files = t;
	f->nopen++;
	return t;
}

struct tfile *
follow_find_file(struct follow *f, uint64_t dev, uint64_t ino)
{
	struct tfile *t;

	for (t = f->files; t != NULL; t = t->next)
		if (t->dev == dev && t->ino == ino)
			return t;
	return NULL;
}

/* read t; on a read error tell it, close it and let its name retry */
static int
read_or_drop(struct follow *f, struct tfile *t)
{
	struct fname *n = t->name;
	int rv = follow_read(f, t);

	if (rv == 0 && n->cur == t)
		n->lasterr = 0;
	if (rv != -2)
		return rv;
	if (n->lasterr != errno)
		follow_note(f, n->path, FN_ERROR, errno, 0);
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
	follow_close(f, t);
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
	n->have_res = follow_export_file(lru, &n->res) == 0 ? 1 : 0;
	n->res.path = NULL;
	n->initial = 0;
	follow_close(f, lru);
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
		follow_resume_rotated(f, n);
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
			follow_note(f, n->path, FN_DELETED, e == ENOENT ||
			    e == ENOTDIR ? 0 : e, 0);
		n->waiting = 1;
		n->initial = 0;
		if (n->remote == 0 && f->evfd >= 0)
			follow_ev_watch_dir(f, n->dir);
		return 0;
	}
	if (n->waiting) {
		n->waiting = 0;
		follow_note(f, n->path, FN_APPEARED, 0, 0);
	}
	if (!S_ISREG(st.st_mode)) {
		if (n->lasterr != EINVAL)
			follow_note(f, n->path, FN_ERROR, EINVAL, 0);
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
		follow_note(f, n->path, FN_ROTATED, 0, 0);
		n->initial = 0;
	}
	if ((t = follow_find_file(f, (uint64_t)st.st_dev,
	    (uint64_t)st.st_ino)) != NULL) {
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
	t = follow_open_name(f, n);
	if (t == NULL && (errno == EMFILE || errno == ENFILE) && park(f, n) == 0)
		t = follow_open_name(f, n);
	if (t == NULL) {
		if (n->lasterr != errno)
			follow_note(f, n->path, FN_ERROR, errno, 0);
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
follow_timeout(const struct follow *f)
{
	const struct tfile *t;
	double next = f->next_poll, t0 = tm_mono();
	int ms;

	if (f->evfd >= 0 && f->next_slow < next)
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

	if (f->evfd >= 0)
		follow_ev_read(f);
	t0 = tm_mono();
	if (t0 >= f->next_poll) {
		polled = 1;
		f->next_poll = t0 + f->o.poll_interval;
	} else
		polled = 0;
	if (f->evfd < 0 && polled)
		all = 1;
	if (f->evfd >= 0 && t0 >= f->next_slow) {
		all = 1;
		f->next_slow = t0 + SLOW_CHECK;
	}
	if (f->reglob || (polled && f->pats != NULL && f->evfd < 0) ||
	    (all && f->pats != NULL)) {
		f->reglob = 0;
		for (p = f->pats; p != NULL; p = p->next)
			expand(f, p->pat);
	}
	for (n = f->names; n != NULL; n = n->next) {
		/* in inotify mode, names without a watch are polled */
		if (polled && (n->remote || n->cur == NULL ||
		    n->cur->wd < 0 || f->evfd < 0))
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
			if (follow_finish(f, t) == -1)
				return -1;
		}
	}
	sweep(f);
	return f->stop ? -1 : 0;
}

size_t
follow_nopen(const struct follow *f)
{
	return f->nopen;
}

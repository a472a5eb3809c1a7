/*
 * follow: where reading starts and what is kept (the rules are in
 * follow.h): a name's state entry resumed when its file is the same, the
 * files found after a restart (renamed, copied before a truncation, the
 * rotated files the last run left) drained first, the start rules for a
 * name's first file, the entries exported.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "followint.h"
#include "tm.h"

int
follow_resume(struct follow *f, const struct state *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (state_put(&f->res, &st->e[i]) == -1)
			return -1;
	return 0;
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
		    follow_find_file(f, (uint64_t)st.st_dev,
		    (uint64_t)st.st_ino) != NULL) {
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
		follow_note(f, name, FN_REWOUND, 0, (long long)(res->off - u));
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
	follow_note(f, n->path, FN_FOUND_ROTATED, 0, (long long)opos);
	if ((old = follow_new_file(f, n, path, fd, st, opos)) == NULL) {
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
		if (follow_finish(f, old) == -1)
			f->stop = 1;
	} else if (follow_read(f, old) == -1)
		f->stop = 1;
}

/*
 * The rotated files of n that the state says were not finished: each is
 * looked for by its identity in n's directory and drained; one not found
 * any more is told (what was written to it since is lost).
 */
void
follow_resume_rotated(struct follow *f, struct fname *n)
{
	struct stat st;
	char path[PATH_MAX];
	size_t i;
	int fd;

	for (i = 0; i < n->nrot && !f->stop; i++) {
		if ((fd = find_old(f, n, &n->rot[i], 0, &st, path)) >= 0)
			drain_found(f, n, &n->rot[i], path, fd, &st);
		else if (follow_find_file(f, n->rot[i].dev,
		    n->rot[i].ino) == NULL)
			follow_note(f, n->path, FN_LOST, 0,
			    (long long)lost_from(&n->rot[i]));
	}
	free(n->rot);
	n->rot = NULL;
	n->nrot = 0;
	n->rotdirty = 1;
}

/* t's entry: its identity and the hashes at its delivered offset */
int
follow_export_file(struct tfile *t, struct state_ent *e)
{
	struct stat st;

	if (fstat(t->fd, &st) == -1)
		return -1;
	e->id = t->id;
	e->base = (uint64_t)t->base;
	return state_ident(e, t->fd, &st, (uint64_t)t->delivered);
}

/* open the file now under n; start rules for a name's first file */
struct tfile *
follow_open_name(struct follow *f, struct fname *n)
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
			follow_note(f, n->path, FN_RESUMED, 0, (long long)pos);
		} else {
			/* rotated or copied and truncated while we were down */
			if (same)
				follow_note(f, n->path, FN_STATE_TRUNC, 0, 0);
			if ((ofd = find_old(f, n, &n->res, 1, &ost, opath)) >= 0)
				drain_found(f, n, &n->res, opath, ofd, &ost);
			else if (!same && (n->res.dev != 0 || n->res.ino != 0))
				follow_note(f, n->path, FN_LOST, 0,
				    (long long)lost_from(&n->res));
		}
	} else if (n->initial && f->o.start == FOLLOW_END)
		pos = follow_after_last_lf(f, fd, (int64_t)st.st_size,
		    f->o.last_lines < 0 ? 0 : f->o.last_lines);
	n->initial = 0;
	if ((t = follow_new_file(f, n, n->path, fd, &st, pos)) == NULL) {
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
		if (follow_export_file(n->cur, &e) == 0) {
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
		if (follow_export_file(t, &e) == -1)
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

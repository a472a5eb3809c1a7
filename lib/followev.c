/*
 * follow: the event backend, inotify (the interface is in followint.h).
 * Files are watched by the path they were found under, directories for
 * names coming and going; a watch number maps to its file or directory.
 * One inode is watched once: a second file of it is polled.  A queue
 * overflow makes everything looked at.
 */
#include <sys/inotify.h>
#include <sys/vfs.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "followint.h"

#define FILE_MASK (IN_MODIFY | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF)
#define DIR_MASK (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | \
    IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

enum { W_NONE, W_FILE, W_DIR };
struct wdent {
	int kind;
	void *p;
};

void
follow_ev_open(struct follow *f)
{
	f->evfd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (f->evfd == -1)
		follow_note(f, NULL, FN_POLLING, errno, 0);
}

void
follow_ev_close(struct follow *f)
{
	if (f->evfd >= 0)
		close(f->evfd);
	free(f->wdmap);
}

int
follow_fd(const struct follow *f)
{
	return f->evfd;
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

int
follow_ev_remote(const char *dir)
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

int
follow_ev_watch_dir(struct follow *f, const char *dir)
{
	struct fdir *d;

	if (f->evfd < 0)
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
		d->wd = inotify_add_watch(f->evfd, dir, DIR_MASK);
		if (d->wd < 0 && errno == ENOSPC && !f->told_nowatch) {
			follow_note(f, dir, FN_POLLING, errno, 0);
			f->told_nowatch = 1;	/* once: thousands may follow */
		}
		set_wd(f, d->wd, W_DIR, d);
	}
	return d->wd >= 0 ? 0 : -1;
}

void
follow_ev_watch_file(struct follow *f, struct tfile *t, const char *path)
{
	struct fname *n = t->name;

	if (f->evfd >= 0 && !n->remote) {
		t->wd = inotify_add_watch(f->evfd, path, FILE_MASK);
		if (t->wd >= 0 && t->wd < f->wdcap && f->wdmap[t->wd].p != NULL)
			t->wd = -1;	/* that inode is watched for another */
		else if (t->wd >= 0)
			set_wd(f, t->wd, W_FILE, t);
		else if (errno == ENOSPC && !f->told_nowatch) {
			follow_note(f, n->path, FN_POLLING, errno, 0);
			f->told_nowatch = 1;
		}
	}
}

void
follow_ev_unwatch_file(struct follow *f, struct tfile *t)
{
	if (t->wd >= 0 && f->evfd >= 0) {
		/* another file may hold the same watch (one inode): keep it */
		if (t->wd < f->wdcap && f->wdmap[t->wd].p == t) {
			inotify_rm_watch(f->evfd, t->wd);
			f->wdmap[t->wd].kind = W_NONE;
			f->wdmap[t->wd].p = NULL;
		}
	}
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
			inotify_rm_watch(f->evfd, d->wd);
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

void
follow_ev_read(struct follow *f)
{
	char buf[64 * 1024] __attribute__((aligned(8)));
	const struct inotify_event *ev;
	struct fname *n;
	struct tfile *t;
	ssize_t r;
	char *p;

	for (;;) {
		r = read(f->evfd, buf, sizeof(buf));
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
					follow_note(f, t->name->path, FN_ERROR,
					    ENODEV, 0);
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

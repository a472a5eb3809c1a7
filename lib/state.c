#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out.h"
#include "rec.h"
#include "state.h"

#define MAGIC "omph-tail-state 1"

uint64_t
state_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n-- > 0)
		h = (h ^ *s++) * 1099511628211ULL;
	return h;
}

void
state_free(struct state *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->n; i++)
		free(st->e[i].path);
	free(st->e);
	st->e = NULL;
	st->n = st->cap = 0;
}

struct state_ent *
state_find(const struct state *st, const char *path)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (strcmp(st->e[i].path, path) == 0)
			return &st->e[i];
	return NULL;
}

void
state_del(struct state *st, const char *path)
{
	struct state_ent *e;

	if ((e = state_find(st, path)) == NULL)
		return;
	free(e->path);
	*e = st->e[--st->n];
}

int
state_put(struct state *st, const struct state_ent *e)
{
	struct state_ent *d, *ne;
	char *path;

	if ((d = state_find(st, e->path)) != NULL) {
		path = d->path;
		*d = *e;
		d->path = path;
		return 0;
	}
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 16;

		if ((ne = realloc(st->e, cap * sizeof(*ne))) == NULL)
			return -1;
		st->e = ne;
		st->cap = cap;
	}
	if ((path = strdup(e->path)) == NULL)
		return -1;
	st->e[st->n] = *e;
	st->e[st->n++].path = path;
	return 0;
}

/* one decimal or hex field; -1 if not all digits or too long */
static int
field_u64(const char *p, size_t n, int base, uint64_t *v)
{
	char buf[24], *end;

	if (n == 0 || n >= sizeof(buf) || *p == '-' || *p == '+' || *p == ' ')
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	errno = 0;
	*v = strtoull(buf, &end, base);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

static int
parse_line(char *line, size_t len, struct state_ent *e)
{
	char *f[9];
	size_t fl[9];
	uint64_t v[8];
	long plen;
	int i;

	if (rec_split(line, len, f, fl, 9) != 8)
		return -1;
	for (i = 1; i < 8; i++)
		if (field_u64(f[i], fl[i], i == 4 || i == 7 ? 16 : 10, &v[i]) == -1)
			return -1;
	if ((plen = rec_unescape(f[0], fl[0])) <= 0 || v[3] > STATE_HEAD ||
	    v[6] > STATE_TAIL || v[6] > v[5])
		return -1;
	f[0][plen] = '\0';
	if (memchr(f[0], '\0', (size_t)plen) != NULL)
		return -1;
	e->path = f[0];
	e->dev = v[1];
	e->ino = v[2];
	e->hlen = (uint32_t)v[3];
	e->hhash = v[4];
	e->off = v[5];
	e->tlen = (uint32_t)v[6];
	e->thash = v[7];
	return 0;
}

int
state_load(const char *file, struct state *st, char *err, size_t errlen)
{
	struct state_ent e;
	char *buf = NULL, *p, *nl, *end;
	size_t cap = 0, len = 0;
	ssize_t n;
	int fd, rv = -1;
	unsigned long lineno = 1;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	for (;;) {
		if (len + 1 >= cap) {
			char *nb;

			cap = cap ? cap * 2 : 65536;
			if (cap > 256 * 1024 * 1024 ||
			    (nb = realloc(buf, cap)) == NULL) {
				snprintf(err, errlen, "too large");
				goto out;
			}
			buf = nb;
		}
		if ((n = read(fd, buf + len, cap - len - 1)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	end = buf + len;
	if (len < sizeof(MAGIC) || memcmp(buf, MAGIC "\n", sizeof(MAGIC)) != 0) {
		snprintf(err, errlen, "not an omph-tail state file");
		goto out;
	}
	for (p = buf + sizeof(MAGIC); p < end; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			snprintf(err, errlen, "line %lu: truncated", lineno);
			goto out;
		}
		if (parse_line(p, (size_t)(nl - p), &e) == -1) {
			snprintf(err, errlen, "line %lu: malformed entry", lineno);
			goto out;
		}
		if (state_put(st, &e) == -1) {
			snprintf(err, errlen, "%s", strerror(errno));
			goto out;
		}
	}
	rv = 0;
out:
	if (rv == -1)
		state_free(st);
	free(buf);
	close(fd);
	return rv;
}

/*
 * A path as the state file holds it: backslash, TAB, LF and CR escaped as
 * in COPY, every other byte as it is, so that any path reads back the same
 * (rec_put would write bytes that are not UTF-8 as text).
 */
static void
put_path(struct out *o, const char *p)
{
	for (; *p != '\0'; p++)
		switch (*p) {
		case '\\': out_write(o, "\\\\", 2); break;
		case '\t': out_write(o, "\\t", 2); break;
		case '\n': out_write(o, "\\n", 2); break;
		case '\r': out_write(o, "\\r", 2); break;
		default: out_putc(o, *p); break;
		}
}

int
state_save(const char *file, const struct state *st)
{
	struct out *o = NULL;
	char *tmp = NULL, *dir = NULL, *slash, num[128];
	size_t i;
	int fd = -1, dfd, rv = -1, saved;

	if ((o = malloc(sizeof(*o))) == NULL ||
	    asprintf(&tmp, "%s.tmp%ld", file, (long)getpid()) == -1) {
		tmp = NULL;
		goto out;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) == -1)
		goto out;
	out_init(o, fd);
	out_puts(o, MAGIC "\n");
	for (i = 0; i < st->n; i++) {
		const struct state_ent *e = &st->e[i];

		put_path(o, e->path);
		snprintf(num, sizeof(num), "\t%" PRIu64 "\t%" PRIu64 "\t%u\t%016"
		    PRIx64 "\t%" PRIu64 "\t%u\t%016" PRIx64 "\n", e->dev, e->ino,
		    e->hlen, e->hhash, e->off, e->tlen, e->thash);
		out_puts(o, num);
	}
	if (out_flush(o) == -1) {
		errno = o->err;
		goto out;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, file) == -1)
		goto out;
	/* make the rename durable: fsync the directory */
	if ((dir = strdup(file)) != NULL) {
		slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else if (slash != NULL)
			*slash = '\0';
		if ((dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) != -1) {
			fsync(dfd);
			close(dfd);
		}
	}
	rv = 0;
out:
	saved = errno;
	if (fd != -1)
		close(fd);
	if (rv == -1 && tmp != NULL)
		unlink(tmp);
	free(tmp);
	free(dir);
	free(o);
	errno = saved;
	return rv;
}

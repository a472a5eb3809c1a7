#include <sys/random.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "out.h"
#include "rec.h"
#include "state.h"

#define MAGIC1 "omph-tail-state 1"	/* 8 fields, current entries only */
#define MAGIC2 "omph-tail-state 2"	/* and ROLE */
#define MAGIC3 "omph-tail-state 3"	/* and ID */
#define MAGIC "omph-tail-state 4"	/* and BASE */

uint64_t
state_hash(uint64_t h, const void *p, size_t n)
{
	return hash_fnv64(h, p, n);
}

/* splitmix64's finaliser: every input bit moves every output bit */
static uint64_t
mix(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t
state_newid(void)
{
	static uint64_t count;
	struct timespec ts;
	uint64_t id = 0;
	ssize_t r;

	do
		r = getrandom(&id, sizeof(id), GRND_NONBLOCK);
	while (r == -1 && errno == EINTR);
	if (r != (ssize_t)sizeof(id)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		id = mix((uint64_t)ts.tv_sec * 1000000000ULL +
		    (uint64_t)ts.tv_nsec) ^ mix((uint64_t)getpid() << 32 |
		    ++count);
	}
	return id != 0 ? id : 1;
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

/* the entry e would replace: the same path and role (and file if rotated) */
static struct state_ent *
find_same(const struct state *st, const struct state_ent *e)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (strcmp(st->e[i].path, e->path) == 0 &&
		    st->e[i].rotated == e->rotated && (!e->rotated ||
		    (st->e[i].dev == e->dev && st->e[i].ino == e->ino)))
			return &st->e[i];
	return NULL;
}

struct state_ent *
state_find(const struct state *st, const char *path)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (!st->e[i].rotated && strcmp(st->e[i].path, path) == 0)
			return &st->e[i];
	return NULL;
}

/* remove the entries of path: all, or the rotated ones only */
static void
del(struct state *st, const char *path, int rotated_only)
{
	size_t i = 0;

	while (i < st->n) {
		struct state_ent *e = &st->e[i];

		if (strcmp(e->path, path) != 0 || (rotated_only && !e->rotated)) {
			i++;
			continue;
		}
		free(e->path);
		*e = st->e[--st->n];
	}
}

void
state_del(struct state *st, const char *path)
{
	del(st, path, 0);
}

void
state_del_rotated(struct state *st, const char *path)
{
	del(st, path, 1);
}

int
state_put(struct state *st, const struct state_ent *e)
{
	struct state_ent *d;
	char *path;

	if ((d = find_same(st, e)) != NULL) {
		path = d->path;
		*d = *e;
		d->path = path;
		return 0;
	}
	if (out_grow(&st->e, &st->cap, st->n + 1, sizeof(*st->e), 16) == -1)
		return -1;
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

/* an id: exactly 16 lowercase hex digits (0 only for "no file") */
static int
field_id(const char *p, size_t n, uint64_t *v)
{
	size_t i;

	if (n != 16)
		return -1;
	for (i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return -1;
	return field_u64(p, n, 16, v);
}

/*
 * One entry of a file of version 1 (8 fields), 2 (9, with ROLE), 3 (10,
 * with ID) or 4 (11, with BASE).  An entry of an older version gets a new
 * id and its offset as its base.
 */
static int
parse_line(char *line, size_t len, int version, struct state_ent *e)
{
	char *f[12];
	size_t fl[12];
	uint64_t v[8];
	long plen;
	int i, nf = version + 7;

	memset(e, 0, sizeof(*e));
	if (rec_split(line, len, f, fl, 12) != nf)
		return -1;
	e->rotated = 0;
	if (nf >= 9) {
		if (fl[8] == 7 && memcmp(f[8], "rotated", 7) == 0)
			e->rotated = 1;
		else if (fl[8] != 7 || memcmp(f[8], "current", 7) != 0)
			return -1;
	}
	for (i = 1; i < 8; i++)
		if (field_u64(f[i], fl[i], i == 4 || i == 7 ? 16 : 10, &v[i]) == -1)
			return -1;
	if (nf >= 10) {
		if (field_id(f[9], fl[9], &e->id) == -1 ||
		    (e->id == 0 && (v[1] != 0 || v[2] != 0)))
			return -1;
	} else
		e->id = v[1] == 0 && v[2] == 0 ? 0 : state_newid();
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
	e->base = e->off;
	if (nf == 11 && (field_u64(f[10], fl[10], 10, &e->base) == -1 ||
	    e->base > e->off))
		return -1;
	return 0;
}

int
state_load(const char *file, struct state *st, char *err, size_t errlen)
{
	struct state_ent e;
	char *buf, *p, *nl, *end;
	size_t len;
	int rv = -1, version;
	unsigned long lineno = 1;

	if (out_load_file(file, 256 * 1024 * 1024, &buf, &len) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s", out_load_error(errno));
		return -1;
	}
	end = buf + len;
	if (len >= sizeof(MAGIC) && memcmp(buf, MAGIC "\n", sizeof(MAGIC)) == 0)
		version = 4;
	else if (len >= sizeof(MAGIC3) &&
	    memcmp(buf, MAGIC3 "\n", sizeof(MAGIC3)) == 0)
		version = 3;
	else if (len >= sizeof(MAGIC2) &&
	    memcmp(buf, MAGIC2 "\n", sizeof(MAGIC2)) == 0)
		version = 2;
	else if (len >= sizeof(MAGIC1) &&
	    memcmp(buf, MAGIC1 "\n", sizeof(MAGIC1)) == 0)
		version = 1;
	else {
		snprintf(err, errlen, "not an omph-tail state file");
		goto out;
	}
	for (p = buf + sizeof(MAGIC); p < end; p = nl + 1) {
		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			snprintf(err, errlen, "line %lu: truncated", lineno);
			goto out;
		}
		if (parse_line(p, (size_t)(nl - p), version, &e) == -1) {
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
	struct out *o;
	char num[224];
	size_t i;
	int rv = -1, saved;

	if ((o = malloc(sizeof(*o))) == NULL)
		return -1;
	out_init_mem(o);
	out_puts(o, MAGIC "\n");
	for (i = 0; i < st->n; i++) {
		const struct state_ent *e = &st->e[i];

		put_path(o, e->path);
		snprintf(num, sizeof(num), "\t%" PRIu64 "\t%" PRIu64 "\t%u\t%016"
		    PRIx64 "\t%" PRIu64 "\t%u\t%016" PRIx64 "\t%s\t%016" PRIx64
		    "\t%" PRIu64 "\n", e->dev, e->ino, e->hlen, e->hhash, e->off,
		    e->tlen, e->thash, e->rotated ? "rotated" : "current",
		    e->id != 0 || (e->dev == 0 && e->ino == 0) ? e->id :
		    state_newid(), e->base <= e->off ? e->base : e->off);
		out_puts(o, num);
	}
	if (out_flush(o) == -1)
		errno = o->err;
	else
		rv = out_save_file(file, o->mem, o->memlen, 0644);
	saved = errno;
	out_free(o);
	free(o);
	errno = saved;
	return rv;
}

ssize_t
state_pread(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* hash of up to max bytes at off: length in *len; -1 on read error */
static int
hash_at(int fd, uint64_t off, uint32_t max, uint32_t *len, uint64_t *h)
{
	char buf[STATE_TAIL > STATE_HEAD ? STATE_TAIL : STATE_HEAD];
	ssize_t r;

	if ((r = state_pread(fd, buf, max, off)) == -1)
		return -1;
	*len = (uint32_t)r;
	*h = state_hash(STATE_HASH0, buf, (size_t)r);
	return 0;
}

int
state_same_head(const struct state_ent *e, int fd)
{
	uint32_t len;
	uint64_t h;

	return e->hlen > 0 && hash_at(fd, 0, e->hlen, &len, &h) == 0 &&
	    len == e->hlen && h == e->hhash;
}

int
state_same_file(const struct state_ent *e, int fd, const struct stat *st)
{
	if ((uint64_t)st->st_dev != e->dev || (uint64_t)st->st_ino != e->ino ||
	    (e->dev == 0 && e->ino == 0))
		return 0;
	return e->hlen == 0 || state_same_head(e, fd);
}

int
state_same_tail(const struct state_ent *e, int fd, const struct stat *st)
{
	uint32_t len;
	uint64_t h;

	if (e->off > (uint64_t)st->st_size || e->tlen > e->off ||
	    hash_at(fd, e->off - e->tlen, e->tlen, &len, &h) == -1)
		return 0;
	return len == e->tlen && h == e->thash;
}

int
state_ident(struct state_ent *e, int fd, const struct stat *st, uint64_t off)
{
	uint32_t tl = off < STATE_TAIL ? (uint32_t)off : STATE_TAIL;

	e->dev = (uint64_t)st->st_dev;
	e->ino = (uint64_t)st->st_ino;
	e->off = off;
	if (hash_at(fd, 0, STATE_HEAD, &e->hlen, &e->hhash) == -1 ||
	    hash_at(fd, off - tl, tl, &e->tlen, &e->thash) == -1 ||
	    e->tlen != tl)
		return -1;
	return 0;
}

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "out.h"
#include "pos.h"

#define MAGIC "omph-acked 1\n"
#define FILEMAX (32 + (size_t)POS_MAX * 40)	/* longest valid file */

void
pos_init(struct pos *p)
{
	memset(p, 0, sizeof(*p));
}

void
pos_free(struct pos *p)
{
	free(p->e);
	pos_init(p);
}

static size_t
slot(uint64_t id, size_t cap)
{
	return (size_t)(id ^ (id >> 29) ^ (id >> 47)) * 0x9e3779b97f4a7c15ULL
	    & (cap - 1);
}

/* the slot of id, or of the free slot where it would go */
static struct pos_ent *
find(const struct pos *p, uint64_t id)
{
	size_t i;

	for (i = slot(id, p->cap);; i = (i + 1) & (p->cap - 1))
		if (p->e[i].id == id || p->e[i].id == 0)
			return &p->e[i];
}

static int
grow(struct pos *p, size_t cap)
{
	struct pos_ent *old = p->e, *d;
	size_t i, ocap = p->cap;

	if ((p->e = calloc(cap, sizeof(*p->e))) == NULL) {
		p->e = old;
		return -1;
	}
	p->cap = cap;
	for (i = 0; i < ocap; i++)
		if (old[i].id != 0) {
			d = find(p, old[i].id);
			*d = old[i];
		}
	free(old);
	return 0;
}

/* remove the entry at e, keeping every probe chain whole */
static void
del(struct pos *p, struct pos_ent *e)
{
	size_t i = (size_t)(e - p->e), j = i, k;

	p->e[i].id = 0;
	p->n--;
	for (;;) {
		j = (j + 1) & (p->cap - 1);
		if (p->e[j].id == 0)
			return;
		k = slot(p->e[j].id, p->cap);
		/* move e[j] up to the hole unless its home lies in (i, j] */
		if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		p->e[i] = p->e[j];
		p->e[j].id = 0;
		i = j;
	}
}

uint64_t
pos_get(const struct pos *p, uint64_t id)
{
	const struct pos_ent *e;

	if (p->cap == 0 || id == 0)
		return 0;
	e = find(p, id);
	return e->id == id ? e->end : 0;
}

int
pos_set(struct pos *p, uint64_t id, uint64_t end)
{
	struct pos_ent *e, *old;
	size_t i;

	if (id == 0 || end == 0)
		return 0;
	if (p->cap == 0 && grow(p, 64) == -1)
		return -1;
	e = find(p, id);
	if (e->id == 0) {
		if (p->n == POS_MAX) {
			/* full: the stream advanced least recently goes */
			for (old = NULL, i = 0; i < p->cap; i++)
				if (p->e[i].id != 0 && (old == NULL ||
				    p->e[i].used < old->used))
					old = &p->e[i];
			del(p, old);
			e = find(p, id);
		} else if ((p->n + 1) * 2 > p->cap) {
			if (grow(p, p->cap * 2) == -1)
				return -1;
			e = find(p, id);
		}
		e->id = id;
		e->end = 0;
		p->n++;
	}
	if (end > e->end) {
		e->end = end;
		e->used = ++p->clock;
		p->dirty = 1;
	}
	return 0;
}

static int
fail(struct pos *p, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	pos_free(p);
	errno = EINVAL;
	return -1;
}

/* 16 lowercase hex digits at s into *v */
static int
hex16(const char *s, const char *e, uint64_t *v)
{
	int i;

	if (e - s != 16)
		return -1;
	for (*v = 0, i = 0; i < 16; i++, s++) {
		if (*s >= '0' && *s <= '9')
			*v = *v << 4 | (uint64_t)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			*v = *v << 4 | (uint64_t)(*s - 'a' + 10);
		else
			return -1;
	}
	return 0;
}

/* a decimal from 1 to 2^63 - 1, no leading zero, from s to e */
static int
dec(const char *s, const char *e, uint64_t *v)
{
	if (s == e || e - s > 19 || *s == '0')
		return -1;
	for (*v = 0; s < e; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		*v = *v * 10 + (uint64_t)(*s - '0');
	}
	return *v > INT64_MAX ? -1 : 0;
}

int
pos_parse(struct pos *p, const char *buf, size_t n, char *err, size_t errlen)
{
	const char *s = buf, *e = buf + n, *nl, *tab;
	uint64_t id, end, count, sum;
	size_t line = 1;

	pos_init(p);
	if (n < sizeof(MAGIC) - 1 || memcmp(buf, MAGIC, sizeof(MAGIC) - 1) != 0)
		return fail(p, err, errlen, "not an acknowledged-positions "
		    "file (no \"omph-acked 1\" line)");
	for (s += sizeof(MAGIC) - 1;; s = nl + 1) {
		line++;
		if ((nl = memchr(s, '\n', (size_t)(e - s))) == NULL)
			return fail(p, err, errlen, "line %zu: cut short (no "
			    "end line)", line);
		if ((size_t)(nl - s) > 4 && memcmp(s, "end\t", 4) == 0)
			break;
		if ((tab = memchr(s, '\t', (size_t)(nl - s))) == NULL ||
		    hex16(s, tab, &id) == -1 || id == 0 ||
		    dec(tab + 1, nl, &end) == -1)
			return fail(p, err, errlen, "line %zu: not a stream id "
			    "and a position", line);
		if (pos_get(p, id) != 0)
			return fail(p, err, errlen, "line %zu: stream %016"
			    PRIx64 " twice", line, id);
		if (p->n == POS_MAX)
			return fail(p, err, errlen, "more than %d streams",
			    POS_MAX);
		if (pos_set(p, id, end) == -1) {
			pos_free(p);
			return -1;
		}
	}
	sum = hash_fnv64(HASH_FNV64, buf, (size_t)(s - buf));
	s += 4;
	count = 0;
	if ((tab = memchr(s, '\t', (size_t)(nl - s))) == NULL ||
	    (!(tab - s == 1 && *s == '0') && dec(s, tab, &count) == -1) ||
	    count != p->n)
		return fail(p, err, errlen, "line %zu: the end line does not "
		    "count the entries", line);
	if (hex16(tab + 1, nl, &id) == -1 || id != sum)
		return fail(p, err, errlen, "checksum mismatch: the file is "
		    "damaged");
	if (nl + 1 != e)
		return fail(p, err, errlen, "bytes after the end line");
	p->dirty = 0;
	return 0;
}

int
pos_load(struct pos *p, const char *file, char *err, size_t errlen)
{
	char *buf;
	size_t n;
	int rv;

	pos_init(p);
	if (out_load_file(file, FILEMAX, &buf, &n) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s", errno == EFBIG ?
		    "longer than any such file" : out_load_error(errno));
		return -1;
	}
	rv = pos_parse(p, buf, n, err, errlen);
	free(buf);
	return rv;
}

int
pos_save(struct pos *p, const char *file)
{
	struct out *o;
	char line[64];
	size_t i;
	uint64_t sum;
	int rv = -1, saved;

	if ((o = malloc(sizeof(*o))) == NULL)
		return -1;
	out_init_mem(o);
	out_puts(o, MAGIC);
	for (i = 0; i < p->cap; i++)
		if (p->e[i].id != 0) {
			snprintf(line, sizeof(line), "%016" PRIx64 "\t%" PRIu64
			    "\n", p->e[i].id, p->e[i].end);
			out_puts(o, line);
		}
	if (out_flush(o) == 0) {
		sum = hash_fnv64(HASH_FNV64, o->mem, o->memlen);
		snprintf(line, sizeof(line), "end\t%zu\t%016" PRIx64 "\n", p->n,
		    sum);
		out_puts(o, line);
	}
	if (out_flush(o) == -1)
		errno = o->err;
	else if ((rv = out_save_file(file, o->mem, o->memlen, 0644)) == 0)
		p->dirty = 0;
	saved = errno;
	out_free(o);
	free(o);
	errno = saved;
	return rv;
}

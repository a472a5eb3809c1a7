/*
 * libFuzzer target: lib/http's request parser (http_parse).
 *
 * The input, in a copy of exactly its size (so a read past it is caught),
 * is parsed under the default limits and under small ones (max_head 256,
 * max_fields 4); each also at a prefix whose length the input's first byte
 * picks, and a complete head also one byte short of its end.
 *
 * Checked, as http.h says: the result is 1, 0 or one of the error
 * statuses; twice the same input gives the same result and request; a
 * complete head has used <= n and <= max_head, ends with LF, and has no
 * control byte but HTAB, CR before LF and LF in it (an oracle apart from
 * the parser's own scan); its method is GET or HEAD as r->head says, its
 * version as r->v11 says; path, query, host and accept lie inside it (the
 * path may be the static "/"), the path starts with '/' and holds no '?',
 * no '#' and no byte outside visible ASCII.  A prefix either needs more or
 * has the verdict of the whole (errors are found in byte order); the
 * complete head cut by one byte needs more.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_NAME "fuzz-http"
#include "check.h"
#include "http.h"

static int
inside(const char *buf, size_t n, const char *p, size_t len)
{
	return p >= buf && p <= buf + n && len <= (size_t)(buf + n - p);
}

static int
same(const struct http_req *a, const struct http_req *b)
{
	return a->head == b->head && a->v11 == b->v11 && a->keep == b->keep &&
	    a->path == b->path && a->pathlen == b->pathlen &&
	    a->query == b->query && a->querylen == b->querylen &&
	    a->host == b->host && a->hostlen == b->hostlen &&
	    a->accept == b->accept && a->acceptlen == b->acceptlen;
}

/* the oracle: a complete head as the rules say it must look */
static void
head_ok(const char *p, size_t n, size_t used, const struct http_lim *lim,
    const struct http_req *r)
{
	const char *l, *sp, *v;
	size_t i;

	if (used == 0 || used > n || used > lim->max_head || p[used - 1] != '\n')
		fail("a complete head of a wrong length", p, n);
	for (i = 0; i < used; i++) {
		unsigned char c = (unsigned char)p[i];
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') ||
		    c == 0x7f || (c == '\r' && p[i + 1] != '\n'))
			fail("a control byte in a head taken", p, n);
	}
	/* the request line: after the empty lines */
	for (l = p; *l == '\r' || *l == '\n'; l++)
		;
	if (memcmp(l, r->head ? "HEAD " : "GET ", r->head ? 5 : 4) != 0)
		fail("the method is not what r->head says", p, n);
	l += r->head ? 5 : 4;
	sp = memchr(l, ' ', used - (size_t)(l - p));
	if (sp == NULL || sp + 9 > p + used)
		fail("no version in a head taken", p, n);
	v = sp + 1;
	if (memcmp(v, r->v11 ? "HTTP/1.1" : "HTTP/1.0", 8) != 0 ||
	    (v[8] != '\r' && v[8] != '\n'))
		fail("the version is not what r->v11 says", p, n);
	if (r->pathlen == 0 || r->path[0] != '/' ||
	    (!inside(p, used, r->path, r->pathlen) &&
	    !(r->pathlen == 1 && strcmp(r->path, "/") == 0)))
		fail("a path outside the head or not starting with '/'", p, n);
	for (i = 0; i < r->pathlen; i++)
		if ((unsigned char)r->path[i] <= 0x20 ||
		    (unsigned char)r->path[i] >= 0x7f || r->path[i] == '?' ||
		    r->path[i] == '#')
			fail("a path byte not taken by the rules", p, n);
	if ((r->query != NULL && !inside(p, used, r->query, r->querylen)) ||
	    (r->host != NULL && !inside(p, used, r->host, r->hostlen)) ||
	    (r->accept != NULL && !inside(p, used, r->accept, r->acceptlen)))
		fail("a part outside the head", p, n);
	if (r->v11 && r->host == NULL)
		fail("HTTP/1.1 without Host taken", p, n);
	if (r->head != 0 && r->head != 1)
		fail("r->head not 0 or 1", p, n);
}

static int
verdict_ok(int k)
{
	return k == 1 || k == 0 || k == -400 || k == -405 || k == -414 ||
	    k == -431 || k == -501 || k == -505;
}

static void
run(const uint8_t *data, size_t size, const struct http_lim *lim)
{
	struct http_req r, r2;
	size_t used = 0, used2 = 0, cut;
	char *p;
	int k, k2;

	if ((p = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(p, data, size);
	k = http_parse(p, size, lim, &r, &used);
	if (!verdict_ok(k))
		fail("a result http.h does not list", p, size);
	k2 = http_parse(p, size, lim, &r2, &used2);
	if (k2 != k || (k == 1 && (used2 != used || !same(&r, &r2))))
		fail("two parses of one input differ", p, size);
	if (k == 1) {
		head_ok(p, size, used, lim, &r);
		if (http_parse(p, used - 1, lim, &r2, &used2) != 0)
			fail("a head cut by one byte does not need more", p, size);
	}
	/* a prefix: needs more, or the verdict of the whole */
	cut = size > 0 ? (size_t)data[0] * size / 256 : 0;
	k2 = http_parse(p, cut, lim, &r2, &used2);
	if (k2 != 0 && (k2 != k || (k == 1 && (used2 != used ||
	    r2.pathlen != r.pathlen || r2.head != r.head))))
		fail("a prefix has another verdict", p, size);
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct http_lim small = { 0, 0, 0, 0, 256, 4, 0, 0 };
	struct http_lim def = { 0, 0, 0, 0, 8192, 64, 0, 0 };

	run(data, size, &def);
	run(data, size, &small);
	return 0;
}

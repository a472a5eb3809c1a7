/*
 * libFuzzer target: lib/hcli's answer parser (hcli_resp_*, lib/hcliparse.c):
 * what a server we do not trust answers omph-send.
 *
 * The first byte picks max_body (0, 1, 64 or 4096 bytes) and the mode:
 *  - raw: the rest is the server's bytes;
 *  - built: the rest is a body, sent back as an answer built here (by
 *    Content-Length, chunked in pieces whose sizes come from the body's
 *    bytes, with a trailer or not, after a 100 Continue or not), followed
 *    by bytes that belong to no answer.
 * The buffers are exactly HCLI_HEADMAX and max_body bytes (so a write past
 * them is caught).  Each input is fed whole, then again cut at points a
 * generator seeded by the input picks (pieces of 1 to 300 bytes), then
 * the connection closes (hcli_resp_eof).
 *
 * Checked, as hcli.h says: the verdict is MORE, WHOLE or BAD; MORE took
 * every byte, WHOLE and BAD take nothing more after; blen <= max_body,
 * inlen within its buffer; WHOLE has a status from 200 to 599; the cut
 * feeding ends with the verdict, bytes taken, status, body, trunc and
 * close_after of the whole one; at the close a MORE becomes WHOLE or BAD.
 * A built answer is WHOLE, took exactly its own bytes, and its body is the
 * body sent (cut to max_body, trunc when it was longer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_NAME "fuzz-hcli"
#include "check.h"
#include "hcli.h"

struct got {
	int verdict, status, trunc, close_after;
	size_t used, blen;
	char *body;
};

static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void
bounds(const struct hcli_resp *r, const char *p, size_t n)
{
	if (r->blen > r->max_body || r->inlen > HCLI_HEADMAX)
		fail("past a buffer", p, n);
	if (r->verdict != HCLI_R_MORE && r->verdict != HCLI_R_WHOLE &&
	    r->verdict != HCLI_R_BAD)
		fail("a verdict hcli.h does not list", p, n);
}

/* feed p[0..n) in pieces (cut: seed of the cuts, 0 for whole) */
static void
feed(const char *p, size_t n, size_t max_body, uint32_t cut, struct got *o)
{
	struct hcli_resp r;
	char *in, *body;
	size_t off = 0, k, used;
	int v = HCLI_R_MORE;

	if ((in = malloc(HCLI_HEADMAX)) == NULL ||
	    (body = malloc(max_body ? max_body : 1)) == NULL)
		abort();
	hcli_resp_init(&r, in, body, max_body);
	hcli_resp_reset(&r);
	if (hcli_resp_begun(&r))
		fail("begun before a byte", p, n);
	while (off < n) {
		k = cut == 0 ? n - off : 1 + rnd(&cut) % 300;
		if (k > n - off)
			k = n - off;
		v = hcli_resp_feed(&r, p + off, k, &used);
		bounds(&r, p, n);
		if (used > k || v != r.verdict)
			fail("took more than given, or another verdict", p, n);
		if (v == HCLI_R_MORE && used != k)
			fail("asks for more but left bytes", p, n);
		off += used;
		if (v != HCLI_R_MORE)
			break;
	}
	if (v != HCLI_R_MORE && off < n &&
	    (hcli_resp_feed(&r, p + off, n - off, &used) != v || used != 0))
		fail("took bytes after its verdict", p, n);
	if (v == HCLI_R_WHOLE && (r.status < 200 || r.status > 599))
		fail("a whole answer with a status out of range", p, n);
	o->verdict = v;
	o->used = off;
	o->status = r.status;
	o->trunc = r.trunc;
	o->close_after = r.close_after;
	o->blen = r.blen;
	o->body = body;
	/* the close */
	k = (size_t)hcli_resp_eof(&r);
	bounds(&r, p, n);
	if ((int)k == HCLI_R_MORE || (v != HCLI_R_MORE && (int)k != v))
		fail("the close left it undecided or changed the verdict", p, n);
	if (v == HCLI_R_MORE && (int)k == HCLI_R_WHOLE)
		o->blen = r.blen;
	free(in);
}

static void
same(const struct got *a, const struct got *b, const char *p, size_t n)
{
	if (a->verdict != b->verdict || a->used != b->used)
		fail("cut otherwise, another verdict or length", p, n);
	if (a->verdict == HCLI_R_WHOLE && (a->status != b->status ||
	    a->trunc != b->trunc || a->close_after != b->close_after ||
	    a->blen != b->blen || memcmp(a->body, b->body, a->blen) != 0))
		fail("cut otherwise, another answer", p, n);
}

/* an answer carrying body d[0..n), built as the first bytes say */
static size_t
build(const uint8_t *d, size_t n, int how, char *out, size_t cap)
{
	size_t o = 0, i = 0, k;
	uint32_t s = 2463534242u ^ (uint32_t)n;

	if (how & 4)
		o += (size_t)snprintf(out + o, cap - o,
		    "HTTP/1.1 100 Continue\r\n\r\n");
	if (how & 1) {
		o += (size_t)snprintf(out + o, cap - o, "HTTP/1.1 200 OK\r\n"
		    "Content-Type: application/json\r\nTransfer-Encoding: "
		    "chunked\r\n\r\n");
		while (i < n) {
			k = 1 + (d[i] ^ rnd(&s)) % 97;
			if (k > n - i)
				k = n - i;
			o += (size_t)snprintf(out + o, cap - o, "%zx%s\r\n", k,
			    (how & 8) ? ";ext=1" : "");
			memcpy(out + o, d + i, k);
			o += k;
			i += k;
			memcpy(out + o, "\r\n", 2);
			o += 2;
		}
		o += (size_t)snprintf(out + o, cap - o, "0\r\n%s\r\n",
		    (how & 2) ? "X-Trailer: 1\r\n" : "");
	} else {
		o += (size_t)snprintf(out + o, cap - o, "HTTP/1.%d 200 OK\n"
		    "content-length: %zu\n%s\n", (how & 2) ? 0 : 1, n,
		    (how & 8) ? "Connection: close\n" : "");
		memcpy(out + o, d, n);
		o += n;
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[] = { 0, 1, 64, 4096 };
	struct got a, b;
	size_t max_body, n, len, cap;
	uint32_t seed;
	char *p;
	int how;

	if (size < 1)
		return 0;
	max_body = maxes[data[0] & 3];
	how = data[0] >> 2;
	data++;
	size--;
	if (how & 32) {
		/* built: the body, 11 bytes of framing per byte at most */
		cap = 256 + size * 12 + 16;
		if ((p = malloc(cap)) == NULL)
			abort();
		len = build(data, size, how, p, cap);
		memcpy(p + len, "HTTP/1.1 5", 10);	/* no answer's */
		n = len + 10;
	} else {
		if ((p = malloc(size ? size : 1)) == NULL)
			abort();
		memcpy(p, data, size);
		n = len = size;
	}
	seed = 2166136261u;
	for (cap = 0; cap < n && cap < 64; cap++)
		seed = (seed ^ (uint8_t)p[cap]) * 16777619u;
	feed(p, n, max_body, 0, &a);
	feed(p, n, max_body, seed | 1, &b);
	same(&a, &b, p, n);
	free(b.body);
	feed(p, n, max_body, (seed >> 3) | 1, &b);
	same(&a, &b, p, n);
	if (how & 32) {
		if (a.verdict != HCLI_R_WHOLE || a.used != len ||
		    a.status != 200)
			fail("a built answer not read whole", p, n);
		if (a.blen != (size < max_body ? size : max_body) ||
		    memcmp(a.body, data, a.blen) != 0 ||
		    a.trunc != (size > max_body))
			fail("a built answer's body not the one sent", p, n);
		if (a.close_after != ((how & 1) ? 0 : (how & 10) != 0))
			fail("a built answer's close_after wrong", p, n);
	}
	free(a.body);
	free(b.body);
	free(p);
	return 0;
}

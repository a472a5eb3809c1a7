/*
 * libFuzzer target: lib/wire (datagrams, stream hellos, syslog).
 *
 * The whole input, each in a copy of exactly its size, goes to
 * wire_parse_dgram, wire_parse_hello (also its first line, as the collector
 * reads a hello line) and wire_parse_syslog (which decodes in place).
 * Checked: what a parser returns lies inside the buffer it was given, and a
 * datagram or hello that parses is written again with wire_put_dgram /
 * wire_put_hello and parses to the same values.
 *
 * Sequence accounting: the first 8 bytes are a base number (little endian),
 * each following pair of bytes a signed offset from it; the numbers go to
 * wire_seq_add one by one (a base near 2^64 wraps, which is allowed).
 * Checked against a model of what wire.h promises: 1 exactly when the number
 * was added before and is still inside the window (less than WIRE_SEQWIN
 * below the highest), each call counts as exactly one of new highest,
 * reordered or repeated, and the highest never goes down.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define MAXSEQ 2048		/* numbers fed per input */

static void
fail(const char *what)
{
	fprintf(stderr, "fuzz-wire: %s\n", what);
	abort();
}

static char *
copy(const uint8_t *data, size_t size)
{
	char *p = malloc(size ? size : 1);

	if (p == NULL)
		abort();
	memcpy(p, data, size);
	return p;
}

static int
inside(const char *buf, size_t n, const char *p, size_t len)
{
	return p >= buf && p <= buf + n && len <= (size_t)(buf + n - p);
}

static void
dgram(const uint8_t *data, size_t size)
{
	struct wire_dgram d, d2;
	char *p = copy(data, size), head[WIRE_HEADMAX], id[WIRE_IDMAX + 1];
	size_t n;

	if (wire_parse_dgram(p, size, &d) == 0) {
		if (!inside(p, size, d.id, d.idlen) ||
		    !inside(p, size, d.body, d.bodylen) || d.idlen == 0 ||
		    d.idlen > WIRE_IDMAX)
			fail("wire_parse_dgram: a part outside the datagram");
		memcpy(id, d.id, d.idlen);
		id[d.idlen] = '\0';
		n = wire_put_dgram(head, id, d.session, d.seq, d.schema);
		if (n == 0 || n >= WIRE_HEADMAX)
			fail("wire_put_dgram: preamble does not fit");
		if (wire_parse_dgram(head, n, &d2) == -1 ||
		    d2.idlen != d.idlen || memcmp(d2.id, d.id, d.idlen) != 0 ||
		    d2.session != d.session || d2.seq != d.seq ||
		    d2.schema != d.schema || d2.bodylen != 0)
			fail("wire_put_dgram then wire_parse_dgram: not the same");
		(void)wire_schema(d.body, d.bodylen);
	}
	free(p);
}

static void
hello(const char *p, size_t size)
{
	struct wire_hello h, h2;
	char head[WIRE_HEADMAX], id[WIRE_IDMAX + 1];
	size_t n;

	if (wire_parse_hello(p, size, &h) == -1)
		return;
	if (!inside(p, size, h.id, h.idlen) || h.idlen == 0 ||
	    h.idlen > WIRE_IDMAX)
		fail("wire_parse_hello: id outside the line");
	memcpy(id, h.id, h.idlen);
	id[h.idlen] = '\0';
	n = wire_put_hello(head, id, h.session, h.offset);
	if (n < 2 || n >= WIRE_HEADMAX || head[n - 1] != '\n')
		fail("wire_put_hello: bad preamble");
	if (wire_parse_hello(head, n - 1, &h2) == -1 || h2.idlen != h.idlen ||
	    memcmp(h2.id, h.id, h.idlen) != 0 || h2.session != h.session ||
	    h2.offset != h.offset)
		fail("wire_put_hello then wire_parse_hello: not the same");
}

static void
syslog_msg(const uint8_t *data, size_t size)
{
	struct wire_syslog m;
	char *p = copy(data, size);

	if (wire_parse_syslog(p, size, &m) == 0) {
		if ((m.host != NULL && !inside(p, size, m.host, m.hostlen)) ||
		    (m.app != NULL && !inside(p, size, m.app, m.applen)) ||
		    (m.procid != NULL && !inside(p, size, m.procid, m.procidlen)) ||
		    m.msg == NULL || !inside(p, size, m.msg, m.msglen))
			fail("wire_parse_syslog: a part outside the message");
		(void)wire_schema(m.msg, m.msglen);
	}
	free(p);
}

/* the numbers [lo, hi] seen, as a sorted array for the model */
struct seen {
	uint64_t v[MAXSEQ];
	size_t n;
};

static int
was_seen(const struct seen *s, uint64_t q)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] == q)
			return 1;
	return 0;
}

static void
sequence(const uint8_t *data, size_t size)
{
	static struct wire_seq s;
	static struct seen seen;
	uint64_t base = 0, q, before;
	uint64_t reord, rep;
	size_t i, k = 0;
	int16_t off;
	int r, expect;

	if (size < 8)
		return;
	for (i = 0; i < 8; i++)
		base |= (uint64_t)data[i] << (8 * i);
	wire_seq_reset(&s);
	seen.n = 0;
	for (i = 8; i + 2 <= size && k < MAXSEQ; i += 2, k++) {
		off = (int16_t)(uint16_t)(data[i] | data[i + 1] << 8);
		q = base + (uint64_t)(int64_t)off;
		before = s.max;
		reord = s.reordered;
		rep = s.repeated;
		expect = s.init && q <= s.max && s.max - q < WIRE_SEQWIN &&
		    was_seen(&seen, q);
		r = wire_seq_add(&s, q);
		if (r != expect)
			fail("wire_seq_add: repeated told wrong");
		if (r != (s.repeated == rep + 1))
			fail("wire_seq_add: return value and repeated disagree");
		if (s.max < before && k > 0)
			fail("wire_seq_add: the highest went down");
		if (k > 0 && (s.max != before) + (s.reordered - reord) +
		    (s.repeated - rep) != 1)
			fail("wire_seq_add: not exactly one of new/reordered/repeated");
		if (k == 0 && (s.max != q || s.lost || s.reordered || s.repeated))
			fail("wire_seq_add: the first number miscounted");
		if (!was_seen(&seen, q))
			seen.v[seen.n++] = q;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl;
	char *p;

	dgram(data, size);
	p = copy(data, size);
	hello(p, size);
	free(p);
	if ((nl = memchr(data, '\n', size)) != NULL) {
		p = copy(data, (size_t)(nl - data));
		hello(p, (size_t)(nl - data));
		free(p);
	}
	syslog_msg(data, size);
	sequence(data, size);
	return 0;
}

/*
 * libFuzzer target: lib/wire (datagrams, stream hellos, syslog).
 *
 * The whole input, each in a copy of exactly its size, goes to
 * wire_parse_dgram, wire_parse_hello (also its first line, as the collector
 * reads a hello line), wire_parse_frame and wire_parse_ack (its first line),
 * wire_parse_report (the whole input, as a sender reads a report) and
 * wire_parse_syslog (which decodes in place).  Checked: what a parser
 * returns lies inside the buffer it was given, and a datagram, hello or ack
 * that parses is written again with wire_put_* and parses to the same
 * values; written with a key, its tag checks under that key, and no longer
 * once a byte of what it covers changes (the LEN of a datagram included: a
 * datagram cut by one byte does not parse).
 *
 * Sequence accounting: the first 8 bytes are a base number (little endian),
 * each following pair of bytes a signed offset from it; the numbers go to
 * wire_seq_add one by one (a base near 2^64 wraps, which is allowed).
 * Odd-sized inputs run it strict (as with --secret).  Checked against a
 * model of what wire.h promises: 1 exactly when the number was added before
 * and is still inside the window (less than WIRE_SEQWIN below the highest),
 * or, strict, is WIRE_SEQWIN or more below it; each call counts as exactly
 * one of new highest, reordered or repeated, and the highest never goes
 * down.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define MAXSEQ 2048		/* numbers fed per input */

static const uint8_t key[WIRE_KEYLEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
};

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

/* datagram d (of p) written again, with key or not: the same, tag right */
static void
redgram(const struct wire_dgram *d, const uint8_t *k)
{
	struct wire_dgram d2;
	char *q, id[WIRE_IDMAX + 1];
	size_t n;

	if ((q = malloc(WIRE_HEADMAX + d->bodylen + 1)) == NULL)
		abort();
	memcpy(id, d->id, d->idlen);
	id[d->idlen] = '\0';
	n = wire_put_dgram(q, id, d->session, d->seq, d->schema, d->time,
	    d->body, d->bodylen, k);
	if (n == 0 || n >= WIRE_HEADMAX || q[n - 1] != '\n')
		fail("wire_put_dgram: preamble does not fit");
	memcpy(q + n, d->body, d->bodylen);
	if (wire_parse_dgram(q, n + d->bodylen, &d2) == -1 ||
	    d2.idlen != d->idlen || memcmp(d2.id, d->id, d->idlen) != 0 ||
	    d2.session != d->session || d2.seq != d->seq ||
	    d2.schema != d->schema || d2.time != d->time ||
	    d2.bodylen != d->bodylen || d2.tagged != (k != NULL))
		fail("wire_put_dgram then wire_parse_dgram: not the same");
	if (k != NULL) {
		if (!wire_dgram_ok(q, &d2, k))
			fail("wire_dgram_ok: its own tag refused");
		if (d2.bodylen > 0) {
			q[n + d2.bodylen / 2] ^= 1;
			if (wire_dgram_ok(q, &d2, k))
				fail("wire_dgram_ok: a changed body taken");
		}
	}
	if (d->bodylen > 0 && wire_parse_dgram(q, n + d->bodylen - 1, &d2) == 0)
		fail("wire_parse_dgram: a datagram cut short taken");
	free(q);
}

static void
dgram(const uint8_t *data, size_t size)
{
	struct wire_dgram d;
	char *p = copy(data, size);

	if (wire_parse_dgram(p, size, &d) == 0) {
		if (!inside(p, size, d.id, d.idlen) ||
		    !inside(p, size, d.body, d.bodylen) || d.idlen == 0 ||
		    d.idlen > WIRE_IDMAX || d.signlen > size ||
		    d.bodylen != size - (size_t)(d.body - p))
			fail("wire_parse_dgram: a part outside the datagram");
		(void)wire_dgram_ok(p, &d, key);
		redgram(&d, NULL);
		redgram(&d, key);
		(void)wire_schema(d.body, d.bodylen);
	}
	free(p);
}

static void
hello(const char *p, size_t size)
{
	struct wire_hello h, h2;
	char head[WIRE_HEADMAX], id[WIRE_IDMAX + 1];
	uint64_t tag;
	size_t n;
	int k;

	if (wire_parse_hello(p, size, &h) == -1)
		return;
	if (!inside(p, size, h.id, h.idlen) || h.idlen == 0 ||
	    h.idlen > WIRE_IDMAX || h.signlen > size)
		fail("wire_parse_hello: id outside the line");
	(void)wire_hello_ok(p, &h, p, size, key);
	memcpy(id, h.id, h.idlen);
	id[h.idlen] = '\0';
	for (k = 0; k < 2; k++) {
		n = wire_put_hello(head, id, h.session, h.offset, h.time, p,
		    size, k ? key : NULL, &tag);
		if (n < 2 || n >= WIRE_HEADMAX || head[n - 1] != '\n')
			fail("wire_put_hello: bad preamble");
		if (wire_parse_hello(head, n - 1, &h2) == -1 ||
		    h2.idlen != h.idlen || memcmp(h2.id, h.id, h.idlen) != 0 ||
		    h2.session != h.session || h2.offset != h.offset ||
		    h2.time != h.time || h2.tagged != k || h2.tag != tag)
			fail("wire_put_hello then wire_parse_hello: not the same");
		if (k && (!wire_hello_ok(head, &h2, p, size, key) ||
		    wire_hello_ok(head, &h2, p, size > 0 ? size - 1 : 1, key)))
			fail("wire_hello_ok: wrong");
	}
}

/* a frame line and an ack line: parse, and round trips */
static void
frame_ack(const char *p, size_t size)
{
	char buf[64];
	size_t len, n;
	uint64_t tag, off;

	if (wire_parse_frame(p, size, &len, &tag) == 0 && len == 0)
		fail("wire_parse_frame: an empty frame");
	if (wire_parse_ack(p, size, 7, NULL, &off) == 0) {
		n = wire_put_ack(buf, off, 7, NULL);
		if (n - 1 != size || memcmp(buf, p, size) != 0)
			fail("wire_parse_ack: not as wire_put_ack writes it");
	}
	if (wire_parse_ack(p, size, 7, key, &off) == 0) {
		n = wire_put_ack(buf, off, 7, key);
		if (n - 1 != size || memcmp(buf, p, size) != 0)
			fail("wire_parse_ack: a tag not its own taken");
	}
	off = size * 977;
	n = wire_put_ack(buf, off, size, key);
	if (wire_parse_ack(buf, n - 1, size, key, &tag) == -1 || tag != off ||
	    wire_parse_ack(buf, n - 1, size + 1, key, &tag) == 0)
		fail("wire_put_ack then wire_parse_ack: wrong");
	n = wire_put_frame(buf, 5, off, p, size, key);
	if (size > 0 && (wire_parse_frame(buf, n - 1, &len, &tag) == -1 ||
	    len != size || tag != wire_frame_tag(5, off, p, size, key) ||
	    tag == wire_frame_tag(5, off + 1, p, size, key)))
		fail("wire_put_frame then wire_parse_frame: wrong");
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
	int r, expect, strict = size & 1;

	if (size < 8)
		return;
	for (i = 0; i < 8; i++)
		base |= (uint64_t)data[i] << (8 * i);
	wire_seq_reset(&s, strict);
	seen.n = 0;
	for (i = 8; i + 2 <= size && k < MAXSEQ; i += 2, k++) {
		off = (int16_t)(uint16_t)(data[i] | data[i + 1] << 8);
		q = base + (uint64_t)(int64_t)off;
		before = s.max;
		reord = s.reordered;
		rep = s.repeated;
		expect = s.init && q <= s.max && ((s.max - q < WIRE_SEQWIN &&
		    was_seen(&seen, q)) || (strict && s.max - q >= WIRE_SEQWIN));
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

/*
 * a report: one that parses is as wire_put_report writes it (with the key:
 * its tag its own); one written parses back, not under another key, and
 * not once a byte it covers changes
 */
static void
report(const char *p, size_t size)
{
	static const uint8_t other[WIRE_KEYLEN] = { 9 };
	struct wire_report r, r2;
	char buf[WIRE_REPORTMAX];
	size_t n;

	if (wire_parse_report(p, size, NULL, &r) == 0) {
		if (size > WIRE_REPORTMAX || p[size - 1] != '\n')
			fail("wire_parse_report: not a line that fits");
		if (wire_parse_report(p, size, key, &r2) == 0) {
			n = wire_put_report(buf, &r, key);
			if (n != size || memcmp(buf, p, size) != 0)
				fail("wire_parse_report: a tag not its own taken");
		}
		r.seq = (uint64_t)size * 1000003;
		r.got = 9999999999999999999ULL;	/* 19 digits, the most */
		n = wire_put_report(buf, &r, key);
		if (n == 0 || n > WIRE_REPORTMAX ||
		    wire_parse_report(buf, n, key, &r2) == -1 ||
		    r2.session != r.session || r2.seq != r.seq ||
		    r2.got != r.got || r2.lost != r.lost ||
		    wire_parse_report(buf, n, other, &r2) == 0)
			fail("wire_put_report then wire_parse_report: wrong");
		buf[9 + size % 8] ^= 1;
		if (wire_parse_report(buf, n, key, &r2) == 0)
			fail("wire_parse_report: a changed report taken");
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
	report(p, size);
	free(p);
	if ((nl = memchr(data, '\n', size)) != NULL) {
		p = copy(data, (size_t)(nl - data));
		hello(p, (size_t)(nl - data));
		frame_ack(p, (size_t)(nl - data));
		free(p);
	}
	syslog_msg(data, size);
	sequence(data, size);
	return 0;
}

/*
 * libFuzzer target: lib/ckpt (omph-collect's checkpoint), with agg_load and
 * hist_load under it.
 *
 * Each input is loaded four times: as it is, through a memfd and
 * ckpt_load, and with its length and checksum made right (ckpt_seal), so
 * that the sections behind the checksum are reached, by ckpt_parse; each
 * time for two sets of options, totals and a window, which the seeds in
 * tests/fuzz/ckpt/ were made with by omph-collect --state:
 *
 *	totals-*: -k path --max-keys 64 --alert 'hits>3'
 *	    --alert-total '4xx_ratio>0.01' --alert-min-hits 2
 *	window-*: -k path --window 10 --max-keys 16 --alert 'hits>3'
 *	    --alert '5xx>0' --alert-total '4xx_ratio>0.01' --alert-min-hits 1
 *	panels-*: the same as window-*, with -k path -k status (two panels,
 *	    --max-keys 16 each)
 *
 * (window-pending-events was killed with -9 after alerts of keys that left
 * the window resolved, before a snapshot told it; the seeds of version 1
 * come from before sender tables and positions were kept; v2-origins-* hold
 * positions of records with an origin on stdin, v2-senders-* a sender
 * table of --listen tcp and udp with origins too).  Checked, as ckpt.h
 * says:
 *  - a refused input leaves the aggregates and the counters as they were
 *    (empty here), with a reason;
 *  - a loaded one holds together by counts made here, not by lib/agg.c's:
 *    the keys in use are n, the free slots the others below hi, each
 *    alert on a key in use whose bit is set, as many bits as alerts;
 *  - the positions hold together (orig_ok), and each sender of the table
 *    is named once, with at most CKPT_MAXSES sessions;
 *  - encoded again it is the same bytes: nothing read is dropped or
 *    changed, and the loader takes only what the writer writes (a file of
 *    an older version is encoded as the current one: that, read again,
 *    gives the same);
 *  - it can be counted on: records added (new keys, known keys, seconds in
 *    and past the window) and the window moved do not crash, nor do
 *    origins checked (known streams and new ones, repeats, gaps), after
 *    which the positions still hold together.
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"

#define FUZZ_NAME "fuzz-ckpt"
#include "check.h"

#define NOPTS 3
static const char *keys[] = { "path" }, *keys2[] = { "status" };
static struct alert_rule rules[2], trules[1];
static struct ckpt_panel pans[3][2];
static struct ckpt_opts opts[NOPTS];

static void
setup(void)
{
	static const char *const text[] = { "hits>3", "5xx>0", "4xx_ratio>0.01" };
	char err[128];

	if (alert_parse(text[0], &rules[0], err, sizeof(err)) == -1 ||
	    alert_parse(text[1], &rules[1], err, sizeof(err)) == -1 ||
	    alert_parse(text[2], &trules[0], err, sizeof(err)) == -1)
		fail("alert_parse", err, strlen(err));
	/* omph-collect --max-keys 64 --alert hits>3 --alert-total ... */
	pans[0][0].keys = keys;
	pans[0][0].nkeys = 1;
	pans[0][0].max_keys = 64;
	opts[0].pan = pans[0];
	opts[0].npan = 1;
	opts[0].rules = rules;
	opts[0].nrules = 1;
	opts[0].trules = trules;
	opts[0].ntrules = 1;
	opts[0].min_hits = 2;
	/* --window 10 --max-keys 16 --alert hits>3 --alert 5xx>0 ... */
	opts[1] = opts[0];
	pans[1][0] = pans[0][0];
	pans[1][0].max_keys = 16;
	opts[1].pan = pans[1];
	opts[1].window = 10;
	opts[1].nrules = 2;
	opts[1].min_hits = 1;
	/* ... -k path -k status */
	opts[2] = opts[1];
	pans[2][0] = pans[1][0];
	pans[2][1] = pans[1][0];
	pans[2][1].keys = keys2;
	opts[2].pan = pans[2];
	opts[2].npan = 2;
}

static int
popcount(uint64_t v)
{
	int n = 0;

	for (; v != 0; v &= v - 1)
		n++;
	return n;
}

/* one panel's aggregates hold together; *bits: its alert bits */
static void
check_agg(const struct ckpt_opts *o, const struct agg *a, size_t *bits,
    const uint8_t *p, size_t n)
{
	size_t i, used = 0;

	if (a->hi > a->max || a->hi > a->cap || a->n > a->hi)
		fail("slots out of range", (const char *)p, n);
	for (i = 0; i < a->hi; i++)
		if (a->keys[i].used) {
			used++;
			*bits += (size_t)popcount(a->keys[i].alerts);
			if (a->keys[i].alerts >> o->nrules)
				fail("an alert bit past the rules", (const char *)p, n);
		} else if (a->keys[i].alerts)
			fail("alerts on a free slot", (const char *)p, n);
	if (used != a->n || a->nfree != a->hi - a->n)
		fail("keys and free slots do not add up", (const char *)p, n);
	for (i = 0; i < a->nfree; i++)
		if (a->freel[i] >= a->hi || a->keys[a->freel[i]].used)
			fail("a free slot in use", (const char *)p, n);
}

static void
check(const struct ckpt_opts *o, struct agg *const *pa,
    const struct ckpt_coll *c, const uint8_t *p, size_t n)
{
	const struct agg *a;
	struct ckpt_buf b;
	size_t i, bits = 0;
	int pn;

	for (pn = 0; pn < o->npan; pn++) {
		if (pa[pn]->records != pa[0]->records ||
		    pa[pn]->total.c.hits != pa[0]->total.c.hits ||
		    pa[pn]->cum.hits != pa[0]->cum.hits)
			fail("panels that counted other records",
			    (const char *)p, n);
		check_agg(o, pa[pn], &bits, p, n);
	}
	if (bits != c->nact)
		fail("alert bits and active alerts differ", (const char *)p, n);
	for (i = 0; i < c->nact; i++) {
		const struct alert_active *ac = &c->act[i];

		if (ac->panel >= (uint32_t)o->npan)
			fail("an active alert on no panel", (const char *)p, n);
		a = pa[ac->panel];
		if (ac->slot >= a->hi || !a->keys[ac->slot].used ||
		    a->keys[ac->slot].gen != ac->gen || ac->rule < 0 ||
		    ac->rule >= o->nrules ||
		    !(a->keys[ac->slot].alerts & (1ULL << ac->rule)))
			fail("an active alert on no key", (const char *)p, n);
	}
	for (i = 0; i < c->nev; i++)
		if (c->ev[i].rule < 0 || c->ev[i].rule >= o->nrules + o->ntrules ||
		    (c->ev[i].key != NULL) != (c->ev[i].rule < o->nrules) ||
		    c->ev[i].panel < 0 || c->ev[i].panel >= o->npan)
			fail("an event out of range", (const char *)p, n);
	if (orig_ok(&c->org) == -1)
		fail("the positions do not hold together", (const char *)p, n);
	if (c->nsnd > CKPT_MAXSENDERS)
		fail("too many senders", (const char *)p, n);
	for (i = 0; i < c->nsnd; i++) {
		size_t j;

		if (c->snd[i].nses < 0 || c->snd[i].nses > CKPT_MAXSES ||
		    c->snd[i].name[0] == '\0')
			fail("a sender out of range", (const char *)p, n);
		for (j = 0; j < i; j++)
			if (strcmp(c->snd[i].name, c->snd[j].name) == 0)
				fail("a sender twice", (const char *)p, n);
	}
	memset(&b, 0, sizeof(b));
	if (ckpt_encode(&b, o, pa, c) == -1)
		fail("ckpt_encode", NULL, 0);
	if (n >= 12 && p[8] < CKPT_VERSION) {
		/* an older version: the same once read again as the current */
		struct ckpt_coll c2;
		struct ckpt_buf b2;
		struct agg a2[2], *a2p[2] = { &a2[0], &a2[1] };
		char err[256];

		for (pn = 0; pn < o->npan; pn++)
			if (agg_init(&a2[pn], o->pan[pn].max_keys,
			    o->window) == -1)
				fail("agg_init", NULL, 0);
		memset(&c2, 0, sizeof(c2));
		memset(&b2, 0, sizeof(b2));
		if (ckpt_parse(b.o.p, b.o.len, o, a2p, &c2, err,
		    sizeof(err)) == -1)
			fail("an older version encoded again is refused", err,
			    strlen(err));
		if (ckpt_encode(&b2, o, a2p, &c2) == -1)
			fail("ckpt_encode", NULL, 0);
		if (b2.o.len != b.o.len || memcmp(b2.o.p, b.o.p, b.o.len) != 0)
			fail("an older version read again differs",
			    (const char *)p, n);
		ckpt_buf_free(&b2);
		for (pn = 0; pn < o->npan; pn++)
			agg_free(&a2[pn]);
		ckpt_coll_free(&c2);
	} else if (b.o.len != n || memcmp(b.o.p, p, n) != 0)
		fail("loaded and encoded again, it differs", (const char *)p, n);
	ckpt_buf_free(&b);
}

/* check origins on the loaded positions: they must hold */
static void
use_origins(struct orig *org, const uint8_t *p, size_t n)
{
	static const char *const who[] = { "", "web1", "u1", "new" };
	struct orig_res r;
	char v[64];
	int i, k;

	for (i = 0; i < 64; i++) {
		snprintf(v, sizeof(v), "%016x:%d:%d", i % 5 == 0 ? 0x0123abcd :
		    i % 9, (i % 7) * 20, (i % 7) * 20 + 20 + i % 3);
		k = orig_check(org, who[i % 4], strlen(who[i % 4]), v,
		    strlen(v), &r);
		if (k == -1)
			fail("orig_check: out of memory", NULL, 0);
		if (k == ORIG_BAD)
			fail("a good origin taken as bad", v, strlen(v));
	}
	if (orig_check(org, "x", 1, "0123:1:2", 8, &r) != ORIG_BAD)
		fail("a bad origin taken", NULL, 0);
	if (orig_ok(org) == -1)
		fail("checked, the positions do not hold together",
		    (const char *)p, n);
}

/* count on the loaded state: it must hold */
static void
use(struct agg *a)
{
	int64_t t = a->newest != INT64_MIN ? a->newest : 1000000000;
	const struct agg_key *k;
	char key[64];
	size_t len;
	int i;

	for (i = 0; i < 40; i++) {
		uint64_t client = hll_hash(&i, sizeof(i) - i % 2);

		/* keys held (copied: the slot may be reused), then new ones */
		k = a->hi > 0 ? &a->keys[(size_t)i % a->hi] : NULL;
		if (i < 20 && k != NULL && k->used && k->len <= sizeof(key)) {
			len = k->len;
			memcpy(key, k->key, len);
		} else
			len = (size_t)snprintf(key, sizeof(key), "/k%d", i % 20);
		if (agg_add(a, key, len, t + i / 8, 200 + i % 400, (uint64_t)i,
		    i % 3 == 0 ? -1 : i * 1000, i % 4 ? &client : NULL) == -1)
			fail("agg_add: out of memory", NULL, 0);
	}
	agg_visitors(a);
	if (a->total.v.p != 0 && !(a->total.vis >= 1))
		fail("clients came, no visitors", NULL, 0);
	agg_advance(a, t + 25);
	if (agg_add(a, "/late", 5, t, 200, 1, -1, NULL) == -1)
		fail("agg_add: out of memory", NULL, 0);
	agg_visitors(a);
}

static void
once(const struct ckpt_opts *o, const char *path, const uint8_t *p, size_t n)
{
	struct ckpt_coll c;
	struct agg a[2], *ap[2] = { &a[0], &a[1] };
	char err[256];
	int rv, pn, touched = 0;

	for (pn = 0; pn < o->npan; pn++)
		if (agg_init(&a[pn], o->pan[pn].max_keys, o->window) == -1)
			fail("agg_init", NULL, 0);
	memset(&c, 0, sizeof(c));
	err[0] = '\0';
	rv = path != NULL ? ckpt_load(path, o, ap, &c, err, sizeof(err)) :
	    ckpt_parse(p, n, o, ap, &c, err, sizeof(err));
	for (pn = 0; pn < o->npan; pn++)
		if (a[pn].n != 0 || a[pn].hi != 0 || a[pn].keys != NULL ||
		    a[pn].records != 0)
			touched = 1;
	if (rv == -1 || rv == 1) {
		if (touched || c.nev != 0 || c.nact != 0 || c.ev != NULL || c.act != NULL ||
		    c.lines != 0 || c.nsnd != 0 || c.snd != NULL ||
		    c.org.e != NULL || c.org.n != 0 || c.org.used)
			fail("refused, yet something changed", err, strlen(err));
		if (rv == -1 && (memchr(err, '\0', sizeof(err)) == NULL ||
		    err[0] == '\0'))
			fail("refused without a reason", NULL, 0);
	} else if (rv != 0)
		fail("ckpt_load returned something else", NULL, 0);
	else {
		check(o, ap, &c, p, n);
		for (pn = 0; pn < o->npan; pn++)
			use(&a[pn]);
		use_origins(&c.org, p, n);
	}
	for (pn = 0; pn < o->npan; pn++)
		agg_free(&a[pn]);
	ckpt_coll_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	uint8_t *copy;
	size_t off = 0;
	ssize_t w;
	int fd, i;

	if (opts[0].pan == NULL)
		setup();
	if ((fd = memfd_create("fuzz-ckpt", MFD_CLOEXEC)) == -1)
		fail("memfd_create", NULL, 0);
	while (off < size) {
		if ((w = write(fd, data + off, size - off)) <= 0)
			fail("write to the memfd", NULL, 0);
		off += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	for (i = 0; i < NOPTS; i++)
		once(&opts[i], path, data, size);
	close(fd);
	if (size < CKPT_HEADER)
		return 0;
	if ((copy = malloc(size)) == NULL)
		return 0;
	memcpy(copy, data, size);
	ckpt_seal(copy, size);
	for (i = 0; i < NOPTS; i++)
		once(&opts[i], NULL, copy, size);
	free(copy);
	return 0;
}


#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "ckpt.h"
#include "out.h"

#define MAGIC "OMPHCKPT"

static const char *const names[] = {
	NULL, "CONFIG", "COUNTS", "AGG", "ALERTS", "EVENTS", "SENDERS",
	"ORIGINS", "CUM"
};

static const char *const kinds[] = { "udp", "tcp", "syslog", "text" };

/* --- encoding --- */

/* room for n more bytes, taken; NULL (and b's err) when there is none */
static unsigned char *
room(struct ckpt_buf *b, size_t n)
{
	unsigned char *p;

	if (b->o.err || out_buf_reserve(&b->o, n) == -1)
		return NULL;
	p = (unsigned char *)b->o.p + b->o.len;
	b->o.len += n;
	return p;
}

static void
put_le(struct ckpt_buf *b, uint64_t v, int n)
{
	unsigned char *p = room(b, (size_t)n);
	int i;

	if (p != NULL)
		for (i = 0; i < n; i++)
			p[i] = (unsigned char)(v >> (8 * i));
}

void ckpt_put_u8(struct ckpt_buf *b, unsigned v) { put_le(b, v, 1); }
void ckpt_put_u16(struct ckpt_buf *b, unsigned v) { put_le(b, v, 2); }
void ckpt_put_u32(struct ckpt_buf *b, uint32_t v) { put_le(b, v, 4); }
void ckpt_put_u64(struct ckpt_buf *b, uint64_t v) { put_le(b, v, 8); }
void ckpt_put_i64(struct ckpt_buf *b, int64_t v) { put_le(b, (uint64_t)v, 8); }

void
ckpt_put_str(struct ckpt_buf *b, const void *s, size_t n)
{
	unsigned char *p;

	if (n > UINT32_MAX) {
		b->o.err = ENOMEM;
		return;
	}
	ckpt_put_u32(b, (uint32_t)n);
	if (n > 0 && (p = room(b, n)) != NULL)
		memcpy(p, s, n);
}

void
ckpt_buf_free(struct ckpt_buf *b)
{
	out_buf_free(&b->o);
}

/* --- decoding --- */

int
ckpt_fail(struct ckpt_rd *r, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (r->failed)
		return -1;
	r->failed = 1;
	if (r->err == NULL || r->errlen == 0)
		return -1;
	if (r->what != NULL)
		n = snprintf(r->err, r->errlen, "section %s: ", r->what);
	if (n < 0 || (size_t)n >= r->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* the next n bytes, or NULL (r failed) */
static const unsigned char *
take(struct ckpt_rd *r, size_t n)
{
	const unsigned char *p;

	if (r->failed)
		return NULL;
	if (r->len - r->off < n) {
		ckpt_fail(r, "truncated");
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

static uint64_t
get_le(struct ckpt_rd *r, int n)
{
	const unsigned char *p = take(r, (size_t)n);
	uint64_t v = 0;
	int i;

	if (p == NULL)
		return 0;
	for (i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

unsigned ckpt_get_u8(struct ckpt_rd *r) { return (unsigned)get_le(r, 1); }
unsigned ckpt_get_u16(struct ckpt_rd *r) { return (unsigned)get_le(r, 2); }
uint32_t ckpt_get_u32(struct ckpt_rd *r) { return (uint32_t)get_le(r, 4); }
uint64_t ckpt_get_u64(struct ckpt_rd *r) { return get_le(r, 8); }
int64_t ckpt_get_i64(struct ckpt_rd *r) { return (int64_t)get_le(r, 8); }

const char *
ckpt_get_str(struct ckpt_rd *r, uint32_t *n)
{
	*n = ckpt_get_u32(r);
	if (r->failed)
		return NULL;
	return (const char *)take(r, *n);
}

int
ckpt_room(struct ckpt_rd *r, uint64_t count, size_t size)
{
	if (r->failed)
		return -1;
	if (count > (r->len - r->off) / size)
		return ckpt_fail(r, "truncated: %llu items cannot be in %zu bytes",
		    (unsigned long long)count, r->len - r->off);
	return 0;
}

int
ckpt_time_ok(int64_t t)
{
	return t == INT64_MIN || (t > -(INT64_C(1) << 62) &&
	    t < (INT64_C(1) << 62));
}

/* --- the file --- */

uint64_t
ckpt_hash(uint64_t h, const void *p, size_t n)
{
	return hash_fnv64(h, p, n);
}

static uint64_t
checksum(const unsigned char *p, size_t n)
{
	return ckpt_hash(ckpt_hash(CKPT_HASH0, p, 24), p + CKPT_HEADER,
	    n - CKPT_HEADER);
}

static void
le64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
rd64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void
ckpt_seal(unsigned char *p, size_t n)
{
	le64(p + 16, n);
	le64(p + 24, checksum(p, n));
}

/* start a section: its offset, to close it with end() */
static size_t
begin(struct ckpt_buf *b, uint32_t type)
{
	size_t at;

	ckpt_put_u32(b, type);
	at = b->o.len;
	ckpt_put_u64(b, 0);
	return at;
}

static void
end(struct ckpt_buf *b, size_t at)
{
	if (!b->o.err)
		le64((unsigned char *)b->o.p + at, b->o.len - at - 8);
}

static void
put_rules(struct ckpt_buf *b, const struct alert_rule *r, int n)
{
	int i;

	ckpt_put_u32(b, (uint32_t)n);
	for (i = 0; i < n; i++)
		ckpt_put_str(b, r[i].text, strlen(r[i].text));
}

int
ckpt_encode(struct ckpt_buf *b, const struct ckpt_opts *o,
    struct agg *const *a, const struct ckpt_coll *c)
{
	const struct alert_event *e;
	size_t at, i;
	int j, p;

	b->o.len = 0;
	b->o.err = 0;
	if (room(b, 8) != NULL)
		memcpy(b->o.p, MAGIC, 8);
	ckpt_put_u32(b, CKPT_VERSION);
	ckpt_put_u32(b, 0);
	ckpt_put_u64(b, 0);		/* length and checksum: ckpt_seal */
	ckpt_put_u64(b, 0);

	at = begin(b, CKPT_CONFIG);
	ckpt_put_u32(b, (uint32_t)o->npan);
	for (p = 0; p < o->npan; p++) {
		ckpt_put_u32(b, (uint32_t)o->pan[p].nkeys);
		for (j = 0; j < o->pan[p].nkeys; j++)
			ckpt_put_str(b, o->pan[p].keys[j],
			    strlen(o->pan[p].keys[j]));
		ckpt_put_u64(b, o->pan[p].max_keys);
	}
	ckpt_put_u32(b, (uint32_t)o->window);
	ckpt_put_u8(b, o->arrival != 0);
	ckpt_put_u64(b, o->min_hits);
	put_rules(b, o->rules, o->nrules);
	put_rules(b, o->trules, o->ntrules);
	end(b, at);

	at = begin(b, CKPT_COUNTS);
	ckpt_put_u64(b, c->lines);
	ckpt_put_u64(b, c->bad);
	ckpt_put_u64(b, c->dgrams);
	ckpt_put_u64(b, c->denied);
	ckpt_put_u64(b, c->malformed);
	ckpt_put_u64(b, c->refused);
	ckpt_put_i64(b, c->started);
	end(b, at);

	at = begin(b, CKPT_AGG);
	ckpt_put_u32(b, (uint32_t)o->npan);
	for (p = 0; p < o->npan; p++)
		agg_save(a[p], b);
	end(b, at);

	at = begin(b, CKPT_ALERTS);
	ckpt_put_u64(b, c->site_alerts);
	ckpt_put_u32(b, (uint32_t)o->ntrules);
	for (j = 0; j < o->ntrules; j++)
		ckpt_put_i64(b, c->since[j]);
	ckpt_put_u64(b, c->nact);
	for (i = 0; i < c->nact; i++) {
		ckpt_put_u32(b, c->act[i].panel);
		ckpt_put_u32(b, c->act[i].slot);
		ckpt_put_u32(b, c->act[i].gen);
		ckpt_put_u32(b, (uint32_t)c->act[i].rule);
		ckpt_put_i64(b, c->act[i].since);
	}
	end(b, at);

	at = begin(b, CKPT_EVENTS);
	ckpt_put_u64(b, c->nev);
	for (i = 0; i < c->nev; i++) {
		uint64_t v;

		e = &c->ev[i];
		memcpy(&v, &e->value, sizeof(v));
		ckpt_put_u8(b, e->raise != 0);
		ckpt_put_u32(b, (uint32_t)e->rule);
		ckpt_put_u32(b, (uint32_t)e->panel);
		ckpt_put_u8(b, e->present != 0);
		ckpt_put_u64(b, v);
		ckpt_put_i64(b, e->at);
		ckpt_put_u8(b, e->key != NULL);
		if (e->key != NULL)
			ckpt_put_str(b, e->key, e->keylen);
	}
	end(b, at);

	at = begin(b, CKPT_SENDERS);
	ckpt_put_u32(b, (uint32_t)c->nsnd);
	for (i = 0; i < c->nsnd; i++) {
		const struct ckpt_sender *s = &c->snd[i];

		ckpt_put_str(b, s->name, strlen(s->name));
		ckpt_put_str(b, s->kind, strlen(s->kind));
		ckpt_put_str(b, s->addr, strlen(s->addr));
		ckpt_put_u64(b, s->records);
		ckpt_put_u64(b, s->msgs);
		ckpt_put_u64(b, s->bad);
		ckpt_put_u64(b, s->noschema);
		ckpt_put_u64(b, s->lost);
		ckpt_put_u64(b, s->repeated);
		ckpt_put_u64(b, s->reordered);
		ckpt_put_u64(b, s->dup);
		ckpt_put_u64(b, s->gaps);
		ckpt_put_u64(b, s->gapbytes);
		ckpt_put_i64(b, s->last);
		ckpt_put_u32(b, (uint32_t)s->nses);
		for (j = 0; j < s->nses; j++) {
			ckpt_put_u32(b, s->ses[j].id);
			ckpt_put_u64(b, s->ses[j].msgs);
			ckpt_put_u64(b, s->ses[j].taken);
		}
	}
	end(b, at);

	at = begin(b, CKPT_ORIGINS);
	orig_save(&c->org, b);
	end(b, at);

	at = begin(b, CKPT_CUM);
	agg_save_cum(a[0], b);
	end(b, at);

	if (b->o.err) {
		errno = b->o.err;
		return -1;
	}
	ckpt_seal((unsigned char *)b->o.p, b->o.len);
	return 0;
}

int
ckpt_save(const char *file, struct ckpt_buf *b, const struct ckpt_opts *o,
    struct agg *const *a, const struct ckpt_coll *c)
{
	if (ckpt_encode(b, o, a, c) == -1)
		return -1;
	return out_save_file(file, b->o.p, b->o.len, 0600);
}

/* --- loading --- */

/* "-k a -k b", "--alert 'r'..." or "no --alert" into s */
static void
list_str(char *s, size_t n, const char *opt, const char *const *v,
    const uint32_t *len, int count, int quote)
{
	size_t at = 0;
	int i, w;

	s[0] = '\0';
	if (count == 0) {
		snprintf(s, n, "no %s", opt);
		return;
	}
	for (i = 0; i < count && at < n; i++) {
		w = snprintf(s + at, n - at, "%s%s %s%.*s%s", i ? " " : "", opt,
		    quote ? "'" : "", (int)(len ? len[i] : strlen(v[i])), v[i],
		    quote ? "'" : "");
		if (w < 0)
			break;
		at += (size_t)w;
	}
}

/* read count strings into v (pointers into r), at most max */
static int
get_strs(struct ckpt_rd *r, const char **v, uint32_t *len, uint32_t *count,
    uint32_t max)
{
	uint32_t i;

	*count = ckpt_get_u32(r);
	if (r->failed)
		return -1;
	if (*count > max)
		return ckpt_fail(r, "%lu options, more than there can be",
		    (unsigned long)*count);
	for (i = 0; i < *count; i++)
		if ((v[i] = ckpt_get_str(r, &len[i])) == NULL)
			return -1;
	return 0;
}

static int
same_strs(const char *const *v, const uint32_t *len, uint32_t n,
    const char *const *mine, int nmine)
{
	uint32_t i;

	if (n != (uint32_t)nmine)
		return 0;
	for (i = 0; i < n; i++)
		if (strlen(mine[i]) != len[i] || memcmp(mine[i], v[i], len[i]) != 0)
			return 0;
	return 1;
}

/* the two lists differ: "made with THEIRS, not MINE" */
static int
differ(struct ckpt_rd *r, const char *opt, const char *const *v,
    const uint32_t *len, uint32_t n, const char *const *mine, int nmine,
    int quote)
{
	char theirs[256], ours[256];

	list_str(theirs, sizeof(theirs), opt, v, len, (int)n, quote);
	list_str(ours, sizeof(ours), opt, mine, NULL, nmine, quote);
	r->what = NULL;
	return ckpt_fail(r, "made with %s, but run with %s", theirs, ours);
}

/* "-k a,b -k c": the panels' key lists of o */
static void
panels_str(char *s, size_t n, const struct ckpt_opts *o)
{
	size_t at = 0;
	int p, j, w;

	s[0] = '\0';
	for (p = 0; p < o->npan && at < n; p++)
		for (j = 0; j < o->pan[p].nkeys && at < n; j++) {
			w = snprintf(s + at, n - at, "%s%s", j ? "," : p ? " -k " :
			    "-k ", o->pan[p].keys[j]);
			if (w < 0)
				break;
			at += (size_t)w;
		}
}

/*
 * The panels of the file: the same key lists as o's (version 4: a count,
 * then per panel the names and --max-keys; before: one list, --max-keys
 * after the clock), or -1 with the difference told.
 */
static int
load_panels(struct ckpt_rd *r, const struct ckpt_opts *o, uint32_t version,
    uint32_t *window, unsigned *arrival)
{
	const char *v[CKPT_MAXRULES];
	char theirs[256], ours[256];
	uint32_t len[CKPT_MAXRULES], n, np = 1, p, j;
	uint64_t max_keys[CKPT_MAXPANELS];
	size_t at = 0;
	int same = 1, w;

	if (version >= 4) {
		np = ckpt_get_u32(r);
		if (r->failed)
			return -1;
		if (np < 1 || np > CKPT_MAXPANELS)
			return ckpt_fail(r, "%lu panels", (unsigned long)np);
	}
	theirs[0] = '\0';
	same = np == (uint32_t)o->npan;
	for (p = 0; p < np; p++) {
		if (get_strs(r, v, len, &n, CKPT_MAXRULES) == -1)
			return -1;
		if (same && !same_strs(v, len, n, o->pan[p].keys,
		    o->pan[p].nkeys))
			same = 0;
		for (j = 0; j < n && at < sizeof(theirs); j++) {
			w = snprintf(theirs + at, sizeof(theirs) - at, "%s%.*s",
			    j ? "," : p ? " -k " : "-k ", (int)len[j], v[j]);
			if (w < 0)
				break;
			at += (size_t)w;
		}
		if (version >= 4)
			max_keys[p] = ckpt_get_u64(r);
	}
	*window = ckpt_get_u32(r);
	*arrival = ckpt_get_u8(r);
	if (version < 4)
		max_keys[0] = ckpt_get_u64(r);
	if (r->failed)
		return -1;
	r->what = NULL;
	if (!same) {
		panels_str(ours, sizeof(ours), o);
		return ckpt_fail(r, "made with %s, but run with %s", theirs, ours);
	}
	for (p = 0; p < np; p++)
		if (max_keys[p] != o->pan[p].max_keys)
			return ckpt_fail(r, "made with --max-keys %llu, but run "
			    "with --max-keys %llu%s%s",
			    (unsigned long long)max_keys[p],
			    (unsigned long long)o->pan[p].max_keys,
			    np > 1 ? " for -k " : "", np > 1 ? o->pan[p].keys[0] :
			    "");
	r->what = names[CKPT_CONFIG];
	return 0;
}

static int
load_config(struct ckpt_rd *r, const struct ckpt_opts *o, uint32_t version)
{
	const char *v[CKPT_MAXRULES], *mine[CKPT_MAXRULES];
	uint32_t len[CKPT_MAXRULES], n, window = 0;
	uint64_t min_hits;
	unsigned arrival = 0;
	int i;

	if (load_panels(r, o, version, &window, &arrival) == -1)
		return -1;
	min_hits = ckpt_get_u64(r);
	if (r->failed)
		return -1;
	if (arrival > 1)
		return ckpt_fail(r, "a clock neither record nor arrival");
	r->what = NULL;
	if (window != (uint32_t)o->window) {
		char theirs[32], ours[32];

		snprintf(theirs, sizeof(theirs), window ? "--window %lu" :
		    "no --window", (unsigned long)window);
		snprintf(ours, sizeof(ours), o->window ? "--window %d" :
		    "no --window", o->window);
		return ckpt_fail(r, "made with %s, but run with %s", theirs, ours);
	}
	if (arrival != (o->arrival != 0))
		return ckpt_fail(r, "made with --clock %s, but run with --clock %s",
		    arrival ? "arrival" : "record", o->arrival ? "arrival" :
		    "record");
	if (min_hits != o->min_hits)
		return ckpt_fail(r, "made with --alert-min-hits %llu, but run with "
		    "--alert-min-hits %llu",
		    (unsigned long long)min_hits, (unsigned long long)o->min_hits);
	r->what = names[CKPT_CONFIG];
	if (get_strs(r, v, len, &n, CKPT_MAXRULES) == -1)
		return -1;
	for (i = 0; i < o->nrules; i++)
		mine[i] = o->rules[i].text;
	if (!same_strs(v, len, n, mine, o->nrules))
		return differ(r, "--alert", v, len, n, mine, o->nrules, 1);
	if (get_strs(r, v, len, &n, CKPT_MAXRULES) == -1)
		return -1;
	for (i = 0; i < o->ntrules; i++)
		mine[i] = o->trules[i].text;
	if (!same_strs(v, len, n, mine, o->ntrules))
		return differ(r, "--alert-total", v, len, n, mine, o->ntrules, 1);
	return 0;
}

static int
load_counts(struct ckpt_rd *r, struct ckpt_coll *c)
{
	c->lines = ckpt_get_u64(r);
	c->bad = ckpt_get_u64(r);
	c->dgrams = ckpt_get_u64(r);
	c->denied = ckpt_get_u64(r);
	c->malformed = ckpt_get_u64(r);
	c->refused = ckpt_get_u64(r);
	c->started = ckpt_get_i64(r);
	if (r->failed)
		return -1;
	if (c->started == INT64_MIN || !ckpt_time_ok(c->started))
		return ckpt_fail(r, "a start time out of range");
	return 0;
}

/* the aggregates of each panel, into a[0 .. o->npan) */
static int
load_aggs(struct ckpt_rd *r, const struct ckpt_opts *o, uint32_t version,
    struct agg *a)
{
	uint32_t np = 1;
	int p;

	if (version >= 4 && (np = ckpt_get_u32(r)) != (uint32_t)o->npan)
		return ckpt_fail(r, "%lu panels, not %d", (unsigned long)np,
		    o->npan);
	for (p = 0; p < o->npan; p++)
		if (agg_load(&a[p], r, version) == -1)
			return -1;
	return 0;
}

/* the alerts: per key they set the keys' alerts bits in their panel's a */
static int
load_alerts(struct ckpt_rd *r, const struct ckpt_opts *o, uint32_t version,
    struct agg *pa, struct ckpt_coll *c)
{
	struct agg *a;
	struct alert_active *ac;
	struct agg_key *k;
	uint64_t n;
	uint32_t nt, rule;
	size_t i;
	int j;

	c->site_alerts = ckpt_get_u64(r);
	nt = ckpt_get_u32(r);
	if (r->failed)
		return -1;
	if (nt != (uint32_t)o->ntrules || (o->ntrules < 64 &&
	    (c->site_alerts >> o->ntrules) != 0))
		return ckpt_fail(r, "alerts of rules that are not there");
	for (j = 0; j < o->ntrules; j++)
		if (!ckpt_time_ok(c->since[j] = ckpt_get_i64(r)))
			return ckpt_fail(r, "a time out of range");
	n = ckpt_get_u64(r);
	if (ckpt_room(r, n, version >= 4 ? 24 : 20) == -1)
		return -1;
	if (n > 0 && (c->act = calloc(n, sizeof(*c->act))) == NULL)
		return ckpt_fail(r, "out of memory");
	for (i = 0; i < n; i++) {
		ac = &c->act[i];
		ac->panel = version >= 4 ? ckpt_get_u32(r) : 0;
		if (ac->panel >= (uint32_t)o->npan)
			return ckpt_fail(r, "an alert on no panel");
		a = &pa[ac->panel];
		ac->slot = ckpt_get_u32(r);
		ac->gen = ckpt_get_u32(r);
		rule = ckpt_get_u32(r);
		ac->since = ckpt_get_i64(r);
		if (r->failed)
			return -1;
		if (ac->slot >= a->hi || !a->keys[ac->slot].used ||
		    a->keys[ac->slot].gen != ac->gen ||
		    rule >= (uint32_t)o->nrules || !ckpt_time_ok(ac->since))
			return ckpt_fail(r, "an alert on no key or rule");
		ac->rule = (int)rule;
		k = &a->keys[ac->slot];
		if (k->alerts & (1ULL << ac->rule))
			return ckpt_fail(r, "an alert twice");
		k->alerts |= 1ULL << ac->rule;
		c->nact++;
	}
	return 0;
}

static int
load_events(struct ckpt_rd *r, const struct ckpt_opts *o, uint32_t version,
    struct ckpt_coll *c)
{
	struct alert_event *e;
	const char *key;
	uint64_t n, v;
	uint32_t rule, len, panel = 0;
	unsigned raise, present, haskey;
	size_t i;

	n = ckpt_get_u64(r);
	if (ckpt_room(r, n, version >= 4 ? 27 : 23) == -1)
		return -1;
	if (n > 0 && (c->ev = calloc(n, sizeof(*c->ev))) == NULL)
		return ckpt_fail(r, "out of memory");
	for (i = 0; i < n; i++) {
		e = &c->ev[i];
		raise = ckpt_get_u8(r);
		rule = ckpt_get_u32(r);
		if (version >= 4)
			panel = ckpt_get_u32(r);
		present = ckpt_get_u8(r);
		v = ckpt_get_u64(r);
		e->at = ckpt_get_i64(r);
		haskey = ckpt_get_u8(r);
		if (r->failed)
			return -1;
		if (raise > 1 || present > 1 || haskey > 1 ||
		    rule >= (uint32_t)(o->nrules + o->ntrules) ||
		    haskey != (rule < (uint32_t)o->nrules) ||
		    panel >= (uint32_t)o->npan || (!haskey && panel != 0) ||
		    !ckpt_time_ok(e->at))
			return ckpt_fail(r, "an event out of range");
		e->raise = (int)raise;
		e->panel = (int)panel;
		e->rule = (int)rule;
		e->present = (int)present;
		memcpy(&e->value, &v, sizeof(v));
		if (haskey) {
			if ((key = ckpt_get_str(r, &len)) == NULL)
				return -1;
			if ((e->key = malloc(len ? len : 1)) == NULL)
				return ckpt_fail(r, "out of memory");
			memcpy(e->key, key, len);
			e->keylen = len;
		}
		c->nev++;
	}
	return 0;
}

/* a string of the file into dst (size bytes with its NUL): printable */
static int
get_name(struct ckpt_rd *r, char *dst, size_t size, int empty_ok)
{
	const char *p;
	uint32_t len, i;

	if ((p = ckpt_get_str(r, &len)) == NULL)
		return -1;
	if (len >= size || (len == 0 && !empty_ok))
		return ckpt_fail(r, "a name of %lu bytes", (unsigned long)len);
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] < ' ' || (unsigned char)p[i] >= 0x7f)
			return ckpt_fail(r, "a name not printable");
	memcpy(dst, p, len);
	dst[len] = '\0';
	return 0;
}

static int
load_senders(struct ckpt_rd *r, struct ckpt_coll *c)
{
	struct ckpt_sender *s;
	uint32_t n, i, k, ns;
	int j, l;

	n = ckpt_get_u32(r);
	if (r->failed)
		return -1;
	if (n > CKPT_MAXSENDERS)
		return ckpt_fail(r, "%lu senders", (unsigned long)n);
	if (ckpt_room(r, n, 112) == -1)
		return -1;
	if (n > 0 && (c->snd = calloc(n, sizeof(*c->snd))) == NULL)
		return ckpt_fail(r, "out of memory");
	for (i = 0; i < n; i++) {
		s = &c->snd[i];
		if (get_name(r, s->name, sizeof(s->name), 0) == -1 ||
		    get_name(r, s->kind, sizeof(s->kind), 0) == -1 ||
		    get_name(r, s->addr, sizeof(s->addr), 1) == -1)
			return -1;
		for (l = 0; l < 4 && strcmp(s->kind, kinds[l]) != 0; l++)
			;
		if (l == 4)
			return ckpt_fail(r, "a sender of no known kind");
		for (k = 0; k < i; k++)
			if (strcmp(c->snd[k].name, s->name) == 0)
				return ckpt_fail(r, "a sender twice");
		s->records = ckpt_get_u64(r);
		s->msgs = ckpt_get_u64(r);
		s->bad = ckpt_get_u64(r);
		s->noschema = ckpt_get_u64(r);
		s->lost = ckpt_get_u64(r);
		s->repeated = ckpt_get_u64(r);
		s->reordered = ckpt_get_u64(r);
		s->dup = ckpt_get_u64(r);
		s->gaps = ckpt_get_u64(r);
		s->gapbytes = ckpt_get_u64(r);
		s->last = ckpt_get_i64(r);
		ns = ckpt_get_u32(r);
		if (r->failed)
			return -1;
		if (!ckpt_time_ok(s->last) || s->last == INT64_MIN)
			return ckpt_fail(r, "a time out of range");
		if (ns > CKPT_MAXSES)
			return ckpt_fail(r, "%lu sessions of a sender",
			    (unsigned long)ns);
		if (s->gapbytes < s->gaps)
			return ckpt_fail(r, "gaps of fewer bytes than gaps");
		s->nses = (int)ns;
		for (j = 0; j < s->nses; j++) {
			s->ses[j].id = ckpt_get_u32(r);
			s->ses[j].msgs = ckpt_get_u64(r);
			s->ses[j].taken = ckpt_get_u64(r);
			for (l = 0; l < j; l++)
				if (s->ses[l].id == s->ses[j].id)
					return ckpt_fail(r, "a session twice");
		}
		if (r->failed)
			return -1;
		c->nsnd++;
	}
	return 0;
}

int
ckpt_parse(const void *buf, size_t n, const struct ckpt_opts *o,
    struct agg *const *a, struct ckpt_coll *c, char *err, size_t errlen)
{
	const unsigned char *p = buf;
	struct ckpt_rd r;
	struct ckpt_coll nc;
	struct agg na[CKPT_MAXPANELS];
	uint64_t len;
	uint32_t type, want, v, nsect;
	int rv, i;

	memset(&r, 0, sizeof(r));
	r.err = err;
	r.errlen = errlen;
	if (n == 0)
		return ckpt_fail(&r, "empty: not an omph-collect checkpoint");
	if (n < 8 || memcmp(p, MAGIC, 8) != 0)
		return ckpt_fail(&r, "not an omph-collect checkpoint");
	if (n < CKPT_HEADER)
		return ckpt_fail(&r, "truncated: %zu bytes, not even a header", n);
	v = (uint32_t)(p[8] | p[9] << 8 | p[10] << 16 | (uint32_t)p[11] << 24);
	if (v < 1 || v > CKPT_VERSION)
		return ckpt_fail(&r, "version %lu; this omph-collect reads "
		    "versions 1 to %d", (unsigned long)v, CKPT_VERSION);
	nsect = v == 1 ? CKPT_NSECT1 : v == 2 ? CKPT_NSECT2 : CKPT_NSECT;
	if (p[12] | p[13] | p[14] | p[15])
		return ckpt_fail(&r, "flags this omph-collect does not know");
	len = rd64(p + 16);
	if (len > n)
		return ckpt_fail(&r, "truncated: %zu bytes of the %llu written",
		    n, (unsigned long long)len);
	if (len < n)
		return ckpt_fail(&r, "%zu bytes, %llu written: bytes after its end",
		    n, (unsigned long long)len);
	if (rd64(p + 24) != checksum(p, n))
		return ckpt_fail(&r, "checksum mismatch: the file is damaged");
	if (o->nrules > CKPT_MAXRULES || o->ntrules > CKPT_MAXRULES)
		return ckpt_fail(&r, "too many rules");
	if (o->npan < 1 || o->npan > CKPT_MAXPANELS)
		return ckpt_fail(&r, "%d panels", o->npan);

	memset(&nc, 0, sizeof(nc));
	orig_init(&nc.org);
	for (i = 0; i < o->npan; i++)
		if (agg_init(&na[i], o->pan[i].max_keys, o->window) == -1) {
			while (i-- > 0)
				agg_free(&na[i]);
			return ckpt_fail(&r, "out of memory");
		}
	r.p = p;
	r.len = n;
	r.off = CKPT_HEADER;
	for (want = 1; !r.failed && want <= nsect; want++) {
		struct ckpt_rd s;

		if (r.off == r.len) {
			ckpt_fail(&r, "section %s missing", names[want]);
			break;
		}
		type = ckpt_get_u32(&r);
		len = ckpt_get_u64(&r);
		if (r.failed)
			break;
		if (type < 1 || type > nsect) {
			ckpt_fail(&r, "a section of type %lu, unknown to this "
			    "omph-collect", (unsigned long)type);
			break;
		}
		if (type != want) {
			ckpt_fail(&r, "section %s %s", names[type], type < want ?
			    "twice" : "out of order");
			break;
		}
		if (len > r.len - r.off) {
			ckpt_fail(&r, "section %s truncated", names[type]);
			break;
		}
		s = r;
		s.len = r.off + (size_t)len;
		s.what = names[type];
		r.off = s.len;
		switch (type) {
		case CKPT_CONFIG: rv = load_config(&s, o, v); break;
		case CKPT_COUNTS: rv = load_counts(&s, &nc); break;
		case CKPT_AGG: rv = load_aggs(&s, o, v, na); break;
		case CKPT_ALERTS: rv = load_alerts(&s, o, v, na, &nc); break;
		case CKPT_EVENTS: rv = load_events(&s, o, v, &nc); break;
		case CKPT_SENDERS: rv = load_senders(&s, &nc); break;
		case CKPT_ORIGINS: rv = orig_load(&nc.org, &s); break;
		default: rv = agg_load_cum(&na[0], &s); break;
		}
		if (rv == 0 && !s.failed && s.off != s.len)
			ckpt_fail(&s, "%zu bytes left over", s.len - s.off);
		if (rv == -1 || s.failed) {
			if (!s.failed)	/* a reason for every failure */
				ckpt_fail(&s, "refused");
			r.failed = 1;
		}
	}
	if (!r.failed && r.off != r.len) {
		type = ckpt_get_u32(&r);
		ckpt_fail(&r, type >= 1 && type <= nsect ? "section %lu twice" :
		    "a section of type %lu, unknown to this omph-collect",
		    (unsigned long)type);
	}
	/* every panel counted every record: the same totals */
	for (i = 1; !r.failed && i < o->npan; i++)
		if (na[i].records != na[0].records || na[i].late != na[0].late ||
		    na[i].newest != na[0].newest || na[i].first != na[0].first ||
		    na[i].total.c.hits != na[0].total.c.hits)
			ckpt_fail(&r, "panels whose totals differ");
	if (r.failed) {
		for (i = 0; i < o->npan; i++)
			agg_free(&na[i]);
		ckpt_coll_free(&nc);
		return -1;
	}
	if (nsect < CKPT_CUM)
		agg_cum_from_total(&na[0]);	/* written before they were kept */
	for (i = 0; i < o->npan; i++) {
		na[i].cum = na[0].cum;
		na[i].drop = a[i]->drop;
		na[i].droparg = a[i]->droparg;
		agg_free(a[i]);
		*a[i] = na[i];
	}
	*c = nc;
	return 0;
}

int
ckpt_load(const char *file, const struct ckpt_opts *o, struct agg *const *a,
    struct ckpt_coll *c, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	int rv;

	if (out_load_file(file, SIZE_MAX / 4, &buf, &len) == -1) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s", out_load_error(errno));
		return -1;
	}
	rv = ckpt_parse(buf, len, o, a, c, err, errlen);
	free(buf);
	return rv;
}

void
ckpt_coll_free(struct ckpt_coll *c)
{
	size_t i;

	for (i = 0; i < c->nev; i++)
		free(c->ev[i].key);
	free(c->ev);
	free(c->act);
	free(c->snd);
	orig_free(&c->org);
	c->ev = NULL;
	c->act = NULL;
	c->snd = NULL;
	c->nev = c->nact = c->nsnd = 0;
}

/*
 * libFuzzer target: lib/alert (the rules of --alert and report metrics).
 *
 * The input up to its first NUL byte (or all of it) is a rule for
 * alert_parse, as a C string.  When it parses, the rule and every metric are
 * evaluated with alert_value and alert_holds on a zeroed struct agg_key and
 * on one filled from the bytes after the NUL (little endian: hits u32,
 * bytes u32, 2xx 3xx 4xx 5xx u16, err u16, span u16 seconds, then durations
 * in microseconds u32 each, added to the key's histogram).  Checked, as
 * alert.h says: a parsed rule names a metric and a finite value and keeps the
 * caller's string; values are finite and not negative; ratios are absent
 * without hits and quantiles without durations, everything else present;
 * p50 <= p90 <= p99; a rule holds exactly when its metric is present and
 * compares so.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "alert.h"
#include "hist.h"

static void
fail(const char *what, const char *rule)
{
	fprintf(stderr, "fuzz-alert: %s (rule \"%.200s\")\n", what, rule);
	abort();
}

static uint64_t
le(const uint8_t **p, const uint8_t *e, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n && *p < e; i++, (*p)++)
		v |= (uint64_t)**p << (8 * i);
	return v;
}

static void
check(const struct alert_rule *r, const struct agg_key *k, double span,
    int durations, const char *s)
{
	double v, q[3] = { 0, 0, 0 };
	int m, present, holds;

	for (m = 0; m < M_N; m++) {
		present = -1;
		v = alert_value(k, m, span, &present);
		if (present != 0 && present != 1)
			fail("alert_value: present not set", s);
		if (!isfinite(v) || v < 0 || (!present && v != 0))
			fail("alert_value: bad value", s);
		if ((m == M_4XX_RATIO || m == M_5XX_RATIO) &&
		    present != (k->c.hits > 0))
			fail("alert_value: ratio present without hits, or absent with",
			    s);
		else if (m >= M_P50 && m <= M_P99) {
			if (present != durations)
				fail("alert_value: quantile present without "
				    "durations, or absent with", s);
			q[m - M_P50] = v;
		} else if (m == M_VISITORS) {
			if (present != (k->v.p != 0))
				fail("alert_value: visitors present without a "
				    "sketch, or absent with", s);
		} else if (m != M_4XX_RATIO && m != M_5XX_RATIO && !present)
			fail("alert_value: a count absent", s);
		if (m == r->metric) {
			holds = alert_holds(r, k, span);
			if (holds != (present && (r->gt ? v > r->value :
			    v < r->value)))
				fail("alert_holds disagrees with alert_value", s);
		}
	}
	if (q[0] > q[1] || q[1] > q[2])
		fail("quantiles out of order", s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct alert_rule r;
	struct agg_key zero, k;
	const uint8_t *p, *e = data + size, *nul;
	char *s, err[256];
	double span;
	int i, durations = 0;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	err[0] = '\0';
	if (alert_parse(s, &r, err, sizeof(err)) == -1) {
		if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0')
			fail("alert_parse failed without a reason", s);
		free(s);
		return 0;
	}
	if (r.metric < 0 || r.metric >= M_N || !isfinite(r.value) ||
	    r.text != s || (r.gt != 0 && r.gt != 1))
		fail("alert_parse: a bad rule", s);
	if (alert_metric(alert_metric_names[r.metric],
	    strlen(alert_metric_names[r.metric])) != r.metric)
		fail("alert_metric: names and numbers disagree", s);

	memset(&zero, 0, sizeof(zero));
	check(&r, &zero, 0, 0, s);
	check(&r, &zero, 60, 0, s);

	memset(&k, 0, sizeof(k));
	nul = memchr(data, '\0', size);
	p = nul != NULL ? nul + 1 : e;
	k.c.hits = le(&p, e, 4);
	k.c.bytes = le(&p, e, 4);
	for (i = 0; i < 4; i++)
		k.c.cls[i] = le(&p, e, 2);
	k.err = le(&p, e, 2);
	span = (double)le(&p, e, 2);
	/* visitors: a sketch of that many clients, or none */
	if ((i = (int)le(&p, e, 1)) > 0) {
		if (hll_init(&k.v, AGG_VIS_P, 0) == -1)
			fail("hll_init", s);
		while (i-- > 0 && hll_add(&k.v, hll_hash(&i, sizeof(i)), 0) == 0)
			;
		k.vis = hll_count(&k.v, 0);
	}
	while (e - p >= 4) {
		if (hist_add(&k.h, hist_bucket(le(&p, e, 4)), 1) == -1)
			break;
		durations = 1;
	}
	check(&r, &k, span, durations, s);
	hist_free(&k.h);
	hll_free(&k.v);
	free(s);
	return 0;
}

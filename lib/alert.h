/*
 * alert: report metrics and the rules of --alert.
 *
 * A metric is one number of a key (or of the whole site) over the window or
 * all input: hits, rate (hits per second over span seconds), bytes, 2xx
 * 3xx 4xx 5xx (counts), 4xx_ratio, 5xx_ratio (of hits), p50 p90 p99
 * (duration quantiles in seconds; absent without durations), err (the
 * Space-Saving over-count bound), visitors (distinct clients, as estimated
 * by the last agg_visitors; absent when no record had a client).  A rule is "METRIC>VALUE" or
 * "METRIC<VALUE"; it holds when the metric is present and compares so.
 */
#ifndef ALERT_H
#define ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "agg.h"

enum {
	M_HITS, M_RATE, M_BYTES, M_2XX, M_3XX, M_4XX, M_5XX, M_4XX_RATIO,
	M_5XX_RATIO, M_P50, M_P90, M_P99, M_ERR, M_VISITORS, M_N
};

extern const char *const alert_metric_names[M_N];

struct alert_rule {
	int metric;
	int gt;			/* 1: '>', 0: '<' */
	double value;
	const char *text;	/* the rule as given: the caller's string */
};

/*
 * An alert raised or resolved, waiting for the next snapshot.  rule is the
 * index of an --alert rule, or the number of those plus the index of an
 * --alert-total rule; key (keylen bytes, malloc'ed, owned by the event) is
 * NULL exactly for a total rule.
 */
struct alert_event {
	int raise;			/* 1 raise, 0 resolve */
	int rule;
	int panel;			/* the key's panel; 0 for a total rule */
	char *key;
	uint32_t keylen;
	double value;
	int present;			/* value is not absent */
	int64_t at;
};

/* an --alert rule holding for a key now: the key is its panel's agg slot
 * and gen */
struct alert_active {
	uint32_t panel, slot, gen;
	int rule;
	int64_t since;			/* when it was raised */
};

/* Metric by name, or -1. */
int alert_metric(const char *name, size_t len);
/* Parse "METRIC>VALUE"; -1 with a reason in err. */
int alert_parse(const char *s, struct alert_rule *r, char *err, size_t errlen);
/* Every metric of k over span seconds: v[m], present[m] (alert_value). */
void alert_values(const struct agg_key *k, double span, double *v,
    int *present);
/* The metric of k over span seconds; 0 when absent (*present = 0). */
double alert_value(const struct agg_key *k, int metric, double span,
    int *present);
/* 1 when r holds for k. */
int alert_holds(const struct alert_rule *r, const struct agg_key *k,
    double span);

#endif

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"

const char *const alert_metric_names[M_N] = {
	"hits", "rate", "bytes", "2xx", "3xx", "4xx", "5xx", "4xx_ratio",
	"5xx_ratio", "p50", "p90", "p99", "err", "visitors"
};

int
alert_metric(const char *name, size_t len)
{
	int i;

	for (i = 0; i < M_N; i++)
		if (strlen(alert_metric_names[i]) == len &&
		    memcmp(alert_metric_names[i], name, len) == 0)
			return i;
	return -1;
}

int
alert_parse(const char *s, struct alert_rule *r, char *err, size_t errlen)
{
	const char *op = strpbrk(s, "<>");
	char *end;

	memset(r, 0, sizeof(*r));
	if (op == NULL) {
		snprintf(err, errlen, "%s: not METRIC>VALUE or METRIC<VALUE", s);
		return -1;
	}
	if ((r->metric = alert_metric(s, (size_t)(op - s))) < 0) {
		snprintf(err, errlen, "%s: unknown metric %.*s", s, (int)(op - s), s);
		return -1;
	}
	r->gt = *op == '>';
	errno = 0;
	r->value = strtod(op + 1, &end);
	if (op[1] == '\0' || *end != '\0' || errno != 0 || !isfinite(r->value)) {
		snprintf(err, errlen, "%s: %s is not a number", s, op + 1);
		return -1;
	}
	r->text = s;
	return 0;
}

double
alert_value(const struct agg_key *k, int metric, double span, int *present)
{
	double q;

	*present = 1;
	switch (metric) {
	case M_HITS:
		return (double)k->c.hits;
	case M_RATE:
		return span > 0 ? (double)k->c.hits / span : 0;
	case M_BYTES:
		return (double)k->c.bytes;
	case M_2XX:
	case M_3XX:
	case M_4XX:
	case M_5XX:
		return (double)k->c.cls[metric - M_2XX];
	case M_4XX_RATIO:
	case M_5XX_RATIO:
		if (k->c.hits == 0)
			break;
		return (double)k->c.cls[metric == M_4XX_RATIO ? 2 : 3] /
		    (double)k->c.hits;
	case M_P50:
	case M_P90:
	case M_P99:
		q = hist_quantile(&k->h, metric == M_P50 ? 0.5 : metric == M_P90 ?
		    0.9 : 0.99);
		if (q < 0)
			break;
		return q;
	case M_ERR:
		return (double)k->err;
	case M_VISITORS:
		if (k->v.p == 0)
			break;
		return (double)(uint64_t)(k->vis + 0.5);	/* a count */
	}
	*present = 0;
	return 0;
}

int
alert_holds(const struct alert_rule *r, const struct agg_key *k, double span)
{
	int present;
	double v = alert_value(k, r->metric, span, &present);

	return present && (r->gt ? v > r->value : v < r->value);
}

void
alert_values(const struct agg_key *k, double span, double *v, int *present)
{
	int m;

	for (m = 0; m < M_N; m++)
		v[m] = alert_value(k, m, span, &present[m]);
}

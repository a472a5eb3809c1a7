#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "prom.h"
#include "rec.h"

void
prom_family(struct out *o, const char *name, const char *type,
    const char *help)
{
	out_puts(o, "# HELP ");
	out_puts(o, name);
	out_putc(o, ' ');
	/* help text: backslash and LF escaped */
	for (; *help != '\0'; help++) {
		if (*help == '\\')
			out_write(o, "\\\\", 2);
		else if (*help == '\n')
			out_write(o, "\\n", 2);
		else
			out_putc(o, *help);
	}
	out_puts(o, "\n# TYPE ");
	out_puts(o, name);
	out_putc(o, ' ');
	out_puts(o, type);
	out_putc(o, '\n');
}

static void
labels(struct out *o, const struct prom_label *l, int n)
{
	const unsigned char *p, *e;
	size_t k;
	int i;

	if (n == 0)
		return;
	out_putc(o, '{');
	for (i = 0; i < n; i++) {
		if (i > 0)
			out_putc(o, ',');
		out_puts(o, l[i].name);
		out_write(o, "=\"", 2);
		p = (const unsigned char *)l[i].val;
		for (e = p + l[i].vlen; p < e; p += k) {
			if (*p == '\\' || *p == '"') {
				out_putc(o, '\\');
				out_putc(o, (char)*p);
				k = 1;
			} else if (*p == '\n') {
				out_write(o, "\\n", 2);
				k = 1;
			} else if (*p < 0x80) {
				out_putc(o, (char)*p);
				k = 1;
			} else if ((k = rec_utf8_len(p, (size_t)(e - p))) == 0) {
				out_write(o, "\xef\xbf\xbd", 3);
				k = 1;
			} else
				out_write(o, p, k);
		}
		out_putc(o, '"');
	}
	out_putc(o, '}');
}

/* a sample's line: name, labels, then the value's text v */
static void
sample(struct out *o, const char *name, const struct prom_label *l, int n,
    const char *v)
{
	out_puts(o, name);
	labels(o, l, n);
	out_putc(o, ' ');
	out_puts(o, v);
	out_putc(o, '\n');
}

void
prom_u64(struct out *o, const char *name, const struct prom_label *l, int n,
    uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	sample(o, name, l, n, num);
}

void
prom_f64(struct out *o, const char *name, const struct prom_label *l, int n,
    double v)
{
	char num[40];

	if (isnan(v))
		snprintf(num, sizeof(num), "NaN");
	else if (isinf(v))
		snprintf(num, sizeof(num), v > 0 ? "+Inf" : "-Inf");
	else
		snprintf(num, sizeof(num), "%.17g", v);
	sample(o, name, l, n, num);
}

void
prom_hist(struct out *o, const char *name, const double *le,
    const uint64_t *count, int nb, double sum)
{
	struct prom_label l = { "le", NULL, 0 };
	char full[128], bound[32];
	uint64_t cum = 0;
	int i;

	snprintf(full, sizeof(full), "%s_bucket", name);
	for (i = 0; i <= nb; i++) {
		cum += count[i];
		if (i < nb)
			snprintf(bound, sizeof(bound), "%g", le[i]);
		else
			snprintf(bound, sizeof(bound), "+Inf");
		l.val = bound;
		l.vlen = strlen(bound);
		prom_u64(o, full, &l, 1, cum);
	}
	snprintf(full, sizeof(full), "%s_sum", name);
	prom_f64(o, full, NULL, 0, sum);
	snprintf(full, sizeof(full), "%s_count", name);
	prom_u64(o, full, NULL, 0, cum);
}

void
prom_counter(struct out *o, const char *name, const char *help, uint64_t v)
{
	prom_family(o, name, "counter", help);
	prom_u64(o, name, NULL, 0, v);
}

#include <stdio.h>
#include <string.h>

#include "tfmt.h"

void
tfmt_count(char *b, size_t n, double v, int width)
{
	static const char sfx[] = "kMGTPE";
	int i = -1;

	snprintf(b, n, "%.0f", v);
	while ((int)strlen(b) > width && i < 5) {
		v /= 1000;
		i++;
		snprintf(b, n, v < 9.95 ? "%.1f%c" : "%.0f%c", v, sfx[i]);
	}
}

void
tfmt_bytes(char *b, size_t n, double v)
{
	static const char sfx[] = "KMGTPE";
	int i = -1;

	if (v < 1024) {
		snprintf(b, n, "%.0f", v);
		return;
	}
	while (v >= 1024 && i < 5) {
		v /= 1024;
		i++;
	}
	snprintf(b, n, v < 9.95 ? "%.1f%c" : "%.0f%c", v, sfx[i]);
}

/*
 * A rate of hits (or records) per second, for the eye: per second from 1/s
 * up, else per minute, per hour or per day, whichever is 1 or more, so no
 * exponent and at most 8 columns ("59.9/min"); below 0.01 a day, "<0.01/d".
 */
void
tfmt_rate(char *b, size_t n, double v)
{
	static const struct {
		double secs;
		const char *unit;
	} u[] = { { 1, "/s" }, { 60, "/min" }, { 3600, "/h" }, { 86400, "/d" } };
	char c[32];
	double x = 0;
	size_t i;

	if (v <= 0) {
		snprintf(b, n, "0/s");
		return;
	}
	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if ((x = v * u[i].secs) >= 1)
			break;
	if (i == sizeof(u) / sizeof(u[0])) {
		i--;
		if (x < 0.005) {
			snprintf(b, n, "<0.01/d");
			return;
		}
	}
	if (x >= 999.5)
		tfmt_count(c, sizeof(c), x, 4);
	else
		snprintf(c, sizeof(c), x >= 99.95 ? "%.0f" : x >= 9.995 ? "%.1f" :
		    "%.2f", x);
	snprintf(b, n, "%s%s", c, u[i].unit);
}

/*
 * A value, such as an alert's metric, in up to 4 significant digits and
 * without an exponent: trailing zeros dropped; below 0.000001, "<0.000001".
 */
void
tfmt_num(char *b, size_t n, double v)
{
	double a = v < 0 ? -v : v, x;
	size_t len;
	int d;

	if (v == 0 || a >= 1e15) {
		snprintf(b, n, "%.0f", v);
		return;
	}
	if (a < 0.0000005) {
		snprintf(b, n, v < 0 ? "-<0.000001" : "<0.000001");
		return;
	}
	for (d = 3, x = a; x >= 10 && d > 0; x /= 10)
		d--;
	for (x = a; x < 1 && d < 6; x *= 10)
		d++;
	snprintf(b, n, "%.*f", d, v);
	if (strchr(b, '.') != NULL) {
		len = strlen(b);
		while (len > 0 && b[len - 1] == '0')
			b[--len] = '\0';
		if (len > 0 && b[len - 1] == '.')
			b[--len] = '\0';
	}
}

void
tfmt_secs(char *b, size_t n, double v)
{
	if (v < 0.001)
		snprintf(b, n, "%.0fus", v * 1e6);
	else if (v < 1)
		snprintf(b, n, "%.0fms", v * 1e3);
	else if (v < 100)
		snprintf(b, n, "%.2fs", v);
	else
		snprintf(b, n, "%.0fs", v);
}

void
tfmt_pct(char *b, size_t n, double ratio)
{
	double p = ratio * 100;

	if (p == 0)
		snprintf(b, n, "0%%");
	else if (p < 0.01)
		snprintf(b, n, "<0.01%%");
	else if (p < 10)
		snprintf(b, n, "%.2f%%", p);
	else
		snprintf(b, n, "%.1f%%", p);
}

void
tfmt_age(char *b, size_t n, double s)
{
	long v = s < 0 ? 0 : (long)s;

	if (v < 60)
		snprintf(b, n, "%lds", v);
	else if (v < 3600)
		snprintf(b, n, "%ldm%02lds", v / 60, v % 60);
	else if (v < 86400)
		snprintf(b, n, "%ldh%02ldm", v / 3600, v % 3600 / 60);
	else
		snprintf(b, n, "%ldd%02ldh", v / 86400, v % 86400 / 3600);
}

/* HH:MM:SS of an ISO time, else the text itself */
const char *
tfmt_short_time(const char *iso, size_t *n)
{
	*n = strlen(iso);
	if (*n >= 19 && iso[10] == 'T' && iso[13] == ':') {
		*n = 8;
		return iso + 11;
	}
	return iso;
}


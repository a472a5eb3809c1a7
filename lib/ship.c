/*
 * ship: the header, syslog messages, counts and notes every sender of
 * omph-send shares (lib/ship.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ship.h"
#include "tm.h"
#include "wire.h"

void
ship_init(struct ship *s)
{
	memset(s, 0, sizeof(*s));
	s->ocol = -1;
	s->tsec = INT64_MIN;
}

void
ship_free(struct ship *s)
{
	free(s->hdr);
	s->hdr = NULL;
	s->hdrlen = s->hdrcap = 0;
}

void
ship_say(struct ship *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (s->note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	s->note(s->arg, buf);
}

void
ship_cut(struct ship *s, size_t at)
{
	s->cut++;
	if (++s->reports <= SHIP_MAX_REPORTS) {
		ship_say(s, "stdin:%" PRIu64 ": line longer than %zu bytes cut",
		    s->lineno, at);
		if (s->reports == SHIP_MAX_REPORTS)
			ship_say(s, "further cut lines are only counted");
	}
}

int
ship_origin_col(const char *p, size_t len)
{
	const char *e = p + len, *f = p + 1, *t;
	int i;

	for (i = 0; f <= e; i++, f = t + 1) {
		if ((t = memchr(f, '\t', (size_t)(e - f))) == NULL)
			t = e;
		if (t - f == 6 && memcmp(f, "origin", 6) == 0)
			return i;
	}
	return -1;
}

int
ship_header(struct ship *s, const char *p, size_t len)
{
	char *h;

	if (len > s->hdrcap) {
		if ((h = realloc(s->hdr, len)) == NULL)
			return -1;
		s->hdr = h;
		s->hdrcap = len;
	}
	memcpy(s->hdr, p, len);
	s->hdrlen = len;
	s->schema = wire_schema(p, len);
	s->ocol = ship_origin_col(p, len);
	return 0;
}

/*
 * The part before the line changes only with the second and the header:
 * it is formatted then, and copied for every line.
 */
size_t
ship_syslog(struct ship *s, char *p, size_t cap, const char *line, size_t len)
{
	int64_t t = (int64_t)time(NULL);
	char procid[32], ts[TM_ISOMAX];
	size_t n;

	if (t != s->tsec || s->schema != s->pfx_schema || s->pfxlen == 0) {
		s->tsec = t;
		s->pfx_schema = s->schema;
		ts[tm_iso(t, ts)] = '\0';	/* tm_iso writes no NUL */
		snprintf(procid, sizeof(procid), "%08" PRIx32 ".%08" PRIx32,
		    s->session, s->schema);
		s->pfxlen = wire_put_syslog(s->pfx, sizeof(s->pfx),
		    SHIP_SYSLOG_PRI, ts, s->id, "omph", procid, "", 0);
	}
	if (cap < s->pfxlen)
		return 0;
	memcpy(p, s->pfx, s->pfxlen);
	n = len < cap - s->pfxlen ? len : cap - s->pfxlen;
	/* a cut line ends on a character, not inside a UTF-8 sequence */
	while (n > 0 && n < len && ((unsigned char)line[n] & 0xc0) == 0x80)
		n--;
	memcpy(p + s->pfxlen, line, n);
	if (n < len)
		ship_cut(s, cap);
	return s->pfxlen + n;
}

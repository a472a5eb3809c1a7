/*
 * libFuzzer target: lib/logfmt (Apache LogFormat / nginx log_format).
 *
 * The first byte chooses the program (its low three bits):
 *	0 clf, 1 combined, 2 vcombined (the presets, via lf_preset);
 *	3-5 an Apache LogFormat string, 6-7 an nginx log_format string: the
 *	    rest of the first line, compiled with lf_compile (a compile error
 *	    is a fine outcome);
 * every following line is matched with lf_parse, each line in a buffer of
 * its own of exactly len + 1 bytes (line[len] is writable, as logfmt.h
 * allows).  A matched record is written with rec_put_row and rec_put_json
 * into memory, as omph-parse would, and the row must keep its column count
 * and carry no control byte.  Each line is matched twice, by the SIMD
 * paths and by the portable ones (rec_set_scalar): both must agree, on the
 * record written or on the reason given.  Seeds are readable: '0' clf, '1' combined,
 * '2' vcombined, '3' Apache, '6' nginx.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logfmt.h"
#include "out.h"
#include "rec.h"

#define FUZZ_NAME "fuzz-logfmt"
#include "check.h"

static struct out *o;

static void
record(const struct rec_schema *sch, const struct rec_val *vals)
{
	const struct rec_val *row[REC_MAXF];
	size_t mark = o->memlen, n, tabs;
	const char *w;
	int i;

	for (i = 0; i < sch->n; i++)
		row[i] = &vals[i];
	rec_put_row(o, row, sch->n);
	if (out_flush(o) == -1)
		abort();
	w = o->mem + mark;
	n = o->memlen - mark;
	if (n < 1 || w[n - 1] != '\n' || !clean_text(w, n - 1, &tabs) ||
	    tabs != (size_t)sch->n - 1)
		fail("the record written is not one clean row", w, n);
	for (i = 0; i < sch->n; i++)
		rec_put_json(o, &vals[i], strcmp(sch->names[i], "status") == 0 ||
		    strcmp(sch->names[i], "bytes") == 0);
	out_mem_reset(o);		/* keep memory bounded */
	if (out_flush(o) == -1)
		abort();
	out_mem_reset(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const presets[] = { "clf", "combined", "vcombined" };
	struct rec_val vals[REC_MAXF];
	const struct rec_schema *sch;
	struct lf_prog *pg;
	static char row1[65536], row2[65536];
	char *buf, *p, *e, *nl, *fmt, *l, err[256], why[256], why2[256];
	size_t len, n2 = 0;
	int mode, i, rv, rv2;

	if (size == 0)
		return 0;
	if (o == NULL && (o = malloc(sizeof(*o))) == NULL)
		abort();
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	mode = buf[0] & 7;
	p = buf + 1;
	e = buf + size;
	err[0] = '\0';
	if (mode < 3) {
		const char *s = lf_preset(presets[mode]);

		if (s == NULL)
			fail("no preset", presets[mode], strlen(presets[mode]));
		pg = lf_compile(s, LF_APACHE, err, sizeof(err));
		if (pg == NULL)
			fail("a preset does not compile", err, strlen(err));
	} else {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		len = (size_t)(nl - p);
		/* the format as a C string of its own (NUL bytes end it) */
		if ((fmt = malloc(len + 1)) == NULL) {
			free(buf);
			return 0;
		}
		memcpy(fmt, p, len);
		fmt[len] = '\0';
		pg = lf_compile(fmt, mode < 6 ? LF_APACHE : LF_NGINX, err,
		    sizeof(err));
		free(fmt);
		p = nl + 1;
		if (pg == NULL) {
			if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0')
				fail("lf_compile failed without a message", "", 0);
			free(buf);
			return 0;
		}
	}
	sch = lf_schema(pg);
	if (sch->n < 1 || sch->n > REC_MAXF)
		fail("schema size out of range", "", 0);
	for (i = 0; i < sch->n; i++)
		if (sch->names[i] == NULL || sch->names[i][0] == '\0')
			fail("schema with an empty column name", "", 0);
	out_init_mem(o);
	for (; p < e; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		len = (size_t)(nl - p);
		if ((l = malloc(len + 1)) == NULL)
			break;
		memcpy(l, p, len);
		l[len] = '\n';
		why[0] = why2[0] = '\0';
		rec_set_scalar(1);
		rv2 = lf_parse(pg, l, len, vals, why2, sizeof(why2));
		if (rv2 == 0)
			n2 = row_text(o, vals, sch->n, row2, sizeof(row2));
		rec_set_scalar(0);
		if ((rv = lf_parse(pg, l, len, vals, why, sizeof(why))) == 0) {
			if (rv2 != 0 || row_text(o, vals, sch->n, row1, sizeof(row1)) !=
			    n2 || memcmp(row1, row2, n2 < sizeof(row1) ? n2 :
			    sizeof(row1)) != 0)
				fail("the SIMD and the portable matchers differ", p,
				    len);
			record(sch, vals);
		} else if (memchr(why, '\0', sizeof(why)) == NULL || why[0] == '\0')
			fail("lf_parse failed without a reason", p, len);
		else if (rv2 == 0 || strcmp(why, why2) != 0)
			fail("the SIMD and the portable matchers differ", p, len);
		free(l);
	}
	out_free(o);
	lf_free(pg);
	free(buf);
	return 0;
}

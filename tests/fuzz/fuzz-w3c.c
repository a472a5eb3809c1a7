/*
 * libFuzzer target: lib/w3c (W3C extended log files).
 *
 * One struct w3c per input; every line, directive or data, goes to
 * w3c_line.  A record is written with rec_put_row and rec_put_json into
 * memory, as omph-parse would, and must keep its column count and carry no
 * control byte.  A second struct w3c gets every line too, matched by the
 * portable paths (rec_set_scalar): both must agree on what each line is,
 * on the record written and on the reason given.
 *
 * Each line is placed so that line[len] (writable, as w3c.h allows) is the
 * last byte before an inaccessible page, and the bytes before the line are
 * poisoned for AddressSanitizer.  A read past line[len] then faults even
 * when libc does it (glibc's own string scans inside sscanf, strto* are not
 * instrumented), and instrumented code reading before the line is reported
 * by ASan as usual.
 */
#include <sys/mman.h>

#include <sanitizer/asan_interface.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out.h"
#include "rec.h"
#include "w3c.h"

#define FUZZ_NAME "fuzz-w3c"
#include "check.h"

#define FENCE (1024 * 1024)	/* longest fenced line + 1; longer: malloc */

static struct out *o;
static char *fence;		/* FENCE bytes, then a PROT_NONE page */

static void
setup(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m;

	if ((o = malloc(sizeof(*o))) == NULL)
		abort();
	m = mmap(NULL, FENCE + (size_t)pg, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || mprotect(m + FENCE, (size_t)pg, PROT_NONE) == -1)
		abort();
	fence = m;
	ASAN_POISON_MEMORY_REGION(fence, FENCE);
}

/* a copy of p[0..len) whose byte len is the last accessible one */
static char *
place(const char *p, size_t len, int *heap)
{
	char *l;

	*heap = len + 1 > FENCE;
	if (*heap) {
		if ((l = malloc(len + 1)) == NULL)
			abort();
	} else {
		/* the fence stays poisoned but for the line (ASan's shadow is
		 * per 8 bytes: up to 7 bytes before it may stay readable) */
		l = fence + FENCE - (len + 1);
		ASAN_UNPOISON_MEMORY_REGION(l, len + 1);
	}
	memcpy(l, p, len);
	l[len] = '\n';
	return l;
}

static void
record(const struct rec_schema *sch, const struct rec_val *vals)
{
	size_t n, tabs;
	const char *w;
	int i;

	if (sch->n < 1 || sch->n > REC_MAXF)
		fail("a record under a schema without columns", "", 0);
	n = row_text(o, vals, sch->n, NULL, 0);
	w = o->mem;
	if (n < 1 || w[n - 1] != '\n' || !clean_text(w, n - 1, &tabs) ||
	    tabs != (size_t)sch->n - 1)
		fail("the record written is not one clean row", w, n);
	for (i = 0; i < sch->n; i++)
		rec_put_json(o, &vals[i], strcmp(sch->names[i], "status") == 0);
	if (out_flush(o) == -1)
		abort();
	out_mem_reset(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char row1[65536], row2[65536];
	struct rec_val vals[REC_MAXF];
	struct w3c *w, *w2;
	char *buf, *p, *e, *nl, *l, *l2, why[256], why2[256];
	size_t len, n2 = 0;
	int heap, rv, rv2;

	if (o == NULL)
		setup();
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if ((w = w3c_new()) == NULL || (w2 = w3c_new()) == NULL) {
		w3c_free(w);
		free(buf);
		return 0;
	}
	out_init_mem(o);
	for (p = buf, e = buf + size; p < e; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		len = (size_t)(nl - p);
		if ((l2 = malloc(len + 1)) == NULL)
			abort();
		memcpy(l2, p, len);
		l2[len] = '\n';
		why2[0] = '\0';
		rec_set_scalar(1);
		rv2 = w3c_line(w2, l2, len, vals, why2, sizeof(why2));
		if (rv2 == W3C_RECORD)
			n2 = row_text(o, vals, w3c_schema(w2)->n, row2,
			    sizeof(row2));
		rec_set_scalar(0);
		free(l2);
		l = place(p, len, &heap);
		why[0] = '\0';
		rv = w3c_line(w, l, len, vals, why, sizeof(why));
		if (rv != rv2 || (rv == -1 && strcmp(why, why2) != 0) ||
		    (rv == W3C_RECORD && (row_text(o, vals, w3c_schema(w)->n,
		    row1, sizeof(row1)) != n2 || memcmp(row1, row2, n2 < sizeof(row1) ? n2 :
			    sizeof(row1)) != 0)))
			fail("the SIMD and the portable paths differ", p, len);
		if (rv == W3C_RECORD)
			record(w3c_schema(w), vals);
		else if (rv == -1 && (memchr(why, '\0', sizeof(why)) == NULL ||
		    why[0] == '\0'))
			fail("w3c_line failed without a reason", p, len);
		else if (rv != W3C_DIRECTIVE && rv != -1)
			fail("w3c_line returned something else", p, len);
		if (heap)
			free(l);
		else
			ASAN_POISON_MEMORY_REGION(l, len + 1);
	}
	out_free(o);
	w3c_free(w);
	w3c_free(w2);
	free(buf);
	return 0;
}

/*
 * libFuzzer target: the snapshot reader (lib/snap.c) as omph-top uses it,
 * and omph-top's batch frames, static in cmd/omph-top.c, which is included
 * whole (its main renamed).  The first input byte sets the frame width (1 to 256); the
 * rest is a snapshot stream, fed line by line to parse_line as omph-top
 * reads it, each complete snapshot drawn as a text frame into memory.
 * Checked: no crash, no leak, no undefined behaviour, and every frame line
 * is printable text (nothing from the stream reaches a terminal raw).
 */
#define main omph_top_main
#include "../../cmd/omph-top.c"
#undef main

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static int init;
	const uint8_t *p, *e, *nl;
	struct top *t;
	char *line;
	size_t i, len;

	if (!init) {
		setlocale(LC_ALL, "C.UTF-8");
		setlocale(LC_NUMERIC, "C");
		init = 1;
	}
	if (n == 0)
		return 0;
	opt_batch = 1;
	opt_count = 0;
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->al.a = calloc(MAXALERTS, sizeof(*t->al.a))) == NULL ||
	    (t->out = malloc(sizeof(*t->out))) == NULL)
		abort();
	out_init_mem(t->out);
	t->utf8 = 1;
	t->cur = &t->sn[0];
	t->last = &t->sn[1];
	t->pend = &t->sn[2];
	t->sel = 1;
	t->in.fd = -1;
	t->in.name = "fuzz";
	t->in.state = IN_LIVE;
	t->width = 1 + d[0];
	for (p = d + 1, e = d + n; p < e; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		len = (size_t)(nl - p);
		/* a line of its own, as long as it is: ASan sees overreads */
		if ((line = malloc(len + 1)) == NULL)
			abort();
		memcpy(line, p, len);
		line[len] = '\n';
		parse_line(t, line, len, 0, (double)(p - d));
		free(line);
	}
	if (out_flush(t->out) == -1)
		abort();
	for (i = 0; i < t->out->memlen; i++) {
		unsigned char c = (unsigned char)t->out->mem[i];

		if (c == 0x1b || (c < 0x20 && c != '\n') || c == 0x7f) {
			fprintf(stderr, "fuzz-snapshot: a raw control byte 0x%02x "
			    "in a frame\n", c);
			abort();
		}
	}
	out_free(t->out);
	free(t->out);
	top_free(t);
	return 0;
}

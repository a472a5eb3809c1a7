/*
 * libFuzzer target: lib/pos (the --acked file of omph-send and omph-tail).
 *
 * The input is parsed with pos_parse.  Checked, as pos.h says: a file that
 * is refused leaves the table empty and gives a reason; one that is taken
 * holds at most POS_MAX streams, none with id or position 0, each found by
 * pos_get.  A taken table is saved with pos_save (into a private directory
 * under /dev/shm or /tmp) and loaded again, and must come back the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pos.h"

static char dir[64], saved[96];

static void
cleanup(void)
{
	char tmp[128];

	unlink(saved);
	snprintf(tmp, sizeof(tmp), "%s.tmp", saved);
	unlink(tmp);
	rmdir(dir);
}

static void
fail(const char *what, const char *err)
{
	fprintf(stderr, "fuzz-pos: %s%s%s\n", what, err ? ": " : "",
	    err ? err : "");
	if (dir[0] != '\0')
		cleanup();	/* abort() skips atexit */
	abort();
}

static void
setup(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	snprintf(dir, sizeof(dir), "%s/omph-fuzz-pos.XXXXXX", base);
	if (mkdtemp(dir) == NULL)
		fail("mkdtemp", NULL);
	snprintf(saved, sizeof(saved), "%s/acked", dir);
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pos p, q;
	char err[256];
	size_t i, n;

	if (dir[0] == '\0')
		setup();
	err[0] = '\0';
	if (pos_parse(&p, (const char *)data, size, err, sizeof(err)) == -1) {
		if (p.n != 0 || p.e != NULL)
			fail("a refused file left streams", err);
		if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0')
			fail("refused without a reason", NULL);
		return 0;
	}
	if (p.n > POS_MAX)
		fail("more streams than POS_MAX", NULL);
	for (i = n = 0; i < p.cap; i++) {
		if (p.e[i].id == 0)
			continue;
		n++;
		if (p.e[i].end == 0)
			fail("a stream at position 0", NULL);
		if (pos_get(&p, p.e[i].id) != p.e[i].end)
			fail("pos_get misses a stream", NULL);
	}
	if (n != p.n)
		fail("the count is not the streams'", NULL);
	if (pos_save(&p, saved) == -1)
		fail("pos_save", NULL);
	if (pos_load(&q, saved, err, sizeof(err)) == -1)
		fail("a saved file does not load", err);
	if (q.n != p.n)
		fail("a saved file loads with another number of streams", NULL);
	for (i = 0; i < p.cap; i++)
		if (p.e[i].id != 0 && pos_get(&q, p.e[i].id) != p.e[i].end)
			fail("a saved file loads different", NULL);
	pos_free(&q);
	pos_free(&p);
	unlink(saved);
	return 0;
}

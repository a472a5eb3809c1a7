/*
 * libFuzzer target: lib/state (omph-tail's offsets file).
 *
 * The input is written to a memfd and loaded with state_load through
 * /proc/self/fd/N into a zeroed struct state.  Checked, as state.h says: a
 * file that does not load leaves the state empty; one that loads has
 * entries with a non-empty path, hlen <= STATE_HEAD, tlen <= STATE_TAIL,
 * tlen <= offset and base <= offset, an id that is 0 only for "no file" (device and inode 0;
 * entries of versions 1 and 2 get one), no current entry twice for a path,
 * no rotated entry twice for a path, device and inode.  A loaded state is then saved with
 * state_save (into a private directory under /dev/shm or /tmp) and loaded
 * again, and must come back the same, ids and bases included (a saved
 * file is of version 4).
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"

static char dir[64], saved[96];

static void
cleanup(void)
{
	char tmp[128];

	unlink(saved);
	/* a temporary file state_save may have left */
	snprintf(tmp, sizeof(tmp), "%s.tmp", saved);
	unlink(tmp);
	rmdir(dir);
}

static void
fail(const char *what, const char *err)
{
	fprintf(stderr, "fuzz-state: %s%s%s\n", what, err ? ": " : "",
	    err ? err : "");
	if (dir[0] != '\0')
		cleanup();	/* abort() skips atexit */
	abort();
}

static void
setup(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	snprintf(dir, sizeof(dir), "%s/omph-fuzz-state.XXXXXX", base);
	if (mkdtemp(dir) == NULL)
		fail("mkdtemp", NULL);
	snprintf(saved, sizeof(saved), "%s/state", dir);
	atexit(cleanup);
}

static void
check(const struct state *st)
{
	size_t i, j;

	for (i = 0; i < st->n; i++) {
		const struct state_ent *e = &st->e[i];

		if (e->path == NULL || e->path[0] == '\0')
			fail("an entry without a path", NULL);
		if (e->hlen > STATE_HEAD || e->tlen > STATE_TAIL ||
		    e->tlen > e->off || e->base > e->off)
			fail("an entry out of range", e->path);
		if (e->id == 0 && (e->dev != 0 || e->ino != 0))
			fail("an entry of a file without an id", e->path);
		if (!e->rotated && state_find(st, e->path) != e)
			fail("a path twice, or state_find misses it", e->path);
		for (j = 0; j < i; j++)
			if (strcmp(st->e[j].path, e->path) == 0 &&
			    st->e[j].rotated == e->rotated && (!e->rotated ||
			    (st->e[j].dev == e->dev && st->e[j].ino == e->ino)))
				fail("an entry twice", e->path);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state st, st2;
	char path[64], err[256];
	uint8_t *buf;
	size_t i, off = 0;
	ssize_t w;
	int fd, rv;

	if (dir[0] == '\0')
		setup();
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	if ((fd = memfd_create("fuzz-state", MFD_CLOEXEC)) == -1)
		fail("memfd_create", NULL);
	while (off < size) {
		if ((w = write(fd, buf + off, size - off)) <= 0)
			fail("write to the memfd", NULL);
		off += (size_t)w;
	}
	free(buf);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&st, 0, sizeof(st));
	err[0] = '\0';
	rv = state_load(path, &st, err, sizeof(err));
	close(fd);
	if (rv == -1) {
		if (st.n != 0 || st.e != NULL)
			fail("a state that did not load is not empty", err);
		if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0')
			fail("state_load failed without a reason", NULL);
		return 0;
	}
	if (rv != 0)
		fail("state_load returned something else", NULL);
	check(&st);

	/* save and load again: the same entries in the same order */
	if (state_save(saved, &st) == -1)
		fail("state_save", NULL);
	memset(&st2, 0, sizeof(st2));
	if (state_load(saved, &st2, err, sizeof(err)) == -1)
		fail("a saved state does not load", err);
	if (st2.n != st.n)
		fail("a saved state loads with another number of entries", NULL);
	for (i = 0; i < st.n; i++) {
		const struct state_ent *a = &st.e[i], *b = &st2.e[i];

		if (strcmp(a->path, b->path) != 0 || a->dev != b->dev ||
		    a->ino != b->ino || a->hlen != b->hlen || a->tlen != b->tlen ||
		    a->hhash != b->hhash || a->thash != b->thash ||
		    a->off != b->off || a->rotated != b->rotated ||
		    a->id != b->id || a->base != b->base)
			fail("a saved state loads different", a->path);
	}
	state_free(&st2);
	state_free(&st);
	unlink(saved);
	return 0;
}

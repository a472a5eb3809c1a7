/*
 * libfault.so: an LD_PRELOAD shim that makes system calls fail on purpose,
 * for the fault tests.  Each fault is switched by an environment variable:
 *
 *  OMPH_FAULT_EIO=FLAGFILE:SUBSTR  pread/read on a descriptor whose path
 *                                  contains SUBSTR fail with EIO while
 *                                  FLAGFILE exists
 *  OMPH_FAULT_INOTIFY=init         inotify_init1 fails with EMFILE
 *  OMPH_FAULT_WATCHES=N            inotify_add_watch fails with ENOSPC
 *                                  after N successful calls
 *  OMPH_FAULT_ENOSPC=FLAGFILE:SUBSTR  write/fsync on a descriptor whose path
 *                                  contains SUBSTR fail with ENOSPC while
 *                                  FLAGFILE exists
 *  OMPH_FAULT_FULL=BYTES:SUBSTR    a disk that fills up: writes to
 *                                  descriptors whose path contains SUBSTR
 *                                  take BYTES bytes in all (the write that
 *                                  reaches the limit is short), then fail
 *                                  with ENOSPC, as write(2) does on a full
 *                                  file system
 *  OMPH_FAULT_WEIO=FLAGFILE:SUBSTR write/fsync on a descriptor whose path
 *                                  contains SUBSTR fail with EIO while
 *                                  FLAGFILE exists
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <poll.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/types.h>
#include <unistd.h>

static int
matches(const char *var, int fd)
{
	const char *v = getenv(var), *colon;
	char flag[4096], link[64], path[4096];
	ssize_t n;

	if (v == NULL || (colon = strchr(v, ':')) == NULL ||
	    (size_t)(colon - v) >= sizeof(flag))
		return 0;
	memcpy(flag, v, (size_t)(colon - v));
	flag[colon - v] = '\0';
	if (access(flag, F_OK) != 0)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof(path) - 1)) <= 0)
		return 0;
	path[n] = '\0';
	return strstr(path, colon + 1) != NULL;
}

/* the bytes a write of n to fd may take under OMPH_FAULT_FULL: n when the
 * fault is off or fd does not match */
static size_t
room(int fd, size_t n)
{
	static unsigned long long used;
	const char *v = getenv("OMPH_FAULT_FULL"), *colon;
	char link[64], path[4096];
	unsigned long long max, left;
	ssize_t len;

	if (v == NULL || (colon = strchr(v, ':')) == NULL)
		return n;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((len = readlink(link, path, sizeof(path) - 1)) <= 0)
		return n;
	path[len] = '\0';
	if (strstr(path, colon + 1) == NULL)
		return n;
	max = strtoull(v, NULL, 10);
	left = used < max ? max - used : 0;
	if (n > left)
		n = (size_t)left;
	used += n;
	return n;
}

#define REAL(name) \
	static __typeof__(name) *real_##name; \
	if (real_##name == NULL) \
		real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

ssize_t
pread(int fd, void *buf, size_t n, off_t off)
{
	REAL(pread);
	if (matches("OMPH_FAULT_EIO", fd)) {
		errno = EIO;
		return -1;
	}
	return real_pread(fd, buf, n, off);
}

ssize_t
pread64(int fd, void *buf, size_t n, off_t off)
{
	return pread(fd, buf, n, off);
}

ssize_t
read(int fd, void *buf, size_t n)
{
	REAL(read);
	if (matches("OMPH_FAULT_EIO", fd)) {
		errno = EIO;
		return -1;
	}
	return real_read(fd, buf, n);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	size_t k;

	REAL(write);
	if (matches("OMPH_FAULT_ENOSPC", fd)) {
		errno = ENOSPC;
		return -1;
	}
	if (n > 0 && (k = room(fd, n)) < n) {
		if (k == 0) {
			errno = ENOSPC;
			return -1;
		}
		n = k;		/* short: what fits */
	}
	if (matches("OMPH_FAULT_WEIO", fd)) {
		errno = EIO;
		return -1;
	}
	return real_write(fd, buf, n);
}

int
fsync(int fd)
{
	REAL(fsync);
	if (matches("OMPH_FAULT_ENOSPC", fd)) {
		errno = ENOSPC;
		return -1;
	}
	if (matches("OMPH_FAULT_WEIO", fd)) {
		errno = EIO;
		return -1;
	}
	return real_fsync(fd);
}

int
inotify_init1(int flags)
{
	const char *v = getenv("OMPH_FAULT_INOTIFY");

	REAL(inotify_init1);
	if (v != NULL && strcmp(v, "init") == 0) {
		errno = EMFILE;
		return -1;
	}
	return real_inotify_init1(flags);
}

int
inotify_add_watch(int fd, const char *path, uint32_t mask)
{
	static long calls;
	const char *v = getenv("OMPH_FAULT_WATCHES");

	REAL(inotify_add_watch);
	if (v != NULL && calls++ >= atol(v)) {
		errno = ENOSPC;
		return -1;
	}
	return real_inotify_add_watch(fd, path, mask);
}

/*
 * OMPH_FAULT_POLL0=N: a poll(2) of standard input alone with a timeout of 0
 * (a "would a read block?" check) answers "nothing ready" on every Nth
 * call, whatever is there: input arriving between two checks, made common.
 */
int
poll(struct pollfd *fds, nfds_t n, int timeout)
{
	static long calls;
	const char *v = getenv("OMPH_FAULT_POLL0");

	REAL(poll);
	if (v != NULL && atol(v) > 0 && n == 1 && timeout == 0 &&
	    fds[0].fd == 0 && ++calls % atol(v) == 0) {
		fds[0].revents = 0;
		return 0;
	}
	return real_poll(fds, n, timeout);
}

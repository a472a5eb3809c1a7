/*
 * serve: the viewers of a stream of documents (omph-collect --serve, the
 * snapshots that omph-top --connect reads), over connections the caller
 * accepted.
 *
 * Rules:
 *  - a new viewer gets the latest document at once, then every new one
 *    whole, in order; at most SERVE_MAX viewers (serve_add refuses more);
 *  - writes never block: what a viewer has not taken waits in its queue; a
 *    viewer more than SERVE_BEHIND bytes behind, or whose queue cannot
 *    grow, is dropped (closed), never waited for;
 *  - what viewers send is read and thrown away; a viewer that closes or
 *    fails is dropped;
 *  - serve_close writes what each viewer can take at once, then closes all.
 * The descriptors become the module's (it closes them).  Nothing here
 * prints or exits.
 */
#ifndef SERVE_H
#define SERVE_H

#include <poll.h>
#include <stddef.h>

#define SERVE_MAX 64
#define SERVE_BEHIND (16 * 1024 * 1024)

struct serve_vw {
	int fd;
	char *buf;
	size_t len, off;
};

struct serve {
	struct serve_vw vw[SERVE_MAX];
	int n;
	char *last;			/* the latest document, or NULL */
	size_t lastlen;
};

/* Take viewer fd (non-blocking); -1 when full (fd not taken). */
int serve_add(struct serve *s, int fd);
/* A new document (n bytes) for every viewer, kept as the latest. */
void serve_send(struct serve *s, const char *p, size_t n);
/* Fill pfd for ppoll (a slot per viewer); returns how many. */
int serve_fill(const struct serve *s, struct pollfd *pfd);
/* After ppoll, with the slots serve_fill filled (as many as viewers then). */
void serve_events(struct serve *s, const struct pollfd *pfd, int n);
void serve_close(struct serve *s);

#endif

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "net.h"

#define PAUSE 0.1		/* seconds without accepting, no spare left */

void
conn_init(struct conn_tab *t, const struct conn_lim *lim)
{
	memset(t, 0, sizeof(*t));
	t->lim = *lim;
	t->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void
conn_fini(struct conn_tab *t)
{
	if (t->spare != -1)
		close(t->spare);
	free(t->ent);
	t->ent = NULL;
	t->n = t->cap = t->live = 0;
}

long
conn_fdlimit(long need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)need) {
		rl.rlim_cur = rl.rlim_max != RLIM_INFINITY &&
		    rl.rlim_max < (rlim_t)need ? rl.rlim_max : (rlim_t)need;
		/* a failure leaves the limit as it was: say what it is */
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1 &&
		    getrlimit(RLIMIT_NOFILE, &rl) == -1)
			return -1;
	}
	return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)need ?
	    need : (long)rl.rlim_cur;
}

int
conn_accept(struct conn_tab *t, int lfd, struct sockaddr_storage *from,
    double now)
{
	int fd, e;

	if (now < t->pause_until) {
		errno = EMFILE;
		return -1;
	}
	if ((fd = net_accept(lfd, from)) != -1 ||
	    (errno != EMFILE && errno != ENFILE)) {
		if (fd == -1 && (errno == ENOBUFS || errno == ENOMEM))
			t->pause_until = now + PAUSE;
		return fd;
	}
	e = errno;
	if (t->spare == -1) {
		t->pause_until = now + PAUSE;
		errno = e;
		return -1;
	}
	close(t->spare);
	t->spare = -1;
	if ((fd = net_accept(lfd, from)) == -1) {
		e = errno;
		conn_spare(t);
		if (t->spare == -1 || e == EMFILE || e == ENFILE)
			t->pause_until = now + PAUSE;
		errno = e;
		return -1;
	}
	t->fdshort = 1;
	return fd;
}

void
conn_spare(struct conn_tab *t)
{
	if (t->spare == -1)
		t->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (t->spare != -1)
		t->fdshort = 0;
}

int
conn_paused(const struct conn_tab *t, double now, double *until)
{
	*until = t->pause_until;
	return now < t->pause_until;
}

void
conn_ent_init(struct conn_ent *e, const struct sockaddr *sa, double now)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

	memset(e, 0, sizeof(*e));
	e->born = e->last = now;
	e->family = sa->sa_family;
	if (sa->sa_family == AF_INET)
		memcpy(e->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		e->family = AF_INET;
		memcpy(e->addr, s6->sin6_addr.s6_addr + 12, 4);
	} else if (sa->sa_family == AF_INET6)
		memcpy(e->addr, s6->sin6_addr.s6_addr, 16);
}

static int
same_addr(const struct conn_ent *a, const struct conn_ent *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr,
	    a->family == AF_INET ? 4 : 16) == 0;
}

/*
 * The oldest live entry not established, of e's address when addr is set;
 * NULL when there is none.
 */
static struct conn_ent *
stranger(const struct conn_tab *t, const struct conn_ent *e, int addr)
{
	struct conn_ent *x, *best = NULL;
	size_t i;

	for (i = 0; i < t->n; i++) {
		x = t->ent[i];
		if (x->dead || x->est || (addr && !same_addr(x, e)))
			continue;
		if (best == NULL || x->born < best->born)
			best = x;
	}
	return best;
}

struct conn_ent *
conn_admit(struct conn_tab *t, struct conn_ent *e)
{
	struct conn_ent **p, *v;
	size_t i, from = 0, cap;

	if (t->fdshort)
		return (v = stranger(t, e, 0)) != NULL ? v : e;
	for (i = 0; i < t->n; i++)
		if (!t->ent[i]->dead && same_addr(t->ent[i], e))
			from++;
	if (from >= t->lim.per_addr)
		return (v = stranger(t, e, 1)) != NULL ? v : e;
	if (t->live >= t->lim.max)
		return (v = stranger(t, e, 0)) != NULL ? v : e;
	if (t->n == t->cap) {
		cap = t->cap == 0 ? 64 : t->cap * 2;
		if ((p = realloc(t->ent, cap * sizeof(*p))) == NULL)
			return e;
		t->ent = p;
		t->cap = cap;
	}
	t->ent[t->n++] = e;
	e->in = 1;
	t->live++;
	t->held += e->held;
	return NULL;
}

void
conn_del(struct conn_tab *t, struct conn_ent *e)
{
	if (e->dead)
		return;
	e->dead = 1;
	if (e->in) {
		t->live--;
		t->held -= e->held;
	}
	e->held = 0;
	/* a descriptor was closed: the spare can be had again */
	if (t->fdshort)
		conn_spare(t);
}

struct conn_ent *
conn_sweep(struct conn_tab *t)
{
	struct conn_ent *e;

	/* one pass: the live ones move up in order, the dead go out */
	while (t->sweep < t->n) {
		e = t->ent[t->sweep++];
		if (!e->dead)
			t->ent[t->kept++] = e;
		else
			return e;
	}
	t->n = t->kept;
	t->sweep = t->kept = 0;
	return NULL;
}

void
conn_est(struct conn_ent *e)
{
	e->est = 1;
}

void
conn_heard(struct conn_ent *e, double now)
{
	e->last = now;
}

/* when e times out; 0 never */
static double
due(const struct conn_tab *t, const struct conn_ent *e)
{
	if (!e->est)
		return e->born + t->lim.handshake;
	return t->lim.idle > 0 ? e->last + t->lim.idle : 0;
}

struct conn_ent *
conn_expired(struct conn_tab *t, double now, size_t *i)
{
	struct conn_ent *e;
	double d;

	for (; *i < t->n; ++*i) {
		e = t->ent[*i];
		if (!e->dead && (d = due(t, e)) > 0 && d <= now)
			return e;
	}
	return NULL;
}

double
conn_deadline(const struct conn_tab *t)
{
	double d, min = 0;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!t->ent[i]->dead && (d = due(t, t->ent[i])) > 0 &&
		    (min == 0 || d < min))
			min = d;
	return min;
}

/* 1 when a is to be shed before b: a stranger first, then the bigger */
static int
before(const struct conn_ent *a, size_t aheld, const struct conn_ent *b,
    size_t bheld)
{
	if (a->est != b->est)
		return !a->est;
	return aheld > bheld;
}

struct conn_ent *
conn_room(struct conn_tab *t, const struct conn_ent *e, size_t more)
{
	struct conn_ent *x, *v = (struct conn_ent *)e;
	size_t i, vheld = e->held + more;

	if (t->held + more <= t->lim.budget)
		return NULL;
	for (i = 0; i < t->n; i++) {
		x = t->ent[i];
		if (!x->dead && x != e && x->held > 0 &&
		    before(x, x->held, v, vheld)) {
			v = x;
			vheld = x->held;
		}
	}
	return v;
}

void
conn_held(struct conn_tab *t, struct conn_ent *e, size_t bytes)
{
	if (e->in && !e->dead) {
		t->held -= e->held;
		t->held += bytes;
	}
	e->held = bytes;
}

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net.h"

int
net_parse(const char *s, int defproto, struct net_addr *a, char *err,
    size_t errlen)
{
	const char *hp = s, *colon, *h, *he;

	memset(a, 0, sizeof(*a));
	if (strncmp(s, "udp://", 6) == 0) {
		a->proto = NET_UDP;
		hp = s + 6;
	} else if (strncmp(s, "tcp://", 6) == 0) {
		a->proto = NET_TCP;
		hp = s + 6;
	} else if (strstr(s, "://") != NULL || defproto == 0) {
		snprintf(err, errlen, "%s: not udp://HOST:PORT or tcp://HOST:PORT",
		    s);
		goto fail;
	} else {
		a->proto = defproto;
		/* "PORT" or ":PORT" alone: this machine only (loopback) */
		if (*hp == ':' || (*hp != '\0' && strspn(hp, "0123456789") ==
		    strlen(hp))) {
			if (*hp == ':')
				hp++;
			if (strlen(hp) == 0 || strlen(hp) > 5 ||
			    strspn(hp, "0123456789") != strlen(hp) ||
			    atoi(hp) < 1 || atoi(hp) > 65535) {
				snprintf(err, errlen, "%s: bad port (1-65535)", s);
				goto fail;
			}
			strcpy(a->host, "127.0.0.1");
			strcpy(a->port, hp);
			return 0;
		}
	}
	if (*hp == '[') {
		h = hp + 1;
		if ((he = strchr(h, ']')) == NULL || he[1] != ':') {
			snprintf(err, errlen, "%s: bad [IPv6]:PORT", s);
			goto fail;
		}
		colon = he + 1;
	} else {
		h = hp;
		if ((colon = strrchr(hp, ':')) == NULL) {
			snprintf(err, errlen, "%s: no :PORT", s);
			goto fail;
		}
		he = colon;
		if (memchr(h, ':', (size_t)(he - h)) != NULL) {
			snprintf(err, errlen, "%s: write an IPv6 address in []", s);
			goto fail;
		}
	}
	if ((size_t)(he - h) >= sizeof(a->host) || strlen(colon + 1) == 0 ||
	    strlen(colon + 1) > 5 ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    atoi(colon + 1) < 1 || atoi(colon + 1) > 65535) {
		snprintf(err, errlen, "%s: bad host or port (1-65535)", s);
		goto fail;
	}
	memcpy(a->host, h, (size_t)(he - h));
	if (strcmp(a->host, "*") == 0)
		a->host[0] = '\0';
	strcpy(a->port, colon + 1);
	return 0;
fail:
	errno = EINVAL;
	return -1;
}

const char *
net_str(const struct net_addr *a, char *buf, size_t len)
{
	snprintf(buf, len, "%s://%s%s%s:%s", a->proto == NET_UDP ? "udp" : "tcp",
	    strchr(a->host, ':') ? "[" : "", a->host[0] ? a->host : "*",
	    strchr(a->host, ':') ? "]" : "", a->port);
	return buf;
}

static int
resolve(const struct net_addr *a, int passive, struct addrinfo **res,
    char *err, size_t errlen)
{
	struct addrinfo hints;
	int rv;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = a->proto == NET_UDP ? SOCK_DGRAM : SOCK_STREAM;
	hints.ai_flags = passive ? AI_PASSIVE : AI_ADDRCONFIG;
	if ((rv = getaddrinfo(a->host[0] ? a->host : NULL, a->port, &hints,
	    res)) != 0) {
		snprintf(err, errlen, "%s: %s", a->host[0] ? a->host : "*",
		    gai_strerror(rv));
		errno = rv == EAI_SYSTEM ? errno : EADDRNOTAVAIL;
		return -1;
	}
	return 0;
}

/* the end of a search over the addresses of res: fd, or -1 telling e */
static int
found(struct addrinfo *res, int fd, int e, char *err, size_t errlen)
{
	freeaddrinfo(res);
	if (fd == -1) {
		snprintf(err, errlen, "%s", strerror(e));
		errno = e;
	}
	return fd;
}

int
net_listen(const struct net_addr *a, int rcvbuf, char *err, size_t errlen)
{
	struct addrinfo *res = NULL, *ai;
	int fd = -1, on = 1, off = 0, e = 0;

	if (resolve(a, 1, &res, err, errlen) == -1)
		return -1;
	/* the wildcard: one IPv6 socket taking IPv4 too, when there is one */
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (!a->host[0] && ai->ai_family == AF_INET6)
			break;
	if (ai == NULL)
		ai = res;
	for (; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1) {
			e = errno;
			continue;
		}
		/* TCP: rebind at once after a restart; UDP: a port in use is
		 * an error, never a silent share */
		if (a->proto == NET_TCP)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (ai->ai_family == AF_INET6 && !a->host[0])
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		if (rcvbuf > 0 &&
		    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		    sizeof(rcvbuf)) == -1)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			    sizeof(rcvbuf));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    (a->proto == NET_UDP || listen(fd, 128) == 0))
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	return found(res, fd, e, err, errlen);
}

int
net_rcvbuf(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len) == -1)
		return -1;
	return v / 2;
}

int
net_connect(const struct net_addr *a, unsigned attempt, char *err,
    size_t errlen)
{
	struct addrinfo *res = NULL, *ai, *first;
	unsigned n = 0, i;
	int fd = -1, e = 0, on = 1;

	if (resolve(a, 0, &res, err, errlen) == -1)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next)
		n++;
	for (first = res, i = 0; i < attempt % n; i++)
		first = first->ai_next;
	for (ai = first, i = 0; i < n; i++,
	    ai = ai->ai_next != NULL ? ai->ai_next : res) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1) {
			e = errno;
			continue;
		}
		if (a->proto == NET_TCP)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    errno == EINPROGRESS)
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	return found(res, fd, e, err, errlen);
}

int
net_connected(int fd)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		return -1;
	if (e != 0) {
		errno = e;
		return -1;
	}
	return 0;
}

int
net_accept(int lfd, struct sockaddr_storage *from)
{
	socklen_t len = sizeof(*from);
	int fd, on = 1;

	memset(from, 0, sizeof(*from));
	if ((fd = accept4(lfd, (struct sockaddr *)from, &len, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == -1)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	return fd;
}

/* the IPv4 address inside an IPv4-mapped IPv6 one, or NULL */
static const unsigned char *
mapped4(const struct sockaddr *sa)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return s6->sin6_addr.s6_addr + 12;
	return NULL;
}

const char *
net_ntop(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	const unsigned char *m;
	int port = 0;

	a[0] = '\0';
	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, a,
		    sizeof(a));
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
		if ((m = mapped4(sa)) != NULL)
			inet_ntop(AF_INET, m, a, sizeof(a));
		else {
			inet_ntop(AF_INET6,
			    &((const struct sockaddr_in6 *)sa)->sin6_addr, a,
			    sizeof(a));
			snprintf(buf, len, "[%s]:%d", a, port);
			return buf;
		}
	}
	snprintf(buf, len, "%s:%d", a[0] ? a : "?", port);
	return buf;
}

int
net_parse_cidr(const char *s, struct net_cidr *c)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	char *end;
	long bits;

	memset(c, 0, sizeof(*c));
	if (hl == 0 || hl >= sizeof(host))
		goto fail;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, c->addr) == 1) {
		c->family = AF_INET;
		c->bits = 32;
	} else if (inet_pton(AF_INET6, host, c->addr) == 1) {
		c->family = AF_INET6;
		c->bits = 128;
	} else
		goto fail;
	if (slash != NULL) {
		errno = 0;
		bits = strtol(slash + 1, &end, 10);
		if (*end != '\0' || end == slash + 1 || bits < 0 ||
		    bits > c->bits)
			goto fail;
		c->bits = (int)bits;
	}
	return 0;
fail:
	errno = EINVAL;
	return -1;
}

int
net_cidr_match(const struct net_cidr *c, const struct sockaddr *sa)
{
	const unsigned char *a;
	int family = sa->sa_family, i, full, rest;

	if ((a = mapped4(sa)) != NULL)
		family = AF_INET;
	else if (family == AF_INET)
		a = (const unsigned char *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
	else if (family == AF_INET6)
		a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	else
		return 0;
	if (family != c->family)
		return 0;
	full = c->bits / 8;
	rest = c->bits % 8;
	for (i = 0; i < full; i++)
		if (a[i] != c->addr[i])
			return 0;
	if (rest > 0 && ((a[full] ^ c->addr[full]) & (0xff << (8 - rest))))
		return 0;
	return 1;
}

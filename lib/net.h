/*
 * net: socket helpers for the commands that send, receive and serve over
 * the network (omph-send, omph-collect --listen/--serve, omph-top
 * --connect).
 *
 * Addresses are written URL-like: "udp://HOST:PORT", "tcp://HOST:PORT",
 * or bare "HOST:PORT" where the protocol is known; HOST may be a name, an
 * IPv4 address or a bracketed IPv6 address ("[::1]:5140"), and "*" or an
 * empty host means every address.  Every descriptor returned is
 * non-blocking and close-on-exec.  Nothing here prints: failures return -1
 * with errno set and, where an err buffer is given, a reason in it.
 */
#ifndef NET_H
#define NET_H

#include <sys/socket.h>

#include <stddef.h>

enum { NET_UDP = 1, NET_TCP };

struct net_addr {
	int proto;		/* NET_UDP or NET_TCP */
	char host[256];		/* "" for any */
	char port[16];
};

/* an address block of --allow: "10.0.0.0/8", "::1", "192.0.2.7" */
struct net_cidr {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int bits;
};

/*
 * Parse "udp://HOST:PORT" or "tcp://HOST:PORT"; when defproto is not 0,
 * "HOST:PORT" alone is taken as that protocol, and "PORT" or ":PORT" as
 * that port on the loopback address 127.0.0.1 ("*:PORT" is every address).
 * -1 with a reason in err.
 */
int net_parse(const char *s, int defproto, struct net_addr *a, char *err,
    size_t errlen);
/* "udp://HOST:PORT" back, for messages. */
const char *net_str(const struct net_addr *a, char *buf, size_t len);
/*
 * A socket bound to a (TCP: listening).  For UDP, rcvbuf asks for that
 * receive buffer (0: leave it): SO_RCVBUFFORCE, which passes
 * net.core.rmem_max with CAP_NET_ADMIN, else SO_RCVBUF, which the system
 * cuts to net.core.rmem_max without a word; net_rcvbuf tells what was
 * obtained.  -1 with a reason in err.
 */
int net_listen(const struct net_addr *a, int rcvbuf, char *err, size_t errlen);
/*
 * The receive buffer of fd in the bytes of SO_RCVBUF as asked: half what
 * getsockopt(2) tells, which the system doubled for its bookkeeping.  -1
 * with errno.
 */
int net_rcvbuf(int fd);
/*
 * A socket connecting to a (UDP: connected, so send() needs no address).
 * The connect may still be in progress (TCP): poll for POLLOUT, then
 * net_connected() tells how it ended.  A name with several addresses
 * starts at address number attempt (modulo their count), so a caller that
 * counts its attempts tries each in turn ("localhost" as ::1 then
 * 127.0.0.1).  -1 with a reason in err.
 */
int net_connect(const struct net_addr *a, unsigned attempt, char *err,
    size_t errlen);
/* 0 when the connect of fd completed, -1 with errno when it failed. */
int net_connected(int fd);
/* accept(2) on a listening fd: the connection, non-blocking; -1 errno. */
int net_accept(int lfd, struct sockaddr_storage *from);
/* "192.0.2.7:5140", "[::1]:5140"; an IPv4-mapped IPv6 address as IPv4. */
const char *net_ntop(const struct sockaddr *sa, char *buf, size_t len);
/* Parse an address block; -1 if it is not one. */
int net_parse_cidr(const char *s, struct net_cidr *c);
/* 1 when sa (IPv4-mapped IPv6 counts as IPv4) is inside c. */
int net_cidr_match(const struct net_cidr *c, const struct sockaddr *sa);

#endif

/*
 * ingint: the ingest module's own declarations, shared by its files only
 * (callers include ingest.h): ingest.c the module (listeners, the loop's
 * part, viewers, checkpoint, tables), ingsnd.c the senders, sessions,
 * headers by SCHEMA, syslog and datagrams, ingtcp.c the TCP connections.
 */
#ifndef INGINT_H
#define INGINT_H

#include <sys/socket.h>
#include <netinet/in.h>

#include "ingest.h"
#include "wire.h"

#define PROVEN 4		/* messages that establish a sender, a session */
#define STALE 600		/* seconds silent: an established sender may go */
#define MAXSESSIONS 4		/* sessions remembered per sender */
#define MAXSCHEMAS 4		/* headers remembered per session */
#define UDP_BATCH 32
#define REPORT_EVERY 0.2	/* seconds between a session's reports at least */
#define REPORT_SCAN 0.05	/* seconds between looks for reports owed */

/* a header a sender announced, by its SCHEMA hash */
struct schema {
	uint32_t hash;
	struct cols c;
};

/*
 * A session of a sender (one run of omph-send): its sequence numbers,
 * headers and stream position.  A sender keeps MAXSESSIONS, so that a
 * stranger's datagrams under its name start sessions of their own beside
 * the real one, never in its place (see ingest_session_of()).
 */
struct session {
	int used;
	uint32_t id;
	uint64_t msgs;			/* datagrams, messages, streams */
	uint64_t at;			/* ing->clock when last heard */
	uint64_t taken;			/* TCP: its stream read up to here */
	struct wire_seq seq;
	uint64_t lost, repeated, reordered;	/* of seq, in the sender's */
	struct schema sch[MAXSCHEMAS];	/* most recent first */
	int nsch;
	/* UDP: its report (lib/wire.h), to where its last datagram came from */
	uint64_t took;			/* datagrams taken (not repeats) */
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} rto;
	socklen_t rtolen;		/* 0: no datagram yet, no report */
	int rfd;			/* the listener it came to */
	int rwant;			/* datagrams came since the last report */
	uint64_t rbytes;		/* their bytes: a report is no bigger */
	double rat;			/* tm_mono() of the last report */
};

/* a network sender: accounting, sessions */
struct sender {
	struct ingest_sender pub;	/* first: what the caller sees */
	int used;
	uint32_t hash;
	uint64_t at;			/* ing->clock when last heard */
	struct session ses[MAXSESSIONS];
	struct ingest_feed feed;	/* headers inline (text, plain syslog) */
	int conns;			/* TCP connections on it: not evicted */
	struct sockaddr_storage from;	/* pub.addr as it came: written anew */
	socklen_t fromlen;		/* only when another comes (0: none) */
};

struct listener {
	int fd;
	int proto;
	int serve;			/* --serve: viewers connect here */
	int text;			/* takes plain text */
};

struct ingest {
	struct ingest_opts o;
	struct ingest_cb cb;
	struct ingest_stats st;
	struct listener lis[INGEST_MAXLISTEN + 1];
	int nlis;
	struct conn_tab ct;		/* the TCP connections */
	int vwk;			/* the first viewer's pollfd */
	struct serve vw;		/* --serve: the viewers */
	int nvw;			/* of them polled */
	struct sender *snd;		/* INGEST_MAXSENDERS */
	uint32_t *sndtab;		/* hash -> index + 1 */
	int nsnd;
	uint64_t clock;			/* counts messages: who was heard last */
	char *udpbuf;			/* UDP_BATCH datagrams */
	int rpending;			/* a session may be owed a report */
	double rscan;			/* tm_mono() of the next look */
	uint64_t reports;		/* reports sent */
};

/* ingsnd.c */
int ingest_snd_alloc(struct ingest *);
uint32_t ingest_name_hash(const char *, size_t);
uint32_t *ingest_snd_slot(struct ingest *, const char *, size_t, uint32_t);
struct sender *ingest_sender(struct ingest *, const char *, size_t,
    const char *, const struct sockaddr *);
struct sender *ingest_sender_at(struct ingest *, const struct sockaddr *,
    const char *);
struct session *ingest_session_find(struct sender *, uint32_t);
struct session *ingest_session_of(struct ingest *, struct sender *, uint32_t);
int ingest_allowed(const struct ingest *, const struct sockaddr *);
int ingest_fresh(int64_t);
void ingest_syslog(struct ingest *, char *, size_t, const struct sockaddr *);
void ingest_udp_read(struct ingest *, const struct listener *);
void ingest_reports(struct ingest *, double);

/* ingtcp.c */
void ingest_accept(struct ingest *, const struct listener *);
int ingest_tcp_fill(struct ingest *, struct pollfd *, int);
void ingest_tcp_events(struct ingest *, const struct pollfd *);
void ingest_tcp_durable(struct ingest *);
void ingest_tcp_close(struct ingest *);

#endif

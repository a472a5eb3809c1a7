/*
 * ingest: omph-collect's network sources (--listen; man/omph.7, "On the
 * network"): the listening sockets, UDP datagrams, TCP connections (under
 * lib/conn's limits), the senders they come from with their sessions and
 * headers, and the listener of the --serve viewers (lib/serve).  Every line
 * of every source is handed to the caller's line callback with the feed it
 * belongs to (its header, its name, its line number, its sender); what a
 * line means is the caller's.
 *
 * Rules, case by case:
 *  - Access: a datagram or a connection from outside the allow list is
 *    denied (counted in denied, a connection closed).  With a key
 *    (--secret) only omph-send's datagrams, stream preambles and frames
 *    with a valid tag and a TIME within WIRE_FRESH seconds of ours are
 *    read; the rest is denied, a connection closed at the first.
 *  - Datagrams: omph-send's (WIRE_MAGIC, exactly LEN bytes of whole lines),
 *    syslog (a '<' first), plain text on a "+text" listener; anything else
 *    is malformed, and so is version 1 (WIRE_OLDMAGIC) and a datagram cut
 *    by the 64 KiB buffer.  Up to 32 are read a call, 16 batches a wakeup.
 *  - Connections: the kind is told by the first bytes: omph-send's stream,
 *    octet-counted syslog (a digit), LF-framed syslog ('<'), else plain text
 *    on a "+text" listener, else malformed (closed).  A line or message is
 *    at most INGEST_MAXLINE bytes: a longer line is bad (told, counted)
 *    and skipped to its LF, a longer message malformed (closed).  Buffers
 *    exist only while bytes of a line not whole yet wait, under the budget
 *    of lim.budget; admission, shedding and timeouts are lib/conn.h's
 *    (shed, timedout counted).  A connection is read 16 times a wakeup at
 *    most, then the others.
 *  - Senders: by the name in omph-send's preamble, the host and APP-NAME of
 *    syslog ("host/app", "host" for omph's own), the address (without the
 *    port) of plain text.  At most INGEST_MAXSENDERS are held; when the
 *    table is full one without a TCP connection is forgotten: the one heard
 *    from longest ago of those with fewer than 4 messages, else of those
 *    silent for 600 seconds; a stranger never takes the place of a sender
 *    established and active, and what finds no place is refused (counted).
 *  - Sessions (a run of omph-send): 4 per sender, a new one in a free place
 *    or that of the one heard from longest ago, those with fewer than 4
 *    messages first, so strangers using a sender's name push out each
 *    other, never its own.  A datagram whose sequence number was seen is
 *    dropped; lost, repeated, reordered are counted per sender.
 *  - Headers: omph-send's records are read under the header of their
 *    SCHEMA, 4 kept per session, the most recent first; records whose
 *    header was never seen are counted as noschema, never read under
 *    another; a header line whose hash is not its SCHEMA makes the datagram
 *    malformed.  Others' syslog and plain text: headers and records in the
 *    order they come, one feed per sender (per connection for TCP text).
 *  - Repeats: a line of an omph stream before the offset its session
 *    already took (a resend after a reconnect) is skipped (counted in
 *    skipped), a header line excepted.
 *  - Acks: an omph stream is acknowledged ("#ack OFFSET", lib/wire.h) up to
 *    its last whole line taken, after each read and before a close; with
 *    durable, only up to what it had taken at the last ingest_durable().
 *    A full socket skips an ack; the next carries a later offset.
 *  - Viewers (--serve): taken while the allow list lets them and a
 *    descriptor is at hand (never shedding a connection), else denied or
 *    refused; then lib/serve.h's.
 *
 * Senders, sessions and their offsets go into and come from the checkpoint
 * (struct ckpt_sender, lib/ckpt.h).  Nothing here prints or exits: errors
 * are returned (-1: ENOMEM, or a reason in err), what an operator should
 * know is told to the note callback, bad lines to the bad callback.  Times
 * are wall clock seconds for senders and tm_mono() for connections.
 */
#ifndef INGEST_H
#define INGEST_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "cols.h"
#include "conn.h"
#include "net.h"
#include "serve.h"

#define INGEST_MAXLISTEN 16
#define INGEST_MAXCONNS 16384		/* lim.max at most */
#define INGEST_MAXSENDERS 1024
#define INGEST_NAMELEN 144		/* a sender's name, NUL included */
#define INGEST_MAXLINE (1024 * 1024)	/* a line or message at most */
#define INGEST_BUFMAX (INGEST_MAXLINE + 64 * 1024)	/* a connection's buffer */
/* the pollfds ingest_pollfds fills at most */
#define INGEST_MAXPOLL (INGEST_MAXLISTEN + 1 + INGEST_MAXCONNS + SERVE_MAX)

struct ckpt_sender;
struct out;
struct snap_wr;

/*
 * A sender as the caller sees it: the module counts messages, sequence
 * and schema losses; the caller counts its records (records, bad, dup,
 * gaps, gapbytes) through the feed's snd.
 */
struct ingest_sender {
	char name[INGEST_NAMELEN];
	const char *kind;		/* udp tcp syslog text */
	char addr[64];			/* where it last sent from */
	uint64_t records, msgs, bad, noschema;
	uint64_t lost, repeated, reordered;	/* over all its sessions */
	uint64_t dup, gaps, gapbytes;	/* of its records' origins */
	int64_t last;			/* wall clock, last heard */
};

/* one stream of lines under its own header */
struct ingest_feed {
	struct cols c;			/* the header in force */
	const char *name;		/* for messages */
	uint64_t lineno;		/* of the last line */
	struct ingest_sender *snd;	/* NULL: not from the network */
};

/*
 * The counts, live, in the module for its life.  dgrams, denied,
 * malformed and refused are in the checkpoint: the caller sets them when
 * it resumes.
 */
struct ingest_stats {
	uint64_t dgrams, denied, malformed, refused;
	uint64_t shed, timedout;	/* connections closed */
	uint64_t tcp_in;		/* bytes read from connections */
	uint64_t skipped;		/* stream lines taken before, again */
	int unacked;			/* lines taken since ingest_durable */
	uint64_t unacked_bytes;		/* ... their bytes */
	size_t conns;			/* connections open (after events) */
	int senders;			/* held */
	int rcvbuf;			/* the smallest UDP receive buffer */
};

/* The caller's arrays; they must outlive the ingest. */
struct ingest_opts {
	const struct net_addr *listen;	/* udp://, tcp:// */
	const int *text;		/* per listener: "+text", plain text */
	int nlisten;			/* at most INGEST_MAXLISTEN */
	const struct net_cidr *allow;	/* none: everyone */
	int nallow;
	struct conn_lim lim;
	const uint8_t *key;		/* --secret (WIRE_KEYLEN), or NULL */
	int durable;			/* acks wait for ingest_durable */
	const struct net_addr *serve;	/* --serve, or NULL */
};

/* why a line is bad */
enum { INGEST_NOHEADER, INGEST_LONG };

struct ingest_cb {
	void *arg;
	/* a line (no LF, a CR kept) of feed fd: header or record */
	void (*line)(void *arg, struct ingest_feed *fd, char *p, size_t len);
	/* a header announced apart (p without its '#') into c: 0, or -1 */
	int (*header)(void *arg, struct cols *c, char *p, size_t len);
	/* a line of fd not handed out (fd->lineno is its number) */
	void (*bad)(void *arg, struct ingest_feed *fd, int why);
	/* something the operator should know, as a sentence */
	void (*note)(void *arg, const char *msg);
};

/*
 * A --listen URL into a: udp://, tcp:// (lib/net.h's net_parse), or their
 * "+text" forms (udp+text://, tcp+text://), which set *text: plain text is
 * taken there too.  -1 with a reason in err.
 */
int ingest_parse_listen(const char *url, struct net_addr *a, int *text,
    char *err, size_t errlen);
/*
 * The module, not listening yet, without senders (their table is
 * allocated here with listeners, else by ingest_load when it has some).
 * The connection table is set up (lib/conn.h: a spare descriptor).  NULL
 * with errno ENOMEM.
 */
struct ingest *ingest_new(const struct ingest_opts *o,
    const struct ingest_cb *cb);
/*
 * Open the listeners and the --serve one (UDP receive buffers of 16 MiB,
 * told when the system cuts them) and, with TCP, raise the descriptor
 * limit (told when it stays too low).  -1 with a reason in err ("ADDRESS:
 * why", "--serve ADDRESS: why"); the listeners open stay until ingest_free.
 */
int ingest_listen(struct ingest *ing, char *err, size_t errlen);
/* The counts (above); the pointer is good until ingest_free. */
struct ingest_stats *ingest_stats(struct ingest *ing);
/*
 * The descriptors to wait on into p (INGEST_MAXPOLL at most): returns how
 * many; *ms (-1: no limit) shortened to the next connection timeout.
 */
int ingest_pollfds(struct ingest *ing, struct pollfd *p, int *ms);
/* After ppoll, the slots ingest_pollfds filled: read, accept, time out. */
void ingest_events(struct ingest *ing, struct pollfd *p, int n);
/*
 * A document (n bytes) to every --serve viewer, kept for those to come;
 * nothing without --serve.
 */
void ingest_serve(struct ingest *ing, const char *p, size_t n);
/* Everything taken so far is durable: acknowledge it (with durable). */
void ingest_durable(struct ingest *ing);
/*
 * The n senders of a checkpoint in place of the table (empty: nothing
 * taken yet); a kind not known is "text".  -1 with errno ENOMEM.
 */
int ingest_load(struct ingest *ing, const struct ckpt_sender *cs, size_t n);
/*
 * The senders held, for a checkpoint: *cs an array the caller frees
 * (NULL when none), *n its length.  -1 with errno ENOMEM.
 */
int ingest_save(struct ingest *ing, struct ckpt_sender **cs, size_t *n);
/*
 * With listeners, the senders held into o: a "#sender" table (w->json 0),
 * or a JSON "senders" member and a comma; origins: their dup, gaps and
 * gapbytes columns too.  Times through w (lib/snap.h).
 */
void ingest_put_senders(struct ingest *ing, struct snap_wr *w, struct out *o,
    int origins);
/*
 * With listeners, the Prometheus families of the counts, the connections
 * open, and per sender held its records, lost, repeated and dup.
 */
void ingest_metrics(struct ingest *ing, struct out *o);
/* Acknowledge what each stream took, close everything, free. */
void ingest_free(struct ingest *ing);

#endif

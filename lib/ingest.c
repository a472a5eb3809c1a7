/*
 * ingest: the module (rules in ingest.h): its listeners, its part of the
 * caller's ppoll loop, the --serve viewers' listener, the sender table in
 * and out of the checkpoint, and the senders' tables in the snapshot and
 * the metrics.  The senders are in ingsnd.c, the connections in ingtcp.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"
#include "ingint.h"
#include "out.h"
#include "prom.h"
#include "rec.h"
#include "snap.h"
#include "tm.h"

#define RCVBUF (16 * 1024 * 1024)

_Static_assert(INGEST_MAXSENDERS <= CKPT_MAXSENDERS &&
    MAXSESSIONS <= CKPT_MAXSES && INGEST_NAMELEN == WIRE_IDMAX + 80 &&
    INGEST_NAMELEN <= CKPT_NAMELEN, "the checkpoint holds the sender table");

static const char *const snd_kinds[] = { "udp", "tcp", "syslog", "text" };

int
ingest_parse_listen(const char *url, struct net_addr *a, int *text, char *err,
    size_t errlen)
{
	char u[300];

	/* "udp+text://...": plain text taken there too */
	*text = (strncmp(url, "udp+text://", 11) == 0 ||
	    strncmp(url, "tcp+text://", 11) == 0);
	snprintf(u, sizeof(u), "%.3s%s", url, url + (*text ? 8 : 3));
	return net_parse(*text ? u : url, 0, a, err, errlen);
}

struct ingest *
ingest_new(const struct ingest_opts *o, const struct ingest_cb *cb)
{
	struct ingest *ing;

	if ((ing = calloc(1, sizeof(*ing))) == NULL)
		return NULL;
	ing->o = *o;
	ing->cb = *cb;
	conn_init(&ing->ct, &o->lim);
	if (o->nlisten > 0 && (ingest_snd_alloc(ing) == -1 ||
	    (ing->udpbuf = malloc((size_t)UDP_BATCH * 65536)) == NULL)) {
		ingest_free(ing);
		errno = ENOMEM;
		return NULL;
	}
	return ing;
}

/* a size for messages: "4 MiB", "208 KiB", "1000 bytes" */
static const char *
size_str(long n, char *buf, size_t len)
{
	if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
		snprintf(buf, len, "%ld MiB", n / (1024 * 1024));
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, len, "%ld KiB", n / 1024);
	else
		snprintf(buf, len, "%ld bytes", n);
	return buf;
}

int
ingest_listen(struct ingest *ing, char *err, size_t errlen)
{
	const struct ingest_opts *o = &ing->o;
	char errbuf[512], where[300], num[32], msg[1024];
	long need, have;
	int i, fd, got, tcp = o->serve != NULL;
	struct listener *l;

	for (i = 0; i < o->nlisten; i++) {
		if ((fd = net_listen(&o->listen[i], o->listen[i].proto ==
		    NET_UDP ? RCVBUF : 0, errbuf, sizeof(errbuf))) == -1) {
			snprintf(err, errlen, "%s: %s", net_str(&o->listen[i],
			    where, sizeof(where)), errbuf);
			return -1;
		}
		l = &ing->lis[ing->nlis++];
		l->fd = fd;
		l->proto = o->listen[i].proto;
		l->serve = 0;
		l->text = o->text[i];
		if (o->listen[i].proto == NET_TCP) {
			tcp = 1;
			continue;
		}
		/* the system cuts the buffer to net.core.rmem_max silently */
		if ((got = net_rcvbuf(fd)) == -1)
			continue;
		if (got < RCVBUF) {
			snprintf(msg, sizeof(msg), "%s: receive buffer %s, not "
			    "%d MiB; raise net.core.rmem_max (sysctl -w "
			    "net.core.rmem_max=%d)", net_str(&o->listen[i],
			    where, sizeof(where)), size_str(got, num, sizeof(num)),
			    RCVBUF / (1024 * 1024), RCVBUF);
			ing->cb.note(ing->cb.arg, msg);
		}
		if (ing->st.rcvbuf == 0 || got < ing->st.rcvbuf)
			ing->st.rcvbuf = got;
	}
	if (o->serve != NULL) {
		if ((fd = net_listen(o->serve, 0, errbuf,
		    sizeof(errbuf))) == -1) {
			snprintf(err, errlen, "--serve %s: %s",
			    net_str(o->serve, where, sizeof(where)), errbuf);
			return -1;
		}
		l = &ing->lis[ing->nlis++];
		l->fd = fd;
		l->proto = NET_TCP;
		l->serve = 1;
		l->text = 0;
	}
	if (tcp) {
		/* a descriptor for each connection, viewer and listener */
		need = (long)o->lim.max + SERVE_MAX + INGEST_MAXLISTEN + 32;
		if ((have = conn_fdlimit(need)) != -1 && have < need) {
			snprintf(msg, sizeof(msg), "ulimit -n %ld is below the "
			    "%ld descriptors of --max-conns %zu: when they run "
			    "out, connections are shed or refused", have, need,
			    o->lim.max);
			ing->cb.note(ing->cb.arg, msg);
		}
	}
	return 0;
}

struct ingest_stats *
ingest_stats(struct ingest *ing)
{
	return &ing->st;
}

int
ingest_pollfds(struct ingest *ing, struct pollfd *p, int *ms)
{
	double now = tm_mono(), until, d;
	int i, n = 0, paused, t;

	paused = conn_paused(&ing->ct, now, &until);
	for (i = 0; i < ing->nlis; i++) {
		p[n].fd = ing->lis[i].fd;
		/* out of descriptors: a readable listener would spin */
		p[n++].events = paused && ing->lis[i].proto == NET_TCP ? 0 :
		    POLLIN;
	}
	n += ingest_tcp_fill(ing, p + n, n);
	ing->vwk = n;
	n += ing->nvw = serve_fill(&ing->vw, p + n);
	d = conn_deadline(&ing->ct);
	if (paused && (d == 0 || until < d))
		d = until;
	if (ing->rpending && (d == 0 || ing->rscan < d))
		d = ing->rscan;	/* reports owed */
	if (d > 0) {
		t = d <= now ? 0 : d - now > 86400 ? 86400000 :
		    (int)((d - now) * 1000) + 1;
		if (*ms < 0 || t < *ms)
			*ms = t;
	}
	return n;
}

/* a viewer waiting on lfd, if the allow list and the descriptors let it */
static void
accept_viewer(struct ingest *ing, int lfd)
{
	struct sockaddr_storage ss;
	int fd;

	if ((fd = conn_accept(&ing->ct, lfd, &ss, tm_mono())) == -1)
		return;
	/* (out of descriptors: a viewer does not shed a connection) */
	if (!ingest_allowed(ing, (struct sockaddr *)&ss) || ing->ct.fdshort ||
	    serve_add(&ing->vw, fd) == -1) {
		if (!ingest_allowed(ing, (struct sockaddr *)&ss))
			ing->st.denied++;
		else
			ing->st.refused++;
		close(fd);
		conn_spare(&ing->ct);
	}
}

void
ingest_events(struct ingest *ing, struct pollfd *p, int n)
{
	int i;

	(void)n;
	for (i = 0; i < ing->nlis; i++) {
		if (!(p[i].revents & POLLIN))
			continue;
		if (ing->lis[i].proto == NET_UDP)
			ingest_udp_read(ing, &ing->lis[i]);
		else if (ing->lis[i].serve)
			accept_viewer(ing, ing->lis[i].fd);
		else
			ingest_accept(ing, &ing->lis[i]);
	}
	ingest_tcp_events(ing, p);
	serve_events(&ing->vw, p + ing->vwk, ing->nvw);
	ing->st.conns = ing->ct.live;
	ingest_reports(ing, tm_mono());
}

void
ingest_serve(struct ingest *ing, const char *p, size_t n)
{
	if (ing->o.serve != NULL)
		serve_send(&ing->vw, p, n);
}

void
ingest_durable(struct ingest *ing)
{
	ingest_tcp_durable(ing);
}

int
ingest_load(struct ingest *ing, const struct ckpt_sender *cs, size_t n)
{
	struct sender *s;
	struct session *ss;
	size_t i;
	int j, k;

	if (n == 0)
		return 0;
	if (ingest_snd_alloc(ing) == -1)
		return -1;
	for (i = 0; i < n && ing->nsnd < INGEST_MAXSENDERS; i++) {
		s = &ing->snd[ing->nsnd];
		memset(s, 0, sizeof(*s));
		s->used = 1;
		snprintf(s->pub.name, sizeof(s->pub.name), "%s", cs[i].name);
		for (k = 0; k < 3 && strcmp(snd_kinds[k], cs[i].kind) != 0; k++)
			;
		s->pub.kind = snd_kinds[k];
		snprintf(s->pub.addr, sizeof(s->pub.addr), "%s", cs[i].addr);
		s->hash = ingest_name_hash(s->pub.name, strlen(s->pub.name));
		s->pub.records = cs[i].records;
		s->pub.msgs = cs[i].msgs;
		s->pub.bad = cs[i].bad;
		s->pub.noschema = cs[i].noschema;
		s->pub.lost = cs[i].lost;
		s->pub.repeated = cs[i].repeated;
		s->pub.reordered = cs[i].reordered;
		s->pub.dup = cs[i].dup;
		s->pub.gaps = cs[i].gaps;
		s->pub.gapbytes = cs[i].gapbytes;
		s->pub.last = cs[i].last;
		s->at = ++ing->clock;
		s->feed.name = s->pub.name;
		s->feed.snd = &s->pub;
		for (j = 0; j < cs[i].nses && j < MAXSESSIONS; j++) {
			ss = &s->ses[j];
			ss->used = 1;
			ss->id = cs[i].ses[j].id;
			ss->msgs = cs[i].ses[j].msgs;
			ss->taken = cs[i].ses[j].taken;
			ss->at = ing->clock;
			wire_seq_reset(&ss->seq, ing->o.key != NULL);
		}
		if (*ingest_snd_slot(ing, s->pub.name, strlen(s->pub.name),
		    s->hash) != 0)
			continue;	/* a name twice: cannot be, ckpt refuses */
		*ingest_snd_slot(ing, s->pub.name, strlen(s->pub.name),
		    s->hash) = (uint32_t)ing->nsnd + 1;
		ing->nsnd++;
	}
	ing->st.senders = ing->nsnd;
	return 0;
}

int
ingest_save(struct ingest *ing, struct ckpt_sender **csp, size_t *np)
{
	struct ckpt_sender *cs;
	struct sender *s;
	int i, j, k;

	*csp = NULL;
	*np = 0;
	if (ing->nsnd > 0 && (*csp = calloc((size_t)ing->nsnd,
	    sizeof(**csp))) == NULL)
		return -1;
	for (i = 0; i < ing->nsnd; i++) {
		if (!(s = &ing->snd[i])->used)
			continue;
		cs = &(*csp)[(*np)++];
		snprintf(cs->name, sizeof(cs->name), "%s", s->pub.name);
		snprintf(cs->kind, sizeof(cs->kind), "%s", s->pub.kind);
		snprintf(cs->addr, sizeof(cs->addr), "%s", s->pub.addr);
		cs->records = s->pub.records;
		cs->msgs = s->pub.msgs;
		cs->bad = s->pub.bad;
		cs->noschema = s->pub.noschema;
		cs->lost = s->pub.lost;
		cs->repeated = s->pub.repeated;
		cs->reordered = s->pub.reordered;
		cs->dup = s->pub.dup;
		cs->gaps = s->pub.gaps;
		cs->gapbytes = s->pub.gapbytes;
		cs->last = s->pub.last;
		for (j = k = 0; j < MAXSESSIONS; j++)
			if (s->ses[j].used) {
				cs->ses[k].id = s->ses[j].id;
				cs->ses[k].msgs = s->ses[j].msgs;
				cs->ses[k++].taken = s->ses[j].taken;
			}
		cs->nses = k;
	}
	return 0;
}

void
ingest_put_senders(struct ingest *ing, struct snap_wr *w, struct out *o,
    int origins)
{
	static const char *const cols[] = {
		"records", "messages", "lost", "repeated", "reordered", "bad",
		"noschema", "dup", "gaps", "gapbytes"
	};
	const struct ingest_sender *s;
	struct rec_val v;
	uint64_t n[10];
	char num[32];
	int i, j, first = 1, nc = 7, oc = origins ? 3 : 0;
	int json = w->json;

	if (ing->o.nlisten == 0)
		return;
	/* the columns of origins once a record had one (at the end) */
	out_puts(o, json ? "\"senders\":[" :
	    "#sender\tkind\taddr\trecords\tmessages\tlost\trepeated\t"
	    "reordered\tbad\tnoschema\tlast");
	if (!json)
		out_puts(o, oc ? "\tdup\tgaps\tgapbytes\n" : "\n");
	for (i = 0; i < ing->nsnd; i++) {
		if (!ing->snd[i].used)
			continue;
		s = &ing->snd[i].pub;
		n[0] = s->records;
		n[1] = s->msgs;
		n[2] = s->lost;
		n[3] = s->repeated;
		n[4] = s->reordered;
		n[5] = s->bad;
		n[6] = s->noschema;
		n[7] = s->dup;
		n[8] = s->gaps;
		n[9] = s->gapbytes;
		v.p = s->name;
		v.len = (uint32_t)strlen(s->name);
		v.enc = REC_RAW;
		if (json) {
			out_puts(o, first ? "{\"sender\":" : ",{\"sender\":");
			rec_put_json(o, &v, 0);
			out_puts(o, ",\"kind\":\"");
			out_puts(o, s->kind);
			out_puts(o, "\",\"addr\":");
			v.p = s->addr;
			v.len = (uint32_t)strlen(s->addr);
			rec_put_json(o, &v, 0);
			for (j = 0; j < nc + oc; j++) {
				snprintf(num, sizeof(num), ",\"%s\":%" PRIu64, cols[j],
				    n[j]);
				out_puts(o, num);
			}
			out_puts(o, ",\"last\":");
			snap_put_time(w, s->last);
			out_putc(o, '}');
		} else {
			rec_put(o, &v);
			out_putc(o, '\t');
			out_puts(o, s->kind);
			out_putc(o, '\t');
			out_puts(o, s->addr);
			for (j = 0; j < nc; j++) {
				snprintf(num, sizeof(num), "\t%" PRIu64, n[j]);
				out_puts(o, num);
			}
			out_putc(o, '\t');
			snap_put_time(w, s->last);
			for (; j < nc + oc; j++) {
				snprintf(num, sizeof(num), "\t%" PRIu64, n[j]);
				out_puts(o, num);
			}
			out_putc(o, '\n');
		}
		first = 0;
	}
	if (json)
		out_puts(o, "],");
}


void
ingest_metrics(struct ingest *ing, struct out *o)
{
	static const struct {
		const char *name, *help;
	} fam[] = {
		{ "omph_sender_records_total", "Records counted, per sender." },
		{ "omph_sender_lost_total", "Datagrams lost, per sender." },
		{ "omph_sender_repeated_total", "Datagrams repeated, per sender." },
		{ "omph_sender_dup_total", "Records counted before, per sender." }
	};
	const struct ingest_stats *st = &ing->st;
	struct prom_label l = { "sender", NULL, 0 };
	const struct ingest_sender *s;
	uint64_t v;
	int f, i;

	if (ing->o.nlisten == 0)
		return;
	prom_counter(o, "omph_datagrams_total", "Datagrams received.", st->dgrams);
	prom_counter(o, "omph_denied_total", "Datagrams and connections denied by "
	    "--allow or --secret.", st->denied);
	prom_counter(o, "omph_malformed_total", "Datagrams and frames not well "
	    "formed.", st->malformed);
	prom_counter(o, "omph_refused_total", "Messages of new senders refused: the "
	    "sender table was full.", st->refused);
	prom_counter(o, "omph_reports_total", "Reports sent to UDP senders of "
	    "what was lost of theirs.", ing->reports);
	prom_counter(o, "omph_shed_total", "TCP connections closed to make room.",
	    st->shed);
	prom_counter(o, "omph_timedout_total", "TCP connections closed for "
	    "silence.", st->timedout);
	prom_family(o, "omph_connections", "gauge", "TCP connections open "
	    "now.");
	prom_u64(o, "omph_connections", NULL, 0, st->conns);
	/* per sender held (bounded): records, lost, repeated, dup */
	for (f = 0; f < 4; f++) {
		prom_family(o, fam[f].name, "counter", fam[f].help);
		for (i = 0; i < ing->nsnd; i++) {
			s = &ing->snd[i].pub;
			v = f == 0 ? s->records : f == 1 ? s->lost : f == 2 ?
			    s->repeated : s->dup;
			l.val = s->name;
			l.vlen = strlen(s->name);
			prom_u64(o, fam[f].name, &l, 1, v);
		}
	}
}

void
ingest_free(struct ingest *ing)
{
	int i;

	if (ing == NULL)
		return;
	ingest_tcp_close(ing);
	conn_fini(&ing->ct);
	serve_close(&ing->vw);
	for (i = 0; i < ing->nlis; i++)
		close(ing->lis[i].fd);
	free(ing->snd);
	free(ing->sndtab);
	free(ing->udpbuf);
	free(ing);
}

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "siphash.h"
#include "wire.h"

uint32_t
wire_schema(const char *hdr, size_t len)
{
	uint32_t h = hash_fnv32(HASH_FNV32, hdr, len);

	return h != 0 ? h : 1;
}

/* the next TAB- or LF-ended token of p[*i..n) */
static int
token(const char *p, size_t n, size_t *i, const char **t, size_t *tl, char end)
{
	const char *s = p + *i, *e;

	if (*i > n)
		return -1;
	if ((e = memchr(s, end, n - *i)) == NULL) {
		if (end != '\n')
			return -1;
		e = p + n;	/* the last token may end the text */
	}
	*t = s;
	*tl = (size_t)(e - s);
	*i += *tl + 1;
	return 0;
}

static int
hex32(const char *p, size_t n, uint32_t *v)
{
	size_t i;

	*v = 0;
	if (n == 0 || n > 8)
		return -1;
	for (i = 0; i < n; i++) {
		*v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			*v |= (uint32_t)(p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			*v |= (uint32_t)(p[i] - 'a' + 10);
		else
			return -1;
	}
	return 0;
}

static int
dec64(const char *p, size_t n, uint64_t *v)
{
	size_t i;

	*v = 0;
	if (n == 0 || n > 19 || (n > 1 && p[0] == '0'))
		return -1;	/* one way to write a number: no leading 0 */
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*v = *v * 10 + (uint64_t)(p[i] - '0');
	}
	return 0;
}

static int
valid_id(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > WIRE_IDMAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
			return 0;
	return 1;
}

/* "-" or 16 hexadecimal digits */
static int
tag64(const char *p, size_t n, int *tagged, uint64_t *v)
{
	uint32_t hi, lo;

	*v = 0;
	*tagged = 0;
	if (n == 1 && p[0] == '-')
		return 0;
	if (n != 16 || hex32(p, 8, &hi) == -1 || hex32(p + 8, 8, &lo) == -1)
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	*tagged = 1;
	return 0;
}

/* the TAG field for a tag, or "-" without a key */
static const char *
tagtext(char *buf, const uint8_t *key, uint64_t tag)
{
	if (key == NULL)
		return "-";
	snprintf(buf, 17, "%016" PRIx64, tag);
	return buf;
}

int
wire_read_secret(const char *path, uint8_t *key, char *err, size_t errlen)
{
	struct stat st;
	char buf[80];
	ssize_t n;
	size_t len = 0, i;
	uint32_t w;
	int fd, zero = 1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "%s: others than its owner may read or "
		    "write it (chmod 600)", path);
		goto fail;
	}
	while (len < sizeof(buf) && (n = read(fd, buf + len,
	    sizeof(buf) - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		len += (size_t)n;
	}
	close(fd);
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	for (i = 0; i < len; i++)
		if (buf[i] >= 'A' && buf[i] <= 'F')
			buf[i] = (char)(buf[i] - 'A' + 'a');
	if (len != 2 * WIRE_KEYLEN) {
		snprintf(err, errlen, "%s: not a key of 32 hexadecimal digits "
		    "(one from: openssl rand -hex 16)", path);
		return -1;
	}
	for (i = 0; i < WIRE_KEYLEN; i += 4) {
		if (hex32(buf + 2 * i, 8, &w) == -1) {
			snprintf(err, errlen, "%s: not a key of 32 hexadecimal "
			    "digits (one from: openssl rand -hex 16)", path);
			return -1;
		}
		key[i] = (uint8_t)(w >> 24);
		key[i + 1] = (uint8_t)(w >> 16);
		key[i + 2] = (uint8_t)(w >> 8);
		key[i + 3] = (uint8_t)w;
		zero &= w == 0;
	}
	if (zero) {
		snprintf(err, errlen, "%s: a key of zeros", path);
		return -1;
	}
	return 0;
fail:
	close(fd);
	return -1;
}

size_t
wire_put_dgram(char *buf, const char *id, uint32_t session, uint64_t seq,
    uint32_t schema, int64_t time, const char *body, size_t bodylen,
    const uint8_t *key)
{
	struct siphash h;
	char t[17];
	int n;

	n = snprintf(buf, WIRE_HEADMAX, WIRE_MAGIC "%.*s\t%08" PRIx32 "\t%"
	    PRIu64 "\t%08" PRIx32 "\t%" PRId64 "\t%zu\t", WIRE_IDMAX, id,
	    session, seq, schema, time < 0 ? 0 : time, bodylen);
	if (key != NULL) {
		siphash_init(&h, key);
		siphash_add(&h, buf, (size_t)n);
		siphash_add(&h, body, bodylen);
	}
	n += snprintf(buf + n, WIRE_HEADMAX - (size_t)n, "%s\n", tagtext(t,
	    key, key != NULL ? siphash_end(&h) : 0));
	return (size_t)n;
}

int
wire_parse_dgram(char *p, size_t n, struct wire_dgram *d)
{
	const char *t;
	size_t i = WIRE_MAGICLEN, tl, lim = n < WIRE_HEADMAX ? n : WIRE_HEADMAX;
	uint64_t v, len;

	if (n < WIRE_MAGICLEN || memcmp(p, WIRE_MAGIC, WIRE_MAGICLEN) != 0)
		return -1;
	if (token(p, lim, &i, &d->id, &d->idlen, '\t') == -1 ||
	    !valid_id(d->id, d->idlen) ||
	    token(p, lim, &i, &t, &tl, '\t') == -1 ||
	    hex32(t, tl, &d->session) == -1 ||
	    token(p, lim, &i, &t, &tl, '\t') == -1 ||
	    dec64(t, tl, &d->seq) == -1 ||
	    token(p, lim, &i, &t, &tl, '\t') == -1 ||
	    hex32(t, tl, &d->schema) == -1 ||
	    token(p, lim, &i, &t, &tl, '\t') == -1 ||
	    dec64(t, tl, &v) == -1 || v > INT64_MAX ||
	    token(p, lim, &i, &t, &tl, '\t') == -1 ||
	    dec64(t, tl, &len) == -1)
		return -1;
	d->time = (int64_t)v;
	d->signlen = i;
	if (i >= lim || memchr(p + i, '\n', lim - i) == NULL ||
	    token(p, lim, &i, &t, &tl, '\n') == -1 ||
	    tag64(t, tl, &d->tagged, &d->tag) == -1 || len != n - i)
		return -1;
	d->body = p + i;
	d->bodylen = n - i;
	return 0;
}

int
wire_dgram_ok(const char *p, const struct wire_dgram *d, const uint8_t *key)
{
	struct siphash h;

	if (!d->tagged)
		return 0;
	siphash_init(&h, key);
	siphash_add(&h, p, d->signlen);
	siphash_add(&h, d->body, d->bodylen);
	return siphash_end(&h) == d->tag;
}

size_t
wire_put_hello(char *buf, const char *id, uint32_t session, uint64_t offset,
    int64_t time, const char *hdr, size_t hdrlen, const uint8_t *key,
    uint64_t *tag)
{
	struct siphash h;
	char t[17];
	int n;

	n = snprintf(buf, WIRE_HEADMAX, WIRE_MAGIC "%.*s\t%08" PRIx32 "\t%"
	    PRIu64 "\t%" PRId64 "\t", WIRE_IDMAX, id, session, offset,
	    time < 0 ? 0 : time);
	*tag = 0;
	if (key != NULL) {
		siphash_init(&h, key);
		siphash_add(&h, buf, (size_t)n);
		siphash_add(&h, hdr, hdrlen);
		siphash_add(&h, "\n", 1);
		*tag = siphash_end(&h);
	}
	n += snprintf(buf + n, WIRE_HEADMAX - (size_t)n, "%s\n", tagtext(t,
	    key, *tag));
	return (size_t)n;
}

int
wire_parse_hello(const char *p, size_t n, struct wire_hello *h)
{
	const char *t;
	size_t i = WIRE_MAGICLEN, tl;
	uint64_t v;

	if (n < WIRE_MAGICLEN || memcmp(p, WIRE_MAGIC, WIRE_MAGICLEN) != 0 ||
	    token(p, n, &i, &h->id, &h->idlen, '\t') == -1 ||
	    !valid_id(h->id, h->idlen) ||
	    token(p, n, &i, &t, &tl, '\t') == -1 ||
	    hex32(t, tl, &h->session) == -1 ||
	    token(p, n, &i, &t, &tl, '\t') == -1 ||
	    dec64(t, tl, &h->offset) == -1 ||
	    token(p, n, &i, &t, &tl, '\t') == -1 ||
	    dec64(t, tl, &v) == -1 || v > INT64_MAX)
		return -1;
	h->time = (int64_t)v;
	h->signlen = i;
	if (token(p, n, &i, &t, &tl, '\n') == -1 ||
	    tag64(t, tl, &h->tagged, &h->tag) == -1 || i != n + 1)
		return -1;
	return 0;
}

int
wire_hello_ok(const char *p, const struct wire_hello *h, const char *hdr,
    size_t hdrlen, const uint8_t *key)
{
	struct siphash sh;

	if (!h->tagged)
		return 0;
	siphash_init(&sh, key);
	siphash_add(&sh, p, h->signlen);
	siphash_add(&sh, hdr, hdrlen);
	siphash_add(&sh, "\n", 1);
	return siphash_end(&sh) == h->tag;
}

uint64_t
wire_frame_tag(uint64_t htag, uint64_t off, const char *payload, size_t len,
    const uint8_t *key)
{
	struct siphash h;
	char pre[64];
	int n;

	n = snprintf(pre, sizeof(pre), "%016" PRIx64 "\t%" PRIu64 "\t%zu\t",
	    htag, off, len);
	siphash_init(&h, key);
	siphash_add(&h, pre, (size_t)n);
	siphash_add(&h, payload, len);
	return siphash_end(&h);
}

size_t
wire_put_frame(char *buf, uint64_t htag, uint64_t off, const char *payload,
    size_t len, const uint8_t *key)
{
	char t[17];

	return (size_t)snprintf(buf, WIRE_FRAMEHEAD, "%zu\t%s\n", len,
	    tagtext(t, key, key != NULL ? wire_frame_tag(htag, off, payload,
	    len, key) : 0));
}

int
wire_parse_frame(const char *p, size_t n, size_t *len, uint64_t *tag)
{
	const char *t;
	size_t i = 0, tl;
	uint64_t v;
	int tagged;

	if (token(p, n, &i, &t, &tl, '\t') == -1 || tl > 9 ||
	    dec64(t, tl, &v) == -1 || v == 0 ||
	    token(p, n, &i, &t, &tl, '\n') == -1 ||
	    tag64(t, tl, &tagged, tag) == -1 || !tagged || i != n + 1)
		return -1;
	*len = (size_t)v;
	return 0;
}

size_t
wire_put_ack(char *buf, uint64_t off, uint64_t htag, const uint8_t *key)
{
	char pre[64];
	int n;

	if (key == NULL)
		return (size_t)snprintf(buf, 64, "#ack\t%" PRIu64 "\n", off);
	n = snprintf(pre, sizeof(pre), "%016" PRIx64 "\t#ack\t%" PRIu64, htag,
	    off);
	return (size_t)snprintf(buf, 64, "#ack\t%" PRIu64 "\t%016" PRIx64 "\n",
	    off, siphash24(key, pre, (size_t)n));
}

int
wire_parse_ack(const char *p, size_t n, uint64_t htag, const uint8_t *key,
    uint64_t *off)
{
	char want[64];
	size_t i = 5, tl, wl;
	const char *t;

	if (n < 6 || memcmp(p, "#ack\t", 5) != 0 ||
	    token(p, n, &i, &t, &tl, key != NULL ? '\t' : '\n') == -1 ||
	    dec64(t, tl, off) == -1)
		return -1;
	if (key == NULL)
		return i == n + 1 ? 0 : -1;
	wl = wire_put_ack(want, *off, htag, key);
	return wl - 1 == n && memcmp(want, p, n) == 0 ? 0 : -1;
}

size_t
wire_put_report(char *buf, const struct wire_report *r, const uint8_t *key)
{
	char t[17];
	int n;

	n = snprintf(buf, WIRE_REPORTMAX, "#report\t%08" PRIx32 "\t%" PRIu64
	    "\t%" PRIu64 "\t%" PRIu64 "\t", r->session, r->seq, r->got, r->lost);
	n += snprintf(buf + n, WIRE_REPORTMAX - (size_t)n, "%s\n", tagtext(t,
	    key, key != NULL ? siphash24(key, buf, (size_t)n) : 0));
	return (size_t)n;
}

int
wire_parse_report(const char *p, size_t n, const uint8_t *key,
    struct wire_report *r)
{
	const char *t;
	size_t i = 8, tl, signlen;
	uint64_t tag;
	int tagged;

	if (n < 9 || n > WIRE_REPORTMAX || memcmp(p, "#report\t", 8) != 0 ||
	    p[n - 1] != '\n' ||
	    token(p, n, &i, &t, &tl, '\t') == -1 ||
	    tl != 8 || hex32(t, tl, &r->session) == -1 ||
	    token(p, n, &i, &t, &tl, '\t') == -1 ||
	    dec64(t, tl, &r->seq) == -1 ||
	    token(p, n, &i, &t, &tl, '\t') == -1 ||
	    dec64(t, tl, &r->got) == -1 ||
	    token(p, n, &i, &t, &tl, '\t') == -1 ||
	    dec64(t, tl, &r->lost) == -1)
		return -1;
	signlen = i;
	if (token(p, n - 1, &i, &t, &tl, '\n') == -1 || i != n ||
	    tag64(t, tl, &tagged, &tag) == -1)
		return -1;
	if (key != NULL && (!tagged || siphash24(key, p, signlen) != tag))
		return -1;
	return 0;
}

void
wire_seq_reset(struct wire_seq *s, int strict)
{
	memset(s, 0, sizeof(*s));
	s->strict = strict;
}

#define BIT(s, q) ((s)->bits[((q) % WIRE_SEQWIN) / 64] & \
    (1ULL << ((q) % 64)))
#define SET(s, q) ((s)->bits[((q) % WIRE_SEQWIN) / 64] |= \
    (1ULL << ((q) % 64)))
#define CLR(s, q) ((s)->bits[((q) % WIRE_SEQWIN) / 64] &= \
    ~(1ULL << ((q) % 64)))

int
wire_seq_add(struct wire_seq *s, uint64_t seq)
{
	uint64_t q;

	if (!s->init) {
		s->init = 1;
		s->max = seq;
		SET(s, seq);
		return 0;
	}
	if (seq > s->max) {
		s->lost += seq - s->max - 1;
		if (seq - s->max >= WIRE_SEQWIN)
			memset(s->bits, 0, sizeof(s->bits));
		else
			for (q = s->max + 1; q < seq; q++)
				CLR(s, q);
		s->max = seq;
		SET(s, seq);
		return 0;
	}
	if (s->max - seq >= WIRE_SEQWIN) {
		if (s->strict) {
			s->repeated++;
			return 1;
		}
		s->reordered++;
		return 0;
	}
	if (BIT(s, seq)) {
		s->repeated++;
		return 1;
	}
	SET(s, seq);
	s->reordered++;
	if (s->lost > 0)
		s->lost--;
	return 0;
}

size_t
wire_put_syslog(char *buf, size_t cap, int pri, const char *ts,
    const char *host, const char *app, const char *procid, const char *msg,
    size_t msglen)
{
	int n;

	n = snprintf(buf, cap, "<%d>1 %s %.255s %.48s %.128s - - ", pri, ts,
	    host, app, procid);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	if (msglen > cap - (size_t)n)
		msglen = cap - (size_t)n;
	memcpy(buf + n, msg, msglen);
	return (size_t)n + msglen;
}

/* the next space-ended word of p[*i..n) */
static int
word(const char *p, size_t n, size_t *i, const char **w, size_t *wl)
{
	const char *s = p + *i, *e;

	if (*i >= n)
		return -1;
	if ((e = memchr(s, ' ', n - *i)) == NULL)
		e = p + n;
	*w = s;
	*wl = (size_t)(e - s);
	*i = (size_t)(e - p) + (e < p + n);
	return *wl > 0 ? 0 : -1;
}

/* "Mmm dd hh:mm:ss" (RFC 3164) at p */
static int
is_bsd_time(const char *p, size_t n)
{
	return n >= 15 && p[3] == ' ' && p[6] == ' ' && p[9] == ':' &&
	    p[12] == ':' && p[0] >= 'A' && p[0] <= 'Z';
}

/* decode "#011" to TAB in place; the new length */
static size_t
undo_escapes(char *p, size_t n)
{
	char *r = p, *w = p, *e = p + n;

	while (r < e) {
		if (r[0] == '#' && e - r >= 4 && r[1] == '0' && r[2] == '1' &&
		    r[3] == '1') {
			*w++ = '\t';
			r += 4;
		} else
			*w++ = *r++;
	}
	return (size_t)(w - p);
}

int
wire_parse_syslog(char *p, size_t n, struct wire_syslog *m)
{
	const char *w;
	size_t i = 1, wl, j;

	memset(m, 0, sizeof(*m));
	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r' ||
	    p[n - 1] == '\0'))
		n--;
	if (n < 4 || p[0] != '<')
		return -1;
	while (i < n && i < 5 && p[i] >= '0' && p[i] <= '9')
		i++;
	if (i == 1 || i >= n || p[i] != '>')
		return -1;
	i++;
	if (n - i >= 2 && p[i] == '1' && p[i + 1] == ' ') {
		/* RFC 5424: VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD */
		i += 2;
		if (word(p, n, &i, &w, &wl) == -1 ||
		    word(p, n, &i, &m->host, &m->hostlen) == -1 ||
		    word(p, n, &i, &m->app, &m->applen) == -1 ||
		    word(p, n, &i, &m->procid, &m->procidlen) == -1 ||
		    word(p, n, &i, &w, &wl) == -1)
			return -1;
		if (i < n && p[i] == '[') {
			/* structured data: [id k="v" ...]..., with \] escapes */
			while (i < n && p[i] == '[') {
				for (i++; i < n && p[i] != ']'; i++)
					if (p[i] == '\\')
						i++;
				i++;
			}
			if (i < n && p[i] == ' ')
				i++;
		} else if (word(p, n, &i, &w, &wl) == -1 || wl != 1 || w[0] != '-')
			return -1;
		if (i > n)
			i = n;
		if (n - i >= 3 && memcmp(p + i, "\xef\xbb\xbf", 3) == 0)
			i += 3;	/* BOM */
	} else {
		/* RFC 3164: TIMESTAMP HOSTNAME TAG[PID]: MSG */
		if (is_bsd_time(p + i, n - i))
			i += 16;
		else if (i < n && p[i] >= '0' && p[i] <= '9' &&
		    word(p, n, &i, &w, &wl) == -1)
			return -1;
		if (word(p, n, &i, &m->host, &m->hostlen) == -1)
			return -1;
		m->app = p + i;
		for (j = i; j < n && p[j] != ':' && p[j] != '[' && p[j] != ' '; j++)
			;
		m->applen = j - i;
		if (j < n && p[j] == '[') {
			m->procid = p + j + 1;
			for (j++; j < n && p[j] != ']'; j++)
				;
			m->procidlen = (size_t)(p + j - m->procid);
			j++;
		}
		if (j < n && p[j] == ':')
			j++;
		if (j < n && p[j] == ' ')
			j++;
		i = j > n ? n : j;
	}
	m->msg = p + i;
	m->msglen = n - i;
	if (memchr(m->msg, '\t', m->msglen) == NULL)
		m->msglen = undo_escapes(m->msg, m->msglen);
	return 0;
}

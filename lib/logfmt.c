#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lfint.h"


static const char *const presets[][2] = {
	{ "clf", "%h %l %u %t \"%r\" %>s %b" },
	{ "combined", "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\"" },
	{ "vcombined", "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" },
};

const char *
lf_preset(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		if (strcmp(presets[i][0], name) == 0)
			return presets[i][1];
	return NULL;
}

void
lf_free(struct lf_prog *pg)
{
	free(pg);
}

const struct rec_schema *
lf_schema(const struct lf_prog *pg)
{
	return &pg->schema;
}

/* column for a canonical name (or, when taken, for fallback) */
static int
column(struct lf_prog *pg, const char *canon, const char *fallback,
    size_t fblen)
{
	struct rec_schema *s = &pg->schema;
	const char *name = canon;
	int i;

	for (i = 0; canon != NULL && i < s->n; i++)
		if (strcmp(s->names[i], canon) == 0)
			canon = NULL;
	if (canon == NULL) {
		/* the own name; a repeated own name gets the same column */
		if (pg->namelen + fblen + 1 > sizeof(pg->names))
			return -1;
		for (i = 0; i < s->n; i++)
			if (strlen(s->names[i]) == fblen &&
			    memcmp(s->names[i], fallback, fblen) == 0)
				return i;
		name = pg->names + pg->namelen;
		memcpy(pg->names + pg->namelen, fallback, fblen);
		pg->names[pg->namelen + fblen] = '\0';
		pg->namelen += fblen + 1;
	}
	if (s->n == REC_MAXF)
		return -1;
	s->names[s->n] = name;
	return s->n++;
}

static int
add_lit(struct lf_prog *pg, const char *p, size_t n)
{
	struct item *it;

	if (n == 0)
		return 0;
	if (pg->litlen + n > sizeof(pg->lits))
		return -1;
	if (pg->n > 0 && pg->it[pg->n - 1].kind == I_LIT) {
		/* extend the previous literal (bytes are contiguous) */
		it = &pg->it[pg->n - 1];
	} else {
		if (pg->n == LF_MAXITEMS)
			return -1;
		it = &pg->it[pg->n++];
		memset(it, 0, sizeof(*it));
		it->kind = I_LIT;
		it->off = (uint16_t)pg->litlen;
	}
	memcpy(pg->lits + pg->litlen, p, n);
	pg->litlen += n;
	it->len = (uint16_t)(it->len + n);
	return 0;
}

/* lower-case s (n bytes) into d with '-' as '_', prefixed by pfx */
static size_t
own_name(char *d, size_t dsz, const char *pfx, const char *s, size_t n)
{
	size_t k = strlen(pfx), i;

	if (k + n >= dsz)
		n = dsz - k - 1;
	memcpy(d, pfx, k);
	for (i = 0; i < n; i++)
		d[k + i] = s[i] == '-' ? '_' : (char)tolower((unsigned char)s[i]);
	d[k + n] = '\0';
	return k + n;
}

struct map {
	const char *name;	/* directive (nginx variable or Apache letter) */
	const char *canon;	/* canonical column or NULL */
	const char *own;	/* own name when not canonical (or taken) */
	int type;
};

static const struct map apache_map[] = {
	{ "a", "client", "remote_ip", T_CLIENT },
	{ "A", NULL, "local_ip", T_TOKEN },
	{ "B", "bytes", "bytes_body", T_BYTES },
	{ "b", "bytes", "bytes_body", T_BYTES },
	{ "D", "duration", "duration_us", T_DUR_US },
	{ "f", NULL, "filename", T_TOKEN },
	{ "h", "client", "remote_host", T_CLIENT },
	{ "H", "protocol", "request_protocol", T_TOKEN },
	{ "I", NULL, "bytes_in", T_BYTES },
	{ "k", NULL, "keepalive", T_NUM },
	{ "l", NULL, "ident", T_TOKEN },
	{ "L", NULL, "log_id", T_TOKEN },
	{ "m", "method", "request_method", T_TOKEN },
	{ "O", "bytes", "bytes_out", T_BYTES },
	{ "p", NULL, "port", T_NUM },
	{ "P", NULL, "pid", T_NUM },
	{ "q", "query", "query_string", T_QUERY },
	{ "r", NULL, NULL, T_REQUEST },
	{ "R", NULL, "handler", T_TOKEN },
	{ "s", "status", "status_original", T_STATUS },
	{ "S", NULL, "bytes_transferred", T_BYTES },
	{ "t", "time", "time_received", T_TIME_BR },
	{ "T", "duration", "duration_s", T_DUR_S },
	{ "u", "user", "remote_user", T_TOKEN },
	{ "U", "path", "url_path", T_TOKEN },
	{ "v", "vhost", "server_name", T_TOKEN },
	{ "V", "vhost", "server_name", T_TOKEN },
	{ "X", NULL, "conn_status", T_TOKEN },
	{ NULL, NULL, NULL, 0 }
};

static const struct map nginx_map[] = {
	{ "remote_addr", "client", NULL, T_CLIENT },
	{ "remote_user", "user", NULL, T_TOKEN },
	{ "time_local", "time", NULL, T_TIME_CLF },
	{ "time_iso8601", "time", NULL, T_TIME_ISO },
	{ "msec", "time", NULL, T_TIME_SEC },
	{ "request", NULL, NULL, T_REQUEST },
	{ "status", "status", NULL, T_STATUS },
	{ "body_bytes_sent", "bytes", NULL, T_BYTES },
	{ "bytes_sent", "bytes", NULL, T_BYTES },
	{ "request_length", NULL, NULL, T_BYTES },
	{ "http_referer", "referer", NULL, T_TOKEN },
	{ "http_user_agent", "agent", NULL, T_TOKEN },
	{ "request_time", "duration", NULL, T_DUR_S },
	{ "host", "vhost", NULL, T_TOKEN },
	{ "server_name", "vhost", NULL, T_TOKEN },
	{ "http_host", "vhost", NULL, T_TOKEN },
	{ "request_method", "method", NULL, T_TOKEN },
	{ "request_uri", NULL, NULL, T_URI },
	{ "uri", "path", NULL, T_TOKEN },
	{ "document_uri", "path", NULL, T_TOKEN },
	{ "args", "query", NULL, T_TOKEN },
	{ "query_string", "query", NULL, T_TOKEN },
	{ "server_protocol", "protocol", NULL, T_TOKEN },
	{ "server_port", NULL, NULL, T_NUM },
	{ "pid", NULL, NULL, T_NUM },
	{ NULL, NULL, NULL, 0 }
};

static const struct map *
lookup(const struct map *m, const char *name, size_t n)
{
	for (; m->name != NULL; m++)
		if (strlen(m->name) == n && memcmp(m->name, name, n) == 0)
			return m;
	return NULL;
}

/* add a field item; dname/dlen is the directive as written, for messages */
static int
add_field(struct lf_prog *pg, int type, const char *canon, const char *own,
    size_t ownlen, const char *dname, size_t dlen)
{
	static const char *const rq_canon[RQ_N] = { "method", "path", "query",
	    "protocol", NULL };
	static const char *const rq_own[RQ_N] = { "request_method",
	    "request_path", "request_query", "request_protocol", "request" };
	struct item *it;
	int i;

	if (pg->n == LF_MAXITEMS || pg->litlen + dlen > sizeof(pg->lits))
		return -1;
	it = &pg->it[pg->n++];
	memset(it, 0, sizeof(*it));
	it->kind = I_FIELD;
	it->type = (uint8_t)type;
	it->off = (uint16_t)pg->litlen;
	it->len = (uint16_t)dlen;
	memcpy(pg->lits + pg->litlen, dname, dlen);
	pg->litlen += dlen;
	for (i = 0; i < RQ_N; i++)
		it->col[i] = -1;
	if (type == T_REQUEST) {
		for (i = 0; i < RQ_N; i++)
			if ((it->col[i] = (int16_t)column(pg, rq_canon[i],
			    rq_own[i], strlen(rq_own[i]))) < 0)
				return -1;
	} else if (type == T_URI) {
		if ((it->col[0] = (int16_t)column(pg, "path", "request_path",
		    12)) < 0 || (it->col[1] = (int16_t)column(pg, "query",
		    "request_query", 13)) < 0)
			return -1;
	} else if ((it->col[0] = (int16_t)column(pg, canon, own, ownlen)) < 0)
		return -1;
	return 0;
}

static int
apache_directive(struct lf_prog *pg, const char **pp, char *err, size_t errlen)
{
	const char *p = *pp, *d = p, *arg = NULL;
	size_t arglen = 0;
	const struct map *m;
	const char *canon;
	char own[64];
	size_t ownlen;
	int type;

	p++;	/* '%' */
	while (*p == '<' || *p == '>' || *p == '!' || *p == ',' ||
	    (*p >= '0' && *p <= '9'))
		p++;
	if (*p == '{') {
		arg = ++p;
		while (*p != '\0' && *p != '}')
			p++;
		if (*p != '}') {
			snprintf(err, errlen, "unclosed %%{ in the format");
			return -1;
		}
		arglen = (size_t)(p - arg);
		p++;
	}
	if (*p == '\0' || *p == '^') {
		snprintf(err, errlen, "unsupported directive %.*s",
		    (int)(p - d + (*p ? 3 : 0)), d);
		return -1;
	}
	*pp = p + 1;
	if (arg != NULL && (*p == 'i' || *p == 'C' || *p == 'e' || *p == 'n' ||
	    *p == 'o' || *p == 'x')) {
		const char *prefix = *p == 'i' ? "http_" : *p == 'o' ?
		    "sent_http_" : *p == 'C' ? "cookie_" : *p == 'e' ? "env_" :
		    *p == 'n' ? "note_" : "x_";
		canon = NULL;
		type = T_TOKEN;
		if (*p == 'i' && arglen == 7 && strncasecmp(arg, "referer", 7) == 0)
			canon = "referer";
		else if (*p == 'i' && arglen == 10 &&
		    strncasecmp(arg, "user-agent", 10) == 0)
			canon = "agent";
		else if (*p == 'i' && arglen == 4 && strncasecmp(arg, "host", 4) == 0)
			canon = "vhost";
		ownlen = own_name(own, sizeof(own), prefix, arg, arglen);
		return add_field(pg, type, canon, own, ownlen, d, (size_t)(*pp - d));
	}
	if ((m = lookup(apache_map, p, 1)) == NULL) {
		snprintf(err, errlen, "unknown directive %.*s", (int)(*pp - d), d);
		return -1;
	}
	type = m->type;
	if (arg != NULL && *p == 't') {
		if (arglen == 3 && memcmp(arg, "sec", 3) == 0)
			type = T_TIME_SEC;
		else if (arglen == 4 && memcmp(arg, "msec", 4) == 0)
			type = T_TIME_MSEC;
		else if (arglen == 4 && memcmp(arg, "usec", 4) == 0)
			type = T_TIME_USEC;
		else {
			snprintf(err, errlen, "unsupported time format %.*s "
			    "(use %%t, %%{sec}t, %%{msec}t or %%{usec}t)",
			    (int)(*pp - d), d);
			return -1;
		}
	} else if (arg != NULL && *p == 'T') {
		if (arglen == 2 && memcmp(arg, "ms", 2) == 0)
			type = T_DUR_MS;
		else if (arglen == 2 && memcmp(arg, "us", 2) == 0)
			type = T_DUR_US;
	}
	ownlen = strlen(m->own ? m->own : "");
	return add_field(pg, type, m->canon, m->own, ownlen, d,
	    (size_t)(*pp - d));
}

static int
nginx_variable(struct lf_prog *pg, const char **pp, char *err, size_t errlen)
{
	const char *p = *pp + 1, *name;
	size_t n;
	const struct map *m;
	char own[64];
	size_t ownlen;
	int brace = 0;

	if (*p == '{') {
		brace = 1;
		p++;
	}
	name = p;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	n = (size_t)(p - name);
	if (n == 0 || (brace && *p != '}')) {
		snprintf(err, errlen, "bad variable at \"%.10s\"", *pp);
		return -1;
	}
	if (brace)
		p++;
	*pp = p;
	ownlen = own_name(own, sizeof(own), "", name, n);
	if ((m = lookup(nginx_map, name, n)) != NULL)
		return add_field(pg, m->type, m->canon, own, ownlen, name - 1 -
		    brace, (size_t)(p - name) + 1 + (size_t)brace);
	return add_field(pg, T_TOKEN, NULL, own, ownlen, name - 1 - brace,
	    (size_t)(p - name) + 1 + (size_t)brace);
}

/* index byte c in each line, when there is a mask left for it */
static void
add_delim(struct lf_prog *pg, unsigned char c)
{
	if (pg->slot[c] >= 0 || pg->ndelim == LF_NDELIM)
		return;
	pg->slot[c] = (signed char)pg->ndelim;
	pg->delim[pg->ndelim++] = c;
}

struct lf_prog *
lf_compile(const char *fmt, int dialect, char *err, size_t errlen)
{
	struct lf_prog *pg;
	const char *p = fmt;
	char c;
	int i;

	if ((pg = calloc(1, sizeof(*pg))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	while (*p != '\0') {
		if (dialect == LF_APACHE && p[0] == '%' && p[1] == '%') {
			if (add_lit(pg, "%", 1) == -1)
				goto toolong;
			p += 2;
		} else if (dialect == LF_APACHE && *p == '%') {
			if (apache_directive(pg, &p, err, errlen) == -1)
				goto fail;
		} else if (dialect == LF_NGINX && *p == '$') {
			if (nginx_variable(pg, &p, err, errlen) == -1)
				goto fail;
		} else if (*p == '\\' && p[1] != '\0') {
			/* as pasted from httpd.conf: \" \t \n \\ */
			c = p[1] == 't' ? '\t' : p[1] == 'n' ? '\n' : p[1];
			if (add_lit(pg, &c, 1) == -1)
				goto toolong;
			p += 2;
		} else {
			if (add_lit(pg, p, 1) == -1)
				goto toolong;
			p++;
		}
		if (pg->schema.n >= REC_MAXF || pg->n >= LF_MAXITEMS)
			goto toolong;
	}
	if (pg->schema.n == 0) {
		snprintf(err, errlen, "the format has no fields");
		goto fail;
	}
	memset(pg->slot, -1, sizeof(pg->slot));
	add_delim(pg, ' ');
	for (i = 0; i < pg->n; i++) {
		if (pg->it[i].kind == I_FIELD && pg->it[i].type == T_TIME_BR)
			add_delim(pg, ']');
		if (pg->it[i].kind == I_LIT && i > 0)
			add_delim(pg, (unsigned char)pg->lits[pg->it[i].off]);
	}
	/* a request's or URI's query, when a mask is left */
	for (i = 0; i < pg->n; i++)
		if (pg->it[i].kind == I_FIELD && (pg->it[i].type == T_REQUEST ||
		    pg->it[i].type == T_URI))
			add_delim(pg, '?');
	pg->status_col = -1;
	for (i = 0; i < pg->schema.n; i++)
		if (strcmp(pg->schema.names[i], "status") == 0)
			pg->status_col = i;
	for (i = 0; i < pg->n; i++) {
		struct item *it = &pg->it[i];

		if (it->kind != I_FIELD)
			continue;
		if (i + 1 < pg->n && pg->it[i + 1].kind == I_FIELD &&
		    it->type != T_TIME_BR) {
			snprintf(err, errlen, "fields %.*s and %.*s touch: "
			    "nothing tells where one ends", it->len,
			    pg->lits + it->off, pg->it[i + 1].len,
			    pg->lits + pg->it[i + 1].off);
			goto fail;
		}
		it->quoted = i > 0 && i + 1 < pg->n &&
		    pg->lits[pg->it[i - 1].off + pg->it[i - 1].len - 1] == '"' &&
		    pg->lits[pg->it[i + 1].off] == '"';
	}
	lf_plan(pg);
	return pg;
toolong:
	snprintf(err, errlen, "the format is too long");
fail:
	free(pg);
	errno = EINVAL;
	return NULL;
}


/* 1 if the byte at q is preceded by an odd run of backslashes (from p) */
static int
escaped(const char *p, const char *q)
{
	const char *b = q;

	while (b > p && b[-1] == '\\')
		b--;
	return (q - b) & 1;
}




/* first occurrence of lit (n >= 1) in [p, e), skipping \-escaped bytes
 * when quoted; NULL if none */
static char *
find_lit(struct lf_prog *pg, char *p, char *e, const char *lit, size_t n,
    int quoted)
{
	char *s = p, *q;

	while (s < e) {
		if ((q = find_c(pg, s, e, (unsigned char)*lit)) == NULL)
			return NULL;
		if ((size_t)(e - q) >= n && lit_eq(q, lit, n) &&
		    !(quoted && *lit != '\\' && !pg->clean && escaped(p, q)))
			return q;
		s = q + 1;
	}
	return NULL;
}

/* decimal "digits[.digits]" */
static int
is_decimal(const char *p, size_t n)
{
	const char *dot = memchr(p, '.', n);

	if (dot == NULL)
		return lf_digits(p, n);
	return lf_digits(p, (size_t)(dot - p)) &&
	    (dot + 1 == p + n || lf_digits(dot + 1, (size_t)(p + n - dot - 1)));
}

/* path?query into two columns */
static void
split_uri(struct lf_prog *pg, struct rec_val *vals, int cpath, int cquery,
    char *p, size_t n,
    int enc)
{
	char *q = find_c(pg, p, p + n, '?');

	if (q == NULL) {
		lf_set(&vals[cpath], p, n, enc);
		return;
	}
	lf_set(&vals[cpath], p, (size_t)(q - p), enc);
	lf_set(&vals[cquery], q + 1, (size_t)(p + n - q - 1), enc);
}

static int
is_method(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > 32)
		return 0;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || p[i] == '-' || p[i] == '_'))
			return 0;
	return 1;
}

static void
request(struct lf_prog *pg, struct rec_val *vals, const struct item *it,
    char *p, size_t n, int enc)
{
	char *sp1, *sp2;

	if ((sp1 = memchr(p, ' ', n)) == NULL) {
		lf_set(&vals[it->col[RQ_RAW]], p, n, enc);
		return;
	}
	for (sp2 = p + n - 1; sp2 > sp1 && *sp2 != ' '; sp2--)
		;
	lf_request_at(pg, vals, it, p, n, enc, sp1, sp2);
}

void
lf_request_at(struct lf_prog *pg, struct rec_val *vals, const struct item *it,
    char *p, size_t n, int enc, char *sp1, char *sp2)
{
	lf_set(&vals[it->col[RQ_RAW]], p, n, enc);
	if (sp2 == sp1 || !is_method(p, (size_t)(sp1 - p)) ||
	    p + n - sp2 - 1 < 6 || sp2[1] != 'H' || sp2[2] != 'T' ||
	    sp2[3] != 'T' || sp2[4] != 'P' || sp2[5] != '/' ||
	    sp2 == sp1 + 1)
		return;
	lf_set(&vals[it->col[RQ_METHOD]], p, (size_t)(sp1 - p), REC_RAW);
	split_uri(pg, vals, it->col[RQ_PATH], it->col[RQ_QUERY], sp1 + 1,
	    (size_t)(sp2 - sp1 - 1), enc);
	lf_set(&vals[it->col[RQ_PROTO]], sp2 + 1, (size_t)(p + n - sp2 - 1), REC_RAW);
}

static int
bad(struct lf_prog *pg, const struct item *it, const char *what, char *why,
    size_t whylen)
{
	snprintf(why, whylen, "%s %.*s", what, it->len, pg->lits + it->off);
	return -1;
}

int
lf_convert(struct lf_prog *pg, const struct item *it, char *p, size_t n,
    struct rec_val *vals, char **scr, char *why, size_t whylen)
{
	struct rec_val *v = &vals[it->col[0]];
	int enc = REC_BSL, k;
	size_t len;
	char tmp[TM_ISOMAX];

	if (n == 1 && *p == '-' && it->type != T_BYTES && it->type != T_REQUEST)
		return 0;	/* absent */
	switch (it->type) {
	case T_TOKEN:
	case T_CLIENT:
		lf_set(v, p, n, enc);
		return 0;
	case T_TIME_BR:
	case T_TIME_CLF:
		if ((k = tm_clf(&pg->tc, p, n, *scr)) < 0)
			return bad(pg, it, "bad time in", why, whylen);
		break;
	case T_TIME_ISO:
		if ((k = tm_iso8601(&pg->tc, p, n, *scr)) < 0)
			return bad(pg, it, "bad time in", why, whylen);
		break;
	case T_TIME_SEC:
		if ((k = tm_epoch(p, n, *scr)) < 0)
			return bad(pg, it, "bad time in", why, whylen);
		break;
	case T_TIME_MSEC:
	case T_TIME_USEC:
		if (!lf_digits(p, n) || n > 19)
			return bad(pg, it, "bad time in", why, whylen);
		len = rec_decimal(p, n, it->type == T_TIME_MSEC ? 3 : 6, tmp);
		if ((k = tm_epoch(tmp, len, *scr)) < 0)
			return bad(pg, it, "bad time in", why, whylen);
		break;
	case T_REQUEST:
		request(pg, vals, it, p, n, enc);
		return 0;
	case T_URI:
		split_uri(pg, vals, it->col[0], it->col[1], p, n, enc);
		return 0;
	case T_QUERY:
		if (n > 0 && *p == '?') {
			p++;
			n--;
		}
		if (n > 0)
			lf_set(v, p, n, enc);
		return 0;
	case T_STATUS:
		if (n > 3 || !lf_digits(p, n))
			return bad(pg, it, "bad status in", why, whylen);
		lf_set(v, p, n, REC_RAW);
		return 0;
	case T_BYTES:
		if (n == 1 && *p == '-')
			lf_set(v, "0", 1, REC_RAW);
		else if (n > 20 || !lf_digits(p, n))
			return bad(pg, it, "bad byte count in", why, whylen);
		else
			lf_set(v, p, n, REC_RAW);
		return 0;
	case T_NUM:
		if (n > 20 || !lf_digits(p, n))
			return bad(pg, it, "bad number in", why, whylen);
		lf_set(v, p, n, REC_RAW);
		return 0;
	case T_DUR_S:
		if (n > 24 || !is_decimal(p, n))
			return bad(pg, it, "bad duration in", why, whylen);
		lf_set(v, p, n, REC_RAW);
		return 0;
	case T_DUR_MS:
	case T_DUR_US:
		if (n > 20 || !lf_digits(p, n))
			return bad(pg, it, "bad duration in", why, whylen);
		k = (int)rec_decimal(p, n, it->type == T_DUR_MS ? 3 : 6, *scr);
		break;
	default:
		return bad(pg, it, "internal: unknown type of", why, whylen);
	}
	lf_set(v, *scr, (size_t)k, REC_RAW);
	*scr += TM_ISOMAX;
	return 0;
}

int
lf_clean(const struct lf_prog *pg)
{
	return pg->clean;
}

int
lf_parse(struct lf_prog *pg, char *line, size_t len, struct rec_val *vals,
    char *why, size_t whylen)
{
	char *p = line, *e = line + len, *end, *q, *scr = pg->scratch;
	const struct item *it, *next;
	const char *lit;
	int i;

	lf_index(pg, line, len);
	if (pg->fast && pg->clean && lf_fast(pg, line, len, vals) == 0)
		return 0;
	/* every value absent (REC_ABSENT is 0) until the line sets it */
	memset(vals, 0, (size_t)pg->schema.n * sizeof(*vals));
	for (i = 0; i < pg->n; i++) {
		it = &pg->it[i];
		if (it->kind == I_LIT) {
			lit = pg->lits + it->off;
			if (p == e && *lit == ' ' && pg->status_col >= 0 &&
			    vals[pg->status_col].enc != REC_ABSENT) {
				/* ends after the status: the rest absent */
				if (!pg->masked)
					pg->clean = rec_clean(line, len);
				return 0;
			}
			if ((size_t)(e - p) < it->len || !lit_eq(p, lit, it->len)) {
				if (i + 1 < pg->n)
					snprintf(why, whylen, "expected \"%.*s\" before %.*s",
					    it->len, lit, pg->it[i + 1].len,
					    pg->lits + pg->it[i + 1].off);
				else
					snprintf(why, whylen, "expected \"%.*s\" at the end",
					    it->len, lit);
				return -1;
			}
			p += it->len;
			continue;
		}
		next = i + 1 < pg->n ? &pg->it[i + 1] : NULL;
		if (it->type == T_TIME_BR) {
			if (p == e || *p != '[' ||
			    (end = find_c(pg, p, e, ']')) == NULL)
				return bad(pg, it, "no [time] for", why, whylen);
			if (lf_convert(pg, it, p + 1, (size_t)(end - p - 1), vals, &scr,
			    why, whylen) == -1)
				return -1;
			p = end + 1;
			continue;
		}
		if (next != NULL) {
			lit = pg->lits + next->off;
			end = find_lit(pg, p, e, lit, next->len, it->quoted);
			if (end == NULL && *lit == ' ' && pg->status_col >= 0 &&
			    vals[pg->status_col].enc != REC_ABSENT)
				end = e;	/* may end here: see logfmt.h */
			if (end == NULL)
				return bad(pg, it, "line ends inside", why, whylen);
			if (it->type == T_CLIENT && *lit == ' ')
				while (end > p && end[-1] == ',' && end + 1 < e &&
				    (q = find_c(pg, end + 1, e, ' ')) != NULL)
					end = q;
		} else if (it->type == T_TOKEN || it->type == T_REQUEST ||
		    it->type == T_URI || it->type == T_QUERY)
			end = e;
		else if ((end = find_c(pg, p, e, ' ')) == NULL)
			end = e;
		if (it->type == T_TOKEN || it->type == T_CLIENT) {
			/* the common case of convert, inline */
			if (end - p != 1 || *p != '-')
				lf_set(&vals[it->col[0]], p, (size_t)(end - p), REC_BSL);
		} else if (lf_convert(pg, it, p, (size_t)(end - p), vals, &scr, why,
		    whylen) == -1)
			return -1;
		p = end;
	}
	if (p < e && *p != ' ') {
		snprintf(why, whylen, "unexpected text after the last field");
		return -1;
	}
	if (!pg->masked)
		pg->clean = rec_clean(line, len);
	return 0;
}

/*
 * jscan: a bounded JSON tokenizer over a buffer (lib/jscan.h).
 */
#include <string.h>

#include "jscan.h"

void
js_init(struct js *j, const char *p, size_t len)
{
	memset(j, 0, sizeof(*j));
	j->p = p;
	j->e = p + len;
}

static int
bad(struct js *j)
{
	j->bad = 1;
	return -1;
}

int
js_next(struct js *j, struct js_tok *t)
{
	const char *p;
	char c;

	if (j->bad)
		return -1;
	while (j->p < j->e && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
	if (j->p == j->e)
		return 0;
	p = j->p;
	c = *p;
	t->p = p;
	t->len = 1;
	switch (c) {
	case '{':
	case '[':
		if (j->depth == JS_DEPTH)
			return bad(j);
		j->open[j->depth++] = c;
		t->type = c == '{' ? JS_OBJ : JS_ARR;
		j->p++;
		return 1;
	case '}':
	case ']':
		if (j->depth == 0 || j->open[j->depth - 1] !=
		    (c == '}' ? '{' : '['))
			return bad(j);
		j->depth--;
		t->type = c == '}' ? JS_OBJEND : JS_ARREND;
		j->p++;
		return 1;
	case ',':
		t->type = JS_COMMA;
		j->p++;
		return 1;
	case ':':
		t->type = JS_COLON;
		j->p++;
		return 1;
	case '"':
		for (p++; p < j->e && *p != '"'; p++)
			if (*p == '\\' && ++p == j->e)
				return bad(j);
		if (p == j->e)
			return bad(j);
		t->type = JS_STR;
		t->p = j->p + 1;
		t->len = (size_t)(p - t->p);
		j->p = p + 1;
		return 1;
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		while (p < j->e && (*p == '-' || *p == '+' || *p == '.' ||
		    *p == 'e' || *p == 'E' || (*p >= '0' && *p <= '9')))
			p++;
		t->type = JS_NUM;
	} else if (j->e - p >= 4 && memcmp(p, "true", 4) == 0) {
		t->type = JS_TRUE;
		p += 4;
	} else if (j->e - p >= 5 && memcmp(p, "false", 5) == 0) {
		t->type = JS_FALSE;
		p += 5;
	} else if (j->e - p >= 4 && memcmp(p, "null", 4) == 0) {
		t->type = JS_NULL;
		p += 4;
	} else
		return bad(j);
	t->len = (size_t)(p - j->p);
	j->p = p;
	return 1;
}

size_t
js_str(const struct js_tok *t, char *out, size_t cap)
{
	const char *p = t->p, *e = t->p + t->len;
	size_t n = 0;
	char c;

	if (cap == 0)
		return 0;
	for (; p < e && n + 1 < cap; p++) {
		c = *p;
		if (c == '\\' && p + 1 < e) {
			switch (*++p) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u':
				c = '?';
				if (e - p >= 5 && p[1] == '0' && p[2] == '0' &&
				    p[3] >= '2' && p[3] <= '7') {
					c = (char)((p[3] - '0') * 16 +
					    (p[4] >= 'a' ? p[4] - 'a' + 10 :
					    p[4] >= 'A' ? p[4] - 'A' + 10 :
					    p[4] - '0'));
				}
				p += e - p >= 5 ? 4 : (e - p - 1);
				break;
			default: c = *p; break;
			}
		}
		out[n++] = c;
	}
	out[n] = '\0';
	return n;
}

int
js_is(const struct js_tok *t, const char *s)
{
	return t->type == JS_STR && strlen(s) == t->len &&
	    memcmp(t->p, s, t->len) == 0;
}

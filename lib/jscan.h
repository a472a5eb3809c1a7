/*
 * jscan: a JSON tokenizer for answers from servers we do not trust
 * (omph-send's Elasticsearch path).  It reads a buffer in place and never
 * allocates: a token is a span of the buffer.
 *
 * The rules, case by case:
 *
 *  - Tokens: { } [ ] , : a string (the span between the quotes, escapes
 *    not decoded; js_str decodes them into a bounded buffer), a number,
 *    true, false, null.  Whitespace is skipped.
 *  - Nesting: more than JS_DEPTH open containers, a ] or } that does not
 *    close what is open, a string without its end quote, a byte that
 *    starts no token: malformed, -1, and the scan stops there for good.
 *  - Structure beyond nesting (commas and colons in their places) is the
 *    caller's to check; js_next only keeps depth.
 *  - Time and memory: one pass over the buffer, nothing kept.
 */
#ifndef JSCAN_H
#define JSCAN_H

#include <stddef.h>

#define JS_DEPTH 64

enum { JS_OBJ = 1, JS_OBJEND, JS_ARR, JS_ARREND, JS_COMMA, JS_COLON,
	JS_STR, JS_NUM, JS_TRUE, JS_FALSE, JS_NULL };

struct js {
	const char *p, *e;
	int depth;
	char open[JS_DEPTH];		/* '{' or '[' at each depth */
	int bad;
};

struct js_tok {
	int type;
	const char *p;			/* the token's text (a string's inside) */
	size_t len;
};

void js_init(struct js *j, const char *p, size_t len);
/* The next token: 1, 0 at the end of the buffer, -1 malformed. */
int js_next(struct js *j, struct js_tok *t);
/*
 * Decode string token t into out (cap bytes, NUL-terminated, cut to fit;
 * \uXXXX outside ASCII is written '?'); its length.
 */
size_t js_str(const struct js_tok *t, char *out, size_t cap);
/* 1 when string token t is s exactly (t not decoded: plain names). */
int js_is(const struct js_tok *t, const char *s);

#endif

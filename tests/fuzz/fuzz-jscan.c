/*
 * libFuzzer target: lib/jscan (the JSON tokenizer of omph-send's
 * Elasticsearch answers).
 *
 * The input, in a copy of exactly its size (so a read past it is caught),
 * is tokenized to its end.  Checked, as jscan.h says: js_next returns 1, 0
 * or -1, and after -1 only -1; each token lies inside the input, after the
 * one before (tokens in order, none overlapping), and its text is what its
 * type says (a bracket, a comma, a colon, a string between quotes, a
 * number's characters, true, false, null); only whitespace lies between
 * tokens and after the last one at 0; the depth never passes JS_DEPTH and
 * is the count of open brackets an oracle keeps apart; there are at most
 * as many tokens as bytes.  js_str of every string writes a NUL-ended
 * string within its cap, a small one and a large one agreeing on the
 * prefix.
 *
 * And once, a real _bulk answer with "errors":true and items (the seed
 * tests/fuzz/jscan/bulk-errors is the same text) is tokenized as expected:
 * its token count, its statuses in order, an error's type and reason.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_NAME "fuzz-jscan"
#include "check.h"
#include "jscan.h"

#define BULK_TOKENS 135

static const char bulk[] =
    "{\"took\":3,\"errors\":true,\"items\":["
    "{\"create\":{\"_index\":\"logs\",\"_id\":\"0123456789abcdef:0:10\","
    "\"_version\":1,\"result\":\"created\",\"_shards\":{\"total\":2,"
    "\"successful\":1,\"failed\":0},\"_seq_no\":0,\"_primary_term\":1,"
    "\"status\":201}},"
    "{\"create\":{\"_index\":\"logs\",\"_id\":\"0123456789abcdef:10:20\","
    "\"status\":429,\"error\":{\"type\":\"es_rejected_execution_exception\","
    "\"reason\":\"rejected execution of coordinating operation\"}}},"
    "{\"create\":{\"_index\":\"logs\",\"_id\":\"0123456789abcdef:30:40\","
    "\"status\":400,\"error\":{\"type\":\"mapper_parsing_exception\","
    "\"reason\":\"failed to parse field [bytes] of type [long] in "
    "document with id '0123456789abcdef:30:40'. Preview of field's value: "
    "'abc'\",\"caused_by\":{\"type\":\"illegal_argument_exception\","
    "\"reason\":\"For input string: \\\"abc\\\"\"}}}}"
    "]}\n";

static int
ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* the token's text is what its type says */
static void
tok_ok(const struct js_tok *t, const char *p, size_t n)
{
	static const char one[] = "?{}[],:";
	size_t i;

	switch (t->type) {
	case JS_OBJ: case JS_OBJEND: case JS_ARR: case JS_ARREND:
	case JS_COMMA: case JS_COLON:
		if (t->len != 1 || t->p[0] != one[t->type])
			fail("a one-byte token of another byte", p, n);
		break;
	case JS_STR:
		if (t->p == p || t->p[-1] != '"' || t->p + t->len >= p + n ||
		    t->p[t->len] != '"')
			fail("a string not between quotes", p, n);
		for (i = 0; i < t->len; i++)
			if (t->p[i] == '\\')
				i++;	/* an escaped byte */
			else if (t->p[i] == '"')
				fail("an unescaped quote inside a string", p, n);
		if (i != t->len)
			fail("a string ending inside an escape", p, n);
		break;
	case JS_NUM:
		if (t->len == 0 || !(t->p[0] == '-' || (t->p[0] >= '0' &&
		    t->p[0] <= '9')))
			fail("a number not starting as one", p, n);
		for (i = 0; i < t->len; i++)
			if (strchr("0123456789+-.eE", t->p[i]) == NULL ||
			    t->p[i] == '\0')
				fail("a number with another byte", p, n);
		break;
	case JS_TRUE:
		if (t->len != 4 || memcmp(t->p, "true", 4) != 0)
			fail("true not true", p, n);
		break;
	case JS_FALSE:
		if (t->len != 5 || memcmp(t->p, "false", 5) != 0)
			fail("false not false", p, n);
		break;
	case JS_NULL:
		if (t->len != 4 || memcmp(t->p, "null", 4) != 0)
			fail("null not null", p, n);
		break;
	default:
		fail("a token of no type", p, n);
	}
}

static void
str_ok(const struct js_tok *t, const char *p, size_t n)
{
	char small[8], big[256];
	size_t a, b;

	a = js_str(t, small, sizeof(small));
	b = js_str(t, big, sizeof(big));
	if (a >= sizeof(small) || b >= sizeof(big) || small[a] != '\0' ||
	    big[b] != '\0' || a > b || memcmp(small, big, a) != 0 ||
	    b > t->len)
		fail("js_str past its cap or the caps disagree", p, n);
	if (js_str(t, small, 0) != 0)
		fail("js_str with no room wrote", p, n);
}

/* tokenize p[0..n); the number of tokens, or -1 when malformed */
static long
scan(const char *p, size_t n)
{
	struct js j;
	struct js_tok t;
	const char *end = p, *q;
	long count = 0;
	int r, depth = 0;

	js_init(&j, p, n);
	while ((r = js_next(&j, &t)) == 1) {
		if (++count > (long)n)
			fail("more tokens than bytes", p, n);
		if (t.type == JS_STR ? t.p - 1 < end : t.p < end)
			fail("a token before the end of the one before", p, n);
		if (t.p < p || t.p > p + n || t.len > (size_t)(p + n - t.p))
			fail("a token outside the input", p, n);
		for (q = end; q < (t.type == JS_STR ? t.p - 1 : t.p); q++)
			if (!ws(*q))
				fail("a byte skipped that is not space", p, n);
		tok_ok(&t, p, n);
		if (t.type == JS_STR)
			str_ok(&t, p, n);
		end = t.p + t.len + (t.type == JS_STR);
		if (t.type == JS_OBJ || t.type == JS_ARR)
			depth++;
		else if (t.type == JS_OBJEND || t.type == JS_ARREND)
			depth--;
		if (depth < 0 || depth > JS_DEPTH || depth != j.depth)
			fail("a depth not the brackets' count", p, n);
	}
	if (r != 0 && r != -1)
		fail("a result jscan.h does not list", p, n);
	if (r == -1) {
		if (js_next(&j, &t) != -1)
			fail("a malformed scan went on", p, n);
		return -1;
	}
	for (q = end; q < p + n; q++)
		if (!ws(*q))
			fail("the end with bytes left that are not space", p, n);
	if (js_next(&j, &t) != 0)
		fail("the end did not stay the end", p, n);
	return count;
}

/* the real answer: its statuses and an error's words, in order */
static void
bulk_ok(void)
{
	static const int want[] = { 201, 429, 400 };
	static const char esc[] = "\"For input string: \\\"abc\\\"\\u0041\\n\"";
	struct js j;
	struct js_tok t;
	char key[32] = "", type[64] = "", reason[128] = "";
	size_t n = sizeof(bulk) - 1, ns = 0;
	int r, sawerr = 0, value = 0;

	if (scan(bulk, n) != BULK_TOKENS)
		fail("the _bulk answer is not its tokens", bulk, n);
	js_init(&j, bulk, n);
	while ((r = js_next(&j, &t)) == 1) {
		if (t.type == JS_COLON) {
			value = 1;
			continue;
		}
		if (!value) {
			if (t.type == JS_STR)
				js_str(&t, key, sizeof(key));
			continue;
		}
		value = 0;
		if (j.depth == 1 && strcmp(key, "errors") == 0) {
			if (t.type != JS_TRUE)
				fail("errors is not true", bulk, n);
			sawerr = 1;
		} else if (j.depth == 4 && strcmp(key, "status") == 0) {
			if (t.type != JS_NUM || ns == 3 || atoi(t.p) != want[ns])
				fail("a status not the one expected", bulk, n);
			ns++;
		} else if (j.depth == 5 && t.type == JS_STR &&
		    strcmp(key, "type") == 0 && type[0] == '\0')
			js_str(&t, type, sizeof(type));
		else if (j.depth == 5 && t.type == JS_STR &&
		    strcmp(key, "reason") == 0 && reason[0] == '\0')
			js_str(&t, reason, sizeof(reason));
	}
	if (r != 0 || !sawerr || ns != 3 || strcmp(type,
	    "es_rejected_execution_exception") != 0 || strcmp(reason,
	    "rejected execution of coordinating operation") != 0)
		fail("the _bulk answer not read as expected", bulk, n);
	/* a string's escapes decoded */
	js_init(&j, esc, sizeof(esc) - 1);
	if (js_next(&j, &t) != 1 || js_str(&t, reason, sizeof(reason)) != 25 ||
	    strcmp(reason, "For input string: \"abc\"A\n") != 0)
		fail("escapes not decoded", reason, strlen(reason));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	char *p;

	if (!once) {
		bulk_ok();
		once = 1;
	}
	if ((p = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(p, data, size);
	scan(p, size);
	free(p);
	return 0;
}

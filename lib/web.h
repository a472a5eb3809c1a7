/*
 * web: the dashboard's files (lib/web/index.html, app.js, app.css),
 * compiled into the binary so that omph-collect --http serves its page
 * with nothing beside it: no files to install, no external fonts, scripts
 * or CDNs.  The Makefile turns the files into C (lib/web/embed.sh, POSIX
 * od and sed) each time one of them changes.
 *
 * The rules, case by case:
 *
 *  - Paths: web_find knows "/", "/index.html" (both the page), "/app.js"
 *    and "/app.css".  It compares path[0..len) byte for byte: the caller
 *    takes off a query ("?...") or fragment first, and decodes nothing
 *    (none of the names needs %-decoding).  path need not end in NUL.
 *  - Anything else, a NULL path, or len 0: NULL, errno untouched; the
 *    caller answers 404.
 *  - Types: type is a whole Content-Type value with "; charset=utf-8"
 *    (text/html, text/javascript, text/css).
 *  - Data: data[0..len) are the file's bytes, static and read-only, valid
 *    for the life of the program; data[len] is a NUL that is not part of
 *    the file.  Nothing is allocated, nothing here prints.
 *
 * The page asks for /app.js and /app.css as files and holds no inline
 * script or style, so that the server's Content-Security-Policy (script-src
 * 'self'; style-src 'self') needs no 'unsafe-inline'.
 */
#ifndef WEB_H
#define WEB_H

#include <stddef.h>

struct web_file {
	const char *path;		/* "/app.js" */
	const char *type;		/* Content-Type, "...; charset=utf-8" */
	const unsigned char *data;	/* the bytes, data[len] == '\0' */
	size_t len;
};

const struct web_file *web_find(const char *path, size_t len);

#endif

/*
 * tfmt: numbers, sizes, rates, durations and ages for the eye (omph-top).
 *
 * Each function writes a NUL-terminated text of at most n - 1 bytes into b
 * (snprintf's truncation when n is too small); none allocates, prints or
 * fails.  The rules, case by case:
 *  - tfmt_count: an integer count; past width characters it is divided by
 *    1000 with a suffix k M G T P E (one decimal below 9.95: "1.2k");
 *  - tfmt_bytes: below 1024 as is, else in powers of 1024 with K M G T P E;
 *  - tfmt_rate: per second from 1/s up, else per minute, hour or day,
 *    whichever is 1 or more, at most 8 columns, never an exponent; 0 or
 *    less "0/s"; below 0.01 a day "<0.01/d";
 *  - tfmt_num: up to 4 significant digits without an exponent, trailing
 *    zeros dropped; below 0.000001 "<0.000001", from 1e15 all digits;
 *  - tfmt_secs: us below 1 ms, ms below 1 s, then seconds;
 *  - tfmt_pct: a ratio as a percentage, "<0.01%" when tiny but not 0;
 *  - tfmt_age: seconds as 59s, 59m59s, 23h59m, 9d23h (negative as 0s);
 *  - tfmt_short_time: HH:MM:SS inside an ISO 8601 time, else the text
 *    itself; returns a pointer into iso and its length in *n.
 */
#ifndef TFMT_H
#define TFMT_H

#include <stddef.h>

void tfmt_count(char *b, size_t n, double v, int width);
void tfmt_bytes(char *b, size_t n, double v);
void tfmt_rate(char *b, size_t n, double v);
void tfmt_num(char *b, size_t n, double v);
void tfmt_secs(char *b, size_t n, double v);
void tfmt_pct(char *b, size_t n, double ratio);
void tfmt_age(char *b, size_t n, double s);
const char *tfmt_short_time(const char *iso, size_t *n);

#endif

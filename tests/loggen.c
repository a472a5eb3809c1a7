/*
 * omph-loggen: a seeded generator of realistic access logs, for tests and
 * `make bench`.  Same seed, same bytes.  Not installed.
 *
 * usage: omph-loggen [-n lines] [-s seed] [-t start-epoch] [-f combined|w3c]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng;

static uint64_t
next(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static unsigned
pick(unsigned n)
{
	return (unsigned)(next() % n);
}

/* skewed pick: small indexes far more often (about Zipf) */
static unsigned
skew(unsigned n)
{
	double u = (double)(next() >> 11) / 9007199254740992.0;

	return (unsigned)(n * u * u * u) % n;
}

static const char *const words[] = {
	"index", "about", "blog", "static", "img", "css", "js", "api", "v1",
	"users", "login", "search", "products", "cart", "checkout", "admin",
	"assets", "feed", "tags", "archive", "2015", "2016", "docs", "help",
};
static const char *const exts[] = { "", ".html", ".png", ".css", ".js", ".php",
	".jpg", "/", ".json", ".xml" };
static const char *const agents[] = {
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
	"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	"curl/7.88.1",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
};
static const char *const methods[] = { "GET", "GET", "GET", "GET", "GET",
	"GET", "POST", "POST", "HEAD", "PUT" };
static const int statuses[] = { 200, 200, 200, 200, 200, 200, 200, 200, 200,
	200, 200, 200, 304, 304, 301, 302, 404, 404, 403, 500, 502, 503 };
static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

#define N(a) (sizeof(a) / sizeof(a[0]))

static int
path(char *o, size_t sz, unsigned id)
{
	uint64_t save = rng;
	int n;

	rng = id * 0x9e3779b97f4a7c15ULL + 1;
	n = snprintf(o, sz, "/%s/%s%s", words[pick(N(words))],
	    words[pick(N(words))], exts[pick(N(exts))]);
	if (pick(4) == 0)
		n += snprintf(o + n, sz - (size_t)n, "-%u", id);
	rng = save;
	return n;
}

int
main(int argc, char *argv[])
{
	long long lines = 1000, i;
	unsigned long long seed = 1;
	time_t t = 1431856503;	/* 2015-05-17T10:01:43Z */
	const char *fmt = "combined";
	char buf[1 << 16], p[256];
	struct tm tm;
	int ch, len = 0, ms = 0;

	while ((ch = getopt(argc, argv, "n:s:t:f:")) != -1) {
		switch (ch) {
		case 'n': lines = atoll(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 't': t = (time_t)atoll(optarg); break;
		case 'f': fmt = optarg; break;
		default:
			fprintf(stderr, "usage: omph-loggen [-n lines] [-s seed] "
			    "[-t epoch] [-f combined|w3c]\n");
			return 2;
		}
	}
	rng = seed * 0x2545F4914F6CDD1DULL + 88172645463325252ULL;
	if (strcmp(fmt, "w3c") == 0)
		printf("#Software: omph-loggen\n#Version: 1.0\n"
		    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query "
		    "s-port cs-username c-ip cs(User-Agent) cs(Referer) "
		    "sc-status sc-substatus sc-win32-status sc-bytes time-taken\n");
	for (i = 0; i < lines; i++) {
		unsigned ip = skew(5000) * 2654435761u, pid = skew(3000);
		int st = statuses[pick(N(statuses))];
		unsigned bytes = st == 304 ? 0 : 200 + pick(60000);
		const char *agent = agents[skew(N(agents))];
		int q = pick(5) == 0;

		ms += (int)pick(40);
		t += ms / 1000;
		ms %= 1000;
		gmtime_r(&t, &tm);
		path(p, sizeof(p), pid);
		if (len > (int)sizeof(buf) - 1024) {
			fwrite(buf, 1, (size_t)len, stdout);
			len = 0;
		}
		if (fmt[0] == 'w')
			len += snprintf(buf + len, sizeof(buf) - (size_t)len,
			    "%04d-%02d-%02d %02d:%02d:%02d 10.0.0.1 %s %s %s%u 80 - "
			    "%u.%u.%u.%u %s - %d 0 0 %u %d\n",
			    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			    tm.tm_min, tm.tm_sec, methods[pick(N(methods))], p,
			    q ? "id=" : "-", q ? pick(1000) : 0, ip >> 24,
			    ip >> 16 & 255, ip >> 8 & 255, ip & 255, "Mozilla/5.0+(X11)",
			    st, bytes, (int)pick(900));
		else
			len += snprintf(buf + len, sizeof(buf) - (size_t)len,
			    "%u.%u.%u.%u - - [%02d/%s/%04d:%02d:%02d:%02d +0000] "
			    "\"%s %s%s%.0u HTTP/1.1\" %d %u \"%s\" \"%s\"\n",
			    ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255,
			    tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900,
			    tm.tm_hour, tm.tm_min, tm.tm_sec,
			    methods[pick(N(methods))], p, q ? "?id=" : "",
			    q ? pick(1000) + 1 : 0,
			    st, bytes, pick(3) ? "-" : "https://www.example.com/",
			    agent);
	}
	fwrite(buf, 1, (size_t)len, stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}

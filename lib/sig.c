#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "sig.h"

static volatile sig_atomic_t caught, hup;
static int hup_on;		/* sig_hup_setup was called */

static void
handler(int sig)
{
	if (sig == SIGHUP)
		hup = 1;
	else
		caught = sig;
}

/* sig to handler, blocked but inside the wait (its mask), orig set first */
static void
take(int sig, sigset_t *wait, int orig)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigaction(sig, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, sig);
	sigprocmask(SIG_BLOCK, &block, orig ? wait : NULL);
	sigdelset(wait, sig);
}

void
sig_setup(sigset_t *wait)
{
	struct sigaction sa;

	take(SIGINT, wait, 1);
	take(SIGTERM, wait, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

void
sig_hup_setup(sigset_t *wait)
{
	take(SIGHUP, wait, 0);
	hup_on = 1;
}

int
sig_caught(void)
{
	return caught;
}

int
sig_hup(void)
{
	int h = hup;

	hup = 0;
	return h;
}

int
sig_poll(struct pollfd *pfd, nfds_t n, int ms, const sigset_t *wait)
{
	static const struct timespec now;
	struct timespec ts;
	sigset_t set;
	int rv, sig;

	if (ms >= 0) {
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	}
	rv = ppoll(pfd, n, ms >= 0 ? &ts : NULL, wait);
	/*
	 * ppoll() with a descriptor ready returns it, and leaves a signal
	 * pending and blocked: a loop that always has one ready (a flood of
	 * connections) would never see SIGTERM.  Take it here.
	 */
	if (rv > 0 && caught == 0) {
		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		if (hup_on)
			sigaddset(&set, SIGHUP);
		if ((sig = sigtimedwait(&set, NULL, &now)) > 0)
			handler(sig);
	}
	return rv;
}

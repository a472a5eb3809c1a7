/*
 * sig: SIGINT and SIGTERM (and, if asked, SIGHUP) taken only where the
 * loop waits.
 *
 * sig_setup blocks both (and ignores SIGPIPE, so a closed output is an
 * EPIPE write error the command can handle) and stores in *wait the mask to
 * give ppoll(): the signals then arrive only while the loop sleeps, with no
 * race between a check and the wait.  sig_caught tells which arrived, 0 if
 * none.
 */
#ifndef SIG_H
#define SIG_H

#include <poll.h>
#include <signal.h>

void sig_setup(sigset_t *wait);
int sig_caught(void);
/*
 * SIGHUP taken too, the same way (after sig_setup, with its wait), for a
 * command that reopens or saves on it (a service's reload) instead of
 * ending: sig_hup then tells, once, that one or more came since the last
 * call.  Without it SIGHUP ends the command, as by default.
 */
void sig_hup_setup(sigset_t *wait);
int sig_hup(void);
/*
 * ppoll(2) on n descriptors for at most ms milliseconds (-1: no limit) with
 * the signal mask wait: what ppoll returns (-1 EINTR when a signal came).
 * A signal that came while descriptors were ready is taken too, so that a
 * loop always busy still sees it in sig_caught.
 */
int sig_poll(struct pollfd *pfd, nfds_t n, int ms, const sigset_t *wait);

#endif

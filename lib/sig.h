/*
 * sig: SIGINT and SIGTERM taken only where the loop waits.
 *
 * sig_setup blocks both (and ignores SIGPIPE, so a closed output is an
 * EPIPE write error the command can handle) and stores in *wait the mask to
 * give ppoll(): the signals then arrive only while the loop sleeps, with no
 * race between a check and the wait.  sig_caught tells which arrived, 0 if
 * none.
 */
#ifndef SIG_H
#define SIG_H

#include <signal.h>

void sig_setup(sigset_t *wait);
int sig_caught(void);

#endif

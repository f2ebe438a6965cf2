/*
 * daemon.h - `refagent run`: both halves of the agent until SIGTERM.
 *
 * One loop, one thread: fetch new mail (IDLE where the server offers it,
 * else every poll_interval), send the jobs that are due, make the
 * check-ins, then wait until the next of: new mail, the next due job, a
 * signal.  A dead IMAP server does not stop the sending, nor a dead SMTP
 * server the intake; each reconnects with backoff.  SIGTERM lets the mail
 * in flight finish; SIGHUP reloads the rules and the templates, keeping
 * the old ones when the new ones have faults.
 */
#ifndef REFAGENT_DAEMON_H
#define REFAGENT_DAEMON_H

#include <signal.h>

struct config;
struct store;
struct filter_set;
struct template_set;

struct daemon {
	const struct config *cfg;
	struct store *st;
	struct filter_set **filters;     /* replaced on reload (old ones freed) */
	struct template_set **templates; /* likewise */
	volatile sig_atomic_t *stop;     /* set by SIGTERM/SIGINT */
	volatile sig_atomic_t *reload;   /* set by SIGHUP */
	int wake_fd;                     /* readable after a signal */
};

/* Runs until *stop.  Returns 0 on a clean stop, -1 when the store failed
 * (logged). */
int daemon_run(struct daemon *d);

#endif

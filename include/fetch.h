/*
 * fetch.h - the watched mailbox into intake, with the checkpoint.
 *
 * For each new UID above the stored checkpoint, in order: fetch, run
 * intake, and store the checkpoint in the same transaction as the records
 * the message produced.  A crash at any point means the message is fetched
 * again and, because the Message-ID was not yet committed either, processed
 * once.  When the server's UIDVALIDITY differs from the stored one
 * (RFC 3501 section 2.3.1.1: the UIDs were renumbered) the mailbox is read
 * again from the start; keys already stored make those messages duplicates,
 * so nothing is processed twice.
 */
#ifndef REFAGENT_FETCH_H
#define REFAGENT_FETCH_H

#include <signal.h>
#include <stddef.h>

#include "intake.h"

struct imap;

struct fetch_stats {
	size_t seen; /* messages looked at */
	size_t by_outcome[INTAKE_ERROR + 1];
};

/*
 * One pass over the mailbox on an open connection.  Returns 0; -1 with
 * *error_r (caller frees) when the server failed (reconnect and retry);
 * -2 with *error_r when the store failed.  What was committed before a
 * failure stays committed.  Stops early (returning 0)
 * when *stop becomes non-zero.
 */
int fetch_pass(struct intake *in, struct imap *im, const char *mailbox, volatile sig_atomic_t *stop,
               struct fetch_stats *stats, char **error_r);

/*
 * `poll --once`: connect, one pass, disconnect.  Returns 0 or -1 (after
 * logging one line).
 */
int fetch_once(struct intake *in, struct fetch_stats *stats);

/*
 * `run`: connect, pass, then wait (IDLE where offered, else poll_interval)
 * and pass again, until *stop is set (by SIGTERM/SIGINT; wake_fd becomes
 * readable then too).  Connection failures reconnect with exponential
 * backoff (1 s doubling to 5 min).  Returns 0 on a clean stop, -1 on a
 * store failure that makes going on pointless.
 */
int fetch_run(struct intake *in, volatile sig_atomic_t *stop, int wake_fd);

#endif

/*
 * fetch.h - the watched mailbox into intake, with the checkpoint.
 *
 * The new UIDs above the stored checkpoint are fetched in batches (one UID
 * FETCH for up to 100 messages), parsed on the ingest pipeline's workers,
 * and processed in UID order; the checkpoint is stored in the same
 * transaction as the records the messages produced, committed every 500
 * messages and at the end of the pass.  A crash at any point means the
 * uncommitted messages are fetched again and, because their Message-IDs
 * were not committed either, processed once.  When the server's UIDVALIDITY differs from the stored
 * one (RFC 3501 section 2.3.1.1: the UIDs were renumbered) the mailbox is read again from the
 * start; keys already stored make those messages duplicates, so nothing is processed twice.
 */
#ifndef REFAGENT_FETCH_H
#define REFAGENT_FETCH_H

#include <signal.h>
#include <stddef.h>

#include "intake.h"

struct config;

struct imap;

struct fetch_stats {
	size_t seen; /* messages looked at (and committed) */
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

/* Reads the password and opens the [imap] connection.  Returns 0, or -1
 * with *error_r (caller frees). */
int fetch_connect(const struct config *cfg, struct imap **im_r, char **error_r);

#endif

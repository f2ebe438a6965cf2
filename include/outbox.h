/*
 * outbox.h - sending the jobs that are due.
 *
 * For each due job: claim it (a lease in its own transaction, so two
 * agents on one database never both send it), check the recipient (opted
 * out, bouncing, the agent itself: cancelled; over the daily cap:
 * postponed), render its template, build the message with GMime
 * (message_compose), send it over the batch's one SMTP connection, and
 * record the outcome: sent (with the server's reply, in the same
 * transaction as the outgoing message row and the referral's event), a
 * retry with exponential backoff and jitter for 4xx and connection
 * trouble, or failed with the server's reply for 5xx.
 *
 * Exactly once: a job is marked sent only after the server accepted it.
 * A crash between the acceptance and that commit leaves the job pending
 * under its lease; when the lease ends it is sent once more, with the same
 * Message-ID, so a receiving client can tell the two copies are one mail.
 */
#ifndef REFAGENT_OUTBOX_H
#define REFAGENT_OUTBOX_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "kinds.h"

struct config;
struct store;
struct template_set;
struct job_view;

/* How long a claim on a job lasts: longer than one send can take. */
#define OUTBOX_LEASE 600
/* Attempts before a temporary failure becomes a permanent one. */
#define OUTBOX_MAX_ATTEMPTS 10

struct outbox;

struct outbox_stats {
	int sent;
	int retry;     /* temporary failure, tried again later */
	int failed;    /* permanent failure */
	int cancelled; /* nobody to send to any more */
	int postponed; /* daily cap */
};

/* Returns 0 and sets *ob_r; templates may be replaced later (reload). */
int outbox_open(const struct config *cfg, struct store *st, const struct template_set *templates,
                struct outbox **ob_r);
void outbox_set_templates(struct outbox *ob, const struct template_set *templates);
/* Closes the SMTP connection (QUIT) and frees; NULL is fine. */
void outbox_close(struct outbox *ob);

/*
 * Sends every job due now, one at a time, until none is due or *stop is
 * set (the mail in flight is finished first).  Adds to *stats.  Returns 0,
 * or -1 when the store failed (logged).
 */
int outbox_send_due(struct outbox *ob, volatile sig_atomic_t *stop, struct outbox_stats *stats);

/*
 * The complete message a template would send about referral id now (for
 * `templates render`), without sending or writing anything.  escalated:
 * a chained reminder's copy to the admin.  variant: the event that would
 * have made the job (NULL: the plain mail), one of outbox_variants; it
 * must belong to kind.  Returns 0 with *data_r (caller frees), or -1 with
 * *error_r.
 */
int outbox_preview(struct outbox *ob, enum mail_kind kind, int64_t referral_id, int escalated,
                   const char *variant, char **data_r, size_t *len_r, char **error_r);

/* The variants `templates render --variant` knows, as "name (mail)" lines
 * for the help; static. */
const char *outbox_variants(void);

/*
 * The complete message job j would send now, rendered for its own
 * recipient, without sending or writing anything.  Returns 0 with *data_r
 * (caller frees), or -1 with *error_r.
 */
struct job_view;
int outbox_render(struct outbox *ob, const struct job_view *j, char **data_r, size_t *len_r,
                  char **error_r);

#endif

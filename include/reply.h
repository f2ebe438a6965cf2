/*
 * reply.h - what a message in a known referral's thread does: first
 * contact, the lead's reply, a rep's status line (authenticated, or
 * confirmed by mail first), the answer to a confirmation, an opt-out or a
 * status request given as a reply, and a bounce of the agent's own mail.
 *
 * intake_decide() says that a message is a reply (outcome INTAKE_REPLY, the
 * referrals in d->thread, d->kind "reply", "confirmation", "optout" or
 * "status-request") or a delivery report (kind "bounce"); intake_apply()
 * writes the message row, then calls these.  They run inside the caller's
 * transaction, like the rest of intake.
 */
#ifndef REFAGENT_REPLY_H
#define REFAGENT_REPLY_H

#include <stdint.h>

#include "intake.h"
#include "message.h"

/*
 * Applies reply decision d for m, whose message row is msg_id: links the
 * message to each referral of the thread with a "reply" event and touches
 * them, then acts by kind and by the sender's role.  A refused status line
 * or an answer not understood is an event, not a failure.  Sets
 * res->referral to the first referral of the thread (0: none).  Returns 0,
 * or -1 on a store error.
 */
int reply_apply(struct intake *in, const struct message *m, struct intake_decision *d,
                int64_t msg_id, int64_t now, struct intake_result *res);

/*
 * A delivery report (m->report == REPORT_DSN; anything else is left alone)
 * about mail the agent sent, found by the returned Message-ID or the
 * returned X-Refagent-Referral header: each recipient whose Action is
 * "failed" bounces (lifecycle_bounce) and the report is linked to the
 * referral.  A report about other mail changes nothing.  Returns 0, or -1
 * on a store error.
 */
int reply_bounce(struct intake *in, const struct message *m, int64_t msg_id, int64_t now);

/* 1 when referral id exists (what a plus address or a returned
 * X-Refagent-Referral names), 0 when not, without a store or on a store
 * error. */
int reply_referral_exists(struct intake *in, int64_t id);

/* The amount that starts the text of a "#won" line ("12.000 EUR - kitchen"):
 * 1 with *value and *rest (the text after it), 0 when the text starts with
 * no amount, -1 when it starts with one that cannot be read. */
int reply_amount(const char *s, double *value, const char **rest);

#endif

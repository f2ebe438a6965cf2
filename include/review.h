/*
 * review.h - nothing held silently: what the agent would not decide on its
 * own goes to the [agent] admin by mail, and the admin answers by mail.
 *
 * Items: referrals held at intake (more leads than max_leads, no
 * introduction phrase, a web form naming no referrer) and incoming
 * messages that named someone the agent cannot reach (recorded by intake
 * with messages.kind REVIEW_MESSAGE_KIND and why naming the person).  Each
 * is listed once, in a review-admin mail, one line per item with its
 * reason: at once (`[agent] review = now`, the default) or at most once a
 * business day (`daily`).  With no admin, each is logged once instead and
 * `refagent list --status held` shows the held ones.
 *
 * The admin answers the review mail (In-Reply-To or References name it,
 * or the mail goes to the agent's plus address `+review`) with lines of
 * its own: `release 12`, `reject 12`, `release 12 14`, `release all`,
 * `reject all` ("all": every held referral a review mail has listed).
 * The answer counts from the configured admin only, checked like a
 * status line: with [security] authserv_id the receiving server must
 * vouch for the admin's address, else (or when it does not) the admin
 * confirms it by answering a confirm-status mail "yes".  What was done
 * goes back to the admin in a review-admin mail.  A release is
 * lifecycle_set_status(new) (its follow-up starts, or it is settled into
 * the lead's standing referral); a rejection is rejected.
 *
 * All of it writes in the caller's transaction.  Conventions: 0 done, -1
 * store error (text in store_error()).
 */
#ifndef REFAGENT_REVIEW_H
#define REFAGENT_REVIEW_H

#include <stdint.h>

struct config;
struct confirmation_view;
struct intake;
struct intake_decision;
struct message;
struct store;

/* messages.kind of an incoming message that named someone the agent
 * cannot reach: intake records it, the admin reviews it. */
#define REVIEW_MESSAGE_KIND "review"
/* messages.kind (and intake decision kind) of an answer to a review
 * mail. */
#define REVIEW_ANSWER_KIND "review-answer"

/*
 * Lists the items no review has listed yet: one review-admin job to the
 * admin per batch (review = now), or at most one per business day, made
 * inside business hours (review = daily); with no admin, one warning per
 * item in the log.  *n_r = items listed (or logged).  Called by `send` and
 * `run` before they send.
 */
int review_schedule(struct store *st, const struct config *cfg, int64_t now, int *n_r);

/*
 * For intake_decide: 1 when m answers a review mail (see above): d becomes
 * INTAKE_REPLY of kind REVIEW_ANSWER_KIND, its why saying what the answer
 * asks; 0 when m is something else; -1 on a store error.  Only reads.
 */
int review_decide(struct intake *in, const struct message *m, struct intake_decision *d);

/* Carries out the admin's answer m (decided by review_decide), or asks
 * for its confirmation, and tells the admin the outcome. */
int review_apply(struct intake *in, const struct message *m, const struct intake_decision *d,
                 int64_t msg_id, int64_t now);

/* Non-zero when a confirmation's command is the admin's review answer
 * (confirmation_view.command). */
int review_is_command(const char *command);
/* The admin answered "yes" to the confirmation c of a review answer: it
 * is carried out and the outcome told. */
int review_confirmed(struct intake *in, const struct confirmation_view *c, int64_t msg_id,
                     int64_t now);
/* The admin's answer to that confirmation was not vouched for (why): the
 * admin is told that nothing was done. */
int review_unverified(struct intake *in, const struct confirmation_view *c, const char *why,
                      int64_t now);

/*
 * The lines of a review-admin mail for the items its job note lists
 * (review.referrals, review.messages), as they are now: "#12 held: ...".
 * Returns the text (caller frees; NULL when the note lists nothing) and
 * sets *count_r to the items still waiting and *first_held_r (when not
 * NULL) to the first listed referral still held, or 0: the mail's
 * example instruction names a real one.
 */
char *review_items_text(struct store *st, const char *note, int *count_r, int64_t *first_held_r);

#endif

/*
 * lifecycle.h - what happens to a referral after intake.
 *
 * Status changes and the mail they cause, the first contact, credit and
 * rewards, opt-outs, bounces, the referrer's status summary and expiry.
 * Every function writes in the caller's transaction, so an event and the
 * jobs it causes land together.  Callers: intake (replies by mail), the
 * command line (`status`, `credit`) and the daemon (expiry).
 *
 * Conventions: 0 done, -1 store error (text in store_error()), 1 refused
 * with *why_r (caller frees) saying why, when a function can refuse.
 */
#ifndef REFAGENT_LIFECYCLE_H
#define REFAGENT_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "kinds.h"

struct addr;
struct config;
struct store;

/* A status change: referral id to status, with a value (won) and a note
 * (why), by actor (an address, "cli" or "agent"), caused by message
 * msg_id (0: none), at now.  standing_r (may be NULL) is set by a release
 * (held to new): the referral it was settled into, 0 when it went ahead. */
struct status_change {
	int64_t id;
	enum status status;
	int has_value;
	double value;
	const char *note;
	const char *actor;
	int64_t msg_id;
	int64_t now;
	int64_t *standing_r;
};

/*
 * Applies change c.  What follows it:
 *   - a status with `contact` (kinds.h: contacted, qualified, proposal,
 *     won): the first contact is stamped and the rep's reminders are
 *     cancelled; from new to contacted the lead's first nudge is scheduled
 *     and the referrer is told;
 *   - won: nudges cancelled, the reward owed (by [rewards]) with a
 *     reward-referrer mail, the referrer told, the client asked for an
 *     introduction ask_client_days later;
 *   - lost: nudges cancelled; the referrer told when update_on_lost;
 *   - rejected, expired: every pending mail of the referral cancelled;
 *   - held to new (a release): when the lead meanwhile has a referral that
 *     holds credit (kinds.h), the released one is a second introduction:
 *     it is recorded on that referral (a touch, and
 *     lifecycle_second_referrer under [rewards] credit: a held
 *     introduction counts from its release) and the released one is
 *     closed as rejected with a note saying so; otherwise the follow-up of
 *     a new referral starts.
 * The referrer is never told about their own action.  Refuses a missing
 * referral, a change its status table row does not allow, and a change to
 * the status it already has.
 */
int lifecycle_set_status(struct store *st, const struct config *cfg, const struct status_change *c,
                         char **why_r);

/* Whether lifecycle_set_status would refuse c for what it is or for the
 * referral's status now (the refusals listed above), writing nothing: 0
 * it would not, 1 it would (*why_r, the same words, caller frees), -1
 * error.  What a release (held to new) comes to when the lead meanwhile
 * has another referral is not foreseen: that is settled when it is made. */
int lifecycle_check_status(struct store *st, const struct status_change *c, char **why_r);

/* The status called name, or 1 with *why_r ("'maybe' is not a status
 * (new, ...)", caller frees).  0 when found. */
int lifecycle_status_arg(const char *name, enum status *s_r, char **why_r);

/* A rep's mail reached the lead: contacted when the referral was new.
 * Sets *changed_r.  Returns 0 or -1. */
int lifecycle_first_contact(struct store *st, const struct config *cfg, int64_t id,
                            const char *actor, int64_t msg_id, int64_t now, int *changed_r);

/* The lead replied: their nudges stop. */
int lifecycle_lead_replied(struct store *st, int64_t id, int64_t now);

/* The lead wrote in the referral's thread without the rep on it (an
 * answer to the introduction, to the referrer, before the welcome went
 * out): the welcome still waiting is not sent (it would greet someone who
 * has written already, maybe to say "wrong person" or "we hired someone"),
 * and the rep gets a notice with their words (notify-rep, notify.reply).
 * Returns 0 or -1. */
int lifecycle_lead_wrote(struct store *st, const struct config *cfg, int64_t id, const char *words,
                         int64_t now);

/* from, the referrer of referral id (introducer set) or someone else the
 * agent wrote to about it, wrote to us without the rep on the mail (an
 * answer to the thank-you: "Thanks - she prefers mornings"): the rep gets
 * a notice with their words (notify-rep, notify.referrer), with why the
 * receiving server did not vouch for the sender (unverified; NULL when it
 * did or nobody asked).  Nobody else would see it.  Returns 0 or -1. */
int lifecycle_referrer_wrote(struct store *st, const struct config *cfg, int64_t id,
                             const struct addr *from, int introducer, const char *unverified,
                             const char *words, int64_t now);

/* The referrer of referral id introduced its lead again before anybody
 * wrote to the lead ("did this come through? Anna hasn't heard from
 * anyone"): the rep gets a notice with their words (notify-rep,
 * notify.again), and the referrer the summary of their referrals, which
 * says it came through.  Returns 0 or -1. */
int lifecycle_introduced_again(struct store *st, const struct config *cfg, int64_t id,
                               const char *referrer, const char *words, int64_t now);

/* email asked for no more mail (source: how): recorded once with its date
 * and source, every pending mail to them cancelled, noted on their
 * referrals, and the rep told when they are a lead.  *changed_r = 1 when
 * this was news. */
int lifecycle_opt_out(struct store *st, const struct config *cfg, const char *email,
                      const char *source, int64_t msg_id, int64_t now, int *changed_r);

/* Mail to email bounces (reason: the report's status and diagnostic):
 * marked bouncing, its pending mail cancelled, noted on its referrals, and
 * the rep told when it is a lead's address. */
int lifecycle_bounce(struct store *st, const struct config *cfg, const char *email,
                     const char *reason, int64_t msg_id, int64_t now);

/* A second referrer (email, name) introduced the lead of open referral id:
 * under [rewards] credit = first the first referrer keeps the credit, under
 * last it moves; both are told who is credited, politely. */
int lifecycle_second_referrer(struct store *st, const struct config *cfg, int64_t id,
                              const char *email, const char *name, int64_t msg_id, int64_t now);

/* An admin moves the credit of referral id to the person at email (added
 * when unknown); the event log keeps both.  Refuses a missing referral. */
int lifecycle_credit(struct store *st, const struct config *cfg, int64_t id, const char *email,
                     const char *actor, int64_t now, char **why_r);

/* A referrer asked for the status of their referrals: a summary goes to
 * their own address on file (never to a Reply-To).  *sent_r = 1 when they
 * have referrals. */
int lifecycle_summary(struct store *st, const struct config *cfg, const char *email, int64_t now,
                      int *sent_r);

/* Open referrals without activity for expire_days become expired.
 * *n_r = how many. */
int lifecycle_expire(struct store *st, const struct config *cfg, int64_t now, int *n_r);

/* An admin marks reward id paid (`rewards pay`): the ledger says so, the
 * referral's history too, and the referrer gets a paid-referrer thank-you
 * naming the amount.  Refuses (1, *why_r) a reward that is not owed. */
int lifecycle_reward_paid(struct store *st, const struct config *cfg, int64_t id, const char *actor,
                          int64_t now, char **why_r);

/*
 * The reward for a won referral by [rewards]: by the referrer's kind
 * (staff: an address of the business domains; partner: in
 * [rewards] partners; else client), a fixed amount or a percentage of the
 * won value, capped.  Returns the amount (0: none) and describes the rule
 * in rule (e.g. "client: 10% of 12,000, capped at 500").
 */
double lifecycle_reward(const struct config *cfg, const char *referrer_email, int has_value,
                        double value, char *rule, size_t len);

/* "$12,000" or "$1,234.50": cfg's currency and thousands separators. */
const char *lifecycle_money(const struct config *cfg, double x, char *buf, size_t len);

#endif

/*
 * view.h - how referrals look on the command line: text for people, JSON
 * (jansson) for scripts.  The only module that includes jansson.
 *
 * JSON shape (a contract, see DESIGN.md): a referral is an object with at
 * least id, status, referrer {name, email}, lead {name, email, phone,
 * company}, rep {name, email} or null, context (plain text), created_at
 * (ISO 8601 UTC); absent values are null.  `show` adds "events".
 */
#ifndef REFAGENT_VIEW_H
#define REFAGENT_VIEW_H

#include <stddef.h>
#include <stdio.h>

#include "store.h"

struct config;
struct report;

/* Prints the referrals as a JSON array (json non-zero) or a table. */
void view_list(FILE *out, const struct referral_view *v, size_t n, int json);

/* Prints one referral with its events, as JSON or text. */
void view_show(FILE *out, const struct referral_view *v, const struct event_view *ev, size_t nev,
               int json);

/* Prints the outbox (jobs) as JSON or a table: state, mail, recipient,
 * when (next attempt, or when it was sent/failed/cancelled), attempts, and
 * the server's reply or the reason. */
void view_outbox(FILE *out, const struct job_view *v, size_t n, int json);

/* Prints the reward ledger as JSON or a table. */
void view_rewards(FILE *out, const struct reward_view *v, size_t n, const struct config *cfg,
                  int json);

/* Prints the report as JSON or text. */
void view_report(FILE *out, const struct report *r, const struct config *cfg, int days, int json);

/*
 * Prints, as JSON, all that is held about the address email
 * (`export-person`): {email, person (null when no person has the
 * address), referrals (each as in list --json, with role "lead" or
 * "referrer"), events (of those referrals, and any other naming the
 * address: referral, at, actor, kind, old_status, new_status, detail,
 * message), messages (from the address: message_id, direction, kind,
 * why, from, subject, date, processed_at, mailbox, uid, file), mail (to
 * the address, To or Cc, as in outbox --json), rewards (as in rewards
 * --json), opt_out_kept_as_hash (when
 * the opt-out of a forgotten person with this address was kept, else
 * null)}.
 */
void view_person(FILE *out, const char *email, const struct person_export *x,
                 const struct config *cfg);

#endif

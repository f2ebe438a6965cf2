/*
 * view.h - how referrals look on the command line: text for people, JSON
 * (jansson) for scripts.  The only module that includes jansson.
 *
 * JSON shape (a contract, see DESIGN.md): a referral is an object with at
 * least id, status, referrer {name, email}, lead {name, email, phone,
 * company}, rep {name, email} or null, context (plain text), created_at
 * (ISO 8601 UTC); absent values are null.  `show` adds "events".
 *
 * It also reads the one JSON the agent receives, the answer of an OAuth2
 * token endpoint (view_json_string, for oauth.c): jansson stays in this
 * module, and the oauth module gets plain strings.
 */
#ifndef REFAGENT_VIEW_H
#define REFAGENT_VIEW_H

#include <stddef.h>
#include <stdio.h>

#include "store.h"

struct config;
struct report;

/*
 * The referrals as a JSON array (json non-zero) or a table, a row at a
 * time, for a list as long as the store (a million referrals print in the
 * memory of one): view_rows_start, then view_list_row for each (as
 * store_referral_each hands them out), then view_list_end.  The outbox
 * (jobs) has its own row and end functions: state, mail, recipient, when
 * (next attempt, or when it was sent/failed/cancelled), attempts, and the
 * server's reply or the reason.
 */
struct view_rows {
	FILE *out;
	int json;
	size_t n; /* rows printed */
};
void view_rows_start(struct view_rows *r, FILE *out, int json);
void view_list_row(struct view_rows *r, const struct referral_view *v);
void view_list_end(struct view_rows *r);
void view_outbox_row(struct view_rows *r, const struct job_view *v);
void view_outbox_end(struct view_rows *r);

/* Prints one referral with its events, as JSON or text. */
void view_show(FILE *out, const struct referral_view *v, const struct event_view *ev, size_t nev,
               int json);

/* Prints the reward ledger as JSON or a table. */
void view_rewards(FILE *out, const struct reward_view *v, size_t n, const struct config *cfg,
                  int json);

/* Prints the report as JSON or text. */
void view_report(FILE *out, const struct report *r, const struct config *cfg, int days, int json);
/* `report --all-businesses`: a line (a JSON object) per business with its
 * referrals by status, conversion, won value, waiting and held now and
 * rewards, and the totals of them all. */
struct report_business;
void view_businesses(FILE *out, const struct report_business *v, size_t n, const struct config *cfg,
                     int days, int json);

/*
 * Reads member key of the JSON object in text[0..len) (an OAuth2 token
 * endpoint's answer, RFC 6749 sections 5.1 and 5.2): a string as it is, an
 * integer as its decimal text (expires_in comes as either).  Returns 1 and
 * sets *value_r (caller frees, and should wipe: it may be a token); 0 when
 * the member is absent, null, of another type, or a string holding NUL;
 * -1 when text is not a JSON object.
 */
int view_json_string(const char *text, size_t len, const char *key, char **value_r);

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

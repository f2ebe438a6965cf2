/*
 * report.h - the figures of `refagent report`: the referrals made since a
 * date by status, the time to first contact, the top referrers, and the
 * reward ledger.
 *
 * Computed here from the store's narrow report queries (store.h, "figures
 * for the report"), which keep the SQL; printed by view_report (view.h).
 */
#ifndef REFAGENT_REPORT_H
#define REFAGENT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "kinds.h"

struct store;

struct report_referrer {
	char *name;  /* NULL when not known */
	char *email; /* NULL for a referrer named only in a web form */
	int64_t referrals;
	int64_t won;
	double won_value;
};

/* How many top referrers a report lists. */
#define REPORT_TOP 10

struct report {
	int64_t since; /* referrals made at or after this */
	int64_t total;
	int64_t by_status[STATUS_COUNT]; /* indexed by enum status */
	double won_value;
	int64_t contacted;           /* with a first contact */
	double first_contact_median; /* seconds from intake to first contact */
	double first_contact_mean;
	struct report_referrer top[REPORT_TOP]; /* by referrals, then wins */
	size_t ntop;
	int64_t rewards_owed_n, rewards_paid_n; /* the whole ledger */
	double rewards_owed, rewards_paid;
};

/* Fills r for the referrals made at or after since.  Returns 0 (clear r
 * with report_clear), or -1 with the text in store_error(st) (r is
 * cleared already). */
int report_compute(struct store *st, int64_t since, struct report *r);
/* Frees what r holds; safe to call twice. */
void report_clear(struct report *r);

#endif

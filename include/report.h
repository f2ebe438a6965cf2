/*
 * report.h - the figures of `refagent report` and of the weekly summary:
 * the referrals made in a window (since .. until) by status and by month,
 * the wins of each month, the time to first contact (median, mean, 90th
 * percentile) overall and per rep, each rep's reminders and escalations,
 * the top referrers with their conversion and rewards, the reward ledger,
 * what waits now, and the monthly goals of [goals].
 *
 * Computed here from the store's narrow report queries (store.h, "figures
 * for the report"), which keep the SQL; printed by view_report (view.h:
 * text and JSON) and report_write_html (below).  Months are calendar
 * months in the [schedule] timezone (the process's local time, see
 * schedule_init).
 */
#ifndef REFAGENT_REPORT_H
#define REFAGENT_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kinds.h"

struct config;
struct store;

/* A referrer of the top list.  Referrals of the business's own people (a
 * rep, the admin, an address of the business domains) count only when
 * they stand as staff referrals: a held or rejected one was a client
 * thread taken for an introduction, not a referral of theirs. */
struct report_referrer {
	char *name;  /* NULL when not known */
	char *email; /* NULL for a referrer named only in a web form */
	int64_t referrals;
	int64_t won, lost;
	double won_value;
	/* the referrer's whole reward ledger, whatever the window */
	int64_t rewards_owed_n, rewards_paid_n;
	double rewards_owed, rewards_paid;
};

/* One calendar month of the window (the first and last may be partial). */
struct report_month {
	int64_t start;     /* the 1st at local midnight */
	char label[8];     /* "2026-01" */
	int64_t referrals; /* made in the month */
	int64_t won;       /* won in the month (the day the win was recorded) */
	double won_value;  /* their summed value */
};

/* A rep: every rep of [reps] in its order, then any other rep the
 * window's referrals name (a rep since removed from the config). */
struct report_rep {
	char *email;
	char *name;
	int64_t referrals; /* made in the window and assigned to the rep */
	int64_t won, lost;
	double won_value;
	int64_t contacted;           /* of them, with a first contact */
	double first_contact_median; /* seconds; 0 when contacted is 0 */
	double first_contact_p90;
	int64_t reminders;   /* remind-rep mails sent to the rep in the window */
	int64_t escalations; /* and to the admin about the rep's referrals */
	int64_t waiting;     /* now: new, waiting for the rep's first contact */
	int64_t overdue;     /* of them, past rep_deadline */
};

/* How many top referrers a report lists. */
#define REPORT_TOP 10

struct report {
	int64_t since, until; /* the window: referrals made in it */
	int64_t total;
	int64_t by_status[STATUS_COUNT]; /* indexed by enum status */
	double won_value;
	int64_t contacted;           /* with a first contact */
	double first_contact_median; /* seconds from intake to first contact */
	double first_contact_mean;
	double first_contact_p90; /* the nearest-rank 90th percentile */
	/* wins recorded in the window, whenever the referral was made */
	int64_t won_in_window;
	double won_in_window_value;
	int64_t reminders, escalations; /* remind-rep mails sent in the window */
	/* now, whenever made: held for review; new and waiting for the first
	 * contact; of those, past rep_deadline */
	int64_t held_now, waiting_now, overdue_now;
	struct report_referrer top[REPORT_TOP]; /* by referrals, then wins */
	size_t ntop;
	int64_t rewards_owed_n, rewards_paid_n; /* the whole ledger */
	double rewards_owed, rewards_paid;
	struct report_month *months; /* the window's months, oldest first */
	size_t nmonths;
	struct report_rep *reps;
	size_t nreps;
	int goal_referrals, goal_won; /* [goals] per month; 0: none */
};

/*
 * Fills r for the referrals made from since to until (until: now), with
 * cfg's reps, deadline, business addresses and goals.  Returns 0 (clear r
 * with report_clear), or -1 with the text in store_error(st) (r is
 * cleared already).
 */
int report_compute(struct store *st, const struct config *cfg, int64_t since, int64_t until,
                   struct report *r);
/* Frees what r holds; safe to call twice. */
void report_clear(struct report *r);

/* One business of the database, for `report --all-businesses`: its key
 * and its figures.  They are computed with the config that asks (its
 * window, time zone, currency, reps, deadline and goals), so only the
 * figures of the business as a whole mean the same for every business:
 * referrals by status, won value, waiting and held now, rewards. */
struct report_business {
	char *key;
	struct report r;
};
/* Every business whose agent opened st's database, by key; the handle
 * sees its own business again after.  Returns 0 (free *v_r with
 * report_businesses_free), or -1 with the text in store_error(st). */
int report_businesses(struct store *st, const struct config *cfg, int64_t since, int64_t until,
                      struct report_business **v_r, size_t *n_r);
void report_businesses_free(struct report_business *v, size_t n);

/* won / (won + lost), 0 when neither. */
double report_conversion(int64_t won, int64_t lost);

/*
 * Writes the report as one self-contained HTML page (inline CSS and SVG,
 * no script, nothing fetched) to out: the key figures, the funnel by
 * status, referrals and won value per month, goals against actuals,
 * time to first contact per rep, reminders and escalations per rep, and
 * the top referrers.  Every name from mail is HTML-escaped.  Each chart
 * is an element with a stable id (funnel, monthly, goals, first-contact,
 * reminders, referrers) whose drawn marks carry their numbers in data-*
 * attributes, the same numbers `report --json` prints.  Returns 0, or -1
 * when writing failed (errno set).
 */
int report_write_html(FILE *out, const struct report *r, const struct config *cfg, int days);

#endif

/*
 * schedule.h - which follow-up mail goes out, to whom, and when.
 *
 * The policy of DESIGN.md "Mail the agent sends", with the [schedule]
 * settings: business hours and days in the business's time zone, the
 * rep's first-contact deadline in business days, reminders and the
 * escalation to the admin, check-ins with active referrers.  Every job is
 * written in the caller's transaction, with the event that caused it.
 *
 * Time is read through clock_now() (clock.h); the local calendar comes
 * from the [schedule] timezone, which schedule_init() makes the process's
 * TZ.
 */
#ifndef REFAGENT_SCHEDULE_H
#define REFAGENT_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "kinds.h"

struct config;
struct rep;
struct store;
struct referral_view;

/* Makes cfg->timezone the local time of the process (setenv TZ, tzset).
 * Call once, before any thread starts. */
void schedule_init(const struct config *cfg);

/* Non-zero when t falls inside business hours on a business day. */
int schedule_is_open(const struct config *cfg, int64_t t);
/* t when inside business hours, else the next opening. */
int64_t schedule_next_open(const struct config *cfg, int64_t t);
/* The moment n business days after t, counted from the next opening at or
 * after t, at that opening's time of day on the n-th following business
 * day (Friday 15:00 + 1 = Monday 15:00; Saturday + 1 = Tuesday 09:00). */
int64_t schedule_add_business_days(const struct config *cfg, int64_t t, int n);
/* The first opening after t (not t itself, even when t is one): when the
 * daily digests are due next. */
int64_t schedule_next_opening(const struct config *cfg, int64_t t);
/* "1 business day", "3 business days" (into buf, returned). */
const char *schedule_days_phrase(int n, char *buf, size_t len);

/* A new Message-ID for mail about referral (0: none), without <>, at the
 * agent's domain; caller frees. */
char *schedule_message_id(const struct config *cfg, int64_t referral, const char *template);

/* What a new referral needs to know to be followed up. */
struct new_referral {
	int64_t id;
	const char *referrer_name;
	const char *referrer_email; /* NULL: no thank-you can be sent */
	const char *lead_name;
	const char *lead_email;  /* NULL: no welcome can be sent */
	const struct rep *rep;   /* NULL: no rep */
	const char *thread_key;  /* the intro's Message-ID, NULL when it had none */
	const char *thread_refs; /* its References plus its Message-ID, space-separated */
	/* one intro naming several leads is one thank-you: the first
	 * referral's names the others (thanks_note, "thank.others=..."), the
	 * others send none */
	const char *thanks_note;
	int no_thanks;
};

/*
 * The jobs of a new referral (status new): thank-referrer at once,
 * welcome-lead (cc the rep, in the intro's thread) in business hours,
 * assign-rep at once (for a rep with [reps] digest: the referral waits
 * for the rep's next daily digest instead), and the first remind-rep after
 * rep_deadline business days (with no rep: the admin at the deadline).
 * Each respects delay.<template>.  Returns 0 or -1 (store error).
 */
int schedule_new_referral(struct store *st, const struct config *cfg, const struct new_referral *r,
                          int64_t now);

/*
 * What a sent job leads to, in the transaction that marks it sent: after
 * reminder k of rep_reminders, reminder k+1 one deadline later; after the
 * last, the escalation to [agent] admin one deadline later; after nudge k
 * of `nudges` to a lead, nudge k+1 lead_nudge_after business days later.
 */
struct job_view;
int schedule_after_sent(struct store *st, const struct config *cfg, const struct job_view *j,
                        int64_t now);

/* Non-zero when job j is a reminder's copy to the admin (its note says
 * reminder.escalated). */
int schedule_escalated(const struct job_view *j);

/*
 * Check-ins: one checkin-referrer job for each referrer who made a
 * referral in the last 365 days and has not been written to by a check-in
 * (or introduced anyone first) for checkin_days.  *n_r = jobs made.
 */
int schedule_checkins(struct store *st, const struct config *cfg, int64_t now, int *n_r);

/*
 * The mails about many referrals, made when they are due (the daemon
 * looks hourly and at every opening; `send` at every run), each at most
 * once in its period and only in business hours:
 *   - digest-rep, daily from the opening of each business day, to each
 *     rep with [reps] digest who has referrals waiting for it: it lists
 *     them (the note says which, "digest=12 14"), and each gets a
 *     "digest" event; referrals that closed meanwhile are dropped from
 *     the wait, and those of a rep who no longer takes a digest get their
 *     assign-rep now;
 *   - weekly-admin, from the first opening of each week (weeks start on
 *     Monday), to [agent] admin unless [schedule] weekly_summary = no: the
 *     week's figures (schedule_weekly_facts).
 * *n_r = mails made.  Returns 0 or -1 (store error).
 */
int schedule_periodic(struct store *st, const struct config *cfg, int64_t now, int *n_r);

/* The facts of a weekly summary made at now, as job note lines
 * (jobnote.h): weekly.from, .to, .new, .won, .won_value, .held, .waiting,
 * .overdue, .owed, .owed_count.  Returns the note (caller frees) or NULL
 * on a store error. */
char *schedule_weekly_facts(struct store *st, const struct config *cfg, int64_t now);

/* One job, for the mail that follows an event (a status change, an
 * opt-out, a bounce).  Nothing is made for a NULL or own address. */
struct job_spec_pub {
	int64_t referral_id; /* 0: none */
	enum mail_kind kind;
	const char *to;
	const char *to_name;
	const char *cc;
	int64_t due;
	int seq;
	const char *note;        /* what the template needs, see outbox.c */
	const char *in_reply_to; /* thread, or NULL */
	const char *refs;
	const char *message_key; /* its Message-ID; NULL: a new one */
};
int schedule_job(struct store *st, const struct config *cfg, const struct job_spec_pub *js,
                 int64_t now);

/* The To and Cc mail `kind` about referral v goes to, by its role in
 * mail_table (the same rule the jobs were made with; used by `templates
 * render`); escalated: a chained reminder's copy to the admin.  *to_r and *cc_r
 * point into v or cfg, NULL when there is nobody. */
void schedule_recipients(const struct config *cfg, enum mail_kind kind,
                         const struct referral_view *v, int escalated, const char **to_r,
                         const char **to_name_r, const char **cc_r);

#endif

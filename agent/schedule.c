/*
 * schedule.c - which follow-up mail goes out, to whom, and when (see
 * schedule.h).
 *
 * Business time is computed with the C library's local time (localtime_r,
 * mktime with tm_isdst = -1), so daylight-saving changes in the business's
 * zone are the tz database's job.  Each job is a row written in the
 * caller's transaction; the outbox sends what is due.
 */
#include "schedule.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "jobnote.h"
#include "lifecycle.h"
#include "log.h"
#include "report.h"
#include "store.h"
#include "template.h"
#include "util.h"

/* Active referrers: a referral within this many days. */
#define ACTIVE_DAYS 365
/* Check-ins made per call (the daemon calls again later). */
#define CHECKIN_BATCH 100

void schedule_init(const struct config *cfg)
{
	setenv("TZ", cfg->timezone && *cfg->timezone ? cfg->timezone : "UTC", 1);
	tzset();
}

static int business_day(const struct config *cfg, const struct tm *lt)
{
	return (cfg->days_mask >> lt->tm_wday) & 1;
}

int schedule_is_open(const struct config *cfg, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm lt;
	int mod;

	localtime_r(&tt, &lt);
	mod = lt.tm_hour * 60 + lt.tm_min;
	return business_day(cfg, &lt) && mod >= cfg->open_min && mod < cfg->close_min;
}

/* lt at the opening time of its day (normalised through mktime). */
static time_t at_opening(const struct config *cfg, struct tm *lt)
{
	lt->tm_hour = cfg->open_min / 60;
	lt->tm_min = cfg->open_min % 60;
	lt->tm_sec = 0;
	lt->tm_isdst = -1;
	return mktime(lt);
}

int64_t schedule_next_open(const struct config *cfg, int64_t t)
{
	time_t tt = (time_t)t;

	for (int i = 0; i < 15; i++) {
		struct tm lt;
		int mod;

		localtime_r(&tt, &lt);
		mod = lt.tm_hour * 60 + lt.tm_min;
		if (business_day(cfg, &lt)) {
			if (mod >= cfg->open_min && mod < cfg->close_min)
				return tt;
			if (mod < cfg->open_min)
				return at_opening(cfg, &lt);
		}
		lt.tm_mday += 1;
		tt = at_opening(cfg, &lt);
	}
	return t; /* no business day in the week: config.c does not allow it */
}

int64_t schedule_add_business_days(const struct config *cfg, int64_t t, int n)
{
	time_t start = (time_t)schedule_next_open(cfg, t), tt = start;
	struct tm lt;
	int hour, min, sec;

	localtime_r(&start, &lt);
	hour = lt.tm_hour;
	min = lt.tm_min;
	sec = lt.tm_sec;
	for (int counted = 0, guard = 0; counted < n && guard < 8 * n + 8; guard++) {
		lt.tm_mday += 1;
		lt.tm_hour = hour;
		lt.tm_min = min;
		lt.tm_sec = sec;
		lt.tm_isdst = -1;
		tt = mktime(&lt);
		localtime_r(&tt, &lt);
		if (business_day(cfg, &lt))
			counted++;
	}
	/* a time of day that a DST change moved out of hours */
	return schedule_next_open(cfg, tt);
}

int64_t schedule_next_opening(const struct config *cfg, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm lt;
	int64_t next = schedule_next_open(cfg, t);

	if (next > t)
		return next;
	/* open at t: the next opening comes after today's close (24:00 is
	 * the next midnight, which mktime works out) */
	localtime_r(&tt, &lt);
	lt.tm_hour = cfg->close_min / 60;
	lt.tm_min = cfg->close_min % 60;
	lt.tm_sec = 0;
	lt.tm_isdst = -1;
	return schedule_next_open(cfg, (int64_t)mktime(&lt));
}

const char *schedule_days_phrase(int n, char *buf, size_t len)
{
	snprintf(buf, len, "%d business day%s", n, n == 1 ? "" : "s");
	return buf;
}

char *schedule_message_id(const struct config *cfg, int64_t referral, const char *template)
{
	uint64_t r = random_u64();

	if (referral)
		return xasprintf("r%" PRId64 ".%s.%016" PRIx64 "@%s", referral, template, r,
		                 addr_domain(cfg->address));
	return xasprintf("%s.%016" PRIx64 "@%s", template, r, addr_domain(cfg->address));
}

void schedule_recipients(const struct config *cfg, enum mail_kind kind,
                         const struct referral_view *v, int escalated, const char **to_r,
                         const char **to_name_r, const char **cc_r)
{
	const struct mail_desc *d = &mail_table[kind];
	enum mail_role role = d->to;

	*to_r = *to_name_r = *cc_r = NULL;
	/* a chained reminder to a rep ends with the admin */
	if (role == ROLE_REP && escalated && (d->flags & MAIL_CHAINED))
		role = ROLE_ADMIN;
	switch (role) {
	case ROLE_LEAD:
		*to_r = v->lead.email;
		*to_name_r = v->lead.name;
		/* the welcome puts the rep in the conversation */
		if (d->flags & MAIL_CC_REP)
			*cc_r = v->rep_email;
		break;
	case ROLE_REP:
		*to_r = v->rep_email;
		*to_name_r = v->rep_name;
		break;
	case ROLE_ADMIN:
		*to_r = cfg->admin;
		*to_name_r = NULL;
		break;
	case ROLE_REFERRER:
		*to_r = v->referrer.email;
		*to_name_r = v->referrer.name;
		break;
	}
}

/* The note of a chained reminder's copy to the admin (jobnote.h). */
#define ESCALATED "reminder.escalated=yes\n"

int schedule_escalated(const struct job_view *j)
{
	char *v;
	int yes;

	if (j->note == NULL)
		return 0;
	if (strcmp(j->note, "escalated") == 0) /* written by earlier versions */
		return 1;
	v = jobnote_get(j->note, "reminder.escalated");
	yes = v != NULL;
	free(v);
	return yes;
}

static long delay_of(const struct config *cfg, enum mail_kind kind)
{
	return cfg->delays[kind];
}

/* The row of job js in *j, with a new Message-ID in *key_r (caller frees);
 * 0 when nobody gets it (a missing or own address). */
static int job_row(const struct config *cfg, const struct job_spec_pub *js, int64_t now,
                   struct job_rec *j, char **key_r)
{
	if (js->to == NULL || config_is_agent(cfg, js->to))
		return 0;
	*key_r = js->message_key ? xstrdup(js->message_key)
	                         : schedule_message_id(cfg, js->referral_id, mail_name(js->kind));
	*j = (struct job_rec){
	        .referral_id = js->referral_id,
	        .template = mail_name(js->kind),
	        .recipient = js->to,
	        .recipient_name = js->to_name,
	        .cc = js->cc,
	        .seq = js->seq,
	        .note = js->note,
	        .due_at = js->due,
	        .message_key = *key_r,
	        .in_reply_to = js->in_reply_to,
	        .refs = js->refs,
	        .at = now,
	};
	return 1;
}

/* Writes jobs js[0..n) in one statement; nothing for a missing or own
 * address. */
static int add_jobs(struct store *st, const struct config *cfg, const struct job_spec_pub *js,
                    size_t n, int64_t now)
{
	struct job_rec rows[8];
	char *keys[8];
	size_t k = 0;
	int rc;

	for (size_t i = 0; i < n && k < ARRAY_SIZE(rows); i++)
		k += (size_t)job_row(cfg, &js[i], now, &rows[k], &keys[k]);
	rc = k ? store_jobs_add(st, rows, k) : 0;
	for (size_t i = 0; i < k; i++)
		free(keys[i]);
	return rc;
}

static int add_job(struct store *st, const struct config *cfg, const struct job_spec_pub *js,
                   int64_t now)
{
	return add_jobs(st, cfg, js, 1, now);
}

int schedule_job(struct store *st, const struct config *cfg, const struct job_spec_pub *js,
                 int64_t now)
{
	return add_job(st, cfg, js, now);
}

int schedule_new_referral(struct store *st, const struct config *cfg, const struct new_referral *r,
                          int64_t now)
{
	const char *rep_email = r->rep ? r->rep->email : NULL;
	const char *rep_name = r->rep ? r->rep->name : NULL;
	int deadline = cfg->rep_deadline, steps = cfg->rep_reminders;
	struct job_spec_pub specs[8];
	size_t n = 0;

	/* to the referrer and the rep at once; to the lead in business hours */
	if (!r->no_thanks)
		specs[n++] = (struct job_spec_pub){.kind = MAIL_THANK_REFERRER,
		                                   .to = r->referrer_email,
		                                   .to_name = r->referrer_name,
		                                   .note = r->thanks_note,
		                                   .due = now + delay_of(cfg, MAIL_THANK_REFERRER)};
	specs[n++] = (struct job_spec_pub){
	        .kind = MAIL_WELCOME_LEAD,
	        .to = r->lead_email,
	        .to_name = r->lead_name,
	        .cc = rep_email,
	        .due = schedule_next_open(cfg, now + delay_of(cfg, MAIL_WELCOME_LEAD)),
	        .in_reply_to = r->thread_key,
	        .refs = r->thread_refs};
	/* a rep who takes a daily digest finds the referral there; but a
	 * lead with no address (a phone to call) got no welcome, so there is
	 * no thread to answer in: the rep gets the assignment mail, to call
	 * and then answer it with "#status contacted" */
	int digest = rep_email && r->rep->digest && r->lead_email != NULL;

	if (digest && store_digest_due(st, r->id, now) < 0)
		return -1;
	if (rep_email) {
		if (!digest)
			specs[n++] =
			        (struct job_spec_pub){.kind = MAIL_ASSIGN_REP,
			                              .to = rep_email,
			                              .to_name = rep_name,
			                              .due = now + delay_of(cfg, MAIL_ASSIGN_REP),
			                              .in_reply_to = r->thread_key,
			                              .refs = r->thread_refs};
		/* the next reminder is made when this one is sent
		 * (schedule_after_sent), so a rep's reply has one job to
		 * cancel and a changed deadline applies from then on */
		if (steps > 0)
			specs[n++] = (struct job_spec_pub){
			        .kind = MAIL_REMIND_REP,
			        .to = rep_email,
			        .to_name = rep_name,
			        .due = schedule_add_business_days(cfg, now, deadline),
			        .seq = 1};
	}
	/* With no rep at all (or no reminders), the admin hears of it at the
	 * deadline. */
	if (cfg->admin && (rep_email == NULL || steps == 0))
		specs[n++] =
		        (struct job_spec_pub){.kind = MAIL_REMIND_REP,
		                              .to = cfg->admin,
		                              .due = schedule_add_business_days(cfg, now, deadline),
		                              .seq = 1,
		                              .note = ESCALATED};
	for (size_t i = 0; i < n; i++)
		specs[i].referral_id = r->id;
	return add_jobs(st, cfg, specs, n, now);
}

int schedule_checkins(struct store *st, const struct config *cfg, int64_t now, int *n_r)
{
	struct person_ref *v = NULL;
	size_t n = 0;

	*n_r = 0;
	if (cfg->checkin_days <= 0)
		return 0;
	if (store_checkins_due(st, now - (int64_t)ACTIVE_DAYS * 86400,
	                       now - (int64_t)cfg->checkin_days * 86400, CHECKIN_BATCH, &v, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct job_spec_pub js = {.kind = MAIL_CHECKIN_REFERRER,
		                          .to = v[i].email,
		                          .to_name = v[i].name,
		                          .due = schedule_next_open(cfg, now)};

		if (add_job(st, cfg, &js, now) < 0 ||
		    store_person_set_checkin(st, v[i].id, now) < 0) {
			store_people_free(v, n);
			return -1;
		}
		(*n_r)++;
	}
	store_people_free(v, n);
	return 0;
}

int schedule_after_sent(struct store *st, const struct config *cfg, const struct job_view *j,
                        int64_t now)
{
	struct job_spec_pub js = {.referral_id = j->referral_id,
	                          .kind = MAIL_REMIND_REP,
	                          .to = j->recipient,
	                          .to_name = j->recipient_name,
	                          .due = schedule_add_business_days(cfg, now, cfg->rep_deadline),
	                          .seq = j->seq + 1};

	/* a lead is nudged at most `nudges` times, nudge_after apart */
	if (mail_is(j->template, MAIL_NUDGE_LEAD)) {
		if (j->seq >= cfg->nudges)
			return 0;
		js.kind = MAIL_NUDGE_LEAD;
		js.due = schedule_add_business_days(cfg, now, cfg->nudge_after);
		return add_job(st, cfg, &js, now);
	}
	if (!mail_is(j->template, MAIL_REMIND_REP) || schedule_escalated(j))
		return 0;
	if (j->seq >= cfg->rep_reminders) {
		/* the rep had every reminder: the admin is told next */
		if (cfg->admin == NULL)
			return 0;
		js.to = cfg->admin;
		js.to_name = NULL;
		js.note = ESCALATED;
	}
	return add_job(st, cfg, &js, now);
}

/* ---- mails about many referrals: digests, the weekly summary ---- */

/* The opening time on t's local day (which may be no business day). */
static int64_t opening_of_day(const struct config *cfg, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm lt;

	localtime_r(&tt, &lt);
	return (int64_t)at_opening(cfg, &lt);
}

/* The first opening of t's week (Monday 00:00 local, or later). */
static int64_t week_opening(const struct config *cfg, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm lt;

	localtime_r(&tt, &lt);
	lt.tm_mday -= (lt.tm_wday + 6) % 7; /* back to Monday */
	lt.tm_hour = lt.tm_min = lt.tm_sec = 0;
	lt.tm_isdst = -1;
	return schedule_next_open(cfg, (int64_t)mktime(&lt));
}

/* Whether a periodic mail of kind to `to` was made since `since`: 1, 0,
 * or -1. */
static int made_since(struct store *st, enum mail_kind kind, const char *to, int64_t since)
{
	int64_t last = 0;
	int rc = store_job_last(st, mail_name(kind), to, &last);

	return rc <= 0 ? rc : last >= since;
}

/* A referral in a digest: still open and not held for review. */
static int listable(const char *status)
{
	enum status s;

	return status_parse(status, &s) && !status_table[s].closed && s != STATUS_HELD;
}

/* A referral waiting for the digest of a rep who no longer takes one:
 * its assignment now, in the intro's thread. */
static int assign_now(struct store *st, const struct config *cfg, const struct rep *rep,
                      const struct referral_view *v, int64_t now)
{
	struct job_spec_pub js = {.referral_id = v->id,
	                          .kind = MAIL_ASSIGN_REP,
	                          .to = rep->email,
	                          .to_name = rep->name,
	                          .due = now,
	                          .in_reply_to = v->thread_key,
	                          .refs = v->thread_key};

	return listable(v->status) ? add_job(st, cfg, &js, now) : 0;
}

static int digest_event(struct store *st, const struct rep *rep, int64_t id, int64_t now)
{
	char detail[300];
	struct event_rec e = {
	        .referral_id = id, .at = now, .actor = "agent", .kind = "digest", .detail = detail};

	snprintf(detail, sizeof(detail), "in the daily digest to %s", rep->email);
	return store_event_add(st, &e);
}

/* The digest of one rep, when referrals wait for it and none was made
 * today. */
static int rep_digest(struct store *st, const struct config *cfg, const struct rep *rep,
                      int64_t now, int *n_r)
{
	struct referral_view *v = NULL;
	struct buf ids = {0}, note = {0};
	size_t n = 0;
	int rc = store_digest_waiting(st, rep->email, &v, &n);

	if (rc == 0 && n && rep->digest)
		rc = made_since(st, MAIL_DIGEST_REP, rep->email, opening_of_day(cfg, now));
	if (rc != 0)
		goto out; /* an error, or made today already */
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!rep->digest)
			rc = assign_now(st, cfg, rep, &v[i], now);
		else if (listable(v[i].status)) {
			buf_printf(&ids, "%s%" PRId64, ids.len ? " " : "", v[i].id);
			rc = digest_event(st, rep, v[i].id, now);
		}
		if (rc == 0)
			rc = store_digest_done(st, v[i].id);
	}
	if (rc == 0 && ids.len) {
		struct job_spec_pub js = {.kind = MAIL_DIGEST_REP,
		                          .to = rep->email,
		                          .to_name = rep->name,
		                          .due = now};

		jobnote_add(&note, "digest", ids.s);
		js.note = note.s;
		rc = add_job(st, cfg, &js, now);
		*n_r += rc == 0;
	}
out:
	buf_free(&ids);
	buf_free(&note);
	store_referral_views_free(v, n);
	return rc < 0 ? -1 : 0;
}

char *schedule_weekly_facts(struct store *st, const struct config *cfg, int64_t now)
{
	struct report r;
	struct buf b = {0};
	char text[64], day[32];

	if (report_compute(st, cfg, now - 7 * 86400, now, &r) != 0)
		return NULL;
	jobnote_add(&b, "weekly.from", time_day(r.since, day));
	jobnote_add(&b, "weekly.to", time_day(r.until, day));
#define FACT_N(name, x)                                                                            \
	do {                                                                                       \
		snprintf(text, sizeof(text), "%" PRId64, (int64_t)(x));                            \
		jobnote_add(&b, name, text);                                                       \
	} while (0)
	FACT_N("weekly.new", r.total);
	FACT_N("weekly.won", r.won_in_window);
	jobnote_add(&b, "weekly.won_value",
	            lifecycle_money(cfg, r.won_in_window_value, text, sizeof(text)));
	FACT_N("weekly.held", r.held_now);
	FACT_N("weekly.waiting", r.waiting_now);
	FACT_N("weekly.overdue", r.overdue_now);
	jobnote_add(&b, "weekly.owed", lifecycle_money(cfg, r.rewards_owed, text, sizeof(text)));
	FACT_N("weekly.owed_count", r.rewards_owed_n);
#undef FACT_N
	report_clear(&r);
	return buf_steal(&b);
}

static int weekly(struct store *st, const struct config *cfg, int64_t now, int *n_r)
{
	struct job_spec_pub js = {.kind = MAIL_WEEKLY_ADMIN, .to = cfg->admin, .due = now};
	int64_t week = week_opening(cfg, now);
	char *note;
	int rc;

	if (cfg->admin == NULL || !cfg->weekly_summary || now < week)
		return 0;
	if ((rc = made_since(st, MAIL_WEEKLY_ADMIN, cfg->admin, week)) != 0)
		return rc < 0 ? -1 : 0;
	if ((note = schedule_weekly_facts(st, cfg, now)) == NULL)
		return -1;
	js.note = note;
	rc = add_job(st, cfg, &js, now);
	free(note);
	*n_r += rc == 0;
	return rc;
}

int schedule_periodic(struct store *st, const struct config *cfg, int64_t now, int *n_r)
{
	*n_r = 0;
	if (!schedule_is_open(cfg, now))
		return 0;
	for (size_t i = 0; i < cfg->nreps; i++)
		if (rep_digest(st, cfg, &cfg->reps[i], now, n_r) < 0)
			return -1;
	return weekly(st, cfg, now, n_r);
}

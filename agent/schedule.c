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
#include <sys/random.h>
#include <time.h>

#include "config.h"
#include "log.h"
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

const char *schedule_days_phrase(int n, char *buf, size_t len)
{
	snprintf(buf, len, "%d business day%s", n, n == 1 ? "" : "s");
	return buf;
}

char *schedule_message_id(const struct config *cfg, int64_t referral, const char *template)
{
	uint64_t r = 0;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = hash_fnv1a(&referral, sizeof(referral), (uint64_t)clock()) ^
		    (uint64_t)time(NULL);
	if (referral)
		return xasprintf("r%" PRId64 ".%s.%016" PRIx64 "@%s", referral, template, r,
		                 addr_domain(cfg->address));
	return xasprintf("%s.%016" PRIx64 "@%s", template, r, addr_domain(cfg->address));
}

void schedule_recipients(const struct config *cfg, const char *template,
                         const struct referral_view *v, int escalated, const char **to_r,
                         const char **to_name_r, const char **cc_r)
{
	*to_r = *to_name_r = *cc_r = NULL;
	if (strcmp(template, "welcome-lead") == 0 || strcmp(template, "nudge-lead") == 0 ||
	    strcmp(template, "ask-client") == 0) {
		*to_r = v->lead.email;
		*to_name_r = v->lead.name;
		/* the welcome puts the rep in the conversation */
		if (strcmp(template, "welcome-lead") == 0)
			*cc_r = v->rep_email;
	} else if (strcmp(template, "assign-rep") == 0 ||
	           (strcmp(template, "remind-rep") == 0 && !escalated)) {
		*to_r = v->rep_email;
		*to_name_r = v->rep_name;
	} else if (strcmp(template, "remind-rep") == 0) {
		*to_r = cfg->admin;
		*to_name_r = NULL;
	} else {
		/* thank-, update-, reward-, checkin-referrer */
		*to_r = v->referrer.email;
		*to_name_r = v->referrer.name;
	}
}

static long delay_of(const struct config *cfg, const char *template)
{
	for (int i = 0; i < TEMPLATE_COUNT; i++)
		if (strcmp(template_names[i], template) == 0)
			return cfg->delays[i];
	return 0;
}

struct job_spec {
	const char *template;
	const char *to;
	const char *to_name;
	const char *cc;
	int64_t due;
	int seq;
	const char *note;
	int threaded; /* In-Reply-To the intro */
};

static int add_job(struct store *st, const struct config *cfg, const struct new_referral *r,
                   const struct job_spec *js, int64_t now)
{
	char *key;
	int rc;
	struct job_rec j = {
	        .referral_id = r->id,
	        .template = js->template,
	        .recipient = js->to,
	        .recipient_name = js->to_name,
	        .cc = js->cc,
	        .seq = js->seq,
	        .note = js->note,
	        .due_at = js->due,
	        .in_reply_to = js->threaded ? r->thread_key : NULL,
	        .refs = js->threaded ? r->thread_refs : NULL,
	        .at = now,
	};

	if (js->to == NULL || config_is_agent(cfg, js->to))
		return 0;
	key = schedule_message_id(cfg, r->id, js->template);
	j.message_key = key;
	rc = store_job_add(st, &j, NULL);
	free(key);
	return rc;
}

int schedule_new_referral(struct store *st, const struct config *cfg, const struct new_referral *r,
                          int64_t now)
{
	const char *rep_email = r->rep ? r->rep->email : NULL;
	const char *rep_name = r->rep ? r->rep->name : NULL;
	int deadline = cfg->rep_deadline, steps = cfg->rep_reminders;
	struct job_spec specs[8];
	size_t n = 0;

	/* to the referrer and the rep at once; to the lead in business hours */
	specs[n++] = (struct job_spec){"thank-referrer",
	                               r->referrer_email,
	                               r->referrer_name,
	                               NULL,
	                               now + delay_of(cfg, "thank-referrer"),
	                               0,
	                               NULL,
	                               0};
	specs[n++] = (struct job_spec){"welcome-lead",
	                               r->lead_email,
	                               r->lead_name,
	                               rep_email,
	                               schedule_next_open(cfg, now + delay_of(cfg, "welcome-lead")),
	                               0,
	                               NULL,
	                               1};
	if (rep_email) {
		specs[n++] = (struct job_spec){"assign-rep",
		                               rep_email,
		                               rep_name,
		                               NULL,
		                               now + delay_of(cfg, "assign-rep"),
		                               0,
		                               NULL,
		                               1};
		/* the next reminder is made when this one is sent
		 * (schedule_after_sent), so a rep's reply has one job to
		 * cancel and a changed deadline applies from then on */
		if (steps > 0)
			specs[n++] =
			        (struct job_spec){"remind-rep",
			                          rep_email,
			                          rep_name,
			                          NULL,
			                          schedule_add_business_days(cfg, now, deadline),
			                          1,
			                          NULL,
			                          0};
	}
	/* With no rep at all (or no reminders), the admin hears of it at the
	 * deadline. */
	if (cfg->admin && (rep_email == NULL || steps == 0))
		specs[n++] = (struct job_spec){"remind-rep",
		                               cfg->admin,
		                               NULL,
		                               NULL,
		                               schedule_add_business_days(cfg, now, deadline),
		                               1,
		                               "escalated",
		                               0};
	for (size_t i = 0; i < n; i++)
		if (add_job(st, cfg, r, &specs[i], now) < 0)
			return -1;
	return 0;
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
		struct new_referral none = {0};
		struct job_spec js = {"checkin-referrer",           v[i].email, v[i].name, NULL,
		                      schedule_next_open(cfg, now), 0,          NULL,      0};

		if (add_job(st, cfg, &none, &js, now) < 0 ||
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
	struct new_referral r = {.id = j->referral_id};
	struct job_spec js = {"remind-rep",
	                      j->recipient,
	                      j->recipient_name,
	                      NULL,
	                      schedule_add_business_days(cfg, now, cfg->rep_deadline),
	                      j->seq + 1,
	                      NULL,
	                      0};

	if (strcmp(j->template, "remind-rep") != 0 ||
	    (j->note && strcmp(j->note, "escalated") == 0))
		return 0;
	if (j->seq >= cfg->rep_reminders) {
		/* the rep had every reminder: the admin is told next */
		if (cfg->admin == NULL)
			return 0;
		js.to = cfg->admin;
		js.to_name = NULL;
		js.note = "escalated";
	}
	return add_job(st, cfg, &r, &js, now);
}

/*
 * test_schedule.c - business time (hours, days, time zone, DST) and the
 * jobs a new referral gets, on a real store.
 */
#include "testutil.h"
#include "testdb.h"

#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "jobnote.h"
#include "schedule.h"
#include "store.h"

static struct config cfg;
static const struct rep tom = {"tom@biz.test", "Tom Rivera", 0};
/* a rep who takes a daily digest */
static struct rep digest_reps[] = {
        {"ana@biz.test", "Ana Lopez", 1},
        {"tom@biz.test", "Tom Rivera", 0},
};

/* Unix time of a local wall-clock time in the current TZ. */
static int64_t local(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900,
	                .tm_mon = mo - 1,
	                .tm_mday = d,
	                .tm_hour = h,
	                .tm_min = mi,
	                .tm_isdst = -1};

	return (int64_t)mktime(&tm);
}

static int setup(void **state)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.address = "agent@biz.test";
	cfg.timezone = "Europe/London";
	cfg.open_min = 9 * 60;
	cfg.close_min = 17 * 60;
	cfg.days_mask = 0x3e; /* mon-fri */
	cfg.rep_deadline = 1;
	cfg.rep_reminders = 2;
	cfg.admin = "admin@biz.test";
	cfg.weekly_summary = 1;
	schedule_init(&cfg);
	return 0;
}

static void test_open_and_next(void **state)
{
	/* 2026-12-01 is a Tuesday */
	assert_true(schedule_is_open(&cfg, local(2026, 12, 1, 10, 0)));
	assert_false(schedule_is_open(&cfg, local(2026, 12, 1, 17, 0)));
	assert_false(schedule_is_open(&cfg, local(2026, 12, 5, 11, 0))); /* Saturday */
	assert_int_equal(schedule_next_open(&cfg, local(2026, 12, 1, 10, 0)),
	                 local(2026, 12, 1, 10, 0));
	assert_int_equal(schedule_next_open(&cfg, local(2026, 12, 1, 7, 30)),
	                 local(2026, 12, 1, 9, 0));
	assert_int_equal(schedule_next_open(&cfg, local(2026, 12, 1, 18, 0)),
	                 local(2026, 12, 2, 9, 0));
	assert_int_equal(schedule_next_open(&cfg, local(2026, 12, 4, 17, 0)),
	                 local(2026, 12, 7, 9, 0)); /* Friday evening -> Monday */
	assert_int_equal(schedule_next_open(&cfg, local(2026, 12, 5, 12, 0)),
	                 local(2026, 12, 7, 9, 0));
}

static void test_business_days(void **state)
{
	assert_int_equal(schedule_add_business_days(&cfg, local(2026, 12, 1, 10, 0), 1),
	                 local(2026, 12, 2, 10, 0));
	assert_int_equal(schedule_add_business_days(&cfg, local(2026, 12, 4, 15, 0), 1),
	                 local(2026, 12, 7, 15, 0)); /* Friday -> Monday */
	assert_int_equal(schedule_add_business_days(&cfg, local(2026, 12, 5, 20, 0), 1),
	                 local(2026, 12, 8, 9, 0)); /* Saturday -> Tuesday 09:00 */
	assert_int_equal(schedule_add_business_days(&cfg, local(2026, 12, 1, 10, 0), 3),
	                 local(2026, 12, 4, 10, 0));
	/* across the end of summer time (2026-10-25 in London): wall clock kept */
	assert_int_equal(schedule_add_business_days(&cfg, local(2026, 10, 23, 10, 0), 1),
	                 local(2026, 10, 26, 10, 0));
	assert_int_equal(local(2026, 10, 26, 10, 0) - local(2026, 10, 23, 10, 0), 3 * 86400 + 3600);
	char buf[32];
	assert_string_equal(schedule_days_phrase(1, buf, sizeof(buf)), "1 business day");
	assert_string_equal(schedule_days_phrase(3, buf, sizeof(buf)), "3 business days");
}

static void test_message_id(void **state)
{
	char *a = schedule_message_id(&cfg, 42, "welcome-lead");
	char *b = schedule_message_id(&cfg, 42, "welcome-lead");

	assert_non_null(strstr(a, "r42.welcome-lead."));
	assert_non_null(strstr(a, "@biz.test"));
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

struct fx {
	char dir[64];
	struct store *st;
};

static int open_store(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char path[128], *err = NULL;

	setup(state);
	snprintf(f->dir, sizeof(f->dir), "/tmp/refagent-sched-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/db", f->dir);
	assert_int_equal(test_store_open(path, 0, &f->st, &err), 0);
	*state = f;
	return 0;
}

static int close_store(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static const struct job_view *find(const struct job_view *v, size_t n, const char *tmpl,
                                   const char *to)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].template, tmpl) == 0 && strcmp(v[i].recipient, to) == 0)
			return &v[i];
	return NULL;
}

/* A referral made on a Saturday evening: the thank-you and the rep's mail
 * at once, the welcome on Monday 09:00 in the intro's thread, the first
 * reminder on Tuesday 09:00.  Each reminder sent makes the next one a
 * deadline later, and the last makes the admin's. */
static void test_new_referral_jobs(void **state)
{
	struct fx *f = *state;
	int64_t now = local(2026, 12, 5, 20, 0), rid;
	struct referral_rec rr = {.status = "new", .at = now};
	struct new_referral nr = {.referrer_name = "Sarah Lee",
	                          .referrer_email = "sarah@partner.test",
	                          .lead_name = "Bob Smith",
	                          .lead_email = "bob@client.test",
	                          .rep = &tom,
	                          .thread_key = "intro-1@partner.test",
	                          .thread_refs = "a@x intro-1@partner.test"};
	struct job_view *v = NULL;
	const struct job_view *j;
	size_t n = 0;

	assert_int_equal(store_person_ensure(f->st, "bob@client.test", "Bob", now, &rr.lead_id), 0);
	assert_int_equal(store_referral_add(f->st, &rr, &rid), 0);
	nr.id = rid;
	assert_int_equal(schedule_new_referral(f->st, &cfg, &nr, now), 0);
	assert_int_equal(store_jobs_list(f->st, NULL, &v, &n), 0);
	assert_int_equal(n, 4);
	j = find(v, n, "thank-referrer", "sarah@partner.test");
	assert_non_null(j);
	assert_int_equal(j->due_at, now);
	assert_null(j->in_reply_to);
	j = find(v, n, "welcome-lead", "bob@client.test");
	assert_non_null(j);
	assert_int_equal(j->due_at, local(2026, 12, 7, 9, 0));
	assert_string_equal(j->cc, "tom@biz.test");
	assert_string_equal(j->in_reply_to, "intro-1@partner.test");
	assert_string_equal(j->refs, "a@x intro-1@partner.test");
	j = find(v, n, "assign-rep", "tom@biz.test");
	assert_non_null(j);
	assert_int_equal(j->due_at, now);
	assert_string_equal(j->in_reply_to, "intro-1@partner.test");
	j = find(v, n, "remind-rep", "tom@biz.test");
	assert_non_null(j);
	assert_int_equal(j->seq, 1);
	assert_int_equal(j->due_at, local(2026, 12, 8, 9, 0));
	assert_null(find(v, n, "remind-rep", "admin@biz.test"));

	/* reminder 1 sent Tuesday 09:00 -> reminder 2 Wednesday 09:00 */
	assert_int_equal(schedule_after_sent(f->st, &cfg, j, local(2026, 12, 8, 9, 0)), 0);
	/* a thank-you sent leads to nothing */
	assert_int_equal(schedule_after_sent(f->st, &cfg,
	                                     find(v, n, "thank-referrer", "sarah@partner.test"),
	                                     now),
	                 0);
	store_job_views_free(v, n);
	assert_int_equal(store_jobs_list(f->st, NULL, &v, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(v[4].seq, 2);
	assert_string_equal(v[4].recipient, "tom@biz.test");
	assert_int_equal(v[4].due_at, local(2026, 12, 9, 9, 0));
	/* reminder 2 sent -> the admin, a deadline later */
	assert_int_equal(schedule_after_sent(f->st, &cfg, &v[4], local(2026, 12, 9, 9, 0)), 0);
	store_job_views_free(v, n);
	assert_int_equal(store_jobs_list(f->st, NULL, &v, &n), 0);
	assert_int_equal(n, 6);
	assert_string_equal(v[5].recipient, "admin@biz.test");
	assert_string_equal(v[5].note, "reminder.escalated=yes\n");
	assert_int_equal(v[5].due_at, local(2026, 12, 10, 9, 0));
	/* the escalation sent -> nothing more */
	assert_int_equal(schedule_after_sent(f->st, &cfg, &v[5], local(2026, 12, 10, 9, 0)), 0);
	store_job_views_free(v, n);
	assert_int_equal(store_jobs_list(f->st, NULL, &v, &n), 0);
	assert_int_equal(n, 6);
	store_job_views_free(v, n);
}

/* No address for the referrer, no rep, no admin: only the welcome. */
static void test_new_referral_sparse(void **state)
{
	struct fx *f = *state;
	int64_t now = local(2026, 12, 1, 10, 0), rid;
	struct referral_rec rr = {.status = "new", .at = now};
	struct new_referral nr = {.lead_email = "bob@client.test"};
	struct job_view *v = NULL;
	size_t n = 0;

	cfg.admin = NULL;
	assert_int_equal(store_person_ensure(f->st, "bob@client.test", "Bob", now, &rr.lead_id), 0);
	assert_int_equal(store_referral_add(f->st, &rr, &rid), 0);
	nr.id = rid;
	assert_int_equal(schedule_new_referral(f->st, &cfg, &nr, now), 0);
	assert_int_equal(store_jobs_list(f->st, NULL, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].template, "welcome-lead");
	assert_int_equal(v[0].due_at, now);
	assert_null(v[0].cc);
	store_job_views_free(v, n);
}

/* The next opening strictly after a moment: the same day before it,
 * else the next business day's. */
static void test_next_opening(void **state)
{
	/* Tuesday 1 December 2026 */
	assert_int_equal(schedule_next_opening(&cfg, local(2026, 12, 1, 8, 0)),
	                 local(2026, 12, 1, 9, 0));
	assert_int_equal(schedule_next_opening(&cfg, local(2026, 12, 1, 9, 0)),
	                 local(2026, 12, 2, 9, 0));
	assert_int_equal(schedule_next_opening(&cfg, local(2026, 12, 1, 16, 59)),
	                 local(2026, 12, 2, 9, 0));
	assert_int_equal(schedule_next_opening(&cfg, local(2026, 12, 4, 18, 0)),
	                 local(2026, 12, 7, 9, 0)); /* Friday evening -> Monday */
	/* open all day, every day: the next midnight */
	cfg.open_min = 0;
	cfg.close_min = 24 * 60;
	cfg.days_mask = 0x7f;
	assert_int_equal(schedule_next_opening(&cfg, local(2026, 12, 5, 13, 0)),
	                 local(2026, 12, 6, 0, 0));
}

/* A new referral for rep (at now) through schedule_new_referral. */
static int64_t new_referral(struct store *st, const struct rep *rep, const char *lead, int64_t now)
{
	struct referral_rec rr = {.status = "new",
	                          .rep_email = rep->email,
	                          .thread_key = "intro@partner.test",
	                          .at = now};
	struct new_referral nr = {.referrer_email = "sarah@partner.test",
	                          .lead_email = lead,
	                          .rep = rep,
	                          .thread_key = "intro@partner.test"};
	int64_t id = 0;

	assert_int_equal(store_person_ensure(st, lead, NULL, now, &rr.lead_id), 0);
	assert_int_equal(store_referral_add(st, &rr, &id), 0);
	nr.id = id;
	assert_int_equal(schedule_new_referral(st, &cfg, &nr, now), 0);
	return id;
}

/* How many jobs of template to `to` there are; *last_r the newest. */
static size_t jobs_of(struct store *st, const char *tmpl, const char *to, struct job_view *last_r)
{
	struct job_view *v = NULL;
	size_t n = 0, count = 0;

	assert_int_equal(store_jobs_list(st, NULL, &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].template, tmpl) == 0 && strcmp(v[i].recipient, to) == 0) {
			count++;
			if (last_r) {
				store_job_view_clear(last_r);
				*last_r = v[i];
				memset(&v[i], 0, sizeof(v[i]));
			}
		}
	store_job_views_free(v, n);
	return count;
}

static int periodic(struct store *st, int64_t now)
{
	int n = -1;

	assert_int_equal(schedule_periodic(st, &cfg, now, &n), 0);
	return n;
}

/* A rep with [reps] digest gets no assign-rep: the referrals wait for the
 * next business day's opening, when one digest lists them all, once a
 * day; reminders still come one by one; a referral closed meanwhile is
 * left out; a rep who gave the digest up gets the assignments. */
static void test_digest(void **state)
{
	struct fx *f = *state;
	struct job_view last = {0};
	struct event_view *ev = NULL;
	struct referral_view rv;
	size_t nev = 0;
	int64_t a, b, c, d, t;

	cfg.reps = digest_reps;
	cfg.nreps = ARRAY_SIZE(digest_reps);
	cfg.admin = NULL; /* no weekly summary here */
	/* Monday 7 December 2026, evening */
	a = new_referral(f->st, &digest_reps[0], "a@client.test", local(2026, 12, 7, 19, 0));
	b = new_referral(f->st, &digest_reps[0], "b@client.test", local(2026, 12, 7, 20, 0));
	assert_int_equal(jobs_of(f->st, "assign-rep", "ana@biz.test", NULL), 0);
	assert_int_equal(jobs_of(f->st, "remind-rep", "ana@biz.test", NULL), 2);
	assert_int_equal(jobs_of(f->st, "welcome-lead", "a@client.test", NULL), 1);
	/* closed: nothing; Tuesday's opening: one digest of both */
	assert_int_equal(periodic(f->st, local(2026, 12, 7, 21, 0)), 0);
	assert_int_equal(periodic(f->st, local(2026, 12, 8, 8, 59)), 0);
	assert_int_equal(periodic(f->st, local(2026, 12, 8, 9, 0)), 1);
	assert_int_equal(jobs_of(f->st, "digest-rep", "ana@biz.test", &last), 1);
	t = local(2026, 12, 8, 9, 0);
	assert_int_equal(last.due_at, t);
	assert_int_equal(last.referral_id, 0);
	assert_string_equal(last.recipient_name, "Ana Lopez");
	{
		char want[64];

		snprintf(want, sizeof(want), "digest=%lld %lld\n", (long long)a, (long long)b);
		assert_string_equal(last.note, want);
	}
	assert_int_equal(store_referral_get(f->st, a, &rv, &ev, &nev), 1);
	assert_string_equal(ev[nev - 1].kind, "digest");
	assert_string_equal(ev[nev - 1].detail, "in the daily digest to ana@biz.test");
	store_referral_view_clear(&rv);
	store_event_views_free(ev, nev);
	/* a referral during the day waits for tomorrow's digest */
	c = new_referral(f->st, &digest_reps[0], "c@client.test", local(2026, 12, 8, 10, 30));
	assert_int_equal(periodic(f->st, local(2026, 12, 8, 11, 0)), 0);
	assert_int_equal(periodic(f->st, local(2026, 12, 9, 9, 30)), 1);
	assert_int_equal(jobs_of(f->st, "digest-rep", "ana@biz.test", &last), 2);
	assert_int_equal(c, 3);
	assert_string_equal(last.note, "digest=3\n");
	/* nothing waits: no digest */
	assert_int_equal(periodic(f->st, local(2026, 12, 10, 9, 0)), 0);
	/* one rejected before the digest: left out, and no longer waiting */
	d = new_referral(f->st, &digest_reps[0], "d@client.test", local(2026, 12, 10, 12, 0));
	assert_int_equal(
	        store_referral_set_status(f->st, d, "rejected", 0, 0, local(2026, 12, 10, 13, 0)),
	        1);
	assert_int_equal(periodic(f->st, local(2026, 12, 11, 9, 0)), 0);
	assert_int_equal(jobs_of(f->st, "digest-rep", "ana@biz.test", NULL), 2);
	{
		struct referral_view *w = NULL;
		size_t nw = 0;

		assert_int_equal(store_digest_waiting(f->st, "ana@biz.test", &w, &nw), 0);
		assert_int_equal(nw, 0);
		/* Ana gives the digest up with one referral waiting: its
		 * assignment goes out at once, in the intro's thread */
		new_referral(f->st, &digest_reps[0], "e@client.test", local(2026, 12, 11, 10, 0));
		digest_reps[0].digest = 0;
		assert_int_equal(periodic(f->st, local(2026, 12, 11, 10, 5)), 0);
		assert_int_equal(jobs_of(f->st, "assign-rep", "ana@biz.test", &last), 1);
		assert_string_equal(last.in_reply_to, "intro@partner.test");
		assert_int_equal(last.due_at, local(2026, 12, 11, 10, 5));
		assert_int_equal(store_digest_waiting(f->st, "ana@biz.test", &w, &nw), 0);
		assert_int_equal(nw, 0);
		digest_reps[0].digest = 1;
	}
	/* Tom, who takes no digest, gets his assignment as always */
	new_referral(f->st, &digest_reps[1], "f@client.test", local(2026, 12, 11, 11, 0));
	assert_int_equal(jobs_of(f->st, "assign-rep", "tom@biz.test", NULL), 1);
	/* a lead with no address (a phone to call) got no welcome, so there
	 * is no thread to answer in: Ana gets the assignment mail at once,
	 * and the referral does not wait for her digest */
	{
		struct referral_view *w = NULL;
		size_t nw = 0;

		assert_int_equal(jobs_of(f->st, "assign-rep", "ana@biz.test", NULL), 1);
		new_referral(f->st, &digest_reps[0], NULL, local(2026, 12, 11, 12, 0));
		assert_int_equal(jobs_of(f->st, "assign-rep", "ana@biz.test", NULL), 2);
		assert_int_equal(store_digest_waiting(f->st, "ana@biz.test", &w, &nw), 0);
		assert_int_equal(nw, 0);
		free(w);
	}
	store_job_view_clear(&last);
	cfg.reps = NULL;
	cfg.nreps = 0;
}

/* The fact name of a job's note is want. */
static void fact_is(const char *note, const char *name, const char *want)
{
	char *v = jobnote_get(note, name);

	if (v == NULL || strcmp(v, want) != 0)
		fail_msg("%s is %s, want %s", name, v ? v : "(none)", want);
	free(v);
}

/* The weekly summary: to the admin from the first opening of each week,
 * once a week, with the week's figures. */
static void test_weekly(void **state)
{
	struct fx *f = *state;
	struct job_view last = {0};

	/* Thursday 3 December: one referral; Monday 7 December: another,
	 * waiting since Thursday (overdue) */
	new_referral(f->st, &tom, "a@client.test", local(2026, 12, 3, 10, 0));
	new_referral(f->st, &tom, "b@client.test", local(2026, 12, 7, 8, 0));
	assert_int_equal(periodic(f->st, local(2026, 12, 7, 8, 30)), 0);
	assert_int_equal(periodic(f->st, local(2026, 12, 7, 9, 0)), 1);
	assert_int_equal(jobs_of(f->st, "weekly-admin", "admin@biz.test", &last), 1);
	assert_int_equal(last.referral_id, 0);
	assert_int_equal(last.due_at, local(2026, 12, 7, 9, 0));
	fact_is(last.note, "weekly.new", "2");
	fact_is(last.note, "weekly.waiting", "2");
	fact_is(last.note, "weekly.overdue", "1");
	fact_is(last.note, "weekly.from", "30 November 2026");
	fact_is(last.note, "weekly.to", "7 December 2026");
	/* the rest of the week: nothing more */
	assert_int_equal(periodic(f->st, local(2026, 12, 7, 16, 0)), 0);
	assert_int_equal(periodic(f->st, local(2026, 12, 11, 10, 0)), 0);
	/* the next week, from its first opening */
	assert_int_equal(periodic(f->st, local(2026, 12, 14, 9, 30)), 1);
	assert_int_equal(jobs_of(f->st, "weekly-admin", "admin@biz.test", &last), 2);
	fact_is(last.note, "weekly.new", "0");
	store_job_view_clear(&last);
	/* turned off, or no admin: no summary */
	cfg.weekly_summary = 0;
	assert_int_equal(periodic(f->st, local(2026, 12, 21, 9, 30)), 0);
	cfg.weekly_summary = 1;
	cfg.admin = NULL;
	assert_int_equal(periodic(f->st, local(2026, 12, 21, 9, 30)), 0);
	cfg.admin = "admin@biz.test";
	assert_int_equal(periodic(f->st, local(2026, 12, 21, 9, 30)), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup(test_open_and_next, setup),
	        cmocka_unit_test_setup(test_business_days, setup),
	        cmocka_unit_test_setup(test_message_id, setup),
	        cmocka_unit_test_setup_teardown(test_new_referral_jobs, open_store, close_store),
	        cmocka_unit_test_setup_teardown(test_new_referral_sparse, open_store, close_store),
	        cmocka_unit_test_setup(test_next_opening, setup),
	        cmocka_unit_test_setup_teardown(test_digest, open_store, close_store),
	        cmocka_unit_test_setup_teardown(test_weekly, open_store, close_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

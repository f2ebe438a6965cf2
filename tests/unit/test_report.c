/*
 * test_report.c - the figures of `refagent report` from a small store:
 * the window, counts by status, won value, time to first contact (median,
 * mean and 90th percentile) overall and per rep, reminders and
 * escalations per rep, what waits now, the months of the window (in the
 * business's time zone, wins in the month they were won), goals, and the
 * top referrers in their order with conversion and rewards (the business's
 * own people only for staff referrals that stand).  How they are printed
 * is checked by tests/cli.sh and the browser test.
 */
#include "testutil.h"
#include "testdb.h"

#include <time.h>
#include <unistd.h>

#include "config.h"
#include "kinds.h"
#include "report.h"
#include "schedule.h"
#include "store.h"

struct fx {
	char dir[64];
	char path[128];
	struct store *st;
};

static struct rep reps[] = {
        {"tom@biz.test", "Tom Rivera", 0},
        {"ana@biz.test", "Ana Lopez", 0},
};
static struct config cfg;

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;

	memset(&cfg, 0, sizeof(cfg));
	cfg.address = "agent@biz.test";
	cfg.domains = "biz.test";
	cfg.admin = "owner@biz.test";
	cfg.timezone = "UTC";
	cfg.open_min = 9 * 60;
	cfg.close_min = 17 * 60;
	cfg.days_mask = 0x3e; /* mon-fri */
	cfg.rep_deadline = 1;
	cfg.reps = reps;
	cfg.nreps = ARRAY_SIZE(reps);
	schedule_init(&cfg);
	snprintf(f->dir, sizeof(f->dir), "/tmp/refagent-report-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/db", f->dir);
	assert_int_equal(test_store_open(f->path, 0, &f->st, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char p[160];

	store_close(f->st);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t person(struct store *st, const char *email, const char *name)
{
	int64_t id = 0;

	assert_int_equal(store_person_ensure(st, email, name, 1, &id), 0);
	return id;
}

/* A referral made at `at` by referrer for rep (NULL: none), first contact
 * `contact` seconds later (none when 0). */
static int64_t referral_of(struct store *st, int64_t referrer, const char *lead, const char *rep,
                           int64_t at, int64_t contact)
{
	struct referral_rec r = {.referrer_id = referrer, .rep_email = rep, .at = at};
	int64_t id = 0;

	r.lead_id = person(st, lead, NULL);
	assert_int_equal(store_referral_add(st, &r, &id), 0);
	if (contact)
		assert_int_equal(store_referral_first_contact(st, id, at + contact), 1);
	return id;
}

static int64_t referral(struct store *st, int64_t referrer, const char *lead, int64_t at,
                        int64_t contact)
{
	return referral_of(st, referrer, lead, NULL, at, contact);
}

static void set_status(struct store *st, int64_t id, enum status s, double value, int64_t at)
{
	assert_int_equal(store_referral_set_status(st, id, status_name(s), value > 0, value, at),
	                 1);
}

/* A remind-rep job about referral id to `to`, sent at `at`. */
static void reminder_sent(struct store *st, int64_t id, const char *to, int64_t at)
{
	struct job_rec j = {.referral_id = id,
	                    .template = mail_name(MAIL_REMIND_REP),
	                    .recipient = to,
	                    .due_at = at,
	                    .message_key = "x@biz.test",
	                    .at = at};
	int64_t job = 0;

	assert_int_equal(store_job_add(st, &j, &job), 0);
	assert_int_equal(store_job_sent(st, job, at, "250 ok"), 0);
}

static void test_report_figures(void **state)
{
	struct fx *f = *state;
	int64_t sarah = person(f->st, "sarah@partner.test", "Sarah");
	int64_t elena = person(f->st, "elena@partner.test", "Elena");
	int64_t form = person(f->st, NULL, "David Ortiz");
	int64_t r1, r3, r5;
	struct report r;

	referral(f->st, sarah, "old@client.test", 50, 10); /* before the window */
	r1 = referral(f->st, sarah, "a@client.test", 1000, 3600);
	referral(f->st, sarah, "b@client.test", 2000, 7200);
	r3 = referral(f->st, elena, "c@client.test", 3000, 60);
	referral(f->st, form, "d@client.test", 4000, 0);
	r5 = referral(f->st, elena, "e@client.test", 5000, 0);
	set_status(f->st, r3, STATUS_WON, 1200, 6000);
	set_status(f->st, r5, STATUS_LOST, 0, 6000);
	set_status(f->st, r1, STATUS_QUALIFIED, 0, 6000);
	assert_int_equal(store_reward_add(f->st, r3, elena, 120, "10%", 6000, NULL), 0);
	assert_int_equal(store_reward_add(f->st, r1, sarah, 25, "fixed", 6000, NULL), 0);
	assert_int_equal(store_reward_pay(f->st, 2, 7000), 1);

	assert_int_equal(report_compute(f->st, &cfg, 100, 10000, &r), 0);
	assert_int_equal(r.since, 100);
	assert_int_equal(r.until, 10000);
	assert_int_equal(r.total, 5);
	assert_int_equal(r.by_status[STATUS_NEW], 2);
	assert_int_equal(r.by_status[STATUS_QUALIFIED], 1);
	assert_int_equal(r.by_status[STATUS_WON], 1);
	assert_int_equal(r.by_status[STATUS_LOST], 1);
	assert_int_equal(r.by_status[STATUS_HELD], 0);
	assert_true(r.won_value == 1200.0);
	assert_int_equal(r.won_in_window, 1);
	assert_true(r.won_in_window_value == 1200.0);
	/* 60, 3600 and 7200 seconds; the 90th percentile of three is the
	 * third */
	assert_int_equal(r.contacted, 3);
	assert_true(r.first_contact_median == 3600.0);
	assert_true(r.first_contact_mean == 3620.0);
	assert_true(r.first_contact_p90 == 7200.0);
	/* new and not contacted now, whenever made; none has a rep */
	assert_int_equal(r.waiting_now, 1);
	/* most referrals first, then most won; the form's referrer has no
	 * address but is counted */
	assert_int_equal(r.ntop, 3);
	assert_string_equal(r.top[0].email, "elena@partner.test");
	assert_int_equal(r.top[0].referrals, 2);
	assert_int_equal(r.top[0].won, 1);
	assert_int_equal(r.top[0].lost, 1);
	assert_true(r.top[0].won_value == 1200.0);
	assert_true(report_conversion(r.top[0].won, r.top[0].lost) == 0.5);
	assert_int_equal(r.top[0].rewards_owed_n, 1);
	assert_true(r.top[0].rewards_owed == 120.0);
	assert_int_equal(r.top[0].rewards_paid_n, 0);
	assert_string_equal(r.top[1].email, "sarah@partner.test");
	assert_int_equal(r.top[1].referrals, 2);
	assert_int_equal(r.top[1].won, 0);
	assert_true(r.top[1].rewards_paid == 25.0);
	assert_null(r.top[2].email);
	assert_string_equal(r.top[2].name, "David Ortiz");
	/* the whole ledger, whatever the window */
	assert_int_equal(r.rewards_owed_n, 1);
	assert_true(r.rewards_owed == 120.0);
	assert_int_equal(r.rewards_paid_n, 1);
	assert_true(r.rewards_paid == 25.0);
	/* the reps of the config, with nothing of theirs */
	assert_int_equal(r.nreps, 2);
	assert_string_equal(r.reps[0].email, "tom@biz.test");
	assert_string_equal(r.reps[0].name, "Tom Rivera");
	assert_int_equal(r.reps[0].referrals, 0);
	report_clear(&r);
	report_clear(&r);

	/* An even number of contacts: the median is the mean of the middle
	 * two. */
	assert_int_equal(report_compute(f->st, &cfg, 1500, 10000, &r), 0);
	assert_int_equal(r.total, 4);
	assert_int_equal(r.contacted, 2);
	assert_true(r.first_contact_median == 3630.0);
	assert_true(r.first_contact_p90 == 7200.0);
	report_clear(&r);

	/* Nothing made in the window; the win of 6000 still counts as won in
	 * it, and what waits now is still there. */
	assert_int_equal(report_compute(f->st, &cfg, 5500, 10000, &r), 0);
	assert_int_equal(r.total, 0);
	assert_int_equal(r.contacted, 0);
	assert_true(r.first_contact_p90 == 0);
	assert_int_equal(r.ntop, 0);
	assert_int_equal(r.won_in_window, 1);
	assert_int_equal(r.waiting_now, 1);
	assert_int_equal(r.rewards_owed_n, 1);
	report_clear(&r);
}

/* The top list stops at REPORT_TOP referrers. */
static void test_report_top_capped(void **state)
{
	struct fx *f = *state;
	struct report r;

	for (int i = 0; i < REPORT_TOP + 3; i++) {
		char ref[64], lead[64];

		snprintf(ref, sizeof(ref), "ref%02d@partner.test", i);
		snprintf(lead, sizeof(lead), "lead%02d@client.test", i);
		referral(f->st, person(f->st, ref, NULL), lead, 1000 + i, 0);
	}
	assert_int_equal(report_compute(f->st, &cfg, 0, 5000, &r), 0);
	assert_int_equal(r.total, REPORT_TOP + 3);
	assert_int_equal(r.ntop, REPORT_TOP);
	/* ties in referrals and wins: the earliest known referrer first */
	assert_string_equal(r.top[0].email, "ref00@partner.test");
	assert_string_equal(r.top[REPORT_TOP - 1].email, "ref09@partner.test");
	report_clear(&r);
}

/* Reps, the admin and the business's addresses are top referrers only
 * with staff referrals that stand; the agent never is. */
static void test_report_own_people(void **state)
{
	struct fx *f = *state;
	int64_t tom = person(f->st, "tom@biz.test", "Tom Rivera");
	int64_t owner = person(f->st, "owner@biz.test", "Owner");
	int64_t office = person(f->st, "office@biz.test", "Office");
	int64_t client = person(f->st, "pat@client.test", "Pat");
	int64_t held1, held2, rejected;
	struct report r;

	/* Tom's client threads, taken for introductions: held, rejected */
	held1 = referral(f->st, tom, "x1@client.test", 1000, 0);
	held2 = referral(f->st, tom, "x2@client.test", 1001, 0);
	rejected = referral(f->st, tom, "x3@client.test", 1002, 0);
	set_status(f->st, held1, STATUS_HELD, 0, 1100);
	set_status(f->st, held2, STATUS_HELD, 0, 1100);
	set_status(f->st, rejected, STATUS_REJECTED, 0, 1100);
	/* a staff referral of the office that stands, and one held */
	referral(f->st, office, "y1@client.test", 1003, 0);
	set_status(f->st, referral(f->st, office, "y2@client.test", 1004, 0), STATUS_HELD, 0, 1100);
	set_status(f->st, referral(f->st, owner, "y3@client.test", 1005, 0), STATUS_REJECTED, 0,
	           1100);
	referral(f->st, client, "z1@client.test", 1006, 0);

	assert_int_equal(report_compute(f->st, &cfg, 0, 5000, &r), 0);
	/* every referral is in the totals, held ones in what waits now */
	assert_int_equal(r.total, 7);
	assert_int_equal(r.held_now, 3);
	assert_int_equal(r.ntop, 2);
	assert_string_equal(r.top[0].email, "office@biz.test");
	assert_int_equal(r.top[0].referrals, 1);
	assert_string_equal(r.top[1].email, "pat@client.test");
	report_clear(&r);
}

/* Per rep: referrals, wins, median and 90th percentile of the first
 * contact, reminders to the rep and escalations to the admin, what waits
 * and what is overdue; reps of the config first, then the others. */
static void test_report_reps(void **state)
{
	struct fx *f = *state;
	int64_t sarah = person(f->st, "sarah@partner.test", "Sarah");
	/* Tuesday 1 December 2026, 10:00 UTC */
	const int64_t t0 = 1796119200;
	int64_t ids[12];
	struct report r;

	/* Tom: ten referrals contacted after 1..10 hours */
	for (int i = 0; i < 10; i++) {
		char lead[64];

		snprintf(lead, sizeof(lead), "t%d@client.test", i);
		ids[i] = referral_of(f->st, sarah, lead, "tom@biz.test", t0 + i, (i + 1) * 3600);
	}
	set_status(f->st, ids[0], STATUS_WON, 500, t0 + 86400);
	set_status(f->st, ids[1], STATUS_LOST, 0, t0 + 86400);
	/* Ana: one still new, past her deadline by the report's time */
	ids[10] = referral_of(f->st, sarah, "a1@client.test", "ana@biz.test", t0, 0);
	/* a rep no longer in the config */
	ids[11] = referral_of(f->st, sarah, "g1@client.test", "gone@biz.test", t0, 1800);
	reminder_sent(f->st, ids[10], "ana@biz.test", t0 + 86400);
	reminder_sent(f->st, ids[10], "ana@biz.test", t0 + 2 * 86400);
	reminder_sent(f->st, ids[10], "owner@biz.test", t0 + 3 * 86400);
	/* before the window: not counted */
	reminder_sent(f->st, ids[10], "ana@biz.test", t0 - 10 * 86400);

	assert_int_equal(report_compute(f->st, &cfg, t0 - 86400, t0 + 4 * 86400, &r), 0);
	assert_int_equal(r.nreps, 3);
	assert_string_equal(r.reps[0].email, "tom@biz.test");
	assert_int_equal(r.reps[0].referrals, 10);
	assert_int_equal(r.reps[0].won, 1);
	assert_int_equal(r.reps[0].lost, 1);
	assert_true(r.reps[0].won_value == 500);
	assert_int_equal(r.reps[0].contacted, 10);
	/* 1..10 hours: median 5.5 h, the 9th of ten is the 90th percentile */
	assert_true(r.reps[0].first_contact_median == 5.5 * 3600);
	assert_true(r.reps[0].first_contact_p90 == 9 * 3600);
	assert_int_equal(r.reps[0].waiting, 0);
	assert_string_equal(r.reps[1].email, "ana@biz.test");
	assert_string_equal(r.reps[1].name, "Ana Lopez");
	assert_int_equal(r.reps[1].referrals, 1);
	assert_int_equal(r.reps[1].contacted, 0);
	assert_int_equal(r.reps[1].reminders, 2);
	assert_int_equal(r.reps[1].escalations, 1);
	assert_int_equal(r.reps[1].waiting, 1);
	assert_int_equal(r.reps[1].overdue, 1);
	assert_string_equal(r.reps[2].email, "gone@biz.test");
	assert_int_equal(r.reps[2].referrals, 1);
	assert_true(r.reps[2].first_contact_median == 1800);
	assert_int_equal(r.reminders, 2);
	assert_int_equal(r.escalations, 1);
	assert_int_equal(r.overdue_now, 1);
	report_clear(&r);

	/* the same day: Ana's deadline (Wednesday 10:00) has not come */
	assert_int_equal(report_compute(f->st, &cfg, t0 - 86400, t0 + 3600, &r), 0);
	assert_int_equal(r.reps[1].waiting, 1);
	assert_int_equal(r.reps[1].overdue, 0);
	assert_int_equal(r.reps[1].reminders, 0);
	report_clear(&r);
}

/* Unix time of a local wall-clock time in the current TZ. */
static int64_t local(int y, int mo, int d, int h)
{
	struct tm tm = {
	        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_isdst = -1};

	return (int64_t)mktime(&tm);
}

/* The window's calendar months in the business's zone: referrals in the
 * month made, wins in the month won; goals come from [goals]. */
static void test_report_months(void **state)
{
	struct fx *f = *state;
	int64_t sarah = person(f->st, "sarah@partner.test", "Sarah");
	int64_t a, b;
	struct report r;

	cfg.timezone = "America/Los_Angeles";
	cfg.goal_referrals = 4;
	schedule_init(&cfg);
	/* 31 January 2026 20:00 in Los Angeles is 1 February in UTC */
	a = referral(f->st, sarah, "m1@client.test", local(2026, 1, 31, 20), 0);
	b = referral(f->st, sarah, "m2@client.test", local(2026, 2, 10, 12), 0);
	referral(f->st, sarah, "m3@client.test", local(2026, 3, 1, 9), 0);
	set_status(f->st, a, STATUS_WON, 1000, local(2026, 3, 2, 12));
	set_status(f->st, b, STATUS_WON, 250, local(2026, 3, 31, 23));

	assert_int_equal(
	        report_compute(f->st, &cfg, local(2026, 1, 15, 0), local(2026, 4, 2, 0), &r), 0);
	assert_int_equal(r.nmonths, 4);
	assert_string_equal(r.months[0].label, "2026-01");
	assert_int_equal(r.months[0].start, local(2026, 1, 1, 0));
	assert_string_equal(r.months[3].label, "2026-04");
	assert_int_equal(r.months[0].referrals, 1);
	assert_int_equal(r.months[1].referrals, 1);
	assert_int_equal(r.months[2].referrals, 1);
	assert_int_equal(r.months[3].referrals, 0);
	assert_int_equal(r.months[0].won, 0);
	assert_int_equal(r.months[2].won, 2);
	assert_true(r.months[2].won_value == 1250);
	assert_int_equal(r.goal_referrals, 4);
	assert_int_equal(r.goal_won, 0);
	report_clear(&r);
	cfg.goal_referrals = 0;
}

/* The page: every chart is there with its numbers, names are escaped,
 * nothing is fetched. */
static void test_report_html(void **state)
{
	struct fx *f = *state;
	int64_t evil = person(f->st, "evil@partner.test", "<script>alert('x')</script> & Co");
	struct report r;
	char *page = NULL;
	size_t len = 0;
	FILE *out;

	cfg.name = "Brightpath \"Renovations\"";
	cfg.currency = "$";
	cfg.goal_won = 2;
	referral_of(f->st, evil, "l1@client.test", "tom@biz.test", 1000, 600);
	assert_int_equal(report_compute(f->st, &cfg, 0, 5000, &r), 0);
	out = open_memstream(&page, &len);
	assert_int_equal(report_write_html(out, &r, &cfg, 365), 0);
	fclose(out);
	report_clear(&r);
	cfg.goal_won = 0;
	cfg.name = NULL;

	assert_non_null(strstr(page, "<!DOCTYPE html>"));
	assert_null(strstr(page, "<script"));
	assert_non_null(strstr(page, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co"));
	assert_non_null(strstr(page, "Brightpath &quot;Renovations&quot;"));
	/* nothing from anywhere else: no src or href attributes */
	assert_null(strstr(page, "src="));
	assert_null(strstr(page, "href="));
	for (const char *id = "funnel\0monthly\0goals-won\0first-contact\0reminders\0referrers\0";
	     *id; id += strlen(id) + 1) {
		char want[64];

		snprintf(want, sizeof(want), "id=\"%s\"", id);
		if (strstr(page, want) == NULL)
			fail_msg("no %s in the page", want);
	}
	assert_non_null(strstr(page, "data-status=\"new\" data-value=\"1\""));
	assert_non_null(strstr(page, "data-month=\"1970-01\" data-referrals=\"1\""));
	assert_non_null(strstr(page, "data-rep=\"tom@biz.test\" data-median-hours=\"0.1667\""));
	/* no goal for referrals: its chart is not drawn */
	assert_null(strstr(page, "id=\"goals-referrals\""));
	free(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_report_figures, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_report_top_capped, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_report_own_people, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_report_reps, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_report_months, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_report_html, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

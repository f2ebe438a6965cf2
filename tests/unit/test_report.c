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

#include <math.h>
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

/* ---- the figures against a count of every referral ---- */

/* A referral as the test made it, in id order. */
struct row {
	int64_t id, referrer, created, contact, closed;
	enum status status;
	int has_value;
	double value;
	const char *rep;
};

static uint64_t seed;

static uint64_t rnd(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return seed >> 33;
}

static int64_t pick(int64_t n)
{
	return (int64_t)(rnd() % (uint64_t)n);
}

/* A time to make or close a referral at: most of them on the edges the
 * report cuts at (the 1st of a month at local midnight, a window's ends,
 * an hour), a second either side, the others anywhere. */
static int64_t some_time(const int64_t *edges, size_t nedges, int64_t lo, int64_t hi)
{
	static const int64_t near[] = {-3601, -3600, -2, -1, 0, 0, 1, 2, 3599, 3600};

	if (pick(10) < 6)
		return edges[pick((int64_t)nedges)] + near[pick(ARRAY_SIZE(near))];
	return lo + pick(hi - lo);
}

static int delay_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The median, nearest-rank 90th percentile and mean of v, as the report
 * defines them, by sorting them all. */
static void brute_delays(int64_t *v, size_t n, double *median, double *p90, double *mean)
{
	double sum = 0;
	size_t rank;

	*median = *p90 = *mean = 0;
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), delay_cmp);
	for (size_t i = 0; i < n; i++)
		sum += (double)v[i];
	*mean = sum / (double)n;
	*median = n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
	rank = (size_t)ceil(0.9 * (double)n);
	*p90 = (double)v[rank ? rank - 1 : 0];
}

/* The month label of t in the time zone, by localtime_r. */
static void label_of(int64_t t, char *label, size_t len)
{
	time_t tt = (time_t)t;
	struct tm lt;

	localtime_r(&tt, &lt);
	strftime(label, len, "%Y-%m", &lt);
}

static struct report_month *brute_month(const struct report *r, int64_t t)
{
	char label[16];

	if (t < r->since || t > r->until)
		return NULL;
	label_of(t, label, sizeof(label));
	for (size_t i = 0; i < r->nmonths; i++)
		if (strcmp(r->months[i].label, label) == 0)
			return &r->months[i];
	return NULL;
}

/* What one rep should show, counted from every row. */
static void check_rep(const struct report *r, const struct report_rep *p, const struct row *rows,
                      size_t n)
{
	int64_t *d = xcalloc(n + 1, sizeof(*d));
	size_t nd = 0;
	int64_t referrals = 0, won = 0, lost = 0, waiting = 0, overdue = 0;
	double won_value = 0, median, p90, mean;

	for (size_t i = 0; i < n; i++) {
		const struct row *w = &rows[i];

		if (w->rep == NULL || strcmp(w->rep, p->email) != 0)
			continue;
		if (w->status == STATUS_NEW && w->contact == 0) {
			waiting++;
			overdue += schedule_add_business_days(&cfg, w->created, cfg.rep_deadline) <=
			           r->until;
		}
		if (w->created < r->since || w->created > r->until)
			continue;
		referrals++;
		won += w->status == STATUS_WON;
		lost += w->status == STATUS_LOST;
		if (w->status == STATUS_WON)
			won_value += w->has_value ? w->value : 0;
		if (w->contact)
			d[nd++] = w->contact - w->created;
	}
	brute_delays(d, nd, &median, &p90, &mean);
	free(d);
	assert_int_equal(p->referrals, referrals);
	assert_int_equal(p->won, won);
	assert_int_equal(p->lost, lost);
	assert_true(p->won_value == won_value);
	assert_int_equal(p->contacted, (int64_t)nd);
	assert_true(p->first_contact_median == median);
	assert_true(p->first_contact_p90 == p90);
	assert_int_equal(p->waiting, waiting);
	assert_int_equal(p->overdue, overdue);
}

/* A referrer of the top list, counted from every row: referrals made
 * since the window's start (a held or rejected one of Tom, a rep, is
 * his client thread: not counted). */
struct ref_tally {
	int64_t id, referrals, won, lost;
	double won_value;
};

static int ref_cmp(const void *a, const void *b)
{
	const struct ref_tally *x = a, *y = b;

	if (x->referrals != y->referrals)
		return x->referrals > y->referrals ? -1 : 1;
	if (x->won != y->won)
		return x->won > y->won ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

static void check_top(const struct report *r, const struct row *rows, size_t n, int64_t tom)
{
	struct ref_tally *t = xcalloc(n + 1, sizeof(*t));
	size_t nt = 0;

	for (size_t i = 0; i < n; i++) {
		const struct row *w = &rows[i];
		size_t k;

		if (w->referrer == 0 || w->created < r->since)
			continue;
		if (w->referrer == tom &&
		    (w->status == STATUS_HELD || w->status == STATUS_REJECTED))
			continue;
		for (k = 0; k < nt && t[k].id != w->referrer; k++)
			;
		if (k == nt)
			t[nt++].id = w->referrer;
		t[k].referrals++;
		t[k].won += w->status == STATUS_WON;
		t[k].lost += w->status == STATUS_LOST;
		if (w->status == STATUS_WON && w->has_value)
			t[k].won_value += w->value;
	}
	qsort(t, nt, sizeof(*t), ref_cmp);
	assert_int_equal(r->ntop, nt < REPORT_TOP ? nt : REPORT_TOP);
	for (size_t i = 0; i < r->ntop; i++) {
		char want[64];

		snprintf(want, sizeof(want), "p%lld@partner.test", (long long)t[i].id);
		if (t[i].id != tom)
			assert_string_equal(r->top[i].email, want);
		assert_int_equal(r->top[i].referrals, t[i].referrals);
		assert_int_equal(r->top[i].won, t[i].won);
		assert_int_equal(r->top[i].lost, t[i].lost);
		/* summed in another order: equal to the cent */
		assert_true(fabs(r->top[i].won_value - t[i].won_value) < 0.005);
	}
	free(t);
}

/* Every figure the rows decide, for the window since .. until. */
static void check_window(struct store *st, const struct row *rows, size_t n, int64_t since,
                         int64_t until, int64_t tom)
{
	struct report r, want;
	int64_t *d = xcalloc(n + 1, sizeof(*d));
	size_t nd = 0;
	double median, p90, mean;

	assert_int_equal(report_compute(st, &cfg, since, until, &r), 0);
	memset(&want, 0, sizeof(want));
	want.nmonths = r.nmonths;
	want.months = xcalloc(r.nmonths + 1, sizeof(*want.months));
	memcpy(want.months, r.months, r.nmonths * sizeof(*r.months));
	want.since = since;
	want.until = until;
	for (size_t i = 0; i < r.nmonths; i++)
		want.months[i].referrals = want.months[i].won = 0, want.months[i].won_value = 0;
	for (size_t i = 0; i < n; i++) {
		const struct row *w = &rows[i];

		want.held_now += w->status == STATUS_HELD;
		if (w->status == STATUS_NEW && w->contact == 0) {
			want.waiting_now++;
			want.overdue_now += schedule_add_business_days(&cfg, w->created,
			                                               cfg.rep_deadline) <= until;
		}
		if (w->status == STATUS_WON && w->closed >= since && w->closed <= until) {
			struct report_month *m = brute_month(&want, w->closed);

			want.won_in_window++;
			want.won_in_window_value += w->has_value ? w->value : 0;
			if (m) {
				m->won++;
				m->won_value += w->has_value ? w->value : 0;
			}
		}
		if (w->created < since || w->created > until)
			continue;
		want.total++;
		want.by_status[w->status]++;
		if (w->status == STATUS_WON)
			want.won_value += w->has_value ? w->value : 0;
		if (brute_month(&want, w->created))
			brute_month(&want, w->created)->referrals++;
		if (w->contact)
			d[nd++] = w->contact - w->created;
	}
	brute_delays(d, nd, &median, &p90, &mean);
	free(d);

	assert_int_equal(r.total, want.total);
	for (int s = 0; s < STATUS_COUNT; s++)
		assert_int_equal(r.by_status[s], want.by_status[s]);
	assert_true(r.won_value == want.won_value);
	assert_int_equal(r.won_in_window, want.won_in_window);
	assert_true(r.won_in_window_value == want.won_in_window_value);
	assert_int_equal(r.contacted, (int64_t)nd);
	assert_true(r.first_contact_median == median);
	assert_true(r.first_contact_p90 == p90);
	assert_true(r.first_contact_mean == mean);
	assert_int_equal(r.held_now, want.held_now);
	assert_int_equal(r.waiting_now, want.waiting_now);
	assert_int_equal(r.overdue_now, want.overdue_now);
	for (size_t i = 0; i < r.nmonths; i++) {
		if (r.months[i].referrals != want.months[i].referrals ||
		    r.months[i].won != want.months[i].won)
			fail_msg("%s: %lld referrals, %lld won; counted %lld, %lld",
			         r.months[i].label, (long long)r.months[i].referrals,
			         (long long)r.months[i].won, (long long)want.months[i].referrals,
			         (long long)want.months[i].won);
		assert_true(r.months[i].won_value == want.months[i].won_value);
	}
	/* the reps of the config, then the one no longer in it (it has
	 * referrals in every window the test asks about) */
	assert_int_equal(r.nreps, 3);
	assert_string_equal(r.reps[0].email, "tom@biz.test");
	assert_string_equal(r.reps[1].email, "ana@biz.test");
	assert_string_equal(r.reps[2].email, "gone@biz.test");
	assert_string_equal(r.reps[2].name, "Gone Rep");
	for (size_t i = 0; i < r.nreps; i++)
		check_rep(&r, &r.reps[i], rows, n);
	check_top(&r, rows, n, tom);
	free(want.months);
	report_clear(&r);
}

/*
 * A store of random referrals, most of them made, contacted and closed on
 * the edges the report cuts at, in a time zone, against the figures
 * counted from every referral: the report reads running totals by the
 * hour and the second, month bounds and ranked delays, and this is what
 * they must add up to.
 */
static void random_store(struct fx *f, char *zone, uint64_t seed0)
{
	static const int statuses[] = {STATUS_NEW,  STATUS_NEW,      STATUS_CONTACTED,
	                               STATUS_WON,  STATUS_WON,      STATUS_LOST,
	                               STATUS_HELD, STATUS_REJECTED, STATUS_EXPIRED};
	static const double values[] = {5000, 1234.56, 0.1, 1e6 / 3, 99.99};
	static const char *const repv[] = {"tom@biz.test", "ana@biz.test", "gone@biz.test", NULL};
	struct row *rows;
	size_t n = 600;
	int64_t edges[40], until, refs[31], tom;
	size_t nedges = 0;

	seed = seed0;
	cfg.timezone = zone;
	schedule_init(&cfg);
	until = local(2027, 1, 12, 10) + 1234;
	for (int k = 0; k < 16; k++)
		edges[nedges++] = local(2025 + (10 + k) / 12, (10 + k) % 12 + 1, 1, 0);
	edges[nedges++] = until;
	edges[nedges++] = until + 1;
	edges[nedges++] = until - 365 * 86400;
	edges[nedges++] = until - 30 * 86400;
	edges[nedges++] = until - 86400;
	edges[nedges++] = until - until % 3600;
	for (int i = 0; i < 30; i++) {
		char email[64];

		snprintf(email, sizeof(email), "p%d@partner.test", i + 1);
		refs[i] = person(f->st, email, NULL);
	}
	tom = refs[30] = person(f->st, "tom@biz.test", "Tom Rivera");
	rows = xcalloc(n, sizeof(*rows));
	for (size_t i = 0; i < n; i++) {
		struct row *w = &rows[i];
		struct referral_rec rec = {0};
		char lead[64];

		w->created = some_time(edges, nedges, until - 420 * 86400, until + 2 * 86400);
		w->referrer = pick(12) ? refs[pick(3) ? pick(6) : pick(31)] : 0;
		w->rep = repv[pick(4)];
		snprintf(lead, sizeof(lead), "lead%zu@client.test", i);
		rec.referrer_id = w->referrer;
		rec.rep_email = w->rep;
		rec.rep_name = w->rep && strcmp(w->rep, "gone@biz.test") == 0 ? "Gone Rep" : NULL;
		rec.at = w->created;
		rec.lead_id = person(f->st, lead, NULL);
		assert_int_equal(store_referral_add(f->st, &rec, &w->id), 0);
		w->status = STATUS_NEW;
		if (pick(10) < 7) {
			static const int64_t after[] = {0, 1, 59, 3600, 86399};

			w->contact = w->created + (pick(5) ? pick(5 * 86400) : after[pick(5)]);
			if (w->contact == 0)
				w->contact = 1;
			assert_int_equal(store_referral_first_contact(f->st, w->id, w->contact), 1);
		}
		w->status = statuses[pick(ARRAY_SIZE(statuses))];
		if (w->status != STATUS_NEW) {
			int64_t at = pick(2) ? some_time(edges, nedges, w->created, until + 86400)
			                     : w->created + pick(40 * 86400);

			w->has_value = w->status == STATUS_WON && pick(5);
			w->value = w->has_value ? values[pick(ARRAY_SIZE(values))] : 0;
			set_status(f->st, w->id, w->status, w->value, at);
			w->has_value = w->value > 0;
			w->closed = status_table[w->status].closed ? at : 0;
		}
		/* credit moved to another referrer: the running totals follow */
		if (w->referrer && pick(20) == 0) {
			w->referrer = refs[pick(30)];
			assert_int_equal(
			        store_referral_set_referrer(f->st, w->id, w->referrer, w->created),
			        0);
		}
	}
	check_window(f->st, rows, n, until - 365 * 86400, until, tom);
	check_window(f->st, rows, n, until - 30 * 86400, until, tom);
	check_window(f->st, rows, n, until - 400 * 86400, until - until % 3600, tom);
	check_window(f->st, rows, n, edges[5], edges[13] - 1, tom);
	check_window(f->st, rows, n, edges[3] + 1, edges[14], tom);
	check_window(f->st, rows, n, until - 365 * 86400 - 1, until + 1, tom);
	/* short windows, and one before most contacts: their delays are
	 * read and sorted, not found by rank */
	check_window(f->st, rows, n, until - 86400 + 7, until - 3, tom);
	check_window(f->st, rows, n, edges[1] - 5, edges[2] + 5, tom);
	check_window(f->st, rows, n, edges[8] - 3600, edges[8] + 2 * 86400, tom);
	free(rows);
	cfg.timezone = "UTC";
}

static void test_report_random_kolkata(void **state)
{
	random_store(*state, "Asia/Kolkata", 1);
}

static void test_report_random_new_york(void **state)
{
	random_store(*state, "America/New_York", 2);
}

/* Cuba ends summer time at 01:00 on a Sunday, back to midnight: on
 * 1 November 2026 the first hour of the month comes twice. */
static void test_report_random_havana(void **state)
{
	random_store(*state, "America/Havana", 3);
}

static void test_report_random_utc(void **state)
{
	random_store(*state, "UTC", 4);
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
	        cmocka_unit_test_setup_teardown(test_report_random_kolkata, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_report_random_new_york, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_report_random_havana, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_report_random_utc, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

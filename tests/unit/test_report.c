/*
 * test_report.c - the figures of `refagent report` from a small store:
 * the window, counts by status, won value, time to first contact (median
 * and mean), top referrers in their order, and the reward ledger.  How
 * they are printed is checked by tests/cli.sh.
 */
#include "testutil.h"

#include <unistd.h>

#include "kinds.h"
#include "report.h"
#include "store.h"

struct fx {
	char dir[64];
	char path[128];
	struct store *st;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;

	snprintf(f->dir, sizeof(f->dir), "/tmp/refagent-report-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/db", f->dir);
	assert_int_equal(store_open(f->path, 0, &f->st, &err), 0);
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

/* A referral made at `at` by referrer, first contact `contact` seconds
 * later (none when 0). */
static int64_t referral(struct store *st, int64_t referrer, const char *lead, int64_t at,
                        int64_t contact)
{
	struct referral_rec r = {.referrer_id = referrer, .at = at};
	int64_t id = 0;

	r.lead_id = person(st, lead, NULL);
	assert_int_equal(store_referral_add(st, &r, &id), 0);
	if (contact)
		assert_int_equal(store_referral_first_contact(st, id, at + contact), 1);
	return id;
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
	assert_int_equal(
	        store_referral_set_status(f->st, r3, status_name(STATUS_WON), 1, 1200, 6000), 1);
	assert_int_equal(store_referral_set_status(f->st, r5, status_name(STATUS_LOST), 0, 0, 6000),
	                 1);
	assert_int_equal(
	        store_referral_set_status(f->st, r1, status_name(STATUS_QUALIFIED), 0, 0, 6000), 1);
	assert_int_equal(store_reward_add(f->st, r3, elena, 120, "10%", 6000, NULL), 0);
	assert_int_equal(store_reward_add(f->st, r1, sarah, 25, "fixed", 6000, NULL), 0);
	assert_int_equal(store_reward_pay(f->st, 2, 7000), 1);

	assert_int_equal(report_compute(f->st, 100, &r), 0);
	assert_int_equal(r.since, 100);
	assert_int_equal(r.total, 5);
	assert_int_equal(r.by_status[STATUS_NEW], 2);
	assert_int_equal(r.by_status[STATUS_QUALIFIED], 1);
	assert_int_equal(r.by_status[STATUS_WON], 1);
	assert_int_equal(r.by_status[STATUS_LOST], 1);
	assert_int_equal(r.by_status[STATUS_HELD], 0);
	assert_true(r.won_value == 1200.0);
	/* 60, 3600 and 7200 seconds */
	assert_int_equal(r.contacted, 3);
	assert_true(r.first_contact_median == 3600.0);
	assert_true(r.first_contact_mean == 3620.0);
	/* most referrals first, then most won; the form's referrer has no
	 * address but is counted */
	assert_int_equal(r.ntop, 3);
	assert_string_equal(r.top[0].email, "elena@partner.test");
	assert_int_equal(r.top[0].referrals, 2);
	assert_int_equal(r.top[0].won, 1);
	assert_true(r.top[0].won_value == 1200.0);
	assert_string_equal(r.top[1].email, "sarah@partner.test");
	assert_int_equal(r.top[1].referrals, 2);
	assert_int_equal(r.top[1].won, 0);
	assert_null(r.top[2].email);
	assert_string_equal(r.top[2].name, "David Ortiz");
	/* the whole ledger, whatever the window */
	assert_int_equal(r.rewards_owed_n, 1);
	assert_true(r.rewards_owed == 120.0);
	assert_int_equal(r.rewards_paid_n, 1);
	assert_true(r.rewards_paid == 25.0);
	report_clear(&r);
	report_clear(&r);

	/* An even number of contacts: the median is the mean of the middle
	 * two. */
	assert_int_equal(report_compute(f->st, 1500, &r), 0);
	assert_int_equal(r.total, 4);
	assert_int_equal(r.contacted, 2);
	assert_true(r.first_contact_median == 3630.0);
	report_clear(&r);

	/* Nothing in the window. */
	assert_int_equal(report_compute(f->st, 10000, &r), 0);
	assert_int_equal(r.total, 0);
	assert_int_equal(r.contacted, 0);
	assert_int_equal(r.ntop, 0);
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
	assert_int_equal(report_compute(f->st, 0, &r), 0);
	assert_int_equal(r.total, REPORT_TOP + 3);
	assert_int_equal(r.ntop, REPORT_TOP);
	/* ties in referrals and wins: the earliest known referrer first */
	assert_string_equal(r.top[0].email, "ref00@partner.test");
	assert_string_equal(r.top[REPORT_TOP - 1].email, "ref09@partner.test");
	report_clear(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_report_figures, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_report_top_capped, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

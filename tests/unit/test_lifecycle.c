/*
 * test_lifecycle.c - status changes and what they cause, rewards, credit,
 * opt-outs, bounces, summaries and expiry, on a real store.
 */
#include "testutil.h"
#include "testdb.h"

#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "lifecycle.h"
#include "schedule.h"
#include "store.h"

static const int64_t NOW = 1796119200; /* 2026-12-01 10:00 UTC, a Tuesday */

struct fx {
	char dir[64];
	struct config cfg;
	struct rep rep;
	struct store *st;
	int64_t rid;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char path[128], *err = NULL;
	struct referral_rec r = {
	        .status = "new", .at = NOW, .rep_email = "tom@biz.test", .rep_name = "Tom Rivera"};

	snprintf(f->dir, sizeof(f->dir), "/tmp/refagent-life-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/db", f->dir);
	assert_int_equal(test_store_open(path, 0, &f->st, &err), 0);
	f->cfg.address = "agent@biz.test";
	f->cfg.domains = "biz.test";
	f->cfg.timezone = "UTC";
	f->cfg.open_min = 9 * 60;
	f->cfg.close_min = 17 * 60;
	f->cfg.days_mask = 0x3e;
	f->cfg.rep_deadline = 1;
	f->cfg.rep_reminders = 2;
	f->cfg.nudge_after = 3;
	f->cfg.nudges = 2;
	f->cfg.ask_client_days = 30;
	f->cfg.expire_days = 60;
	f->cfg.currency = "$";
	f->cfg.reward[0] = "10%";
	f->cfg.reward_cap[0] = 1000;
	f->cfg.reward[1] = "250";
	f->cfg.partners = "bigpartner.test, anna@freelance.test";
	f->rep = (struct rep){"tom@biz.test", "Tom Rivera", 0};
	f->cfg.reps = &f->rep;
	f->cfg.nreps = 1;
	schedule_init(&f->cfg);
	assert_int_equal(
	        store_person_ensure(f->st, "sarah@partner.test", "Sarah Lee", NOW, &r.referrer_id),
	        0);
	assert_int_equal(
	        store_person_ensure(f->st, "bob@client.test", "Bob Smith", NOW, &r.lead_id), 0);
	assert_int_equal(store_referral_add(f->st, &r, &f->rid), 0);
	/* the first reminder, as intake makes it */
	struct job_spec_pub js = {.referral_id = f->rid,
	                          .kind = MAIL_REMIND_REP,
	                          .to = "tom@biz.test",
	                          .due = NOW + 86400,
	                          .seq = 1};
	assert_int_equal(schedule_job(f->st, &f->cfg, &js, NOW), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* lifecycle_set_status by status name, as the command line and status
 * lines give it: an unknown name is refused the same way. */
static int set_status(struct fx *f, int64_t id, const char *status, int has_value, double value,
                      const char *note, const char *actor, int64_t msg_id, int64_t now,
                      char **why_r)
{
	struct status_change c = {.id = id,
	                          .has_value = has_value,
	                          .value = value,
	                          .note = note,
	                          .actor = actor,
	                          .msg_id = msg_id,
	                          .now = now};

	if (lifecycle_status_arg(status, &c.status, why_r) != 0)
		return 1;
	return lifecycle_set_status(f->st, &f->cfg, &c, why_r);
}

/* Pending jobs of template to recipient. */
static int pending(struct fx *f, const char *tmpl, const char *to)
{
	struct job_view *v = NULL;
	size_t n = 0;
	int k = 0;

	assert_int_equal(store_jobs_list(f->st, "pending", &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		k += strcmp(v[i].template, tmpl) == 0 && (!to || strcmp(v[i].recipient, to) == 0);
	store_job_views_free(v, n);
	return k;
}

static const char *job_note(struct fx *f, const char *tmpl, char *buf, size_t len)
{
	struct job_view *v = NULL;
	size_t n = 0;

	buf[0] = '\0';
	assert_int_equal(store_jobs_list(f->st, NULL, &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].template, tmpl) == 0 && v[i].note)
			snprintf(buf, len, "%s", v[i].note);
	store_job_views_free(v, n);
	return buf;
}

static void get(struct fx *f, struct referral_view *v)
{
	assert_int_equal(store_referral_get(f->st, f->rid, v, NULL, NULL), 1);
}

static void test_money_and_rewards(void **state)
{
	struct fx *f = *state;
	char buf[64], rule[200];

	assert_string_equal(lifecycle_money(&f->cfg, 12000, buf, sizeof(buf)), "$12,000");
	assert_string_equal(lifecycle_money(&f->cfg, 1234.5, buf, sizeof(buf)), "$1,234.50");
	assert_string_equal(lifecycle_money(&f->cfg, 999, buf, sizeof(buf)), "$999");
	assert_string_equal(lifecycle_money(&f->cfg, 1000000.01, buf, sizeof(buf)),
	                    "$1,000,000.01");
	/* client: 10%, capped at 1000 */
	assert_true(lifecycle_reward(&f->cfg, "sarah@partner.test", 1, 5000, rule, sizeof(rule)) ==
	            500);
	assert_string_equal(rule, "client: 10% of $5,000");
	assert_true(lifecycle_reward(&f->cfg, "sarah@partner.test", 1, 12000, rule, sizeof(rule)) ==
	            1000);
	assert_string_equal(rule, "client: 10% of $12,000 = $1,200, capped at $1,000");
	assert_true(lifecycle_reward(&f->cfg, "sarah@partner.test", 0, 0, rule, sizeof(rule)) == 0);
	/* partners by domain or address: a fixed 250 */
	assert_true(lifecycle_reward(&f->cfg, "x@sub.bigpartner.test", 1, 9, rule, sizeof(rule)) ==
	            250);
	assert_string_equal(rule, "partner: $250");
	assert_true(lifecycle_reward(&f->cfg, "anna@freelance.test", 1, 9, rule, sizeof(rule)) ==
	            250);
	/* staff: no rule configured */
	assert_true(lifecycle_reward(&f->cfg, "tom@biz.test", 1, 9000, rule, sizeof(rule)) == 0);
	assert_string_equal(rule, "staff: no reward rule");
}

/* new -> contacted: first contact, reminder cancelled, nudge and update
 * scheduled; won: reward, mails; a second won gives no second reward;
 * the reward paid: the referrer is thanked. */
static void test_contacted_then_won(void **state)
{
	struct fx *f = *state;
	struct referral_view v = {0};
	struct reward_view *w = NULL;
	char *why = NULL, note[200];
	size_t n = 0;
	int changed = 0;

	assert_int_equal(pending(f, "remind-rep", NULL), 1);
	assert_int_equal(lifecycle_first_contact(f->st, &f->cfg, f->rid, "tom@biz.test", 0,
	                                         NOW + 60, &changed),
	                 0);
	assert_int_equal(changed, 1);
	get(f, &v);
	assert_string_equal(v.status, "contacted");
	assert_int_equal(v.first_contact_at, NOW + 60);
	store_referral_view_clear(&v);
	assert_int_equal(pending(f, "remind-rep", NULL), 0);
	assert_int_equal(pending(f, "nudge-lead", "bob@client.test"), 1);
	assert_int_equal(pending(f, "update-referrer", "sarah@partner.test"), 1);
	assert_string_equal(job_note(f, "update-referrer", note, sizeof(note)),
	                    "update.contacted=yes\n");
	/* a second reply is no new first contact */
	assert_int_equal(lifecycle_first_contact(f->st, &f->cfg, f->rid, "tom@biz.test", 0,
	                                         NOW + 99, &changed),
	                 0);
	assert_int_equal(changed, 0);

	/* the lead replies: the nudge stops */
	assert_int_equal(lifecycle_lead_replied(f->st, f->rid, NOW + 120), 0);
	assert_int_equal(pending(f, "nudge-lead", NULL), 0);

	assert_int_equal(
	        set_status(f, f->rid, "won", 1, 12000, NULL, "tom@biz.test", 0, NOW + 200, &why),
	        0);
	get(f, &v);
	assert_string_equal(v.status, "won");
	assert_true(v.has_value && v.value == 12000);
	store_referral_view_clear(&v);
	assert_int_equal(store_rewards_list(f->st, &w, &n), 0);
	assert_int_equal(n, 1);
	assert_true(w[0].amount == 1000);
	assert_string_equal(w[0].state, "owed");
	assert_string_equal(w[0].referrer.email, "sarah@partner.test");
	store_reward_views_free(w, n);
	assert_int_equal(pending(f, "reward-referrer", "sarah@partner.test"), 1);
	assert_string_equal(job_note(f, "reward-referrer", note, sizeof(note)),
	                    "reward.amount=$1,000\n");
	/* the news of the first contact, still waiting, gives way to the
	 * news of the win */
	assert_int_equal(pending(f, "update-referrer", "sarah@partner.test"), 1);
	assert_string_equal(job_note(f, "update-referrer", note, sizeof(note)), "update.won=yes\n");
	assert_int_equal(pending(f, "ask-client", "bob@client.test"), 1);

	/* the same status again is refused; won with a new value is not a
	 * second reward */
	assert_int_equal(set_status(f, f->rid, "won", 0, 0, NULL, "cli", 0, NOW + 300, &why), 1);
	assert_non_null(strstr(why, "already won"));
	free(why);
	why = NULL;
	assert_int_equal(set_status(f, f->rid, "won", 1, 15000, NULL, "cli", 0, NOW + 400, &why),
	                 0);
	assert_int_equal(store_rewards_list(f->st, &w, &n), 0);
	assert_int_equal(n, 1);
	assert_true(w[0].amount == 1000); /* capped either way */
	store_reward_views_free(w, n);
	/* a corrected value ("#won 8000"): the reward still owed follows it
	 * (10% of $8,000), and the thank-you still waiting names it */
	assert_int_equal(
	        set_status(f, f->rid, "won", 1, 8000, NULL, "tom@biz.test", 0, NOW + 450, &why), 0);
	assert_int_equal(store_rewards_list(f->st, &w, &n), 0);
	assert_int_equal(n, 1);
	assert_true(w[0].amount == 800);
	assert_string_equal(w[0].state, "owed");
	store_reward_views_free(w, n);
	assert_int_equal(pending(f, "reward-referrer", "sarah@partner.test"), 1);
	assert_string_equal(job_note(f, "reward-referrer", note, sizeof(note)),
	                    "reward.amount=$800\n");
	/* paid by the admin: the ledger, the history and a thank-you to
	 * the referrer naming the amount; paying it again is refused */
	assert_int_equal(lifecycle_reward_paid(f->st, &f->cfg, 1, "cli", NOW + 500, &why), 0);
	assert_int_equal(store_rewards_list(f->st, &w, &n), 0);
	assert_string_equal(w[0].state, "paid");
	assert_int_equal(w[0].paid_at, NOW + 500);
	store_reward_views_free(w, n);
	assert_int_equal(pending(f, "paid-referrer", "sarah@partner.test"), 1);
	assert_string_equal(job_note(f, "paid-referrer", note, sizeof(note)),
	                    "reward.amount=$800\n");
	{
		struct referral_view rv;
		struct event_view *ev = NULL;
		size_t nev = 0;

		assert_int_equal(store_referral_get(f->st, f->rid, &rv, &ev, &nev), 1);
		assert_string_equal(ev[nev - 1].kind, "reward-paid");
		assert_string_equal(ev[nev - 1].detail, "reward 1 of $800 paid");
		assert_string_equal(ev[nev - 1].actor, "cli");
		store_referral_view_clear(&rv);
		store_event_views_free(ev, nev);
	}
	assert_int_equal(lifecycle_reward_paid(f->st, &f->cfg, 1, "cli", NOW + 600, &why), 1);
	assert_string_equal(why, "no owed reward 1 (see refagent rewards)");
	free(why);
	why = NULL;
	/* a paid reward stays what was paid */
	assert_int_equal(
	        set_status(f, f->rid, "won", 1, 9000, NULL, "tom@biz.test", 0, NOW + 650, &why), 0);
	assert_int_equal(store_rewards_list(f->st, &w, &n), 0);
	assert_true(n == 1 && w[0].amount == 800);
	store_reward_views_free(w, n);
	assert_int_equal(pending(f, "reward-referrer", "sarah@partner.test"), 1);
	assert_int_equal(lifecycle_reward_paid(f->st, &f->cfg, 7, "cli", NOW + 600, &why), 1);
	free(why);
	assert_int_equal(pending(f, "paid-referrer", "sarah@partner.test"), 1);
}

/* The lead writes before the rep's first contact (a reply-all to the
 * intro, "when can you come by?"): no nudge after the first contact
 * asks whether the rep reached them. */
static void test_lead_wrote_first(void **state)
{
	struct fx *f = *state;
	int changed = 0;

	assert_int_equal(lifecycle_lead_replied(f->st, f->rid, NOW + 30), 0);
	assert_int_equal(lifecycle_first_contact(f->st, &f->cfg, f->rid, "tom@biz.test", 0,
	                                         NOW + 60, &changed),
	                 0);
	assert_int_equal(changed, 1);
	assert_int_equal(pending(f, "nudge-lead", NULL), 0);
	assert_int_equal(pending(f, "remind-rep", NULL), 0);
	assert_int_equal(pending(f, "update-referrer", "sarah@partner.test"), 1);
}

/* The referrer is never told about their own action; an unknown status
 * is refused; rejected cancels everything. */
static void test_own_action_and_rejected(void **state)
{
	struct fx *f = *state;
	char *why = NULL;

	assert_int_equal(
	        set_status(f, f->rid, "contacted", 0, 0, NULL, "SARAH@partner.test", 0, NOW, &why),
	        0);
	assert_int_equal(pending(f, "update-referrer", NULL), 0);
	assert_int_equal(set_status(f, f->rid, "maybe", 0, 0, NULL, "cli", 0, NOW, &why), 1);
	assert_non_null(strstr(why, "'maybe' is not a status"));
	free(why);
	assert_int_equal(set_status(f, 999, "won", 0, 0, NULL, "cli", 0, NOW, &why), 1);
	assert_non_null(strstr(why, "no referral 999"));
	free(why);
	assert_true(pending(f, "nudge-lead", NULL) > 0);
	assert_int_equal(set_status(f, f->rid, "rejected", 0, 0, "spam", "cli", 0, NOW, &why), 0);
	assert_int_equal(pending(f, "nudge-lead", NULL), 0);
}

/* Opting out cancels every pending mail to the address and tells the rep
 * of an open referral; a second opt-out changes nothing. */
static void test_opt_out_and_bounce(void **state)
{
	struct fx *f = *state;
	struct referral_view v = {0};
	struct event_view *ev = NULL;
	size_t nev = 0, optouts = 0;
	int changed = 0;
	char note[300];

	assert_int_equal(
	        set_status(f, f->rid, "contacted", 0, 0, NULL, "cli", 0, NOW, &(char *){NULL}), 0);
	assert_int_equal(pending(f, "nudge-lead", "bob@client.test"), 1);
	assert_int_equal(lifecycle_opt_out(f->st, &f->cfg, "Bob@Client.test", "replied stop", 0,
	                                   NOW + 10, &changed),
	                 0);
	assert_int_equal(changed, 1);
	assert_int_equal(pending(f, "nudge-lead", NULL), 0);
	assert_int_equal(pending(f, "notify-rep", "tom@biz.test"), 1);
	assert_string_equal(job_note(f, "notify-rep", note, sizeof(note)),
	                    "notify.optout=yes\nnotify.email=bob@client.test\n"
	                    "notify.source=replied stop\n");
	assert_int_equal(lifecycle_opt_out(f->st, &f->cfg, "bob@client.test", "again", 0, NOW + 20,
	                                   &changed),
	                 0);
	assert_int_equal(changed, 0);
	assert_int_equal(store_referral_get(f->st, f->rid, &v, &ev, &nev), 1);
	for (size_t i = 0; i < nev; i++)
		optouts += strcmp(ev[i].kind, "opt-out") == 0;
	assert_int_equal(optouts, 1);
	store_referral_view_clear(&v);
	store_event_views_free(ev, nev);

	/* a bounce of the referrer: noted on their referrals, jobs cancelled */
	assert_int_equal(pending(f, "update-referrer", "sarah@partner.test"), 1);
	assert_int_equal(lifecycle_bounce(f->st, &f->cfg, "sarah@partner.test", "5.1.1 unknown", 0,
	                                  NOW + 30),
	                 0);
	assert_int_equal(pending(f, "update-referrer", NULL), 0);
	struct person_flags pf;
	assert_int_equal(store_person_flags(f->st, "sarah@partner.test", &pf), 1);
	assert_true(pf.bouncing_at > 0);
	free(pf.token);
}

/* Credit policies: first keeps it and tells both; last moves it. */
static void test_second_referrer(void **state)
{
	struct fx *f = *state;
	struct referral_view v = {0};
	char note[400];

	assert_int_equal(lifecycle_second_referrer(f->st, &f->cfg, f->rid, "carlos@other.test",
	                                           "Carlos Garcia", 0, NOW),
	                 0);
	get(f, &v);
	assert_string_equal(v.referrer.email, "sarah@partner.test");
	store_referral_view_clear(&v);
	assert_int_equal(pending(f, "thank-referrer", "carlos@other.test"), 1);
	assert_string_equal(job_note(f, "thank-referrer", note, sizeof(note)),
	                    "credit.name=Sarah Lee\n");
	assert_int_equal(pending(f, "update-referrer", "sarah@partner.test"), 1);
	assert_string_equal(job_note(f, "update-referrer", note, sizeof(note)),
	                    "credit.other=Carlos Garcia\ncredit.kept=yes\n");
	/* the same referrer again: nothing */
	assert_int_equal(lifecycle_second_referrer(f->st, &f->cfg, f->rid, "sarah@partner.test",
	                                           "Sarah", 0, NOW),
	                 0);
	assert_int_equal(pending(f, "thank-referrer", NULL), 1);

	f->cfg.credit_last = 1;
	assert_int_equal(lifecycle_second_referrer(f->st, &f->cfg, f->rid, "dana@third.test",
	                                           "Dana White", 0, NOW),
	                 0);
	get(f, &v);
	assert_string_equal(v.referrer.email, "dana@third.test");
	store_referral_view_clear(&v);
	char *why = NULL;
	assert_int_equal(
	        lifecycle_credit(f->st, &f->cfg, f->rid, "sarah@partner.test", "cli", NOW, &why),
	        0);
	get(f, &v);
	assert_string_equal(v.referrer.email, "sarah@partner.test");
	store_referral_view_clear(&v);
	assert_int_equal(
	        lifecycle_credit(f->st, &f->cfg, f->rid, "sarah@partner.test", "cli", NOW, &why),
	        1);
	free(why);
}

static void test_summary_and_expiry(void **state)
{
	struct fx *f = *state;
	struct referral_view v = {0};
	int sent = 0, n = 0;

	assert_int_equal(lifecycle_summary(f->st, &f->cfg, "nobody@x.test", NOW, &sent), 0);
	assert_int_equal(sent, 0);
	assert_int_equal(lifecycle_summary(f->st, &f->cfg, "Sarah@partner.test", NOW, &sent), 0);
	assert_int_equal(sent, 1);
	assert_int_equal(pending(f, "update-referrer", "sarah@partner.test"), 1);

	assert_int_equal(lifecycle_expire(f->st, &f->cfg, NOW + 59 * 86400, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(lifecycle_expire(f->st, &f->cfg, NOW + 61 * 86400, &n), 0);
	assert_int_equal(n, 1);
	get(f, &v);
	assert_string_equal(v.status, "expired");
	store_referral_view_clear(&v);
	assert_int_equal(pending(f, "remind-rep", NULL), 0);
	assert_int_equal(lifecycle_expire(f->st, &f->cfg, NOW + 200 * 86400, &n), 0);
	assert_int_equal(n, 0);
}

/* One notice per event: a lead with two open referrals of one rep, and the
 * same failure reported twice, give the rep one notice. */
static void test_one_notice_per_bounce(void **state)
{
	struct fx *f = *state;
	struct referral_rec r = {
	        .status = "new", .at = NOW, .rep_email = "tom@biz.test", .rep_name = "Tom Rivera"};
	int64_t second = 0;

	assert_int_equal(
	        store_person_ensure(f->st, "ann@partner.test", "Ann Berg", NOW, &r.referrer_id), 0);
	assert_int_equal(store_person_ensure(f->st, "bob@client.test", NULL, NOW, &r.lead_id), 0);
	assert_int_equal(store_referral_add(f->st, &r, &second), 0);
	assert_int_equal(
	        lifecycle_bounce(f->st, &f->cfg, "bob@client.test", "5.1.1 unknown", 0, NOW + 10),
	        0);
	assert_int_equal(pending(f, "notify-rep", "tom@biz.test"), 1);
	assert_int_equal(
	        lifecycle_bounce(f->st, &f->cfg, "Bob@Client.test", "5.1.1 unknown", 0, NOW + 20),
	        0);
	assert_int_equal(pending(f, "notify-rep", "tom@biz.test"), 1);
}

/* A held referral released to new starts its follow-up. */
static void test_release_held(void **state)
{
	struct fx *f = *state;
	char *why = NULL;

	assert_int_equal(store_referral_set_status(f->st, f->rid, "held", 0, 0, NOW), 1);
	assert_int_equal(store_jobs_cancel_referral(f->st, f->rid, NULL, NOW, "test", NULL), 0);
	assert_int_equal(set_status(f, f->rid, "new", 0, 0, "looks fine", "cli", 0, NOW, &why), 0);
	assert_int_equal(pending(f, "thank-referrer", "sarah@partner.test"), 1);
	assert_int_equal(pending(f, "welcome-lead", "bob@client.test"), 1);
	assert_int_equal(pending(f, "assign-rep", "tom@biz.test"), 1);
}

/* A held referral takes no credit; released while its lead has a
 * referral that holds it, it is a second introduction there (the
 * standing referrer keeps the credit under `first`, both are told) and
 * closes as rejected; no follow-up of its own starts. */
static void test_release_settles(void **state)
{
	struct fx *f = *state;
	struct referral_rec r = {.status = "held",
	                         .at = NOW - 86400,
	                         .held_reason = "7 leads is more than max_leads 5"};
	struct referral_view v = {0};
	struct event_view *ev = NULL;
	size_t nev = 0;
	int64_t held = 0, standing = -1, open = 0;
	char *why = NULL, note[300];
	struct status_change c = {.status = STATUS_NEW,
	                          .note = "released in the admin's review",
	                          .actor = "admin@biz.test",
	                          .now = NOW + 60,
	                          .standing_r = &standing};

	assert_int_equal(
	        store_person_ensure(f->st, "mark@mass.test", "Mark Spammy", NOW, &r.referrer_id),
	        0);
	assert_int_equal(store_person_ensure(f->st, "bob@client.test", NULL, NOW, &r.lead_id), 0);
	assert_int_equal(store_referral_add(f->st, &r, &held), 0);
	/* the held one is older, but the new one holds the lead */
	assert_int_equal(store_referral_open_for_lead(f->st, "bob@client.test", &open), 1);
	assert_int_equal(open, f->rid);

	c.id = held;
	assert_int_equal(lifecycle_set_status(f->st, &f->cfg, &c, &why), 0);
	assert_int_equal(standing, f->rid);
	assert_int_equal(store_referral_get(f->st, held, &v, &ev, &nev), 1);
	assert_string_equal(v.status, "rejected");
	assert_non_null(strstr(ev[nev - 1].detail,
	                       "released by admin@biz.test, but Bob Smith already has referral 1 "
	                       "(credited to Sarah Lee): recorded there as a second introduction"));
	store_referral_view_clear(&v);
	store_event_views_free(ev, nev);
	get(f, &v);
	assert_string_equal(v.status, "new");
	assert_string_equal(v.referrer.email, "sarah@partner.test");
	store_referral_view_clear(&v);
	assert_int_equal(pending(f, "thank-referrer", "mark@mass.test"), 1);
	assert_string_equal(job_note(f, "thank-referrer", note, sizeof(note)),
	                    "credit.name=Sarah Lee\n");
	assert_int_equal(pending(f, "update-referrer", "sarah@partner.test"), 1);
	assert_int_equal(pending(f, "welcome-lead", NULL), 0);
	assert_int_equal(pending(f, "assign-rep", NULL), 0);

	/* released with nobody else holding the lead: it goes ahead */
	{
		int64_t lone = 0;

		assert_int_equal(store_person_ensure(f->st, "dana@client.test", "Dana White", NOW,
		                                     &r.lead_id),
		                 0);
		assert_int_equal(store_referral_add(f->st, &r, &lone), 0);
		c.id = lone;
		assert_int_equal(lifecycle_set_status(f->st, &f->cfg, &c, &why), 0);
		assert_int_equal(standing, 0);
		assert_int_equal(pending(f, "welcome-lead", "dana@client.test"), 1);
		assert_int_equal(pending(f, "thank-referrer", "mark@mass.test"), 2);
	}
}

/* Under credit = last, a release that settles moves the credit. */
static void test_release_settles_credit_last(void **state)
{
	struct fx *f = *state;
	struct referral_rec r = {.status = "held", .at = NOW};
	struct referral_view v = {0};
	int64_t held = 0, standing = 0;
	char *why = NULL;
	struct status_change c = {
	        .status = STATUS_NEW, .actor = "cli", .now = NOW + 60, .standing_r = &standing};

	f->cfg.credit_last = 1;
	assert_int_equal(store_person_ensure(f->st, "carlos@other.test", "Carlos Garcia", NOW,
	                                     &r.referrer_id),
	                 0);
	assert_int_equal(store_person_ensure(f->st, "bob@client.test", NULL, NOW, &r.lead_id), 0);
	assert_int_equal(store_referral_add(f->st, &r, &held), 0);
	c.id = held;
	assert_int_equal(lifecycle_set_status(f->st, &f->cfg, &c, &why), 0);
	assert_int_equal(standing, f->rid);
	get(f, &v);
	assert_string_equal(v.referrer.email, "carlos@other.test");
	store_referral_view_clear(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_money_and_rewards, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_contacted_then_won, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_lead_wrote_first, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_own_action_and_rejected, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_opt_out_and_bounce, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_second_referrer, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_summary_and_expiry, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_release_held, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_one_notice_per_bounce, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_release_settles, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_release_settles_credit_last, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

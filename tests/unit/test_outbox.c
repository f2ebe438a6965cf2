/*
 * test_outbox.c - what the outbox decides before and without a server:
 * nothing to opted-out, bouncing or own addresses, the daily cap, what
 * happens with no SMTP server, and the preview of `templates render`.
 * Sending over SMTP is tested end to end (tests/e2e/followup.sh).
 */
#include "testutil.h"
#include "testdb.h"

#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "message.h"
#include "jobnote.h"
#include "outbox.h"
#include "schedule.h"
#include "store.h"
#include "template.h"

struct fx {
	char dir[64];
	struct config cfg;
	struct store *st;
	struct template_set *t;
	struct outbox *ob;
	int64_t rid;
};

static const int64_t NOW = 1796119200; /* 2026-12-01 10:00 UTC, a Tuesday */

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char path[128], *err = NULL;
	struct referral_rec r = {.status = "new",
	                         .at = NOW - 3600,
	                         .subject = "Re: Bob, meet us",
	                         .thread_key = "intro-1@partner.test"};

	snprintf(f->dir, sizeof(f->dir), "/tmp/refagent-outbox-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/db", f->dir);
	assert_int_equal(test_store_open(path, 0, &f->st, &err), 0);
	assert_int_equal(template_load("templates", &f->t), 0);
	f->cfg.address = "agent@biz.test";
	f->cfg.name = "Brightpath Renovations";
	f->cfg.domains = "biz.test";
	f->cfg.timezone = "UTC";
	f->cfg.max_per_day = 3;
	f->cfg.rep_deadline = 1;
	f->cfg.open_min = 9 * 60;
	f->cfg.close_min = 17 * 60;
	f->cfg.days_mask = 0x3e; /* mon-fri */
	f->cfg.path = "test.conf";
	schedule_init(&f->cfg);
	clock_set(NOW);
	assert_int_equal(
	        store_person_ensure(f->st, "sarah@partner.test", "Sarah Lee", NOW, &r.referrer_id),
	        0);
	assert_int_equal(
	        store_person_ensure(f->st, "bob@client.test", "Bob Smith", NOW, &r.lead_id), 0);
	r.rep_email = "tom@biz.test";
	r.rep_name = "Tom Rivera";
	assert_int_equal(store_referral_add(f->st, &r, &f->rid), 0);
	outbox_open(&f->cfg, f->st, f->t, &f->ob);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	outbox_close(f->ob);
	template_free(f->t);
	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	clock_set(0);
	free(f);
	return 0;
}

static int64_t add_job(struct fx *f, const char *tmpl, const char *to, const char *key)
{
	struct job_rec j = {.referral_id = f->rid,
	                    .template = tmpl,
	                    .recipient = to,
	                    .due_at = NOW - 60,
	                    .message_key = key,
	                    .at = NOW - 60};
	int64_t id;

	assert_int_equal(store_job_add(f->st, &j, &id), 0);
	return id;
}

static void job(struct fx *f, int64_t id, struct job_view *v)
{
	assert_int_equal(store_job_get(f->st, id, v), 1);
}

static void test_refusals(void **state)
{
	struct fx *f = *state;
	struct outbox_stats s = {0};
	struct job_view v;
	int64_t a, b, c;
	int changed = 0;

	assert_int_equal(
	        store_person_opt_out(f->st, "Bob@Client.test", NOW - 10, "reply stop", &changed),
	        0);
	assert_int_equal(changed, 1);
	assert_int_equal(store_person_bouncing(f->st, "gone@client.test", NOW - 10, "5.1.1"), 0);
	a = add_job(f, "welcome-lead", "bob@client.test", "a@biz.test");
	b = add_job(f, "nudge-lead", "gone@client.test", "b@biz.test");
	c = add_job(f, "thank-referrer", "agent+r1@biz.test", "c@biz.test");
	assert_int_equal(outbox_send_due(f->ob, NULL, &s), 0);
	assert_int_equal(s.cancelled, 3);
	assert_int_equal(s.sent + s.retry + s.failed, 0);
	job(f, a, &v);
	assert_string_equal(v.state, "cancelled");
	assert_string_equal(v.last_error, "bob@client.test opted out");
	store_job_view_clear(&v);
	job(f, b, &v);
	assert_string_equal(v.last_error, "gone@client.test bounces");
	store_job_view_clear(&v);
	job(f, c, &v);
	assert_string_equal(v.last_error, "the agent's own address");
	store_job_view_clear(&v);
	/* the referral's history says so */
	struct referral_view r;
	struct event_view *ev = NULL;
	size_t nev = 0, cancelled = 0;
	assert_int_equal(store_referral_get(f->st, f->rid, &r, &ev, &nev), 1);
	for (size_t i = 0; i < nev; i++)
		cancelled += strcmp(ev[i].kind, "mail-cancelled") == 0;
	assert_int_equal(cancelled, 3);
	store_referral_view_clear(&r);
	store_event_views_free(ev, nev);
}

/* Three mails to Sarah in the last day: the fourth waits until a day after
 * the first, without counting as an attempt.  Internal mail has no cap. */
static void test_daily_cap(void **state)
{
	struct fx *f = *state;
	struct outbox_stats s = {0};
	struct job_view v;
	char key[32];
	int64_t id;

	for (int i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "sent%d@biz.test", i);
		id = add_job(f, "update-referrer", "sarah@partner.test", key);
		assert_int_equal(store_job_sent(f->st, id, NOW - 7200 + i * 60, "250 ok"), 0);
		snprintf(key, sizeof(key), "rep%d@biz.test", i);
		id = add_job(f, "assign-rep", "tom@biz.test", key);
		assert_int_equal(store_job_sent(f->st, id, NOW - 7200 + i * 60, "250 ok"), 0);
	}
	id = add_job(f, "reward-referrer", "sarah@partner.test", "capped@biz.test");
	assert_int_equal(outbox_send_due(f->ob, NULL, &s), 0);
	assert_int_equal(s.postponed, 1);
	job(f, id, &v);
	assert_string_equal(v.state, "pending");
	assert_int_equal(v.attempts, 0);
	assert_int_equal(v.next_attempt_at, NOW - 7200 + 86400 + 1);
	assert_non_null(strstr(v.last_error, "daily cap: 3 mails"));
	store_job_view_clear(&v);

	/* a fourth mail to the rep is not capped: it goes on to sending, which
	 * finds no server here (a retry, not a cap; and not an attempt: the
	 * mail is not at fault) */
	memset(&s, 0, sizeof(s));
	id = add_job(f, "remind-rep", "tom@biz.test", "rep-more@biz.test");
	assert_int_equal(outbox_send_due(f->ob, NULL, &s), 0);
	assert_int_equal(s.postponed, 0);
	assert_int_equal(s.retry, 1);
	job(f, id, &v);
	assert_int_equal(v.attempts, 0);
	assert_non_null(strstr(v.last_error, "[smtp] server is not set"));
	assert_true(v.next_attempt_at >= NOW + 45 && v.next_attempt_at <= NOW + 75);
	store_job_view_clear(&v);
}

/* A reminder that fell due in the evening (the agent was stopped, or a
 * reminder was due at 19:00) waits for the next opening, not an attempt. */
static void test_business_hours(void **state)
{
	struct fx *f = *state;
	struct outbox_stats s = {0};
	struct job_view v;
	int64_t id;

	clock_set(NOW + 9 * 3600); /* Tuesday 19:00 */
	id = add_job(f, "remind-rep", "tom@biz.test", "late@biz.test");
	assert_int_equal(outbox_send_due(f->ob, NULL, &s), 0);
	assert_int_equal(s.postponed, 1);
	assert_int_equal(s.retry, 0);
	job(f, id, &v);
	assert_string_equal(v.state, "pending");
	assert_int_equal(v.attempts, 0);
	assert_int_equal(v.next_attempt_at, NOW + 23 * 3600); /* Wednesday 09:00 */
	assert_non_null(strstr(v.last_error, "outside business hours"));
	store_job_view_clear(&v);
	clock_set(NOW);
}

/* `templates render`: the whole message, threaded, nothing written. */
static void test_preview(void **state)
{
	struct fx *f = *state;
	char *data = NULL, *err = NULL;
	size_t len = 0;
	struct person_flags pf;
	struct job_view *jobs = NULL;
	size_t n = 0;

	assert_int_equal(
	        outbox_preview(f->ob, MAIL_WELCOME_LEAD, f->rid, 0, NULL, &data, &len, &err), 0);
	assert_non_null(strstr(data, "In-Reply-To: <intro-1@partner.test>"));
	assert_non_null(strstr(data, "Subject: Re: Bob, meet us\r\n"));
	assert_non_null(strstr(data, "To: Bob Smith <bob@client.test>"));
	assert_non_null(strstr(data, "Cc: Tom Rivera <tom@biz.test>"));
	assert_non_null(strstr(data, "Auto-Submitted: auto-generated"));
	assert_non_null(strstr(data, "List-Unsubscribe: <mailto:agent+u-TOKEN@biz.test"));
	assert_non_null(strstr(data, "agent+r1@biz.test"));
	assert_null(strstr(data, "{{"));
	free(data);
	assert_int_equal(store_person_flags(f->st, "bob@client.test", &pf), 1);
	assert_null(pf.token);
	assert_int_equal(store_jobs_list(f->st, NULL, &jobs, &n), 0);
	assert_int_equal(n, 0);

	assert_int_equal(outbox_preview(f->ob, MAIL_REMIND_REP, f->rid, 0, NULL, &data, &len, &err),
	                 0);
	assert_non_null(strstr(data, "To: Tom Rivera <tom@biz.test>"));
	assert_null(strstr(data, "List-Unsubscribe"));
	free(data);
	/* no admin configured: nobody to escalate to */
	assert_int_equal(outbox_preview(f->ob, MAIL_REMIND_REP, f->rid, 1, NULL, &data, &len, &err),
	                 -1);
	assert_non_null(strstr(err, "nobody to send remind-rep to"));
	free(err);
	assert_int_equal(outbox_preview(f->ob, MAIL_WELCOME_LEAD, 99, 0, NULL, &data, &len, &err),
	                 -1);
	assert_non_null(strstr(err, "no referral 99"));
	free(err);
}

/* The tag the business's own gateway put on the intro's subject is not
 * the lead's: "Re: Bob, meet us", not "Re: [EXTERNAL] RE: Bob, meet us". */
static void test_preview_gateway_tag(void **state)
{
	struct fx *f = *state;
	char *data = NULL, *err = NULL;
	size_t len = 0;
	int64_t rid = 0;
	struct referral_rec r = {.status = "new",
	                         .at = NOW - 3600,
	                         .subject = "[EXTERNAL] RE: EXT: Bob, meet us",
	                         .thread_key = "intro-2@partner.test",
	                         .rep_email = "tom@biz.test",
	                         .rep_name = "Tom Rivera"};

	assert_int_equal(
	        store_person_ensure(f->st, "sarah@partner.test", NULL, NOW, &r.referrer_id), 0);
	assert_int_equal(store_person_ensure(f->st, "ann@client.test", "Ann Lee", NOW, &r.lead_id),
	                 0);
	assert_int_equal(store_referral_add(f->st, &r, &rid), 0);
	assert_int_equal(outbox_preview(f->ob, MAIL_WELCOME_LEAD, rid, 0, NULL, &data, &len, &err),
	                 0);
	assert_non_null(strstr(data, "Subject: Re: Bob, meet us\r\n"));
	free(data);
}

/* The facts of a job's note reach its template; the words are the
 * template's, and a fact holds one line whatever it was given. */
static char *text_of(const char *data);

static void test_note_facts(void **state)
{
	struct fx *f = *state;
	struct buf note = {0};
	struct job_view j = {.referral_id = f->rid,
	                     .template = (char *)"update-referrer",
	                     .recipient = (char *)"sarah@partner.test",
	                     .recipient_name = (char *)"Sarah Lee",
	                     .message_key = (char *)"n1@biz.test"};
	char *data = NULL, *err = NULL;
	size_t len = 0;

	jobnote_add(&note, "credit.other", "Carlos\r\nBcc: x@evil.test Garcia");
	jobnote_add(&note, "credit.kept", "yes");
	assert_string_equal(note.s,
	                    "credit.other=Carlos  Bcc: x@evil.test Garcia\ncredit.kept=yes\n");
	j.note = note.s;
	assert_int_equal(outbox_render(f->ob, &j, &data, &len, &err), 0);
	assert_non_null(strstr(data, "Carlos  Bcc: x@evil.test Garcia also introduced"));
	assert_non_null(strstr(data, "stays credited to you"));
	assert_null(strstr(data, "\nBcc:"));
	free(data);
	buf_free(&note);

	jobnote_add(&note, "notify.bounce", "yes");
	jobnote_add(&note, "notify.email", "bob@client.test");
	jobnote_add(&note, "notify.reason", "5.1.1 no such user");
	j.template = (char *)"notify-rep";
	j.recipient = (char *)"tom@biz.test";
	j.recipient_name = (char *)"Tom Rivera";
	j.note = note.s;
	assert_int_equal(outbox_render(f->ob, &j, &data, &len, &err), 0);
	assert_non_null(strstr(data, "Mail to bob@client.test bounces (5.1.1 no such user)"));
	free(data);
	buf_free(&note);

	/* a note written by an earlier version */
	j.template = (char *)"update-referrer";
	j.recipient = (char *)"sarah@partner.test";
	j.note = (char *)"won";
	assert_int_equal(outbox_render(f->ob, &j, &data, &len, &err), 0);
	assert_non_null(strstr(data, "Good news"));
	free(data);
}

/* A lead the intro gave no name: the thank-you names them by their
 * address, as it names the other leads of the intro ("someone you know
 * and georgia@..." read as if one of them were a stranger: probe 20). */
static void test_thanks_nameless_lead(void **state)
{
	struct fx *f = *state;
	struct job_view j = {.template = (char *)"thank-referrer",
	                     .recipient = (char *)"sarah@partner.test",
	                     .recipient_name = (char *)"Sarah Lee",
	                     .message_key = (char *)"t1@biz.test",
	                     .note = (char *)"thank.others=georgia@client.test\n"};
	struct referral_rec r = {.status = "new", .at = NOW};
	char *data = NULL, *err = NULL, *text;
	size_t len = 0;

	assert_int_equal(
	        store_person_ensure(f->st, "sarah@partner.test", "Sarah Lee", NOW, &r.referrer_id),
	        0);
	assert_int_equal(store_person_ensure(f->st, "nameless@client.test", NULL, NOW, &r.lead_id),
	                 0);
	assert_int_equal(store_referral_add(f->st, &r, &j.referral_id), 0);
	assert_int_equal(outbox_render(f->ob, &j, &data, &len, &err), 0);
	text = text_of(data);
	assert_non_null(strstr(
	        text, "Thank you for introducing nameless@client.test and georgia@client.test"));
	assert_null(strstr(text, "someone you know"));
	free(text);
	free(data);
}

/* `templates render --variant`: every variant of its mail renders, one of
 * another mail is refused, an unknown one names the known ones. */
static void test_preview_variants(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *variant;
		enum mail_kind kind;
		const char *want;
	} cases[] = {
	        {"contacted", MAIL_UPDATE_REFERRER, "been in touch"},
	        {"won", MAIL_UPDATE_REFERRER, "Good news"},
	        {"lost", MAIL_UPDATE_REFERRER, "did not work out"},
	        {"credit-kept", MAIL_UPDATE_REFERRER, "stays credited to you"},
	        {"credit-moved", MAIL_UPDATE_REFERRER, "most recent introduction is credited"},
	        {"second-referrer", MAIL_THANK_REFERRER, "Hi Alex,"},
	        {"reward", MAIL_REWARD_REFERRER, "Your referral reward is"},
	        {"optout", MAIL_NOTIFY_REP, "bob@client.test asked us not to send"},
	        {"bounce", MAIL_NOTIFY_REP, "Mail to bob@client.test bounces"},
	};
	char *data = NULL, *err = NULL, *text;
	size_t len = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		if (outbox_preview(f->ob, cases[i].kind, f->rid, 0, cases[i].variant, &data, &len,
		                   &err) != 0)
			fail_msg("%s: %s", cases[i].variant, err);
		text = text_of(data);
		if (strstr(text, cases[i].want) == NULL)
			fail_msg("%s: no \"%s\" in\n%s", cases[i].variant, cases[i].want, text);
		free(text);
		free(data);
	}
	assert_int_equal(
	        outbox_preview(f->ob, MAIL_WELCOME_LEAD, f->rid, 0, "won", &data, &len, &err), -1);
	assert_string_equal(err, "the variant won is of update-referrer, not welcome-lead");
	free(err);
	assert_int_equal(
	        outbox_preview(f->ob, MAIL_UPDATE_REFERRER, f->rid, 0, "wn", &data, &len, &err),
	        -1);
	assert_non_null(
	        strstr(err, "no variant 'wn' (variants: contacted, won, lost (update-referrer), "));
	free(err);
}

/* The review mail: to the admin, about no one referral, Reply-To the
 * +review address, its items as they are now; `templates render` of it
 * and of refused-rep. */
static void test_review_mails(void **state)
{
	struct fx *f = *state;
	struct job_view j = {0};
	char *data = NULL, *err = NULL, *text;
	size_t len = 0;

	f->cfg.admin = "admin@biz.test";
	assert_int_equal(store_referral_set_status(f->st, f->rid, "held", 0, 0, NOW), 1);
	j.template = (char *)"review-admin";
	j.recipient = (char *)"admin@biz.test";
	j.message_key = (char *)"review-admin.1@biz.test";
	j.note = (char *)"review.referrals=1 77\n";
	assert_int_equal(outbox_render(f->ob, &j, &data, &len, &err), 0);
	assert_non_null(strstr(data, "To: admin@biz.test"));
	assert_non_null(strstr(data, "Reply-To: Brightpath Renovations <agent+review@biz.test>"));
	assert_null(strstr(data, "X-Refagent-Referral"));
	assert_null(strstr(data, "List-Unsubscribe"));
	assert_non_null(strstr(data, "Subject: For your review: 1 waiting"));
	text = text_of(data);
	assert_non_null(strstr(text, "#1 held: no reason recorded; lead Bob Smith "
	                             "<bob@client.test>; referrer Sarah Lee <sarah@partner.test>, "
	                             "\"Re: Bob, meet us\"\n#77 no longer exists\n"));
	free(text);
	free(data);

	/* templates render: the referral as its one item */
	assert_int_equal(
	        outbox_preview(f->ob, MAIL_REVIEW_ADMIN, f->rid, 0, NULL, &data, &len, &err), 0);
	assert_non_null(strstr(data, "To: admin@biz.test"));
	assert_non_null(strstr(data, "agent+review@biz.test"));
	assert_non_null(strstr(data, "#1 held: "));
	free(data);
	assert_int_equal(
	        outbox_preview(f->ob, MAIL_REFUSED_REP, f->rid, 0, NULL, &data, &len, &err), 0);
	assert_non_null(strstr(data, "To: Tom Rivera <tom@biz.test>"));
	assert_non_null(strstr(data, "Subject: Not applied: your mail to Bob Smith (referral #1)"));
	assert_non_null(strstr(data, "Reply-To: Brightpath Renovations <agent+r1@biz.test>"));
	free(data);
	f->cfg.admin = NULL;
	assert_int_equal(
	        outbox_preview(f->ob, MAIL_REVIEW_ADMIN, f->rid, 0, NULL, &data, &len, &err), -1);
	assert_non_null(strstr(err, "nobody to send review-admin to"));
	free(err);
}

/* The mails about many referrals: a digest lists its referrals as they
 * are now (a name from mail on one line, a referral gone is left out),
 * belongs to none of them; the weekly summary carries the week's facts;
 * `templates render` shows each, and the paid thank-you with an amount. */
static void test_digest_and_summary(void **state)
{
	struct fx *f = *state;
	struct job_view j = {.template = (char *)"digest-rep",
	                     .recipient = (char *)"tom@biz.test",
	                     .recipient_name = (char *)"Tom Rivera",
	                     .message_key = (char *)"d1@biz.test"};
	struct referral_rec r = {.status = "new", .at = NOW, .need = "a new\nBcc: roof"};
	char *data = NULL, *err = NULL, *text, note[64];
	size_t len = 0;
	int64_t second = 0;

	assert_int_equal(
	        store_person_ensure(f->st, "dana@client.test", "Dana White", NOW, &r.lead_id), 0);
	assert_int_equal(store_referral_add(f->st, &r, &second), 0);
	snprintf(note, sizeof(note), "digest=%lld %lld 999\n", (long long)f->rid,
	         (long long)second);
	j.note = note;
	assert_int_equal(outbox_render(f->ob, &j, &data, &len, &err), 0);
	text = text_of(data);
	assert_non_null(strstr(text, "Subject: Your new referrals (2) - Brightpath Renovations"));
	assert_non_null(strstr(text, "Hi Tom,"));
	assert_non_null(strstr(text, "#1\n  Lead:      Bob Smith\n  Email:     bob@client.test"));
	assert_non_null(strstr(text, "#2\n  Lead:      Dana White"));
	assert_non_null(strstr(text, "  Need:      a new Bcc: roof\n"));
	assert_null(strstr(text, "#999"));
	assert_null(strstr(text, "X-Refagent-Referral"));
	free(text);
	free(data);

	j.template = (char *)"weekly-admin";
	j.recipient = (char *)"owner@biz.test";
	j.recipient_name = NULL;
	j.note = (char *)"weekly.from=24 November 2026\nweekly.to=1 December 2026\n"
	                 "weekly.new=5\nweekly.won=1\nweekly.won_value=$12,000\nweekly.held=0\n"
	                 "weekly.waiting=3\nweekly.overdue=1\nweekly.owed=$250\n"
	                 "weekly.owed_count=1\n";
	assert_int_equal(outbox_render(f->ob, &j, &data, &len, &err), 0);
	text = text_of(data);
	assert_non_null(strstr(text, "Subject: Referrals this week: 5 new, 1 won"));
	assert_non_null(strstr(text, "from 24 November 2026 to 1 December 2026"));
	assert_non_null(strstr(text, "Won:                          1 ($12,000)"));
	assert_non_null(strstr(text, "In review (held):             0"));
	assert_non_null(strstr(text, "Of them overdue:              1"));
	assert_non_null(strstr(text, "Rewards owed:                 $250 (1)"));
	free(text);
	free(data);

	/* previews: the digest of the referral given, the summary of this
	 * week, the amount the reward would be */
	assert_int_equal(outbox_preview(f->ob, MAIL_DIGEST_REP, f->rid, 0, NULL, &data, &len, &err),
	                 0);
	assert_non_null(strstr(data, "To: Tom Rivera <tom@biz.test>"));
	assert_non_null(strstr(data, "Lead:      Bob Smith"));
	assert_null(strstr(data, "X-Refagent-Referral"));
	free(data);
	assert_int_equal(
	        outbox_preview(f->ob, MAIL_WEEKLY_ADMIN, f->rid, 0, NULL, &data, &len, &err), -1);
	assert_non_null(strstr(err, "nobody to send weekly-admin to"));
	free(err);
	f->cfg.admin = "owner@biz.test";
	assert_int_equal(
	        outbox_preview(f->ob, MAIL_WEEKLY_ADMIN, f->rid, 0, NULL, &data, &len, &err), 0);
	text = text_of(data);
	assert_non_null(strstr(text, "To: owner@biz.test"));
	assert_non_null(strstr(text, "New referrals:                2"));
	free(text);
	free(data);
	f->cfg.currency = "$";
	f->cfg.reward[0] = "250";
	assert_int_equal(
	        outbox_preview(f->ob, MAIL_PAID_REFERRER, f->rid, 0, NULL, &data, &len, &err), 0);
	text = text_of(data);
	assert_non_null(strstr(text, "Subject: Your referral reward of $250 has been paid"));
	assert_non_null(strstr(text, "Hi Sarah,"));
	assert_non_null(strstr(text, "for introducing Bob Smith."));
	free(text);
	free(data);
}

/* The text part of a rendered message, decoded enough to read: soft line
 * breaks of quoted-printable joined, "=3D" and "=20" undone. */
static char *text_of(const char *data)
{
	struct buf b = {0};

	for (const char *p = data; *p; p++) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n')
			p += 2;
		else if (strncmp(p, "=3D", 3) == 0)
			buf_addc(&b, '='), p += 2;
		else if (strncmp(p, "=20", 3) == 0)
			buf_addc(&b, ' '), p += 2;
		else if (*p != '\r')
			buf_addc(&b, *p);
	}
	return buf_steal(&b);
}

/* The lead opted out or bounces: the reminder says to call or go through
 * the referrer, never "reply to all" in a thread that cannot reach them. */
static void test_remind_unreachable(void **state)
{
	struct fx *f = *state;
	char *data = NULL, *err = NULL, *text;
	size_t len = 0;
	int changed = 0;

	assert_int_equal(outbox_preview(f->ob, MAIL_REMIND_REP, f->rid, 0, NULL, &data, &len, &err),
	                 0);
	text = text_of(data);
	assert_non_null(strstr(text, "Please reply to all in the introduction thread"));
	assert_null(strstr(text, "automated mail"));
	free(text);
	free(data);
	assert_int_equal(
	        store_person_opt_out(f->st, "bob@client.test", NOW - 10, "reply stop", &changed),
	        0);
	assert_int_equal(outbox_preview(f->ob, MAIL_REMIND_REP, f->rid, 0, NULL, &data, &len, &err),
	                 0);
	text = text_of(data);
	assert_non_null(strstr(text, "Bob asked us for no more automated mail (a personal note "
	                             "from you is fine)."));
	assert_non_null(strstr(text, "\"#status contacted\""));
	assert_null(strstr(text, "eply to all"));
	free(text);
	free(data);
}

/* Every mail is written for its own recipient: with a second referrer of
 * the same lead, each mail to either referrer greets that referrer and
 * never opens with the other's name; lead and rep mails greet the lead
 * and the rep. */
static void test_each_mail_for_its_recipient(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *to, *name, *greeting;
	} people[] = {
	        {"sarah@partner.test", "Sarah Lee", "Hi Sarah,"},
	        {"carlos@other.test", "Carlos Garcia", "Hi Carlos,"},
	};

	for (int k = 0; k < MAIL_COUNT; k++) {
		const struct mail_desc *d = &mail_table[k];

		for (size_t p = 0; p < ARRAY_SIZE(people); p++) {
			struct job_view j = {0};
			char *data = NULL, *err = NULL, *text;
			size_t len = 0;
			const char *greet = people[p].greeting,
			           *other = p ? "Hi Sarah" : "Hi Carlos";

			j.referral_id = f->rid;
			j.template = (char *)mail_name((enum mail_kind)k);
			j.message_key = (char *)"x1@biz.test";
			if (d->to == ROLE_REFERRER) {
				j.recipient = (char *)people[p].to;
				j.recipient_name = (char *)people[p].name;
			} else if (d->to == ROLE_LEAD) {
				j.recipient = (char *)"bob@client.test";
				j.recipient_name = (char *)"Bob Smith";
				greet = "Hi Bob,";
			} else {
				j.recipient = (char *)"tom@biz.test";
				j.recipient_name = (char *)"Tom Rivera";
				greet = "Hi Tom,";
			}
			if (outbox_render(f->ob, &j, &data, &len, &err) != 0)
				fail_msg("%s: %s", j.template, err ? err : "?");
			text = text_of(data);
			if (strstr(text, greet) == NULL || strstr(text, other) != NULL)
				fail_msg("%s to %s: want \"%s\":\n%s", j.template, j.recipient,
				         greet, text);
			free(text);
			free(data);
		}
	}
}

/* Names as directories, titles and mail clients write them: every mail
 * to the referrer greets "Sarah", never "Lee" or "Dr."; a name that is
 * only an address greets nobody by name. */
static void test_names_as_written(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *name, *greeting, *wrong;
	} names[] = {
	        {"Lee, Sarah", "Hi Sarah,", "Hi Lee"},
	        {"Dr. Sarah Lee", "Hi Sarah,", "Hi Dr"},
	        {"LEE Sarah", "Hi Sarah,", "Hi LEE"},
	        {"sarah@partner.test", "Hello,", "Hi sarah"},
	};

	for (int k = 0; k < MAIL_COUNT; k++) {
		if (mail_table[k].to != ROLE_REFERRER)
			continue;
		for (size_t n = 0; n < ARRAY_SIZE(names); n++) {
			struct job_view j = {0};
			char *data = NULL, *err = NULL, *text;
			size_t len = 0;

			j.referral_id = f->rid;
			j.template = (char *)mail_name((enum mail_kind)k);
			j.message_key = (char *)"x1@biz.test";
			j.recipient = (char *)"sarah@partner.test";
			j.recipient_name = (char *)names[n].name;
			if (outbox_render(f->ob, &j, &data, &len, &err) != 0)
				fail_msg("%s: %s", j.template, err ? err : "?");
			text = text_of(data);
			if (strstr(text, names[n].greeting) == NULL || strstr(text, names[n].wrong))
				fail_msg("%s to \"%s\": want \"%s\":\n%s", j.template,
				         names[n].name, names[n].greeting, text);
			free(text);
			free(data);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_daily_cap, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_business_hours, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_preview, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_preview_gateway_tag, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_note_facts, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_thanks_nameless_lead, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_preview_variants, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_digest_and_summary, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_names_as_written, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_remind_unreachable, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_each_mail_for_its_recipient, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_review_mails, setup, teardown),
	};
	int rc;

	message_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	message_shutdown();
	return rc;
}

/*
 * test_review.c - the admin's review (review.h): which items a review mail
 * lists and when (now, daily, nobody to tell), the lines it shows, the
 * admin's answers ("release all", confirmation by mail), and the "yes"
 * to a refused-rep mail, with the shipped rules and a real store.
 *
 * Messages the agent "sent" are recorded as the outbox records them (an
 * outgoing message under the job's Message-ID), so an answer can name
 * them in In-Reply-To as a mail client would.  The review mail itself is
 * rendered from the shipped template where an answer quotes it.
 */
#include "testutil.h"
#include "testdb.h"

#include <inttypes.h>

#include "clock.h"
#include "config.h"
#include "filter.h"
#include "intake.h"
#include "lifecycle.h"
#include "review.h"
#include "schedule.h"
#include "store.h"
#include "template.h"

static const int64_t TUESDAY = 1796119200; /* 2026-12-01 10:00 UTC */

#define PASS "mx.biz.test; dmarc=pass header.from=biz.test"

struct fx {
	char dir[64];
	struct config *cfg;
	struct filter_set *filters;
	struct store *st;
	struct intake in;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;

	snprintf(f->dir, sizeof(f->dir), "/tmp/refagent-review-XXXXXX");
	if (mkdtemp(f->dir) == NULL || config_load("tests/data/intake/refagent.conf", &f->cfg) != 0)
		return -1;
	free(f->cfg->database);
	f->cfg->database = xasprintf("%s/test.db", f->dir);
	if (filter_load(f->cfg->filters_dir, &f->filters) != 0 ||
	    test_store_open(f->cfg->database, 0, &f->st, &err) != 0)
		return -1;
	f->in = (struct intake){.cfg = f->cfg, .filters = f->filters, .st = f->st};
	schedule_init(f->cfg);
	clock_set(TUESDAY);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	store_close(f->st);
	filter_free(f->filters);
	config_free(f->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	clock_set(0);
	free(f);
	return 0;
}

static void set_authserv(struct fx *f, const char *id)
{
	free(f->cfg->authserv_id);
	f->cfg->authserv_id = id ? xstrdup(id) : NULL;
}

static enum intake_outcome feed(struct fx *f, const char *raw)
{
	struct intake_result res = {0};

	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(intake_raw(&f->in, raw, strlen(raw), NULL, &res), 0);
	assert_int_equal(store_commit(f->st), 0);
	free(res.why);
	return res.outcome;
}

static enum intake_outcome feed_file(struct fx *f, const char *name)
{
	char path[128], *data;
	enum intake_outcome o;

	snprintf(path, sizeof(path), "intake/%s", name);
	data = test_read_data(path, NULL);
	assert_non_null(data);
	o = feed(f, data);
	free(data);
	return o;
}

static int schedule(struct fx *f, int64_t now)
{
	int n = -1;

	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(review_schedule(f->st, f->cfg, now, &n), 0);
	assert_int_equal(store_commit(f->st), 0);
	return n;
}

/* The pending jobs of mail tmpl (to anyone), newest last. */
static size_t jobs_of(struct fx *f, const char *tmpl, struct job_view **v_r)
{
	struct job_view *v = NULL;
	size_t n = 0, k = 0;

	assert_int_equal(store_jobs_list(f->st, "pending", &v, &n), 0);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].template, tmpl) != 0) {
			store_job_view_clear(&v[i]);
			continue;
		}
		v[k++] = v[i];
	}
	*v_r = v;
	return k;
}

/* The Message-ID of the newest pending job of tmpl, recorded as sent (as
 * the outbox does), so that an answer can name it.  Caller frees. */
static char *sent_key(struct fx *f, const char *tmpl)
{
	struct job_view *v = NULL;
	size_t n = jobs_of(f, tmpl, &v);
	char *key;
	struct msg_rec m = {.direction = "out", .kind = tmpl, .at = clock_now()};

	if (n == 0)
		fail_msg("no pending %s", tmpl);
	key = xstrdup(v[n - 1].message_key);
	m.key = key;
	assert_int_equal(store_message_add(f->st, &m, NULL), 0);
	store_job_views_free(v, n);
	return key;
}

static const char *status_of(struct fx *f, int64_t id, char *buf, size_t len)
{
	struct referral_view v = {0};

	assert_int_equal(store_referral_get(f->st, id, &v, NULL, NULL), 1);
	snprintf(buf, len, "%s", v.status);
	store_referral_view_clear(&v);
	return buf;
}

/* An answer by mail from `from` to the message key, with an optional
 * Authentication-Results, whose text is body.  Caller frees. */
static char *answer(const char *from, const char *key, const char *auth, const char *body)
{
	static int n;

	return xasprintf("%s%s%sFrom: %s\nTo: agent@biz.test\nSubject: Re: your mail\n"
	                 "Message-ID: <answer-%d@biz.test>\nIn-Reply-To: <%s>\n"
	                 "References: <%s>\nContent-Type: text/plain\n\n%s\n",
	                 auth ? "Authentication-Results: " : "", auth ? auth : "", auth ? "\n" : "",
	                 from, ++n, key, key, body);
}

/* review = now: every new item at the next pass, each once; the lines say
 * why it waits, and what became of it since. */
static void test_schedule_now(void **state)
{
	struct fx *f = *state;
	struct job_view *v = NULL;
	struct msg_rec named = {.key = "<named-1@partner.test>",
	                        .direction = "in",
	                        .kind = REVIEW_MESSAGE_KIND,
	                        .why = "names \"my neighbour Dana\" without an address",
	                        .from_email = "sarah@partner.test",
	                        .subject = "You should talk to Dana",
	                        .at = TUESDAY};
	int64_t mid = 0, first = -1;
	char *text, *why = NULL, st[16];
	int count = 0;
	size_t n;

	assert_int_equal(schedule(f, TUESDAY), 0);
	assert_int_equal(feed_file(f, "too-many-leads.eml"), INTAKE_HELD);
	assert_int_equal(schedule(f, TUESDAY), 6);
	n = jobs_of(f, "review-admin", &v);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].recipient, "admin@biz.test");
	assert_int_equal(v[0].referral_id, 0);
	assert_string_equal(v[0].note, "review.referrals=1 2 3 4 5 6\n");
	text = review_items_text(f->st, v[0].note, &count, &first);
	assert_int_equal(count, 6);
	assert_int_equal(first, 1);
	assert_non_null(strstr(text, "#1 held: 6 leads is more than max_leads 5: looks like a mass "
	                             "mailing; lead a1@client.test; referrer Mark Spammy "
	                             "<mark@partner.test>, \"Meet everyone!\"\n#2 held: "));
	assert_null(strstr(text, "\n\n"));
	free(text);

	/* each is listed once */
	assert_int_equal(schedule(f, TUESDAY + 60), 0);
	store_job_views_free(v, n);
	assert_int_equal(jobs_of(f, "review-admin", &v), 1);
	store_job_views_free(v, 1);

	/* a message that named someone unreachable */
	assert_int_equal(store_message_add(f->st, &named, &mid), 0);
	assert_int_equal(schedule(f, TUESDAY + 120), 1);
	n = jobs_of(f, "review-admin", &v);
	assert_int_equal(n, 2);
	{
		char want[64];

		snprintf(want, sizeof(want), "review.messages=%" PRId64 "\n", mid);
		assert_string_equal(v[1].note, want);
	}
	text = review_items_text(f->st, v[1].note, &count, &first);
	assert_int_equal(count, 1);
	assert_int_equal(first, 0); /* no referral: no example to give */
	assert_non_null(strstr(text, "named someone we cannot reach: names \"my neighbour Dana\" "
	                             "without an address; from sarah@partner.test, \"You should "
	                             "talk to Dana\""));
	free(text);

	/* released meanwhile (from the command line): the line says so */
	{
		struct status_change c = {
		        .id = 2, .status = STATUS_NEW, .actor = "cli", .now = TUESDAY + 180};

		assert_int_equal(lifecycle_set_status(f->st, f->cfg, &c, &why), 0);
	}
	assert_string_equal(status_of(f, 2, st, sizeof(st)), "new");
	text = review_items_text(f->st, v[0].note, &count, &first);
	assert_int_equal(count, 5);
	assert_int_equal(first, 1);
	assert_non_null(strstr(text, "\n#2 no longer held (now new)\n#3 held: "));
	free(text);
	store_job_views_free(v, n);
}

/* review = daily: inside business hours, at most one a day. */
static void test_schedule_daily(void **state)
{
	struct fx *f = *state;
	struct job_view *v = NULL;
	const int64_t saturday = TUESDAY + 4 * 86400;

	f->cfg->review_daily = 1;
	assert_int_equal(feed_file(f, "too-many-leads.eml"), INTAKE_HELD);
	assert_int_equal(schedule(f, TUESDAY - 3 * 3600), 0); /* 07:00: closed */
	assert_int_equal(schedule(f, TUESDAY), 6);
	assert_int_equal(feed_file(f, "struct-thin.eml"), INTAKE_HELD);
	assert_int_equal(schedule(f, TUESDAY + 5 * 3600), 0);     /* 15:00: one today already */
	assert_int_equal(schedule(f, saturday), 0);               /* Saturday: closed */
	assert_int_equal(schedule(f, TUESDAY + 86400 - 3600), 1); /* Wednesday 09:00 */
	assert_int_equal(jobs_of(f, "review-admin", &v), 2);
	store_job_views_free(v, 2);
}

/* No admin: each item is logged once, and no mail is made. */
static void test_schedule_no_admin(void **state)
{
	struct fx *f = *state;
	struct stderr_capture c;
	struct job_view *v = NULL;
	char *out;

	free(f->cfg->admin);
	f->cfg->admin = NULL;
	assert_int_equal(feed_file(f, "struct-thin.eml"), INTAKE_HELD);
	stderr_capture_begin(&c);
	assert_int_equal(schedule(f, TUESDAY), 1);
	assert_int_equal(schedule(f, TUESDAY + 60), 0);
	out = stderr_capture_end(&c);
	assert_non_null(strstr(out, "#1 held: thin evidence for introduction: confidence 3"));
	assert_non_null(strstr(out, "nobody reviews it, no [agent] admin is set (refagent list "
	                            "--status held)"));
	assert_null(strstr(strstr(out, "nobody reviews it") + 1, "nobody reviews it"));
	free(out);
	assert_int_equal(jobs_of(f, "review-admin", &v), 0);
	free(v);
}

/* "release all" answering the review mail: the held ones it listed, not
 * one held since; the outcome goes back to the admin. */
static void test_release_all(void **state)
{
	struct fx *f = *state;
	struct job_view *v = NULL;
	char *key, *raw, st[16];
	size_t n;

	set_authserv(f, "mx.biz.test");
	assert_int_equal(feed_file(f, "too-many-leads.eml"), INTAKE_HELD);
	assert_int_equal(schedule(f, TUESDAY), 6);
	key = sent_key(f, "review-admin");
	assert_int_equal(feed_file(f, "struct-thin.eml"), INTAKE_HELD); /* #7, not listed */
	raw = answer("Olivia Admin <admin@biz.test>", key, PASS, "Release all\n\nOlivia");
	assert_int_equal(feed(f, raw), INTAKE_REPLY);
	free(raw);
	for (int64_t id = 1; id <= 6; id++)
		assert_string_equal(status_of(f, id, st, sizeof(st)), "new");
	assert_string_equal(status_of(f, 7, st, sizeof(st)), "held");
	n = jobs_of(f, "review-admin", &v);
	assert_int_equal(n, 2);
	assert_string_equal(v[1].note, "review.done=released #1; released #2; released #3; "
	                               "released #4; released #5; released #6\n");
	store_job_views_free(v, n);
	/* one intro: its referrer is thanked once, not once a lead */
	n = jobs_of(f, "thank-referrer", &v);
	assert_int_equal(n, 1);
	store_job_views_free(v, n);
	n = jobs_of(f, "welcome-lead", &v);
	assert_int_equal(n, 6);
	store_job_views_free(v, n);
	free(key);
}

/* Leads of one held intro released one at a time, days apart: the
 * referrer's thank-you went out with the first; the second brings the
 * lead's welcome and no second thank-you. */
static void test_release_one_by_one(void **state)
{
	struct fx *f = *state;
	struct job_view *v = NULL;
	char *key, *raw;
	size_t n;

	set_authserv(f, "mx.biz.test");
	assert_int_equal(feed_file(f, "too-many-leads.eml"), INTAKE_HELD);
	assert_int_equal(schedule(f, TUESDAY), 6);
	key = sent_key(f, "review-admin");
	raw = answer("Olivia Admin <admin@biz.test>", key, PASS, "release 2");
	assert_int_equal(feed(f, raw), INTAKE_REPLY);
	free(raw);
	n = jobs_of(f, "thank-referrer", &v);
	assert_int_equal(n, 1);
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(store_job_sent(f->st, v[0].id, TUESDAY + 60, "250 ok"), 0);
	assert_int_equal(store_commit(f->st), 0);
	store_job_views_free(v, n);

	clock_set(TUESDAY + 3 * 86400);
	raw = answer("Olivia Admin <admin@biz.test>", key, PASS, "release 5");
	assert_int_equal(feed(f, raw), INTAKE_REPLY);
	free(raw);
	n = jobs_of(f, "thank-referrer", &v);
	assert_int_equal(n, 0);
	store_job_views_free(v, n);
	n = jobs_of(f, "welcome-lead", &v);
	assert_int_equal(n, 2);
	store_job_views_free(v, n);
	free(key);
}

/* No authserv_id: the admin confirms by answering "yes"; a "yes" from
 * anyone else is not an answer. */
static void test_confirm_by_mail(void **state)
{
	struct fx *f = *state;
	struct job_view *v = NULL;
	char *key, *ckey, *raw, st[16];
	size_t n;

	assert_int_equal(feed_file(f, "too-many-leads.eml"), INTAKE_HELD);
	assert_int_equal(schedule(f, TUESDAY), 6);
	key = sent_key(f, "review-admin");
	raw = answer("admin@biz.test", key, NULL, "reject 2\nrelease 3");
	assert_int_equal(feed(f, raw), INTAKE_REPLY);
	free(raw);
	assert_string_equal(status_of(f, 2, st, sizeof(st)), "held");
	n = jobs_of(f, "confirm-status", &v);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].recipient, "admin@biz.test");
	assert_string_equal(v[0].note, "confirm.admin=yes\nconfirm.action=release #3; reject #2\n");
	store_job_views_free(v, n);
	ckey = sent_key(f, "confirm-status");
	raw = answer("mark@partner.test", ckey, NULL, "yes");
	feed(f, raw); /* not the admin: no answer to the confirmation */
	free(raw);
	assert_string_equal(status_of(f, 2, st, sizeof(st)), "held");
	raw = answer("admin@biz.test", ckey, NULL, "Yes, thanks");
	assert_int_equal(feed(f, raw), INTAKE_REPLY);
	free(raw);
	assert_string_equal(status_of(f, 2, st, sizeof(st)), "rejected");
	assert_string_equal(status_of(f, 3, st, sizeof(st)), "new");
	n = jobs_of(f, "review-admin", &v);
	assert_int_equal(n, 2);
	assert_non_null(strstr(v[1].note, "review.done=released #3; rejected #2\n"));
	assert_non_null(strstr(v[1].note, "review.referrals=1 4 5 6\n"));
	store_job_views_free(v, n);
	free(key);
	free(ckey);
}

/* An intro read the wrong way round, held (the text names a referrer who
 * is neither the writer nor the one addressed): "swap 1" releases it
 * with the referrer and the lead exchanged, after the admin's yes; "swap
 * all" is never taken. */
static void test_swap(void **state)
{
	struct fx *f = *state;
	struct job_view *v = NULL;
	struct referral_view r = {0};
	char *key, *ckey, *raw, st[16];
	size_t n;

	assert_int_equal(feed_file(f, "intro-names-stranger.eml"), INTAKE_HELD);
	assert_int_equal(schedule(f, TUESDAY), 1);
	key = sent_key(f, "review-admin");
	raw = answer("admin@biz.test", key, NULL, "swap all");
	assert_int_equal(feed(f, raw), INTAKE_REPLY);
	free(raw);
	assert_string_equal(status_of(f, 1, st, sizeof(st)), "held");
	n = jobs_of(f, "review-admin", &v);
	assert_int_equal(n, 2);
	assert_non_null(strstr(v[1].note, "review.done=nothing done; \"swap all\": name each "
	                                  "referral to swap\n"));
	store_job_views_free(v, n);

	raw = answer("admin@biz.test", key, NULL, "Swap #1\n\nOlivia");
	assert_int_equal(feed(f, raw), INTAKE_REPLY);
	free(raw);
	assert_string_equal(status_of(f, 1, st, sizeof(st)), "held");
	n = jobs_of(f, "confirm-status", &v);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].note, "confirm.admin=yes\nconfirm.action=swap #1\n");
	store_job_views_free(v, n);
	ckey = sent_key(f, "confirm-status");
	raw = answer("admin@biz.test", ckey, NULL, "yes");
	assert_int_equal(feed(f, raw), INTAKE_REPLY);
	free(raw);
	assert_int_equal(store_referral_get(f->st, 1, &r, NULL, NULL), 1);
	assert_string_equal(r.status, "new");
	assert_string_equal(r.lead.email, "jamie.ortiz@gmail.com");
	assert_string_equal(r.referrer.email, "r.okafor@yahoo.com");
	store_referral_view_clear(&r);
	n = jobs_of(f, "welcome-lead", &v);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].recipient, "jamie.ortiz@gmail.com");
	store_job_views_free(v, n);
	n = jobs_of(f, "thank-referrer", &v);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].recipient, "r.okafor@yahoo.com");
	store_job_views_free(v, n);
	n = jobs_of(f, "review-admin", &v);
	assert_non_null(strstr(v[n - 1].note, "review.done=released #1 with the referrer and the "
	                                      "lead exchanged\n"));
	store_job_views_free(v, n);
	free(key);
	free(ckey);
}

/* A forged status line: refused, the rep told; the rep's verified "yes"
 * to that mail applies it, an unverified one does not. */
static void test_refused_then_yes(void **state)
{
	struct fx *f = *state;
	struct job_view *v = NULL;
	char *key, *raw, st[16];
	struct confirmation_view c;

	set_authserv(f, "mx.biz.test");
	assert_int_equal(feed_file(f, "intro-basic.eml"), INTAKE_REFERRAL);
	assert_int_equal(feed_file(f, "rep-status-unverified.eml"), INTAKE_REPLY);
	assert_string_equal(status_of(f, 1, st, sizeof(st)), "new");
	key = sent_key(f, "refused-rep");
	/* neither yes nor no: nothing, and no mail; an auto-reply is not
	 * even a reply (no loop either way) */
	raw = answer("Tom Rivera <rep@biz.test>", key, NULL,
	             "I am out of the office until Monday with limited access to email.");
	assert_int_equal(feed(f, raw), INTAKE_IGNORED);
	free(raw);
	raw = answer("Tom Rivera <rep@biz.test>", key, NULL, "Let me check with the client first.");
	assert_int_equal(feed(f, raw), INTAKE_REPLY);
	free(raw);
	assert_int_equal(jobs_of(f, "refused-rep", &v), 1);
	store_job_views_free(v, 1);
	/* an unverified yes: refused, told, the confirmation still waits */
	raw = answer("Tom Rivera <rep@biz.test>", key, NULL, "yes");
	assert_int_equal(feed(f, raw), INTAKE_REPLY);
	free(raw);
	assert_string_equal(status_of(f, 1, st, sizeof(st)), "new");
	assert_int_equal(jobs_of(f, "refused-rep", &v), 2);
	assert_non_null(strstr(v[1].note, "refused.unverified=yes"));
	assert_null(strstr(v[1].note, "refused.action"));
	store_job_views_free(v, 2);
	assert_int_equal(store_confirmation_find(f->st, key, &c), 1);
	assert_string_equal(c.state, "pending");
	store_confirmation_clear(&c);
	raw = answer("Tom Rivera <rep@biz.test>", key, PASS, "yes");
	assert_int_equal(feed(f, raw), INTAKE_REPLY);
	free(raw);
	assert_string_equal(status_of(f, 1, st, sizeof(st)), "won");
	free(key);
}

/* A forged first contact: a claim; the rep's verified "yes" makes it the
 * first contact, and the reminder stops. */
static void test_claim_then_yes(void **state)
{
	struct fx *f = *state;
	struct job_view *v = NULL;
	char *key, *raw, st[16];
	size_t n;

	set_authserv(f, "mx.biz.test");
	assert_int_equal(feed_file(f, "intro-basic.eml"), INTAKE_REFERRAL);
	assert_int_equal(feed_file(f, "rep-reply-unverified.eml"), INTAKE_REPLY);
	n = jobs_of(f, "remind-rep", &v);
	assert_int_equal(n, 1);
	store_job_views_free(v, n);
	key = sent_key(f, "refused-rep");
	raw = answer("Tom Rivera <rep@biz.test>", key, PASS, "Yes, I wrote to Bob.");
	assert_int_equal(feed(f, raw), INTAKE_REPLY);
	free(raw);
	assert_string_equal(status_of(f, 1, st, sizeof(st)), "contacted");
	n = jobs_of(f, "remind-rep", &v);
	assert_int_equal(n, 0);
	free(v);
	free(key);
}

/* A line checked before the rep is asked is checked again at the "yes":
 * the referral may have moved on meanwhile.  Here it got to the status the
 * line asks for: the yes has nothing left to do, is noted ("unchanged")
 * and mails nobody (no "not applied" for what is done). */
static void test_yes_checked_again(void **state)
{
	struct fx *f = *state;
	struct job_view *v = NULL;
	char *key, *raw, *why = NULL, st[16];
	struct status_change c = {
	        .id = 1, .status = STATUS_CONTACTED, .actor = "cli", .now = TUESDAY};
	struct confirmation_view conf;

	set_authserv(f, "mx.biz.test");
	assert_int_equal(feed_file(f, "intro-basic.eml"), INTAKE_REFERRAL);
	/* not vouched for, and new: "#status contacted" would change it */
	assert_int_equal(feed_file(f, "rep-status-contacted.eml"), INTAKE_REPLY);
	assert_string_equal(status_of(f, 1, st, sizeof(st)), "new");
	key = sent_key(f, "refused-rep");
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(lifecycle_set_status(f->st, f->cfg, &c, &why), 0);
	assert_int_equal(store_commit(f->st), 0);
	raw = answer("Tom Rivera <rep@biz.test>", key, PASS, "yes");
	assert_int_equal(feed(f, raw), INTAKE_REPLY);
	free(raw);
	assert_string_equal(status_of(f, 1, st, sizeof(st)), "contacted");
	assert_int_equal(jobs_of(f, "refused-rep", &v), 1);
	store_job_views_free(v, 1);
	{
		struct referral_view rv;
		struct event_view *ev = NULL;
		size_t nev = 0, unchanged = 0;

		assert_int_equal(store_referral_get(f->st, 1, &rv, &ev, &nev), 1);
		for (size_t i = 0; i < nev; i++)
			unchanged += strcmp(ev[i].kind, "unchanged") == 0 &&
			             strstr(ev[i].detail, "has that status already") != NULL;
		assert_int_equal(unchanged, 1);
		store_event_views_free(ev, nev);
		store_referral_view_clear(&rv);
	}
	assert_int_equal(store_confirmation_find(f->st, key, &conf), 1);
	assert_string_equal(conf.state, "applied");
	store_confirmation_clear(&conf);
	free(key);
}

/* text with its lines re-wrapped at width columns, as a mail client that
 * quotes without "> " may do.  Caller frees. */
static char *rewrap(const char *text, size_t width)
{
	struct buf b = {0};
	size_t col = 0;

	for (const char *p = text; *p;) {
		size_t n = strcspn(p, " \n");

		if (col && col + 1 + n > width) {
			buf_addc(&b, '\n');
			col = 0;
		} else if (col) {
			buf_addc(&b, ' ');
			col++;
		}
		buf_add(&b, p, n);
		col += n;
		p += n;
		if (*p == '\n') {
			buf_addc(&b, '\n');
			col = 0;
		}
		if (*p)
			p++;
	}
	return buf_steal(&b);
}

/* The review mail quoted whole without "> " and without a line that
 * says a quote starts, wrapped at any width, carries out none of its
 * examples: they name a real held referral. */
static void test_unmarked_quote(void **state)
{
	struct fx *f = *state;
	struct template_set *set = NULL;
	struct job_view *v = NULL;
	struct rendered r;
	char *key, *items, st[16], count_s[16], first_s[24];
	int count = 0;
	int64_t first = 0;
	size_t n;

	set_authserv(f, "mx.biz.test");
	assert_int_equal(feed_file(f, "too-many-leads.eml"), INTAKE_HELD);
	assert_int_equal(schedule(f, TUESDAY), 6);
	n = jobs_of(f, "review-admin", &v);
	assert_int_equal(n, 1);
	items = review_items_text(f->st, v[0].note, &count, &first);
	store_job_views_free(v, n);
	assert_int_equal(first, 1);
	snprintf(count_s, sizeof(count_s), "%d", count);
	snprintf(first_s, sizeof(first_s), "%" PRId64, first);
	key = sent_key(f, "review-admin");
	assert_int_equal(template_load("templates", &set), 0);
	const struct tvar vars[] = {{"business.name", "Brightpath"},
	                            {"to.first_name", "Olivia"},
	                            {"review.items", items},
	                            {"review.count", count_s},
	                            {"review.example", first_s}};
	assert_int_equal(template_render(set, MAIL_REVIEW_ADMIN, vars, ARRAY_SIZE(vars), &r, NULL),
	                 0);
	assert_non_null(strstr(r.text, "\"release 1\""));
	for (size_t width = 8; width <= 80; width++) {
		char *quoted = rewrap(r.text, width);
		char *body = xasprintf("I will look at these tomorrow.\n\n%s", quoted);
		char *raw = answer("Olivia Admin <admin@biz.test>", key, PASS, body);

		feed(f, raw);
		for (int64_t id = 1; id <= 6; id++)
			if (strcmp(status_of(f, id, st, sizeof(st)), "held") != 0)
				fail_msg("wrapped at %zu: #%" PRId64 " is %s", width, id, st);
		free(raw);
		free(body);
		free(quoted);
	}
	rendered_clear(&r);
	template_free(set);
	free(items);
	free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_schedule_now, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_schedule_daily, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_schedule_no_admin, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_release_all, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_release_one_by_one, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unmarked_quote, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_confirm_by_mail, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_swap, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_refused_then_yes, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_claim_then_yes, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_yes_checked_again, setup, teardown),
	};
	int rc;

	message_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	message_shutdown();
	return rc;
}

/*
 * test_intake.c - every intake rule of DESIGN.md against a message in
 * tests/data/intake/, with the shipped rules in filters/ and a real SQLite
 * store in a temporary directory.  Each test fails when its rule breaks.
 */
#include "testutil.h"

#include <inttypes.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "filter.h"
#include "intake.h"
#include "message.h"
#include "store.h"

struct fx {
	char dir[64];
	char *db;
	struct config *cfg;
	struct filter_set *filters;
	struct store *st;
	struct intake in;
};

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;

	snprintf(f->dir, sizeof(f->dir), "/tmp/refagent-intake-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	if (config_load("tests/data/intake/refagent.conf", &f->cfg) != 0)
		return -1;
	free(f->cfg->database);
	f->cfg->database = xasprintf("%s/test.db", f->dir);
	if (filter_load(f->cfg->filters_dir, &f->filters) != 0)
		return -1;
	if (store_open(f->cfg->database, 0, &f->st, &err) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	f->in = (struct intake){.cfg = f->cfg, .filters = f->filters, .st = f->st};
	clock_set(1796000000);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char path[128];

	store_close(f->st);
	filter_free(f->filters);
	config_free(f->cfg);
	snprintf(path, sizeof(path), "%s/test.db", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/test.db-wal", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/test.db-shm", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Ingests tests/data/intake/NAME in its own transaction; returns the
 * outcome and sets *ref to the referral made or touched. */
static enum intake_outcome ingest(struct fx *f, const char *name, int64_t *ref)
{
	char path[128];
	size_t len = 0;
	char *data;
	struct intake_source src = {.path = name};
	struct intake_result res = {0};

	snprintf(path, sizeof(path), "intake/%s", name);
	data = test_read_data(path, &len);
	assert_non_null(data);
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(intake_raw(&f->in, data, len, &src, &res), 0);
	assert_int_equal(store_commit(f->st), 0);
	if (ref)
		*ref = res.referral;
	free(res.why);
	free(data);
	return res.outcome;
}

static size_t count_referrals(struct fx *f, const char *status)
{
	struct referral_view *v = NULL;
	size_t n = 0;

	assert_int_equal(store_referral_list(f->st, status, &v, &n), 0);
	store_referral_views_free(v, n);
	return n;
}

struct shown {
	struct referral_view v;
	struct event_view *ev;
	size_t nev;
};

static void get(struct fx *f, int64_t id, struct shown *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(store_referral_get(f->st, id, &s->v, &s->ev, &s->nev), 1);
}

static void unget(struct shown *s)
{
	store_referral_view_clear(&s->v);
	store_event_views_free(s->ev, s->nev);
}

static int has_event(const struct shown *s, const char *kind, const char *detail_part)
{
	for (size_t i = 0; i < s->nev; i++)
		if (strcmp(s->ev[i].kind, kind) == 0 &&
		    (detail_part == NULL ||
		     (s->ev[i].detail && strstr(s->ev[i].detail, detail_part))))
			return 1;
	return 0;
}

/* Referrer = From; lead = To minus the agent; names, phone, company,
 * budget; the context has no signature. */
static void test_intro_basic(void **state)
{
	struct fx *f = *state;
	struct shown s;
	int64_t id = 0;

	assert_int_equal(ingest(f, "intro-basic.eml", &id), INTAKE_REFERRAL);
	assert_true(id > 0);
	get(f, id, &s);
	assert_string_equal(s.v.status, "new");
	assert_string_equal(s.v.referrer.name, "Sarah Lee");
	assert_string_equal(s.v.referrer.email, "sarah@partner.test");
	assert_string_equal(s.v.lead.name, "Bob Smith");
	assert_string_equal(s.v.lead.email, "bob@client.test");
	assert_string_equal(s.v.lead.phone, "(415) 555-0142");
	assert_string_equal(s.v.lead.company, "Northwind Advisors");
	assert_non_null(s.v.budget);
	assert_non_null(strstr(s.v.budget, "25,000"));
	assert_non_null(strstr(s.v.context, "introduce you to the team"));
	assert_null(strstr(s.v.context, "212 555 0199"));
	assert_null(strstr(s.v.context, "Partner, Lee"));
	assert_string_equal(s.v.rep_email, "rep@biz.test");
	assert_true(has_event(&s, "created", NULL));
	assert_true(
	        has_event(&s, "created", "assigned to Tom Rivera <rep@biz.test> (round robin)"));
	unget(&s);
	assert_int_equal(count_referrals(f, NULL), 1);
}

static void test_duplicate_message_id(void **state)
{
	struct fx *f = *state;

	assert_int_equal(ingest(f, "intro-basic.eml", NULL), INTAKE_REFERRAL);
	assert_int_equal(ingest(f, "intro-basic.eml", NULL), INTAKE_DUPLICATE);
	assert_int_equal(count_referrals(f, NULL), 1);
}

/* No Message-ID: a stable hash of the headers stands in. */
static void test_duplicate_header_hash(void **state)
{
	struct fx *f = *state;

	assert_int_equal(ingest(f, "no-message-id.eml", NULL), INTAKE_REFERRAL);
	assert_int_equal(ingest(f, "no-message-id.eml", NULL), INTAKE_DUPLICATE);
	assert_int_equal(count_referrals(f, NULL), 1);
}

static void test_automated_never_referral(void **state)
{
	struct fx *f = *state;
	int64_t n = 0;

	assert_int_equal(ingest(f, "auto-reply.eml", NULL), INTAKE_IGNORED);
	assert_int_equal(ingest(f, "list-mail.eml", NULL), INTAKE_IGNORED);
	assert_int_equal(ingest(f, "bounce.eml", NULL), INTAKE_IGNORED);
	assert_int_equal(count_referrals(f, NULL), 0);
	assert_int_equal(store_message_count(f->st, "automated", &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_message_count(f->st, "bounce", &n), 0);
	assert_int_equal(n, 1);
}

/* Replies in a known thread are recorded on their referral, through
 * In-Reply-To and through References of a reply to a reply; the rep's
 * reply to the lead is the first contact. */
static void test_reply_in_thread(void **state)
{
	struct fx *f = *state;
	int64_t id = 0, rid = 0;
	struct shown s;

	assert_int_equal(ingest(f, "intro-basic.eml", &id), INTAKE_REFERRAL);
	assert_int_equal(ingest(f, "reply-in-thread.eml", &rid), INTAKE_REPLY);
	assert_int_equal(rid, id);
	assert_int_equal(ingest(f, "rep-status-line.eml", &rid), INTAKE_REPLY);
	assert_int_equal(rid, id);
	get(f, id, &s);
	assert_true(has_event(&s, "reply", "bob@client.test"));
	assert_true(has_event(&s, "reply", "#status qualified"));
	/* the rep's reply reached the lead: first contact */
	assert_string_equal(s.v.status, "contacted");
	assert_true(s.v.first_contact_at > 0);
	/* no trusted Authentication-Results configured: the status line waits
	 * for the rep's confirmation by mail */
	assert_true(has_event(&s, "confirm", "asked rep@biz.test to confirm"));
	unget(&s);
	assert_int_equal(count_referrals(f, NULL), 1);
}

/* The agent only in Delivered-To (bcc): still an intro. */
static void test_bcc_agent(void **state)
{
	struct fx *f = *state;
	int64_t id = 0;
	struct shown s;

	assert_int_equal(ingest(f, "bcc-agent.eml", &id), INTAKE_REFERRAL);
	get(f, id, &s);
	assert_string_equal(s.v.lead.email, "lars@client.test");
	assert_string_equal(s.v.referrer.email, "mei@partner.test");
	unget(&s);
}

static void test_forward_inline(void **state)
{
	struct fx *f = *state;
	int64_t id = 0;
	struct shown s;

	assert_int_equal(ingest(f, "forward-inline.eml", &id), INTAKE_REFERRAL);
	get(f, id, &s);
	assert_string_equal(s.v.lead.email, "kenji@client.test");
	assert_string_equal(s.v.lead.name, "Kenji Tanaka");
	assert_string_equal(s.v.lead.phone, "503-555-0117");
	assert_string_equal(s.v.referrer.email, "anna@partner.test");
	unget(&s);
}

static void test_forward_attached(void **state)
{
	struct fx *f = *state;
	int64_t id = 0;
	struct shown s;

	assert_int_equal(ingest(f, "forward-attached.eml", &id), INTAKE_REFERRAL);
	get(f, id, &s);
	assert_string_equal(s.v.lead.email, "grace@client.test");
	assert_string_equal(s.v.lead.name, "Grace Murphy");
	unget(&s);
}

/* A web form names the referrer and the lead; the form service's From is
 * not the referrer, and its Auto-Submitted does not drop the lead. */
static void test_web_form(void **state)
{
	struct fx *f = *state;
	int64_t id = 0;
	struct shown s;

	assert_int_equal(ingest(f, "web-form.eml", &id), INTAKE_REFERRAL);
	get(f, id, &s);
	assert_string_equal(s.v.referrer.name, "David Ortiz");
	assert_null(s.v.referrer.email);
	assert_string_equal(s.v.lead.name, "Fatima Haddad");
	assert_string_equal(s.v.lead.email, "fatima@client.test");
	assert_string_equal(s.v.lead.phone, "+44 20 7946 0321");
	assert_non_null(s.v.budget);
	assert_non_null(strstr(s.v.budget, "20,000"));
	unget(&s);
}

/* The referrer wrote only to the agent and named the lead in the text. */
static void test_lead_from_body(void **state)
{
	struct fx *f = *state;
	int64_t id = 0;
	struct shown s;

	assert_int_equal(ingest(f, "body-lead.eml", &id), INTAKE_REFERRAL);
	get(f, id, &s);
	assert_string_equal(s.v.lead.email, "noah@client.test");
	assert_string_equal(s.v.referrer.email, "segun@partner.test");
	unget(&s);
}

static void test_too_many_leads_held(void **state)
{
	struct fx *f = *state;

	assert_int_equal(ingest(f, "too-many-leads.eml", NULL), INTAKE_HELD);
	assert_int_equal(count_referrals(f, "held"), 6);
	assert_int_equal(count_referrals(f, "new"), 0);
}

/* The same lead again (other case): a touch; the first referrer keeps the
 * credit. */
static void test_same_lead_touch(void **state)
{
	struct fx *f = *state;
	int64_t id = 0, tid = 0;
	struct shown s;

	assert_int_equal(ingest(f, "intro-basic.eml", &id), INTAKE_REFERRAL);
	assert_int_equal(ingest(f, "intro-second-referrer.eml", &tid), INTAKE_TOUCH);
	assert_int_equal(tid, id);
	assert_int_equal(count_referrals(f, NULL), 1);
	get(f, id, &s);
	assert_string_equal(s.v.referrer.email, "sarah@partner.test");
	assert_true(has_event(&s, "touch", "carlos@other.test"));
	unget(&s);
}

/* A rep among the recipients gets the referral; reps and business
 * addresses are never leads. */
static void test_rep_named(void **state)
{
	struct fx *f = *state;
	int64_t id = 0;
	struct shown s;

	assert_int_equal(ingest(f, "rep-named.eml", &id), INTAKE_REFERRAL);
	assert_int_equal(count_referrals(f, NULL), 1);
	get(f, id, &s);
	assert_string_equal(s.v.lead.email, "dmitri@client.test");
	assert_string_equal(s.v.rep_email, "rep2@biz.test");
	assert_string_equal(s.v.rep_name, "Ana Lopez");
	assert_true(has_event(&s, "created", "(named in the intro)"));
	unget(&s);
}

static void test_round_robin(void **state)
{
	struct fx *f = *state;
	int64_t a = 0, b = 0, c = 0;
	struct shown s;

	assert_int_equal(ingest(f, "intro-basic.eml", &a), INTAKE_REFERRAL);
	assert_int_equal(ingest(f, "bcc-agent.eml", &b), INTAKE_REFERRAL);
	assert_int_equal(ingest(f, "no-message-id.eml", &c), INTAKE_REFERRAL);
	get(f, a, &s);
	assert_string_equal(s.v.rep_email, "rep@biz.test");
	unget(&s);
	get(f, b, &s);
	assert_string_equal(s.v.rep_email, "rep2@biz.test");
	unget(&s);
	get(f, c, &s);
	assert_string_equal(s.v.rep_email, "rep@biz.test");
	unget(&s);
}

static void test_no_intro_phrase_held(void **state)
{
	struct fx *f = *state;

	assert_int_equal(ingest(f, "no-intro-phrase.eml", NULL), INTAKE_HELD);
	assert_int_equal(count_referrals(f, "held"), 1);
}

static void test_plus_address(void **state)
{
	struct fx *f = *state;
	int64_t id = 0, rid = 0;

	assert_int_equal(ingest(f, "intro-basic.eml", &id), INTAKE_REFERRAL);
	assert_int_equal(id, 1);
	assert_int_equal(ingest(f, "plus-address.eml", &rid), INTAKE_REPLY);
	assert_int_equal(rid, 1);
}

/* A subject tag counts only for someone who takes part. */
static void test_subject_tag(void **state)
{
	struct fx *f = *state;
	int64_t id = 0, rid = 0;

	assert_int_equal(ingest(f, "intro-basic.eml", &id), INTAKE_REFERRAL);
	assert_int_not_equal(ingest(f, "subject-tag-stranger.eml", &rid), INTAKE_REPLY);
	assert_int_equal(ingest(f, "subject-tag-participant.eml", &rid), INTAKE_REPLY);
	assert_int_equal(rid, id);
}

static void test_rfc2047_names(void **state)
{
	struct fx *f = *state;
	int64_t id = 0;
	struct shown s;

	assert_int_equal(ingest(f, "rfc2047-names.eml", &id), INTAKE_REFERRAL);
	get(f, id, &s);
	assert_string_equal(s.v.referrer.name, "J\xc3\xbcrgen M\xc3\xbcller");
	assert_string_equal(s.v.lead.name, "S\xc3\xb8ren \xc3\x98\x64\x65g\xc3\xa5rd");
	unget(&s);
}

static void test_html_only(void **state)
{
	struct fx *f = *state;
	int64_t id = 0;
	struct shown s;

	assert_int_equal(ingest(f, "html-only.eml", &id), INTAKE_REFERRAL);
	get(f, id, &s);
	assert_string_equal(s.v.lead.email, "raj@client.test");
	assert_string_equal(s.v.lead.phone, "617-555-0188");
	assert_null(strchr(s.v.context, '<'));
	assert_null(strstr(s.v.context, "color"));
	assert_non_null(strstr(s.v.context, "meet Brightpath & team"));
	unget(&s);
}

/* Bytes that are no message: recorded once as an error, then a duplicate. */
static void test_not_a_message(void **state)
{
	struct fx *f = *state;
	struct intake_source src = {.path = "junk"};
	struct intake_result res = {0};
	int64_t n = 0;

	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(intake_raw(&f->in, "", 0, &src, &res), 0);
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(res.outcome, INTAKE_ERROR);
	assert_non_null(res.why);
	free(res.why);
	memset(&res, 0, sizeof(res));
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(intake_raw(&f->in, "", 0, &src, &res), 0);
	assert_int_equal(store_commit(f->st), 0);
	assert_int_equal(res.outcome, INTAKE_DUPLICATE);
	free(res.why);
	assert_int_equal(store_message_count(f->st, "error", &n), 0);
	assert_int_equal(n, 1);
}

/* The decision alone writes nothing (what `filters test` relies on). */
static void test_decide_writes_nothing(void **state)
{
	struct fx *f = *state;
	struct intake_decision d;
	struct message *m = NULL;
	char *err = NULL, *data;
	size_t len = 0;
	int64_t n = -1;

	data = test_read_data("intake/intro-basic.eml", &len);
	assert_int_equal(message_parse(data, len, &m, &err), 0);
	m->context = filter_context(f->in.filters, m->body);
	assert_int_equal(intake_decide(&f->in, m, 1, &d), 0);
	assert_int_equal(d.outcome, INTAKE_REFERRAL);
	assert_true(d.fr.nhits > 0);
	assert_int_equal(store_message_count(f->st, NULL, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(count_referrals(f, NULL), 0);
	intake_decision_clear(&d);
	message_free(m);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_intro_basic, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_duplicate_message_id, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_duplicate_header_hash, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_automated_never_referral, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reply_in_thread, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bcc_agent, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_forward_inline, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_forward_attached, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_web_form, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_lead_from_body, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_too_many_leads_held, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_same_lead_touch, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rep_named, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_round_robin, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_no_intro_phrase_held, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_plus_address, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_subject_tag, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rfc2047_names, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_html_only, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_not_a_message, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_decide_writes_nothing, setup, teardown),
	};

	message_init();
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	message_shutdown();
	return rc;
}

/*
 * test_intake.c - every intake rule (README "Intake rules") against the
 * messages in tests/data/intake/, with the shipped rules in filters/ and a
 * real SQLite store in a temporary directory.
 *
 * The cases are a table: each row ingests one or more .eml files in order
 * and says what each must come to (the outcome, the referral it made or
 * touched and that referral's fields and events), then what the store must
 * hold at the end.  A new case is one .eml and one row.  Only cases that
 * need other setup (bytes that are no message, a decision without
 * applying it) are functions of their own.
 */
#include "testutil.h"
#include "testdb.h"

#include <inttypes.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "filter.h"
#include "intake.h"
#include "message.h"
#include "reply.h"
#include "store.h"

struct fx {
	char dir[64];
	char *db;
	struct config *cfg;
	struct filter_set *filters;
	struct store *st;
	struct intake in;
	const struct intake_case *c;
};

struct intake_case;

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	char *err = NULL;

	f->c = *state; /* the table row, NULL for the tests of their own */

	snprintf(f->dir, sizeof(f->dir), "/tmp/refagent-intake-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	if (config_load("tests/data/intake/refagent.conf", &f->cfg) != 0)
		return -1;
	free(f->cfg->database);
	f->cfg->database = xasprintf("%s/test.db", f->dir);
	if (filter_load(f->cfg->filters_dir, &f->filters) != 0)
		return -1;
	if (test_store_open(f->cfg->database, 0, &f->st, &err) != 0) {
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
 * outcome and sets *ref to the referral made or touched and *why (caller
 * frees; may be NULL) to the reason. */
/* A fixture answering the agent's own mail names it "<SENT:template>":
 * the Message-ID of the first mail of that template the agent sent (its
 * keys are random). */
static char *with_sent_keys(struct fx *f, char *data, size_t *len)
{
	char *at;

	while ((at = strstr(data, "<SENT:")) != NULL) {
		struct job_view *v = NULL;
		size_t n = 0, tl = strcspn(at + 6, ">");
		const char *key = NULL;
		char *out;

		assert_int_equal(store_jobs_list(f->st, "sent", &v, &n), 0);
		for (size_t i = n; i-- > 0;)
			if (strlen(v[i].template) == tl && strncmp(v[i].template, at + 6, tl) == 0)
				key = v[i].message_key;
		if (key == NULL)
			fail_msg("no sent %.*s to answer", (int)tl, at + 6);
		out = xasprintf("%.*s<%s%s", (int)(at - data), data, key, at + 6 + tl);
		store_job_views_free(v, n);
		free(data);
		data = out;
		*len = strlen(data);
	}
	return data;
}

static enum intake_outcome ingest(struct fx *f, const char *name, int64_t *ref, char **why)
{
	char path[128];
	size_t len = 0;
	char *data;
	struct intake_source src = {.path = name};
	struct intake_result res = {0};

	snprintf(path, sizeof(path), "intake/%s", name);
	data = test_read_data(path, &len);
	assert_non_null(data);
	data = with_sent_keys(f, data, &len);
	assert_int_equal(store_begin(f->st), 0);
	assert_int_equal(intake_raw(&f->in, data, len, &src, &res), 0);
	assert_int_equal(store_commit(f->st), 0);
	if (ref)
		*ref = res.referral;
	if (why)
		*why = res.why;
	else
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

/* ---- the cases ---- */

/* A field that must be absent (NULL) rather than equal to a text. */
#define ABSENT "(absent)"

#define MAX_STEPS  4
#define MAX_EVENTS 3
#define MAX_LACKS  2
#define MAX_COUNTS 6
#define MAX_AFTER  2

/* What the referral a step made or touched must hold; NULL: not checked. */
struct expect {
	const char *status;
	const char *referrer_name, *referrer_email;
	const char *lead_name, *lead_email, *lead_phone, *lead_company;
	const char *rep_name, *rep_email;
	const char *subject;                  /* the referral's subject */
	const char *budget_has;               /* a part of the budget */
	const char *need_has;                 /* a part of the need */
	const char *evidence_has;             /* a part of the stored evidence */
	const char *held_reason_has;          /* a part of the held reason */
	const char *context_has;              /* a part of the context */
	const char *context_lacks[MAX_LACKS]; /* texts the context must not hold */
	int first_contact;                    /* first_contact_at is set */
	const char *no_event;                 /* a kind of event it must not have */
	struct {
		const char *kind;
		const char *detail_has; /* NULL: any detail */
	} events[MAX_EVENTS];
};

struct step {
	const char *file;            /* under tests/data/intake/ */
	enum intake_outcome outcome; /* what the message comes to */
	int negate;                  /* 1: anything but outcome */
	int64_t id;                  /* the referral it must name, 0: any */
	int same_as;                 /* 1-based step whose referral it names */
	const char *why_has;         /* a part of the reason given */
	int sent;                    /* 1: first, the jobs due are sent (a report
	                                can bounce only mail that was) */
	struct expect e;
	struct expect e2; /* the referral made for the second lead */
};

/* After the last step: how many referrals have a status ("*": any), how
 * many messages were recorded as a kind, how many pending jobs of a
 * mail there are (to one recipient, NULL: any; whose note holds a text,
 * NULL: any note; answering a Message-ID, ABSENT: none, NULL: any), or
 * how many confirmations wait for a rep's "yes". */
struct count {
	const char *status;
	const char *kind;
	const char *job, *to, *note_has, *in_reply_to;
	int confirmations;
	int64_t n;
};

/* After the last step: what a referral holds. */
struct after {
	int64_t id;
	struct expect e;
};

struct intake_case {
	const char *name;
	const char *authserv_id; /* [security] authserv_id for the case */
	struct step steps[MAX_STEPS];
	struct after after[MAX_AFTER];
	struct count counts[MAX_COUNTS];
};

/* One step of a case: file, outcome, then any of .negate, .id, .same_as
 * and .e (designated). */
/* clang-format off */
#define STEP(file_, outcome_, ...) {.file = (file_), .outcome = (outcome_), __VA_ARGS__}
#define REFERRALS(status_, n_)     {.status = (status_), .n = (n_)}
#define MESSAGES(kind_, n_)        {.kind = (kind_), .n = (n_)}
#define JOBS(job_, to_, n_, ...)   {.job = (job_), .to = (to_), .n = (n_), __VA_ARGS__}
#define CONFIRMATIONS(n_)          {.confirmations = 1, .n = (n_)}
/* clang-format on */

static const struct intake_case cases[] = {
        /* Referrer = From; lead = To minus the agent; names, phone,
         * company, budget; the context has no signature. */
        {.name = "intro_basic",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL,
                        .e = {.status = "new",
                              .referrer_name = "Sarah Lee",
                              .referrer_email = "sarah@partner.test",
                              .lead_name = "Bob Smith",
                              .lead_email = "bob@client.test",
                              .lead_phone = "(415) 555-0142",
                              .lead_company = "Northwind Advisors",
                              .rep_email = "rep@biz.test",
                              .budget_has = "25,000",
                              .context_has = "introduce you to the team",
                              .context_lacks = {"212 555 0199", "Partner, Lee"},
                              .events = {{"created", NULL},
                                         {"created", "assigned to Tom Rivera <rep@biz.test> "
                                                     "(round robin)"}}})},
         .counts = {REFERRALS("*", 1)}},
        {.name = "duplicate_message_id",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("intro-basic.eml", INTAKE_DUPLICATE)},
         .counts = {REFERRALS("*", 1)}},
        /* No Message-ID: a stable hash of the headers stands in. */
        {.name = "duplicate_header_hash",
         .steps = {STEP("no-message-id.eml", INTAKE_REFERRAL),
                   STEP("no-message-id.eml", INTAKE_DUPLICATE)},
         .counts = {REFERRALS("*", 1)}},
        {.name = "automated_never_referral",
         .steps = {STEP("auto-reply.eml", INTAKE_IGNORED), STEP("list-mail.eml", INTAKE_IGNORED),
                   STEP("bounce.eml", INTAKE_IGNORED)},
         .counts = {REFERRALS("*", 0), MESSAGES("automated", 2), MESSAGES("bounce", 1)}},
        /* Replies in a known thread are recorded on their referral, through
         * In-Reply-To and through References of a reply to a reply; the
         * rep's reply to the lead is the first contact.  No trusted
         * Authentication-Results is configured: the status line waits for
         * the rep's confirmation by mail. */
        {.name = "reply_in_thread",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("reply-in-thread.eml", INTAKE_REPLY, .same_as = 1),
                   STEP("rep-status-line.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "contacted",
                              .first_contact = 1,
                              .events = {{"reply", "bob@client.test"},
                                         {"reply", "#status qualified"},
                                         {"confirm", "asked rep@biz.test to confirm"}}})},
         .counts = {REFERRALS("*", 1),
                    JOBS("confirm-status", "rep@biz.test", 1,
                         .note_has = "confirm.action=mark Bob Smith as qualified"),
                    CONFIRMATIONS(1), JOBS("refused-rep", NULL, 0)}},
        /* The agent only in Delivered-To (bcc): still an intro. */
        {.name = "bcc_agent",
         .steps = {STEP(
                 "bcc-agent.eml", INTAKE_REFERRAL,
                 .e = {.lead_email = "lars@client.test", .referrer_email = "mei@partner.test"})}},
        {.name = "forward_inline",
         .steps = {STEP("forward-inline.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "kenji@client.test",
                              .lead_name = "Kenji Tanaka",
                              .lead_phone = "503-555-0117",
                              .referrer_email = "anna@partner.test"})}},
        {.name = "forward_attached",
         .steps = {STEP("forward-attached.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "grace@client.test", .lead_name = "Grace Murphy"})}},
        /* A web form names the referrer and the lead; the form service's
         * From is not the referrer, and its Auto-Submitted does not drop
         * the lead. */
        {.name = "web_form",
         .steps = {STEP("web-form.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "David Ortiz",
                              .referrer_email = ABSENT,
                              .lead_name = "Fatima Haddad",
                              .lead_email = "fatima@client.test",
                              .lead_phone = "+44 20 7946 0321",
                              .budget_has = "20,000"})}},
        /* The referrer wrote only to the agent and named the lead in the
         * text. */
        {.name = "lead_from_body",
         .steps = {STEP(
                 "body-lead.eml", INTAKE_REFERRAL,
                 .e = {.lead_email = "noah@client.test", .referrer_email = "segun@partner.test"})}},
        {.name = "too_many_leads_held",
         .steps = {STEP("too-many-leads.eml", INTAKE_HELD,
                        .e = {.status = "held", .held_reason_has = "more than max_leads"})},
         .counts = {REFERRALS("held", 6), REFERRALS("new", 0)}},
        /* The same lead again (other case): a touch; the first referrer
         * keeps the credit. */
        {.name = "same_lead_touch",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("intro-second-referrer.eml", INTAKE_TOUCH, .same_as = 1,
                        .e = {.referrer_email = "sarah@partner.test",
                              .events = {{"touch", "carlos@other.test"}}})},
         .counts = {REFERRALS("*", 1)}},
        /* A rep among the recipients gets the referral; reps and business
         * addresses are never leads. */
        {.name = "rep_named",
         .steps = {STEP("rep-named.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "dmitri@client.test",
                              .rep_email = "rep2@biz.test",
                              .rep_name = "Ana Lopez",
                              .events = {{"created", "(named in the intro)"}}})},
         .counts = {REFERRALS("*", 1)}},
        {.name = "round_robin",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL, .e = {.rep_email = "rep@biz.test"}),
                   STEP("bcc-agent.eml", INTAKE_REFERRAL, .e = {.rep_email = "rep2@biz.test"}),
                   STEP("no-message-id.eml", INTAKE_REFERRAL, .e = {.rep_email = "rep@biz.test"})}},
        /* Leads in the headers, the agent in Cc, and nothing that
         * introduces anyone ("see you on Saturday"): not held, ignored. */
        {.name = "no_intro_phrase_ignored",
         .steps = {STEP("no-intro-phrase.eml", INTAKE_IGNORED, .why_has = "mail of another kind")},
         .counts = {REFERRALS("*", 0)}},
        {.name = "plus_address",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL, .id = 1),
                   STEP("plus-address.eml", INTAKE_REPLY, .id = 1)}},
        /* A subject tag counts only for someone who takes part. */
        {.name = "subject_tag",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("subject-tag-stranger.eml", INTAKE_REPLY, .negate = 1),
                   STEP("subject-tag-participant.eml", INTAKE_REPLY, .same_as = 1)}},
        {.name = "rfc2047_names",
         .steps = {STEP("rfc2047-names.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "J\xc3\xbcrgen M\xc3\xbcller",
                              .lead_name = "S\xc3\xb8ren \xc3\x98\x64\x65g\xc3\xa5rd"})}},
        /* ---- issue 8: nothing moves on a forged word ---- */
        /* With authserv_id, a rep's reply to the lead that the receiving
         * server does not vouch for is a claim: still new, the reminder
         * stays, the referrer is not told, and the rep is asked to
         * confirm. */
        {.name = "forged_first_contact",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-reply-unverified.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "new",
                              .events = {{"claim", "rep@biz.test claimed first contact "
                                                   "(unauthenticated: no Authentication-"
                                                   "Results from mx.biz.test); nothing "
                                                   "cancelled"}}})},
         .counts = {JOBS("remind-rep", "rep@biz.test", 1), JOBS("update-referrer", NULL, 0),
                    JOBS("refused-rep", "rep@biz.test", 1,
                         .note_has = "refused.action=mark Bob Smith as contacted"),
                    JOBS("refused-rep", "rep@biz.test", 1, .note_has = "refused.contact=yes")}},
        {.name = "verified_first_contact",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-reply-verified.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "contacted", .first_contact = 1})},
         .counts = {JOBS("remind-rep", NULL, 0), JOBS("update-referrer", "sarah@partner.test", 1),
                    JOBS("refused-rep", NULL, 0)}},
        /* The lead's reply without the server's word: the nudges go on. */
        {.name = "forged_lead_reply",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-reply-verified.eml", INTAKE_REPLY, .same_as = 1),
                   STEP("reply-in-thread.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.events = {{"claim", "reply from the lead's address "
                                                   "bob@client.test (unauthenticated"}}})},
         .counts = {JOBS("nudge-lead", "bob@client.test", 1), JOBS("refused-rep", NULL, 0)}},
        /* A status line without the server's word: refused, the rep told
         * why and that a "yes" applies it. */
        {.name = "forged_status_line",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-status-unverified.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "new",
                              .events = {{"refused", "status line \"#won 12000\" from "
                                                     "rep@biz.test refused: no "
                                                     "Authentication-Results from mx.biz.test"},
                                         {"claim", "claimed first contact"}}})},
         .counts = {REFERRALS("won", 0),
                    JOBS("refused-rep", "rep@biz.test", 1,
                         .note_has = "refused.line=#won 12000\nrefused.why=no "
                                     "Authentication-Results from mx.biz.test\n"
                                     "refused.unverified=yes\nrefused.action=mark Bob Smith "
                                     "as won, $12,000\n"),
                    JOBS("confirm-status", NULL, 0), CONFIRMATIONS(1)}},
        {.name = "status_line_failing_result",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-status-failing.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "new", .events = {{"refused", "dmarc=fail"}}})},
         .counts = {JOBS("refused-rep", "rep@biz.test", 1, .note_has = "dmarc=fail")}},
        /* Verified, but not a status: the rep hears why. */
        {.name = "status_line_bad_word",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-status-bad-word.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "contacted",
                              .events = {{"refused", "'maybe' is not a status"}}})},
         .counts = {JOBS("refused-rep", "rep@biz.test", 1,
                         .note_has = "refused.line=#status maybe\nrefused.why='maybe' is not "
                                     "a status"),
                    JOBS("refused-rep", NULL, 0, .note_has = "refused.action"),
                    JOBS("confirm-status", NULL, 0), CONFIRMATIONS(0)}},
        /* The referrer introduces her sister in her answer to the
         * thank-you ("Re: Thank you for introducing Bob Smith"): a new
         * referral, whose welcome must not carry the subject naming Bob,
         * another client; the first referral keeps its own. */
        {.name = "intro_in_answer_to_thanks",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL,
                        .e = {.subject = "Bob, meet Brightpath"}),
                   STEP("intro-answering-thanks.eml", INTAKE_REFERRAL, .sent = 1,
                        .e = {.lead_email = "maria.foster@gmail.com",
                              .referrer_email = "sarah@partner.test",
                              .subject = ABSENT})},
         .counts = {REFERRALS("new", 2)}},
        /* Two leads in one sentence: each their own need, none ending
         * with the "and" before the next name */
        {.name = "two_leads_one_sentence",
         .steps = {STEP(
                 "two-leads-one-sentence.eml", INTAKE_REFERRAL,
                 .e = {.lead_email = "ben.lowe@gmail.com", .need_has = "wants his deck rebuilt"},
                 .e2 = {.lead_email = "alex.kerr@gmail.com",
                        .need_has = "looking at a bathroom remodel"})}},
        /* A trade named near the lead is the lead's only when it
         * describes them: "Kevin, meet Ana Lopez - the accountant I was
         * telling you about" presents the rep to Kevin, and "Ben, who
         * needs a bookkeeper - I mentioned you to him" is a client (an
         * accounting firm's most usual intros were held) */
        {.name = "trade_of_someone_else",
         .steps = {STEP("intro-rep-is-the-accountant.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "kevin.walsh@gmail.com", .rep_email = "rep2@biz.test"}),
                   STEP("intro-lead-needs-bookkeeper.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "ben.okoro@gmail.com"})}},
        /* A client moving their own appointment, copying their wife
         * with a question of hers: no introduction, whatever "(cc'd)"
         * says (a welcome would go to the wife) */
        {.name = "own_appointment_cc",
         .steps = {STEP("own-appointment-cc.eml", INTAKE_HELD,
                        .e = {.evidence_has = "the writer's own appointment"})}},
        /* Tom had the referral (round robin) and Ana made the first
         * contact (he passed it on): it is Ana's from then on, so the
         * referrer's news and the lead's nudge name her; a colleague
         * writing after the first contact takes nothing. */
        {.name = "other_rep_first_contact",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL, .e = {.rep_email = "rep@biz.test"}),
                   STEP("rep2-first-contact.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "contacted",
                              .rep_email = "rep2@biz.test",
                              .rep_name = "Ana Lopez",
                              .first_contact = 1,
                              .events = {{"rep", "rep2@biz.test made the first contact: the "
                                                 "referral is theirs (was rep@biz.test)"}}})},
         /* her name with her address ("Tom Rivera <rep2@...>" named Tom
          * in the mail to the referrer); Tom's assignment is moot */
         .counts = {JOBS("update-referrer", "sarah@partner.test", 1), JOBS("remind-rep", NULL, 0),
                    JOBS("assign-rep", NULL, 0)}},
        {.name = "other_rep_after_first_contact",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-status-bad-word.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "contacted"}),
                   STEP("rep2-first-contact.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "contacted",
                              .rep_email = "rep@biz.test",
                              .no_event = "rep"})}},
        /* Not a status, and nobody vouches for the sender: refused at
         * once, as from a verified rep.  Asking the rep to confirm a line
         * that a "yes" could not apply would be a mail for nothing. */
        {.name = "status_line_bad_word_on_trust",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-status-bad-word.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "contacted",
                              .events = {{"refused", "status line \"#status maybe\" refused: "
                                                     "'maybe' is not a status"}}})},
         .counts = {JOBS("refused-rep", "rep@biz.test", 1,
                         .note_has = "refused.line=#status maybe\nrefused.why='maybe' is not "
                                     "a status"),
                    JOBS("refused-rep", NULL, 0, .note_has = "refused.action"),
                    JOBS("refused-rep", NULL, 0, .note_has = "refused.unverified"),
                    JOBS("confirm-status", NULL, 0), CONFIRMATIONS(0)}},
        /* The receiving server's header under another id: not vouched
         * for, and not a status either; refused for what the line is. */
        {.name = "status_line_bad_word_unverified",
         .authserv_id = "mx.other.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-status-bad-word.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "new",
                              .events = {{"refused", "status line \"#status maybe\" refused: "
                                                     "'maybe' is not a status"},
                                         {"refused", "did not vouch for it either: no "
                                                     "Authentication-Results from "
                                                     "mx.other.test"}}})},
         .counts = {REFERRALS("contacted", 0),
                    JOBS("refused-rep", "rep@biz.test", 1,
                         .note_has = "refused.line=#status maybe\nrefused.why='maybe' is not "
                                     "a status"),
                    JOBS("refused-rep", NULL, 0, .note_has = "refused.action"),
                    JOBS("confirm-status", NULL, 0), CONFIRMATIONS(0)}},
        /* A European amount: "12.500" groups thousands (twelve thousand
         * five hundred, not twelve and a half), and the currency code
         * after it is no part of the note. */
        {.name = "status_line_won_european_amount",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-status-won-eu.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "won",
                              .events = {{"status", "$12,500: kitchen and bath"}}})}},
        /* An amount that cannot be read is refused, not guessed: its value
         * would go into the referrer's reward. */
        {.name = "status_line_won_unreadable_amount",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-status-won-garbled.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "contacted",
                              .events = {{"refused", "'12.34.5' is not an amount"}}})},
         .counts = {JOBS("refused-rep", "rep@biz.test", 1,
                         .note_has = "refused.why='12.34.5' is not an amount"),
                    JOBS("refused-rep", NULL, 0, .note_has = "refused.action"),
                    JOBS("confirm-status", NULL, 0), CONFIRMATIONS(0)}},
        /* "# won 5000" (a phone's space after "#") is the status line;
         * "#wn 5000" is refused at once, the rep told what it likely
         * meant, never guessed; a signature's "#ShopLocal" is no status
         * line at all. */
        {.name = "status_line_typos",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-status-hashtag.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "contacted"}),
                   STEP("rep-status-typo.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "contacted",
                              .events = {{"refused", "#wn is no status line"}}}),
                   STEP("rep-status-space.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "won", .events = {{"status", "$5,000"}}})},
         .counts = {JOBS("refused-rep", "rep@biz.test", 1,
                         .note_has = "refused.why=#wn is no status line")}},
        /* "#won't be able to make Monday" and "#wow, what a kitchen" are
         * sentences, no status lines: nothing asked, nothing refused. */
        {.name = "status_line_not_words",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-status-wont.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "contacted"})},
         .counts = {JOBS("refused-rep", NULL, 0), JOBS("confirm-status", NULL, 0)}},
        /* The same line without authserv_id: refused at once; the rep is
         * not asked to confirm a reward nobody could compute. */
        {.name = "status_line_won_unreadable_amount_on_trust",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-status-won-garbled.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "contacted",
                              .events = {{"refused", "status line \"#won 12.34.5\" refused: "
                                                     "'12.34.5' is not an amount"}}})},
         .counts = {REFERRALS("won", 0),
                    JOBS("refused-rep", "rep@biz.test", 1,
                         .note_has = "refused.line=#won 12.34.5\nrefused.why='12.34.5' is not "
                                     "an amount"),
                    JOBS("refused-rep", NULL, 0, .note_has = "refused.action"),
                    JOBS("confirm-status", NULL, 0), CONFIRMATIONS(0)}},
        {.name = "status_line_won_unreadable_amount_unverified",
         .authserv_id = "mx.other.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-status-won-garbled.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "new",
                              .events = {{"refused", "'12.34.5' is not an amount"}}})},
         .counts = {REFERRALS("won", 0),
                    JOBS("refused-rep", "rep@biz.test", 1,
                         .note_has = "refused.why='12.34.5' is not an amount"),
                    JOBS("refused-rep", NULL, 0, .note_has = "refused.action"),
                    JOBS("confirm-status", NULL, 0), CONFIRMATIONS(0)}},
        /* A status the referral already has (the rep's mail to the lead
         * made it contacted): nothing to change, recorded, and no mail,
         * neither a refusal nor a question. */
        {.name = "status_line_already_on_trust",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-status-contacted.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "contacted",
                              .events = {{"unchanged", "has that status already"}}})},
         .counts = {JOBS("refused-rep", NULL, 0), JOBS("confirm-status", NULL, 0),
                    CONFIRMATIONS(0)}},
        /* The same line where it would change something (the server does
         * not vouch for the mail, so it made no first contact): the rep's
         * "yes" may still apply it. */
        {.name = "status_line_contacted_unverified",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-status-contacted.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "new",
                              .events = {{"refused", "no Authentication-Results"}}})},
         .counts = {JOBS("refused-rep", "rep@biz.test", 1,
                         .note_has = "refused.action=mark Bob Smith as contacted"),
                    JOBS("confirm-status", NULL, 0), CONFIRMATIONS(1)}},
        /* Not a rep: refused, and nobody is written to. */
        {.name = "status_line_not_a_rep",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("status-not-rep.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "new", .events = {{"refused", "not a rep"}}})},
         .counts = {JOBS("refused-rep", NULL, 0), JOBS("confirm-status", NULL, 0)}},
        /* A thread of two referrals: refused on both, the rep told. */
        {.name = "status_line_ambiguous_thread",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-two-leads.eml", INTAKE_REFERRAL),
                   STEP("rep-status-two-leads.eml", INTAKE_REPLY)},
         .after = {{1, {.status = "contacted", .events = {{"refused", "holds 2 referrals"}}}},
                   {2, {.status = "contacted", .events = {{"refused", "holds 2 referrals"}}}}},
         .counts = {REFERRALS("won", 0),
                    JOBS("refused-rep", "rep@biz.test", 1, .note_has = "refused.thread=#1, #2")}},
        /* A held referral takes no credit: a genuine intro of one of its
         * leads is a new referral of its own referrer, and nobody hears of
         * the mass mail. */
        {.name = "held_takes_no_credit",
         .steps = {STEP("too-many-leads.eml", INTAKE_HELD),
                   STEP("intro-held-lead.eml", INTAKE_REFERRAL, .id = 7,
                        .e = {.status = "new",
                              .referrer_email = "priya@partner.test",
                              .lead_email = "a3@client.test"})},
         .after = {{3, {.status = "held"}}},
         .counts = {REFERRALS("held", 6), REFERRALS("new", 1),
                    JOBS("thank-referrer", "priya@partner.test", 1),
                    JOBS("thank-referrer", "mark@partner.test", 0),
                    JOBS("update-referrer", NULL, 0)}},
        /* Released while its lead has a standing referral: a second
         * introduction there (credit kept, both told), itself closed. */
        {.name = "release_settles_into_standing",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("too-many-leads.eml", INTAKE_HELD),
                   STEP("intro-held-lead.eml", INTAKE_REFERRAL, .id = 7),
                   STEP("admin-release-3.eml", INTAKE_REPLY)},
         .after = {{3,
                    {.status = "rejected",
                     .events = {{"status", "already has referral 7 (credited to Priya "
                                           "Raman): recorded there as a second "
                                           "introduction"}}}},
                   {7,
                    {.status = "new",
                     .referrer_email = "priya@partner.test",
                     .events = {{"touch", "held referral 3, released by admin@biz.test"},
                                {"credit", "Priya Raman keeps the credit"}}}}},
         .counts = {JOBS("thank-referrer", "mark@partner.test", 1,
                         .note_has = "credit.name=Priya Raman"),
                    JOBS("update-referrer", "priya@partner.test", 1),
                    JOBS("welcome-lead", "a3@client.test", 1),
                    JOBS("review-admin", "admin@biz.test", 1,
                         .note_has = "review.done=#3 introduced a lead who already has "
                                     "referral #7")}},
        /* The admin's verified answer: each line done or said why not; a
         * line not wholly understood does nothing; the quoted review mail
         * ("> release all") is no instruction. */
        {.name = "review_answer",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("too-many-leads.eml", INTAKE_HELD), STEP("admin-answer.eml", INTAKE_REPLY)},
         .after = {{1,
                    {.status = "new",
                     .events = {{"status", "released in the admin's "
                                           "review"}}}},
                   {4, {.status = "rejected"}}},
         .counts = {REFERRALS("held", 3), REFERRALS("rejected", 2),
                    JOBS("thank-referrer", "mark@partner.test", 1),
                    JOBS("welcome-lead", "a1@client.test", 1),
                    JOBS("review-admin", "admin@biz.test", 1,
                         .note_has = "review.done=released #1; rejected #2; rejected #4; "
                                     "not understood: \"release 5 and then some\"; #99: no "
                                     "such referral\n")}},
        /* Not vouched for: the admin is asked to confirm, nothing changes. */
        {.name = "review_answer_unverified",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("too-many-leads.eml", INTAKE_HELD),
                   STEP("admin-answer-unverified.eml", INTAKE_REPLY)},
         .counts = {REFERRALS("held", 6),
                    JOBS("confirm-status", "admin@biz.test", 1,
                         .note_has = "confirm.admin=yes\nconfirm.action=release #1; reject "
                                     "#2\nconfirm.why=no Authentication-Results"),
                    JOBS("review-admin", NULL, 0), JOBS("thank-referrer", NULL, 0)}},
        /* No authserv_id: confirmed by mail, as status lines are. */
        {.name = "review_answer_on_trust",
         .steps = {STEP("too-many-leads.eml", INTAKE_HELD),
                   STEP("admin-answer-unverified.eml", INTAKE_REPLY)},
         .counts = {REFERRALS("held", 6),
                    JOBS("confirm-status", "admin@biz.test", 1,
                         .note_has = "confirm.action=release #1; reject #2\n"),
                    JOBS("confirm-status", NULL, 0, .note_has = "confirm.why")}},
        /* An answer without any instruction (a thank-you, an auto-reply
         * that slipped through) is not answered: no mail loop. */
        {.name = "review_answer_without_lines",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("too-many-leads.eml", INTAKE_HELD),
                   STEP("admin-answer-thanks.eml", INTAKE_REPLY)},
         .counts = {REFERRALS("held", 6), JOBS("review-admin", NULL, 0),
                    JOBS("confirm-status", NULL, 0)}},
        /* Only the admin: anyone else's answer does nothing. */
        {.name = "review_answer_stranger",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("too-many-leads.eml", INTAKE_HELD),
                   STEP("admin-answer-stranger.eml", INTAKE_REPLY)},
         .counts = {REFERRALS("held", 6), JOBS("review-admin", NULL, 0),
                    JOBS("confirm-status", NULL, 0), MESSAGES("review-answer", 1)}},
        /* ---- issue 8: opt-outs in other words ---- */
        {.name = "optout_phrasings",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("optout-stop-by.eml", INTAKE_REPLY, .same_as = 1),
                   STEP("optout-de.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.events = {{"opt-out", "(rule optout-reply-de)"}}}),
                   STEP("optout-es.eml", INTAKE_REPLY, .same_as = 1)},
         .counts = {MESSAGES("optout", 2), MESSAGES("reply", 1),
                    JOBS("welcome-lead", "bob@client.test", 0)}},
        {.name = "html_only",
         .steps = {STEP("html-only.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "raj@client.test",
                              .lead_phone = "617-555-0188",
                              .context_has = "meet Brightpath & team",
                              .context_lacks = {"<", "color"}})}},
        /* ---- web forms: the labels say who referred whom ---- */
        /* WPForms: the label row in <strong>, the value row under it. */
        {.name = "form_wpforms_refer",
         .steps = {STEP("form-wpforms-refer.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Sarah Lee",
                              .referrer_email = "sarah.lee@partner.test",
                              .lead_name = "Bob Smith",
                              .lead_email = "bob.smith@client.test",
                              .lead_phone = "(415) 555-0142",
                              .need_has = "kitchen remodel",
                              .evidence_has = "Friend's Name"})}},
        /* Gravity Forms: a contact form; "Who referred you?" names the
         * referrer and the submitter is the lead. */
        {.name = "form_gravity_contact",
         .steps = {STEP("form-gravity-contact.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Tom Baker",
                              .referrer_email = "tom.baker@partner.test",
                              .lead_name = "Priya Raman",
                              .lead_email = "priya.raman@client.test",
                              .lead_phone = "(503) 555-0117",
                              .need_has = "guest suite"})}},
        /* Contact Form 7's plain body: "From: Name <address>", a
         * free-text field over lines, "how did you hear": a friend, named. */
        {.name = "form_cf7_contact",
         .steps = {STEP("form-cf7-contact.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Laura Svensson",
                              .referrer_email = ABSENT,
                              .lead_name = "Mei Chen",
                              .lead_email = "mei.chen@client.test",
                              .need_has = "take a look next week"})}},
        {.name = "form_elementor_refer",
         .steps = {STEP("form-elementor-refer.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Daniel Okafor",
                              .lead_name = "Chioma Adeyemi",
                              .lead_email = "chioma.adeyemi@client.test",
                              .lead_phone = "+44 20 7946 0321",
                              .need_has = "loft conversion"})}},
        /* Typeform's bold questions; Auto-Submitted and Precedence: bulk
         * do not drop a form. */
        {.name = "form_typeform_refer",
         .steps = {STEP("form-typeform-refer.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Anna Kowalski",
                              .referrer_email = "anna.kowalski@partner.test",
                              .lead_name = "Lars Svensson",
                              .lead_email = "lars.svensson@client.test"})}},
        /* Jotform: question and answer in one table row; the budget the
         * European way. */
        {.name = "form_jotform_refer",
         .steps = {STEP("form-jotform-refer.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Sofia Rossi",
                              .lead_name = "Marco Bianchi",
                              .lead_email = "marco.bianchi@client.test",
                              .lead_phone = "347 123 4567",
                              .budget_has = "12.500,00"})}},
        {.name = "form_google_refer",
         .steps = {STEP("form-google-refer.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Kwame Mensah",
                              .lead_name = "Ama Owusu",
                              .lead_email = "ama.owusu@client.test",
                              .lead_phone = "+1 312 555 0190",
                              .need_has = "countertops"})}},
        /* HubSpot: first and last names apart; List-Unsubscribe. */
        {.name = "form_hubspot_refer",
         .steps = {STEP("form-hubspot-refer.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Jordan Blake",
                              .referrer_email = "jordan.blake@partner.test",
                              .lead_name = "Taylor Nguyen",
                              .lead_phone = "617-555-0188"})}},
        {.name = "form_webflow_refer",
         .steps = {STEP("form-webflow-refer.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Emma Schultz",
                              .lead_name = "Jonas Weber",
                              .lead_email = "jonas.weber@client.test",
                              .lead_phone = "+49 (0)30 1234 5678"})}},
        {.name = "form_squarespace_refer",
         .steps = {STEP("form-squarespace-refer.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Olivia Martin",
                              .referrer_email = "olivia.martin@partner.test",
                              .lead_name = "Noah Walsh",
                              .lead_email = "noah.walsh@client.test",
                              .need_has = "home office"})}},
        {.name = "form_wix_spanish",
         .steps = {STEP("form-wix-es.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Luc\xc3\xad"
                                               "a Fern\xc3\xa1ndez",
                              .lead_name = "Pablo Ruiz",
                              .lead_email = "pablo.ruiz@client.test",
                              .lead_phone = "+34 612 34 56 78"})}},
        /* German sections: "Ihre Angaben", "Angaben zum Empfohlenen". */
        {.name = "form_german_sections",
         .steps = {STEP("form-de-sections.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "J\xc3\xbcrgen M\xc3\xbcller",
                              .lead_name = "Stefan Braun",
                              .lead_email = "stefan.braun@client.test",
                              .lead_phone = "0171 1234567"})}},
        {.name = "form_french",
         .steps = {STEP("form-fr-parrainage.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Claire Dubois",
                              .lead_name = "Hugo Martin",
                              .lead_phone = "06 12 34 56 78"})}},
        {.name = "form_two_friends",
         .steps = {STEP("form-two-friends.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "grace.murphy@partner.test",
                              .lead_email = "kenji.tanaka@client.test"},
                        .e2 = {.referrer_email = "grace.murphy@partner.test",
                               .lead_email = "elena.petrova@client.test"})},
         /* one thank-you for the one form, naming both friends */
         .counts = {REFERRALS("new", 2),
                    JOBS("thank-referrer", "grace.murphy@partner.test", 1,
                         .note_has = "thank.others=Elena Petrova"),
                    JOBS("welcome-lead", NULL, 2)}},
        /* Not referrals: "how did you hear": Google; a newsletter sign-up. */
        {.name = "form_not_referral",
         .steps = {STEP("form-contact-google.eml", INTAKE_IGNORED, .why_has = "not a referral"),
                   STEP("form-newsletter-signup.eml", INTAKE_IGNORED)},
         .counts = {REFERRALS("*", 0)}},
        /* "A friend", named nobody: held, the referrer unknown. */
        {.name = "form_friend_unnamed_held",
         .steps = {STEP("form-heard-friend.eml", INTAKE_HELD,
                        .e = {.status = "held",
                              .lead_email = "omar.haddad@client.test",
                              .held_reason_has = "names no referrer"})}},

        /* ---- the lead only in the text of a mail to the agent ---- */
        {.name = "text_contact_block",
         .steps = {STEP("text-contact-block.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "dan.kowalczyk@partner.test",
                              .lead_name = "Maria Gonzalez",
                              .lead_email = "maria.gonzalez@client.test",
                              .lead_phone = "(555) 234-5678",
                              .evidence_has = "contact block"})}},
        {.name = "text_bare_address",
         .steps = {STEP("text-bare-address.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "tom.baker@partner.test",
                              .lead_email = "jane.doe@client.test",
                              .need_has = "bathroom"})}},
        {.name = "text_labelled_lines",
         .steps = {STEP("text-labelled-lines.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "Oliver Grant",
                              .lead_email = "oliver.grant@client.test",
                              .lead_phone = "020 7946 0123"})}},
        {.name = "text_outlook_pipes",
         .steps = {STEP("text-outlook-pipes.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "Kenji Tanaka",
                              .lead_email = "kenji.tanaka@client.test",
                              .lead_phone = "+81 3 1234 5678",
                              .rep_email = "rep2@biz.test"})}},
        /* "Hi Ana, / Meet Priya, my colleague": the writer chose the rep
         * (Ana, where round robin gives Tom) and "Meet" opening a line
         * before a name is an intro's word */
        {.name = "greet_rep_by_name",
         .steps = {STEP(
                 "greet-rep-by-name.eml", INTAKE_REFERRAL,
                 .e = {.lead_email = "priya.nair@outlook.com", .rep_email = "rep2@biz.test"})}},
        /* "Hi Ana," to the lead Ana Whitfield greets her, not the rep */
        {.name = "greet_lead_shares_rep_name",
         .steps = {STEP(
                 "greet-lead-shares-rep-name.eml", INTAKE_REFERRAL,
                 .e = {.lead_email = "ana.whitfield@gmail.com", .rep_email = "rep@biz.test"})}},
        /* a rep's name in a first sentence is no greeting ("I was talking
         * to Ana from the school board ..."); "Hi Tom and Ana" names no
         * one rep: round robin, which gives Ana the second time; "her
         * friend Luis (copied)" is an intro's words */
        {.name = "greet_no_one_rep",
         .steps = {STEP("greet-rep-in-sentence.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "luis.ortega@gmail.com", .rep_email = "rep@biz.test"}),
                   STEP("greet-two-reps.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "marcus.bell@gmail.com",
                              .rep_email = "rep2@biz.test"})}},
        /* a rep named in a sentence of the intro ("Ana ran the whole job
         * for us and she will take great care of you") is the rep the
         * writer chose; two reps named ("Ana or Tom can walk you
         * through") choose none: round robin, which gives Tom first */
        {.name = "rep_named_in_text",
         .steps = {STEP("intro-rep-in-text.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "deshawn.price@gmail.com",
                              .rep_email = "rep2@biz.test"}),
                   STEP("intro-two-reps-in-text.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "priya.raman@gmail.com",
                              .rep_email = "rep@biz.test"})}},
        {.name = "text_spanish_cues",
         .steps = {STEP("text-es-vecina.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "Luc\xc3\xad"
                                           "a Fern\xc3\xa1ndez",
                              .lead_email = "lucia.fernandez@client.test",
                              .lead_phone = "612 34 56 78"})}},
        {.name = "text_forward_apple",
         .steps = {STEP("text-forward-apple.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "chris.evans@partner.test",
                              .lead_name = "Priya Raman",
                              .lead_email = "priya.raman@client.test",
                              .lead_phone = "503-555-0199"})}},
        /* "Bob Okoye's email: ..." and his mobile on the next line. */
        {.name = "text_possessive",
         .steps = {STEP("text-possessive.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "Bob Okoye",
                              .lead_email = "bob.okoye@client.test",
                              .lead_phone = "07700 900123",
                              .need_has = "garden fence"})}},
        /* The writer is the lead and names who referred them. */
        {.name = "writer_names_referrer",
         .steps = {STEP("writer-names-referrer.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Sarah Lee",
                              .referrer_email = ABSENT,
                              .lead_email = "daniel.park@client.test"})}},
        /* Not referrals: an invoice question, a vendor's pitch, thanks
         * naming a rep. */
        {.name = "text_not_referrals",
         .steps = {STEP("neg-support-invoice.eml", INTAKE_IGNORED),
                   STEP("neg-vendor-pitch.eml", INTAKE_IGNORED),
                   STEP("neg-thanks-naming.eml", INTAKE_IGNORED)},
         .counts = {REFERRALS("*", 0)}},

        /* ---- structure as evidence: no stock phrase ---- */
        {.name = "struct_cc_greeting_business",
         .steps = {STEP("struct-cc-greeting.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "bob.smith@client.test",
                              .evidence_has = "the greeting names Bob"})}},
        {.name = "struct_lowercase_no_greeting",
         .steps = {STEP("struct-lowercase.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "bob.harris@client.test",
                              .referrer_email = "mike.jones@partner.test"})}},
        {.name = "struct_bcc_outlook",
         .steps = {STEP("struct-bcc-outlook.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "chioma.okafor@client.test",
                              .evidence_has = "the agent in Bcc"})}},
        {.name = "struct_reply_all_adds_business",
         .steps = {STEP("struct-reply-all-adds.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "jo.park@client.test",
                              .evidence_has = "a reply in a thread the agent never saw"})}},
        {.name = "struct_thin_held",
         .steps = {STEP("struct-thin.eml", INTAKE_HELD,
                        .e = {.status = "held", .held_reason_has = "thin evidence"})}},
        {.name = "struct_not_referrals",
         .steps = {STEP("neg-colleague-thread.eml", INTAKE_IGNORED),
                   STEP("neg-rep-reply.eml", INTAKE_IGNORED),
                   STEP("neg-calendar-invite.eml", INTAKE_IGNORED,
                        .why_has = "a calendar invitation"),
                   STEP("neg-meet-meeting.eml", INTAKE_IGNORED)},
         .counts = {REFERRALS("*", 0)}},
        /* Colleagues of one company, the business mentioned: thin, held. */
        {.name = "struct_colleagues_held",
         .steps = {STEP("neg-colleague-ask.eml", INTAKE_HELD,
                        .e = {.evidence_has = "the leads work with the sender (clientco.test)"})}},
        {.name = "struct_not_referrals_2",
         .steps = {STEP("neg-newsletter-person.eml", INTAKE_IGNORED),
                   STEP("neg-ooo-text.eml", INTAKE_IGNORED),
                   STEP("neg-patch.eml", INTAKE_IGNORED, .why_has = "a patch")},
         .counts = {REFERRALS("*", 0)}},

        /* ---- other languages; two leads, each with their own ---- */
        {.name = "lang_spanish",
         .steps = {STEP("lang-es.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "pablo.ruiz@client.test",
                              .lead_phone = "+34 612 34 56 78",
                              .need_has = "reformar la cocina",
                              .budget_has = "12.000 \xe2\x82\xac"})}},
        {.name = "lang_german",
         .steps = {STEP("lang-de.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "stefan.braun@client.test",
                              .lead_phone = "+49 (0)30 1234 5678",
                              .need_has = "Badezimmer",
                              .budget_has = "25.000 Euro"})}},
        {.name = "lang_french",
         .steps = {STEP("lang-fr.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "hugo.martin@client.test",
                              .lead_phone = "06 12 34 56 78",
                              .budget_has = "15 000"})}},
        {.name = "lang_italian",
         .steps = {STEP("lang-it.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "marco.bianchi@client.test",
                              .lead_phone = "347 123 4567",
                              .budget_has = "10.000 euro"})}},
        {.name = "lang_portuguese",
         .steps = {STEP("lang-pt.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "ana.costa@client.test",
                              .lead_phone = "912 345 678",
                              .budget_has = "8.000"})}},
        {.name = "lang_dutch",
         .steps = {STEP("lang-nl.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "pieter.jansen@client.test",
                              .lead_phone = "06-12345678",
                              .need_has = "dakkapel",
                              .budget_has = "20.000"})}},
        {.name = "two_leads_own_phone_and_need",
         .steps = {STEP("lang-two-leads.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "bob.smith@client.test",
                              .lead_phone = "(415) 555-0142",
                              .lead_company = "Northwind Advisors",
                              .need_has = "kitchen"},
                        .e2 = {.lead_email = "alice.wong@client.test",
                               .lead_phone = "617-555-0188",
                               .need_has = "bathroom"})},
         .counts = {REFERRALS("new", 2)}},
        {.name = "two_leads_spanish",
         .steps = {STEP("lang-two-leads-es.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "pablo.ruiz@client.test",
                              .lead_phone = "612 34 56 78",
                              .need_has = "ventanas"},
                        .e2 = {.lead_email = "marta.gil@client.test",
                               .lead_phone = "699 11 22 33",
                               .need_has = "ba\xc3\xb1o"})}},

        /* ---- named but unreachable: to review, no referral ---- */
        {.name = "review_double_opt_in",
         .steps = {STEP("review-double-opt-in.eml", INTAKE_REVIEW,
                        .why_has = "named but unreachable: Jane Doe"),
                   STEP("review-double-opt-in-es.eml", INTAKE_REVIEW,
                        .why_has = "named but unreachable: Luc\xc3\xad"
                                   "a Fern\xc3\xa1ndez")},
         .counts = {REFERRALS("*", 0), MESSAGES("review", 2)}},
        {.name = "review_social_networks",
         .steps = {STEP("review-linkedin.eml", INTAKE_REVIEW, .why_has = "Sarah Lee"),
                   STEP("review-facebook.eml", INTAKE_REVIEW, .why_has = "Jane Doe"),
                   STEP("review-social-intro.eml", INTAKE_REVIEW,
                        .why_has = "Oscar Lind, introduced by Marta Gil"),
                   STEP("neg-linkedin-digest.eml", INTAKE_IGNORED)},
         .counts = {REFERRALS("*", 0), MESSAGES("review", 3)}},
        /* ---- an outsider's intros (written blind, then fixed by their
         * kind): the shape and the words real clients use ---- */
        /* The intro is the subject; the body only a signature ("-- Priya",
         * "Sent from my iPhone"): nothing quoted, and the parenthesised
         * word at the end of the subject is the need. */
        {.name = "blind_subject_only",
         .steps = {STEP("blind-subject-only.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "mgomez@hotmail.com",
                              .referrer_email = "priya.n@gmail.com",
                              .need_has = "basement"}),
                   STEP("blind-subject-meet-parens.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "leo.grant@gmail.com", .need_has = "kitchen"})}},
        /* A staff member (no rep) copying "our office" for a man met in a
         * shop; a rep handing over a couple met at a show, by a contact
         * block in a mail to the agent alone. */
        {.name = "blind_staff_and_rep_referrers",
         .steps = {STEP("blind-staff-referrer.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "kevin@biz.test",
                              .lead_email = "waltsimmons@comcast.net",
                              .lead_phone = "707-555-0148"}),
                   STEP("blind-rep-hands-over-lead.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "rep@biz.test",
                              .lead_email = "bill.graham@gmail.com",
                              .lead_phone = "415-555-0127",
                              .need_has = "bathroom remodel"})}},
        /* "Frank, this is Brightpath, ..." on one long first line: the
         * greeting is its first words. */
        {.name = "blind_greeting_long_line",
         .steps = {STEP("blind-long-first-line-greeting.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "frank.ortiz@gmail.com"})}},
        /* Forwards: the iPhone's "> From:" block, a Gmail forward whose
         * lead signs with her number, and Gmail in Spanish and Dutch
         * ("De:", "Van:", "Doorgestuurd bericht"). */
        {.name = "blind_forwards",
         .steps = {STEP("blind-iphone-quoted-forward.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "kimtran.sf@gmail.com",
                              .referrer_email = "davenguyen@icloud.com",
                              .lead_phone = "415-555-0157",
                              .need_has = "cabinets"}),
                   STEP("blind-forward-signature-phone.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "jen.ames@gmail.com", .lead_phone = "(408) 555-0175"}),
                   STEP("blind-es-gmail-forward.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "marta.iglesias@outlook.es",
                              .lead_phone = "655 123 456"}),
                   STEP("blind-nl-gmail-forward.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "kees.mulder@planet.nl",
                              .lead_phone = "06-11223344"})}},
        /* Forwards with the labels of other languages' clients: Outlook
         * in Polish and Latvian below a rule line ("Od:/Wysłane:",
         * "No:/Nosūtīts:"), Outlook in Japanese with full-width colons,
         * Gmail in Russian, Apple Mail in Swedish.  The label is never
         * part of the lead's name ("Od: Tereza" was), and a line "Word:
         * Name <address>" in a person's text names the person. */
        {.name = "forwards_other_languages",
         .steps = {STEP("fwd-pl-outlook.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "Marek Wiśniewski",
                              .lead_email = "marek.wisniewski@gmail.com",
                              .referrer_email = "tomek.lew@o2.pl",
                              .lead_phone = "605 111 222"}),
                   STEP("fwd-ja-outlook.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "小林 大輔",
                              .lead_email = "daisuke.kobayashi@gmail.com"}),
                   STEP("fwd-ru-gmail.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "Павел Морозов",
                              .lead_email = "pavel.morozov@mail.ru"})}},
        {.name = "forwards_other_languages_2",
         .steps = {STEP("fwd-sv-apple.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "Johan Ek",
                              .lead_email = "johan.ek@gmail.com",
                              .lead_phone = "070-123 45 67"}),
                   STEP("fwd-lv-outlook.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "Jānis Bērziņš",
                              .lead_email = "janis.berzins@inbox.lv",
                              .lead_phone = "29 123 456"}),
                   STEP("intro-label-name-address.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "Priya Natarajan",
                              .lead_email = "priya.natarajan@gmail.com"})}},
        /* Thunderbird's format=flowed: the sentence wrapped at 72
         * columns is one again, its need whole; "Ihr erreicht ihn unter". */
        {.name = "blind_flowed_german",
         .steps = {STEP("blind-de-flowed.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "stefan.braun@web.de",
                              .lead_phone = "0171 2345678",
                              .need_has = "Fenster und D\xc3\xa4mmung"})}},
        /* The referrer's spouse (her family name) and assistant ("I've
         * copied my assistant Jill") copied beside the lead: no leads. */
        {.name = "blind_companions_copied",
         .steps = {STEP("blind-spouse-cc.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "mike.chen@gmail.com"}),
                   STEP("blind-assistant-cc.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "henry.cole@colefamily.net"})},
         .counts = {REFERRALS("*", 2)}},
        /* Two friends in a numbered list, each with address, number and
         * need on their line. */
        {.name = "blind_list_two_leads",
         .steps = {STEP("blind-list-two-leads.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "ellen.park@yahoo.com",
                              .lead_name = "Ellen Park",
                              .lead_phone = "650-555-0114",
                              .need_has = "bathrooms"},
                        .e2 = {.lead_email = "tgreene@sbcglobal.net",
                               .lead_phone = "650-555-0115",
                               .need_has = "roof"})},
         .counts = {REFERRALS("new", 2)}},
        /* "she's at P" for the second of two leads in the To line. */
        {.name = "blind_two_leads_she_is_at",
         .steps = {STEP("blind-two-leads-at.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "sam.patel@gmail.com",
                              .lead_phone = "925-555-0111",
                              .need_has = "deck"},
                        .e2 = {.lead_email = "priyashah@outlook.com",
                               .lead_phone = "925-555-0122",
                               .need_has = "attic"})}},
        /* Phones as people write them: an address between the cue and the
         * number, "direct line", "M:", "Carlos: P", "P is her cell",
         * "bereiken op". */
        {.name = "blind_phone_cues",
         .steps = {STEP("blind-reach-her-at-or-phone.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "angela.russo@gmail.com",
                              .lead_phone = "415-555-0161"}),
                   STEP("blind-direct-line.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "ryan.fischer@fischerco.com",
                              .lead_phone = "212-555-0148",
                              .need_has = "office space"}),
                   STEP("blind-m-colon-phone.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "kyle.young@gmail.com", .lead_phone = "415-555-0188"}),
                   STEP("blind-name-colon-phone.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "carlos.mendez@mendezholdings.com",
                              .lead_phone = "(510) 555-0196",
                              .rep_email = "rep2@biz.test"})},
         .counts = {REFERRALS("new", 4)}},
        {.name = "blind_phone_before_cue_dutch",
         .steps = {STEP("blind-phone-before-cue.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "whitney.ames@gmail.com",
                              .lead_phone = "(707) 555-0139",
                              .need_has = "basement"}),
                   STEP("blind-nl-bereiken.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "p.visser@kpnmail.nl",
                              .lead_phone = "06-12345678",
                              .need_has = "zolder"})}},
        /* Needs as written: "He's planning", "Alex is redoing", "dan
         * wants", "about your window replacement", "Quiere cambiar",
         * "qui cherche", "che vorrebbe". */
        {.name = "blind_needs",
         .steps = {STEP("blind-contact-block-planning.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "daniel.reyes@protonmail.com",
                              .lead_phone = "(650) 555-0199",
                              .need_has = "kitchen remodel"}),
                   STEP("blind-html-only-redoing.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "alex.turner@gmail.com",
                              .lead_phone = "(415) 555-0166",
                              .need_has = "living room"}),
                   STEP("blind-lowercase-wants.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "danwalsh99@gmail.com", .need_has = "backyard"}),
                   STEP("blind-bcc-they-reach-out.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "nina.alvarez@gmail.com",
                              .need_has = "window replacement"})}},
        {.name = "blind_needs_languages",
         .steps = {STEP("blind-es-quiere.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "jorge.delgado@yahoo.com", .need_has = "ventanas"}),
                   STEP("blind-fr-qui-cherche.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "antoine.girard@laposte.net",
                              .lead_phone = "+33 6 98 76 54 32",
                              .need_has = "toiture"}),
                   STEP("blind-it-che-vorrebbe.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "sara.conti@gmail.com",
                              .lead_phone = "+39 333 987 6543",
                              .need_has = "cucina"})}},
        /* The writer is the lead: "my neighbor Laura Chen (her address)
         * recommended you" makes Laura the referrer, no lead, and "My
         * number is" the lead's; a referrer named without an address. */
        {.name = "blind_self_referrals",
         .steps = {STEP("blind-self-referral-address.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "megan.price@gmail.com",
                              .referrer_email = "laura.chen@gmail.com",
                              .lead_phone = "650-555-0159"}),
                   STEP("blind-self-referral-name.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "olga.petrova@gmail.com",
                              .referrer_name = "Greg Holt",
                              .referrer_email = ABSENT,
                              .lead_phone = "925-555-0166"})}},
        /* Named with a number and no address: a lead the rep can call. */
        {.name = "blind_phone_only_lead",
         .steps = {STEP("blind-phone-only-lead.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "Pete Alvarez",
                              .lead_email = ABSENT,
                              .lead_phone = "408-555-0177",
                              .need_has = "roof"})},
         .counts = {JOBS("welcome-lead", NULL, 0), JOBS("assign-rep", NULL, 1)}},
        /* A French double opt-in ask ("mette en relation avec mon
         * beau-frère, Luc Martin"): named, unreachable. */
        {.name = "blind_double_opt_in_french",
         .steps = {STEP("blind-fr-double-optin.eml", INTAKE_REVIEW, .why_has = "Luc Martin")},
         .counts = {REFERRALS("*", 0)}},
        /* Forms: a German "Vorhaben" is the need; Typeform asks "What's
         * Neil's email address?" after naming Neil. */
        {.name = "blind_forms",
         .steps = {STEP("blind-form-de-vorhaben.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "monika.lang@gmx.net",
                              .referrer_email = "k.richter@t-online.de",
                              .need_has = "Badsanierung"}),
                   STEP("blind-form-typeform-piped.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "neil.kapoor@gmail.com",
                              .referrer_email = "tara.singh@gmail.com",
                              .lead_phone = "+1 408 555 0179",
                              .need_has = "shelving"})}},
        /* The lead of a referral writes again, naming who sent her (the
         * same referrer, by name): a touch, and nobody is told of a
         * second referrer; a lead writing to his rep with his wife copied
         * speaks of his own referral. */
        {.name = "blind_lead_writes_again",
         .steps = {STEP("blind-iphone-oneliner.eml", INTAKE_REFERRAL),
                   STEP("blind-lead-writes-again.eml", INTAKE_TOUCH, .same_as = 1),
                   STEP("blind-two-leads-at.eml", INTAKE_REFERRAL),
                   STEP("blind-lead-writes-wife-cc.eml", INTAKE_REPLY, .same_as = 3,
                        .why_has = "from the lead of referral")},
         .counts = {REFERRALS("*", 3), JOBS("update-referrer", NULL, 0)}},
        /* What a referral inbox also gets: a client answering the rep on
         * a job's thread, a rep copying the agent on a client's mail, a
         * colleague's forward of a complaint, a supplier's "introduce you
         * to our new line", a forwarded newsletter, a payment notice, a
         * recruiter's candidate, a supplier's new account rep. */
        {.name = "blind_not_referrals",
         .steps = {STEP("blind-no-client-reply-all.eml", INTAKE_IGNORED),
                   STEP("blind-no-rep-cc-client.eml", INTAKE_IGNORED),
                   STEP("blind-no-internal-forward.eml", INTAKE_IGNORED),
                   STEP("blind-no-vendor-possessive.eml", INTAKE_IGNORED)},
         .counts = {REFERRALS("*", 0), MESSAGES("review", 0)}},
        {.name = "blind_not_referrals_2",
         .steps = {STEP("blind-no-forwarded-newsletter.eml", INTAKE_IGNORED),
                   STEP("blind-no-payment-notice.eml", INTAKE_IGNORED),
                   STEP("blind-no-supplier-staff.eml", INTAKE_IGNORED),
                   STEP("blind-no-recruiter.eml", INTAKE_REFERRAL, .negate = 1)},
         .counts = {REFERRALS("new", 0)}},
        /* a recruiter's candidate with no "candidate": "looking for a
         * senior project lead role", "a great addition to your team"
         * (probe 20: welcomed as a lead) */
        {.name = "recruiter_role_no_candidate",
         .steps = {STEP("recruiter-role-no-candidate.eml", INTAKE_REFERRAL, .negate = 1,
                        .why_has = "not-a-client")},
         .counts = {REFERRALS("new", 0), JOBS("welcome-lead", NULL, 0)}},
        /* ---- a fourth blind set: mail from outsiders' clients and form
         * services, written before refagent read it (blind4-*.eml) ---- */
        /* Outlook's Cc written with ';' between the addresses (the agent
         * last), the referrer's assistant copied, "it was good to see you
         * on Thursday" (no meeting); "Copying my neighbor Walt Kimura
         * here" with the agent in Bcc. */
        {.name = "blind4_outlook_and_bcc",
         .steps = {STEP("blind4-outlook-semicolon-assistant.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "Nathaniel Cho",
                              .lead_email = "nathaniel.cho@gmail.com",
                              .referrer_email = "hbloom@bloomdental.example"}),
                   STEP("blind4-copying-neighbor-bcc.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "Walt Kimura",
                              .lead_email = "walt.kimura@comcast.net",
                              .rep_email = "rep@biz.test"})},
         .counts = {REFERRALS("new", 2)}},
        /* The lead writes in: "Wendell Okafor told me to contact you";
         * "Everyone ... recommended you! They said you were the best"
         * names nobody ("They" is no referrer). */
        {.name = "blind4_lead_told_me",
         .steps = {STEP("blind4-lead-told-me-to-contact.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Wendell Okafor",
                              .referrer_email = ABSENT,
                              .lead_name = "Kevin O'Donnell",
                              .lead_email = "kevin.odonnell.pdx@gmail.com",
                              .lead_phone = "503-555-0166"}),
                   STEP("blind4-lead-pronoun-said.eml", INTAKE_IGNORED)},
         .counts = {REFERRALS("*", 1)}},
        /* The verb first: "Me recomendó Ana Torres", "mi ha consigliato
         * la vostra impresa Paolo Conti", "Fui indicada pelo João Silva":
         * the writer is the lead. */
        {.name = "blind4_lead_verb_first",
         .steps = {STEP("blind4-es-lead-me-recomendo.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Ana Torres",
                              .lead_email = "patri.navarro@gmail.com",
                              .lead_phone = "612 555 014"}),
                   STEP("blind4-it-lead-mi-ha-consigliato.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Paolo Conti",
                              .lead_email = "luca.ferri@gmail.com",
                              .lead_phone = "347 555 0192"}),
                   STEP("blind4-pt-lead-indicada-pelo.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Jo\xc3\xa3o Silva",
                              .lead_email = "joana.ribeiro@gmail.com",
                              .lead_phone = "(11) 95555-0177"})}},
        /* The referrer's number in a signature ("--" in Gmail; Outlook's
         * under an image, below an "external sender" banner) is never the
         * lead's. */
        {.name = "blind4_signature_phones",
         .steps = {STEP("blind4-gmail-referrer-signature-phone.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "lina.haddad@gmail.com", .lead_phone = ABSENT}),
                   STEP("blind4-outlook-banner-cid.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "eli.warner@gmail.com",
                              .lead_phone = "503-555-0135"})}},
        /* A form service's contact form that names nobody who referred
         * the submitter (Squarespace, Contact Form 7) is an inquiry; "my
         * cousin Jordan told me" does not rename the lead in To. */
        {.name = "blind4_inquiries_and_names",
         .steps = {STEP("blind4-squarespace-plain-inquiry.eml", INTAKE_IGNORED),
                   STEP("blind4-cf7-plain-inquiry.eml", INTAKE_IGNORED),
                   STEP("blind4-to-name-not-text-name.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "Sam Lee", .lead_email = "samlee.pdx@gmail.com"})},
         .counts = {REFERRALS("*", 1)}},
        /* A person forwarding a form service's notification: an
         * introduction of the submitter, never of the service's
         * form-submission@ address. */
        {.name = "blind4_forwarded_form_notification",
         .steps = {STEP("blind4-fwd-form-notification.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "marta.kowalski@gmail.com",
                              .lead_email = "victor.huang@gmail.com"})}},
        /* Form services: Squarespace's plain contact form whose message
         * says "My friend Oliver Brandt said you did his bathroom" (the
         * submitter is the lead, never "Oliver Brandt <oksana@...>", the
         * service never the referrer); HubSpot's "How did you hear about
         * us?: My neighbor Carol Wexler recommended you"; Contact Form 7's
         * "From: Nadia Haddad <...>" above "I was referred by Priscilla
         * Gomez", its banner below. */
        {.name = "blind4_form_services_contact",
         .steps = {STEP("blind4-squarespace-friend-said.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Oliver Brandt",
                              .referrer_email = ABSENT,
                              .lead_name = "Oksana Petrenko",
                              .lead_email = "oksana.petrenko@gmail.com"}),
                   STEP("blind4-hubspot-neighbor-recommended.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Carol Wexler",
                              .lead_name = "Raj Patel",
                              .lead_email = "raj.patel.home@gmail.com",
                              .lead_phone = "503-555-0175"}),
                   STEP("blind4-cf7-referred-by.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Priscilla Gomez",
                              .lead_name = "Nadia Haddad",
                              .lead_email = "nadia.haddad@gmail.com"})}},
        /* Refer-a-friend and contact forms as the services send them:
         * Formspree's lowercase keys above their values, Typeform's
         * starred questions, Zapier's "Referral Email:", Gravity Forms'
         * label rows from the site's own wordpress@, the Google Forms
         * add-on's question above answer, Wufoo's tab-separated rows,
         * Jotform's HTML table alone. */
        {.name = "blind4_form_services_refer",
         .steps = {STEP("blind4-formspree-referred.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Steven Ashworth",
                              .lead_email = "holly.pemberton@gmail.com",
                              .lead_phone = "503-555-0158"}),
                   STEP("blind4-typeform-refer.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "lena.okoro@gmail.com",
                              .lead_name = "Ibrahim Sesay",
                              .lead_email = "ibrahim.sesay@outlook.com",
                              .lead_phone = "(503) 555-0129"}),
                   STEP("blind4-zapier-referral.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "dolores.ibarra@gmail.com",
                              .lead_email = "kwame.mensah@gmail.com"}),
                   STEP("blind4-gravity-refer.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "ernesto.salinas@gmail.com",
                              .lead_name = "Valentina Cruz",
                              .lead_email = "valentina.cruz@yahoo.com"})}},
        {.name = "blind4_form_services_refer_2",
         .steps = {STEP("blind4-google-forms-refer.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "latoya.simmons@gmail.com",
                              .lead_email = "gareth.pryce@outlook.com",
                              .lead_phone = "(503) 555-0138"}),
                   STEP("blind4-wufoo-referred.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Marguerite Lyle",
                              .lead_email = "ines.baptiste@gmail.com"}),
                   STEP("blind4-jotform-contact-referred.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Gary Holt",
                              .lead_email = "madison.clarke@gmail.com",
                              .lead_phone = "(360) 555-0115"})}},
        /* A contact form found by Google is no referral; "a friend"
         * naming nobody is held. */
        {.name = "blind4_forms_no_referrer",
         .steps = {STEP("blind4-webflow-google.eml", INTAKE_IGNORED),
                   STEP("blind4-wpforms-a-friend.eml", INTAKE_HELD,
                        .e = {.status = "held", .lead_email = "francesca.moretti@gmail.com"})}},
        /* A name must belong to its address: "My neighbour Oliver Brandt
         * needs a roof ... email his wife: mila.k77@..." gives her
         * address no name; "my friend Chuck Kowalski" is not the name of
         * bigdog4471@ in To; "my brother in law Arjun" is arjun.kapoor@'s
         * ("Arjun": his local part spells it), and the number right after
         * his address his. */
        {.name = "blind4_names_fit_addresses",
         .steps = {STEP("blind4-name-not-beside-address.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "mila.k77@gmail.com", .lead_name = ABSENT}),
                   STEP("blind4-name-not-the-recipient.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "bigdog4471@gmail.com", .lead_name = ABSENT}),
                   STEP("blind4-iphone-brother-in-law.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "arjun.kapoor@outlook.com",
                              .lead_name = "Arjun",
                              .lead_phone = "503-555-0190",
                              .rep_email = "rep@biz.test"})}},
        /* Languages: Swedish, which no rule reads (a neighbour's address
         * to the agent alone: held, her name taken from the text by her
         * address, both at one ISP and no colleagues); Polish, the intro's
         * shape but no phrase understood: held. */
        {.name = "blind4_unread_languages_held",
         .steps = {STEP("blind4-sv-name-from-address.eml", INTAKE_HELD,
                        .e = {.status = "held",
                              .lead_name = "Karin Ahlstr\xc3\xb6m",
                              .lead_email = "karin.ahlstrom@telia.se"}),
                   STEP("blind4-pl-held.eml", INTAKE_HELD,
                        .e = {.status = "held", .lead_email = "aga.zielinska@onet.pl"})},
         .counts = {REFERRALS("new", 0)}},
        /* Clients and encodings: an Outlook forward whose lead gives her
         * number (not the referrer's signature), one in German ("Ich bin
         * unter P erreichbar"), OWA's HTML alone, base64 French,
         * ISO-8859-1 and windows-1252 quoted-printable, Thunderbird's
         * format=flowed. */
        {.name = "blind4_clients_forwards",
         .steps = {STEP("blind4-outlook-fw-inquiry.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "galbers@outlook.com",
                              .referrer_email = "lmarsh@marshlaw.example",
                              .lead_phone = "425-555-0191"}),
                   STEP("blind4-outlook-de-forward-erreichbar.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "florian.brenner@gmx.de",
                              .lead_phone = "0176 5550 2211"}),
                   STEP("blind4-owa-html-only.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "bia.carvalho@outlook.com",
                              .lead_phone = "425-555-0172"})}},
        {.name = "blind4_clients_encodings",
         .steps =
                 {STEP("blind4-fr-base64.eml", INTAKE_REFERRAL,
                       .e = {.lead_name = "Mathieu Lef\xc3\xa8vre",
                             .lead_phone = "06 55 50 12 34"}),
                  STEP("blind4-nl-outlook-latin1.eml", INTAKE_REFERRAL,
                       .e = {.lead_email = "annelies.bakker@kpnmail.nl",
                             .lead_phone = "06 5550 1987"}),
                  STEP("blind4-outlook-win1252.eml", INTAKE_REFERRAL,
                       .e = {.lead_email = "declan.murphy@gmail.com",
                             .lead_phone = "087 555 0134"}),
                  STEP("blind4-de-gmx-latin1.eml", INTAKE_REFERRAL,
                       .e = {.referrer_name = "J\xc3\xbcrgen Hoffmann",
                             .lead_name = "Sabine Kr\xc3\xbcger",
                             .lead_phone = "0151 5550 1234"})}},
        {.name = "blind4_thunderbird_flowed",
         .steps = {STEP("blind4-thunderbird-flowed.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "Rutger van Leeuwen",
                              .lead_phone = "+1 503 555 0164",
                              .rep_email = "rep@biz.test"})}},
        /* "Thanks for the intro, Marguerite!" by the lead, in the intro's
         * thread: a reply on that referral, no new one. */
        {.name = "blind4_thanks_for_the_intro",
         .steps = {STEP("blind4-thanks-base-intro.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "lionel.baptiste@gmail.com"}),
                   STEP("blind4-thanks-reply.eml", INTAKE_REPLY, .same_as = 1)},
         .counts = {REFERRALS("*", 1)}},
        /* The lead answers an intro the agent never saw, to the referrer
         * alone with the business in copy, naming her: "Priyanka Rao
         * recommended you".  The one addressed is the referrer, the writer
         * the lead (read the usual way round, Priyanka was welcomed as a
         * lead and Dana thanked for referring her). */
        {.name = "lead_answers_unseen_intro",
         .steps = {STEP("lead-answers-unseen-intro.eml", INTAKE_REFERRAL,
                        .e = {.status = "new",
                              .referrer_email = "priyanka.rao@gmail.com",
                              .lead_email = "dana.whitfield@outlook.com",
                              .lead_phone = "617-555-0187"})},
         .counts = {JOBS("welcome-lead", "dana.whitfield@outlook.com", 1),
                    JOBS("thank-referrer", "priyanka.rao@gmail.com", 1),
                    JOBS("welcome-lead", "priyanka.rao@gmail.com", 0),
                    JOBS("thank-referrer", "dana.whitfield@outlook.com", 0)}},
        /* The same answer with the referrer moved to Bcc ("Moving
         * Priyanka to BCC"), the agent the only recipient, over the
         * intro Outlook quotes with its header block: the quoted
         * message's writer is the referrer the text names, not a lead
         * forwarded to the business (as a forward, Priyanka was
         * welcomed as a lead and Dana thanked). */
        {.name = "lead_quotes_unseen_intro",
         .steps = {STEP("lead-quotes-unseen-intro.eml", INTAKE_REFERRAL,
                        .e = {.status = "new",
                              .referrer_email = "priyanka.rao@gmail.com",
                              .lead_email = "dana.whitfield@outlook.com",
                              .lead_phone = "617-555-0187"})},
         .counts = {JOBS("welcome-lead", "dana.whitfield@outlook.com", 1),
                    JOBS("thank-referrer", "priyanka.rao@gmail.com", 1),
                    JOBS("welcome-lead", "priyanka.rao@gmail.com", 0),
                    JOBS("thank-referrer", "dana.whitfield@outlook.com", 0)}},
        /* From an outsiders' probe of intake (each was read wrongly).
         * A person's forward whose own line reads like a form's
         * question ("Can one of you give him a call? 617-..."), above
         * the forward's From:/Date:/To: block: a forward, not a form
         * (as a form, the lead Omar was the referrer). */
        {.name = "probe_forward_not_form",
         .steps = {STEP("forward-question-line.eml", INTAKE_REFERRAL,
                        .e = {.status = "new",
                              .referrer_email = "nicole.brennan@gmail.com",
                              .lead_email = "omar.haddad@gmail.com"})},
         .counts = {JOBS("welcome-lead", "omar.haddad@gmail.com", 1),
                    JOBS("thank-referrer", "nicole.brennan@gmail.com", 1)}},
        /* A client's complaint that says who recommended the business:
         * held for a person, nobody welcomed. */
        {.name = "probe_complaint",
         .steps = {STEP("complaint-names-referrer.eml", INTAKE_HELD,
                        .e = {.status = "held", .evidence_has = "a complaint about work done"})},
         .counts = {JOBS("welcome-lead", NULL, 0), JOBS("thank-referrer", NULL, 0)}},
        /* Typeform's questions, piped with the answers before them
         * ("What's the best way to reach Terrence?"), Auto-Submitted:
         * the friend's phone is the friend's. */
        {.name = "probe_typeform_piped",
         .steps = {STEP("form-typeform-piped.eml", INTAKE_REFERRAL,
                        .e = {.status = "new",
                              .referrer_email = "darnell.hughes@gmail.com",
                              .lead_name = "Terrence Boyd",
                              .lead_phone = "404-555-0158"})},
         .counts = {JOBS("thank-referrer", "darnell.hughes@gmail.com", 1),
                    JOBS("welcome-lead", NULL, 0)}},
        /* Proton Mail writes Feedback-ID into a person's mail: no
         * machine's; "Brightpath, copied on this" and "a friend from
         * work" are an introducer's words. */
        {.name = "probe_proton_intro",
         .steps = {STEP("intro-proton-copied.eml", INTAKE_REFERRAL,
                        .e = {.status = "new",
                              .referrer_email = "aisha.bello@proton.me",
                              .lead_email = "tkowalczyk@fastmail.com"})}},
        /* The lead answers the intro with the referrer moved to Bcc,
         * the quoted intro's header block addressed to the lead with the
         * business copied, no name for the referrer in the text ("Thank
         * you Liz"): the quoted writer is the referrer. */
        {.name = "probe_lead_quotes_intro",
         .steps = {STEP("lead-quotes-intro-bcc.eml", INTAKE_REFERRAL,
                        .e = {.status = "new",
                              .referrer_email = "egrant@comcast.net",
                              .lead_email = "ksullivan@sullivanlaw.com"})},
         .counts = {JOBS("welcome-lead", "ksullivan@sullivanlaw.com", 1),
                    JOBS("thank-referrer", "egrant@comcast.net", 1)}},
        /* "Thanks so much for the intro Bob!" (no comma), and "Jen, thank
         * you for thinking of us!!" (the name first): the lead thanks the
         * one addressed. */
        {.name = "probe_lead_thanks",
         .steps = {STEP("lead-thanks-no-comma.eml", INTAKE_REFERRAL,
                        .e = {.status = "new",
                              .referrer_email = "bob.haines@outlook.com",
                              .lead_email = "kwu.designs@gmail.com",
                              .lead_phone = "773-555-0161"}),
                   STEP("lead-thanks-name-first.eml", INTAKE_HELD,
                        .e = {.status = "held",
                              .referrer_email = "jalvarez.home@gmail.com",
                              .lead_email = "anjali.patel.sf@gmail.com"})}},
        /* The same from Gmail, the referrer moved to Bcc: the intro
         * quoted under "On ..., Priyanka Rao <priyanka.rao@gmail.com>
         * wrote:", the attribution names the referrer the text names, so
         * she is thanked at that address.  Without a name in the text
         * ("Thanks Priyanka! (moving you to bcc)") nothing says who is
         * who, and the mail is no referral. */
        {.name = "lead_quotes_attribution",
         .steps = {STEP("lead-quotes-attribution.eml", INTAKE_REFERRAL,
                        .e = {.status = "new",
                              .referrer_name = "Priyanka Rao",
                              .referrer_email = "priyanka.rao@gmail.com",
                              .lead_email = "dana.whitfield@gmail.com"})},
         .counts = {JOBS("welcome-lead", "dana.whitfield@gmail.com", 1),
                    JOBS("thank-referrer", "priyanka.rao@gmail.com", 1)}},
        /* A rep forwards a referrer's intro to the agent ("FW: intro from
         * Sarah - please log this"; Gmail's "Fwd: Intro: ..."): the
         * forwarded mail's writer is the referrer and its outside
         * recipient the lead, the rep copied on it the rep.  Read as a
         * plain forward, the rep was thanked and the referrer welcomed. */
        {.name = "rep_forwards_intro",
         .steps = {STEP("rep-forwards-intro.eml", INTAKE_REFERRAL,
                        .e = {.status = "new",
                              .referrer_email = "sarah.mitchell@gmail.com",
                              .lead_email = "kevin.tran@gmail.com",
                              .rep_email = "rep2@biz.test"}),
                   STEP("rep-forwards-intro-gmail.eml", INTAKE_REFERRAL,
                        .e = {.status = "new",
                              .referrer_email = "laura.kim@gmail.com",
                              .lead_email = "nate.fischer@gmail.com",
                              .rep_email = "rep@biz.test"})},
         .counts = {JOBS("thank-referrer", "sarah.mitchell@gmail.com", 1),
                    JOBS("welcome-lead", "kevin.tran@gmail.com", 1),
                    JOBS("thank-referrer", "rep2@biz.test", 0),
                    JOBS("welcome-lead", "sarah.mitchell@gmail.com", 0),
                    JOBS("thank-referrer", "rep@biz.test", 0),
                    JOBS("welcome-lead", "laura.kim@gmail.com", 0)}},
        /* Plain text wrapped at 72 columns: a sentence goes on on the
         * next line, so Mark's number after "call him at" is his, and
         * his need stops before the parenthesis. */
        {.name = "two_leads_wrapped",
         .steps = {STEP(
                 "two-leads-wrapped.eml", INTAKE_REFERRAL,
                 .e = {.lead_email = "mdelgado@gmail.com",
                       .lead_phone = "650-555-0101",
                       .need_has = "new windows throughout the house"},
                 .e2 = {.lead_email = "wei.zhang@yahoo.com", .need_has = "finish her basement"})},
         .counts = {REFERRALS("new", 2)}},
        /* From a third outsiders' probe.  The writer's own people
         * copied on an intro are no leads: a boss at the writer's
         * company ("on behalf of Richard Hall", Richard in Cc), a
         * business partner "for his information", a husband in To who
         * "is on here too". */
        {.name = "probe8_companions",
         .steps = {STEP("companion-boss-same-company.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "jporter@hallwaycap.test",
                              .lead_email = "mchen.home@gmail.com"}),
                   STEP("companion-partner-for-info.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "ogrant@grantbarnes.test",
                              .lead_email = "hannah.liu@gmail.com"}),
                   STEP("companion-spouse-on-here.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "emily.novak@gmail.com",
                              .lead_email = "paula.jensen@hotmail.com"})},
         .counts = {REFERRALS("new", 3)}},
        /* Mail to the business about its own needs (probe 15): the
         * owner introduced to a bookkeeper "I was telling you about" or
         * to the attorney "who helped us" (held: a person looks, since
         * the bookkeeper may need a basement too); a drywall sub asking
         * to be on the list of subs; a supplier's "who will be taking
         * care of your account"; a recruiter's "really strong
         * candidate"; the writer's "Rita Chan, my assistant" copied.
         * "The friend I was telling you about" stays an intro. */
        {.name = "business_own_needs",
         .steps = {STEP("b2b-owner-to-bookkeeper.eml", INTAKE_HELD),
                   STEP("b2b-lawyer-helped-us.eml", INTAKE_HELD),
                   /* "Ana Lopez gave me your email": Ana is a rep, no
                    * referrer to thank or reward */
                   STEP("referred-by-rep-name.eml", INTAKE_HELD,
                        .e = {.held_reason_has = "is a rep of the business"}),
                   STEP("intro-friend-i-mentioned.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "nadia.brooks@gmail.com",
                              .referrer_email = "greg.halvorsen@gmail.com"})},
         .counts = {REFERRALS("new", 1), REFERRALS("held", 3)}},
        /* The bookkeeper answering the intro that presented her to the
         * owner ("Thanks Greg - moving you to bcc", the intro quoted):
         * held as the intro is. */
        {.name = "provider_answers_intro",
         .steps = {STEP("b2b-provider-answers-intro.eml", INTAKE_HELD,
                        .e = {.held_reason_has = "presents the writer as someone"})},
         .counts = {REFERRALS("held", 1)}},
        {.name = "offers_to_the_business",
         .steps = {STEP("b2b-sub-asks-for-work.eml", INTAKE_IGNORED),
                   STEP("b2b-supplier-handover.eml", INTAKE_IGNORED),
                   STEP("b2b-recruiter-strong-candidate.eml", INTAKE_IGNORED),
                   STEP("assistant-after-name.eml", INTAKE_IGNORED)},
         .counts = {REFERRALS("new", 0)}},
        /* The business's accounting firm introducing its new staff member
         * ("Mark will be preparing your quarterly statements"). */
        {.name = "firm_introduces_its_staff",
         .steps = {STEP("b2b-firm-new-staff.eml", INTAKE_IGNORED)},
         .counts = {REFERRALS("new", 0)}},
        /* The lead bcc'd and named in the text as the subject of a need,
         * no relation word, with a number to call: a lead with a phone
         * and no address (it was ignored). */
        {.name = "lead_named_with_need_and_phone",
         .steps = {STEP("lead-named-need-phone.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "Teresa Vance",
                              .lead_phone = "971-555-0164",
                              .referrer_email = "hollis.grant@gmail.com"})}},
        /* A contact card attached (the iPhone's "Share Contact", vCard
         * 3.0, quoted-printable, "item1." group): its person is the
         * lead, with the card's address and phone; the writer's own card
         * (Outlook's, vCard 2.1) is nobody to introduce. */
        {.name = "contact_card_attached",
         .steps = {STEP("intro-vcard-iphone.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "Luis Ortega",
                              .lead_email = "luis.ortega.pdx@gmail.com",
                              .lead_phone = "(503) 555-0199",
                              .referrer_email = "kara.nguyen@icloud.com"}),
                   STEP("own-vcard-outlook.eml", INTAKE_IGNORED)},
         .counts = {REFERRALS("new", 1)}},
        /* "Jane is cc'd" alone says who is introduced when nobody else
         * is (it was read as "copied for the writer's side" and the
         * intro ignored); said of the writer's own family name ("My
         * wife Anna is cc'd" under a question) it is the writer's side. */
        {.name = "copied_says_who_is_introduced",
         .steps = {STEP("intro-lead-is-ccd.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "marcus.bell@gmail.com",
                              .lead_name = "Jane Okafor",
                              .lead_email = "jane.okafor@outlook.com"}),
                   STEP("own-inquiry-wife-is-ccd.eml", INTAKE_IGNORED)},
         .counts = {REFERRALS("new", 1)}},
        /* The one greeted is the one introduced: the writer's colleague in
         * To beside them is copied ("Jane - as promised...", Susan of the
         * writer's firm in To, Jane in Cc), and so is whoever is told
         * "Dave, looping you in"; a colleague greeted is the lead. */
        {.name = "companion_colleague_in_to",
         .steps = {STEP("companion-colleague-in-to.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "mark@partnerfirm.test",
                              .lead_email = "jane.doe@outlook.com"}),
                   STEP("companion-looping-in.eml", INTAKE_TOUCH,
                        .e = {.lead_email = "jane.doe@outlook.com"}),
                   STEP("companion-colleague-greeted.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "susan@partnerfirm.test"})},
         .counts = {REFERRALS("*", 2), JOBS("welcome-lead", "dave@kimbuilds.test", 0)}},
        /* A lead marketplace's notice is no person's referral: nothing
         * thanks "Angi"; "my sister-in-law Debbie Harmon" in a form's
         * "how did you hear" is Debbie Harmon. */
        {.name = "probe8_services",
         .steps = {STEP("lead-marketplace-notice.eml", INTAKE_IGNORED),
                   STEP("form-heard-sister-in-law.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Debbie Harmon",
                              .lead_email = "colleen.pratt@gmail.com"})},
         .counts = {JOBS("thank-referrer", NULL, 0)}},
        /* The lead answering an unseen intro: "Thanks Yvonne - moving you
         * to bcc" under Apple's quote, whose attribution is inside the
         * quote (the referrer's full name and address from it); "Thanks to
         * Deborah for connecting us!" to the rep the intro copied, over
         * Outlook's quote of it (no -2 for a conversation with the
         * business: it is the intro's). */
        {.name = "probe8_lead_answers",
         .steps = {STEP("lead-moves-referrer-bcc.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Yvonne Okoro",
                              .referrer_email = "yvonne.okoro@gmail.com",
                              .lead_email = "marcus.oyelaran@icloud.com"}),
                   STEP("lead-answers-rep-quotes-intro.eml", INTAKE_HELD,
                        .e = {.referrer_email = "deborah.klein@gmail.com",
                              .lead_email = "pnwosu@outlook.com"})}},
        /* A form service whose layout no rule reads (Tally): the people
         * in it are held with no referrer, never "referred by" the
         * service's notifications@ address. */
        {.name = "probe8_unread_form",
         .steps = {STEP(
                 "notification-unread-form.eml", INTAKE_HELD,
                 .e = {.status = "held", .held_reason_has = "that no rule reads as a form"})},
         .counts = {JOBS("thank-referrer", NULL, 0), JOBS("welcome-lead", NULL, 0)}},
        /* A lead writing to the business alone, naming who sent them, in
         * the ways people say it: "Elena Ruiz from our church gave me
         * this email", "Mi concuñada Beatriz Salas me pasó este correo",
         * "Ihre Adresse habe ich von meinem Nachbarn Herrn Krüger", "my
         * coworker Anil Kapoor swears by you guys". */
        {.name = "probe8_lead_names_referrer",
         .steps = {STEP("lead-self-church.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Elena Ruiz"}),
                   STEP("lead-self-es-concunada.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Beatriz Salas"}),
                   STEP("lead-self-de-nachbar.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Krüger"}),
                   STEP("lead-self-swears-by.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Anil Kapoor"})},
         .counts = {REFERRALS("new", 4)}},
        /* A rep forwarding the intro's thread to a colleague, the agent
         * copied: that referral's conversation, not a second
         * introduction of Bob by Sarah. */
        {.name = "rep_forwards_known_intro",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-forwards-known-intro.eml", INTAKE_REPLY, .same_as = 1)},
         .counts = {REFERRALS("new", 1), JOBS("thank-referrer", NULL, 1),
                    JOBS("update-referrer", NULL, 0)}},
        /* From a probe of the new rules' misfires: "My husband Sam
         * referred me to Brightpath, so I'm introducing you", written to
         * Samantha, is Karen's intro of Samantha (the writer's own Sam is
         * not the one addressed); a lead's "I'm out of the office until
         * Monday but yes, let's book the estimate" is the lead's reply; a
         * lead's complaint about the contractor before is no complaint
         * about this business. */
        {.name = "probe10_misfires",
         .steps = {STEP("intro-my-husband-namesake.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "karen.mills@gmail.com",
                              .lead_email = "samantha.reed@gmail.com"}),
                   STEP("lead-complains-other-contractor.eml", INTAKE_HELD,
                        .e = {.referrer_name = "Jenny Ortiz",
                              .lead_email = "paul.brennan@hotmail.com"})}},
        /* The lead forwarding the intro they got ("Greg, meet
         * Brightpath", Gmail; Apple's "Begin forwarded message" with "My
         * wife Jane is copied") to a rep: the intro's writer is the
         * referrer, the writer the lead, the wife none; a client passing
         * on the rep's own mail to her husband is the business's own
         * conversation, held at most. */
        {.name = "probe10_forwards",
         .steps = {STEP("lead-forwards-own-intro.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "linda.park@gmail.com",
                              .lead_email = "greg.foster@gmail.com"}),
                   STEP("lead-forwards-intro-spouse-cc.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "sarah@partner.test",
                              .lead_email = "bob.smith@gmail.com"}),
                   STEP("client-forwards-rep-mail.eml", INTAKE_HELD,
                        .e = {.evidence_has = "forwards the business's own mail"})},
         .counts = {JOBS("welcome-lead", "jane.smith@gmail.com", 0),
                    JOBS("welcome-lead", "linda.park@gmail.com", 0),
                    JOBS("welcome-lead", "dkim@gmail.com", 0)}},
        /* From a probe of Exchange and list mail: a referrer forwarding
         * Exchange's non-delivery report of the intro, with the right
         * address in her text.  Exchange's system mailbox (its From) is
         * a machine: it was taken as the referrer and Helen as the
         * lead. */
        {.name = "probe11_forwarded_ndr",
         .steps = {STEP("referrer-forwards-exchange-ndr.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "hmarsh@marshlegal.com",
                              .lead_email = "omar.haddad@fastmail.com"})},
         .counts = {JOBS("welcome-lead", "hmarsh@marshlegal.com", 0),
                    JOBS("thank-referrer", "hmarsh@marshlegal.com", 1)}},
        /* An intro to the business alone giving the lead's address in
         * its text: the lead never got it, so the welcome starts a
         * thread of its own (it answered "[EXTERNAL] Referral for you");
         * a lead in the intro's To gets the welcome in its thread. */
        {.name = "probe11_welcome_thread",
         .steps = {STEP("blind-contact-block-planning.eml", INTAKE_REFERRAL),
                   STEP("intro-basic.eml", INTAKE_REFERRAL)},
         .counts = {JOBS("welcome-lead", NULL, 1, .in_reply_to = ABSENT),
                    JOBS("welcome-lead", NULL, 1, .in_reply_to = "intro-basic-1@partner.test"),
                    JOBS("assign-rep", NULL, 1, .in_reply_to = ABSENT)}},
        /* The business's referral address a Google Group: an intro it
         * carries is a person's mail, not list traffic (it was ignored
         * for its Precedence: list), its author the X-Original-From of a
         * From the group rewrote ("'Priya' via Brightpath Referrals",
         * agent@biz.test).  A list of others' stays list traffic. */
        {.name = "probe11_own_group",
         .steps = {STEP("own-group-intro-rewritten.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Priya Natarajan",
                              .referrer_email = "priya.natarajan@yahoo.com",
                              .lead_email = "dokafor@gmail.com"}),
                   STEP("own-group-intro.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "marta.lindqvist@gmail.com",
                              .lead_email = "ken.yamada@outlook.com"}),
                   STEP("outside-list-recommendation.eml", INTAKE_IGNORED)},
         .counts = {JOBS("thank-referrer", "priya.natarajan@yahoo.com", 1),
                    JOBS("thank-referrer", "agent@biz.test", 0)}},
        /* Microsoft 365's first-contact safety tip and the external
         * banner on top of an intro: no part of what the referrer wrote
         * (the context the rep reads). */
        {.name = "probe11_m365_safety_tip",
         .steps = {STEP("m365-safety-tip-intro.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "luis.ferreira@gmail.com",
                              .context_has = "Meet Brightpath",
                              .context_lacks = {"often get email", "CAUTION"}})}},
        /* Outlook keeps In-Reply-To and References on a forward (the
         * forwarded mail's thread): a forward to the rep, the agent
         * copied, of the lead's own question is no reply in a thread
         * the agent never saw (it was held for that). */
        {.name = "probe11_forward_in_reply_to",
         .steps = {STEP("outlook-forward-keeps-in-reply-to.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "wbrandt@brandtinsurance.com",
                              .lead_email = "ingrid.solberg@comcast.net",
                              .lead_phone = "608-555-0164"})}},
        /* Outlook's recall of the intro reaches the agent as a mail to
         * the same people: no second introduction (it was counted as
         * Sarah introducing Bob again). */
        {.name = "probe11_recall",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("outlook-recall-intro.eml", INTAKE_IGNORED)},
         .counts = {JOBS("thank-referrer", NULL, 1), REFERRALS("*", 1)}},
        /* A lead whose display name is the address (some phones write
         * it so): the name comes from the text when it goes with the
         * address; from a text in capitals, the words of the address
         * only, not "WALT KAMINSKI NEEDS". */
        {.name = "probe11_name_is_address",
         .steps = {STEP("lead-name-is-address.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "Maria Gonzalez",
                              .lead_email = "maria.gonzalez@yahoo.com"}),
                   STEP("intro-all-caps.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "WALT KAMINSKI",
                              .lead_email = "walt.kaminski@att.net"})}},
        /* From a probe of forms, CRMs and helpdesks: a CRM's logging
         * address in Cc (HubSpot's BCC address, Email-to-Salesforce) is
         * no lead to welcome; a helpdesk's ticket notification in the
         * business's name is no referrer to thank (held: a person reads
         * who asked). */
        {.name = "probe12_crm_helpdesk",
         .steps = {STEP("intro-crm-logging-cc.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "nina@castellanorealty.com",
                              .lead_email = "howard.lim@gmail.com"}),
                   STEP("helpdesk-ticket-referral.eml", INTAKE_REFERRAL, .negate = 1)},
         .counts = {REFERRALS("new", 1), REFERRALS("held", 1), JOBS("welcome-lead", NULL, 1),
                    JOBS("thank-referrer", "support@brightpath.zendesk.com", 0),
                    JOBS("thank-referrer", NULL, 1)}},
        /* Staff passing on a lead's own mail through a shared inbox:
         * the referrer is who the lead's mail names (no address), never
         * the staff member, who was thanked for an introduction; named
         * by nobody, held. */
        {.name = "probe12_staff_forward",
         .steps = {STEP("staff-forwards-lead-mail.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Carla Diaz",
                              .referrer_email = ABSENT,
                              .lead_email = "oscar.lindgren@gmail.com"}),
                   STEP("staff-forwards-lead-mail-unnamed.eml", INTAKE_HELD,
                        .e = {.referrer_email = ABSENT, .lead_email = "pyoon@outlook.com"})},
         .counts = {JOBS("thank-referrer", NULL, 0), JOBS("welcome-lead", NULL, 1)}},
        /* The referrer's "Just checking in - did anyone get a hold of
         * Bob?" asks for the summary (it was a plain reply nobody
         * answered). */
        {.name = "probe12_referrer_checkin",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("referrer-did-anyone-reach.eml", INTAKE_REPLY, .same_as = 1)},
         .counts = {MESSAGES("status-request", 1),
                    JOBS("update-referrer", "sarah@partner.test", 1)}},
        /* A booking service's notification (Calendly): "Invitee" names
         * who booked, "What would you like to discuss?" is the need, not
         * a name (the lead was greeted "Hi Replacing,"). */
        {.name = "probe12_calendly",
         .steps = {STEP("form-calendly-booking.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "grace.whitman@gmail.com",
                              .lead_name = "Tomasz Nowicki",
                              .lead_email = "tnowicki@fastmail.com",
                              .need_has = "porch columns"})}},
        /* A Spanish form from the site's own noreply@ (a WordPress form
         * plugin): a form, not a no-reply robot's mail, and "Me los
         * recomendó mi vecino, Rodrigo Peña" names the referrer (it was
         * ignored). */
        {.name = "probe12_form_es_noreply",
         .steps = {STEP("form-site-noreply-es.eml", INTAKE_REFERRAL,
                        .e = {.referrer_name = "Rodrigo Peña",
                              .lead_name = "Inés Carrasco",
                              .lead_email = "ines.carrasco@hotmail.com",
                              .lead_phone = "650 555 0199"})},
         .counts = {JOBS("thank-referrer", NULL, 0), JOBS("welcome-lead", NULL, 1)}},
        {.name = "probe10_lead_out_of_office_but_yes",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("lead-ooo-but-yes-thread.eml", INTAKE_REPLY, .same_as = 1)},
         .counts = {MESSAGES("automated", 0)}},
        /* The lead answers the referrer, who the text calls by a short
         * form of the name in the headers: "Bob recommended you" to
         * Robert Okafor (the table of short forms), "Thanks for the
         * intro, Marg!" to Marguerite Kowalski (a short form that begins
         * the name).  Read the usual way round, Robert was welcomed as a
         * lead and Jamie thanked for referring him. */
        {.name = "lead_answers_nickname",
         .steps = {STEP("lead-answers-nickname.eml", INTAKE_REFERRAL,
                        .e = {.status = "new",
                              .referrer_email = "rokafor@yahoo.com",
                              .lead_email = "jamie.ortiz@gmail.com"})},
         .counts = {JOBS("welcome-lead", "jamie.ortiz@gmail.com", 1),
                    JOBS("thank-referrer", "rokafor@yahoo.com", 1),
                    JOBS("welcome-lead", "rokafor@yahoo.com", 0),
                    JOBS("thank-referrer", "jamie.ortiz@gmail.com", 0)}},
        {.name = "lead_thanks_short_name",
         .steps = {STEP("lead-thanks-short-name.eml", INTAKE_REFERRAL,
                        .e = {.status = "new",
                              .referrer_email = "mkowalski@gmail.com",
                              .lead_email = "lionel.baptiste@outlook.com"})},
         .counts = {JOBS("welcome-lead", "lionel.baptiste@outlook.com", 1),
                    JOBS("thank-referrer", "mkowalski@gmail.com", 1),
                    JOBS("welcome-lead", "mkowalski@gmail.com", 0),
                    JOBS("thank-referrer", "lionel.baptiste@outlook.com", 0)}},
        /* "Tunde recommended you", written to R. Okafor, the agent
         * copied: the text says the writer was referred by someone who is
         * neither the writer nor the one addressed.  Which of the two is
         * the lead is a guess: held, no mail to either. */
        {.name = "intro_names_stranger",
         .steps = {STEP("intro-names-stranger.eml", INTAKE_HELD)},
         .counts = {JOBS("welcome-lead", NULL, 0), JOBS("thank-referrer", NULL, 0)}},
        /* An ordinary intro whose text names another Bob as who
         * recommended the business: a namesake is not the recipient, the
         * roles stay as written. */
        {.name = "intro_names_namesake",
         .steps = {STEP("intro-names-namesake.eml", INTAKE_REFERRAL,
                        .e = {.status = "new",
                              .referrer_email = "ann.lee@gmail.com",
                              .lead_email = "bob.smith@gmail.com"})}},
        /* "Thanks for the intro, Marguerite!" alone (the intro unseen):
         * the same roles; thinner, so held for the admin. */
        {.name = "lead_thanks_unseen_intro",
         .steps = {STEP("blind4-thanks-reply.eml", INTAKE_HELD,
                        .e = {.status = "held",
                              .referrer_email = "m.okonkwo@gmail.com",
                              .lead_email = "lionel.baptiste@gmail.com"})},
         .counts = {JOBS("welcome-lead", NULL, 0), JOBS("thank-referrer", NULL, 0)}},
        /* Not referrals: a vendor's "introduce", a supplier's new account
         * manager, a job applicant "referred by Tom Rivera", a rep's mail
         * to a client and a client's to her rep (the agent copied), a
         * calendar invitation; a recruiter's candidate, with an address,
         * a phrase and a phone, is at most held. */
        {.name = "blind4_not_referrals",
         .steps = {STEP("blind4-vendor-pitch.eml", INTAKE_IGNORED),
                   STEP("blind4-supplier-new-rep.eml", INTAKE_IGNORED),
                   STEP("blind4-job-applicant.eml", INTAKE_IGNORED),
                   STEP("blind4-rep-reply-client.eml", INTAKE_IGNORED)},
         .counts = {REFERRALS("*", 0)}},
        {.name = "blind4_not_referrals_2",
         .steps = {STEP("blind4-customer-complaint.eml", INTAKE_IGNORED),
                   STEP("blind4-meeting-invite.eml", INTAKE_IGNORED),
                   STEP("blind4-recruiter-candidate.eml", INTAKE_REFERRAL, .negate = 1)},
         .counts = {REFERRALS("new", 0)}},
        /* A rep introducing a client and a subcontractor to each other,
         * the agent copied: held for a person, no welcome to either. */
        {.name = "rep_introduces_two_outsiders",
         .steps = {STEP("rep-introduces-supplier.eml", INTAKE_HELD,
                        .why_has = "introducing them to each other")},
         .counts = {REFERRALS("new", 0)}},
        /* A rep handing over a client whose mail client put the client in
         * To and again in Cc: one outside person, not two people
         * introduced to each other. */
        {.name = "rep_lead_in_to_and_cc",
         .steps = {STEP("rep-lead-in-to-and-cc.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "dana@client.test"})}},
        /* A neighbourhood network's "Linda from Glen Park recommended
         * Brightpath": review, naming Linda, not the place. */
        {.name = "blind_review_neighbourhood",
         .steps = {STEP("blind-review-nextdoor.eml", INTAKE_REVIEW,
                        .why_has = "Linda recommends the business")}},
        /* ---- blind set 5: follow-up mail in the thread of intro-basic,
         * from the clients that write it, written before refagent read it
         * (blind5-*.eml); their In-Reply-To names the agent's welcome or
         * assignment, which a unit store never sent: References still
         * name the intro ---- */
        /* An opt-out inside a longer, angry reply ("Stop emailing me.
         * Take me off whatever list this is.") stops the mail; "Stop by
         * anytime Thursday" does not. */
        {.name = "blind5_optout_in_longer_reply",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("blind5-lead-stop-by.eml", INTAKE_REPLY, .same_as = 1),
                   STEP("blind5-optout-angry-long.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.events = {{"opt-out", "(rule optout-line-en)"}}}),
                   STEP("blind5-optout-remove-me-outlook.eml", INTAKE_REPLY, .same_as = 1)},
         .counts = {MESSAGES("optout", 2), MESSAGES("reply", 1),
                    JOBS("notify-rep", "rep@biz.test", 1), JOBS("nudge-lead", NULL, 0)}},
        /* From an outsiders' probe of threads: "Not interested at this
         * time - please remove me from your emails." is an opt-out; an
         * auto-reply that keeps the subject and writes no header of its
         * own is known by its text and is no reply of the lead's; the
         * referrer's "Any update on Bob?" asks for the summary. */
        {.name = "blind6_thread_replies",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("blind6-ooo-plain-subject.eml", INTAKE_IGNORED),
                   STEP("blind6-referrer-any-update.eml", INTAKE_REPLY, .same_as = 1),
                   STEP("blind6-optout-remove-from-emails.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.events = {{"opt-out", "(rule optout-line-en)"}}})},
         .counts = {MESSAGES("automated", 1), MESSAGES("status-request", 1), MESSAGES("optout", 1),
                    JOBS("update-referrer", "sarah@partner.test", 1), JOBS("nudge-lead", NULL, 0),
                    JOBS("welcome-lead", NULL, 0)}},
        /* The same words where they are no request: a sentence that goes
         * on, a request not opening its sentence, a question. */
        {.name = "optout_line_not",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("optout-line-not.eml", INTAKE_REPLY, .same_as = 1)},
         .counts = {MESSAGES("optout", 0), MESSAGES("reply", 1)}},
        /* The lead's "Status? Haven't heard from Tom yet." in the thread
         * is the lead's reply, not a referrer's summary request to drop. */
        {.name = "blind5_lead_asks_status",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("blind5-lead-status-question.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.events = {{"reply", "reply from bob@client.test"}}})},
         .counts = {MESSAGES("reply", 1), JOBS("update-referrer", NULL, 0)}},
        /* The lead forwards the agent's welcome to his wife, the agent
         * copied, no References: his referral's business, not an
         * introduction of her by him. */
        {.name = "blind5_lead_forwards_welcome",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("blind5-lead-fwd-to-spouse.eml", INTAKE_REPLY, .same_as = 1,
                        .why_has = "forwards the agent's mail of referral 1")},
         .counts = {REFERRALS("*", 1), JOBS("welcome-lead", "linda.smith@gmail.com", 0),
                    JOBS("thank-referrer", "bob@client.test", 0)}},
        /* Status lines from Outlook (HTML only) and Gmail mobile, vouched
         * for: applied, the amount read; a line only in Outlook's
         * unprefixed quoted history never; of two lines the first. */
        {.name = "blind5_status_lines",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("blind5-rep-outlook-quoted-status.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "contacted"}),
                   STEP("blind5-rep-two-status-lines.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "qualified"}),
                   STEP("blind5-rep-outlook-won.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "won", .events = {{"status", "$12,500"}}})},
         .counts = {REFERRALS("lost", 0), JOBS("confirm-status", NULL, 0)}},
        /* The rep's first reply to the lead carries "#won 12,500": the
         * referrer hears the win, not also that the rep is in touch. */
        {.name = "blind5_won_in_first_contact",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("blind5-rep-outlook-won.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "won", .first_contact = 1})},
         .counts = {JOBS("update-referrer", "sarah@partner.test", 1),
                    JOBS("update-referrer", NULL, 1, .note_has = "update.won=yes")}},
        /* "#lost went with another contractor" in the first reply (Apple
         * Mail): no "under way" news to the referrer; the loss itself is
         * told only with update_on_lost. */
        {.name = "blind5_lost_in_first_contact",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("blind5-rep-apple-lost.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "lost",
                              .first_contact = 1,
                              .events = {{"status", "went with another contractor"}}})},
         .counts = {JOBS("update-referrer", NULL, 0), JOBS("nudge-lead", NULL, 0)}},
        {.name = "blind5_status_line_mobile",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("blind5-rep-gmail-mobile-won-k.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "won", .events = {{"status", "$12,500"}}})}},
        /* A status line typed below the signature ("Sent from my
         * iPhone", "Get Outlook for iOS"): neither lost with the signature
         * nor applied unchecked, even vouched for: the rep confirms it by
         * mail; an older line in Outlook's unprefixed history below is not
         * the one asked about. */
        {.name = "status_line_below_signature",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-status-below-iphone.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "contacted",
                              .events = {{"confirm", "\"#won 12000\" from rep@biz.test (found "
                                                     "below the signature only)"}}}),
                   STEP("rep-status-below-outlook-mobile.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "contacted"})},
         .counts = {JOBS("confirm-status", "rep@biz.test", 2,
                         .note_has = "\nconfirm.where=below your signature\n"),
                    JOBS("confirm-status", NULL, 1, .note_has = "won, $12,000\n"),
                    JOBS("confirm-status", NULL, 1, .note_has = "won, $8,000\n"),
                    JOBS("confirm-status", NULL, 0, .note_has = "99,999"), REFERRALS("won", 0)}},
        /* Below "Thanks,\nTom" in Gmail, no server verdict configured:
         * asked, as any line would be, and told where it was found. */
        {.name = "status_line_below_signoff",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-status-below-signoff.eml", INTAKE_REPLY, .same_as = 1)},
         .counts = {JOBS("confirm-status", "rep@biz.test", 1,
                         .note_has = "as lost (went with family)\nconfirm.where=below your "
                                     "signature\n"),
                    REFERRALS("lost", 0)}},
        /* Not applied: a header of another server's id, the rep's own
         * Gmail (nobody written to), a stranger's subject tag. */
        {.name = "blind5_status_lines_refused",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("blind5-rep-forged-ar.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "new"}),
                   STEP("blind5-rep-personal-gmail-won.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "new",
                              .events = {{"refused", "from tom.rivera77@gmail.com"}}}),
                   STEP("blind5-stranger-subject-tag.eml", INTAKE_IGNORED)},
         .counts = {REFERRALS("new", 1), JOBS("refused-rep", "rep@biz.test", 1),
                    JOBS("refused-rep", "tom.rivera77@gmail.com", 0),
                    JOBS("refused-rep", "mallory@other.test", 0)}},
        /* Auto-replies without Auto-Submitted, and reports: none is the
         * lead's answer; a delay marks nothing, a returned message with
         * only its headers and a rewritten Message-ID still bounces. */
        {.name = "blind5_automated",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("blind5-auto-outlook-oof-no-autosubmitted.eml", INTAKE_IGNORED),
                   STEP("blind5-auto-german-abwesenheit.eml", INTAKE_IGNORED),
                   STEP("blind5-auto-ticket-received.eml", INTAKE_IGNORED)},
         .counts = {MESSAGES("reply", 0), MESSAGES("automated", 3)}},
        /* The writer's wife copied beside the lead, her family name the
         * feminine form of his (Kowalski / Kowalska, Černý / Černá): no
         * lead. */
        {.name = "companion_gendered_family_name",
         .steps = {STEP("probe14-pl-04-wife-cc.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "ewa.mazur@wp.pl"}),
                   STEP("probe14-cs-03-wife-cc.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "lucie.vesela@gmail.com"})},
         .counts = {REFERRALS("*", 2)}},
        /* "Kontakt na něj: jan@...", "Kontakt: jan@...": a contact label
         * of another language is no name; the text's "Jan Dvořák" is. */
        {.name = "contact_label_no_name",
         .steps = {STEP("probe14-cs-02-text-lead.eml", INTAKE_REFERRAL,
                        .e = {.lead_name = "Jan Dvo\xc5\x99\xc3\xa1k",
                              .lead_email = "jan.dvorak@seznam.cz"}),
                   STEP("probe14-de-01-kontakt-label.eml", INTAKE_TOUCH,
                        .e = {.lead_name = "Jan Dvo\xc5\x99\xc3\xa1k"})}},
        /* "Telefonisch bin ich unter 0171 2345678 erreichbar": the
         * writer's own number, found by the cue word too, is not the
         * lead's. */
        {.name = "writer_phone_not_lead",
         .steps = {STEP("probe14-de-writer-phone.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "jana.vogel@web.de", .lead_phone = ABSENT})}},
        /* A customer's own request with the spouse copied ("I've cc'd my
         * husband Mark so he gets the details too", "Meine Frau\nSabine
         * habe ich in Kopie gesetzt", "Pongo en copia a mi marido"): no
         * referral of the spouse; a mother introducing her daughter (the
         * same family name, nothing saying she is on the writer's side)
         * still is one. */
        {.name = "spouse_copied_on_own_request",
         .steps = {STEP("probe14-en-husband-cc.eml", INTAKE_IGNORED),
                   STEP("probe14-de-wife-cc.eml", INTAKE_IGNORED),
                   STEP("probe14-es-husband-cc.eml", INTAKE_IGNORED),
                   STEP("family-intro-daughter.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "emma.walsh@gmail.com"})},
         .counts = {REFERRALS("*", 1)}},
        /* A site's contact form whose Message introduces a friend ("I'd
         * like to refer my neighbour Jane Doe (jane.doe@...)"): held as
         * before, but the lead is Jane, not the submitter's own Name and
         * Email fields, the submitter's Phone field is not hers, and the
         * submitter (Reply-To) is shown as the referrer. */
        {.name = "form_message_intro",
         .steps = {STEP("form-message-intro.eml", INTAKE_HELD,
                        .e = {.referrer_name = "Mark Partner",
                              .referrer_email = "mark@partner.test",
                              .lead_email = "jane.doe@client.test",
                              .lead_phone = ABSENT,
                              .need_has = "roof"})}},
        /* A need wrapped with its sentence at 72 columns is the whole
         * clause ("... her new condo in\nSoMa."), in English and in
         * Portuguese; a short line under which a label follows ends it. */
        {.name = "need_wrapped",
         .steps = {STEP("need-wrapped.eml", INTAKE_REFERRAL,
                        .e = {.need_has = "of her new condo in SoMa"}),
                   STEP("need-wrapped-pt.eml", INTAKE_REFERRAL,
                        .e = {.need_has = "apartamento novo em Campo de Ourique"}),
                   STEP("need-short-line-label.eml", INTAKE_REFERRAL,
                        .e = {.need_has = "is looking to redo her kitchen"})},
         .after = {{.id = 3, .e = {.budget_has = "$20k"}}}},
        /* The referrer introduces someone new in a reply in the thread
         * ("While I have you: Ines, meet Brightpath!", Ines copied): a
         * referral of its own, not a reply that drops her; adding a
         * husband to the thread is still a reply. */
        {.name = "reply_introduces_newcomer",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("reply-adds-companion.eml", INTAKE_REPLY, .same_as = 1),
                   STEP("reply-introduces-newcomer.eml", INTAKE_REFERRAL,
                        .e = {.referrer_email = "sarah@partner.test",
                              .lead_email = "ines.duarte@gmail.com",
                              .need_has = "deck"})},
         .counts = {REFERRALS("*", 2), JOBS("welcome-lead", "ines.duarte@gmail.com", 1),
                    JOBS("welcome-lead", "mark.lee@gmail.com", 0)}},
        /* The referrer forwards the intro again before anybody wrote to
         * the lead ("just checking this came through? Bob hasn't heard
         * from anyone"): a touch; the rep is told with their words, the
         * referrer gets the summary. */
        {.name = "referrer_introduces_again",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("referrer-introduces-again.eml", INTAKE_TOUCH, .same_as = 1)},
         .counts = {JOBS("notify-rep", "rep@biz.test", 1,
                         .note_has = "notify.again=yes\nnotify.words=Hi, just checking this"),
                    /* their words, not the forward below them */
                    JOBS("notify-rep", "rep@biz.test", 0, .note_has = "Forwarded message"),
                    JOBS("update-referrer", "sarah@partner.test", 1, .note_has = "summary"),
                    JOBS("thank-referrer", "sarah@partner.test", 1)}},
        /* The referrer answers the thank-you with news for the rep
         * ("he'd rather get a call in the mornings"): nobody but the
         * agent got it, so the rep gets their words; a plain "My
         * pleasure - good luck!" (class courtesy) is only recorded. */
        {.name = "referrer_words_to_rep",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("referrer-answers-thanks.eml", INTAKE_REPLY, .same_as = 1, .sent = 1),
                   STEP("referrer-thanks-courtesy.eml", INTAKE_REPLY, .same_as = 1)},
         .counts = {JOBS("notify-rep", "rep@biz.test", 1,
                         .note_has = "notify.referrer=yes\nnotify.words=Thanks so much! Heads up: "
                                     "Bob is away until the 14th"),
                    JOBS("notify-rep", "rep@biz.test", 1,
                         .note_has = "notify.email=sarah@partner.test\nnotify.introducer=yes"),
                    JOBS("notify-rep", "rep@biz.test", 0, .note_has = "My pleasure"),
                    JOBS("notify-rep", "rep@biz.test", 0, .note_has = "Tom Rivera will be")}},
        /* A rep introducing a client to a lender, the agent copied
         * ("Jen - as promised, meet Carlos"): neither is the business's
         * lead; held, nobody welcomed, however warm the words.  A client
         * asking the rep to recommend an electrician, her sister-in-law
         * copied: held, not a referral of the sister-in-law (the first
         * held twice, once for each of the people it names). */
        {.name = "business_intro_out_and_asks_recommendation",
         .steps = {STEP("rep-introduces-client-out.eml", INTAKE_HELD),
                   STEP("client-asks-recommendation-cc.eml", INTAKE_HELD)},
         .counts = {JOBS("welcome-lead", NULL, 0), JOBS("thank-referrer", NULL, 0),
                    REFERRALS("held", 3)}},
        /* A referrer forwards her barber's mail about one of his
         * customers, with the customer's address ("His email is ..."):
         * the customer is the lead, not the barber who wrote it. */
        {.name = "forward_of_middleman",
         .steps = {STEP("forward-middleman.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "dan.okafor@gmail.com",
                              .lead_name = "Daniel Okafor",
                              .referrer_email = "chris.evans@partner.test"})},
         .counts = {JOBS("welcome-lead", "marco@bellinibarbers.test", 0),
                    JOBS("welcome-lead", "dan.okafor@gmail.com", 1)}},
        /* The lead, months later, thanks the referrer who introduced
         * them ("Sarah, just wanted to say thank you again for connecting
         * me with Brightpath"), the agent copied: Sarah is no new lead.
         * With the referral still open, a touch on it; once it is won, a
         * reply on it: no second referral, no welcome to a client. */
        {.name = "lead_thanks_referrer_later",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("lead-thanks-referrer-later.eml", INTAKE_TOUCH, .same_as = 1),
                   STEP("rep-status-won-eu.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "won"}),
                   STEP("lead-thanks-referrer-won.eml", INTAKE_REPLY, .same_as = 1)},
         .counts = {REFERRALS("*", 1), JOBS("welcome-lead", "sarah@partner.test", 0)}},
        /* The lead thanking the referrer in other words than "thanks for
         * the intro": "Dana - I never properly thanked you for
         * introducing me to Brightpath", "Thank you so much for
         * recommending Brightpath, Olivia!", the agent copied, with no
         * history: the writer is the lead, the one thanked the referrer
         * (read the other way round, Dana was welcomed as a lead: probe
         * 20); held, since nothing says whether it is new */
        {.name = "lead_thanks_referrer_other_words",
         .steps = {STEP("lead-thanks-referrer-dash.eml", INTAKE_HELD,
                        .e = {.lead_email = "chris.young.pdx@gmail.com",
                              .referrer_email = "danaruiz@gmail.com",
                              .evidence_has = "the lead answers the referrer"}),
                   STEP("lead-thanks-referrer-name-last.eml", INTAKE_HELD,
                        .e = {.lead_email = "tquinn@icloud.com",
                              .referrer_email = "olivia.grant@gmail.com"})},
         .counts = {JOBS("welcome-lead", NULL, 0)}},
        /* "To: Grace Adams <adamsfamily@...>" from "Paul Adams
         * <adamsfamily@...>": the family's shared address under another
         * name; her welcome would be his mail, and the intro was dropped
         * as naming no lead (probe 20): review, naming Grace */
        {.name = "lead_shares_writer_address",
         .steps = {STEP("lead-shares-writer-address.eml", INTAKE_REVIEW,
                        .why_has = "Grace Adams (addressed at the writer's own address)")},
         .counts = {REFERRALS("*", 0), JOBS("welcome-lead", NULL, 0)}},
        /* "their number is ..." about the business, to the lead: the
         * business's own [agent] phone is never the lead's. */
        {.name = "business_number_not_lead",
         .steps = {STEP("intro-business-number.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "omar.haddad@client.test", .lead_phone = ABSENT})}},
        /* Contact forms of form services that write the value under its
         * label (Formspree's "name:", Wix's "Name:" under "You've got a
         * new form submission"), whose message names who referred the
         * submitter: the submitter is the lead. */
        {.name = "form_service_value_below_label",
         .steps = {STEP("form-formspree-contact.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "nina.patel@client.test",
                              .lead_phone = "415-555-0187",
                              .referrer_name = "Carl Jensen"}),
                   STEP("form-wix-contact.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "omar.reyes@client.test",
                              .referrer_name = "Grace Liu"})}},
        /* A list of two people introduced, one with only a phone ("2.
         * Stan Kowal - 415-555-0191 - ... doesn't do email"): both are
         * leads; Stan was dropped, with nobody told. */
        {.name = "list_lead_with_phone_only",
         .steps = {STEP("list-two-leads-one-phone.eml", INTAKE_REFERRAL,
                        .e = {.lead_email = "bea.nakamura@client.test", .need_has = "attic"},
                        .e2 = {.lead_email = ABSENT,
                               .lead_name = "Stan Kowal",
                               .lead_phone = "415-555-0191",
                               .need_has = "skylight"})},
         .counts = {REFERRALS("new", 2)}},
        /* "Ask for Ana, she ran our whole project": the writer chose the
         * rep in the text; the welcome names her, not the round robin's. */
        {.name = "rep_asked_for",
         .steps = {STEP(
                 "intro-ask-for-rep.eml", INTAKE_REFERRAL,
                 .e = {.lead_email = "omar.haddad@client.test", .rep_email = "rep2@biz.test"})}},
        /* "Hi Bob, thanks for the intro to your sister ... I'd like to
         * introduce you to Brightpath": the writer thanks Bob, then
         * introduces him; Bob is the lead, not Sarah. */
        {.name = "thanks_then_introduces",
         .steps = {STEP(
                 "intro-returns-favour.eml", INTAKE_REFERRAL,
                 .e = {.lead_email = "bob@client.test", .referrer_email = "sarah@partner.test"})}},
        /* The same status line twice before the first question went
         * out: one question. */
        {.name = "same_line_asked_once",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-status-line.eml", INTAKE_REPLY, .same_as = 1),
                   STEP("rep-status-line-again.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.events = {{"confirm", "already waiting for"}}})},
         .counts = {JOBS("confirm-status", "rep@biz.test", 1)}},
        /* Once the referral is won, the questions still waiting to be
         * sent ("answer yes to mark Bob Smith as won", "... as
         * contacted") are not: they would ask to change a closed
         * referral. */
        {.name = "closed_cancels_questions",
         .authserv_id = "mx.biz.test",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("rep-status-unverified.eml", INTAKE_REPLY, .same_as = 1),
                   STEP("blind5-rep-outlook-won.eml", INTAKE_REPLY, .same_as = 1,
                        .e = {.status = "won"})},
         .counts = {JOBS("refused-rep", NULL, 0, .note_has = "refused.action="),
                    JOBS("confirm-status", NULL, 0)}},
        /* The lead answers the intro to the referrer alone, before the
         * welcome went out: the welcome ("glad to be introduced") is not
         * sent to someone who said "wrong person", and the rep, who was
         * not on it, gets the lead's words.  With the rep on it, no
         * notice. */
        {.name = "lead_answers_intro_without_rep",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("lead-answers-intro-wrong-person.eml", INTAKE_REPLY, .same_as = 1),
                   STEP("lead-answers-welcome-with-rep.eml", INTAKE_REPLY, .same_as = 1)},
         .counts = {JOBS("welcome-lead", NULL, 0),
                    JOBS("notify-rep", "rep@biz.test", 1,
                         .note_has = "notify.reply=yes\nnotify.words=Hi Sarah, I think you have "
                                     "the wrong Bob. I'm not planning any kitchen work and I "
                                     "never asked for this.\nnotify.welcome=yes\n"),
                    JOBS("notify-rep", NULL, 1)}},
        /* A rep's full mailbox (the copy of the welcome bounced) stops
         * none of the rep's mail: noted, and the admin told. */
        {.name = "bounce_of_the_rep",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("bounce-rep-mailbox-full.eml", INTAKE_IGNORED, .sent = 1)},
         .counts = {JOBS("notify-rep", "admin@biz.test", 1,
                         .note_has = "notify.staff=yes\nnotify.email=rep@biz.test\nnotify."
                                     "reason=5.2.2"),
                    JOBS("notify-rep", "rep@biz.test", 0), JOBS("remind-rep", "rep@biz.test", 1)},
         .after = {{.id = 1,
                    .e = {.events = {{"bounce", "mail to rep@biz.test, of the business, "
                                                "bounced (5.2.2"}}}}}},
        /* A report that names the referral only counts from the null
         * sender, and only for an address its mail went to: a person's
         * forged one and a relay's about someone never written to stop
         * nothing. */
        {.name = "bounce_not_ours",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("bounce-forged-by-person.eml", INTAKE_IGNORED, .sent = 1),
                   STEP("bounce-never-sent.eml", INTAKE_IGNORED)},
         .counts = {JOBS("notify-rep", NULL, 0), JOBS("remind-rep", "rep@biz.test", 1)},
         .after = {{.id = 1, .e = {.no_event = "bounce"}}}},
        /* The lead writes a report on the welcome he got (he knows its
         * Message-ID) naming the referrer: the welcome never went to
         * her, so her mail does not stop (the referral's thank-you did
         * go to her, but the report does not quote it). */
        {.name = "bounce_forged_by_lead",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("bounce-forged-by-lead.eml", INTAKE_IGNORED, .sent = 1)},
         .counts = {JOBS("notify-rep", NULL, 0)},
         .after = {{.id = 1, .e = {.no_event = "bounce"}}}},
        {.name = "blind5_bounces",
         .steps = {STEP("intro-basic.eml", INTAKE_REFERRAL),
                   STEP("blind5-bounce-delayed.eml", INTAKE_IGNORED, .sent = 1),
                   STEP("blind5-bounce-headers-only.eml", INTAKE_IGNORED)},
         .counts = {JOBS("notify-rep", "rep@biz.test", 1), JOBS("welcome-lead", NULL, 0),
                    JOBS("nudge-lead", NULL, 0)},
         .after = {{.id = 1, .e = {.events = {{"bounce", "bob@client.test bounces (5.2.1"}}}}}},
};
/* want NULL: not checked; ABSENT: must be NULL; else equal. */
static void check_text(const char *what, const char *got, const char *want)
{
	if (want == NULL)
		return;
	if (strcmp(want, ABSENT) == 0) {
		if (got != NULL)
			fail_msg("%s is \"%s\", want none", what, got);
		return;
	}
	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s is \"%s\", want \"%s\"", what, got ? got : "(null)", want);
}

/* got must hold part (part NULL: not checked). */
static void check_has(const char *what, const char *got, const char *part)
{
	if (part != NULL && (got == NULL || strstr(got, part) == NULL))
		fail_msg("%s \"%s\" lacks \"%s\"", what, got ? got : "(null)", part);
}

static void check_referral(struct fx *f, int64_t id, const struct expect *e)
{
	struct shown s;

	get(f, id, &s);
	check_text("status", s.v.status, e->status);
	check_text("referrer name", s.v.referrer.name, e->referrer_name);
	check_text("referrer email", s.v.referrer.email, e->referrer_email);
	check_text("lead name", s.v.lead.name, e->lead_name);
	check_text("lead email", s.v.lead.email, e->lead_email);
	check_text("lead phone", s.v.lead.phone, e->lead_phone);
	check_text("lead company", s.v.lead.company, e->lead_company);
	check_text("rep name", s.v.rep_name, e->rep_name);
	check_text("rep email", s.v.rep_email, e->rep_email);
	check_text("subject", s.v.subject, e->subject);
	check_has("budget", s.v.budget, e->budget_has);
	check_has("need", s.v.need, e->need_has);
	check_has("evidence", s.v.evidence, e->evidence_has);
	check_has("held reason", s.v.held_reason, e->held_reason_has);
	check_has("context", s.v.context, e->context_has);
	for (size_t i = 0; i < MAX_LACKS && e->context_lacks[i]; i++)
		if (s.v.context == NULL || strstr(s.v.context, e->context_lacks[i]) != NULL)
			fail_msg("context \"%s\" holds \"%s\"",
			         s.v.context ? s.v.context : "(null)", e->context_lacks[i]);
	if (e->first_contact)
		assert_true(s.v.first_contact_at > 0);
	if (e->no_event && has_event(&s, e->no_event, NULL))
		fail_msg("a %s event, want none", e->no_event);
	for (size_t i = 0; i < MAX_EVENTS && e->events[i].kind; i++)
		if (!has_event(&s, e->events[i].kind, e->events[i].detail_has))
			fail_msg("no %s event with \"%s\"", e->events[i].kind,
			         e->events[i].detail_has ? e->events[i].detail_has : "");
	unget(&s);
}

static int expects_any(const struct expect *e)
{
	static const struct expect none;

	return memcmp(e, &none, sizeof(none)) != 0;
}

/* Pending jobs of mail job to `to` (NULL: anyone) whose note holds
 * note_has (NULL: any). */
static int64_t count_jobs(struct fx *f, const struct count *k)
{
	struct job_view *v = NULL;
	size_t n = 0;
	int64_t got = 0;

	assert_int_equal(store_jobs_list(f->st, "pending", &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		got += strcmp(v[i].template, k->job) == 0 &&
		       (k->to == NULL || strcmp(v[i].recipient, k->to) == 0) &&
		       (k->note_has == NULL || (v[i].note && strstr(v[i].note, k->note_has))) &&
		       (k->in_reply_to == NULL ||
		        (strcmp(k->in_reply_to, ABSENT) == 0
		                 ? v[i].in_reply_to == NULL
		                 : v[i].in_reply_to &&
		                           strcmp(v[i].in_reply_to, k->in_reply_to) == 0));
	store_job_views_free(v, n);
	return got;
}

/* The pending jobs due within a day count as sent, as `send` would have
 * them; later ones (a nudge, a reminder) wait. */
static void send_due(struct fx *f)
{
	struct job_view *v = NULL;
	size_t n = 0;

	assert_int_equal(store_jobs_list(f->st, "pending", &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (v[i].due_at <= clock_now() + 86400) {
			/* stored as the outbox stores a sent mail, so that a reply
			 * to it finds its referral */
			struct msg_rec m = {.key = v[i].message_key,
			                    .direction = "out",
			                    .kind = v[i].template,
			                    .from_email = "agent@biz.test",
			                    .date = v[i].due_at,
			                    .at = v[i].due_at};
			int64_t msg_id = 0;

			assert_int_equal(
			        store_job_sent(f->st, v[i].id, v[i].due_at, "250 2.0.0 Ok"), 0);
			assert_int_equal(store_message_add(f->st, &m, &msg_id), 0);
			if (v[i].referral_id)
				assert_int_equal(
				        store_message_link(f->st, msg_id, v[i].referral_id), 0);
		}
	store_job_views_free(v, n);
}

static void run_case(void **state)
{
	struct fx *f = *state;
	const struct intake_case *c = f->c;
	int64_t ids[MAX_STEPS] = {0};

	if (c->authserv_id) {
		free(f->cfg->authserv_id);
		f->cfg->authserv_id = xstrdup(c->authserv_id);
	}
	for (size_t i = 0; i < MAX_STEPS && c->steps[i].file; i++) {
		const struct step *st = &c->steps[i];
		char *why = NULL;
		enum intake_outcome got;

		if (st->sent)
			send_due(f);
		got = ingest(f, st->file, &ids[i], &why);

		check_has("why", why, st->why_has);
		free(why);
		if (st->negate && got == st->outcome)
			fail_msg("step %zu, %s: %s, want anything else", i + 1, st->file,
			         intake_outcome_name(got));
		if (!st->negate && got != st->outcome)
			fail_msg("step %zu, %s: %s, want %s", i + 1, st->file,
			         intake_outcome_name(got), intake_outcome_name(st->outcome));
		if (!st->negate &&
		    (got == INTAKE_REFERRAL || got == INTAKE_TOUCH || got == INTAKE_HELD))
			assert_true(ids[i] > 0);
		if (st->id)
			assert_int_equal(ids[i], st->id);
		if (st->same_as)
			assert_int_equal(ids[i], ids[st->same_as - 1]);
		if (expects_any(&st->e))
			check_referral(f, ids[i], &st->e);
		if (expects_any(&st->e2))
			check_referral(f, ids[i] + 1, &st->e2);
	}
	for (size_t i = 0; i < MAX_AFTER && c->after[i].id; i++)
		check_referral(f, c->after[i].id, &c->after[i].e);
	for (size_t i = 0; i < MAX_COUNTS && (c->counts[i].status || c->counts[i].kind ||
	                                      c->counts[i].job || c->counts[i].confirmations);
	     i++) {
		const struct count *k = &c->counts[i];
		int64_t n = 0;

		if (k->job)
			n = count_jobs(f, k);
		else if (k->confirmations)
			n = test_db_int(
			        f->cfg->database,
			        "SELECT count(*) FROM confirmations WHERE state = 'pending'");
		else if (k->kind)
			assert_int_equal(store_message_count(f->st, k->kind, &n), 0);
		else
			n = (int64_t)count_referrals(f, strcmp(k->status, "*") == 0 ? NULL
			                                                            : k->status);
		if (n != k->n)
			fail_msg("%" PRId64 " %s %s%s%s%s%s, want %" PRId64, n,
			         k->job             ? "pending jobs"
			         : k->kind          ? "messages"
			         : k->confirmations ? "pending"
			                            : "referrals",
			         k->job             ? k->job
			         : k->kind          ? k->kind
			         : k->confirmations ? "confirmations"
			                            : k->status,
			         k->to ? " to " : "", k->to ? k->to : "",
			         k->note_has ? " noting " : "", k->note_has ? k->note_has : "",
			         k->n);
	}
}

/* ---- cases that need a setup of their own ---- */

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

/* The amount of a #won line, in the ways reps write it. */
static void test_won_amount(void **state)
{
	static const struct {
		const char *line;
		int rc;
		double value;
		const char *rest;
	} v[] = {
	        {"12000", 1, 12000, ""},
	        {"$12,000 kitchen", 1, 12000, "kitchen"},
	        {"12,000.50 EUR", 1, 12000.5, ""},
	        {"12.000", 1, 12000, ""},
	        {"12.500,00 \xe2\x82\xac - Bad fertig", 1, 12500, "Bad fertig"},
	        {"12 000 EUR.", 1, 12000, ""},
	        {"12'000 CHF", 1, 12000, ""},
	        {"USD 12000: signed", 1, 12000, "signed"},
	        {"12k", 1, 12000, ""},
	        {"1,5k", 1, 1500, ""},
	        {"12.000,- \xe2\x82\xac", 1, 12000, ""},
	        {"12000 for the kitchen", 1, 12000, "for the kitchen"},
	        {"$12,000!", 1, 12000, ""},
	        {"no budget", 0, 0, NULL},
	        {"Q3 deal", 0, 0, NULL},
	        {"", 0, 0, NULL},
	        {"12.34.5", -1, 0, NULL},
	        {"12,0000,0", -1, 0, NULL},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		double value = -1;
		const char *rest = NULL;
		int rc = reply_amount(v[i].line, &value, &rest);

		if (rc != v[i].rc || (rc == 1 && (value != v[i].value || strcmp(rest, v[i].rest))))
			fail_msg("'%s': %d %f '%s', want %d %f '%s'", v[i].line, rc, value,
			         rest ? rest : "", v[i].rc, v[i].value, v[i].rest ? v[i].rest : "");
	}
}

int main(void)
{
	const struct CMUnitTest own[] = {
	        cmocka_unit_test_setup_teardown(test_not_a_message, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_decide_writes_nothing, setup, teardown),
	        cmocka_unit_test(test_won_amount),
	};
	struct CMUnitTest tests[ARRAY_SIZE(cases) + ARRAY_SIZE(own)];
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		tests[n++] = (struct CMUnitTest){.name = cases[i].name,
		                                 .test_func = run_case,
		                                 .setup_func = setup,
		                                 .teardown_func = teardown,
		                                 .initial_state = (void *)&cases[i]};
	for (size_t i = 0; i < ARRAY_SIZE(own); i++)
		tests[n++] = own[i];
	message_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	message_shutdown();
	return rc;
}

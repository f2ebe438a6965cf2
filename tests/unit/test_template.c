/*
 * test_template.c - the nine mail texts in templates/ and the small
 * template language: the real files load and render cleanly with every
 * value and with almost none, values are escaped where they must be,
 * sections and blank-line rules behave, and every fault is reported with
 * its exact file:line.
 */
#include "testutil.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "template.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/refagent-template-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Loads tdir with stderr captured; returns the rc and sets *out. */
static int load_capture(const char *tdir, struct template_set **set, char **out)
{
	struct stderr_capture c;
	int rc;

	stderr_capture_begin(&c);
	rc = template_load(tdir, set);
	*out = stderr_capture_end(&c);
	return rc;
}

static void write_bytes(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	fclose(fp);
}

static void write_file(const char *path, const char *text)
{
	write_bytes(path, text, strlen(text));
}

/*
 * A set of nine in a fresh folder under dir: thank-referrer.tmpl is text,
 * the other eight a one-line mail.  Loads it (asserting no fault) and
 * returns it.
 */
static struct template_set *set_with(const char *text)
{
	static int n;
	char *sub = xasprintf("%s/set%d", dir, n++);
	struct template_set *set = NULL;
	char *out = NULL;

	assert_int_equal(mkdir(sub, 0700), 0);
	for (size_t i = 0; i < MAIL_COUNT; i++) {
		char *path = xasprintf("%s/%s.tmpl", sub, mail_name((enum mail_kind)i));

		write_file(path, i == 0 ? text : "Subject: x\n\nx\n");
		free(path);
	}
	if (load_capture(sub, &set, &out) != 0)
		fail_msg("set did not load:\n%s", out);
	assert_string_equal(out, "");
	free(out);
	free(sub);
	return set;
}

static const struct tvar full[] = {
        {"business.name", "Brightpath Consulting"},
        {"business.email", "referrals@brightpath.test"},
        {"business.phone", "+44 20 7946 0000"},
        {"business.website", "https://brightpath.test"},
        {"referrer.name", "Sarah Lee"},
        {"referrer.first_name", "Sarah"},
        {"referrer.email", "sarah@client.test"},
        {"lead.name", "Noah Baker"},
        {"lead.first_name", "Noah"},
        {"lead.email", "noah@example.com"},
        {"lead.phone", "+44 7700 900123"},
        {"lead.company", "Baker & Sons"},
        {"rep.name", "Tom Reed"},
        {"rep.first_name", "Tom"},
        {"rep.email", "tom@brightpath.test"},
        {"rep.phone", "+44 20 7946 0001"},
        {"referral.id", "42"},
        {"referral.status", "new"},
        {"referral.subject", "Meet Noah"},
        {"referral.context", "Hi Noah,\r\nmeet Tom.\r\n\r\n\r\n\r\nSarah"},
        {"referral.need", "bookkeeping"},
        {"referral.budget", "5000"},
        {"referral.timeline", "this quarter"},
        {"referral.created", "2026-03-02"},
        {"referral.value", "12000"},
        {"referral.waiting", "1 business day"},
        {"reminder.number", "1"},
        {"reminder.escalated", "yes"},
        {"reminder.first", "yes"},
        {"reminder.second", "yes"},
        {"update.contacted", "yes"},
        {"update.won", "yes"},
        {"update.lost", "yes"},
        {"update.note", "Tom says hello."},
        {"reward.amount", "EUR 100"},
        {"reward.note", "It comes by bank transfer within two weeks."},
        {"summary.text", "You have introduced three people so far."},
        {"credit.name", "Ann Other"},
        {"credit.note", "Thank you for understanding."},
        {"unsubscribe.hint", "Reply stop and we will not write again."},
        {"confirm.action", "mark Tom as won, 12000.00"},
        {"notify.text", "Mail to tom@example.test bounces: 550 5.1.1 unknown user."},
        {"review.items", "#7 held: 6 leads is more than max_leads 5\n#8 no longer held (now new)"},
        {"review.count", "1"},
        {"refused.line", "#won 12000"},
        {"refused.why", "mx.biz.test: dmarc=fail: nothing passes"},
        {"refused.unverified", "yes"},
        {"refused.action", "mark Noah Baker as won, $12,000"},
};

static const struct tvar minimal[] = {
        {"business.name", "Brightpath"},
        {"referral.id", "42"},
};

static void render_ok(const struct template_set *set, const char *name, const struct tvar *vars,
                      size_t n, struct rendered *r)
{
	char *err = NULL;
	enum mail_kind k;

	if (!mail_parse(name, &k))
		fail_msg("no mail is called %s", name);
	if (template_render(set, k, vars, n, r, &err) != 0)
		fail_msg("render %s: %s", name, err ? err : "?");
	assert_null(err);
	assert_non_null(r->subject);
	assert_non_null(r->text);
}

/* render_ok for a mail to the person called first (to.first_name). */
static void render_to(const struct template_set *set, const char *name, const struct tvar *vars,
                      size_t n, const char *first, struct rendered *r)
{
	struct tvar v[80];

	assert_true(n < ARRAY_SIZE(v));
	memcpy(v, vars, n * sizeof(*vars));
	v[n] = (struct tvar){"to.first_name", first};
	render_ok(set, name, v, n + 1, r);
}

static struct template_set *load_real(void)
{
	struct template_set *set = NULL;
	char *out = NULL;

	if (load_capture("templates", &set, &out) != 0)
		fail_msg("templates/ did not load:\n%s", out);
	assert_string_equal(out, "");
	assert_non_null(set);
	free(out);
	return set;
}

/* What a rendered body must never show, whatever the values. */
static void check_body(const char *name, const char *what, const char *s)
{
	static const char *const bad[] = {
	        "{{", "}}", "Hi ,", "Dear ,", "Hello ,", " ,", " .", "()", "\n\n\n", " \n", "\t\n",
	};
	size_t len = strlen(s);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (strstr(s, bad[i]))
			fail_msg("%s %s holds \"%s\":\n%s", name, what, bad[i], s);
	if (len == 0 || s[len - 1] != '\n' || (len > 1 && s[len - 2] == '\n') || s[0] == '\n')
		fail_msg("%s %s: not one final line end, or starts blank:\n[%s]", name, what, s);
}

static void check_subject(const char *name, const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || strpbrk(s, "\r\n\t") || s[0] == ' ' || s[len - 1] == ' ' ||
	    strstr(s, "{{") || strstr(s, "  ") || strstr(s, " :") || strstr(s, "()"))
		fail_msg("%s: bad subject [%s]", name, s);
}

/* The mails to referrers and leads carry HTML; those to reps and the
 * admin do not. */
static int wants_html(const char *name)
{
	return strcmp(name, "assign-rep") != 0 && strcmp(name, "remind-rep") != 0 &&
	       strcmp(name, "confirm-status") != 0 && strcmp(name, "notify-rep") != 0 &&
	       strcmp(name, "review-admin") != 0 && strcmp(name, "refused-rep") != 0 &&
	       strcmp(name, "digest-rep") != 0 && strcmp(name, "weekly-admin") != 0;
}

static void check_all(const struct template_set *set, const struct tvar *vars, size_t n)
{
	for (size_t i = 0; i < MAIL_COUNT; i++) {
		struct rendered r;

		render_ok(set, mail_name((enum mail_kind)i), vars, n, &r);
		check_subject(mail_name((enum mail_kind)i), r.subject);
		check_body(mail_name((enum mail_kind)i), "text", r.text);
		if (wants_html(mail_name((enum mail_kind)i))) {
			assert_non_null(r.html);
			check_body(mail_name((enum mail_kind)i), "html", r.html);
			assert_non_null(strstr(r.html, "<p>"));
			assert_null(strstr(r.text, "<p>"));
		} else {
			assert_null(r.html);
		}
		rendered_clear(&r);
	}
}

static void test_names(void **state)
{
	enum mail_kind k;

	assert_string_equal(mail_name(MAIL_THANK_REFERRER), "thank-referrer");
	assert_string_equal(mail_name(MAIL_ASK_CLIENT), "ask-client");
	assert_true(mail_parse("remind-rep", &k) && k == MAIL_REMIND_REP);
	assert_false(mail_parse("remind", &k));
	assert_false(mail_parse(NULL, &k));

	size_t n = 0;
	while (template_var_names[n])
		n++;
	assert_int_equal(n, 93);
	assert_string_equal(template_var_names[0], "business.name");
	assert_string_equal(template_var_names[n - 1], "weekly.owed_count");
}

static void test_real_full(void **state)
{
	struct template_set *set = load_real();

	check_all(set, full, ARRAY_SIZE(full));
	template_free(set);
}

static void test_real_minimal(void **state)
{
	struct template_set *set = load_real();

	check_all(set, minimal, ARRAY_SIZE(minimal));
	check_all(set, NULL, 0);
	template_free(set);
}

/* A few exact texts of the shipped mails, so a broken fallback shows. */
/* The review mail, the refusal note and the admin's confirmation, in each
 * of their variants. */
static void test_review_texts(void **state)
{
	struct template_set *set = load_real();
	struct rendered r;
	const struct tvar review[] = {
	        {"business.name", "Brightpath"},
	        {"review.items", "#7 held: 6 leads is more than max_leads 5; lead a1@client.test"},
	        {"review.count", "1"},
	        {"review.example", "7"}};
	const struct tvar unreachable[] = {
	        {"business.name", "Brightpath"},
	        {"review.items", "#3 named someone we cannot reach: names \"Dana\" without an "
	                         "address"},
	        {"review.count", "1"}};
	const struct tvar done[] = {{"business.name", "Brightpath"},
	                            {"review.done", "released #7; rejected #8"}};
	const struct tvar thread[] = {{"business.name", "Brightpath"},
	                              {"refused.line", "#won 5000"},
	                              {"refused.thread", "#3, #4"}};
	const struct tvar bad[] = {{"business.name", "Brightpath"},
	                           {"referral.id", "3"},
	                           {"refused.line", "#status maybe"},
	                           {"refused.why", "'maybe' is not a status"}};
	const struct tvar contact[] = {
	        {"business.name", "Brightpath"},
	        {"referral.id", "3"},
	        {"lead.name", "Bob Smith"},
	        {"refused.why", "no Authentication-Results from mx.biz.test"},
	        {"refused.unverified", "yes"},
	        {"refused.contact", "yes"},
	        {"refused.action", "mark Bob Smith as contacted"}};
	const struct tvar admin[] = {{"business.name", "Brightpath"},
	                             {"confirm.admin", "yes"},
	                             {"confirm.action", "release #7; reject #8"},
	                             {"confirm.why", "mx.biz.test: dmarc=fail"}};

	render_ok(set, "review-admin", review, ARRAY_SIZE(review), &r);
	assert_string_equal(r.subject, "For your review: 1 waiting");
	assert_non_null(strstr(r.text, "nobody has been written to about them yet:\n\n#7 held: "));
	/* no example instruction may start a line: an unmarked quote of this
	 * mail in an answer would carry it out */
	assert_null(strstr(r.text, "\nrelease"));
	assert_null(strstr(r.text, "\nreject"));
	/* the examples name the referral listed, not a made-up one */
	assert_non_null(strstr(r.text, "\"release 7\" lets referral 7 go ahead"));
	assert_non_null(strstr(r.text, "\"reject 7\" drops it"));
	assert_non_null(strstr(r.text, "refagent status 7 new (release)"));
	assert_null(strstr(r.text, "12"));
	rendered_clear(&r);
	/* only a message to look at: no release or reject to explain */
	render_ok(set, "review-admin", unreachable, ARRAY_SIZE(unreachable), &r);
	assert_null(strstr(r.text, "\"release"));
	assert_non_null(strstr(r.text, "needs a person"));
	assert_non_null(strstr(r.text, "refagent status ID new (release)"));
	rendered_clear(&r);
	render_ok(set, "review-admin", done, ARRAY_SIZE(done), &r);
	assert_string_equal(r.subject, "Review: released #7; rejected #8");
	assert_non_null(strstr(r.text, "Your answer: released #7; rejected #8.\n"));
	assert_non_null(strstr(r.text, "Nothing else is waiting for your review."));
	rendered_clear(&r);

	render_ok(set, "refused-rep", full, ARRAY_SIZE(full), &r);
	assert_string_equal(r.subject, "Not applied: #won 12000 (referral #42)");
	assert_non_null(strstr(r.text, "could not confirm that it came from you (mx.biz.test: "
	                               "dmarc=fail: nothing passes), so nothing changed."));
	assert_non_null(strstr(r.text, "answer this mail with \"yes\" to mark Noah Baker as won"));
	/* the warning comes before the one word that would apply it */
	assert_non_null(strstr(r.text, "If you did not send it, do not answer \"yes\": let your "
	                               "admin know, since someone may be writing in your name. If "
	                               "you did send it, answer"));
	rendered_clear(&r);
	render_ok(set, "refused-rep", thread, ARRAY_SIZE(thread), &r);
	assert_string_equal(r.subject, "Not applied: #won 5000");
	assert_non_null(strstr(r.text, "holds several referrals (#3, #4)"));
	rendered_clear(&r);
	render_ok(set, "refused-rep", bad, ARRAY_SIZE(bad), &r);
	assert_non_null(strstr(r.text, "was not applied: 'maybe' is not a status. Please check"));
	assert_null(strstr(r.text, "yes"));
	rendered_clear(&r);
	render_ok(set, "refused-rep", contact, ARRAY_SIZE(contact), &r);
	assert_string_equal(r.subject, "Not applied: your mail to Bob Smith (referral #3)");
	assert_non_null(strstr(r.text, "still counts as waiting for your first contact"));
	assert_non_null(strstr(r.text, "\"yes\" to mark Bob Smith as contacted"));
	rendered_clear(&r);

	render_ok(set, "confirm-status", admin, ARRAY_SIZE(admin), &r);
	assert_string_equal(r.subject, "Please confirm: release #7; reject #8");
	assert_non_null(strstr(r.text, "answer to the review mail from your address, but our mail "
	                               "server could not confirm"));
	assert_null(strstr(r.text, "referral #"));
	rendered_clear(&r);
	template_free(set);
}

static void test_real_texts(void **state)
{
	struct template_set *set = load_real();
	struct rendered r;

	render_to(set, "thank-referrer", full, ARRAY_SIZE(full), "Sarah", &r);
	assert_string_equal(r.subject, "Thank you for introducing Noah Baker");
	assert_true(
	        str_istarts(r.text, "Hi Sarah,\n\nThank you for introducing Noah Baker to us."));
	/* someone else introduced Noah first: no promise of a new contact */
	assert_non_null(strstr(r.text, "already been introduced to us by Ann Other"));
	assert_null(strstr(r.text, "will be in touch with Noah"));
	/* the opt-out line is a footer, not the last sentence of the text */
	assert_non_null(strstr(r.text, "\n\n---\nReply stop and we will not write again.\n"));
	rendered_clear(&r);
	struct tvar fresh_intro[ARRAY_SIZE(full)];
	size_t nfresh = 0;

	for (size_t i = 0; i < ARRAY_SIZE(full); i++)
		if (strcmp(full[i].name, "credit.name") != 0)
			fresh_intro[nfresh++] = full[i];
	render_to(set, "thank-referrer", fresh_intro, nfresh, "Sarah", &r);
	assert_non_null(strstr(r.text, "Tom Reed will be in touch with Noah shortly"));
	rendered_clear(&r);
	render_ok(set, "thank-referrer", minimal, ARRAY_SIZE(minimal), &r);
	assert_string_equal(r.subject, "Thank you for your introduction");
	assert_true(str_istarts(r.text, "Hello,\n\n"));
	assert_non_null(strstr(r.text, "Someone from our team will be in touch with them"));
	assert_non_null(strstr(r.text, "Thank you again,\nBrightpath\n"));
	rendered_clear(&r);

	/* in the intro's thread when there is a subject, else a fresh one */
	render_to(set, "welcome-lead", full, ARRAY_SIZE(full), "Noah", &r);
	assert_string_equal(r.subject, "Re: Meet Noah");
	assert_true(str_istarts(r.text, "Hi Noah,\n\nSarah told us about you"));
	assert_non_null(strstr(r.text, "Tom Reed, copied here,"));
	/* the lead's own number is not read back to them */
	assert_null(strstr(r.text, "+44 7700 900123"));
	assert_non_null(strstr(r.text, "reply to all"));
	rendered_clear(&r);
	/* welcome_from = rep: in the rep's voice */
	const struct tvar voice[] = {{"referrer.first_name", "Sarah"},
	                             {"rep.name", "Tom Reed"},
	                             {"rep.first_name", "Tom"},
	                             {"business.name", "Brightpath"},
	                             {"welcome.from_rep", "yes"}};
	render_to(set, "welcome-lead", voice, ARRAY_SIZE(voice), "Noah", &r);
	assert_true(str_istarts(r.text, "Hi Noah,\n\nSarah told me about you, and I am glad to be "
	                                "introduced. I am Tom at Brightpath,"));
	assert_non_null(strstr(r.text, "Best regards,\nTom Reed\nBrightpath\n"));
	rendered_clear(&r);
	const struct tvar fresh[] = {{"referrer.name", "Sarah Lee"}, {"referral.subject", ""}};
	render_ok(set, "welcome-lead", fresh, ARRAY_SIZE(fresh), &r);
	assert_string_equal(r.subject, "Sarah Lee suggested we get in touch");
	rendered_clear(&r);

	render_to(set, "assign-rep", full, ARRAY_SIZE(full), "Tom", &r);
	assert_string_equal(r.subject, "New referral #42: Noah Baker (from Sarah Lee)");
	assert_non_null(strstr(r.text, "  Phone:     +44 7700 900123\n"));
	assert_non_null(strstr(r.text, "  Timeline:  this quarter\n"
	                               "  Referrer:  Sarah Lee <sarah@client.test>\n"
	                               "  Received:  2026-03-02\n\n"));
	assert_non_null(strstr(r.text, "Hi Noah,\nmeet Tom.\n\nSarah\n")); /* CRLF, blank runs */
	assert_non_null(strstr(r.text, "within 1 business day"));
	assert_non_null(strstr(r.text, "#won 12000"));
	rendered_clear(&r);
	render_ok(set, "assign-rep", minimal, ARRAY_SIZE(minimal), &r);
	assert_string_equal(r.subject, "New referral #42");
	assert_true(str_istarts(r.text, "Hello,\n\nYou have a new referral to look after: #42.\n"
	                                "\nWhat to do\n- We have no email address for the lead, so "
	                                "nobody has written to them: reach them through whoever "
	                                "introduced them as soon as you can.\n"));
	assert_null(strstr(r.text, "Phone:"));
	assert_null(strstr(r.text, "Referrer:"));
	rendered_clear(&r);
	/* a lead with a phone and no address is in no thread: the rep calls
	 * and answers the assignment mail (never "reply to all") */
	const struct tvar call[] = {{"referral.id", "43"},
	                            {"lead.name", "Pete Hall"},
	                            {"lead.phone", "408-555-0177"},
	                            {"referrer.name", "Sarah Lee"},
	                            {"referral.waiting", "1 business day"},
	                            {"business.email", "referrals@brightpath.test"}};
	render_ok(set, "assign-rep", call, ARRAY_SIZE(call), &r);
	assert_non_null(strstr(r.text, "\nWhat to do\n- We have no email address for Pete Hall, so "
	                               "nobody has written to them: call them within 1 business "
	                               "day.\n- Then reply to this mail with the line \"#status "
	                               "contacted\""));
	assert_null(strstr(r.text, "eply to all"));
	rendered_clear(&r);
	render_ok(set, "remind-rep", call, ARRAY_SIZE(call), &r);
	assert_non_null(strstr(r.text, "We have no email address for them: please call, then reply "
	                               "to this mail with the line \"#status contacted\""));
	assert_null(strstr(r.text, "eply to all"));
	rendered_clear(&r);
	/* an optional line that is off leaves no gap */
	const struct tvar some[] = {{"referral.id", "5"},
	                            {"lead.name", "Noah Baker"},
	                            {"lead.email", "noah@example.com"},
	                            {"lead.company", "Acme"}};
	render_ok(set, "assign-rep", some, ARRAY_SIZE(some), &r);
	assert_non_null(strstr(r.text,
	                       "#5.\n\n  Lead:      Noah Baker\n  Email:     noah@example.com\n"
	                       "  Company:   Acme\n\nWhat to do\n"));
	rendered_clear(&r);

	/* the rep's reminder and the admin's escalated copy */
	const struct tvar remind[] = {{"referral.id", "7"},
	                              {"lead.name", "Noah Baker"},
	                              {"rep.name", "Tom Reed"},
	                              {"rep.first_name", "Tom"},
	                              {"referral.waiting", "2 business days"},
	                              {"reminder.second", "yes"}};
	render_to(set, "remind-rep", remind, ARRAY_SIZE(remind), "Tom", &r);
	assert_string_equal(r.subject, "Reminder: referral #7 (Noah Baker)");
	assert_true(str_istarts(r.text,
	                        "Hi Tom,\n\nSecond reminder: Noah Baker (referral #7) is "
	                        "still waiting for a first contact after 2 business days."));
	rendered_clear(&r);
	const struct tvar escalated[] = {{"referral.id", "7"},
	                                 {"lead.name", "Noah Baker"},
	                                 {"rep.name", "Tom Reed"},
	                                 {"reminder.escalated", "yes"}};
	render_ok(set, "remind-rep", escalated, ARRAY_SIZE(escalated), &r);
	assert_string_equal(r.subject, "No first contact yet: referral #7 (Noah Baker)");
	assert_true(str_istarts(r.text, "Hello,\n\nTom Reed has not made first contact with Noah "
	                                "Baker (referral #7) despite our reminders."));
	rendered_clear(&r);
	/* the lead opted out, or their address bounces: no "reply to all",
	 * and the admin hears why */
	const struct tvar gone[] = {
	        {"referral.id", "7"},
	        {"lead.name", "Noah Baker"},
	        {"lead.first_name", "Noah"},
	        {"lead.email", "noah@example.com"},
	        {"lead.phone", "+44 7700 900123"},
	        {"lead.unreachable",
	         "asked us for no more automated mail (a personal note from you is fine)"},
	        {"rep.name", "Tom Reed"},
	        {"rep.first_name", "Tom"}};
	render_to(set, "remind-rep", gone, ARRAY_SIZE(gone), "Tom", &r);
	assert_non_null(strstr(r.text, "\n\nNoah asked us for no more automated mail (a personal "
	                               "note from you is fine). Please call "
	                               "if it still makes sense, then reply to this mail with the "
	                               "line \"#status contacted\""));
	assert_null(strstr(r.text, "eply to all"));
	rendered_clear(&r);
	const struct tvar gone_admin[] = {
	        {"referral.id", "7"},
	        {"lead.name", "Noah Baker"},
	        {"lead.email", "noah@example.com"},
	        {"lead.unreachable", "cannot be reached by mail: their address bounces"},
	        {"rep.name", "Tom Reed"},
	        {"rep.first_name", "Tom"},
	        {"reminder.escalated", "yes"}};
	render_ok(set, "remind-rep", gone_admin, ARRAY_SIZE(gone_admin), &r);
	assert_non_null(strstr(r.text, "Note: Noah Baker cannot be reached by mail: their address "
	                               "bounces, so Tom has to call or go through the referrer, or "
	                               "close the referral."));
	rendered_clear(&r);

	/* one milestone at a time */
	const struct tvar won[] = {{"lead.name", "Noah Baker"},
	                           {"lead.first_name", "Noah"},
	                           {"referrer.first_name", "Sarah"},
	                           {"update.won", "yes"}};
	render_to(set, "update-referrer", won, ARRAY_SIZE(won), "Sarah", &r);
	assert_string_equal(r.subject, "Good news about your introduction of Noah Baker");
	/* the win thanks the referrer and asks, at that moment, for another */
	assert_string_equal(r.text,
	                    "Hi Sarah,\n\n"
	                    "Good news: Noah has decided to work with us. It all started with "
	                    "your introduction, and we are truly grateful.\n\n"
	                    "Do you know someone else who could use our help? Write them your "
	                    "usual introduction and copy us in; we will look after them just as "
	                    "well.\n\n"
	                    "Best regards,\n");
	rendered_clear(&r);

	render_ok(set, "reward-referrer", full, ARRAY_SIZE(full), &r);
	assert_non_null(strstr(r.text, "Your referral reward is EUR 100."));
	assert_non_null(strstr(r.html, "<strong>EUR 100</strong>"));
	rendered_clear(&r);
	/* how and when it is paid */
	const struct tvar how[] = {{"reward.amount", "$250"},
	                           {"reward.how", "by bank transfer at the end of the month"}};
	render_ok(set, "reward-referrer", how, ARRAY_SIZE(how), &r);
	assert_non_null(strstr(r.text,
	                       "Your referral reward is $250. We pay it by bank transfer at "
	                       "the end of the month."));
	rendered_clear(&r);

	render_ok(set, "ask-client", full, ARRAY_SIZE(full), &r);
	assert_non_null(strstr(r.text, "cc referrals@brightpath.test"));
	rendered_clear(&r);
	template_free(set);
}

static void test_html_escaping(void **state)
{
	struct template_set *set = load_real();
	const struct tvar vars[] = {{"lead.name", "<script>&\"'"},
	                            {"lead.first_name", "<b>"},
	                            {"referrer.first_name", "Sarah"}};
	struct rendered r;

	render_ok(set, "thank-referrer", vars, ARRAY_SIZE(vars), &r);
	assert_non_null(strstr(r.text, "introducing <script>&\"' to us"));
	assert_non_null(strstr(r.html, "<strong>&lt;script&gt;&amp;&quot;&#39;</strong>"));
	assert_null(strstr(r.html, "<script>"));
	assert_null(strstr(r.html, "<b>"));
	assert_non_null(strstr(r.html, "with &lt;b&gt; shortly"));
	/* the Subject is a header, not HTML: raw */
	assert_string_equal(r.subject, "Thank you for introducing <script>&\"'");
	rendered_clear(&r);
	template_free(set);
}

static void test_subject_one_line(void **state)
{
	struct template_set *set = load_real();
	const struct tvar vars[] = {{"referral.subject", "  Meet Noah\r\nBcc: evil@example.com\t\t"
	                                                 "now\n\n"}};
	struct rendered r;

	render_ok(set, "welcome-lead", vars, ARRAY_SIZE(vars), &r);
	assert_string_equal(r.subject, "Re: Meet Noah Bcc: evil@example.com now");
	rendered_clear(&r);

	/* a long subject is cut on a character boundary, 300 bytes at most */
	struct buf b = {0};
	buf_addc(&b, 'x');
	for (int i = 0; i < 200; i++)
		buf_adds(&b, "\xc3\xa9");
	const struct tvar lng[] = {{"referral.subject", b.s}};
	render_ok(set, "welcome-lead", lng, ARRAY_SIZE(lng), &r);
	assert_int_equal(strlen(r.subject), 299); /* "Re: x" + 147 two-byte characters */
	assert_true(str_istarts(r.subject, "Re: x\xc3\xa9"));
	assert_string_equal(r.subject + 297, "\xc3\xa9");
	rendered_clear(&r);
	buf_free(&b);
	template_free(set);
}

/* Renders thank-referrer of set with vars into r. */
#define RENDER(set, r, ...)                                                                        \
	do {                                                                                       \
		const struct tvar v_[] = {{"referral.id", "1"}, __VA_ARGS__};                      \
		render_ok(set, "thank-referrer", v_, ARRAY_SIZE(v_), r);                           \
	} while (0)

static void test_sections(void **state)
{
	struct template_set *set =
	        set_with("Subject: {{#lead.company}}At {{lead.company}}{{/lead.company}}"
	                 "{{^lead.company}}No company{{/lead.company}}\n"
	                 "\n"
	                 "start\n"
	                 "{{#lead.name}}\n"
	                 "name {{ lead.name }}\n"
	                 "  {{#lead.email}}\n"
	                 "email {{lead.email}}\n"
	                 "  {{/lead.email}}\n"
	                 "{{^lead.email}}\n"
	                 "no email\n"
	                 "{{/lead.email}}\n"
	                 "{{/lead.name}}\n"
	                 "{{^ lead.name }}no name{{/ lead.name }}\n"
	                 "{{#lead.phone}}Phone: {{lead.phone}}{{/lead.phone}}\n"
	                 "end {{lead.company}}.\n");
	struct rendered r;

	RENDER(set, &r, {"lead.name", ""});
	assert_string_equal(r.subject, "No company");
	assert_string_equal(r.text, "start\nno name\nend .\n");
	assert_null(r.html);
	rendered_clear(&r);

	RENDER(set, &r, {"lead.name", "Ann"}, {"lead.email", "a@x.test"}, {"lead.phone", "12"},
	       {"lead.company", "Acme"});
	assert_string_equal(r.subject, "At Acme");
	assert_string_equal(r.text, "start\nname Ann\nemail a@x.test\nPhone: 12\nend Acme.\n");
	rendered_clear(&r);

	/* nested: the inner inverted section; the last value given wins;
	 * names outside the list are ignored */
	RENDER(set, &r, {"lead.name", "Bob"}, {"lead.name", "Ann"}, {"lead.email", ""},
	       {"no.such", "x"}, {NULL, "y"});
	assert_string_equal(r.text, "start\nname Ann\nno email\nend .\n");
	rendered_clear(&r);
	template_free(set);
}

static void test_blank_lines(void **state)
{
	struct template_set *set = set_with("Subject: s\n"
	                                    "\n"
	                                    "\n"
	                                    "Hello\n"
	                                    "\n"
	                                    "\n"
	                                    "{{#lead.name}}\n"
	                                    "\n"
	                                    "Para {{lead.name}}  \n"
	                                    "\n"
	                                    "\n"
	                                    "{{/lead.name}}\n"
	                                    "   \n"
	                                    "Bye\t \n"
	                                    "{{unsubscribe.hint}}\n"
	                                    "\n"
	                                    "\n"
	                                    "--- html --- \n"
	                                    "<p>{{lead.name}}</p>\n"
	                                    "  {{#lead.name}}  \n"
	                                    "\n"
	                                    "\n"
	                                    "\n"
	                                    "<p>x</p>\n"
	                                    "{{/lead.name}}");
	struct rendered r;

	RENDER(set, &r, {"unsubscribe.hint", NULL});
	assert_string_equal(r.text, "Hello\n\nBye\n");
	assert_string_equal(r.html, "<p></p>\n");
	rendered_clear(&r);
	RENDER(set, &r, {"lead.name", "A&B"}, {"unsubscribe.hint", "Reply stop."});
	assert_string_equal(r.text, "Hello\n\nPara A&B\n\nBye\nReply stop.\n");
	assert_string_equal(r.html, "<p>A&amp;B</p>\n\n<p>x</p>\n");
	rendered_clear(&r);
	template_free(set);
}

static void test_crlf_file(void **state)
{
	struct template_set *set = set_with("\xef\xbb\xbf# saved on Windows\r\n"
	                                    "Subject: Hi {{lead.name}}\r\n"
	                                    "\r\n"
	                                    "{{#lead.name}}\r\n"
	                                    "Hi {{lead.name}},\r\n"
	                                    "{{/lead.name}}\r\n"
	                                    "bye\r\n");
	struct rendered r;

	RENDER(set, &r, {"lead.name", "Ann\r\nBob"});
	assert_string_equal(r.subject, "Hi Ann Bob");
	assert_string_equal(r.text, "Hi Ann\nBob,\nbye\n");
	rendered_clear(&r);
	template_free(set);
}

static void test_render_errors(void **state)
{
	struct template_set *set = set_with("Subject: s\n\nx\n");
	struct rendered r = {.subject = (char *)"junk"};
	char *err = NULL;

	assert_int_equal(template_render(set, MAIL_COUNT, NULL, 0, &r, &err), -1);
	assert_string_equal(err, "no template '?'");
	assert_null(r.subject);
	assert_null(r.text);
	free(err);
	err = NULL;
	assert_int_equal(template_render(NULL, MAIL_WELCOME_LEAD, NULL, 0, &r, &err), -1);
	assert_non_null(err);
	free(err);
	rendered_clear(&r);
	rendered_clear(NULL);
	template_free(set);
	template_free(NULL);
}

/* The whole broken set: every fault of every file, in file order, with its
 * exact file:line. */
/* tests/data/templates/broken with a fault-free file for every mail it
 * has none for (but update-referrer, whose absence is one of its faults),
 * copied to a scratch folder; the faults it prints name the folder as
 * tests/data/templates/broken, so the expected text reads as the fixture. */
static const char *broken_copy(void)
{
	static char path[512];
	char *cmd, *f;

	snprintf(path, sizeof(path), "%s/broken", dir);
	cmd = xasprintf("rm -rf %s && cp -r tests/data/templates/broken %s", path, path);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	for (int k = 0; k < MAIL_COUNT; k++) {
		struct stat st;

		if (k == MAIL_UPDATE_REFERRER)
			continue;
		f = xasprintf("%s/%s.tmpl", path, mail_name((enum mail_kind)k));
		if (stat(f, &st) != 0)
			write_file(f, "Subject: fine\n\nThis one has no fault.\n");
		free(f);
	}
	return path;
}

static void test_broken_set(void **state)
{
	struct template_set *set = (struct template_set *)1;
	char *out = NULL;
	const char *want =
	        "tests/data/templates/broken/thank-referrer.tmpl:2: unknown name 'lead.nmae' (did "
	        "you mean 'lead.name'?)\n"
	        "tests/data/templates/broken/thank-referrer.tmpl:5: unknown tag '{{{lead.name}}' "
	        "(tags are {{name}}, {{#name}}, {{^name}} and {{/name}})\n"
	        "tests/data/templates/broken/thank-referrer.tmpl:5: unknown tag '{{> partial}}' "
	        "(tags are {{name}}, {{#name}}, {{^name}} and {{/name}})\n"
	        "tests/data/templates/broken/thank-referrer.tmpl:6: unknown name "
	        "'rep.phone.number'\n"
	        "tests/data/templates/broken/thank-referrer.tmpl:6: unknown tag '{{}}' (tags are "
	        "{{name}}, {{#name}}, {{^name}} and {{/name}})\n"
	        "tests/data/templates/broken/welcome-lead.tmpl:3: section 'lead.first_name' is not "
	        "closed\n"
	        "tests/data/templates/broken/welcome-lead.tmpl:8: section 'rep.name' is not "
	        "closed\n"
	        "tests/data/templates/broken/assign-rep.tmpl:3: '{{/lead.phone}}' does not match "
	        "the "
	        "open section 'lead.name' of line 3\n"
	        "tests/data/templates/broken/assign-rep.tmpl:4: '{{/rep.name}}' closes no section\n"
	        "tests/data/templates/broken/assign-rep.tmpl:5: '{{/lead.email}}' does not match "
	        "the "
	        "open section 'lead.phone' of line 5\n"
	        "tests/data/templates/broken/assign-rep.tmpl:5: '{{/lead.phone}}' does not match "
	        "the "
	        "open section 'lead.email' of line 5\n"
	        "tests/data/templates/broken/remind-rep.tmpl:3: unknown header 'Subjetc' (only "
	        "Subject is allowed)\n"
	        "tests/data/templates/broken/remind-rep.tmpl:3: no Subject header (it is "
	        "required)\n"
	        "tests/data/templates/broken/nudge-lead.tmpl:2: unknown header 'From' (only "
	        "Subject "
	        "is allowed)\n"
	        "tests/data/templates/broken/nudge-lead.tmpl:3: a second Subject header (the first "
	        "is on line 1)\n"
	        "tests/data/templates/broken/update-referrer.tmpl: missing (one of the mails the "
	        "agent sends)\n"
	        "tests/data/templates/broken/reward-referrer.tmpl:3: '{{' without '}}' on the same "
	        "line\n"
	        "tests/data/templates/broken/reward-referrer.tmpl:6: a second '--- html ---' line "
	        "(the first is on line 4)\n"
	        "tests/data/templates/broken/checkin-referrer.tmpl:3: not valid UTF-8 (save the "
	        "file as UTF-8)\n"
	        "tests/data/templates/broken/checkin-referrer.tmpl:4: the HTML part is empty\n"
	        "tests/data/templates/broken/thank-you.tmpl: not a known mail (the mails are ";
	struct buf w = {0};

	/* the set names every mail of mail_table; a mail added later needs no
	 * file here: the folder's own faults are the same */
	buf_adds(&w, want);
	for (int k = 0; k < MAIL_COUNT; k++)
		buf_printf(&w, "%s%s", k ? ", " : "", mail_name((enum mail_kind)k));
	buf_adds(&w, ")\n");
	const char *copy = broken_copy();

	assert_int_equal(load_capture(copy, &set, &out), -1);
	assert_null(set);
	/* the copy's faults, named as the fixture's */
	{
		struct buf o = {0};
		size_t cl = strlen(copy);

		for (const char *p = out; *p;) {
			if (strncmp(p, copy, cl) == 0) {
				buf_adds(&o, "tests/data/templates/broken");
				p += cl;
			} else {
				buf_addc(&o, *p++);
			}
		}
		free(out);
		out = buf_steal(&o);
	}
	assert_string_equal(out, w.s);
	free(out);
	buf_free(&w);

	/* a trailing slash does not double up in the paths */
	assert_int_equal(load_capture("tests/data/templates/broken/", &set, &out), -1);
	assert_non_null(strstr(out, "\ntests/data/templates/broken/update-referrer.tmpl: missing"));
	free(out);

	assert_int_equal(load_capture("tests/data/templates/none", &set, &out), -1);
	assert_null(set);
	assert_string_equal(out, "tests/data/templates/none: cannot open the templates folder: No "
	                         "such file or directory\n");
	free(out);
}

/* The faults of a set whose thank-referrer.tmpl is text, with the path
 * cut down to the file name. */
static char *faults_of(const char *text, size_t tlen)
{
	static int n;
	char *sub = xasprintf("%s/bad%d", dir, n++);
	char *path, *out = NULL, *p;
	struct template_set *set = NULL;
	struct buf b = {0};

	assert_int_equal(mkdir(sub, 0700), 0);
	for (size_t i = 0; i < MAIL_COUNT; i++) {
		path = xasprintf("%s/%s.tmpl", sub, mail_name((enum mail_kind)i));
		if (i == 0)
			write_bytes(path, text, tlen ? tlen : strlen(text));
		else
			write_file(path, "Subject: x\n\nx\n");
		free(path);
	}
	assert_int_equal(load_capture(sub, &set, &out), -1);
	assert_null(set);
	/* drop the folder from every line */
	path = xasprintf("%s/", sub);
	for (p = out; *p;) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);

		if (str_istarts(p, path))
			buf_add(&b, p + strlen(path), len - strlen(path));
		else
			buf_add(&b, p, len);
		p += len;
	}
	free(path);
	free(out);
	free(sub);
	return buf_steal(&b);
}

static void test_file_faults(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	        {"", "thank-referrer.tmpl:1: no Subject header and no text\n"},
	        {"# only a comment\n\n", "thank-referrer.tmpl:1: no Subject header and no text\n"},
	        {"Subject: hi\n", "thank-referrer.tmpl:1: no text body (a blank line ends the "
	                          "headers, then the text)\n"},
	        {"Subject:   \n\nx\n", "thank-referrer.tmpl:1: the Subject is empty\n"},
	        {"Subject: s\n\n\n  \n", "thank-referrer.tmpl:3: the text body is empty\n"},
	        {"Subject: s\n# late comment\n\nx\n",
	         "thank-referrer.tmpl:2: comment lines go before the headers\n"},
	        {"Hello there,\n\nx\n",
	         "thank-referrer.tmpl:1: not a header line (headers are 'Name: value'; a blank "
	         "line ends them)\n"
	         "thank-referrer.tmpl:1: no Subject header (it is required)\n"},
	        {"subject: s\n\nx\n--- html ---\n<p>{{#lead.name}}</p>\n",
	         "thank-referrer.tmpl:5: section 'lead.name' is not closed\n"},
	        {"Subject: {{#lead.name}}x\n\n{{/lead.name}}x\n",
	         "thank-referrer.tmpl:1: section 'lead.name' is not closed\n"
	         "thank-referrer.tmpl:3: '{{/lead.name}}' closes no section\n"},
	        {"Subject: s\n\n{{ #lead.name }}{{/lead.nam}}x\n",
	         "thank-referrer.tmpl:3: unknown name 'lead.nam' (did you mean 'lead.name'?)\n"
	         "thank-referrer.tmpl:3: '{{/lead.nam}}' does not match the open section "
	         "'lead.name' of line 3\n"},
	        {"Subject: s\n\n{{lead name}} {{&lead.name}} {{!note}}x\n",
	         "thank-referrer.tmpl:3: unknown tag '{{lead name}}' (tags are {{name}}, "
	         "{{#name}}, {{^name}} and {{/name}})\n"
	         "thank-referrer.tmpl:3: unknown tag '{{&lead.name}}' (tags are {{name}}, "
	         "{{#name}}, {{^name}} and {{/name}})\n"
	         "thank-referrer.tmpl:3: unknown tag '{{!note}}' (tags are {{name}}, {{#name}}, "
	         "{{^name}} and {{/name}})\n"},
	        /* typos that would otherwise go out as written */
	        {"Subject: s\n\nHi {{business.name}}}\n",
	         "thank-referrer.tmpl:3: '}' right after '{{business.name}}': one brace too "
	         "many\n"},
	        {"Subject: s\n\nHi {business.name}} and {{lead.name}}\n",
	         "thank-referrer.tmpl:3: '}}' without '{{' (a mistyped tag would be sent as "
	         "written)\n"},
	        {"Subject: Hi lead.name}}\n\nx\n",
	         "thank-referrer.tmpl:1: '}}' without '{{' (a mistyped tag would be sent as "
	         "written)\n"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = faults_of(cases[i].text, 0);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got\n%s\nwant\n%s", i, got, cases[i].want);
		free(got);
	}
	char *got = faults_of("Subject: s\n\nx\0y\n", 15);
	assert_string_equal(got, "thank-referrer.tmpl:3: contains a NUL byte\n");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_names),
	        cmocka_unit_test_setup_teardown(test_real_full, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_real_minimal, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_real_texts, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_html_escaping, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_subject_one_line, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sections, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_blank_lines, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_crlf_file, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_render_errors, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_broken_set, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_review_texts, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_file_faults, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

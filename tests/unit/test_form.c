/*
 * test_form.c - the form reader (form.h): each row is the text of a form
 * notification, as the body comes out of a form service's mail (HTML
 * tables already as "label<TAB>value" rows), with the kind and the people
 * it must name.  Whole notification mails, headers and MIME included, are
 * tested through intake in tests/data/intake/form-*.eml.
 */
#include "testutil.h"

#include "form.h"

struct who {
	const char *name, *email, *phone;
};

struct form_case {
	const char *name;
	const char *text;
	enum form_kind kind;
	struct who referrer;
	struct who leads[2];
	const char *need;   /* NULL: not checked */
	const char *budget; /* NULL: not checked */
};

#define NONE "(none)"

static const struct form_case cases[] = {
        /* A contact form: the submitter is the lead, "how did you hear"
         * names the referrer. */
        {"contact_heard",
         "You have a new form submission.\n\n"
         "Name: Fatima Haddad\nEmail: fatima@client.test\nPhone: +44 20 7946 0321\n"
         "How did you hear about us?: Referred by David Ortiz\n"
         "Project: two bathrooms\nBudget: under £20,000\n",
         FORM_CONTACT,
         {"David Ortiz", NONE, NULL},
         {{"Fatima Haddad", "fatima@client.test", "+44 20 7946 0321"}},
         "two bathrooms",
         "under £20,000"},
        /* Fields left empty the way people fill them ("N/A", "-"): the
         * friend's phone is none, and so is the budget. */
        {"placeholders",
         "Your Name: Sarah Lee\nYour Email: sarah@partner.test\n"
         "Friend's Name: Bob Smith\nFriend's Email: bob@client.test\n"
         "Friend's Phone: N/A\nBudget: -\nWhat does your friend need?: a new deck\n",
         FORM_REFER,
         {"Sarah Lee", "sarah@partner.test", NULL},
         {{"Bob Smith", "bob@client.test", NONE}},
         NULL,
         NONE},
        /* Refer-a-friend with "Your ..." and "Friend's ..." labels. */
        {"refer_your_friend",
         "Your Name: Sarah Lee\nYour Email: sarah@partner.test\n"
         "Friend's Name: Bob Smith\nFriend's Email: bob@client.test\n"
         "Friend's Phone: (415) 555-0142\nWhat does your friend need?: a new deck\n",
         FORM_REFER,
         {"Sarah Lee", "sarah@partner.test", NULL},
         {{"Bob Smith", "bob@client.test", "(415) 555-0142"}},
         NULL,
         NULL},
        /* Unqualified submitter labels and a referred person's labels
         * (WPForms: label row, value row). */
        {"wpforms_rows",
         "Name\nSarah Lee\nEmail\nsarah@partner.test\n"
         "Who are you referring?\nBob Smith\nTheir email\nbob@client.test\n"
         "Their phone\n555-867-5309\nMessage\nBob wants a kitchen remodel.\nSoon.\n",
         FORM_REFER,
         {"Sarah Lee", "sarah@partner.test", NULL},
         {{"Bob Smith", "bob@client.test", "555-867-5309"}},
         "Bob wants a kitchen remodel. Soon.",
         NULL},
        /* Jotform-style table rows and sections. */
        {"table_sections",
         "Refer a Friend\n"
         "Your Information\n"
         "Full Name\tMaría García\nE-mail\tmaria@partner.test\n"
         "Friend's Information\n"
         "Full Name\tKenji Tanaka\nE-mail\tkenji@client.test\nPhone Number\t+81 3 1234 5678\n",
         FORM_REFER,
         {"María García", "maria@partner.test", NULL},
         {{"Kenji Tanaka", "kenji@client.test", "+81 3 1234 5678"}},
         NULL,
         NULL},
        /* Typeform's bold questions, answers on the next line. */
        {"typeform_bold",
         "**What's your name?**\nAnna Kowalski\n\n**And your email?**\nanna@partner.test\n\n"
         "**Who would you like to refer to us?**\nLars Svensson\n\n"
         "**What's the best email to reach them?**\nlars@client.test\n",
         FORM_REFER,
         {"Anna Kowalski", "anna@partner.test", NULL},
         {{"Lars Svensson", "lars@client.test", NULL}},
         NULL,
         NULL},
        /* Typeform without bold, the referred person's name piped into
         * the question of their address and phone. */
        {"typeform_piped_plain",
         "Refer a Friend - Harbor & Pine\nNew response\n\nWhat's your name?\n\nGreg "
         "Sandoval\n\nAnd your email, Greg?\n\ngsandoval@roadrunner.test\n\n"
         "Who are you referring?\n\nMia Kowalczyk\n\nWhat's Mia's email address?\n\n"
         "mia.k@client.test\n\nWhat's the best phone number to reach Mia?\n\n(207) "
         "555-0177\n\nIs Mia buying, selling, or both?\n\nSelling\n",
         FORM_REFER,
         {"Greg Sandoval", "gsandoval@roadrunner.test", NULL},
         {{"Mia Kowalczyk", "mia.k@client.test", "(207) 555-0177"}},
         NULL,
         NULL},
        /* Spanish labels. */
        {"spanish",
         "Tu nombre: Lucía Fernández\nTu correo electrónico: lucia@partner.test\n"
         "Nombre de tu amigo: Pablo Ruiz\nCorreo de tu amigo: pablo@client.test\n"
         "Teléfono de tu amigo: 612 34 56 78\n",
         FORM_REFER,
         {"Lucía Fernández", "lucia@partner.test", NULL},
         {{"Pablo Ruiz", "pablo@client.test", "612 34 56 78"}},
         NULL,
         NULL},
        /* German labels, first and last name apart. */
        {"german",
         "Ihr Vorname: Jürgen\nIhr Nachname: Müller\nIhre E-Mail: juergen@partner.test\n"
         "Name des Freundes: Stefan Braun\nE-Mail des Freundes: stefan@client.test\n"
         "Telefon des Freundes: +49 (0)30 1234 5678\n",
         FORM_REFER,
         {"Jürgen Müller", "juergen@partner.test", NULL},
         {{"Stefan Braun", "stefan@client.test", "+49 (0)30 1234 5678"}},
         NULL,
         NULL},
        /* French labels (space before the colon). */
        {"french",
         "Votre nom : Claire Dubois\nVotre e-mail : claire@partner.test\n"
         "Nom de votre filleul : Hugo Martin\nE-mail du filleul : hugo@client.test\n"
         "Téléphone du filleul : 06 12 34 56 78\n",
         FORM_REFER,
         {"Claire Dubois", "claire@partner.test", NULL},
         {{"Hugo Martin", "hugo@client.test", "06 12 34 56 78"}},
         NULL,
         NULL},
        /* Two friends in one form. */
        {"two_friends",
         "Your name: Sarah Lee\nYour email: sarah@partner.test\n"
         "Friend 1 name: Bob Smith\nFriend 1 email: bob@client.test\n"
         "Friend 2 name: Alice Wong\nFriend 2 email: alice@client.test\n",
         FORM_REFER,
         {"Sarah Lee", "sarah@partner.test", NULL},
         {{"Bob Smith", "bob@client.test", NULL}, {"Alice Wong", "alice@client.test", NULL}},
         NULL,
         NULL},
        /* "Client name" is the referred person beside "Your name". */
        {"weak_client",
         "Your name: Tom Baker\nYour email: tom@partner.test\n"
         "Client name: Priya Raman\nClient email: priya@client.test\n",
         FORM_REFER,
         {"Tom Baker", "tom@partner.test", NULL},
         {{"Priya Raman", "priya@client.test", NULL}},
         NULL,
         NULL},
        /* "Contact number" beside "Referred by" is the submitter's phone. */
        {"weak_contact_is_submitter",
         "Name: Mei Chen\nEmail: mei@client.test\nContact number: 503-555-0117\n"
         "Referred by: Bob Smith (bob@partner.test)\n",
         FORM_CONTACT,
         {"Bob Smith", "bob@partner.test", NULL},
         {{"Mei Chen", "mei@client.test", "503-555-0117"}},
         NULL,
         NULL},
        /* "How did you hear": Google names nobody, no referral form. */
        {.name = "heard_google",
         .text = "Name: Ana Kim\nEmail: ana@kim.test\nHow did you hear about us? Google\n",
         .kind = FORM_NONE},
        /* "How did you hear": a friend, naming nobody: a contact form
         * whose referrer is unknown (held by intake). */
        {"heard_friend_no_name",
         "Name: Ana Kim\nEmail: ana@kim.test\nHow did you hear about us?\nFriend\n",
         FORM_CONTACT,
         {NONE, NONE, NULL},
         {{"Ana Kim", "ana@kim.test", NULL}},
         NULL,
         NULL},
        /* "How did you hear": a sentence names the person before its
         * verb, after a relation ("My neighbor Carol Wexler recommended
         * you") or none; a relation followed by no name names nobody
         * ("A friend who lives nearby"); a name typed in small letters
         * after "Referred by" is still a name. */
        {"heard_sentence",
         "Name: Raj Patel\nEmail: raj@client.test\n"
         "How did you hear about us?: My neighbor Carol Wexler recommended you\n",
         FORM_CONTACT,
         {"Carol Wexler", NONE, NULL},
         {{"Raj Patel", "raj@client.test", NULL}},
         NULL,
         NULL},
        {"heard_sentence_no_relation",
         "Name: Raj Patel\nEmail: raj@client.test\n"
         "How did you hear about us?: Carol Wexler told me about you\n",
         FORM_CONTACT,
         {"Carol Wexler", NONE, NULL},
         {{"Raj Patel", "raj@client.test", NULL}},
         NULL,
         NULL},
        {"heard_sentence_comma",
         "Name: Raj Patel\nEmail: raj@client.test\n"
         "How did you hear about us?: Referral from Sarah Lee, she said you were great\n",
         FORM_CONTACT,
         {"Sarah Lee", NONE, NULL},
         {{"Raj Patel", "raj@client.test", NULL}},
         NULL,
         NULL},
        {"heard_friend_unnamed_sentence",
         "Name: Raj Patel\nEmail: raj@client.test\n"
         "How did you hear about us?: A friend who lives nearby told us\n",
         FORM_CONTACT,
         {NONE, NONE, NULL},
         {{"Raj Patel", "raj@client.test", NULL}},
         NULL,
         NULL},
        {"heard_small_letters",
         "Name: Raj Patel\nEmail: raj@client.test\nHow did you hear about us?: referred by "
         "john smith\n",
         FORM_CONTACT,
         {"john smith", NONE, NULL},
         {{"Raj Patel", "raj@client.test", NULL}},
         NULL,
         NULL},
        /* "Referred by" / "Who referred you?" read as "how did you hear"
         * is: the name without who they are to the writer ("Dave
         * Morales, my coworker", "my accountant friend, Omar Haddad");
         * "a friend", "Instagram" or "my" name nobody (a welcome said "my
         * told us about you", probe 20); one capitalised word is a name */
        {"referred_by_relation_after",
         "Name: Victor Ramos\nEmail: victor@client.test\nWho referred you?\nDave Morales, my "
         "coworker\n",
         FORM_CONTACT,
         {"Dave Morales", NONE, NULL},
         {{"Victor Ramos", "victor@client.test", NULL}},
         NULL,
         NULL},
        {"referred_by_relation_before",
         "Full Name: Harriet Cole\nE-mail: harriet@client.test\nReferred by: my accountant "
         "friend, Omar Haddad\n",
         FORM_CONTACT,
         {"Omar Haddad", NONE, NULL},
         {{"Harriet Cole", "harriet@client.test", NULL}},
         NULL,
         NULL},
        {"referred_by_relation_no_comma",
         "Full Name: Harriet Cole\nE-mail: harriet@client.test\nReferred by: Omar Haddad my "
         "accountant\n",
         FORM_CONTACT,
         {"Omar Haddad", NONE, NULL},
         {{"Harriet Cole", "harriet@client.test", NULL}},
         NULL,
         NULL},
        {"referred_by_a_friend",
         "Name: Ana Kim\nEmail: ana@kim.test\nReferred by: a friend\n",
         FORM_CONTACT,
         {NONE, NONE, NULL},
         {{"Ana Kim", "ana@kim.test", NULL}},
         NULL,
         NULL},
        {"referred_by_media",
         "Name: Ana Kim\nEmail: ana@kim.test\nReferred by: Instagram\n",
         FORM_CONTACT,
         {NONE, NONE, NULL},
         {{"Ana Kim", "ana@kim.test", NULL}},
         NULL,
         NULL},
        {"referred_by_my",
         "Name: Ana Kim\nEmail: ana@kim.test\nReferred by: my\n",
         FORM_CONTACT,
         {NONE, NONE, NULL},
         {{"Ana Kim", "ana@kim.test", NULL}},
         NULL,
         NULL},
        {"referred_by_first_name",
         "Name: Ana Kim\nEmail: ana@kim.test\nReferred by: Dave\n",
         FORM_CONTACT,
         {"Dave", NONE, NULL},
         {{"Ana Kim", "ana@kim.test", NULL}},
         NULL,
         NULL},
        {"referred_by_small_letters",
         "Name: Ana Kim\nEmail: ana@kim.test\nReferred by: john smith\n",
         FORM_CONTACT,
         {"john smith", NONE, NULL},
         {{"Ana Kim", "ana@kim.test", NULL}},
         NULL,
         NULL},
        /* No referral label at all. */
        {.name = "plain_contact",
         .text = "Name: Ana Kim\nEmail: ana@kim.test\nMessage: Hello\n",
         .kind = FORM_NONE},
        /* Prose is no form. */
        {.name = "prose",
         .text = "Hi Bob,\n\nI'd like to introduce you to Brightpath. They did our "
                 "kitchen.\n\nBest,\nSarah\n",
         .kind = FORM_NONE},
        /* A refer-a-friend program's marketing mail: a link, no person. */
        {.name = "referral_link_no_person",
         .text = "Refer a friend and get $50!\nYour referral link: https://biz.test/r/ab12\n"
                 "Your referral code: AB12\nReferral program terms: https://biz.test/terms\n",
         .kind = FORM_NONE},
};

static void check_text(const char *what, const char *got, const char *want)
{
	if (want == NULL)
		return;
	if (strcmp(want, NONE) == 0) {
		if (got)
			fail_msg("%s is \"%s\", want none", what, got);
		return;
	}
	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s is \"%s\", want \"%s\"", what, got ? got : "(null)", want);
}

static void run_case(void **state)
{
	const struct form_case *c = *state;
	struct form f;

	form_read(c->text, &f);
	if (f.kind != c->kind)
		fail_msg("%s: kind %d, want %d", c->name, f.kind, c->kind);
	if (c->kind != FORM_NONE) {
		check_text("referrer name", f.referrer.name, c->referrer.name);
		check_text("referrer email", f.referrer.email, c->referrer.email);
		for (size_t i = 0; i < 2; i++) {
			if (c->leads[i].name == NULL && c->leads[i].email == NULL)
				continue;
			if (i >= f.nleads)
				fail_msg("%s: %zu leads, want lead %zu", c->name, f.nleads, i + 1);
			check_text("lead name", f.leads[i].name, c->leads[i].name);
			check_text("lead email", f.leads[i].email, c->leads[i].email);
			check_text("lead phone", f.leads[i].phone, c->leads[i].phone);
		}
		check_text("need", f.need ? f.need : (f.nleads ? f.leads[0].need : NULL), c->need);
		check_text("budget", f.budget, c->budget);
	}
	form_clear(&f);
}

/* A person's mail with the friend's details on lines of their own. */
static void test_contact_block(void **state)
{
	struct form_person p[3];
	size_t n;

	(void)state;
	n = form_contact_blocks("Hi Brightpath,\n\nMy neighbour needs a new roof:\n\n"
	                        "Jane Doe\njane.doe@client.test\n(555) 123-4567\n\n"
	                        "Thanks,\nSam\nsam@partner.test\n",
	                        "sam@partner.test", p, 3);
	assert_int_equal(n, 1);
	assert_string_equal(p[0].name, "Jane Doe");
	assert_string_equal(p[0].email, "jane.doe@client.test");
	assert_string_equal(p[0].phone, "(555) 123-4567");
	form_person_clear(&p[0]);

	n = form_contact_blocks("Her details:\nName: Jane Doe\nEmail: jane@client.test\n"
	                        "Tel. 0171 1234567\n",
	                        NULL, p, 3);
	assert_int_equal(n, 1);
	assert_string_equal(p[0].name, "Jane Doe");
	assert_string_equal(p[0].phone, "0171 1234567");
	form_person_clear(&p[0]);

	n = form_contact_blocks("Bob Smith <bob@client.test>\n", NULL, p, 3);
	assert_int_equal(n, 1);
	assert_string_equal(p[0].name, "Bob Smith");
	form_person_clear(&p[0]);

	/* an address inside a sentence is no contact block */
	n = form_contact_blocks("please write to jane@client.test about the roof\n", NULL, p, 3);
	assert_int_equal(n, 0);

	/* list items: name, address, number, need; a dash or a number marks
	 * them, and a sentence with an address is still none */
	n = form_contact_blocks("Two friends:\n\n"
	                        "1. Ellen Park - ellen@client.test, 650-555-0114 - wants her "
	                        "bathrooms redone.\n"
	                        "- Tom Greene \xe2\x80\x93 tom@client.test: a new roof\n"
	                        "I wrote to bob@client.test - he knows\n",
	                        NULL, p, 3);
	assert_int_equal(n, 2);
	assert_string_equal(p[0].name, "Ellen Park");
	assert_string_equal(p[0].email, "ellen@client.test");
	assert_string_equal(p[0].phone, "650-555-0114");
	assert_string_equal(p[0].need, "wants her bathrooms redone");
	assert_string_equal(p[1].name, "Tom Greene");
	assert_null(p[1].phone);
	assert_string_equal(p[1].need, "a new roof");
	form_person_clear(&p[0]);
	form_person_clear(&p[1]);
}

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(cases) + 1];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		tests[i] = (struct CMUnitTest){.name = cases[i].name,
		                               .test_func = run_case,
		                               .initial_state = (void *)&cases[i]};
	tests[ARRAY_SIZE(cases)] = (struct CMUnitTest)cmocka_unit_test(test_contact_block);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

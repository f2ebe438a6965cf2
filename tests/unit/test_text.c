/*
 * test_text.c - text_clean_utf8() and text_trim_context(): the lead's
 * details in an intro survive, the referrer's signature and the quoted
 * history do not.  The trimmer runs with the shipped rules (filters/), as
 * the agent runs it, over the hand-written cases below and the table of
 * tests/data/context/ (NAME.txt, the body as received, and NAME.expected,
 * its context); and once with a made-up matcher, to check the structure
 * apart from any language.
 */
#include "testutil.h"

#include <dirent.h>
#include <pthread.h>

#include "filter.h"
#include "text.h"

/* filters/, loaded once by main (tests run from the top of the tree) */
static struct filter_set *rules;

static void clean(const char *in, size_t len, const char *want)
{
	char *got = text_clean_utf8(in, len);

	assert_string_equal(got, want);
	free(got);
}

static void trim(const char *in, const char *want)
{
	char *got = filter_context(rules, in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_clean_utf8(void **state)
{
	(void)state;
	clean("plain ascii\n", 12, "plain ascii\n");
	clean("a\r\nb\rc\n", 7, "a\nb\nc\n");
	clean("caf\xc3\xa9 \xf0\x9f\x98\x80", 10, "café 😀");
	clean("bad \xe9 byte", 10, "bad \xEF\xBF\xBD byte");
	clean("over\xc0\x80long", 10, "over\xEF\xBF\xBD\xEF\xBF\xBDlong");
	clean("sur\xed\xa0\x80rogate", 12, "sur\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDrogate");
	clean("cut \xe2\x82", 6, "cut \xEF\xBF\xBD\xEF\xBF\xBD");
	clean("nul\0byte", 8, "nulbyte");
	clean("", 0, "");
	clean(NULL, 0, "");
}

static void test_signoff_and_phone(void **state)
{
	(void)state;
	/* the intro as bench/gen_corpus.py writes it */
	trim("Hi Bob,\n\nHappy to connect you two. Bob (Contoso) needs a new roof.\n\n"
	     "Best number to reach Bob is (415) 555-0123.\n\n"
	     "I'll let you two take it from here.\n\n"
	     "Best,\nJane Smith\nPartner, Northwind Advisors\nM: +1 212 555 0199\n"
	     "jane.smith@example.com | https://www.example.com\n\n"
	     "CONFIDENTIALITY NOTICE: This e-mail and any attachments are for the exclusive "
	     "and confidential use of the intended recipient. If you are not the intended "
	     "recipient, please do not read, distribute or take action in reliance upon this "
	     "message.\n",
	     "Hi Bob,\n\nHappy to connect you two. Bob (Contoso) needs a new roof.\n\n"
	     "Best number to reach Bob is (415) 555-0123.\n\n"
	     "I'll let you two take it from here.\n");
	trim("Intro below.\n\n--\nJane\nM: 555-0199\n", "Intro below.\n");
	trim("Intro below.\n\nCheers, Tom\nM: 555-0199\n", "Intro below.\n");
	trim("Intro below.\nThanks!\nJane\n", "Intro below.\n");
	trim("Intro below.\n\nMit freundlichen Grüßen\nJürgen\n", "Intro below.\n");
}

static void test_signoff_limits(void **state)
{
	(void)state;
	/* a greeting is not a sign-off */
	trim("Thanks,\n\nBob is great.\n", "Thanks,\n\nBob is great.\n");
	/* more than six lines after it: not a signature */
	trim("Hi,\nThanks,\n1\n2\n3\n4\n5\n6\n7\n", "Hi,\nThanks,\n1\n2\n3\n4\n5\n6\n7\n");
	trim("Hi,\nThanks,\n1\n2\n3\n4\n5\n6\n", "Hi,\n");
	/* a long line after it is text, not a signature */
	trim("Hi,\nThanks,\nBob called me yesterday and told me all about the kitchen, the "
	     "budget, the neighbours and the weather.\n",
	     "Hi,\nThanks,\nBob called me yesterday and told me all about the kitchen, the "
	     "budget, the neighbours and the weather.\n");
	/* "Thanks, I'll ..." is a sentence */
	trim("Hi,\nThanks, I'll call him\n", "Hi,\nThanks, I'll call him\n");
}

static void test_sigdash(void **state)
{
	(void)state;
	/* RFC 3676 "-- ": everything after goes, however long */
	trim("Meet Ann.\n-- \nJane\n1\n2\n3\n4\n5\n6\n7\n8\n", "Meet Ann.\n");
}

static void test_quotes(void **state)
{
	(void)state;
	trim("Thanks Jane!\n\nOn Mon, Mar 11, 2024 at 9:00 AM Jane Smith <jane@example.com> "
	     "wrote:\n> Bob, meet Brightline.\n> M: 555-0199\n",
	     "Thanks Jane!\n");
	/* Gmail wraps the attribution */
	trim("Thanks!\n\nOn Mon, Mar 11, 2024 at 9:00 AM Jane Smith <jane@example.com>\n"
	     "wrote:\n\n> Hi\n",
	     "Thanks!\n");
	trim("Danke!\n\nAm Mo., 11. März 2024 um 09:00 schrieb Jane <jane@example.com>:\n"
	     "> Hallo\n",
	     "Danke!\n");
	trim("Merci !\n\nLe lun. 11 mars 2024 à 09:00, Jane <jane@example.com> a écrit :\n"
	     "> Bonjour\n",
	     "Merci !\n");
	/* bottom-posting (Thunderbird): the reply under the quote stays */
	trim("On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi\nHello\n", "Hello\n");
	/* inline "> " lines go, the replies between them stay */
	trim("> question one\nanswer one\n> question two\nanswer two\n",
	     "answer one\nanswer two\n");
	/* Yahoo's dashes, and any language when a quote follows */
	trim("Sounds great.\n\n--- On Wed, 4/4/12, x@example.com <x@example.com> wrote:\n\n"
	     "> From: x\n",
	     "Sounds great.\n");
	trim("Hello\n02.04.2012 14:20 пользователь \"bob@example.org\" <\n"
	     "bob@example.org> написал:\n\n> Hi\n",
	     "Hello\n");
	trim("Note: call bob@example.org:\nsoon\n", "Note: call bob@example.org:\nsoon\n");
	/* no "> " after the attribution: unprefixed history, all of it goes */
	trim("Sure.\n\nOn Apr 3, 2012, at 4:19 PM, bob wrote:\n\nHi, call me at 555-0100\n",
	     "Sure.\n");
}

/* The attribution the trimmer cuts at, for intake to read who wrote the
 * quoted mail: the first outside the quote, its wrapped lines joined. */
static void test_quote_header(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	        {"Thanks Jane!\n\nOn Mon, Mar 11, 2024 at 9:00 AM Jane Smith <jane@example.com> "
	         "wrote:\n> Bob, meet Brightline.\n",
	         "On Mon, Mar 11, 2024 at 9:00 AM Jane Smith <jane@example.com> wrote:"},
	        {"Thanks!\n\nOn Mon, Mar 11, 2024 at 9:00 AM Jane Smith <jane@example.com>\n"
	         "wrote:\n\n> Hi\n",
	         "On Mon, Mar 11, 2024 at 9:00 AM Jane Smith <jane@example.com> wrote:"},
	        {"Danke!\n\nAm Mo., 11. März 2024 um 09:00 schrieb Jane <jane@example.com>:\n"
	         "> Hallo\n",
	         "Am Mo., 11. März 2024 um 09:00 schrieb Jane <jane@example.com>:"},
	        /* one inside the quote is the older mail's, not this one's */
	        {"Yes.\n> On Sun, Mar 10, 2024, Ann <ann@example.com> wrote:\n> > Hi\n", NULL},
	        /* Apple Mail quotes its attribution with the mail */
	        {"Thanks Yvonne!\n\n> On Nov 27, 2026, at 6:02 PM, Yvonne Okoro "
	         "<yvonne@example.com> wrote:\n>\n> Marcus, meet Brightpath.\n",
	         "On Nov 27, 2026, at 6:02 PM, Yvonne Okoro <yvonne@example.com> wrote:"},
	        {"No quote at all.\n", NULL},
	        {"", NULL},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = filter_quote_header(rules, cases[i].in);

		if (cases[i].want == NULL)
			assert_null(got);
		else
			assert_string_equal(got, cases[i].want);
		free(got);
	}
}

static void test_outlook_history(void **state)
{
	(void)state;
	trim("Hello\n\n-----Original Message-----\nFrom: bob <bob@example.com>\n"
	     "Sent: Mon, Apr 2, 2012 5:49 pm\nSubject: Test\n\nHi, call me at 555-0100\n",
	     "Hello\n");
	trim("Hello\n\n----- Original Message -----\nFrom: bob@example.com\nTo: x@example.com\n"
	     "Sent: Monday, April 2, 2012 5:44:22 PM\n\nHi\n",
	     "Hello\n");
	trim("Hello\n\n________________________________\n*From:* Jane Smith "
	     "[mailto:jane@example.com]\n*Sent:* Friday, March 15, 2024 4:12 PM\n*To:* Bob\n\n"
	     "M: 555-0199\n",
	     "Hello\n");
	trim("Hello\n\nFrom: xxx@example.org [mailto:xxx@example.org]\n"
	     "Sent: March-09-12 4:22 PM\nTo: Dan Le\n\nHi\n",
	     "Hello\n");
}

static void test_forward_kept(void **state)
{
	(void)state;
	/* the forwarder's signature goes, the forward stays, and so does the
	 * forward after a "-- " signature (Gmail puts it there) */
	trim("Please help Tom.\n\nThanks,\nPriya\n\n-- \nPriya Raman | M: 555-0199\n\n"
	     "---------- Forwarded message ---------\nFrom: Tom Walsh <tom@example.org>\n"
	     "Date: Tue, Mar 5, 2024 at 9:12 AM\nSubject: Contractor\nTo: Priya <p@example.com>\n"
	     "\n\nMy number is 020 7946 0811.\n",
	     "Please help Tom.\n\n---------- Forwarded message ---------\n"
	     "From: Tom Walsh <tom@example.org>\nDate: Tue, Mar 5, 2024 at 9:12 AM\n"
	     "Subject: Contractor\nTo: Priya <p@example.com>\n\nMy number is 020 7946 0811.\n");
	/* gen_corpus.py: the forward first, then the intro and its signature */
	trim("---------- Forwarded message ---------\nFrom: Tom <tom@example.org>\n"
	     "Date: Sat, 02 Mar 2024 09:00:00 +0000\nSubject: Looking for a contractor\n"
	     "To: Jane <jane@example.com>\n\nMy number is 555-0123.\n\nHi Tom,\n\nMeet Brightline."
	     "\n\nCheers,\nJane\nM: 555-0199\n",
	     "---------- Forwarded message ---------\nFrom: Tom <tom@example.org>\n"
	     "Date: Sat, 02 Mar 2024 09:00:00 +0000\nSubject: Looking for a contractor\n"
	     "To: Jane <jane@example.com>\n\nMy number is 555-0123.\n\nHi Tom,\n\n"
	     "Meet Brightline.\n");
	trim("FYI\n\nBegin forwarded message:\n\nFrom: Dmitri <d@example.org>\nSubject: x\n"
	     "Date: March 18, 2024\nTo: Mei <m@example.com>\n\nWater again.\n",
	     "FYI\n\nBegin forwarded message:\n\nFrom: Dmitri <d@example.org>\nSubject: x\n"
	     "Date: March 18, 2024\nTo: Mei <m@example.com>\n\nWater again.\n");
	trim("See below\n\n-------- Forwarded Message --------\nSubject: x\nFrom: a@example.org\n"
	     "\nText\n",
	     "See below\n\n-------- Forwarded Message --------\nSubject: x\nFrom: a@example.org\n"
	     "\nText\n");
}

static void test_layout(void **state)
{
	(void)state;
	trim("", "");
	trim("\n\n\n", "");
	trim("  a  \n\n\n\n b\t\n\n", "  a\n\n b\n");
	trim("Hello\n\nSent from my iPhone\n", "Hello\n");
	trim("no newline at end", "no newline at end\n");
	trim("Hello\r\nWorld\r\n", "Hello\nWorld\n");
	trim("a\xc2\xa0\n\xc2\xa0\n\nb\n", "a\n\nb\n");
}

static void test_large_linear(void **state)
{
	struct buf b = {0};
	char *t;
	int i;

	(void)state;
	/* many sign-off-like and quoted lines: no quadratic blow-up */
	for (i = 0; i < 200000; i++)
		buf_adds(&b, i % 2 ? "> quoted\n" : "Thanks,\n");
	t = filter_context(rules, b.s);
	assert_non_null(t);
	/* the last sign-off with at most six lines after it starts the cut */
	assert_int_equal(strlen(t), (100000 - 7) * strlen("Thanks,\n"));
	free(t);
	buf_free(&b);
	/* lines that look like headers, dates, addresses and names, wrapped
	 * and not: every rule kind is asked, still one pass */
	for (i = 0; i < 30000; i++)
		buf_adds(&b, i % 3 == 0   ? "On Mon, 3 Feb 2020 at 10:00, Ann <\n"
		             : i % 3 == 1 ? "From: Ann Lee <ann@example.com>\n"
		                          : "Ann Lee | Partner\n");
	t = filter_context(rules, b.s);
	assert_non_null(t);
	free(t);
	buf_free(&b);
}

/* ---- the structure, with a made-up language ---- */

/* Rules of a language of one word per kind: a quote header is "QUOTED
 * BELOW:", a header field "Frm: ..." or "Snt: ...", a mobile signature
 * "BY PHONE", a closing "Ciao", a footer "LEGAL:", a forward "FORWARDED". */
static long toy_match(void *arg, enum text_cut k, const char *s, size_t len)
{
	static const char *const words[TEXT_CUT_COUNT] = {
	        [TEXT_QUOTE] = "QUOTED BELOW:", [TEXT_HEADER] = "Frm:|Snt:",
	        [TEXT_SIGNATURE] = "BY PHONE",  [TEXT_SIGNOFF] = "Ciao",
	        [TEXT_FOOTER] = "LEGAL:",       [TEXT_FORWARD] = "FORWARDED",
	};
	const char *w = words[k];

	(void)arg;
	while (*w) {
		size_t n = strcspn(w, "|");

		/* a signoff must match all of what it is given */
		if (len >= n && memcmp(s, w, n) == 0 && (k != TEXT_SIGNOFF || len == n))
			return (long)n;
		w += n + (w[n] == '|');
	}
	return -1;
}

static void toy(const char *in, const char *want)
{
	struct text_rules r = {toy_match, NULL};
	char *got = text_trim_context(in, &r);

	assert_string_equal(got, want);
	free(got);
}

static void test_structure(void **state)
{
	(void)state;
	/* a quote header over plain text: the history, all of it */
	toy("Yes.\n\nQUOTED BELOW:\nold text\n\nmore old text\n", "Yes.\n");
	/* over "> " lines: the quote only; below it, a bottom post */
	toy("QUOTED BELOW:\n> old\n\nnew\n", "new\n");
	/* a forward inside history is history; after a signature it stays */
	toy("Yes.\nQUOTED BELOW:\nold\nFORWARDED\nfwd\n", "Yes.\n");
	toy("Yes.\nBY PHONE\nold\nFORWARDED\nfwd\n", "Yes.\nFORWARDED\nfwd\n");
	/* two header lines make a block (one wrapped line may sit between),
	 * with a separator above it; one header line is text */
	toy("Yes.\n____\nFrm: a\n<a@x>\nSnt: b\nold\n", "Yes.\n");
	toy("Yes.\nFrm: a\nold\n", "Yes.\nFrm: a\nold\n");
	/* after a forward marker the block is the forward's own */
	toy("FORWARDED\nFrm: a\nSnt: b\n\nfwd\n", "FORWARDED\nFrm: a\nSnt: b\n\nfwd\n");
	/* a signature or footer on top goes alone */
	toy("BY PHONE\n\nHello\n", "Hello\n");
	toy("LEGAL: external\nsender\n\nHello\n", "Hello\n");
	toy("Hello\n\nLEGAL: secret\nmore\n", "Hello\n");
	/* a closing with a name, and prose written after it */
	toy("Hello\nCiao\nAnn Lee\n\nAnn Lee | Manager\n", "Hello\n");
	toy("Hello\n\nCiao\nAnn\n\nP.S. Bob called.\n", "Hello\n\nP.S. Bob called.\n");
	/* names: a lone one, a card, a dash-signed one; a list is no name */
	toy("Hello there.\n\nAnn\n", "Hello there.\n");
	toy("Hello there.\n\nAnn\n\nAnn Lee\nAcme Ltd\n", "Hello there.\n");
	toy("Hello there.\n-Ann\n", "Hello there.\n");
	toy("List:\n- Ann\n- Bob\n", "List:\n- Ann\n- Bob\n");
	toy("His details:\n\nBob Jones\n555 0100\n", "His details:\n\nBob Jones\n555 0100\n");
	/* an attribution by its shape, in any language */
	toy("Da.\n\n3.2.2020 10:00 Ann <ann@example.com>:\n\nold\n", "Da.\n");
	/* a wrapped quote line lost its "> " */
	toy("Yes.\n> a quoted line long enough to have been wrapped by a mail client\n"
	    "wrapped words\n> more\n",
	    "Yes.\n");
	toy("> q1\nanswer\n> q2\n", "answer\n");
	toy("> a link (http://example.com/a?\nb=1)\n> more\n", "");
	/* a closing the rules do not know, over the name in one paragraph;
	 * not over a name the text speaks of */
	toy("Hello there.\n\nSaygilarimla,\nEmre Kaya\n", "Hello there.\n");
	toy("You should call Bob.\n\nHis number,\nBob Jones\n",
	    "You should call Bob.\n\nHis number,\nBob Jones\n");
	/* a closing with a sentence below it is text */
	toy("Hello there.\nCiao\nAnn will call you on Monday.\n",
	    "Hello there.\nCiao\nAnn will call you on Monday.\n");
	toy("Hello there.\nCiao\nAnn\n", "Hello there.\n");
	/* closings in a row go together, but one that ends a sentence is said */
	toy("Hello there.\nCiao,\nCiao,\nAnn\n", "Hello there.\n");
	toy("Hello there.\nCiao.\nCiao\n", "Hello there.\nCiao.\n");
	/* a longer card: a name over phone numbers and addresses */
	toy("Hello there.\n\nAnn Lee\nPartner\nAcme Ltd\nT 555 0100 200\nM 555 0100 300\n"
	    "ann@example.com\n",
	    "Hello there.\n");
	/* a separator of underscores, stars or dots over a short tail; not
	 * a line of hyphens, nor a tail of prose */
	toy("Hello there.\n\n_____\nAcme Ltd, Main St 1\n", "Hello there.\n");
	toy("Hello there.\n\n* * *\nAcme\n", "Hello there.\n");
	toy("Hello there.\n\n----\nAcme Ltd, Main St 1\n",
	    "Hello there.\n\n----\nAcme Ltd, Main St 1\n");
	toy("Hello there.\n\n_____\nAnd this is what we agreed with the owner on the phone "
	    "yesterday afternoon.\n",
	    "Hello there.\n\n_____\nAnd this is what we agreed with the owner on the phone "
	    "yesterday afternoon.\n");
	/* framed words above a header block, in a language no rule knows */
	toy("Yes.\n----- Xyz abc -----\nFrm: a <a@example.com>\nSnt: b\n\nold\n", "Yes.\n");
	/* a header block names an address or a date; else it is text */
	toy("Yes.\nFrm: the office\nSnt: it\n", "Yes.\nFrm: the office\nSnt: it\n");
	/* attributions by shape: dated above a quote without an address,
	 * dateless with one; a time alone is no date */
	toy("Da.\n\nDne 6.5.2024 9:14, Ann napsala:\n> old\n", "Da.\n");
	toy("Da.\n\nXyz Ann <ann@example.com>:\n> old\n", "Da.\n");
	toy("At 10:30, this:\n> old\nDa.\n", "At 10:30, this:\nDa.\n");
	/* Arabic-Indic digits are a date */
	toy("Da.\n\n\xd9\xa3:\xd9\xa3\xd9\xa6 Ann <ann@example.com>:\n\nold\n", "Da.\n");
}

/* Without rules only the structure is cut: quotes and "-- ". */
/* text_trim_history: the signature and what follows it stay, the
 * history goes, quoted or unprefixed. */
static void test_history(void **state)
{
	struct text_rules r = {toy_match, NULL};
	struct {
		const char *in, *want;
	} t[] = {
	        {"Done.\n\nBY PHONE\n#won 12000\n\n> old\n> #won 1\n",
	         "Done.\n\nBY PHONE\n#won 12000\n"},
	        {"Done.\n-- \nTom\n#lost\nQUOTED BELOW:\n#won 1\n", "Done.\n--\nTom\n#lost\n"},
	        {"Done.\nCiao\nTom\n#won 5\nFrm: Tom <t@x.test>\nSnt: 1 Dec 2026\n#won 1\n",
	         "Done.\nCiao\nTom\n#won 5\n"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *got = text_trim_history(t[i].in, &r);

		assert_string_equal(got, t[i].want);
		free(got);
	}
}

static void test_no_rules(void **state)
{
	char *got;

	(void)state;
	got = text_trim_context(
	        "Thanks!\n\nOn Mon, Mar 11, 2024 at 9:00 AM Jane "
	        "<jane@example.com> wrote:\n> Hi\n\nSent from my iPhone\n-- \nsig\n",
	        NULL);
	assert_string_equal(got, "Thanks!\n\nSent from my iPhone\n");
	free(got);
	got = filter_context(NULL, "Hi\n> q\n");
	assert_string_equal(got, "Hi\n");
	free(got);
}

/* ---- the table: tests/data/context/ ---- */

#define CONTEXT_DIR "tests/data/context"

/* Runs every NAME.txt of the table; returns the number of cases and fails
 * with the names of those that differ. */
static size_t run_table(int report)
{
	DIR *d = opendir(CONTEXT_DIR);
	struct dirent *de;
	struct buf bad = {0};
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name), tl = 0, el = 0;
		char name[256], *text, *want, *got;

		if (len < 5 || strcmp(de->d_name + len - 4, ".txt") != 0)
			continue;
		snprintf(name, sizeof(name), "context/%.*s.txt", (int)(len - 4), de->d_name);
		text = test_read_data(name, &tl);
		snprintf(name, sizeof(name), "context/%.*s.expected", (int)(len - 4), de->d_name);
		want = test_read_data(name, &el);
		assert_non_null(text);
		assert_non_null(want);
		got = filter_context(rules, text);
		if (strcmp(got, want) != 0) {
			buf_printf(&bad, "%s\n", de->d_name);
			if (report)
				fprintf(stderr, "--- %s want:\n%s--- got:\n%s", de->d_name, want,
				        got);
		}
		free(got);
		free(text);
		free(want);
		n++;
	}
	closedir(d);
	if (bad.len > 0)
		fail_msg("context cases that differ:\n%s", bad.s);
	buf_free(&bad);
	return n;
}

static void test_table(void **state)
{
	(void)state;
	/* every client and language of the README, closings and footers in
	 * thirty languages, and the over-cut cases */
	assert_true(run_table(1) >= 130);
}

/* One set, four threads (the ingest workers): same results. */
static void *table_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20; i++)
		run_table(0);
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t t[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, table_thread, NULL), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_clean_utf8),     cmocka_unit_test(test_signoff_and_phone),
	        cmocka_unit_test(test_signoff_limits), cmocka_unit_test(test_sigdash),
	        cmocka_unit_test(test_quotes),         cmocka_unit_test(test_outlook_history),
	        cmocka_unit_test(test_forward_kept),   cmocka_unit_test(test_layout),
	        cmocka_unit_test(test_large_linear),   cmocka_unit_test(test_structure),
	        cmocka_unit_test(test_history),        cmocka_unit_test(test_no_rules),
	        cmocka_unit_test(test_table),          cmocka_unit_test(test_threads),
	        cmocka_unit_test(test_quote_header),
	};
	int rc;

	if (filter_load("filters", &rules) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	filter_free(rules);
	return rc;
}

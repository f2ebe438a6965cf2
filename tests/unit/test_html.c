/*
 * test_html.c - html_to_text(): what Outlook, Gmail and hand-written HTML
 * mail turn into.
 */
#include "testutil.h"

#include "html.h"

static void check(const char *html, const char *want)
{
	char *got = html_to_text(html, strlen(html));

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_entities_and_tags(void **state)
{
	(void)state;
	check("<p>Caf&eacute; &amp; <b>bar</b></p><p>Next &lt;para&gt; &#8211; &#x41;</p>",
	      "Café & bar\n\nNext <para> – A\n");
	check("just   text\n  with\tspaces", "just text with spaces\n");
}

static void test_no_head_script_style(void **state)
{
	(void)state;
	check("<html><head><title>T</title><style>p{color:red}</style></head>"
	      "<body><script>var x = 1;</script>Hello<br>World<style>.a{}</style></body></html>",
	      "Hello\nWorld\n");
}

static void test_empty(void **state)
{
	char *t;

	(void)state;
	t = html_to_text("", 0);
	assert_string_equal(t, "");
	free(t);
	t = html_to_text(NULL, 0);
	assert_string_equal(t, "");
	free(t);
	check("   ", "");
	check("<html><body><p>&nbsp;</p></body></html>", "");
}

static void test_gmail_divs(void **state)
{
	(void)state;
	/* a <div> per line, <div><br></div> for an empty line */
	check("<div dir=\"ltr\">Hi Bob,<div><br></div><div>Meet Brightline.</div>"
	      "<div>Line two.<br></div><div><br></div><div>Best,</div><div>Jane</div></div>",
	      "Hi Bob,\n\nMeet Brightline.\nLine two.\n\nBest,\nJane\n");
}

static void test_gmail_quote(void **state)
{
	(void)state;
	check("Thanks!<br><br><div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">"
	      "On Mon, Apr 2, 2012 at 6:26 PM, Megan One &lt;<a href=\"mailto:m@example.com\">"
	      "m@example.com</a>&gt; wrote:<br></div><blockquote class=\"gmail_quote\" "
	      "style=\"margin:0 0 0 .8ex\">Hi<br>there<blockquote>older</blockquote>"
	      "</blockquote></div>",
	      "Thanks!\n\nOn Mon, Apr 2, 2012 at 6:26 PM, Megan One <m@example.com> wrote:\n"
	      "> Hi\n> there\n> > older\n");
}

static void test_outlook(void **state)
{
	(void)state;
	/* MsoNormal paragraphs are lines; <o:p>&nbsp;</o:p> is an empty
	 * line; downlevel-revealed conditionals leave no trace */
	check("<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><head><style><!--\n"
	      "p.MsoNormal {margin:0cm; font-family:\"Calibri\",sans-serif;}\n--></style></head>"
	      "<body><div class=WordSection1>\n"
	      "<p class=MsoNormal>Hi Carlos,<o:p></o:p></p>\n"
	      "<p class=MsoNormal><o:p>&nbsp;</o:p></p>\n"
	      "<p class=MsoNormal>Meet&nbsp;Brightline.<o:p></o:p></p>\n"
	      "<p class=MsoListParagraph><![if !supportLists]><span>1.<span>&nbsp;&nbsp; "
	      "</span></span><![endif]>First item<o:p></o:p></p>\n"
	      "<!--[if gte mso 9]><xml><o:shapedefaults v:ext=\"edit\"/></xml><![endif]-->"
	      "<p class=MsoNormal>Regards,<o:p></o:p></p>\n"
	      "<p class=MsoNormal><b>Jane</b><o:p></o:p></p>\n</div></body></html>",
	      "Hi Carlos,\n\nMeet Brightline.\n1. First item\nRegards,\nJane\n");
}

static void test_outlook_span_op(void **state)
{
	(void)state;
	/* <o:p> inside a <span> inside the paragraph is still inline */
	check("<p class=MsoNormal><span style=\"color:x\">Hi Bob,<o:p></o:p></span></p>"
	      "<p class=MsoNormal><span>There<o:p></o:p></span></p>"
	      "<p class=MsoNormal>x<b>y<o:p></o:p></b>z</p>",
	      "Hi Bob,\nThere\nxyz\n");
}

static void test_lists_tables(void **state)
{
	(void)state;
	check("<ul><li>one</li><li>two <i>x</i></li></ul><ol><li>three</li></ol>",
	      "- one\n- two x\n- three\n");
	check("<table><tr><td>Name:</td><td>John Doe</td></tr>"
	      "<tr><th>Phone:</th><td>555-0100</td></tr></table>",
	      "Name:\tJohn Doe\nPhone:\t555-0100\n");
	check("<h1>Title</h1><p>para</p><hr><pre>  a   b\n c</pre>end",
	      "Title\n\npara\n\n  a   b\n c\nend\n");
}

static void test_mailto(void **state)
{
	(void)state;
	check("Reach <a href=\"mailto:tom@example.org?subject=hi\">Tom</a> or "
	      "<a href=\"MAILTO:ann@example.net\">ann@example.net</a> or "
	      "<a href=\"https://example.com\">the site</a>.",
	      "Reach Tom <tom@example.org> or ann@example.net or the site.\n");
}

static void test_charset(void **state)
{
	static const char latin1[] = "<html><head><meta charset=\"iso-8859-1\"></head>"
	                             "<body>Caf\xe9 cr\xe8me</body></html>";
	static const char utf8_false_meta[] = "<html><head><meta charset=\"iso-8859-1\">"
	                                      "</head><body>Caf\xc3\xa9</body></html>";

	(void)state;
	/* bytes that are not UTF-8 follow the meta charset */
	check(latin1, "Café crème\n");
	/* UTF-8 bytes win over a stale meta (message.c converted them) */
	check(utf8_false_meta, "Café\n");
}

static void test_broken_and_deep(void **state)
{
	struct buf b = {0};
	char *t;
	int i;

	(void)state;
	check("<div><p>unclosed <b>bold <i>both</div>after", "unclosed bold both\n\nafter\n");
	check("x < y &bogus; z <p", "x < y &bogus; z\n");
	buf_adds(&b, "top");
	for (i = 0; i < 100; i++)
		buf_adds(&b, "<div><blockquote>");
	buf_adds(&b, "deep");
	t = html_to_text(b.s, b.len);
	assert_non_null(
	        strstr(t, "\n> > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > "));
	assert_non_null(strstr(t, "> deep\n"));
	free(t);
	/* past libxml2's depth limit (256) the rest is dropped, no crash */
	for (i = 0; i < 20000; i++)
		buf_adds(&b, "<div><blockquote>");
	buf_adds(&b, "deeper");
	t = html_to_text(b.s, b.len);
	assert_non_null(t);
	assert_null(strstr(t, "deeper"));
	free(t);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_entities_and_tags),
	        cmocka_unit_test(test_no_head_script_style),
	        cmocka_unit_test(test_empty),
	        cmocka_unit_test(test_gmail_divs),
	        cmocka_unit_test(test_gmail_quote),
	        cmocka_unit_test(test_outlook),
	        cmocka_unit_test(test_outlook_span_op),
	        cmocka_unit_test(test_lists_tables),
	        cmocka_unit_test(test_mailto),
	        cmocka_unit_test(test_charset),
	        cmocka_unit_test(test_broken_and_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

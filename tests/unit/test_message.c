/*
 * test_message.c - message_parse() over the hand-written mail in
 * tests/data/message/, plus the mbox splitter and the caps.
 */
#include "testutil.h"

#include "filter.h"
#include "message.h"

/* The shipped rules, for the context (message_parse leaves it to them);
 * tests run from the top of the tree. */
static struct filter_set *rules;

static const char *context(struct message *m)
{
	if (rules == NULL && filter_load("filters", &rules) != 0)
		fail_msg("filters/ does not load");
	if (m->context == NULL)
		m->context = filter_context(rules, m->body);
	return m->context;
}

static struct message *parse_str(const char *s)
{
	struct message *m = NULL;
	char *error = NULL;

	if (message_parse(s, strlen(s), &m, &error) != 0)
		fail_msg("parse: %s", error);
	return m;
}

static int has_warning(const struct message *m, const char *part)
{
	size_t i;

	for (i = 0; i < m->nwarnings; i++)
		if (strstr(m->warnings[i], part))
			return 1;
	return 0;
}

static void test_rfc2047_names(void **state)
{
	struct message *m = test_parse_file("message/rfc2047-names.eml");

	(void)state;
	assert_string_equal(m->from.name, "François Lefèvre"); /* ISO-8859-1 Q */
	assert_string_equal(m->from.email, "francois.lefevre@example.fr");
	assert_int_equal(m->nfrom, 1);
	assert_int_equal(m->to.n, 2);
	assert_string_equal(m->to.v[0].name, "Zoë Brontë"); /* UTF-8 B */
	assert_string_equal(m->to.v[0].email, "zoe@example.org");
	assert_string_equal(m->to.v[1].name, "Chloé Dubois"); /* UTF-8 Q */
	assert_int_equal(m->cc.n, 2);
	assert_string_equal(m->cc.v[0].name, "山田 太郎"); /* ISO-2022-JP B */
	assert_string_equal(m->cc.v[0].email, "taro@example.jp");
	assert_string_equal(m->cc.v[1].email, "agent@biz.test"); /* lower-cased */
	assert_string_equal(m->subject, "Intro: Søren <> Brightline");
	assert_string_equal(m->message_id, "names.1@example.fr");
	assert_string_equal(m->return_path, "francois@example.fr");
	assert_int_equal(m->date, 1709540100); /* 2024-03-04T08:15:00Z */
	assert_string_equal(message_header(m, "cc"),
	                    "山田 太郎 <taro@example.jp>, \"Biz Intake\" <AGENT@biz.test>");
	assert_string_equal(m->content_type, "text/plain");
	assert_string_equal(m->body, "Zoë, meet Brightline.\n\nFrançois\n");
	assert_int_equal(m->nwarnings, 0);
	message_free(m);
}

/* A display name is one line: what follows a CR or LF encoded in it (RFC
 * 2047 can) is dropped, a tab becomes a space; a name that was only a
 * line break is none. */
static void test_name_one_line(void **state)
{
	struct message *m = parse_str("From: =?utf-8?q?Sarah=0D=0ABcc=3A_x=40evil=2Etest?= "
	                              "<sarah@partner.test>\r\n"
	                              "To: =?utf-8?b?Qm9iCVNtaXRo?= <bob@client.test>\r\n"
	                              "Subject: hi\r\n\r\nhi\r\n");

	(void)state;
	assert_string_equal(m->from.name, "Sarah");
	assert_string_equal(m->to.v[0].name, "Bob Smith");
	message_free(m);
}

/* UTF-8 labelled ISO-8859-1 or windows-1252 (a script's encoded words,
 * a client's raw 8-bit header) is read as the UTF-8 it is, word by word;
 * real Latin-1 and windows-1252 are read as before. */
static void test_double_decoded_names(void **state)
{
	struct message *m = parse_str(
	        "From: =?iso-8859-1?Q?Fran=C3=A7oise_L=C3=A9g=C3=A9r?= <fl@orange.test>\r\n"
	        "To: =?windows-1252?Q?Se=C3=A1n_O=92Connor?= <sean@bt.test>,\r\n"
	        " =?iso-8859-1?Q?J=FCrgen_M=FCller?= <jm@gmx.test>,\r\n"
	        " =?windows-1252?Q?Ren=E9e?= =?iso-8859-1?Q?_=C3=81lvarez?= <ra@x.test>\r\n"
	        "Cc: =?iso-8859-1?Q?Jo=E3o_=C3=A9?= <j@x.test>\r\n"
	        "Subject: =?iso-8859-1?Q?Pr=C3=A9sentation_=3A_J=C3=BCrgen?=\r\n\r\nhi\r\n");

	(void)state;
	assert_string_equal(m->from.name, "Françoise Légér");
	assert_string_equal(m->to.v[0].name, "Seán O’Connor");
	assert_string_equal(m->to.v[1].name, "Jürgen Müller");
	assert_string_equal(m->to.v[2].name, "Renée Álvarez");
	assert_string_equal(m->cc.v[0].name, "João é");
	assert_string_equal(m->subject, "Présentation : Jürgen");
	message_free(m);
}

/* A mail carried by the reader's own list: its list headers renamed, its
 * author taken from X-Original-From, else from Reply-To. */
static void test_unlist(void **state)
{
	struct message *m = parse_str("From: \"'Ann Lee' via Referrals\" <agent@biz.test>\r\n"
	                              "X-Original-From: Ann Lee <ann@yahoo.test>\r\n"
	                              "Reply-To: Someone <else@x.test>\r\n"
	                              "Precedence: list\r\nList-Id: <agent.biz.test>\r\n"
	                              "Subject: hi\r\n\r\nhi\r\n");

	(void)state;
	assert_int_equal(message_unlist(m, 1), 1);
	assert_string_equal(m->from.email, "ann@yahoo.test");
	assert_string_equal(m->from.name, "Ann Lee");
	assert_int_equal(m->from_relayed, 1);
	assert_null(message_header(m, "Precedence"));
	assert_null(message_header(m, "List-Id"));
	assert_string_equal(message_header(m, "X-Refagent-Was-List-Id"), "<agent.biz.test>");
	message_free(m);

	m = parse_str("From: Rosa Delgado via Neighbors <agent@biz.test>\r\n"
	              "Reply-To: Rosa Delgado <rosa@comcast.test>\r\n"
	              "Precedence: list\r\nSubject: hi\r\n\r\nhi\r\n");
	assert_int_equal(message_unlist(m, 1), 1);
	assert_string_equal(m->from.email, "rosa@comcast.test");
	message_free(m);

	/* not rewritten: the headers only */
	m = parse_str("From: Ken <ken@x.test>\r\nPrecedence: list\r\nSubject: hi\r\n\r\nhi\r\n");
	assert_int_equal(message_unlist(m, 0), 0);
	assert_string_equal(m->from.email, "ken@x.test");
	assert_int_equal(m->from_relayed, 0);
	assert_null(message_header(m, "Precedence"));
	message_free(m);
}

static void test_alternative(void **state)
{
	struct message *m = test_parse_file("message/alternative.eml");

	(void)state;
	assert_string_equal(m->content_type, "multipart/alternative");
	assert_int_equal(m->body_is_html, 0);
	assert_string_equal(
	        m->body, "Hi Bob,\n\nBrightline did our kitchen. Bob's number is (415) 555-0123, "
	                 "evenings are best.\n\nBest,\nJane Smith\nM: +1 212 555 0199");
	assert_string_equal(context(m), "Hi Bob,\n\nBrightline did our kitchen. Bob's number is "
	                                "(415) 555-0123, evenings are best.\n");
	assert_int_equal(m->date, 1709632800);
	assert_int_equal(m->nattachments, 0);
	assert_int_equal(m->nfwd, 0);
	assert_int_equal(m->report, REPORT_NONE);
	message_free(m);
}

static void test_outlook_html(void **state)
{
	struct message *m = test_parse_file("message/outlook-html.eml");

	(void)state;
	assert_int_equal(m->body_is_html, 1);
	assert_string_equal(m->from.name, "Smith, Jane");
	assert_string_equal(m->body, "Hi Carlos,\n\nI\u2019d like you to meet Brightline "
	                             "Renovations. Carlos\u2019s cell is 415-555-0142.\n\nKind "
	                             "regards,\nJane Smith\nM: +1 617 555 0100\n");
	assert_string_equal(context(m), "Hi Carlos,\n\nI\u2019d like you to meet Brightline "
	                                "Renovations. Carlos\u2019s cell is 415-555-0142.\n");
	assert_null(strstr(m->body, "Calibri"));
	message_free(m);
}

static void test_gmail_forward_inline(void **state)
{
	struct message *m = test_parse_file("message/gmail-forward.eml");
	struct forward *f;

	(void)state;
	assert_int_equal(m->nfwd, 1);
	f = &m->fwd[0];
	assert_int_equal(f->attached, 0);
	assert_string_equal(f->from.name, "Tom Walsh");
	assert_string_equal(f->from.email, "tom.walsh@example.org");
	assert_int_equal(f->to.n, 2);
	assert_string_equal(f->to.v[0].email, "priya@example.com");
	assert_string_equal(f->to.v[1].name, "Ann Lee");
	assert_string_equal(f->to.v[1].email, "ann@example.net");
	assert_string_equal(f->subject, "Looking for a contractor");
	assert_null(f->message_id);
	assert_string_equal(f->body, "Would love an intro to whoever did your extension.\n"
	                             "My number is 020 7946 0811.\n\nTom\n");
	/* the forwarder's sign-off goes, the forwarded block stays */
	assert_null(strstr(context(m), "Priya\n"));
	assert_non_null(strstr(context(m), "---------- Forwarded message ---------\n"));
	assert_non_null(strstr(context(m), "My number is 020 7946 0811."));
	message_free(m);
}

static void test_gmail_html_forward(void **state)
{
	struct message *m = test_parse_file("message/gmail-html-forward.eml");
	struct forward *f;

	(void)state;
	/* the file has CRLF line ends and only an HTML part */
	assert_int_equal(m->body_is_html, 1);
	assert_int_equal(m->date, 1710892800);
	assert_int_equal(m->nfwd, 1);
	f = &m->fwd[0];
	assert_string_equal(f->from.name, "Yusuf Patel");
	assert_string_equal(f->from.email, "yusuf@example.org");
	assert_int_equal(f->to.n, 1);
	assert_string_equal(f->to.v[0].email, "kenji@example.com");
	assert_string_equal(f->subject, "Loft conversion");
	assert_non_null(strstr(f->body, "Call me on +44 20 7946 0321."));
	assert_string_equal(context(m), "Hi team, please look after Yusuf.\n\n"
	                                "---------- Forwarded message ---------\n"
	                                "From: Yusuf Patel <yusuf@example.org>\n"
	                                "Date: Sun, Mar 17, 2024 at 8:00 PM\n"
	                                "Subject: Loft conversion\n"
	                                "To: Kenji Tanaka <kenji@example.com>\n\n"
	                                "Kenji, who did your loft? Call me on +44 20 7946 0321.\n");
	message_free(m);
}

static void test_outlook_forward(void **state)
{
	struct message *m = test_parse_file("message/outlook-forward.eml");
	struct forward *f;

	(void)state;
	assert_int_equal(m->nfwd, 1);
	f = &m->fwd[0];
	assert_int_equal(f->attached, 0);
	assert_string_equal(f->from.name, "Tom Walsh"); /* [mailto:] form */
	assert_string_equal(f->from.email, "tom@example.org");
	assert_int_equal(f->to.n, 2); /* ';' separated, <mailto:> copies */
	assert_string_equal(f->to.v[0].name, "Ana Murphy");
	assert_string_equal(f->to.v[0].email, "ana@example.com");
	assert_string_equal(f->to.v[1].name, "Grace Kim");
	assert_string_equal(f->to.v[1].email, "grace@example.net");
	assert_string_equal(f->subject, "kitchen remodel");
	assert_string_equal(f->body, "Ana, do you know a good builder? I'm on 617-555-0123.\n");
	assert_string_equal(context(m), "Over to you - Tom is keen to start.\n");
	message_free(m);
}

static void test_apple_forward(void **state)
{
	struct message *m = test_parse_file("message/apple-forward.eml");
	struct forward *f;

	(void)state;
	assert_int_equal(m->nfwd, 1);
	f = &m->fwd[0];
	assert_string_equal(f->from.email, "dmitri@example.org");
	assert_int_equal(f->to.n, 2); /* To and Cc */
	assert_string_equal(f->to.v[1].email, "segun@example.net");
	assert_string_equal(f->subject, "basement");
	assert_string_equal(f->body, "Water in the basement again. Can you send me your "
	                             "contractor's details?\n");
	message_free(m);
}

static void test_rfc822_forward(void **state)
{
	struct message *m = test_parse_file("message/rfc822-forward.eml");
	struct forward *f;

	(void)state;
	assert_string_equal(m->body, "See below, Elena needs a roof.\n");
	assert_int_equal(m->nfwd, 1);
	f = &m->fwd[0];
	assert_int_equal(f->attached, 1);
	assert_string_equal(f->from.name, "Elena Ferreira");
	assert_string_equal(f->from.email, "elena@example.net");
	assert_int_equal(f->to.n, 2);
	assert_string_equal(f->to.v[0].email, "mark@example.com");
	assert_string_equal(f->to.v[1].email, "ilse@example.org");
	assert_string_equal(f->subject, "roof quote");
	assert_string_equal(f->message_id, "inner.7@example.net");
	assert_string_equal(f->body, "Hi Mark, can you recommend someone for the roof? Call me "
	                             "at 555-0177. Merci d'avance, Jérôme says hi.\n");
	assert_int_equal(m->nattachments, 2);
	assert_string_equal(m->attachments[0], "roof quote.eml");
	assert_string_equal(m->attachments[1], "plan.pdf"); /* no directories */
	message_free(m);
}

static void test_dsn(void **state)
{
	struct message *m = test_parse_file("message/dsn.eml");

	(void)state;
	assert_int_equal(m->report, REPORT_DSN);
	assert_string_equal(m->report_type, "delivery-status");
	assert_string_equal(m->return_path, "");
	assert_string_equal(m->from.email, "mailer-daemon@mx.biz.test");
	assert_int_equal(m->ndsn, 2);
	/* Original-Recipient is the address as we sent it */
	assert_string_equal(m->dsn[0].email, "gone@example.org");
	assert_string_equal(m->dsn[0].action, "failed");
	assert_string_equal(m->dsn[0].status, "5.1.1");
	assert_string_equal(
	        m->dsn[0].diagnostic,
	        "550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown");
	assert_string_equal(m->dsn[1].email, "slow@example.net");
	assert_string_equal(m->dsn[1].action, "delayed");
	assert_string_equal(m->dsn[1].status, "4.4.1");
	assert_null(m->dsn[1].diagnostic);
	assert_string_equal(m->orig_message_id, "welcome.42@biz.test");
	assert_int_equal(m->nfwd, 0); /* the returned message is no forward */
	assert_non_null(strstr(m->body, "could not\nbe delivered"));
	message_free(m);
}

static void test_dsn_rfc822_and_other_report(void **state)
{
	static const char dsn[] =
	        "From: MAILER-DAEMON@mx.example.org\n"
	        "To: agent@biz.test\n"
	        "Subject: failure\n"
	        "Content-Type: multipart/report; report-type=\"Delivery-Status\"; boundary=x\n"
	        "\n--x\nContent-Type: text/plain\n\nFailed.\n"
	        "--x\nContent-Type: message/delivery-status\n\n"
	        "Reporting-MTA: dns; mx.example.org\n\n"
	        "Action : failed\nStatus : 5.0.0\nFinal-Recipient : rfc/822;A@Example.Org\n"
	        "--x\nContent-Type: message/rfc822\n\n"
	        "From: agent@biz.test\nTo: a@example.org\nMessage-ID: <orig.9@biz.test>\n"
	        "Subject: hello\n\nhello\n--x--\n";
	static const char mdn[] =
	        "From: reader@example.org\n"
	        "To: agent@biz.test\n"
	        "Subject: Read: hello\n"
	        "Content-Type: multipart/report; report-type=disposition-notification; "
	        "boundary=y\n"
	        "\n--y\nContent-Type: text/plain\n\nRead.\n"
	        "--y\nContent-Type: message/disposition-notification\n\n"
	        "Final-Recipient: rfc822; reader@example.org\nDisposition: manual-action/"
	        "MDN-sent-manually; displayed\n--y--\n";
	struct message *m = parse_str(dsn);

	(void)state;
	assert_int_equal(m->report, REPORT_DSN);
	assert_int_equal(m->ndsn, 1); /* fields in any order, "Name : value" */
	assert_string_equal(m->dsn[0].email, "a@example.org");
	assert_string_equal(m->dsn[0].action, "failed");
	assert_string_equal(m->orig_message_id, "orig.9@biz.test");
	assert_int_equal(m->nfwd, 0);
	message_free(m);

	m = parse_str(mdn);
	assert_int_equal(m->report, REPORT_OTHER);
	assert_string_equal(m->report_type, "disposition-notification");
	assert_int_equal(m->ndsn, 0);
	assert_string_equal(m->body, "Read."); /* the LF before a boundary is the boundary's */
	message_free(m);
}

/* A delivery report whose last part is returned (its MIME headers, a blank
 * line, its content). */
static struct message *parse_report(const char *returned)
{
	static const char head[] =
	        "From: MAILER-DAEMON@mx.example.org\n"
	        "To: agent@biz.test\n"
	        "Subject: failure\n"
	        "Content-Type: multipart/report; report-type=delivery-status; boundary=x\n"
	        "\n--x\nContent-Type: message/delivery-status\n\n"
	        "Final-Recipient: rfc822; a@example.org\nAction: failed\n";
	char *raw = xasprintf("%s--x\n%s--x--\n", head, returned);
	struct message *m = parse_str(raw);

	free(raw);
	assert_int_equal(m->report, REPORT_DSN);
	return m;
}

/* The agent's own X-Refagent-Referral in what a report returns: the
 * returned headers (text/rfc822-headers) or the returned message
 * (message/rfc822); digits only, at most 18 of them. */
static void test_dsn_returned_referral(void **state)
{
	struct message *m;

	(void)state;
	m = parse_report("Content-Type: text/rfc822-headers\n\n"
	                 "From: agent@biz.test\nx-refagent-referral:  42\n"
	                 "Message-ID:\n <rewritten.1@provider.test>\n\n"
	                 "X-Refagent-Referral: 7\n");
	assert_string_equal(m->orig_referral, "42");
	assert_string_equal(m->orig_message_id, "rewritten.1@provider.test");
	message_free(m);

	/* a header after the blank line is the body's, not the block's */
	m = parse_report("Content-Type: text/rfc822-headers\n\n"
	                 "From: agent@biz.test\n\nX-Refagent-Referral: 7\n");
	assert_null(m->orig_referral);
	assert_null(m->orig_message_id);
	message_free(m);

	m = parse_report("Content-Type: message/rfc822\n\n"
	                 "From: agent@biz.test\nMessage-ID: <orig.3@biz.test>\n"
	                 "X-Refagent-Referral: 123abc\n\nhello\n");
	assert_string_equal(m->orig_referral, "123");
	assert_string_equal(m->orig_message_id, "orig.3@biz.test");
	assert_int_equal(m->nfwd, 0);
	message_free(m);

	/* 19 digits: more than a referral id can be */
	m = parse_report("Content-Type: text/rfc822-headers\n\n"
	                 "X-Refagent-Referral: 1234567890123456789\n");
	assert_null(m->orig_referral);
	message_free(m);
}

static void test_autoreply(void **state)
{
	struct message *m = test_parse_file("message/autoreply.eml");

	(void)state;
	assert_string_equal(message_header(m, "Auto-Submitted"), "auto-replied");
	assert_string_equal(message_header(m, "precedence"), "bulk");
	assert_string_equal(message_header(m, "X-Auto-Response-Suppress"), "All");
	assert_null(message_header(m, "List-Id"));
	assert_string_equal(m->in_reply_to, "intro.1@example.com");
	assert_int_equal(m->nreferences, 1);
	assert_string_equal(m->references[0], "intro.1@example.com");
	assert_string_equal(m->subject, "Automatic reply: Intro: Lars <> Brightline");
	assert_int_equal(m->nheaders, 12);
	assert_string_equal(m->headers[0].name, "Date");
	assert_string_equal(m->headers[11].name, "Content-Type");
	assert_string_equal(m->headers[11].value, "text/plain; charset=utf-8");
	message_free(m);
}

/* Decided: the hash is blind to line ends (CRLF vs LF) and to refolding,
 * because a relay or an IMAP server may change either on re-delivery. */
static void test_missing_msgid_hash(void **state)
{
	size_t len = 0, i;
	char *lf = test_read_data("message/no-msgid.eml", &len);
	struct buf crlf = {0}, refold = {0};
	struct message *a, *b, *c, *d;
	char *error = NULL, *p;

	(void)state;
	assert_non_null(lf);
	for (i = 0; i < len; i++) {
		if (lf[i] == '\n')
			buf_addc(&crlf, '\r');
		buf_addc(&crlf, lf[i]);
	}
	buf_adds(&refold, lf);
	p = strstr(refold.s, "might\n fold");
	assert_non_null(p);
	memcpy(p, "might\n\tfold", 11);

	assert_int_equal(message_parse(lf, len, &a, &error), 0);
	assert_int_equal(message_parse(crlf.s, crlf.len, &b, &error), 0);
	assert_int_equal(message_parse(refold.s, refold.len, &c, &error), 0);
	assert_null(a->message_id);
	assert_string_equal(a->subject, "A long subject line that a relay might fold differently");
	assert_string_equal(b->body, "Noah, meet Brightline.\nSecond line.\n");
	assert_true(a->header_hash != 0);
	assert_true(a->header_hash == b->header_hash);
	assert_true(a->header_hash == c->header_hash);

	p = strstr(refold.s, "Second line");
	memcpy(p, "Other", 5);
	assert_int_equal(message_parse(refold.s, refold.len, &d, &error), 0);
	assert_true(a->header_hash != d->header_hash);

	message_free(a);
	message_free(b);
	message_free(c);
	message_free(d);
	buf_free(&crlf);
	buf_free(&refold);
	free(lf);
}

static void test_references(void **state)
{
	struct message *m = test_parse_file("message/references.eml");

	(void)state;
	assert_string_equal(m->in_reply_to, "reply.2@example.com");
	assert_int_equal(m->nreferences, 3);
	assert_string_equal(m->references[0], "intro.1@example.com");
	assert_string_equal(m->references[1], "reply.1@biz.test");
	assert_string_equal(m->references[2], "reply.2@example.com");
	assert_string_equal(m->cc.v[0].email, "agent+r42@biz.test");
	/* the wrapped "On ... <jane@example.com>\nwrote:" goes with the quote */
	assert_string_equal(context(m), "Thanks Jane! Tuesday works.\n");
	message_free(m);
}

static void test_group(void **state)
{
	struct message *m = test_parse_file("message/group.eml");

	(void)state;
	assert_int_equal(m->nfrom, 2);
	assert_string_equal(m->from.email, "sofia@example.it");
	assert_string_equal(m->sender.email, "assistant@example.it");
	assert_int_equal(m->reply_to.n, 1);
	assert_string_equal(m->reply_to.v[0].email, "sofia.private@example.it");
	assert_int_equal(m->to.n, 2); /* group members; the empty group adds none */
	assert_string_equal(m->to.v[0].name, "Anna Novak");
	assert_string_equal(m->to.v[0].email, "anna@example.org");
	assert_null(m->to.v[1].name);
	assert_string_equal(m->to.v[1].email, "raj@example.net");
	message_free(m);
}

static void test_bcc_delivered_to(void **state)
{
	struct message *m = test_parse_file("message/bcc-agent.eml");

	(void)state;
	assert_int_equal(m->to.n, 1);
	assert_int_equal(m->cc.n, 0);
	/* Delivered-To, X-Original-To (same address), Envelope-To */
	assert_int_equal(m->delivered_to.n, 2);
	assert_string_equal(m->delivered_to.v[0].email, "agent@biz.test");
	assert_string_equal(m->delivered_to.v[1].email, "other@biz.test");
	assert_string_equal(m->return_path, "jane@example.com");
	message_free(m);
}

static void test_unknown_charset(void **state)
{
	struct message *m = test_parse_file("message/unknown-charset.eml");

	(void)state;
	/* not UTF-8: read as Latin-1, nothing lost */
	assert_string_equal(m->body, "Café on the corner, ask for Renée.");
	assert_true(has_warning(m, "unknown charset x-no-such-charset"));
	assert_true(has_warning(m, "Latin-1"));
	message_free(m);

	m = test_parse_file("message/unknown-charset-utf8.eml");
	assert_string_equal(m->body, "Café au lait.\n");
	assert_true(has_warning(m, "unknown charset bogus-8 in the text part, decoded as UTF-8"));
	message_free(m);
}

static void test_8bit_no_charset(void **state)
{
	struct message *m = parse_str("From: a@example.com\nSubject: x\n\n"
	                              "Price: 5\x80 \x93quoted\x94\n");

	(void)state;
	assert_string_equal(m->body, "Price: 5€ “quoted”\n");
	assert_true(has_warning(m, "Windows-1252"));
	message_free(m);
}

static void test_forward_variants(void **state)
{
	/* HTML bold leftovers ("*From:*") and Thunderbird's marker */
	struct message *m = parse_str("From: a@example.com\nTo: agent@biz.test\nSubject: Fwd: x\n\n"
	                              "See below.\n\n-------- Forwarded Message --------\n"
	                              "*Subject:* Garage\n*Date:* Mon, 4 Mar 2024\n"
	                              "*From:* Raj Patel <Raj@Example.ORG>\n*To:* a@example.com\n\n"
	                              "Garage conversion, call 555-0101.\n");

	(void)state;
	assert_int_equal(m->nfwd, 1);
	assert_string_equal(m->fwd[0].from.name, "Raj Patel");
	assert_string_equal(m->fwd[0].from.email, "raj@example.org");
	assert_string_equal(m->fwd[0].subject, "Garage");
	assert_int_equal(m->fwd[0].to.n, 1);
	assert_string_equal(m->fwd[0].body, "Garage conversion, call 555-0101.\n");
	message_free(m);

	/* a marker with no header block after it is not a forward */
	m = parse_str("From: a@example.com\n\nBegin forwarded message:\n\nhello\n");
	assert_int_equal(m->nfwd, 0);
	message_free(m);
}

/* The iPhone quotes a forward line by line; Gmail in Spanish or Dutch
 * names the fields "De:", "Van:" under its own marker. */
static void test_forward_quoted_and_localised(void **state)
{
	struct message *m = parse_str(
	        "From: d@example.com\nTo: agent@biz.test\nSubject: Fwd: Kitchen\n\n"
	        "FYI.\n\nBegin forwarded message:\n\n> From: Kim Tran <kim@example.org>\n"
	        "> Date: March 12, 2025 at 6:02 PM PDT\n> To: d@example.com\n> Subject: Kitchen\n"
	        ">\n> Who did your cabinets? Text me 415-555-0157\n>\n>> an older quote\n");

	(void)state;
	assert_int_equal(m->nfwd, 1);
	assert_string_equal(m->fwd[0].from.email, "kim@example.org");
	assert_string_equal(m->fwd[0].subject, "Kitchen");
	assert_string_equal(m->fwd[0].body,
	                    "Who did your cabinets? Text me 415-555-0157\n\n> an older quote\n");
	message_free(m);

	m = parse_str(
	        "From: j@example.com\nTo: agent@biz.test\nSubject: Fwd: verbouwing\n\n"
	        "Zie hieronder.\n\n---------- Doorgestuurd bericht ---------\n"
	        "Van: Kees Mulder <kees@example.nl>\nDate: do 13 mrt 2025 om 20:11\n"
	        "Subject: verbouwing\nTo: Joost <j@example.com>\n\nWie heeft jullie dak gedaan?\n");
	assert_int_equal(m->nfwd, 1);
	assert_string_equal(m->fwd[0].from.email, "kees@example.nl");
	assert_string_equal(m->fwd[0].to.v[0].email, "j@example.com");
	message_free(m);

	/* Outlook in Spanish, no marker line: "De:" and "Enviado:" */
	m = parse_str(
	        "From: k@example.com\nTo: agent@biz.test\nSubject: RV: cocina\n\n"
	        "Mirad abajo.\n\nDe: Rosa Diaz <rosa@example.es>\nEnviado: jueves, 13 de marzo\n"
	        "Para: k@example.com\nAsunto: cocina\n\nQueremos cambiar la cocina.\n");
	assert_int_equal(m->nfwd, 1);
	assert_string_equal(m->fwd[0].from.email, "rosa@example.es");
	assert_string_equal(m->fwd[0].subject, "cocina");
	message_free(m);
}

/* RFC 3676: format=flowed lines ending in a space go on in the next one
 * (delsp=yes drops that space); stuffing is undone; quotes stay quotes;
 * "-- " is no flowed line. */
static void test_format_flowed(void **state)
{
	struct message *m =
	        parse_str("From: a@example.com\nTo: agent@biz.test\nSubject: x\n"
	                  "Content-Type: text/plain; charset=UTF-8; format=flowed\n\n"
	                  "Stefan plant eine Sanierung seines \n(Fenster und D\xc3\xa4mmung). \n"
	                  "Ihr erreicht ihn unter 0171 2345678.\n\n"
	                  " From the stuffed line\n> quoted and \n> flowed\n-- \nJ\n");

	(void)state;
	assert_string_equal(m->body,
	                    "Stefan plant eine Sanierung seines (Fenster und D\xc3\xa4mmung). "
	                    "Ihr erreicht ihn unter 0171 2345678.\n\n"
	                    "From the stuffed line\n> quoted and flowed\n-- \nJ\n");
	message_free(m);

	m = parse_str("From: a@example.com\nTo: agent@biz.test\nSubject: x\n"
	              "Content-Type: text/plain; charset=UTF-8; format=flowed; delsp=yes\n\n"
	              "long\xe3\x81\xaa \nword\n");
	assert_string_equal(m->body, "long\xe3\x81\xaaword\n");
	message_free(m);
}

static void test_python_encoded_comma(void **state)
{
	/* Python's email package folds "A <a>, B <b>" with the comma as an
	 * encoded word */
	struct message *m = parse_str(
	        "From: a@example.com\nTo:\n Olusegun =?utf-8?q?W=C5=82odarczyk?= <o@example.test>\n"
	        " =?utf-8?q?=2C?= Jane Nakamura <jane@example.org>\nSubject: x\n\nx\n");

	(void)state;
	assert_int_equal(m->to.n, 2);
	assert_string_equal(m->to.v[0].name, "Olusegun Włodarczyk");
	assert_string_equal(m->to.v[1].name, "Jane Nakamura");
	assert_string_equal(m->to.v[1].email, "jane@example.org");
	message_free(m);
}

struct mbox_seen {
	int n;
	char *raw[4];
	size_t len[4];
	int stop_at;
};

static int mbox_cb(const char *raw, size_t len, int index, void *arg)
{
	struct mbox_seen *s = arg;

	assert_int_equal(index, s->n + 1);
	if (s->n < 4) {
		s->raw[s->n] = xstrndup(raw, len);
		s->len[s->n] = len;
	}
	s->n++;
	return index == s->stop_at ? 7 : 0;
}

static void test_mbox(void **state)
{
	size_t len = 0;
	char *data = test_read_data("message/three.mbox", &len);
	struct mbox_seen s = {0};
	struct message *m;
	char *error = NULL;
	int i;

	(void)state;
	assert_true(message_is_mbox(data, len));
	assert_false(message_is_mbox("From: a@b\n", 10));
	assert_int_equal(message_mbox_foreach(data, len, mbox_cb, &s), 0);
	assert_int_equal(s.n, 3);
	/* mboxrd: one '>' less; the blank line before "From " is dropped */
	assert_non_null(strstr(s.raw[0], "\nOne.\nFrom the desk of Jane.\n>From quoted twice.\n"));
	assert_int_equal(s.raw[0][s.len[0] - 1], '\n');
	assert_int_equal(s.raw[0][s.len[0] - 2], '.');
	assert_int_equal(message_parse(s.raw[1], s.len[1], &m, &error), 0);
	assert_string_equal(m->subject, "second");
	assert_string_equal(m->body, "Two.\n");
	message_free(m);
	assert_int_equal(message_parse(s.raw[2], s.len[2], &m, &error), 0);
	assert_string_equal(m->message_id, "mbox.3@example.com");
	message_free(m);
	for (i = 0; i < s.n; i++)
		free(s.raw[i]);

	/* the callback's non-zero return stops the walk */
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	assert_int_equal(message_mbox_foreach(data, len, mbox_cb, &s), 7);
	assert_int_equal(s.n, 2);
	for (i = 0; i < s.n; i++)
		free(s.raw[i]);

	/* message_parse skips a leading From line itself */
	assert_int_equal(message_parse(data, len, &m, &error), 0);
	assert_string_equal(m->subject, "first");
	message_free(m);
	free(data);
}

static void test_no_message(void **state)
{
	struct message *m = (struct message *)1;
	char *error = NULL;

	(void)state;
	assert_int_equal(message_parse("", 0, &m, &error), -1);
	assert_null(m);
	assert_string_equal(error, "empty message");
	free(error);
	error = NULL;
	assert_int_equal(message_parse(NULL, 0, &m, &error), -1);
	free(error);
	error = NULL;
	assert_int_equal(message_parse("\r\n\r\n \n", 7, &m, &error), -1);
	assert_non_null(error);
	free(error);
	error = NULL;
	assert_int_equal(message_parse("From x@y Mon Mar  4 09:00:00 2024\n", 34, &m, &error), -1);
	free(error);
	error = NULL;
	assert_int_equal(message_parse("// Not an RFC-822 Document", 26, &m, &error), -1);
	assert_null(m);
	assert_non_null(error);
	free(error);
}

static void test_cr_only(void **state)
{
	static const char raw[] = "From: Old Mac <mac@example.com>\rTo: agent@biz.test\r"
	                          "Subject: classic\r\rLine one.\rLine two.\r";
	struct message *m = parse_str(raw);

	(void)state;
	assert_string_equal(m->from.email, "mac@example.com");
	assert_string_equal(m->subject, "classic");
	assert_string_equal(m->body, "Line one.\nLine two.\n");
	assert_true(has_warning(m, "CR-only"));
	message_free(m);
}

static void test_caps(void **state)
{
	struct buf b = {0};
	struct message *m;
	int i;

	(void)state;
	buf_adds(&b, "From: a@example.com\nTo: ");
	for (i = 0; i < 300; i++)
		buf_printf(&b, "%su%d@example.org", i ? ", " : "", i);
	buf_adds(&b, "\nReferences:");
	for (i = 0; i < 150; i++)
		buf_printf(&b, " <r%d@x>", i);
	buf_adds(&b, "\nSubject: big\n\n");
	for (i = 0; i < (MESSAGE_MAX_BODY / 10) + 100; i++)
		buf_adds(&b, "0123456789");
	m = parse_str(b.s);
	assert_int_equal(m->to.n, MESSAGE_MAX_ADDRS);
	assert_int_equal(m->nreferences, MESSAGE_MAX_REFS);
	assert_string_equal(m->references[0], "r50@x"); /* the newest kept */
	assert_string_equal(m->references[MESSAGE_MAX_REFS - 1], "r149@x");
	assert_int_equal(m->body_truncated, 1);
	assert_int_equal(strlen(m->body), MESSAGE_MAX_BODY);
	message_free(m);
	buf_free(&b);
}

static void test_deep_nesting(void **state)
{
	struct buf b = {0};
	struct message *m;
	int i;

	(void)state;
	buf_adds(&b, "From: a@example.com\nSubject: deep\nContent-Type: multipart/mixed; "
	             "boundary=b0\n\n");
	for (i = 0; i < 60; i++)
		buf_printf(&b, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i, i + 1);
	buf_printf(&b, "--b60\nContent-Type: text/plain\n\ndeep text\n");
	m = parse_str(b.s);
	assert_string_equal(m->body, "");
	assert_true(m->nwarnings > 0);
	message_free(m);
	buf_free(&b);
}

static void test_empty_parts(void **state)
{
	struct message *m = parse_str("From: a@example.com\nContent-Type: multipart/mixed; "
	                              "boundary=e\n\n--e\nContent-Type: text/plain; "
	                              "charset=x-bogus\n\n--e\nContent-Type: text/html\n\n"
	                              "--e--\n");

	(void)state;
	assert_string_equal(m->body, "");
	assert_string_equal(context(m), "");
	message_free(m);
}

static void test_html_with_plain_alternative_not_converted(void **state)
{
	struct message *m = parse_str("From: a@example.com\nContent-Type: multipart/alternative; "
	                              "boundary=z\n\n--z\nContent-Type: text/html\n\n<p>html</p>\n"
	                              "--z\nContent-Type: text/plain\n\nplain\n--z--\n");

	(void)state;
	assert_string_equal(m->body, "plain");
	assert_int_equal(m->body_is_html, 0);
	message_free(m);
}

/* ---- message_compose ---- */

static const struct addr ZOE = {"Zoë Ødegård", "lead@client.test"};
static const struct addr REP = {"Tom Rep", "rep@biz.test"};
static const char *const REFS[] = {
        "intro-1@partner.test", "reply-2@client.test",
        "a-long-identifier-0123456789-0123456789-0123456789-0123456789@mail.partner.test"};

static struct outmail sample_out(void)
{
	struct outmail o;

	memset(&o, 0, sizeof(o));
	o.from.name = "Brightpath Referrals";
	o.from.email = "referrals@biz.test";
	o.to = &ZOE;
	o.nto = 1;
	o.cc = &REP;
	o.ncc = 1;
	o.reply_to = &REP;
	o.nreply_to = 1;
	o.subject = "Grüße 👋 from Brightpath";
	o.message_id = "r42.welcome.1@biz.test";
	o.in_reply_to = "reply-2@client.test";
	o.references = REFS;
	o.nreferences = 3;
	o.date = 1764406800; /* 2025-11-29T09:00:00Z */
	o.text = "Hello Zoë,\n\nSarah told us about you.\n.a line starting with a dot\nGrüße 👋\n";
	return o;
}

static char *compose_ok(const struct outmail *o, size_t *len_r)
{
	char *data = NULL, *error = NULL;
	size_t len = 0;

	if (message_compose(o, &data, &len, &error) != 0)
		fail_msg("message_compose: %s", error);
	assert_non_null(data);
	assert_int_equal(strlen(data), len);
	if (len_r)
		*len_r = len;
	return data;
}

static struct message *parse_mem(const char *data, size_t len)
{
	struct message *m = NULL;
	char *error = NULL;

	if (message_parse(data, len, &m, &error) != 0)
		fail_msg("parse: %s", error);
	return m;
}

/* Every line ends in CRLF: no lone LF, no lone CR; no line over 998
 * bytes (RFC 5322 section 2.1.1). */
static void assert_crlf(const char *d, size_t len)
{
	size_t i, line = 0;

	for (i = 0; i < len; i++) {
		if (d[i] == '\n' && (i == 0 || d[i - 1] != '\r'))
			fail_msg("bare LF at byte %zu", i);
		if (d[i] == '\r' && (i + 1 >= len || d[i + 1] != '\n'))
			fail_msg("bare CR at byte %zu", i);
		if (d[i] == '\n')
			line = 0;
		else if (++line > 999)
			fail_msg("line over 998 bytes at byte %zu", i);
	}
	assert_true(len >= 2 && d[len - 2] == '\r' && d[len - 1] == '\n');
}

/* Does a header called name start a line of the header block? */
static int raw_has_header(const char *d, const char *name)
{
	const char *end = strstr(d, "\r\n\r\n");
	const char *p = d;
	size_t n = strlen(name);

	while (p && p < end) {
		if (str_istarts(p, name) && p[n] == ':')
			return 1;
		p = strstr(p, "\r\n");
		if (p)
			p += 2;
	}
	return 0;
}

static void test_compose_roundtrip(void **state)
{
	struct outmail o = sample_out();
	struct header extra[] = {{"X-Refagent-Referral", "42"}};
	struct message *m;
	size_t len;
	char *d;

	(void)state;
	o.list_unsubscribe = "<mailto:referrals@biz.test?subject=stop>";
	o.extra = extra;
	o.nextra = 1;
	d = compose_ok(&o, &len);
	assert_crlf(d, len);
	/* RFC 2047 words, not raw 8-bit, in the header block */
	assert_non_null(strstr(d, "=?UTF-8?"));
	assert_non_null(strstr(d, "Content-Type: text/plain; charset=utf-8\r\n"));
	assert_non_null(strstr(d, "Content-Transfer-Encoding: quoted-printable\r\n"));
	assert_non_null(strstr(d, "Gr=C3=BC=C3=9Fe"));
	assert_non_null(strstr(d, "\r\nMIME-Version: 1.0\r\n"));

	m = parse_mem(d, len);
	assert_string_equal(m->from.name, "Brightpath Referrals");
	assert_string_equal(m->from.email, "referrals@biz.test");
	assert_int_equal(m->to.n, 1);
	assert_string_equal(m->to.v[0].name, "Zoë Ødegård");
	assert_string_equal(m->to.v[0].email, "lead@client.test");
	assert_int_equal(m->cc.n, 1);
	assert_string_equal(m->cc.v[0].name, "Tom Rep");
	assert_string_equal(m->cc.v[0].email, "rep@biz.test");
	assert_int_equal(m->reply_to.n, 1);
	assert_string_equal(m->reply_to.v[0].email, "rep@biz.test");
	assert_string_equal(m->subject, "Grüße 👋 from Brightpath");
	assert_string_equal(m->message_id, "r42.welcome.1@biz.test");
	assert_string_equal(m->in_reply_to, "reply-2@client.test");
	assert_int_equal(m->nreferences, 3);
	assert_string_equal(m->references[0], REFS[0]);
	assert_string_equal(m->references[1], REFS[1]);
	assert_string_equal(m->references[2], REFS[2]);
	assert_int_equal(m->date, 1764406800);
	assert_string_equal(message_header(m, "Auto-Submitted"), "auto-generated");
	assert_string_equal(message_header(m, "List-Unsubscribe"),
	                    "<mailto:referrals@biz.test?subject=stop>");
	assert_string_equal(message_header(m, "X-Refagent-Referral"), "42");
	assert_string_equal(message_header(m, "MIME-Version"), "1.0");
	assert_string_equal(m->content_type, "text/plain");
	assert_string_equal(m->body, "Hello Zoë,\n\nSarah told us about you.\n"
	                             ".a line starting with a dot\nGrüße 👋\n");
	assert_int_equal(m->nwarnings, 0);
	message_free(m);
	free(d);
}

static void test_compose_no_injection(void **state)
{
	struct outmail o = sample_out();
	struct addr to[] = {{"Evil\r\nBcc: victim@x.test", "lead@client.test"},
	                    {"Lone\nLF\rCR\tTab\x7f"
	                     "Del",
	                     "two@client.test"}};
	struct header extra[] = {{"X-Refagent-Referral", "42\r\nX-Injected: 2"}};
	struct message *m;
	size_t len, i;
	char *d;

	(void)state;
	o.to = to;
	o.nto = 2;
	o.from.name = "Agent\r\nX-Injected: 3";
	o.subject = "Hello\r\nX-Injected: 1";
	o.list_unsubscribe = "<mailto:stop@biz.test>\r\nX-Injected: 4";
	o.extra = extra;
	o.nextra = 1;
	d = compose_ok(&o, &len);
	assert_crlf(d, len);
	assert_false(raw_has_header(d, "Bcc"));
	assert_false(raw_has_header(d, "X-Injected"));

	m = parse_mem(d, len);
	assert_null(message_header(m, "Bcc"));
	assert_null(message_header(m, "X-Injected"));
	for (i = 0; i < m->nheaders; i++)
		assert_false(str_istarts(m->headers[i].name, "X-Injected"));
	assert_int_equal(m->to.n, 2);
	assert_string_equal(m->to.v[0].name, "Evil Bcc: victim@x.test");
	assert_string_equal(m->to.v[0].email, "lead@client.test");
	assert_string_equal(m->to.v[1].name, "Lone LF CR Tab Del");
	assert_string_equal(m->from.name, "Agent X-Injected: 3");
	assert_string_equal(m->subject, "Hello X-Injected: 1");
	assert_string_equal(message_header(m, "X-Refagent-Referral"), "42 X-Injected: 2");
	assert_string_equal(message_header(m, "List-Unsubscribe"),
	                    "<mailto:stop@biz.test> X-Injected: 4");
	message_free(m);
	free(d);
}

static void test_compose_html(void **state)
{
	struct outmail o = sample_out();
	struct message *m;
	size_t len;
	char *d;

	(void)state;
	o.html = "<p>Hello Zoë,</p><p>Grüße</p>";
	d = compose_ok(&o, &len);
	assert_crlf(d, len);
	assert_non_null(strstr(d, "Content-Type: multipart/alternative;"));
	assert_non_null(strstr(d, "Content-Type: text/html; charset=utf-8\r\n"));
	/* RFC 2046 section 5.1.4: plain first, the preferred html last */
	assert_true(strstr(d, "text/plain; charset=utf-8") < strstr(d, "text/html; charset=utf-8"));
	assert_false(raw_has_header(d, "List-Unsubscribe"));
	m = parse_mem(d, len);
	assert_string_equal(m->content_type, "multipart/alternative");
	assert_int_equal(m->body_is_html, 0);
	assert_true(str_istarts(m->body, "Hello Zoë,\n"));
	assert_null(message_header(m, "List-Unsubscribe"));
	assert_string_equal(message_header(m, "Auto-Submitted"), "auto-generated");
	message_free(m);
	free(d);
}

static void test_compose_line_ends(void **state)
{
	struct outmail o = sample_out();
	struct buf longtext = {0};
	struct message *m;
	size_t len, i;
	char *d;

	(void)state;
	/* CRLF, lone CR and LF in the body; a very long line; no final
	 * newline; a long subject that must be folded */
	buf_adds(&longtext, "one\r\ntwo\rthree\nfour ");
	for (i = 0; i < 300; i++)
		buf_adds(&longtext, "word ");
	buf_adds(&longtext, "end");
	o.text = longtext.s;
	o.subject = "A subject long enough that the header has to be folded by GMime "
	            "so that no line of the header block runs past seventy-eight "
	            "characters, which is what RFC 5322 asks for";
	o.in_reply_to = NULL;
	o.references = NULL;
	o.nreferences = 0;
	d = compose_ok(&o, &len);
	assert_crlf(d, len);
	m = parse_mem(d, len);
	assert_true(str_istarts(m->body, "one\ntwo\nthree\nfour word word"));
	assert_string_equal(m->subject, o.subject);
	assert_null(m->in_reply_to);
	assert_int_equal(m->nreferences, 0);
	assert_false(raw_has_header(d, "In-Reply-To"));
	assert_false(raw_has_header(d, "References"));
	message_free(m);
	free(d);
	buf_free(&longtext);
}

static void expect_refused(const struct outmail *o, const char *want)
{
	char *data = (char *)"unset", *error = NULL;
	size_t len = 7;

	assert_int_equal(message_compose(o, &data, &len, &error), -1);
	assert_null(data);
	assert_int_equal(len, 0);
	assert_non_null(error);
	assert_string_equal(error, want);
	free(error);
}

static void test_compose_refuses(void **state)
{
	struct outmail o;
	struct addr bad[] = {{"Lead", "lead @client.test"}};
	struct addr crlf[] = {{"Lead", "lead@client.test\r\nBcc: x@y.test"}};
	struct addr noat[] = {{NULL, "lead"}};
	struct addr angle[] = {{NULL, "lead@client.test>, x@evil.test"}};
	const char *badref[] = {"ok@x.test", "bad id@x.test"};
	struct header bcc[] = {{"Bcc", "x@evil.test"}};
	struct header colon[] = {{"X-A: b", "c"}};
	struct header ctype[] = {{"Content-Type", "text/html"}};

	(void)state;
	o = sample_out();
	o.to = bad;
	expect_refused(&o, "To address 1 is not a plain address");
	o.to = crlf;
	expect_refused(&o, "To address 1 is not a plain address");
	o.to = &ZOE;
	o.cc = noat;
	expect_refused(&o, "Cc address 1 is not a plain address");
	o.cc = angle;
	expect_refused(&o, "Cc address 1 is not a plain address");
	o = sample_out();
	o.from.email = NULL;
	expect_refused(&o, "From address 1 is not a plain address");
	o = sample_out();
	o.message_id = NULL;
	expect_refused(&o, "Message-ID missing or not a plain id");
	o.message_id = "<r42@biz.test>";
	expect_refused(&o, "Message-ID missing or not a plain id");
	o.message_id = "no-at-sign";
	expect_refused(&o, "Message-ID missing or not a plain id");
	o = sample_out();
	o.in_reply_to = "x@y\r\nBcc: z@evil.test";
	expect_refused(&o, "In-Reply-To is not a plain id");
	o = sample_out();
	o.references = badref;
	o.nreferences = 2;
	expect_refused(&o, "References id 2 is not a plain id");
	o = sample_out();
	o.extra = bcc;
	o.nextra = 1;
	expect_refused(&o, "extra header 1: bad or reserved name");
	o.extra = colon;
	expect_refused(&o, "extra header 1: bad or reserved name");
	o.extra = ctype;
	expect_refused(&o, "extra header 1: bad or reserved name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rfc2047_names),
	        cmocka_unit_test(test_name_one_line),
	        cmocka_unit_test(test_double_decoded_names),
	        cmocka_unit_test(test_unlist),
	        cmocka_unit_test(test_alternative),
	        cmocka_unit_test(test_outlook_html),
	        cmocka_unit_test(test_gmail_forward_inline),
	        cmocka_unit_test(test_gmail_html_forward),
	        cmocka_unit_test(test_outlook_forward),
	        cmocka_unit_test(test_apple_forward),
	        cmocka_unit_test(test_rfc822_forward),
	        cmocka_unit_test(test_forward_variants),
	        cmocka_unit_test(test_forward_quoted_and_localised),
	        cmocka_unit_test(test_format_flowed),
	        cmocka_unit_test(test_python_encoded_comma),
	        cmocka_unit_test(test_dsn),
	        cmocka_unit_test(test_dsn_rfc822_and_other_report),
	        cmocka_unit_test(test_dsn_returned_referral),
	        cmocka_unit_test(test_autoreply),
	        cmocka_unit_test(test_missing_msgid_hash),
	        cmocka_unit_test(test_references),
	        cmocka_unit_test(test_group),
	        cmocka_unit_test(test_bcc_delivered_to),
	        cmocka_unit_test(test_unknown_charset),
	        cmocka_unit_test(test_8bit_no_charset),
	        cmocka_unit_test(test_mbox),
	        cmocka_unit_test(test_no_message),
	        cmocka_unit_test(test_cr_only),
	        cmocka_unit_test(test_caps),
	        cmocka_unit_test(test_deep_nesting),
	        cmocka_unit_test(test_empty_parts),
	        cmocka_unit_test(test_html_with_plain_alternative_not_converted),
	        cmocka_unit_test(test_compose_roundtrip),
	        cmocka_unit_test(test_compose_no_injection),
	        cmocka_unit_test(test_compose_html),
	        cmocka_unit_test(test_compose_line_ends),
	        cmocka_unit_test(test_compose_refuses),
	};
	int rc;

	message_parser_warnings();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	filter_free(rules);
	message_shutdown();
	return rc;
}
